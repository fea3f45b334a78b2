"""Lowering of s2sad transforms that take runtime values, called inside a differentiated
function: ``s2sad.jvp(f, (x,), (v,))``, ``s2sad.vjp(f, x)``, ``s2sad.hvp(f, (x,), (v,))``.

A mixin of ``Lowerer``; ``expr_Call`` sends a call here when the callee carries
``__s2sad_inline__``.
"""

from __future__ import annotations

from ... import ir


class InlineTransforms:
    def inline_transform(self, node, func) -> ir.Expr:
        raise self.error(node, f"`{getattr(func, '__name__', func)}` inside a differentiated "
                               f"function is not supported by s2sad yet")
