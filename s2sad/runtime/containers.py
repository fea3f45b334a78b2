"""Helpers of lowered container code (``sum``, ``tuple``/``list``/``reversed``, dict methods,
dict comprehensions), called as ``_rt.<name>``; rules in ``rules/containers.py``.

The front end lowers ``sum(xs, s)`` to ``_rt.sum_items(xs, s)``, ``list(x)`` to
``_rt.to_list(x)``, ``d.items()`` to ``_rt.dict_items(d)``, ``{k: v for ...}`` to
``_rt.dict_from(keys, values)`` and so on. The primitives are:

- ``sum_items``: linear in ``items`` and ``start`` (broadcasting as ``+`` does);
- ``to_tuple``, ``to_list``, ``reversed_items``: linear; they move items between container
  kinds, so their tangents/cotangents are moved back by ``as_kind_of``;
- ``dict_values``, ``dict_items``, ``dict_get``, ``dict_from``: linear in the values;
- ``dict_keys``, ``set_from``: not differentiable (keys are not numbers we differentiate;
  sets of floats are not differentiated).

The other helpers here are the tangent/cotangent maps those rules call; each is linear in
its first argument and has its own rule (its transpose is another helper of this file), so
generated code that calls them can be differentiated again (Hessians).

Cotangents of containers follow ``runtime.zeros_like``/``tree_add``: the same container
kinds as the primal, and ``None`` may stand for the zero of any item (a non-float leaf);
every helper here reads ``None`` as zero. An array iterated as a container (``list(x)``)
has an array cotangent: its rows stacked again.
"""

from __future__ import annotations

import numpy as xp

__all__ = [
    # primitives of lowered user code
    "sum_items", "to_tuple", "to_list", "reversed_items", "dict_keys", "dict_values",
    "dict_items", "dict_get", "dict_from", "set_from",
    # their tangent / cotangent maps
    "sum_items_vjp", "as_kind_of", "gather_keys", "scatter_keys", "pairs_of",
    "dict_of_pairs", "dict_put", "when_missing",
]


def _zeros_like(x):
    from . import zeros_like
    return zeros_like(x)


def _unbroadcast(g, x):
    from . import unbroadcast
    return unbroadcast(g, x)


def _is_array(x) -> bool:
    return isinstance(x, xp.ndarray)


def _rebuild(like, items: list):
    """A tuple/list of the kind of ``like`` (namedtuples rebuilt field by field)."""
    if hasattr(like, "_fields"):
        return type(like)(*items)
    return type(like)(items)


# --------------------------------------------------------------------------- sum


def sum_items(items, start=0):
    """``sum(items, start)``: ``start + items[0] + ... + items[-1]``, broadcasting as ``+``
    does (items a list/tuple of arrays or numbers, or an array: its rows). ``None`` items
    are zeros (tangents of non-float items).

    Linear in ``items`` and ``start``: ``d out = sum(d items) + d start`` (each broadcast
    to ``out``); the cotangent of an item is ``unbroadcast(g, item)``, of ``start``
    ``unbroadcast(g, start)``.
    """
    total = start
    for item in items:
        if item is not None:
            total = total + item
    return total


def sum_items_vjp(v, items):
    """The cotangent of ``items`` in ``sum_items(items, start)`` from the output's ``v``:
    ``unbroadcast(v, items[k])`` for each item, in the container kind of ``items`` (an array
    for an array). Linear in ``v``; its transpose sums a list of cotangents back up,
    broadcast to ``v``'s shape."""
    cots = [None if item is None else _unbroadcast(v, item) for item in items]
    return as_kind_of(cots, items)


# --------------------------------------------------------------------------- container kinds


def to_tuple(x):
    """``tuple(x)`` of a list/tuple, an array (its rows) or a dict (its keys).

    Linear: the tangent is the input's tangent as a tuple; the cotangent is the output's
    turned back into the kind of ``x`` (rows stacked for an array; zero for a dict's keys).
    """
    return tuple(x)


def to_list(x):
    """``list(x)`` of a list/tuple, an array (its rows) or a dict (its keys). Linear, as
    ``to_tuple``."""
    return list(x)


def reversed_items(x):
    """``list(reversed(x))``: the items of a list/tuple, the rows of an array or the keys
    of a dict, last first; always a list (what ``reversed`` yields, collected).

    Linear: ``d out = reversed(d x)``; the cotangent is the output's reversed again, in the
    kind of ``x``.
    """
    return list(x)[::-1]


def as_kind_of(v, like):
    """The items of ``v`` (a tangent/cotangent) in the container kind of ``like``.

    - ``like`` a list/tuple (namedtuple): the items of ``v`` (a list, tuple or an array's
      rows) in that kind;
    - ``like`` an array: ``v``'s items stacked (``None`` rows as zeros); an array as is;
    - ``v`` or ``like`` a dict but not both: zero (the keys of a dict carry no derivative),
      shaped like ``like``; ``v`` None: zero shaped like ``like``;
    - anything else: ``v``.

    Linear in ``v``; the transpose of ``v -> as_kind_of(v, like)`` is
    ``g -> as_kind_of(g, v)`` (stacking and unstacking, list and tuple, are transposes).
    """
    if v is None or isinstance(v, dict) != isinstance(like, dict):
        return _zeros_like(like)
    if isinstance(like, (tuple, list)):
        return _rebuild(like, list(v))
    if _is_array(like) and not _is_array(v):
        if len(v) == 0:
            return _zeros_like(like)
        zero = None
        rows = []
        for row in v:
            if row is None:
                zero = _zeros_like(like[0]) if zero is None else zero
                row = zero
            rows.append(xp.broadcast_to(row, like.shape[1:]))
        return xp.stack(rows)
    return v


# --------------------------------------------------------------------------- dicts


def dict_keys(d):
    """``list(d.keys())``. Not differentiable."""
    return list(d.keys())


def dict_values(d):
    """``list(d.values())``. Linear in ``d``: the tangent is the tangent dict's values at
    ``d``'s keys (``gather_keys``); the cotangent a dict with ``d``'s keys, in ``d``'s
    order, from the list cotangent (``scatter_keys``; ``None`` entries zeros)."""
    return list(d.values())


def dict_items(d):
    """``list(d.items())``: ``(key, value)`` tuples. Linear in ``d``: the tangent is the
    pairs ``(0, t[key])`` (``pairs_of``); the cotangent the dict ``{key: g[j][1]}`` from the
    list of ``(key cotangent, value cotangent)`` pairs, key cotangents ignored
    (``dict_of_pairs``)."""
    return list(d.items())


def dict_get(d, key, default=None):
    """``d.get(key, default)``. Linear in ``d`` and ``default``:

    ``d out = d d[key]`` if ``key in d`` else ``d default``; the cotangent of ``d`` is a
    dict of zeros with ``g`` at ``key`` (``dict_put``), of ``default`` ``g`` when ``key``
    is missing, else zeros (``when_missing``).
    """
    return d.get(key, default)


def dict_from(keys, values):
    """``dict(zip(keys, values))`` (a dict comprehension): a later duplicate key wins; items
    past the shorter of the two are dropped. Linear in ``values``: the tangent is
    ``scatter_keys`` of the values' tangent; the cotangent the cotangent dict's values at
    ``keys`` (``gather_keys``: zeros where missing, for dropped items and for keys a later
    duplicate overwrote), in the kind of ``values``."""
    return dict(zip(keys, values))


def set_from(items):
    """``set(items)``. Not differentiable (sets of floats are not differentiated)."""
    return set(items)


def _last_positions(keys, n):
    """For each key among the first ``n`` of ``keys``: the position of its last occurrence
    (the one ``dict(zip(keys, values))`` keeps)."""
    last = {}
    for j, k in enumerate(list(keys)[:n]):
        last[k] = j
    return last


def gather_keys(v, keys, like):
    """A container like ``like`` (list/tuple/array) whose item ``j`` is ``v[keys[j]]`` when
    ``j`` is the last position of ``keys[j]`` among the first ``min(len(keys), len(like))``
    keys and ``v`` holds it (not ``None``), else zeros shaped like ``like[j]``.

    Linear in the dict ``v``; its transpose is ``scatter_keys(g, keys, v)``.
    """
    n = min(len(keys), len(like))
    last = _last_positions(keys, n)
    keys = list(keys)
    out = []
    for j in range(len(like)):
        item = None
        if j < n and last[keys[j]] == j and v is not None:
            item = v.get(keys[j])
        out.append(_zeros_like(like[j]) if item is None else item)
    return as_kind_of(out, like)


def scatter_keys(w, keys, like):
    """A dict with the keys of the dict ``like`` (in its order): ``w[j]`` at key ``k`` where
    ``j`` is the last position of ``k`` among the first ``min(len(keys), len(w))`` keys (and
    ``w[j]`` is not ``None``), else zeros shaped like ``like[k]``.

    Linear in the container ``w`` (list/tuple/array); its transpose is
    ``gather_keys(g, keys, w)``.
    """
    last = _last_positions(keys, min(len(keys), len(w)))
    out = {}
    for k, value in like.items():
        item = w[last[k]] if k in last else None
        out[k] = _zeros_like(value) if item is None else item
    return out


def pairs_of(v, d):
    """The list ``[(zeros_like(key), v[key]) for key in d]`` (``v[key]`` None or missing:
    zeros like ``d[key]``): the tangent of ``dict_items(d)`` from the tangent dict ``v``.
    Linear in ``v``; its transpose is ``dict_of_pairs(g, d)``."""
    out = []
    for k, value in d.items():
        item = None if v is None else v.get(k)
        out.append((_zeros_like(k), _zeros_like(value) if item is None else item))
    return out


def dict_of_pairs(w, d):
    """The dict ``{key: w[j][1]}`` over the keys of ``d`` (``j`` the key's position; ``None``
    pairs or values: zeros like ``d[key]``); key slots are ignored. The cotangent of
    ``dict_items(d)``. Linear in ``w``; its transpose is ``pairs_of(g, d)``."""
    out = {}
    for j, (k, value) in enumerate(d.items()):
        pair = w[j] if w is not None else None
        item = pair[1] if pair is not None else None
        out[k] = _zeros_like(value) if item is None else item
    return out


def dict_put(v, d, key):
    """A dict with the keys of ``d``: ``v`` at ``key`` (when ``key in d``), zeros like the
    values of ``d`` elsewhere: the cotangent of ``d`` in ``dict_get(d, key, default)``.
    Linear in ``v``; its transpose is ``dict_get(g, key, zeros_like(v))``."""
    out = {k: _zeros_like(value) for k, value in d.items()}
    if key in d:
        out[key] = v
    return out


def when_missing(v, d, key, like):
    """``v`` when ``key`` is not in ``d``, else zeros like ``like``: the tangent/cotangent of
    ``default`` in ``dict_get(d, key, default)``. Linear in ``v`` (the identity or zero);
    its transpose is ``when_missing(g, d, key, v)``."""
    return v if key not in d else _zeros_like(like)
