"""Lowering of s2sad transforms that take runtime values, called inside a differentiated
function: ``s2sad.jvp(f, (x,), (v,))``, ``s2sad.hvp(f, (x,), (v,))``, ``s2sad.vjp(f, x)``.

A mixin of ``Lowerer``; ``expr_Call`` sends a call here when the callee carries
``__s2sad_inline__`` (``api.InlineTransform``: its ``kind``, and ``entries`` naming
the generated functions to call). Each call becomes a call of the same generated
code the public transform runs, read back as user code, so an enclosing transform
differentiates through it like any user function::

    y, dy = s2sad.jvp(f, (x, w), (vx, vw))   ->  _t1 = f_jvp(x, w, vx, vw)   # (out, tangent)
    hv = s2sad.hvp(f, (x,), (v,))            ->  _t1 = f_grad_jvp(x, v); hv = _t1[1]
    out, vjp_fn = s2sad.vjp(f, x)            ->  _t1 = f_fwd(x); out = _t1[0]; vjp_fn = _t1[1]
    (gx,) = vjp_fn(ct)                       ->  _t2 = f_bwd(vjp_fn, ct); gx = _t2[0]

Invariant for ``vjp``: at run time the name bound to ``vjp_fn`` holds ``f``'s
residuals; at compile time ``runtime_function`` maps that name to a ``VjpFunction``
(it must be bound by unpacking the call's result, so its name is known).
Primals and tangents are tuple literals, or any expression whose length the other
literal or ``f``'s signature gives (then they are read item by item).

``f`` may be a nested def or lambda (a ``LocalFunction``): its generated code takes its
captures after its own parameters (``closures.py``), so each call passes them as the
function would read them now, with zero tangents, and keeps only the primals' cotangents::

    y, dy = s2sad.jvp(h, (v,), (t,))   ->  _t1 = h_jvp(v, x, t, _rt.zeros_like(x))  # h reads x
    g = s2sad.grad(h)(v)               ->  g = h_grad(v, x)        # a ``LocalTransform``
"""

from __future__ import annotations

import ast
import inspect
from dataclasses import dataclass, replace

import libcst as cst

from ... import ir
from .closures import LocalFunction


@dataclass(frozen=True, eq=False)
class LocalTransform:
    """A builder applied to a nested def or lambda, ``s2sad.grad(h)``: a compile-time value.

    ``transformed`` is the public transform of ``function`` (``api.Transformed``), whose
    generated entry takes ``function``'s own parameters, then its captures; ``env`` holds
    the captures where the value is now, and moves with it as a local function's does
    (``ProgramBuilder.user_call``).
    """

    transformed: object
    function: LocalFunction

    @property
    def env(self) -> tuple[ir.Atom, ...]:
        return self.function.env

    @property
    def captures(self) -> tuple[str, ...]:
        return self.function.captures

    def rebound(self, env: tuple[ir.Atom, ...]) -> "LocalTransform":
        return replace(self, function=self.function.rebound(env))

    @property
    def __s2sad__(self):  # what ``transformed_entry`` reads: the transform's generated entry
        return self.transformed.__s2sad__

    def __call__(self, *args, **kwargs):  # a function to the front end; never run
        raise TypeError(f"{self!r} is a compile-time value of s2sad")

    def __repr__(self) -> str:
        return repr(self.transformed)


class VjpFunction:
    """The compile-time meaning of ``vjp_fn`` in ``out, vjp_fn = s2sad.vjp(f, x)``.

    Not callable on purpose: passed to another function it is its residuals (data).
    """

    kind = "vjp_fn"

    def __init__(self, backward, kept: int | None = None):
        self.backward = backward  # f_bwd(residuals, cotangent), as api.GeneratedFunction
        self.kept = kept  # how many leading cotangents are the user's (None: all)

    @property
    def __s2sad_inline__(self) -> "VjpFunction":
        return self


class InlineTransforms:
    """Needs ``static_value``, ``expr``, ``to_atom``, ``element_atoms``, ``error``, ``b``
    (the program builder) and ``fdef``."""

    def inline_transform(self, node: cst.Call, func) -> ir.Expr:
        plan = func.__s2sad_inline__
        lower = {"jvp": self.inline_jvp, "hvp": self.inline_hvp, "vjp": self.inline_vjp,
                 "vjp_fn": self.inline_vjp_fn}.get(getattr(plan, "kind", None))
        if lower is None:
            raise self.error(node, f"`{getattr(func, '__name__', func)}` inside a "
                                   f"differentiated function is not supported by s2sad yet")
        return lower(node, func, plan)

    def evaluate_builder(self, node: cst.Call, func):
        """The object a builder makes at compile time (``s2sad.grad(f, argnums=1)``, read
        back as user code when called); its arguments are compile-time objects or literals."""
        if any(a.star for a in node.args):
            raise self.error(node, f"`*` or `**` arguments to s2sad.{func.__name__} inside a "
                                   f"differentiated function are not supported by s2sad")
        pos = [self.builder_arg(a.value) for a in node.args if a.keyword is None]
        kwargs = {a.keyword.value: self.builder_arg(a.value) for a in node.args if a.keyword}
        local = next((_local_of(v) for v in pos + list(kwargs.values()) if _local_of(v)), None)
        if local is not None:  # ``s2sad.grad(h)``, ``s2sad.jacfwd(s2sad.grad(h))``
            pos = [_transformable(v) for v in pos]
            kwargs = {k: _transformable(v) for k, v in kwargs.items()}
        try:
            made = func(*pos, **kwargs)
        except (TypeError, ValueError) as exc:
            raise self.error(node, f"s2sad.{func.__name__}: {exc}") from None
        return made if local is None else LocalTransform(made, local)

    def builder_arg(self, node):
        """A compile-time object, or the value of a literal (``1``, ``(0, 1)``, ``True``)."""
        value = self.static_value(node)
        if value is not None:
            return value
        try:
            return ast.literal_eval(cst.Module([]).code_for_node(node))
        except (ValueError, SyntaxError):
            return None  # runtime data: the builder says what it needed

    def runtime_function(self, node: cst.Name):
        """The compile-time object behind a local name an inline transform bound
        (``vjp_fn``), or None."""
        return self.__dict__.get("_vjp_functions", {}).get(node.value)

    # ------------------------------------------------------------------ the transforms
    def inline_jvp(self, node: cst.Call, func, plan) -> ir.Expr:
        """``s2sad.jvp(f, primals, tangents, has_aux=False)`` -> ``f_jvp(*primals, *tangents)``
        (a local ``f``: its captures after the primals, zero tangents after the tangents)."""
        args = self.transform_args(node, func)
        fn, has_aux, env = self.transformed_function(node, func, plan, args)
        primals, tangents = self.primals_and_tangents(node, fn, args)
        entry = plan.entries(fn, len(primals) + len(env), has_aux)["jvp"]
        return self.b.user_call(self, node, entry,
                                primals + env + tangents + self.zero_tangents(env), [])

    def inline_hvp(self, node: cst.Call, func, plan) -> ir.Expr:
        """``s2sad.hvp(f, primals, tangents)`` -> item 1 of ``jvp(grad(f))``."""
        args = self.transform_args(node, func)
        fn, _, env = self.transformed_function(node, func, plan, args)
        primals, tangents = self.primals_and_tangents(node, fn, args)
        entry = plan.entries(fn, len(primals) + len(env))["jvp"]
        pair = self.to_atom(self.b.user_call(self, node, entry, primals + env + tangents
                                             + self.zero_tangents(env), []))
        return ir.Subscript(pair, ir.Index((ir.Const(1),)))

    def inline_vjp(self, node: cst.Call, func, plan) -> ir.Expr:
        """``out, vjp_fn = s2sad.vjp(f, *primals)`` -> ``f_fwd(*primals)``; ``vjp_fn`` is
        the residuals at run time and a ``VjpFunction`` at compile time."""
        args = self.transform_args(node, func)
        fn, has_aux, env = self.transformed_function(node, func, plan, args)
        primals = [self.to_atom(self.expr(p)) for p in args.get("primals", ())]
        if not primals:
            raise self.error(node, "s2sad.vjp needs at least one primal")
        entries = plan.entries(fn, len(primals) + len(env), has_aux)
        kept = len(primals) if env else None
        self.bind_vjp_function(node, VjpFunction(entries["bwd"], kept), has_aux)
        return self.b.user_call(self, node, entries["fwd"], primals + env, [])

    def inline_vjp_fn(self, node: cst.Call, func: "VjpFunction", plan) -> ir.Expr:
        """``vjp_fn(ct)`` -> ``f_bwd(vjp_fn, ct)``: one cotangent per primal, as a tuple
        (a local ``f``'s backward also gives its captures' cotangents: left out)."""
        if len(node.args) != 1 or node.args[0].keyword is not None or node.args[0].star:
            raise self.error(node, "a vjp function takes one argument, the cotangent")
        ct = self.to_atom(self.expr(node.args[0].value))
        residuals = ir.Name(node.func.value)
        cts = self.b.user_call(self, node, func.backward, [residuals, ct], [])
        if func.kept is None:
            return cts
        cts = self.to_atom(cts)
        return ir.Call("tuple", tuple(self.to_atom(ir.Subscript(cts, ir.Index((ir.Const(i),))))
                                      for i in range(func.kept)))

    def zero_tangents(self, env: list[ir.Atom]) -> list[ir.Atom]:
        """The tangents of a local function's captures: jvp differentiates its primals only."""
        return [self.to_atom(ir.Call("_rt.zeros_like", (a,))) for a in env]

    # ------------------------------------------------------------------ arguments
    def transform_args(self, node: cst.Call, func) -> dict:
        """The call's argument nodes by the transform's parameter names (``*primals``:
        a tuple of nodes)."""
        if any(a.star for a in node.args):
            raise self.error(node, f"`*` or `**` arguments to s2sad.{func.__name__} inside a "
                                   f"differentiated function are not supported by s2sad")
        positional = [a.value for a in node.args if a.keyword is None]
        keywords = {a.keyword.value: a.value for a in node.args if a.keyword is not None}
        try:
            return inspect.signature(func).bind(*positional, **keywords).arguments
        except TypeError as exc:
            raise self.error(node, f"s2sad.{func.__name__}: {exc}") from None

    def transformed_function(self, node: cst.Call, func, plan, args: dict) -> tuple:
        """``(fn, has_aux, env)``: the function a transform differentiates, known at compile
        time, its option, and the captures a local function's generated code takes after
        its own parameters (none for others); a decorated function's methods
        (``loss.jvp``) carry the first two."""
        decorated = plan.decorated(func)
        if decorated is not None:
            return decorated + ([],)
        fn = self.static_value(args["fn"])
        if fn is None or not (callable(fn) or isinstance(fn, LocalFunction)):
            raise self.error(args["fn"], f"s2sad.{func.__name__} inside a differentiated "
                                         f"function takes a function known at compile time "
                                         f"(a nested def or lambda, a function defined at "
                                         f"module level, a method, or one transformed by s2sad)")
        env = list(_local_of(fn).env) if _local_of(fn) is not None else []
        return _transformable(fn), self.static_flag(args.get("has_aux"), "has_aux"), env

    def static_flag(self, flag_node, what: str) -> bool:
        if flag_node is None:
            return False
        value = self.static_value(flag_node)
        if not isinstance(value, bool):
            raise self.error(flag_node, f"`{what}` must be True or False, written in the call")
        return value

    def primals_and_tangents(self, node: cst.Call, fn, args: dict):
        """The primal and tangent atoms; the arity comes from a literal or ``fn``."""
        p, t = args["primals"], args["tangents"]
        n = _literal_length(p) if _literal_length(p) is not None else _literal_length(t)
        if n is None:
            n = _arity(fn)
        if n is None:
            raise self.error(node, "s2sad cannot tell how many primals this call passes: write "
                                   "primals and tangents as tuples, `(x, y), (vx, vy)`")
        primals, tangents = self.sequence(p, n, "primals"), self.sequence(t, n, "tangents")
        return primals, tangents

    def sequence(self, node, n: int, what: str) -> list[ir.Atom]:
        """The ``n`` items of a tuple literal, or ``seq[0]``, ... ``seq[n-1]`` of another value."""
        if _literal_length(node) is not None:
            if _literal_length(node) != n:
                raise self.error(node, f"{_literal_length(node)} {what} given where {n} are "
                                       f"expected")
            return list(self.element_atoms(node))
        seq = self.to_atom(self.expr(node))
        return [self.to_atom(ir.Subscript(seq, ir.Index((ir.Const(i),)))) for i in range(n)]

    # ------------------------------------------------------------------ vjp functions
    def bind_vjp_function(self, node: cst.Call, vjp_fn: VjpFunction, has_aux: bool) -> None:
        """Record the local name ``out, vjp_fn = s2sad.vjp(...)`` binds to ``vjp_fn``."""
        size = 3 if has_aux else 2
        target = _assignment_target(self.fdef, node)
        if not (isinstance(target, (cst.Tuple, cst.List)) and len(target.elements) == size
                and isinstance(target.elements[1].value, cst.Name)):
            names = "out, vjp_fn, aux" if has_aux else "out, vjp_fn"
            raise self.error(node, f"bind the result of s2sad.vjp by unpacking it, "
                                   f"`{names} = s2sad.vjp(f, x)`, then call `vjp_fn(ct)`")
        name = target.elements[1].value.value
        known = self.__dict__.setdefault("_vjp_functions", {})
        if name in known and known[name].backward.composable_entry is not (
                vjp_fn.backward.composable_entry):
            raise self.error(node, f"`{name}` is bound by two calls of s2sad.vjp of different "
                                   f"functions; give each its own name")
        known[name] = vjp_fn


def _local_of(value) -> LocalFunction | None:
    """The nested def or lambda behind a compile-time value, if any."""
    if isinstance(value, LocalFunction):
        return value
    return value.function if isinstance(value, LocalTransform) else None


def _transformable(value):
    """What the public transforms take for ``value``: a ``LocalTransform``'s transform
    (the local function itself stands for itself)."""
    return value.transformed if isinstance(value, LocalTransform) else value


def _literal_length(node) -> int | None:
    if isinstance(node, (cst.Tuple, cst.List)) and not any(
            isinstance(el, cst.StarredElement) for el in node.elements):
        return len(node.elements)
    return None


def _arity(fn) -> int | None:
    """How many primals ``fn`` takes, when its signature says (no defaults, no ``*args``)."""
    if isinstance(fn, LocalFunction):
        node = fn.node.params
        if node.star_arg not in (None, cst.MaybeSentinel.DEFAULT) or node.star_kwarg or any(
                p.default is not None for p in node.params):
            return None
        return len(node.posonly_params) + len(node.params)
    try:
        params = list(inspect.signature(fn).parameters.values())
    except (TypeError, ValueError):
        return None
    positional = (inspect.Parameter.POSITIONAL_ONLY, inspect.Parameter.POSITIONAL_OR_KEYWORD)
    if any(p.kind is inspect.Parameter.VAR_POSITIONAL or (
            p.kind in positional and p.default is not inspect.Parameter.empty) for p in params):
        return None
    return sum(p.kind in positional for p in params)


def _assignment_target(fdef: cst.FunctionDef, value: cst.CSTNode):
    """The single target of the assignment ``target = value`` in ``fdef`` (None if none)."""
    found = []

    class Finder(cst.CSTVisitor):
        def visit_Assign(self, node: cst.Assign) -> None:
            if node.value is value and len(node.targets) == 1:
                found.append(node.targets[0].target)

    fdef.visit(Finder())
    return found[0] if found else None
