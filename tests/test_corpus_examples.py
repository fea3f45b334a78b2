"""End to end, example programs in the style of other AD libraries (``tests/corpus/examples.py``):
grad and value_and_grad of every function against central finite differences in float64,
jvp for the cases tagged ``"jvp"``, Hessians (against finite differences of the
gradient) for those tagged ``"hessian"``, and the draws of a user's random generator
made inside a differentiated function.
"""

import copy
import warnings

import numpy as np
import pytest

import fd
import s2sad
from corpus import bind, examples

pytestmark = [pytest.mark.filterwarnings("ignore:large learning rate:RuntimeWarning")]

_NAMES = {id(v): k for k, v in vars(examples).items() if callable(v) and not k.startswith("_")}


def _name(c):
    """The module-level name: readable ids for lambdas too."""
    return _NAMES.get(id(c.fn), c.name)


def _params(cases):
    return [pytest.param(c, k, args, id=f"{_name(c)}-{k}" if len(c.inputs()) > 1 else _name(c))
            for c in cases for k, args in enumerate(c.inputs())]


CASES = _params(examples.CORPUS)
JVP_CASES = _params([c for c in examples.CORPUS if "jvp" in c.tags])
HESSIAN_CASES = _params([c for c in examples.CORPUS if "hessian" in c.tags])


# --------------------------------------------------------------------------- helpers


def _is_generator(x):
    return isinstance(x, (np.random.RandomState, np.random.Generator))


def _fresh(args):
    """args with every random generator replaced by an identical copy (same state)."""
    return tuple(copy.deepcopy(a) if _is_generator(a) else a for a in args)


def _oracle(fn):
    """fn, evaluated with fresh copies of its generators: the same draws every time."""
    def evaluate(*args):
        return fn(*_fresh(args))
    return evaluate


def _expected_grad(c, args):
    return fd.numerical_grad(_oracle(c.fn), args, c.argnums)


def _assert_value(value, expected):
    assert np.shape(value) == np.shape(expected)
    np.testing.assert_allclose(np.asarray(value, np.float64), np.asarray(expected, np.float64),
                               rtol=1e-10, atol=1e-12)


# --------------------------------------------------------------------------- the corpus


def test_corpus_is_large_enough():
    names = {_name(c) for c in examples.CORPUS}
    assert len(names) == len(examples.CORPUS), "two cases share a name"
    assert len(names) >= 45, len(names)
    assert len(JVP_CASES) >= 15 and len(HESSIAN_CASES) >= 10


def test_inputs_are_deterministic():
    for c in examples.CORPUS:
        for a, b in zip(c.inputs(), c.inputs()):
            for x, y in zip(fd.tree_leaves(a), fd.tree_leaves(b)):
                if not _is_generator(x) and not callable(x):
                    np.testing.assert_array_equal(np.asarray(x), np.asarray(y))


def test_functions_run_and_return_scalars():
    """The corpus itself is sound: plain NumPy, a finite scalar at every input."""
    for c in examples.CORPUS:
        for args in c.inputs():
            out = c.fn(*_fresh(args))
            assert np.shape(out) == (), _name(c)
            assert np.isfinite(out), _name(c)


@pytest.mark.parametrize("c, k, args", CASES)
def test_grad(c, k, args):
    g = s2sad.grad(c.fn, argnums=c.argnums)(*_fresh(args))
    fd.assert_tree_allclose(g, _expected_grad(c, args), rtol=c.rtol, atol=c.atol)


@pytest.mark.parametrize("c, k, args", CASES)
def test_value_and_grad(c, k, args):
    value, g = s2sad.value_and_grad(c.fn, argnums=c.argnums)(*_fresh(args))
    _assert_value(value, c.fn(*_fresh(args)))
    fd.assert_tree_allclose(g, _expected_grad(c, args), rtol=c.rtol, atol=c.atol)


@pytest.mark.parametrize("c, k, args", JVP_CASES)
def test_jvp(c, k, args):
    g, primals = bind(c.fn, args, c.nums)
    tangents = fd.random_like(primals, np.random.default_rng(100 + k))
    out, tout = s2sad.jvp(g, primals, tangents)
    _assert_value(out, c.fn(*args))
    expected = fd.numerical_jvp(g, primals, tangents)
    np.testing.assert_allclose(np.asarray(tout, np.float64), expected, rtol=c.rtol, atol=c.atol)


@pytest.mark.parametrize("c, k, args", HESSIAN_CASES)
def test_hessian(c, k, args):
    argnum = c.nums[0]
    H = s2sad.hessian(c.fn, argnums=argnum)(*args)
    x = args[argnum]
    assert np.shape(H) == np.shape(x) + np.shape(x)
    expected = fd.numerical_hessian(c.fn, args, argnum,
                                    grad_fn=s2sad.grad(c.fn, argnums=argnum))
    np.testing.assert_allclose(np.asarray(H, np.float64), expected, rtol=1e-5, atol=1e-6)


# --------------------------------------------------------------------------- inline lambdas


def test_grad_of_an_inline_lambda():
    x = np.array([0.5, -1.2, 0.8])
    g = s2sad.grad(lambda x: np.sum(np.sin(x) * x ** 2))(x)
    np.testing.assert_allclose(g, np.cos(x) * x ** 2 + 2 * x * np.sin(x), rtol=1e-12)


def test_grad_of_an_inline_rosenbrock_lambda_with_two_arguments():
    a, b = 0.7, -0.4
    ga, gb = s2sad.grad(lambda a, b: 100.0 * (b - a ** 2) ** 2 + (1.0 - a) ** 2,
                        argnums=(0, 1))(a, b)
    assert ga == pytest.approx(-400.0 * a * (b - a ** 2) - 2.0 * (1.0 - a), rel=1e-12)
    assert gb == pytest.approx(200.0 * (b - a ** 2), rel=1e-12)


def test_value_and_grad_of_an_inline_lambda_closing_over_a_local():
    W = np.array([[0.5, -0.3], [0.2, 0.9]])
    x = np.array([0.4, -0.7])
    value, g = s2sad.value_and_grad(lambda v: np.sum(np.tanh(W @ v) ** 2))(x)
    t = np.tanh(W @ x)
    assert value == pytest.approx(np.sum(t ** 2), rel=1e-13)
    np.testing.assert_allclose(g, W.T @ (2 * t * (1 - t ** 2)), rtol=1e-12)


def test_side_effects_happen_as_in_the_function(capsys):
    """print in the loop of the advection step prints, as the original does."""
    args = (np.sin(2 * np.pi * np.arange(16) / 16), 1.0, 0.01)
    examples.advection_diffusion(*args)
    printed = capsys.readouterr().out
    assert printed.count("it = ") == 3
    s2sad.grad(examples.advection_diffusion)(*args)
    assert "it = " in capsys.readouterr().out


def test_warning_is_issued_by_the_gradient_too():
    x = np.array([0.3, -0.5, 1.2])
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        s2sad.grad(examples.warn_and_log)(x, 0.8)
    assert any("large learning rate" in str(w.message) for w in caught)


def test_raise_in_a_taken_branch_still_raises():
    with pytest.raises(ValueError, match="unknown loss kind"):
        s2sad.grad(examples.raise_in_branch_not_taken)(np.array([0.5, 1.0]), "nope")


# --------------------------------------------------------------------------- user's generator


RNG_FUNCTIONS = [
    pytest.param(examples.vae_objective,
                 lambda: (examples._vae_params(), np.array([1.0, 0.0, 1.0, 1.0])), id="vae"),
    pytest.param(examples.bbvi_objective,
                 lambda: (np.array([0.3, -0.2, -0.5, -1.0]),), id="bbvi"),
]


@pytest.mark.parametrize("f, make", RNG_FUNCTIONS)
def test_random_state_draws_come_from_the_users_generator(f, make):
    """grad(f)(x, rs) uses rs's draws, and advances rs exactly as one call of f does."""
    args = make()

    def with_fresh_generator(*a):
        return f(*a, np.random.RandomState(7))

    expected = fd.numerical_grad(with_fresh_generator, args, 0)
    reference = np.random.RandomState(7)
    f(*args, reference)
    next_draw = reference.randn()

    rs = np.random.RandomState(7)
    g = s2sad.grad(f)(*args, rs)
    fd.assert_tree_allclose(g, expected, rtol=1e-5, atol=1e-7)
    assert rs.randn() == next_draw, "grad(f) did not advance the generator as f does"

    rs = np.random.RandomState(7)
    value, g = s2sad.value_and_grad(f)(*args, rs)
    assert value == pytest.approx(with_fresh_generator(*args), rel=1e-12)
    fd.assert_tree_allclose(g, expected, rtol=1e-5, atol=1e-7)
    assert rs.randn() == next_draw, "value_and_grad(f) did not advance the generator as f does"


def test_default_rng_draws_come_from_the_users_generator():
    f = examples.reparam_default_rng
    mu, log_sigma = np.array([0.3, -0.8, 1.1, 0.2]), np.array([-0.2, 0.1, 0.3, -0.5])

    def with_fresh_generator(m, s):
        return f(m, s, np.random.default_rng(7))

    expected = fd.numerical_grad(with_fresh_generator, (mu, log_sigma), (0, 1))
    reference = np.random.default_rng(7)
    f(mu, log_sigma, reference)
    next_draw = reference.normal()

    gen = np.random.default_rng(7)
    g = s2sad.grad(f, argnums=(0, 1))(mu, log_sigma, gen)
    fd.assert_tree_allclose(g, expected, rtol=1e-5, atol=1e-7)
    assert gen.normal() == next_draw, "grad(f) did not advance the generator as f does"

    gen = np.random.default_rng(7)
    value, g = s2sad.value_and_grad(f, argnums=(0, 1))(mu, log_sigma, gen)
    assert value == pytest.approx(with_fresh_generator(mu, log_sigma), rel=1e-12)
    fd.assert_tree_allclose(g, expected, rtol=1e-5, atol=1e-7)
    assert gen.normal() == next_draw, "value_and_grad(f) did not advance the generator as f does"


def test_two_calls_draw_different_samples():
    """The generator is not re-seeded or copied by the transform: a second call moves on."""
    theta = np.array([0.3, -0.2, -0.5, -1.0])
    rs = np.random.RandomState(7)
    g1 = s2sad.grad(examples.bbvi_objective)(theta, rs)
    g2 = s2sad.grad(examples.bbvi_objective)(theta, rs)
    assert not np.allclose(g1, g2)
