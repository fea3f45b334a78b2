"""Fuzzing s2sad: random programs of the supported subset (``programs``), random Python
source, valid or not (``fragments``), and the oracles both are checked with (``oracle``).

The generators draw every decision from a ``Chooser``: hypothesis draws in the tests (so
failures shrink), a seeded ``random.Random`` in ``tools/fuzz.py`` (so long runs are fast
and reproducible from a seed).
"""
