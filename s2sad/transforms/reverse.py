"""Reverse mode: a forward sweep that records, and a reverse sweep that accumulates adjoints.

For ``z = x * y`` the reverse sweep emits ``bx = _rt.unbroadcast(bz * y, x)``
(first contribution) or ``bx = bx + ...`` (later ones); the adjoint of a name
is *statically* zero until its first contribution, so no zeros are built for
it. Control flow is reversed structurally:

* ``if c`` -> ``if c`` over the reversed arms (``c`` is restored, so the same
  arm runs); an adjoint live in one arm only is materialized in the other;
* ``for i in range(a, b)`` -> ``for i in range(b - 1, a - 1, -1)``;
* ``while`` -> a counted loop run backwards the recorded number of times.

Recording (to-be-recorded analysis): a value is pushed on the tape before a
statement overwrites it only if the reverse sweep reads that name and the
name is defined more than once (loops, reassignment). Each push has its pop
right after the reverse of the defining statement, so the reverse sweep sees
every value as it was when the statement ran.

Calls to user functions are split: ``callee_fwd`` returns the output and its
residuals, ``callee_bwd(residuals, g)`` the cotangents (recursion works).
"""

from __future__ import annotations

from dataclasses import dataclass

from .. import ir
from ..analysis.activity import varied_names
from ..analysis.aliasing import may_share
from ..codegen.naming import Names
from ..rules import registry
from . import custom_rules
from .common import ProgramTransform, bind_call, hold_conditions, index_of, inline

# ``_rt.last`` reads a tape item, which may be None (a placeholder): adjoints add with tree_add
CONTAINER_CALLS = {"tuple", "list", "dict", "_rt.append", "_rt.appended", "_rt.popped",
                   "_rt.last"}


def _returns_container(func: str) -> bool:
    """Whether a call may return a tuple/list/dict (its cotangents add with ``tree_add``)."""
    if func in CONTAINER_CALLS:
        return True
    rule = registry.find(func)
    return rule is not None and "container" in rule.tags


@dataclass(frozen=True)
class _Push(ir.Stmt):
    name: str
    first: bool = False  # the name's first binding outside loops: nothing to save


@dataclass(frozen=True)
class _Pop(ir.Stmt):
    name: str
    first: bool = False


@dataclass(frozen=True)
class _PushItem(ir.Stmt):
    target: str
    index: ir.Index


@dataclass(frozen=True)
class _PopItem(ir.Stmt):
    target: str
    index: ir.Index


class ReverseFunction:
    """Reverse mode of one function w.r.t. ``active`` parameters."""

    def __init__(self, prog: "ReverseProgram", fn: ir.Function, active: tuple[str, ...],
                 container_params: frozenset[str] = frozenset()):
        self.names = Names(ir.all_names(fn) | set(prog.program.functions) | prog.reserved)
        fn = hold_conditions(fn, self.names.temp)
        self.prog, self.fn, self.active = prog, fn, active
        self.varied = varied_names(fn, set(active))
        self.live: set[str] = set()
        self.callsites: dict[int, tuple[str, str, str, list[int]]] = {}
        self.containers = self._containers(container_params)
        self.defs: dict[str, int] = {p: 1 for p in fn.params}
        self.zeroed_in_branches: set[str] = set()  # adjoints zeroed where one arm is live
        self.in_loop: set[str] = set()
        self.counters: dict[int, str] = {}
        self.first_defs: set[int] = set()
        self.tape = self.names.exact("_tape")

    # ------------------------------------------------------------------ analyses
    def _containers(self, container_params) -> set[str]:
        """Names that may hold tuples/lists/dicts (their adjoints add with tree_add)."""
        maybe = set(container_params)
        changed = True
        while changed:
            changed = False
            for s in ir.walk(self.fn.body):
                if not isinstance(s, ir.Assign) or s.target in maybe:
                    continue
                v = s.value
                if (isinstance(v, ir.Call) and _returns_container(v.func)) or isinstance(
                        v, ir.UserCall) or (isinstance(v, ir.Subscript) and isinstance(
                        v.value, ir.Name) and v.value.id in maybe) or (
                        isinstance(v, ir.Name) and v.id in maybe):
                    maybe.add(s.target)
                    changed = True
        return maybe

    # ------------------------------------------------------------------ forward sweep
    def forward(self, body, depth: int = 0) -> list[ir.Stmt]:
        out: list[ir.Stmt] = []
        for s in body:
            if isinstance(s, ir.Assign):
                first = not depth and s.target not in self.defs
                if first:
                    self.first_defs.add(id(s))
                self.defs[s.target] = self.defs.get(s.target, 0) + 1
                if depth:
                    self.in_loop.add(s.target)
                out.append(_Push(s.target, first))
                out += self.forward_assign(s, depth)
            elif isinstance(s, ir.SetItem):
                out += [_PushItem(s.target, s.index), s]
            elif isinstance(s, ir.If):
                out.append(ir.If(s.test, tuple(self.forward(s.body, depth)),
                                 tuple(self.forward(s.orelse, depth)), s.line))
            elif isinstance(s, ir.For):
                out.append(ir.For(s.target, s.start, s.stop, s.step,
                                  tuple(self.forward(s.body, depth + 1)), s.line))
            elif isinstance(s, ir.While):
                out += self.forward_while(s, depth)
            elif isinstance(s, ir.Return):
                self.result = s.value
            else:
                out.append(s)
        return out

    def forward_assign(self, s: ir.Assign, depth: int) -> list[ir.Stmt]:
        v = s.value
        if isinstance(v, ir.UserCall):
            mask = [i for i, a in enumerate(v.args)
                    if isinstance(a, ir.Name) and a.id in self.varied]
            if mask:
                fwd, bwd = self.prog.split(v.func, tuple(mask))
                pair, res = self.names.temp("_call"), self.names.temp("_res")
                self.callsites[id(s)] = (res, fwd, bwd, mask)
                self.defs[res] = self.defs.get(res, 0) + 1
                if depth:
                    self.in_loop.add(res)
                if self.prog.program.functions[v.func].checkpoint:
                    # keep the arguments only; the adjoint runs ``fwd`` again (``recompute``)
                    return [s, _Push(res), ir.Assign(res, ir.Call("tuple", v.args), s.line)]
                return [ir.Assign(pair, ir.UserCall(fwd, v.args, v.kwargs), s.line),
                        ir.Assign(s.target, ir.Subscript(ir.Name(pair), index_of(0)), s.line),
                        _Push(res),
                        ir.Assign(res, ir.Subscript(ir.Name(pair), index_of(1)), s.line)]
        return [s]

    def forward_while(self, s: ir.While, depth: int) -> list[ir.Stmt]:
        count = self.names.temp("_n")
        self.counters[id(s)] = count
        self.defs[count] = self.defs.get(count, 0) + 1
        if depth:
            self.in_loop.add(count)
        step = self.names.temp()
        body = tuple(self.forward(s.body, depth + 1)) + (
            ir.Assign(step, ir.Call("add", (ir.Name(count), ir.Const(1))), s.line),
            ir.Assign(count, ir.Name(step), s.line))
        return [_Push(count), ir.Assign(count, ir.Const(0), s.line),
                ir.While(s.test_body, s.test, body, s.line)]

    # ------------------------------------------------------------------ reverse sweep
    def adj(self, name: str) -> str:
        return self.names.adjoint(name)

    def accumulate(self, name: str, contrib: ir.Atom, out: list, line: int) -> None:
        b = self.adj(name)
        if name not in self.live:
            out.append(ir.Assign(b, contrib, line))
            self.live.add(name)
        else:
            add = "_rt.tree_add" if name in self.containers else "add"
            out.append(ir.Assign(b, ir.Call(add, (ir.Name(b), contrib)), line))

    def materialize(self, name: str) -> ir.Stmt:
        return ir.Assign(self.adj(name), ir.Call("_rt.zeros_like", (ir.Name(name),)))

    def reverse(self, body) -> list[ir.Stmt]:
        out: list[ir.Stmt] = []
        for s in reversed(body):
            if isinstance(s, ir.Assign):
                out += self.reverse_assign(s)
            elif isinstance(s, ir.SetItem):
                out += self.reverse_setitem(s)
            elif isinstance(s, ir.If):
                out += self.reverse_if(s)
            elif isinstance(s, ir.For):
                out += self.reverse_for(s)
            elif isinstance(s, ir.While):
                out += self.reverse_while(s)
        return out

    def comment(self, line: int) -> list[ir.Stmt]:
        text = self.prog.source_line(self.fn, line)
        return [ir.Comment(f"line {line}: {text}", line)] if text else []

    def reverse_assign(self, s: ir.Assign) -> list[ir.Stmt]:
        out: list[ir.Stmt] = []
        t = s.target
        popped = isinstance(s.value, ir.Call) and s.value.func == "_rt.pop"
        if t in self.varied and (t in self.live or popped):
            body: list[ir.Stmt] = []
            if t not in self.live:  # a pop must push a cotangent even if it is zero
                body.append(self.materialize(t))
            g = ir.Name(self.adj(t))
            self.live.discard(t)
            self.contributions(s, g, body)
            if body:
                out += self.comment(s.line) + body
        if id(s) in self.callsites:  # pushed after the output, so popped before it
            out.append(_Pop(self.callsites[id(s)][0]))
        out.append(_Pop(t, id(s) in self.first_defs))
        return out

    def contributions(self, s: ir.Assign, g: ir.Name, out: list) -> None:
        v, line = s.value, s.line

        def give(atom, contrib):
            if isinstance(atom, ir.Name) and atom.id in self.varied:
                self.accumulate(atom.id, contrib, out, line)

        if isinstance(v, ir.Name):
            give(v, g)
        elif isinstance(v, ir.Subscript):
            if isinstance(v.value, ir.Name) and v.value.id in self.varied:
                rule = registry.lookup("getitem")
                c = self.inline(rule.vjps["x"], {"x": v.value, "idx": v.index, "g": g,
                                                 "out": ir.Name(s.target)}, out, line)
                give(v.value, c)
        elif isinstance(v, ir.UserCall):
            if id(s) in self.callsites:
                res, fwd, bwd, mask = self.callsites[id(s)]
                if self.prog.program.functions[v.func].checkpoint:
                    res = self.recompute(res, fwd, len(v.args), out, line)
                cts = self.names.temp("_ct")
                out.append(ir.Assign(cts, ir.UserCall(bwd, (ir.Name(res), g)), line))
                for k, i in enumerate(mask):
                    c = self.names.temp()
                    out.append(ir.Assign(c, ir.Subscript(ir.Name(cts), index_of(k)), line))
                    give(v.args[i], ir.Name(c))
        elif isinstance(v, ir.Call):
            self.call_contributions(s, v, g, out, give)

    def recompute(self, args: str, fwd: str, n: int, out: list, line: int) -> str:
        """The residuals of a checkpointed call, from a second forward run on its saved
        arguments ``args`` (a tuple): ``_call = f_fwd(args[0], ...); _res = _call[1]``."""
        atoms = []
        for k in range(n):
            a = self.names.temp("_arg")
            out.append(ir.Assign(a, ir.Subscript(ir.Name(args), index_of(k)), line))
            atoms.append(ir.Name(a))
        pair, res = self.names.temp("_call"), self.names.temp("_res")
        out.append(ir.Assign(pair, ir.UserCall(fwd, tuple(atoms)), line))
        out.append(ir.Assign(res, ir.Subscript(ir.Name(pair), index_of(1)), line))
        return res

    def call_contributions(self, s, v: ir.Call, g, out, give) -> None:
        line = s.line
        if v.func in ("tuple", "list"):
            for i, a in enumerate(v.args):
                if isinstance(a, ir.Name) and a.id in self.varied:
                    c = self.names.temp()
                    out.append(ir.Assign(c, ir.Subscript(g, index_of(i)), line))
                    give(a, ir.Name(c))
            return
        if v.func == "dict":
            for k, a in zip(v.args[0::2], v.args[1::2]):
                if isinstance(a, ir.Name) and a.id in self.varied:
                    c = self.names.temp()
                    out.append(ir.Assign(c, ir.Subscript(g, ir.Index((k,))), line))
                    give(a, ir.Name(c))
            return
        rule = registry.find(v.func)
        if rule is None:
            if any(isinstance(a, ir.Name) and a.id in self.varied for a in ir.atoms_of(v)):
                raise self.prog.error(self.fn, line, f"{v.func} has no derivative rule")
            return
        if rule.kind == registry.NONDIFF:
            return
        if rule.kind == registry.STRUCTURAL:
            self.structural(v, g, out, give, line)
            return
        bound = self.bind(rule, v, line, out)
        bound["out"] = ir.Name(s.target)
        bound["g"] = g
        for p in rule.diff:
            a = bound.get(p)
            if isinstance(a, tuple):  # *operands: one cotangent per varied operand
                ops = self.names.temp("_ops")
                out.append(ir.Assign(ops, ir.Call("tuple", a), line))
                for i, ai in enumerate(a):
                    if isinstance(ai, ir.Name) and ai.id in self.varied:
                        give(ai, self.inline(rule.vjps[p], {**bound, p: ir.Name(ops),
                                                             "i": ir.Const(i)}, out, line))
                continue
            if not (isinstance(a, ir.Name) and a.id in self.varied):
                continue
            if rule.kind == registry.ELEMENTWISE:
                partial = self.inline(rule.partials[p], bound, out, line)
                prod = self.names.temp()
                # a singular partial (inf at a pole, NaN off the domain) meets a zero
                # (co)tangent there (a branch np.where did not take): ct_mul keeps it 0
                mul = "_rt.ct_mul" if registry.singular(rule, p, bound) and not (
                    isinstance(partial, ir.Const)) else "mul"  # a literal partial is finite
                out.append(ir.Assign(prod, ir.Call(mul, (g, partial)), line))
                c = self.names.temp()
                out.append(ir.Assign(c, ir.Call("_rt.unbroadcast", (ir.Name(prod), a)), line))
                give(a, ir.Name(c))
            else:
                give(a, self.inline(rule.vjps[p], bound, out, line))

    def structural(self, v: ir.Call, g: ir.Name, out: list, give, line: int) -> None:
        """``lst.append(x)`` gives x the last cotangent; ``lst.pop()`` pushes one back."""
        if v.func in ("_rt.append", "_rt.appended"):
            lst, item = v.args
            if v.func == "_rt.append":  # the tape in place: its cotangent list is full
                last_ct = ir.Subscript(g, ir.Index((ir.Const(-1),)))
                rest_ct = ir.Subscript(g, ir.Index((ir.Slice(None, ir.Const(-1), None),)))
            else:  # lists as values: a slot of the cotangent list may be None (zero)
                last_ct = ir.Call("_rt.last_or_zeros", (g, item))
                rest_ct = ir.Call("_rt.popped", (g,))
            last, rest = self.names.temp(), self.names.temp()
            out.append(ir.Assign(last, last_ct, line))
            give(item, ir.Name(last))
            out.append(ir.Assign(rest, rest_ct, line))
            give(lst, ir.Name(rest))
        elif v.func == "_rt.popped":  # the dropped item has no cotangent here (see _rt.last)
            grown = self.names.temp()
            out.append(ir.Assign(grown, ir.Call("_rt.appended", (g, ir.Const(None))), line))
            give(v.args[0], ir.Name(grown))
        elif v.func in ("_rt.pop", "_rt.last"):  # the read item's cotangent goes back on top
            lst = v.args[0]
            if isinstance(lst, ir.Name) and lst.id in self.varied:
                if lst.id not in self.live:
                    out.append(self.materialize(lst.id))
                    self.live.add(lst.id)
                b = self.adj(lst.id)
                put = "_rt.appended" if v.func == "_rt.pop" else "_rt.add_at_end"
                out.append(ir.Assign(b, ir.Call(put, (ir.Name(b), g)), line))

    def bind(self, rule, v: ir.Call, line: int, out: list) -> dict:
        return bind_call(self.prog, self.fn, rule, v, line, out, self.names.temp)

    def inline(self, template, bound: dict, out: list, line: int) -> ir.Atom:
        return inline(template, bound, self.names.temp, out, line)

    def reverse_setitem(self, s: ir.SetItem) -> list[ir.Stmt]:
        out: list[ir.Stmt] = []
        a = s.target
        if a in self.varied and a in self.live:
            ba = ir.Name(self.adj(a))
            out += self.comment(s.line)
            if isinstance(s.value, ir.Name) and s.value.id in self.varied:
                piece, c = self.names.temp(), self.names.temp()
                out += [ir.Assign(piece, ir.Subscript(ba, s.index), s.line),
                        ir.Assign(c, ir.Call("_rt.unbroadcast", (ir.Name(piece), s.value)),
                                  s.line)]
                self.accumulate(s.value.id, ir.Name(c), out, s.line)
            # the overwritten elements had no influence past this point
            out.append(ir.Assign(ba.id, ir.Call("_rt.zero_at", (ba, s.index)), s.line))
        out.append(_PopItem(a, s.index))
        return out

    def reverse_if(self, s: ir.If) -> list[ir.Stmt]:
        before = set(self.live)
        body = self.reverse(s.body)
        after_body, self.live = self.live, set(before)
        orelse = self.reverse(s.orelse)
        after_else = self.live
        body += [self.materialize(v) for v in sorted(after_else - after_body)]
        orelse += [self.materialize(v) for v in sorted(after_body - after_else)]
        # zeros for a name the other path may never have bound (a branch on the same test
        # earlier): it starts as None, whose zeros are None
        self.zeroed_in_branches |= after_body ^ after_else
        self.live = after_body | after_else
        return [ir.If(s.test, tuple(body), tuple(orelse), s.line)]

    def reverse_loop_body(self, body) -> tuple[list[ir.Stmt], list[ir.Stmt]]:
        """Reverse a loop body so adjoint liveness is the same at its start and end.

        Returns (statements before the loop, the reversed body).
        """
        before = set(self.live)
        pre: list[ir.Stmt] = []
        for _ in range(4):
            self.live = set(before)
            code = self.reverse(body)
            new = self.live - before
            if not new:
                break
            pre += [self.materialize(v) for v in sorted(new)]
            before |= new
        code += [self.materialize(v) for v in sorted(before - self.live)]
        self.live = before
        return pre, code

    def reverse_for(self, s: ir.For) -> list[ir.Stmt]:
        pre, body = self.reverse_loop_body(s.body)
        out = pre + self.comment(s.line)
        step = s.step
        if isinstance(step, ir.Const) and step.value in (1, -1):
            first, last = self.shift(s.stop, -step.value, out), self.shift(s.start, -step.value,
                                                                           out)
            out.append(ir.For(s.target, first, last, ir.Const(-step.value), tuple(body), s.line))
            return out
        n, k, prod = self.names.temp("_n"), self.names.temp("_k"), self.names.temp()
        out.append(ir.Assign(n, ir.Call("_rt.range_len", (s.start, s.stop, s.step)), s.line))
        last = self.shift(ir.Name(n), -1, out)
        head = (ir.Assign(prod, ir.Call("mul", (ir.Name(k), s.step)), s.line),
                ir.Assign(s.target, ir.Call("add", (s.start, ir.Name(prod))), s.line))
        out.append(ir.For(k, last, ir.Const(-1), ir.Const(-1), head + tuple(body), s.line))
        return out

    def shift(self, a: ir.Atom, delta: int, out: list) -> ir.Atom:
        if isinstance(a, ir.Const) and isinstance(a.value, int):
            return ir.Const(a.value + delta)
        t = self.names.temp()
        out.append(ir.Assign(t, ir.Call("add" if delta > 0 else "sub",
                                        (a, ir.Const(abs(delta))))))
        return ir.Name(t)

    def reverse_while(self, s: ir.While) -> list[ir.Stmt]:
        count = self.counters[id(s)]
        pre, body = self.reverse_loop_body(s.body)
        k = self.names.temp("_k")
        return pre + self.comment(s.line) + [
            ir.For(k, ir.Const(0), ir.Name(count), ir.Const(1), tuple(body), s.line),
            _Pop(count)]

    # ------------------------------------------------------------------ recording
    def resolve_tape(self, fwd: list, rev: list) -> tuple[list, list, bool]:
        """Replace push/pop markers by tape operations where the reverse sweep needs them."""
        primal = set(self.defs)
        read = set()
        for s in ir.walk(tuple(x for x in rev if not isinstance(x, (_Pop, _PopItem)))):
            if not isinstance(s, (_Pop, _PopItem)):
                read |= ir.stmt_reads(s)
        needed = read & primal
        recorded = {v for v in needed if v in self.in_loop or self.defs.get(v, 0) > 1}
        # restoring an updated array also restores what names sharing its memory read
        sharing = may_share(self.fn)  # name -> its class (one set object per class)
        classes = {id(sharing[n]) for n in needed if n in sharing}
        items = needed | {t for t, c in sharing.items() if id(c) in classes}
        used = False

        def fix(body):
            nonlocal used
            out = []
            for s in body:
                if isinstance(s, _Push):
                    if s.name in recorded and not s.first:
                        used = True
                        out.append(ir.ExprStmt(ir.Call("_rt.append", (ir.Name(self.tape),
                                                                    ir.Name(s.name)))))
                elif isinstance(s, _Pop):
                    if s.name in recorded and not s.first:
                        out.append(ir.Assign(s.name, ir.Call("_rt.pop", (ir.Name(self.tape),))))
                elif isinstance(s, _PushItem):
                    if s.target in items:
                        used = True
                        old, saved = self.names.temp(), self.names.temp()
                        out += [ir.Assign(old, ir.Subscript(ir.Name(s.target), s.index)),
                                ir.Assign(saved, ir.Call("np.copy", (ir.Name(old),))),
                                ir.ExprStmt(ir.Call("_rt.append", (ir.Name(self.tape),
                                                                 ir.Name(saved))))]
                elif isinstance(s, _PopItem):
                    if s.target in items:
                        saved = self.names.temp()
                        out += [ir.Assign(saved, ir.Call("_rt.pop", (ir.Name(self.tape),))),
                                ir.SetItem(s.target, s.index, ir.Name(saved))]
                elif isinstance(s, ir.If):
                    out.append(ir.If(s.test, tuple(fix(s.body)), tuple(fix(s.orelse)), s.line))
                elif isinstance(s, ir.For):
                    out.append(ir.For(s.target, s.start, s.stop, s.step, tuple(fix(s.body)),
                                      s.line))
                elif isinstance(s, ir.While):
                    out.append(ir.While(s.test_body, s.test, tuple(fix(s.body)), s.line))
                else:
                    out.append(s)
            return out

        fwd, rev = fix(fwd), fix(rev)
        prologue = []
        if used:
            prologue.append(ir.Assign(self.tape, ir.Call("list", ())))
            bound_early = self._bound_before_loops()
            prologue += [ir.Assign(v, ir.Const(None)) for v in sorted(recorded)
                         if v not in self.fn.params and v not in bound_early]
        return prologue + fwd, rev, used

    def _bound_before_loops(self) -> set[str]:
        """Names whose first binding is a top-level assignment (defined before any loop uses them)."""
        seen: set[str] = set(self.fn.params)
        early: set[str] = set()
        for s in self.fn.body:
            if isinstance(s, ir.Assign) and s.target not in seen:
                early.add(s.target)
            seen |= {t for x in ir.walk((s,)) for t in ir.stmt_writes(x)}
        return early

    # ------------------------------------------------------------------ assembly
    def sweeps(self, seed: ir.Atom | None) -> tuple[list, list, ir.Atom]:
        """(forward sweep, reverse sweep, result atom); the seed cotangent is given or built."""
        self.result = ir.Const(None)
        fwd = self.forward(self.fn.body)
        result = self.result
        rev: list[ir.Stmt] = []
        if isinstance(result, ir.Name) and result.id in self.varied:
            self.live.add(result.id)
            b = self.adj(result.id)
            if seed is None:
                rev.append(ir.Assign(b, ir.Call("_rt.seed", (result,))))
            else:
                rev.append(ir.Assign(b, seed))
        elif seed is None:  # no derivative flows, but a bool/int/array output is still an error
            rev.append(ir.ExprStmt(ir.Call("_rt.seed", (result,))))
        rev += self.reverse(self.fn.body)
        fwd, rev, _ = self.resolve_tape(fwd, rev)
        initialized = {s.target for s in fwd if isinstance(s, ir.Assign)
                       and s.value == ir.Const(None)}
        early = self._bound_before_loops() | set(self.fn.params) | initialized
        fwd = [ir.Assign(v, ir.Const(None)) for v in sorted(self.zeroed_in_branches - early)
               if v in self.defs] + fwd
        return fwd, rev, result

    def gradients(self, out: list) -> list[ir.Atom]:
        grads = []
        for p in self.active:
            if p in self.live:
                grads.append(ir.Name(self.adj(p)))
            else:
                z = self.names.temp()
                out.append(ir.Assign(z, ir.Call("_rt.zeros_like", (ir.Name(p),))))
                grads.append(ir.Name(z))
        return grads


class ReverseProgram(ProgramTransform):
    """Reverse mode over a program: the entry function and split callees."""

    def __init__(self, program: ir.Program, reserved: set[str] = frozenset()):
        super().__init__(program, reserved)
        self._splits: dict[tuple, tuple[str, str]] = {}

    def split(self, callee: str, mask: tuple[int, ...], fn: ir.Function | None = None,
              aux: str | None = None) -> tuple[str, str]:
        """Names of ``callee_fwd``/``callee_bwd`` for these active positions (built once).

        ``callee_fwd(*args)`` returns ``(out, residuals)`` (plus ``aux`` when given);
        ``callee_bwd(residuals, g)`` returns one cotangent per active position.
        """
        key = (callee, mask)
        if key in self._splits:
            return self._splits[key]
        if fn is None:  # a callee with user rules: built from them (custom_rules.py)
            custom = custom_rules.vjp_pair(self, callee, mask)
            if custom is not None:
                self._splits[key] = custom
                return custom
        fn = fn or self.program.functions[callee]
        suffix = "" if len(mask) == len(fn.params) else "_" + "_".join(fn.params[i] for i in mask)
        names = (self.module_names.exact(f"{callee}_fwd{suffix}"),
                 self.module_names.exact(f"{callee}_bwd{suffix}"))
        self._splits[key] = names
        rf = ReverseFunction(self, fn, tuple(fn.params[i] for i in mask),
                             frozenset(fn.params))
        g = rf.names.temp("_g")
        fwd, rev, result = rf.sweeps(ir.Name(g))
        grads = rf.gradients(rev)
        primal = set(rf.defs)
        read = set()
        for s in ir.walk(tuple(rev)):
            read |= ir.stmt_reads(s)
            if isinstance(s, ir.Assign):
                read |= ir.names_read(s.value)
        residuals = sorted((read & primal) | ({rf.tape} & read))
        res_name = rf.names.temp("_res")
        pack_r = rf.names.temp()
        pack_o = rf.names.temp()
        # bound on every path: first bound at the top of the user's body, or at the top level
        # of the forward sweep (the ``None`` a tape push needs before a loop binds the name)
        early = rf._bound_before_loops() | {s.target for s in fwd if isinstance(s, ir.Assign)}
        unbound = [ir.Assign(r, ir.Const(None)) for r in residuals  # bound on some paths only
                   if r not in fn.params and r not in early and r != rf.tape]
        fwd_body = unbound + fwd + [ir.Assign(pack_r, ir.Call("tuple", tuple(ir.Name(r) for r in residuals))),
                          ir.Assign(pack_o, ir.Call("tuple", (result, ir.Name(pack_r))
                                                    + ((ir.Name(aux),) if aux else ()))),
                          ir.Return(ir.Name(pack_o))]
        unpack = [ir.Assign(r, ir.Subscript(ir.Name(res_name), index_of(i)))
                  for i, r in enumerate(residuals)]
        if rf.tape in residuals:  # pop from a copy: the backward function may run again
            unpack.append(ir.Assign(rf.tape, ir.Call("_rt.copy_tape", (ir.Name(rf.tape),))))
        ret = rf.names.temp()
        bwd_body = unpack + rev + [ir.Assign(ret, ir.Call("tuple", tuple(grads))),
                                   ir.Return(ir.Name(ret))]
        self.functions[names[0]] = ir.Function(names[0], fn.params, tuple(fwd_body), fn.defaults,
                                               fn.filename, fn.source_lines, fn.first_line)
        self.functions[names[1]] = ir.Function(names[1], (res_name, g), tuple(bwd_body), (),
                                               fn.filename, fn.source_lines, fn.first_line)
        return names
