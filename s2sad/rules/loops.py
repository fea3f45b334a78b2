"""Rules of the pytree helpers of structured loops (``runtime/loops.py``).

Each helper moves data without arithmetic, so it is linear in the data it moves:
its jvp is itself on the tangent, its vjp the helper that moves the cotangent back
(``leaf_at`` ↔ ``leaf_at_vjp``, ``stack_steps`` ↔ ``unstack_steps``, ``join_segments`` ↔
``split_segments``, ``reverse_steps`` its own transpose). Lengths are integers.
"""

from s2sad import runtime as _rt

from .registry import batching, defrule, nondiff

nondiff(_rt.scan_length, name="_rt.scan_length")
nondiff(_rt.segment_length, name="_rt.segment_length")
nondiff(_rt.converged, name="_rt.converged")


@defrule(_rt.leaf_at, name="_rt.leaf_at", diff="xs", tags="linear container")
class leaf_at:
    # step i of every leaf; the transpose scatters into zeros
    def signature(xs, index): ...

    def jvp_xs(t, xs, index):
        return _rt.leaf_at(t, index)

    def vjp_xs(g, xs, index):
        return _rt.leaf_at_vjp(g, xs, index)


@defrule(_rt.leaf_at_vjp, name="_rt.leaf_at_vjp", diff="v", tags="linear container")
class leaf_at_vjp:
    def signature(v, xs, index): ...

    def jvp_v(t, xs, index):
        return _rt.leaf_at_vjp(t, xs, index)

    def vjp_v(g, index):
        return _rt.leaf_at(g, index)


@defrule(_rt.same_carry, name="_rt.same_carry", diff="new", tags="linear container")
class same_carry:
    # the identity on ``new`` (a checked value); ``old`` only gives the structure
    def signature(new, old): ...

    def jvp_new(t, new, old):
        return t

    def vjp_new(g, new, old):
        return g


@defrule(_rt.stack_steps, name="_rt.stack_steps", diff="ys", tags="linear container")
class stack_steps:
    def signature(ys): ...

    def jvp_ys(t, ys):
        return _rt.stack_steps(t)

    def vjp_ys(g, ys):
        return _rt.unstack_steps(g, ys)


@defrule(_rt.unstack_steps, name="_rt.unstack_steps", diff="v", tags="linear container")
class unstack_steps:
    def signature(v, ys): ...

    def jvp_v(t, ys):
        return _rt.unstack_steps(t, ys)

    def vjp_v(g):
        return _rt.stack_steps(g)


@defrule(_rt.reverse_steps, name="_rt.reverse_steps", diff="xs", tags="linear container")
class reverse_steps:
    def signature(xs): ...

    def jvp_xs(t, xs):
        return _rt.reverse_steps(t)

    def vjp_xs(g, xs):
        return _rt.reverse_steps(g)


@defrule(_rt.join_segments, name="_rt.join_segments", diff="parts", tags="linear container")
class join_segments:
    def signature(parts): ...

    def jvp_parts(t, parts):
        return _rt.join_segments(t)

    def vjp_parts(g, parts):
        return _rt.split_segments(g, parts)


@defrule(_rt.split_segments, name="_rt.split_segments", diff="v", tags="linear container")
class split_segments:
    def signature(v, parts): ...

    def jvp_v(t, parts):
        return _rt.split_segments(t, parts)

    def vjp_v(g):
        return _rt.join_segments(g)


# --------------------------------------------------------------------------- batching
# the twins take each argument's batching status (``runtime/batching_loops.py``); the
# parameter names the status of the result (``transforms/batching_calls.with_statuses``)
batching("statuses", "_rt.scan_length", params=("none",), helper="_rt.vscan_length")
batching("statuses", "_rt.leaf_at", params=("same",), helper="_rt.vleaf_at")
batching("statuses", "_rt.leaf_at_vjp", params=("all",), helper="_rt.vleaf_at_vjp")
batching("statuses", "_rt.same_carry", params=("join",), helper="_rt.vsame_carry")
batching("statuses", "_rt.stack_steps", params=("item",), helper="_rt.vstack_steps")
batching("statuses", "_rt.unstack_steps", params=("list",), helper="_rt.vunstack_steps")
batching("statuses", "_rt.reverse_steps", params=("same",), helper="_rt.vreverse_steps")


@defrule(_rt.newton_step, name="_rt.newton_step", diff="r", tags="linear")
class newton_step:
    # J^-1 r, linear in r; J is held fixed (implicit.py takes it with stop_gradient)
    def signature(j, r): ...

    def jvp_r(t, j, r):
        return _rt.newton_step(j, t)

    def vjp_r(g, j, r):
        return _rt.newton_step_t(j, g)


@defrule(_rt.newton_step_t, name="_rt.newton_step_t", diff="r", tags="linear")
class newton_step_t:
    def signature(j, r): ...

    def jvp_r(t, j, r):
        return _rt.newton_step_t(j, t)

    def vjp_r(g, j, r):
        return _rt.newton_step(j, g)
