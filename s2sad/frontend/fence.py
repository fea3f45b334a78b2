"""Reject unsupported syntax early, pointing at the user's line with a caret.

``Fence(src, positions).error(node, what)`` builds the ``UnsupportedSyntaxError``;
``check(tree, fence)`` walks a function once before normalization and rejects
every construct the compiler does not read, so no deeper pass ever meets one.
"""

from __future__ import annotations

import libcst as cst
from libcst.metadata import CodeRange

from ..errors import UnsupportedSyntaxError
from .cst_walk import walk
from .parse import SourceFunction

# node type -> what the message calls it
UNSUPPORTED: dict[type, str] = {
    cst.Try: "`try`", 
    cst.Await: "`await`", cst.Global: "`global`", cst.Nonlocal: "`nonlocal`",
    cst.Del: "`del`", cst.ClassDef: "a class definition",
    cst.Import: "`import` inside a function", cst.ImportFrom: "`import` inside a function",
    cst.NamedExpr: "`:=`",
    cst.StarredElement: "star-unpacking (`*x`)",
    cst.Set: "a set literal", cst.Match: "`match`", cst.TryStar: "`try`",
}
if hasattr(cst, "TypeAlias"):
    UNSUPPORTED[cst.TypeAlias] = "`type` aliases"


class Fence:
    def __init__(self, src: SourceFunction, positions):
        self.src = src
        self.positions = positions
        self.aliases: dict[int, cst.CSTNode] = {}  # node made by s2sad -> the user's node

    def alias(self, made: cst.CSTNode, original: cst.CSTNode) -> None:
        """Let a node s2sad built (a lambda's ``return``) report the user's position."""
        self.aliases[id(made)] = original
        self._keep = getattr(self, "_keep", []) + [made]  # ids stay valid while we hold it

    def where(self, node: cst.CSTNode) -> tuple[int, int]:
        node = self.aliases.get(id(node), node)
        rng: CodeRange | None = self.positions.get(node)
        if rng is None:
            return self.src.line_offset + 1, 0
        return self.src.file_line(rng.start.line), rng.start.column + self.src.col_offset

    def error(self, node: cst.CSTNode, message: str) -> UnsupportedSyntaxError:
        line, col = self.where(node)
        text = self.src.file_lines[line - 1] if 1 <= line <= len(self.src.file_lines) else ""
        return UnsupportedSyntaxError(message, self.src.filename, line, col, text)

    def line_of(self, node: cst.CSTNode) -> int:
        return self.where(node)[0]


def check(fn: cst.FunctionDef, fence: Fence) -> None:
    """Raise on the first unsupported construct of the function body, in source order."""

    def check_node(node: cst.CSTNode) -> bool:  # raises; true: nothing below to check
        if isinstance(node, cst.Del) and generated:
            return True  # generated code releases dead temporaries; nothing to read
        kind = UNSUPPORTED.get(type(node))
        if kind is not None:
            raise fence.error(node, f"{kind} is not supported by s2sad")
        if isinstance(node, cst.FunctionDef) and node.asynchronous is not None:
            raise fence.error(node, "`async def` is not supported by s2sad")
        if isinstance(node, (cst.For, cst.While)) and node.orelse is not None:
            raise fence.error(node.orelse, "`else` on a loop is not supported by s2sad")
        if isinstance(node, cst.For) and node.asynchronous is not None:
            raise fence.error(node, "`async for` is not supported by s2sad")
        return False

    generated = fence.src.filename.startswith("<s2sad-generated")
    if fn.asynchronous is not None:
        raise fence.error(fn, "`async def` is not supported by s2sad")
    params = fn.params
    if params.star_arg not in (None, cst.MaybeSentinel.DEFAULT) and isinstance(
            params.star_arg, cst.Param) or params.star_kwarg is not None:
        raise fence.error(fn, "`*args`/`**kwargs` parameters are not supported by s2sad")
    for _ in walk(fn.body, prune=check_node):  # in source order: the first one written
        pass
