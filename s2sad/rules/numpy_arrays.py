"""Rules of NumPy's array-manipulation functions: triangles and diagonals, padding, rolling,
repeating, splitting, sorting, differences, products of arrays (kron, cross, tensordot),
selections and NaN-aware reductions.

Same conventions as ``rules/numpy.py``: each primitive's forward, reverse and batching
rules sit side by side; helpers that depend on runtime shapes live in ``runtime/arrays.py``.
Most of these functions are linear (tag ``linear``): the tangent is the function applied to
the tangent, the cotangent its transpose. Functions returning a list of arrays (``split``,
``gradient`` over several axes) are tagged ``container``: their cotangent is a list too.
"""

import numpy as np

from s2sad import runtime as _rt

from .registry import alias, batching, defrule, elementwise, nondiff, views

# --------------------------------------------------------------------------- products of arrays
# Bilinear: the tangent from one factor is the product with the tangent in its place; the
# cotangent of a factor is ``_rt.bilinear_vjp`` (an einsum with permuted subscripts, or a
# cross product with the other factor).


@defrule(np.tensordot, diff="a b", tags="linear")
class tensordot:
    def signature(a, b, axes=2): ...

    def jvp_a(t, a, b, axes):
        return np.tensordot(t, b, axes)

    def jvp_b(t, a, b, axes):
        return np.tensordot(a, t, axes)

    def vjp_a(g, a, b, axes):
        return _rt.bilinear_vjp(g, "tensordot", 0, b, a, axes)

    def vjp_b(g, a, b, axes):
        return _rt.bilinear_vjp(g, "tensordot", 1, a, b, axes)


@defrule(np.kron, diff="a b", tags="linear")
class kron:
    def signature(a, b): ...

    def jvp_a(t, a, b):
        return np.kron(t, b)

    def jvp_b(t, a, b):
        return np.kron(a, t)

    def vjp_a(g, a, b):
        return _rt.bilinear_vjp(g, "kron", 0, b, a, None)

    def vjp_b(g, a, b):
        return _rt.bilinear_vjp(g, "kron", 1, a, b, None)


@defrule(np.cross, diff="a b", tags="linear")
class cross:
    # g·(a×b) = a·(b×g) = b·(g×a)
    def signature(a, b, axisa=-1, axisb=-1, axisc=-1, axis=None): ...

    def jvp_a(t, a, b, axisa, axisb, axisc, axis):
        return np.cross(t, b, axisa, axisb, axisc, axis)

    def jvp_b(t, a, b, axisa, axisb, axisc, axis):
        return np.cross(a, t, axisa, axisb, axisc, axis)

    def vjp_a(g, a, b, axisa, axisb, axisc, axis):
        return _rt.bilinear_vjp(g, "cross", 0, b, a, (axisa, axisb, axisc, axis))

    def vjp_b(g, a, b, axisa, axisb, axisc, axis):
        return _rt.bilinear_vjp(g, "cross", 1, a, b, (axisa, axisb, axisc, axis))


# --------------------------------------------------------------------------- gathers
# Each output element is one input element: the tangent is the same gather of the tangent,
# the cotangent a scatter-add (repeated indices add up).


@defrule(np.take, diff="a", tags="linear")
class take:
    def signature(a, indices, axis=None): ...

    def jvp_a(t, a, indices, axis):
        return np.take(t, indices, axis=axis)

    def vjp_a(g, a, indices, axis):
        return _rt.take_vjp(g, a, indices, axis)


@defrule(np.take_along_axis, diff="arr", tags="linear")
class take_along_axis:
    def signature(arr, indices, axis=-1): ...

    def jvp_arr(t, arr, indices, axis):
        return np.take_along_axis(t, indices, axis=axis)

    def vjp_arr(g, arr, indices, axis):
        return _rt.take_along_axis_vjp(g, arr, indices, axis)


@defrule(np.repeat, diff="a", tags="linear")
class repeat:
    # repeat(a, r, axis) = take(a, repeat(arange(n), r), axis)
    def signature(a, repeats, axis=None): ...

    def jvp_a(t, a, repeats, axis):
        return np.repeat(t, repeats, axis=axis)

    def vjp_a(g, a, repeats, axis):
        return _rt.take_vjp(g, a, _rt.repeat_indices(a, repeats, axis), axis)


@defrule(np.sort, diff="a")
class sort:
    # sort(a) = take_along_axis(a, argsort(a)): the order is locally constant (distinct values)
    def signature(a, axis=-1): ...

    def jvp_a(t, a, axis):
        return np.take_along_axis(t, np.argsort(a, axis=axis), axis=axis)

    def vjp_a(g, a, axis):
        return _rt.take_along_axis_vjp(g, a, np.argsort(a, axis=axis), axis)


@defrule(np.partition, diff="a")
class partition:
    # a permutation of a along axis, recovered from the output itself
    def signature(a, kth, axis=-1): ...

    def jvp_a(t, a, out, axis):
        return np.take_along_axis(t, _rt.permutation_of(a, out, axis), axis=axis)

    def vjp_a(g, a, out, axis):
        return _rt.take_along_axis_vjp(g, a, _rt.permutation_of(a, out, axis), axis)


@defrule(np.roll, diff="a", tags="linear")
class roll:
    def signature(a, shift, axis=None): ...

    def jvp_a(t, a, shift, axis):
        return np.roll(t, shift, axis)

    def vjp_a(g, a, shift, axis):
        return np.roll(g, np.negative(shift), axis)


@defrule(np.pad, diff="array", tags="linear")
class pad:
    # a gather for the modes that copy elements (constant, edge, reflect, symmetric, wrap);
    # the constant itself has no tangent
    def signature(array, pad_width, mode="constant", constant_values=0): ...

    def jvp_array(t, array, pad_width, mode):
        return np.pad(t, pad_width, _rt.pad_mode(mode))

    def vjp_array(g, array, pad_width, mode):
        return _rt.pad_vjp(g, array, pad_width, mode)


# --------------------------------------------------------------------------- triangles, diagonals


@defrule(np.triu, diff="m", tags="linear")
class triu:
    # a mask (a 1-d m is first broadcast to rows: its cotangent sums them)
    def signature(m, k=0): ...

    def jvp_m(t, m, k):
        return np.triu(t, k)

    def vjp_m(g, m, k):
        return _rt.unbroadcast(np.triu(g, k), m)


@defrule(np.tril, diff="m", tags="linear")
class tril:
    def signature(m, k=0): ...

    def jvp_m(t, m, k):
        return np.tril(t, k)

    def vjp_m(g, m, k):
        return _rt.unbroadcast(np.tril(g, k), m)


@defrule(np.diag, diff="v", tags="linear")
class diag:
    def signature(v, k=0): ...

    def jvp_v(t, v, k):
        return np.diag(t, k)

    def vjp_v(g, v, k):
        return _rt.diag_vjp(g, v, k)


@defrule(np.diagonal, diff="a", tags="linear")
class diagonal:
    def signature(a, offset=0, axis1=0, axis2=1): ...

    def jvp_a(t, a, offset, axis1, axis2):
        return np.diagonal(t, offset, axis1, axis2)

    def vjp_a(g, a, offset, axis1, axis2):
        return _rt.diagonal_vjp(g, a, offset, axis1, axis2)


# --------------------------------------------------------------------------- reorderings


@defrule(np.flipud, diff="m", tags="linear")
class flipud:
    def signature(m): ...

    def jvp_m(t, m):
        return np.flipud(t)

    def vjp_m(g, m):
        return np.flipud(g)


@defrule(np.fliplr, diff="m", tags="linear")
class fliplr:
    def signature(m): ...

    def jvp_m(t, m):
        return np.fliplr(t)

    def vjp_m(g, m):
        return np.fliplr(g)


@defrule(np.rot90, diff="m", tags="linear")
class rot90:
    def signature(m, k=1, axes=[0, 1]): ...  # a list: a tuple default would read as *args

    def jvp_m(t, m, k, axes):
        return np.rot90(t, k, axes)

    def vjp_m(g, m, k, axes):
        return np.rot90(g, np.negative(k), axes)


@defrule(np.rollaxis, diff="a", tags="linear")
class rollaxis:
    # rollaxis(a, axis, start) = moveaxis(a, axis, destination)
    def signature(a, axis, start=0): ...

    def jvp_a(t, a, axis, start):
        return np.rollaxis(t, axis, start)

    def vjp_a(g, a, axis, start):
        return np.moveaxis(g, _rt.rollaxis_destination(a, axis, start), axis)


# --------------------------------------------------------------------------- reshapes


class _atleast:
    # atleast_*d of one array adds unit axes: a reshape each way
    def signature(ary): ...

    def jvp_ary(t, out):
        return _rt.reshape_like(t, out)

    def vjp_ary(g, ary):
        return _rt.reshape_like(g, ary)


for _f in (np.atleast_1d, np.atleast_2d, np.atleast_3d):
    defrule(_f, diff="ary", tags="linear")(_atleast)


# --------------------------------------------------------------------------- joins and splits


@defrule(np.append, diff="arr values", tags="linear")
class append:
    # append(arr, values, axis) = concatenate((arr, values), axis), flattened for axis None
    def signature(arr, values, axis=None): ...

    def jvp_arr(t, arr, values, axis):
        return np.append(t, np.zeros_like(values), axis)

    def jvp_values(t, arr, values, axis):
        return np.append(np.zeros_like(arr), t, axis)

    def vjp_arr(g, arr, values, axis):
        return _rt.split_like(g, (arr, values), axis)[0]

    def vjp_values(g, arr, values, axis):
        return _rt.split_like(g, (arr, values), axis)[1]


@defrule(np.column_stack, diff="tup", tags="linear")
class column_stack:
    def signature(tup): ...

    def jvp_tup(t, tup):
        return np.column_stack(t)

    def vjp_tup(g, tup):
        return _rt.column_stack_vjp(g, tup)


if hasattr(np, "row_stack"):  # deprecated in NumPy 2: read as vstack
    alias(np.row_stack, np.vstack)

# The splits return a list of arrays: the tangent is cut like the output, the cotangent of
# the array joins the list's cotangents.


class _split_along_axis:
    def signature(ary, indices_or_sections, axis=0): ...

    def jvp_ary(t, out, axis):
        return _rt.split_like(t, out, axis)

    def vjp_ary(g, axis):
        return np.concatenate(g, axis=axis)


for _f in (np.split, np.array_split):
    defrule(_f, diff="ary", tags="linear container")(_split_along_axis)


@defrule(np.vsplit, diff="ary", tags="linear container")
class vsplit:
    def signature(ary, indices_or_sections): ...

    def jvp_ary(t, ary, indices_or_sections):
        return np.vsplit(t, indices_or_sections)

    def vjp_ary(g, ary):
        return np.concatenate(g, axis=0)


@defrule(np.hsplit, diff="ary", tags="linear container")
class hsplit:
    # axis 1, or axis 0 of a 1-d array: hstack is its inverse either way
    def signature(ary, indices_or_sections): ...

    def jvp_ary(t, ary, indices_or_sections):
        return np.hsplit(t, indices_or_sections)

    def vjp_ary(g, ary):
        return np.hstack(g)


@defrule(np.dsplit, diff="ary", tags="linear container")
class dsplit:
    def signature(ary, indices_or_sections): ...

    def jvp_ary(t, ary, indices_or_sections):
        return np.dsplit(t, indices_or_sections)

    def vjp_ary(g, ary):
        return np.concatenate(g, axis=2)


@defrule(np.meshgrid, diff="xi", tags="linear container")
class meshgrid:
    # output k depends on input k only: the tangent from input i is zeros but at k = i, the
    # cotangent of input i sums output i's cotangent over the other axes
    def signature(*xi, copy=True, sparse=False, indexing="xy"): ...

    def jvp_xi(t, xi, i, sparse, indexing):
        return _rt.meshgrid_jvp(t, xi, i, indexing, sparse)

    def vjp_xi(g, xi, i, sparse, indexing):
        return _rt.meshgrid_vjp(g, xi, i, indexing, sparse)


# --------------------------------------------------------------------------- selections


@elementwise(np.fmax)
class fmax:
    # maximum that ignores a NaN operand: the other one passes through (ties split evenly)
    def x1(x1, x2, out):
        return np.where(np.isnan(x2), 1.0, _rt.greater_weight(x1, x2, out))

    def x2(x1, x2, out):
        return np.where(np.isnan(x1), 1.0, _rt.greater_weight(x2, x1, out))


@elementwise(np.fmin)
class fmin:
    def x1(x1, x2, out):
        return np.where(np.isnan(x2), 1.0, _rt.greater_weight(x2, x1, out))

    def x2(x1, x2, out):
        return np.where(np.isnan(x1), 1.0, _rt.greater_weight(x1, x2, out))


@defrule(np.select, diff="choicelist default", tags="linear")
class select:
    # out is the choice of the first true condition, else the default: a mask per choice
    def signature(condlist, choicelist, default=0): ...

    def jvp_choicelist(t, condlist, out):
        return _rt.broadcast_like(np.select(condlist, t, 0.0), out)

    def jvp_default(t, condlist, out):
        return _rt.broadcast_like(np.where(_rt.none_true(condlist), t, 0.0), out)

    def vjp_choicelist(g, condlist, choicelist):
        return _rt.select_vjp(g, condlist, choicelist)

    def vjp_default(g, condlist, default):
        return _rt.unbroadcast(np.where(_rt.none_true(condlist), g, 0.0), default)


@defrule(np.nan_to_num, diff="x")
class nan_to_num:
    # the identity on finite values; NaN and ±inf become constants
    def signature(x, copy=True, nan=0.0, posinf=None, neginf=None): ...

    def jvp_x(t, x):
        return np.where(np.isfinite(x), t, 0.0)

    def vjp_x(g, x):
        return np.where(np.isfinite(x), g, 0.0)


@elementwise(np.sinc)
def sinc(x, out):
    # sinc x = sin(pi x) / (pi x):  d sinc = (cos(pi x) - sinc x) / x, 0 at x = 0
    safe = np.where(x == 0.0, 1.0, x)
    return np.where(x == 0.0, 0.0, (np.cos(3.141592653589793 * x) - out) / safe)


# --------------------------------------------------------------------------- differences, scans


@defrule(np.diff, diff="a", tags="linear")
class diff:
    def signature(a, n=1, axis=-1): ...

    def jvp_a(t, a, n, axis):
        return np.diff(t, n, axis)

    def vjp_a(g, n, axis):
        return _rt.diff_vjp(g, n, axis)


@defrule(np.gradient, diff="f", tags="linear container")
class gradient:
    # linear in f; the spacings (varargs, one tuple value here) are taken as constants
    def signature(f, *varargs, axis=None, edge_order=1): ...

    def jvp_f(t, varargs, axis, edge_order):
        return _rt.gradient(t, varargs, axis, edge_order)

    def vjp_f(g, f, varargs, axis, edge_order):
        return _rt.gradient_vjp(g, f, varargs, axis, edge_order)


@defrule(np.cumprod, diff="a")
class cumprod:
    # d cumprod = cumprod * cumsum(t / a)  (inputs away from zero: an exact zero gives nan)
    def signature(a, axis=None): ...

    def jvp_a(t, a, out, axis):
        return out * np.cumsum(t / a, axis=axis)

    def vjp_a(g, a, out, axis):
        return _rt.cumsum_vjp(g * out, axis, a) / a


# --------------------------------------------------------------------------- NaN-aware reductions
# NaN entries count as absent: weight 0, and nanmean divides by the number of the others.


@defrule(np.nansum, diff="a", tags="linear")
class nansum:
    def signature(a, axis=None, *, keepdims=False): ...

    def jvp_a(t, a, axis, keepdims):
        return np.sum(np.where(np.isnan(a), 0.0, t), axis=axis, keepdims=keepdims)

    def vjp_a(g, a, axis, keepdims):
        return np.where(np.isnan(a), 0.0, _rt.sum_vjp(g, a, axis, keepdims))


@defrule(np.nanmean, diff="a", tags="linear")
class nanmean:
    def signature(a, axis=None, *, keepdims=False): ...

    def jvp_a(t, a, axis, keepdims):
        w = np.where(np.isnan(a), 0.0, np.ones_like(a))
        return np.sum(w * t, axis=axis, keepdims=keepdims) / np.sum(w, axis=axis,
                                                                    keepdims=keepdims)

    def vjp_a(g, a, axis, keepdims):
        w = np.where(np.isnan(a), 0.0, np.ones_like(a))
        return w * _rt.sum_vjp(g / np.sum(w, axis=axis, keepdims=keepdims), a, axis, keepdims)


# --------------------------------------------------------------------------- no derivative
# indices, integer results, constructors of index arrays and masks

for _f in (np.argpartition, np.searchsorted, np.digitize, np.tri, np.triu_indices,
           np.tril_indices, np.triu_indices_from, np.tril_indices_from, np.diag_indices,
           np.diag_indices_from, np.indices, np.lexsort, np.flatnonzero, np.argwhere, np.isin,
           np.ravel_multi_index, np.unravel_index, np.isneginf, np.isposinf, np.array_equal):
    nondiff(_f)


# =========================================================================== runtime helpers
# Rules of the ``_rt`` helpers the templates above call (``runtime/arrays.py``), so generated
# code can be differentiated again. Each linear helper's transpose is the NumPy function
# whose cotangent it computes.

for _f in (_rt.repeat_indices, _rt.permutation_of, _rt.pad_mode, _rt.none_true,
           _rt.rollaxis_destination):
    nondiff(_f, name=f"_rt.{_f.__name__}")


@defrule(_rt.take_vjp, name="_rt.take_vjp", diff="v", tags="linear")
class take_vjp:
    def signature(v, a, indices, axis=None): ...

    def jvp_v(t, a, indices, axis):
        return _rt.take_vjp(t, a, indices, axis)

    def vjp_v(g, indices, axis):
        return np.take(g, indices, axis=axis)


@defrule(_rt.take_along_axis_vjp, name="_rt.take_along_axis_vjp", diff="v", tags="linear")
class take_along_axis_vjp:
    def signature(v, a, indices, axis=-1): ...

    def jvp_v(t, a, indices, axis):
        return _rt.take_along_axis_vjp(t, a, indices, axis)

    def vjp_v(g, indices, axis):
        return np.take_along_axis(g, indices, axis=axis)


@defrule(_rt.pad_vjp, name="_rt.pad_vjp", diff="v", tags="linear")
class pad_vjp:
    def signature(v, a, pad_width, mode="constant"): ...

    def jvp_v(t, a, pad_width, mode):
        return _rt.pad_vjp(t, a, pad_width, mode)

    def vjp_v(g, pad_width, mode):
        return np.pad(g, pad_width, mode)


@defrule(_rt.diagonal_vjp, name="_rt.diagonal_vjp", diff="v", tags="linear")
class diagonal_vjp:
    def signature(v, a, offset=0, axis1=0, axis2=1): ...

    def jvp_v(t, a, offset, axis1, axis2):
        return _rt.diagonal_vjp(t, a, offset, axis1, axis2)

    def vjp_v(g, offset, axis1, axis2):
        return np.diagonal(g, offset, axis1, axis2)


@defrule(_rt.diag_vjp, name="_rt.diag_vjp", diff="v", tags="linear")
class diag_vjp:
    def signature(v, like, k=0): ...

    def jvp_v(t, like, k):
        return _rt.diag_vjp(t, like, k)

    def vjp_v(g, k):
        return np.diag(g, k)


@defrule(_rt.diff_vjp, name="_rt.diff_vjp", diff="v", tags="linear")
class diff_vjp:
    def signature(v, n=1, axis=-1): ...

    def jvp_v(t, n, axis):
        return _rt.diff_vjp(t, n, axis)

    def vjp_v(g, n, axis):
        return np.diff(g, n, axis)


@defrule(_rt.gradient, name="_rt.gradient", diff="v", tags="linear container")
class gradient_helper:
    def signature(v, varargs=(), axis=None, edge_order=1): ...

    def jvp_v(t, varargs, axis, edge_order):
        return _rt.gradient(t, varargs, axis, edge_order)

    def vjp_v(g, v, varargs, axis, edge_order):
        return _rt.gradient_vjp(g, v, varargs, axis, edge_order)


@defrule(_rt.gradient_vjp, name="_rt.gradient_vjp", diff="v", tags="linear")
class gradient_vjp:
    def signature(v, f, varargs=(), axis=None, edge_order=1): ...

    def jvp_v(t, f, varargs, axis, edge_order):
        return _rt.gradient_vjp(t, f, varargs, axis, edge_order)

    def vjp_v(g, varargs, axis, edge_order):
        return _rt.gradient(g, varargs, axis, edge_order)


@defrule(_rt.column_stack_vjp, name="_rt.column_stack_vjp", diff="v",
         tags="linear container")
class column_stack_vjp:
    def signature(v, tup): ...

    def jvp_v(t, tup):
        return _rt.column_stack_vjp(t, tup)

    def vjp_v(g):
        return np.column_stack(g)


@defrule(_rt.select_vjp, name="_rt.select_vjp", diff="v", tags="linear container")
class select_vjp:
    def signature(v, condlist, choicelist): ...

    def jvp_v(t, condlist, choicelist):
        return _rt.select_vjp(t, condlist, choicelist)

    def vjp_v(g, v, condlist):
        return _rt.broadcast_like(np.select(condlist, g, 0.0), v)


@defrule(_rt.meshgrid_jvp, name="_rt.meshgrid_jvp", diff="v", tags="linear container")
class meshgrid_jvp:
    def signature(v, xi, i, indexing="xy", sparse=False): ...

    def jvp_v(t, xi, i, indexing, sparse):
        return _rt.meshgrid_jvp(t, xi, i, indexing, sparse)

    def vjp_v(g, xi, i, indexing, sparse):
        return _rt.meshgrid_vjp(g, xi, i, indexing, sparse)


@defrule(_rt.meshgrid_vjp, name="_rt.meshgrid_vjp", diff="v", tags="linear")
class meshgrid_vjp:
    def signature(v, xi, i, indexing="xy", sparse=False): ...

    def jvp_v(t, xi, i, indexing, sparse):
        return _rt.meshgrid_vjp(t, xi, i, indexing, sparse)

    def vjp_v(g, xi, i, indexing, sparse):
        return _rt.meshgrid_jvp(g, xi, i, indexing, sparse)


@defrule(_rt.bilinear, name="_rt.bilinear", diff="v other", tags="linear")
class bilinear:
    # op with v as factor `which`: bilinear in (v, other)
    def signature(v, op, which, other, options=None): ...

    def jvp_v(t, op, which, other, options):
        return _rt.bilinear(t, op, which, other, options)

    def jvp_other(t, v, op, which, options):
        return _rt.bilinear(v, op, which, t, options)

    def vjp_v(g, v, op, which, other, options):
        return _rt.bilinear_vjp(g, op, which, other, v, options)

    def vjp_other(g, v, op, which, other, options):
        return _rt.bilinear_vjp(g, op, 1 - which, v, other, options)


@defrule(_rt.bilinear_vjp, name="_rt.bilinear_vjp", diff="v other", tags="linear")
class bilinear_vjp:
    # bilinear_vjp(v, ..., other, like) = d/d like <v, op(like, other)>: bilinear in (v, other)
    def signature(v, op, which, other, like, options=None): ...

    def jvp_v(t, op, which, other, like, options):
        return _rt.bilinear_vjp(t, op, which, other, like, options)

    def jvp_other(t, v, op, which, like, options):
        return _rt.bilinear_vjp(v, op, which, t, like, options)

    def vjp_v(g, op, which, other, options):
        return _rt.bilinear(g, op, which, other, options)

    def vjp_other(g, v, op, which, other, options):
        return _rt.bilinear_vjp(v, op, 1 - which, g, other, options)


@defrule(_rt.prod_others, name="_rt.prod_others", diff="a")
class prod_others:
    # out_j = prod_{k != j} a_k:  d out_j = out_j (sum_k t_k / a_k - t_j / a_j)
    # (second derivatives of prod: inputs away from zero)
    def signature(a, axis=None): ...

    def jvp_a(t, a, out, axis):
        r = t / a
        return out * (np.sum(r, axis=axis, keepdims=True) - r)

    def vjp_a(g, a, out, axis):
        w = g * out
        return (np.sum(w, axis=axis, keepdims=True) - w) / a


# --------------------------------------------------------------------------- batching
batching("reduction", "np.nansum", "np.nanmean")
batching("axis_required", "np.sort", "np.cumprod")
batching("axes", "np.diagonal", params=("axis1", "axis2"))
batching("axes", "np.rot90", params=("axes",))
batching("axes", "np.rollaxis", params=("axis", "start"))
batching("axes", "np.diff", params=("axis",))
batching("elementwise", "np.nan_to_num")


# --------------------------------------------------------------------------- shared memory
views("reshape", "np.atleast_1d", "np.atleast_2d", "np.atleast_3d")
views("self", "np.fliplr", "np.flipud")
views("opaque", "np.diagonal", "np.diag", "np.rot90", "np.rollaxis", "np.nan_to_num",
      "np.split", "np.array_split", "np.hsplit", "np.vsplit", "np.dsplit")
