"""Benchmark: s2sad against the other AD libraries for Python, on the same workloads (issue 10).

    python tools/bench_peers.py [--quick] [--json PATH] [--markdown] [--only TEXT ...]
                                [--peers s2sad,autograd,...] [--threads N] [--no-startup]
    python tools/bench_peers.py --from-json PATH [--markdown]

Install the peers into their own virtual environment (jax and torch bring their own
NumPy requirements), e.g. ``pip install torch==2.13.0`` (a CPU build) then
``pip install -e ".[bench]"``. A peer that is not installed is skipped with a note.

For each workload it times the primal, the hand-written NumPy gradient and, where
installed, s2sad (``s2sad.grad`` built once, outside the timing; calls take the code
specialized to the argument kinds), HIPS autograd, JAX eager (``jax.grad``, float64),
``jax.jit(jax.grad)`` in steady state (the first call, tracing and compiling, is reported
apart), ``torch.func.grad`` (CPU, float64 tensors) and tangent (``tangent.grad``). Each
peer's answer is checked against the hand-written one first; a peer that fails or
disagrees is reported with the reason and not timed. Times are medians of several
auto-ranged runs, taken in turn (one run of each callable per round); ratios are to the
hand-written gradient. Every library runs on one thread unless ``--threads`` says otherwise.

Then, each in fresh processes: the time of ``import s2sad`` (and of each peer), the
cold build of a gradient (``S2SAD_NO_CACHE=1``) next to a build from a warm disk cache,
and the call overhead of a transformed callable on a tiny function.

Workloads come from ``bench.py``, ``bench_scalar_loops.py``, ``bench_loops.py`` and
``bench_hessian.py`` (functions and hand-written gradients), plus an RNN with h=64
(d/dW only) and a tiny ``x * x``.
"""

from __future__ import annotations

import os
import sys

THREAD_VARS = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")


def pin_threads(argv: list[str]) -> None:
    """``--threads N`` (default 1; 0: each library's default) as environment settings, which
    NumPy's BLAS, torch and XLA read when they load. On a small shared machine, libraries
    that each start a thread per core fight over the cores: NumPy's matrix-vector products
    ran 7x slower right after torch's ops than alone."""
    value = "1"
    for i, arg in enumerate(argv):
        if arg == "--threads" and i + 1 < len(argv):
            value = argv[i + 1]
        elif arg.startswith("--threads="):
            value = arg.partition("=")[2]
    if not value.isdigit() or value == "0":
        return
    for var in THREAD_VARS:
        os.environ[var] = value
    xla = os.environ.get("XLA_FLAGS", "")
    if "intra_op_parallelism_threads" not in xla:
        multi = "true" if value != "1" else "false"
        os.environ["XLA_FLAGS"] = (f"{xla} --xla_cpu_multi_thread_eigen={multi} "
                                   f"intra_op_parallelism_threads={value}").strip()


if __name__ == "__main__":  # before NumPy loads
    pin_threads(sys.argv[1:])

import argparse  # noqa: E402
import json  # noqa: E402
import statistics  # noqa: E402
import subprocess  # noqa: E402
import time  # noqa: E402
import warnings  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import Callable  # noqa: E402

import _peers as P  # noqa: E402
import _timing as T  # noqa: E402
import bench  # noqa: E402
import bench_hessian  # noqa: E402
import bench_loops  # noqa: E402
import bench_scalar_loops  # noqa: E402
import numpy as np  # noqa: E402

import s2sad  # noqa: E402
from s2sad.errors import JitFallbackWarning  # noqa: E402

TOOLS = Path(__file__).resolve().parent
ROOT = TOOLS.parent

# --------------------------------------------------------------------------- workloads

RNN_HIDDEN = 64


def rnn_grad_W_hand(W, U, b, h0, xs, target):
    """d/dW of ``bench_loops.rnn_loss``: its hand-written backprop through time."""
    return bench_loops.rnn_grad_hand(W, U, b, h0, xs, target)[0]


def rnn_inputs(rng):
    h, n_in = RNN_HIDDEN, bench_loops.N_IN
    return (rng.normal(size=(h, h)) / np.sqrt(h), rng.normal(size=(h, n_in)) / np.sqrt(n_in),
            0.1 * rng.normal(size=h), np.zeros(h),
            rng.normal(size=(bench_loops.RNN_STEPS, n_in)), 0.5 * rng.normal(size=h))


def square(x):
    return x * x


def square_grad_hand(x):
    return 2.0 * x


def workloads():
    for name, f, hand, argnums, args in bench.cases():
        yield P.Workload(name, "grad", f, hand, args, argnums)
    for name, f, hand, arg in bench_scalar_loops.CASES:
        yield P.Workload(f"{name} (float)", "grad", f, hand, (arg,))
    rng = np.random.default_rng(1)
    yield P.Workload(f"rnn h={RNN_HIDDEN}, {bench_loops.RNN_STEPS} steps, d/dW", "grad",
                     bench_loops.rnn_loss, rnn_grad_W_hand, rnn_inputs(rng))
    n = bench_hessian.N
    x, v = rng.uniform(-1.0, 1.0, n), rng.normal(size=n)
    yield P.Workload(f"hessian rosenbrock n={n}", "hessian", bench.rosenbrock,
                     bench_hessian.rosenbrock_hessian_hand, (x,))
    yield P.Workload(f"hvp rosenbrock n={n}", "hvp", bench.rosenbrock,
                     bench_hessian.rosenbrock_hvp_hand, (x, v))
    yield P.Workload("tiny: x * x on a float", "grad", square, square_grad_hand, (3.0,),
                     rtol=1e-12)


# --------------------------------------------------------------------------- running


def reason(e: BaseException) -> str:
    text = str(e).strip().splitlines()
    first = next((line.strip() for line in text if line.strip(" =")), "")
    return f"{type(e).__name__}: {first}"[:240]


def mismatch(w: P.Workload, peer: str, got, want) -> str | None:
    """Why ``got`` is not the hand-written answer, or None (``_timing.check_close`` exits
    with the reason; here a wrong peer is reported and skipped)."""
    try:
        T.check_close(peer, got, want, rtol=w.rtol, atol=w.atol)
    except SystemExit as e:
        return f"wrong answer: {e}"
    return None


def prepare(peer: P.Peer, w: P.Workload, want) -> tuple[dict, Callable | None]:
    """Build the peer's callable and check its answer: (result so far, the timed call)."""
    try:
        start = time.perf_counter()
        fn = peer.build(w)
        args = peer.convert(w.args)
        with warnings.catch_warnings():  # jit="numba" running plain code is not numba's time
            warnings.simplefilter("error", JitFallbackWarning)
            got = fn(*args)
        first = time.perf_counter() - start
    except P.Unsupported as e:
        return {"status": "unsupported", "reason": str(e)}, None
    except JitFallbackWarning as e:
        return {"status": "unsupported", "reason": "runs plain: " + str(e).partition(
            "cannot compile ")[2]}, None
    except Exception as e:  # noqa: BLE001 - any failure of a peer is a result
        return {"status": "failed", "reason": reason(e)}, None
    why = mismatch(w, peer.name, got, want)
    if why:
        return {"status": "wrong", "reason": why}, None
    return {"status": "ok", "first_call": first}, lambda: fn(*args)


def run_workload(w: P.Workload, peers: list[P.Peer]) -> dict:
    want = w.hand(*w.args)
    results, calls = {}, {"primal": lambda: w.f(*w.primal_args), "hand": lambda: w.hand(*w.args)}
    for peer in peers:
        results[peer.name], call = prepare(peer, w, want)
        if call is not None:
            calls[peer.name] = call
    times = P.median_times(calls)
    for name in ("primal", "hand"):
        if isinstance(times[name], BaseException):
            raise times[name]
    for name, t in times.items():
        if name in results and isinstance(t, BaseException):
            results[name] = {"status": "failed", "reason": "when timed: " + reason(t)}
        elif name in results:
            results[name].update(time=t, ratio=t / times["hand"])
    return {"name": w.name, "kind": w.kind, "primal": times["primal"], "hand": times["hand"],
            "peers": results}


# --------------------------------------------------------------------------- fresh processes

PEER_MODULES = {"s2sad.numba": "numba", "autograd": "autograd", "jax": "jax",
                "jax.jit": "jax", "torch.func": "torch", "tangent": "tangent"}


def fresh(code: str, runs: int, **env) -> list[float]:
    """Run ``code`` in ``runs`` fresh interpreters (after one warm-up run that compiles
    byte code); each prints numbers on its last line. Returns the per-number medians."""
    results = []
    for i in range(runs + 1):
        proc = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True,
                              text=True, env={**os.environ, **env}, check=False)
        if proc.returncode:
            raise RuntimeError(proc.stderr.strip().splitlines()[-1])
        if i:
            results.append([float(v) for v in proc.stdout.split()])
    return [statistics.median(column) for column in zip(*results)]


IMPORT_CODE = """import time, numpy
t = time.perf_counter()
import {module}
print(time.perf_counter() - t)"""

BUILD_CODE = f"""import sys, time
sys.path.insert(0, {str(TOOLS)!r})
import numpy as np, s2sad
from bench import rosenbrock
from bench_scalar_loops import rk4
x = np.linspace(-1.0, 1.0, 1000)
t0 = time.perf_counter()
g = s2sad.grad(rosenbrock)
g(x)
t1 = time.perf_counter()
s2sad.grad(rk4)(2.0)
print(t1 - t0, time.perf_counter() - t1)"""


NUMBA_CODE = f"""import sys, time
sys.path.insert(0, {str(TOOLS)!r})
import numpy as np, s2sad
from bench_scalar_loops import rk4
t0 = time.perf_counter()
g = s2sad.grad(rk4, jit="numba")
t1 = time.perf_counter()
g(2.0)
print(t1 - t0, time.perf_counter() - t1)"""


def startup(peers: list[P.Peer]) -> dict:
    runs = 3 if P.QUICK else 5
    modules = ["s2sad"] + sorted({PEER_MODULES[p.name] for p in peers if p.name != "s2sad"})
    out = {"import": {m: fresh(IMPORT_CODE.format(module=m), runs)[0] for m in modules}}
    cold = fresh(BUILD_CODE, runs, S2SAD_NO_CACHE="1")
    warm = fresh(BUILD_CODE, runs)  # the cold runs did not fill the cache; the warm-up does
    out["build"] = {"rosenbrock, first gradient of the process, no cache": cold[0],
                    "rk4 (float), second gradient of the process, no cache": cold[1],
                    "rosenbrock, first gradient of the process, disk cache": warm[0],
                    "rk4 (float), second gradient of the process, disk cache": warm[1]}
    if any(p.name == "s2sad.numba" for p in peers):
        numba = fresh(NUMBA_CODE, runs)
        out["build"].update({
            "rk4 (float), jit=numba: grad(f, jit=...) (imports numba)": numba[0],
            "rk4 (float), jit=numba: first call (disk cache + numba compile)": numba[1]})
    return out


def call_overhead() -> dict:
    g = s2sad.grad(square)
    special, generic = g.specialized_entry((3.0,), {}), g.entry
    out = P.median_times({"s2sad.grad(f)(3.0)": lambda: g(3.0),
                          "its specialized generated function": lambda: special(3.0),
                          "its generic generated function (.entry)": lambda: generic(3.0),
                          "hand-written 2.0 * x": lambda: square_grad_hand(3.0)})
    out["overhead over the specialized function"] = (
        out["s2sad.grad(f)(3.0)"] - out["its specialized generated function"])
    return out


# --------------------------------------------------------------------------- output


def cell(r: dict, markdown: bool) -> str:
    if r["status"] == "ok":
        if markdown:
            return f"{T.fmt_time(r['time'])} ({r['ratio']:.3g}x)"
        return T.fmt_time(r["time"])
    return {"missing": "n/a", "unsupported": "n/a", "failed": "fails",
            "wrong": "wrong"}[r["status"]]


def report(result: dict, markdown: bool) -> None:
    names = result["peers"]
    print(f"\ns2sad {s2sad.__version__}; {result['machine']}; median of "
          f"{'3 (quick)' if result['quick'] else '7'} runs")
    print("peers: " + ", ".join(f"{n} {v}" for n, v in result["versions"].items()))
    if result["notes"]:
        print("notes: " + "; ".join(result["notes"]))
    for name, why in result["missing"].items():
        print(f"  {name}: {why}")
    rows = result["workloads"]
    if markdown:
        print("\n| workload | primal | hand | " + " | ".join(names) + " |")
        print("|---" * (len(names) + 3) + "|")
        for w in rows:
            cells = [cell(w["peers"][n], True) for n in names]
            print(f"| {w['name']} | {T.fmt_time(w['primal'])} | {T.fmt_time(w['hand'])} | "
                  + " | ".join(cells) + " |")
    else:
        print("\ntimes (median)")
        T.print_table(["workload", "primal", "hand"] + names,
                      [[w["name"], T.fmt_time(w["primal"]), T.fmt_time(w["hand"])]
                       + [cell(w["peers"][n], False) for n in names] for w in rows])
        print("\nratio to the hand-written gradient")
        T.print_table(["workload"] + names, [
            [w["name"]] + [f"{w['peers'][n]['ratio']:.3g}x" if w["peers"][n]["status"] == "ok"
                           else cell(w["peers"][n], False) for n in names] for w in rows])
    print("\nfirst call (build + trace/compile + one run; s2sad: disk cache as found)")
    T.print_table(["workload"] + names, [
        [w["name"]] + [T.fmt_time(w["peers"][n].get("first_call")) for n in names]
        for w in rows])
    notes = [(w["name"], n, w["peers"][n]) for w in rows for n in names]
    notes = [f"  {w} / {n}: {r['status']}: {r['reason']}" for w, n, r in notes
             if r["status"] not in ("ok", "missing")]
    if notes:
        print("\nnot timed")
        print("\n".join(notes))
    if "startup" in result:
        print("\nfresh process")
        for m, t in result["startup"]["import"].items():
            print(f"  import {m} (numpy already imported): {T.fmt_time(t)}")
        for what, t in result["startup"]["build"].items():
            print(f"  build + first call, {what}: {T.fmt_time(t)}")
    print("\ncall overhead, f(x) = x * x on a float")
    for what, t in result["call_overhead"].items():
        print(f"  {what}: {T.fmt_time(t)}")


ENV_NOTED = ("MALLOC_", "OMP_", "OPENBLAS_", "MKL_", "XLA_", "S2SAD_")  # settings that move figures


def main(argv=None) -> dict:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--quick", action="store_true", help="fewer, shorter runs (noisier)")
    ap.add_argument("--json", metavar="PATH", help="write the results as JSON")
    ap.add_argument("--markdown", action="store_true", help="one markdown table, time (ratio)")
    ap.add_argument("--only", action="append", metavar="TEXT",
                    help="only workloads whose name contains TEXT (repeatable)")
    ap.add_argument("--peers", default=",".join(P.PEER_NAMES),
                    help=f"comma-separated, from {', '.join(P.PEER_NAMES)}")
    ap.add_argument("--threads", type=int, default=1,
                    help="threads for BLAS, torch and XLA (default 1; 0: their defaults); "
                         "takes effect when run as a script, before NumPy loads")
    ap.add_argument("--no-startup", action="store_true",
                    help="skip the fresh-process import and build timings")
    ap.add_argument("--from-json", metavar="PATH",
                    help="print the tables of a run saved with --json, measuring nothing")
    args = ap.parse_args(argv)
    if args.from_json:
        result = json.loads(Path(args.from_json).read_text())
        report(result, args.markdown)
        return result
    P.QUICK = P.QUICK or args.quick
    chosen = [n.strip() for n in args.peers.split(",") if n.strip()]
    unknown = set(chosen) - set(P.PEER_NAMES)
    if unknown:
        ap.error(f"unknown peers {sorted(unknown)}; choose from {', '.join(P.PEER_NAMES)}")
    peers, missing = P.load_peers(chosen)
    result = {"machine": T.machine_line(), "quick": P.QUICK, "peers": chosen,
              "versions": {p.name: p.version for p in peers}, "missing": missing,
              "notes": [note for p in peers for note in p.notes] + [
                  f"{k}={v}" for k, v in sorted(os.environ.items()) if k.startswith(ENV_NOTED)],
              "workloads": []}
    for w in workloads():
        if args.only and not any(text in w.name for text in args.only):
            continue
        row = run_workload(w, peers)
        row["peers"].update({n: {"status": "missing", "reason": why}
                             for n, why in missing.items()})
        row["peers"] = {n: row["peers"][n] for n in chosen}
        result["workloads"].append(row)
        print(f"  done: {w.name}", flush=True)
    if not args.no_startup:
        result["startup"] = startup(peers)
    result["call_overhead"] = call_overhead()
    report(result, args.markdown)
    if args.json:
        Path(args.json).write_text(json.dumps(result, indent=1))
    return result


if __name__ == "__main__":
    main()
