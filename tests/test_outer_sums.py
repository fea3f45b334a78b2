"""transforms/outer_sums.py: a loop's sum of outer products (the cotangent of ``W`` in
``W @ h``) gathered into one matrix product after the loop, in specialized code."""

import dataclasses

import numpy as np
import pytest

import s2sad
from s2sad import api
from tests.fd import assert_tree_allclose, numerical_grad


def _specialized_source(transformed, *args) -> str:
    sig = api._plain_signature(args)
    return api._generated(transformed._fn, dataclasses.replace(
        transformed._spec, signature=sig)).source


def rnn(W, U, h0, xs, steps):
    h = h0
    for t in range(steps):
        h = np.tanh(W @ h + U @ xs[t])
    return np.sum(h * h)


RNG = np.random.default_rng(3)
ARGS = (RNG.normal(size=(4, 4)) / 2, RNG.normal(size=(4, 3)) / 2, RNG.normal(size=4),
        RNG.normal(size=(6, 3)))


@pytest.mark.parametrize("steps", [0, 1, 6])
def test_the_gathered_sum_is_the_gradient(steps):
    g = s2sad.grad(rnn, argnums=(0, 1, 2))
    got = g(*ARGS, steps)
    assert_tree_allclose(got, numerical_grad(lambda *a: rnn(*a, steps), ARGS, (0, 1, 2)),
                         rtol=1e-6, atol=1e-8)
    assert_tree_allclose(got, g.entry(*ARGS, steps), rtol=1e-12, atol=1e-14)
    if steps == 0:  # a loop that ran no step leaves the weights' cotangents at zero
        assert not np.any(got[0]) and not np.any(got[1])


def test_the_loop_appends_vectors_and_one_product_follows():
    src = _specialized_source(s2sad.grad(rnn, argnums=(0, 1)), *ARGS, 6)
    loop = src[src.index("for t in range(_t"):]
    assert "np.outer" not in src
    assert src.count("np.stack(") == 4 and "_gs1.append(" in loop


def test_factors_of_size_one_keep_the_outer_product():
    """``np.outer`` of a vector that may have one element broadcasts: not gathered."""
    W, h0 = np.ones((1, 1)) * 0.3, np.ones(1)
    f = lambda W, h0: rnn(W, np.zeros((1, 1)), h0, np.zeros((3, 1)), 3)  # noqa: E731
    g = s2sad.grad(f)
    assert_tree_allclose(g(W, h0), numerical_grad(f, (W, h0), 0), rtol=1e-6, atol=1e-8)


def rnn_damped_in_place(W, h0, steps):
    h = h0 * 1.0
    for t in range(steps):
        h = np.tanh(W @ h)
        h[0] = 0.5 * h[0]  # the reverse sweep restores h[0] in place: a kept h would change
    return np.sum(h * h)


def test_a_function_that_writes_in_place_keeps_its_outer_products():
    W, h0 = ARGS[0], ARGS[2]
    g = s2sad.grad(rnn_damped_in_place)
    assert "np.stack(" not in _specialized_source(g, W, h0, 5)
    assert_tree_allclose(g(W, h0, 5), numerical_grad(lambda W: rnn_damped_in_place(W, h0, 5),
                                                     (W,), 0), rtol=1e-6, atol=1e-8)
