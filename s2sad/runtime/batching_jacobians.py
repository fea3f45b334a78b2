"""Helpers of Jacobians computed in one batched pass (``transforms/jacobians.py``): the
basis of an argument's space as one batched tangent, and the Jacobian assembled from the
batched tangents (columns, ``jacfwd``) or cotangents (rows, ``jacrev``)::

    basis_stack(np.zeros(2))  ->  [[1, 0], [0, 1]]        # (x.size,) + x.shape
"""

from __future__ import annotations

import math

import numpy as xp

__all__ = ["array_like", "basis_stack", "jacobian_from_batched_columns",
           "jacobian_from_batched_rows"]


def array_like(value, what: str):
    """``value`` itself if a Jacobian can be taken of it (an array or a number), else a clear
    ``TypeError`` (containers and other objects have no Jacobian here yet)."""
    if isinstance(value, (xp.ndarray, xp.generic, bool, int, float, complex)):
        return value
    raise TypeError(f"a Jacobian needs an array or a number as {what}, but got a "
                    f"{type(value).__name__}; take the Jacobian of each array (e.g. of "
                    f"lambda x: f(x)[0]) or use vjp/jvp for containers")


def basis_stack(x):
    """The standard basis of ``x``'s space as one batched tangent, shape ``(x.size,) + x.shape``."""
    array_like(x, "the function's output")
    if isinstance(x, (bool, int, float)):
        return xp.ones((1,))
    arr = xp.asarray(x)
    dtype = arr.dtype if arr.dtype.kind in "fc" else xp.float64
    return xp.reshape(xp.eye(arr.size, dtype=dtype), (arr.size,) + arr.shape)


def jacobian_from_batched_columns(tangents, out, x):
    """``J`` (shape ``out.shape + x.shape``) from the batched tangent ``J e_k`` of every k."""
    array_like(out, "the function's output")
    out_shape, in_shape = xp.shape(out), xp.shape(x)
    n = math.prod(in_shape)  # a host int (xp.prod would make it an array first)
    cols = xp.broadcast_to(tangents, (n,) + out_shape)
    return xp.reshape(xp.moveaxis(cols, 0, -1), out_shape + in_shape)


def jacobian_from_batched_rows(cotangents, out, x):
    """``J`` (shape ``out.shape + x.shape``) from the batched cotangent ``J^T e_k`` of every k."""
    out_shape, in_shape = xp.shape(out), xp.shape(x)
    m = math.prod(out_shape)
    rows = xp.broadcast_to(cotangents, (m,) + in_shape)
    return xp.reshape(rows, out_shape + in_shape)
