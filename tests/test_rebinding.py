"""A global or closure variable rebound between two calls (a helper, an array, a number),
or an attribute of a user module or object the code reads, gives the gradient of the
function as it reads now, never code built from the old value: both through the
transformed function already called and through a new one, with and without the disk
cache (``pipeline.bindings_hold``, checked on every call)."""

from __future__ import annotations

import importlib
import sys

import numpy as np
import pytest

import s2sad
from fd import numerical_grad, numerical_hessian

MODEL = """\
import numpy as np

import SETTINGS

SCALE = 2.0
W = np.array([1.0, 2.0, 3.0])


def helper(v):
    return np.sin(v)


def loss(x):
    return np.sum(helper(x) * W) * SCALE


def with_act(x, act=np.sin):
    return np.sum(act(x) * W) * SCALE


def loop(x):
    y = x
    for _ in range(4):
        y = y * SCALE + 0.1 * y * y
    return y


class Config:
    def __init__(self):
        self.rate = 0.5


CONFIG = Config()


def configured(x):
    return np.sum(np.sin(x * CONFIG.rate))


def through_module(x):
    return np.sum(np.tanh(SETTINGS.GAIN * x))


def factory(c):
    def inner(x):
        return np.sum(np.tanh(c * x))

    def rebind(value):
        nonlocal c
        c = value

    return inner, rebind
"""

X = np.array([0.1, -0.4, 0.7])


@pytest.fixture(params=["disk cache", "no cache"])
def model(request, tmp_path, monkeypatch):
    if request.param == "no cache":
        monkeypatch.setenv("S2SAD_NO_CACHE", "1")
    else:
        monkeypatch.delenv("S2SAD_NO_CACHE", raising=False)
        monkeypatch.setenv("S2SAD_CACHE_DIR", str(tmp_path / "cache"))
    name = f"rebind_model_{request.param.replace(' ', '_')}"
    (tmp_path / f"{name}_settings.py").write_text("GAIN = 1.5\n")
    (tmp_path / f"{name}.py").write_text(MODEL.replace("SETTINGS", f"{name}_settings"))
    monkeypatch.syspath_prepend(str(tmp_path))
    module = importlib.import_module(name)
    yield module
    sys.modules.pop(name, None)
    sys.modules.pop(f"{name}_settings", None)


def _check(g, fn, x):
    np.testing.assert_allclose(g(x), numerical_grad(fn, (x,)), rtol=1e-6, atol=1e-9)


def test_a_rebound_global_array_helper_and_constant(model):
    g = s2sad.grad(model.loss)
    _check(g, model.loss, X)
    model.W = np.array([10.0, -20.0, 0.5])  # a new array (not changed in place)
    _check(g, model.loss, X)
    _check(s2sad.grad(model.loss), model.loss, X)
    model.helper = np.cos
    _check(g, model.loss, X)
    _check(s2sad.grad(model.loss), model.loss, X)
    model.SCALE = -3.0
    _check(g, model.loss, X)
    _check(s2sad.grad(model.loss), model.loss, X)


def test_a_changed_number_in_a_specialized_scalar_loop(model):
    g = s2sad.grad(model.loop)
    first = g(0.3)
    model.SCALE = 3.0
    h = 1e-6
    expected = (model.loop(0.3 + h) - model.loop(0.3 - h)) / (2 * h)
    assert g(0.3) == pytest.approx(expected, rel=1e-6) and g(0.3) != first
    assert s2sad.value_and_grad(model.loop)(0.3)[1] == pytest.approx(expected, rel=1e-6)


def test_a_rebound_closure_variable(model):
    inner, rebind = model.factory(0.5)
    g = s2sad.grad(inner)
    _check(g, inner, X)
    rebind(2.5)
    _check(g, inner, X)
    _check(s2sad.grad(inner), inner, X)



def test_an_attribute_of_a_user_module_or_object(model):
    settings = sys.modules[f"{model.__name__}_settings"]
    for fn, change in ((model.configured, lambda: setattr(model.CONFIG, "rate", -2.0)),
                       (model.through_module, lambda: setattr(settings, "GAIN", -0.7))):
        g = s2sad.grad(fn)
        _check(g, fn, X)
        change()
        _check(g, fn, X)
        _check(s2sad.grad(fn), fn, X)



@pytest.mark.parametrize("transform", ["bound function", "vmap of grad", "hessian",
                                       "jacfwd of grad"])
def test_transforms_that_keep_entries_of_their_own(model, transform):
    """Transforms that remember code beside the memo (a function passed as an argument,
    vmap's plans of axes, hessian's gradient, an inner transform's entry) see a rebound
    global too."""
    xs = np.stack([X, 0.5 * X])
    if transform == "bound function":
        g = s2sad.grad(model.with_act)
        run = lambda: g(X, act=np.tanh)  # noqa: E731
        expected = lambda: numerical_grad(  # noqa: E731
            lambda x: model.with_act(x, act=np.tanh), (X,))
    elif transform == "vmap of grad":
        g = s2sad.vmap(s2sad.grad(model.loss))
        run = lambda: g(xs)  # noqa: E731
        expected = lambda: np.stack(  # noqa: E731
            [numerical_grad(model.loss, (x,)) for x in xs])
    else:
        g = (s2sad.hessian(model.loss) if transform == "hessian"
             else s2sad.jacfwd(s2sad.grad(model.loss)))
        run = lambda: g(X)  # noqa: E731
        expected = lambda: numerical_hessian(model.loss, (X,))  # noqa: E731
    np.testing.assert_allclose(run(), expected(), rtol=1e-5, atol=1e-6)
    model.W = np.array([10.0, -20.0, 0.5])
    np.testing.assert_allclose(run(), expected(), rtol=1e-5, atol=1e-6)
