"""Batching of batched code: the helpers a first batching emitted, batched once more (a
``vmap`` whose function calls ``vmap``, read back as user code).

A mixin of ``BatchFunction``. The helpers of batched code know how many batch axes lead
each operand (``runtime/batching_nested.py``); batching them again adds one for every
operand that the outer batch reaches::

    _l1 = _rt.lift_b(x, w)           ->  _l1 = _rt.lift_lead((2, 1), x, w)   # x outer-batched
    _a = _rt.batch_axes(t)           ->  _a = _rt.batch_axes(t, outer=1)     # lane-relative
    y = _rt.vmatmul(W, x, False, True)
                                     ->  y = _rt.matmul_levels(W, x, (True, False), (False, True))

What does not fit (containers in a select or a mask) runs once per outer lane.
"""

from __future__ import annotations

from .. import ir
from .batching_status import ALL

NESTED_KINDS = ("outer", "outer_args", "leads", "levels", "select", "mask")


def _const(v: ir.Call, name: str, default):
    value = dict(v.kwargs).get(name)
    return value.value if isinstance(value, ir.Const) else default


def _flag(st) -> bool | None:
    """A leaf's batched flag, or None for a container status (those run per lane)."""
    return st if st in (True, False) else (True if st == ALL else None)


class NestedBatching:
    """Needs ``st``, ``fallback`` (see ``BatchFunction``)."""

    def nested(self, v: ir.Call, rule, statuses: list, out: list, line: int):
        """The batched form of a helper of batched code (``rule.batching.kind`` is one of
        ``NESTED_KINDS``), and its status."""
        flags = [_flag(st) for st in statuses]
        kind = rule.batching.kind
        if kind == "outer_args":
            return self.nested_axis_size(v, statuses)
        if None in flags:
            return self.fallback(v, statuses), True
        if kind == "leads":
            return self.nested_leads(v, flags, out, line)
        return getattr(self, f"nested_{kind}")(v, rule.batching, flags)

    def nested_outer(self, v: ir.Call, b, flags: list):
        """A helper of one batched operand (its first): one more batch axis in front."""
        if any(flags[1:]):
            return self.fallback(v, flags), True
        kwargs = tuple((k, a) for k, a in v.kwargs if k != "outer")
        call = ir.Call(v.func, v.args, kwargs + (("outer", ir.Const(
            _const(v, "outer", 0) + 1)),))
        return call, (False if b.params[0] == "none" else True)

    def nested_axis_size(self, v: ir.Call, statuses: list):
        """``axis_size(names, args, axes)``: the outer axes of each argument skipped."""
        items = statuses[1]
        if not isinstance(items, tuple) or any(_flag(st) is None for st in items) or any(
                statuses[:1] + statuses[2:]):
            return self.fallback(v, statuses), False
        old = _const(v, "outer", None) or (0,) * len(items)
        new = tuple(n + bool(_flag(st)) for n, st in zip(old, items))
        kwargs = tuple((k, a) for k, a in v.kwargs if k != "outer")
        return ir.Call(v.func, v.args, kwargs + (("outer", ir.Const(new)),)), False

    def nested_leads(self, v: ir.Call, flags: list, out: list, line: int):
        """``lift``/``lift_b``/``lift_lead``: each operand's lead counted once more (the
        result broadcast to every outer lane when only the others have outer lanes)."""
        if v.func == "_rt.lift_lead":
            leads, arrays, flags = v.args[0].value, v.args[1:], flags[1:]
        else:
            first, rest = (1, 1) if v.func == "_rt.lift_b" else (1, 0)
            arrays = v.args
            leads = (first,) + (rest,) * (len(arrays) - 1)
        new = tuple(n + f for n, f in zip(leads, flags))
        call = ir.Call("_rt.lift_lead", (ir.Const(new),) + tuple(arrays))
        if flags[0]:
            return call, True
        lifted = self.temp(call, out, line, "_l")
        return ir.Call("_rt.vbatch", (lifted, ir.Name(self.k))), True

    def nested_levels(self, v: ir.Call, b, flags: list):
        """``vmatmul``/``matmul_levels``: one more level, outermost, for each operand."""
        a, bb, la, lb = v.args
        la = la.value if isinstance(la.value, tuple) else (la.value,)
        lb = lb.value if isinstance(lb.value, tuple) else (lb.value,)
        return ir.Call("_rt.matmul_levels", (a, bb, ir.Const((flags[0],) + la), ir.Const(
            (flags[1],) + lb))), True

    def nested_select(self, v: ir.Call, b, flags: list):
        """``vselect``/``vselect_lead`` of array sides: the outer axes of each counted."""
        c, a, bb, sa, sb = v.args[:5]
        if isinstance(sa.value, tuple) or isinstance(sb.value, tuple) or "all" in (
                sa.value, sb.value):
            return self.fallback(v, flags), True
        old = v.args[5].value if len(v.args) > 5 else (0, 0, 0)
        new = tuple(n + f for n, f in zip(old, flags[:3]))
        return ir.Call("_rt.vselect_lead", (c, a, bb, sa, sb, ir.Const(new))), True

    def nested_mask(self, v: ir.Call, b, flags: list):
        """``mask_lanes`` of an array: lanes read along the inner axis of each outer lane."""
        x, src, status = v.args[:3]
        copy = v.args[3] if len(v.args) > 3 else ir.Const(False)
        if status.value not in (True, False) or v.func != "_rt.mask_lanes":
            return self.fallback(v, flags), True
        return ir.Call("_rt.vmask_lanes", (x, src, status, copy, ir.Const(flags[0]),
                                           ir.Const(flags[1]))), True
