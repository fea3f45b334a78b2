"""``jit="numba"`` (issue 10): the generated code compiled by numba, or the plain module and
one ``JitFallbackWarning`` naming what stopped numba.

Numba is optional: the tests of the option's checks and of the numba-friendly rewrite
(``codegen/numba_source.py``, run here as plain Python) need no numba; the others skip
without it. Compiled results are checked against the plain module (jit=None) and central
finite differences.
"""

from __future__ import annotations

import math
import sys
import types
import warnings
from pathlib import Path

import numpy as np
import pytest

import fd
import s2sad
from corpus import control
from corpus.specialize import piecewise as short_piecewise
from s2sad import runtime
from s2sad.api import _generated
from s2sad.codegen.numba_source import HELPERS, NotCompilable, to_numba
from s2sad.errors import JitFallbackWarning
from s2sad.pipeline import Spec

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tools"))
import bench_scalar_loops as loops  # noqa: E402

SCALAR_LOOPS = [pytest.param(f, arg, id=f.__name__) for _, f, _, arg in loops.CASES]
# with their hand-written gradients: the piecewise maps are chaotic over 200 steps, so
# central differences say nothing there (six steps of one are checked against them)
WITH_HAND = [pytest.param(f, hand, arg, id=f.__name__) for _, f, hand, arg in loops.CASES]


def _numba():
    return pytest.importorskip("numba")


# --------------------------------------------------------------------------- the option


@pytest.mark.parametrize("bad", ["numbaa", "NUMBA", True, "jax", 1])
def test_unknown_jit_value_is_a_value_error_naming_the_choices(bad):
    with pytest.raises(ValueError, match=r"jit must be None or 'numba'"):
        s2sad.grad(loops.piecewise, jit=bad)
    with pytest.raises(ValueError, match=r"jit must be None or 'numba'"):
        s2sad.differentiate(jit=bad)
    with pytest.raises(ValueError, match=r"jit must be None or 'numba'"):
        s2sad.jvp(loops.piecewise, (0.5,), (1.0,), jit=bad)


@pytest.mark.parametrize("make", [
    lambda f: s2sad.grad(f, jit="numba"),
    lambda f: s2sad.value_and_grad(f, jit="numba"),
    lambda f: s2sad.jacrev(f, jit="numba"),
    lambda f: s2sad.hessian(f, jit="numba"),
    lambda f: s2sad.jvp(f, (0.5,), (1.0,), jit="numba"),
    lambda f: s2sad.hvp(f, (0.5,), (1.0,), jit="numba"),
    lambda f: s2sad.vjp(f, 0.5, jit="numba"),
    lambda f: s2sad.differentiate(f, jit="numba"),
    lambda f: s2sad.differentiate(jit="numba"),
], ids=["grad", "value_and_grad", "jacrev", "hessian", "jvp", "hvp", "vjp", "decorator",
        "decorator-factory"])
def test_missing_numba_is_an_import_error_naming_the_extra(monkeypatch, make):
    monkeypatch.setitem(sys.modules, "numba", None)  # ``import numba`` raises ImportError
    with pytest.raises(ImportError, match=r'pip install "s2sad\[numba\]"'):
        make(loops.piecewise)


def test_jit_none_is_the_plain_generated_code():
    g = s2sad.grad(loops.piecewise, jit=None)
    assert g(0.65) == s2sad.grad(loops.piecewise)(0.65)
    assert g.specialized_entry((0.65,), {}).__module__.startswith("s2sad_generated_")


# --------------------------------------------------------------------------- the rewrite


def _plain_rt():
    """``_rt`` for the rewritten text run as plain Python: the runtime, plus the names the
    rewrite introduces (in numba, ``numba_runtime``'s)."""
    return types.SimpleNamespace(**{k: getattr(runtime, k) for k in dir(runtime)},
                                 index=lambda i: i, where=np.where, copy=np.copy,
                                 shape=np.shape, zeros=np.zeros, reduce_sum=np.sum,
                                 reduce_mean=np.mean, reduce_max=np.max, reduce_min=np.min)


def _rewritten(fn, args, argnums=0):
    """The specialized gradient module for ``args`` and its rewrite, run as Python."""
    from s2sad.api import _plain_signature

    gen = _generated(fn, Spec("grad", argnums, signature=_plain_signature(args)))
    text = to_numba(gen.source)
    namespace = dict(gen.namespace, _rt=_plain_rt())
    exec(compile(text, "<rewritten>", "exec"), namespace)
    return gen, text, namespace[gen.entry_name]


def test_the_numba_runtime_has_every_helper_the_rewrite_lets_through():
    _numba()
    from s2sad.codegen import numba_runtime

    assert all(callable(getattr(numba_runtime, name)) for name in HELPERS)


@pytest.mark.parametrize("f, args, argnums", [
    (loops.rk4, (2.0, 1.0), (0, 1)),  # two inputs through 500 steps: reverse mode, taped
    (loops.piecewise, (0.65,), 0), (loops.piecewise_where, (0.65,), 0)])
def test_rewrite_splits_the_tape_and_drops_del_with_the_same_numbers(f, args, argnums):
    gen, text, entry = _rewritten(f, args, argnums)
    if "_tape.append(" in gen.source:
        assert "_tape = []" not in text and "_tape_x = []" in text
    assert "_tape.append(" not in text and "_tape.pop()" not in text
    assert "\n    del " not in text and "from s2sad" not in text
    assert entry(*args) == gen.entry(*args)


def test_the_rk4_gradient_in_two_inputs_keeps_its_tape():
    gen, _, _ = _rewritten(loops.rk4, (2.0, 1.0), (0, 1))
    assert "_tape.append(" in gen.source  # else the test above checks no tape


@pytest.mark.parametrize("c", [c for c in control.CORPUS if c.name in (
    "for_range_len", "nested_loops", "break_loop", "continue_loop", "min_tracking",
    "while_counter", "recurrence_in_place")], ids=lambda c: c.name)
def test_rewrite_of_array_loops_computes_the_same_numbers(c):
    for args in c.inputs():
        gen, text, entry = _rewritten(c.fn, args)
        assert "np.s_" not in text
        np.testing.assert_array_equal(entry(*args), gen.entry(*args))


def test_rewrite_refuses_what_numba_cannot_express():
    with pytest.raises(NotCompilable, match=r"`_rt.vbatch`"):
        to_numba("def f(x):\n    return _rt.vbatch(x, 3)\n")
    with pytest.raises(NotCompilable, match="nested function"):
        to_numba("def f(x):\n    g = lambda y: y\n    return g(x)\n")
    with pytest.raises(NotCompilable, match="dict"):
        to_numba("def f(x):\n    return {'a': x}\n")


def test_rewrite_of_indices_and_shimmed_numpy_calls():
    text = to_numba("def f(x, i, c):\n    a = _rt.getitem_vjp(1.0, x, np.s_[i, 1:])\n"
                    "    b = np.where(c, 1.0, 2.0)\n    return np.copy(a), b\n")
    assert "_rt.getitem_vjp(1.0, x, (_rt.index(i), slice(1, None)))" in text
    assert "_rt.where(c, 1.0, 2.0)" in text and "_rt.copy(a)" in text


def test_a_list_used_otherwise_is_not_split():
    text = to_numba("def f(x):\n    _tape = []\n    _tape.append(x)\n    y = _tape\n"
                    "    x = _tape.pop()\n    return x, y\n")
    assert "_tape = []" in text and "_tape.append(x)" in text


# --------------------------------------------------------------------------- compiled


@pytest.mark.parametrize("f, hand, arg", WITH_HAND)
def test_scalar_loops_compile_and_match_plain_and_the_hand_written_gradient(f, hand, arg):
    numba = _numba()
    g = s2sad.grad(f, jit="numba")
    with warnings.catch_warnings():
        warnings.simplefilter("error", JitFallbackWarning)
        got = g(arg)
        assert g(arg) == got
    assert isinstance(g.specialized_entry((arg,), {})._call, numba.core.dispatcher.Dispatcher)
    assert got == pytest.approx(s2sad.grad(f)(arg), rel=1e-12)
    assert got == pytest.approx(hand(arg), rel=1e-10)


def test_a_taped_reverse_loop_compiles():
    numba = _numba()
    g = s2sad.grad(loops.rk4, argnums=(0, 1), jit="numba")
    with warnings.catch_warnings():
        warnings.simplefilter("error", JitFallbackWarning)
        got = g(2.0, 1.0)
    assert isinstance(g.specialized_entry((2.0, 1.0), {})._call,
                      numba.core.dispatcher.Dispatcher)
    assert got == pytest.approx(s2sad.grad(loops.rk4, argnums=(0, 1))(2.0, 1.0), rel=1e-12)
    assert got == pytest.approx(fd.numerical_grad(loops.rk4, (2.0, 1.0), (0, 1)), rel=1e-6)


@pytest.mark.parametrize("f, arg", [(loops.rk4, 2.0), (short_piecewise, 0.65),
                                    (short_piecewise, 0.9)])
def test_scalar_loops_match_finite_differences(f, arg):
    _numba()
    with warnings.catch_warnings():
        warnings.simplefilter("error", JitFallbackWarning)
        got = s2sad.grad(f, jit="numba")(arg)
    assert got == pytest.approx(fd.numerical_grad(f, (arg,)), rel=1e-6)


@pytest.mark.parametrize("f, arg", SCALAR_LOOPS)
def test_value_and_grad_forms_and_jvp_compile(f, arg):
    _numba()
    with warnings.catch_warnings():
        warnings.simplefilter("error", JitFallbackWarning)
        value, g = s2sad.value_and_grad(f, jit="numba")(arg)
        g2, value2 = s2sad.grad_and_value(f, jit="numba")(arg)
        out, tangent = s2sad.jvp(f, (arg,), (1.0,), jit="numba")
    assert value == value2 == pytest.approx(f(arg), rel=1e-12) and out == pytest.approx(value)
    assert g == g2 == pytest.approx(s2sad.grad(f)(arg), rel=1e-12)
    assert tangent == pytest.approx(g, rel=1e-10)


@pytest.mark.parametrize("c", [c for c in control.CORPUS if c.name in (
    "for_range_len", "nested_loops", "break_loop", "continue_loop", "newton_sqrt",
    "bouncing_ball", "piecewise_friction", "early_exit_search")], ids=lambda c: c.name)
def test_corpus_loops_compile_and_match(c):
    _numba()
    g = s2sad.grad(c.fn, argnums=c.argnums, jit="numba")
    for args in c.inputs():
        with warnings.catch_warnings():
            warnings.simplefilter("error", JitFallbackWarning)
            got = g(*args)
        fd.assert_tree_allclose(got, s2sad.grad(c.fn, argnums=c.argnums)(*args), rtol=1e-10,
                                atol=1e-13)
        fd.assert_tree_allclose(got, fd.numerical_grad(c.fn, args, c.argnums), rtol=c.rtol,
                                atol=c.atol)


def test_decorator_transforms_share_the_option():
    _numba()
    f = s2sad.differentiate(loops.piecewise, jit="numba")
    with warnings.catch_warnings():
        warnings.simplefilter("error", JitFallbackWarning)
        assert f.grad(0.65) == pytest.approx(s2sad.grad(loops.piecewise)(0.65), rel=1e-12)
        assert f.jvp((0.65,), (1.0,))[1] == pytest.approx(f.grad(0.65), rel=1e-10)
    assert f(0.65) == loops.piecewise(0.65) and f.jit == "numba"


def test_float32_runs_plain_as_numpy_promotes_it():
    _numba()
    x = np.linspace(0.1, 1.0, 6, dtype=np.float32)
    got, message = _one_fallback(lambda: s2sad.grad(control.for_range_len, jit="numba")(x))
    assert "argument 0, a value of dtype float32" in message
    assert got.dtype == np.float32
    np.testing.assert_array_equal(got, s2sad.grad(control.for_range_len)(x))


# --------------------------------------------------------------------------- falling back


def _one_fallback(call):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        out = call()
    found = [w for w in caught if issubclass(w.category, JitFallbackWarning)]
    assert len(found) == 1, [str(w.message) for w in caught]
    return out, str(found[0].message)


def test_unsupported_arguments_run_plain_with_one_warning():
    _numba()

    def loss(p):
        s = 0.0
        for _ in range(3):
            s = s + p["w"] * p["w"]
        return s

    g = s2sad.grad(loss, jit="numba")
    p = {"w": 1.5}
    got, message = _one_fallback(lambda: g(p))
    assert "argument 0, a dict" in message and "grad of" in message and "loss" in message
    assert got == s2sad.grad(loss)(p)
    with warnings.catch_warnings():
        warnings.simplefilter("error", JitFallbackWarning)  # one warning, not one per call
        assert g(p) == got


def test_a_construct_numba_lacks_is_named_and_the_numbers_are_the_plain_ones():
    _numba()

    def f(x):
        return np.sum(np.cumsum(x) ** 2)

    x = np.linspace(0.0, 1.0, 5)
    got, message = _one_fallback(lambda: s2sad.grad(f, jit="numba")(x))
    assert "cumsum" in message
    np.testing.assert_array_equal(got, s2sad.grad(f)(x))


def test_transforms_numba_cannot_compile_fall_back_with_the_same_numbers():
    _numba()
    f, a = loops.piecewise, 0.65
    hess, _ = _one_fallback(lambda: s2sad.hessian(f, jit="numba")(a))
    assert hess == s2sad.hessian(f)(a)
    product, _ = _one_fallback(lambda: s2sad.hvp(f, (a,), (1.0,), jit="numba"))
    assert product == s2sad.hvp(f, (a,), (1.0,))
    (out, pullback), _ = _one_fallback(lambda: s2sad.vjp(f, a, jit="numba"))
    assert out == f(a) and pullback(1.0) == s2sad.vjp(f, a)[1](1.0)


def test_keyword_arguments_compile_the_generic_module():
    _numba()
    g = s2sad.grad(loops.rk4, jit="numba")
    with warnings.catch_warnings():
        warnings.simplefilter("error", JitFallbackWarning)
        got = g(2.0, x0=0.5)
    assert got == pytest.approx(s2sad.grad(loops.rk4)(2.0, x0=0.5), rel=1e-12)


W = np.array([1.0, 2.0])


def test_a_global_array_is_not_frozen_into_compiled_code():
    _numba()

    def f(x):
        s = 0.0
        for i in range(2):
            s = s + W[i] * x * x
        return s

    got, message = _one_fallback(lambda: s2sad.grad(f, jit="numba")(1.5))
    assert "global ndarray `W`" in message and got == pytest.approx(9.0)


def test_errors_while_running_are_the_users_not_a_fallback():
    _numba()

    def f(x):
        s = 0.0
        for k in range(3):
            s = s + 1.0 / (x - k)
        return s

    g = s2sad.grad(f, jit="numba")
    assert g(0.5) == pytest.approx(s2sad.grad(f)(0.5), rel=1e-12)
    with warnings.catch_warnings():
        warnings.simplefilter("error", JitFallbackWarning)
        with pytest.raises(ZeroDivisionError):
            g(1.0)
        assert g(2.5) == pytest.approx(s2sad.grad(f)(2.5), rel=1e-12)


def test_out_of_bounds_index_raises_as_numpy_does():
    _numba()

    def f(x, n):
        s = 0.0
        for i in range(n):
            s = s + x[i] ** 2
        return s

    g = s2sad.grad(f, jit="numba")
    x = np.array([1.0, 2.0, 3.0])
    np.testing.assert_allclose(g(x, 3), 2.0 * x)
    with pytest.raises(IndexError):
        g(x, 4)


def test_math_functions_compile():
    _numba()

    def f(x):
        s = 0.0
        for k in range(4):
            s = s + math.sin(x * k) * math.exp(-0.1 * k)
        return s

    with warnings.catch_warnings():
        warnings.simplefilter("error", JitFallbackWarning)
        got = s2sad.grad(f, jit="numba")(0.3)
    assert got == pytest.approx(s2sad.grad(f)(0.3), rel=1e-12)


# --------------------------------------------------------------------------- reductions, Jacobians
# The numba forms of ``extremum_vjp`` and ``basis_stack`` (and of what the MLP gradient
# and the Hessian need next: NumPy's reductions over axes, ``sum_vjp`` over axes, the
# batched helpers of ``jacfwd``), checked against their runtime namesakes bit for bit,
# then the two benchmark workloads that ran plain before against plain and differences.

import bench  # noqa: E402
import bench_hessian  # noqa: E402


def _jitted(call: str, **names):
    """``njit(lambda <args>: <call>)`` with ``nr`` the numba runtime; ``call`` spells the
    constant ``axis`` and ``keepdims`` as generated code does."""
    numba = _numba()
    from s2sad.codegen import numba_runtime

    args = names.pop("args", "g, a, v")
    namespace = {"nr": numba_runtime, "np": np}
    exec(f"def f({args}):\n    return {call}\n", namespace)
    return numba.njit(namespace["f"])


def _ties(shape, seed=0):
    """Values from {0, 1, 2}: every reduction meets ties."""
    return np.random.default_rng(seed).integers(0, 3, size=shape).astype(float)


@pytest.mark.parametrize("shape, axis, keepdims, reduce", [
    ((4, 5), 1, True, np.max),     # the MLP's log-sum-exp
    ((4, 5), 0, False, np.min),
    ((3, 4, 2), (0, 2), False, np.max),
    ((3, 4, 2), -1, True, np.min),
    ((4, 5), None, False, np.max),  # a number's cotangent
    ((4, 5), None, True, np.min),
], ids=["axis1-keepdims", "axis0", "axes02", "axis-1-keepdims", "all", "all-keepdims"])
def test_extremum_vjp_splits_ties_as_the_runtime_does(shape, axis, keepdims, reduce):
    a = _ties(shape)
    v = reduce(a, axis=axis, keepdims=keepdims)
    g = np.random.default_rng(1).normal(size=np.shape(v)) if np.ndim(v) else 1.75
    f = _jitted(f"nr.extremum_vjp(g, a, v, {axis!r}, {keepdims})")
    got, want = f(g, a, v), runtime.extremum_vjp(g, a, v, axis, keepdims)
    assert got.shape == want.shape == a.shape and got.dtype == want.dtype
    np.testing.assert_array_equal(got, want)
    assert np.any((got != 0) & (np.abs(got) < np.abs(np.max(g)))), "no tie was split"


def test_extremum_vjp_of_nan_and_of_numbers():
    a = np.array([[1.0, np.nan, 3.0], [2.0, 2.0, 0.0]])
    v = np.max(a, axis=1, keepdims=True)  # NaN in the first row: no element equals it
    g = np.array([[4.0], [6.0]])
    got = _jitted("nr.extremum_vjp(g, a, v, 1, True)")(g, a, v)
    with np.errstate(divide="ignore"):  # the runtime divides by the NaN row's 0 count too
        np.testing.assert_array_equal(got, runtime.extremum_vjp(g, a, v, 1, True))
    np.testing.assert_array_equal(got, [[0.0, 0.0, 0.0], [3.0, 3.0, 0.0]])
    scalar = _jitted("nr.extremum_vjp(g, a, v, None, False)")
    assert scalar(2.5, 3.0, 3.0) == 2.5 and scalar(2.5, 1.0, 3.0) == 0.0


@pytest.mark.parametrize("shape, axis, keepdims", [
    ((5, 300), 1, True), ((300, 5), 0, False), ((3, 4, 6), -1, False), ((3, 4, 6), None, True),
    ((3, 4, 6), (0, 2), True)], ids=["rows-keepdims", "columns", "last", "all", "outer"])
def test_reductions_over_axes_are_numpys(shape, axis, keepdims):
    a = np.random.default_rng(2).normal(size=shape) * 10.0 ** np.arange(shape[-1]) % 7
    a.flat[3] = a.flat[5]
    f = _jitted(", ".join(f"nr.reduce_{k}(a, axis={axis!r}, keepdims={keepdims})"
                          for k in ("sum", "mean", "max", "min")), args="a")
    for got, reduce in zip(f(a), (np.sum, np.mean, np.max, np.min)):
        want = reduce(a, axis=axis, keepdims=keepdims)
        assert np.shape(got) == np.shape(want)
        if axis == (0, 2) and reduce in (np.sum, np.mean):  # not NumPy's order: last bits
            np.testing.assert_allclose(got, want, rtol=1e-14)
        else:  # pairwise over trailing axes, in order over leading ones: the same bits
            np.testing.assert_array_equal(got, want)


def test_max_and_min_over_an_axis_propagate_nan():
    a = np.array([[1.0, np.nan, 3.0], [2.0, 5.0, 0.0]])
    got = _jitted("nr.reduce_max(a, axis=1, keepdims=True), nr.reduce_min(a, axis=0)",
                  args="a")(a)
    np.testing.assert_array_equal(got[0], np.max(a, axis=1, keepdims=True))
    np.testing.assert_array_equal(got[1], np.min(a, axis=0))


@pytest.mark.parametrize("axis, keepdims", [(1, True), (0, False), ((0, 1), False), (None, True)])
def test_sum_and_mean_vjp_over_axes_are_the_runtimes(axis, keepdims):
    a = np.random.default_rng(3).normal(size=(4, 3))
    out = np.sum(a, axis=axis, keepdims=keepdims)
    g = np.random.default_rng(4).normal(size=np.shape(out)) if np.ndim(out) else 0.5
    f = _jitted(f"nr.sum_vjp(g, a, {axis!r}, {keepdims}), nr.mean_vjp(g, a, {axis!r}, "
                f"{keepdims}), nr.count(a, {axis!r})", args="g, a")
    got_sum, got_mean, n = f(g, a)
    np.testing.assert_array_equal(got_sum, runtime.sum_vjp(g, a, axis, keepdims))
    np.testing.assert_array_equal(got_mean, runtime.mean_vjp(g, a, axis, keepdims))
    assert n == runtime.count(a, axis)


def test_the_helpers_of_a_batched_jacobian_are_the_runtimes():
    x = np.linspace(0.5, 2.0, 6).reshape(2, 3)
    f = _jitted("nr.basis_stack(a), nr.batch_size(nr.basis_stack(a)), nr.basis_stack(2.0)",
                args="a")
    basis, k, of_number = f(x)
    np.testing.assert_array_equal(basis, runtime.basis_stack(x))
    assert k == 6 and basis.shape == (6, 2, 3)
    np.testing.assert_array_equal(of_number, runtime.basis_stack(2.0))
    tangents, out = np.arange(24.0).reshape(6, 4), np.zeros(4)
    jac = _jitted("nr.jacobian_from_batched_columns(g, a, v)")(tangents, out, x)
    np.testing.assert_array_equal(jac, runtime.jacobian_from_batched_columns(tangents, out, x))
    g = np.arange(10.0).reshape(5, 2)
    vjp = _jitted("nr.vgetitem_vjp(g, a, (slice(1, None)), True, False)", args="g, a")
    np.testing.assert_array_equal(vjp(g, x[0]), runtime.vgetitem_vjp(g, x[0], np.s_[1:]))


def test_rewrite_shims_reductions_given_axes_only():
    text = to_numba("def f(x):\n    a = np.max(x, axis=1, keepdims=True)\n"
                    "    b = np.sum(x)\n    c = np.mean(x, 0)\n    return np.zeros(np.shape(a))\n")
    assert "_rt.reduce_max(x, axis=1, keepdims=True)" in text and "np.sum(x)" in text
    assert "_rt.reduce_mean(x, 0)" in text and "_rt.zeros(_rt.shape(a))" in text


def _small_mlp(seed=0):
    rng = np.random.default_rng(seed)
    X, Y = rng.normal(size=(8, 5)), np.eye(3)[rng.integers(0, 3, size=8)]
    return (rng.normal(size=(5, 4)) / 2, 0.1 * rng.normal(size=4), rng.normal(size=(4, 3)) / 2,
            0.1 * rng.normal(size=3), X, Y)


def test_the_mlp_gradient_compiles_and_matches_plain_and_differences():
    numba = _numba()
    args, argnums = _small_mlp(), (0, 1, 2, 3)
    g = s2sad.grad(bench.mlp, argnums=argnums, jit="numba")
    with warnings.catch_warnings():
        warnings.simplefilter("error", JitFallbackWarning)
        got = g(*args)
    assert isinstance(g.specialized_entry(args, {})._call, numba.core.dispatcher.Dispatcher)
    fd.assert_tree_allclose(got, s2sad.grad(bench.mlp, argnums=argnums)(*args), rtol=1e-12,
                            atol=1e-15)
    fd.assert_tree_allclose(got, bench.mlp_grad_hand(*args), rtol=1e-10, atol=1e-14)
    fd.assert_tree_allclose(got, fd.numerical_grad(bench.mlp, args, argnums), rtol=1e-6,
                            atol=1e-8)


def _max_min_loss(x):
    m = np.max(x, axis=1, keepdims=True)
    return np.sum(m * m) + np.sum(np.min(x, axis=0) * x[0])


@pytest.mark.parametrize("x", [_ties((3, 4), seed=5),
                               np.random.default_rng(6).normal(size=(3, 4))],
                         ids=["ties", "no-ties"])
def test_max_and_min_over_axes_compile_with_ties_split(x):
    _numba()
    with warnings.catch_warnings():
        warnings.simplefilter("error", JitFallbackWarning)
        got = s2sad.grad(_max_min_loss, jit="numba")(x)
    np.testing.assert_allclose(got, s2sad.grad(_max_min_loss)(x), rtol=1e-12, atol=0)
    if len(np.unique(x)) == x.size:  # differentiable there: differences agree
        np.testing.assert_allclose(got, fd.numerical_grad(_max_min_loss, (x,)), rtol=1e-6)


def test_an_axis_numba_cannot_see_runs_plain_with_the_same_numbers():
    _numba()

    def f(x, k):
        return np.sum(np.max(x, axis=k) ** 2)

    x = _ties((3, 4), seed=7)
    got, message = _one_fallback(lambda: s2sad.grad(f, jit="numba")(x, 1))
    assert "reduce_max" in message
    np.testing.assert_array_equal(got, s2sad.grad(f)(x, 1))


def test_the_rosenbrock_hessian_compiles_and_matches_plain_and_the_hand_written():
    numba = _numba()
    x = np.random.default_rng(8).uniform(-1.0, 1.0, 7)
    h = s2sad.hessian(bench.rosenbrock, jit="numba")
    with warnings.catch_warnings():
        warnings.simplefilter("error", JitFallbackWarning)
        got = h(x)
    assert isinstance(h.specialized_entry((x,), {})._call, numba.core.dispatcher.Dispatcher)
    np.testing.assert_allclose(got, s2sad.hessian(bench.rosenbrock)(x), rtol=1e-12, atol=0)
    np.testing.assert_allclose(got, bench_hessian.rosenbrock_hessian_hand(x), rtol=1e-12)
    np.testing.assert_allclose(got, fd.numerical_hessian(bench.rosenbrock, (x,), 0),
                               rtol=1e-5, atol=1e-5)


# --------------------------------------------------------------------------- numba's disk cache

_CACHE_CHILD = """\
import json, sys
sys.path.insert(0, {tools!r})
import numpy as np
import s2sad
import bench_scalar_loops as loops
g = s2sad.grad(loops.rk4, jit="numba")(2.0)
hits = misses = 0
for name, module in list(sys.modules.items()):
    if name.startswith("_s2sad_numba_"):
        for value in vars(module).values():
            stats = getattr(value, "stats", None)
            if stats is not None and hasattr(stats, "cache_hits"):
                hits += sum(stats.cache_hits.values())
                misses += sum(stats.cache_misses.values())
print(json.dumps({{"g": g, "hits": hits, "misses": misses}}))
"""


def _cache_child(folder: Path) -> dict:
    import json
    import os
    import subprocess

    env = dict(os.environ, S2SAD_CACHE_DIR=str(folder))
    env.pop("S2SAD_NO_CACHE", None)
    code = _CACHE_CHILD.format(tools=str(Path(loops.__file__).parent))
    out = subprocess.run([sys.executable, "-c", code], env=env, check=True,
                         capture_output=True, text=True, timeout=600)
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_a_fresh_process_loads_what_numba_compiled_from_the_disk_cache(tmp_path):
    """The first process compiles and numba keeps the machine code in the s2sad cache's
    ``numba`` folder; the next one loads it (a cache hit, no compile) and gets the same
    gradient."""
    _numba()
    first = _cache_child(tmp_path)
    assert first["misses"] >= 1 and first["hits"] == 0
    assert list((tmp_path / "numba" / "__pycache__").glob("*.nbc"))
    second = _cache_child(tmp_path)
    assert second["hits"] >= 1 and second["misses"] == 0
    assert second["g"] == first["g"]
    assert math.isclose(first["g"], loops.rk4_grad_hand(2.0), rel_tol=1e-12)


@pytest.mark.parametrize("damage", ["truncated", "garbage"])
def test_a_damaged_numba_cache_is_compiled_again_never_an_error(tmp_path, damage):
    _numba()
    first = _cache_child(tmp_path)
    for path in (tmp_path / "numba" / "__pycache__").iterdir():
        data = path.read_bytes()
        path.write_bytes(data[: len(data) // 3] if damage == "truncated" else b"garbage\n")
    again = _cache_child(tmp_path)
    assert again["g"] == first["g"] and again["hits"] == 0
    assert _cache_child(tmp_path)["hits"] >= 1  # what the damaged run compiled was kept


def test_a_global_constant_numba_freezes_is_part_of_its_file_name(tmp_path, monkeypatch):
    """Numba compiles a module-level number into the machine code: the same text with
    another value of that global gets its own cached file, never the old machine code."""
    _numba()
    from s2sad.codegen import numba_jit

    monkeypatch.setenv("S2SAD_CACHE_DIR", str(tmp_path))
    monkeypatch.delenv("S2SAD_NO_CACHE", raising=False)
    text = "def f(x):\n    return x * SCALE\n"
    paths = {numba_jit._cache_file(text, {"SCALE": scale}) for scale in (2.0, 3.0, 2.0)}
    assert len(paths) == 2 and all(p.startswith(str(tmp_path)) for p in paths)
    assert numba_jit._cache_file(text, {"SCALE": np.ones(2)}) is None  # no value in a name
    monkeypatch.setenv("S2SAD_NO_CACHE", "1")
    assert numba_jit._cache_file(text, {"SCALE": 2.0}) is None
