"""``frontend/cst_walk.walk`` against libcst's own visitor: the same nodes of code, in
the same (source) order, over real files (s2sad's sources, the test corpora, Python's
``dataclasses`` and ``argparse`` with their decorators, match statements and keyword
arguments)."""

from __future__ import annotations

import argparse
import dataclasses
from pathlib import Path

import libcst as cst
import pytest

import s2sad
from s2sad.frontend.cst_walk import walk

ROOT = Path(s2sad.__file__).resolve().parent
FILES = sorted(ROOT.rglob("*.py"))[::3] + sorted((ROOT.parent / "tests" / "corpus").glob(
    "*.py")) + [Path(dataclasses.__file__), Path(argparse.__file__)]

# what walk skips: whitespace, comments and punctuation (never code)
TOKENS = (cst.BaseParenthesizableWhitespace, cst.TrailingWhitespace, cst.EmptyLine,
          cst.Newline, cst.Comment, cst.LeftParen, cst.RightParen, cst.LeftSquareBracket,
          cst.RightSquareBracket, cst.LeftCurlyBrace, cst.RightCurlyBrace, cst.Comma,
          cst.Colon, cst.Dot, cst.AssignEqual, cst.Semicolon, cst.BaseBinaryOp,
          cst.BaseUnaryOp, cst.BaseBooleanOp, cst.BaseCompOp, cst.BaseAugOp)


def _visited(tree: cst.CSTNode) -> list[cst.CSTNode]:
    order = []

    class Everything(cst.CSTVisitor):
        def on_visit(self, node):
            order.append(node)
            return True

    tree.visit(Everything())
    return order


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_walk_visits_libcsts_nodes_of_code_in_source_order(path):
    tree = cst.parse_module(path.read_text())
    expected = [n for n in _visited(tree) if not isinstance(n, TOKENS)]
    walked = [n for n in walk(tree) if not isinstance(n, TOKENS)]
    assert len(walked) == len(expected)
    assert all(a is b for a, b in zip(walked, expected))


def test_prune_keeps_the_node_and_skips_below():
    tree = cst.parse_module("def f(x):\n    def g(y):\n        return y\n    return g(x)\n")
    kinds = [type(n).__name__ for n in walk(
        tree, prune=lambda n: isinstance(n, cst.FunctionDef) and n.name.value == "g")]
    assert kinds.count("FunctionDef") == 2 and kinds.count("Return") == 1
    assert [type(n).__name__ for n in walk(tree.body[0], prune=lambda n: True)] == [
        "FunctionDef"]
