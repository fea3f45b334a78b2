"""Loop-invariant code motion on the user's IR, before any derivative transform.

A statement of a loop body that computes the same value in every step moves in front
of the loop: it runs once, and the reverse sweep neither tapes nor re-derives it per
step (its adjoint is summed over the loop and carried back once)::

    for _ in range(n):                      _t1 = 0.5 * dt
        _t1 = 0.5 * dt                      _t2 = -k
        _t2 = -k                            for _ in range(n):
        a = _t2 * x                             a = _t2 * x
        _t3 = _t1 * a                           _t3 = _t1 * a
        v = v + _t3                             v = v + _t3

What moves (the same operations, each computed once: the values are the loop's own):

* an assignment at the top level of the body (it runs in every step: never one inside
  an ``if`` of the loop), or of a ``while`` loop's test, whose target the function binds
  nowhere else, and whose operands the loop does not bind, update in place or delete;
* of a pure primitive (``registry``): arithmetic, comparisons, NumPy's elementwise
  functions defined on every number (``np.exp``, ``np.tanh``...), ``np.shape``/``np.ndim``/
  ``np.size``. Those cannot raise on numbers and arrays whose shapes broadcast (NumPy
  warns on overflow), so they may run before a loop that then runs no step. Primitives
  that can raise or leave their domain (``/`` by a name, ``**``, ``@``, reductions,
  ``np.linalg``, ``np.sqrt``, ``np.log``, subscripts) move only out of a loop whose
  constant bounds make it run; a ``while`` loop's test runs at least once, so anything
  pure moves out of it;
* never user calls, random draws, tape or list operations, ``print``...; never a value
  that the loop updates in place (nor one sharing memory with such a value,
  ``analysis.aliasing.may_share``): one array would then carry one step's update
  into the next.

Inner loops go first, so an invariant climbs as far out as it is invariant. Single
assignment holds: a moved target is still bound exactly once in the function.
"""

from __future__ import annotations

from .. import ir
from ..analysis.aliasing import may_share
from ..rules import registry

# cannot raise on numbers and arrays (of shapes that broadcast)
_ARITHMETIC = frozenset({"add", "sub", "mul", "neg", "pos", "lt", "le", "gt", "ge", "eq", "ne",
                         "np.shape", "np.ndim", "np.size", "np.absolute", "np.transpose"})
# pure, but may raise (ZeroDivisionError, OverflowError, shapes that do not match)
_MAY_RAISE = frozenset({"truediv", "floordiv", "mod", "pow", "matmul", "float", "getitem",
                        "np.zeros", "np.ones", "np.full", "np.eye", "np.identity", "np.arange",
                        "np.linspace", "np.zeros_like", "np.ones_like", "np.full_like"})
# NumPy's elementwise functions with a domain: outside it they give nan and warn ("invalid
# value"), an error under ``np.errstate(all="raise")``; moved only out of a loop that runs
_DOMAIN = frozenset({"np.sqrt", "np.log", "np.log10", "np.log2", "np.log1p", "np.arcsin",
                     "np.arccos", "np.arccosh", "np.arctanh", "np.reciprocal", "np.fmod",
                     "np.remainder"})
# calls that update their first argument in place (lists as tapes)
_UPDATES_FIRST = frozenset({"_rt.append", "_rt.pop"})
# calls without a rule that update none of their arguments (containers built by the printer)
_INERT = frozenset({"tuple", "list", "dict", "raise", "assert"})


def hoist(fn: ir.Function) -> ir.Function:
    """``fn`` with the loop-invariant statements of its loops moved in front of them."""
    if not any(isinstance(s, (ir.For, ir.While)) for s in ir.walk(fn.body)):
        return fn
    binds: dict[str, int] = {p: 1 for p in fn.params}
    for s in ir.walk(fn.body):
        for t in ir.stmt_writes(s):
            binds[t] = binds.get(t, 0) + 1
    shares = may_share(fn)
    body = _Hoister(binds, shares).body(fn.body)
    return fn if body == fn.body else ir.replace(fn, body=body)


class _Hoister:
    def __init__(self, binds: dict[str, int], shares: dict[str, set[str]]):
        self.binds, self.shares = binds, shares

    def body(self, body: tuple[ir.Stmt, ...]) -> tuple[ir.Stmt, ...]:
        out: list[ir.Stmt] = []
        for s in body:
            s = ir.map_bodies(s, self.body)  # inner loops first: their invariants come out here
            if isinstance(s, (ir.For, ir.While)):
                moved, s = self.loop(s)
                out += moved
            out.append(s)
        return tuple(out)

    def loop(self, loop: ir.For | ir.While) -> tuple[list[ir.Stmt], ir.Stmt]:
        """The statements that move in front of ``loop``, and what is left of it."""
        variant = _changed_in(loop)
        frozen = set()  # values updated in place here, and what shares memory with them
        for name in _updated_in(loop):
            frozen |= self.shares.get(name, set()) | {name}
        variant |= frozen
        moved: list[ir.Stmt] = []
        if isinstance(loop, ir.While):  # the test runs at least once
            test_body = self.take(loop.test_body, variant, frozen, True, moved)
            body = self.take(loop.body, variant, frozen, False, moved)
            return moved, ir.replace(loop, test_body=test_body, body=body)
        body = self.take(loop.body, variant, frozen, _runs(loop), moved)
        return moved, ir.replace(loop, body=body)

    def take(self, body, variant: set[str], frozen: set[str], runs: bool,
             moved: list[ir.Stmt]) -> tuple[ir.Stmt, ...]:
        """``body`` without its statements that may move (appended to ``moved``, in order);
        a moved target becomes invariant for the statements after it."""
        kept = []
        for s in body:
            if (isinstance(s, ir.Assign) and self.binds.get(s.target) == 1
                    and s.target not in frozen and not ir.names_read(s.value) & variant
                    and _movable(s.value, runs)):
                moved.append(s)
                variant.discard(s.target)
            else:
                kept.append(s)
        return tuple(kept)


def _movable(v: ir.Expr, runs: bool) -> bool:
    """Whether computing ``v`` once in front of the loop is the loop's own computation:
    pure, and unable to raise unless the loop surely ``runs``."""
    if isinstance(v, (ir.Name, ir.Const)):
        return True
    if isinstance(v, ir.Subscript):
        return runs  # pure; an index out of range raises
    if not isinstance(v, ir.Call):
        return False  # user calls: effects, and run as often as the user's code runs them
    if v.func in _ARITHMETIC or (v.func == "np.transpose" and len(v.args) == 1 and not v.kwargs):
        return True
    if v.func == "truediv" and _nonzero_constant(v.args[1]):
        return True  # x / 2.0 raises for no number x
    rule = registry.find(v.func)
    if (rule is not None and rule.kind == registry.ELEMENTWISE and v.func.startswith("np.")
            and v.func not in _DOMAIN):
        return True  # a number for every finite number (NumPy warns on overflow, never raises)
    return runs and (v.func in _MAY_RAISE or _pure_library_call(v.func, rule))


def _pure_library_call(func: str, rule) -> bool:
    """NumPy's and SciPy's differentiable functions compute a value from their arguments
    and nothing else (random draws have no such rule; ``_rt.*`` helpers are not moved)."""
    return (rule is not None and rule.kind in (registry.ELEMENTWISE, registry.GENERAL)
            and func.startswith(("np.", "scipy.")) and not func.startswith("np.random."))


def _nonzero_constant(a) -> bool:
    return isinstance(a, ir.Const) and type(a.value) in (int, float) and a.value != 0


def _runs(loop: ir.For) -> bool:
    """Whether a ``for`` loop surely runs a step (constant bounds, a non-empty range)."""
    bounds = (loop.start, loop.stop, loop.step)
    if not all(isinstance(b, ir.Const) and type(b.value) is int for b in bounds):
        return False
    return loop.step.value != 0 and len(range(*(b.value for b in bounds))) > 0


def _changed_in(loop: ir.Stmt) -> set[str]:
    """The names a loop (nested statements included) binds, updates in place or deletes."""
    names: set[str] = set()
    for s in ir.walk((loop,)):
        names |= ir.stmt_writes(s)
        if isinstance(s, ir.Release):
            names |= set(s.names)
    return names | _updated_in(loop)


def _updated_in(loop: ir.Stmt) -> set[str]:
    """The names whose memory a loop may update in place: subscript stores, tape pushes and
    pops, and the arguments of code whose effects s2sad does not know (user functions,
    library calls without a rule)."""
    names: set[str] = set()
    for s in ir.walk((loop,)):
        if isinstance(s, ir.SetItem):
            names.add(s.target)
        v = s.value if isinstance(s, (ir.Assign, ir.ExprStmt)) else None
        if isinstance(v, ir.Call) and v.func in _UPDATES_FIRST and v.args and isinstance(
                v.args[0], ir.Name):
            names.add(v.args[0].id)
        elif isinstance(v, ir.UserCall) or (isinstance(v, ir.Call) and v.func not in _INERT
                                            and registry.find(v.func) is None):
            names |= ir.names_read(v)
    return names
