"""Straight-line user code (no control flow): the corpus of issue 2.

Plain module-level functions, written the way users write NumPy. ``CORPUS`` pairs each
with an input maker (fixed seeds) and the argnums to differentiate; every function
returns a scalar. ``VECTOR_CORPUS`` has functions with array outputs (Jacobians, vjp
with array cotangents). Inputs stay away from kinks (abs, max, clip, where, floor).
"""

import math

import numpy as np

from . import case, helpers_mod, one, rng
from .helpers_mod import softplus

# --------------------------------------------------------------------------- losses


def sum_squares(x):
    return np.sum(x ** 2)


def rosenbrock(x):
    return np.sum(100.0 * (x[1:] - x[:-1] ** 2) ** 2 + (1.0 - x[:-1]) ** 2)


def logistic_loss(w, X, y):
    z = X @ w
    return np.mean(np.logaddexp(0.0, z) - y * z)


def logistic_bias_loss(w, b, X, y):
    p = 1.0 / (1.0 + np.exp(-(X @ w + b)))
    return -np.mean(y * np.log(p) + (1.0 - y) * np.log(1.0 - p))


def linear_regression(w, X, y):
    r = X @ w - y
    return 0.5 * np.mean(r ** 2)


def softmax_cross_entropy(logits, onehot):
    shifted = logits - np.max(logits, axis=1, keepdims=True)
    logp = shifted - np.log(np.sum(np.exp(shifted), axis=1, keepdims=True))
    return -np.sum(onehot * logp) / logits.shape[0]


def log_softmax_nll(logits, labels):
    n = logits.shape[0]
    m = np.max(logits, axis=-1, keepdims=True)
    lse = m + np.log(np.sum(np.exp(logits - m), axis=-1, keepdims=True))
    logp = logits - lse
    return -np.mean(logp[np.arange(n), labels])


def softmax_entropy(x):
    p = np.exp(x - np.max(x))
    p = p / np.sum(p)
    return -np.sum(p * np.log(p))


def mlp_loss(params, X, Y):
    h = np.tanh(X @ params["W1"] + params["b1"])
    logits = h @ params["W2"] + params["b2"]
    logits = logits - np.max(logits, axis=1, keepdims=True)
    logp = logits - np.log(np.sum(np.exp(logits), axis=1, keepdims=True))
    return -np.mean(np.sum(logp * Y, axis=1))


def mlp_relu_mse(params, X, y):
    h = np.maximum(0.0, X @ params["W1"] + params["b1"])
    pred = h @ params["w2"] + params["b2"]
    return np.mean((pred - y) ** 2)


def gaussian_nll(x, mu, log_sigma):
    sigma = np.exp(log_sigma)
    z = (x - mu) / sigma
    return np.sum(0.5 * z ** 2 + log_sigma) + 0.5 * len(x) * np.log(2.0 * np.pi)


def huber(x, delta):
    d = np.abs(x)
    return np.sum(np.where(d < delta, 0.5 * x ** 2, delta * (d - 0.5 * delta)))


def attention(Q, K, V):
    scores = Q @ K.T / math.sqrt(Q.shape[1])
    scores = scores - np.max(scores, axis=1, keepdims=True)
    w = np.exp(scores)
    w = w / np.sum(w, axis=1, keepdims=True)
    return np.sum((w @ V) ** 2)


def layer_norm(x, gamma, beta):
    mu = np.mean(x, axis=-1, keepdims=True)
    var = np.var(x, axis=-1, keepdims=True)
    y = (x - mu) / np.sqrt(var + 1e-5) * gamma + beta
    return np.sum(y * np.sin(y))


def pairwise_energy(X):
    diff = X[:, None, :] - X[None, :, :]
    d2 = np.sum(diff ** 2, axis=-1)
    return np.sum(np.sqrt(d2 + 0.1))


# --------------------------------------------------------------------------- norms, indexing


def l2_norm(x):
    return np.linalg.norm(x)


def matrix_norms(A):
    return np.linalg.norm(A) + np.sum(np.linalg.norm(A, axis=1))


def first_differences(x):
    d = x[1:] - x[:-1]
    return np.sum(d ** 2) + np.sum(x[::2] * x[1::2]) + x[-1] * x[0]


def gather_repeated(x):
    idx = np.array([0, 2, 2, 1, 2, 4])
    w = np.arange(1.0, 7.0)
    return np.sum(w * x[idx] ** 2)


def gather_arg(x, idx):
    return np.sum(np.sin(x[idx]) * x[idx])


def where_mask(x):
    mask = x > 0.2
    return np.sum(np.where(mask, x ** 2, 3.0 * x))


def matrix_indexing(A):
    return np.sum(A[0, :3] * A[:, 1]) + A[1, 2] ** 2 + np.sum(A[1:, ::2] ** 3) + np.sum(A[..., -1])


# --------------------------------------------------------------------------- broadcasting, reductions


def outer_broadcast(x, y):
    return np.sum(np.sin(x[:, None] * y[None, :]))


def broadcast_bias(X, b):
    return np.sum(np.tanh(X + b) ** 2)


def broadcast_scalar_param(x, s):
    return np.sum((x * s - 1.0) ** 2)


def reductions_axis(A):
    col = np.sum(A ** 2, axis=0)
    row = np.mean(A, axis=1, keepdims=True)
    return np.sum(col * np.arange(1.0, 5.0)) + np.sum(row * A)


def var_std_prod(x):
    return np.var(x) + 2.0 * np.std(x) + np.prod(x)


def max_min(x):
    M = x.reshape(2, 3)
    return np.max(x) ** 2 - np.min(x) + np.sum(np.max(M, axis=1)) + np.sum(np.min(M, axis=0))


def cumsum_fn(x):
    return np.sum(np.cumsum(x) ** 2)


# --------------------------------------------------------------------------- linear algebra


def quadratic_form(A, x):
    return x @ A @ x + np.dot(x, np.dot(A, x))


def outer_inner(x, y):
    return np.sum(np.outer(x, y) ** 2) + np.inner(x, y)


def einsum_bilinear(A, x, y):
    return np.einsum("ij,i,j->", A, x, y) + np.sum(np.einsum("ij,jk->ik", A, A.T))


def einsum_batch(X, W):
    return np.sum(np.tanh(np.einsum("bi,bij->bj", X, W)))


def solve_quadratic(A, b):
    x = np.linalg.solve(A, b)
    return np.sum(x ** 2)


def inverse_mix(A):
    Ai = np.linalg.inv(A)
    return np.sum(Ai ** 2) + np.sum(Ai @ A @ Ai)


def det_fn(A):
    return np.linalg.det(A)


def slogdet_fn(A):
    sign, logabsdet = np.linalg.slogdet(A)
    return sign * logabsdet


# --------------------------------------------------------------------------- shapes


def reshape_transpose(x):
    M = x.reshape(2, 3)
    return np.sum(M.T @ M * np.arange(9.0).reshape(3, 3)) + np.sum(np.transpose(M) ** 3)


def concat_stack(x, y):
    z = np.concatenate([x, y * 2.0])
    S = np.stack([x, y], axis=1)
    return np.sum(z ** 2) + np.sum(np.sin(S) * np.arange(2.0))


def hstack_vstack(x, y):
    return np.sum(np.vstack([x, y]) ** 3) + np.sum(np.hstack([x, y]) * np.hstack([y, x]))


def shape_ops(x):
    e = np.expand_dims(x, 0)
    t = np.tile(x, 2)
    b = np.broadcast_to(x, (3, x.shape[0]))
    r = np.ravel(np.squeeze(e))
    return (np.sum(e ** 2) + np.sum(t * np.arange(2 * len(x)))
            + np.sum(b * np.arange(3.0)[:, None]) + np.sum(r ** 3))


# --------------------------------------------------------------------------- elementwise zoo


def zoo_hyperbolic(x):
    return np.sum(np.tanh(x) + np.sinh(x) * np.cosh(x) + np.arcsinh(x) + np.arctan(x))


def zoo_logs(x):
    return np.sum(np.log1p(x) + np.expm1(x) + np.log(x) + np.log2(x) + np.log10(x)
                  + np.sqrt(x) + np.cbrt(x) + np.exp2(x) + np.exp(-x))


def zoo_binary(x, y):
    return np.sum(np.arctan2(x, y) + np.hypot(x, y) + np.logaddexp(x, y)
                  + np.power(np.abs(x) + 1.0, y))


def zoo_kinks(x, y):
    return np.sum(np.clip(x, -0.5, 0.5) * np.maximum(x, y) + np.minimum(x, y) ** 2
                  + np.abs(x) * y)


def zoo_trig(x):
    return (np.sum(np.sin(x) * np.cos(x) + np.tan(x) + np.arcsin(x) + np.arccos(x) * x
                   + np.arctanh(x) + np.square(x) + np.reciprocal(x + 2.0) + np.negative(x))
            + np.sum(np.arccosh(x + 2.0)))


def zero_derivative_ops(x):
    return np.sum(x ** 2 * np.sign(x) + np.floor(x) * x + np.ceil(x) + np.round(3.0 * x))


def mod_floordiv(x):
    return np.sum(np.mod(x, 1.7) ** 2 + (x // 0.5) * x + np.remainder(x, 2.3) * x
                  + np.fmod(x, 1.1) + (x % 0.9) ** 3)


def unary_ops(x):
    return np.sum(-x + (+x) * 2.0 - (-x) ** 2)


def horner_inline(x):
    a = x * (x * (x * 0.5 - 1.0) + 2.0) + 3.0
    return np.sum(a)


def math_scalars(a, b):
    return (math.sin(a) * math.exp(b) + math.log(a) - math.sqrt(a * b) + math.tanh(b)
            + math.atan2(a, b) + math.pow(a, 1.5) + math.fabs(b) * math.cos(a)
            + math.log1p(a) + math.tan(a) + math.pi * a + math.e)


def python_builtins(a, b):
    return abs(a - 3.0) * max(a, b) + min(a * b, 2.0) + float(a) ** 2


def float_scalar(a):
    return a * a * a - 2.0 * a + math.sin(a)


def power_params(x, p):
    return np.sum(x ** p) + np.sum(p ** x)


# --------------------------------------------------------------------------- Python structure


def tuple_unpack(p, x):
    a, b = p
    return np.sum((a * x + b) ** 2)


def list_params(ps, x):
    return np.sum(ps[0] * x) + np.sum(ps[1] ** 2) * ps[2]


def nested_pytree(params, x):
    layers = params["layers"]
    W1, b1 = layers[0]
    W2, b2 = layers[1]
    h = np.tanh(x @ W1 + b1)
    out = h @ W2 + b2
    return params["scale"] * np.sum(out ** 2)


def augmented_ops(x):
    y = x * 2.0
    y += 1.0
    y *= x
    y -= x ** 3
    y /= 1.0 + x ** 2
    y **= 2
    return np.sum(y)


def array_methods(X, w):
    a = X.dot(w)
    b = X.T
    c = X.reshape(2, 6)
    m = X.mean(axis=0)
    d = X.copy()
    d = d * 2.0
    return a.sum() + 0.5 * np.sum(b * b) + np.sum(c[0] * c[1]) + m.dot(w) + 0.01 * d.sum() ** 2


def shape_as_number(X):
    n, m = X.shape
    return np.sum(X ** 2) / (n * m) + len(X) * np.mean(X) + X.shape[1] * np.sum(X[0] ** 3)


def _local_energy(x):
    return 0.5 * np.sum(x ** 2)


def calls_local_helper(x):
    return 2.0 * _local_energy(x) + np.sum(_local_energy(x[:2]) * x)


def calls_other_module(x, W, b):
    h = helpers_mod.dense(W, b, x)
    return helpers_mod.energy(h) + np.sum(softplus(x)) + np.sum(helpers_mod.logistic(h))


def calls_with_keywords(x):
    return np.sum(helpers_mod.scaled_square(x, offset=0.5) + helpers_mod.scaled_square(x, 3.0)
                  + helpers_mod.smooth_abs(x) + helpers_mod.smooth_abs(x, eps=0.1))


def calls_trig_mix(a, b):
    return helpers_mod.trig_mix(a, b) + helpers_mod.trig_mix(b, a, weight=0.5)


def constructors(x):
    n = len(x)
    ramp = np.linspace(0.0, 1.0, n)
    E = np.eye(n)
    z = np.zeros_like(x) + np.full(n, 2.0)
    return (np.sum(x * ramp) + x @ E @ x + np.sum(np.ones_like(x) * x * z)
            + np.sum(x * np.arange(n)) + np.sum(np.array([1.0, 2.0]) * x[:2])
            + np.sum(np.ones(n) * x) + np.sum(np.zeros((2, n)) + x))


# --------------------------------------------------------------------------- inputs


def _vec(seed, n=5, lo=None, hi=None):
    r = rng(seed)
    if lo is None:
        return r.standard_normal(n)
    return r.uniform(lo, hi, n)


def _mat(seed, shape):
    return rng(seed).standard_normal(shape)


def _spd(seed, n=3):
    r = rng(seed)
    B = r.standard_normal((n, n))
    return B @ B.T / n + np.eye(n)


def _well_conditioned(seed, n=3):
    return np.eye(n) * 2.0 + 0.3 * rng(seed).standard_normal((n, n))


def _logistic_data(seed, n=8, d=4):
    r = rng(seed)
    return r.standard_normal(d) * 0.5, r.standard_normal((n, d)), (r.uniform(size=n) > 0.5) * 1.0


def _mlp_params(seed, d=4, h=5, k=3):
    r = rng(seed)
    return {"W1": 0.5 * r.standard_normal((d, h)), "b1": 0.1 * r.standard_normal(h),
            "W2": 0.5 * r.standard_normal((h, k)), "b2": 0.1 * r.standard_normal(k)}


def _onehot(seed, n=6, k=3):
    labels = rng(seed).integers(0, k, n)
    return np.eye(k)[labels]


def _away(x, points, gap=0.05):
    """Nudge entries of x that sit within ``gap`` of a kink."""
    x = np.array(x, dtype=np.float64)
    for p in points:
        near = np.abs(x - p) < gap
        x[near] = p + np.where(x[near] >= p, gap, -gap) * 2.0
    return x


def _mlp_relu_inputs():
    r = rng(11)
    params = {"W1": r.standard_normal((3, 4)), "b1": 0.1 * r.standard_normal(4),
              "w2": r.standard_normal(4), "b2": 0.3}
    return params, r.standard_normal((6, 3)), r.standard_normal(6)


def _nested_inputs():
    r = rng(12)
    params = {"layers": [(0.5 * r.standard_normal((3, 4)), 0.1 * r.standard_normal(4)),
                         (0.5 * r.standard_normal((4, 2)), 0.1 * r.standard_normal(2))],
              "scale": 1.5}
    return params, r.standard_normal((5, 3))


CORPUS = [
    case(sum_squares, one(lambda: (_vec(0),)), f32=True),
    case(rosenbrock, one(lambda: (_vec(1, 6, -1.5, 1.5),)), f32=True),
    case(logistic_loss, one(lambda: _logistic_data(2)), f32=True),
    case(logistic_loss, one(lambda: _logistic_data(3)), argnums=(0, 1)),
    case(logistic_bias_loss, one(lambda: _logistic_data(4)[:1] + (0.3,) + _logistic_data(4)[1:]),
         argnums=(0, 1)),
    case(linear_regression, one(lambda: _logistic_data(5)), argnums=(0, 1, 2), f32=True),
    case(softmax_cross_entropy, one(lambda: (_mat(6, (6, 3)) * 2.0, _onehot(6))), f32=True),
    case(log_softmax_nll, one(lambda: (_mat(7, (5, 4)), np.array([0, 3, 1, 1, 2])))),
    case(softmax_entropy, one(lambda: (_vec(8, 6),))),
    case(mlp_loss, one(lambda: (_mlp_params(9), _mat(9, (6, 4)), _onehot(9))), f32=True),
    case(mlp_relu_mse, one(_mlp_relu_inputs)),
    case(gaussian_nll, one(lambda: (_vec(10), _vec(11), 0.3 * _vec(12))), argnums=(0, 1, 2)),
    case(huber, one(lambda: (_away(2.0 * _vec(13, 8), [-1.0, 1.0]), 1.0))),
    case(attention, one(lambda: (_mat(14, (3, 4)), _mat(15, (5, 4)), _mat(16, (5, 2)))),
         argnums=(0, 1, 2)),
    case(layer_norm, one(lambda: (_mat(17, (3, 5)), 1.0 + 0.1 * _vec(18), 0.1 * _vec(19))),
         argnums=(0, 1, 2)),
    case(pairwise_energy, one(lambda: (_mat(20, (4, 2)),))),
    case(l2_norm, one(lambda: (_vec(21),))),
    case(matrix_norms, one(lambda: (_mat(22, (3, 4)),))),
    case(first_differences, one(lambda: (_vec(23, 6),))),
    case(gather_repeated, one(lambda: (_vec(24, 5),))),
    case(gather_arg, one(lambda: (_vec(25, 5), np.array([4, 0, 4, 4, 2, 0, 1])))),
    case(where_mask, one(lambda: (_away(_vec(26, 8), [0.2]),))),
    case(matrix_indexing, one(lambda: (_mat(27, (3, 4)),))),
    case(outer_broadcast, one(lambda: (_vec(28, 3), _vec(29, 4))), argnums=(0, 1)),
    case(broadcast_bias, one(lambda: (_mat(30, (3, 4)), _vec(31, 4))), argnums=(0, 1)),
    case(broadcast_scalar_param, one(lambda: (_vec(32), 0.7)), argnums=(0, 1)),
    case(reductions_axis, one(lambda: (_mat(33, (3, 4)),))),
    case(var_std_prod, one(lambda: (_vec(34, 5, 0.5, 1.5),))),
    case(max_min, one(lambda: (np.array([0.3, -1.2, 2.1, 0.9, -0.4, 1.6]),))),
    case(cumsum_fn, one(lambda: (_vec(35),))),
    case(quadratic_form, one(lambda: (_mat(36, (4, 4)), _vec(37, 4))), argnums=(0, 1)),
    case(outer_inner, one(lambda: (_vec(38, 4), _vec(39, 4))), argnums=(0, 1)),
    case(einsum_bilinear, one(lambda: (_mat(40, (3, 4)), _vec(41, 3), _vec(42, 4))),
         argnums=(0, 1, 2)),
    case(einsum_batch, one(lambda: (_mat(43, (2, 3)), _mat(44, (2, 3, 4)))), argnums=(0, 1)),
    case(solve_quadratic, one(lambda: (_well_conditioned(45), _vec(46, 3))), argnums=(0, 1)),
    case(inverse_mix, one(lambda: (_well_conditioned(47),))),
    case(det_fn, one(lambda: (_mat(48, (3, 3)),))),
    case(slogdet_fn, one(lambda: (_spd(49),))),
    case(reshape_transpose, one(lambda: (_vec(50, 6),))),
    case(concat_stack, one(lambda: (_vec(51, 4), _vec(52, 4))), argnums=(0, 1)),
    case(hstack_vstack, one(lambda: (_vec(53, 3), _vec(54, 3))), argnums=(0, 1)),
    case(shape_ops, one(lambda: (_vec(55, 4),))),
    case(zoo_hyperbolic, one(lambda: (_vec(56),))),
    case(zoo_logs, one(lambda: (_vec(57, 5, 0.2, 2.0),))),
    case(zoo_binary, one(lambda: (_vec(58, 4), _vec(59, 4, 0.3, 1.5))), argnums=(0, 1)),
    case(zoo_kinks, one(lambda: (np.array([-0.9, -0.3, 0.2, 0.8, 1.3]),
                                 np.array([0.4, -0.6, 0.9, 0.1, 2.0]))), argnums=(0, 1)),
    case(zoo_trig, one(lambda: (_vec(60, 5, -0.8, 0.8),))),
    case(zero_derivative_ops, one(lambda: (_away(_vec(61, 6, -2.0, 2.0),
                                                 [-2, -5 / 3, -4 / 3, -1, -2 / 3, -1 / 3, 0,
                                                  1 / 3, 2 / 3, 1, 4 / 3, 5 / 3, 2], 0.03),))),
    case(mod_floordiv, one(lambda: (np.array([0.3, 0.8, 1.3, 2.05, 2.6, 3.2]),))),
    case(unary_ops, one(lambda: (_vec(62),))),
    case(horner_inline, one(lambda: (_vec(63),))),
    case(math_scalars, one(lambda: (0.7, 1.3)), argnums=(0, 1)),
    case(python_builtins, one(lambda: (1.2, 0.5)), argnums=(0, 1)),
    case(python_builtins, one(lambda: (4.0, 5.5)), argnums=(0, 1)),
    case(float_scalar, one(lambda: (0.8,))),
    case(power_params, one(lambda: (_vec(64, 4, 0.5, 2.0), 1.7)), argnums=(0, 1)),
    case(tuple_unpack, one(lambda: ((_vec(65, 4), _vec(66, 4)), _vec(67, 4)))),
    case(list_params, one(lambda: ([_vec(68, 3), _vec(69, 2), 0.5], _vec(70, 3)))),
    case(nested_pytree, one(_nested_inputs)),
    case(augmented_ops, one(lambda: (_vec(71),))),
    case(array_methods, one(lambda: (_mat(72, (3, 4)), _vec(73, 4))), argnums=(0, 1)),
    case(shape_as_number, one(lambda: (_mat(74, (3, 4)),))),
    case(calls_local_helper, one(lambda: (_vec(75, 4),))),
    case(calls_other_module, one(lambda: (_mat(76, (3, 4)), _mat(77, (4, 2)), _vec(78, 2))),
         argnums=(0, 1, 2)),
    case(calls_with_keywords, one(lambda: (_vec(79),))),
    case(calls_trig_mix, one(lambda: (0.4, -1.1)), argnums=(0, 1)),
    case(constructors, one(lambda: (_vec(80, 4),))),
]


# --------------------------------------------------------------------------- array outputs


def elementwise_vec(x):
    return np.sin(x) * x ** 2


def matvec_tanh(A, x):
    return np.tanh(A @ x)


def softmax_vec(x):
    e = np.exp(x - np.max(x))
    return e / np.sum(e)


def outer_out(x):
    return np.outer(np.sin(x), x)


def cumsum_vec(x):
    return np.cumsum(x ** 2)


def scalar_to_vector(t):
    return np.cos(t * np.arange(1.0, 4.0)) * t


def solve_vec(A, b):
    return np.linalg.solve(A, b)


def row_softplus(X, w):
    return np.sum(softplus(X * w), axis=1)


VECTOR_CORPUS = [
    case(elementwise_vec, one(lambda: (_vec(100, 4),))),
    case(matvec_tanh, one(lambda: (_mat(101, (3, 4)), _vec(102, 4))), argnums=(0, 1)),
    case(softmax_vec, one(lambda: (_vec(103, 4),))),
    case(outer_out, one(lambda: (_vec(104, 3),))),
    case(cumsum_vec, one(lambda: (_vec(105, 4),))),
    case(scalar_to_vector, one(lambda: (0.7,))),
    case(solve_vec, one(lambda: (_well_conditioned(106), _vec(107, 3))), argnums=(0, 1)),
    case(row_softplus, one(lambda: (_mat(108, (3, 4)), _vec(109, 4))), argnums=(0, 1)),
]
