"""What differs between NumPy and CuPy, as a rewrite of code text: one table, one function.

Generated modules and the runtime helpers are written against NumPy (``np.*`` in
generated code, ``xp.*`` in the runtime). For CuPy the same text is rewritten once,
per module, by ``to_cupy``:

    import numpy as np              ->  import cupy as cp
    np.exp(x)                       ->  cp.exp(x)
    np.add.at(out, idx, g)          ->  cupyx.scatter_add(out, idx, g)   (+ import cupyx)

Only tokens of code are touched (``tokenize``): comments and strings, where the user's
own source is quoted, keep their ``np.``. The table lists every NumPy name whose CuPy
counterpart is not ``cupy.<same name>``; ``LACKING`` the ones CuPy does not have at all
(read from the CuPy 14 namespace; ``tests/test_cupy_gpu.py`` checks every NumPy
function with a rule against an installed CuPy). SciPy calls go to ``cupyx.scipy``
(``to_cupy_scipy``), less ``LACKING_SCIPY``. Stdlib only: the runtime imports nothing
of the compiler.
"""

from __future__ import annotations

import io
import re
import tokenize

# NumPy name (after the namespace) -> the CuPy call that does the same
RENAMED: dict[str, str] = {
    # scatter-add with repeated indices: cupy.add.at is recent (CuPy 14 has it, older
    # ones do not); cupyx.scatter_add is the same operation in every CuPy
    "add.at": "cupyx.scatter_add",
    # floating-point error state: CuPy keeps its own (a GPU never raises FP signals)
    "errstate": "cupyx.errstate",
    "seterr": "cupyx.seterr",
}

# NumPy names CuPy has no counterpart for (generation refuses them by name)
LACKING: frozenset[str] = frozenset({
    "frompyfunc", "nditer", "matrix", "asmatrix", "geterr",
    "linalg.multi_dot", "linalg.matrix_norm", "linalg.vector_norm",
})

# SciPy names cupyx.scipy has no counterpart for (CuPy 14): refused by name
LACKING_SCIPY: frozenset[str] = frozenset({
    "linalg.cholesky", "linalg.cho_factor", "linalg.cho_solve", "linalg.solve", "stats.norm",
    "stats.t", "stats.multivariate_normal",
})

_IMPORT = re.compile(r"^(?P<indent>[ \t]*)import numpy as (?P<alias>\w+)[ \t]*$", re.M)


class LackingInCupy(Exception):  # noqa: N818 - a fact about CuPy, raised as an error
    """A NumPy function with no CuPy counterpart (``LACKING``); the message names it."""


def dotted_names(text: str, alias: str) -> list[tuple[str, tuple[int, int], tuple[int, int]]]:
    """Every ``alias.a.b...`` in the code tokens of ``text``: (``"a.b"``, start, end),
    positions as ``tokenize`` gives them (1-based lines, 0-based columns)."""
    tokens = [t for t in tokenize.generate_tokens(io.StringIO(text).readline)
              if t.type not in (tokenize.NL, tokenize.COMMENT)]
    found = []
    for i, tok in enumerate(tokens):
        if tok.type != tokenize.NAME or tok.string != alias:
            continue
        if i and tokens[i - 1].string in (".", "import", "from"):  # ``obj.np``, imports
            continue
        parts, j = [], i + 1
        while j + 1 < len(tokens) and tokens[j].string == "." and tokens[j + 1].type == tokenize.NAME:
            parts.append(tokens[j + 1].string)
            j += 2
        if parts:
            found.append((".".join(parts), tok.start, tokens[j - 1].end))
    return found


def _cupy_call(name: str, cupy_alias: str) -> str:
    """The CuPy spelling of the NumPy name ``name`` (``LackingInCupy`` if there is none)."""
    for k in range(name.count(".") + 1, 0, -1):  # the longest renamed prefix wins
        head = ".".join(name.split(".")[:k])
        if head in RENAMED:
            rest = name[len(head):]
            return RENAMED[head] + rest
        if head in LACKING:
            raise LackingInCupy(f"CuPy has no counterpart of numpy.{head}")
    return f"{cupy_alias}.{name}"


def to_cupy(text: str, alias: str, cupy_alias: str) -> str:
    """``text`` (NumPy code calling ``alias.*``) rewritten to call CuPy as ``cupy_alias``.

    ``import numpy as <alias>`` becomes ``import cupy as <cupy_alias>``, followed by
    ``import cupyx`` when a renamed call needs it. Raises ``LackingInCupy`` for a name in
    ``LACKING``.
    """
    lines = text.splitlines(keepends=True)
    for name, (row, col), (end_row, end_col) in reversed(dotted_names(text, alias)):
        if row != end_row:  # ``np.\\\n exp``: nothing the printer or the runtime writes
            raise ValueError(f"a dotted name across lines at line {row}")
        line = lines[row - 1]
        lines[row - 1] = line[:col] + _cupy_call(name, cupy_alias) + line[end_col:]
    out = "".join(lines)
    needs_cupyx = "cupyx." in out and not re.search(r"^[ \t]*import cupyx\b", out, re.M)

    def swap(match: re.Match) -> str:
        if match.group("alias") != alias:
            return match.group(0)
        indent = match.group("indent")
        extra = f"\n{indent}import cupyx" if needs_cupyx else ""
        return f"{indent}import cupy as {cupy_alias}{extra}"

    return to_cupy_scipy(_IMPORT.sub(swap, out))


_SCIPY_IMPORT = re.compile(r"^(?P<head>[ \t]*(?:import|from)[ \t]+)scipy(?=[.\s])", re.M)


def to_cupy_scipy(text: str) -> str:
    """SciPy's functions as CuPy's (``cupyx.scipy`` mirrors ``scipy.special``,
    ``scipy.linalg``, ``scipy.stats``...): ``import scipy.special`` -> ``import
    cupyx.scipy.special``, ``scipy.special.erf(x)`` -> ``cupyx.scipy.special.erf(x)``,
    ``from scipy import linalg`` -> ``from cupyx.scipy import linalg``."""
    lines = text.splitlines(keepends=True)
    for name, (row, col), _end in reversed(dotted_names(text, "scipy")):
        lacking = next((n for n in LACKING_SCIPY if name == n or name.startswith(n + ".")), None)
        if lacking is not None:
            raise LackingInCupy(f"CuPy has no counterpart of scipy.{lacking} (cupyx.scipy "
                                f"does not have it)")
        line = lines[row - 1]
        lines[row - 1] = line[:col] + "cupyx." + line[col:]
    return _SCIPY_IMPORT.sub(lambda m: m.group("head") + "cupyx.scipy", "".join(lines))
