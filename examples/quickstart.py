"""s2sad in one minute: a logistic-regression loss, its gradient, the code s2sad
wrote for it, a few steps of gradient descent, and its Hessian for a Newton step.

    python examples/quickstart.py
"""

import sys

import numpy as np

import s2sad

# Synthetic, linearly separable-ish data with a fixed seed: 200 points, 5 features.
rng = np.random.default_rng(0)
N_SAMPLES, N_FEATURES = 200, 5
TRUE_W = rng.normal(size=N_FEATURES)
X = rng.normal(size=(N_SAMPLES, N_FEATURES))
Y = (X @ TRUE_W + 0.3 * rng.normal(size=N_SAMPLES) > 0).astype(np.float64)  # labels in {0, 1}
L2 = 1e-2


@s2sad.differentiate(argnums=(0, 1))
def loss(w, b, X, y):
    """Mean binary cross-entropy of a logistic model, plus a small L2 penalty on w."""
    z = X @ w + b
    # log(1 + exp(z)) - y*z is -[y log p + (1-y) log(1-p)] with p = sigmoid(z), written stably.
    nll = np.mean(np.logaddexp(0.0, z) - y * z)
    return nll + 0.5 * L2 * np.sum(w**2)


def central_differences(f, w, b, eps=1e-6):
    """(df/dw, df/db) by central finite differences, one coordinate at a time."""
    gw = np.zeros_like(w)
    for i in range(w.size):
        e = np.zeros_like(w)
        e[i] = eps
        gw[i] = (f(w + e, b) - f(w - e, b)) / (2 * eps)
    gb = (f(w, b + eps) - f(w, b - eps)) / (2 * eps)
    return gw, gb


def main() -> int:
    w, b = np.zeros(N_FEATURES), 0.0

    # 1. The function runs unchanged; .grad / .value_and_grad run the generated code.
    value, (gw, gb) = loss.value_and_grad(w, b, X, Y)
    print(f"loss(w0, b0)      = {value:.6f}")
    print(f"d loss / d w      = {np.array2string(gw, precision=6)}")
    print(f"d loss / d b      = {gb:.6f}")

    # 2. Check against central finite differences.
    fw, fb = central_differences(lambda w_, b_: loss(w_, b_, X, Y), w, b)
    err = max(np.max(np.abs(gw - fw)), abs(gb - fb))
    print(f"max |s2sad - finite differences| = {err:.2e}")

    # 3. The gradient is ordinary Python you can read (and step through in a debugger).
    print("\n--- loss.source('grad') " + "-" * 40)
    print(loss.source("grad"))
    print("-" * 64 + "\n")

    # 4. Fifty steps of gradient descent.
    lr = 1.0
    first = value
    for step in range(1, 51):
        value, (gw, gb) = loss.value_and_grad(w, b, X, Y)
        w, b = w - lr * gw, b - lr * gb
        if step % 10 == 0:
            accuracy = np.mean(((X @ w + b) > 0) == (Y > 0.5))
            print(f"step {step:3d}   loss {loss(w, b, X, Y):.6f}   accuracy {accuracy:.3f}")

    # 5. Second order: the Hessian in w (forward mode over the generated gradient, every
    #    direction in one batched pass), checked against X^T diag(p (1-p)) X / n + L2 I,
    #    and one Newton step.
    H = s2sad.hessian(loss, argnums=0)(w, b, X, Y)
    p = 1.0 / (1.0 + np.exp(-(X @ w + b)))
    H_exact = X.T @ (X * (p * (1.0 - p))[:, None]) / N_SAMPLES + L2 * np.eye(N_FEATURES)
    herr = np.max(np.abs(H - H_exact))
    print(f"\nmax |hessian - closed form| = {herr:.2e}")
    w = w - np.linalg.solve(H, loss.grad(w, b, X, Y)[0])
    print(f"after one Newton step in w: loss {loss(w, b, X, Y):.6f}")

    final = loss(w, b, X, Y)
    ok = err < 1e-6 and herr < 1e-10 and final < first
    print(f"\nloss went from {first:.6f} to {final:.6f}" + ("" if ok else "  -- UNEXPECTED"))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
