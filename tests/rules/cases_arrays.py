"""Rule-table cases of one family (merged into ``rule_cases``): same format as there.

Array-manipulation rules (``rules/numpy_arrays.py``) and their runtime helpers. Sorts and
fmax/fmin get distinct values (no ties), prod/cumprod away from zero.
"""

import numpy as np
from rule_cases import away, divisor, exponent, gen, pos, spd, unit, well  # noqa: F401


def distinct(*shape):
    """Values spaced at least 0.1 apart, shuffled (sorts stay away from ties)."""
    n = int(np.prod(shape))
    return np.random.default_rng(n).permutation(np.arange(n) * 0.37 - 1.0).reshape(shape)


def nans(*shape):
    """``gen`` with a few NaNs (NaN-aware reductions skip them)."""
    a = gen(*shape)
    a.flat[::3] = np.nan
    return a


_COND = [gen(3, 4) > 0.5, gen(4) < -0.3]
_A23 = gen(2, 3)

UNARY: dict = {"np.sinc": away}
BINARY: dict = {"np.fmax": (gen, gen), "np.fmin": (gen, gen)}

CASES: dict = {
    # ------------------------------------------------------------------ products
    "np.tensordot": [((gen(2, 3, 4), gen(3, 4, 5)), {}), ((gen(2, 3), gen(3, 4)), {"axes": 1}),
                     ((gen(3, 2, 4), gen(4, 3)), {"axes": ([0, 2], [1, 0])}),
                     ((gen(3), gen(4)), {"axes": 0}), ((gen(2, 3), gen(2, 5)), {"axes": (0, 0)})],
    "np.kron": [((gen(2, 3), gen(3, 2)), {}), ((gen(3), gen(2)), {}),
                ((gen(2), gen(2, 3)), {}), ((gen(2, 1, 2), gen(3, 2)), {})],
    "np.cross": [((gen(3), gen(3)), {}), ((gen(4, 3), gen(3)), {}), ((gen(2), gen(2)), {}),
                 ((gen(4, 2), gen(4, 3)), {}), ((gen(3, 4), gen(4, 3)), {"axisa": 0}),
                 ((gen(3, 4), gen(3, 4)), {"axis": 0}),
                 ((gen(2, 3), gen(2, 3)), {"axisc": 0})],
    # ------------------------------------------------------------------ gathers
    "np.take": [((gen(5), [0, 3, 3, 1]), {}), ((gen(3, 4), [[0, 2], [2, 2]]), {"axis": 1}),
                ((gen(3, 4), 1), {"axis": 0}), ((gen(3, 4), [5, -1, 5]), {}),
                ((gen(2, 3, 4), np.array([2, 0])), {"axis": -2})],
    "np.take_along_axis": [((gen(3, 4), np.array([[0, 3], [1, 1], [2, 0]])), {"axis": 1}),
                           ((gen(3, 4), np.array([[0, 2, 2, 1]])), {"axis": 0}),
                           ((gen(5), np.array([4, 0, 4])), {"axis": None}),
                           ((gen(2, 3), np.array([[1], [0]])), {})],
    "np.repeat": [((gen(3), 2), {}), ((gen(2, 3), [1, 0, 2]), {"axis": 1}),
                  ((gen(2, 3), 2), {"axis": 0}), ((gen(2, 2), [1, 2, 0, 3]), {})],
    "np.sort": [((distinct(5),), {}), ((distinct(3, 4),), {"axis": 0}),
                ((distinct(3, 4),), {"axis": None}), ((distinct(2, 3, 4),), {})],
    "np.partition": [((distinct(6), 2), {}), ((distinct(3, 5), [1, 3]), {}),
                     ((distinct(4, 3), 1), {"axis": 0}), ((distinct(3, 4), 5), {"axis": None})],
    "np.roll": [((gen(5), 2), {}), ((gen(3, 4), -1), {"axis": 1}),
                ((gen(3, 4), (1, 2)), {"axis": (0, 1)}), ((gen(3, 4), 5), {})],
    # the other modes take no constant_values (the table passes every parameter): they are
    # checked through the compiler in test_array_rules.py
    "np.pad": [((gen(3), 2), {}), ((gen(2, 3), ((1, 0), (2, 1))), {"constant_values": 1.5})],
    # ------------------------------------------------------------------ triangles, diagonals
    "np.triu": [((gen(3, 4),), {}), ((gen(4, 3),), {"k": 1}), ((gen(2, 3, 3),), {"k": -1}),
                ((gen(4),), {})],
    "np.tril": [((gen(3, 4),), {}), ((gen(4, 3),), {"k": -1}), ((gen(2, 3, 3),), {"k": 1}),
                ((gen(4),), {"k": 1})],
    "np.diag": [((gen(3),), {}), ((gen(3),), {"k": -1}), ((gen(3, 4),), {}),
                ((gen(4, 3),), {"k": 1})],
    "np.diagonal": [((gen(3, 3),), {}), ((gen(3, 4),), {"offset": 1}),
                    ((gen(2, 3, 4),), {"axis1": 1, "axis2": 2}),
                    ((gen(4, 2, 3),), {"offset": -1, "axis1": 2, "axis2": 0})],
    # ------------------------------------------------------------------ reorderings, reshapes
    "np.flipud": [((gen(3),), {}), ((gen(3, 4),), {})],
    "np.fliplr": [((gen(3, 4),), {}), ((gen(2, 3, 2),), {})],
    "np.rot90": [((gen(3, 4),), {}), ((gen(3, 4),), {"k": 2}),
                 ((gen(2, 3, 4),), {"k": -1, "axes": (1, 2)})],
    "np.rollaxis": [((gen(2, 3, 4), 2), {}), ((gen(2, 3, 4), 0, 3), {}),
                    ((gen(2, 3, 4), -1, 1), {})],
    "np.atleast_1d": [((np.float64(1.5),), {}), ((gen(3),), {})],
    "np.atleast_2d": [((gen(3),), {}), ((np.float64(0.5),), {}), ((gen(2, 3),), {})],
    "np.atleast_3d": [((gen(3),), {}), ((gen(2, 3),), {}), ((gen(1, 2, 3),), {})],
    # ------------------------------------------------------------------ joins and splits
    "np.append": [((gen(3), gen(2)), {}), ((gen(2, 3), gen(1, 3)), {"axis": 0}),
                  ((gen(2, 2), gen(2)), {}), ((gen(2, 3), gen(2, 1)), {"axis": 1})],
    "np.column_stack": [(([gen(3), gen(3)],), {}), (((gen(3, 2), gen(3)),), {})],
    "np.split": [((gen(6), 3), {}), ((gen(3, 4), [1, 3]), {"axis": 1}),
                 ((gen(4, 2), [1]), {})],
    "np.array_split": [((gen(7), 3), {}), ((gen(3, 5), 2), {"axis": 1})],
    "np.vsplit": [((gen(4, 3), 2), {}), ((gen(3, 2, 2), [1]), {})],
    "np.hsplit": [((gen(6), 2), {}), ((gen(2, 4), [1, 2]), {})],
    "np.dsplit": [((gen(2, 2, 4), 2), {}), ((gen(1, 2, 3), [1]), {})],
    "np.meshgrid": [((gen(3), gen(2)), {}), ((gen(3), gen(2), gen(4)), {"indexing": "ij"}),
                    ((gen(2), gen(3), gen(2)), {"sparse": True}), ((gen(4),), {})],
    # ------------------------------------------------------------------ selections
    "np.select": [((_COND, [gen(3, 4), gen(4)]), {}),
                  ((_COND, [gen(3, 4), gen(3, 4)], gen(3, 1)), {}),
                  (([_COND[1]], [gen(4)], 2.0), {})],
    "np.nan_to_num": [((gen(5),), {}),
                      ((np.array([1.0, np.nan, np.inf, -2.0, -np.inf]),), {"nan": 3.0})],
    # ------------------------------------------------------------------ differences, scans
    "np.diff": [((gen(5),), {}), ((gen(3, 5),), {"n": 2}), ((gen(4, 3),), {"axis": 0}),
                ((gen(2, 3, 4),), {"n": 3, "axis": -1})],
    "np.gradient": [((gen(5),), {}), ((gen(5), 0.5), {}), ((gen(3, 4),), {}),
                    ((gen(3, 4), 2.0, 0.5), {}), ((gen(4, 5),), {"axis": 1, "edge_order": 2}),
                    ((gen(5), np.array([0.0, 0.3, 1.0, 1.2, 2.0])), {}),
                    ((gen(2, 3, 4),), {"axis": (0, 2)})],
    "np.cumprod": [((away(5),), {}), ((away(3, 4),), {"axis": 1}), ((away(3, 4),), {})],
    "np.nansum": [((gen(3, 4),), {}), ((nans(3, 4),), {"axis": 1}),
                  ((nans(2, 3, 4),), {"axis": (0, 2), "keepdims": True})],
    "np.nanmean": [((gen(3, 4),), {}), ((nans(3, 4),), {"axis": 0}),
                   ((nans(3, 4),), {}), ((nans(3, 4),), {"axis": 1, "keepdims": True})],
    # ------------------------------------------------------------------ runtime helpers
    "_rt.take_vjp": [((gen(4), gen(5), [0, 3, 3, 1]), {}),
                     ((gen(3, 2, 2), gen(3, 4), [[0, 2], [2, 2]], 1), {})],
    "_rt.take_along_axis_vjp": [((gen(3, 2), gen(3, 4), np.array([[0, 3], [1, 1], [2, 0]]), 1),
                                 {}),
                                ((gen(3), gen(5), np.array([4, 0, 4]), None), {})],
    "_rt.pad_vjp": [((gen(7), gen(3), 2), {}), ((gen(7, 8), gen(3, 4), 2, "reflect"), {}),
                    ((gen(9), gen(4), (2, 3), "edge"), {})],
    "_rt.diagonal_vjp": [((gen(3), gen(3, 3)), {}), ((gen(2, 3), gen(2, 3, 4), 0, 1, 2), {}),
                         ((gen(3), gen(3, 4), 1), {})],
    "_rt.diag_vjp": [((gen(3, 3), gen(3)), {}), ((gen(4, 4), gen(3), -1), {}),
                     ((gen(2), gen(4, 3), 1), {})],
    "_rt.diff_vjp": [((gen(4),), {}), ((gen(3, 3), 2), {}), ((gen(3, 3), 1, 0), {})],
    "_rt.gradient": [((gen(5),), {}), ((gen(3, 4), (2.0, 0.5)), {}),
                     ((gen(4, 5), (), 1, 2), {})],
    "_rt.gradient_vjp": [((gen(5), gen(5)), {}), (([gen(2, 3), gen(2, 3)], _A23, (2.0,)), {}),
                         ((gen(4, 5), gen(4, 5), (), 1, 2), {})],
    "_rt.column_stack_vjp": [((gen(3, 3), [gen(3), gen(3, 2)]), {})],
    "_rt.meshgrid_jvp": [((gen(2), (gen(3), gen(2)), 1), {}),
                         ((gen(3), (gen(3), gen(2), gen(4)), 0, "ij", True), {})],
    "_rt.meshgrid_vjp": [(([gen(2, 3), gen(2, 3)], (gen(3), gen(2)), 0), {}),
                         (([gen(3, 1, 1), gen(1, 2, 1), gen(1, 1, 4)],
                           (gen(3), gen(2), gen(4)), 2, "ij", True), {})],
    "_rt.select_vjp": [((gen(3, 4), _COND, [gen(3, 4), gen(4)]), {})],
    "_rt.bilinear": [((gen(2, 3), "tensordot", 0, gen(3, 4), 1), {}),
                     ((gen(3, 4), "tensordot", 1, gen(2, 3), 1), {}),
                     ((gen(2, 3), "kron", 0, gen(3, 2)), {}),
                     ((gen(3), "kron", 1, gen(2, 2)), {}),
                     ((gen(4, 3), "cross", 0, gen(3), (-1, -1, -1, None)), {}),
                     ((gen(2), "cross", 1, gen(4, 2), (-1, -1, -1, None)), {})],
    "_rt.bilinear_vjp": [((gen(2, 4), "tensordot", 0, gen(3, 4), _A23, 1), {}),
                         ((gen(2, 4), "tensordot", 1, _A23, gen(3, 4), 1), {}),
                         ((gen(6, 6), "kron", 0, gen(3, 2), _A23), {}),
                         ((gen(1, 6), "kron", 1, gen(2), gen(1, 3)), {}),
                         ((gen(4, 3), "cross", 0, gen(3), gen(4, 3), (-1, -1, -1, None)), {}),
                         ((gen(4), "cross", 1, gen(4, 2), gen(2), (-1, -1, -1, None)), {}),
                         ((gen(3, 4), "cross", 1, gen(3, 4), gen(3, 4), (0, 0, 0, None)), {})],
    "_rt.prod_others": [((away(4),), {}), ((away(3, 4), 1), {}), ((away(2, 3, 4), (0, 2)), {})],
}
