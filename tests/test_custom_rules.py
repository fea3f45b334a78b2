"""User-supplied derivatives (issue 14): ``custom_vjp``, ``custom_jvp``, ``defrule`` and
``stop_gradient``. The rules must be called -- and the default derivation not used --
in grad, jvp, hessian; numbers against central differences or the rule's own math."""

from __future__ import annotations

import collections

import numpy as np
import pytest

import fd
import s2sad

CALLS = collections.Counter()  # library object: its update() is kept, run once per call


# --------------------------------------------------------------------------- custom_vjp


@s2sad.custom_vjp
def clip_gradient(x, c):
    return x


def clip_fwd(x, c):
    CALLS.update(["clip_fwd"])
    return x, c


def clip_bwd(c, g):
    CALLS.update(["clip_bwd"])
    return (np.clip(g, -c, c), 0.0)


clip_gradient.defvjp(clip_fwd, clip_bwd)


def clipped_loss(x):
    y = clip_gradient(10.0 * x, 1.0)
    return np.sum(y * y)


@s2sad.custom_vjp
def stable_log1pexp(x):
    return np.log1p(np.exp(x))


def log1pexp_fwd(x):
    return stable_log1pexp(x), x


def log1pexp_bwd(x, g):
    return (g / (1.0 + np.exp(-x)),)  # a different formula for the same derivative


stable_log1pexp.defvjp(log1pexp_fwd, log1pexp_bwd)


def log1pexp_in_loop(x, w):
    s = 0.0
    for k in range(3):
        s = s + np.sum(stable_log1pexp(w * x + k) ** 2)
    return s


def test_custom_vjp_replaces_the_derivation():
    CALLS.clear()
    x = np.array([0.01, 0.2, -0.05])
    g = s2sad.grad(clipped_loss)(x)
    # the true derivative is 200 x; the rule clips the cotangent of y to [-1, 1]
    np.testing.assert_allclose(g, 10.0 * np.clip(2.0 * 10.0 * x, -1.0, 1.0))
    assert CALLS == {"clip_fwd": 1, "clip_bwd": 1}
    src = s2sad.grad(clipped_loss).source
    assert "clip_fwd(" in src and "clip_bwd(" in src


def test_custom_vjp_in_a_loop_and_under_hessian():
    args = (np.array([0.3, -1.2, 2.0]), 0.7)
    got = s2sad.grad(log1pexp_in_loop, argnums=(0, 1))(*args)
    fd.assert_tree_allclose(got, fd.numerical_grad(log1pexp_in_loop, args, (0, 1)))
    h = s2sad.hessian(log1pexp_in_loop)(*args)  # differentiates the rule itself
    np.testing.assert_allclose(h, fd.numerical_hessian(log1pexp_in_loop, args), rtol=1e-5,
                               atol=1e-7)
    out, t = s2sad.jvp(log1pexp_in_loop, args, (np.ones(3), 0.0))  # from the function's body
    assert t == pytest.approx(fd.numerical_jvp(log1pexp_in_loop, args, (np.ones(3), 0.0)))


# --------------------------------------------------------------------------- custom_jvp


@s2sad.custom_jvp
def softplus(x):
    return np.log1p(np.exp(x))


@softplus.defjvp
def softplus_jvp(primals, tangents):
    CALLS.update(["softplus_jvp"])
    (x,), (t,) = primals, tangents
    return softplus(x), t / (1.0 + np.exp(-x))


def softplus_loss(x, w):
    return np.sum(softplus(w * x) ** 2)


@pytest.mark.parametrize("transform", ["jvp", "grad", "hessian"])
def test_custom_jvp_rule_is_used(transform):
    args = (np.array([0.3, -1.2, 2.0]), 0.7)
    CALLS.clear()
    if transform == "jvp":
        _, t = s2sad.jvp(softplus_loss, args, (np.array([1.0, 0.5, -1.0]), 0.2))
        assert t == pytest.approx(fd.numerical_jvp(softplus_loss, args,
                                                   (np.array([1.0, 0.5, -1.0]), 0.2)))
    elif transform == "grad":  # reverse mode transposes the (linear) tangent rule
        got = s2sad.grad(softplus_loss, argnums=(0, 1))(*args)
        fd.assert_tree_allclose(got, fd.numerical_grad(softplus_loss, args, (0, 1)))
    else:
        h = s2sad.hessian(softplus_loss)(*args)
        np.testing.assert_allclose(h, fd.numerical_hessian(softplus_loss, args), rtol=1e-5,
                                   atol=1e-7)
    assert CALLS["softplus_jvp"] >= 1


def test_rule_never_given_is_a_clear_error():
    @s2sad.custom_vjp
    def f(x):
        return x * 2.0

    def loss(x):
        return np.sum(f(x))

    with pytest.raises(s2sad.DifferentiationError, match=r"defvjp\(fwd, bwd\)"):
        s2sad.grad(loss)(np.ones(2))
    with pytest.raises(TypeError, match="takes a function"):
        s2sad.custom_vjp(3.0)
    with pytest.raises(TypeError, match="must be a function"):
        f.defvjp(None, None)


# --------------------------------------------------------------------------- defrule


exec("def black_box(x, y):\n    return np.sin(x) * y\n")  # no source s2sad can read


s2sad.defrule(black_box,
              jvp={"x": lambda t, x, y: np.cos(x) * y * t, "y": lambda t, x, y: np.sin(x) * t},
              vjp={"x": lambda g, x, y: np.cos(x) * y * g, "y": lambda g, x, y: np.sin(x) * g},
              batch="elementwise")


def uses_black_box(x, y):
    return np.sum(black_box(x, y) ** 2)


def test_defrule_makes_a_black_box_a_primitive():
    args = (np.array([0.3, -1.2, 2.0]), np.array([1.5, 0.5, -0.7]))
    got = s2sad.grad(uses_black_box, argnums=(0, 1))(*args)
    fd.assert_tree_allclose(got, fd.numerical_grad(uses_black_box, args, (0, 1)))
    _, t = s2sad.jvp(uses_black_box, args, (np.ones(3), np.zeros(3)))
    assert t == pytest.approx(fd.numerical_jvp(uses_black_box, args, (np.ones(3), np.zeros(3))))
    assert "test_custom_rules.black_box(" in s2sad.grad(uses_black_box).source
    with pytest.raises(ValueError, match="the same parameters"):
        s2sad.defrule(black_box, jvp={"x": lambda t, x, y: t})


# --------------------------------------------------------------------------- stop_gradient


def stopped(x, w):
    y = s2sad.stop_gradient(x * w)
    return np.sum(y * x) + w * np.sum(s2sad.stop_gradient(x))


def test_stop_gradient_zeroes_exactly_what_it_wraps():
    x, w = np.array([1.0, 2.0, -0.5]), 0.3
    gx, gw = s2sad.grad(stopped, argnums=(0, 1))(x, w)
    np.testing.assert_allclose(gx, x * w)          # d/dx of sum(c * x), c = x * w held
    assert gw == pytest.approx(np.sum(x))          # d/dw of w * sum(c), c = x held
    _, t = s2sad.jvp(stopped, (x, w), (np.ones(3), 1.0))
    assert t == pytest.approx(np.sum(x * w) + np.sum(x))
    assert s2sad.stop_gradient(x) is x


def test_custom_rules_under_vmap():
    xs = np.array([[0.01, 0.2, -0.05], [0.3, -0.02, 0.0]])
    CALLS.clear()
    per_example = s2sad.vmap(s2sad.grad(clipped_loss))(xs)
    np.testing.assert_allclose(per_example, 10.0 * np.clip(20.0 * xs, -1.0, 1.0))
    assert CALLS["clip_bwd"] >= 1  # the rule, batched: not a derivation of clip_gradient
    got = s2sad.vmap(s2sad.grad(softplus_loss), in_axes=(0, None))(xs, 0.7)
    want = np.stack([fd.numerical_grad(softplus_loss, (x, 0.7)) for x in xs])
    np.testing.assert_allclose(got, want, rtol=1e-6, atol=1e-9)
