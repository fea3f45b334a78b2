"""Solutions of equations, differentiated by the implicit function theorem.

``x = s2sad.root(g, x0, theta)`` solves ``g(x, theta) = 0`` by Newton's method from
``x0``; ``s2sad.fixed_point(f, x0, theta)`` solves ``x = f(x, theta)`` by iteration. Their
derivatives w.r.t. ``theta`` are not those of the iterations (which would tape every
step and depend on when the solver stopped) but the implicit function theorem's::

    g(x*(theta), theta) = 0   =>   dx* = -J^-1 (dg/dtheta) dtheta,   J = dg/dx at x*

The solve runs on values with no derivative (``stop_gradient``); then one Newton step
from the solution, ``x* - J^-1 g(x*, theta)`` with ``J`` held fixed, has the value ``x*``
(``g(x*, theta) = 0``) and exactly that derivative, in forward and reverse mode alike.
Like every function here it is plain Python the compiler reads (the functions ``g`` and
``f`` known at compile time); called directly, it runs as written. Derivatives of
second order are not implicit ones (``J`` is held fixed): use them for first order.
``x`` is a float or a 1-d array; ``theta`` anything ``g`` takes.
"""

from __future__ import annotations

from . import runtime as _rt
from .api import jacfwd

__all__ = ["root", "fixed_point"]


def root(g, x0, theta, tol=1e-10, max_iter=50):
    """``x`` with ``g(x, theta) = 0`` (Newton's method from ``x0``, ``tol`` on ``max |g|``)."""
    x = _rt.stop_gradient(x0)
    th = _rt.stop_gradient(theta)
    for _ in range(max_iter):
        r = g(x, th)
        if _rt.converged(r, tol):
            break
        x = x - _rt.newton_step(jacfwd(g)(x, th), r)
    j = _rt.stop_gradient(jacfwd(g)(x, th))
    return x - _rt.newton_step(j, g(x, theta))  # = x; its derivative: -J^-1 dg/dtheta


def fixed_point(f, x0, theta, tol=1e-10, max_iter=1000):
    """``x`` with ``x = f(x, theta)`` (iterated from ``x0`` until a step moves < ``tol``)."""
    x = _rt.stop_gradient(x0)
    th = _rt.stop_gradient(theta)
    for _ in range(max_iter):
        x_next = f(x, th)
        done = _rt.converged(x_next - x, tol)
        x = x_next
        if done:
            break

    def residual(v, t):
        return f(v, t) - v

    j = _rt.stop_gradient(jacfwd(residual)(x, th))
    return x - _rt.newton_step(j, residual(x, theta))


for _fn in (root, fixed_point):
    _fn.__s2sad_readable__ = True  # user code to the front end, wherever s2sad is installed
