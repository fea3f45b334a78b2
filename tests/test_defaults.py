"""Default values of parameters (issue 9).

A default is evaluated where the function is defined, so it comes from the function
object (``__defaults__`` / ``__kwdefaults__``), not from the names in its source:
``def g(x, k=k)`` made inside ``mk(k)`` has the value ``mk`` was called with. A nested
``def`` lifted to a function of the program takes its defaults at the call sites.
"""

from __future__ import annotations

import numpy as np
import pytest

import s2sad
from fuzz.fixtures import fuzz_folder, module_from


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    yield from fuzz_folder(tmp_path_factory)

DEFAULTS = """
    import numpy as np

    def mk(k):
        def g(x, k=k):
            return x * k
        return g

    def mk_array(w):
        def g(x, w=w):
            return np.sum(np.sin(x) * w)
        return g

    def mk_lambda(k):
        return lambda x, k=k: x ** 2 * k

    def mk_kwonly(k):
        def g(x, *, k=k):
            return np.sin(x) * k
        return g

    def lifted(x):
        def g(p, c=0.1):
            return p * x[0] + c
        return np.sum(g(x)) + g(x[1], 2.0)

    def lifted_lambda(x):
        g = lambda p, c=0.5: p * x[1] + c
        return np.sum(g(x)) + g(x[0], c=2.0)

    def keyword_only(x):
        def g(p, c=0.1, *, d=2.0):
            return p * x[0] + c * d
        return np.sum(g(x, d=3.0))

    def star_args(x):
        def g(*ps):
            return ps[0]
        return g(x)

    def with_default(x, k=3.0):
        return np.sum(np.sin(x)) * k

    SCALE = 3.0
    W = np.array([1.0, 2.0, 3.0])

    def global_defaults(x):
        def g(v, c=SCALE, w=W, act=np.tanh, p=np.pi):
            return np.sum(act(v) * w) * c + p
        return g(x)

    def enclosing_defaults(x, k=2.0):
        s = np.sin(x)
        def g(v, c=k, d=s):
            return v * c * d
        h = lambda v, s=s: v * s
        return np.sum(g(x)) + np.sum(g(x, 1.0)) + np.sum(h(x))

    def same_name(x):
        k = np.cos(x)
        def g(v, k=k):
            return v * k
        return np.sum(g(x))

    def changes_later(x):
        k = np.sin(x)
        def g(v, c=k):
            return v * c
        k = k * 2.0
        return np.sum(g(x))

    def parameter_changes_later(x, k=2.0):
        def g(v, c=k):
            return v * c
        k = 5.0
        return np.sum(g(x))

    def passed_elsewhere(x):
        k = np.sin(x)
        def g(v, c=k):
            return v * c
        return apply(g, x)

    def apply(fn, x):
        return np.sum(fn(x))
"""


@pytest.fixture(scope="module")
def m(folder):
    return module_from(folder, "defaults", DEFAULTS)


def test_default_from_the_enclosing_scope(m):
    """The issue's case: ``mk(3.0)`` returns ``g(x, k=k)``; its default is 3.0."""
    assert s2sad.grad(m.mk(3.0))(2.0) == 3.0
    assert s2sad.value_and_grad(m.mk(3.0))(2.0) == (6.0, 3.0)
    assert s2sad.grad(m.mk_lambda(0.5))(2.0) == 2.0
    assert s2sad.grad(m.mk_kwonly(2.0))(0.5) == pytest.approx(2.0 * np.cos(0.5))
    w, x = np.array([1.0, 2.0, 3.0]), np.array([0.1, 0.2, 0.3])
    np.testing.assert_allclose(s2sad.grad(m.mk_array(w))(x), np.cos(x) * w)
    assert "k=3.0" in s2sad.grad(m.mk(3.0)).source


def test_a_default_passed_explicitly_wins(m):
    assert s2sad.grad(m.mk(3.0))(2.0, 5.0) == 5.0
    assert s2sad.grad(m.mk(3.0), argnums=1)(2.0, 5.0) == 2.0


def test_nested_def_with_defaults_that_reads_the_enclosing_scope(m):
    """Found by the program fuzzer: a nested def with a default that also reads an enclosing
    variable was lifted to ``def g(p, c=0.1, x)``, a SyntaxError in the generated code."""
    x = np.array([0.7, 0.76, 0.53])
    np.testing.assert_allclose(s2sad.grad(m.lifted)(x), [3.45, 1.4, 0.7])
    np.testing.assert_allclose(s2sad.grad(m.lifted_lambda)(x), [1.52, 3.45, 0.76])
    np.testing.assert_allclose(s2sad.jacfwd(m.lifted)(x), s2sad.grad(m.lifted)(x))


def test_nested_def_with_keyword_only_parameters(m):
    """Found by the fuzzers: a bare ``*`` (keyword-only marker) in a nested def was refused
    as ``*args``."""
    x = np.array([0.7, 0.76, 0.53])
    np.testing.assert_allclose(s2sad.grad(m.keyword_only)(x), [2.69, 0.7, 0.7])
    with pytest.raises(s2sad.UnsupportedSyntaxError, match=r"\*args"):
        s2sad.grad(m.star_args)(1.0)


def test_nested_defaults_from_globals_and_the_enclosing_scope(m):
    """Globals are read when the code is generated; a variable of the defining function that
    keeps its value (a parameter, a name assigned once at the top) is read at the call."""
    x = np.array([0.1, 0.2, 0.3])
    np.testing.assert_allclose(s2sad.grad(m.global_defaults)(x), 3.0 * (1 - np.tanh(x) ** 2) * m.W)
    expected = 2.0 * (np.sin(x) + x * np.cos(x)) + (np.sin(x) + x * np.cos(x)) + np.sin(
        x) + x * np.cos(x)
    np.testing.assert_allclose(s2sad.grad(m.enclosing_defaults)(x, 2.0), expected)
    np.testing.assert_allclose(s2sad.grad(m.same_name)(x), np.cos(x) - x * np.sin(x))


@pytest.mark.parametrize("name, why", [
    ("changes_later", "`k` changes after it is set"),
    ("parameter_changes_later", "`k` changes after it is set"),
    ("passed_elsewhere", "`k` is a variable of the function that defines this one"),
])
def test_nested_defaults_that_python_reads_earlier_are_refused(m, name, why):
    """Python evaluates a default when the ``def`` runs; a lifted function cannot see that
    moment, so a variable that may differ at the call is refused at its line."""
    with pytest.raises(s2sad.UnsupportedSyntaxError, match=why) as info:
        s2sad.grad(getattr(m, name))(np.array([0.1, 0.2]))
    assert "def g(v, c=k):" in str(info.value)


@pytest.mark.parametrize("transform", ["jvp", "jacfwd", "hessian"])
def test_forward_transforms_fill_in_defaults(m, transform):
    x = np.array([0.1, 0.2])
    if transform == "jvp":
        out = s2sad.jvp(m.with_default, (x,), (np.ones(2),))[1]
        np.testing.assert_allclose(out, 3.0 * np.sum(np.cos(x)))
    elif transform == "jacfwd":
        np.testing.assert_allclose(s2sad.jacfwd(m.with_default)(x), 3.0 * np.cos(x))
    else:
        np.testing.assert_allclose(s2sad.hessian(m.with_default)(x), -3.0 * np.diag(np.sin(x)))
