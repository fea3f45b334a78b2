"""Activity: which names may carry a derivative (depend differentiably on the inputs).

Flow-insensitive and conservative: a name is varied if any of its definitions
reads a varied name through a differentiable operation. Loops need no special
care because the union over all definitions is a fixed point.
"""

from __future__ import annotations

from .. import ir
from ..rules import registry

# Syntax-level calls that pass derivatives through (their rules live in the transforms).
STRUCTURAL = {"tuple", "list", "dict"}


def differentiable_call(func: str) -> bool:
    if func in STRUCTURAL:
        return True
    rule = registry.find(func)
    return rule is None or rule.kind != registry.NONDIFF


def varied_names(fn: ir.Function, active: set[str], program: ir.Program | None = None) -> set[str]:
    varied = set(active)
    changed = True
    while changed:
        changed = False
        for s in ir.walk(fn.body):
            target, flows = None, False
            if isinstance(s, ir.Assign):
                target = s.target
                v = s.value
                reads = ir.names_read(v)
                if isinstance(v, ir.Call):
                    flows = differentiable_call(v.func) and bool(reads & varied)
                elif isinstance(v, ir.Subscript):
                    flows = isinstance(v.value, ir.Name) and v.value.id in varied
                else:
                    flows = bool(reads & varied)
            elif isinstance(s, ir.SetItem):
                target = s.target
                flows = isinstance(s.value, ir.Name) and s.value.id in varied
            if target and flows and target not in varied:
                varied.add(target)
                changed = True
    return varied
