"""``s2sad.scan``, ``fori_loop`` and ``while_loop`` inside a differentiated function.

Each becomes a call of the plain Python that runs the loop (``s2sad/loops.py``),
read as user code with the body known at compile time; the options that choose
the loop (``reverse``, ``checkpoint``) are read here, from the call::

    s2sad.scan(cell, h0, xs)                     ->  scan_steps(cell, h0, xs, None)
    s2sad.scan(cell, h0, xs, reverse=True)       ->  scan_steps_reversed(cell, h0, xs, None)
    s2sad.scan(cell, h0, None, 100, checkpoint=10) -> scan_segments(cell, h0, None, 100, 10)
    s2sad.fori_loop(0, n, body, x)               ->  fori_steps(0, n, body, x)

The body must be a function known at compile time (a nested ``def``, a lambda, a
module-level function) that takes the loop's arguments: otherwise a ``TypeError``
at the user's line, as a direct call gives.
"""

from __future__ import annotations

import inspect

from ... import ir, loops
from ... import runtime as _rt
from .closures import LocalFunction
from .expressions import StaticValue

_BODIES = {"scan": (("f", 2, "(carry, x)"),),
           "fori_loop": (("body", 2, "(i, val)"),),
           "while_loop": (("cond", 1, "(val)"), ("body", 1, "(val)"))}


def readable_loop(b, low, node, func, args, kwargs):
    """``(function, args, kwargs)``: the plain-Python loop to read for this call."""
    kind = func.__s2sad_loop__
    try:
        bound = inspect.signature(func).bind(*args, **dict(kwargs))
    except TypeError as exc:
        raise TypeError(str(low.error(node, f"s2sad.{kind}: {exc}"))) from None
    bound.apply_defaults()
    given = bound.arguments
    for param, n, params in _BODIES[kind]:
        _check_body(b, low, node, kind, given[param], param, n, params)
    if kind == "fori_loop":
        return loops.fori_steps, [given["lower"], given["upper"], given["body"],
                                  given["init"]], []
    if kind == "while_loop":
        return loops.while_steps, [given["cond"], given["body"], given["init"]], []
    reverse = _static(low, node, given["reverse"], "reverse", (bool,))
    every = _static(low, node, given["checkpoint"], "checkpoint", (int, str, type(None)))
    data = [given["f"], given["init"], _atom(given["xs"]), _atom(given["length"])]
    if every is None:
        return (loops.scan_steps_reversed if reverse else loops.scan_steps), data, []
    try:
        ir_every = ir.Const(_rt.segment_length(1, every) if every != "sqrt" else every)
    except ValueError as exc:
        raise low.error(node, f"s2sad.scan: {exc}") from None
    return (loops.scan_segments_reversed if reverse else loops.scan_segments), (
        data + [ir_every]), []


def _atom(value):
    """A default left to the loop (``None``) as the IR constant it is."""
    return ir.Const(value) if value is None else value


def _static(low, node, value, name: str, types: tuple):
    """An option that must be known when the code is generated (a literal in the call)."""
    if isinstance(value, ir.Const):
        value = value.value
    elif isinstance(value, ir.Name):
        raise low.error(node, f"s2sad.scan: `{name}` must be written as a literal in the "
                              f"call (it chooses the loop s2sad generates)")
    if not isinstance(value, types):
        raise low.error(node, f"s2sad.scan: `{name}` cannot be {value!r}")
    return value


def _check_body(b, low, node, kind: str, value, what: str, n: int, params: str) -> None:
    """A ``TypeError`` at the call unless ``value`` is a function taking ``n`` arguments."""
    fn = value.value if isinstance(value, StaticValue) else None
    label = "condition" if what == "cond" else "body"
    if fn is None or not (callable(fn) or isinstance(fn, LocalFunction)):
        raise TypeError(str(low.error(node, f"s2sad.{kind}: the {label} must be a function "
                                            f"of {params} known at compile time (a nested "
                                            f"def, a lambda or a module-level function)")))
    if isinstance(fn, loops.Checkpointed):
        fn = fn.fn
    try:
        params_of = b.parameters(low, node, fn)
        inspect.Signature(params_of).bind(*range(n))
    except (TypeError, ValueError):
        raise TypeError(str(low.error(node, f"s2sad.{kind}: the {label} must be a function "
                                            f"of {params}; it cannot be called with {n} "
                                            f"argument{'s' if n != 1 else ''}"))) from None
