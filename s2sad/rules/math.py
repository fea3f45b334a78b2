"""The ``math`` module: each function is read as its NumPy twin (same value on floats)."""

import math
import operator

import numpy as np

from .registry import alias

for _m, _n in [(math.sin, np.sin), (math.cos, np.cos), (math.tan, np.tan), (math.exp, np.exp),
               (math.log, np.log), (math.log1p, np.log1p), (math.sqrt, np.sqrt),
               (math.tanh, np.tanh), (math.atan2, np.arctan2), (math.pow, operator.pow),
               (math.fabs, np.abs), (math.sinh, np.sinh), (math.cosh, np.cosh),
               (math.asin, np.arcsin), (math.acos, np.arccos), (math.atan, np.arctan),
               (math.expm1, np.expm1), (math.log2, np.log2), (math.log10, np.log10),
               (math.hypot, np.hypot), (math.floor, np.floor), (math.ceil, np.ceil)]:
    alias(_m, _n)
