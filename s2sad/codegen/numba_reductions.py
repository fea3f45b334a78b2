"""Reductions over axes in numba-compiled generated code: reading a constant ``axis`` and
``keepdims`` off numba's types, the jitted kernels that walk an array group by group, and
NumPy's ``np.sum``, ``np.mean``, ``np.max`` and ``np.min`` with ``axis`` or ``keepdims``
(``reduce_sum`` ... ``reduce_min``, which ``numba_source`` rewrites those calls to, since
numba's take no ``keepdims`` nor, for max and min, an ``axis``)::

    _reduced(axis, keepdims, ndim)      (axes, keepdims), the axes sorted and non-negative
                                        as ``runtime.helpers._axes`` makes them; or None
    reduce_sum(a, axis=1, keepdims=True)   NumPy's pairwise sum of each row: the same bits

Invariant: each ``reduce_*`` returns the value NumPy returns, for a float64 array of one
or more dimensions and constant axes (another type, or a variable ``axis`` or
``keepdims``: no implementation, a ``TypingError``, and ``numba_jit`` runs the plain
module; only ``np.sum(a, axis)`` of a variable integer axis stays numba's own). Of a
C-contiguous array, a sum (or mean) over trailing axes adds as NumPy does (pairwise,
from 0) and over leading axes in C order, as NumPy does: the same bits; over other axes,
or of other layouts, the last bits may differ. Max and min give NaN where a group holds
one, as NumPy's do, and raise NumPy's ValueError for an empty group.

``numba_runtime`` is the ``_rt`` generated code calls: it re-exports ``reduce_*`` and
builds ``sum_vjp``, ``mean_vjp``, ``count`` and ``extremum_vjp`` from the machinery here.
Imported only by ``numba_runtime`` (it imports numba, and nothing of ``numba_runtime``).
"""

from __future__ import annotations

import functools

import numpy as np
from numba import njit, types
from numba.extending import overload


# --------------------------------------------------------------------------- reductions over axes
# A reduction's ``axis`` and ``keepdims`` decide the ranks of what it returns, so numba
# needs their values when it types the call: the overloads built on this (``reduce_*``
# below; ``sum_vjp``, ``mean_vjp``, ``count``, ``extremum_vjp`` in ``numba_runtime``) take
# them as literals (``prefer_literal``: generated code passes constants) and any other
# ``axis`` or ``keepdims`` (a variable) fails typing, and the plain module runs.


def _literal(t):
    """``(True, value)`` of an argument numba typed as a constant (None, an omitted
    argument's default, an integer or bool literal, a tuple of integer literals), else
    ``(False, None)``."""
    if t is None or isinstance(t, (bool, int)):  # an omitted argument: its default itself
        return True, t
    if isinstance(t, types.Omitted):
        return True, t.value
    if isinstance(t, types.NoneType):  # numba's None (types.none)
        return True, None
    if isinstance(t, (types.IntegerLiteral, types.BooleanLiteral)):
        return True, t.literal_value
    if isinstance(t, types.BaseTuple) and all(
            isinstance(i, types.IntegerLiteral) for i in t.types):
        return True, tuple(i.literal_value for i in t.types)
    return False, None


def _reduced(axis, keepdims, ndim: int):
    """``(axes, keepdims)`` of a reduction of an ``ndim``-array, the axes sorted and
    non-negative as ``runtime.helpers._axes`` makes them; None where they are not
    constants or not valid axes (the plain module computes, or raises its error)."""
    (known_axis, ax), (known_keep, keep) = _literal(axis), _literal(keepdims)
    if not (known_axis and known_keep) or not isinstance(keep, bool):
        return None
    if ax is None:
        return tuple(range(ndim)), keep
    axes = ax if isinstance(ax, tuple) else (ax,)
    if any(isinstance(a, bool) or not -ndim <= a < ndim for a in axes):
        return None
    axes = tuple(sorted(a % ndim for a in axes))
    return (axes, keep) if len(set(axes)) == len(axes) else None


def _placed(t, ndim: int, axes, expand: bool):
    """Where the dimensions of an operand of type ``t`` sit among ``ndim`` (NumPy's
    broadcasting, after ``expand_dims(v, axes)`` when ``expand``): a tuple of positions,
    ``()`` for a number, None where the plain module's shapes would not be ``ndim``'s."""
    if isinstance(t, types.Array) and t.ndim:
        rank = t.ndim
    elif isinstance(t, types.Number):
        rank = 0
    else:
        return None  # a 0-d array, a container: the plain module
    if expand:  # NumPy's expand_dims raises unless the axes fit
        kept = tuple(k for k in range(ndim) if k not in axes)
        return kept if len(kept) == rank else None
    return tuple(range(ndim - rank, ndim)) if rank <= ndim else None


def _f64(*ts) -> bool:
    """Numbers and arrays of float64 only (NumPy and numba agree on every result type)."""
    return all((t.dtype if isinstance(t, types.Array) else t) == types.float64 for t in ts)


@functools.lru_cache(maxsize=None)
def _operand(positions):
    """A jitted ``(v, shape) -> (flat, strides)`` for an operand whose dimensions sit at
    ``positions`` of ``shape`` (``_placed``): ``v``'s elements in C order and, per dimension
    of ``shape``, the step in ``flat`` it takes (0 where ``v`` is broadcast along it).
    A shape NumPy would not broadcast to ``shape`` is a ValueError (as NumPy's; so is a
    ``v`` larger than ``shape``, which NumPy would broadcast ``shape`` up to)."""
    if not positions:
        return _number_operand

    @njit
    def array(v, shape):
        strides = np.zeros(len(shape), np.intp)
        step = 1
        for j in range(len(positions) - 1, -1, -1):
            k, n = positions[j], v.shape[j]
            if n != shape[k] and n != 1:
                raise ValueError("operands could not be broadcast together")
            strides[k] = step if n != 1 else 0
            step *= n
        return np.ascontiguousarray(v).reshape(-1), strides

    return array


@njit
def _number_operand(v, shape):
    return np.full(1, v), np.zeros(len(shape), np.intp)


@njit
def _offsets(shape, strides):
    """Each element of ``shape``'s offset ``sum(idx[k] * strides[k])``, in C order."""
    size = 1
    for n in shape:
        size *= n
    out = np.empty(size, np.intp)
    idx = np.zeros(len(shape), np.intp)
    off = 0
    for i in range(size):
        out[i] = off
        k = len(shape) - 1
        while k >= 0:
            idx[k] += 1
            off += strides[k]
            if idx[k] < shape[k]:
                break
            off -= strides[k] * shape[k]
            idx[k] = 0
            k -= 1
    return out


@njit
def _group_strides(shape, reduced, inner):
    """Strides that number the groups a reduction over the ``reduced`` dimensions forms
    (C order over the kept ones, in steps of ``inner``) and, with ``inner``, each element
    within its group (C order over the reduced ones); and how many groups there are."""
    strides = np.zeros(len(shape), np.intp)
    within, groups = 1, 1
    for k in range(len(shape) - 1, -1, -1):
        if reduced[k]:
            strides[k] = within if inner else 0
            within *= shape[k]
    for k in range(len(shape) - 1, -1, -1):
        if not reduced[k]:
            strides[k] = groups * (within if inner else 1)
            groups *= shape[k]
    return strides, groups


@njit
def _extremum_split(a, value, at_value, g, at_g, at_group, groups):
    """``where(a == value, g / n, 0)``, ``n`` the count of ``a == value`` in each group:
    ``a`` in C order, the other operands at their offsets."""
    flat = np.ascontiguousarray(a).reshape(-1)
    n = np.zeros(groups, np.int64)
    for i in range(flat.size):
        if flat[i] == value[at_value[i]]:
            n[at_group[i]] += 1
    out = np.zeros(flat.size)
    for i in range(flat.size):
        if flat[i] == value[at_value[i]]:
            out[i] = g[at_g[i]] / n[at_group[i]]  # float64 / int64: NumPy's 'dd->d'
    return out.reshape(a.shape)


# -------------------------------------------------------------------- NumPy reductions over axes
# ``np.sum``, ``np.mean``, ``np.max`` and ``np.min`` called with ``axis`` or ``keepdims``
# (numba's take no ``keepdims`` nor, for max and min, an ``axis``): the rewrite calls
# these. Of a C-contiguous array, a sum over trailing axes adds as NumPy does (pairwise,
# from 0) and over leading axes in C order, as NumPy does: the same bits; over other
# axes, or of other layouts, the last bits may differ.


@njit
def _pairwise(a, n):
    """NumPy's ``pairwise_sum`` of ``a[:n]`` (8 running sums up to 128 elements, halves
    beyond), its recursion run from a stack (numba compiles that faster)."""
    starts, lengths = np.empty(256, np.intp), np.empty(256, np.intp)  # length -1: add up
    sums = np.empty(128)
    starts[0], lengths[0], top, depth = 0, n, 1, 0
    while top:
        top -= 1
        lo, m = starts[top], lengths[top]
        if m < 0:  # both halves summed: add the second to the first
            depth -= 1
            sums[depth - 1] += sums[depth]
        elif m > 128:
            half = m // 2
            half -= half % 8
            starts[top], lengths[top] = 0, -1
            starts[top + 1], lengths[top + 1] = lo + half, m - half
            starts[top + 2], lengths[top + 2] = lo, half  # popped first: the first half
            top += 3
        else:
            sums[depth] = _block_sum(a, lo, m)
            depth += 1
    return sums[0]


@njit
def _block_sum(a, lo, n):
    """``pairwise_sum`` of at most 128 elements: in order below 8, else 8 running sums."""
    if n < 8:
        res = 0.0
        for i in range(lo, lo + n):
            res += a[i]
        return res
    r = a[lo:lo + 8].copy()
    i = 8
    while i < n - n % 8:
        for j in range(8):
            r[j] += a[lo + i + j]
        i += 8
    res = ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7]))
    for j in range(lo + i, lo + n):
        res += a[j]
    return res


@njit
def _split_sizes(shape, reduced):
    """How many groups a reduction over the ``reduced`` dimensions forms, and their size."""
    groups, m = 1, 1
    for k in range(len(shape)):
        if reduced[k]:
            m *= shape[k]
        else:
            groups *= shape[k]
    return groups, m


@njit
def _rows_as_they_lie(a, reduced):
    """A C-contiguous ``a`` whose reduced axes trail as (groups, elements of a group)."""
    return a.reshape(_split_sizes(a.shape, reduced))


@njit
def _rows_gathered(a, reduced):
    """``a`` as a (groups, elements of a group) array, each group's elements in C order."""
    flat = np.ascontiguousarray(a).reshape(-1)
    rows = np.empty(flat.size)
    at = _offsets(a.shape, _group_strides(a.shape, reduced, True)[0])
    for i in range(flat.size):
        rows[at[i]] = flat[i]
    return rows.reshape(_split_sizes(a.shape, reduced))


@njit
def _rows_sum(rows, pairwise, mean):
    """Each row's sum (pairwise: as NumPy adds a contiguous row; else in order, from 0),
    or mean: the sum, then true_divide by the count (NumPy's)."""
    out = np.zeros(rows.shape[0])
    for i in range(rows.shape[0]):
        if pairwise:
            out[i] += _pairwise(rows[i], rows.shape[1])
        else:
            for j in range(rows.shape[1]):
                out[i] += rows[i, j]
    return out / rows.shape[1] if mean else out


@njit
def _rows_extremum(rows, larger):
    """Each row's max (``larger``) or min; NaN where the row holds one (NumPy's)."""
    if rows.shape[1] == 0:
        raise ValueError("zero-size array to reduction operation which has no identity")
    out = np.empty(rows.shape[0])
    for i in range(rows.shape[0]):
        best = rows[i, 0]
        for j in range(1, rows.shape[1]):
            v = rows[i, j]
            if best != best:
                break
            if v != v or (v > best if larger else v < best):
                best = v
        out[i] = best
    return out


def _reduction(kind: str):
    """The overload of ``np.<kind>(a, axis, keepdims)`` for a float64 array and constant
    ``axis`` and ``keepdims``: the array as rows (kept axes x reduced axes), reduced."""

    def typer(a, axis=None, keepdims=False):
        found = _reduced(axis, keepdims, a.ndim) if isinstance(a, types.Array) else None
        if found is None or not (a.ndim and _f64(a)):
            if kind == "sum" and isinstance(a, types.Array) and isinstance(
                    axis, types.Integer) and _literal(keepdims) == (True, False):
                # what the rewrite took over from numba: its np.sum along an axis
                return lambda a, axis=None, keepdims=False: np.sum(a, axis=axis)
            return None
        axes, keep = found
        kept = tuple(k for k in range(a.ndim) if k not in axes)
        reduced = tuple(k in axes for k in range(a.ndim))
        same = a.layout == "C" and axes == tuple(range(len(kept), a.ndim))
        as_rows = _rows_as_they_lie if same else _rows_gathered
        # each dimension of the result: a's dimension k, or 1 (keepdims)
        dims = [f"shape[{k}]" if k not in axes else "1" for k in range(a.ndim)] if keep else [
            f"shape[{k}]" for k in kept]
        shaped = _reshaper(tuple(dims))
        larger, mean = kind == "max", kind == "mean"

        if kind in ("max", "min"):
            def impl(a, axis=None, keepdims=False):
                return shaped(_rows_extremum(as_rows(a, reduced), larger), a.shape)
        else:
            def impl(a, axis=None, keepdims=False):
                return shaped(_rows_sum(as_rows(a, reduced), same, mean), a.shape)

        return impl

    return typer


@functools.lru_cache(maxsize=None)
def _reshaper(dims: tuple):
    """A jitted ``(flat, shape) -> flat`` reshaped to ``dims`` (Python expressions in
    ``shape``); of no dims, ``flat``'s one element (NumPy's scalar)."""
    body = f"flat.reshape(({', '.join(dims)},))" if dims else "flat[0]"
    namespace: dict = {}
    exec(f"def reshaped(flat, shape):\n    return {body}\n", namespace)
    return njit(namespace["reshaped"])


def reduce_sum(a, axis=None, keepdims=False):
    """``np.sum`` over constant axes, ``keepdims`` too."""


def reduce_mean(a, axis=None, keepdims=False):
    """``np.mean`` over constant axes, ``keepdims`` too."""


def reduce_max(a, axis=None, keepdims=False):
    """``np.max`` over constant axes, ``keepdims`` too; NaN propagates."""


def reduce_min(a, axis=None, keepdims=False):
    """``np.min`` over constant axes, ``keepdims`` too; NaN propagates."""


for _stub in (reduce_sum, reduce_mean, reduce_max, reduce_min):
    overload(_stub, prefer_literal=True)(_reduction(_stub.__name__[len("reduce_"):]))
