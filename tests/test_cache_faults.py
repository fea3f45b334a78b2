"""The disk cache under stress and faults, driven through ``s2sad.grad``.

Concurrent processes, a full disk, a read-only folder, files replaced while
read, and the size limit. Faults must degrade to in-memory generation with one
``S2SADCacheWarning`` per kind, never crash, and never run a foreign module.
"""

from __future__ import annotations

import builtins
import errno
import hashlib
import multiprocessing
import os
import time
import warnings

import numpy as np
import pytest

from s2sad.codegen import cache
from s2sad.codegen.cache import S2SADCacheWarning
from tools import cache_stress
from tools.cache_stress import X, count_builds, expected_gradient

import s2sad

POSIX = hasattr(os, "geteuid")
ROOT = POSIX and os.geteuid() == 0  # permissions do not stop root: simulate instead


@pytest.fixture(autouse=True)
def folder(tmp_path, monkeypatch):
    """A fresh private cache folder for each test, and fresh warn-once and size state."""
    path = tmp_path / "cache"
    monkeypatch.delenv("S2SAD_NO_CACHE", raising=False)
    monkeypatch.delenv("S2SAD_CACHE_MAX_MB", raising=False)
    monkeypatch.setenv("S2SAD_CACHE_DIR", str(path))
    monkeypatch.setattr(cache, "_warned", set())
    monkeypatch.setattr(cache, "_usage", {})
    return path


@pytest.fixture
def functions(tmp_path):
    """``functions()``: a fresh module of f_0 ... f_5 (new objects, so s2sad's
    in-process memo is empty and every ``grad`` goes to the disk cache)."""
    path = cache_stress.write_functions(tmp_path, 6)
    loads = iter(range(1000))
    return lambda: cache_stress.load_functions(path, f"s2sad_fault_functions_{next(loads)}")


def grads(module, *indices: int) -> None:
    """Take ``grad(f_i)(X)`` of each and check it against the closed form."""
    for i in indices:
        np.testing.assert_allclose(s2sad.grad(getattr(module, f"f_{i}"))(X),
                                   expected_gradient(i))


def cache_warnings(record) -> list[str]:
    return [str(w.message) for w in record if issubclass(w.category, S2SADCacheWarning)]


class recorded(warnings.catch_warnings):
    """``with recorded() as messages:``: the cache warnings raised in the block."""

    def __init__(self):
        super().__init__(record=True)

    def __enter__(self):
        self.record = super().__enter__()
        warnings.simplefilter("always")
        self.messages = []
        return self.messages

    def __exit__(self, *exc):
        self.messages += cache_warnings(self.record)
        return super().__exit__(*exc)


def count_builds_in(monkeypatch) -> list[int]:
    """``[n]``: the cache misses from now on in this test (the wrapper is undone after)."""
    monkeypatch.setattr(cache, "load_or_build", cache.load_or_build)
    return count_builds()


def entries(folder) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


# --------------------------------------------------------------------------- concurrency


needs_fork = pytest.mark.skipif("fork" not in multiprocessing.get_all_start_methods(),
                                reason="fork keeps the workers' start-up cheap")


@needs_fork
def test_processes_building_the_same_gradients_at_once_agree():
    start = time.perf_counter()
    report = cache_stress.run_stress(processes=4, keys=5, timeout=60)
    assert report.problems == [], cache_stress.format_report(report)
    assert (report.entries, report.valid, report.temp_files) == (5, 5, 0)
    assert report.rounds[0].builds >= 5 and report.rounds[1].builds == 0
    assert time.perf_counter() - start < 60


@needs_fork
def test_processes_pruning_a_tiny_cache_at_once_still_agree():
    report = cache_stress.run_stress(processes=3, keys=6, max_mb=0.003, timeout=60)
    assert report.problems == [], cache_stress.format_report(report)
    assert 1 <= report.entries < 6


# --------------------------------------------------------------------------- a full disk


def _raise(code: int):
    def fail(*args, **kwargs):
        raise OSError(code, os.strerror(code))
    return fail


@pytest.mark.parametrize("target", [(cache.tempfile, "mkstemp"), (cache.os, "write"),
                                    (cache.os, "fsync"), (cache.os, "replace")],
                         ids=["mkstemp", "write", "fsync", "replace"])
def test_full_disk_degrades_to_memory_with_one_warning(monkeypatch, folder, functions,
                                                       target):
    module = functions()
    with monkeypatch.context() as patch, recorded() as messages:
        patch.setattr(*target, _raise(errno.ENOSPC))
        grads(module, 0, 1, 2)
    assert len(messages) == 1 and "disk is full" in messages[0]
    assert entries(folder) == []  # nothing half-written, no temporary files
    grads(functions(), 3)  # space again: the cache works again
    assert len(entries(folder)) == 1


# --------------------------------------------------------------------------- a read-only folder


@pytest.mark.parametrize("how", ["chmod", "EROFS"])
def test_read_only_folder_still_serves_hits_and_warns_once(monkeypatch, folder, functions,
                                                           how):
    grads(functions(), 0)  # one entry on disk
    os.chmod(folder, 0o500)
    if how == "EROFS":
        monkeypatch.setattr(cache.tempfile, "mkstemp", _raise(errno.EROFS))
        monkeypatch.setattr(cache.os, "utime", _raise(errno.EROFS))
    elif ROOT:
        monkeypatch.setattr(cache.tempfile, "mkstemp", _raise(errno.EACCES))
    try:
        module, builds = functions(), count_builds_in(monkeypatch)
        with recorded() as messages:
            grads(module, 0, 1, 2, 3)
    finally:
        os.chmod(folder, 0o700)
    assert builds[0] == 3  # f_0 came from disk
    assert len(messages) == 1 and "read-only" in messages[0], messages
    assert len(entries(folder)) == 1


# --------------------------------------------------------------------------- a file replaced


FOREIGN = b"import builtins\nbuiltins.S2SAD_FOREIGN_RAN = True\n\ndef f_0_grad(x):\n    return x\n"


def _self_consistent(body: bytes) -> bytes:
    """A header that hashes the body but not the key: a plausible file, not this key's."""
    return b"# s2sad-cache v2 sha256=" + hashlib.sha256(body).hexdigest().encode() + b"\n" + body


def _swap(path, data: bytes) -> None:
    other = path.with_name(".planted.tmp")
    other.write_bytes(data)
    os.replace(other, path)


# (when, what): "before" the reader opens the file, or "after" (it holds the descriptor)
REPLACEMENTS = {
    # another process renames a file onto the name between our miss check and our read
    "foreign-renamed-in": ("before", lambda path, fd: _swap(path, _self_consistent(FOREIGN))),
    "old-format-renamed-in": ("before", lambda path, fd: _swap(path, FOREIGN)),
    # a non-atomic writer rewrites the file in place while we read it
    "truncated-while-read": ("after", lambda path, fd: os.truncate(path, os.fstat(fd).st_size // 2)),
    "overwritten-while-read": ("after", lambda path, fd: path.write_bytes(FOREIGN * 3)),
}


def _racing_open(path, when, replace):
    """``os.open`` that lets another "process" replace ``path`` around its first opening."""
    real_open, done = os.open, []

    def racing_open(file, flags, *args, **kwargs):
        if str(file) != str(path) or done:
            return real_open(file, flags, *args, **kwargs)
        done.append(True)
        if when == "before":
            replace(path, None)
        fd = real_open(file, flags, *args, **kwargs)
        if when == "after":
            replace(path, fd)
        return fd

    return racing_open


@pytest.mark.parametrize("when, replace", REPLACEMENTS.values(), ids=REPLACEMENTS.keys())
def test_file_replaced_while_read_is_rebuilt_not_executed(monkeypatch, folder, functions,
                                                          when, replace):
    grads(functions(), 0)
    [name] = entries(folder)
    path = folder / name
    monkeypatch.setattr(cache.os, "open", _racing_open(path, when, replace))
    module = functions()
    counted = count_builds_in(monkeypatch)
    with recorded() as messages:
        grads(module, 0)
    assert not vars(builtins).pop("S2SAD_FOREIGN_RAN", False)
    assert counted[0] == 1
    assert len(messages) == 1 and "failed its check" in messages[0], messages
    assert b"S2SAD_FOREIGN_RAN" not in path.read_bytes()
    assert cache._read_verified(path, name[:-3]) is not None  # rewritten, valid again


def test_failing_disk_warns_once_per_kind_of_fault(monkeypatch, folder, functions):
    grads(functions(), 0, 1)
    monkeypatch.setattr(cache.os, "open", _raise(errno.EIO))  # reads and temp files fail
    with recorded() as messages:
        grads(functions(), 0, 1, 2, 3)
    assert len(messages) == 2, messages
    assert "cannot read cache file" in messages[0] and "cannot write" in messages[1]


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="POSIX FIFOs")
def test_fifo_under_an_entry_name_neither_hangs_nor_runs(folder, functions):
    grads(functions(), 0)
    [name] = entries(folder)
    os.unlink(folder / name)
    os.mkfifo(folder / name, 0o600)  # opening it for reading would block without O_NONBLOCK
    with recorded() as messages:
        grads(functions(), 0)
    assert len(messages) == 1 and "not a regular file" in messages[0]
    assert cache._read_verified(folder / name, name[:-3]) is not None  # replaced by an entry


# --------------------------------------------------------------------------- the size limit


def _age(folder, name: str, seconds_ago: float) -> None:
    t = time.time() - seconds_ago
    os.utime(folder / name, (t, t))


def test_size_limit_prunes_least_recently_used_first(monkeypatch, folder, functions):
    module = functions()
    order = []
    for i in range(3):  # f_0, f_1, f_2 written an hour, 50 and 40 minutes ago
        grads(module, i)
        [new] = set(entries(folder)) - set(order)
        order.append(new)
        _age(folder, new, 3600 - 600 * i)
    grads(functions(), 0)  # a hit touches f_0: now f_1 is the least recently used
    size = max((folder / n).stat().st_size for n in order)
    monkeypatch.setenv("S2SAD_CACHE_MAX_MB", repr(3.5 * size / 2**20))
    grads(module, 3)  # 4 entries > 3.5: prune to 90% of the limit, so one goes
    left = entries(folder)
    assert len(left) == 3 and order[1] not in left and {order[0], order[2]} <= set(left)


def test_limit_below_one_entry_keeps_the_entry_just_written(monkeypatch, folder, functions):
    monkeypatch.setenv("S2SAD_CACHE_MAX_MB", "0.0001")  # about 100 bytes
    module = functions()
    for i in range(4):
        with recorded() as messages:
            grads(module, i)
        assert messages == []
        assert len(entries(folder)) == 1


def test_limit_from_the_environment(monkeypatch):
    assert cache.max_bytes() == 256 * 2**20
    for raw, expected in [("0", None), ("-1", None), ("inf", None), ("0.5", 2**19),
                          (" 2 ", 2 * 2**20), ("", 256 * 2**20)]:
        monkeypatch.setenv("S2SAD_CACHE_MAX_MB", raw)
        assert cache.max_bytes() == expected, raw
    with recorded() as messages:
        for raw in ["lots", "lots", "nan"]:
            monkeypatch.setenv("S2SAD_CACHE_MAX_MB", raw)
            assert cache.max_bytes() == 256 * 2**20
    assert len(messages) == 2 and "not a number" in messages[0]


def test_folder_is_measured_on_first_write_then_every_64_writes_and_scanned_when_over(
        monkeypatch):
    calls = []
    for name in ("_estimate", "_scan"):
        real = getattr(cache, name)
        monkeypatch.setattr(cache, name, lambda folder, n=name, f=real: calls.append(n) or f(folder))
    for i in range(cache._RESCAN_EVERY + 1):
        cache.load_or_build(cache.make_key("scan", str(i)), lambda: "x = 1\n")
    assert calls == ["_estimate"] * 2  # the limit is far away: no stat of every entry
    monkeypatch.setenv("S2SAD_CACHE_MAX_MB", "0.0001")
    cache.load_or_build(cache.make_key("scan", "over"), lambda: "x = 1\n" * 100)
    assert calls[2:] == ["_estimate", "_scan"]


def test_estimate_is_exact_for_a_small_folder_and_close_for_a_big_one(folder):
    folder.mkdir()
    for i in range(200):
        (folder / f"{cache.make_key(str(i))}.py").write_bytes(b"x" * (1000 + 10 * (i % 3)))
    exact = sum(p.stat().st_size for p in folder.iterdir())
    assert abs(cache._estimate(folder) - exact) < 0.01 * exact
    (folder / "notes.txt").write_text("not an entry" * 1000)
    for p in list(folder.iterdir())[:190]:
        p.unlink(missing_ok=True)
    assert cache._estimate(folder) == sum(p.stat().st_size for p in folder.iterdir()
                                          if p.suffix == ".py")


def test_no_limit_never_measures(monkeypatch):
    monkeypatch.setenv("S2SAD_CACHE_MAX_MB", "0")
    monkeypatch.setattr(cache, "_estimate", _raise(errno.EIO))
    for i in range(3):
        cache.load_or_build(cache.make_key("unbounded", str(i)), lambda: "x = 1\n")


def test_folder_that_cannot_be_listed_warns_once_and_still_caches(monkeypatch, folder):
    with monkeypatch.context() as patch, recorded() as messages:
        patch.setattr(cache.os, "listdir", _raise(errno.EIO))
        for i in range(3):
            assert cache.load_or_build(cache.make_key("l", str(i)), lambda: "x = 1\n") == "x = 1\n"
    assert len(messages) == 1 and "size limit" in messages[0]
    assert len(entries(folder)) == 3


def test_prune_tolerates_vanishing_files_and_cleans_stale_temp_files(monkeypatch, folder):
    monkeypatch.setenv("S2SAD_CACHE_MAX_MB", "0")
    keys = [cache.make_key("p", str(i)) for i in range(4)]
    for i, key in enumerate(keys):
        cache.load_or_build(key, lambda: "x = 1\n" * 100)
        _age(folder, f"{key}.py", 1000 - i)
    (folder / f".{keys[0]}.abc.tmp").write_text("left by a writer that died")
    _age(folder, f".{keys[0]}.abc.tmp", 2 * 3600)
    (folder / f".{keys[1]}.def.tmp").write_text("a writer at work")
    (folder / "notes.txt").write_text("not ours to delete")
    real_scan = cache._scan

    def scan_then_vanish(path):  # another process prunes the two oldest meanwhile
        found = real_scan(path)
        for name in keys[:2]:
            os.unlink(folder / f"{name}.py")
        return found

    monkeypatch.setattr(cache, "_scan", scan_then_vanish)
    size = (folder / f"{keys[3]}.py").stat().st_size
    left = cache._prune(folder, folder / f"{keys[3]}.py", int(2.5 * size))  # 4 > 2.5 entries
    assert left == 2 * size
    assert entries(folder) == sorted([f".{keys[1]}.def.tmp", f"{keys[2]}.py", f"{keys[3]}.py",
                                      "notes.txt"])
