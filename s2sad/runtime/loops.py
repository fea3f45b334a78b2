"""Helpers of structured loops (``s2sad.scan``, ``fori_loop``, ``while_loop``).

The loops themselves are plain Python in ``s2sad/loop_bodies.py``; these helpers do
what depends on the pytree structure of a carry or of the scanned sequence ``xs``
(tuples, lists, dicts of arrays and floats; ``None`` for no sequence). Each is a
primitive with rules in ``rules/loops.py``: linear in the data it moves, so the
derivative loops move cotangents the same way.
"""

from __future__ import annotations

import math

import numpy as xp

__all__ = ["scan_length", "segment_length", "leaf_at", "leaf_at_vjp", "same_carry",
           "stack_steps", "unstack_steps", "reverse_steps", "join_segments",
           "split_segments", "converged", "newton_step", "newton_step_t"]


def _is_node(x) -> bool:
    return isinstance(x, (tuple, list, dict))


def _map(fn, tree):
    """``fn`` on every leaf of ``tree`` (``None`` stays ``None``)."""
    if tree is None:
        return None
    if isinstance(tree, dict):
        return {k: _map(fn, v) for k, v in tree.items()}
    if isinstance(tree, (tuple, list)):
        items = [_map(fn, v) for v in tree]
        return type(tree)(*items) if hasattr(tree, "_fields") else type(tree)(items)
    return fn(tree)


def _paths(tree, path: str = "") -> list[tuple[str, object]]:
    """``(path, leaf)`` pairs: ``[0]['w']`` names a leaf the way the user indexes it."""
    if tree is None:
        return []
    if isinstance(tree, dict):
        return [p for k in tree for p in _paths(tree[k], f"{path}[{k!r}]")]
    if isinstance(tree, (tuple, list)):
        return [p for i, v in enumerate(tree) for p in _paths(v, f"{path}[{i}]")]
    return [(path, tree)]


def _zip(fn, trees: list):
    """``fn([leaf of each tree])`` for trees of one structure (the first one's)."""
    first = trees[0]
    if first is None:
        return None
    if isinstance(first, dict):
        return {k: _zip(fn, [t[k] for t in trees]) for k in first}
    if isinstance(first, (tuple, list)):
        items = [_zip(fn, [t[i] for t in trees]) for i in range(len(first))]
        return type(first)(*items) if hasattr(first, "_fields") else type(first)(items)
    return fn(trees)


# --------------------------------------------------------------------------- lengths


def scan_length(xs, length):
    """The number of steps of ``scan(f, init, xs, length)``: the common leading length of
    ``xs``'s leaves, or ``length`` (which must agree with them when both are given)."""
    leaves = _paths(xs, "xs")
    if not leaves:
        if length is None:
            raise ValueError("scan needs `length` when `xs` is None (or has no arrays)")
        return _count(length)
    sizes = []
    for path, leaf in leaves:
        shape = xp.shape(leaf)
        if not shape:
            raise ValueError(f"scan slices `xs` along axis 0, but {path} is a scalar")
        sizes.append((path, shape[0]))
    if len({n for _, n in sizes}) > 1:
        listed = ", ".join(f"{p} has {n}" for p, n in sizes)
        raise ValueError(f"scan needs every leaf of `xs` to have the same leading length: "
                         f"{listed}")
    n = sizes[0][1]
    if length is not None and _count(length) != n:
        raise ValueError(f"scan got length={length} but `xs` has leading length {n}")
    return n


def _count(length) -> int:
    if isinstance(length, bool) or not isinstance(length, (int, xp.integer)) or length < 0:
        raise ValueError(f"scan's `length` must be a non-negative int, not {length!r}")
    return int(length)


def segment_length(n: int, every) -> int:
    """Steps per checkpointed segment: ``every`` (an int ≥ 1) or ``"sqrt"`` (⌈√n⌉, which
    balances the carries kept, n/k, against the steps taped while a segment is re-run, k)."""
    if every == "sqrt":
        return max(1, math.isqrt(max(n - 1, 0)) + 1) if n > 1 else 1
    if isinstance(every, bool) or not isinstance(every, (int, xp.integer)) or every < 1:
        raise ValueError(f"checkpoint must be a positive int (steps per segment) or "
                         f"\"sqrt\", not {every!r}")
    return int(every)


# --------------------------------------------------------------------------- steps of xs


def leaf_at(xs, index):
    """Step ``index`` (an int or a slice of steps) of every leaf of ``xs``."""
    if type(xs) is xp.ndarray:
        return xs[index]
    return _map(lambda leaf: leaf[index], xs)


def leaf_at_vjp(g, xs, index):
    """Cotangent of ``xs`` for ``leaf_at(xs, index)``: zeros with ``g`` at ``index``."""
    if g is None:
        return None

    def put(pair):
        gi, leaf = pair
        leaf = xp.asarray(leaf)
        out = xp.zeros(leaf.shape, dtype=xp.result_type(leaf.dtype, xp.float64)
                       if leaf.dtype.kind not in "fc" else leaf.dtype)
        if gi is not None:
            out[index] = gi
        return out

    return _map2(put, g, xs)


def _map2(fn, a, b):
    """``fn((leaf of a, leaf of b))`` over ``b``'s structure (``a`` may hold ``None``)."""
    if isinstance(b, dict):
        return {k: _map2(fn, None if a is None else a[k], b[k]) for k in b}
    if isinstance(b, (tuple, list)):
        items = [_map2(fn, None if a is None else a[i], v) for i, v in enumerate(b)]
        return type(b)(*items) if hasattr(b, "_fields") else type(b)(items)
    if b is None:
        return None
    return fn((a, b))


def reverse_steps(xs):
    """Every leaf of ``xs`` with its steps (axis 0) in reverse order (a view)."""
    return _map(lambda leaf: leaf[::-1], xs)


# --------------------------------------------------------------------------- carries


def same_carry(new, old):
    """``new``, after checking it has the structure and leaf shapes of ``old`` (the carry a
    step was given): a scan's carry keeps its type from step to step, as in JAX."""
    if type(new) is xp.ndarray and type(old) is xp.ndarray and new.shape == old.shape:
        return new
    _check_carry(new, old, "carry")
    return new


def _check_carry(new, old, path: str) -> None:
    if _is_node(old) or _is_node(new):
        if type(new) is not type(old) or (
                isinstance(old, dict) and list(new) != list(old)) or len(new) != len(old):
            raise ValueError(f"the loop body changed the structure of {path}: it was "
                             f"{_describe(old)} and became {_describe(new)}")
        keys = list(old) if isinstance(old, dict) else range(len(old))
        for k in keys:
            _check_carry(new[k], old[k], f"{path}[{k!r}]")
        return
    if (new is None) != (old is None):
        raise ValueError(f"the loop body changed {path} from {_describe(old)} to "
                         f"{_describe(new)}")
    if xp.shape(new) != xp.shape(old):
        raise ValueError(f"the loop body changed the shape of {path} from "
                         f"{xp.shape(old)} to {xp.shape(new)}; a loop's carry keeps its "
                         f"shape from step to step")


def _describe(x) -> str:
    if isinstance(x, dict):
        return f"a dict with keys {list(x)}"
    if isinstance(x, (tuple, list)):
        return f"a {type(x).__name__} of {len(x)}"
    if x is None:
        return "None"
    return f"an array of shape {xp.shape(x)}"


# --------------------------------------------------------------------------- outputs ys


def stack_steps(ys: list):
    """The per-step outputs ``ys`` (a list of pytrees) stacked leaf by leaf on a new axis 0;
    ``None`` where the step output is ``None``."""
    if not ys:
        return None
    return _zip(lambda leaves: xp.stack(leaves), ys)


def unstack_steps(g, ys: list) -> list:
    """Cotangent of the list ``ys`` for ``stack_steps(ys)``: step ``i`` of every leaf."""
    if g is None:
        return [None] * len(ys)
    return [_map(lambda leaf, i=i: leaf[i], g) for i in range(len(ys))]


def join_segments(parts: list):
    """Stacked outputs of consecutive segments joined along axis 0."""
    if not parts:
        return None
    return _zip(lambda leaves: xp.concatenate(leaves), parts)


def split_segments(g, parts: list) -> list:
    """Cotangent of ``parts`` for ``join_segments(parts)``: each segment's rows of ``g``."""
    if g is None:
        return [None] * len(parts)
    out, start = [], 0
    for part in parts:
        leaves = _paths(part)
        n = xp.shape(leaves[0][1])[0] if leaves else 0
        out.append(_map(lambda leaf, a=start, b=start + n: leaf[a:b], g))
        start += n
    return out


# --------------------------------------------------------------------------- equations (implicit.py)


def converged(r, tol) -> bool:
    """Whether every entry of the residual ``r`` is within ``tol`` of 0."""
    return bool(xp.max(xp.abs(r)) <= tol)


def newton_step(j, r):
    """``J^-1 r``: ``r / J`` for a scalar unknown, ``solve(J, r)`` for a vector one."""
    if xp.ndim(j) == 0:
        return r / j
    return xp.linalg.solve(j, r)


def newton_step_t(j, g):
    """``J^-T g``: the transpose of ``newton_step`` in ``r`` (its cotangent)."""
    if xp.ndim(j) == 0:
        return g / j
    return xp.linalg.solve(xp.swapaxes(j, -1, -2), g)
