"""Helpers that rule templates call (as ``_rt.<name>``).

Templates are straight-line code, so anything that depends on a runtime shape,
a container kind or a static option (``axis``, ``ord``, einsum subscripts)
lives here. Every helper has its own rule in ``rules/runtime.py`` so generated
code can be differentiated again:

- most are linear in their first argument (a tangent or cotangent ``v``); their
  rules are that same helper (forward) and its transpose (reverse);
- a few are piecewise constant (masks, tie weights, counts) and are ``nondiff``;
- ``signed_power`` is elementwise with its own derivative as its partial;
- the einsum family is multilinear; see ``einsum_vjp``.

Array code goes through ``xp`` (numpy; the CuPy backend rebinds it).
"""

from __future__ import annotations

import itertools
import math
import string

import numpy as xp

__all__ = [
    # indexing and containers
    "getitem_vjp", "array_vjp",
    # reductions
    "sum_vjp", "mean_vjp", "extremum_vjp", "cumsum_vjp", "count",
    # elementwise selections
    "greater_weight", "clip_mask", "clip_lo_mask", "clip_hi_mask",
    # norms and powers
    "norm_q", "norm_mask", "signed_power", "pow_base", "sigmoid",
    # products
    "matmul_vjp_x", "matmul_vjp_y", "dot_vjp_a", "dot_vjp_b", "inner_vjp_a", "inner_vjp_b",
    "trace_vjp",
    # shapes
    "reshape_like", "transpose_vjp", "split_like", "unstack_like", "hstack_vjp", "vstack_vjp",
    "tile_vjp",
    # einsum
    "einsum_jvp", "einsum_vjp", "einsum_jvp_dops", "einsum_vjp_dops", "einsum_vjp_all",
    "einsum_higher",
    # complex values (JAX's convention: the cotangent of x + iy is dL/dx - i dL/dy)
    "abs_jvp", "abs_vjp", "complex_only", "angle_jvp", "angle_vjp",
    "real_only",
]


def _float_dtype(*values):
    """The floating dtype a derivative of ``values`` has (float64 for ints and bools)."""
    dt = xp.result_type(*[v if isinstance(v, (float, int, bool)) else _array(v).dtype
                          for v in values if v is not None])
    return dt if dt.kind in "fc" else xp.dtype(xp.float64)


def _array(v):
    """``v`` itself when it is an array of some library (a NumPy, CuPy or Dask array: it
    has ``ndim`` and a dtype), else ``xp.asarray(v)``: a Dask array is never gathered
    into one NumPy array here (which ``asarray`` would do, computing it)."""
    if isinstance(getattr(v, "dtype", None), xp.dtype) and hasattr(v, "ndim"):
        return v
    return xp.asarray(v)


# the package defines these before it imports this module (at its end)
from . import unbroadcast as _unbroadcast, zeros_like as _zeros_like  # noqa: E402


def _axes(axis, ndim):
    if axis is None:
        return tuple(range(ndim))
    axes = axis if isinstance(axis, (tuple, list)) else (axis,)
    return tuple(sorted(a % ndim for a in axes))


# --------------------------------------------------------------------------- indexing, containers


def getitem_vjp(g, x, index):
    """Cotangent of ``x`` for ``out = x[index]``: zeros with ``g`` added at ``index``.

    Repeated integer indices accumulate (``np.add.at``); containers give a
    container of zeros with ``g`` at the key (or slice).
    """
    if (type(x) is xp.ndarray and type(g) is xp.ndarray and g.dtype == x.dtype
            and x.dtype.kind in "fc" and (type(index) is slice or type(index) is int)):
        out = xp.zeros_like(x)  # the common case (a slice or an element of a float array)
        out[index] = g
        return out
    if isinstance(x, dict):
        out = {k: _zeros_like(v) for k, v in x.items()}
        out[index] = g
        return out
    if isinstance(x, (tuple, list)):
        out = [_zeros_like(v) for v in x]
        out[index] = g
        return type(x)(*out) if hasattr(x, "_fields") else type(x)(out)
    x = xp.asarray(x)
    out = xp.zeros(x.shape, dtype=_float_dtype(x, g))
    if type(index) is slice or type(index) is int:  # basic: no repeated elements
        out[index] = g
    elif _has_array_index(index):
        xp.add.at(out, index, g)
    else:
        out[index] += g
    return out


def _has_array_index(index) -> bool:
    items = index if isinstance(index, tuple) else (index,)
    return any(isinstance(i, (list, xp.ndarray)) and xp.asarray(i).dtype != bool
               for i in items)


def array_vjp(g, obj):
    """Cotangent of a (nested) list given to ``np.array``: ``g`` cut back into its structure."""
    if isinstance(obj, (list, tuple)):
        return type(obj)(array_vjp(g[i], v) for i, v in enumerate(obj))
    return g


# --------------------------------------------------------------------------- reductions


def sum_vjp(g, a, axis=None, keepdims=False):
    """Broadcast the cotangent of ``sum(a, axis)`` back to ``a``'s shape."""
    shape = xp.shape(a)
    if not keepdims and shape and (axis is not None or xp.ndim(g) < len(shape)):
        g = xp.expand_dims(g, _axes(axis, len(shape)))
    if type(a) is not xp.ndarray and type(g) is not type(a) and hasattr(a, "__array_function__"):
        # ``a`` of another library (a Dask array): broadcast in its terms, or a host array
        # of ``a``'s size would be built into its graph
        g = xp.asarray(g, like=a)
    return xp.broadcast_to(g, shape)


def count(a, axis=None):
    """How many elements a reduction over ``axis`` combines."""
    shape = xp.shape(a)
    n = 1
    for ax in _axes(axis, len(shape)):
        n *= shape[ax]
    return n


def mean_vjp(g, a, axis=None, keepdims=False):
    """Cotangent of ``mean(a, axis)``: ``g`` spread evenly back over ``a``."""
    return sum_vjp(g, a, axis, keepdims) / count(a, axis)


def extremum_vjp(g, a, value, axis=None, keepdims=False):
    """Cotangent of ``max``/``min``: split evenly among the elements that attain ``value``."""
    a = _array(a)
    if not keepdims and axis is not None:
        value = xp.expand_dims(value, _axes(axis, a.ndim))
        g = xp.expand_dims(g, _axes(axis, a.ndim))
    mask = a == value
    n = xp.sum(mask, axis=_axes(axis, a.ndim), keepdims=True)
    return xp.where(mask, g / n, 0).astype(_float_dtype(a, g), copy=False)


def cumsum_vjp(g, axis=None, like=None):
    """Cotangent of ``cumsum(a, axis)``: a reversed cumulative sum (shaped like ``a``)."""
    if axis is None:
        flat = xp.ravel(g)
        return xp.reshape(xp.flip(xp.cumsum(xp.flip(flat))), xp.shape(like))
    return xp.flip(xp.cumsum(xp.flip(g, axis), axis), axis)


# ------------------------------------------------------------------------- elementwise selections


def sigmoid(d):
    """``1 / (1 + exp(-d))``, the derivative of ``logaddexp`` in the larger-by-``d`` input.

    To full relative precision in both tails: for ``d`` far below 0, ``exp(-d)`` is large
    and ``1 / (1 + exp(-d))`` its accurate reciprocal, down to the smallest normal float
    (below ``d = -709.78``, where ``exp(-d)`` is inf, 0 for a subnormal).
    A NumPy array computes just that (4 passes), with the overflow's warning silenced;
    anything else (a Python number, a lazy Dask array that warns when computed, not
    here) goes through ``e = exp(-|d|)``, which never overflows: ``1 / (1 + e)`` for
    ``d >= 0`` and ``e / (1 + e)`` below. A Python float for a Python number. It does not
    read ``logaddexp``'s own value, so a gradient that does not return the value never
    computes it (two logarithms, one exponential per element).
    """
    if type(d) is xp.ndarray:
        with xp.errstate(over="ignore"):
            return 1.0 / (1.0 + xp.exp(-d))
    if isinstance(d, (float, int)) and not isinstance(d, bool):
        e = math.exp(-abs(d))
        return (1.0 if d >= 0 else e) / (1.0 + e)
    e = xp.exp(-xp.abs(d))
    return xp.where(d >= 0, 1.0, e) / (1.0 + e)


def greater_weight(a, b, like):
    """The derivative of ``max(a, b)`` in ``a``: 1 where ``a > b``, 1/2 on ties (as JAX), else 0.

    Shaped like ``a > b``, in ``like``'s floating dtype; a Python float for Python numbers.
    """
    if isinstance(like, float) and xp.ndim(a) == 0 and xp.ndim(b) == 0:
        return 1.0 if a > b else 0.5 if a == b else 0.0
    w = xp.where(xp.greater(a, b), 1.0, xp.where(xp.equal(a, b), 0.5, 0.0))
    return w.astype(_float_dtype(like), copy=False)


def _clip_parts(a, lo, hi):
    """``clip`` is ``minimum(maximum(a, lo), hi)``: the masks of where each input passes."""
    m = a if lo is None else xp.maximum(a, lo)
    below = xp.zeros((), bool) if lo is None else xp.less(a, lo)
    above = xp.zeros((), bool) if hi is None else xp.greater(m, hi)
    shape = xp.broadcast_shapes(*(xp.shape(v) for v in (a, lo, hi) if v is not None))
    return below, above, shape, _float_dtype(a, lo, hi)


def clip_mask(a, lo, hi):
    """1 where ``clip(a, lo, hi)`` passes ``a`` through, 0 where it clamps."""
    below, above, shape, dt = _clip_parts(a, lo, hi)
    return xp.broadcast_to(~(below | above), shape).astype(dt)


def clip_lo_mask(a, lo, hi):
    """1 where ``clip(a, lo, hi)`` is ``lo``."""
    below, above, shape, dt = _clip_parts(a, lo, hi)
    return xp.broadcast_to(below & ~above, shape).astype(dt)


def clip_hi_mask(a, lo, hi):
    """1 where ``clip(a, lo, hi)`` is ``hi``."""
    below, above, shape, dt = _clip_parts(a, lo, hi)
    return xp.broadcast_to(above, shape).astype(dt)


# --------------------------------------------------------------------------- norms
#
# |x|_p = (sum |x|^p)^(1/p), so d|x|_p = sum(sign(x) |x|^q t) / |x|_p^q with q = p - 1:
# q = 1 for the 2-norm and Frobenius (x t / |x|), q = 0 for p = 1 (sign(x) t) and for
# p = +-inf, where a mask keeps the (tied) extreme entries only.


def _matrix_axes(x, ord, axis):
    """The (row, column) axes of a matrix norm, or None for a vector norm."""
    ndim = xp.ndim(x)
    if isinstance(axis, (tuple, list)) and len(axis) == 2:
        return axis[0] % ndim, axis[1] % ndim
    if axis is None and ord is not None and ndim == 2:
        return 0, 1
    return None


def norm_q(x, ord, axis):
    """The exponent ``q = p - 1`` of ``np.linalg.norm(x, ord, axis)``'s derivative."""
    if _matrix_axes(x, ord, axis) is not None:
        if ord in (None, "fro"):
            return 1.0
        if ord in (1, -1, xp.inf, -xp.inf, 2, -2, "nuc"):  # spectral ones: see norm_mask
            return 0.0
        raise NotImplementedError(f"the derivative of the matrix norm ord={ord!r} is not "
                                  f"supported (supported: None, 'fro', 1, -1, inf, -inf, 2, "
                                  f"-2, 'nuc')")
    if ord is None or ord == 2:
        return 1.0
    if ord in (0, xp.inf, -xp.inf):
        return 0.0
    if isinstance(ord, str):
        raise ValueError(f"invalid norm order {ord!r} for vectors")
    return float(ord) - 1.0


def norm_mask(x, value, ord, axis, keepdims):
    """Which entries a norm's derivative reaches: all (1.0), none (ord 0), or the extreme ones.

    For ``ord=+-inf`` the weight is split evenly among tied extreme entries (as JAX splits
    ``max``); matrix ``ord=+-1`` / ``+-inf`` do the same on column / row sums.
    """
    rc = _matrix_axes(x, ord, axis)
    if ord is None or ord == "fro" or (rc is None and ord not in (0, xp.inf, -xp.inf)):
        return 1.0
    x = xp.asarray(x)
    if rc is None and ord == 0:
        return xp.zeros(x.shape, _float_dtype(x))
    if rc is None:  # vector +-inf
        return extremum_vjp(xp.ones(xp.shape(value), _float_dtype(x)), xp.abs(x), value, axis,
                            keepdims)
    if ord in (2, -2, "nuc"):  # functions of the singular values: no entrywise part
        return 0.0  # (runtime/linalg.py spectral_jvp/spectral_vjp give their derivative)
    if ord not in (1, -1, xp.inf, -xp.inf):
        norm_q(x, ord, axis)  # raises the clear error
    row, col = rc
    summed, reduced = (row, col) if ord in (1, -1) else (col, row)
    sums = xp.sum(xp.abs(x), axis=summed, keepdims=True)
    if not keepdims:
        value = xp.expand_dims(value, tuple(sorted((row, col))))
    w = extremum_vjp(xp.ones(xp.shape(value), _float_dtype(x)), sums, value, reduced, True)
    return xp.broadcast_to(w, x.shape)


def _falling(q, k):
    c = 1.0
    for j in range(k):
        c *= q - j
    return c


def signed_power(x, q, k, odd):
    """The ``k``-th derivative of ``sign(x) |x|^q`` (``odd``) or of ``|x|^q`` (not ``odd``).

    ``(q)_k sign(x)^((odd + k) % 2) |x|^(q - k)`` with the falling factorial ``(q)_k``;
    its derivative is ``signed_power(x, q, k + 1, odd)``, so the rule is closed.
    ``signed_power(x, 1, 0, True)`` is ``x`` itself.
    """
    x = xp.asarray(x) if isinstance(x, (list, tuple)) else x  # array_like, as NumPy reads it
    c = _falling(q, k)
    e = q - k
    signed = (int(bool(odd)) + k) % 2 == 1
    if c == 0.0:
        return xp.zeros(xp.shape(x), _float_dtype(x))
    if e == 1.0 and signed:
        base = x
    elif e == 1.0:
        base = xp.abs(x)
    elif e == 0.0:
        base = xp.sign(x) if signed else xp.ones(xp.shape(x), _float_dtype(x))
    else:
        with xp.errstate(divide="ignore", invalid="ignore"):
            base = xp.abs(x) ** e
        if signed:
            base = xp.sign(x) * base
    return base if c == 1.0 else c * base


def pow_base(x, y):
    """The base of ``x ** y``'s partial in ``x``, ``y * pow_base(x, y) ** (y - 1)``: ``x``
    itself, read as 1 where ``x == y == 0``.

    There ``x ** 0 = 1`` is constant (derivative 0), but ``0 * 0 ** -1`` is NaN (on Python
    floats a ZeroDivisionError). Only that point changes, so the derivative in ``y`` at
    ``y = 0``, ``x != 0`` (``1/x``) stays right. The result is a NumPy value (a list is read
    as an array, as NumPy reads it), so ``0 ** negative`` is ``inf`` (a true infinite
    derivative), never an exception. A nonzero scalar ``y`` (``x ** 2``) costs nothing.
    Its rule (rules/operators.py) is the identity in ``x``.
    """
    if xp.ndim(y) == 0 and y != 0:
        if isinstance(x, xp.ndarray):
            return x
        return xp.asarray(x, dtype=_float_dtype(x))[()]
    return xp.where(xp.logical_and(xp.equal(x, 0), xp.equal(y, 0)), 1.0, x)


# --------------------------------------------------------------------------- products


def matmul_vjp_x(g, x, y):
    """Cotangent of ``x`` in ``x @ y`` (handles 1-d operands and batching)."""
    if xp.ndim(x) == 0 or xp.ndim(y) == 0:  # np.dot with a number (Python floats stay weak)
        return _unbroadcast(xp.multiply(g, y), x)
    x, y, g = _array(x), _array(y), _array(g)
    if y.ndim == 1:
        gy = g[..., None] * y if x.ndim > 1 else g * y
        return _unbroadcast(gy, x)
    if x.ndim == 1:
        return _unbroadcast(y @ g[..., :, None], x[:, None])[..., 0] if g.ndim > 1 else y @ g
    return _unbroadcast(g @ xp.swapaxes(y, -1, -2), x)


def matmul_vjp_y(g, x, y):
    """Cotangent of ``y`` in ``x @ y`` (handles 1-d operands and batching)."""
    if xp.ndim(x) == 0 or xp.ndim(y) == 0:
        return _unbroadcast(xp.multiply(g, x), y)
    x, y, g = _array(x), _array(y), _array(g)
    if x.ndim == 1:
        gx = x[:, None] * g[..., None, :] if y.ndim > 1 else g * x
        return _unbroadcast(gx, y)
    if y.ndim == 1:
        return _unbroadcast(xp.swapaxes(x, -1, -2) @ g[..., :, None], y[:, None])[..., 0] \
            if g.ndim > 1 else x.T @ g
    return _unbroadcast(xp.swapaxes(x, -1, -2) @ g, y)


def _labels(n, start=0):
    return string.ascii_letters[start:start + n]


def _dot_labels(a, b):
    """einsum labels of ``np.dot(a, b)`` (both at least 1-d): a, b, out."""
    na, nb = xp.ndim(a), xp.ndim(b)
    la = _labels(na)
    k = la[-1]
    if nb == 1:
        lb = k
    else:
        rest = _labels(nb - 1, na)
        lb = rest[:-1] + k + rest[-1]
    return la, lb, la[:-1] + lb.replace(k, "")


def _inner_labels(a, b):
    na, nb = xp.ndim(a), xp.ndim(b)
    la = _labels(na)
    lb = _labels(nb - 1, na) + la[-1]
    return la, lb, la[:-1] + lb[:-1]


def dot_vjp_a(g, a, b):
    """Cotangent of ``a`` in ``np.dot(a, b)`` (any dimensions)."""
    if xp.ndim(a) == 0 or xp.ndim(b) == 0 or (xp.ndim(a) <= 2 and xp.ndim(b) <= 2):
        return matmul_vjp_x(g, a, b)
    la, lb, lo = _dot_labels(a, b)
    return xp.einsum(f"{lo},{lb}->{la}", g, b)


def dot_vjp_b(g, a, b):
    """Cotangent of ``b`` in ``np.dot(a, b)`` (any dimensions)."""
    if xp.ndim(a) == 0 or xp.ndim(b) == 0 or (xp.ndim(a) <= 2 and xp.ndim(b) <= 2):
        return matmul_vjp_y(g, a, b)
    la, lb, lo = _dot_labels(a, b)
    return xp.einsum(f"{la},{lo}->{lb}", a, g)


def inner_vjp_a(g, a, b):
    """Cotangent of ``a`` in ``np.inner(a, b)`` (a sum over the last axes)."""
    if xp.ndim(a) == 0 or xp.ndim(b) == 0:
        return _unbroadcast(xp.multiply(g, b), a)
    la, lb, lo = _inner_labels(a, b)
    return xp.einsum(f"{lo},{lb}->{la}", g, b)


def inner_vjp_b(g, a, b):
    """Cotangent of ``b`` in ``np.inner(a, b)``."""
    if xp.ndim(a) == 0 or xp.ndim(b) == 0:
        return _unbroadcast(xp.multiply(g, a), b)
    la, lb, lo = _inner_labels(a, b)
    return xp.einsum(f"{la},{lo}->{lb}", a, g)


def trace_vjp(g, a, offset=0, axis1=0, axis2=1):
    """Cotangent of ``trace(a)``: ``g`` on the (offset) diagonal, zeros elsewhere."""
    a = xp.asarray(a)
    out = xp.zeros(a.shape, dtype=_float_dtype(a, g))
    moved = xp.moveaxis(out, (axis1, axis2), (-2, -1))
    n, m = moved.shape[-2:]
    rows = xp.arange(max(0, -offset), min(n, m - offset))
    moved[..., rows, rows + offset] = xp.asarray(g)[..., None]
    return out


# --------------------------------------------------------------------------- shapes


def reshape_like(g, x):
    """``g`` reshaped to ``x``'s shape (the cotangent of a reshape/ravel/squeeze)."""
    return xp.reshape(g, xp.shape(x))


def transpose_vjp(g, axes=None):
    """Cotangent of ``transpose(a, axes)``: the inverse permutation."""
    if axes is None:
        return xp.transpose(g)
    nd = xp.ndim(g)
    inverse = sorted(range(len(axes)), key=lambda i: axes[i] % nd)  # host ints, no array
    return xp.transpose(g, tuple(inverse))


def _split(g, arrays, axis, shapes_in):
    """``g`` cut along ``axis`` into pieces of ``shapes_in``'s sizes, reshaped like ``arrays``."""
    sizes = [s[axis] for s in shapes_in]
    cuts = list(itertools.accumulate(sizes))[:-1]  # host ints: no array round trip
    parts = [xp.reshape(p, xp.shape(a)) for p, a in zip(xp.split(g, cuts, axis=axis), arrays)]
    return type(arrays)(parts) if isinstance(arrays, (list, tuple)) else parts


def split_like(g, arrays, axis=0):
    """Cotangents of ``concatenate(arrays, axis)`` (``axis=None`` concatenates flattened)."""
    if axis is None:
        return _split(xp.ravel(g), arrays, 0, [(xp.size(a),) for a in arrays])
    return _split(g, arrays, axis, [xp.shape(a) for a in arrays])


def hstack_vjp(g, arrays):
    """Cotangents of ``hstack(arrays)``: 1-d pieces along axis 0, others along axis 1."""
    shapes = [xp.shape(xp.atleast_1d(a)) for a in arrays]
    return _split(g, arrays, 0 if len(shapes[0]) == 1 else 1, shapes)


def vstack_vjp(g, arrays):
    """Cotangents of ``vstack(arrays)``: pieces along axis 0, 1-d arrays as rows."""
    return _split(g, arrays, 0, [xp.shape(xp.atleast_2d(a)) for a in arrays])


def unstack_like(g, arrays, axis=0):
    """Cotangents of ``stack(arrays, axis)``."""
    parts = [xp.take(g, i, axis=axis) for i in range(len(arrays))]
    return type(arrays)(parts) if isinstance(arrays, (list, tuple)) else parts


def tile_vjp(g, a, reps):
    """Cotangent of ``tile(a, reps)``: the sum of ``g``'s tiles."""
    a_shape = xp.shape(a)
    reps = (reps,) if xp.ndim(reps) == 0 else tuple(reps)
    nd = max(len(a_shape), len(reps))
    a_full = (1,) * (nd - len(a_shape)) + tuple(a_shape)
    reps = (1,) * (nd - len(reps)) + reps
    inter = []
    for r, n in zip(reps, a_full):
        inter += [r, n]
    summed = xp.reshape(g, inter).sum(axis=tuple(range(0, 2 * nd, 2)))
    return xp.reshape(summed, a_shape)


# --------------------------------------------------------------------------- einsum
#
# einsum is multilinear. Write S(x0, x1, ..., xn) = <x0, einsum(x1, ..., xn)>, with slot 0
# the output's cotangent. Every derivative is the gradient of S in one slot with other slots
# substituted, which is again an einsum (its subscripts permuted), then spread back over
# repeated labels (a diagonal), summed labels (broadcast) and size-1 (broadcast) axes.
#
#   einsum_jvp(v, s, ops, i)        = einsum(ops with ops[i] -> v)              tangent
#   einsum_vjp(v, s, ops, i)        = dS/d slot i+1 with slot 0 = v              cotangent
#   einsum_jvp_dops(v, s, ops, T, i) = sum_{k!=i} einsum(ops[i -> v, k -> T[k]])
#   einsum_vjp_dops(v, s, ops, T, i) = sum_{k!=i} einsum_vjp(v, s, ops[k -> T[k]], i)
#   einsum_vjp_all(v, s, ops, w, i) = (einsum_vjp(v, s, ops[i -> w], k) for k != i; 0 at i)
#
# ``subscripts`` is the subscripts string and ``operands`` the arrays, or ``subscripts`` is None
# and ``operands`` is np.einsum's whole positional argument list (what generated code passes):
# ``(spec, x0, x1, ...)`` or the interleaved ``(x0, sub0, x1, sub1, ..., [out])``. ``i`` and
# the entries of ``T`` are positions in ``operands``; other entries of ``T`` are ignored.
#
# These five are closed under jvp and vjp in v, T and w (rules/runtime.py). Their derivative
# in ``ops`` itself is zero with two operands or fewer (every slot is then substituted);
# ``einsum_higher`` returns that zero and refuses clearly with three or more.

# NumPy's C einsum names sublist labels 0-25 'A'-'Z' and 26-51 'a'-'z': the implicit output
# (labels sorted by character) then comes out in the integers' order, as NumPy's does.
_SUBLIST_LETTERS = string.ascii_uppercase + string.ascii_lowercase


def _sublist_subscripts(sub) -> str:
    return "".join("..." if s is Ellipsis else _SUBLIST_LETTERS[int(s)] for s in sub)


def _einsum_form(subscripts, operands):
    """``(spec, arrays, positions)``: the subscripts string, the array operands and where
    each array sits in ``operands`` (see the table above)."""
    if subscripts is None and isinstance(operands[0], str):
        return operands[0], list(operands[1:]), list(range(1, len(operands)))
    if subscripts is None:  # interleaved: operand, sublist, operand, sublist, ..., [output]
        n = len(operands) // 2
        spec = ",".join(_sublist_subscripts(operands[2 * k + 1]) for k in range(n))
        if len(operands) % 2:
            spec += "->" + _sublist_subscripts(operands[-1])
        return spec, [operands[2 * k] for k in range(n)], [2 * k for k in range(n)]
    if not isinstance(subscripts, str):
        raise NotImplementedError("the derivative of einsum needs its subscripts as a string "
                                  "(or subscripts=None and np.einsum's whole argument list)")
    return subscripts, list(operands), list(range(len(operands)))


def _einsum_call(subscripts, operands):
    return xp.einsum(*operands) if subscripts is None else xp.einsum(subscripts, *operands)


def _einsum_labels(subscripts, shapes):
    """Explicit labels per operand and for the output: '...' expanded, implicit output named."""
    s = subscripts.replace(" ", "")
    ins, out = s.split("->") if "->" in s else (s, None)
    parts = ins.split(",")
    if len(parts) != len(shapes):
        raise ValueError(f"einsum subscripts {subscripts!r} do not match {len(shapes)} operands")
    free = [c for c in string.ascii_letters if c not in s]
    nell = max([len(shape) - (len(p) - 3) for p, shape in zip(parts, shapes) if "..." in p],
               default=0)
    ell = "".join(free[:nell])
    labels = []
    for p, shape in zip(parts, shapes):
        k = len(shape) - (len(p) - 3)
        labels.append(p.replace("...", ell[nell - k:] if k else "") if "..." in p else p)
    if out is None:
        letters = ins.replace("...", "").replace(",", "")
        out = ell + "".join(sorted(c for c in set(letters) if letters.count(c) == 1))
    else:
        out = out.replace("...", ell)
    return labels, out


def _slot_grad(labels, arrays, j, shape):
    """Gradient of ``<arrays[0], einsum(arrays[1:])>`` in slot ``j`` (shaped ``shape``)."""
    target = labels[j]
    others = [k for k in range(len(labels)) if k != j]
    known = set("".join(labels[k] for k in others))
    uniq = "".join(dict.fromkeys(target))
    kept = "".join(c for c in uniq if c in known)
    spec = ",".join(labels[k] for k in others) + "->" + kept
    res = xp.einsum(spec, *[arrays[k] for k in others])
    size = {c: shape[target.index(c)] for c in uniq}
    # axes of size 1 in this slot that broadcast against larger ones: sum them back
    shrink = tuple(a for a, c in enumerate(kept) if size[c] == 1 and res.shape[a] != 1)
    if shrink:
        res = xp.sum(res, axis=shrink, keepdims=True)
    # labels that appear nowhere else were summed over: the gradient is constant along them
    for a, c in enumerate(uniq):
        if c not in known:
            res = xp.expand_dims(res, a)
    res = xp.broadcast_to(res, tuple(size[c] for c in uniq))
    if len(uniq) == len(target):
        return res
    # repeated labels (a diagonal such as 'ii'): place the values on that diagonal
    full = xp.zeros(shape, dtype=res.dtype)
    grid = xp.indices(res.shape, sparse=True)
    full[tuple(grid[uniq.index(c)] for c in target)] = res
    return full


class _Einsum:
    """One einsum call read once: its slots' labels (slot 0 is the output) and arrays."""

    def __init__(self, v, subscripts, operands):
        spec, self.arrays, self.positions = _einsum_form(subscripts, operands)
        labels, out = _einsum_labels(spec, [xp.shape(a) for a in self.arrays])
        self.labels = [out] + labels
        self.v = v

    def grad(self, i, replace=None):
        """The cotangent of the array at position ``i`` with arrays at positions ``replace``
        (a dict position -> array) substituted."""
        arrays = [self.v] + self.arrays
        for k, a in (replace or {}).items():
            arrays[self.positions.index(k) + 1] = a
        j = self.positions.index(i)
        return _slot_grad(self.labels, arrays, j + 1, xp.shape(self.arrays[j]))


def einsum_jvp(v, subscripts, operands, i):
    """Tangent of ``einsum`` from operand ``i``: the same contraction with ``v`` in its place."""
    ops = list(operands)
    ops[i] = v
    return _einsum_call(subscripts, ops)


def einsum_vjp(v, subscripts, operands, i):
    """Cotangent of operand ``i`` of ``einsum(subscripts, *operands)`` given ``v`` for the output.

    Operand ``i`` itself only gives its shape.
    """
    return _Einsum(v, subscripts, operands).grad(i)


def _others(subscripts, operands, tans, i):
    """Positions of the arrays other than ``i`` whose tangent in ``tans`` is not None."""
    return [k for k in _einsum_form(subscripts, operands)[2] if k != i and tans[k] is not None]


def einsum_jvp_dops(v, subscripts, operands, tans, i):
    """``sum_{k != i} einsum(operands with [i] -> v, [k] -> tans[k])``."""
    total = None
    for k in _others(subscripts, operands, tans, i):
        ops = list(operands)
        ops[i], ops[k] = v, tans[k]
        term = _einsum_call(subscripts, ops)
        total = term if total is None else total + term
    if total is None:
        return xp.zeros_like(einsum_jvp(v, subscripts, operands, i))
    return total


def einsum_vjp_dops(v, subscripts, operands, tans, i):
    """``sum_{k != i} einsum_vjp(v, subscripts, operands with [k] -> tans[k], i)``."""
    e = _Einsum(v, subscripts, operands)
    total = None
    for k in _others(subscripts, operands, tans, i):
        term = e.grad(i, {k: tans[k]})
        total = term if total is None else total + term
    if total is None:
        return xp.zeros(xp.shape(operands[i]), _float_dtype(v, operands[i]))
    return total


def einsum_vjp_all(v, subscripts, operands, w, i):
    """The cotangents of every operand but ``i`` of ``einsum(operands with [i] -> w)``.

    Shaped like ``operands``: zeros at ``i`` and at entries that are no arrays (the
    subscripts string: None; a sublist: zeros like it).
    """
    e = _Einsum(v, subscripts, operands)
    parts = [_zeros_like(o) for o in operands]
    for k in e.positions:
        parts[k] = (e.grad(k, {i: w}) if k != i
                    else xp.zeros(xp.shape(operands[k]), _float_dtype(v, w)))
    return type(operands)(parts) if isinstance(operands, (list, tuple)) else tuple(parts)


def einsum_higher(like, operands):
    """The derivative of an einsum helper in the operands themselves: zero for two operands
    or fewer; not supported (a clear error) beyond. ``operands`` as the helpers get it with
    ``subscripts=None`` (np.einsum's argument list), or a tuple of arrays."""
    n = len(operands)
    if n and (isinstance(operands[0], str) or _is_sublist(operands[1] if n > 1 else None)):
        n = len(_einsum_form(None, operands)[1])
    if n > 2:
        raise NotImplementedError(
            "third and higher derivatives through einsum with more than two operands are not "
            "supported; split it into two-operand einsums")
    return _zeros_like(like)


def _is_sublist(x) -> bool:
    """An einsum sublist: a list or tuple of ints and Ellipsis (not of floats)."""
    return isinstance(x, (list, tuple)) and all(
        s is Ellipsis or (isinstance(s, (int, xp.integer)) and not isinstance(s, bool))
        for s in x)


# --------------------------------------------------------------------------- complex values
# JAX's convention (rules/linalg.py): the cotangent of z = x + iy is dL/dx - i dL/dy, paired
# with a tangent as <g, v> = Re sum(g v). A real value's cotangent may carry an imaginary
# part that means nothing (a real x times a complex constant gets one): rules from complex
# inputs to real outputs read Re(g) only. Real inputs take the first branch: the code and
# numbers real programs had before complex support.


def _conj_unit(x):
    """conj(x) / |x| of a complex ``x``, 0 where ``x == 0`` (the subgradient JAX picks)."""
    a = xp.abs(x)
    zero = a == 0
    return xp.where(zero, 0.0, xp.conj(x) / xp.where(zero, 1.0, a))


def abs_jvp(v, x):
    """Tangent of ``|x|`` in the direction ``v``: ``v sign(x)`` for real ``x``;
    ``Re(conj(x) v) / |x|`` for complex ``x`` (0 at 0). Linear in ``v``; ``abs_vjp`` is its
    transpose."""
    if not xp.iscomplexobj(x):
        return v * xp.sign(x)
    return xp.real(_conj_unit(x) * v)


def abs_vjp(w, x):
    """Cotangent of ``x`` from the cotangent ``w`` of ``|x|``: ``w sign(x)`` for real ``x``;
    ``Re(w) conj(x) / |x|`` for complex ``x`` (0 at 0). Linear in ``w``; ``abs_jvp`` is its
    transpose."""
    if not xp.iscomplexobj(x):
        return w * xp.sign(x)
    return xp.real(w) * _conj_unit(x)


def complex_only(v, like):
    """``v`` where ``like`` is complex; real zeros shaped like ``v`` where it is real (a
    derivative that only complex inputs have: ``imag``, ``angle``, the curvature of ``abs``).
    Linear in ``v`` and its own transpose."""
    if xp.iscomplexobj(like):
        return v
    return xp.zeros_like(xp.real(v))


def _angle_factor(deg):
    return 57.29577951308232 if deg else 1.0  # 180 / pi


def angle_jvp(v, z, deg=False):
    """Tangent of ``angle(z)`` in the direction ``v``: ``Im(v / z)`` (degrees if ``deg``);
    0 for real ``z`` (0 or pi, locally constant). Linear in ``v``; ``angle_vjp`` is its
    transpose."""
    if not xp.iscomplexobj(z):
        return xp.zeros_like(xp.real(v * z))
    return xp.imag(v / z) * _angle_factor(deg)


def angle_vjp(w, z, deg=False):
    """Cotangent of ``z`` from the cotangent ``w`` of ``angle(z)``: ``-i Re(w) / z``
    (degrees if ``deg``); 0 for real ``z``. Linear in ``w``; ``angle_jvp`` is its
    transpose."""
    if not xp.iscomplexobj(z):
        return xp.zeros_like(xp.real(w * z))
    return (-1j * _angle_factor(deg)) * xp.real(w) / z


def real_only(v, x, what):
    """``v`` unchanged where ``x`` is real; a clear ``TypeError`` where ``x`` is complex.

    Rules whose derivative is not done for complex inputs yet (``np.sign``,
    ``np.linalg.norm``) call it so a complex input is refused, never given a wrong
    derivative. Linear in ``v`` and its own transpose."""
    if xp.iscomplexobj(x):
        raise TypeError(f"{what} of complex input is not differentiated by s2sad yet "
                        f"(dtype {xp.asarray(x).dtype})")
    return v
