"""Functions passed as arguments to a transformed function: ``grad(f)(x, act=np.tanh)``,
``grad(apply, argnums=1)(np.sin, x)``.

Code is generated for the functions a body calls, so a call that passes functions runs the
transform of ``BoundFunction(f, {name: function})`` (``frontend/bound.py``): ``f``'s code
specialized to them, as a call of ``f`` from user code would be, taking the same
arguments (the bound ones unread). One specialization per distinct set of function values
(by identity) and transform; other arguments stay runtime data.
"""

from __future__ import annotations

import inspect

import numpy as np

_MAX_BINDINGS = 256  # distinct sets of function values remembered per transform
_VARIADIC = (inspect.Parameter.VAR_POSITIONAL, inspect.Parameter.VAR_KEYWORD)


def is_function_value(value) -> bool:
    """What the front end reads as a function at compile time: callable, not a class or
    an array (``ProgramBuilder`` reads classes as dtypes)."""
    return callable(value) and not isinstance(value, (type, np.ndarray))


def function_arguments(fn, args: tuple, kwargs: dict) -> dict[str, object]:
    """The parameters of ``fn`` to which a call gives functions, by name; empty when it
    gives none, or when the call does not fit ``fn`` (it then fails as it would anyway)."""
    if not any(map(is_function_value, args)) and not any(map(is_function_value,
                                                             kwargs.values())):
        return {}
    try:
        signature = inspect.signature(fn)
        arguments = signature.bind_partial(*args, **kwargs).arguments
    except (TypeError, ValueError):
        return {}
    return {name: value for name, value in arguments.items()
            if signature.parameters[name].kind not in _VARIADIC and is_function_value(value)}


def bound_transform(transformed, args: tuple, kwargs: dict):
    """``transformed`` specialized to the functions a call passes (``Transformed.rebased``
    onto a ``BoundFunction`` of its innermost function), or None when it passes none."""
    inner = transformed.innermost()
    statics = function_arguments(inner, args, kwargs)  # {} for a BoundFunction: not callable
    if not statics:
        return None
    from .frontend.bound import BoundFunction  # only now: a plain call imports no compiler

    memo = transformed.__dict__.setdefault("_bound", {})
    key = tuple(sorted((name, id(value)) for name, value in statics.items()))
    if key not in memo:
        if len(memo) >= _MAX_BINDINGS:  # many distinct functions: start over rather than grow
            memo.clear()
        # the values are kept with their specialization, so their ids stay theirs
        memo[key] = (statics, transformed.rebased(BoundFunction(inner, statics)))
    return memo[key][1]
