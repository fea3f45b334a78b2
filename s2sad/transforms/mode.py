"""Which mode a gradient is emitted in: reverse (a tape) or forward (a tangent per input).

Reverse mode runs a forward sweep that tapes what the reverse sweep reads, then the
reverse sweep: in a loop of scalar steps every step pushes and pops, and the loop runs
twice (RK4 over 500 steps: ~2.5x the primal). The gradient of one *scalar* input is had
more cheaply in forward mode: its tangent carried beside the primal in one pass, nothing
stored (RK4: ~2.1x). So, decided when the code is generated, from the kinds of the
arguments (``Spec.signature``):

* ``grad``, ``value_and_grad``, ``grad_and_value`` (``has_aux`` or not),
* every differentiated argument a Python float or a 0-d float array (NumPy scalars),
  at most ``MAX_SCALARS`` of them, distinct,
* the function (or a function it calls) has a loop

give forward mode (``forward_gradient.py``), written in the entry's docstring::

    def rk4_grad(k, x0=1.0, v0=0.0):
        '''grad of rk4 with respect to k: forward mode (1 scalar input, loops; no tape).'''

One channel's tangent statements match the adjoint statements one for one, without the
tape and the second loop, so one input always gains. Each further input adds a channel
to the one pass, while reverse mode's cost stays put: with two or more, both are
emitted and the cheaper by ``cost.estimate`` kept (RK4 in k and x0: reverse; a
piecewise map in two inputs: forward). Anything else (an array argument, no loop,
generic code) is reverse mode, as before. Same numbers as reverse mode: the chain rule
through the same primitives' rules, summed in another order (to rounding). Composed
transforms read the generic entry (no signature), which stays reverse mode.
"""

from __future__ import annotations

from typing import Callable

from .. import ir
from ..errors import DifferentiationError
from . import cost, simplify
from .forward_gradient import emit_forward_gradient, param_kinds
from .specialize import FLOAT

GRADIENTS = frozenset({"grad", "value_and_grad", "grad_and_value"})
MAX_SCALARS = 4  # each input adds a channel (~1.2-1.6x the primal): past a few, reverse wins

Emitter = Callable[[ir.Program, object, str], list[ir.Function]]


def choose(program: ir.Program, spec, signature: tuple, reverse: Emitter) -> Emitter:
    """The emitter for ``spec`` with arguments of kinds ``signature``: forward mode where
    ``forward_reason`` gives a reason (and, for several inputs, the estimate favours it),
    else ``reverse`` (also where forward mode cannot differentiate what reverse can)."""
    reason = forward_reason(program, spec, signature)
    if reason is None:
        return reverse

    def emit(program: ir.Program, spec, entry_name: str) -> list[ir.Function]:
        try:
            forward = emit_forward_gradient(program, spec, entry_name, signature, reason)
        except DifferentiationError:
            return reverse(program, spec, entry_name)
        if not isinstance(spec.argnums, tuple) or len(spec.argnums) == 1:
            return forward
        backward = reverse(program, spec, entry_name)
        return forward if _estimate(forward, signature) <= _estimate(backward, signature) \
            else backward

    return emit


def forward_reason(program: ir.Program, spec, signature: tuple) -> str | None:
    """``"forward mode (1 scalar input, loops; no tape)"`` where forward mode may pay, else
    None. ``signature``: the kinds of the positional arguments (``specialize.Kind``/None)."""
    if spec.transform not in GRADIENTS:
        return None
    nums = spec.argnums if isinstance(spec.argnums, tuple) else (spec.argnums,)
    if len(set(nums)) != len(nums) or len(nums) > MAX_SCALARS:
        return None
    # a negative argnum counts from the last argument given or from the last parameter:
    # where those differ, the kind would be read from the wrong argument
    if not all(0 <= i < len(signature) and _scalar_float(signature[i]) for i in nums):
        return None
    if not _has_loop(program):
        return None
    inputs = f"{len(nums)} scalar input{'s' if len(nums) > 1 else ''}"
    return f"forward mode ({inputs}, loops; no tape)"


def _scalar_float(kind) -> bool:
    """A Python float, or an array of rank 0 (a NumPy scalar; ``api`` has refused integer
    ones before any code is generated)."""
    return kind is not None and (kind == FLOAT or (kind.python is None and kind.rank == 0))


def _has_loop(program: ir.Program) -> bool:
    """A ``for`` or ``while`` in the entry or any function it calls."""
    return any(isinstance(s, (ir.For, ir.While))
               for f in program.functions.values() for s in ir.walk(f.body))


def _estimate(functions: list[ir.Function], signature: tuple) -> float:
    """``cost.estimate`` of the entry (``functions[0]``) as it will run: it and the functions
    it calls specialized to the kinds they are called with (``specialize_calls``, as the
    pipeline does) and simplified (the helpers either mode emits for generic code,
    ``unbroadcast``, ``tree_add`` or ``broadcast_like``, mostly go; a reverse sweep's
    callees, ``f_fwd``/``f_bwd``, priced generic, made reverse mode look dear)."""
    from .specialize_calls import specialize_module

    entry = functions[0]
    specialized = specialize_module(functions, entry.name, param_kinds(entry, signature))
    simplified = {f.name: simplify.dead_code(simplify.fold_constants(f)) for f in specialized}
    return cost.estimate(simplified[entry.name], simplified)
