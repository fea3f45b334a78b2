"""The cheapest NumPy spelling of a value whose dtype is known, in code that is only run.

Two spellings that give the same numbers can differ in cost by a factor of four when
the arrays are small. Where the entry's dtype analysis (``constant_cotangents``) knows
the operands are float64::

    bx = np.zeros_like(x)            _s1 = np.shape(x)         zeros_like fills its result
                                     bx = np.zeros(_s1)        by a cast copy: 1.25 us for
                                                               1,000 floats; zeros: 0.3 us
    _t34 = a * (-2)                  _t34 = a * (-2.0)         no integer-to-float
                                                               promotion per call

    _t11 = z - 0.0                   (z, read where _t11 was)  a float64 z that dies here

``np.zeros(shape)`` is float64 and C-ordered, as ``_rt.zeros_like`` of a float64 or
integer array and ``np.zeros_like`` of a float64 array are (order is not a value). An
integer constant next to a float64 operand or a Python float is converted to that float
by the operation itself, exactly (``|k| < 2**53``), so writing it as a float changes no
bit; powers keep their integer exponents (NumPy squares for ``** 2`` either way, and an
integer power of a Python float is its own algorithm).

Only the entry of a module specialized to its arguments' kinds (their dtypes), like
``scatters``: a generic module is differentiated again, and its zeros stay the helper
that handles containers and ``None``.
"""

from __future__ import annotations

import numpy as np

from .. import ir
from ..codegen.naming import Names
from . import simplify
from .constant_cotangents import dtype_analysis

_FLOAT_OPS = {"add", "sub", "mul", "truediv"}  # where an integer operand becomes a float


def respell(fn: ir.Function, kinds: dict) -> ir.Function:
    """``fn`` with the spellings of the module doc; ``kinds``: its parameters' kinds."""
    dtypes = dtype_analysis(fn, kinds)
    fresh = Names(ir.all_names(fn)).temp

    def floating(a) -> bool:  # a float64 array or scalar, or a Python float
        return dtypes.dtype(a) is float or dtypes.f8(a)

    # a name ever set to None (a placeholder before a loop) may hold None where zeros of
    # it are made: ``_rt.zeros_like(None)`` is None, ``np.zeros(np.shape(None))`` is not
    placeholders = {s.target for s in ir.walk(fn.body) if isinstance(s, ir.Assign)
                    and isinstance(s.value, ir.Const) and s.value.value is None}

    def zeros(s: ir.Assign) -> list[ir.Stmt] | None:
        v = s.value
        if not (isinstance(v, ir.Call) and len(v.args) == 1 and not v.kwargs
                and isinstance(v.args[0], ir.Name) and v.args[0].id not in placeholders):
            return None
        x = v.args[0]
        d = dtypes.dtype(x)
        if dtypes.f8(x) and v.func in ("np.zeros_like", "_rt.zeros_like") or (
                v.func == "_rt.zeros_like" and isinstance(d, np.dtype) and d.kind in "biu"):
            shape = fresh()
            return [ir.Assign(shape, ir.Call("np.shape", (x,)), s.line),
                    ir.Assign(s.target, ir.Call("np.zeros", (ir.Name(shape),)), s.line)]
        return None

    def constants(v: ir.Call) -> ir.Call:
        if v.func not in _FLOAT_OPS or len(v.args) != 2 or v.kwargs:
            return v
        a, b = v.args

        def as_float(c, other):
            if (isinstance(c, ir.Const) and type(c.value) is int and abs(c.value) < 2**53
                    and floating(other)):
                return ir.Const(float(c.value))
            return c
        new = (as_float(a, b), as_float(b, a))
        # (not ``new == (a, b)``: ``Const(-2.0) == Const(-2)``)
        return v if new[0] is a and new[1] is b else ir.replace(v, args=new)

    defs, reads = simplify._defs(fn.body), simplify._read_counts(fn)

    def identity(v: ir.Call, bound_here: set[str]) -> ir.Expr:
        """``x`` for ``x - 0.0`` (or ``x + -0.0``) of a float64 ``x`` that dies here: the
        same bits (``-0.0 - 0.0`` is ``-0.0``; ``x + 0.0`` is not: it makes ``-0.0`` 0.0),
        and the one name of a value nothing else holds can pass to another."""
        if v.func not in ("sub", "add") or len(v.args) != 2 or v.kwargs:
            return v
        zero = 0.0 if v.func == "sub" else -0.0
        for x, c in ((v.args[0], v.args[1]),) + (((v.args[1], v.args[0]),)
                                                  if v.func == "add" else ()):
            if (isinstance(c, ir.Const) and type(c.value) is float and c.value == 0.0
                    and repr(c.value) == repr(zero) and isinstance(x, ir.Name)
                    and x.id in bound_here and defs.get(x.id) == 1 and reads.get(x.id) == 1
                    and floating(x)):
                return x
        return v

    def sweep(body):
        out: list[ir.Stmt] = []
        bound_here: set[str] = set()  # names bound earlier in this block
        for s in body:
            if isinstance(s, ir.Assign) and isinstance(s.value, ir.Call):
                spelled = zeros(s)
                if spelled is not None:
                    out += spelled
                    continue
                s = ir.replace(s, value=identity(constants(s.value), bound_here))
            if isinstance(s, ir.Assign):
                bound_here.add(s.target)
            out.append(ir.map_bodies(s, sweep))
        return tuple(out)

    # (an identity left a copy ``_t11 = z``: read through)
    return simplify.propagate_copies(ir.replace(fn, body=sweep(fn.body)))
