"""The errors s2sad raises: part of the public interface."""

from __future__ import annotations


class DifferentiationError(Exception):
    """Something about the function cannot be differentiated (and why)."""


class UnsupportedSyntaxError(DifferentiationError):
    """A construct the compiler does not read, reported at the user's source line.

    The message has the form::

        path/to/file.py:12:8: `try` is not supported by s2sad
            try:
            ^
    """

    def __init__(self, message: str, filename: str = "<unknown>", line: int = 0,
                 col: int = 0, source_line: str = ""):
        self.filename, self.line, self.col = filename, line, col
        self.source_line = source_line
        text = f"{filename}:{line}:{col + 1}: {message}"
        if source_line:
            stripped = source_line.rstrip()
            text += f"\n    {stripped}\n    {' ' * col}^"
        self.bare_message = message
        super().__init__(text)


class JitFallbackWarning(UserWarning):
    """``jit="numba"`` could not compile a generated module: it runs as plain Python.

    Issued once per module, naming the construct numba stopped at; the numbers are the
    plain module's, so silencing it (``warnings.filterwarnings``) loses only speed.
    """
