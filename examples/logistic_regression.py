"""Logistic regression trained the way a real model is: a held-out test set, shuffled
mini-batches, momentum, an L2 penalty and a cosine learning-rate schedule, with the
gradient from ``s2sad.value_and_grad``.

The data are drawn from a logistic model with known weights, so the fit can be checked
against the truth: the fitted weights should point the same way as the true ones
(cosine near 1) and the test accuracy should come close to that of the true model.
The loss calls a helper (``log_sigmoid``): s2sad differentiates through user functions.

    python examples/logistic_regression.py

Set ``S2SAD_EXAMPLES_SMALL=1`` for a run of a few seconds. With matplotlib installed the
training and test loss curves are saved under ``S2SAD_EXAMPLES_OUT`` (default
``examples/output``).
"""

import math
import os
import sys
import time

import numpy as np

import s2sad
from _plotting import save_figure

SMALL = os.environ.get("S2SAD_EXAMPLES_SMALL") == "1"

N_SAMPLES, N_FEATURES = (4_000, 10) if SMALL else (50_000, 30)
TEST_FRACTION = 0.2
BATCH_SIZE = 128
EPOCHS = 6 if SMALL else 10
LR_MAX, LR_MIN = 0.2, 0.002  # cosine decay from LR_MAX to LR_MIN over all steps
MOMENTUM = 0.9
L2 = 1e-4


def make_data(rng):
    """Features with correlated columns; labels drawn from the logistic model itself."""
    mixing = np.eye(N_FEATURES) + 0.3 * rng.normal(size=(N_FEATURES, N_FEATURES)) / np.sqrt(N_FEATURES)
    X = rng.normal(size=(N_SAMPLES, N_FEATURES)) @ mixing
    w_true = rng.normal(size=N_FEATURES) * 3.0 / np.sqrt(N_FEATURES)
    b_true = -0.5
    p = 1.0 / (1.0 + np.exp(-(X @ w_true + b_true)))
    y = (rng.random(N_SAMPLES) < p).astype(np.float64)  # labels in {0, 1}
    return X, y, w_true, b_true


def log_sigmoid(z):
    """log(1 / (1 + exp(-z))), without overflow for large |z|."""
    return -np.logaddexp(0.0, -z)


def loss(w, b, X, y, l2):
    """Mean negative log-likelihood of the labels, plus (l2 / 2) |w|^2."""
    z = X @ w + b
    log_likelihood = y * log_sigmoid(z) + (1.0 - y) * log_sigmoid(-z)
    return -np.mean(log_likelihood) + 0.5 * l2 * np.dot(w, w)


# d loss / d (w, b): the generated code runs once for the value and both gradients.
loss_and_grad = s2sad.value_and_grad(loss, argnums=(0, 1))


def accuracy(w, b, X, y):
    return np.mean((X @ w + b > 0) == (y > 0.5))


def cosine_schedule(step, total):
    return LR_MIN + 0.5 * (LR_MAX - LR_MIN) * (1.0 + math.cos(math.pi * step / total))


def check_gradient(w, b, X, y, eps=1e-6):
    """max |s2sad - central finite differences| over every coordinate of w and b."""
    _, (gw, gb) = loss_and_grad(w, b, X, y, L2)
    worst = 0.0
    for i in range(w.size):
        e = np.zeros_like(w)
        e[i] = eps
        fd = (loss(w + e, b, X, y, L2) - loss(w - e, b, X, y, L2)) / (2 * eps)
        worst = max(worst, abs(gw[i] - fd))
    fd_b = (loss(w, b + eps, X, y, L2) - loss(w, b - eps, X, y, L2)) / (2 * eps)
    return max(worst, abs(gb - fd_b))


def save_curves(batch_losses, history, steps_per_epoch):
    """Mini-batch losses and per-epoch train/test losses, as logistic_regression_loss.png."""

    def draw(plt):
        epochs = [h[0] for h in history]
        _, ax = plt.subplots(figsize=(6, 4))
        ax.plot(np.arange(1, len(batch_losses) + 1) / steps_per_epoch, batch_losses, color="0.8",
                lw=0.5, label="mini-batch")
        ax.plot(epochs, [h[1] for h in history], "o-", label="train")
        ax.plot(epochs, [h[2] for h in history], "s--", label="test")
        ax.set(xlabel="epoch", ylabel="loss (mean NLL + L2)",
               title="logistic regression, mini-batch SGD with momentum")
        ax.legend()

    save_figure("logistic_regression_loss", draw)


def main() -> int:
    rng = np.random.default_rng(0)
    X, y, w_true, b_true = make_data(rng)
    n_test = int(TEST_FRACTION * N_SAMPLES)
    order = rng.permutation(N_SAMPLES)
    test, train = order[:n_test], order[n_test:]
    X_train, y_train, X_test, y_test = X[train], y[train], X[test], y[test]
    print(f"{len(train)} training and {n_test} test examples, {N_FEATURES} features, "
          f"{np.mean(y):.0%} positive")

    w, b = np.zeros(N_FEATURES), 0.0
    t0 = time.perf_counter()
    grad_err = check_gradient(w + 0.1, b, X_train, y_train)  # the first call builds the code
    print(f"gradient check at a test point: max |s2sad - finite differences| = {grad_err:.2e} "
          f"(first call, incl. building the derivative: {time.perf_counter() - t0:.2f} s)")

    steps_per_epoch = len(train) // BATCH_SIZE
    total_steps = EPOCHS * steps_per_epoch
    velocity_w, velocity_b = np.zeros_like(w), 0.0
    history = [(0, loss(w, b, X_train, y_train, L2), loss(w, b, X_test, y_test, L2))]
    print(f"epoch  0   train loss {history[0][1]:.5f}   test loss {history[0][2]:.5f}")
    batch_losses = []
    step = 0
    t0 = time.perf_counter()
    for epoch in range(1, EPOCHS + 1):
        shuffled = rng.permutation(len(train))
        for k in range(steps_per_epoch):
            batch = shuffled[k * BATCH_SIZE:(k + 1) * BATCH_SIZE]
            value, (gw, gb) = loss_and_grad(w, b, X_train[batch], y_train[batch], L2)
            batch_losses.append(value)
            lr = cosine_schedule(step, total_steps)
            velocity_w = MOMENTUM * velocity_w - lr * gw
            velocity_b = MOMENTUM * velocity_b - lr * gb
            w, b = w + velocity_w, b + velocity_b
            step += 1
        train_loss = loss(w, b, X_train, y_train, L2)
        test_loss = loss(w, b, X_test, y_test, L2)
        history.append((epoch, train_loss, test_loss))
        print(f"epoch {epoch:2d}   train loss {train_loss:.5f}   test loss {test_loss:.5f}   "
              f"test accuracy {accuracy(w, b, X_test, y_test):.4f}   lr {lr:.4f}")
    seconds = time.perf_counter() - t0
    print(f"{total_steps} mini-batch steps in {seconds:.2f} s ({1e6 * seconds / total_steps:.0f} us a step)")
    save_curves(batch_losses, history, steps_per_epoch)

    cosine = np.dot(w, w_true) / (np.linalg.norm(w) * np.linalg.norm(w_true))
    test_acc = accuracy(w, b, X_test, y_test)
    true_acc = accuracy(w_true, b_true, X_test, y_test)  # the best a model can expect here
    print(f"fitted bias {b:+.3f} (true {b_true:+.3f}); |w| {np.linalg.norm(w):.3f} "
          f"(true {np.linalg.norm(w_true):.3f}); test accuracy of the true weights {true_acc:.4f}")
    ok = (grad_err < 1e-7 and history[-1][1] < history[0][1]
          and cosine > (0.97 if SMALL else 0.995) and test_acc > true_acc - 0.02)
    print(f"final train loss {history[-1][1]:.5f}, test accuracy {test_acc:.4f}, "
          f"cosine(fitted w, true w) {cosine:.4f}" + ("" if ok else "  -- UNEXPECTED"))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
