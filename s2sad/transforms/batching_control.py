"""Batching of control flow: branches and loops of a batched function.

A mixin of ``BatchFunction`` (``transforms/batching.py``).
"""

from __future__ import annotations

from .. import ir
from .batching_status import NotBatchable, join


class ControlBatching:
    """Needs ``st``, ``run``, ``widen``, ``status`` (see ``BatchFunction``)."""

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
            merged[name] = join(a, b)
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
            wider = {n: join(before[n], st) for n, st in self.status.items()
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

