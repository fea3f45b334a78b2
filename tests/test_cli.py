"""The ``s2sad`` command line: argument errors, lookup errors, show and generate."""

from __future__ import annotations

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
    ["show", "m:f", "--transform", "nope"],
    ["show", "m:f", "--argnums", "a,b"],
    ["show", "m:f", "--argnums", "0,"],
    ["generate", "m:f", "--backend", "fortran"],
])
def test_usage_errors_exit_2(capsys, argv):
    code, out, err = run(capsys, *argv)
    assert code == 2
    assert "usage:" in err
    assert "Traceback" not in err


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
    assert out.strip() == str(path)
    text = path.read_text()
    assert "def " in text
    compile(text, str(path), "exec")


def test_unsupported_syntax_exits_2_with_location(capsys, user_module):
    code, out, err = run(capsys, "show", f"{user_module}:risky")
    assert code == 2
    assert f"{user_module}.py:" in err and "try" in err
    assert "Traceback" not in err
