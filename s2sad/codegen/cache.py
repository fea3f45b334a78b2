"""The disk cache of generated modules: content-addressed, verified, private.

Generated code is *executed*, so the cache is a place where planting a file
would mean running someone else's code. Three rules follow:

1. The folder is private. It is created with mode 0700; an existing folder
   that group or others can write to, or that another user owns, is refused
   (one ``S2SADCacheWarning`` per folder and process) and generation happens
   in memory instead.
2. A file is never trusted blindly. Its first line is a header carrying the
   SHA-256 of the rest of the file; a missing, damaged, truncated or
   undecodable file (or one that is not ours) is rebuilt and rewritten.
3. Writes are atomic: a temporary file in the same folder, fsync, then
   ``os.replace`` onto the final name. Two processes building the same key at
   once both succeed, and a reader sees the old file or the new one, never half.

The key (``make_key``) hashes everything the text depends on: the sources of
the function and of everything it calls, the transform and its options, the
s2sad and black versions. So a file, once verified, is the right file.

    load_or_build(make_key(src, "grad", "0.1.0"), build)   # build() runs once
    load_or_build(make_key(src, "grad", "0.1.0"), build)   # read from disk
"""

from __future__ import annotations

import hashlib
import os
import pathlib
import re
import stat
import sys
import tempfile
import warnings
from typing import Callable

__all__ = ["S2SADCacheWarning", "cache_dir", "load_or_build", "make_key"]

_HEADER_PREFIX = b"# s2sad-cache v1 sha256="
_KEY_RE = re.compile(r"^[0-9A-Za-z_-]{1,128}$")
_warned: set[tuple[str, str]] = set()


class S2SADCacheWarning(UserWarning):
    """The disk cache is not used (unsafe folder, or an I/O error); generation goes on in memory."""


def make_key(*parts: str) -> str:
    """The SHA-256 hex digest of ``parts``, joined unambiguously.

    Each part is length-prefixed, so ``("ab", "c")`` and ``("a", "bc")`` differ.
    """
    h = hashlib.sha256(b"s2sad-key-v1\0")
    for part in parts:
        data = str(part).encode("utf-8", "surrogatepass")
        h.update(len(data).to_bytes(8, "big"))
        h.update(data)
    return h.hexdigest()


def _warn_once(kind: str, where: object, message: str) -> None:
    if (kind, str(where)) in _warned:
        return
    _warned.add((kind, str(where)))
    warnings.warn(message, S2SADCacheWarning, stacklevel=3)


def _truthy(value: str | None) -> bool:
    return value is not None and value.strip().lower() not in ("", "0", "false", "no", "off")


def default_cache_dir() -> pathlib.Path:
    """The platform's per-user cache folder, plus ``s2sad``."""
    home = pathlib.Path.home()
    if sys.platform == "win32":
        base = os.environ.get("LOCALAPPDATA")
        return (pathlib.Path(base) if base else home / "AppData" / "Local") / "s2sad"
    if sys.platform == "darwin":
        return home / "Library" / "Caches" / "s2sad"
    xdg = os.environ.get("XDG_CACHE_HOME")
    # The XDG spec: a relative XDG_CACHE_HOME is invalid and must be ignored.
    base = pathlib.Path(xdg) if xdg and os.path.isabs(xdg) else home / ".cache"
    return base / "s2sad"


def _unsafe_reason(st: os.stat_result) -> str | None:
    """Why a folder (or file) with this stat must not be trusted, or None (POSIX only)."""
    if not hasattr(os, "geteuid"):  # Windows: the per-user LOCALAPPDATA ACLs protect it
        return None
    if st.st_uid != os.geteuid():
        return f"it is owned by uid {st.st_uid}, not by the current user (uid {os.geteuid()})"
    if st.st_mode & (stat.S_IWGRP | stat.S_IWOTH):
        return f"it is writable by group or others (mode {stat.S_IMODE(st.st_mode):o})"
    return None


def cache_dir() -> pathlib.Path | None:
    """The folder to cache generated modules in, or None for in-memory generation.

    None when ``S2SAD_NO_CACHE=1``, when the folder cannot be created, or when
    it is not private to the current user (a warning says which).
    """
    if _truthy(os.environ.get("S2SAD_NO_CACHE")):
        return None
    configured = os.environ.get("S2SAD_CACHE_DIR")
    path = pathlib.Path(configured).expanduser() if configured else default_cache_dir()
    path = path.absolute()
    try:
        if not path.is_dir():
            path.mkdir(mode=0o700, parents=True, exist_ok=True)
            os.chmod(path, 0o700)  # the umask may have taken bits away; be explicit
        st = os.stat(path)
    except OSError as exc:
        _warn_once("create", path, f"s2sad: cannot use cache folder {path} ({exc}); "
                   "generating in memory. Set S2SAD_CACHE_DIR or S2SAD_NO_CACHE=1.")
        return None
    if not stat.S_ISDIR(st.st_mode):
        _warn_once("create", path, f"s2sad: cache folder {path} is not a folder; "
                   "generating in memory.")
        return None
    reason = _unsafe_reason(st)
    if reason is not None:
        _warn_once("unsafe", path, f"s2sad: refusing cache folder {path}: {reason}, so "
                   "others could plant code that s2sad would run. Generating in memory; "
                   f"fix with `chmod 700 {path}` or set S2SAD_CACHE_DIR.")
        return None
    return path


def _read_verified(path: pathlib.Path) -> str | None:
    """The cached text if the file is ours and its header matches its content, else None."""
    try:
        with open(path, "rb") as f:
            if _unsafe_reason(os.fstat(f.fileno())) is not None:
                return None
            data = f.read()
    except OSError:
        return None
    header, newline, body = data.partition(b"\n")
    if not newline or not header.startswith(_HEADER_PREFIX):
        return None
    expected = header[len(_HEADER_PREFIX):].strip()
    if expected != hashlib.sha256(body).hexdigest().encode("ascii"):
        return None
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError:
        return None


def _write_atomic(folder: pathlib.Path, path: pathlib.Path, text: str) -> None:
    body = text.encode("utf-8")
    data = _HEADER_PREFIX + hashlib.sha256(body).hexdigest().encode("ascii") + b"\n" + body
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=f".{path.stem}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise


def load_or_build(key: str, build: Callable[[], str]) -> str:
    """The text for ``key``: from the cache if present and intact, else ``build()`` (then saved).

    Never trusts a damaged file and never fails because of the cache: an I/O
    error while saving still returns the built text (with one warning).
    """
    if not _KEY_RE.match(key):
        raise ValueError(f"invalid cache key {key!r} (expected a hex digest from make_key)")
    folder = cache_dir()
    if folder is None:
        return build()
    path = folder / f"{key}.py"
    cached = _read_verified(path)
    if cached is not None:
        return cached
    text = build()
    try:
        _write_atomic(folder, path, text)
    except (OSError, UnicodeEncodeError) as exc:
        _warn_once("write", folder, f"s2sad: cannot write to cache folder {folder} ({exc}); "
                   "the generated code is used from memory.")
    return text
