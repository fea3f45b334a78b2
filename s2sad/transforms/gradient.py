"""Entry functions of reverse mode: ``grad``, ``value_and_grad``, ``grad_and_value`` and ``vjp``.

``reverse.py`` builds the sweeps; this file assembles what the public transform
returns, as generated code::

    def f_grad(x):                 # grad; value_and_grad ends with (value, g),
        ... forward sweep ...      # grad_and_value with (g, value); has_aux: (g, aux),
        ... reverse sweep ...      # ((value, aux), g), (g, (value, aux))
        return bx

``vjp`` emits the split pair: ``f_fwd(*primals) -> (out, residuals[, aux])`` and
``f_bwd(residuals, ct)`` with one cotangent per primal.
"""

from __future__ import annotations

from .. import ir
from .common import split_aux
from .reverse import ReverseFunction, ReverseProgram


def emit_vjp(program: ir.Program, spec, entry_name: str) -> list[ir.Function]:
    """``f_fwd``/``f_bwd`` w.r.t. every parameter (``entry_name`` is ``f_fwd``)."""
    fn, aux = _entry(program, spec)
    rp = ReverseProgram(program)
    rp.split(program.entry, tuple(range(len(fn.params))), fn, aux)
    return list(rp.functions.values())


def emit_gradient(program: ir.Program, spec, entry_name: str) -> list[ir.Function]:
    """The entry ``entry_name`` of ``grad``/``value_and_grad``/``grad_and_value`` w.r.t.
    ``spec.argnums``, followed by the split callees it calls."""
    fn, aux = _entry(program, spec)
    rp = ReverseProgram(program, reserved={entry_name})
    argnums = spec.argnums if isinstance(spec.argnums, tuple) else (spec.argnums,)
    rf = ReverseFunction(rp, fn, tuple(fn.params[i] for i in argnums), frozenset(fn.params))
    fwd, rev, value = rf.sweeps(None)
    names = rf.names
    if isinstance(value, ir.Name):  # the reverse sweep restores overwritten names: keep it now
        kept = names.temp("_value")
        fwd.append(ir.Assign(kept, value))
        value = ir.Name(kept)
    if aux is not None:
        kept_aux = names.temp("_aux")
        fwd.append(ir.Assign(kept_aux, ir.Name(aux)))
        aux = kept_aux
    tail: list[ir.Stmt] = []
    result = _result(spec, rf, value, aux, tail)
    body = tuple(fwd + rev + tail + [ir.Return(result)])
    entry = ir.replace(fn, name=entry_name, body=body, docstring=(
        f"{spec.transform} of {fn.name} with respect to {', '.join(rf.active)}."))
    return [entry] + list(rp.functions.values())


def _entry(program: ir.Program, spec) -> tuple[ir.Function, str | None]:
    """The entry function, and the name of its auxiliary output with ``has_aux``."""
    fn = program.entry_function()
    return split_aux(fn) if spec.has_aux else (fn, None)


def _result(spec, rf: ReverseFunction, value: ir.Atom, aux: str | None,
            tail: list[ir.Stmt]) -> ir.Atom:
    """The returned atom in the transform's structure; its statements go to ``tail``."""
    names = rf.names
    grads = rf.gradients(tail)
    if isinstance(spec.argnums, tuple):
        g = ir.Name(names.temp("_grads"))
        tail.append(ir.Assign(g.id, ir.Call("tuple", tuple(grads))))
    else:
        g = grads[0]
    out = value
    if aux is not None:
        out = ir.Name(names.temp("_out"))
        tail.append(ir.Assign(out.id, ir.Call("tuple", (value, ir.Name(aux)))))
    shape = {"grad": (g, ir.Name(aux)) if aux is not None else None,
             "value_and_grad": (out, g), "grad_and_value": (g, out)}[spec.transform]
    if shape is None:
        return g
    result = ir.Name(names.temp("_result"))
    tail.append(ir.Assign(result.id, ir.Call("tuple", shape)))
    return result
