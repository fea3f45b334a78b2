"""Helpers of the array-manipulation rules (``rules/numpy_arrays.py``), called as ``_rt.<name>``.

Each helper has its own rule, so generated code that calls it can be differentiated again:

- most are linear in their first argument ``v`` (a tangent or cotangent); their rules are
  the helper itself (forward) and the NumPy function it transposes (reverse);
- index and mask builders (``repeat_indices``, ``permutation_of``, ...) are ``nondiff``;
- ``bilinear`` / ``bilinear_vjp`` serve every product of two arrays (tensordot, kron,
  cross): the cotangent of one factor is bilinear in (cotangent, other factor);
- ``prod_others`` is the derivative of ``np.prod`` without a division.

Array code goes through ``xp`` (numpy; the CuPy backend rebinds it).
"""

from __future__ import annotations

import string
from functools import reduce

import numpy as xp

from .helpers import _float_dtype, _split, _unbroadcast

__all__: list[str] = [
    # gathers and scatters
    "take_vjp", "take_along_axis_vjp", "repeat_indices", "permutation_of", "pad_mode",
    "pad_vjp",
    # diagonals, differences, gradients
    "diagonal_vjp", "diag_vjp", "diff_vjp", "gradient", "gradient_vjp",
    # joins, selections, axes
    "column_stack_vjp", "meshgrid_jvp", "meshgrid_vjp", "select_vjp", "none_true",
    "rollaxis_destination",
    # products
    "bilinear", "bilinear_vjp", "prod_others",
]


def _axis(axis, ndim):
    return axis % ndim if ndim else 0


# --------------------------------------------------------------------------- gathers and scatters


def take_vjp(g, a, indices, axis=None):
    """Cotangent of ``take(a, indices, axis)``: ``g`` added at ``indices`` (repeats add up).

    ``take`` puts the index axes where ``axis`` was; they move to the front for ``add.at``.
    """
    shape = xp.shape(a)
    g, indices = xp.asarray(g), xp.asarray(indices)
    if axis is None:
        flat = xp.zeros(xp.size(a), dtype=_float_dtype(a, g))
        xp.add.at(flat, indices, g)
        return xp.reshape(flat, shape)
    axis = _axis(axis, len(shape))
    out = xp.zeros(shape, dtype=_float_dtype(a, g))
    k = indices.ndim
    values = xp.moveaxis(g, tuple(range(axis, axis + k)), tuple(range(k)))
    xp.add.at(xp.moveaxis(out, axis, 0), indices, values)
    return out


def take_along_axis_vjp(g, a, indices, axis=-1):
    """Cotangent of ``take_along_axis(a, indices, axis)``: ``g`` added at ``indices``."""
    shape = xp.shape(a)
    g = xp.asarray(g)
    if axis is None:
        return take_vjp(g, a, indices)
    axis = _axis(axis, len(shape))
    out = xp.zeros(shape, dtype=_float_dtype(a, g))
    grid = xp.indices(g.shape, sparse=True)
    index = tuple(xp.broadcast_to(indices, g.shape) if d == axis else grid[d] if n != 1 else 0
                  for d, n in enumerate(shape))
    xp.add.at(out, index, g)
    return out


def repeat_indices(a, repeats, axis=None):
    """The indices ``i`` with ``repeat(a, repeats, axis) == take(a, i, axis)``."""
    n = xp.size(a) if axis is None else xp.shape(a)[axis]
    return xp.repeat(xp.arange(n), repeats)


def permutation_of(a, out, axis=-1):
    """The indices ``i`` with ``out == take_along_axis(a, i, axis)`` for ``out`` a permutation
    of ``a`` along ``axis`` (``sort``, ``partition``), matched by rank: distinct values assumed.

    ``argpartition`` is not used: it need not order the other elements as ``partition`` does.
    """
    rank_in = xp.argsort(a, axis=axis, kind="stable")
    rank_out = xp.argsort(xp.argsort(out, axis=axis, kind="stable"), axis=axis, kind="stable")
    return xp.take_along_axis(rank_in, rank_out, axis=axis if axis is not None else -1)


_GATHER_MODES = ("constant", "edge", "reflect", "symmetric", "wrap")


def pad_mode(mode):
    """``mode`` itself if ``np.pad`` copies elements in it (its derivative is a gather)."""
    if mode not in _GATHER_MODES:
        raise NotImplementedError(f"the derivative of np.pad with mode={mode!r} is not "
                                  f"supported (supported: {', '.join(_GATHER_MODES)})")
    return mode


def pad_vjp(g, a, pad_width, mode="constant"):
    """Cotangent of ``pad(a, pad_width, mode)``: every element of ``g`` added to the element of
    ``a`` it copies, found by padding the indices of ``a`` the same way (-1: a constant)."""
    shape, g = xp.shape(a), xp.asarray(g)
    index = xp.reshape(xp.arange(xp.size(a)), shape)
    if pad_mode(mode) == "constant":
        padded = xp.pad(index, pad_width, mode, constant_values=-1)
    else:
        padded = xp.pad(index, pad_width, mode)
    keep = padded >= 0
    flat = xp.bincount(padded[keep], weights=g[keep], minlength=xp.size(a))
    return xp.reshape(flat.astype(_float_dtype(a, g), copy=False), shape)


# --------------------------------------------------------------------------- diagonals, differences


def diagonal_vjp(g, a, offset=0, axis1=0, axis2=1):
    """Cotangent of ``diagonal(a, offset, axis1, axis2)``: ``g`` on that diagonal, zeros elsewhere
    (``diagonal`` puts the diagonal last)."""
    out = xp.zeros(xp.shape(a), dtype=_float_dtype(a, g))
    moved = xp.moveaxis(out, (axis1, axis2), (-2, -1))
    n, m = moved.shape[-2:]
    rows = xp.arange(max(0, -offset), min(n, m - offset))
    moved[..., rows, rows + offset] = g
    return out


def diag_vjp(g, v, k=0):
    """Cotangent of ``diag(v, k)``: the diagonal of ``g`` (``v`` 1-d), or ``g`` placed on the
    diagonal of a matrix shaped like ``v`` (``v`` 2-d, which may be rectangular)."""
    if xp.ndim(v) == 1:
        return xp.diag(g, k)
    return diagonal_vjp(g, v, k)


def diff_vjp(g, n=1, axis=-1):
    """Cotangent of ``diff(a, n, axis)``: the transposed difference, ``-diff`` of ``g`` padded
    with a zero at both ends, ``n`` times."""
    g = xp.asarray(g)
    width = [(0, 0)] * g.ndim
    width[axis] = (1, 1)
    for _ in range(n):
        g = -xp.diff(xp.pad(g, width), axis=axis)
    return g


def _gradient_axes(f, axis):
    nd = xp.ndim(f)
    if axis is None:
        return list(range(nd))
    return [_axis(ax, nd) for ax in (axis if isinstance(axis, (tuple, list)) else (axis,))]


def gradient(v, varargs=(), axis=None, edge_order=1):
    """``np.gradient(v, *varargs, axis=axis, edge_order=edge_order)`` (linear in ``v``)."""
    return xp.gradient(v, *varargs, axis=axis, edge_order=edge_order)


def gradient_vjp(g, f, varargs=(), axis=None, edge_order=1):
    """Cotangent of ``gradient(f, *varargs, axis, edge_order)``.

    Along each axis the gradient is a banded matrix ``D`` (``D[:, j]`` is the gradient of the
    unit vector ``e_j``, with that axis's spacing); the cotangent sums ``Dᵀ g_k`` over axes.
    """
    axes = _gradient_axes(f, axis)
    parts = list(g) if len(axes) > 1 else [g]
    spacing = list(varargs) * len(axes) if len(varargs) <= 1 else list(varargs)
    dt = _float_dtype(f, *parts)
    total = xp.zeros(xp.shape(f), dtype=dt)
    for k, (ax, gk) in enumerate(zip(axes, parts)):
        eye = xp.eye(xp.shape(f)[ax], dtype=dt)
        d = xp.gradient(eye, *spacing[k:k + 1], axis=0, edge_order=edge_order)
        total = total + xp.moveaxis(xp.tensordot(d, gk, axes=([0], [ax])), 0, ax).astype(dt)
    return total


# --------------------------------------------------------------------------- joins, selections


def column_stack_vjp(g, tup):
    """Cotangents of ``column_stack(tup)``: pieces along axis 1, 1-d arrays as columns."""
    shapes = [xp.shape(a) if xp.ndim(a) >= 2 else (xp.size(a), 1) for a in tup]
    return _split(g, tup, 1, shapes)


def meshgrid_jvp(v, xi, i, indexing="xy", sparse=False):
    """Tangents of ``meshgrid(*xi)`` from input ``i``: ``v`` spread in output ``i``, zeros in
    the others (output ``k`` depends on input ``k`` only)."""
    dt = _float_dtype(v)
    inputs = [v if k == i else xp.zeros(xp.shape(x), dtype=dt) for k, x in enumerate(xi)]
    return list(xp.meshgrid(*inputs, indexing=indexing, sparse=sparse))


def meshgrid_vjp(v, xi, i, indexing="xy", sparse=False):
    """Cotangent of input ``i`` of ``meshgrid(*xi)``: output ``i``'s cotangent summed over every
    axis but its own (``indexing="xy"`` swaps the first two)."""
    axis = 1 - i if indexing == "xy" and len(xi) > 1 and i < 2 else i
    gi = xp.asarray(v[i])
    summed = xp.sum(gi, axis=tuple(d for d in range(gi.ndim) if d != axis))
    return xp.reshape(summed, xp.shape(xi[i]))


def none_true(condlist):
    """Where no condition of ``select(condlist, ...)`` holds (the default is taken)."""
    return xp.logical_not(reduce(xp.logical_or, condlist))


def select_vjp(g, condlist, choicelist):
    """Cotangents of the choices of ``select(condlist, choicelist)``: ``g`` where the first true
    condition picks that choice, summed to its shape."""
    taken = xp.zeros((), dtype=bool)
    parts = []
    for cond, choice in zip(condlist, choicelist):
        parts.append(_unbroadcast(xp.where(cond & ~taken, g, 0), choice))
        taken = taken | cond
    return type(choicelist)(parts) if isinstance(choicelist, (list, tuple)) else parts


def rollaxis_destination(a, axis, start=0):
    """The ``destination`` with ``rollaxis(a, axis, start) == moveaxis(a, axis, destination)``."""
    nd = xp.ndim(a)
    axis = _axis(axis, nd)
    start = start + nd if start < 0 else start
    return start - 1 if axis < start else start


# --------------------------------------------------------------------------- products
#
# ``bilinear(v, op, which, other, options)`` is the product ``op`` (tensordot, kron, cross)
# with ``v`` as factor ``which`` (0 or 1) and ``other`` as the other factor;
# ``bilinear_vjp(v, op, which, other, like, options)`` is the cotangent of factor ``which``
# (shaped like ``like``) given the cotangent ``v`` of the product. Both are linear in ``v``
# and in ``other``, and each is the other's transpose (rules in ``rules/numpy_arrays.py``).


def bilinear(v, op, which, other, options=None):
    """``op(v, other)`` (``which`` 0) or ``op(other, v)`` (``which`` 1)."""
    x, y = (v, other) if which == 0 else (other, v)
    if op == "tensordot":
        return xp.tensordot(x, y, options)
    if op == "kron":
        return xp.kron(x, y)
    if op == "cross":
        return xp.cross(x, y, *options)
    raise ValueError(f"unknown product {op!r}")


def bilinear_vjp(v, op, which, other, like, options=None):
    """The cotangent of factor ``which`` of ``op`` (shaped like ``like``) from ``v``."""
    if op == "tensordot":
        return _tensordot_vjp(v, which, other, like, options)
    if op == "kron":
        return _kron_vjp(v, which, other, like)
    if op == "cross":
        return _cross_vjp(v, which, other, like, options)
    raise ValueError(f"unknown product {op!r}")


def _tensordot_labels(na, nb, axes):
    """einsum labels of ``tensordot`` of operands with ``na`` and ``nb`` axes: a, b, out."""
    if isinstance(axes, (int, xp.integer)):
        pairs = [(na - axes + k, k) for k in range(axes)]
    else:
        left, right = ((ax,) if isinstance(ax, (int, xp.integer)) else tuple(ax) for ax in axes)
        pairs = [(p % na, q % nb) for p, q in zip(left, right)]
    la = string.ascii_letters[:na]
    lb = list(string.ascii_letters[na:na + nb])
    for p, q in pairs:
        lb[q] = la[p]
    lb = "".join(lb)
    summed = {la[p] for p, _ in pairs}
    return la, lb, "".join(c for c in la + lb if c not in summed)


def _tensordot_vjp(v, which, other, like, axes):
    if which == 0:
        la, lb, lo = _tensordot_labels(xp.ndim(like), xp.ndim(other), axes)
        return xp.einsum(f"{lo},{lb}->{la}", v, other)
    la, lb, lo = _tensordot_labels(xp.ndim(other), xp.ndim(like), axes)
    return xp.einsum(f"{la},{lo}->{lb}", other, v)


def _kron_vjp(v, which, other, like):
    """``kron(x, y)`` reshaped to the interleaved axes (x0, y0, x1, y1, ...) is ``x ⊗ y``:
    the cotangent of one factor contracts ``v`` so reshaped with the other."""
    nd = max(xp.ndim(like), xp.ndim(other))
    full_like = (1,) * (nd - xp.ndim(like)) + xp.shape(like)
    full_other = (1,) * (nd - xp.ndim(other)) + xp.shape(other)
    xs, ys = (full_like, full_other) if which == 0 else (full_other, full_like)
    lx, ly = string.ascii_letters[:nd], string.ascii_letters[nd:2 * nd]
    lv = "".join(a + b for a, b in zip(lx, ly))
    grid = xp.reshape(v, tuple(n for pair in zip(xs, ys) for n in pair))
    lo, lw = (ly, lx) if which == 0 else (lx, ly)
    w = xp.einsum(f"{lv},{lo}->{lw}", grid, xp.reshape(other, full_other))
    return xp.reshape(w, xp.shape(like))


def _as_3(u):
    """Vectors along the last axis as 3-vectors (2-vectors in the xy-plane)."""
    if u.shape[-1] == 3:
        return u
    return xp.concatenate([u, xp.zeros(u.shape[:-1] + (1,), dtype=u.dtype)], axis=-1)


def _cross_vjp(v, which, other, like, options):
    """g·(a×b) = a·(b×g) = b·(g×a): the cotangent of ``a`` is ``b×g``, of ``b`` ``g×a``, on
    3-vectors along the last axis (a product of two 2-vectors is its z component)."""
    axisa, axisb, axisc, axis = options
    if axis is not None:
        axisa = axisb = axisc = axis
    ax_like, ax_other = (axisa, axisb) if which == 0 else (axisb, axisa)
    mine = xp.moveaxis(xp.asarray(like), ax_like, -1)
    theirs = _as_3(xp.moveaxis(xp.asarray(other), ax_other, -1))
    v = xp.asarray(v)
    if mine.shape[-1] == 2 and xp.shape(other)[ax_other] == 2:
        g3 = xp.zeros(v.shape + (3,), dtype=_float_dtype(v, other))
        g3[..., 2] = v
    else:
        g3 = xp.moveaxis(v, axisc, -1)
    grad = xp.cross(theirs, g3) if which == 0 else xp.cross(g3, theirs)
    return xp.moveaxis(_unbroadcast(grad[..., :mine.shape[-1]], mine), -1, ax_like)


def prod_others(a, axis=None):
    """The product of the other elements of each slice along ``axis`` (every axis for None):
    ``d prod(a) / d a_j``, as exclusive cumulative products from both ends, so that an exact
    zero in ``a`` gives the product of the rest instead of ``prod / 0``."""
    a = xp.asarray(a)
    axes = tuple(range(a.ndim)) if axis is None else (
        tuple(axis) if isinstance(axis, (tuple, list)) else (axis,))
    axes = tuple(sorted(_axis(ax, a.ndim) for ax in axes))
    dest = tuple(range(a.ndim - len(axes), a.ndim))
    moved = xp.moveaxis(a, axes, dest)
    flat = xp.reshape(moved, moved.shape[:a.ndim - len(axes)] + (-1,))
    ones = xp.ones(flat.shape[:-1] + (1,), dtype=flat.dtype)
    left = xp.cumprod(xp.concatenate([ones, flat[..., :-1]], axis=-1), axis=-1)
    right = xp.flip(xp.cumprod(xp.concatenate([ones, xp.flip(flat, -1)[..., :-1]], axis=-1),
                               axis=-1), -1)
    return xp.moveaxis(xp.reshape(left * right, moved.shape), dest, axes)
