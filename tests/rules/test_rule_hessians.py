"""Second derivatives through the compiler: forward mode over the generated reverse code
runs the rules of the runtime helpers (norms, einsum, dot/inner, clip bounds, linalg,
joins, min/max). Checked against central differences of the (first-order) gradient."""

import math

import numpy as np
import pytest

import s2sad


def norms(x):
    return (np.linalg.norm(x, np.inf) * np.sum(x * x) + np.linalg.norm(x, 3) ** 2
            + np.sum(np.linalg.norm(np.reshape(x, (2, 3)), axis=1) ** 3))


def spectral_norms(x):
    """ord 2, -2 and 'nuc' of matrices: functions of the singular values (distinct here)."""
    a = np.reshape(x, (2, 3))
    return (np.linalg.norm(a, 2) ** 2 + np.linalg.norm(a, "nuc") * np.linalg.norm(a.T, -2)
            + np.sum(np.linalg.norm(np.stack([a, 2.0 * a + 1.0]), ord="nuc", axis=(1, 2))))


def einsums(x):
    a = np.reshape(x, (2, 3))
    return (np.sum(np.tanh(np.einsum("ij,kj->ik", a, a))) + np.einsum("ij,kj,kl->", a, a, a)
            + np.sum(np.einsum("...i,...i->...", a, a) ** 2))


def einsum_diagonal(x):
    a = np.reshape(x, (3, 3))
    return np.einsum("ii", a @ a) + np.sum(np.einsum("ii->i", a) ** 3)


def products(x):
    a, b = np.reshape(x, (1, 2, 3)), np.reshape(x, (3, 2))
    return np.sum(np.sin(np.dot(a, b))) + np.sum(np.inner(b, b) ** 2)


def clipped(x, lo):
    return np.sum(np.clip(x, lo, 0.9 * lo + 1.0) ** 2)


def scalars(a, b):
    return max(a * b, b) * min(a, 2.0 * b) + math.pow(a, 3.0) + a ** b


def linalg(x):
    a = np.reshape(x, (3, 3)) + 3.0 * np.eye(3)
    sign, logdet = np.linalg.slogdet(a)
    return (logdet + np.linalg.det(a) + np.sum(np.linalg.solve(a, x[:3]) ** 2)
            + np.sum(np.linalg.inv(a)))


def joins(x):
    a = np.reshape(x, (2, 3))
    d = np.stack([a, a * a], axis=1)
    return (np.sum(np.vstack([a, a[0]]) ** 3) + np.sum(np.tile(np.hstack([a, a[:, :1]]), 2) ** 2)
            + np.sum(np.flip(np.moveaxis(d, 0, -1), 1) * np.swapaxes(d, 1, 2))
            + np.sum(np.array([x[0] * x[1], x[2] ** 2]) ** 3))


def fd_hessian(f, args, argnum, eps=1e-5):
    g = s2sad.grad(f, argnums=argnum)
    x = np.asarray(args[argnum], float)
    cols = []
    for k in range(x.size):
        e = np.zeros(x.size)
        e[k] = eps
        e = e.reshape(x.shape)
        hi = list(args)
        lo = list(args)
        hi[argnum], lo[argnum] = x + e, x - e
        if np.ndim(args[argnum]) == 0:
            hi[argnum], lo[argnum] = float(hi[argnum]), float(lo[argnum])
        cols.append((np.asarray(g(*hi)) - np.asarray(g(*lo))) / (2 * eps))
    return np.stack(cols, axis=-1).reshape(x.shape + x.shape)


X6 = np.array([0.9, -0.4, 1.3, 0.2, -1.1, 0.6])
X9 = np.array([0.9, -0.4, 1.3, 0.2, -1.1, 0.6, 0.3, -0.8, 0.5])


@pytest.mark.parametrize("f, args, argnum", [
    (norms, (X6,), 0), (einsums, (X6,), 0), (einsum_diagonal, (X9,), 0), (products, (X6,), 0),
    (clipped, (X6, 0.25), 0), (clipped, (X6, 0.25), 1), (scalars, (1.3, 0.7), 0),
    (scalars, (1.3, 0.7), 1), (linalg, (X9,), 0), (joins, (X6,), 0),
    (spectral_norms, (X6,), 0),
], ids=lambda v: getattr(v, "__name__", None) if callable(v) else None)
def test_hessian_matches_differences_of_the_gradient(f, args, argnum):
    h = s2sad.hessian(f, argnums=argnum)(*args)
    np.testing.assert_allclose(h, fd_hessian(f, args, argnum), rtol=1e-5, atol=1e-6)
