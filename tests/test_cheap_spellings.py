"""transforms/cheap_spellings.py: zeros and integer constants spelled as NumPy runs them
fastest, in the entry of a module specialized to float64 arguments -- same bits."""

import numpy as np
import pytest

import s2sad
from s2sad import ir
from s2sad.transforms import cheap_spellings
from s2sad.transforms.specialize import Kind
from tests.fd import assert_tree_allclose, numerical_grad
from tests.test_scatters import _specialized_source


def _f8(rank: int) -> Kind:
    return Kind(None, tuple((None, False) for _ in range(rank)), dtype="<f8")


def _fn(*body, params=("x",)) -> ir.Function:
    return ir.Function("f", params, tuple(body))


def test_zeros_of_a_float64_array_become_np_zeros_of_its_shape():
    fn = _fn(ir.Assign("bx", ir.Call("np.zeros_like", (ir.Name("x"),))),
             ir.Assign("bw", ir.Call("_rt.zeros_like", (ir.Name("w"),))),
             ir.Return(ir.Name("bx")), params=("x", "w"))
    out = cheap_spellings.respell(fn, {"x": _f8(1), "w": Kind(None, ((None, False),),
                                                                 dtype="<i8")})
    assert out.body[:4] == (
        ir.Assign("_t1", ir.Call("np.shape", (ir.Name("x"),))),
        ir.Assign("bx", ir.Call("np.zeros", (ir.Name("_t1"),))),
        # _rt.zeros_like of an integer array is float64 zeros too
        ir.Assign("_t2", ir.Call("np.shape", (ir.Name("w"),))),
        ir.Assign("bw", ir.Call("np.zeros", (ir.Name("_t2"),))))


@pytest.mark.parametrize("dtype", ["<f4", "<i8", None])
def test_zeros_like_of_other_dtypes_keep_their_spelling(dtype):
    # np.zeros_like of float32 or int keeps that dtype; an unknown dtype may be anything
    fn = _fn(ir.Assign("bx", ir.Call("np.zeros_like", (ir.Name("x"),))),
             ir.Return(ir.Name("bx")))
    kinds = {"x": Kind(None, ((None, False),), dtype=dtype)}
    assert cheap_spellings.respell(fn, kinds).body == fn.body


def test_integer_constants_next_to_floats_become_floats_and_powers_keep_theirs():
    x, k = ir.Name("x"), ir.Name("k")
    fn = _fn(ir.Assign("a", ir.Call("mul", (x, ir.Const(-2)))),
             ir.Assign("b", ir.Call("sub", (ir.Const(1), x))),
             ir.Assign("c", ir.Call("pow", (x, ir.Const(2)))),
             ir.Assign("d", ir.Call("mul", (k, ir.Const(3)))),  # an int array stays int
             ir.Assign("e", ir.Call("add", (x, ir.Const(True)))),  # a bool is no integer here
             ir.Return(ir.Name("a")), params=("x", "k"))
    out = cheap_spellings.respell(fn, {"x": _f8(1), "k": Kind(None, ((None, False),),
                                                              dtype="<i8")})
    consts = [s.value.args for s in out.body[:5]]
    assert [type(c.value) for args in consts for c in args if isinstance(c, ir.Const)] == [
        float, float, int, int, bool]
    assert consts[0][1].value == -2.0 and consts[1][0].value == 1.0


def rosenbrock(x):
    a = x[:-1]
    b = x[1:]
    return np.sum(100.0 * (b - a**2) ** 2 + (1.0 - a) ** 2)


def test_rosenbrock_gradient_is_spelled_cheaply_and_bit_for_bit_the_generic_one():
    x = np.random.default_rng(0).normal(size=50)
    g = s2sad.grad(rosenbrock)
    src = _specialized_source(g, x)
    assert "np.zeros_like" not in src and "np.zeros(" in src and "(-2.0)" in src
    assert "(-2)" not in src
    got = g(x)
    assert got.dtype == np.float64 and got.flags.c_contiguous
    np.testing.assert_array_equal(got, g.entry(x))
    assert_tree_allclose(got, numerical_grad(rosenbrock, (x,)), rtol=1e-6, atol=1e-8)


def scaled(x, s):
    return np.sum((2 * x - 1) * s) + 3 * s


@pytest.mark.parametrize("x", [np.linspace(-1, 1, 4), np.linspace(-1, 1, 4).astype(np.float32)])
def test_other_dtypes_and_python_floats_give_the_generic_numbers(x):
    g = s2sad.grad(scaled, argnums=(0, 1))
    got = g(x, 1.5)
    want = g.entry(x, 1.5)
    assert got[0].dtype == x.dtype
    np.testing.assert_array_equal(got[0], np.asarray(want[0], dtype=x.dtype))
    assert got[1] == pytest.approx(want[1], rel=1e-6)
    if x.dtype == np.float64:
        assert_tree_allclose(got, numerical_grad(scaled, (x, 1.5), argnums=(0, 1)),
                             rtol=1e-6, atol=1e-8)


def test_an_integer_array_that_is_not_differentiated_keeps_integer_arithmetic():
    k = np.array([2**62, 3], dtype=np.int64)  # k * 2 wraps around in int64; k * 2.0 would not
    g = s2sad.grad(lambda s, k: s * np.sum(k * 2 // 4))
    assert g(1.5, k) == g.entry(1.5, k) == float(np.sum(k * 2 // 4))


def _sub_zero(*extra, zero=0.0, func="sub", dtype="<f8"):
    z = ir.Name("z")
    return ir.Function("f", ("x",), (
        ir.Assign("z", ir.Call("mul", (ir.Name("x"), ir.Const(3)))),
        ir.Assign("_t1", ir.Call(func, (z, ir.Const(zero)))),
        *extra,
        ir.Return(ir.Call("tuple", (ir.Name("_t1"),)) if extra else ir.Name("_t1"))),
    ), {"x": Kind(None, ((None, False),), dtype=dtype)}


def test_subtracting_zero_from_a_float64_value_that_dies_there_is_the_value():
    fn, kinds = _sub_zero()
    assert cheap_spellings.respell(fn, kinds).body[1:] == (ir.Return(ir.Name("z")),)
    fn, kinds = _sub_zero(zero=-0.0, func="add")  # x + -0.0 is x, bit for bit
    assert cheap_spellings.respell(fn, kinds).body[1:] == (ir.Return(ir.Name("z")),)


@pytest.mark.parametrize("why, case", [
    ("x + 0.0 makes -0.0 into 0.0", dict(func="add")),
    ("x - -0.0 likewise", dict(zero=-0.0)),
    ("an integer array minus 0.0 is a float array", dict(dtype="<i8")),
    ("z is read again: two names would hold one array", dict(extra=True)),
])
def test_an_identity_that_would_change_a_value_or_share_an_array_stays(why, case):
    extra = (ir.Assign("w", ir.Call("add", (ir.Name("z"), ir.Name("z")))),) if case.pop(
        "extra", False) else ()
    fn, kinds = _sub_zero(*extra, **case)
    assert cheap_spellings.respell(fn, kinds).body[1] == fn.body[1], why


def logistic(w, X, y):
    z = X @ w
    return np.mean(np.logaddexp(0.0, z) - y * z)


def test_logistic_gradient_reads_z_itself():
    rng = np.random.default_rng(1)
    X, y, w = rng.normal(size=(20, 3)), (rng.random(20) < 0.5) * 1.0, rng.normal(size=3)
    g = s2sad.grad(logistic)
    src = _specialized_source(g, w, X, y)
    assert "_rt.sigmoid(z)" in src and "- 0.0" not in src
    np.testing.assert_allclose(g(w, X, y), g.entry(w, X, y), rtol=1e-15, atol=0)
    assert_tree_allclose(g(w, X, y), numerical_grad(logistic, (w, X, y)), rtol=1e-6,
                         atol=1e-8)


def test_zeros_of_a_name_that_may_hold_none_keep_the_helper():
    # a placeholder before a loop: where zeros of it are made it may still be None, and
    # _rt.zeros_like(None) is None where np.zeros(np.shape(None)) would be an array
    fn = _fn(ir.Assign("v", ir.Const(None)),
             ir.For("i", ir.Const(0), ir.Const(2), ir.Const(1), (
                 ir.Assign("v", ir.Subscript(ir.Name("x"), ir.Index((ir.Name("i"),)))),)),
             ir.Assign("bv", ir.Call("_rt.zeros_like", (ir.Name("v"),))),
             ir.Return(ir.Name("bv")))
    assert cheap_spellings.respell(fn, {"x": _f8(1)}).body == fn.body
