"""User helper functions living in another module: the corpora call them across modules.

Some use default and keyword arguments, some take a function as an argument, some
call each other (and one calls itself).
"""

import math

import numpy as np

HALF = 0.5  # a module constant the helpers read


def smooth_abs(x, eps=1e-3):
    return np.sqrt(x * x + eps)


def scaled_square(x, scale=1.0, offset=0.0):
    return scale * (x - offset) ** 2


def energy(x):
    return HALF * np.sum(x ** 2)


def softplus(x):
    return np.logaddexp(0.0, x)


def dense(W, b, h):
    return np.tanh(h @ W + b)


def logistic(z):
    return 1.0 / (1.0 + np.exp(-z))


def soft_clip(x, lo=-1.0, hi=1.0):
    """Piecewise: quadratic joins outside [lo, hi] (C1 at the joins)."""
    if x > hi:
        return hi + (x - hi) - HALF * (x - hi) ** 2
    elif x < lo:
        return lo + (x - lo) + HALF * (x - lo) ** 2
    return x


def horner(x, coeffs):
    """Polynomial with coefficients highest first, evaluated by a loop."""
    acc = 0.0 * x
    for c in coeffs:
        acc = acc * x + c
    return acc


def rk4_step(rhs, y, theta, dt):
    k1 = rhs(y, theta)
    k2 = rhs(y + 0.5 * dt * k1, theta)
    k3 = rhs(y + 0.5 * dt * k2, theta)
    k4 = rhs(y + dt * k3, theta)
    return y + dt / 6.0 * (k1 + 2.0 * k2 + 2.0 * k3 + k4)


def rk4_integrate(rhs, y0, theta, dt=0.05, steps=20):
    y = y0
    for _ in range(steps):
        y = rk4_step(rhs, y, theta, dt)
    return y


def decay_rhs(y, theta):
    return -theta * y + 0.1 * np.sin(y)


def trig_mix(a, b, weight=2.0):
    return math.sin(a) * weight + math.cos(b) * a


def factorial_like(x, n):
    """Recursion across a module boundary: x (x + 1) ... (x + n - 1)."""
    if n <= 0:
        return 1.0 + 0.0 * x
    return (x + (n - 1)) * factorial_like(x, n - 1)
