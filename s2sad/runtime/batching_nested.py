"""Helpers of batched code batched again (a ``vmap`` whose function calls ``vmap``).

Batched code calls helpers that know of one batch axis in front of each value. Batched
again, a value may carry more: its *leads* count them (outermost first). These
general forms take a lead per operand, so batching them once more only adds one::

    lift_b(a, b)                    ==  lift_lead((1, 1), a, b)
    lift_lead((1, 1), a, b) batched ->  lift_lead((2, 1), a, b)   # a has an outer axis
    vmatmul(a, b, True, False)      ==  matmul_levels(a, b, (True,), (False,))

A value's leading axes are its levels, outermost first; ``levels`` flags which of them
it has (a missing level is a unit axis for broadcasting).
"""

from __future__ import annotations

import numpy as xp

__all__ = ["lift_lead", "matmul_levels", "vselect_lead", "vlane_source", "vany_lane",
           "vmask_lanes", "vmax_trips"]


def lift_lead(leads, a, *others):
    """``a`` (``leads[0]`` batch axes in front) with unit axes after them, so that its
    primal rank reaches that of every other operand (``others[i]``: ``leads[i + 1]``)."""
    rank = max(xp.ndim(o) - n for o, n in zip(others, leads[1:]))
    lead = leads[0]
    missing = rank - (xp.ndim(a) - lead)
    if missing <= 0:
        return a
    a = xp.asarray(a)
    return xp.reshape(a, a.shape[:lead] + (1,) * missing + a.shape[lead:])


def _with_levels(v, have, total: int):
    """``v`` with a unit axis for each of the ``total`` levels it lacks (``have``: flags)."""
    v = xp.asarray(v)
    shape, i = [], 0
    for flag in have:
        shape.append(v.shape[i] if flag else 1)
        i += bool(flag)
    return xp.reshape(v, tuple(shape) + (1,) * (total - len(have)) + v.shape[i:])


def matmul_levels(a, b, a_levels, b_levels):
    """``a @ b`` in every lane of every level (operands of one or two dimensions per lane;
    more run lane by lane)."""
    n = len(a_levels)
    ra, rb = xp.ndim(a) - sum(map(bool, a_levels)), xp.ndim(b) - sum(map(bool, b_levels))
    a, b = _with_levels(a, a_levels, n), _with_levels(b, b_levels, n)
    if ra == rb == 2:
        return a @ b
    if ra == 2 and rb == 1:
        return (a @ b[..., None])[..., 0]
    if ra == 1 and rb == 2:
        return (a[..., None, :] @ b)[..., 0, :]
    if ra == rb == 1:
        return (a[..., None, :] @ b[..., :, None])[..., 0, 0]
    lead = xp.broadcast_shapes(a.shape[:n], b.shape[:n])
    a = xp.broadcast_to(a, lead + a.shape[n:]).reshape((-1,) + a.shape[n:])
    b = xp.broadcast_to(b, lead + b.shape[n:]).reshape((-1,) + b.shape[n:])
    out = xp.stack([x @ y for x, y in zip(a, b)])
    return out.reshape(lead + out.shape[1:])


def vselect_lead(c, a, b, sa, sb, leads):
    """``vselect(c, a, b, sa, sb)`` in every outer lane: ``leads`` counts the outer batch
    axes of ``c``, ``a`` and ``b`` (each of ``a``/``b`` also has the inner one where its
    status says); a side that is None gives way to the other, broadcast to every lane."""
    outer = max(leads)
    ia, ib = sa not in (False, None), sb not in (False, None)
    sides = [(v, n, inner) for v, n, inner in ((a, leads[1], ia), (b, leads[2], ib))
             if v is not None]
    rank = max(xp.ndim(v) - n - inner for v, n, inner in sides)
    c = _with_levels(c, (True,) * leads[0], outer)
    c = xp.reshape(c, c.shape + (1,) * rank)
    a, b = (_lane_aligned(v, n, outer, inner, rank) for v, n, inner in sides * (
        2 // len(sides)))
    if len(sides) == 1:  # a name the other path left unbound
        shape = xp.broadcast_shapes(c.shape[:outer + 1], a.shape[:outer + 1])
        return xp.array(xp.broadcast_to(a, shape + a.shape[outer + 1:]))
    return xp.where(c, a, b)


def _lane_aligned(v, lead: int, outer: int, inner: bool, rank: int):
    """``v`` as ``(outer axes or 1) + (inner axis or 1) + unit axes + lane``."""
    v = _with_levels(v, (True,) * lead, outer)
    if not inner:
        v = xp.reshape(v, v.shape[:outer] + (1,) + v.shape[outer:])
    missing = rank - (v.ndim - outer - 1)
    return xp.reshape(v, v.shape[:outer + 1] + (1,) * missing + v.shape[outer + 1:])


def vlane_source(c):
    """``lane_source`` in every outer lane (axis 0): an index array always (None would
    have to hold for every outer lane at once)."""
    c = xp.asarray(c, dtype=bool)
    first = xp.argmax(c, axis=-1)[..., None]
    return xp.where(c, xp.arange(c.shape[-1]), first)


def vany_lane(c):
    """``any_lane`` in every outer lane: a batched condition of the outer vmap."""
    c = xp.asarray(c, dtype=bool)
    return xp.any(c, axis=tuple(range(1, c.ndim)))


def vmask_lanes(x, src, status, copy, x_outer, src_outer):
    """``mask_lanes(x, src, status, copy)`` in every outer lane (an array ``x``)."""
    if src is None or status in (False, None):
        return xp.array(x, copy=True) if copy else x
    if not src_outer:
        return x[:, src] if x_outer else x[src]
    x = xp.asarray(x)
    if not x_outer:
        x = xp.broadcast_to(x, src.shape[:1] + x.shape)
    return x[xp.arange(src.shape[0])[:, None], src]


def vmax_trips(n):
    """``max_trips`` in every outer lane: a batched trip count of the outer vmap."""
    n = xp.asarray(n)
    if n.shape[1:] and not n.shape[1]:
        return xp.zeros(n.shape[:1], dtype=xp.int64)
    return xp.max(n, axis=tuple(range(1, n.ndim)))
