"""Read a Python function: its source text, where it lives, and what its free names mean.

``read_function(fn)`` returns a ``SourceFunction``; ``resolve`` classifies a
free name (a module, a primitive, a user function, a constant). Nothing here
knows about derivatives.
"""

from __future__ import annotations

import inspect
import linecache
import textwrap
import types
from dataclasses import dataclass, field

import libcst as cst
from libcst.metadata import MetadataWrapper, PositionProvider

from ..errors import DifferentiationError

_MISSING = object()


@dataclass
class SourceFunction:
    """A function's source and environment.

    ``line_offset`` maps a line of ``source`` (1-based) to the file:
    file line = source line + line_offset. ``col_offset`` is the dedent width.
    """

    obj: object
    name: str
    source: str
    filename: str
    line_offset: int
    col_offset: int
    globals: dict
    closure: dict = field(default_factory=dict)
    bound_self: object = _MISSING
    file_lines: list[str] = field(default_factory=list)

    def file_line(self, source_line: int) -> int:
        return source_line + self.line_offset

    def line_text(self, source_line: int) -> str:
        n = self.file_line(source_line)
        if 1 <= n <= len(self.file_lines):
            return self.file_lines[n - 1].rstrip("\n")
        lines = self.source.splitlines()
        return lines[source_line - 1] if 1 <= source_line <= len(lines) else ""


def unwrap(fn):
    """Peel ``functools.wraps`` layers and bound methods; return (function, bound self)."""
    bound = _MISSING
    if isinstance(fn, types.MethodType):
        bound, fn = fn.__self__, fn.__func__
    seen = set()
    while hasattr(fn, "__wrapped__") and id(fn) not in seen and not hasattr(fn, "__s2sad__"):
        seen.add(id(fn))
        fn = fn.__wrapped__
        if isinstance(fn, types.MethodType):
            bound, fn = fn.__self__, fn.__func__
    return fn, bound


def read_function(fn) -> SourceFunction:
    """The source and environment of a Python function (or bound method)."""
    fn, bound = unwrap(fn)
    if not isinstance(fn, types.FunctionType):
        raise DifferentiationError(
            f"cannot differentiate {fn!r}: its source is not available: there is none for "
            f"{type(fn).__name__} objects (builtins, ufuncs, C functions); s2sad reads a "
            f"function's source")
    try:
        lines, start = inspect.getsourcelines(fn)
    except (OSError, TypeError) as exc:
        raise DifferentiationError(
            f"cannot differentiate {fn.__qualname__}: its source is not available "
            f"(functions made by exec/eval or typed at the interactive prompt have no source "
            f"file); define it in a .py file") from exc
    raw = "".join(lines)
    if fn.__name__ == "<lambda>":  # read from the whole file (see read_lambda): no offsets
        raw, start = "".join(linecache.getlines(inspect.getsourcefile(fn) or "")) or raw, 1
    source = textwrap.dedent(raw)
    first = next((ln for ln in raw.splitlines() if ln.strip()), "")
    col_offset = len(first) - len(first.lstrip())
    filename = inspect.getsourcefile(fn) or fn.__code__.co_filename
    closure = {}
    if fn.__closure__:
        for name, cell in zip(fn.__code__.co_freevars, fn.__closure__):
            try:
                closure[name] = cell.cell_contents
            except ValueError:  # empty cell: a variable assigned later in the enclosing scope
                pass
    return SourceFunction(
        obj=fn, name=fn.__name__, source=source, filename=filename,
        line_offset=max(start, 1) - 1, col_offset=col_offset, globals=fn.__globals__,
        closure=closure, bound_self=bound, file_lines=linecache.getlines(filename))


def parse_def(src: SourceFunction) -> cst.FunctionDef:
    """The libcst FunctionDef of a source function (decorators included)."""
    try:
        module = cst.parse_module(src.source)
    except cst.ParserSyntaxError as exc:  # e.g. a lambda's line
        raise DifferentiationError(
            f"cannot parse the source of {src.name} ({src.filename}:{src.line_offset + 1}): {exc}"
        ) from None
    for node in module.body:
        if isinstance(node, cst.FunctionDef):
            return node
    raise DifferentiationError(
        f"cannot differentiate {src.name}: {src.filename}:{src.line_offset + 1} is not a "
        f"`def` (lambdas are not supported; write a def)")


def read_lambda(src: SourceFunction) -> tuple[cst.Lambda, object]:
    """The lambda node of a lambda function, and the positions of the file it is in.

    ``inspect`` gives a lambda's lines, which need not parse on their own (a lambda inside
    a call spanning lines): parse the whole file and find the lambda that starts on the
    code's first line with the same parameters (and, among several, the same column).
    """
    code = src.obj.__code__
    text = "".join(src.file_lines)
    try:
        module = cst.parse_module(text)
    except cst.ParserSyntaxError as exc:
        raise DifferentiationError(f"cannot parse {src.filename}: {exc}") from None
    positions = MetadataWrapper(module, unsafe_skip_copy=True).resolve(PositionProvider)
    names = list(code.co_varnames[:code.co_argcount + code.co_kwonlyargcount])
    found = []

    class Lambdas(cst.CSTVisitor):
        def visit_Lambda(self, node: cst.Lambda) -> None:
            params = node.params
            own = [p.name.value for p in list(params.posonly_params) + list(params.params)
                   + list(params.kwonly_params)]
            if positions[node].start.line == code.co_firstlineno and own == names:
                found.append(node)

    module.visit(Lambdas())
    if len(found) > 1:  # several on one line: the one whose body holds the code's first column
        # (of the instructions with a span: RESUME claims column 0, width 0)
        starts = [col for ln, _, col, end in code.co_positions()
                  if ln == code.co_firstlineno and col is not None and end is not None
                  and end > col]
        at = (code.co_firstlineno, min(starts)) if starts else None
        found = [n for n in found if at is not None and _holds(positions[n.body], at)] or found
    if len(found) != 1:
        raise DifferentiationError(
            f"cannot find the source of the lambda at {src.filename}:{code.co_firstlineno} "
            f"({'several lambdas there' if found else 'not found'}); write it as a def")
    return found[0], positions


def _holds(rng, at: tuple[int, int]) -> bool:
    """Whether a code range holds the (line, column) ``at``."""
    return (rng.start.line, rng.start.column) <= at < (rng.end.line, rng.end.column)


def lookup_free(src: SourceFunction, name: str):
    """The value of a free name: closure first, then globals, then builtins."""
    if name in src.closure:
        return src.closure[name]
    if name in src.globals:
        return src.globals[name]
    builtins = src.globals.get("__builtins__", {})
    if isinstance(builtins, types.ModuleType):
        builtins = vars(builtins)
    return builtins.get(name, _MISSING)


MISSING = _MISSING
