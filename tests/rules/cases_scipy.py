"""Rule-table cases of the SciPy rules (merged into ``rule_cases``): same format as there.

SciPy is optional: without it the rules are not registered and these tables stay empty.
"""

import numpy as np
from rule_cases import away, divisor, exponent, gen, pos, rng, spd, unit, well  # noqa: F401

UNARY: dict = {}
BINARY: dict = {}
CASES: dict = {}

try:
    import scipy  # noqa: F401
except ImportError:  # pragma: no cover - SciPy is in the test extra
    scipy = None


def prob(*shape):
    return rng.uniform(0.1, 0.9, size=shape)


def _factor(n, lower):
    """A Cholesky factor as ``cho_factor`` gives it: the other triangle holds other numbers."""
    ell = np.linalg.cholesky(spd(n))
    c = ell if lower else ell.T
    return c + (np.triu(gen(n, n), 1) if lower else np.tril(gen(n, n), -1))


def _triangular_cases():
    a = well(3)
    return [((a, gen(3)), {}), ((a, gen(3, 2)), {"lower": True}),
            ((a, gen(3, 2)), {"trans": 1}), ((a, gen(3)), {"trans": "T", "lower": True}),
            ((a, gen(3, 2)), {"unit_diagonal": True}),
            ((a, gen(3)), {"lower": True, "unit_diagonal": True, "trans": 1})]


def _density_cases(*first):
    """Calls of a location-scale density ``f(x, *first, loc, scale)`` (arrays positional:
    batching a keyword argument is not supported, ``transforms/batching.py``)."""
    return [((gen(4),) + tuple(d(4) for d in first) + (gen(4), pos(4)), {}),
            ((gen(3, 4),) + tuple(d(4) for d in first) + (gen(4), pos(3, 1)), {}),
            ((gen(3),) + tuple(d(3) for d in first), {}),
            ((gen(2, 3),) + tuple(float(d()) for d in first), {"loc": 0.5, "scale": 1.5})]


def _matrix_option_cases():
    return [((gen(3, 3), "pos", True), {}), ((gen(3, 3), "sym"), {}),
            ((gen(3, 3), "gen"), {}), ((gen(2, 3, 3), None), {}),
            ((gen(3, 3), "diagonal"), {}), ((gen(3, 3), "tridiagonal"), {}),
            ((gen(3, 3), "upper triangular"), {}), ((gen(3, 3), "lower triangular"), {})]


def _df(*shape):
    return 2.0 + pos(*shape)


if scipy is not None:
    UNARY.update({
        "scipy.special.expit": gen, "scipy.special.logit": prob, "scipy.special.erf": gen,
        "scipy.special.erfc": gen, "scipy.special.gammaln": pos, "scipy.special.gamma": pos,
        "scipy.special.digamma": pos,
    })
    BINARY.update({
        "scipy.special.xlogy": (gen, pos), "scipy.special.xlog1py": (gen, pos),
        "scipy.special.beta": (pos, pos), "scipy.special.betaln": (pos, pos),
    })
    _polygamma = [((1, pos(4)), {}), ((0, pos(3, 2)), {}), ((2, pos(3)), {})]
    _softmax = [((gen(5),), {}), ((gen(3, 4),), {"axis": 1}), ((gen(3, 4),), {}),
                ((gen(2, 3, 4),), {"axis": (0, 2)})]
    CASES.update({
        "scipy.special.polygamma": _polygamma,
        "_rt.polygamma": _polygamma,
        "scipy.special.logsumexp": [
            ((gen(3, 4),), {}), ((gen(3, 4),), {"axis": 1}),
            ((gen(3, 4),), {"axis": 0, "keepdims": True}), ((gen(2, 3, 4),), {"axis": (0, 2)}),
            ((gen(3, 4), None, pos(3, 4)), {}), ((gen(3, 4), 1, pos(4)), {}),
            ((gen(5), None, pos(5)), {"keepdims": True})],
        "scipy.special.softmax": _softmax,
        "scipy.special.log_softmax": _softmax,
        "scipy.stats.norm.logpdf": _density_cases(),
        "scipy.stats.norm.pdf": _density_cases(),
        "scipy.stats.norm.cdf": _density_cases(),
        "scipy.stats.norm.logcdf": _density_cases() + [((np.array([-9.0, -4.0, 3.0]),), {})],
        "scipy.stats.t.logpdf": _density_cases(_df),
        "scipy.stats.t.pdf": _density_cases(_df),
        "scipy.stats.multivariate_normal.logpdf": [
            ((gen(3), gen(3), spd(3)), {}), ((gen(5, 3), gen(3), spd(3)), {}),
            ((gen(4, 2), gen(2), spd(2)), {})],
        "scipy.linalg.solve": [
            ((well(3), gen(3)), {}), ((well(3), gen(3, 2)), {}),
            ((spd(3), gen(3, 2)), {"assume_a": "pos"}),
            ((spd(3), gen(3)), {"assume_a": "sym", "lower": True}),
            ((well(3), gen(3, 2)), {"transposed": True})],
        "scipy.linalg.solve_triangular": _triangular_cases(),
        "_rt.solve_triangular": _triangular_cases(),
        "scipy.linalg.cholesky": [((spd(3),), {}), ((spd(3),), {"lower": True}),
                                  ((spd(1),), {})],
        "scipy.linalg.cho_factor": [((spd(3),), {}), ((spd(3),), {"lower": True}),
                                    ((spd(1),), {"lower": False})],
        "scipy.linalg.cho_solve": [(((_factor(3, True), True), gen(3)), {}),
                                   (((_factor(3, False), False), gen(3, 2)), {})],
        "_rt.tri_part": [((gen(3, 3), True), {}), ((gen(3, 4), False, -1), {}),
                         ((gen(2, 3, 3), True, -1), {})],
        "_rt.transpose_if": [((gen(3, 2), True), {}), ((gen(3, 2), 0), {}),
                             ((gen(2, 3, 3), "T"), {})],
        "_rt.assumed_matrix": _matrix_option_cases(),
        "_rt.assumed_matrix_vjp": _matrix_option_cases(),
    })
