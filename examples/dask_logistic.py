"""Logistic regression on a Dask cluster: the data are Dask arrays chunked by rows, the
parameters stay NumPy arrays, and s2sad's gradient is a lazy graph that the cluster runs
chunk by chunk (the gradients of the chunks summed into one NumPy array).

Nothing here is Dask-specific on the s2sad side: the loss is the NumPy code you would
write for in-memory data, and the same `s2sad.value_and_grad(loss)` takes either kind of
array. Needs the optional extra (`pip install -e ".[dask]"`); skips politely without it.

    python examples/dask_logistic.py
"""

import os
import sys
import time

import numpy as np

import s2sad

SMALL = os.environ.get("S2SAD_EXAMPLES_SMALL") == "1"
N_SAMPLES, N_FEATURES, CHUNK_ROWS = (20_000, 8, 5_000) if SMALL else (1_000_000, 16, 125_000)
STEPS, LEARNING_RATE, L2 = (4 if SMALL else 30), 2.0, 1e-3


def loss(w, b, X, y):
    """Mean binary cross-entropy of a logistic model, plus a small L2 penalty on w."""
    z = X @ w + b
    return np.mean(np.logaddexp(0.0, z) - y * z) + 0.5 * L2 * np.sum(w**2)


def closed_form_gradient(w, b, X, y):
    """d loss / d (w, b) by hand, on NumPy arrays: X^T (sigmoid(z) - y) / n + L2 w."""
    r = 1.0 / (1.0 + np.exp(-(X @ w + b))) - y
    return X.T @ r / len(y) + L2 * w, np.mean(r)


def timed(f, *args):
    start = time.perf_counter()
    f(*args)
    return time.perf_counter() - start


def main() -> int:
    try:
        import dask
        import dask.array as da
        from dask.distributed import Client, LocalCluster
    except ImportError:
        print("Dask is not installed; this example needs the optional extra:\n"
              '    pip install -e ".[dask]"\nskipped')
        return 0

    true_w = np.random.default_rng(0).normal(size=N_FEATURES)

    # A cluster of one worker process would do as well; threads start in a moment and
    # close cleanly. On a real cluster: Client("tcp://scheduler:8786").
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=False,
                      dashboard_address=None) as cluster, Client(cluster) as client:
        threads = client.nthreads()
        print(f"cluster: {len(threads)} workers x {max(threads.values())} thread(s) "
              f"({type(cluster).__name__}, scheduler {cluster.scheduler_address})")

        # The data, in blocks of rows drawn on the workers and kept in their memory (data
        # on disk would come from da.from_zarr, dd.read_parquet(...).to_dask_array(), ...).
        rng = da.random.default_rng(0)
        X = rng.standard_normal((N_SAMPLES, N_FEATURES), chunks=(CHUNK_ROWS, N_FEATURES))
        noise = rng.standard_normal(N_SAMPLES, chunks=CHUNK_ROWS)
        y = (X @ true_w + 0.5 * noise > 0).astype(np.float64)  # labels in {0, 1}
        X, y = dask.persist(X, y)
        print(f"data: X {X.shape} in {X.numblocks[0]} chunks of {CHUNK_ROWS:,} rows "
              f"({X.nbytes / 2**20:.0f} MiB), y {y.shape}")
        X_host, y_host = dask.compute(X, y)  # a NumPy copy, only to check the numbers

        value_and_grad = s2sad.value_and_grad(loss, argnums=(0, 1))
        w, b = np.zeros(N_FEATURES), 0.0

        # The same function on the NumPy copy of the data (s2sad writes the gradient code
        # on this first call), and by hand.
        _, (hw, hb) = value_and_grad(w, b, X_host, y_host)
        cw, cb = closed_form_gradient(w, b, X_host, y_host)

        # Over Dask arrays the gradient is a lazy graph: nothing has run when it returns.
        start = time.perf_counter()
        lazy_value, (lazy_gw, lazy_gb) = value_and_grad(w, b, X, y)
        built = time.perf_counter() - start
        print(f"value_and_grad(w, b, X, y) returned a lazy dask array of "
              f"{len(dict(lazy_gw.__dask_graph__()))} tasks in {built * 1e3:.0f} ms")
        first, (gw, gb) = dask.compute(lazy_value, (lazy_gw, lazy_gb))
        err = max(np.max(np.abs(gw - hw)), abs(gb - hb))
        err_hand = max(np.max(np.abs(gw - cw)), abs(gb - cb))
        print(f"max |dask - numpy gradient| = {err:.1e}, "
              f"max |dask - closed form| = {err_hand:.1e}")

        # Gradient descent: each step builds the lazy gradient and computes it on the cluster.
        start = time.perf_counter()
        for step in range(1, STEPS + 1):
            value, (gw, gb) = dask.compute(*value_and_grad(w, b, X, y))
            w, b = w - LEARNING_RATE * gw, b - LEARNING_RATE * gb
            if step % max(1, STEPS // 6) == 0 or step == STEPS:
                print(f"step {step:3d}   loss {value:.6f}   |grad| {np.linalg.norm(gw):.2e}")
        per_step = (time.perf_counter() - start) / STEPS
        numpy_step = min(timed(value_and_grad, w, b, X_host, y_host) for _ in range(3))
        final, (gw, gb) = dask.compute(*value_and_grad(w, b, X, y))

    # Checked again at the final parameters, after the cluster has closed.
    cw, cb = closed_form_gradient(w, b, X_host, y_host)
    err = max(err, err_hand, np.max(np.abs(gw - cw)), abs(gb - cb))
    accuracy = np.mean(((X_host @ w + b) > 0) == (y_host > 0.5))
    cosine = w @ true_w / (np.linalg.norm(w) * np.linalg.norm(true_w))
    # Data this small fit in one process, where NumPy alone is faster; the cluster pays off
    # when they do not (tools/bench_dask.py: 4 GiB of rows on two workers of 1 GiB).
    print(f"{per_step * 1e3:.0f} ms per step on the cluster ({numpy_step * 1e3:.0f} ms in "
          f"NumPy on one process); accuracy {accuracy:.3f}; cos(w, true w) = {cosine:.4f}")
    ok = err < 1e-10 and final < first and cosine > 0.95
    print(f"loss went from {first:.6f} to {final:.6f}; max |dask - numpy gradient| = {err:.1e}"
          + ("" if ok else "  -- UNEXPECTED"))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
