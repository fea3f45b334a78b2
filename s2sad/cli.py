"""The ``s2sad`` command: print or write the generated code of a transform.

    s2sad show PACKAGE.MODULE:FUNCTION --transform grad [--argnums 0,1]
    s2sad generate PACKAGE.MODULE:FUNCTION --transform grad [--argnums 0,1]
        [--backend numpy|cupy] [-o generated/]

``generate`` writes ``<module>_<function>_<transform>.py`` (dots become
underscores; a non-numpy backend adds ``_<backend>``). The module is found
the way ``python -m`` would find it, with the current folder on ``sys.path``.

User errors (a bad spec, a missing module or function, a function s2sad
cannot differentiate) print one message on stderr and exit with status 2;
``--traceback`` shows the full traceback instead. ``python -m s2sad`` is the
same command.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from pathlib import Path

TRANSFORMS = ("grad", "value_and_grad", "grad_and_value", "jacfwd", "jacrev", "hessian")
BACKENDS = ("numpy", "cupy")
USAGE_ERROR = 2
INTERNAL_ERROR = 1


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
    show = commands.add_parser("show", help="print the generated source")
    gen = commands.add_parser("generate", help="write the generated module to a folder")
    for sub in (show, gen):
        sub.add_argument("target", metavar="MODULE:FUNCTION",
                         help="e.g. mypkg.losses:rosenbrock (or mod:Class.method)")
        sub.add_argument("-t", "--transform", choices=TRANSFORMS, default="grad",
                         help="which transform to generate (default: grad)")
        sub.add_argument("--argnums", type=_argnums, default=None,
                         help="argument index or comma-separated indices (default: 0, "
                              "or the decorator's)")
        sub.add_argument("--has-aux", action="store_true", default=None,
                         help="the function returns (value, aux)")
        sub.add_argument("--backend", choices=BACKENDS, default="numpy",
                         help="array library of the generated code (default: numpy)")
        sub.add_argument("--traceback", action="store_true",
                         help="show the full traceback on errors (for bug reports)")
    gen.add_argument("-o", "--output", default="generated", metavar="DIR",
                     help="folder to write into (default: generated/)")
    return parser


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
    if not callable(obj):
        raise CLIError(f"{target} is a {type(obj).__name__}, not a function")
    return obj


def _options(fn, args) -> tuple[object, object, bool]:
    """The function to transform, its argnums and has_aux (decorator options as defaults)."""
    from . import api

    argnums, has_aux = args.argnums, args.has_aux
    differentiable = getattr(api, "Differentiable", None)
    if differentiable is not None and isinstance(fn, differentiable):
        argnums = fn.argnums if argnums is None else argnums
        has_aux = fn.has_aux if has_aux is None else has_aux
        fn = fn.__wrapped__
    return fn, (0 if argnums is None else argnums), bool(has_aux)


def generated_source(fn, transform: str, argnums=0, has_aux: bool = False,
                     backend: str = "numpy") -> str:
    """The generated source of ``transform`` of ``fn``, through the public API only."""
    import s2sad

    if transform == "hessian" and has_aux:
        raise CLIError("hessian does not take --has-aux")
    if backend != "numpy":
        deco = s2sad.differentiate(fn, argnums=argnums, has_aux=has_aux, backend=backend)
        return deco.source(transform)
    kwargs = {"argnums": argnums}
    if has_aux:
        kwargs["has_aux"] = True
    source = getattr(s2sad, transform)(fn, **kwargs).source
    if not isinstance(source, str):  # a method on some objects, an attribute by contract
        source = source()
    return source


def output_name(target: str, transform: str, backend: str = "numpy") -> str:
    module_name, attr = _split_target(target)
    stem = f"{module_name.replace('.', '_')}_{attr.replace('.', '_')}_{transform}"
    return f"{stem}.py" if backend == "numpy" else f"{stem}_{backend}.py"


def _run(args) -> int:
    fn, argnums, has_aux = _options(_resolve(args.target), args)
    source = generated_source(fn, args.transform, argnums, has_aux, args.backend)
    if not source.endswith("\n"):
        source += "\n"
    if args.command == "show":
        sys.stdout.write(source)
        sys.stdout.flush()
        return 0
    folder = Path(args.output)
    path = folder / output_name(args.target, args.transform, args.backend)
    try:
        folder.mkdir(parents=True, exist_ok=True)
        path.write_text(source, encoding="utf-8")
    except OSError as exc:
        raise CLIError(f"cannot write {path}: {exc}") from exc
    if "import s2sad" in source or "from s2sad" in source:
        print(f"s2sad: note: {path} imports s2sad at run time", file=sys.stderr)
    print(path)
    return 0


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``s2sad`` console script; returns the exit status."""
    try:
        args = _parser().parse_args(argv)
    except SystemExit as exc:  # argparse: --help/--version (0) or a usage error (2)
        return exc.code if isinstance(exc.code, int) else USAGE_ERROR
    from .errors import DifferentiationError

    try:
        return _run(args)
    except (CLIError, DifferentiationError, NotImplementedError, TypeError, ValueError) as exc:
        if args.traceback:
            raise
        kind = "" if isinstance(exc, (CLIError, DifferentiationError)) else \
            f"{type(exc).__name__}: "
        print(f"s2sad: error: {kind}{exc}", file=sys.stderr)
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
