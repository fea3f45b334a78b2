"""Input kinds (issue 9): every public transform on a handful of functions, fed the inputs
users actually pass.

* NaN and inf propagate as NumPy's own derivative math does (no exceptions, NumPy's
  default error state: warnings only);
* float32 arguments give float32 results (the generated code itself does not widen);
* 0-d arrays, Python floats, NumPy scalars keep their type; ints and bools are refused
  with ``TypeError`` (as in JAX and API.md);
* empty arrays give empty gradients of the right shape;
* strided, transposed, Fortran-ordered and read-only arrays are differentiated right
  (against central differences) and never modified;
* a bool or integer output is a ``TypeError``, not a zero gradient.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import s2sad
from corpus.control import for_range_len as accumulate  # a Python-float accumulator loop
from fd import numerical_grad, numerical_hessian

# --------------------------------------------------------------------------- functions


def elementwise(x):
    return np.sum(np.sin(x) * x + np.exp(x) / 2.0)


def reduction(x):
    return np.sum(x ** 2) + 3.0 * np.mean(x) + np.log(np.sum(np.exp(x)))


def matmul(x):
    return np.sum(x @ x.T)


def loop_update(x):
    y = x.copy()
    for i in range(1, y.shape[0]):
        y[i] = y[i - 1] * y[i] + 1.0
    return np.sum(y)


def branch(x):
    if np.sum(x) > 0:
        z = np.sum(x ** 3)
    else:
        z = np.sum(np.cos(x))
    return z


def copy_update(x):
    y = x.copy()
    y[0] = x[1] * 3.0
    y[1:] = y[1:] * x[:-1]
    return np.sum(y * y)


def scalar_fn(x):
    return x * x * 3.0 + np.sin(x)


# NumPy's own derivative math: the gradient and the Hessian, written out by hand


def _softmax(x):
    e = np.exp(x)
    return e / np.sum(e)


def grad_ref(fn, x):
    if fn is elementwise:
        return np.cos(x) * x + np.sin(x) + np.exp(x) / 2.0
    if fn is reduction:
        return 2.0 * x + 3.0 / x.size + _softmax(x)
    if fn is matmul:
        return 2.0 * x if x.ndim == 1 else 2.0 * np.ones((len(x), len(x))) @ x
    if fn is branch:
        return 3.0 * x ** 2 if np.sum(x) > 0 else -np.sin(x)
    if fn is loop_update:  # y_i = y_{i-1} x_i + 1, swept back by hand
        y = x.copy()
        for i in range(1, len(y)):
            y[i] = y[i - 1] * y[i] + 1.0
        g, b = np.zeros_like(x), np.ones_like(x)
        for i in range(len(x) - 1, 0, -1):
            g[i] = b[i] * y[i - 1]
            b[i - 1] = b[i - 1] + b[i] * x[i]
        g[0] = b[0]
        return g
    raise KeyError(fn)


def hessian_ref(fn, x):
    eye = np.eye(x.size)
    if fn is elementwise:
        d2 = -np.sin(x) * x + 2.0 * np.cos(x) + np.exp(x) / 2.0
        return d2[:, None] * eye  # a NaN second derivative fills its row (NaN * 0)
    if fn is reduction:
        p = _softmax(x)
        return 2.0 * eye + np.diag(p) - np.outer(p, p)
    if fn is branch:
        d2 = 6.0 * x if np.sum(x) > 0 else -np.cos(x)
        return d2[:, None] * eye
    if fn is matmul:  # d(2 * ones @ x) / dx: constant
        m, n = x.shape
        return 2.0 * np.ones((m, 1, m, 1)) * np.eye(n)[None, :, None, :]
    raise KeyError(fn)


VECTOR_FNS = [elementwise, reduction, loop_update, branch]
ALL_FNS = [elementwise, reduction, matmul, loop_update, branch]


def _arg_for(fn, x1d):
    """``matmul`` gets a 2-d argument (its Hessian then has four axes)."""
    return x1d.reshape(2, -1) if fn is matmul and x1d.size % 2 == 0 else x1d


@pytest.fixture(autouse=True)
def _numpy_defaults():
    """NumPy's default error state (warn, never raise); the warnings themselves are
    NumPy's business, not what these tests check."""
    with np.errstate(all="warn"), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        yield


def _close(actual, expected, **kw):
    np.testing.assert_allclose(np.asarray(actual, np.float64), np.asarray(expected, np.float64),
                               equal_nan=True, **kw)


# --------------------------------------------------------------------------- NaN and inf

NONFINITE = np.array([0.5, np.nan, np.inf, -np.inf, 2.0, 800.0])


@pytest.mark.parametrize("fn", ALL_FNS, ids=lambda f: f.__name__)
def test_nonfinite_inputs_propagate_like_numpy(fn):
    x = _arg_for(fn, NONFINITE)
    ref = grad_ref(fn, x)
    _close(s2sad.grad(fn)(x), ref)
    value, g = s2sad.value_and_grad(fn)(x)
    _close(value, fn(x))
    _close(g, ref)
    out, pullback = s2sad.vjp(fn, x)
    _close(out, fn(x))
    _close(pullback(1.0)[0], ref)
    t = np.ones_like(x)
    out, tout = s2sad.jvp(fn, (x,), (t,))
    _close(out, fn(x))
    _close(tout, np.sum(ref * t))
    assert np.isnan(s2sad.grad(fn)(x)).any()  # the NaN input is not silently zeroed


@pytest.mark.parametrize("fn", [elementwise, reduction, matmul, branch],
                         ids=lambda f: f.__name__)
def test_nonfinite_inputs_hessian(fn):
    x = _arg_for(fn, NONFINITE)
    H = s2sad.hessian(fn)(x)
    assert H.shape == x.shape + x.shape
    _close(H, hessian_ref(fn, x))


def test_nonfinite_loop_hessian_runs():
    x = NONFINITE.copy()
    H = s2sad.hessian(loop_update)(x)
    assert H.shape == (6, 6) and np.isnan(H).any()


@pytest.mark.parametrize("fn", ALL_FNS, ids=lambda f: f.__name__)
def test_finite_references_agree_with_central_differences(fn):
    """The hand-written references above are themselves right."""
    x = _arg_for(fn, np.array([0.3, -0.7, 1.1, 0.4]))
    _close(s2sad.grad(fn)(x), grad_ref(fn, x), rtol=1e-10)
    _close(grad_ref(fn, x), numerical_grad(fn, (x,)), rtol=1e-6, atol=1e-8)
    if fn is not loop_update:
        _close(s2sad.hessian(fn)(x), hessian_ref(fn, x), rtol=1e-10, atol=1e-12)


# --------------------------------------------------------------------------- float32

X32 = np.array([0.5, -1.0, 2.0, 0.3], dtype=np.float32)


@pytest.mark.parametrize("fn", ALL_FNS + [copy_update, accumulate], ids=lambda f: f.__name__)
def test_float32_inputs_give_float32_results(fn):
    x = _arg_for(fn, X32)
    x64 = x.astype(np.float64)
    g64 = s2sad.grad(fn)(x64)
    g = s2sad.grad(fn)(x)
    assert g.dtype == np.float32 and g.shape == x.shape
    _close(g, g64, rtol=1e-4, atol=1e-5)
    value, g = s2sad.value_and_grad(fn)(x)
    assert g.dtype == np.float32 and np.asarray(value).dtype == np.float32
    out, pullback = s2sad.vjp(fn, x)
    (ct,) = pullback(np.float32(1.0))
    assert ct.dtype == np.float32
    _close(ct, g64, rtol=1e-4, atol=1e-5)
    out, tout = s2sad.jvp(fn, (x,), (np.ones_like(x),))
    assert np.asarray(tout).dtype == np.float32
    _close(tout, np.sum(g64), rtol=1e-4, atol=1e-4)
    H = s2sad.hessian(fn)(x)
    assert H.dtype == np.float32 and H.shape == x.shape + x.shape
    _close(H, s2sad.hessian(fn)(x64), rtol=1e-4, atol=1e-4)


@pytest.mark.parametrize("fn", ALL_FNS + [copy_update], ids=lambda f: f.__name__)
def test_float32_generated_gradient_does_not_widen(fn):
    """The generated code itself keeps float32 (not only the cast at the API boundary)."""
    x = _arg_for(fn, X32)
    assert s2sad.grad(fn).entry(x).dtype == np.float32
    assert s2sad.hessian(fn).entry(x).dtype == np.float32


# --------------------------------------------------------------------------- scalars


def _scalar_grad(x):
    return 6.0 * x + np.cos(x)


@pytest.mark.parametrize("x, kind", [
    (np.array(0.7), np.ndarray), (np.array(0.7, np.float32), np.ndarray),
    (np.float64(0.7), np.float64), (np.float32(0.7), np.float32), (0.7, float),
], ids=["0d", "0d-f32", "np.float64", "np.float32", "float"])
def test_scalar_inputs_keep_their_type(x, kind):
    dtype = np.result_type(x)
    g = s2sad.grad(scalar_fn)(x)
    assert type(g) is kind and np.result_type(g) == dtype
    _close(g, _scalar_grad(float(x)), rtol=1e-6)
    value, g = s2sad.value_and_grad(scalar_fn)(x)
    assert type(g) is kind
    _close(value, scalar_fn(float(x)), rtol=1e-6)
    (ct,) = s2sad.vjp(scalar_fn, x)[1](1.0)
    assert type(ct) is kind and np.result_type(ct) == dtype
    out, tout = s2sad.jvp(scalar_fn, (x,), (x,))
    assert np.result_type(tout) == np.result_type(out)
    _close(tout, _scalar_grad(float(x)) * float(x), rtol=1e-6)
    H = s2sad.hessian(scalar_fn)(x)
    assert np.shape(H) == () and np.result_type(H) == dtype
    _close(H, 6.0 - np.sin(float(x)), rtol=1e-6)


@pytest.mark.parametrize("x", [2, np.int64(2), True, np.array([1, 2]), np.array(3)],
                         ids=["int", "np.int64", "bool", "int-array", "0d-int"])
def test_integer_inputs_are_refused(x):
    """API.md and JAX: integer or boolean arguments in argnums are a TypeError."""
    message = r"requires real- or complex-valued \(floating point\) inputs"
    with pytest.raises(TypeError, match="grad " + message):
        s2sad.grad(scalar_fn)(x)
    with pytest.raises(TypeError, match="value_and_grad " + message):
        s2sad.value_and_grad(scalar_fn)(x)
    with pytest.raises(TypeError, match="jvp " + message):
        s2sad.jvp(scalar_fn, (x,), (x,))
    with pytest.raises(TypeError, match="vjp " + message):
        s2sad.vjp(scalar_fn, x)
    with pytest.raises(TypeError, match="hessian " + message):
        s2sad.hessian(scalar_fn)(x)


def test_integer_argument_outside_argnums_is_fine():
    def scaled(x, n):
        return np.sum(x ** n)

    assert s2sad.grad(scaled)(np.array([1.0, 2.0]), 3).tolist() == [3.0, 12.0]


# --------------------------------------------------------------------------- empty arrays


@pytest.mark.parametrize("shape", [(0,), (3, 0), (0, 3)], ids=str)
@pytest.mark.parametrize("fn", [elementwise, reduction, matmul, loop_update, branch,
                                copy_update],
                         ids=lambda f: f.__name__)
@pytest.mark.parametrize("dtype", [np.float64, np.float32], ids=["f64", "f32"])
def test_empty_arrays(fn, shape, dtype):
    x = np.zeros(shape, dtype)
    if fn is copy_update and shape[0] == 0:  # y[0] = ...: NumPy's IndexError, unchanged
        with pytest.raises(IndexError):
            fn(x)
        with pytest.raises(IndexError):
            s2sad.grad(fn)(x)
        return
    for g in (s2sad.grad(fn)(x), s2sad.value_and_grad(fn)(x)[1], s2sad.vjp(fn, x)[1](1.0)[0]):
        assert isinstance(g, np.ndarray) and g.shape == shape and g.dtype == dtype
    out, tout = s2sad.jvp(fn, (x,), (x,))
    assert np.shape(tout) == np.shape(out)
    H = s2sad.hessian(fn)(x)
    assert H.shape == shape + shape and H.dtype == dtype


# --------------------------------------------------------------------------- layouts


def _layouts():
    base = np.linspace(0.1, 1.3, 12).reshape(3, 4) - 0.4
    strided = np.linspace(-0.6, 0.9, 10)[::2]
    readonly = np.array([0.4, -0.3, 0.8, 0.1, -0.9])
    readonly.setflags(write=False)
    return {"strided": strided, "transposed": base.T, "fortran": np.asfortranarray(base),
            "readonly": readonly, "readonly-transposed": _readonly(base.T)}


def _readonly(a):
    a = a.view()
    a.setflags(write=False)
    return a


LAYOUTS = _layouts()
LAYOUT_FNS = [elementwise, reduction, matmul, loop_update, branch, copy_update, accumulate]


@pytest.mark.parametrize("layout", sorted(LAYOUTS))
@pytest.mark.parametrize("fn", LAYOUT_FNS, ids=lambda f: f.__name__)
def test_layouts_right_and_inputs_untouched(fn, layout):
    x = LAYOUTS[layout]
    if fn is accumulate and x.ndim != 1:
        x = x[:, 0]
    before, flags = x.copy(), (x.flags.writeable, x.flags.c_contiguous, x.flags.f_contiguous)
    expected = numerical_grad(fn, (x,))
    _close(s2sad.grad(fn)(x), expected, rtol=1e-6, atol=1e-8)
    _close(s2sad.value_and_grad(fn)(x)[1], expected, rtol=1e-6, atol=1e-8)
    _close(s2sad.vjp(fn, x)[1](1.0)[0], expected, rtol=1e-6, atol=1e-8)
    t = np.ones_like(x)
    _close(s2sad.jvp(fn, (x,), (t,))[1], np.sum(expected * t), rtol=1e-6, atol=1e-8)
    if x.size <= 6:
        H = s2sad.hessian(fn)(x)
        _close(H, numerical_hessian(fn, (x,), grad_fn=s2sad.grad(fn)), rtol=1e-5, atol=1e-6)
    np.testing.assert_array_equal(x, before)
    assert (x.flags.writeable, x.flags.c_contiguous, x.flags.f_contiguous) == flags


def test_readonly_input_to_in_place_update_on_copy():
    """``y = x.copy(); y[0] = ...`` on a read-only argument: the copy is writable."""
    x = _readonly(np.array([0.4, -0.3, 0.8]))
    g = s2sad.grad(copy_update)(x)
    _close(g, numerical_grad(copy_update, (x,)), rtol=1e-6, atol=1e-8)
    assert not x.flags.writeable and x.tolist() == [0.4, -0.3, 0.8]


# --------------------------------------------------------------------------- non-float outputs


def returns_comparison(x):
    return x > 0


def returns_all(x):
    return np.all(x > 0)


def returns_count(x):
    return np.sum(x > 0)


def returns_int_cast(x):
    return np.sum(x).astype(np.int64)


def returns_int_constant(x):
    return 3


NOT_FLOAT = r"grad requires a real floating-point scalar output, but the function returned"


@pytest.mark.parametrize("fn, what", [
    (returns_all, "a bool"), (returns_count, "numpy.int64"),
    (returns_int_cast, "dtype int64"), (returns_int_constant, "an int"),
], ids=["all", "count", "int-cast", "constant"])
@pytest.mark.parametrize("transform", ["value_and_grad", "grad_and_value"])
def test_value_and_grad_of_non_float_output_is_a_type_error(transform, fn, what):
    with pytest.raises(TypeError, match=NOT_FLOAT + ".*" + what):
        getattr(s2sad, transform)(fn)(np.array([1.0, -2.0]))


def test_grad_of_integer_output_that_depends_on_the_argument():
    with pytest.raises(TypeError, match=NOT_FLOAT + " an array of shape \\(\\) and dtype int64"):
        s2sad.grad(returns_int_cast)(np.array([1.0, -2.0]))


@pytest.mark.parametrize("fn", [returns_all, returns_count, returns_int_constant],
                         ids=lambda f: f.__name__)
def test_grad_of_bool_output_is_a_type_error(fn):
    try:
        s2sad.grad(fn)(np.array([1.0, -2.0]))
    except TypeError as exc:
        assert "requires a real floating-point scalar output" in str(exc)
    else:
        raise AssertionError("grad gave a zero gradient for a non-float output")


def returns_all_with_aux(x):
    return np.all(x > 0), x * 2.0


@pytest.mark.parametrize("transform", ["grad", "value_and_grad", "grad_and_value"])
def test_non_float_output_with_aux_is_a_type_error(transform):
    with pytest.raises(TypeError, match=NOT_FLOAT + " a bool"):
        getattr(s2sad, transform)(returns_all_with_aux, has_aux=True)(np.array([1.0, -2.0]))


def test_value_and_grad_of_bool_array_output_names_the_shape():
    with pytest.raises(ValueError, match=r"scalar output .* array of shape \(2,\)"):
        s2sad.value_and_grad(returns_comparison)(np.array([1.0, -2.0]))


@pytest.mark.parametrize("fn, what", [
    (returns_comparison, r"an array of shape \(2,\) and dtype bool"), (returns_all, "a bool"),
    (returns_count, "a numpy.int64"), (returns_int_constant, r"an int \(3\)"),
], ids=["comparison", "all", "count", "constant"])
def test_vjp_pullback_of_non_float_output_is_a_type_error(fn, what):
    """As in JAX, the forward call succeeds; the pullback has no cotangent to take."""
    out, pullback = s2sad.vjp(fn, np.array([1.0, -2.0]))
    np.testing.assert_array_equal(out, fn(np.array([1.0, -2.0])))
    with pytest.raises(TypeError, match="vjp requires a floating-point output, but the "
                                        "function returned " + what):
        pullback(np.ones(np.shape(out)))


def test_vjp_of_mixed_output_still_pulls_back_the_float_part():
    def with_count(x):
        return np.sum(x * x), np.sum(x > 0)

    out, pullback = s2sad.vjp(with_count, np.array([1.0, -2.0]))
    (g,) = pullback((1.0, 0))
    np.testing.assert_allclose(g, [2.0, -4.0])
