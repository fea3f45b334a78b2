"""The entry of ``grad``, ``value_and_grad`` and ``grad_and_value`` in forward mode.

One channel per differentiated scalar input (``forward_fused.py``), each seeded with the
unit tangent, so the output's tangent in channel ``k`` is the ``k``-th partial derivative;
the result has the structure the reverse entry (``gradient.py``) returns::

    def rk4_grad(k, x0=1.0, v0=0.0):
        '''grad of rk4 with respect to k: forward mode (1 scalar input, loops; no tape).'''
        dk = 1.0                       # d k / d k
        ...                            # the primal, each statement followed by its tangent
        return _dt34                   # the output's tangent: d out / d k

Where the output is not a Python float in every run, ``_rt.seed(out)`` checks it is a
scalar, raising what reverse mode raises (which seeds its sweep with it) otherwise.
"""

from __future__ import annotations

from .. import ir
from ..codegen.naming import Names
from .common import split_aux
from .forward_fused import FusedFunction, FusedProgram
from .gradient import _result  # the structure grad / value_and_grad / grad_and_value return
from .specialize import FLOAT, Kind, infer, signature_of


def emit_forward_gradient(program: ir.Program, spec, entry_name: str, signature: tuple,
                          reason: str) -> list[ir.Function]:
    """The entry ``entry_name`` in forward mode w.r.t. ``spec.argnums`` (scalar floats of
    the kinds in ``signature``), then the callees' jvps it calls; ``reason`` ends its
    docstring."""
    fn = program.entry_function()
    fn, aux = split_aux(fn) if spec.has_aux else (fn, None)
    nums = spec.argnums if isinstance(spec.argnums, tuple) else (spec.argnums,)
    active = tuple(fn.params[i] for i in nums)
    ff = FusedFunction(FusedProgram(program, reserved={entry_name}), fn,
                       tuple((p,) for p in active))
    # the unit tangent of each input, in the input's float type (a 0-d array's dtype)
    seeds = [ir.Assign(c.tan(p), ir.Const(1.0) if signature[i] == FLOAT
                       else ir.Call("_rt.seed", (ir.Name(p),)))
             for c, p, i in zip(ff.channels, active, nums)]
    body = ff.run(fn.body)
    # grad needs a scalar output (where it is a Python float, nothing to check: reverse
    # mode's seed is 1.0 there too)
    kinds = infer(fn, param_kinds(fn, signature))
    float_out = isinstance(ff.result, ir.Name) and kinds.get(ff.result.id) == FLOAT
    tail: list[ir.Stmt] = [] if float_out else [ir.ExprStmt(ir.Call("_rt.seed", (ff.result,)))]
    grads = ff.tangents_of_result(tail)
    result = _result(spec, _Gradients(ff.names, grads), ff.result, aux, tail)
    entry = ir.replace(fn, name=entry_name, body=tuple(seeds + body + tail + [ir.Return(result)]),
                       docstring=f"{spec.transform} of {fn.name} with respect to "
                                 f"{', '.join(active)}: {reason}.")
    return [entry] + list(ff.prog.functions.values())


def param_kinds(fn: ir.Function, signature: tuple) -> dict[str, Kind]:
    """The kinds of ``fn``'s parameters: those of the arguments given (``signature``), and of
    the constant defaults of those left out (as the pipeline specializes the entry)."""
    kinds = {p: k for p, k in zip(fn.params, signature) if k is not None}
    for name, default in fn.defaults:
        if name in fn.params[len(signature):] and isinstance(default, ir.Const):
            kinds[name] = signature_of(default.value)
    return kinds


class _Gradients:
    """What ``gradient._result`` reads of a reverse function: names, and the gradients."""

    def __init__(self, names: Names, grads: list[ir.Atom]):
        self.names, self.grads = names, grads

    def gradients(self, tail: list[ir.Stmt]) -> list[ir.Atom]:
        return self.grads
