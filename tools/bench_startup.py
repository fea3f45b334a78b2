"""Benchmark: what s2sad costs before the first derivative is computed (issue 10).

    python tools/bench_startup.py [--quick] [--repeat N] [--as-is]

Each figure but the last is the best of N fresh processes (default 7; 3 with --quick),
which import the s2sad this process imported (``PYTHONPATH=/other/checkout`` measures
another one):

* ``import numpy`` and ``import s2sad`` (numpy included), timed inside the process,
  interpreter start-up excluded; the target is s2sad <= numpy + 100 ms;
* a cold build: the first ``s2sad.grad(f)(x)`` of a 50-line function (a loop, a
  branch, a helper in a second module) with an empty disk cache, twice: as the first
  build of a fresh process (which imports libcst and the compiler, about 170 ms, before
  it parses anything), and then of a second 50-line function in that process (parse,
  transform, format, write: the target is 150 ms);
* a warm first call: the same call in a fresh process whose disk cache already holds
  the module (target <= 20 ms), and which of libcst / black that process imported;
* the call overhead of a transformed function: ``g(x)`` for a tiny ``f`` minus the
  time of the generated code it runs, in this process (target <= 3 us).

The processes run with bytecode caching on, in a private folder (``PYTHONPYCACHEPREFIX``,
filled by a first, untimed process), as an installed package runs; ``--as-is`` keeps the
environment instead (with ``PYTHONDONTWRITEBYTECODE=1`` every import compiles its source).
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
import timeit
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _timing import QUICK, fmt_time, machine_line, print_table  # noqa: E402

import numpy as np  # noqa: E402

import s2sad  # noqa: E402

ROOT = Path(s2sad.__file__).resolve().parents[1]  # the checkout the processes import

HELPER = '''\
import numpy as np


def smooth(v, eps):
    return np.sqrt(v * v + eps)
'''

# 50 lines: the function s2sad reads, with a callee in another module
MODEL = '''\
import numpy as np

from bench_helper import smooth

SCALE = 0.5


def model(w, x):
    """A 50-line loss: a loop, a branch, a helper from another module."""
    h = np.tanh(w[0] * x + w[1])
    a = smooth(h, 1e-3)
    b = np.sin(a) * SCALE
    c = b * b + a
    d = np.exp(-c)
    total = 0.0
    for i in range(3):
        z = d * w[2] + i
        if np.sum(z) > 0.0:
            total = total + np.sum(z * z)
        else:
            total = total - np.sum(z)
        d = d * 0.9
    e = np.log1p(c * c)
    f = e + np.cos(b)
    g = f * w[3]
    h2 = np.tanh(g)
    k = h2 * h2
    m = np.sum(k) * 0.25
    n = m + total
    p = np.sqrt(n * n + 1.0)
    q = p * w[4]
    r = q - np.mean(a)
    s = r * r
    t = s + np.sum(np.abs(d))
    u = t * SCALE
    v = u + np.sum(e)
    y = v * 0.5
    y = y + np.sum(b * c)
    y = y - np.sum(h * x)
    y = y + np.sum(smooth(d, 1e-2))
    y = y * 1.01
    y = y + 0.1 * np.sum(f)
    y = y - 0.01 * np.sum(g)
    y = y + np.sum(k * k)
    y = y + m
    y = y * 0.99
    y = y + np.sum(p)
    y = y - np.sum(np.minimum(c, 1.0))
    y = y + np.sum(np.maximum(d, 0.1))
    y = y + w[0] * w[1]
    y = y + w[2] * w[3]
    y = y + w[4] * w[0]
    y = y * SCALE
    return y
'''
MODEL += "\n\n" + MODEL[MODEL.index("def model("):].replace("def model(", "def model_b(")

# run in a fresh process: times the first gradient call (and the imports before it)
CHILD = '''\
import json, sys, time
t0 = time.perf_counter()
import numpy as np
t1 = time.perf_counter()
import s2sad
t2 = time.perf_counter()
import bench_model
w, x = np.linspace(0.1, 0.5, 5), np.linspace(-1.0, 1.0, 16)
t3 = time.perf_counter()
g = s2sad.grad(bench_model.model)(w, x)
t4 = time.perf_counter()
s2sad.grad(bench_model.model_b)(w, x)  # the same lines, another function: built again
t5 = time.perf_counter()
print(json.dumps({"numpy": t1 - t0, "s2sad": t2 - t1, "call": t4 - t3, "second": t5 - t4,
                  "libcst": "libcst" in sys.modules, "black": "black" in sys.modules,
                  "g": g.tolist()}))
'''


def _environment(pycache: str | None, **values: str) -> dict[str, str]:
    env = dict(os.environ, **values)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [values.get("PYTHONPATH"), str(ROOT)]))
    env.pop("S2SAD_NO_CACHE", None)
    if pycache is not None:
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        env["PYTHONPYCACHEPREFIX"] = pycache
    return env


def _child(code: str, env: dict[str, str], cwd: str) -> dict:
    out = subprocess.run([sys.executable, "-c", code], env=env, cwd=cwd, check=True,
                         capture_output=True, text=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def _best(samples: list[float]) -> float:
    return min(samples)


def import_times(repeat: int, pycache: str | None) -> tuple[float, float]:
    """Best of ``repeat`` fresh processes: ``import numpy`` alone, ``import s2sad`` alone."""
    code = ("import json, time; t = time.perf_counter(); import {m}; "
            "print(json.dumps({{'t': time.perf_counter() - t}}))")
    env, cwd = _environment(pycache), tempfile.gettempdir()
    _child(code.format(m="s2sad"), env, cwd)  # fills the bytecode folder
    numpy_t = _best([_child(code.format(m="numpy"), env, cwd)["t"] for _ in range(repeat)])
    s2sad_t = _best([_child(code.format(m="s2sad"), env, cwd)["t"] for _ in range(repeat)])
    return numpy_t, s2sad_t


def first_calls(repeat: int, pycache: str | None) -> dict:
    """Cold builds (an empty cache each time) and warm first calls (the cache kept)."""
    cold, loaded, warm, modules, grads = [], [], [], set(), []
    with tempfile.TemporaryDirectory() as tmp:
        Path(tmp, "bench_helper.py").write_text(HELPER)
        Path(tmp, "bench_model.py").write_text(MODEL)
        _child(CHILD, _environment(pycache, S2SAD_CACHE_DIR=str(Path(tmp, "warm-up")),
                                   PYTHONPATH=tmp), tmp)
        for k in range(repeat):
            env = _environment(pycache, S2SAD_CACHE_DIR=str(Path(tmp, f"cache{k}")),
                               PYTHONPATH=tmp)
            first = _child(CHILD, env, tmp)
            cold.append(first["call"])
            loaded.append(first["second"])
            second = _child(CHILD, env, tmp)
            warm.append(second["call"])
            modules |= {m for m in ("libcst", "black") if second[m]}
            grads += [first["g"], second["g"]]
    if any(not np.allclose(g, grads[0]) for g in grads):
        sys.exit("the warm-cache gradient differs from the cold build's")
    return {"cold": _best(cold), "loaded": _best(loaded), "warm": _best(warm),
            "warm_modules": sorted(modules)}


def call_overhead() -> dict:
    """``g(x)`` for a tiny ``f``, and the generated function it runs, called directly, in
    many short alternating rounds: each side's best, and the median of the per-round
    differences (the overhead is a tenth of the array case, and a busy machine drifts)."""
    out = {}

    def f(x):
        return x * x

    def f_sum(x):
        return np.sum(x * x)

    for label, fn, x in (("float", f, 1.5), ("array (3,)", f_sum, np.ones(3))):
        g = s2sad.grad(fn)
        g(x)
        entry = g.specialized_entry((x,), {})
        rounds, calls = (10, 500) if QUICK else (30, 2000)
        pairs = [tuple(min(timeit.repeat(run, number=calls, repeat=3)) / calls
                       for run in (lambda: g(x), lambda: entry(x))) for _ in range(rounds)]
        out[label] = (min(p[0] for p in pairs), min(p[1] for p in pairs),
                      statistics.median(p[0] - p[1] for p in pairs))
    return out


def main() -> None:
    repeat = 3 if QUICK else 7
    if "--repeat" in sys.argv:
        repeat = int(sys.argv[sys.argv.index("--repeat") + 1])
    print(f"s2sad start-up ({machine_line()}), best of {repeat} fresh processes")
    print(f"s2sad from {ROOT}\n")
    with tempfile.TemporaryDirectory() as pycache:
        pycache = None if "--as-is" in sys.argv else pycache
        numpy_t, s2sad_t = import_times(repeat, pycache)
        calls = first_calls(repeat, pycache)
    overhead = call_overhead()
    rows = [
        ["import numpy", fmt_time(numpy_t), ""],
        ["import s2sad (numpy included)", fmt_time(s2sad_t),
         f"numpy + {fmt_time(s2sad_t - numpy_t)} (target: + 100 ms)"],
        ["cold build, 50-line function", fmt_time(calls["loaded"]),
         "empty disk cache, compiler loaded (target: 150 ms)"],
        ["first build, fresh process", fmt_time(calls["cold"]),
         "the same, loading libcst and the compiler first"],
        ["warm first call, fresh process", fmt_time(calls["warm"]),
         "target: 20 ms; imported: " + (", ".join(calls["warm_modules"]) or "no libcst/black")],
    ]
    for label, (total, code, extra) in overhead.items():
        rows.append([f"call overhead, tiny f, {label}", fmt_time(extra),
                     f"g(x) {fmt_time(total)}, generated code {fmt_time(code)} (target: 3 us)"])
    print_table(["what", "time", "note"], rows)


if __name__ == "__main__":
    main()
