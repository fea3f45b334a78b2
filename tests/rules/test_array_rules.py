"""Array-manipulation rules (``rules/numpy_arrays.py``): semantics the rule table cannot see
(prod at exact zeros, NaN handling, sinc at 0, pad modes without ``constant_values``), and
functions that return lists or take options, run end to end through the compiler (grad,
Hessian) against central differences."""

from __future__ import annotations

import numpy as np
import pytest

import s2sad
from s2sad import runtime as rt
from s2sad.rules import registry


def call(name, kind, p, v, *args, **kwargs):
    """A rule template called directly: ``kind`` "jvp" with tangent ``v`` or "vjp" with
    cotangent ``v`` of the output."""
    rule = registry.lookup(name)
    env = {**rule.bind(args, kwargs), "out": rule.obj(*args, **kwargs), "t": v, "g": v}
    fn = (rule.jvps if kind == "jvp" else rule.vjps)[p]
    return fn(**{n: env[n] for n in fn.__code__.co_varnames[:fn.__code__.co_argcount]})


def fd_grad(f, x, eps=1e-6):
    x = np.asarray(x, float)
    out = np.zeros_like(x)
    for k in range(x.size):
        e = np.zeros(x.size)
        e[k] = eps
        e = e.reshape(x.shape)
        out.flat[k] = (f(x + e) - f(x - e)) / (2 * eps)
    return out


def fd_hessian(f, x, eps=1e-5):
    g = s2sad.grad(f)
    return np.stack([fd_grad(lambda y: g(y).flat[k], x, eps) for k in range(x.size)]).reshape(
        x.shape + x.shape)


# --------------------------------------------------------------------------- prod at zeros


def prod(x):
    return np.prod(x)


def weighted_row_prod(x, w):
    return np.sum(np.prod(x, axis=1) * w)


def _others(a):
    """The closed form: d prod(a) / d a_j is the product of every other element."""
    return np.array([np.prod(np.delete(a, j)) for j in range(a.size)])


@pytest.mark.parametrize("a", [np.array([2.0, 0.0, 3.0, -1.5]), np.array([0.0, 4.0, 0.0, 2.0]),
                               np.array([0.0]), np.array([1.5, -2.0, 0.5])])
def test_prod_gradient_at_zeros_is_the_product_of_the_others(a):
    expected = _others(a)
    np.testing.assert_allclose(call("np.prod", "vjp", "a", 1.0, a), expected)
    np.testing.assert_allclose(s2sad.grad(prod)(a), expected)
    t = np.array([0.3, -1.0, 2.0, 0.5])[:a.size]
    np.testing.assert_allclose(call("np.prod", "jvp", "a", t, a), expected @ t)
    np.testing.assert_allclose(fd_grad(np.prod, a), expected, atol=1e-8)


def test_prod_along_an_axis_with_zeros():
    a = np.array([[1.0, 0.0, 2.0], [3.0, 4.0, 0.0], [0.0, 0.0, 5.0]])
    g = np.array([1.0, -2.0, 0.5])
    expected = g[:, None] * np.stack([_others(row) for row in a])
    np.testing.assert_allclose(call("np.prod", "vjp", "a", g, a, axis=1), expected)
    np.testing.assert_allclose(call("np.prod", "vjp", "a", g[None, :], a, axis=0,
                                    keepdims=True), g * np.stack([_others(c) for c in a.T]).T)
    np.testing.assert_allclose(s2sad.grad(weighted_row_prod)(a, g),
                               expected)


def test_prod_hessian_away_from_zero():
    a = np.array([1.3, -0.7, 2.0, 0.9])
    np.testing.assert_allclose(s2sad.hessian(prod)(a), fd_hessian(prod, a),
                               rtol=1e-6, atol=1e-6)


# --------------------------------------------------------------------------- NaNs, kinks


def fmax_sum(x, y):
    return np.sum(np.fmax(x, y))


def fmin_sum(x, y):
    return np.sum(np.fmin(x, y))


def nansum(x):
    return np.nansum(x)


def row_nanmeans(x):
    return np.sum(np.nanmean(x, axis=1))


def nan_to_num(x):
    return np.sum(np.nan_to_num(x) * 3.0)


def sinc(x):
    return np.sum(np.sinc(x))


def test_fmax_and_fmin_pass_the_other_operand_through_a_nan():
    x, y = np.array([np.nan, 1.0, 2.0, 3.0]), np.array([1.0, np.nan, 2.0, 1.0])
    np.testing.assert_allclose(s2sad.grad(fmax_sum)(x, y), [0, 1, 0.5, 1])
    np.testing.assert_allclose(s2sad.grad(fmin_sum)(x, y), [0, 1, 0.5, 0])
    np.testing.assert_allclose(s2sad.grad(fmin_sum, argnums=1)(x, y), [1, 0, 0.5, 1])


def test_nansum_and_nanmean_skip_nans():
    a = np.array([[1.0, np.nan, 2.0], [np.nan, np.nan, 4.0]])
    np.testing.assert_allclose(s2sad.grad(nansum)(a), [[1, 0, 1], [0, 0, 1]])
    np.testing.assert_allclose(s2sad.grad(row_nanmeans)(a),
                               [[0.5, 0, 0.5], [0, 0, 1]])


def test_nan_to_num_passes_finite_values_only():
    a = np.array([1.0, np.nan, np.inf, -2.0])
    np.testing.assert_allclose(s2sad.grad(nan_to_num)(a),
                               [3, 0, 0, 3])


def test_sinc_derivative_at_zero_and_elsewhere():
    x = np.array([0.0, 0.5, -1.3])
    closed = np.array([0.0] + [(np.cos(np.pi * v) - np.sinc(v)) / v for v in x[1:]])
    np.testing.assert_allclose(s2sad.grad(sinc)(x), closed)


def test_partition_follows_its_own_output():
    a = np.array([0.3, -1.2, 2.5, 0.9, -0.4, 1.7, 0.1])
    g = np.arange(7.0)
    cot = call("np.partition", "vjp", "a", g, a, 3)
    out = np.partition(a, 3)
    np.testing.assert_allclose(cot[[list(a).index(v) for v in out]], g)  # g[k] goes to out[k]


# --------------------------------------------------------------------------- through the compiler

X12 = np.array([0.9, -0.4, 1.3, 0.2, -1.1, 0.6, 0.3, -0.8, 0.5, 1.2, -0.3, 0.7])


def padded(x):
    a = np.reshape(x, (3, 4))
    return (np.sum(np.pad(a, 2, mode="reflect") ** 2) + np.sum(np.pad(x, (1, 3), "edge") ** 3)
            + np.sum(np.sin(np.pad(a, ((1, 0), (2, 1)), mode="symmetric")))
            + np.sum(np.pad(x[:5], 3, mode="wrap") ** 3)
            + np.sum(np.pad(x, 1, constant_values=2.0) ** 2))


def splits(x):
    a, b, c = np.split(x, 3)
    top, bottom = np.vsplit(np.reshape(x, (4, 3)), [1])
    parts = np.array_split(x, 5)
    return (np.sum(a * b * np.sin(c)) + np.sum(top ** 2) * np.sum(np.cos(bottom))
            + np.sum(parts[0] * parts[1]) + np.sum(np.hsplit(np.reshape(x, (2, 6)), 3)[2] ** 3))


def differences(x):
    a = np.reshape(x, (3, 4))
    return np.sum(np.diff(x, 2) ** 3) + np.sum(np.sin(np.diff(a, axis=0)))


def gradients(x):
    a = np.reshape(x, (3, 4))
    gx, gy = np.gradient(a * a, 0.5, 2.0)
    return np.sum(gx * gy) + np.sum(np.gradient(np.sin(x), edge_order=2) ** 2)


def products(x):
    a, b = np.reshape(x[:6], (2, 3)), np.reshape(x[6:], (3, 2))
    return (np.sum(np.tensordot(a, b, axes=1) ** 2) + np.sum(np.kron(a, b) ** 2)
            + np.sum(np.cross(a, b.T) ** 2) + np.sum(np.cross(a, b.T, axisa=1, axisc=0) * a.T))


def selections(x):
    a = np.reshape(x, (3, 4))
    conds = [a > 0.45, a < -0.55]
    return (np.sum(np.select(conds, [a * a, np.sin(a)], a ** 3))
            + np.sum(np.sort(x) * np.arange(12.0)) + np.sum(np.partition(x, 4)[:4] ** 2)
            + np.sum(np.take(x, [0, 3, 3, 7]) ** 2) + np.sum(np.repeat(a, [1, 2, 0], axis=0) ** 3))


def shapes(x):
    a = np.reshape(x, (3, 4))
    return (np.sum(np.triu(a, 1) ** 2) + np.sum(np.tril(x[:4]) ** 3) + np.sum(np.diag(a) ** 3)
            + np.sum(np.diag(x[:3]) @ a) + np.sum(np.rot90(a) * np.flipud(a).T)
            + np.sum(np.roll(a, 1, axis=1) * a) + np.sum(np.append(a, x[:4] ** 2) ** 2)
            + np.sum(np.column_stack([x[:3], a]) ** 2) + np.sum(np.atleast_2d(x) ** 3)
            + np.sum(np.cumprod(x[:5] + 2.0) ** 2))


def grids(x):
    gx, gy = np.meshgrid(x[:3], x[3:7])
    u, v = np.meshgrid(x[7:9], x[9:], indexing="ij", sparse=True)
    return np.sum(gx * gy ** 2) + np.sum(np.sin(u * v))


COMPILED = [padded, splits, differences, products, selections, shapes, grids]


@pytest.mark.parametrize("f", COMPILED, ids=lambda f: f.__name__)
def test_gradient_through_the_compiler_matches_differences(f):
    np.testing.assert_allclose(s2sad.grad(f)(X12), fd_grad(f, X12), rtol=1e-6, atol=1e-7)


@pytest.mark.parametrize("f", COMPILED, ids=lambda f: f.__name__)
def test_hessian_through_the_compiler_matches_differences_of_the_gradient(f):
    np.testing.assert_allclose(s2sad.hessian(f)(X12), fd_hessian(f, X12), rtol=1e-5, atol=1e-5)


def test_np_gradient_through_the_compiler():
    np.testing.assert_allclose(s2sad.grad(gradients)(X12), fd_grad(gradients, X12), rtol=1e-6,
                               atol=1e-7)


def test_unsupported_pad_mode_is_a_clear_error():
    with pytest.raises(NotImplementedError, match="mode='maximum'"):
        rt.pad_vjp(np.ones(5), np.ones(3), 1, "maximum")


def r_concat(x):
    y = np.r_[x, 2.0 * x, np.sin(x[0])]
    return np.sum(y ** 2)


def c_columns(x):
    m = np.c_[x, x ** 2]
    return np.sum((m @ np.array([1.0, -0.5])) ** 2)


def r_with_a_slice(x):
    return np.sum(np.r_[0:3, x])


@pytest.mark.parametrize("f", [r_concat, c_columns])
def test_r_and_c_index_tricks(f):
    x = X12[:4]
    assert np.allclose(s2sad.grad(f)(x), fd_grad(f, x), rtol=1e-6, atol=1e-7)


def test_r_with_slices_is_refused_at_the_line():
    with pytest.raises(s2sad.UnsupportedSyntaxError, match="`np.r_` with slices"):
        s2sad.grad(r_with_a_slice)(X12[:4])
