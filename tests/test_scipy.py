"""SciPy functions in user code: gradients and Hessians through the compiler against central
differences, the names generated code prints and the modules it imports, errors.

Model functions in the style users write them: a Gaussian-process marginal likelihood
(Cholesky, triangular solves, cho_factor/cho_solve), an HMM forward pass (logsumexp), a logistic loss (expit),
normal and Student-t likelihoods in their location and scale.
"""

import math

import numpy as np
import pytest

scipy = pytest.importorskip("scipy")
import scipy.linalg  # noqa: E402
import scipy.special  # noqa: E402
import scipy.stats  # noqa: E402
from fd import assert_tree_allclose, numerical_grad, numerical_hessian  # noqa: E402
from scipy.special import logsumexp  # noqa: E402
from scipy.stats import multivariate_normal, norm  # noqa: E402

import s2sad  # noqa: E402
from s2sad.rules import registry  # noqa: E402

# --------------------------------------------------------------------------- user functions


def _kernel(theta, X):
    """Squared-exponential kernel plus noise; theta = log(lengthscale, signal sd, noise sd)."""
    ell, sf, sn = np.exp(theta[0]), np.exp(theta[1]), np.exp(theta[2])
    d = X[:, None, :] - X[None, :, :]
    n = X.shape[0]
    return sf ** 2 * np.exp(-0.5 * np.sum(d * d, axis=-1) / ell ** 2) + (sn ** 2) * np.eye(n)


def gp_nll(theta, X, y):
    """Negative log marginal likelihood with a lower Cholesky factor."""
    K = _kernel(theta, X)
    L = scipy.linalg.cholesky(K, lower=True)
    alpha = scipy.linalg.solve_triangular(L, y, lower=True)
    n = X.shape[0]
    logdet = 2.0 * np.sum(np.log(np.sum(L * np.eye(n), axis=1)))
    return 0.5 * (alpha @ alpha) + 0.5 * logdet + 0.5 * n * math.log(2 * math.pi)


def gp_nll_upper(theta, X, y):
    """The same with SciPy's default upper factor, a transposed solve and cho_solve."""
    K = _kernel(theta, X)
    U = scipy.linalg.cholesky(K)
    v = scipy.linalg.solve_triangular(U, y, trans="T")
    w = scipy.linalg.cho_solve((U, False), y)
    return 0.25 * (v @ v) + 0.25 * (y @ w) + np.sum(np.log(np.sum(U * np.eye(X.shape[0]), 1)))


def gp_nll_cho_factor(theta, X, y):
    """The same through cho_factor, its result given to cho_solve as is (the factor's other
    triangle holds K's own entries) or unpacked."""
    K = _kernel(theta, X)
    factor = scipy.linalg.cho_factor(K, lower=True)
    alpha = scipy.linalg.cho_solve(factor, y)
    c, lower = scipy.linalg.cho_factor(2.0 * K)
    beta = scipy.linalg.cho_solve((c, lower), y)
    return 0.5 * (y @ alpha) + np.sum(np.log(np.diag(factor[0]))) + 0.1 * np.sum(beta * c[0])


def gp_predict(theta, X, y, Xs):
    """Posterior mean at new points through scipy.linalg.solve (assume_a="pos")."""
    K = _kernel(theta, X)
    ds = Xs[:, None, :] - X[None, :, :]
    Ks = np.exp(2.0 * theta[1]) * np.exp(-0.5 * np.sum(ds * ds, axis=-1) / np.exp(2 * theta[0]))
    return np.sum(Ks @ scipy.linalg.solve(K, y, assume_a="pos") ** 2)


def hmm_loglik(log_pi, log_A, log_B, obs):
    """log p(obs) of an HMM: rows normalized by log_softmax, the forward recursion in logs."""
    trans = scipy.special.log_softmax(log_A, axis=1)
    emit = scipy.special.log_softmax(log_B, axis=1)
    alpha = scipy.special.log_softmax(log_pi) + emit[:, obs[0]]
    for t in range(1, len(obs)):
        alpha = emit[:, obs[t]] + logsumexp(np.expand_dims(alpha, 1) + trans, axis=0)
    return logsumexp(alpha, b=np.full(alpha.shape, 0.5)) + math.log(2.0)


def logistic_loss(w, X, y):
    p = scipy.special.expit(X @ w)
    return -np.mean(y * np.log(p) + (1.0 - y) * np.log(1.0 - p)) + 0.1 * np.sum(w * w)


def softmax_xent(W, X, Y):
    logp = scipy.special.log_softmax(X @ W, axis=1)
    p = scipy.special.softmax(X @ W, axis=1)
    return -np.sum(Y * logp) + np.sum(scipy.special.xlogy(p, p))


def normal_ll(loc, log_scale, data):
    return np.sum(scipy.stats.norm.logpdf(data, loc, np.exp(log_scale)))


def normal_ll_keywords(loc, log_scale, data):
    scale = np.exp(log_scale)
    return np.sum(norm.logpdf(data, loc=loc, scale=scale) + norm.logcdf(data, loc, scale)
                  + norm.cdf(data, loc, scale) * norm.pdf(data, loc=loc, scale=scale))


def student_t_ll(params, data):
    df = np.exp(params[0]) + 1.0
    loc, scale = params[1], np.exp(params[2])
    return np.sum(scipy.stats.t.logpdf(data, df, loc, scale)) + np.sum(
        scipy.stats.t.pdf(data, df, loc=loc, scale=scale))


def negative_binomial_ll(log_r, k):
    r = np.exp(log_r)
    return np.sum(scipy.special.gammaln(k + r) - scipy.special.gammaln(r)
                  + r * np.log(0.5)) + np.sum(scipy.special.digamma(r))


def mvn_ll(mean, chol, X):
    cov = chol @ chol.T + np.eye(chol.shape[0])
    return np.sum(multivariate_normal.logpdf(X, mean, cov)) + multivariate_normal.logpdf(
        X[0], mean=mean, cov=cov)


def lse_with_sign(a):
    return logsumexp(a, return_sign=True)[0]


# --------------------------------------------------------------------------- data

_rng = np.random.default_rng(7)
X_GP = _rng.normal(size=(6, 2))
Y_GP = np.sin(X_GP[:, 0]) + 0.1 * _rng.normal(size=6)
THETA = np.array([0.1, 0.2, -1.0])
OBS = [0, 2, 1, 1, 0, 2]
X_LOG = _rng.normal(size=(8, 3))
Y_LOG = (_rng.uniform(size=8) > 0.5).astype(float)
DATA = _rng.standard_t(4.0, size=12)

CASES = {
    "gp_nll": (gp_nll, (THETA, X_GP, Y_GP), 0),
    "gp_nll_upper": (gp_nll_upper, (THETA, X_GP, Y_GP), 0),
    "gp_nll_cho_factor": (gp_nll_cho_factor, (THETA, X_GP, Y_GP), 0),
    "gp_predict": (gp_predict, (THETA, X_GP, Y_GP, _rng.normal(size=(3, 2))), 0),
    "hmm_loglik": (hmm_loglik, (_rng.normal(size=3), _rng.normal(size=(3, 3)),
                                _rng.normal(size=(3, 3)), OBS), (0, 1, 2)),
    "logistic_loss": (logistic_loss, (_rng.normal(size=3), X_LOG, Y_LOG), 0),
    "softmax_xent": (softmax_xent, (_rng.normal(size=(3, 4)), X_LOG,
                                    np.eye(4)[_rng.integers(0, 4, size=8)]), 0),
    "normal_ll": (normal_ll, (0.3, -0.2, DATA), (0, 1)),
    "normal_ll_keywords": (normal_ll_keywords, (np.array(0.3), np.array(-0.2), DATA), (0, 1)),
    "student_t_ll": (student_t_ll, (np.array([1.2, 0.1, -0.3]), DATA), 0),
    "negative_binomial_ll": (negative_binomial_ll, (np.array([0.4, 1.1]),
                                                    np.array([3.0, 7.0])), 0),
    "mvn_ll": (mvn_ll, (_rng.normal(size=3), np.tril(_rng.normal(size=(3, 3))),
                        _rng.normal(size=(5, 3))), (0, 1)),
}


# --------------------------------------------------------------------------- tests


@pytest.mark.parametrize("name", list(CASES))
def test_gradient_matches_central_differences(name):
    f, args, argnums = CASES[name]
    g = s2sad.grad(f, argnums=argnums)(*args)
    assert_tree_allclose(g, numerical_grad(f, args, argnums), rtol=1e-5, atol=1e-7)


@pytest.mark.parametrize("name", ["gp_nll", "gp_nll_upper", "gp_nll_cho_factor",
                                  "logistic_loss", "student_t_ll", "negative_binomial_ll"])
def test_hessian_matches_differences_of_the_gradient(name):
    f, args, argnums = CASES[name]
    h = s2sad.hessian(f, argnums=argnums)(*args)
    grad_fn = s2sad.grad(f, argnums=argnums)
    expected = numerical_hessian(f, args, argnums, grad_fn=lambda *a: grad_fn(*a))
    np.testing.assert_allclose(h, expected, rtol=1e-5, atol=1e-6)


def normal_ll_packed(p):
    return normal_ll(p[0], p[1], DATA)


def test_hessian_in_location_and_scale():
    h = s2sad.hessian(normal_ll_packed)(np.array([0.3, -0.2]))
    # closed form: d²/dμ² = -n/σ², d²/dμ dlogσ = -2 Σ(x-μ)/σ², d²/dlogσ² = -2 Σ(x-μ)²/σ²
    s2, r = math.exp(-0.4), DATA - 0.3
    expected = np.array([[-DATA.size / s2, -2 * r.sum() / s2],
                         [-2 * r.sum() / s2, -2 * (r @ r) / s2]])
    np.testing.assert_allclose(h, expected, rtol=1e-10)


def test_generated_code_names_scipy_where_it_lives_and_imports_it():
    source = s2sad.grad(logistic_loss).source
    assert "scipy.special.expit(" in source
    assert "import scipy.special" in source
    assert "np.expit" not in source
    stats_source = s2sad.grad(normal_ll, argnums=(0, 1)).source
    assert "scipy.stats.norm.logpdf(" in stats_source and "import scipy.stats" in stats_source
    linalg_source = s2sad.grad(gp_nll).source
    assert "import scipy.linalg" in linalg_source
    assert "scipy.linalg.cholesky(" in linalg_source


def sum_of_squared_sines(x):
    return np.sum(np.sin(x) ** 2)


def test_modules_without_scipy_calls_import_nothing_more():
    assert "import scipy" not in s2sad.grad(sum_of_squared_sines).source


def test_bound_methods_of_distributions_find_their_rule_at_every_read():
    first, second = scipy.stats.norm.logpdf, scipy.stats.norm.logpdf
    assert first is not second
    assert registry.rule_for_object(first) is registry.rule_for_object(second)
    assert registry.rule_for_object(norm.logpdf).name == "scipy.stats.norm.logpdf"
    assert registry.rule_for_object(scipy.stats.t.logpdf).name == "scipy.stats.t.logpdf"
    assert registry.rule_for_object(scipy.stats.norm.logsf) is None  # no rule: not a mix-up


@pytest.mark.parametrize("obj, name", [
    (scipy.special.expit, "scipy.special.expit"), (scipy.special.gammaln,
                                                   "scipy.special.gammaln"),
    (scipy.special.digamma, "scipy.special.digamma"), (scipy.linalg.solve,
                                                       "scipy.linalg.solve"),
    (scipy.linalg.cholesky, "scipy.linalg.cholesky"), (scipy.special.logsumexp,
                                                       "scipy.special.logsumexp"),
])
def test_rules_are_named_where_the_objects_live(obj, name):
    assert registry.rule_for_object(obj).name == name


def test_a_scipy_ufunc_without_rule_is_named_in_scipy():
    assert registry._name_of(scipy.special.i0e, None) == "scipy.special.i0e"


def test_return_sign_is_a_clear_error():
    with pytest.raises(s2sad.DifferentiationError, match="return_sign=True is not "
                                                         "differentiable"):
        s2sad.grad(lse_with_sign)(np.array([0.1, 0.5]))


def test_vmap_call_runs_scipy_primitives_lane_by_lane():
    # the per-lane fallback of batched code finds SciPy primitives by their printed names
    from s2sad import runtime as rt

    registry.find("scipy.linalg.solve_triangular")  # rules loaded
    a = np.stack([np.tril(_rng.normal(size=(3, 3))) + 3 * np.eye(3) for _ in range(4)])
    b = _rng.normal(size=3)
    got = rt.vmap_call("scipy.linalg.solve_triangular", (True, False), a, b, lower=True)
    np.testing.assert_allclose(got, [np.linalg.solve(lane, b) for lane in a], rtol=1e-12)
    lse = rt.vmap_call("scipy.special.logsumexp", (True,), a, axis=0)
    np.testing.assert_allclose(lse, logsumexp(a, axis=1), rtol=1e-12)


def test_scipy_rules_load_only_for_code_that_uses_scipy(tmp_path):
    """A cold build of NumPy code does not import SciPy (``scipy.stats`` alone was most of it);
    code that calls SciPy gets its rules in a fresh process all the same."""
    import subprocess
    import sys
    import textwrap

    (tmp_path / "plain.py").write_text(textwrap.dedent("""
        import numpy as np

        def f(x):
            return np.sum(np.tanh(x) ** 2)
    """))
    (tmp_path / "uses_scipy.py").write_text(textwrap.dedent("""
        import numpy as np
        from scipy.special import expit

        def f(x):
            return np.sum(expit(x))
    """))
    script = textwrap.dedent("""
        import sys
        import numpy as np
        import s2sad
        import plain
        s2sad.grad(plain.f)(np.ones(2))
        assert "scipy" not in sys.modules, "scipy imported for NumPy code"
        import uses_scipy
        g = s2sad.grad(uses_scipy.f)(np.zeros(2))
        assert np.allclose(g, 0.25), g
        print("ok")
    """)
    env = {**__import__("os").environ, "S2SAD_NO_CACHE": "1", "PYTHONPATH": str(tmp_path)}
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                         env=env, timeout=120)
    assert out.returncode == 0 and "ok" in out.stdout, out.stderr
