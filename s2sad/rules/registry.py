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
import sys
import types
from dataclasses import dataclass, field
from typing import Callable

from .. import ir
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
    refused: dict[str, str] = field(default_factory=dict)  # param -> why a non-default value
                                                # has no derivative (``logsumexp(return_sign=)``)
    view: str | None = None                     # how its result may share memory with its
                                                # arguments (``views``); None: memory of its own

    def bind(self, args: tuple, kwargs: dict) -> dict[str, object]:
        """Map a call's actual arguments to parameter names, defaults filled in.

        Raises ``TypeError`` (from ``inspect``) when the call does not fit, or when it gives
        a ``refused`` parameter a value other than its default.
        """
        bound = self.signature.bind(*args, **kwargs)
        bound.apply_defaults()
        for p, why in self.refused.items():
            value, default = bound.arguments[p], self.signature.parameters[p].default
            value = value.value if isinstance(value, ir.Const) else value  # a call in the IR
            if not (type(value) is type(default) and value == default):
                shown = "a runtime value" if isinstance(value, ir.Name) else repr(value)
                raise TypeError(f"{p}={shown} is not differentiable: {why}")
        return dict(bound.arguments)


_BY_NAME: dict[str, Rule] = {}
_BY_ID: dict[int, Rule] = {}
_ALIASES: dict[int, Rule] = {}
_KEEP_ALIVE: list[object] = []  # objects keyed by id() must not be collected
# A bound method (``scipy.stats.norm.logpdf``) is a new object at each attribute read, so it
# is found by (id of its owner, id of its function) instead of its own id.
_BY_METHOD: dict[tuple[int, int], Rule] = {}


def _method_key(obj: object) -> tuple[int, int] | None:
    if isinstance(obj, types.MethodType) and not isinstance(obj.__self__, (type, types.ModuleType)):
        return id(obj.__self__), id(obj.__func__)
    return None


def _register(rule: Rule) -> Rule:
    if rule.name in _BY_NAME:
        raise ValueError(f"rule {rule.name} registered twice")
    _BY_NAME[rule.name] = rule
    if rule.obj is not None:
        key = _method_key(rule.obj)
        if key is not None:
            _BY_METHOD[key] = rule
            _KEEP_ALIVE.extend((rule.obj.__self__, rule.obj.__func__))
        else:
            _BY_ID[id(rule.obj)] = rule
        _KEEP_ALIVE.append(rule.obj)
    return rule


# Packages whose ufuncs carry no ``__module__``: where to look for their public name.
_UFUNC_HOMES = ("scipy.special",)


def _name_of(obj: object, name: str | None) -> str:
    """The printed name of a library object: where it really lives (``np.sin``,
    ``np.linalg.inv``, ``scipy.linalg.solve``), private modules (``scipy.linalg._basic``)
    left out."""
    if name is not None:
        return name
    mod = getattr(obj, "__module__", None) or ""
    qual = getattr(obj, "__name__", None)
    if qual is None:
        raise ValueError(f"give an explicit name for {obj!r}")
    if type(obj).__name__ == "ufunc" and not mod:
        import numpy as np

        if getattr(np, qual, None) is not obj:
            home = next((m for m in _UFUNC_HOMES
                         if getattr(sys.modules.get(m), qual, None) is obj), None)
            if home is not None:
                return f"{home}.{qual}"
        return f"np.{qual}"
    if mod.startswith("numpy"):
        sub = mod.split(".")[1] if mod.count(".") >= 1 else ""
        if sub in ("linalg", "fft", "random"):
            return f"np.{sub}.{qual}"
        return f"np.{qual}"
    public = ".".join(p for p in mod.split(".") if not p.startswith("_"))
    if "." in mod and public:  # a function of a library package
        return f"{public}.{qual}"
    return qual


def _templates(cls, prefix: str) -> dict[str, Callable]:
    return {k[len(prefix):]: v for k, v in vars(cls).items()
            if k.startswith(prefix) and callable(v)}


def defrule(obj: object, name: str | None = None, diff: str = "", tags: str = ""):
    """Register a GENERAL rule from a class with ``signature``, ``jvp_<p>``, ``vjp_<p>``.

    ``obj`` may be a bound method of a library object (``scipy.stats.norm.logpdf``): the
    rule is found again for every later ``norm.logpdf`` (a new method object each time).
    An optional class attribute ``refused = {param: why}`` makes a call that gives ``param``
    a value other than its default a clear error (see ``Rule.bind``).
    """

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
                       frozenset(tags.split()), refused=dict(getattr(cls, "refused", {}))))
        return cls

    return deco


def elementwise(obj: object, name: str | None = None, tags: str = ""):
    """Register an ELEMENTWISE rule from its partial derivative(s).

    A function is the partial of a one-argument primitive; a class has one
    method per differentiable parameter, named after it. Every parameter of the
    partials other than ``out`` is a primal parameter, in order. A class may give the
    primal's ``signature`` (for defaults: ``norm.logpdf(x, loc=0.0, scale=1.0)``), as
    ``defrule`` classes do.
    """

    def deco(fn_or_cls):
        if inspect.isclass(fn_or_cls):
            partials = {k: v for k, v in vars(fn_or_cls).items()
                        if callable(v) and not k.startswith("_") and k != "signature"}
            sample = getattr(fn_or_cls, "signature", None) or next(iter(partials.values()))
        else:
            sample = fn_or_cls
            params = [p for p in inspect.signature(sample).parameters if p != "out"]
            partials = {params[0]: fn_or_cls}
        sig = inspect.signature(sample)
        sig = sig.replace(parameters=[p.replace(kind=inspect.Parameter.POSITIONAL_OR_KEYWORD)
                                      for p in sig.parameters.values() if p.name != "out"])
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


# How a primitive's result may share memory with its arguments (``analysis/aliasing.py``):
# ``reshape``   a view (or, as NumPy decides, a copy) of the first argument, elements in order:
#               an update of it goes back as ``np.reshape(v, np.shape(base))``;
# ``self``      a view of the first argument that the same call maps back (``np.flip``);
# ``transpose``, ``moveaxis``: views of the first argument, mapped back by the inverse axes;
# ``opaque``    a view of the first argument with no way back (an update through it while
#               the base is still read is refused);
# ``aliases``   may be (part of) any argument, how is not known (``np.einsum('ij->ji', a)``).
VIEW_KINDS = ("reshape", "self", "transpose", "moveaxis", "opaque", "aliases")


def views(kind: str, *names: str) -> None:
    """Declare that the primitives ``names`` return views of their arguments (see above)."""
    if kind not in VIEW_KINDS:
        raise ValueError(f"unknown view kind {kind!r}")
    for name in names:
        rule = _BY_NAME.get(name)
        if rule is None:
            raise ValueError(f"view declaration for {name}, which has no rule")
        rule.view = kind


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


def singular(rule: Rule, param: str, bound: dict) -> bool:
    """Whether ``rule``'s partial in ``param`` may be infinite or NaN where the primal is
    finite (tag ``singular``: a pole, a branch point, the edge of a domain), so the
    transforms multiply (co)tangents by it with ``_rt.ct_mul``. ``x ** y`` in ``x`` is
    singular only for an exponent below 1: ``x ** 2`` has the partial ``2 * x``."""
    if "singular" not in rule.tags:
        return False
    if rule.name == "pow" and param == "x":
        y = bound.get("y")
        return not (isinstance(y, ir.Const) and type(y.value) in (int, float) and y.value >= 1)
    return True


def user_rule(obj: object, signature: inspect.Signature, jvps: dict, vjps: dict,
              batch: str | None, name: str | None) -> Rule:
    """The rule ``s2sad.defrule`` registers (``custom.py``): it replaces any earlier rule of
    the same object or name (a notebook cell run twice, a built-in rule overridden).
    Its printed name is where the object lives (``mylib.kernel``); the generated module
    binds the top-level package (tag ``user``: ``ProgramBuilder.call``)."""
    _load_rule_files()
    for p in jvps:
        if p not in signature.parameters:
            raise ValueError(f"defrule: {p} is not a parameter of "
                             f"{getattr(obj, '__name__', obj)}{signature}")
    rule_name = name or _user_name(obj)
    old = _BY_NAME.pop(rule_name, None) or _object_rule(obj)
    if old is not None:
        _BY_NAME.pop(old.name, None)
        _BY_ID.pop(id(old.obj), None)
        _ALIASES.pop(id(obj), None)
    rule = _register(Rule(rule_name, obj, signature, GENERAL, tuple(jvps), {}, dict(jvps),
                          dict(vjps), frozenset({"user"})))
    if batch is not None:
        batching(batch, rule_name)
    return rule


def _user_name(obj: object) -> str:
    """``module.qualname`` of a user-registered object (what the generated code calls)."""
    module = getattr(obj, "__module__", None)
    qual = getattr(obj, "__qualname__", None) or getattr(obj, "__name__", None)
    if not module or not qual or "<" in qual or module not in sys.modules:
        raise ValueError(f"defrule: give name='module.function' for {obj!r} (it has no "
                         f"importable module and name)")
    return f"{module}.{qual}"


def rule_for_object(obj: object) -> Rule | None:
    """The rule registered for a Python object (through aliases), or None."""
    _load_rule_files()
    rule = _object_rule(obj)
    if rule is None and _load_scipy_rules():
        rule = _object_rule(obj)
    return rule


def _object_rule(obj: object) -> Rule | None:
    key = _method_key(obj)
    if key is not None and key in _BY_METHOD:
        return _BY_METHOD[key]
    return _BY_ID.get(id(obj)) or _ALIASES.get(id(obj))


def lookup(name: str) -> Rule:
    """The rule of a canonical name; a clear ``DifferentiationError`` if none."""
    rule = find(name)
    if rule is None:
        raise DifferentiationError(f"{name} has no derivative rule")
    return rule


def find(name: str) -> Rule | None:
    _load_rule_files()
    rule = _BY_NAME.get(name)
    if rule is None and _load_scipy_rules():
        rule = _BY_NAME.get(name)
    return rule


def all_rules() -> list[Rule]:
    _load_rule_files()
    _load_scipy_rules(always=True)
    return sorted(_BY_NAME.values(), key=lambda r: r.name)


_loaded = False
_scipy_loaded = False


def _load_rule_files() -> None:
    global _loaded
    if not _loaded:
        _loaded = True
        from . import numpy, operators, math, runtime, generated_code  # noqa: F401  (registration)
        from . import numpy_arrays, linalg, containers, loops, batching  # noqa: F401


def _load_scipy_rules(always: bool = False) -> bool:
    """Load SciPy's rules once, when a lookup misses and SciPy is already imported (code
    that calls SciPy imported it; importing ``scipy.stats`` for code that does not costs
    most of a cold build). Returns whether this call loaded them."""
    global _scipy_loaded
    if _scipy_loaded or not (always or "scipy" in sys.modules):
        return False
    _scipy_loaded = True
    try:
        import scipy  # noqa: F401  (an optional dependency: its rules only where installed)
    except ImportError:
        return False
    from . import scipy as _scipy_rules  # noqa: F401
    return True
