"""Specialization across the functions of a module: a callee gets the kinds its callers pass.

``specialize.py`` specializes one function to its parameters' kinds. Generated modules
are several functions: ``f_fwd``/``f_bwd`` pairs of the user's callees (a checkpointed
scan segment, a helper called in a loop), whose parameters are what the entry passes
them. This pass infers every function reached from the entry with the join of the
kinds at its call sites, to a fixpoint, and specializes each::

    _call1 = g_fwd(x, w)            g_fwd(x, w): x, w get the kinds the entry has for them
    _res1 = _call1[1]               g_bwd(_res1, _g1): _res1[0], _res1[1]... get the kinds
    _ct1 = g_bwd(_res1, _bt1)       of the names g_fwd packed into its residual tuple

Tuples are followed through a side table (``Struct``: a tuple of items, each a kind or
a struct), never through the kinds themselves: a name holding a tuple stays unknown
to ``specialize`` (so ``tree_add`` of two tuples is never rewritten to ``+``); only
what is read out of it with a constant index gets the kind of the item packed there.
A function not reached from the entry (``f_bwd`` of a ``vjp``, called by the API)
keeps its generic code.
"""

from __future__ import annotations

from .. import ir
from . import specialize, tape
from .specialize import Kind

TOP = "top"  # a name whose tuple structure is not known (two shapes, or not a tuple)


class Struct(tuple):
    """The items of a tuple, list or dict value: each a ``Kind``, a ``Struct`` or None
    (unknown). ``keys``: a dict's keys, in the order of the items (None: by position)."""

    def __new__(cls, items=(), keys: tuple | None = None):
        self = super().__new__(cls, items)
        self.keys = keys
        return self

    def __eq__(self, other):
        return (isinstance(other, Struct) and self.keys == other.keys
                and tuple.__eq__(self, other))

    def __ne__(self, other):
        return not self == other

    def __hash__(self):
        return hash((tuple(self), self.keys))

    def item(self, key):
        """The item at a constant index (by position) or key (a dict's); ``MISSING``
        where there is none (a key it lacks, an index out of range)."""
        if self.keys is not None:
            return self[self.keys.index(key)] if key in self.keys else MISSING
        if type(key) is int and -len(self) <= key < len(self):
            return self[key]
        return MISSING


def _join_item(a, b):
    if a is NOT_YET or b is NOT_YET:
        return b if a is NOT_YET else a
    if isinstance(a, Struct) and isinstance(b, Struct):
        return _join_struct(a, b)
    if isinstance(a, Struct) or isinstance(b, Struct):
        return None
    return _join_kind(a, b)


def _join_kind(a, b):
    if a is NOT_YET or b is NOT_YET:
        return b if a is NOT_YET else a
    return specialize._join(a, b)


def _join_struct(a, b):
    if a is NOT_YET or b is NOT_YET:
        return b if a is NOT_YET else a
    if a is TOP or b is TOP or len(a) != len(b) or a.keys != b.keys:
        return TOP
    return Struct((_join_item(x, y) for x, y in zip(a, b)), a.keys)


class TupleFacts:
    """What ``specialize.infer`` reads about tuples in one function (see the module doc):
    ``params`` the structs of its parameters, ``results`` those of its callees' results."""

    def __init__(self, params: dict[str, object], results: dict[str, object]):
        self.params, self.results = params, results
        self.structs: dict[str, object] = {}
        self.pending: set[str] = set()
        self.assigned: set[str] = set()
        self._assigns: tuple | None = None  # (fn, its assignments) that ``update`` reads

    def item_of(self, atom, kinds):
        """What an atom holds: its ``Struct`` if it holds a known tuple, else its kind."""
        if isinstance(atom, ir.Name):
            st = self.structs.get(atom.id)
            if isinstance(st, Struct):
                return st
            # a name with no kind yet this round holds nothing yet (bottom), not "unknown"
            if atom.id in kinds:
                return kinds[atom.id]
            return NOT_YET if atom.id in self.assigned | self.pending else None
        return specialize._atom_kind(atom, kinds)

    def value_of(self, value, kinds):
        """What an assigned value holds (a ``Struct`` or a kind), or ``MISSING`` where this
        table has nothing to say (``specialize`` reads the value itself)."""
        if isinstance(value, ir.Call) and value.func == "tuple":
            return Struct(self.item_of(a, kinds) for a in value.args)
        if isinstance(value, ir.Name):
            st = self.structs.get(value.id)
            if st is None and value.id in self.pending:
                return NOT_YET
            return st if isinstance(st, Struct) else MISSING
        if isinstance(value, ir.Call) and value.func == "_rt.getitem_vjp" and len(
                value.args) == 3:  # a cotangent of a tuple: zeros like its items, g at k
            g, x, index = value.args
            st = self.item_of(x, kinds)
            k = _constant_index(index)
            if isinstance(st, Struct) and st.keys is None and k is not None and (
                    -len(st) <= k < len(st)):
                items = list(st)
                items[k] = self.item_of(g, kinds)
                return Struct(items)
        if isinstance(value, ir.UserCall):  # not inferred yet: nothing (optimistic)
            return self.results.get(value.func, NOT_YET)
        if (isinstance(value, ir.Subscript) and isinstance(value.value, ir.Name)
                and _constant_index(value.index, keys=True) is not None):
            st = self.structs.get(value.value.id, NOT_YET if value.value.id in self.pending
                                  else None)
            if isinstance(st, Struct):
                return st.item(_constant_index(value.index, keys=True))
            if st is NOT_YET:
                return NOT_YET
        return MISSING

    def kind(self, value, kinds):
        """The kind of an item read out of a known tuple, or ``MISSING``."""
        v = self.value_of(value, kinds)
        if v is MISSING or v is NOT_YET or (isinstance(value, ir.Call) and value.func == "tuple"):
            return v if v is NOT_YET else MISSING
        return None if isinstance(v, Struct) else v

    def update(self, fn: ir.Function, kinds) -> None:
        """The structs of this round, from every definition (flow-insensitive, joined)."""
        if self._assigns is None or self._assigns[0] is not fn:  # once per function
            self._assigns = (fn, [s for s in ir.walk(fn.body) if isinstance(s, ir.Assign)])
        assigns = self._assigns[1]
        self.structs = {p: st for p, st in self.params.items() if st is not NOT_YET}
        # names bound only by results not inferred yet hold nothing yet
        self.pending = {s.target for s in assigns} | {
            p for p, st in self.params.items() if st is NOT_YET}
        self.assigned = set(self.pending) - {
            p for p, st in self.params.items() if st is not NOT_YET}
        for _ in range(10):
            before = dict(self.structs)
            for s in assigns:
                if specialize._neutral(s.value):
                    continue
                v = self.value_of(s.value, kinds)
                if v is NOT_YET:
                    continue
                self.pending.discard(s.target)
                new = v if isinstance(v, Struct) else TOP
                old = self.structs.get(s.target)
                self.structs[s.target] = new if old is None else _join_struct(old, new)
            if self.structs == before:
                break


def _constant_index(index, keys: bool = False) -> int | str | None:
    """``k`` of ``t[k]`` (an ``Index`` of one integer constant, or with ``keys`` a string
    constant too), else None."""
    if (isinstance(index, ir.Index) and len(index.items) == 1 and not index.is_tuple
            and isinstance(index.items[0], ir.Const) and (
                type(index.items[0].value) is int
                or keys and type(index.items[0].value) is str)):
        return index.items[0].value
    return None


MISSING = specialize._NOT_READ
NOT_YET = specialize._NOT_YET


def specialize_module(functions: list[ir.Function], entry: str, params: dict[str, Kind],
                      same_shape: dict[str, str] | None = None,
                      containers: dict[str, Struct] | None = None) -> list[ir.Function]:
    """Every function reached from ``entry`` specialized to the kinds it is called with;
    only the entry if the callees' results do not settle. ``same_shape``: entry
    parameters with another one's shape (a jvp's tangents, checked by the API);
    ``containers``: the entry's container parameters' items."""
    by_name = {f.name: f for f in functions}
    order = _callers_first(by_name, entry)
    results: dict[str, object] = {}
    containers = {p: _named_items(p, st) for p, st in (containers or {}).items()}
    # a function whose inputs (its parameters' kinds and structs, the callees' results)
    # are those of the round before has the same kinds: inferred once (most of the time
    # of this pass goes into ``infer``; the last round only confirms)
    inferred: dict[str, tuple] = {}
    for _ in range(6):
        kinds_in, structs_in = {entry: dict(params)}, {entry: dict(containers)}
        new_results: dict[str, object] = {}
        for name in order:
            if name not in kinds_in:
                continue
            fn = by_name[name]
            inputs = (kinds_in[name], structs_in[name], results)
            if name not in inferred or inferred[name][0] != inputs:
                facts = TupleFacts(structs_in[name], results)
                inferred[name] = (inputs, specialize.infer(fn, specialize.named_params(
                    kinds_in[name], same_shape if name == entry else None), facts), facts)
            kinds, facts = inferred[name][1:]
            ret = fn.body[-1] if fn.body and isinstance(fn.body[-1], ir.Return) else None
            new_results[name] = facts.item_of(ret.value, kinds) if ret is not None else None
            for s in ir.walk(fn.body):
                if isinstance(s, ir.Assign) and isinstance(s.value, ir.UserCall) and (
                        s.value.func in by_name):
                    _called(by_name[s.value.func], s.value, facts, kinds, kinds_in,
                            structs_in)
        if new_results == results:  # this round's kinds are the fixpoint's
            out = [specialize.specialize(f, kinds_in[f.name], kinds=inferred[f.name][1])
                   if f.name in kinds_in else f for f in functions]
            return drop_unread_split_entries(out)
        results = new_results
    facts = TupleFacts(containers, {f.name: None for f in functions}) if containers \
        else None  # (callees' results unknown)
    return [specialize.specialize(f, params, facts, same_shape) if f.name == entry else f
            for f in functions]


def _named_items(path: str, st: Struct) -> Struct:
    """A container argument's items with a symbol per dimension, each its own (as
    ``specialize.named_params`` gives a parameter's): ``p["W1"]`` and ``p["b1"]`` are
    arrays of unrelated shapes."""
    keys = st.keys if st.keys is not None else range(len(st))
    return Struct((_named_items(f"{path}[{k!r}]", item) if isinstance(item, Struct)
                   else specialize._named(f"{path}[{k!r}]", item)
                   for k, item in zip(keys, st)), st.keys)


def _callers_first(by_name: dict[str, ir.Function], entry: str) -> list[str]:
    """The functions reached from ``entry``, each after every function that calls it
    (reverse post-order of the call graph; a recursion cuts the order somewhere)."""
    seen: set[str] = set()
    post: list[str] = []

    def visit(name: str) -> None:
        seen.add(name)
        for s in ir.walk(by_name[name].body):
            if isinstance(s, ir.Assign) and isinstance(s.value, ir.UserCall):
                callee = s.value.func
                if callee in by_name and callee not in seen:
                    visit(callee)
        post.append(name)

    visit(entry)
    return post[::-1]


def _called(callee: ir.Function, call: ir.UserCall, facts: TupleFacts, kinds,
            kinds_in: dict, structs_in: dict) -> None:
    """Join what one call site passes into the callee's parameter facts."""
    first = callee.name not in kinds_in
    pk = kinds_in.setdefault(callee.name, {})
    ps = structs_in.setdefault(callee.name, {})
    for p, a in zip(callee.params, call.args):
        item = facts.item_of(a, kinds)
        if item is NOT_YET:  # nothing reaches this argument yet
            st, k = NOT_YET, NOT_YET
        else:
            st, k = (item, None) if isinstance(item, Struct) else (TOP, item)
        pk[p] = k if first else _join_kind(pk.get(p, NOT_YET), k)
        ps[p] = st if first else _join_struct(ps.get(p, NOT_YET), st)


def drop_unread_split_entries(functions: list[ir.Function]) -> list[ir.Function]:
    """``tape.drop_unread_entries`` across each ``f_fwd``/``f_bwd`` pair of a split callee:
    the forward function fills the tape, the backward one empties it."""
    by_name = {f.name: f for f in functions}
    for name, fwd in list(by_name.items()):
        bwd_name = name.replace("_fwd", "_bwd", 1) if "_fwd" in name else None
        bwd = by_name.get(bwd_name) if bwd_name else None
        # a batched twin of bwd (``f_bwd_batched``, what jacrev calls) empties the same tape
        # in its own way: the tape stays whole
        twins = [n for n in by_name if bwd_name and n != bwd_name and n.startswith(bwd_name)]
        if bwd is not None and not twins:
            by_name[fwd.name], by_name[bwd.name] = tape.drop_unread_split(fwd, bwd)
    return [by_name[f.name] for f in functions]
