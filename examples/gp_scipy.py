"""Gaussian-process regression: fit the kernel's hyperparameters by maximizing the
marginal likelihood with SciPy's L-BFGS-B, the gradient from s2sad.

    python examples/gp_scipy.py

The negative log marginal likelihood of an RBF-kernel GP is written as anyone would
write it in NumPy: build the kernel matrix, take its Cholesky factor
(``np.linalg.cholesky``), solve with ``scipy.linalg.solve_triangular``, add up the log
of the diagonal. ``s2sad.value_and_grad`` turns it into a function returning
``(value, gradient)``, which is exactly what ``scipy.optimize.minimize(..., jac=True)``
expects. The data are drawn from a GP with known hyperparameters; the example checks
the gradient against finite differences, fits, and compares with the truth.
Needs SciPy (``pip install scipy``; the test extra installs it).
"""

import os
import sys

import numpy as np
import scipy.optimize
from scipy.linalg import solve_triangular

import s2sad
from _plotting import save_figure

SMALL = os.environ.get("S2SAD_EXAMPLES_SMALL") == "1"

N_POINTS = 40 if SMALL else 300
# The hyperparameters the data are drawn from: lengthscale, signal variance, noise variance.
TRUE = np.array([0.8, 1.5, 0.05])
NAMES = ("lengthscale", "signal variance", "noise variance")

rng = np.random.default_rng(0)


def rbf_kernel(xa, xb, lengthscale, signal_variance):
    """k(a, b) = s² exp(-(a - b)² / (2 l²)) for every pair of 1-D inputs."""
    sq_dist = (xa[:, None] - xb[None, :]) ** 2
    return signal_variance * np.exp(-0.5 * sq_dist / lengthscale**2)


def neg_log_marginal_likelihood(log_theta, x, y):
    """-log p(y | x, θ) for a zero-mean GP with an RBF kernel and Gaussian noise;
    θ = (lengthscale, signal variance, noise variance), optimized in log space."""
    lengthscale, signal_variance, noise_variance = np.exp(log_theta)
    n = x.shape[0]
    K = rbf_kernel(x, x, lengthscale, signal_variance) + noise_variance * np.eye(n)
    L = np.linalg.cholesky(K)  # K = L Lᵀ
    z = solve_triangular(L, y, lower=True)  # z = L⁻¹ y, so yᵀ K⁻¹ y = zᵀ z
    # log det K = 2 Σ log L_ii
    return 0.5 * z @ z + np.sum(np.log(np.diag(L))) + 0.5 * n * np.log(2 * np.pi)


nlml_and_grad = s2sad.value_and_grad(neg_log_marginal_likelihood)


def posterior(x_new, x, y, log_theta):
    """Posterior mean and standard deviation of f at x_new."""
    lengthscale, signal_variance, noise_variance = np.exp(log_theta)
    K = rbf_kernel(x, x, lengthscale, signal_variance) + noise_variance * np.eye(len(x))
    L = np.linalg.cholesky(K)
    K_star = rbf_kernel(x_new, x, lengthscale, signal_variance)
    alpha = solve_triangular(L.T, solve_triangular(L, y, lower=True), lower=False)
    v = solve_triangular(L, K_star.T, lower=True)
    variance = signal_variance - np.sum(v * v, axis=0)
    return K_star @ alpha, np.sqrt(np.maximum(variance, 0.0))


def save_plot(x, y, log_theta):
    """The posterior mean with a 2-sd band over the data, as gp_scipy.png."""

    def draw(plt):
        grid = np.linspace(x.min() - 0.5, x.max() + 0.5, 300)
        mean, sd = posterior(grid, x, y, log_theta)
        _, ax = plt.subplots(figsize=(7, 3.5))
        ax.fill_between(grid, mean - 2 * sd, mean + 2 * sd, alpha=0.25, label="f: mean ± 2 sd")
        ax.plot(grid, mean, label="f: posterior mean")
        ax.plot(x, y, ".", color="gray", label="data")
        ax.set_xlabel("x")
        ax.legend()

    save_figure("gp_scipy", draw)


def main() -> int:
    # Data: a draw from the GP prior with the true hyperparameters, plus noise.
    x = np.sort(rng.uniform(-5.0, 5.0, size=N_POINTS))
    K_true = rbf_kernel(x, x, TRUE[0], TRUE[1]) + TRUE[2] * np.eye(N_POINTS)
    y = np.linalg.cholesky(K_true) @ rng.normal(size=N_POINTS)

    log_theta0 = np.log([3.0, 0.5, 0.5])  # a deliberately poor start

    # 1. The gradient at the start against central finite differences.
    value, grad = nlml_and_grad(log_theta0, x, y)
    eps = 1e-6
    fd = np.array([(neg_log_marginal_likelihood(log_theta0 + eps * e, x, y)
                    - neg_log_marginal_likelihood(log_theta0 - eps * e, x, y)) / (2 * eps)
                   for e in np.eye(3)])
    err_fd = np.max(np.abs(grad - fd)) / max(1.0, np.max(np.abs(fd)))
    print(f"-log p(y) at the start {value:.4f}, gradient {np.array2string(grad, precision=5)}")
    print(f"max relative |s2sad - finite differences| = {err_fd:.2e}")

    # 2. L-BFGS-B with jac=True: the objective returns (value, gradient) in one call.
    iteration = [0]

    def progress(log_theta):
        iteration[0] += 1
        value = neg_log_marginal_likelihood(log_theta, x, y)
        print(f"iteration {iteration[0]:3d}   -log p(y) {value:10.4f}   "
              f"theta {np.array2string(np.exp(log_theta), precision=4)}")

    result = scipy.optimize.minimize(nlml_and_grad, log_theta0, args=(x, y), jac=True,
                                     method="L-BFGS-B", callback=progress)
    fitted = np.exp(result.x)
    print(f"{result.message} ({result.nit} iterations, {result.nfev} evaluations)")
    at_truth = neg_log_marginal_likelihood(np.log(TRUE), x, y)
    print(f"-log p(y) at the true hyperparameters {at_truth:.4f}, at the fit {result.fun:.4f}")
    for name, f, t in zip(NAMES, fitted, TRUE):
        print(f"  {name:16s} fitted {f:8.4f}   true {t:8.4f}")

    save_plot(x, y, result.x)

    # The fit must be at least as likely as the truth, at a stationary point, and (with
    # this much data) near the truth: within a factor of 2 on every hyperparameter.
    _, final_grad = nlml_and_grad(result.x, x, y)
    ok = (err_fd < 1e-6 and result.success and result.fun <= at_truth + 1e-8
          and np.max(np.abs(final_grad)) < 1e-3 and np.all(np.abs(np.log(fitted / TRUE)) < np.log(2)))
    print("fitted (l, s2, noise) = " + np.array2string(fitted, precision=4)
          + " vs true " + np.array2string(TRUE, precision=4)
          + f", final -log p(y) {result.fun:.4f}" + ("" if ok else "  -- UNEXPECTED"))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
