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
from dataclasses import dataclass, replace

import libcst as cst

from ... import ir
from ..fence import Fence
from ..parse import SourceFunction


@dataclass(frozen=True, eq=False)
class LocalFunction:
    node: cst.FunctionDef | cst.Lambda
    name: str
    src: SourceFunction
    fence: Fence
    captures: tuple[str, ...]        # runtime names of the defining scope it reads
    statics: dict                    # compile-time names of the defining scope it reads
    env: tuple[ir.Atom, ...]         # where those captures are now, one atom each

    def rebound(self, env: tuple[ir.Atom, ...]) -> "LocalFunction":
        return replace(self, env=env)

    def definition(self) -> cst.FunctionDef:
        """The ``def`` to lower: a lambda is ``def name(params): return body``.

        The lifted function takes its captures as parameters after its own, and every call
        passes all its arguments (a call site fills in defaults from ``local_signature``),
        so it keeps no defaults: ``def g(v, c=2.0)`` reading ``x`` lifts to
        ``def g(v, c, x)``, never to the invalid ``def g(v, c=2.0, x)``. Only a lambda
        without captures keeps them: the entry of ``grad(lambda x, k=2.0: ...)`` is one.
        """
        if isinstance(self.node, cst.FunctionDef):
            params = self._lifted_params()
            return self.node if params is self.node.params else self.node.with_changes(
                params=params)
        params = self._lifted_params() if self.captures else self.node.params
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


def free_names(node: cst.FunctionDef | cst.Lambda) -> list[str]:
    """Names a nested function reads from outside itself, in order of first use.

    Its parameters, the names it assigns and its comprehension variables are local;
    attribute names and keywords are not reads; a function nested in it adds its own
    free names.
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

    class Binds(cst.CSTVisitor):
        def visit_AssignTarget(self, n):
            targets(n.target)

        def visit_AugAssign(self, n):
            targets(n.target)

        def visit_AnnAssign(self, n):
            targets(n.target)

        def visit_For(self, n):
            targets(n.target)

        def visit_CompFor(self, n):
            if comprehensions:
                targets(n.target)

        def visit_WithItem(self, n):
            if n.asname is not None:
                targets(n.asname.name)

        def visit_FunctionDef(self, n):
            names.add(n.name.value)
            return False

        def visit_Lambda(self, n):
            return False

    node.body.visit(Binds())
    return names


def local_signature(low, lf: LocalFunction) -> list[inspect.Parameter]:
    """The parameters of a local function; defaults must be literals (a default is evaluated
    where the function is defined, which the lifted function cannot see)."""
    params = lf.node.params
    if isinstance(params.star_arg, cst.Param) or params.star_kwarg is not None:  # not a bare `*`
        raise low.error(lf.node, "`*args`/`**kwargs` parameters are not supported by s2sad")
    out = []
    kinds = ([(p, inspect.Parameter.POSITIONAL_ONLY) for p in params.posonly_params]
             + [(p, inspect.Parameter.POSITIONAL_OR_KEYWORD) for p in params.params]
             + [(p, inspect.Parameter.KEYWORD_ONLY) for p in params.kwonly_params])
    for p, kind in kinds:
        default = inspect.Parameter.empty
        if p.default is not None:
            try:
                default = ast.literal_eval(cst.Module([]).code_for_node(p.default))
            except (ValueError, SyntaxError):
                raise low.error(p.default, "a default value of a nested function or lambda "
                                           "must be a literal in s2sad") from None
        out.append(inspect.Parameter(p.name.value, kind, default=default))
    return out
