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
from .constant_cotangents import dtype_analysis


def lower(fn: ir.Function, kinds: dict) -> ir.Function:
    """``fn`` with its slice cotangents written out (module doc); ``kinds``: its
    parameters' kinds (their dtypes)."""
    dtypes = dtype_analysis(fn, kinds)

    def real(a) -> bool:
        d = dtypes.dtype(a)
        return d is float or d is int or (isinstance(d, np.dtype) and d.kind in "fiub")

    def float64(a) -> bool:
        d = dtypes.dtype(a)
        return isinstance(d, np.dtype) and d == np.dtype("float64")

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
                if float64(x) and real(g) and basic(index):
                    out += [ir.Assign(s.target, ir.Call("np.zeros_like", (x,)), s.line),
                            ir.SetItem(s.target, index, g, s.line)]
                    continue
            if isinstance(v, ir.Call) and v.func == "_rt.add_at" and len(v.args) == 5:
                acc, base, x, index, g = v.args
                if (acc == base == ir.Name(s.target) and float64(x) and real(g)
                        and basic(index)):
                    out.append(ir.SetItem(s.target, index, g, s.line, add=True))
                    continue
            out.append(ir.map_bodies(s, sweep))
        return tuple(out)

    body = sweep(fn.body)
    return fn if body == fn.body else ir.replace(fn, body=body)
