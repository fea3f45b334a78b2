"""Rules of NumPy's array-manipulation functions: triangles and diagonals, padding, rolling,
repeating, splitting, sorting, differences, products of arrays (kron, cross, tensordot),
selections and NaN-aware reductions.

Same conventions as ``rules/numpy.py``: each primitive's forward, reverse and batching
rules sit side by side; helpers that depend on runtime shapes live in ``runtime/arrays.py``.
"""

import numpy as np

from s2sad import runtime as _rt  # noqa: F401  (templates call _rt helpers)

from .registry import alias, batching, defrule, elementwise, nondiff  # noqa: F401
