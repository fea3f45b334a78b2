"""NaN-free derivatives (issue 14): a zero (co)tangent never becomes NaN through a singular
partial (the arm ``np.where`` did not take, a value overwritten before it is read), and
``sqrt``/``norm``/``hypot`` at 0 take the finite zero subgradient; a derivative that
really is NaN or infinite stays so. Checked element by element, both modes."""

import warnings

import numpy as np
import pytest

import s2sad

X = np.array([-1.0, 0.0, 4.0])


def where_sqrt(x):
    return np.sum(np.where(x > 0, np.sqrt(x), 0.0))


def log_of_where(x):
    return np.sum(np.log(np.where(x > 0, x, 1.0)))


def where_log(x):
    return np.sum(np.where(x > 0, np.log(x), x))


def where_reciprocal(x):
    return np.sum(np.where(x != 0, 1.0 / x, 0.0))


def norm(x):
    return np.linalg.norm(x)


def sqrt_of_squares(x):
    return np.sqrt(np.sum(x * x))


def _helper(x):
    return np.sum(x ** 2)


def overwritten_norm(x):
    v = np.linalg.norm(x - x)  # overwritten before it is read: its derivative is 0
    v = _helper(x)
    return v


def hypot_at_zero(x):
    return np.hypot(x[0] - x[0], 0.0) * 0.0 + np.sum(x)


def log_of_negative(x):
    return np.sum(np.log(x))


@pytest.mark.parametrize("f, x, want", [
    (where_sqrt, X, [0.0, 0.0, 0.25]),
    (log_of_where, X, [0.0, 0.0, 0.25]),
    (where_log, X, [1.0, 1.0, 0.25]),
    (where_reciprocal, X, [-1.0, 0.0, -1.0 / 16.0]),
    (norm, np.zeros(3), [0.0, 0.0, 0.0]),
    (sqrt_of_squares, np.zeros(3), [0.0, 0.0, 0.0]),
    (overwritten_norm, X, 2.0 * X),
    (hypot_at_zero, X, [1.0, 1.0, 1.0]),
], ids=lambda v: getattr(v, "__name__", None))
def test_no_nan_where_the_derivative_is_finite(f, x, want):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # the primal's own log(-1), 1/0
        g = s2sad.grad(f)(x)
        np.testing.assert_array_equal(g, want)
        for k in range(len(x)):  # forward mode, one direction at a time
            _, t = s2sad.jvp(f, (x,), (np.eye(len(x))[k],))
            assert t == want[k]


def test_a_derivative_that_is_really_not_finite_stays_so():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        g = s2sad.grad(log_of_negative)(X)
    assert g[0] == -1.0 and g[1] == np.inf and g[2] == 0.25  # d log x = 1 / x, as JAX


def test_sqrt_at_zero_takes_the_zero_subgradient():
    assert s2sad.grad(lambda x: np.sqrt(x))(np.float64(0.0)) == 0.0
    assert s2sad.grad(lambda x: np.sqrt(x))(np.float64(4.0)) == 0.25
