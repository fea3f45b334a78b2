"""Rules of NumPy functions: elementwise, reductions, linear algebra, shapes, constructors."""

import numpy as np

from s2sad import runtime as _rt

from .registry import alias, batching, defrule, elementwise, nondiff, views

# --------------------------------------------------------------------------- elementwise, one input
# Each function is the partial d out / d x; forward is t * partial, reverse g * partial.


@elementwise(np.sin)
def sin(x, out):
    return np.cos(x)


@elementwise(np.cos)
def cos(x, out):
    return -np.sin(x)


@elementwise(np.tan, tags="singular")
def tan(x, out):
    return 1.0 + out * out  # d tan = 1 + tan²


@elementwise(np.arcsin, tags="singular")
def arcsin(x, out):
    return 1.0 / np.sqrt(1.0 - x * x)


@elementwise(np.arccos, tags="singular")
def arccos(x, out):
    return -1.0 / np.sqrt(1.0 - x * x)


@elementwise(np.arctan)
def arctan(x, out):
    return 1.0 / (1.0 + x * x)


@elementwise(np.sinh)
def sinh(x, out):
    return np.cosh(x)


@elementwise(np.cosh)
def cosh(x, out):
    return np.sinh(x)


@elementwise(np.tanh)
def tanh(x, out):
    return 1.0 - out * out  # d tanh = 1 - tanh²


@elementwise(np.arcsinh)
def arcsinh(x, out):
    return 1.0 / np.sqrt(x * x + 1.0)


@elementwise(np.arccosh, tags="singular")
def arccosh(x, out):
    return 1.0 / np.sqrt(x * x - 1.0)


@elementwise(np.arctanh, tags="singular")
def arctanh(x, out):
    return 1.0 / (1.0 - x * x)


@elementwise(np.exp)
def exp(x, out):
    return out  # d exp = exp


@elementwise(np.exp2)
def exp2(x, out):
    return out * 0.6931471805599453  # ln 2


@elementwise(np.expm1)
def expm1(x, out):
    return out + 1.0


@elementwise(np.log, tags="singular")
def log(x, out):
    return 1.0 / x


@elementwise(np.log2, tags="singular")
def log2(x, out):
    return 1.4426950408889634 / x  # 1 / ln 2


@elementwise(np.log10, tags="singular")
def log10(x, out):
    return 0.4342944819032518 / x  # 1 / ln 10


@elementwise(np.log1p, tags="singular")
def log1p(x, out):
    return 1.0 / (1.0 + x)


@elementwise(np.sqrt, tags="singular")
def sqrt(x, out):
    # 1 / (2 sqrt x); at x = 0 (no derivative: the slope is +inf) we take the finite
    # subgradient 0, so sqrt(sum(x**2)) at x = 0 has the zero gradient a norm has
    return 0.5 / np.where(out == 0, np.inf, out)


@elementwise(np.cbrt, tags="singular")
def cbrt(x, out):
    # 1 / (3 cbrt(x)^2); 0 at x = 0, as for sqrt
    return 1.0 / (3.0 * np.where(out == 0, np.inf, out * out))


@elementwise(np.square)
def square(x, out):
    return 2.0 * x


@elementwise(np.reciprocal, tags="singular")
def reciprocal(x, out):
    return -out * out


@defrule(np.abs, diff="x")
class abs_:
    # Real x: d|x| = sign(x) t. Complex z (JAX's convention, rules/linalg.py): |z| is not
    # holomorphic, d|z| = Re(conj(z) dz) / |z| and the cotangent is Re(g) conj(z) / |z|, 0 at
    # 0 -- not ``g * partial``, hence a general rule. The helpers keep real x on the one
    # multiplication it always was (np.abs, np.absolute and builtin abs are this rule).
    def signature(x): ...

    def jvp_x(t, x):
        return _rt.abs_jvp(t, x)

    def vjp_x(g, x):
        return _rt.abs_vjp(g, x)


@defrule(np.sign, diff="x")
class sign:
    # Real x: piecewise constant, a zero derivative. Complex z: sign(z) = z / |z| is not
    # constant, and its derivative is not done yet: ``real_only`` refuses it at run time.
    def signature(x): ...

    def jvp_x(t, x):
        return _rt.zeros_like(_rt.real_only(t, x, "np.sign"))

    def vjp_x(g, x):
        return _rt.zeros_like(_rt.real_only(x, x, "np.sign"))


@elementwise(np.fabs)
def fabs(x, out):
    return np.sign(x)


@elementwise(np.deg2rad)
def deg2rad(x, out):
    return 0.017453292519943295  # pi / 180


@elementwise(np.radians)
def radians(x, out):
    return 0.017453292519943295


@elementwise(np.rad2deg)
def rad2deg(x, out):
    return 57.29577951308232  # 180 / pi


@elementwise(np.degrees)
def degrees(x, out):
    return 57.29577951308232


# --------------------------------------------------------------------------- elementwise, two inputs
# One partial per input; each has the broadcast shape of the two inputs. NumPy's spellings
# of the operators (np.add, np.multiply, np.power, np.matmul, ...) are the operator rules
# (rules/operators.py).


@elementwise(np.arctan2, tags="singular")
class arctan2:
    # atan2(y, x): d = (x dy - y dx) / (x² + y²)
    def x1(x1, x2, out):
        return x2 / (x1 * x1 + x2 * x2)

    def x2(x1, x2, out):
        return -x1 / (x1 * x1 + x2 * x2)


@elementwise(np.hypot)
class hypot:
    # d hypot = (x1 dx1 + x2 dx2) / hypot. At x1 = x2 = 0 (a cone's tip) there is no
    # derivative; we take the zero subgradient (the least-norm one): out is read as 1 there,
    # where x1 and x2 are 0, so the partials are 0 and a zero cotangent stays zero, not NaN.
    def x1(x1, x2, out):
        return x1 / np.where(out == 0, 1.0, out)

    def x2(x1, x2, out):
        return x2 / np.where(out == 0, 1.0, out)


@elementwise(np.logaddexp)
class logaddexp:
    # softmax weights of the two inputs: exp(x1 - out) = sigmoid(x1 - x2), which needs no
    # ``out`` (a gradient alone never computes the logaddexp itself)
    def x1(x1, x2, out):
        return _rt.sigmoid(x1 - x2)

    def x2(x1, x2, out):
        return _rt.sigmoid(x2 - x1)


@elementwise(np.logaddexp2)
class logaddexp2:
    def x1(x1, x2, out):
        return np.exp2(x1 - out)

    def x2(x1, x2, out):
        return np.exp2(x2 - out)


@elementwise(np.maximum)
class maximum:
    # ties split the derivative evenly, as JAX does
    def x1(x1, x2, out):
        return _rt.greater_weight(x1, x2, out)

    def x2(x1, x2, out):
        return _rt.greater_weight(x2, x1, out)


@elementwise(np.minimum)
class minimum:
    def x1(x1, x2, out):
        return _rt.greater_weight(x2, x1, out)

    def x2(x1, x2, out):
        return _rt.greater_weight(x1, x2, out)


@elementwise(np.mod)
class mod:
    # np.mod is np.remainder: d(x1 mod x2)/dx1 = 1, d/dx2 = -floor(x1 / x2) (as JAX)
    def x1(x1, x2, out):
        return np.ones_like(out)

    def x2(x1, x2, out):
        return -np.floor(x1 / x2)


@elementwise(np.fmod)
class fmod:
    # fmod truncates the quotient: d/dx2 = -trunc(x1 / x2)
    def x1(x1, x2, out):
        return np.ones_like(out)

    def x2(x1, x2, out):
        return -np.trunc(x1 / x2)


@defrule(np.clip, diff="a a_min a_max")
class clip:
    # clip = minimum(maximum(a, a_min), a_max): each input's derivative is the mask of where
    # the output is that input (a wins its ties with the bounds)
    def signature(a, a_min=None, a_max=None): ...

    def jvp_a(t, a, a_min, a_max):
        return t * _rt.clip_mask(a, a_min, a_max)

    def jvp_a_min(t, a, a_min, a_max):
        return t * _rt.clip_lo_mask(a, a_min, a_max)

    def jvp_a_max(t, a, a_min, a_max):
        return t * _rt.clip_hi_mask(a, a_min, a_max)

    def vjp_a(g, a, a_min, a_max):
        return _rt.unbroadcast(g * _rt.clip_mask(a, a_min, a_max), a)

    def vjp_a_min(g, a, a_min, a_max):
        return _rt.unbroadcast(g * _rt.clip_lo_mask(a, a_min, a_max), a_min)

    def vjp_a_max(g, a, a_min, a_max):
        return _rt.unbroadcast(g * _rt.clip_hi_mask(a, a_min, a_max), a_max)


@defrule(np.where, diff="x y", tags="linear")
class where:
    def signature(condition, x, y): ...

    def jvp_x(t, condition, x, out):
        return _rt.broadcast_like(np.where(condition, t, 0.0), out)

    def jvp_y(t, condition, y, out):
        return _rt.broadcast_like(np.where(condition, 0.0, t), out)

    def vjp_x(g, condition, x):
        return _rt.unbroadcast(np.where(condition, g, 0.0), x)

    def vjp_y(g, condition, y):
        return _rt.unbroadcast(np.where(condition, 0.0, g), y)


# --------------------------------------------------------------------------- reductions


@defrule(np.sum, diff="a", tags="linear")
class sum:
    def signature(a, axis=None, *, keepdims=False): ...

    def jvp_a(t, a, axis, keepdims):
        return np.sum(t, axis=axis, keepdims=keepdims)

    def vjp_a(g, a, axis, keepdims):
        return _rt.sum_vjp(g, a, axis, keepdims)


@defrule(np.mean, diff="a", tags="linear")
class mean:
    def signature(a, axis=None, *, keepdims=False): ...

    def jvp_a(t, a, axis, keepdims):
        return np.mean(t, axis=axis, keepdims=keepdims)

    def vjp_a(g, a, axis, keepdims):
        return _rt.mean_vjp(g, a, axis, keepdims)


@defrule(np.var, diff="a")
class var:
    # var = sum(|a - m|²) / (N - ddof);  d var = 2 Re sum(conj(d) t) / (N - ddof), d = a - m
    # (sum(d) = 0 takes care of m). Complex a (JAX's convention, rules/linalg.py): the
    # cotangent is 2 Re(g) conj(d) / (N - ddof). For real a, np.real and np.conj change no
    # number.
    def signature(a, axis=None, *, ddof=0, keepdims=False): ...

    def jvp_a(t, a, axis, ddof, keepdims):
        d = a - np.mean(a, axis=axis, keepdims=True)
        dsum = np.real(np.sum(np.conj(d) * t, axis=axis, keepdims=keepdims))
        return 2.0 * dsum / (_rt.count(a, axis) - ddof)

    def vjp_a(g, a, axis, ddof, keepdims):
        d = a - np.mean(a, axis=axis, keepdims=True)
        return 2.0 * np.real(_rt.sum_vjp(g, a, axis, keepdims)) * np.conj(d) / (
            _rt.count(a, axis) - ddof)


@defrule(np.std, diff="a")
class std:
    # std = sqrt(var): d std = d var / (2 std) (complex a as in ``var``)
    def signature(a, axis=None, *, ddof=0, keepdims=False): ...

    # Where std = 0 every a - mean is 0: identically so for a scalar or a reduced axis of
    # length 1 (derivative 0), and at a minimum of this convex function for equal data (no
    # derivative; 0 is its least-norm subgradient, and what central differences give). So std
    # is read as 1 there and the derivative is 0, not 0 / 0 = NaN.
    def jvp_a(t, a, out, axis, ddof, keepdims):
        d = a - np.mean(a, axis=axis, keepdims=True)
        dsum = np.real(np.sum(np.conj(d) * t, axis=axis, keepdims=keepdims))
        dvar = 2.0 * dsum / (_rt.count(a, axis) - ddof)
        return dvar / (2.0 * np.where(out == 0, 1.0, out))

    def vjp_a(g, a, out, axis, ddof, keepdims):
        d = a - np.mean(a, axis=axis, keepdims=True)
        gv = np.real(g) / (2.0 * np.where(out == 0, 1.0, out))
        return 2.0 * _rt.sum_vjp(gv, a, axis, keepdims) * np.conj(d) / (
            _rt.count(a, axis) - ddof)


@defrule(np.prod, diff="a")
class prod:
    # d prod = sum(t * prod_others(a)), prod_others_j = prod_{k != j} a_k: no division, so
    # exact zeros are fine (one zero leaves the product of the rest at its position)
    def signature(a, axis=None, *, keepdims=False): ...

    def jvp_a(t, a, axis, keepdims):
        return np.sum(t * _rt.prod_others(a, axis), axis=axis, keepdims=keepdims)

    def vjp_a(g, a, axis, keepdims):
        return _rt.sum_vjp(g, a, axis, keepdims) * _rt.prod_others(a, axis)


@defrule(np.max, diff="a")
class max_:
    # the cotangent goes to the elements equal to the max, split evenly among ties (as JAX)
    def signature(a, axis=None, *, keepdims=False): ...

    def jvp_a(t, a, out, axis, keepdims):
        w = _rt.extremum_vjp(np.ones_like(out), a, out, axis, keepdims)
        return np.sum(w * t, axis=axis, keepdims=keepdims)

    def vjp_a(g, a, out, axis, keepdims):
        return _rt.extremum_vjp(g, a, out, axis, keepdims)


@defrule(np.min, diff="a")
class min_:
    def signature(a, axis=None, *, keepdims=False): ...

    def jvp_a(t, a, out, axis, keepdims):
        w = _rt.extremum_vjp(np.ones_like(out), a, out, axis, keepdims)
        return np.sum(w * t, axis=axis, keepdims=keepdims)

    def vjp_a(g, a, out, axis, keepdims):
        return _rt.extremum_vjp(g, a, out, axis, keepdims)


alias(np.amax, np.max)
alias(np.amin, np.min)


@defrule(np.cumsum, diff="a", tags="linear")
class cumsum:
    def signature(a, axis=None): ...

    def jvp_a(t, a, axis):
        return np.cumsum(t, axis=axis)

    def vjp_a(g, a, axis):
        return _rt.cumsum_vjp(g, axis, a)


@defrule(np.linalg.norm, diff="x")
class norm:
    # |x|_p = (sum |x|^p)^(1/p):  d|x|_p = sum(sign(x) |x|^q t) / |x|_p^q,  q = p - 1.
    # 2-norm and Frobenius: q = 1, x t / |x|;  p = 1: sign(x) t;  p = ±inf: sign(x) t on the
    # (tied) extreme entries only, which ``norm_mask`` selects (matrix 1 / inf norms likewise).
    # Complex x is refused at run time (``real_only``): these helpers are real-only.
    # A norm of 0 (x = 0 for p > 0) has no derivative; we take the zero subgradient (JAX gives
    # NaN): the denominator is read as 1 there, where the numerator is 0, so a zero cotangent
    # stays zero (``norm(v) * 0.0``, or a norm in the branch ``np.where`` does not take).
    # Matrix ord 2, -2, 'nuc' are functions of the singular values, not of the entries: their
    # entrywise part is 0 (``norm_mask``) and ``_rt.spectral_jvp``/``spectral_vjp`` add
    # ⟨U diag(c) Vᵀ, dA⟩ (``runtime/linalg.py``); for the other ords those return their base.
    def signature(x, ord=None, axis=None, keepdims=False): ...

    def jvp_x(t, x, out, ord, axis, keepdims):
        q = _rt.norm_q(_rt.real_only(x, x, "np.linalg.norm"), ord, axis)
        num = _rt.norm_mask(x, out, ord, axis, keepdims) * _rt.signed_power(x, q, 0, True)
        den = _rt.signed_power(np.where(out == 0, 1.0, out), q, 0, False)
        return _rt.spectral_jvp(np.sum(num * t, axis=axis, keepdims=keepdims) / den, t, x, ord,
                                axis, keepdims)

    def vjp_x(g, x, out, ord, axis, keepdims):
        q = _rt.norm_q(_rt.real_only(x, x, "np.linalg.norm"), ord, axis)
        num = _rt.norm_mask(x, out, ord, axis, keepdims) * _rt.signed_power(x, q, 0, True)
        den = _rt.signed_power(np.where(out == 0, 1.0, out), q, 0, False)
        return _rt.spectral_vjp(_rt.sum_vjp(g / den, x, axis, keepdims) * num, g, x, ord, axis,
                                keepdims)


# --------------------------------------------------------------------------- linear algebra


@defrule(np.dot, diff="a b", tags="linear")
class dot:
    def signature(a, b): ...

    def jvp_a(t, a, b):
        return np.dot(t, b)

    def jvp_b(t, a, b):
        return np.dot(a, t)

    def vjp_a(g, a, b):
        return _rt.dot_vjp_a(g, a, b)

    def vjp_b(g, a, b):
        return _rt.dot_vjp_b(g, a, b)


@defrule(np.inner, diff="a b", tags="linear")
class inner:
    def signature(a, b): ...

    def jvp_a(t, a, b):
        return np.inner(t, b)

    def jvp_b(t, a, b):
        return np.inner(a, t)

    def vjp_a(g, a, b):
        return _rt.inner_vjp_a(g, a, b)

    def vjp_b(g, a, b):
        return _rt.inner_vjp_b(g, a, b)


@defrule(np.outer, diff="a b", tags="linear")
class outer:
    # outer flattens its inputs: out = ravel(a)[:, None] * ravel(b)[None, :]
    def signature(a, b): ...

    def jvp_a(t, a, b):
        return np.outer(t, b)

    def jvp_b(t, a, b):
        return np.outer(a, t)

    def vjp_a(g, a, b):
        return _rt.reshape_like(g @ np.ravel(b), a)

    def vjp_b(g, a, b):
        return _rt.reshape_like(np.ravel(a) @ g, b)


@defrule(np.einsum, diff="operands", tags="linear")
class einsum:
    # multilinear: the tangent from operand ``i`` (its position, bound by the transforms) is the
    # same einsum with the tangent in its place; its cotangent an einsum with permuted subscripts.
    # ``operands`` is the whole positional argument list, as NumPy reads it: a subscripts string
    # then the arrays, or the interleaved form ``(x0, [0, 1], x1, [1, 2], [0, 2])``; the helpers
    # (``subscripts=None``) tell the two apart at run time, so every array is a differentiated
    # operand whichever form the call uses.
    def signature(*operands, optimize=False): ...

    def jvp_operands(t, operands, i):
        return _rt.einsum_jvp(t, None, operands, i)

    def vjp_operands(g, operands, i):
        return _rt.einsum_vjp(g, None, operands, i)


@defrule(np.transpose, diff="a", tags="linear")
class transpose:
    def signature(a, axes=None): ...

    def jvp_a(t, a, axes):
        return np.transpose(t, axes)

    def vjp_a(g, a, axes):
        return _rt.transpose_vjp(g, axes)


@defrule(np.swapaxes, diff="a", tags="linear")
class swapaxes:
    def signature(a, axis1, axis2): ...

    def jvp_a(t, a, axis1, axis2):
        return np.swapaxes(t, axis1, axis2)

    def vjp_a(g, a, axis1, axis2):
        return np.swapaxes(g, axis1, axis2)


@defrule(np.moveaxis, diff="a", tags="linear")
class moveaxis:
    def signature(a, source, destination): ...

    def jvp_a(t, a, source, destination):
        return np.moveaxis(t, source, destination)

    def vjp_a(g, a, source, destination):
        return np.moveaxis(g, destination, source)


@defrule(np.linalg.solve, diff="a b")
class solve:
    # out = a⁻¹ b: d out = a⁻¹ (db - da out);  b̄ = a⁻ᵀ ḡ,  ā = -b̄ outᵀ.
    # A 1-d b is one vector even against a stack of matrices (NumPy 2): as a column
    # (``_rt.vector_as_column``) it multiplies and solves like a matrix.
    def signature(a, b): ...

    def jvp_a(t, a, b, out):
        x = np.linalg.solve(a, t @ _rt.vector_as_column(out, b))
        return -_rt.column_as_vector(x, b)

    def jvp_b(t, a, b):
        return np.linalg.solve(a, t)

    def vjp_a(g, a, b, out):
        gb = np.linalg.solve(np.swapaxes(a, -1, -2), _rt.vector_as_column(g, b))
        return -_rt.matmul_vjp_x(gb, a, _rt.vector_as_column(out, b))

    def vjp_b(g, a, b):
        gb = np.linalg.solve(np.swapaxes(a, -1, -2), _rt.vector_as_column(g, b))
        return _rt.unbroadcast(_rt.column_as_vector(gb, b), b)


@defrule(np.linalg.inv, diff="a")
class inv:
    # d inv = -inv da inv
    def signature(a): ...

    def jvp_a(t, a, out):
        return -(out @ t @ out)

    def vjp_a(g, a, out):
        return -(np.swapaxes(out, -1, -2) @ g @ np.swapaxes(out, -1, -2))


@defrule(np.linalg.det, diff="a")
class det:
    # d det = det tr(a⁻¹ da)
    def signature(a): ...

    def jvp_a(t, a, out):
        return out * np.trace(np.linalg.solve(a, t), axis1=-2, axis2=-1)

    def vjp_a(g, a, out):
        return np.asarray(g * out)[..., None, None] * np.swapaxes(np.linalg.inv(a), -1, -2)


@defrule(np.linalg.slogdet, diff="a", tags="container")
class slogdet:
    # out = (sign, log|det|): d log|det| = tr(a⁻¹ da); the sign is locally constant.
    # Tangent and cotangent are pairs too (the sign's part is zero / ignored).
    def signature(a): ...

    def jvp_a(t, a, out):
        return (np.zeros_like(out[0]), np.trace(np.linalg.solve(a, t), axis1=-2, axis2=-1))

    def vjp_a(g, a):
        return np.asarray(g[1])[..., None, None] * np.swapaxes(np.linalg.inv(a), -1, -2)


@defrule(np.trace, diff="a", tags="linear")
class trace:
    def signature(a, offset=0, axis1=0, axis2=1): ...

    def jvp_a(t, a, offset, axis1, axis2):
        return np.trace(t, offset, axis1, axis2)

    def vjp_a(g, a, offset, axis1, axis2):
        return _rt.trace_vjp(g, a, offset, axis1, axis2)


# --------------------------------------------------------------------------- shapes


@defrule(np.reshape, diff="a", tags="linear")
class reshape:
    def signature(a, shape): ...

    def jvp_a(t, a, shape):
        return np.reshape(t, shape)

    def vjp_a(g, a):
        return _rt.reshape_like(g, a)


@defrule(np.ravel, diff="a", tags="linear")
class ravel:
    def signature(a): ...

    def jvp_a(t, a):
        return np.ravel(t)

    def vjp_a(g, a):
        return _rt.reshape_like(g, a)


@defrule(np.squeeze, diff="a", tags="linear")
class squeeze:
    def signature(a, axis=None): ...

    def jvp_a(t, a, axis):
        return np.squeeze(t, axis)

    def vjp_a(g, a):
        return _rt.reshape_like(g, a)


@defrule(np.expand_dims, diff="a", tags="linear")
class expand_dims:
    def signature(a, axis): ...

    def jvp_a(t, a, axis):
        return np.expand_dims(t, axis)

    def vjp_a(g, a):
        return _rt.reshape_like(g, a)


@defrule(np.copy, diff="a", tags="linear")
class copy:
    def signature(a): ...

    def jvp_a(t, a):
        return np.copy(t)

    def vjp_a(g, a):
        return g


@defrule(np.flip, diff="m", tags="linear")
class flip:
    def signature(m, axis=None): ...

    def jvp_m(t, m, axis):
        return np.flip(t, axis)

    def vjp_m(g, m, axis):
        return np.flip(g, axis)


@defrule(np.broadcast_to, diff="array", tags="linear")
class broadcast_to:
    def signature(array, shape): ...

    def jvp_array(t, array, shape):
        return np.broadcast_to(t, shape)

    def vjp_array(g, array):
        return _rt.unbroadcast(g, array)


# The joining functions take a list of arrays: the tangent is the list of tangents, the
# cotangent a list (or tuple, as given) of cotangents.


@defrule(np.concatenate, diff="arrays", tags="linear")
class concatenate:
    def signature(arrays, axis=0): ...

    def jvp_arrays(t, arrays, axis):
        return np.concatenate(t, axis=axis)

    def vjp_arrays(g, arrays, axis):
        return _rt.split_like(g, arrays, axis)


@defrule(np.stack, diff="arrays", tags="linear")
class stack:
    def signature(arrays, axis=0): ...

    def jvp_arrays(t, arrays, axis):
        return np.stack(t, axis=axis)

    def vjp_arrays(g, arrays, axis):
        return _rt.unstack_like(g, arrays, axis)


@defrule(np.hstack, diff="tup", tags="linear")
class hstack:
    def signature(tup): ...

    def jvp_tup(t, tup):
        return np.hstack(t)

    def vjp_tup(g, tup):
        return _rt.hstack_vjp(g, tup)


@defrule(np.vstack, diff="tup", tags="linear")
class vstack:
    def signature(tup): ...

    def jvp_tup(t, tup):
        return np.vstack(t)

    def vjp_tup(g, tup):
        return _rt.vstack_vjp(g, tup)


@defrule(np.tile, diff="A", tags="linear")
class tile:
    def signature(A, reps): ...

    def jvp_A(t, A, reps):
        return np.tile(t, reps)

    def vjp_A(g, A, reps):
        return _rt.tile_vjp(g, A, reps)


# ``np.array`` / ``np.asarray`` of a (nested) list of differentiable values: the cotangent is
# cut back into the list's structure.


@defrule(np.asarray, diff="a", tags="linear")
class asarray:
    def signature(a, dtype=None): ...

    def jvp_a(t, a, dtype):
        return np.asarray(t, dtype)

    def vjp_a(g, a):
        return _rt.array_vjp(g, a)


@defrule(np.array, diff="object", tags="linear")
class array:
    def signature(object, dtype=None): ...

    def jvp_object(t, object, dtype):
        return np.array(t, dtype)

    def vjp_object(g, object):
        return _rt.array_vjp(g, object)


# Complex parts. JAX's convention (rules/linalg.py): the cotangent of z = x + iy is
# dL/dx - i dL/dy; a linear map z -> A z + B conj(z) has the transpose g -> A g + conj(B g).
# A real value's cotangent may carry a meaningless imaginary part (a real x times a complex
# constant): maps from complex to real read Re(g) only.


@defrule(np.real, diff="val", tags="linear")
class real:
    # Re z = (z + conj z) / 2: the cotangent is Re(g) (g itself when g is real)
    def signature(val): ...

    def jvp_val(t, val):
        return np.real(t)

    def vjp_val(g, val):
        return np.real(g)


@defrule(np.imag, diff="val", tags="linear")
class imag:
    # Im z = (z - conj z) / 2i: the cotangent is -i Re(g); a real input's imag is constant 0
    def signature(val): ...

    def jvp_val(t, val):
        return np.imag(t)

    def vjp_val(g, val):
        return _rt.complex_only(-1j * np.real(g), val)


@defrule(np.conj, diff="x", tags="linear")
class conj:
    # conj z: A = 0, B = 1, so the cotangent is conj(g) (np.conj is np.conjugate)
    def signature(x): ...

    def jvp_x(t, x):
        return np.conj(t)

    def vjp_x(g, x):
        return np.conj(g)


@defrule(np.angle, diff="z")
class angle:
    # angle z = Im log z: d angle = Im(dz / z), cotangent -i Re(g) / z (times 180/pi when
    # deg); a real input's angle (0 or pi) is locally constant
    def signature(z, deg=False): ...

    def jvp_z(t, z, deg):
        return _rt.angle_jvp(t, z, deg)

    def vjp_z(g, z, deg):
        return _rt.angle_vjp(g, z, deg)


# --------------------------------------------------------------------------- no derivative
# constructors, shapes, rounding, comparisons, predicates, integer results

for _f in (np.zeros, np.ones, np.zeros_like, np.ones_like, np.full, np.full_like, np.empty,
           np.empty_like, np.arange, np.linspace, np.eye, np.identity, np.shape, np.ndim,
           np.size, np.floor, np.ceil, np.round, np.around, np.rint, np.trunc, np.fix,
           np.argmax, np.argmin, np.argsort, np.nonzero, np.count_nonzero, np.isnan, np.isinf,
           np.isfinite, np.signbit, np.any, np.all, np.logical_and, np.logical_or,
           np.logical_not, np.logical_xor, np.isclose, np.allclose, np.floor_divide,
           np.greater, np.less, np.equal, np.greater_equal, np.less_equal, np.not_equal,
           np.heaviside):
    nondiff(_f)


# --------------------------------------------------------------------------- batching
batching("elementwise", "np.where", "np.clip", "np.equal", "np.not_equal", "np.greater",
         "np.greater_equal", "np.less", "np.less_equal", "np.sign", "np.signbit", "np.floor",
         "np.ceil", "np.trunc", "np.rint", "np.round", "np.around", "np.fix", "np.isnan",
         "np.isinf", "np.isfinite", "np.logical_and", "np.logical_or", "np.logical_xor",
         "np.logical_not", "np.heaviside", "np.floor_divide")
batching("same_shapes", "np.zeros_like", "np.ones_like", "np.full_like", "np.empty_like",
         "np.copy", "np.asarray", "np.real", "np.imag", "np.conjugate", "np.angle")
batching("elementwise", "np.absolute")
batching("reduction", "np.sum", "np.mean", "np.max", "np.min", "np.prod", "np.std", "np.var",
         "np.all", "np.any", "np.count_nonzero")
batching("axis_required", "np.cumsum", "np.argmax", "np.argmin", "np.argsort")
batching("axes", "np.swapaxes", params=("axis1", "axis2"))
batching("axes", "np.moveaxis", params=("source", "destination"))
batching("axes", "np.expand_dims", params=("axis",))
batching("axes", "np.trace", params=("axis1", "axis2"))
batching("default_axes", "np.squeeze", params=("axis",), helper="_rt.batch_squeeze_axes")
batching("default_axes", "np.flip", params=("axis",), helper="_rt.batch_axes")
batching("default_axes", "np.transpose", params=("axes",), helper="_rt.batch_transpose_axes")
batching("reshape", "np.reshape", "np.ravel")
batching("leading", "np.linalg.det", "np.linalg.inv")  # NumPy's linalg stacks matrices
batching("sequence", "np.concatenate", "np.stack")
batching("sequence", "np.hstack", helper="_rt.vhstack")
batching("sequence", "np.vstack", helper="_rt.vvstack")
# twins of runtime/batching_numpy.py: shape queries are the same in every lane ("none"),
# np.array/asarray stack a list of lanes, products and solves align their operands' lanes
batching("statuses", "np.shape", params=("none",), helper="_rt.vshape")
batching("statuses", "np.ndim", params=("none",), helper="_rt.vndim")
batching("statuses", "np.size", params=("none",), helper="_rt.vsize")
batching("statuses", "np.array", params=("array",), helper="_rt.varray")
batching("statuses", "np.asarray", params=("array",), helper="_rt.vasarray")
batching("statuses", "np.einsum", params=("array",), helper="_rt.veinsum")
batching("twin", "np.dot", params=("a", "b"), helper="_rt.vdot")
batching("twin", "np.outer", params=("a", "b"), helper="_rt.vouter")
batching("twin", "np.linalg.solve", params=("a", "b"), helper="_rt.vsolve")
batching("twin", "np.linalg.norm", params=("x",), helper="_rt.vnorm")
batching("twin", "np.broadcast_to", params=("array",), helper="_rt.vbroadcast_to")


# --------------------------------------------------------------------------- shared memory
views("reshape", "np.reshape", "np.ravel", "np.squeeze", "np.expand_dims", "np.asarray",
      "np.array")
views("self", "np.swapaxes", "np.flip")
views("transpose", "np.transpose")
views("moveaxis", "np.moveaxis")
views("opaque", "np.real", "np.imag", "np.broadcast_to")
views("aliases", "np.einsum")
