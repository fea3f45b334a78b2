"""Functions defined inside the function being lowered: nested ``def``s and lambdas.

Each becomes a function of the program of its own (lambda lifting): the runtime
variables of the enclosing scope that it reads (its *captures*) are passed as extra
arguments at every call, so their derivatives flow like any argument's::

    def rnn(W, U, h, xs):                  def rnn(W, U, h, xs):
        def cell(h, x):                        ...
            return np.tanh(W @ h + U @ x)          h = cell(h, x, W, U)
        for x in xs:                       def cell(h, x, W, U):
            h = cell(h, x)                     return np.tanh(W @ h + U @ x)

Python reads a closure's variables when it is called, and so does the lifted call.
A ``LocalFunction`` is a compile-time value: ``env`` holds the atoms of its captures in
the scope that holds it now (the defining scope, or a callee it was passed to).
"""

from __future__ import annotations

import ast
import inspect
import sys
import types
import uuid
from dataclasses import dataclass, replace

import libcst as cst

from ... import ir
from ..cst_walk import walk
from ..fence import Fence
from ..parse import MISSING, SourceFunction, lookup_free


@dataclass(frozen=True, eq=False)
class LocalFunction:
    node: cst.FunctionDef | cst.Lambda
    name: str
    src: SourceFunction
    fence: Fence
    captures: tuple[str, ...]        # runtime names of the defining scope it reads
    statics: dict                    # compile-time names of the defining scope it reads
    env: tuple[ir.Atom, ...]         # where those captures are now, one atom each
    checkpoint: bool = False         # ``s2sad.checkpoint(fn)``: re-run in the reverse sweep

    def rebound(self, env: tuple[ir.Atom, ...]) -> "LocalFunction":
        return replace(self, env=env)

    def __repr__(self) -> str:  # in messages: the user's function, never this class
        line, _ = self.fence.where(self.node)
        kind = "lambda" if isinstance(self.node, cst.Lambda) else f"function {self.name}"
        return f"<{kind} at {self.src.filename}:{line}>"

    @property
    def label(self) -> str:
        """How messages name it: ``h`` (a nested def) or ``the lambda at file.py:12``."""
        if isinstance(self.node, cst.Lambda):
            return f"the lambda at {self.src.filename}:{self.fence.where(self.node)[0]}"
        return self.name

    def cache_key(self) -> list[str]:
        """What the code of a transform of this function (built as an entry of its own,
        ``s2sad.jvp(h, ...)`` in a body) depends on besides what lowering reads and records
        itself (callees' sources, inlined constants): its text where it stands, and the
        compile-time values it reads from the scope that defined it (one lambda in two
        specializations of its function, ``act=np.tanh`` and ``act=np.sin``, is two)."""
        line, col = self.fence.where(self.node)
        text = cst.Module([]).code_for_node(self.node)
        return [f"local {self.src.filename}:{line}:{col}\n{text}"] + [
            f"static {name}={_described(self.statics[name])}" for name in sorted(self.statics)]

    def definition(self, lifted: bool = True) -> cst.FunctionDef:
        """The ``def`` to lower: a lambda is ``def name(params): return body``.

        A lifted function takes its captures as parameters after its own, and every call
        passes all its arguments (a call site fills in defaults from ``local_signature``,
        read where the function is defined), so it keeps no defaults: ``def g(v, c=2.0)``
        reading ``x`` lifts to ``def g(v, c, x)``, never to the invalid
        ``def g(v, c=2.0, x)``, and ``lambda v, s=s: ...`` never reads ``s`` where it is
        lifted to. Only the entry of ``grad(lambda x, k=2.0: ...)`` (``lifted=False``) keeps
        them: its caller is the user.
        """
        params = self._lifted_params() if lifted else self.node.params
        if isinstance(self.node, cst.FunctionDef):
            return self.node if params is self.node.params else self.node.with_changes(
                params=params)
        ret = cst.SimpleStatementLine([cst.Return(self.node.body)])
        self.fence.alias(ret, self.node)  # errors and comments point at the lambda
        made = cst.FunctionDef(cst.Name(self.name), params, cst.IndentedBlock([ret]))
        self.fence.alias(made, self.node)
        return made

    def _lifted_params(self) -> cst.Parameters:
        params = self.node.params
        if not any(p.default is not None for p in _params(params)):
            return params

        def bare(ps):
            out = []
            for p in ps:
                out.append(p.with_changes(default=None, equal=cst.MaybeSentinel.DEFAULT))
                self.fence.alias(out[-1], p)
            return out

        return params.with_changes(posonly_params=bare(params.posonly_params),
                                   params=bare(params.params),
                                   kwonly_params=bare(params.kwonly_params))


_PROCESS = uuid.uuid4().hex  # objects known by identity: keys of this process only
_IDENTIFIED: dict[int, object] = {}  # ... kept alive, so an id is never reused


def _described(value) -> str:
    """A static value in a cache key: a nested function by its own key, a module or a
    library or module-level object by its dotted name (the same object in every process), a
    literal by its repr; anything else by identity, in this process only."""
    if isinstance(value, LocalFunction):
        return "(" + "; ".join(value.cache_key()) + ")"
    if isinstance(value, types.ModuleType):
        return f"module {value.__name__}"
    if value is None or isinstance(value, (bool, int, float, complex, str)):
        return repr(value)
    module, qual = getattr(value, "__module__", None), getattr(value, "__qualname__", None)
    qual = qual or getattr(value, "__name__", None)
    if isinstance(module, str) and isinstance(qual, str) and "<" not in qual:
        found = sys.modules.get(module)
        for part in qual.split("."):
            found = getattr(found, part, None)
        if found is value:
            return f"{module}.{qual}"
    _IDENTIFIED.setdefault(id(value), value)
    return f"object {type(value).__qualname__} {_PROCESS}:{id(value)}"


def free_names(node: cst.FunctionDef | cst.Lambda) -> list[str]:
    """Names a nested function reads from outside itself, in order of first use.

    Its parameters, the names it assigns and its comprehension variables are local;
    attribute names and keywords are not reads; a function nested in it adds its own
    free names. (A default value that names one of its own parameters, ``def g(v, k=k)``,
    is read at the call sites: ``local_signature``.)
    """
    local = bound_names(node)
    seen: list[str] = []

    def read(name: str) -> None:
        if name not in local and name not in seen:
            seen.append(name)

    class Reads(cst.CSTVisitor):
        def visit_Name(self, n: cst.Name) -> None:
            read(n.value)

        def visit_Attribute(self, n: cst.Attribute) -> bool:
            n.value.visit(self)
            return False

        def visit_Arg(self, n: cst.Arg) -> bool:
            n.value.visit(self)
            return False

        def visit_FunctionDef(self, n: cst.FunctionDef) -> bool:
            for name in free_names(n):
                read(name)
            return False

        def visit_Lambda(self, n: cst.Lambda) -> bool:
            return self.visit_FunctionDef(n)

    node.body.visit(Reads())
    for p in _params(node.params):
        if p.default is not None:
            p.default.visit(Reads())
    return seen


def _params(params: cst.Parameters) -> list[cst.Param]:
    return list(params.posonly_params) + list(params.params) + list(params.kwonly_params)


def bound_names(node, comprehensions: bool = True) -> set[str]:
    """Parameters and names bound in the body of ``node`` (not inside functions nested in it;
    comprehension variables only if ``comprehensions``)."""
    names = {p.name.value for p in _params(node.params)}

    def targets(t) -> None:
        if isinstance(t, cst.Name):
            names.add(t.value)
        elif isinstance(t, (cst.Tuple, cst.List)):
            for el in t.elements:
                targets(el.value)
        elif isinstance(t, cst.StarredElement):
            targets(t.value)

    for n in walk(node.body, prune=lambda n: isinstance(n, (cst.FunctionDef, cst.Lambda))):
        if isinstance(n, (cst.AssignTarget, cst.AugAssign, cst.AnnAssign, cst.For)) or (
                comprehensions and isinstance(n, cst.CompFor)):
            targets(n.target)
        elif isinstance(n, cst.WithItem) and n.asname is not None:
            targets(n.asname.name)
        elif isinstance(n, cst.FunctionDef):
            names.add(n.name.value)
    return names


def local_signature(low, lf: LocalFunction) -> list[inspect.Parameter]:
    """The parameters of a local function, with their default values.

    A default is evaluated where the function is defined: a literal; a global name
    (``c=SCALE``, ``act=np.tanh``), whose value is taken now; or, at a call in the scope
    that defines the function, a variable of that scope that keeps its value once set (a
    parameter never reassigned, a name assigned once at the top of the body), read there
    (``def g(v, c=k)``). Any other variable is refused: Python reads it when the ``def``
    runs, the lifted function would read it at the call."""
    params = lf.node.params
    if isinstance(params.star_arg, cst.Param) or params.star_kwarg is not None:  # not a bare `*`
        raise lf.fence.error(lf.node, "`*args`/`**kwargs` parameters are not supported by "
                                      "s2sad")
    out = []
    kinds = ([(p, inspect.Parameter.POSITIONAL_ONLY) for p in params.posonly_params]
             + [(p, inspect.Parameter.POSITIONAL_OR_KEYWORD) for p in params.params]
             + [(p, inspect.Parameter.KEYWORD_ONLY) for p in params.kwonly_params])
    for p, kind in kinds:
        default = inspect.Parameter.empty
        if p.default is not None:
            default = _default_value(low, lf, p.default)
        out.append(inspect.Parameter(p.name.value, kind, default=default))
    return out


_NOT_A_DEFAULT = ("a default value of a nested function or lambda must be a literal, a global "
                  "name or a variable of the enclosing function that keeps its value in s2sad")


def _default_value(low, lf: LocalFunction, node: cst.BaseExpression):
    """The value (or, for a variable of the calling scope, the atom) of a default."""
    from .expressions import StaticValue  # expressions imports this module

    try:
        return ast.literal_eval(cst.Module([]).code_for_node(node))
    except (ValueError, SyntaxError):
        pass
    attrs, root = [], node
    while isinstance(root, cst.Attribute):
        attrs.append(root.attr.value)
        root = root.value
    if not isinstance(root, cst.Name):
        raise lf.fence.error(node, _NOT_A_DEFAULT)
    defining = id(lf.node) in getattr(low, "local_functions", {})
    if defining and root.value in low.locals:
        value = low.name_value(root)
        if isinstance(value, ir.Name) and not attrs and _keeps_its_value(low, root.value):
            return value  # read at the call, as it was at the def
        if not isinstance(value, StaticValue) or isinstance(value.value, LocalFunction):
            raise lf.fence.error(node, f"{_NOT_A_DEFAULT}: `{root.value}` changes after it is "
                                       f"set (pass it as an argument instead)")
        value = value.value
    elif not defining and (root.value in lf.captures or root.value in _bound_in(lf.src)):
        raise lf.fence.error(node, f"{_NOT_A_DEFAULT}: `{root.value}` is a variable of the "
                                   f"function that defines this one, which is called elsewhere")
    else:
        value = lf.statics.get(root.value, MISSING)
        value = lookup_free(lf.src, root.value) if value is MISSING else value
    for attr in reversed(attrs):
        value = getattr(value, attr, MISSING) if value is not MISSING else MISSING
    if value is MISSING or isinstance(value, LocalFunction):
        raise lf.fence.error(node, _NOT_A_DEFAULT)
    return value


def _keeps_its_value(low, name: str) -> bool:
    """A parameter never reassigned, or another name assigned once, by a statement at the top
    level of the function body: a ``def`` that reads it runs after that statement (else
    Python fails), so every read after the ``def`` sees the value the ``def`` saw."""
    count = low.binding_count(name)
    if name in {p.name.value for p in _params(low.fdef.params)} | set(low.extra_params):
        return count == 0
    top = [small for line in low.fdef.body.body if isinstance(line, cst.SimpleStatementLine)
           for small in line.body if isinstance(small, cst.Assign)]
    return count == 1 and any(isinstance(t.target, cst.Name) and t.target.value == name
                              for a in top for t in a.targets)


def _bound_in(src: SourceFunction) -> set[str]:
    """Every name bound anywhere in ``src`` (by any function in it): a default naming one of
    them may be a local variable, never to be looked up as a global."""
    names: set[str] = set()

    class Functions(cst.CSTVisitor):
        def visit_FunctionDef(self, n: cst.FunctionDef) -> None:
            names.update(bound_names(n))

        def visit_Lambda(self, n: cst.Lambda) -> None:
            names.update(p.name.value for p in _params(n.params))

    try:
        cst.parse_module(src.source).visit(Functions())
    except cst.ParserSyntaxError:
        pass
    return names
