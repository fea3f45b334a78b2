"""Backends: the array library a generated module calls, chosen once per module.

The compiler emits every module against NumPy; another backend is that module's text
converted once (``convert``), never a second code path through the transforms. What
differs, and nothing else:

=============  ====================================  =========================================
               numpy                                 cupy
=============  ====================================  =========================================
imports        ``import numpy as np``                ``import cupy as cp`` (+ ``cupyx``, when used)
runtime        ``from s2sad import runtime as _rt``  ``from s2sad.runtime import cupy_runtime
                                                     as _rt`` (the same helpers, ``xp`` = CuPy)
calls          ``np.f``                              ``cp.f``; ``runtime/cupy_table.RENAMED``:
                                                     ``np.add.at`` -> ``cupyx.scatter_add``,
                                                     ``np.errstate`` -> ``cupyx.errstate``,
                                                     ``scipy.*`` -> ``cupyx.scipy.*``
missing        --                                    ``cupy_table.LACKING`` (``np.linalg.
                                                     multi_dot``, ...): refused, by name
host syncs     --                                    Python reading what may be a device value
                                                     (``if``/``while`` tests, ``not``, ``and``,
                                                     ``print``, ``float``) copies it to the
                                                     host: the line before says so
globals        as they are                           NumPy arrays copied to the device once,
                                                     when the module is loaded
=============  ====================================  =========================================

Straight-line code has no host round trip: every call stays on the device, and a scalar
result is a 0-d device array. Generation needs no CuPy (``.source``, ``s2sad generate``);
loading a CuPy module imports it.
"""

from __future__ import annotations

import ast
import hashlib
import importlib
import linecache
import re
import sys
import types

import numpy as np

from ..errors import DifferentiationError
from ..runtime import cupy_table

BACKENDS = ("numpy", "cupy")
RUNTIME_IMPORT = {"numpy": "from s2sad import runtime as _rt",
                   "cupy": "from s2sad.runtime import cupy_runtime as _rt"}
ALIAS = {"numpy": "np", "cupy": "cp"}
_HOST_CALLS = frozenset({"isinstance", "callable", "hasattr", "len", "_rt.in_range"})


def check(backend) -> str:
    """``backend`` if it is one s2sad generates for; ``ValueError`` naming the choices."""
    if backend not in BACKENDS:
        raise ValueError(f"backend must be 'numpy' or 'cupy', got {backend!r}")
    return backend


# --------------------------------------------------------------------------- text


def convert(source: str, backend: str) -> str:
    """The NumPy module ``source`` as the module for ``backend`` (black-formatted).

    Deterministic, like the printer: the same NumPy text gives the same CuPy text.
    """
    if check(backend) == "numpy":
        return source
    from .printer import format_source

    text = source.replace(RUNTIME_IMPORT["numpy"], RUNTIME_IMPORT["cupy"], 1)
    try:
        text = cupy_table.to_cupy(text, "np", ALIAS["cupy"])
        # NumPy objects the printer names by module (``type(x) is numpy.ndarray``): the
        # user wrote np.ndarray, which for CuPy's module means CuPy's array type
        text = cupy_table.to_cupy(text, "numpy", ALIAS["cupy"])
    except cupy_table.LackingInCupy as exc:
        raise DifferentiationError(f"backend='cupy': {exc}") from None
    return format_source(_note_backend(_comment_host_syncs(text)))


def _note_backend(text: str) -> str:
    """The module docstring's first line, then what the CuPy module expects of its caller."""
    first, newline, rest = text.partition("\n")
    if not (first.startswith('"""') and first.endswith('"""') and len(first) > 6):
        return text
    note = ("CuPy backend: pass device arrays (cupy.asarray); results stay on the device.\n"
            "Python reading a device value (an if/while test, not/and/or, print, float)\n"
            "syncs with the host: each place it may is marked.")
    return f'{first[:-3]}\n\n{note}\n"""{newline}{rest}'


def _comment_host_syncs(text: str) -> str:
    """A comment above each statement that may read a device value on the host (CuPy
    copies it there: the only syncs in the code): an ``if``/``while`` test, ``not x``,
    ``a and b``, ``print``/``float``/``int``/``.item()``, an f-string. Tests that are host
    values by their form (``x is None``, ``len(...)``, a loop counter's ``_rt.in_range``)
    have none."""
    lines = text.split("\n")
    marks: dict[int, tuple[int, str]] = {}
    for node in ast.walk(ast.parse(text)):
        if isinstance(node, (ast.If, ast.While)):
            read = None if _host_test(node.test) else node.test
        elif isinstance(node, (ast.Assign, ast.AugAssign, ast.AnnAssign, ast.Expr)):
            read = _host_read(node.value) if node.value is not None else None
        else:
            continue
        if read is None or lines[node.lineno - 1].lstrip().startswith("elif "):
            continue  # nothing may sit between a block and its ``elif``
        what = ast.get_source_segment(text, read) or ""
        what = what if len(what) <= 40 and "\n" not in what else "a device value"
        line = lines[node.lineno - 1]
        marks[node.lineno - 1] = (len(line) - len(line.lstrip()),
                                  f"# host sync: {what} is read on the host")
    for row in sorted(marks, reverse=True):
        indent, comment = marks[row]
        lines.insert(row, " " * indent + comment)
    return "\n".join(lines)


_READS = frozenset({"print", "float", "int", "bool", "complex", "str", "repr", "format",
                    "_rt.item"})
_READ_METHODS = frozenset({"item", "tolist", "format", "get"})


def _host_read(value: ast.expr) -> ast.expr | None:
    """The part of a statement's value that Python reads on the host, if any."""
    for node in ast.walk(value):
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not) and \
                not _host_test(node.operand):
            return node
        if isinstance(node, ast.BoolOp) or isinstance(node, ast.JoinedStr):
            return node
        if isinstance(node, ast.Call) and (ast.unparse(node.func) in _READS or (
                isinstance(node.func, ast.Attribute) and node.func.attr in _READ_METHODS)):
            return node
    return None


def _host_test(test: ast.expr) -> bool:
    """Whether ``test`` is a host value whatever the arrays are (no sync reading it)."""
    if isinstance(test, ast.Constant):
        return True
    if isinstance(test, ast.UnaryOp) and isinstance(test.op, ast.Not):
        return _host_test(test.operand)
    if isinstance(test, ast.Compare):
        return all(isinstance(op, (ast.Is, ast.IsNot)) for op in test.ops)
    if isinstance(test, ast.Call):
        return ast.unparse(test.func) in _HOST_CALLS
    return False


# --------------------------------------------------------------------------- modules


def on_backend(gen, backend: str, fingerprint: str = ""):
    """``gen`` (a NumPy ``Generated``) for ``backend``: ``gen`` itself for NumPy, else a
    ``BackendModule`` (kept on ``gen``, so each module converts once per process; the
    text is also kept in the disk cache, keyed by the NumPy text and ``fingerprint``)."""
    if check(backend) == "numpy":
        return gen
    kept = gen.__dict__.setdefault("_on_backends", {})
    if backend not in kept:
        from . import cache

        key = cache.make_key("s2sad-backend-v1", backend, gen.source, fingerprint)
        kept[backend] = BackendModule(gen, backend, cache.load_or_build(
            key, lambda: convert(gen.source, backend)))
    return kept[backend]


class BackendModule:
    """A generated module for a backend other than NumPy, with ``Generated``'s interface
    (``source``, ``namespace``, ``entry_name``, ``entry``).

    Its namespace is loaded at first use, which imports the array library: the text is
    there without it. Loaded again if ``sys.modules["cupy"]`` is another module than the
    one it was loaded with (a test's stand-in for CuPy, then the real one).
    """

    def __init__(self, numpy_gen, backend: str, source: str):
        self.source, self.backend, self.entry_name = source, backend, numpy_gen.entry_name
        self.bindings = numpy_gen.bindings  # what the code was built from (as the NumPy one)
        self._numpy = numpy_gen
        self._loaded: tuple[object, dict] | None = None

    @property
    def namespace(self) -> dict:
        if self._loaded is None or self._loaded[0] is not sys.modules.get("cupy"):
            library = _import_cupy()
            namespace = load(self.source, _device_globals(self._numpy.namespace,
                                                          self._numpy.source, library))
            self._loaded = (library, namespace)
        return self._loaded[1]

    @property
    def entry(self):
        return self.namespace[self.entry_name]

    @property
    def numpy_module(self):
        """The NumPy module this one was converted from (its namespace needs no CuPy)."""
        return self._numpy


def _import_cupy():
    """CuPy, with the runtime's CuPy twin built against this very module."""
    try:
        library = importlib.import_module("cupy")
    except ImportError as exc:
        raise ImportError(
            "backend='cupy' runs on CuPy, which is not installed (pip install cupy-cuda12x, "
            "or the wheel for your CUDA); the generated source (.source, s2sad generate "
            f"--backend cupy) needs no CuPy ({exc})") from None
    twin = sys.modules.get("s2sad.runtime.cupy_runtime")
    if twin is not None and getattr(twin, "xp", None) is not library:  # built for another
        for name in [n for n in sys.modules if n == "s2sad.runtime.cupy_runtime"
                     or n == "s2sad._on_cupy" or n.startswith("s2sad._on_cupy.")]:
            del sys.modules[name]
    return library


def load(source: str, globals_: dict) -> dict:
    """Execute a converted module (its text registered for tracebacks and ``inspect``)."""
    filename = f"<s2sad-generated-{hashlib.sha256(source.encode()).hexdigest()[:16]}>"
    linecache.cache[filename] = (len(source), None, source.splitlines(True), filename)
    namespace = {"__name__": filename[1:-1].replace("-", "_"), "__file__": filename}
    namespace.update(globals_)
    exec(compile(source, filename, "exec"), namespace)
    return namespace


def module_names(source: str) -> set[str]:
    """The names a module's own top-level statements bind (defs, imports, assignments)."""
    names: set[str] = set()
    for node in ast.parse(source).body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.add(node.name)
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            names.update((a.asname or a.name).split(".")[0] for a in node.names)
        elif isinstance(node, (ast.Assign, ast.AnnAssign, ast.AugAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            names.update(n.id for t in targets for n in ast.walk(t) if isinstance(n, ast.Name))
    return names


def injected_globals(namespace: dict, source: str) -> dict:
    """The values a generated namespace holds that its text does not bind: the user's
    globals the loader gave it (arrays, library objects, other generated functions)."""
    own = module_names(source)
    return {k: v for k, v in namespace.items()
            if k not in own and not (k.startswith("__") and k.endswith("__"))}


_GENERATED_FILE = re.compile(r"^<s2sad-generated-[0-9a-f]{16}>$")


def _device_globals(namespace: dict, source: str, library) -> dict:
    """The injected globals of a NumPy module, for its CuPy twin: NumPy arrays on the
    device (copied once, here), functions of other generated modules converted too."""
    out = {}
    for name, value in injected_globals(namespace, source).items():
        if type(value) is np.ndarray:
            value = library.asarray(value)
        elif isinstance(value, types.FunctionType) and _GENERATED_FILE.match(
                value.__code__.co_filename):
            value = _converted_function(value, library)
        out[name] = value
    return out


def _converted_function(fn: types.FunctionType, library):
    """The CuPy twin of a function of another generated NumPy module (one per module)."""
    text = "".join(linecache.getlines(fn.__code__.co_filename))
    if not text:
        raise DifferentiationError(f"backend='cupy': the source of {fn.__name__} is gone")
    kept = _CONVERTED.setdefault(library, {})
    if text not in kept:
        cupy_text = convert(text, "cupy")
        kept[text] = load(cupy_text, _device_globals(fn.__globals__, text, library))
    return kept[text][fn.__name__]


_CONVERTED: dict = {}


def match_device_array(g, like):
    """``g`` with the shape and dtype of the device array ``like`` (a gradient of a CuPy
    argument), computed on the device: ``api.match_tree`` for CuPy arrays."""
    if getattr(g, "dtype", None) == like.dtype and getattr(g, "shape", None) == like.shape:
        return g
    library = sys.modules[type(like).__module__.split(".")[0]]
    return library.broadcast_to(library.asarray(g, dtype=like.dtype), like.shape)
