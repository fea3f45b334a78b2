"""Derivatives the user supplies: ``custom_vjp``, ``custom_jvp``, ``defrule``, ``stop_gradient``.

JAX style::

    @s2sad.custom_vjp
    def clip_grad(x, c):                 # called directly: the function itself
        return x

    def clip_fwd(x, c):                  # (output, residuals)
        return x, c

    def clip_bwd(c, g):                  # one cotangent per argument
        return (np.clip(g, -c, c), 0.0)

    clip_grad.defvjp(clip_fwd, clip_bwd)

    @s2sad.custom_jvp
    def softplus(x):
        return np.logaddexp(0.0, x)

    @softplus.defjvp
    def softplus_jvp(primals, tangents):  # (output, tangent of the output)
        (x,), (t,) = primals, tangents
        return softplus(x), t / (1.0 + np.exp(-x))

Inside differentiated code the transforms call these instead of deriving the
function (``transforms/custom_rules.py``): reverse mode calls ``fwd`` in the forward
sweep and ``bwd`` in the reverse one; forward mode calls the jvp rule; reverse mode of
a ``custom_jvp`` function transposes the rule (it is linear in the tangents). The rules
are user code, so higher derivatives differentiate through them.
``defrule`` registers rules for a function s2sad does not read (a compiled extension,
a library function), in the template style of the built-in rules.
"""

from __future__ import annotations

import functools
import inspect

from .runtime import stop_gradient

__all__ = ["custom_vjp", "custom_jvp", "defrule", "stop_gradient"]


class Marked:
    """A user function marked for the transforms (``label`` says how); calls run it."""

    label = ""

    def __init__(self, fn):
        if not callable(fn):
            raise TypeError(f"s2sad.{self.label} takes a function, not {type(fn).__name__}")
        functools.update_wrapper(self, fn, updated=())
        self.fn = fn

    def __call__(self, *args, **kwargs):
        return self.fn(*args, **kwargs)

    def __repr__(self):
        return f"<s2sad {self.label} of {getattr(self.fn, '__qualname__', self.fn)}>"


class _Custom(Marked):
    """A user function with a derivative rule of its own."""

    kind = ""

    @property
    def label(self) -> str:
        return f"custom_{self.kind}"


class custom_vjp(_Custom):
    """``f`` with a reverse rule: ``f.defvjp(fwd, bwd)``; ``fwd(*args) -> (out, residuals)``,
    ``bwd(residuals, g) -> one cotangent per argument`` (a tuple)."""

    kind = "vjp"

    def __init__(self, fn):
        super().__init__(fn)
        self.fwd = self.bwd = None

    def defvjp(self, fwd, bwd) -> None:
        for what, rule in (("fwd", fwd), ("bwd", bwd)):
            if not callable(rule):
                raise TypeError(f"defvjp: {what} must be a function, not {type(rule).__name__}")
        self.fwd, self.bwd = fwd, bwd


class custom_jvp(_Custom):
    """``f`` with a forward rule: ``f.defjvp(rule)`` (or ``@f.defjvp``);
    ``rule(primals, tangents) -> (out, tangent_out)`` with tuples in, linear in tangents."""

    kind = "jvp"

    def __init__(self, fn):
        super().__init__(fn)
        self.jvp = None

    def defjvp(self, rule):
        if not callable(rule):
            raise TypeError(f"defjvp: the rule must be a function, not {type(rule).__name__}")
        self.jvp = rule
        return rule


def defrule(func, jvp=None, vjp=None, batch=None, name: str | None = None):
    """Derivative rules for ``func``, a function s2sad does not read (a compiled extension,
    a library function); ``func`` is then a primitive wherever differentiated code calls it.

    ``jvp`` / ``vjp``: templates written like the built-in rules (``rules/registry.py``):
    ``jvp(t, x, ...)`` gives the output's tangent from the tangent ``t`` of a parameter,
    ``vjp(g, x, ...)`` the parameter's cotangent from the output's cotangent ``g``; the
    other names are the primal parameters (and ``out``, the output). One function each
    for a function of one differentiable argument, or a dict ``{param: template}``.
    Both are needed for each differentiable parameter. ``batch``: a batching kind
    (``"elementwise"``, ...) or None (vmap runs it per example).
    """
    from .rules import registry

    jvps, vjps = _templates(func, jvp, "jvp"), _templates(func, vjp, "vjp")
    if set(jvps) != set(vjps):
        raise ValueError(f"defrule: jvp and vjp must cover the same parameters "
                         f"({sorted(jvps)} vs {sorted(vjps)})")
    return registry.user_rule(func, _signature(func, jvps), jvps, vjps, batch, name)


def _templates(func, given, what: str) -> dict:
    if given is None:
        return {}
    if callable(given):
        params = list(_signature(func, {}).parameters) if _has_signature(func) else []
        if not params:
            raise ValueError(f"defrule: give {what} as a dict {{parameter: template}} for "
                             f"{getattr(func, '__name__', func)}, whose signature is unknown")
        return {params[0]: given}
    if isinstance(given, dict) and all(callable(v) for v in given.values()):
        return dict(given)
    raise TypeError(f"defrule: {what} must be a function or a dict of functions")


def _has_signature(func) -> bool:
    try:
        inspect.signature(func)
    except (TypeError, ValueError):
        return False
    return True


def _signature(func, templates: dict) -> inspect.Signature:
    """``func``'s signature, or the primal parameters its templates name after ``t``/``g``."""
    if _has_signature(func):
        return inspect.signature(func)
    for template in templates.values():
        params = [p for p in inspect.signature(template).parameters.values()
                  if p.name not in ("t", "g", "out")]
        return inspect.Signature(params)
    raise ValueError(f"defrule: cannot read the signature of {getattr(func, '__name__', func)}")
