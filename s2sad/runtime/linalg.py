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
    "solve_right", "vector_as_column", "column_as_vector",
    # result tuples of qr and svd
    "qr_parts", "svd_result", "svd_triple",
    # matrix_power's Fréchet derivative as a block matrix
    "block_upper", "block_corner", "block_trace",
    # FFT
    "fft_length", "fit_like", "irfft_vjp",
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
