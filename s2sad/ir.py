"""The normalized intermediate representation every transform reads and writes.

Invariants (established by ``frontend.normalize``, kept by every transform):

* Expressions are in A-normal form: every argument of a call is an ``Atom``
  (a ``Name`` or a ``Const``), or an ``Index`` in subscript position.
* Every statement assigns at most one name (tuple unpacking became one
  ``Subscript`` per element), and no ``Assign`` reads its own target
  (``x = x * 2`` became ``_t = x * 2; x = _t``), so a reverse sweep may read
  the inputs of a statement after it ran.
* Control flow is ``If``, ``For`` (a ``range`` loop) and ``While`` only;
  ``break``/``continue``/early ``return`` became flags, and ``Return`` is the
  last statement of a function body.
* ``Call.func`` is the canonical printed name of a primitive (``"np.sin"``,
  ``"add"`` for ``+``, ``"_rt.unbroadcast"``); ``UserCall.func`` names another
  ``Function`` of the same ``Program``.

Before/after, for ``y = np.sin(x * w).sum()``::

    _t1 = x * w                 Assign("_t1", Call("mul", (Name("x"), Name("w"))))
    _t2 = np.sin(_t1)           Assign("_t2", Call("np.sin", (Name("_t1"),)))
    y = np.sum(_t2)             Assign("y", Call("np.sum", (Name("_t2"),)))
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Iterator, Union


@dataclass(frozen=True)
class Name:
    id: str


@dataclass(frozen=True)
class Const:
    """A literal: int, float, complex, bool, None, str, Ellipsis, or a tuple of those."""

    value: object


Atom = Union[Name, Const]


@dataclass(frozen=True)
class Slice:
    lower: Atom | None = None
    upper: Atom | None = None
    step: Atom | None = None


@dataclass(frozen=True)
class Index:
    """A subscript: ``x[1:, i]`` is ``Index((Slice(Const(1)), Name("i")), is_tuple=True)``.

    Items are atoms (``Const(None)`` is ``np.newaxis``, ``Const(Ellipsis)`` is ``...``)
    or slices. Used as a call argument it prints as ``np.s_[1:, i]``.
    """

    items: tuple[Atom | Slice, ...]
    is_tuple: bool = False


@dataclass(frozen=True)
class Call:
    """Application of a primitive, named by its canonical printed name."""

    func: str
    args: tuple[Atom | Index, ...] = ()
    kwargs: tuple[tuple[str, Atom], ...] = ()


@dataclass(frozen=True)
class UserCall:
    """Call of another ``Function`` of the program (differentiated through); ``inline``:
    its body replaces the call before the transforms run (``transforms/inline.py``)."""

    func: str
    args: tuple[Atom, ...] = ()
    kwargs: tuple[tuple[str, Atom], ...] = ()
    inline: bool = False


@dataclass(frozen=True)
class Subscript:
    value: Atom
    index: Index


Expr = Union[Name, Const, Call, UserCall, Subscript]


@dataclass(frozen=True)
class Stmt:
    """Base of statements; ``line`` is the user's source line (0 when synthetic)."""


@dataclass(frozen=True)
class Assign(Stmt):
    target: str
    value: Expr
    line: int = 0


@dataclass(frozen=True)
class SetItem(Stmt):
    """``target[index] = value`` (in place); with ``add``, ``target[index] += value`` (only
    in modules that are run, never differentiated again: ``transforms/scatters.py``)."""

    target: str
    index: Index
    value: Atom
    line: int = 0
    add: bool = False


@dataclass(frozen=True)
class ExprStmt(Stmt):
    """A call evaluated for its effect only (e.g. a tape push in generated code)."""

    value: Call
    line: int = 0


@dataclass(frozen=True)
class If(Stmt):
    test: Atom
    body: tuple[Stmt, ...]
    orelse: tuple[Stmt, ...] = ()
    line: int = 0


@dataclass(frozen=True)
class For(Stmt):
    """``for target in range(start, stop, step): body``."""

    target: str
    start: Atom
    stop: Atom
    step: Atom
    body: tuple[Stmt, ...]
    line: int = 0


@dataclass(frozen=True)
class While(Stmt):
    """``while True: <test_body>; if not test: break; <body>``."""

    test_body: tuple[Stmt, ...]
    test: Atom
    body: tuple[Stmt, ...]
    line: int = 0


@dataclass(frozen=True)
class Return(Stmt):
    value: Atom
    line: int = 0


@dataclass(frozen=True)
class Release(Stmt):
    """``del a, b``: drop dead arrays early so their memory is reused (generated code only)."""

    names: tuple[str, ...]
    line: int = 0


@dataclass(frozen=True)
class Comment(Stmt):
    """A comment in generated code (ties adjoint blocks to user lines)."""

    text: str
    line: int = 0


@dataclass(frozen=True)
class Function:
    name: str
    params: tuple[str, ...]
    body: tuple[Stmt, ...]
    defaults: tuple[tuple[str, Atom], ...] = ()
    filename: str = "<generated>"
    source_lines: tuple[str, ...] = field(default=(), compare=False, repr=False)
    first_line: int = 1
    docstring: str | None = None
    # ``s2sad.checkpoint``: reverse mode keeps its arguments, not its forward values, and
    # runs it again when its adjoint is needed
    checkpoint: bool = False
    # ``s2sad.custom_vjp``: ("vjp", fwd, bwd); ``custom_jvp``: ("jvp", rule) -- functions of
    # the program the transforms call instead of deriving this one (transforms/custom_rules.py)
    custom: tuple[str, ...] = ()


@dataclass(frozen=True)
class Program:
    """A function and every user function it reaches, plus the globals they read.

    ``globals`` maps a free name of the generated code to its value (user
    constants); names of modules (``np``, ``_rt``) are not in it.
    """

    entry: str
    functions: dict[str, Function]
    globals: dict[str, object] = field(default_factory=dict, compare=False)

    def entry_function(self) -> Function:
        return self.functions[self.entry]


# --------------------------------------------------------------------------- helpers


def atoms_of(expr: Expr | Index | Slice | None) -> Iterator[Atom]:
    """Every atom an expression reads, in order."""
    if expr is None:
        return
    if isinstance(expr, (Name, Const)):
        yield expr
    elif isinstance(expr, Slice):
        yield from atoms_of(expr.lower)
        yield from atoms_of(expr.upper)
        yield from atoms_of(expr.step)
    elif isinstance(expr, Index):
        for item in expr.items:
            yield from atoms_of(item)
    elif isinstance(expr, Subscript):
        yield from atoms_of(expr.value)
        yield from atoms_of(expr.index)
    elif isinstance(expr, (Call, UserCall)):
        for a in expr.args:
            yield from atoms_of(a)
        for _, a in expr.kwargs:
            yield from atoms_of(a)
    else:  # pragma: no cover - a new Expr kind must be added here
        raise TypeError(f"not an expression: {expr!r}")


def names_read(expr) -> set[str]:
    """The names ``atoms_of(expr)`` reads (every pass asks: written without generators)."""
    found: set[str] = set()
    _add_names(expr, found)
    return found


def _add_names(expr, found: set[str]) -> None:
    t = type(expr)  # the node classes have no subclasses
    if t is Name:
        found.add(expr.id)
    elif t is Call or t is UserCall:
        for a in expr.args:
            if type(a) is Name:
                found.add(a.id)
            elif type(a) is not Const:
                _add_names(a, found)
        for _, a in expr.kwargs:
            _add_names(a, found)
    elif t is Subscript:
        _add_names(expr.value, found)
        _add_names(expr.index, found)
    elif t is Index:
        for item in expr.items:
            _add_names(item, found)
    elif t is Slice:
        _add_names(expr.lower, found)
        _add_names(expr.upper, found)
        _add_names(expr.step, found)
    elif t is not Const and expr is not None:  # pragma: no cover - a new Expr kind
        raise TypeError(f"not an expression: {expr!r}")


def stmt_reads(stmt: Stmt) -> set[str]:
    """Names a statement reads itself (not counting nested bodies)."""
    if isinstance(stmt, Assign):
        return names_read(stmt.value)
    if isinstance(stmt, SetItem):
        return {stmt.target} | names_read(stmt.index) | names_read(stmt.value)
    if isinstance(stmt, ExprStmt):
        return names_read(stmt.value)
    if isinstance(stmt, If):
        return names_read(stmt.test)
    if isinstance(stmt, For):
        return names_read(stmt.start) | names_read(stmt.stop) | names_read(stmt.step)
    if isinstance(stmt, While):
        return names_read(stmt.test)
    if isinstance(stmt, Return):
        return names_read(stmt.value)
    return set()


def stmt_writes(stmt: Stmt) -> set[str]:
    """Names a statement binds itself (not counting nested bodies)."""
    if isinstance(stmt, Assign):
        return {stmt.target}
    if isinstance(stmt, For):
        return {stmt.target}
    return set()


def walk(body: tuple[Stmt, ...]) -> Iterator[Stmt]:
    """Every statement of a body, nested ones included, in source order."""
    for s in body:
        yield s
        if isinstance(s, If):
            yield from walk(s.body)
            yield from walk(s.orelse)
        elif isinstance(s, For):
            yield from walk(s.body)
        elif isinstance(s, While):
            yield from walk(s.test_body)
            yield from walk(s.body)


def map_bodies(s: Stmt, f) -> Stmt:
    """``s`` with ``f`` applied to each nested body (``If`` arms, loop bodies, a ``While``'s
    test body); other statements as they are."""
    if isinstance(s, If):
        return replace(s, body=f(s.body), orelse=f(s.orelse))
    if isinstance(s, For):
        return replace(s, body=f(s.body))
    if isinstance(s, While):
        return replace(s, test_body=f(s.test_body), body=f(s.body))
    return s


def all_names(fn: Function) -> set[str]:
    """Every name a function binds or reads (to pick fresh names that do not clash)."""
    names = set(fn.params)
    for s in walk(fn.body):
        names |= stmt_reads(s) | stmt_writes(s)
        if isinstance(s, Assign):
            names |= names_read(s.value)
    return names


__all__ = [
    "Name", "Const", "Atom", "Slice", "Index", "Call", "UserCall", "Subscript", "Expr",
    "Stmt", "Assign", "SetItem", "ExprStmt", "If", "For", "While", "Return", "Comment", "Release",
    "Function", "Program", "atoms_of", "names_read", "stmt_reads", "stmt_writes",
    "walk", "map_bodies", "all_names", "replace",
]
