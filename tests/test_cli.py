"""The ``s2sad`` command line: argument errors, lookup errors, show and generate."""

from __future__ import annotations

import ast
import os
import re
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from s2sad.cli import main, output_name

REPO = Path(__file__).resolve().parents[1]

TINY = '''
import numpy as np


def loss(x, y):
    """A tiny loss."""
    return np.sum((x - y) ** 2)


def two(x, w):
    return np.sum(np.tanh(x * w))


def risky(x):
    try:
        return np.sum(x)
    except ValueError:
        return 0.0


not_a_function = 3
'''


@pytest.fixture
def user_module(tmp_path, monkeypatch, request):
    """A module with a few functions, importable from the current folder (as a user has it)."""
    name = "clitarget_" + re.sub(r"\W", "_", request.node.name)
    (tmp_path / f"{name}.py").write_text(textwrap.dedent(TINY))
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("S2SAD_CACHE_DIR", str(tmp_path / "cache"))
    yield name
    sys.modules.pop(name, None)
    if str(tmp_path) in sys.path:
        sys.path.remove(str(tmp_path))


def run(capsys, *argv) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


# --------------------------------------------------------------------------- parse errors


@pytest.mark.parametrize("argv", [
    [],
    ["show"],
    ["frobnicate", "m:f"],
    ["show", "m:f", "--argnums", "a,b"],
    ["show", "m:f", "--argnums", "0,"],
])
def test_usage_errors_exit_2(capsys, argv):
    code, out, err = run(capsys, *argv)
    assert code == 2
    assert "usage:" in err
    assert "Traceback" not in err


@pytest.mark.parametrize("argv, message", [
    (["show", "m:f", "--transform", "nope"], "unknown transform 'nope'; one of grad, "),
    (["generate", "m:f", "--transform", "grad,nope"], "unknown transform 'nope'"),
    (["generate", "m:f", "--backend", "fortran"], "unknown backend 'fortran'; one of numpy, cupy"),
    (["show", "m:f", "--transform", "grad,hessian"], "show takes one transform"),
])
def test_unknown_transform_or_backend_is_one_line(capsys, argv, message):
    code, out, err = run(capsys, *argv)
    assert code == 2
    assert err.strip() == f"s2sad: error: {message}" or message in err
    assert err.count("\n") == 1 and out == ""


@pytest.mark.parametrize("target", ["nocolon", "mod:", ":func", "mod:1abc", "a..b:f", "m:f:g"])
def test_bad_target_exits_2(capsys, target):
    code, out, err = run(capsys, "show", target)
    assert code == 2
    assert "MODULE:FUNCTION" in err
    assert "Traceback" not in err


def test_help_and_version_exit_0(capsys):
    assert run(capsys, "--help")[0] == 0
    code, out, _ = run(capsys, "--version")
    assert code == 0 and out.startswith("s2sad ")


def test_missing_module_exits_2(capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    code, out, err = run(capsys, "show", "no_such_module_xyz.sub:f")
    assert code == 2
    assert "cannot import module 'no_such_module_xyz.sub'" in err
    assert out == ""


def test_missing_function_exits_2(capsys, user_module):
    code, out, err = run(capsys, "show", f"{user_module}:nope")
    assert code == 2
    assert f"module {user_module!r} has no function 'nope'" in err
    assert "Traceback" not in err


def test_not_callable_exits_2(capsys, user_module):
    code, _, err = run(capsys, "show", f"{user_module}:not_a_function")
    assert code == 2
    assert "not a function" in err


def test_module_failing_at_import_exits_2(capsys, tmp_path, monkeypatch):
    (tmp_path / "clitarget_broken.py").write_text("raise RuntimeError('boom at import')\n")
    monkeypatch.chdir(tmp_path)
    try:
        code, _, err = run(capsys, "show", "clitarget_broken:f")
    finally:
        sys.modules.pop("clitarget_broken", None)
    assert code == 2
    assert "RuntimeError: boom at import" in err
    assert "Traceback" not in err


def test_output_name():
    assert output_name("pkg.losses:rosen", "grad") == "pkg_losses_rosen_grad.py"
    assert output_name("m:Model.loss", "hessian") == "m_Model_loss_hessian.py"
    assert output_name("m:f", "grad", "cupy") == "m_f_grad_cupy.py"


def test_python_dash_m_reports_errors_without_traceback(tmp_path):
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(
        [str(REPO)] + [p for p in [os.environ.get("PYTHONPATH")] if p]))
    proc = subprocess.run([sys.executable, "-m", "s2sad", "show", "no_such_mod_q:f"],
                          cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 2
    assert "cannot import module" in proc.stderr
    assert "Traceback" not in proc.stderr


# --------------------------------------------------------------------------- with the compiler


def test_show_prints_generated_source(capsys, user_module):
    code, out, err = run(capsys, "show", f"{user_module}:loss", "--transform", "grad")
    assert code == 0, err
    assert "def " in out
    compile(out, "<shown>", "exec")  # it is Python


def test_show_with_argnums_tuple(capsys, user_module):
    code, out, err = run(capsys, "show", f"{user_module}:two", "--argnums", "0,1")
    assert code == 0, err
    assert "def " in out


def test_generate_writes_module(capsys, user_module, tmp_path):
    code, out, err = run(capsys, "generate", f"{user_module}:loss", "--transform",
                         "value_and_grad", "-o", str(tmp_path / "gen"))
    assert code == 0, err
    path = tmp_path / "gen" / f"{user_module}_loss_value_and_grad.py"
    assert out.startswith(f"[1/1] wrote {path} (value_and_grad of {user_module}:loss, ")
    text = path.read_text()
    assert "def " in text
    compile(text, str(path), "exec")


def test_unsupported_syntax_exits_2_with_location(capsys, user_module):
    code, out, err = run(capsys, "show", f"{user_module}:risky")
    assert code == 2
    assert f"{user_module}.py:" in err and "try" in err
    assert "Traceback" not in err


def test_not_a_function_class_exits_2(capsys, user_module, tmp_path):
    (tmp_path / f"{user_module}.py").write_text(textwrap.dedent(TINY) + "\nclass K:\n    pass\n")
    code, _, err = run(capsys, "show", f"{user_module}:K")
    assert code == 2 and "is a type, not a function" in err


# --------------------------------------------------------------------------- standalone modules


def _imported(text: str) -> set[str]:
    """The modules a module's text imports (anywhere in it)."""
    found = set()
    for node in ast.walk(ast.parse(text)):
        if isinstance(node, ast.Import):
            found.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom):
            found.add(node.module)
    return found


@pytest.mark.parametrize("transform", ["grad", "value_and_grad", "grad_and_value", "vjp", "jvp",
                                       "jacfwd", "jacrev", "hessian", "hvp"])
def test_every_transform_writes_a_module_without_s2sad(capsys, user_module, tmp_path, transform):
    code, out, err = run(capsys, "generate", f"{user_module}:two", "--transform", transform,
                         "-o", str(tmp_path / "gen"))
    assert code == 0, err
    text = (tmp_path / "gen" / f"{user_module}_two_{transform}.py").read_text()
    assert "s2sad generate" in text and "sha256" in text  # the header
    assert not [m for m in _imported(text) if m.split(".")[0] == "s2sad"]
    assert {m.split(".")[0] for m in _imported(text)} <= set(sys.stdlib_module_names) | {"numpy"}


def test_several_targets_and_transforms_one_progress_line_each(capsys, user_module, tmp_path):
    code, out, err = run(capsys, "generate", f"{user_module}:loss", f"{user_module}:two",
                         "--transform", "grad,hessian", "-o", str(tmp_path / "gen"))
    assert code == 0, err
    lines = out.splitlines()
    assert [line.split(" ")[0] for line in lines] == ["[1/4]", "[2/4]", "[3/4]", "[4/4]"]
    assert "hessian of" in lines[1] and f"{user_module}:two" in lines[3]
    assert len(list((tmp_path / "gen").glob("*.py"))) == 4


def test_check_finds_stale_and_missing_files(capsys, user_module, tmp_path):
    gen = str(tmp_path / "gen")
    assert run(capsys, "generate", f"{user_module}:loss", "-o", gen)[0] == 0
    code, out, err = run(capsys, "generate", f"{user_module}:loss", "-o", gen, "--check")
    assert code == 0 and "up to date" in out, err
    path = tmp_path / "gen" / f"{user_module}_loss_grad.py"
    path.write_text(path.read_text().replace("_rt.seed", "_rt.seed "))
    code, out, err = run(capsys, "generate", f"{user_module}:loss", f"{user_module}:two",
                         "-o", gen, "--check")
    assert code == 1
    assert f"STALE {path}" in out and "MISSING" in out
    assert "-    _bt" in out and "+    _bt" in out  # a unified diff
    assert "rerun the same command without --check" in err
    assert "_rt.seed " in path.read_text()  # --check writes nothing


def test_show_prints_what_generate_writes(capsys, user_module, tmp_path):
    code, shown, err = run(capsys, "show", f"{user_module}:two", "--transform", "jacrev")
    assert code == 0, err
    run(capsys, "generate", f"{user_module}:two", "--transform", "jacrev", "-o",
        str(tmp_path / "gen"))
    assert shown == (tmp_path / "gen" / f"{user_module}_two_jacrev.py").read_text()


def test_cupy_backend_generates_without_cupy(capsys, user_module, tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "cupy", None)  # import cupy fails
    code, out, err = run(capsys, "generate", f"{user_module}:loss", "--backend", "cupy",
                         "-o", str(tmp_path / "gen"))
    assert code == 0, err
    text = (tmp_path / "gen" / f"{user_module}_loss_grad_cupy.py").read_text()
    assert "import cupy as cp" in text and "import numpy" not in text
    assert "--backend cupy" in text and "import cupy as xp" in text  # the runtime twin


@pytest.mark.parametrize("argv, message", [
    (["--transform", "vjp", "--argnums", "1"], "vjp differentiates every positional argument"),
    (["--transform", "hessian", "--has-aux"], "hessian does not take --has-aux"),
])
def test_options_that_do_not_apply_exit_2(capsys, user_module, argv, message):
    code, _, err = run(capsys, "show", f"{user_module}:two", *argv)
    assert code == 2 and message in err and "Traceback" not in err
