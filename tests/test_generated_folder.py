"""``generated/`` is what ``s2sad generate`` writes for the examples, byte for byte.

The commands are the ones ``generated/README.md`` lists (one source of truth); each runs
into a temporary folder and every file there must equal its committed twin, with no
committed module left over that no command writes.
"""

from __future__ import annotations

import difflib
import os
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
FOLDER = REPO / "generated"


def _commands() -> list[str]:
    readme = (FOLDER / "README.md").read_text(encoding="utf-8")
    return [line.strip() for line in readme.splitlines() if line.startswith("s2sad generate")]


def _refresh_hint() -> str:
    return "refresh with (from the repository root):\n    " + "\n    ".join(_commands())


def test_readme_lists_the_commands():
    commands = _commands()
    assert commands and all(c.endswith("-o generated") for c in commands)


@pytest.fixture(scope="module")
def regenerated(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("generated")
    for command in _commands():
        argv = shlex.split(command)[1:-2] + ["-o", str(out)]
        proc = subprocess.run([sys.executable, "-m", "s2sad", *argv], cwd=REPO,
                              capture_output=True, text=True, timeout=600,
                              env=dict(os.environ, PYTHONPATH=str(REPO)))
        assert proc.returncode == 0, f"{command} failed:\n{proc.stdout}{proc.stderr}"
    return out


def test_generated_folder_is_up_to_date(regenerated):
    fresh = {p.name: p.read_text(encoding="utf-8") for p in regenerated.glob("*.py")}
    committed = {p.name: p.read_text(encoding="utf-8") for p in FOLDER.glob("*.py")}
    problems = []
    for name in sorted(fresh.keys() | committed.keys()):
        if name not in committed:
            problems.append(f"generated/{name} is missing")
        elif name not in fresh:
            problems.append(f"generated/{name} is written by no command in generated/README.md")
        elif fresh[name] != committed[name]:
            diff = "".join(list(difflib.unified_diff(
                committed[name].splitlines(True), fresh[name].splitlines(True),
                f"generated/{name}", "s2sad generate now"))[:40])
            problems.append(f"generated/{name} is stale:\n{diff}")
    assert not problems, "\n".join(problems) + "\n" + _refresh_hint()
