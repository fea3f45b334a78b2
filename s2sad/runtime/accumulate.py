"""The running sum of a reverse loop's scatter-adds into one adjoint, kept in place.

Reverse mode turns every read ``x[i]`` inside a loop into ``_rt.getitem_vjp(g, x, i)``
(a whole array of zeros with ``g`` at ``i``) added to ``bx``: a loop of ``n`` steps over
an array of ``n`` rows costs ``O(n * size(x))``. ``transforms/accumulate.py`` rewrites
that, in modules specialized to a call's argument kinds, to one accumulator per loop::

    for i in ...:                                   _acc1 = None
        _t7 = _rt.getitem_vjp(g, x, np.s_[i])       for i in ...:
        bx = bx + _t7                                   _acc1 = _rt.add_at(_acc1, bx, x, np.s_[i], g)
                                                    if _acc1 is not None:
                                                        bx = _acc1

No rule: ``add_at`` updates its first argument in place, which no derivative transform
may read as a value. It appears only in specialized modules, which nothing
differentiates again; a transform that meets it anyway stops with "no derivative rule".
"""

from __future__ import annotations

import numpy as xp

from . import tree_add as _tree_add
from .helpers import _float_dtype, _has_array_index, getitem_vjp

__all__ = ["add_at", "add_at_leaves"]


def add_at(acc, base, x, index, g):
    """``bx + getitem_vjp(g, x, index)``, the value ``bx`` would have after this step.

    ``acc`` is None on the loop's first accumulation: the result is computed as the loop
    did (``tree_add(base, ...)``, ``base`` being ``bx`` before the loop), so it is a value
    nobody else holds. Later calls add ``g`` into it in place where that gives the same
    numbers: an array of ``x``'s shape whose dtype the addition would keep. Anything else
    (containers, a dtype that would widen) takes the functional path. The numbers are the
    loop's, bit for bit, up to the sign of a zero (``-0.0 + 0.0`` is ``+0.0``)."""
    if acc is None:
        return _tree_add(base, getitem_vjp(g, x, index))
    if (type(acc) is xp.ndarray and isinstance(x, xp.ndarray) and acc.shape == x.shape
            and _keeps_dtype(acc, x, g)):
        if type(index) is int or type(index) is slice:  # the common steps: x[i], x[1:]
            acc[index] += g
        else:
            _add_into(acc, x, index, g)
        return acc
    if type(acc) in (list, dict) and _is_slot(acc, index):
        # a container this function built: one slot replaced, no leaf written in place
        acc[index] = _tree_add(acc[index], g)
        return acc
    return _tree_add(acc, getitem_vjp(g, x, index))


def add_at_leaves(acc, base, xs, index, g):
    """``add_at`` for ``leaf_at_vjp`` (step ``index`` of every leaf of a scan's ``xs``): the
    same in-place sum where ``xs`` is one array; a pytree of them takes the functional path."""
    if type(xs) is xp.ndarray:
        return add_at(acc, base, xs, index, g)
    from .loops import leaf_at_vjp

    return _tree_add(base if acc is None else acc, leaf_at_vjp(g, xs, index))


def _keeps_dtype(acc, x, g) -> bool:
    """Whether ``acc + getitem_vjp(g, x, ...)`` has ``acc``'s dtype (the sum can be in place)."""
    dtype = acc.dtype
    if type(g) is xp.ndarray and g.dtype == dtype == x.dtype and dtype.kind in "fc":
        return True  # the common case, without building dtypes
    return dtype == xp.result_type(dtype, _float_dtype(x, g))


def _add_into(acc, x, index, g) -> None:
    """``acc += getitem_vjp(g, x, index)``, touching only the elements ``index`` selects."""
    if not _has_array_index(index):  # basic or boolean: each element selected at most once
        acc[index] += g
    elif not isinstance(index, tuple) and acc.ndim >= 1 and _rows_in_bounds(index, len(acc)):
        _add_rows(acc, xp.asarray(index), g, _float_dtype(x, g))
    else:  # other advanced indices: the same sum, not faster
        acc += getitem_vjp(g, x, index)


def _rows_in_bounds(index, n: int) -> bool:
    """An integer index array whose entries are rows of an axis of length ``n``
    (out of bounds: the functional path raises the loop's own IndexError)."""
    idx = xp.asarray(index)
    return idx.dtype.kind in "iu" and (idx.size == 0 or bool(
        (idx.min() >= -n) & (idx.max() < n)))


def _add_rows(acc, idx, g, dtype) -> None:
    """``acc[idx] += g`` with repeated rows summed first, in ``idx``'s order, into buffers
    of ``dtype``: the additions ``getitem_vjp``'s ``np.add.at`` makes into zeros, then one
    addition to ``acc`` per row (so the rounding is the loop's)."""
    rows = idx.reshape(-1) % len(acc)
    unique, inverse = xp.unique(rows, return_inverse=True)
    if unique.size == rows.size:  # no repeats: one addition per row
        acc[idx] += g
        return
    rest = acc.shape[1:]
    parts = xp.broadcast_to(g, idx.shape + rest).reshape((-1,) + rest)
    sums = xp.zeros((unique.size,) + rest, dtype=dtype)
    xp.add.at(sums, inverse.reshape(-1), parts)
    acc[unique] += sums


def _is_slot(acc, index) -> bool:
    """``index`` names one slot of the list or dict ``acc`` (``getitem_vjp`` would put ``g``
    there and add zeros everywhere else)."""
    if type(acc) is list:
        return type(index) is int and -len(acc) <= index < len(acc)
    try:
        return index in acc
    except TypeError:  # an unhashable key
        return False
