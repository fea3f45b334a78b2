"""Every primitive of the rule table, batched: the batched call against a loop over lanes.

For each table case and each floating array argument, a one-line program
``out = prim(a0, a1, ...)`` is batched along that argument (``transforms/batching.py``,
which follows the rule's ``batching`` declaration or runs once per lane), printed and
run on ``K`` lanes; lane ``i`` of the result must equal the unbatched program run on lane
``i`` of the argument. Also checks that the batched code is what the declaration promises
(no per-lane fallback for primitives that declare a batching rule).
"""

from __future__ import annotations

import numpy as np
import pytest
from rule_cases import gen
from test_rule_table import checked_rules, leaves, table_cases

from s2sad import ir
from s2sad.codegen import printer
from s2sad.pipeline import load
from s2sad.rules import registry
from s2sad.transforms.batching import BatchProgram

K = 3
_LITERALS = (int, float, bool, str, type(None))


def _literal(v) -> bool:
    return isinstance(v, _LITERALS) or (isinstance(v, tuple) and all(_literal(x) for x in v))


def _program(rule, args, kwargs):
    """``f(p0, p1, ...)`` calling the primitive with every non-literal argument a parameter."""
    params, call_args, values = [], [], []
    for k, a in enumerate(args):
        if isinstance(a, np.ndarray) or not _literal(a):
            params.append(f"p{k}")
            call_args.append(ir.Name(f"p{k}"))
            values.append(a)
        else:
            call_args.append(ir.Const(a))
    call_kwargs = []
    for key, a in kwargs.items():
        if _literal(a):
            call_kwargs.append((key, ir.Const(a)))
        else:
            params.append(f"k_{key}")
            call_kwargs.append((key, ir.Name(f"k_{key}")))
            values.append(a)
    body = (ir.Assign("out", ir.Call(rule.name, tuple(call_args), tuple(call_kwargs))),
            ir.Return(ir.Name("out")))
    return ir.Function("f", tuple(params), body), values


def _cases():
    for rule in checked_rules():
        if rule.name in ("getitem",) or rule.kind == registry.STRUCTURAL:
            continue  # subscripts are statements of their own (tested end to end)
        for c, (args, kwargs) in enumerate(table_cases(rule)):
            fn, values = _program(rule, args, kwargs)
            for j, v in enumerate(values):
                if isinstance(v, np.ndarray) and v.dtype.kind == "f":
                    yield pytest.param(rule.name, c, j, id=f"{rule.name}-{c}-{fn.params[j]}")


@pytest.mark.filterwarnings("ignore::RuntimeWarning")  # lanes may leave a domain: nan == nan
@pytest.mark.parametrize("name, c, j", list(_cases()))
def test_batched_primitive_is_the_primitive_lane_by_lane(name, c, j):
    rule = registry.lookup(name)
    args, kwargs = table_cases(rule)[c]
    fn, values = _program(rule, args, kwargs)
    statuses = tuple(k == j for k in range(len(values)))
    bp = BatchProgram(ir.Program("f", {"f": fn}))
    batched, result = bp.batched("f", statuses)
    source = printer.module([fn] + list(bp.functions.values()), "batching table")
    namespace = load(source, "batching-table", {})
    lanes = np.stack([values[j] + 0.1 * k * gen(*values[j].shape) for k in range(K)])
    expected = [namespace["f"](*(lanes[i] if k == j else v for k, v in enumerate(values)))
                for i in range(K)]
    got = namespace[batched](K, *(lanes if k == j else v for k, v in enumerate(values)))
    got_leaves = leaves(got)
    per_lane = [leaves(e) for e in expected]
    assert len(got_leaves) == len(per_lane[0])
    for m, leaf in enumerate(got_leaves):
        want = np.stack([np.broadcast_to(e[m], np.shape(per_lane[0][m])) for e in per_lane])
        np.testing.assert_allclose(np.broadcast_to(leaf, want.shape), want, rtol=1e-12,
                                   atol=1e-12, err_msg=source)
        assert np.shape(leaf) == want.shape, source
    if rule.batching is not None and rule.batching.kind in ("elementwise", "reduction",
                                                            "matmul", "same_shapes"):
        assert "_rt.vmap_call" not in source, source
    assert result is not False
