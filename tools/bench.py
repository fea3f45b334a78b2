"""Benchmark: s2sad gradients vs careful hand-written NumPy gradients vs the primal.

    python tools/bench.py [--quick]

For each case it checks that s2sad's gradient equals the hand-written one, then
times the primal, the s2sad gradient (``s2sad.grad(f, argnums=...)``, built once,
outside the timing) and the hand-written gradient, best of several runs. HIPS
autograd and JAX (jit, float64) columns appear when those are installed.

Note (glibc): arrays above the malloc mmap threshold are mapped fresh and
page-faulted on every call, which can dominate large cases (the more
temporaries a gradient keeps alive, the more it pays). To see the arithmetic
alone, run with ``MALLOC_MMAP_THRESHOLD_=4294967296 MALLOC_TRIM_THRESHOLD_=4294967296``;
report which setting your figures used.
"""

from __future__ import annotations

import types

import _timing as T
import numpy as np

import s2sad

# --------------------------------------------------------------------------- the functions


def rosenbrock(x):
    a = x[:-1]
    b = x[1:]
    return np.sum(100.0 * (b - a**2) ** 2 + (1.0 - a) ** 2)


def rosenbrock_grad_hand(x):
    a = x[:-1]
    t = x[1:] - a * a
    g = np.zeros_like(x)
    g[:-1] = -400.0 * a * t - 2.0 * (1.0 - a)
    g[1:] += 200.0 * t
    return g


def logistic(w, X, y):
    z = X @ w
    return np.mean(np.logaddexp(0.0, z) - y * z)


def logistic_grad_hand(w, X, y):
    z = X @ w
    p = 0.5 * (1.0 + np.tanh(0.5 * z))  # sigmoid, stable for any z
    return X.T @ (p - y) / y.shape[0]


def mlp(W1, b1, W2, b2, X, Y):
    h = np.tanh(X @ W1 + b1)
    logits = h @ W2 + b2
    m = np.max(logits, axis=1, keepdims=True)
    lse = m + np.log(np.sum(np.exp(logits - m), axis=1, keepdims=True))
    return -np.mean(np.sum(Y * (logits - lse), axis=1))


def mlp_grad_hand(W1, b1, W2, b2, X, Y):
    h = np.tanh(X @ W1 + b1)
    logits = h @ W2 + b2
    e = np.exp(logits - logits.max(axis=1, keepdims=True))
    p = e / e.sum(axis=1, keepdims=True)
    dlogits = (p * Y.sum(axis=1, keepdims=True) - Y) / X.shape[0]
    dW2 = h.T @ dlogits
    db2 = dlogits.sum(axis=0)
    da = (dlogits @ W2.T) * (1.0 - h * h)
    dW1 = X.T @ da
    db1 = da.sum(axis=0)
    return dW1, db1, dW2, db2


# --------------------------------------------------------------------------- the cases


def cases():
    rng = np.random.default_rng(0)
    for n in (1_000, 100_000):
        yield f"rosenbrock n={n}", rosenbrock, rosenbrock_grad_hand, 0, (
            rng.uniform(-1.0, 1.0, n),)
    X = rng.normal(size=(10_000, 100))
    y = (rng.uniform(size=10_000) < 0.5).astype(np.float64)
    yield "logistic 10000x100", logistic, logistic_grad_hand, 0, (
        0.1 * rng.normal(size=100), X, y)
    Xm = rng.normal(size=(256, 784))
    Ym = np.eye(10)[rng.integers(0, 10, size=256)]
    params = (rng.normal(size=(784, 256)) / 28.0, np.zeros(256),
              rng.normal(size=(256, 10)) / 16.0, np.zeros(10))
    yield "mlp 256x784-256-10", mlp, mlp_grad_hand, (0, 1, 2, 3), (*params, Xm, Ym)


def with_numpy(fn, module):
    """``fn`` re-bound to another NumPy-compatible module (autograd.numpy, jax.numpy)."""
    return types.FunctionType(fn.__code__, {**fn.__globals__, "np": module}, fn.__name__,
                              fn.__defaults__, fn.__closure__)


def other_columns():
    """(name, make(fn, argnums) -> gradient callable) for installed comparison libraries."""
    out = []
    autograd = T.optional_module("autograd")
    if autograd is not None:
        anp = T.optional_module("autograd.numpy")
        out.append(("autograd", lambda f, nums: autograd.grad(with_numpy(f, anp), nums)))
    jax = T.optional_module("jax")
    if jax is not None:
        jax.config.update("jax_enable_x64", True)
        jnp = T.optional_module("jax.numpy")

        def make(f, nums):
            g = jax.jit(jax.grad(with_numpy(f, jnp), nums))
            return lambda *a: jax.block_until_ready(g(*a))
        out.append(("jax.jit", make))
    return out


def call_overhead() -> str | None:
    """Per-call cost of a transformed function over the generated function it runs."""
    def tiny(x):
        return x * x

    g = s2sad.grad(tiny)
    entry = getattr(g, "entry", None)
    if entry is None:
        return None
    t_wrapped = T.best_time(lambda: g(3.0))
    t_entry = T.best_time(lambda: entry(3.0))
    return (f"call overhead of s2sad.grad(f) over its generated function: "
            f"{T.fmt_time(t_wrapped - t_entry)} per call "
            f"({T.fmt_time(t_wrapped)} vs {T.fmt_time(t_entry)}, f(x) = x * x on a float)")


def main() -> None:
    others = other_columns()
    headers = ["case", "primal", "s2sad grad", "hand grad", "grad/hand", "grad/primal"]
    headers += [name for name, _ in others]
    rows = []
    for name, f, hand, argnums, args in cases():
        g = s2sad.grad(f, argnums=argnums)
        T.check_close(name, g(*args), hand(*args))
        t_primal = T.best_time(lambda: f(*args))
        t_grad = T.best_time(lambda: g(*args))
        t_hand = T.best_time(lambda: hand(*args))
        row = [name, T.fmt_time(t_primal), T.fmt_time(t_grad), T.fmt_time(t_hand),
               T.fmt_ratio(t_grad, t_hand), T.fmt_ratio(t_grad, t_primal)]
        for oname, make in others:
            other = make(f, argnums)
            T.check_close(f"{name} ({oname})", other(*args), hand(*args), rtol=1e-6)
            row.append(T.fmt_time(T.best_time(lambda: other(*args))))
        rows.append(row)
        print(f"  done: {name}", flush=True)
    print()
    print(f"s2sad {s2sad.__version__}; {T.machine_line()}; best of "
          f"{'3 (quick)' if T.QUICK else '7'} runs")
    T.print_table(headers, rows)
    overhead = call_overhead()
    if overhead:
        print("\n" + overhead)


if __name__ == "__main__":
    main()
