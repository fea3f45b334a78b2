"""What the reverse and forward transforms share: program bookkeeping, rule binding, inlining,
and the split of an auxiliary output."""

from __future__ import annotations

from typing import Callable

from .. import ir
from ..codegen.naming import Names
from ..errors import DifferentiationError
from .simplify import fold_tuples
from .templates import instantiate


def index_of(i) -> ir.Index:
    """``[i]`` for a literal ``i``."""
    return ir.Index((ir.Const(i),))


class ProgramTransform:
    """A transform over a program: the functions it emits and module-level names."""

    def __init__(self, program: ir.Program, reserved: set[str] = frozenset()):
        self.program = program
        self.reserved = set(reserved)
        self.functions: dict[str, ir.Function] = {}
        self.module_names = Names(set(program.functions) | self.reserved)

    def source_line(self, fn: ir.Function, line: int) -> str:
        if line and 1 <= line <= len(fn.source_lines):
            return fn.source_lines[line - 1].strip()
        return ""

    def error(self, fn: ir.Function, line: int, message: str) -> DifferentiationError:
        """An error at the user's line: ``file:line: message`` and the line itself."""
        text = self.source_line(fn, line)
        where = f"{fn.filename}:{line}: " if line else ""
        return DifferentiationError(f"{where}{message}" + (f"\n    {text}" if text else ""))


def bind_call(prog: ProgramTransform, fn: ir.Function, rule, call: ir.Call, line: int,
              out: list, fresh: Callable[[], str]) -> dict:
    """The call's atoms by the rule's parameter names: a differentiated ``*operands`` as a
    tuple of atoms (one derivative each); any other tuple as one value (``np.gradient``'s
    spacings become ``_t = tuple(dx, dy)``; a default such as ``axes=(-2, -1)`` a constant)."""
    try:
        bound = rule.bind(call.args, dict(call.kwargs))
    except TypeError as exc:
        raise prog.error(fn, line, f"call of {call.func} does not match its rule's "
                                   f"signature: {exc}") from None
    atoms = {}
    for k, a in bound.items():
        if isinstance(a, tuple) and k not in rule.diff:
            if all(isinstance(x, ir.Const) for x in a):
                a = ir.Const(tuple(x.value for x in a))
            elif all(isinstance(x, (ir.Name, ir.Const)) for x in a):
                name = fresh()
                out.append(ir.Assign(name, ir.Call("tuple", a), line))
                a = ir.Name(name)
            else:  # a default value: Python constants
                a = ir.Const(a)
        atoms[k] = a if isinstance(a, (ir.Name, ir.Const, ir.Index, tuple)) else ir.Const(a)
    return atoms


def hold_conditions(fn: ir.Function, fresh: Callable[[str], str]) -> ir.Function:
    """``if c: c = ...`` -> ``_cond = c; if _cond: c = ...``: the reverse sweep replays a
    branch by its test, which must still hold the value it had when the branch ran."""
    def block(body):
        out = []
        for s in body:
            s = ir.map_bodies(s, block)
            if isinstance(s, ir.If) and isinstance(s.test, ir.Name) and s.test.id in {
                    t for x in ir.walk(s.body + s.orelse) for t in ir.stmt_writes(x)}:
                held = fresh("_cond")
                out.append(ir.Assign(held, s.test, s.line))
                s = ir.replace(s, test=ir.Name(held))
            out.append(s)
        return tuple(out)

    body = block(fn.body)
    return fn if body == fn.body else ir.replace(fn, body=body)


def inline(template, bound: dict, fresh: Callable[[], str], out: list, line: int) -> ir.Atom:
    """Append the template's statements to ``out``; return the atom holding its result."""
    params = template.__code__.co_varnames[:template.__code__.co_argcount]
    stmts, result = instantiate(template, {p: bound[p] for p in params if p in bound}, fresh,
                                line)
    out += stmts
    return result


def split_aux(fn: ir.Function) -> tuple[ir.Function, str]:
    """``return (value, aux)`` -> ``_value = r[0]; _aux = r[1]; return _value`` (``has_aux``);
    returns the function and the name holding ``aux``.

    Where ``r`` is not a pair built in the body (``_t = (a, b)``, read as ``a`` and ``b``),
    ``_rt.check_aux(r, "f")`` first raises a ``TypeError`` naming ``f`` and what it returned
    (a float, a tuple of 3 items), rather than an error from a subscript of generated code."""
    ret = fn.body[-1]
    taken = ir.all_names(fn)
    value, aux = _fresh("_value", taken), _fresh("_aux", taken)
    check = () if _built_pair(fn, ret.value) else (ir.ExprStmt(
        ir.Call("_rt.check_aux", (ret.value, ir.Const(_described(fn)))), ret.line),)
    body = fn.body[:-1] + check + (
        ir.Assign(value, ir.Subscript(ret.value, ir.Index((ir.Const(0),))), ret.line),
        ir.Assign(aux, ir.Subscript(ret.value, ir.Index((ir.Const(1),))), ret.line),
        ir.Return(ir.Name(value), ret.line))
    return fold_tuples(ir.replace(fn, body=body)), aux


def _built_pair(fn: ir.Function, result: ir.Atom) -> bool:
    """Whether ``result`` is a name bound once, to a tuple or list of two items."""
    if not isinstance(result, ir.Name) or result.id in fn.params:
        return False
    defs = [s for s in ir.walk(fn.body) if result.id in ir.stmt_writes(s)]
    return (len(defs) == 1 and isinstance(defs[0], ir.Assign)
            and isinstance(defs[0].value, ir.Call) and defs[0].value.func in ("tuple", "list")
            and len(defs[0].value.args) == 2)


def _described(fn: ir.Function) -> str:
    """``square (model.py:12)``, ``the lambda (model.py:30)``: a user function, for errors."""
    where = fn.filename if fn.filename.startswith("<") else fn.filename.replace("\\", "/")
    where = where.rsplit("/", 1)[-1]
    name = "the lambda" if fn.name.startswith("lambda_") else fn.name
    return f"{name} ({where}:{fn.first_line})"


def _fresh(base: str, taken: set[str]) -> str:
    """``base``, else ``base2``, ``base3``... (a name of the user's function never clashes)."""
    name, k = base, 1
    while name in taken:
        k += 1
        name = f"{base}{k}"
    return name
