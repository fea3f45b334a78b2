"""Functions defined in Jupyter/IPython cells (issue 14): their source lives in
``linecache`` under ``<ipython-input-...>`` names, which s2sad reads like a file."""

import linecache

import numpy as np
import pytest

import fd
import s2sad

CELL = """\
import numpy as np

def cell_loss(x, w):
    y = np.tanh(w * x)
    for _ in range(2):
        y = y * y + x
    return np.sum(y)
"""


def _run_cell(source: str, name: str) -> dict:
    """What IPython does with a cell: cache its lines, compile under its name, run it."""
    linecache.cache[name] = (len(source), None, source.splitlines(True), name)
    namespace = {"__name__": "__main__"}
    exec(compile(source, name, "exec"), namespace)
    return namespace


def test_a_function_from_a_notebook_cell():
    f = _run_cell(CELL, "<ipython-input-7-0123456789ab>")["cell_loss"]
    args = (np.array([0.3, -0.4]), 0.8)
    fd.assert_tree_allclose(s2sad.grad(f, argnums=(0, 1))(*args),
                            fd.numerical_grad(f, args, (0, 1)))
    assert "cell_loss_grad" in s2sad.grad(f).source


def test_a_function_without_source_says_where_to_put_it():
    namespace = {}
    exec("def g(x):\n    return x * 2.0\n", namespace)
    with pytest.raises(s2sad.DifferentiationError, match="define it in a .py file"):
        s2sad.grad(namespace["g"])(1.0)


def test_in_a_real_ipython_shell():
    shell_mod = pytest.importorskip("IPython.core.interactiveshell")
    shell = shell_mod.InteractiveShell.instance()
    result = shell.run_cell(CELL + "\nimport s2sad\ng = s2sad.grad(cell_loss)(np.array([0.3]), 0.8)\n")
    result.raise_error()
    f = shell.user_ns["cell_loss"]
    np.testing.assert_allclose(shell.user_ns["g"], fd.numerical_grad(
        f, (np.array([0.3]), 0.8), 0), rtol=1e-6)
