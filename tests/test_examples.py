"""Every program in examples/ runs and checks its own numbers, so none rots.

Each example reads ``S2SAD_EXAMPLES_SMALL=1`` (small sizes, a few seconds on a laptop
CPU), writes pictures (when matplotlib is installed) under ``S2SAD_EXAMPLES_OUT``,
exits with status 0 only when its final check holds, and ends with one line a person
can check (final loss, fitted parameter against the truth).
"""

import os
import pathlib
import subprocess
import sys

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[1]
EXAMPLES = sorted(p for p in (ROOT / "examples").glob("*.py") if not p.name.startswith("_"))


def run_example(path, tmp_path):
    env = dict(os.environ, S2SAD_EXAMPLES_SMALL="1", S2SAD_EXAMPLES_OUT=str(tmp_path / "out"),
               S2SAD_CACHE_DIR=str(tmp_path / "cache"), MPLBACKEND="Agg",
               PYTHONPATH=os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])))
    return subprocess.run([sys.executable, str(path)], capture_output=True, text=True,
                          timeout=300, cwd=ROOT, env=env)


# what an example must print besides its final line (the README's demo shows these)
EXPECTED = {"quickstart": ("max |hessian - closed form|", "def loss_grad(")}


@pytest.mark.parametrize("path", EXAMPLES, ids=[p.stem for p in EXAMPLES])
def test_example_runs_and_checks_its_numbers(path, tmp_path):
    run = run_example(path, tmp_path)
    assert run.returncode == 0, run.stdout[-4000:] + run.stderr[-4000:]
    lines = [line for line in run.stdout.splitlines() if line.strip()]
    assert lines, "the example printed nothing"
    assert "UNEXPECTED" not in run.stdout, run.stdout[-4000:]
    assert not run.stderr.strip() or "Traceback" not in run.stderr, run.stderr[-4000:]
    for text in EXPECTED.get(path.stem, ()):
        assert text in run.stdout, text


def test_examples_folder_has_every_program_the_readme_lists():
    readme = (ROOT / "README.md").read_text()
    assert {"quickstart", "seed_article", "aot_build"} <= {p.stem for p in EXAMPLES}
    for p in EXAMPLES:
        if p.stem not in ("quickstart", "aot_model"):
            assert f"`{p.name}`" in readme, f"README's Examples table lacks {p.name}"
