"""The leftovers of issue 8, end to end against central differences in float64.

- NumPy functions people call on matrices: spectral norms (ord 2, -2, 'nuc'), lstsq,
  fftn/ifftn, stacked solves with one right-hand side, prod at exact zeros, and global
  ``np.random`` draws, which are constants of the sweep drawn once, as the function draws.
- ``s2sad.grad``/``value_and_grad``/``jvp``/``vjp``/``hvp``/``jacfwd``/``jacrev``/
  ``hessian`` of nested defs and lambdas inside a differentiated function, which read
  variables of the function (differentiated by the enclosing transform through them).
- Errors about nested functions name them as the user wrote them.
"""

import numpy as np
import pytest

import s2sad
from fd import assert_tree_allclose, numerical_grad, numerical_hessian, numerical_jvp

_rng = np.random.default_rng(11)

# --------------------------------------------------------------------------- NumPy functions


def matrix_norms(a):
    """ord 2, -2 and 'nuc' are functions of the singular values (distinct at A below)."""
    stack = np.stack([a, np.sin(a)])
    return (np.linalg.norm(a, 2) ** 2 + np.linalg.norm(a, "nuc") * np.linalg.norm(a.T, -2)
            + np.sum(np.linalg.norm(stack, ord="nuc", axis=(1, 2), keepdims=True) ** 2)
            + np.linalg.norm(a[0], 2))


def least_squares(a, b):
    x, residuals, rank, s = np.linalg.lstsq(a, b, rcond=None)
    return np.sum(x * np.cos(x)) + np.sum(residuals) + 0.1 * np.sum(s ** 2) + 0.0 * rank


def least_norm(a, b):
    """A wide system: lstsq gives the least-norm solution and no residuals."""
    return np.sum(np.linalg.lstsq(a.T, b[:3], rcond=None)[0] ** 3)


def spectra(a):
    f = np.fft.fftn(a * a)
    g = np.fft.ifftn(np.sin(a), axes=(1,))
    return np.sum(np.abs(f) ** 2) + np.sum(np.real(g) * a) + np.sum(np.imag(g) ** 2)


def stacked_solve(a, b):
    """np.linalg.solve of a stack of matrices with one 1-d right-hand side (NumPy 2)."""
    mats = np.stack([a[:3] + 3.0 * np.eye(3), a[1:] + 4.0 * np.eye(3)])
    return np.sum(np.linalg.solve(mats, b[:3]) ** 2)


def product_with_zeros(x):
    return np.prod(x) + np.sum(np.prod(np.reshape(x, (2, 3)), axis=1) ** 2)


A = _rng.normal(size=(4, 3))
B = _rng.normal(size=4)

CASES = {
    "matrix_norms": (matrix_norms, (A,), 0),
    "least_squares": (least_squares, (A, B), (0, 1)),
    "least_norm": (least_norm, (A, B), (0, 1)),
    "spectra": (spectra, (A,), 0),
    "stacked_solve": (stacked_solve, (A, B), (0, 1)),
    "product_with_zeros": (product_with_zeros, (np.array([1.5, 0.0, -2.0, 0.0, 3.0, 0.5]),), 0),
}


def test_third_derivatives_of_spectral_norms_are_refused_clearly():
    third = s2sad.jacfwd(s2sad.hessian(lambda a: np.linalg.norm(a, "nuc")))
    with pytest.raises(NotImplementedError, match="third derivatives of np.linalg.norm"):
        third(A)


def global_draws(x):
    noise = np.random.randn(3) + np.random.normal(0.0, 2.0, size=3)
    return np.sum(x * noise) + np.sum(x ** 2 * np.random.uniform(size=3)) + np.random.rand()


def test_global_random_draws_are_constants_drawn_once_as_the_function_draws():
    x = np.array([0.3, -0.7, 1.1])
    np.random.seed(5)
    noise = np.random.randn(3) + np.random.normal(0.0, 2.0, size=3)
    u = np.random.uniform(size=3)
    np.random.rand()
    after = np.random.rand()
    np.random.seed(5)
    value, g = s2sad.value_and_grad(global_draws)(x)
    np.testing.assert_allclose(g, noise + 2.0 * x * u, rtol=1e-12)
    assert np.random.rand() == after, "the gradient did not draw exactly as the function does"
    np.random.seed(5)
    assert value == global_draws(x)


def draw_from_a_differentiated_mean(x):
    return np.sum(np.random.normal(x, 1.0))


def test_a_draw_that_a_derivative_would_flow_through_is_named():
    with pytest.raises(s2sad.DifferentiationError, match="np.random.normal has no derivative"):
        s2sad.grad(draw_from_a_differentiated_mean)(np.ones(3))


# --------------------------------------------------------------------------- transforms of
# nested defs and lambdas inside a differentiated function: their captures are passed to the
# generated code as arguments, so the enclosing transform differentiates through them too


def grad_of_a_capturing_lambda(x):
    h = lambda y: np.sum(np.sin(y) * x)  # noqa: E731
    return np.sum(s2sad.grad(h)(x) ** 2)


def value_and_grad_of_a_nested_def(x):
    w = 2.0 * x

    def h(y, k=1.5):
        return np.sum(np.tanh(k * y) * w), y[0]

    (value, aux), g = s2sad.value_and_grad(h, has_aux=True)(x[::-1])
    return value * aux + np.sum(g * x)


def grad_bound_once_called_in_a_loop(x):
    g = s2sad.grad(lambda y, c: np.sum(np.cos(y * c) * x), argnums=1)
    s = 0.0
    for k in range(3):
        s = s + g(x + k, 0.5 * k + 1.0) * x[k]
    return s


def jvp_of_a_nested_def(x):
    w = x ** 2

    def field(y, z):
        return np.sin(y) * w + z * x

    y, dy = s2sad.jvp(field, (x, 2.0 * x), (np.cos(x), x))
    return np.sum(y * dy)


def jvp_with_aux_of_a_lambda(x):
    value, dvalue, aux = s2sad.jvp(lambda y: (np.sum(y * x), np.tanh(y)), (x,), (x ** 2,),
                                   has_aux=True)
    return value * dvalue + np.sum(aux ** 2)


def jvp_of_grad_of_a_lambda(x):
    g, hv = s2sad.jvp(s2sad.grad(lambda y: np.sum(np.sin(y * x) * y)), (x,), (np.sin(x),))
    return np.sum(g * hv)


def hvp_of_a_nested_def(x):
    def energy(y):
        return np.sum(np.sin(y) * x ** 2) + np.prod(np.cos(y))

    return np.sum(s2sad.hvp(energy, (x,), (np.cos(x),)) * x)


def vjp_of_a_nested_def(x):
    w = np.exp(x)

    def field(y, z):
        return np.sin(y) * w + z ** 2

    out, vjp_fn = s2sad.vjp(field, x, x[::-1])
    gy, gz = vjp_fn(np.cos(out))
    return np.sum(gy * gz) + np.sum(out)


def jacobians_of_lambdas(x):
    c = np.sum(x)
    jf = s2sad.jacfwd(lambda y: np.tanh(c * y))(x)
    jr = s2sad.jacrev(lambda y: np.sin(y) * x)(x[::-1])
    return np.sum(jf * jr)


def hessian_of_a_lambda(x):
    return np.sum(s2sad.hessian(lambda y: np.sum(np.sin(y) ** 3 * x))(x) * x)


def _apply_twice(fn, x):
    return fn(fn(x))


def transformed_local_passed_to_a_function(x):
    g = s2sad.grad(lambda y: np.sum(np.sin(y) * x))
    return np.sum(_apply_twice(g, x))


NESTED = [grad_of_a_capturing_lambda, value_and_grad_of_a_nested_def,
          grad_bound_once_called_in_a_loop, jvp_of_a_nested_def, jvp_with_aux_of_a_lambda,
          jvp_of_grad_of_a_lambda, hvp_of_a_nested_def, vjp_of_a_nested_def,
          jacobians_of_lambdas, hessian_of_a_lambda, transformed_local_passed_to_a_function]
X = np.array([0.3, -1.1, 0.7])


def hessian_of_sines(x):
    return np.sum(s2sad.hessian(lambda y: np.sum(np.sin(y) ** 3))(x))


def hessian_of_cosines(x):
    return np.sum(s2sad.hessian(lambda y: np.sum(np.cos(y) ** 3))(x))


def test_two_lambdas_alike_but_for_their_text_never_share_generated_code(tmp_path, monkeypatch):
    """A lambda's transform is keyed by its text, where it stands and what it reads: with a
    disk cache, the second lambda's Hessian once came back as the first one's."""
    monkeypatch.setenv("S2SAD_CACHE_DIR", str(tmp_path))
    monkeypatch.delenv("S2SAD_NO_CACHE", raising=False)
    for body in (hessian_of_sines, hessian_of_cosines, hessian_of_sines):
        assert_tree_allclose(s2sad.grad(body)(X), numerical_grad(body, (X,)), rtol=1e-6,
                             atol=1e-8)


# --------------------------------------------------------------------------- every case above:
# gradient and jvp against central differences, Hessians where the functions are smooth

CASES.update({f.__name__: (f, (X,), 0) for f in NESTED})
HESSIANS = ["matrix_norms", "least_squares", "least_norm", "spectra", "stacked_solve",
            "jvp_of_a_nested_def", "vjp_of_a_nested_def", "grad_of_a_capturing_lambda"]


@pytest.mark.parametrize("name", list(CASES))
def test_gradient_matches_central_differences(name):
    f, args, argnums = CASES[name]
    g = s2sad.grad(f, argnums=argnums)(*args)
    assert_tree_allclose(g, numerical_grad(f, args, argnums), rtol=1e-6, atol=1e-8)


@pytest.mark.parametrize("name", list(CASES))
def test_jvp_matches_central_differences(name):
    f, args, _ = CASES[name]
    tangents = tuple(_rng.normal(size=np.shape(a)) for a in args)
    out, tangent = s2sad.jvp(f, args, tangents)
    np.testing.assert_allclose(out, f(*args), rtol=1e-12)
    np.testing.assert_allclose(tangent, numerical_jvp(f, args, tangents), rtol=1e-6, atol=1e-8)


@pytest.mark.parametrize("name", HESSIANS)
def test_hessian_matches_differences_of_the_gradient(name):
    f, args, _ = CASES[name]
    h = s2sad.hessian(f)(*args)
    np.testing.assert_allclose(h, numerical_hessian(f, args, 0), rtol=1e-5, atol=1e-5)


# --------------------------------------------------------------------------- errors name the
# user's function (a nested def by its name, a lambda by where it stands), never a class of
# the compiler


def local_used_as_a_value(x):
    h = lambda y: y * 2.0  # noqa: E731
    return np.sum(h + 1.0)


def local_stored_in_a_list(x):
    def h(y):
        return np.sum(y)

    fns = [h]
    return fns[0](x)


def local_given_to_numpy(x):
    h = lambda y: y * 2.0  # noqa: E731
    return np.sum(np.sin(h))


def local_called_with_too_many_arguments(x):
    h = lambda y: np.sum(y)  # noqa: E731
    return h(x, x)


def transform_of_a_local_called_wrongly(x):
    def h(y):
        return np.sum(y * y)

    return np.sum(s2sad.grad(h)(x, x))


def returns_its_nested_function(x):
    def h(y):
        return y * x

    return h


@pytest.mark.parametrize("body, message", [
    (local_used_as_a_value, r"the nested function `h` can be called, passed to your own"),
    (local_stored_in_a_list, r"the nested function `h` can be called"),
    (local_given_to_numpy, r"a function value `the lambda at .*test_python_coverage_more\.py:\d+`"),
    (local_called_with_too_many_arguments,
     r"signature of the lambda at .*test_python_coverage_more\.py:\d+: too many"),
    (transform_of_a_local_called_wrongly, r"signature of <s2sad grad of <function h at .*"
                                          r"test_python_coverage_more\.py:\d+>>: too many"),
    (returns_its_nested_function, r"`returns_its_nested_function` returns a function \(h\)"),
])
def test_errors_name_the_users_function(body, message):
    with pytest.raises(s2sad.UnsupportedSyntaxError, match=message) as info:
        s2sad.grad(body)(X)
    assert "LocalFunction" not in str(info.value)
    assert "test_python_coverage_more.py" in str(info.value)


# --------------------------------------------------------------------------- functions passed
# to the entry: the code is specialized to them, as a call from user code would be


def activation_energy(x, act=np.tanh, scale=1.0):
    return np.sum(act(x) * scale) + np.sum(x ** 2)


def apply(fn, x):
    return np.sum(fn(x) ** 2)


def twice(fn, x):
    return fn(fn(x))


def cubed(y):
    return y ** 3


def rms(x):
    return np.sqrt(np.mean(x ** 2))


def with_a_sampler(x, sample):
    return np.sum(x * sample(3))


@pytest.mark.parametrize("f, args, kwargs, argnums", [
    (activation_energy, (X,), {"act": np.sin}, 0),
    (activation_energy, (X, np.arctan, 2.0), {}, 0),
    (activation_energy, (X,), {"act": cubed, "scale": 0.5}, 0),
    (apply, (np.cos, X), {}, 1),
    (apply, (cubed, X), {}, 1),
    (apply, (lambda y: np.exp(-y) * y, X), {}, 1),
    (apply, (s2sad.grad(rms), X), {}, 1),
    (twice, (np.sin, X[0]), {}, 1),
], ids=lambda v: getattr(v, "__name__", None) if callable(v) else None)
def test_functions_passed_to_the_entry_specialize_its_code(f, args, kwargs, argnums):
    def plain(*a):
        return f(*a, **kwargs)

    expected = numerical_grad(plain, args, argnums)
    assert_tree_allclose(s2sad.grad(f, argnums=argnums)(*args, **kwargs), expected, rtol=1e-6,
                         atol=1e-8)
    value, g = s2sad.value_and_grad(f, argnums=argnums)(*args, **kwargs)
    assert value == pytest.approx(plain(*args), rel=1e-12)
    assert_tree_allclose(g, expected, rtol=1e-6, atol=1e-8)
    if np.ndim(args[argnums]) == 1:
        h = s2sad.hessian(f, argnums=argnums)(*args, **kwargs)
        np.testing.assert_allclose(h, numerical_hessian(plain, args, argnums), rtol=1e-5,
                                   atol=1e-5)
        jac = s2sad.jacrev(f, argnums=argnums)(*args, **kwargs)
        np.testing.assert_allclose(jac, expected, rtol=1e-6, atol=1e-8)


def test_each_function_passed_gets_its_own_code(tmp_path, monkeypatch):
    monkeypatch.setenv("S2SAD_CACHE_DIR", str(tmp_path))
    monkeypatch.delenv("S2SAD_NO_CACHE", raising=False)
    g = s2sad.grad(apply, argnums=1)
    for fn in (np.sin, np.cos, np.sin, cubed, np.tanh):
        assert_tree_allclose(g(fn, X), numerical_grad(apply, (fn, X), 1), rtol=1e-6, atol=1e-8)


def test_a_generators_method_passed_as_a_function_draws_from_it():
    rs = np.random.RandomState(3)
    g = s2sad.grad(with_a_sampler)(X, rs.randn)
    assert_tree_allclose(g, np.random.RandomState(3).randn(3), rtol=1e-12)
    assert rs.randn() == pytest.approx(_after_draws(3, 3))


def _after_draws(seed, n):
    rs = np.random.RandomState(seed)
    rs.randn(n)
    return rs.randn()


def test_the_decorator_passes_functions_too():
    loss = s2sad.differentiate(activation_energy)
    assert_tree_allclose(loss.grad(X, act=np.sin),
                         numerical_grad(lambda x: activation_energy(x, act=np.sin), (X,)),
                         rtol=1e-6, atol=1e-8)


def test_a_function_in_argnums_is_still_a_type_error():
    with pytest.raises(TypeError, match="floating point"):
        s2sad.grad(apply)(np.sin, X)
