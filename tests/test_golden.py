"""Golden files: the generated source of a few functions, compared byte for byte.

Regenerate after an intended change with ``S2SAD_REGEN_GOLDEN=1 pytest tests/test_golden.py``
and review the diff.
"""

import difflib
import os
import pathlib

import pytest

import s2sad

from golden_cases import CASES

GOLDEN = pathlib.Path(__file__).parent / "golden"


@pytest.mark.parametrize("name", sorted(CASES))
def test_generated_source_matches_golden(name):
    fn, transform, argnums = CASES[name]
    text = getattr(s2sad, transform)(fn, argnums=argnums).source
    path = GOLDEN / f"{name}.py.txt"
    if os.environ.get("S2SAD_REGEN_GOLDEN") == "1" or not path.exists():
        if os.environ.get("CI") and not path.exists():
            pytest.fail(f"missing golden file {path}")
        path.write_text(text)
    expected = path.read_text()
    if text != expected:
        diff = "".join(difflib.unified_diff(expected.splitlines(True), text.splitlines(True),
                                            "golden", "generated"))
        pytest.fail(f"generated source for {name} changed:\n{diff}\n"
                    f"(S2SAD_REGEN_GOLDEN=1 to accept)")


def test_generation_is_deterministic(monkeypatch, tmp_path):
    fn, transform, argnums = CASES["piecewise_loop_grad"]
    first = getattr(s2sad, transform)(fn, argnums=argnums).source
    monkeypatch.setenv("S2SAD_NO_CACHE", "1")
    from s2sad import pipeline

    again = pipeline.emit(*_program_and_spec(fn, transform, argnums))
    assert first == again


def _program_and_spec(fn, transform, argnums):
    from s2sad import ir, pipeline
    from s2sad.frontend.normalize.program import build_program
    from s2sad.transforms import simplify

    program = build_program(fn)
    program = ir.Program(program.entry, {k: simplify.fold_tuples(f)
                                         for k, f in program.functions.items()}, program.globals)
    spec = pipeline.Spec(transform, argnums)
    return program, spec, pipeline._entry_name(program, spec)
