"""A generated module's text, rewritten into the Python that numba's nopython mode types.

The plain module stays the reference; this variant computes the same numbers with
constructs numba compiles (``numba_jit.py`` compiles it, ``numba_runtime.py`` is the
``_rt`` it calls, its reductions over axes in ``numba_reductions.py``)::

    _tape = []                          _tape_x = []      (one typed stack per name)
    _tape.append(x)                     _tape_x.append(x)
    x = _tape.pop()                     x = _tape_x.pop()
    del _t1, s                          (dropped: nopython mode has no ``del``)
    np.s_[i, 1:]                        (_rt.index(i), slice(1, None))
    np.where(c, a, b)                   _rt.where(c, a, b)   (scalars: ``a if c else b``)
    np.copy(v)                          _rt.copy(v)          (numba's np.copy takes arrays)
    np.zeros(np.shape(v))               _rt.zeros(_rt.shape(v))   (v a number: 0.0)
    np.max(a, axis=1, keepdims=True)    _rt.reduce_max(a, axis=1, keepdims=True)
                                        (and sum, mean, min: numba's lack keepdims)
    from s2sad import runtime as _rt    (dropped: the compiler binds ``_rt``)

Invariant: the rewritten text reads no name the original did not bind, and every value
it computes is the one the original computes at the same point. Splitting a tape is
sound because the reverse sweep pushes and pops each name at mirrored points
(``transforms/tape.py``): restricted to one name, the pops still mirror the pushes.
One list per name is what lets numba type it (a shared tape holds floats, bools and
``None`` placeholders at once).

Imports nothing of numba: what it cannot express it names in ``NotCompilable``.
"""

from __future__ import annotations

import ast
from collections.abc import Collection

_RT = "_rt"
# the ``_rt`` functions ``numba_runtime`` defines or re-exports (``reduce_*``, from
# ``numba_reductions``; here: this module imports no numba)
HELPERS = frozenset({
    "seed", "check_aux", "zeros_like", "tree_add", "unbroadcast", "broadcast_like",
    "getitem_vjp", "zero_at", "add_at", "sum_vjp", "mean_vjp", "count", "extremum_vjp",
    "ct_mul", "abs_vjp", "real_only", "greater_weight", "sigmoid", "pow_base", "private",
    "index", "in_range", "range_len",
    "basis_stack", "batch_size", "jacobian_from_batched_columns", "vgetitem_vjp",  # jacfwd
    # the shims of NumPy calls (below)
    "where", "copy", "stack", "shape", "zeros",
    "reduce_sum", "reduce_mean", "reduce_max", "reduce_min"})
# NumPy calls whose numba forms lack a case generated code needs (scalar operands)
_SHIMMED = {"where": "where", "copy": "copy", "stack": "stack", "shape": "shape"}
# the same, for calls with one argument only (``np.zeros(shape, dtype)`` stays numba's)
_ONE_ARGUMENT = {"zeros": "zeros"}
# reductions whose numba forms take no ``keepdims`` (max and min: no ``axis``), shimmed
# when called with more than the array; ``np.sum(x)`` stays numba's
_REDUCTIONS = {"sum": "reduce_sum", "mean": "reduce_mean", "max": "reduce_max",
               "amax": "reduce_max", "min": "reduce_min", "amin": "reduce_min"}


class NotCompilable(Exception):
    """A construct of the generated module with no numba form; ``construct`` names it."""

    def __init__(self, construct: str):
        self.construct = construct
        super().__init__(construct)


def to_numba(source: str, helpers: Collection[str] = HELPERS) -> str:
    """``source`` (a generated module) rewritten as the module doc says.

    ``helpers``: the ``_rt`` functions the numba runtime provides; any other ``_rt.name``
    raises ``NotCompilable``, as do nested functions and the other constructs
    ``_refuse`` lists.
    """
    tree = ast.parse(source)
    tree.body = [s for s in tree.body if not _imports_runtime(s)]
    for node in tree.body:
        if isinstance(node, ast.FunctionDef):
            _refuse(node, helpers)
            node.body = _rewrite_body(node.body)
            _split_tapes(node)
    return ast.unparse(ast.fix_missing_locations(tree)) + "\n"


def _imports_runtime(stmt: ast.stmt) -> bool:
    return isinstance(stmt, ast.ImportFrom) and any(a.asname == _RT for a in stmt.names)


# --------------------------------------------------------------------------- refusals


def _refuse(fn: ast.FunctionDef, helpers: Collection[str]) -> None:
    """Raise ``NotCompilable`` for the first construct numba has no form for."""
    for node in ast.walk(fn):
        if node is not fn and isinstance(node, (ast.FunctionDef, ast.Lambda)):
            raise NotCompilable("a nested function or lambda")
        if isinstance(node, (ast.Dict, ast.DictComp, ast.Set, ast.SetComp)):
            raise NotCompilable("a dict or set")
        if isinstance(node, (ast.With, ast.Try, ast.Yield, ast.YieldFrom, ast.Global,
                             ast.Nonlocal)):
            raise NotCompilable(f"`{type(node).__name__.lower()}`")
        if isinstance(node, ast.JoinedStr):
            raise NotCompilable("an f-string")
        if _is_attr(node, _RT) and node.attr not in helpers:
            raise NotCompilable(f"`{_RT}.{node.attr}` (a runtime helper with no numba form)")
    if fn.args.vararg or fn.args.kwarg or fn.args.kwonlyargs:
        raise NotCompilable("*args, **kwargs or keyword-only parameters")


def _is_attr(node: ast.AST, owner: str, attr: str | None = None) -> bool:
    return (isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name)
            and node.value.id == owner and (attr is None or node.attr == attr))


# --------------------------------------------------------------------------- statements


def _rewrite_body(body: list[ast.stmt]) -> list[ast.stmt]:
    """``del`` dropped (a block left empty gets ``pass``), expressions rewritten."""
    out = []
    for stmt in body:
        if isinstance(stmt, ast.Delete):
            continue
        for field in ("body", "orelse"):
            block = getattr(stmt, field, None)
            if block:  # an empty ``orelse`` stays empty
                setattr(stmt, field, _rewrite_body(block))
        out.append(_Expressions().visit(stmt))
    return out or [ast.Pass()]


class _Expressions(ast.NodeTransformer):
    """``np.s_[...]`` as the index value itself; NumPy calls numba lacks cases of, shimmed."""

    def visit_Subscript(self, node: ast.Subscript) -> ast.AST:
        if _is_attr(node.value, "np", "s_"):
            return _index_value(self.visit(node.slice))
        return self.generic_visit(node)

    def visit_Call(self, node: ast.Call) -> ast.AST:
        self.generic_visit(node)
        if not (isinstance(node.func, ast.Attribute) and _is_attr(node.func, "np")):
            return node
        shim = _SHIMMED.get(node.func.attr)
        if shim is None and len(node.args) == 1 and not node.keywords:
            shim = _ONE_ARGUMENT.get(node.func.attr)
        if shim is None and (len(node.args) > 1 or node.keywords):
            shim = _REDUCTIONS.get(node.func.attr)
        if shim is not None:
            node.func = ast.Attribute(ast.Name(_RT, ast.Load()), shim, ast.Load())
        return node

    def visit_Attribute(self, node: ast.Attribute) -> ast.AST:
        if _is_attr(node, "np", "s_"):  # any other use of np.s_ (a subscript is handled above)
            raise NotCompilable("`np.s_` used as a value")
        return self.generic_visit(node)


def _index_value(index: ast.expr) -> ast.expr:
    """The value ``np.s_[index]`` is: slices as ``slice(lower, upper, step)`` calls, names
    through ``_rt.index`` (a loop index restored from a tape may be typed "int or None")."""
    if isinstance(index, ast.Name):
        return ast.Call(ast.Attribute(ast.Name(_RT, ast.Load()), "index", ast.Load()),
                        [index], [])
    if isinstance(index, ast.Slice):
        parts = [p if p is not None else ast.Constant(None)
                 for p in (index.lower, index.upper, index.step)]
        if index.step is None:
            parts = parts[:2]
        return ast.Call(ast.Name("slice", ast.Load()), parts, [])
    if isinstance(index, ast.Tuple):
        return ast.Tuple([_index_value(e) for e in index.elts], ast.Load())
    if isinstance(index, ast.Constant) and index.value is Ellipsis:
        raise NotCompilable("an index with `...`")
    return index


# --------------------------------------------------------------------------- tapes


def _split_tapes(fn: ast.FunctionDef) -> None:
    """Each tape of ``fn`` (see ``_tapes``) becomes one list per name it records."""
    taken = {n.id for n in ast.walk(fn) if isinstance(n, ast.Name)} | {
        a.arg for a in fn.args.args}
    for tape, names in _tapes(fn).items():
        stacks = {}
        for name in sorted(names):
            stack = f"{tape}_{name}"
            while stack in taken:
                stack += "_"
            taken.add(stack)
            stacks[name] = stack
        fn.body = _retarget(fn.body, tape, stacks)


def _tapes(fn: ast.FunctionDef) -> dict[str, set[str]]:
    """Tape name -> the names it records, for each list made here (``T = []``) whose only
    uses are ``T.append(name)`` statements and ``name = T.pop()`` assignments, and whose
    pushed names are its popped names. Other lists are left alone (numba types them or
    says why not)."""
    made = {s.targets[0].id for s in ast.walk(fn) if isinstance(s, ast.Assign)
            and len(s.targets) == 1 and isinstance(s.targets[0], ast.Name)
            and isinstance(s.value, ast.List) and not s.value.elts}
    pushed: dict[str, set[str]] = {t: set() for t in made}
    popped: dict[str, set[str]] = {t: set() for t in made}
    uses: dict[str, int] = {t: 0 for t in made}
    for node in ast.walk(fn):
        if isinstance(node, ast.Name) and node.id in made:
            uses[node.id] += 1
        stmt = _push(node) or _pop(node)
        if stmt and stmt[0] in made:
            (pushed if _push(node) else popped)[stmt[0]].add(stmt[1])
            uses[stmt[0]] -= 1
    defined = {t: sum(1 for s in ast.walk(fn) if isinstance(s, ast.Assign)
                      and any(isinstance(x, ast.Name) and x.id == t for x in s.targets))
               for t in made}
    return {t: pushed[t] for t in made
            if uses[t] == defined[t] and pushed[t] == popped[t] and pushed[t]}


def _push(node: ast.AST) -> tuple[str, str] | None:
    """``(tape, name)`` of a statement ``tape.append(name)``."""
    if isinstance(node, ast.Expr) and isinstance(node.value, ast.Call):
        call = node.value
        if (isinstance(call.func, ast.Attribute) and call.func.attr == "append"
                and isinstance(call.func.value, ast.Name) and len(call.args) == 1
                and isinstance(call.args[0], ast.Name) and not call.keywords):
            return call.func.value.id, call.args[0].id
    return None


def _pop(node: ast.AST) -> tuple[str, str] | None:
    """``(tape, name)`` of a statement ``name = tape.pop()``."""
    if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(
            node.targets[0], ast.Name) and isinstance(node.value, ast.Call):
        call = node.value
        if (isinstance(call.func, ast.Attribute) and call.func.attr == "pop"
                and isinstance(call.func.value, ast.Name) and not call.args
                and not call.keywords):
            return call.func.value.id, node.targets[0].id
    return None


def _retarget(body: list[ast.stmt], tape: str, stacks: dict[str, str]) -> list[ast.stmt]:
    """``body`` with ``tape``'s creation, pushes and pops moved to the per-name stacks."""
    out: list[ast.stmt] = []
    for stmt in body:
        for field in ("body", "orelse"):
            if isinstance(getattr(stmt, field, None), list):
                setattr(stmt, field, _retarget(getattr(stmt, field), tape, stacks))
        if isinstance(stmt, ast.Assign) and isinstance(stmt.value, ast.List) and any(
                isinstance(t, ast.Name) and t.id == tape for t in stmt.targets):
            out += [ast.Assign([ast.Name(s, ast.Store())], ast.List([], ast.Load()))
                    for s in stacks.values()]
            continue
        site = _push(stmt) or _pop(stmt)
        if site and site[0] == tape:
            owner = stmt.value.func.value  # the ``tape`` of ``tape.append``/``tape.pop``
            owner.id = stacks[site[1]]
        out.append(stmt)
    return out
