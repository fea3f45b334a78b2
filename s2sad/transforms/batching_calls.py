"""Batching of primitive calls: each call with batched arguments becomes the batched form its
rule declares (``registry.Batching``, next to its jvp/vjp rules).

A mixin of ``BatchFunction`` (``transforms/batching.py``), which supplies the statuses
(``st``), temporaries (``temp``) and widening. Elementwise operations align ranks
(``_rt.lift``), reductions and shape operations get their axes shifted past the batch
axis, hot helpers have batched twins (``_rt.vunbroadcast``...)::

    y = np.sum(x, axis=0)       ->   y = np.sum(x, axis=1)          # x batched
    z = x * w                   ->   _l1 = _rt.lift(x, w); z = _l1 * w

A primitive without a declaration runs once per lane (``_rt.vmap_call``), which is right
for any primitive; ``per_lane`` reports each such call (vmap warns about it once).
"""

from __future__ import annotations

from functools import reduce

from .. import ir
from ..rules import registry
from ..runtime.batching import shift_axis  # the same shift, on literal axes at compile time
from .batching_nested import NESTED_KINDS
from .batching_status import ALL, ListOf, NotBatchable, Restart, full, join, join_items, printable


class CallBatching:
    """Needs ``st``, ``temp``, ``widen``, ``append_item``, ``lists``, ``k`` (see above)."""

    def call(self, target: str, v: ir.Call, out: list, line: int):
        """The batched form of ``target = v`` and its status."""
        special = self.folded_seed(v, out, line) or self.list_call(target, v, out, line)
        if special is not None:
            return special
        statuses = [self.st(a) for a in v.args]
        kw_statuses = [self.st(a) for _, a in v.kwargs]
        if not any(statuses) and not any(kw_statuses):
            return v, False
        if v.func == "tuple":
            return v, tuple(statuses)
        if any(kw_statuses):
            raise NotBatchable(f"{v.func} with a batched keyword argument")
        if v.func == "list":  # a list of lanes: every item widened to one status
            item = reduce(join, (full(st) for st in statuses))
            args = [self.widened(a, st, item, out, line) for a, st in zip(v.args, statuses)]
            return ir.Call("list", tuple(args)), ListOf(item)
        return self.ruled_call(v, registry.find(v.func), statuses, out, line)

    def folded_seed(self, v: ir.Call, out: list, line: int):
        """``seed * partial`` (``ct_mul`` or ``*``) is ``partial``: vmap's seed is 1 in every
        lane (``self.ones``), so the product need not be computed; the output is still
        checked to be one number per lane (``_rt.vseed_check``, kept by dead-code removal)."""
        if v.func in ("_rt.ct_mul", "mul") and len(v.args) == 2:
            for one, other in (v.args, v.args[::-1]):
                if isinstance(one, ir.Name) and one.id in self.ones and isinstance(
                        other, ir.Name):
                    out.append(ir.ExprStmt(ir.Call("_rt.vseed_check", (self.ones[one.id],)),
                                           line))
                    return other, self.st(other)
        return None

    def list_call(self, target: str, v: ir.Call, out: list, line: int):
        """Tape operations (push, pop, copy): their items keep one status per list."""
        if v.func in ("_rt.append", "_rt.appended"):
            lst, item = v.args
            if target in self.lists:  # the list and the grown one hold the same items
                joined = join_items(self.lists.get(lst.id), self.lists[target])
                if self.lists.get(lst.id) != joined or self.lists[target] != joined:
                    self.lists[lst.id] = self.lists[target] = joined
                    raise Restart
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
        return None

    def ruled_call(self, v: ir.Call, rule, statuses: list, out: list, line: int):
        """A primitive call with batched arguments, as its rule's batching kind says."""
        kind = rule.batching.kind if rule is not None and rule.batching else None
        if kind == "statuses":  # the helper takes every argument's status too (pytrees)
            return self.with_statuses(v, rule, rule.batching, out, line)
        if kind in NESTED_KINDS:  # a helper of batched code, batched again
            return self.nested(v, rule, statuses, out, line)
        if kind == "cotangent_twin":
            return self.cotangent_twin(v, rule, rule.batching)
        if any(isinstance(a, ir.Index) and self.st(a) for a in v.args):
            raise NotBatchable(f"{v.func} at an index that differs across the batch "
                               f"({self.prog.where(self.fn, self.line)})")
        if kind == "same_shapes":  # leaf by leaf: batched where any operand is
            return ir.replace(v, func=rule.batching.helper or v.func), reduce(join, statuses)
        if kind == "sequence" and all(st is False for st in statuses[1:]):
            return self.sequence_op(v, rule, statuses[0], out, line)
        if all(st in (False, True, ALL) for st in statuses) and ALL in statuses:
            v, statuses = self.as_arrays(v, statuses, out, line)
        if any(st not in (False, True) for st in statuses):
            return self.fallback(v, statuses), True
        return self.primitive(v, rule, statuses, out, line)

    def as_arrays(self, v: ir.Call, statuses: list, out: list, line: int):
        """Operands known to be arrays only at run time (``ALL``): checked there, then
        batched arrays."""
        args = list(v.args)
        for i, st in enumerate(statuses):
            if st == ALL:
                args[i] = self.temp(ir.Call("_rt.batched_array", (v.args[i],)), out, line, "_a")
                self.status[args[i].id] = True
        return ir.replace(v, args=tuple(args)), [st in (True, ALL) for st in statuses]

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
        """Any primitive, right by construction: one call per lane (``_rt.vmap_call``),
        noted in ``per_lane`` (vmap warns once about each)."""
        self.prog.note_per_lane(self.fn, v.func, self.line)
        kwargs = v.kwargs + ((("container", ir.Const(True)),) if container else ())
        return ir.Call("_rt.vmap_call", (ir.Const(v.func), ir.Const(tuple(
            printable(st) for st in statuses))) + v.args, kwargs)

    def primitive(self, v: ir.Call, rule, batched: list, out: list, line: int):
        """The batched form of a primitive call whose array arguments have ``batched`` flags,
        as its rule's ``batching`` declares (``rules/registry.py``); else one call per lane."""
        b = rule.batching if rule is not None else None
        kind = b.kind if b is not None else None
        if kind == "elementwise":  # a helper, if any, is the lane-by-lane form (``not``)
            v = ir.replace(v, func=b.helper or v.func)
            return self.elementwise(v, batched, out, line), True
        if kind == "any_twin":  # the helper broadcasts lane by lane whatever is batched
            return ir.Call(b.helper, v.args, v.kwargs), True
        if kind == "matmul" and not v.kwargs:
            return ir.Call("_rt.vmatmul", v.args + tuple(ir.Const(x) for x in batched)), True
        if kind == "twin":  # the helper takes every parameter, then the batched flag of each
            bound = rule.bind(v.args, dict(v.kwargs))  # array parameter ``b.params`` names
            args = tuple(self.as_atom(bound[p]) for p in rule.signature.parameters)
            flags = [self.st(self.as_atom(bound[p])) is True for p in b.params]
            return ir.Call(b.helper, args + tuple(ir.Const(x) for x in flags)), True
        if batched[0] and not any(batched[1:]):
            done = self.first_batched(v, rule, kind, out, line)
            if done is not None:
                return done, True
        if v.func == "dict":
            raise NotBatchable("a dict of batched values")
        if rule is None:  # a library function s2sad knows nothing of: no lane can be run
            raise NotBatchable(f"{v.func} has no rule in s2sad, so it cannot run on a batch of "
                               f"lanes ({self.prog.where(self.fn, self.line)})")
        if "container" in rule.tags:
            return self.fallback(v, batched, container=True), ListOf(True)
        return self.fallback(v, batched), True

    def first_batched(self, v: ir.Call, rule, kind, out: list, line: int):
        """The batched call when only the first argument is batched (axes shifted past the
        batch axis...), or None where the kind has no such form."""
        b = rule.batching if rule is not None else None
        if kind == "first_twin":
            return ir.Call(b.helper, v.args, v.kwargs)
        if kind == "leading":
            return v
        if kind == "reduction":
            return self.with_axis(v, 1, "axis", out, line, all_axes="_rt.batch_axes")
        if kind == "axis_required" and self.axis_of(v, 1, "axis") != ir.Const(None):
            return self.with_axis(v, 1, "axis", out, line)
        if kind == "axes":
            params = list(rule.signature.parameters)
            bound = rule.bind(v.args, dict(v.kwargs))
            return ir.Call(v.func, (v.args[0],) + tuple(
                self.shift(self.as_atom(bound[p]), out, line) if p in b.params
                else self.as_atom(bound[p]) for p in params[1:]))
        if kind == "default_axes":
            return self.default_axes(v, b, out, line)
        if kind == "reshape":
            shape = v.args[1] if len(v.args) > 1 else dict(v.kwargs).get("shape", ir.Const(-1))
            new = self.temp(ir.Call("_rt.batch_shape", (v.args[0], shape)), out, line, "_shape")
            return ir.Call("np.reshape", (v.args[0], new))
        return None

    def cotangent_twin(self, v: ir.Call, rule, b):
        """A cotangent helper whose primal (``b.params[1]``) may be a container: the helper
        takes every parameter, then the status of each of ``b.params``; the result is
        shaped like the primal, every leaf batched (``ALL`` where only the run time knows
        whether the primal is an array)."""
        bound = rule.bind(v.args, dict(v.kwargs))
        args = tuple(self.as_atom(bound[p]) for p in rule.signature.parameters)
        statuses = [self.st(self.as_atom(bound[p])) for p in b.params]
        primal = statuses[1]
        result = True if primal is True else full(primal) if isinstance(primal, tuple) else ALL
        kwargs = tuple(("index_flags", ir.Const(self.lane_flags(a))) for a in args
                       if isinstance(a, ir.Index) and self.st(a))  # each lane's own index
        return ir.Call(b.helper, args + tuple(ir.Const(printable(st)) for st in statuses),
                       kwargs), result

    def with_statuses(self, v: ir.Call, rule, b, out: list, line: int):
        """``helper(*args, statuses=...)``, the status of each positional argument; its
        result's status is named by ``b.params[0]``: "same" (the first argument's), "join"
        (every argument's, joined), "array" (a batched array), "item"
        (the items of the list it takes), "list" (a list of such items), "all" (every leaf
        batched), "none" (the same in every lane)."""
        statuses = [self.st(a) for a in v.args]
        call = ir.Call(b.helper, v.args, v.kwargs + (
            ("statuses", ir.Const(tuple(printable(st) for st in statuses))),))
        first = statuses[0]
        result = {"same": first, "none": False, "all": True if first is True else ALL,
                  "array": True,
                  "join": reduce(join, statuses),
                  "item": first.item if isinstance(first, ListOf) else first,
                  "list": ListOf(full(first))}[b.params[0]]
        return call, result

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
