"""Forward mode with several tangents carried through one primal pass.

``forward.py`` follows each statement with the statement of its one tangent. Here a
statement is followed by the tangent statements of every *channel*, one channel per
differentiated input, so one run of the primal gives every column of the Jacobian of a
few scalar inputs (what ``mode.py`` uses for ``grad`` of scalar loops)::

    y = x * k               y = x * k
                            dx_y = dx_x * k         (channel of x)
                            dk_y = x * dk_k         (channel of k)

Each channel is a ``ForwardFunction`` of its own (its liveness, its tangent names) and
every per-statement rule stays there; this file only interleaves their statements and
joins their liveness at branches and loops. Invariant: the primal statements run once,
in the user's order, and channel ``c``'s tangents are exactly those ``forward.py``
computes for that channel's inputs alone (the same numbers).
"""

from __future__ import annotations

from typing import Callable

from .. import ir
from ..codegen.naming import Names
from .common import index_of
from .forward import ForwardFunction, ForwardProgram


class Channel(ForwardFunction):
    """The tangents of one channel, named with the channel's own prefix (``dk_v``)."""

    def __init__(self, prog: ForwardProgram, fn: ir.Function, active: tuple[str, ...],
                 names: Names, prefix: str):
        super().__init__(prog, fn, active)
        self.names, self.prefix = names, prefix  # one namespace for the whole function

    def tan(self, name: str) -> str:
        return self.names.derive(self.prefix, name)


class _Lives:
    """What ``ForwardFunction.run`` sees as ``self.live`` of a fused function: ``live -= s``
    (the names a ``while`` test assigns carry no tangent) applies to every channel."""

    def __init__(self, channels: list[Channel]):
        self.channels = channels

    def __isub__(self, names: set[str]) -> "_Lives":
        for c in self.channels:
            c.live -= names
        return self


class FusedFunction(ForwardFunction):
    """One pass over ``fn`` carrying the tangents of every channel (see the module doc).

    ``channels``: the active parameters of each channel. ``run`` (inherited) dispatches
    statements; ``assign``/``setitem`` interleave the channels' tangent code; ``branch``
    and ``loop_body`` join each channel's liveness as ``forward.py`` does for one.
    """

    def __init__(self, prog: "FusedProgram", fn: ir.Function,
                 channels: tuple[tuple[str, ...], ...]):
        # not ForwardFunction.__init__: the channels hold activity and liveness
        self.prog, self.fn, self.result = prog, fn, ir.Const(None)
        self.names = Names(ir.all_names(fn) | set(prog.program.functions) | prog.reserved)
        single = len(channels) == 1
        self.channels = [Channel(prog, fn, active, self.names,
                                 "d" if single else f"d{'_'.join(active)}_")
                         for active in channels]

    @property
    def live(self) -> _Lives:
        return _Lives(self.channels)

    @live.setter
    def live(self, value: _Lives) -> None:
        pass  # ``live -= names`` in ``run`` rebinds the view after updating the channels

    def assign(self, s: ir.Assign) -> list[ir.Stmt]:
        v = s.value
        if isinstance(v, ir.UserCall):
            live = [c for c in self.channels if any(c.is_live(a) for a in v.args)]
            if len(live) > 1:
                return self.fused_call(s, v, live)
        return self.interleave(s, lambda c: c.assign(s))

    def setitem(self, s: ir.SetItem) -> list[ir.Stmt]:
        return self.interleave(s, lambda c: c.setitem(s))

    def interleave(self, s: ir.Stmt, emit: Callable[[Channel], list[ir.Stmt]]) -> list[ir.Stmt]:
        """``s`` once, then each channel's tangent statements. A channel whose code stands
        in for ``s`` (a callee's jvp, which computes the primal too) goes first; only one
        can, as a call live in two channels goes to ``fused_call``."""
        primal: list[ir.Stmt] = [s]
        tangents: list[ir.Stmt] = []
        for c in self.channels:
            code = emit(c)
            if code and code[0] is s:
                tangents += code[1:]
            else:
                primal = code
        return primal + tangents

    def fused_call(self, s: ir.Assign, v: ir.UserCall, live: list[Channel]) -> list[ir.Stmt]:
        """``y = g(a, x)`` live in several channels: one call of ``g``'s fused jvp,
        ``_call = g_jvp2(a, x, dx_x, dk_x); y = _call[0]; dx_y = _call[1]; dk_y = _call[2]``."""
        out: list[ir.Stmt] = []
        masks = tuple(tuple(i for i, a in enumerate(v.args) if c.is_live(a)) for c in live)
        tans = [c.tangent_atom(v.args[i], out) for c, mask in zip(live, masks) for i in mask]
        pair = self.names.temp("_call")
        callee = self.prog.fused_jvp(v.func, masks)
        out += [ir.Assign(pair, ir.UserCall(callee, v.args + tuple(tans)), s.line),
                ir.Assign(s.target, ir.Subscript(ir.Name(pair), index_of(0)), s.line)]
        for c in self.channels:
            if c in live:
                k = 1 + live.index(c)
                out.append(ir.Assign(c.tan(s.target), ir.Subscript(ir.Name(pair), index_of(k)),
                                     s.line))
                c.live.add(s.target)
            else:
                c.live.discard(s.target)
        return out

    def branch(self, s: ir.If) -> list[ir.Stmt]:
        before = [set(c.live) for c in self.channels]
        body = self.run(s.body)
        after_body = [c.live for c in self.channels]
        for c, b in zip(self.channels, before):
            c.live = set(b)
        orelse = self.run(s.orelse)
        # per channel, as ForwardFunction.branch: a tangent live after one arm only is
        # zero after the other, where something after the branch reads it
        needed = self.read_outside(s)
        for c, on_body in zip(self.channels, after_body):
            on_else = c.live
            body += [c.zero_tangent(n, s, s.body) for n in sorted((on_else - on_body) & needed)]
            orelse += [c.zero_tangent(n, s, s.orelse)
                       for n in sorted((on_body - on_else) & needed)]
            c.live = (on_body & on_else) | ((on_body | on_else) & needed)
        return [ir.If(s.test, tuple(body), tuple(orelse), s.line)]

    def loop_body(self, body, also_carried: set[str] = frozenset()
                  ) -> tuple[list[ir.Stmt], list[ir.Stmt]]:
        """The loop's body with every channel's tangents; ``pre``: zeros, before the loop,
        for tangents the body makes live and the next trip reads (a fixed point per
        channel, as ``ForwardFunction.loop_body``)."""
        entry = [set(c.live) for c in self.channels]
        crossing = self.carried(body) | also_carried
        pre: list[ir.Stmt] = []
        for _ in range(4):
            for c, at_entry in zip(self.channels, entry):
                c.live = set(at_entry)
            code = self.run(body)
            grown = [(c.live - at_entry) & crossing for c, at_entry in zip(self.channels, entry)]
            if not any(grown):
                break
            for c, at_entry, new in zip(self.channels, entry, grown):
                pre += [c.materialize(n) for n in sorted(new)]
                at_entry |= new
        for c, at_entry in zip(self.channels, entry):
            # live at the start but killed in the body: zero on the next trip and after
            code += [c.materialize(n) for n in sorted(at_entry - c.live)]
            c.live = at_entry | c.live
        return pre, code

    def tangents_of_result(self, out: list[ir.Stmt]) -> list[ir.Atom]:
        """The output's tangent in each channel (zeros where it does not depend on it)."""
        return [c.tangent_atom(self.result, out) for c in self.channels]


class FusedProgram(ForwardProgram):
    """Forward mode over a program whose callees may be live in several channels."""

    def __init__(self, program: ir.Program, reserved: set[str] = frozenset()):
        super().__init__(program, reserved)
        self._fused: dict[tuple, str] = {}

    def fused_jvp(self, callee: str, masks: tuple[tuple[int, ...], ...]) -> str:
        """``callee_jvpN(*args, *tangents of channel 0, *tangents of channel 1, ...)``
        returning ``(out, tangent in channel 0, tangent in channel 1, ...)``; ``masks``:
        the argument positions live in each channel."""
        key = (callee, masks)
        if key in self._fused:
            return self._fused[key]
        fn = self.program.functions[callee]
        name = self.module_names.exact(f"{callee}_jvp{len(masks)}")
        self._fused[key] = name
        ff = FusedFunction(self, fn, tuple(tuple(fn.params[i] for i in m) for m in masks))
        tparams = tuple(c.tan(fn.params[i]) for c, m in zip(ff.channels, masks) for i in m)
        body = ff.run(fn.body)
        douts = ff.tangents_of_result(body)
        ret = ff.names.temp()
        body += [ir.Assign(ret, ir.Call("tuple", (ff.result, *douts))), ir.Return(ir.Name(ret))]
        self.functions[name] = ir.replace(
            fn, name=name, params=fn.params + tparams, body=tuple(body), defaults=(),
            docstring=f"jvp of {fn.name} in {len(masks)} channels: (output, tangent in each)")
        return name
