"""The cotangent list of an appended-to list, emptied in place (specialized modules only).

The reverse of ``ys.append(y)`` in a loop takes the last cotangent and keeps the rest
as a new list (``transforms/reverse.py``: a value, so code differentiated again reads
every version). Run as is, that copies the rest on every step: a scan of ``n`` steps
copies ``n²/2`` pointers. Where the cotangent list is one nobody else holds (made by a
helper that builds a fresh list, and read only by these steps), popping it in place
gives the same items::

    _bt3 = bys                      _bt3 = bys
    by = _bt3[-1]           ->      by = _rt.pop(_bt3)
    bys = _bt3[:-1]                 bys = _bt3

``_rt.pop`` updates its argument, so like ``accumulate.py`` this runs only in modules
specialized to a call's kinds, which nothing differentiates again.
"""

from __future__ import annotations

from .. import ir

# helpers that return a list of their own making (no caller holds it)
_FRESH = {"_rt.unstack_steps", "_rt.split_segments", "_rt.zeros_like", "_rt.unstack_like",
          "_rt.split_like"}


def pop_in_place(fn: ir.Function) -> ir.Function:
    steps = _steps(fn)
    if not steps:
        return fn
    return ir.replace(fn, body=_rewrite(fn.body, steps))


def _steps(fn: ir.Function) -> dict[int, str]:
    """``id`` of each ``x = A[-1]`` / ``L = A[:-1]`` statement to rewrite -> its role."""
    stmts = list(ir.walk(fn.body))
    defs: dict[str, list[ir.Stmt]] = {}
    reads: dict[str, list[ir.Stmt]] = {}
    for s in stmts:
        for t in ir.stmt_writes(s):
            defs.setdefault(t, []).append(s)
        for n in ir.stmt_reads(s):
            reads.setdefault(n, []).append(s)
    found: dict[int, tuple[str, ir.Stmt, ir.Stmt]] = {}  # the copy -> (L, last, rest)
    for s in stmts:  # ``A = L`` starts a step
        if not (isinstance(s, ir.Assign) and isinstance(s.value, ir.Name)):
            continue
        a, lst = s.target, s.value.id
        uses = reads.get(a, [])
        last = [u for u in uses if _subscript(u, a) == "last"]
        rest = [u for u in uses if _subscript(u, a) == "rest" and u.target == lst]
        if len(defs.get(a, [])) == 1 and len(uses) == 2 and len(last) == 1 and len(rest) == 1:
            found[id(s)] = (lst, last[0], rest[0])
    out: dict[int, str] = {}
    for lst, last, rest in found.values():
        if _owned(lst, defs, reads, found):
            out[id(last)], out[id(rest)] = "last", "rest"
    return out


def _subscript(s: ir.Stmt, a: str) -> str | None:
    """``"last"`` for ``x = a[-1]``, ``"rest"`` for ``y = a[:-1]``, else None."""
    if not (isinstance(s, ir.Assign) and isinstance(s.value, ir.Subscript)
            and s.value.value == ir.Name(a) and len(s.value.index.items) == 1):
        return None
    item = s.value.index.items[0]
    if item == ir.Const(-1):
        return "last"
    if item == ir.Slice(None, ir.Const(-1), None):
        return "rest"
    return None


def _owned(lst: str, defs: dict, reads: dict, steps: dict) -> bool:
    """Every value of ``lst`` is a fresh list or the rest of one, and every read of it is
    the copy that starts a step (so no other name ever holds the list it pops)."""
    for d in defs.get(lst, []):
        v = d.value if isinstance(d, ir.Assign) else None
        fresh = isinstance(v, ir.Call) and v.func in _FRESH
        rest = isinstance(v, ir.Subscript) and isinstance(v.value, ir.Name) and _subscript(
            d, v.value.id) == "rest"
        if not (fresh or rest):
            return False
    return all(id(r) in steps for r in reads.get(lst, []))


def _rewrite(body: tuple[ir.Stmt, ...], steps: dict[int, str]) -> tuple[ir.Stmt, ...]:
    out = []
    for s in body:
        role = steps.get(id(s))
        if role == "last":
            s = ir.replace(s, value=ir.Call("_rt.pop", (s.value.value,)))
        elif role == "rest":
            s = ir.replace(s, value=s.value.value)
        out.append(ir.map_bodies(s, lambda b: _rewrite(b, steps)))
    return tuple(out)
