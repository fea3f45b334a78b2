"""Lowering of expressions: each CST expression becomes IR statements plus an atom.

``np.sin(x * w)`` emits ``_t1 = x * w`` and returns ``Call("np.sin", (Name("_t1"),))``;
names are resolved at compile time (``StaticValue`` for modules, functions, ``self``).
A mixin of ``Lowerer``, which provides naming, emission and errors.
"""

from __future__ import annotations

import ast
from dataclasses import replace
from typing import TYPE_CHECKING

import libcst as cst
import numpy as np

from ... import ir
from ...loops import checkpoint
from ..parse import MISSING, lookup_free
from .closures import LocalFunction
from .methods import ARRAY_ATTRIBUTES, ARRAY_METHODS, CONTAINER_METHODS, IN_PLACE_METHODS

if TYPE_CHECKING:
    from .program import ProgramBuilder

BINOPS = {
    cst.Add: "add", cst.Subtract: "sub", cst.Multiply: "mul", cst.Divide: "truediv",
    cst.FloorDivide: "floordiv", cst.Modulo: "mod", cst.Power: "pow",
    cst.MatrixMultiply: "matmul", cst.BitAnd: "bitand", cst.BitOr: "bitor", cst.BitXor: "xor",
    cst.LeftShift: "lshift", cst.RightShift: "rshift",
}
AUGOPS = {
    cst.AddAssign: "add", cst.SubtractAssign: "sub", cst.MultiplyAssign: "mul",
    cst.DivideAssign: "truediv", cst.FloorDivideAssign: "floordiv", cst.ModuloAssign: "mod",
    cst.PowerAssign: "pow", cst.MatrixMultiplyAssign: "matmul", cst.BitAndAssign: "bitand",
    cst.BitOrAssign: "bitor", cst.BitXorAssign: "xor",
}
CMPOPS = {
    cst.LessThan: "lt", cst.LessThanEqual: "le", cst.GreaterThan: "gt",
    cst.GreaterThanEqual: "ge", cst.Equal: "eq", cst.NotEqual: "ne", cst.Is: "is_",
    cst.IsNot: "is_not", cst.In: "contains_in", cst.NotIn: "not_in",
}
UNARY = {cst.Minus: "neg", cst.Plus: "pos", cst.Not: "not_", cst.BitInvert: "invert"}
SCALAR_TYPES = (bool, int, float, complex, str, type(None))


class Spread:
    """``*xs`` (``kind`` "*") or ``**d`` ("**") of a runtime value, spread by the callee's
    signature: ``f(*args)`` with ``def f(a, b)`` passes ``args[0], args[1]``."""

    def __init__(self, value, kind: str):
        self.value, self.kind = value, kind


class StaticValue:
    """A name bound at compile time to a Python object (a module, function, or `self`)."""

    def __init__(self, value):
        self.value = value



class ExpressionLowering:
    """``expr(node) -> ir.Expr``; needs ``fresh``, ``emit``, ``to_atom``, ``error``,
    ``assign``, ``b`` (the program builder), ``src``, ``static``, ``locals`` and ``line``."""

    b: "ProgramBuilder"

    def expr(self, node) -> ir.Expr:
        method = getattr(self, "expr_" + type(node).__name__, None)
        if method is None:
            raise self.error(node, f"`{type(node).__name__}` expressions are not supported by "
                                   f"s2sad")
        return method(node)

    def expr_Integer(self, node):
        return ir.Const(node.evaluated_value)

    expr_Float = expr_Imaginary = expr_SimpleString = expr_ConcatenatedString = expr_Integer

    def expr_FormattedString(self, node: cst.FormattedString):
        """``f"step {i}: {loss:.3f}"`` -> ``"step {}: {:.3f}".format(i, loss)``."""
        if node.prefix.lower() != "f":
            raise self.error(node, f"`{node.prefix}` strings are not supported by s2sad")
        template, values = [], []
        for part in node.parts:
            if isinstance(part, cst.FormattedStringText):
                template.append(part.value)
                continue
            spec = ""
            if part.format_spec is not None:
                if not all(isinstance(p, cst.FormattedStringText) for p in part.format_spec):
                    raise self.error(part, "nested fields in a format spec are not supported "
                                           "by s2sad")
                spec = ":" + "".join(p.value for p in part.format_spec)
            if part.equal is not None:
                raise self.error(part, "`{x=}` in an f-string is not supported by s2sad")
            conversion = f"!{part.conversion}" if part.conversion else ""
            template.append("{" + conversion + spec + "}")
            values.append(self.to_atom(self.expr(part.expression)))
        quote = node.start[len(node.prefix):]  # the raw text keeps its escapes and {{ }}
        text = ast.literal_eval(quote + "".join(template) + node.end)
        return ir.Call("str.format", (ir.Const(text), *values))

    def expr_Lambda(self, node):
        raise self.error(node, "a lambda can be called, passed to a function or bound to a "
                               "name, not used as data")

    def expr_Ellipsis(self, node):
        return ir.Const(Ellipsis)

    def expr_Name(self, node: cst.Name):
        value = self.name_value(node)
        if isinstance(value, StaticValue):
            return self.constant(node, value.value)
        return value

    def name_atom(self, node: cst.Name) -> ir.Atom:
        value = self.expr_Name(node)
        return self.to_atom(value)

    def name_value(self, node: cst.Name):
        """A local ``Name``, or ``StaticValue`` for compile-time objects."""
        name = self.renames.get(node.value, node.value)
        if name in self.static:
            return StaticValue(self.static[name])
        if name in self.locals:
            return ir.Name(name)
        if name in ("True", "False", "None"):
            return StaticValue({"True": True, "False": False, "None": None}[name])
        value = lookup_free(self.src, name)
        if value is MISSING:
            raise self.error(node, f"name `{name}` is not defined")
        return StaticValue(value)

    def constant(self, node, value) -> ir.Atom:
        """A compile-time value used as data: inline literals, pass arrays as globals."""
        if isinstance(value, SCALAR_TYPES) or (
                isinstance(value, tuple) and all(isinstance(v, SCALAR_TYPES) for v in value)):
            self.b.sources.append(f"{_code(node)}={value!r}")  # inlined: part of the cache key
            return ir.Const(value)
        if isinstance(value, (np.ndarray, np.generic, list, tuple, dict)):
            hint = node.attr.value if isinstance(node, cst.Attribute) else getattr(node, "value", "")
            return ir.Name(self.b.global_name(hint if isinstance(hint, str) else "_const", value))
        if isinstance(value, type):  # ``type(x) is np.ndarray``: compared, never differentiated
            return ir.Name(self.b.qualified_path(value) or self.b.global_name(
                value.__name__, value))
        if isinstance(value, LocalFunction):
            raise self.error(node, f"the nested function `{_code(node)}` can be called, passed "
                                   f"to your own functions or returned by a function it is "
                                   f"defined in, not used as a value (in a container, an "
                                   f"expression or a test) in differentiated code")
        raise self.error(node, f"{type(value).__name__} `{_code(node)}` cannot be used as a "
                               f"value in differentiated code")

    def static_value(self, node):
        """The compile-time object an expression denotes, or None if it is runtime data."""
        if isinstance(node, cst.Name):
            v = self.name_value(node)  # a local bound by an inline transform: ``vjp_fn``
            return v.value if isinstance(v, StaticValue) else self.runtime_function(node)
        if isinstance(node, cst.Attribute):
            base = self.static_value(node.value)
            if base is None:
                return None
            try:
                return getattr(base, node.attr.value)
            except AttributeError:
                raise self.error(node, f"`{_code(node)}` does not exist") from None
        if isinstance(node, cst.Lambda):
            return self.local_function(node, "lambda_")
        if isinstance(node, cst.Call):
            func = self.static_value(node.func)
            if self.b.returns_function(func):  # ``make_loss(a)``: a closure, made once
                made = self.local_functions.get(id(node))
                if made is None:
                    args, kwargs = self.call_args(node)
                    made = self.local_functions[id(node)] = self.b.closure_call(
                        self, node, func, args, kwargs)
                return made
            if func is checkpoint:  # ``s2sad.checkpoint(cell)``: the function, marked
                return self.checkpointed(node)
            if getattr(func, "__s2sad_builder__", False):
                return self.evaluate_builder(node, func)  # ``s2sad.grad(f, argnums=1)``
        return None

    def checkpointed(self, node: cst.Call):
        """``s2sad.checkpoint(fn)`` of a function known at compile time."""
        fn = self.static_value(node.args[0].value) if len(node.args) == 1 and not (
            node.args[0].star or node.args[0].keyword) else None
        if isinstance(fn, LocalFunction):
            return replace(fn, checkpoint=True)
        if fn is None or not callable(fn):
            raise self.error(node, "s2sad.checkpoint takes one function known at compile "
                                   "time (a nested def, a lambda or a module-level function)")
        return checkpoint(fn)

    def expr_Attribute(self, node: cst.Attribute):
        obj = self.static_value(node.value)
        if obj is not None:
            return self.constant(node, getattr(obj, node.attr.value))
        base = self.to_atom(self.expr(node.value))
        attr = node.attr.value
        if attr in ARRAY_ATTRIBUTES:
            return ir.Call(ARRAY_ATTRIBUTES[attr], (base,))
        raise self.error(node, f"attribute `.{attr}` of a runtime value is not supported by "
                               f"s2sad")

    def expr_Tuple(self, node):
        return ir.Call("tuple", tuple(self.element_atoms(node)))

    def expr_List(self, node):
        return ir.Call("list", tuple(self.element_atoms(node)))

    def element_atoms(self, node):
        for el in node.elements:
            if isinstance(el, cst.StarredElement):
                raise self.error(el, "star-unpacking (`*x`) is not supported by s2sad")
            yield self.to_atom(self.expr(el.value))

    def expr_Dict(self, node):
        items = []
        for el in node.elements:
            if not isinstance(el, cst.DictElement):
                raise self.error(el, "`**` in a dict literal is not supported by s2sad")
            items += [self.to_atom(self.expr(el.key)), self.to_atom(self.expr(el.value))]
        return ir.Call("dict", tuple(items))

    def expr_BinaryOperation(self, node):
        op = BINOPS.get(type(node.operator))
        left = self.to_atom(self.expr(node.left))
        right = self.to_atom(self.expr(node.right))
        return ir.Call(op, (left, right))

    def expr_UnaryOperation(self, node):
        operand = self.expr(node.expression)
        if isinstance(operand, ir.Const) and isinstance(node.operator, cst.Minus) and isinstance(
                operand.value, (int, float, complex)):
            return ir.Const(-operand.value)
        return ir.Call(UNARY[type(node.operator)], (self.to_atom(operand),))

    def expr_Comparison(self, node):
        left = self.to_atom(self.expr(node.left))
        if len(node.comparisons) == 1:
            c = node.comparisons[0]
            return ir.Call(CMPOPS[type(c.operator)], (left, self.to_atom(self.expr(c.comparator))))
        # a < b < c: evaluate left to right, stop at the first false link
        result = self.fresh()
        parts = list(node.comparisons)

        def chain(lhs, i):
            c = parts[i]
            rhs = self.to_atom(self.expr(c.comparator))
            link = self.fresh()  # the test of the next link: never reassigned in its arm
            self.emit(ir.Assign(link, ir.Call(CMPOPS[type(c.operator)], (lhs, rhs)), self.line))
            self.emit(ir.Assign(result, ir.Name(link), self.line))
            if i + 1 < len(parts):
                saved, self.out = self.out, []
                chain(rhs, i + 1)
                inner, self.out = tuple(self.out), saved
                self.emit(ir.If(ir.Name(link), inner, (), self.line))

        chain(left, 0)
        return ir.Name(result)

    def expr_BooleanOperation(self, node):
        """``a and b`` -> ``t = a; r = t; if t: r = b`` (short circuit, value semantics; the
        test is never the name its arm assigns, so the reverse sweep replays the branch)."""
        left = self.to_atom(self.expr(node.left))
        result = self.fresh()
        self.emit(ir.Assign(result, left, self.line))
        saved, self.out = self.out, []
        self.emit(ir.Assign(result, self.expr(node.right), self.line))
        second, self.out = tuple(self.out), saved
        if isinstance(node.operator, cst.And):
            self.emit(ir.If(left, second, (), self.line))
        else:
            self.emit(ir.If(left, (), second, self.line))
        return ir.Name(result)

    def expr_IfExp(self, node):
        result = self.fresh()
        test = self.to_atom(self.expr(node.test))
        saved, self.out = self.out, []
        self.emit(ir.Assign(result, self.expr(node.body), self.line))
        body, self.out = tuple(self.out), []
        self.emit(ir.Assign(result, self.expr(node.orelse), self.line))
        orelse, self.out = tuple(self.out), saved
        self.emit(ir.If(test, body, orelse, self.line))
        return ir.Name(result)

    def expr_Subscript(self, node: cst.Subscript):
        obj = self.static_value(node.value)
        if obj is np.r_ or obj is np.c_:
            return self.concatenator(node, obj)
        base = self.to_atom(self.expr(node.value)) if obj is None else self.constant(
            node.value, obj)
        return ir.Subscript(base, self.index(node))

    def concatenator(self, node: cst.Subscript, obj):
        """``np.r_[a, b]`` is ``np.concatenate([np.atleast_1d(a), np.atleast_1d(b)])``;
        ``np.c_[a, b]`` is ``np.column_stack((a, b))``."""
        items = []
        for el in node.slice:
            if not isinstance(el.slice, cst.Index) or isinstance(el.slice.value, (
                    cst.SimpleString, cst.ConcatenatedString, cst.FormattedString)):
                raise self.error(el, f"`np.{'r_' if obj is np.r_ else 'c_'}` with slices or "
                                     f"string directives is not supported by s2sad; use "
                                     f"np.concatenate or np.arange")
            items.append(self.to_atom(self.expr(el.slice.value)))
        if obj is np.c_:
            seq = self.to_atom(ir.Call("tuple", tuple(items)))
            return self.b.call(self, node, np.column_stack, [seq], [])
        rows = [self.to_atom(self.b.call(self, node, np.atleast_1d, [a], [])) for a in items]
        return self.b.call(self, node, np.concatenate, [self.to_atom(ir.Call("list", tuple(
            rows)))], [])

    def index(self, node: cst.Subscript) -> ir.Index:
        items = []
        for el in node.slice:
            s = el.slice
            if isinstance(s, cst.Slice):
                items.append(ir.Slice(*(self.to_atom(self.expr(p)) if p is not None else None
                                        for p in (s.lower, s.upper, s.step))))
            else:
                items.append(self.to_atom(self.expr(s.value)))
        is_tuple = len(node.slice) > 1 or (node.slice and node.slice[-1].comma not in (
            None, cst.MaybeSentinel.DEFAULT))
        return ir.Index(tuple(items), bool(is_tuple))

    def expr_Call(self, node: cst.Call):
        func = self.static_value(node.func)
        if getattr(func, "__s2sad_inline__", False):  # s2sad.jvp(f, primals, tangents), ...
            return self.inline_transform(node, func)
        if func is None:
            if isinstance(node.func, cst.Attribute):
                return self.method_call(node)
            raise self.error(node.func, f"`{_code(node.func)}` is not a function s2sad can "
                                        f"resolve at compile time")
        args, kwargs = self.call_args(node)
        return self.b.call(self, node, func, args, kwargs)

    def call_args(self, node: cst.Call):
        """Positional and keyword arguments; ``*xs`` and ``**d`` of literals are spread here,
        of runtime values marked (``Spread``) for the callee's signature to spread."""
        args, kwargs = [], []
        for a in node.args:
            value = a.value
            literal_items = isinstance(value, (cst.Tuple, cst.List)) and not any(
                isinstance(el, cst.StarredElement) for el in value.elements)
            literal_keys = isinstance(value, cst.Dict) and all(
                isinstance(el, cst.DictElement) and isinstance(el.key, cst.SimpleString)
                for el in value.elements)
            if a.star == "*" and literal_items:
                args += [self.call_arg(el.value) for el in value.elements]
            elif a.star == "**" and literal_keys:
                kwargs += [(el.key.evaluated_value, self.call_arg(el.value))
                           for el in value.elements]
            elif a.star == "*":
                args.append(Spread(self.to_atom(self.expr(value)), "*"))
            elif a.star == "**":
                kwargs.append(("**", Spread(self.to_atom(self.expr(value)), "**")))
            elif a.keyword is not None:
                kwargs.append((a.keyword.value, self.call_arg(value)))
            else:
                args.append(self.call_arg(value))
        return args, kwargs

    def call_arg(self, node):
        """An argument: runtime data as an atom, compile-time functions as StaticValue."""
        if isinstance(node, cst.Subscript) and self.static_value(node.value) is np.s_:
            return self.index(node)  # ``np.s_[1:, i]``: an index passed to a helper
        obj = self.static_value(node)
        if obj is not None and (callable(obj) or isinstance(obj, LocalFunction)) and (
                not isinstance(obj, (np.ndarray, type))):
            return StaticValue(obj)
        if obj is not None and isinstance(obj, type):
            return StaticValue(obj)  # dtype arguments such as float, np.float32
        return self.to_atom(self.expr(node))

    def method_call(self, node: cst.Call):
        attr = node.func.attr.value
        base = self.to_atom(self.expr(node.func.value))
        spec = ARRAY_METHODS.get(attr)
        args, kwargs = self.call_args(node)
        if attr in IN_PLACE_METHODS and isinstance(base, ir.Name) and base.id in self.locals:
            return self.in_place_method(node, attr, base, args, kwargs)
        if spec is None:  # a method of an object that is not an array: ``rs.randn(3)``
            atoms = [self.b.library_arg(self, node, a) for a in args]
            katoms = tuple((k, self.b.library_arg(self, node, v)) for k, v in kwargs)
            if attr in CONTAINER_METHODS:  # ``params.items()``, ``params.get("b", 0.0)``
                return ir.Call(CONTAINER_METHODS[attr], (base, *atoms), katoms)
            return ir.Call("call_method", (base, ir.Const(attr), *atoms), katoms)
        func, pack_shape = spec
        if attr == "flatten":  # always a copy (``ravel`` may return a view)
            return ir.Call("np.copy", (self.to_atom(self.b.call(self, node, func, [base] + args,
                                                                 kwargs)),))
        if pack_shape and len(args) > 1:  # x.reshape(2, 3) -> np.reshape(x, (2, 3))
            args = [self.to_atom(ir.Call("tuple", tuple(args)))]
        return self.b.call(self, node, func, [base] + args, kwargs)


    def in_place_method(self, node, attr, base: ir.Name, args, kwargs) -> ir.Const:
        """``a.fill(v)`` is ``a[...] = v``; ``a.sort()`` is ``a[...] = np.sort(a)``: updates
        the alias pass sees (``aliases.py``)."""
        if attr == "fill" and len(args) == 1 and not kwargs:
            value = args[0]
        elif attr == "sort":
            value = self.to_atom(self.b.call(self, node, np.sort, [base] + args, kwargs))
        else:
            raise self.error(node, f"`.{attr}()` updates the array in place and is not "
                                   f"supported by s2sad; assign the result instead")
        self.emit(ir.SetItem(base.id, ir.Index((ir.Const(Ellipsis),)), self.to_atom(value),
                             self.line))
        return ir.Const(None)


def _code(node) -> str:
    try:
        return cst.Module([]).code_for_node(node)
    except Exception:  # pragma: no cover - only for messages
        return type(node).__name__
