"""Rules of NumPy's matrix decompositions and the FFT family: cholesky, qr, eigh, eigvalsh,
svd, pinv, lstsq, matrix_power; fft/ifft/rfft/irfft, fft2/ifft2, fftn/ifftn; the SVD part of the
spectral matrix norms (``np.linalg.norm`` with ord 2, -2, 'nuc'; its rule is in ``numpy.py``).

Same conventions as ``rules/numpy.py``; runtime helpers live in ``runtime/linalg.py``, their
rules at the bottom of this file. Matrices are the last two axes (leading axes stack them).

- Decompositions whose result is a tuple (``qr``, ``eigh``, ``svd``) have tuple tangents and
  cotangents (tag ``container``), like ``slogdet``.
- ``cholesky``, ``eigh`` and ``eigvalsh`` read one triangle of their input only: their
  derivative in a direction ``t`` is the one in the symmetric matrix read from that triangle
  (``_rt.symmetric_part``), which is what central differences of NumPy's function see.
- Eigenvector and singular-vector derivatives need distinct eigenvalues / singular values.
- FFTs are linear. Complex cotangents follow JAX: the cotangent of ``z = x + iy`` is
  ``∂L/∂x - i ∂L/∂y``, so a linear map transposes without conjugation, ⟨g, v⟩ = Re Σ g·v,
  and the cotangent of a real input is a real part (``_rt.fit_like``).
"""

import numpy as np

from s2sad import runtime as _rt

from .registry import batching, defrule, nondiff

# --------------------------------------------------------------------------- factorizations


@defrule(np.linalg.cholesky, diff="a")
class cholesky:
    # A = L Lᵀ:  dL = L Φ(L⁻¹ dA L⁻ᵀ), Φ = the lower triangle with its diagonal halved.
    # Transpose: S̄ = L⁻ᵀ Φ(Lᵀ L̄) L⁻¹. ``upper=True`` returns U = Lᵀ (from the upper triangle).
    def signature(a, *, upper=False): ...

    def jvp_a(t, out, upper):
        low = _rt.as_lower(out, upper)
        da = _rt.symmetric_part(t, upper)
        x = np.linalg.solve(low, _rt.solve_right(da, np.swapaxes(low, -1, -2)))
        return _rt.as_lower(low @ _rt.lower(x, 0.5), upper)

    def vjp_a(g, out, upper):
        low = _rt.as_lower(out, upper)
        p = _rt.lower(np.swapaxes(low, -1, -2) @ _rt.as_lower(g, upper), 0.5)
        s = np.linalg.solve(np.swapaxes(low, -1, -2), _rt.solve_right(p, low))
        return _rt.symmetric_part_vjp(s, upper)


@defrule(np.linalg.qr, diff="a", tags="container")
class qr:
    # A = QR (m >= n):  C = Qᵀ dA R⁻¹,  Ω = tril(C, -1) - tril(C, -1)ᵀ,
    # dQ = Q (Ω - C) + dA R⁻¹,  dR = (C - Ω) R.
    # Transpose: M = R̄ Rᵀ - Qᵀ Q̄,  Ā = (Q̄ + Q (M + tril(Mᵀ - M, -1))) R⁻ᵀ.
    def signature(a, mode="reduced"): ...

    def jvp_a(t, a, out, mode):
        qr = _rt.qr_parts(out, a, mode)
        q, r = qr[0], qr[1]
        b = _rt.solve_right(t, r)
        c = np.swapaxes(q, -1, -2) @ b
        low = _rt.lower(c, 0.0)
        omega = low - np.swapaxes(low, -1, -2)
        return (q @ (omega - c) + b, (c - omega) @ r)

    def vjp_a(g, a, out, mode):
        qr = _rt.qr_parts(out, a, mode)
        q, r = qr[0], qr[1]
        gq = _rt.qr_parts(g, a, mode)
        m = gq[1] @ np.swapaxes(r, -1, -2) - np.swapaxes(q, -1, -2) @ gq[0]
        c = m + _rt.lower(np.swapaxes(m, -1, -2) - m, 0.0)
        return _rt.solve_right(gq[0] + q @ c, np.swapaxes(r, -1, -2))


@defrule(np.linalg.eigh, diff="a", tags="container")
class eigh:
    # A = V Λ Vᵀ (distinct λ):  dλ = diag(Vᵀ dA V),  dV = V (F ∘ Vᵀ dA V),  F_ij = 1/(λ_j - λ_i).
    # Transpose: S̄ = V (diag(λ̄) + F ∘ Vᵀ V̄) Vᵀ.
    def signature(a, UPLO="L"): ...

    def jvp_a(t, out, UPLO):
        v = out[1]
        sv = _rt.symmetric_part(t, UPLO) @ v
        x = np.swapaxes(v, -1, -2) @ sv
        return (np.sum(v * sv, axis=-2), v @ (_rt.inverse_gaps(out[0]) * x))

    def vjp_a(g, out, UPLO):
        v = out[1]
        inner = _rt.inverse_gaps(out[0]) * (np.swapaxes(v, -1, -2) @ g[1])
        s = (v * np.expand_dims(g[0], -2) + v @ inner) @ np.swapaxes(v, -1, -2)
        return _rt.symmetric_part_vjp(s, UPLO)


@defrule(np.linalg.eigvalsh, diff="a")
class eigvalsh:
    # dλ_k = v_kᵀ dA v_k;  Ā = V diag(λ̄) Vᵀ
    def signature(a, UPLO="L"): ...

    def jvp_a(t, a, UPLO):
        v = np.linalg.eigh(a, UPLO)[1]
        return np.sum(v * (_rt.symmetric_part(t, UPLO) @ v), axis=-2)

    def vjp_a(g, a, UPLO):
        v = np.linalg.eigh(a, UPLO)[1]
        return _rt.symmetric_part_vjp((v * np.expand_dims(g, -2)) @ np.swapaxes(v, -1, -2), UPLO)


@defrule(np.linalg.svd, diff="a", tags="container")
class svd:
    # A = U S Vᵀ (reduced; distinct singular values), P = Uᵀ dA V, F_ij = 1/(s_j² - s_i²):
    #   ds = diag(P),  dU = U (F ∘ (P S + S Pᵀ)) + (I - UUᵀ) dA V S⁻¹,
    #   dV = V (F ∘ (S P + Pᵀ S)) + (I - VVᵀ) dAᵀ U S⁻¹.
    # Transpose, with J = F ∘ UᵀŪ and K = F ∘ VᵀV̄:
    #   Ā = U (diag(s̄) + (J + Jᵀ) S + S (K + Kᵀ)) Vᵀ + (I - UUᵀ) Ū S⁻¹ Vᵀ + U S⁻¹ V̄ᵀ (I - VVᵀ).
    # The projector terms vanish for the square factor (m = n: both), so they are written
    # for every shape. The templates recompute the reduced SVD: with ``compute_uv=False`` the
    # result has no vectors, and for a square matrix ``full_matrices`` gives the same factors.
    def signature(a, full_matrices=True, compute_uv=True, hermitian=False): ...

    def jvp_a(t, a, full_matrices, compute_uv, hermitian):
        usv = np.linalg.svd(a, full_matrices=False)
        u, s, v = usv[0], usv[1], np.swapaxes(usv[2], -1, -2)
        row = np.expand_dims(s, -2)
        dav = t @ v
        p = np.swapaxes(u, -1, -2) @ dav
        f = _rt.inverse_gaps(s * s)
        ps = p * row
        sp = p * np.expand_dims(s, -1)
        du = u @ (f * (ps + np.swapaxes(ps, -1, -2))) + (dav - u @ p) / row
        datu = np.swapaxes(t, -1, -2) @ u
        dv = (v @ (f * (sp + np.swapaxes(sp, -1, -2)))
              + (datu - v @ np.swapaxes(p, -1, -2)) / row)
        return _rt.svd_result((du, np.sum(u * dav, axis=-2), np.swapaxes(dv, -1, -2)), a,
                              full_matrices, compute_uv, hermitian)

    def vjp_a(g, a, full_matrices, compute_uv, hermitian):
        usv = np.linalg.svd(a, full_matrices=False)
        u, s, vt = usv[0], usv[1], usv[2]
        gs = _rt.svd_triple(g, a, full_matrices, compute_uv, hermitian)
        ub, vbt = gs[0], gs[2]
        row = np.expand_dims(s, -2)
        f = _rt.inverse_gaps(s * s)
        j = f * (np.swapaxes(u, -1, -2) @ ub)
        k = f * (vt @ np.swapaxes(vbt, -1, -2))
        core = (j + np.swapaxes(j, -1, -2)) * row + np.expand_dims(s, -1) * (
            k + np.swapaxes(k, -1, -2))
        left = u * np.expand_dims(gs[1], -2) + u @ core + (ub - u @ (np.swapaxes(u, -1, -2) @ ub)) / row
        right = (u / row) @ (vbt - (vbt @ np.swapaxes(vt, -1, -2)) @ vt)
        return left @ vt + right


@defrule(np.linalg.pinv, diff="a")
class pinv:
    # Constant rank (Golub & Pereyra 1973), A⁺ = out:
    #   dA⁺ = -A⁺ dA A⁺ + A⁺ A⁺ᵀ dAᵀ (I - A A⁺) + (I - A⁺ A) dAᵀ A⁺ᵀ A⁺;
    #   Ā = -A⁺ᵀ Ḡ A⁺ᵀ + (I - A A⁺) Ḡᵀ A⁺ A⁺ᵀ + A⁺ᵀ A⁺ Ḡᵀ (I - A⁺ A).
    def signature(a, rcond=None, hermitian=False, *, rtol=None): ...

    def jvp_a(t, a, out):
        pt, tt = np.swapaxes(out, -1, -2), np.swapaxes(t, -1, -2)
        return (-(out @ t @ out) + out @ (pt @ (tt - (tt @ a) @ out))
                + (tt - out @ (a @ tt)) @ (pt @ out))

    def vjp_a(g, a, out):
        pt, gt = np.swapaxes(out, -1, -2), np.swapaxes(g, -1, -2)
        return (-(pt @ g @ pt) + (gt - a @ (out @ gt)) @ (out @ pt)
                + (pt @ out) @ (gt - (gt @ out) @ a))


@defrule(np.linalg.lstsq, diff="a b", tags="container")
class lstsq:
    # out = (x, residuals, rank, s): x = A⁺ b (least squares, least norm), residuals the
    # column sums of r² (r = b - A x; only for full column rank with m > n, else empty),
    # s the singular values of A. Constant rank (A⁺'s derivative as in pinv):
    #   dx = -A⁺ dA x + A⁺A⁺ᵀ dAᵀ r + (I - A⁺A) dAᵀ A⁺ᵀ x + A⁺ db,
    #   d residuals = 2 Σᵢ r ∘ (db - dA x) (Aᵀ r = 0 there),  ds = diag(Uᵀ dA V).
    # Transpose, as columns (X, R, Ḡ = x, r, x̄; w = residuals̄ per column):
    #   Ā = -A⁺ᵀ Ḡ Xᵀ + R Ḡᵀ A⁺ A⁺ᵀ + A⁺ᵀ X Ḡᵀ (I - A⁺A) - 2 R diag(w) Xᵀ + U diag(s̄) Vᵀ,
    #   b̄ = A⁺ᵀ x̄ + 2 r w.
    def signature(a, b, rcond=None): ...

    def jvp_a(t, a, b, rcond, out):
        x = out[0]
        p = np.linalg.pinv(a, rcond)
        pt, tt = np.swapaxes(p, -1, -2), np.swapaxes(t, -1, -2)
        tx = t @ x
        w = tt @ (pt @ x)
        usv = np.linalg.svd(a, full_matrices=False)
        ds = np.sum(usv[0] * (t @ np.swapaxes(usv[2], -1, -2)), axis=-2)
        dres = _rt.residuals_of(-2.0 * np.sum((b - a @ x) * tx, axis=0), out[1])
        return (-(p @ tx) + p @ (pt @ (tt @ (b - a @ x))) + w - p @ (a @ w), dres, 0.0, ds)

    def jvp_b(t, a, b, rcond, out):
        dres = _rt.residuals_of(2.0 * np.sum((b - a @ out[0]) * t, axis=0), out[1])
        return (np.linalg.pinv(a, rcond) @ t, dres, 0.0, np.zeros_like(out[3]))

    def vjp_a(g, a, b, rcond, out):
        p = np.linalg.pinv(a, rcond)
        pt = np.swapaxes(p, -1, -2)
        xc = _rt.vector_as_column(out[0], b)
        xct = np.swapaxes(xc, -1, -2)
        rc = _rt.vector_as_column(b - a @ out[0], b)
        gct = np.swapaxes(_rt.vector_as_column(g[0], b), -1, -2)
        gp = gct @ p
        usv = np.linalg.svd(a, full_matrices=False)
        return (-(pt @ np.swapaxes(gct, -1, -2)) @ xct + (rc @ gp) @ pt
                + (pt @ xc) @ (gct - gp @ a) - 2.0 * (rc * _rt.residuals_vjp(g[1], b[0])) @ xct
                + usv[0] @ (np.expand_dims(g[3], -1) * usv[2]))

    def vjp_b(g, a, b, rcond, out):
        p = np.linalg.pinv(a, rcond)
        return (np.swapaxes(p, -1, -2) @ g[0]
                + 2.0 * (b - a @ out[0]) * _rt.residuals_vjp(g[1], b[0]))


@defrule(np.linalg.matrix_power, diff="a")
class matrix_power:
    # The Fréchet derivative of aⁿ in the direction t is the upper-right block of
    # [[a, t], [0, a]]ⁿ (any sign of n); its transpose is the same at aᵀ.
    def signature(a, n): ...

    def jvp_a(t, a, n):
        return _rt.block_corner(np.linalg.matrix_power(_rt.block_upper(a, t), n))

    def vjp_a(g, a, n):
        return _rt.block_corner(np.linalg.matrix_power(
            _rt.block_upper(np.swapaxes(a, -1, -2), g), n))


# --------------------------------------------------------------------------- FFT
# The DFT matrices are symmetric: each transform's transpose is itself (same ``norm``) on the
# cotangent, cut or padded back to the input (``_rt.fit_like``; a real part for real input).


@defrule(np.fft.fft, diff="a", tags="linear")
class fft:
    def signature(a, n=None, axis=-1, norm=None): ...

    def jvp_a(t, n, axis, norm):
        return np.fft.fft(t, n, axis, norm)

    def vjp_a(g, a, axis, norm):
        return _rt.fit_like(np.fft.fft(g, None, axis, norm), a, axis)


@defrule(np.fft.ifft, diff="a", tags="linear")
class ifft:
    def signature(a, n=None, axis=-1, norm=None): ...

    def jvp_a(t, n, axis, norm):
        return np.fft.ifft(t, n, axis, norm)

    def vjp_a(g, a, axis, norm):
        return _rt.fit_like(np.fft.ifft(g, None, axis, norm), a, axis)


@defrule(np.fft.rfft, diff="a", tags="linear")
class rfft:
    # rfft = the first n//2 + 1 entries of fft: the transpose zero-pads g to n, then fft
    def signature(a, n=None, axis=-1, norm=None): ...

    def jvp_a(t, n, axis, norm):
        return np.fft.rfft(t, n, axis, norm)

    def vjp_a(g, a, n, axis, norm):
        return _rt.fit_like(np.fft.fft(g, _rt.fft_length(a, n, axis), axis, norm), a, axis)


@defrule(np.fft.irfft, diff="a", tags="linear")
class irfft:
    def signature(a, n=None, axis=-1, norm=None): ...

    def jvp_a(t, n, axis, norm):
        return np.fft.irfft(t, n, axis, norm)

    def vjp_a(g, a, n, axis, norm):
        return _rt.irfft_vjp(g, a, n, axis, norm)


@defrule(np.fft.fft2, diff="a", tags="linear")
class fft2:
    def signature(a, s=None, axes=(-2, -1), norm=None): ...

    def jvp_a(t, s, axes, norm):
        return np.fft.fft2(t, s, axes, norm)

    def vjp_a(g, a, axes, norm):
        return _rt.fit_like(np.fft.fft2(g, None, axes, norm), a, axes)


@defrule(np.fft.ifft2, diff="a", tags="linear")
class ifft2:
    def signature(a, s=None, axes=(-2, -1), norm=None): ...

    def jvp_a(t, s, axes, norm):
        return np.fft.ifft2(t, s, axes, norm)

    def vjp_a(g, a, axes, norm):
        return _rt.fit_like(np.fft.ifft2(g, None, axes, norm), a, axes)


@defrule(np.fft.fftn, diff="a", tags="linear")
class fftn:
    def signature(a, s=None, axes=None, norm=None): ...

    def jvp_a(t, s, axes, norm):
        return np.fft.fftn(t, s, axes, norm)

    def vjp_a(g, a, axes, norm):
        return _rt.fit_like(np.fft.fftn(g, None, axes, norm), a, axes)


@defrule(np.fft.ifftn, diff="a", tags="linear")
class ifftn:
    def signature(a, s=None, axes=None, norm=None): ...

    def jvp_a(t, s, axes, norm):
        return np.fft.ifftn(t, s, axes, norm)

    def vjp_a(g, a, axes, norm):
        return _rt.fit_like(np.fft.ifftn(g, None, axes, norm), a, axes)


# --------------------------------------------------------------------------- runtime helpers
# Rules of the helpers above (runtime/linalg.py), so generated code differentiates again.


@defrule(_rt.lower, name="_rt.lower", diff="x", tags="linear")
class lower:
    # a mask: its own transpose
    def signature(x, diag): ...

    def jvp_x(t, diag):
        return _rt.lower(t, diag)

    def vjp_x(g, diag):
        return _rt.lower(g, diag)


@defrule(_rt.as_lower, name="_rt.as_lower", diff="x", tags="linear")
class as_lower:
    def signature(x, uplo): ...

    def jvp_x(t, uplo):
        return _rt.as_lower(t, uplo)

    def vjp_x(g, uplo):
        return _rt.as_lower(g, uplo)


@defrule(_rt.symmetric_part, name="_rt.symmetric_part", diff="v", tags="linear")
class symmetric_part:
    def signature(v, uplo): ...

    def jvp_v(t, uplo):
        return _rt.symmetric_part(t, uplo)

    def vjp_v(g, uplo):
        return _rt.symmetric_part_vjp(g, uplo)


@defrule(_rt.symmetric_part_vjp, name="_rt.symmetric_part_vjp", diff="v", tags="linear")
class symmetric_part_vjp:
    def signature(v, uplo): ...

    def jvp_v(t, uplo):
        return _rt.symmetric_part_vjp(t, uplo)

    def vjp_v(g, uplo):
        return _rt.symmetric_part(g, uplo)


@defrule(_rt.inverse_gaps, name="_rt.inverse_gaps", diff="w")
class inverse_gaps:
    # F_ij = 1/(w_j - w_i):  dF_ij = -F_ij² (dw_j - dw_i);  w̄ = Σ_j (ḡ F²)_ij - Σ_i (ḡ F²)_ij
    def signature(w): ...

    def jvp_w(t, out):
        return -(out * out) * (np.expand_dims(t, -2) - np.expand_dims(t, -1))

    def vjp_w(g, out):
        h = g * out * out
        return np.sum(h, axis=-1) - np.sum(h, axis=-2)


@defrule(_rt.solve_right, name="_rt.solve_right", diff="b a")
class solve_right:
    # out = b a⁻¹:  d out = (db - out da) a⁻¹;  b̄ = ḡ a⁻ᵀ,  ā = -outᵀ ḡ a⁻ᵀ
    def signature(b, a): ...

    def jvp_b(t, a):
        return _rt.solve_right(t, a)

    def jvp_a(t, a, out):
        return -_rt.solve_right(out @ t, a)

    def vjp_b(g, b, a):
        return _rt.unbroadcast(_rt.solve_right(g, np.swapaxes(a, -1, -2)), b)

    def vjp_a(g, a, out):
        return -_rt.matmul_vjp_y(_rt.solve_right(g, np.swapaxes(a, -1, -2)), out, a)


@defrule(_rt.vector_as_column, name="_rt.vector_as_column", diff="v", tags="linear")
class vector_as_column:
    def signature(v, b): ...

    def jvp_v(t, b):
        return _rt.vector_as_column(t, b)

    def vjp_v(g, b):
        return _rt.column_as_vector(g, b)


@defrule(_rt.column_as_vector, name="_rt.column_as_vector", diff="v", tags="linear")
class column_as_vector:
    def signature(v, b): ...

    def jvp_v(t, b):
        return _rt.column_as_vector(t, b)

    def vjp_v(g, b):
        return _rt.vector_as_column(g, b)


@defrule(_rt.qr_parts, name="_rt.qr_parts", diff="v", tags="linear container")
class qr_parts:
    # the identity (after checking the mode and shape)
    def signature(v, a, mode): ...

    def jvp_v(t, a, mode):
        return _rt.qr_parts(t, a, mode)

    def vjp_v(g, a, mode):
        return _rt.qr_parts(g, a, mode)


@defrule(_rt.svd_result, name="_rt.svd_result", diff="v", tags="linear container")
class svd_result:
    def signature(v, a, full_matrices, compute_uv, hermitian): ...

    def jvp_v(t, a, full_matrices, compute_uv, hermitian):
        return _rt.svd_result(t, a, full_matrices, compute_uv, hermitian)

    def vjp_v(g, a, full_matrices, compute_uv, hermitian):
        return _rt.svd_triple(g, a, full_matrices, compute_uv, hermitian)


@defrule(_rt.svd_triple, name="_rt.svd_triple", diff="v", tags="linear container")
class svd_triple:
    def signature(v, a, full_matrices, compute_uv, hermitian): ...

    def jvp_v(t, a, full_matrices, compute_uv, hermitian):
        return _rt.svd_triple(t, a, full_matrices, compute_uv, hermitian)

    def vjp_v(g, a, full_matrices, compute_uv, hermitian):
        return _rt.svd_result(g, a, full_matrices, compute_uv, hermitian)


@defrule(_rt.residuals_of, name="_rt.residuals_of", diff="v", tags="linear")
class residuals_of:
    # a reshape (or an empty array): its transpose reshapes back
    def signature(v, res): ...

    def jvp_v(t, res):
        return _rt.residuals_of(t, res)

    def vjp_v(g, v):
        return _rt.residuals_vjp(g, v)


@defrule(_rt.residuals_vjp, name="_rt.residuals_vjp", diff="g_res", tags="linear")
class residuals_vjp:
    def signature(g_res, like): ...

    def jvp_g_res(t, like):
        return _rt.residuals_vjp(t, like)

    def vjp_g_res(g, g_res):
        return _rt.residuals_of(g, g_res)


@defrule(_rt.block_upper, name="_rt.block_upper", diff="a b", tags="linear")
class block_upper:
    # [[a, b], [0, a]] is linear in (a, b); its transpose reads the blocks back
    def signature(a, b): ...

    def jvp_a(t, b):
        return _rt.block_upper(t, _rt.zeros_like(b))

    def jvp_b(t, a):
        return _rt.block_upper(_rt.zeros_like(a), t)

    def vjp_a(g, a):
        return _rt.unbroadcast(_rt.block_trace(g), a)

    def vjp_b(g, b):
        return _rt.unbroadcast(_rt.block_corner(g), b)


@defrule(_rt.block_corner, name="_rt.block_corner", diff="x", tags="linear")
class block_corner:
    def signature(x): ...

    def jvp_x(t):
        return _rt.block_corner(t)

    def vjp_x(g):
        return _rt.block_upper(_rt.zeros_like(g), g)


@defrule(_rt.block_trace, name="_rt.block_trace", diff="x", tags="linear")
class block_trace:
    def signature(x): ...

    def jvp_x(t):
        return _rt.block_trace(t)

    def vjp_x(g):
        return _rt.block_upper(g, _rt.zeros_like(g))


@defrule(_rt.fit_like, name="_rt.fit_like", diff="v", tags="linear")
class fit_like:
    # cut/pad (and a real part): its transpose pads/cuts back
    def signature(v, like, axes): ...

    def jvp_v(t, like, axes):
        return _rt.fit_like(t, like, axes)

    def vjp_v(g, v, axes):
        return _rt.fit_like(g, v, axes)


@defrule(_rt.irfft_vjp, name="_rt.irfft_vjp", diff="v", tags="linear")
class irfft_vjp:
    # the transpose of irfft; its transpose is irfft
    def signature(v, a, n, axis, norm): ...

    def jvp_v(t, a, n, axis, norm):
        return _rt.irfft_vjp(t, a, n, axis, norm)

    def vjp_v(g, n, axis, norm):
        return np.fft.irfft(g, n, axis, norm)


nondiff(_rt.fft_length, name="_rt.fft_length")


# Spectral matrix norms (``np.linalg.norm`` with ord 2, -2, 'nuc'; ``rules/numpy.py``): W is
# the norm's gradient, dW its Hessian, self-adjoint (⟨dW[a], b⟩ = ⟨a, dW[b]⟩); R sums over
# the matrix axes, E broadcasts back (``_rt.sum_vjp``). Each helper is ``base`` plus its
# part, ``base`` alone for entrywise norms (then the ``zeros_like`` bases below are the
# zero derivatives).


@defrule(_rt.spectral_jvp, name="_rt.spectral_jvp", diff="base v x")
class spectral_jvp:
    # out = base + R(W(x) ∘ v):  d/dx = R(dW[ẋ] ∘ v) = R(ẋ ∘ dW[v]);  x̄ = E(ḡ) ∘ dW[v]
    def signature(base, v, x, ord, axis, keepdims): ...

    def jvp_base(t):
        return t

    def vjp_base(g):
        return g

    def jvp_v(t, base, x, ord, axis, keepdims):
        return _rt.spectral_jvp(_rt.zeros_like(base), t, x, ord, axis, keepdims)

    def vjp_v(g, v, x, ord, axis, keepdims):
        return _rt.spectral_vjp(_rt.zeros_like(v), g, x, ord, axis, keepdims)

    def jvp_x(t, base, v, x, ord, axis, keepdims):
        return np.sum(_rt.spectral_hvp(_rt.zeros_like(x), v, x, ord, axis) * t, axis=axis,
                      keepdims=keepdims)

    def vjp_x(g, v, x, ord, axis, keepdims):
        return _rt.sum_vjp(g, x, axis, keepdims) * _rt.spectral_hvp(_rt.zeros_like(x), v, x,
                                                                    ord, axis)


@defrule(_rt.spectral_vjp, name="_rt.spectral_vjp", diff="base w x")
class spectral_vjp:
    # out = base + E(w) ∘ W(x):  d/dx = E(w) ∘ dW[ẋ] = dW[E(w) ∘ ẋ];  x̄ = dW[E(w) ∘ ḡ];
    # w̄ = R(W ∘ ḡ)
    def signature(base, w, x, ord, axis, keepdims): ...

    def jvp_base(t):
        return t

    def vjp_base(g):
        return g

    def jvp_w(t, base, x, ord, axis, keepdims):
        return _rt.spectral_vjp(_rt.zeros_like(base), t, x, ord, axis, keepdims)

    def vjp_w(g, w, x, ord, axis, keepdims):
        return _rt.spectral_jvp(_rt.zeros_like(w), g, x, ord, axis, keepdims)

    def jvp_x(t, base, w, x, ord, axis, keepdims):
        return _rt.spectral_hvp(_rt.zeros_like(base), _rt.sum_vjp(w, x, axis, keepdims) * t, x,
                                ord, axis)

    def vjp_x(g, w, x, ord, axis, keepdims):
        return _rt.spectral_hvp(_rt.zeros_like(x), _rt.sum_vjp(w, x, axis, keepdims) * g, x,
                                ord, axis)


@defrule(_rt.spectral_hvp, name="_rt.spectral_hvp", diff="base v x")
class spectral_hvp:
    # out = base + dW(x)[v]: self-adjoint in v; its derivative in x (a third derivative of
    # the norm) is refused at run time by ``spectral_hvp_dx`` (zero for entrywise norms)
    def signature(base, v, x, ord, axis): ...

    def jvp_base(t):
        return t

    def vjp_base(g):
        return g

    def jvp_v(t, base, x, ord, axis):
        return _rt.spectral_hvp(_rt.zeros_like(base), t, x, ord, axis)

    def vjp_v(g, v, x, ord, axis):
        return _rt.spectral_hvp(_rt.zeros_like(v), g, x, ord, axis)

    def jvp_x(t, base, x, ord, axis):
        return _rt.spectral_hvp_dx(base, x, ord, axis)

    def vjp_x(g, x, ord, axis):
        return _rt.spectral_hvp_dx(x, x, ord, axis)


nondiff(_rt.spectral_hvp_dx, name="_rt.spectral_hvp_dx")


# --------------------------------------------------------------------------- batching
# np.linalg stacks matrices on leading axes; so do the one-matrix helpers. Two-matrix
# helpers (solve_right, block_upper) broadcast a lane against the other operand's own leading
# axes, and fftn/ifftn's axes=None would take the batch axis in: those run per lane.
batching("leading", "np.linalg.cholesky", "np.linalg.qr", "np.linalg.eigh",
         "np.linalg.eigvalsh", "np.linalg.svd", "np.linalg.pinv", "np.linalg.matrix_power",
         "_rt.lower", "_rt.as_lower", "_rt.symmetric_part", "_rt.symmetric_part_vjp",
         "_rt.inverse_gaps", "_rt.block_corner", "_rt.block_trace")
batching("axes", "np.fft.fft", "np.fft.ifft", "np.fft.rfft", "np.fft.irfft", params=("axis",))
batching("axes", "np.fft.fft2", "np.fft.ifft2", params=("axes",))
