"""Helpers of the decomposition and FFT rules (``rules/linalg.py``), called as ``_rt.<name>``.

Each helper has its own rule, so generated code that calls it can be differentiated again.
Matrices are the last two axes (leading axes are stacks, as in ``np.linalg``). Most helpers
are linear in their first argument; ``inverse_gaps`` is smooth; the ``svd_*``/``qr_*``
helpers move cotangents in and out of NumPy's result tuples and refuse, with a clear
NotImplementedError, options whose derivative is not defined or not supported (the runtime
imports nothing of the compiler, so not its DifferentiationError).
Array code goes through ``xp`` (numpy; the CuPy backend rebinds it).
"""

from __future__ import annotations

import numpy as xp

__all__ = [
    # triangles and symmetric parts
    "lower", "as_lower", "symmetric_part", "symmetric_part_vjp",
    # spectra
    "inverse_gaps",
    # solves
    "solve_right", "vector_as_column", "column_as_vector", "residuals_of", "residuals_vjp",
    # result tuples of qr and svd
    "qr_parts", "svd_result", "svd_triple",
    # matrix_power's Fréchet derivative as a block matrix
    "block_upper", "block_corner", "block_trace",
    # FFT
    "fft_length", "fit_like", "irfft_vjp",
    # spectral matrix norms (np.linalg.norm with ord 2, -2, 'nuc')
    "spectral_jvp", "spectral_vjp", "spectral_hvp", "spectral_hvp_dx",
]


def _mT(x):
    return xp.swapaxes(x, -1, -2)


# --------------------------------------------------------------------------- triangles


def lower(x, diag):
    """The strictly lower triangle of ``x`` plus ``diag`` times its diagonal.

    An elementwise mask, so it is its own transpose. ``diag=0.5`` is the Φ of the
    Cholesky derivative, ``diag=0`` the strictly lower part, ``diag=1`` ``tril``.
    """
    x = xp.asarray(x)
    n, m = x.shape[-2:]
    mask = xp.tril(xp.ones((n, m), x.dtype), -1) + diag * xp.eye(n, m, dtype=x.dtype)
    return x * mask


def _upper(uplo) -> bool:
    if uplo in ("U", "u", True):
        return True
    if uplo in ("L", "l", False):
        return False
    raise ValueError(f"UPLO must be 'L' or 'U', not {uplo!r}")


def as_lower(x, uplo):
    """``x`` with its last two axes swapped when ``uplo`` names the upper triangle (``'U'``
    or ``upper=True``), as is for the lower one; self-adjoint.

    Turns Cholesky's upper factor into the lower one (and back).
    """
    return _mT(x) if _upper(uplo) else x


def symmetric_part(t, uplo):
    """The symmetric matrix NumPy reads from one triangle of ``t``.

    ``cholesky``/``eigh``/``eigvalsh`` read only the lower (``'L'``, ``upper=False``) or upper
    (``'U'``, ``upper=True``) triangle, so their derivative in a direction ``t`` is their
    derivative in ``tril(t) + tril(t, -1)ᵀ`` (or the upper twin).
    """
    u = as_lower(t, uplo)
    return lower(u, 1.0) + _mT(lower(u, 0.0))


def symmetric_part_vjp(g, uplo):
    """The transpose of ``symmetric_part``: ``tril(g) + tril(gᵀ, -1)`` (or the upper twin)."""
    return as_lower(lower(g, 1.0) + lower(_mT(g), 0.0), uplo)


# --------------------------------------------------------------------------- spectra


def inverse_gaps(w):
    """``F[..., i, j] = 1 / (w_j - w_i)`` off the diagonal, 0 on it.

    The eigenvector (and singular vector) derivatives weigh by ``F``: with ``w`` the
    eigenvalues (squared singular values), ``Vᵀ dV = F ∘ (Vᵀ dA V)``. Distinct ``w`` only.
    """
    w = xp.asarray(w)
    d = xp.expand_dims(w, -2) - xp.expand_dims(w, -1)
    eye = xp.eye(w.shape[-1], dtype=w.dtype)
    return 1.0 / (d + eye) - eye


# --------------------------------------------------------------------------- solves


def solve_right(b, a):
    """``b a⁻¹`` (``a`` square): ``solve(aᵀ, bᵀ)ᵀ``."""
    a = xp.asarray(a)
    if a.shape[-1] != a.shape[-2]:
        raise ValueError(f"solve_right: the divisor must be square, not {a.shape}")
    return _mT(xp.linalg.solve(_mT(a), _mT(b)))


def vector_as_column(x, b):
    """``x`` with a trailing unit axis when ``b`` is 1-d.

    ``np.linalg.solve(a, b)`` reads a 1-d ``b`` as one vector even when ``a`` is a stack
    (NumPy 2); as columns, the vectors of ``x`` multiply and solve like matrices.
    """
    return xp.expand_dims(x, -1) if xp.ndim(b) == 1 else x


def column_as_vector(x, b):
    """The inverse of ``vector_as_column``: drop the trailing unit axis when ``b`` is 1-d."""
    return xp.asarray(x)[..., 0] if xp.ndim(b) == 1 else x


def residuals_of(v, res):
    """``v`` (one value per column of lstsq's ``b``: 0-d for a vector) shaped like lstsq's
    ``residuals`` result ``res``: ``(k,)``, ``(1,)`` for a vector, or empty when lstsq gives
    none (rank < n or m <= n). Linear; ``residuals_vjp`` is its transpose."""
    res = xp.asarray(res)
    if res.size == 0:
        return xp.zeros(res.shape, xp.result_type(v, res))
    return xp.reshape(v, res.shape)


def residuals_vjp(g, like):
    """The transpose of ``residuals_of``: ``g`` (shaped like the residuals) as one value per
    column, shaped like ``like``; zeros where the residuals are empty."""
    g, like = xp.asarray(g), xp.asarray(like)
    if g.size == 0:
        return xp.zeros(like.shape, xp.result_type(g, like))
    return xp.reshape(g, like.shape)


# --------------------------------------------------------------------------- result tuples


def qr_parts(out, a, mode):
    """``(Q, R)`` of ``np.linalg.qr(a, mode)``, checked: the derivative covers the reduced
    QR of a square or tall matrix (the ``R`` factor is then square and invertible)."""
    m, n = xp.shape(a)[-2:]
    if mode not in ("reduced", "complete") or m < n or (mode == "complete" and m != n):
        raise NotImplementedError(
            f"the derivative of np.linalg.qr is implemented for mode='reduced' of a square or "
            f"tall matrix (m >= n); got mode={mode!r} for a {m}x{n} matrix")
    return out


def _svd_check(a, full_matrices, compute_uv, hermitian):
    m, n = xp.shape(a)[-2:]
    if compute_uv and full_matrices and m != n:
        raise NotImplementedError(
            f"the derivative of np.linalg.svd with full_matrices=True is defined for square "
            f"matrices only (the extra singular vectors are not unique); got a {m}x{n} matrix: "
            f"pass full_matrices=False")
    if hermitian:
        raise NotImplementedError(
            "the derivative of np.linalg.svd(..., hermitian=True) is not supported; use "
            "hermitian=False or np.linalg.eigh")


def svd_result(v, a, full_matrices, compute_uv, hermitian):
    """A tangent ``(dU, ds, dVᵀ)`` shaped like ``np.linalg.svd``'s result: ``ds`` alone
    without ``compute_uv``. Linear; ``svd_triple`` is its transpose."""
    _svd_check(a, full_matrices, compute_uv, hermitian)
    return v if compute_uv else v[1]


def svd_triple(v, a, full_matrices, compute_uv, hermitian):
    """A cotangent of ``np.linalg.svd``'s result as ``(Ū, s̄, V̄ᵀ)`` of the reduced SVD
    (zeros for the factors it did not compute)."""
    _svd_check(a, full_matrices, compute_uv, hermitian)
    if compute_uv:
        return v
    m, n = xp.shape(a)[-2:]
    k = min(m, n)
    v = xp.asarray(v)
    lead = v.shape[:-1]
    return (xp.zeros(lead + (m, k), v.dtype), v, xp.zeros(lead + (k, n), v.dtype))


# --------------------------------------------------------------------------- block matrices
#
# The Fréchet derivative of a matrix function f at a in the direction t is the upper-right
# block of f([[a, t], [0, a]]) (Mathias 1996): matrix_power's derivative, any sign of n.


def block_upper(a, b):
    """``[[a, b], [0, a]]``: linear in ``(a, b)``."""
    a, b = xp.asarray(a), xp.asarray(b)
    shape = xp.broadcast_shapes(a.shape, b.shape)
    a, b = xp.broadcast_to(a, shape), xp.broadcast_to(b, shape)
    top = xp.concatenate([a, b], axis=-1)
    bottom = xp.concatenate([xp.zeros_like(a), a], axis=-1)
    return xp.concatenate([top, bottom], axis=-2)


def block_corner(x):
    """The upper-right block of a ``2n x 2n`` matrix."""
    n = xp.shape(x)[-1] // 2
    return x[..., :n, n:]


def block_trace(x):
    """The sum of the two diagonal blocks of a ``2n x 2n`` matrix (``block_upper``'s
    transpose in ``a``)."""
    n = xp.shape(x)[-1] // 2
    return x[..., :n, :n] + x[..., n:, n:]


# --------------------------------------------------------------------------- FFT
#
# The DFT matrices are symmetric, so the transpose of fft (ifft, fftn, ...) is the same
# transform of the cotangent, cut or zero-padded back to the input's length (``fit_like``).
# Complex cotangents follow JAX: the cotangent of z = x + iy is ∂L/∂x - i ∂L/∂y, so linear
# maps transpose without conjugation and ⟨g, v⟩ = Re Σ g v; the cotangent of a real input
# is the real part.


def fft_length(a, n, axis):
    """The transform length: ``n``, or the length of ``a`` along ``axis``."""
    return xp.shape(a)[axis] if n is None else n


def _axes_of(x, axes):
    nd = xp.ndim(x)
    if axes is None:
        return tuple(range(nd))
    if isinstance(axes, (tuple, list)):
        return tuple(ax % nd for ax in axes)
    return (axes % nd,)


def fit_like(v, like, axes):
    """``v`` cut or zero-padded to ``like``'s lengths along ``axes`` (None: all), and its real
    part when ``like`` is real: the transpose of an FFT's padding of (real) ``like``.

    Linear; ``fit_like(g, v, axes)`` is its transpose.
    """
    v = xp.asarray(v)
    shape = xp.shape(like)
    for ax in _axes_of(v, axes):
        have, want = v.shape[ax], shape[ax]
        if have > want:
            v = xp.take(v, xp.arange(want), axis=ax)
        elif have < want:
            pad = [(0, 0)] * v.ndim
            pad[ax] = (0, want - have)
            v = xp.pad(v, pad)
    if xp.iscomplexobj(v) and not xp.iscomplexobj(like):
        return v.real
    return v


_SWAPPED_NORM = {None: "forward", "backward": "forward", "forward": "backward",
                 "ortho": "ortho"}


def irfft_vjp(g, a, n, axis, norm):
    """The cotangent of ``a`` in ``irfft(a, n, axis, norm)`` (``g`` real).

    irfft reads each interior frequency twice (it and its conjugate), the zero (and Nyquist)
    frequency once and only their real parts: ``ā = conj(w ∘ rfft(g)) / scale`` with weights
    ``w`` 1, 2, ..., 2, 1 (1, 2, ..., 2 for odd ``n``), cut or padded to ``a``'s length.
    Linear in ``g``; its transpose is ``irfft`` itself.
    """
    m = xp.shape(a)[axis]
    n = 2 * (m - 1) if n is None else n
    x = xp.fft.rfft(g, n, axis, _SWAPPED_NORM[norm])
    w = xp.full(x.shape[axis], 2.0, dtype=x.real.dtype)
    w[0] = 1.0
    if n % 2 == 0:
        w[-1] = 1.0
    w = xp.reshape(w, (-1,) + (1,) * (x.ndim - 1 - axis % x.ndim))
    return fit_like(xp.conj(w * x), a, axis)


# --------------------------------------------------------------------------- spectral norms
#
# np.linalg.norm of matrices with ord 2, -2 and 'nuc' is a function of the singular values s
# (max, min, sum): d‖A‖ = Σ c_k u_kᵀ dA v_k = ⟨W, dA⟩ with W = U diag(c) Vᵀ, c the weight of
# each singular value in the norm (one-hot on the largest or smallest, split evenly among
# ties as ``max`` splits; all ones for 'nuc'). The entrywise norms (every other ord) have no
# spectral part: each helper then returns its ``base`` argument untouched, so the norm rule
# adds the spectral part at the cost of one call. dW is the Hessian of the norm, a
# self-adjoint map: ⟨dW[a], b⟩ = ⟨a, dW[b]⟩, which the rules of these helpers use.

_SPECTRAL = (2, -2, "nuc")


def _spectral_axes(x, ord, axis):
    """The (row, column) axes of a spectral matrix norm, or None for any other norm."""
    if ord not in _SPECTRAL:
        return None
    ndim = xp.ndim(x)
    if isinstance(axis, (tuple, list)) and len(axis) == 2:
        return axis[0] % ndim, axis[1] % ndim
    if axis is None and ndim == 2:
        return 0, 1
    return None


def _stacked(x, rc):
    """``x`` with the norm's row and column axes last (a stack of matrices)."""
    return xp.moveaxis(xp.asarray(x), rc, (-2, -1))


def _weights(s, ord):
    """``c``: the weight of each singular value in the norm."""
    if ord == "nuc":
        return xp.ones_like(s)
    pick = xp.max(s, axis=-1, keepdims=True) if ord == 2 else xp.min(s, axis=-1, keepdims=True)
    hit = (s == pick).astype(s.dtype)
    return hit / xp.sum(hit, axis=-1, keepdims=True)


def _spectral_weights(x, ord, rc):
    """``W = U diag(c) Vᵀ`` (d‖x‖/dx), shaped like ``x``."""
    u, s, vt = xp.linalg.svd(_stacked(x, rc), full_matrices=False)
    return xp.moveaxis((u * xp.expand_dims(_weights(s, ord), -2)) @ vt, (-2, -1), rc)


def spectral_jvp(base, v, x, ord, axis, keepdims):
    """``base`` plus the tangent of the spectral norm ``np.linalg.norm(x, ord, axis,
    keepdims)`` in the direction ``v``: ``Σ W ∘ v`` over the matrix axes (``base`` alone for
    entrywise norms). Linear in ``(base, v)``."""
    rc = _spectral_axes(x, ord, axis)
    if rc is None:
        return base
    return base + xp.sum(_spectral_weights(x, ord, rc) * v, axis=rc, keepdims=keepdims)


def spectral_vjp(base, w, x, ord, axis, keepdims):
    """``base`` plus the cotangent of ``x`` from the cotangent ``w`` of the spectral norm:
    ``w W`` (``base`` alone for entrywise norms). Linear in ``(base, w)``."""
    rc = _spectral_axes(x, ord, axis)
    if rc is None:
        return base
    w = xp.asarray(w)
    if not keepdims:
        w = xp.expand_dims(w, tuple(sorted(rc)))
    return base + w * _spectral_weights(x, ord, rc)


def spectral_hvp(base, v, x, ord, axis):
    """``base`` plus ``dW[v]``, the norm's Hessian applied to ``v`` (``base`` alone for
    entrywise norms). Linear in ``(base, v)``; distinct nonzero singular values (ties of the
    singular values the norm weighs equally are fine: 'nuc' anywhere of full rank).

    With A = U S Vᵀ (reduced), P = Uᵀ v V and c constant near A (SVD tangents as in
    ``rules/linalg.py``'s svd rule), dW = dU C Vᵀ + U C dVᵀ is
    ``U K Vᵀ + (I - UUᵀ) v V C S⁻¹ Vᵀ + U C S⁻¹ Uᵀ v (I - VVᵀ)`` where, off the diagonal,
    ``K_ij = a_ij P_ij + b_ij P_ji``, ``a_ij = (s_j c_j - s_i c_i) / (s_j² - s_i²)``,
    ``b_ij = (s_i c_j - s_j c_i) / (s_j² - s_i²)``: for ``c_i = c_j = γ`` these are
    ``±γ / (s_i + s_j)``, finite at ties (and they give K_ii = 0).
    """
    rc = _spectral_axes(x, ord, axis)
    if rc is None:
        return base
    u, s, vt = xp.linalg.svd(_stacked(x, rc), full_matrices=False)
    c = _weights(s, ord)
    vv = _stacked(v, rc)
    ut, vm = _mT(u), _mT(vt)
    p = ut @ vv @ vm
    si, sj = xp.expand_dims(s, -1), xp.expand_dims(s, -2)
    ci, cj = xp.expand_dims(c, -1), xp.expand_dims(c, -2)
    same = ci == cj
    with xp.errstate(divide="ignore", invalid="ignore"):
        gap = xp.where(same, 1.0, sj * sj - si * si)
        a = xp.where(same, cj / (si + sj), (sj * cj - si * ci) / gap)
        b = xp.where(same, -cj / (si + sj), (si * cj - sj * ci) / gap)
        cs = xp.where(c == 0, 0.0, c / s)
    vv_v = vv @ vm  # v V
    ut_v = ut @ vv  # Uᵀ v
    dw = (u @ (a * p + b * _mT(p)) @ vt
          + ((vv_v - u @ (ut @ vv_v)) * xp.expand_dims(cs, -2)) @ vt
          + u @ (xp.expand_dims(cs, -1) * (ut_v - (ut_v @ vm) @ vt)))
    return base + xp.moveaxis(dw, (-2, -1), rc)


def spectral_hvp_dx(base, x, ord, axis):
    """The derivative of ``spectral_hvp`` in ``x`` (a third derivative of the norm): zero for
    the entrywise norms, where ``spectral_hvp`` does not read ``x``; not supported for the
    spectral ones (a clear error, never a silent zero)."""
    if _spectral_axes(x, ord, axis) is None:
        return xp.zeros_like(base)
    raise NotImplementedError(f"third derivatives of np.linalg.norm(..., ord={ord!r}) of a "
                              f"matrix are not supported")
