"""In-place adjoint accumulation in reverse loops (issue 10, ``transforms/accumulate.py``).

A loop reading ``x[i]`` adds a whole ``getitem_vjp`` array to ``bx`` per step; in modules
specialized to the call's kinds the additions go into one accumulator the loop updates in
place. Checked here: the rewrite on IR text, the numbers against central differences and
against the generic code (bit for bit), where the pass must not fire, the runtime helper
against the functional sum it replaces, and that no transform reads ``add_at`` as a value.
"""

import numpy as np
import pytest

import fd
import s2sad
from s2sad import ir
from s2sad import runtime as _rt
from s2sad.api import _generated
from s2sad.codegen import printer
from s2sad.pipeline import Spec
from s2sad.transforms.accumulate import in_place
from s2sad.transforms.specialize import signature_of


def _specialized_source(fn, args, argnums=0):
    spec = Spec("grad", argnums, signature=tuple(map(signature_of, args)))
    return _generated(fn, spec).source


# --------------------------------------------------------------------------- IR before/after

A, C, N = ir.Assign, ir.Call, ir.Name


def _scatter_add(t, bx, g, x, index, add="add"):
    return [A(t, C("_rt.getitem_vjp", (N(g), N(x), index))), A(bx, C(add, (N(bx), N(t))))]


def _at(i):
    return ir.Index((N(i),))


BEFORE = """\
def f_grad(x, g, n):
    bx = _rt.zeros_like(x)
    for i in range(n, -1, -1):
        _bt1 = g * i
        _t2 = _rt.getitem_vjp(_bt1, x, np.s_[i])
        bx = bx + _t2
    return bx
"""

AFTER = """\
def f_grad(x, g, n):
    bx = _rt.zeros_like(x)
    _acc1 = None
    for i in range(n, -1, -1):
        _bt1 = g * i
        _acc1 = _rt.add_at(_acc1, bx, x, np.s_[i], _bt1)
    _t1 = _acc1 is not None
    if _t1:
        bx = _acc1
    return bx
"""


def test_rewrite_before_after():
    loop = ir.For("i", N("n"), ir.Const(-1), ir.Const(-1), (
        A("_bt1", C("mul", (N("g"), N("i")))),
        *_scatter_add("_t2", "bx", "_bt1", "x", _at("i"))))
    body = [A("bx", C("_rt.zeros_like", (N("x"),))), loop, ir.Return(N("bx"))]
    fn = ir.Function("f_grad", ("x", "g", "n"), tuple(body))
    assert printer.function(fn) == BEFORE
    assert printer.function(in_place(fn)) == AFTER


def test_rewrite_text_reads_as_intended():
    loop = ir.While((A("c", C("lt", (N("i"), N("n")))),), N("c"), (
        ir.If(N("c"), tuple(_scatter_add("_t2", "bx", "g", "x", _at("i"), "_rt.tree_add"))),
        A("i", C("add", (N("i"), ir.Const(1))))))
    fn = ir.Function("f_grad", ("x", "g", "n", "i", "bx"), (loop, ir.Return(N("bx"))))
    text = printer.function(in_place(fn))
    assert "_acc1 = _rt.add_at(_acc1, bx, x, np.s_[i], g)" in text
    assert "getitem_vjp" not in text and "tree_add" not in text
    assert text.index("_acc1 = None") < text.index("while c:")
    assert text.rstrip().endswith("if _t1:\n        bx = _acc1\n    return bx")


@pytest.mark.parametrize("why, extra", [
    ("x rebound in the loop", [A("x", C("mul", (N("x"), ir.Const(2.0))))]),
    ("x updated in place", [ir.SetItem("x", _at("i"), ir.Const(0.0))]),
    ("bx read in the loop", [A("_t9", C("np.sum", (N("bx"),)))]),
    ("bx added to otherwise", [A("bx", C("add", (N("bx"), N("g"))))]),
])
def test_no_rewrite_where_unsafe(why, extra):
    loop = ir.For("i", N("n"), ir.Const(-1), ir.Const(-1), (
        *_scatter_add("_t2", "bx", "g", "x", _at("i")), *extra))
    fn = ir.Function("f_grad", ("x", "g", "n", "bx"), (loop, ir.Return(N("bx"))))
    assert in_place(fn) == fn, why


def test_scatter_read_elsewhere_is_left_alone():
    loop = ir.For("i", N("n"), ir.Const(-1), ir.Const(-1), (
        *_scatter_add("_t2", "bx", "g", "x", _at("i")), A("_t3", C("np.sum", (N("_t2"),)))))
    fn = ir.Function("f_grad", ("x", "g", "n", "bx"), (loop, ir.Return(N("bx"))))
    assert in_place(fn) == fn


# --------------------------------------------------------------------------- end to end


def rows_sum(x, w):
    s = 0.0
    for i in range(x.shape[0]):
        s = s + x[i] * w
    return s


def rows_slice(x, w):
    s = 0.0
    for i in range(x.shape[0]):
        s = s + np.sum(np.sin(x[i, :]) * w)
    return s


def repeated_rows(x, idx):
    s = 0.0
    for k in range(idx.shape[0]):
        s = s + np.sum(np.sin(x[idx[k]]) * (k + 1.0))
    return s


def nested(x, w):
    s = 0.0
    for i in range(x.shape[0]):
        for j in range(x.shape[1]):
            s = s + np.tanh(x[i, j] * w + s)
    return s


def while_rows(x, w):
    s = 0.0
    i = 0
    while i < x.shape[0]:
        s = s + x[i] * x[i] * w
        i = i + 1
    return s


def branchy(x, w):
    s = 0.0
    for i in range(x.shape[0]):
        if x[i] > 0.0:
            s = s + x[i] * w
        else:
            s = s - 2.0 * x[i] * x[i]
    return s


def rnn(xs, W, h):
    for i in range(xs.shape[0]):
        h = np.tanh(W @ h + xs[i])
    return np.sum(h)


def rnn_list(xs, W, h):
    for i in range(len(xs)):
        h = np.tanh(W @ h + xs[i])
    return np.sum(h)


def rebinds_x(x, w):
    s = 0.0
    for i in range(x.shape[0]):
        s = s + x[i] * w
        x = x * 1.5
    return s


def reads_whole_x(x, w):
    s = 0.0
    for i in range(x.shape[0]):
        s = s + x[i] * np.sum(x * s) * w
    return s


def _rng():
    return np.random.default_rng(7)


CASES = {
    "x[i]": (rows_sum, lambda r: (r.normal(size=6), 1.7), 0),
    "x[i, :]": (rows_slice, lambda r: (r.normal(size=(5, 3)), r.normal(size=3)), 0),
    "x[idx], repeated": (repeated_rows, lambda r: (r.normal(size=(4, 2)),
                                                   np.array([[0, 2, 2], [3, -2, 0]])), 0),
    "nested loops": (nested, lambda r: (0.5 * r.normal(size=(3, 4)), 0.8), 0),
    "while loop": (while_rows, lambda r: (r.normal(size=5), 0.9), 0),
    "if in the loop": (branchy, lambda r: (r.normal(size=7), 1.3), 0),
    "rnn over xs": (rnn, lambda r: (r.normal(size=(6, 3)), 0.5 * r.normal(size=(3, 3)),
                                    r.normal(size=3)), 0),
    "rnn over a list": (rnn_list, lambda r: ([r.normal(size=3) for _ in range(4)],
                                             0.5 * r.normal(size=(3, 3)), r.normal(size=3)), 0),
}


@pytest.mark.parametrize("name", list(CASES))
def test_gradients_match_differences_and_the_generic_code(name):
    fn, make, argnums = CASES[name]
    args = make(_rng())
    assert "_rt.add_at(" in _specialized_source(fn, args, argnums)
    grad = s2sad.grad(fn, argnums=argnums)
    got = grad(*args)
    fd.assert_tree_allclose(got, fd.numerical_grad(fn, args, argnums=argnums),
                            rtol=1e-6, atol=1e-8)
    generic = grad.entry(*args)  # the functional sums, as the loop wrote them
    for a, b in zip(fd.tree_leaves(got), fd.tree_leaves(generic)):
        np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("fn", [rebinds_x, reads_whole_x])
def test_no_accumulator_where_the_loop_needs_bx_or_rebinds_x(fn):
    args = (_rng().normal(size=5), 0.7)
    assert "_rt.add_at(" not in _specialized_source(fn, args)
    got = s2sad.grad(fn)(*args)
    np.testing.assert_allclose(got, fd.numerical_grad(fn, args), rtol=1e-6, atol=1e-8)


def test_a_loop_that_runs_no_step_leaves_the_adjoint():
    x = np.arange(4.0)
    assert "_rt.add_at(" in _specialized_source(rows_sum, (x, 2.0))
    g = s2sad.grad(lambda x, w: rows_sum(x[:0], w) + np.sum(x * x))(x, 2.0)
    np.testing.assert_array_equal(g, 2.0 * x)


def test_generic_code_keeps_the_functional_sum():
    """Enclosing transforms differentiate the generic module: no update in place there."""
    assert "_rt.add_at(" not in s2sad.grad(rnn).source
    x = _rng().normal(size=4)
    h = s2sad.hessian(rows_slice)(x.reshape(2, 2), np.ones(2))
    np.testing.assert_allclose(h, fd.numerical_hessian(rows_slice, (x.reshape(2, 2), np.ones(2))),
                               rtol=1e-5, atol=1e-6)


# --------------------------------------------------------------------------- the runtime helper


def _functional(base, x, steps):
    out = base
    for index, g in steps:
        out = _rt.tree_add(out, _rt.getitem_vjp(g, x, index))
    return out


def _in_place(base, x, steps):
    acc = None
    for index, g in steps:
        acc = _rt.add_at(acc, base, x, index, g)
    return acc


_R = np.random.default_rng(3)
_X = _R.normal(size=(5, 3))
HELPER_CASES = {
    "int": (_X, [(i, _R.normal(size=3)) for i in (4, 1, 1, -1)]),
    "slice and int": (_X, [((slice(1, 4), 2), _R.normal(size=3)), ((0, slice(None)), 0.5)]),
    "mask": (_X, [(_X > 0, _R.normal(size=int(np.sum(_X > 0)))) for _ in range(3)]),
    "rows, repeated": (_X, [(np.array([[0, 3], [3, -2]]), _R.normal(size=(2, 2, 3))),
                            (np.array([1, 1, 1]), _R.normal(size=3)),
                            ([4, 0], _R.normal(size=(2, 3)))]),
    "rows, no repeats": (_X, [(np.array([2, 0]), _R.normal(size=(2, 3))) for _ in range(3)]),
    "two index arrays": (_X, [((np.array([0, 0]), np.array([1, 1])), _R.normal(size=2))] * 2),
    "float32": (_X.astype(np.float32), [(i, _R.normal(size=3).astype(np.float32))
                                        for i in (0, 2, 0)]),
    "widening g": (_X.astype(np.float32), [(0, np.ones(3, np.float32)), (1, _R.normal(size=3))]),
    "list": ([np.ones(2), np.ones(3), None], [(1, _R.normal(size=3)), (0, 2.0), (1, 1.0)]),
    "dict": ({"a": np.ones(2), "b": 1.0}, [("b", 0.5), ("a", _R.normal(size=2)), ("b", 2.0)]),
    "tuple": ((np.ones(2), 1.0), [(0, _R.normal(size=2)), (1, 3.0)]),
}


@pytest.mark.parametrize("name", list(HELPER_CASES))
@pytest.mark.parametrize("base", ["zeros", "nonzero"])
def test_add_at_gives_the_functional_sum_bit_for_bit(name, base):
    x, steps = HELPER_CASES[name]
    start = _rt.zeros_like(x)
    if base == "nonzero":
        start = fd.tree_map(lambda v: v if v is None else v + 0.1, fd.random_like(start, _R))
    want = _functional(start, x, steps)
    got = _in_place(start, x, steps)
    assert type(got) is type(want)
    for a, b in zip(fd.tree_leaves(got), fd.tree_leaves(want)):
        assert np.asarray(a).dtype == np.asarray(b).dtype
        np.testing.assert_array_equal(a, b)


def test_add_at_writes_only_its_own_array():
    base, x = np.zeros(4), np.arange(4.0)
    first = _rt.add_at(None, base, x, 1, 2.0)
    assert first is not base and not np.any(base)
    assert _rt.add_at(first, base, x, 2, 3.0) is first  # in place from the second step on
    np.testing.assert_array_equal(first, [0.0, 2.0, 3.0, 0.0])


def test_add_at_out_of_bounds_raises_as_the_loop_would():
    x = np.zeros(3)
    acc = _rt.add_at(None, x, x, 0, 1.0)
    with pytest.raises(IndexError):
        _rt.add_at(acc, x, x, np.array([0, 3]), 1.0)


def uses_add_at(x):
    acc = _rt.add_at(None, np.zeros(3), x, 0, 1.0)
    return np.sum(acc * x)


def test_no_transform_reads_add_at_as_a_value():
    with pytest.raises(s2sad.DifferentiationError, match="_rt.add_at has no derivative rule"):
        s2sad.grad(uses_add_at)(np.ones(3))
    with pytest.raises(s2sad.DifferentiationError, match="_rt.add_at has no derivative rule"):
        s2sad.jvp(uses_add_at, (np.ones(3),), (np.ones(3),))


# --------------------------------------------------------------------------- straight-line runs


def _scatter(target, g, index):
    return ir.Assign(target, ir.Call("_rt.getitem_vjp", (ir.Name(g), ir.Name("x"), index)))


def test_straight_line_scatters_add_in_place():
    from s2sad.transforms.accumulate import in_place_runs

    head, tail = ir.Index((ir.Slice(None, ir.Const(-1)),)), ir.Index((ir.Slice(ir.Const(1)),))
    body = (_scatter("bx", "g1", head), _scatter("_t1", "g2", tail),
            ir.Assign("bx", ir.Call("add", (ir.Name("bx"), ir.Name("_t1")))),
            ir.Return(ir.Name("bx")))
    fn = ir.Function("f", ("x", "g1", "g2"), body)
    out = in_place_runs(fn)
    assert out.body[1] == ir.Assign("bx", ir.Call("_rt.add_at", (
        ir.Name("bx"), ir.Name("bx"), ir.Name("x"), tail, ir.Name("g2"))))
    # read in between (someone else may hold it): left alone
    seen = ir.Function("f", ("x", "g1", "g2"), body[:1] + (
        ir.Assign("keep", ir.Name("bx")),) + body[1:])
    assert in_place_runs(seen) == seen


def rosenbrock_like(x):
    return np.sum(100.0 * (x[1:] - x[:-1] ** 2) ** 2 + (1.0 - x[:-1]) ** 2)


def test_straight_line_run_numbers():
    x = np.linspace(-1.0, 1.0, 7)
    src = _generated(rosenbrock_like, Spec("grad", 0, signature=(signature_of(x),))).source
    # the additions in place, written out (transforms/scatters.py): x's cotangent is made
    # once, and each later slice adds into it
    assert src.count("] += ") == 2 and src.count("np.zeros(") == 1  # (cheap_spellings)
    assert "_rt.add_at(" not in src and "_rt.getitem_vjp(" not in src
    grad = s2sad.grad(rosenbrock_like)
    np.testing.assert_array_equal(grad(x), grad.entry(x))
    np.testing.assert_allclose(grad(x), fd.numerical_grad(rosenbrock_like, (x,)), rtol=1e-6)
