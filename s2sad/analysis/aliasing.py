"""Aliasing: which names may share memory, and how a view was derived from its base.

NumPy lets two names reach the same memory: a second name (``z = y``), a view
(``v = y[1:]``, ``y.T``, ``y.reshape(...)``), an element of a container. An update
through one name changes what the others read. Derivative code treats names as
values, so every update must be made visible to the names that share it
(``frontend/normalize/aliases.py`` does that with this analysis).

The abstract state, flow-sensitive over the structured IR:

* ``pts[name]``: the allocation sites whose memory the name may reach (a site is the
  statement that made a fresh value, or a parameter). The most recent value of a site
  is ``(id, "new")``; when the site runs again, older values become ``(id, "old")``,
  so the array of this loop iteration never looks like the one of the previous one.
  Names holding no mutable memory (numbers) have no sites.
* ``rel[name]``: how the name was derived from another name that it shares memory with,
  while that derivation still holds (neither name, nor any name the derivation reads,
  has been rebound since)::

      z = y          rel[z] = Rel("same", "y", Name("y"))
      v = y[1:, i]   rel[v] = Rel("view", "y", Subscript(...), maybe=True)
      w = y.T        rel[w] = Rel("view", "y", Call("np.transpose", (Name("y"),)))

  ``maybe``: a view or a copy, as NumPy decides at run time (``reshape`` of a
  non-contiguous array copies; ``y[idx]`` with an index array copies; a slice of a
  list is a new list).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .. import ir
from ..rules import registry

# View kinds (``registry.views``, declared beside each primitive's rules) whose result is a
# view of the first argument, derived from it by the call itself.
VIEWS_OF_FIRST = frozenset({"reshape", "self", "transpose", "moveaxis", "opaque"})


def view_kind(func: str) -> str | None:
    """How ``func``'s result may share memory with its arguments (None: its own memory)."""
    rule = registry.find(func)
    return rule.view if rule is not None else None


# Calls that build a container holding their arguments (the container reaches their memory).
CONTAINERS = frozenset({
    "tuple", "list", "dict", "max", "min", "_rt.append", "_rt.to_list", "_rt.to_tuple",
    "_rt.dict_from", "_rt.dict_get", "_rt.dict_items", "_rt.dict_values", "_rt.dict_of_pairs",
    "_rt.dict_put", "_rt.pairs_of", "_rt.reversed_items", "_rt.when_missing",
    "_rt.as_kind_of", "_rt.gather_keys", "_rt.set_from", "_rt.last", "_rt.pop"})


@dataclass(frozen=True)
class Rel:
    """``name`` was derived from ``base`` by ``expr`` (see the module docstring)."""

    kind: str  # "same" | "view"
    base: str
    expr: ir.Expr
    maybe: bool = False


@dataclass
class AliasState:
    pts: dict[str, frozenset] = field(default_factory=dict)
    rel: dict[str, Rel] = field(default_factory=dict)
    # indexes (they keep straight-line code linear): name -> names whose derivation reads
    # it (may hold stale entries; ``bind`` checks), and the sites already made once
    readers: dict[str, frozenset[str]] = field(default_factory=dict)
    issued: set = field(default_factory=set)

    def copy(self) -> "AliasState":
        return AliasState(dict(self.pts), dict(self.rel), dict(self.readers), set(self.issued))

    def sharers(self, name: str) -> set[str]:
        """Other names that may reach memory ``name`` reaches."""
        mine = self.pts.get(name, frozenset())
        return {m for m, p in self.pts.items() if m != name and p & mine} if mine else set()

    def children(self, name: str) -> list[str]:
        return sorted(m for m in self.readers.get(name, ()) if m in self.rel
                      and self.rel[m].base == name)

    # ------------------------------------------------------------------ transfer
    def bind(self, target: str, sites: frozenset, rel: Rel | None = None) -> None:
        """``target`` is rebound: derivations that read it no longer hold."""
        for m in self.readers.get(target, frozenset()) | {target}:
            r = self.rel.get(m)
            if r is not None and (m == target or r.base == target
                                  or target in ir.names_read(r.expr)):
                del self.rel[m]
        self.pts[target] = sites
        if rel is not None:
            self.relate(target, rel)

    def relate(self, name: str, rel: Rel) -> None:
        self.rel[name] = rel
        for read in ir.names_read(rel.expr) | {rel.base}:
            self.readers[read] = self.readers.get(read, frozenset()) | {name}

    def renew(self, site) -> frozenset:
        """A statement makes a fresh value at ``site``: older values of it become "old"."""
        new, old = (site, "new"), (site, "old")
        if new in self.issued:  # made before on this path (a loop): that value is older now
            for m, p in self.pts.items():
                if new in p:
                    self.pts[m] = (p - {new}) | {old}
        self.issued.add(new)
        return frozenset({new})

    def join(self, other: "AliasState") -> "AliasState":
        out = AliasState()
        for name in self.pts.keys() | other.pts.keys():
            a, b = self.pts.get(name), other.pts.get(name)
            out.pts[name] = (a or frozenset()) | (b or frozenset())
            ra, rb = self.rel.get(name), other.rel.get(name)
            if ra == rb or rb is None and not b:  # unbound or a number on the other path
                rel = ra
            elif ra is None and not a:
                rel = rb
            else:
                rel = None
            if rel is not None:
                out.relate(name, rel)
        out.issued = self.issued | other.issued
        return out


def assign(state: AliasState, s: ir.Assign, site_of=None, returns_args=None) -> None:
    """Update ``state`` for ``s.target = s.value`` (views, containers, fresh values)."""
    v, t = s.value, s.target
    if isinstance(v, ir.Name):
        state.bind(t, state.pts.get(v.id, frozenset()), Rel("same", v.id, v))
    elif isinstance(v, ir.Const):
        state.bind(t, frozenset())
    elif isinstance(v, ir.Subscript) and isinstance(v.value, ir.Name):
        base = v.value.id
        maybe = not all(isinstance(i, ir.Const) and type(i.value) is int for i in v.index.items)
        state.bind(t, state.pts.get(base, frozenset()), Rel("view", base, v, maybe))
    elif isinstance(v, ir.Call) and view_kind(v.func) in VIEWS_OF_FIRST and v.args and (
            isinstance(v.args[0], ir.Name)):
        base = v.args[0].id
        state.bind(t, state.pts.get(base, frozenset()), Rel("view", base, v, True))
    else:
        fresh = state.renew(id(s) if site_of is None else site_of(s))
        reached = frozenset()
        if isinstance(v, ir.Call) and not _owns_result(v.func):
            reached = _reached(state, v)  # a container, or code that may return its inputs
        elif isinstance(v, ir.UserCall) and (returns_args is None or returns_args(v.func)):
            reached = _reached(state, v)
        if isinstance(v, ir.Call) and v.func == "_rt.append" and isinstance(v.args[0], ir.Name):
            lst = v.args[0].id  # the list itself now holds the item
            state.pts[lst] = state.pts.get(lst, frozenset()) | _reached(state, v)
        state.bind(t, fresh | reached)


def _owns_result(func: str) -> bool:
    """Whether a call returns memory of its own: primitives with rules do unless their rules
    declare a view; code s2sad does not know (``call_method``, library functions without
    rules) may hand back what it was given, except random draws and plain builtins."""
    if func in CONTAINERS:
        return False
    rule = registry.find(func)
    if rule is not None:
        return rule.view is None
    return func.startswith("np.random.") or func in _OWN_BUILTINS


_OWN_BUILTINS = frozenset({
    "add", "sub", "mul", "truediv", "floordiv", "mod", "pow", "matmul", "neg", "pos",
    "invert", "lt", "le", "gt", "ge", "eq", "ne", "and_", "or_", "not_", "xor", "lshift",
    "rshift", "is_", "is_not", "in_", "not_in", "abs", "len", "float", "int", "bool",
    "complex", "range", "str", "print", "isinstance", "round"})


def _reached(state: AliasState, v) -> frozenset:
    out = frozenset()
    for a in ir.atoms_of(v):
        if isinstance(a, ir.Name):
            out |= state.pts.get(a.id, frozenset())
    return out


def may_share(fn: ir.Function) -> dict[str, set[str]]:
    """Flow-insensitive: for each name, the names that may share memory with it at some
    point (``_rt.private`` copies share nothing). For the reverse sweep: restoring an
    array updated in place also restores what other names read through it.

    Names an assignment may make share memory (a copy of a name, a view, a container, a
    call that may return its arguments) join one class; linear in the function (a class
    is a union-find set), and conservative: a class may hold names that never share."""
    parent: dict[str, str] = {}

    def find(n: str) -> str:
        parent.setdefault(n, n)
        while parent[n] != n:
            parent[n] = parent[parent[n]]
            n = parent[n]
        return n

    for s in ir.walk(fn.body):
        if isinstance(s, ir.Assign):
            for other in _shared_operands(s.value):
                parent[find(s.target)] = find(other)
            find(s.target)
    classes: dict[str, set[str]] = {}
    for n in list(parent):
        classes.setdefault(find(n), set()).add(n)
    return {n: classes[find(n)] for n in parent}


def _shared_operands(v) -> list[str]:
    """The names whose memory ``v``'s value may reach (see ``assign``)."""
    if isinstance(v, ir.Name):
        return [v.id]
    if isinstance(v, ir.Subscript) and isinstance(v.value, ir.Name):
        return [v.value.id]
    if isinstance(v, ir.Call) and not _owns_result(v.func):
        return [a.id for a in ir.atoms_of(v) if isinstance(a, ir.Name)]
    if isinstance(v, ir.UserCall):
        return [a.id for a in ir.atoms_of(v) if isinstance(a, ir.Name)]
    return []


__all__ = ["AliasState", "Rel", "assign", "may_share", "view_kind", "CONTAINERS"]
