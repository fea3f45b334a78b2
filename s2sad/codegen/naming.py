"""Fresh, deterministic names for generated code (counters and the user's own names).

Imports nothing of the compiler, so every layer that names things may use it: the
front end (``normalize/lists.py``) and the transforms alike.
"""

from __future__ import annotations


class Names:
    """Hands out names that clash with nothing already taken.

    ``adjoint("x")`` is ``bx`` (or ``b_x``, ``b_x2``... if taken), ``tangent("x")``
    is ``dx``; ``temp()`` is ``_t1``, ``_t2``...
    """

    def __init__(self, taken: set[str]):
        self.taken = set(taken)
        self.counters: dict[str, int] = {}
        self.derived: dict[tuple[str, str], str] = {}
        self.suffixes: dict[str, int] = {}  # name -> the last k of ``exact``'s name_k

    def temp(self, base: str = "_t") -> str:
        n = self.counters.get(base, 0)
        while True:
            n += 1
            name = f"{base}{n}"
            if name not in self.taken:
                self.counters[base] = n
                self.taken.add(name)
                return name

    def exact(self, name: str) -> str:
        """``name`` itself if free, else ``name_2``, ``name_3``...

        The search resumes after the last suffix handed out for ``name``: names are
        only ever taken, never freed, so every earlier candidate is still taken (and a
        name asked for many times costs one step each, not one step per earlier ask).
        """
        k = self.suffixes.get(name, 1)
        candidate = name if k == 1 else f"{name}_{k}"
        while candidate in self.taken:
            k += 1
            candidate = f"{name}_{k}"
        self.suffixes[name] = k
        self.taken.add(candidate)
        return candidate

    def derive(self, prefix: str, name: str) -> str:
        key = (prefix, name)
        if key not in self.derived:
            stem = name.lstrip("_")
            base = f"_{prefix}{stem}" if name.startswith("_") else f"{prefix}{stem}"
            if base in self.taken:
                base = f"{prefix}_{stem}"
            self.derived[key] = self.exact(base)
        return self.derived[key]

    def adjoint(self, name: str) -> str:
        return self.derive("b", name)

    def tangent(self, name: str) -> str:
        return self.derive("d", name)
