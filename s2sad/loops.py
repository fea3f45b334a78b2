"""Structured loops: ``scan``, ``fori_loop``, ``while_loop`` (JAX semantics) and ``checkpoint``.

Each loop is written once, as the plain Python below (``scan_steps``, ...). A direct
call validates its arguments and runs that Python. Inside a differentiated function
the front end (``frontend/normalize/loops.py``) reads the very same functions as user
code, with the body ``f`` known at compile time, so the transforms emit their
derivatives as explicit loops: reverse mode a forward loop that tapes what the
backward loop reads, then the reversed loop over the body's adjoint; forward mode one
loop carrying tangents::

    carry, ys = s2sad.scan(cell, h0, xs)    ->   _call1 = scan_steps_fwd_cell(h0, xs, None)
                                                 ...
                                                 _ct1 = scan_steps_bwd_cell(_res1, _bt1)

``checkpoint(fn)`` marks a function whose forward values are not taped: the reverse
sweep runs it again from its saved arguments (``transforms/reverse.py``). A scan with
``checkpoint=k`` runs segments of ``k`` steps through such a function, so only every
k-th carry is kept and each segment is taped only while its adjoint runs.
"""

from __future__ import annotations

import inspect

from . import runtime as _rt
from .custom import Marked

__all__ = ["scan", "fori_loop", "while_loop", "checkpoint"]


class Checkpointed(Marked):
    """``fn`` marked for recomputation in the reverse sweep; calls run ``fn`` unchanged."""

    label = "checkpoint"


def checkpoint(fn):
    """``fn``, with its forward values recomputed in the reverse sweep instead of stored
    (like ``jax.checkpoint``): less memory for one more forward run of ``fn``."""
    return fn if isinstance(fn, Checkpointed) else Checkpointed(fn)


# --------------------------------------------------------------------------- what the compiler reads
# Plain Python in the subset s2sad differentiates; ``f`` and ``body`` are compile-time
# functions there. ``_rt`` helpers handle pytrees (rules in rules/loops.py).


def scan_steps(f, init, xs, length):
    """``(carry, ys)`` of ``f`` over the steps of ``xs`` (or ``length`` steps of ``None``)."""
    n = _rt.scan_length(xs, length)
    carry = init
    ys = []
    for i in range(n):
        x = _rt.leaf_at(xs, i)
        new_carry, y = f(carry, x)
        carry = _rt.same_carry(new_carry, carry)
        ys.append(y)
    return carry, _rt.stack_steps(ys)


def scan_steps_reversed(f, init, xs, length):
    """``scan_steps`` from the last step to the first; ``ys`` keeps the order of ``xs``."""
    carry, ys = scan_steps(f, init, _rt.reverse_steps(xs), length)
    return carry, _rt.reverse_steps(ys)


def scan_segments(f, init, xs, length, every):
    """``scan_steps`` in segments of ``every`` steps, each a checkpointed ``scan_segment``:
    the reverse sweep keeps one carry per segment and re-runs one segment at a time."""
    n = _rt.scan_length(xs, length)
    k = _rt.segment_length(n, every)
    carry = init
    parts = []
    for start in range(0, n, k):
        stop = min(start + k, n)
        carry, part = scan_segment(f, carry, xs, start, stop)
        parts.append(part)
    return carry, _rt.join_segments(parts)


def scan_segments_reversed(f, init, xs, length, every):
    carry, ys = scan_segments(f, init, _rt.reverse_steps(xs), length, every)
    return carry, _rt.reverse_steps(ys)


def _scan_segment(f, carry, xs, start, stop):
    ys = []
    for i in range(start, stop):
        x = _rt.leaf_at(xs, i)
        new_carry, y = f(carry, x)
        carry = _rt.same_carry(new_carry, carry)
        ys.append(y)
    return carry, _rt.stack_steps(ys)


scan_segment = checkpoint(_scan_segment)
scan_segment.__name__ = "scan_segment"


def fori_steps(lower, upper, body, init):
    """``val = body(i, val)`` for ``i`` in ``range(lower, upper)``."""
    val = init
    for i in range(lower, upper):
        val = _rt.same_carry(body(i, val), val)
    return val


def while_steps(cond, body, init):
    """``val = body(val)`` while ``cond(val)``."""
    val = init
    while cond(val):
        val = _rt.same_carry(body(val), val)
    return val


for _fn in (scan_steps, scan_steps_reversed, scan_segments, scan_segments_reversed,
            _scan_segment, fori_steps, while_steps):
    _fn.__s2sad_readable__ = True  # user code to the front end, wherever s2sad is installed


# --------------------------------------------------------------------------- the public loops


def scan(f, init, xs=None, length=None, reverse=False, checkpoint=None):
    """``(carry, ys)``: ``carry, y = f(carry, x)`` for each ``x`` of ``xs`` along axis 0
    (``jax.lax.scan``); ``ys`` stacks the ``y`` on axis 0 (``None`` where ``y`` is).
    ``checkpoint=k`` (or ``"sqrt"``): the reverse sweep keeps every k-th carry only."""
    check_body(f, 2, "scan", "(carry, x)")
    if checkpoint is not None:
        _rt.segment_length(1, checkpoint)
    run = scan_steps_reversed if reverse else scan_steps
    return run(f, init, xs, length)


def fori_loop(lower, upper, body, init):
    """``body(i, val)`` for ``i`` from ``lower`` to ``upper - 1`` (``jax.lax.fori_loop``)."""
    check_body(body, 2, "fori_loop", "(i, val)")
    return fori_steps(lower, upper, body, init)


def while_loop(cond, body, init):
    """``val = body(val)`` while ``cond(val)`` (``jax.lax.while_loop``); differentiable in
    both modes."""
    check_body(cond, 1, "while_loop", "(val)", "condition")
    check_body(body, 1, "while_loop", "(val)")
    return while_steps(cond, body, init)


for _fn, _kind in ((scan, "scan"), (fori_loop, "fori_loop"), (while_loop, "while_loop")):
    _fn.__s2sad_loop__ = _kind


def check_body(fn, n: int, loop: str, params: str, what: str = "body") -> None:
    """A ``TypeError`` unless ``fn`` can be called with ``n`` positional arguments."""
    if not callable(fn):
        raise TypeError(f"s2sad.{loop}: the {what} must be a function of {params}, not "
                        f"{type(fn).__name__}")
    try:
        sig = inspect.signature(fn)
    except (TypeError, ValueError):
        return  # a builtin without a signature: the call will tell
    try:
        sig.bind(*range(n))
    except TypeError:
        name = getattr(fn, "__name__", "the function")
        raise TypeError(f"s2sad.{loop}: the {what} must be a function of {params}; "
                        f"`{name}{sig}` cannot be called with {n} argument"
                        f"{'s' if n != 1 else ''}") from None
