"""Liveness: which names a function may still read after each statement.

Backward over the structured IR; a loop is iterated to a fixed point (what its body
reads at the start of an iteration is live at the end of the previous one). Before/after::

    y = x * 2      live after: {x, y}
    z = y + x      live after: {z}
    return z
"""

from __future__ import annotations

from .. import ir


def live_after(fn: ir.Function) -> dict[int, frozenset[str]]:
    """``id(statement) -> names live right after it``, for every statement of ``fn``."""
    out: dict[int, frozenset[str]] = {}
    _body(fn.body, frozenset(), out)
    return out


def _body(body, live: frozenset[str], out: dict) -> frozenset[str]:
    for s in reversed(body):
        out[id(s)] = live
        live = _stmt(s, live, out)
    return live


def _stmt(s: ir.Stmt, live: frozenset[str], out: dict) -> frozenset[str]:
    """Names live before ``s`` given those live after it."""
    if isinstance(s, ir.If):
        inner = _body(s.body, live, out) | _body(s.orelse, live, out)
        return inner | ir.stmt_reads(s)
    if isinstance(s, ir.For):
        head = live
        for _ in range(len(s.body) + 2):  # each round adds names; bounded by the body
            new = _body(s.body, head | live, out) - {s.target} | live
            if new == head:
                break
            head = new
        return head | ir.stmt_reads(s)
    if isinstance(s, ir.While):  # while True: test_body; if not test: break; body
        head = live
        for _ in range(len(s.body) + len(s.test_body) + 2):
            after_test = _body(s.body, head, out) | live | ir.stmt_reads(s)
            new = _body(s.test_body, after_test, out) | live
            if new == head:
                break
            head = new
        return head
    if isinstance(s, ir.SetItem):  # an update: the array stays live, its old value is read
        return live | ir.stmt_reads(s)
    return (live - ir.stmt_writes(s)) | ir.stmt_reads(s)
