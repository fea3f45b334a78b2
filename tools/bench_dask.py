"""Benchmark: a gradient over more data than one Dask worker may hold (issue 13).

    python tools/bench_dask.py [--quick] [--gib G] [--worker-gib W]

Logistic regression, ``mean(logaddexp(0, X @ w) - y * z) + 0.01 |w|^2``, gradient w.r.t.
``w`` (64 features) over ``G`` GiB of float64 rows (default 4) that never exist in one
process: each 64 MiB chunk of ``X`` is drawn on a worker (``dask.array.random``), and the
generated gradient (s2sad's NumPy module, called with Dask arrays) is a lazy graph of
per-chunk forward and reverse work whose ``w`` cotangents are summed across chunks. It
runs on a ``LocalCluster`` of 2 worker processes limited to ``W`` GiB each (default 1).
Reports the time of the computation and the peak resident memory of each worker
(sampled every 0.2 s), and checks the gradient against the same computation run
chunk by chunk with NumPy.
"""

from __future__ import annotations

import sys
import threading
import time

import _timing as T
import numpy as np

import s2sad


def _option(name: str, default: float) -> float:
    """``--name VALUE`` from the command line (``default`` when absent)."""
    args = sys.argv[1:]
    return float(args[args.index(name) + 1]) if name in args[:-1] else default


GIB = _option("--gib", 0.25 if T.QUICK else 4.0)
WORKER_GIB = _option("--worker-gib", 1.0)
D = 64
CHUNK_ROWS = 2 ** 17  # 64 MiB of float64 rows


def logistic(w, X, y):
    z = X @ w
    return np.mean(np.logaddexp(0.0, z) - y * z) + 0.01 * np.sum(w ** 2)


def _data(da, rows: int):
    rng = da.random.default_rng(0)
    X = rng.standard_normal((rows, D), chunks=(CHUNK_ROWS, D))
    w_true = np.linspace(-1.0, 1.0, D)
    y = (X @ w_true > 0).astype(np.float64)  # labels from the same chunks
    return X, y


def _reference(X, y, w):
    """The same gradient, one chunk at a time on NumPy (the chunks computed here again)."""
    n = X.shape[0]
    total = np.zeros(D)
    for k in range(X.numblocks[0]):
        Xk, yk = X.blocks[k].compute(scheduler="sync"), y.blocks[k].compute(scheduler="sync")
        z = Xk @ w
        total += Xk.T @ ((1.0 / (1.0 + np.exp(-z))) - yk)
    return total / n + 0.02 * w


def _rss() -> int:
    """The resident memory of the process it runs in (a worker, through ``client.run``)."""
    import psutil

    return psutil.Process().memory_info().rss


class _PeakMemory:
    """Samples every worker's resident memory while the computation runs."""

    def __init__(self, client):
        self.client, self.peak, self._stop = client, {}, threading.Event()

    def _loop(self):
        while not self._stop.is_set():
            try:
                for worker, rss in self.client.run(_rss).items():
                    self.peak[worker] = max(self.peak.get(worker, 0), rss)
            except Exception:  # noqa: BLE001 - a worker restarting: the next sample
                pass
            time.sleep(0.2)

    def __enter__(self):
        self._thread = threading.Thread(target=self._loop, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()


def main() -> None:
    import dask
    import dask.array as da
    from dask.distributed import Client, LocalCluster

    rows = int(GIB * 2 ** 30 / (8 * D)) // CHUNK_ROWS * CHUNK_ROWS
    w = np.linspace(0.3, -0.3, D)
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                      memory_limit=f"{WORKER_GIB}GiB", dashboard_address=None) as cluster, \
            Client(cluster) as client:
        X, y = _data(da, rows)
        start = time.perf_counter()
        g = s2sad.grad(logistic)(w, X, y)  # a lazy graph: nothing computed yet
        t_build = time.perf_counter() - start
        with _PeakMemory(client) as memory:
            start = time.perf_counter()
            (g,) = dask.compute(g)
            t_run = time.perf_counter() - start
        T.check_close("dask gradient", g, _reference(X, y, w), rtol=1e-9)
    print(T.machine_line())
    print(f"logistic regression, {rows:,} rows x {D} float64 = {rows * D * 8 / 2**30:.2f} GiB "
          f"in {X.numblocks[0]} chunks; 2 worker processes, {WORKER_GIB:g} GiB each\n")
    peaks = sorted(memory.peak.values())
    T.print_table(["graph built", "gradient computed", "peak RSS per worker"],
                  [[T.fmt_time(t_build), T.fmt_time(t_run),
                    " / ".join(T.fmt_bytes(p) for p in peaks) or "-"]])


if __name__ == "__main__":
    main()
