"""Benchmark: the gradient of a long ``s2sad.scan``, with and without checkpointing (issue 11).

    python tools/bench_scan.py [--quick] [--steps N] [--width D]

A 10,000-step scan whose carry is 1,000 floats (a damped nonlinear relaxation,
``h <- h + dt * tanh(a * h + b) - dt * c * h``), loss ``sum(h_T ** 2)``, gradient
w.r.t. ``(a, b, h0)``. Compared, after checking every gradient against the
hand-written one:

* a careful hand-written NumPy backward loop (stores the trajectory, walks it back);
* s2sad's gradient of the scan, unchecked;
* the same with ``checkpoint="sqrt"`` and ``checkpoint=100``.

Reported: time per gradient (best of a few runs) and peak memory during one gradient
(``tracemalloc``: Python objects and NumPy buffers), and both as ratios.
Targets (issue 11): unchecked ≤ 1.3x hand-written; checkpointed peak memory ≤ 5%
of the unchecked, its time ≤ 2.5x the unchecked.
"""

from __future__ import annotations

import argparse
import json

import _timing as T
import numpy as np

import s2sad

DT, DAMP = 0.01, 0.5


def relax(a, b, h0, steps):
    def step(h, _):
        return h + DT * np.tanh(a * h + b) - (DT * DAMP) * h, None

    h, _ = s2sad.scan(step, h0, None, length=steps)
    return np.sum(h * h)


def relax_sqrt(a, b, h0, steps):
    def step(h, _):
        return h + DT * np.tanh(a * h + b) - (DT * DAMP) * h, None

    h, _ = s2sad.scan(step, h0, None, length=steps, checkpoint="sqrt")
    return np.sum(h * h)


def relax_100(a, b, h0, steps):
    def step(h, _):
        return h + DT * np.tanh(a * h + b) - (DT * DAMP) * h, None

    h, _ = s2sad.scan(step, h0, None, length=steps, checkpoint=100)
    return np.sum(h * h)


def relax_grad_hand(a, b, h0, steps):
    """Forward: keep each step's h and tanh; backward: walk them back."""
    hs, zs = [], []
    h = h0
    for _ in range(steps):
        z = np.tanh(a * h + b)
        hs.append(h)
        zs.append(z)
        h = h + DT * z - (DT * DAMP) * h
    gh = 2.0 * h
    ga = np.zeros_like(a)
    gb = np.zeros_like(b)
    for h, z in zip(reversed(hs), reversed(zs)):
        gu = gh * DT * (1.0 - z * z)  # d tanh(u) = 1 - tanh(u)^2
        ga += gu * h
        gb += gu
        gh = gh * (1.0 - DT * DAMP) + gu * a
    return ga, gb, gh


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=1000 if T.QUICK else 10_000)
    parser.add_argument("--width", type=int, default=1000)
    parser.add_argument("--json", help="write the results here")
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    n, d = args.steps, args.width
    rng = np.random.default_rng(0)
    a, b, h0 = rng.normal(size=d), 0.1 * rng.normal(size=d), rng.normal(size=d)

    hand = relax_grad_hand(a, b, h0, n)
    rows = {"hand-written NumPy": lambda: relax_grad_hand(a, b, h0, n)}
    for label, fn in (("s2sad scan", relax), ("s2sad checkpoint='sqrt'", relax_sqrt),
                      ("s2sad checkpoint=100", relax_100)):
        grad = s2sad.grad(fn, argnums=(0, 1, 2))
        got = grad(a, b, h0, n)
        for g, want in zip(got, hand):
            np.testing.assert_allclose(g, want, rtol=1e-9, atol=1e-12)
        rows[label] = (lambda grad=grad: grad(a, b, h0, n))

    results = {}
    for label, call in rows.items():
        results[label] = {"seconds": T.best_time(call, repeat=3, min_time=0.01),
                          "peak_bytes": T.peak_memory(call)}
    base_t = results["hand-written NumPy"]["seconds"]
    base_m = results["s2sad scan"]["peak_bytes"]
    base_s = results["s2sad scan"]["seconds"]
    print(f"scan of {n} steps, carry of {d} floats; gradient w.r.t. (a, b, h0)")
    print(f"{'':26} {'ms':>9} {'/ hand':>8} {'/ unchecked':>12} {'peak MB':>9} "
          f"{'/ unchecked':>12}")
    for label, r in results.items():
        print(f"{label:26} {r['seconds'] * 1e3:9.1f} {r['seconds'] / base_t:8.2f} "
              f"{r['seconds'] / base_s:12.2f} {r['peak_bytes'] / 2**20:9.1f} "
              f"{r['peak_bytes'] / base_m:12.3f}")
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"steps": n, "width": d, "results": results}, f, indent=2)


if __name__ == "__main__":
    main()
