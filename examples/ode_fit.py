"""Fit the stiffness and damping of an oscillator to noisy measurements, through an
RK4 integrator written as a plain Python ``for`` loop.

    python examples/ode_fit.py

The model is the damped oscillator x'' = -k x - c x' started at x = 1, x' = 0. We
simulate it with the true (k, c), add noise to 100 samples of x(t), and recover (k, c)
by minimizing the mean squared error with Adam. The loss is ordinary Python: an RK4
step that calls the right-hand side four times, a loop over time steps, floats. s2sad
differentiates through all of it.

Both parameters are Python floats and the loss has a loop, so s2sad emits the gradient
in forward mode (one pass carrying d/dk and d/dc beside the state, no tape); passing the
same parameters as one array gives reverse mode. Both give the same numbers, checked
here with central finite differences, and timed.
"""

import os
import sys
import time

import numpy as np

import s2sad
from _plotting import save_figure

SMALL = os.environ.get("S2SAD_EXAMPLES_SMALL") == "1"

TRUE_K, TRUE_C = 4.0, 0.3  # stiffness and damping the data are drawn from
X0, V0 = 1.0, 0.0  # known initial state
DT, SUBSTEPS = 0.05, 2  # RK4 step; observations every SUBSTEPS * DT = 0.1 time units
N_OBS = 50 if SMALL else 100
N_STEPS = 150 if SMALL else 300  # Adam iterations
NOISE = 0.05

rng = np.random.default_rng(0)


def oscillator(x, v, k, c):
    """Right-hand side of x'' = -k x - c x' as a first-order system: (x', v')."""
    return v, -k * x - c * v


def rk4_step(x, v, k, c, dt):
    """One classical Runge-Kutta step of size dt."""
    ax, av = oscillator(x, v, k, c)
    bx, bv = oscillator(x + 0.5 * dt * ax, v + 0.5 * dt * av, k, c)
    cx, cv = oscillator(x + 0.5 * dt * bx, v + 0.5 * dt * bv, k, c)
    dx, dv = oscillator(x + dt * cx, v + dt * cv, k, c)
    return (x + dt / 6.0 * (ax + 2.0 * bx + 2.0 * cx + dx),
            v + dt / 6.0 * (av + 2.0 * bv + 2.0 * cv + dv))


def trajectory(k, c, n_obs):
    """x at the n_obs observation times (not differentiated: used for data and plots)."""
    x, v = X0, V0
    xs = [x]
    for _ in range(n_obs - 1):
        for _ in range(SUBSTEPS):
            x, v = rk4_step(x, v, k, c, DT)
        xs.append(x)
    return np.array(xs)


def loss(k, c, obs):
    """Mean squared error between the simulated x(t) and the observations."""
    x, v = X0, V0
    err = (x - obs[0]) ** 2
    for i in range(1, len(obs)):
        for _ in range(SUBSTEPS):
            x, v = rk4_step(x, v, k, c, DT)
        err = err + (x - obs[i]) ** 2
    return err / len(obs)


def loss_of_array(p, obs):
    """The same loss with both parameters in one array: s2sad picks reverse mode here."""
    return loss(p[0], p[1], obs)


value_and_grad = s2sad.value_and_grad(loss, argnums=(0, 1))  # floats in: forward mode
value_and_grad_array = s2sad.value_and_grad(loss_of_array)  # an array in: reverse mode


def best_time(fn, *args, repeat=5):
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn(*args)
        times.append(time.perf_counter() - start)
    return min(times)


def save_plot(times, obs, first, fitted):
    """The observations and the trajectories of the first guess and the fit, as ode_fit.png."""

    def draw(plt):
        _, ax = plt.subplots(figsize=(7, 3.5))
        ax.plot(times, obs, ".", color="gray", label="observations")
        ax.plot(times, first, "--", label="initial guess")
        ax.plot(times, fitted, label="fitted")
        ax.set_xlabel("t")
        ax.set_ylabel("x(t)")
        ax.legend()

    save_figure("ode_fit", draw)


def main() -> int:
    times = np.arange(N_OBS) * SUBSTEPS * DT
    obs = trajectory(TRUE_K, TRUE_C, N_OBS) + NOISE * rng.normal(size=N_OBS)
    k, c = 3.3, 0.1  # initial guess

    # 1. The gradient at the initial guess, in both modes, against central differences.
    start = time.perf_counter()
    value, (gk, gc) = value_and_grad(k, c, obs)
    print(f"first call (builds the derivative code): {time.perf_counter() - start:.2f} s")
    _, g_array = value_and_grad_array(np.array([k, c]), obs)
    eps = 1e-6
    fd = np.array([(loss(k + eps, c, obs) - loss(k - eps, c, obs)) / (2 * eps),
                   (loss(k, c + eps, obs) - loss(k, c - eps, obs)) / (2 * eps)])
    err_fd = np.max(np.abs(np.array([gk, gc]) - fd))
    err_modes = np.max(np.abs(np.array([gk, gc]) - g_array))
    print(f"loss at the guess {value:.6f}, gradient ({gk:.6f}, {gc:.6f})")
    print(f"max |s2sad - finite differences| = {err_fd:.2e}")
    print(f"max |floats (forward mode) - array (reverse mode)| = {err_modes:.2e}")
    t_fwd = best_time(value_and_grad, k, c, obs)
    t_rev = best_time(value_and_grad_array, np.array([k, c]), obs)
    print(f"gradient time: two floats {t_fwd * 1e3:.2f} ms, one array {t_rev * 1e3:.2f} ms")

    # 2. The generated code is plain Python. s2sad.source(f) shows the generic module (any
    #    argument kinds: reverse mode); s2sad.source(f, *args) the one a call with those
    #    arguments runs: specialized to two floats, in forward mode, hence the timings above.
    for label, args in (("", ()), (", k, c, obs", (k, c, obs))):
        head = s2sad.source(value_and_grad, *args).splitlines()
        entry = next(i for i, line in enumerate(head) if line.startswith("def "))
        print(f"first lines of s2sad.source(value_and_grad{label}):")
        print("\n".join("    " + line for line in head[entry:entry + 2]))

    # 3. Adam on (k, c).
    params = np.array([k, c])
    m, s = np.zeros(2), np.zeros(2)
    lr, beta1, beta2 = 0.05, 0.9, 0.999
    for step in range(1, N_STEPS + 1):
        value, grads = value_and_grad(params[0], params[1], obs)
        g = np.array(grads)
        m = beta1 * m + (1 - beta1) * g
        s = beta2 * s + (1 - beta2) * g * g
        params = params - lr * (m / (1 - beta1**step)) / (np.sqrt(s / (1 - beta2**step)) + 1e-8)
        if step % (N_STEPS // 10) == 0:
            print(f"step {step:4d}   loss {value:.6f}   k {params[0]:.4f}   c {params[1]:.4f}")

    k_fit, c_fit = params
    final = loss(k_fit, c_fit, obs)
    save_plot(times, obs, trajectory(k, c, N_OBS), trajectory(k_fit, c_fit, N_OBS))

    ok = (err_fd < 1e-6 and err_modes < 1e-12 and abs(k_fit - TRUE_K) < 0.1
          and abs(c_fit - TRUE_C) < 0.1 and final < 2 * NOISE**2)
    print(f"fitted k = {k_fit:.4f} (true {TRUE_K}), c = {c_fit:.4f} (true {TRUE_C}), "
          f"final loss {final:.6f}" + ("" if ok else "  -- UNEXPECTED"))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
