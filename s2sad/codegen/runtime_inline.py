"""The runtime helpers a generated module calls, as source to paste into it.

Invariant: ``runtime_section(names, backend)`` defines ``_rt`` with the helpers ``names``
(the module's ``_rt.<name>``) and everything they reach, transitively (functions,
classes, constants, the imports they use), each copied verbatim from
``s2sad/runtime/*.py``; for CuPy the copy goes through ``cupy_table.to_cupy``, as the
in-process CuPy runtime does. The helpers are nested in one function, ``_runtime()``, so
they keep their own names and call each other by them without clashing with the
module's functions; it returns a ``SimpleNamespace`` of the ones the module calls::

    def _runtime():
        import numpy as xp

        def unbroadcast(g, x):
            ...

        return SimpleNamespace(unbroadcast=unbroadcast)


    _rt = _runtime()

One scope for all the files: a name is the helper's own, except where two files have
different helpers of one name (``_axis``), the second is renamed ``_axis_<file>``; a
helper read under another name (``from . import unbroadcast as _unbroadcast``) is read
by its section name. Those are the only edits to the copied lines (each at the
``ast.Name`` it is). Relative imports inside a helper's body (``from .helpers import
_axes``) are dropped: the name is a helper of the same scope. ``from .. import runtime
as fn`` (helpers that resolve a primitive's name at run time) reads the module's
``_rt``; every ``"_rt.<name>"`` string in the code it runs is then a helper of ``_rt``.
Star imports are followed, nested too (``runtime/__init__`` -> ``batching`` -> ...).
"""

from __future__ import annotations

import ast
import functools
import importlib
import re
import symtable
from dataclasses import dataclass, field
from pathlib import Path

from ..runtime import cupy_table

PACKAGE = "s2sad.runtime"
_DYNAMIC = re.compile(r"^_rt\.(\w+)$")


class StandaloneError(Exception):
    """A generated module that cannot be written without s2sad; the message says why."""


@dataclass
class _Item:
    """One top-level statement of a runtime file that the section copies."""

    module: str  # "s2sad.runtime.helpers"
    name: str  # the name it binds in its file
    node: ast.stmt
    eager: set[tuple[str, str]] = field(default_factory=set)  # read when it runs (module, name)
    lazy: set[tuple[str, str]] = field(default_factory=set)  # read when a helper is called
    body_imports: list[tuple[str, str, str]] = field(default_factory=list)  # (as, from, name)
    flat: str = ""  # its name in the section: ``name``, or ``name_<file>`` on a clash
    renames: dict[str, str] = field(default_factory=dict)  # names it reads -> section names


@dataclass
class _Section:
    imports: dict[str, None] = field(default_factory=dict)  # import lines, in order
    imported: set[str] = field(default_factory=set)  # the names they bind
    items: dict[str, _Item] = field(default_factory=dict)  # section name -> item
    flat: dict[tuple[str, str], str | None] = field(default_factory=dict)  # (file, name) ->
    exported: dict[str, str] = field(default_factory=dict)  # _rt name -> section name


# --------------------------------------------------------------------------- reading


@functools.lru_cache(maxsize=None)
def _parsed(module: str) -> tuple[str, ast.Module, symtable.SymbolTable]:
    path = Path(importlib.import_module(module).__file__)
    text = path.read_text(encoding="utf-8")
    return text, ast.parse(text), symtable.symtable(text, str(path), "exec")


@functools.lru_cache(maxsize=None)
def _bindings(module: str) -> dict[str, ast.stmt]:
    """The top-level statement binding each name of ``module`` (the last one wins);
    ``"*"`` entries of a package's star imports go to ``_star_modules``."""
    out: dict[str, ast.stmt] = {}
    for node in _parsed(module)[1].body:
        for name in _bound_names(node):
            out[name] = node
    return out


def _bound_names(node: ast.stmt) -> list[str]:
    if isinstance(node, (ast.FunctionDef, ast.ClassDef)):
        return [node.name]
    if isinstance(node, ast.Assign):
        return [n.id for t in node.targets for n in ast.walk(t) if isinstance(n, ast.Name)]
    if isinstance(node, (ast.AnnAssign, ast.AugAssign)) and isinstance(node.target, ast.Name):
        return [node.target.id]
    if isinstance(node, (ast.Import, ast.ImportFrom)):
        return [(a.asname or a.name).split(".")[0] for a in node.names if a.name != "*"]
    return []


@functools.lru_cache(maxsize=None)
def _star_modules(module: str) -> tuple[str, ...]:
    """The modules ``module`` star-imports (``from .helpers import *``), in order."""
    return tuple(_absolute(module, n.level, n.module) for n in _parsed(module)[1].body
                 if isinstance(n, ast.ImportFrom) and any(a.name == "*" for a in n.names))


def _provides(module: str, name: str) -> bool:
    """Whether ``module`` binds ``name`` itself or through its own star imports (nested)."""
    return name in _bindings(module) or any(_provides(s, name) for s in _star_modules(module))


def _absolute(module: str, level: int, name: str | None) -> str:
    """The absolute name of a relative import ``from <level dots><name> import ...``."""
    package = module if module == PACKAGE else module.rpartition(".")[0]
    for _ in range(level - 1):
        package = package.rpartition(".")[0]
    return f"{package}.{name}" if name else package


def _import_line(node: ast.stmt, name: str) -> str:
    """The import statement that binds ``name``, alone (``from functools import reduce``)."""
    alias = next(a for a in node.names if (a.asname or a.name).split(".")[0] == name)
    text = alias.name + (f" as {alias.asname}" if alias.asname else "")
    if isinstance(node, ast.Import):
        return f"import {text}"
    return f"from {node.module} import {text}"


# --------------------------------------------------------------------------- resolving


def _resolve(section: _Section, module: str, name: str) -> str | None:
    """Add what ``name`` means in ``module`` to ``section``; its name in the section
    (None for a builtin or a name of no runtime file). Relative imports resolve to the
    item they import: no alias statement, the readers use the item's section name."""
    key = (module, name)
    if key in section.flat:
        return section.flat[key]
    section.flat[key] = None  # until resolved (a cycle of imports resolves to nothing)
    node = _bindings(module).get(name)
    if node is None:
        for star in _star_modules(module):
            if not name.startswith("_") and _provides(star, name):
                section.flat[key] = _resolve(section, star, name)
                return section.flat[key]
        return None  # a builtin (or a comprehension's variable)
    if isinstance(node, ast.ImportFrom) and node.level:
        alias = next(a for a in node.names if (a.asname or a.name) == name)
        source = _absolute(module, node.level, node.module)
        section.flat[key] = _imported(section, source, alias.name, module)
        return section.flat[key]
    if isinstance(node, (ast.Import, ast.ImportFrom)):
        section.imports.setdefault(_import_line(node, name))
        section.flat[key] = name
        return name
    item = _item(module, name, node)
    section.flat[key] = item.flat = _claim(section, item)
    for dep_module, dep in sorted(item.eager | item.lazy):
        real = _resolve(section, dep_module, dep)
        if real is not None and real != dep:
            item.renames[dep] = real
    for bound, source, imported in item.body_imports:
        if (source, imported) != ("s2sad", "runtime"):  # that one reads the module's _rt
            real = _imported(section, source, imported, module)
            if real != bound:
                item.renames[bound] = real
    return item.flat


def _imported(section: _Section, source: str, imported: str, module: str) -> str:
    """The section name of ``from <source> import <imported>`` in ``module``."""
    real = _resolve(section, source, imported)
    if real is None:
        raise StandaloneError(f"{source} has no {imported} (imported by {module})")
    return real


def _claim(section: _Section, item: _Item) -> str:
    """Put ``item`` in the section; its section name: its own, or, when another runtime
    file's helper holds that name already, the name followed by its file's
    (``_axis_batching_vmap``)."""
    flat = item.name
    if flat in section.items:
        flat = f"{item.name}_{item.module.rpartition('.')[2]}"
        if any(a.arg == item.name for a in ast.walk(item.node) if isinstance(a, ast.arg)):
            raise StandaloneError(f"cannot rename {item.module}.{item.name}: a parameter "
                                  f"has its name")
    section.items[flat] = item
    return flat


def _item(module: str, name: str, node: ast.stmt) -> _Item:
    eager, lazy, body_imports = _dependencies(module, node.lineno)
    return _Item(module, name, node, set(eager), set(lazy), list(body_imports))


@functools.lru_cache(maxsize=None)
def _dependencies(module: str, lineno: int):
    """(eager, lazy, body imports) of the top-level statement at ``lineno``: the
    module-level names it reads when it runs (an assignment's value, a def's decorators
    and defaults, a class's bases) and when its functions run (from the symbol tables),
    and its body's relative imports as (bound name, source module, imported name)."""
    node = next(n for n in _parsed(module)[1].body if n.lineno == lineno)
    if not isinstance(node, (ast.FunctionDef, ast.ClassDef)):
        names = {(module, n.id) for n in ast.walk(node) if isinstance(n, ast.Name)
                 and isinstance(n.ctx, ast.Load)}
        return frozenset(names), frozenset(), ()
    heads = list(node.decorator_list)
    if isinstance(node, ast.FunctionDef):
        heads += list(node.args.defaults) + [d for d in node.args.kw_defaults if d]
    else:
        heads += list(node.bases) + [k.value for k in node.keywords]
    eager = {(module, n.id) for h in heads for n in ast.walk(h) if isinstance(n, ast.Name)}
    table = next(t for t in _parsed(module)[2].get_children()
                 if t.get_name() == node.name and t.get_lineno() == node.lineno)
    lazy = {(module, g) for g in _globals_of(table)}
    body_imports = tuple(
        (alias.asname or alias.name, _absolute(module, sub.level, sub.module), alias.name)
        for sub in _body_imports(node) for alias in sub.names)
    return frozenset(eager), frozenset(lazy), body_imports


def _body_imports(node: ast.stmt) -> list[ast.ImportFrom]:
    return [sub for sub in ast.walk(node) if isinstance(sub, ast.ImportFrom) and sub.level]


def _globals_of(table: symtable.SymbolTable) -> set[str]:
    """The global names a function (and the scopes nested in it) reads."""
    found = {s.get_name() for s in table.get_symbols() if s.is_global()}
    for child in table.get_children():
        found |= _globals_of(child)
    return found


# --------------------------------------------------------------------------- writing


def collect(names) -> _Section:
    """The section for the ``_rt`` names ``names``, closed under what it copies reads
    (including ``"_rt.<name>"`` strings, which ``vmap_call`` resolves at run time)."""
    section = _Section()
    pending = sorted(set(names))
    while pending:
        for name in pending:
            real = _resolve(section, PACKAGE, name)
            if real is None:
                raise StandaloneError(f"the generated code calls _rt.{name}, which "
                                      f"s2sad.runtime does not have")
            section.exported[name] = real
        pending = sorted(_dynamic_names(section) - set(section.exported))
    return section


def dynamic_names(tree: ast.AST) -> set[str]:
    """The helpers named by ``"_rt.<name>"`` strings in ``tree``."""
    return {m.group(1) for n in ast.walk(tree) if isinstance(n, ast.Constant)
            and isinstance(n.value, str) for m in [_DYNAMIC.match(n.value)] if m}


def _dynamic_names(section: _Section) -> set[str]:
    found: set[str] = set()
    for item in section.items.values():
        found |= dynamic_names(item.node)
    return found


def runtime_section(names, backend: str = "numpy") -> str:
    """The text defining ``_rt`` (see the module docstring); not yet black-formatted."""
    section = collect(names)
    head = ['"""The s2sad runtime helpers this module calls, copied from s2sad/runtime."""',
            "from types import SimpleNamespace", ""]
    imports = sorted(section.imports, key=lambda line: (line.startswith("from"), line))
    body = ["    " + line for line in head + imports] + [""]
    for name in _ordered(section):
        body.append(_item_text(section.items[name]))
    pairs = ", ".join(f"{k}={v}" for k, v in sorted(section.exported.items()))
    body.append(f"    return SimpleNamespace({pairs})")
    text = "def _runtime():\n" + "\n".join(body) + "\n\n\n_rt = _runtime()\n"
    return text if backend == "numpy" else cupy_table.to_cupy(text, "xp", "xp")


def _module_rank(module: str) -> int:
    order = (PACKAGE,) + _star_modules(PACKAGE)
    return order.index(module) if module in order else len(order)


def _ordered(section: _Section) -> list[str]:
    """Items in source order, except that what a statement reads when it runs (a
    constant's value, a default, a base class) comes first."""
    done: set[str] = set()
    out: list[str] = []

    def visit(name: str, stack: set[str]) -> None:
        if name in done or name in stack:  # a cycle: source order decides
            return
        stack.add(name)
        for key in sorted(section.items[name].eager):
            dep = section.flat.get(key)
            if dep in section.items:
                visit(dep, stack)
        done.add(name)
        out.append(name)

    items = section.items
    for name in sorted(items, key=lambda n: (_module_rank(items[n].module), items[n].node.lineno)):
        visit(name, set())
    return out


def _item_text(item: _Item) -> str:
    """The item's source lines, indented one level; body relative imports dropped (or
    ``fn = _rt``); lines inside a multi-line string other than a docstring kept as they
    are (indenting them would change the string)."""
    text = _parsed(item.module)[0]
    lines = text.splitlines(keepends=True)
    node = item.node
    first = min([node.lineno] + [d.lineno for d in getattr(node, "decorator_list", [])])
    chunk = _renamed(item, lines[first - 1:node.end_lineno], first)
    replaced: dict[int, str | None] = {}
    for sub, alone in _body_import_nodes(node):
        indent = " " * sub.col_offset
        alias = sub.names[0]
        if (sub.level, sub.module, alias.name) == (2, None, "runtime"):
            new = f"{indent}{alias.asname or alias.name} = _rt  # the module's runtime namespace\n"
        else:
            new = f"{indent}pass\n" if alone else None
        for row in range(sub.lineno, sub.end_lineno + 1):
            replaced[row - first] = new if row == sub.lineno else None
    keep = _string_rows(node)
    out = []
    for k, line in enumerate(chunk):
        if k in replaced:
            line = replaced[k]
            if line is None:
                continue
        out.append(line if (k + first) in keep or not line.strip() else "    " + line)
    return "".join(out).rstrip("\n") + "\n"


def _renamed(item: _Item, chunk: list[str], first: int) -> list[str]:
    """The item's lines with the names it reads (``item.renames``), and its own when it
    was renamed, spelled as in the section (each ``ast.Name`` at its position)."""
    spots: list[tuple[int, int, int, str]] = []  # row in chunk, start, end, new text
    for n in ast.walk(item.node):
        if isinstance(n, ast.Name) and n.id in item.renames:
            spots.append((n.lineno - first, n.col_offset, n.end_col_offset, item.renames[n.id]))
    if item.flat != item.name:
        node = item.node
        row = node.lineno - first
        if isinstance(node, (ast.FunctionDef, ast.ClassDef)):
            col = chunk[row].index(f" {item.name}", node.col_offset) + 1
            spots.append((row, col, col + len(item.name), item.flat))
        else:  # an assignment: its target is a Name, renamed with the reads above
            spots += [(t.lineno - first, t.col_offset, t.end_col_offset, item.flat)
                      for t in ast.walk(node) if isinstance(t, ast.Name) and t.id == item.name]
    out = list(chunk)
    for row, start, end, text in sorted(spots, reverse=True):
        out[row] = out[row][:start] + text + out[row][end:]
    return out


def _body_import_nodes(node: ast.stmt) -> list[tuple[ast.ImportFrom, bool]]:
    """The body's relative imports, each with whether it is alone in its block."""
    found = []
    for parent in ast.walk(node):
        for fieldname in ("body", "orelse", "finalbody"):
            block = getattr(parent, fieldname, None)
            if isinstance(block, list):
                found += [(s, len(block) == 1) for s in block
                          if isinstance(s, ast.ImportFrom) and s.level]
    return found


def _string_rows(node: ast.stmt) -> set[int]:
    """The line numbers inside (after the first line of) a multi-line string that is not
    a docstring."""
    docstrings = {id(b.body[0].value) for b in ast.walk(node)
                  if isinstance(b, (ast.FunctionDef, ast.ClassDef, ast.AsyncFunctionDef))
                  and b.body and isinstance(b.body[0], ast.Expr)
                  and isinstance(b.body[0].value, ast.Constant)}
    rows: set[int] = set()
    for n in ast.walk(node):
        if isinstance(n, (ast.Constant, ast.JoinedStr)) and n.end_lineno > n.lineno and \
                id(n) not in docstrings and (not isinstance(n, ast.Constant)
                                             or isinstance(n.value, str)):
            rows.update(range(n.lineno + 1, n.end_lineno + 1))
    return rows
