"""transforms/scatters.py: the cotangent of a slice written out (``np.zeros_like`` and
``bx[1:] += g``) in the entry of a module specialized to float64 arguments."""

import dataclasses

import numpy as np
import pytest

import s2sad
from s2sad import api
from tests.fd import assert_tree_allclose, numerical_grad


def _specialized_source(transformed, *args) -> str:
    sig = api._plain_signature(args)
    return api._generated(transformed._fn, dataclasses.replace(
        transformed._spec, signature=sig)).source


def differences(x):
    d = x[1:] - x[:-1]
    return np.sum(d * d * x[1:]) + np.sum(np.sin(x[::2]))


def with_an_element(x):
    return x[0] * np.sum(x[2:]) + x[-1] ** 2


@pytest.mark.parametrize("f", [differences, with_an_element])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_slice_cotangents_match_the_generic_code(f, dtype):
    x = np.random.default_rng(5).normal(size=9).astype(dtype)
    g = s2sad.grad(f)
    got = g(x)
    assert got.dtype == dtype
    assert_tree_allclose(got, g.entry(x), rtol=1e-6 if dtype == np.float32 else 1e-14)
    if dtype == np.float64:
        assert_tree_allclose(got, numerical_grad(f, (x,)), rtol=1e-6, atol=1e-8)


def test_float64_slices_are_written_out_and_others_keep_the_helper():
    x = np.linspace(-1.0, 1.0, 9)
    src = _specialized_source(s2sad.grad(differences), x)
    assert "np.zeros(_t" in src and "] += " in src and "_rt.add_at(" not in src
    # a float32 x: np.zeros_like would not have the helper's dtype promotion checked here
    src32 = _specialized_source(s2sad.grad(differences), x.astype(np.float32))
    assert "] += " not in src32
