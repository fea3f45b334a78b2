"""Batching statuses: what the batching transform knows of a value's lanes.

A status is ``False`` (unbatched: the same in every lane), ``True`` (an array with the
batch axis in front: lane ``i`` is ``v[i]``), ``ListOf(item)`` (a list, e.g. a tape,
whose items all have status ``item``, every leaf batched), ``ALL`` (every leaf batched,
structure known only at run time) or a tuple of statuses (a tuple value). Where two
paths meet, statuses *join*: the narrower side is widened to the wider one::

    join(False, True) == True;  join((True, False), False) == (True, False)
"""

from __future__ import annotations

from dataclasses import dataclass

ALL = "all"  # every leaf batched, structure known only at run time (an item of a mixed tape)


@dataclass(frozen=True)
class ListOf:
    """The status of a list whose items all have status ``item`` (a fully batched status)."""

    item: object


def full(st):
    """``st`` with every leaf batched (what ``_rt.vbatch`` makes of an unbatched value)."""
    if isinstance(st, tuple):
        return tuple(full(x) for x in st)
    return st if isinstance(st, ListOf) or st == ALL else True


def printable(st):
    """A status as a literal for ``_rt.widen`` (lists are "list")."""
    if isinstance(st, tuple):
        return tuple(printable(x) for x in st)
    return "list" if isinstance(st, ListOf) else st


class NotBatchable(Exception):
    """The program cannot run batched (batched control flow, a container-valued rule...)."""


class Restart(Exception):
    """A list turned out to hold batched items: transform the function again from the top."""


def join(a, b):
    """The status a value has where two paths meet: the narrower side is widened to it."""
    if a == b:
        return a
    if ALL in (a, b):  # every leaf batched: the other side's unbatched leaves are widened
        return ALL
    if a in (True, False) and b in (True, False):
        return True
    if isinstance(a, ListOf) and b in (False, True) or isinstance(b, ListOf) and a in (
            False, True):  # a list (None where unbound; True: every leaf batched) and lanes
        lst = a if isinstance(a, ListOf) else b
        return ListOf(join(lst.item, True))
    if isinstance(a, tuple) or isinstance(b, tuple):
        n = len(a) if isinstance(a, tuple) else len(b)
        ea = a if isinstance(a, tuple) else (a,) * n
        eb = b if isinstance(b, tuple) else (b,) * n
        if len(ea) == len(eb) and not isinstance(a, ListOf) and not isinstance(b, ListOf):
            return tuple(join(x, y) for x, y in zip(ea, eb))
    raise NotBatchable("a value is batched on one path and not on another in a way "
                       "that cannot be widened")


def join_items(a, b):
    """The one status of every item of a list; items of different structure (an array and a
    tuple) cannot share one: a popped item's status must say how to subscript it."""
    if a is None or a == b:
        return b
    if isinstance(a, tuple) != isinstance(b, tuple) or isinstance(a, ListOf) != isinstance(
            b, ListOf):
        return ALL  # a popped item is subscripted by what it is at run time
    return join(a, b)


def capped(st, depth: int = 0):
    """``st`` with tuples nested deeper than a few levels taken as ALL, so the status of a
    recursive function's result (its residuals hold its callee's) settles."""
    if isinstance(st, tuple):
        if depth >= 3:
            return ALL
        return tuple(capped(x, depth + 1) for x in st)
    return st

