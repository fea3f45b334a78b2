"""``s2sad.scan``, ``fori_loop``, ``while_loop`` and ``checkpoint`` (issue 11).

Direct calls against plain loops written out here; derivatives of functions that
use them against central finite differences (``fd``) in float64; checkpointed
gradients against unchecked ones, number for number; bad input by type and message.
"""

from __future__ import annotations

import numpy as np
import pytest

import fd
import s2sad

RNG = np.random.default_rng(7)
W = 0.5 * RNG.normal(size=(4, 4))
U = 0.5 * RNG.normal(size=(4, 3))
H0 = RNG.normal(size=4)
XS = RNG.normal(size=(6, 3))


def check_grad(f, args, argnums=0, rtol=1e-6, atol=1e-8):
    got = s2sad.grad(f, argnums=argnums)(*args)
    fd.assert_tree_allclose(got, fd.numerical_grad(f, args, argnums), rtol=rtol, atol=atol)
    return got


# --------------------------------------------------------------------------- functions


def cumsum_loss(x):
    def step(c, xi):
        c = c + xi
        return c, c
    total, partial = s2sad.scan(step, 0.0, x)
    return total + np.sum(partial * partial)


def cumprod_loss(x):
    _, ys = s2sad.scan(lambda c, xi: (c * xi, c * xi), 1.0, x)
    return np.sum(ys)


def rnn_loss(W, U, h0, xs):
    def cell(h, x):
        h = np.tanh(W @ h + U @ x)
        return h, np.sum(h * h)
    h, ys = s2sad.scan(cell, h0, xs)
    return np.sum(h) + np.sum(ys)


def oscillator(k, x0, steps=40):
    """A damped oscillator with a tuple carry and no xs."""
    def step(state, _):
        x, v = state
        a = -k * x - 0.3 * v
        return (x + 0.05 * v, v + 0.05 * a), None
    (x, v), _ = s2sad.scan(step, (x0, 0.0), None, length=steps)
    return x * x + v * v


def reversed_rnn(W, U, h0, xs):
    def cell(h, x):
        h = np.tanh(W @ h + U @ x)
        return h, h[0]
    h, ys = s2sad.scan(cell, h0, xs, reverse=True)
    return np.sum(h * h) + np.sum(ys * np.arange(ys.shape[0]))


def nested(w, xs):
    def outer(c, block):
        def inner(a, b):
            return np.tanh(a * b + w), None
        c, _ = s2sad.scan(inner, c, block)
        return c, np.sum(c)
    c, ys = s2sad.scan(outer, np.ones(3), xs)
    return np.sum(c) + np.sum(ys * ys)


def dict_carry(params, xs):
    def step(state, x):
        m = state["m"] * params["decay"] + x
        return {"m": m, "n": state["n"] + m * m}, None
    out, _ = s2sad.scan(step, {"m": np.zeros(3), "n": np.zeros(3)}, xs)
    return np.sum(out["n"])


def pytree_xs(w, xs, zs):
    def step(c, pair):
        x, z = pair
        return c * w + x * z, (c, np.sum(x))
    c, (cs, sums) = s2sad.scan(step, np.ones(3), (xs, zs))
    return np.sum(c) + np.sum(cs * cs) + np.sum(sums)


def branchy(a, xs):
    def step(c, x):
        if np.sum(x) > 0:
            c = c * a + x
        else:
            for _ in range(2):
                c = np.sin(c) - a * x
        return c, None
    c, _ = s2sad.scan(step, np.zeros(3), xs)
    return np.sum(c * c)


def scan_in_loop(a, xs):
    c = np.ones(3)
    for _ in range(3):
        c, ys = s2sad.scan(lambda h, x: (np.tanh(a * h + x), h), c, xs)
        c = c + 0.1 * np.sum(ys, axis=0)
    return np.sum(c)


def _module_step(c, x):
    return 0.9 * c + np.sin(x), c * x


def module_body(xs, c0):
    c, ys = s2sad.scan(_module_step, c0, xs)
    return np.sum(c) + np.sum(ys ** 2)


def fori(k, x0):
    return s2sad.fori_loop(0, 25, lambda i, x: x * np.cos(k * x) + 0.01 * i, x0)


def whiled(k, x0):
    def cond(state):
        return state[1] < 12
    def body(state):
        x, i = state
        return (x * np.cos(k) + 0.1 * np.sin(x), i + 1)
    return s2sad.while_loop(cond, body, (x0, 0))[0]


def data_while(x):
    """A while loop whose trip count depends on the data (reverse mode, which JAX refuses)."""
    def body(v):
        return 1.5 * v + np.sin(v)
    return np.sum(s2sad.while_loop(lambda v: np.sum(v) < 50.0, body, x) ** 2)


# --------------------------------------------------------------------------- direct calls


def test_direct_call_is_the_plain_loop():
    def step(c, x):
        c = 0.5 * c + x
        return c, c * c
    carry, ys = s2sad.scan(step, np.zeros(3), XS)
    c, want = np.zeros(3), []
    for x in XS:
        c = 0.5 * c + x
        want.append(c * c)
    np.testing.assert_array_equal(carry, c)
    np.testing.assert_array_equal(ys, np.stack(want))


def test_direct_reverse_and_length():
    carry, ys = s2sad.scan(lambda c, x: (c + x, c), 0.0, np.arange(4.0), reverse=True)
    assert carry == 6.0
    np.testing.assert_array_equal(ys, [6.0, 5.0, 3.0, 0.0])  # ys in the order of xs
    carry, ys = s2sad.scan(lambda c, _: (c * 2, None), 1.0, None, length=5)
    assert carry == 32.0 and ys is None


def test_direct_pytrees():
    carry, (a, b) = s2sad.scan(lambda c, x: ({"s": c["s"] + x["u"]}, (x["u"], x["v"][0])),
                               {"s": 0.0}, {"u": np.arange(3.0), "v": np.ones((3, 2))})
    assert carry == {"s": 3.0}
    np.testing.assert_array_equal(a, [0.0, 1.0, 2.0])
    np.testing.assert_array_equal(b, [1.0, 1.0, 1.0])


def test_direct_fori_while_checkpoint():
    assert s2sad.fori_loop(0, 4, lambda i, v: v + i, 10) == 16
    assert s2sad.while_loop(lambda v: v < 100, lambda v: v * 3, 1) == 243
    f = s2sad.checkpoint(np.sin)
    assert f(0.5) == np.sin(0.5) and s2sad.checkpoint(f) is f


# --------------------------------------------------------------------------- gradients


@pytest.mark.parametrize("f, args, argnums", [
    (cumsum_loss, (RNG.normal(size=5),), 0),
    (cumprod_loss, (1.0 + 0.3 * RNG.normal(size=5),), 0),
    (rnn_loss, (W, U, H0, XS), (0, 1, 2, 3)),
    (oscillator, (2.0, 1.0), (0, 1)),
    (reversed_rnn, (W, U, H0, XS), (0, 1, 2, 3)),
    (nested, (0.3 * np.ones(3), RNG.normal(size=(4, 2, 3))), (0, 1)),
    (dict_carry, ({"decay": 0.7}, RNG.normal(size=(5, 3))), (0, 1)),
    (pytree_xs, (0.8, RNG.normal(size=(4, 3)), RNG.normal(size=(4, 3))), (0, 1, 2)),
    (branchy, (0.7, RNG.normal(size=(6, 3))), (0, 1)),
    (scan_in_loop, (0.6, RNG.normal(size=(3, 3))), (0, 1)),
    (module_body, (RNG.normal(size=(5, 2)), RNG.normal(size=2)), (0, 1)),
    (fori, (0.7, 1.0), (0, 1)),
    (whiled, (0.7, 1.0), (0, 1)),
    (data_while, (np.array([0.5, 1.0]),), 0),
], ids=lambda v: getattr(v, "__name__", None))
def test_grad_against_finite_differences(f, args, argnums):
    check_grad(f, args, argnums)


def test_jvp_hessian_jacrev_through_scan():
    primals, tangents = (2.0, 1.0), (0.3, -0.7)
    out, t = s2sad.jvp(oscillator, primals, tangents)
    assert out == pytest.approx(oscillator(*primals))
    assert t == pytest.approx(fd.numerical_jvp(oscillator, primals, tangents), rel=1e-6)
    h = s2sad.hessian(oscillator)(2.0, 1.0)
    assert h == pytest.approx(fd.numerical_hessian(oscillator, (2.0, 1.0)), rel=1e-5)

    def trajectory(W, h0):
        _, ys = s2sad.scan(lambda h, x: (np.tanh(W @ h + x), h), h0, XS[:, :1] * np.ones(4))
        return ys
    jac = s2sad.jacrev(trajectory, argnums=(0, 1))(W, H0)
    want = fd.numerical_jacobian(trajectory, (W, H0), (0, 1))
    fd.assert_tree_allclose(jac, want, rtol=1e-6, atol=1e-8)
    hv = s2sad.hessian(lambda h0: rnn_loss(W, U, h0, XS))(H0)
    np.testing.assert_allclose(hv, fd.numerical_hessian(
        lambda h0: rnn_loss(W, U, h0, XS), (H0,)), rtol=1e-5, atol=1e-7)


# --------------------------------------------------------------------------- checkpointing


def _rnn_checkpointed(every, reverse=False):
    def loss(W, U, h0, xs):
        def cell(h, x):
            h = np.tanh(W @ h + U @ x)
            return h, h * h
        h, ys = s2sad.scan(cell, h0, xs, reverse=reverse, checkpoint=every)
        return np.sum(h) + np.sum(ys)
    return loss


@pytest.mark.parametrize("every", [1, 2, 4, 100, "sqrt"])
@pytest.mark.parametrize("reverse", [False, True])
def test_checkpointed_scan_gives_the_same_gradient(every, reverse):
    xs = RNG.normal(size=(11, 3))
    plain = s2sad.grad(_rnn_checkpointed(None, reverse), argnums=(0, 1, 2, 3))(W, U, H0, xs)
    ck = s2sad.grad(_rnn_checkpointed(every, reverse), argnums=(0, 1, 2, 3))(W, U, H0, xs)
    for a, b in zip(ck, plain):
        np.testing.assert_allclose(a, b, rtol=1e-13, atol=1e-15)
    fd.assert_tree_allclose(ck, fd.numerical_grad(_rnn_checkpointed(every, reverse),
                                                  (W, U, H0, xs), (0, 1, 2, 3)))


@s2sad.checkpoint
def _heavy_step(x, a):
    y = np.sin(a * x)
    return x + 0.1 * y * y


def checkpointed_loop(x, a):
    for _ in range(5):
        x = _heavy_step(x, a)
    return np.sum(x)


def checkpointed_nested(x, a):
    @s2sad.checkpoint
    def step(v):
        return np.tanh(a * v) + v

    half = s2sad.checkpoint(lambda v: 0.5 * v * v)
    for _ in range(3):
        x = step(x)
    return np.sum(half(x))


@pytest.mark.parametrize("f", [checkpointed_loop, checkpointed_nested])
def test_checkpoint_of_a_function(f):
    args = (RNG.normal(size=3), 0.8)
    check_grad(f, args, (0, 1))
    src = s2sad.grad(f).source
    assert "_fwd" in src and src.count("_tape.append(") <= 2  # arguments kept, not values


def test_generated_scan_is_an_explicit_reversed_loop():
    src = s2sad.grad(rnn_loss).source
    assert "scan_steps" not in src  # the loop is inlined into the function
    assert "for i in range(n):" in src and ", -1, -1):" in src


# --------------------------------------------------------------------------- bad input


def test_carry_that_changes_shape():
    with pytest.raises(ValueError, match=r"shape of carry from \(3,\) to \(4,\)"):
        s2sad.scan(lambda c, x: (np.append(c, x), None), np.zeros(3), np.ones(2))
    with pytest.raises(ValueError, match=r"carry\[1\]"):
        s2sad.scan(lambda c, x: ((c[0], np.ones(2)), None), (0.0, np.ones(3)), np.ones(2))
    with pytest.raises(ValueError, match="structure of carry"):
        s2sad.scan(lambda c, x: ((c, c), None), (0.0,), np.ones(2))

    def grows(x):
        c, _ = s2sad.scan(lambda c, xi: (np.append(c, xi), None), x, np.ones(2))
        return np.sum(c)
    with pytest.raises(ValueError, match=r"from \(3,\) to \(4,\)"):
        s2sad.grad(grows)(np.ones(3))


def test_bad_xs_and_length():
    with pytest.raises(ValueError, match=r"same leading length: xs\[0\] has 3, xs\[1\] has 4"):
        s2sad.scan(lambda c, x: (c, None), 0.0, (np.ones(3), np.ones(4)))
    with pytest.raises(ValueError, match="needs `length` when `xs` is None"):
        s2sad.scan(lambda c, x: (c, None), 0.0, None)
    with pytest.raises(ValueError, match="length=5 but `xs` has leading length 3"):
        s2sad.scan(lambda c, x: (c, None), 0.0, np.ones(3), length=5)
    with pytest.raises(ValueError, match="checkpoint must be a positive int"):
        s2sad.scan(lambda c, x: (c, None), 0.0, np.ones(3), checkpoint=0)


def test_body_that_is_not_a_two_parameter_function():
    with pytest.raises(TypeError, match=r"function of \(carry, x\)"):
        s2sad.scan(lambda c: (c, None), 0.0, np.ones(3))
    with pytest.raises(TypeError, match="must be a function"):
        s2sad.scan(3.0, 0.0, np.ones(3))
    with pytest.raises(TypeError, match=r"function of \(i, val\)"):
        s2sad.fori_loop(0, 3, lambda v: v, 0.0)
    with pytest.raises(TypeError, match="condition must be a function"):
        s2sad.while_loop(lambda a, b: True, lambda v: v, 0.0)

    def wrong_arity(x):
        c, _ = s2sad.scan(lambda c, x, y: (c, None), x, np.ones(3))
        return c
    with pytest.raises(TypeError, match=r"test_scan.py:\d+:.*function of \(carry, x\)"):
        s2sad.grad(wrong_arity)(1.0)


def test_options_must_be_literals_inside_a_differentiated_function():
    def runtime_reverse(x, flag):
        c, _ = s2sad.scan(lambda c, xi: (c + xi, None), 0.0, x, reverse=flag)
        return c
    with pytest.raises(s2sad.DifferentiationError, match="`reverse` must be written as a "
                                                         "literal"):
        s2sad.grad(runtime_reverse)(np.ones(3), True)
