"""Issue 9, "never a wrong number": derivatives at the edges of their rules' domains.

Each case once gave a silently wrong number (or NaN, or a crash) where the derivative exists:

1. ``np.einsum`` in its interleaved form (operands alternating with index lists);
2. ``np.std`` where it is identically 0 (a scalar, an axis of length 1) or at equal data;
3. ``jvp`` / ``vjp`` of ``grad(f)`` through ``np.vstack`` / ``np.hstack`` (an array back);
4. ``x ** y`` at ``x = 0`` (``x ** 0.0``, ``x ** 1.0``, ``0.0 ** y``);
5. ``np.linalg.norm`` of a list of scalars;
6. ``np.linalg.norm`` / ``np.hypot`` at exactly 0 on a path whose derivative is 0.

Numbers are checked against NumPy or central differences in float64 (``tests/fd.py``). Where
a function has no derivative (a norm or hypot at 0, std at equal data) s2sad takes the zero
subgradient, which is also what central differences give there.
"""

from __future__ import annotations

import numpy as np
import pytest

import fd
import s2sad
from s2sad import runtime as rt

pytestmark = pytest.mark.filterwarnings("error::RuntimeWarning")  # no NaN/inf made on the way

RNG = np.random.default_rng(9)
A23, B34, A33 = RNG.normal(size=(2, 3)), RNG.normal(size=(3, 4)), RNG.normal(size=(3, 3))


def close(actual, expected, rtol=1e-7, atol=1e-9):
    np.testing.assert_allclose(np.asarray(actual, np.float64), np.asarray(expected, np.float64),
                               rtol=rtol, atol=atol)


# --------------------------------------------------------------------------- 1. einsum interleaved


def einsum_transpose(x):
    return np.einsum(x, (0, 1), (1, 0))


def einsum_transpose_weighted(x):
    return np.sum(np.einsum(x, (0, 1), (1, 0)) * np.arange(6.0).reshape(3, 2))


def einsum_matmul(a, b):
    return np.einsum(a, [0, 1], b, [1, 2], [0, 2])


def einsum_implicit_high_labels(a, b):
    # no output list: NumPy sorts the output labels by their integers (2 before 30)
    return np.einsum(a, [30, 1], b, [1, 2])


SUB_IN, SUB_OUT = [Ellipsis, 0], [Ellipsis, 1]  # (Ellipsis is read as a global's item)


def einsum_ellipsis(a, b):
    return np.einsum(a, SUB_IN, b, [0, 1], SUB_OUT)


def einsum_square_loss(a):
    return np.sum(np.einsum(a, [0, 1], a, [1, 2], [0, 2]) ** 2)


def einsum_sin_trace(a):
    return np.sin(np.einsum(a, [0, 1], a, [1, 0]))


def test_einsum_interleaved_one_operand_jvp_grad_vjp():
    v = RNG.normal(size=(2, 3))
    out, tan = s2sad.jvp(einsum_transpose, (A23,), (v,))
    close(out, A23.T)
    close(tan, v.T)
    close(s2sad.grad(einsum_transpose_weighted)(A23), np.arange(6.0).reshape(3, 2).T)
    g = RNG.normal(size=(3, 2))
    (ct,) = s2sad.vjp(einsum_transpose, A23)[1](g)
    close(ct, g.T)


def test_einsum_interleaved_two_operands_jvp_and_vjp_match_matmul():
    ta, tb = RNG.normal(size=A23.shape), RNG.normal(size=B34.shape)
    out, tan = s2sad.jvp(einsum_matmul, (A23, B34), (ta, tb))
    close(out, A23 @ B34)
    close(tan, ta @ B34 + A23 @ tb)
    g = RNG.normal(size=(2, 4))
    ga, gb = s2sad.vjp(einsum_matmul, A23, B34)[1](g)
    close(ga, g @ B34.T)
    close(gb, A23.T @ g)


@pytest.mark.parametrize("f, shapes", [(einsum_implicit_high_labels, [(2, 3), (3, 4)]),
                                       (einsum_ellipsis, [(5, 2, 3), (3, 4)])])
def test_einsum_interleaved_labels_and_ellipsis_against_finite_differences(f, shapes):
    args = tuple(RNG.normal(size=s) for s in shapes)
    assert s2sad.jvp(f, args, args)[0].shape == f(*args).shape
    g = RNG.normal(size=np.shape(f(*args)))
    cts = s2sad.vjp(f, *args)[1](g)
    for k in range(len(args)):
        def scalar(*xs, k=k):
            return np.sum(f(*xs) * g)
        close(cts[k], fd.numerical_grad(scalar, args, k), rtol=1e-6, atol=1e-8)


@pytest.mark.parametrize("f, x", [(einsum_square_loss, A33), (einsum_sin_trace, A33)])
def test_einsum_interleaved_grad_and_hessian_against_finite_differences(f, x):
    close(s2sad.grad(f)(x), fd.numerical_grad(f, (x,), 0), rtol=1e-6, atol=1e-7)
    close(s2sad.hessian(f)(x), fd.numerical_hessian(f, (x,), 0), rtol=1e-4, atol=1e-4)


@pytest.mark.parametrize("args, i", [
    ((A23, [0, 1], B34, [1, 2], [0, 2]), 0), ((A23, [0, 1], B34, [1, 2], [0, 2]), 2),
    (("ij,jk->ik", A23, B34), 1), (("ij,jk->ik", A23, B34), 2),
])
def test_einsum_helpers_read_the_whole_argument_list(args, i):
    """``subscripts=None``: the helpers read np.einsum's argument list in either form; the
    string-form helpers (``subscripts`` given, arrays only) are the oracle."""
    arrays = [a for a in args if isinstance(a, np.ndarray)]
    pos = [k for k, a in enumerate(args) if isinstance(a, np.ndarray)]
    j = pos.index(i)
    spec = "ij,jk->ik"
    v_in, v_out = RNG.normal(size=args[i].shape), RNG.normal(size=(2, 4))
    tans = tuple(RNG.normal(size=np.shape(a)) if k in pos else rt.zeros_like(a)
                 for k, a in enumerate(args))
    close(rt.einsum_jvp(v_in, None, args, i), rt.einsum_jvp(v_in, spec, arrays, j))
    close(rt.einsum_vjp(v_out, None, args, i), rt.einsum_vjp(v_out, spec, arrays, j))
    arr_tans = [tans[k] for k in pos]
    close(rt.einsum_jvp_dops(v_in, None, args, tans, i),
          rt.einsum_jvp_dops(v_in, spec, arrays, arr_tans, j))
    close(rt.einsum_vjp_dops(v_out, None, args, tans, i),
          rt.einsum_vjp_dops(v_out, spec, arrays, arr_tans, j))
    full = rt.einsum_vjp_all(v_out, None, args, v_in, i)
    assert len(full) == len(args)
    for k, part in zip(pos, rt.einsum_vjp_all(v_out, spec, arrays, v_in, j)):
        close(full[k], part)
    assert rt.einsum_higher(1.0, args) == 0.0


def test_einsum_higher_refuses_three_interleaved_operands():
    with pytest.raises(NotImplementedError, match="more than two operands"):
        rt.einsum_higher(1.0, (A23, [0, 1], B34, [1, 2], B34.T, [2, 3]))


# --------------------------------------------------------------------------- 2. std, var at 0


def std_all(x):
    return np.std(x)


def std_rows(x):
    return np.sum(np.std(x, axis=1))


def std_rows_keepdims(x):
    return np.sum(np.std(x, axis=-1, keepdims=True) * 3.0)


def var_rows(x):
    return np.sum(np.var(x, axis=1))


def std_not_taken(x):
    return np.where(np.sum(x) > 100.0, np.std(x), 1.0)


@pytest.mark.parametrize("f, x", [
    (std_all, 3.0), (std_all, np.array(3.0)), (std_all, np.array([2.5])),
    (std_rows, np.array([[1.0], [2.0], [-3.0]])), (std_rows_keepdims, np.array([[1.0], [2.0]])),
    (var_rows, np.array([[1.0], [2.0], [-3.0]])),
    (std_all, np.full(4, 1.5)), (std_rows, np.array([[1.0, 1.0], [2.0, 3.0]])),
    (std_not_taken, np.full(3, 2.0)),
])
def test_std_where_it_is_zero_has_a_finite_gradient_equal_to_differences(f, x):
    g = s2sad.grad(f)(x)
    assert np.all(np.isfinite(g))
    close(g, fd.numerical_grad(f, (x,), 0), atol=1e-7)


def test_std_of_an_axis_of_length_one_jvp_and_hessian_are_zero():
    x, t = np.array([[1.0], [2.0]]), np.array([[0.3], [-0.7]])
    out, tan = s2sad.jvp(std_rows, (x,), (t,))
    assert out == 0.0 and tan == 0.0
    h = s2sad.hessian(std_rows)(x)
    assert h.shape == (2, 1, 2, 1) and np.all(h == 0.0)


# --------------------------------------------------------------------------- 3. vstack / hstack


def vstack_squares(x):
    return np.sum(np.vstack([x, 2 * x]) ** 2)


def hstack_cubes(x):
    return np.sum(np.hstack([x, 2 * x]) ** 3)


@pytest.mark.parametrize("f", [vstack_squares, hstack_cubes])
@pytest.mark.parametrize("x", [np.array([1.0, -2.0]), np.array([[1.0, 2.0], [-0.5, 0.3]])])
def test_jvp_and_vjp_of_grad_through_stacks_give_arrays(f, x):
    v = RNG.normal(size=x.shape)
    hess = fd.numerical_hessian(f, (x,), 0).reshape(x.size, x.size)
    out, tan = s2sad.jvp(s2sad.grad(f), (x,), (v,))
    assert type(out) is np.ndarray and type(tan) is np.ndarray and tan.shape == x.shape
    close(tan, (hess @ v.ravel()).reshape(x.shape), rtol=1e-5, atol=1e-5)
    _, back = s2sad.vjp(s2sad.grad(f), x)
    (ct,) = back(v)
    assert type(ct) is np.ndarray and ct.shape == x.shape
    close(ct, (hess.T @ v.ravel()).reshape(x.shape), rtol=1e-5, atol=1e-5)


# --------------------------------------------------------------------------- 4. powers at 0


def pow0(x):
    return x ** 0.0


def pow1(x):
    return x ** 1.0


def pow2(x):
    return x ** 2


def pow_half_sum(x):
    return np.sum(x ** 0.0 + x ** 3.0)


def zero_base(y):
    return 0.0 ** y


def zero_base_sum(y):
    return np.sum(0.0 ** y)


def power_both(v):
    return v[0] ** v[1]


@pytest.mark.parametrize("f, grad, hess", [(pow0, 0.0, 0.0), (pow1, 1.0, 0.0),
                                           (pow2, 0.0, 2.0)])
@pytest.mark.parametrize("x", [0.0, np.array(0.0)])
def test_powers_at_zero_base(f, grad, hess, x):
    assert s2sad.grad(f)(x) == grad
    assert s2sad.hessian(f)(x) == hess
    assert s2sad.jvp(f, (x,), (1.0,))[1] == grad


def test_powers_of_arrays_with_zeros():
    x = np.array([0.0, 0.0, 1.5, -2.0])
    close(s2sad.grad(pow_half_sum)(x), 3.0 * x ** 2)
    close(s2sad.hessian(pow_half_sum)(x), np.diag(6.0 * x))


def test_zero_base_derivative_in_the_exponent_is_zero_for_positive_exponents():
    assert s2sad.grad(zero_base)(2.0) == 0.0
    close(s2sad.grad(zero_base_sum)(np.array([2.0, 0.5, 3.0])), np.zeros(3))


@pytest.mark.parametrize("v", [np.array([2.0, 0.0]), np.array([1.5, 1.0]), np.array([0.7, 2.5])])
def test_power_mixed_second_derivative_against_differences(v):
    # at y = 0 the mixed derivative is 1/x: only x = y = 0 reads the base as 1
    close(s2sad.hessian(power_both)(v), fd.numerical_hessian(power_both, (v,), 0),
          rtol=1e-5, atol=1e-6)


def test_pow_base_only_changes_the_point_where_both_are_zero():
    x = np.array([0.0, 0.0, 2.0, -1.0])
    y = np.array([0.0, 0.5, 0.0, 0.0])
    close(rt.pow_base(x, y), [1.0, 0.0, 2.0, -1.0])
    assert rt.pow_base(x, 2.0) is x
    assert rt.pow_base(0.0, 0.0) == 1.0 and rt.pow_base(3.0, 0.0) == 3.0
    assert rt.pow_base(np.float32(2.0), 3.0).dtype == np.float32
    close(rt.pow_base([0.0, 1.0], 2), [0.0, 1.0])


# --------------------------------------------------------------------------- 5. lists of scalars


def norm_of_list(x):
    return np.linalg.norm([x, x + 2])


def norm3_of_list(x):
    return np.linalg.norm([x, x + 2, 1.0], 3)


def norm_inf_of_list(x):
    return np.linalg.norm([x, 2 * x - 4.0], np.inf)


def reductions_of_lists(x):
    return (np.prod([x, x + 2, 3.0]) + np.mean([x, x * x]) + np.std([x, x * x])
            + np.var([x, 3.0 * x]) + np.sum(np.hypot([x, 1.0], 2.0)))


@pytest.mark.parametrize("f", [norm_of_list, norm3_of_list, norm_inf_of_list, reductions_of_lists])
def test_rules_read_lists_of_scalars_as_arrays(f):
    close(s2sad.grad(f)(1.3), fd.numerical_grad(f, (1.3,), 0), rtol=1e-6)
    close(s2sad.jvp(f, (1.3,), (1.0,))[1], fd.numerical_grad(f, (1.3,), 0), rtol=1e-6)


# --------------------------------------------------------------------------- 6. norm, hypot at 0


def norm_times_zero(v):
    return np.linalg.norm(v) * 0.0


def hypot_not_taken(a, b):
    return np.where(a > 1.0, np.hypot(a, b), 1.0)


def norm_plain(v):
    return np.linalg.norm(v)


def hypot_sum(x):
    return np.sum(np.hypot(x, 2.0 * x))


def norm_rows_times_zero(x):
    return np.sum(np.linalg.norm(x, axis=1) * 0.0) + np.sum(x)


@pytest.mark.parametrize("v", [np.zeros(3), np.zeros((2, 2))])
def test_zero_cotangent_through_a_norm_at_zero_stays_zero(v):
    close(s2sad.grad(norm_times_zero)(v), np.zeros_like(v))
    assert np.all(s2sad.hessian(norm_times_zero)(v) == 0.0)


def test_norm_of_zero_rows_among_others():
    x = np.array([[0.0, 0.0], [3.0, 4.0]])
    close(s2sad.grad(norm_rows_times_zero)(x), np.ones_like(x))


def test_hypot_at_zero_in_the_branch_not_taken():
    assert s2sad.grad(hypot_not_taken, argnums=(0, 1))(0.0, 0.0) == (0.0, 0.0)
    out, tan = s2sad.jvp(hypot_not_taken, (0.0, 0.0), (1.0, 1.0))
    assert out == 1.0 and tan == 0.0


def test_norm_and_hypot_at_zero_take_the_zero_subgradient():
    # no derivative at a cone's tip: 0, the least-norm subgradient (central differences agree)
    close(s2sad.grad(norm_plain)(np.zeros(3)), np.zeros(3))
    close(s2sad.jvp(norm_plain, (np.zeros(3),), (np.ones(3),))[1], 0.0)
    x = np.array([0.0, 1.0, -2.0])
    expected = np.sign(x) * np.sqrt(5.0)
    close(s2sad.grad(hypot_sum)(x), expected)
    close(s2sad.grad(hypot_sum)(x), fd.numerical_grad(hypot_sum, (x,), 0), atol=1e-6)


# ``_rt.sigmoid``, logaddexp's partial: the NumPy-array path (``1 / (1 + exp(-d))``, its
# overflow silenced) and the other path (``exp(-|d|)``) agree to full relative precision,
# into both tails and at the infinities, and neither warns (this module makes warnings errors)
SIGMOID_POINTS = [-1000.0, -745.0, -709.0, -700.0, -40.0, -3.0, -1e-300, -0.0, 0.0, 2.5,
                  40.0, 700.0, 1000.0, np.inf, -np.inf]


def test_sigmoid_is_accurate_in_both_tails_on_either_path():
    d = np.array(SIGMOID_POINTS)
    array_path = rt.sigmoid(d)
    number_path = np.array([rt.sigmoid(float(v)) if np.isfinite(v) else (v > 0) * 1.0
                            for v in d])
    assert type(array_path) is np.ndarray and array_path.dtype == np.float64
    # exact values: 1 / (1 + e^-d) with e^-d computed exactly enough in float64
    # (the array path's exp(-d) overflows below d = -709.78, where sigmoid is subnormal)
    np.testing.assert_allclose(array_path, number_path, rtol=4e-16, atol=np.finfo(float).tiny)
    assert array_path[0] == 0.0 and array_path[-2] == 1.0 and array_path[-1] == 0.0
    assert array_path[4] == pytest.approx(np.exp(-40.0), rel=1e-15)  # no cancellation
    np.testing.assert_allclose(rt.sigmoid(d.astype(np.float32)), number_path, rtol=2e-7,
                               atol=1e-45)
    assert np.isnan(rt.sigmoid(np.array([np.nan])))[0]
