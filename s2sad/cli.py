"""The ``s2sad`` command: print or write standalone derivative modules (a build step).

    s2sad show PACKAGE.MODULE:FUNCTION [--transform grad] [--argnums 0,1] [--has-aux]
        [--backend numpy|cupy]
    s2sad generate TARGET [TARGET ...] [--transform grad,hessian] [--argnums 0,1]
        [--has-aux] [--backend numpy|cupy] [-o generated/] [--check]

``generate`` writes, for each target and transform, ``<module>_<function>_<transform>.py``
(dots become underscores; a non-numpy backend adds ``_<backend>``): a standalone module
that imports the array library and the user's module for its globals, never s2sad
(``codegen/standalone.py``). One progress line per file. ``--check`` writes nothing: it
compares each file with what would be written and prints a diff for each stale one.
``show`` prints the same text. Modules are found the way ``python -m`` finds them, with
the current folder on ``sys.path``.

Exit status: 0; 1 when ``--check`` finds a stale or missing file; 2 for a user error (a
bad target, transform or backend, a missing module or function, a function s2sad cannot
differentiate), reported as one line on stderr without a traceback (``--traceback``
shows it). ``python -m s2sad`` is the same command.
"""

from __future__ import annotations

import argparse
import difflib
import importlib
import inspect
import os
import sys
import time
from pathlib import Path

TRANSFORMS = ("grad", "value_and_grad", "grad_and_value", "vjp", "jvp", "jacfwd", "jacrev",
              "hessian", "hvp")
BACKENDS = ("numpy", "cupy")
USAGE_ERROR = 2
STALE = 1
INTERNAL_ERROR = 1
_ALL_ARGUMENTS = ("vjp", "jvp")  # differentiate every positional argument: no --argnums


class CLIError(Exception):
    """A user error: reported on stderr as one message, exit status 2."""


def _argnums(text: str) -> int | tuple[int, ...]:
    """``"0"`` -> ``0``; ``"0,1"`` -> ``(0, 1)`` (a tuple gives a tuple of gradients)."""
    parts = [p.strip() for p in text.split(",")]
    try:
        nums = tuple(int(p) for p in parts)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"expected an integer or comma-separated integers such as 0,1; got {text!r}") from None
    return nums[0] if len(nums) == 1 and "," not in text else nums


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="s2sad", description="Show or write the derivative code s2sad generates.")
    from . import __version__

    parser.add_argument("--version", action="version", version=f"s2sad {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    show = commands.add_parser("show", help="print the standalone module of one transform")
    gen = commands.add_parser("generate", help="write standalone modules to a folder")
    show.add_argument("targets", nargs=1, metavar="MODULE:FUNCTION",
                      help="e.g. mypkg.losses:rosenbrock (or mod:Class.method)")
    gen.add_argument("targets", nargs="+", metavar="MODULE:FUNCTION",
                     help="one or more, e.g. mypkg.losses:rosenbrock mypkg.nets:loss")
    for sub in (show, gen):
        sub.add_argument("-t", "--transform", default="grad", metavar="|".join(TRANSFORMS),
                         help="the transform (generate: several, comma-separated; "
                              "default: grad)")
        sub.add_argument("--argnums", type=_argnums, default=None,
                         help="argument index or comma-separated indices (default: 0, "
                              "or the decorator's)")
        sub.add_argument("--has-aux", action="store_true", default=None,
                         help="the function returns (value, aux)")
        sub.add_argument("--backend", default="numpy", metavar="numpy|cupy",
                         help="array library of the generated code (default: numpy); "
                              "cupy needs no CuPy to generate")
        sub.add_argument("--traceback", action="store_true",
                         help="show the full traceback on errors (for bug reports)")
    gen.add_argument("-o", "--output", default="generated", metavar="DIR",
                     help="folder to write into (default: generated/)")
    gen.add_argument("--check", action="store_true",
                     help="write nothing; exit 1 with a diff when a file in DIR is stale")
    return parser


def _transforms(text: str, several: bool) -> list[str]:
    names = [t.strip() for t in text.split(",")]
    for name in names:
        if name not in TRANSFORMS:
            raise CLIError(f"unknown transform {name!r}; one of {', '.join(TRANSFORMS)}")
    if len(names) > 1 and not several:
        raise CLIError("show takes one transform")
    return names


def _check_backend(backend: str) -> str:
    if backend not in BACKENDS:
        raise CLIError(f"unknown backend {backend!r}; one of {', '.join(BACKENDS)}")
    return backend


# --------------------------------------------------------------------------- targets


def _split_target(target: str) -> tuple[str, str]:
    module, sep, attr = target.partition(":")
    names = module.split(".") + attr.split(".")
    if not sep or not module or not attr or not all(n.isidentifier() for n in names):
        raise CLIError(f"bad target {target!r}: expected PACKAGE.MODULE:FUNCTION, "
                       "e.g. mypkg.losses:rosenbrock")
    return module, attr


def _import(module_name: str):
    cwd = os.getcwd()
    if cwd not in sys.path and "" not in sys.path:
        sys.path.insert(0, cwd)
    try:
        return importlib.import_module(module_name)
    except ModuleNotFoundError as exc:
        if exc.name == module_name or module_name.startswith(f"{exc.name}."):
            raise CLIError(f"cannot import module {module_name!r}: {exc}") from exc
        raise CLIError(f"importing {module_name!r} failed: {type(exc).__name__}: {exc}") from exc
    except Exception as exc:  # the user's module raised while importing
        raise CLIError(f"importing {module_name!r} failed: {type(exc).__name__}: {exc}") from exc


def _resolve(target: str):
    module_name, attr = _split_target(target)
    obj = _import(module_name)
    for part in attr.split("."):
        try:
            obj = getattr(obj, part)
        except AttributeError:
            raise CLIError(f"module {module_name!r} has no function {attr!r}") from None
    if not callable(obj) or isinstance(obj, type):
        raise CLIError(f"{target} is a {type(obj).__name__}, not a function")
    return obj


def _options(fn, args) -> tuple[object, object, bool]:
    """The function to transform, its argnums and has_aux (decorator options as defaults)."""
    from . import api

    argnums, has_aux = args.argnums, args.has_aux
    if isinstance(fn, api.Differentiable):
        argnums = fn.argnums if argnums is None else argnums
        has_aux = fn.has_aux if has_aux is None else has_aux
        fn = fn.__wrapped__
    return fn, (0 if argnums is None else argnums), bool(has_aux)


def _positional(fn) -> list[str]:
    try:
        params = inspect.signature(fn).parameters.values()
    except (TypeError, ValueError):
        raise CLIError(f"cannot read the signature of {fn!r}") from None
    return [p.name for p in params if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]


def generated_module(fn, transform: str, argnums=0, has_aux: bool = False,
                     backend: str = "numpy"):
    """The generated module (``Generated``, or ``BackendModule`` for CuPy) of ``transform``
    of ``fn``, as the public API builds it (``Differentiable.source`` for vjp/jvp/hvp)."""
    import s2sad

    from . import api
    from .pipeline import Spec

    if transform in ("hessian", "hvp") and has_aux:
        raise CLIError(f"{transform} does not take --has-aux")
    n = len(_positional(fn))
    if transform in _ALL_ARGUMENTS:
        return api._generated(fn, Spec(transform, tuple(range(n)), has_aux, backend=backend))
    if transform == "hvp":
        return api._generated(api.grad(fn, argnums), Spec("jvp", tuple(range(n)),
                                                          backend=backend))
    if transform == "hessian":
        return s2sad.hessian(fn, argnums, backend=backend).generated
    kwargs = {"argnums": argnums, "backend": backend}
    if has_aux:
        kwargs["has_aux"] = True
    return getattr(s2sad, transform)(fn, **kwargs).generated


def output_name(target: str, transform: str, backend: str = "numpy") -> str:
    module_name, attr = _split_target(target)
    stem = f"{module_name.replace('.', '_')}_{attr.replace('.', '_')}_{transform}"
    return f"{stem}.py" if backend == "numpy" else f"{stem}_{backend}.py"


def _command(target: str, transform: str, argnums, has_aux: bool, backend: str) -> str:
    """The ``s2sad generate`` command that regenerates one module (resolved options)."""
    parts = ["s2sad generate", target, "--transform", transform]
    if transform not in _ALL_ARGUMENTS:
        nums = argnums if isinstance(argnums, tuple) else (argnums,)
        parts += ["--argnums", ",".join(map(str, nums))]
    if has_aux:
        parts.append("--has-aux")
    if backend != "numpy":
        parts += ["--backend", backend]
    return " ".join(parts)


def standalone_source(target: str, transform: str, args) -> str:
    """The text ``s2sad generate`` writes for one target and transform."""
    from . import pipeline
    from .codegen import standalone

    fn, argnums, has_aux = _options(_resolve(target), args)
    if transform in _ALL_ARGUMENTS and args.argnums is not None:
        raise CLIError(f"{transform} differentiates every positional argument; "
                       "--argnums does not apply")
    gen = generated_module(fn, transform, argnums, has_aux, args.backend)
    names = _positional(fn)
    nums = argnums if isinstance(argnums, tuple) else (argnums,)
    argnames = ", ".join(names[i] if -len(names) <= i < len(names) else str(i) for i in nums)
    files = pipeline.source_files(fn) or [f for f in [inspect.getsourcefile(fn)] if f]
    header = standalone.Header(
        command=_command(target, transform, argnums, has_aux, args.backend),
        sources=tuple(standalone.shown_path(f) for f in files),
        digest=standalone.source_digest(files),
        usage=standalone.usage(gen.source, gen.entry_name, transform, argnames))
    return standalone.module_text(gen, fn, header, args.backend)


# --------------------------------------------------------------------------- commands


def _show(args) -> int:
    sys.stdout.write(standalone_source(args.targets[0], _transforms(args.transform, False)[0],
                                       args))
    sys.stdout.flush()
    return 0


def _generate(args) -> int:
    jobs = [(t, tr) for t in args.targets for tr in _transforms(args.transform, True)]
    folder = Path(args.output)
    stale = 0
    for i, (target, transform) in enumerate(jobs, 1):
        start = time.perf_counter()
        text = standalone_source(target, transform, args)
        path = folder / output_name(target, transform, args.backend)
        what = f"{transform} of {target}, {time.perf_counter() - start:.2f} s"
        if args.check:
            stale += _check_file(path, text, f"[{i}/{len(jobs)}]", what)
            continue
        try:
            folder.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
        except OSError as exc:
            raise CLIError(f"cannot write {path}: {exc}") from exc
        print(f"[{i}/{len(jobs)}] wrote {path} ({what})", flush=True)
    if stale:
        print(f"s2sad: {stale} of {len(jobs)} generated file(s) in {folder} are stale; "
              f"rerun the same command without --check to refresh them", file=sys.stderr)
        return STALE
    return 0


def _check_file(path: Path, text: str, count: str, what: str) -> int:
    """Print whether ``path`` holds ``text`` (a diff when not); 1 if stale or missing."""
    try:
        old = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        print(f"{count} MISSING {path} ({what})", flush=True)
        return 1
    except OSError as exc:
        raise CLIError(f"cannot read {path}: {exc}") from exc
    if old == text:
        print(f"{count} up to date {path} ({what})", flush=True)
        return 0
    print(f"{count} STALE {path} ({what})", flush=True)
    sys.stdout.writelines(difflib.unified_diff(
        old.splitlines(True), text.splitlines(True), f"{path} (on disk)",
        f"{path} (generated now)"))
    sys.stdout.flush()
    return 1


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``s2sad`` console script; returns the exit status."""
    try:
        args = _parser().parse_args(argv)
    except SystemExit as exc:  # argparse: --help/--version (0) or a usage error (2)
        return exc.code if isinstance(exc.code, int) else USAGE_ERROR
    from .codegen.standalone import StandaloneError
    from .errors import DifferentiationError

    try:
        _check_backend(args.backend)
        return _show(args) if args.command == "show" else _generate(args)
    except (CLIError, DifferentiationError, StandaloneError, NotImplementedError, TypeError,
            ValueError) as exc:
        if args.traceback:
            raise
        kind = "" if isinstance(exc, (CLIError, DifferentiationError, StandaloneError)) else \
            f"{type(exc).__name__}: "
        message = " ".join(str(exc).split("\n")[:1]) if not isinstance(
            exc, DifferentiationError) else str(exc)
        print(f"s2sad: error: {kind}{message}", file=sys.stderr)
        return USAGE_ERROR
    except BrokenPipeError:  # `s2sad show ... | head`: stop quietly, like other tools
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except Exception as exc:
        if args.traceback:
            raise
        print(f"s2sad: internal error: {type(exc).__name__}: {exc}\n"
              "(this is a bug in s2sad; rerun with --traceback and report it)", file=sys.stderr)
        return INTERNAL_ERROR


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
