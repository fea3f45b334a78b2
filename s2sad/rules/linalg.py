"""Rules of NumPy's matrix decompositions and the FFT family: cholesky, qr, eigh, svd,
pinv, matrix norms by singular values; fft/ifft/rfft/irfft/fft2.

Same conventions as ``rules/numpy.py``; runtime helpers live in ``runtime/linalg.py``.
"""

import numpy as np

from s2sad import runtime as _rt  # noqa: F401  (templates call _rt helpers)

from .registry import alias, batching, defrule, elementwise, nondiff  # noqa: F401
