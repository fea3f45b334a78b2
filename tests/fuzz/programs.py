"""Random programs of the Python subset s2sad reads, as module source text.

``generate(chooser)`` writes a module with helper functions, closure factories and an
entry ``f(x)`` or ``f(x, t)`` (``x`` a float vector of length ``N``, ``t`` a float) that
returns a scalar. It mixes straight-line NumPy, nested ``if``/``for``/``while`` with small
trip counts, ``break``/``continue``/early ``return``, subscript stores (``a[i] = ...``,
``a[1:] += ...``), comprehensions, nested ``def``s and lambdas closing over variables, and
calls of the helpers. Every program runs without error on inputs in ``[-1, 1]``: the
generator tracks which names hold scalars, vectors and small ints, keeps ``sqrt``/``log``
arguments positive and ``exp`` arguments bounded, and only mutates arrays it made (never
a view of the caller's ``x``).

``programs()`` is the hypothesis strategy; ``random_program(seed)`` the same generator on
``random.Random`` for long runs.
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass, field

import numpy as np

N = 3  # length of every vector in a program


# --------------------------------------------------------------------------- choosers


class RandomChooser:
    """Decisions from a seeded ``random.Random``."""

    def __init__(self, seed: int):
        self.rng = random.Random(seed)

    def integer(self, lo: int, hi: int) -> int:
        return self.rng.randint(lo, hi)

    def choice(self, options):
        return options[self.integer(0, len(options) - 1)]

    def coin(self, percent: int = 50) -> bool:
        return self.integer(0, 99) < percent


class DrawChooser(RandomChooser):
    """Decisions drawn by hypothesis (they shrink toward the first option and toward 0)."""

    def __init__(self, draw):
        from hypothesis import strategies as st

        self.draw, self.st = draw, st

    def integer(self, lo: int, hi: int) -> int:
        return self.draw(self.st.integers(lo, hi))


# --------------------------------------------------------------------------- programs


@dataclass
class Program:
    """A generated module: ``source`` defines ``f``; ``args`` are its inputs."""

    source: str
    args: tuple
    argnums: int | tuple[int, ...] = 0
    seed: int | None = None
    eager: str | None = None  # the source with `&`/`|` for short-circuit conditions

    def without_short_circuits(self) -> "Program | None":
        """The same program with eager conditions, or None if it has no short circuit."""
        if self.eager is None or self.eager == self.source:
            return None
        return Program(self.eager, self.args, self.argnums, self.seed)

    def describe(self) -> str:
        return f"# args = {self.args!r}\n# argnums = {self.argnums!r}\n{self.source}"


@dataclass
class Var:
    name: str
    kind: str  # "s" scalar | "v" vector | "i" small int (an index, < bound)
    fresh: bool = False  # a vector this program made: may be mutated in place
    bound: int = N
    writable: bool = True  # False inside a nested def for the enclosing scope's names


@dataclass
class Func:
    """A function value an expression may call: ``name(arg)`` maps kind ``arg`` to ``out``."""

    name: str
    arg: str
    out: str
    fresh_out: bool = True


@dataclass
class Scope:
    vars: dict[str, Var] = field(default_factory=dict)
    funcs: list[Func] = field(default_factory=list)
    loop: bool = False  # break/continue allowed
    returns: str | None = "s"  # the kind an early ``return`` gives (None: no early return)

    def copy(self, **changes) -> "Scope":
        out = Scope(dict(self.vars), list(self.funcs), self.loop, self.returns)
        for k, v in changes.items():
            setattr(out, k, v)
        return out

    def of(self, kind: str) -> list[Var]:
        return [v for v in self.vars.values() if v.kind == kind]


# elementwise maps, safe for any finite argument; {0} is the argument
UNARY = ["np.sin({0})", "np.cos({0})", "np.tanh({0})", "np.exp(np.sin({0}))",
         "np.sqrt(1.0 + {0} * {0})", "np.log(1.0 + {0} ** 2)", "({0}) ** 2", "-({0})",
         "np.arctan({0})", "1.0 / (1.5 + np.sin({0}))", "np.abs({0})", "np.square({0})",
         "np.sinh(np.sin({0}))", "np.log1p(np.exp(np.cos({0})))", "np.cbrt(2.0 + np.tanh({0}))"]
SCALAR_ONLY = ["math.sin({0})", "math.exp(math.tanh({0}))", "abs({0})",
               "math.sqrt(2.0 + math.cos({0}))"]
BINARY = ["({0} + {1})", "({0} - {1})", "({0} * {1})", "({0} / (2.0 + np.sin({1})))",
          "np.maximum({0}, {1})", "np.minimum({0}, {1})", "np.hypot({0}, 1.0 + {1} ** 2)",
          "np.arctan2({0}, 2.0 + np.cos({1}))"]
REDUCE = ["np.sum({0})", "np.mean({0})", "np.dot({0}, {1})", "({0} @ {1})", "np.max({0})",
          "np.min({0})", "{0}.sum()", "np.prod(np.tanh({0}))", "np.linalg.norm({0} + 2.0)",
          "np.std({0} + np.arange(3.0))", "sum({0})"]
REORDER = ["{0}[::-1]", "np.roll({0}, 1)", "np.cumsum({0})",
           "np.concatenate([{0}[1:], {0}[:1]])", "np.sort({0})", "({0} * np.arange(1.0, 4.0))",
           "np.flip({0})", "np.clip({0}, -0.5, 0.5)", "np.where({0} > 0.1, {0}, 0.5 * {0})",
           "np.append({0}[:2], 1.0)"]
CONST = ["0.5", "1.5", "2.0", "-0.3", "0.1"]


class Generator:
    """One program. ``budget`` bounds the statements; depths bound nesting."""

    def __init__(self, ch: RandomChooser, most: int = 14):
        self.ch = ch
        self.counter = 0
        self.lines: list[str] = []
        self.budget = ch.integer(min(3, most), most)
        self.module_funcs: list[Func] = []
        self.alts: dict[str, tuple[str, str]] = {}

    # ------------------------------------------------------------------ names and text
    def fresh_name(self, prefix: str) -> str:
        self.counter += 1
        return f"{prefix}{self.counter}"

    def put(self, indent: int, text: str) -> None:
        self.lines.append("    " * indent + text)

    # ------------------------------------------------------------------ expressions
    def expr(self, kind: str, sc: Scope, depth: int) -> tuple[str, bool]:
        """An expression of ``kind`` ("s" or "v") and whether it is a fresh array."""
        if kind == "s":
            return self.scalar(sc, depth), True
        return self.vector(sc, depth)

    def leaf_scalar(self, sc: Scope) -> str:
        options = [v.name for v in sc.of("s")]
        pick = self.ch.integer(0, 9)
        if pick < 2 or not (options or sc.of("v")):
            return self.ch.choice(CONST)
        if pick < 4 and sc.of("v"):
            vec = self.ch.choice(sc.of("v")).name
            ints = [v for v in sc.of("i") if v.bound <= N]
            index = self.ch.choice(ints).name if ints and self.ch.coin(40) else str(
                self.ch.integer(-N, N - 1))
            return f"{vec}[{index}]"
        if pick < 5 and sc.of("i"):
            return f"(0.5 * {self.ch.choice(sc.of('i')).name})"
        if not options:
            return self.ch.choice(CONST)
        return self.ch.choice(options)

    def scalar(self, sc: Scope, depth: int) -> str:
        if depth <= 0 or self.ch.coin(25):
            return self.leaf_scalar(sc)
        d = depth - 1
        pick = self.ch.integer(0, 11)
        if pick <= 2:
            return self.ch.choice(UNARY + SCALAR_ONLY).format(self.scalar(sc, d))
        if pick <= 4:
            return self.ch.choice(BINARY).format(self.scalar(sc, d), self.scalar(sc, d))
        if pick <= 6 and sc.of("v"):
            return self.ch.choice(REDUCE).format(_atom(self.vector(sc, d)[0]),
                                                 _atom(self.vector(sc, d)[0]))
        if pick == 7:
            a, b, c = self.scalar(sc, d), self.scalar(sc, d), self.cond(sc, d)
            return f"({a} if {c} else {b})"
        if pick == 8 and sc.of("v"):  # a generator expression over a vector
            v = self.fresh_name("e")
            inner = sc.copy()
            inner.vars[v] = Var(v, "s", writable=False)
            return f"sum({self.scalar(inner, d)} for {v} in {self.vector(sc, d)[0]})"
        if pick == 9 and sc.of("v"):
            return f"np.where({self.cond(sc, d)}, {self.scalar(sc, d)}, {self.scalar(sc, d)})"
        funcs = [fn for fn in sc.funcs if fn.out == "s"]
        if pick >= 10 and funcs:
            fn = self.ch.choice(funcs)
            return f"{fn.name}({self.expr(fn.arg, sc, d)[0]})"
        return self.ch.choice(UNARY).format(self.leaf_scalar(sc))

    def vector(self, sc: Scope, depth: int) -> tuple[str, bool]:
        names = sc.of("v")
        if depth <= 0 or self.ch.coin(25):
            if names:
                return self.ch.choice(names).name, False
            return f"np.full({N}, {self.leaf_scalar(sc)})", True
        d = depth - 1
        pick = self.ch.integer(0, 10)
        if pick <= 2:
            return self.ch.choice(UNARY).format(self.vector(sc, d)[0]), True
        if pick <= 4:
            a, b = self.vector(sc, d)[0], self.vector(sc, d)[0]
            if self.ch.coin(40):
                b = self.scalar(sc, d)
                a, b = (b, a) if self.ch.coin() else (a, b)
            return self.ch.choice(BINARY).format(a, b), True
        if pick <= 6:
            text = self.ch.choice(REORDER).format(_atom(self.vector(sc, d)[0]))
            return text, not text.endswith("[::-1]")
        if pick == 7:
            return "np.array([" + ", ".join(self.scalar(sc, d) for _ in range(N)) + "])", True
        if pick == 8:  # a list comprehension
            v = self.fresh_name("e")
            inner = sc.copy()
            inner.vars[v] = Var(v, "s", writable=False)
            src = self.vector(sc, d)[0] if self.ch.coin() else f"range({N})"
            if src.startswith("range"):
                inner.vars[v] = Var(v, "i", bound=N, writable=False)
            return f"np.array([{self.scalar(inner, d)} for {v} in {src}])", True
        if pick == 9:
            c = self.cond(sc, d)
            return f"np.where({c}, {self.vector(sc, d)[0]}, {self.vector(sc, d)[0]})", True
        funcs = [fn for fn in sc.funcs if fn.out == "v"]
        if funcs:
            fn = self.ch.choice(funcs)
            return f"{fn.name}({self.expr(fn.arg, sc, d)[0]})", fn.fresh_out
        return self.ch.choice(UNARY).format(self.vector(sc, 0)[0]), True

    def cond(self, sc: Scope, depth: int) -> str:
        a, b = self.scalar(sc, min(depth, 1)), self.scalar(sc, min(depth, 1))
        pick = self.ch.integer(0, 5)
        if pick == 0:
            return f"{a} > {b}"
        if pick == 1:
            return f"{a} < {self.ch.choice(CONST)}"
        if pick == 2:
            return self.alt(f"-0.5 < {a} < 0.7", f"((-0.5 < {a}) & ({a} < 0.7))")
        if pick == 3:
            return self.alt(f"({a} > 0.0 and {b} < 0.3)", f"(({a} > 0.0) & ({b} < 0.3))")
        if pick == 4:
            return f"not ({a} >= {b})"
        return self.alt(f"({a} > 0.2 or {b} > 0.6)", f"(({a} > 0.2) | ({b} > 0.6))")

    def alt(self, short: str, plain: str) -> str:
        """A placeholder for a short-circuit condition (``and``, ``or``, ``a < b < c``) and
        its eager twin (``&``, ``|``): ``render`` writes one or the other everywhere."""
        key = f"\x00{len(self.alts)}\x00"
        self.alts[key] = (short, plain)
        return key

    def render(self, text: str, short: bool) -> str:
        while "\x00" in text:
            text = re.sub("\x00\\d+\x00", lambda m: self.alts[m.group(0)][0 if short else 1],
                          text)
        return text

    # ------------------------------------------------------------------ statements
    def block(self, sc: Scope, indent: int, depth: int, count: int) -> Scope:
        """Emit up to ``count`` statements; return the scope after them."""
        start = len(self.lines)
        for _ in range(count):
            if self.budget <= 0:
                break
            self.budget -= 1
            sc = self.statement(sc, indent, depth)
        if len(self.lines) == start:
            self.put(indent, "pass")
        return sc

    def statement(self, sc: Scope, indent: int, depth: int) -> Scope:
        pick = self.ch.integer(0, 15)
        nested = depth > 0
        if pick <= 3 or not nested and pick >= 9:
            return self.assign(sc, indent)
        if pick == 4:
            return self.augment(sc, indent)
        if pick == 5:
            return self.store(sc, indent)
        if pick == 6 and sc.loop:
            self.put(indent, f"if {self.cond(sc, 1)}:")
            self.put(indent + 1, self.ch.choice(["break", "continue"]))
            return sc
        if pick == 7 and sc.returns:
            self.put(indent, f"if {self.cond(sc, 1)}:")
            self.put(indent + 1, f"return {self.expr(sc.returns, sc, 2)[0]}")
            return sc
        if pick == 8:
            return self.local_function(sc, indent)
        if pick <= 10:
            return self.if_statement(sc, indent, depth)
        if pick <= 13:
            return self.for_statement(sc, indent, depth)
        return self.while_statement(sc, indent, depth)

    def assign(self, sc: Scope, indent: int) -> Scope:
        kind = self.ch.choice(["s", "v"])
        targets = [v for v in sc.of(kind) if v.writable]
        if targets and self.ch.coin(40):
            var = self.ch.choice(targets)
            text, fresh = self.expr(kind, sc, 3)
            if var.fresh and not fresh:
                text = f"np.copy({text})" if self.ch.coin() else f"{text} + 0.0"
            self.put(indent, f"{var.name} = {text}")
            return sc
        name = self.fresh_name("a" if kind == "v" else "s")
        text, fresh = self.expr(kind, sc, 3)
        if kind == "v" and not fresh and self.ch.coin(70):
            text, fresh = (f"{text}.copy()" if self.ch.coin() else f"np.array({text})"), True
        if kind == "s" and self.ch.coin(15) and sc.of("s"):  # tuple unpacking
            other = self.fresh_name("s")
            self.put(indent, f"{name}, {other} = {text}, {self.scalar(sc, 2)}")
            out = sc.copy()
            out.vars[name], out.vars[other] = Var(name, "s"), Var(other, "s")
            return out
        self.put(indent, f"{name} = {text}")
        out = sc.copy()
        out.vars[name] = Var(name, kind, fresh=fresh)
        return out

    def augment(self, sc: Scope, indent: int) -> Scope:
        scalars = [v for v in sc.of("s") if v.writable]
        vectors = [v for v in sc.of("v") if v.writable and v.fresh]
        op = self.ch.choice(["+=", "-=", "*="])
        if vectors and self.ch.coin():
            rhs = self.scalar(sc, 2) if self.ch.coin() else self.vector(sc, 2)[0]
            if op == "*=":
                rhs = f"np.tanh({rhs})"
            self.put(indent, f"{self.ch.choice(vectors).name} {op} {rhs}")
        elif scalars:
            rhs = self.scalar(sc, 2)
            if op == "*=":
                rhs = f"np.cos({rhs})"
            self.put(indent, f"{self.ch.choice(scalars).name} {op} {rhs}")
        else:
            return self.assign(sc, indent)
        return sc

    def store(self, sc: Scope, indent: int) -> Scope:
        vectors = [v for v in sc.of("v") if v.writable and v.fresh]
        if not vectors:
            name = self.fresh_name("a")
            start = self.ch.choice([f"np.zeros({N})", f"np.ones({N}) * {self.scalar(sc, 1)}"]
                                   + [f"{v.name}.copy()" for v in sc.of("v")]
                                   + [f"np.array({v.name})" for v in sc.of("v")])
            self.put(indent, f"{name} = {start}")
            sc = sc.copy()
            var = sc.vars[name] = Var(name, "v", fresh=True)
        else:
            var = self.ch.choice(vectors)
        ints = [v for v in sc.of("i") if v.bound <= N]
        index = self.ch.choice(ints).name if ints and self.ch.coin() else str(
            self.ch.integer(-N, N - 1))
        pick = self.ch.integer(0, 3)
        if pick == 0:
            self.put(indent, f"{var.name}[{index}] = {self.scalar(sc, 2)}")
        elif pick == 1:
            self.put(indent, f"{var.name}[{index}] += {self.scalar(sc, 2)}")
        elif pick == 2:
            other = _atom(self.vector(sc, 1)[0])
            rhs = self.ch.choice([self.scalar(sc, 2), f"{other}[:-1]", f"np.sin({other}[1:])"])
            self.put(indent, f"{var.name}[1:] {self.ch.choice(['+=', '-=', '='])} {rhs}")
        else:
            self.put(indent, f"{var.name}[:2] = {_atom(self.vector(sc, 1)[0])}[1:]")
        return sc

    def if_statement(self, sc: Scope, indent: int, depth: int) -> Scope:
        self.put(indent, f"if {self.cond(sc, 2)}:")
        then = self.block(sc, indent + 1, depth - 1, self.ch.integer(1, 3))
        arms = [then]
        if self.ch.coin(30):
            self.put(indent, f"elif {self.cond(sc, 1)}:")
            arms.append(self.block(sc, indent + 1, depth - 1, self.ch.integer(1, 2)))
        if self.ch.coin(60):
            self.put(indent, "else:")
            arms.append(self.block(sc, indent + 1, depth - 1, self.ch.integer(1, 3)))
        else:
            arms.append(sc)
        return _join(sc, arms)

    def for_statement(self, sc: Scope, indent: int, depth: int) -> Scope:
        body = sc.copy(loop=True)
        pick = self.ch.integer(0, 3)
        vectors = sc.of("v")
        i = self.fresh_name("i")
        if pick == 0 or not vectors:
            trips = self.ch.integer(1, N)
            self.put(indent, f"for {i} in range({trips}):")
            body.vars[i] = Var(i, "i", bound=trips, writable=False)
        elif pick == 1:
            e = self.fresh_name("e")
            self.put(indent, f"for {e} in {self.vector(sc, 1)[0]}:")
            body.vars[e] = Var(e, "s", writable=False)
        elif pick == 2:
            e = self.fresh_name("e")
            self.put(indent, f"for {i}, {e} in enumerate({self.vector(sc, 1)[0]}):")
            body.vars[i] = Var(i, "i", bound=N, writable=False)
            body.vars[e] = Var(e, "s", writable=False)
        else:
            e, g = self.fresh_name("e"), self.fresh_name("e")
            self.put(indent, f"for {e}, {g} in zip({self.vector(sc, 1)[0]}, "
                             f"{self.vector(sc, 1)[0]}):")
            body.vars[e], body.vars[g] = Var(e, "s", writable=False), Var(g, "s", writable=False)
        self.block(body, indent + 1, depth - 1, self.ch.integer(1, 3))
        return sc

    def while_statement(self, sc: Scope, indent: int, depth: int) -> Scope:
        w = self.fresh_name("w")
        trips = self.ch.integer(1, N)
        self.put(indent, f"{w} = 0")
        cond = f"{w} < {trips}"
        if self.ch.coin():
            c = self.cond(sc, 1)
            cond = self.alt(f"{cond} and {c}", f"({cond}) & ({c})")
        self.put(indent, f"while {cond}:")
        self.put(indent + 1, f"{w} += 1")
        body = sc.copy(loop=True)
        body.vars[w] = Var(w, "i", bound=trips + 1, writable=False)
        self.block(body, indent + 1, depth - 1, self.ch.integer(1, 3))
        return sc

    def local_function(self, sc: Scope, indent: int) -> Scope:
        """A nested def or lambda reading the enclosing scope (read-only there)."""
        name = self.fresh_name("g")
        arg, out = self.ch.choice(["s", "v"]), self.ch.choice(["s", "v"])
        p = self.fresh_name("p")
        inner = sc.copy(loop=False, returns=None)
        inner.vars = {k: Var(v.name, v.kind, v.fresh, v.bound, False) for k, v in sc.vars.items()}
        inner.vars[p] = Var(p, arg, writable=False)
        if self.ch.coin(35):
            self.put(indent, f"{name} = lambda {p}: {self.expr(out, inner, 2)[0]}")
        else:
            default = f", c{self.counter}={self.ch.choice(CONST)}" if self.ch.coin(20) else ""
            self.put(indent, f"def {name}({p}{default}):")
            saved, self.budget = self.budget, min(self.budget, 3)
            inner = self.block(inner, indent + 1, 1, self.ch.integer(0, 2))
            self.budget = saved
            self.put(indent + 1, f"return {self.expr(out, inner, 2)[0]}")
        out_sc = sc.copy()
        out_sc.funcs.append(Func(name, arg, out, fresh_out=False))
        return out_sc

    # ------------------------------------------------------------------ module level
    def helper(self) -> None:
        """A module-level function ``h(v, s)`` or ``h(s)``; later code may call it."""
        name = self.fresh_name("h")
        out = self.ch.choice(["s", "v"])
        sc = Scope(funcs=list(self.module_funcs), returns=out)
        p = self.fresh_name("p")
        arg = self.ch.choice(["s", "v"])
        sc.vars[p] = Var(p, arg, writable=False)
        self.put(0, f"def {name}({p}):")
        saved, self.budget = self.budget, self.ch.integer(1, 4)
        sc = self.block(sc, 1, 2, self.budget)
        self.budget = saved
        self.put(1, f"return {self.expr(out, sc, 3)[0]}")
        self.put(0, "")
        self.module_funcs.append(Func(name, arg, out, fresh_out=False))

    def factory(self) -> None:
        """``def mk(c): def inner(v[, c=c]): ...; return inner`` and ``k = mk(0.7)``."""
        mk, inner, k = self.fresh_name("mk"), self.fresh_name("inner"), self.fresh_name("k")
        kind = self.ch.choice(["s", "v"])
        sc = Scope(funcs=list(self.module_funcs))
        sc.vars["c"] = Var("c", "s", writable=False)
        sc.vars["q"] = Var("q", kind, writable=False)
        self.put(0, f"def {mk}(c):")
        if self.ch.coin():  # the default taken from the enclosing scope (issue 9)
            self.put(1, f"def {inner}(q, c=c):")
        else:
            self.put(1, f"def {inner}(q):")
        self.put(2, f"return {self.expr(kind, sc, 2)[0]}")
        self.put(1, f"return {inner}")
        self.put(0, "")
        self.put(0, f"{k} = {mk}({self.ch.choice(CONST)})")
        self.put(0, "")
        self.module_funcs.append(Func(k, kind, kind, fresh_out=False))

    def program(self) -> tuple[str, str, tuple[str, ...]]:
        """(source, the same with eager ``&``/``|`` for ``and``/``or``, parameters)."""
        self.lines = ["import math", "", "import numpy as np", "", ""]
        for _ in range(self.ch.integer(0, 2)):
            (self.factory if self.ch.coin(30) else self.helper)()
        params = ("x", "t") if self.ch.coin(30) else ("x",)
        sc = Scope(funcs=list(self.module_funcs))
        for p in params:
            sc.vars[p] = Var(p, "v" if p == "x" else "s", writable=p == "t")
        self.put(0, f"def f({', '.join(params)}):")
        sc = self.block(sc, 1, self.ch.integer(1, 3), self.budget)
        self.put(1, f"return {self.scalar(sc, 3)}")
        text = "\n".join(self.lines) + "\n"
        return self.render(text, True), self.render(text, False), params


def _atom(text: str) -> str:
    """``text`` safe to subscript or call a method on: ``(a + b)[1:]``, not ``a + b[1:]``."""
    return text if text.isidentifier() else f"({text})"


def _join(before: Scope, arms: list[Scope]) -> Scope:
    """The scope after an ``if``: names every arm binds (with the same kind), plus before's."""
    out = before.copy()
    for name, var in arms[0].vars.items():
        if name in out.vars:
            continue
        others = [a.vars.get(name) for a in arms[1:]]
        if all(o is not None and o.kind == var.kind for o in others):
            out.vars[name] = Var(name, var.kind, var.fresh and all(o.fresh for o in others))
    return out


def _args(params: tuple[str, ...], seed: int) -> tuple:
    rng = np.random.default_rng(seed)
    x = rng.uniform(-1.0, 1.0, N)
    return (x, float(rng.uniform(-1.0, 1.0))) if len(params) == 2 else (x,)


def build(ch: RandomChooser, seed: int, most: int = 14) -> Program:
    source, eager, params = Generator(ch, most).program()
    argnums = (0, 1) if len(params) == 2 else 0
    return Program(source, _args(params, seed), argnums, seed, eager)


def random_program(seed: int) -> Program:
    """The program of ``seed`` (the long run's generator)."""
    return build(RandomChooser(seed), seed)


def programs(most: int = 14):
    """The hypothesis strategy of programs of at most about ``most`` statements."""
    from hypothesis import strategies as st

    @st.composite
    def strategy(draw):
        seed = draw(st.integers(0, 2**16))
        return build(DrawChooser(draw), seed, most)

    return strategy()
