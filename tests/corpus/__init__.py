"""User-style functions for the end-to-end tests, each with inputs and the argnums to use.

A ``Case`` is one corpus entry::

    Case(fn, inputs, argnums)       # inputs() -> list of argument tuples (fixed seeds)

``straight.CORPUS`` holds straight-line code (issue 2), ``control.CORPUS`` control flow
(issue 3). Every corpus function returns a scalar; ``straight.VECTOR_CORPUS`` holds a
few functions with array outputs for Jacobians and vjp with array cotangents.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

import numpy as np


@dataclass(frozen=True)
class Case:
    fn: Callable
    inputs: Callable[[], list]  # () -> [args tuple, ...]; several tuples cover each branch
    argnums: int | tuple = 0
    rtol: float = 1e-5  # against central differences in float64
    atol: float = 1e-7
    f32: bool = False  # also checked with float32 inputs (float32 gradients)
    tags: frozenset = field(default_factory=frozenset)

    @property
    def name(self) -> str:
        return getattr(self.fn, "__qualname__", getattr(self.fn, "__name__", repr(self.fn)))

    @property
    def nums(self) -> tuple:
        return (self.argnums,) if isinstance(self.argnums, int) else tuple(self.argnums)


def case(fn, inputs, argnums=0, **kw) -> Case:
    return Case(fn, inputs, argnums, **kw)


def one(make):
    """``inputs`` for a case with a single argument tuple: ``one(lambda: (x, y))``."""
    return lambda: [tuple(make())]


def rng(seed: int) -> np.random.Generator:
    return np.random.default_rng(seed)


# --------------------------------------------------------------------------- binding
#
# jvp and vjp differentiate every primal, and integer arguments (index arrays, step
# counts, labels) cannot be primals. ``bind(fn, args, keep)`` is then a closure over
# the other arguments, taking only args[keep] positionally. Closures are written
# out by hand (star-args are outside the supported language), one per pattern used
# by the corpora: (number of arguments, kept positions).


def _b2_0(f, c):
    def bound_2_0(a):
        return f(a, c[1])
    return bound_2_0


def _b2_1(f, c):
    def bound_2_1(b):
        return f(c[0], b)
    return bound_2_1


def _b3_0(f, c):
    def bound_3_0(a):
        return f(a, c[1], c[2])
    return bound_3_0


def _b3_1(f, c):
    def bound_3_1(b):
        return f(c[0], b, c[2])
    return bound_3_1


def _b3_01(f, c):
    def bound_3_01(a, b):
        return f(a, b, c[2])
    return bound_3_01


def _b3_02(f, c):
    def bound_3_02(a, b):
        return f(a, c[1], b)
    return bound_3_02


def _b4_0(f, c):
    def bound_4_0(a):
        return f(a, c[1], c[2], c[3])
    return bound_4_0


def _b4_01(f, c):
    def bound_4_01(a, b):
        return f(a, b, c[2], c[3])
    return bound_4_01


def _b5_0(f, c):
    def bound_5_0(a):
        return f(a, c[1], c[2], c[3], c[4])
    return bound_5_0


def _b5_01(f, c):
    def bound_5_01(a, b):
        return f(a, b, c[2], c[3], c[4])
    return bound_5_01


_BINDERS = {
    (2, (0,)): _b2_0, (2, (1,)): _b2_1, (3, (0,)): _b3_0, (3, (1,)): _b3_1,
    (3, (0, 1)): _b3_01, (3, (0, 2)): _b3_02, (4, (0,)): _b4_0, (4, (0, 1)): _b4_01,
    (5, (0,)): _b5_0, (5, (0, 1)): _b5_01,
}


def bind(fn, args: tuple, keep: tuple):
    """(g, primals): ``g(*primals) == fn(*args)`` with primals = args[keep]."""
    keep = tuple(sorted(keep))
    if keep == tuple(range(len(args))):
        return fn, tuple(args)
    binder = _BINDERS.get((len(args), keep))
    assert binder is not None, f"no binder for {len(args)} arguments keeping {keep}; add one"
    return binder(fn, tuple(args)), tuple(args[i] for i in keep)


def bound_case(c: Case, args: tuple):
    """The case's function with only its argnums as (positional) primals."""
    return bind(c.fn, args, c.nums)
