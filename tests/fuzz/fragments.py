"""Random Python source, valid or not, built from fragments: the front-end fuzzer's input.

``source(chooser)`` writes a module defining ``f(x)`` (``x`` a float vector of length 3)
from statements of every kind: what s2sad reads and what it refuses (classes, ``async``,
``global``/``nonlocal``, ``yield``, ``try``, walrus, ``match``, decorators, star-args,
slices, f-strings, chained comparisons, deep nesting). Much of it is nonsense at run
time; the fuzzer only looks at sources that compile and whose ``f(x)`` runs plainly.
"""

from __future__ import annotations

import numpy as np

from .programs import DrawChooser, RandomChooser

SAMPLE = np.array([0.3, -0.7, 0.55])

def _lines(text: str) -> list[str]:
    return [line for line in text.splitlines() if line.strip()]


# statements with no block, one a line; y: a float, z: a private copy of x, acc: a list.
# READS: what s2sad reads (or may refuse for a reason of its own); EXOTIC: what it refuses,
# odd Python, and code that fails at run time
READS = _lines("""
y = np.sin(y) + 1.0
y += np.sum(z ** 2)
z = z * y
z[0] = y
z[1:] += 0.5
z[::2] = z[::2] * 2.0
y = z[-1]
y = z[1:2].sum()
acc.append(y)
y = y + sum(acc)
y = (y if y > 0 else -y)
y = max(y, 0.1)
a, b = y, y * 2
y = [v * 2 for v in z][0]
y = {k: v for k, v in zip('abc', z)}['a']
print(f"{y:.3f} {z!r}")
assert y == y
y = y if 0 < y < 1 else y * 0.5
y = x.T @ z
y = float(y)
y = len(z) * y
y = np.float64(y)
z = np.array([y, y, y])
y = z.shape[0] * y
y = y ** 2 if isinstance(y, float) else y
pass
y = np.sum(x, keepdims=True)
y = sorted(z)[0]
y = [y][0:1][0]
y = z[None, :].sum()
y = z[..., 0]
y = x[np.argmax(x)]
y = y if y is not None else 0.0
y = 1 if 'a' in 'abc' else 2
y = y.real
y = abs(y)
y = round(y, 2)
y = y // 1.0
y = y % 1.0
y = -y
y = y and 1.0
y = obj.m(y)
y = obj.scale * y
y = C.k * y
y = G * y
y = h(y)
y = k(y)
y = np.where(z > 0, z, 0.0).sum()
y = np.dot(z, x)
y = sum(v * v for v in z)
y = math.sin(y)
y = np.maximum(y, 0.0)
y = np.linalg.norm(z)
z = np.concatenate([z, z])[:3]
y = x[::-1][0] * y
y = z[-2:][0]
y: float = 1.0
y = x @ x
y = dict(a=y)['a']
y = sorted([y, 1.0])[0]
y = tuple(z)[1]
z = z.copy()
y = y if callable(h) else 0.0
z = np.zeros_like(z) + y
y = np.mean(z) * len(acc)
acc = acc + [y]
y = acc[-1] if acc else y
y = x[0] if x.ndim == 1 else y
y = np.clip(y, -1, 1)
y = np.tanh(z).max()
y **= 2
y /= 2.0
y -= z[1]
z *= y
z += z[::-1]
y = z.sum(axis=0)
y = np.einsum('i,i->', z, z)
y = z.dot(z)
y = (z > 0).sum() * y
y = np.where(y > 0, y, -y)
z = np.append(z, y)[:3]
y = [a for a in range(3) if a > 1][0] * y
y = np.sum([v for v in z])
y = {v: v for v in range(2)}[1] * y
y = x.shape[0] * y
y = h(v=y)
y = np.hypot(y, 1.0) + np.arctan2(z[0], 2.0)
y = y * np.exp(np.sin(z)).prod()
y = np.cumsum(z)[-1] + y
z = np.roll(z, 1) * z
z = z[::-1].copy()
""")
EXOTIC = _lines("""
a, *rest = z
s = {1.0, 2.0}
y = (w := y + 1) * w
del a
global G
G = y
nonlocal y
import math
from math import sin
y = yield y
yield y
yield from z
raise ValueError('no')
...
y = 'abc'
y = y @ y
z = z.reshape(3, 1)
y = np.random.rand()
y = next(iter(z))
y = getattr(np, 'sin')(y)
y = eval('1.0')
y = (lambda *a: a[0])(y)
y = (lambda **k: k['a'])(a=y)
y = h(*[y])
y = h(**{'v': y})
y = type(y)(y)
y = not y
y = complex(y, 1).real
y = int(y)
y = ~int(y)
y = {**{'a': y}}['a']
y = [*z, y][-1]
y = (*z,)[0]
y = list(map(lambda v: v * 2, z))[0]
y = str(y) and y
acc[0:0] = [y]
y = y.__add__(1.0)
y = np.asarray(y).item()
z @= np.eye(3)
y = bool(y) * y
""")
SIMPLE = READS + EXOTIC

# expressions a function may return
RETURNS = ["y", "y", "y", "np.sum(z)", "z", "y, z", "None", "float(y)", "y * 2.0",
           "np.array(y)", "[y]", "(y,)", "acc", "{'a': y}", "y if y > 0 else -y", ""]

SIGNATURES = ["x"] * 8 + ["x, k=2.0", "x, *rest", "x, **kw", "x, /", "x, *, k=1.0",
                         "x: np.ndarray", "x=SAMPLE"]

PRELUDE = """import functools
import math

import numpy as np

SAMPLE = np.array([0.3, -0.7, 0.55])
G = 2.0


def h(v):
    return v * 2.0


def mk(c):
    def inner(v, c=c):
        return v * c
    return inner


k = mk(3.0)


class C:
    k = 0.5

    def __init__(self):
        self.scale = 1.5

    def m(self, v):
        return v * self.scale


obj = C()


def deco(fn):
    return fn


"""


class Source:
    def __init__(self, ch: RandomChooser):
        self.ch = ch
        self.lines: list[str] = []
        self.budget = ch.integer(2, 16)
        self.counter = 0

    def put(self, indent: int, text: str) -> None:
        for line in text.split("\n"):
            self.lines.append("    " * indent + line)

    def block(self, indent: int, depth: int, count: int) -> None:
        start = len(self.lines)
        for _ in range(count):
            if self.budget <= 0:
                break
            self.budget -= 1
            self.statement(indent, depth)
        if len(self.lines) == start:
            self.put(indent, "pass")

    def cond(self) -> str:
        return self.ch.choice(["y > 0", "0 < y < 1", "y", "z[0] > z[1]", "not acc",
                               "y > 0 and z[0] < 1", "len(acc) < 2", "y is not None",
                               "isinstance(y, float)", "np.all(z > -5)", "x[0] > 0 or y < 1"])

    def statement(self, indent: int, depth: int) -> None:
        pick = self.ch.integer(0, 19) if depth > 0 else 0
        if pick <= 9:
            self.put(indent, self.ch.choice(EXOTIC if self.ch.coin(15) else READS))
            return
        d = depth - 1
        if pick == 10:
            self.put(indent, f"if {self.cond()}:")
            self.block(indent + 1, d, self.ch.integer(1, 3))
            if self.ch.coin(30):
                self.put(indent, f"elif {self.cond()}:")
                self.block(indent + 1, d, 1)
            if self.ch.coin():
                self.put(indent, "else:")
                self.block(indent + 1, d, self.ch.integer(1, 2))
        elif pick == 11:
            self.counter += 1
            head = self.ch.choice([f"for i{self.counter} in range(3):", "for v in z:",
                                   "for i, v in enumerate(z):", "for v, u in zip(z, x):",
                                   "for v in z[1:]:", "for v in reversed(z):",
                                   "for (i, v) in enumerate(list(acc)):", "async for v in z:"])
            self.put(indent, head)
            self.block(indent + 1, d, self.ch.integer(1, 3))
            if self.ch.coin(15):
                self.put(indent, "else:")
                self.block(indent + 1, d, 1)
        elif pick == 12:
            self.counter += 1
            w = f"w{self.counter}"
            self.put(indent, f"{w} = 0")
            self.put(indent, f"while {w} < 3{' and ' + self.cond() if self.ch.coin() else ''}:")
            self.put(indent + 1, f"{w} += 1")
            self.block(indent + 1, d, self.ch.integer(0, 2))
            if self.ch.coin(10):
                self.put(indent, "else:")
                self.block(indent + 1, d, 1)
        elif pick == 13 and self.ch.coin(30):
            self.put(indent, "try:")
            self.block(indent + 1, d, self.ch.integer(1, 2))
            self.put(indent, self.ch.choice(["except Exception:", "except* ValueError:",
                                             "except (ValueError, TypeError) as e:",
                                             "finally:"]))
            self.block(indent + 1, d, 1)
        elif pick == 14:
            self.put(indent, self.ch.choice(["with np.errstate(all='ignore'):",
                                             "with open(__file__) as fh:",
                                             "async with lock:"]))
            self.block(indent + 1, d, self.ch.integer(1, 2))
        elif pick == 15 and self.ch.coin(30):
            self.put(indent, self.ch.choice(["match y:", "match z[0] > 0:"]))
            self.put(indent + 1, self.ch.choice(["case 0.0:", "case True:", "case [a, b]:",
                                                 "case float(q):"]))
            self.block(indent + 2, d, 1)
            self.put(indent + 1, "case _:")
            self.block(indent + 2, d, 1)
        elif pick == 16:
            self.nested_def(indent, d)
        elif pick == 17 and self.ch.coin(40):
            self.put(indent, self.ch.choice([
                "class D:\n    q = 1.0", "class D(C):\n    def m(self, v):\n        return v",
                "async def a():\n    await a()", "lam = lambda v, c=y: v * c",
                "lam = lambda *a: a", "lam = lambda v: (yield v)",
                "y = lam(y) if 'lam' in dir() else y",
                "type T = int", "@deco\ndef dd(v):\n    return v", "y = (lambda: y)()",
                "def gen():\n    yield y\ny = sum(gen())", "y = [q := v for v in z][0]",
            ]))
        else:
            self.put(indent, f"if {self.cond()}:")
            self.put(indent + 1, f"return {self.ch.choice(RETURNS)}")

    def nested_def(self, indent: int, depth: int) -> None:
        self.counter += 1
        name = f"g{self.counter}"
        if self.ch.coin(20):
            self.put(indent, self.ch.choice(["@deco", "@functools.lru_cache", "@staticmethod"]))
        params = self.ch.choice(["v", "v", "v", "v, c=2.0", "v, c=y", "v, *, c=1.0", "v=y",
                                 "v: float", "v, c=G", "v, c=np.pi"]
                                + (["*vs", "v, **kw"] if self.ch.coin(20) else []))
        self.put(indent, f"{'async ' if self.ch.coin(5) else ''}def {name}({params}):")
        if self.ch.coin(20):
            self.put(indent + 1, self.ch.choice(["nonlocal y", "global G", "nonlocal z"]))
        self.block(indent + 1, depth, self.ch.integer(0, 2))
        self.put(indent + 1, self.ch.choice(["return v * y", "return y", "return v", "return",
                                             "yield v", "return np.sin(v) + z[0]"]))
        arg = "vs" if params == "*vs" else "y"
        self.put(indent, self.ch.choice([f"y = {name}(y)", f"y = {name}({arg})",
                                         f"y = {name}(y) + {name}(z[0])",
                                         f"y = sum({name}(v) for v in z)",
                                         f"y = {name}"]))

    def module(self) -> str:
        self.lines = PRELUDE.splitlines()
        if self.ch.coin(10):
            self.put(0, self.ch.choice(["@deco", "@functools.wraps(h)", "@staticmethod"]))
        if self.ch.coin(5):
            self.put(0, "f = lambda x: np.sum(np.sin(x)) * G")
            return "\n".join(self.lines) + "\n"
        self.put(0, f"{'async ' if self.ch.coin(3) else ''}def f({self.ch.choice(SIGNATURES)}):")
        self.put(1, "y = float(np.sum(x))")
        self.put(1, "z = np.array(x, dtype=float)")
        self.put(1, "acc = []")
        self.block(1, self.ch.integer(1, 4), self.budget)
        returned = self.ch.choice(RETURNS[:4]) if self.ch.coin(80) else self.ch.choice(RETURNS)
        self.put(1, f"return {returned}")
        return "\n".join(self.lines) + "\n"


def random_source(seed: int) -> str:
    return Source(RandomChooser(seed)).module()


def sources():
    """The hypothesis strategy of sources."""
    from hypothesis import strategies as st

    @st.composite
    def strategy(draw):
        return Source(DrawChooser(draw)).module()

    return strategy()
