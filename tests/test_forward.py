"""Forward mode (issue 4): jvp against finite differences, forward vs reverse through
<v_out, J v_in> = <J^T v_out, v_in> on every corpus function, jacfwd / jacrev.
"""

import numpy as np
import pytest

import fd
import s2sad
from corpus import bound_case, control, helpers_mod, straight


def _params():
    out = []
    for i, c in enumerate(straight.CORPUS):
        out.append(pytest.param(c, c.inputs()[0], 100 + i, id=f"straight-{i:02d}-{c.name}"))
    for i, c in enumerate(straight.VECTOR_CORPUS):
        out.append(pytest.param(c, c.inputs()[0], 200 + i, id=f"vector-{c.name}"))
    for i, c in enumerate(control.CORPUS):
        for k, args in enumerate(c.inputs()):
            out.append(pytest.param(c, args, 300 + 10 * i + k, id=f"control-{c.name}-{k}"))
    return out


ALL = _params()


def _random_cotangent(out, r):
    if np.ndim(out) == 0:
        return float(r.standard_normal())
    return r.standard_normal(np.shape(out))


@pytest.mark.parametrize("c, args, seed", ALL)
def test_jvp_matches_finite_differences(c, args, seed):
    g, primals = bound_case(c, args)
    tangents = fd.random_like(primals, np.random.default_rng(seed))
    out, tout = s2sad.jvp(g, primals, tangents)
    np.testing.assert_allclose(np.asarray(out, np.float64), np.asarray(c.fn(*args), np.float64),
                               rtol=1e-10, atol=1e-12)
    assert np.shape(tout) == np.shape(out)
    expected = fd.numerical_jvp(g, primals, tangents)
    np.testing.assert_allclose(np.asarray(tout, np.float64), expected, rtol=c.rtol,
                               atol=c.atol * max(1.0, float(np.max(np.abs(expected), initial=0))))


@pytest.mark.parametrize("c, args, seed", ALL)
def test_forward_and_reverse_agree(c, args, seed):
    """<v_out, J v_in> == <J^T v_out, v_in> for random v_in, v_out."""
    r = np.random.default_rng(seed)
    g, primals = bound_case(c, args)
    v_in = fd.random_like(primals, r)
    out, j_v = s2sad.jvp(g, primals, v_in)
    out2, vjp_fn = s2sad.vjp(g, *primals)
    np.testing.assert_allclose(np.asarray(out2, np.float64), np.asarray(out, np.float64),
                               rtol=1e-12, atol=1e-14)
    v_out = _random_cotangent(out, r)
    jt_v = vjp_fn(v_out)
    assert isinstance(jt_v, tuple) and len(jt_v) == len(primals)
    fd.assert_tree_like(jt_v, tuple(primals))
    lhs = fd.tree_vdot(v_out, j_v)
    rhs = fd.tree_vdot(jt_v, v_in)
    scale = max(1.0, abs(lhs), abs(rhs))
    assert abs(lhs - rhs) <= 1e-10 * scale, (lhs, rhs)


# --------------------------------------------------------------------------- jvp API


def _aux_fn(x, y):
    z = np.tanh(x * y)
    return np.sum(z ** 2), {"z": z}


def test_jvp_has_aux_and_float_primals():
    x, y = np.array([0.2, -0.5, 1.0]), 0.7
    dx, dy = np.array([1.0, 0.5, -2.0]), -0.3
    out, tout, aux = s2sad.jvp(_aux_fn, (x, y), (dx, dy), has_aux=True)
    assert out == pytest.approx(_aux_fn(x, y)[0], rel=1e-14)
    np.testing.assert_allclose(aux["z"], np.tanh(x * y), rtol=1e-14)
    expected = fd.numerical_jvp(lambda a, b: _aux_fn(a, b)[0], (x, y), (dx, dy))
    assert float(tout) == pytest.approx(float(expected), rel=1e-6)


def _dict_fn(p):
    return np.sin(p["w"]) * p["s"] + p["w"] ** 2


def test_jvp_pytree_primals():
    p = {"w": np.array([0.3, -1.0]), "s": 2.0}
    t = {"w": np.array([1.0, 2.0]), "s": 0.5}
    out, tout = s2sad.jvp(_dict_fn, (p,), (t,))
    np.testing.assert_allclose(out, _dict_fn(p), rtol=1e-14)
    expected = np.cos(p["w"]) * t["w"] * p["s"] + np.sin(p["w"]) * t["s"] + 2 * p["w"] * t["w"]
    np.testing.assert_allclose(tout, expected, rtol=1e-13)


def test_jvp_is_linear_in_the_tangent():
    x = np.array([0.4, -0.2, 0.9])
    t1, t2 = np.array([1.0, 0.0, 2.0]), np.array([-0.5, 3.0, 0.25])
    f = straight.softmax_vec
    _, a = s2sad.jvp(f, (x,), (t1,))
    _, b = s2sad.jvp(f, (x,), (t2,))
    _, ab = s2sad.jvp(f, (x,), (2.0 * t1 - t2,))
    np.testing.assert_allclose(ab, 2.0 * a - b, rtol=1e-12, atol=1e-15)


# --------------------------------------------------------------------------- RK4


def rk4_final_state(y0, theta):
    return helpers_mod.rk4_integrate(control.oscillator_rhs, y0, theta, dt=0.05, steps=20)


@pytest.mark.parametrize("y0, theta", [(np.array([1.0, 0.0]), np.array([2.0, 0.3])),
                                       (np.array([-0.5, 0.8]), np.array([1.0, 0.1]))])
def test_jvp_of_rk4_integration(y0, theta):
    r = np.random.default_rng(5)
    dy0, dtheta = r.standard_normal(2), r.standard_normal(2)
    out, tout = s2sad.jvp(rk4_final_state, (y0, theta), (dy0, dtheta))
    np.testing.assert_allclose(out, rk4_final_state(y0, theta), rtol=1e-13)
    expected = fd.numerical_jvp(rk4_final_state, (y0, theta), (dy0, dtheta))
    np.testing.assert_allclose(tout, expected, rtol=1e-6, atol=1e-8)
    # and the Jacobians, both ways, against finite differences
    Jy, Jt = fd.numerical_jacobian(rk4_final_state, (y0, theta), (0, 1))
    for jac in (s2sad.jacfwd, s2sad.jacrev):
        got = jac(rk4_final_state, argnums=(0, 1))(y0, theta)
        fd.assert_tree_allclose(got, (Jy, Jt), rtol=1e-6, atol=1e-8)


def running_sums(x):
    out = np.zeros_like(x)
    acc = 0.0
    for i in range(len(x)):
        if x[i] > 0.0:
            acc = acc + x[i] ** 2
        else:
            acc = acc * 0.5 + x[i]
        out[i] = acc
    return out


def test_jacobians_through_loops_branches_and_subscript_stores():
    x = np.array([0.5, -0.3, 1.2, -0.8, 0.4])
    expected = fd.numerical_jacobian(running_sums, (x,))
    for jac in (s2sad.jacfwd, s2sad.jacrev):
        J = jac(running_sums)(x)
        fd.assert_tree_allclose(J, expected, rtol=1e-6, atol=1e-9)


# --------------------------------------------------------------------------- jacfwd / jacrev

VECTOR = [pytest.param(c, id=c.name) for c in straight.VECTOR_CORPUS]


@pytest.mark.parametrize("jac", [s2sad.jacfwd, s2sad.jacrev], ids=["jacfwd", "jacrev"])
@pytest.mark.parametrize("c", VECTOR)
def test_jacobian_shape_and_values(c, jac):
    (args,) = c.inputs()
    J = jac(c.fn, argnums=c.argnums)(*args)
    expected = fd.numerical_jacobian(c.fn, args, c.argnums)
    out_shape = np.shape(c.fn(*args))
    Js = J if isinstance(c.argnums, tuple) else (J,)
    assert isinstance(J, tuple) == isinstance(c.argnums, tuple)
    for Ji, i in zip(Js, c.nums):
        assert np.shape(Ji) == out_shape + np.shape(args[i])
    fd.assert_tree_allclose(J, expected, rtol=1e-6, atol=1e-9)


@pytest.mark.parametrize("jac", [s2sad.jacfwd, s2sad.jacrev], ids=["jacfwd", "jacrev"])
def test_jacobian_argnums_int_selects_the_argument(jac):
    A, x = straight.VECTOR_CORPUS[1].inputs()[0]
    JA, Jx = fd.numerical_jacobian(straight.matvec_tanh, (A, x), (0, 1))
    fd.assert_tree_allclose(jac(straight.matvec_tanh)(A, x), JA, rtol=1e-6, atol=1e-9)
    fd.assert_tree_allclose(jac(straight.matvec_tanh, argnums=1)(A, x), Jx, rtol=1e-6, atol=1e-9)
    fd.assert_tree_allclose(jac(straight.matvec_tanh, argnums=(1,))(A, x), (Jx,), rtol=1e-6,
                            atol=1e-9)


@pytest.mark.parametrize("jac", [s2sad.jacfwd, s2sad.jacrev], ids=["jacfwd", "jacrev"])
def test_jacobian_of_scalar_function_is_the_gradient(jac):
    x = np.array([0.3, -1.2, 0.8, 2.0])
    J = jac(straight.rosenbrock)(x)
    assert J.shape == (4,)
    fd.assert_tree_allclose(J, s2sad.grad(straight.rosenbrock)(x), rtol=1e-12, atol=1e-12)


def _vec_with_aux(x):
    y = np.sin(x) * x
    return y, {"norm": np.sqrt(np.sum(y ** 2))}


@pytest.mark.parametrize("jac", [s2sad.jacfwd, s2sad.jacrev], ids=["jacfwd", "jacrev"])
def test_jacobian_has_aux(jac):
    x = np.array([0.3, -1.2, 0.8])
    J, aux = jac(_vec_with_aux, has_aux=True)(x)
    np.testing.assert_allclose(J, np.diag(np.cos(x) * x + np.sin(x)), rtol=1e-13, atol=1e-15)
    assert aux["norm"] == pytest.approx(float(np.linalg.norm(np.sin(x) * x)), rel=1e-13)


def _matrix_in_matrix_out(A, B):
    return np.tanh(A @ B)


@pytest.mark.parametrize("jac", [s2sad.jacfwd, s2sad.jacrev], ids=["jacfwd", "jacrev"])
def test_jacobian_of_matrix_function_has_out_shape_plus_in_shape(jac):
    r = np.random.default_rng(9)
    A, B = r.standard_normal((2, 3)), r.standard_normal((3, 4))
    JA, JB = jac(_matrix_in_matrix_out, argnums=(0, 1))(A, B)
    assert JA.shape == (2, 4, 2, 3) and JB.shape == (2, 4, 3, 4)
    fd.assert_tree_allclose((JA, JB), fd.numerical_jacobian(_matrix_in_matrix_out, (A, B), (0, 1)),
                            rtol=1e-6, atol=1e-9)


def test_jacfwd_equals_jacrev_on_control_flow():
    x = np.array([0.5, -0.3, 1.2, -0.8, 0.4])
    np.testing.assert_allclose(s2sad.jacfwd(running_sums)(x), s2sad.jacrev(running_sums)(x),
                               rtol=1e-12, atol=1e-14)


# --------------------------------------------------------------------------- the decorator


@s2sad.differentiate(argnums=(0, 1))
def layer(W, x):
    return np.tanh(W @ x)


@s2sad.differentiate
def scalar_model(x):
    return np.sum(np.sin(x) ** 2)


def test_decorator_jvp_jacfwd_jacrev():
    r = np.random.default_rng(4)
    W, x = r.standard_normal((3, 4)), r.standard_normal(4)
    dW, dx = r.standard_normal((3, 4)), r.standard_normal(4)
    out, tout = layer.jvp((W, x), (dW, dx))
    np.testing.assert_allclose(out, np.tanh(W @ x), rtol=1e-14)
    np.testing.assert_allclose(tout, (1 - np.tanh(W @ x) ** 2) * (dW @ x + W @ dx), rtol=1e-12)
    expected = fd.numerical_jacobian(layer.__wrapped__, (W, x), (0, 1))
    fd.assert_tree_allclose(layer.jacfwd(W, x), expected, rtol=1e-6, atol=1e-9)
    fd.assert_tree_allclose(layer.jacrev(W, x), expected, rtol=1e-6, atol=1e-9)

    x = np.array([0.1, 0.7, -0.4])
    out, tout = scalar_model.jvp((x,), (np.ones(3),))
    assert float(tout) == pytest.approx(float(np.sum(2 * np.sin(x) * np.cos(x))), rel=1e-13)
    np.testing.assert_allclose(scalar_model.jacrev(x), np.sin(2 * x), rtol=1e-13)
    np.testing.assert_allclose(scalar_model.jacfwd(x), np.sin(2 * x), rtol=1e-13)
