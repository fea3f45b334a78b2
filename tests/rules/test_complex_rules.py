"""Real losses through complex intermediates, end to end: gradients against central
differences, a Hessian against differences of the gradient, and the rules that complex
inputs reach (holomorphic elementwise rules and the complex parts).

JAX's convention (``rules/linalg.py``): the cotangent of ``z = x + iy`` is
``∂L/∂x - i ∂L/∂y``, linear maps transpose without conjugation, ⟨g, v⟩ = Re Σ g·v, and a
real input gets a real gradient. ``g * partial`` is then right for holomorphic functions
(checked below, not assumed); ``abs``, ``real``, ``imag``, ``conj`` and ``angle`` are not
holomorphic and have rules of their own.
"""

import warnings

import numpy as np
import pytest
from test_linalg_rules import fd_grad
from test_rule_hessians import fd_hessian
from test_rule_table import EPS, call_primal, jvp_vjp, rand_like, tree_dot

import s2sad
from s2sad import runtime as rt
from s2sad.rules import registry

rng = np.random.default_rng(11)
PHASE = np.exp(0.7j)
H4 = rng.normal(size=4) + 1j * rng.normal(size=4)


def power_spectrum(x):
    return np.sum(np.abs(np.fft.rfft(x)) ** 2)


def spectrum_cubed(x):
    return np.sum(np.absolute(np.fft.rfft(x)) ** 3)


def builtin_abs(x):
    return np.sum(abs(np.fft.fft(x) + 0.5))


def imaginary_part(x):
    return np.sum(np.imag(np.fft.fft(x)) ** 2) + np.sum(np.imag(np.fft.rfft(x) * H4))


def real_part(x):
    # Re(F)² times a complex constant: the cotangent of the real value Re(F) gets an
    # imaginary part that means nothing, which np.real's rule must not pass on
    f = np.fft.rfft(x)  # (not fft: Re of a real signal's fft is symmetric, which hides it)
    return np.sum(np.real(np.real(f) ** 2 * PHASE))


def conjugate(x):
    f = np.fft.rfft(x)
    return np.sum(np.real(f * np.conj(f * H4))) + np.sum(np.imag(np.conjugate(f) ** 2))


def phase_angle(x):
    f = np.fft.rfft(x + 0.3)
    return np.sum(np.angle(f[1:]) * np.arange(1.0, 4.0)) + np.sum(np.angle(f, deg=True)) / 90


def phase_shift(x):
    # a complex multiply by a constant phase, then back to real
    f = np.fft.fft(x) * PHASE
    return np.sum(np.real(np.fft.ifft(f * np.conj(PHASE))) ** 3) + np.sum(np.real(f) * x)


def holomorphic(x):
    z = np.fft.fft(x) / 4 + 1.5
    w = np.exp(z) * np.sin(z) + np.sqrt(z) / z ** 2 + np.square(z) - np.log(z) + z ** 2.5
    return np.sum(np.real(w)) + np.sum(np.imag(1.0 / (w + 3.0)))


def mixed(x):
    # complex values meet real ones: abs, angle and a real factor on one complex value
    f = np.fft.rfft(x)
    return np.sum(np.abs(f) * np.cos(np.angle(f + 1.0))) + np.sum(np.real(f) * np.abs(x[:4]))


CASES = [power_spectrum, spectrum_cubed, builtin_abs, imaginary_part, real_part, conjugate,
         phase_angle, phase_shift, holomorphic, mixed]
X6 = rng.normal(size=6)


@pytest.mark.parametrize("f", CASES, ids=[f.__name__ for f in CASES])
def test_gradient_of_a_real_loss_through_complex_values(f):
    g = s2sad.grad(f)(X6)
    assert g.dtype == np.float64
    np.testing.assert_allclose(g, fd_grad(f, X6), rtol=1e-5, atol=1e-6)


def test_the_reported_power_spectrum_gradient():
    # the issue: |rfft(x)|² had the gradient of sign(F) in place of conj(F)/|F|
    loss = lambda x: np.sum(np.abs(np.fft.rfft(x)) ** 2)  # noqa: E731
    x = rng.normal(size=8)
    # d/dx_j sum_k |F_k|² = 2 Re sum_k conj(F_k) dF_k/dx_j = 2 Re sum_k F_k e^(2 pi i jk / 8)
    basis = np.exp(2j * np.pi * np.outer(np.arange(8), np.arange(5)) / 8)
    expected = 2.0 * np.real(basis @ np.fft.rfft(x))
    np.testing.assert_allclose(s2sad.grad(loss)(x), fd_grad(loss, x), rtol=1e-6, atol=1e-7)
    np.testing.assert_allclose(s2sad.grad(loss)(x), expected, rtol=1e-10, atol=1e-10)


@pytest.mark.parametrize("f", [power_spectrum, spectrum_cubed, phase_angle, imaginary_part,
                               mixed], ids=lambda f: f.__name__)
def test_hessian_through_complex_values(f):
    # forward mode over the generated reverse code: the helpers' rules at complex inputs
    h = s2sad.hessian(f)(X6)
    np.testing.assert_allclose(h, fd_hessian(f, (X6,), 0), rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(h, h.T, rtol=1e-6, atol=1e-7)


def test_jvp_matches_the_gradient():
    v = rng.normal(size=6)
    for f in (power_spectrum, phase_angle, conjugate):
        _, tangent = s2sad.jvp(f, (X6,), (v,))
        assert tangent == pytest.approx(s2sad.grad(f)(X6) @ v, rel=1e-9, abs=1e-10)


# --------------------------------------------------------------------------- real inputs


def l1(x):
    return np.sum(np.abs(x) * x) + np.sum(abs(x))


def test_abs_of_real_values_is_unchanged_at_zero_and_twice():
    x = np.array([-1.5, 0.0, 2.0, -0.25])
    np.testing.assert_array_equal(s2sad.grad(l1)(x), 2 * np.abs(x) + np.sign(x))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # 0/0 in the zeroed complex branch
        h = s2sad.hessian(l1)(x)
    np.testing.assert_array_equal(h, np.diag(2 * np.sign(x)))


# --------------------------------------------------------------------------- rules at complex inputs
# The rule table runs one-input and two-input elementwise rules at real inputs; here the
# holomorphic ones run at complex inputs, checked as the table checks (forward against
# central differences in a complex direction, reverse the transpose of forward).

HOLOMORPHIC = ["np.sin", "np.cos", "np.tan", "np.arcsin", "np.arccos", "np.arctan", "np.sinh",
               "np.cosh", "np.tanh", "np.arcsinh", "np.arccosh", "np.arctanh", "np.exp",
               "np.exp2", "np.expm1", "np.log", "np.log2", "np.log10", "np.log1p", "np.sqrt",
               "np.square", "np.reciprocal", "neg", "pos"]
HOLOMORPHIC2 = ["add", "sub", "mul", "truediv", "pow"]


def cplx(*shape):
    return (rng.uniform(0.4, 0.8, shape) * np.exp(1j * rng.uniform(-2.5, 2.5, shape))
            + 0.3 * np.exp(0.4j))


def _check(rule, args, p):
    bound = rule.bind(args, {})
    x = bound[p]
    out = call_primal(rule, bound)
    jvp, vjp = jvp_vjp(rule, bound, p, None, out)
    v = rand_like(x)
    plus = call_primal(rule, {**bound, p: x + EPS * v})
    minus = call_primal(rule, {**bound, p: x - EPS * v})
    np.testing.assert_allclose(jvp(v), (plus - minus) / (2 * EPS), rtol=1e-6, atol=1e-7)
    g = rand_like(out)
    assert tree_dot(g, jvp(v)) == pytest.approx(tree_dot(vjp(g), v), rel=1e-9, abs=1e-10)


@pytest.mark.parametrize("name", HOLOMORPHIC)
def test_holomorphic_unary_rule_at_complex_input(name):
    rule = registry.lookup(name)
    _check(rule, (cplx(3, 2),), next(iter(rule.diff)))


@pytest.mark.parametrize("name", HOLOMORPHIC2)
@pytest.mark.parametrize("shapes", [((3,), (3,)), ((2, 3), (3,)), ((), (2, 3))])
@pytest.mark.parametrize("kinds", ["cc", "cr", "rc"])
def test_holomorphic_binary_rule_at_complex_inputs(name, shapes, kinds):
    rule = registry.lookup(name)
    args = tuple(cplx(*s) if k == "c" else rng.uniform(0.5, 1.5, s)
                 for s, k in zip(shapes, kinds))
    for p in rule.diff:
        _check(rule, args, p)


def test_curvature_helpers_are_their_own_transposes_at_complex_inputs():
    # the x-derivatives of abs_jvp / abs_vjp are bilinear maps; check their transposes in
    # the other argument too (the table moves one argument at a time)
    x, a, b = cplx(4), cplx(4), cplx(4)
    w = rng.normal(size=4)
    for name, args in (("_rt.abs_jvp", (a, x)), ("_rt.abs_vjp", (w, x))):
        rule = registry.lookup(name)
        _check(rule, args, "x")
        _check(rule, args, rule.diff[0])
    assert np.all(np.isreal(rt.abs_jvp(b, x)))


def test_real_inputs_get_real_cotangents_from_complex_parts():
    x = rng.normal(size=3)
    g = rng.normal(size=3)
    for name in ("np.imag", "np.angle", "np.absolute", "np.real", "np.conjugate"):
        rule = registry.lookup(name)
        bound = rule.bind((x,), {})
        _, vjp = jvp_vjp(rule, bound, rule.diff[0], None, call_primal(rule, bound))
        cot = vjp(g)
        assert not np.iscomplexobj(cot), name


# --------------------------------------------------------------------------- sign, var, std, norm
# var and std of complex values are right (2 Re(conj(d) t) / (N - ddof) forward, 2 Re(g) conj(d)
# / (N - ddof) reverse); np.sign (z / |z| is not constant) and np.linalg.norm are refused at
# run time for complex inputs, never given a wrong derivative.

REFUSED = "of complex input is not differentiated by s2sad yet"


def complex_var(x):
    z = np.fft.fft(x) * PHASE + H4[0]
    return np.var(z) + 2.0 * np.var(z[1:] * H4[1], ddof=1)


def complex_std(x):
    z = np.fft.fft(x) + 0.5j
    return np.std(z) + np.sum(np.std(np.reshape(z, (2, 3)) * H4[:3], axis=1, keepdims=True))


def complex_var_std_mixed(x):
    z = np.fft.rfft(x)
    return (np.var(z) * np.std(x) + np.std(z, ddof=1) ** 2
            + np.var(np.reshape(x, (3, 2)), axis=0)[1])


def complex_sign(x):
    return np.sum(np.real(np.sign(np.fft.fft(x) + 0.3)))


def complex_sign_times(x):
    z = np.fft.rfft(x)
    return np.sum(np.abs(np.sign(z) * z))


def complex_norm(x):
    return np.linalg.norm(np.fft.fft(x))


def complex_norm_ord(x):
    return np.linalg.norm(np.fft.rfft(x), ord=1)


def complex_norm_matrix(x):
    return np.linalg.norm(np.reshape(np.fft.fft(x), (2, 3)), ord="fro")


def real_sign_var_std_norm(x):
    return (np.sum(np.sign(x) * x ** 2) + np.var(x) + np.std(x * 2.0, ddof=1)
            + np.linalg.norm(x) + np.linalg.norm(x, ord=3)
            + np.sum(np.var(np.reshape(x, (2, 3)), axis=1)))


@pytest.mark.parametrize("f", [complex_var, complex_std, complex_var_std_mixed],
                         ids=lambda f: f.__name__)
def test_var_and_std_of_complex_values(f):
    g = s2sad.grad(f)(X6)
    assert g.dtype == np.float64
    np.testing.assert_allclose(g, fd_grad(f, X6), rtol=1e-5, atol=1e-6)
    v = rng.normal(size=6)
    _, tangent = s2sad.jvp(f, (X6,), (v,))
    assert tangent == pytest.approx(g @ v, rel=1e-9, abs=1e-10)


@pytest.mark.parametrize("f", [complex_var, complex_std], ids=lambda f: f.__name__)
def test_hessian_of_var_and_std_of_complex_values(f):
    h = s2sad.hessian(f)(X6)
    np.testing.assert_allclose(h, fd_hessian(f, (X6,), 0), rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize("f", [complex_sign, complex_sign_times, complex_norm, complex_norm_ord,
                               complex_norm_matrix], ids=lambda f: f.__name__)
def test_sign_and_norm_of_complex_values_are_refused(f):
    with pytest.raises(TypeError, match=REFUSED):
        s2sad.grad(f)(X6)
    with pytest.raises(TypeError, match=REFUSED):
        s2sad.jvp(f, (X6,), (rng.normal(size=6),))


def test_var_std_rules_at_complex_inputs():
    a = cplx(2, 3)
    for name, kwargs in (("np.var", {}), ("np.std", {})):
        rule = registry.lookup(name)
        for axis in (None, 0, 1):
            bound = {**rule.bind((a,), kwargs), "axis": axis}
            out = call_primal(rule, bound)
            jvp, vjp = jvp_vjp(rule, bound, "a", None, out)
            v = rand_like(a)
            plus = call_primal(rule, {**bound, "a": a + EPS * v})
            minus = call_primal(rule, {**bound, "a": a - EPS * v})
            np.testing.assert_allclose(jvp(v), (plus - minus) / (2 * EPS), rtol=1e-6, atol=1e-7)
            g = rand_like(out)
            assert tree_dot(g, jvp(v)) == pytest.approx(tree_dot(vjp(g), v), rel=1e-9, abs=1e-10)


def test_sign_var_std_norm_of_real_values():
    x = rng.normal(size=6)
    g = s2sad.grad(real_sign_var_std_norm)(x)
    np.testing.assert_allclose(g, fd_grad(real_sign_var_std_norm, x), rtol=1e-5, atol=1e-6)
    h = s2sad.hessian(real_sign_var_std_norm)(x)
    np.testing.assert_allclose(h, fd_hessian(real_sign_var_std_norm, (x,), 0), rtol=1e-4,
                               atol=1e-5)


def test_real_only_helper():
    x = np.arange(3.0)
    assert rt.real_only(x, x, "np.sign") is x
    with pytest.raises(TypeError, match="np.sign " + REFUSED):
        rt.real_only(x, x + 1j, "np.sign")


def sign_sum(x):
    return np.sum(np.sign(x) * 3.0)


def test_sign_of_real_values_has_zero_derivative():
    x = rng.normal(size=5)
    np.testing.assert_array_equal(s2sad.grad(sign_sum)(x), np.zeros(5))
