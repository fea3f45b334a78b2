"""``s2sad.root`` and ``s2sad.fixed_point`` (issue 14): derivatives of solutions by the
implicit function theorem, against central differences and against differentiating
the unrolled solver (which converges to the same derivative)."""

import numpy as np
import pytest

import fd
import s2sad


def cubic(x, t):
    return x ** 3 + t * x - 1.0


def cubic_root(theta):
    x = s2sad.root(cubic, 1.0, theta)
    return x * x


def unrolled_cubic_root(theta):
    """The same Newton iteration written out: differentiated through every step."""
    x = 1.0
    for _ in range(30):
        x = x - cubic(x, theta) / (3.0 * x * x + theta)
    return x * x


def system(theta):
    def g(x, t):
        return np.array([x[0] ** 2 + x[1] - t[0], x[0] - x[1] ** 3 + t[1]])
    x = s2sad.root(g, np.array([1.0, 1.0]), theta)
    return np.sum(x * np.array([1.0, 2.0]))


def kepler(e, m):
    """Kepler's equation E - e sin E = M, as a fixed point E = M + e sin E."""
    big_e = s2sad.fixed_point(lambda E, p: p[1] + p[0] * np.sin(E), m, np.array([e, m]))
    return np.cos(big_e)


def test_direct_calls_solve():
    x = s2sad.root(cubic, 1.0, 0.5)
    assert abs(cubic(x, 0.5)) < 1e-10
    big_e = s2sad.fixed_point(lambda E, p: p[1] + p[0] * np.sin(E), 1.0, np.array([0.3, 1.0]))
    assert big_e - 0.3 * np.sin(big_e) == pytest.approx(1.0)


@pytest.mark.parametrize("f, args, argnums", [
    (cubic_root, (0.5,), 0),
    (system, (np.array([2.0, 0.5]),), 0),
    (kepler, (0.3, 1.0), (0, 1)),
], ids=["scalar", "system", "kepler"])
def test_implicit_derivatives_match_finite_differences(f, args, argnums):
    got = s2sad.grad(f, argnums=argnums)(*args)
    fd.assert_tree_allclose(got, fd.numerical_grad(f, args, argnums), rtol=1e-6, atol=1e-9)
    primals = tuple(np.asarray(a, float) for a in args)
    tangents = tuple(np.ones_like(p) for p in primals)
    _, t = s2sad.jvp(f, primals, tangents)
    assert t == pytest.approx(fd.numerical_jvp(f, primals, tangents), rel=1e-6)


def test_implicit_matches_the_unrolled_solver():
    implicit = s2sad.grad(cubic_root)(0.5)
    unrolled = s2sad.grad(unrolled_cubic_root)(0.5)
    assert implicit == pytest.approx(unrolled, rel=1e-10)
