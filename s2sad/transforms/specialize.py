"""Specialize generated code to the kinds and shapes of the arguments it is called with.

Generic generated code is right for anything: ``_rt.unbroadcast(g, x)`` sums ``g`` down
to ``x``'s shape, ``_rt.tree_add`` adds containers leaf by leaf, ``_rt.zeros_like(x)``
builds zeros shaped like ``x``. Where the arguments' kinds and shapes make those
helpers no-ops, the code a careful person writes does without them::

    bs = _rt.unbroadcast(_bt5, s)        bs = _bt5            (s, _bt5: Python floats)
    bx = _rt.tree_add(bx, _t16)          bx = bx + _t16
    bx = _rt.zeros_like(x)               bx = 0.0

A signature gives each argument an abstract type (``Kind``): a Python ``float``/``int``/
``bool``, or an array (NumPy scalars are arrays of rank 0) of a known rank and knowing
which dimensions have size 1 -- not the sizes themselves, so a new batch size reuses
the same code. Types flow through the function, flow-insensitively (a name's type is
the join of what every assignment gives it; anything not understood is unknown, and
unknown keeps the generic code). Broadcasting makes this sound: in an operation of
arrays of one rank, a dimension that is not 1 in one operand equals the other's or is
broadcast from a 1, so equal rank and equal size-1 pattern means equal shapes wherever
``unbroadcast`` is emitted (its ``g`` always has the broadcast shape of an operation
``x`` took part in).
"""

from __future__ import annotations

from dataclasses import dataclass

from .. import ir
from ..rules import registry
from .tape import drop_unread_entries

_ARITHMETIC = {"add", "sub", "mul", "truediv", "floordiv", "mod", "pow"}
_COMPARISONS = {"lt", "le", "gt", "ge", "eq", "ne"}
_FULL_REDUCTIONS = {"np.sum", "np.mean", "np.prod", "np.max", "np.min", "np.amax", "np.amin",
                    "np.dot", "np.vdot", "np.linalg.norm"}


@dataclass(frozen=True)
class Kind:
    """``python``: "float" | "int" | "bool" | "num" (a Python number) or None (an array);
    ``ones``: per dimension, whether it has size 1 (rank = its length)."""

    python: str | None
    ones: tuple[bool, ...] = ()
    optional: bool = False  # may also be None (set only for rewriting, after inference)

    @property
    def rank(self) -> int:
        return len(self.ones)


FLOAT, INT, BOOL = Kind("float"), Kind("int"), Kind("bool")
_UNKNOWN = None


def signature_of(value):
    """The abstract type of one argument, or None (unknown: containers, other objects)."""
    t = type(value)
    if t is float:
        return FLOAT
    if t is bool:
        return BOOL
    if t is int:
        return INT
    shape = getattr(value, "shape", None)
    if shape is not None and hasattr(value, "dtype") and value.dtype.kind in "biuf":
        return Kind(None, tuple(n == 1 for n in shape))
    return None


def specialize(fn: ir.Function, params: dict[str, Kind]) -> ir.Function:
    """``fn`` with the helpers its parameters' kinds make no-ops replaced (see module doc)."""
    kinds = infer(fn, params)
    # a name ever set to None (a placeholder; an adjoint a branch never bound) may be None
    # where it is read: ``tree_add`` and ``zeros_like`` take None, ``+`` does not
    for s in ir.walk(fn.body):
        if isinstance(s, ir.Assign) and isinstance(s.value, ir.Const) and s.value.value is None:
            kinds[s.target] = _optional(kinds.get(s.target))
    # values recorded only for a helper that is gone now need no tape entry
    return drop_unread_entries(ir.replace(fn, body=_rewrite(fn.body, kinds)))


def _optional(k: Kind | None) -> Kind | None:
    return None if k is None else Kind(k.python, k.ones, True)


# --------------------------------------------------------------------------- inference


def infer(fn: ir.Function, params: dict[str, Kind]) -> dict[str, Kind | None]:
    """Name -> its kind (None: unknown), for every name the function assigns."""
    kinds: dict[str, Kind | None] = {p: params.get(p) for p in fn.params}
    for _ in range(20):  # each round only moves names up the lattice: a few rounds
        changed = False
        for s in ir.walk(fn.body):
            if isinstance(s, ir.For):
                new = [(s.target, INT)]
            elif isinstance(s, ir.Assign) and not _neutral(s.value):
                new = [(s.target, _kind_of(s.value, kinds))]
            elif isinstance(s, ir.SetItem):  # the container keeps its kind; a list: unknown
                continue
            else:
                continue
            for name, k in new:
                joined = _join(kinds[name], k) if name in kinds else k
                if name not in kinds or joined != kinds[name]:
                    kinds[name] = joined
                    changed = True
        if not changed:
            break
    return kinds


def _neutral(value) -> bool:
    """``x = None`` (a placeholder before a loop) and ``x = _rt.pop(tape)`` (one of ``x``'s own
    earlier values) add no kind of their own."""
    return (isinstance(value, ir.Const) and value.value is None) or (
        isinstance(value, ir.Call) and value.func == "_rt.pop")


def _join(a: Kind | None, b: Kind | None) -> Kind | None:
    if a is None or b is None:
        return None
    if a == b:
        return a
    if a.python and b.python and not a.ones and not b.ones:
        return Kind("num")
    return None


def _atom_kind(a, kinds) -> Kind | None:
    if isinstance(a, ir.Name):
        return kinds.get(a.id)
    if isinstance(a, ir.Const):
        v = a.value
        return {bool: BOOL, int: INT, float: FLOAT}.get(type(v))
    return None


def _broadcast(ks: list[Kind]) -> Kind:
    rank = max(k.rank for k in ks)
    ones = []
    for d in range(rank):
        dims = [k.ones[d - rank + k.rank] for k in ks if d - rank + k.rank >= 0]
        ones.append(all(dims))
    return Kind(None, tuple(ones))


def _kind_of(v: ir.Expr, kinds) -> Kind | None:
    if isinstance(v, (ir.Name, ir.Const)):
        return _atom_kind(v, kinds)
    if isinstance(v, ir.Subscript):
        return _subscript_kind(v, kinds)
    if not isinstance(v, ir.Call):
        return None
    args = [_atom_kind(a, kinds) if isinstance(a, (ir.Name, ir.Const)) else None
            for a in v.args]
    func = v.func
    if func in _ARITHMETIC | _COMPARISONS | {"neg", "pos", "_rt.tree_add"} and not v.kwargs:
        return _arithmetic(func, args)
    if func in ("_rt.unbroadcast", "_rt.zeros_like", "_rt.sum_vjp", "_rt.getitem_vjp",
                "_rt.mean_vjp") and len(args) >= 2 and func != "_rt.zeros_like":
        return _like(args[0], args[1])
    if func == "_rt.zeros_like" and args:
        return FLOAT if args[0] is not None and args[0].python else args[0]
    if func == "_rt.broadcast_like" and len(args) == 2:
        return _like(args[0], args[1])
    if func == "_rt.seed" and args and args[0] is not None:
        return FLOAT if args[0].python == "float" else Kind(None, ()) if not args[0].ones else None
    if func in _FULL_REDUCTIONS and len(v.args) == 1 and not v.kwargs and args[0] is not None:
        return Kind(None, ())
    rule = registry.find(func)
    if rule is not None and rule.kind == registry.ELEMENTWISE and not v.kwargs and all(
            k is not None for k in args):
        return _broadcast([Kind(None, k.ones) for k in args])  # NumPy gives arrays/scalars
    return None


def _arithmetic(func: str, args: list) -> Kind | None:
    if any(k is None for k in args):
        return None
    if all(k.python for k in args):  # Python numbers stay Python numbers
        if func in _COMPARISONS:
            return BOOL
        if func == "truediv":
            return FLOAT
        if func == "_rt.tree_add" or func in ("add", "sub", "mul", "neg", "pos"):
            if any(k.python == "float" for k in args):
                return FLOAT
            return INT if all(k.python in ("int", "bool") for k in args) else Kind("num")
        return Kind("num")
    return _broadcast([Kind(None, k.ones) for k in args])


def _like(g: Kind | None, x: Kind | None) -> Kind | None:
    """The kind of ``g`` brought to ``x``'s shape."""
    if x is None:
        return None
    if g is not None and g.ones == x.ones:
        return g
    return Kind(None, x.ones)


def _subscript_kind(v: ir.Subscript, kinds) -> Kind | None:
    base = _atom_kind(v.value, kinds)
    if base is None or base.python is not None:
        return None
    items = v.index.items
    if len(items) > base.rank or not all(
            isinstance(i, (ir.Name, ir.Const)) and (_atom_kind(i, kinds) or Kind("x")).python
            in ("int",) for i in items):
        return None
    return Kind(None, base.ones[len(items):])


# --------------------------------------------------------------------------- rewriting


def _same_shape(a: Kind | None, b: Kind | None) -> bool:
    return a is not None and b is not None and a.ones == b.ones


def _rewrite(body, kinds) -> tuple[ir.Stmt, ...]:
    out = []
    for s in body:
        if isinstance(s, ir.Assign) and isinstance(s.value, ir.Call):
            s = ir.replace(s, value=_rewrite_call(s.value, kinds))
        elif isinstance(s, ir.If):
            s = ir.replace(s, body=_rewrite(s.body, kinds), orelse=_rewrite(s.orelse, kinds))
        elif isinstance(s, ir.For):
            s = ir.replace(s, body=_rewrite(s.body, kinds))
        elif isinstance(s, ir.While):
            s = ir.replace(s, test_body=_rewrite(s.test_body, kinds),
                           body=_rewrite(s.body, kinds))
        out.append(s)
    return tuple(out)


def _rewrite_call(v: ir.Call, kinds) -> ir.Expr:
    args = [_atom_kind(a, kinds) if isinstance(a, (ir.Name, ir.Const)) else None
            for a in v.args]
    if v.func in ("_rt.unbroadcast", "_rt.broadcast_like") and len(args) == 2 and not v.kwargs:
        if _same_shape(args[0], args[1]):
            return v.args[0]
    elif v.func == "_rt.tree_add" and len(args) == 2 and all(
            k is not None and not k.optional for k in args):
        return ir.Call("add", v.args)
    elif v.func == "_rt.zeros_like" and args and args[0] is not None and args[0].python and (
            not args[0].optional):
        return ir.Const(0.0)
    elif v.func == "_rt.seed" and args and args[0] == FLOAT:
        return ir.Const(1.0)
    return v
