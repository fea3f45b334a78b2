"""Rule-table cases with complex values (merged into ``rule_cases``): same format.

JAX's convention (``rules/linalg.py``): the cotangent of ``z = x + iy`` is
``∂L/∂x - i ∂L/∂y`` and ⟨g, v⟩ = Re Σ g·v, which is how ``test_rule_table`` pairs complex
values; a complex direction perturbs both parts. Each rule is checked at real inputs too
(the code real programs run). ``np.absolute`` moves here from ``UNARY`` (a general rule now,
whose complex cases a one-input domain cannot give); names already in ``CASES`` get these
cases after their own.
"""

import numpy as np
from rule_cases import SHAPES, away, gen, rng

UNARY_TO_CASES = ("np.absolute",)


def cplx(*shape):
    """Complex, |z| in [0.5, 2] (away from the kink of abs and the pole of angle at 0)."""
    return away(*shape) * np.exp(1j * rng.uniform(-3.0, 3.0, size=shape))


UNARY: dict = {}
BINARY: dict = {}
CASES: dict = {
    "np.absolute": [((away(*s),), {}) for s in SHAPES] + [((cplx(*s),), {}) for s in SHAPES],
    "np.real": [((cplx(3),), {}), ((cplx(2, 3),), {})],
    "np.imag": [((gen(3),), {}), ((cplx(3),), {}), ((cplx(2, 3),), {})],
    "np.conjugate": [((gen(3),), {}), ((cplx(3),), {}), ((cplx(2, 3),), {})],
    "np.angle": [((cplx(4),), {}), ((cplx(2, 3),), {"deg": True}), ((away(3),), {})],
    # runtime helpers (runtime/helpers.py)
    "_rt.abs_jvp": [((gen(4), away(4)), {}), ((cplx(4), cplx(4)), {}),
                    ((cplx(2, 3), cplx(2, 3)), {})],
    "_rt.abs_vjp": [((gen(4), away(4)), {}), ((gen(4), cplx(4)), {}),
                    ((gen(2, 3), cplx(2, 3)), {}),
                    ((cplx(4), cplx(4)), {})],  # an imaginary part of g that means nothing
    "_rt.complex_only": [((cplx(3), cplx(3)), {}), ((gen(3), gen(3)), {}),
                         ((cplx(2, 3), gen(2, 3)), {})],
    "_rt.angle_jvp": [((cplx(4), cplx(4)), {}), ((cplx(2, 3), cplx(2, 3), True), {}),
                      ((gen(3), away(3)), {})],
    "_rt.angle_vjp": [((gen(4), cplx(4)), {}), ((cplx(4), cplx(4), True), {}),
                      ((gen(3), away(3)), {})],
}
