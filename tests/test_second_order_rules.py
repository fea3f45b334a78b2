"""Second derivatives through the runtime helpers that reverse-mode code calls.

A Hessian is forward mode over generated reverse code, so each helper's own rule
is exercised here against central differences of the (first-order) gradient.
"""

import numpy as np
import pytest

import s2sad
from s2sad.rules import registry


def smooth_max(x):
    return np.max(x * x, axis=0).sum() + np.sum(np.sin(x))


def mean_var(x):
    return np.mean(x ** 3) + np.var(x) * np.std(x)


def reductions_and_shapes(x):
    y = np.reshape(x, (2, 3))
    z = np.concatenate([y, y.T @ y], axis=0)
    return np.sum(np.cumsum(z, axis=1) * z) + np.linalg.norm(x) ** 3


def matmuls(x):
    A = np.reshape(x, (2, 3))
    return np.sum(np.tanh(A @ A.T)) + np.trace(np.outer(x, x))


def fd_hessian(f, x, eps=1e-5):
    g = s2sad.grad(f)
    cols = []
    for k in range(x.size):
        e = np.zeros(x.size)
        e[k] = eps
        e = e.reshape(x.shape)
        cols.append((g(x + e) - g(x - e)) / (2 * eps))
    return np.stack(cols, axis=-1)


@pytest.mark.parametrize("f", [smooth_max, mean_var, reductions_and_shapes, matmuls])
def test_hessian_matches_differences_of_the_gradient(f):
    x = np.array([0.9, -0.4, 1.3, 0.2, -1.1, 0.6]) if f is not smooth_max else np.array(
        [[0.9, -1.4], [0.3, 0.2], [-1.6, 0.5]])
    h = s2sad.hessian(f)(x)
    np.testing.assert_allclose(h, fd_hessian(f, x).reshape(h.shape), rtol=1e-5, atol=1e-6)


def test_reserved_template_names_are_refused():
    with pytest.raises(ValueError, match="reserved"):
        @registry.defrule(object(), name="_test.bad", diff="x")
        class bad:
            def signature(x, out): ...

            def jvp_x(t, x):
                return t

            def vjp_x(g, x):
                return g


def stacked(x):
    m = np.vstack([x[:3], x[3:]])
    v = np.array([x[0], x[1] * x[2]])
    return np.sum(np.hstack([m, m]) ** 3) + np.sum(v * v)


def test_reverse_over_reverse_through_list_valued_cotangents():
    # the cotangents of vstack/hstack/np.array are lists: added leaf by leaf, not concatenated
    x = np.array([0.9, -0.4, 1.3, 0.2, -1.1, 0.6])
    np.testing.assert_allclose(s2sad.jacrev(s2sad.grad(stacked))(x), fd_hessian(stacked, x),
                               rtol=1e-5, atol=1e-6)
