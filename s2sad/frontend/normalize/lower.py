"""Lower a libcst function to the IR: ANF temporaries, resolved names, flags for exits.

One pass over the CST. What it establishes is listed in ``s2sad.ir``; in short::

    def f(x, w):                       def f(x, w):
        y = np.sin(x * w).sum()            _t1 = x * w
        return y / len(x)                  _t2 = np.sin(_t1)
                                           y = np.sum(_t2)
                                           _t3 = len(x)
                                           _t4 = y / _t3
                                           return _t4

``break``/``continue``/``return`` inside loops and branches set flags
(``_brk1``, ``_cont1``, ``_ret``); statements after a possible exit are guarded
by ``if not flag``; a ``for`` loop with a ``break`` or ``return`` becomes a
``while`` loop that tests the flags. The program collects every user function
reached through calls (see ``program.py``).
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

import libcst as cst

from ... import ir
from ...loops import checkpoint
from ..cst_walk import walk
from ..fence import Fence
from ..parse import SourceFunction
from .expressions import AUGOPS, SCALAR_TYPES, ExpressionLowering
from .aliases import INPLACE
from .closures import LocalFunction, bound_names, free_names
from .comprehensions import ComprehensionLowering
from .inline_transforms import InlineTransforms

if TYPE_CHECKING:
    from .program import ProgramBuilder

class Loop:
    """Flags of the innermost loop being lowered."""

    def __init__(self, brk: str | None, cont: str | None):
        self.brk, self.cont = brk, cont


def all_params(fn: cst.FunctionDef) -> list[cst.Param]:
    """Positional-only, ordinary and keyword-only parameters, in order."""
    p = fn.params
    return list(p.posonly_params) + list(p.params) + list(p.kwonly_params)


def _binding_counts(body: cst.CSTNode) -> dict[str, int]:
    """Name -> how many assignments, ``for`` targets and ``def``s in ``body`` bind it (nested
    functions' own bodies excluded)."""
    counts: dict[str, int] = {}

    def add(target) -> None:
        if isinstance(target, cst.Name):
            counts[target.value] = counts.get(target.value, 0) + 1
        elif isinstance(target, (cst.Tuple, cst.List)):
            for el in target.elements:
                add(el.value)

    for n in walk(body, prune=lambda n: isinstance(n, cst.FunctionDef)):
        if isinstance(n, (cst.AssignTarget, cst.AugAssign, cst.For)):
            add(n.target)
        elif isinstance(n, cst.FunctionDef):
            add(n.name)
    return counts


def contains(node: cst.CSTNode, kinds: tuple[type, ...], into_loops: bool = True) -> bool:
    """Whether ``node`` contains a statement of one of ``kinds`` (optionally not inside loops)."""
    def prune(n) -> bool:  # a nested function's exits are its own (never the lowered one)
        return isinstance(n, (cst.FunctionDef, cst.Lambda)) or (
            not into_loops and n is not node and isinstance(n, (cst.For, cst.While)))

    return any(isinstance(n, kinds) and not isinstance(n, (cst.FunctionDef, cst.Lambda))
               for n in walk(node, prune))


class Lowerer(ComprehensionLowering, ExpressionLowering, InlineTransforms):
    """Lowers one function. ``static`` binds parameter names to compile-time values."""

    def __init__(self, builder: "ProgramBuilder", src: SourceFunction, fdef: cst.FunctionDef,
                 fence: Fence, static: dict[str, object], taken: set[str],
                 extra_params: tuple[str, ...] = (), default_values: dict | None = None):
        self.b, self.src, self.fdef, self.fence = builder, src, fdef, fence
        self.static = dict(static)
        self.extra_params = extra_params  # captures of closures, after the own parameters
        self.default_values = default_values  # as the function object holds them
        self.locals = bound_names(fdef) | set(extra_params)
        self.plain_locals = bound_names(fdef, comprehensions=False) | set(extra_params)
        self.renames: dict[str, str] = {}  # comprehension variables -> their names here
        self.local_functions: dict[int, LocalFunction] = {}  # by id of their node
        self.returned_function: LocalFunction | None = None  # a closure factory's result
        self.literals: dict[str, int | tuple] = {}  # see note_literal
        self._binding_counts: dict[str, int] | None = None
        self.taken = set(taken) | self.locals
        self.counter = 0
        # a generator function is read as a function returning the list of its items (eager:
        # fine for the finite generators a loop consumes)
        self.yielded = self.fresh("_yielded") if contains(fdef.body, (cst.Yield,)) else None
        self.out: list[ir.Stmt] = []
        self.line = 0
        self.loops: list[Loop] = []
        self.ret_flag: str | None = None
        self.ret_val: str | None = None

    # ------------------------------------------------------------------ naming and emission
    def fresh(self, base: str = "_t") -> str:
        while True:
            self.counter += 1
            name = f"{base}{self.counter}"
            if name not in self.taken:
                self.taken.add(name)
                return name

    def emit(self, stmt: ir.Stmt) -> None:
        self.out.append(stmt)

    def assign(self, target: str, value: ir.Expr) -> None:
        """Emit ``target = value``; never let an assignment read its own target."""
        if target in ir.names_read(value):
            tmp = self.fresh()
            self.emit(ir.Assign(tmp, value, self.line))
            value = ir.Name(tmp)
        self.emit(ir.Assign(target, value, self.line))

    def to_atom(self, value: ir.Expr) -> ir.Atom:
        if isinstance(value, (ir.Name, ir.Const)):
            return value
        tmp = self.fresh()
        self.emit(ir.Assign(tmp, value, self.line))
        return ir.Name(tmp)

    def error(self, node, message):
        return self.fence.error(node, message)

    def block(self, body) -> tuple[ir.Stmt, ...]:
        saved, self.out = self.out, []
        try:
            self.statements(body)
            return tuple(self.out)
        finally:
            self.out = saved

    # ------------------------------------------------------------------ function
    def lower(self) -> ir.Function:
        params = [p.name.value for p in all_params(self.fdef) if p.name.value not in self.static]
        params += self.extra_params
        body = self.fdef.body.body
        if any(contains(node, (cst.Return,)) for node in body[:-1]) or (
                body and not isinstance(body[-1], cst.SimpleStatementLine)
                and contains(body[-1], (cst.Return,))):
            self.ret_flag, self.ret_val = self.fresh("_ret"), self.fresh("_retval")
        if self.ret_flag:
            self.emit(ir.Assign(self.ret_flag, ir.Const(False), 0))
            self.emit(ir.Assign(self.ret_val, ir.Const(None), 0))
        if self.yielded:
            self.emit(ir.Assign(self.yielded, ir.Call("list", ()), 0))
        self.statements(body)
        if self.yielded:  # a generator function returns the list of what it yields
            self.emit(ir.Return(ir.Name(self.yielded), 0))
        elif self.ret_flag:
            self.emit(ir.Return(ir.Name(self.ret_val), 0))
        elif not self.out or not isinstance(self.out[-1], ir.Return):
            self.emit(ir.Return(ir.Const(None), 0))
        defaults = []
        for p in all_params(self.fdef):
            name = p.name.value
            if p.default is None or name in self.static:
                continue
            if self.default_values is not None and name in self.default_values:
                value = self.default_values[name]
                defaults.append((name, ir.Const(value) if isinstance(value, SCALAR_TYPES)
                                 else ir.Name(self.b.global_name(name, value))))
            else:
                defaults.append((name, self.static_default(p.default)))
        doc = self.fdef.get_docstring()
        first = (self.fence.line_of(self.fdef) if id(self.fdef) in self.fence.aliases
                 else self.src.line_offset + 1)  # a lambda: where it is written
        return ir.Function(self.src.name, tuple(params), tuple(self.out),
                           tuple(defaults), self.src.filename, (), first, doc)

    def static_default(self, node) -> ir.Atom:
        value = self.expr(node)
        if not isinstance(value, (ir.Name, ir.Const)):
            raise self.error(node, "a default value must be a constant or a global name")
        return value

    # ------------------------------------------------------------------ statements
    def statements(self, body) -> None:
        body = list(body)
        for i, node in enumerate(body):
            self.statement(node)
            rest = body[i + 1:]
            if rest and self.may_exit(node):
                guard = self.exit_guard()
                if guard is not None:
                    inner = self.block(rest)
                    if inner:
                        self.emit(ir.If(guard, inner, (), self.line))
                return

    def may_exit(self, node) -> bool:
        kinds: tuple = (cst.Return,)
        if self.loops:
            kinds = (cst.Return, cst.Break, cst.Continue)
        if isinstance(node, (cst.For, cst.While)):
            return contains(node, (cst.Return,))
        return contains(node, kinds)

    def exit_guard(self) -> ir.Atom | None:
        """An atom that is true when the rest of the current block should run."""
        flags = [f for f in ([self.ret_flag] if self.ret_flag else []) +
                 ([self.loops[-1].brk, self.loops[-1].cont] if self.loops else []) if f]
        if not flags:
            return None
        acc = ir.Name(flags[0])
        for f in flags[1:]:
            acc = self.to_atom(ir.Call("or_", (acc, ir.Name(f))))
        return self.to_atom(ir.Call("not_", (acc,)))

    def statement(self, node) -> None:
        if isinstance(node, cst.SimpleStatementLine):
            self.line = self.fence.line_of(node)
            for small in node.body:
                self.small_statement(small)
        elif isinstance(node, cst.BaseSmallStatement):  # body of a one-line suite
            self.small_statement(node)
        elif isinstance(node, cst.If):
            self.if_statement(node)
        elif isinstance(node, cst.For):
            self.for_statement(node)
        elif isinstance(node, cst.While):
            self.while_statement(node)
        elif isinstance(node, cst.With):
            self.with_statement(node)
        elif isinstance(node, cst.FunctionDef):
            self.local_def(node)
        else:
            raise self.error(node, f"`{type(node).__name__}` is not supported by s2sad")

    def small_statement(self, node) -> None:
        if isinstance(node, cst.Assign):
            if len(node.targets) == 1 and isinstance(node.targets[0].target, cst.Name) and (
                    isinstance(node.value, cst.Lambda)):  # ``sq = lambda v: v * v``
                name = node.targets[0].target.value
                self.bind_function(node, name, self.local_function(node.value, name))
                return
            if (len(node.targets) == 1 and isinstance(node.targets[0].target, cst.Name)
                    and isinstance(node.value, cst.Call)):
                made = self.static_value(node.value)  # e.g. ``g = s2sad.grad(f)``
                if isinstance(made, LocalFunction):  # ``cell = make_cell(W)``
                    self.bind_function(node, node.targets[0].target.value, made)
                    return
                if made is not None and callable(made):
                    self.static[node.targets[0].target.value] = made
                    return
            if len(node.targets) == 1 and isinstance(node.targets[0].target, cst.Name):
                self.note_literal(node.targets[0].target.value, node.value)
            if len(node.targets) == 1 and self.is_unzip(node.value):  # a, b = zip(*pairs)
                self.unzip(node.targets[0].target, node.value.args[0].value)
                return
            value = self.expr(node.value)
            if len(node.targets) > 1:
                value = self.to_atom(value)
            for t in node.targets:
                self.store(t.target, value)
        elif isinstance(node, cst.AnnAssign):
            if node.value is None:
                return
            self.store(node.target, self.expr(node.value))
        elif isinstance(node, cst.AugAssign):
            self.aug_assign(node)
        elif isinstance(node, cst.Return):
            self.return_statement(node)
        elif isinstance(node, cst.Expr):
            if isinstance(node.value, (cst.SimpleString, cst.ConcatenatedString)):
                return  # docstring or a bare string
            self.expr_statement(node)
        elif isinstance(node, (cst.Pass, cst.Del)):  # ``del`` only passes the fence in
            return                                      # generated code (memory, not meaning)
        elif isinstance(node, cst.Raise):
            self.raise_statement(node)
        elif isinstance(node, cst.Assert):
            self.assert_statement(node)
        elif isinstance(node, cst.Break):
            self.emit(ir.Assign(self.loops[-1].brk, ir.Const(True), self.line))
        elif isinstance(node, cst.Continue):
            self.emit(ir.Assign(self.loops[-1].cont, ir.Const(True), self.line))
        else:
            raise self.error(node, f"`{type(node).__name__}` is not supported by s2sad")

    def expr_statement(self, node: cst.Expr) -> None:
        call = node.value
        if isinstance(call, cst.Yield) and self.yielded:
            if isinstance(call.value, cst.From) or call.value is None:
                raise self.error(call, "only `yield <value>` is supported by s2sad")
            item = self.to_atom(self.expr(call.value))
            self.assign(self.yielded, ir.Call("_rt.append", (ir.Name(self.yielded), item)))
            return
        # ``xs.append(v)`` on a local list: rebinding keeps the data flow explicit
        if (isinstance(call, cst.Call) and isinstance(call.func, cst.Attribute)
                and isinstance(call.func.value, cst.Name) and call.func.value.value in self.locals
                and call.func.attr.value == "append" and len(call.args) == 1):
            lst = call.func.value.value
            item = self.to_atom(self.expr(call.args[0].value))
            self.assign(lst, ir.Call("_rt.append", (ir.Name(lst), item)))
            return
        if not isinstance(call, cst.Call):
            raise self.error(node, "an expression statement that is not a call does nothing; "
                                   "s2sad does not read it")
        value = self.expr(call)  # ``print(loss)``, ``log.info(...)``: kept, run once, in order
        if isinstance(value, ir.Call):
            self.emit(ir.ExprStmt(value, self.line))
        else:
            self.to_atom(value)

    # ------------------------------------------------------------------ effects, kept as written
    def raise_statement(self, node: cst.Raise) -> None:
        if node.exc is None or node.cause is not None:
            raise self.error(node, "only `raise <exception>` is supported by s2sad")
        exc = self.to_atom(self.expr(node.exc))
        self.emit(ir.ExprStmt(ir.Call("raise", (exc,)), self.line))

    def assert_statement(self, node: cst.Assert) -> None:
        """``assert test, msg``: checked in the primal sweep, never differentiated."""
        test = self.to_atom(self.expr(node.test))
        msg = self.expr(node.msg) if node.msg is not None else None
        if msg is None or isinstance(msg, ir.Const):
            self.emit(ir.ExprStmt(ir.Call("assert", (test,) + ((msg,) if msg else ())),
                                  self.line))
            return
        failed = self.to_atom(ir.Call("not_", (test,)))
        saved, self.out = self.out, []  # the message is built only when the check fails
        exc = self.to_atom(ir.Call("AssertionError", (self.to_atom(msg),)))
        self.emit(ir.ExprStmt(ir.Call("raise", (exc,)), self.line))
        body, self.out = tuple(self.out), saved
        self.emit(ir.If(failed, body, (), self.line))

    def with_statement(self, node: cst.With) -> None:
        """``with cm as v: body``: the body is differentiated; the context's enter and exit
        run around it in the primal sweep (not around the reverse sweep)."""
        self.line = self.fence.line_of(node)
        if node.asynchronous is not None:
            raise self.error(node, "`async with` is not supported by s2sad")
        managers = []
        for item in node.items:
            cm = self.to_atom(self.expr(item.item))
            if not isinstance(cm, ir.Name):
                raise self.error(item, "a `with` needs a context manager")
            entered = ir.Call("call_method", (cm, ir.Const("__enter__")))
            if item.asname is not None:
                self.store(item.asname.name, entered)
            else:
                self.emit(ir.ExprStmt(entered, self.line))
            managers.append(cm)
        self.statements(node.body.body)
        for cm in reversed(managers):
            self.emit(ir.ExprStmt(ir.Call("call_method", (cm, ir.Const("__exit__"),
                                                          ir.Const(None), ir.Const(None),
                                                          ir.Const(None))), self.line))

    # ------------------------------------------------------------------ local functions
    def local_def(self, node: cst.FunctionDef) -> None:
        if node.asynchronous is not None:
            raise self.error(node, "`async def` is not supported by s2sad")
        fn = self.local_function(node, node.name.value)
        for deco in node.decorators:
            if self.static_value(deco.decorator) is not checkpoint:
                raise self.error(deco, "decorators on a nested function are not supported by "
                                       "s2sad (except @s2sad.checkpoint)")
            fn = replace(fn, checkpoint=True)
        self.bind_function(node, node.name.value, fn)

    def bind_function(self, node, name: str, fn: LocalFunction) -> None:
        """Bind a name to a local function, once: which function a name holds must be known
        when the program is generated, not only when it runs."""
        if name in self.static or self.binding_count(name) > 1:
            raise self.error(node, f"`{name}` is bound to a function here and to something "
                                   f"else elsewhere; s2sad needs one definition per name")
        self.static[name] = fn

    def binding_count(self, name: str) -> int:
        """How many statements of the body bind ``name`` (counted once for all names)."""
        if self._binding_counts is None:
            self._binding_counts = _binding_counts(self.fdef.body)
        return self._binding_counts.get(name, 0)

    def is_unzip(self, value) -> bool:
        return (isinstance(value, cst.Call) and len(value.args) == 1
                and value.args[0].star == "*" and self.static_value(value.func) is zip)

    def unzip(self, target, rows_node) -> None:
        """``a, b = zip(*rows)``: column j is the tuple of ``row[j]`` over the rows."""
        if not isinstance(target, (cst.Tuple, cst.List)):
            raise self.error(target, "unpack zip(*rows) into one name per column")
        rows = self.to_atom(self.expr(rows_node))
        n = self.to_atom(ir.Call("len", (rows,)))
        cols = [self.fresh("_col") for _ in target.elements]
        for col in cols:
            self.emit(ir.Assign(col, ir.Call("list", ()), self.line))
        i = self.fresh("_i")
        outer, self.out = self.out, []
        row = self.to_atom(ir.Subscript(rows, ir.Index((ir.Name(i),))))
        for j, col in enumerate(cols):
            item = self.to_atom(ir.Subscript(row, ir.Index((ir.Const(j),))))
            self.assign(col, ir.Call("_rt.append", (ir.Name(col), item)))
        body, self.out = tuple(self.out), outer
        self.emit(ir.For(i, ir.Const(0), n, ir.Const(1), body, self.line))
        for el, col in zip(target.elements, cols):
            self.store(el.value, ir.Call("_rt.to_tuple", (ir.Name(col),)))

    def note_literal(self, name: str, value) -> None:
        """Remember the length of a tuple/list literal (the keys of a dict literal) bound to a
        name once, so ``f(*args)`` / ``f(**options)`` spread exactly that many."""
        if self.binding_count(name) != 1:
            return
        if isinstance(value, (cst.Tuple, cst.List)) and not any(
                isinstance(el, cst.StarredElement) for el in value.elements):
            self.literals[name] = len(value.elements)
        elif isinstance(value, cst.Dict) and all(
                isinstance(el, cst.DictElement) and isinstance(el.key, cst.SimpleString)
                for el in value.elements):
            self.literals[name] = tuple(el.key.evaluated_value for el in value.elements)

    def local_function(self, node: cst.FunctionDef | cst.Lambda, name: str) -> LocalFunction:
        """A nested def or lambda as a compile-time value; what it reads from this scope
        becomes its captures (runtime values) or statics (compile-time values)."""
        made = self.local_functions.get(id(node))
        if made is not None:
            return made
        captures, statics = [], {}
        for free in free_names(node):
            value = self.static.get(free)
            if isinstance(value, LocalFunction):  # it calls another local function
                statics[free] = value
                captures += [a.id for a in value.env
                             if isinstance(a, ir.Name) and a.id not in captures]
            elif free in self.static:
                statics[free] = value
            elif free in self.locals and free not in captures:
                captures.append(free)
        own = bound_names(node) if isinstance(node, cst.FunctionDef) else {
            p.name.value for p in all_params(node)}
        clash = own & set(captures)
        if clash:
            raise self.error(node, f"`{sorted(clash)[0]}` names both a variable of the enclosing "
                                   f"function this one reads and one of its own; rename one")
        made = self.local_functions[id(node)] = LocalFunction(
            node, name, self.src, self.fence, tuple(captures), statics,
            tuple(ir.Name(c) for c in captures))
        return made

    def return_statement(self, node: cst.Return) -> None:
        made = self.static_value(node.value) if node.value is not None else None
        if isinstance(made, LocalFunction):  # a closure factory returns what its closure reads
            if self.ret_flag is not None:
                raise self.error(node, "a function that returns a function must do so in its "
                                       "last statement only, for s2sad")
            self.returned_function = made
            self.emit(ir.Return(self.to_atom(ir.Call("tuple", made.env)), self.line))
            return
        value = self.to_atom(self.expr(node.value)) if node.value is not None else ir.Const(None)
        if self.ret_flag is None:
            self.emit(ir.Return(value, self.line))
            return
        self.assign(self.ret_val, value)
        self.emit(ir.Assign(self.ret_flag, ir.Const(True), self.line))
        for loop in self.loops:  # leave every enclosing loop
            self.emit(ir.Assign(loop.brk, ir.Const(True), self.line))

    def store(self, target, value: ir.Expr) -> None:
        if isinstance(target, cst.Name):
            name = self.renames.get(target.value, target.value)
            if name in self.static:
                raise self.error(target, f"cannot assign to `{target.value}` here")
            self.assign(name, value)
        elif isinstance(target, (cst.Tuple, cst.List)):
            src = self.to_atom(value)
            for i, el in enumerate(target.elements):
                if isinstance(el, cst.StarredElement):
                    raise self.error(el, "star-unpacking (`*x`) is not supported by s2sad")
                self.store(el.value, ir.Subscript(src, ir.Index((ir.Const(i),))))
        elif isinstance(target, cst.Subscript):
            base, root = target.value, target.value
            while isinstance(root, cst.Subscript):  # ``a[i][j] = v``: through the view a[i]
                root = root.value
            if not (isinstance(root, cst.Name) and root.value in self.locals):
                raise self.error(target, "subscript assignment needs a local array name "
                                         "(`a[i] = v`)")
            name = base.value if base is root else self.to_atom(self.expr(base)).id
            index = self.index(target)
            self.emit(ir.SetItem(name, index, self.to_atom(value), self.line))
        else:
            raise self.error(target, f"assignment to `{type(target).__name__}` is not "
                                     f"supported by s2sad")

    def aug_assign(self, node: cst.AugAssign) -> None:
        op = AUGOPS.get(type(node.operator))
        if op is None:
            raise self.error(node, "this augmented assignment is not supported by s2sad")
        rhs = self.to_atom(self.expr(node.value))
        target = node.target
        if isinstance(target, cst.Name):  # in place for arrays: see aliases.py
            value = self.to_atom(ir.Call(op, (self.name_atom(target), rhs)))
            name = self.renames.get(target.value, target.value)
            self.emit(ir.Assign(name, ir.Call(INPLACE, (value,)), self.line))
        elif isinstance(target, cst.Subscript):
            old = self.to_atom(self.expr(target))
            self.store(target, ir.Call(op, (old, rhs)))
        else:
            raise self.error(target, "augmented assignment to this target is not supported")

    def if_statement(self, node: cst.If) -> None:
        self.line = self.fence.line_of(node)
        test = self.to_atom(self.expr(node.test))
        line = self.line
        body = self.block(node.body.body)
        orelse: tuple = ()
        if isinstance(node.orelse, cst.If):
            orelse = self.block([node.orelse])
        elif isinstance(node.orelse, cst.Else):
            orelse = self.block(node.orelse.body.body)
        self.emit(ir.If(test, body, orelse, line))

    # ------------------------------------------------------------------ loops
    def for_statement(self, node: cst.For) -> None:
        self.line = line = self.fence.line_of(node)
        start, stop, step, bind = self.iteration_space(node.iter, node.target)
        exits = contains(node.body, (cst.Break, cst.Return), into_loops=False) or contains(
            node.body, (cst.Return,))
        loop = Loop(self.fresh("_brk") if exits else None,
                    self.fresh("_cont") if contains(node.body, (cst.Continue,), False) else None)
        if not exits:
            index = (node.target.value if isinstance(node.target, cst.Name) and bind is None
                     else self.fresh("_i"))
            body = self.loop_body(loop, lambda: bind(ir.Name(index)) if bind else None,
                                  node.body.body)
            self.emit(ir.For(index, start, stop, step, body, line))
            return
        # a loop that can exit early: ``while in_range(i) and not flags: ...; i += step``
        counter = self.fresh("_i")
        self.emit(ir.Assign(counter, start, line))
        self.emit(ir.Assign(loop.brk, ir.Const(False), line))

        def head():
            if bind:
                bind(ir.Name(counter))
            else:
                self.assign(node.target.value, ir.Name(counter))

        saved, self.out = self.out, []
        self.line = line
        inr = self.to_atom(ir.Call("_rt.in_range", (ir.Name(counter), stop, step)))
        go = self.to_atom(ir.Call("not_", (ir.Name(loop.brk),)))
        cond = self.to_atom(ir.Call("and_", (inr, go)))
        test_body, self.out = tuple(self.out), saved
        body = self.loop_body(loop, head, node.body.body)
        nxt = self.fresh()
        body += (ir.Assign(nxt, ir.Call("add", (ir.Name(counter), step)), line),
                 ir.Assign(counter, ir.Name(nxt), line))
        self.emit(ir.While(test_body, cond, body, line))

    def loop_body(self, loop: Loop, head, stmts) -> tuple[ir.Stmt, ...]:
        saved, self.out = self.out, []
        self.loops.append(loop)
        try:
            if loop.cont:
                self.emit(ir.Assign(loop.cont, ir.Const(False), self.line))
            if head:
                head()
            self.statements(stmts)
            return tuple(self.out)
        finally:
            self.loops.pop()
            self.out = saved

    def iteration_space(self, it, target):
        """(start, stop, step, bind) where ``bind(i)`` assigns the loop target from index i."""
        func = it.func if isinstance(it, cst.Call) else None
        fobj = self.static_value(func) if func is not None else None
        if fobj is range:
            args = [self.to_atom(self.expr(a.value)) for a in it.args]
            if not 1 <= len(args) <= 3 or any(a.keyword for a in it.args):
                raise self.error(it, "range() takes 1 to 3 positional arguments")
            if len(args) == 1:
                args = [ir.Const(0), args[0]]
            start, stop = args[0], args[1]
            step = args[2] if len(args) == 3 else ir.Const(1)
            if not isinstance(target, cst.Name):
                raise self.error(target, "a range loop needs a plain name as its target")
            return start, stop, step, None
        if fobj is enumerate:
            if len(it.args) != 1 or not (isinstance(target, (cst.Tuple, cst.List))
                                         and len(target.elements) == 2):
                raise self.error(it, "use `for i, x in enumerate(xs)`")
            seq = self.to_atom(self.expr(it.args[0].value))
            n = self.to_atom(ir.Call("len", (seq,)))

            def bind(i):
                self.store(target.elements[0].value, i)
                self.store(target.elements[1].value, ir.Subscript(seq, ir.Index((i,))))
            return ir.Const(0), n, ir.Const(1), bind
        if fobj is zip:
            seqs = [self.to_atom(self.expr(a.value)) for a in it.args]
            lens = [self.to_atom(ir.Call("len", (s,))) for s in seqs]
            n = lens[0]
            for other in lens[1:]:
                n = self.to_atom(ir.Call("min", (n, other)))
            if not (isinstance(target, (cst.Tuple, cst.List))
                    and len(target.elements) == len(seqs)):
                raise self.error(target, "unpack zip() into one name per sequence")

            def bind(i):
                for el, s in zip(target.elements, seqs):
                    self.store(el.value, ir.Subscript(s, ir.Index((i,))))
            return ir.Const(0), n, ir.Const(1), bind
        seq = self.to_atom(self.expr(it))
        if isinstance(it, cst.Call) and fobj is not None:  # ``sorted(s)``, ``map(...)``: a list
            seq = self.to_atom(ir.Call("_rt.to_list", (seq,)))
        n = self.to_atom(ir.Call("len", (seq,)))

        def bind(i):
            self.store(target, ir.Subscript(seq, ir.Index((i,))))
        return ir.Const(0), n, ir.Const(1), bind

    def while_statement(self, node: cst.While) -> None:
        self.line = line = self.fence.line_of(node)
        exits = contains(node.body, (cst.Break, cst.Return), into_loops=False) or contains(
            node.body, (cst.Return,))
        loop = Loop(self.fresh("_brk") if exits else None,
                    self.fresh("_cont") if contains(node.body, (cst.Continue,), False) else None)
        if loop.brk:
            self.emit(ir.Assign(loop.brk, ir.Const(False), line))
        saved, self.out = self.out, []
        cond = self.to_atom(self.expr(node.test))
        if loop.brk:
            go = self.to_atom(ir.Call("not_", (ir.Name(loop.brk),)))
            cond = self.to_atom(ir.Call("and_", (go, cond)))
        test_body, self.out = tuple(self.out), saved
        body = self.loop_body(loop, None, node.body.body)
        self.emit(ir.While(test_body, cond, body, line))
