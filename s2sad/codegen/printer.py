"""Print IR as Python source, then format it with black.

The output parses back through the front end into the same IR (modulo
temporaries), which is what lets transforms compose.
"""

from __future__ import annotations

import math
import re
import sys

from .. import ir

INFIX = {
    "add": "+", "sub": "-", "mul": "*", "truediv": "/", "floordiv": "//", "mod": "%",
    "pow": "**", "matmul": "@", "bitand": "&", "bitor": "|", "xor": "^", "lshift": "<<",
    "rshift": ">>", "lt": "<", "le": "<=", "gt": ">", "ge": ">=", "eq": "==", "ne": "!=",
    "is_": "is", "is_not": "is not", "contains_in": "in", "not_in": "not in",
    "and_": "and", "or_": "or",
}
PREFIX = {"neg": "-", "pos": "+", "not_": "not ", "invert": "~"}


def const(value) -> str:
    if value is Ellipsis:
        return "..."
    if isinstance(value, float) and not math.isfinite(value):
        return f'float("{value}")'
    if isinstance(value, tuple):
        inner = ", ".join(const(v) for v in value)
        return f"({inner},)" if len(value) == 1 else f"({inner})"
    if hasattr(value, "item") and not isinstance(value, (str, bytes)):  # numpy scalar
        return const(value.item())
    if type(value) is str and re.fullmatch(r"[^\"'\\\x00-\x1f\x7f]*", value):
        return f'"{value}"'  # black's quotes
    return repr(value)


def atom(a: ir.Atom, operand: bool = False) -> str:
    if isinstance(a, ir.Name):
        return a.id
    text = const(a.value)
    if operand and (text.startswith("-") or isinstance(a.value, complex)):
        return f"({text})"
    return text


def index_item(item) -> str:
    if isinstance(item, ir.Slice):
        parts = [atom(p) if p is not None else "" for p in (item.lower, item.upper, item.step)]
        text = f"{parts[0]}:{parts[1]}"
        return text + (f":{parts[2]}" if item.step is not None else "")
    return atom(item)


def index(idx: ir.Index) -> str:
    text = ", ".join(index_item(i) for i in idx.items)
    return text + "," if idx.is_tuple and len(idx.items) == 1 else text


def arg(a) -> str:
    if isinstance(a, ir.Index):
        return f"np.s_[{index(a)}]"
    return atom(a)


def expr(e: ir.Expr) -> str:
    if isinstance(e, (ir.Name, ir.Const)):
        return atom(e)
    if isinstance(e, ir.Subscript):
        return f"{atom(e.value, operand=True)}[{index(e.index)}]"
    if isinstance(e, ir.Call):
        if e.func == "_rt.pop" and len(e.args) == 1:
            return f"{atom(e.args[0])}.pop()"
        if e.func == "call_method":  # a method of a library object: ``rs.randn(3)``
            owner, method, *rest = e.args
            parts = [arg(a) for a in rest] + [f"{k}={arg(v)}" for k, v in e.kwargs]
            return f"{atom(owner, True)}.{method.value}({', '.join(parts)})"
        if e.func in INFIX and len(e.args) == 2 and not e.kwargs:
            return f"{atom(e.args[0], True)} {INFIX[e.func]} {atom(e.args[1], True)}"
        if e.func in PREFIX and len(e.args) == 1 and not e.kwargs:
            return f"{PREFIX[e.func]}{atom(e.args[0], True)}"
        if e.func == "tuple":
            items = ", ".join(arg(a) for a in e.args)
            return f"({items},)" if len(e.args) == 1 else f"({items})"
        if e.func == "list":
            return "[" + ", ".join(arg(a) for a in e.args) + "]"
        if e.func == "dict":
            pairs = zip(e.args[0::2], e.args[1::2])
            return "{" + ", ".join(f"{arg(k)}: {arg(v)}" for k, v in pairs) + "}"
    if isinstance(e, (ir.Call, ir.UserCall)):
        parts = [arg(a) for a in e.args] + [f"{k}={arg(v)}" for k, v in e.kwargs]
        return f"{e.func}({', '.join(parts)})"
    raise TypeError(f"cannot print {e!r}")  # pragma: no cover


def statements(body, indent: int, out: list[str]) -> None:
    pad = "    " * indent
    if not body:
        out.append(pad + "pass")
        return
    for s in body:
        statement(s, indent, out)


def statement(s: ir.Stmt, indent: int, out: list[str]) -> None:
    pad = "    " * indent
    if isinstance(s, ir.Assign):
        out.append(f"{pad}{s.target} = {expr(s.value)}")
    elif isinstance(s, ir.SetItem):
        op = "+=" if s.add else "="
        out.append(f"{pad}{s.target}[{index(s.index)}] {op} {atom(s.value)}")
    elif isinstance(s, ir.ExprStmt):
        v = s.value
        if v.func == "_rt.append" and len(v.args) == 2:  # a tape push, printed plainly
            out.append(f"{pad}{atom(v.args[0])}.append({atom(v.args[1])})")
        elif v.func in ("raise", "assert"):  # the user's checks, kept as statements
            out.append(f"{pad}{v.func} {', '.join(atom(a) for a in v.args)}")
        else:
            out.append(pad + expr(v))
    elif isinstance(s, ir.Return):
        out.append(f"{pad}return {atom(s.value)}")
    elif isinstance(s, ir.Release):
        out.append(f"{pad}del {', '.join(s.names)}")
    elif isinstance(s, ir.Comment):
        out.append(f"{pad}# {s.text}")
    elif isinstance(s, ir.If):
        out.append(f"{pad}if {atom(s.test)}:")
        statements(s.body, indent + 1, out)
        if s.orelse:
            out.append(f"{pad}else:")
            statements(s.orelse, indent + 1, out)
    elif isinstance(s, ir.For):
        bounds = [s.start, s.stop, s.step]
        if s.step == ir.Const(1):
            bounds = bounds[:2] if s.start != ir.Const(0) else bounds[1:2]
        out.append(f"{pad}for {s.target} in range({', '.join(atom(b) for b in bounds)}):")
        statements(s.body, indent + 1, out)
    elif isinstance(s, ir.While):
        statements(s.test_body, indent, out) if s.test_body else None
        out.append(f"{pad}while {atom(s.test)}:")
        statements(s.body + s.test_body, indent + 1, out)
    else:  # pragma: no cover
        raise TypeError(f"cannot print {s!r}")


def function(fn: ir.Function) -> str:
    params = [p for p in fn.params]
    defaults = dict(fn.defaults)
    sig = ", ".join(f"{p}={atom(defaults[p])}" if p in defaults else p for p in params)
    out = [f"def {fn.name}({sig}):"]
    if fn.docstring:
        out.append('    """' + fn.docstring.replace('"""', "'''") + '"""')
    statements(fn.body, 1, out)
    return "\n".join(out) + "\n"


# Packages other than NumPy whose functions generated code may call by their full name
# (``scipy.special.expit(x)``): the module imports each module it names, and nothing more.
THIRD_PARTY = ("scipy",)


def _calls(body, found: set[str]) -> None:
    for s in body:
        value = getattr(s, "value", None)
        if isinstance(value, ir.Call):
            found.add(value.func)
        for nested in ("body", "orelse", "test_body"):
            _calls(getattr(s, nested, ()), found)


def _module_of(name: str) -> str:
    """The module a dotted name lives in: its longest imported prefix
    (``scipy.stats.norm.logpdf`` -> ``scipy.stats``), else all but its last part."""
    parts = name.split(".")
    for k in range(len(parts) - 1, 0, -1):
        if ".".join(parts[:k]) in sys.modules:
            return ".".join(parts[:k])
    return ".".join(parts[:-1])


def third_party_imports(functions: list[ir.Function]) -> list[str]:
    """``import scipy.special`` ... for the third-party functions the code calls, sorted."""
    found: set[str] = set()
    for fn in functions:
        _calls(fn.body, found)
    modules = {_module_of(f) for f in found if "." in f and f.split(".")[0] in THIRD_PARTY}
    return [f"import {m}" for m in sorted(modules)]


def module(functions: list[ir.Function], header: str, uses_runtime: bool = True) -> str:
    lines = [f'"""{header}"""', "", "import numpy as np", *third_party_imports(functions)]
    if uses_runtime:
        lines.append("from s2sad import runtime as _rt")
    text = "\n".join(lines) + "\n\n\n" + "\n\n".join(function(f) for f in functions)
    return format_source(text)


def format_source(text: str) -> str:
    """``text`` formatted with black, byte for byte, with black reading as little of it
    as it could change (often nothing: then black is not even imported).

    Black costs about 0.15 ms a line (a third of a cold build), and almost every line
    the printer writes is already in black's form (``_settled``). So when ``text`` has
    the printer's shape (a head of docstring and imports, then ``def``s whose lines are
    indented and not blank), what is settled stays as printed and black reads the rest
    in one module: an unsettled head, each ``def``'s first chunk (its line, docstring
    and first statement) unless settled, and each run of unsettled statements inside a
    stand-in ``def _():``. Any other text goes to black whole.
    ``tests/test_large_functions.py`` compares the two over the corpus and over lines
    black rewrites.
    """
    head, *defs = re.split(r"\n(?=def )", text)
    if not defs or not _printer_shaped(head, defs):
        return _black(text)
    snippets: list[str] = []  # what black reads: top-level statements and defs only
    stand_ins: set[int] = set()  # the snippets that are ``def _():`` around a body
    plans = [[head.strip("\n")] if _head_settled(head) else _queue(head, snippets)]
    for d in defs:  # each def: its pieces, a kept text or the index of a snippet
        lines = d.rstrip("\n").split("\n")
        chunks = _top_level_chunks(lines)
        plan = ["\n".join(chunks[0])] if _header_settled(chunks[0]) else _queue(
            "\n".join(chunks[0]), snippets)
        pending: list[str] = []  # consecutive unsettled statements
        for chunk in chunks[1:]:
            if all(_settled(line, nxt) for line, nxt in zip(chunk, chunk[1:] + [None])):
                plan += _stand_in(pending, snippets, stand_ins) + ["\n".join(chunk)]
                pending = []
            else:
                pending += chunk
        plans.append(plan + _stand_in(pending, snippets, stand_ins))
    if snippets:
        # (the head, when queued, is the first snippet: everything before the first def)
        formatted = [f.strip("\n") for f in re.split(
            r"\n(?=def )", _black("\n\n\n".join(snippets) + "\n"))]
        if len(formatted) != len(snippets):  # black split or joined a piece: never seen
            return _black(text)
        for k in stand_ins:  # a stand-in's body without its ``def _():`` line
            formatted[k] = formatted[k].split("\n", 1)[1]
        plans = [[formatted[p] if isinstance(p, int) else p for p in plan] for plan in plans]
    return "\n\n\n".join("\n".join(plan) for plan in plans) + "\n"


def _queue(text: str, snippets: list[str]) -> list[int]:
    snippets.append(text.strip("\n"))
    return [len(snippets) - 1]


def _stand_in(lines: list[str], snippets: list[str], stand_ins: set[int]) -> list[int]:
    """Queue ``lines`` (statements of a body) for black inside ``def _():``."""
    if not lines:
        return []
    stand_ins.add(len(snippets))
    return _queue("def _():\n" + "\n".join(lines), snippets)


def _printer_shaped(head: str, defs: list[str]) -> bool:
    """Whether black may read the pieces of ``head + defs`` apart: no decorator or class
    in the head, and every line of a ``def`` but its first indented and not blank (a
    blank line's fate depends on its neighbours)."""
    if re.search(r"^(@|class )", head, re.M):
        return False
    return all(line.startswith(" ") for d in defs
               for line in d.rstrip("\n").split("\n")[1:])


def _black(text: str) -> str:
    import black

    try:
        return black.format_str(text, mode=black.Mode())
    except black.InvalidInput as exc:  # a printer bug: show the text, not a black trace
        raise RuntimeError(f"s2sad printed invalid Python ({exc}):\n{text}") from None


# the head the printer writes: a one-line docstring, a blank line, imports
_HEAD = re.compile(r'"""[^\s"\\\\](?:[^"\\\\\n\t]*[^\s"\\\\])?"""\n\n'
                   r"(?:(?:import [A-Za-z0-9_.]+(?: as \w+)?|from [A-Za-z0-9_.]+ import \w+"
                   r"(?: as \w+)?)\n)+")
# a def line black leaves as it is: parameters, some with plain defaults, on one line
_DEF = re.compile(r"def \w+\((?:\w+(?:=-?[A-Za-z0-9_.]+)?(?:, \w+(?:=-?[A-Za-z0-9_.]+)?)*)?\):")
_DOCSTRING = re.compile(r'    """[^\s"\\\\](?:[^"\\\\\n\t]*[^\s"\\\\])?"""')


def _head_settled(head: str) -> bool:
    return _HEAD.fullmatch(head.strip("\n") + "\n") is not None


def _header_settled(chunk: list[str]) -> bool:
    """Whether black leaves a def's first chunk as it is: its line, a one-line docstring
    (black leaves its length alone), its first statement."""
    if len(chunk[0]) > 88 or _DEF.fullmatch(chunk[0]) is None:
        return False
    rest = chunk[1:]
    if rest and rest[0].startswith('    """'):
        if _DOCSTRING.fullmatch(rest[0]) is None:
            return False
        rest = rest[1:]
    return all(_settled(line, nxt) for line, nxt in zip(rest, rest[1:] + [None]))


def _top_level_chunks(lines: list[str]) -> list[list[str]]:
    """A function's lines cut before each statement of its body: comments go with the
    statement after them, the ``def`` line and docstring with the first statement."""
    first = _after_docstring(lines)
    chunks, current = [], lines[:first]
    for k in range(first, len(lines)):
        line = lines[k]
        if (k > first and _indent(line) == 4 and not line.lstrip().startswith(_CONTINUED)
                and not lines[k - 1].lstrip().startswith("#")):
            chunks.append(current)
            current = []
        current.append(line)
    return chunks + [current]


def _after_docstring(lines: list[str]) -> int:
    """The index of the first line after the ``def`` line and its docstring."""
    doc = lines[1].lstrip()[:3] if len(lines) > 1 else ""
    if doc not in ('"""', "'''"):
        return 1
    if lines[1].count(doc) >= 2:
        return 2
    return next((k for k in range(2, len(lines)) if doc in lines[k]), len(lines) - 1) + 1


_CONTINUED = ("else:", "elif ", "except", "finally:", ")", "]", "}")


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip(" "))


# What black leaves as it is: indentation, then names, numbers, calls, subscripts and
# operators between single spaces. Not settled (black may change them): strings, braces,
# comments inside code, backslashes, ``**`` (black hugs simple operands), a parenthesis
# that is not a call's (black drops or keeps it), ``+``/``-`` spaced as neither a binary
# nor a unary operator (``1e-05``, ``(1+2j)``, ``- x``), a trailing comma before a
# bracket (black's magic comma), a slice of anything but names and integers (black
# spaces its colon).
_SETTLED = re.compile(r"(?: {4})+[A-Za-z_][A-Za-z0-9_.,:\[\](){}@*/%+<>=!&|^~ -]*")
_UNSETTLED = re.compile(r"\*\*|  |[^A-Za-z0-9_\])]\(|[A-Za-z0-9_)\]][-+]|[=,] [-+] "
                        r"|[(\[{][-+] |,[)\]}]| [,)\]}]|[(\[{] ")
_SIMPLE_SLICE = re.compile(r"[A-Za-z0-9_, :-]*")


# What black leaves as it is among what the rules above refuse, each replaced by a name
# before they look: a double-quoted string without quotes or backslashes inside; a
# negative number in parentheses as the right operand of a binary operator
# (``a * (-0.5)``: black drops such parentheses only around a whole value); a tuple of
# names and numbers as a whole assigned value (black keeps a tuple's parentheses, and a
# one-tuple's comma is not a magic one).
_PLAIN_STRING = re.compile(r'(?<![A-Za-z0-9_])"[^"' + r"'\\\n]*" + '"')
_NEGATIVE_OPERAND = re.compile(r"(?<=[-+*/%@] )\(-[0-9]+(?:\.[0-9]+)?\)")
_TUPLE_VALUE = re.compile(r"(?<= = )\((?:(?:-?[A-Za-z0-9_.]+, )+-?[A-Za-z0-9_.]+|"
                          r"-?[A-Za-z0-9_.]+,)?\)$")


def _settled(line: str, following: str | None) -> bool:
    """Whether black leaves ``line`` exactly as it is. A comment is settled when the line
    after it is a statement at its indentation (black moves a comment to that level)."""
    if len(line) > 88 or line != line.rstrip():
        return False
    body = line.lstrip(" ")
    if body.startswith("#"):
        return (body.startswith("# ") and following is not None
                and _indent(following) == _indent(line)
                and not following.lstrip().startswith(_CONTINUED))
    if '"' in body:
        body = _PLAIN_STRING.sub("s_", body)
    if "(-" in body:
        body = _NEGATIVE_OPERAND.sub("n_", body)
    if " = (" in body:
        body = _TUPLE_VALUE.sub("t_", body)
    line = line[:_indent(line)] + body
    if _SETTLED.fullmatch(line) is None or _UNSETTLED.search(body) is not None:
        return False
    return ":" not in body.rstrip(":") or all(
        _SIMPLE_SLICE.fullmatch(inner) for inner in re.findall(r"\[([^\]]*)\]", body))
