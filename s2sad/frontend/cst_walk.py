"""Read-only traversal of libcst trees, for questions about code (does this body return,
which names does it bind).

libcst's ``node.visit(visitor)`` rebuilds every node it passes on its way back up, even
for a visitor that changes nothing; asking "does this statement contain a ``return``?"
of each statement of a function that way was a third of lowering it. ``walk`` follows
the dataclass fields that may hold code, skipping whitespace and punctuation tokens,
which hold none.
"""

from __future__ import annotations

import dataclasses
from typing import Callable, Iterator

import libcst as cst

# fields that hold only whitespace, comments or punctuation (never an expression or a
# statement): ``whitespace_*`` and these
_TOKEN_FIELDS = frozenset({
    "lpar", "rpar", "lbrace", "rbrace", "lbracket", "rbracket", "comma", "colon",
    "first_colon", "second_colon", "dot", "equal", "semicolon", "operator", "comment",
    "leading_lines", "lines_after_decorators", "trailing_whitespace", "newline", "header",
    "footer",
})
# where libcst's field order is not the source's (walk goes in source order: the first
# unsupported construct is the first the user wrote)
_FIELDS: dict[type, tuple[str, ...]] = {
    cst.Arg: ("keyword", "value"),
    cst.FunctionDef: ("decorators", "asynchronous", "name", "type_parameters", "params",
                      "returns", "body"),
    cst.ClassDef: ("decorators", "name", "type_parameters", "bases", "keywords", "body"),
    cst.IfExp: ("body", "test", "orelse"),
    cst.ExceptHandler: ("type", "name", "body"),
    cst.ExceptStarHandler: ("type", "name", "body"),
    cst.Parameters: ("posonly_params", "posonly_ind", "params", "star_arg", "kwonly_params",
                     "star_kwarg"),
    cst.With: ("asynchronous", "items", "body"),
    cst.ImportFrom: ("relative", "module", "names"),
    cst.MatchCase: ("pattern", "guard", "body"),
}


def _code_fields(cls: type) -> tuple[str, ...]:
    names = _FIELDS.get(cls)
    if names is None:
        names = _FIELDS[cls] = tuple(
            f.name for f in dataclasses.fields(cls)
            if f.name not in _TOKEN_FIELDS and not f.name.startswith("whitespace"))
    return names


def walk(node: cst.CSTNode, prune: Callable[[cst.CSTNode], bool] | None = None
         ) -> Iterator[cst.CSTNode]:
    """``node`` and every node of code below it, parents first, in source order; below a
    node for which ``prune`` is true (``node`` included), nothing: it is yielded itself."""
    stack = [node]
    while stack:
        n = stack.pop()
        yield n
        if prune is not None and prune(n):
            continue
        below = []
        for name in _code_fields(type(n)):
            value = getattr(n, name)
            if isinstance(value, cst.CSTNode):
                below.append(value)
            elif isinstance(value, (tuple, list)):
                below.extend(v for v in value if isinstance(v, cst.CSTNode))
        stack.extend(reversed(below))  # children in source order
