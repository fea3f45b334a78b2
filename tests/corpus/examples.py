"""Example programs in the style of other AD libraries' published examples and tests.

Plain NumPy user code as it appears in HIPS autograd's ``examples/`` and tests and in
the JAX tutorials: lambdas, nested ``def``s and closures, comprehensions and generator
expressions, statements kept for their side effects (``print``, ``assert``, ``raise``,
``warnings``, ``logging``, ``with``), builtins on static facts, user objects such as a
random generator, SciPy functions and the models those examples are about (RNN, LSTM,
GP, VAE, ICA, HMM, mixtures, black-box VI, advection-diffusion).

``CORPUS`` pairs each function with inputs (fixed seeds) and argnums. Tags:
``"jvp"`` (also checked in forward mode), ``"hessian"`` (Hessian w.r.t. the first
argnum), ``"rng"`` (an argument is a random generator whose draws the function makes:
every evaluation, s2sad's and the oracle's, gets its own copy).
Every function returns a scalar; inputs stay away from kinks and jumps.
"""

import logging
import warnings

import numpy as np
import scipy.linalg
from scipy.special import expit, gammaln, logsumexp
from scipy.stats import norm

from . import case, rng

logger = logging.getLogger(__name__)

# A module-level generator, as in autograd's examples (``npr.RandomState(0)``), passed to
# the objectives that draw from it.
npr = np.random.RandomState(0)

# --------------------------------------------------------------------------- lambdas

# autograd/examples/rosenbrock.py, as a lambda differentiated itself
rosenbrock_lambda = lambda x: 100.0 * (x[1] - x[0] ** 2) ** 2 + (1.0 - x[0]) ** 2  # noqa: E731

# autograd/examples/tanh.py
autograd_tanh = lambda x: np.sum((1.0 - np.exp(-2.0 * x)) / (1.0 + np.exp(-2.0 * x)))  # noqa: E731


def lambda_in_body(x):
    sq = lambda v: v ** 2  # noqa: E731
    soft = lambda v, k=2.0: np.log1p(np.exp(k * v)) / k  # noqa: E731
    return np.sum(sq(np.sin(x)) + 0.5 * sq(x) + soft(x))


def apply(f, x):
    return np.sum(f(x) ** 2)


def lambda_to_helper(x):
    return apply(lambda v: np.tanh(v), x) + apply(lambda v: v * np.cos(v), x[1:])


def make_loss(a):
    return lambda x: np.sum((x - a) ** 2 * np.exp(-0.5 * x ** 2))


def returned_lambda_loss(x, a):
    """The returned lambda closes over ``a``, which is differentiated too."""
    return make_loss(a)(x) + make_loss(2.0 * a)(x[::-1])


def lambda_captures_param(w, X):
    predict = lambda inputs: np.tanh(inputs @ w)  # noqa: E731
    return np.sum(predict(X) ** 2) + np.sum(predict(2.0 * X))


def compose(f, g):
    return lambda v: f(g(v))


def compose_functions(x):
    h = compose(np.sin, lambda v: v ** 2)
    k = compose(h, np.tanh)
    return np.sum(h(x)) + np.sum(k(x) * x)


# --------------------------------------------------------------------------- nested defs, closures


def rnn_closure(W, U, X):
    """autograd/examples/rnn.py style: the step closes over the weights."""
    def step(h, x):
        return np.tanh(W @ h + U @ x)

    h = np.zeros(W.shape[0])
    loss = 0.0
    for x in X:
        h = step(h, x)
        loss = loss + np.sum(h ** 2)
    return loss


def lstm_loss(params, X):
    """autograd/examples/lstm.py style: an LSTM cell as a nested def over time steps."""
    H = params["b"].shape[0] // 4

    def sigmoid(a):
        return 0.5 * (np.tanh(0.5 * a) + 1.0)

    def lstm_cell(h, c, x):
        gates = params["W"] @ np.concatenate([x, h]) + params["b"]
        i, f, o = sigmoid(gates[:H]), sigmoid(gates[H:2 * H]), sigmoid(gates[2 * H:3 * H])
        g = np.tanh(gates[3 * H:])
        c = f * c + i * g
        return o * np.tanh(c), c

    h, c = np.zeros(H), np.zeros(H)
    for t in range(X.shape[0]):
        h, c = lstm_cell(h, c, X[t])
    return np.sum((params["V"] @ h - 0.3) ** 2)


def trapezoid(f, a, b, n):
    h = (b - a) / n
    s = 0.5 * (f(a) + f(b))
    for k in range(1, n):
        s = s + f(a + k * h)
    return s * h


def closure_passed_to_quadrature(w, b):
    def integrand(t):
        return np.sum(np.sin(w * t) ** 2) + b * t ** 2

    return trapezoid(integrand, 0.0, 1.0, 8)


def closure_returned_and_called(x, s):
    def make_scaled(k):
        def scaled(v):
            return k * np.tanh(v * s)
        return scaled

    f2 = make_scaled(2.0)
    fx = make_scaled(x[0])
    return np.sum(f2(x) ** 2) + np.sum(fx(x[1:]))


def nested_helpers(x, W):
    def softplus(a):
        return np.logaddexp(0.0, a)

    def layer(v):
        return softplus(W @ v) - 0.5

    return np.sum(layer(layer(x)) ** 2)


# --------------------------------------------------------------------------- comprehensions


def genexpr_sum(x):
    n = len(x)
    return sum(x[i] ** 2 * (i + 1) for i in range(n)) + sum(np.sin(v) for v in x)


def list_comprehension_array(x):
    prods = np.array([x[i] * x[i + 1] for i in range(len(x) - 1)])
    pos = [v ** 3 for v in x if v > 0.0]
    return np.sum(np.sin(prods)) + sum(pos)


def stack_rows(W, X):
    H = np.stack([np.tanh(W @ r) for r in X])
    return np.sum(H ** 2) / len(X)


def nested_list_comprehension(A):
    n = A.shape[0]
    M = np.array([[A[i, j] * A[j, i] for j in range(n)] for i in range(n)])
    return np.sum(M) + np.sum(np.diag(M) ** 2)


def dict_comprehension_params(params, x):
    scaled = {name: 0.9 * p for name, p in params.items()}
    decay = {k: np.sum(v ** 2) for k, v in scaled.items()}
    h = np.tanh(scaled["W"] @ x + scaled["b"])
    return np.sum(h ** 2) + 0.01 * sum(decay.values())


def set_comprehension_indices(x):
    buckets = {i % 3 for i in range(len(x))}
    total = 0.0
    for b in sorted(buckets):
        total = total + (b + 1.0) * np.sum(x[b::3] ** 2)
    return total


def generator_pairs(x):
    def pairs(v):
        for i in range(len(v) - 1):
            yield v[i], v[i + 1]

    s = 0.0
    for a, b in pairs(x):
        s = s + a * b + np.sin(a - b)
    return s


# --------------------------------------------------------------------------- side effects


def advection_diffusion(u0, c, nu):
    """fluidsim-style time stepping of u_t + c u_x = nu u_xx (periodic), printing progress."""
    n = u0.shape[0]
    dx = 1.0 / n
    dt = 0.2 * dx
    u = u0
    for it in range(12):
        dudx = (np.roll(u, -1) - np.roll(u, 1)) / (2.0 * dx)
        lap = (np.roll(u, -1) - 2.0 * u + np.roll(u, 1)) / dx ** 2
        u = u + dt * (-c * dudx + nu * lap)
        if it % 4 == 0:
            print(f"it = {it:3d}; t = {it * dt:.3f}; energy = {0.5 * np.sum(u ** 2) * dx:.6f}")
    return 0.5 * np.sum(u ** 2) * dx


def assert_shapes(W, x):
    assert W.ndim == 2 and x.ndim == 1
    assert W.shape[1] == x.shape[0], f"shape mismatch: {W.shape} @ {x.shape}"
    y = np.tanh(W @ x)
    assert y.shape == (W.shape[0],)
    return np.sum(y ** 2)


def raise_in_branch_not_taken(x, kind):
    if not np.all(np.isfinite(x)):
        raise ValueError("non-finite input")
    if kind == "pseudo_huber":
        return np.sum(np.sqrt(1.0 + x ** 2) - 1.0)
    elif kind == "l2":
        return np.sum(x ** 2)
    else:
        raise ValueError(f"unknown loss kind: {kind!r}")


def warn_and_log(x, lr):
    if lr > 0.5:
        warnings.warn("large learning rate", RuntimeWarning)
    loss = np.sum((x - lr * np.tanh(x)) ** 2)
    logger.debug("loss = %s", loss)
    logger.info("step with lr=%g", lr)
    return loss


def errstate_body(x):
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        big = np.exp(x)
        y = np.log1p(big) - x / (1.0 + big)
        r = np.sum(y ** 2)
    return r


# --------------------------------------------------------------------------- builtins on static facts


def static_type_checks(x, k):
    return _checked(x, k, np.tanh)


def _checked(x, k, act):
    y = act(x) if callable(act) else x
    if isinstance(k, int) and type(x) is np.ndarray:
        y = y * k
    if hasattr(x, "ndim") and x.ndim == 1:
        y = y + x[::-1]
    return np.sum(y ** 2) + len(x)


def static_builtins(x):
    n = len(x)
    inner = slice(1, n - 1)
    shape = tuple(x.shape)
    order = list(reversed(range(n)))
    picks = sorted([3, 0, 2])
    weights = [0.5, 1.5, 2.0]
    wsum = sum(weights)
    cap = max(0.1, 0.05 * n)
    floor = min(2.0, float(n))
    y = x[inner] ** 2 + cap
    z = x[order] * np.arange(shape[0])
    tail = sum(w * x[p] ** 2 for w, p in zip(weights, picks)) / wsum
    return np.sum(y) + np.sum(z ** 2) / floor + tail


def zip_star_transpose(X):
    pairs = [(X[i, 0], X[i, 1] ** 2) for i in range(X.shape[0])]
    firsts, seconds = zip(*pairs)
    return sum(firsts) * sum(seconds) + np.sum(np.array(firsts) * np.array(seconds))


def energy(a, b, c=1.0, scale=1.0):
    return scale * (np.sum(a ** 2 * b) + c * np.sum(np.sin(a - b)))


def star_args_kwargs(x, y):
    args = (x, y)
    options = {"scale": 0.5, "c": 2.0}
    return energy(*args, **options) + energy(*[y, x], c=0.3)


def params_items_get(params, x):
    reg = 0.0
    for name, p in params.items():
        reg = reg + np.sum(p ** 2)
    scale = params.get("scale", 1.0)
    bias = params.get("bias", 0.0)
    y = scale * np.tanh(params["W"] @ x) + bias
    return np.sum(y ** 2) + 1e-2 * reg


# --------------------------------------------------------------------------- random generators


def vae_objective(params, x, rs):
    """autograd/examples/variational_autoencoder.py style, one sample, reparameterised."""
    h = np.tanh(params["enc_W"] @ x + params["enc_b"])
    mu = params["mu_W"] @ h
    log_sig = params["sig_W"] @ h
    z = mu + np.exp(log_sig) * rs.randn(mu.shape[0])
    logits = params["dec_W"] @ z + params["dec_b"]
    log_lik = np.sum(x * logits - np.logaddexp(0.0, logits))
    kl = 0.5 * np.sum(np.exp(2.0 * log_sig) + mu ** 2 - 1.0 - 2.0 * log_sig)
    return -(log_lik - kl)


def reparam_default_rng(mu, log_sigma, gen):
    eps = gen.normal(size=mu.shape)
    z = mu + np.exp(log_sigma) * eps
    return np.mean(np.sin(z) + 0.5 * z ** 2)


def log_density(x):
    """autograd/examples/black_box_svi.py: a funnel-like 2-d target."""
    mu, log_sigma = x[:, 0], x[:, 1]
    sigma_density = norm.logpdf(log_sigma, 0, 1.35)
    mu_density = norm.logpdf(mu, 0, np.exp(log_sigma))
    return sigma_density + mu_density


def bbvi_objective(params, rs):
    """Black-box variational inference: a Monte Carlo estimate of the negative ELBO."""
    D = 2
    mean, log_std = params[:D], params[D:]
    samples = rs.randn(20, D) * np.exp(log_std) + mean
    entropy = 0.5 * D * (1.0 + np.log(2 * np.pi)) + np.sum(log_std)
    return -(entropy + np.mean(log_density(samples)))


# --------------------------------------------------------------------------- SciPy


def hmm_forward_log(log_pi, log_A, log_B, obs):
    """The HMM forward algorithm in log space (autograd/examples/hmm_em.py style)."""
    log_pi = log_pi - logsumexp(log_pi)
    log_A = log_A - logsumexp(log_A, axis=1, keepdims=True)
    log_B = log_B - logsumexp(log_B, axis=1, keepdims=True)
    alpha = log_pi + log_B[:, obs[0]]
    for t in range(1, len(obs)):
        alpha = logsumexp(alpha[:, None] + log_A, axis=0) + log_B[:, obs[t]]
    return logsumexp(alpha)


def expit_logistic(w, b, X, y):
    p = expit(X @ w + b)
    return -np.mean(y * np.log(p) + (1 - y) * np.log1p(-p))


def negative_binomial_nll(log_r, logit_p, k):
    r = np.exp(log_r)
    log_p = -np.logaddexp(0.0, -logit_p)
    log_1mp = -np.logaddexp(0.0, logit_p)
    ll = gammaln(k + r) - gammaln(r) - gammaln(k + 1.0) + r * log_1mp + k * log_p
    return -np.sum(ll)


def gaussian_loglik(loc, scale, data):
    return np.sum(norm.logpdf(data, loc=loc, scale=scale))


def gp_marginal_likelihood(log_params, X, y):
    """autograd/examples/gaussian_process.py: log marginal likelihood wrt hyperparameters."""
    amp, ls, noise = np.exp(log_params[0]), np.exp(log_params[1]), np.exp(log_params[2])
    sqdist = np.sum((X[:, None, :] - X[None, :, :]) ** 2, axis=-1)
    K = amp * np.exp(-0.5 * sqdist / ls ** 2) + (noise + 1e-6) * np.eye(X.shape[0])
    L = scipy.linalg.cholesky(K, lower=True)
    alpha = scipy.linalg.solve_triangular(L, y, lower=True)
    return -0.5 * alpha @ alpha - np.sum(np.log(np.diag(L))) - 0.5 * len(y) * np.log(2 * np.pi)


# --------------------------------------------------------------------------- NumPy functions


def sorted_weighted(x):
    s = np.sort(x)
    w = np.linspace(1.0, 2.0, x.shape[0])
    return np.sum(w * s ** 2) + s[-1] * s[0]


def triu_tril_diag(A):
    U = np.triu(A)
    L = np.tril(A, -1)
    d = np.diag(A)
    return np.sum(U @ U.T) + 0.5 * np.sum(L ** 2) + np.sum(np.diag(d) @ A) + np.sum(d ** 3)


def eigh_gauge_invariant(A):
    """Only gauge-invariant functions of the eigenvectors: V f(w) V^T and |v_k|^2."""
    S = 0.5 * (A + A.T)
    w, V = np.linalg.eigh(S)
    P = V @ np.diag(np.exp(0.3 * w)) @ V.T
    top = V[:, -1] ** 2 * np.arange(1.0, S.shape[0] + 1)
    return np.sum(w ** 2) + np.trace(P @ S) + np.sum(top)


def ica_objective(W, X):
    """Negative ICA log-likelihood with logistic-like sources: slogdet of the unmixing matrix."""
    S = X @ W.T
    sign, logdet = np.linalg.slogdet(W)
    return -(X.shape[0] * logdet - np.sum(np.log(np.cosh(S))))


def atleast2d_tensordot(x, W):
    X2 = np.atleast_2d(x)
    T = np.tensordot(X2, W, axes=([1], [0]))
    return np.sum(np.tanh(T) ** 2) + np.tensordot(x, x, axes=1)


def roll_pad_stencil(u):
    p = np.pad(u, 1)
    lap = p[2:] - 2.0 * p[1:-1] + p[:-2]
    q = np.pad(u, (1, 1), mode="wrap")
    grad_u = q[2:] - q[:-2]
    return np.sum(lap ** 2) + np.sum(u * np.roll(u, 2)) + 0.5 * np.sum(grad_u ** 2)


def repeat_cumprod(x):
    r = np.repeat(x, 2)
    c = np.cumprod(1.0 + 0.1 * r)
    rows = np.repeat(x[None, :], 3, axis=0) * np.arange(3.0)[:, None]
    return np.sum(c) + np.sum(rows ** 2)


def concatenate_einsum(A, B):
    C = np.concatenate([A, B], axis=0)
    G = np.einsum("ij,kj->ik", C, C)
    return np.sum(np.tanh(G)) + 0.1 * np.einsum("ii->", G) + np.einsum("ij,ij->", A, A)


def where_select(x):
    y = np.where(x > 0.0, x ** 2, np.sin(x))
    z = np.where(np.abs(x) < 1.0, 1.0, x)
    return np.sum(y * z)


def attention_einsum(Q, K, V):
    scores = np.einsum("id,jd->ij", Q, K) / np.sqrt(Q.shape[1])
    scores = scores - np.max(scores, axis=1, keepdims=True)
    w = np.exp(scores)
    w = w / np.sum(w, axis=1, keepdims=True)
    return np.sum((w @ V) ** 2)


# --------------------------------------------------------------------------- models


def nn_classifier_loss(params, X, onehot):
    h = np.tanh(X @ params["W1"] + params["b1"])
    logits = h @ params["W2"] + params["b2"]
    logits = logits - np.max(logits, axis=1, keepdims=True)
    log_probs = logits - np.log(np.sum(np.exp(logits), axis=1, keepdims=True))
    reg = 1e-3 * sum(np.sum(v ** 2) for k, v in params.items() if k.startswith("W"))
    return -np.mean(np.sum(onehot * log_probs, axis=1)) + reg


def neural_net_predict(params, inputs):
    """autograd/examples/neural_net.py: params is a list of (weights, bias) tuples."""
    for W, b in params:
        outputs = np.dot(inputs, W) + b
        inputs = np.tanh(outputs)
    return outputs - logsumexp(outputs, axis=1, keepdims=True)


def autograd_nn_log_posterior(params, inputs, targets, L2_reg):
    log_prior = -L2_reg * sum(np.sum(W ** 2) + np.sum(b ** 2) for W, b in params)
    log_lik = np.sum(neural_net_predict(params, inputs) * targets)
    return -(log_prior + log_lik)


def jax_sigmoid(x):
    return 0.5 * (np.tanh(x / 2) + 1)


def jax_predict(W, b, inputs):
    return jax_sigmoid(np.dot(inputs, W) + b)


def jax_logistic_loss(W, b, inputs, targets):
    """The JAX autodiff cookbook's logistic regression, on its own toy data."""
    preds = jax_predict(W, b, inputs)
    label_probs = preds * targets + (1 - preds) * (1 - targets)
    return -np.sum(np.log(label_probs))


def bayes_logreg_log_joint(w, X, y, prior_scale):
    log_prior = np.sum(norm.logpdf(w, 0.0, prior_scale))
    z = X @ w
    log_lik = np.sum(y * z - np.logaddexp(0.0, z))
    return -(log_prior + log_lik)


def mixture_log_likelihood(params, data):
    """autograd/examples/gmm.py: log-likelihood of 1-d data under a Gaussian mixture."""
    log_weights = params["log_proportions"] - logsumexp(params["log_proportions"])
    stds = np.exp(params["log_stds"])
    cluster_lls = log_weights + norm.logpdf(data[:, None], params["means"], stds)
    return np.sum(logsumexp(cluster_lls, axis=1))


def taylor_sine(x):
    """autograd/examples/fluidsim-era README: sine by its Taylor series, to tolerance."""
    ans = currterm = x
    i = 0
    while np.abs(currterm) > 0.001:
        currterm = -currterm * x ** 2 / ((2 * i + 3) * (2 * i + 2))
        ans = ans + currterm
        i += 1
    return ans


# --------------------------------------------------------------------------- inputs


def _v(seed, n=5, scale=1.0):
    return scale * rng(seed).standard_normal(n)


def _m(seed, shape, scale=1.0):
    return scale * rng(seed).standard_normal(shape)


def _ins(*tuples):
    return lambda: [tuple(t) for t in tuples]


def _lstm_params():
    r = rng(60)
    H, D = 3, 2
    return {"W": 0.4 * r.standard_normal((4 * H, D + H)), "b": 0.1 * r.standard_normal(4 * H),
            "V": 0.5 * r.standard_normal((2, H))}


def _vae_params():
    r = rng(61)
    return {"enc_W": 0.5 * r.standard_normal((3, 4)), "enc_b": 0.1 * r.standard_normal(3),
            "mu_W": 0.5 * r.standard_normal((2, 3)), "sig_W": 0.3 * r.standard_normal((2, 3)),
            "dec_W": 0.5 * r.standard_normal((4, 2)), "dec_b": 0.1 * r.standard_normal(4)}


def _hmm():
    r = rng(62)
    return (r.standard_normal(3), r.standard_normal((3, 3)), r.standard_normal((3, 4)),
            np.array([0, 2, 1, 3, 3, 0]))


def _gp():
    r = rng(63)
    X = r.uniform(-2.0, 2.0, (6, 2))
    y = np.sin(X[:, 0]) + 0.3 * X[:, 1] + 0.1 * r.standard_normal(6)
    return np.array([0.2, -0.1, -2.0]), X, y


def _classifier():
    r = rng(64)
    params = {"W1": 0.5 * r.standard_normal((3, 4)), "b1": 0.1 * r.standard_normal(4),
              "W2": 0.5 * r.standard_normal((4, 3)), "b2": 0.1 * r.standard_normal(3)}
    X = r.standard_normal((5, 3))
    return params, X, np.eye(3)[[0, 2, 1, 1, 0]]


def _autograd_nn():
    r = rng(65)
    sizes = [3, 4, 2]
    params = [(0.5 * r.standard_normal((m, n)), 0.1 * r.standard_normal(n))
              for m, n in zip(sizes[:-1], sizes[1:])]
    return params, r.standard_normal((5, 3)), np.eye(2)[[0, 1, 1, 0, 1]], 0.1


def _jax_logistic():
    inputs = np.array([[0.52, 1.12, 0.77], [0.88, -1.08, 0.15],
                       [0.52, 0.06, -1.30], [0.74, -2.49, 1.39]])
    targets = np.array([True, True, False, True])
    return rng(66).standard_normal(3), 0.3, inputs, targets


def _bayes_logreg():
    r = rng(67)
    X = r.standard_normal((8, 3))
    y = (r.uniform(size=8) < 0.5).astype(float)
    return r.standard_normal(3), X, y, 1.5


def _mixture():
    r = rng(68)
    params = {"log_proportions": r.standard_normal(3), "means": np.array([-1.5, 0.2, 1.8]),
              "log_stds": 0.2 * r.standard_normal(3)}
    return params, r.standard_normal(10) * 1.5


def _sym_spread(seed):
    return np.diag([3.0, 1.0, -1.0]) + 0.2 * _m(seed, (3, 3))


_J = frozenset({"jvp"})
_H = frozenset({"hessian"})
_JH = frozenset({"jvp", "hessian"})
_RNG = frozenset({"rng"})

CORPUS = [
    # lambdas
    case(rosenbrock_lambda, _ins((np.array([-0.7, 1.3]),)), tags=_H),
    case(autograd_tanh, lambda: [(_v(1),)], tags=_J),
    case(lambda_in_body, lambda: [(_v(2, 4),)], tags=_H),
    case(lambda_to_helper, lambda: [(_v(3),)], tags=_J),
    case(returned_lambda_loss, lambda: [(_v(4, 4), _v(5, 4))], argnums=(0, 1)),
    case(lambda_captures_param, lambda: [(_v(6, 3), _m(7, (4, 3)))]),
    case(compose_functions, lambda: [(_v(8),)]),
    # nested defs and closures
    case(rnn_closure, lambda: [(_m(9, (3, 3), 0.5), _m(10, (3, 2), 0.5), _m(11, (4, 2)))],
         argnums=(0, 1), tags=_H),
    case(lstm_loss, lambda: [(_lstm_params(), _m(12, (4, 2)))]),
    case(closure_passed_to_quadrature, lambda: [(_v(13, 3), 0.7)], argnums=(0, 1), tags=_J),
    case(closure_returned_and_called, lambda: [(_v(14, 4), 0.8)], argnums=(0, 1)),
    case(nested_helpers, lambda: [(_v(15, 3), _m(16, (3, 3), 0.5))], argnums=(0, 1)),
    # comprehensions and generators
    case(genexpr_sum, lambda: [(_v(17),)], tags=_J),
    case(list_comprehension_array, _ins((np.array([0.7, -0.4, 1.1, -1.3, 0.5]),))),
    case(stack_rows, lambda: [(_m(18, (3, 2)), _m(19, (4, 2)))], argnums=(0, 1), tags=_J),
    case(nested_list_comprehension, lambda: [(_m(20, (3, 3)),)]),
    case(dict_comprehension_params,
         lambda: [({"W": _m(21, (3, 4), 0.5), "b": _v(22, 3, 0.1)}, _v(23, 4))]),
    case(set_comprehension_indices, lambda: [(_v(24, 7),)]),
    case(generator_pairs, lambda: [(_v(25),)]),
    # side effects
    case(advection_diffusion,
         lambda: [(np.sin(2 * np.pi * np.arange(16) / 16) + 0.3 * _v(26, 16), 1.0, 0.01)],
         argnums=(0, 1, 2), tags=_J),
    case(assert_shapes, lambda: [(_m(27, (3, 4), 0.5), _v(28, 4))], argnums=(0, 1), tags=_J),
    case(raise_in_branch_not_taken, lambda: [(_v(29), "pseudo_huber"), (_v(29), "l2")]),
    case(warn_and_log, lambda: [(_v(30), 0.8), (_v(30), 0.2)], argnums=(0, 1)),
    case(errstate_body, lambda: [(_v(31),)], tags=_J),
    # builtins on static facts
    case(static_type_checks, lambda: [(_v(32), 3)], tags=_J),
    case(static_builtins, lambda: [(_v(33),)]),
    case(zip_star_transpose, lambda: [(_m(34, (4, 2)),)]),
    case(star_args_kwargs, lambda: [(_v(35, 3), _v(36, 3))], argnums=(0, 1), tags=_J),
    case(params_items_get, lambda: [({"W": _m(37, (3, 4), 0.5), "scale": 1.3}, _v(38, 4))]),
    # random generators
    case(vae_objective, lambda: [(_vae_params(), np.array([1.0, 0.0, 1.0, 1.0]), npr)],
         tags=_RNG),
    case(reparam_default_rng, lambda: [(_v(39, 4), _v(40, 4, 0.3), np.random.default_rng(0))],
         argnums=(0, 1), tags=_RNG),
    case(bbvi_objective, lambda: [(np.array([0.3, -0.2, -0.5, -1.0]), npr)], tags=_RNG),
    # SciPy
    case(hmm_forward_log, lambda: [_hmm()], argnums=(0, 1, 2)),
    case(expit_logistic, lambda: [(_v(41, 3), 0.2, _m(42, (6, 3)),
                                   np.array([1.0, 0.0, 0.0, 1.0, 1.0, 0.0]))],
         argnums=(0, 1), tags=_J),
    case(negative_binomial_nll, lambda: [(_v(43, 4, 0.5), _v(44, 4, 0.5),
                                          np.array([0.0, 3.0, 1.0, 7.0]))],
         argnums=(0, 1), tags=_J),
    case(gaussian_loglik, lambda: [(0.3, 1.7, _v(45, 8) * 1.5 + 0.4)], argnums=(0, 1), tags=_H),
    case(gp_marginal_likelihood, lambda: [_gp()], tags=_H),
    # NumPy functions
    case(sorted_weighted, _ins((np.array([0.9, -0.3, 1.7, 0.2, -1.1]),)), tags=_JH),
    case(triu_tril_diag, lambda: [(_m(46, (3, 3)),)]),
    case(eigh_gauge_invariant, lambda: [(_sym_spread(47),)], tags=_H),
    case(ica_objective, lambda: [(np.eye(2) + 0.2 * _m(48, (2, 2)), _m(49, (6, 2)))], tags=_H),
    case(atleast2d_tensordot, lambda: [(_v(50, 3), _m(51, (3, 2, 2), 0.5))], argnums=(0, 1),
         tags=_J),
    case(roll_pad_stencil, lambda: [(_v(52, 6),)]),
    case(repeat_cumprod, lambda: [(_v(53, 4),)], tags=_J),
    case(concatenate_einsum, lambda: [(_m(54, (3, 3), 0.5), _m(55, (2, 3), 0.5))],
         argnums=(0, 1)),
    case(where_select, _ins((np.array([0.6, -0.4, 1.5, -1.7, 0.3]),))),
    case(attention_einsum, lambda: [(_m(56, (3, 2)), _m(57, (4, 2)), _m(58, (4, 2)))],
         argnums=(0, 1, 2), tags=_J),
    # models
    case(nn_classifier_loss, lambda: [_classifier()]),
    case(autograd_nn_log_posterior, lambda: [_autograd_nn()]),
    case(jax_logistic_loss, lambda: [_jax_logistic()], argnums=(0, 1), tags=_JH),
    case(bayes_logreg_log_joint, lambda: [_bayes_logreg()], tags=_JH),
    case(mixture_log_likelihood, lambda: [_mixture()]),
    case(taylor_sine, _ins((1.3,), (-0.4,)), tags=_H),
]
