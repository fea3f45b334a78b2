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

from .. import ir
from ..rules import registry
from .batching_calls import CallBatching
from .batching_control import ControlBatching, list_names
from .batching_index import IndexBatching
from .batching_nested import NestedBatching
from .batching_status import (ALL, ListOf, NotBatchable, Restart, capped, full, join,
                              join_items, printable)
from .common import ProgramTransform
from .naming import Names

__all__ = ["ALL", "ListOf", "NotBatchable", "BatchFunction", "BatchProgram"]


class BatchFunction(CallBatching, ControlBatching, NestedBatching, IndexBatching):
    """One function batched for one pattern of argument statuses (see the module docstring)."""

    def __init__(self, prog: "BatchProgram", fn: ir.Function, statuses: tuple,
                 declared: object = False):
        self.prog, self.fn, self.statuses = prog, fn, statuses
        self.declared = declared  # the result is widened at least to this (recursion)
        self.lists: dict[str, object] = {}  # list name (and aliases) -> status of its items
        self.line = 0  # the user's line of the statement being batched (for messages)

    def transform(self, name: str) -> tuple[ir.Function, object]:
        for _ in range(20):
            try:
                return self._transform(name)
            except Restart:
                continue
        raise NotBatchable("list statuses did not settle")  # pragma: no cover

    def _transform(self, name: str):
        self.names = Names(ir.all_names(self.fn) | set(self.prog.program.functions)
                           | self.prog.reserved)
        self.k = self.names.exact("_k")
        self.status: dict[str, object] = dict(zip(self.fn.params, self.statuses))
        self.tapes = list_names(self.fn)
        self.ones: dict = {}  # names holding vmap's seed (1 in every lane) -> the output
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
        if isinstance(a, ir.Index):  # an index with a batched item: True (batching_index.py)
            return any(bool(self.st(x)) for x in ir.atoms_of(a))
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
            self.line = getattr(s, "line", 0) or self.line
            if isinstance(s, ir.Assign):
                out += self.assign(s)
            elif isinstance(s, ir.SetItem):
                out += self.setitem(s)
            elif isinstance(s, ir.ExprStmt):
                out += self.effect(s)
            elif isinstance(s, ir.If):
                out += self.branch(s)
            elif isinstance(s, (ir.For, ir.While)):
                out += self.loop(s)
            elif isinstance(s, ir.Return):
                value, st = s.value, self.st(s.value)
                self.result = join(st, self.declared)
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
            raise Restart
        if status == ALL and s.target in self.lists:
            status = ListOf(ALL)
        out.append(ir.replace(s, value=v))
        if isinstance(v, ir.Call) and v.func == "_rt.vseed":
            self.ones[s.target] = v.args[0]  # the seed of every lane: 1 (CallBatching.call)
        else:
            self.ones.pop(s.target, None)
        if s.target in self.lists and not isinstance(status, ListOf):
            out.append(self.promote(s.target, s.line))  # items pushed before are widened too
        self.status[s.target] = (ListOf(self.lists[s.target]) if s.target in self.lists
                                 else status)
        return out

    def subscript(self, v: ir.Subscript, out: list, line: int):
        st = self.st(v.value)
        if self.st(v.index):
            return self.lane_subscript(v, st, out, line)
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
        if self.st(s.index):
            return self.lane_setitem(s)
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
            rule = registry.find(v.func)  # a check such as ``_rt.check_aux``: its helper
            if rule is None or rule.batching is None or rule.batching.kind != "statuses":
                raise NotBatchable(f"{v.func} called for its effect on a batched value")
            return [ir.replace(s, value=self.with_statuses(v, rule, rule.batching, [], s.line)[0])]
        return [s]

    def append_item(self, lst: str, item, out: list, line: int):
        """``item`` ready to go into list ``lst``: the items of a list of lanes are all widened
        to one status (found by restarting the function when a push widens it)."""
        st = self.st(item)
        if self.st(ir.Name(lst)) == ALL:  # a list whose items are known only at run time
            return self.widened(item, st, ALL, out, line)
        if st is False and lst not in self.lists:
            return item
        want = join_items(self.lists.get(lst), full(st))
        if self.lists.get(lst) != want:
            self.lists[lst] = want
            raise Restart
        if st == want:
            return item
        if st is False:
            return self.temp(ir.Call("_rt.vbatch", (item, ir.Name(self.k))), out, line)
        return self.temp(ir.Call("_rt.widen", (item, ir.Name(self.k), ir.Const(printable(st)),
                                               ir.Const(printable(want)))), out, line)


class BatchProgram(ProgramTransform):
    """Batched versions of a program's functions, one per pattern of batched arguments."""

    def __init__(self, program: ir.Program, reserved: set[str] = frozenset()):
        super().__init__(program, reserved)
        self._done: dict[tuple, tuple[str, object]] = {}
        self._used: set[tuple] = set()  # keys looked up while being batched (recursion)
        self.per_lane: list[str] = []  # primitives run once per lane, with where they are

    def where(self, fn: ir.Function, line: int) -> str:
        """``file.py:12: the line``, or the function's name where no line is known."""
        if not line:  # a statement the front end made: the function's own line
            return f"{fn.filename}:{fn.first_line} (in {fn.name})"
        text = self.source_line(fn, line)
        return f"{fn.filename}:{line}" + (f": {text}" if text else "")

    def note_per_lane(self, fn: ir.Function, func: str, line: int) -> None:
        note = f"{func} at {self.where(fn, line)}"
        if note not in self.per_lane:
            self.per_lane.append(note)

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
            guess = capped(result)  # residuals of a recursion nest one level per round
            for k in set(self._done) - before:  # batched under the old guess: redo them
                self.functions.pop(self._done.pop(k)[0], None)
        else:  # pragma: no cover
            raise NotBatchable(f"the batched result of {callee} did not settle")
        self.functions[name] = fn
        self._done[key] = (name, result)
        return name, result
