"""A small neural network, written as plain NumPy and trained with s2sad's gradients:
a 2-hidden-layer tanh MLP classifying three interleaved 2-D spirals.

What it shows:

* parameters held in a dict ``{"W1": ..., "b1": ..., ...}``: a pytree, so the gradient
  is a dict with the same keys and shapes;
* a softmax cross-entropy written the stable way (log-sum-exp with the row maximum
  subtracted) and integer labels picked with ``log_p[np.arange(n), y]``;
* Adam, written in NumPy over the dict, and one check of the gradient against central
  finite differences on a few coordinates of every parameter.

The hidden layers use tanh. With ReLU (``np.maximum(0.0, z)``) s2sad's gradient is just
as right, but a finite-difference check fails wherever some pre-activation lies within
``eps`` of the kink at 0, which happens often enough to make a poor first check.

    python examples/mlp_classifier.py

Set ``S2SAD_EXAMPLES_SMALL=1`` for a run of a few seconds. With matplotlib installed
the loss curve and the decision regions are saved under ``S2SAD_EXAMPLES_OUT``
(default ``examples/output``). ``examples/mlp_cupy.py`` runs this model on a GPU.
"""

import os
import sys
import time

import numpy as np

import s2sad
from _plotting import save_figure

SMALL = os.environ.get("S2SAD_EXAMPLES_SMALL") == "1"

N_CLASSES = 3
N_PER_CLASS = 100 if SMALL else 400
HIDDEN = 32 if SMALL else 64
STEPS = 400 if SMALL else 2000
LEARNING_RATE = 0.01
L2 = 1e-4


def make_spirals(rng, n_per_class, n_classes=N_CLASSES, turns=1.5, noise=0.3):
    """``n_classes`` spiral arms of ``turns`` turns in the plane, with noise on the angle:
    points X (n, 2), integer labels y (n,)."""
    radius = np.tile(np.linspace(0.05, 1.0, n_per_class), n_classes)
    labels = np.repeat(np.arange(n_classes), n_per_class)
    angle = 2.0 * np.pi * turns * radius + labels * 2.0 * np.pi / n_classes + noise * rng.normal(size=radius.size)
    X = np.column_stack([radius * np.cos(angle), radius * np.sin(angle)])
    return X, labels


def init_params(rng, sizes):
    """Glorot-initialised weights ``W1, W2, ...`` and zero biases ``b1, b2, ...`` for layer
    widths ``sizes`` (input first, classes last)."""
    params = {}
    for i, (n_in, n_out) in enumerate(zip(sizes[:-1], sizes[1:]), start=1):
        params[f"W{i}"] = rng.normal(size=(n_in, n_out)) * np.sqrt(2.0 / (n_in + n_out))
        params[f"b{i}"] = np.zeros(n_out)
    return params


def forward(params, X):
    """Logits (n, classes) of the network for inputs X (n, 2)."""
    h1 = np.tanh(X @ params["W1"] + params["b1"])
    h2 = np.tanh(h1 @ params["W2"] + params["b2"])
    return h2 @ params["W3"] + params["b3"]


def log_softmax(logits):
    """log of the softmax over each row, as logits minus a stable log-sum-exp."""
    top = np.max(logits, axis=1, keepdims=True)
    return logits - top - np.log(np.sum(np.exp(logits - top), axis=1, keepdims=True))


def loss(params, X, y, l2):
    """Mean cross-entropy of integer labels y, plus (l2 / 2) times the squared weights."""
    log_p = log_softmax(forward(params, X))
    nll = -np.mean(log_p[np.arange(X.shape[0]), y])
    penalty = np.sum(params["W1"] ** 2) + np.sum(params["W2"] ** 2) + np.sum(params["W3"] ** 2)
    return nll + 0.5 * l2 * penalty


# (loss, {"W1": dloss/dW1, "b1": dloss/db1, ...}) from one run of the generated code.
loss_and_grad = s2sad.value_and_grad(loss)


def accuracy(params, X, y):
    return np.mean(np.argmax(forward(params, X), axis=1) == y)


def check_gradient(params, X, y, rng, per_param=3, eps=1e-6):
    """max |s2sad - central finite differences| over ``per_param`` random coordinates of
    every parameter."""
    _, grads = loss_and_grad(params, X, y, L2)
    worst = 0.0
    for name, value in params.items():
        for flat in rng.choice(value.size, size=min(per_param, value.size), replace=False):
            index = np.unravel_index(flat, value.shape)
            shifted = {k: v.copy() for k, v in params.items()}
            shifted[name][index] = value[index] + eps
            up = loss(shifted, X, y, L2)
            shifted[name][index] = value[index] - eps
            down = loss(shifted, X, y, L2)
            fd = (up - down) / (2 * eps)
            worst = max(worst, abs(grads[name][index] - fd))
    return worst


class Adam:
    """Adam (Kingma & Ba) over a dict of arrays: ``step`` returns the updated dict."""

    def __init__(self, params, lr, beta1=0.9, beta2=0.999, eps=1e-8):
        self.lr, self.beta1, self.beta2, self.eps = lr, beta1, beta2, eps
        self.m = {k: np.zeros_like(v) for k, v in params.items()}
        self.v = {k: np.zeros_like(v) for k, v in params.items()}
        self.t = 0

    def step(self, params, grads):
        self.t += 1
        new = {}
        for k in params:
            self.m[k] = self.beta1 * self.m[k] + (1 - self.beta1) * grads[k]
            self.v[k] = self.beta2 * self.v[k] + (1 - self.beta2) * grads[k] ** 2
            m_hat = self.m[k] / (1 - self.beta1**self.t)
            v_hat = self.v[k] / (1 - self.beta2**self.t)
            new[k] = params[k] - self.lr * m_hat / (np.sqrt(v_hat) + self.eps)
        return new


def save_pictures(losses, params, X, y):
    """The loss curve and the decision regions, as mlp_classifier.png."""

    def draw(plt):
        _, (left, right) = plt.subplots(1, 2, figsize=(10, 4.5))
        left.semilogy(np.arange(1, len(losses) + 1), losses)
        left.set(xlabel="Adam step", ylabel="training loss", title="cross-entropy + L2")
        grid = np.linspace(-1.2, 1.2, 300)
        gx, gy = np.meshgrid(grid, grid)
        regions = np.argmax(forward(params, np.column_stack([gx.ravel(), gy.ravel()])), axis=1)
        colors = ["tab:blue", "tab:orange", "tab:green"]  # one per class
        right.contourf(gx, gy, regions.reshape(gx.shape), levels=np.arange(N_CLASSES + 1) - 0.5,
                       colors=colors, alpha=0.25)
        right.scatter(X[:, 0], X[:, 1], c=[colors[k] for k in y], s=8)
        right.set(aspect="equal", title="decision regions and test points")

    save_figure("mlp_classifier", draw)


def main() -> int:
    rng = np.random.default_rng(0)
    X_train, y_train = make_spirals(rng, N_PER_CLASS)
    X_test, y_test = make_spirals(rng, N_PER_CLASS // 2)
    params = init_params(rng, [2, HIDDEN, HIDDEN, N_CLASSES])
    n_weights = sum(v.size for v in params.values())
    print(f"{len(y_train)} training and {len(y_test)} test points, {N_CLASSES} spirals; "
          f"MLP 2-{HIDDEN}-{HIDDEN}-{N_CLASSES} ({n_weights} parameters)")

    t0 = time.perf_counter()
    value, grads = loss_and_grad(params, X_train, y_train, L2)
    print(f"first gradient (incl. building the derivative code): {time.perf_counter() - t0:.2f} s")
    print("the gradient is a dict like the parameters: "
          + ", ".join(f"{k} {grads[k].shape}" for k in grads))
    grad_err = check_gradient(params, X_train, y_train, rng)
    print(f"gradient check on 3 coordinates of each parameter: "
          f"max |s2sad - finite differences| = {grad_err:.2e}")

    optimizer = Adam(params, LEARNING_RATE)
    losses = []
    t0 = time.perf_counter()
    for step in range(1, STEPS + 1):
        value, grads = loss_and_grad(params, X_train, y_train, L2)
        params = optimizer.step(params, grads)
        losses.append(value)
        if step % (STEPS // 10) == 0 or step == 1:
            print(f"step {step:5d}   loss {value:.4f}   train accuracy "
                  f"{accuracy(params, X_train, y_train):.3f}")
    seconds = time.perf_counter() - t0
    print(f"{STEPS} Adam steps in {seconds:.2f} s ({1e3 * seconds / STEPS:.2f} ms a step)")
    save_pictures(losses, params, X_test, y_test)

    test_acc = accuracy(params, X_test, y_test)
    ok = grad_err < 1e-7 and losses[-1] < 0.5 * losses[0] and test_acc > (0.9 if SMALL else 0.95)
    print(f"final training loss {losses[-1]:.4f}; test accuracy {test_acc:.3f}"
          + ("" if ok else "  -- UNEXPECTED"))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
