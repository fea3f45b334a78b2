"""Newton's method with s2sad.hessian on the n-dimensional Rosenbrock function, a
Newton-CG variant that never forms the Hessian (s2sad.hvp inside conjugate
gradients), and gradient descent for comparison.

    f(x) = sum_i 100 (x[i+1] - x[i]^2)^2 + (1 - x[i])^2,   minimum f = 0 at x = (1, ..., 1)

The function is written once, as ordinary NumPy; ``s2sad.grad``, ``s2sad.hessian``
and ``s2sad.hvp`` give its first and second derivatives. Newton's method reaches the
minimum in a few dozen steps where gradient descent along the curved valley needs
tens of thousands.

    python examples/newton_rosenbrock.py
"""

import os
import sys

import numpy as np

import s2sad
from _plotting import save_figure

SMALL = os.environ.get("S2SAD_EXAMPLES_SMALL") == "1"
N = 4 if SMALL else 10
# The classic start -1.2 of the 2-D problem, in every coordinate. (From the alternating
# start (-1.2, 1, -1.2, 1, ...) Newton's method at n = 10 ends in this chained function's
# other local minimum, near (-1, 1, ..., 1), f about 3.99: Newton finds a local minimum.)
X0 = np.full(N, -1.2)
GD_MAX_ITERATIONS = 100_000


def rosenbrock(x):
    return np.sum(100.0 * (x[1:] - x[:-1] ** 2) ** 2 + (1.0 - x[:-1]) ** 2)


grad = s2sad.grad(rosenbrock)
hessian = s2sad.hessian(rosenbrock)  # an N x N matrix: forward mode over the gradient


def hvp(x, v):
    """H(x) @ v without forming H: one forward-over-reverse pass."""
    return s2sad.hvp(rosenbrock, (x,), (v,))


def backtrack(x, g, p, t=1.0):
    """Armijo backtracking: the longest step t = 1, 1/2, 1/4, ... that decreases f enough."""
    f0, slope = rosenbrock(x), g @ p
    while rosenbrock(x + t * p) > f0 + 1e-4 * t * slope:
        t *= 0.5
    return t


def newton_direction(x, g):
    """Solve (H + tau I) p = -g, tau = 0 unless H is not positive definite at x.
    Returns (p, a note for the progress line)."""
    H, tau = hessian(x), 0.0
    while True:
        try:
            L = np.linalg.cholesky(H + tau * np.eye(len(x)))
            break
        except np.linalg.LinAlgError:  # negative curvature: shift towards gradient descent
            tau = max(2.0 * tau, 1e-3 * np.max(np.abs(np.diag(H))))
    return -np.linalg.solve(L.T, np.linalg.solve(L, g)), f"tau {tau:.2g}"


def cg_direction(x, g):
    """Truncated conjugate gradients on H p = -g with Hessian-vector products only.
    Stops when the residual is small relative to |g| (tighter near the minimum, for fast
    local convergence) or on negative curvature. Returns (p, number of hvp calls)."""
    p, r = np.zeros_like(x), -g
    d = r.copy()
    tolerance = min(0.5, np.sqrt(np.linalg.norm(g))) * np.linalg.norm(g)
    for j in range(1, len(x) + 1):
        Hd = hvp(x, d)
        curvature = d @ Hd
        if curvature <= 0.0:  # not a descent model along d: keep what we have
            return (p if j > 1 else -g), j
        alpha = (r @ r) / curvature
        p = p + alpha * d
        r_next = r - alpha * Hd
        if np.linalg.norm(r_next) < tolerance:
            return p, j
        d = r_next + (r_next @ r_next) / (r @ r) * d
        r = r_next
    return p, len(x)


def minimize(direction, name, every=1, gtol=1e-10, max_iterations=200):
    """Line-search descent along direction(x, g) -> (p, note), printing every `every`-th
    iteration; returns (x, iterations, f at each iterate)."""
    x, fs = X0.copy(), [rosenbrock(X0)]
    for iteration in range(1, max_iterations + 1):
        g = grad(x)
        if np.linalg.norm(g) < gtol:
            return x, iteration - 1, fs
        p, info = direction(x, g)
        t = backtrack(x, g, p)
        x = x + t * p
        fs.append(rosenbrock(x))
        if iteration % every == 0:
            print(f"{name} {iteration:3d}   f {fs[-1]:.3e}   |grad| {np.linalg.norm(grad(x)):.3e}"
                  f"   step {t:<8.4g} {info}")
    return x, max_iterations, fs


def gradient_descent(gtol=1e-6):
    """Steepest descent with backtracking, each search starting at twice the last step."""
    x, step, fs = X0.copy(), 1e-3, [rosenbrock(X0)]
    for iteration in range(1, GD_MAX_ITERATIONS + 1):
        g = grad(x)
        if np.linalg.norm(g) < gtol:
            return x, iteration - 1, fs
        step = backtrack(x, g, -g, 2.0 * step)
        x = x - step * g
        fs.append(rosenbrock(x))
    return x, GD_MAX_ITERATIONS, fs


def central_differences(f, x, eps=1e-6):
    """d f / d x by central differences (f may return an array: a Jacobian, row per x_i)."""
    return np.array([(f(x + eps * e) - f(x - eps * e)) / (2 * eps) for e in np.eye(len(x))])


def main() -> int:
    ones = np.ones(N)
    print(f"Rosenbrock in {N} dimensions from x0 = {X0[0]} * ones: f(x0) = {rosenbrock(X0):.1f}")

    # 1. The derivatives, checked at the start: the gradient against central differences
    #    of f, the Hessian against central differences of the gradient, and a
    #    Hessian-vector product against H @ v.
    v = np.random.default_rng(0).normal(size=N)
    g0 = grad(X0)
    g_err = np.max(np.abs(g0 - central_differences(rosenbrock, X0))) / np.max(np.abs(g0))
    H0 = hessian(X0)
    h_err = np.max(np.abs(H0 - central_differences(grad, X0))) / np.max(np.abs(H0))
    hvp_err = np.max(np.abs(hvp(X0, v) - H0 @ v))
    print(f"max |grad - finite differences| / max|grad| = {g_err:.1e}")
    print(f"max |hessian - finite differences| / max|H|  = {h_err:.1e}")
    print(f"max |hvp(x, v) - hessian(x) @ v|            = {hvp_err:.1e}")

    # 2. Newton's method: the full Hessian, a Cholesky solve, a backtracking line search.
    print("\nNewton's method (tau: the shift added where H is not positive definite)")
    x_newton, it_newton, f_newton = minimize(newton_direction, "newton")

    # 3. Newton-CG: the Newton step solved by conjugate gradients, one hvp per CG step.
    print("\nNewton-CG (at most N conjugate-gradient steps, each one s2sad.hvp; every 5th iteration)")
    hvp_calls = []

    def cg_step(x, g):
        p, calls = cg_direction(x, g)
        hvp_calls.append(calls)
        return p, f"CG steps {calls}"

    x_cg, it_cg, f_cg = minimize(cg_step, "newton-cg", every=5)

    # 4. Gradient descent, for comparison.
    x_gd, it_gd, f_gd = gradient_descent()
    print(f"\ngradient descent: {it_gd} iterations to |grad| < 1e-6, f {f_gd[-1]:.2e}, "
          f"|x - 1| {np.linalg.norm(x_gd - ones):.1e}")
    print(f"Newton: {it_newton} iterations ({it_newton} Hessians); Newton-CG: {it_cg} iterations, "
          f"{sum(hvp_calls)} Hessian-vector products")

    save_picture({"Newton": f_newton, "Newton-CG (hvp)": f_cg, "gradient descent": f_gd})

    d_newton, d_cg, d_gd = (np.linalg.norm(x - ones) for x in (x_newton, x_cg, x_gd))
    ok = (g_err < 1e-8 and h_err < 1e-6 and hvp_err < 1e-10
          and d_newton < 1e-8 and d_cg < 1e-8 and d_gd < 1e-4 and it_newton < 100)
    print(f"distance to the optimum (1, ..., 1): Newton {d_newton:.1e} after {it_newton} iterations, "
          f"Newton-CG {d_cg:.1e} after {it_cg}, gradient descent {d_gd:.1e} after {it_gd}"
          + ("" if ok else "  -- UNEXPECTED"))
    return 0 if ok else 1


def save_picture(curves):
    """f against the iteration, log-log, one curve per method, as newton_rosenbrock.png."""

    def draw(plt):
        _, ax = plt.subplots(figsize=(7, 4.5))
        for label, fs in curves.items():
            ax.loglog(np.arange(1, len(fs) + 1), np.maximum(fs, 1e-30), label=label)
        ax.set_xlabel("iteration + 1")
        ax.set_ylabel("f(x)")
        ax.set_title(f"Rosenbrock, n = {N}")
        ax.legend()

    save_figure("newton_rosenbrock", draw)


if __name__ == "__main__":
    sys.exit(main())
