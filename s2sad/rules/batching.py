"""Rules of the helpers batched code calls (``runtime/batching*.py``), so the code ``vmap``
generates can be differentiated again: ``grad`` of a function that calls
``s2sad.vmap(g)(x)`` in its body reads ``g_vmap`` as user code and differentiates through
these helpers like any primitive.

Each moves, broadcasts, masks or selects lanes: linear in the data it moves (``jvp`` is
the helper on the tangent, ``vjp`` its transpose); what only computes sizes, axes or
lane indices has no derivative. And the batching rules of the helpers themselves (a
vmap of code that calls vmap), where a helper can run on a second batch axis.
"""

import numpy as np  # noqa: F401  (templates are read as code that names np)

from s2sad import runtime as _rt

from .registry import batching, defrule, nondiff

for _f in (_rt.batch_size, _rt.batch_axes, _rt.shift_axis, _rt.batch_shape,
           _rt.batch_transpose_axes, _rt.batch_squeeze_axes, _rt.batch_index, _rt.axis_size,
           _rt.lane_source, _rt.any_lane, _rt.all_lanes, _rt.vtrip_count, _rt.max_trips,
           _rt.vseed, _rt.vseed_check, _rt.vscan_length, _rt.vlane_source, _rt.vany_lane,
           _rt.vmax_trips, _rt.vcheck_aux):
    nondiff(_f, name=f"_rt.{_f.__name__}")


# --------------------------------------------------------------------------- reshapes
# lift/lift_b/lift_into insert unit axes after the batch axis: a reshape of their operand
# to the shape of their output, and back


@defrule(_rt.lift_b, name="_rt.lift_b", diff="a", tags="linear")
@defrule(_rt.lift, name="_rt.lift", diff="a", tags="linear")
class lift:
    def signature(a, *others): ...

    def jvp_a(t, out):
        return _rt.reshape_like(t, out)

    def vjp_a(g, a):
        return _rt.reshape_like(g, a)


@defrule(_rt.lift_lead, name="_rt.lift_lead", diff="a", tags="linear")
class lift_lead:
    def signature(leads, a, *others): ...

    def jvp_a(t, out):
        return _rt.reshape_like(t, out)

    def vjp_a(g, a):
        return _rt.reshape_like(g, a)


@defrule(_rt.lift_into, name="_rt.lift_into", diff="v", tags="linear")
class lift_into:
    def signature(v, a, index): ...

    def jvp_v(t, out):
        return _rt.reshape_like(t, out)

    def vjp_v(g, v):
        return _rt.reshape_like(g, v)


@defrule(_rt.batched_array, name="_rt.batched_array", diff="x", tags="linear")
class batched_array:
    def signature(x): ...

    def jvp_x(t, x):
        return t

    def vjp_x(g, x):
        return g


# --------------------------------------------------------------------------- broadcasts


@defrule(_rt.vbatch, name="_rt.vbatch", diff="x", tags="linear container")
class vbatch:
    # k copies of x: the lanes' cotangents add up
    def signature(x, k): ...

    def jvp_x(t, x, k):
        return _rt.vbatch(t, k)

    def vjp_x(g, x, k):
        return _rt.vbatch_vjp(g, x)


@defrule(_rt.vbatch_vjp, name="_rt.vbatch_vjp", diff="v", tags="linear container")
class vbatch_vjp:
    def signature(v, x): ...

    def jvp_v(t, x):
        return _rt.vbatch_vjp(t, x)

    def vjp_v(g, v):
        return _rt.vbatch(g, _rt.batch_size(v))


@defrule(_rt.widen, name="_rt.widen", diff="x", tags="linear container")
class widen:
    def signature(x, k, frm, to): ...

    def jvp_x(t, x, k, frm, to):
        return _rt.widen(t, k, frm, to)

    def vjp_x(g, x, k, frm, to):
        return _rt.widen_vjp(g, x, k, frm, to)


@defrule(_rt.widen_vjp, name="_rt.widen_vjp", diff="v", tags="linear container")
class widen_vjp:
    def signature(v, x, k, frm, to): ...

    def jvp_v(t, x, k, frm, to):
        return _rt.widen_vjp(t, x, k, frm, to)

    def vjp_v(g, k, frm, to):
        return _rt.widen(g, k, frm, to)


@defrule(_rt.vgetitem, name="_rt.vgetitem", diff="x", tags="linear container")
class vgetitem:
    def signature(x, index): ...

    def jvp_x(t, x, index):
        return _rt.vgetitem(t, index)

    def vjp_x(g, x, index):
        return _rt.vgetitem_ct(g, x, index)


@defrule(_rt.vgetitem_ct, name="_rt.vgetitem_ct", diff="v", tags="linear container")
class vgetitem_ct:
    def signature(v, x, index): ...

    def jvp_v(t, x, index):
        return _rt.vgetitem_ct(t, x, index)

    def vjp_v(g, index):
        return _rt.vgetitem(g, index)


@defrule(_rt.vindex, name="_rt.vindex", diff="x", tags="linear")
class vindex:
    # each lane's own item: its cotangent added back at that lane's index
    def signature(x, index, x_b, flags): ...

    def jvp_x(t, index, x_b, flags):
        return _rt.vindex(t, index, x_b, flags)

    def vjp_x(g, x, index, x_b, flags):
        return _rt.vindex_ct(g, x, index, x_b, flags)


@defrule(_rt.vindex_ct, name="_rt.vindex_ct", diff="v", tags="linear")
class vindex_ct:
    def signature(v, x, index, x_b, flags): ...

    def jvp_v(t, x, index, x_b, flags):
        return _rt.vindex_ct(t, x, index, x_b, flags)

    def vjp_v(g, index, x_b, flags):
        return _rt.vindex(g, index, x_b, flags)


# --------------------------------------------------------------------------- products


@defrule(_rt.vmatmul, name="_rt.vmatmul", diff="a b", tags="linear")
class vmatmul:
    # bilinear: d(a @ b) = da @ b + a @ db, lane by lane
    def signature(a, b, a_batched, b_batched): ...

    def jvp_a(t, a, b, a_batched, b_batched):
        return _rt.vmatmul(t, b, a_batched, b_batched)

    def jvp_b(t, a, b, a_batched, b_batched):
        return _rt.vmatmul(a, t, a_batched, b_batched)

    def vjp_a(g, a, b, a_batched, b_batched):
        return _rt.vmatmul_ct_a(g, a, b, a_batched, b_batched)

    def vjp_b(g, a, b, a_batched, b_batched):
        return _rt.vmatmul_ct_b(g, a, b, a_batched, b_batched)


@defrule(_rt.vmatmul_ct_a, name="_rt.vmatmul_ct_a", diff="v b", tags="linear")
class vmatmul_ct_a:
    # g bᵀ lane by lane: linear in g and in b; its transposes are a product and ct_b
    def signature(v, a, b, a_batched, b_batched): ...

    def jvp_v(t, a, b, a_batched, b_batched):
        return _rt.vmatmul_ct_a(t, a, b, a_batched, b_batched)

    def jvp_b(t, v, a, a_batched, b_batched):
        return _rt.vmatmul_ct_a(v, a, t, a_batched, b_batched)

    def vjp_v(g, b, a_batched, b_batched):
        return _rt.vmatmul(g, b, a_batched, b_batched)

    def vjp_b(g, v, b, a_batched, b_batched):
        return _rt.vmatmul_ct_b(v, g, b, a_batched, b_batched)


@defrule(_rt.vmatmul_ct_b, name="_rt.vmatmul_ct_b", diff="v a", tags="linear")
class vmatmul_ct_b:
    # aᵀ g lane by lane
    def signature(v, a, b, a_batched, b_batched): ...

    def jvp_v(t, a, b, a_batched, b_batched):
        return _rt.vmatmul_ct_b(t, a, b, a_batched, b_batched)

    def jvp_a(t, v, b, a_batched, b_batched):
        return _rt.vmatmul_ct_b(v, t, b, a_batched, b_batched)

    def vjp_v(g, a, a_batched, b_batched):
        return _rt.vmatmul(a, g, a_batched, b_batched)

    def vjp_a(g, v, a, a_batched, b_batched):
        return _rt.vmatmul_ct_a(v, a, g, a_batched, b_batched)


# --------------------------------------------------------------------------- control flow


@defrule(_rt.mask_lanes, name="_rt.mask_lanes", diff="x", tags="linear container")
class mask_lanes:
    # each lane reads lane src[i]: the cotangent goes back to the lane read
    def signature(x, src, status, copy=False): ...

    def jvp_x(t, x, src, status, copy):
        return _rt.mask_lanes(t, src, status, copy)

    def vjp_x(g, x, src, status):
        return _rt.mask_lanes_vjp(g, x, src, status)


@defrule(_rt.mask_lanes_vjp, name="_rt.mask_lanes_vjp", diff="v", tags="linear container")
class mask_lanes_vjp:
    # each lane's cotangent added to the lane it read: the transpose of mask_lanes
    def signature(v, x, src, status): ...

    def jvp_v(t, x, src, status):
        return _rt.mask_lanes_vjp(t, x, src, status)

    def vjp_v(g, src, status):
        return _rt.mask_lanes(g, src, status)


@defrule(_rt.vselect, name="_rt.vselect", diff="a b", tags="linear container")
class vselect:
    # lane by lane a or b: the cotangent goes to the side chosen, zero to the other
    def signature(c, a, b, sa, sb): ...

    def jvp_a(t, c, b, sa, sb):
        return _rt.vselect(c, t, _rt.zeros_like(b), sa, sb)

    def jvp_b(t, c, a, sa, sb):
        return _rt.vselect(c, _rt.zeros_like(a), t, sa, sb)

    def vjp_a(g, c, a, b, sa):
        return _rt.vselect_vjp(g, c, a, sa, True, b)

    def vjp_b(g, c, a, b, sb):
        return _rt.vselect_vjp(g, c, b, sb, False, a)


@defrule(_rt.vselect_vjp, name="_rt.vselect_vjp", diff="v", tags="linear container")
class vselect_vjp:
    def signature(v, c, x, sx, side, other): ...

    def jvp_v(t, c, x, sx, side, other):
        return _rt.vselect_vjp(t, c, x, sx, side, other)

    def vjp_v(g, v, c, sx, side, other):
        return _rt.vselect_t(g, c, v, sx, side, other)


@defrule(_rt.vselect_t, name="_rt.vselect_t", diff="v", tags="linear")
class vselect_t:
    def signature(v, c, g_like, sx, side, other): ...

    def jvp_v(t, c, g_like, sx, side, other):
        return _rt.vselect_t(t, c, g_like, sx, side, other)

    def vjp_v(g, v, c, sx, side, other):
        return _rt.vselect_vjp(g, c, v, sx, side, other)


# --------------------------------------------------------------------------- the boundary


@defrule(_rt.tree_to_front, name="_rt.tree_to_front", diff="x", tags="linear container")
class tree_to_front:
    def signature(x, axes, k, fill=False): ...

    def jvp_x(t, x, axes, k, fill):
        return _rt.tree_to_front(t, axes, k, fill)

    def vjp_x(g, x, axes, k, fill):
        return _rt.tree_to_front_vjp(g, x, axes, k, fill)


@defrule(_rt.tree_to_front_vjp, name="_rt.tree_to_front_vjp", diff="v",
         tags="linear container")
class tree_to_front_vjp:
    def signature(v, x, axes, k, fill=False): ...

    def jvp_v(t, x, axes, k, fill):
        return _rt.tree_to_front_vjp(t, x, axes, k, fill)

    def vjp_v(g, axes, k, fill):
        return _rt.tree_to_front(g, axes, k, fill)


@defrule(_rt.vmap_out, name="_rt.vmap_out", diff="result", tags="linear container")
class vmap_out:
    def signature(result, axes, status, k): ...

    def jvp_result(t, axes, status, k):
        return _rt.vmap_out(t, axes, status, k)

    def vjp_result(g, result, axes, status, k):
        return _rt.vmap_out_vjp(g, result, axes, status, k)


@defrule(_rt.vmap_out_vjp, name="_rt.vmap_out_vjp", diff="v", tags="linear container")
class vmap_out_vjp:
    def signature(v, result, axes, status, k): ...

    def jvp_v(t, result, axes, status, k):
        return _rt.vmap_out_vjp(t, result, axes, status, k)

    def vjp_v(g, axes, status, k):
        return _rt.vmap_out(g, axes, status, k)


# --------------------------------------------------------------------------- batching
# batched code batched again (``transforms/batching_nested.py``): each helper counts the
# batch axes in front of its operands, and batching adds one
batching("outer", "_rt.batch_axes", "_rt.batch_shape", "_rt.batch_size",
         "_rt.batch_squeeze_axes", "_rt.batch_transpose_axes", params=("none",))
batching("outer", "_rt.vbatch", "_rt.vgetitem", params=("same",))
batching("outer_args", "_rt.axis_size")
batching("leads", "_rt.lift", "_rt.lift_b", "_rt.lift_lead")
batching("levels", "_rt.vmatmul")
batching("select", "_rt.vselect")
batching("mask", "_rt.mask_lanes")
batching("same_shapes", "_rt.batched_array")
batching("elementwise", "_rt.vtrip_count")
batching("first_twin", "_rt.lane_source", helper="_rt.vlane_source")
batching("first_twin", "_rt.any_lane", helper="_rt.vany_lane")
batching("first_twin", "_rt.max_trips", helper="_rt.vmax_trips")
