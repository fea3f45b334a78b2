"""Stress the disk cache: many processes build the same gradients at once.

    python tools/cache_stress.py [--processes 8] [--keys 20] [--max-mb MB] [--keep]

The tool writes a module of ``keys`` small functions (``f_i(x) = sum(sin(x)**2
+ c_i x**2)``, each with a distinct source, so each has its own cache key) and
points ``S2SAD_CACHE_DIR`` at a fresh folder. Then two rounds, each of
``processes`` fresh processes that wait at a barrier and then take
``s2sad.grad(f_i)(x)`` of every function:

- cold: the folder is empty, so every process misses and builds every key
  while the others write the same files;
- warm: every process should find every key on disk and build nothing.

It checks that every process gets bit-identical gradients equal to the closed
form ``sin(2x) + 2 c_i x``, that no process saw a cache warning (a reader
never meets a half-written file), and that the folder holds exactly one valid
entry per key and no temporary files. With ``--max-mb`` the folder is pruned
while the processes write, so it checks the gradients and the bound instead.
It prints counts and timings, and exits 1 on any failed check.
``tests/test_cache_faults.py`` runs a small configuration of it.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib.util
import multiprocessing
import os
import pathlib
import queue as queue_module
import shutil
import sys
import tempfile
import time
import traceback
import warnings
from dataclasses import dataclass, field

try:  # run from a source checkout without installing
    import s2sad
except ImportError:  # pragma: no cover
    sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1]))
    import s2sad

import numpy as np

from s2sad.codegen import cache

FUNCTION = '''
def f_{i}(x):
    return np.sum(np.sin(x) ** 2 + {c!r} * x * x)
'''
X = np.linspace(-1.0, 1.0, 7)


def coefficient(i: int) -> float:
    return 1.0 + i / 4


def write_functions(folder: pathlib.Path, keys: int) -> pathlib.Path:
    """A module file of ``keys`` functions ``f_0 ... f_{keys-1}`` in ``folder``."""
    path = folder / "s2sad_stress_functions.py"
    text = "import numpy as np\n" + "".join(FUNCTION.format(i=i, c=coefficient(i))
                                            for i in range(keys))
    path.write_text(text)
    return path


def load_functions(path: pathlib.Path, name: str = "s2sad_stress_functions"):
    """A fresh module object from ``path``: new function objects, so s2sad's
    in-process memo is empty for them and ``grad`` goes to the disk cache."""
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def expected_gradient(i: int, x: np.ndarray = X) -> np.ndarray:
    return np.sin(2 * x) + 2 * coefficient(i) * x  # d sin² = 2 sin cos = sin 2x


def count_builds() -> list[int]:
    """Count the cache misses of this process from now on (``[n]``, updated in place).

    Wraps ``cache.load_or_build``, which the pipeline looks up on every call.
    """
    count, original = [0], cache.load_or_build

    def counting(key, build):
        def counted():
            count[0] += 1
            return build()
        return original(key, counted)

    cache.load_or_build = counting
    return count


def _worker(path, keys, barrier, results) -> None:
    """One process: load the functions, wait for the others, grad every function."""
    try:
        module, builds = load_functions(path), count_builds()
        with warnings.catch_warnings(record=True) as record:
            warnings.simplefilter("always")
            barrier.wait(timeout=120)
            start = time.perf_counter()
            grads = [s2sad.grad(getattr(module, f"f_{i}"))(X) for i in range(keys)]
            seconds = time.perf_counter() - start
        messages = [str(w.message) for w in record]
        results.put(("ok", os.getpid(), grads, builds[0], seconds, messages))
    except BaseException:  # reported by the parent
        results.put(("error", os.getpid(), traceback.format_exc()))


@dataclass
class Round:
    name: str
    wall: float = 0.0  # seconds from starting the processes to the last one joined
    slowest: float = 0.0  # the longest any process took from the barrier to its last gradient
    builds: int = 0  # cache misses, all processes together
    lookups: int = 0
    grads: list = field(default_factory=list)  # one list of gradients per process
    warnings: list = field(default_factory=list)
    errors: list = field(default_factory=list)


def run_round(ctx, name: str, path: pathlib.Path, processes: int, keys: int,
              timeout: float) -> Round:
    """Start ``processes`` workers at once; collect what they report."""
    barrier, results = ctx.Barrier(processes), ctx.Queue()
    procs = [ctx.Process(target=_worker, args=(path, keys, barrier, results), daemon=True)
             for _ in range(processes)]
    out, start = Round(name, lookups=processes * keys), time.perf_counter()
    for p in procs:
        p.start()
    deadline = start + timeout
    for _ in procs:
        try:
            report = results.get(timeout=max(0.1, deadline - time.perf_counter()))
        except queue_module.Empty:
            out.errors.append(f"{name}: a process did not report within {timeout:g} s")
            break
        if report[0] == "error":
            out.errors.append(f"{name}: process {report[1]} failed:\n{report[2]}")
            continue
        _, _, grads, builds, seconds, messages = report
        out.grads.append(grads)
        out.builds += builds
        out.slowest = max(out.slowest, seconds)
        out.warnings += messages
    for p in procs:
        p.join(timeout=max(0.1, deadline - time.perf_counter()))
        if p.is_alive():
            p.terminate()
    out.wall = time.perf_counter() - start
    return out


@dataclass
class Report:
    processes: int
    keys: int
    folder: pathlib.Path
    max_mb: float | None
    rounds: list[Round] = field(default_factory=list)
    entries: int = 0
    valid: int = 0
    temp_files: int = 0
    size: int = 0
    problems: list[str] = field(default_factory=list)


def check_gradients(rnd: Round, keys: int) -> list[str]:
    """Problems with the gradients the processes of one round computed."""
    problems = list(rnd.errors)
    for grads in rnd.grads:
        if len(grads) != keys or any(not np.array_equal(g, rnd.grads[0][i])
                                     for i, g in enumerate(grads)):
            problems.append(f"{rnd.name}: processes got different gradients")
            break
    if rnd.grads and not all(np.allclose(g, expected_gradient(i))
                             for i, g in enumerate(rnd.grads[0])):
        problems.append(f"{rnd.name}: wrong gradients")
    if rnd.warnings:
        problems.append(f"{rnd.name}: cache warnings: {sorted(set(rnd.warnings))}")
    return problems


def check_folder(report: Report) -> None:
    """Count the folder's entries, check each one, and note problems in ``report``."""
    names = sorted(os.listdir(report.folder))
    entries = [n for n in names if n.endswith(".py") and not n.startswith(".")]
    report.entries, report.temp_files = len(entries), len(names) - len(entries)
    report.size = sum((report.folder / n).stat().st_size for n in entries)
    report.valid = sum(cache._read_verified(report.folder / n, n[:-3]) is not None
                       for n in entries)
    if report.valid != report.entries:
        report.problems.append(f"{report.entries - report.valid} entries fail their check")
    if report.temp_files:
        report.problems.append(f"{report.temp_files} temporary or stray files left")
    if report.max_mb is None:
        if report.entries != report.keys:
            report.problems.append(f"{report.entries} entries for {report.keys} keys")
        if report.rounds[-1].builds:
            report.problems.append(f"warm round built {report.rounds[-1].builds} times")
    elif report.size > report.max_mb * 2**20 + max(
            ((report.folder / n).stat().st_size for n in entries), default=0):
        report.problems.append(f"folder holds {report.size} bytes, over the limit")


@contextlib.contextmanager
def environment(**values: str | None):
    """Set (or, for None, unset) environment variables for the block."""
    old = {name: os.environ.get(name) for name in values}
    try:
        for name, value in values.items():
            os.environ.pop(name, None) if value is None else os.environ.__setitem__(name, value)
        yield
    finally:
        for name, value in old.items():
            os.environ.pop(name, None) if value is None else os.environ.__setitem__(name, value)


def _warm_up() -> None:
    """Import and exercise the compiler once in this process, cache off, so forked
    workers time the cache rather than first-use imports, and all agree on
    the compiler fingerprint in the key even if the source tree changes meanwhile."""
    def warm(x):
        return np.sum(x * x)

    with environment(S2SAD_NO_CACHE="1"):
        s2sad.grad(warm)(X)


def run_stress(processes: int = 8, keys: int = 20, max_mb: float | None = None,
               timeout: float = 120.0, keep: bool = False) -> Report:
    """Run the cold and warm rounds in a fresh folder and check the outcome."""
    work = pathlib.Path(tempfile.mkdtemp(prefix="s2sad-cache-stress-"))
    report = Report(processes, keys, work / "cache", max_mb)
    methods = multiprocessing.get_all_start_methods()
    ctx = multiprocessing.get_context("fork" if "fork" in methods else "spawn")
    try:
        path = write_functions(work, keys)
        _warm_up()
        limit = None if max_mb is None else repr(max_mb)
        with environment(S2SAD_CACHE_DIR=str(report.folder), S2SAD_NO_CACHE=None,
                         S2SAD_CACHE_MAX_MB=limit or "0"):
            for name in ("cold", "warm"):
                rnd = run_round(ctx, name, path, processes, keys, timeout)
                report.rounds.append(rnd)
                report.problems += check_gradients(rnd, keys)
            check_folder(report)
    finally:
        if not keep:
            shutil.rmtree(work, ignore_errors=True)
    return report


def format_report(report: Report) -> str:
    lines = [f"cache stress: {report.processes} processes x {report.keys} keys"
             + (f", limit {report.max_mb:g} MB" if report.max_mb is not None else "")
             + f" in {report.folder}"]
    for r in report.rounds:
        lines.append(f"  {r.name}: {r.wall:.2f} s wall (processes started and joined), "
                     f"slowest process {r.slowest:.2f} s after the barrier; "
                     f"{r.builds} builds of {r.lookups} lookups")
    lines.append(f"  folder: {report.entries} entries ({report.valid} valid), "
                 f"{report.temp_files} other files, {report.size / 1024:.1f} KiB")
    lines += [f"  PROBLEM: {p}" for p in report.problems] or ["  OK"]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--processes", type=int, default=8)
    parser.add_argument("--keys", type=int, default=20)
    parser.add_argument("--max-mb", type=float, default=None,
                        help="set S2SAD_CACHE_MAX_MB (default: no limit)")
    parser.add_argument("--timeout", type=float, default=300.0, help="seconds per round")
    parser.add_argument("--keep", action="store_true", help="keep the folder to look at")
    args = parser.parse_args(argv)
    report = run_stress(args.processes, args.keys, args.max_mb, args.timeout, args.keep)
    print(format_report(report))
    return 1 if report.problems else 0


if __name__ == "__main__":
    sys.exit(main())
