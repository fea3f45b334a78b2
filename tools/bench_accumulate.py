"""Benchmark: a loop's scatter-adds accumulated in place (issue 10, ``transforms/accumulate.py``).

    python tools/bench_accumulate.py [--quick] [--steps N] [--hidden H]

The gradient w.r.t. the inputs ``xs`` of an RNN, ``h = tanh(W @ h + xs[i])`` for
``i < n`` (n = 2000, h of size 100 by default). The reverse sweep reads ``xs[i]`` once per
step: without the pass each step adds a whole ``zeros_like(xs)`` with one row set
(``O(n * size(xs))`` in all, quadratic in ``n``); with it one row is added in place.

Columns: the primal, a hand-written NumPy backward loop, s2sad's specialized gradient as
it is (the pass on) and the same module built with the pass off (built here, outside the
disk cache). The three gradients are checked against each other first.
"""

from __future__ import annotations

import sys

import _timing as T
import numpy as np

import s2sad
from s2sad import pipeline
from s2sad.api import _generated, _plain_signature
from s2sad.transforms import accumulate


def _option(name: str, default: int) -> int:
    for i, arg in enumerate(sys.argv):
        if arg == name and i + 1 < len(sys.argv):
            return int(sys.argv[i + 1])
    return default


STEPS = _option("--steps", 200 if T.QUICK else 2000)
HIDDEN = _option("--hidden", 100)


def rnn(xs, W, h):
    for i in range(xs.shape[0]):
        h = np.tanh(W @ h + xs[i])
    return np.sum(h)


def rnn_grad_hand(xs, W, h):
    """Store the states, walk them back; each step writes its row of the gradient."""
    hs = [h]
    for i in range(xs.shape[0]):
        h = np.tanh(W @ h + xs[i])
        hs.append(h)
    bxs = np.zeros_like(xs)
    bh = np.ones_like(h)
    for i in range(xs.shape[0] - 1, -1, -1):
        bz = bh * (1.0 - hs[i + 1] * hs[i + 1])  # d tanh = 1 - tanh^2
        bxs[i] = bz
        bh = W.T @ bz
    return bxs


def without_the_pass(fn, args):
    """The specialized gradient module built with ``accumulate.in_place`` off (never cached)."""
    spec = pipeline.Spec("grad", 0, signature=_plain_signature(args))
    keep = accumulate.in_place
    accumulate.in_place = lambda f: f
    try:
        generated = pipeline._build(fn, spec, cached=False)[0]
    finally:
        accumulate.in_place = keep
    assert "_rt.add_at" not in generated.source
    return generated.entry


def main() -> None:
    rng = np.random.default_rng(0)
    xs = rng.normal(size=(STEPS, HIDDEN))
    W = rng.normal(size=(HIDDEN, HIDDEN)) / np.sqrt(HIDDEN)
    h0 = np.zeros(HIDDEN)
    args = (xs, W, h0)
    grad = s2sad.grad(rnn)
    before = without_the_pass(rnn, args)
    spec = pipeline.Spec("grad", 0, signature=_plain_signature(args))
    assert "_rt.add_at" in _generated(rnn, spec).source  # what ``grad(*args)`` runs
    want = rnn_grad_hand(*args)
    T.check_close("after (the pass on)", grad(*args), want)
    T.check_close("before (the pass off)", before(*args), want)
    t_primal = T.best_time(lambda: rnn(*args))
    t_hand = T.best_time(lambda: rnn_grad_hand(*args))
    t_after = T.best_time(lambda: grad(*args))
    t_before = T.best_time(lambda: before(*args), repeat=3)
    print(T.machine_line())
    print(f"RNN over xs: n = {STEPS} steps, h = {HIDDEN}; d sum(h_n) / d xs\n")
    T.print_table(["primal", "hand grad", "before", "after", "before/hand", "after/hand",
                   "before/after"],
                  [[T.fmt_time(t_primal), T.fmt_time(t_hand), T.fmt_time(t_before),
                    T.fmt_time(t_after), T.fmt_ratio(t_before, t_hand),
                    T.fmt_ratio(t_after, t_hand), T.fmt_ratio(t_before, t_after)]])


if __name__ == "__main__":
    main()
