"""Inline the calls the front end marked (``UserCall.inline``): a loop of ``s2sad.scan``
and the body it runs become statements of the function that called them.

A scan's body runs once per step: as a call, every step would pay a call, a tuple of
residuals and a split forward/backward function; inline, the transforms see one
loop, tape only what its reverse reads, and the specialization of the entry reaches
the body. The generated code reads like the loop a careful person writes::

    h, _ = s2sad.scan(step, h0, None, length=n)     n = _rt.scan_length(None, n)
                                               ->   carry = h0
                                                    for i in range(n):
                                                        ...the body of step...

Invariants: the callee's names are renamed apart from the caller's (its own name
where free, else ``name_2``...), so single assignment and the ``x = x * 2`` rule
hold; a parameter the callee never rebinds is replaced by the argument itself;
the callee's ``Return`` (its last statement) becomes the assignment of the call's
target. Statements from another file take the line of the call (comments in the
generated code cite the user's line). A callee that is being inlined already
(recursion), or that updates a parameter in place (the alias pass stated what such
an update does to the caller's names at the call), stays a call.
"""

from __future__ import annotations

from dataclasses import replace

from .. import ir


def inline_marked(program: ir.Program) -> ir.Program:
    """``program`` with every marked call replaced by the callee's body (recursively)."""
    functions = dict(program.functions)
    for name in list(functions):
        functions[name] = _Inliner(functions).function(functions[name])
    return ir.Program(program.entry, functions, program.globals)


class _Inliner:
    def __init__(self, functions: dict[str, ir.Function]):
        self.functions = functions
        self.active: list[str] = []

    def function(self, fn: ir.Function) -> ir.Function:
        if not any(_marked(s) for s in ir.walk(fn.body)):
            return fn
        self.taken = ir.all_names(fn) | set(self.functions)
        self.active = [fn.name]
        self.caller = fn
        return replace(fn, body=self.body(fn.body))

    def body(self, body: tuple[ir.Stmt, ...]) -> tuple[ir.Stmt, ...]:
        out: list[ir.Stmt] = []
        for s in body:
            if _marked(s) and s.value.func not in self.active and not (
                    _set_items(self.functions[s.value.func]) & set(
                        self.functions[s.value.func].params)):
                out += self.expand(s)
            else:
                out.append(ir.map_bodies(s, self.body))
        return tuple(out)

    def expand(self, s: ir.Assign) -> list[ir.Stmt]:
        """The statements of ``s.target = callee(args)`` with the callee's body in place."""
        callee = self.functions[s.value.func]
        rebound = {t for st in ir.walk(callee.body) for t in ir.stmt_writes(st)}
        names: dict[str, ir.Atom] = {}
        out: list[ir.Stmt] = []
        for param, arg in zip(callee.params, s.value.args):
            if param in rebound:
                names[param] = ir.Name(self.fresh(param))
                out.append(ir.Assign(names[param].id, arg, s.line))
            else:
                names[param] = arg
        result = _single_result(callee)
        for name in sorted(ir.all_names(callee) - set(callee.params)):
            # the value returned is computed into the call's target (no copy to fold away)
            names[name] = ir.Name(s.target if name == result else self.fresh(name))
        same_file = callee.filename == self.caller.filename
        self.active.append(callee.name)
        try:
            body = self.body(_renamed(callee.body, names, None if same_file else s.line))
        finally:
            self.active.pop()
        ret = body[-1]
        assert isinstance(ret, ir.Return), "a function body ends with its Return (ir.py)"
        if result is not None:
            return out + list(body[:-1])
        return out + list(body[:-1]) + [ir.Assign(s.target, ret.value, s.line)]

    def fresh(self, base: str) -> str:
        name, k = base, 1
        while name in self.taken:
            k += 1
            name = f"{base}_{k}"
        self.taken.add(name)
        return name


def _marked(s: ir.Stmt) -> bool:
    return isinstance(s, ir.Assign) and isinstance(s.value, ir.UserCall) and s.value.inline


def _single_result(fn: ir.Function) -> str | None:
    """The local ``r`` of ``...; r = expr; return r`` when nothing else binds ``r``."""
    ret = fn.body[-1]
    if not (isinstance(ret, ir.Return) and isinstance(ret.value, ir.Name)):
        return None
    r = ret.value.id
    writes = [s for s in ir.walk(fn.body) if r in ir.stmt_writes(s)]
    top = [s for s in fn.body if r in ir.stmt_writes(s)]
    return r if r not in fn.params and len(writes) == 1 and len(top) == 1 else None


def _set_items(fn: ir.Function) -> set[str]:
    return {s.target for s in ir.walk(fn.body) if isinstance(s, ir.SetItem)}


def _renamed(body, names: dict[str, ir.Atom], line: int | None) -> tuple[ir.Stmt, ...]:
    """``body`` with every name mapped through ``names`` (an atom: a parameter may become a
    constant argument); ``line`` replaces the statements' lines when given."""

    def atom(a):
        return names.get(a.id, a) if isinstance(a, ir.Name) else a

    def target(t: str) -> str:
        new = names[t]
        assert isinstance(new, ir.Name), f"{t} is rebound, so it has a name of its own"
        return new.id

    def expr(e):
        if e is None or isinstance(e, ir.Const):
            return e
        if isinstance(e, ir.Name):
            return atom(e)
        if isinstance(e, ir.Slice):
            return ir.Slice(expr(e.lower), expr(e.upper), expr(e.step))
        if isinstance(e, ir.Index):
            return replace(e, items=tuple(expr(i) for i in e.items))
        if isinstance(e, ir.Subscript):
            return ir.Subscript(atom(e.value), expr(e.index))
        if isinstance(e, (ir.Call, ir.UserCall)):
            return replace(e, args=tuple(expr(a) for a in e.args),
                           kwargs=tuple((k, expr(v)) for k, v in e.kwargs))
        raise TypeError(f"not an expression: {e!r}")  # pragma: no cover

    def stmt(s: ir.Stmt) -> ir.Stmt:
        if line is not None and hasattr(s, "line"):
            s = replace(s, line=line)
        if isinstance(s, ir.Assign):
            return replace(s, target=target(s.target), value=expr(s.value))
        if isinstance(s, ir.SetItem):
            return replace(s, target=target(s.target), index=expr(s.index), value=expr(s.value))
        if isinstance(s, (ir.ExprStmt, ir.Return)):
            return replace(s, value=expr(s.value))
        if isinstance(s, ir.If):
            return replace(s, test=expr(s.test), body=block(s.body), orelse=block(s.orelse))
        if isinstance(s, ir.For):
            return replace(s, target=target(s.target), start=expr(s.start), stop=expr(s.stop),
                           step=expr(s.step), body=block(s.body))
        if isinstance(s, ir.While):
            return replace(s, test_body=block(s.test_body), test=expr(s.test),
                           body=block(s.body))
        if isinstance(s, ir.Release):
            return replace(s, names=tuple(target(n) for n in s.names))
        return s

    def block(b):
        return tuple(stmt(s) for s in b)

    return block(body)
