"""Benchmark: the CuPy backend on a GPU (issue 13).

    python tools/bench_cupy.py [--quick] [--n N] [--fake]

Two gradients, each three ways: s2sad's CuPy module (``backend="cupy"``), a hand-written
CuPy gradient, and s2sad's NumPy module on the CPU.

* Rosenbrock, ``sum(100 (x[1:] - x[:-1]**2)**2 + (1 - x[:-1])**2)``, n = 1e7 floats;
* an MLP's softmax cross-entropy (``tests/corpus/straight.py: mlp_loss``), 65,536
  examples, 512 -> 1024 -> 10, gradient w.r.t. every parameter.

GPU times include a device synchronisation at the end of each call (what a training step
waits for). The three results are checked against each other first. ``--fake`` runs
with NumPy standing in for CuPy (``tests/fake_cupy.py``: the numbers are checked, the
times mean nothing): how CI runs this script without a GPU.
"""

from __future__ import annotations

import sys
from pathlib import Path

import _timing as T
import numpy as np

import s2sad

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))  # the corpus' functions, as the tests run them
from corpus.straight import mlp_loss, rosenbrock  # noqa: E402


def _option(name: str, default: float) -> float:
    """``--name VALUE`` from the command line (``default`` when absent)."""
    args = sys.argv[1:]
    return float(args[args.index(name) + 1]) if name in args[:-1] else default


N = int(_option("--n", 100_000 if T.QUICK else 10_000_000))
MLP = (512, 16, 8, 4) if T.QUICK else (65_536, 512, 1024, 10)  # examples, in, hidden, out


def rosenbrock_grad_hand(cp, x):
    r = x[1:] - x[:-1] ** 2
    g = cp.zeros_like(x)
    g[:-1] = -400.0 * x[:-1] * r - 2.0 * (1.0 - x[:-1])
    g[1:] += 200.0 * r
    return g


def mlp_grad_hand(cp, params, X, Y):
    """Backpropagation written out: d logits = (softmax * sum(Y) - Y) / n."""
    h = cp.tanh(X @ params["W1"] + params["b1"])
    logits = h @ params["W2"] + params["b2"]
    logits = logits - cp.max(logits, axis=1, keepdims=True)
    p = cp.exp(logits)
    p /= cp.sum(p, axis=1, keepdims=True)
    d_logits = (p * cp.sum(Y, axis=1, keepdims=True) - Y) / X.shape[0]
    d_h = (d_logits @ params["W2"].T) * (1.0 - h * h)  # d tanh = 1 - tanh^2
    return {"W1": X.T @ d_h, "b1": cp.sum(d_h, axis=0),
            "W2": h.T @ d_logits, "b2": cp.sum(d_logits, axis=0)}


def _cupy():
    if "--fake" in sys.argv:
        import fake_cupy

        fake_cupy.install()
    import cupy

    return cupy


def _device_name(cp) -> str:
    if "--fake" in sys.argv:
        return "fake cupy (NumPy numbers on the CPU: the times are not a GPU's)"
    props = cp.cuda.runtime.getDeviceProperties(cp.cuda.Device().id)
    name = props["name"].decode() if isinstance(props["name"], bytes) else props["name"]
    return f"{name}, cupy {cp.__version__}"


def _to_device(cp, tree):
    if isinstance(tree, dict):
        return {k: cp.asarray(v) for k, v in tree.items()}
    return cp.asarray(tree)


def _host(cp, tree):
    if isinstance(tree, dict):
        return {k: cp.asnumpy(v) for k, v in tree.items()}
    return cp.asnumpy(tree)


def _case(cp, name, fn, hand, args):
    device = tuple(_to_device(cp, a) for a in args)
    on_gpu = s2sad.grad(fn, backend="cupy")
    on_cpu = s2sad.grad(fn)
    want = on_cpu(*args)
    T.check_close(f"{name}: s2sad cupy", _host(cp, on_gpu(*device)), want, rtol=1e-9)
    T.check_close(f"{name}: hand-written cupy", _host(cp, hand(cp, *device)), want, rtol=1e-9)
    sync = cp.cuda.Device().synchronize if hasattr(cp.cuda, "Device") else (lambda: None)
    t_gpu = T.best_time(lambda: (on_gpu(*device), sync()))
    t_hand = T.best_time(lambda: (hand(cp, *device), sync()))
    t_cpu = T.best_time(lambda: on_cpu(*args), repeat=3)
    return [name, T.fmt_time(t_gpu), T.fmt_time(t_hand), T.fmt_time(t_cpu),
            T.fmt_ratio(t_gpu, t_hand), T.fmt_ratio(t_cpu, t_gpu)]


def main() -> None:
    cp = _cupy()
    rng = np.random.default_rng(0)
    x = rng.uniform(-1.5, 1.5, size=N)
    n, d, h, k = MLP
    params = {"W1": rng.normal(size=(d, h)) / np.sqrt(d), "b1": np.zeros(h),
              "W2": rng.normal(size=(h, k)) / np.sqrt(h), "b2": np.zeros(k)}
    X = rng.normal(size=(n, d))
    Y = np.eye(k)[rng.integers(0, k, n)]
    rows = [_case(cp, f"rosenbrock n={N:.0e}", rosenbrock, rosenbrock_grad_hand, (x,)),
            _case(cp, f"mlp {n}x{d}->{h}->{k}", mlp_loss, mlp_grad_hand, (params, X, Y))]
    print(T.machine_line() + ", " + _device_name(cp))
    T.print_table(["gradient", "s2sad cupy", "hand cupy", "s2sad numpy (CPU)",
                   "s2sad/hand", "CPU/GPU"], rows)


if __name__ == "__main__":
    main()
