"""Semantics that central differences cannot see: ties, kinks, repeated indices,
containers, canonical names, and the clear errors of unsupported cases."""

from __future__ import annotations

import builtins
import math
import operator
from collections import namedtuple

import numpy as np
import pytest

from s2sad import runtime as rt
from s2sad.rules import registry
from s2sad.runtime import helpers


def vjp(name, p, g, *args, **kwargs):
    rule = registry.lookup(name)
    bound = rule.bind(args, kwargs)
    out = rule.obj(*args, **kwargs)
    env = {**bound, "g": g, "out": out}
    if rule.kind == registry.ELEMENTWISE:
        partial = rule.partials[p](**{n: env[n] for n in rule.partials[p].__code__.co_varnames[
            :rule.partials[p].__code__.co_argcount]})
        return rt.unbroadcast(g * partial, bound[p])
    fn = rule.vjps[p]
    return fn(**{n: env[n] for n in fn.__code__.co_varnames[:fn.__code__.co_argcount]})


# --------------------------------------------------------------------------- ties split evenly


def test_max_and_min_split_ties_evenly():
    a = np.array([[1.0, 3.0, 3.0], [2.0, 2.0, 2.0]])
    np.testing.assert_allclose(vjp("np.max", "a", 1.0, a), [[0, 0.5, 0.5], [0, 0, 0]])
    np.testing.assert_allclose(vjp("np.max", "a", np.array([1.0, 3.0]), a, axis=1),
                               [[0, 0.5, 0.5], [1, 1, 1]])
    np.testing.assert_allclose(vjp("np.min", "a", np.array([[1.0], [3.0]]), a, axis=1,
                                   keepdims=True), [[1, 0, 0], [1, 1, 1]])


def test_maximum_minimum_and_builtin_max_min_split_ties_evenly():
    x, y = np.array([1.0, 2.0, 3.0]), np.array([1.0, 3.0, 2.0])
    np.testing.assert_allclose(vjp("np.maximum", "x1", np.ones(3), x, y), [0.5, 0, 1])
    np.testing.assert_allclose(vjp("np.minimum", "x2", np.ones(3), x, y), [0.5, 0, 1])
    assert vjp("max", "a", 1.0, 2.0, 2.0) == 0.5
    assert vjp("max", "b", 1.0, 1.0, 2.0) == 1.0
    assert vjp("min", "a", 1.0, 1.0, 2.0) == 1.0
    assert vjp("min", "b", 1.0, 1.0, 2.0) == 0.0
    assert type(vjp("max", "a", 1.0, 2.0, 2.0)) is float  # Python numbers stay Python numbers


def test_inf_norm_splits_ties_and_l1_uses_the_sign():
    x = np.array([3.0, -3.0, 1.0])
    np.testing.assert_allclose(vjp("np.linalg.norm", "x", 1.0, x, np.inf), [0.5, -0.5, 0])
    np.testing.assert_allclose(vjp("np.linalg.norm", "x", 2.0, x, 1), [2, -2, 2])
    np.testing.assert_allclose(vjp("np.linalg.norm", "x", 1.0, x, 0), [0, 0, 0])


def test_spectral_norms_split_tied_singular_values_evenly():
    """At I every singular value is 1: ‖·‖₂ and ‖·‖₋₂ weigh the three ties by 1/3 each (as
    max/min split ties), the nuclear norm takes U Vᵀ = I; entrywise norms are unchanged."""
    eye = np.eye(3)
    np.testing.assert_allclose(vjp("np.linalg.norm", "x", 1.0, eye, 2), eye / 3, atol=1e-12)
    np.testing.assert_allclose(vjp("np.linalg.norm", "x", 3.0, eye, -2), eye, atol=1e-12)
    np.testing.assert_allclose(vjp("np.linalg.norm", "x", 1.0, eye, "nuc"), eye, atol=1e-12)
    np.testing.assert_allclose(vjp("np.linalg.norm", "x", 1.0, 2.0 * eye, "fro"),
                               eye / np.sqrt(3), atol=1e-12)



# --------------------------------------------------------------------------- kinks, conventions


def test_mod_and_fmod_follow_floor_and_trunc():
    x, y = np.array([-7.0, 7.0]), np.array([3.0, -3.0])
    np.testing.assert_allclose(vjp("np.remainder", "x2", np.ones(2), x, y), [3.0, 3.0])
    np.testing.assert_allclose(vjp("np.fmod", "x2", np.ones(2), x, y), [2.0, 2.0])
    np.testing.assert_allclose(vjp("mod", "x", np.ones(2), x, y), [1.0, 1.0])
    assert registry.rule_for_object(np.mod).name == "np.remainder"


def test_power_in_the_exponent_is_zero_at_a_zero_base():
    with np.errstate(all="raise"):
        assert vjp("pow", "y", 1.0, 0.0, 2.0) == 0.0
        c = vjp("pow", "y", np.ones(2), np.array([0.0, 2.0]), np.array([3.0, 3.0]))
        np.testing.assert_allclose(c, [0.0, 8.0 * np.log(2.0)])


def test_clip_sends_each_element_to_exactly_one_input():
    a = np.linspace(-2, 2, 9)
    lo, hi = np.full(9, -0.5), np.array([1.0] * 8 + [-1.0])  # last: lo > hi gives hi
    parts = [helpers.clip_mask(a, lo, hi), helpers.clip_lo_mask(a, lo, hi),
             helpers.clip_hi_mask(a, lo, hi)]
    np.testing.assert_array_equal(sum(parts), np.ones(9))
    np.testing.assert_array_equal(parts[2][-1], 1.0)
    np.testing.assert_array_equal(helpers.clip_mask(a, None, 1.0), (a <= 1.0).astype(float))


def test_abs_sign_floor_round_comparisons_and_constructors_have_zero_derivative():
    # (np.sign has a rule of its own: zero for real inputs, refused for complex ones; see
    # tests/rules/test_complex_rules.py)
    for f in (np.floor, np.ceil, np.round, np.rint, np.trunc, np.argmax, np.zeros,
              np.ones_like, np.arange, np.linspace, np.eye, np.greater, np.equal, np.isnan,
              operator.lt, operator.not_, operator.floordiv, builtins.len, builtins.round,
              math.floor, math.ceil, np.floor_divide, np.empty, np.full):
        assert registry.rule_for_object(f).kind == registry.NONDIFF, f


# --------------------------------------------------------------------------- indexing, containers


def test_repeated_indices_accumulate():
    g = np.array([1.0, 2.0, 3.0])
    np.testing.assert_allclose(rt.getitem_vjp(g, np.zeros(3), [0, 0, 2]), [3, 0, 3])
    m = rt.getitem_vjp(g, np.zeros((2, 2)), (np.array([1, 1, 0]), np.array([0, 0, 1])))
    np.testing.assert_allclose(m, [[0, 3], [3, 0]])


def test_getitem_of_containers_gives_containers_with_zeros():
    Pair = namedtuple("Pair", "a b")
    x = (np.ones(2, np.float32), 2.0, 3)
    c = rt.getitem_vjp(np.full(2, 5.0, np.float32), x, 0)
    assert isinstance(c, tuple) and c[1] == 0.0 and c[2] == 0.0
    assert c[0].dtype == np.float32
    c = rt.getitem_vjp(1.5, [np.ones(2), 4.0], 1)
    assert isinstance(c, list) and c[1] == 1.5
    np.testing.assert_array_equal(c[0], np.zeros(2))
    c = rt.getitem_vjp(np.ones(3), {"w": np.ones(3), "b": np.ones((2, 2))}, "w")
    np.testing.assert_array_equal(c["b"], np.zeros((2, 2)))
    c = rt.getitem_vjp(np.ones(3), Pair(np.ones(3), np.ones(1)), 0)
    assert isinstance(c, Pair)
    c = rt.getitem_vjp([1.0, 2.0], [0.0, 0.0, 0.0], np.s_[1:])
    assert c == [0.0, 1.0, 2.0]


def test_array_of_a_list_gives_back_the_list_structure():
    g = np.array([[1.0, 2.0], [3.0, 4.0]])
    c = rt.array_vjp(g, [[0.0, 0.0], (0.0, 0.0)])
    assert isinstance(c, list) and isinstance(c[1], tuple)
    assert c[1][0] == 3.0


def test_joining_functions_give_one_cotangent_per_input():
    parts = (np.ones((2, 3)), np.ones((2, 1)))
    c = vjp("np.concatenate", "arrays", np.arange(8.0).reshape(2, 4), parts, axis=1)
    assert isinstance(c, tuple) and [p.shape for p in c] == [(2, 3), (2, 1)]
    c = vjp("np.vstack", "tup", np.arange(6.0).reshape(2, 3), [np.ones(3), np.ones(3)])
    assert isinstance(c, list) and [p.shape for p in c] == [(3,), (3,)]


def test_slogdet_tangent_and_cotangent_are_pairs():
    rule = registry.lookup("np.linalg.slogdet")
    a = np.array([[2.0, 1.0], [0.5, -3.0]])
    out = np.linalg.slogdet(a)
    t = rule.jvps["a"](np.eye(2), a, out)
    assert isinstance(t, tuple) and len(t) == 2 and t[0] == 0.0
    np.testing.assert_allclose(t[1], np.trace(np.linalg.inv(a)))
    np.testing.assert_allclose(rule.vjps["a"]((0.0, 1.0), a), np.linalg.inv(a).T)


# --------------------------------------------------------------------------- einsum


@pytest.mark.parametrize("spec, shapes", [
    ("ij,jk", [(2, 3), (3, 4)]), ("Ab,bC", [(2, 3), (3, 4)]), ("aB", [(2, 3)]),
    ("ii", [(3, 3)]), ("...a", [(2, 3)]), ("a...", [(2, 3)]), ("...ij,jk", [(5, 2, 3), (3, 4)]),
    ("...i,...i->...", [(5, 1, 3), (4, 3)]), ("i...,i", [(3, 2, 2), (3,)]),
    ("ij,ij->ij", [(2, 1), (2, 4)]), ("b i, b i j -> b j", [(2, 3), (2, 3, 4)]),
])
def test_einsum_subscripts_are_read_as_numpy_reads_them(spec, shapes):
    rng = np.random.default_rng(0)
    ops = [rng.normal(size=s) for s in shapes]
    labels, out = helpers._einsum_labels(spec, shapes)
    explicit = ",".join(labels) + "->" + out
    np.testing.assert_allclose(np.einsum(explicit, *ops), np.einsum(spec, *ops))


def test_einsum_with_interleaved_operands_is_refused_clearly():
    with pytest.raises(NotImplementedError, match="subscripts as a string"):
        rt.einsum_vjp(np.ones(2), np.ones(2), [np.ones(2)], 0)


# --------------------------------------------------------------------------- names


def test_canonical_names():
    names = {operator.add: "add", operator.mul: "mul", operator.pow: "pow",
             operator.matmul: "matmul", operator.neg: "neg", operator.getitem: "getitem",
             operator.mod: "mod", builtins.max: "max", builtins.min: "min",
             builtins.float: "float", builtins.abs: "np.absolute", np.sum: "np.sum",
             np.linalg.norm: "np.linalg.norm", np.amax: "np.max",
             rt.unbroadcast: "_rt.unbroadcast"}
    for obj, name in names.items():
        assert registry.rule_for_object(obj).name == name


def test_math_functions_are_their_numpy_twins():
    for m, n in [(math.sin, np.sin), (math.cos, np.cos), (math.tan, np.tan), (math.exp, np.exp),
                 (math.log, np.log), (math.log1p, np.log1p), (math.sqrt, np.sqrt),
                 (math.tanh, np.tanh), (math.atan2, np.arctan2), (math.pow, np.power),
                 (math.fabs, np.abs)]:
        assert registry.rule_for_object(m) is registry.rule_for_object(n)
        assert m(0.5, 1.5) == pytest.approx(n(0.5, 1.5)) if m in (math.atan2, math.pow) \
            else m(0.5) == pytest.approx(n(0.5))
