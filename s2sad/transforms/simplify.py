"""Simplifications that keep generated code small: known-tuple folding and dead code.

``fold_tuples``: ``p = (a, b); u = p[0]`` -> ``u = a`` when ``p`` is bound once.
``dead_code``: drop pure assignments whose target is never read (to a fixed point),
and empty branches/loops.
"""

from __future__ import annotations

import math
import operator
import re

import numpy as np

from .. import ir
from ..rules import registry
from .templates import substitute

IMPURE = {"_rt.append", "_rt.pop"}
SYNTAX = {"tuple", "list", "dict"}  # built by the printer, not called


def _defs(body) -> dict[str, int]:
    counts: dict[str, int] = {}
    for s in ir.walk(body):
        for t in ir.stmt_writes(s):
            counts[t] = counts.get(t, 0) + 1
    return counts


def fold_tuples(fn: ir.Function) -> ir.Function:
    counts = _defs(fn.body)
    known = {s.target: s.value.args for s in ir.walk(fn.body)
             if isinstance(s, ir.Assign) and isinstance(s.value, ir.Call)
             and s.value.func in ("tuple", "list") and counts.get(s.target) == 1
             and s.target not in fn.params}

    def fold(body):
        out = []
        for s in body:
            if isinstance(s, ir.Assign) and isinstance(s.value, ir.Subscript):
                v = s.value
                items = known.get(v.value.id) if isinstance(v.value, ir.Name) else None
                if (items is not None and len(v.index.items) == 1 and not v.index.is_tuple
                        and isinstance(v.index.items[0], ir.Const)
                        and isinstance(v.index.items[0].value, int)
                        and -len(items) <= v.index.items[0].value < len(items)):
                    s = ir.Assign(s.target, items[v.index.items[0].value], s.line)
            out.append(ir.map_bodies(s, fold))
        return tuple(out)

    return ir.replace(fn, body=fold(fn.body))


def _reads(body) -> set[str]:
    names: set[str] = set()
    for s in ir.walk(body):
        names |= ir.stmt_reads(s)
    return names


def _pure(e: ir.Expr) -> bool:
    """Whether dropping an unused ``e`` changes nothing: calls of code without a rule (random
    draws, I/O, methods of library objects) run exactly as often as the user's code runs them."""
    if isinstance(e, ir.UserCall):
        return False
    if isinstance(e, ir.Call):
        if e.func in IMPURE or e.func.startswith("np.random."):
            return False
        return (e.func in SYNTAX or e.func.startswith(("_rt.", "np."))
                or registry.find(e.func) is not None)
    return True


def dead_code(fn: ir.Function, cycles: bool = False) -> ir.Function:
    """Drop pure assignments whose target nothing reads, empty ``if``s and empty ``for``s
    whose target nothing reads, to a fixed point; then comments that describe nothing.
    ``cycles``: first, pure assignments whose value reaches no root (``_live_names``), so a
    value kept only by its own rebinding (``bx = bx + t``) goes too. Only for modules that
    are run, never differentiated again: a module an enclosing transform reads keeps its
    structure (its reverse sweep's placeholders and tape adjoints) as it was.

    A worklist over read counts: dropping a statement un-reads what it read, and a name
    whose count reaches zero puts its assignments on the list. Linear in the body (a chain
    of 10,000 dead assignments goes in one pass, not one pass per link).
    """
    nodes = _nodes(fn.body, None)
    every = list(_all_nodes(nodes))
    live = _live_names(every) if cycles else None
    for nd in every if cycles else ():  # values that reach no root, cycles included
        if isinstance(nd.stmt, ir.Assign) and nd.stmt.target not in live and _pure(nd.stmt.value):
            nd.alive = False
            if nd.parent is not None:
                nd.parent.real[nd.slot] -= 1
    every = [nd for nd in every if nd.alive]
    reads: dict[str, int] = {}
    defs: dict[str, list[_Node]] = {}
    for nd in every:
        for n in nd.reads:
            reads[n] = reads.get(n, 0) + 1
        target = _removable_target(nd.stmt)
        if target is not None:
            defs.setdefault(target, []).append(nd)
    work = every[::-1]
    while work:
        nd = work.pop()
        if nd.alive and _dead(nd, reads):
            nd.alive = False
            for n in nd.reads:
                reads[n] -= 1
                if reads[n] == 0:
                    work += defs.get(n, ())
            if nd.parent is not None:
                nd.parent.real[nd.slot] -= 1
                work.append(nd.parent)
    body = _rebuild(nodes)
    return ir.replace(fn, body=body) if body != fn.body else fn


def _live_names(every: list["_Node"]) -> set[str]:
    """The names whose values reach a root: what is returned, tested by a branch or loop,
    passed to an impure call, or read by a subscript assignment (kept always: it may
    write through an alias). By name, from the roots, so ``bx = bx + t`` alone keeps
    nothing alive (the count of reads ``dead_code`` keeps cannot see such a cycle)."""
    defs: dict[str, list[ir.Stmt]] = {}
    live: set[str] = set()
    work: list[str] = []

    def mark(names) -> None:
        for n in names:
            if n not in live:
                live.add(n)
                work.append(n)

    for nd in every:
        s = nd.stmt
        if isinstance(s, ir.Assign) and _pure(s.value):
            defs.setdefault(s.target, []).append(s)
        elif not isinstance(s, ir.Comment):
            mark(nd.reads)
    while work:
        for s in defs.get(work.pop(), ()):
            mark(ir.names_read(s.value))
    return live


class _Node:
    """One statement of a body being swept by ``dead_code`` (mutable, with its parent)."""

    __slots__ = ("stmt", "parent", "slot", "alive", "reads", "bodies", "real")

    def __init__(self, stmt: ir.Stmt, parent: "_Node | None", slot: int):
        self.stmt, self.parent, self.slot, self.alive = stmt, parent, slot, True
        self.reads = ir.stmt_reads(stmt)
        self.bodies = [_nodes(b, self, i) for i, b in enumerate(_bodies(stmt))]
        self.real = [sum(not isinstance(c.stmt, ir.Comment) for c in b) for b in self.bodies]


def _bodies(s: ir.Stmt) -> tuple:
    """The nested bodies of a statement, in ``ir.map_bodies`` order."""
    if isinstance(s, ir.If):
        return (s.body, s.orelse)
    if isinstance(s, ir.For):
        return (s.body,)
    if isinstance(s, ir.While):
        return (s.test_body, s.body)
    return ()


def _nodes(body, parent: _Node | None, slot: int = 0) -> list[_Node]:
    return [_Node(s, parent, slot) for s in body]


def _all_nodes(nodes: list[_Node]):
    for nd in nodes:
        yield nd
        for b in nd.bodies:
            yield from _all_nodes(b)


def _removable_target(s: ir.Stmt) -> str | None:
    """The name whose last read makes ``s`` dead: a pure assignment's target, a loop's."""
    if isinstance(s, ir.Assign) and _pure(s.value):
        return s.target
    return s.target if isinstance(s, ir.For) else None


def _dead(nd: _Node, reads: dict[str, int]) -> bool:
    s = nd.stmt
    if isinstance(s, ir.Assign):
        return not reads.get(s.target) and _pure(s.value)
    if isinstance(s, ir.If):
        return not any(nd.real)
    if isinstance(s, ir.For):
        return not nd.real[0] and not reads.get(s.target)
    return False


def _rebuild(nodes: list[_Node]) -> tuple:
    out = []
    for nd in nodes:
        if nd.alive:
            bodies = iter([_rebuild(b) for b in nd.bodies])
            out.append(ir.map_bodies(nd.stmt, lambda _: next(bodies)))
    # a comment followed by nothing it describes goes too
    return tuple(x for i, x in enumerate(out) if not (
        isinstance(x, ir.Comment) and (i + 1 == len(out) or isinstance(out[i + 1], ir.Comment))))


# the compiler's temporaries: values, adjoints (_bt), tangents (_dt, _dbt), lifted operands
_TEMP = re.compile(r"_(d?b?t|l)\d+$")
_PLAIN = re.compile(r"_t\d+$")
_NAMED = ("_bt", "_dt", "_dbt")  # names that say what a value is: kept over a plain _t


def propagate_copies(fn: ir.Function) -> ir.Function:
    """``_t14 = _t5; _bt5 = 2 * _t14`` -> ``_bt5 = 2 * _t5``: a temporary bound once to a copy
    of a name is read as that name, where the two hold the same object wherever the
    temporary is read: the source is a parameter never rebound, or is bound once itself,
    at the top level or directly before the copy (a loop rebinds both, one after the
    other, with no read in between). Python copies alias, so no value changes."""
    counts = _defs(fn.body)

    def stable(name: str) -> bool:
        return counts.get(name) == 1 or (name in fn.params and name not in counts)

    rename: dict[str, ir.Name] = {}

    def find(body, top: bool):
        prev = None
        for s in body:
            if (isinstance(s, ir.Assign) and isinstance(s.value, ir.Name) and _TEMP.match(s.target)
                    # an adjoint's name over a plain temporary's (``coalesce_copies`` merges
                    # ``_t12 = expr; _bt10 = _t12``)
                    and not (s.target.startswith(_NAMED) and _PLAIN.match(s.value.id))
                    and counts.get(s.target) == 1 and s.target not in fn.params
                    and stable(s.value.id) and (top or s.value.id in fn.params or (
                        isinstance(prev, ir.Assign) and prev.target == s.value.id))):
                rename[s.target] = rename.get(s.value.id, s.value)
            for b in _bodies(s):
                find(b, False)
            prev = s

    find(fn.body, True)
    if not rename:
        return fn

    def sweep(body):
        out = []
        for s in body:
            if isinstance(s, ir.Assign) and s.target in rename:
                continue
            out.append(ir.map_bodies(_renamed(s, rename), sweep))
        return tuple(out)

    return ir.replace(fn, body=sweep(fn.body))


def _renamed(s: ir.Stmt, rename: dict[str, ir.Name]) -> ir.Stmt:
    """``s`` reading ``rename[n]`` for each name ``n`` it reads itself."""
    if not ir.stmt_reads(s) & rename.keys():
        return s
    atom = lambda a: rename.get(a.id, a) if isinstance(a, ir.Name) else a  # noqa: E731
    if isinstance(s, ir.Assign):
        return ir.replace(s, value=substitute(s.value, rename))
    if isinstance(s, ir.ExprStmt):
        return ir.replace(s, value=substitute(s.value, rename))
    if isinstance(s, ir.SetItem):
        index = substitute(ir.Subscript(ir.Name(s.target), s.index), rename)
        return ir.replace(s, target=index.value.id, index=index.index, value=atom(s.value))
    if isinstance(s, ir.If):
        return ir.replace(s, test=atom(s.test))
    if isinstance(s, ir.For):
        return ir.replace(s, start=atom(s.start), stop=atom(s.stop), step=atom(s.step))
    if isinstance(s, ir.While):
        return ir.replace(s, test=atom(s.test))
    if isinstance(s, ir.Return):
        return ir.replace(s, value=atom(s.value))
    return s


# operations whose result is a new value: never a view, never one of their operands
_NEW_ARRAY = frozenset({"add", "sub", "mul", "truediv", "neg", "pow", "matmul", "np.matmul",
                        "np.dot", "_rt.ct_mul"})


def makes_new_array(v) -> bool:
    """``v`` is arithmetic or a NumPy ufunc: its value is a new array (or number)."""
    return isinstance(v, ir.Call) and not v.kwargs and (v.func in _NEW_ARRAY or (
        v.func.startswith("np.") and isinstance(getattr(np, v.func[3:], None), np.ufunc)))


def may_write_in_place(fn: ir.Function) -> bool:
    """Whether ``fn`` may change an array in place: a subscript assignment, or a call that
    is not a pure primitive (a user function, a method of a library object), which may
    write into an array it is passed. Where it may, two names must not share one array."""
    return any(isinstance(s, ir.SetItem) or (
        isinstance(s, (ir.Assign, ir.ExprStmt)) and not _pure(s.value)
        and not (isinstance(s.value, ir.Call) and s.value.func in IMPURE))
        for s in ir.walk(fn.body))


def common_subexpressions(fn: ir.Function) -> ir.Function:
    """``_t13 = da * a; _t14 = da * a`` -> ``_t14 = _t13``: a value computed again in the
    same body, from operands not rebound in between, is the first one (``propagate_copies``
    then reads it through). Arithmetic and NumPy ufuncs only, which make new arrays, and
    only in a function that updates no array in place (``may_write_in_place``): the two
    names then hold one array that nobody changes, so sharing it changes no value."""
    if may_write_in_place(fn):
        return fn
    counts = _defs(fn.body)

    def key(v):
        if not makes_new_array(v) or not all(isinstance(a, (ir.Name, ir.Const))
                                             for a in v.args):
            return None
        # a constant by type and spelling: ``Const(2) == Const(2.0)`` and
        # ``Const(0.0) == Const(-0.0)``, but ``i * 2`` and ``i * 2.0`` differ in dtype
        return v.func, tuple((type(a.value), repr(a.value)) if isinstance(a, ir.Const) else a
                             for a in v.args)

    def sweep(body):
        seen: dict[tuple, str] = {}  # value -> the name that holds it
        uses: dict[str, list[tuple]] = {}  # name -> the values that involve it
        out = []
        for s in body:
            if isinstance(s, ir.Assign):
                k = key(s.value)
                held = seen.get(k) if k is not None else None
                if held is not None and counts.get(held) == 1 and held != s.target:
                    s = ir.Assign(s.target, ir.Name(held), s.line)
                written = {s.target}
            else:
                written = {t for x in ir.walk((s,)) for t in ir.stmt_writes(x)}
                s = ir.map_bodies(s, sweep)
            # a rebound name invalidates what was computed from it, and what it held
            for name in written:
                for k in uses.pop(name, ()):
                    seen.pop(k, None)
            k = key(s.value) if isinstance(s, ir.Assign) else None
            if k is not None and s.target not in ir.names_read(s.value) and k not in seen:
                seen[k] = s.target
                for n in {s.target} | {a.id for a in k[1] if isinstance(a, ir.Name)}:
                    uses.setdefault(n, []).append(k)
            out.append(s)
        return tuple(out)

    return ir.replace(fn, body=sweep(fn.body))


def coalesce_copies(fn: ir.Function) -> ir.Function:
    """``_t5 = expr; bx = _t5`` -> ``bx = expr`` when ``_t5`` is a temporary read only there."""
    reads: dict[str, int] = {}
    for s in ir.walk(fn.body):
        names = list(ir.stmt_reads(s))
        if isinstance(s, ir.Assign):
            names = [a.id for a in ir.atoms_of(s.value) if isinstance(a, ir.Name)]
        for n in names:
            reads[n] = reads.get(n, 0) + 1
    counts = _defs(fn.body)

    def merge(body):
        out: list[ir.Stmt] = []
        for s in body:
            s = ir.map_bodies(s, merge)
            prev = out[-1] if out else None
            if (isinstance(s, ir.Assign) and isinstance(s.value, ir.Name)
                    and isinstance(prev, ir.Assign) and prev.target == s.value.id
                    and _TEMP.match(prev.target) and reads.get(prev.target) == 1
                    and counts.get(prev.target) == 1 and s.target not in ir.names_read(prev.value)):
                out[-1] = ir.Assign(s.target, prev.value, prev.line)
                continue
            out.append(s)
        return tuple(out)

    return ir.replace(fn, body=merge(fn.body))


def drop_repeated_comments(fn: ir.Function) -> ir.Function:
    """Keep one ``# line N`` comment per run of statements from the same user line."""

    def sweep(body):
        out, last = [], None
        for s in body:
            if isinstance(s, ir.Comment):
                if s.text == last:
                    continue
                last = s.text
            s = ir.map_bodies(s, sweep)
            if isinstance(s, (ir.If, ir.For, ir.While)):
                last = None
            out.append(s)
        return tuple(out)

    return ir.replace(fn, body=sweep(fn.body))


_FOLD = {"add": operator.add, "sub": operator.sub, "mul": operator.mul,
         "truediv": operator.truediv, "pow": operator.pow, "neg": operator.neg}


def fold_constants(fn: ir.Function) -> ir.Function:
    """Evaluate arithmetic on literals and strength-reduce small powers.

    ``_t3 = 2 - 1; _t4 = x ** _t3`` -> ``_t4 = x``; ``y = x ** 2`` -> ``y = x * x``;
    ``_rt.pow_base(x, 2)`` -> ``x``; ``_t7 = -g; _t8 = _t7 * 0.5`` -> ``_t8 = g * -0.5``
    (one array operation fewer; a sign flip is exact).
    """
    counts = _defs(fn.body)
    known: dict[str, ir.Const] = {}
    reads = _read_counts(fn)
    negated = _single_use(fn, counts, reads, _negation)
    scaled = _single_use(fn, counts, reads, _scaling)
    flipped = _flips(fn, negated, scaled)
    private = _single_use(fn, counts, reads, lambda v: makes_new_array(v) or None)

    def value(a):
        return known.get(a.id, a) if isinstance(a, ir.Name) else a

    def rewrite(e):
        if not isinstance(e, ir.Call) or e.kwargs:
            return e
        args = tuple(value(a) if isinstance(a, (ir.Name, ir.Const)) else a for a in e.args)
        e = ir.Call(e.func, args, e.kwargs)
        if e.func in _FOLD and all(isinstance(a, ir.Const) and type(a.value) in (int, float)
                                   for a in args):
            try:
                return ir.Const(_FOLD[e.func](*(a.value for a in args)))
            except (ArithmeticError, ValueError):
                return e
        if e.func == "pow" and isinstance(args[1], ir.Const) and type(args[1].value) in (
                int, float):
            if args[1].value == 1:
                return args[0]
            if args[1].value == 2:
                return ir.Call("mul", (args[0], args[0]))
        if e.func in ("add", "sub") and len(args) == 2 and _in(args[1], negated):
            return ir.Call("sub" if e.func == "add" else "add", (args[0], negated[args[1].id]))
        if e.func == "add" and len(args) == 2 and _in(args[0], negated):
            return ir.Call("sub", (args[1], negated[args[0].id]))
        if e.func == "mul" and len(args) == 2:
            for k in (0, 1):
                if _number(args[k]) and args[k].value == 1 and _in(args[1 - k], private):
                    return args[1 - k]  # a new array nothing else reads: itself
        if e.func == "neg" and len(args) == 1 and _in(args[0], scaled):
            y, c = scaled[args[0].id]
            return ir.Call("mul", (y, ir.Const(-c.value)))
        if e.func == "mul" and len(args) == 2:
            for k in (0, 1):
                a, c = args[k], args[1 - k]
                if _in(a, negated) and _number(c):
                    return ir.Call("mul", (negated[a.id], ir.Const(-c.value)))
                if _in(a, scaled) and _number(c) and _exact_product(scaled[a.id][1], c):
                    y, c0 = scaled[a.id]
                    return ir.Call("mul", (y, ir.Const(c0.value * c.value)))
                if _in(a, negated) and _in(c, flipped):  # -n * (k * y) -> n * (-k * y)
                    return ir.Call("mul", (negated[a.id], c) if k == 0 else (c, negated[a.id]))
        if e.func == "_rt.pow_base" and isinstance(args[1], ir.Const) and type(
                args[1].value) in (int, float) and args[1].value != 0:
            return args[0]  # the base itself wherever the exponent is not 0
        return e

    def sweep(body):
        out = []
        for s in body:
            if isinstance(s, ir.Assign) and s.target in flipped:
                y, c = scaled[s.target]
                s = ir.Assign(s.target, ir.Call("mul", (y, ir.Const(-c.value))), s.line)
            elif isinstance(s, ir.Assign):
                s = ir.Assign(s.target, rewrite(s.value), s.line)
                if (isinstance(s.value, ir.Const) and counts.get(s.target) == 1
                        and s.target.startswith("_") and s.target not in fn.params):
                    known[s.target] = s.value
            out.append(ir.map_bodies(s, sweep))
        return tuple(out)

    return ir.replace(fn, body=sweep(fn.body))


def _read_counts(fn: ir.Function) -> dict[str, int]:
    """How many times each name is read (each occurrence in an expression counts)."""
    reads: dict[str, int] = {}
    for st in ir.walk(fn.body):
        for a in (ir.atoms_of(st.value) if isinstance(st, (ir.Assign, ir.ExprStmt, ir.Return))
                  else ()):
            if isinstance(a, ir.Name):
                reads[a.id] = reads.get(a.id, 0) + 1
        for n in ir.stmt_reads(st) if not isinstance(st, (ir.Assign, ir.ExprStmt,
                                                          ir.Return)) else ():
            reads[n] = reads.get(n, 0) + 1
    return reads


def _single_use(fn: ir.Function, counts: dict[str, int], reads: dict[str, int], match) -> dict:
    """``t -> match(t's value)`` for each temporary bound once and read once (so its reader
    may take over the operation and ``dead_code`` drop ``t``)."""
    out = {}
    for body in _blocks(fn.body):
        for i, st in enumerate(body):
            if (isinstance(st, ir.Assign) and isinstance(st.value, ir.Call)
                    and not st.value.kwargs and counts.get(st.target) == 1
                    and reads.get(st.target) == 1 and st.target.startswith("_")
                    and st.target not in fn.params):
                m = match(st.value)
                if m is not None and _unchanged_until_read(body, i, st):
                    out[st.target] = m
    return out


def _blocks(body):
    """Every body of statements: the function's and each nested one."""
    yield body
    for s in body:
        for b in _bodies(s):
            yield from _blocks(b)


def _unchanged_until_read(body, i: int, st: ir.Assign) -> bool:
    """``st = body[i]``'s target is read by a later statement of the same body (itself, not
    one nested in it), and nothing between rebinds a name ``st`` reads: the reader may
    compute ``st``'s value itself."""
    used = ir.names_read(st.value)
    for later in body[i + 1:]:
        if not isinstance(later, ir.Comment) and st.target in ir.stmt_reads(later):
            return not any(_bodies(later)) or isinstance(later, ir.Assign)
        if any(used & ir.stmt_writes(x) for x in ir.walk((later,))):
            return False
    return False


def _negation(v: ir.Call):
    """``-a``: ``a``."""
    if v.func == "neg" and len(v.args) == 1 and isinstance(v.args[0], ir.Name):
        return v.args[0]
    return None


def _scaling(v: ir.Call):
    """``k * y`` or ``y * k`` with a literal number ``k``: ``(y, k)``."""
    if v.func == "mul" and len(v.args) == 2:
        for k in (0, 1):
            if _number(v.args[k]) and isinstance(v.args[1 - k], ir.Name):
                return v.args[1 - k], v.args[k]
    return None


def _flips(fn: ir.Function, negated: dict, scaled: dict) -> set[str]:
    """The scaled temporaries ``s = k * y`` multiplied by a negated one ``n = -a``: ``s``
    takes the sign (``-k * y``) and the product reads ``a``, one negation fewer."""
    out = set()
    for st in ir.walk(fn.body):
        if isinstance(st, ir.Assign) and isinstance(st.value, ir.Call) and (
                st.value.func == "mul" and len(st.value.args) == 2 and not st.value.kwargs):
            a, b = st.value.args
            for n, t in ((a, b), (b, a)):
                if _in(n, negated) and _in(t, scaled) and not _in(t, negated):
                    out.add(t.id)
                    break
    return out


def _in(a, table: dict) -> bool:
    return isinstance(a, ir.Name) and a.id in table


def _number(a) -> bool:
    return isinstance(a, ir.Const) and type(a.value) in (int, float)


def _exact_product(a: ir.Const, b: ir.Const) -> bool:
    """``(y * a) * b == y * (a * b)`` for every float ``y``: one factor is a power of two
    (short of overflow and underflow), so only one rounding happens either way."""
    def power_of_two(v):
        return v != 0 and math.isfinite(v) and abs(math.frexp(v)[0]) == 0.5 and abs(v) < 2.0**64

    return power_of_two(a.value) or power_of_two(b.value)


def release_dead(fn: ir.Function) -> ir.Function:
    """After each top-level statement, ``del`` the names nothing later reads.

    Generated code keeps every temporary in scope until it returns; on large
    arrays that means fresh memory (page faults) for each one. Releasing dead
    temporaries lets NumPy reuse their buffers, as hand-written code does.
    """
    body = list(fn.body)
    local = {t for x in ir.walk(fn.body) for t in ir.stmt_writes(x)}  # never a global's name
    later: set[str] = set()
    releases: list[tuple[str, ...]] = [()] * len(body)
    for i in range(len(body) - 1, -1, -1):
        s = body[i]
        reads = _reads((s,))
        for x in ir.walk((s,)):
            if isinstance(x, ir.Assign):
                reads |= ir.names_read(x.value)
        dead = sorted(n for n in reads - later if n in local and n not in fn.params
                      and isinstance(s, ir.Assign | ir.SetItem | ir.ExprStmt))
        releases[i] = tuple(dead)
        later |= reads
    out: list[ir.Stmt] = []
    for s, dead in zip(body, releases):
        out.append(s)
        if dead and not isinstance(s, ir.Return):
            out.append(ir.Release(dead, getattr(s, "line", 0)))
    return ir.replace(fn, body=tuple(out))
