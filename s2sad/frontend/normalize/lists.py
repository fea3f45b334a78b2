"""Lists as values in code that will be differentiated a third time.

Generated code grows and shrinks its tape in place (``_tape.append(x)``,
``x = _tape.pop()``): fast, and right for one or two reverse passes. A third
pass reads the tape of a tape: a list recorded on a tape must keep the value it
had when recorded, which an in-place update changes under it. So when the front
end reads reverse-over-reverse code (it holds ``_rt.appended``), list updates
become values: ``appended`` returns a new list, and a pop is a read of the last
item plus a new, shorter list::

    _t3 = _rt.append(_tape, x)     ->  _t3 = _rt.appended(_tape, x)
    x = _rt.pop(_tape)             ->  x = _rt.last(_tape); _l1 = _rt.popped(_tape); _tape = _l1

Each update copies the list (pointers only): quadratic in the tape length, paid only
by third derivatives through loops.
"""

from __future__ import annotations

from ... import ir
from ...codegen.naming import Names


def reads_as_values(source: str) -> bool:
    """Whether generated code is reverse-over-reverse code (its lists must be values)."""
    return "_rt.appended(" in source


def lists_as_values(fn: ir.Function) -> ir.Function:
    names = Names(ir.all_names(fn))
    return ir.replace(fn, body=_body(fn.body, names))


def _body(body, names: Names) -> tuple[ir.Stmt, ...]:
    out: list[ir.Stmt] = []
    for s in body:
        if isinstance(s, ir.Assign) and isinstance(s.value, ir.Call):
            v = s.value
            if v.func == "_rt.append":
                out.append(ir.replace(s, value=ir.Call("_rt.appended", v.args)))
                continue
            if v.func == "_rt.pop" and isinstance(v.args[0], ir.Name):
                lst, rest = v.args[0], names.temp("_l")
                out += [ir.replace(s, value=ir.Call("_rt.last", (lst,))),
                        ir.Assign(rest, ir.Call("_rt.popped", (lst,)), s.line),
                        ir.Assign(lst.id, ir.Name(rest), s.line)]
                continue
        if isinstance(s, ir.If):
            s = ir.replace(s, body=_body(s.body, names), orelse=_body(s.orelse, names))
        elif isinstance(s, ir.For):
            s = ir.replace(s, body=_body(s.body, names))
        elif isinstance(s, ir.While):
            s = ir.replace(s, test_body=_body(s.test_body, names), body=_body(s.body, names))
        out.append(s)
    return tuple(out)
