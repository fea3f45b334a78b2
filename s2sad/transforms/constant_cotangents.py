"""Cotangents that hold one number everywhere, folded into the operations that read them.

The reverse sweep of a scalar loss starts from the seed 1 and, through ``np.sum`` or
``np.mean``, broadcasts it to the shape of the summed array; every step after that
multiplies by the broadcast ones. A person writing the gradient by hand starts from
the partials instead, and never computes the loss itself when only the gradient is
asked for::

    _t8 = np.sum(_t7)                            (gone: nothing reads it now)
    _bt8 = _rt.seed(_t8)                         _bt8 = 1.0
    _bt7 = _rt.sum_vjp(_bt8, _t7, None, False)   (gone)
    _bt5 = _bt7 * _t15                           _bt5 = _t15
    _bt3 = _bt7 * 100.0                          (gone)
    _bt2 = _bt3 * _t25                           _bt2 = _t25 * 100.0

A *fact* ``name -> (c, like)`` says that ``name`` is bound once, at the top level of the
function, to a float64 array of ``like``'s shape each of whose elements is ``c`` (a
number, or a Python float bound once). Facts start where a float64 (or Python float)
scalar is broadcast by ``sum_vjp``/``mean_vjp`` of a whole array, and follow copies,
negation, and multiplication or division by scalars. A statement that reads a fact
gets the number instead where its other operand has the result's shape and dtype
float64 (``c * x`` is then ``x * c``, exactly, element by element); any other reader
keeps reading the name, whose defining statement stays (``simplify.dead_code`` drops
it once nothing reads it). The seed of a scalar output known to be float64 becomes
``1.0``, so the loss is not computed when nothing else reads it.

Only for specialized modules: the folding needs the kinds and dtypes of the operands.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from .. import ir
from ..rules import registry
from .simplify import _pure, makes_new_array
from .specialize import _AXIS_REDUCTIONS as _REDUCTIONS
from .specialize import Kind, _broadcast, _neutral, _same_shape

_F8 = np.dtype("float64")
# binary operations whose result dtype is the promotion of their operands'
_PROMOTING = {"add", "sub", "mul", "truediv", "pow", "neg", "pos", "matmul", "np.matmul",
              "np.dot", "np.sum", "np.mean", "np.max", "np.min", "np.amax", "np.amin",
              "np.prod", "np.transpose", "_rt.ct_mul"}
# cotangent helpers whose result has the dtype of their first argument, as an array
_CARRYING = {"_rt.unbroadcast", "_rt.broadcast_like"}


@dataclass(frozen=True)
class _Fact:
    c: ir.Const | ir.Name  # every element's value: a number, or a Python float bound once
    like: Kind  # the shape


def fold(fn: ir.Function, kinds: dict, fresh) -> ir.Function:
    """``fn`` with the facts it establishes folded into their readers (module doc);
    ``kinds``: ``specialize.infer``'s answer for ``fn``; ``fresh()``: a new name."""
    return _Folder(fn, kinds, fresh).run()


def dtype_analysis(fn: ir.Function, kinds: dict) -> "_Folder":
    """What ``fold`` knows of ``fn``'s dtypes, for other passes: ``.dtype(atom)`` (a NumPy
    dtype, ``float``/``int`` for a Python number, or None) from its parameters' kinds."""
    return _Folder(fn, kinds, lambda: "")


class _Folder:
    def __init__(self, fn: ir.Function, kinds: dict, fresh):
        self.fn, self.kinds, self.fresh = fn, kinds, fresh
        self.defs: dict[str, int] = {}
        self.reads: dict[str, int] = {}
        for s in ir.walk(fn.body):
            for t in ir.stmt_writes(s):
                self.defs[t] = self.defs.get(t, 0) + 1
            for n in ir.stmt_reads(s):
                self.reads[n] = self.reads.get(n, 0) + 1
        self.values = {s.target: s.value for s in ir.walk(fn.body)
                       if isinstance(s, ir.Assign) and self.once(s.target)}
        self.dtypes: dict[str, object] | None = None  # ``infer_dtypes``, when first asked
        self.facts: dict[str, _Fact] = {}
        self._escaping: set[str] | None = None

    def once(self, name: str) -> bool:
        return self.defs.get(name) == 1 and name not in self.fn.params

    def run(self) -> ir.Function:
        return ir.replace(self.fn, body=self.sweep(self.fn.body, top=True))

    # ------------------------------------------------------------------ dtypes

    def dtype(self, a) -> object:
        """``float``/``int`` for a Python number, a NumPy dtype for an array or NumPy scalar,
        None when not known (``infer_dtypes``)."""
        if isinstance(a, ir.Const):
            return type(a.value) if type(a.value) in (float, int) else None
        if not isinstance(a, ir.Name):
            return None
        if self.dtypes is None:
            self.infer_dtypes()
        return self.dtypes.get(a.id)

    def infer_dtypes(self) -> None:
        """Every name's dtype: parameters' from their kinds; an assigned name's the join of
        what each of its assignments gives (equal, or unknown), to a fixed point from
        "nothing yet" (a loop-carried value takes its first assignment's dtype until an
        assignment disagrees). Placeholders (``= None``) and tape pops add nothing."""
        table: dict[str, object] = {}
        for p in self.fn.params:
            k = self.kinds.get(p)
            table[p] = (float if k.python == "float" else None) if k is not None and k.python \
                else (np.dtype(k.dtype) if k is not None and k.dtype else None)
        assigns = [s for s in ir.walk(self.fn.body) if isinstance(s, ir.Assign)
                   and not _neutral(s.value)]
        unknown = {t for s in ir.walk(self.fn.body) for t in ir.stmt_writes(s)
                   if not isinstance(s, ir.Assign)}  # loop targets, ...
        self.dtypes = table
        for _ in range(20):
            changed = False
            for s in assigns:
                if s.target in self.fn.params or s.target in unknown:
                    continue
                d = self._value_dtype(s.value)
                if d is None and isinstance(s.value, ir.Subscript):
                    # an item of a container argument: its kind has the argument's dtype
                    k = self.kinds.get(s.target)
                    d = np.dtype(k.dtype) if k is not None and k.dtype else None
                if d is _PENDING:
                    continue
                if s.target not in table:
                    table[s.target] = d
                    changed = True
                elif table[s.target] is not None and not _same_dtype(table[s.target], d):
                    table[s.target] = None
                    changed = True
            if not changed:
                break
        for n in unknown:
            table.setdefault(n, None)

    def _value_dtype(self, v) -> object:
        if isinstance(v, ir.Name) and v.id not in self.dtypes:
            return _PENDING if v.id not in self.fn.params else None
        if isinstance(v, (ir.Name, ir.Const)):
            return self.dtype(v)
        if isinstance(v, ir.Subscript):
            if isinstance(v.value, ir.Name) and v.value.id not in self.dtypes:
                return _PENDING
            d = self.dtype(v.value)
            return d if isinstance(d, np.dtype) else None
        if not isinstance(v, ir.Call) or not _plain_options(v):
            return None
        atoms = [a for a in v.args if isinstance(a, (ir.Name, ir.Const))]
        if len(atoms) != len(v.args):
            return None
        if any(isinstance(a, ir.Name) and a.id not in self.dtypes for a in atoms):
            return _PENDING  # an operand with nothing yet: this waits a round
        if v.func == "_rt.seed" and len(atoms) == 1:  # folded to 1.0 where the output allows
            return float if self.scalar_output(atoms[0]) else None
        if v.func in _CARRYING:
            d = self.dtype(atoms[0])
            return _F8 if d is float else d
        rule = registry.find(v.func)
        if v.func not in _PROMOTING and (rule is None or rule.kind != registry.ELEMENTWISE):
            return None
        if v.func in _REDUCTIONS:
            atoms = atoms[:1]  # the reduced array (axis and keepdims are options)
        ds = [self.dtype(a) for a in atoms]
        if any(d is None for d in ds) or not ds:
            return None
        # (``np.dtype("float64") == float`` holds: Python types are told apart by identity)
        weak = [d is float or d is int for d in ds]
        if all(weak):  # Python numbers: Python arithmetic
            has_float = any(d is float for d in ds)
            if v.func.startswith("np."):
                return _F8 if has_float else None
            if has_float or v.func == "truediv":
                return float if v.func in _PROMOTING else None
            return int if v.func in ("add", "sub", "mul", "neg", "pos") else None
        result = np.result_type(*(d(1) if w else d for d, w in zip(ds, weak)))
        return result if result.kind == "f" else None

    def f8(self, a) -> bool:
        """``a`` is a float64 array (or NumPy scalar)."""
        d = self.dtype(a)
        return isinstance(d, np.dtype) and d == _F8

    # ------------------------------------------------------------------ folding

    def sweep(self, body, top: bool) -> tuple:
        out: list[ir.Stmt] = []
        for s in body:
            if isinstance(s, ir.Assign) and isinstance(s.value, ir.Call):
                pre: list[ir.Stmt] = []
                value, fact = self.fold_call(s.value, pre, s.line, s.target)
                out += pre
                if fact is not None and top and self.once(s.target):
                    self.facts[s.target] = fact
                if value is not None:
                    s = ir.Assign(s.target, value, s.line)
                    self.values[s.target] = value if self.once(s.target) else None
            elif isinstance(s, ir.Assign) and isinstance(s.value, ir.Name) and top and (
                    s.value.id in self.facts and self.once(s.target)):
                self.facts[s.target] = self.facts[s.value.id]
            out.append(ir.map_bodies(s, lambda b: self.sweep(b, top=False)))
        return tuple(out)

    def fold_call(self, v: ir.Call, pre: list, line: int, target: str = ""):
        """(a replacement for ``target = v`` or None, the fact ``v``'s value satisfies or
        None)."""
        if v.kwargs:
            return None, None
        args = v.args
        if v.func == "_rt.seed" and len(args) == 1 and self.scalar_output(args[0]):
            return ir.Const(1.0), None
        if v.func in ("_rt.sum_vjp", "_rt.mean_vjp") and len(args) == 4 and isinstance(
                args[1], ir.Name) and _whole(args[2], args[3]):
            return None, self.broadcast_fact(v.func, args[0], args[1], pre, line)
        if v.func == "_rt.sum_vjp" and len(args) >= 2 and isinstance(args[0], ir.Name) and (
                args[0].id in self.facts and isinstance(args[1], ir.Name)):
            like = self.kinds.get(args[1].id)  # one number everywhere, broadcast along axis
            ok = like is not None and not like.python and not like.optional
            return None, _Fact(self.facts[args[0].id].c, like) if ok else None
        known = [isinstance(a, ir.Name) and a.id in self.facts for a in args]
        if not any(known):
            return None, None
        if v.func in ("_rt.unbroadcast", "_rt.broadcast_like") and known[0] and isinstance(
                args[1], ir.Name):
            fact = self.facts[args[0].id]
            return None, fact if _same_shape(fact.like, self.kinds.get(args[1].id)) else None
        if v.func == "neg" and len(args) == 1:
            fact = self.facts[args[0].id]
            return None, _Fact(self.scalar("neg", (fact.c,), pre, line), fact.like)
        if len(args) != 2 or all(known):
            return None, None
        k = 0 if known[0] else 1
        fact, other = self.facts[args[k].id], args[1 - k]
        func = "mul" if v.func == "_rt.ct_mul" and _nonzero(fact.c) else v.func
        if func not in ("mul", "truediv", "add", "sub", "_rt.tree_add"):
            return None, None
        func = "add" if func == "_rt.tree_add" else func
        if self.weak_float(other):  # still one number everywhere
            ops = (fact.c, other) if k == 0 else (other, fact.c)
            return None, _Fact(self.scalar(func, ops, pre, line), fact.like)
        if not self.fills(fact, other):
            return None, None
        if func == "mul" and _is_one(fact.c) and (self.private_temp(other) or (
                target not in self.escaping and other.id not in self.escaping)):
            return other, None  # ``1 * x``: ``x`` itself, where nobody can tell the two apart
        return ir.Call(func, (fact.c, other) if k == 0 else (other, fact.c)), None

    def broadcast_fact(self, func: str, g, a: ir.Name, pre: list, line: int) -> _Fact | None:
        """The fact of ``sum_vjp(g, a)`` (``mean_vjp``: divided by ``a``'s size)."""
        like = self.kinds.get(a.id)
        if like is None or like.python or like.optional or not self.weak_float(g):
            return None
        c = self.number(g)
        if func == "_rt.mean_vjp":  # an empty ``a`` has an empty cotangent: any c is right
            size, count = self.fresh(), self.fresh()
            pre.append(ir.Assign(size, ir.Call("np.size", (self.same_size(a),)), line))
            pre.append(ir.Assign(count, ir.Call("max", (ir.Name(size), ir.Const(1))), line))
            c = self.scalar("truediv", (c, ir.Name(count)), pre, line)
        return _Fact(c, like)

    def scalar(self, func: str, ops: tuple, pre: list, line: int) -> ir.Const | ir.Name:
        """``func(*ops)`` of Python numbers: folded when all are literals, else computed once."""
        ops = tuple(self.number(o) for o in ops)
        if all(isinstance(o, ir.Const) for o in ops):
            try:
                a = [o.value for o in ops]
                value = {"neg": lambda: -a[0], "mul": lambda: a[0] * a[1],
                         "truediv": lambda: a[0] / a[1], "add": lambda: a[0] + a[1],
                         "sub": lambda: a[0] - a[1]}[func]()
                return ir.Const(float(value))
            except ArithmeticError:
                pass
        t = self.fresh()
        pre.append(ir.Assign(t, ir.Call(func, ops), line))
        self.defs[t] = 1
        self.dtype(ir.Name(t))  # (inferred before the name is added)
        self.dtypes[t] = float
        return ir.Name(t)

    def number(self, a):
        """A name bound once to a literal: the literal."""
        if isinstance(a, ir.Name) and self.once(a.id) and isinstance(
                self.values.get(a.id), ir.Const):
            return self.values[a.id]
        return a

    def weak_float(self, a) -> bool:
        """A Python float (or int) whose value cannot change: a literal or a name bound once."""
        a = self.number(a)
        if isinstance(a, ir.Const):
            return type(a.value) in (float, int)
        return isinstance(a, ir.Name) and self.dtype(a) is float and (
            self.once(a.id) or (a.id in self.fn.params and a.id not in self.defs))

    def fills(self, fact: _Fact, other) -> bool:
        """``other`` is a float64 array with the shape of ``fact``'s broadcast against it."""
        k = self.kinds.get(other.id) if isinstance(other, ir.Name) else None
        return (k is not None and not k.python and not k.optional and self.f8(other)
                and _same_shape(_broadcast([fact.like, k]), k))

    @property
    def escaping(self) -> set[str]:
        """Names whose object someone could tell from a copy: what the function returns (and
        the names copied or packed into it), what it appends to a list or passes to a call
        that is not a pure primitive, and what a subscript assignment writes into."""
        if self._escaping is None:
            out: set[str] = set()
            for s in ir.walk(self.fn.body):
                if isinstance(s, ir.Return):
                    out |= ir.names_read(s.value)
                elif isinstance(s, ir.SetItem):
                    out.add(s.target)
                elif isinstance(s, ir.ExprStmt):  # a list append: popped, it may be returned
                    out |= ir.names_read(s.value)
                elif isinstance(s, ir.Assign) and not _pure(s.value):
                    out |= ir.names_read(s.value)  # a user function may write into it
            packs = [s for s in ir.walk(self.fn.body) if isinstance(s, ir.Assign) and (
                isinstance(s.value, ir.Name) or (isinstance(s.value, ir.Call) and (
                    s.value.func in ("tuple", "list", "dict"))))]
            changed = True
            while changed:
                changed = False
                for s in packs:
                    if s.target in out and not ir.names_read(s.value) <= out:
                        out |= ir.names_read(s.value)
                        changed = True
            self._escaping = out
        return self._escaping

    def private_temp(self, a) -> bool:
        """A temporary this function computed (a fresh array) and reads only here: taking it
        as the result aliases nothing anyone can observe."""
        return (isinstance(a, ir.Name) and a.id.startswith("_t") and self.once(a.id)
                and self.reads.get(a.id) == 1 and makes_new_array(self.values.get(a.id)))

    def scalar_output(self, a) -> bool:
        """``a`` is a float64 (or Python float) scalar: its seed is ``1.0``."""
        k = self.kinds.get(a.id) if isinstance(a, ir.Name) else None
        d = self.dtype(a)
        return k is not None and k.rank == 0 and (d is float or self.f8(a))

    def same_size(self, a: ir.Name) -> ir.Name:
        """A name with as many elements as ``a``, preferring a parameter: through elementwise
        operations whose operand has the result's rank and no dimension of size 1 (so the
        result's shape is the operand's, whatever broadcasting did)."""
        seen, todo = set(), [a]
        while todo:
            n = todo.pop()
            if n.id in seen:
                continue
            seen.add(n.id)
            if n.id in self.fn.params and n.id not in self.defs:
                return n
            v = self.values.get(n.id)
            if not (_elementwise(v) or (isinstance(v, ir.Call) and v.func in (
                    "add", "sub", "mul", "truediv", "neg", "pow"))):
                continue
            rank = self.kinds[n.id].rank if self.kinds.get(n.id) else None
            for x in v.args:
                k = self.kinds.get(x.id) if isinstance(x, ir.Name) else None
                if k is not None and not k.python and k.rank == rank and all(
                        one is False for _, one in k.dims):
                    todo.append(x)
        return a


_PENDING = object()  # an operand not inferred yet (``infer_dtypes`` tries again)


def _plain_options(v: ir.Call) -> bool:
    """No keyword arguments but a reduction's literal ``axis``/``keepdims``."""
    return not v.kwargs or (v.func in _REDUCTIONS and all(
        k in ("axis", "keepdims") and isinstance(x, ir.Const) for k, x in v.kwargs))


def _same_dtype(a, b) -> bool:
    """Two dtypes that are the same one (Python types by identity: ``np.dtype("f8") ==
    float`` holds)."""
    if isinstance(a, np.dtype) and isinstance(b, np.dtype):
        return a == b
    return a is b


def _elementwise(v) -> bool:
    if not isinstance(v, ir.Call) or v.kwargs:
        return False
    rule = registry.find(v.func)
    return rule is not None and rule.kind == registry.ELEMENTWISE


def _whole(axis, keepdims) -> bool:
    """``axis=None, keepdims=False``: a reduction of every element."""
    return (isinstance(axis, ir.Const) and axis.value is None and isinstance(keepdims, ir.Const)
            and keepdims.value is False)


def _is_one(c) -> bool:
    return isinstance(c, ir.Const) and c.value == 1


def _nonzero(c) -> bool:
    """A finite number other than 0 (``ct_mul`` by it is a plain product)."""
    return isinstance(c, ir.Const) and type(c.value) in (float, int) and c.value != 0 and (
        math.isfinite(c.value))
