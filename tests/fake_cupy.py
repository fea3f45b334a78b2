"""A NumPy-backed stand-in for ``cupy`` and ``cupyx``: CuPy's rules, NumPy's numbers.

Without a GPU, CuPy-backed generated code still runs here, so its numbers are checked on
every CI run. The stand-in keeps the CuPy behaviours that catch code written for the
wrong library:

* a device array (``ndarray``) is not a NumPy array: ``np.asarray(x)`` raises CuPy's
  "Implicit conversion to a NumPy array is not allowed" ``TypeError``, and mixing it with
  a NumPy array in an operator or a ``cupy.*`` call raises ``TypeError`` too;
* reductions return 0-d device arrays, never Python or NumPy scalars;
* ``cupy.add`` has no ``.at`` (CuPy before 13): scatter-adds must go through
  ``cupyx.scatter_add``; there is no ``cupy.errstate``;
* reading a device value on the host (``bool``, ``float``, ``int``, ``.item()``,
  ``.get()``) is a sync, recorded in ``SYNCS`` with the line that did it;
* NumPy functions applied to a device array dispatch to CuPy (``__array_function__``,
  ``__array_ufunc__``) as with real CuPy, and each such call is recorded in
  ``DISPATCHED``: generated code must call ``cupy.*`` itself, so a test running it
  directly expects nothing there.

``install()`` puts the stand-in in ``sys.modules`` (as ``cupy``, ``cupyx``); ``uninstall``
restores what was there.
"""

from __future__ import annotations

import operator
import sys
import types

import numpy as np

DISPATCHED: list[str] = []
SYNCS: list[str] = []  # "bool at file:line" for each device value read on the host


def _sync(kind: str) -> None:
    """Record a host sync with the first frame outside this file (the code that read)."""
    frame = sys._getframe(1)
    while frame is not None and frame.f_code.co_filename == __file__:
        frame = frame.f_back
    where = f"{frame.f_code.co_filename}:{frame.f_lineno}" if frame else "?"
    SYNCS.append(f"{kind} at {where}")

_IMPLICIT = ("Implicit conversion to a NumPy array is not allowed. Please use `.get()` to "
             "construct a NumPy array explicitly.")
# functions whose results are facts about arrays (host values in CuPy too)
_HOST_RESULTS = frozenset({
    "shape", "ndim", "size", "result_type", "iscomplexobj", "isrealobj", "isscalar",
    "can_cast", "promote_types", "min_scalar_type", "common_type", "iinfo", "finfo",
    "broadcast_shapes", "may_share_memory", "shares_memory", "dtype", "issubdtype",
})
_CONVERTERS = frozenset({"asarray", "array", "asanyarray", "ascontiguousarray"})
# NumPy names CuPy does not have (the stand-in refuses them as CuPy would)
_ABSENT = frozenset({"errstate", "seterr", "geterr", "frompyfunc", "nditer", "matrix", "asmatrix",
                     "multi_dot", "matrix_norm", "vector_norm"})
_PASS_THROUGH = frozenset({"s_", "index_exp", "newaxis", "pi", "e", "inf", "nan", "euler_gamma",
                           "dtype", "ndarray", "generic", "number", "floating", "integer",
                           "complexfloating", "signedinteger", "unsignedinteger", "bool_"})


class ndarray:
    """A device array: a NumPy array behind CuPy's interface (see the module docstring)."""

    __slots__ = ("_a",)
    __array_priority__ = 100
    __hash__ = None

    def __init__(self, a):
        self._a = a

    # ---------------------------------------------------------------- NumPy interop
    def __array__(self, dtype=None, copy=None):
        raise TypeError(_IMPLICIT)

    def __array_function__(self, func, types_, args, kwargs):
        module = func.__module__ or "numpy"
        name = func.__name__
        DISPATCHED.append(f"{module}.{name}")
        target = _NAMESPACES.get(module.replace("numpy", "cupy", 1))
        if target is None:
            return NotImplemented
        return getattr(target, name)(*args, **kwargs)

    def __array_ufunc__(self, ufunc, method, *inputs, **kwargs):
        DISPATCHED.append(f"numpy.{ufunc.__name__}.{method}")
        if method != "__call__":
            return NotImplemented
        return _call(ufunc.__name__, ufunc, inputs, kwargs)

    def get(self):
        _sync("get")
        return self._a.copy()

    # ---------------------------------------------------------------- attributes
    def __getattr__(self, name):
        if name.startswith("__"):  # NumPy's __array_interface__ & co: not a host array
            raise AttributeError(name)
        value = getattr(self._a, name)
        if name in ("item", "tolist", "tobytes"):
            _sync(name)
            return value
        if callable(value):
            return lambda *a, **k: _wrap(value(*_unwrap(a), **_unwrap(k)))
        return _wrap(value) if isinstance(value, np.ndarray) else value

    def __len__(self):
        return len(self._a)

    def __iter__(self):
        return (_wrap(row) for row in self._a)

    def __getitem__(self, index):
        return _wrap(self._a[_index(index)])

    def __setitem__(self, index, value):
        self._a[_index(index)] = _operand(value, allow_host=True)

    def __repr__(self):
        return "fake_cupy." + repr(self._a)

    def __format__(self, spec):
        _sync("format")
        return format(self._a, spec)

    def __copy__(self):
        return ndarray(self._a.copy())

    def __deepcopy__(self, memo):
        return ndarray(self._a.copy())

    # host syncs, as in CuPy: each recorded in SYNCS (where the code read a device value)
    def __bool__(self):
        _sync("bool")
        return bool(self._a)

    def __float__(self):
        _sync("float")
        return float(self._a)

    def __int__(self):
        _sync("int")
        return int(self._a)

    def __complex__(self):
        _sync("complex")
        return complex(self._a)

    def __index__(self):
        _sync("index")
        return operator.index(self._a)


def _operand(x, allow_host: bool = False):
    """``x`` as NumPy reads it; a NumPy array is refused as CuPy refuses it."""
    if isinstance(x, ndarray):
        return x._a
    if isinstance(x, np.ndarray) and not allow_host:
        raise TypeError(f"Unsupported type {type(x)}")
    return x


def _map_leaves(leaf, tree):
    """``leaf`` applied to every leaf of tuples, lists (named tuples too) and dicts."""
    if isinstance(tree, (tuple, list)):
        items = [_map_leaves(leaf, v) for v in tree]
        return type(tree)(*items) if hasattr(tree, "_fields") else type(tree)(items)
    if isinstance(tree, dict):
        return {k: _map_leaves(leaf, v) for k, v in tree.items()}
    return leaf(tree)


def _unwrap_leaf(x):
    if isinstance(x, np.ndarray) and not isinstance(x, ndarray):
        raise TypeError(f"Unsupported type {type(x)}")
    return x._a if isinstance(x, ndarray) else x


def _unwrap(x):
    return _map_leaves(_unwrap_leaf, x)


def _nested(x):
    """A (nested) sequence of device arrays and host values, as NumPy reads it (CuPy
    builds an array from such sequences on the device)."""
    if isinstance(x, (list, tuple)):
        return [_nested(v) for v in x]
    return _operand(x, allow_host=True)


def _index(index):
    """An index: device arrays inside it unwrapped (NumPy index arrays pass, as in CuPy)."""
    if isinstance(index, tuple):
        return tuple(_operand(i, allow_host=True) for i in index)
    return _operand(index, allow_host=True)


def _wrap(x):
    if isinstance(x, (np.ndarray, np.generic)) and not isinstance(x, ndarray):
        return ndarray(np.asarray(x))  # a NumPy scalar becomes a 0-d device array
    if isinstance(x, tuple):  # plain tuples, as CuPy returns (no NumPy named results)
        return tuple(_wrap(v) for v in x)
    if isinstance(x, list):
        return [_wrap(v) for v in x]
    return x


# functions whose first argument is a sequence of arrays (CuPy reads those on the device)
_SEQUENCES = frozenset({"concatenate", "stack", "hstack", "vstack", "dstack", "column_stack",
                        "row_stack", "block", "broadcast_arrays", "meshgrid", "einsum", "ix_",
                        "array", "asarray", "asanyarray", "ascontiguousarray", "choose",
                        "select", "piecewise", "lexsort", "atleast_1d", "atleast_2d",
                        "atleast_3d",
                        # and those whose first argument is a shape
                        "zeros", "ones", "empty", "full", "indices", "unravel_index",
                        "ravel_multi_index"})


def _call(name: str, func, args, kwargs):
    if args and isinstance(args[0], (list, tuple)) and name not in _SEQUENCES | _HOST_RESULTS:
        # CuPy takes arrays, not lists: host values given to a cupy.* reduction or sort
        raise TypeError(f"Unsupported type {type(args[0])} (cupy.{name} of a host sequence)")
    result = func(*_unwrap(tuple(args)), **_unwrap(kwargs))
    return result if name in _HOST_RESULTS else _wrap(result)


def _binary(op, inplace: bool = False):
    def method(self, other):
        if isinstance(other, np.ndarray):
            raise TypeError(f"Unsupported type {type(other)}")
        if not isinstance(other, (ndarray, int, float, complex, bool, np.generic)):
            return NotImplemented
        result = op(self._a, _operand(other))
        return self if inplace else _wrap(result)
    return method


def _reflected(op):
    def method(self, other):
        if isinstance(other, np.ndarray):
            raise TypeError(f"Unsupported type {type(other)}")
        if not isinstance(other, (int, float, complex, bool, np.generic)):
            return NotImplemented
        return _wrap(op(other, self._a))
    return method


for _name in ("add", "sub", "mul", "truediv", "floordiv", "mod", "pow", "matmul", "and", "or",
              "xor", "lshift", "rshift"):
    _op = getattr(operator, _name + "_" if _name in ("and", "or") else _name)
    setattr(ndarray, f"__{_name}__", _binary(_op))
    setattr(ndarray, f"__r{_name}__", _reflected(_op))
    setattr(ndarray, f"__i{_name}__", _binary(getattr(operator, f"i{_name}"), inplace=True))
for _name in ("lt", "le", "gt", "ge", "eq", "ne"):
    setattr(ndarray, f"__{_name}__", _binary(getattr(operator, _name)))
for _name in ("neg", "pos", "abs", "invert"):
    setattr(ndarray, f"__{_name}__", (lambda op: lambda self: _wrap(op(self._a)))(
        getattr(operator, _name)))
ndarray.__module__ = "cupy"


# ------------------------------------------------------------------------- the namespaces


class _Ufunc:
    """``cupy.add`` and friends: callable, with ``reduce``/``accumulate``/``outer`` but no
    ``at`` (scatter-adds go through ``cupyx.scatter_add``)."""

    def __init__(self, ufunc):
        self._u = ufunc
        self.__name__ = ufunc.__name__

    def __call__(self, *args, **kwargs):
        return _call(self.__name__, self._u, args, kwargs)

    def reduce(self, *args, **kwargs):
        return _call("reduce", self._u.reduce, args, kwargs)

    def accumulate(self, *args, **kwargs):
        return _call("accumulate", self._u.accumulate, args, kwargs)

    def outer(self, *args, **kwargs):
        return _call("outer", self._u.outer, args, kwargs)


def _asarray(name):
    numpy_func = getattr(np, name)

    def convert(x, *args, **kwargs):
        if isinstance(x, ndarray) and name in ("asarray", "asanyarray") and not args and \
                kwargs.get("dtype") in (None, x._a.dtype):
            return x
        host = _nested(x)
        out = numpy_func(host, *args, **kwargs)
        return ndarray(np.array(out, copy=True) if out is host else np.asarray(out))
    convert.__name__ = name
    return convert


def _namespace(name: str, source) -> types.ModuleType:
    module = types.ModuleType(name)
    module.__fake__ = True

    def __getattr__(attr):
        if attr.startswith("__") or attr in _ABSENT:
            raise AttributeError(f"module {name!r} has no attribute {attr!r}")
        value = getattr(source, attr)  # AttributeError where NumPy has no such name
        if attr in _PASS_THROUGH or isinstance(value, (type, float, int)):
            result = ndarray if attr == "ndarray" else value
        elif isinstance(value, np.ufunc):
            result = _Ufunc(value)
        elif source is np and attr in _CONVERTERS:
            result = _asarray(attr)
        elif callable(value):
            result = (lambda f, n: lambda *a, **k: _call(n, f, a, k))(value, attr)
            result.__name__ = attr
        else:
            raise AttributeError(f"fake cupy has no {name}.{attr}")
        setattr(module, attr, result)
        return result

    module.__getattr__ = __getattr__
    return module


cupy = _namespace("cupy", np)
cupy.linalg = _namespace("cupy.linalg", np.linalg)
cupy.fft = _namespace("cupy.fft", np.fft)
cupy.ndarray = ndarray
cupy.asnumpy = lambda x: x.get() if isinstance(x, ndarray) else np.asarray(x)
cupy.get_array_module = lambda *args: cupy
cupy.cuda = types.SimpleNamespace(is_available=lambda: False, runtime=types.SimpleNamespace(
    getDeviceCount=lambda: 0))
_NAMESPACES = {"cupy": cupy, "cupy.linalg": cupy.linalg, "cupy.fft": cupy.fft}


def _scatter_add(a, slices, value):
    """``cupyx.scatter_add``: ``a[slices] += value`` with repeated indices accumulating."""
    if not isinstance(a, ndarray):
        raise TypeError("cupyx.scatter_add needs a device array")
    np.add.at(a._a, _index(slices), _operand(value))


cupyx = types.ModuleType("cupyx")
cupyx.__fake__ = True
cupyx.scatter_add = _scatter_add
cupyx.errstate = np.errstate
cupyx.seterr = np.seterr

# what cupyx.scipy has of the SciPy functions s2sad has rules for (CuPy 14)
_CUPYX_SCIPY = {
    "special": ("beta", "betaln", "digamma", "erf", "erfc", "expit", "gamma", "gammaln",
                "log_softmax", "logit", "logsumexp", "polygamma", "softmax", "xlog1py", "xlogy"),
    "linalg": ("solve_triangular", "lu", "lu_factor", "lu_solve"),
}


def _cupyx_scipy() -> types.ModuleType:
    """``cupyx.scipy`` with its ``special`` and ``linalg`` (what CuPy has of them), from
    SciPy's; empty without SciPy."""
    package = types.ModuleType("cupyx.scipy")
    package.__path__ = []
    for sub, names in _CUPYX_SCIPY.items():
        module = types.ModuleType(f"cupyx.scipy.{sub}")
        try:
            source = __import__(f"scipy.{sub}", fromlist=["_"])
        except ImportError:
            source = None
        for name in names if source is not None else ():
            setattr(module, name, (lambda f, n: lambda *a, **k: _call(n, f, a, k))(
                getattr(source, name), name))
        setattr(package, sub, module)
    return package


cupyx.__path__ = []
cupyx.scipy = _cupyx_scipy()
_MODULES = {"cupy": cupy, "cupyx": cupyx, "cupyx.scipy": cupyx.scipy,
            "cupyx.scipy.special": cupyx.scipy.special, "cupyx.scipy.linalg": cupyx.scipy.linalg}
_SAVED: dict[str, object] = {}


def install() -> None:
    """Make ``import cupy`` / ``import cupyx`` give the stand-in (``uninstall`` undoes it)."""
    for name, module in _MODULES.items():
        _SAVED.setdefault(name, sys.modules.get(name))
        sys.modules[name] = module
    DISPATCHED.clear()
    SYNCS.clear()


def uninstall() -> None:
    for name in _MODULES:
        saved = _SAVED.pop(name, None)
        if saved is None:
            sys.modules.pop(name, None)
        else:
            sys.modules[name] = saved


def to_device(tree):
    """NumPy arrays (inside tuples, lists, dicts) as device arrays; anything else as is."""
    return _map_leaves(lambda x: ndarray(x.copy()) if isinstance(x, np.ndarray) else x, tree)


def to_host(tree):
    """The inverse of ``to_device``."""
    return _map_leaves(lambda x: x.get() if isinstance(x, ndarray) else x, tree)
