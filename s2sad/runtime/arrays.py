"""Helpers of the array-manipulation rules (``rules/numpy_arrays.py``), called as ``_rt.<name>``.

Each helper has its own rule, so generated code that calls it can be differentiated again.
Array code goes through ``xp`` (numpy; the CuPy backend rebinds it).
"""

from __future__ import annotations

import numpy as xp  # noqa: F401

__all__: list[str] = []
