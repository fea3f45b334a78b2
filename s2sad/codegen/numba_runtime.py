"""The ``_rt`` that numba-compiled generated code calls: ``s2sad.runtime``'s helpers for the
values numba types (numbers, arrays, ``None``), chosen by type when numba compiles.

Each helper here has the numbers of its namesake in ``s2sad/runtime`` for the types it
accepts; for any other type numba finds no implementation, the compile fails with a
``TypingError`` naming the helper and the types, and ``numba_jit`` runs the plain
module instead. The Python bodies are never run (only numba's ``overload`` reads them)::

    unbroadcast(g, x)   g: float, x: float      -> g
                        g: array, x: float      -> np.sum(g)
                        g: array, x: array      -> g summed down to x's shape
    tree_add(a, b)      a: None                 -> b  (an adjoint no branch bound yet)

Reductions over axes (``extremum_vjp``, ``sum_vjp``, and NumPy's ``np.max(a, axis=1,
keepdims=True)``, which the rewrite sends here) need ``axis`` and ``keepdims`` as the
constants generated code passes: numba sees them as literals and sizes the result by
them; a variable ``axis`` fails typing. ``numba_reductions`` holds what reads them and
the ``reduce_*`` shims of NumPy's calls; this module imports those::

    extremum_vjp(g, a, m, 1, True)     g split evenly among the ties of each row's max
    reduce_sum(a, axis=1, keepdims=True)   NumPy's pairwise sum of each row: the same bits

Results may differ from the plain module's in type, never in value: a scalar where
NumPy gives a 0-d array (``seed``, ``np.where`` of scalars, ``np.zeros(())``), a new array
where NumPy gives a read-only broadcast view (``sum_vjp``, the Jacobian of
``jacobian_from_batched_columns``). ``api.match_tree`` gives every gradient its
argument's type, shape and dtype either way. (One case raises where NumPy computes: a
cotangent larger than the array ``extremum_vjp``/``sum_vjp`` spread it over, which NumPy
would broadcast to a larger result; generated code passes none.)

Defines every name ``numba_source.HELPERS`` lists, ``reduce_*`` imported from
``numba_reductions`` (a test checks). Imported only by ``numba_jit`` (it imports numba).
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit, types
from numba.extending import overload
from numba.np.numpy_support import as_dtype

from .numba_reductions import (_extremum_split, _f64, _group_strides, _literal, _offsets,
                               _operand, _placed, _reduced)
from .numba_reductions import reduce_max, reduce_mean, reduce_min, reduce_sum  # noqa: F401
# (re-exported: generated code calls ``_rt.reduce_sum``, ``_rt`` being this module)

_NUMBER = (types.Number, types.Boolean)


def _is_none(t) -> bool:
    return isinstance(t, (types.NoneType, types.Omitted)) or t is types.none


def _float_dtype(*ts):
    """The floating dtype of a derivative of values of numba types ``ts`` (as
    ``runtime.helpers._float_dtype``: float64 for ints and bools)."""
    dts = [as_dtype(t.dtype if isinstance(t, types.Array) else t) for t in ts]
    dt = np.result_type(*dts)
    return dt if dt.kind in "fc" else np.dtype(np.float64)


def _index_ok(index) -> bool:
    """Basic indices only: integers, slices and tuples of them (no repeated elements).
    An index that may be None types as its value: numba checks it where it is used."""
    if isinstance(index, types.Optional):
        index = index.type
    if isinstance(index, types.BaseTuple):
        return all(_index_ok(i) for i in index.types)
    return isinstance(index, (types.Integer, types.SliceType))


# --------------------------------------------------------------------------- seeds and zeros


def check_aux(out, name):
    """``runtime.check_aux``: nothing for a pair ``(output, aux)``."""


@overload(check_aux)
def _check_aux(out, name):
    if isinstance(out, types.BaseTuple) and len(out) == 2:
        return lambda out, name: None
    return None  # anything else: the plain module raises its own error


def seed(value):
    """``runtime.seed``: the cotangent 1 of a scalar float output."""


@overload(seed)
def _seed(value):
    if isinstance(value, types.Float):
        return lambda value: 1.0
    if isinstance(value, types.Array) and value.ndim == 0 and value.dtype in types.real_domain:
        return lambda value: 1.0
    return None  # bools, ints, arrays: the plain module raises its own error


def zeros_like(x):
    """``runtime.zeros_like``: 0.0 for a number (or a number that may be None), float zeros
    for an array."""


@overload(zeros_like)
def _zeros_like(x):
    if isinstance(x, _NUMBER):
        return lambda x: 0.0
    if _is_none(x):
        # numba types a loop's placeholders as None in its first pass: a None result would
        # make every value computed from it "maybe None"; typed again once ``x`` has a type
        return None
    if isinstance(x, types.Optional) and isinstance(x.type, _NUMBER):
        # a number or a placeholder not yet set: 0.0 either way, the zero every consumer
        # of a missing cotangent (``tree_add``) reads None as; one type for what follows
        return lambda x: 0.0
    if isinstance(x, types.Array):
        dtype = _float_dtype(x)
        return lambda x: np.zeros(x.shape, dtype)
    return None


# --------------------------------------------------------------------------- adding


def tree_add(a, b):
    """``runtime.tree_add`` of numbers and arrays; ``None`` is the zero."""


@overload(tree_add)
def _tree_add(a, b):
    if _is_none(a):
        return lambda a, b: b
    if _is_none(b):
        return lambda a, b: a
    if isinstance(a, types.Optional) and isinstance(b, types.Optional):
        def either(a, b):
            if a is None:
                return b
            if b is None:
                return a
            return a + b

        return either
    if isinstance(a, types.Optional):
        return lambda a, b: b if a is None else a + b
    if isinstance(b, types.Optional):
        return lambda a, b: a if b is None else a + b
    if isinstance(a, (types.Number, types.Array)) and isinstance(b, (types.Number, types.Array)):
        return lambda a, b: a + b
    return None


# --------------------------------------------------------------------------- broadcasting


def unbroadcast(g, x):
    """``runtime.unbroadcast``: ``g`` summed down to the shape of ``x``."""


@overload(unbroadcast)
def _unbroadcast(g, x):
    if isinstance(g, types.Number) and (isinstance(x, _NUMBER) or (
            isinstance(x, types.Array) and x.ndim == 0)):
        return lambda g, x: g
    if isinstance(g, types.Array) and isinstance(x, _NUMBER):
        return lambda g, x: np.sum(g)
    if isinstance(g, types.Array) and isinstance(x, types.Array) and g.ndim >= x.ndim:
        return _sum_to(g.ndim - x.ndim, x.ndim)
    return None


def _sum_to(lead: int, ndim: int):
    """``unbroadcast`` of an array ``g`` with ``lead`` more dimensions than ``x``: each
    element of ``g`` added into the element of ``x`` it was broadcast from."""

    @njit
    def summed(g, x):
        out = np.zeros(x.shape, g.dtype)
        flat = out.reshape(-1)
        for idx in np.ndindex(g.shape):
            pos = 0
            for k in range(ndim):
                n = x.shape[k]
                pos = pos * n + (0 if n == 1 else idx[lead + k])
            flat[pos] += g[idx]
        return out

    if lead:
        return lambda g, x: summed(g, x)  # ``overload`` takes a Python function, not a dispatcher

    def same_rank(g, x):
        return g if g.shape == x.shape else summed(g, x)

    return same_rank


def broadcast_like(t, out):
    """``runtime.broadcast_like``: a tangent broadcast to the shape of the output."""


@overload(broadcast_like)
def _broadcast_like(t, out):
    if isinstance(t, types.Number) and isinstance(out, _NUMBER):
        return lambda t, out: t
    if isinstance(t, (types.Number, types.Array)) and isinstance(out, types.Array):
        dtype = as_dtype(t.dtype if isinstance(t, types.Array) else t)
        return lambda t, out: np.zeros(out.shape, dtype) + t
    return None


# --------------------------------------------------------------------------- indexing


def getitem_vjp(g, x, index):
    """``runtime.getitem_vjp`` for an array and a basic index: zeros with ``g`` at ``index``."""


@overload(getitem_vjp)
def _getitem_vjp(g, x, index):
    if not (isinstance(x, types.Array) and _index_ok(index)
            and isinstance(g, (types.Number, types.Array))):
        return None
    dtype = _float_dtype(x, g)

    def impl(g, x, index):
        return add_into(np.zeros(x.shape, dtype), index, g)  # 0 + g is g

    return impl


def zero_at(a, index):
    """``runtime.zero_at``: a copy of ``a`` with ``a[index]`` zeroed."""


@overload(zero_at)
def _zero_at(a, index):
    if isinstance(a, types.Array) and _index_ok(index):
        def impl(a, index):
            out = a.copy()
            out[index] = 0
            return out

        return impl
    return None


def add_at(acc, base, x, index, g):
    """``runtime.add_at`` (an adjoint's running sum in a loop, updated in place) for an
    array and a basic index: ``acc`` is None on the loop's first step."""


@overload(add_at)
def _add_at(acc, base, x, index, g):
    if not (isinstance(x, types.Array) and _index_ok(index)
            and isinstance(g, (types.Number, types.Array))):
        return None
    dtype = _float_dtype(x, g)
    held = acc.type if isinstance(acc, types.Optional) else acc
    if isinstance(held, types.Array) and (held.ndim != x.ndim or as_dtype(held.dtype) != (
            np.result_type(as_dtype(held.dtype), dtype))):
        return None  # the sum would widen the accumulator: not in place (the plain module)

    def impl(acc, base, x, index, g):
        if acc is None:  # the first step, as the loop computed it
            return tree_add(base, getitem_vjp(g, x, index))
        return add_into(acc, index, g)

    return impl


def add_into(out, index, g):
    """``out[index] += g`` in place; returns ``out``."""


@overload(add_into)
def _add_into_impl(out, index, g):
    if _scalar_position(out, index):
        def scalar(out, index, g):
            out[index] += g
            return out

        return scalar

    def view(out, index, g):
        # an in-place ufunc on the view: numba compiles ``out[index] = array`` (its
        # broadcasting copy) in seconds the first time in a process, this in a fraction
        part = out[index]
        part += g
        return out

    return view


def _scalar_position(array, index) -> bool:
    """Whether ``array[index]`` is one element (an integer per dimension), not a view.
    An array that may be None (an accumulator before its first step) is read as the
    array: numba checks the value where it is indexed."""
    if isinstance(array, types.Optional):
        array = array.type
    items = index.types if isinstance(index, types.BaseTuple) else (index,)
    items = [i.type if isinstance(i, types.Optional) else i for i in items]
    return len(items) == array.ndim and all(isinstance(i, types.Integer) for i in items)


# --------------------------------------------------------------------------- reductions
# ``axis`` and ``keepdims`` taken as literals (``prefer_literal``: generated code passes
# constants), read by ``numba_reductions._reduced``; a variable one fails typing, and the
# plain module runs.


def sum_vjp(g, a, axis=None, keepdims=False):
    """``runtime.sum_vjp``: ``g`` spread over ``a``'s shape (a new array, not NumPy's
    read-only view); over constant axes (see ``numba_reductions``)."""


@overload(sum_vjp, prefer_literal=True)
def _sum_vjp(g, a, axis=None, keepdims=False):
    if _is_none(axis) and isinstance(g, types.Number):
        if isinstance(a, _NUMBER):
            return lambda g, a, axis=None, keepdims=False: g
        if isinstance(a, types.Array):
            return lambda g, a, axis=None, keepdims=False: np.full(a.shape, g)
        return None
    if not (isinstance(a, types.Array) and a.ndim and _f64(g)):
        return None
    found = _reduced(axis, keepdims, a.ndim)
    if found is None:
        return None
    axes, keep = found
    g_ndim = g.ndim if isinstance(g, types.Array) else 0
    expand = not keep and (_literal(axis)[1] is not None or g_ndim < a.ndim)
    at_g = _placed(g, a.ndim, axes, expand)
    if at_g is None:
        return None
    flat_g = _operand(at_g)

    def impl(g, a, axis=None, keepdims=False):
        fg, sg = flat_g(g, a.shape)
        return fg[_offsets(a.shape, sg)].reshape(a.shape)  # each element's g

    return impl


def mean_vjp(g, a, axis=None, keepdims=False):
    """``runtime.mean_vjp``: ``g / count`` over ``a``'s shape."""


@overload(mean_vjp, prefer_literal=True)
def _mean_vjp(g, a, axis=None, keepdims=False):
    if _is_none(axis) and isinstance(g, types.Number) and isinstance(a, types.Array):
        return lambda g, a, axis=None, keepdims=False: np.full(a.shape, g / a.size)
    if isinstance(a, types.Array) and a.ndim and _f64(g) and _reduced(
            axis, keepdims, a.ndim) is not None:
        # as the runtime's: the spread cotangent divided by the count, element by element
        return lambda g, a, axis=None, keepdims=False: (
            sum_vjp(g, a, axis, keepdims) / count(a, axis))
    return None


def count(a, axis=None):
    """``runtime.count``: how many elements a reduction over ``axis`` combines."""


@overload(count, prefer_literal=True)
def _count(a, axis=None):
    if _is_none(axis) or axis is None:
        if isinstance(a, _NUMBER):
            return lambda a, axis=None: 1
        if isinstance(a, types.Array):
            return lambda a, axis=None: a.size
        return None
    found = _reduced(axis, False, a.ndim) if isinstance(a, types.Array) else None
    if found is None:
        return None
    axes = found[0]

    def impl(a, axis=None):
        n = 1
        for k in axes:
            n *= a.shape[k]
        return n

    return impl


def extremum_vjp(g, a, value, axis=None, keepdims=False):
    """``runtime.extremum_vjp`` of float64 values: ``g`` split evenly among the elements of
    ``a`` equal to ``value`` (its max or min) in each group the reduction combined."""


@overload(extremum_vjp, prefer_literal=True)
def _extremum_vjp(g, a, value, axis=None, keepdims=False):
    if isinstance(a, types.Number) and isinstance(g, types.Number) and isinstance(
            value, types.Number) and _f64(a, g, value) and _literal(axis) == (True, None):
        # a 0-d ``a``: g / 1 where it is its own max, else 0 (a float, not a 0-d array)
        return lambda g, a, value, axis=None, keepdims=False: g if a == value else 0.0
    if not (isinstance(a, types.Array) and a.ndim and _f64(a, g, value)):
        return None
    found = _reduced(axis, keepdims, a.ndim)
    if found is None:
        return None
    axes, keep = found
    expand = not keep and _literal(axis)[1] is not None  # helpers: expand_dims first
    at_g, at_value = (_placed(t, a.ndim, axes, expand) for t in (g, value))
    if at_g is None or at_value is None:
        return None
    flat_g, flat_value = _operand(at_g), _operand(at_value)
    reduced = tuple(k in axes for k in range(a.ndim))

    def impl(g, a, value, axis=None, keepdims=False):
        fv, sv = flat_value(value, a.shape)
        fg, sg = flat_g(g, a.shape)
        sn, groups = _group_strides(a.shape, reduced, False)
        return _extremum_split(a, fv, _offsets(a.shape, sv), fg, _offsets(a.shape, sg),
                               _offsets(a.shape, sn), groups)

    return impl


# --------------------------------------------------------------------------- elementwise


def ct_mul(v, partial):
    """``runtime.ct_mul``: ``v * partial``, but 0 where ``v`` is 0 and the product is not
    finite (a zero (co)tangent times an infinite partial stays 0)."""


@overload(ct_mul)
def _ct_mul(v, partial):
    if isinstance(v, types.Number) and isinstance(partial, types.Number):
        def numbers(v, partial):
            out = v * partial
            return 0.0 if v == 0 and not (out - out == 0) else out  # out - out: NaN for inf

        return numbers
    if isinstance(v, types.Number) and isinstance(partial, types.Array):
        return lambda v, partial: np.zeros_like(v * partial) if v == 0 else v * partial
    if isinstance(v, types.Array) and isinstance(partial, (types.Number, types.Array)):
        def arrays(v, partial):
            out = v * partial
            if np.isfinite(out).all():
                return out
            zero = np.broadcast_to(v, out.shape).copy().reshape(-1) == 0
            flat = out.copy().reshape(-1)
            for i in range(flat.size):
                if zero[i]:
                    flat[i] = 0.0
            return flat.reshape(out.shape)

        return arrays
    return None



def abs_vjp(w, x):
    """``runtime.abs_vjp`` of a real ``x``: ``w * sign(x)``."""


@overload(abs_vjp)
def _abs_vjp(w, x):
    if _real(x) and isinstance(w, (types.Number, types.Array)):
        return lambda w, x: w * np.sign(x)
    return None


def real_only(v, x, what):
    """``runtime.real_only`` of a real ``x``: ``v`` (a complex ``x``: the plain module's error)."""


@overload(real_only)
def _real_only(v, x, what):
    return (lambda v, x, what: v) if _real(x) else None


def greater_weight(a, b, like):
    """``runtime.greater_weight``: 1 where ``a > b``, 1/2 on ties, else 0."""


@overload(greater_weight)
def _greater_weight(a, b, like):
    if all(isinstance(t, _NUMBER) for t in (a, b)) and isinstance(like, types.Float):
        return lambda a, b, like: 1.0 if a > b else 0.5 if a == b else 0.0
    if all(_real(t) for t in (a, b, like)) and any(
            isinstance(t, types.Array) for t in (a, b)):
        dtype = _float_dtype(like)
        return lambda a, b, like: np.where(a > b, 1.0, np.where(a == b, 0.5, 0.0)).astype(dtype)
    return None


def sigmoid(d):
    """``runtime.sigmoid``: ``1 / (1 + exp(-d))`` from ``exp(-|d|)``."""


@overload(sigmoid)
def _sigmoid(d):
    if isinstance(d, _NUMBER):
        def scalar(d):
            e = math.exp(-abs(d))
            return (1.0 if d >= 0 else e) / (1.0 + e)
        return scalar
    if isinstance(d, types.Array) and _real(d):
        def array(d):
            e = np.exp(-np.abs(d))
            return np.where(d >= 0, 1.0, e) / (1.0 + e)
        return array
    return None


def pow_base(x, y):
    """``runtime.pow_base``: ``x``, read as 1 where ``x == y == 0``."""


@overload(pow_base)
def _pow_base(x, y):
    if isinstance(x, _NUMBER) and isinstance(y, _NUMBER):
        return lambda x, y: 1.0 if x == 0 and y == 0 else float(x)
    if isinstance(x, types.Array) and isinstance(y, _NUMBER):
        return lambda x, y: x if y != 0 else np.where(x == 0, 1.0, x)
    return None


def _real(t) -> bool:
    """A real number or an array of them (complex values: the plain module)."""
    t = t.dtype if isinstance(t, types.Array) else t
    return isinstance(t, (types.Integer, types.Float, types.Boolean))


# --------------------------------------------------------------------------- NumPy, scalars too


def where(c, a, b):
    """``np.where``; of three scalars, ``a if c else b`` (numba's ``np.where`` wants arrays)."""


@overload(where)
def _where(c, a, b):
    if all(isinstance(t, _NUMBER) for t in (c, a, b)):
        return lambda c, a, b: a if c else b
    if any(isinstance(t, types.Array) for t in (c, a, b)):
        return lambda c, a, b: np.where(c, a, b)
    return None


def shape(x):
    """``np.shape``: ``()`` of a number, or of a number that may still be None (NumPy's
    ``np.shape(None)`` is ``()`` too)."""


@overload(shape)
def _shape(x):
    if isinstance(x, types.Optional):
        x = x.type
    if isinstance(x, _NUMBER) or _is_none(x):
        return lambda x: ()
    return lambda x: np.shape(x)  # numba's, where it has one


def zeros(shape):
    """``np.zeros(shape)``; of ``()``, the number 0.0 (NumPy: a 0-d array), so a zero
    cotangent of a number has the type the number's other cotangents have."""


@overload(zeros)
def _zeros(shape):
    if isinstance(shape, types.BaseTuple) and len(shape) == 0:
        return lambda shape: 0.0
    return lambda shape: np.zeros(shape)  # numba's, where it has one


def stack(items):
    """``np.stack`` of a list of arrays of one shape (a loop's steps, ``outer_sums``):
    numba's takes tuples only."""


@overload(stack)
def _stack(items):
    if isinstance(items, (types.List, types.ListType)) and isinstance(
            items.dtype, types.Array):
        def of_list(items):
            first = items[0]
            out = np.empty((len(items),) + first.shape, dtype=first.dtype)
            for i in range(len(items)):
                out[i] = items[i]
            return out
        return of_list
    if isinstance(items, (types.UniTuple, types.Tuple)):
        return lambda items: np.stack(items)
    return None


def copy(v):
    """``np.copy``, and ``runtime.private``: a copy of an array; of a number, the number."""


@overload(copy)
def _copy(v):
    if isinstance(v, _NUMBER):
        return lambda v: v
    if isinstance(v, types.Array):
        return lambda v: v.copy()
    return None


private = copy  # the same function: one overload serves both names


def index(i):
    """An index as it is: a name that may be None (a placeholder before its loop) as the
    integer it holds when read (``int`` checks it), so indexing types."""


@overload(index)
def _index(i):
    if isinstance(i, types.Optional) and isinstance(i.type, types.Integer):
        return lambda i: int(i)
    if _is_none(i):
        return None  # typed again once the name has its integer type
    return lambda i: i


def in_range(i, stop, step):
    """``runtime.in_range``: whether ``i`` is inside ``range(..., stop, step)``."""


@overload(in_range)
def _in_range(i, stop, step):
    if all(isinstance(t, types.Integer) for t in (i, stop, step)):
        return lambda i, stop, step: i < stop if step > 0 else i > stop
    return None


def range_len(start, stop, step):
    """``runtime.range_len``: ``len(range(start, stop, step))``."""


@overload(range_len)
def _range_len(start, stop, step):
    if all(isinstance(t, types.Integer) for t in (start, stop, step)):
        return lambda start, stop, step: len(range(start, stop, step))
    return None


# ----------------------------------------------------------------------- batched code, Jacobians


def basis_stack(x):
    """``runtime.basis_stack``: the standard basis of ``x``'s space, ``(x.size,) + x.shape``."""


@overload(basis_stack)
def _basis_stack(x):
    if isinstance(x, (types.Boolean, types.Integer)) or x == types.float64:
        return lambda x: np.ones(1)  # a Python number: ones((1,))
    if isinstance(x, types.Array) and _real(x) and x.dtype in (
            types.float64, *types.integer_domain, types.boolean):
        def impl(x):
            return np.eye(x.size).reshape((x.size,) + x.shape)  # float64 for ints and bools

        return impl
    return None


def batch_size(v, outer=0):
    """``runtime.batch_size``: the length of axis ``outer`` of a batched array."""


@overload(batch_size, prefer_literal=True)
def _batch_size(v, outer=0):
    known, k = _literal(outer)
    if isinstance(v, types.Array) and known and isinstance(k, int) and 0 <= k < v.ndim:
        return lambda v, outer=0: v.shape[k]
    return None


def jacobian_from_batched_columns(tangents, out, x):
    """``runtime.jacobian_from_batched_columns``: ``J`` of shape ``out.shape + x.shape``
    from the batched tangent ``J e_k`` of every ``k`` (a new array, not NumPy's view)."""


@overload(jacobian_from_batched_columns)
def _jacobian_from_batched_columns(tangents, out, x):
    if not (isinstance(tangents, types.Array) and all(
            isinstance(t, types.Array) and t.ndim for t in (out, x))):
        return None  # numbers: the plain module (its 0-d results)

    def impl(tangents, out, x):
        n, m = x.size, out.size
        cols = np.ascontiguousarray(np.broadcast_to(tangents, (n,) + out.shape))
        return np.ascontiguousarray(cols.reshape((n, m)).T).reshape(out.shape + x.shape)

    return impl


def vgetitem_vjp(g, x, index, g_b=True, x_b=False, index_flags=None):
    """``runtime.vgetitem_vjp`` of a batched array ``g``, an array ``x`` and a basic index:
    zeros shaped like a lane of ``x`` with each lane's ``g`` added at ``index``."""


@overload(vgetitem_vjp, prefer_literal=True)
def _vgetitem_vjp(g, x, index, g_b=True, x_b=False, index_flags=None):
    (known_g, gb), (known_x, xb) = _literal(g_b), _literal(x_b)
    if not (known_g and gb is True and known_x and isinstance(xb, bool)
            and _literal(index_flags) == (True, None)
            and isinstance(g, types.Array) and g.ndim and isinstance(x, types.Array)
            and _index_ok(index)):
        return None
    dtype, skip = _float_dtype(x, g), int(xb)

    def impl(g, x, index, g_b=True, x_b=False, index_flags=None):
        out = np.zeros((g.shape[0],) + x.shape[skip:], dtype)
        add_into(out, _lanes_and(index), g)  # 0 + g is g
        return out

    return impl


def _lanes_and(index):
    """``(slice(None),) + index``: ``runtime.batch_index`` of a basic index."""


@overload(_lanes_and)
def _lanes_and_impl(index):
    if isinstance(index, types.BaseTuple):
        return lambda index: (slice(None),) + index
    return lambda index: (slice(None), index)
