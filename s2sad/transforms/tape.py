"""Drop tape entries the reverse sweep never reads.

The reverse transform records a value when the reverse sweep reads it; a later pass
(``specialize``) may remove that read (``_rt.unbroadcast(g, x)`` read ``x`` only for its
shape). Then the value is pushed and popped for nothing::

    for ...:                                for ...:
        _tape.append(_t30)                      _t30 = _t24 * _t29
        _t30 = _t24 * _t29                  ...
    ...                                     for ...:
    for ...:                                    ...
        _t30 = _tape.pop()      (unread)

The tape is a stack, and each name is pushed and popped at mirrored points, so taking
every push and every pop of one name away leaves the other entries paired as before.
Only functions that own their tape (``_tape = []`` here, used by nothing but append and
pop) are touched.
"""

from __future__ import annotations

from .. import ir
from ..analysis.liveness import live_after


def drop_unread_entries(fn: ir.Function) -> ir.Function:
    tapes = _local_tapes(fn)
    if not tapes:
        return fn
    live = live_after(fn)
    pops: dict[tuple[str, str], list[bool]] = {}  # (tape, name) -> whether each pop is read
    for s in ir.walk(fn.body):
        tape = _popped_from(s, tapes)
        if tape is not None:
            pops.setdefault((tape, s.target), []).append(s.target in live.get(id(s), ()))
    dead = {key for key, read in pops.items() if not any(read)}
    if not dead:
        return fn
    return ir.replace(fn, body=_without(fn.body, dead, tapes))


def _local_tapes(fn: ir.Function) -> set[str]:
    """Names bound to ``[]`` here whose only uses are ``_rt.append``/``_rt.pop``."""
    made = {s.target for s in ir.walk(fn.body) if isinstance(s, ir.Assign)
            and s.value == ir.Call("list", ())}
    for s in ir.walk(fn.body):
        value = s.value if isinstance(s, (ir.Assign, ir.ExprStmt)) else None
        ok_use = isinstance(value, ir.Call) and value.func in ("_rt.append", "_rt.pop") and (
            value.args[:1] and isinstance(value.args[0], ir.Name))
        reads = ir.stmt_reads(s)
        if ok_use:
            reads = reads - {value.args[0].id}
        made -= reads
        if isinstance(s, ir.Return):
            made -= ir.names_read(s.value)
    return made


def _popped_from(s: ir.Stmt, tapes: set[str]) -> str | None:
    if isinstance(s, ir.Assign) and isinstance(s.value, ir.Call) and s.value.func == "_rt.pop":
        tape = s.value.args[0]
        if isinstance(tape, ir.Name) and tape.id in tapes:
            return tape.id
    return None


def _pushed(s: ir.Stmt, tapes: set[str]) -> tuple[str, str] | None:
    if isinstance(s, ir.ExprStmt) and s.value.func == "_rt.append" and len(s.value.args) == 2:
        tape, item = s.value.args
        if isinstance(tape, ir.Name) and tape.id in tapes and isinstance(item, ir.Name):
            return tape.id, item.id
    return None


def _without(body, dead: set, tapes: set[str]) -> tuple[ir.Stmt, ...]:
    out = []
    for s in body:
        tape = _popped_from(s, tapes)
        if _pushed(s, tapes) in dead or (tape is not None and (tape, s.target) in dead):
            continue
        out.append(ir.map_bodies(s, lambda b: _without(b, dead, tapes)))
    return tuple(out)


def drop_unread_split(fwd: ir.Function, bwd: ir.Function) -> tuple[ir.Function, ir.Function]:
    """The same across a split callee: ``fwd`` pushes onto ``_tape`` and hands it to ``bwd``
    in its residual tuple; ``bwd`` copies it and pops. A name ``bwd`` never reads after
    popping it is pushed and popped for nothing: both sides drop it."""
    name = "_tape"
    if not (_fills_only(fwd, name) and _empties_only(bwd, name)
            and _hands_over(fwd, bwd, name)):
        return fwd, bwd
    live = live_after(bwd)
    pops: dict[tuple[str, str], list[bool]] = {}
    for s in ir.walk(bwd.body):
        if _popped_from(s, {name}) is not None:
            pops.setdefault((name, s.target), []).append(s.target in live.get(id(s), ()))
    dead = {key for key, read in pops.items() if not any(read)}
    if not dead:
        return fwd, bwd
    return (ir.replace(fwd, body=_without(fwd.body, dead, {name})),
            ir.replace(bwd, body=_without(bwd.body, dead, {name})))


def _hands_over(fwd: ir.Function, bwd: ir.Function, name: str) -> bool:
    """Whether ``bwd`` pops the very tape ``fwd`` fills: ``fwd`` returns ``(out, residuals)``
    with the tape at some position ``k`` of the residuals, and ``bwd`` unpacks position ``k``
    of its first parameter as the tape (the protocol of ``ReverseProgram.split``). Names
    alone do not prove it (a jvp of a split function has other parameters)."""
    defs: dict[str, object] = {}
    for s in ir.walk(fwd.body):
        if isinstance(s, ir.Assign):  # a name bound twice has no single value to read
            defs[s.target] = None if s.target in defs else s.value
    ret = fwd.body[-1] if fwd.body else None
    pair = defs.get(ret.value.id) if isinstance(ret, ir.Return) and isinstance(
        ret.value, ir.Name) else None
    if not (isinstance(pair, ir.Call) and pair.func == "tuple" and len(pair.args) == 2
            and isinstance(pair.args[1], ir.Name)):
        return False
    pack = defs.get(pair.args[1].id)
    if not (isinstance(pack, ir.Call) and pack.func == "tuple" and ir.Name(name) in pack.args):
        return False
    k = pack.args.index(ir.Name(name))
    unpack = ir.Subscript(ir.Name(bwd.params[0]), ir.Index((ir.Const(k),))) if bwd.params else None
    return any(isinstance(s, ir.Assign) and s.target == name and s.value == unpack
               for s in ir.walk(bwd.body))


def _fills_only(fn: ir.Function, name: str) -> bool:
    """``name = []`` once, then only appended to and packed into a tuple."""
    for s in ir.walk(fn.body):
        if name in ir.stmt_writes(s) and not (
                isinstance(s, ir.Assign) and s.value == ir.Call("list", ())):
            return False
        if name in ir.stmt_reads(s) and _pushed(s, {name}) is None and not (
                isinstance(s, ir.Assign) and isinstance(s.value, ir.Call)
                and s.value.func == "tuple"):
            return False
    return True


def _empties_only(fn: ir.Function, name: str) -> bool:
    """``name`` unpacked from the residuals, copied, then only popped."""
    for s in ir.walk(fn.body):
        if name in ir.stmt_reads(s) and _popped_from(s, {name}) is None and not (
                isinstance(s, ir.Assign) and s.target == name):
            return False
    return True
