"""The leftovers of issue 8, end to end against central differences in float64.

- NumPy functions people call on matrices: spectral norms (ord 2, -2, 'nuc'), lstsq,
  fftn/ifftn, stacked solves with one right-hand side, prod at exact zeros, and global
  ``np.random`` draws, which are constants of the sweep drawn once, as the function draws.
"""

import numpy as np
import pytest

import s2sad
from fd import assert_tree_allclose, numerical_grad, numerical_hessian, numerical_jvp

_rng = np.random.default_rng(11)

# --------------------------------------------------------------------------- NumPy functions


def matrix_norms(a):
    """ord 2, -2 and 'nuc' are functions of the singular values (distinct at A below)."""
    stack = np.stack([a, np.sin(a)])
    return (np.linalg.norm(a, 2) ** 2 + np.linalg.norm(a, "nuc") * np.linalg.norm(a.T, -2)
            + np.sum(np.linalg.norm(stack, ord="nuc", axis=(1, 2), keepdims=True) ** 2)
            + np.linalg.norm(a[0], 2))


def least_squares(a, b):
    x, residuals, rank, s = np.linalg.lstsq(a, b, rcond=None)
    return np.sum(x * np.cos(x)) + np.sum(residuals) + 0.1 * np.sum(s ** 2) + 0.0 * rank


def least_norm(a, b):
    """A wide system: lstsq gives the least-norm solution and no residuals."""
    return np.sum(np.linalg.lstsq(a.T, b[:3], rcond=None)[0] ** 3)


def spectra(a):
    f = np.fft.fftn(a * a)
    g = np.fft.ifftn(np.sin(a), axes=(1,))
    return np.sum(np.abs(f) ** 2) + np.sum(np.real(g) * a) + np.sum(np.imag(g) ** 2)


def stacked_solve(a, b):
    """np.linalg.solve of a stack of matrices with one 1-d right-hand side (NumPy 2)."""
    mats = np.stack([a[:3] + 3.0 * np.eye(3), a[1:] + 4.0 * np.eye(3)])
    return np.sum(np.linalg.solve(mats, b[:3]) ** 2)


def product_with_zeros(x):
    return np.prod(x) + np.sum(np.prod(np.reshape(x, (2, 3)), axis=1) ** 2)


A = _rng.normal(size=(4, 3))
B = _rng.normal(size=4)

CASES = {
    "matrix_norms": (matrix_norms, (A,), 0),
    "least_squares": (least_squares, (A, B), (0, 1)),
    "least_norm": (least_norm, (A, B), (0, 1)),
    "spectra": (spectra, (A,), 0),
    "stacked_solve": (stacked_solve, (A, B), (0, 1)),
    "product_with_zeros": (product_with_zeros, (np.array([1.5, 0.0, -2.0, 0.0, 3.0, 0.5]),), 0),
}


@pytest.mark.parametrize("name", list(CASES))
def test_gradient_matches_central_differences(name):
    f, args, argnums = CASES[name]
    g = s2sad.grad(f, argnums=argnums)(*args)
    assert_tree_allclose(g, numerical_grad(f, args, argnums), rtol=1e-6, atol=1e-8)


@pytest.mark.parametrize("name", list(CASES))
def test_jvp_matches_central_differences(name):
    f, args, _ = CASES[name]
    tangents = tuple(_rng.normal(size=np.shape(a)) for a in args)
    out, tangent = s2sad.jvp(f, args, tangents)
    np.testing.assert_allclose(out, f(*args), rtol=1e-12)
    np.testing.assert_allclose(tangent, numerical_jvp(f, args, tangents), rtol=1e-6, atol=1e-8)


@pytest.mark.parametrize("name", ["matrix_norms", "least_squares", "least_norm", "spectra",
                                  "stacked_solve"])
def test_hessian_matches_differences_of_the_gradient(name):
    f, args, _ = CASES[name]
    h = s2sad.hessian(f)(*args)
    np.testing.assert_allclose(h, numerical_hessian(f, args, 0), rtol=1e-5, atol=1e-5)


def test_third_derivatives_of_spectral_norms_are_refused_clearly():
    third = s2sad.jacfwd(s2sad.hessian(lambda a: np.linalg.norm(a, "nuc")))
    with pytest.raises(NotImplementedError, match="third derivatives of np.linalg.norm"):
        third(A)


def global_draws(x):
    noise = np.random.randn(3) + np.random.normal(0.0, 2.0, size=3)
    return np.sum(x * noise) + np.sum(x ** 2 * np.random.uniform(size=3)) + np.random.rand()


def test_global_random_draws_are_constants_drawn_once_as_the_function_draws():
    x = np.array([0.3, -0.7, 1.1])
    np.random.seed(5)
    noise = np.random.randn(3) + np.random.normal(0.0, 2.0, size=3)
    u = np.random.uniform(size=3)
    np.random.rand()
    after = np.random.rand()
    np.random.seed(5)
    value, g = s2sad.value_and_grad(global_draws)(x)
    np.testing.assert_allclose(g, noise + 2.0 * x * u, rtol=1e-12)
    assert np.random.rand() == after, "the gradient did not draw exactly as the function does"
    np.random.seed(5)
    assert value == global_draws(x)


def draw_from_a_differentiated_mean(x):
    return np.sum(np.random.normal(x, 1.0))


def test_a_draw_that_a_derivative_would_flow_through_is_named():
    with pytest.raises(s2sad.DifferentiationError, match="np.random.normal has no derivative"):
        s2sad.grad(draw_from_a_differentiated_mean)(np.ones(3))
