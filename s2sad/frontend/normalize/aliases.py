"""Make every in-place update visible to the names that share its memory.

Derivative code treats names as values. NumPy does not: after ``v = y[1:]`` an update
``v *= 2`` changes ``y`` too. This pass, run on each lowered user function, makes such
effects explicit, so the transforms (which read the IR as values) see what NumPy does::

    y = x * 1.0                    y = x * 1.0
    v = y[1:]                      v = y[1:]
    v *= 2.0                       _t1 = v * 2.0
                                   _inplace1 = _rt.is_array(v)
                                   if _inplace1:
                                       v[...] = _t1               # NumPy's update
                                       _isview2 = _rt.shares_memory(v, y)
                                       if _isview2:
                                           _t3 = _rt.with_item(y, np.s_[1:], v)
                                           y = _t3                # ... and what it did to y
                                   else:
                                       v = _t1                    # numbers rebind
    return np.sum(y * y)

Invariants of the result:

* The user's in-place updates (``SetItem``) are the only statements that change memory;
  what they do to other names is stated as values: ``y = _rt.with_item(y, idx, v)``
  (``y`` with ``y[idx]`` replaced by ``v``: already true in memory, so at run time it
  returns ``y``), ``y = np.transpose(t)`` for ``t = y.T``, a view derived again
  (``w = y[2:]``), or a second name bound again (``y = z``). Transforms read those as
  ordinary primitives, and the reverse sweep's save-and-restore of overwritten
  elements stays exact.
* ``v op= e`` updates ``v`` in place when it holds an array that another name still
  reads, and rebinds it otherwise (``_inplace`` markers from lowering are gone).
* An argument the function updates in place is copied on entry: a transform never
  changes the caller's arrays (the README states this).
* Where the analysis cannot tell how two names sharing memory are related (an element
  of a container, a result of unknown code, a view without an inverse), an update
  through one of them while the other is read later is a ``DifferentiationError`` at
  the user's line. Never a silently wrong derivative.
"""

from __future__ import annotations

from ... import ir
from ...analysis.aliasing import CONTAINERS, AliasState, Rel, assign, view_kind
from ...analysis.liveness import live_after
from ...codegen.naming import Names
from ...errors import DifferentiationError

INPLACE = "_inplace"  # lowering writes ``v op= e`` as ``_t = v op e; v = _inplace(_t)``
_ELLIPSIS = ir.Index((ir.Const(Ellipsis),))
_GENERATED = "<s2sad-generated"


def resolve_aliases(program: ir.Program) -> ir.Program:
    """Every user function of ``program`` with its in-place updates made explicit."""
    summaries = _Summaries(program)
    functions = {name: summaries.rewritten(name) for name in program.functions}
    return ir.Program(program.entry, functions, program.globals)


class _Summaries:
    """Per function: its rewritten body, which parameters it updates in place, and whether
    what it returns may be (part of) an argument. Callees are rewritten first."""

    def __init__(self, program: ir.Program):
        self.program = program
        self.done: dict[str, tuple[ir.Function, frozenset[str], bool]] = {}
        self.busy: set[str] = set()

    def rewritten(self, name: str) -> ir.Function:
        return self._get(name)[0]

    def writes_params(self, name: str) -> frozenset[str]:
        return self._get(name)[1] if name not in self.busy else frozenset()

    def returns_args(self, name: str) -> bool:
        return self._get(name)[2] if name not in self.busy else True

    def _get(self, name: str):
        if name not in self.done:
            fn = self.program.functions[name]
            self.busy.add(name)
            try:
                self.done[name] = _rewrite(fn, self)
            finally:
                self.busy.discard(name)
        return self.done[name]


def _rewrite(fn: ir.Function, summaries: _Summaries):
    if fn.filename.startswith(_GENERATED) or not _updates(fn):
        return _plain(fn), frozenset(), True
    rewriter = _Rewriter(fn, summaries)
    body, state = rewriter.run()
    params = [p for p in fn.params if ("param", p) in rewriter.written_sites]
    entry: list[ir.Stmt] = []
    for p in params:  # transforms never change the caller's arrays
        copy = rewriter.fresh(f"_{p}_copy")
        entry += [ir.Assign(copy, ir.Call("_rt.private", (ir.Name(p),))),
                  ir.Assign(p, ir.Name(copy))]
    ret = fn.body[-1]
    returns_args = isinstance(ret, ir.Return) and isinstance(ret.value, ir.Name) and any(
        s[0] == "param" for s in state.pts.get(ret.value.id, ()))
    return ir.replace(fn, body=tuple(entry + body)), frozenset(params), returns_args


def _updates(fn: ir.Function) -> bool:
    return any(isinstance(s, ir.SetItem) or _is_marker(s) or (
        isinstance(s, ir.Assign) and isinstance(s.value, ir.UserCall)) for s in ir.walk(fn.body))


def _is_marker(s) -> bool:
    return isinstance(s, ir.Assign) and isinstance(s.value, ir.Call) and s.value.func == INPLACE


def _plain(fn: ir.Function) -> ir.Function:
    """``v = _inplace(t)`` -> ``v = t`` (nothing shares memory with ``v``)."""
    def block(body):
        return tuple(ir.Assign(s.target, s.value.args[0], s.line) if _is_marker(s)
                     else ir.map_bodies(s, block) for s in body)
    return ir.replace(fn, body=block(fn.body))


class _Rewriter:
    def __init__(self, fn: ir.Function, summaries: _Summaries):
        self.fn, self.summaries = fn, summaries
        self.live = live_after(fn)
        self.fresh = Names(ir.all_names(fn)).temp
        self.written_sites: set = set()
        self.boxes: set[int] = set()  # sites of lists, tuples and dicts
        self.origin, self.line = "", 0  # the update being propagated

    def run(self) -> tuple[list[ir.Stmt], AliasState]:
        state = AliasState({p: frozenset({("param", p)}) for p in self.fn.params})
        return self.block(self.fn.body, state), state

    # ------------------------------------------------------------------ statements
    def block(self, body, state: AliasState) -> list[ir.Stmt]:
        out: list[ir.Stmt] = []
        for s in body:
            out += self.stmt(s, state)
        return out

    def stmt(self, s: ir.Stmt, state: AliasState) -> list[ir.Stmt]:
        if _is_marker(s):
            return self.inplace(s, state)
        if isinstance(s, ir.Assign):
            if isinstance(s.value, ir.UserCall):
                self.check_call(s, state)
            return self.define(s, state)
        if isinstance(s, ir.SetItem):
            self.note_write(s.target, state)
            target_sites = state.pts.get(s.target, frozenset())
            if isinstance(s.value, ir.Name) and any(site[0] in self.boxes
                                                    for site in target_sites):
                # a list now holds the value itself (an array copies what it is given)
                state.pts[s.target] = target_sites | state.pts.get(s.value.id, frozenset())
            return [s] + self.propagate(s.target, state, s)
        if isinstance(s, ir.If):
            then, other = state.copy(), state.copy()
            body, orelse = self.block(s.body, then), self.block(s.orelse, other)
            _become(state, then.join(other))
            return [ir.replace(s, body=tuple(body), orelse=tuple(orelse))]
        if isinstance(s, (ir.For, ir.While)):
            return self.loop(s, state)
        return [s]

    def loop(self, s, state: AliasState) -> list[ir.Stmt]:
        """Analyse the body until the state at its start is a fixed point, then rewrite."""
        def once(start: AliasState):
            st = start.copy()
            if isinstance(s, ir.For):
                st.bind(s.target, frozenset())
                return ir.replace(s, body=tuple(self.block(s.body, st))), st
            test_body = tuple(self.block(s.test_body, st))
            return ir.replace(s, test_body=test_body, body=tuple(self.block(s.body, st))), st
        head = state.copy()
        for _ in range(8):
            _, end = once(head)
            new = head.join(end)
            if new.pts == head.pts and new.rel == head.rel:
                break
            head = new
        rewritten, end = once(head)
        _become(state, head.join(end))
        return [rewritten]

    def define(self, s: ir.Assign, state: AliasState) -> list[ir.Stmt]:
        assign(state, s, returns_args=self.summaries.returns_args)
        if isinstance(s.value, ir.Call) and s.value.func in CONTAINERS:
            self.boxes.add(id(s))
        return [s]

    def inplace(self, s: ir.Assign, state: AliasState) -> list[ir.Stmt]:
        """``v op= e``: in place if another name shares ``v``'s memory and is read later."""
        v, new = s.target, s.value.args[0]
        if not self.affects_live(v, state, s):
            state.bind(v, state.pts.get(new.id, frozenset()) if isinstance(new, ir.Name)
                       else frozenset())
            return [ir.Assign(v, new, s.line)]
        flag = self.fresh("_inplace")
        then = state.copy()
        self.note_write(v, then)
        body = [ir.SetItem(v, _ELLIPSIS, new, s.line)] + self.propagate(v, then, s)
        state.bind(v, frozenset())  # not an array: a number, rebound
        _become(state, then.join(state))
        return [ir.Assign(flag, ir.Call("_rt.is_array", (ir.Name(v),)), s.line),
                ir.If(ir.Name(flag), tuple(body), (ir.Assign(v, new, s.line),), s.line)]

    def check_call(self, s: ir.Assign, state: AliasState) -> None:
        """A user function that updates an argument in place works on its own copy: the
        caller must not read that argument afterwards."""
        call = s.value
        callee = self.summaries.program.functions.get(call.func)
        written = self.summaries.writes_params(call.func) if callee else frozenset()
        if not written:
            return
        bound = dict(zip(callee.params, call.args)) | dict(call.kwargs)
        live = self.live.get(id(s), frozenset())
        for param in sorted(written):
            arg = bound.get(param)
            if not isinstance(arg, ir.Name):
                continue
            readers = sorted(m for m in live if m != s.target and (
                m == arg.id or m in state.sharers(arg.id)))
            if readers:
                raise self.error(s.line, (
                    f"`{call.func}` updates its argument `{param}` in place, and `{readers[0]}` "
                    f"is read after this call; s2sad gives a function its own copy of the "
                    f"arrays it updates, so return the updated array from `{call.func}` and "
                    f"assign it here"))

    # ------------------------------------------------------------------ propagation
    def note_write(self, name: str, state: AliasState) -> None:
        self.written_sites |= state.pts.get(name, frozenset())

    def affects_live(self, n: str, state: AliasState, s: ir.Stmt) -> bool:
        """Whether a name read after ``s`` may share memory with ``n``."""
        live = self.live.get(id(s), frozenset())
        return bool(state.sharers(n) & live) or self._reaches_live(n, state, live, n, set())

    def propagate(self, n: str, state: AliasState, s: ir.Stmt) -> list[ir.Stmt]:
        """Statements that bring every name sharing ``n``'s memory and read later up to date
        after ``n`` was updated in place (``[]`` if there is none)."""
        if not self.affects_live(n, state, s):
            return []
        live = self.live.get(id(s), frozenset())
        self.origin, self.line = n, s.line
        visited = {n}
        out = self.update_from(n, None, state, live, visited)
        unreached = sorted((state.sharers(n) & live) - visited)
        if unreached:
            raise self.error(s.line, (
                f"updating `{n}` in place also changes `{unreached[0]}` (they may share "
                f"memory), which is read later, and s2sad cannot tell how one is derived from "
                f"the other here; make the copy explicit (`.copy()`) or update `"
                f"{unreached[0]}` itself"))
        return out

    def _reaches_live(self, start, state, live, n, seen) -> bool:
        """Whether a name read later (other than ``n``) is connected to ``start`` by
        derivations that do not pass through ``seen``."""
        stack = [start]
        while stack:
            x = stack.pop()
            if x in seen:
                continue
            seen.add(x)
            if x != n and x in live:
                return True
            r = state.rel.get(x)
            stack += ([r.base] if r else []) + state.children(x)
        return False

    def update_from(self, x: str, came_from, state, live, visited) -> list[ir.Stmt]:
        out: list[ir.Stmt] = []
        n = self.origin
        r = state.rel.get(x)
        if r and r.base != came_from and r.base not in visited and self._reaches_live(
                r.base, state, live, n, {x}):
            visited.add(r.base)
            self.note_write(r.base, state)
            inner = self.write_back(x, r) + self.update_from(r.base, x, state, live, visited)
            out += self.guarded(x, r, inner)
        for c in state.children(x):
            if c == came_from or c in visited or not self._reaches_live(c, state, live, n, {x}):
                continue
            visited.add(c)
            rel = state.rel[c]
            out += self.guarded(c, rel, self.refresh(c, rel) + self.update_from(
                c, x, state, live, visited))
        return out

    def guarded(self, name: str, r: Rel, inner: list[ir.Stmt]) -> list[ir.Stmt]:
        """``inner`` only where ``name`` really is a view of ``r.base`` (NumPy decides at run
        time whether ``reshape`` or ``y[idx]`` copies)."""
        if not (r.maybe and inner):
            return inner
        flag = self.fresh("_isview")
        return [ir.Assign(flag, ir.Call("_rt.shares_memory", (ir.Name(name), ir.Name(r.base)))),
                ir.If(ir.Name(flag), tuple(inner), ())]

    def refresh(self, c: str, r: Rel) -> list[ir.Stmt]:
        """``c`` derived again from its (updated) base: a new view of the same memory."""
        return [ir.Assign(c, r.expr)]

    def write_back(self, x: str, r: Rel) -> list[ir.Stmt]:
        """The update of the view ``x`` written into its base ``r.base``."""
        b, e = r.base, r.expr
        if r.kind == "same":
            return [ir.Assign(b, ir.Name(x))]
        if isinstance(e, ir.Subscript):
            w = self.fresh("_back")
            return [ir.Assign(w, ir.Call("_rt.with_item", (ir.Name(b), e.index, ir.Name(x)))),
                    ir.Assign(b, ir.Name(w))]
        rest, kw, kind = e.args[1:], e.kwargs, view_kind(e.func)
        if kind == "reshape":
            shape = self.fresh("_shape")
            return [ir.Assign(shape, ir.Call("np.shape", (ir.Name(b),))),
                    ir.Assign(b, ir.Call("np.reshape", (ir.Name(x), ir.Name(shape))))]
        if kind == "transpose" and not kw and not rest:
            inverse = ir.Call("np.transpose", (ir.Name(x),))
        elif kind == "moveaxis" and not kw and len(rest) == 2:
            inverse = ir.Call("np.moveaxis", (ir.Name(x), rest[1], rest[0]))
        elif kind == "self":
            inverse = ir.Call(e.func, (ir.Name(x),) + rest, kw)
        else:
            raise self.error(self.line, (
                f"updating `{x}` in place must also change `{b}` (`{x}` is a view made by "
                f"`{e.func}`), and s2sad has no way to write it back; make the copy "
                f"explicit (`.copy()`) or update `{b}` itself"))
        return [ir.Assign(b, inverse)]

    def error(self, line: int, message: str) -> DifferentiationError:
        lines = self.fn.source_lines
        text = lines[line - 1].strip() if line and 1 <= line <= len(lines) else ""
        where = f"{self.fn.filename}:{line}: " if line else ""
        return DifferentiationError(f"{where}{message}" + (f"\n    {text}" if text else ""))


def _become(state: AliasState, other: AliasState) -> None:
    state.pts, state.rel, state.readers, state.issued = (other.pts, other.rel, other.readers,
                                                         other.issued)
