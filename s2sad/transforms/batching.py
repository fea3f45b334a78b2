"""Batching: the same program run on ``k`` lanes at once, the lanes on a new leading axis.

``BatchProgram(program).batched(fn, statuses)`` emits ``fn_batched(_k, *params)``,
in which every parameter marked batched carries a leading axis of size ``_k``
(lane ``i`` is ``param[i]``); unbatched values are the same in every lane and
stay unbatched, so only the computation that depends on batched inputs is
widened. Vector forward mode is this transform applied to a generated ``jvp``
(all basis tangents in one pass), vector reverse mode the same applied to a
generated backward function (all basis cotangents in one pass).

The status of a value is ``False`` (unbatched), ``True`` (an array with the
batch axis), ``ListOf(item)`` (a list, e.g. a tape, whose items all have the
status ``item``, every leaf batched) or a tuple of statuses (a tuple value).
Each primitive call with batched arguments becomes the batched form its rule
declares (``registry.Batching``, next to its jvp/vjp rules): elementwise
operations align ranks (``_rt.lift``), reductions and shape operations get
their axes shifted past the batch axis, hot helpers have batched twins
(``_rt.vunbroadcast``...); a primitive without a declaration runs once per lane
(``_rt.vmap_call``), which is right for any primitive. Control flow must not depend on batched values (that
would need masking); ``NotBatchable`` says so, and callers fall back to one
pass per lane.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import reduce

from .. import ir
from ..rules import registry
from ..runtime.batching import shift_axis  # the same shift, on literal axes at compile time
from .common import ProgramTransform
from .naming import Names


ALL = "all"  # every leaf batched, structure known only at run time (an item of a mixed tape)


@dataclass(frozen=True)
class ListOf:
    """The status of a list whose items all have status ``item`` (a fully batched status)."""

    item: object


def full(st):
    """``st`` with every leaf batched (what ``_rt.vbatch`` makes of an unbatched value)."""
    if isinstance(st, tuple):
        return tuple(full(x) for x in st)
    return st if isinstance(st, ListOf) or st == ALL else True


def printable(st):
    """A status as a literal for ``_rt.widen`` (lists are "list")."""
    if isinstance(st, tuple):
        return tuple(printable(x) for x in st)
    return "list" if isinstance(st, ListOf) else st


class NotBatchable(Exception):
    """The program cannot run batched (batched control flow, a container-valued rule...)."""


class _Restart(Exception):
    """A list turned out to hold batched items: transform the function again from the top."""


def _join(a, b):
    """The status a value has where two paths meet: the narrower side is widened to it."""
    if a == b:
        return a
    if ALL in (a, b):  # every leaf batched: the other side's unbatched leaves are widened
        return ALL
    if a in (True, False) and b in (True, False):
        return True
    if isinstance(a, ListOf) and b in (False, True) or isinstance(b, ListOf) and a in (
            False, True):  # a list (None where unbound; True: every leaf batched) and lanes
        lst = a if isinstance(a, ListOf) else b
        return ListOf(_join(lst.item, True))
    if isinstance(a, tuple) or isinstance(b, tuple):
        n = len(a) if isinstance(a, tuple) else len(b)
        ea = a if isinstance(a, tuple) else (a,) * n
        eb = b if isinstance(b, tuple) else (b,) * n
        if len(ea) == len(eb) and not isinstance(a, ListOf) and not isinstance(b, ListOf):
            return tuple(_join(x, y) for x, y in zip(ea, eb))
    raise NotBatchable("a value is batched on one path and not on another in a way "
                       "that cannot be widened")


def _join_items(a, b):
    """The one status of every item of a list; items of different structure (an array and a
    tuple) cannot share one: a popped item's status must say how to subscript it."""
    if a is None or a == b:
        return b
    if isinstance(a, tuple) != isinstance(b, tuple) or isinstance(a, ListOf) != isinstance(
            b, ListOf):
        return ALL  # a popped item is subscripted by what it is at run time
    return _join(a, b)


def _capped(st, depth: int = 0):
    """``st`` with tuples nested deeper than a few levels taken as ALL, so the status of a
    recursive function's result (its residuals hold its callee's) settles."""
    if isinstance(st, tuple):
        if depth >= 3:
            return ALL
        return tuple(_capped(x, depth + 1) for x in st)
    return st


class BatchFunction:
    """One function batched for one pattern of argument statuses (see the module docstring)."""

    def __init__(self, prog: "BatchProgram", fn: ir.Function, statuses: tuple,
                 declared: object = False):
        self.prog, self.fn, self.statuses = prog, fn, statuses
        self.declared = declared  # the result is widened at least to this (recursion)
        self.lists: dict[str, object] = {}  # list name (and aliases) -> status of its items

    def transform(self, name: str) -> tuple[ir.Function, object]:
        for _ in range(20):
            try:
                return self._transform(name)
            except _Restart:
                continue
        raise NotBatchable("list statuses did not settle")  # pragma: no cover

    def _transform(self, name: str):
        self.names = Names(ir.all_names(self.fn) | set(self.prog.program.functions)
                           | self.prog.reserved)
        self.k = self.names.exact("_k")
        self.status: dict[str, object] = dict(zip(self.fn.params, self.statuses))
        self.result: object = False
        # a list parameter that receives batched items: its earlier items are widened too
        body = [self.promote(p) for p, st in self.status.items()
                if p in self.lists and not isinstance(st, ListOf)]
        body += self.run(self.fn.body)
        fn = ir.replace(self.fn, name=name, params=(self.k,) + self.fn.params, body=tuple(body),
                        defaults=(), docstring=f"{self.fn.name} on a batch of lanes "
                                               f"(axis 0 of {', '.join(self._batched_params())})")
        return fn, self.result

    def _batched_params(self):
        return [p for p, s in zip(self.fn.params, self.statuses) if s] or ["none"]

    # ------------------------------------------------------------------ helpers
    def st(self, a) -> object:
        if isinstance(a, ir.Name):
            if a.id in self.lists:
                return ListOf(self.lists[a.id])
            return self.status.get(a.id, False)
        if isinstance(a, ir.Index):
            if any(self.st(x) for x in ir.atoms_of(a)):
                raise NotBatchable("a subscript depends on a batched value")
            return False
        return False

    def temp(self, value: ir.Expr, out: list, line: int, base: str = "_v") -> ir.Name:
        t = self.names.temp(base)
        out.append(ir.Assign(t, value, line))
        return ir.Name(t)

    def promote(self, name: str, line: int = 0) -> ir.Stmt:
        """``name`` widened to every lane."""
        return ir.Assign(name, ir.Call("_rt.vbatch", (ir.Name(name), ir.Name(self.k))), line)

    def widen(self, name: str, frm, to, line: int = 0) -> list[ir.Stmt]:
        """Statements giving ``name`` (status ``frm``) the status ``to`` (see ``_join``)."""
        if frm == to:
            return []
        if frm is False and to is True:
            return [self.promote(name, line)]
        return [ir.Assign(name, ir.Call("_rt.widen", (ir.Name(name), ir.Name(self.k),
                                                      ir.Const(printable(frm)),
                                                      ir.Const(printable(to)))), line)]

    # ------------------------------------------------------------------ statements
    def run(self, body) -> list[ir.Stmt]:
        out: list[ir.Stmt] = []
        for s in body:
            if isinstance(s, ir.Assign):
                out += self.assign(s)
            elif isinstance(s, ir.SetItem):
                out += self.setitem(s)
            elif isinstance(s, ir.ExprStmt):
                out += self.effect(s)
            elif isinstance(s, ir.If):
                out += self.branch(s)
            elif isinstance(s, ir.For):
                if any(self.st(a) for a in (s.start, s.stop, s.step)):
                    raise NotBatchable("a loop's range depends on a batched value")
                out += self.loop(s)
            elif isinstance(s, ir.While):
                out += self.loop(s)
            elif isinstance(s, ir.Return):
                value, st = s.value, self.st(s.value)
                self.result = _join(st, self.declared)
                if self.result != st:
                    value = self.temp(value, out, s.line, "_r")
                    out += self.widen(value.id, st, self.result, s.line)
                out.append(ir.replace(s, value=value))
            else:
                out.append(s)
        return out

    def assign(self, s: ir.Assign) -> list[ir.Stmt]:
        out: list[ir.Stmt] = []
        v = s.value
        if isinstance(v, (ir.Name, ir.Const)):
            status = self.st(v)
        elif isinstance(v, ir.Subscript):
            v, status = self.subscript(v, out, s.line)
        elif isinstance(v, ir.UserCall):
            v, status = self.user_call(v)
        else:
            v, status = self.call(s.target, v, out, s.line)
        if isinstance(status, ListOf):
            self.lists.setdefault(s.target, status.item)
        if status == ALL and s.target in self.lists and self.lists[s.target] != ALL:
            self.lists[s.target] = ALL  # a list of lanes met one of unknown items
            raise _Restart
        if status == ALL and s.target in self.lists:
            status = ListOf(ALL)
        out.append(ir.replace(s, value=v))
        if s.target in self.lists and not isinstance(status, ListOf):
            out.append(self.promote(s.target, s.line))  # items pushed before are widened too
        self.status[s.target] = (ListOf(self.lists[s.target]) if s.target in self.lists
                                 else status)
        return out

    def subscript(self, v: ir.Subscript, out: list, line: int):
        st = self.st(v.value)
        self.st(v.index)
        if st is False:
            return v, False
        if isinstance(st, ListOf):  # an item, or a slice of the list
            items = v.index.items
            return v, (st if len(items) == 1 and isinstance(items[0], ir.Slice) else st.item)
        if st == ALL:  # a container item as it is, an array's with the batch axis
            return ir.Call("_rt.vgetitem", (v.value, v.index)), ALL
        if isinstance(st, tuple):
            items = v.index.items
            if len(items) == 1 and isinstance(items[0], ir.Const) and isinstance(
                    items[0].value, int):
                return v, st[items[0].value]
            if all(x == st[0] for x in st):
                return v, st[0]
            raise NotBatchable("a tuple of mixed batched items indexed by a runtime value")
        return ir.Subscript(v.value, self.batch_index(v.index, out, line)), True

    def batch_index(self, index: ir.Index, out: list, line: int) -> ir.Index:
        """``[idx]`` of a lane as a subscript of the batched array: ``[:, idx]``."""
        names = [i for i, item in enumerate(index.items) if isinstance(item, ir.Name)]
        if len(index.items) == 1 and names:  # a runtime index may itself be a tuple
            b = self.temp(ir.Call("_rt.batch_index", (index.items[0],)), out, line, "_idx")
            return ir.Index((b,))
        if names and names[-1] - names[0] + 1 != len(names):
            b = self.temp(ir.Call("_rt.batch_index", (index,)), out, line, "_idx")
            return ir.Index((b,))
        return ir.Index((ir.Slice(),) + index.items, True)

    def user_call(self, v: ir.UserCall):
        if any(self.st(a) for _, a in v.kwargs):
            raise NotBatchable("a batched keyword argument")
        statuses = tuple(self.st(a) for a in v.args)
        if not any(statuses):
            return v, False
        name, result = self.prog.batched(v.func, statuses)
        return ir.UserCall(name, (ir.Name(self.k),) + v.args, v.kwargs), result

    def setitem(self, s: ir.SetItem) -> list[ir.Stmt]:
        self.st(s.index)
        t, v = self.status.get(s.target, False), self.st(s.value)
        if t is False and v is False:
            return [s]
        out: list[ir.Stmt] = []
        if isinstance(t, ListOf):
            value = self.append_item(s.target, s.value, out, s.line)
            return out + [ir.replace(s, value=value)]
        if t is False:
            if v is not True:
                raise NotBatchable("a container item set to a batched value")
            out.append(self.promote(s.target, s.line))
            self.status[s.target] = True
        elif t is not True:
            raise NotBatchable("an item of a tuple set in place")
        index = self.batch_index(s.index, out, s.line)
        value = s.value
        if v is True:
            value = self.temp(ir.Call("_rt.lift_into", (s.value, ir.Name(s.target), index)),
                              out, s.line)
        return out + [ir.SetItem(s.target, index, value, s.line)]

    def effect(self, s: ir.ExprStmt) -> list[ir.Stmt]:
        v = s.value
        if v.func == "_rt.append":
            lst, item = v.args
            out: list[ir.Stmt] = []
            item = self.append_item(lst.id, item, out, s.line)
            return out + [ir.replace(s, value=ir.Call(v.func, (lst, item)))]
        if any(self.st(a) for a in ir.atoms_of(v)):
            raise NotBatchable(f"{v.func} called for its effect on a batched value")
        return [s]

    def append_item(self, lst: str, item, out: list, line: int):
        """``item`` ready to go into list ``lst``: the items of a list of lanes are all widened
        to one status (found by restarting the function when a push widens it)."""
        st = self.st(item)
        if self.st(ir.Name(lst)) == ALL:  # a list whose items are known only at run time
            return self.widened(item, st, ALL, out, line)
        if st is False and lst not in self.lists:
            return item
        want = _join_items(self.lists.get(lst), full(st))
        if self.lists.get(lst) != want:
            self.lists[lst] = want
            raise _Restart
        if st == want:
            return item
        if st is False:
            return self.temp(ir.Call("_rt.vbatch", (item, ir.Name(self.k))), out, line)
        return self.temp(ir.Call("_rt.widen", (item, ir.Name(self.k), ir.Const(printable(st)),
                                               ir.Const(printable(want)))), out, line)

    # ------------------------------------------------------------------ calls
    def call(self, target: str, v: ir.Call, out: list, line: int):
        if v.func in ("_rt.append", "_rt.appended"):
            lst, item = v.args
            if target in self.lists:  # the list and the grown one hold the same items
                joined = _join_items(self.lists.get(lst.id), self.lists[target])
                if self.lists.get(lst.id) != joined or self.lists[target] != joined:
                    self.lists[lst.id] = self.lists[target] = joined
                    raise _Restart
            item = self.append_item(lst.id, item, out, line)
            return ir.Call(v.func, (lst, item)), self.st(lst)
        if v.func in ("_rt.pop", "_rt.last"):
            lst = self.st(v.args[0])
            if lst == ALL:
                return v, ALL
            return v, lst.item if isinstance(lst, ListOf) else False
        if v.func in ("_rt.copy_tape", "_rt.popped"):
            return v, self.st(v.args[0])
        if v.func == "list" and not v.args:
            return v, self.st(ir.Name(target))
        statuses = [self.st(a) for a in v.args]
        kw_statuses = [self.st(a) for _, a in v.kwargs]
        if not any(statuses) and not any(kw_statuses):
            return v, False
        if v.func == "tuple":
            return v, tuple(statuses)
        if any(kw_statuses):
            raise NotBatchable(f"{v.func} with a batched keyword argument")
        if v.func == "list":  # a list of lanes: every item widened to one status
            item = reduce(_join, (full(st) for st in statuses))
            args = [self.widened(a, st, item, out, line) for a, st in zip(v.args, statuses)]
            return ir.Call("list", tuple(args)), ListOf(item)
        rule = registry.find(v.func)
        kind = rule.batching.kind if rule is not None and rule.batching else None
        if kind == "same_shapes":  # leaf by leaf: batched where any operand is
            return v, reduce(_join, statuses)
        if kind == "sequence" and all(st is False for st in statuses[1:]):
            return self.sequence_op(v, rule, statuses[0], out, line)
        if all(st in (False, True, ALL) for st in statuses) and ALL in statuses:
            # an operand known to be an array only at run time: checked there, then batched
            args = list(v.args)
            for i, st in enumerate(statuses):
                if st == ALL:
                    args[i] = self.temp(ir.Call("_rt.batched_array", (v.args[i],)), out, line,
                                        "_a")
            v, statuses = ir.replace(v, args=tuple(args)), [st in (True, ALL) for st in statuses]
        if any(st not in (False, True) for st in statuses):
            return self.fallback(v, statuses), True
        return self.primitive(v, rule, statuses, out, line)

    def widened(self, a, st, to, out: list, line: int):
        """An atom holding ``a`` (status ``st``) widened to status ``to``."""
        if st == to:
            return a
        b = self.temp(a, out, line, "_w")
        out += self.widen(b.id, st, to, line)
        return b

    def sequence_op(self, v: ir.Call, rule, st, out: list, line: int):
        """``np.concatenate``/``stack``/``hstack``/``vstack`` of a sequence of arrays."""
        items = st.item if isinstance(st, ListOf) else st
        if not (items is True or isinstance(items, tuple) and all(
                x in (True, False) for x in items)):
            raise NotBatchable(f"{v.func} of nested containers")
        seq = self.widened(v.args[0], st, st if isinstance(st, ListOf) else full(st), out, line)
        if rule.batching.helper:
            return ir.Call(rule.batching.helper, (seq,)), True
        axis = self.axis_of(v, 1, "axis")
        if axis == ir.Const(None):
            if v.func == "np.stack":
                axis = ir.Const(0)
            else:
                return self.fallback(v, [st]), True
        return ir.Call(v.func, (seq, self.shift(axis, out, line))), True

    def fallback(self, v: ir.Call, statuses, container: bool = False) -> ir.Call:
        """Any primitive, right by construction: one call per lane (``_rt.vmap_call``)."""
        kwargs = v.kwargs + ((("container", ir.Const(True)),) if container else ())
        return ir.Call("_rt.vmap_call", (ir.Const(v.func), ir.Const(tuple(
            printable(st) for st in statuses))) + v.args, kwargs)

    def primitive(self, v: ir.Call, rule, batched: list, out: list, line: int):
        """The batched form of a primitive call whose array arguments have ``batched`` flags,
        as its rule's ``batching`` declares (``rules/registry.py``); else one call per lane."""
        b = rule.batching if rule is not None else None
        kind = b.kind if b is not None else None
        first_only = batched[0] and not any(batched[1:])
        if kind == "elementwise":
            return self.elementwise(v, batched, out, line), True
        if kind == "matmul" and not v.kwargs:
            return ir.Call("_rt.vmatmul", v.args + tuple(ir.Const(x) for x in batched)), True
        if kind == "twin":  # the helper also takes the batched flag of each array parameter
            bound = rule.bind(v.args, dict(v.kwargs))
            flags = [self.st(self.as_atom(bound[p])) is True for p in b.params]
            return ir.Call(b.helper, v.args + tuple(ir.Const(x) for x in flags), v.kwargs), True
        if first_only and kind == "first_twin":
            return ir.Call(b.helper, v.args, v.kwargs), True
        if first_only and kind == "leading":
            return v, True
        if first_only and kind == "reduction":
            return self.with_axis(v, 1, "axis", out, line, all_axes="_rt.batch_axes"), True
        if first_only and kind == "axis_required" and self.axis_of(v, 1, "axis") != ir.Const(
                None):
            return self.with_axis(v, 1, "axis", out, line), True
        if first_only and kind == "axes":
            params = list(rule.signature.parameters)
            bound = rule.bind(v.args, dict(v.kwargs))
            args = [v.args[0]] + [self.shift(self.as_atom(bound[p]), out, line)
                                  if p in b.params else self.as_atom(bound[p])
                                  for p in params[1:]]
            return ir.Call(v.func, tuple(args)), True
        if first_only and kind == "default_axes":
            return self.default_axes(v, b, out, line), True
        if first_only and kind == "reshape":
            shape = v.args[1] if len(v.args) > 1 else dict(v.kwargs).get("shape", ir.Const(-1))
            new = self.temp(ir.Call("_rt.batch_shape", (v.args[0], shape)), out, line, "_shape")
            return ir.Call("np.reshape", (v.args[0], new)), True
        if v.func == "dict":
            raise NotBatchable("a dict of batched values")
        if rule is not None and "container" in rule.tags:
            return self.fallback(v, batched, container=True), ListOf(True)
        return self.fallback(v, batched), True

    def default_axes(self, v: ir.Call, b, out: list, line: int) -> ir.Call:
        """``squeeze``/``flip``/``transpose``: None means every axis of a lane (``b.helper``)."""
        axis = self.axis_of(v, 1, b.params[0])
        if axis == ir.Const(None):
            new = self.temp(ir.Call(b.helper, (v.args[0],)), out, line, "_axes")
        elif b.params[0] == "axes" and isinstance(axis, ir.Const):  # a permutation
            new = ir.Const((0,) + shift_axis(tuple(axis.value)))
        elif b.params[0] == "axes":
            new = self.temp(ir.Call(b.helper, (v.args[0], axis)), out, line, "_axes")
        else:
            new = self.shift(axis, out, line)
        return ir.Call(v.func, (v.args[0], new))

    def as_atom(self, a):
        return a if isinstance(a, (ir.Name, ir.Const, ir.Index)) else ir.Const(a)

    def axis_of(self, v: ir.Call, position: int, name: str):
        if len(v.args) > position:
            return v.args[position]
        return dict(v.kwargs).get(name, ir.Const(None))

    def shift(self, axis, out: list, line: int):
        if isinstance(axis, ir.Const):
            return ir.Const(shift_axis(axis.value))
        return self.temp(ir.Call("_rt.shift_axis", (axis,)), out, line, "_axis")

    def with_axis(self, v: ir.Call, position: int, name: str, out: list, line: int,
                  all_axes: str | None = None) -> ir.Call:
        axis = self.axis_of(v, position, name)
        if axis == ir.Const(None):
            new = self.temp(ir.Call(all_axes, (v.args[0],)), out, line, "_axes")
        else:
            new = self.shift(axis, out, line)
        if len(v.args) > position:
            args = v.args[:position] + (new,) + v.args[position + 1:]
            return ir.Call(v.func, args, v.kwargs)
        kwargs = tuple((k, a) for k, a in v.kwargs if k != name) + ((name, new),)
        return ir.Call(v.func, v.args, kwargs)

    def elementwise(self, v: ir.Call, batched: list, out: list, line: int) -> ir.Call:
        """Batched operands get unit axes so NumPy pairs the batch axis with nothing else."""
        arrays = [(a, b) for a, b in zip(v.args, batched) if isinstance(a, ir.Name)]
        if len(arrays) < 2:
            return v
        args = list(v.args)
        for i, (a, b) in enumerate(zip(v.args, batched)):
            if not b:
                continue
            plain = tuple(x for x, bx in arrays if not bx)
            wide = tuple(x for x, bx in arrays if bx and x != a)
            if plain:
                a = self.temp(ir.Call("_rt.lift", (a,) + plain), out, line, "_l")
            if wide:
                a = self.temp(ir.Call("_rt.lift_b", (a,) + wide), out, line, "_l")
            args[i] = a
        return ir.Call(v.func, tuple(args), v.kwargs)

    # ------------------------------------------------------------------ control flow
    def branch(self, s: ir.If) -> list[ir.Stmt]:
        if self.st(s.test):
            raise NotBatchable("a branch depends on a batched value")
        before = dict(self.status)
        body = self.run(s.body)
        after_body, self.status = self.status, dict(before)
        orelse = self.run(s.orelse)
        after_else = self.status
        merged = dict(before)
        for name in sorted(set(after_body) | set(after_else)):
            a, b = after_body.get(name), after_else.get(name)
            if a is None or b is None:  # bound on one path only
                merged[name] = a if b is None else b
                continue
            merged[name] = _join(a, b)
            body += self.widen(name, a, merged[name])
            orelse += self.widen(name, b, merged[name])
        self.status = merged
        return [ir.If(s.test, tuple(body), tuple(orelse), s.line)]

    def loop(self, s) -> list[ir.Stmt]:
        """The body runs with the statuses its carried values have on every trip: values it
        widens are widened before the loop, values it narrows are widened again at its end."""
        pre: list[ir.Stmt] = []
        for _ in range(20):
            before = dict(self.status)
            if isinstance(s, ir.While):
                test_body = self.run(s.test_body)
                if self.st(s.test):
                    raise NotBatchable("a while loop's test depends on a batched value")
                body = self.run(s.body)
            else:
                self.status[s.target] = False
                body = self.run(s.body)
            wider = {n: _join(before[n], st) for n, st in self.status.items()
                     if n in before and st != before[n]}
            entry = {n: st for n, st in wider.items() if st != before[n]}
            if not entry:
                for n in sorted(wider):
                    body += self.widen(n, self.status[n], wider[n], s.line)
                self.status = {**before, **self.status, **wider}
                break
            self.status = dict(before)
            for n in sorted(entry):
                pre += self.widen(n, before[n], entry[n], s.line)
                self.status[n] = entry[n]
        else:  # pragma: no cover
            raise NotBatchable("loop statuses did not settle")
        if isinstance(s, ir.While):
            return pre + [ir.While(tuple(test_body), s.test, tuple(body), s.line)]
        return pre + [ir.replace(s, body=tuple(body))]


class BatchProgram(ProgramTransform):
    """Batched versions of a program's functions, one per pattern of batched arguments."""

    def __init__(self, program: ir.Program, reserved: set[str] = frozenset()):
        super().__init__(program, reserved)
        self._done: dict[tuple, tuple[str, object]] = {}
        self._used: set[tuple] = set()  # keys looked up while being batched (recursion)

    def batched(self, callee: str, statuses: tuple) -> tuple[str, object]:
        """The batched function for this pattern of argument statuses, and its result status.

        A recursive call sees the result status guessed so far (first: unbatched); the
        function is batched again with the guess widened until the guess holds.
        """
        key = (callee, statuses)
        if key in self._done:
            name, result = self._done[key]
            self._used.add(key)
            return name, result
        name = self.module_names.exact(f"{callee}_batched")
        guess: object = False
        for _ in range(8):
            self._done[key] = (name, guess)
            before = set(self._done)
            self._used.discard(key)
            fn, result = BatchFunction(self, self.program.functions[callee], statuses,
                                       guess).transform(name)
            if key not in self._used or result == guess:
                break
            guess = _capped(result)  # residuals of a recursion nest one level per round
            for k in set(self._done) - before:  # batched under the old guess: redo them
                self.functions.pop(self._done.pop(k)[0], None)
        else:  # pragma: no cover
            raise NotBatchable(f"the batched result of {callee} did not settle")
        self.functions[name] = fn
        self._done[key] = (name, result)
        return name, result
