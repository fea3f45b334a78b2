"""Rules of the helpers of lowered container code (``runtime/containers.py``): ``sum``,
``tuple``/``list``/``reversed``, dict methods and dict comprehensions.

Every primitive here is linear (or not differentiable): a tangent goes through the same
container operation as the primal, a cotangent through its transpose. Moving items between
container kinds (list <-> tuple <-> an array's rows) is undone by ``_rt.as_kind_of``;
dict <-> list by ``gather_keys``/``scatter_keys`` (values at keys) and ``pairs_of``/
``dict_of_pairs`` (``d.items()``). Those helpers have rules of their own below (each the
transpose of another), so forward mode over generated reverse code works (Hessians).

Tags: ``linear``; ``container`` where the result may be a tuple/list/dict (``dict_get``
returns whatever the dict holds), so tangents and cotangents of it add with
``_rt.tree_add``. No batching declarations: one call per lane is right for all of them.
"""

import builtins

from s2sad import runtime as _rt

from .registry import alias, defrule, nondiff

nondiff(_rt.dict_keys, name="_rt.dict_keys", signature=lambda d: None)
nondiff(_rt.set_from, name="_rt.set_from", signature=lambda items: None)

# --------------------------------------------------------------------------- sum


@defrule(_rt.sum_items, name="_rt.sum_items", diff="items start", tags="linear")
class sum_items:
    # out = start + sum_k items[k]  =>  d out = sum_k t_k + t_start (each broadcast to out);
    # the cotangent of items[k] is unbroadcast(g, items[k]), of start unbroadcast(g, start)
    def signature(items, start=0): ...

    def jvp_items(t, out):
        return _rt.broadcast_like(_rt.sum_items(t), out)

    def jvp_start(t, out):
        return _rt.broadcast_like(t, out)

    def vjp_items(g, items):
        return _rt.sum_items_vjp(g, items)

    def vjp_start(g, start):
        return _rt.unbroadcast(g, start)


@defrule(_rt.sum_items_vjp, name="_rt.sum_items_vjp", diff="v", tags="linear container")
class sum_items_vjp:
    # v -> [unbroadcast(v, item_k)]_k; transpose: [w_k] -> broadcast_like(sum_k w_k, v)
    def signature(v, items): ...

    def jvp_v(t, items):
        return _rt.sum_items_vjp(t, items)

    def vjp_v(g, v):
        return _rt.broadcast_like(_rt.sum_items(g), v)


# --------------------------------------------------------------------------- container kinds


@defrule(_rt.to_tuple, name="_rt.to_tuple", diff="x", tags="linear container")
class to_tuple:
    # tuple(x): the items move, unchanged; the cotangent goes back to x's kind
    def signature(x): ...

    def jvp_x(t, out):
        return _rt.as_kind_of(t, out)

    def vjp_x(g, x):
        return _rt.as_kind_of(g, x)


@defrule(_rt.to_list, name="_rt.to_list", diff="x", tags="linear container")
class to_list:
    # list(x): as tuple(x)
    def signature(x): ...

    def jvp_x(t, out):
        return _rt.as_kind_of(t, out)

    def vjp_x(g, x):
        return _rt.as_kind_of(g, x)


@defrule(_rt.reversed_items, name="_rt.reversed_items", diff="x", tags="linear container")
class reversed_items:
    # out = R(K(x)) with K "as a list", R the reversal: d out = R(K(t)); the transpose
    # K^T(R(g)) = as_kind_of(reversed(g), x) (R is its own transpose)
    def signature(x): ...

    def jvp_x(t, out):
        return _rt.reversed_items(_rt.as_kind_of(t, out))

    def vjp_x(g, x):
        return _rt.as_kind_of(_rt.reversed_items(g), x)


@defrule(_rt.as_kind_of, name="_rt.as_kind_of", diff="v", tags="linear container")
class as_kind_of:
    # v -> v's items in like's kind; the transpose moves them back to v's kind
    def signature(v, like): ...

    def jvp_v(t, like):
        return _rt.as_kind_of(t, like)

    def vjp_v(g, v):
        return _rt.as_kind_of(g, v)


# --------------------------------------------------------------------------- dicts


@defrule(_rt.dict_values, name="_rt.dict_values", diff="d", tags="linear container")
class dict_values:
    # out[j] = d[keys[j]]: a gather of the values at d's keys; its transpose a scatter
    def signature(d): ...

    def jvp_d(t, d, out):
        return _rt.gather_keys(t, _rt.dict_keys(d), out)

    def vjp_d(g, d):
        return _rt.scatter_keys(g, _rt.dict_keys(d), d)


@defrule(_rt.dict_items, name="_rt.dict_items", diff="d", tags="linear container")
class dict_items:
    # out[j] = (key_j, d[key_j]): the key slot has a zero tangent and its cotangent is ignored
    def signature(d): ...

    def jvp_d(t, d):
        return _rt.pairs_of(t, d)

    def vjp_d(g, d):
        return _rt.dict_of_pairs(g, d)


@defrule(_rt.dict_get, name="_rt.dict_get", diff="d default", tags="linear container")
class dict_get:
    # out = d[key] if key in d else default:
    #   d out = t_d[key] or t_default;  g -> d: g at key (zeros elsewhere); g -> default if missing
    def signature(d, key, default=None): ...

    def jvp_d(t, key, default):
        return _rt.dict_get(t, key, _rt.zeros_like(default))

    def jvp_default(t, d, key, out):
        return _rt.when_missing(t, d, key, out)

    def vjp_d(g, d, key):
        return _rt.dict_put(g, d, key)

    def vjp_default(g, d, key, default):
        return _rt.when_missing(g, d, key, default)


@defrule(_rt.dict_from, name="_rt.dict_from", diff="values", tags="linear container")
class dict_from:
    # out[k] = values[last j with keys[j] == k]: a scatter; its transpose the gather
    def signature(keys, values): ...

    def jvp_values(t, keys, out):
        return _rt.scatter_keys(t, keys, out)

    def vjp_values(g, keys, values):
        return _rt.gather_keys(g, keys, values)


@defrule(_rt.gather_keys, name="_rt.gather_keys", diff="v", tags="linear container")
class gather_keys:
    # (dict v) -> [v[keys[j]]]_j (kept positions only); transpose: scatter_keys
    def signature(v, keys, like): ...

    def jvp_v(t, keys, like):
        return _rt.gather_keys(t, keys, like)

    def vjp_v(g, v, keys):
        return _rt.scatter_keys(g, keys, v)


@defrule(_rt.scatter_keys, name="_rt.scatter_keys", diff="w", tags="linear container")
class scatter_keys:
    # (list w) -> {k: w[last j of k]}; transpose: gather_keys
    def signature(w, keys, like): ...

    def jvp_w(t, keys, like):
        return _rt.scatter_keys(t, keys, like)

    def vjp_w(g, w, keys):
        return _rt.gather_keys(g, keys, w)


@defrule(_rt.pairs_of, name="_rt.pairs_of", diff="v", tags="linear container")
class pairs_of:
    # (dict v) -> [(0, v[key])]; transpose: dict_of_pairs
    def signature(v, d): ...

    def jvp_v(t, d):
        return _rt.pairs_of(t, d)

    def vjp_v(g, d):
        return _rt.dict_of_pairs(g, d)


@defrule(_rt.dict_of_pairs, name="_rt.dict_of_pairs", diff="w", tags="linear container")
class dict_of_pairs:
    # [(_, w_j)] -> {key_j: w_j}; transpose: pairs_of
    def signature(w, d): ...

    def jvp_w(t, d):
        return _rt.dict_of_pairs(t, d)

    def vjp_w(g, d):
        return _rt.pairs_of(g, d)


@defrule(_rt.dict_put, name="_rt.dict_put", diff="v", tags="linear container")
class dict_put:
    # v -> {key: v, others: 0}; transpose: G -> G[key] (zeros like v where key is missing)
    def signature(v, d, key): ...

    def jvp_v(t, d, key):
        return _rt.dict_put(t, d, key)

    def vjp_v(g, v, key):
        return _rt.dict_get(g, key, _rt.zeros_like(v))


@defrule(_rt.when_missing, name="_rt.when_missing", diff="v", tags="linear container")
class when_missing:
    # the identity (key missing) or zero: its own transpose, zeros shaped like its input
    def signature(v, d, key, like): ...

    def jvp_v(t, d, key, like):
        return _rt.when_missing(t, d, key, like)

    def vjp_v(g, v, d, key):
        return _rt.when_missing(g, d, key, v)


# Python's own spellings of these primitives, as user code writes them.
alias(builtins.sum, _rt.sum_items)
alias(builtins.tuple, _rt.to_tuple)
alias(builtins.list, _rt.to_list)
alias(builtins.reversed, _rt.reversed_items)
