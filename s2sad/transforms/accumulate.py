"""Adjoint accumulation in place inside loops: ``O(size)`` per step instead of ``O(size(x))``.

The reverse sweep of a loop that reads ``x[i]`` adds a whole array to ``bx`` each step
(``_rt.getitem_vjp`` is zeros with ``g`` at ``i``): a loop over the ``n`` rows of ``x``
costs ``O(n * size(x))``. Where nothing else in the loop touches ``bx`` and ``x`` keeps
its binding (so its shape and dtype), the additions go into one accumulator of the
loop's own, which a runtime helper updates in place (``runtime/accumulate.py``)::

    for i in range(_t9, -1, -1):                   _acc1 = None
        ...                                        for i in range(_t9, -1, -1):
        _t22 = _rt.getitem_vjp(_bt4, xs, np.s_[i])     ...
        bxs = bxs + _t22                               _acc1 = _rt.add_at(_acc1, bxs, xs, np.s_[i], _bt4)
                                                   _t30 = _acc1 is not None
                                                   if _t30:
                                                       bxs = _acc1

The accumulation may sit at any depth of ``if``s and inner loops of the loop (the
outermost loop that qualifies gets the accumulator); the scatter must be directly
followed by the addition (``_rt.tree_add`` or ``+``) and be read nowhere else. The first
``add_at`` of a run computes ``bxs + getitem_vjp(...)`` exactly as the loop did, so the
accumulator is a value nothing else holds; later ones add into it. The numbers are the
loop's own, bit for bit (up to the sign of a zero).

Only for modules specialized to a call's argument kinds (``pipeline.emit`` with a
signature): those are run, never read back. Generic modules are what enclosing
transforms differentiate (grad of grad, the Hessian), and an update in place is not a
value a derivative transform may read (a tape would hold the array that later changes),
so ``add_at`` has no rule and this pass stays out of generic code.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterator

from .. import ir
from ..codegen.naming import Names

# scatters into zeros shaped like ``x`` -> the helper that adds the same into a running sum
_SCATTERS = {"_rt.getitem_vjp": "_rt.add_at",  # ``x[i]``
             "_rt.leaf_at_vjp": "_rt.add_at_leaves"}  # step i of a scan's ``xs`` (a pytree)
_ADDS = ("_rt.tree_add", "add")  # how the reverse transform adds a contribution to an adjoint


@dataclass(frozen=True)
class _Site:
    """``t = _rt.getitem_vjp(g, x, index)`` directly followed by ``bx = add(bx, t)``."""

    scatter: ir.Assign
    add: ir.Assign

    @property
    def adjoint(self) -> str:
        return self.add.target

    @property
    def primal(self) -> str:
        return self.scatter.value.args[1].id

    def add_at(self, acc: str) -> ir.Assign:
        g, x, index = self.scatter.value.args
        helper = _SCATTERS[self.scatter.value.func]
        call = ir.Call(helper, (ir.Name(acc), ir.Name(self.adjoint), x, index, g))
        return ir.Assign(acc, call, self.add.line)


def in_place(fn: ir.Function) -> ir.Function:
    """``fn`` with each loop's scatter-adds into one adjoint made into one accumulator."""
    reads = _read_counts(fn.body)
    names = Names(ir.all_names(fn) | {fn.name})
    body = _body(fn.body, reads, names)
    return fn if body == fn.body else ir.replace(fn, body=body)


def in_place_runs(fn: ir.Function) -> ir.Function:
    """The same outside loops: a scatter-add into an adjoint that holds an array this code
    just made (by a scatter, nothing having read it since) adds in place::

        bx = _rt.getitem_vjp(g1, x, np.s_[:-1])        bx = _rt.getitem_vjp(g1, x, np.s_[:-1])
        _t42 = _rt.getitem_vjp(g2, x, np.s_[1:])   ->  bx = _rt.add_at(bx, bx, x, np.s_[1:], g2)
        bx = bx + _t42

    (``add_at`` with an accumulator adds into it: no zeros of ``x``'s size, no new sum)."""
    reads = _read_counts(fn.body)
    body = _runs(fn.body, reads)
    return fn if body == fn.body else ir.replace(fn, body=body)


def _runs(body: tuple[ir.Stmt, ...], reads: dict[str, int]) -> tuple:
    owned: set[str] = set()  # adjoints bound to a fresh scatter nobody has read yet
    out: list[ir.Stmt] = []
    k = 0
    while k < len(body):
        s = body[k]
        site = _site(s, body[k + 1], reads) if k + 1 < len(body) else None
        if site is not None and site.adjoint in owned:
            out.append(site.add_at(site.adjoint))  # ``bx = _rt.add_at(bx, bx, x, idx, g)``
            k += 2
            continue
        touched = {n for st in ir.walk((s,)) for n in ir.stmt_reads(st) | ir.stmt_writes(st)}
        owned -= touched
        if isinstance(s, ir.Assign) and isinstance(s.value, ir.Call) and (
                s.value.func in _SCATTERS) and s.target not in ir.names_read(s.value):
            owned.add(s.target)
        out.append(ir.map_bodies(s, lambda b: _runs(b, reads)))
        k += 1
    return tuple(out)


def _body(body: tuple[ir.Stmt, ...], reads: dict[str, int], names: Names) -> tuple:
    out: list[ir.Stmt] = []
    for s in body:
        if isinstance(s, (ir.For, ir.While)):
            out += _loop(s, reads, names)
        else:
            out.append(ir.map_bodies(s, lambda b: _body(b, reads, names)))
    return tuple(out)


def _loop(loop: ir.For | ir.While, reads: dict[str, int], names: Names) -> list[ir.Stmt]:
    """The loop with an accumulator for every adjoint that qualifies here, then its inner
    loops treated the same way for the others."""
    places = [(s, site) for b in _own_bodies(loop) for s, site in _places(b, reads)]
    sites: dict[str, list[_Site]] = {}
    for _, site in places:
        if site is not None and site.add not in sites.get(site.adjoint, ()):
            sites.setdefault(site.adjoint, []).append(site)
    chosen = sorted(bx for bx, found in sites.items() if _qualifies(loop, bx, found, places))
    before: list[ir.Stmt] = []
    after: list[ir.Stmt] = []
    accs: dict[str, str] = {}
    for bx in chosen:
        acc = accs[bx] = names.temp("_acc")
        more = names.temp()
        before.append(ir.Assign(acc, ir.Const(None), loop.line))
        # a loop that ran no step leaves ``bx`` as it was
        after += [ir.Assign(more, ir.Call("is_not", (ir.Name(acc), ir.Const(None))), loop.line),
                  ir.If(ir.Name(more), (ir.Assign(bx, ir.Name(acc), loop.line),), (), loop.line)]
    if accs:
        loop = ir.map_bodies(loop, lambda b: _rewrite(b, accs, reads))
    loop = ir.map_bodies(loop, lambda b: _body(b, reads, names))
    return before + [loop] + after


def _qualifies(loop: ir.For | ir.While, bx: str, sites: list[_Site], places) -> bool:
    """``bx`` is read and written in the loop by its accumulations alone, all of one ``x``
    that the loop never rebinds, updates or deletes."""
    primals = {site.primal for site in sites}
    if len(primals) != 1:
        return False
    (x,) = primals
    if bx in ir.stmt_reads(loop) | ir.stmt_writes(loop) or x in ir.stmt_writes(loop):
        return False
    for s, site in places:
        if site is not None and site.adjoint == bx:
            continue
        if bx in _touched(s) or x in _changed(s):
            return False
    return True


def _touched(s: ir.Stmt) -> set[str]:
    """The names a statement itself reads, binds or deletes."""
    names = ir.stmt_reads(s) | ir.stmt_writes(s)
    return names | set(s.names) if isinstance(s, ir.Release) else names


def _changed(s: ir.Stmt) -> set[str]:
    """The names a statement itself rebinds, updates in place or deletes."""
    names = ir.stmt_writes(s)
    if isinstance(s, ir.SetItem):
        names = names | {s.target}
    return names | set(s.names) if isinstance(s, ir.Release) else names


def _own_bodies(s: ir.Stmt) -> tuple[tuple[ir.Stmt, ...], ...]:
    """A compound statement's nested bodies (``ir.map_bodies`` order)."""
    found: list[tuple] = []
    ir.map_bodies(s, lambda b: found.append(b) or b)
    return tuple(found)


def _places(body: tuple[ir.Stmt, ...], reads: dict[str, int]) -> Iterator[tuple]:
    """Every statement of ``body``, nested ones included, once per place it stands, with
    the accumulation site it is part of (or None)."""
    i = 0
    while i < len(body):
        site = _site(body[i], body[i + 1], reads) if i + 1 < len(body) else None
        if site is not None:
            yield body[i], site
            yield body[i + 1], site
            i += 2
            continue
        yield body[i], None
        for b in _own_bodies(body[i]):
            yield from _places(b, reads)
        i += 1


def _site(s: ir.Stmt, nxt: ir.Stmt, reads: dict[str, int]) -> _Site | None:
    if not (isinstance(s, ir.Assign) and isinstance(s.value, ir.Call)
            and s.value.func in _SCATTERS and not s.value.kwargs and len(s.value.args) == 3
            and isinstance(s.value.args[1], ir.Name)):
        return None
    if not (isinstance(nxt, ir.Assign) and isinstance(nxt.value, ir.Call)
            and nxt.value.func in _ADDS and not nxt.value.kwargs
            and nxt.value.args == (ir.Name(nxt.target), ir.Name(s.target))):
        return None
    t, bx = s.target, nxt.target
    g, x, index = s.value.args
    if reads.get(t) != 1 or t == bx or x.id in (t, bx) or bx in ir.names_read(g) | (
            ir.names_read(index)):
        return None
    return _Site(s, nxt)


def _rewrite(body: tuple[ir.Stmt, ...], accs: dict[str, str], reads: dict[str, int]) -> tuple:
    """``body`` with the sites of the adjoints in ``accs`` made into ``add_at`` calls (the
    same pairing as ``_places``)."""
    out: list[ir.Stmt] = []
    i = 0
    while i < len(body):
        site = _site(body[i], body[i + 1], reads) if i + 1 < len(body) else None
        if site is not None and site.adjoint in accs:
            out.append(site.add_at(accs[site.adjoint]))
            i += 2
            continue
        if site is not None:  # another adjoint's pair: kept as it is
            out += [body[i], body[i + 1]]
            i += 2
            continue
        out.append(ir.map_bodies(body[i], lambda b: _rewrite(b, accs, reads)))
        i += 1
    return tuple(out)


def _read_counts(body: tuple[ir.Stmt, ...]) -> dict[str, int]:
    """How many statements read (or delete) each name, nested bodies included."""
    counts: dict[str, int] = {}
    for s in ir.walk(body):
        for n in ir.stmt_reads(s) | (set(s.names) if isinstance(s, ir.Release) else set()):
            counts[n] = counts.get(n, 0) + 1
    return counts
