"""Transforms called inside a differentiated function with runtime values.

``s2sad.jvp``, ``s2sad.hvp`` and ``s2sad.vjp`` (then ``vjp_fn(ct)``) in a body are
lowered to calls of the generated code the public transforms run; ``jacfwd``,
``jacrev`` and ``hessian`` are builders, evaluated at compile time. Each body is
differentiated by ``grad`` and by ``jvp`` (forward over forward included) and
checked against central differences, and its value against the plain call.
"""

import numpy as np
import pytest

import fd
import s2sad
from s2sad import UnsupportedSyntaxError


def field(x, w):
    return np.sin(x) * w + x ** 2


def energy(x):
    return np.sum(np.sin(x) * x ** 2) + np.prod(np.cos(x))


def energy_with_aux(x):
    y = np.tanh(x)
    return np.sum(y * x), y


def looped(x, w):
    s = x
    for i in range(3):
        if np.sum(s) > 0.0:
            s = np.sin(s) * w
        else:
            s = s * w + 1.0
    return s


# --------------------------------------------------------------------------- bodies


def uses_jvp(x):
    y, dy = s2sad.jvp(field, (x, 2.0 * x), (np.cos(x), x))
    return np.sum(y * dy)


def uses_jvp_of_names(x):
    primals = (x, 2.0 * x)
    tangents = (np.cos(x), x)
    y, dy = s2sad.jvp(field, primals, tangents)  # the arity comes from field's signature
    return np.sum(y * dy)


def uses_jvp_with_aux(x):
    value, dvalue, y = s2sad.jvp(energy_with_aux, (x,), (x ** 2,), has_aux=True)
    return value * dvalue + np.sum(y ** 2)


def uses_jvp_through_control_flow(x):
    y, dy = s2sad.jvp(looped, (x, x + 0.5), (np.ones_like(x), x))
    return np.sum(dy * y)


def uses_jvp_of_grad(x):
    g, hv = s2sad.jvp(s2sad.grad(energy), (x,), (np.sin(x),))
    return np.sum(g * hv)


def uses_hvp(x):
    hv = s2sad.hvp(energy, (x,), (np.cos(x),))
    return np.sum(hv * x)


def uses_vjp(x):
    out, vjp_fn = s2sad.vjp(field, x, x ** 2)
    gx, gw = vjp_fn(np.cos(out))
    return np.sum(gx * gw) + np.sum(out)


def uses_vjp_twice(x):
    out, vjp_fn = s2sad.vjp(looped, x, 0.5 * x)
    (a, b) = vjp_fn(out)
    (c, d) = vjp_fn(np.ones_like(out))
    return np.sum(a * d) + np.sum(b * c)


def uses_vjp_with_aux(x):
    value, vjp_fn, y = s2sad.vjp(energy_with_aux, x, has_aux=True)
    (g,) = vjp_fn(value)
    return np.sum(g * y)


def uses_vjp_in_a_loop(x):
    s = 0.0
    for k in range(2):
        out, pull = s2sad.vjp(field, x + k, x)
        gx, gw = pull(out)
        s = s + np.sum(gx * gw)
    return s


def uses_jacfwd(x):
    return np.sum(s2sad.jacfwd(field)(x, x[::-1]) ** 2)


def uses_jacrev(x):
    return np.sum(s2sad.jacrev(field, argnums=1)(x, x[::-1]) ** 2)


def uses_hessian(x):
    return np.sum(s2sad.hessian(energy)(x) * x)


@s2sad.differentiate(has_aux=True)
def decorated(x):
    y = np.sin(x) * x
    return np.sum(y ** 2), y


def uses_decorated_methods(x):
    value, dvalue, y = decorated.jvp((x,), (np.cos(x),))  # the decorator's has_aux applies
    out, vjp_fn, aux = decorated.vjp(x)
    (g,) = vjp_fn(2.0)
    return dvalue * value + np.sum(g * y * aux)


def uses_decorated_hvp(x):
    return np.sum(rosen.hvp((x,), (x ** 2,)) * x)


@s2sad.differentiate
def rosen(x):
    return np.sum(100.0 * (x[1:] - x[:-1] ** 2) ** 2 + (1.0 - x[:-1]) ** 2)


BODIES = [uses_jvp, uses_jvp_of_names, uses_jvp_with_aux, uses_jvp_through_control_flow,
          uses_jvp_of_grad, uses_hvp, uses_vjp, uses_vjp_twice, uses_vjp_with_aux,
          uses_vjp_in_a_loop, uses_jacfwd, uses_jacrev, uses_hessian, uses_decorated_methods,
          uses_decorated_hvp]
X = np.array([0.3, -1.1, 0.7])
V = np.array([0.2, 0.5, -1.0])


@pytest.mark.parametrize("body", BODIES, ids=lambda f: f.__name__)
def test_grad_of_a_body_calling_a_transform(body):
    value, g = s2sad.value_and_grad(body)(X)
    np.testing.assert_allclose(value, body(X), rtol=1e-12)
    fd.assert_tree_allclose(g, fd.numerical_grad(body, (X,)), rtol=1e-6, atol=1e-8)


@pytest.mark.parametrize("body", BODIES, ids=lambda f: f.__name__)
def test_jvp_of_a_body_calling_a_transform(body):
    out, tangent = s2sad.jvp(body, (X,), (V,))
    np.testing.assert_allclose(out, body(X), rtol=1e-12)
    np.testing.assert_allclose(tangent, fd.numerical_jvp(body, (X,), (V,)), rtol=1e-6,
                               atol=1e-8)


@pytest.mark.parametrize("body", [uses_jvp, uses_vjp, uses_hvp], ids=lambda f: f.__name__)
def test_hessian_of_a_body_calling_a_transform(body):
    H = s2sad.hessian(body)(X)
    np.testing.assert_allclose(H, fd.numerical_hessian(body, (X,)), rtol=1e-5, atol=1e-5)


def test_a_body_calls_the_same_generated_code_as_the_public_transform():
    source = s2sad.grad(uses_jvp).source  # reverse mode of field_jvp: field_jvp_fwd, _bwd
    code = [line for line in source.splitlines() if not line.lstrip().startswith("#")]
    assert "def field_jvp_fwd(x, w, dx, dw):" in code and "s2sad.jvp" not in "\n".join(code)
    source = s2sad.grad(uses_vjp).source
    assert "def field_fwd_fwd(" in source and "def field_bwd_fwd(" in source


# --------------------------------------------------------------------------- errors


def vjp_not_unpacked(x):
    result = s2sad.vjp(field, x, x)
    return np.sum(result[0])


def arity_unknown(x):
    p = (x,)
    y, dy = s2sad.jvp(with_default, p, p)
    return np.sum(dy)


def with_default(x, k=2.0):
    return k * x


def function_not_static(x):
    y, dy = s2sad.jvp([field][0], (x, x), (x, x))
    return np.sum(dy)


def builder_with_runtime_argnums(x):
    k = int(x[0] > 0)
    return np.sum(s2sad.grad(energy, argnums=k)(x))


def aux_not_static(x):
    flag = x[0] > 0
    y, dy = s2sad.jvp(energy, (x,), (x,), has_aux=flag)
    return dy


@pytest.mark.parametrize("body, message", [
    (vjp_not_unpacked, r"bind the result of s2sad\.vjp by unpacking it"),
    (arity_unknown, r"cannot tell how many primals"),
    (function_not_static, r"takes a function known at compile time"),
    (aux_not_static, r"`has_aux` must be True or False"),
    (builder_with_runtime_argnums, r"s2sad\.grad: argnums must be an int"),
])
def test_unsupported_uses_point_at_the_line(body, message):
    with pytest.raises(UnsupportedSyntaxError, match=message) as info:
        s2sad.grad(body)(X)
    assert "test_inline_transforms.py" in str(info.value)
