"""Batched twins of NumPy functions no tag covers (``dot``, ``einsum``, ``norm``, ``solve``,
shape queries, ``np.array`` of a list of lanes).

Invariant, as in ``batching.py``: a batched value has its lanes on axis 0. A twin takes
the function's arguments, then whether each array argument is batched (``*_b``), or the
status of every argument (``statuses=``); it returns the batched result::

    vdot(A, x, False, True)   ==  np.stack([np.dot(A, x[i]) for i in range(k)])
    vshape(x, statuses=(True,)) == np.shape(x[0])          # the same in every lane
"""

from __future__ import annotations

import string

import numpy as xp

__all__ = ["vlen", "vcheck_aux", "vshape", "vndim", "vsize", "varray", "vasarray", "vdot",
           "vouter", "veinsum", "vnorm", "vsolve", "vbroadcast_to", "vlogsumexp"]


def _lane_ndim(v, batched) -> int:
    return xp.ndim(v) - bool(batched)


def _batched_leaf(status) -> bool:
    return status not in (False, None)


# --------------------------------------------------------------------------- shape queries
# the same in every lane: unbatched results


def vlen(x, *, statuses):
    """``len`` of one lane: axis 1 of a batched array, the length of a container."""
    return xp.shape(x)[1] if type(x) is xp.ndarray and _batched_leaf(statuses[0]) else len(x)


def vcheck_aux(out, name, *, statuses):
    """``check_aux`` of a batch: a tuple of lanes' items is a tuple; a batched array holds
    one lane's non-pair per lane, the first of which the error describes."""
    if type(out) is xp.ndarray and _batched_leaf(statuses[0]) and len(out):
        out = out[0]
    from . import check_aux

    check_aux(out, name)


def vshape(x, *, statuses):
    return xp.shape(x)[1:]


def vndim(x, *, statuses):
    return xp.ndim(x) - 1


def vsize(x, *, statuses):
    shape = xp.shape(x)[1:]
    return int(xp.prod(shape, dtype=xp.int64)) if shape else 1


# --------------------------------------------------------------------------- building arrays


def varray(obj, dtype=None, *, statuses):
    """``np.array(obj)`` in every lane: a list or tuple of lanes' values stacked on axis 1
    (unbatched items broadcast to every lane); an array copied."""
    if not isinstance(obj, (list, tuple)):
        return xp.array(obj, dtype=dtype)
    return _stacked(obj, dtype, statuses[0])


def vasarray(a, dtype=None, *, statuses):
    """``np.asarray(a)`` in every lane (an array as it is)."""
    if not isinstance(a, (list, tuple)):
        return xp.asarray(a, dtype=dtype)
    return _stacked(a, dtype, statuses[0])


def _stacked(obj, dtype, status):
    items = status if isinstance(status, tuple) else (status,) * len(obj)
    if status in ("list", "all"):
        items = (True,) * len(obj)
    k = next(xp.shape(v)[0] for v, s in zip(obj, items) if _batched_leaf(s))
    lanes = [xp.asarray(v) if _batched_leaf(s) else xp.broadcast_to(v, (k,) + xp.shape(v))
             for v, s in zip(obj, items)]
    return xp.array(xp.stack(lanes, axis=1), dtype=dtype)


def vbroadcast_to(array, shape, array_b=True):
    """``np.broadcast_to(array, shape)`` in every lane."""
    from .batching import _lifted

    if isinstance(shape, (int, xp.integer)):
        shape = (shape,)
    lifted = _lifted(array, len(shape))
    return xp.broadcast_to(lifted, xp.shape(lifted)[:1] + tuple(shape))


# --------------------------------------------------------------------------- products


def vdot(a, b, a_b=True, b_b=False):
    """``np.dot(a, b)`` lane by lane: a product with a number, else ``a @ b`` (lanes of one
    or two dimensions; more run lane by lane)."""
    from .batching import lift, lift_b, vmap_call, vmatmul

    ra, rb = _lane_ndim(a, a_b), _lane_ndim(b, b_b)
    if ra == 0 or rb == 0:
        if a_b and b_b:
            return lift_b(a, b) * lift_b(b, a)
        return lift(a, b) * b if a_b else a * lift(b, a)
    if ra <= 2 and rb <= 2:
        return vmatmul(a, b, a_b, b_b)
    return vmap_call("np.dot", (a_b, b_b), a, b)


def vouter(a, b, a_b=True, b_b=False):
    """``np.outer(a, b)`` lane by lane (each lane's operands flattened)."""
    k = xp.shape(a if a_b else b)[0]
    fa = xp.reshape(a, (k, -1)) if a_b else xp.ravel(a)[None]
    fb = xp.reshape(b, (k, -1)) if b_b else xp.ravel(b)[None]
    return fa[:, :, None] * fb[:, None, :]


def veinsum(subscripts, *operands, optimize=False, statuses):
    """``np.einsum`` lane by lane: a new label for the batch axis of every batched operand
    and of the output."""
    if not isinstance(subscripts, str):
        raise TypeError("vmap: np.einsum needs its subscripts as a string")
    spec = subscripts.replace(" ", "")
    inputs, arrow, output = spec.partition("->")
    terms = inputs.split(",")
    if not arrow:  # the implicit output: labels used once, in order, after any "..."
        labels = [c for c in inputs if c.isalpha()]
        output = ("..." if "..." in inputs else "") + "".join(
            sorted(c for c in set(labels) if labels.count(c) == 1))
    free = next(c for c in string.ascii_letters if c not in spec)
    flags = [_batched_leaf(s) for s in statuses[1:]]
    terms = [free + t if f else t for t, f in zip(terms, flags)]
    return xp.einsum(",".join(terms) + "->" + free + output, *operands, optimize=optimize)


def vnorm(x, ord=None, axis=None, keepdims=False, x_b=True):
    """``np.linalg.norm`` lane by lane: the lane's axes (all of them for the default
    Frobenius/2-norm, the one or two a vector or matrix norm needs) past the batch axis."""
    lane = xp.ndim(x) - 1
    if axis is None and ord is None:
        x = xp.asarray(x)
        sq = x.real ** 2 + x.imag ** 2 if xp.iscomplexobj(x) else x * x
        out = xp.sqrt(xp.sum(sq, axis=tuple(range(1, lane + 1)), keepdims=keepdims))
        return out
    if axis is None:
        axis = (1,) if lane == 1 else (1, 2)
    else:
        axis = tuple(a + 1 if a >= 0 else a for a in (axis if isinstance(axis, tuple)
                                                      else (axis,)))
    return xp.linalg.norm(x, ord=ord, axis=axis if len(axis) > 1 else axis[0],
                          keepdims=keepdims)


def vsolve(a, b, a_b=True, b_b=False):
    """``np.linalg.solve(a, b)`` lane by lane: a lane's ``a`` a matrix or a stack of them,
    its ``b`` a vector or a stack of matrices (NumPy's rules, each lane on its own)."""
    from .batching import _lifted

    ra, rb = _lane_ndim(a, a_b), _lane_ndim(b, b_b)
    if rb == 1:
        if not a_b and ra == 2:  # one matrix, a right-hand side per lane: one solve
            return xp.linalg.solve(a, xp.swapaxes(b, 0, 1)).T
        if b_b:  # (k, M) -> (k, 1.., M, 1): the lane's vector against a's stack
            b = xp.reshape(b, b.shape[:1] + (1,) * (ra - 2) + b.shape[1:] + (1,))
        else:
            b = xp.asarray(b)[:, None]
        return xp.linalg.solve(a, b)[..., 0]
    rank = max(ra, rb)  # stacks of matrices: lanes aligned before NumPy broadcasts
    return xp.linalg.solve(_lifted(a, rank) if a_b else a, _lifted(b, rank) if b_b else b)


def vlogsumexp(a, axis=None, b=1.0, keepdims=False, return_sign=False, a_b=True, b_b=False):
    """``scipy.special.logsumexp(a, axis, b, ...)`` lane by lane (weights ``b`` batched or
    not): both operands given every lane and aligned, the lane's axes shifted."""
    from scipy.special import logsumexp

    from .batching import _lifted

    rank = max(_lane_ndim(a, a_b), _lane_ndim(b, b_b))
    k = xp.shape(a if a_b else b)[0]
    a, b = (_lifted(v if f else xp.broadcast_to(v, (k,) + xp.shape(v)), rank) for v, f in (
        (a, a_b), (b, b_b)))
    axes = tuple(range(1, rank + 1)) if axis is None else tuple(
        x + 1 if x >= 0 else x for x in (axis if isinstance(axis, tuple) else (axis,)))
    return logsumexp(a, axis=axes, b=b, keepdims=keepdims, return_sign=return_sign)
