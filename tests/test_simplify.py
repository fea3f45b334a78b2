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


def _loop(*body) -> ir.For:
    return ir.For("i", C(0), C(3), C(1), tuple(body))


def test_a_scaling_read_once_folds_into_the_next_constant_when_exact():
    fn = _fn(ir.Assign("_t1", ir.Call("mul", (C(2), N("g")))),
             ir.Assign("b", ir.Call("mul", (N("_t1"), C(100.0)))),
             ir.Return(N("b")))
    out = simplify.dead_code(simplify.fold_constants(fn))
    assert out.body == (ir.Assign("b", ir.Call("mul", (N("g"), C(200.0)))), ir.Return(N("b")))
    # neither factor a power of two: (g * 3) * 0.1 is not g * 0.3 in floating point
    fn2 = _fn(ir.Assign("_t1", ir.Call("mul", (C(3.0), N("g")))),
              ir.Assign("b", ir.Call("mul", (N("_t1"), C(0.1)))), ir.Return(N("b")))
    assert simplify.fold_constants(fn2) == fn2


def test_a_negation_times_a_scaling_moves_the_sign_into_the_constant():
    # _t1 = -g; _t2 = 2 * h; b = _t1 * _t2  ->  _t2 = h * -2; b = g * _t2
    fn = _fn(ir.Assign("_t1", ir.Call("neg", (N("g"),))),
             ir.Assign("_t2", ir.Call("mul", (C(2), N("h")))),
             ir.Assign("b", ir.Call("mul", (N("_t1"), N("_t2")))),
             ir.Return(N("b")))
    out = simplify.dead_code(simplify.fold_constants(fn))
    assert out.body == (ir.Assign("_t2", ir.Call("mul", (N("h"), C(-2)))),
                        ir.Assign("b", ir.Call("mul", (N("g"), N("_t2")))), ir.Return(N("b")))
    # and a negation of a scaling is the scaling with the sign
    fn2 = _fn(ir.Assign("_t2", ir.Call("mul", (C(2), N("h")))),
              ir.Assign("b", ir.Call("neg", (N("_t2"),))), ir.Return(N("b")))
    assert simplify.dead_code(simplify.fold_constants(fn2)).body == (
        ir.Assign("b", ir.Call("mul", (N("h"), C(-2)))), ir.Return(N("b")))


def test_a_scaling_whose_operand_is_rebound_before_its_reader_stays():
    # in a loop: _t1 = 2 * h; h = pop(); b = _t1 * 3.0 must read the old h
    body = (ir.Assign("_t1", ir.Call("mul", (C(2), N("h")))),
            ir.Assign("h", ir.Call("_rt.pop", (N("tape"),))),
            ir.Assign("b", ir.Call("mul", (N("_t1"), C(4.0)))))
    fn = _fn(_loop(*body), ir.Return(N("b")))
    assert simplify.fold_constants(fn) == fn


def test_copies_of_stable_names_are_read_through():
    fn = _fn(ir.Assign("_t1", ir.Call("mul", (N("g"), N("h")))),
             ir.Assign("_t2", N("_t1")),
             ir.Assign("_t3", N("g")),
             ir.Assign("b", ir.Call("add", (N("_t2"), N("_t3")))),
             ir.Return(N("b")))
    out = simplify.propagate_copies(fn)
    assert out.body == (ir.Assign("_t1", ir.Call("mul", (N("g"), N("h")))),
                        ir.Assign("b", ir.Call("add", (N("_t1"), N("g")))), ir.Return(N("b")))


def test_copies_that_may_differ_from_their_source_stay():
    # in a loop, a copy not directly after its source's binding may hold last step's value
    # (from the second step on, x reads the _t1 of the step before)
    loop = _loop(ir.Assign("_t1", ir.Call("mul", (N("g"), N("i")))),
                 ir.Assign("x", ir.Call("add", (N("_t2"), C(1.0)))),
                 ir.Assign("_t2", N("_t1")))
    fn = _fn(loop, ir.Return(N("x")))
    assert simplify.propagate_copies(fn) == fn
    # a source bound twice, and an adjoint over a plain temporary (coalesce_copies' job)
    fn2 = _fn(ir.Assign("u", N("g")), ir.Assign("u", N("h")), ir.Assign("_t1", N("u")),
              ir.Assign("_t9", ir.Call("neg", (N("g"),))), ir.Assign("_bt1", N("_t9")),
              ir.Return(N("_t1")))
    assert simplify.propagate_copies(fn2) == fn2


def test_a_value_that_reaches_no_root_goes_even_through_a_rebound_name():
    # bx = g; _t1 = bx + h; bx = _t1 (a cycle through bx); return h  ->  return h
    fn = _fn(ir.Assign("bx", N("g")),
             ir.Assign("_t1", ir.Call("add", (N("bx"), N("h")))),
             ir.Assign("bx", N("_t1")),
             ir.Return(N("h")))
    assert simplify.dead_code(fn, cycles=True).body == (ir.Return(N("h")),)
    assert simplify.dead_code(fn) == fn  # (the count of reads alone cannot see the cycle)
    # a subscript assignment may write through an alias: it stays, with what it reads
    fn2 = _fn(ir.Assign("u", N("g")), ir.SetItem("u", ir.Index((C(0),)), C(1.0)),
              ir.Return(N("g")))
    assert simplify.dead_code(fn2, cycles=True) == fn2


def test_a_value_computed_again_is_the_first_one():
    fn = _fn(ir.Assign("_t1", ir.Call("mul", (N("g"), N("h")))),
             ir.Assign("_t2", ir.Call("mul", (N("g"), N("h")))),
             ir.Assign("b", ir.Call("add", (N("_t1"), N("_t2")))),
             ir.Return(N("b")))
    out = simplify.propagate_copies(simplify.common_subexpressions(fn))
    assert out.body == (ir.Assign("_t1", ir.Call("mul", (N("g"), N("h")))),
                        ir.Assign("b", ir.Call("add", (N("_t1"), N("_t1")))),
                        ir.Return(N("b")))


def test_a_value_recomputed_after_its_operand_changes_or_in_code_that_writes_in_place_stays():
    fn = _fn(ir.Assign("_t1", ir.Call("mul", (N("g"), N("h")))),
             ir.Assign("g", ir.Call("neg", (N("g"),))),
             ir.Assign("_t2", ir.Call("mul", (N("g"), N("h")))),
             ir.Return(N("_t2")))
    assert simplify.common_subexpressions(fn) == fn
    # a subscript assignment may change one of two arrays that sharing would make one
    fn2 = _fn(ir.Assign("u", ir.Call("mul", (N("g"), C(2.0)))),
              ir.Assign("v", ir.Call("mul", (N("g"), C(2.0)))),
              ir.SetItem("u", ir.Index((C(0),)), C(1.0)),
              ir.Return(N("v")))
    assert simplify.common_subexpressions(fn2) == fn2


def test_a_function_that_calls_what_may_write_in_place_shares_no_array():
    fn = _fn(ir.Assign("u", ir.Call("mul", (N("g"), C(2.0)))),
             ir.Assign("v", ir.Call("mul", (N("g"), C(2.0)))),
             ir.Assign("w", ir.UserCall("fill_first", (N("u"),))),
             ir.Return(N("v")))
    assert simplify.common_subexpressions(fn) == fn
