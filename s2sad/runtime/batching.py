"""Helpers of batched (vectorized) code: values carrying a leading batch axis.

Invariant: a *batched* value ``v`` of a primal of shape ``s`` has shape
``(k,) + s``: ``v[i]`` is the value in lane ``i``. An unbatched value is the
same in every lane. The batching transform (``transforms/batching.py``) keeps
primal shapes in the arguments of these helpers; each helper returns the
batched result of its primitive. ``vmap_call`` is the fallback that is right
for any primitive: one call per lane, results stacked.
"""

from __future__ import annotations

import builtins
import operator

import numpy as xp

__all__ = [
    "Unbatchable", "array_like", "batch_size", "vbatch", "widen", "batched_array",
    "vgetitem", "lift", "lift_b", "batch_axes", "shift_axis", "batch_shape",
    "batch_transpose_axes", "batch_squeeze_axes", "batch_index", "lift_into", "vmap_call",
    "vhstack", "vvstack", "vmatmul", "vmatmul_vjp_x", "vmatmul_vjp_y", "vunbroadcast",
    "vbroadcast_like", "vgetitem_vjp", "vsum_vjp", "vmean_vjp", "vreshape_like", "vset_at",
    "vzero_at", "vindex", "vindex_ct", "vset_index", "lane_zeros", "is_lane_zeros",
    "vtree_add", "basis_stack", "jacobian_from_batched_columns",
    "jacobian_from_batched_rows",
]


class Unbatchable(Exception):
    """Raised by batched code on a value it cannot widen (a container where an array was
    expected, separated array indices); the caller runs one pass per lane instead."""


def batch_size(v, outer=0) -> int:
    """The batch size of batched ``v``; ``outer``: batch axes in front of it (nested vmap)."""
    return xp.shape(v)[outer]


def vbatch(x, k, outer=0):
    """``x`` (the same in every lane) as a batched value: ``k`` copies along a new axis 0
    (after the ``outer`` batch axes of a nested vmap)."""
    if x is None:
        return None
    if isinstance(x, (tuple, list)):
        return type(x)(vbatch(v, k, outer) for v in x)
    arr = xp.asarray(x)
    shape = arr.shape[:outer] + (1,) + arr.shape[outer:]
    return xp.array(xp.broadcast_to(xp.reshape(arr, shape), shape[:outer] + (k,) +
                                    shape[outer + 1:]))


def widen(x, k, frm, to):
    """``x`` with status ``frm`` given status ``to``: the parts unbatched in ``frm`` and
    batched in ``to`` widened (statuses: False, True, "list", or a tuple of statuses)."""
    if x is None or frm == to or (frm in (True, "list", "all") and to in (True, "list", "all")):
        return x
    if frm is False and to in (True, "list", "all"):
        return vbatch(x, k)
    if to == "all":  # a tuple status: widen its unbatched parts
        return type(x)(widen(v, k, f, "all") for v, f in zip(x, frm))
    frm = frm if isinstance(frm, tuple) else (frm,) * len(to)
    to = to if isinstance(to, tuple) else (to,) * len(frm)
    return type(x)(widen(v, k, f, t) for v, f, t in zip(x, frm, to))


def batched_array(x):
    """``x`` (status "all": every leaf batched) where an array is needed; a container here
    means this program cannot run batched."""
    if isinstance(x, (tuple, list, dict)):
        raise Unbatchable("a container where the batched code expected an array")
    return x


def vgetitem(x, index, outer=0):
    """``x[index]`` of a value whose every leaf is batched: containers are indexed as they
    are, arrays past their batch axis (and the ``outer`` ones of a nested vmap)."""
    if isinstance(x, (tuple, list, dict)):
        return x[index]
    return x[(slice(None),) * outer + batch_index(index)]


def _ndim(v) -> int:
    return v.ndim if type(v) is xp.ndarray else xp.ndim(v)  # the attribute: 10x faster


def _lifted(a, rank):
    """Batched ``a`` with unit axes after the batch axis up to primal rank ``rank``."""
    missing = rank - (_ndim(a) - 1)
    if missing <= 0:
        return a
    a = xp.asarray(a)
    return xp.reshape(a, a.shape[:1] + (1,) * missing + a.shape[1:])


def lift(a, *unbatched):
    """Batched ``a`` aligned for broadcasting against the unbatched operands ``unbatched``.

    NumPy aligns trailing axes: ``(k, 3)`` against ``(4, 3)`` would pair the batch
    axis with the 4. Unit axes after the batch axis restore ``(k, 1, 3)``.
    """
    return _lifted(a, max(map(_ndim, unbatched)))


def lift_b(a, *batched):
    """Batched ``a`` aligned against other batched operands (primal ranks compared)."""
    if len(batched) == 1 and type(a) is xp.ndarray and type(batched[0]) is xp.ndarray and (
            a.ndim >= batched[0].ndim):
        return a  # the common case, first
    return _lifted(a, max(map(_ndim, batched)) - 1)


def batch_axes(a, outer=0):
    """Every axis of batched ``a`` but the batch axis (a reduction's ``axis=None``), as axes
    of one lane of the ``outer`` batch axes in front of it (nested vmap)."""
    return tuple(range(1, xp.ndim(a) - outer))


def shift_axis(axis):
    """A primal axis (int or tuple; negative ones count from the end) in batched terms."""
    if axis is None:
        return None
    if isinstance(axis, (tuple, list)):
        return tuple(shift_axis(ax) for ax in axis)
    return axis + 1 if axis >= 0 else axis


def batch_shape(a, shape, outer=0):
    """``(k,) + shape`` for reshaping batched ``a`` to the primal ``shape``."""
    if isinstance(shape, (int, xp.integer)):
        shape = (shape,)
    return (xp.shape(a)[outer],) + tuple(shape)


def batch_transpose_axes(a, axes=None, outer=0):
    """``transpose(a, axes)`` of a lane as axes of the batched ``a`` (the batch axis stays)."""
    if axes is None:
        return (0,) + tuple(range(xp.ndim(a) - 1 - outer, 0, -1))
    return (0,) + tuple(shift_axis(ax) for ax in axes)


def batch_squeeze_axes(a, outer=0):
    """``squeeze(a)``: the unit axes of batched ``a`` other than the batch axis."""
    return tuple(i for i, n in enumerate(xp.shape(a)[outer:]) if i and n == 1)


def batch_index(index):
    """A primal subscript as a subscript of the batched value (a leading ``:``).

    NumPy moves the axes of advanced indices that are separated by a slice to the
    front; a leading ``:`` would then not stay in front, so those are refused.
    """
    items = index if isinstance(index, tuple) else (index,)
    arrays = [i for i, item in enumerate(items)
              if not isinstance(item, (int, xp.integer, slice, type(None), type(Ellipsis)))]
    if arrays and arrays[-1] - arrays[0] + 1 != len(arrays):
        raise Unbatchable("a batched subscript with array indices separated by a slice")
    return (slice(None),) + items


def lift_into(v, a, index):
    """Batched ``v`` aligned to broadcast into ``a[index]`` (``index`` already batched)."""
    return _lifted(v, xp.ndim(a[index]) - 1)


_BUILTINS = {"add": operator.add, "sub": operator.sub, "mul": operator.mul,
             "truediv": operator.truediv, "floordiv": operator.floordiv, "mod": operator.mod,
             "pow": operator.pow, "matmul": operator.matmul, "neg": operator.neg,
             "pos": operator.pos, "lt": operator.lt, "le": operator.le, "gt": operator.gt,
             "ge": operator.ge, "eq": operator.eq, "ne": operator.ne}
_RESOLVED: dict[str, object] = {}


def _resolve(name: str):
    """The object a primitive's canonical name (``"np.linalg.solve"``, ``"_rt.pop"``) denotes."""
    fn = _RESOLVED.get(name)
    if fn is None:
        if name in _BUILTINS:
            fn = _BUILTINS[name]
        elif "." not in name:
            fn = getattr(builtins, name)
        else:
            head, *rest = name.split(".")
            if head == "np":
                fn = xp
            elif head == "_rt":
                from .. import runtime as fn
            else:  # a library's function with a user rule (s2sad.defrule): its module
                import importlib

                fn = importlib.import_module(head)
            for part in rest:
                fn = getattr(fn, part)
        _RESOLVED[name] = fn
    return fn


def _lane(a, status, i):
    """Lane ``i`` of ``a`` whose batching status is ``status`` (see ``widen``)."""
    if status is False or a is None:
        return a
    if status in (True, "all") and not isinstance(a, (tuple, list, dict)):
        return a[i]
    if isinstance(a, dict):
        return {key: _lane(v, True, i) for key, v in a.items()}
    items = status if isinstance(status, tuple) else (True,) * len(a)
    out = [_lane(v, s, i) for v, s in zip(a, items)]
    return type(a)(*out) if hasattr(a, "_fields") else type(a)(out)


def _stack(lanes):
    """Lanes' results stacked into one batched value (containers leaf by leaf)."""
    first = lanes[0]
    if isinstance(first, dict):
        return {key: _stack([v[key] for v in lanes]) for key in first}
    if isinstance(first, (tuple, list)):
        out = [_stack([v[j] for v in lanes]) for j in range(len(first))]
        return type(first)(*out) if hasattr(first, "_fields") else type(first)(out)
    if first is None:
        return None
    return xp.stack([xp.asarray(v) for v in lanes])


def vmap_call(name, statuses, *args, container=False, **kwargs):
    """Any primitive on batched arguments: one call per lane, the results stacked.

    ``statuses[i]`` is the batching status of ``args[i]`` (True: a leading batch axis).
    A result that is a container is stacked leaf by leaf only when ``container`` says the
    transform expects one.
    """
    fn = _resolve(name)
    k = batch_size(_first_batched(args, statuses))
    lanes = [fn(*(_lane(a, s, i) for a, s in zip(args, statuses)), **kwargs) for i in range(k)]
    if not container and any(isinstance(v, (tuple, list, dict)) for v in lanes):
        raise Unbatchable(f"{name} returned a container")
    return _stack(lanes)


def _first_batched(args, statuses):
    for a, s in zip(args, statuses):
        if s in (True, "all") and not isinstance(a, (tuple, list, dict)):
            return a
        if s is not False and a is not None:
            items = s if isinstance(s, tuple) else (True,) * len(a)
            found = _first_batched(list(a.values()) if isinstance(a, dict) else a, items)
            if found is not None:
                return found
    return None


def vhstack(arrays):
    """``np.hstack`` of batched arrays: axis 1 of lanes of 2 or more axes, else axis 0."""
    arrays = [a if xp.ndim(a) > 1 else xp.reshape(a, (-1, 1)) for a in arrays]
    return xp.concatenate(arrays, axis=2 if xp.ndim(arrays[0]) > 2 else 1)


def vvstack(arrays):
    """``np.vstack`` of batched arrays: lanes made 2-d, joined along their first axis."""
    arrays = [xp.reshape(a, (xp.shape(a)[0], 1, -1)) if xp.ndim(a) <= 2 else a for a in arrays]
    return xp.concatenate(arrays, axis=1)


def vmatmul(a, b, a_batched, b_batched):
    """``a @ b`` with either or both operands batched."""
    ra, rb = xp.ndim(a) - a_batched, xp.ndim(b) - b_batched
    if a_batched and not b_batched and (rb <= 2 or ra >= rb):
        return a @ b  # the batch axis is a leading (broadcast) axis of a
    if b_batched and not a_batched:
        if rb == 1:  # b is (k, m): the lanes' a @ b[i] are the columns of a @ b.T
            return xp.moveaxis(a @ b.T, -1, 0) if ra >= 2 else b @ a
        if ra <= rb:
            return a @ b
    if a_batched and b_batched:
        if ra == rb >= 2:
            return a @ b
        if ra == 1 and rb == 2:
            return (a[:, None, :] @ b)[:, 0]
        if ra == 2 and rb == 1:
            return (a @ b[..., None])[..., 0]
        if ra == rb == 1:
            return xp.einsum("ki,ki->k", a, b)
    return vmap_call("matmul", (a_batched, b_batched), a, b)


def _lanes_of(k, *pairs):
    """The batch size: axis 0 of the first batched value among ``(value, batched)`` pairs."""
    for v, b in pairs:
        if b:
            return xp.shape(v)[0]
    return k


def _batched_result(out, k, batched: bool):
    """``out`` with a batch axis: computed batched, or the same in every lane (broadcast)."""
    return out if batched else xp.broadcast_to(out, (k,) + xp.shape(out))


# The cotangents of ``x @ y`` for lanes of one or two dimensions, by (lane rank of x, of y);
# every operand may be batched or not (``gb``: whether ``g`` is), NumPy broadcasting the rest
_MATMUL_VJP_X = {
    (1, 1): lambda g, x, y, gb: (g[:, None] if gb else g) * y,   # g y
    (2, 1): lambda g, x, y, gb: g[..., :, None] * y[..., None, :],  # outer(g, y)
    (1, 2): lambda g, x, y, gb: (y @ g[..., None])[..., 0],   # y g
    (2, 2): lambda g, x, y, gb: g @ xp.swapaxes(y, -1, -2),   # g yᵀ
}
_MATMUL_VJP_Y = {
    (1, 1): lambda g, x, y, gb: (g[:, None] if gb else g) * x,   # g x
    (1, 2): lambda g, x, y, gb: x[..., :, None] * g[..., None, :],  # outer(x, g)
    (2, 1): lambda g, x, y, gb: (xp.swapaxes(x, -1, -2) @ g[..., None])[..., 0],  # xᵀ g
    (2, 2): lambda g, x, y, gb: xp.swapaxes(x, -1, -2) @ g,   # xᵀ g
}


def _matmul_vjp(table, name, g, x, y, flags, batched_by):
    """A cotangent of ``x @ y`` lane by lane from ``table``; ``batched_by``: the operands
    that make it differ across lanes (else it is broadcast to every lane)."""
    g_b, x_b, y_b = flags
    formula = _MATMUL_VJP_X if table == "x" else _MATMUL_VJP_Y
    rule = formula.get((_ndim(x) - x_b, _ndim(y) - y_b))
    if rule is None:
        return vmap_call(name, flags, g, x, y)
    if batched_by:
        return rule(g, x, y, g_b)
    return _batched_result(rule(g, x, y, g_b), _lanes_of(None, (x, x_b), (y, y_b)), False)


def vmatmul_vjp_x(g, x, y, g_b=True, x_b=False, y_b=False):
    """``matmul_vjp_x`` (cotangent of ``x`` in ``x @ y``) lane by lane, for operands of one
    or two dimensions per lane (batched as ``g_b``, ``x_b``, ``y_b`` say)."""
    return _matmul_vjp("x", "_rt.matmul_vjp_x", g, x, y, (g_b, x_b, y_b), g_b or y_b)


def vmatmul_vjp_y(g, x, y, g_b=True, x_b=False, y_b=False):
    """``matmul_vjp_y`` (cotangent of ``y`` in ``x @ y``) lane by lane (see ``vmatmul_vjp_x``)."""
    return _matmul_vjp("y", "_rt.matmul_vjp_y", g, x, y, (g_b, x_b, y_b), g_b or x_b)


def vunbroadcast(g, x, g_batched, x_batched):
    """``unbroadcast(g, x)`` lane by lane: ``g`` summed down to ``x``'s primal shape."""
    if g_batched and type(g) is xp.ndarray and type(x) is xp.ndarray and (
            g.shape == x.shape if x_batched else g.shape[1:] == x.shape):
        return g  # the common case, first
    if not g_batched:  # the same in every lane, but batched by its status
        from . import unbroadcast

        return vbatch(unbroadcast(g, x[0]), xp.shape(x)[0])
    shape = xp.shape(x)[1:] if x_batched else xp.shape(x)
    gshape = xp.shape(g)[1:]
    if gshape == shape:
        return g
    lead = len(gshape) - len(shape)
    axes = tuple(range(1, lead + 1)) + tuple(
        1 + lead + i for i, n in enumerate(shape) if n == 1 and gshape[lead + i] != 1)
    out = xp.sum(g, axis=axes) if axes else g
    return xp.reshape(out, xp.shape(g)[:1] + shape)


def vbroadcast_like(t, out, t_batched, out_batched):
    """``broadcast_like(t, out)`` lane by lane."""
    shape = xp.shape(out)[1:] if out_batched else xp.shape(out)
    if not t_batched:  # the same in every lane, but batched by its status
        return xp.broadcast_to(t, xp.shape(out)[:1] + shape)
    t = _lifted(t, len(shape))
    return xp.broadcast_to(t, t.shape[:1] + shape)


def _lane_index(index, flags):
    """``index`` (its items flagged in ``flags`` one integer per lane) as an index of the
    batched array pairing lane ``p`` with its own items: ``(arange(k), ...)``."""
    items = index if type(index) is tuple else (index,)
    if any(not f and type(it) is xp.ndarray and it.ndim for it, f in zip(items, flags)):
        raise Unbatchable("an array index beside one that differs across the batch")
    k = xp.shape(next(it for it, f in zip(items, flags) if f))[0]
    return (xp.arange(k),) + items, k


def vindex(x, index, x_b, flags):
    """``x[index]`` lane by lane, where the items ``flags`` marks hold one index per lane."""
    lanes, k = _lane_index(index, flags)
    x = xp.asarray(x)
    if not x_b:
        x = xp.broadcast_to(x, (k,) + x.shape)
    return x[lanes]


def vindex_ct(g, x, index, x_b, flags):
    """The cotangent of ``x`` in ``vindex(x, index, x_b, flags)``: each lane's ``g`` added
    at its own index (summed over the lanes for an unbatched ``x``)."""
    out = vgetitem_vjp(g, x, index, True, x_b, index_flags=flags)
    return out if x_b else xp.sum(out, axis=0)


def vset_index(a, index, v, flags, v_b):
    """``a[index] = v`` lane by lane, in place (``a`` batched; ``flags`` as for ``vindex``)."""
    lanes, _ = _lane_index(index, flags)
    a[lanes] = _lifted(v, xp.ndim(a[lanes]) - 1) if v_b else v


def vgetitem_vjp(g, x, index, g_b=True, x_b=False, index_flags=None):
    """``getitem_vjp(g, x, index)`` lane by lane: zeros shaped like a lane of ``x`` with
    each lane's ``g`` added at ``index``. ``g_b``/``x_b`` are batching statuses (a
    container's may be a tuple of statuses, or "all"); every leaf of the result is batched."""
    from .helpers import _float_dtype

    k = _lanes_of(None, *((v, b) for v, b in ((g, g_b), (x, x_b)) if b is True
                          and type(v) is xp.ndarray))
    if k is None:
        k = _first_lanes(g, g_b) or _first_lanes(x, x_b)
    if k is None and index_flags is not None:
        k = _lane_index(index, index_flags)[1]
    if k is None:  # no leaf tells the lanes (a None cotangent): one pass per lane instead
        raise Unbatchable("the cotangent of a container item with no lanes to count")
    if isinstance(x, (dict, tuple, list)):
        out = _batched_zeros(x, x_b, k)
        out[index] = g if g_b not in (False, None) else vbatch(g, k)
        if isinstance(x, tuple):
            return type(x)(*out) if hasattr(x, "_fields") else type(x)(out)
        return out
    x = xp.asarray(x)
    out = xp.zeros((k,) + x.shape[bool(x_b):], dtype=_float_dtype(x, g))
    if index_flags is not None:  # each lane's own index: repeats cannot meet across lanes
        lanes, _ = _lane_index(index, index_flags)
        xp.add.at(out, lanes, g if g_b else xp.broadcast_to(g, (k,) + xp.shape(g)))
        return out
    bindex = batch_index(index)
    if not g_b:
        g = xp.broadcast_to(g, (k,) + xp.shape(g))
    if type(index) is slice or type(index) is int:  # basic: no repeated elements
        out[bindex] = g
    else:
        xp.add.at(out, bindex, g)
    return out


def _first_lanes(tree, status):
    """The batch size from the first batched leaf of ``tree`` (status ``status``), or None."""
    if tree is None or status in (False, None) or not isinstance(
            tree, (tuple, list, dict, xp.ndarray)):
        return None
    if isinstance(tree, (tuple, list, dict)) and status is not True:
        keys = list(tree) if isinstance(tree, dict) else range(len(tree))
        found = [_first_lanes(tree[key], status[i] if isinstance(status, tuple) else status)
                 for i, key in enumerate(keys)]
        return next((n for n in found if n is not None), None)
    return xp.shape(tree)[0]


def _batched_zeros(x, status, k):
    """Zeros shaped like every lane of ``x`` (a mutable list for a container's items)."""
    from . import zeros_like

    if isinstance(x, dict):
        return {key: _batched_zeros(v, _item_status(status, key, x), k) for key, v in x.items()}
    if isinstance(x, (tuple, list)):
        return [_batched_zeros(v, _item_status(status, i, x), k) for i, v in enumerate(x)]
    if x is None:
        return None
    if type(x) is xp.ndarray:
        dtype = x.dtype if x.dtype.kind in "fc" else xp.dtype(xp.float64)
        return lane_zeros(x.shape[1:] if status not in (False, None) else x.shape, dtype, k)
    z = zeros_like(x)
    return z if status not in (False, None) else vbatch(z, k)


_ZEROS: dict = {}  # dtype -> a 0-d zero: broadcast views of it are cotangents known to be 0


_ZERO_VIEWS: dict = {}  # (shape, dtype, k) -> its view (read-only: safe to share)


def lane_zeros(shape, dtype, k):
    """A zero cotangent of ``k`` lanes of ``shape`` that costs no memory: a read-only view
    of one zero, which ``vtree_add`` skips and ``vmap_out`` copies before returning it."""
    key = (tuple(shape), dtype, k)
    view = _ZERO_VIEWS.get(key)
    if view is None:
        zero = _ZEROS.get(dtype)
        if zero is None:
            zero = _ZEROS[dtype] = xp.zeros((), dtype=dtype)
        if len(_ZERO_VIEWS) > 256:  # many shapes: start over rather than grow
            _ZERO_VIEWS.clear()
        view = _ZERO_VIEWS[key] = xp.broadcast_to(zero, (k,) + key[0])
    return view


def is_lane_zeros(a) -> bool:
    return type(a) is xp.ndarray and a.base is not None and a.base is _ZEROS.get(a.dtype)


def vtree_add(a, b):
    """``tree_add`` of batched cotangents, skipping the zeros ``lane_zeros`` made."""
    if type(a) is xp.ndarray and type(b) is xp.ndarray:
        if a.base is not None and a.base is _ZEROS.get(a.dtype):
            return b if b.shape == a.shape else a + b
        if b.base is not None and b.base is _ZEROS.get(b.dtype):
            return a if b.shape == a.shape else a + b
        return a + b
    if a is None or b is None:
        return b if a is None else a
    if isinstance(a, (tuple, list)):
        items = [vtree_add(u, v) for u, v in zip(a, b)]
        return type(a)(*items) if hasattr(a, "_fields") else type(a)(items)
    if isinstance(a, dict):
        return {key: vtree_add(a[key], b[key]) for key in a}
    return a + b


def _item_status(status, key, x):
    if isinstance(status, tuple):
        return status[list(x).index(key) if isinstance(x, dict) else key]
    return status


def vsum_vjp(g, a, axis=None, keepdims=False, g_b=True, a_b=False):
    """``sum_vjp`` lane by lane: each lane's ``g`` broadcast back over a lane of ``a``."""
    from .helpers import _axes

    shape = xp.shape(a)[a_b:]
    k = _lanes_of(None, (g, g_b), (a, a_b))
    if not g_b:
        g = xp.broadcast_to(g, (k,) + xp.shape(g))
    if not keepdims and shape and (axis is not None or xp.ndim(g) - 1 < len(shape)):
        g = xp.expand_dims(g, tuple(ax + 1 for ax in _axes(axis, len(shape))))
    return xp.broadcast_to(g, xp.shape(g)[:1] + shape)


def vmean_vjp(g, a, axis=None, keepdims=False, g_b=True, a_b=False):
    from .helpers import _axes

    shape, n = xp.shape(a)[a_b:], 1
    for ax in _axes(axis, len(shape)):
        n *= shape[ax]
    return vsum_vjp(g, a, axis, keepdims, g_b, a_b) / n


def vreshape_like(g, x, g_b=True, x_b=False):
    """``reshape_like`` lane by lane: ``g`` reshaped to a lane of ``x``."""
    k = _lanes_of(None, (g, g_b), (x, x_b))
    if not g_b:
        g = xp.broadcast_to(g, (k,) + xp.shape(g))
    return xp.reshape(g, (k,) + xp.shape(x)[x_b:])


def vset_at(a, index, v, a_batched, v_batched):
    """``set_at(a, index, v)`` (a copy of ``a`` with ``a[index] = v``) lane by lane."""
    k = xp.shape(a if a_batched else v)[0]
    out = xp.array(a, copy=True) if a_batched else vbatch(a, k)
    bindex = batch_index(index)
    out[bindex] = lift_into(v, out, bindex) if v_batched else v
    return out


def vzero_at(a, index):
    """``zero_at(a, index)`` for batched ``a``."""
    out = xp.array(a, copy=True)
    out[batch_index(index)] = 0
    return out


# the helpers of the files below, bound here by name (the standalone modules of
# ``s2sad generate`` follow one level of star imports: runtime -> batching)
from .batching_vmap import (  # noqa: E402,F401  (vmap's boundary and control flow)
    encode_axes, axis_size, tree_to_front, tree_to_front_vjp, vmap_out, vmap_out_vjp,
    vbatch_vjp, widen_vjp, vmatmul_ct_a, vmatmul_ct_b, vgetitem_ct, vselect_t, lane_source,
    any_lane, all_lanes, mask_lanes, mask_lanes_vjp, vselect, vselect_vjp, vtrip_count,
    max_trips, vseed, vseed_check,
)
from .batching_loops import (  # noqa: E402,F401  (scan's helpers, lane by lane)
    vscan_length, vleaf_at, vleaf_at_vjp, vsame_carry, vstack_steps, vunstack_steps,
    vreverse_steps,
)
from .batching_nested import (  # noqa: E402,F401  (batched code batched again)
    lift_lead, matmul_levels, vselect_lead, vlane_source, vany_lane, vmask_lanes, vmax_trips,
)
from .batching_jacobians import (  # noqa: E402,F401  (Jacobians in one pass)
    array_like, basis_stack, jacobian_from_batched_columns, jacobian_from_batched_rows,
)
from .batching_numpy import (  # noqa: E402,F401  (NumPy functions no tag covers)
    vlen, vcheck_aux, vshape, vndim, vsize, varray, vasarray, vdot, vouter, veinsum, vnorm,
    vsolve, vbroadcast_to, vlogsumexp,
)
from .batching_vmap import __all__ as _VMAP_ALL  # noqa: E402
from .batching_loops import __all__ as _LOOPS_ALL  # noqa: E402
from .batching_nested import __all__ as _NESTED_ALL  # noqa: E402
from .batching_numpy import __all__ as _NUMPY_ALL  # noqa: E402

__all__ += _VMAP_ALL + _LOOPS_ALL + _NESTED_ALL + _NUMPY_ALL
