"""A function with parameters bound to function values when its code is generated.

``grad(f)(x, act=np.tanh)`` and ``grad(apply, argnums=1)(np.sin, x)`` pass functions to
the entry. The front end resolves the functions a body calls at compile time, so the call
gets code specialized to them, as the call ``f(x, act=np.tanh)`` from user code does
(``ProgramBuilder.user_call``): the transform of ``BoundFunction(f, {"act": np.tanh})``
(``s2sad/binding.py`` makes it). Its generated entry keeps ``f``'s signature, the bound
parameters unread, so it takes the call's arguments as they are (argnums unchanged)::

    def f(x, act):              def f_grad(x, act):      # act: np.tanh, read when generated
        return np.sum(act(x))       _t1 = np.tanh(x)
                                    ...
"""

from __future__ import annotations

from typing import TYPE_CHECKING, NamedTuple

from .. import ir

if TYPE_CHECKING:
    import libcst as cst


class BoundFunction(NamedTuple):
    """``fn`` with ``statics`` (parameter name -> function value) bound at generation time.

    A tuple, so the disk cache's quick key describes both parts: the function, and each
    bound value as the function, library object or transform it is (``pipeline._Walk``
    reads containers item by item).
    """

    fn: object
    statics: dict


def with_bound_params(fn: ir.Function, params: list[cst.Param], statics: dict) -> ir.Function:
    """The lowered entry with its bound parameters back in their places, unread: a bound
    parameter that had a default gets ``None`` (the generated ``def`` stays valid); the
    others keep the defaults lowering gave them. ``params`` are the ``def``'s own, in order."""
    names = [p.name.value for p in params if p.name.value in statics or p.name.value in fn.params]
    defaults = dict(fn.defaults)
    defaults.update({p.name.value: ir.Const(None) for p in params
                     if p.name.value in statics and p.default is not None})
    names += [p for p in fn.params if p not in names]  # captures, after the own parameters
    return ir.replace(fn, params=tuple(names),
                      defaults=tuple((n, defaults[n]) for n in names if n in defaults))
