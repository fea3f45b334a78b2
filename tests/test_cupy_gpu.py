"""The CuPy backend on a real GPU: marked ``gpu``, skipped where CuPy is not installed
or sees no device (the NumPy stand-in of ``test_cupy_backend.py`` checks the same code
on every run). Plus a smoke run of ``tools/bench_cupy.py`` on the stand-in.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import fd
import s2sad
from corpus import control, straight

ROOT = Path(__file__).resolve().parents[1]


def _gpu():
    """Real CuPy with a device, or None."""
    if getattr(sys.modules.get("cupy"), "__fake__", False):
        return None
    try:
        import cupy

        return cupy if cupy.cuda.runtime.getDeviceCount() > 0 else None
    except Exception:  # noqa: BLE001 - not installed, no driver, no device
        return None


gpu = pytest.mark.skipif(_gpu() is None, reason="needs CuPy and a CUDA device")


def _host(cp, tree):
    return [cp.asnumpy(leaf) if isinstance(leaf, cp.ndarray) else leaf
            for leaf in fd.tree_leaves(tree)]


@pytest.mark.gpu
@gpu
@pytest.mark.parametrize("c", [pytest.param(c, id=c.name) for c in straight.CORPUS[:20]]
                         + [pytest.param(c, id=c.name) for c in control.CORPUS[:10]])
def test_gradients_on_the_gpu_match_numpy(c):
    cp = _gpu()
    args = c.inputs()[0]
    device = tuple(cp.asarray(a) if isinstance(a, np.ndarray) else a for a in args)
    got = s2sad.grad(c.fn, argnums=c.argnums, backend="cupy")(*device)
    want = s2sad.grad(c.fn, argnums=c.argnums)(*args)
    for a, b in zip(_host(cp, got), fd.tree_leaves(want)):
        np.testing.assert_allclose(np.asarray(a, np.float64), np.asarray(b, np.float64),
                                   rtol=1e-9, atol=1e-12)


@pytest.mark.gpu
@gpu
def test_float32_stays_float32_on_the_gpu():
    cp = _gpu()
    x = cp.asarray(np.linspace(-1.0, 1.0, 9, dtype=np.float32))
    g = s2sad.grad(straight.rosenbrock, backend="cupy")(x)
    assert isinstance(g, cp.ndarray) and g.dtype == np.float32


@pytest.mark.gpu
@gpu
def test_standalone_cupy_module_on_the_gpu(tmp_path):
    out = tmp_path / "gen"
    proc = subprocess.run([sys.executable, "-m", "s2sad", "generate", "examples.quickstart:loss",
                           "--backend", "cupy", "-o", str(out)], cwd=ROOT, capture_output=True,
                          text=True, timeout=300, env=dict(os.environ, PYTHONPATH=str(ROOT)))
    assert proc.returncode == 0, proc.stderr
    namespace: dict = {}
    path = out / "examples_quickstart_loss_grad_cupy.py"
    exec(compile(path.read_text(), str(path), "exec"), namespace)
    cp = _gpu()
    rng = np.random.default_rng(2)
    w, X, y = rng.normal(size=5), rng.normal(size=(64, 5)), (rng.random(64) > 0.5) * 1.0
    gw, gb = namespace["loss_grad"](cp.asarray(w), 0.1, cp.asarray(X), cp.asarray(y))
    from examples import quickstart

    want = s2sad.grad(quickstart.loss.__wrapped__, argnums=(0, 1))(w, 0.1, X, y)
    np.testing.assert_allclose(cp.asnumpy(gw), want[0], rtol=1e-10)
    np.testing.assert_allclose(float(gb), want[1], rtol=1e-10)


def test_bench_cupy_runs_on_the_stand_in():
    proc = subprocess.run([sys.executable, str(ROOT / "tools" / "bench_cupy.py"), "--quick",
                           "--fake", "--n", "2000"], cwd=ROOT, capture_output=True, text=True,
                          timeout=600, env=dict(os.environ, PYTHONPATH=str(ROOT)))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "rosenbrock n=2e+03" in proc.stdout and "mlp " in proc.stdout


def _installed_cupy():
    """The real CuPy module (no device needed to read its namespace), or None."""
    if getattr(sys.modules.get("cupy"), "__fake__", False):
        return None
    try:
        import cupy
    except Exception:  # noqa: BLE001 - not installed, or its CUDA libraries are missing
        return None
    return cupy


@pytest.mark.skipif(_installed_cupy() is None, reason="needs CuPy installed (no GPU needed)")
def test_table_agrees_with_the_installed_cupy():
    """Every NumPy function with a rule exists in CuPy unless the table says it lacks it;
    every name the table says CuPy lacks is really absent."""
    from s2sad.rules import registry
    from s2sad.runtime import cupy_table

    cupy = _installed_cupy()

    def has(name: str) -> bool:
        obj = cupy
        for part in name.split("."):
            if not hasattr(obj, part):
                return False
            obj = getattr(obj, part)
        return True

    names = {r.name[3:] for r in registry.all_rules() if r.name.startswith("np.")}
    missing = {n for n in names if not has(n) and n not in cupy_table.LACKING
               and n not in cupy_table.RENAMED}
    assert not missing, f"add to cupy_table.LACKING (or RENAMED): {sorted(missing)}"
    assert not {n for n in cupy_table.LACKING if has(n)}
