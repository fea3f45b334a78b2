"""transforms/simplify.py: peepholes on generated code (IR before/after)."""

from s2sad import ir
from s2sad.transforms import simplify

N, C = ir.Name, ir.Const


def _fn(*body) -> ir.Function:
    return ir.Function("f", ("g", "h"), tuple(body))


def test_a_negation_read_once_moves_into_the_constant():
    fn = _fn(ir.Assign("_t1", ir.Call("neg", (N("g"),))),
             ir.Assign("b", ir.Call("mul", (C(0.5), N("_t1")))),
             ir.Return(N("b")))
    out = simplify.dead_code(simplify.fold_constants(fn))
    assert out.body == (ir.Assign("b", ir.Call("mul", (N("g"), C(-0.5)))), ir.Return(N("b")))


def test_a_negation_read_twice_stays():
    fn = _fn(ir.Assign("_t1", ir.Call("neg", (N("g"),))),
             ir.Assign("b", ir.Call("mul", (N("_t1"), C(0.5)))),
             ir.Assign("c", ir.Call("add", (N("b"), N("_t1")))),
             ir.Return(N("c")))
    assert simplify.fold_constants(fn) == fn
    # a product with another array is not a constant scale either
    fn2 = _fn(ir.Assign("_t1", ir.Call("neg", (N("g"),))),
              ir.Assign("b", ir.Call("mul", (N("_t1"), N("h")))), ir.Return(N("b")))
    assert simplify.fold_constants(fn2) == fn2
