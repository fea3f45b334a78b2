"""The disk cache: hits, misses, damaged files, private folders, concurrent writers."""

from __future__ import annotations

import hashlib
import multiprocessing
import os
import stat
import sys
import threading
import warnings

import pytest

from s2sad.codegen import cache
from s2sad.codegen.cache import S2SADCacheWarning, cache_dir, load_or_build, make_key

POSIX = hasattr(os, "geteuid")
SOURCE = 'def f_grad(x):\n    """grad of f."""\n    return 2.0 * x  # é, non-ASCII survives\n'


@pytest.fixture(autouse=True)
def _private_cache(tmp_path, monkeypatch):
    monkeypatch.delenv("S2SAD_NO_CACHE", raising=False)
    monkeypatch.setenv("S2SAD_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setattr(cache, "_warned", set())
    monkeypatch.setattr(cache, "_usage", {})


class Builder:
    def __init__(self, text: str = SOURCE):
        self.text, self.calls = text, 0

    def __call__(self) -> str:
        self.calls += 1
        return self.text


def cache_warnings(record) -> list:
    return [w for w in record if issubclass(w.category, S2SADCacheWarning)]


def entry(key: str):
    return cache_dir() / f"{key}.py"


def header(key: str, body: bytes) -> bytes:
    """The first line of a valid entry: the SHA-256 of the key, a NUL, and the body."""
    return b"# s2sad-cache v2 sha256=" + hashlib.sha256(key.encode() + b"\0" + body).hexdigest().encode()


def test_make_key_is_sha256_hex_and_unambiguous():
    k = make_key("ab", "c")
    assert len(k) == 64 and int(k, 16) >= 0
    assert k == make_key("ab", "c")
    assert k != make_key("a", "bc")
    assert make_key("a", "") != make_key("a")
    assert make_key("x") != make_key("y")


def test_miss_then_hit_builds_once():
    key, build = make_key("f", "grad"), Builder()
    assert load_or_build(key, build) == SOURCE
    assert load_or_build(key, build) == SOURCE
    assert build.calls == 1
    first_line = entry(key).read_bytes().split(b"\n", 1)[0]
    assert first_line.startswith(b"# s2sad-cache v2 sha256=")


def test_header_hashes_the_key_and_the_rest_of_the_file():
    key = make_key("f")
    load_or_build(key, Builder())
    first, body = entry(key).read_bytes().split(b"\n", 1)
    assert first == header(key, body)
    assert body.decode("utf-8") == SOURCE


def test_different_keys_do_not_collide():
    a, b = Builder("a = 1\n"), Builder("b = 2\n")
    assert load_or_build(make_key("a"), a) == "a = 1\n"
    assert load_or_build(make_key("b"), b) == "b = 2\n"
    assert (a.calls, b.calls) == (1, 1)


@pytest.mark.parametrize("damage", [
    pytest.param(lambda d: d[:-10], id="truncated"),
    pytest.param(lambda d: d.split(b"\n", 1)[0][:30], id="truncated-header"),
    pytest.param(lambda d: d.replace(b"2.0 * x", b"9.0 * x"), id="body-changed"),
    pytest.param(lambda d: b"# s2sad-cache v2 sha256=" + b"0" * 64 + b"\n" + d.split(b"\n", 1)[1],
                 id="header-mismatch"),
    pytest.param(lambda d: (b"# s2sad-cache v1 sha256=" + hashlib.sha256(d.split(b"\n", 1)[1])
                            .hexdigest().encode() + b"\n" + d.split(b"\n", 1)[1]),
                 id="old-format-v1"),
    pytest.param(lambda d: d.split(b"\n", 1)[1], id="header-missing"),
    pytest.param(lambda d: b"", id="empty"),
    pytest.param(lambda d: b"\xff\xfe\x00garbage" * 20, id="garbage"),
])
def test_damaged_file_is_regenerated(damage):
    key = make_key("f", "damaged")
    load_or_build(key, Builder())
    path = entry(key)
    path.write_bytes(damage(path.read_bytes()))
    build = Builder()
    with warnings.catch_warnings(record=True) as record:
        warnings.simplefilter("always")
        assert load_or_build(key, build) == SOURCE
    assert build.calls == 1
    assert len(cache_warnings(record)) == 1 and "failed its check" in str(record[0].message)
    # ... and rewritten, so the next call is a hit again.
    again = Builder()
    assert load_or_build(key, again) == SOURCE
    assert again.calls == 0


def test_valid_header_but_undecodable_body_is_regenerated():
    key = make_key("f", "undecodable")
    body = b"x = '\xff\xfe'\n"
    cache_dir().joinpath(f"{key}.py").write_bytes(header(key, body) + b"\n" + body)
    build = Builder()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", S2SADCacheWarning)
        assert load_or_build(key, build) == SOURCE
    assert build.calls == 1


def test_valid_entry_of_another_key_is_regenerated():
    a, b = make_key("a"), make_key("b")
    load_or_build(a, Builder("a = 1\n"))
    entry(b).write_bytes(entry(a).read_bytes())  # a copied or misnamed file: valid, wrong key
    build = Builder("b = 2\n")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", S2SADCacheWarning)
        assert load_or_build(b, build) == "b = 2\n"
    assert build.calls == 1
    assert cache._read_verified(entry(b), b) == "b = 2\n"


def test_no_cache_env_builds_in_memory(tmp_path, monkeypatch):
    monkeypatch.setenv("S2SAD_NO_CACHE", "1")
    assert cache_dir() is None
    key, build = make_key("f"), Builder()
    assert load_or_build(key, build) == SOURCE
    assert load_or_build(key, build) == SOURCE
    assert build.calls == 2
    assert not (tmp_path / "cache").exists()


@pytest.mark.skipif(not POSIX, reason="POSIX permissions")
def test_folder_is_created_private(tmp_path, monkeypatch):
    target = tmp_path / "deep" / "er" / "cache"
    monkeypatch.setenv("S2SAD_CACHE_DIR", str(target))
    old = os.umask(0o000)  # even with a permissive umask
    try:
        assert cache_dir() == target
    finally:
        os.umask(old)
    assert stat.S_IMODE(target.stat().st_mode) == 0o700
    load_or_build(make_key("f"), Builder())
    assert [p.name for p in target.iterdir()] == [f"{make_key('f')}.py"]  # no temp files left


@pytest.mark.skipif(not POSIX, reason="POSIX permissions")
@pytest.mark.parametrize("mode", [0o777, 0o775, 0o1777, 0o722])
def test_folder_others_can_write_is_refused_with_one_warning(tmp_path, monkeypatch, mode):
    shared = tmp_path / "shared"
    shared.mkdir()
    os.chmod(shared, mode)
    monkeypatch.setenv("S2SAD_CACHE_DIR", str(shared))
    with warnings.catch_warnings(record=True) as record:
        warnings.simplefilter("always")
        assert cache_dir() is None
        build = Builder()
        assert load_or_build(make_key("f"), build) == SOURCE
        assert load_or_build(make_key("f"), build) == SOURCE
    assert build.calls == 2
    found = cache_warnings(record)
    assert len(found) == 1
    assert "writable by group or others" in str(found[0].message)
    assert list(shared.iterdir()) == []  # nothing written there


@pytest.mark.skipif(not POSIX, reason="POSIX ownership")
def test_folder_owned_by_someone_else_is_refused(tmp_path, monkeypatch):
    monkeypatch.setattr(cache.os, "geteuid", lambda: os.getuid() + 12345)
    with warnings.catch_warnings(record=True) as record:
        warnings.simplefilter("always")
        assert cache_dir() is None
        assert cache_dir() is None
    found = cache_warnings(record)
    assert len(found) == 1 and "owned by" in str(found[0].message)


def test_folder_that_cannot_be_created_warns_once(tmp_path, monkeypatch):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    monkeypatch.setenv("S2SAD_CACHE_DIR", str(blocker / "cache"))
    with warnings.catch_warnings(record=True) as record:
        warnings.simplefilter("always")
        assert cache_dir() is None
        assert load_or_build(make_key("f"), Builder()) == SOURCE
    assert len(cache_warnings(record)) == 1


def test_write_error_still_returns_source_and_warns_once(monkeypatch):
    def broken_replace(src, dst):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(cache.os, "replace", broken_replace)
    with warnings.catch_warnings(record=True) as record:
        warnings.simplefilter("always")
        assert load_or_build(make_key("a"), Builder()) == SOURCE
        assert load_or_build(make_key("b"), Builder()) == SOURCE
    assert len(cache_warnings(record)) == 1
    assert list(cache_dir().iterdir()) == []  # the temp files were removed


def test_build_errors_propagate_and_leave_nothing():
    def build():
        raise RuntimeError("compiler says no")

    with pytest.raises(RuntimeError, match="compiler says no"):
        load_or_build(make_key("f"), build)
    assert list(cache_dir().iterdir()) == []


def test_invalid_key_is_rejected():
    with pytest.raises(ValueError):
        load_or_build("../../etc/evil", Builder())


def test_default_folder_follows_xdg_on_linux(tmp_path, monkeypatch):
    monkeypatch.delenv("S2SAD_CACHE_DIR")
    monkeypatch.setattr(sys, "platform", "linux")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert cache.default_cache_dir() == tmp_path / "xdg" / "s2sad"
    monkeypatch.setenv("XDG_CACHE_HOME", "relative/is/ignored")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert cache.default_cache_dir() == tmp_path / "home" / ".cache" / "s2sad"


def test_default_folder_on_macos_and_windows(tmp_path, monkeypatch):
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.setattr(sys, "platform", "darwin")
    assert cache.default_cache_dir() == tmp_path / "home" / "Library" / "Caches" / "s2sad"
    monkeypatch.setattr(sys, "platform", "win32")
    monkeypatch.setenv("LOCALAPPDATA", str(tmp_path / "local"))
    assert cache.default_cache_dir() == tmp_path / "local" / "s2sad"


# --------------------------------------------------------------------------- concurrency

N_WRITERS = 16


def test_concurrent_threads_same_key_all_succeed():
    key = make_key("f", "threads")
    barrier = threading.Barrier(N_WRITERS)
    results, errors = [], []

    def build():
        barrier.wait(timeout=30)  # every writer misses, then all write at once
        return SOURCE

    def work():
        try:
            results.append(load_or_build(key, build))
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=work) for _ in range(N_WRITERS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert results == [SOURCE] * N_WRITERS
    assert cache._read_verified(entry(key), key) == SOURCE
    assert [p.name for p in cache_dir().iterdir()] == [f"{key}.py"]


def _process_writer(key, barrier, queue):
    def build():
        barrier.wait(timeout=60)
        return SOURCE * 200  # a bigger file makes torn writes likelier, were they possible

    try:
        for _ in range(5):
            assert load_or_build(key, build if _ == 0 else (lambda: SOURCE * 200)) == SOURCE * 200
        queue.put("ok")
    except BaseException as exc:  # pragma: no cover - reported by the parent
        queue.put(repr(exc))


@pytest.mark.skipif("fork" not in multiprocessing.get_all_start_methods(),
                    reason="needs fork to share the barrier cheaply")
def test_concurrent_processes_same_key_all_succeed():
    ctx = multiprocessing.get_context("fork")
    key = make_key("f", "processes")
    n = 8
    barrier, queue = ctx.Barrier(n), ctx.Queue()
    procs = [ctx.Process(target=_process_writer, args=(key, barrier, queue)) for _ in range(n)]
    for p in procs:
        p.start()
    outcomes = [queue.get(timeout=120) for _ in procs]
    for p in procs:
        p.join(timeout=60)
    assert outcomes == ["ok"] * n
    assert all(p.exitcode == 0 for p in procs)
    assert cache._read_verified(entry(key), key) == SOURCE * 200
    assert [p.name for p in cache_dir().iterdir()] == [f"{key}.py"]
