"""Benchmark: gradients of scalar Python loops (issue 10), generic vs specialized code.

    python tools/bench_scalar_loops.py [--quick]

Three loops on Python floats, written the way people write them:

* RK4 integration of a harmonic oscillator, 500 steps, d(x^2 + v^2)/dk;
* a piecewise map with ``if x > 1.0`` in a 200-step loop;
* the same map with ``np.where``.

For each: the primal, a careful hand-written reverse pass (stores the trajectory,
walks it back), s2sad's generic generated gradient (``Transformed.entry``: what a call
with arguments of unknown kinds runs) and the specialized one a call with Python
floats runs. Where numba is installed, also ``s2sad.grad(f, jit="numba")``: its first
call (numba compiling the specialized module, which is already built) apart from its
steady state. The gradients are checked against the hand-written ones first.
"""

from __future__ import annotations

import time
import warnings

import _timing as T
import numpy as np

import s2sad

STEPS, DT = 500, 0.01


def rk4(k, x0=1.0, v0=0.0):
    x, v = x0, v0
    for _ in range(STEPS):
        a1 = -k * x
        x2 = x + 0.5 * DT * v
        v2 = v + 0.5 * DT * a1
        a2 = -k * x2
        x3 = x + 0.5 * DT * v2
        v3 = v + 0.5 * DT * a2
        a3 = -k * x3
        x4 = x + DT * v3
        v4 = v + DT * a3
        a4 = -k * x4
        x = x + DT / 6.0 * (v + 2.0 * v2 + 2.0 * v3 + v4)
        v = v + DT / 6.0 * (a1 + 2.0 * a2 + 2.0 * a3 + a4)
    return x * x + v * v


def rk4_grad_hand(k, x0=1.0, v0=0.0):
    """Forward: store each step's stage states; backward: walk them back."""
    steps = []
    x, v = x0, v0
    for _ in range(STEPS):
        x2, v2 = x + 0.5 * DT * v, v - 0.5 * DT * k * x
        x3, v3 = x + 0.5 * DT * v2, v - 0.5 * DT * k * x2
        x4, v4 = x + DT * v3, v - DT * k * x3
        steps.append((x, x2, x3, x4))
        x, v = (x + DT / 6.0 * (v + 2.0 * v2 + 2.0 * v3 + v4),
                v - DT / 6.0 * k * (x + 2.0 * x2 + 2.0 * x3 + x4))
    bx, bv, bk = 2.0 * x, 2.0 * v, 0.0
    c = DT / 6.0
    for x, x2, x3, x4 in reversed(steps):
        # a_i = -k x_i: the stage accelerations' adjoints, then back through the stages
        bv2, bv3, bv4 = 2.0 * c * bx, 2.0 * c * bx, c * bx
        ba1, ba2, ba3, ba4 = c * bv, 2.0 * c * bv, 2.0 * c * bv, c * bv
        nbx, nbv = bx, bv + c * bx
        bk -= ba4 * x4
        bx4 = -k * ba4
        nbx += bx4
        bv3 += DT * bx4
        ba3 += DT * bv4
        bk -= ba3 * x3
        bx3 = -k * ba3
        nbx += bx3
        bv2 += 0.5 * DT * bx3
        nbv += bv3
        ba2 += 0.5 * DT * bv3
        bk -= ba2 * x2
        bx2 = -k * ba2
        nbx += bx2
        nbv += 0.5 * DT * bx2 + bv4 + bv2
        ba1 += 0.5 * DT * bv2
        bk -= ba1 * x
        nbx += -k * ba1
        bx, bv = nbx, nbv
    return bk


def piecewise(x):
    s = 0.0
    for _ in range(200):
        if x > 1.0:
            x = 0.5 * x * x
        else:
            x = x + 0.3
        s = s + x
    return s


def piecewise_grad_hand(x):
    xs = []
    for _ in range(200):
        xs.append(x)
        x = 0.5 * x * x if x > 1.0 else x + 0.3
    bx, bs = 0.0, 1.0
    for i in range(199, -1, -1):
        bx += bs
        bx = bx * xs[i] if xs[i] > 1.0 else bx
    return bx


def piecewise_where(x):
    s = 0.0
    for _ in range(200):
        x = np.where(x > 1.0, 0.5 * x * x, x + 0.3)
        s = s + x
    return s


def piecewise_where_grad_hand(x):
    xs = []
    for _ in range(200):
        xs.append(x)
        x = np.where(x > 1.0, 0.5 * x * x, x + 0.3)
    bx, bs = 0.0, 1.0
    for i in range(199, -1, -1):
        bx += bs
        bx = np.where(xs[i] > 1.0, bx * xs[i], bx)
    return bx


CASES = [("rk4 oscillator, 500 steps, d/dk", rk4, rk4_grad_hand, 2.0),
         ("piecewise if, 200 steps", piecewise, piecewise_grad_hand, 0.65),
         ("piecewise np.where, 200 steps", piecewise_where, piecewise_where_grad_hand, 0.65)]


def numba_columns(fn, arg, hand, t_hand: float) -> list[str]:
    """``jit="numba"``: the first call (numba's compile; the module is built already), the
    steady state, and its ratio to the hand-written gradient; n/a without numba or when
    the module runs plain (the warning's reason is printed)."""
    if T.optional_module("numba") is None:
        return ["n/a"] * 3
    from s2sad.errors import JitFallbackWarning

    g = s2sad.grad(fn, jit="numba")
    start = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("error", JitFallbackWarning)
        try:
            got = g(arg)
        except JitFallbackWarning as e:
            print(f"  numba: {e}")
            return ["n/a"] * 3
    t_first = time.perf_counter() - start
    T.check_close("numba", got, hand(arg))
    t_steady = T.best_time(lambda: g(arg))
    return [T.fmt_time(t_first), T.fmt_time(t_steady), T.fmt_ratio(t_steady, t_hand)]


def main() -> None:
    rows = []
    for name, fn, hand, arg in CASES:
        g = s2sad.grad(fn)
        T.check_close(name, g(arg), hand(arg))
        T.check_close(name + " (generic)", g.entry(arg), hand(arg))
        t_primal = T.best_time(lambda: fn(arg))
        t_hand = T.best_time(lambda: hand(arg))
        t_generic = T.best_time(lambda: g.entry(arg))
        t_special = T.best_time(lambda: g(arg))
        rows.append([name, T.fmt_time(t_primal), T.fmt_time(t_hand), T.fmt_time(t_generic),
                     T.fmt_time(t_special), T.fmt_ratio(t_generic, t_hand),
                     T.fmt_ratio(t_special, t_hand)] + numba_columns(fn, arg, hand, t_hand))
        print(f"  done: {name}")
    print()
    print(T.machine_line())
    T.print_table(["case", "primal", "hand grad", "generic", "specialized", "generic/hand",
                   "specialized/hand", "numba compile", "numba", "numba/hand"], rows)


if __name__ == "__main__":
    main()
