"""The README's demo: examples/quickstart.py runs and checks itself (exit status 0)."""

import pathlib
import subprocess
import sys

ROOT = pathlib.Path(__file__).resolve().parents[1]


def test_quickstart_runs_and_checks_its_numbers():
    run = subprocess.run([sys.executable, str(ROOT / "examples" / "quickstart.py")],
                         capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stdout + run.stderr
    assert "max |hessian - closed form|" in run.stdout
    assert "def loss_grad(" in run.stdout
