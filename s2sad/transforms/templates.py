"""Inline a rule template: read its source once, then rename it into the caller.

``instantiate(template, {"g": Name("bz"), "x": Name("x")}, fresh)`` returns the
statements of the template body with its locals renamed to fresh names and its
parameters replaced by the bound atoms, plus the atom it returns::

    def vjp_x(g, x, y):                 _t7 = bz * y
        return _rt.unbroadcast(g * y, x) -> _t8 = _rt.unbroadcast(_t7, x)   (returns Name("_t8"))
"""

from __future__ import annotations

from typing import Callable

from .. import ir
from ..errors import DifferentiationError

_LOWERED: dict[int, ir.Function] = {}


def lowered(template) -> ir.Function:
    key = id(template)
    if key not in _LOWERED:
        from ..frontend.normalize.program import ProgramBuilder

        builder = ProgramBuilder()
        name = builder.function_name(template, {})
        builder.build_pending()
        fn = builder.functions[name]
        if builder.globals or len(builder.functions) > 1 or any(
                not isinstance(s, (ir.Assign, ir.Return)) for s in fn.body):
            raise DifferentiationError(
                f"rule template {template.__qualname__} must be straight-line code calling "
                f"primitives only")
        _LOWERED[key] = fn
    return _LOWERED[key]


def instantiate(template, bindings: dict[str, object], fresh: Callable[[], str],
                line: int = 0) -> tuple[list[ir.Stmt], ir.Atom]:
    fn = lowered(template)
    missing = [p for p in fn.params if p not in bindings]
    if missing:
        raise DifferentiationError(
            f"rule template {template.__qualname__} needs {missing} which the call does not bind")
    rename: dict[str, object] = {p: bindings[p] for p in fn.params}
    out: list[ir.Stmt] = []
    for s in fn.body:
        if isinstance(s, ir.Return):
            return out, _sub_atom(s.value, rename)
        value = substitute(s.value, rename)
        new = fresh()
        rename[s.target] = ir.Name(new)
        out.append(ir.Assign(new, value, line))
    raise DifferentiationError(f"rule template {template.__qualname__} has no return")


def _sub_atom(a, rename):
    if isinstance(a, ir.Name) and a.id in rename:
        return rename[a.id]
    return a


def _sub_index(idx: ir.Index, rename) -> ir.Index:
    if len(idx.items) == 1 and not idx.is_tuple and isinstance(idx.items[0], ir.Name):
        bound = rename.get(idx.items[0].id)
        if isinstance(bound, ir.Index):
            return bound
    items = []
    for item in idx.items:
        if isinstance(item, ir.Slice):
            items.append(ir.Slice(*(_sub_atom(p, rename) if p is not None else None
                                    for p in (item.lower, item.upper, item.step))))
        else:
            items.append(_sub_atom(item, rename))
    return ir.Index(tuple(items), idx.is_tuple)


def substitute(e: ir.Expr, rename: dict[str, object]) -> ir.Expr:
    """Replace names in an expression (an Index binding may replace a whole subscript)."""
    if isinstance(e, (ir.Name, ir.Const)):
        return _sub_atom(e, rename)
    if isinstance(e, ir.Subscript):
        return ir.Subscript(_sub_atom(e.value, rename), _sub_index(e.index, rename))
    if isinstance(e, (ir.Call, ir.UserCall)):
        args = tuple(_sub_index(a, rename) if isinstance(a, ir.Index) else _sub_atom(a, rename)
                     for a in e.args)
        kwargs = tuple((k, _sub_atom(v, rename)) for k, v in e.kwargs)
        return type(e)(e.func, args, kwargs)
    raise TypeError(f"cannot substitute into {e!r}")  # pragma: no cover
