"""Rules of NumPy functions: elementwise, reductions, linear algebra, shapes, constructors."""

import numpy as np

from s2sad import runtime as _rt

from .registry import defrule, elementwise, nondiff


@elementwise(np.sin)
def sin(x, out):
    return np.cos(x)


@elementwise(np.cos)
def cos(x, out):
    return -np.sin(x)


@elementwise(np.exp)
def exp(x, out):
    return out  # d exp = exp


@elementwise(np.tanh)
def tanh(x, out):
    return 1.0 - out * out  # d tanh = 1 - tanh²


@defrule(np.sum, diff="a", tags="linear")
class sum:
    def signature(a, axis=None, dtype=None, out=None, keepdims=False): ...

    def jvp_a(t, a, axis, keepdims):
        return np.sum(t, axis=axis, keepdims=keepdims)

    def vjp_a(g, a, axis, keepdims):
        return _rt.sum_vjp(g, a, axis, keepdims)


for _f in (np.zeros, np.ones, np.zeros_like, np.ones_like, np.shape, np.floor):
    nondiff(_f)
