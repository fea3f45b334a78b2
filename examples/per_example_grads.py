"""Per-example gradients with vmap(grad(loss), in_axes=(None, 0, 0)): DP-SGD-style
clipped training of a small MLP, then finding the mislabelled training points by
their gradient norms.

``loss`` is written for ONE example (a feature vector and a 0/1 label).
``s2sad.vmap(s2sad.grad(loss), in_axes=(None, 0, 0))`` maps it over the rows of X
and Y with the parameters shared (``None``): one call gives every example's
gradient, as generated batched NumPy code rather than a Python loop. The example
checks it against a loop of ``s2sad.grad`` calls (same numbers) and times both.

A few labels of the training set are flipped. Training clips each example's
gradient to norm C before averaging and adds Gaussian noise (the recipe of
DP-SGD), so no single point -- a mislabelled one included -- can pull the model far.
The trained model then fits the clean majority, and the points it disagrees with
most have the largest per-example gradient norms: ranking by norm finds the
flipped labels.

    python examples/per_example_grads.py
"""

import os
import sys
import time

import numpy as np

import s2sad
from _plotting import save_figure

SMALL = os.environ.get("S2SAD_EXAMPLES_SMALL") == "1"
N_SAMPLES = 1000 if SMALL else 4000
N_FEATURES, N_HIDDEN = 2, 16
N_FLIPPED = N_SAMPLES // 40  # 2.5% of the labels are wrong
STEPS = 1000  # a training step is a fraction of a millisecond: the same in the small run
BATCH = 100
CLIP = 1.0  # every example's gradient is clipped to this norm
NOISE = 0.5  # noise standard deviation, in units of CLIP (DP-SGD's noise multiplier)
LEARNING_RATE = 1.0

rng = np.random.default_rng(0)
X = rng.normal(size=(N_SAMPLES, N_FEATURES))
# the true label: inside the circle of radius sqrt(2 ln 2), which holds half the points
TRUE_Y = (np.sum(X**2, axis=1) < 2.0 * np.log(2.0)).astype(np.float64)
FLIPPED = rng.choice(N_SAMPLES, size=N_FLIPPED, replace=False)
Y = TRUE_Y.copy()
Y[FLIPPED] = 1.0 - Y[FLIPPED]  # the training set has N_FLIPPED wrong labels


def predict(params, x):
    """The MLP's logit for one example (x: features) or a batch (x: rows of features)."""
    hidden = np.tanh(x @ params["W1"] + params["b1"])
    return hidden @ params["w2"] + params["b2"]


def loss(params, x, y):
    """Binary cross-entropy of one example: log(1 + exp(z)) - y z, with z the logit."""
    z = predict(params, x)
    return np.logaddexp(0.0, z) - y * z


per_example_grads = s2sad.vmap(s2sad.grad(loss), in_axes=(None, 0, 0))
grad_one = s2sad.grad(loss)


def init_params():
    return {
        "W1": rng.normal(size=(N_FEATURES, N_HIDDEN)) / np.sqrt(N_FEATURES),
        "b1": np.zeros(N_HIDDEN),
        "w2": rng.normal(size=N_HIDDEN) / np.sqrt(N_HIDDEN),
        "b2": 0.0,
    }


def norms(grads):
    """The Euclidean norm of each example's gradient, over all parameters."""
    squares = [np.sum(g.reshape(len(g), -1) ** 2, axis=1) for g in grads.values()]
    return np.sqrt(sum(squares))


def loop_of_grads(params, X, Y):
    """The same per-example gradients, one grad call per example, stacked."""
    each = [grad_one(params, x, y) for x, y in zip(X, Y)]
    return {name: np.stack([g[name] for g in each]) for name in params}


def best_time(fn, repeats):
    best = np.inf
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - start)
    return best


def central_differences(f, params, eps=1e-6):
    """d f / d params by central differences, one coordinate at a time."""
    out = {}
    for name, p in params.items():
        p = np.asarray(p, dtype=np.float64)
        g = np.zeros_like(p)
        for i in np.ndindex(p.shape):
            plus, minus = dict(params), dict(params)
            plus[name], minus[name] = p.copy(), p.copy()
            plus[name][i] += eps
            minus[name][i] -= eps
            g[i] = (f(plus) - f(minus)) / (2 * eps)
        out[name] = g
    return out


def main() -> int:
    params = init_params()

    # 1. One call, every example's gradient: a dict like params, each leaf with a
    #    leading axis of N_SAMPLES. Against a loop of grad calls and finite differences.
    G = per_example_grads(params, X, Y)
    G_loop = loop_of_grads(params, X, Y)
    loop_err = max(np.max(np.abs(G[name] - G_loop[name])) for name in params)
    fd = central_differences(lambda p: loss(p, X[0], Y[0]), params)
    fd_err = max(np.max(np.abs(G[name][0] - fd[name])) for name in params)
    print("per-example gradient shapes: "
          + ", ".join(f"{name} {G[name].shape}" for name in params))
    print(f"max |vmap(grad) - loop of grad|          = {loop_err:.1e}")
    print(f"max |example 0 - finite differences|     = {fd_err:.1e}")

    t_vmap = best_time(lambda: per_example_grads(params, X, Y), 20)
    t_loop = best_time(lambda: loop_of_grads(params, X, Y), 3)
    print(f"{N_SAMPLES} per-example gradients: vmap(grad) {1e3 * t_vmap:.2f} ms, "
          f"loop of grad {1e3 * t_loop:.1f} ms, speed-up {t_loop / t_vmap:.0f}x")

    # 2. DP-SGD-style training: clip each example's gradient to norm CLIP, average the
    #    batch, add Gaussian noise of standard deviation NOISE * CLIP / BATCH. (Only the
    #    mechanics: real DP-SGD also samples batches by Poisson sampling and accounts
    #    for the privacy budget spent.)
    print(f"\ntraining on {N_SAMPLES} points, {N_FLIPPED} of them with flipped labels")
    for step in range(1, STEPS + 1):
        batch = rng.choice(N_SAMPLES, size=BATCH, replace=False)
        G = per_example_grads(params, X[batch], Y[batch])
        scale = np.minimum(1.0, CLIP / np.maximum(norms(G), 1e-12))  # per-example clipping
        for name in params:
            clipped = G[name] * scale.reshape((-1,) + (1,) * (G[name].ndim - 1))
            noise = NOISE * CLIP * rng.normal(size=np.shape(params[name]))
            params[name] = params[name] - LEARNING_RATE * (np.sum(clipped, axis=0) + noise) / BATCH
        if step % (STEPS // 5) == 0:
            train_loss = np.mean(np.logaddexp(0.0, predict(params, X)) - Y * predict(params, X))
            accuracy = np.mean((predict(params, X) > 0) == (TRUE_Y > 0.5))
            print(f"step {step:4d}   training loss {train_loss:.4f}   "
                  f"accuracy on the true labels {accuracy:.3f}   "
                  f"clipped {np.mean(scale < 1.0):.0%} of the batch")
    accuracy = np.mean((predict(params, X) > 0) == (TRUE_Y > 0.5))

    # 3. The largest per-example gradient norms of the trained model point at the
    #    examples it disagrees with most: the flipped labels.
    norm = norms(per_example_grads(params, X, Y))
    suspects = np.argsort(norm)[::-1][:N_FLIPPED]
    found = np.isin(suspects, FLIPPED)
    print("\nthe largest of the trained model's gradient norms (* = a flipped label):")
    for i, is_flipped in list(zip(suspects, found))[:10]:
        print(f"   example {i:4d}   |grad| {norm[i]:.3f}   label {Y[i]:.0f}   "
              f"p(y=1) {1 / (1 + np.exp(-predict(params, X[i]))):.3f}" + ("  *" if is_flipped else ""))
    print(f"   ... median |grad| over all examples {np.median(norm):.3f}")
    save_picture(params, suspects)

    # a random pick of N_FLIPPED examples would hold 2.5% flipped labels
    ok = loop_err < 1e-12 and fd_err < 1e-6 and accuracy > 0.93 and found.mean() >= 0.4
    print(f"{found.sum()}/{N_FLIPPED} of the largest per-example gradient norms are flipped labels "
          f"(accuracy on the true labels {accuracy:.3f}; vmap {t_loop / t_vmap:.0f}x faster than a loop)"
          + ("" if ok else "  -- UNEXPECTED"))
    return 0 if ok else 1


def save_picture(params, suspects):
    """The data, the learned boundary, the flipped labels and the top gradient norms, as
    per_example_grads.png."""

    def draw(plt):
        grid = np.linspace(-3.5, 3.5, 200)
        gx, gy = np.meshgrid(grid, grid)
        z = predict(params, np.stack([gx.ravel(), gy.ravel()], axis=1)).reshape(gx.shape)
        _, ax = plt.subplots(figsize=(6, 6))
        ax.contour(gx, gy, z, levels=[0.0], colors="k")
        ax.scatter(X[:, 0], X[:, 1], c=Y, s=6, cmap="coolwarm", label="training label (red 1, blue 0)")
        ax.scatter(X[FLIPPED, 0], X[FLIPPED, 1], marker="x", c="k", s=30, label="flipped label")
        ax.scatter(X[suspects, 0], X[suspects, 1], facecolors="none", edgecolors="g", s=80,
                   label="largest |per-example gradient|")
        ax.set_xlim(-3.5, 3.5)
        ax.set_ylim(-3.5, 3.5)
        ax.set_aspect("equal")
        ax.legend(loc="upper right", fontsize=8)
        ax.set_title("DP-SGD-trained MLP: the learned boundary and the suspects")

    save_figure("per_example_grads", draw)


if __name__ == "__main__":
    sys.exit(main())
