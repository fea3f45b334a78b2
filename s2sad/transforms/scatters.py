"""The cotangent of a slice, written as a person writes it, in code that is only run.

``x[1:]`` and ``x[:-1]`` give ``x`` the cotangent "zeros, with ``g`` in that slice"
(``_rt.getitem_vjp``); a second read adds into the first (``_rt.add_at``, which
``accumulate.in_place_runs`` makes an addition in place). Where the helpers' checks
decide nothing (a float64 array ``x``, a real cotangent ``g``, a basic index: slices
and integers, no index arrays) the module says what they do::

    bx = _rt.getitem_vjp(bb, x, np.s_[1:])         bx = np.zeros_like(x)
                                                   bx[1:] = bb
    bx = _rt.add_at(bx, bx, x, np.s_[:-1], ba)     bx[:-1] += ba

``np.zeros_like(x)`` has the helper's dtype (float64: a real ``g`` does not widen it)
and shape (``cheap_spellings`` then writes it ``np.zeros`` of that shape); ``+=`` on a
basic index touches each element once, as ``add_at`` does. Only the entry of a module
specialized to its arguments' kinds (the dtypes come from them), after
``accumulate.in_place_runs`` (whose additions in place these are): a generic
module is differentiated again, and ``+=`` has no rule.
"""

from __future__ import annotations

import numpy as np

from .. import ir
from ..codegen.naming import Names
from .constant_cotangents import dtype_analysis
from .specialize_calls import _constant_index


def lower(fn: ir.Function, kinds: dict) -> ir.Function:
    """``fn`` with its slice cotangents written out (module doc); ``kinds``: its
    parameters' kinds (their dtypes)."""
    dtypes = dtype_analysis(fn, kinds)

    def real(a) -> bool:
        d = dtypes.dtype(a)
        return d is float or d is int or (isinstance(d, np.dtype) and d.kind in "fiub")

    def basic(index) -> bool:
        def item_ok(it):
            if isinstance(it, ir.Slice):
                return all(p is None or (isinstance(p, ir.Const) and (
                    p.value is None or type(p.value) is int)) for p in (
                        it.lower, it.upper, it.step))
            return isinstance(it, ir.Const) and type(it.value) is int
        return isinstance(index, ir.Index) and all(item_ok(it) for it in index.items)

    def sweep(body):
        out = []
        for s in body:
            v = s.value if isinstance(s, ir.Assign) else None
            if isinstance(v, ir.Call) and v.func == "_rt.getitem_vjp" and len(v.args) == 3:
                g, x, index = v.args
                if dtypes.f8(x) and real(g) and basic(index):
                    out += [ir.Assign(s.target, ir.Call("np.zeros_like", (x,)), s.line),
                            ir.SetItem(s.target, index, g, s.line)]
                    continue
            if isinstance(v, ir.Call) and v.func == "_rt.add_at" and len(v.args) == 5:
                acc, base, x, index, g = v.args
                if (acc == base == ir.Name(s.target) and dtypes.f8(x) and real(g)
                        and basic(index)):
                    out.append(ir.SetItem(s.target, index, g, s.line, add=True))
                    continue
            out.append(ir.map_bodies(s, sweep))
        return tuple(out)

    body = sweep(fn.body)
    return fn if body == fn.body else ir.replace(fn, body=body)


def items(fn: ir.Function, containers: dict) -> ir.Function:
    """``fn`` with the cotangent of a container argument built as a person builds it:
    the container of its items' cotangents, instead of a container of zeros per item
    read (``_rt.getitem_vjp``) that each later item adds into (``_rt.add_at``)::

        bp = _rt.getitem_vjp(_bt7, p, np.s_["b2"])
        ...
        bp = _rt.add_at(bp, bp, p, np.s_["W2"], _bt5)        bp = {"W1": _bt1, "b1": _bt3,
        ...                                                        "W2": _bt5, "b2": _bt7}
        bp = _rt.add_at(bp, bp, p, np.s_["W1"], _bt1)

    An item read twice gets the sum of its cotangents (``_rt.tree_add``, in the order the
    additions were made); an item never read, zeros like it. ``containers``: parameter ->
    its ``specialize_calls.Struct`` (dicts only: their keys). Applies
    where every statement that binds the cotangent is one of these, at the function's top
    level (no loop or branch), and nothing reads it before the last; a cotangent read
    after its addition and rebound before the last is kept in a name of its own there.
    The numbers are the helpers' (``0 + g`` is ``g``, up to the sign of a zero)."""
    names = Names(ir.all_names(fn) | {fn.name})
    body = list(fn.body)
    for param, st in containers.items():
        body = _built(body, fn, param, st, names) or body
    return ir.replace(fn, body=tuple(body))


def _built(body: list, fn: ir.Function, param: str, st, names) -> list | None:
    """``body`` with ``param``'s cotangent built at once (``items``), or None."""
    if st.keys is None:  # a list or a tuple: the helpers (which know which it is)
        return None
    keys = list(st.keys)
    first = next((i for i, s in enumerate(body) if isinstance(s, ir.Assign)
                  and isinstance(s.value, ir.Call) and s.value.func == "_rt.getitem_vjp"
                  and len(s.value.args) == 3 and s.value.args[1] == ir.Name(param)), None)
    if first is None:
        return None
    target = body[first].target
    steps = {first}  # the statements that build it
    for i, s in enumerate(body[first + 1:], first + 1):
        v = s.value if isinstance(s, ir.Assign) else None
        if (isinstance(v, ir.Call) and v.func == "_rt.add_at" and len(v.args) == 5
                and s.target == target and v.args[0] == v.args[1] == ir.Name(target)
                and v.args[2] == ir.Name(param)):
            steps.add(i)
    last = max(steps)
    # every other binding or read of the cotangent: none, or only reads after the last step
    for i, s in enumerate(body):
        if i in steps:
            continue
        inner = list(ir.walk((s,)))
        writes = {t for x in inner for t in ir.stmt_writes(x)}
        reads = {n for x in inner for n in ir.stmt_reads(x)}
        if target in writes or (target in reads and i < last):
            return None
    parts: dict[object, list] = {k: [] for k in keys}
    out: list[ir.Stmt] = []
    for i, s in enumerate(body):
        if i not in steps:
            out.append(s)
            continue
        v = s.value
        g, index = (v.args[0], v.args[2]) if v.func == "_rt.getitem_vjp" else (v.args[4], v.args[3])
        key = _constant_index(index, keys=True)
        if key not in parts:
            return None
        if isinstance(g, ir.Name) and i != last and any(
                g.id in ir.stmt_writes(inner) for later in body[i + 1:last + 1]
                for inner in ir.walk((later,))):
            kept = names.temp("_ct")  # rebound before the container is built
            out.append(ir.Assign(kept, g, s.line))
            g = ir.Name(kept)
        parts[key].append(g)
        if i != last:
            continue
        items: list[ir.Atom] = []
        for k in keys:
            atoms = parts[k]
            if not atoms:
                item, zero = names.temp(), names.temp()
                out += [ir.Assign(item, ir.Subscript(ir.Name(param), ir.Index((ir.Const(k),))),
                                  s.line),
                        ir.Assign(zero, ir.Call("_rt.zeros_like", (ir.Name(item),)), s.line)]
                atoms = [ir.Name(zero)]
            total = atoms[0]
            for a in atoms[1:]:
                summed = names.temp()
                out.append(ir.Assign(summed, ir.Call("_rt.tree_add", (total, a)), s.line))
                total = ir.Name(summed)
            items.append(total)
        out.append(ir.Assign(target, ir.Call("dict", tuple(
            x for k, a in zip(keys, items) for x in (ir.Const(k), a))), s.line))
    return out
