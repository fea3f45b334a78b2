"""Decompositions and FFTs through the compiler: gradients and Hessians of user functions
against central differences, at inputs away from degeneracies (distinct eigenvalues and
singular values). Eigenvectors and singular vectors enter only through gauge-invariant
functions (squares, outer products u vᵀ), which central differences see smoothly.

Complex values follow JAX's convention (``rules/linalg.py``): the cotangent of a complex
``z = x + iy`` is ``∂L/∂x - i ∂L/∂y``; a real loss of an FFT's output has the gradient of
its real input.
"""

import numpy as np
import pytest

import s2sad
from test_rule_hessians import fd_hessian

rng = np.random.default_rng(7)
EPS = 1e-6


def fd_grad(f, x, eps=EPS):
    x = np.asarray(x, float)
    out = np.zeros_like(x)
    for k in np.ndindex(x.shape):
        e = np.zeros_like(x)
        e[k] = eps
        out[k] = (f(x + e) - f(x - e)) / (2 * eps)
    return out


C3 = rng.normal(size=(3, 3))
C43 = rng.normal(size=(4, 3))
H4 = rng.normal(size=4) + 1j * rng.normal(size=4)


def spd_of(x):
    a = np.reshape(x, (3, 3))
    return a @ a.T + 3.0 * np.eye(3)


def cholesky_loss(x):
    return np.sum(np.linalg.cholesky(spd_of(x)) * C3)


def eigh_loss(x):
    w, v = np.linalg.eigh(spd_of(x))
    return np.sum(w * np.array([1.0, -2.0, 0.5])) + np.sum(v * v * C3)


def eigvalsh_loss(x):
    return np.sum(np.linalg.eigvalsh(spd_of(x)) ** 2)


def qr_loss(x):
    q, r = np.linalg.qr(np.reshape(x, (4, 3)))
    return np.sum(r * C3) + np.sum(np.tanh(q))


def svd_loss(x):
    u, s, vt = np.linalg.svd(np.reshape(x, (4, 3)), full_matrices=False)
    top = u[:, :1] @ vt[:1, :]  # u₁ v₁ᵀ: invariant to the joint sign of u₁, v₁
    return np.sum(s ** 3) + np.sum(top * C43)


def singular_values_loss(x):
    return np.sum(np.linalg.svd(np.reshape(x, (4, 3)), compute_uv=False) ** 2 * np.arange(1, 4))


def pinv_loss(x):
    return np.sum(np.sin(np.linalg.pinv(np.reshape(x, (4, 3)))))


def matrix_power_loss(x):
    a = np.reshape(x, (3, 3))
    return np.sum(np.linalg.matrix_power(a, 3) * C3) + np.sum(np.linalg.matrix_power(a + 3.0 * np.eye(3), -2))


def solve_stack_loss(x):
    # a stack of matrices against one 1-d b (NumPy 2 reads b as a vector)
    a = np.reshape(x[:18], (2, 3, 3)) + 3.0 * np.eye(3)
    return np.sum(np.linalg.solve(a, x[18:]) ** 2)


def rfft_loss(x):
    f = np.fft.rfft(x)  # complex
    return np.sum(np.real(f) ** 2) + np.sum(np.real(f * H4))


def irfft_loss(x):
    return np.sum(np.fft.irfft(np.fft.rfft(x) * H4, 6) ** 2)


def fft_loss(x):
    return np.sum(np.real(np.fft.ifft(np.fft.fft(x, 8) * np.exp(1j * np.arange(8)))) ** 3)


def fft2_loss(x):
    f = np.fft.fft2(np.reshape(x, (2, 3)), norm="ortho")
    return np.sum(np.real(f * np.conj(f)))


X9 = rng.normal(size=9)
X12 = rng.normal(size=12)
CASES = [
    (cholesky_loss, X9), (eigh_loss, X9), (eigvalsh_loss, X9), (qr_loss, X12),
    (svd_loss, X12), (singular_values_loss, X12), (pinv_loss, X12),
    (matrix_power_loss, X9 / 2), (solve_stack_loss, rng.normal(size=21)),
    (rfft_loss, rng.normal(size=6)), (irfft_loss, rng.normal(size=6)),
    (fft_loss, rng.normal(size=6)),
]
IDS = [f.__name__ for f, _ in CASES]


@pytest.mark.parametrize("f, x", CASES, ids=IDS)
def test_gradient_matches_central_differences(f, x):
    np.testing.assert_allclose(s2sad.grad(f)(x), fd_grad(f, x), rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("f, x", CASES, ids=IDS)
def test_hessian_matches_differences_of_the_gradient(f, x):
    # forward mode over the generated reverse code: every helper's rule is exercised
    h = s2sad.hessian(f)(x)
    np.testing.assert_allclose(h, fd_hessian(f, (x,), 0), rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(h, np.swapaxes(h, 0, 1), rtol=1e-6, atol=1e-7)


def test_fft2_of_a_product_with_its_conjugate():
    x = X12[:6]
    np.testing.assert_allclose(s2sad.grad(fft2_loss)(x), fd_grad(fft2_loss, x),
                               rtol=1e-5, atol=1e-6)


# --------------------------------------------------------------------------- semantics


def eigh_of(m):
    w, v = np.linalg.eigh(m)
    return w, v


def nuclear_norm(m):
    return np.sum(np.linalg.svd(m, compute_uv=False))


def full_u_sum(m):
    return np.sum(np.linalg.svd(m)[0])


def qr_r_sum(m):
    return np.sum(np.linalg.qr(m)[1])


def cholesky_of_matrix(m):
    return np.sum(np.linalg.cholesky(m) * C3)


def eigvalsh_of_matrix(m):
    return np.sum(np.linalg.eigvalsh(m) ** 3)


def filtered(v):
    return np.real(np.fft.irfft(np.fft.rfft(v) * H4, 6))


def test_eigh_derivatives_are_the_textbook_formulas():
    a = np.diag([1.0, 2.0, 4.0])
    t = np.array([[0.0, 1.0, 0.0], [1.0, 0.0, 0.0], [0.0, 0.0, 3.0]])
    dw, dv = s2sad.jvp(eigh_of, (a,), (t,))[1]
    np.testing.assert_allclose(dw, [0.0, 0.0, 3.0])  # diag(Vᵀ T V) with V = I
    # dV = V (F ∘ VᵀTV), F_ij = 1 / (λ_j - λ_i): the (0, 1) coupling only
    np.testing.assert_allclose(dv, [[0.0, 1.0, 0.0], [-1.0, 0.0, 0.0], [0.0, 0.0, 0.0]])


def test_singular_values_have_the_gradient_u_vt():
    x = rng.normal(size=(4, 3))
    u, s, vt = np.linalg.svd(x, full_matrices=False)
    np.testing.assert_allclose(s2sad.grad(nuclear_norm)(x), u @ vt, atol=1e-12)


def test_svd_full_matrices_of_a_non_square_matrix_is_refused_clearly():
    with pytest.raises(NotImplementedError, match="full_matrices=False"):
        s2sad.grad(full_u_sum)(rng.normal(size=(4, 3)))


def test_qr_of_a_wide_matrix_is_refused_clearly():
    with pytest.raises(NotImplementedError, match="m >= n"):
        s2sad.grad(qr_r_sum)(rng.normal(size=(2, 3)))


@pytest.mark.parametrize("f", [cholesky_of_matrix, eigvalsh_of_matrix])
def test_cholesky_and_eigh_read_one_triangle(f):
    # NumPy reads the lower triangle only: the gradient lives there (strict upper is zero)
    a = spd_of(X9)
    g = s2sad.grad(f)(a)
    np.testing.assert_allclose(np.triu(g, 1), 0.0)
    np.testing.assert_allclose(g, fd_grad(f, a), rtol=1e-5, atol=1e-6)


def test_real_loss_through_rfft_has_the_real_gradient():
    # Re(F)² + Re(F h): the cotangent convention of complex values makes the input's
    # gradient real and equal to central differences
    x = rng.normal(size=6)
    g = s2sad.grad(rfft_loss)(x)
    assert g.dtype == np.float64
    np.testing.assert_allclose(g, fd_grad(rfft_loss, x), rtol=1e-6, atol=1e-8)


def test_jacobian_of_an_fft_filter_is_the_filter_on_each_basis_vector():
    jac = s2sad.jacfwd(filtered)(rng.normal(size=6))
    np.testing.assert_allclose(jac, np.stack([filtered(e) for e in np.eye(6)], axis=-1),
                               atol=1e-12)
    np.testing.assert_allclose(s2sad.jacrev(filtered)(rng.normal(size=6)), jac, atol=1e-12)
