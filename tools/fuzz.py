"""The long fuzz run: N random programs (or front-end sources) from a seed, with counts.

    python tools/fuzz.py programs -n 1000 --seed 0 --out fuzz-failures/
    python tools/fuzz.py frontend -n 1000 --seed 0 --out fuzz-failures/
    python tools/fuzz.py emission -n 200 --seed 0 --out fuzz-failures/
    python tools/fuzz.py shrink fuzz-failures/programs_17.py

Prints how many cases were built, refused (by message), agreed, disagreed or crashed
(by kind), or failed like a bug already reported (``known``, see ``oracle.KNOWN``). Each
disagreement and crash is saved to ``--out`` as a ``.py`` file with the verdict in a
header; ``python tools/fuzz.py shrink FILE`` deletes lines of a saved case while it fails
the same way and prints what is left. The disk cache goes to a temporary folder unless
``S2SAD_CACHE_DIR`` is set. Case ``k`` of seed ``s`` is ``random_program(s * 1_000_003 +
k)`` (``random_source`` for the front end), so a failure reproduces alone. Hessians are
checked for programs of at most ``--hessian-lines`` lines: their cost grows with the
square of the length of the gradient code.
"""

from __future__ import annotations

import argparse
import collections
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

import numpy as np  # noqa: E402

from fuzz import fragments, oracle  # noqa: E402
from fuzz.programs import Program, random_program  # noqa: E402


def run_one(kind: str, seed: int, folder: Path, timeout: int, hessian_lines: int = 30):
    """(outcome, source) of case ``seed``; a case running past ``timeout`` s is a crash."""
    if kind == "programs":
        program = random_program(seed)
        text = program.describe()
        hessian = program.source.count("\n") <= hessian_lines
        outcome, _ = _run_guarded(
            lambda: (oracle.check_program(program, folder, hessian=hessian), None), timeout)
    else:
        text = fragments.random_source(seed)
        outcome, _ = _run_guarded(
            lambda: (oracle.check_frontend(text, folder, fragments.SAMPLE), None), timeout)
    return outcome, text


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("kind", choices=("programs", "frontend", "emission", "shrink"))
    parser.add_argument("file", nargs="?", type=Path, help="shrink: a saved failure")
    parser.add_argument("-n", type=int, default=1000, help="how many cases (default 1000)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", type=Path, default=Path("fuzz-failures"))
    parser.add_argument("--timeout", type=int, default=120, help="seconds per case")
    parser.add_argument("--show", action="store_true", help="print each failure as found")
    parser.add_argument("--hessian-lines", type=int, default=30, help=(
        "check Hessians of programs of at most this many lines (their cost grows with the "
        "square of the gradient code's length); 0: none"))
    args = parser.parse_args(argv)
    os.environ.setdefault("S2SAD_CACHE_DIR", tempfile.mkdtemp(prefix="s2sad-fuzz-cache-"))
    folder = Path(tempfile.mkdtemp(prefix="s2sad-fuzz-"))
    if args.kind == "shrink":
        print(shrink(args.file, folder))
        return 0
    args.out.mkdir(parents=True, exist_ok=True)
    if args.kind == "emission":
        return emission(args, folder)
    counts, buckets = collections.Counter(), collections.defaultdict(collections.Counter)
    start = time.time()
    for k in range(args.n):
        seed = args.seed * 1_000_003 + k
        outcome, text = run_one(args.kind, seed, folder, args.timeout, args.hessian_lines)
        counts[outcome.status] += 1
        if outcome.status != "agreed":
            buckets[outcome.status][outcome.bucket] += 1
        if outcome.status in ("disagreed", "crashed"):
            _save(args.out, args.kind, seed, outcome, text)
            if args.show:
                print(f"--- seed {seed}: {outcome.status}: {outcome.bucket}", flush=True)
        if (k + 1) % 50 == 0:
            print(f"[{k + 1}/{args.n}] {dict(counts)} {time.time() - start:.0f} s", flush=True)
    _report(args, counts, buckets, time.time() - start)
    return 1 if counts["disagreed"] or counts["crashed"] else 0


def emission(args, folder: Path, batch: int = 25) -> int:
    """The grad and jvp modules of N programs, emitted here and by processes with other
    PYTHONHASHSEEDs (one per batch): every module must be the same bytes."""
    modules = differ = 0
    start = time.time()
    for first in range(0, args.n, batch):
        seeds = [args.seed * 1_000_003 + k for k in range(first, min(first + batch, args.n))]
        paths = [Path(oracle.load(random_program(s).source, folder).f.__code__.co_filename)
                 for s in seeds]
        here = oracle.emitted_sources(paths, folder).split("===== ")
        there = oracle.sources_in_subprocess(paths, folder, str(4242 + first)).split("===== ")
        modules += len(here) - 1
        for a, b in zip(here, there):
            if a != b:
                differ += 1
                name = a.split("\n", 1)[0].replace(" ", "_")
                (args.out / f"emission_{name}.txt").write_text(f"{a}\n=====\n{b}")
        if len(here) != len(there):
            differ += abs(len(here) - len(there))
        print(f"[{first + len(seeds)}/{args.n}] modules {modules}, differing {differ} "
              f"{time.time() - start:.0f} s", flush=True)
    print(f"\nemission: {args.n} programs, {modules} modules (grad and jvp), emitted in this "
          f"process and another with another PYTHONHASHSEED: {differ} differ"
          + (f" (saved to {args.out}/)" if differ else ""))
    return 1 if differ else 0


def _save(out: Path, kind: str, seed: int, outcome, text: str) -> None:
    header = "\n".join("# " + line for line in
                       [f"{kind} seed {seed}: {outcome.status}: {outcome.bucket}"]
                       + outcome.detail.splitlines()[-40:])
    (out / f"{kind}_{seed}.py").write_text(header + "\n\n" + text)


def _parse_saved(path: Path):
    """(kind, bucket, Program or source) of a file ``_save`` wrote."""
    text = path.read_text()
    first = text.splitlines()[0]
    kind, bucket = first[2:].split(" ", 1)[0], first.split(": ", 2)[-1]
    body = "\n".join(ln for ln in text.splitlines() if not ln.startswith("#")).lstrip() + "\n"
    if kind == "frontend":
        return kind, bucket, body
    meta = {ln.split(" = ", 1)[0][2:]: ln.split(" = ", 1)[1] for ln in text.splitlines()
            if ln.startswith(("# args = ", "# argnums = "))}
    seed = int(first.split(" seed ", 1)[1].split(":", 1)[0])
    program = random_program(seed)
    if program.source == body:  # as generated: with its eager twin (see check_program)
        return kind, bucket, program
    call_args = eval(meta["args"], {"array": np.array})  # noqa: S307 - our own file
    return kind, bucket, Program(body, call_args, eval(meta["argnums"]))  # noqa: S307


def _verdict(kind: str, case, folder: Path, bucket: str = "hessian"):
    if kind == "frontend":
        return oracle.check_frontend(case, folder, fragments.SAMPLE)
    # the Hessian checks are slow: only when the failure is one of theirs
    return oracle.check_program(case, folder, hessian=bucket.startswith(("hessian", "jacfwd(")))


def shrink(path: Path, folder: Path) -> str:
    """Delete lines (each with the block it opens) while the case fails with the same bucket."""
    kind, bucket, case = _parse_saved(path)
    source = case if kind == "frontend" else case.source
    lines, changed = source.splitlines(), True
    while changed:
        changed = False
        for i in reversed(range(len(lines))):
            end = i + 1
            depth = len(lines[i]) - len(lines[i].lstrip())
            while end < len(lines) and (not lines[end].strip() or
                                        len(lines[end]) - len(lines[end].lstrip()) > depth):
                end += 1
            trial = lines[:i] + lines[end:]
            text = "\n".join(trial) + "\n"
            try:
                compile(text, "<shrink>", "exec")
            except SyntaxError:
                continue
            attempt = text if kind == "frontend" else Program(text, case.args, case.argnums)
            outcome, _ = _run_guarded(lambda: (_verdict(kind, attempt, folder, bucket), None), 60)
            if _same(outcome.bucket, bucket):
                lines, changed = trial, True
                print(f"  {len(lines)} lines", file=sys.stderr, flush=True)
                break
    return "\n".join(lines) + "\n"


def _same(a: str, b: str) -> bool:
    """The same failure: the same check and exception (generated names and the frames
    change as lines go)."""
    def kind(bucket: str) -> list[str]:
        parts = bucket.split(": ")
        return [parts[0], parts[1].split(" ")[0] if len(parts) > 1 else ""]

    return kind(a) == kind(b)


def _run_guarded(thunk, timeout: int):
    try:
        with oracle.time_limit(timeout):
            return thunk()
    except oracle.TimeLimit:
        return oracle.Outcome("crashed", f"timeout after {timeout} s"), None


def _report(args, counts, buckets, seconds: float) -> None:
    built = args.n - counts["skipped"] - counts["refused"]
    print(f"\n{args.kind}: {args.n} cases, seed {args.seed}, {seconds:.0f} s")
    print(f"  skipped (the program fails plainly): {counts['skipped']}")
    print(f"  built: {built}")
    print(f"  refused: {counts['refused']}")
    print(f"  agreed: {counts['agreed']}")
    print(f"  disagreed: {counts['disagreed']}")
    print(f"  crashed: {counts['crashed']}")
    print(f"  known (a reported bug, see oracle.KNOWN): {counts['known']}")
    for status in ("refused", "skipped", "known", "disagreed", "crashed"):
        for bucket, n in buckets[status].most_common():
            print(f"    {status:9} {n:5}  {bucket}")
    if counts["disagreed"] or counts["crashed"]:
        print(f"  failures saved to {args.out}/")


if __name__ == "__main__":
    sys.exit(main())
