"""The examples of the article s2sad grew from (torch.func.grad_and_value, has_aux,
vmap, scan, hessian, jvp), written the way the APIs are meant to be used.

The article calls ``grad_and_value`` and ``scan`` with arguments they do not take and
differentiates the output of ``vmap`` with ``torch.autograd``; each test below states
what the example meant and checks the numbers the right call gives."""

import numpy as np
import pytest

import s2sad


def square(x):
    return x ** 2


def square_with_aux(x):
    return x ** 2, {"twice": 2.0 * x}


def square_if_even(x):
    if x % 2 == 0:
        return x * x
    else:
        return x


def test_grad_and_value_with_aux():
    # the article unpacks the transform itself; the transformed function returns
    # (grad, (value, aux)) in torch.func's order
    g, (value, aux) = s2sad.grad_and_value(square_with_aux, has_aux=True)(2.0)
    assert (g, value, aux["twice"]) == (4.0, 4.0, 4.0)
    (value, aux), g = s2sad.value_and_grad(square_with_aux, has_aux=True)(2.0)  # JAX's order
    assert (g, value) == (4.0, 4.0)


def test_vmap_of_grad_is_per_element_derivatives():
    # "vmap(square)(x), then autograd": the per-element derivatives are vmap(grad(square))
    x = np.array([1.0, 2.0, 3.0])
    np.testing.assert_array_equal(s2sad.vmap(s2sad.grad(square))(x), 2.0 * x)
    np.testing.assert_array_equal(s2sad.vmap(square)(x), x ** 2)


def test_branch_inside_vmap_and_scan():
    x = np.array([1.0, 2.0, 3.0, 4.0])
    # per element: the branch is taken per example
    np.testing.assert_array_equal(s2sad.vmap(s2sad.grad(square_if_even))(x), [1.0, 4.0, 1.0, 8.0])

    # as a scan: the carry sums the outputs, ys keeps each one
    def total(xs):
        s, ys = s2sad.scan(lambda c, xi: (c + square_if_even(xi), square_if_even(xi)), 0.0, xs)
        return s

    assert total(x) == 1.0 + 4.0 + 3.0 + 16.0
    np.testing.assert_array_equal(s2sad.grad(total)(x), [1.0, 4.0, 1.0, 8.0])


def test_hessian_and_jvp():
    assert s2sad.hessian(square)(3.0) == 2.0
    out, tangent = s2sad.jvp(square, (3.0,), (1.0,))  # primals and tangents are tuples
    assert (out, tangent) == (9.0, 6.0)
    with pytest.raises(TypeError, match="tuples"):
        s2sad.jvp(square, 3.0, 1.0)  # the article's call: a clear error, not a wrong number
