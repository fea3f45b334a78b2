"""What a fuzzed program is checked against, and the verdict.

``check_program(program, folder)`` imports the program from a file (s2sad reads source
through ``inspect``) and returns an ``Outcome``:

- ``skipped``: the function itself fails or is not finite at the sample (not s2sad's);
- ``refused``: building a transform raised an s2sad error (``bucket`` says which);
- ``agreed``: reverse = forward (``jacfwd`` and ``jvp``), both = central differences where
  the function is smooth at the sample, ``hessian`` = ``jacfwd(grad)`` (and = differences of
  the gradient where smooth), emission deterministic;
- ``disagreed``: one of those checks failed (``detail`` says which);
- ``crashed``: an exception that is not an s2sad error came from the compiler or from the
  generated code.

``check_frontend(source, folder)`` is the front-end fuzzer's verdict: a transform of code
that runs plainly either works or raises an s2sad error / a located ``SyntaxError``.
"""

from __future__ import annotations

import contextlib
import hashlib
import importlib.util
import io
import keyword
import os
import re
import signal
import subprocess
import sys
import threading
import time
import traceback
import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np

import s2sad
from s2sad import pipeline
from s2sad.frontend.normalize.program import ProgramBuilder

from .programs import Program

H1, H2 = 1e-5, 1e-6  # two central-difference steps: where they agree, f is smooth there
ROOT = Path(__file__).resolve().parents[2]


@dataclass
class Outcome:
    status: str  # skipped | refused | agreed | disagreed | crashed | known
    bucket: str = ""  # what kind of refusal / disagreement / crash
    detail: str = ""

    def triaged(self) -> "Outcome":
        """A failure matching a bug already reported is ``known``: not a new finding."""
        if self.status in ("crashed", "disagreed") and any(
                re.search(pattern, self.bucket) for pattern, _ in KNOWN):
            return Outcome("known", self.bucket, self.detail)
        return self


# Bugs the fuzzers found whose fix belongs outside the front end: (pattern of the failure's
# bucket, the strict xfail test that reproduces it). Delete a line when its test passes.
KNOWN = [
    (r"^(jvp|jacfwd|hessian|jacfwd\(grad\)): TypeError in api\.py:\w+: \w+\(\) missing \d+ "
     r"required positional argument",
     "test_defaults.py::test_forward_transforms_fill_in_defaults"),
    (r"^(hessian|jacfwd\(grad\)): TypeError in batching\.py:_lane: 'numpy\.float64' object "
     r"cannot be interpreted as an integer",
     "test_fuzz_programs.py::test_hessian_through_np_array_of_an_array"),
    (r"^(grad|value_and_grad): ValueError in __init__\.py:unbroadcast: cannot reshape array "
     r"of size \d+ into shape \(0,\)",
     "test_fuzz_frontend.py::test_grad_through_list_concatenation"),
    (r"^(hessian|jacfwd\(grad\)): UnboundLocalError in generated code: cannot access local "
     r"variable '_t\d+'", "test_fuzz_programs.py::test_forward_join_of_a_short_circuit_in_a_loop"),
]


# --------------------------------------------------------------------------- loading


def load(source: str, folder: Path, prefix: str = "fz"):
    """Import ``source`` as a module from a file named by its content."""
    name = f"{prefix}_{hashlib.sha256(source.encode()).hexdigest()[:16]}"
    path = Path(folder) / f"{name}.py"
    if not path.exists():
        path.write_text(source)
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # some readers look a function's module up by name
    spec.loader.exec_module(module)
    return module


def bucket_of(exc: BaseException) -> str:
    """A refusal's kind: its message without the location, names and numbers."""
    text = getattr(exc, "bare_message", None) or (str(exc).splitlines() or [""])[0]
    text = re.sub(r"^\S+:\d+(:\d+)?: ", "", text)  # where: the program's file and line
    text = re.sub(r"`([^`]*)`", lambda m: m.group(0) if _keyword(m.group(1)) or not (
        m.group(1).isidentifier()) else "`_`", text)  # keep `try`, `*x`; not the names
    text = re.sub(r"\b\d+(\.\d+)?\b", "N", text)
    return f"{type(exc).__name__}: {text[:90]}"


def _keyword(word: str) -> bool:
    return keyword.iskeyword(word) or keyword.issoftkeyword(word)


def crash_bucket(exc: BaseException) -> str:
    """Where a crash comes from: the exception and the innermost s2sad frame."""
    tb = traceback.extract_tb(exc.__traceback__)
    frames = [f for f in tb if "/s2sad/" in f.filename]
    if tb and tb[-1].filename.startswith("<s2sad-generated"):
        where = "generated code"
    else:
        where = f"{Path(frames[-1].filename).name}:{frames[-1].name}" if frames else "?"
    return f"{type(exc).__name__} in {where}: {str(exc).splitlines()[0][:80] if str(exc) else ''}"


class TimeLimit(Exception):
    """A call ran past its time (a program that loops for ever plainly)."""


@contextlib.contextmanager
def time_limit(seconds: int):
    """Raise ``TimeLimit`` in the block after ``seconds`` (main thread, POSIX; else no limit)."""
    if not hasattr(signal, "SIGALRM") or threading.current_thread() is not threading.main_thread():
        yield
        return

    def expire(signum, frame):
        raise TimeLimit(f"over {seconds} s")

    previous = signal.signal(signal.SIGALRM, expire)
    outer = signal.alarm(seconds)  # an enclosing limit's seconds left: re-armed on the way out
    start = time.monotonic()
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)
        if outer:
            signal.alarm(max(1, outer - int(time.monotonic() - start)))


def _copy(args):
    return tuple(np.copy(a) if isinstance(a, np.ndarray) else a for a in args)


def _flat(tree) -> np.ndarray:
    if isinstance(tree, (tuple, list)):
        return np.concatenate([_flat(t) for t in tree]) if tree else np.zeros(0)
    return np.atleast_1d(np.asarray(tree, dtype=float)).ravel()


def _unflat(args, nums, vec):
    """``args`` with the differentiated ones replaced by slices of ``vec``."""
    out, k = list(args), 0
    for i in nums:
        size = np.size(args[i])
        piece = vec[k:k + size]
        out[i] = piece.reshape(np.shape(args[i])) if isinstance(args[i], np.ndarray) else float(
            piece[0])
        k += size
    return tuple(out)


def _close(a, b, tol: float) -> bool:
    a, b = np.asarray(a, float), np.asarray(b, float)
    if a.shape != b.shape:
        return False
    scale = 1.0 + np.maximum(np.abs(a), np.abs(b))
    return bool(np.all(np.abs(a - b) <= tol * scale))


# --------------------------------------------------------------------------- programs


def check_program(program: Program, folder: Path, *, hessian: bool = True) -> Outcome:
    """The verdict on one program. A new failure that goes away when the program's
    short-circuit conditions (``and``, ``or``, ``a < b < c``) are written eagerly (``&``,
    ``|``) says so in its bucket (``short-circuit only: ...``): a first clue to its cause."""
    outcome = _verdict_of(program, folder, hessian).triaged()
    eager = program.without_short_circuits()
    if outcome.status in ("crashed", "disagreed") and eager is not None:
        if _verdict_of(eager, folder, hessian).triaged().status in ("agreed", "known"):
            return Outcome(outcome.status, f"short-circuit only: {outcome.bucket}",
                           outcome.detail)
    return outcome


def _verdict_of(program: Program, folder: Path, hessian: bool) -> Outcome:
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        try:
            return _check_program(program, folder, hessian)
        except _Verdict as verdict:
            return verdict.outcome


class _Verdict(Exception):
    def __init__(self, status: str, bucket: str, detail: str = ""):
        self.outcome = Outcome(status, bucket, detail)


def _plain(f, args):
    try:
        value = f(*_copy(args))
    except Exception as exc:  # noqa: BLE001 - the program's own failure
        raise _Verdict("skipped", f"plain call raises {type(exc).__name__}") from None
    try:
        value = float(value) if np.shape(value) == () else np.nan
    except (TypeError, ValueError):
        value = np.nan
    if not np.isfinite(value) or abs(value) > 1e6:
        raise _Verdict("skipped", "plain value not a moderate finite scalar")
    return value


def _transform(what: str, thunk):
    """Run one transform; s2sad errors refuse the program, other errors are crashes."""
    try:
        return thunk()
    except s2sad.DifferentiationError as exc:
        raise _Verdict("refused", bucket_of(exc), f"{what}: {exc}") from None
    except Exception as exc:  # noqa: BLE001 - a crash of s2sad or of its code
        raise _Verdict("crashed", f"{what}: {crash_bucket(exc)}",
                       f"{what}: {traceback.format_exc()}") from None


def _check_program(program: Program, folder: Path, hessian: bool) -> Outcome:
    try:
        f = load(program.source, folder).f
    except Exception as exc:  # noqa: BLE001 - a program the shrinker broke
        raise _Verdict("skipped", f"import raises {type(exc).__name__}") from None
    args, nums = program.args, program.argnums
    nums_t = (nums,) if isinstance(nums, int) else nums
    value = _plain(f, args)
    v_out, g = _transform("value_and_grad",
                          lambda: s2sad.value_and_grad(f, argnums=nums)(*_copy(args)))
    g = _flat(g)
    if not _close(v_out, value, 1e-12):
        raise _Verdict("disagreed", "value_and_grad value != f", f"{v_out} vs {value}")
    primals = _copy(args)
    tangent = np.random.default_rng(1).standard_normal(g.size)
    tangents = tuple(_unflat(tuple(np.zeros_like(np.asarray(a, float)) if isinstance(a, np.ndarray)
                                   else 0.0 for a in args), nums_t, tangent))
    out, tan = _transform("jvp", lambda: s2sad.jvp(f, primals, tangents))
    if not _close(out, value, 1e-12) or not _close(tan, g @ tangent, 1e-9):
        raise _Verdict("disagreed", "jvp != <grad, v>", f"{out}, {tan} vs {value}, {g @ tangent}")
    jac = _flat(_transform("jacfwd", lambda: s2sad.jacfwd(f, argnums=nums)(*_copy(args))))
    if not _close(jac, g, 1e-9):  # jvp (every argument's tangent at once) agreed with grad
        raise _Verdict("disagreed", "jacfwd != grad, jvp agrees", f"jacfwd {jac}\ngrad   {g}")
    _against_differences(f, args, nums_t, g)
    if hessian:
        _check_hessian(f, args)
    _check_emission(f, nums)
    return Outcome("agreed")


def _differences(fn, x0: np.ndarray, h: float) -> np.ndarray:
    cols = []
    for k in range(x0.size):
        e = np.zeros_like(x0)
        e[k] = h
        cols.append((np.asarray(fn(x0 + e), float) - np.asarray(fn(x0 - e), float)) / (2 * h))
    return np.stack(cols, axis=-1)


def _against_differences(f, args, nums, g) -> None:
    x0 = _flat([args[i] for i in nums])

    def fx(vec):
        return f(*_unflat(_copy(args), nums, vec))

    d1, d2 = _differences(fx, x0, H1), _differences(fx, x0, H2)
    smooth = np.abs(d1 - d2) <= 1e-5 * (1.0 + np.abs(d1))
    if not np.all(np.isfinite(d1)):
        return
    bad = smooth & (np.abs(g - d1) > 1e-5 * (1.0 + np.abs(d1)))
    if np.any(bad):
        raise _Verdict("disagreed", "grad != central differences",
                       f"grad {g}\nfd   {d1}\nsmooth {smooth}")


def _check_hessian(f, args) -> None:
    x = args[0]
    hess = np.asarray(_transform("hessian", lambda: s2sad.hessian(f)(*_copy(args))), float)
    grad_f = s2sad.grad(f)
    ref = np.asarray(_transform("jacfwd(grad)", lambda: s2sad.jacfwd(grad_f)(*_copy(args))), float)
    if not _close(hess, ref, 1e-9):
        raise _Verdict("disagreed", "hessian != jacfwd(grad)", f"hessian\n{hess}\nref\n{ref}")

    def gx(vec):
        return grad_f(vec, *_copy(args[1:]))

    d1, d2 = _differences(gx, x, 1e-4), _differences(gx, x, 1e-5)
    smooth = np.abs(d1 - d2) <= 1e-4 * (1.0 + np.abs(d1))
    bad = smooth & np.isfinite(d1) & (np.abs(hess - d1) > 1e-4 * (1.0 + np.abs(d1)))
    if np.any(bad):
        raise _Verdict("disagreed", "hessian != differences of grad",
                       f"hessian\n{hess}\nfd\n{d1}\nsmooth\n{smooth}")


def emit_source(f, transform: str = "grad", argnums=0) -> str:
    """The generated module of ``transform`` built from scratch (no memo, no cache)."""
    program = ProgramBuilder().build(f)
    spec = pipeline.Spec(transform, argnums)
    return pipeline.emit(program, spec, pipeline._entry_name(program, spec))


def _check_emission(f, nums) -> None:
    first = emit_source(f, "grad", nums)
    if emit_source(f, "grad", nums) != first:
        raise _Verdict("disagreed", "emission not deterministic in one process")


# --------------------------------------------------------------------------- processes

def emitted_sources(paths: list[Path], folder: Path) -> str:
    """The grad and jvp modules of the programs in ``paths``, one after the other."""
    out = []
    for path in paths:
        f = load(Path(path).read_text(), folder).f
        for transform in ("grad", "jvp"):
            try:
                text = emit_source(f, transform)
            except Exception as exc:  # noqa: BLE001 - the same refusal is the same output
                text = f"error: {type(exc).__name__}: {exc}"
            out.append(f"===== {Path(path).name} {transform}\n{text}")
    return "\n".join(out)


_CHILD = """
import sys
from pathlib import Path
sys.path[:0] = [{root!r}, {tests!r}]
from fuzz.oracle import emitted_sources
sys.stdout.write(emitted_sources(sys.argv[1:], Path({folder!r})))
"""


def sources_in_subprocess(paths: list[Path], folder: Path, hash_seed: str) -> str:
    """``emitted_sources`` computed by a fresh process with ``PYTHONHASHSEED=hash_seed``."""
    env = dict(os.environ, PYTHONHASHSEED=hash_seed, S2SAD_NO_CACHE="1")
    code = _CHILD.format(root=str(ROOT), tests=str(ROOT / "tests"), folder=str(folder))
    done = subprocess.run([sys.executable, "-c", code, *map(str, paths)], env=env,
                          capture_output=True, text=True, timeout=600, check=True)
    return done.stdout


# --------------------------------------------------------------------------- front end


def located(exc: SyntaxError, path: Path) -> bool:
    """A ``SyntaxError`` that says where: the user's file and a line in it."""
    return bool(exc.filename) and Path(exc.filename).name == path.name and bool(exc.lineno)


def check_frontend(source: str, folder: Path, x: np.ndarray) -> Outcome:
    """Transforms of a function that runs plainly work or raise an allowed error."""
    with warnings.catch_warnings(), np.errstate(all="ignore"), \
            contextlib.redirect_stdout(io.StringIO()):
        warnings.simplefilter("ignore")
        try:
            compile(source, "<fuzz>", "exec")
        except (SyntaxError, ValueError):
            return Outcome("skipped", "not Python")
        try:
            module = load(source, folder, "fe")
            f = module.f
            with time_limit(5):
                f(np.copy(x))
        except Exception as exc:  # noqa: BLE001 - the program's own failure
            return Outcome("skipped", f"plain call raises {type(exc).__name__}")
        path = Path(module.__file__)
        results = {}
        for what, thunk in (("grad", lambda: s2sad.grad(f)(np.copy(x))),
                            ("jvp", lambda: s2sad.jvp(f, (np.copy(x),), (np.ones_like(x),)))):
            outcome = _frontend_call(what, thunk, path, source, results)
            if outcome is not None:
                return outcome.triaged()
        return _grad_against_jvp(results, source)


def _grad_against_jvp(results: dict, source: str) -> Outcome:
    """Both built: <grad, 1> is the jvp along 1 (unless the program draws random numbers)."""
    try:
        along = float(np.sum(np.asarray(results["grad"], float)))
        tangent = float(np.asarray(results["jvp"][1], float))
    except (TypeError, ValueError):  # not a float function: nothing to compare
        return Outcome("agreed", "built")
    if "random" in source or not (np.isfinite(along) and np.isfinite(tangent)):
        return Outcome("agreed", "built")
    if abs(along - tangent) > 1e-9 * (1.0 + abs(along)):
        return Outcome("disagreed", "frontend: <grad, 1> != jvp along 1",
                       f"{along} vs {tangent}").triaged()
    return Outcome("agreed", "built")


def _frontend_call(what: str, thunk, path: Path, source: str, results: dict) -> Outcome | None:
    try:
        results[what] = thunk()
    except s2sad.UnsupportedSyntaxError as exc:
        lines = source.count("\n") + 1
        if Path(exc.filename).name != path.name or not 1 <= exc.line <= lines:
            return Outcome("crashed", f"{what}: unlocated UnsupportedSyntaxError", str(exc))
        return Outcome("refused", bucket_of(exc), str(exc))
    except s2sad.DifferentiationError as exc:
        return Outcome("refused", bucket_of(exc), str(exc))
    except SyntaxError as exc:
        if located(exc, path):
            return Outcome("refused", bucket_of(exc), str(exc))
        return Outcome("crashed", f"{what}: {crash_bucket(exc)}", traceback.format_exc())
    except (ValueError, TypeError) as exc:
        if str(exc).startswith("grad requires"):  # the documented error of a non-scalar output
            return Outcome("refused", f"{type(exc).__name__}: grad of a non-scalar", str(exc))
        return Outcome("crashed", f"{what}: {crash_bucket(exc)}", traceback.format_exc())
    except NameError as exc:  # UnboundLocalError too
        if "yield" in source and " in generated code" in crash_bucket(exc):
            # s2sad runs a generator to the end when it is called (README); the plain call
            # made one and never ran it, so it never met the user's own error
            return Outcome("skipped", "a generator the plain call never runs")
        return Outcome("crashed", f"{what}: {crash_bucket(exc)}", traceback.format_exc())
    except Exception as exc:  # noqa: BLE001 - anything else is a compiler bug
        return Outcome("crashed", f"{what}: {crash_bucket(exc)}", traceback.format_exc())
    return None
