"""The ``math`` module: each function is read as its NumPy twin (same value on floats)."""

import math

import numpy as np

from .registry import alias

for _m, _n in [(math.sin, np.sin), (math.cos, np.cos), (math.exp, np.exp), (math.tanh, np.tanh)]:
    alias(_m, _n)
