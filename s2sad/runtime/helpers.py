"""Cotangent helpers that rule templates call (as ``_rt.<name>``).

Each is linear in its first argument (the cotangent or tangent); its own rules
live in ``rules/runtime.py`` so generated code can be differentiated again.
"""

from __future__ import annotations

import numpy as xp

__all__ = [
    "getitem_vjp", "sum_vjp", "mean_vjp", "extremum_vjp", "matmul_vjp_x", "matmul_vjp_y",
    "reshape_like", "transpose_vjp", "split_like", "unstack_like", "cumsum_vjp",
]


def getitem_vjp(g, x, index):
    """Cotangent of ``x`` for ``out = x[index]``: zeros with ``g`` added at ``index``.

    Repeated integer indices accumulate (``np.add.at``); containers give a
    container of zeros with ``g`` at the key.
    """
    if isinstance(x, dict):
        from . import zeros_like
        out = {k: zeros_like(v) for k, v in x.items()}
        out[index] = g
        return out
    if isinstance(x, (tuple, list)):
        from . import zeros_like
        out = [zeros_like(v) for v in x]
        out[index] = g
        return type(x)(*out) if hasattr(x, "_fields") else type(x)(out)
    x = xp.asarray(x)
    gd = g.dtype if isinstance(g, (xp.ndarray, xp.generic)) else xp.dtype(type(g))
    dtype = xp.result_type(x.dtype, gd) if x.dtype.kind in "fc" else gd
    out = xp.zeros(x.shape, dtype=dtype if dtype.kind in "fc" else xp.float64)
    if type(index) is slice or type(index) is int:  # basic: no repeated elements
        out[index] = g
    elif _has_array_index(index):
        xp.add.at(out, index, g)
    else:
        out[index] += g
    return out


def _has_array_index(index) -> bool:
    items = index if isinstance(index, tuple) else (index,)
    return any(isinstance(i, (list, xp.ndarray)) and xp.asarray(i).dtype != bool
               for i in items)


def _axes(axis, ndim):
    if axis is None:
        return tuple(range(ndim))
    axes = axis if isinstance(axis, tuple) else (axis,)
    return tuple(sorted(a % ndim for a in axes))


def sum_vjp(g, a, axis=None, keepdims=False):
    """Broadcast the cotangent of ``sum(a, axis)`` back to ``a``'s shape."""
    shape = xp.shape(a)
    if not keepdims and axis is not None or (not keepdims and xp.ndim(g) < len(shape)):
        g = xp.expand_dims(g, _axes(axis, len(shape))) if len(shape) else g
    return xp.broadcast_to(g, shape)


def mean_vjp(g, a, axis=None, keepdims=False):
    shape = xp.shape(a)
    n = 1
    for ax in _axes(axis, len(shape)):
        n *= shape[ax]
    return sum_vjp(g, a, axis, keepdims) / n


def extremum_vjp(g, a, out, axis=None, keepdims=False):
    """Cotangent of ``max``/``min``: split evenly among the elements that attain it."""
    a = xp.asarray(a)
    if not keepdims and axis is not None:
        out = xp.expand_dims(out, _axes(axis, a.ndim))
        g = xp.expand_dims(g, _axes(axis, a.ndim))
    mask = (a == out)
    count = xp.sum(mask, axis=axis, keepdims=True)
    return xp.where(mask, g / count, 0.0).astype(xp.result_type(a.dtype, xp.asarray(g).dtype))


def matmul_vjp_x(g, x, y):
    """Cotangent of ``x`` in ``x @ y`` (handles 1-d operands and batching)."""
    x, y, g = xp.asarray(x), xp.asarray(y), xp.asarray(g)
    if x.ndim == 0 or y.ndim == 0:
        return _unbroadcast(g * y, x)
    if y.ndim == 1:
        gy = g[..., None] * y if x.ndim > 1 else g * y
        return _unbroadcast(gy, x)
    if x.ndim == 1:
        return _unbroadcast(y @ g[..., :, None], x[:, None])[..., 0] if g.ndim > 1 else y @ g
    return _unbroadcast(g @ xp.swapaxes(y, -1, -2), x)


def matmul_vjp_y(g, x, y):
    x, y, g = xp.asarray(x), xp.asarray(y), xp.asarray(g)
    if x.ndim == 0 or y.ndim == 0:
        return _unbroadcast(g * x, y)
    if x.ndim == 1:
        gx = x[:, None] * g[..., None, :] if y.ndim > 1 else g * x
        return _unbroadcast(gx, y)
    if y.ndim == 1:
        return _unbroadcast(xp.swapaxes(x, -1, -2) @ g[..., :, None], y[:, None])[..., 0] \
            if g.ndim > 1 else x.T @ g
    return _unbroadcast(xp.swapaxes(x, -1, -2) @ g, y)


def _unbroadcast(g, x):
    from . import unbroadcast
    return unbroadcast(g, x)


def reshape_like(g, x):
    """``g`` reshaped to ``x``'s shape (the cotangent of a reshape/ravel/squeeze)."""
    return xp.reshape(g, xp.shape(x))


def transpose_vjp(g, axes=None):
    if axes is None:
        return xp.transpose(g)
    return xp.transpose(g, xp.argsort(axes))


def split_like(g, arrays, axis=0):
    """Cotangents of ``concatenate(arrays, axis)``: ``g`` cut into the arrays' sizes."""
    sizes = [xp.shape(a)[axis] if xp.ndim(a) else 1 for a in arrays]
    cuts = xp.cumsum(sizes)[:-1]
    parts = xp.split(g, cuts, axis=axis)
    return type(arrays)(parts) if isinstance(arrays, (list, tuple)) else parts


def unstack_like(g, arrays, axis=0):
    """Cotangents of ``stack(arrays, axis)``."""
    parts = [xp.take(g, i, axis=axis) for i in range(len(arrays))]
    return type(arrays)(parts) if isinstance(arrays, (list, tuple)) else parts


def cumsum_vjp(g, axis=None, like=None):
    if axis is None:
        flat = xp.ravel(g)
        return xp.reshape(xp.flip(xp.cumsum(xp.flip(flat))), xp.shape(like))
    return xp.flip(xp.cumsum(xp.flip(g, axis), axis), axis)


def count(a, axis=None):
    """How many elements a reduction over ``axis`` combines."""
    shape = xp.shape(a)
    n = 1
    for ax in _axes(axis, len(shape)):
        n *= shape[ax]
    return n


def clip_mask(a, lo, hi):
    """1 where ``clip`` passes ``a`` through, 0 where it clamps."""
    inside = xp.ones(xp.shape(a), dtype=bool)
    if lo is not None:
        inside &= xp.asarray(a) >= lo
    if hi is not None:
        inside &= xp.asarray(a) <= hi
    return inside.astype(xp.asarray(a).dtype if xp.asarray(a).dtype.kind in "fc" else float)


def solve_vjp_a(g, a, out):
    """Cotangent of ``a`` in ``out = solve(a, b)``: ``-solve(a.T, g) out^T``."""
    gb = xp.linalg.solve(xp.swapaxes(a, -1, -2), g)
    if xp.ndim(out) == xp.ndim(a) - 1:
        return -(gb[..., :, None] * out[..., None, :])
    return -(gb @ xp.swapaxes(out, -1, -2))


def hstack_vjp(g, arrays):
    return split_like(g, arrays, 1 if xp.ndim(arrays[0]) > 1 else 0)


def vstack_vjp(g, arrays):
    if xp.ndim(arrays[0]) > 1:
        return split_like(g, arrays, 0)
    return type(arrays)(g[i] for i in range(len(arrays)))


def array_vjp(g, obj):
    """Cotangent of a list given to ``np.array``: ``g`` split back into the list's structure."""
    if isinstance(obj, (list, tuple)):
        return type(obj)(array_vjp(g[i], v) for i, v in enumerate(obj))
    return g


def tile_vjp(g, a, reps):
    a_shape = xp.shape(a)
    reps = (reps,) if xp.ndim(reps) == 0 else tuple(reps)
    nd = max(len(a_shape), len(reps))
    a_full = (1,) * (nd - len(a_shape)) + tuple(a_shape)
    reps = (1,) * (nd - len(reps)) + reps
    inter = []
    for r, n in zip(reps, a_full):
        inter += [r, n]
    summed = xp.reshape(g, inter).sum(axis=tuple(range(0, 2 * nd, 2)))
    return xp.reshape(summed, a_shape)


__all__ += ["count", "clip_mask", "solve_vjp_a", "hstack_vjp", "vstack_vjp", "array_vjp",
            "tile_vjp"]


def trace_vjp(g, a, offset=0, axis1=0, axis2=1):
    """Cotangent of ``trace(a)``: ``g`` on the (offset) diagonal, zeros elsewhere."""
    a = xp.asarray(a)
    out = xp.zeros(a.shape, dtype=xp.result_type(a.dtype, xp.asarray(g).dtype, xp.float64))
    moved = xp.moveaxis(out, (axis1, axis2), (-2, -1))
    n, m = moved.shape[-2:]
    rows = xp.arange(max(0, -offset), min(n, m - offset))
    moved[..., rows, rows + offset] = xp.asarray(g)[..., None]
    return out


__all__ += ["trace_vjp"]


def _einsum_parts(subscripts: str, n: int) -> tuple[list[str], str]:
    subscripts = subscripts.replace(" ", "")
    if "..." in subscripts:
        raise NotImplementedError("the derivative of einsum with '...' is not supported")
    if "->" in subscripts:
        ins, out = subscripts.split("->")
    else:  # implicit output: the letters that appear once, in order
        ins = subscripts
        letters = ins.replace(",", "")
        out = "".join(sorted(c for c in set(letters) if letters.count(c) == 1))
    parts = ins.split(",")
    if len(parts) != n:
        raise ValueError(f"einsum subscripts {subscripts!r} do not match {n} operands")
    return parts, out


def einsum_jvp(t, subscripts, operands, i):
    """Tangent of ``einsum`` from operand ``i``: the same contraction with ``t`` in its place."""
    ops = list(operands)
    ops[i] = t
    return xp.einsum(subscripts, *ops)


def einsum_vjp(g, subscripts, operands, i):
    """Cotangent of operand ``i``: contract ``g`` with the other operands onto its subscripts.

    Letters of operand ``i`` that appear nowhere else were summed over: broadcast back.
    """
    parts, out = _einsum_parts(subscripts, len(operands))
    target = parts[i]
    if len(set(target)) != len(target):
        raise NotImplementedError(f"the derivative of einsum {subscripts!r} with a repeated "
                                  f"index in one operand is not supported")
    others = [p for k, p in enumerate(parts) if k != i]
    known = set(out).union(*others) if others else set(out)
    kept = "".join(c for c in target if c in known)
    spec = ",".join([out] + others) + "->" + kept
    res = xp.einsum(spec, g, *[o for k, o in enumerate(operands) if k != i])
    shape = xp.shape(operands[i])
    for axis, c in enumerate(target):
        if c not in known:
            res = xp.expand_dims(res, axis)
    return xp.broadcast_to(res, shape) if xp.shape(res) != shape else res


__all__ += ["einsum_jvp", "einsum_vjp"]
