"""Benchmark: gradients through Python loops (issue 3).

    python tools/bench_loops.py [--quick]

Two programs written the way people write them, as plain Python ``for`` loops:

* RK4 integration (500 steps) of a generalized Lotka-Volterra system
  ``dy/dt = y * (r + A @ y)`` through a helper ``rhs``; loss = sum of squares of
  the final state; gradient w.r.t. the initial state ``y0`` and the parameters
  ``theta = (r, A)`` (passed as ``r, A``).
* A 100-step RNN, ``h = tanh(W @ h + U @ x_t + b)``, loss at the end.

Each is compared with a careful hand-written backward pass (backprop through
time over a stored trajectory). Prints times, the ratio, and the peak memory of
one gradient call (tracemalloc: Python objects and NumPy buffers).
"""

from __future__ import annotations

import _timing as T
import numpy as np

import s2sad

# --------------------------------------------------------------------------- RK4

N_SPECIES = 32
RK4_STEPS = 500
DT = 0.01


def rhs(y, r, A):
    return y * (r + A @ y)


def rk4_loss(y0, r, A):
    y = y0
    for _ in range(RK4_STEPS):
        k1 = rhs(y, r, A)
        k2 = rhs(y + 0.5 * DT * k1, r, A)
        k3 = rhs(y + 0.5 * DT * k2, r, A)
        k4 = rhs(y + DT * k3, r, A)
        y = y + DT / 6.0 * (k1 + 2.0 * k2 + 2.0 * k3 + k4)
    return np.sum(y**2)


def rk4_grad_hand(y0, r, A):
    """Backprop through the RK4 steps. Stores each stage's input and its ``r + A @ y``."""
    stages = []  # per step: ((y1, s1), (y2, s2), (y3, s3), (y4, s4)), s = r + A @ y
    y = y0
    for _ in range(RK4_STEPS):
        y1 = y
        s1 = r + A @ y1
        k1 = y1 * s1
        y2 = y + (0.5 * DT) * k1
        s2 = r + A @ y2
        k2 = y2 * s2
        y3 = y + (0.5 * DT) * k2
        s3 = r + A @ y3
        k3 = y3 * s3
        y4 = y + DT * k3
        s4 = r + A @ y4
        k4 = y4 * s4
        stages.append(((y1, s1), (y2, s2), (y3, s3), (y4, s4)))
        y = y + (DT / 6.0) * (k1 + 2.0 * k2 + 2.0 * k3 + k4)

    gy = 2.0 * y
    gr = np.zeros_like(r)
    gys = []  # the u = g * y of each stage: gA = sum u y^T, done as one matrix product
    ys = []

    def rhs_adjoint(g, yk, sk):
        """For k = y * (r + A y): returns the cotangent of y, accumulates r's and A's."""
        u = g * yk
        gys.append(u)
        ys.append(yk)
        return g * sk + A.T @ u, u

    for (y1, s1), (y2, s2), (y3, s3), (y4, s4) in reversed(stages):
        g_next = gy
        gk4 = (DT / 6.0) * g_next
        gy4, u4 = rhs_adjoint(gk4, y4, s4)
        gk3 = (DT / 3.0) * g_next + DT * gy4
        gy3, u3 = rhs_adjoint(gk3, y3, s3)
        gk2 = (DT / 3.0) * g_next + (0.5 * DT) * gy3
        gy2, u2 = rhs_adjoint(gk2, y2, s2)
        gk1 = (DT / 6.0) * g_next + (0.5 * DT) * gy2
        gy1, u1 = rhs_adjoint(gk1, y1, s1)
        gy = g_next + gy4 + gy3 + gy2 + gy1
        gr += u1 + u2 + u3 + u4
    gA = np.asarray(gys).T @ np.asarray(ys)
    return gy, gr, gA


def rk4_inputs(rng):
    y0 = rng.uniform(0.5, 1.0, N_SPECIES)
    r = rng.uniform(0.2, 0.6, N_SPECIES)
    A = -np.eye(N_SPECIES) + 0.05 * rng.normal(size=(N_SPECIES, N_SPECIES))
    return y0, r, A


# --------------------------------------------------------------------------- RNN

HIDDEN, N_IN, RNN_STEPS = 128, 32, 100


def rnn_loss(W, U, b, h0, xs, target):
    h = h0
    for t in range(RNN_STEPS):
        h = np.tanh(W @ h + U @ xs[t] + b)
    return np.sum((h - target) ** 2)


def rnn_grad_hand(W, U, b, h0, xs, target):
    """Backprop through time: the forward loop keeps every h; the weight gradients are
    three matrix products over the stacked per-step cotangents."""
    T_ = RNN_STEPS
    Ux = xs[:T_] @ U.T  # all input projections at once
    hs = np.empty((T_ + 1, h0.shape[0]))
    hs[0] = h0
    for t in range(T_):
        hs[t + 1] = np.tanh(W @ hs[t] + Ux[t] + b)
    das = np.empty((T_, h0.shape[0]))
    gh = 2.0 * (hs[T_] - target)
    for t in range(T_ - 1, -1, -1):
        da = gh * (1.0 - hs[t + 1] ** 2)
        das[t] = da
        gh = W.T @ da
    gW = das.T @ hs[:T_]
    gU = das.T @ xs[:T_]
    gb = das.sum(axis=0)
    return gW, gU, gb


def rnn_inputs(rng):
    W = rng.normal(size=(HIDDEN, HIDDEN)) / np.sqrt(HIDDEN)
    U = rng.normal(size=(HIDDEN, N_IN)) / np.sqrt(N_IN)
    b = 0.1 * rng.normal(size=HIDDEN)
    h0 = np.zeros(HIDDEN)
    xs = rng.normal(size=(RNN_STEPS, N_IN))
    target = 0.5 * rng.normal(size=HIDDEN)
    return W, U, b, h0, xs, target


# --------------------------------------------------------------------------- main


def cases():
    rng = np.random.default_rng(0)
    yield (f"rk4 lotka-volterra n={N_SPECIES}, {RK4_STEPS} steps", rk4_loss, rk4_grad_hand,
           (0, 1, 2), rk4_inputs(rng))
    yield (f"rnn h={HIDDEN}, x={N_IN}, {RNN_STEPS} steps", rnn_loss, rnn_grad_hand,
           (0, 1, 2), rnn_inputs(rng))


def main() -> None:
    headers = ["case", "primal", "s2sad grad", "hand grad", "grad/hand", "grad/primal",
               "s2sad peak", "hand peak"]
    rows = []
    for name, f, hand, argnums, args in cases():
        g = s2sad.grad(f, argnums=argnums)
        T.check_close(name, g(*args), hand(*args), rtol=1e-6)
        t_primal = T.best_time(lambda: f(*args))
        t_grad = T.best_time(lambda: g(*args))
        t_hand = T.best_time(lambda: hand(*args))
        m_grad = T.peak_memory(lambda: g(*args))
        m_hand = T.peak_memory(lambda: hand(*args))
        rows.append([name, T.fmt_time(t_primal), T.fmt_time(t_grad), T.fmt_time(t_hand),
                     T.fmt_ratio(t_grad, t_hand), T.fmt_ratio(t_grad, t_primal),
                     T.fmt_bytes(m_grad), T.fmt_bytes(m_hand)])
        print(f"  done: {name}", flush=True)
    print()
    print(f"s2sad {s2sad.__version__}; {T.machine_line()}; best of "
          f"{'3 (quick)' if T.QUICK else '7'} runs; peak = tracemalloc peak of one call")
    T.print_table(headers, rows)


if __name__ == "__main__":
    main()
