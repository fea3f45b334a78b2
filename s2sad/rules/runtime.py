"""Rules of the ``s2sad.runtime`` helpers, so generated code can be differentiated again."""

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


nondiff(_rt.zeros_like, name="_rt.zeros_like")
