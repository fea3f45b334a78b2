"""transforms/loop_projections.py: a loop's ``U @ xs[t]`` made one product before the loop,
in code specialized to its arguments' kinds."""

import numpy as np
import pytest

import s2sad
from s2sad import ir
from s2sad.transforms import loop_projections
from s2sad.transforms.specialize import Kind
from tests.fd import assert_tree_allclose, numerical_grad
from tests.test_scatters import _specialized_source


def _array(rank: int) -> Kind:
    return Kind(None, tuple((("d", i), False) for i in range(rank)), dtype="<f8")


def _loop(*body, start=0, stop=ir.Name("n")):
    return ir.For("t", ir.Const(start), stop, ir.Const(1), tuple(body))


ROW = ir.Assign("r", ir.Subscript(ir.Name("xs"), ir.Index((ir.Name("t"),))))
KINDS = {"xs": _array(2), "U": _array(2), "r": _array(1), "p": _array(1), "h": _array(1)}


def _fn(*body) -> ir.Function:
    return ir.Function("f", ("U", "xs", "n", "h"), tuple(body) + (ir.Return(ir.Name("h")),))


def test_a_matrix_times_each_row_becomes_one_product_before_the_loop():
    fn = _fn(_loop(ROW, ir.Assign("p", ir.Call("matmul", (ir.Name("U"), ir.Name("r")))),
                   ir.Assign("h", ir.Call("add", (ir.Name("h"), ir.Name("p"))))))
    out = loop_projections.batch(fn, KINDS)
    stacked, transposed, product, loop = out.body[:4]
    assert stacked == ir.Assign("_t1", ir.Subscript(ir.Name("xs"), ir.Index((ir.Slice(
        ir.Const(0), ir.Name("n")),))))
    assert transposed == ir.Assign("_t3", ir.Call("np.transpose", (ir.Name("U"),)))
    assert product == ir.Assign("_t2", ir.Call("matmul", (ir.Name("_t1"), ir.Name("_t3"))))
    assert loop.body[1] == ir.Assign("p", ir.Subscript(ir.Name("_t2"), ir.Index((
        ir.Name("t"),))))


def test_a_loop_from_a_constant_start_reads_row_t_minus_start():
    fn = _fn(_loop(ROW, ir.Assign("p", ir.Call("matmul", (ir.Name("r"), ir.Name("U")))),
                   ir.Assign("h", ir.Call("add", (ir.Name("h"), ir.Name("p")))), start=2))
    out = loop_projections.batch(fn, KINDS)
    assert out.body[1] == ir.Assign("_t2", ir.Call("matmul", (ir.Name("_t1"), ir.Name("U"))))
    assert out.body[2].body[1:3] == (
        ir.Assign("_t3", ir.Call("sub", (ir.Name("t"), ir.Const(2)))),
        ir.Assign("p", ir.Subscript(ir.Name("_t2"), ir.Index((ir.Name("_t3"),)))))


@pytest.mark.parametrize("why, fn", [
    ("U is rebound in the loop", _fn(_loop(
        ROW, ir.Assign("p", ir.Call("matmul", (ir.Name("U"), ir.Name("r")))),
        ir.Assign("U", ir.Call("mul", (ir.Name("U"), ir.Const(0.5))))))),
    ("the function writes in place", _fn(
        _loop(ROW, ir.Assign("p", ir.Call("matmul", (ir.Name("U"), ir.Name("r"))))),
        ir.SetItem("xs", ir.Index((ir.Const(0),)), ir.Const(0.0)))),
    ("a negative start wraps around", _fn(_loop(
        ROW, ir.Assign("p", ir.Call("matmul", (ir.Name("U"), ir.Name("r")))), start=-1))),
    ("the row is not the loop's index", _fn(_loop(
        ir.Assign("r", ir.Subscript(ir.Name("xs"), ir.Index((ir.Name("n"),)))),
        ir.Assign("p", ir.Call("matmul", (ir.Name("U"), ir.Name("r"))))))),
])
def test_left_alone(why, fn):
    assert loop_projections.batch(fn, KINDS) == fn, why


def rnn(W, U, h0, xs):
    h = h0
    for t in range(xs.shape[0]):
        h = np.tanh(W @ h + U @ xs[t])
    return np.sum(h * h)


def rnn_row_first(W, U, h0, xs):  # x @ U, from step 1
    h = h0
    for t in range(1, xs.shape[0]):
        h = np.tanh(h @ W + xs[t] @ U)
    return np.sum(h)


def batched_steps(W, U, h0, xs):  # each step a matrix: U @ X_t batches over the steps
    h = h0
    for t in range(3):
        h = np.tanh(W @ h + U @ xs[t])
    return np.sum(h ** 2)


def dots(w, u, h0, xs):  # a vector times each row: one dot product per step
    h = h0
    for t in range(4):
        h = np.sin(h * w + u @ xs[t])
    return np.sum(h)


def _case(name, rng):
    if name == "batched_steps":
        return batched_steps, (rng.normal(size=(4, 4)) / 2, rng.normal(size=(4, 3)) / 2,
                               rng.normal(size=(4, 2)), rng.normal(size=(3, 3, 2)))
    if name == "dots":
        return dots, (rng.normal(size=3), rng.normal(size=5), rng.normal(size=3),
                      rng.normal(size=(4, 5)))
    f = rnn if name == "rnn" else rnn_row_first
    return f, (rng.normal(size=(4, 4)) / 2, rng.normal(size=(4, 3) if f is rnn else (3, 4)) / 2,
               rng.normal(size=4), rng.normal(size=(6, 3)))


@pytest.mark.parametrize("name", ["rnn", "rnn_row_first", "batched_steps", "dots"])
def test_projected_loops_give_the_gradient(name):
    f, args = _case(name, np.random.default_rng(3))
    g = s2sad.grad(f, argnums=(0, 1, 2))
    src = _specialized_source(g, *args)
    assert "[0:" in src or "[1:" in src, src  # the steps' rows, taken once before the loop
    got = g(*args)
    assert_tree_allclose(got, g.entry(*args), rtol=1e-12, atol=1e-14)
    assert_tree_allclose(got, numerical_grad(f, args, argnums=(0, 1, 2)), rtol=1e-6,
                         atol=1e-8)
    value, _ = s2sad.value_and_grad(f, argnums=(0, 1, 2))(*args)
    assert value == pytest.approx(f(*args), rel=1e-12)
