"""The public API of API.md: the decorator, argnums, has_aux, pytrees, ``.source``."""

import ast
import inspect
import os
import subprocess
import sys
import textwrap
import types
from pathlib import Path

import numpy as np
import pytest

import fd
import s2sad
from corpus import control, straight

REPO = Path(__file__).resolve().parent.parent


# --------------------------------------------------------------------------- user code


@s2sad.differentiate
def mse(w, X, y):
    """Mean squared error of a linear model."""
    r = X @ w - y
    return np.mean(r ** 2)


def _mse_plain(w, X, y):
    r = X @ w - y
    return np.mean(r ** 2)


@s2sad.differentiate(argnums=(0, 1), has_aux=True)
def affine_loss(w, b, X):
    """Loss with aux: (value, (pred, label))."""
    pred = np.tanh(X @ w + b)
    return np.sum(pred ** 2), (pred, "label")


@s2sad.differentiate()
def with_empty_options(x, k=2.0):
    return k * np.sum(np.sin(x))


def loss_and_aux(x, scale):
    y = np.exp(scale * x)
    return np.sum(y), {"y": y, "scale": scale}


def square(x):
    y = x ** 2
    return np.sum(y), y


def three_args(a, b, c):
    return np.sum(a * b) + c * np.sum(np.sin(a)) + np.sum(b ** 3)


def pytree_loss(tree):
    (a, b) = tree["pair"]
    c = tree["list"][0]
    d = tree["list"][1]["deep"]
    return np.sum(a * b) + tree["s"] * np.sum(c ** 2) + np.sum(np.tanh(d)) + tree["s"] ** 3


class Scaler:
    def __init__(self, k):
        self.k = k

    @s2sad.differentiate
    def energy(self, x):
        """Energy scaled by k."""
        return self.k * np.sum(x ** 2)


def _data(seed=0):
    r = np.random.default_rng(seed)
    return r.standard_normal(3), r.standard_normal((5, 3)), r.standard_normal(5)


def _pytree():
    r = np.random.default_rng(1)
    return {"pair": (r.standard_normal(3), r.standard_normal(3)),
            "list": [r.standard_normal(2), {"deep": r.standard_normal((2, 2)).astype(np.float32)}],
            "s": 0.7}


# --------------------------------------------------------------------------- the decorator


def test_decorator_keeps_name_docstring_signature():
    assert mse.__name__ == "mse"
    assert mse.__doc__ == "Mean squared error of a linear model."
    assert str(inspect.signature(mse)) == "(w, X, y)"
    assert affine_loss.__name__ == "affine_loss"
    assert affine_loss.__doc__.startswith("Loss with aux")
    assert str(inspect.signature(affine_loss)) == "(w, b, X)"
    assert str(inspect.signature(with_empty_options)) == "(x, k=2.0)"


CALLS = []


@s2sad.differentiate
def traced(x):
    CALLS.append(x)  # a side effect no transform supports: only the original can run this
    return x * 2


def test_calling_the_decorated_function_runs_the_original():
    w, X, y = _data()
    assert mse(w, X, y) == _mse_plain(w, X, y)
    value, (pred, label) = affine_loss(w, 0.5, X)
    assert label == "label" and pred.shape == (5,)
    CALLS.clear()
    assert traced(3) == 6 and traced("ab") == "abab"
    assert CALLS == [3, "ab"]


def test_decorator_grad_value_and_grad_grad_and_value():
    w, X, y = _data()
    expected = fd.numerical_grad(_mse_plain, (w, X, y))
    value = _mse_plain(w, X, y)
    fd.assert_tree_allclose(mse.grad(w, X, y), expected, rtol=1e-6)
    v, g = mse.value_and_grad(w, X, y)
    assert v == pytest.approx(value, rel=1e-12)
    fd.assert_tree_allclose(g, expected, rtol=1e-6)
    g, v = mse.grad_and_value(w, X, y)
    assert v == pytest.approx(value, rel=1e-12)
    fd.assert_tree_allclose(g, expected, rtol=1e-6)


def test_decorator_vjp_has_one_cotangent_per_primal():
    w, X, y = _data()
    out, vjp_fn = mse.vjp(w, X, y)
    assert out == pytest.approx(_mse_plain(w, X, y), rel=1e-12)
    cts = vjp_fn(1.0)
    assert isinstance(cts, tuple) and len(cts) == 3
    expected = fd.numerical_grad(_mse_plain, (w, X, y), (0, 1, 2))
    fd.assert_tree_allclose(cts, expected, rtol=1e-6)
    fd.assert_tree_allclose(vjp_fn(2.0), tuple(2.0 * e for e in expected), rtol=1e-6)


def test_decorator_with_options():
    w, X, _ = _data()
    (gw, gb), (pred, label) = affine_loss.grad(w, 0.5, X)
    f = lambda w, b, X: affine_loss(w, b, X)[0]  # noqa: E731
    ew, eb = fd.numerical_grad(f, (w, 0.5, X), (0, 1))
    fd.assert_tree_allclose(gw, ew, rtol=1e-6)
    assert isinstance(gb, float) and gb == pytest.approx(eb, rel=1e-6)
    np.testing.assert_allclose(pred, np.tanh(X @ w + 0.5), rtol=1e-14)
    assert label == "label"

    (value, aux), (gw2, gb2) = affine_loss.value_and_grad(w, 0.5, X)
    assert value == pytest.approx(f(w, 0.5, X), rel=1e-12)
    assert aux[1] == "label"
    (gw3, gb3), (value3, aux3) = affine_loss.grad_and_value(w, 0.5, X)
    assert value3 == pytest.approx(value, rel=1e-12)
    np.testing.assert_allclose(gw2, gw, rtol=1e-14)
    np.testing.assert_allclose(gw3, gw, rtol=1e-14)
    assert gb2 == pytest.approx(gb, rel=1e-14) and gb3 == pytest.approx(gb, rel=1e-14)


def test_decorator_with_empty_parentheses_and_default_argument():
    x = np.array([0.1, 0.5, -0.3])
    np.testing.assert_allclose(with_empty_options.grad(x), 2.0 * np.cos(x), rtol=1e-14)
    np.testing.assert_allclose(with_empty_options.grad(x, 3.0), 3.0 * np.cos(x), rtol=1e-14)


def test_decorated_method_binds_self():
    x = np.array([1.0, -2.0])
    s = Scaler(3.0)
    assert s.energy(x) == pytest.approx(15.0)
    assert s.energy.__name__ == "energy"
    np.testing.assert_allclose(s.energy.grad(x), 6.0 * x, rtol=1e-14)
    np.testing.assert_allclose(Scaler(0.5).energy.grad(x), 1.0 * x, rtol=1e-14)


def test_decorator_source():
    for transform in ("grad", "value_and_grad", "grad_and_value"):
        text = mse.source(transform)
        assert isinstance(text, str) and "def " in text
        ast.parse(text)
    assert mse.source("grad") == s2sad.grad(mse.__wrapped__).source


# --------------------------------------------------------------------------- source


def test_source_function_equals_source_attribute():
    g = s2sad.grad(straight.rosenbrock)
    assert isinstance(g.source, str) and "def " in g.source
    assert s2sad.source(g) == g.source
    for t in (s2sad.value_and_grad, s2sad.grad_and_value):
        h = t(straight.logistic_loss, argnums=(0, 1))
        assert s2sad.source(h) == h.source and "def " in h.source


def _decay(k, c):
    """Two Python floats and a loop: ``grad`` called with floats runs forward mode."""
    y = 1.0
    for _ in range(20):
        y = y + 0.05 * (c - k * y)
    return y


def _layer(w, x):
    return np.tanh(x @ w)


def _apply(x, act):
    return np.sum(act(x) ** 2)


def _modules_run(call) -> list[str]:
    """The file names of the generated modules whose code ``call()`` runs, in order."""
    seen: list[str] = []

    def profile(frame, event, arg):
        name = frame.f_code.co_filename
        if event == "call" and name.startswith("<s2sad-generated-") and name not in seen:
            seen.append(name)

    sys.setprofile(profile)
    try:
        call()
    finally:
        sys.setprofile(None)
    return seen


def _file_of(source: str) -> str:
    """The file name a generated module is loaded under (its text's SHA-256)."""
    import hashlib

    return f"<s2sad-generated-{hashlib.sha256(source.encode()).hexdigest()[:16]}>"


def test_source_with_example_arguments_is_the_code_a_call_with_them_runs():
    """``s2sad.source(g, *args)`` / ``f.source(t, *args)``: the module specialized to the
    arguments' kinds, the very one a call with them runs; without them, the generic one."""
    g = s2sad.grad(_decay)
    floats, generic = s2sad.source(g, 0.5, 1.0), s2sad.source(g)
    assert generic == g.source and floats != generic
    assert "with respect to k: forward mode (1 scalar input, loops; no tape)." in floats
    assert "forward mode" not in generic
    assert _modules_run(lambda: g(0.5, 1.0)) == [_file_of(floats)]
    assert s2sad.differentiate(_decay).source("grad", 0.5, 1.0) == floats
    assert g(0.5, 1.0) == pytest.approx(fd.numerical_grad(_decay, (0.5, 1.0)), rel=1e-8)

    w, X, y = np.array([0.5, -1.0]), np.arange(6.0).reshape(3, 2), np.array([1.0, 0.0, 2.0])
    g = s2sad.grad(_mse_plain)
    arrays = s2sad.source(g, w, X, y)
    assert "_rt.unbroadcast" in s2sad.source(g) and "_rt.unbroadcast" not in arrays
    assert _modules_run(lambda: g(w, X, y)) == [_file_of(arrays)]
    f = s2sad.differentiate(_mse_plain)
    assert f.source("grad", w, X, y) == arrays and f.source("grad") == s2sad.source(g)


@pytest.mark.parametrize("transform", ["grad", "value_and_grad", "grad_and_value", "jacfwd",
                                       "jacrev", "hessian", "vjp", "jvp", "hvp"])
def test_decorator_source_with_example_arguments_is_what_the_method_runs(transform):
    w, x = np.array([0.3, -0.7]), np.array([[1.0, 2.0], [0.5, -1.0], [0.0, 3.0]])
    f = s2sad.differentiate(_layer if transform in ("jacfwd", "jacrev") else _mse_plain)
    args = (w, x) if transform in ("jacfwd", "jacrev") else (w, x, np.ones(3))
    calls = {"vjp": lambda: f.vjp(*args)[1](np.float64(1.0)),
             "jvp": lambda: f.jvp(args, args), "hvp": lambda: f.hvp(args, args)}
    call = calls.get(transform, lambda: getattr(f, transform)(*args))
    assert _modules_run(call)[0] == _file_of(f.source(transform, *args))


def test_source_with_example_arguments_of_vmap_and_of_functions_passed():
    """vmap: the module of the plan the arguments give (a vmap of a vmap: the one vmap over
    both axes it runs); a function passed as an argument: the code bound to it."""
    w, xs, ys = np.array([0.5, -1.0]), np.ones((4, 3, 2)), np.ones((4, 3))
    v = s2sad.vmap(s2sad.grad(_mse_plain), in_axes=(None, 0, 0))
    text = s2sad.source(v, w, xs, ys)
    assert text != s2sad.source(v) and _modules_run(lambda: v(w, xs, ys)) == [_file_of(text)]
    vv = s2sad.vmap(s2sad.vmap(_layer, in_axes=(None, 0)), in_axes=(None, 0))
    xss = np.ones((5, 4, 3, 2))
    assert _modules_run(lambda: vv(w, xss)) == [_file_of(s2sad.source(vv, w, xss))]

    g, x = s2sad.grad(_apply), np.array([0.1, 0.2])
    text = s2sad.source(g, x, act=np.sin)
    assert "np.sin(x)" in text and "np.tanh(x)" in s2sad.source(g, x, np.tanh)
    assert _modules_run(lambda: g(x, act=np.sin)) == [_file_of(text)]


def _fresh(fn):
    """The same code as a new function object (no in-process memo can answer for it)."""
    new = types.FunctionType(fn.__code__, fn.__globals__, fn.__name__, fn.__defaults__,
                             fn.__closure__)
    new.__kwdefaults__ = fn.__kwdefaults__
    new.__qualname__ = fn.__qualname__
    new.__module__ = fn.__module__
    return new


DETERMINISM = [straight.mlp_loss, straight.attention, control.rk4_ode, control.newton_sqrt,
               control.recurrence_in_place, control.while_true_break_continue]


@pytest.mark.parametrize("fn", DETERMINISM, ids=lambda f: f.__name__)
def test_generated_source_is_deterministic(fn, monkeypatch, tmp_path):
    first = s2sad.grad(fn).source
    assert s2sad.grad(fn).source == first
    assert s2sad.grad(_fresh(fn)).source == first
    monkeypatch.setenv("S2SAD_NO_CACHE", "1")
    assert s2sad.grad(_fresh(fn)).source == first
    monkeypatch.delenv("S2SAD_NO_CACHE")
    monkeypatch.setenv("S2SAD_CACHE_DIR", str(tmp_path / "cold"))
    assert s2sad.grad(_fresh(fn)).source == first


def test_generated_source_is_the_same_in_a_fresh_process(tmp_path):
    code = textwrap.dedent("""
        import sys
        sys.path.insert(0, "tests")
        import s2sad
        from corpus import control
        sys.stdout.write(s2sad.grad(control.rk4_ode, argnums=(0, 1)).source)
    """)
    env = dict(os.environ, S2SAD_NO_CACHE="1", S2SAD_CACHE_DIR=str(tmp_path / "c"),
               PYTHONHASHSEED="123")
    proc = subprocess.run([sys.executable, "-c", code], cwd=REPO, env=env, capture_output=True,
                          text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == s2sad.grad(control.rk4_ode, argnums=(0, 1)).source


ALLOWED_IMPORTS = {"numpy", "s2sad.runtime", "__future__"}


def _imports(text: str) -> list[str]:
    names = []
    for node in ast.walk(ast.parse(text)):
        if isinstance(node, ast.Import):
            names += [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            assert node.level == 0, "relative import in generated code"
            if node.module == "s2sad":
                names += [f"s2sad.{a.name}" for a in node.names]
            else:
                names.append(node.module)
    return names


IMPORT_CASES = [
    (s2sad.grad, straight.mlp_loss), (s2sad.value_and_grad, straight.calls_other_module),
    (s2sad.grad_and_value, control.rk4_ode), (s2sad.grad, control.recurrence_in_place),
    (s2sad.grad, control.newton_cubic), (s2sad.grad, control.power),
    (s2sad.grad, control.MODEL.loss), (s2sad.hessian, straight.rosenbrock),
    (s2sad.jacfwd, straight.softmax_vec), (s2sad.jacrev, straight.softmax_vec),
]


@pytest.mark.parametrize("transform, fn", IMPORT_CASES,
                         ids=[f"{t.__name__}-{f.__name__}" for t, f in IMPORT_CASES])
def test_generated_code_imports_only_numpy_and_the_runtime(transform, fn):
    text = transform(fn).source
    names = _imports(text)
    assert "numpy" in names
    bad = [n for n in names if n.split(".")[0] not in ("numpy", "__future__")
           and not n.startswith("s2sad.runtime")]
    assert not bad, f"generated code imports {bad}"
    for line in text.splitlines():
        if "import" in line and "s2sad" in line:
            assert "runtime" in line, line


# --------------------------------------------------------------------------- argnums


def test_argnums_int_and_tuple():
    a, b, c = np.array([0.5, -1.0]), np.array([2.0, 0.3]), 1.5
    ga, gb, gc = fd.numerical_grad(three_args, (a, b, c), (0, 1, 2))
    fd.assert_tree_allclose(s2sad.grad(three_args)(a, b, c), ga, rtol=1e-6)
    fd.assert_tree_allclose(s2sad.grad(three_args, argnums=1)(a, b, c), gb, rtol=1e-6)
    g = s2sad.grad(three_args, argnums=2)(a, b, c)
    assert isinstance(g, float) and g == pytest.approx(gc, rel=1e-6)
    fd.assert_tree_allclose(s2sad.grad(three_args, argnums=(0, 2))(a, b, c), (ga, gc), rtol=1e-6)
    fd.assert_tree_allclose(s2sad.grad(three_args, argnums=(1,))(a, b, c), (gb,), rtol=1e-6)
    fd.assert_tree_allclose(s2sad.grad(three_args, argnums=(2, 0))(a, b, c), (gc, ga), rtol=1e-6)
    v, g = s2sad.value_and_grad(three_args, argnums=(0, 1))(a, b, c)
    assert v == pytest.approx(three_args(a, b, c), rel=1e-13)
    fd.assert_tree_allclose(g, (ga, gb), rtol=1e-6)


# --------------------------------------------------------------------------- has_aux


def test_has_aux_structures_follow_jax_and_torch_func():
    x, scale = np.array([0.1, -0.4, 0.3]), 0.8
    value, aux = loss_and_aux(x, scale)
    expected = np.exp(scale * x) * scale

    out = s2sad.grad(loss_and_aux, has_aux=True)(x, scale)
    assert isinstance(out, tuple) and len(out) == 2
    g, a = out
    np.testing.assert_allclose(g, expected, rtol=1e-13)
    assert set(a) == {"y", "scale"} and a["scale"] == scale
    np.testing.assert_allclose(a["y"], aux["y"], rtol=1e-14)

    out = s2sad.value_and_grad(loss_and_aux, has_aux=True)(x, scale)  # ((value, aux), g)
    assert isinstance(out, tuple) and len(out) == 2 and isinstance(out[0], tuple)
    (v, a), g = out
    assert v == pytest.approx(value, rel=1e-14)
    np.testing.assert_allclose(g, expected, rtol=1e-13)
    np.testing.assert_allclose(a["y"], aux["y"], rtol=1e-14)

    out = s2sad.grad_and_value(loss_and_aux, has_aux=True)(x, scale)  # (g, (value, aux))
    assert isinstance(out, tuple) and len(out) == 2 and isinstance(out[1], tuple)
    g, (v, a) = out
    assert v == pytest.approx(value, rel=1e-14)
    np.testing.assert_allclose(g, expected, rtol=1e-13)
    np.testing.assert_allclose(a["y"], aux["y"], rtol=1e-14)

    g, a = s2sad.grad(loss_and_aux, argnums=(0, 1), has_aux=True)(x, scale)
    assert isinstance(g, tuple) and len(g) == 2
    assert g[1] == pytest.approx(float(np.sum(x * np.exp(scale * x))), rel=1e-13)


def test_vjp_has_aux():
    x = np.array([0.1, -0.4, 0.3])
    out, vjp_fn, aux = s2sad.vjp(loss_and_aux, x, 0.8, has_aux=True)
    assert out == pytest.approx(np.sum(np.exp(0.8 * x)), rel=1e-14)
    np.testing.assert_allclose(aux["y"], np.exp(0.8 * x), rtol=1e-14)
    gx, gs = vjp_fn(1.0)
    np.testing.assert_allclose(gx, 0.8 * np.exp(0.8 * x), rtol=1e-13)
    assert gs == pytest.approx(float(np.sum(x * np.exp(0.8 * x))), rel=1e-13)


def test_seed_article_grad_and_value_with_aux_done_right():
    """torch.func.grad_and_value(square, has_aux=True) misused in the seed article: with
    has_aux the function returns (value, aux) and the result is (grad, (value, aux))."""
    x = np.array([1.0, 2.0, 3.0])
    g, (value, aux) = s2sad.grad_and_value(square, has_aux=True)(x)
    np.testing.assert_allclose(g, 2.0 * x, rtol=1e-14)
    assert value == pytest.approx(14.0)
    np.testing.assert_allclose(aux, x ** 2, rtol=1e-14)
    # and value_and_grad in JAX order
    (value, aux), g = s2sad.value_and_grad(square, has_aux=True)(x)
    assert value == pytest.approx(14.0)
    np.testing.assert_allclose(g, 2.0 * x, rtol=1e-14)


# --------------------------------------------------------------------------- pytrees


def test_pytree_argument_gives_gradient_of_same_structure_shape_dtype():
    tree = _pytree()
    g = s2sad.grad(pytree_loss)(tree)
    fd.assert_tree_like(g, tree)
    assert isinstance(g["s"], float)
    assert g["list"][1]["deep"].dtype == np.float32
    expected = fd.numerical_grad(pytree_loss, (tree,))
    fd.assert_tree_allclose(g, expected, rtol=1e-4, atol=1e-5, check_dtype=False)
    v, g2 = s2sad.value_and_grad(pytree_loss)(tree)
    assert v == pytest.approx(pytree_loss(tree), rel=1e-6)
    fd.assert_tree_like(g2, tree)


def tuple_loss(t):
    a, b = t
    return np.sum(a * b ** 2)


def list_loss(items):
    return np.sum(items[0] ** 2 * items[1]) + items[2] * np.sum(items[0])


def dict_loss(d):
    return np.sum(d["a"] * np.sin(d["b"]))


def nested_loss(t):
    inner = t[1][0]
    return np.sum(t[0][0] ** 2) + np.sum(inner["k"] * t[0][0]) + inner["s"] ** 2


PYTREE_CASES = [
    (tuple_loss, lambda x: (x, 2.0 * x)),
    (list_loss, lambda x: [x, np.cos(x), 1.5]),
    (dict_loss, lambda x: {"b": x, "a": 2.0 * x}),
    (nested_loss, lambda x: ((x,), [{"k": 2.0 * x, "s": 0.5}])),
]


@pytest.mark.parametrize("fn, make", PYTREE_CASES, ids=["tuple", "list", "dict", "nested"])
def test_pytree_containers(fn, make):
    tree = make(np.array([0.5, -1.0, 2.0]))
    g = s2sad.grad(fn)(tree)
    fd.assert_tree_allclose(g, fd.numerical_grad(fn, (tree,)), rtol=1e-6)
    (g2,) = s2sad.grad(fn, argnums=(0,))(tree)
    fd.assert_tree_allclose(g2, g, rtol=1e-14)


def test_gradient_dtype_follows_argument_dtype():
    x32 = np.array([0.5, -1.0, 2.0], dtype=np.float32)
    g = s2sad.grad(straight.sum_squares)(x32)
    assert g.dtype == np.float32 and g.shape == (3,)
    np.testing.assert_allclose(g, 2 * x32, rtol=1e-6)
    g = s2sad.grad(straight.float_scalar)(0.5)
    assert type(g) is float or isinstance(g, float)


# --------------------------------------------------------------------------- dicts pair by key


def dict_model(p, x):
    h = np.tanh(x @ p["w"] + p["b"])
    return {"h": h, "n": np.sum(h ** 2) * p["s"]}


def dict_scalar(p, x):
    return dict_model(p, x)["n"]


def _dict_params(order=("w", "b", "s")):
    r = np.random.default_rng(7)
    values = {"w": r.standard_normal((3, 2)), "b": r.standard_normal(2), "s": 0.8}
    return {k: values[k] for k in order}


def test_jvp_pairs_dict_tangents_by_key_whatever_their_order():
    x = np.random.default_rng(8).standard_normal((4, 3))
    p = _dict_params()
    t = {k: np.cos(np.asarray(v) + 1.0) if k != "s" else 0.3 for k, v in p.items()}
    reordered = {k: t[k] for k in ("s", "b", "w")}
    out, dout = s2sad.jvp(dict_model, (p, x), (t, np.zeros_like(x)))
    out2, dout2 = s2sad.jvp(dict_model, (p, x), (reordered, np.zeros_like(x)))
    fd.assert_tree_allclose(dout2, dout, rtol=1e-14)
    assert list(dout2) == list(out2) == ["h", "n"]
    for key in ("h", "n"):
        expected = fd.numerical_jvp(lambda q: dict_model(q, x)[key], (p,), (t,))
        np.testing.assert_allclose(dout2[key], expected, rtol=1e-6, atol=1e-8)


def test_gradient_follows_the_primal_dict_order():
    x = np.random.default_rng(8).standard_normal((4, 3))
    for order in (("w", "b", "s"), ("s", "w", "b")):
        p = _dict_params(order)
        g = s2sad.grad(dict_scalar)(p, x)
        assert list(g) == list(order)
        fd.assert_tree_allclose(g, fd.numerical_grad(dict_scalar, (p, x)), rtol=1e-6)


def test_vjp_pairs_dict_cotangents_by_key():
    x = np.random.default_rng(8).standard_normal((4, 3))
    p = _dict_params()
    out, vjp_fn = s2sad.vjp(dict_model, p, x)
    ct = {"h": np.ones_like(out["h"]), "n": 2.0}
    (gp, gx) = vjp_fn(ct)
    (gp2, gx2) = vjp_fn({"n": 2.0, "h": np.ones_like(out["h"])})
    fd.assert_tree_allclose(gp2, gp, rtol=1e-14)
    np.testing.assert_allclose(gx2, gx, rtol=1e-14)
    assert list(gp2) == ["w", "b", "s"]

    def weighted(q):
        o = dict_model(q, x)
        return np.sum(o["h"]) + 2.0 * o["n"]

    fd.assert_tree_allclose(gp2, fd.numerical_grad(weighted, (p,)), rtol=1e-6)


def test_hvp_pairs_dict_tangents_by_key():
    x = np.random.default_rng(8).standard_normal((4, 3))
    p = _dict_params()
    t = {"s": 0.5, "b": np.ones(2), "w": np.full((3, 2), 0.25)}
    hv = s2sad.hvp(dict_scalar, (p, x), (t, np.zeros_like(x)))
    ordered = {k: t[k] for k in p}
    hv2 = s2sad.hvp(dict_scalar, (p, x), (ordered, np.zeros_like(x)))
    fd.assert_tree_allclose(hv, hv2, rtol=1e-14)
    assert list(hv) == list(p)


@pytest.mark.parametrize("tangent, message", [
    ({"w": 1.0, "c": 2.0, "s": 0.0}, r"tangent 0 is a dict with keys \['c', 's', 'w'\] but "
                                     r"primal 0 is a dict with keys \['b', 's', 'w'\]"),
    ({"w": 1.0, "b": 2.0}, r"keys \['b', 'w'\] but primal 0 is a dict with keys"),
    ((1.0, 2.0, 3.0), r"tangent 0 is a tuple of 3 items but primal 0 is a dict"),
])
def test_jvp_dict_tangent_with_other_keys_is_a_value_error_naming_them(tangent, message):
    x = np.ones((4, 3))
    with pytest.raises(ValueError, match=message):
        s2sad.jvp(dict_model, (_dict_params(), x), (tangent, np.zeros_like(x)))


def test_vjp_dict_cotangent_with_other_keys_is_a_value_error_naming_them():
    out, vjp_fn = s2sad.vjp(dict_model, _dict_params(), np.ones((4, 3)))
    with pytest.raises(ValueError, match=r"cotangent is a dict with keys \['h'\] but the output "
                                         r"is a dict with keys \['h', 'n'\]"):
        vjp_fn({"h": np.ones_like(out["h"])})


def reads_values_in_order(p):
    a, b = list(p.values())  # depends on the dict's order: tangents must follow the primal's
    return a * 2.0 + b * 10.0


def test_jvp_of_an_order_dependent_body_pairs_tangents_by_key():
    p = {"w": np.array([1.0, 2.0]), "b": np.array([3.0, 4.0])}
    t = {"b": np.array([1.0, 0.0]), "w": np.array([0.0, 1.0])}
    out, dout = s2sad.jvp(reads_values_in_order, (p,), (t,))
    np.testing.assert_allclose(dout, 2.0 * t["w"] + 10.0 * t["b"], rtol=1e-15)
