"""``s2sad.vmap`` (issue 12) against a loop-and-stack oracle: ``f`` called per example, the
results stacked; per-example gradients against central differences; bad input by type
and message.

The corpus covers elementwise code, reductions, matmul, batched ``if``/``elif``, a
``while`` with a per-example trip count (Newton's square root), ``for`` loops with
batched trip counts and ``break``, early returns, pytrees, and ``in_axes``/``out_axes``.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
import pytest

import fd
import s2sad

R = np.random.default_rng(20261212)
K = 5  # examples


def oracle(f, args, in_axes=0, out_axes=0):
    """``vmap(f)`` by definition: ``f`` on each example, results stacked on ``out_axes``."""
    axes = in_axes if isinstance(in_axes, tuple) else (in_axes,) * len(args)
    size = next(np.shape(_leaf_of(a, ax))[_first_int(ax)] for a, ax in zip(args, axes)
                if _first_int(ax) is not None)
    outs = [f(*(_example(a, ax, i) for a, ax in zip(args, axes))) for i in range(size)]
    return _stack(outs, out_axes)


def _first_int(ax):
    if isinstance(ax, dict):
        ax = list(ax.values())
    if isinstance(ax, (tuple, list)):
        return next((_first_int(a) for a in ax if _first_int(a) is not None), None)
    return ax


def _leaf_of(a, ax):
    if isinstance(ax, dict):
        return next(_leaf_of(a[k], ax[k]) for k in ax if _first_int(ax[k]) is not None)
    if isinstance(ax, (tuple, list)):
        return next(_leaf_of(v, x) for v, x in zip(a, ax) if _first_int(x) is not None)
    if isinstance(a, dict):
        return _leaf_of(next(iter(a.values())), ax)
    if isinstance(a, (tuple, list)):
        return _leaf_of(a[0], ax)
    return a


def _example(a, ax, i):
    if isinstance(a, dict):
        return {k: _example(v, ax[k] if isinstance(ax, dict) else ax, i) for k, v in a.items()}
    if isinstance(a, (tuple, list)):
        axs = ax if isinstance(ax, (tuple, list)) else (ax,) * len(a)
        return type(a)(_example(v, x, i) for v, x in zip(a, axs))
    return a if ax is None else np.take(a, i, axis=ax)


def _stack(outs, out_axes):
    first = outs[0]
    if isinstance(first, (tuple, list)):
        axs = out_axes if isinstance(out_axes, (tuple, list)) else (out_axes,) * len(first)
        return type(first)(_stack([o[j] for o in outs], axs[j]) for j in range(len(first)))
    if isinstance(first, dict):
        return {k: _stack([o[k] for o in outs], out_axes) for k in first}
    return np.stack([np.asarray(o) for o in outs], axis=out_axes)


# --------------------------------------------------------------------------- corpus


def elementwise(x):
    return np.sin(x) * 2.0 + x ** 2 - np.exp(-x)


def reductions(x):
    return np.sum(x ** 2) + np.mean(x, axis=0) * np.max(x) - np.min(x, axis=-2)


def matvec(W, x):
    return np.tanh(W @ x) @ W


def both_mapped_matmul(A, x):
    return A @ x + x @ A


def piecewise(x):
    # the untaken arms would give NaN (log of a negative, sqrt) or inf (1/0)
    if x > 1.0:
        y = np.log(x) + 1.0
    elif x > 0.0:
        y = np.sqrt(x)
    else:
        y = 1.0 / (1.0 - x) - x * x
    return y * 3.0


def newton_sqrt(a):
    x = a
    while abs(x * x - a) > 1e-12 * a:
        x = 0.5 * (x + a / x)
    return x


def power_loop(x, n):
    s = 1.0
    for i in range(n):
        s = s * x + 0.1 * i
    return s


def indexed_loop(x, n):
    s = 0.0
    for i in range(n):
        s = s + np.sin(x[i]) * x[i]
    return s


def loop_with_break(x):
    s = 0.0
    for i in range(20):
        s = s + np.sin(x * i) + 1.0
        if s > 4.0:
            break
    return s * x


def early_return(x):
    if x < 0.0:
        return -x * 2.0
    y = np.sqrt(x)
    return y + x


def vector_branch(x):
    total = np.sum(x)
    if total > 0.0:
        out = x * total
    else:
        out = np.cos(x)
    return out


def params_dict(p, x):
    return np.sum(np.tanh(p["w"] * x + p["b"]))


def two_outputs(x, y):
    return x * y, np.sum(x) - y


def numpy_twins(x, A):
    n = len(x) * 1.0 + x.shape[0] + np.ndim(A)
    v = np.array([np.sum(x), x[0] * n, np.size(A) * 1.0])
    y = np.linalg.solve(A, x) + np.dot(A, x) + np.einsum("ij,j->i", A, x)
    return np.dot(v, v) + np.linalg.norm(y) + np.sum(np.outer(x, y)) + np.linalg.norm(A, 2)


def clipped_newton(a, tol):
    x = a + 1.0
    n = 0
    while abs(x * x - a) > tol and n < 50:
        x = x - (x * x - a) / (2.0 * x)
        n = n + 1
    return x


@dataclass
class Case:
    fn: object
    args: tuple
    in_axes: object = 0
    out_axes: object = 0


def _cases():
    pos = np.abs(R.standard_normal(K)) + 0.5
    mixed = np.array([-1.5, -0.2, 0.0, 0.3, 2.5])
    W = R.standard_normal((3, 4))
    return [
        Case(elementwise, (R.standard_normal((K, 3)),)),
        Case(elementwise, (R.standard_normal(K),)),
        Case(reductions, (R.standard_normal((K, 3, 4)),)),
        Case(matvec, (W, R.standard_normal((K, 4))), (None, 0)),
        Case(matvec, (R.standard_normal((K, 3, 4)), R.standard_normal((4, K))), (0, 1)),
        Case(both_mapped_matmul, (R.standard_normal((K, 3, 3)), R.standard_normal((K, 3)))),
        Case(piecewise, (mixed,)),
        Case(newton_sqrt, (np.array([0.01, 1.0, 2.0, 50.0, 1e4]),)),
        Case(power_loop, (R.standard_normal(K), np.array([0, 1, 3, 2, 6]))),
        Case(power_loop, (R.standard_normal(K), 4), (0, None)),
        Case(loop_with_break, (np.linspace(0.1, 2.0, K),)),
        Case(indexed_loop, (R.standard_normal((K, 6)), np.array([0, 2, 6, 3, 1]))),
        Case(early_return, (mixed,)),
        Case(vector_branch, (R.standard_normal((K, 3)) + np.array([[1], [-1], [1], [-1], [1]]),)),
        Case(params_dict, ({"w": R.standard_normal(3), "b": R.standard_normal((K, 3))},
                           R.standard_normal((3, K))), ({"w": None, "b": 0}, -1)),
        Case(two_outputs, (R.standard_normal((2, K)), R.standard_normal(K)), (1, 0), (1, 0)),
        Case(two_outputs, (R.standard_normal((K, 2)), R.standard_normal(K)), (0, 0), -1),
        Case(clipped_newton, (pos, np.array([1e-3, 1e-6, 1e-9, 1e-12, 1e-2])), (0, 0)),
        Case(numpy_twins, (R.standard_normal((K, 3)), R.standard_normal((K, 3, 3)) + 3 * np.eye(3))),
        Case(numpy_twins, (R.standard_normal((K, 3)), R.standard_normal((3, 3)) + 3 * np.eye(3)),
             (0, None)),
    ]


CASES = _cases()


@pytest.mark.parametrize("c", CASES, ids=lambda c: c.fn.__name__)
def test_vmap_matches_a_loop_over_examples(c):
    v = s2sad.vmap(c.fn, in_axes=c.in_axes, out_axes=c.out_axes)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no NaN/inf from untaken arms, no per-lane loop
        got = v(*c.args)
    fd.assert_tree_allclose(got, oracle(c.fn, c.args, c.in_axes, c.out_axes), rtol=1e-12,
                            atol=1e-12)
    assert "vmap_call" not in v.source and "for _" not in v.source.split("_batched(")[0]


def test_the_seed_case():
    def square_if_even(x):
        return x ** 2 if x % 2 == 0 else x

    xs = np.array([1.0, 2.0, 3.0, 4.0])
    np.testing.assert_array_equal(s2sad.vmap(s2sad.grad(square_if_even))(xs), [1, 4, 1, 8])
    np.testing.assert_array_equal(s2sad.vmap(square_if_even)(xs), [1, 4, 3, 16])


# --------------------------------------------------------------------------- gradients

GRAD_CASES = [
    (piecewise, np.array([-1.5, -0.2, 0.3, 2.5])),
    (newton_sqrt, np.array([0.01, 2.0, 50.0, 1e4])),
    (loop_with_break, np.linspace(0.1, 2.0, 4)),
    (early_return, np.array([-1.5, -0.2, 0.3, 2.5])),
    (elementwise, R.standard_normal(4)),
]


@pytest.mark.parametrize("f, xs", GRAD_CASES, ids=lambda v: getattr(v, "__name__", ""))
def test_per_example_gradients_match_finite_differences(f, xs):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        got = s2sad.vmap(s2sad.grad(f))(xs)
    want = [fd.numerical_grad(f, (float(x),)) for x in xs]
    np.testing.assert_allclose(got, want, rtol=1e-6, atol=1e-8)
    np.testing.assert_allclose(got, [s2sad.grad(f)(float(x)) for x in xs], rtol=1e-12)


@pytest.mark.parametrize("f, xs", [(power_loop, R.standard_normal(K)),
                                   (indexed_loop, R.standard_normal((K, 6)))],
                         ids=["power", "indexed"])
def test_loop_gradients_with_a_trip_count_per_example(f, xs):
    ns = np.array([0, 1, 3, 2, 6])  # the reverse loop runs right-aligned: each lane's last trips
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        got = s2sad.vmap(s2sad.grad(f))(xs, ns)
    np.testing.assert_allclose(got, [s2sad.grad(f)(x, int(n)) for x, n in zip(xs, ns)],
                               rtol=1e-12)
    np.testing.assert_allclose(got, [fd.numerical_grad(f, (x, int(n))) for x, n in zip(xs, ns)],
                               rtol=1e-6, atol=1e-8)


def logistic_loss(w, x, y):
    z = x @ w
    return np.log(1.0 + np.exp(-y * z))


def test_per_example_gradients_of_logistic_regression():
    w, X, Y = R.standard_normal(4), R.standard_normal((K, 4)), np.sign(R.standard_normal(K))
    got = s2sad.vmap(s2sad.grad(logistic_loss), in_axes=(None, 0, 0))(w, X, Y)
    want = np.stack([fd.numerical_grad(logistic_loss, (w, X[i], Y[i])) for i in range(K)])
    np.testing.assert_allclose(got, want, rtol=1e-6, atol=1e-9)


# --------------------------------------------------------------------------- composition


def _decay(c, x):
    c = c * 0.9 + np.sin(x)
    return c, c * 2.0


def scanned(x0, xs):
    c, ys = s2sad.scan(_decay, x0, xs)
    return c + np.sum(ys)


def _cubic(x):
    return np.sin(x) * x ** 2


def with_jvp(x):
    out, t = s2sad.jvp(_cubic, (x,), (1.0,))
    return out + t * x


@pytest.mark.parametrize("f, args", [
    (scanned, (R.standard_normal(K), R.standard_normal((K, 7)))),
    (with_jvp, (R.standard_normal(K),)),
], ids=["scan", "jvp"])
def test_vmap_of_scan_and_of_jvp_and_their_gradients(f, args):
    np.testing.assert_allclose(s2sad.vmap(f)(*args), oracle(f, args), rtol=1e-12)
    got = s2sad.vmap(s2sad.grad(f))(*args)
    want = np.stack([fd.numerical_grad(f, tuple(a[i] for a in args)) for i in range(K)])
    np.testing.assert_allclose(got, want, rtol=1e-6, atol=1e-8)


@pytest.mark.parametrize("f", [piecewise, newton_sqrt, loop_with_break, early_return],
                         ids=lambda f: f.__name__)
def test_vmap_of_vmap_and_of_per_example_gradients(f):
    X = np.abs(R.standard_normal((3, 4))) * 2.0 + (0.1 if f is newton_sqrt else -1.0)
    np.testing.assert_allclose(s2sad.vmap(s2sad.vmap(f))(X), [[f(v) for v in row] for row in X],
                               rtol=1e-12)
    got = s2sad.vmap(s2sad.vmap(s2sad.grad(f)), in_axes=1, out_axes=-1)(X)  # X[i, j] at [i, j]
    np.testing.assert_allclose(got, [[s2sad.grad(f)(float(v)) for v in row] for row in X],
                               rtol=1e-12)


def test_vmap_of_vmap_with_broadcast_arguments_and_axes():
    W, X = R.standard_normal((2, 3, 4)), R.standard_normal((4, 5))
    inner = s2sad.vmap(matvec, in_axes=(None, 1), out_axes=1)  # over the columns of X
    got = s2sad.vmap(inner, in_axes=(0, None))(W, X)
    want = np.stack([np.stack([matvec(W[i], X[:, j]) for j in range(5)], axis=1)
                     for i in range(2)])
    np.testing.assert_allclose(got, want, rtol=1e-12)


def _sum_of_mapped(W, xs):
    return np.sum(s2sad.vmap(matvec, in_axes=(None, 0))(W, xs) ** 2)


def _sum_of_piecewise(xs):
    return np.sum(s2sad.vmap(piecewise)(xs) * xs)


def test_grad_of_a_function_that_calls_vmap():
    W, xs = R.standard_normal((3, 4)), R.standard_normal((5, 4))
    fd.assert_tree_allclose(s2sad.grad(_sum_of_mapped, argnums=(0, 1))(W, xs),
                            fd.numerical_grad(_sum_of_mapped, (W, xs), (0, 1)), rtol=1e-6,
                            atol=1e-9)
    xs = np.array([-1.5, -0.2, 0.3, 2.5])
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # the untaken arms' NaN never reaches the gradient
        g = s2sad.grad(_sum_of_piecewise)(xs)
    np.testing.assert_allclose(g, fd.numerical_grad(_sum_of_piecewise, (xs,)), rtol=1e-6)


def test_vmap_of_a_function_that_calls_vmap():
    Ws, xs = R.standard_normal((2, 3, 4)), R.standard_normal((5, 4))
    got = s2sad.vmap(_sum_of_mapped, in_axes=(0, None))(Ws, xs)
    np.testing.assert_allclose(got, [_sum_of_mapped(W, xs) for W in Ws], rtol=1e-12)
    X = np.array([[-1.5, -0.2, 0.3, 2.5], [0.5, -2.0, 1.5, 0.1]])
    np.testing.assert_allclose(s2sad.vmap(_sum_of_piecewise)(X),
                               [_sum_of_piecewise(x) for x in X], rtol=1e-12)


# --------------------------------------------------------------------------- bad input


def _product(x, y):
    return x * y


def _kron_twice(a, b):
    return np.kron(a, b) * 2.0


def _unwrapped(x):
    return np.unwrap(x) + 1.0


@pytest.mark.parametrize("call, error, message", [
    (lambda: s2sad.vmap(_product)(np.ones(3), np.ones(4)), ValueError,
     "argument x has size 3 along axis 0, argument y has size 4 along axis 0"),
    (lambda: s2sad.vmap(_product, in_axes=(0, 1))(np.ones(3), np.ones((2, 4))), ValueError,
     "argument x has size 3 along axis 0, argument y has size 4 along axis 1"),
    (lambda: s2sad.vmap(_product, in_axes=(0, 2))(np.ones(3), np.ones((3, 2))), ValueError,
     r"in_axes gives argument y axis 2, but it has only 2 dimensions \(shape \(3, 2\)\)"),
    (lambda: s2sad.vmap(_product, in_axes=(-3, 0))(np.ones((3, 2)), np.ones(3)), ValueError,
     "in_axes gives argument x axis -3, but it has only 2 dimensions"),
    (lambda: s2sad.vmap(_product)(1.5, np.ones(3)), ValueError,
     r"argument x axis 0, but it has 0 dimensions \(shape \(\)\)"),
    (lambda: s2sad.vmap(_product, in_axes=(0,))(np.ones(3), np.ones(3)), ValueError,
     "in_axes has 1 entries but the function was called with 2 positional arguments"),
    (lambda: s2sad.vmap(_product, in_axes=None)(np.ones(3), np.ones(3)), ValueError,
     "at least one mapped argument"),
    (lambda: s2sad.vmap(_product, out_axes=None)(np.ones(3), np.ones(3)), ValueError,
     "out_axes is None for an output that depends on the mapped arguments"),
    (lambda: s2sad.vmap(_product, in_axes=((0, 0), 0))((np.ones(3),), np.ones(3)), ValueError,
     r"in_axes\[0\] is a tuple of 2 items but the argument is a tuple of 1 items"),
    (lambda: s2sad.vmap(_product, in_axes="rows"), TypeError,
     "in_axes must be an int, None or a tuple"),
    (lambda: s2sad.vmap(_product, in_axes=(0, 1.5)), TypeError, r"in_axes\[1\] must be"),
    (lambda: s2sad.vmap(_product)(np.ones(3), y=np.ones(3)), TypeError, "positionally"),
    (lambda: s2sad.vmap(_unwrapped)(np.ones((4, 3))), s2sad.DifferentiationError,
     "np.unwrap has no rule in s2sad, so it cannot run on a batch of lanes"),
], ids=["sizes", "sizes-axes", "axis", "negative-axis", "scalar", "length", "none-mapped",
        "out-none", "pytree", "type", "entry-type", "keywords", "no-rule"])
def test_bad_input_is_a_clear_error(call, error, message):
    with pytest.raises(error, match=message):
        call()


def test_a_primitive_without_a_batching_rule_warns_once_naming_it_and_its_line():
    A, b = R.standard_normal((4, 2, 2)), R.standard_normal((4, 3))
    v = s2sad.vmap(_kron_twice)
    with pytest.warns(s2sad.PerLaneWarning) as record:
        got = v(A, b)
        v(A, b)  # the code is made once: one warning
    assert len(record) == 1
    message = str(record[0].message)
    assert "np.kron" in message and "test_vmap.py:" in message and "once per lane" in message
    np.testing.assert_allclose(got, oracle(_kron_twice, (A, b)), rtol=1e-12)


def _vector_output(x):
    return x * 2.0


def test_per_example_gradient_of_a_vector_output_is_the_error_grad_gives():
    with pytest.raises(ValueError, match="shape"):
        s2sad.vmap(s2sad.grad(_vector_output))(np.ones((4, 3)))
