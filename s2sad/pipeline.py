"""The pipeline, top to bottom: read -> lower -> transform -> simplify -> print -> cache -> load.

``generate(fn, spec)`` returns the loaded generated module for one transform
of one function. Everything above this file (``api.py``) is argument handling;
everything below is a pass.

Start-up: the compiler (libcst, black, the rules, the passes) is imported by the
first generation that needs it, never by ``import s2sad``; a module already in the
disk cache is found and loaded without it (``_walk`` and ``_dependencies``, below).
"""

from __future__ import annotations

import binascii
import functools
import hashlib
import linecache
import marshal
import os
import pathlib
import re
import sys
import textwrap
import threading
import types
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

import numpy as np

from . import __version__
from .codegen import cache
from .errors import DifferentiationError

if TYPE_CHECKING:
    from . import ir


@dataclass(frozen=True)
class Spec:
    """What to generate. ``argnums`` is an int or a tuple, as the user gave it."""

    transform: str  # grad | value_and_grad | grad_and_value | vjp | jvp | jacfwd | jacrev
    argnums: int | tuple[int, ...] = 0
    has_aux: bool = False
    vector: bool = False  # Jacobians: one batched pass (False: a loop that composes)
    # the kinds of the positional arguments (``specialize.signature_of``, or the plain
    # values ``kinds`` reads); None: generic code
    signature: tuple | None = None
    # the array library the module calls: the NumPy module's text converted once
    # (``codegen/backends.py``); the transforms only ever see NumPy code
    backend: str = "numpy"
    # the entry returns only this item of the transform's result (``hvp``: the tangent of
    # a jvp of the gradient), so what only the other items need is never computed
    only: int | None = None


@dataclass
class Generated:
    source: str
    namespace: dict
    entry_name: str
    # the global names and closure cells the code was built from, bound to the objects
    # they held then (``_Walk.bindings``): while ``bindings_hold``, the code is current
    bindings: tuple = ()

    @property
    def entry(self):
        return self.namespace[self.entry_name]


def generate(fn, spec: Spec) -> Generated:
    """The module for ``spec`` of ``fn``: from the disk cache when it holds it, else built.

    The cache entry is found by a *quick key*: ``spec``, the versions, and a walk of what
    ``fn`` reaches by name (``_walk``: functions by file and line, constants by value,
    no parsing). The entry carries a manifest of what its text was built from (the line
    spans of every source read, which walked objects are the module's globals, the full
    key) and the module compiled; if any of those sources changed, the module is built
    again and the entry replaced. Either way the bytes on disk pass the cache's own
    checks (``cache.py``), and a hit imports neither libcst nor black nor the rules.
    """
    if spec.backend != "numpy":
        from .codegen import backends

        return backends.on_backend(generate(fn, replace(spec, backend="numpy")), spec.backend,
                                   __version__ + _black_version() + _compiler_fingerprint())
    active = _ACTIVE.__dict__.setdefault("keys", set())
    key = (id(fn), spec)
    if key in active:  # its own code asks for it: without this, a recursion without end
        raise DifferentiationError(
            f"cannot differentiate {getattr(fn, '__qualname__', fn)}: its code uses its own "
            f"{spec.transform} (a transform of a function inside that function's body)")
    active.add(key)
    try:
        return _generate(fn, spec)
    finally:
        active.discard(key)


_ACTIVE = threading.local()  # the generations under way in this thread


def _generate(fn, spec: Spec) -> Generated:
    """``generate`` itself (see there)."""
    walk = _walk_or_none(fn)
    if walk is None:  # an object the walk cannot describe: the full path
        return _build(fn, spec)[0]
    if cache.cache_dir() is None:
        return replace(_build(fn, spec)[0], bindings=tuple(walk.bindings))
    quick = cache.make_key("s2sad-quick-v1", repr(spec), walk.digest, __version__,
                           _black_version(), _compiler_fingerprint(), sys.version)
    built: list[Generated] = []
    entry = cache.load_or_build(quick, lambda: _build_entry(fn, spec, walk, built))
    if built:
        return replace(built[0], bindings=tuple(walk.bindings))
    manifest, code, text = _split_entry(entry)
    generated = _load_verified(manifest, code, text, walk)
    if generated is None:  # a source it was built from changed: build it again
        cache.store(quick, _build_entry(fn, spec, walk, built, manifest, text))
        generated = built[0]
    return replace(generated, bindings=tuple(walk.bindings))


def bindings_hold(bindings: tuple) -> bool:
    """Whether every global name and closure cell in ``bindings`` (``Generated.bindings``)
    still holds the object it held when the code was built (a rebound helper, array or
    constant makes the code stale). A few dictionary reads: checked on every call."""
    for where, name, value in bindings:
        if name is None:  # a closure cell
            try:
                if where.cell_contents is not value:
                    return False
            except ValueError:  # emptied
                return False
        elif where.get(name, _UNBOUND) is not value:
            return False
    return True


_UNBOUND = object()


def bindings_of(fn) -> tuple:
    """What ``fn`` reads by name now (``_Walk.bindings``); () where the walk cannot say."""
    walk = _walk_or_none(fn)
    return () if walk is None else tuple(walk.bindings)


def _build(fn, spec: Spec, reuse: tuple[str, str] | None = None, cached: bool = True):
    """The full path: lower ``fn`` and every callee (libcst), key the text by every source
    read, then reuse ``reuse = (key, text)`` if the key is the same, else read the disk
    cache by that key (``cached``) or emit. Returns the ``Generated``, its key, its
    compiled code, the sources read and the program."""
    from . import ir
    from .frontend.normalize.program import ProgramBuilder
    from .transforms import inline, licm, simplify

    builder = ProgramBuilder()
    program = builder.build(fn)
    program = ir.Program(program.entry, {k: licm.hoist(simplify.fold_tuples(f))
                                         for k, f in inline.inline_marked(
                                             program).functions.items()},
                         program.globals)
    entry_name = _entry_name(program, spec)
    key = cache.make_key(*builder.sources, repr(spec), repr(sorted(program.globals)),
                         __version__, _black_version(), _compiler_fingerprint())
    if reuse is not None and reuse[0] == key:
        source = reuse[1]
    elif cached:
        source = cache.load_or_build(key, lambda: emit(program, spec, entry_name))
    else:
        source = emit(program, spec, entry_name)
    code = compile(source, _filename(source), "exec")
    generated = Generated(source, load(source, key, program.globals, code), entry_name)
    return generated, key, code, builder.sources, program


def _entry_name(program: ir.Program, spec: Spec) -> str:
    suffix = {"vjp": "fwd"}.get(spec.transform, spec.transform)
    return f"{program.entry}_{suffix}"


def emit(program: ir.Program, spec: Spec, entry_name: str) -> str:
    """The generated module's text for ``spec`` (deterministic)."""
    from .codegen import printer
    from .transforms import accumulate, list_pops, simplify, tape

    emitter = _emitters()[spec.transform]
    if spec.signature is not None:  # grad of a few scalars through loops: forward mode
        from .transforms import mode

        emitter = mode.choose(program, spec, kinds(spec.signature), emitter)
    functions = emitter(program, spec, entry_name)
    if spec.only is not None:
        functions = [_returning_item(f, spec.only) if f.name == entry_name else f
                     for f in functions]
    if spec.signature is not None:
        functions = _specialized(_with_primal_callees(program, functions), entry_name,
                                 spec.signature, spec.transform == "jvp")
        functions = [accumulate.in_place(f) for f in functions]  # run, never read back
    else:  # values recorded for nothing (a loop no derivative flows through) are not taped
        functions = [tape.drop_unread_entries(f) for f in functions]
    run_only = spec.signature is not None  # run, never differentiated again
    functions = [simplify.drop_repeated_comments(simplify.dead_code(simplify.propagate_copies(
        simplify.fold_constants(simplify.coalesce_copies(simplify.dead_code(
            simplify.common_subexpressions(simplify.propagate_copies(simplify.fold_constants(
                f))), run_only)))), run_only))
        for f in functions]  # again: coalesced copies make more pairs meet, folds more copies
    if spec.signature is not None:  # after copies are coalesced: the steps read directly
        functions = [list_pops.pop_in_place(accumulate.in_place_runs(f)) for f in functions]
        from .transforms import cheap_spellings, scatters

        entry_kinds, containers = kinds(spec.signature), structs(spec.signature)

        def written_out(f):  # the entry's cotangents as a person writes them, cheaply spelled
            params = dict(zip(f.params, entry_kinds))
            items = {f.params[i]: st for i, st in containers.items() if i < len(f.params)}
            return cheap_spellings.respell(scatters.items(scatters.lower(f, params), items),
                                          params)

        functions = [written_out(f) if f.name == entry_name else f for f in functions]
    functions = [simplify.release_dead(f) for f in functions]
    functions = _with_primal_callees(program, functions)
    fn = program.entry_function()
    where = fn.filename if fn.filename.startswith("<") else pathlib.Path(fn.filename).name
    header = (f"Generated by s2sad {__version__}: {spec.transform} of {fn.name} "
              f"({where}:{fn.first_line}). Do not edit.")
    return printer.module(functions, header)


def _returning_item(fn, k: int):
    """``fn`` returning item ``k`` of the tuple it built to return (``dead_code`` then drops
    what only the other items needed)."""
    from . import ir

    built = {s.target: s.value for s in ir.walk(fn.body) if isinstance(s, ir.Assign)}

    def item(s):
        value = built.get(s.value.id) if isinstance(s, ir.Return) and isinstance(
            s.value, ir.Name) else None
        if not (isinstance(value, ir.Call) and value.func == "tuple" and len(value.args) > k):
            raise AssertionError(f"{fn.name} returns no tuple of {k + 1} items")  # a bug here
        return ir.replace(s, value=value.args[k])

    def sweep(body):
        return tuple(item(s) if isinstance(s, ir.Return) else ir.map_bodies(s, sweep)
                     for s in body)

    return ir.replace(fn, body=sweep(fn.body))


def _specialized(functions: list[ir.Function], entry_name: str, signature: tuple,
                 tangents: bool = False) -> list[ir.Function]:
    """The module's functions specialized to the entry's argument kinds (a container's
    items by constant index or key) and, from there, each callee to the kinds its callers
    pass (``transforms/specialize_calls.py``). With ``tangents`` (a jvp: primals, then
    one tangent each, of the same shapes: the API checks) each tangent shares its
    primal's dimensions."""
    from . import ir
    from .transforms import specialize, specialize_calls

    fn = next(f for f in functions if f.name == entry_name)
    given = {p: k for p, k in zip(fn.params, kinds(signature)) if k is not None}
    containers = {fn.params[i]: st for i, st in structs(signature).items()
                  if i < len(fn.params)}
    for name, default in fn.defaults:  # parameters left to their (constant) defaults
        if name in fn.params[len(signature):] and isinstance(default, ir.Const):
            given[name] = specialize.signature_of(default.value)
    same_shape = {}
    if tangents and len(fn.params) % 2 == 0:
        n = len(fn.params) // 2
        same_shape = dict(zip(fn.params[n:], fn.params[:n]))
    return specialize_calls.specialize_module(functions, entry_name, given, same_shape,
                                              containers)


_EXAMPLES = {"float": 1.5, "int": 1, "bool": True}


def kinds(signature: tuple) -> tuple:
    """The kinds (``specialize.Kind``) of a signature whose entries may be the plain values
    ``api`` records without importing the compiler: ``"float"``, ``"int"``, ``"bool"`` or
    ``("array", dtype, ones)``. Each is the kind of an example value: an array with size 1
    where ``ones`` says so and 2 elsewhere. Sound because a kind depends on the type,
    the dtype and which dimensions are 1, never on the sizes (``tests/test_startup.py``
    checks it against ``signature_of``)."""
    return tuple(None if _is_container(s) else _kind(s) for s in signature)


def _kind(s):
    from .transforms.specialize import signature_of

    if isinstance(s, str) and s in _EXAMPLES:
        return signature_of(_EXAMPLES[s])
    if isinstance(s, tuple) and len(s) == 3 and s[0] == "array":
        return signature_of(np.empty(tuple(1 if one else 2 for one in s[2]), np.dtype(s[1])))
    return s


def _is_container(s) -> bool:
    return isinstance(s, tuple) and len(s) == 2 and s[0] in ("dict", "list", "tuple")


def structs(signature: tuple) -> dict[int, object]:
    """Position -> the ``specialize_calls.Struct`` of each container in ``signature``
    (``api._container_signature``): its items' kinds, known by constant index or key."""
    from .transforms.specialize_calls import Struct

    def struct(s):
        kind, items = s
        if kind == "dict":
            return Struct((struct(v) if _is_container(v) else _kind(v) for _, v in items),
                          keys=tuple(k for k, _ in items))
        return Struct(struct(v) if _is_container(v) else _kind(v) for v in items)

    return {i: struct(s) for i, s in enumerate(signature) if _is_container(s)}


def _emitters() -> dict:
    """Each transform's emitter: its entry function and the functions it calls, as IR."""
    from .transforms import batching_entry, forward, gradient, jacobians

    return {"grad": gradient.emit_gradient, "value_and_grad": gradient.emit_gradient,
            "grad_and_value": gradient.emit_gradient, "vjp": gradient.emit_vjp,
            "jvp": forward.emit_jvp, "jacfwd": jacobians.emit_jacfwd,
            "jacrev": jacobians.emit_jacrev, "vmap": batching_entry.emit_vmap}


def _with_primal_callees(program: ir.Program, functions: list[ir.Function]) -> list[ir.Function]:
    """Add the primal code of every user function the generated code still calls."""
    from . import ir

    have = {f.name for f in functions}
    out = list(functions)
    i = 0
    while i < len(out):
        for s in ir.walk(out[i].body):
            if isinstance(s, ir.Assign) and isinstance(s.value, ir.UserCall):
                name = s.value.func
                if name not in have and name in program.functions:
                    have.add(name)
                    out.append(program.functions[name])
        i += 1
    return out


def load(source: str, key: str, globals_: dict, code: types.CodeType | None = None) -> dict:
    """Execute generated source (or ``code``, its compiled form) as a module whose
    functions have readable source."""
    filename = _filename(source)
    linecache.cache[filename] = (len(source), None, source.splitlines(True), filename)
    namespace = {"__name__": f"s2sad_generated_{key[:16]}", "__file__": filename}
    namespace.update(globals_)
    exec(code if code is not None else compile(source, filename, "exec"), namespace)
    return namespace


def _filename(source: str) -> str:
    """Named by the text itself, so the same code has the same name in every checkout."""
    return f"<s2sad-generated-{hashlib.sha256(source.encode()).hexdigest()[:16]}>"


@functools.lru_cache(maxsize=None)
def _compiler_fingerprint() -> str:
    """A hash of s2sad's own sources: a changed compiler never reuses old cache entries."""
    root = os.path.dirname(os.path.abspath(__file__))
    paths = []
    for folder, dirs, files in os.walk(root):
        dirs[:] = [d for d in dirs if d != "__pycache__"]
        rel = os.path.relpath(folder, root).replace(os.sep, "/")
        paths += [(tuple(rel.split("/")) if rel != "." else ()) + (f,) for f in files
                  if f.endswith(".py")]
    digest = hashlib.sha256()
    for parts in sorted(paths):
        digest.update("/".join(parts).encode())
        with open(os.path.join(root, *parts), "rb") as f:
            digest.update(f.read())
    return digest.hexdigest()


@functools.lru_cache(maxsize=None)
def _black_version() -> str:
    """Black's version, without importing black (half the compiler's import time): the
    ``_black_version`` module black installs for its ``__version__``, else its metadata."""
    try:
        from _black_version import version  # what ``black.__version__`` is read from

        return str(version)
    except ImportError:
        pass
    try:
        from importlib.metadata import version

        return version("black")
    except Exception:  # noqa: BLE001 - no metadata (a vendored black): ask black itself
        import black

        return black.__version__


# --------------------------------------------------------------------------- the quick path
#
# A cache entry found by the quick key is ``# s2sad-manifest {...}`` (a Python literal),
# ``# s2sad-code ...`` (the module compiled: base64 of ``marshal``, for this Python, which
# the quick key names; compiling a long module costs more than the rest of a hit), then
# the module's text. The manifest:
#
#     {"key": the full key (what ``_build`` computes), "entry": "f_grad",
#      "spans": [[file, first line, line count, sha256 of those lines], ...],
#      "globals": {"W": 12, "scipy": ["module", "scipy"], ...}}
#
# ``spans``: every source the build read (the entry and each callee; a lambda: its whole
# file, line count 0); ``globals``: the values the module needs, as the index of the
# walked object they are (the walk is the same, or the quick key would differ) or a
# module by name. Without ``spans`` (something the walk does not vouch for), the entry
# still saves the emit: the full path runs and reuses the text if its key is the same.

_MANIFEST = "# s2sad-manifest "
_CODE = "# s2sad-code "
_DOTTED = re.compile(r"^[A-Za-z_]\w*(\.[A-Za-z_]\w*)*$")


def _build_entry(fn, spec: Spec, walk: _Walk, built: list, manifest: dict | None = None,
                 text: str | None = None) -> str:
    """The full path, for a quick-keyed entry: the loaded module goes to ``built``; returns
    the entry's text (manifest line, then the module). ``manifest``/``text``: the stale
    entry, whose module is reused when its full key is still right."""
    reuse = (manifest.get("key"), text) if manifest and text is not None else None
    generated, key, code, sources, program = _build(fn, spec, reuse, cached=False)
    built.append(generated)
    facts = {"key": key, "entry": generated.entry_name}
    facts.update(_dependencies(sources, program.globals, walk) or {})
    compiled = binascii.b2a_base64(marshal.dumps(code), newline=False).decode("ascii")
    return f"{_MANIFEST}{facts!r}\n{_CODE}{compiled}\n{generated.source}"


def _split_entry(entry: str) -> tuple[dict | None, str | None, str]:
    """The manifest (None if missing or unreadable), the compiled module (base64) and
    the module's text of an entry."""
    import ast

    manifest = code = None
    first, newline, rest = entry.partition("\n")
    if newline and first.startswith(_MANIFEST):
        try:
            manifest = ast.literal_eval(first[len(_MANIFEST):])
        except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
            pass
        entry = rest
        first, newline, rest = entry.partition("\n")
        if newline and first.startswith(_CODE):
            code, entry = first[len(_CODE):], rest
    return (manifest if isinstance(manifest, dict) else None), code, entry


class _Stale(Exception):
    """A manifest that no longer describes what its module was built from."""


def _load_verified(manifest: dict | None, code: str | None, text: str,
                   walk: _Walk) -> Generated | None:
    """The cached module, if every source it was built from reads as it did; else None."""
    try:
        if not manifest or "spans" not in manifest:
            raise _Stale
        for file, line, count, digest in manifest["spans"]:
            if _span_digest(file, line, count) != digest:
                raise _Stale
        globals_ = {name: _resolve(where, walk) for name, where in manifest["globals"].items()}
        namespace = load(text, manifest["key"], globals_, _unmarshal(code, text))
        generated = Generated(text, namespace, manifest["entry"])
        return generated if callable(generated.entry) else None
    except Exception:  # noqa: BLE001 - anything amiss: the full path decides (and raises)
        return None


def _unmarshal(code: str | None, text: str) -> types.CodeType | None:
    """The compiled module of an entry, if it is there and is ``text``'s; else None."""
    if not code:
        return None
    try:
        compiled = marshal.loads(binascii.a2b_base64(code))
    except (ValueError, EOFError, TypeError, binascii.Error):
        return None
    ok = type(compiled) is types.CodeType and compiled.co_filename == _filename(text)
    return compiled if ok else None


def _resolve(where, walk: _Walk):
    """A global of a cached module: a walked object (by index) or a module by name."""
    if isinstance(where, int) and 0 <= where < len(walk.nodes):
        return walk.nodes[where]
    if isinstance(where, list) and len(where) == 2 and where[0] == "module":
        module = sys.modules.get(where[1])
        if module is not None:
            return module
    raise _Stale


def _dependencies(sources: list[str], globals_: dict, walk: _Walk) -> dict | None:
    """``spans`` and ``globals`` for a manifest, or None when the walk does not vouch for
    everything the build read: every source must be a walked function's, every inlined
    constant a walked value of that name, every global a walked object or a module."""
    located = {(f.__code__.co_filename, f.__code__.co_firstlineno) for f in walk.functions}
    spans = []
    for source in sources:  # ``file:line\ntext`` of a function, or ``code=repr``
        head, newline, text = source.partition("\n")
        file, _, line = head.rpartition(":")
        if newline and line.isdigit():
            span = _span(file, int(line), text) if (file, int(line)) in located else None
            if span is None:
                return None
            spans.append(span)
        elif not _walked_constant(source, walk):
            return None
    where: dict[str, object] = {}
    for name, value in sorted(globals_.items()):
        i = walk.seen.get(id(value))
        if i is not None and walk.nodes[i] is value:
            where[name] = i
        elif isinstance(value, types.ModuleType) and sys.modules.get(value.__name__) is value:
            where[name] = ["module", value.__name__]
        else:
            return None
    return {"spans": spans, "globals": where}


def _walked_constant(source: str, walk: _Walk) -> bool:
    """Whether an inlined constant ``code=repr`` (``SCALE=0.5``, ``self.n=3``) is a value
    the walk described, under a path of names ending in ``code``."""
    code, eq, value = source.partition("=")
    if code in ("None", "True", "False"):
        return value == code
    if not eq or not _DOTTED.match(code):
        return False
    parts = tuple(code.split("."))
    return any(names[-len(parts):] == parts and text == value for names, text in walk.scalars)


def _span(file: str, line: int, text: str) -> list | None:
    """``[file, line, count, sha]`` of the lines ``text`` was read from (dedented), or of
    the whole file (count 0) when ``text`` is no whole lines (a lambda's)."""
    lines = _file_lines(file)
    count = len(text.splitlines())
    raw = "".join(lines[line - 1:line - 1 + count])
    if count and textwrap.dedent(raw) == text:
        return [file, line, count, _sha(raw)]
    whole = "".join(lines)
    return [file, 0, 0, _sha(whole)] if whole else None


def _span_digest(file: str, line: int, count: int) -> str:
    lines = _file_lines(file)
    return _sha("".join(lines[line - 1:line - 1 + count] if count else lines))


def _file_lines(file: str) -> list[str]:
    """The lines of a file as the front end reads them (``linecache``, fresh from disk)."""
    if not (file.startswith("<") and file.endswith(">")):
        linecache.checkcache(file)
    return linecache.getlines(file)


def _sha(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


# --------------------------------------------------------------------------- the walk

_PLAIN = frozenset({bool, int, float, complex, str, bytes, type(None)})
_MAX_ITEMS = 64  # elements of a container described one by one
_MAX_DEPTH = 16


def source_files(fn) -> list[str]:
    """The files of the user functions ``fn`` reaches by name (``_Walk``): what its
    generated code is built from, for the header of ``s2sad generate``'s modules."""
    walk = _walk_or_none(fn)
    files = {f.__code__.co_filename for f in (walk.functions if walk is not None else ())}
    return sorted(f for f in files if os.path.isfile(f))


def _walk_or_none(fn) -> _Walk | None:
    walk = _Walk()
    try:
        walk.visit(fn, (), 0, ())
    except Exception:  # noqa: BLE001 - an object that resists description: no quick key
        return None
    return walk


class _Walk:
    """What a function reaches by name, described without parsing or running user code.

    From the function, it follows the names its code (and nested code) uses: globals,
    builtins, closure cells, defaults, ``__wrapped__``, a bound method's object, the
    attributes of modules, classes and user objects under those names, the items of
    containers, the function of an s2sad transform and its generated entry. Each object
    is described once (a second meeting is a reference, so sharing is part of the
    description): user functions by qualified name, file and first line (their text is
    checked through the manifest's spans), Python and NumPy scalars by ``repr``, arrays
    by dtype and shape, modules, classes and library objects by name. The digest of the
    descriptions is part of the quick key: a rebound name, a changed constant or default,
    a different helper or callee gives a different key.

        def f(x): return np.sum(SCALE * helper(x))
        -> F f file.py:3 | M numpy | O numpy.sum | v 0.5 | F helper file.py:7 | ...
    """

    def __init__(self):
        self.parts: list[str] = []
        self.nodes: list = []  # every object described, in order (kept alive: ids stay unique)
        self.seen: dict[int, int] = {}  # id -> index in nodes
        self.scalars: list[tuple[tuple[str, ...], str]] = []  # (names, repr) of each scalar
        self.functions: list[types.FunctionType] = []  # the user functions among nodes
        # (globals dict, name, value) of each global a user function reads (modules
        # aside), the same of the attributes it reads of user modules, classes and
        # objects, (cell, None, value) of each closure cell: see ``bindings_hold``
        self.bindings: list[tuple] = []
        self._expanded: set[tuple[int, int]] = set()

    @property
    def digest(self) -> str:
        return _sha("\0".join(self.parts))

    def visit(self, obj, names: tuple[str, ...], depth: int, attrs: tuple[str, ...]) -> None:
        """Describe ``obj``; ``attrs``: the names of the code that reached it (the
        attributes of a module, class or user object worth following)."""
        t = type(obj)
        if t in _PLAIN or isinstance(obj, np.generic) or _literal_tuple(obj):
            text = repr(obj) if not isinstance(obj, (str, bytes)) or len(obj) <= 256 else (
                f"{t.__name__}:{hashlib.sha256(repr(obj).encode()).hexdigest()}")
            self.parts.append("v" + text)
            self.scalars.append((names, text))
            return
        index = self.seen.get(id(obj))
        if index is not None:
            self.parts.append(f"@{index}")
        elif depth > _MAX_DEPTH:
            self.parts.append("...")
            return
        else:
            self.seen[id(obj)] = len(self.nodes)
            self.nodes.append(obj)
            self._describe(obj, names, depth)
        self._attributes(obj, names, depth, attrs)

    def _describe(self, obj, names, depth) -> None:
        if isinstance(obj, types.FunctionType):
            self._function(obj, names, depth)
        elif isinstance(obj, types.MethodType):
            func = obj.__func__
            code = getattr(func, "__code__", None)
            self.parts.append("m")
            first = code.co_varnames[0] if code is not None and code.co_argcount else "self"
            self.visit(obj.__self__, names + (first,), depth + 1, _code_names(code))
            self.visit(func, names, depth + 1, ())
        elif isinstance(obj, types.ModuleType):
            self.parts.append("M" + obj.__name__)
        elif isinstance(obj, np.ndarray):
            self.parts.append(f"A{obj.dtype.str}{obj.shape}")
        elif isinstance(obj, tuple) or type(obj) in (list, dict):
            self._container(obj, names, depth)
        elif type(obj).__module__.startswith("s2sad."):
            self._s2sad_object(obj, names, depth)
        elif isinstance(obj, type):
            self.parts.append("T" + _qualified(obj))
        elif _is_user_class(type(obj)):
            self.parts.append(f"I{_qualified(type(obj))}{sorted(map(str, _own_dict(obj)))}")
        else:  # a library object: its type, and its own name if it has one (ufuncs, builtins)
            self.parts.append(f"O{_qualified(type(obj))}:{_qualified(obj)}")

    def _function(self, fn: types.FunctionType, names, depth) -> None:
        code = fn.__code__
        if _is_library_function(fn):
            self.parts.append(f"L{_qualified(fn)}")
            return
        self.functions.append(fn)
        # the code itself too: two lambdas on one line share name, file and line
        body = _code_digest(code)
        self.parts.append(f"F{fn.__qualname__}:{code.co_filename}:{code.co_firstlineno}:{body}")
        used = _code_names(code)
        scope, builtins = fn.__globals__, fn.__globals__.get("__builtins__", {})
        builtins = vars(builtins) if isinstance(builtins, types.ModuleType) else builtins
        for name in used:
            if name in scope:
                self.parts.append("g" + name)
                if not isinstance(scope[name], types.ModuleType):
                    self.bindings.append((scope, name, scope[name]))
                self.visit(scope[name], names + (name,), depth + 1, used)
            elif name in builtins:
                self.parts.append("b" + name)
                self.visit(builtins[name], names + (name,), depth + 1, used)
        for name, cell in zip(code.co_freevars, fn.__closure__ or ()):
            self.parts.append("c" + name)
            try:
                value = cell.cell_contents
            except ValueError:  # a variable the enclosing scope has not assigned yet
                self.parts.append("empty")
                continue
            self.bindings.append((cell, None, value))
            self.visit(value, names + (name,), depth + 1, used)
        defaults = fn.__defaults__ or ()
        params = code.co_varnames[code.co_argcount - len(defaults):code.co_argcount]
        for name, value in zip(params, defaults):
            self.parts.append("d" + name)
            self.visit(value, names + (name,), depth + 1, used)
        for name, value in sorted((fn.__kwdefaults__ or {}).items()):
            self.parts.append("k" + name)
            self.visit(value, names + (name,), depth + 1, used)
        wrapped = fn.__dict__.get("__wrapped__")
        if wrapped is not None:
            self.parts.append("w")
            self.visit(wrapped, names, depth + 1, ())

    def _container(self, obj, names, depth) -> None:
        self.parts.append(f"{_qualified(type(obj))}{len(obj)}")
        items = obj.items() if isinstance(obj, dict) else enumerate(obj)
        for n, (key, value) in enumerate(items):
            if n == _MAX_ITEMS:
                break
            self.parts.append("k" + (repr(key) if type(key) in _PLAIN else _qualified(type(key))))
            self.visit(value, names + (str(key),), depth + 1, ())

    def _s2sad_object(self, obj, names, depth) -> None:
        """A transform (``grad(f)``), a decorated function, ...: its options, its function,
        and the generated function a caller's code would read (built now if need be)."""
        own = getattr(obj, "__dict__", {})
        self.parts.append("S" + type(obj).__qualname__)
        for attr in ("_spec", "_nested_spec", "argnums", "has_aux", "backend", "_part", "kind"):
            if attr in own:
                self.parts.append(f"{attr}={own[attr]!r}")
        if "_fn" in own:
            self.visit(own["_fn"], names + ("_fn",), depth + 1, ())
        info = getattr(obj, "__s2sad__", None)
        if info is not None:
            try:
                entry = info.composable_entry
            except Exception:  # noqa: BLE001 - the build that needs it raises it again
                self.parts.append("E")
                return
            self.visit(entry, names + ("<entry>",), depth + 1, ())

    def _attributes(self, obj, names, depth, attrs) -> None:
        """The attributes named in ``attrs`` of a module, a user class or a user object,
        read statically (no properties or ``__getattr__`` run)."""
        if not attrs or (id(obj), id(attrs)) in self._expanded:
            return
        live = True  # whether the bindings of these attributes are checked on each call
        if isinstance(obj, types.ModuleType):
            scopes = [obj.__dict__]
            live = _is_user_module(obj.__name__)
        elif isinstance(obj, type) and _is_user_class(obj):
            scopes = [vars(c) for c in obj.__mro__]
        elif not isinstance(obj, type) and _is_user_class(type(obj)):
            scopes = [_own_dict(obj)] + [vars(c) for c in type(obj).__mro__]
        else:
            return
        self._expanded.add((id(obj), id(attrs)))
        for name in attrs:
            for scope in scopes:
                if name in scope:
                    self.parts.append("a" + name)
                    if live and not isinstance(scope[name], types.ModuleType):
                        self.bindings.append((scope, name, scope[name]))
                    self.visit(scope[name], names + (name,), depth + 1, attrs)
                    break


@functools.lru_cache(maxsize=4096)
def _code_names(code: types.CodeType | None) -> tuple[str, ...]:
    """The names a code object and the code nested in it use (globals, attributes), sorted."""
    if code is None:
        return ()
    found = set(code.co_names)
    for const in code.co_consts:
        if isinstance(const, types.CodeType):
            found.update(_code_names(const))
    return tuple(sorted(found))


def _literal_tuple(obj) -> bool:
    """A tuple of Python scalars: code inlines it whole (``SIZES = (3, 4)``), as a value."""
    return type(obj) is tuple and len(obj) <= _MAX_ITEMS and all(
        isinstance(v, (bool, int, float, complex, str, type(None))) for v in obj)


def _own_dict(obj) -> dict:
    """An object's instance dictionary, read without running its class's code."""
    try:
        own = object.__getattribute__(obj, "__dict__")
    except AttributeError:  # __slots__
        return {}
    return own if isinstance(own, dict) else {}


def _code_digest(code: types.CodeType) -> str:
    """A hash of what a code object computes: its bytecode, the names and constants the
    bytecode indexes (two lambdas on one line, ``x.T`` and ``x.real``, differ only there),
    written the same way in every process (nested code by its own digest: its ``repr``
    holds an address; sets of strings sorted: their order follows the hash seed)."""
    digest = hashlib.sha256(code.co_code)
    digest.update(repr((code.co_names, code.co_varnames, code.co_freevars, code.co_cellvars,
                        code.co_argcount, code.co_posonlyargcount, code.co_kwonlyargcount,
                        code.co_flags)).encode())
    for const in code.co_consts:
        digest.update(_constant(const).encode() + b"\0")
    return digest.hexdigest()[:16]


def _constant(const) -> str:
    """A code object's constant, written the same way in every process."""
    if isinstance(const, types.CodeType):
        return "code:" + _code_digest(const)
    if isinstance(const, frozenset):
        return "frozenset:" + repr(sorted(map(_constant, const)))
    if isinstance(const, tuple):
        return "tuple:" + repr([_constant(c) for c in const])
    return repr(const)


def _qualified(obj) -> str:
    """``module.qualname`` of a class or a named library object ('' where it has none)."""
    try:
        module = getattr(obj, "__module__", None)
        name = getattr(obj, "__qualname__", None) or getattr(obj, "__name__", None)
    except Exception:  # noqa: BLE001 - an object whose attributes raise: no name
        return ""
    return f"{module}.{name}" if isinstance(module, str) and isinstance(name, str) else (
        name if isinstance(name, str) else "")


_STDLIB = os.path.dirname(os.__file__) + os.sep


def _library_file(filename: str) -> bool:
    return (filename.startswith(_STDLIB) or "site-packages" in filename
            or "dist-packages" in filename or filename.startswith("<frozen"))


def _is_library_function(fn: types.FunctionType) -> bool:
    """NumPy's, the standard library's, an installed package's or s2sad's own (the front
    end reads none of them as user code)."""
    module = fn.__module__ or ""
    return (module.startswith(("numpy", "s2sad.")) or module in ("math", "s2sad")
            or _library_file(fn.__code__.co_filename))


@functools.lru_cache(maxsize=1024)
def _is_user_class(cls: type) -> bool:
    """A class defined in the user's code (whose attributes the walk may follow)."""
    name = getattr(cls, "__module__", None)
    return isinstance(name, str) and _is_user_module(name)


def _is_user_module(name: str) -> bool:
    """The module ``name`` is the user's: not NumPy's, s2sad's, the standard library's or
    an installed package's."""
    if name == "builtins" or name.startswith(("numpy", "s2sad")):
        return False
    file = getattr(sys.modules.get(name), "__file__", None)
    return file is None or not _library_file(file)
