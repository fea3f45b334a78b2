"""The entry of ``vmap``: the user's function batched, with mapped axes moved at the boundary.

``spec.argnums`` of a vmap spec is the plan ``(in_axes, out_axes)``, both encoded by
``_rt.encode_axes``: one axes tree per positional argument passed (parameters left to
their defaults are unmapped), and the tree of the output's axes. The entry checks the
batch size, moves each mapped axis to the front, calls the batched function
(``transforms/batching.py``) and lays its result out as ``out_axes`` says::

    def f_vmap(x, w):                                 # vmap(f, in_axes=(1, None))
        _k = _rt.axis_size(("x",), (x,), (1,))        # ValueError on disagreeing sizes
        x_lanes = np.moveaxis(x, 1, 0)
        _out = f_batched(_k, x_lanes, w)
        return _out                                   # lanes on axis 0 (out_axes=0)

Every helper it calls has derivative rules, so ``grad`` of a function calling
``s2sad.vmap(g)(x)`` differentiates through this code like any other.
"""

from __future__ import annotations

from .. import ir
from ..codegen.naming import Names
from ..errors import DifferentiationError
from .batching import BatchProgram
from .batching_status import ALL, NotBatchable, printable


def status_of(axes) -> object:
    """The batching status of an argument with this (encoded) axes tree: a tuple keeps the
    status of each item; a list or dict with any mapped leaf is ``ALL`` (its unmapped
    leaves are broadcast at the boundary)::

        status_of(0) == True;  status_of(("tuple", 0, None)) == (True, False)
    """
    if axes is None:
        return False
    if isinstance(axes, int):
        return True
    if not mapped(axes):
        return False
    if axes[0] == "tuple":
        return tuple(status_of(a) for a in axes[1:])
    return ALL


def mapped(axes) -> bool:
    """Whether any leaf of an (encoded) axes tree is mapped."""
    if isinstance(axes, tuple):
        return any(mapped(a) for a in (v[1] if axes[0] == "dict" else v for v in axes[1:]))
    return axes is not None


def emit_vmap(program: ir.Program, spec, entry_name: str) -> list[ir.Function]:
    """The entry ``entry_name`` and the batched functions it calls."""
    in_axes, out_axes = spec.argnums
    fn = program.entry_function()
    axes = tuple(in_axes) + (None,) * (len(fn.params) - len(in_axes))
    bp = BatchProgram(program, reserved={entry_name})
    try:
        batched, result = bp.batched(program.entry, tuple(status_of(a) for a in axes))
    except NotBatchable as exc:
        raise DifferentiationError(f"vmap of {fn.name}: {exc}") from None
    names = Names(ir.all_names(fn) | set(program.functions) | set(bp.functions) | {entry_name})
    body: list[ir.Stmt] = []
    k = _batch_size(fn, axes, names, body)
    params = [_to_front(p, a, k, names, body) for p, a in zip(fn.params, axes)]
    out = ir.Name(names.temp("_out"))
    body.append(ir.Assign(out.id, ir.UserCall(batched, (k,) + tuple(params))))
    body.append(ir.Return(_laid_out(out, result, out_axes, k, names, body)))
    mapped_params = [f"axis {a} of {p}" if isinstance(a, int) else f"{p} (a pytree)"
                     for p, a in zip(fn.params, axes) if mapped(a)]
    doc = f"vmap of {fn.name}: lanes on {', '.join(mapped_params) or 'no argument'}."
    doc += "".join(f"\nPer lane (no batching rule): {note}" for note in bp.per_lane)
    entry = ir.replace(fn, name=entry_name, body=tuple(body), docstring=doc)
    return [entry] + list(bp.functions.values())


def _batch_size(fn: ir.Function, axes: tuple, names: Names, body: list) -> ir.Name:
    """``_k = _rt.axis_size(names, args, axes)`` over the mapped parameters."""
    used = [(p, a) for p, a in zip(fn.params, axes) if mapped(a)]
    args = ir.Name(names.temp("_mapped"))
    body.append(ir.Assign(args.id, ir.Call("tuple", tuple(ir.Name(p) for p, _ in used))))
    k = ir.Name(names.exact("_k"))
    body.append(ir.Assign(k.id, ir.Call("_rt.axis_size", (
        ir.Const(tuple(p for p, _ in used)), args, ir.Const(tuple(a for _, a in used))))))
    return k


def _to_front(param: str, axes, k: ir.Name, names: Names, body: list) -> ir.Name:
    """``param`` with its mapped axes in front (``x_lanes``; ``param`` itself when its
    lanes are already on axis 0)."""
    if axes is None or axes == 0 or not mapped(axes):
        return ir.Name(param)
    if isinstance(axes, int):
        value = ir.Call("np.moveaxis", (ir.Name(param), ir.Const(axes), ir.Const(0)))
    else:
        value = ir.Call("_rt.tree_to_front", (ir.Name(param), ir.Const(axes), k))
    moved = ir.Name(names.exact(f"{param}_lanes"))
    body.append(ir.Assign(moved.id, value))
    return moved


def _laid_out(out: ir.Name, status, out_axes, k: ir.Name, names: Names, body: list):
    """The batched result as ``out_axes`` lays it out (an atom)."""
    if status is True and out_axes == 0:
        return out
    new = ir.Name(names.temp("_result"))
    if status is True and isinstance(out_axes, int):
        value = ir.Call("np.moveaxis", (out, ir.Const(0), ir.Const(out_axes)))
    else:
        value = ir.Call("_rt.vmap_out", (out, ir.Const(out_axes), ir.Const(printable(status)),
                                         k))
    body.append(ir.Assign(new.id, value))
    return new
