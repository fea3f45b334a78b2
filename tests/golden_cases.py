"""User functions whose generated source is pinned byte for byte in tests/golden/."""

import numpy as np


def rosenbrock(x):
    return np.sum(100.0 * (x[1:] - x[:-1] ** 2) ** 2 + (1.0 - x[:-1]) ** 2)


def logistic_loss(w, X, y):
    z = X @ w
    return np.mean(np.logaddexp(0.0, z) - y * z)


def mlp_loss(params, X, labels):
    h = np.tanh(X @ params["W1"] + params["b1"])
    logits = h @ params["W2"] + params["b2"]
    logits = logits - np.max(logits, axis=1, keepdims=True)
    logp = logits - np.log(np.sum(np.exp(logits), axis=1, keepdims=True))
    return -np.mean(np.sum(logp * labels, axis=1))


def softplus_norm(x, w):
    a = np.log1p(np.exp(w * x))
    return np.sqrt(np.sum(a * a))


def scaled_tanh(x, s):
    y = np.tanh(s * x)
    y = y * y
    return np.sum(y) / s


def piecewise_loop(x, k):
    """A loop with a branch inside."""
    s = 0.0
    for i in range(len(x)):
        if x[i] > 0.0:
            s = s + k * x[i] ** 2
        else:
            s = s - np.sin(k * x[i])
    return s


def newton_sqrt(a):
    """A while loop whose trip count depends on the data."""
    x = a
    while abs(x * x - a) > 1e-10:
        x = 0.5 * (x + a / x)
    return x


def layer(W, x):
    """A vector-valued function (for Jacobians)."""
    return np.tanh(W @ x)


def view_update(x):
    """An update through a view: the alias pass states what it does to the base."""
    y = x * 1.0
    v = y[1:]
    v *= 2.0
    return np.sum(y * y)


import s2sad  # noqa: E402  (here, so the lines of the cases above stay put)


def rnn_scan(W, U, h0, xs):
    """An RNN written with s2sad.scan: the reverse sweep is an explicit reversed loop."""
    def cell(h, x):
        h = np.tanh(W @ h + U @ x)
        return h, np.sum(h)

    h, ys = s2sad.scan(cell, h0, xs)
    return np.sum(h * h) + np.sum(ys)


CASES = {
    "rosenbrock_grad": (rosenbrock, "grad", 0),
    "logistic_loss_grad": (logistic_loss, "grad", 0),
    "mlp_loss_grad": (mlp_loss, "grad", 0),
    "softplus_norm_grad": (softplus_norm, "grad", (0, 1)),
    "scaled_tanh_value_and_grad": (scaled_tanh, "value_and_grad", 1),
    "piecewise_loop_grad": (piecewise_loop, "grad", 0),
    "newton_sqrt_grad": (newton_sqrt, "grad", 0),
    "piecewise_loop_hessian": (piecewise_loop, "hessian", 0),
    "layer_jacrev": (layer, "jacrev", 1),
    "layer_jacfwd": (layer, "jacfwd", (0, 1)),
    "view_update_grad": (view_update, "grad", 0),
    "rnn_scan_grad": (rnn_scan, "grad", (0, 1, 2)),
}
