"""Specialization to the kinds of containers' items (issue 10): a dict, list or tuple
argument's items read by constant key or index get their kinds, so a model whose
parameters are a dict runs the code its arrays would; anything else in a container
keeps the generic code."""

import numpy as np
import pytest

import fd
import s2sad
from s2sad import api
from s2sad.pipeline import structs
from s2sad.transforms.specialize_calls import Struct
from s2sad.transforms.specialize import Kind
from tests.test_scatters import _specialized_source


def mlp(p, X, Y):
    h = np.tanh(X @ p["W1"] + p["b1"])
    logits = h @ p["W2"] + p["b2"]
    m = np.max(logits, axis=1, keepdims=True)
    lse = m + np.log(np.sum(np.exp(logits - m), axis=1, keepdims=True))
    return -np.mean(np.sum(Y * (logits - lse), axis=1))


def _mlp_inputs(rng, d=5, h=4, k=3, n=6):
    p = {"W1": rng.normal(size=(d, h)) * 0.5, "b1": rng.normal(size=h),
         "W2": rng.normal(size=(h, k)) * 0.5, "b2": rng.normal(size=k)}
    return p, rng.normal(size=(n, d)), np.eye(k)[rng.integers(0, k, n)]


def test_a_dict_of_parameters_is_specialized_like_its_arrays():
    p, X, Y = _mlp_inputs(np.random.default_rng(0))
    g = s2sad.grad(mlp)
    src = _specialized_source(g, p, X, Y)
    # the seed of a float64 loss is folded, the biases' broadcasts are summed, the rest go
    assert "_rt.seed(" not in src and "_rt.matmul_vjp" not in src
    # only where shapes differ: b1's and b2's rows, lse's and m's columns (generic: 12)
    assert src.count("_rt.unbroadcast(") == 4
    got = g(p, X, Y)
    assert list(got) == list(p) and all(got[k].shape == p[k].shape for k in p)
    fd.assert_tree_allclose(got, g.entry(p, X, Y), rtol=1e-12, atol=1e-14)
    fd.assert_tree_allclose(got, fd.numerical_grad(mlp, (p, X, Y)), rtol=1e-6, atol=1e-8)


def pieces(t, s):
    (a, b), c = t
    return np.sum(a * b) * s["scale"] + c ** 2 + np.sum(s["v"][1:] * a[0])


@pytest.mark.parametrize("case", ["floats", "float32 leaf", "broadcast leaf", "list"])
def test_containers_of_every_kind_give_the_generic_numbers(case):
    rng = np.random.default_rng(1)
    a, b = rng.normal(size=3), rng.normal(size=3)
    t, s = ((a, b), 0.7), {"scale": 1.5, "v": rng.normal(size=4)}
    if case == "float32 leaf":
        t = ((a.astype(np.float32), b), 0.7)
    elif case == "broadcast leaf":
        t = ((a, b[:1]), 0.7)
    elif case == "list":
        t = [[a, b], 0.7]
    g = s2sad.grad(pieces, argnums=(0, 1))
    got = g(t, s)
    assert type(got[0]) is type(t) and type(got[1]) is dict
    fd.assert_tree_allclose(got, g.entry(t, s), rtol=1e-6 if case == "float32 leaf" else 1e-12,
                            atol=1e-14, check_dtype=False)
    if case != "float32 leaf":
        want = fd.numerical_grad(pieces, (t, s), argnums=(0, 1))
        fd.assert_tree_allclose(got, want, rtol=1e-6, atol=1e-8)
    assert len(g._specialized) == 1


def test_one_gradient_called_with_containers_that_change_in_turn():
    """Each structure and each kind of item its own module, never another's."""
    g = s2sad.grad(lambda p: np.sum(p["w"] * p["w"]) * p["k"])
    for p in ({"w": np.ones(3), "k": 2.0}, {"w": np.ones((3, 1)), "k": 2.0},
              {"w": np.ones(3, np.float32), "k": 2.0}, {"k": 2.0, "w": np.ones(3)},
              {"w": 2.0, "k": np.array(2.0)}):
        got = g(p)
        fd.assert_tree_allclose(got, fd.numerical_grad(lambda q: np.sum(q["w"] * q["w"]) * q["k"],
                                                       (fd.to_float64(p),)),
                                rtol=1e-4, atol=1e-6, check_dtype=False)
    assert len(g._specialized) == 5


def test_signatures_of_containers():
    x = np.ones((2, 1))
    sig = api._plain_signature(({"a": x, "b": [1.5, np.float32(2)]}, (x, "text"), {(1, 2): x}))
    assert sig[0] == ("dict", (("a", ("array", "<f8", (False, True))),
                               ("b", ("list", ("float", ("array", "<f4", ()))))))
    assert sig[1] == ("tuple", (("array", "<f8", (False, True)), None))
    assert sig[2] is None  # a key that is not a string or an integer
    st = structs(sig)
    assert set(st) == {0, 1}
    assert st[0].keys == ("a", "b") and st[0].item("a") == Kind(
        None, ((None, False), (None, True)), dtype="<f8")
    assert isinstance(st[0].item("b"), Struct) and st[0].item("b").keys is None
    assert st[1].item(1) is None and st[1].item(-2) == st[0].item("a")
    # a named tuple is a type of its own: no signature
    from collections import namedtuple
    assert api._plain_signature((namedtuple("P", "w")(x),))[0] is None


def test_call_keys_of_containers_tell_structures_apart():
    x = np.ones(3)
    keys = {api._call_key(a) for a in [({"a": x},), ({"b": x},), ([x],), ((x,),), ([x, x],),
                                        ({"a": np.ones(2)},), ({"a": 1.0},)]}
    assert len(keys) == 7
    assert api._call_key(({"a": "text"},)) is None and api._call_key(([print],)) is None


# --------------------------------------------------------------------------- scatters.items

from s2sad import ir  # noqa: E402
from s2sad.transforms import scatters  # noqa: E402


def _vjp(target, g, key):
    return ir.Assign(target, ir.Call("_rt.getitem_vjp", (ir.Name(g), ir.Name("p"),
                                                          ir.Index((ir.Const(key),)))))


def _add_at(g, key):
    return ir.Assign("bp", ir.Call("_rt.add_at", (ir.Name("bp"), ir.Name("bp"), ir.Name("p"),
                                                   ir.Index((ir.Const(key),)), ir.Name(g))))


ABC = Struct((None, None, None), keys=("a", "b", "c"))


def test_a_dicts_cotangent_is_built_at_once_with_sums_and_zeros():
    fn = ir.Function("f", ("p", "g1", "g2", "g3"), (
        _vjp("bp", "g1", "b"), _add_at("g2", "a"), _add_at("g3", "b"), ir.Return(ir.Name("bp"))))
    out = scatters.items(fn, {"p": ABC})
    assert out.body == (
        ir.Assign("_t1", ir.Call("_rt.tree_add", (ir.Name("g1"), ir.Name("g3")))),
        ir.Assign("_t2", ir.Subscript(ir.Name("p"), ir.Index((ir.Const("c"),)))),
        ir.Assign("_t3", ir.Call("_rt.zeros_like", (ir.Name("_t2"),))),
        ir.Assign("bp", ir.Call("dict", (ir.Const("a"), ir.Name("g2"), ir.Const("b"),
                                         ir.Name("_t1"), ir.Const("c"), ir.Name("_t3")))),
        ir.Return(ir.Name("bp")))


def test_an_items_cotangent_rebound_before_the_container_is_built_is_kept():
    fn = ir.Function("f", ("p", "g1", "g2"), (
        _vjp("bp", "g1", "a"), ir.Assign("g1", ir.Call("mul", (ir.Name("g2"), ir.Const(2.0)))),
        _add_at("g1", "b"), _add_at("g2", "c"), ir.Return(ir.Name("bp"))))
    out = scatters.items(fn, {"p": ABC})
    assert out.body[0] == ir.Assign("_ct1", ir.Name("g1"))
    assert out.body[-2] == ir.Assign("bp", ir.Call("dict", (
        ir.Const("a"), ir.Name("_ct1"), ir.Const("b"), ir.Name("g1"), ir.Const("c"),
        ir.Name("g2"))))


@pytest.mark.parametrize("why, extra", [
    ("read between its steps", ir.Assign("seen", ir.Name("bp"))),
    ("rebound between its steps", ir.Assign("bp", ir.Name("g1"))),
    ("a step in a loop", ir.For("i", ir.Const(0), ir.Const(2), ir.Const(1), (_add_at("g1", "c"),))),
])
def test_a_cotangent_built_any_other_way_keeps_the_helpers(why, extra):
    fn = ir.Function("f", ("p", "g1", "g2"), (
        _vjp("bp", "g1", "a"), extra, _add_at("g2", "b"), ir.Return(ir.Name("bp"))))
    assert scatters.items(fn, {"p": ABC}) == fn, why


def partly_read(p, x):
    return np.sum(p["w"] * x) + p["w"][0] * p["s"] ** 2


def test_items_read_twice_or_never_give_the_generic_numbers():
    p = {"w": np.array([0.5, -1.0, 2.0]), "s": 1.5, "unused": np.ones((2, 2))}
    x = np.array([1.0, 2.0, 3.0])
    g = s2sad.grad(partly_read)
    src = _specialized_source(g, p, x)
    assert 'bp = {"w": ' in src and "_rt.add_at(" not in src
    got = g(p, x)
    assert list(got) == ["w", "s", "unused"] and type(got["s"]) is float
    np.testing.assert_array_equal(got["unused"], np.zeros((2, 2)))
    fd.assert_tree_allclose(got, g.entry(p, x), rtol=1e-15, atol=0, check_dtype=False)
    fd.assert_tree_allclose(got, fd.numerical_grad(partly_read, (p, x)), rtol=1e-6, atol=1e-8)
