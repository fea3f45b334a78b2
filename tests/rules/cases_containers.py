"""Rule-table cases of lowered container code (``rules/containers.py``), merged into
``rule_cases``: same format as there.

Lists/tuples of arrays of different shapes, Python floats (and an int item, which has no
derivative), namedtuples, dicts of arrays, arrays iterated by rows, broadcasting in
``sum_items``. Keys are strings except where a key lands in the output (``dict_items``,
``list(d)``): the table compares a key's zero tangent with a number, so those use int keys.
"""

import numpy as np  # noqa: F401
from rule_cases import Pair, gen

UNARY: dict = {}
BINARY: dict = {}


def _d():
    return {"a": gen(3), "b": gen(2, 2)}


CASES: dict = {
    # ------------------------------------------------------------------ primitives
    "_rt.sum_items": [(([gen(3), gen(3)],), {}),
                      (([gen(3), gen(2, 3)],), {}),
                      (([gen(3), gen(2, 3)], 1.5), {}),
                      (([gen(3), gen(3)],), {"start": 0.5}),
                      (((gen(2, 3), gen(3)), gen(2, 1)), {}),
                      (([1.5, 2.0, -0.5],), {}),
                      (([1.5, gen(3)], gen(2, 1)), {}),
                      (([gen(3), 2, gen(3)],), {}),
                      ((gen(3, 4),), {}),
                      (([], gen(2)), {})],
    "_rt.to_tuple": [(([gen(3), gen(2)],), {}), ((gen(3, 2),), {}), ((gen(4),), {}),
                     (((gen(2), 1.5),), {}), ((Pair(gen(2), gen(3)),), {}),
                     (({1: gen(2), 2: gen(3)},), {})],
    "_rt.to_list": [(((gen(3), gen(2)),), {}), ((gen(3, 2),), {}), (([gen(2), 1.5],), {}),
                    ((Pair(gen(2), gen(3)),), {}), (({1: gen(2), 2: gen(3)},), {})],
    "_rt.reversed_items": [(([gen(3), gen(2), 1.5],), {}), ((gen(4, 2),), {}),
                           (((gen(2), gen(3)),), {}), ((gen(5),), {}),
                           (({1: gen(2), 2: gen(3)},), {})],
    "_rt.dict_values": [((_d(),), {}), (({"a": gen(3), "n": 2, "b": 1.5},), {}),
                        (({"w": [gen(2), gen(3)], "b": gen(1)},), {})],
    "_rt.dict_items": [(({1: gen(3), 2: gen(2, 2)},), {}), (({3: 1.5, 1: gen(2)},), {})],
    "_rt.dict_get": [((_d(), "a"), {}), ((_d(), "b", gen(2, 2)), {}),
                     ((_d(), "z", gen(2)), {}), ((_d(), "z", 1.5), {}),
                     (({"w": [gen(2), gen(3)], "b": gen(1)}, "w"), {})],
    "_rt.dict_from": [((["a", "b"], [gen(3), gen(2)]), {}),
                      ((["a", "b", "a"], (gen(3), gen(2), gen(3))), {}),
                      (([0, 1, 2], gen(3, 2)), {}),
                      ((["a", "b"], [gen(3), gen(2), gen(1)]), {}),
                      ((("x", "y", "z"), [1.5, gen(2), 2.5]), {})],
    # ------------------------------------------------------------------ their helpers
    "_rt.sum_items_vjp": [((gen(2, 3), [gen(3), gen(2, 3), 1.5]), {}),
                          ((gen(3), (gen(3), gen(1))), {}),
                          ((gen(3, 4), gen(2, 4)), {})],
    "_rt.as_kind_of": [((gen(2, 3), [gen(3), gen(3)]), {}),
                       (([gen(3), gen(3)], gen(2, 3)), {}),
                       (((gen(2), gen(3)), [0, 0]), {}),
                       (([gen(2), gen(3)], Pair(0, 0)), {}),
                       (({1: gen(2)}, [1]), {})],
    "_rt.gather_keys": [(({"a": gen(3), "b": gen(2)}, ["b", "a"], [gen(2), gen(3)]), {}),
                        (({"a": gen(3)}, ["a", "x", "a"], [gen(3), gen(3), gen(3)]), {}),
                        (({0: gen(2), 1: gen(2)}, [0, 1], gen(2, 2)), {})],
    "_rt.scatter_keys": [(([gen(2), gen(3)], ["b", "a"], {"a": gen(3), "b": gen(2)}), {}),
                         (((gen(3), gen(3)), ["a", "a"], {"a": gen(3), "c": gen(1)}), {}),
                         ((gen(2, 2), [0, 1], {0: gen(2), 1: gen(2)}), {})],
    "_rt.pairs_of": [(({1: gen(2), 2: gen(3)}, {1: gen(2), 2: gen(3)}), {})],
    "_rt.dict_of_pairs": [(([(1, gen(2)), (2, gen(3))], {1: gen(2), 2: gen(3)}), {})],
    "_rt.dict_put": [((gen(3), {"a": gen(3), "b": gen(2)}, "a"), {}),
                     ((gen(3), {"b": gen(2)}, "a"), {})],
    "_rt.when_missing": [((gen(2), {"a": gen(3)}, "z", gen(2)), {}),
                         ((gen(2), {"a": gen(3)}, "a", gen(3)), {})],
}
