"""Forward mode: each statement is followed by the statement computing its tangent.

For ``z = x * y`` it emits ``dz = dx * y + dy * x`` (only the terms whose
tangents are not statically zero). Control flow keeps its shape: the same
``if`` with both arms extended, the same loops carrying tangents; a tangent
that is zero on one path and not on another is materialized with zeros.
Calls to user functions call ``callee_jvp(args..., tangents...)``.
"""

from __future__ import annotations

from .. import ir
from ..analysis.activity import varied_names
from ..codegen.naming import Names
from ..rules import registry
from . import custom_rules
from .common import ProgramTransform, bind_call, index_of, inline, split_aux


class ForwardFunction:
    def __init__(self, prog: "ForwardProgram", fn: ir.Function, active: tuple[str, ...]):
        self.prog, self.fn, self.active = prog, fn, active
        self.varied = varied_names(fn, set(active))
        self.names = Names(ir.all_names(fn) | set(prog.program.functions) | prog.reserved)
        self.live: set[str] = set(active)
        self.result: ir.Atom = ir.Const(None)

    def tan(self, name: str) -> str:
        return self.names.tangent(name)

    def materialize(self, name: str) -> ir.Stmt:
        return ir.Assign(self.tan(name), ir.Call("_rt.zeros_like", (ir.Name(name),)))

    def tangent_atom(self, a, out: list) -> ir.Atom:
        """The tangent of an atom, zeros if it is statically zero (for containers)."""
        if isinstance(a, ir.Name) and a.id in self.live:
            return ir.Name(self.tan(a.id))
        t = self.names.temp()
        out.append(ir.Assign(t, ir.Call("_rt.zeros_like", (a,))))
        return ir.Name(t)

    # ------------------------------------------------------------------ statements
    def run(self, body) -> list[ir.Stmt]:
        out: list[ir.Stmt] = []
        for s in body:
            if isinstance(s, ir.Assign):
                out += self.assign(s)
            elif isinstance(s, ir.SetItem):
                out += self.setitem(s)
            elif isinstance(s, ir.If):
                out += self.branch(s)
            elif isinstance(s, ir.For):
                pre, body2 = self.loop_body(s.body)
                out += pre + [ir.For(s.target, s.start, s.stop, s.step, tuple(body2), s.line)]
            elif isinstance(s, ir.While):
                for t in ir.walk(s.test_body):
                    self.live -= ir.stmt_writes(t)
                # the test runs before every trip: what it reads crosses iterations too
                pre, body2 = self.loop_body(s.body, self.carried(s.test_body) | {
                    a.id for a in (s.test,) if isinstance(a, ir.Name)})
                out += pre + [ir.While(s.test_body, s.test, tuple(body2), s.line)]
            elif isinstance(s, ir.Return):
                self.result = s.value
            else:
                out.append(s)
        return out

    def assign(self, s: ir.Assign) -> list[ir.Stmt]:
        v, t = s.value, s.target
        if isinstance(v, ir.UserCall):
            mask = [i for i, a in enumerate(v.args) if isinstance(a, ir.Name) and a.id in self.live]
            if mask:
                out: list[ir.Stmt] = []
                tans = [self.tangent_atom(v.args[i], out) for i in mask]
                jvp = self.prog.jvp(v.func, tuple(mask))
                pair = self.names.temp("_call")
                out += [ir.Assign(pair, ir.UserCall(jvp, v.args + tuple(tans)), s.line),
                        ir.Assign(t, ir.Subscript(ir.Name(pair), index_of(0)), s.line),
                        ir.Assign(self.tan(t), ir.Subscript(ir.Name(pair), index_of(1)), s.line)]
                self.live.add(t)
                return out
        out = [s]
        terms: list[ir.Atom] = []
        if t in self.varied:
            terms = self.terms(s, out)
        if not terms:
            self.live.discard(t)
            return out
        acc = terms[0]
        rule = registry.find(v.func) if isinstance(v, ir.Call) else None
        # tangents of containers (a tree_add of cotangent dicts in gradient code) add leafwise
        adder = "_rt.tree_add" if rule is not None and "container" in rule.tags else "add"
        for term in terms[1:]:
            nxt = self.names.temp()
            out.append(ir.Assign(nxt, ir.Call(adder, (acc, term)), s.line))
            acc = ir.Name(nxt)
        out.append(ir.Assign(self.tan(t), acc, s.line))
        self.live.add(t)
        return out

    def is_live(self, a) -> bool:
        return isinstance(a, ir.Name) and a.id in self.live

    def terms(self, s: ir.Assign, out: list) -> list[ir.Atom]:
        v, line = s.value, s.line
        if isinstance(v, ir.Name):
            return [ir.Name(self.tan(v.id))] if self.is_live(v) else []
        if isinstance(v, ir.Subscript):
            if not self.is_live(v.value):
                return []
            rule = registry.lookup("getitem")
            return [self.inline(rule.jvps["x"], {"t": ir.Name(self.tan(v.value.id)),
                                                 "x": v.value, "idx": v.index,
                                                 "out": ir.Name(s.target)}, out, line)]
        if not isinstance(v, ir.Call):
            return []
        if v.func in ("tuple", "list", "dict"):
            if not any(self.is_live(a) for a in v.args):
                return []
            if v.func == "dict":
                items = []
                for k, a in zip(v.args[0::2], v.args[1::2]):
                    items += [k, self.tangent_atom(a, out)]
            else:
                items = [self.tangent_atom(a, out) for a in v.args]
            t = self.names.temp()
            out.append(ir.Assign(t, ir.Call(v.func, tuple(items)), line))
            return [ir.Name(t)]
        rule = registry.find(v.func)
        if rule is None:
            if any(self.is_live(a) for a in ir.atoms_of(v)):
                raise self.prog.error(self.fn, line, f"{v.func} has no derivative rule")
            return []
        if rule.kind == registry.NONDIFF:
            return []
        if rule.kind == registry.STRUCTURAL:
            return self.structural(s, v, out)
        bound = bind_call(self.prog, self.fn, rule, v, line, out, self.names.temp)
        bound["out"] = ir.Name(s.target)
        terms = []
        for p in rule.diff:
            a = bound.get(p)
            if isinstance(a, tuple):  # *operands: one term per live operand
                ops = self.names.temp("_ops")
                out.append(ir.Assign(ops, ir.Call("tuple", a), line))
                for i, ai in enumerate(a):
                    if self.is_live(ai):
                        terms.append(self.inline(rule.jvps[p], {
                            **bound, p: ir.Name(ops), "i": ir.Const(i),
                            "t": ir.Name(self.tan(ai.id))}, out, line))
                continue
            if not self.is_live(a):
                continue
            tp = ir.Name(self.tan(a.id))
            if rule.kind == registry.ELEMENTWISE:
                partial = self.inline(rule.partials[p], bound, out, line)
                prod = self.names.temp()
                # a singular partial (inf at a pole, NaN off the domain) meets a zero
                # (co)tangent there (a branch np.where did not take): ct_mul keeps it 0
                mul = "_rt.ct_mul" if registry.singular(rule, p, bound) and not (
                    isinstance(partial, ir.Const)) else "mul"  # a literal partial is finite
                out.append(ir.Assign(prod, ir.Call(mul, (tp, partial)), line))
                terms.append(ir.Name(prod))
            else:
                terms.append(self.inline(rule.jvps[p], {**bound, "t": tp}, out, line))
        return terms

    def structural(self, s: ir.Assign, v: ir.Call, out: list) -> list[ir.Atom]:
        """Tape operations: the tangent tape gets the same push/pop as the primal tape."""
        if not any(self.is_live(a) for a in v.args):
            return []
        t = self.names.temp()
        if v.func in ("_rt.append", "_rt.appended"):
            items = (self.tangent_atom(v.args[0], out), self.tangent_atom(v.args[1], out))
        else:
            items = (self.tangent_atom(v.args[0], out),)
        out.append(ir.Assign(t, ir.Call(v.func, items), s.line))
        return [ir.Name(t)]

    def inline(self, template, bound: dict, out: list, line: int) -> ir.Atom:
        return inline(template, bound, self.names.temp, out, line)

    def setitem(self, s: ir.SetItem) -> list[ir.Stmt]:
        out: list[ir.Stmt] = [s]
        a, v = s.target, s.value
        if not (self.is_live(v) or a in self.live):
            return out
        if a not in self.live:
            out.append(self.materialize(a))
            self.live.add(a)
        da = ir.Name(self.tan(a))
        if self.is_live(v):
            call = ir.Call("_rt.set_at", (da, s.index, ir.Name(self.tan(v.id))))
        else:
            call = ir.Call("_rt.zero_at", (da, s.index))
        out.append(ir.Assign(da.id, call, s.line))
        return out

    def branch(self, s: ir.If) -> list[ir.Stmt]:
        before = set(self.live)
        body = self.run(s.body)
        after_body, self.live = self.live, set(before)
        orelse = self.run(s.orelse)
        after_else = self.live
        # a tangent live after one arm only is zero after the other; only names read after
        # the branch need it (temporaries of one arm are unbound on the other path)
        needed = self.read_outside(s)
        body += [self.zero_tangent(v, s, s.body) for v in sorted((after_else - after_body) & needed)]
        orelse += [self.zero_tangent(v, s, s.orelse)
                   for v in sorted((after_body - after_else) & needed)]
        self.live = (after_body & after_else) | ((after_body | after_else) & needed)
        return [ir.If(s.test, tuple(body), tuple(orelse), s.line)]

    def zero_tangent(self, v: str, node: ir.If, arm) -> ir.Stmt:
        """Zeros for ``v`` on a path where its tangent is zero; ``None`` where ``v`` is unbound
        on that path (then nothing on it reads the tangent either)."""
        bound = {t for x in ir.walk(tuple(arm)) for t in ir.stmt_writes(x)} | set(self.fn.params)
        inside = {id(x) for x in ir.walk((node,))}
        bound |= {t for x in ir.walk(self.fn.body) if id(x) not in inside
                  for t in ir.stmt_writes(x)}
        if v in bound:
            return self.materialize(v)
        return ir.Assign(self.tan(v), ir.Const(None))

    def read_outside(self, node: ir.Stmt) -> set[str]:
        inside = {id(x) for x in ir.walk((node,))}
        names: set[str] = set()
        for x in ir.walk(self.fn.body):
            if id(x) not in inside:
                names |= ir.stmt_reads(x)
                if isinstance(x, ir.Assign):
                    names |= ir.names_read(x.value)
        return names

    def loop_body(self, body, also_carried: set[str] = frozenset()
                  ) -> tuple[list[ir.Stmt], list[ir.Stmt]]:
        before = set(self.live)
        pre: list[ir.Stmt] = []
        crossing = self.carried(body) | also_carried
        for _ in range(4):
            self.live = set(before)
            code = self.run(body)
            new = self.live - before
            carried = new & crossing
            if not carried:
                break
            pre += [self.materialize(v) for v in sorted(carried)]
            before |= carried
        # tangents live at the start but killed in the body (an inactive value assigned) are
        # zero on the next trip and after the loop
        code += [self.materialize(v) for v in sorted(before - self.live)]
        self.live = before | self.live
        return pre, code

    def carried(self, body) -> set[str]:
        """Names a loop body reads before (re)binding them: their tangents cross iterations."""
        bound: set[str] = set()
        exposed: set[str] = set()
        for s in ir.walk(tuple(body)):
            reads = ir.stmt_reads(s)
            if isinstance(s, ir.Assign):
                reads |= ir.names_read(s.value)
            exposed |= reads - bound
            bound |= ir.stmt_writes(s)
        return exposed


class ForwardProgram(ProgramTransform):
    """Forward mode over a program: ``f_jvp`` functions for the entry and its callees."""

    def __init__(self, program: ir.Program, reserved: set[str] = frozenset()):
        super().__init__(program, reserved)
        self._jvps: dict[tuple, str] = {}

    def jvp(self, callee: str, mask: tuple[int, ...], fn: ir.Function | None = None,
            name: str | None = None, aux: str | None = None) -> str:
        """``callee_jvp(*args, *tangents) -> (out, tangent_out)`` for the active positions."""
        key = (callee, mask)
        if key in self._jvps:
            return self._jvps[key]
        fn = fn or self.program.functions[callee]
        suffix = "" if len(mask) == len(fn.params) else "_" + "_".join(fn.params[i] for i in mask)
        name = name or self.module_names.exact(f"{callee}_jvp{suffix}")
        self._jvps[key] = name
        if fn.custom and custom_rules.jvp_function(self, callee, mask, name):
            return name  # the user's jvp rule (custom_rules.py)
        ff = ForwardFunction(self, fn, tuple(fn.params[i] for i in mask))
        tparams = tuple(ff.tan(fn.params[i]) for i in mask)
        body = ff.run(fn.body)
        tail: list[ir.Stmt] = []
        dout = ff.tangent_atom(ff.result, tail)
        ret = ff.names.temp()
        items = (ff.result, dout) + ((ir.Name(aux),) if aux else ())
        tail += [ir.Assign(ret, ir.Call("tuple", items)), ir.Return(ir.Name(ret))]
        self.functions[name] = ir.Function(
            name, fn.params + tparams, tuple(body + tail), (), fn.filename,
            fn.source_lines, fn.first_line,
            f"jvp of {fn.name}: (output, tangent of the output)" if fn is not None else None)
        return name


def emit_jvp(program: ir.Program, spec, entry_name: str) -> list[ir.Function]:
    fn = program.entry_function()
    aux = None
    if spec.has_aux:
        fn, aux = split_aux(fn)
    fp = ForwardProgram(program, reserved={entry_name})
    fp.jvp(program.entry, tuple(range(len(fn.params))), fn, entry_name, aux)
    return [fp.functions[entry_name]] + [f for k, f in fp.functions.items() if k != entry_name]
