"""A loop's sum of outer products, made one matrix product after the loop.

The cotangent of ``W`` in ``W @ h`` is ``np.outer(g, h)``; a loop that multiplies by
``W`` each step (an RNN's recurrence) adds one outer product per step to ``bW``: a new
matrix and an addition of matrices per step. Backpropagation through time by hand
keeps the steps' vectors and multiplies once::

    for t in range(99, -1, -1):              _gs1 = []
        ...                                  _hs1 = []
        _t31 = np.outer(_bt1, h)             for t in range(99, -1, -1):
        bW = bW + _t31                           ...
                                                 _gs1.append(_bt1)
                                                 _hs1.append(h)
                                             if _gs1:
                                                 _t40 = np.stack(_gs1)
                                                 _t41 = np.transpose(_t40)
                                                 _t42 = np.stack(_hs1)
                                                 _t43 = _t41 @ _t42
                                                 bW = bW + _t43

``sum_t outer(g_t, h_t) = G^T H`` with the ``g_t`` as the rows of ``G`` and the ``h_t`` of
``H``. Applies where the outer product is read only by the addition, ``bW`` is read and
written in the loop by that addition alone, and both factors are vectors whose size is
not 1 (so every step's product has ``bW``'s shape, and the steps' vectors stack), in a
function that changes no array in place (a kept vector must not change later). The
sum is the same up to the order of the additions (rounding). A loop that ran no step
leaves ``bW`` as it was.

Only for specialized modules: it needs the factors' kinds (``specialize.infer``).
"""

from __future__ import annotations

from .. import ir
from ..codegen.naming import Names
from .simplify import may_write_in_place

_ADDS = ("add", "_rt.tree_add")


def gather(fn: ir.Function, kinds: dict) -> ir.Function:
    """``fn`` with each qualifying sum of outer products over a loop's steps gathered."""
    if may_write_in_place(fn):  # a step's vector kept for later must stay as it was
        return fn
    reads: dict[str, int] = {}
    for s in ir.walk(fn.body):
        for n in ir.stmt_reads(s):
            reads[n] = reads.get(n, 0) + 1
    names = Names(ir.all_names(fn) | {fn.name})
    body = _body(fn.body, kinds, reads, names)
    return fn if body == fn.body else ir.replace(fn, body=body)


def _body(body, kinds, reads, names) -> tuple:
    out: list[ir.Stmt] = []
    for s in body:
        s = ir.map_bodies(s, lambda b: _body(b, kinds, reads, names))
        if isinstance(s, (ir.For, ir.While)):
            out += _loop(s, kinds, reads, names)
        else:
            out.append(s)
    return tuple(out)


def _loop(loop, kinds, reads, names) -> list[ir.Stmt]:
    body = loop.body
    before, after, new_body = [], [], []
    k = 0
    while k < len(body):
        pair = _site(body, k, loop, kinds, reads)
        if pair is None:
            new_body.append(body[k])
            k += 1
            continue
        acc, (u, v), add, line = pair
        us, vs = names.temp("_gs"), names.temp("_hs")
        before += [ir.Assign(us, ir.Call("list", ()), line), ir.Assign(vs, ir.Call("list", ()), line)]
        new_body += [ir.ExprStmt(ir.Call("_rt.append", (ir.Name(us), u)), line),
                     ir.ExprStmt(ir.Call("_rt.append", (ir.Name(vs), v)), line)]
        g, gt, h, prod = (names.temp() for _ in range(4))
        after.append(ir.If(ir.Name(us), (
            ir.Assign(g, ir.Call("np.stack", (ir.Name(us),)), line),
            ir.Assign(gt, ir.Call("np.transpose", (ir.Name(g),)), line),
            ir.Assign(h, ir.Call("np.stack", (ir.Name(vs),)), line),
            ir.Assign(prod, ir.Call("matmul", (ir.Name(gt), ir.Name(h))), line),
            ir.Assign(acc, ir.Call(add, (ir.Name(acc), ir.Name(prod))), line)), (), line))
        k += 2
    if not before:
        return [loop]
    return before + [ir.replace(loop, body=tuple(new_body))] + after


def _site(body, k: int, loop, kinds, reads):
    """``(bW, (g, h), how bW adds, line)`` where ``body[k:k + 2]`` is ``t = np.outer(g, h); bW = bW + t``
    and the pair qualifies (module doc); else None."""
    if k + 1 >= len(body):
        return None
    s, add = body[k], body[k + 1]
    if not (isinstance(s, ir.Assign) and isinstance(s.value, ir.Call)
            and s.value.func == "np.outer" and len(s.value.args) == 2 and not s.value.kwargs
            and reads.get(s.target) == 1):
        return None
    if not (isinstance(add, ir.Assign) and isinstance(add.value, ir.Call)
            and add.value.func in _ADDS and len(add.value.args) == 2
            and ir.Name(s.target) in add.value.args and ir.Name(add.target) in add.value.args
            and add.target != s.target):
        return None
    acc = add.target
    if not all(isinstance(a, ir.Name) and _vector(kinds.get(a.id)) for a in s.value.args):
        return None
    if acc in ir.stmt_reads(loop) or acc in ir.stmt_writes(loop) or any(
            a.id == acc for a in s.value.args):
        return None
    for other in ir.walk(loop.body):
        if other is s or other is add:
            continue
        if acc in ir.stmt_reads(other) | ir.stmt_writes(other):
            return None
    return acc, s.value.args, add.value.func, add.line


def _vector(k) -> bool:
    """An array of one dimension whose size is known not to be 1 (or None: a placeholder
    that ``np.outer`` would refuse as well)."""
    return k is not None and not k.python and k.rank == 1 and k.dims[0][1] is False
