"""Batching of subscripts whose index differs across the lanes: ``x[i]`` with ``i`` batched
(one integer per lane, e.g. the target of a loop whose trip count is batched, run
right-aligned by a reverse sweep).

A mixin of ``BatchFunction``. Each lane reads its own item: the lanes are paired with
their index by NumPy's advanced indexing (``_rt.vindex``: ``x[arange(k), i]``); a store
writes each lane's item in place (``_rt.vset_index``)::

    y = x[i]          ->  y = _rt.vindex(x, np.s_[i], True, (True,))
    out[i] = v        ->  _rt.vset_index(out, np.s_[i], v, (True,), True)
"""

from __future__ import annotations

from .. import ir
from .batching_status import ALL, NotBatchable


class IndexBatching:
    """Needs ``st``, ``temp``, ``promote``, ``status`` (see ``BatchFunction``)."""

    def lane_flags(self, index: ir.Index) -> tuple[bool, ...]:
        """Which items of ``index`` are batched; a slice bound that is cannot be batched
        (each lane's slice would have its own length)."""
        flags = []
        for item in index.items:
            if isinstance(item, ir.Slice):
                if any(self.st(a) for a in ir.atoms_of(item)):
                    raise NotBatchable("a slice whose bounds differ across the batch (each "
                                       "lane's slice would have a length of its own)")
                flags.append(False)
            else:
                flags.append(bool(self.st(item)))
        return tuple(flags)

    def lane_subscript(self, v: ir.Subscript, st, out: list, line: int):
        """``x[index]`` with a batched index: each lane's item of its own ``x``."""
        flags = self.lane_flags(v.index)
        value = v.value
        if st == ALL:
            value = self.temp(ir.Call("_rt.batched_array", (value,)), out, line, "_a")
        elif st not in (True, False):
            raise NotBatchable("a container indexed by a value that differs across the batch")
        return ir.Call("_rt.vindex", (value, v.index, ir.Const(st is not False),
                                      ir.Const(flags))), True

    def lane_setitem(self, s: ir.SetItem) -> list[ir.Stmt]:
        """``a[index] = v`` with a batched index: each lane stores into its own ``a``."""
        flags = self.lane_flags(s.index)
        out: list[ir.Stmt] = []
        t = self.status.get(s.target, False)
        if t is False:
            out.append(self.promote(s.target, s.line))
            self.status[s.target] = True
        elif t is not True:
            raise NotBatchable("a container stored into at a place that differs across the "
                               "batch")
        batched = self.st(s.value) is True
        out.append(ir.ExprStmt(ir.Call("_rt.vset_index", (
            ir.Name(s.target), s.index, s.value, ir.Const(flags), ir.Const(batched))), s.line))
        return out
