"""End to end, control flow (issue 3): grad of the corpus in ``tests/corpus/control.py``
against central finite differences at every input (the inputs cover every branch).
"""

import math

import numpy as np
import pytest

import fd
import s2sad
from corpus import control

CASES = [pytest.param(c, k, args, id=f"{c.name}-{k}")
         for c in control.CORPUS for k, args in enumerate(c.inputs())]


def test_corpus_is_large_enough():
    assert len({c.name for c in control.CORPUS}) >= 45


@pytest.mark.parametrize("c, k, args", CASES)
def test_grad_matches_finite_differences(c, k, args):
    g = s2sad.grad(c.fn, argnums=c.argnums)(*args)
    expected = fd.numerical_grad(c.fn, args, c.argnums)
    fd.assert_tree_allclose(g, expected, rtol=c.rtol, atol=c.atol)


@pytest.mark.parametrize("c, k, args", CASES)
def test_value_and_grad_value_is_the_functions(c, k, args):
    value, g = s2sad.value_and_grad(c.fn, argnums=c.argnums)(*args)
    np.testing.assert_allclose(np.asarray(value, np.float64), np.asarray(c.fn(*args), np.float64),
                               rtol=1e-10, atol=1e-12)
    fd.assert_tree_allclose(g, s2sad.grad(c.fn, argnums=c.argnums)(*args), rtol=1e-12,
                            atol=1e-14)


# --------------------------------------------------------------------------- closed forms


@pytest.mark.parametrize("a", [2.0, 9.5, 0.3])
def test_newton_sqrt_derivative_is_that_of_sqrt(a):
    assert s2sad.grad(control.newton_sqrt)(a) == pytest.approx(0.5 / math.sqrt(a), rel=1e-9)


@pytest.mark.parametrize("c", [0.5, 3.0, -2.0])
def test_newton_cubic_derivative_is_implicit_function_derivative(c):
    x = control.newton_cubic(c)
    assert x ** 3 + x == pytest.approx(c, rel=1e-12, abs=1e-12)
    assert s2sad.grad(control.newton_cubic)(c) == pytest.approx(1.0 / (3 * x * x + 1), rel=1e-9)


@pytest.mark.parametrize("n", [0, 1, 2, 5])
def test_recursive_power(n):
    x = 1.3
    g = s2sad.grad(control.power)(x, n)
    assert isinstance(g, float)
    assert g == pytest.approx(n * x ** (n - 1) if n else 0.0, rel=1e-13, abs=0.0)


def test_fast_power_on_arrays():
    x = np.array([0.5, -1.2, 2.0])
    np.testing.assert_allclose(s2sad.grad(control.fast_power_sum)(x, 7), 7 * x ** 6, rtol=1e-13)


def test_power_iteration_gives_eigenvalue_derivative():
    A = control._sym(38)
    w, V = np.linalg.eigh(A)
    v = V[:, np.argmax(w)]
    # d lambda_max / dA = v v^T (for a symmetric A, as a function of all entries)
    np.testing.assert_allclose(s2sad.grad(control.power_iteration)(A), np.outer(v, v),
                               rtol=1e-5, atol=1e-6)


def test_break_and_return_inside_loops():
    x = np.array([1.0, 0.8, -1.2, 0.5, 0.7])
    # thresh 1.2: s = 1 + 0.64 = 1.64 > 1.2 after two terms; out = s * x0
    g = s2sad.grad(control.break_loop)(x, 1.2)
    np.testing.assert_allclose(g, [2.0 * 1.0 + 1.64, 2 * 0.8 * 1.0, 0.0, 0.0, 0.0], rtol=1e-13)
    x = np.array([0.5, 0.9, 1.2, 0.3])
    # target 1.5: running 0.25, 1.06, 2.5 > 1.5 at i = 2 -> 3 * running
    g = s2sad.grad(control.early_exit_search)(x, 1.5)
    np.testing.assert_allclose(g, [3.0, 5.4, 7.2, 0.0], rtol=1e-13)
    g = s2sad.grad(control.early_exit_search)(x, 10.0)
    np.testing.assert_allclose(g, -2.0 * x, rtol=1e-13)


def test_in_place_building_restores_overwritten_values():
    x = np.array([0.3, -1.1, 0.7, 0.25])
    g = s2sad.grad(control.overwrite_then_read)(x)
    fd.assert_tree_allclose(g, fd.numerical_grad(control.overwrite_then_read, (x,)), rtol=1e-6)
    # the argument itself is untouched by the generated code
    np.testing.assert_array_equal(x, [0.3, -1.1, 0.7, 0.25])


def test_two_instances_of_a_class_are_not_confused():
    x = np.array([0.2, -0.4, 0.9, 0.1])
    m1 = control.Model(np.eye(3, 4), 1.0, 0.0)
    m2 = control.Model(2.0 * np.eye(3, 4), 0.5, 0.3)
    for m in (m1, m2, m1):
        fd.assert_tree_allclose(s2sad.grad(m.loss)(x), fd.numerical_grad(m.loss, (x,)),
                                rtol=1e-6, atol=1e-9)


# --------------------------------------------------------------------------- zeros, not errors


def ignores_second(x, unused):
    return np.sum(x ** 2)


def test_gradient_wrt_unused_argument_is_zeros_of_its_shape():
    x = np.array([1.0, 2.0])
    for unused, zero in [(np.ones((2, 3)), np.zeros((2, 3))), (0.5, 0.0),
                         ({"a": np.ones(2), "b": (1.5, np.ones(3, np.float32))},
                          {"a": np.zeros(2), "b": (0.0, np.zeros(3, np.float32))})]:
        gx, gu = s2sad.grad(ignores_second, argnums=(0, 1))(x, unused)
        np.testing.assert_array_equal(gx, 2 * x)
        fd.assert_tree_allclose(gu, zero, rtol=0, atol=0)


def test_dependency_only_through_a_branch_gives_zero_gradient():
    x, y = np.array([0.5, -0.3]), np.array([1.0, 2.0, -0.5])
    for sign in (1.0, -1.0):
        gy = s2sad.grad(control.branch_only_dependency, argnums=1)(x, sign * y)
        fd.assert_tree_allclose(gy, np.zeros(3), rtol=0, atol=0)


def test_constant_branch_of_recursion_gives_zero():
    assert s2sad.grad(control.power)(1.3, 0) == 0.0
    g = s2sad.grad(control.steps_from_argument)(np.array([0.5, 1.0]), 0)
    np.testing.assert_array_equal(g, np.ones(2))


# --------------------------------------------------------------------------- has_aux dict


def _aux_inputs():
    r = np.random.default_rng(7)
    return r.standard_normal(3), r.standard_normal((5, 3)), r.standard_normal(5)


def _check_aux(aux, w, X, y):
    _, expected = control.loss_with_aux(w, X, y)
    assert isinstance(aux, dict) and set(aux) == {"pred", "n", "worst"}
    np.testing.assert_allclose(aux["pred"], expected["pred"], rtol=1e-14)
    assert aux["n"] == 5
    assert aux["worst"] == pytest.approx(expected["worst"], rel=1e-14)


def _loss_only(w, X, y):
    return control.loss_with_aux(w, X, y)[0]


def test_has_aux_dict_from_a_loop():
    w, X, y = _aux_inputs()
    value = control.loss_with_aux(w, X, y)[0]
    expected = fd.numerical_grad(_loss_only, (w, X, y))

    g, aux = s2sad.grad(control.loss_with_aux, has_aux=True)(w, X, y)
    fd.assert_tree_allclose(g, expected, rtol=1e-6)
    _check_aux(aux, w, X, y)

    (v, aux), g = s2sad.value_and_grad(control.loss_with_aux, has_aux=True)(w, X, y)
    assert v == pytest.approx(value, rel=1e-12)
    fd.assert_tree_allclose(g, expected, rtol=1e-6)
    _check_aux(aux, w, X, y)

    g, (v, aux) = s2sad.grad_and_value(control.loss_with_aux, has_aux=True)(w, X, y)
    assert v == pytest.approx(value, rel=1e-12)
    fd.assert_tree_allclose(g, expected, rtol=1e-6)
    _check_aux(aux, w, X, y)


def _rescaled_three_times(x):
    for _ in range(3):
        s = np.sum(x * x)
        x = x * s
    return x


def _sum_rescaled(x):
    return np.sum(_rescaled_three_times(x))


def test_split_callee_binds_each_placeholder_once():
    """The forward half of a callee binds a name a loop overwrites to None once, before
    the tape push that reads it (it was also bound again, as a possibly unbound residual)."""
    import ast

    x = np.array([0.3, -0.2, 0.4])
    g = s2sad.grad(_sum_rescaled)
    fd.assert_tree_allclose(g(x), fd.numerical_grad(_sum_rescaled, (x,)), rtol=1e-6)
    fwd = next(f for f in ast.parse(g.source).body
               if isinstance(f, ast.FunctionDef) and f.name == "_rescaled_three_times_fwd")
    placeholders = [s.targets[0].id for s in fwd.body if isinstance(s, ast.Assign)
                    and isinstance(s.value, ast.Constant) and s.value.value is None]
    assert sorted(placeholders) == ["_t1", "s"]
