"""Benchmark: per-example gradients with ``s2sad.vmap(s2sad.grad(loss))`` (issue 12).

    python tools/bench_vmap.py [--quick] [--examples N] [--json FILE]

Two models, 1,000 examples each, the gradient of each example's loss with respect to
the (shared) parameters:

* logistic regression, ``log(1 + exp(-y * (x @ w)))``, 20 features;
* a small MLP, ``tanh(W1 @ x + b1)`` (32 hidden units), ``W2 @ h + b2`` (3 outputs),
  squared error; parameters a tuple ``(W1, b1, W2, b2)``.

Compared, after checking every result against the hand-written one:

* ``vmap(grad(loss), in_axes=(None, 0, 0))``: one generated batched call;
* a Python loop of ``grad(loss)`` calls, one per example, stacked;
* a hand-written batched NumPy gradient (the formulas of backpropagation on arrays with
  the examples on axis 0).

Reported: median time per evaluation over several runs, and the ratios.
Targets (issue 12): vmap(grad) >= 20x faster than the loop, <= 1.5x the hand-written.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time

import _timing as T
import numpy as np

import s2sad


# --------------------------------------------------------------------------- models


def logistic_loss(w, x, y):
    z = x @ w
    return np.log(1.0 + np.exp(-y * z))


def logistic_hand(w, X, Y):
    """d/dw log(1 + exp(-y z)) = -y sigmoid(-y z) x, one row per example."""
    z = X @ w
    s = -Y / (1.0 + np.exp(Y * z))
    return s[:, None] * X


def mlp_loss(params, x, y):
    W1, b1, W2, b2 = params
    h = np.tanh(W1 @ x + b1)
    out = W2 @ h + b2
    return 0.5 * np.sum((out - y) ** 2)


def mlp_hand(params, X, Y):
    """Backpropagation with the examples on axis 0; gradients of W stacked per example."""
    W1, b1, W2, b2 = params
    H = np.tanh(X @ W1.T + b1)
    dO = H @ W2.T + b2 - Y
    dH = (dO @ W2) * (1.0 - H * H)
    return (dH[:, :, None] * X[:, None, :], dH, dO[:, :, None] * H[:, None, :], dO)


# --------------------------------------------------------------------------- timing


def median_time(fn, runs: int) -> float:
    """Median seconds per call of ``fn()`` over ``runs`` runs, each a loop long enough to
    time (``_timing.best_time`` picks the loop count and warms up)."""
    per_call = T.best_time(fn, repeat=1)
    number = max(1, int((0.02 if T.QUICK else 0.1) / max(per_call, 1e-9)))
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        for _ in range(number):
            fn()
        samples.append((time.perf_counter() - start) / number)
    return statistics.median(samples)


def looped(grad_fn, params, X, Y):
    outs = [grad_fn(params, x, y) for x, y in zip(X, Y)]
    if isinstance(outs[0], tuple):
        return tuple(np.stack(parts) for parts in zip(*outs))
    return np.stack(outs)


def bench(name, loss, hand, params, X, Y, runs: int) -> dict:
    per_example = s2sad.vmap(s2sad.grad(loss), in_axes=(None, 0, 0))
    grad = s2sad.grad(loss)
    want = hand(params, X, Y)
    T.check_close(f"{name}: vmap(grad)", per_example(params, X, Y), want, rtol=1e-9)
    T.check_close(f"{name}: loop of grad", looped(grad, params, X, Y), want, rtol=1e-9)
    return {
        "vmap(grad)": median_time(lambda: per_example(params, X, Y), runs),
        "loop of grad": median_time(lambda: looped(grad, params, X, Y), max(3, runs // 3)),
        "hand-written": median_time(lambda: hand(params, X, Y), runs),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer, shorter runs")
    parser.add_argument("--examples", type=int, default=1000)
    parser.add_argument("--json", help="write the results here")
    args = parser.parse_args()
    rng = np.random.default_rng(0)
    n, runs = args.examples, 5 if T.QUICK else 15
    d = 20
    w, X = rng.standard_normal(d), rng.standard_normal((n, d))
    Y = np.sign(rng.standard_normal(n))
    din, hidden, dout = 10, 32, 3
    params = (rng.standard_normal((hidden, din)) / 3, rng.standard_normal(hidden) / 3,
              rng.standard_normal((dout, hidden)) / 6, rng.standard_normal(dout) / 6)
    Xm, Ym = rng.standard_normal((n, din)), rng.standard_normal((n, dout))
    results = {
        f"logistic regression ({d} features)": bench("logistic", logistic_loss,
                                                     logistic_hand, w, X, Y, runs),
        f"MLP {din}-{hidden}-{dout} (tanh)": bench("mlp", mlp_loss, mlp_hand, params, Xm, Ym,
                                                  runs),
    }
    print(f"per-example gradients of {n} examples, median of {runs} runs; {T.machine_line()}")
    rows = []
    for model, r in results.items():
        rows.append([model, T.fmt_time(r["vmap(grad)"]), T.fmt_time(r["loop of grad"]),
                     T.fmt_time(r["hand-written"]),
                     T.fmt_ratio(r["loop of grad"], r["vmap(grad)"]),
                     T.fmt_ratio(r["vmap(grad)"], r["hand-written"])])
    T.print_table(["model", "vmap(grad)", "loop of grad", "hand-written", "loop / vmap",
                   "vmap / hand"], rows)
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"examples": n, "results": results}, f, indent=2)


if __name__ == "__main__":
    main()
