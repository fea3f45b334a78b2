"""s2sad: source-to-source automatic differentiation for Python and NumPy.

Reads a function's source, generates explicit derivative code (plain NumPy,
readable, cached), and runs it. See API.md for the contract.
"""

__version__ = "0.1.0"

from .errors import DifferentiationError, UnsupportedSyntaxError  # noqa: E402
from .api import (  # noqa: E402
    differentiate, grad, value_and_grad, grad_and_value, vjp, jvp, jacfwd, jacrev, hessian,
    hvp, source, vmap, PerLaneWarning,
)
from .loops import checkpoint, fori_loop, scan, while_loop  # noqa: E402
from .custom import custom_jvp, custom_vjp, defrule, stop_gradient  # noqa: E402
from .implicit import fixed_point, root  # noqa: E402

__all__ = [
    "DifferentiationError", "UnsupportedSyntaxError", "differentiate", "grad",
    "value_and_grad", "grad_and_value", "vjp", "jvp", "jacfwd", "jacrev", "hessian", "hvp",
    "source", "scan", "fori_loop", "while_loop", "checkpoint", "custom_vjp", "custom_jvp",
    "defrule", "stop_gradient", "root", "fixed_point", "vmap", "PerLaneWarning",
]
