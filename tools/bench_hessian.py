"""Benchmark: Hessians and Hessian-vector products (issue 4).

    python tools/bench_hessian.py [--quick]

* ``s2sad.hessian(rosenbrock)`` (forward over reverse, n=100) vs the analytic
  tridiagonal Hessian written by hand, in vector mode (every basis tangent in one
  batched pass) and in the loop form enclosing transforms use (one pass per tangent).
* ``jacfwd``/``jacrev`` of ``tanh(W @ x)`` (n=100), both forms, vs the hand-written
  ``(1 - h**2)[:, None] * W``.
* ``s2sad.hvp(rosenbrock, (x,), (v,))`` vs one ``s2sad.grad`` call (an HVP should
  cost a small constant times a gradient) and vs a hand-written analytic HVP.
"""

from __future__ import annotations

import _timing as T
import numpy as np

import s2sad

N = 100


def rosenbrock(x):
    a = x[:-1]
    b = x[1:]
    return np.sum(100.0 * (b - a**2) ** 2 + (1.0 - a) ** 2)


def rosenbrock_hessian_parts(x):
    """(diagonal, off-diagonal) of the Hessian, which is tridiagonal and symmetric."""
    a = x[:-1]
    diag = np.zeros_like(x)
    diag[:-1] = 1200.0 * a * a - 400.0 * x[1:] + 2.0
    diag[1:] += 200.0
    off = -400.0 * a
    return diag, off


def rosenbrock_hessian_hand(x):
    diag, off = rosenbrock_hessian_parts(x)
    H = np.diag(diag)
    i = np.arange(x.size - 1)
    H[i, i + 1] = off
    H[i + 1, i] = off
    return H


def rosenbrock_hvp_hand(x, v):
    diag, off = rosenbrock_hessian_parts(x)
    hv = diag * v
    hv[:-1] += off * v[1:]
    hv[1:] += off * v[:-1]
    return hv


def layer(W, x):
    return np.tanh(W @ x)


def layer_jacobian_hand(W, x):
    h = np.tanh(W @ x)
    return (1.0 - h * h)[:, None] * W


def main() -> None:
    rng = np.random.default_rng(0)
    x = rng.uniform(-1.0, 1.0, N)
    v = rng.normal(size=N)

    hess = s2sad.hessian(rosenbrock)
    grad = s2sad.grad(rosenbrock)
    H_hand = rosenbrock_hessian_hand(x)
    T.check_close("hessian", hess(x), H_hand, rtol=1e-9, atol=1e-8)
    T.check_close("hvp", s2sad.hvp(rosenbrock, (x,), (v,)), H_hand @ v, rtol=1e-9, atol=1e-8)
    T.check_close("hand hvp", rosenbrock_hvp_hand(x, v), H_hand @ v, rtol=1e-12, atol=1e-10)

    W = rng.normal(size=(N, N)) / np.sqrt(N)
    jf, jr = s2sad.jacfwd(layer, argnums=1), s2sad.jacrev(layer, argnums=1)
    J_hand = layer_jacobian_hand(W, x)
    for name, jac in (("jacfwd", jf), ("jacrev", jr)):
        T.check_close(name, jac(W, x), J_hand, rtol=1e-10, atol=1e-12)
        T.check_close(name + " loop", jac.composable_entry(W, x), J_hand, rtol=1e-10, atol=1e-12)
    T.check_close("hessian loop", hess.composable_entry(x), H_hand, rtol=1e-9, atol=1e-8)

    t_hess = T.best_time(lambda: hess(x))
    t_hess_loop = T.best_time(lambda: hess.composable_entry(x))
    t_jac_hand = T.best_time(lambda: layer_jacobian_hand(W, x))
    t_jf, t_jr = T.best_time(lambda: jf(W, x)), T.best_time(lambda: jr(W, x))
    t_jf_loop = T.best_time(lambda: jf.composable_entry(W, x))
    t_jr_loop = T.best_time(lambda: jr.composable_entry(W, x))
    t_hess_hand = T.best_time(lambda: rosenbrock_hessian_hand(x))
    t_hvp = T.best_time(lambda: s2sad.hvp(rosenbrock, (x,), (v,)))
    t_hvp_hand = T.best_time(lambda: rosenbrock_hvp_hand(x, v))
    t_grad = T.best_time(lambda: grad(x))
    t_primal = T.best_time(lambda: rosenbrock(x))

    print(f"s2sad {s2sad.__version__}; {T.machine_line()}; rosenbrock n={N}; best of "
          f"{'3 (quick)' if T.QUICK else '7'} runs")
    T.print_table(["what", "s2sad", "hand", "s2sad/hand", "s2sad/grad"], [
        ["hessian (n x n), vector", T.fmt_time(t_hess), T.fmt_time(t_hess_hand),
         T.fmt_ratio(t_hess, t_hess_hand), T.fmt_ratio(t_hess, t_grad)],
        ["hessian, loop form", T.fmt_time(t_hess_loop), T.fmt_time(t_hess_hand),
         T.fmt_ratio(t_hess_loop, t_hess_hand), T.fmt_ratio(t_hess_loop, t_grad)],
        ["hvp", T.fmt_time(t_hvp), T.fmt_time(t_hvp_hand),
         T.fmt_ratio(t_hvp, t_hvp_hand), T.fmt_ratio(t_hvp, t_grad)],
        ["grad", T.fmt_time(t_grad), "-", "-", "1.00x"],
        ["primal", T.fmt_time(t_primal), "-", "-", T.fmt_ratio(t_primal, t_grad)],
    ])
    print(f"\njacobian of tanh(W @ x), n={N}")
    T.print_table(["what", "s2sad", "hand", "s2sad/hand"], [
        [name, T.fmt_time(t), T.fmt_time(t_jac_hand), T.fmt_ratio(t, t_jac_hand)]
        for name, t in (("jacfwd, vector", t_jf), ("jacfwd, loop form", t_jf_loop),
                        ("jacrev, vector", t_jr), ("jacrev, loop form", t_jr_loop))])


if __name__ == "__main__":
    main()
