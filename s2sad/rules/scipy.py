"""Rules of SciPy functions: ``scipy.special``, ``scipy.stats`` densities, ``scipy.linalg``
solvers and factorizations (``cho_factor``'s result goes to ``cho_solve`` as is). Loaded only
where SciPy is installed (``registry``).

Same conventions as ``rules/numpy.py``. Rules are named where the objects live
(``scipy.special.expit``, ``scipy.stats.norm.logpdf``), which is what generated code
prints and imports. Templates call NumPy and ``_rt`` helpers only; the helpers that need
SciPy are in ``runtime/special.py`` with their rules at the end of this file.

Distributions are bound methods of one instance (``scipy.stats.norm``): the registry finds
them by (instance, function), so ``norm.logpdf`` read anew each time has its rule.
"""

import numpy as np
from scipy import linalg, special, stats

from s2sad import runtime as _rt
from s2sad.runtime import batching as _batching

from .registry import all_rules, batching, defrule, elementwise, nondiff

# --------------------------------------------------------------------------- scipy.special


@elementwise(special.expit)
def expit(x, out):
    return out * (1.0 - out)  # d expit = expit (1 - expit)


@elementwise(special.logit, tags="singular")
def logit(x, out):
    return 1.0 / (x * (1.0 - x))


@elementwise(special.erf)
def erf(x, out):
    return 1.1283791670955126 * np.exp(-x * x)  # 2 / sqrt(pi) e^(-x²)


@elementwise(special.erfc)
def erfc(x, out):
    return -1.1283791670955126 * np.exp(-x * x)


@elementwise(special.gammaln, tags="singular")
def gammaln(x, out):
    return _rt.polygamma(0, x)  # d log|Γ| = ψ


@elementwise(special.gamma, tags="singular")
def gamma(x, out):
    return out * _rt.polygamma(0, x)  # d Γ = Γ ψ


@elementwise(special.digamma, name="scipy.special.digamma", tags="singular")
def digamma(x, out):
    return _rt.polygamma(1, x)  # d ψ = ψ'


@elementwise(special.polygamma)
@elementwise(_rt.polygamma, name="_rt.polygamma")
class polygamma:
    def x(n, x, out):
        return _rt.polygamma(n + 1, x)  # d ψ⁽ⁿ⁾ = ψ⁽ⁿ⁺¹⁾


@elementwise(special.betaln)
class betaln:
    # log B(a, b) = log Γ(a) + log Γ(b) - log Γ(a + b)
    def a(a, b, out):
        return _rt.polygamma(0, a) - _rt.polygamma(0, a + b)

    def b(a, b, out):
        return _rt.polygamma(0, b) - _rt.polygamma(0, a + b)


@elementwise(special.beta)
class beta:
    # d B = B d log B
    def a(a, b, out):
        return out * (_rt.polygamma(0, a) - _rt.polygamma(0, a + b))

    def b(a, b, out):
        return out * (_rt.polygamma(0, b) - _rt.polygamma(0, a + b))


@elementwise(special.xlogy, tags="singular")
class xlogy:
    # x log y (0 where x = 0)
    def x(x, y, out):
        return np.log(y)

    def y(x, y, out):
        return x / y


@elementwise(special.xlog1py, tags="singular")
class xlog1py:
    # x log(1 + y)
    def x(x, y, out):
        return np.log1p(y)

    def y(x, y, out):
        return x / (1.0 + y)


@defrule(special.logsumexp, diff="a b")
class logsumexp:
    # out = log Σ b e^a: d out = Σ w da + Σ e^(a - out) db, w = b e^(a - out) (softmax
    # weights). ``b`` broadcasts to the shape of ``a``; its default 1 stands for None.
    refused = {"return_sign": "the sign output of logsumexp has no derivative"}

    def signature(a, axis=None, b=1.0, keepdims=False, return_sign=False): ...

    def jvp_a(t, a, axis, b, keepdims, out):
        w = b * np.exp(a - _rt.sum_vjp(out, a, axis, keepdims))
        return np.sum(w * t, axis=axis, keepdims=keepdims)

    def jvp_b(t, a, axis, keepdims, out):
        e = np.exp(a - _rt.sum_vjp(out, a, axis, keepdims))
        return np.sum(e * t, axis=axis, keepdims=keepdims)

    def vjp_a(g, a, axis, b, keepdims, out):
        w = b * np.exp(a - _rt.sum_vjp(out, a, axis, keepdims))
        return _rt.sum_vjp(g, a, axis, keepdims) * w

    def vjp_b(g, a, axis, b, keepdims, out):
        e = np.exp(a - _rt.sum_vjp(out, a, axis, keepdims))
        return _rt.unbroadcast(_rt.sum_vjp(g, a, axis, keepdims) * e, b)


@defrule(special.softmax, diff="x")
class softmax:
    # d s = s (dx - Σ s dx): a symmetric Jacobian, so the reverse rule is the same map
    def signature(x, axis=None): ...

    def jvp_x(t, axis, out):
        return out * (t - np.sum(out * t, axis=axis, keepdims=True))

    def vjp_x(g, axis, out):
        return out * (g - np.sum(out * g, axis=axis, keepdims=True))


@defrule(special.log_softmax, diff="x")
class log_softmax:
    # d out = dx - Σ softmax dx, softmax = e^out
    def signature(x, axis=None): ...

    def jvp_x(t, axis, out):
        return t - np.sum(np.exp(out) * t, axis=axis, keepdims=True)

    def vjp_x(g, axis, out):
        return g - np.exp(out) * np.sum(g, axis=axis, keepdims=True)


# --------------------------------------------------------------------------- scipy.stats
# Densities are elementwise in (x, parameters); z = (x - loc) / scale.


@elementwise(stats.norm.logpdf, name="scipy.stats.norm.logpdf")
class norm_logpdf:
    # -z²/2 - log scale - log(2π)/2
    def signature(x, loc=0.0, scale=1.0): ...

    def x(x, loc, scale, out):
        return (loc - x) / (scale * scale)

    def loc(x, loc, scale, out):
        return (x - loc) / (scale * scale)

    def scale(x, loc, scale, out):
        return ((x - loc) * (x - loc) / (scale * scale) - 1.0) / scale


@elementwise(stats.norm.pdf, name="scipy.stats.norm.pdf")
class norm_pdf:
    # d pdf = pdf d logpdf
    def signature(x, loc=0.0, scale=1.0): ...

    def x(x, loc, scale, out):
        return out * (loc - x) / (scale * scale)

    def loc(x, loc, scale, out):
        return out * (x - loc) / (scale * scale)

    def scale(x, loc, scale, out):
        return out * ((x - loc) * (x - loc) / (scale * scale) - 1.0) / scale


@elementwise(stats.norm.cdf, name="scipy.stats.norm.cdf")
class norm_cdf:
    # d Φ(z) = φ(z) dz, dz = (dx - dloc - z dscale) / scale
    def signature(x, loc=0.0, scale=1.0): ...

    def x(x, loc, scale, out):
        z = (x - loc) / scale
        return 0.3989422804014327 * np.exp(-0.5 * z * z) / scale  # 1 / sqrt(2π)

    def loc(x, loc, scale, out):
        z = (x - loc) / scale
        return -0.3989422804014327 * np.exp(-0.5 * z * z) / scale

    def scale(x, loc, scale, out):
        z = (x - loc) / scale
        return -0.3989422804014327 * np.exp(-0.5 * z * z) * z / scale


@elementwise(stats.norm.logcdf, name="scipy.stats.norm.logcdf")
class norm_logcdf:
    # d log Φ(z) = φ(z) / Φ(z) dz = e^(log φ(z) - out) dz: stable far in the left tail
    def signature(x, loc=0.0, scale=1.0): ...

    def x(x, loc, scale, out):
        z = (x - loc) / scale
        return np.exp(-0.5 * z * z - 0.9189385332046727 - out) / scale  # log sqrt(2π)

    def loc(x, loc, scale, out):
        z = (x - loc) / scale
        return -np.exp(-0.5 * z * z - 0.9189385332046727 - out) / scale

    def scale(x, loc, scale, out):
        z = (x - loc) / scale
        return -np.exp(-0.5 * z * z - 0.9189385332046727 - out) * z / scale


@elementwise(stats.t.logpdf, name="scipy.stats.t.logpdf")
class t_logpdf:
    # log Γ((ν+1)/2) - log Γ(ν/2) - log(νπ)/2 - log σ - (ν+1)/2 log(1 + z²/ν)
    def signature(x, df, loc=0.0, scale=1.0): ...

    def x(x, df, loc, scale, out):
        z = (x - loc) / scale
        return -(df + 1.0) * z / (scale * (df + z * z))

    def df(x, df, loc, scale, out):
        z2 = (x - loc) * (x - loc) / (scale * scale)
        return 0.5 * (_rt.polygamma(0, 0.5 * df + 0.5) - _rt.polygamma(0, 0.5 * df) - 1.0 / df
                      - np.log1p(z2 / df) + (df + 1.0) * z2 / (df * (df + z2)))

    def loc(x, df, loc, scale, out):
        z = (x - loc) / scale
        return (df + 1.0) * z / (scale * (df + z * z))

    def scale(x, df, loc, scale, out):
        z2 = (x - loc) * (x - loc) / (scale * scale)
        return ((df + 1.0) * z2 / (df + z2) - 1.0) / scale


@elementwise(stats.t.pdf, name="scipy.stats.t.pdf")
class t_pdf:
    # d pdf = pdf d logpdf
    def signature(x, df, loc=0.0, scale=1.0): ...

    def x(x, df, loc, scale, out):
        z = (x - loc) / scale
        return -out * (df + 1.0) * z / (scale * (df + z * z))

    def df(x, df, loc, scale, out):
        z2 = (x - loc) * (x - loc) / (scale * scale)
        return 0.5 * out * (_rt.polygamma(0, 0.5 * df + 0.5) - _rt.polygamma(0, 0.5 * df)
                            - 1.0 / df - np.log1p(z2 / df) + (df + 1.0) * z2 / (df * (df + z2)))

    def loc(x, df, loc, scale, out):
        z = (x - loc) / scale
        return out * (df + 1.0) * z / (scale * (df + z * z))

    def scale(x, df, loc, scale, out):
        z2 = (x - loc) * (x - loc) / (scale * scale)
        return out * ((df + 1.0) * z2 / (df + z2) - 1.0) / scale


@defrule(stats.multivariate_normal.logpdf, name="scipy.stats.multivariate_normal.logpdf",
         diff="x mean cov")
class multivariate_normal_logpdf:
    # out = -(d log 2π + log|Σ| + rᵀ Σ⁻¹ r) / 2 per row r = x - mean (x of shape (d,) or
    # (n, d)); with s = Σ⁻¹ r: d/dx = -s, d/dmean = s, d/dΣ = (s sᵀ - Σ⁻¹) / 2. Σ is read
    # from its lower triangle, as SciPy's eigh reads it; cov must be a matrix.
    def signature(x, mean=0.0, cov=1.0, allow_singular=False): ...

    def jvp_x(t, x, mean, cov):
        s = (x - mean) @ np.linalg.inv(_rt.assumed_matrix(cov, "pos", True))
        return -np.sum(s * t, axis=-1)

    def jvp_mean(t, x, mean, cov):
        s = (x - mean) @ np.linalg.inv(_rt.assumed_matrix(cov, "pos", True))
        return np.sum(s * t, axis=-1)

    def jvp_cov(t, x, mean, cov):
        ci = np.linalg.inv(_rt.assumed_matrix(cov, "pos", True))
        s = (x - mean) @ ci
        dc = _rt.assumed_matrix(t, "pos", True)
        return 0.5 * (np.sum((s @ dc) * s, axis=-1) - np.trace(ci @ dc))

    def vjp_x(g, x, mean, cov):
        s = (x - mean) @ np.linalg.inv(_rt.assumed_matrix(cov, "pos", True))
        return -np.expand_dims(g, -1) * s

    def vjp_mean(g, x, mean, cov):
        s = (x - mean) @ np.linalg.inv(_rt.assumed_matrix(cov, "pos", True))
        return _rt.unbroadcast(np.expand_dims(g, -1) * s, mean)

    def vjp_cov(g, x, mean, cov):
        ci = np.linalg.inv(_rt.assumed_matrix(cov, "pos", True))
        s = (x - mean) @ ci
        ssg = _rt.matmul_vjp_y(s, np.expand_dims(g, -1) * s, cov)  # Σₙ gₙ sₙ sₙᵀ
        return _rt.assumed_matrix_vjp(0.5 * (ssg - np.sum(g) * ci), "pos", True)


# --------------------------------------------------------------------------- scipy.linalg


@defrule(linalg.solve, diff="a b")
class solve:
    # out = A⁻¹ b, A = op(the matrix of a that assume_a reads), op = transposed or not:
    # d out = A⁻¹ (db - dA out);  b̄ = A⁻ᵀ ḡ,  Ā = -b̄ outᵀ
    def signature(a, b, lower=False, overwrite_a=False, overwrite_b=False, check_finite=True,
                  assume_a="gen", transposed=False): ...

    def jvp_a(t, a, lower, assume_a, transposed, out):
        m = _rt.transpose_if(_rt.assumed_matrix(a, assume_a, lower), transposed)
        dm = _rt.transpose_if(_rt.assumed_matrix(t, assume_a, lower), transposed)
        return -np.linalg.solve(m, dm @ out)

    def jvp_b(t, a, lower, assume_a, transposed):
        m = _rt.transpose_if(_rt.assumed_matrix(a, assume_a, lower), transposed)
        return np.linalg.solve(m, t)

    def vjp_a(g, a, lower, assume_a, transposed, out):
        m = _rt.transpose_if(_rt.assumed_matrix(a, assume_a, lower), transposed)
        gm = -_rt.matmul_vjp_x(np.linalg.solve(np.swapaxes(m, -1, -2), g), m, out)
        return _rt.assumed_matrix_vjp(_rt.transpose_if(gm, transposed), assume_a, lower)

    def vjp_b(g, a, lower, assume_a, transposed):
        m = _rt.transpose_if(_rt.assumed_matrix(a, assume_a, lower), transposed)
        return np.linalg.solve(np.swapaxes(m, -1, -2), g)


@defrule(linalg.solve_triangular, diff="a b")
@defrule(_rt.solve_triangular, name="_rt.solve_triangular", diff="a b")
class solve_triangular:
    # out = op(T)⁻¹ b, T the triangle of a that is read (strict, its diagonal taken as 1,
    # with unit_diagonal), op(T) = T or Tᵀ (trans): d out = -op(T)⁻¹ op(dT) out + op(T)⁻¹ db;
    # b̄ = op(T)⁻ᵀ ḡ, op(T)‾ = -b̄ outᵀ
    def signature(a, b, trans=0, lower=False, unit_diagonal=False, overwrite_b=False,
                  check_finite=True): ...

    def jvp_a(t, a, trans, lower, unit_diagonal, out):
        dt = _rt.transpose_if(_rt.tri_part(t, lower, 0 - unit_diagonal), trans)
        return -_rt.solve_triangular(a, dt @ out, trans, lower, unit_diagonal)

    def jvp_b(t, a, trans, lower, unit_diagonal):
        return _rt.solve_triangular(a, t, trans, lower, unit_diagonal)

    def vjp_a(g, a, trans, lower, unit_diagonal, out):
        gb = _rt.solve_triangular(a, g, _rt.flip_trans(trans), lower, unit_diagonal)
        gt = _rt.transpose_if(_rt.matmul_vjp_x(gb, a, out), trans)
        return -_rt.tri_part(gt, lower, 0 - unit_diagonal)

    def vjp_b(g, a, trans, lower, unit_diagonal):
        return _rt.solve_triangular(a, g, _rt.flip_trans(trans), lower, unit_diagonal)


@defrule(linalg.cholesky, diff="a")
class cholesky:
    # A = L Lᵀ, read from the triangle ``lower`` names; out = L, or U = Lᵀ (the default).
    # dL = L Φ(L⁻¹ dA L⁻ᵀ), Φ = the lower triangle with its diagonal halved;
    # Ā = sym(L⁻ᵀ Φ(Lᵀ L̄) L⁻¹), then pulled back onto the triangle read
    def signature(a, lower=False, overwrite_a=False, check_finite=True): ...

    def jvp_a(t, lower, out):
        l = _rt.transpose_if(out, not lower)
        y = np.linalg.solve(l, _rt.assumed_matrix(t, "pos", lower))
        x = np.linalg.solve(l, np.swapaxes(y, -1, -2))
        dl = l @ (0.5 * (_rt.tri_part(x, True) + _rt.tri_part(x, True, -1)))
        return _rt.transpose_if(dl, not lower)

    def vjp_a(g, lower, out):
        l = _rt.transpose_if(out, not lower)
        lt = np.swapaxes(l, -1, -2)
        p = lt @ _rt.transpose_if(g, not lower)
        y = np.linalg.solve(lt, 0.5 * (_rt.tri_part(p, True) + _rt.tri_part(p, True, -1)))
        s = np.linalg.solve(lt, np.swapaxes(y, -1, -2))
        return _rt.assumed_matrix_vjp(0.5 * (s + np.swapaxes(s, -1, -2)), "pos", lower)


@defrule(linalg.cho_factor, diff="a", tags="container")
class cho_factor:
    # out = (c, lower): c holds the factor (L, or U = Lᵀ) in the triangle ``lower`` names and
    # a's own entries in the other (LAPACK leaves them), so dc = the Cholesky tangent there
    # (as ``cholesky``: dL = L Φ(L⁻¹ dA L⁻ᵀ), A read from that triangle) plus dA's entries in
    # the other, strict triangle; the flag has none. Transpose: the Cholesky cotangent of c̄'s
    # factor triangle plus c̄'s other strict triangle.
    def signature(a, lower=False, overwrite_a=False, check_finite=True): ...

    def jvp_a(t, lower, out):
        l = _rt.transpose_if(_rt.tri_part(out[0], lower), not lower)
        y = np.linalg.solve(l, _rt.assumed_matrix(t, "pos", lower))
        x = np.linalg.solve(l, np.swapaxes(y, -1, -2))
        dl = l @ (0.5 * (_rt.tri_part(x, True) + _rt.tri_part(x, True, -1)))
        return (_rt.transpose_if(dl, not lower) + _rt.tri_part(t, not lower, -1), 0.0)

    def vjp_a(g, lower, out):
        l = _rt.transpose_if(_rt.tri_part(out[0], lower), not lower)
        lt = np.swapaxes(l, -1, -2)
        p = lt @ _rt.transpose_if(_rt.tri_part(g[0], lower), not lower)
        y = np.linalg.solve(lt, 0.5 * (_rt.tri_part(p, True) + _rt.tri_part(p, True, -1)))
        s = np.linalg.solve(lt, np.swapaxes(y, -1, -2))
        return (_rt.assumed_matrix_vjp(0.5 * (s + np.swapaxes(s, -1, -2)), "pos", lower)
                + _rt.tri_part(g[0], not lower, -1))


@defrule(linalg.cho_solve, diff="c_and_lower b")
class cho_solve:
    # out = A⁻¹ b, A = L Lᵀ from the factor's triangle (c, lower) (upper: U = Lᵀ);
    # d out = A⁻¹ (db - dA out), dA = dL Lᵀ + L dLᵀ;  b̄ = A⁻¹ ḡ, Ā = -b̄ outᵀ,
    # L̄ = (Ā + Āᵀ) L. The cotangent of (c, lower) is (c̄, None).
    def signature(c_and_lower, b, overwrite_b=False, check_finite=True): ...

    def jvp_c_and_lower(t, c_and_lower, out):
        lower = c_and_lower[1]
        l = _rt.transpose_if(_rt.tri_part(c_and_lower[0], lower), not lower)
        dl = _rt.transpose_if(_rt.tri_part(t[0], lower), not lower)
        da = dl @ np.swapaxes(l, -1, -2)
        return -np.linalg.solve(l @ np.swapaxes(l, -1, -2), (da + np.swapaxes(da, -1, -2)) @ out)

    def jvp_b(t, c_and_lower):
        lower = c_and_lower[1]
        l = _rt.transpose_if(_rt.tri_part(c_and_lower[0], lower), not lower)
        return np.linalg.solve(l @ np.swapaxes(l, -1, -2), t)

    def vjp_c_and_lower(g, c_and_lower, out):
        lower = c_and_lower[1]
        l = _rt.transpose_if(_rt.tri_part(c_and_lower[0], lower), not lower)
        ga = -_rt.matmul_vjp_x(np.linalg.solve(l @ np.swapaxes(l, -1, -2), g), l, out)
        gl = (ga + np.swapaxes(ga, -1, -2)) @ l
        return (_rt.tri_part(_rt.transpose_if(gl, not lower), lower), None)

    def vjp_b(g, c_and_lower):
        lower = c_and_lower[1]
        l = _rt.transpose_if(_rt.tri_part(c_and_lower[0], lower), not lower)
        return np.linalg.solve(l @ np.swapaxes(l, -1, -2), g)


# --------------------------------------------------------------------------- runtime helpers
# (runtime/special.py; ``_rt.polygamma`` and ``_rt.solve_triangular`` share the rules above)


@defrule(_rt.tri_part, name="_rt.tri_part", diff="v", tags="linear")
class tri_part:
    # a projection: its own transpose
    def signature(v, lower, k=0): ...

    def jvp_v(t, lower, k):
        return _rt.tri_part(t, lower, k)

    def vjp_v(g, lower, k):
        return _rt.tri_part(g, lower, k)


@defrule(_rt.transpose_if, name="_rt.transpose_if", diff="v", tags="linear")
class transpose_if:
    # a transpose (or the identity): its own transpose
    def signature(v, flag): ...

    def jvp_v(t, flag):
        return _rt.transpose_if(t, flag)

    def vjp_v(g, flag):
        return _rt.transpose_if(g, flag)


@defrule(_rt.assumed_matrix, name="_rt.assumed_matrix", diff="v", tags="linear")
class assumed_matrix:
    def signature(v, assume_a, lower=False): ...

    def jvp_v(t, assume_a, lower):
        return _rt.assumed_matrix(t, assume_a, lower)

    def vjp_v(g, assume_a, lower):
        return _rt.assumed_matrix_vjp(g, assume_a, lower)


@defrule(_rt.assumed_matrix_vjp, name="_rt.assumed_matrix_vjp", diff="v", tags="linear")
class assumed_matrix_vjp:
    def signature(v, assume_a, lower=False): ...

    def jvp_v(t, assume_a, lower):
        return _rt.assumed_matrix_vjp(t, assume_a, lower)

    def vjp_v(g, assume_a, lower):
        return _rt.assumed_matrix(g, assume_a, lower)


nondiff(_rt.flip_trans, name="_rt.flip_trans", signature=lambda trans: None)

# --------------------------------------------------------------------------- batching
# (logsumexp has a twin: its weights ``b`` may be the batched argument)
batching("reduction", "scipy.special.softmax", "scipy.special.log_softmax")
batching("twin", "scipy.special.logsumexp", params=("a", "b"), helper="_rt.vlogsumexp")
batching("leading", "_rt.tri_part", "_rt.transpose_if", "_rt.assumed_matrix",
         "_rt.assumed_matrix_vjp")

# ``_rt.vmap_call`` (one call per lane) finds a primitive by its printed name; its resolver
# (runtime/batching.py ``_resolve``) knows ``np.*`` and ``_rt.*`` only, so the SciPy names
# are put in its table here.
for _rule in all_rules():
    if _rule.name.startswith("scipy."):
        _batching._RESOLVED.setdefault(_rule.name, _rule.obj)
