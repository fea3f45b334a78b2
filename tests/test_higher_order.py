"""Higher derivatives by composing transforms (issue 4): hessian, hvp, grad of grad,
jvp of grad, jacrev of jacfwd, grad through a body that calls s2sad.grad itself.

Oracles: closed forms, and central differences of central differences in float64.
"""

import math

import numpy as np
import pytest

import fd
import s2sad
from corpus import bind, control, straight

def rosenbrock_hessian(x):
    """Closed form of the Hessian of sum 100 (x[i+1] - x[i]^2)^2 + (1 - x[i])^2."""
    n = len(x)
    H = np.zeros((n, n))
    for i in range(n - 1):
        H[i, i] += 1200.0 * x[i] ** 2 - 400.0 * x[i + 1] + 2.0
        H[i + 1, i + 1] += 200.0
        H[i, i + 1] = H[i + 1, i] = -400.0 * x[i]
    return H


X10 = np.random.default_rng(10).uniform(-1.5, 1.5, 10)


def test_rosenbrock_closed_form_is_right():
    H = fd.numerical_hessian(straight.rosenbrock, (X10,))
    np.testing.assert_allclose(rosenbrock_hessian(X10), H, rtol=1e-5, atol=1e-3)


def test_hessian_of_rosenbrock_n10():
    H = s2sad.hessian(straight.rosenbrock)(X10)
    assert H.shape == (10, 10)
    np.testing.assert_allclose(H, rosenbrock_hessian(X10), rtol=1e-12, atol=1e-10)


def test_hvp_of_rosenbrock_n10():
    v = np.random.default_rng(11).standard_normal(10)
    hv = s2sad.hvp(straight.rosenbrock, (X10,), (v,))
    assert hv.shape == (10,)
    np.testing.assert_allclose(hv, rosenbrock_hessian(X10) @ v, rtol=1e-12, atol=1e-10)


@pytest.mark.parametrize("compose", [
    lambda f: s2sad.jacfwd(s2sad.grad(f)),
    lambda f: s2sad.jacrev(s2sad.grad(f)),
    lambda f: s2sad.jacrev(s2sad.jacfwd(f)),
    lambda f: s2sad.jacfwd(s2sad.jacrev(f)),
    lambda f: s2sad.jacfwd(s2sad.jacfwd(f)),
], ids=["jacfwd-grad", "jacrev-grad", "jacrev-jacfwd", "jacfwd-jacrev", "jacfwd-jacfwd"])
def test_composed_hessians_of_rosenbrock(compose):
    x = X10[:6]
    np.testing.assert_allclose(compose(straight.rosenbrock)(x), rosenbrock_hessian(x),
                               rtol=1e-12, atol=1e-10)


# --------------------------------------------------------------------------- loops and branches

# (function, args, argnum): every branch of each function is reached by one of its inputs
HESSIAN_CASES = [
    (control.relu_branch, (1.3,), 0), (control.relu_branch, (-0.7,), 0),
    (control.three_way, (-1.8,), 0), (control.three_way, (0.3,), 0),
    (control.three_way, (2.2,), 0),
    (control.cond_expr, (1.5,), 0), (control.cond_expr, (0.3,), 0),
    (control.and_or_not, (0.5, 0.7), 0), (control.and_or_not, (-0.5, 0.4), 1),
    (control.for_range_len, (np.array([0.5, -1.0, 2.0, 0.3]),), 0),
    (control.nested_loops_triangular, (np.array([0.5, -1.0, 2.0, 0.3]),), 0),
    (control.while_counter, (np.array([0.5, -1.0, 2.0]),), 0),
    (control.newton_sqrt, (2.0,), 0), (control.newton_sqrt, (0.3,), 0),
    (control.newton_cubic, (3.0,), 0),
    (control.fixed_point, (0.3, 0.5), 0),
    (control.recurrence_in_place, (np.array([0.3, -0.6, 0.9, 0.2]),), 0),
    (control.subscript_assign_build, (np.array([0.3, -0.6, 0.9]),), 0),
    (control.overwrite_then_read, (np.array([0.3, -0.6, 0.9, 0.2]),), 0),
    (control.mask_assign, (np.array([0.9, -0.4, 0.2, 1.3]),), 0),
    (control.min_tracking, (np.array([0.4, -0.3, 1.2, -0.9]),), 0),
    (control.early_exit_search, (np.array([0.5, 0.9, 1.2, 0.3]), 1.5), 0),
    (control.early_exit_search, (np.array([0.5, 0.9, 1.2, 0.3]), 10.0), 0),
    (control.break_loop, (np.array([1.0, 0.8, -1.2, 0.5]), 1.2), 0),
    (control.return_in_branches, (np.array([0.5, 0.7, -0.2]),), 0),
    (control.return_in_branches, (np.array([-0.5, 0.7, 1.2]),), 0),
    (control.power, (0.7, 5), 0), (control.fast_power_sum, (np.array([0.5, -1.2]), 5), 0),
    (control.rnn, (0.5 * np.eye(2) + 0.1, np.array([[0.3, -0.2], [0.5, 0.1]]),
                   np.array([[1.0, -1.0], [0.5, 0.2], [-0.3, 0.8]])), 1),
    (control.rk4_ode, (np.array([1.0, 0.0]), np.array([2.0, 0.3])), 1),
    (control.helper_defaults_keywords, (np.array([-1.6, 0.1, 0.8, 1.7]),), 0),
    (control.MODEL.loss, (np.array([0.2, -0.4, 0.9, 0.1]),), 0),
    (control.augassign_all_ops, (np.array([0.3, -0.45, 0.8]), 0.7), 0),
    (control.bouncing_ball, (5.0, 2.0, 0.8), 1),
]


@pytest.mark.parametrize("fn, args, argnum", HESSIAN_CASES,
                         ids=[f"{getattr(f, '__qualname__')}-{k}"
                              for k, (f, _, _) in enumerate(HESSIAN_CASES)])
def test_hessian_with_control_flow_matches_second_differences(fn, args, argnum):
    H = s2sad.hessian(fn, argnums=argnum)(*args)
    shape = np.shape(args[argnum])
    assert np.shape(H) == shape + shape
    expected = fd.numerical_hessian(fn, args, argnum)
    scale = max(1.0, float(np.max(np.abs(expected))), abs(float(fn(*args))))
    np.testing.assert_allclose(np.asarray(H, np.float64), expected, rtol=1e-5, atol=1e-5 * scale)


HVP_CASES = [c for c in HESSIAN_CASES if c[2] == 0][::2]


@pytest.mark.parametrize("fn, args, argnum", HVP_CASES,
                         ids=[f"{getattr(f, '__qualname__')}-{k}"
                              for k, (f, _, _) in enumerate(HVP_CASES)])
def test_hvp_equals_hessian_times_vector(fn, args, argnum):
    x = args[0]
    v = 0.7 if isinstance(x, float) else np.random.default_rng(1).standard_normal(np.shape(x))
    H = fd.numerical_hessian(fn, args, 0)
    n = int(np.size(x))
    expected = (np.reshape(H, (n, n)) @ np.reshape(v, n)).reshape(np.shape(x))
    g, _ = bind(fn, args, (0,))  # a function of x alone, the other arguments closed over
    hv = s2sad.hvp(g, (x,), (v,))
    assert np.shape(hv) == np.shape(x)
    scale = max(1.0, float(np.max(np.abs(H))))
    np.testing.assert_allclose(np.asarray(hv, np.float64), expected, rtol=1e-5, atol=1e-5 * scale)
    np.testing.assert_allclose(
        np.reshape(hv, n), np.reshape(s2sad.hessian(fn)(*args), (n, n)) @ np.reshape(v, n),
        rtol=1e-10, atol=1e-12 * scale)


def test_grad_of_grad_through_branches_closed_form():
    # relu_branch: x > 0: (x^2 + 1)^2 -> f'' = 12 x^2 + 4 ; x <= 0: (1 - x/2)^2 -> f'' = 1/2
    gg = s2sad.grad(s2sad.grad(control.relu_branch))
    assert gg(1.3) == pytest.approx(12 * 1.3 ** 2 + 4, rel=1e-13)
    assert gg(-0.7) == pytest.approx(0.5, rel=1e-13)


def test_third_and_fourth_derivatives_through_a_while_loop():
    # newton_sqrt(a) = sqrt(a): d3/da3 = 3/8 a^(-5/2), d4/da4 = -15/16 a^(-7/2); reverse mode
    # through the tape of the tape (lists as values from the third pass on)
    ggg = s2sad.grad(s2sad.grad(s2sad.grad(control.newton_sqrt)))
    gggg = s2sad.grad(ggg)
    for a in (2.0, 9.5, 0.3):
        assert ggg(a) == pytest.approx(0.375 * a ** -2.5, rel=1e-7)
        assert gggg(a) == pytest.approx(-0.9375 * a ** -3.5, rel=1e-7)


# scalar functions with loops and branches: grad^3 by three reverse passes == forward over two
THIRD_ORDER_CASES = [(f, args) for f, args, argnum in HESSIAN_CASES
                     if argnum == 0 and isinstance(args[0], float)]


@pytest.mark.parametrize("fn, args", THIRD_ORDER_CASES,
                         ids=[f"{getattr(f, '__qualname__')}-{k}"
                              for k, (f, _) in enumerate(THIRD_ORDER_CASES)])
def test_third_reverse_pass_through_control_flow(fn, args):
    reverse3 = s2sad.grad(s2sad.grad(s2sad.grad(fn)))(*args)
    forward_over = s2sad.jacfwd(s2sad.grad(s2sad.grad(fn)))(*args)
    np.testing.assert_allclose(reverse3, forward_over, rtol=1e-9, atol=1e-12)


# --------------------------------------------------------------------------- exact higher order


def quintic(x):
    return x ** 5


def sine(x):
    return math.sin(x)


def np_sine(x):
    return np.sin(x)


@pytest.mark.parametrize("x", [0.7, -1.3, 2.0])
def test_fourth_derivative_of_x5_is_120x(x):
    d1 = s2sad.grad(quintic)
    d2 = s2sad.grad(d1)
    d3 = s2sad.grad(d2)
    d4 = s2sad.grad(d3)
    assert d1(x) == pytest.approx(5 * x ** 4, rel=1e-14)
    assert d2(x) == pytest.approx(20 * x ** 3, rel=1e-14)
    assert d3(x) == pytest.approx(60 * x ** 2, rel=1e-14)
    assert d4(x) == pytest.approx(120 * x, rel=1e-14)


@pytest.mark.parametrize("f", [sine, np_sine], ids=["math.sin", "np.sin"])
@pytest.mark.parametrize("x", [0.7, -1.3, 2.0])
def test_fourth_derivative_of_sin_is_sin(f, x):
    d4 = s2sad.grad(s2sad.grad(s2sad.grad(s2sad.grad(f))))
    assert float(d4(x)) == pytest.approx(math.sin(x), rel=1e-14, abs=1e-15)
    d3 = s2sad.grad(s2sad.grad(s2sad.grad(f)))
    assert float(d3(x)) == pytest.approx(-math.cos(x), rel=1e-14, abs=1e-15)


def test_hessian_of_hessian_entry_by_nesting():
    # f = sum x^4: grad = 4 x^3, hessian = diag(12 x^2), jacfwd(hessian) = 24 x on the diagonal
    f = lambda_free_quartic
    x = np.array([0.5, -1.0, 2.0])
    T = s2sad.jacfwd(s2sad.hessian(f))(x)
    assert T.shape == (3, 3, 3)
    expected = np.zeros((3, 3, 3))
    for i in range(3):
        expected[i, i, i] = 24 * x[i]
    np.testing.assert_allclose(T, expected, rtol=1e-14, atol=1e-14)


def lambda_free_quartic(x):
    return np.sum(x ** 4)


# --------------------------------------------------------------------------- compositions


def test_jvp_of_grad_is_hessian_vector_product():
    x = X10[:5]
    v = np.array([1.0, -2.0, 0.5, 0.0, 3.0])
    g, hv = s2sad.jvp(s2sad.grad(straight.rosenbrock), (x,), (v,))
    np.testing.assert_allclose(g, s2sad.grad(straight.rosenbrock)(x), rtol=1e-14)
    np.testing.assert_allclose(hv, rosenbrock_hessian(x) @ v, rtol=1e-12, atol=1e-10)


def test_jvp_of_grad_with_loops():
    x = np.array([0.3, -0.6, 0.9, 0.2])
    v = np.array([0.5, 1.0, -1.0, 2.0])
    f = control.recurrence_in_place
    g, hv = s2sad.jvp(s2sad.grad(f), (x,), (v,))
    H = fd.numerical_hessian(f, (x,))
    np.testing.assert_allclose(hv, H @ v, rtol=1e-5, atol=1e-5 * max(1.0, np.abs(H).max()))


def inner_energy(x):
    return np.sum(np.sin(x) * x)


def grad_norm_penalty(x):
    g = s2sad.grad(inner_energy)(x)
    return np.sum(g ** 2) + inner_energy(x)


DINNER = s2sad.grad(inner_energy)


def grad_via_module_global(x):
    return np.sum(DINNER(x) ** 2)


def grad_of_decorated(x):
    return np.sum(decorated_inner.grad(x) * x)


@s2sad.differentiate
def decorated_inner(x):
    return np.sum(np.cos(x) ** 2)


def test_grad_of_a_function_calling_s2sad_grad_in_its_body():
    x = np.array([0.3, -1.1, 2.0])
    g_in = np.cos(x) * x + np.sin(x)          # d inner / dx
    h_in = -np.sin(x) * x + 2.0 * np.cos(x)    # d2 inner / dx2 (diagonal)
    expected = 2.0 * g_in * h_in + g_in
    np.testing.assert_allclose(s2sad.grad(grad_norm_penalty)(x), expected, rtol=1e-13)
    np.testing.assert_allclose(s2sad.grad(grad_via_module_global)(x), 2.0 * g_in * h_in,
                               rtol=1e-13)
    fd.assert_tree_allclose(s2sad.grad(grad_norm_penalty)(x),
                            fd.numerical_grad(grad_norm_penalty, (x,)), rtol=1e-6)


def test_grad_of_a_function_calling_a_decorated_grad():
    x = np.array([0.3, -1.1, 2.0])
    # decorated_inner.grad(x) = -sin(2x); d/dx sum(-sin(2x) x) = -2 cos(2x) x - sin(2x)
    expected = -2.0 * np.cos(2 * x) * x - np.sin(2 * x)
    np.testing.assert_allclose(s2sad.grad(grad_of_decorated)(x), expected, rtol=1e-13)


def test_hessian_of_a_function_calling_grad():
    x = np.array([0.3, -1.1])
    H = s2sad.hessian(grad_norm_penalty)(x)
    expected = fd.numerical_hessian(grad_norm_penalty, (x,))
    np.testing.assert_allclose(H, expected, rtol=1e-5, atol=1e-5)


# --------------------------------------------------------------------------- the decorator


@s2sad.differentiate
def rosen(x):
    return np.sum(100.0 * (x[1:] - x[:-1] ** 2) ** 2 + (1.0 - x[:-1]) ** 2)


@s2sad.differentiate(argnums=1)
def weighted_quartic(w, x):
    return np.sum(w * x ** 4)


def test_decorator_hessian_and_hvp():
    x = X10[:7]
    np.testing.assert_allclose(rosen.hessian(x), rosenbrock_hessian(x), rtol=1e-12, atol=1e-10)
    v = np.linspace(-1.0, 1.0, 7)
    hv = rosen.hvp((x,), (v,))
    assert hv.shape == (7,)
    np.testing.assert_allclose(hv, rosenbrock_hessian(x) @ v, rtol=1e-12, atol=1e-10)
    w, y = np.array([1.0, 2.0, 0.5]), np.array([0.3, -1.0, 2.0])
    np.testing.assert_allclose(weighted_quartic.hessian(w, y), np.diag(12.0 * w * y ** 2),
                               rtol=1e-14, atol=1e-14)


def test_third_derivative_through_a_while_loop_forward_over_reverse_over_reverse():
    # the supported route for a third derivative through loops: jacfwd(grad(grad(f)))
    d3 = s2sad.jacfwd(s2sad.grad(s2sad.grad(control.newton_sqrt)))
    for a in (2.0, 9.5, 0.3):
        assert float(d3(a)) == pytest.approx(0.375 * a ** -2.5, rel=1e-7)
