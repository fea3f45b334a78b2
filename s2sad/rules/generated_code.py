"""Rules of the runtime helpers that the compiler itself emits (seeds, tapes, stores).

These make generated code differentiable again: a Hessian is forward mode over
generated reverse code, so every helper that code calls needs a rule.
"""

from s2sad import runtime as _rt

from .registry import batching, defrule, nondiff, structural

for _f in (_rt.seed, _rt.range_len, _rt.in_range, _rt.dtype, _rt.check_aux):
    nondiff(_f, name=f"_rt.{_f.__name__}")


@defrule(_rt.tree_add, name="_rt.tree_add", diff="a b", tags="linear container")
class tree_add:
    def signature(a, b): ...

    def jvp_a(t, a, b):
        return t

    def jvp_b(t, a, b):
        return t

    def vjp_a(g, a, b):
        return g

    def vjp_b(g, a, b):
        return g


@defrule(_rt.zero_at, name="_rt.zero_at", diff="a", tags="linear")
class zero_at:
    def signature(a, index): ...

    def jvp_a(t, a, index):
        return _rt.zero_at(t, index)

    def vjp_a(g, a, index):
        return _rt.zero_at(g, index)


# ``_rt.with_item(a, index, v)`` (written by the alias pass) is the same value as
# ``set_at``: ``a`` with ``a[index]`` replaced by ``v`` (only its run time differs)
@defrule(_rt.with_item, name="_rt.with_item", diff="a v", tags="linear")
@defrule(_rt.set_at, name="_rt.set_at", diff="a v", tags="linear")
class set_at:
    def signature(a, index, v): ...

    def jvp_a(t, a, index, v):
        return _rt.zero_at(t, index)

    def jvp_v(t, a, index, v):
        return _rt.set_at(_rt.zeros_like(a), index, t)

    def vjp_a(g, a, index, v):
        return _rt.zero_at(g, index)

    def vjp_v(g, a, index, v):
        return _rt.unbroadcast(g[index], v)


@defrule(_rt.astype, name="_rt.astype", diff="x", tags="linear")
class astype:
    def signature(x, dtype): ...

    def jvp_x(t, x, dtype):
        return _rt.astype(t, dtype)

    def vjp_x(g, x, dtype):
        return _rt.astype(g, _rt.dtype(x))


nondiff(_rt.item, name="_rt.item")


# The tape: ``lst.append(x)`` and ``lst.pop()``. Forward mode pushes/pops the tangent on a
# tangent tape; reverse mode pops/pushes cotangents (see transforms/*.py "structural").
structural(_rt.append, "_rt.append", lambda lst, item: None)
structural(_rt.pop, "_rt.pop", lambda lst: None)
structural(_rt.appended, "_rt.appended", lambda lst, item: None)
# the same as values, in code differentiated a third time (frontend/normalize/lists.py)
structural(_rt.last, "_rt.last", lambda lst: None)
structural(_rt.popped, "_rt.popped", lambda lst: None)


@defrule(_rt.copy_tape, name="_rt.copy_tape", diff="tape", tags="linear")
class copy_tape:
    def signature(tape): ...

    def jvp_tape(t):
        return _rt.copy_tape(t)

    def vjp_tape(g):
        return g


nondiff(_rt.basis, name="_rt.basis")


@defrule(_rt.jacobian_from_columns, name="_rt.jacobian_from_columns", diff="columns",
         tags="linear")
class jacobian_from_columns:
    def signature(columns, value, x): ...

    def jvp_columns(t, value, x):
        return _rt.jacobian_from_columns(t, value, x)

    def vjp_columns(g, value, x):
        return _rt.columns_of(g, value, x)


@defrule(_rt.columns_of, name="_rt.columns_of", diff="jac", tags="linear container")
class columns_of:
    def signature(jac, value, x): ...

    def jvp_jac(t, value, x):
        return _rt.columns_of(t, value, x)

    def vjp_jac(g, value, x):
        return _rt.jacobian_from_columns(g, value, x)


@defrule(_rt.jacobian_from_rows, name="_rt.jacobian_from_rows", diff="rows", tags="linear")
class jacobian_from_rows:
    def signature(rows, value, x): ...

    def jvp_rows(t, value, x):
        return _rt.jacobian_from_rows(t, value, x)

    def vjp_rows(g, value, x):
        return _rt.rows_of(g, value, x)


@defrule(_rt.rows_of, name="_rt.rows_of", diff="jac", tags="linear container")
class rows_of:
    def signature(jac, value, x): ...

    def jvp_jac(t, value, x):
        return _rt.rows_of(t, value, x)

    def vjp_jac(g, value, x):
        return _rt.jacobian_from_rows(g, value, x)


@defrule(_rt.last_or_zeros, name="_rt.last_or_zeros", diff="lst", tags="linear container")
class last_or_zeros:
    def signature(lst, like): ...

    def jvp_lst(t, lst, like):
        return _rt.last_or_zeros(t, like)

    def vjp_lst(g, lst, like):
        return _rt.add_at_end(_rt.zeros_like(lst), g)


@defrule(_rt.add_at_end, name="_rt.add_at_end", diff="lst v", tags="linear container")
class add_at_end:
    def signature(lst, v): ...

    def jvp_lst(t, lst, v):
        return t

    def jvp_v(t, lst, v):
        return _rt.add_at_end(_rt.zeros_like(lst), t)

    def vjp_lst(g, lst, v):
        return g

    def vjp_v(g, lst, v):
        return _rt.last_or_zeros(g, v)


# --------------------------------------------------------------------------- batching
batching("same_shapes", "_rt.astype")
batching("same_shapes", "_rt.tree_add", helper="_rt.vtree_add")  # skips vmap's zero views
batching("twin", "_rt.set_at", "_rt.with_item", params=("a", "v"), helper="_rt.vset_at")
batching("first_twin", "_rt.zero_at", helper="_rt.vzero_at")
batching("first_twin", "_rt.seed", helper="_rt.vseed")
batching("statuses", "_rt.check_aux", params=("none",), helper="_rt.vcheck_aux")
batching("elementwise", "_rt.in_range")
batching("any_twin", "_rt.range_len", helper="_rt.vtrip_count")
