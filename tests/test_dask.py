"""Dask arrays as data arguments (issue 13; the optional ``dask`` extra, skipped without it).

The NumPy module's calls reach a ``dask.array`` through NumPy's dispatch
(``__array_function__``/``__array_ufunc__``), so the generated gradient builds a lazy
graph: per-chunk forward and reverse work, the parameters' cotangents reduced across
chunks. Nothing is computed while the gradient is made (counted by a Dask callback):
the result is lazy, ``dask.compute`` runs it, on a ``LocalCluster`` too. Parameters stay
NumPy arrays.
"""

from __future__ import annotations

import numpy as np
import pytest

import fd
import s2sad
from corpus.straight import mlp_loss as mlp

da = pytest.importorskip("dask.array")
dask = pytest.importorskip("dask")


def logistic(w, X, y):
    z = X @ w
    return np.mean(np.logaddexp(0.0, z) - y * z) + 0.01 * np.sum(w ** 2)


def least_squares(w, b, X, y):
    r = X @ w + b - y
    return 0.5 * np.mean(r ** 2)


def mlp_layers(layers, X, Y):
    """A loop over the parameters: a list of (W, b) pairs."""
    h = X
    for W, b in layers[:-1]:
        h = np.tanh(h @ W + b)
    W, b = layers[-1]
    r = h @ W + b - Y
    return 0.5 * np.mean(np.sum(r * r, axis=1))


def _data(n=4000, d=6, k=3, chunk=1000):
    rng = np.random.default_rng(11)
    X = rng.normal(size=(n, d))
    y = (rng.random(n) > 0.5) * 1.0
    Y = np.eye(k)[rng.integers(0, k, n)]
    lazy = (da.from_array(X, chunks=(chunk, d)), da.from_array(y, chunks=chunk),
            da.from_array(Y, chunks=(chunk, k)))
    return rng, (X, y, Y), lazy


def _cases():
    rng, (X, y, Y), (Xd, yd, Yd) = _data()
    d, k, h = X.shape[1], Y.shape[1], 8
    w = rng.normal(size=d)
    params = {"W1": rng.normal(size=(d, h)) * 0.5, "b1": np.zeros(h),
              "W2": rng.normal(size=(h, k)) * 0.5, "b2": np.zeros(k)}
    layers = [(rng.normal(size=(d, h)) * 0.5, np.zeros(h)),
              (rng.normal(size=(h, h)) * 0.5, np.zeros(h)), (rng.normal(size=(h, k)), np.zeros(k))]
    return [pytest.param(logistic, 0, (w, X, y), (w, Xd, yd), id="logistic"),
            pytest.param(least_squares, (0, 1), (w, 0.3, X, y), (w, 0.3, Xd, yd),
                         id="least_squares"),
            pytest.param(mlp, 0, (params, X, Y), (params, Xd, Yd), id="mlp"),
            pytest.param(mlp_layers, 0, (layers, X, Y), (layers, Xd, Yd), id="mlp_layers")]


class _Computes(pytest.importorskip("dask.callbacks").Callback):
    """Counts the graphs Dask runs while it is active."""

    def __init__(self):
        super().__init__()
        self.count = 0

    def _start(self, dsk):
        self.count += 1


@pytest.mark.parametrize("fn, argnums, host, lazy", _cases())
def test_gradient_is_a_lazy_graph_with_the_numpy_numbers(fn, argnums, host, lazy):
    with _Computes() as computes:
        value, g = s2sad.value_and_grad(fn, argnums=argnums)(*lazy)
    assert computes.count == 0  # nothing gathered, nothing run
    assert all(hasattr(leaf, "__dask_graph__") for leaf in fd.tree_leaves(g))
    ((value, g),) = dask.compute((value, g))
    want_value, want = s2sad.value_and_grad(fn, argnums=argnums)(*host)
    np.testing.assert_allclose(value, want_value, rtol=1e-12)
    fd.assert_tree_allclose(g, want, rtol=1e-10, atol=1e-12)
    for a, b in zip(fd.tree_leaves(g), fd.tree_leaves(want)):
        assert np.shape(a) == np.shape(b) and np.asarray(a).dtype == np.asarray(b).dtype


def test_on_a_local_cluster_of_processes():
    distributed = pytest.importorskip("dask.distributed")
    (case,) = [c for c in _cases() if c.id == "mlp_layers"]
    fn, argnums, host, lazy = case.values
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  dashboard_address=None) as cluster, \
            distributed.Client(cluster):  # dask.compute runs on the client's cluster
        (g,) = dask.compute(s2sad.grad(fn, argnums=argnums)(*lazy))
    fd.assert_tree_allclose(g, s2sad.grad(fn, argnums=argnums)(*host), rtol=1e-10, atol=1e-12)


def test_no_host_array_of_the_datas_size_enters_the_graph():
    """Data drawn on the workers: the gradient's graph holds no NumPy array the size of a
    data column (a cotangent broadcast on the host would put one there, to be shipped to
    every worker)."""
    import pickle

    X = da.random.default_rng(3).standard_normal((40_000, 6), chunks=(10_000, 6))
    y = (X[:, 0] > 0).astype(np.float64)
    g = s2sad.grad(logistic)(np.linspace(-1.0, 1.0, 6), X, y)
    sizes = [len(pickle.dumps(v)) for v in dict(g.__dask_graph__()).values()]
    assert max(sizes) < 40_000 * 8 // 4  # a quarter of a column: nothing of the data's size
