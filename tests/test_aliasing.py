"""In-place updates through second names, views and arguments (issue 9): right against
central differences, inputs never changed by a transform, or a clear refusal."""

import numpy as np
import pytest

import fd
import s2sad
from corpus import aliasing

CASES = [pytest.param(f, id=f.__name__) for f in aliasing.CORPUS]


def _on_copy(f):
    return lambda x: f(np.array(x, copy=True))


def test_corpus_is_large_enough():
    assert len(aliasing.CORPUS) >= 20


@pytest.mark.parametrize("f", CASES)
def test_grad_matches_finite_differences(f):
    x = aliasing.INPUT.copy()
    g = s2sad.grad(f)(x)
    np.testing.assert_array_equal(x, aliasing.INPUT)  # the caller's array is untouched
    expected = fd.numerical_grad(_on_copy(f), (aliasing.INPUT,))
    fd.assert_tree_allclose(g, expected, rtol=1e-6, atol=1e-7)


@pytest.mark.parametrize("f", CASES)
def test_value_is_the_functions(f):
    value, _ = s2sad.value_and_grad(f)(aliasing.INPUT.copy())
    np.testing.assert_allclose(value, f(aliasing.INPUT.copy()), rtol=1e-12)


@pytest.mark.parametrize("f", CASES)
def test_jvp_matches_finite_differences(f):
    x, v = aliasing.INPUT.copy(), np.array([0.3, -0.2, 0.5, 1.1])
    out, tangent = s2sad.jvp(f, (x,), (v,))
    np.testing.assert_array_equal(x, aliasing.INPUT)
    np.testing.assert_allclose(out, f(aliasing.INPUT.copy()), rtol=1e-12)
    expected = fd.numerical_jvp(_on_copy(f), (aliasing.INPUT,), (v,))
    np.testing.assert_allclose(tangent, expected, rtol=1e-6, atol=1e-7)


@pytest.mark.parametrize("f", [aliasing.second_name, aliasing.slice_view_imul,
                               aliasing.row_views_in_loop, aliasing.base_update_seen_by_view,
                               aliasing.argument_updated, aliasing.view_of_view])
def test_hessian_matches_finite_differences(f):
    h = s2sad.hessian(f)(aliasing.INPUT.copy())
    expected = fd.numerical_hessian(_on_copy(f), (aliasing.INPUT,))
    np.testing.assert_allclose(h, expected, rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize("f, message", [pytest.param(f, m, id=f.__name__)
                                        for f, m in aliasing.REFUSED])
def test_refused_clearly_at_the_users_line(f, message):
    with pytest.raises(s2sad.DifferentiationError) as info:
        s2sad.grad(f)(aliasing.INPUT.copy())
    text = str(info.value)
    assert message in text
    assert "aliasing.py:" in text


def test_plain_call_still_updates_the_argument():
    """Only transforms work on a copy: the user's function, called plainly, is untouched."""
    x = aliasing.INPUT.copy()
    aliasing.argument_updated(x)
    assert x[0] == aliasing.INPUT[1] * 2.0


def test_no_alias_code_when_nothing_is_shared():
    """``y *= 2`` on an array no other name reads rebinds: no runtime checks emitted."""
    src = s2sad.differentiate(aliasing.argument_imul).source("grad")
    assert "_rt.is_array" not in src and "shares_memory" not in src


@pytest.mark.parametrize("x", [0.7, 1.9])
def test_list_literals_given_to_ufuncs_are_arrays(x):
    f = aliasing.list_literals_to_ufuncs
    g = s2sad.grad(f)(x)
    np.testing.assert_allclose(g, fd.numerical_grad(f, (x,)), rtol=1e-7)
    _, t = s2sad.jvp(f, (x,), (1.0,))
    np.testing.assert_allclose(t, g, rtol=1e-10)
