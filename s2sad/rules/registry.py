"""The rule registry: one ``Rule`` per primitive, holding its forward and reverse rules.

A rule is declared once, next to its twin, in the rule file of its namespace::

    @elementwise(np.sin)
    def sin(x, out):                 # the partial derivative d out / d x
        return np.cos(x)

    @defrule(np.matmul, diff="x1 x2")
    class matmul:
        def signature(x1, x2): ...
        def jvp_x1(t, x1, x2):       # tangent of out from the tangent t of x1
            return t @ x2
        def vjp_x1(g, x1, x2):       # cotangent of x1 from the cotangent g of out
            return _rt.matmul_vjp_lhs(g, x1, x2)

Templates are ordinary functions; the compiler reads their source with the
same front end as user code and inlines them, binding each parameter by name:
``t`` (tangent of the differentiated argument), ``g`` (cotangent of the
output), ``out`` (the primal output) and the primal parameters themselves.

For an ``elementwise`` rule the transforms build ``t * partial`` (forward) and
``_rt.unbroadcast(g * partial, x)`` (reverse) from the one partial, so the two
modes cannot drift apart. A partial must have the output's shape when
multiplied by ``t`` (use ``out`` in it where it would not).
"""

from __future__ import annotations

import inspect
from dataclasses import dataclass, field
from typing import Callable

from ..errors import DifferentiationError

ELEMENTWISE = "elementwise"  # out[i] depends on x[i] only (broadcasting aside)
GENERAL = "general"          # explicit jvp_/vjp_ templates per differentiable parameter
NONDIFF = "nondiff"          # zero derivative (comparisons, floor, constructors, shapes)
STRUCTURAL = "structural"    # moves values between containers (tape push/pop): each transform
                             # applies the same operation to tangents / cotangents


@dataclass(frozen=True)
class Batching:
    """How a primitive runs on arguments with a leading batch axis (``transforms/batching.py``).

    Kinds: ``elementwise`` (operands get unit axes so the batch axis pairs with nothing
    else), ``same_shapes`` (operands have equal shapes: as is), ``reduction`` (``axis``,
    the second parameter, shifted; None means every axis of a lane), ``axis_required``
    (the same, None runs per lane), ``axes`` (the axis parameters ``params`` shifted),
    ``default_axes`` (the axis parameter ``params[0]`` shifted; None asks ``helper`` for the
    lane's axes), ``reshape``, ``leading`` (already broadcasts over leading axes),
    ``matmul``, ``twin`` (``helper`` takes the same arguments plus the batched flags of the
    array parameters ``params``), ``first_twin`` (``helper`` for a batched first argument only),
    ``sequence`` (a sequence of arrays, then ``axis``). Primitives without one run once per
    lane (``_rt.vmap_call``), which is right for any primitive.
    """

    kind: str
    params: tuple[str, ...] = ()
    helper: str | None = None


@dataclass
class Rule:
    name: str                                   # canonical printed name, e.g. "np.sin", "add"
    obj: object | None                          # the Python object it stands for
    signature: inspect.Signature                # the primal's parameters (for binding calls)
    kind: str                                   # ELEMENTWISE | GENERAL | NONDIFF
    diff: tuple[str, ...] = ()                  # differentiable parameters
    partials: dict[str, Callable] = field(default_factory=dict)  # ELEMENTWISE: param -> d out/d param
    jvps: dict[str, Callable] = field(default_factory=dict)      # GENERAL: param -> tangent template
    vjps: dict[str, Callable] = field(default_factory=dict)      # GENERAL: param -> cotangent template
    tags: frozenset[str] = frozenset()          # e.g. "linear" (for batching and simplification)
    batching: Batching | None = None            # None: one call per lane

    def bind(self, args: tuple, kwargs: dict) -> dict[str, object]:
        """Map a call's actual arguments to parameter names, defaults filled in.

        Raises ``TypeError`` (from ``inspect``) when the call does not fit.
        """
        bound = self.signature.bind(*args, **kwargs)
        bound.apply_defaults()
        return dict(bound.arguments)


_BY_NAME: dict[str, Rule] = {}
_BY_ID: dict[int, Rule] = {}
_ALIASES: dict[int, Rule] = {}
_KEEP_ALIVE: list[object] = []  # objects keyed by id() must not be collected


def _register(rule: Rule) -> Rule:
    if rule.name in _BY_NAME:
        raise ValueError(f"rule {rule.name} registered twice")
    _BY_NAME[rule.name] = rule
    if rule.obj is not None:
        _BY_ID[id(rule.obj)] = rule
        _KEEP_ALIVE.append(rule.obj)
    return rule


def _name_of(obj: object, name: str | None) -> str:
    if name is not None:
        return name
    mod = getattr(obj, "__module__", None) or ""
    qual = getattr(obj, "__name__", None)
    if qual is None:
        raise ValueError(f"give an explicit name for {obj!r}")
    if mod.startswith("numpy") or type(obj).__name__ == "ufunc":
        sub = mod.split(".")[1] if mod.count(".") >= 1 else ""
        if sub in ("linalg", "fft", "random"):
            return f"np.{sub}.{qual}"
        return f"np.{qual}"
    return qual


def _templates(cls, prefix: str) -> dict[str, Callable]:
    return {k[len(prefix):]: v for k, v in vars(cls).items()
            if k.startswith(prefix) and callable(v)}


def defrule(obj: object, name: str | None = None, diff: str = "", tags: str = ""):
    """Register a GENERAL rule from a class with ``signature``, ``jvp_<p>``, ``vjp_<p>``."""

    def deco(cls):
        sig = inspect.signature(cls.signature)
        if {"t", "g", "out"} & set(sig.parameters):
            raise ValueError(f"{cls.__name__}: `t`, `g` and `out` are reserved template names")
        diffs = tuple(diff.split())
        jvps, vjps = _templates(cls, "jvp_"), _templates(cls, "vjp_")
        for p in diffs:
            if p not in sig.parameters:
                raise ValueError(f"{cls.__name__}: {p} is not a parameter of its signature")
            if p not in jvps or p not in vjps:
                raise ValueError(f"{cls.__name__}: {p} needs both jvp_{p} and vjp_{p}")
        _register(Rule(_name_of(obj, name), obj, sig, GENERAL, diffs, {}, jvps, vjps,
                       frozenset(tags.split())))
        return cls

    return deco


def elementwise(obj: object, name: str | None = None, tags: str = ""):
    """Register an ELEMENTWISE rule from its partial derivative(s).

    A function is the partial of a one-argument primitive; a class has one
    method per differentiable parameter, named after it. Every parameter of the
    partials other than ``out`` is a primal parameter, in order.
    """

    def deco(fn_or_cls):
        if inspect.isclass(fn_or_cls):
            partials = {k: v for k, v in vars(fn_or_cls).items()
                        if callable(v) and not k.startswith("_")}
            sample = next(iter(partials.values()))
        else:
            sample = fn_or_cls
            params = [p for p in inspect.signature(sample).parameters if p != "out"]
            partials = {params[0]: fn_or_cls}
        params = [p for p in inspect.signature(sample).parameters if p != "out"]
        sig = inspect.Signature([inspect.Parameter(p, inspect.Parameter.POSITIONAL_OR_KEYWORD)
                                 for p in params])
        _register(Rule(_name_of(obj, name), obj, sig, ELEMENTWISE, tuple(partials), partials,
                       {}, {}, frozenset(tags.split()) | {ELEMENTWISE},
                       Batching("elementwise")))
        return fn_or_cls

    return deco


def nondiff(obj: object, name: str | None = None, signature: Callable | None = None):
    """Register a primitive whose output does not depend differentiably on its inputs."""
    sig = inspect.signature(signature) if signature else inspect.Signature(
        [inspect.Parameter("args", inspect.Parameter.VAR_POSITIONAL),
         inspect.Parameter("kwargs", inspect.Parameter.VAR_KEYWORD)])
    return _register(Rule(_name_of(obj, name), obj, sig, NONDIFF))


def structural(obj: object, name: str, signature: Callable) -> Rule:
    """Register a container operation (``_rt.append``, ``_rt.pop``) the transforms move through."""
    return _register(Rule(name, obj, inspect.signature(signature), STRUCTURAL))


def batching(kind: str | None, *names: str, params: tuple[str, ...] = (),
             helper: str | None = None) -> None:
    """Declare how the primitives ``names`` (canonical names) run batched; ``None``: per lane."""
    for name in names:
        rule = _BY_NAME.get(name)
        if rule is None:
            raise ValueError(f"batching rule for {name}, which has no rule")
        rule.batching = Batching(kind, params, helper) if kind else None


def alias(obj: object, target: object) -> None:
    """Let ``obj`` (e.g. ``math.sin``) be read as ``target`` (e.g. ``np.sin``)."""
    rule = _BY_ID.get(id(target))
    if rule is None:
        raise ValueError(f"alias target {target!r} has no rule")
    if id(obj) in _BY_ID:  # its own rule would win the lookup: the alias would be dead
        raise ValueError(f"{obj!r} already has a rule of its own; it cannot be an alias")
    _ALIASES[id(obj)] = rule
    _KEEP_ALIVE.append(obj)


def rule_for_object(obj: object) -> Rule | None:
    """The rule registered for a Python object (through aliases), or None."""
    _load_rule_files()
    try:
        return _BY_ID.get(id(obj)) or _ALIASES.get(id(obj))
    except TypeError:
        return None


def lookup(name: str) -> Rule:
    """The rule of a canonical name; a clear ``DifferentiationError`` if none."""
    _load_rule_files()
    rule = _BY_NAME.get(name)
    if rule is None:
        raise DifferentiationError(f"{name} has no derivative rule")
    return rule


def find(name: str) -> Rule | None:
    _load_rule_files()
    return _BY_NAME.get(name)


def all_rules() -> list[Rule]:
    _load_rule_files()
    return sorted(_BY_NAME.values(), key=lambda r: r.name)


_loaded = False


def _load_rule_files() -> None:
    global _loaded
    if not _loaded:
        _loaded = True
        from . import numpy, operators, math, runtime, generated_code  # noqa: F401  (registration)
        from . import numpy_arrays, linalg  # noqa: F401
