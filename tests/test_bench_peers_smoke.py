"""Smoke test of tools/bench_peers.py: the s2sad-only path runs on one small workload, and
peers that are not installed are skipped with a note (timings are never judged here)."""

import json
import sys
from pathlib import Path

import pytest

TOOLS = Path(__file__).resolve().parents[1] / "tools"
PEER_MODULES = ("numba", "autograd", "jax", "torch", "tangent")


class HidePeers:
    """A finder that answers as if the peers were not installed. (A ``None`` in
    ``sys.modules`` would not do: SciPy takes any ``sys.modules["torch"]`` for torch.)"""

    def find_spec(self, name, path=None, target=None):
        if name.partition(".")[0] in PEER_MODULES:
            raise ModuleNotFoundError(f"No module named {name!r}", name=name)
        return None


@pytest.fixture
def bench_peers(monkeypatch):
    monkeypatch.setattr(sys, "meta_path", [HidePeers(), *sys.meta_path])
    for name in list(sys.modules):  # as if not installed, whatever this environment has
        if name.partition(".")[0] in PEER_MODULES:
            monkeypatch.delitem(sys.modules, name)
    monkeypatch.syspath_prepend(str(TOOLS))
    import bench_peers

    return bench_peers


def test_quick_run_of_one_workload_skips_missing_peers(bench_peers, tmp_path, capsys):
    out = tmp_path / "peers.json"
    result = bench_peers.main(["--quick", "--no-startup", "--only", "tiny", "--json", str(out)])
    assert json.loads(out.read_text()) == json.loads(json.dumps(result))
    [row] = result["workloads"]
    assert row["name"].startswith("tiny") and row["hand"] > 0 and row["primal"] > 0
    s2sad_row = row["peers"]["s2sad"]
    assert s2sad_row["status"] == "ok" and s2sad_row["time"] > 0 and s2sad_row["ratio"] > 0
    others = set(row["peers"]) - {"s2sad"}
    assert others == {"s2sad.numba", "autograd", "jax", "jax.jit", "torch.func", "tangent"}
    for name in others:
        assert row["peers"][name]["status"] == "missing"
        assert "not installed" in result["missing"][name]
    assert result["call_overhead"]["s2sad.grad(f)(3.0)"] > 0
    printed = capsys.readouterr().out
    assert "tiny: x * x on a float" in printed and "not installed" in printed
    assert bench_peers.main(["--from-json", str(out), "--markdown"]) == json.loads(out.read_text())
    assert "| tiny: x * x on a float |" in capsys.readouterr().out
