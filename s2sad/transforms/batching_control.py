"""Batching of control flow: branches and loops, including those whose test differs per lane.

A mixin of ``BatchFunction`` (``transforms/batching.py``). A test the same in every lane
keeps its ``if``/``while``/``for``. A *batched* test (one value per lane) is computed as
a select (``masked_arm``): each arm runs, where some lane takes it, on inputs in which the
lanes that did not take it read the values of one that did (``_rt.lane_source`` /
``_rt.mask_lanes``), so an untaken arm can neither raise nor leave a domain (no NaN or
inf in results or gradients); the names it binds are renamed, and selected per lane
after the arms::

    if x > 0:                          _c = x > 0;  _nc = np.logical_not(_c)
        y = np.log(x)          ->      _src1 = _rt.lane_source(_c);  y_1 = None
    else:                              if _rt.any_lane(_c):
        y = -x                             x_1 = _rt.mask_lanes(x, _src1, True)
                                           y_1 = np.log(x_1)
                                       ... the else arm on _nc, binding y_2 ...
                                       y = _rt.vselect(_c, y_1, y_2, True, True)

A ``while`` with a batched test runs until every lane is done; lanes that are done are
frozen (the body is a masked arm whose other side keeps the old values). A ``for`` with
a batched trip count runs the most trips any lane needs, each lane active for its own
count: left-aligned (the first trips) as Python runs it, or right-aligned (the last
trips) when the body pops a tape, so that a reverse sweep pops, lane by lane, exactly
what its forward sweep pushed while that lane was active.
"""

from __future__ import annotations

from .. import ir
from .batching_status import ALL, ListOf, NotBatchable, full, join, printable
from .templates import substitute


def selected(a, b):
    """The status of ``vselect`` of values with statuses ``a`` and ``b`` (None: unbound)."""
    if a is None or b is None:
        return full(b if a is None else a)
    if isinstance(a, tuple) and isinstance(b, tuple) and len(a) == len(b):
        return tuple(selected(x, y) for x, y in zip(a, b))
    if ALL in (a, b) or (isinstance(a, tuple) and isinstance(b, tuple)):
        return ALL
    if isinstance(a, tuple) or isinstance(b, tuple):
        return full(a if isinstance(a, tuple) else b)
    return True


def _batched_anywhere(st) -> bool:
    if isinstance(st, tuple):
        return any(_batched_anywhere(x) for x in st)
    return st is not False and not isinstance(st, ListOf)


class ControlBatching:
    """Needs ``st``, ``run``, ``temp``, ``widen``, ``status``, ``lists``, ``names``, ``k``."""

    # ------------------------------------------------------------------ branches
    def branch(self, s: ir.If) -> list[ir.Stmt]:
        if self.st(s.test):
            return self.masked_branch(s)
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
            merged[name] = join(a, b)
            body += self.widen(name, a, merged[name])
            orelse += self.widen(name, b, merged[name])
        self.status = merged
        return [ir.If(s.test, tuple(body), tuple(orelse), s.line)]

    def masked_branch(self, s: ir.If) -> list[ir.Stmt]:
        """Both arms, each on masked inputs where some lane takes it, then a select."""
        out: list[ir.Stmt] = []
        cond = self.lane_test(s.test, out, s.line)
        other = self.temp(ir.Call("np.logical_not", (cond,)), out, s.line, "_not")
        self.status[other.id] = True
        before = dict(self.status)
        arms = [(cond, s.body), (other, s.orelse)]
        if _pops(s.body + s.orelse):  # a reverse sweep pops what the forward arms pushed,
            arms.reverse()             # then-arm first: its arms run in the opposite order
        done = {}
        for test, body in arms:
            done[test.id] = self.masked_arm(test, body, out, s.line)
            self.status = dict(before)
        (then, then_st), (orelse, else_st) = done[cond.id], done[other.id]
        out += self.selects(cond, then, then_st, orelse, else_st, before, s.line)
        return out

    def lane_test(self, test: ir.Atom, out: list, line: int) -> ir.Atom:
        """A batched test as an array of one flag per lane."""
        st = self.st(test)
        if st is True:
            return test
        if st == ALL:
            new = self.temp(ir.Call("_rt.batched_array", (test,)), out, line, "_c")
            self.status[new.id] = True
            return new
        raise NotBatchable(f"a test that is a container of batched values (line {line})")

    # ------------------------------------------------------------------ masked arms
    def masked_arm(self, cond: ir.Atom, body, out: list, line: int):
        """Statements running ``body`` where some lane of ``cond`` holds, with every name
        it binds renamed (``{name: new}``, returned with each new name's status); the
        batched inputs it reads are masked to lanes that take it."""
        if not body:
            return {}, {}
        before = dict(self.status)
        src = self.temp(ir.Call("_rt.lane_source", (cond,)), out, line, "_src")
        taken = self.temp(ir.Call("_rt.any_lane", (cond,)), out, line, "_any")
        inner = [s for s in self.run(body) if not isinstance(s, ir.Release)]
        after = self.status
        writes, reads, stores = _names_of(inner)
        lists = self.tapes | set(self.lists)
        user = sorted(n for n in (writes | stores) & lists if not n.startswith("_"))
        if user:  # items that only some lanes would add: no batched list can hold them
            raise NotBatchable(f"the list {user[0]} is changed in a branch or loop whose test "
                               f"differs across the batch (line {line})")
        writes -= lists
        masked = {n for n in reads | writes if n in before and n not in lists
                  and (_batched_anywhere(before[n]) or n in stores)}
        renamed = {n: self.names.temp(f"{n}_") for n in sorted(writes | masked)}
        prologue = []
        for n in sorted(renamed):
            if n in masked:
                prologue.append(ir.Assign(renamed[n], ir.Call("_rt.mask_lanes", (
                    ir.Name(n), src, ir.Const(printable(before[n])), ir.Const(n in stores))),
                    line))
            elif n in before:
                prologue.append(ir.Assign(renamed[n], ir.Name(n), line))
        out += [ir.Assign(renamed[n], ir.Const(None), line) for n in sorted(writes)]
        mapping = {n: ir.Name(new) for n, new in renamed.items()}
        out.append(ir.If(taken, tuple(prologue) + _renamed(tuple(inner), mapping), (), line))
        statuses = {n: after.get(n, False) for n in writes}
        self.status = dict(before)
        for n, new in renamed.items():
            self.status[new] = statuses.get(n, before.get(n, False))
        return {n: renamed[n] for n in writes}, statuses

    def selects(self, cond, then: dict, then_st: dict, orelse: dict, else_st: dict,
                before: dict, line: int) -> list[ir.Stmt]:
        """``name = _rt.vselect(cond, then_value, else_value, ...)`` for every name an arm
        binds (an arm that does not bind it leaves the value before, or None: unbound)."""
        out = []
        for n in sorted(set(then) | set(orelse)):
            (a, sa), (b, sb) = (self._side(n, arm, st, before) for arm, st in (
                (then, then_st), (orelse, else_st)))
            out.append(ir.Assign(n, ir.Call("_rt.vselect", (cond, a, b, ir.Const(
                printable(sa) if sa is not None else False), ir.Const(
                printable(sb) if sb is not None else False))), line))
            self.status[n] = selected(sa, sb)
        return out

    def _side(self, n: str, arm: dict, statuses: dict, before: dict):
        """The value of ``n`` on one side of a select and its status (None: unbound)."""
        if n in arm:
            return ir.Name(arm[n]), statuses[n]
        if n in before:
            return ir.Name(n), before[n]
        return ir.Const(None), None

    # ------------------------------------------------------------------ loops
    def loop(self, s) -> list[ir.Stmt]:
        """The body runs with the statuses its carried values have on every trip: values it
        widens are widened before the loop, values it narrows are widened again at its end."""
        pre: list[ir.Stmt] = []
        for _ in range(20):
            before = dict(self.status)
            head, stmt = self.loop_round(s)
            body = list(stmt.body)
            wider = {n: join(before[n], st) for n, st in self.status.items()
                     if n in before and st != before[n]}
            entry = {n: st for n, st in wider.items() if st != before[n]}
            if not entry:
                for n in sorted(wider):
                    body += self.widen(n, self.status[n], wider[n], s.line)
                self.status = {**before, **self.status, **wider}
                return pre + head + [ir.replace(stmt, body=tuple(body))]
            self.status = dict(before)
            for n in sorted(entry):
                pre += self.widen(n, before[n], entry[n], s.line)
                self.status[n] = entry[n]
        raise NotBatchable("loop statuses did not settle")  # pragma: no cover

    def loop_round(self, s) -> tuple[list[ir.Stmt], ir.Stmt]:
        """One pass over a loop: statements before it, and the loop itself."""
        if isinstance(s, ir.While):
            test_body = self.run(s.test_body)
            if self.st(s.test):
                return self.masked_while(s, test_body)
            return [], ir.While(tuple(test_body), s.test, tuple(self.run(s.body)), s.line)
        if any(self.st(a) for a in (s.start, s.stop, s.step)):
            return self.masked_for(s)
        self.status[s.target] = False
        return [], ir.replace(s, body=tuple(self.run(s.body)))

    def masked_while(self, s: ir.While, test_body: list) -> tuple[list, ir.Stmt]:
        """``while`` on a batched test: lanes still running (``_act``) run the body, a
        masked arm whose other side keeps the values of lanes that are done."""
        head: list[ir.Stmt] = []
        act = self.temp(ir.Call("_rt.all_lanes", (ir.Name(self.k),)), head, s.line, "_act")
        test = self.lane_test(s.test, test_body, s.line)
        go = self.temp(ir.Call("np.logical_and", (act, test)), test_body, s.line, "_go")
        test_body.append(ir.Assign(act.id, go, s.line))
        more = self.temp(ir.Call("_rt.any_lane", (go,)), test_body, s.line, "_more")
        self.status.update({act.id: True, go.id: True, more.id: False})
        return head, ir.While(tuple(test_body), more, tuple(self.frozen(go, s.body, s.line)),
                              s.line)

    def frozen(self, go: ir.Name, body, line: int) -> list[ir.Stmt]:
        """``body`` as a masked arm on ``go``; lanes where ``go`` fails keep their values."""
        out: list[ir.Stmt] = []
        before = dict(self.status)
        arm, statuses = self.masked_arm(go, body, out, line)
        self.status = dict(before)
        return out + self.selects(go, arm, statuses, {}, {}, before, line)

    def masked_for(self, s: ir.For) -> tuple[list, ir.Stmt]:
        """``for`` with a batched trip count: ``max_trips`` trips, each lane active for its
        own count, as its target (``start + trip * step``) says."""
        head: list[ir.Stmt] = []
        line = s.line
        n = self.temp(ir.Call("_rt.vtrip_count", (s.start, s.stop, s.step)), head, line, "_n")
        most = self.temp(ir.Call("_rt.max_trips", (n,)), head, line, "_trips")
        self.status.update({n.id: True, most.id: False})
        j = self.names.temp("_j")
        self.status[j] = False
        if _pops(s.body):  # a reverse sweep: lane i is active in the last n[i] trips
            off = self.temp(ir.Call("sub", (most, n)), head, line, "_off")
            self.status[off.id] = True
            test, step = ir.Call("ge", (ir.Name(j), off)), ir.Call("sub", (ir.Name(j), off))
        else:  # lane i is active in the first n[i] trips
            test, step = ir.Call("lt", (ir.Name(j), n)), ir.Name(j)
        trip, scaled, act = (self.names.temp(b) for b in ("_trip", "_scaled", "_act"))
        body = [ir.Assign(act, test, line)]
        target = (ir.Assign(trip, step, line), ir.Assign(scaled, ir.Call("mul", (
            ir.Name(trip), s.step)), line), ir.Assign(s.target, ir.Call("add", (
                s.start, ir.Name(scaled))), line))
        head_body = self.run(body)
        loop_body = head_body + self.frozen(ir.Name(act), target + tuple(s.body), line)
        return head, ir.For(j, ir.Const(0), most, ir.Const(1), tuple(loop_body), line)


def list_names(fn: ir.Function) -> set[str]:
    """Names that hold lists (tapes and their aliases): effects every lane shares, never
    renamed or selected by a masked arm (the forward arms push, the reverse arms pop, in
    matching order)."""
    made = ("list", "_rt.append", "_rt.appended", "_rt.popped", "_rt.copy_tape")
    used = made[1:] + ("_rt.pop", "_rt.last")
    found: set[str] = set()
    while True:
        size = len(found)
        for s in ir.walk(fn.body):
            v = getattr(s, "value", None)
            if isinstance(v, ir.Call) and v.func in used and v.args and isinstance(
                    v.args[0], ir.Name):
                found.add(v.args[0].id)
            if isinstance(s, ir.Assign) and (isinstance(v, ir.Call) and v.func in made or (
                    isinstance(v, ir.Name) and v.id in found)):
                found.add(s.target)
        if len(found) == size:
            return found


def _names_of(body) -> tuple[set[str], set[str], set[str]]:
    """Names a body binds, names it reads, and the targets of its in-place stores."""
    writes, reads, stores = set(), set(), set()
    for s in ir.walk(tuple(body)):
        writes |= ir.stmt_writes(s)
        reads |= ir.stmt_reads(s)
        if isinstance(s, ir.SetItem):
            writes.add(s.target)
            stores.add(s.target)
    return writes, reads, stores


def _pops(body) -> bool:
    """Whether a loop body pops a tape (the loop is a reverse sweep)."""
    return any(isinstance(s, ir.Assign) and isinstance(s.value, ir.Call)
               and s.value.func in ("_rt.pop", "_rt.popped") for s in ir.walk(tuple(body)))


def _renamed(body: tuple, mapping: dict) -> tuple:
    """``body`` with the names of ``mapping`` replaced, as read and as bound."""
    def target(n: str) -> str:
        return mapping[n].id if n in mapping else n

    def stmt(s: ir.Stmt) -> ir.Stmt:
        s = ir.map_bodies(s, lambda b: tuple(stmt(x) for x in b))
        if isinstance(s, ir.Assign):
            return ir.replace(s, target=target(s.target), value=substitute(s.value, mapping))
        if isinstance(s, ir.SetItem):
            index = substitute(ir.Subscript(ir.Name(s.target), s.index), mapping).index
            return ir.replace(s, target=target(s.target), index=index,
                              value=substitute(s.value, mapping))
        if isinstance(s, (ir.ExprStmt, ir.Return)):
            return ir.replace(s, value=substitute(s.value, mapping))
        if isinstance(s, ir.If):
            return ir.replace(s, test=substitute(s.test, mapping))
        if isinstance(s, ir.For):
            return ir.replace(s, target=target(s.target), **{
                k: substitute(getattr(s, k), mapping) for k in ("start", "stop", "step")})
        if isinstance(s, ir.While):
            return ir.replace(s, test=substitute(s.test, mapping))
        return s

    return tuple(stmt(s) for s in body)
