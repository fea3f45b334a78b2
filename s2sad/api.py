"""The public transforms (JAX / torch.func style) and the ``differentiate`` decorator.

Each transform returns a ``Transformed`` callable: it checks arguments, runs the
generated function, and gives gradients the structure, shape and dtype of
their arguments. Generation happens once per (function, transform, options)
and is memoized in-process and on disk (``pipeline.generate``).
"""

from __future__ import annotations

import dataclasses
import functools
import inspect
import sys
import weakref

import numpy as np

from .binding import bound_transform
from .errors import DifferentiationError
from .pipeline import Generated, Spec, bindings_hold, generate

_MEMO: "weakref.WeakKeyDictionary[object, dict]" = weakref.WeakKeyDictionary()


def _generated(fn, spec: Spec) -> Generated:
    """Generate (or fetch) the module for ``spec``; microseconds after the first time."""
    key_obj, extra = fn, ()
    if inspect.ismethod(fn):
        key_obj, extra = fn.__func__, (id(fn.__self__),)
    try:
        per_fn = _MEMO.setdefault(key_obj, {})
    except TypeError:  # not weak-referenceable: no memo
        return _generate(fn, spec)
    key = (spec, extra)
    gen = per_fn.get(key)
    if gen is None or not bindings_hold(gen.bindings):
        if gen is not None:  # a global or cell it was built from was rebound: all are stale
            per_fn.clear()
        gen = per_fn[key] = _generate(fn, spec)
    return gen


# what each user function read when last asked (``_bindings_now``), by function
_SNAPSHOTS: "weakref.WeakKeyDictionary[object, tuple]" = weakref.WeakKeyDictionary()


def _bindings_now(fn) -> tuple:
    """The globals, cells and attributes ``fn`` (a transform's innermost function) reads,
    with the objects they hold now (``pipeline.bindings_of``). If what it read when last
    asked no longer holds, every memoized module is dropped: any may have been built
    from the old values (the memo's own check misses objects the walk cannot describe)."""
    from .pipeline import bindings_of

    bound = isinstance(fn, tuple)  # a ``BoundFunction``: its bound values are read too
    key = getattr(fn, "__func__", fn.fn if bound else fn)
    try:
        old = _SNAPSHOTS.get(key)
    except TypeError:  # not weak-referenceable
        return bindings_of(fn)
    if old is not None and bindings_hold(old):
        return bindings_of(fn) if bound else old
    if old is not None:
        _MEMO.clear()
        _GRADS.clear()  # (hessian's gradients, with their remembered entries)
    now = _SNAPSHOTS[key] = bindings_of(fn)
    return now


# libcst visits a syntax tree recursively, several Python frames per level: a call nested
# 200 deep (``np.sin(np.sin(...))``, CPython's own limit on nested parentheses) or a sum
# of 1,000 terms (a left-deep tree) needs more than the default 1,000 frames
_RECURSION_LIMIT = 30_000


def _generate(fn, spec: Spec) -> Generated:
    """``pipeline.generate`` with room for deeply nested user expressions."""
    old = sys.getrecursionlimit()
    if old >= _RECURSION_LIMIT:
        return generate(fn, spec)
    sys.setrecursionlimit(_RECURSION_LIMIT)
    try:
        return generate(fn, spec)
    finally:
        sys.setrecursionlimit(old)


# --------------------------------------------------------------------------- checks


def _argnums_tuple(argnums) -> tuple[int, ...]:
    if isinstance(argnums, bool) or not isinstance(argnums, (int, tuple, list)):
        raise TypeError(f"argnums must be an int or a tuple of ints, got {argnums!r}")
    nums = (argnums,) if isinstance(argnums, int) else tuple(argnums)
    if not nums or not all(isinstance(i, int) and not isinstance(i, bool) for i in nums):
        raise TypeError(f"argnums must be an int or a non-empty tuple of ints, got {argnums!r}")
    return nums


def _leaves(tree, path="") -> list[tuple[str, object]]:
    if isinstance(tree, (tuple, list)):
        return [leaf for i, v in enumerate(tree) for leaf in _leaves(v, f"{path}[{i}]")]
    if isinstance(tree, dict):
        return [leaf for k, v in tree.items() for leaf in _leaves(v, f"{path}[{k!r}]")]
    return [(path, tree)]


def _dtype_of(leaf) -> np.dtype:
    """A leaf's dtype, read without a host copy (a CuPy array has its own ``dtype``)."""
    if isinstance(leaf, (bool, int, float, complex)):
        return np.dtype(type(leaf))
    dtype = getattr(leaf, "dtype", None)
    return dtype if isinstance(dtype, np.dtype) else np.asarray(leaf).dtype


def _check_differentiable(args, nums, what: str) -> None:
    for i in nums:
        if i < len(args):
            a = args[i]
            if type(a) is float or (type(a) is np.ndarray and a.dtype.kind == "f"):
                continue  # the common case, checked in a few hundred nanoseconds
        if i >= len(args) or i < -len(args):
            raise ValueError(f"{what}: argnums {i} is out of range for {len(args)} arguments")
        for path, leaf in _leaves(args[i]):
            dtype = _dtype_of(leaf)
            if isinstance(leaf, bool) or dtype.kind not in "fc":
                raise TypeError(
                    f"{what} requires real- or complex-valued (floating point) inputs, but "
                    f"argument {i}{path} has dtype {dtype} ({type(leaf).__name__}); pass floats "
                    f"or leave it out of argnums")


def match_tree(g, like):
    """Give a gradient the structure, shape and dtype of its argument."""
    if type(like) is float and type(g) is float:
        return g
    if (type(like) is np.ndarray and type(g) is np.ndarray and g.dtype == like.dtype
            and g.shape == like.shape):  # the common cases first: a few hundred nanoseconds
        return g
    if isinstance(like, (tuple, list)):
        return type(like)(match_tree(a, b) for a, b in zip(g, like))
    if isinstance(like, dict):
        return {k: match_tree(g[k], v) for k, v in like.items()}
    if hasattr(g, "__dask_graph__"):  # a lazy (Dask) gradient stays lazy: never computed here
        return _lazy_like(g, like)
    if isinstance(like, np.generic):  # before float: np.float64 is a float subclass
        return like.dtype.type(g)
    if isinstance(like, float):
        return float(np.real(g)) if np.ndim(g) == 0 else g
    if isinstance(like, np.ndarray):
        if isinstance(g, np.ndarray) and g.dtype == like.dtype and g.shape == like.shape:
            return g
        return np.asarray(np.broadcast_to(g, like.shape), dtype=like.dtype)
    if type(like).__module__.startswith("cupy"):  # the same, on the device
        from .codegen.backends import match_device_array

        return match_device_array(g, like)
    return g


def _lazy_like(g, like):
    """A Dask gradient with its argument's shape and dtype, as lazy operations (a Python
    float's gradient is a 0-d float64 array: ``dask.compute`` gives the number)."""
    shape, dtype = np.shape(like), getattr(like, "dtype", np.dtype(np.float64))
    if g.shape == shape and g.dtype == dtype:
        return g
    return np.broadcast_to(g, shape).astype(dtype)  # NumPy's API, Dask's lazy arrays


def align_tree(tree, like, what: str = "tree", like_what: str = "its primal", path: str = ""):
    """``tree`` with the structure of ``like``: dicts pair by key, as JAX pytrees do.

    Two dicts with the same keys are the same structure whatever their insertion order;
    the result follows ``like``'s order (``{"b": tb, "w": tw}`` against ``{"w": w, "b": b}``
    gives ``{"w": tw, "b": tb}``). Containers are rebuilt only where a dict is reordered.
    Different keys, lengths or container-versus-leaf raise ``ValueError`` naming them.
    """
    if isinstance(like, dict):
        if not isinstance(tree, dict) or tree.keys() != like.keys():
            raise _mismatch(tree, like, what, like_what, path)
        items = {k: align_tree(tree[k], v, what, like_what, f"{path}[{k!r}]")
                 for k, v in like.items()}
        same = list(tree) == list(like) and all(items[k] is tree[k] for k in tree)
        return tree if same else items
    if isinstance(like, (tuple, list)):
        if not isinstance(tree, (tuple, list)) or len(tree) != len(like):
            raise _mismatch(tree, like, what, like_what, path)
        items = [align_tree(t, v, what, like_what, f"{path}[{i}]")
                 for i, (t, v) in enumerate(zip(tree, like))]
        if all(a is b for a, b in zip(items, tree)):
            return tree
        return type(tree)(*items) if hasattr(tree, "_fields") else type(tree)(items)
    if isinstance(tree, (tuple, list, dict)):
        raise _mismatch(tree, like, what, like_what, path)
    return tree


def _mismatch(tree, like, what: str, like_what: str, path: str) -> ValueError:
    return ValueError(f"{what}{path} is {_structure(tree)} but {like_what}{path} is "
                      f"{_structure(like)}")


def _structure(tree) -> str:
    """``a dict with keys ['b', 'w']``, ``a tuple of 2 items`` or ``a leaf``: for errors."""
    if isinstance(tree, dict):
        return "a dict with keys [" + ", ".join(sorted(map(repr, tree))) + "]"
    if isinstance(tree, (tuple, list)):
        return f"a {type(tree).__name__} of {len(tree)} items"
    return "a leaf"


# --------------------------------------------------------------------------- Transformed

_MAX_KEYS = 1024  # distinct argument shapes remembered per transformed function


def _signature(args) -> tuple:
    """The kinds of the positional arguments (the compiler's ``signature_of``)."""
    from .transforms.specialize import signature_of

    return tuple(map(signature_of, args))


def _call_key(args) -> tuple | None:
    """What the kinds of ``args`` (and the checks of their types) depend on: the type of a
    Python number, the shape and dtype of an array, the type, keys and items' keys of a
    dict, list or tuple of those; None when an argument holds anything else."""
    key = []
    for a in args:
        t = type(a)
        if t is np.ndarray:
            key.append((a.shape, a.dtype))
        elif t is float or t is int or t is bool:
            key.append(t)
        else:
            k = _container_key(a)
            if k is None:
                return None
            key.append(k)
    return tuple(key)


def _container_key(value) -> tuple | None:
    t = type(value)
    if t is dict:
        items = _call_key(tuple(value.values()))
        return None if items is None else (t, tuple(value), items)
    if t is list or t is tuple:
        items = _call_key(value)
        return None if items is None else (t, items)
    return None


def _plain_signature(args) -> tuple:
    """The signature of Python numbers and NumPy arrays of numbers in plain values, with
    no import of the compiler (``pipeline.kinds`` makes them kinds when code is built):
    ``"float"``, ``"int"``, ``"bool"``, ``("array", dtype, which dimensions are 1)``."""
    out = []
    for a in args:
        t = type(a)
        # a CuPy array has the kind of a NumPy array of its dtype and shape: its module is
        # the NumPy module's text converted (codegen/backends.py)
        if (t is np.ndarray or t.__module__ == "cupy") and a.dtype.kind in "biuf":
            out.append(("array", a.dtype.str, tuple(n == 1 for n in a.shape)))
        elif t is float or t is int or t is bool:
            out.append(t.__name__)
        elif t is dict or t is list or t is tuple:
            out.append(_container_signature(a))
        else:  # anything else: the compiler's own answer
            return _signature(args)
    return tuple(out)


def _container_signature(value, depth: int = 0):
    """A dict, list or tuple (not a subclass: a named tuple is a type of its own) as
    ``("dict", ((key, item), ...))``, ``("list", items)`` or ``("tuple", items)``, each
    item the signature of a leaf (as ``_plain_signature``; a NumPy scalar is a 0-d array),
    a container again, or None (anything else: unknown). None for a dict with keys other
    than strings and integers, or nesting deeper than 8. ``pipeline.structs`` reads it."""
    t = type(value)
    if t is np.ndarray or isinstance(value, np.generic):
        if value.dtype.kind in "biuf":
            return ("array", value.dtype.str, tuple(n == 1 for n in np.shape(value)))
        return None
    if t is float or t is int or t is bool:
        return t.__name__
    if depth >= 8 or not (t is dict or t is list or t is tuple):
        return None
    if t is dict:
        if not all(type(k) is str or type(k) is int for k in value):
            return None
        return ("dict", tuple((k, _container_signature(v, depth + 1)) for k, v in value.items()))
    return (t.__name__, tuple(_container_signature(v, depth + 1) for v in value))


class Transformed:
    """A transformed function: call it like the original; ``.source`` shows its code.

    ``jit="numba"``: calls run the generated module compiled by numba (``codegen/
    numba_jit.py``); ``entry`` and ``composable_entry``, which composition reads, stay the
    plain Python functions. ``module(self, args, kwargs)``: the module a call with those
    arguments runs (``module_for``); None: the generic one."""

    def __init__(self, fn, spec: Spec, post, nested_spec: Spec | None = None, jit=None,
                 module=None):
        functools.update_wrapper(self, fn, updated=())
        self._fn, self._spec, self._post, self._jit = fn, spec, post, jit
        self._module = module
        # composition reads the NumPy module whatever the backend (codegen/backends.py)
        self._nested_spec = dataclasses.replace(nested_spec or spec, backend="numpy")
        self._by_key: dict[tuple, object] = {}  # checked calls: ``_call_key`` -> entry
        self.__name__ = f"{getattr(fn, '__name__', 'f')}_{spec.transform}"

    @property
    def __s2sad__(self) -> "Transformed":
        return self

    def innermost(self):
        """The user's function under this transform and those it transforms."""
        fn = self._fn
        return fn.innermost() if isinstance(fn, Transformed) else fn

    def rebased(self, fn) -> "Transformed":
        """The same transform (of the same transforms) of ``fn`` instead of the innermost
        function: ``hessian(f)`` rebased onto ``g`` is ``hessian(g)``."""
        inner = self._fn.rebased(fn) if isinstance(self._fn, Transformed) else fn
        return Transformed(inner, self._spec, self._post, self._nested_spec, self._jit,
                           self._module)

    @property
    def generated(self) -> Generated:
        return _generated(self._fn, self._spec)

    @property
    def entry(self):
        """The generated Python function (what composition differentiates)."""
        return self.generated.entry  # (the memo checks it is current)

    @property
    def composable_entry(self):
        """The generated function an enclosing transform differentiates: the same numbers
        as ``entry``, in a form made only of primitives with rules (Jacobians: a loop
        over basis vectors rather than one batched pass)."""
        if self._nested_spec == self._spec:
            return self.entry
        return _generated(self._fn, self._nested_spec).entry

    @property
    def source(self) -> str:
        return self.generated.source

    def module_for(self, args: tuple, kwargs: dict) -> Generated:
        """The module a call with ``args`` and ``kwargs`` runs (``s2sad.source(f, *args)``
        shows its source): specialized to their kinds where calls are, the plan of their
        axes for vmap, the functions they pass bound; the generic module otherwise."""
        return self.generated if self._module is None else self._module(self, args, kwargs)

    def specialized_spec(self, args, kwargs) -> Spec:
        """The spec of the module ``specialized_entry`` runs for ``args`` and ``kwargs``."""
        return self._spec_for(None if kwargs else _plain_signature(args))

    def _spec_for(self, signature: tuple | None) -> Spec:
        """The spec specialized to ``signature`` (the generic one for None, or no kinds)."""
        if signature is None or all(k is None for k in signature):
            return self._spec
        return dataclasses.replace(self._spec, signature=signature)

    def specialized_entry(self, args, kwargs):
        """The generated function specialized to the kinds of ``args`` (rank, size-1
        dimensions, Python numbers: ``transforms/specialize.py``); the generic one for
        keyword arguments or arguments of no known kind. Python numbers and arrays are
        described by ``_plain_signature``, which needs no compiler: a warm disk cache
        serves a first call without importing one. With ``jit``, the compiled entry."""
        if self._jit is not None:
            return self._jit_entry(None if kwargs else _plain_signature(args))
        if kwargs:
            return self.entry
        return self._entry_for(_plain_signature(args))

    def remember(self, key: tuple | None, entry):
        """Keep ``entry`` for calls whose arguments have ``key`` (``_call_key``)."""
        if key is not None:
            if len(self._by_key) >= _MAX_KEYS:  # many shapes: start over rather than grow
                self._by_key.clear()
            self._by_key[key] = entry
        return entry

    def _entry_for(self, signature: tuple):
        """The entry for one signature (``_specialized``: one per distinct signature)."""
        entries = self.__dict__.setdefault("_specialized", {})
        entry = entries.get(signature)
        if entry is None:
            entry = entries[signature] = _generated(self._fn, self._spec_for(signature)).entry
        return entry

    def _jit_entry(self, signature: tuple | None):
        """The compiled entry for one signature (None: the generic module's)."""
        entries = self.__dict__.setdefault("_jitted", {})
        entry = entries.get(signature)
        if entry is None:
            entry = entries[signature] = _jitted(self._fn, self._spec_for(signature))
        return entry

    def __call__(self, *args, **kwargs):
        held = self.__dict__.get("_held")  # what the remembered entries were built from
        if held is None or not bindings_hold(held):
            if held is not None:  # a helper, array or constant rebound since: built again
                self._forget()
            self._held = _bindings_now(self.innermost())
        return self._post(self, args, kwargs)

    def _forget(self) -> None:
        """Drop every entry remembered for this function (its code is stale)."""
        self._by_key.clear()
        for name in ("_specialized", "_jitted", "_flat", "_bound"):
            self.__dict__.pop(name, None)
        self.__dict__.get("_plans", {}).clear()  # vmap's entries, one per plan of axes
        if isinstance(self._fn, Transformed):  # what it transforms keeps entries too
            self._fn._forget()

    def __repr__(self):
        return f"<s2sad {self._spec.transform} of {getattr(self._fn, '__qualname__', self._fn)}>"


def _check_jit(jit):
    """``jit`` if allowed (None or "numba"); ``ValueError``/``ImportError`` otherwise."""
    if jit is None:
        return None
    from .codegen import numba_jit

    return numba_jit.check(jit)


def _jitted(fn, spec: Spec, part: str | None = None):
    """The function ``part`` (default: the entry) of ``spec``'s module, compiled by numba
    at its first call or run plain after one warning (``numba_jit``)."""
    from .codegen import numba_jit

    gen = _generated(fn, spec)
    what = f"{spec.transform} of {getattr(fn, '__qualname__', fn)}"
    return numba_jit.module_of(gen.namespace, gen.source, what).function(
        part or gen.entry_name)


def _check_backend(backend, jit=None) -> str:
    """``backend`` if allowed ("numpy" or "cupy"); ``ValueError`` otherwise, and for
    ``jit="numba"`` with CuPy (numba compiles the NumPy module)."""
    from .codegen.backends import check

    if check(backend) != "numpy" and jit is not None:
        raise ValueError(f"jit={jit!r} compiles NumPy code; it does not combine with "
                         f"backend={backend!r}")
    return backend


def _reverse_transform(fn, transform: str, argnums, has_aux: bool, jit=None,
                       backend="numpy") -> Transformed:
    jit = _check_jit(jit)
    nums = _argnums_tuple(argnums)
    spec = Spec(transform, tuple(argnums) if isinstance(argnums, list) else argnums,
                bool(has_aux), backend=_check_backend(backend, jit))
    fix = _fix_reverse(spec, nums)

    def post(self, args, kwargs):
        # per call: one small tuple and one lookup. The kinds, and the checks of the
        # arguments' types, depend only on what the key holds, so a known key skips both
        key = None if kwargs else _call_key(args)
        entry = self._by_key.get(key)
        if entry is None:
            _check_differentiable(args, nums, transform)
            bound = bound_transform(self, args, kwargs)  # functions passed (``act=np.tanh``)
            if bound is not None:
                return bound(*args, **kwargs)
            entry = self.remember(key, self.specialized_entry(args, kwargs))
        return fix(entry(*args, **kwargs), args)

    def module(self, args, kwargs):
        _check_differentiable(args, nums, transform)
        bound = bound_transform(self, args, kwargs)
        if bound is not None:
            return bound.module_for(args, kwargs)
        return _generated(self._fn, self.specialized_spec(args, kwargs))

    return Transformed(fn, spec, post, jit=jit, module=module)


def _fix_reverse(spec: Spec, nums):
    """``fix(out, args)``: the generated function's result with each gradient given its
    argument's structure, shape and dtype (chosen once per transform, not per call)."""
    if isinstance(spec.argnums, int):
        i = spec.argnums

        def fix_g(g, args):
            return match_tree(g, args[i])
    else:
        def fix_g(g, args):
            return tuple(match_tree(gi, args[i]) for gi, i in zip(g, nums))

    if spec.transform == "grad" and not spec.has_aux:
        return fix_g
    if spec.transform == "grad":
        return lambda out, args: (fix_g(out[0], args), out[1])
    if spec.transform == "value_and_grad":
        return lambda out, args: (out[0], fix_g(out[1], args))
    return lambda out, args: (fix_g(out[0], args), out[1])  # grad_and_value


def grad(fn, argnums=0, has_aux=False, *, jit=None, backend="numpy") -> Transformed:
    """The gradient of a scalar-valued ``fn`` w.r.t. ``argnums`` (or ``(g, aux)``).
    ``jit="numba"``: run the generated code compiled by numba; ``backend="cupy"``: the
    generated code calls CuPy (every transform takes both)."""
    return _reverse_transform(fn, "grad", argnums, has_aux, jit, backend)


def value_and_grad(fn, argnums=0, has_aux=False, *, jit=None, backend="numpy") -> Transformed:
    """``(value, g)``, or ``((value, aux), g)`` with ``has_aux`` -- JAX order."""
    return _reverse_transform(fn, "value_and_grad", argnums, has_aux, jit, backend)


def grad_and_value(fn, argnums=0, has_aux=False, *, jit=None, backend="numpy") -> Transformed:
    """``(g, value)``, or ``(g, (value, aux))`` with ``has_aux`` -- torch.func order."""
    return _reverse_transform(fn, "grad_and_value", argnums, has_aux, jit, backend)


def vjp(fn, *primals, has_aux=False, jit=None, backend="numpy"):
    """``(out, vjp_fn)`` (or ``(out, vjp_fn, aux)``); ``vjp_fn(ct)`` has one entry per primal."""
    jit = _check_jit(jit)
    spec = Spec("vjp", tuple(range(len(primals))), bool(has_aux),
                backend=_check_backend(backend, jit))
    _check_differentiable(primals, range(len(primals)), "vjp")
    gen = _generated(fn, spec)
    fwd, bwd = gen.entry, _vjp_backward(gen)
    if jit is not None:
        fwd, bwd = _jitted(fn, spec), _jitted(fn, spec, bwd.__name__)
    result = fwd(*primals)
    out, res = result[0], result[1]

    def vjp_fn(cotangent):
        _require_float_output(out, "vjp")
        cotangent = align_tree(cotangent, out, "vjp: the cotangent", "the output")
        cts = bwd(res, cotangent)
        return tuple(match_tree(c, p) for c, p in zip(cts, primals))

    vjp_fn.source = gen.source
    return (out, vjp_fn, result[2]) if has_aux else (out, vjp_fn)


def _require_float_output(out, what: str) -> None:
    """A ``TypeError`` when no leaf of ``out`` is floating point: a bool or integer output
    (``x > 0``, ``np.all(...)``, a count) has no cotangent to pull back. As in JAX, the
    forward call succeeds and the pullback refuses; containers mixing floats and ints pass."""
    leaves = [leaf for _, leaf in _leaves(out)]
    if not leaves or any(isinstance(v, (float, complex)) and not isinstance(v, bool)
           or _dtype_of(v).kind in "fc" for v in leaves):
        return
    from . import runtime as _rt

    desc = (_rt._describe_output(leaves[0], _dtype_of(leaves[0])) if len(leaves) == 1
            else f"a {type(out).__name__} with no floating-point leaves")
    raise TypeError(f"{what} requires a floating-point output, but the function returned "
                    f"{desc}; bools and integers have no derivative")


def _vjp_backward(gen: Generated):
    """``f_bwd(residuals, cotangent)`` of a generated vjp module (its entry is ``f_fwd``)."""
    return gen.namespace[gen.entry_name[: -len("fwd")] + "bwd"]


def source(fn, *example_args, **example_kwargs) -> str:
    """The generated source of a transformed function; given example arguments, that of
    the module a call with them runs: specialized to their kinds (Python floats, arrays of
    a rank), as ``grad(f)(*example_args)`` runs it."""
    info = getattr(fn, "__s2sad__", None)
    if info is None:
        raise DifferentiationError(f"{fn!r} is not a function transformed by s2sad")
    if example_args or example_kwargs:
        return info.module_for(example_args, example_kwargs).source
    return info.source


# --------------------------------------------------------------------------- decorator


class Differentiable:
    """What ``@differentiate`` returns: the original function plus its transforms."""

    def __init__(self, fn, argnums=0, has_aux=False, backend="numpy", jit=None):
        self.jit = _check_jit(jit)
        _check_backend(backend, self.jit)
        functools.update_wrapper(self, fn, updated=())
        self._fn, self.argnums, self.has_aux, self.backend = fn, argnums, has_aux, backend
        self._transforms: dict[str, Transformed] = {}

    def __call__(self, *args, **kwargs):
        return self._fn(*args, **kwargs)

    def __get__(self, obj, objtype=None):
        if obj is None:
            return self
        return Differentiable(self._fn.__get__(obj, objtype), self.argnums, self.has_aux,
                              self.backend, self.jit)

    def _get(self, name: str) -> Transformed:
        if name not in self._transforms:
            factory = _FACTORIES[name]
            self._transforms[name] = factory(self._fn, self.argnums, self.has_aux, jit=self.jit,
                                             backend=self.backend)
        return self._transforms[name]

    def grad(self, *args, **kwargs):
        return self._get("grad")(*args, **kwargs)

    def value_and_grad(self, *args, **kwargs):
        return self._get("value_and_grad")(*args, **kwargs)

    def grad_and_value(self, *args, **kwargs):
        return self._get("grad_and_value")(*args, **kwargs)

    def vjp(self, *primals):
        return vjp(self._fn, *primals, has_aux=self.has_aux, jit=self.jit, backend=self.backend)

    def jvp(self, primals, tangents):
        return jvp(self._fn, primals, tangents, has_aux=self.has_aux, jit=self.jit,
                   backend=self.backend)

    def jacfwd(self, *args, **kwargs):
        return self._get("jacfwd")(*args, **kwargs)

    def jacrev(self, *args, **kwargs):
        return self._get("jacrev")(*args, **kwargs)

    def hessian(self, *args, **kwargs):
        return self._get("hessian")(*args, **kwargs)

    def hvp(self, primals, tangents):
        return hvp(self._fn, primals, tangents, jit=self.jit, backend=self.backend)

    def source(self, transform: str = "grad", *example_args, **example_kwargs) -> str:
        """The generated source of ``transform``; given example arguments (as ``grad``
        takes them; the primals for ``jvp`` and ``hvp``, their tangents of the same kinds),
        that of the module a call with them runs (``s2sad.source(f, *args)``)."""
        if example_args or example_kwargs:
            return self._module_for(transform, example_args, example_kwargs).source
        n = len(inspect.signature(self._fn).parameters)
        if transform == "vjp":
            return _generated(self._fn, Spec("vjp", tuple(range(n)), self.has_aux,
                                             backend=self.backend)).source
        if transform == "jvp":
            return _generated(self._fn, Spec("jvp", tuple(range(n)), self.has_aux,
                                             backend=self.backend)).source
        if transform in ("hessian", "hvp"):
            return _generated(grad(self._fn, self.argnums), Spec("jvp", tuple(range(n)), False,
                                                                 backend=self.backend)).source
        if transform not in _FACTORIES:
            raise ValueError(f"unknown transform {transform!r}; one of "
                             f"{sorted(_FACTORIES) + ['hessian', 'hvp', 'jvp', 'vjp']}")
        return self._get(transform).source

    def _module_for(self, transform: str, args: tuple, kwargs: dict) -> Generated:
        """The module ``getattr(self, transform)`` runs for example arguments ``args``."""
        if transform in ("vjp", "jvp", "hvp") and kwargs:
            raise TypeError(f"{transform} takes its primals positionally, got {sorted(kwargs)}")
        if transform == "vjp":
            return _generated(self._fn, Spec("vjp", tuple(range(len(args))), bool(self.has_aux),
                                             backend=self.backend))
        if transform in ("jvp", "hvp"):
            fn = self._fn if transform == "jvp" else _grad_of(self._fn)
            return _generated(fn, _jvp_spec(fn, args, args, self.has_aux and transform == "jvp",
                                            self.backend, transform == "hvp")[0])
        if transform not in _FACTORIES:
            raise ValueError(f"unknown transform {transform!r}; one of "
                             f"{sorted(_FACTORIES) + ['hvp', 'jvp', 'vjp']}")
        return self._get(transform).module_for(args, kwargs)


_FACTORIES = {"grad": grad, "value_and_grad": value_and_grad, "grad_and_value": grad_and_value}


def differentiate(fn=None, *, argnums=0, has_aux=False, backend="numpy", jit=None):
    """Decorator: ``@differentiate`` or ``@differentiate(argnums=(0, 1), has_aux=True)``;
    ``jit="numba"`` compiles the generated code of every transform it offers."""
    if fn is None:
        _check_backend(backend, _check_jit(jit))  # a wrong value: here, not at the decorated def
        return lambda f: Differentiable(f, argnums, has_aux, backend, jit)
    return Differentiable(fn, argnums, has_aux, backend, jit)


for _f in (grad, value_and_grad, grad_and_value):
    _f.__s2sad_builder__ = True  # may be called inside a differentiated function


# --------------------------------------------------------------------------- forward mode


def _check_tangents(primals, tangents) -> tuple:
    """The tangents, each aligned with its primal (``align_tree``); a clear error otherwise."""
    if not isinstance(primals, (tuple, list)) or not isinstance(tangents, (tuple, list)):
        raise TypeError("jvp takes primals and tangents as tuples (one entry per argument)")
    if len(primals) != len(tangents):
        raise ValueError(f"jvp got {len(primals)} primals but {len(tangents)} tangents")
    if all(type(p) is np.ndarray and type(t) is np.ndarray and p.shape == t.shape
           for p, t in zip(primals, tangents)):
        return tuple(tangents)  # the common case: arrays of matching shapes, nothing to align
    tangents = tuple(align_tree(t, p, f"jvp: tangent {i}", f"primal {i}")
                     for i, (p, t) in enumerate(zip(primals, tangents)))
    for i, (p, t) in enumerate(zip(primals, tangents)):
        for (path, a), (_, b) in zip(_leaves(p), _leaves(t)):
            if np.shape(a) != np.shape(b):
                raise ValueError(f"jvp: tangent {i}{path} has shape {np.shape(b)} but its primal "
                                 f"has shape {np.shape(a)}")
    return tangents


def jvp(fn, primals, tangents, has_aux=False, *, jit=None, backend="numpy",
        _tangent_only=False):
    """``(out, tangent_out)`` (or ``(out, tangent_out, aux)``): forward mode.
    ``_tangent_only`` (``hvp``): ``tangent_out`` alone, by a module that computes nothing
    else (the tangent's structure is the first primal's: a gradient's)."""
    jit = _check_jit(jit)
    backend = _check_backend(backend, jit)
    tangents = _check_tangents(primals, tangents)
    _check_differentiable(primals, range(len(primals)), "jvp")
    spec, primals, tangents = _jvp_spec(fn, primals, tangents, has_aux, backend, _tangent_only)
    entry = _generated(fn, spec).entry if jit is None else _jitted(fn, spec)
    result = entry(*primals, *tangents)
    if _tangent_only:
        return match_tree(result, primals[0])
    out, dout = result[0], match_tree(result[1], result[0])
    return (out, dout, result[2]) if has_aux else (out, dout)


def _jvp_spec(fn, primals, tangents, has_aux, backend: str, tangent_only: bool = False):
    """``(spec, primals, tangents)`` of a jvp call, with the parameters left to their
    defaults appended (``_with_defaults``): its module is specialized to the arguments'
    kinds (and is what numba compiles best)."""
    primals, tangents = _with_defaults(fn, tuple(primals), tuple(tangents))
    signature = _plain_signature(primals + tangents)
    spec = Spec("jvp", tuple(range(len(primals))), bool(has_aux), backend=backend,
                signature=None if None in signature else signature,
                only=1 if tangent_only else None)
    return spec, primals, tangents


_PARAMETERS: "weakref.WeakKeyDictionary[object, list | None]" = weakref.WeakKeyDictionary()


def _parameters(fn) -> list | None:
    """``fn``'s parameters (None: no signature), looked up once per function."""
    try:
        return _PARAMETERS[fn]
    except (KeyError, TypeError):
        pass
    try:
        params = list(inspect.signature(fn).parameters.values())
    except (TypeError, ValueError):
        params = None
    try:
        _PARAMETERS[fn] = params
    except TypeError:  # not weak-referenceable: looked up each time
        pass
    return params


def _with_defaults(fn, primals: tuple, tangents: tuple) -> tuple[tuple, tuple]:
    """Parameters the primals leave to their defaults, appended with zero tangents (as
    ``fn(*primals)`` reads them: constants of the derivative)."""
    params = _parameters(fn)
    if params is None:
        return primals, tangents
    rest = [p for p in params[len(primals):] if p.kind in (p.POSITIONAL_ONLY,
                                                           p.POSITIONAL_OR_KEYWORD)]
    if not rest or any(p.default is p.empty for p in rest):
        return primals, tangents
    from . import runtime

    values = tuple(p.default for p in rest)
    return primals + values, tangents + tuple(runtime.zeros_like(v) for v in values)


def jvp_source(fn, n: int, has_aux=False) -> str:
    return _generated(fn, Spec("jvp", tuple(range(n)), bool(has_aux))).source


def jacfwd(fn, argnums=0, has_aux=False, *, jit=None, backend="numpy") -> Transformed:
    """The Jacobian (shape ``out.shape + in.shape``) by forward mode (``(J, aux)`` with
    ``has_aux``): every basis tangent in one batched pass, generated code that composes
    (``jacrev(jacfwd(f))``, ``jacfwd(hessian(f))``)."""
    return _jacobian(fn, "jacfwd", argnums, has_aux, jit=jit, backend=backend)


def jacrev(fn, argnums=0, has_aux=False, *, jit=None, backend="numpy") -> Transformed:
    """The Jacobian (shape ``out.shape + in.shape``) by reverse mode (``(J, aux)`` with
    ``has_aux``): one forward sweep, every basis cotangent in one batched backward pass."""
    return _jacobian(fn, "jacrev", argnums, has_aux, jit=jit, backend=backend)


def _jacobian(fn, transform: str, argnums, has_aux: bool, name: str | None = None,
              like_input: bool = False, jit=None, backend="numpy") -> Transformed:
    """``like_input``: the result takes the dtype of the (single) differentiated input,
    as a Hessian does (the Jacobian of a gradient, which has its argument's dtype)."""
    jit = _check_jit(jit)
    nums = _argnums_tuple(argnums)
    argnums = tuple(argnums) if isinstance(argnums, list) else argnums
    spec = Spec(transform, argnums, bool(has_aux), vector=True,
                backend=_check_backend(backend, jit))
    name = name or transform

    def post(self, args, kwargs):
        from . import runtime as _rt

        bound = bound_transform(self, args, kwargs)  # functions passed (``act=np.tanh``)
        if bound is not None:
            return bound(*args, **kwargs)
        _check_differentiable(args, nums, name)
        for i in nums:
            if isinstance(args[i], (tuple, list, dict)):
                raise TypeError(
                    f"{name} differentiates with respect to arrays and floats, but argument "
                    f"{i} is a {type(args[i]).__name__}; pass its leaves as separate arguments, "
                    f"or use vjp/jvp for containers")
        entry = self.specialized_entry(args, kwargs)
        if any(np.size(args[i]) == 0 for i in nums):
            # no basis vectors: a batch of zero lanes has no lane to learn output shapes
            # from, while the per-lane loop runs zero times and stacks an empty Jacobian
            entry = self.composable_entry
        try:
            jac = entry(*args, **kwargs)
        except _rt.Unbatchable:  # a value the batched pass cannot widen: one pass per lane
            jac = self.composable_entry(*args, **kwargs)
        return _like_input(jac, args[nums[0]]) if like_input else jac

    def module(self, args, kwargs):
        bound = bound_transform(self, args, kwargs)
        if bound is not None:
            return bound.module_for(args, kwargs)
        _check_differentiable(args, nums, name)
        if any(np.size(args[i]) == 0 for i in nums):
            return _generated(self._fn, self._nested_spec)
        return _generated(self._fn, self.specialized_spec(args, kwargs))

    return Transformed(fn, spec, post, nested_spec=Spec(transform, argnums, bool(has_aux)),
                       jit=jit, module=module)


def _like_input(jac, x):
    """``jac`` in ``x``'s floating dtype (a float32 argument gives a float32 Hessian even
    where the generated code widened an intermediate to float64)."""
    dtype = getattr(x, "dtype", None)
    if dtype is None or dtype.kind not in "fc" or getattr(jac, "dtype", dtype) == dtype:
        return jac
    if type(jac).__module__.startswith("cupy"):  # on the device: no host copy
        return jac.astype(dtype)
    return np.asarray(jac, dtype=dtype)


def hessian(fn, argnums=0, *, jit=None, backend="numpy") -> Transformed:
    """Forward over reverse: ``jacfwd(grad(fn))``, shape ``in.shape + in.shape``; with
    ``backend="cupy"`` the outer module calls CuPy (the inner gradient is read as code)."""
    if not isinstance(argnums, int):
        return jacfwd(grad(fn, argnums), argnums, jit=jit, backend=backend)
    return _jacobian(grad(fn, argnums), "jacfwd", argnums, False, name="hessian",
                     like_input=True, jit=jit, backend=backend)


def hvp(fn, primals, tangents, *, jit=None, backend="numpy"):
    """The Hessian-vector product, shaped like ``primals[0]`` (never forms the Hessian):
    the tangent of a jvp of the gradient, by a module that returns only that tangent (the
    gradient itself is not computed)."""
    return jvp(_grad_of(fn), tuple(primals), tuple(tangents), jit=jit, backend=backend,
               _tangent_only=True)


_GRADS: "weakref.WeakKeyDictionary[object, Transformed]" = weakref.WeakKeyDictionary()


def _grad_of(fn) -> Transformed:
    """One ``grad(fn)`` per function, so repeated ``hvp`` calls reuse generated code."""
    try:
        if fn not in _GRADS:
            _GRADS[fn] = grad(fn)
        return _GRADS[fn]
    except TypeError:  # not weak-referenceable
        return grad(fn)


for _f in (jacfwd, jacrev, hessian):
    _f.__s2sad_builder__ = True


# --------------------------------------------------------------------------- vmap


class PerLaneWarning(UserWarning):
    """``vmap`` runs a primitive that has no batching rule once per lane (a Python loop over
    the batch): right, but slow. Issued once per primitive and line, when the code is made."""


def vmap(fn, in_axes=0, out_axes=0, *, jit=None, backend="numpy") -> Transformed:
    """``fn`` mapped over an axis of its arguments, as generated batched code (JAX semantics).

    ``in_axes``: an int, None (broadcast) or a tuple with one entry per positional argument,
    each an int, None or a pytree matching the argument; negative axes count from the end.
    ``out_axes``: an int or a tree per output. Python ``if``/``while``/``for`` on batched
    values run batched: both arms computed on masked inputs and selected per example, loops
    run until every example is done (``transforms/batching_control.py``).
    """
    jit = _check_jit(jit)
    in_axes = _checked_in_axes(in_axes)
    out_enc = _encoded_axes(out_axes, "out_axes")
    spec = Spec("vmap", (_generic_plan(fn, in_axes), out_enc),
                backend=_check_backend(backend, jit))

    inner = getattr(fn, "_vmap_of", None)  # vmap(vmap(f)): one batch of both axes' lanes
    inner = inner if backend == "numpy" else None  # (merging lanes runs on NumPy arrays)
    entries: dict = {}  # plan -> generated entry

    def post(self, args, kwargs):
        if kwargs:
            raise TypeError(f"vmap: pass the arguments of {self.__name__} positionally "
                            f"(in_axes maps positional arguments; got {sorted(kwargs)})")
        if inner is not None:
            out = _flattened(self, inner, (in_axes, out_axes), args)
            if out is not NotImplemented:
                return out
        plan = _call_plan(in_axes, args)
        entry = entries.get(plan)
        if entry is None:
            entry = entries[plan] = _vmap_entry(self, dataclasses.replace(
                spec, argnums=(plan, out_enc)), jit, args)
        return entry(*args)

    def module(self, args, kwargs):
        if inner is not None:
            flat = _flat_call(self, inner, (in_axes, out_axes), args)
            if flat is not NotImplemented:
                return flat[0].module_for(flat[1], {})
        return _vmap_module(self, dataclasses.replace(
            spec, argnums=(_call_plan(in_axes, args), out_enc)), jit, args)

    transformed = Transformed(fn, spec, post, jit=jit, module=module)
    transformed._vmap_of = (fn, in_axes, out_axes, jit)
    transformed._plans = entries
    return transformed


def _flattened(self: Transformed, inner, outer, args):
    """``vmap(vmap(f, ia, io), oa, oo)(*args)`` as one ``vmap(f)`` over ``K * k`` lanes
    (NotImplemented where an axis is a pytree or an argument a container): each argument
    mapped by both gets its two axes merged, one mapped by one of them is repeated (or
    tiled) over the other's lanes; the result is split back and its axes placed.

        x: (K, k, 3) mapped by both  ->  (K * k, 3);   w: (K, 3) by the outer only  ->
        np.repeat(w, k, axis=0)  ->  (K * k, 3)
    """
    flat = _flat_call(self, inner, outer, args)
    if flat is NotImplemented:
        return NotImplemented
    mapped, merged, big, small = flat
    return _split_lanes(mapped(*merged), big, small, inner[2], outer[1])


def _flat_call(self: Transformed, inner, outer, args):
    """``(vmap(f) over K * k lanes, its merged arguments, K, k)`` for ``_flattened``."""
    f, ia, io, jit = inner
    oa, oo = outer
    n = len(args)
    ia = ia if isinstance(ia, tuple) else (ia,) * n
    oa = oa if isinstance(oa, tuple) else (oa,) * n
    if len(ia) != n or len(oa) != n or not all(isinstance(a, int) or a is None for a in (
            ia + oa + (io, oo))) or any(isinstance(x, (tuple, list, dict)) for x in args):
        return NotImplemented
    from . import runtime as _rt

    names = [f"{i}" for i in range(n)]
    big = _rt.axis_size(names, args, oa)
    lanes = [np.moveaxis(np.asarray(x), a, 0) if a is not None else x for x, a in zip(args, oa)]
    views = [x[0] if a is not None and big else x for x, a in zip(lanes, oa)]
    small = _rt.axis_size(names, views, ia)
    flat = [_merged(x, o is not None, i, big, small) for x, o, i in zip(lanes, oa, ia)]
    axes = tuple(None if o is None and i is None else 0 for o, i in zip(oa, ia))
    plans = self.__dict__.setdefault("_flat", {})
    if axes not in plans:
        plans[axes] = vmap(f, axes, 0, jit=jit)
    return plans[axes], flat, big, small


def _merged(x, outer: bool, inner, big: int, small: int):
    """``x`` (its outer lanes, if any, already on axis 0) with ``big * small`` lanes on
    axis 0: the outer lane ``p`` and inner lane ``q`` at ``p * small + q``."""
    if inner is None:
        return np.repeat(x, small, axis=0) if outer else x
    lane_ndim = np.ndim(x) - outer
    x = np.moveaxis(x, inner % lane_ndim + outer, int(outer))
    if outer:
        return x.reshape((big * small,) + x.shape[2:])
    return np.tile(x, (big,) + (1,) * (x.ndim - 1))


def _split_lanes(out, big: int, small: int, io: int, oo: int):
    """The merged result's leaves split back into outer and inner lanes, placed at the
    inner (``io``, within an outer lane's result) and outer (``oo``) out axes."""
    if isinstance(out, (tuple, list)):
        items = [_split_lanes(v, big, small, io, oo) for v in out]
        return type(out)(*items) if hasattr(out, "_fields") else type(out)(items)
    if isinstance(out, dict):
        return {k: _split_lanes(v, big, small, io, oo) for k, v in out.items()}
    leaf = np.reshape(out, (big, small) + np.shape(out)[1:])
    leaf = np.moveaxis(leaf, 1, 1 + io % (leaf.ndim - 1))
    return np.moveaxis(leaf, 0, oo % leaf.ndim)


_PER_LANE = "Per lane (no batching rule): "  # how the entry's docstring lists them


def _vmap_entry(self: Transformed, spec: Spec, jit, args: tuple):
    """The generated entry for one plan; one ``PerLaneWarning`` per primitive it runs
    once per lane (listed in the entry's docstring, so a cached module warns too).

    A transformed function (``vmap(grad(f))``) is batched from its code specialized to
    one lane's argument kinds where that batches without a per-lane loop (leaner: shapes
    known, fewer helpers), else from its generic code (``_vmap_module``)."""
    import warnings

    gen = _vmap_module(self, spec, jit, args)
    for line in gen.source.splitlines():
        if _PER_LANE in line:
            warnings.warn(PerLaneWarning(
                f"vmap of {getattr(self._fn, '__qualname__', self._fn)}: "
                f"{line.split(_PER_LANE, 1)[1].strip().rstrip(chr(34)).strip()} has no "
                f"batching rule and runs once per lane (a Python loop over the batch)"),
                stacklevel=4)
    return gen.entry if jit is None else _jitted(self._fn, spec)


def _vmap_module(self: Transformed, spec: Spec, jit, args: tuple) -> Generated:
    """The module ``_vmap_entry`` runs for one plan (``spec``) and ``args``."""
    gen = None
    lane = _lane_entry(self._fn, spec.argnums[0], args) if jit is None else None
    if lane is not None:
        try:
            gen = _generated(lane, spec)
        except DifferentiationError:
            gen = None
        if gen is not None and _PER_LANE in gen.source:
            gen = None
    return gen or _generated(self._fn, spec)


def _lane_entry(fn, plan: tuple, args: tuple):
    """The code of a transformed ``fn`` specialized to the kinds of one lane of ``args``
    (None for a plain function, a pytree plan or an empty batch)."""
    if not isinstance(getattr(fn, "__s2sad__", None), Transformed) or fn._jit is not None:
        return None
    lane = []
    for x, axes in zip(args, plan):
        if axes is None:
            lane.append(x)
        elif type(axes) is int and type(x) is np.ndarray and x.ndim and x.shape[axes]:
            lane.append(np.take(x, 0, axis=axes))
        else:
            return None
    entry = fn.specialized_entry(tuple(lane), {})
    return None if entry is fn.entry else entry


def _checked_in_axes(in_axes):
    """``in_axes`` as an int, None or a tuple (a list is read as a tuple, as JAX does)."""
    if isinstance(in_axes, list):
        in_axes = tuple(in_axes)
    if isinstance(in_axes, tuple):
        for i, a in enumerate(in_axes):
            _encoded_axes(a, f"in_axes[{i}]")
        return in_axes
    if in_axes is None or (isinstance(in_axes, int) and not isinstance(in_axes, bool)):
        return in_axes
    raise TypeError(f"vmap: in_axes must be an int, None or a tuple with one entry per "
                    f"positional argument, got {in_axes!r}")


def _encoded_axes(axes, what: str):
    """An axes tree in the hashable form the generated code reads (``_rt.encode_axes``)."""
    from . import runtime as _rt

    try:
        return _rt.encode_axes(axes)
    except TypeError:
        raise TypeError(f"vmap: {what} must be an int, None or a pytree of those, got "
                        f"{axes!r}") from None


def _generic_plan(fn, in_axes) -> tuple:
    """The plan read from ``in_axes`` alone (``.source``, and vmap inside another
    transform): an int applies to every positional parameter."""
    if isinstance(in_axes, tuple):
        return tuple(_encoded_axes(a, "in_axes") for a in in_axes)
    try:
        params = [p for p in inspect.signature(fn).parameters.values()
                  if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    except (TypeError, ValueError):
        params = [None]
    return (in_axes,) * len(params)


def _call_plan(in_axes, args: tuple) -> tuple:
    """One encoded axes tree per argument, expanded to the argument's structure (an int
    given for a container applies to each of its leaves)."""
    for x in args:  # the common cases first: arrays and floats, axes ints or None
        if type(x) is not np.ndarray and type(x) is not float:
            break
    else:
        if type(in_axes) is int and float not in map(type, args):
            return (in_axes,) * len(args)
        if type(in_axes) is tuple and len(in_axes) == len(args) and _flat_axes(in_axes):
            return in_axes
    if isinstance(in_axes, tuple):
        if len(in_axes) != len(args):
            raise ValueError(f"vmap: in_axes has {len(in_axes)} entries but the function was "
                             f"called with {len(args)} positional arguments; give one entry "
                             f"per argument (None where it is not mapped)")
        entries = in_axes
    else:
        entries = (in_axes,) * len(args)
    return tuple(_encoded_axes(_expanded(a, x, f"in_axes[{i}]"), "in_axes")
                 for i, (a, x) in enumerate(zip(entries, args)))


def _flat_axes(in_axes: tuple) -> bool:
    """Whether every entry of ``in_axes`` is an int or None (no pytree to expand)."""
    return all(a is None or type(a) is int for a in in_axes)


def _expanded(axes, arg, path: str):
    """``axes`` (a prefix of ``arg``'s structure) as a full tree of ``arg``; ValueError
    when the structures differ."""
    if not isinstance(arg, (tuple, list, dict)):
        if isinstance(axes, (tuple, list, dict)):
            raise ValueError(f"vmap: {path} is {_structure(axes)} but the argument is "
                             f"{_structure(arg)}")
        return axes
    if axes is None:
        return None
    if isinstance(axes, int):
        return _rebuilt(arg, {k: _expanded(axes, v, f"{path}[{k!r}]")
                              for k, v in _items(arg)})
    if isinstance(arg, dict) != isinstance(axes, dict) or len(axes) != len(arg) or (
            isinstance(arg, dict) and axes.keys() != arg.keys()):
        raise ValueError(f"vmap: {path} is {_structure(axes)} but the argument is "
                         f"{_structure(arg)}")
    return _rebuilt(arg, {k: _expanded(axes[k], v, f"{path}[{k!r}]") for k, v in _items(arg)})


def _items(tree):
    return tree.items() if isinstance(tree, dict) else enumerate(tree)


def _rebuilt(like, items: dict):
    if isinstance(like, dict):
        return {k: items[k] for k in like}
    return type(like)(items[i] for i in range(len(like))) if not hasattr(like, "_fields") \
        else tuple(items[i] for i in range(len(like)))


vmap.__s2sad_builder__ = True  # s2sad.vmap(g)(x) inside a differentiated function


# --------------------------------------------------------------------------- inside a body


class GeneratedFunction:
    """One function of a generated module, read by the front end as user code.

    Like a ``Transformed``, it has ``__s2sad__.composable_entry``, the function
    ``ProgramBuilder.user_call`` reads; ``part="bwd"`` picks ``f_bwd`` of a vjp module
    rather than its entry ``f_fwd``. Generation is memoized as for the public calls, so
    ``s2sad.jvp(f, ...)`` in a body calls the very ``f_jvp`` a direct call runs.
    """

    def __init__(self, fn, spec: Spec, part: str | None = None):
        self._fn, self._spec, self._part = fn, spec, part

    @property
    def __s2sad__(self) -> "GeneratedFunction":
        return self

    @property
    def composable_entry(self):
        gen = _generated(self._fn, self._spec)
        return _vjp_backward(gen) if self._part == "bwd" else gen.entry


class InlineTransform:
    """What ``__s2sad_inline__`` holds on ``jvp``, ``hvp`` and ``vjp`` (truthy: the mark).

    Called inside a differentiated function with runtime values, these are lowered by
    the front end (``frontend/normalize/inline_transforms.py``) to calls of the
    generated functions ``entries`` gives, keyed by role:

    * ``jvp``: ``{"jvp": f_jvp}``; ``f_jvp(*primals, *tangents)`` is ``(out, tangent_out)``
      (``(out, tangent_out, aux)`` with ``has_aux``), the public result;
    * ``hvp``: ``{"jvp": jvp of grad(f)}``; the product is item 1 of its result;
    * ``vjp``: ``{"fwd": f_fwd, "bwd": f_bwd}``; ``f_fwd(*primals)`` is
      ``(out, residuals[, aux])`` and ``f_bwd(residuals, ct)`` one cotangent per primal.
    """

    def __init__(self, kind: str):
        self.kind = kind

    @staticmethod
    def decorated(func) -> tuple | None:
        """``(fn, has_aux)`` when ``func`` is ``decorated.jvp`` (a method of a
        ``Differentiable``: its function and options), None for ``s2sad.jvp`` itself."""
        owner = getattr(func, "__self__", None)
        return (owner._fn, owner.has_aux) if isinstance(owner, Differentiable) else None

    def entries(self, fn, n: int, has_aux: bool = False) -> dict[str, GeneratedFunction]:
        argnums = tuple(range(n))
        if self.kind == "jvp":
            return {"jvp": GeneratedFunction(fn, Spec("jvp", argnums, bool(has_aux)))}
        if self.kind == "hvp":
            return {"jvp": GeneratedFunction(_grad_of(fn), Spec("jvp", argnums))}
        spec = Spec("vjp", argnums, bool(has_aux))
        return {"fwd": GeneratedFunction(fn, spec), "bwd": GeneratedFunction(fn, spec, "bwd")}


for _f in (jvp, hvp, vjp, Differentiable.jvp, Differentiable.hvp, Differentiable.vjp):
    _f.__s2sad_inline__ = InlineTransform(_f.__name__)

_FACTORIES.update(jacfwd=jacfwd, jacrev=jacrev,
                  hessian=lambda fn, argnums=0, has_aux=False, jit=None, backend="numpy": hessian(
                      fn, argnums, jit=jit, backend=backend))
