"""The CuPy backend without a GPU: every corpus function's CuPy module is generated, its
text checked, and it is run with a NumPy-backed stand-in for ``cupy``/``cupyx``
(``tests/fake_cupy.py``, which refuses host arrays as CuPy does and records every host
sync); its numbers must be the NumPy backend's, straight-line code must never read a
device value on the host, and control flow only where the code says so. Tests that
need a real GPU are in ``test_cupy_gpu.py``.
"""

from __future__ import annotations

import linecache

import numpy as np
import pytest

import fake_cupy
import fd
import s2sad
from corpus import aliasing, bind, control, examples, straight
from s2sad.codegen import backends
from s2sad.runtime import cupy_table


@pytest.fixture(autouse=True)
def cupy():
    """The stand-in as ``cupy`` for the test (a real CuPy, if any, comes back after)."""
    fake_cupy.install()
    yield fake_cupy.cupy
    fake_cupy.uninstall()


def _has_generator(args) -> bool:
    return any(isinstance(a, (np.random.Generator, np.random.RandomState)) for a in args)


def _cases(corpus):
    return [pytest.param(c, args, id=f"{c.name}-{k}")
            for c in corpus for k, args in enumerate(c.inputs())
            # a NumPy random generator draws host arrays: CuPy code needs cupy.random's
            if not _has_generator(args)]


CORPUS = _cases(straight.CORPUS) + _cases(control.CORPUS) + _cases(examples.CORPUS)
# SciPy functions cupyx.scipy does not have (cupy_table.LACKING_SCIPY)
LACKING = {"gaussian_loglik": "scipy.stats.norm", "gp_marginal_likelihood": "scipy.linalg.cholesky",
           "mixture_log_likelihood": "scipy.stats.norm", "bayes_logreg_log_joint": "scipy.stats.norm"}


def _same(on_device, on_host, rtol=1e-9, atol=1e-12):
    """``on_device`` (device arrays) equals ``on_host`` (the NumPy backend's), dtypes too."""
    host = fake_cupy.to_host(on_device)
    for a, b in zip(fd.tree_leaves(host), fd.tree_leaves(on_host)):
        if isinstance(b, np.ndarray):
            assert isinstance(a, np.ndarray) and a.dtype == b.dtype and a.shape == b.shape
        np.testing.assert_allclose(np.asarray(a, np.float64), np.asarray(b, np.float64),
                                   rtol=rtol, atol=atol)


def _assert_cupy_text(source: str) -> None:
    assert "import cupy as cp" in source
    assert "import numpy" not in source
    assert cupy_table.dotted_names(source, "np") == []  # no NumPy call left (comments aside)
    assert "from s2sad.runtime import cupy_runtime as _rt" in source or "_rt." not in source


# --------------------------------------------------------------------------- the corpus


@pytest.mark.parametrize("c, args", CORPUS)
def test_grad_matches_the_numpy_backend(c, args):
    expected = s2sad.grad(c.fn, argnums=c.argnums)(*args)
    f = s2sad.grad(c.fn, argnums=c.argnums, backend="cupy")
    if c.name in LACKING:  # refused by name when the module is made
        with pytest.raises(s2sad.DifferentiationError, match=LACKING[c.name]):
            f.source
        return
    _assert_cupy_text(f.source)
    _same(f(*fake_cupy.to_device(args)), expected)


@pytest.mark.parametrize("c, args", CORPUS)
def test_generated_code_calls_cupy_itself(c, args):
    """The module's entry, run directly: every array call is CuPy's own (no NumPy
    function ever reaches a device array through NumPy's dispatch)."""
    if c.name in LACKING:
        pytest.skip(f"CuPy has no {LACKING[c.name]}")
    gen = s2sad.value_and_grad(c.fn, argnums=c.argnums, backend="cupy").generated
    fake_cupy.DISPATCHED.clear()
    fake_cupy.SYNCS.clear()
    value, g = gen.entry(*fake_cupy.to_device(args))
    syncs = list(fake_cupy.SYNCS)
    assert fake_cupy.DISPATCHED == []
    _same(value, c.fn(*args), rtol=1e-10)
    if c in straight.CORPUS:  # straight-line code: no device value is read on the host
        assert syncs == []
    for sync in syncs:  # control flow: only where the code says so
        where = sync.split(" at ")[1]
        assert where.startswith("<s2sad-generated-"), sync  # never inside a runtime helper
        filename, line = where.rsplit(":", 1)
        assert linecache.getline(filename, int(line) - 1).strip().startswith("# host sync"), \
            (sync, linecache.getline(filename, int(line)))


@pytest.mark.parametrize("f", [pytest.param(f, id=f.__name__, marks=pytest.mark.xfail(
    reason="runtime zero_at turns a list cotangent into an array; NumPy then adds a list to "
           "it, CuPy refuses", strict=True)) if f is aliasing.list_element else
    pytest.param(f, id=f.__name__) for f in aliasing.CORPUS])
def test_updates_through_views(f):
    x = aliasing.INPUT.copy()
    expected = s2sad.grad(f)(x)
    on_device = fake_cupy.to_device(x)
    _same(s2sad.grad(f, backend="cupy")(on_device), expected)
    np.testing.assert_array_equal(on_device.get(), aliasing.INPUT)  # the argument untouched


@pytest.mark.parametrize("c", [pytest.param(c, id=c.name) for c in straight.CORPUS if c.f32])
def test_float32_stays_float32(c):
    (args,) = c.inputs()
    args32 = tuple(a.astype(np.float32) if isinstance(a, np.ndarray) and a.dtype == np.float64
                   else a for a in args)
    g = s2sad.grad(c.fn, argnums=c.argnums, backend="cupy")(*fake_cupy.to_device(args32))
    for leaf, arg in zip(fd.tree_leaves(g), [args32[i] for i in c.nums]):
        if isinstance(arg, np.ndarray):
            assert leaf.dtype == np.float32
    _same(g, s2sad.grad(c.fn, argnums=c.argnums)(*args32), rtol=1e-5, atol=1e-6)


# --------------------------------------------------------------------------- other transforms


VECTOR = [pytest.param(c, id=c.name) for c in straight.VECTOR_CORPUS]


@pytest.mark.parametrize("c", VECTOR)
@pytest.mark.parametrize("transform", ["jacfwd", "jacrev"])
def test_jacobians(c, transform):
    (args,) = c.inputs()
    expected = getattr(s2sad, transform)(c.fn, argnums=c.argnums)(*args)
    f = getattr(s2sad, transform)(c.fn, argnums=c.argnums, backend="cupy")
    _assert_cupy_text(f.source)
    _same(f(*fake_cupy.to_device(args)), expected)


@pytest.mark.parametrize("c", VECTOR)
def test_jvp_and_vjp(c):
    (args,) = c.inputs()
    g, primals = bind(c.fn, args, c.nums)
    tangents = tuple(np.ones_like(p) * 0.5 for p in primals)
    out, t = s2sad.jvp(g, primals, tangents)
    d_out, d_t = s2sad.jvp(g, fake_cupy.to_device(primals), fake_cupy.to_device(tangents),
                           backend="cupy")
    _same((d_out, d_t), (out, t))
    out, pullback = s2sad.vjp(g, *primals)
    d_out, d_pullback = s2sad.vjp(g, *fake_cupy.to_device(primals), backend="cupy")
    ct = np.linspace(-1.0, 1.0, np.size(out)).reshape(np.shape(out))
    _same(d_pullback(fake_cupy.to_device(ct)), pullback(ct))


def test_hessian_and_hvp():
    x = np.array([-0.7, 1.3, 0.4, 2.0])
    expected = s2sad.hessian(straight.rosenbrock)(x)
    _same(s2sad.hessian(straight.rosenbrock, backend="cupy")(fake_cupy.to_device(x)), expected)
    v = np.array([1.0, -2.0, 0.5, 0.25])
    _same(s2sad.hvp(straight.rosenbrock, (fake_cupy.to_device(x),), (fake_cupy.to_device(v),),
                    backend="cupy"), expected @ v)


def test_decorator_backend():
    @s2sad.differentiate(argnums=(0, 1), backend="cupy")
    def loss(w, b, X, y):
        z = X @ w + b
        return np.mean(np.logaddexp(0.0, z) - y * z) + 0.01 * np.sum(w ** 2)

    rng = np.random.default_rng(3)
    args = (rng.normal(size=4), 0.3, rng.normal(size=(16, 4)), (rng.random(16) > 0.5) * 1.0)
    device = fake_cupy.to_device(args)
    expected = s2sad.grad(loss.__wrapped__, argnums=(0, 1))(*args)
    _same(loss.grad(*device), expected)
    value, g = loss.value_and_grad(*device)
    _same(g, expected)
    assert "cp." in loss.source("grad") and "cp." in loss.source("hessian")
    assert isinstance(loss(*args), float)  # calling it runs the original function


# --------------------------------------------------------------------------- text


def test_scatter_add_and_host_syncs_in_the_text():
    src = s2sad.grad(straight.log_softmax_nll, backend="cupy").source
    _assert_cupy_text(src)
    branch = s2sad.grad(control.relu_branch, backend="cupy").source
    assert "# host sync: _t1 is read on the host" in branch
    assert branch.count("# host sync") == branch.count("if _t1:")
    loops = s2sad.grad(control.for_range_len, backend="cupy").source
    assert "# host sync" not in loops  # range loops test host counters
    table = backends.convert("import numpy as np\n\n\ndef f(a, i, g):\n"
                             "    np.add.at(a, i, g)\n    return a\n", "cupy")
    assert "cupyx.scatter_add(a, i, g)" in table and "import cupyx" in table


def test_the_runtime_twin_runs_on_device_arrays(cupy):
    from s2sad.runtime import cupy_runtime

    assert cupy_runtime.xp is cupy
    out = cupy_runtime.getitem_vjp(cupy.ones(3), cupy.zeros(4),
                                   cupy.asarray(np.array([0, 0, 2])))
    np.testing.assert_array_equal(out.get(), [2.0, 0.0, 1.0, 0.0])  # repeated index summed


def test_numpy_function_cupy_lacks_is_refused_by_name():
    with pytest.raises(s2sad.DifferentiationError, match="numpy.linalg.multi_dot"):
        backends.convert("import numpy as np\n\n\ndef f(a):\n"
                         "    return np.linalg.multi_dot([a, a])\n", "cupy")


def test_source_needs_no_cupy(monkeypatch):
    monkeypatch.setitem(__import__("sys").modules, "cupy", None)  # import cupy fails
    f = s2sad.grad(straight.rosenbrock, backend="cupy")
    assert "cp.sum" in f.source
    with pytest.raises(ImportError, match="needs no CuPy"):
        f(np.ones(3))


@pytest.mark.parametrize("bad", ["torch", "", None, "CuPy"])
def test_unknown_backend(bad):
    with pytest.raises(ValueError, match="backend must be 'numpy' or 'cupy'"):
        s2sad.grad(straight.rosenbrock, backend=bad)
    with pytest.raises(ValueError, match="backend must be"):
        s2sad.differentiate(backend=bad)


def test_jit_numba_does_not_combine_with_cupy():
    pytest.importorskip("numba")
    with pytest.raises(ValueError, match="does not combine with backend='cupy'"):
        s2sad.grad(straight.rosenbrock, jit="numba", backend="cupy")


@pytest.mark.parametrize("fn", [straight.rosenbrock, straight.softmax_entropy])
def test_vmap_of_grad(fn):
    x = np.random.default_rng(7).normal(size=(6, 5))
    expected = s2sad.vmap(s2sad.grad(fn))(x)
    f = s2sad.vmap(s2sad.grad(fn), backend="cupy")
    _assert_cupy_text(f.source)
    _same(f(fake_cupy.to_device(x)), expected)


def test_vmap_of_a_branch_selects_per_example():
    x = np.array([1.3, -0.7, 0.2])
    expected = s2sad.vmap(s2sad.grad(control.relu_branch))(x)
    got = s2sad.vmap(s2sad.grad(control.relu_branch), backend="cupy")(fake_cupy.to_device(x))
    _same(got, expected)


def test_device_arrays_get_specialized_modules():
    """A CuPy array has the kind of a NumPy array of its dtype and shape, so calls run the
    module specialized to it (fewer helper calls), converted like any other."""
    from s2sad.api import _plain_signature

    x = fake_cupy.to_device(np.array([0.3, -1.2, 0.8]))
    assert _plain_signature((x, 2.0)) == (("array", "<f8", (False,)), "float")
    f = s2sad.grad(straight.rosenbrock, backend="cupy")
    _same(f(x), s2sad.grad(straight.rosenbrock)(x.get()))
    (signature,) = f.__dict__["_specialized"]
    assert signature == (("array", "<f8", (False,)),)
