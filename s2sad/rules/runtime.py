"""Rules of the ``s2sad.runtime`` helpers that rule templates call, so generated code
can be differentiated again (a Hessian is forward mode over generated reverse code;
grad of grad is reverse over reverse).

Most helpers are linear in their first argument ``v`` (a tangent or cotangent):
``jvp_v`` is the helper itself and ``vjp_v`` its transpose. Arguments that only
give shapes, axes or options are not differentiable. Masks, tie weights and
counts are piecewise constant: ``nondiff``.

Tags: ``linear`` (linear in the differentiable arguments), ``container`` (the result may
be a tuple/list/dict, so cotangents of it add with ``_rt.tree_add``, not ``+``).
"""

import numpy as np

from s2sad import runtime as _rt

from .registry import batching, defrule, elementwise, nondiff

# --------------------------------------------------------------------------- broadcasting


@defrule(_rt.unbroadcast, name="_rt.unbroadcast", diff="v", tags="linear")
class unbroadcast:
    def signature(v, like): ...

    def jvp_v(t, v, like):
        return _rt.unbroadcast(t, like)

    def vjp_v(g, v, like):
        return _rt.broadcast_like(g, v)


@defrule(_rt.broadcast_like, name="_rt.broadcast_like", diff="v", tags="linear")
class broadcast_like:
    def signature(v, like): ...

    def jvp_v(t, v, like):
        return _rt.broadcast_like(t, like)

    def vjp_v(g, v, like):
        return _rt.unbroadcast(g, v)


nondiff(_rt.zeros_like, name="_rt.zeros_like")
nondiff(_rt.stop_gradient, name="_rt.stop_gradient")  # the identity, with a zero derivative


@defrule(_rt.ct_mul, name="_rt.ct_mul", diff="v partial")
class ct_mul:
    # v * partial, zero where v is: d = dv * partial + v * dpartial, each masked the same way
    def signature(v, partial): ...

    def jvp_v(t, v, partial):
        return _rt.ct_mul(t, partial)

    def jvp_partial(t, v, partial):
        return _rt.ct_mul(v, t)

    def vjp_v(g, v, partial):
        return _rt.unbroadcast(_rt.ct_mul(g, partial), v)

    def vjp_partial(g, v, partial):
        return _rt.unbroadcast(_rt.ct_mul(v, g), partial)

# --------------------------------------------------------------------------- indexing, containers


@defrule(_rt.getitem_vjp, name="_rt.getitem_vjp", diff="v", tags="linear container")
class getitem_vjp:
    # scatter-add into zeros; its transpose is the gather
    def signature(v, x, index): ...

    def jvp_v(t, x, index):
        return _rt.getitem_vjp(t, x, index)

    def vjp_v(g, index):
        return g[index]


@defrule(_rt.array_vjp, name="_rt.array_vjp", diff="v", tags="linear container")
class array_vjp:
    def signature(v, obj): ...

    def jvp_v(t, obj):
        return _rt.array_vjp(t, obj)

    def vjp_v(g):
        return np.asarray(g)


# --------------------------------------------------------------------------- reductions


@defrule(_rt.sum_vjp, name="_rt.sum_vjp", diff="v", tags="linear")
class sum_vjp:
    def signature(v, a, axis=None, keepdims=False): ...

    def jvp_v(t, a, axis, keepdims):
        return _rt.sum_vjp(t, a, axis, keepdims)

    def vjp_v(g, axis, keepdims):
        return np.sum(g, axis=axis, keepdims=keepdims)


@defrule(_rt.mean_vjp, name="_rt.mean_vjp", diff="v", tags="linear")
class mean_vjp:
    def signature(v, a, axis=None, keepdims=False): ...

    def jvp_v(t, a, axis, keepdims):
        return _rt.mean_vjp(t, a, axis, keepdims)

    def vjp_v(g, axis, keepdims):
        return np.mean(g, axis=axis, keepdims=keepdims)


@defrule(_rt.extremum_vjp, name="_rt.extremum_vjp", diff="v", tags="linear")
class extremum_vjp:
    # the tie weights depend on a only through a piecewise-constant mask
    def signature(v, a, value, axis=None, keepdims=False): ...

    def jvp_v(t, a, value, axis, keepdims):
        return _rt.extremum_vjp(t, a, value, axis, keepdims)

    def vjp_v(g, a, value, axis, keepdims):
        w = _rt.extremum_vjp(np.ones_like(value), a, value, axis, keepdims)
        return np.sum(g * w, axis=axis, keepdims=keepdims)


@defrule(_rt.cumsum_vjp, name="_rt.cumsum_vjp", diff="v", tags="linear")
class cumsum_vjp:
    def signature(v, axis=None, like=None): ...

    def jvp_v(t, axis, like):
        return _rt.cumsum_vjp(t, axis, like)

    def vjp_v(g, v, axis):
        return _rt.reshape_like(np.cumsum(g, axis=axis), v)


nondiff(_rt.count, name="_rt.count")

# --------------------------------------------------------------------------- selections, norms

for _f in (_rt.greater_weight, _rt.clip_mask, _rt.clip_lo_mask, _rt.clip_hi_mask, _rt.norm_q,
           _rt.norm_mask):
    nondiff(_f, name=f"_rt.{_f.__name__}")


@elementwise(_rt.sigmoid, name="_rt.sigmoid")
def sigmoid(d, out):
    return out * (1.0 - out)


@elementwise(_rt.signed_power, name="_rt.signed_power", tags="singular")
def signed_power(x, q, k, odd, out):
    # the (k+1)-th derivative of sign(x)|x|^q (or |x|^q): the tower is closed
    return _rt.signed_power(x, q, k + 1, odd)


# --------------------------------------------------------------------------- products
# The cotangent of one factor is bilinear in (cotangent, other factor).


@defrule(_rt.matmul_vjp_x, name="_rt.matmul_vjp_x", diff="v y", tags="linear")
class matmul_vjp_x:
    # matmul_vjp_x(v, x, y) = d/dx <v, x @ y>: bilinear in (v, y)
    def signature(v, x, y): ...

    def jvp_v(t, x, y):
        return _rt.matmul_vjp_x(t, x, y)

    def jvp_y(t, v, x):
        return _rt.matmul_vjp_x(v, x, t)

    def vjp_v(g, y):
        return np.matmul(g, y)

    def vjp_y(g, v, y):
        return _rt.matmul_vjp_y(v, g, y)


@defrule(_rt.matmul_vjp_y, name="_rt.matmul_vjp_y", diff="v x", tags="linear")
class matmul_vjp_y:
    # matmul_vjp_y(v, x, y) = d/dy <v, x @ y>: bilinear in (v, x)
    def signature(v, x, y): ...

    def jvp_v(t, x, y):
        return _rt.matmul_vjp_y(t, x, y)

    def jvp_x(t, v, y):
        return _rt.matmul_vjp_y(v, t, y)

    def vjp_v(g, x):
        return np.matmul(x, g)

    def vjp_x(g, v, x):
        return _rt.matmul_vjp_x(v, x, g)


@defrule(_rt.dot_vjp_a, name="_rt.dot_vjp_a", diff="v b", tags="linear")
class dot_vjp_a:
    # dot_vjp_a(v, a, b) = d/da <v, dot(a, b)>
    def signature(v, a, b): ...

    def jvp_v(t, a, b):
        return _rt.dot_vjp_a(t, a, b)

    def jvp_b(t, v, a):
        return _rt.dot_vjp_a(v, a, t)

    def vjp_v(g, b):
        return np.dot(g, b)

    def vjp_b(g, v, b):
        return _rt.dot_vjp_b(v, g, b)


@defrule(_rt.dot_vjp_b, name="_rt.dot_vjp_b", diff="v a", tags="linear")
class dot_vjp_b:
    # dot_vjp_b(v, a, b) = d/db <v, dot(a, b)>
    def signature(v, a, b): ...

    def jvp_v(t, a, b):
        return _rt.dot_vjp_b(t, a, b)

    def jvp_a(t, v, b):
        return _rt.dot_vjp_b(v, t, b)

    def vjp_v(g, a):
        return np.dot(a, g)

    def vjp_a(g, v, a):
        return _rt.dot_vjp_a(v, a, g)


@defrule(_rt.inner_vjp_a, name="_rt.inner_vjp_a", diff="v b", tags="linear")
class inner_vjp_a:
    # inner_vjp_a(v, a, b) = d/da <v, inner(a, b)>
    def signature(v, a, b): ...

    def jvp_v(t, a, b):
        return _rt.inner_vjp_a(t, a, b)

    def jvp_b(t, v, a):
        return _rt.inner_vjp_a(v, a, t)

    def vjp_v(g, b):
        return np.inner(g, b)

    def vjp_b(g, v, b):
        return _rt.inner_vjp_b(v, g, b)


@defrule(_rt.inner_vjp_b, name="_rt.inner_vjp_b", diff="v a", tags="linear")
class inner_vjp_b:
    # inner_vjp_b(v, a, b) = d/db <v, inner(a, b)>
    def signature(v, a, b): ...

    def jvp_v(t, a, b):
        return _rt.inner_vjp_b(t, a, b)

    def jvp_a(t, v, b):
        return _rt.inner_vjp_b(v, t, b)

    def vjp_v(g, a):
        return np.inner(a, g)

    def vjp_a(g, v, a):
        return _rt.inner_vjp_a(v, a, g)


@defrule(_rt.trace_vjp, name="_rt.trace_vjp", diff="v", tags="linear")
class trace_vjp:
    def signature(v, a, offset=0, axis1=0, axis2=1): ...

    def jvp_v(t, a, offset, axis1, axis2):
        return _rt.trace_vjp(t, a, offset, axis1, axis2)

    def vjp_v(g, offset, axis1, axis2):
        return np.trace(g, offset, axis1, axis2)


# --------------------------------------------------------------------------- shapes


@defrule(_rt.reshape_like, name="_rt.reshape_like", diff="v", tags="linear")
class reshape_like:
    def signature(v, like): ...

    def jvp_v(t, like):
        return _rt.reshape_like(t, like)

    def vjp_v(g, v):
        return _rt.reshape_like(g, v)


@defrule(_rt.transpose_vjp, name="_rt.transpose_vjp", diff="v", tags="linear")
class transpose_vjp:
    def signature(v, axes=None): ...

    def jvp_v(t, axes):
        return _rt.transpose_vjp(t, axes)

    def vjp_v(g, axes):
        return np.transpose(g, axes)


@defrule(_rt.split_like, name="_rt.split_like", diff="v", tags="linear container")
class split_like:
    # one array -> a list of pieces; the transpose joins them again
    def signature(v, arrays, axis=0): ...

    def jvp_v(t, arrays, axis):
        return _rt.split_like(t, arrays, axis)

    def vjp_v(g, axis):
        return np.concatenate(g, axis=axis)


@defrule(_rt.hstack_vjp, name="_rt.hstack_vjp", diff="v", tags="linear container")
class hstack_vjp:
    def signature(v, arrays): ...

    def jvp_v(t, arrays):
        return _rt.hstack_vjp(t, arrays)

    def vjp_v(g):
        return np.hstack(g)


@defrule(_rt.vstack_vjp, name="_rt.vstack_vjp", diff="v", tags="linear container")
class vstack_vjp:
    def signature(v, arrays): ...

    def jvp_v(t, arrays):
        return _rt.vstack_vjp(t, arrays)

    def vjp_v(g):
        return np.vstack(g)


@defrule(_rt.unstack_like, name="_rt.unstack_like", diff="v", tags="linear container")
class unstack_like:
    def signature(v, arrays, axis=0): ...

    def jvp_v(t, arrays, axis):
        return _rt.unstack_like(t, arrays, axis)

    def vjp_v(g, axis):
        return np.stack(g, axis=axis)


@defrule(_rt.tile_vjp, name="_rt.tile_vjp", diff="v", tags="linear")
class tile_vjp:
    def signature(v, a, reps): ...

    def jvp_v(t, a, reps):
        return _rt.tile_vjp(t, a, reps)

    def vjp_v(g, reps):
        return np.tile(g, reps)


# --------------------------------------------------------------------------- einsum
# The five helpers of runtime/helpers.py (see the table there) are multilinear; each rule
# below is one of them with a tangent or cotangent in another slot. In ``operands`` itself
# their derivative is zero for two operands or fewer (``einsum_higher``).


@defrule(_rt.einsum_jvp, name="_rt.einsum_jvp", diff="v operands", tags="linear")
class einsum_jvp:
    def signature(v, subscripts, operands, i): ...

    def jvp_v(t, subscripts, operands, i):
        return _rt.einsum_jvp(t, subscripts, operands, i)

    def jvp_operands(t, v, subscripts, operands, i):
        return _rt.einsum_jvp_dops(v, subscripts, operands, t, i)

    def vjp_v(g, subscripts, operands, i):
        return _rt.einsum_vjp(g, subscripts, operands, i)

    def vjp_operands(g, v, subscripts, operands, i):
        return _rt.einsum_vjp_all(g, subscripts, operands, v, i)


@defrule(_rt.einsum_vjp, name="_rt.einsum_vjp", diff="v operands", tags="linear")
class einsum_vjp:
    def signature(v, subscripts, operands, i): ...

    def jvp_v(t, subscripts, operands, i):
        return _rt.einsum_vjp(t, subscripts, operands, i)

    def jvp_operands(t, v, subscripts, operands, i):
        return _rt.einsum_vjp_dops(v, subscripts, operands, t, i)

    def vjp_v(g, subscripts, operands, i):
        return _rt.einsum_jvp(g, subscripts, operands, i)

    def vjp_operands(g, v, subscripts, operands, i):
        return _rt.einsum_vjp_all(v, subscripts, operands, g, i)


@defrule(_rt.einsum_jvp_dops, name="_rt.einsum_jvp_dops", diff="v tans operands",
         tags="linear")
class einsum_jvp_dops:
    def signature(v, subscripts, operands, tans, i): ...

    def jvp_v(t, subscripts, operands, tans, i):
        return _rt.einsum_jvp_dops(t, subscripts, operands, tans, i)

    def jvp_tans(t, v, subscripts, operands, i):
        return _rt.einsum_jvp_dops(v, subscripts, operands, t, i)

    def jvp_operands(out, operands):
        return _rt.einsum_higher(out, operands)

    def vjp_v(g, subscripts, operands, tans, i):
        return _rt.einsum_vjp_dops(g, subscripts, operands, tans, i)

    def vjp_tans(g, v, subscripts, operands, i):
        return _rt.einsum_vjp_all(g, subscripts, operands, v, i)

    def vjp_operands(operands):
        return _rt.einsum_higher(operands, operands)


@defrule(_rt.einsum_vjp_dops, name="_rt.einsum_vjp_dops", diff="v tans operands",
         tags="linear")
class einsum_vjp_dops:
    def signature(v, subscripts, operands, tans, i): ...

    def jvp_v(t, subscripts, operands, tans, i):
        return _rt.einsum_vjp_dops(t, subscripts, operands, tans, i)

    def jvp_tans(t, v, subscripts, operands, i):
        return _rt.einsum_vjp_dops(v, subscripts, operands, t, i)

    def jvp_operands(out, operands):
        return _rt.einsum_higher(out, operands)

    def vjp_v(g, subscripts, operands, tans, i):
        return _rt.einsum_jvp_dops(g, subscripts, operands, tans, i)

    def vjp_tans(g, v, subscripts, operands, i):
        return _rt.einsum_vjp_all(v, subscripts, operands, g, i)

    def vjp_operands(operands):
        return _rt.einsum_higher(operands, operands)


@defrule(_rt.einsum_vjp_all, name="_rt.einsum_vjp_all", diff="v w operands",
         tags="linear container")
class einsum_vjp_all:
    def signature(v, subscripts, operands, w, i): ...

    def jvp_v(t, subscripts, operands, w, i):
        return _rt.einsum_vjp_all(t, subscripts, operands, w, i)

    def jvp_w(t, v, subscripts, operands, i):
        return _rt.einsum_vjp_all(v, subscripts, operands, t, i)

    def jvp_operands(out, operands):
        return _rt.einsum_higher(out, operands)

    def vjp_v(g, subscripts, operands, w, i):
        return _rt.einsum_jvp_dops(w, subscripts, operands, g, i)

    def vjp_w(g, v, subscripts, operands, i):
        return _rt.einsum_vjp_dops(v, subscripts, operands, g, i)

    def vjp_operands(operands):
        return _rt.einsum_higher(operands, operands)


nondiff(_rt.einsum_higher, name="_rt.einsum_higher")


# --------------------------------------------------------------------------- batching
batching("elementwise", "_rt.greater_weight", "_rt.clip_mask", "_rt.clip_lo_mask",
         "_rt.clip_hi_mask", "_rt.sigmoid")
batching("same_shapes", "_rt.zeros_like")
batching("twin", "_rt.unbroadcast", params=("v", "like"), helper="_rt.vunbroadcast")
batching("twin", "_rt.broadcast_like", params=("v", "like"), helper="_rt.vbroadcast_like")
batching("cotangent_twin", "_rt.getitem_vjp", params=("v", "x"), helper="_rt.vgetitem_vjp")
batching("twin", "_rt.sum_vjp", params=("v", "a"), helper="_rt.vsum_vjp")
batching("twin", "_rt.mean_vjp", params=("v", "a"), helper="_rt.vmean_vjp")
batching("twin", "_rt.reshape_like", params=("v", "like"), helper="_rt.vreshape_like")
batching("twin", "_rt.matmul_vjp_x", params=("v", "x", "y"), helper="_rt.vmatmul_vjp_x")
batching("twin", "_rt.matmul_vjp_y", params=("v", "x", "y"), helper="_rt.vmatmul_vjp_y")


# --------------------------------------------------------------------------- complex values
# (runtime/helpers.py; JAX's convention.) With u = conj(x)/|x| (sign(x) for real x):
#   abs_jvp(v, x) = Re(u v),  abs_vjp(w, x) = Re(w) u: each the other's transpose.
# Their derivatives in x exist for complex x only (0 for real x, made exact by complex_only):
#   d abs_jvp(v, x)[s] = (Re(conj(s) v) - Re(u s) Re(u v)) / |x|   (symmetric in s and v)
#   d abs_vjp(w, x)[s] = Re(w) (conj(s) - u Re(u s)) / |x|         (its own transpose in s)
# written with primitives, so every higher derivative follows from their rules.


@defrule(_rt.abs_jvp, name="_rt.abs_jvp", diff="v x")
class abs_jvp:
    def signature(v, x): ...

    def jvp_v(t, x):
        return _rt.abs_jvp(t, x)

    def vjp_v(g, x):
        return _rt.abs_vjp(g, x)

    def jvp_x(t, v, x):
        d = np.real(np.conj(t) * v) - _rt.abs_jvp(t, x) * _rt.abs_jvp(v, x)
        return _rt.complex_only(d / np.abs(x), x)

    def vjp_x(g, v, x):
        d = np.conj(v) - _rt.abs_vjp(_rt.abs_jvp(v, x), x)
        return _rt.complex_only(np.real(g) * d / np.abs(x), x)


@defrule(_rt.abs_vjp, name="_rt.abs_vjp", diff="w x")
class abs_vjp:
    def signature(w, x): ...

    def jvp_w(t, x):
        return _rt.abs_vjp(t, x)

    def vjp_w(g, x):
        return _rt.abs_jvp(g, x)

    def jvp_x(t, w, x):
        d = np.conj(t) - _rt.abs_vjp(_rt.abs_jvp(t, x), x)
        return _rt.complex_only(np.real(w) * d / np.abs(x), x)

    def vjp_x(g, w, x):
        d = np.conj(g) - _rt.abs_vjp(_rt.abs_jvp(g, x), x)
        return _rt.complex_only(np.real(w) * d / np.abs(x), x)


@defrule(_rt.complex_only, name="_rt.complex_only", diff="v", tags="linear")
class complex_only:
    # the identity or zero, by the dtype of ``like``: its own transpose
    def signature(v, like): ...

    def jvp_v(t, like):
        return _rt.complex_only(t, like)

    def vjp_v(g, like):
        return _rt.complex_only(g, like)


# angle_jvp(v, z) = k Im(v / z),  angle_vjp(w, z) = -i k Re(w) / z  (k = 180/pi or 1): each
# the other's transpose; in z, d(1/z)[s] = -s / z² gives
#   d angle_jvp(v, z)[s] = angle_jvp(-v s / z, z),  d angle_vjp(w, z)[s] = angle_vjp(w, z) (-s / z)
# (complex-linear in s: the transpose multiplies by the same factor, no conjugation).


@defrule(_rt.angle_jvp, name="_rt.angle_jvp", diff="v z")
class angle_jvp:
    def signature(v, z, deg=False): ...

    def jvp_v(t, z, deg):
        return _rt.angle_jvp(t, z, deg)

    def vjp_v(g, z, deg):
        return _rt.angle_vjp(g, z, deg)

    def jvp_z(t, v, z, deg):
        return _rt.angle_jvp(-(v * t) / z, z, deg)

    def vjp_z(g, v, z, deg):
        return _rt.complex_only(_rt.angle_vjp(g, z, deg) * (-v / z), z)


@defrule(_rt.angle_vjp, name="_rt.angle_vjp", diff="w z")
class angle_vjp:
    def signature(w, z, deg=False): ...

    def jvp_w(t, z, deg):
        return _rt.angle_vjp(t, z, deg)

    def vjp_w(g, z, deg):
        return _rt.angle_jvp(g, z, deg)

    def jvp_z(t, w, z, deg):
        return _rt.complex_only(_rt.angle_vjp(w, z, deg) * (-t / z), z)

    def vjp_z(g, w, z, deg):
        return _rt.complex_only(_rt.angle_vjp(w, z, deg) * (-g / z), z)


batching("elementwise", "_rt.abs_jvp", "_rt.abs_vjp", "_rt.angle_jvp", "_rt.angle_vjp")


@defrule(_rt.real_only, name="_rt.real_only", diff="v", tags="linear")
class real_only:
    # the identity on real ``x`` (its own transpose), an error on complex ``x``
    def signature(v, x, what): ...

    def jvp_v(t, x, what):
        return _rt.real_only(t, x, what)

    def vjp_v(g, x, what):
        return _rt.real_only(g, x, what)


# --------------------------------------------------------------------------- shared memory
# (code the alias pass emits: frontend/normalize/aliases.py)


@defrule(_rt.private, name="_rt.private", diff="x", tags="linear container")
class private:
    # a copy: the identity on values
    def signature(x): ...

    def jvp_x(t, x):
        return _rt.private(t)

    def vjp_x(g, x):
        return g


nondiff(_rt.shares_memory, name="_rt.shares_memory")
nondiff(_rt.is_array, name="_rt.is_array")
batching("same_shapes", "_rt.private", "_rt.stop_gradient")
batching("elementwise", "_rt.ct_mul")
