"""Helpers of the code s2sad emits where the user's arrays share memory.

The alias pass (``frontend/normalize/aliases.py``) keeps every name that shares memory
with an updated array up to date explicitly; these helpers are what that code calls.
"""

from __future__ import annotations

import numpy as xp


def private(x):
    """A copy of ``x`` that shares no memory with it: arrays copied, containers rebuilt
    leaf by leaf, immutable values returned as they are (an argument the function updates
    in place is copied first, so transforms never change the caller's data)."""
    if isinstance(x, xp.ndarray):
        return x.copy(order="K")  # the same memory layout (a transposed array stays so)
    if isinstance(x, (list, tuple)):
        items = [private(v) for v in x]
        return type(x)(*items) if hasattr(x, "_fields") else type(x)(items)
    if isinstance(x, dict):
        return {k: private(v) for k, v in x.items()}
    return x


def shares_memory(a, b):
    """Whether ``a`` may share memory with ``b`` (or with an array inside the container ``b``):
    ``False`` for values that own no mutable memory (Python numbers, copies)."""
    if isinstance(b, (list, tuple)):
        return any(shares_memory(a, v) for v in b)
    if isinstance(b, dict):
        return any(shares_memory(a, v) for v in b.values())
    if isinstance(a, (list, tuple)):
        return any(shares_memory(v, b) for v in a)
    if isinstance(a, xp.ndarray) and isinstance(b, xp.ndarray):
        return a is b or bool(xp.may_share_memory(a, b))
    return a is b and not isinstance(a, (int, float, complex, str, bool))


def is_array(x):
    """Whether ``x`` is an array updated in place by ``x op= v`` (Python numbers rebind)."""
    return isinstance(x, xp.ndarray)


def with_item(a, index, v):
    """``a`` with ``a[index]`` replaced by ``v``, where ``v`` is a view of ``a[index]`` that
    was just updated in place: the memory already says so, and ``a`` is returned as it is.
    (The alias pass writes this so that transforms see the update as a value; a ``v`` that
    is not such a view is stored into a copy.)"""
    if isinstance(v, xp.ndarray) and isinstance(a, xp.ndarray) and xp.may_share_memory(a, v):
        return a
    if isinstance(a, list) and not isinstance(index, tuple) and a[index] is v:
        return a
    out = list(a) if isinstance(a, list) else xp.array(a, copy=True)
    out[index] = v
    return out
