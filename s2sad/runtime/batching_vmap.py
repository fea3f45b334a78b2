"""Helpers of ``vmap``'s generated code: the boundary (mapped axes in and out) and batched
control flow (masked arms, selects, trip counts).

Invariant, as in ``batching.py``: a batched value of a primal of shape ``s`` has shape
``(k,) + s``. ``in_axes``/``out_axes`` trees reach these helpers encoded by
``encode_axes``: a leaf is an int or None, a container a tuple tagged with its kind::

    encode_axes((0, {"w": None, "b": 1}))  ->  ("tuple", 0, ("dict", ("b", 1), ("w", None)))

Statuses are the printable ones of the batching transform (False, True, "all", "list"
or a tuple of statuses).
"""

from __future__ import annotations

import numpy as xp

__all__ = [
    "encode_axes", "axis_size", "tree_to_front", "tree_to_front_vjp", "vmap_out",
    "vmap_out_vjp", "vbatch_vjp", "widen_vjp", "vmatmul_ct_a", "vmatmul_ct_b", "vgetitem_ct",
    "vselect_t", "lane_source", "any_lane", "all_lanes", "mask_lanes",
    "mask_lanes_vjp", "vselect", "vselect_vjp", "vtrip_count", "max_trips", "vseed",
    "vseed_check",
]

_TAGS = {tuple: "tuple", list: "list", dict: "dict"}


# ----------------------------------------------------------------- axes trees


def encode_axes(tree):
    """A hashable, printable form of an ``in_axes``/``out_axes`` tree (see the module)."""
    if tree is None or isinstance(tree, int) and not isinstance(tree, bool):
        return tree
    if isinstance(tree, dict):
        return ("dict",) + tuple((k, encode_axes(tree[k])) for k in sorted(tree, key=repr))
    if isinstance(tree, (tuple, list)):
        return (_TAGS[list if isinstance(tree, list) else tuple],) + tuple(
            encode_axes(v) for v in tree)
    raise TypeError(f"an axis must be an int or None, got {tree!r}")


def _is_node(axes) -> bool:
    return isinstance(axes, tuple)


def _children(x, axes):
    """``[(key, child of x, axes of that child)]`` of a container ``x`` and its axes node
    (an int or None node applies to every child)."""
    keys = sorted(x, key=repr) if isinstance(x, dict) else range(len(x))
    if not _is_node(axes):
        return [(key, x[key], axes) for key in keys]
    sub = dict(axes[1:]) if axes[0] == "dict" else dict(enumerate(axes[1:]))
    return [(key, x[key], sub[key]) for key in keys]


def _rebuild(x, items: dict):
    if isinstance(x, dict):
        return {key: items[key] for key in x}
    out = [items[i] for i in range(len(x))]
    return type(x)(*out) if hasattr(x, "_fields") else type(x)(out)


def _leaf_axes(x, axes, path: str):
    """``[(path, leaf, axis)]`` for every leaf of ``x`` under its axes tree."""
    if isinstance(x, (tuple, list, dict)):
        return [leaf for key, v, a in _children(x, axes)
                for leaf in _leaf_axes(v, a, f"{path}[{key!r}]")]
    return [(path, x, axes)]


def _axis(shape: tuple, axis: int, where: str) -> int:
    """``axis`` of an array of ``shape`` as a non-negative axis; ``ValueError`` when out of
    range."""
    ndim = len(shape)
    if not -ndim <= axis < ndim:
        raise ValueError(f"vmap: in_axes gives {where} axis {axis}, but it has "
                         f"{'only ' if ndim else ''}{ndim} dimension{'s' * (ndim != 1)} "
                         f"(shape {shape})")
    return axis % ndim


def axis_size(names, args, axes, outer=None) -> int:
    """The batch size: the length of every mapped axis, which must agree; ``ValueError``
    naming the arguments and their sizes when they do not. ``outer``: the batch axes in
    front of each argument (a vmap nested in a vmap), not counted by its axes."""
    if outer is None:  # the common case first: arrays mapped along axes in range, agreeing
        size = None
        for x, a in zip(args, axes):
            if type(x) is not xp.ndarray or type(a) is not int or not -x.ndim <= a < x.ndim or (
                    size is not None and x.shape[a] != size):
                break
            size = x.shape[a]
        else:
            if size is not None:
                return size
    sizes = []
    for j, (name, arg, tree) in enumerate(zip(names, args, axes)):
        lead = outer[j] if outer else 0
        for path, leaf, axis in _leaf_axes(arg, tree, name):
            if axis is not None:
                shape = xp.shape(leaf)[lead:]  # one outer lane's
                sizes.append((path, axis, shape[_axis(shape, axis, f"argument {path}")]))
    if not sizes:
        raise ValueError("vmap needs at least one mapped argument, but in_axes maps none "
                         "(every entry is None)")
    if len({n for _, _, n in sizes}) > 1:
        listed = ", ".join(f"argument {p} has size {n} along axis {a}" for p, a, n in sizes)
        raise ValueError(f"vmap got mapped arguments of different sizes: {listed}")
    return int(sizes[0][2])


def tree_to_front(x, axes, k, fill=False):
    """``x`` with the mapped axis of each leaf moved to the front; unmapped leaves broadcast
    to ``k`` lanes when ``fill`` (a list or dict argument: every leaf batched)."""
    if isinstance(x, (tuple, list, dict)):
        fill = fill or isinstance(x, (list, dict))
        return _rebuild(x, {key: tree_to_front(v, a, k, fill) for key, v, a in _children(x, axes)})
    if axes is None:
        return vbatch_leaf(x, k) if fill else x
    return xp.moveaxis(xp.asarray(x), axes, 0)


def tree_to_front_vjp(g, x, axes, k, fill=False):
    """The cotangent of ``x`` in ``tree_to_front(x, axes, k, fill)`` (axes moved back,
    broadcast leaves summed over the lanes)."""
    if isinstance(x, (tuple, list, dict)):
        fill = fill or isinstance(x, (list, dict))
        return _rebuild(x, {key: tree_to_front_vjp(g[key], v, a, k, fill)
                            for key, v, a in _children(x, axes)})
    if axes is None:
        return xp.sum(g, axis=0) if fill else g
    return xp.moveaxis(g, 0, axes)


def vbatch_leaf(x, k):
    arr = xp.asarray(x)
    return xp.broadcast_to(arr, (k,) + arr.shape)


def vmap_out(result, axes, status, k):
    """The batched ``result`` (statuses ``status``) laid out as ``out_axes`` says: each
    leaf's lanes moved from axis 0 to its out axis; unbatched leaves are broadcast first,
    or returned as they are where the out axis is None."""
    if isinstance(result, (tuple, list, dict)):
        items = {}
        for key, v, a in _children(result, axes):
            s = status if not isinstance(status, tuple) else status[key]
            items[key] = vmap_out(v, a, s, k)
        return _rebuild(result, items)
    if axes is None:
        if status not in (False, None):
            raise ValueError("vmap: out_axes is None for an output that depends on the "
                             "mapped arguments (only unmapped outputs may have out axis None)")
        return result
    from .batching import is_lane_zeros

    if status is False or is_lane_zeros(result):  # a cotangent never written: its own zeros
        result = xp.array(vbatch_leaf(result, k) if status is False else result)
    return xp.moveaxis(result, 0, axes) if axes != 0 else result


def vmap_out_vjp(g, result, axes, status, k):
    """The cotangent of ``result`` in ``vmap_out(result, axes, status, k)``."""
    if isinstance(result, (tuple, list, dict)):
        items = {}
        for key, v, a in _children(result, axes):
            s = status if not isinstance(status, tuple) else status[key]
            items[key] = vmap_out_vjp(g[key], v, a, s, k)
        return _rebuild(result, items)
    if axes is None:
        return g
    g = xp.moveaxis(g, axes, 0) if axes != 0 else g
    return xp.sum(g, axis=0) if status is False else g


def vbatch_vjp(g, x):
    """The cotangent of ``x`` in ``vbatch(x, k)``: the lanes' cotangents summed."""
    if x is None:
        return None
    if isinstance(x, (tuple, list, dict)):
        return _rebuild(x, {key: vbatch_vjp(g[key], v) for key, v, _ in _children(x, None)})
    return xp.sum(g, axis=0)


def widen_vjp(g, x, k, frm, to):
    """The cotangent of ``x`` in ``widen(x, k, frm, to)``: lanes summed where it widened."""
    if x is None or frm == to or (frm in (True, "list", "all") and to in (True, "list", "all")):
        return g
    if frm is False:
        return vbatch_vjp(g, x)
    frm_items = frm if isinstance(frm, tuple) else (frm,) * len(x)
    to_items = to if isinstance(to, tuple) else (to,) * len(x)
    return type(x)(widen_vjp(gi, xi, k, f, t) for gi, xi, f, t in zip(g, x, frm_items,
                                                                      to_items))


def vmatmul_ct_a(g, a, b, a_batched, b_batched):
    """The cotangent of ``a`` in ``vmatmul(a, b, ...)``: each lane's ``g bᵀ``, summed over
    the lanes when ``a`` is unbatched."""
    from .batching import vmatmul_vjp_x

    ct = vmatmul_vjp_x(g, a, b, True, a_batched, b_batched)
    return ct if a_batched else xp.sum(ct, axis=0)


def vmatmul_ct_b(g, a, b, a_batched, b_batched):
    """The cotangent of ``b`` in ``vmatmul(a, b, ...)``: each lane's ``aᵀ g``."""
    from .batching import vmatmul_vjp_y

    ct = vmatmul_vjp_y(g, a, b, True, a_batched, b_batched)
    return ct if b_batched else xp.sum(ct, axis=0)


def vgetitem_ct(g, x, index):
    """The cotangent of ``x`` in ``vgetitem(x, index)`` (every leaf of ``x`` batched)."""
    from .batching import vgetitem_vjp

    return vgetitem_vjp(g, x, index, True, "all")


# ----------------------------------------------------------------- batched control flow


def any_lane(c) -> bool:
    """Whether any lane of the batched condition ``c`` holds (an arm runs only then)."""
    return bool(xp.any(c))


def all_lanes(k):
    """``(k,)`` True: every lane of a batched loop still running."""
    return xp.ones(k, dtype=bool)


def lane_source(c):
    """For an arm taken where ``c`` holds: the lane each lane reads its inputs from (itself
    where ``c`` holds, the first lane that takes the arm elsewhere), so lanes that did not
    take the arm compute on values of one that did and cannot raise or leave a domain.
    None when every lane takes the arm (or none does, and the arm does not run)."""
    c = xp.asarray(c, dtype=bool)
    if c.all() or not c.any():
        return None
    return xp.where(c, xp.arange(c.shape[0]), xp.argmax(c))


def mask_lanes(x, src, status, copy=False):
    """``x`` (status ``status``) with each batched leaf's lanes read from ``src``
    (``lane_source``); ``copy``: a fresh array even where nothing moves (an arm that
    stores into it must not write through to the value outside the arm)."""
    if x is None or status == "list":
        return x
    if isinstance(x, (tuple, list, dict)) and status is not True:
        items = {key: mask_lanes(v, src, status[key] if isinstance(status, tuple) else status,
                                 copy) for key, v, _ in _children(x, None)}
        return _rebuild(x, items)
    if status is False or src is None:
        return xp.array(x, copy=True) if copy and isinstance(x, xp.ndarray) else x
    return x[src]


def mask_lanes_vjp(g, x, src, status):
    """The cotangent of ``x`` in ``mask_lanes(x, src, status)``: each lane's cotangent goes
    back to the lane it read from."""
    if x is None or status == "list":
        return g
    if isinstance(x, (tuple, list, dict)) and status is not True:
        items = {key: mask_lanes_vjp(g[key], v, src,
                                     status[key] if isinstance(status, tuple) else status)
                 for key, v, _ in _children(x, None)}
        return _rebuild(x, items)
    if status is False or src is None:
        return g
    g = xp.asarray(g)
    out = xp.zeros(g.shape, dtype=g.dtype if g.dtype.kind in "fc" else xp.float64)
    xp.add.at(out, src, g)
    return out


def _lifted_to(v, batched: bool, rank: int):
    """``v`` with unit axes after its batch axis (or in front, unbatched) up to primal rank
    ``rank``: batched ``(k, 3)`` at rank 2 is ``(k, 1, 3)``."""
    v = xp.asarray(v)
    missing = rank - (v.ndim - batched)
    if not batched or missing <= 0:
        return v
    return xp.reshape(v, v.shape[:1] + (1,) * missing + v.shape[1:])


def vselect(c, a, b, sa, sb):
    """Lane by lane, ``a`` where ``c`` holds and ``b`` elsewhere (statuses ``sa``, ``sb``);
    a side that is None (a name the other path left unbound) gives way to the other."""
    if b is None or a is None:
        return _widened(a if b is None else b, c, sa if b is None else sb)
    if isinstance(a, (tuple, list, dict)) and sa is not True:
        items = {}
        for key, v, _ in _children(a, None):
            items[key] = vselect(c, v, b[key], _item(sa, key), _item(sb, key))
        return _rebuild(a, items)
    sa, sb = sa not in (False, None), sb not in (False, None)
    rank = max(xp.ndim(a) - sa, xp.ndim(b) - sb)
    cond = xp.reshape(c, xp.shape(c) + (1,) * rank)
    return xp.where(cond, _lifted_to(a, sa, rank), _lifted_to(b, sb, rank))


def _item(status, key):
    return status[key] if isinstance(status, tuple) else status


def _widened(v, c, status):
    """``v`` (status ``status``) with every leaf batched over the lanes of ``c``."""
    if v is None or status == "list":
        return v
    if isinstance(v, (tuple, list, dict)) and status is not True:
        return _rebuild(v, {key: _widened(x, c, _item(status, key))
                            for key, x, _ in _children(v, None)})
    if status in (False, None):
        return xp.array(vbatch_leaf(v, xp.shape(c)[0]))
    return v


def vselect_t(v, c, g, sx, side, other=0.0):
    """The transpose of ``vselect_vjp(g, c, x, sx, side, other)`` in ``g``: ``v`` (shaped
    like ``x``) broadcast to ``g``'s shape where that side was chosen, zero elsewhere."""
    g = xp.asarray(g)
    lanes = vselect(c, v, None, sx, False) if sx in (False, None) else v
    lanes = xp.broadcast_to(_lifted_to(lanes, True, g.ndim - 1), g.shape)
    if other is None:  # the select gave this side in every lane
        return xp.array(lanes)
    cond = xp.reshape(c, xp.shape(c) + (1,) * (g.ndim - 1))
    return xp.where(cond if side else ~cond, lanes, xp.zeros((), dtype=lanes.dtype))


def vselect_vjp(g, c, x, sx, side, other=0.0):
    """The cotangent of ``x`` (status ``sx``), the ``side`` (True: ``a``, False: ``b``)
    operand of ``vselect(c, a, b, ...)`` whose other operand is ``other``: ``g`` where
    that side was chosen (every lane where ``other`` is None), summed down to ``x``'s
    shape."""
    if x is None:
        return None
    if isinstance(x, (tuple, list, dict)) and sx is not True:
        return _rebuild(x, {key: vselect_vjp(g[key], c, v, _item(sx, key), side,
                                             None if other is None else other[key])
                            for key, v, _ in _children(x, None)})
    from . import unbroadcast
    from .batching import vunbroadcast

    g = xp.asarray(g)
    cond = xp.reshape(c, xp.shape(c) + (1,) * (g.ndim - 1))
    picked = g if other is None else xp.where(cond if side else ~cond, g, 0)
    if sx not in (False, None):
        return vunbroadcast(picked, x, True, True)
    return unbroadcast(xp.sum(picked, axis=0), x)


def vtrip_count(start, stop, step):
    """``len(range(start, stop, step))`` lane by lane (any of the three batched)."""
    start, stop, step = xp.asarray(start), xp.asarray(stop), xp.asarray(step)
    n = -((start - stop) // step)  # ceil((stop - start) / step) in integers
    return xp.maximum(n, 0).astype(xp.int64)


def max_trips(n) -> int:
    """The trips a batched loop runs: the most any lane needs (0 for no lanes)."""
    return int(xp.max(n)) if xp.size(n) else 0


def vseed_check(value) -> None:
    """What ``vseed`` checks, without the ones: each lane's output is one number."""
    if type(value) is not xp.ndarray or value.ndim != 1 or value.dtype.kind not in "fc":
        vseed(value)


def vseed(value):
    """``seed`` of a batched scalar output: ones, lane by lane (``seed`` checks each lane)."""
    if type(value) is not xp.ndarray or value.ndim != 1 or value.dtype.kind not in "fc":
        value = xp.asarray(value)  # the lane's own error
        from . import seed

        seed(value[0] if value.ndim and value.shape[0] else xp.zeros(value.shape[1:],
                                                                     value.dtype))
    return xp.ones(value.shape, dtype=value.dtype)
