"""A loop's product of an invariant matrix with one step of an array, made one product
before the loop.

An RNN reads one row of its inputs per step and multiplies it by a weight matrix that
no step changes; by hand, all the steps' products are one matrix product before the
loop, and each step reads its row::

    for t in range(100):                  _t31 = xs[0:100]
        _t2 = xs[t]                       _t32 = np.transpose(U)
        _t3 = U @ _t2                     _t33 = _t31 @ _t32
        ...                               for t in range(100):
                                              _t3 = _t33[t]
                                              ...

Row ``t - a`` of ``xs[a:b] @ U.T`` is ``U @ xs[t]`` (for a vector ``xs[t]``; a matrix step
is ``U @ xs[a:b]``, batched by ``@``; ``xs[t] @ U`` is ``xs[a:b] @ U``), equal up to the
rounding of one matrix product against a matrix-vector product per step. Applies to a
``for`` loop over ``range(a, b)`` with a constant ``a >= 0`` and step 1 (so ``t`` never
wraps around), where neither ``U`` nor ``xs`` is rebound in the loop, ``t`` is only the
loop's, the row is read in the step that takes it, and ``U`` is a vector or a matrix,
in a function that changes no array in place (each step's product is now a view of
the one before the loop). A loop that stops early has computed rows it never reads.

Only for specialized modules: it needs the operands' ranks (``specialize.infer``).
"""

from __future__ import annotations

from .. import ir
from ..codegen.naming import Names
from .simplify import may_write_in_place


def batch(fn: ir.Function, kinds: dict) -> ir.Function:
    """``fn`` with each qualifying per-step product of a loop made before it."""
    if may_write_in_place(fn):
        return fn
    names = Names(ir.all_names(fn) | {fn.name})
    body = _body(fn.body, kinds, names)
    return fn if body == fn.body else ir.replace(fn, body=body)


def _body(body, kinds, names) -> tuple:
    out: list[ir.Stmt] = []
    for s in body:
        s = ir.map_bodies(s, lambda b: _body(b, kinds, names))
        if isinstance(s, ir.For):
            out += _loop(s, kinds, names)
        else:
            out.append(s)
    return tuple(out)


def _array_rank(a, kinds) -> int | None:
    k = kinds.get(a.id) if isinstance(a, ir.Name) else None
    return None if k is None or k.python or k.optional else k.rank


def _loop(loop: ir.For, kinds, names) -> list[ir.Stmt]:
    start = loop.start
    if not (isinstance(loop.step, ir.Const) and loop.step.value == 1
            and isinstance(start, ir.Const) and type(start.value) is int and start.value >= 0
            and isinstance(loop.stop, (ir.Const, ir.Name))):
        return [loop]
    rebound = {t for s in ir.walk(loop.body) for t in ir.stmt_writes(s)}
    if loop.target in rebound or (isinstance(loop.stop, ir.Name) and loop.stop.id in rebound):
        return [loop]
    rows: dict[str, ir.Name] = {}  # step t's row of an array bound so far: _t2 = xs[t]
    before: list[ir.Stmt] = []
    body: list[ir.Stmt] = []
    for s in loop.body:
        new = _product(s, rows, rebound, kinds, names, loop, before)
        body += [s] if new is None else new
        for t in {t for inner in ir.walk((s,)) for t in ir.stmt_writes(inner)}:
            rows.pop(t, None)  # (a name rebound holds no row from here)
        if (isinstance(s, ir.Assign) and isinstance(s.value, ir.Subscript)
                and isinstance(s.value.value, ir.Name) and s.value.value.id not in rebound
                and s.value.index == ir.Index((ir.Name(loop.target),))):
            rows[s.target] = s.value.value
    if not before:
        return [loop]
    return before + [ir.replace(loop, body=tuple(body))]


def _product(s, rows, rebound, kinds, names, loop: ir.For, before: list):
    """The statements that read step ``t``'s product (``_t3 = _P[t]``) for ``s`` (``_t3 = U
    @ _t2`` with ``_t2`` a row), with ``_P``'s statements added to ``before``; None where
    ``s`` is no such product."""
    if not (isinstance(s, ir.Assign) and isinstance(s.value, ir.Call)
            and s.value.func == "matmul" and len(s.value.args) == 2 and not s.value.kwargs):
        return None
    left, right = s.value.args
    row_on_left = isinstance(left, ir.Name) and left.id in rows
    row, weight = (left, right) if row_on_left else (right, left)
    if not (isinstance(row, ir.Name) and row.id in rows and isinstance(weight, ir.Name)
            and weight.id not in rebound and weight.id not in rows):
        return None
    steps = rows[row.id]
    steps_rank, weight_rank = _array_rank(steps, kinds), _array_rank(weight, kinds)
    if steps_rank is None or steps_rank < 2 or weight_rank not in (1, 2):
        return None
    step_rank = steps_rank - 1
    line = loop.line
    stacked, product = names.temp(), names.temp()
    before.append(ir.Assign(stacked, ir.Subscript(steps, ir.Index((ir.Slice(
        loop.start, loop.stop),))), line))
    if row_on_left:  # xs[t] @ U: the steps' rows times U
        value = ir.Call("matmul", (ir.Name(stacked), weight))
    elif step_rank >= 2:  # U @ xs[t] with a matrix step: @ batches over the steps
        value = ir.Call("matmul", (weight, ir.Name(stacked)))
    elif weight_rank == 1:  # u @ xs[t]: a dot product per step
        value = ir.Call("matmul", (ir.Name(stacked), weight))
    else:  # U @ xs[t]: row t of xs @ U.T
        transposed = names.temp()
        before.append(ir.Assign(transposed, ir.Call("np.transpose", (weight,)), line))
        value = ir.Call("matmul", (ir.Name(stacked), ir.Name(transposed)))
    before.append(ir.Assign(product, value, line))
    if loop.start.value == 0:
        return [ir.replace(s, value=ir.Subscript(ir.Name(product), ir.Index((
            ir.Name(loop.target),))))]
    step = names.temp()  # row t - a of xs[a:b]
    return [ir.Assign(step, ir.Call("sub", (ir.Name(loop.target), loop.start)), s.line),
            ir.replace(s, value=ir.Subscript(ir.Name(product), ir.Index((ir.Name(step),))))]
