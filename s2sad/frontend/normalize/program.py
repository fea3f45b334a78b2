"""Build an ``ir.Program``: the entry function and every user function it calls.

Calls are resolved at compile time: a primitive (a rule's object), a NumPy
function without a rule (kept; the transforms complain only if it must be
differentiated), a user function (lowered too, recursively, once per
specialization), or an s2sad-transformed function (its generated code is read
like user code). Function-valued arguments (``integrate(rhs, y0)``) and bound
``self`` specialize the callee: they become compile-time names inside it.
"""

from __future__ import annotations

import builtins
import inspect
import re
import sys
import sysconfig
import types

import libcst as cst
import numpy as np
from libcst.metadata import MetadataWrapper, PositionProvider

from ... import ir
from ...errors import DifferentiationError
from ...rules import registry
from ..bound import BoundFunction, with_bound_params
from ..fence import Fence, check
from ..parse import MISSING, parse_def, read_function, read_lambda
from .aliases import resolve_aliases
from .expressions import Spread, StaticValue
from .closures import LocalFunction, local_signature
from .inline_transforms import LocalTransform
from ...custom import custom_jvp, custom_vjp
from ...loops import Checkpointed
from .lists import lists_as_values, reads_as_values
from .loops import readable_loop
from .lower import Lowerer, all_params

_DTYPE_NAMES = {float: "float64", int: "int64", bool: "bool", complex: "complex128"}


_UPDATING = frozenset({np.fill_diagonal, np.put, np.place, np.putmask, np.put_along_axis})


def _updates_argument(func) -> bool:
    """NumPy functions (and ufunc methods such as ``np.add.at``) that update an argument."""
    try:
        if func in _UPDATING:
            return True
    except TypeError:  # unhashable callables
        return False
    return getattr(func, "__name__", None) == "at" and isinstance(
        getattr(func, "__self__", None), np.ufunc)


def _literals_as_arrays(low: Lowerer, node, atoms: list) -> list:
    """``np.log([x, y])``, ``np.add([x, 1.0], [2.0, x])``: a list or tuple literal given to an
    elementwise NumPy function is an array (as NumPy reads it), never a Python list that
    ``+`` would concatenate or a rule would multiply."""
    if not isinstance(node, cst.Call) or len(node.args) != len(atoms) or any(
            a.star or a.keyword for a in node.args):
        return atoms
    return [low.to_atom(ir.Call("np.asarray", (atom,))) if isinstance(
        arg.value, (cst.List, cst.Tuple)) else atom for arg, atom in zip(node.args, atoms)]


def transformed_entry(obj):
    """The generated Python function behind an s2sad-transformed callable, or None."""
    info = getattr(obj, "__s2sad__", None)
    return getattr(info, "composable_entry", None)


class ProgramBuilder:
    def __init__(self):
        self.functions: dict[str, ir.Function] = {}
        self.globals: dict[str, object] = {}
        self._global_ids: dict[int, str] = {}
        self._fn_names: dict[tuple, str] = {}
        self._queue: list[tuple[str, object, dict, tuple[str, ...]]] = []
        self.sources: list[str] = []  # every source read, for the cache key
        self._lowered: dict[str, Lowerer] = {}  # what lowering found (a factory's closure)
        self.checkpointed: set[str] = set()  # functions whose reverse sweep re-runs them
        self.custom: dict[str, tuple[str, ...]] = {}  # functions with user rules: ir.Function

    # ------------------------------------------------------------------ public
    def build(self, fn) -> ir.Program:
        if isinstance(fn, LocalFunction):  # a transform of a nested def: its key is its own
            self.sources.extend(fn.cache_key())
        statics = {}
        if isinstance(fn, BoundFunction):  # ``grad(f)(x, act=np.tanh)``: code for np.tanh
            fn, statics = fn.fn, dict(fn.statics)
        entry = self.function_name(fn, statics)
        self.build_pending()
        if statics:  # the generated entry takes the call's arguments as they are
            self.functions[entry] = with_bound_params(
                self.functions[entry], all_params(self._lowered[entry].fdef), statics)
        made = self._lowered[entry].returned_function
        if made is not None:  # ``grad(f)`` of a closure factory: no number to differentiate
            raise made.fence.error(made.node, f"`{_label(fn)}` returns a function "
                                              f"({made.label}); a transformed function must "
                                              f"return numbers, arrays or containers of them: "
                                              f"transform the function it returns instead")
        for name, rules in self.custom.items():
            self.functions[name] = ir.replace(self.functions[name], custom=rules)
        return resolve_aliases(ir.Program(entry, dict(self.functions), dict(self.globals)))

    def build_pending(self) -> None:
        while self._queue:
            name, obj, static, extra = self._queue.pop(0)
            self.functions[name] = self.lower_function(name, obj, static, extra)

    # ------------------------------------------------------------------ functions
    def function_name(self, fn, static: dict, extra: tuple[str, ...] = (),
                      checkpoint: bool = False) -> str:
        """The program name of (fn, static bindings); queue it for lowering if new.

        ``extra`` names parameters appended to ``fn``'s own: the captures of closures
        passed to it (and of a local function itself), which arrive as arguments."""
        entry = transformed_entry(fn)
        if entry is not None:
            fn = entry
        src_obj = fn
        if isinstance(fn, types.MethodType):
            src_obj = fn.__func__
            first = next(iter(inspect.signature(src_obj).parameters))
            static = {first: fn.__self__, **static}
        key = (id(src_obj), tuple(sorted((k, _static_key(v)) for k, v in static.items())), extra,
               checkpoint)
        if key in self._fn_names:
            return self._fn_names[key]
        label = src_obj.name if isinstance(src_obj, LocalFunction) else getattr(
            src_obj, "__name__", "f")
        base = re.sub(r"\W", "_", label) or "f"
        base = "lambda_" if base == "_lambda_" else base
        name, k = base, 1
        taken = set(self._fn_names.values())
        while name in taken:
            k += 1
            name = f"{base}_{k}"
        self._fn_names[key] = name
        self._queue.append((name, src_obj, static, extra))
        if checkpoint:
            self.checkpointed.add(name)
        return name

    def lower_function(self, name: str, obj, static: dict, extra: tuple[str, ...]) -> ir.Function:
        lowerer = self._lowered[name] = self.lowerer_for(obj, static, extra)
        fn, src = lowerer.lower(), lowerer.src
        if src.filename.startswith("<s2sad-generated") and reads_as_values(src.source):
            fn = lists_as_values(fn)
        return ir.replace(fn, name=name, source_lines=tuple(src.file_lines),
                          checkpoint=name in self.checkpointed)

    def lowerer_for(self, obj, static: dict, extra: tuple[str, ...]) -> Lowerer:
        if isinstance(obj, LocalFunction):  # lifted: read in the scope that defined it
            return Lowerer(self, obj.src, obj.definition(), obj.fence,
                           {**obj.statics, **static}, set(self.globals), obj.captures + extra)
        src = read_function(obj)
        if src.bound_self is not MISSING:
            params = list(inspect.signature(src.obj).parameters)
            static = {params[0]: src.bound_self, **static}
        if src.name == "<lambda>":  # ``grad(lambda x: ...)``: a def returning its body
            node, positions = read_lambda(src)
            fence = Fence(src, positions)
            fdef = LocalFunction(node, "lambda_", src, fence, (), {}, ()).definition(lifted=False)
            text = cst.Module([]).code_for_node(node)
            line = positions[node].start.line
        else:
            fdef = parse_def(src)
            positions = MetadataWrapper(cst.Module([fdef]), unsafe_skip_copy=True).resolve(
                PositionProvider)
            fence = Fence(src, positions)  # positions in the dedented source; Fence adds offsets
            text, line = src.source, src.line_offset + 1
        check(fdef, fence)
        # the text and where it lives (line comments in generated code cite its lines)
        self.sources.append(f"{src.filename}:{line}\n{text}")
        return Lowerer(self, src, fdef, fence, static, set(self.globals), extra,
                       _defaults_of(src.obj))

    # ------------------------------------------------------------------ globals
    def global_name(self, hint: str, value) -> str:
        """A free name of the generated module bound to a user constant (arrays...)."""
        if id(value) in self._global_ids:
            return self._global_ids[id(value)]
        base = re.sub(r"\W", "_", hint) or "_const"
        name, k = base, 1
        while name in self.globals:
            k += 1
            name = f"{base}_{k}"
        self.globals[name] = value
        self._global_ids[id(value)] = name
        return name

    # ------------------------------------------------------------------ calls
    def call(self, low: Lowerer, node, func, args, kwargs) -> ir.Expr:
        if any(isinstance(a, Spread) for a in args) or any(k == "**" for k, _ in kwargs):
            args, kwargs = self.spread(low, node, func, args, kwargs)
        owner = getattr(func, "__self__", None)
        if hasattr(owner, "_get") and hasattr(owner, "_transforms"):  # ``decorated.grad(x)``
            func = owner._get(func.__name__)
        if getattr(func, "__s2sad_loop__", None):  # s2sad.scan(...): the loop's own Python
            func, args, kwargs = readable_loop(self, low, node, func, args, kwargs)
        if isinstance(func, Checkpointed):
            return self.user_call(low, node, func.fn, args, kwargs, checkpoint=True)
        if isinstance(func, LocalFunction) and func.checkpoint:
            return self.user_call(low, node, func, args, kwargs, checkpoint=True)
        if isinstance(func, (custom_vjp, custom_jvp)):
            return self.custom_call(low, node, func, args, kwargs)
        folded = _fold(func, args, kwargs)
        if folded is not None:
            return folded
        if func in (list, tuple) and not args and not kwargs:  # ``[]`` / ``()``
            return ir.Call(func.__name__, ())
        if func is dict and not args:  # ``dict(w=w, b=b)``: a dict literal
            return ir.Call("dict", tuple(x for k, v in kwargs for x in (ir.Const(k), v)))
        if func is np.copyto or _updates_argument(func):
            return self.in_place_call(low, node, func, args, kwargs)
        rule = registry.rule_for_object(func)  # first: library functions with rules are primitives
        if isinstance(func, LocalFunction) or rule is None and (
                transformed_entry(func) is not None or _is_user_function(func)):
            return self.user_call(low, node, func, args, kwargs)
        if rule is not None:  # classes given to NumPy are dtypes; to builtins, classes
            conv = self.data_arg if rule.name.startswith(("np.", "_rt.")) else self.library_arg
            atoms = [conv(low, node, a) for a in args]
            if isinstance(func, np.ufunc) or rule.kind == registry.ELEMENTWISE:
                atoms = _literals_as_arrays(low, node, atoms)
            katoms = tuple((k, conv(low, node, v)) for k, v in kwargs)
            if "user" in rule.tags:  # ``s2sad.defrule``: the package its name starts at
                root = rule.name.split(".")[0]
                self.globals.setdefault(root, sys.modules.get(root))
            out = dict(katoms).get("out")
            if out is None or out == ir.Const(None):
                return ir.Call(rule.name, tuple(atoms), tuple(k for k in katoms if k[0] != "out"))
            return self.into(low, node, out, ir.Call(rule.name, tuple(atoms), tuple(
                k for k in katoms if k[0] != "out")))
        return self.library_call(low, node, func, args, kwargs)

    def in_place_call(self, low: Lowerer, node, func, args, kwargs) -> ir.Expr:
        """``np.copyto(dst, src)`` is ``dst[...] = src``; other NumPy functions that update an
        argument in place (``np.fill_diagonal``, ``np.add.at``...) are refused."""
        if func is np.copyto and len(args) == 2 and not kwargs:
            return self.into(low, node, args[0], args[1])
        name = _numpy_path(func) or getattr(func, "__name__", "this function")
        raise low.error(node, f"`{name}` updates its argument in place and is not supported "
                              f"by s2sad; compute the new array and assign it (`a[idx] = v`)")

    def into(self, low: Lowerer, node, out, value) -> ir.Name:
        """``out[...] = value``, for ``out=`` arguments: the call's value is ``out`` itself."""
        if not (isinstance(out, ir.Name) and out.id in low.locals):
            raise low.error(node, "`out=` must name a local array for s2sad")
        low.emit(ir.SetItem(out.id, ir.Index((ir.Const(Ellipsis),)), low.to_atom(value),
                            low.line))
        return out

    def library_call(self, low: Lowerer, node, func, args, kwargs) -> ir.Call:
        """A call of code s2sad does not read (no rule, not user code): kept as it is.

        Its result is a constant of the sweep: fine for random draws, printing and logging;
        a `DifferentiationError` naming the function if a derivative must flow through it.
        ``rs.randn(n)`` on the user's generator stays a call on that very object.
        """
        atoms = tuple(self.library_arg(low, node, a) for a in args)
        katoms = tuple((k, self.library_arg(low, node, v)) for k, v in kwargs)
        owner = getattr(func, "__self__", None)
        name = _numpy_path(func) or self.source_path(low, node.func) or self.qualified_path(func)
        if name is None and owner is not None and not isinstance(owner, types.ModuleType):
            owner_atom = self.global_name(_owner_hint(node), owner)
            return ir.Call("call_method", (ir.Name(owner_atom), ir.Const(func.__name__)) + atoms,
                           katoms)
        if name is None:
            name = self.global_name(getattr(func, "__name__", "_func"), func)
        if name in ("tuple", "list", "dict"):  # those names build literals in the IR
            name = f"{self.global_name('builtins', builtins)}.{name}"
        return ir.Call(name, atoms, katoms)

    def library_arg(self, low: Lowerer, node, arg) -> ir.Atom:
        """Arguments of library calls may be classes and functions (``isinstance(x, float)``)."""
        if isinstance(arg, StaticValue) and isinstance(arg.value, LocalFunction):
            raise low.error(node, "a lambda or nested function can be given to your own "
                                  "functions only, not to library code (`map`, `sorted`...); "
                                  "write the loop or comprehension instead")
        if isinstance(arg, StaticValue):
            return ir.Name(self.qualified_path(arg.value) or self.global_name(
                getattr(arg.value, "__name__", "_const"), arg.value))
        return arg

    def source_path(self, low: Lowerer, func_node) -> str | None:
        """The dotted name the user wrote (``warnings.warn``) when it starts at a module."""
        parts = []
        while isinstance(func_node, cst.Attribute):
            parts.append(func_node.attr.value)
            func_node = func_node.value
        if not parts or not isinstance(func_node, cst.Name):
            return None
        root = low.static_value(func_node)
        if not isinstance(root, types.ModuleType):
            return None
        return ".".join([self.global_name(func_node.value, root)] + parts[::-1])

    def qualified_path(self, obj) -> str | None:
        """``warnings.warn``, ``scipy.special.gamma``, ``print``: a dotted name that finds ``obj``
        from a top-level package bound as a global of the generated module (None if none)."""
        if getattr(builtins, getattr(obj, "__name__", ""), None) is obj:
            return obj.__name__
        module, qual = getattr(obj, "__module__", None), getattr(obj, "__qualname__", None)
        if not module or not qual or "<" in qual:
            return None
        parts = module.split(".") + qual.split(".")
        top = sys.modules.get(parts[0])
        value = top
        for part in parts[1:]:
            value = getattr(value, part, None)
        if value is not obj:
            return None
        root = self.global_name(parts[0], top)
        return ".".join([root] + parts[1:])

    def data_arg(self, low: Lowerer, node, arg) -> ir.Atom:
        if not isinstance(arg, StaticValue):
            return arg
        value = arg.value
        if isinstance(value, type) and (value in _DTYPE_NAMES or issubclass(value, np.generic)):
            return ir.Const(_DTYPE_NAMES.get(value) or np.dtype(value).name)
        shown = value.label if isinstance(value, LocalFunction) else getattr(value, "__name__",
                                                                              value)
        raise low.error(node, f"a function value `{shown}` can only be passed to another user "
                              f"function")

    def parameters(self, low: Lowerer, node, target) -> list[inspect.Parameter]:
        """The parameters of a user function or a local function (with its defaults)."""
        return _parameters(low, node, target)

    def user_call(self, low: Lowerer, node, func, args, kwargs,
                  checkpoint: bool = False) -> ir.UserCall:
        """A call of user code (a function, a method, a transformed function or a local
        function): arguments bound to parameters; function values specialize the callee.
        A ``checkpoint`` callee is a function of its own, marked for recomputation."""
        target = func if isinstance(func, LocalFunction) else (transformed_entry(func) or func)
        # ``s2sad.grad(h)(v)`` of a local h: h's own parameters, then its captures
        local = func.function if isinstance(func, LocalTransform) else None
        params = _parameters(low, node, local or target)
        try:
            bound = inspect.Signature(params).bind(*args, **dict(kwargs))
        except TypeError as exc:
            raise low.error(node, f"call does not match the signature of "
                                  f"{_label(func if local else target)}: {exc}") from None
        static, positional = {}, []
        for p in params:
            if p.name in bound.arguments:
                value = bound.arguments[p.name]
            elif p.default is not inspect.Parameter.empty:
                value = StaticValue(p.default) if callable(p.default) else _default_atom(
                    self, p.name, p.default)
            else:  # pragma: no cover - bind() already checked
                raise low.error(node, f"missing argument {p.name}")
            if isinstance(value, StaticValue):
                static[p.name] = value.value
            else:
                positional.append(value)
        extra_params, extra_args = [], []
        for key in sorted(static):  # closures passed in: their captures come as arguments
            value = static[key]
            if isinstance(value, (LocalFunction, LocalTransform)) and value.env:
                names = tuple(f"{key}_{c}" for c in value.captures)
                static[key] = value.rebound(tuple(ir.Name(n) for n in names))
                extra_params += names
                extra_args += value.env
        if isinstance(target, LocalFunction) or local is not None:
            extra_args = list((local or target).env) + extra_args
        name = self.function_name(target, static, tuple(extra_params), checkpoint)
        # a structured loop (``s2sad/loops.py``) and the body it runs are inlined
        inline = not checkpoint and (_readable(target) or _readable(low.src.obj))
        return ir.UserCall(name, tuple(positional + extra_args), (), inline)


    def custom_call(self, low: Lowerer, node, func, args, kwargs) -> ir.UserCall:
        """A call of a function with user rules (``s2sad.custom_vjp``/``custom_jvp``): the
        function and its rules become functions of the program; the transforms read the
        rules (``transforms/custom_rules.py``)."""
        rules = (func.fwd, func.bwd) if func.kind == "vjp" else (func.jvp,)
        if any(r is None for r in rules):
            define = "defvjp(fwd, bwd)" if func.kind == "vjp" else "defjvp(rule)"
            raise low.error(node, f"{_label(func.fn)} is a custom_{func.kind} function "
                                  f"whose rule was never given: call "
                                  f"{func.fn.__name__}.{define} before differentiating")
        for r in (func.fn,) + rules:
            if not (_is_user_function(r) or transformed_entry(r) is not None):
                raise low.error(node, f"custom_{func.kind}: {getattr(r, '__name__', r)} must "
                                      f"be a Python function s2sad can read (for a compiled "
                                      f"function, use s2sad.defrule)")
        call = self.user_call(low, node, func.fn, args, kwargs)
        self.custom[call.func] = (func.kind,) + tuple(self.function_name(r, {}) for r in rules)
        return call

    def spread(self, low: Lowerer, node, func, args, kwargs):
        """``f(*xs, **d)`` on runtime values, by ``f``'s signature: the positional parameters
        left take ``xs[0], xs[1], ...``; the others ``d[name]``, or ``d.get(name, default)``."""
        if not (isinstance(func, LocalFunction) or _is_user_function(func)):
            raise low.error(node, "`*`/`**` of a runtime value is supported in calls of your "
                                  "own functions (whose parameters say how to spread it)")
        params = _parameters(low, node, func)
        if any(p.kind in (p.VAR_POSITIONAL, p.VAR_KEYWORD) for p in params):
            raise low.error(node, "spreading `*`/`**` into a function with `*args`/`**kwargs` "
                                  "is not supported by s2sad")
        named = {k for k, _ in kwargs if k != "**"}
        slots = [p for p in params if p.kind != p.KEYWORD_ONLY and p.name not in named]
        fixed = sum(not isinstance(a, Spread) for a in args)
        out = []
        for a in args:
            if not isinstance(a, Spread):
                out.append(a)
                continue
            n = low.literals.get(getattr(a.value, "id", None))
            if not isinstance(n, int):  # unknown length: the required parameters, checked
                n = sum(p.default is inspect.Parameter.empty for p in slots) - fixed
                size = low.to_atom(ir.Call("len", (a.value,)))
                ok = low.to_atom(ir.Call("eq", (size, ir.Const(n))))
                low.emit(ir.ExprStmt(ir.Call("assert", (ok, ir.Const(
                    f"s2sad spreads `*` of a runtime sequence into the {n} required "
                    f"parameters of {_label(func)}; pass the others by name"))), low.line))
            out += [low.to_atom(ir.Subscript(a.value, ir.Index((ir.Const(i),))))
                    for i in range(max(n, 0))]
        kw = [(k, v) for k, v in kwargs if k != "**"]
        for _, d in [(k, v) for k, v in kwargs if k == "**"]:
            taken = {p.name for p in params[:len(out)]} | {k for k, _ in kw}
            keys = low.literals.get(getattr(d.value, "id", None))
            for p in params[len(out):]:
                if p.name in taken or (isinstance(keys, tuple) and p.name not in keys):
                    continue
                key = ir.Const(p.name)
                if p.default is inspect.Parameter.empty or isinstance(keys, tuple):
                    kw.append((p.name, low.to_atom(ir.Subscript(d.value, ir.Index((key,))))))
                else:
                    kw.append((p.name, low.to_atom(ir.Call(
                        "_rt.dict_get", (d.value, key, _default_atom(self, p.name, p.default))))))
        return out, kw

    def returns_function(self, func) -> bool:
        """Whether a user function's last statement returns a function it defines."""
        if isinstance(func, LocalFunction):
            node = func.node
        elif _is_user_function(func) and transformed_entry(func) is None:
            try:
                node = parse_def(read_function(func))
            except DifferentiationError:
                return False
        else:
            return False
        if isinstance(node, cst.Lambda):
            return isinstance(node.body, cst.Lambda)
        last = node.body.body[-1] if node.body.body else None
        if not (isinstance(last, cst.SimpleStatementLine) and isinstance(last.body[-1], cst.Return)):
            return False
        value = last.body[-1].value
        if isinstance(value, cst.Lambda):
            return True
        made = {n.name.value for n in node.body.body if isinstance(n, cst.FunctionDef)} | {
            s.targets[0].target.value for line in node.body.body
            if isinstance(line, cst.SimpleStatementLine) for s in line.body
            if isinstance(s, cst.Assign) and isinstance(s.value, cst.Lambda)
            and isinstance(s.targets[0].target, cst.Name)}
        return isinstance(value, cst.Name) and value.value in made

    def closure_call(self, low: Lowerer, node, func, args, kwargs) -> LocalFunction:
        """``make_loss(a)``: the factory runs and returns its closure's captures as a tuple;
        the closure is known at compile time, with those values as its captures here."""
        call = self.user_call(low, node, func, args, kwargs)
        lowered = self.lower_now(call.func)
        made = lowered.returned_function
        env = low.to_atom(call)
        captures = tuple(low.to_atom(ir.Subscript(env, ir.Index((ir.Const(i),))))
                         for i in range(len(made.env)))
        return made.rebound(captures)

    def lower_now(self, name: str):
        """Lower a queued function at once (its result is needed at compile time)."""
        for k, (queued, obj, static, extra) in enumerate(self._queue):
            if queued == name:
                del self._queue[k]
                self.functions[name] = self.lower_function(name, obj, static, extra)
                break
        return self._lowered[name]


_FOLDABLE = (callable, isinstance, issubclass, hasattr, len, sorted, min, max, abs, round,
             int, float, bool, str)


def _fold(func, args, kwargs) -> ir.Const | None:
    """A builtin applied to compile-time values only (``callable(act)``, ``sorted([3, 1])``),
    evaluated now: it says the same thing every time the code runs."""
    if not any(func is f for f in _FOLDABLE):
        return None
    values = []
    for a in list(args) + [v for _, v in kwargs]:
        if isinstance(a, StaticValue):
            values.append(a.value)
        elif isinstance(a, ir.Const):
            values.append(a.value)
        else:
            return None
    try:
        result = func(*values[:len(args)], **dict(zip([k for k, _ in kwargs], values[len(args):])))
    except Exception:  # noqa: BLE001 - the call fails the same way at run time: leave it there
        return None
    if isinstance(result, list):
        result = tuple(result)
    scalars = (bool, int, float, complex, str, type(None))
    if isinstance(result, scalars) or (isinstance(result, tuple)
                                       and all(isinstance(v, scalars) for v in result)):
        return ir.Const(result)
    return None


def _parameters(low: Lowerer, node, target) -> list[inspect.Parameter]:
    if isinstance(target, LocalFunction):
        return local_signature(low, target)
    sig_fn = target.__func__ if isinstance(target, types.MethodType) else target
    params = list(inspect.signature(sig_fn).parameters.values())
    return params[1:] if isinstance(target, types.MethodType) else params


def _label(target) -> str:
    if isinstance(target, LocalFunction):
        return target.label
    if isinstance(target, LocalTransform):
        return repr(target)
    fn = target.__func__ if isinstance(target, types.MethodType) else target
    return fn.__qualname__


def _static_key(value):
    """What makes two static bindings the same specialization (closures: their code and
    the scope that defined them, not where their captures are now)."""
    if isinstance(value, LocalFunction):
        return ("local", id(value.node), id(value.statics))
    if isinstance(value, LocalTransform):
        return ("transform", id(value.transformed))
    return id(value)


def _defaults_of(fn) -> dict:
    """Default values as the function object holds them (evaluated where it was defined)."""
    if not isinstance(fn, types.FunctionType):
        return {}
    sig = inspect.signature(fn)
    return {p.name: p.default for p in sig.parameters.values()
            if p.default is not inspect.Parameter.empty}


def _default_atom(builder: ProgramBuilder, name: str, value) -> ir.Atom:
    if isinstance(value, (ir.Name, ir.Const)):  # a variable of the caller (local_signature)
        return value
    if isinstance(value, (bool, int, float, complex, str, type(None))):
        return ir.Const(value)
    return ir.Name(builder.global_name(name, value))


def _readable(func) -> bool:
    """One of s2sad's structured loops, which the front end reads as user code."""
    return bool(getattr(func, "__s2sad_readable__", False))


def _is_user_function(func) -> bool:
    """A Python function whose source s2sad reads: not NumPy's, not the runtime's, and not
    library code (the standard library or installed packages)."""
    if isinstance(func, types.MethodType):
        func = func.__func__
    if not isinstance(func, types.FunctionType):
        return False
    if _readable(func):  # s2sad's own loops (``s2sad/loops.py``)
        return True
    module = getattr(func, "__module__", "") or ""
    if (module.startswith("numpy") or module.startswith("s2sad.runtime") or module == "math"
            or func in vars(builtins).values()):
        return False
    return not _in_library(func.__code__.co_filename)


def _library_roots() -> tuple[str, ...]:
    paths = sysconfig.get_paths()
    roots = {paths[k] for k in ("stdlib", "platstdlib", "purelib", "platlib") if k in paths}
    roots |= {p for p in sys.path if p.rstrip("/").endswith(("site-packages", "dist-packages"))}
    return tuple(sorted(r.rstrip("/") + "/" for r in roots))


_LIBRARY_ROOTS = _library_roots()


def _in_library(filename: str) -> bool:
    return filename.startswith(_LIBRARY_ROOTS) or "/site-packages/" in filename or (
        "/dist-packages/" in filename)


def _numpy_path(func) -> str | None:
    """``np.<name>`` (or ``np.linalg.<name>``, ...) when that finds ``func`` itself."""
    name = getattr(func, "__name__", None)
    if not name:
        return None
    for prefix, module in (("np", np), ("np.linalg", np.linalg), ("np.fft", np.fft),
                           ("np.random", np.random)):
        if getattr(module, name, None) is func:
            return f"{prefix}.{name}"
    return None


def _owner_hint(node) -> str:
    """The source name of a method's object (``rs`` in ``rs.randn(3)``), to name its global."""
    func = getattr(node, "func", None)
    value = getattr(func, "value", None)
    return value.value if isinstance(value, cst.Name) else "_obj"


def build_program(fn) -> ir.Program:
    """Lower ``fn`` and everything it calls. Raises DifferentiationError subclasses."""
    return ProgramBuilder().build(fn)


__all__ = ["build_program", "ProgramBuilder", "DifferentiationError", "transformed_entry"]
