"""Specialization to argument kinds (issue 10): the same numbers as the generic code,
without the helpers the kinds make no-ops; unknown kinds keep the generic code."""

import numpy as np
import pytest

import fd
import s2sad
from corpus import specialize as cases
from s2sad import ir
from s2sad.pipeline import Spec
from s2sad.api import _generated
from s2sad.transforms.specialize import FLOAT, Kind, infer, signature_of, specialize


def _source(fn, *args):
    spec = Spec("grad", 0, signature=tuple(map(signature_of, args)))
    return _generated(fn, spec).source


def test_scalar_loops_lose_every_shape_helper():
    for fn, arg in ((cases.piecewise, 0.7), (cases.oscillator, 2.0)):
        generic = s2sad.grad(fn).source
        assert "_rt.unbroadcast" in generic and "_rt.tree_add" in generic
        src = _source(fn, arg)
        for helper in ("_rt.unbroadcast", "_rt.tree_add", "_rt.zeros_like", "_rt.seed"):
            assert helper not in src, helper


@pytest.mark.parametrize("fn, arg", [(cases.piecewise, 0.65), (cases.piecewise, 1.2),
                                     (cases.oscillator, 2.0)])
def test_specialized_scalar_gradients_match_finite_differences(fn, arg):
    grad = s2sad.grad(fn)
    g = grad(arg)
    assert type(g) is float
    # the generic code's number (the specialized entry is forward mode here, transforms/
    # mode.py: the same chain rule summed in another order, so to rounding, not the bit)
    np.testing.assert_allclose(g, grad.entry(arg), rtol=1e-13)
    np.testing.assert_allclose(g, fd.numerical_grad(fn, (arg,)), rtol=1e-6)


def test_one_gradient_called_with_every_kind_in_turn():
    """Never a wrong specialization: each call gets code for its own kinds."""
    g = s2sad.grad(cases.any_input)
    inputs = [0.3, np.array(0.3), np.array([0.1, 0.2, 0.3], np.float32),
              np.array([[0.1], [0.2]]), [np.array([0.1, 0.2]), np.array([[0.3]])],
              np.array([0.1, 0.2, 0.3])]
    for x in inputs:
        got = g(x)
        want = fd.numerical_grad(cases.any_input, (fd.to_float64(x),))
        fd.assert_tree_allclose(got, want, rtol=1e-4 if np.asarray(
            fd.tree_leaves(x)[0]).dtype == np.float32 else 1e-6, atol=1e-6, check_dtype=False)
    assert np.asarray(g(inputs[2])).dtype == np.float32


def test_broadcast_operands_keep_their_reduction():
    """(3, 1) against (3, 4): the cotangent of the first is summed over the second axis."""
    x, y = np.array([[0.1], [0.2], [0.3]]), np.linspace(-1.0, 1.0, 12).reshape(3, 4)
    got = s2sad.grad(cases.broadcast_pair, argnums=(0, 1))(x, y)
    want = fd.numerical_grad(cases.broadcast_pair, (x, y), argnums=(0, 1))
    fd.assert_tree_allclose(got, want, rtol=1e-6, atol=1e-8)
    src = _source(cases.broadcast_pair, x, y)
    assert "_rt.unbroadcast(" in src  # the (3, 1) operand still needs it


def test_a_new_size_reuses_the_specialization():
    g = s2sad.grad(cases.broadcast_pair)
    for n in (3, 5, 8):
        g(np.ones(n) * 0.2, np.linspace(0.0, 1.0, n))
    assert len(g._specialized) == 1
    g(np.ones((2, 1)), np.ones((2, 3)))  # another rank and size-1 pattern: its own
    assert len(g._specialized) == 2


def test_signature_kinds():
    assert signature_of(1.5) == FLOAT
    assert signature_of(np.float64(1.5)) == Kind(None, (), dtype="<f8")
    assert signature_of(np.ones((4, 1))) == Kind(None, ((None, False), (None, True)), dtype="<f8")
    assert signature_of(np.ones(3, np.float32)).dtype == "<f4"
    assert signature_of([np.ones(2)]) is None
    assert signature_of(np.array(["a"])) is None


def _fn(body, params=("x",)):
    return ir.Function("f", params, tuple(body))


def test_rewrite_before_after():
    """``unbroadcast`` of equal kinds, ``tree_add`` of leaves, ``zeros_like`` of a float."""
    a, c = ir.Assign, ir.Call
    body = [a("y", c("mul", (ir.Name("x"), ir.Const(2.0)))),
            a("by", c("_rt.seed", (ir.Name("y"),))),
            a("g", c("_rt.unbroadcast", (ir.Name("by"), ir.Name("x")))),
            a("bx", c("_rt.zeros_like", (ir.Name("x"),))),
            a("bx2", c("_rt.tree_add", (ir.Name("bx"), ir.Name("g")))),
            ir.Return(ir.Name("bx2"))]
    out = specialize(_fn(body), {"x": FLOAT})
    assert [s.value for s in out.body[1:5]] == [
        ir.Const(1.0), ir.Name("by"), ir.Const(0.0), c("add", (ir.Name("bx"), ir.Name("g")))]
    # unknown kinds: untouched
    assert specialize(_fn(body), {}).body == tuple(body)


def test_inference_joins_to_unknown_and_ignores_placeholders():
    a, c = ir.Assign, ir.Call
    body = [a("t", ir.Const(None)),
            ir.For("i", ir.Const(0), ir.Const(3), ir.Const(1), (
                a("t", c("mul", (ir.Name("x"), ir.Name("i")))),)),
            a("u", c("np.sin", (ir.Name("x"),))),
            a("u", ir.Name("w")),
            ir.Return(ir.Name("t"))]
    kinds = infer(_fn(body, ("x", "w")), {"x": FLOAT})
    assert kinds["t"] == FLOAT and kinds["i"] == Kind("int")
    assert kinds["u"] is None  # an array on one path, unknown on the other


def test_tape_entries_nobody_reads_are_dropped_in_pairs():
    from s2sad.transforms.tape import drop_unread_entries
    a, c, e = ir.Assign, ir.Call, ir.ExprStmt
    tape = ir.Name("_tape")

    def push(n):
        return e(c("_rt.append", (tape, ir.Name(n))))

    def pop(n):
        return a(n, c("_rt.pop", (tape,)))

    loop = ir.For("i", ir.Const(0), ir.Const(3), ir.Const(1), (
        push("u"), a("u", c("mul", (ir.Name("x"), ir.Name("i")))),
        push("w"), a("w", c("add", (ir.Name("u"), ir.Const(1.0))))))
    back = ir.For("i", ir.Const(2), ir.Const(-1), ir.Const(-1), (
        pop("w"), pop("u"), a("g", c("mul", (ir.Name("g"), ir.Name("u"))))))
    body = (a("_tape", c("list", ())), a("u", ir.Const(None)), a("w", ir.Const(None)), loop,
            a("g", ir.Const(1.0)), back, ir.Return(ir.Name("g")))
    out = drop_unread_entries(_fn(body))
    kept = [s for s in ir.walk(out.body) if isinstance(s, (ir.ExprStmt, ir.Assign))
            and isinstance(s.value, ir.Call) and s.value.func in ("_rt.append", "_rt.pop")]
    assert kept == [push("u"), pop("u")]  # w was popped for nothing: both ends go


def test_slices_and_products_are_specialized_and_right():
    rng = np.random.default_rng(0)
    x = rng.normal(size=6)
    for f in (cases.rosenbrock, cases.slices_of_other_lengths):
        fd.assert_tree_allclose(s2sad.grad(f)(x), fd.numerical_grad(f, (x,)), rtol=1e-6,
                                atol=1e-7)
    assert "_rt.unbroadcast" not in _source(cases.rosenbrock, x)
    args = (rng.normal(size=(3, 4)), rng.normal(size=4), rng.normal(size=(4, 2)),
            rng.normal(size=4))
    got = s2sad.grad(cases.products, argnums=(0, 1, 2, 3))(*args)
    want = fd.numerical_grad(cases.products, args, argnums=(0, 1, 2, 3))
    fd.assert_tree_allclose(got, want, rtol=1e-6, atol=1e-7)
    spec = Spec("grad", (0, 1, 2, 3), signature=tuple(map(signature_of, args)))
    src = _generated(cases.products, spec).source
    assert "_rt.matmul_vjp" not in src and "np.outer(" in src


def test_slice_lengths():
    from s2sad.transforms.specialize import _sliced
    d = (("arg", "x", 0), False)
    a, b = ir.Slice(None, ir.Const(-1)), ir.Slice(ir.Const(1), None)
    assert _sliced(d, a) == _sliced(d, b) == (("len", ("arg", "x", 0), 1), None)
    assert _sliced(d, ir.Slice()) == d
    assert _sliced(d, ir.Slice(ir.Const(1), ir.Const(3)))[0] != _sliced(d, a)[0]


def test_loop_carried_arrays_keep_their_kind():
    """An RNN state: zeros-like before the loop, a tanh inside; no helper left in the loop."""
    rng = np.random.default_rng(1)
    args = (rng.normal(size=(4, 4)) * 0.3, rng.normal(size=4), rng.normal(size=(6, 4)))
    src = _source(cases.rnn, *args)
    assert "_rt.unbroadcast" not in src and "_rt.matmul_vjp" not in src
    got = s2sad.grad(cases.rnn)(*args)
    fd.assert_tree_allclose(got, fd.numerical_grad(cases.rnn, args), rtol=1e-6, atol=1e-8)
