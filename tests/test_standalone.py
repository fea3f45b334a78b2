"""``s2sad generate`` writes modules that run without s2sad (issue 13).

The output of the CLI is imported in a fresh interpreter where ``import s2sad`` fails
(``-I -S``: no site processing, so no editable install; only NumPy's folder, the output
folder and the user's folder on the path) and its gradient is checked against central
differences. The inliner (``codegen/runtime_inline.py``) is checked over the corpus: each
standalone module, run in this process, gives the API's numbers.
"""

from __future__ import annotations

import ast
import copy
import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest

import fake_cupy
import fd
import s2sad
from corpus import control, examples, straight
from s2sad import api, cli
from s2sad.codegen import runtime_inline, standalone
from s2sad.pipeline import Spec

REPO = Path(__file__).resolve().parents[1]
TESTS = Path(__file__).resolve().parent
SITE = str(Path(np.__file__).resolve().parents[1])  # NumPy's folder, without its .pth files

CHILD = textwrap.dedent("""
    import importlib, json, sys
    sys.path[:0] = json.loads(sys.argv[1])
    try:
        import s2sad
    except ImportError:
        pass
    else:
        raise SystemExit("s2sad is importable here: " + s2sad.__file__)
    if sys.argv[4] == "cupy":
        import fake_cupy
        fake_cupy.install()
    import numpy as np
    module = importlib.import_module(sys.argv[2])
    args = [np.load(p) if p.endswith(".npy") else float(p) for p in json.loads(sys.argv[3])]
    if sys.argv[4] == "cupy":
        args = fake_cupy.to_device(args)
        out = fake_cupy.to_host(getattr(module, sys.argv[5])(*args))
    else:
        out = getattr(module, sys.argv[5])(*args)
    out = out if isinstance(out, tuple) else (out,)
    print(json.dumps([np.asarray(o, np.float64).tolist() for o in out]))
""")


def _generate(tmp_path: Path, *argv: str) -> Path:
    out = tmp_path / "gen"
    proc = subprocess.run([sys.executable, "-m", "s2sad", "generate", *argv, "-o", str(out)],
                          cwd=REPO, capture_output=True, text=True, timeout=300,
                          env=dict(os.environ, PYTHONPATH=str(REPO)))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return out


def _run_without_s2sad(tmp_path: Path, paths: list[str], module: str, args, entry: str,
                       backend: str = "numpy") -> list:
    """``module.entry(*args)`` in ``python -I -S`` (``import s2sad`` fails there)."""
    files = []
    for k, a in enumerate(args):
        if isinstance(a, np.ndarray):
            np.save(tmp_path / f"arg{k}.npy", a)
            files.append(str(tmp_path / f"arg{k}.npy"))
        else:
            files.append(repr(float(a)))
    proc = subprocess.run(
        [sys.executable, "-I", "-S", "-c", CHILD, json.dumps(paths + [SITE]), module,
         json.dumps(files), backend, entry],
        cwd=tmp_path, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return [np.asarray(v) for v in json.loads(proc.stdout)]


def test_quickstart_gradient_runs_without_s2sad(tmp_path):
    out = _generate(tmp_path, "examples.quickstart:loss", "--transform", "grad")
    text = (out / "examples_quickstart_loss_grad.py").read_text()
    assert "s2sad generate examples.quickstart:loss --transform grad --argnums 0,1" in text
    from examples import quickstart

    rng = np.random.default_rng(5)
    w, b = rng.normal(size=quickstart.N_FEATURES), 0.2
    gw, gb = _run_without_s2sad(tmp_path, [str(out)], "examples_quickstart_loss_grad",
                                (w, b, quickstart.X, quickstart.Y), "loss_grad")
    expected = fd.numerical_grad(quickstart.loss.__wrapped__, (w, b, quickstart.X, quickstart.Y),
                                 (0, 1))
    fd.assert_tree_allclose((gw, float(gb)), expected, rtol=1e-6, atol=1e-8)


USER = '''
import numpy as np

from helpers_for_gen import smooth_abs

W = np.linspace(-1.0, 1.0, 4)


def fit(x, y):
    """Reads a global array and calls a helper of another module."""
    return np.sum(smooth_abs(x * W - y) ** 2) + 0.1 * np.sum(x ** 2)
'''
HELPER = '''
import numpy as np


def smooth_abs(r):
    return np.sqrt(r * r + 0.01)
'''


@pytest.mark.parametrize("backend", ["numpy", "cupy"])
def test_module_reading_user_globals_imports_them(tmp_path, monkeypatch, backend):
    user = tmp_path / "user"
    user.mkdir()
    (user / "fitmod_for_gen.py").write_text(USER)
    (user / "helpers_for_gen.py").write_text(HELPER)
    monkeypatch.syspath_prepend(str(user))
    out = tmp_path / "gen"
    proc = subprocess.run(
        [sys.executable, "-m", "s2sad", "generate", "fitmod_for_gen:fit", "--backend", backend,
         "-o", str(out)], cwd=user, capture_output=True, text=True, timeout=300,
        env=dict(os.environ, PYTHONPATH=str(REPO)))
    assert proc.returncode == 0, proc.stderr
    name = "fitmod_for_gen_fit_grad" + ("_cupy" if backend == "cupy" else "")
    text = (out / f"{name}.py").read_text()
    assert "from fitmod_for_gen import W" in text
    assert ("W = cp.asarray(W)" in text) == (backend == "cupy")
    import fitmod_for_gen

    x, y = np.array([0.3, -0.2, 0.8, 1.1]), np.array([0.1, 0.2, -0.3, 0.4])
    (g,) = _run_without_s2sad(tmp_path, [str(out), str(user), str(TESTS)], name, (x, y),
                              "fit_grad", backend)
    expected = fd.numerical_grad(fitmod_for_gen.fit, (x, y), 0)
    np.testing.assert_allclose(g, expected, rtol=1e-6, atol=1e-8)
    sys.modules.pop("fitmod_for_gen", None)
    sys.modules.pop("helpers_for_gen", None)


# --------------------------------------------------------------------------- the inliner


def _standalone(fn, spec: Spec) -> tuple[str, str]:
    gen = api._generated(fn, spec)
    header = standalone.Header("s2sad generate m:f", (), "0" * 16, "f(x) -> g")
    return standalone.module_text(gen, fn, header, spec.backend), gen.entry_name


def _exec(text: str) -> dict:
    imported = {n.module if isinstance(n, ast.ImportFrom) else a.name
                for n in ast.walk(ast.parse(text)) if isinstance(n, (ast.Import, ast.ImportFrom))
                for a in n.names}
    assert not [m for m in imported if m.split(".")[0] == "s2sad"], imported
    namespace: dict = {"__name__": "standalone_under_test"}
    exec(compile(text, "<standalone>", "exec"), namespace)
    return namespace


def _cases(corpus):
    return [pytest.param(c, args, id=f"{c.name}-{k}") for c in corpus
            for k, args in enumerate(c.inputs()[:1])]


@pytest.mark.parametrize("c, args", _cases(straight.CORPUS) + _cases(control.CORPUS)
                         + _cases(examples.CORPUS))
def test_standalone_grad_of_the_corpus(c, args):
    try:
        text, entry = _standalone(c.fn, Spec("grad", c.argnums))
    except runtime_inline.StandaloneError as exc:  # globals that no module names
        assert "not a module-level name" in str(exc) or "another transform" in str(exc)
        pytest.skip(str(exc))
    # a random generator among the arguments: the same state for both calls
    got = _exec(text)[entry](*copy.deepcopy(args))
    expected = api._generated(c.fn, Spec("grad", c.argnums)).entry(*copy.deepcopy(args))
    fd.assert_tree_allclose(got, expected, rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize("c", [pytest.param(c, id=c.name) for c in straight.VECTOR_CORPUS])
@pytest.mark.parametrize("transform", ["jacfwd", "jacrev"])
def test_standalone_jacobians(c, transform):
    (args,) = c.inputs()
    spec = Spec(transform, c.argnums, vector=True)
    text, entry = _standalone(c.fn, spec)
    fd.assert_tree_allclose(_exec(text)[entry](*args), api._generated(c.fn, spec).entry(*args),
                            rtol=1e-12, atol=1e-14)


def test_standalone_cupy_module_runs_on_device_arrays():
    fake_cupy.install()
    try:
        text, entry = _standalone(straight.log_softmax_nll, Spec("grad", 0, backend="cupy"))
        assert "import cupy as cp" in text and "import cupy as xp" in text
        assert "import numpy" not in text
        (args,) = straight.CORPUS[[c.fn for c in straight.CORPUS].index(
            straight.log_softmax_nll)].inputs()
        got = _exec(text)[entry](*fake_cupy.to_device(args))
        np.testing.assert_allclose(got.get(), s2sad.grad(straight.log_softmax_nll)(*args),
                                   rtol=1e-12)
    finally:
        fake_cupy.uninstall()


def test_only_the_helpers_used_are_copied():
    text, _ = _standalone(straight.sum_squares, Spec("grad"))
    section = ast.parse(text[text.index("def _runtime"):]).body[0]
    helpers = {n.name for n in section.body if isinstance(n, ast.FunctionDef)}
    assert {"seed", "sum_vjp", "unbroadcast"} <= helpers
    assert not {"getitem_vjp", "einsum_vjp", "basis", "vmap_call"} & helpers
    assert len(helpers) < 10


def test_header_names_the_command_and_source_hash(tmp_path):
    args = cli._parser().parse_args(["show", "examples.quickstart:loss", "-t", "value_and_grad"])
    text = cli.standalone_source("examples.quickstart:loss", "value_and_grad", args)
    doc = ast.get_docstring(ast.parse(text))
    assert doc.startswith("Generated by s2sad ")
    assert "s2sad generate examples.quickstart:loss --transform value_and_grad --argnums 0,1" \
        in doc
    digest = standalone.source_digest([str(REPO / "examples" / "quickstart.py")])
    assert f"from examples/quickstart.py (sha256 {digest})" in doc
    assert "loss_value_and_grad(w, b, X, y) -> (value, gradient with respect to w, b)" in doc


def test_every_runtime_helper_can_be_copied():
    """The section for all of s2sad.runtime's helpers at once runs (and, for CuPy,
    compiles): nested star imports followed, relative imports resolved, and two files'
    private helpers of one name (``_axis``) kept apart by renaming one."""
    import s2sad.runtime as rt

    names = [n for n, v in vars(rt).items() if not n.startswith("_") and callable(v)
             and getattr(v, "__module__", "").startswith("s2sad.runtime")]
    text = runtime_inline.runtime_section(names)
    namespace: dict = {}
    exec(compile(text, "<section>", "exec"), namespace)
    assert set(names) <= set(vars(namespace["_rt"]))
    assert "def _axis_arrays(" in text or "def _axis_batching_vmap(" in text
    compile(runtime_inline.runtime_section(names, "cupy"), "<cupy section>", "exec")
