"""Batched twins of the structured-loop helpers (``runtime/loops.py``: scan's steps).

Each takes the helper's arguments, then the batching status of each (False, True,
"all", "list" or a tuple of statuses: see ``transforms/batching_status.py``). A batched
leaf of ``xs`` has its lanes on axis 0 and its steps on axis 1::

    vleaf_at(xs, 2, statuses=(True, False))   ==  xs[:, 2]        # step 2 of every lane
    vscan_length(xs, statuses=(True, False)) == xs.shape[1]
"""

from __future__ import annotations

import numpy as xp

from .loops import _check_carry, scan_length

__all__ = ["vscan_length", "vleaf_at", "vleaf_at_vjp", "vsame_carry", "vstack_steps",
           "vunstack_steps", "vreverse_steps"]


def _leaf_status(status, key):
    return status[key] if isinstance(status, tuple) else status


def _map_status(fn, tree, status):
    """``fn(leaf, batched)`` on every leaf of ``tree`` (``None`` stays ``None``)."""
    if tree is None:
        return None
    if isinstance(tree, dict):
        return {k: _map_status(fn, v, status if status is not True else True)
                for k, v in tree.items()}
    if isinstance(tree, (tuple, list)) and status is not True:
        items = [_map_status(fn, v, _leaf_status(status, i)) for i, v in enumerate(tree)]
        return type(tree)(*items) if hasattr(tree, "_fields") else type(tree)(items)
    return fn(tree, status not in (False, None))


def vscan_length(xs, length=None, *, statuses):
    """``scan_length`` of one lane: batched leaves count their steps on axis 1."""
    lane = _map_status(lambda leaf, b: leaf[0] if b else leaf, xs, statuses[0])
    return scan_length(lane, length)


def vleaf_at(xs, index, *, statuses):
    """Step ``index`` of every lane's ``xs``."""
    return _map_status(lambda leaf, b: leaf[:, index] if b else leaf[index], xs, statuses[0])


def vleaf_at_vjp(g, xs, index, *, statuses):
    """``leaf_at_vjp`` lane by lane: zeros shaped like each lane's ``xs``, ``g`` at
    ``index`` (every leaf of the result batched)."""
    g_status, xs_status = statuses[0], statuses[1]
    k = _lanes((g, xs), (g_status, xs_status))

    def put(leaf, b, gi, gb):
        leaf = xp.asarray(leaf)
        lane = leaf.shape[1:] if b else leaf.shape
        dtype = leaf.dtype if leaf.dtype.kind in "fc" else xp.float64
        out = xp.zeros((k,) + lane, dtype=dtype)
        if gi is not None:
            out[:, index] = gi if gb else xp.broadcast_to(gi, (k,) + xp.shape(gi))
        return out

    return _zip_status(put, xs, xs_status, g, g_status)


def _zip_status(fn, tree, status, other, other_status):
    if tree is None:
        return None
    if isinstance(tree, (tuple, list, dict)) and status is not True:
        keys = list(tree) if isinstance(tree, dict) else range(len(tree))
        items = {k: _zip_status(fn, tree[k], _leaf_status(status, k),
                                None if other is None else other[k],
                                _leaf_status(other_status, k)) for k in keys}
        if isinstance(tree, dict):
            return items
        out = [items[i] for i in keys]
        return type(tree)(*out) if hasattr(tree, "_fields") else type(tree)(out)
    return fn(tree, status not in (False, None), other, other_status not in (False, None))


def _lanes(tree, status) -> int:
    """The batch size: axis 0 of a batched leaf of ``tree``."""
    found = []
    _map_status(lambda leaf, b: found.append(xp.shape(leaf)[0]) if b else None, tree, status)
    return found[0]  # the transform batches a call only when some argument is batched


def vsame_carry(new, old, *, statuses):
    """``same_carry`` lane by lane: each lane of ``new`` like each lane of ``old``; leaves
    batched in either are batched in the result."""
    lane_new = _map_status(lambda leaf, b: leaf[0] if b else leaf, new, statuses[0])
    lane_old = _map_status(lambda leaf, b: leaf[0] if b else leaf, old, statuses[1])
    _check_carry(lane_new, lane_old, "carry")
    return _zip_status(lambda leaf, b, other, ob: leaf if b or not ob else xp.array(
        xp.broadcast_to(leaf, xp.shape(other)[:1] + xp.shape(leaf))), new, statuses[0], old,
        statuses[1])  # batched wherever either carry is


def vstack_steps(ys, *, statuses):
    """``stack_steps`` of a list of batched items: steps on axis 1, lanes on axis 0."""
    if not ys:
        return None
    first = ys[0]
    if isinstance(first, dict):
        return {k: vstack_steps([y[k] for y in ys], statuses=statuses) for k in first}
    if isinstance(first, (tuple, list)):
        items = [vstack_steps([y[i] for y in ys], statuses=statuses) for i in range(len(first))]
        return type(first)(*items) if hasattr(first, "_fields") else type(first)(items)
    if first is None:
        return None
    return xp.stack(ys, axis=1)


def vunstack_steps(g, ys, *, statuses):
    """``unstack_steps`` of a batched cotangent: step ``i`` of every lane."""
    if g is None:
        return [None] * len(ys)
    return [_map_status(lambda leaf, b, i=i: leaf[:, i] if b else leaf[i], g, statuses[0])
            for i in range(len(ys))]


def vreverse_steps(xs, *, statuses):
    """``reverse_steps`` lane by lane: the steps (axis 1 of batched leaves) reversed."""
    return _map_status(lambda leaf, b: leaf[:, ::-1] if b else leaf[::-1], xs, statuses[0])
