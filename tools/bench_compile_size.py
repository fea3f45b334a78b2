"""Benchmark: how long s2sad takes to build a transform of a very large function (issue 9).

    python tools/bench_compile_size.py [--quick] [--budget SECONDS] [--transform grad]
    python tools/bench_compile_size.py --profile CASE

Each case is generated into a temporary ``.py`` file, imported, and transformed
once with the disk cache off (``S2SAD_NO_CACHE=1``), each case in a fresh process
stopped after ``--budget`` seconds (default 900): the time is a cold build (parse,
lower, transform, simplify, print, black, load), after a tiny warm-up build. Cases:

* ``straight-N``: N statements of straight-line code (``a12 = 0.5 * a11 + ...``);
* ``mixed-N``: an N-line function mixing assignments, augmented assignments,
  ``if``/``else`` on data, ``for`` loops with subscript updates, NumPy calls;
* ``nested-arith-D``: ``(((x + 1.0) * 0.5) + 1.0) * 0.5 ...`` nested D deep;
* ``nested-sin-D``: ``np.sin(np.sin(... x ...))`` D deep (200 is CPython's limit
  on nested parentheses);
* ``chain-N``: ``x + x * 0.5 + x * 0.25 + ...``, one left-leaning sum of N terms.

``--profile CASE`` prints the top of a cProfile of that one build. The generators are
also what ``tests/test_large_functions.py`` builds (at CI-sized N).
"""

from __future__ import annotations

import cProfile
import importlib.util
import os
import pstats
import subprocess
import sys
import tempfile
import time
from pathlib import Path

try:  # run from a source checkout without installing
    import s2sad  # noqa: F401
except ImportError:  # pragma: no cover
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np

import s2sad

# --------------------------------------------------------------------------- generators

_STRAIGHT = [  # one statement each; a{k} from the two before it, values stay O(1)
    "a{k} = 0.5 * a{p} + 0.25 * a{q}",
    "a{k} = np.sin(a{p}) * 0.9 + 0.1 * a{q}",
    "a{k} = np.tanh(a{p} - a{q})",
    "a{k} = a{p} * 0.75 - a{q} * a{q} * 0.1",
    "a{k} = np.cos(a{q}) * a{p}",
]


def straight_source(n: int, name: str = "straight") -> str:
    """``def straight(x): a0 = x ...`` with ``n`` statements in all, returning a scalar."""
    lines = [f"def {name}(x):", "    a0 = x * 1.0", "    a1 = np.sin(x)"]
    for k in range(2, n - 1):
        lines.append("    " + _STRAIGHT[k % len(_STRAIGHT)].format(k=k, p=k - 1, q=k - 2))
    lines.append(f"    return np.sum(a{n - 2} * a{n - 3})")
    return _module(lines)


_BLOCK = [  # one block of the mixed function: 12 lines, every kind of statement
    "    t = np.sin(s) * 0.5 + w[{j}]",
    "    s = 0.9 * s + 0.1 * t",
    "    if np.sum(s) > {c}:",
    "        u = np.tanh(s) * 0.8",
    "    else:",
    "        u = s * s * 0.3",
    "    for i in range(2):",
    "        v[i] = v[i] * 0.5 + u[i] * 0.25",
    "    acc += np.sum(u * v) * 0.01",
    "    s = s - 0.05 * np.mean(v)",
    "    w2 = w * (1.0 + 0.01 * {j})",
    "    acc = acc + np.dot(w2, s) * 0.001",
]


def mixed_source(n_lines: int, name: str = "mixed") -> str:
    """A function of about ``n_lines`` lines: blocks of ``_BLOCK``."""
    lines = [f"def {name}(x, w):", "    s = x * 1.0", "    v = x.copy()", "    acc = 0.0"]
    j = 0
    while len(lines) + len(_BLOCK) < n_lines:
        lines += [b.format(j=j % 3, c=round(0.1 * (j % 7) - 0.3, 2)) for b in _BLOCK]
        j += 1
    lines.append("    return acc + np.sum(s * v)")
    return _module(lines)


def nested_arith_source(depth: int, name: str = "nested_arith") -> str:
    """``y = (((x + 1.0) * 0.5) + 1.0) * 0.5 ...``: ``depth`` operators, each nested."""
    e = "x"
    for k in range(depth):
        e = f"({e} + 1.0)" if k % 2 == 0 else f"({e} * 0.5)"
    e = e[1:-1]  # the outermost parentheses: CPython allows 200 levels of nesting
    return _module([f"def {name}(x):", f"    y = {e}", "    return np.sum(y * y)"])


def nested_sin_source(depth: int, name: str = "nested_sin") -> str:
    """``y = np.sin(np.sin(... x ...))`` ``depth`` calls deep."""
    e = "np.sin(" * depth + "x" + ")" * depth
    return _module([f"def {name}(x):", f"    y = {e}", "    return np.sum(y)"])


def chain_source(n: int, name: str = "chain") -> str:
    """``y = x * 1.0 + x * 0.5 + ...``: one flat sum of ``n`` terms (a left-deep tree)."""
    terms = " + ".join(f"x * {1.0 / (k + 1):.4g}" for k in range(n))
    return _module([f"def {name}(x):", f"    y = {terms}", "    return np.sum(y * y)"])


def _module(lines: list[str]) -> str:
    return "import numpy as np\n\n\n" + "\n".join(lines) + "\n"


def load(source: str, name: str, folder: Path):
    """Write ``source`` to ``folder/<name>.py``, import it, return the function ``name``."""
    path = folder / f"{name}.py"
    path.write_text(source)
    spec = importlib.util.spec_from_file_location(f"_s2sad_bench_{name}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return getattr(module, name)


def inputs(name: str) -> tuple:
    """Arguments for a case (small arrays: the build, not the run, is measured)."""
    x = np.linspace(0.1, 0.7, 4)
    return (x, np.array([0.3, -0.2, 0.5, 0.1])) if name.startswith("mixed") else (x,)


CASES = {  # name -> (generator, size)
    "straight-1000": (straight_source, 1000),
    "straight-2000": (straight_source, 2000),
    "straight-10000": (straight_source, 10000),
    "mixed-1000": (mixed_source, 1000),
    "nested-arith-200": (nested_arith_source, 200),
    "nested-sin-200": (nested_sin_source, 200),
    "chain-1000": (chain_source, 1000),
}
QUICK_CASES = ["straight-1000", "mixed-1000", "nested-arith-200", "nested-sin-200",
               "chain-1000"]


def build(case: str, folder: Path, transform: str = "grad"):
    """(seconds of a cold build, the transformed function, the primal function).

    A tiny function is built first, so one-time costs (importing the rule files, SciPy's
    among them) are not charged to the case.
    """
    os.environ["S2SAD_NO_CACHE"] = "1"
    getattr(s2sad, transform)(load(straight_source(8, "warm_up"), "warm_up", folder)).source
    gen, size = CASES[case]
    name = case.replace("-", "_")
    fn = load(gen(size, name), name, folder)
    t = getattr(s2sad, transform)(fn)
    start = time.perf_counter()
    t.source  # noqa: B018  (builds the module)
    return time.perf_counter() - start, t, fn


def one(case: str, transform: str, folder: Path) -> str:
    """One table row: the case built in this process."""
    seconds, t, fn = build(case, folder, transform)
    gen, size = CASES[case]
    ok = True
    if transform in ("grad", "value_and_grad"):
        g = t(*inputs(case))
        ok = bool(np.all(np.isfinite(g if transform == "grad" else g[1])))
    return (f"{case:<20}{gen(size).count(chr(10)):>8}{seconds:>10.2f}"
            f"{t.source.count(chr(10)):>11}{'yes' if ok else 'NO':>7}")


def main(argv: list[str]) -> None:
    transform = argv[argv.index("--transform") + 1] if "--transform" in argv else "grad"
    budget = float(argv[argv.index("--budget") + 1]) if "--budget" in argv else 900.0
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        if "--one" in argv:  # a child of the table below
            print(one(argv[argv.index("--one") + 1], transform, folder), flush=True)
            return
        if "--profile" in argv:
            case = argv[argv.index("--profile") + 1]
            prof = cProfile.Profile()
            prof.enable()
            seconds, _, _ = build(case, folder, transform)
            prof.disable()
            print(f"{case}: {seconds:.2f} s")
            pstats.Stats(prof).sort_stats("cumulative").print_stats(40)
            return
    quick = "--quick" in argv or os.environ.get("S2SAD_BENCH_QUICK", "") not in ("", "0")
    print(f"cold {transform} build (S2SAD_NO_CACHE=1), each case in a fresh process, "
          f"at most {budget:.0f} s each")
    print(f"{'case':<20}{'lines':>8}{'build s':>10}{'out lines':>11}{'runs':>7}", flush=True)
    for case in (QUICK_CASES if quick else CASES):
        cmd = [sys.executable, __file__, "--one", case, "--transform", transform]
        try:
            done = subprocess.run(cmd, capture_output=True, text=True, timeout=budget)
            print(done.stdout.strip() or f"{case:<20} failed: {done.stderr.strip()[-300:]}",
                  flush=True)
        except subprocess.TimeoutExpired:
            print(f"{case:<20} not built within {budget:.0f} s", flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])
