"""End to end, straight-line code: grad, value_and_grad, grad_and_value and vjp of the
corpus in ``tests/corpus/straight.py`` against central finite differences in float64.
"""

import math

import numpy as np
import pytest

import fd
import s2sad
from corpus import bound_case, helpers_mod, straight

CASES = [pytest.param(c, id=f"{i:02d}-{c.name}") for i, c in enumerate(straight.CORPUS)]
VECTOR_CASES = [pytest.param(c, id=c.name) for c in straight.VECTOR_CORPUS]
F32_CASES = [pytest.param(c, id=c.name) for c in straight.CORPUS if c.f32]


def _args(c):
    (args,) = c.inputs()
    return args


def _expected_grad(c, args):
    return fd.numerical_grad(c.fn, args, c.argnums)


def _assert_value(value, c, args):
    expected = c.fn(*args)
    assert np.shape(value) == np.shape(expected)
    np.testing.assert_allclose(np.asarray(value, np.float64), np.asarray(expected, np.float64),
                               rtol=1e-10, atol=1e-12)


def test_corpus_is_large_enough():
    names = {c.fn.__name__ for c in straight.CORPUS}
    assert len(names) >= 45, len(names)


def test_inputs_are_deterministic():
    for c in straight.CORPUS:
        a, b = _args(c), _args(c)
        for x, y in zip(fd.tree_leaves(a), fd.tree_leaves(b)):
            np.testing.assert_array_equal(np.asarray(x), np.asarray(y))


@pytest.mark.parametrize("c", CASES)
def test_grad(c):
    args = _args(c)
    g = s2sad.grad(c.fn, argnums=c.argnums)(*args)
    fd.assert_tree_allclose(g, _expected_grad(c, args), rtol=c.rtol, atol=c.atol)


@pytest.mark.parametrize("c", CASES)
def test_value_and_grad(c):
    args = _args(c)
    value, g = s2sad.value_and_grad(c.fn, argnums=c.argnums)(*args)
    _assert_value(value, c, args)
    fd.assert_tree_allclose(g, _expected_grad(c, args), rtol=c.rtol, atol=c.atol)


@pytest.mark.parametrize("c", CASES)
def test_grad_and_value(c):
    args = _args(c)
    g, value = s2sad.grad_and_value(c.fn, argnums=c.argnums)(*args)
    _assert_value(value, c, args)
    fd.assert_tree_allclose(g, _expected_grad(c, args), rtol=c.rtol, atol=c.atol)


@pytest.mark.parametrize("c", CASES)
def test_vjp(c):
    args = _args(c)
    g, primals = bound_case(c, args)
    out, vjp_fn = s2sad.vjp(g, *primals)
    _assert_value(out, c, args)
    expected = _expected_grad(c, args)
    expected = expected if isinstance(c.argnums, tuple) else (expected,)

    cts = vjp_fn(1.0)
    assert isinstance(cts, tuple) and len(cts) == len(primals)
    fd.assert_tree_allclose(cts, expected, rtol=c.rtol, atol=c.atol)

    ct = -1.7  # linear in the cotangent
    scaled = fd.tree_map(lambda e: type(e)(ct * e) if isinstance(e, float) else ct * e, expected)
    fd.assert_tree_allclose(vjp_fn(ct), scaled, rtol=c.rtol, atol=c.atol)


@pytest.mark.parametrize("c", CASES)
def test_grad_does_not_modify_arguments(c):
    args = _args(c)
    before = [np.array(x, copy=True) for x in fd.tree_leaves(args)]
    s2sad.grad(c.fn, argnums=c.argnums)(*args)
    for x, y in zip(fd.tree_leaves(args), before):
        np.testing.assert_array_equal(np.asarray(x), y)


def _to_float32(tree):
    return fd.tree_map(lambda x: x.astype(np.float32)
                       if isinstance(x, np.ndarray) and x.dtype == np.float64 else x, tree)


@pytest.mark.parametrize("c", F32_CASES)
def test_float32_inputs_give_float32_gradients(c):
    args32 = _to_float32(_args(c))
    g = s2sad.grad(c.fn, argnums=c.argnums)(*args32)
    like = args32[c.argnums] if isinstance(c.argnums, int) else tuple(args32[i] for i in c.nums)
    fd.assert_tree_like(g, like)
    for leaf in fd.tree_leaves(g):
        assert np.asarray(leaf).dtype == np.float32
    expected = fd.numerical_grad(c.fn, args32, c.argnums)  # the oracle runs in float64
    fd.assert_tree_allclose(g, expected, rtol=2e-3, atol=2e-4, check_dtype=False)


@pytest.mark.parametrize("c", VECTOR_CASES)
def test_vjp_with_array_cotangent(c):
    args = _args(c)
    g, primals = bound_case(c, args)
    out, vjp_fn = s2sad.vjp(g, *primals)
    np.testing.assert_allclose(out, c.fn(*args), rtol=1e-10, atol=1e-12)
    ct = np.random.default_rng(3).standard_normal(np.shape(out))
    cts = vjp_fn(ct)
    assert isinstance(cts, tuple) and len(cts) == len(primals)
    jacs = fd.numerical_jacobian(c.fn, args, c.nums)
    for got, jac, p in zip(cts, jacs, primals):
        expected = np.tensordot(ct, jac, axes=np.ndim(ct))
        expected = float(expected) if isinstance(p, float) else expected
        fd.assert_tree_allclose(got, expected, rtol=1e-5, atol=1e-7)


@pytest.mark.parametrize("c", VECTOR_CASES)
def test_grad_of_array_output_is_a_value_error(c):
    args = _args(c)
    with pytest.raises(ValueError):
        s2sad.grad(c.fn, argnums=c.argnums)(*args)


# --------------------------------------------------------------------------- closures, nested


def make_scaled_loss(scale, target):
    def scaled_loss(x):
        return scale * np.sum((x - target) ** 2)
    return scaled_loss


def test_closure_reads_enclosing_variables():
    target = np.array([1.0, -2.0, 0.5])
    x = np.array([0.3, 0.1, -0.7])
    loss = make_scaled_loss(3.0, target)
    np.testing.assert_allclose(s2sad.grad(loss)(x), 6.0 * (x - target), rtol=1e-12)


def test_two_closures_of_one_def_are_not_confused():
    x = np.array([0.3, 0.1, -0.7])
    a = make_scaled_loss(1.0, np.zeros(3))
    b = make_scaled_loss(5.0, np.ones(3))
    ga, gb = s2sad.grad(a)(x), s2sad.grad(b)(x)
    np.testing.assert_allclose(ga, 2.0 * x, rtol=1e-12)
    np.testing.assert_allclose(gb, 10.0 * (x - 1.0), rtol=1e-12)
    np.testing.assert_allclose(s2sad.grad(a)(x), 2.0 * x, rtol=1e-12)


def test_nested_function_defined_in_a_test_body():
    w = np.array([0.5, -1.0, 2.0])

    def weighted(x, k):
        y = np.tanh(w * x) * k
        return np.sum(y ** 2) + math.cos(k)

    x, k = np.array([0.2, 0.4, -0.3]), 1.3
    g = s2sad.grad(weighted, argnums=(0, 1))(x, k)
    fd.assert_tree_allclose(g, fd.numerical_grad(weighted, (x, k), (0, 1)), rtol=1e-6)


def test_closure_over_a_helper_function():
    act = helpers_mod.softplus

    def model(x):
        return np.sum(act(x) * x)

    x = np.array([0.5, -1.5, 2.0, 0.1])
    fd.assert_tree_allclose(s2sad.grad(model)(x), fd.numerical_grad(model, (x,)), rtol=1e-6)


def test_closure_value_change_is_seen_by_a_new_transform():
    def make(k):
        def f(x):
            return k * np.sum(x ** 3)
        return f

    x = np.array([1.0, 2.0])
    for k in (1.0, 2.0, -0.5):
        np.testing.assert_allclose(s2sad.grad(make(k))(x), 3.0 * k * x ** 2, rtol=1e-12)


# --------------------------------------------------------------------------- closed forms


def test_closed_forms():
    x = np.array([0.5, -1.0, 2.0, 0.25])
    np.testing.assert_allclose(s2sad.grad(straight.sum_squares)(x), 2 * x, rtol=1e-14)
    np.testing.assert_allclose(s2sad.grad(straight.l2_norm)(x), x / np.linalg.norm(x),
                               rtol=1e-12)
    A = np.array([[2.0, 0.3, 0.1], [0.0, 1.5, -0.2], [0.4, 0.1, 3.0]])
    # d det(A) / dA = det(A) A^{-T}
    np.testing.assert_allclose(s2sad.grad(straight.det_fn)(A),
                               np.linalg.det(A) * np.linalg.inv(A).T, rtol=1e-10)
    # d log|det A| / dA = A^{-T}
    np.testing.assert_allclose(s2sad.grad(straight.slogdet_fn)(A), np.linalg.inv(A).T,
                               rtol=1e-10)
    z = np.array([1.0, 2.0, -0.5])
    p = np.exp(z - z.max()) / np.sum(np.exp(z - z.max()))
    logits, onehot = z[None, :], np.array([[0.0, 1.0, 0.0]])
    np.testing.assert_allclose(s2sad.grad(straight.softmax_cross_entropy)(logits, onehot),
                               (p - onehot[0])[None, :], rtol=1e-12)
    # repeated indices accumulate: idx = [0, 2, 2, 1, 2, 4], w = 1..6
    y = np.array([1.0, 2.0, 3.0, 4.0, 5.0])
    expected = 2 * y * np.array([1.0, 4.0, 2.0 + 3.0 + 5.0, 0.0, 6.0])
    np.testing.assert_allclose(s2sad.grad(straight.gather_repeated)(y), expected, rtol=1e-14)


def test_float_argument_gives_python_float_gradient():
    g = s2sad.grad(straight.float_scalar)(0.8)
    assert isinstance(g, float)
    assert g == pytest.approx(3 * 0.8 ** 2 - 2.0 + math.cos(0.8), rel=1e-13)


# --------------------------------------------------------------------------- the oracle itself


def test_fd_oracle_against_closed_forms():
    x = np.array([0.5, -1.0, 2.0])
    fd.assert_tree_allclose(fd.numerical_grad(straight.sum_squares, (x,)), 2 * x, rtol=1e-8)
    A = np.arange(6.0).reshape(2, 3)
    J = fd.numerical_jacobian(lambda v: A @ v, (x,))
    fd.assert_tree_allclose(J, A, rtol=1e-8, atol=1e-8)
    H = fd.numerical_hessian(lambda v: np.sum(v ** 3), (x,))
    fd.assert_tree_allclose(H, np.diag(6 * x), rtol=1e-5, atol=1e-6)
    tree = {"a": (x, 2.0), "b": [np.ones(2)]}
    g = fd.numerical_grad(lambda t: np.sum(t["a"][0] ** 2) * t["a"][1] + np.sum(t["b"][0]),
                          (tree,))
    fd.assert_tree_allclose(g, {"a": (4.0 * x, float(np.sum(x ** 2))), "b": [np.ones(2)]},
                            rtol=1e-7)
    with pytest.raises(AssertionError):
        fd.assert_tree_allclose(g, {"a": [4.0 * x, 1.0], "b": [np.ones(2)]})
    with pytest.raises(AssertionError):
        fd.assert_tree_allclose(np.ones(3, np.float32), np.ones(3))
    with pytest.raises(AssertionError):
        fd.assert_tree_allclose(np.ones(3), np.ones((3, 1)))
