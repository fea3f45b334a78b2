"""Very deep expressions and long functions (issue 9): they transform without a
RecursionError and give the right derivatives.

The functions are generated into ``tmp_path`` by ``tools/bench_compile_size.py``,
which also times the builds at full size (10,000 statements); here the sizes are
CI-sized. Speed is measured there, never asserted here.
"""

from __future__ import annotations

import sys

import numpy as np
import pytest

import s2sad
from fd import numerical_grad
from s2sad import ir
from s2sad.pipeline import Spec, generate
from s2sad.transforms import simplify
from tools.bench_compile_size import (chain_source, inputs, load, mixed_source,
                                      nested_arith_source, nested_sin_source, straight_source)

# CI sizes: about 8 s each on two cores. 2,000 statements take about 35 s while the alias
# analysis (analysis/aliasing.py may_share) is quadratic in the number of assignments;
# tools/bench_compile_size.py builds the full sizes.
CI_STRAIGHT = 1000
CI_MIXED_LINES = 1000


@pytest.fixture
def build(tmp_path):
    def make(source_fn, size, name):
        return load(source_fn(size, name), name, tmp_path)
    return make


def test_nested_arithmetic_200_deep(build):
    fn = build(nested_arith_source, 200, "nested_arith")
    x = np.array([0.3, -1.2, 2.0])
    y = x.copy()
    for k in range(200):
        y = y + 1.0 if k % 2 == 0 else y * 0.5
    slope = 0.5 ** 100  # dy/dx: a hundred halvings
    np.testing.assert_allclose(fn(x), np.sum(y * y))
    np.testing.assert_allclose(s2sad.grad(fn)(x), 2.0 * y * slope, rtol=1e-12)
    out, tout = s2sad.jvp(fn, (x,), (np.ones(3),))
    np.testing.assert_allclose(tout, np.sum(2.0 * y * slope), rtol=1e-12)


def test_nested_sin_200_deep(build):
    limit = sys.getrecursionlimit()
    fn = build(nested_sin_source, 200, "nested_sin")
    x = np.array([0.3, -1.2, 2.0])
    y, dy = x.copy(), np.ones(3)
    for _ in range(200):
        dy = dy * np.cos(y)
        y = np.sin(y)
    np.testing.assert_allclose(s2sad.grad(fn)(x), dy, rtol=1e-12)
    value, g = s2sad.value_and_grad(fn)(x)
    np.testing.assert_allclose(value, np.sum(y), rtol=1e-12)
    np.testing.assert_allclose(s2sad.jvp(fn, (x,), (np.ones(3),))[1], np.sum(dy), rtol=1e-12)
    assert sys.getrecursionlimit() == limit  # raised for the build only


def test_sum_of_500_terms(build):
    """``x * 1.0 + x * 0.5 + ...``: a left-deep tree 500 operators deep (past the default
    recursion limit of the front end's tree visits)."""
    fn = build(chain_source, 500, "chain")
    x = np.array([0.3, -1.2])
    c = sum(float(f"{1.0 / (k + 1):.4g}") for k in range(500))
    np.testing.assert_allclose(s2sad.grad(fn)(x), 2.0 * c * c * x, rtol=1e-12)


def test_long_straight_line_body(build):
    fn = build(straight_source, CI_STRAIGHT, "straight")
    (x,) = inputs("straight")
    g = s2sad.grad(fn)(x)
    np.testing.assert_allclose(g, numerical_grad(fn, (x,)), rtol=1e-6, atol=1e-9)


def test_long_mixed_function(build):
    """Assignments, augmented assignments, branches on data, loops with subscript updates."""
    fn = build(mixed_source, CI_MIXED_LINES, "mixed")
    x, w = inputs("mixed")
    g = s2sad.grad(fn)(x, w)
    np.testing.assert_allclose(g, numerical_grad(fn, (x, w)), rtol=1e-6, atol=1e-9)


def test_dead_code_removes_a_long_dead_chain_in_one_pass():
    """20,000 assignments, each read only by the next, none by the result: all go (the
    old fixed point dropped one link per pass over the whole body, quadratic)."""
    n = 20_000
    body = [ir.Assign("a0", ir.Call("np.sin", (ir.Name("x"),)))]
    body += [ir.Assign(f"a{k}", ir.Call("np.sin", (ir.Name(f"a{k - 1}"),))) for k in range(1, n)]
    loop = ir.For("i", ir.Const(0), ir.Const(3), ir.Const(1), (
        ir.Comment("line 2"), ir.Assign("u", ir.Call("mul", (ir.Name("a5"), ir.Name("i"))))))
    fn = ir.Function("f", ("x",), tuple(body) + (loop, ir.Return(ir.Name("x"))))
    assert simplify.dead_code(fn).body == (ir.Return(ir.Name("x")),)


def test_dead_code_keeps_what_is_read():
    keep = ir.Assign("k", ir.Call("np.cos", (ir.Name("x"),)))
    loop = ir.For("i", ir.Const(0), ir.Const(3), ir.Const(1), (
        ir.Comment("line 3"), ir.Assign("s", ir.Call("add", (ir.Name("s"), ir.Name("i"))))))
    fn = ir.Function("f", ("x",), (
        ir.Comment("line 1"), keep, ir.Assign("dead", ir.Name("k")),
        ir.If(ir.Name("x"), (ir.Comment("line 2"), ir.Assign("z", ir.Name("k"))), ()),
        ir.Assign("s", ir.Const(0.0)), loop, ir.Comment("dangling"), ir.Comment("line 4"),
        ir.Return(ir.Name("k"))))
    out = simplify.dead_code(fn).body
    assert out == (ir.Comment("line 1"), keep, ir.Assign("s", ir.Const(0.0)), loop,
                   ir.Comment("line 4"), ir.Return(ir.Name("k")))


# --------------------------------------------------------------------------- formatting

_TRICKY = """\
    a = x ** 2
    b = x**p + y ** -1
    c = 'str' + "s"
    d = {"a": 1, 'b': [1, 2]}
    e = (a, b)
    f = (a,)
    g = ()
    h = 1e-05 * x + 1E5 + 0XFF + 1_000 + 1.5e+20
    i = (1+2j) * x
    j = -x + (-1.5) * -y
    k = - x
    l = x[1:-1] + x[-1:] + x[::2]
    m = x[a.b:c] + x[a : b] + x[f(a):] + x[a[0]:b]
    o = f(a, b,) + x[a,] + f(a , b) + x  + y + f( a) + x[ 1]
    t = not x
    u = x if y else z
    v = [a, b]
    w = np.s_[::2] + np.s_[:, 0] + np.s_[i, j] + np.s_[:, np.newaxis]
    aa = x[i][j] + yy[0](1) + f(*args) + f(**kw) + a @ b + ~a
    bb = a is not None and a not in b or c
    cc = lambda q: q
    if (x):
        pass
    else:
        # a comment before else's body
        y = 1
        # a comment at the end of a block
    for i in range(n, -1, -1):
        y = 1
    # a comment before a statement
    z = 3  # a trailing comment
    #no space
    dd = very_long_function_name(argument_number_one, argument_number_two, argument_three)
    while x:
        return (x)
    del (a), b
    ee = a if b else c
"""


@pytest.mark.parametrize("functions", [1, 3])
def test_fast_formatting_is_black_byte_for_byte(functions):
    """``printer.format_source`` (black on the pieces black could change) against black
    on the whole module: tricky lines among plain ones, every kind of line black would
    change, and a module black leaves as it is."""
    from s2sad.codegen import printer

    plain = [f"    _t{k} = _rt.unbroadcast(a{k} * 0.5, b{k})\n    del a{k}" for k in range(60)]
    body = "".join(f"{p}\n{_TRICKY}" for p in plain[::6]) + "\n".join(plain) + "\n    return z\n"
    defs = [f'def f{n}(x, y):\n    """The function {n}."""\n' + body for n in range(functions)]
    text = '"""A module."""\n\nimport numpy as np\n\n\n' + "\n\n".join(defs)
    black = printer._black(text)
    assert black != text
    assert printer.format_source(text) == black
    plain_text = '"""A module."""\n\nimport numpy as np\n\n\ndef f(a0, b0):\n' + "\n".join(
        plain * 4) + "\n    return a0\n"
    assert printer.format_source(plain_text) == printer._black(plain_text) == plain_text


def test_fast_formatting_matches_black_on_generated_code(monkeypatch, build):
    """Generated modules (the corpus's kinds of lines, generic and specialized to the
    call's kinds) through ``format_source`` and through black whole."""
    from s2sad.codegen import printer
    from corpus import control, straight

    texts = []
    real = printer.format_source
    monkeypatch.setattr(printer, "format_source", lambda t: texts.append(t) or real(t))
    monkeypatch.setenv("S2SAD_NO_CACHE", "1")
    for case in straight.CORPUS[::4] + control.CORPUS[::4]:  # not memoized: built again
        generate(case.fn, Spec("grad", case.argnums))
        s2sad.grad(case.fn, argnums=case.argnums)(*case.inputs()[0])
    generate(s2sad.grad(build(mixed_source, 60, "mixed_small")), Spec("jacfwd"))
    assert len(texts) > 20
    for text in texts:
        assert real(text) == printer._black(text)


_ATOMS = ["a", "b_1", "np.pi", "1", "0.5", "-1", "(-0.5)", "(-2)", '"x"', '"ij,jk->ik"',
          "'s'", "f(a)", "x[0]", "x[:, 1]", "x[a:b]", "x[1:-1]", "1e-05", "(1+2j)", "None",
          "()", "(a,)", "(a, b)", '{"k": a}', '{"k": a, "j": b}', "[a, b]", "[]", "{}",
          'float("inf")', "x[-1]", "a.b.c", "x[a,]", "(a, b,)", "( a)", "f(a, )"]
_OPS = [" + ", " - ", " * ", " / ", " // ", " % ", " @ ", " ** ", " < ", " == ", " & "]


def _random_value(rng, depth=0) -> str:
    r = rng.random()
    if depth > 2 or r < 0.4:
        return _ATOMS[rng.integers(len(_ATOMS))]
    if r < 0.6:
        return _random_value(rng, depth + 1) + _OPS[rng.integers(len(_OPS))] + _random_value(
            rng, depth + 1)
    items = ", ".join(_random_value(rng, depth + 1) for _ in range(rng.integers(4)))
    if r < 0.75:
        return f"np.f({items})"
    if r < 0.85:
        return f"({items}{',' if rng.random() < 0.3 else ''})"
    if r < 0.92:
        return "-" + _random_value(rng, depth + 1)
    return f"g({_random_value(rng, depth + 1)}, axis={['0', '-1', '(0, 1)'][rng.integers(3)]})"


def test_lines_called_settled_are_ones_black_leaves_alone(rng):
    """``printer._settled`` against black on random lines of the printer's vocabulary
    (and of what it never prints): every line it calls settled, black keeps as it is;
    and it calls most plain lines settled (else black would read them all again)."""
    from s2sad.codegen import printer

    lines = []
    while len(lines) < 4000:
        line = "    x = " + _random_value(rng)
        try:
            compile(line.strip(), "<line>", "exec")
        except SyntaxError:
            continue
        lines.append(line)
    settled = [line for line in lines if printer._settled(line, None)]
    text = "def f():\n" + "\n".join(settled) + "\n"
    kept = printer._black(text).split("\n")[1:-1]
    assert [a for a, b in zip(settled, kept) if a != b] == [] and len(kept) == len(settled)
    assert len(settled) > len(lines) // 3


def test_heads_and_def_lines_called_settled_are_ones_black_leaves_alone():
    from s2sad.codegen import printer

    heads = ['"""Generated by s2sad: grad of f (m.py:3). Do not edit."""\n\nimport numpy as np\n'
             "import scipy.special\nfrom s2sad import runtime as _rt\n",
             '"""' + "long " * 30 + 'end."""\n\nimport numpy as np\n']
    defs = [["def f(x, y=-1, act=np.tanh, z=None):", '    """grad of f with respect to x."""',
             "    return x"],
            ["def g():", '    """' + "long " * 30 + 'end."""', "    return 1.5"],
            ["def h(a):", "    b = a * (-2.5)", "    return b"]]
    for head in heads:
        assert printer._head_settled(head)
        assert printer._black(head) == head
    for lines in defs:
        assert printer._header_settled(lines)
        assert printer._black("\n".join(lines) + "\n") == "\n".join(lines) + "\n"
    assert not printer._head_settled('"""Doc """\n\nimport numpy as np\n')
    assert not printer._header_settled(["def f(x,):", "    return x"])
    assert not printer._header_settled(["def f(x):", '    """Doc\\n."""', "    return x"])
    assert not printer._header_settled(["def f(x):", "    x = (x)"])
