"""Rule-table cases of the decompositions and FFTs (merged into ``rule_cases``): same format.

Inputs stay away from degeneracies: symmetric positive definite matrices with distinct
eigenvalues, full-rank matrices with distinct singular values (``distinct``), and the
vector factors of eigh/svd are gauge-fixed by NumPy's algorithm for the central differences
(tiny steps do not flip their signs at these inputs).
"""

import numpy as np
from rule_cases import away, divisor, exponent, gen, pos, spd, unit, well  # noqa: F401


def distinct(m, n, batch=()):
    """A matrix whose singular values are well separated (3, 2, 1, ... plus noise)."""
    k = min(m, n)
    u = np.linalg.qr(gen(*batch, m, m))[0][..., :k]
    v = np.linalg.qr(gen(*batch, n, n))[0][..., :k]
    s = np.arange(k, 0, -1) + 1.0 + 0.1 * unit(*batch, k)
    return (u * s[..., None, :]) @ np.swapaxes(v, -1, -2)


def cplx(*shape):
    return gen(*shape) + 1j * gen(*shape)


def _spectral_norm_cases():
    """Matrix norms of the singular values (ord 2, -2, 'nuc'), with distinct ones."""
    stack = distinct(3, 4, (2,))
    return [((distinct(3, 4),), {"ord": 2}), ((distinct(3, 4),), {"ord": -2}),
            ((distinct(4, 3),), {"ord": "nuc"}), ((distinct(3, 3),), {"ord": 2, "keepdims": True}),
            ((stack,), {"ord": -2, "axis": (2, 1)}),
            ((np.moveaxis(stack, 0, 1),), {"ord": "nuc", "axis": (0, 2), "keepdims": True})]


# appended to the entrywise cases of np.linalg.norm in ``rule_cases``
NORM_CASES = _spectral_norm_cases()

UNARY: dict = {}
BINARY: dict = {}
CASES: dict = {
    "np.linalg.cholesky": [((spd(3),), {}), ((spd(3, (2,)),), {}), ((spd(3),), {"upper": True})],
    "np.linalg.qr": [((gen(3, 3),), {}), ((gen(4, 3),), {}), ((gen(2, 4, 2),), {})],
    "np.linalg.eigh": [((spd(3),), {}), ((spd(3, (2,)),), {}), ((spd(3),), {"UPLO": "U"})],
    "np.linalg.eigvalsh": [((spd(3),), {}), ((spd(3, (2,)),), {"UPLO": "U"})],
    "np.linalg.svd": [((distinct(3, 3),), {}), ((distinct(4, 3),), {"full_matrices": False}),
                      ((distinct(3, 4),), {"full_matrices": False}),
                      ((distinct(4, 3),), {"compute_uv": False}),
                      ((distinct(2, 3, (2,)),), {"full_matrices": False})],
    "np.linalg.pinv": [((well(3),), {}), ((distinct(4, 3),), {}), ((distinct(2, 4),), {}),
                       ((distinct(3, 2, (2,)),), {})],
    "np.linalg.lstsq": [((distinct(5, 3), gen(5)), {"rcond": None}),
                        ((distinct(5, 3), gen(5, 2)), {}), ((well(3), gen(3)), {"rcond": None}),
                        ((distinct(3, 5), gen(3)), {"rcond": None}),
                        ((distinct(2, 4), gen(2, 3)), {})],
    "np.linalg.matrix_power": [((gen(3, 3) / 2, 3), {}), ((well(3), -2), {}),
                               ((gen(3, 3), 1), {}), ((gen(2, 3, 3) / 2, 2), {})],
    "np.fft.fft": [((gen(6),), {}), ((gen(3, 5),), {"n": 8, "axis": 0}),
                   ((gen(3, 5),), {"n": 4, "norm": "ortho"}), ((gen(4),), {"norm": "forward"})],
    "np.fft.ifft": [((gen(6),), {}), ((gen(3, 5),), {"n": 7, "axis": 0, "norm": "ortho"})],
    "np.fft.rfft": [((gen(6),), {}), ((gen(7),), {}), ((gen(3, 5),), {"n": 8, "axis": 0}),
                    ((gen(2, 6),), {"n": 4, "norm": "forward"})],
    "np.fft.irfft": [((gen(4),), {}), ((gen(4),), {"n": 7}), ((gen(3, 5),), {"axis": 0}),
                     ((gen(2, 5),), {"n": 6, "norm": "ortho"}),
                     ((gen(2, 5),), {"n": 11, "norm": "forward"})],
    "np.fft.fft2": [((gen(3, 4),), {}), ((gen(2, 3, 4),), {"s": (4, 2), "norm": "ortho"})],
    "np.fft.ifft2": [((gen(3, 4),), {}), ((gen(3, 4, 2),), {"axes": (0, 2)})],
    "np.fft.fftn": [((gen(3, 4),), {}), ((gen(2, 3, 4),), {"s": (5, 2), "axes": (0, 2)})],
    "np.fft.ifftn": [((gen(3, 4),), {}), ((gen(2, 3, 4),), {"axes": (1,), "norm": "ortho"})],
    # runtime helpers
    "_rt.lower": [((gen(3, 3), 0.5), {}), ((gen(2, 3, 4), 0.0), {}), ((gen(3, 3), 1.0), {})],
    "_rt.as_lower": [((gen(2, 3), True), {}), ((gen(2, 3), "L"), {})],
    "_rt.symmetric_part": [((gen(3, 3), "L"), {}), ((gen(2, 3, 3), True), {})],
    "_rt.symmetric_part_vjp": [((gen(3, 3), "U"), {}), ((gen(2, 3, 3), False), {})],
    "_rt.inverse_gaps": [((np.array([1.0, 2.5, 4.0]),), {}),
                         ((np.array([[3.0, 1.0], [-1.0, 2.0]]),), {})],
    "_rt.solve_right": [((gen(2, 3), well(3)), {}), ((gen(2, 4, 3), spd(3)), {}),
                        ((gen(4, 3), spd(3, (2,))), {})],
    "_rt.vector_as_column": [((gen(2, 3), gen(3)), {}), ((gen(3, 2), gen(3, 2)), {})],
    "_rt.column_as_vector": [((gen(2, 3, 1), gen(3)), {}), ((gen(3, 2), gen(3, 2)), {})],
    "_rt.qr_parts": [(((gen(4, 3), gen(3, 3)), gen(4, 3), "reduced"), {})],
    "_rt.svd_result": [(((gen(4, 3), gen(3), gen(3, 3)), gen(4, 3), False, True, False), {}),
                       (((gen(4, 3), gen(3), gen(3, 3)), gen(4, 3), False, False, False), {})],
    "_rt.svd_triple": [(((gen(3, 3), gen(3), gen(3, 3)), gen(3, 3), True, True, False), {}),
                       ((gen(2, 3), gen(2, 3, 4), False, False, False), {})],
    "_rt.residuals_of": [((gen(), gen(1)), {}), ((gen(3), gen(3)), {}),
                         ((gen(3), np.zeros(0)), {})],
    "_rt.residuals_vjp": [((gen(1), gen()), {}), ((gen(3), gen(3)), {}),
                          ((np.zeros(0), gen(3)), {})],
    "_rt.block_upper": [((gen(3, 3), gen(3, 3)), {}), ((gen(3, 3), gen(2, 3, 3)), {})],
    "_rt.block_corner": [((gen(4, 4),), {}), ((gen(2, 6, 6),), {})],
    "_rt.block_trace": [((gen(4, 4),), {}), ((gen(2, 6, 6),), {})],
    "_rt.fit_like": [((gen(3, 5), gen(3, 4), 1), {}), ((gen(3, 2), gen(3, 4), -1), {}),
                     ((cplx(4, 2), gen(3, 3), (0, 1)), {}), ((gen(2, 3), gen(2, 3), None), {})],
    "_rt.spectral_jvp": [((gen(), gen(3, 4), distinct(3, 4), 2, None, False), {}),
                         ((gen(2, 1, 1), gen(2, 3, 4), distinct(3, 4, (2,)), "nuc", (1, 2), True),
                          {}),
                         ((gen(3), gen(3, 4), gen(3, 4), None, 1, False), {})],
    "_rt.spectral_vjp": [((gen(3, 4), gen(), distinct(3, 4), -2, None, False), {}),
                         ((gen(2, 3, 4), gen(2), distinct(3, 4, (2,)), "nuc", (2, 1), False), {}),
                         ((gen(5), gen(), gen(5), 2, None, False), {})],
    "_rt.spectral_hvp": [((gen(3, 4), gen(3, 4), distinct(3, 4), 2, None), {}),
                         ((gen(4, 3), gen(4, 3), distinct(4, 3), -2, None), {}),
                         ((gen(2, 3, 4), gen(2, 3, 4), distinct(3, 4, (2,)), "nuc", (1, 2)), {}),
                         ((gen(5), gen(5), gen(5), 1, None), {})],
    "_rt.irfft_vjp": [((gen(6), cplx(4), None, -1, None), {}),
                      ((gen(7), cplx(4), 7, -1, "ortho"), {}),
                      ((gen(6, 6), cplx(5, 6), 6, 0, "forward"), {})],
}
