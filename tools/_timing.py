"""Shared helpers for the benchmarks in tools/: timing, peak memory, tables, checks.

Timing follows ``timeit``: pick a loop count so one measurement lasts at least
``min_time``, repeat, and keep the best (the least disturbed) run. Set
``S2SAD_BENCH_QUICK=1`` (or pass ``--quick``) for a fast, noisier run.
"""

from __future__ import annotations

import gc
import os
import sys
import time
import tracemalloc
from pathlib import Path
from typing import Callable, Sequence

try:  # run from a source checkout without installing
    import s2sad  # noqa: F401
except ImportError:  # pragma: no cover
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np

QUICK = os.environ.get("S2SAD_BENCH_QUICK", "") not in ("", "0") or "--quick" in sys.argv


def best_time(fn: Callable[[], object], *, repeat: int | None = None,
              min_time: float | None = None) -> float:
    """Seconds per call of ``fn()``: the best of ``repeat`` runs of an auto-ranged loop."""
    repeat = repeat or (3 if QUICK else 7)
    min_time = min_time or (0.02 if QUICK else 0.2)
    fn()  # warm up (first-call generation, caches, lazy imports)

    def run(number: int) -> float:
        gc_was_enabled = gc.isenabled()
        gc.disable()
        try:
            start = time.perf_counter()
            for _ in range(number):
                fn()
            return time.perf_counter() - start
        finally:
            if gc_was_enabled:
                gc.enable()

    number = 1
    while True:
        elapsed = run(number)
        if elapsed >= min_time or number >= 1 << 24:
            break
        number *= 10 if elapsed < min_time / 10 else 2
    return min(run(number) for _ in range(repeat)) / number


def peak_memory(fn: Callable[[], object]) -> int:
    """Peak bytes allocated (Python objects and NumPy buffers) during one call of ``fn()``."""
    fn()  # warm up, so one-time generation is not counted
    gc.collect()
    tracemalloc.start()
    try:
        tracemalloc.reset_peak()
        base = tracemalloc.get_traced_memory()[0]
        fn()
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    return max(peak - base, 0)


def fmt_time(seconds: float | None) -> str:
    if seconds is None:
        return "-"
    for unit, scale in (("s", 1.0), ("ms", 1e-3), ("us", 1e-6)):
        if seconds >= scale:
            return f"{seconds / scale:.3g} {unit}"
    return f"{seconds / 1e-9:.3g} ns"


def fmt_bytes(n: int | None) -> str:
    if n is None:
        return "-"
    for unit, scale in (("GiB", 1 << 30), ("MiB", 1 << 20), ("KiB", 1 << 10)):
        if n >= scale:
            return f"{n / scale:.3g} {unit}"
    return f"{n} B"


def fmt_ratio(a: float | None, b: float | None) -> str:
    return "-" if a is None or b is None or b == 0 else f"{a / b:.2f}x"


def print_table(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> None:
    """A plain-text table, first column left-aligned, the others right-aligned."""
    widths = [max(len(str(r[i])) for r in [headers, *rows]) for i in range(len(headers))]

    def line(cells):
        return "  ".join(str(c).ljust(w) if i == 0 else str(c).rjust(w)
                         for i, (c, w) in enumerate(zip(cells, widths)))

    print(line(headers))
    print("  ".join("-" * w for w in widths))
    for r in rows:
        print(line(r))


def leaves(tree) -> list:
    if isinstance(tree, (tuple, list)):
        return [leaf for t in tree for leaf in leaves(t)]
    if isinstance(tree, dict):
        return [leaf for k in sorted(tree) for leaf in leaves(tree[k])]
    return [tree]


def check_close(name: str, got, want, rtol: float = 1e-7, atol: float = 1e-10) -> None:
    """Exit with a message if two gradients (pytrees of arrays) differ: timing a wrong answer
    is meaningless."""
    g, w = leaves(got), leaves(want)
    if len(g) != len(w):
        sys.exit(f"{name}: s2sad returned {len(g)} gradient leaves, the reference {len(w)}")
    for i, (a, b) in enumerate(zip(g, w)):
        a, b = np.asarray(a), np.asarray(b)
        if a.shape != b.shape or not np.allclose(a, b, rtol=rtol, atol=atol):
            err = np.max(np.abs(a - b)) if a.shape == b.shape else f"shape {a.shape} != {b.shape}"
            sys.exit(f"{name}: gradient leaf {i} differs from the reference (max error {err})")


def optional_module(name: str):
    """``import name``, or None when it is not installed (optional comparison columns)."""
    try:
        return __import__(name, fromlist=["_"])
    except Exception:
        return None


def machine_line() -> str:
    import platform

    return (f"python {platform.python_version()}, numpy {np.__version__}, "
            f"{platform.machine()} {platform.system()}, {os.cpu_count()} CPUs")
