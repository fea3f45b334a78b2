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

import numpy as np

from .. import ir
from ..codegen.naming import Names
from ..rules import registry
from .tape import drop_unread_entries

_ARITHMETIC = {"add", "sub", "mul", "truediv", "floordiv", "mod", "pow", "_rt.ct_mul"}
_COMPARISONS = {"lt", "le", "gt", "ge", "eq", "ne"}
_FULL_REDUCTIONS = {"np.sum", "np.mean", "np.prod", "np.max", "np.min", "np.amax", "np.amin",
                    "np.dot", "np.vdot", "np.linalg.norm"}


@dataclass(frozen=True)
class Kind:
    """``python``: "float" | "int" | "bool" | "num" (a Python number) or None (an array);
    ``dims``: per dimension ``(symbol, one)``: ``one`` says whether its size is 1 (None:
    not known), and dimensions with the same symbol have the same size (symbols are
    structural: ``("arg", "x", 0)``, ``("len", s, 1)`` for ``x[1:]`` and ``x[:-1]`` of a
    dimension ``s``). A signature's kinds have no symbols yet (None)."""

    python: str | None
    dims: tuple[tuple[object, bool | None], ...] = ()
    optional: bool = False  # may also be None (set only for rewriting, after inference)
    dtype: str | None = None  # an array parameter's dtype (``np.dtype.str``); None elsewhere

    @property
    def rank(self) -> int:
        return len(self.dims)


FLOAT, INT, BOOL = Kind("float"), Kind("int"), Kind("bool")
_UNKNOWN = None
_NOT_READ = object()  # ``TupleFacts.kind``: nothing to say about this value
_NOT_YET = object()  # ``TupleFacts.kind``: a callee's result not inferred yet (adds nothing)


def signature_of(value):
    """The abstract type of one argument, or None (unknown: containers, other objects)."""
    t = type(value)
    if t is float:
        return FLOAT
    if t is bool:
        return BOOL
    if t is int:
        return INT
    if (t is np.ndarray or isinstance(value, np.generic)) and value.dtype.kind in "biuf":
        return Kind(None, tuple((None, n == 1) for n in value.shape), dtype=value.dtype.str)
    return None  # containers, other objects, array subclasses (np.matrix's * is @)


def _named(name: str, k: Kind | None) -> Kind | None:
    """A parameter's kind with a symbol per dimension (size-1 dimensions share ``1``). A
    dimension that has a symbol keeps it: a callee's parameters carry their callers'
    (a batched tangent's lanes have the symbols of the primal they are tangent to)."""
    if k is None or k.python:
        return k
    return Kind(None, tuple(
        (1, True) if one else (sym, one) if sym is not None else (("arg", name, i), False)
        for i, (sym, one) in enumerate(k.dims)), dtype=k.dtype)


def named_params(params: dict[str, Kind | None],
                 same_shape: dict[str, str] | None = None) -> dict[str, Kind | None]:
    """Parameters' kinds with a symbol per dimension, as ``infer`` takes them; a parameter
    in ``same_shape`` (a jvp's tangent -> its primal) shares the other one's symbols."""
    same_shape = same_shape or {}
    return {p: k if k is _NOT_YET else _named(same_shape.get(p, p), k)
            for p, k in params.items()}


def specialize(fn: ir.Function, params: dict[str, Kind], tuples=None,
               same_shape: dict[str, str] | None = None,
               kinds: dict[str, Kind | None] | None = None) -> ir.Function:
    """``fn`` with the helpers its parameters' kinds make no-ops replaced (see module doc);
    ``tuples``: what is known of the tuples it reads (``specialize_calls.TupleFacts``);
    ``same_shape``: parameters known to have another one's shape (``named_params``);
    ``kinds``: what ``infer`` gave for these (if already inferred)."""
    kinds = dict(kinds) if kinds is not None else infer(fn, named_params(params, same_shape),
                                                        tuples)
    # a name ever set to None (a placeholder; an adjoint a branch never bound) may be None
    # where it is read: ``tree_add`` and ``zeros_like`` take None, ``+`` does not
    for s in ir.walk(fn.body):
        if isinstance(s, ir.Assign) and isinstance(s.value, ir.Const) and s.value.value is None:
            kinds[s.target] = _optional(kinds.get(s.target))
    # values recorded only for a helper that is gone now need no tape entry
    from . import constant_cotangents, licm, loop_projections, outer_sums  # (this module's kinds)

    fresh = Names(ir.all_names(fn)).temp
    fn = constant_cotangents.fold(ir.replace(fn, body=_rewrite(fn.body, kinds, fresh)), kinds,
                                  fresh)
    # the helpers' replacements (``np.transpose(W)`` of a ``W @ h`` in a loop) may be invariant
    return drop_unread_entries(licm.hoist(loop_projections.batch(outer_sums.gather(fn, kinds),
                                                                 kinds)))


def _optional(k: Kind | None) -> Kind | None:
    return None if k is None else Kind(k.python, k.dims, True, k.dtype)


# --------------------------------------------------------------------------- inference


def infer(fn: ir.Function, params: dict[str, Kind], tuples=None) -> dict[str, Kind | None]:
    """Name -> its kind (None: unknown), for every name the function assigns. ``tuples``
    (optional) gives the kinds of items read out of tuples and of callees' results."""
    # a parameter whose callers pass nothing yet (``specialize_calls``) holds nothing yet
    kinds: dict[str, Kind | None] = {p: params.get(p) for p in fn.params
                                     if params.get(p) is not _NOT_YET}
    # optimistic: a name assigned here but given no kind yet holds nothing yet (a value
    # that reaches it around a loop comes later), so a statement reading it waits
    statements = list(ir.walk(fn.body))
    pending = ({t for s in statements for t in ir.stmt_writes(s)} | set(fn.params)) - set(
        kinds)
    # the statements that give a name a kind, with the names each reads (None: a loop's)
    steps = [(s, None) if isinstance(s, ir.For) else (s, ir.names_read(s.value))
             for s in statements if isinstance(s, ir.For) or (
                 isinstance(s, ir.Assign) and not _neutral(s.value))]
    for _ in range(30):  # each round only moves names up the lattice: a few rounds
        changed = False
        if tuples is not None:
            tuples.update(fn, kinds)
        for s, reads in steps:
            if reads is None:
                name, k = s.target, INT
            elif any(n in pending and n not in kinds for n in reads):
                continue
            else:
                k = tuples.kind(s.value, kinds) if tuples is not None else _NOT_READ
                if k is _NOT_YET:
                    continue
                name, k = s.target, _kind_of(s.value, kinds) if k is _NOT_READ else k
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
    """The kind of a name that holds ``a`` on some paths and ``b`` on others."""
    if a is None or b is None:
        return None
    if a == b:
        return a
    if a.python and b.python:
        return Kind("num")
    if a.python or b.python or a.rank != b.rank:
        return None
    # per dimension: one symbol if both agree; "not 1" if both are not 1 (all that the
    # proof of equal shapes needs of such a dimension); else unknown
    dims = tuple(
        da if da == db else (min(da, db, key=repr)[0], False) if da[1] is False and db[1] is
        False else (("join", repr(da[0]), repr(db[0])), None) for da, db in zip(a.dims, b.dims))
    if any(len(repr(d[0])) > 200 for d in dims):  # joins of joins around a loop: give up
        return None
    return Kind(None, dims)


def _atom_kind(a, kinds) -> Kind | None:
    if isinstance(a, ir.Name):
        return kinds.get(a.id)
    if isinstance(a, ir.Const):
        v = a.value
        return {bool: BOOL, int: INT, float: FLOAT}.get(type(v))
    return None


def _broadcast(ks: list[Kind]) -> Kind:
    """NumPy's broadcasting of the operands' dimensions, aligned on the right."""
    rank = max(k.rank for k in ks)
    dims = []
    for d in range(rank):
        present = [k.dims[d - rank + k.rank] for k in ks if d - rank + k.rank >= 0]
        sized = [dim for dim in present if dim[1] is not True] or present[:1]
        syms = {dim[0] for dim in sized}
        if len(syms) == 1:
            one = True if all(dim[1] for dim in sized) else (
                False if any(dim[1] is False for dim in sized) else None)
            dims.append((sized[0][0], one))
        elif all(dim[1] is False for dim in sized):  # sizes not 1 broadcast only if equal
            dims.append(min(sized, key=repr))
        else:
            dims.append((("bcast",) + tuple(sorted(map(repr, syms))), None))
    return Kind(None, tuple(dims))


def _array(k: Kind) -> Kind:
    """What NumPy makes of a Python number in an array operation: a rank-0 array."""
    return Kind(None, k.dims) if k.python else k


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
        return FLOAT if args[0].python == "float" else Kind(None, ()) if not args[0].dims else None
    if func == "_rt.same_carry" and len(args) == 2:  # ``new``, checked to be shaped like ``old``
        return args[0]
    if func in ("_rt.scan_length", "_rt.batch_size"):
        return INT
    if func in _BATCHED_HELPERS:
        return _batched_kind(func, v, args)
    if func == "_rt.leaf_at" and len(args) == 2 and args[0] is not None and not args[0].python \
            and args[0].rank and args[1] is not None and args[1].python in ("int", "bool"):
        return Kind(None, args[0].dims[1:])  # step i of an array: its first axis dropped
    if func in ("matmul", "np.matmul", "np.dot") and len(args) == 2 and not v.kwargs:
        return _matmul(*args)
    if func in ("_rt.matmul_vjp_x", "_rt.matmul_vjp_y") and len(args) == 3:
        return _like(args[0], args[1 if func.endswith("x") else 2])
    if func == "np.transpose" and len(args) == 1 and args[0] is not None and not v.kwargs:
        return Kind(None, args[0].dims[::-1]) if not args[0].python else args[0]
    if func in _FULL_REDUCTIONS and len(v.args) == 1 and not v.kwargs and args[0] is not None:
        return Kind(None, ())
    if func in _AXIS_REDUCTIONS and args and args[0] is not None and not args[0].python:
        return _reduced(v, args[0])
    if func == "_rt.extremum_vjp" and len(args) >= 2:
        return _like(args[0], args[1])
    rule = registry.find(func)
    if rule is not None and rule.kind == registry.ELEMENTWISE and not v.kwargs and all(
            k is not None for k in args):
        return _broadcast([_array(k) for k in args])  # NumPy gives arrays/scalars
    return None


_BATCHED_HELPERS = {"_rt.basis_stack", "_rt.lift", "_rt.lift_b", "_rt.vbroadcast_like",
                    "_rt.vunbroadcast", "_rt.vtree_add", "_rt.vgetitem_vjp"}


def _flag(a) -> bool | None:
    return a.value if isinstance(a, ir.Const) and type(a.value) is bool else None


def _lane(k: Kind, batched: bool | None) -> Kind | None:
    """One lane of a value of kind ``k`` (its batch axis dropped where ``batched``)."""
    if batched is None or k.python and batched:
        return None
    return Kind(None, k.dims[1:]) if batched else _array(k)


def _batched_kind(func: str, v: ir.Call, args: list) -> Kind | None:
    """The kinds of the helpers of batched code (``runtime/batching.py``): axis 0 is the
    batch axis of a batched value, the rest one lane."""
    if any(k is None for k in args[:2]) or (args and args[0].python and func != (
            "_rt.basis_stack")):
        return None
    a = args[0]
    if func == "_rt.basis_stack":  # (x.size,) + x.shape: the size is 1 only if every dim is
        if a.python:
            return Kind(None, ((1, True),), dtype="<f8" if a.python == "float" else None)
        ones = {one for _, one in a.dims}
        size_one = True if ones <= {True} else False if False in ones else None
        dtype = a.dtype if a.dtype is None or np.dtype(a.dtype).kind in "fc" else "<f8"
        return Kind(None, ((("basis", repr(a.dims)), size_one),) + a.dims, dtype=dtype)
    if func in ("_rt.lift", "_rt.lift_b"):
        others = [_array(k) for k in args[1:] if k is not None]
        if len(others) != len(args) - 1 or not a.rank:
            return None
        rank = max(k.rank for k in others) - (func == "_rt.lift_b")
        missing = rank - (a.rank - 1)
        return a if missing <= 0 else Kind(None, a.dims[:1] + ((1, True),) * missing + a.dims[1:])
    if func == "_rt.vtree_add":
        return _arithmetic("add", args[:2])
    if func == "_rt.vgetitem_vjp":  # (g, x, index, g_b=True, x_b=False): zeros like x's lanes
        flags = [_flag(x) for x in v.args[3:5]] + [True, False][len(v.args[3:5]):]
        if len(v.args) > 5 or v.kwargs or flags[0] is not True or flags[1] is None:
            return None
        lane = _lane(args[1], flags[1])
        return None if lane is None else Kind(None, a.dims[:1] + lane.dims)
    flags = [_flag(x) for x in v.args[2:4]]
    if len(flags) < 2 or None in flags or not flags[0] or not a.rank:
        return None  # a cotangent the same in every lane: its own shapes
    lane = _lane(args[1], flags[1])
    return None if lane is None else Kind(None, a.dims[:1] + lane.dims)


_AXIS_REDUCTIONS = {"np.sum", "np.mean", "np.prod", "np.max", "np.min", "np.amax", "np.amin"}


def _reduced(v: ir.Call, a: Kind) -> Kind | None:
    """``np.sum(a, axis, keepdims)`` and its kin with a literal ``axis`` (an int or None)
    and ``keepdims``, positional or by keyword: ``a``'s dimensions, the reduced one
    dropped (or of size 1)."""
    given = dict(zip(("axis", "keepdims"), v.args[1:3]))
    given.update(v.kwargs)
    if len(v.args) > 3 or set(given) - {"axis", "keepdims"} or not all(
            isinstance(x, ir.Const) for x in given.values()):
        return None
    axis = given.get("axis", ir.Const(None)).value
    keep = given.get("keepdims", ir.Const(False)).value
    if type(keep) is not bool or not (axis is None or type(axis) is int):
        return None
    if axis is None:
        return Kind(None, ((1, True),) * a.rank if keep else ())
    if not -a.rank <= axis < a.rank:
        return None
    axis %= a.rank
    dims = list(a.dims)
    if keep:
        dims[axis] = (1, True)
    else:
        del dims[axis]
    return Kind(None, tuple(dims))


def _matmul(a: Kind | None, b: Kind | None) -> Kind | None:
    """``a @ b`` of vectors and matrices: the outer dimensions of both."""
    if a is None or b is None or a.python or b.python or not (
            1 <= a.rank <= 2 and 1 <= b.rank <= 2):
        return None
    return Kind(None, a.dims[:-1] + b.dims[1:])


def _arithmetic(func: str, args: list) -> Kind | None:
    if any(k is None for k in args):
        return None
    if all(k.python for k in args):  # Python numbers stay Python numbers
        if func in _COMPARISONS:
            return BOOL
        if func == "truediv":
            return FLOAT
        if func in ("_rt.tree_add", "_rt.ct_mul", "add", "sub", "mul", "neg", "pos"):
            if any(k.python == "float" for k in args):
                return FLOAT
            return INT if all(k.python in ("int", "bool") for k in args) else Kind("num")
        return Kind("num")
    return _broadcast([_array(k) for k in args])


def _like(g: Kind | None, x: Kind | None) -> Kind | None:
    """The kind of ``g`` brought to ``x``'s shape."""
    if x is None:
        return None
    if _same_shape(g, x):
        return g
    return Kind(None, x.dims)


def _subscript_kind(v: ir.Subscript, kinds) -> Kind | None:
    """``x[i]``, ``x[1:]``, ``x[:-1, j]``, ``x[None]`` of an array of known rank."""
    base = _atom_kind(v.value, kinds)
    if base is None or base.python is not None:
        return None
    dims, rest = [], list(base.dims)
    for item in v.index.items:
        if isinstance(item, ir.Const) and item.value is None:
            dims.append((1, True))
        elif not rest:
            return None
        elif isinstance(item, ir.Slice):
            dims.append(_sliced(rest.pop(0), item))
        elif (_atom_kind(item, kinds) or Kind("x")).python == "int":
            rest.pop(0)
        else:
            return None  # an index array, a bool mask, an Ellipsis
    return Kind(None, tuple(dims + rest))


def _sliced(dim, item: ir.Slice):
    """The dimension ``dim`` sliced by ``item``: ``x[a:-b]`` of a dimension of size n has size
    n - a - b, whatever n is; other slices get a symbol of their own."""
    bounds = []
    for part in (item.lower, item.upper, item.step):
        if part is None or (isinstance(part, ir.Const) and part.value is None):
            bounds.append(None)
        elif isinstance(part, ir.Const) and type(part.value) is int:
            bounds.append(part.value)
        else:
            return (("slice", dim[0], repr(item)), None)
    start, stop, step = bounds
    if step not in (None, 1):
        return (("slice", dim[0], start, stop, step), None)
    if (start is None or start >= 0) and (stop is None or stop < 0):
        cut = (start or 0) - (stop or 0)
        return dim if cut == 0 else (("len", dim[0], cut), None)
    return (("slice", dim[0], start, stop), None)


# --------------------------------------------------------------------------- rewriting


def _same_shape(a: Kind | None, b: Kind | None) -> bool:
    """Shapes provably equal: the same rank and, per dimension, both of size 1, both not
    of size 1 (where ``unbroadcast(g, x)`` is emitted, ``g`` is broadcast from ``x``), or
    the same symbol."""
    if a is None or b is None or a.rank != b.rank:
        return False
    return all(da[0] == db[0] or (da[1] is not None and da[1] == db[1])
               for da, db in zip(a.dims, b.dims))


def _rewrite(body, kinds, fresh) -> tuple[ir.Stmt, ...]:
    out = []
    for s in body:
        if isinstance(s, ir.Assign) and isinstance(s.value, ir.Call):
            pre: list[ir.Stmt] = []
            s = ir.replace(s, value=_rewrite_call(s.value, kinds, pre, fresh, s.line))
            out += pre
        out.append(ir.map_bodies(s, lambda b: _rewrite(b, kinds, fresh)))
    return tuple(out)


def _rewrite_call(v: ir.Call, kinds, pre: list, fresh, line: int) -> ir.Expr:
    """``v`` without the helpers its arguments' kinds make no-ops; statements it needs
    first go to ``pre``."""
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
    elif v.func in ("_rt.matmul_vjp_x", "_rt.matmul_vjp_y") and len(args) == 3:
        return _matmul_vjp(v, args, pre, fresh, line) or v
    elif v.func in ("_rt.lift", "_rt.lift_b") and args and args[0] is not None:
        if _batched_kind(v.func, v, args) == args[0]:
            return v.args[0]  # already of the rank the others broadcast against
    elif v.func in ("_rt.vbroadcast_like", "_rt.vunbroadcast") and len(args) == 4 and (
            args[0] is not None and args[1] is not None and not args[0].python):
        flags = [_flag(x) for x in v.args[2:4]]
        lane = _lane(args[1], flags[1]) if flags[0] is True else None
        if lane is not None and _same_shape(Kind(None, args[0].dims[1:]), lane):
            return v.args[0]  # each lane already has the other's shape
    elif v.func == "_rt.vtree_add" and len(args) == 2 and all(
            k is not None and not k.optional for k in args):
        return ir.Call("add", v.args)
    return v


def _matmul_vjp(v: ir.Call, args, pre: list, fresh, line: int) -> ir.Call | None:
    """The cotangents of ``x @ y`` as a person writes them, for vectors and matrices:
    ``g @ y.T`` and ``x.T @ g``; ``np.outer`` where a vector meets a matrix."""
    g, x, y = v.args
    kg, kx, ky = args
    if any(k is None or k.python for k in args) or not (
            1 <= kx.rank <= 2 and 1 <= ky.rank <= 2) or kg.rank != kx.rank + ky.rank - 2:
        return None
    def transposed(a):
        t = fresh()
        pre.append(ir.Assign(t, ir.Call("np.transpose", (a,)), line))
        return ir.Name(t)

    if v.func == "_rt.matmul_vjp_x":
        if kx.rank == 2 and ky.rank == 2:
            return ir.Call("matmul", (g, transposed(y)))
        if kx.rank == 2:  # (m, k) @ (k,): the outer product of g and y
            return ir.Call("np.outer", (g, y))
        return ir.Call("matmul", (y, g)) if ky.rank == 2 else ir.Call("mul", (g, y))
    if kx.rank == 2:
        return ir.Call("matmul", (transposed(x), g))
    return ir.Call("np.outer", (x, g)) if ky.rank == 2 else ir.Call("mul", (g, x))
