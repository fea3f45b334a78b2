"""``jit="numba"``: a generated module compiled by numba, or the plain module and one warning.

The plain generated module is the reference. Its numba variant is its text rewritten
by ``numba_source.to_numba``, executed with ``_rt`` bound to ``numba_runtime`` and every
function wrapped in ``numba.njit``. Numba compiles a function at its first call, for
the types of the arguments it gets: that call is the validation. If the rewrite names a
construct numba has no form for, or numba's compile fails (a ``TypingError``: a NumPy
function or a helper case numba lacks), the module runs as plain Python from then on,
and ``JitFallbackWarning`` says once which construct stopped it.

Invariant: a ``JitFunction`` returns what the plain function returns, up to the last
bits of floating-point sums (``numba_reductions`` says which keep NumPy's) and the types
``numba_runtime`` lists (a float for a 0-d array); errors raised while running
(``ZeroDivisionError``, an ``IndexError``: numba checks bounds here) are the user's and
propagate, never caught as a compile failure.

Importing this module does not import numba; ``check`` does, when a transform asks.
"""

from __future__ import annotations

import ast
import hashlib
import linecache
import os
import re
import sys
import types
import warnings
from typing import Callable

import numpy as np

from ..errors import JitFallbackWarning
from .numba_source import NotCompilable, to_numba

ALLOWED = (None, "numba")
INSTALL = 'pip install "s2sad[numba]"'


def check(jit) -> str | None:
    """``jit`` if it is an allowed value (importing numba for ``"numba"``), else raise.

    ``ValueError`` names the allowed values; ``ImportError`` names the extra to install.
    """
    if jit is None:
        return None
    if not isinstance(jit, str) or jit not in ALLOWED:
        raise ValueError(f"jit must be None or 'numba', got {jit!r}")
    try:
        import numba  # noqa: F401 - the transform is created only if it can run
    except ImportError as e:
        raise ImportError(f"jit='numba' needs numba, an optional dependency of s2sad: "
                          f"{INSTALL} (or pip install numba); importing it failed: {e}") from e
    return jit


def module_of(namespace: dict, source: str, what: str) -> "CompiledModule":
    """The ``CompiledModule`` of a loaded generated module, one per module: kept in its
    namespace (under a name no generated code uses), so it lives as long as the module
    and every transform of the same module shares one compile and one warning."""
    module = namespace.get(_KEY)
    if module is None:
        module = namespace[_KEY] = CompiledModule(namespace, source, what)
    return module


_KEY = "__s2sad_numba__"


class CompiledModule:
    """The numba variant of one generated module, built when a function is first called.

    ``what`` names the module in the warning (``"grad of rk4"``). All functions of a
    module stand or fall together: they call one another, and one warning says why.
    """

    def __init__(self, namespace: dict, source: str, what: str):
        self._plain, self._source, self._what = namespace, source, what
        self._compiled: dict | None = None
        self.failure: str | None = None  # why the module runs as plain Python
        self._warned = False

    def function(self, name: str) -> "JitFunction":
        return JitFunction(self, name)

    def compiled(self, name: str) -> Callable | None:
        """The numba dispatcher of ``name``, or None once the module has failed."""
        if self._compiled is None and self.failure is None:
            try:
                self._compiled = _compile_namespace(self._plain, self._source)
            except NotCompilable as e:
                self.fail(e.construct)
        return None if self.failure is not None else self._compiled[name]

    def recompiled(self, name: str, cached: bool) -> Callable:
        """``name``'s dispatcher in the module compiled again, what numba cached for it
        deleted (it could not be read), numba's disk cache used only if ``cached``."""
        _forget_cached(self._compiled)
        sys.modules.pop(self._compiled.get("__name__", ""), None)
        self._compiled = _compile_namespace(self._plain, self._source, cached)
        return self._compiled[name]

    def plain(self, name: str) -> Callable:
        return self._plain[name]

    def fail(self, reason: str) -> None:
        """Run as plain Python from now on; the caller warns (``warn``) once a plain call
        succeeded, so a call that raises anyway is not preceded by numba's complaint."""
        if self.failure is None:
            self.failure = reason

    def warn(self) -> None:
        if self.failure is not None and not self._warned:
            self._warned = True
            warnings.warn(f"s2sad: jit='numba' runs {self._what} as plain Python: numba "
                          f"cannot compile {self.failure}", JitFallbackWarning,
                          stacklevel=_user_stacklevel())


class JitFunction:
    """One function of a ``CompiledModule``: the dispatcher once numba has compiled it for
    the call's argument types, the plain function after a compile failure."""

    def __init__(self, module: CompiledModule, name: str):
        from numba.core.errors import NumbaError

        self._module, self._name = module, name
        self._errors = NumbaError  # compile failures; errors while running are not these
        self._call: Callable = self._first_call
        self.__name__ = name

    def __call__(self, *args, **kwargs):
        try:
            return self._call(*args, **kwargs)
        except self._errors as e:  # a compile for new argument types failed (nothing ran)
            self._module.fail(_reason(e))
        except TypeError as e:
            found = _OPTIONAL_NONE.match(str(e))
            if not found:
                raise
            # numba typed a value that may be None as its other type and met the None: the
            # plain module computes it (generated functions leave their arguments unchanged,
            # so running again from the start is safe)
            self._module.fail(f"a value that is None where numba expects {found.group(1)}")
        return self._plain(*args, **kwargs)

    def _first_call(self, *args, **kwargs):
        why = _unsupported_arguments(args, kwargs)
        if why is not None:
            self._module.fail(why)
        dispatcher = self._module.compiled(self._name)
        if dispatcher is None:
            return self._plain(*args, **kwargs)
        with warnings.catch_warnings():  # numba's own notes while compiling are not the user's
            warnings.simplefilter("ignore", _numba_warning())
            for cached in (True, False):
                try:
                    out = dispatcher(*args, **kwargs)
                    break
                except Exception as e:
                    if not _from_numba_cache(e):
                        raise
                    # numba could not read what it cached (a damaged file): its files are
                    # deleted and the module compiled afresh (kept in memory if it fails
                    # again)
                    dispatcher = self._module.recompiled(self._name, cached)
            else:
                out = dispatcher(*args, **kwargs)
        self._call = dispatcher
        return out

    def _plain(self, *args, **kwargs):
        self._call = self._module.plain(self._name)
        out = self._call(*args, **kwargs)
        self._module.warn()
        return out


def _user_stacklevel() -> int:
    """The ``stacklevel`` of the first frame outside s2sad (the user's call)."""
    package = __file__.rsplit("codegen", 1)[0]
    frame, level = sys._getframe(1), 1
    while frame is not None and frame.f_code.co_filename.startswith(package):
        frame, level = frame.f_back, level + 1
    return level


def _numba_warning() -> type:
    from numba.core.errors import NumbaWarning

    return NumbaWarning


# --------------------------------------------------------------------------- compiling


def _compile_namespace(plain: dict, source: str, cached: bool = True) -> dict:
    """The rewritten module executed in a copy of the plain one's globals, ``_rt`` bound to
    the numba runtime and each function replaced by its (lazy) ``numba.njit`` dispatcher.

    With ``cached`` and a disk cache (``cache.cache_dir()``), the text is a file of the
    cache's ``numba`` folder and numba keeps what it compiles beside it (``cache=True``):
    another process loads it instead of compiling again. The file's name hashes all
    numba freezes into the machine code: the text, the values of the globals it reads,
    s2sad's own sources (the runtime's overloads)."""
    import numba

    from . import numba_runtime

    text = to_numba(source)
    tree = ast.parse(text)
    names = [n.name for n in tree.body if isinstance(n, ast.FunctionDef)]
    namespace = {k: v for k, v in plain.items() if k not in names}
    namespace.update(_rt=numba_runtime, __name__=plain.get("__name__", "") + "_numba")
    filename = _cache_file(text, namespace) if cached else None
    module = None  # numba finds a cached function's globals by importing its module
    if filename is None:
        filename = f"<s2sad-numba-{hashlib.sha256(text.encode()).hexdigest()[:16]}>"
    else:
        module = types.ModuleType(f"_s2sad_numba_{os.path.basename(filename)[:-3]}")
        if module.__name__ in sys.modules:  # the same text and constants, in this process
            return sys.modules[module.__name__].__dict__
        module.__dict__.update({k: v for k, v in namespace.items() if k != "__name__"})
        namespace = module.__dict__
    linecache.cache[filename] = (len(text), None, text.splitlines(True), filename)
    namespace["__file__"] = filename
    exec(compile(tree, filename, "exec"), namespace)
    for name in names:
        _refuse_globals(namespace[name], namespace)
    for name in names:  # the dispatchers call one another through these globals
        namespace[name] = numba.njit(namespace[name], boundscheck=True,
                                     cache=module is not None)
    if module is not None:
        sys.modules[module.__name__] = module
    return namespace


def _cache_file(text: str, namespace: dict) -> str | None:
    """The path of ``text`` in the disk cache's ``numba`` folder (written if missing), or
    None without a disk cache or where it cannot be written."""
    from ..pipeline import _compiler_fingerprint
    from . import cache

    folder = cache.cache_dir()
    if folder is None:
        return None
    digest = hashlib.sha256(text.encode())
    digest.update(_compiler_fingerprint().encode())
    for name in sorted(set(re.findall(r"[A-Za-z_]\w*", text)) & namespace.keys()):
        value = namespace[name]  # what numba reads as a constant: its value is in the name
        if isinstance(value, types.ModuleType):
            shown = value.__name__
        elif _constant(value):
            shown = repr(value)
        else:  # an object whose value a name cannot vouch for: compiled in memory
            return None
        digest.update(f"{name}={type(value).__qualname__}:{shown}\n".encode())
    path = folder / "numba" / f"m{digest.hexdigest()[:32]}.py"
    try:
        if not path.exists():
            path.parent.mkdir(mode=0o700, exist_ok=True)
            temp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
            temp.write_text(text)
            os.replace(temp, path)
    except OSError:
        return None
    return str(path)


def _constant(value) -> bool:
    """A global whose ``repr`` is its value: a number, a string, None, a tuple of them."""
    if value is None or type(value) in (bool, int, float, complex, str):
        return True
    if isinstance(value, np.generic) and value.dtype.kind in "biufc":
        return True
    return type(value) is tuple and all(map(_constant, value))


def _from_numba_cache(error: BaseException) -> bool:
    """Whether ``error`` was raised reading numba's cache (a damaged or foreign file)."""
    where = os.path.join("numba", "core", "caching.py")
    tb = error.__traceback__
    while tb is not None:
        if tb.tb_frame.f_code.co_filename.endswith(where):
            return True
        tb = tb.tb_next
    return False


def _forget_cached(namespace: dict) -> None:
    """Delete what numba cached for the module of ``namespace`` (its file stays)."""
    path = namespace.get("__file__", "<")
    if path.startswith("<"):
        return
    stem = os.path.basename(path)[:-3]
    folder = os.path.join(os.path.dirname(path), "__pycache__")
    for entry in os.listdir(folder) if os.path.isdir(folder) else ():
        if entry.startswith(stem + ".") and entry.endswith((".nbi", ".nbc")):
            try:
                os.unlink(os.path.join(folder, entry))
            except OSError:
                pass


def _refuse_globals(fn: types.FunctionType, namespace: dict) -> None:
    """Numba freezes a global array's values at compile time (the plain module reads the
    array as it is at each call) and cannot type containers or user objects: refuse them."""
    for name in fn.__code__.co_names:
        value = namespace.get(name)
        if isinstance(value, (np.ndarray, list, dict, set)):
            raise NotCompilable(f"the global {type(value).__name__} `{name}` (numba would "
                                f"freeze its value when compiling)")


def _unsupported_arguments(args: tuple, kwargs: dict) -> str | None:
    """Why numba cannot take these arguments (None: it can): numbers, NumPy arrays of
    numbers and tuples of them only; containers and other objects run plain, and so do
    float32 values (NumPy's promotion rules keep them float32, numba's do not)."""
    for where, value in [(f"argument {i}", a) for i, a in enumerate(args)] + [
            (f"argument {k!r}", v) for k, v in kwargs.items()]:
        what = _unsupported_value(value)
        if what is not None:
            return f"{where}, {what} (numba takes numbers, arrays and tuples of them)"
    return None


def _unsupported_value(value) -> str | None:
    if value is None or type(value) in (bool, int, float, complex):
        return None
    if type(value) is np.ndarray or isinstance(value, np.generic):
        dtype = value.dtype
        if dtype.kind in "fc" and dtype not in (np.float64, np.complex128):
            # numba computes float32 with a Python float in float64; NumPy keeps float32
            return f"a value of dtype {dtype}"
        return None if dtype.kind in "biufc" else f"a value of dtype {dtype}"
    if type(value) is tuple:
        return next(filter(None, map(_unsupported_value, value)), None)
    kind = type(value)
    name = kind.__name__ if kind.__module__ == "builtins" else f"{kind.__module__}.{kind.__name__}"
    return f"a {name}"  # ``a dict``; ``a cupy.ndarray``, not a bare ``ndarray``


# --------------------------------------------------------------------------- messages

_OPTIONAL_NONE = re.compile(r"^expected (.+), got None$")  # numba/core/optional.py
_LOCATION = re.compile(r'File "(<s2sad-numba-[0-9a-f]+>|[^"]*m[0-9a-f]{32}\.py)", line (\d+)')


def _reason(error: Exception) -> str:
    """The construct numba stopped at, from its message: the call it found no
    implementation for (``>>> unbroadcast(float64, array(float64, 2d, C))``) or its first
    line of substance, and the generated line it was compiling."""
    lines = [line.strip() for line in str(error).splitlines() if line.strip()]
    signature = next((line[3:].strip() for line in lines if line.startswith(">>>")), None)
    text = f"`{signature}`" if signature else next(
        (line for line in lines if not line.startswith(("Failed in", "During:"))),
        type(error).__name__)
    found = _LOCATION.search(str(error))
    if found:
        source = linecache.getline(found.group(1), int(found.group(2))).strip()
        if source:
            text += f" in `{source}`"
    return text
