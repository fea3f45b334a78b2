"""Array methods and attributes, read as the NumPy functions they stand for.

``x.sum(axis=0)`` is ``np.sum(x, axis=0)``; ``x.T`` is ``np.transpose(x)``.
The second field says whether several positional arguments form one shape
tuple (``x.reshape(2, 3)`` is ``np.reshape(x, (2, 3))``).
"""

import numpy as np

from s2sad import runtime as _rt

ARRAY_METHODS = {
    "sum": (np.sum, False), "mean": (np.mean, False), "var": (np.var, False),
    "std": (np.std, False), "prod": (np.prod, False), "max": (np.max, False),
    "min": (np.min, False), "cumsum": (np.cumsum, False), "dot": (np.dot, False),
    "reshape": (np.reshape, True), "transpose": (np.transpose, True),
    "ravel": (np.ravel, False), "flatten": (np.ravel, False), "copy": (np.copy, False),
    "squeeze": (np.squeeze, False), "clip": (np.clip, False), "astype": (_rt.astype, False),
    "argmax": (np.argmax, False), "argmin": (np.argmin, False), "any": (np.any, False),
    "all": (np.all, False), "item": (_rt.item, False), "tolist": (_rt.item, False), "pop": (_rt.pop, False),
}

ARRAY_ATTRIBUTES = {
    "T": "np.transpose", "shape": "np.shape", "ndim": "np.ndim", "size": "np.size",
    "dtype": "_rt.dtype", "real": "np.real", "imag": "np.imag",
}

# Methods of dicts, read as the runtime primitives they stand for (rules/containers.py).
CONTAINER_METHODS = {
    "items": "_rt.dict_items", "keys": "_rt.dict_keys", "values": "_rt.dict_values",
    "get": "_rt.dict_get",
}

# Methods that update the array they are called on: ``fill`` and ``sort`` are lowered to
# in-place stores; the others are refused (a silent update would give wrong derivatives).
IN_PLACE_METHODS = frozenset({"fill", "sort", "partition", "put", "itemset", "resize",
                              "setfield", "byteswap"})
