"""Rule-table cases of the helpers of batched code (``rules/batching.py``: what ``vmap``
emits), merged into ``rule_cases``: same format as there.

A batched value has its lanes (3 here) on axis 0; statuses (True, False, tuples) and
encoded axes trees are literal arguments, as the generated code passes them.
"""

import numpy as np
from rule_cases import gen

UNARY: dict = {}
BINARY: dict = {}

_C = np.array([True, False, True])  # a batched condition over 3 lanes
_SRC = np.array([0, 0, 2, 0])  # lanes 1 and 3 read lane 0
_DICT_AXES = ("dict", ("a", 0), ("b", None))

CASES: dict = {
    "_rt.batched_array": [((gen(3, 2),), {})],
    "_rt.lift": [((gen(3, 2), gen(4, 2)), {}), ((gen(3), gen(2, 2)), {})],
    "_rt.lift_b": [((gen(3, 2), gen(3, 4, 2)), {})],
    "_rt.lift_lead": [(((1, 0), gen(3, 2), gen(4, 2)), {}),
                      (((2, 1), gen(2, 3, 2), gen(3, 4, 2)), {})],
    "_rt.lift_into": [((gen(3, 2), gen(3, 4, 2), (slice(None), slice(0, 2))), {})],
    "_rt.vbatch": [((gen(2), 3), {}), ((gen(2, 2), 3), {}), (((gen(2), 1.5), 3), {})],
    "_rt.vbatch_vjp": [((gen(3, 2), gen(2)), {})],
    "_rt.widen": [((gen(2), 3, False, True), {}),
                  (((gen(3, 2), gen(2)), 3, (True, False), (True, True)), {})],
    "_rt.widen_vjp": [((gen(3, 2), gen(2), 3, False, True), {}),
                      (((gen(3, 2), gen(3, 2)), (gen(3, 2), gen(2)), 3, (True, False),
                        (True, True)), {})],
    "_rt.vgetitem": [((gen(3, 4), 1), {}), (((gen(3, 2), gen(3)), 0), {})],
    "_rt.vgetitem_ct": [((gen(3), gen(3, 4), 1), {}), ((gen(3, 2), (gen(3, 2), gen(3)), 0), {})],
    "_rt.vindex": [((gen(3, 4), (np.array([0, 3, 1]),), True, (True,)), {}),
                   ((gen(4, 2), (np.array([0, 3, 1]), slice(None)), False, (True, False)), {})],
    "_rt.vindex_ct": [((gen(3), gen(3, 4), (np.array([0, 3, 1]),), True, (True,)), {}),
                      ((gen(3, 2), gen(4, 2), (np.array([0, 3, 1]), slice(None)), False,
                        (True, False)), {})],
    "_rt.vmatmul": [((gen(3, 2, 4), gen(4, 5), True, False), {}),
                    ((gen(2, 4), gen(3, 4), False, True), {}),
                    ((gen(3, 4), gen(3, 4), True, True), {})],
    "_rt.vmatmul_ct_a": [((gen(3, 2, 5), gen(3, 2, 4), gen(4, 5), True, False), {}),
                         ((gen(3, 2), gen(2, 4), gen(3, 4), False, True), {})],
    "_rt.vmatmul_ct_b": [((gen(3, 2, 5), gen(3, 2, 4), gen(4, 5), True, False), {}),
                         ((gen(3, 2), gen(2, 4), gen(3, 4), False, True), {})],
    "_rt.mask_lanes": [((gen(4, 2), _SRC, True, False), {}), ((gen(4, 2), None, True, True), {}),
                       (((gen(4, 2), gen(2)), _SRC, (True, False)), {})],
    "_rt.mask_lanes_vjp": [((gen(4, 2), gen(4, 2), _SRC, True), {})],
    "_rt.vselect": [((_C, gen(3, 2), gen(3, 2), True, True), {}),
                    ((_C, gen(3), gen(2), True, False), {}),
                    ((_C, gen(3, 2), None, True, False), {}),
                    ((_C, (gen(3), gen(2)), (gen(3), gen(3)), (True, False), (True, True)), {})],
    "_rt.vselect_vjp": [((gen(3, 2), _C, gen(3, 2), True, True, gen(3, 2)), {}),
                        ((gen(3, 2), _C, gen(2), False, False, gen(3, 2)), {}),
                        ((gen(3, 2), _C, gen(3, 2), True, True, None), {})],
    "_rt.vselect_t": [((gen(3, 2), _C, gen(3, 2), True, True, gen(3, 2)), {}),
                      ((gen(2), _C, gen(3, 2), False, False, gen(3, 2)), {}),
                      ((gen(3, 2), _C, gen(3, 2), True, True, None), {})],
    "_rt.tree_to_front": [((gen(2, 3), 1, 3, False), {}),
                          (((gen(2, 3), gen(2)), ("tuple", 1, None), 3, False), {}),
                          (({"a": gen(3, 2), "b": gen(2)}, _DICT_AXES, 3, False), {})],
    "_rt.tree_to_front_vjp": [((gen(3, 2), gen(2, 3), 1, 3, False), {}),
                              (({"a": gen(3, 2), "b": gen(3, 2)}, {"a": gen(3, 2), "b": gen(2)},
                                _DICT_AXES, 3, False), {})],
    "_rt.vmap_out": [((gen(3, 2), 1, True, 3), {}),
                     (((gen(3, 2), gen(2)), 0, (True, False), 3), {})],
    "_rt.vmap_out_vjp": [((gen(2, 3), gen(3, 2), 1, True, 3), {}),
                         (((gen(3, 2), gen(3, 2)), (gen(3, 2), gen(2)), 0, (True, False), 3), {})],
}
