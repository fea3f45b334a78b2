"""Vector-mode Jacobians (issue 4): the batching transform and its runtime helpers.

Oracles: the same computation lane by lane (each batched helper against a loop over its
lanes calling the unbatched primitive), the loop form of each Jacobian (one pass per
basis vector, itself checked against finite differences in test_forward/test_higher_order),
and central differences.
"""

import numpy as np
import pytest

import fd
import s2sad
from corpus import control, straight
from s2sad import runtime as rt

R = np.random.default_rng(20261130)
K = 3  # lanes


def lanes(fn, *args, batched):
    """``fn`` applied lane by lane to batched ``args`` (flags in ``batched``), stacked."""
    return np.stack([np.asarray(fn(*(a[i] if b else a for a, b in zip(args, batched))))
                     for i in range(K)])


def rand(*shape):
    return R.standard_normal(shape)


# --------------------------------------------------------------------------- runtime helpers

SHAPE_PAIRS = [((), ()), ((3,), ()), ((), (3,)), ((3,), (3,)), ((3,), (2, 3)), ((2, 3), (3,)),
               ((2, 1), (1, 3)), ((1, 3), (2, 2, 3))]


@pytest.mark.parametrize("sa, sb", SHAPE_PAIRS)
@pytest.mark.parametrize("flags", [(True, False), (False, True), (True, True)])
def test_lift_aligns_elementwise_operands(sa, sb, flags):
    a = rand(*(((K,) if flags[0] else ()) + sa))
    b = rand(*(((K,) if flags[1] else ()) + sb))
    la, lb = a, b
    if flags[0]:
        la = rt.lift_b(a, b) if flags[1] else rt.lift(a, b)
    if flags[1]:
        lb = rt.lift_b(b, a) if flags[0] else rt.lift(b, a)
    np.testing.assert_array_equal(la * lb, lanes(np.multiply, a, b, batched=flags))


MATMUL_RANKS = [(1, 1), (1, 2), (2, 1), (2, 2), (3, 2), (2, 3), (3, 3), (1, 3), (3, 1)]


def _matmul_operands(ra, rb):
    shapes = {1: (4,), 2: (3, 4), 3: (2, 3, 4)}
    sa = shapes[ra]
    sb = {1: (4,), 2: (4, 5), 3: (2, 4, 5)}[rb]
    return sa, sb


@pytest.mark.parametrize("ra, rb", MATMUL_RANKS)
@pytest.mark.parametrize("flags", [(True, False), (False, True), (True, True)])
def test_vmatmul_is_matmul_lane_by_lane(ra, rb, flags):
    sa, sb = _matmul_operands(ra, rb)
    a = rand(*(((K,) if flags[0] else ()) + sa))
    b = rand(*(((K,) if flags[1] else ()) + sb))
    np.testing.assert_allclose(rt.vmatmul(a, b, *flags), lanes(np.matmul, a, b, batched=flags),
                               rtol=1e-13, atol=1e-13)


@pytest.mark.parametrize("ra, rb", MATMUL_RANKS)
def test_matmul_cotangents_lane_by_lane(ra, rb):
    sa, sb = _matmul_operands(ra, rb)
    x, y = rand(*sa), rand(*sb)
    g = rand(K, *np.shape(x @ y))
    for batched, plain in ((rt.vmatmul_vjp_x, rt.matmul_vjp_x), (rt.vmatmul_vjp_y,
                                                                  rt.matmul_vjp_y)):
        np.testing.assert_allclose(batched(g, x, y), lanes(plain, g, x, y,
                                                           batched=(True, False, False)),
                                   rtol=1e-13, atol=1e-13)


@pytest.mark.parametrize("sg, sx", [((3,), (3,)), ((2, 3), (3,)), ((2, 3), (1, 3)),
                                    ((2, 3), ()), ((4, 2, 3), (2, 1)), ((), ())])
@pytest.mark.parametrize("flags", [(True, False), (False, True), (True, True)])
def test_vunbroadcast_lane_by_lane(sg, sx, flags):
    g = rand(*(((K,) if flags[0] else ()) + sg))
    x = rand(*(((K,) if flags[1] else ()) + sx))
    expected = lanes(rt.unbroadcast, g, x, batched=flags)
    np.testing.assert_allclose(rt.vunbroadcast(g, x, *flags), expected, rtol=1e-13, atol=1e-14)


@pytest.mark.parametrize("st, so", [((), (3,)), ((3,), (3,)), ((3,), (2, 3)), ((1,), (2, 4))])
@pytest.mark.parametrize("flags", [(True, False), (False, True), (True, True)])
def test_vbroadcast_like_lane_by_lane(st, so, flags):
    t = rand(*(((K,) if flags[0] else ()) + st))
    out = rand(*(((K,) if flags[1] else ()) + so))
    np.testing.assert_array_equal(rt.vbroadcast_like(t, out, *flags),
                                  lanes(rt.broadcast_like, t, out, batched=flags))


@pytest.mark.parametrize("axis, keepdims", [(None, False), (0, False), (-1, False), ((0, 1), False),
                                            (1, True), (None, True)])
@pytest.mark.parametrize("helper, plain", [(rt.vsum_vjp, rt.sum_vjp), (rt.vmean_vjp, rt.mean_vjp)])
def test_reduction_cotangents_lane_by_lane(axis, keepdims, helper, plain):
    a = rand(2, 3, 4)
    g = rand(K, *np.shape(np.sum(a, axis=axis, keepdims=keepdims)))
    expected = lanes(lambda gi: plain(gi, a, axis, keepdims), g, batched=(True,))
    np.testing.assert_allclose(helper(g, a, axis, keepdims), expected, rtol=1e-13)


@pytest.mark.parametrize("index", [slice(1, None), 2, np.array([0, 2, 2, 1]),
                                   (slice(None), 1), (np.array([1, 1]), slice(0, 2)),
                                   (Ellipsis, 0), (None, 1)])
def test_getitem_cotangent_set_and_zero_lane_by_lane(index):
    x = rand(4, 3)
    g = rand(K, *np.shape(x[index]))
    np.testing.assert_allclose(rt.vgetitem_vjp(g, x, index),
                               lanes(lambda gi: rt.getitem_vjp(gi, x, index), g, batched=(True,)),
                               rtol=1e-13)
    a = rand(K, 4, 3)
    np.testing.assert_array_equal(rt.vzero_at(a, index),
                                  lanes(lambda ai: rt.zero_at(ai, index), a, batched=(True,)))
    v = rand(*np.shape(x[index]))
    for flags in ((True, False), (False, True), (True, True)):
        aa = a if flags[0] else x
        vv = g if flags[1] else v
        np.testing.assert_array_equal(
            rt.vset_at(aa, index, vv, *flags),
            lanes(lambda ai, vi: rt.set_at(ai, index, vi), aa, vv, batched=flags))


def test_separated_array_indices_ask_for_one_pass_per_lane():
    with pytest.raises(rt.Unbatchable, match="separated by a slice"):
        rt.batch_index((np.array([0, 1]), slice(None), np.array([1, 0])))


@pytest.mark.parametrize("shape", [(), (2,), (2, 3)])
def test_hstack_and_vstack_lane_by_lane(shape):
    items = [rand(K, *shape), rand(K, *shape)]
    for batched, plain in ((rt.vhstack, np.hstack), (rt.vvstack, np.vstack)):
        expected = np.stack([plain([it[i] for it in items]) for i in range(K)])
        np.testing.assert_array_equal(batched(items), expected)


def test_vmap_call_with_container_arguments_and_results():
    a, b = rand(K, 3), rand(3)
    with pytest.raises(rt.Unbatchable, match="returned a container"):
        rt.vmap_call("np.split", (True, False), a, 3)
    parts = rt.vmap_call("np.split", (True, False), a, 3, container=True)
    assert len(parts) == 3 and parts[0].shape == (K, 1)
    np.testing.assert_array_equal(parts[2][:, 0], a[:, 2])
    total = rt.vmap_call("np.concatenate", ((True, False),), (a, b))
    np.testing.assert_array_equal(total, np.stack([np.concatenate((a[i], b)) for i in range(K)]))
    listed = rt.vmap_call("np.stack", ("list",), [a, a])
    np.testing.assert_array_equal(listed[1], np.stack([a[1], a[1]]))


def test_widen_batches_only_the_parts_that_need_it():
    x = (rand(K, 2), 1.5, [rand(2)], None)
    w = rt.widen(x, K, (True, False, False, False), (True, True, "list", True))
    assert w[0] is x[0] and w[1].shape == (K,) and w[2][0].shape == (K, 2) and w[3] is None
    assert rt.widen(None, K, False, True) is None
    w = rt.widen((rand(K, 2), 1.5), K, (True, False), "all")
    assert w[1].shape == (K,)


def test_values_known_only_at_run_time_to_be_arrays_or_containers():
    a = rand(K, 4, 3)
    np.testing.assert_array_equal(rt.vgetitem(a, (slice(1, 3), 0)), a[:, 1:3, 0])
    pair = (rand(K, 2), rand(K, 3))
    assert rt.vgetitem(pair, 1) is pair[1]
    assert rt.batched_array(a) is a
    with pytest.raises(rt.Unbatchable, match="container"):
        rt.batched_array(pair)


# --------------------------------------------------------------------------- the transform

# jacobians that run one pass per basis vector on purpose (a measured, known list)
LOOP_FORM = {
    ("tuple_and_dict_building", "jacfwd"), ("tuple_and_dict_building", "hessian"),  # dicts
}
# batched code generated, but a value met at run time cannot be widened: the call reruns one
# pass per basis vector (none now: cotangents of tuple items are batched by vgetitem_vjp)
RUNTIME_FALLBACK: set = set()


def _array_cases(corpus):
    for c in corpus:
        args = c.inputs()[0]
        i = c.nums[0]
        if isinstance(args[i], (float, np.ndarray)):
            yield pytest.param(c, args, i, id=c.name)


CASES = list(_array_cases(straight.CORPUS)) + list(_array_cases(control.CORPUS))


@pytest.mark.parametrize("kind", ["jacfwd", "jacrev", "hessian"])
@pytest.mark.parametrize("c, args, i", CASES)
def test_vector_jacobian_equals_one_pass_per_basis_vector(c, args, i, kind):
    if kind == "hessian" and (c in control.CORPUS[1::2] or c in straight.CORPUS[1::2]):
        pytest.skip("hessians of every other corpus function (CI time)")
    t = s2sad.hessian(c.fn, argnums=i) if kind == "hessian" else getattr(s2sad, kind)(
        c.fn, argnums=i)
    looped = t.composable_entry(*args)
    if (c.name, kind) in RUNTIME_FALLBACK:
        with pytest.raises(rt.Unbatchable):
            t.entry(*args)
        vector = t(*args)
    else:
        vector = t.entry(*args)  # the batched code itself, no run-time fallback
    scale = 1.0 + np.max(np.abs(looped)) if np.size(looped) else 1.0
    np.testing.assert_allclose(vector, looped, rtol=1e-10, atol=1e-10 * scale)
    batched = "_batched(" in t.source
    assert batched == ((c.name, kind) not in LOOP_FORM), t.source


def _separated_indices(x):
    return np.sum(x[[0, 1], :, [1, 0]] ** 2)


def test_a_value_batched_code_cannot_widen_falls_back_to_one_pass_per_lane():
    x = R.standard_normal((2, 3, 2))
    assert "_batched(" in s2sad.jacfwd(s2sad.grad(_separated_indices)).source
    H = s2sad.hessian(_separated_indices)(x)
    fd.assert_tree_allclose(H, fd.numerical_hessian(_separated_indices, (x,), 0),
                            rtol=1e-5, atol=1e-6)


def _vector_field(x, W):
    h = np.tanh(W @ x)
    out = np.zeros(3)
    for i in range(3):
        if h[i] > 0:
            out[i] = h[i] * x[i]
        else:
            out[i] = np.sin(x[i])
    return out


def test_jacobians_of_loops_with_stores_match_differences_and_each_other():
    x, W = R.standard_normal(3), R.standard_normal((3, 3))
    expected = fd.numerical_jacobian(_vector_field, (x, W), (0, 1))
    for jac in (s2sad.jacfwd, s2sad.jacrev):
        t = jac(_vector_field, argnums=(0, 1))
        assert "_batched(" in t.source
        fd.assert_tree_allclose(t(x, W), expected, rtol=1e-6, atol=1e-9)


def test_jacfwd_of_jacrev_through_loops_is_the_hessian():
    f = control.CORPUS[0].fn
    args = control.CORPUS[0].inputs()[0]
    H1 = s2sad.jacfwd(s2sad.jacrev(f))(*args)
    H2 = s2sad.hessian(f)(*args)
    np.testing.assert_allclose(H1, H2, rtol=1e-10, atol=1e-12)


def test_the_vector_source_is_readable():
    src = s2sad.jacfwd(_vector_field).source
    assert "_rt.basis_stack(x)" in src and "_vector_field_jvp_x_batched(" in src
    assert "one batched forward pass" in src
    src = s2sad.jacrev(_vector_field).source
    assert "_vector_field_bwd_x_batched(" in src and "_rt.basis_stack(_out1)" in src


def test_jacobian_with_respect_to_a_container_is_a_clear_type_error():
    with pytest.raises(TypeError, match="argument 0 is a dict"):
        s2sad.jacfwd(lambda p: p["a"] * 2.0)({"a": np.ones(2)})


@pytest.mark.parametrize("jac", [s2sad.jacfwd, s2sad.jacrev])
def test_float_argument_and_argnums_order(jac):
    def g(a, x):
        return np.sin(a * x) + a

    x = np.array([0.2, -0.4, 0.9])
    Jx, Ja = jac(g, argnums=(1, 0))(0.7, x)
    np.testing.assert_allclose(Jx, np.diag(0.7 * np.cos(0.7 * x)), rtol=1e-13, atol=1e-15)
    np.testing.assert_allclose(Ja, x * np.cos(0.7 * x) + 1.0, rtol=1e-13)
    assert Ja.shape == (3,)


def _pair(x):
    return np.sin(x), np.cos(x)


def _named(x):
    return {"a": 2.0 * x}


@pytest.mark.parametrize("jac", [s2sad.jacfwd, s2sad.jacrev])
@pytest.mark.parametrize("fn, kind", [(_pair, "tuple"), (_named, "dict")])
def test_a_container_output_is_a_clear_type_error(jac, fn, kind):
    with pytest.raises(TypeError, match=f"Jacobian needs an array or a number as the function's "
                                        f"output, but got a {kind}"):
        jac(fn)(np.array([0.1, 0.2]))
