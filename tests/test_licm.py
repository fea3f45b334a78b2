"""Loop-invariant code motion on the user's IR (issue 10, ``transforms/licm.py``).

Checked here: the motion on IR text (as far out as a value is invariant, never what may
raise before a loop that may run no step, never what the loop changes or updates in
place), and end to end the gradients of loops whose invariants moved, against central
differences, with the tape they no longer need.
"""

import math
import warnings

import numpy as np
import pytest

import fd
import s2sad
from s2sad import ir, pipeline
from s2sad.codegen import printer
from s2sad.frontend.normalize.program import ProgramBuilder
from s2sad.transforms import simplify
from s2sad.transforms.licm import hoist

A, C, N, K = ir.Assign, ir.Call, ir.Name, ir.Const


def _loop(body, stop=N("n")):
    return ir.For("i", K(0), stop, K(1), tuple(body))


def _fn(*body, params=("x", "k", "dt", "n")):
    return ir.Function("f", params, tuple(body) + (ir.Return(N("x")),))


# --------------------------------------------------------------------------- IR before/after

BEFORE = """\
def f(x, k, dt, n):
    for i in range(n):
        _t1 = 0.5 * dt
        _t2 = -k
        a = _t2 * x
        _t3 = _t1 * a
        _t4 = x + _t3
        x = _t4
    return x
"""

AFTER = """\
def f(x, k, dt, n):
    _t1 = 0.5 * dt
    _t2 = -k
    for i in range(n):
        a = _t2 * x
        _t3 = _t1 * a
        _t4 = x + _t3
        x = _t4
    return x
"""


def test_hoist_before_after():
    fn = _fn(_loop([A("_t1", C("mul", (K(0.5), N("dt")))), A("_t2", C("neg", (N("k"),))),
                    A("a", C("mul", (N("_t2"), N("x")))), A("_t3", C("mul", (N("_t1"), N("a")))),
                    A("_t4", C("add", (N("x"), N("_t3")))), A("x", N("_t4"))]))
    assert printer.function(fn) == BEFORE
    assert printer.function(hoist(fn)) == AFTER


def test_nested_loops_hoist_as_far_as_invariant():
    inner = ir.For("j", K(0), N("n"), K(1), (
        A("_t1", C("mul", (N("k"), N("i")))),      # invariant in j only
        A("_t2", C("mul", (K(2.0), N("k")))),      # invariant in both
        A("_t3", C("mul", (N("_t2"), N("_t1")))),  # in j only (reads _t1)
        A("_t4", C("add", (N("x"), N("_t3")))), A("x", N("_t4"))))
    text = printer.function(hoist(_fn(_loop([inner]))))
    assert text == """\
def f(x, k, dt, n):
    _t2 = 2.0 * k
    for i in range(n):
        _t1 = k * i
        _t3 = _t2 * _t1
        for j in range(n):
            _t4 = x + _t3
            x = _t4
    return x
"""


def test_what_may_raise_waits_for_a_loop_that_surely_runs():
    body = [A("_t1", C("truediv", (K(1.0), N("dt")))),  # ZeroDivisionError for dt = 0.0
            A("_t2", C("truediv", (N("dt"), K(2.0)))),  # raises for no number dt
            A("_t3", C("np.sum", (N("k"),))),
            A("_t4", ir.Subscript(N("k"), ir.Index((K(0),)))),
            A("_t5", C("add", (N("_t1"), N("_t2")))),
            A("_t6", C("add", (N("x"), N("_t5")))), A("x", N("_t6"))]
    maybe = hoist(_fn(_loop(body)))  # range(n): perhaps no step at all
    assert [s.target for s in maybe.body[:-2]] == ["_t2"]
    surely = hoist(_fn(_loop(body, stop=K(3))))
    assert [s.target for s in surely.body[:-2]] == ["_t1", "_t2", "_t3", "_t4", "_t5"]
    empty = hoist(_fn(_loop(body, stop=K(0))))  # range(0): never
    assert [s.target for s in empty.body[:-2]] == ["_t2"]


def test_a_while_test_runs_at_least_once():
    loop = ir.While((A("_t1", C("truediv", (K(1.0), N("dt")))),
                     A("c", C("lt", (N("x"), N("_t1"))))), N("c"),
                    (A("_t2", C("truediv", (K(1.0), N("k")))),
                     A("_t3", C("add", (N("x"), N("_t2")))), A("x", N("_t3"))))
    out = hoist(_fn(loop))
    assert [s.target for s in out.body[:-2]] == ["_t1"]  # _t2 may raise, and may never run
    assert [s.target for s in out.body[-2].test_body] == ["c"]


@pytest.mark.parametrize("why, body", [
    ("bound twice", [A("_t1", C("mul", (K(2.0), N("k")))), A("_t1", C("mul", (N("_t1"), N("x"))))]),
    ("reads what the loop changes", [A("_t1", C("mul", (K(2.0), N("x")))), A("x", N("_t1"))]),
    ("inside an if", [ir.If(N("c"), (A("_t1", C("neg", (N("k"),))),))]),
    ("a user call", [A("_t1", ir.UserCall("g", (N("k"),)))]),
    ("a random draw", [A("_t1", C("np.random.normal", (N("k"),)))]),
    ("a tape", [A("_t1", C("list", ())), ir.ExprStmt(C("_rt.append", (N("_t1"), N("x"))))]),
    ("updated in place", [A("_t1", C("np.zeros", (K(3),))), ir.SetItem("_t1", ir.Index((N("i"),)),
                                                                       N("x"))]),
    ("shares memory with what is updated", [
        A("_t1", C("np.transpose", (N("k"),))), A("_t2", N("_t1")),
        ir.SetItem("_t2", ir.Index((N("i"),)), N("x"))]),
    ("its operand updated in place", [
        A("_t1", C("neg", (N("k"),))), ir.SetItem("k", ir.Index((N("i"),)), N("x"))]),
    ("its operand deleted", [A("_t1", C("neg", (N("k"),))), ir.Release(("k",))]),
])
def test_what_must_stay(why, body):
    fn = _fn(A("c", K(True)), _loop(body, stop=K(3)))
    assert hoist(fn) == fn, why


# --------------------------------------------------------------------------- end to end


def heun(k, c, dt, x0):
    """Two-stage Runge-Kutta of x'' = -k x - c x' (-k and 0.5 * dt are invariant)."""
    x, v = x0, 0.0
    for _ in range(60):
        a = -k * x - c * v
        x1 = x + dt * v
        v1 = v + dt * a
        a1 = -k * x1 - c * v1
        x = x + 0.5 * dt * (v + v1)
        v = v + 0.5 * dt * (a + a1)
    return x * x + v * v


def rk4_vector(y, r, A, dt, n):
    for _ in range(n):
        k1 = y * (r + A @ y)
        y2 = y + 0.5 * dt * k1
        k2 = y2 * (r + A @ y2)
        y = y + dt * k2
    return np.sum(y * y)


def nested(w, x, n):
    s = 0.0
    for i in range(n):
        for j in range(3):
            s = s + np.sin(w * i + 0.5 * w) * x[j] / (1.0 + j)
    return s


def divides(x, dt, n):
    s = 0.0
    for _ in range(n):
        s = s + x / dt
    return np.sum(s * x)


def _tape_length(fn, transform="grad", argnums=0, hoisted=True):
    """How many values the generated code pushes per loop step (``append`` calls)."""
    program = ProgramBuilder().build(fn)
    functions = {k: simplify.fold_tuples(f) for k, f in program.functions.items()}
    if hoisted:
        functions = {k: hoist(f) for k, f in functions.items()}
    program = ir.Program(program.entry, functions, program.globals)
    spec = pipeline.Spec(transform, argnums)
    return pipeline.emit(program, spec, pipeline._entry_name(program, spec)).count(".append(")


def test_runge_kutta_gradient_and_its_tape():
    args = (2.0, 0.3, 0.05, 1.0)
    for argnums in (0, 2, (0, 1, 2, 3)):
        got = s2sad.grad(heun, argnums=argnums)(*args)
        fd.assert_tree_allclose(got, fd.numerical_grad(heun, args, argnums=argnums), rtol=1e-6)
    # -k and 0.5 * dt (twice each) are no longer pushed and popped at each step
    everything = (0, 1, 2, 3)
    assert _tape_length(heun, argnums=everything) == _tape_length(
        heun, argnums=everything, hoisted=False) - 4


def test_vector_rk4_gradients_and_hessian():
    rng = np.random.default_rng(1)
    y, r, A = rng.normal(size=3), rng.normal(size=3), 0.3 * rng.normal(size=(3, 3))
    args = (y, r, A, 0.05, 6)
    got = s2sad.grad(rk4_vector, argnums=(0, 1, 2))(*args)
    fd.assert_tree_allclose(got, fd.numerical_grad(rk4_vector, args, argnums=(0, 1, 2)),
                            rtol=1e-6, atol=1e-8)
    h = s2sad.hessian(rk4_vector)(*args)
    np.testing.assert_allclose(h, fd.numerical_hessian(rk4_vector, args), rtol=1e-5, atol=1e-6)


def test_nested_loops_numbers():
    args = (0.7, np.array([0.3, -1.2, 2.0]), 4)
    for argnums in (0, 1):
        got = s2sad.grad(nested, argnums=argnums)(*args)
        np.testing.assert_allclose(got, fd.numerical_grad(nested, args, argnums=argnums),
                                   rtol=1e-6, atol=1e-9)
    jvp = s2sad.jvp(lambda w, x: nested(w, x, 4), args[:2], (1.0, np.zeros(3)))[1]
    assert jvp == pytest.approx(fd.numerical_grad(nested, args), rel=1e-6)


def test_a_loop_that_runs_no_step():
    x = np.array([1.0, 2.0])
    assert s2sad.grad(divides)(x, 0.0, 0).tolist() == [0.0, 0.0]  # x / dt never runs
    got = s2sad.grad(divides)(x, 0.5, 3)
    np.testing.assert_allclose(got, fd.numerical_grad(divides, (x, 0.5, 3)), rtol=1e-6)
    assert s2sad.grad(rk4_vector)(x, x, np.eye(2), 0.1, 0).tolist() == [2.0, 4.0]


def test_library_code_that_may_raise_stays_in_a_loop_that_may_not_run():
    def f(x, n):
        s = x
        for _ in range(n):
            s = s + math.sqrt(x - 1.0)
        return s

    with warnings.catch_warnings():
        warnings.simplefilter("error")  # not even NumPy's "invalid value" for sqrt(-0.5)
        assert s2sad.grad(f)(0.5, 0) == 1.0
    assert s2sad.grad(f)(2.0, 3) == pytest.approx(1.0 + 3 * 0.5)


def while_decay(x, k):
    t = 0.0
    while t < 1.0 / k:
        x = x * np.exp(-0.1 * k)
        t = t + 0.1
    return x * x


def test_while_loop_numbers():
    src = s2sad.grad(while_decay, argnums=(0, 1)).source
    assert src.index("1.0 / k") < src.index("while ") and src.index("np.exp(") < src.index("while ")
    args = (1.3, 2.3)
    got = s2sad.grad(while_decay, argnums=(0, 1))(*args)
    fd.assert_tree_allclose(got, fd.numerical_grad(while_decay, args, argnums=(0, 1)), rtol=1e-6)
