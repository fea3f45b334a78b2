"""The README shows what s2sad prints: its generated-code example is regenerated here and
compared line for line, so a change of the compiler cannot leave it stale."""

import importlib.util
import pathlib
import re

README = pathlib.Path(__file__).resolve().parents[1] / "README.md"
SECTION = "## What the generated code looks like"


def _blocks(text: str) -> list[str]:
    return re.findall(r"```python\n(.*?)```", text, flags=re.S)


def test_the_generated_code_example_is_what_s2sad_prints(tmp_path, monkeypatch):
    section = README.read_text().split(SECTION, 1)[1].split("\n## ", 1)[0]
    program, printed = _blocks(section)[:2]
    demo = tmp_path / "demo.py"
    demo.write_text(program.replace("print(df.source)\n", ""))
    monkeypatch.setenv("S2SAD_CACHE_DIR", str(tmp_path / "cache"))
    spec = importlib.util.spec_from_file_location("demo", demo)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert module.df.source.strip() == printed.strip(), (
        "README's generated-code example is stale: paste `print(df.source)` of its program")
