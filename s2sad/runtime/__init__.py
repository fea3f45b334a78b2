"""The only s2sad module generated code may import (as ``_rt``).

Small helpers whose behaviour depends on runtime shapes or container kinds.
Every helper here is itself a primitive with rules in ``rules/runtime.py``, so
generated code can be differentiated again (Hessians, grad of grad).
Array code goes through ``xp`` (numpy; the CuPy backend rebinds it).
"""

from __future__ import annotations

import numpy as xp


def unbroadcast(g, x):
    """Sum the cotangent ``g`` down to the shape of ``x`` (reverse of broadcasting).

    ``x = ones(3); y = x + ones((2, 3))`` gives ``g`` of shape (2, 3); the
    cotangent of ``x`` is ``g.sum(axis=0)``.
    """
    gshape = getattr(g, "shape", ())
    shape = getattr(x, "shape", None)
    if shape is None:
        shape = xp.shape(x)
    if gshape == shape:
        return g
    lead = len(gshape) - len(shape)
    axes = tuple(range(lead)) + tuple(
        lead + i for i, n in enumerate(shape) if n == 1 and gshape[lead + i] != 1)
    out = xp.sum(g, axis=axes) if axes else g
    return xp.reshape(out, shape)


def broadcast_like(t, out):
    """Broadcast a tangent to the shape of the primal output ``out``."""
    shape = getattr(out, "shape", None)
    if shape is None:
        shape = xp.shape(out)
    if getattr(t, "shape", ()) == shape:
        return t
    return xp.broadcast_to(t, shape)


def ct_mul(v, partial):
    """``v * partial`` for a tangent or cotangent ``v`` and a partial derivative that may be
    infinite or NaN (``1 / x`` at 0, ``log`` of the arm ``np.where`` did not take): where
    ``v`` is 0 the product is 0, so a zero (co)tangent never becomes NaN; elsewhere it is
    the plain product (a gradient that really is NaN stays NaN)."""
    out = v * partial
    if type(out) is float:
        return 0.0 if v == 0 and not (out - out == 0) else out  # out - out: NaN for inf/NaN
    # a NumPy array: skip the select when every product is finite (a cheap test on the
    # host); on a GPU (xp = cupy) that test would copy a flag to the host, on a Dask array
    # compute the graph: always select there
    if type(out) is xp.ndarray and xp.__name__ == "numpy" and xp.isfinite(out).all():
        return out
    return xp.where(xp.equal(v, 0), xp.zeros((), dtype=xp.result_type(out)), out)


def stop_gradient(x):
    """``x`` itself; every transform gives it a zero derivative (``s2sad.stop_gradient``)."""
    return x


def zeros_like(x):
    """A zero tangent/cotangent for ``x``: same structure, shape and dtype (floats for ints)."""
    if isinstance(x, (tuple, list)):
        items = [zeros_like(v) for v in x]
        return type(x)(*items) if hasattr(x, "_fields") else type(x)(items)
    if isinstance(x, dict):
        return {k: zeros_like(v) for k, v in x.items()}
    if isinstance(x, (bool, int, float)):
        return 0.0
    if x is None or isinstance(x, str):
        return None
    arr = xp.asarray(x)
    dtype = arr.dtype if arr.dtype.kind in "fc" else xp.float64
    return xp.zeros(arr.shape, dtype=dtype)


def tree_add(a, b):
    """Add two cotangents of the same structure (containers leaf by leaf)."""
    if (type(a) is xp.ndarray or type(a) is float) and b is not None:  # the common case
        return a + b
    if a is None:
        return b
    if b is None:
        return a
    if isinstance(a, (tuple, list)):
        items = [tree_add(u, v) for u, v in zip(a, b)]
        return type(a)(*items) if hasattr(a, "_fields") else type(a)(items)
    if isinstance(a, dict):
        return {k: tree_add(a[k], b[k]) for k in a}
    return a + b


# ----------------------------------------------------------------- used by lowered user code


def append(lst, item):
    """``lst.append(item)`` as a value: appends in place and returns the list."""
    lst.append(item)
    return lst


def in_range(i, stop, step):
    """Whether ``i`` is inside ``range(..., stop, step)`` (the test of a lowered for loop)."""
    return i < stop if step > 0 else i > stop


def astype(x, dtype):
    """``x.astype(dtype)``."""
    return xp.asarray(x).astype(dtype)


def item(x):
    """``x.item()``: a Python scalar."""
    return xp.asarray(x).item()


def dtype(x):
    """``x.dtype``."""
    return xp.asarray(x).dtype


# ----------------------------------------------------------------- used by reverse-mode code


def seed(value):
    """The cotangent 1 of a scalar output; a clear error for anything else.

    Like JAX, ``grad`` differentiates real- (or complex-) valued functions only: a
    bool output (``x > 0``, ``np.all(...)``) or an integer one is a ``TypeError``, not
    a zero gradient; an array or a container is a ``ValueError`` naming its shape.
    """
    if type(value) is float:
        return 1.0
    container = isinstance(value, (tuple, list, dict))  # before np.shape: ragged ones raise
    shape = () if container else xp.shape(value)
    if shape != () or container:
        what = f"a {type(value).__name__}" if container else f"an array of shape {shape}"
        raise ValueError(
            f"grad requires a scalar output (a Python number or a 0-d array), but the function "
            f"returned {what}; use jacrev or vjp for non-scalar outputs")
    if isinstance(value, (float, complex)) and not isinstance(value, bool):
        return 1.0
    dtype = value.dtype if isinstance(getattr(value, "dtype", None), xp.dtype) else \
        xp.asarray(value).dtype  # a Dask array's own: asarray would compute it
    if dtype.kind not in "fc":
        raise TypeError(
            f"grad requires a real floating-point scalar output, but the function returned "
            f"{_describe_output(value, dtype)}; {_NOT_FLOAT_HINT.get(dtype.kind, _OTHER_HINT)}")
    return xp.ones((), dtype=dtype)


_OTHER_HINT = "return a float (or a 0-d float array)"
_NOT_FLOAT_HINT = {
    "b": "a comparison (x > 0, np.all, np.any) has no derivative; return a float, or "
         "differentiate the float quantity the comparison tests",
    "i": "integers have no derivative; return a float (e.g. float(n) or x.astype(float))",
    "u": "integers have no derivative; return a float (e.g. float(n) or x.astype(float))",
}


def _describe_output(value, dtype) -> str:
    """``a bool (True)``, ``an int (3)``, ``a numpy.int64 (3)``, ``None``: for errors."""
    if value is None:
        return "None"
    if isinstance(value, bool):
        return f"a bool ({value})"
    if isinstance(value, int):
        return f"an int ({value})"
    if isinstance(value, xp.ndarray):
        return f"an array of shape {value.shape} and dtype {dtype}"
    if dtype.kind == "b":
        return f"a bool ({type(value).__module__}.{type(value).__name__}: {value})"
    return f"a {type(value).__module__}.{type(value).__name__} ({value!r})"


def check_aux(out, name):
    """Nothing when ``out`` is the pair ``(output, aux)`` that a function differentiated
    with ``has_aux=True`` returns; otherwise a ``TypeError`` naming the function and what it
    returned (checked before the generated code splits the pair, as JAX does)."""
    if isinstance(out, (tuple, list)) and len(out) == 2:
        return
    raise TypeError(f"{name} must return a pair (output, aux) when differentiated with "
                    f"has_aux=True, but it returned {_describe_value(out)}")


def _describe_value(value) -> str:
    """``a float (4.0)``, ``a tuple of 3 items``, ``an array of shape (3,) and dtype
    float64``: what a function returned, for errors."""
    if isinstance(value, (tuple, list)):
        n = len(value)
        return f"a {type(value).__name__} of {n} item{'' if n == 1 else 's'}"
    if isinstance(value, dict):
        return "a dict with keys [" + ", ".join(sorted(map(repr, value))) + "]"
    if type(value) in (bool, int, float, complex):
        article = "an" if type(value) is int else "a"
        return f"{article} {type(value).__name__} ({value!r})"
    if hasattr(value, "shape") and hasattr(value, "dtype"):
        if value.shape == () and not isinstance(value, xp.ndarray):  # ``np.sum`` of an array
            return f"a {type(value).__module__}.{type(value).__name__} ({value.item()!r})"
        return f"an array of shape {tuple(value.shape)} and dtype {value.dtype}"
    return "None" if value is None else f"a {type(value).__module__}.{type(value).__qualname__}"


def appended(lst, item):
    """A new list: ``lst`` followed by ``item`` (reverse of ``lst.pop()``)."""
    return list(lst) + [item]


def last(lst):
    """``lst[-1]`` of a list used as a value (a tape read without popping it)."""
    return lst[-1]


def popped(lst):
    """A new list: ``lst`` without its last item (``lst.pop()`` as a value)."""
    return lst[:-1]


def last_or_zeros(g, like):
    """The cotangent of the last item from a list cotangent ``g``: zeros shaped like ``like``
    where that slot holds no cotangent (``None``)."""
    item = g[-1] if g else None
    return zeros_like(like) if item is None else item


def add_at_end(g, v):
    """A new list cotangent: ``g`` with ``v`` added to its last slot."""
    return list(g[:-1]) + [tree_add(g[-1], v)]


def copy_tape(tape):
    """A shallow copy of a tape (so a backward function can run more than once)."""
    return list(tape)


def pop(tape):
    """``tape.pop()``: the most recently recorded value."""
    return tape.pop()


def zero_at(a, index):
    """A copy of the cotangent ``a`` with ``a[index]`` zeroed (reverse of ``x[index] = v``)."""
    out = xp.array(a, copy=True)
    out[index] = 0
    return out


def range_len(start, stop, step):
    """``len(range(start, stop, step))``."""
    return len(range(start, stop, step))


def set_at(a, index, v):
    """A copy of ``a`` with ``a[index] = v`` (tangent of an in-place store)."""
    out = xp.array(a, copy=True)
    out[index] = v
    return out


from .helpers import *  # noqa: E402,F401,F403  (cotangent helpers of the rules)
from .batching import *  # noqa: E402,F401,F403  (helpers of batched code)
from .arrays import *  # noqa: E402,F401,F403  (helpers of array-manipulation rules)
from .linalg import *  # noqa: E402,F401,F403  (helpers of decomposition and FFT rules)
from .special import *  # noqa: E402,F401,F403  (helpers of SciPy rules; SciPy imported lazily)
from .containers import *  # noqa: E402,F401,F403  (helpers of lowered container code)
from .memory import *  # noqa: E402,F401,F403  (helpers of code where arrays share memory)
from .loops import *  # noqa: E402,F401,F403  (helpers of scan and the structured loops)
from .accumulate import *  # noqa: E402,F401,F403  (in-place sums of specialized code)


# ----------------------------------------------------------------- used by Jacobian code


def basis(x):
    """The standard basis of ``x``'s space, as a list of tangents shaped like ``x``."""
    array_like(x, "the function's output")
    if isinstance(x, (bool, int, float)):
        return [1.0]
    arr = xp.asarray(x)
    dtype = arr.dtype if arr.dtype.kind in "fc" else xp.float64
    eye = xp.eye(arr.size, dtype=dtype)
    return [xp.reshape(eye[k], arr.shape) for k in range(arr.size)]


def jacobian_from_columns(columns, out, x):
    """Stack ``J e_k`` (each shaped like ``out``) into ``J`` of shape ``out.shape + x.shape``."""
    array_like(out, "the function's output")
    out_shape, in_shape = xp.shape(out), xp.shape(x)
    if not columns:
        return xp.zeros(out_shape + in_shape)
    stacked = xp.stack([xp.broadcast_to(c, out_shape) for c in columns], axis=-1)
    return xp.reshape(stacked, out_shape + in_shape)


def jacobian_from_rows(rows, out, x):
    """Stack ``J^T e_k`` (each shaped like ``x``) into ``J`` of shape ``out.shape + x.shape``."""
    out_shape, in_shape = xp.shape(out), xp.shape(x)
    if not rows:
        return xp.zeros(out_shape + in_shape)
    stacked = xp.stack([xp.broadcast_to(r, in_shape) for r in rows])
    return xp.reshape(stacked, out_shape + in_shape)


def rows_of(jac, out, x):
    """The inverse of ``jacobian_from_rows``: the list of ``J^T e_k``."""
    flat = xp.reshape(jac, (-1,) + xp.shape(x))
    return [flat[k] for k in range(flat.shape[0])]


def columns_of(jac, out, x):
    """The inverse of ``jacobian_from_columns``: the list of ``J e_k``."""
    out_shape = xp.shape(out)
    flat = xp.reshape(jac, out_shape + (-1,))
    return [flat[..., k] for k in range(flat.shape[-1])]
