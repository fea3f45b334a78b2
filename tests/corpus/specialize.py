"""Functions for the specialization tests (tests/test_specialize.py)."""

import numpy as np


def piecewise(x):
    s = 0.0
    for i in range(6):
        if x > 1.0:
            x = 0.5 * x * x
        else:
            x = x + 0.3
        s = s + x
    return s


def oscillator(k, x0=1.0, v0=0.0, dt=0.05, steps=40):
    x, v = x0, v0
    for _ in range(steps):
        a = -k * x
        x = x + dt * v
        v = v + dt * a
    return x * x + v * v


def any_input(x, w=2.0):
    """Used with floats, 0-d arrays, float32 vectors, (n, 1) matrices and pytrees."""
    if isinstance(x, (list, tuple)):
        return sum(np.sum(np.sin(a) * w) for a in x)
    y = np.sin(x) * w + x * x
    return np.sum(y * np.ones((1, 3)))


def broadcast_pair(x, y):
    return np.sum(np.tanh(x * y) + x)


def rosenbrock(x):
    a = x[:-1]
    b = x[1:]
    return np.sum(100.0 * (b - a ** 2) ** 2 + (1.0 - a) ** 2)


def slices_of_other_lengths(x):
    return np.sum(x[1:3] * x[:2]) + np.sum(x[::2] * x[0]) + np.sum(x[2:] * x[-1])


def products(W, v, M, u):
    h = np.tanh(W @ v)          # (m, k) @ (k,)
    z = v @ M                   # (k,) @ (k, n)
    P = W @ M                   # (m, k) @ (k, n)
    return np.sum(h ** 2) + np.sum(np.sin(z)) + np.sum(P * P) + np.dot(v, u) ** 2


def rnn(W, h0, xs):
    h = h0
    for t in range(6):
        h = np.tanh(W @ h + xs[t])
    return np.sum(h ** 2)
