"""A static estimate of what one call of generated code costs, for choices made at emission.

The unit is one arithmetic statement on Python floats (``y = x * k``: ~10-15 ns in
CPython 3.11). The other weights were measured on the scalar loops of
``tools/bench_scalar_loops.py`` and variants with two and three inputs, forward against
reverse mode: a copy 0.25, a tape push or pop 0.7, a loop trip 2, a branch test 0.5,
any other call (NumPy, a runtime helper) 3. The trip count of a loop is not known when
code is emitted; every loop is taken to run ``TRIPS`` times, the same guess for both
versions of one loop nest, so two emissions of one function compare fairly::

    for _ in range(n):        TRIPS * (2 + 1 + 0.25)     a trip, a product, a copy
        y = x * k
        x = y

Branches count their dearer arm; a call of a function of the same module counts that
function's own estimate.
"""

from __future__ import annotations

from .. import ir

TRIPS = 10
COPY, TAPE, TRIP, TEST, CALL = 0.25, 0.7, 2.0, 0.5, 3.0
ARITHMETIC = frozenset({"add", "sub", "mul", "truediv", "floordiv", "mod", "pow", "neg", "pos",
                        "lt", "le", "gt", "ge", "eq", "ne", "tuple", "list"})


def estimate(fn: ir.Function, module: dict[str, ir.Function]) -> float:
    """The estimated cost of one call of ``fn``; ``module``: the functions it may call."""
    return _Estimate(module).body(fn.body)


class _Estimate:
    def __init__(self, module: dict[str, ir.Function]):
        self.module = module
        self.callees: dict[str, float] = {}

    def body(self, body) -> float:
        return sum(self.stmt(s) for s in body)

    def stmt(self, s: ir.Stmt) -> float:
        if isinstance(s, ir.For):
            return TRIPS * (TRIP + self.body(s.body))
        if isinstance(s, ir.While):
            return TRIPS * (TRIP + self.body(s.test_body) + self.body(s.body))
        if isinstance(s, ir.If):
            return TEST + max(self.body(s.body), self.body(s.orelse))
        if isinstance(s, ir.Assign):
            return self.expr(s.value)
        if isinstance(s, (ir.ExprStmt, ir.SetItem)):
            return self.expr(s.value)
        return 0.0  # Return, comments, releases

    def expr(self, e: ir.Expr) -> float:
        if isinstance(e, (ir.Name, ir.Const)):
            return COPY
        if isinstance(e, ir.Subscript):
            return 1.0
        if isinstance(e, ir.UserCall):
            return CALL + self.callee(e.func)
        if e.func in ("_rt.append", "_rt.pop"):
            return TAPE
        return 1.0 if e.func in ARITHMETIC else CALL

    def callee(self, name: str) -> float:
        if name not in self.callees:
            self.callees[name] = 0.0  # a recursive call counts once
            fn = self.module.get(name)
            self.callees[name] = self.body(fn.body) if fn is not None else 0.0
        return self.callees[name]
