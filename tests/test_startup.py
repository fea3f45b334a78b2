"""Start-up (issue 10): ``import s2sad`` loads no compiler, a warm disk cache is read
without parsing, and the quick path never serves a stale module.

The quick path (``pipeline.generate``) keys a cache entry by a walk of what the function
reaches by name, and checks the entry's manifest (the line spans of every source read)
before loading it. These tests build in one "process" (a fresh module object, so the
in-process memo is empty) and read in the next, changing what a real user changes in
between: a callee's text, a rebound helper, a constant, a global array, a closure.
"""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest

import s2sad
from s2sad import api, pipeline
from s2sad.codegen import cache
from test_cache_faults import folder  # noqa: F401  (autouse: a private cache folder per test)

ROOT = Path(__file__).resolve().parents[1]
X = np.array([0.1, 0.2, 0.3])


@pytest.fixture
def builds(monkeypatch) -> list:
    """The functions the full path (parse, lower, emit) ran for, from now on."""
    seen, real = [], pipeline._build

    def counting(fn, spec, *args, **kwargs):
        seen.append(getattr(fn, "__name__", fn))
        return real(fn, spec, *args, **kwargs)

    monkeypatch.setattr(pipeline, "_build", counting)
    return seen


def fresh(path: Path):
    """A new module object from ``path``: new function objects, as in a new process."""
    spec = importlib.util.spec_from_file_location(path.stem, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def write(path: Path, text: str) -> Path:
    """Write ``text`` and move the file's mtime on, so every reader sees the new text."""
    old = path.stat().st_mtime_ns if path.exists() else 0
    path.write_text(textwrap.dedent(text))
    os.utime(path, ns=(old + 10**9, old + 10**9))
    return path


MODEL = """\
    import numpy as np

    SCALE = {scale!r}
    W = np.array({w!r})


    def helper(v):
        return {helper}


    def loss(x):
        return np.sum(helper(x) * W) + SCALE * np.sum(x * x)
"""


def model(tmp_path, scale=0.5, w=(1.0, 2.0, 3.0), helper="np.sin(v)"):
    return write(tmp_path / "model.py", MODEL.format(scale=scale, w=list(w), helper=helper))


def expected(scale, w, d_helper):
    return d_helper(X) * np.array(w) + 2 * scale * X


# --------------------------------------------------------------------------- in one process


def test_a_warm_entry_is_loaded_without_building(tmp_path, folder, builds):
    path = model(tmp_path)
    np.testing.assert_allclose(s2sad.grad(fresh(path).loss)(X), expected(0.5, (1, 2, 3), np.cos))
    assert builds == ["loss"]
    np.testing.assert_allclose(s2sad.grad(fresh(path).loss)(X), expected(0.5, (1, 2, 3), np.cos))
    assert builds == ["loss"]  # the second "process" read the cache
    assert len(list(folder.iterdir())) == 1  # one file per gradient, manifest inside


def test_a_changed_callee_is_rebuilt_never_served_stale(tmp_path, builds):
    path = model(tmp_path)
    s2sad.grad(fresh(path).loss)(X)
    model(tmp_path, helper="np.sin(v) * v")  # same lines, another body
    got = s2sad.grad(fresh(path).loss)(X)
    np.testing.assert_allclose(got, expected(0.5, (1, 2, 3), lambda v: np.cos(v) * v + np.sin(v)))
    assert builds == ["loss", "loss"]
    model(tmp_path)  # and back: the first entry is right again (the code is in the key)
    np.testing.assert_allclose(s2sad.grad(fresh(path).loss)(X), expected(0.5, (1, 2, 3), np.cos))
    assert builds == ["loss"] * 2


def test_an_inlined_constant_that_changed_is_rebuilt(tmp_path, builds):
    path = model(tmp_path)
    s2sad.grad(fresh(path).loss)(X)
    model(tmp_path, scale=2.0)
    np.testing.assert_allclose(s2sad.grad(fresh(path).loss)(X), expected(2.0, (1, 2, 3), np.cos))
    assert builds == ["loss", "loss"]


def test_global_arrays_are_read_afresh_on_the_quick_path(tmp_path, builds):
    """A global array is an argument of the generated module, not part of its text: new
    values (same dtype and shape) reuse the entry, bound to the new array."""
    path = model(tmp_path)
    s2sad.grad(fresh(path).loss)(X)
    model(tmp_path, w=(-1.0, 0.5, 4.0))
    np.testing.assert_allclose(s2sad.grad(fresh(path).loss)(X), expected(0.5, (-1, 0.5, 4), np.cos))
    assert builds == ["loss"]


def test_an_inlined_tuple_is_a_value_of_the_key(tmp_path, builds):
    text = """\
        import numpy as np

        COEFFS = {!r}


        def loss(x):
            return COEFFS[0] * np.sum(x * x) + COEFFS[1] * np.sum(x)
    """
    path = write(tmp_path / "coeffs.py", text.format((0.5, 2.0)))
    for coeffs, built in (((0.5, 2.0), 1), ((0.5, 2.0), 1), ((1.5, -1.0), 2)):
        write(path, text.format(coeffs))
        np.testing.assert_allclose(s2sad.grad(fresh(path).loss)(X), 2 * coeffs[0] * X + coeffs[1])
        assert len(builds) == built


REBOUND = """\
    import os

    import numpy as np


    def smooth(v):
        return np.tanh(v)


    def rough(v):
        return v * v


    act = smooth if os.environ.get("S2SAD_TEST_ACT") == "smooth" else rough


    def loss(x):
        return np.sum(act(x))
"""


def test_a_rebound_helper_is_followed_though_no_file_changed(tmp_path, monkeypatch, builds):
    path = write(tmp_path / "rebound.py", REBOUND)
    monkeypatch.setenv("S2SAD_TEST_ACT", "smooth")
    np.testing.assert_allclose(s2sad.grad(fresh(path).loss)(X), 1 - np.tanh(X) ** 2)
    monkeypatch.setenv("S2SAD_TEST_ACT", "rough")
    np.testing.assert_allclose(s2sad.grad(fresh(path).loss)(X), 2 * X)
    monkeypatch.setenv("S2SAD_TEST_ACT", "smooth")
    np.testing.assert_allclose(s2sad.grad(fresh(path).loss)(X), 1 - np.tanh(X) ** 2)
    assert builds == ["loss", "loss"]  # the third found the first's entry


SHAPES = """\
    import os

    import numpy as np

    A = float(os.environ.get("S2SAD_TEST_A", "2.0"))


    def make(a):
        def loss(x):
            return a * np.sum(x * x)
        return loss


    class Model:
        def __init__(self, s):
            self.s = s

        def loss(self, x):
            return self.s * np.sum(x ** 3)


    closure = make(A)
    method = Model(A).loss
    lam = lambda x: np.sum(np.sin(x)) * A  # noqa: E731
"""


@pytest.mark.parametrize("name, d", [
    ("closure", lambda a: 2 * a * X), ("method", lambda a: 3 * a * X ** 2),
    ("lam", lambda a: a * np.cos(X))])
def test_closures_methods_and_lambdas(tmp_path, monkeypatch, builds, name, d):
    path = write(tmp_path / "shapes.py", SHAPES)
    for a, built in ((2.0, 1), (2.0, 1), (3.0, 2)):
        monkeypatch.setenv("S2SAD_TEST_A", str(a))
        np.testing.assert_allclose(s2sad.grad(getattr(fresh(path), name))(X), d(a))
        assert len(builds) == built


def test_hessian_of_a_warm_gradient_is_warm(tmp_path, builds):
    path = model(tmp_path)
    want = np.diag(-np.sin(X) * [1, 2, 3] + 1.0)
    np.testing.assert_allclose(s2sad.hessian(fresh(path).loss)(X), want, atol=1e-12)
    count = len(builds)
    np.testing.assert_allclose(s2sad.hessian(fresh(path).loss)(X), want, atol=1e-12)
    assert len(builds) == count


def test_lambdas_on_one_line_that_differ_only_in_a_method_name(tmp_path, builds):
    """Same file, line, name, bytecode and constants: only the names the code uses tell
    ``x.mean()`` from ``x.std()``."""
    path = write(tmp_path / "pair.py", """\
        f, g = (lambda x: x.mean()), (lambda x: x.std())
    """)
    np.testing.assert_allclose(s2sad.grad(fresh(path).f)(X), np.ones(3) / 3)
    np.testing.assert_allclose(s2sad.grad(fresh(path).g)(X), (X - X.mean()) / (3 * X.std()))
    assert builds == ["<lambda>", "<lambda>"]


def test_the_quick_key_does_not_depend_on_the_hash_seed(tmp_path):
    """Sets of strings iterate in an order that follows ``PYTHONHASHSEED``: the walk must
    not, or every process would miss (and write an entry of its own)."""
    write(tmp_path / "seeded.py", """\
        import numpy as np

        NAMES = {"alpha": 1.0, "beta": 2.0}


        def loss(x, kind="alpha"):
            scale = 2.0 if kind in {"alpha", "beta", "gamma", "delta"} else 1.0
            return scale * sum(np.sum(x * v) for v in NAMES.values())
    """)
    code = ("import sys; sys.path.insert(0, sys.argv[1]); import seeded; "
            "from s2sad import pipeline; print(pipeline._walk_or_none(seeded.loss).digest)")
    digests = {subprocess.run([sys.executable, "-c", code, str(tmp_path)], check=True,
                              capture_output=True, text=True, timeout=300,
                              env=dict(os.environ, PYTHONHASHSEED=seed)).stdout
               for seed in ("1", "2", "3")}
    assert len(digests) == 1


def test_a_damaged_manifest_rebuilds(tmp_path, folder, builds):
    path = model(tmp_path)
    s2sad.grad(fresh(path).loss)(X)
    [entry] = folder.iterdir()
    key = entry.stem
    text = cache._read_verified(entry, key)
    first, rest = text.split("\n", 1)
    for broken in ("# s2sad-manifest {'key': ", first.replace("'spans': [[", "'spans': [[1, ")):
        cache.store(key, broken + "\n" + rest)  # a valid entry of this key, a bad manifest
        np.testing.assert_allclose(s2sad.grad(fresh(path).loss)(X),
                                   expected(0.5, (1, 2, 3), np.cos))
    assert builds == ["loss"] * 3
    assert cache._read_verified(entry, key).split("\n", 1)[0] == first  # repaired


INLINE = """\
    import numpy as np

    import s2sad


    def inner(x):
        return np.sum(np.sin(x))


    def loss(x):
        g = s2sad.grad(inner)(x)
        return np.sum(g * g)
"""


def test_what_the_walk_cannot_vouch_for_takes_the_full_path_and_reuses_the_text(
        tmp_path, monkeypatch, builds):
    """A transform built inside the body is code the walk does not see: such an entry has no
    spans, so each process lowers again, and reuses the cached text when its key is the
    same (as the cache did before the quick path)."""
    path = write(tmp_path / "inline.py", INLINE)
    emitted, real = [], pipeline.emit
    monkeypatch.setattr(pipeline, "emit", lambda *a: emitted.append(a[2]) or real(*a))
    for _ in range(2):
        np.testing.assert_allclose(s2sad.grad(fresh(path).loss)(X), -np.sin(2 * X))
    assert builds.count("loss") == 2 and emitted.count("loss_grad") == 1


def test_a_function_that_uses_its_own_gradient_is_refused_not_recursed_forever(tmp_path):
    path = write(tmp_path / "selfref.py", """\
        import numpy as np

        import s2sad


        def f(x):
            return np.sum(x * x) + 0.0 * np.sum(gf(x))


        gf = s2sad.grad(f)
    """)
    with pytest.raises(s2sad.DifferentiationError, match="uses its own grad"):
        fresh(path).gf(X)


def test_no_cache_builds_in_memory(tmp_path, monkeypatch, folder, builds):
    monkeypatch.setenv("S2SAD_NO_CACHE", "1")
    path = model(tmp_path)
    np.testing.assert_allclose(s2sad.grad(fresh(path).loss)(X), expected(0.5, (1, 2, 3), np.cos))
    assert not folder.exists()


# --------------------------------------------------------------------------- the call path


def test_plain_signatures_are_the_kinds_signature_of_gives():
    """``api`` keys code by plain values (no compiler import); ``pipeline.kinds`` turns
    them into kinds through example values. They must agree with ``signature_of`` on the
    argument itself, whatever its sizes."""
    from s2sad.transforms.specialize import signature_of

    values = [1.5, 3, True, np.float64(2.0), np.array(2.0), np.ones(7), np.ones((1, 5)),
              np.ones((4, 1, 3), np.float32), np.arange(6).reshape(2, 3), np.ones(0),
              np.ones((2, 2), bool), np.ones(3, np.complex128), [np.ones(2)], "text"]
    for v in values:
        assert pipeline.kinds(api._plain_signature((v,))) == (signature_of(v),), v


def test_call_memo_is_keyed_by_shape_and_dtype_not_by_size():
    def f(x):
        return np.sum(x * x)

    g = s2sad.grad(f)
    for n in (2, 3, 5):
        np.testing.assert_allclose(g(np.ones(n)), 2 * np.ones(n))
    assert len(g._specialized) == 1 and len(g._by_key) == 3
    assert g.specialized_entry((np.ones(4),), {}) is g.specialized_entry((np.ones(2),), {})
    assert g.specialized_entry((np.ones((2, 1)),), {}) is not g.specialized_entry(
        (np.ones(2),), {})
    g32 = g(np.ones(3, np.float32))
    assert g32.dtype == np.float32
    for bad in (np.ones(3, int), 3, True):  # a remembered call never skips another's checks
        with pytest.raises(TypeError, match="floating point"):
            g(bad)


# --------------------------------------------------------------------------- fresh processes

CHILD = """\
import json, sys
import numpy as np
import s2sad
after_import = sorted(m for m in sys.modules if m.split(".")[0] in ("libcst", "black")
                      or m.startswith(("s2sad.frontend", "s2sad.rules.", "s2sad.transforms")))
import model
x = np.array([0.1, 0.2, 0.3])
g = s2sad.grad(model.loss)(x)
print(json.dumps({"after_import": after_import, "g": g.tolist(),
                  "libcst": "libcst" in sys.modules, "black": "black" in sys.modules}))
"""


def _child(tmp_path, folder) -> dict:
    env = dict(os.environ, S2SAD_CACHE_DIR=str(folder),
               PYTHONPATH=os.pathsep.join([str(tmp_path), str(ROOT)]))
    out = subprocess.run([sys.executable, "-c", CHILD], cwd=tmp_path, env=env, check=True,
                         capture_output=True, text=True, timeout=600)
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_fresh_processes_import_no_compiler_and_see_an_edited_callee(tmp_path, folder):
    """``import s2sad`` loads neither libcst nor black nor the rules; a warm call in a fresh
    process does not either; a callee edited between two processes is rebuilt. This cold
    build needs no black: the printer wrote every line as black would."""
    write(tmp_path / "helpers.py", """\
        import numpy as np


        def helper(v):
            return np.sin(v)
    """)
    write(tmp_path / "model.py", """\
        import numpy as np

        from helpers import helper


        def loss(x):
            return np.sum(helper(x)) + 0.5 * np.sum(x * x)
    """)
    cold = _child(tmp_path, folder)
    assert cold["after_import"] == [] and cold["libcst"]
    assert not cold["black"]  # every line printed as black writes it: black not needed
    warm = _child(tmp_path, folder)
    assert warm["after_import"] == [] and not warm["libcst"] and not warm["black"]
    np.testing.assert_allclose(warm["g"], np.cos(X) + X)
    assert warm["g"] == cold["g"]
    write(tmp_path / "helpers.py", """\
        import numpy as np


        def helper(v):
            return np.sin(v) * 3.0
    """)
    edited = _child(tmp_path, folder)
    assert edited["libcst"]  # rebuilt
    np.testing.assert_allclose(edited["g"], 3 * np.cos(X) + X)
