"""The disk cache of generated modules: content-addressed, verified, private, bounded.

Generated code is *executed*, so the cache is a place where planting a file
would mean running someone else's code. Four rules follow:

1. The folder is private. It is created with mode 0700; an existing folder
   that group or others can write to, or that another user owns, is refused
   (one ``S2SADCacheWarning``) and generation happens in memory instead.
2. A file is never trusted blindly. Its first line is a header carrying the
   SHA-256 of the key and the rest of the file; a missing, damaged, truncated,
   undecodable or foreign file (one that is not ours, not a regular file, or a
   valid entry of *another* key) is rebuilt and rewritten. The bytes checked
   are the bytes returned: a file is read once, from one descriptor, so a file
   replaced while it is read is either verified whole or rebuilt. (The check
   is against damage and mix-ups; it is the private folder that keeps out
   other users, since anyone who can write there can also compute a hash.)
3. Writes are atomic: a temporary file in the same folder, fsync, then
   ``os.replace`` onto the final name. Any number of processes building the
   same key at once all succeed, leave one valid file, and a reader sees the
   old file or the new one, never half.
4. The cache never breaks a build. Any I/O fault (a full disk, a read-only
   folder, an unreadable file) degrades to the text built in memory, with one
   ``S2SADCacheWarning`` per process, folder and kind of fault, not one per
   gradient.

The key (``make_key``) hashes everything the text depends on: the sources of
the function and of everything it calls, the transform and its options, the
s2sad and black versions. So a file, once verified, is the right file. (The
pipeline finds most entries by a *quick* key, computed without parsing, and
stores in them a manifest of the sources to re-check before use: see
``pipeline.generate``. Here an entry's text is opaque.)

The folder is bounded (``S2SAD_CACHE_MAX_MB``, default 256; 0 for no limit):
see ``_note_write`` for when it is measured and ``_prune`` for what goes.

    load_or_build(make_key(src, "grad", "0.1.0"), build)   # build() runs once
    load_or_build(make_key(src, "grad", "0.1.0"), build)   # read from disk
"""

from __future__ import annotations

import errno
import hashlib
import math
import os
import pathlib
import re
import stat
import sys
import threading
import time
import warnings
from dataclasses import dataclass
from typing import Callable

__all__ = ["S2SADCacheWarning", "cache_dir", "load_or_build", "make_key", "max_bytes", "store"]

_HEADER_PREFIX = b"# s2sad-cache v2 sha256="
_KEY_RE = re.compile(r"^[0-9A-Za-z_-]{1,128}$")
_ENTRY_RE = re.compile(r"^[0-9A-Za-z_-]{1,128}\.py$")  # what _prune may delete ...
_TEMP_RE = re.compile(r"^\.[0-9A-Za-z_-]{1,128}\..*\.tmp$")  # ... and, once stale, these
_DEFAULT_MAX_MB = 256.0
_RESCAN_EVERY = 64  # writes of one process between two measurements of the folder
_SAMPLE = 32  # entries whose size _estimate reads
_LOW_WATER = 0.9  # prune down to 90% of the limit, so the next writes do not prune again
_STALE_TEMP_SECONDS = 3600.0  # a temporary file this old was left by a writer that died
_O_READ = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0)


def __getattr__(name: str):
    """``tempfile`` and ``random`` are imported by the first write, not by ``import s2sad``
    (3 ms); ``cache.tempfile`` still names the module (the fault tests patch it)."""
    if name in ("tempfile", "random"):
        import importlib

        return importlib.import_module(name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


_lock = threading.Lock()  # guards _warned and _usage; never held during I/O
_warned: set[tuple[str, str]] = set()


@dataclass
class _Usage:
    """What this process believes about one folder's size."""

    estimate: int | None = None  # bytes in the folder; None: not measured by this process yet
    writes: int = 0  # writes since the last measurement


_usage: dict[str, _Usage] = {}


class S2SADCacheWarning(UserWarning):
    """The disk cache is not (fully) used: unsafe folder, full disk, read-only folder,
    damaged file. Generation goes on in memory; results are unaffected."""


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
    """Warn about ``kind`` of fault at ``where`` only the first time in this process."""
    with _lock:
        if (kind, str(where)) in _warned:
            return
        _warned.add((kind, str(where)))
    warnings.warn(message, S2SADCacheWarning, stacklevel=4)


def _fault_kind(exc: BaseException) -> str:
    """A short name for the kind of an I/O fault: ``ENOSPC``, ``EACCES``, ... ."""
    code = getattr(exc, "errno", None)
    return errno.errorcode.get(code, type(exc).__name__) if code else type(exc).__name__


def _truthy(value: str | None) -> bool:
    return value is not None and value.strip().lower() not in ("", "0", "false", "no", "off")


# --------------------------------------------------------------------------- the folder


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


def _make_private(path: pathlib.Path) -> os.stat_result:
    """Create ``path`` (mode 0700) unless it is a folder already; its stat."""
    if not path.is_dir():
        path.mkdir(mode=0o700, parents=True, exist_ok=True)
        os.chmod(path, 0o700)  # the umask may have taken bits away; be explicit
    return os.stat(path)


def cache_dir() -> pathlib.Path | None:
    """The folder to cache generated modules in, or None for in-memory generation.

    None when ``S2SAD_NO_CACHE=1``, when the folder cannot be found or created,
    or when it is not private to the current user (a warning says which).
    """
    if _truthy(os.environ.get("S2SAD_NO_CACHE")):
        return None
    configured = os.environ.get("S2SAD_CACHE_DIR")
    try:  # Path.home() fails without $HOME and a passwd entry (containers)
        path = pathlib.Path(configured).expanduser() if configured else default_cache_dir()
        path = path.absolute()
        st = _make_private(path)
    except (OSError, RuntimeError, KeyError) as exc:
        _warn_once("create", configured, f"s2sad: cannot use cache folder "
                   f"{configured or 'in the home folder'} ({exc}); generating in memory. "
                   "Set S2SAD_CACHE_DIR or S2SAD_NO_CACHE=1.")
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


def max_bytes() -> int | None:
    """The size limit of the folder in bytes (``S2SAD_CACHE_MAX_MB``, MiB), None for none.

    Unset or empty: 256 MiB. ``0`` (or less): no limit. Fractions are fine
    (``0.5``). Anything else warns once and uses the default.
    """
    raw = (os.environ.get("S2SAD_CACHE_MAX_MB") or "").strip()
    try:
        mb = float(raw) if raw else _DEFAULT_MAX_MB
        if math.isnan(mb):
            raise ValueError("nan")
    except ValueError:
        _warn_once("config", raw, f"s2sad: S2SAD_CACHE_MAX_MB={raw!r} is not a number of "
                   f"megabytes; using {_DEFAULT_MAX_MB:g}.")
        mb = _DEFAULT_MAX_MB
    return None if mb <= 0 or math.isinf(mb) else int(mb * 2**20)


# --------------------------------------------------------------------------- one entry


def _digest(key: str, body: bytes) -> bytes:
    """What the header carries: binds the body to its key, so a valid entry of
    another key (a copied or misnamed file) fails the check too."""
    h = hashlib.sha256(key.encode("ascii") + b"\0")
    h.update(body)
    return h.hexdigest().encode("ascii")


def _encode(key: str, text: str) -> bytes:
    body = text.encode("utf-8")
    return _HEADER_PREFIX + _digest(key, body) + b"\n" + body


def _decode(key: str, data: bytes) -> str | None:
    """The text of a file's bytes if its header matches ``key`` and its body, else None."""
    header, newline, body = data.partition(b"\n")
    if not newline or not header.startswith(_HEADER_PREFIX):
        return None
    if header[len(_HEADER_PREFIX):].strip() != _digest(key, body):
        return None
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError:
        return None


class _Untrusted(Exception):
    """A cache file that must not be read (why, in the message)."""


def _read_own(path: pathlib.Path) -> bytes | None:
    """The bytes of ``path``: one descriptor, one read. None if missing; raises
    ``_Untrusted`` when the file is not a regular file of ours.

    Touches the file (its mtime is the "last used" that ``_prune`` orders by).
    ``O_NONBLOCK`` keeps a FIFO planted under the name from hanging us.
    """
    try:
        fd = os.open(path, _O_READ)
    except FileNotFoundError:
        return None
    with os.fdopen(fd, "rb") as f:
        st = os.fstat(fd)
        reason = "it is not a regular file" if not stat.S_ISREG(st.st_mode) else _unsafe_reason(st)
        if reason is not None:
            raise _Untrusted(reason)
        data = f.read()
        try:
            os.utime(fd if os.utime in os.supports_fd else path)
        except OSError:  # a read-only folder or file system: hits still work
            pass
    return data


def _read_verified(path: pathlib.Path, key: str) -> str | None:
    """The cached text for ``key`` if the file is ours and passes its check, else None.

    Never raises for I/O: a missing file is a quiet miss; an unreadable,
    foreign or damaged one is a miss with one warning per process and kind.
    """
    try:
        data = _read_own(path)
    except _Untrusted as exc:
        _warn_once("untrusted", path.parent, f"s2sad: not using cache file {path}: {exc}; "
                   "regenerating it.")
        return None
    except OSError as exc:
        _warn_once(f"read:{_fault_kind(exc)}", path.parent, f"s2sad: cannot read cache "
                   f"file {path} ({exc}); generating in memory.")
        return None
    if data is None:
        return None
    text = _decode(key, data)
    if text is None:
        _warn_once("damaged", path.parent, f"s2sad: cache file {path} failed its check "
                   "(damaged, truncated, or another key's); regenerating it.")
    return text


def _unlink_quietly(path: str | pathlib.Path) -> None:
    try:
        os.unlink(path)
    except OSError:
        pass


def _write_atomic(folder: pathlib.Path, path: pathlib.Path, data: bytes) -> None:
    """Put ``data`` at ``path`` whole or not at all: temp file, fsync, ``os.replace``.

    On any error the temporary file is removed and the error propagates.
    """
    import tempfile  # here, not at the top: a process that only reads the cache skips it

    fd, tmp = tempfile.mkstemp(dir=folder, prefix=f".{path.stem}.", suffix=".tmp")
    try:
        try:
            view = memoryview(data)
            while view:
                view = view[os.write(fd, view):]
            os.fsync(fd)
        finally:
            os.close(fd)
        os.replace(tmp, path)
    except BaseException:
        _unlink_quietly(tmp)
        raise


_WRITE_HINTS = {
    "ENOSPC": "the disk is full; free space, lower S2SAD_CACHE_MAX_MB or set S2SAD_NO_CACHE=1",
    "EDQUOT": "the disk quota is used up; lower S2SAD_CACHE_MAX_MB or set S2SAD_NO_CACHE=1",
    "EACCES": "the folder is read-only; entries already there are still used",
    "EPERM": "the folder is read-only; entries already there are still used",
    "EROFS": "the file system is read-only; entries already there are still used",
}


def _save(folder: pathlib.Path, path: pathlib.Path, key: str, text: str) -> None:
    """Write the entry, then keep the folder under its limit. Never raises for I/O."""
    try:
        data = _encode(key, text)
        _write_atomic(folder, path, data)
    except (OSError, UnicodeEncodeError) as exc:
        kind = _fault_kind(exc)
        hint = _WRITE_HINTS.get(kind, "")
        _warn_once(f"write:{kind}", folder, f"s2sad: cannot write to cache folder {folder} "
                   f"({exc}){'; ' + hint if hint else ''}. Generating in memory.")
        return
    _note_write(folder, path, len(data))


# --------------------------------------------------------------------------- the size limit


def _note_write(folder: pathlib.Path, written: pathlib.Path, size: int) -> None:
    """Count a write of ``size`` bytes; estimate the folder's size, and prune, when due.

    Cost, for a folder of n entries: each process keeps a running estimate
    (last measurement + bytes it wrote since), so most writes cost nothing.
    A measurement (``_estimate``: one listing and 32 ``stat`` calls, about
    30 ms for n = 50 000, some 20 times cheaper than a ``stat`` of every entry)
    is due on the process's first write to the folder, every
    ``_RESCAN_EVERY`` writes after (other processes write too), and whenever
    the running estimate passes the limit. Only when the measurement is over
    the limit does ``_prune`` stat every entry; it frees 10% of the limit, so
    that happens once per many builds. The limit is therefore approximate:
    the folder can overshoot by the sampling error and by what other
    processes write between two measurements.
    """
    limit = max_bytes()
    if limit is None:
        return
    with _lock:
        usage = _usage.setdefault(str(folder), _Usage())
        usage.writes += 1
        if usage.estimate is not None:
            usage.estimate += size
            if usage.estimate <= limit and usage.writes < _RESCAN_EVERY:
                return
        usage.writes = 0
    try:
        total: int | None = _estimate(folder)
        if total > limit:
            total = _prune(folder, written, limit)
    except OSError as exc:  # the folder cannot be listed: try again at the next write
        _warn_once(f"prune:{_fault_kind(exc)}", folder, f"s2sad: cannot list cache folder "
                   f"{folder} to keep it under its size limit ({exc}).")
        total = None
    with _lock:
        usage.estimate = total


def _estimate(folder: pathlib.Path) -> int:
    """The bytes in ``folder``'s entries, estimated: their number times the mean
    size of up to ``_SAMPLE`` of them, drawn at random (so that a sample that
    underestimates is not drawn again and again). Exact below ``_SAMPLE`` entries."""
    import random

    names = [n for n in os.listdir(folder) if _ENTRY_RE.match(n)]
    sizes = []
    for name in random.sample(names, min(len(names), _SAMPLE)):
        try:
            sizes.append(os.stat(folder / name).st_size)
        except OSError:  # pruned or replaced meanwhile
            pass
    return len(names) * sum(sizes) // len(sizes) if sizes else 0


def _scan(folder: pathlib.Path) -> list[tuple[float, int, str]]:
    """``(mtime, size, path)`` of every entry in ``folder``; deletes stale temp files.

    Files that vanish while it runs (another process pruned or replaced them)
    are skipped; names that are neither entries nor our temp files are left alone.
    """
    entries, now = [], time.time()
    with os.scandir(folder) as it:
        for e in it:
            entry, temp = _ENTRY_RE.match(e.name), _TEMP_RE.match(e.name)
            try:
                st = e.stat(follow_symlinks=False) if entry or temp else None
            except OSError:
                continue
            if entry and stat.S_ISREG(st.st_mode):
                entries.append((st.st_mtime, st.st_size, e.path))
            elif temp and now - st.st_mtime > _STALE_TEMP_SECONDS:
                _unlink_quietly(e.path)
    return entries


def _prune(folder: pathlib.Path, keep: pathlib.Path, limit: int) -> int:
    """Delete the least recently used entries until the folder is under 90% of ``limit``.

    Returns the bytes left; raises ``OSError`` if the folder cannot be listed.
    Never deletes ``keep`` (the entry just written, even if it alone passes the
    limit). Safe to run in many processes at once: an entry another process
    deleted first counts as gone; one it rewrote just after our scan may be
    deleted, which only costs a rebuild. Entries are touched on every hit, so
    oldest-mtime-first is least-recently-used-first.
    """
    entries = _scan(folder)
    total = sum(size for _, size, _ in entries)
    if total <= limit:
        return total
    target, keep_path = int(limit * _LOW_WATER), str(keep)
    for _, size, path in sorted(entries):
        if total <= target:
            break
        if path == keep_path:
            continue
        try:
            os.unlink(path)
        except FileNotFoundError:
            pass  # another process pruned it first
        except OSError:
            continue
        total -= size
    return total


# --------------------------------------------------------------------------- the entry point


def load_or_build(key: str, build: Callable[[], str]) -> str:
    """The text for ``key``: from the cache if present and intact, else ``build()`` (then saved).

    Never trusts a damaged or foreign file and never fails because of the
    cache: every I/O fault degrades to the built text (with one warning per
    kind of fault). Errors raised by ``build`` itself propagate.
    """
    if not _KEY_RE.match(key):
        raise ValueError(f"invalid cache key {key!r} (expected a hex digest from make_key)")
    folder = cache_dir()
    if folder is None:
        return build()
    path = folder / f"{key}.py"
    cached = _read_verified(path, key)
    if cached is not None:
        return cached
    text = build()
    _save(folder, path, key, text)
    return text


def store(key: str, text: str) -> None:
    """Save ``text`` as the entry for ``key``, replacing what is there (an entry found
    stale by its reader). Like ``load_or_build``, never fails because of the cache."""
    if not _KEY_RE.match(key):
        raise ValueError(f"invalid cache key {key!r} (expected a hex digest from make_key)")
    folder = cache_dir()
    if folder is not None:
        _save(folder, folder / f"{key}.py", key, text)
