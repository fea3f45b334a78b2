"""Helpers of the SciPy rules (``rules/scipy.py``), called as ``_rt.<name>``.

SciPy is optional: it is imported inside the helpers that need it, so ``import
s2sad.runtime`` works without it. Each helper has its own rule, so generated code that
calls it can be differentiated again:

- ``polygamma`` is elementwise, its derivative the next member of the family;
- ``solve_triangular`` is SciPy's, with the rule of ``scipy.linalg.solve_triangular``;
- ``tri_part``, ``transpose_if`` are linear and self-adjoint (their own transposes);
- ``assumed_matrix`` (the matrix a solver reads, given ``assume_a``) and
  ``assumed_matrix_vjp`` are linear and transposes of each other;
- ``flip_trans`` is a static option: ``nondiff``.

Array code goes through ``xp`` (numpy; the CuPy backend rebinds it).
"""

from __future__ import annotations

import numpy as xp

from .linalg import symmetric_part, symmetric_part_vjp

__all__ = ["polygamma", "solve_triangular", "tri_part", "transpose_if", "assumed_matrix",
           "assumed_matrix_vjp", "flip_trans"]


def _like(value, x):
    """``value`` in the floating dtype of ``x`` (SciPy computes some families in float64)."""
    dtype = getattr(x, "dtype", None)
    if dtype is not None and dtype.kind == "f" and getattr(value, "dtype", dtype) != dtype:
        return xp.asarray(value, dtype=dtype)
    return value


def polygamma(n, x):
    """``scipy.special.polygamma(n, x)``, the n-th derivative of digamma (n = 0: digamma),
    in the dtype of ``x``."""
    from scipy import special

    return _like(special.polygamma(n, x), x)


def solve_triangular(a, b, trans=0, lower=False, unit_diagonal=False, overwrite_b=False,
                     check_finite=True):
    """``scipy.linalg.solve_triangular``: ``op(T) x = b`` for the triangle ``T`` of ``a``."""
    from scipy import linalg

    return linalg.solve_triangular(a, b, trans=trans, lower=lower, unit_diagonal=unit_diagonal,
                                   overwrite_b=overwrite_b, check_finite=check_finite)


def flip_trans(trans):
    """The ``trans`` option of the transposed triangular system: ``op(T)ᵀ``."""
    return 0 if _transposes(trans) else 1


def _transposes(flag) -> bool:
    """Whether a ``trans``/``transposed`` option (0, 1, 2, "N", "T", "C", bools) transposes."""
    return flag not in (0, "N", "n", None)


def tri_part(v, lower, k=0):
    """``tril(v, k)`` if ``lower`` else ``triu(v, -k)``: the triangle of one side, ``k = -1``
    without its diagonal. A projection: its own transpose."""
    return xp.tril(v, k) if lower else xp.triu(v, -k)


def transpose_if(v, flag):
    """``v`` transposed (last two axes) where ``flag`` (a bool or a ``trans`` option) says so."""
    return xp.swapaxes(v, -1, -2) if _transposes(flag) else v


# The matrix a solver reads from ``a``: all of it, or one triangle mirrored (symmetric,
# Hermitian and positive definite assumptions), or a triangle, a band, the diagonal.
_SYMMETRIC = ("sym", "symmetric", "her", "hermitian", "pos", "positive definite")
_GENERAL = (None, "gen", "general")


def _band(v, assume_a, lower):
    if assume_a == "diagonal":
        return xp.tril(xp.triu(v))
    if assume_a == "tridiagonal":
        return xp.tril(xp.triu(v, -1), 1)
    if assume_a in ("upper triangular", "lower triangular"):
        return tri_part(v, assume_a == "lower triangular")
    raise NotImplementedError(f"derivatives of scipy.linalg.solve with assume_a={assume_a!r}")


def assumed_matrix(v, assume_a, lower=False):
    """The matrix a solver with ``assume_a`` uses of ``v``; symmetric kinds read the triangle
    ``lower`` names: ``tri(v) + tri(v, strict)ᵀ``. Linear in ``v``."""
    if assume_a in _GENERAL:
        return v
    if assume_a in _SYMMETRIC:
        return symmetric_part(v, not lower)
    return _band(v, assume_a, lower)


def assumed_matrix_vjp(g, assume_a, lower=False):
    """The transpose of ``assumed_matrix``: ``tri(g) + tri(gᵀ, strict)`` for symmetric kinds
    (projections, for the others, are their own transposes)."""
    if assume_a in _SYMMETRIC:
        return symmetric_part_vjp(g, not lower)
    return assumed_matrix(g, assume_a, lower)
