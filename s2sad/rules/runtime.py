"""Rules of the ``s2sad.runtime`` helpers that rule templates call, so generated code
can be differentiated again (a Hessian is forward mode over generated reverse code).

Every helper here is linear in its first argument; ``vjp_*`` is its transpose.
A helper without a rule (``solve_vjp_a``) makes a second derivative through it fail
with a clear "no derivative rule" error instead of a silently wrong number.
"""

import numpy as np

from s2sad import runtime as _rt

from .registry import defrule, nondiff


@defrule(_rt.unbroadcast, name="_rt.unbroadcast", diff="v", tags="linear")
class unbroadcast:
    def signature(v, like): ...

    def jvp_v(t, v, like):
        return _rt.unbroadcast(t, like)

    def vjp_v(g, v, like):
        return _rt.broadcast_like(g, v)


@defrule(_rt.broadcast_like, name="_rt.broadcast_like", diff="v", tags="linear")
class broadcast_like:
    def signature(v, like): ...

    def jvp_v(t, v, like):
        return _rt.broadcast_like(t, like)

    def vjp_v(g, v, like):
        return _rt.unbroadcast(g, v)


@defrule(_rt.getitem_vjp, name="_rt.getitem_vjp", diff="v", tags="linear")
class getitem_vjp:
    def signature(v, x, index): ...

    def jvp_v(t, x, index):
        return _rt.getitem_vjp(t, x, index)

    def vjp_v(g, index):
        return g[index]


@defrule(_rt.sum_vjp, name="_rt.sum_vjp", diff="v", tags="linear")
class sum_vjp:
    def signature(v, a, axis=None, keepdims=False): ...

    def jvp_v(t, a, axis, keepdims):
        return _rt.sum_vjp(t, a, axis, keepdims)

    def vjp_v(g, axis, keepdims):
        return np.sum(g, axis=axis, keepdims=keepdims)


@defrule(_rt.mean_vjp, name="_rt.mean_vjp", diff="v", tags="linear")
class mean_vjp:
    def signature(v, a, axis=None, keepdims=False): ...

    def jvp_v(t, a, axis, keepdims):
        return _rt.mean_vjp(t, a, axis, keepdims)

    def vjp_v(g, axis, keepdims):
        return np.mean(g, axis=axis, keepdims=keepdims)


@defrule(_rt.extremum_vjp, name="_rt.extremum_vjp", diff="v", tags="linear")
class extremum_vjp:
    # the tie weights depend on a only through a piecewise-constant mask
    def signature(v, a, value, axis=None, keepdims=False): ...

    def jvp_v(t, a, value, axis, keepdims):
        return _rt.extremum_vjp(t, a, value, axis, keepdims)

    def vjp_v(g, a, value, axis, keepdims):
        w = _rt.extremum_vjp(np.ones_like(value), a, value, axis, keepdims)
        return np.sum(g * w, axis=axis, keepdims=keepdims)


@defrule(_rt.matmul_vjp_x, name="_rt.matmul_vjp_x", diff="v y", tags="linear")
class matmul_vjp_x:
    # matmul_vjp_x(v, x, y) = d/dx <v, x @ y>: bilinear in (v, y)
    def signature(v, x, y): ...

    def jvp_v(t, x, y):
        return _rt.matmul_vjp_x(t, x, y)

    def jvp_y(t, v, x):
        return _rt.matmul_vjp_x(v, x, t)

    def vjp_v(g, y):
        return np.matmul(g, y)

    def vjp_y(g, v, y):
        return _rt.matmul_vjp_y(v, g, y)


@defrule(_rt.matmul_vjp_y, name="_rt.matmul_vjp_y", diff="v x", tags="linear")
class matmul_vjp_y:
    # matmul_vjp_y(v, x, y) = d/dy <v, x @ y>: bilinear in (v, x)
    def signature(v, x, y): ...

    def jvp_v(t, x, y):
        return _rt.matmul_vjp_y(t, x, y)

    def jvp_x(t, v, y):
        return _rt.matmul_vjp_y(v, t, y)

    def vjp_v(g, x):
        return np.matmul(x, g)

    def vjp_x(g, v, x):
        return _rt.matmul_vjp_x(v, x, g)


@defrule(_rt.reshape_like, name="_rt.reshape_like", diff="v", tags="linear")
class reshape_like:
    def signature(v, like): ...

    def jvp_v(t, like):
        return _rt.reshape_like(t, like)

    def vjp_v(g, v):
        return _rt.reshape_like(g, v)


@defrule(_rt.transpose_vjp, name="_rt.transpose_vjp", diff="v", tags="linear")
class transpose_vjp:
    def signature(v, axes=None): ...

    def jvp_v(t, axes):
        return _rt.transpose_vjp(t, axes)

    def vjp_v(g, axes):
        return np.transpose(g, axes)


@defrule(_rt.split_like, name="_rt.split_like", diff="v", tags="linear")
class split_like:
    def signature(v, arrays, axis=0): ...

    def jvp_v(t, arrays, axis):
        return _rt.split_like(t, arrays, axis)

    def vjp_v(g, axis):
        return np.concatenate(g, axis=axis)


@defrule(_rt.unstack_like, name="_rt.unstack_like", diff="v", tags="linear")
class unstack_like:
    def signature(v, arrays, axis=0): ...

    def jvp_v(t, arrays, axis):
        return _rt.unstack_like(t, arrays, axis)

    def vjp_v(g, axis):
        return np.stack(g, axis=axis)


@defrule(_rt.cumsum_vjp, name="_rt.cumsum_vjp", diff="v", tags="linear")
class cumsum_vjp:
    def signature(v, axis=None, like=None): ...

    def jvp_v(t, axis, like):
        return _rt.cumsum_vjp(t, axis, like)

    def vjp_v(g, v, axis):
        return _rt.reshape_like(np.cumsum(g, axis=axis), v)


@defrule(_rt.trace_vjp, name="_rt.trace_vjp", diff="v", tags="linear")
class trace_vjp:
    def signature(v, a, offset=0, axis1=0, axis2=1): ...

    def jvp_v(t, a, offset, axis1, axis2):
        return _rt.trace_vjp(t, a, offset, axis1, axis2)

    def vjp_v(g, offset, axis1, axis2):
        return np.trace(g, offset, axis1, axis2)


@defrule(_rt.tile_vjp, name="_rt.tile_vjp", diff="v", tags="linear")
class tile_vjp:
    def signature(v, a, reps): ...

    def jvp_v(t, a, reps):
        return _rt.tile_vjp(t, a, reps)

    def vjp_v(g, reps):
        return np.tile(g, reps)


@defrule(_rt.array_vjp, name="_rt.array_vjp", diff="v", tags="linear")
class array_vjp:
    def signature(v, obj): ...

    def jvp_v(t, obj):
        return _rt.array_vjp(t, obj)

    def vjp_v(g):
        return np.asarray(g)


nondiff(_rt.zeros_like, name="_rt.zeros_like")
nondiff(_rt.count, name="_rt.count")
nondiff(_rt.clip_mask, name="_rt.clip_mask")


# ``_rt.einsum_jvp``/``_rt.einsum_vjp`` are multilinear in all operands; without rules of their
# own, a second derivative through einsum stops with a clear "no derivative rule" error.
