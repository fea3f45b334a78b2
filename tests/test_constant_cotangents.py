"""transforms/constant_cotangents.py: the seed 1 broadcast by a sum or mean, folded into
what reads it, in code specialized to the arguments (numbers against finite differences
and against the generic module; what the specialized code no longer computes)."""

import dataclasses

import numpy as np
import pytest

import s2sad
from s2sad import api
from tests.fd import assert_tree_allclose, numerical_grad


def _specialized_source(transformed, *args) -> str:
    """The code that runs for ``args`` (its comments quoting the user's lines left out)."""
    sig = api._plain_signature(args)
    source = api._generated(transformed._fn, dataclasses.replace(
        transformed._spec, signature=sig)).source
    return "\n".join(line for line in source.splitlines() if not line.lstrip().startswith("#"))


def rosenbrock(x):
    return np.sum(100.0 * (x[1:] - x[:-1] ** 2) ** 2 + (1.0 - x[:-1]) ** 2)


def logistic(w, X, y):
    z = X @ w
    return np.mean(np.logaddexp(0.0, z) - y * z)


def weighted(w, x):
    return np.sum(x * w)


def scaled_mean(x, s):
    return -np.mean(s * np.sin(x)) / 3.0


RNG = np.random.default_rng(7)
CASES = [
    ("rosenbrock", rosenbrock, 0, (RNG.uniform(-1, 1, 12),)),
    ("logistic", logistic, 0, (RNG.normal(size=4), RNG.normal(size=(9, 4)),
                               (RNG.uniform(size=9) < 0.5).astype(float))),
    ("weighted", weighted, 0, (RNG.normal(size=5), RNG.normal(size=5))),
    ("weighted_broadcast", weighted, 0, (RNG.normal(size=(3, 1)), RNG.normal(size=(3, 4)))),
    ("scaled_mean_float", scaled_mean, 0, (RNG.normal(size=(2, 3)), 1.7)),
    ("scaled_mean_array", scaled_mean, (0, 1), (RNG.normal(size=(2, 3)), RNG.normal(size=3))),
]


@pytest.mark.parametrize("name,f,argnums,args", CASES, ids=[c[0] for c in CASES])
def test_specialized_gradient_matches_finite_differences_and_the_generic_code(
        name, f, argnums, args):
    g = s2sad.grad(f, argnums=argnums)
    got = g(*args)
    assert_tree_allclose(got, numerical_grad(f, args, argnums), rtol=1e-6, atol=1e-8)
    assert_tree_allclose(got, g.entry(*args), rtol=1e-13, atol=1e-15)


def test_the_loss_itself_is_not_computed_for_its_gradient():
    x = RNG.uniform(-1, 1, 50)
    src = _specialized_source(s2sad.grad(rosenbrock), x)
    assert "np.sum(" not in src and "sum_vjp" not in src and "_rt.seed" not in src
    src = _specialized_source(s2sad.grad(logistic), *CASES[1][3])
    assert "np.mean(" not in src and "mean_vjp" not in src
    # value_and_grad still returns the value
    value, grad = s2sad.value_and_grad(rosenbrock)(x)
    assert value == pytest.approx(rosenbrock(x), rel=1e-15)


def test_the_gradient_never_aliases_an_argument():
    """d sum(x * w) / dw is x: a new array, never the caller's x."""
    w, x = RNG.normal(size=5), RNG.normal(size=5)
    g = s2sad.grad(weighted)(w, x)
    np.testing.assert_array_equal(g, x)
    assert not np.shares_memory(g, x)
    g[:] = 0.0
    assert np.all(x != 0.0)


def test_float32_keeps_its_dtype_and_a_mean_of_nothing_is_empty():
    x = RNG.normal(size=6).astype(np.float32)
    g = s2sad.grad(lambda x: np.sum(x * x))(x)
    assert g.dtype == np.float32
    np.testing.assert_allclose(g, 2 * x, rtol=1e-6)
    with np.errstate(all="raise"):
        e = s2sad.grad(lambda x: np.mean(np.sin(x)))(np.zeros(0))
    assert e.shape == (0,)


def test_a_non_float_output_still_raises():
    with pytest.raises(TypeError, match="real floating-point scalar output"):
        s2sad.grad(lambda x: np.sum(x > 0))(np.ones(3))


def test_a_python_float_is_told_apart_from_a_float64_array():
    """``np.dtype("float64") == float`` holds in NumPy: the dtype analysis must not take an
    array for a Python number (a fact's number would then be an array)."""
    from s2sad import ir
    from s2sad.transforms import constant_cotangents, specialize

    N, C = ir.Name, ir.Const
    fn = ir.Function("f", ("x", "s"), (
        ir.Assign("a", ir.Subscript(N("x"), ir.Index((ir.Slice(None, C(-1), None),)))),
        ir.Assign("_t1", ir.Call("sub", (C(1.0), N("a")))),
        ir.Assign("_t2", ir.Call("mul", (C(2), N("s")))),
        ir.Return(N("_t1"))))
    kinds = specialize.infer(fn, specialize.named_params(
        {"x": specialize.signature_of(np.ones(3)), "s": specialize.FLOAT}))
    folder = constant_cotangents._Folder(fn, kinds, lambda: "_t99")
    assert folder.dtype(N("_t1")) == np.dtype("float64") and folder.dtype(N("_t1")) is not float
    assert folder.f8(N("_t1")) and not folder.weak_float(N("_t1"))
    assert folder.dtype(N("_t2")) is float and folder.weak_float(N("_t2"))
    assert not folder.f8(N("_t2"))
