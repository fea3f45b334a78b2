"""The rule table: for every primitive with a derivative, the inputs its rules are checked at.

- ``UNARY``: one-input elementwise rules -> the input domain; run at shapes ``SHAPES``.
- ``BINARY``: two-input elementwise (and broadcasting ``add``/``sub``) rules -> both domains;
  run at the broadcasting pairs ``BINARY_SHAPES``.
- ``SCALAR_BINARY``: ``min``/``max`` of two numbers -> domains; Python floats and 0-d arrays.
- ``CASES``: every other rule -> a list of ``(args, kwargs)`` calls. Differentiable inputs
  are floating arrays (or containers of them); everything else is static.

Inputs stay inside each function's domain and away from kinks (ties of max/min, zeros of
abs, discontinuities of mod) so central differences are meaningful; ties are tested
separately in ``test_rule_semantics.py``.
"""

from __future__ import annotations

from collections import namedtuple

import numpy as np

rng = np.random.default_rng(20240611)


def gen(*shape):
    return rng.normal(size=shape)


def pos(*shape):
    return rng.uniform(0.5, 2.0, size=shape)


def unit(*shape):
    return rng.uniform(-0.8, 0.8, size=shape)


def away(*shape):
    """Either sign, |x| in [0.5, 2] (away from the kink of abs/sign at 0)."""
    return pos(*shape) * rng.choice([-1.0, 1.0], size=shape)


def exponent(*shape):
    return 1.0 + unit(*shape)


def divisor(*shape):
    """Either sign, |y| in [2, 3] (mod / fmod / remainder)."""
    return rng.uniform(2.0, 3.0, size=shape) * rng.choice([-1.0, 1.0], size=shape)


def spd(n, batch=()):
    a = rng.normal(size=batch + (n, n))
    return a @ np.swapaxes(a, -1, -2) + n * np.eye(n)


def well(n):
    """A well-conditioned, not symmetric matrix with a negative determinant."""
    a = np.eye(n) * 3.0 + 0.3 * rng.normal(size=(n, n))
    a[0] *= -1.0
    return a


SHAPES = [(), (4,), (3, 4)]
BINARY_SHAPES = [((), ()), ((4,), (4,)), ((3, 4), (4,)), ((4,), (3, 4)), ((3, 1), (1, 4)),
                 ((), (3, 4)), ((2, 3, 4), ())]

UNARY = {
    "np.sin": gen, "np.cos": gen, "np.tan": unit, "np.arcsin": unit, "np.arccos": unit,
    "np.arctan": gen, "np.sinh": gen, "np.cosh": gen, "np.tanh": gen, "np.arcsinh": gen,
    "np.arccosh": lambda *s: 1.5 + pos(*s), "np.arctanh": unit, "np.exp": gen,
    "np.exp2": gen, "np.expm1": gen, "np.log": pos, "np.log2": pos, "np.log10": pos,
    "np.log1p": pos, "np.sqrt": pos, "np.cbrt": away, "np.square": gen,
    "np.reciprocal": away, "np.absolute": away, "np.fabs": away, "np.sign": away,
    "np.deg2rad": gen,
    "np.radians": gen, "np.rad2deg": gen, "np.degrees": gen,
}

BINARY = {
    "add": (gen, gen), "sub": (gen, gen), "mul": (gen, gen), "truediv": (gen, away),
    "pow": (pos, exponent), "mod": (gen, divisor),
    "np.arctan2": (gen, away),
    "np.hypot": (away, away), "np.logaddexp": (gen, gen), "np.logaddexp2": (gen, gen),
    "np.maximum": (gen, gen), "np.minimum": (gen, gen), "np.remainder": (gen, divisor),
    "np.fmod": (gen, divisor),
}

SCALAR_BINARY = {"max": (gen, gen), "min": (gen, gen)}

Pair = namedtuple("Pair", "first second")


def _einsum_ops(spec, *shapes):
    return (spec,) + tuple(gen(*s) for s in shapes)


def _einsum_helper_cases(spec, shapes, out_shape, i):
    """Cases of the einsum helpers for ``einsum(spec, *ops)`` and operand ``i``."""
    ops = tuple(gen(*s) for s in shapes)
    tans = tuple(gen(*s) for s in shapes)
    v_out, v_in = gen(*out_shape), gen(*shapes[i])
    return {
        "_rt.einsum_jvp": ((v_in, spec, ops, i), {}),
        "_rt.einsum_vjp": ((v_out, spec, ops, i), {}),
        "_rt.einsum_jvp_dops": ((v_in, spec, ops, tans, i), {}),
        "_rt.einsum_vjp_dops": ((v_out, spec, ops, tans, i), {}),
        "_rt.einsum_vjp_all": ((v_out, spec, ops, v_in, i), {}),
    }


_EINSUM_HELPERS: dict[str, list] = {}
for _spec, _shapes, _out, _i in [("ij,jk->ik", [(2, 3), (3, 4)], (2, 4), 0),
                                 ("ij,jk->ik", [(2, 3), (3, 4)], (2, 4), 1),
                                 ("ij,jk,kl->il", [(2, 3), (3, 4), (4, 2)], (2, 2), 1),
                                 ("ii,i->i", [(3, 3), (3,)], (3,), 0),
                                 ("ij->", [(2, 3)], (), 0),
                                 ("bi,bij", [(2, 3), (2, 3, 4)], (4,), 1)]:
    for _name, _case in _einsum_helper_cases(_spec, _shapes, _out, _i).items():
        _EINSUM_HELPERS.setdefault(_name, []).append(_case)

_A34 = gen(3, 4)

CASES: dict[str, list[tuple[tuple, dict]]] = {
    # ------------------------------------------------------------------ operators, builtins
    "neg": [((gen(3),), {}), ((gen(2, 3),), {})],
    "pos": [((gen(3),), {})],
    "float": [((np.float64(0.7),), {}), ((np.array(-1.3),), {})],
    "matmul": [((gen(3, 4), gen(4, 2)), {}), ((gen(4), gen(4, 2)), {}),
               ((gen(3, 4), gen(4)), {}), ((gen(4), gen(4)), {}),
               ((gen(2, 3, 4), gen(4, 5)), {}), ((gen(3, 4), gen(2, 4, 5)), {}),
               ((gen(2, 1, 3, 4), gen(3, 4, 2)), {}), ((gen(4), gen(2, 4, 3)), {}),
               ((gen(2, 3, 4), gen(4)), {})],
    "getitem": [((gen(5), np.s_[1:4]), {}), ((gen(5), np.s_[[0, 2, 2]]), {}),
                ((gen(5), 3), {}), ((gen(5), -1), {}), ((gen(3, 4), np.s_[:, 1]), {}),
                ((gen(3, 4), np.s_[1, None, ::2]), {}), ((gen(3, 4), np.s_[..., 2]), {}),
                ((gen(3, 4), np.s_[[0, 0, 2], [1, 1, 3]]), {}),
                ((gen(3, 4), np.s_[:, [3, 0, 3]]), {}),
                ((gen(3, 4), np.array([True, False, True])), {}),
                ((gen(4, 3), np.s_[::-2]), {}),
                (((gen(3), gen(2, 2)), 1), {}), (([gen(3), gen(2)], 0), {}),
                (([gen(3), gen(2), gen(1)], np.s_[1:]), {}),
                (({"w": gen(3), "b": gen(2)}, "b"), {}),
                ((Pair(gen(2), gen(3)), 0), {})],
    # ------------------------------------------------------------------ numpy: linear, shapes
    "np.dot": [((gen(3, 4), gen(4)), {}), ((gen(4), gen(4)), {}), ((gen(3, 4), gen(4, 2)), {}),
               ((gen(4), gen(4, 2)), {}), ((gen(3), 2.5), {}), ((gen(2, 3, 4), gen(4, 2)), {}),
               ((gen(2, 3), gen(4, 3, 2)), {}), ((gen(2, 3, 4), gen(4)), {}),
               ((gen(4), gen(2, 4, 3)), {})],
    "np.inner": [((gen(4), gen(4)), {}), ((gen(3, 4), gen(4)), {}), ((gen(3, 4), gen(2, 4)), {}),
                 ((gen(2, 3, 4), gen(5, 4)), {}), ((gen(3), 1.5), {})],
    "np.outer": [((gen(3), gen(4)), {}), ((gen(2, 2), gen(3)), {})],
    "np.einsum": [(_einsum_ops("ij,jk->ik", (2, 3), (3, 4)), {}),
                  (_einsum_ops("i,i", (3,), (3,)), {}),
                  (_einsum_ops("ij,jk", (2, 3), (3, 4)), {}),
                  (_einsum_ops("bi,bij->bj", (2, 3), (2, 3, 4)), {}),
                  (_einsum_ops("ij,jk,kl->il", (2, 3), (3, 4), (4, 2)), {}),
                  (_einsum_ops("i,j->ij", (3,), (4,)), {}),
                  (_einsum_ops("ij->ji", (2, 3)), {}),
                  (_einsum_ops("ij->", (2, 3)), {}),
                  (_einsum_ops("ij->j", (2, 3)), {}),
                  (_einsum_ops("ii->i", (3, 3)), {}),
                  (_einsum_ops("ii", (3, 3)), {}),
                  (_einsum_ops("iij,j->i", (3, 3, 2), (2,)), {}),
                  (_einsum_ops("ij,k->ijk", (2, 3), (2,)), {}),
                  (_einsum_ops("ij,ij->ij", (2, 1), (2, 4)), {}),
                  (_einsum_ops("...ij,jk->...ik", (5, 2, 3), (3, 4)), {}),
                  (_einsum_ops("...i,...i->...", (5, 1, 3), (4, 3)), {}),
                  (_einsum_ops("a...", (2, 3)), {}),
                  (_einsum_ops("Ab,bC", (2, 3), (3, 4)), {}),
                  (("ij,jk->ik", gen(2, 3), gen(3, 4)), {"optimize": True})],
    "np.transpose": [((gen(3, 4),), {}), ((gen(2, 3, 4),), {"axes": (1, 2, 0)}),
                     ((gen(2, 3, 4),), {"axes": (-1, 0, 1)})],
    "np.swapaxes": [((gen(2, 3, 4), 0, 2), {}), ((gen(2, 3), -1, -2), {})],
    "np.moveaxis": [((gen(2, 3, 4), 0, -1), {}), ((gen(2, 3, 4), (0, 1), (2, 0)), {})],
    "np.trace": [((gen(3, 3),), {}), ((gen(3, 4),), {"offset": 1}),
                 ((gen(2, 3, 3),), {"axis1": 1, "axis2": 2}), ((gen(4, 3),), {"offset": -1})],
    "np.reshape": [((gen(3, 4), (4, 3)), {}), ((gen(3, 4), (-1,)), {}), ((gen(6), (2, 3)), {})],
    "np.ravel": [((gen(3, 4),), {}), ((gen(2, 3, 2),), {})],
    "np.squeeze": [((gen(3, 1),), {}), ((gen(1, 3, 1),), {"axis": 0})],
    "np.expand_dims": [((gen(3),), {"axis": 0}), ((gen(2, 3),), {"axis": (0, 3)})],
    "np.copy": [((gen(3),), {})],
    "np.flip": [((gen(3, 4),), {}), ((gen(3, 4),), {"axis": 1})],
    "np.broadcast_to": [((gen(4), (3, 4)), {}), ((gen(3, 1), (2, 3, 4)), {}),
                        ((np.float64(1.5), (2, 2)), {})],
    "np.concatenate": [(([gen(2, 3), gen(1, 3)],), {}), (([gen(2, 3), gen(2, 1)],), {"axis": 1}),
                       (((gen(2), gen(3), gen(1)),), {}),
                       (([gen(2, 2), gen(3)],), {"axis": None})],
    "np.stack": [(([gen(3), gen(3)],), {}), (([gen(3), gen(3), gen(3)],), {"axis": 1}),
                 (((gen(2, 2), gen(2, 2)),), {"axis": -1})],
    "np.hstack": [(([gen(2, 3), gen(2, 1)],), {}), (([gen(3), gen(2)],), {}),
                  (((gen(2, 1, 2), gen(2, 3, 2)),), {})],
    "np.vstack": [(([gen(2, 3), gen(1, 3)],), {}), (([gen(3), gen(3)],), {}),
                  (([gen(3), gen(2, 3)],), {})],
    "np.tile": [((gen(3), (2, 2)), {}), ((gen(2, 3), 2), {}), ((gen(2, 1), (1, 3, 2)), {})],
    "np.asarray": [(([1.5, -0.5],), {}), ((gen(3),), {}), (([[1.0, 2.0], [3.0, -1.0]],), {})],
    "np.array": [(([1.5, -0.5],), {}), (([gen(2), gen(2)],), {}), ((gen(2, 2),), {})],
    "np.real": [((gen(3),), {})],
    "np.clip": [((gen(6), -0.5, 0.5), {}), ((gen(6), -0.5, None), {}),
                ((gen(6), None, 0.3), {}),
                ((gen(3, 4), gen(4) - 0.5, gen(3, 1) + 0.5), {}),
                ((gen(3, 4), 0.2 + unit(4), -0.2 + unit(4)), {}),  # some a_min > a_max
                ((gen(3), np.float64(-0.2), np.float64(0.4)), {})],
    "np.where": [((gen(3, 4) > 0, gen(3, 4), gen(4)), {}), ((gen(3) > 0, gen(3), 0.0), {}),
                 ((gen(3, 1) > 0, 1.5, gen(1, 4)), {})],
    # ------------------------------------------------------------------ reductions
    "np.sum": [((gen(3, 4),), {}), ((gen(3, 4),), {"axis": 1}),
               ((gen(3, 4),), {"axis": 0, "keepdims": True}), ((gen(2, 3, 4),), {"axis": (0, 2)}),
               ((gen(3, 4),), {"keepdims": True}), ((gen(4),), {"axis": -1}),
               ((np.array(1.5),), {})],
    "np.mean": [((gen(3, 4),), {}), ((gen(3, 4),), {"axis": 1}),
                ((gen(2, 3, 4),), {"axis": (1, 2), "keepdims": True})],
    "np.var": [((gen(3, 4),), {}), ((gen(3, 4),), {"axis": 0, "ddof": 1}),
               ((gen(2, 3, 4),), {"axis": (0, 2), "keepdims": True})],
    "np.std": [((gen(3, 4),), {}), ((gen(3, 4),), {"axis": 1}),
               ((gen(3, 4),), {"axis": 0, "ddof": 1, "keepdims": True})],
    "np.prod": [((pos(3, 4),), {}), ((away(3, 4),), {"axis": 1}),
                ((pos(2, 3),), {"axis": 0, "keepdims": True})],
    "np.max": [((gen(3, 4),), {}), ((gen(3, 4),), {"axis": 1}),
               ((gen(2, 3, 4),), {"axis": (0, 2), "keepdims": True})],
    "np.min": [((gen(3, 4),), {}), ((gen(3, 4),), {"axis": 0, "keepdims": True}),
               ((gen(5),), {"axis": 0})],
    "np.cumsum": [((gen(5),), {}), ((gen(3, 4),), {"axis": 1}), ((gen(3, 4),), {})],
    "np.linalg.norm": [((gen(5),), {}), ((gen(3, 4),), {}), ((gen(3, 4),), {"axis": 1}),
                       ((gen(5),), {"ord": 2}), ((away(5),), {"ord": 1}),
                       ((gen(5),), {"ord": np.inf}), ((gen(5),), {"ord": -np.inf}),
                       ((away(5),), {"ord": 3}), ((away(5),), {"ord": 0.5}),
                       ((gen(3, 4),), {"axis": 0, "keepdims": True}),
                       ((gen(3, 4),), {"ord": 1, "axis": 1}),
                       ((gen(3, 4),), {"ord": np.inf, "axis": 0}),
                       ((gen(3, 4),), {"ord": "fro"}),
                       ((away(3, 4),), {"ord": 1}), ((away(3, 4),), {"ord": np.inf}),
                       ((away(3, 4),), {"ord": -1}), ((away(3, 4),), {"ord": -np.inf}),
                       ((gen(2, 3, 4),), {"axis": (1, 2)}),
                       ((away(2, 3, 4),), {"ord": 1, "axis": (2, 0), "keepdims": True}),
                       ((gen(2, 3, 4),), {"ord": "fro", "axis": (0, 1)})],
    # ------------------------------------------------------------------ linalg
    "np.linalg.solve": [((spd(3), gen(3)), {}), ((spd(3), gen(3, 2)), {}),
                        ((well(3), gen(3, 2)), {}), ((spd(3, (2,)), gen(2, 3, 2)), {}),
                        ((spd(3, (2,)), gen(3)), {}), ((spd(3, (2,)), gen(3, 2)), {}),
                        ((spd(3), gen(2, 3, 2)), {})],
    "np.linalg.inv": [((spd(3),), {}), ((well(3),), {}), ((spd(2, (2,)),), {})],
    "np.linalg.det": [((spd(3),), {}), ((well(3),), {}), ((spd(2, (3,)),), {})],
    "np.linalg.slogdet": [((spd(3),), {}), ((well(3),), {}), ((spd(2, (2,)),), {})],
    # ------------------------------------------------------------------ runtime helpers
    "_rt.real_only": [((gen(3), gen(3), "np.sign"), {}), ((gen(2, 3), gen(2, 3), "x"), {})],
    "_rt.unbroadcast": [((gen(3, 4), gen(4)), {}), ((gen(3, 4), gen(3, 1)), {}),
                        ((gen(2, 3), np.float64(1.0)), {}), ((gen(3), gen(3)), {})],
    "_rt.broadcast_like": [((gen(4), gen(3, 4)), {}), ((gen(3, 1), gen(2, 3, 4)), {}),
                           ((gen(3), gen(3)), {})],
    "_rt.getitem_vjp": [((gen(3), gen(5), np.s_[1:4]), {}), ((gen(3), gen(5), [0, 2, 2]), {}),
                        ((gen(4), gen(3, 4), 1), {}), ((np.float64(0.5), gen(5), 2), {}),
                        ((gen(3), gen(3, 4), np.s_[[0, 0, 2], [1, 1, 3]]), {})],
    "_rt.array_vjp": [((gen(2), [1.0, 2.0]), {}), ((gen(2, 3), [gen(3), gen(3)]), {}),
                      ((gen(3), gen(3)), {})],
    "_rt.sum_vjp": [((np.float64(1.3), _A34), {}), ((gen(3), _A34, 1), {}),
                    ((gen(1, 4), _A34, 0, True), {}), ((gen(3), gen(2, 3, 4), (0, 2)), {})],
    "_rt.mean_vjp": [((np.float64(1.3), _A34), {}), ((gen(4), _A34, 0), {}),
                     ((gen(3, 1), _A34, -1, True), {})],
    "_rt.extremum_vjp": [((np.float64(0.7), _A34, _A34.max()), {}),
                         ((gen(3), _A34, _A34.max(1), 1), {}),
                         ((gen(1, 4), _A34, _A34.min(0, keepdims=True), 0, True), {}),
                         ((gen(2), np.array([[1.0, 1.0, 0.0], [2.0, 0.0, 2.0]]),
                           np.array([1.0, 2.0]), 1), {})],
    "_rt.cumsum_vjp": [((gen(5), None, gen(5)), {}), ((gen(3, 4), 1), {}),
                       ((gen(12), None, _A34), {})],
    "_rt.pow_base": [((gen(4), 2.0), {}), ((gen(2, 3), gen(3)), {}), ((gen(3), 0.0), {}),
                     ((gen(3), np.array([0.0, 1.5, 0.0])), {})],
    "_rt.sigmoid": [((gen(5),), {}), ((np.array([-40.0, -3.0, 0.0, 3.0, 40.0]),), {}),
                    ((0.7,), {}), ((-2.5,), {})],
    "_rt.signed_power": [((away(4), 1.0, 0, True), {}), ((away(4), 1.0, 0, False), {}),
                         ((away(4), 1.0, 1, False), {}), ((away(3, 2), 0.0, 0, True), {}),
                         ((away(4), 2.0, 0, True), {}), ((away(4), 2.5, 1, True), {}),
                         ((pos(4), -0.5, 0, False), {}), ((away(4), 2.0, 2, True), {})],
    "_rt.matmul_vjp_x": [((gen(3, 2), gen(3, 4), gen(4, 2)), {}),
                         ((gen(2), gen(4), gen(4, 2)), {}),
                         ((gen(3), gen(3, 4), gen(4)), {}),
                         ((np.float64(0.3), gen(4), gen(4)), {}),
                         ((gen(2, 3, 5), gen(2, 3, 4), gen(4, 5)), {}),
                         ((gen(2, 3), gen(4), gen(2, 4, 3)), {})],
    "_rt.matmul_vjp_y": [((gen(3, 2), gen(3, 4), gen(4, 2)), {}),
                         ((gen(2), gen(4), gen(4, 2)), {}),
                         ((gen(3), gen(3, 4), gen(4)), {}),
                         ((np.float64(0.3), gen(4), gen(4)), {}),
                         ((gen(2, 3, 5), gen(3, 4), gen(2, 4, 5)), {}),
                         ((gen(2, 3), gen(2, 3, 4), gen(4)), {})],
    "_rt.dot_vjp_a": [((gen(3, 2), gen(3, 4), gen(4, 2)), {}), ((gen(3), gen(3, 4), gen(4)), {}),
                      ((gen(2, 3, 2), gen(2, 3, 4), gen(4, 2)), {}),
                      ((gen(2, 4, 2), gen(2, 3), gen(4, 3, 2)), {}),
                      ((gen(3), gen(3), np.array(2.0)), {})],
    "_rt.dot_vjp_b": [((gen(3, 2), gen(3, 4), gen(4, 2)), {}), ((gen(2), gen(4), gen(4, 2)), {}),
                      ((gen(2, 3, 2), gen(2, 3, 4), gen(4, 2)), {}),
                      ((gen(2, 4, 2), gen(2, 3), gen(4, 3, 2)), {}),
                      ((gen(3), np.array(2.0), gen(3)), {})],
    "_rt.inner_vjp_a": [((np.float64(0.4), gen(4), gen(4)), {}),
                        ((gen(3, 2), gen(3, 4), gen(2, 4)), {}),
                        ((gen(2, 3, 5), gen(2, 3, 4), gen(5, 4)), {}),
                        ((gen(3), gen(3), np.array(1.5)), {})],
    "_rt.inner_vjp_b": [((np.float64(0.4), gen(4), gen(4)), {}),
                        ((gen(3, 2), gen(3, 4), gen(2, 4)), {}),
                        ((gen(2, 3, 5), gen(2, 3, 4), gen(5, 4)), {}),
                        ((gen(3), np.array(1.5), gen(3)), {})],
    "_rt.trace_vjp": [((np.float64(0.5), gen(3, 3)), {}), ((np.float64(0.5), gen(3, 4), 1), {}),
                      ((gen(2), gen(2, 3, 3), 0, 1, 2), {}),
                      ((np.float64(0.5), gen(4, 3), -1), {})],
    "_rt.reshape_like": [((gen(12), _A34), {}), ((gen(3, 4), gen(12)), {})],
    "_rt.transpose_vjp": [((gen(4, 3),), {}), ((gen(3, 4, 2), (1, 2, 0)), {}),
                          ((gen(4, 2, 3), (-1, 0, 1)), {})],
    "_rt.split_like": [((gen(3, 3), [gen(2, 3), gen(1, 3)]), {}),
                       ((gen(2, 3), (gen(2, 2), gen(2, 1)), 1), {}),
                       ((gen(7), [gen(2, 2), gen(3)], None), {})],
    "_rt.hstack_vjp": [((gen(2, 4), [gen(2, 3), gen(2, 1)]), {}),
                       ((gen(5), [gen(3), gen(2)]), {})],
    "_rt.vstack_vjp": [((gen(3, 3), [gen(2, 3), gen(1, 3)]), {}),
                       ((gen(2, 3), [gen(3), gen(3)]), {})],
    "_rt.unstack_like": [((gen(2, 3), [gen(3), gen(3)]), {}),
                         ((gen(3, 2), (gen(3), gen(3)), 1), {})],
    "_rt.tile_vjp": [((gen(2, 6), gen(3), (2, 2)), {}), ((gen(2, 6), gen(2, 3), 2), {})],
    **_EINSUM_HELPERS,
    # helpers the compiler emits itself (rules in rules/generated_code.py)
    "_rt.tree_add": [((gen(3), gen(3)), {}), (((gen(2), gen(3)), (gen(2), gen(3))), {})],
    "_rt.zero_at": [((gen(5), np.s_[1:3]), {}), ((gen(3, 4), (1, 2)), {})],
    "_rt.set_at": [((gen(5), np.s_[1:3], gen(2)), {}), ((gen(3, 4), 1, np.float64(0.5)), {})],
    "_rt.with_item": [((gen(5), np.s_[1:3], gen(2)), {}), ((gen(3, 4), 1, gen(4)), {})],
    "_rt.private": [((gen(5),), {}), ((gen(2, 3),), {})],
    "_rt.ct_mul": [((gen(3), gen(3)), {}), ((gen(2, 3), gen(3)), {})],
    # pytree helpers of structured loops (rules in rules/loops.py)
    "_rt.leaf_at": [((gen(4, 3), 1), {}), (((gen(3, 2), {"u": gen(3)}), 2), {}),
                    ((gen(5, 2), slice(1, 4)), {})],
    "_rt.leaf_at_vjp": [((gen(3), gen(4, 3), 1), {}),
                        (((gen(2), gen(2)), (gen(3, 2), gen(3, 2)), 0), {})],
    "_rt.same_carry": [((gen(3), gen(3)), {}), (((gen(2), gen(1)), (gen(2), gen(1))), {})],
    "_rt.stack_steps": [(([gen(3), gen(3)],), {}), (([(gen(2), gen(1)), (gen(2), gen(1))],), {})],
    "_rt.unstack_steps": [((gen(2, 3), [gen(3), gen(3)]), {})],
    "_rt.reverse_steps": [((gen(4, 2),), {}), (((gen(3), gen(3, 2)),), {})],
    "_rt.join_segments": [(([gen(2, 3), gen(1, 3)],), {})],
    "_rt.newton_step": [((well(3), gen(3)), {}), ((np.float64(2.5), np.float64(0.7)), {})],
    "_rt.newton_step_t": [((well(3), gen(3)), {}), ((np.float64(2.5), np.float64(0.7)), {})],
    "_rt.split_segments": [((gen(3, 3), [gen(2, 3), gen(1, 3)]), {})],
    "_rt.astype": [((gen(3), "float64"), {})],
    "_rt.copy_tape": [(([gen(2), gen(3)],), {})],
    "_rt.jacobian_from_columns": [(([gen(2, 2), gen(2, 2), gen(2, 2)], gen(2, 2), gen(3)), {})],
    "_rt.columns_of": [((gen(2, 3), gen(2), gen(3)), {})],
    "_rt.jacobian_from_rows": [(([gen(3), gen(3), gen(3), gen(3)], gen(2, 2), gen(3)), {})],
    "_rt.rows_of": [((gen(2, 3), gen(2), gen(3)), {})],
    "_rt.last_or_zeros": [(([gen(2), gen(3)], gen(3)), {})],
    "_rt.add_at_end": [(([gen(2), gen(3)], gen(3)), {})],
}

# rules whose float32 result is float64 on purpose
NOT_DTYPE_PRESERVING = {"_rt.astype"}

# Families kept in files of their own (they import the makers above, so this comes last).
from cases_arrays import BINARY as _B1, CASES as _C1, UNARY as _U1  # noqa: E402
from cases_linalg import BINARY as _B2, CASES as _C2, NORM_CASES, UNARY as _U2  # noqa: E402
from cases_scipy import BINARY as _B3, CASES as _C3, UNARY as _U3  # noqa: E402
from cases_containers import BINARY as _B5, CASES as _C5, UNARY as _U5  # noqa: E402
from cases_batching import BINARY as _B6, CASES as _C6, UNARY as _U6  # noqa: E402

for _u, _b, _c in ((_U1, _B1, _C1), (_U2, _B2, _C2), (_U3, _B3, _C3), (_U5, _B5, _C5),
                   (_U6, _B6, _C6)):
    assert not (set(_u) & set(UNARY) or set(_b) & set(BINARY) or set(_c) & set(CASES))
    UNARY.update(_u)
    BINARY.update(_b)
    CASES.update(_c)
CASES["np.linalg.norm"] = CASES["np.linalg.norm"] + NORM_CASES  # ord 2, -2, "nuc"

# Complex cases: rules that became general leave UNARY; cases of names already in CASES
# (np.real's real case) come after their own.
from cases_complex import CASES as _C4, UNARY_TO_CASES as _MOVED  # noqa: E402

for _name in _MOVED:
    del UNARY[_name]
for _name, _cases in _C4.items():
    CASES.setdefault(_name, []).extend(_cases)
