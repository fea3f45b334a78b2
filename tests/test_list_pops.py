"""transforms/list_pops.py: the cotangent list of ``ys.append(y)`` popped in place, only
where no other name can hold that list (IR before/after, and the numbers of a scan)."""

import numpy as np

import fd
import s2sad
from s2sad import ir
from s2sad.transforms.list_pops import pop_in_place

N = ir.Name


def _loop(first: ir.Expr, extra: tuple = ()) -> ir.Function:
    body = (
        ir.Assign("bys", first),
        ir.For("i", ir.Const(0), N("n"), ir.Const(1), (
            ir.Assign("_a", N("bys")),
            ir.Assign("by", ir.Subscript(N("_a"), ir.Index((ir.Const(-1),)))),
            ir.Assign("bys", ir.Subscript(N("_a"), ir.Index((ir.Slice(None, ir.Const(-1)),)))),
            ir.Assign("s", ir.Call("add", (N("s"), N("by")))),
        )),
    ) + extra + (ir.Return(N("s")),)
    return ir.Function("f", ("g", "ys", "n", "s"), body)


def test_a_fresh_cotangent_list_is_popped_in_place():
    out = pop_in_place(_loop(ir.Call("_rt.unstack_steps", (N("g"), N("ys")))))
    loop = out.body[1]
    assert loop.body[1].value == ir.Call("_rt.pop", (N("_a"),))
    assert loop.body[2].value == N("_a")


def test_a_list_someone_else_holds_is_left_alone():
    # the caller's list (a parameter): popping it would change the caller's value
    assert pop_in_place(_loop(N("g"))) == _loop(N("g"))
    # a second name reads the list after the loop
    shared = _loop(ir.Call("_rt.unstack_steps", (N("g"), N("ys"))),
                   (ir.Assign("keep", N("bys")),))
    assert pop_in_place(shared) == shared


def _rnn(W, h0, xs):
    def cell(h, x):
        h = np.tanh(W @ h + x)
        return h, h[0] * h[1]
    h, ys = s2sad.scan(cell, h0, xs)
    return np.sum(h) + np.sum(ys * ys)


def test_scan_gradient_with_popped_outputs():
    rng = np.random.default_rng(3)
    args = (0.3 * rng.normal(size=(4, 4)), rng.normal(size=4), rng.normal(size=(7, 4)))
    grad = s2sad.grad(_rnn, argnums=(0, 1, 2))
    got = grad(*args)
    for g, generic in zip(got, grad.entry(*args)):
        np.testing.assert_allclose(g, generic, rtol=1e-13, atol=1e-15)
    fd.assert_tree_allclose(got, fd.numerical_grad(_rnn, args, (0, 1, 2)))
