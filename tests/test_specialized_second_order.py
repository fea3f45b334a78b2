"""Second order in specialized code: the Hessian's batched forward pass without the
batching helpers where the kinds make them no-ops, and ``hvp`` by a module that returns
only the tangent (numbers against finite differences and the generic code)."""

import numpy as np
import pytest

import s2sad
from s2sad import api
from tests.fd import numerical_hessian


def rosenbrock(x):
    return np.sum(100.0 * (x[1:] - x[:-1] ** 2) ** 2 + (1.0 - x[:-1]) ** 2)


def broadcasting(x):
    """Operands of several ranks and a size-1 axis: lifts and unbroadcasts that do work."""
    return np.sum(np.sin(x) * x.T) + np.sum(np.exp(0.1 * x) ** 2)


RNG = np.random.default_rng(11)
CASES = [(rosenbrock, RNG.uniform(-1, 1, 7)), (broadcasting, RNG.normal(size=(3, 1))),
         (broadcasting, RNG.normal(size=(1, 4))), (rosenbrock, RNG.uniform(-1, 1, 2))]


@pytest.mark.parametrize("f,x", CASES, ids=["rosen7", "col", "row", "rosen2"])
def test_the_specialized_hessian_and_hvp_match_the_generic_code_and_finite_differences(f, x):
    H = s2sad.hessian(f)
    got = H(x)
    np.testing.assert_allclose(got, numerical_hessian(f, (x,), 0), rtol=1e-5, atol=1e-4)
    np.testing.assert_allclose(got, H.composable_entry(x), rtol=1e-12, atol=1e-12)
    v = RNG.normal(size=x.shape)
    hv = s2sad.hvp(f, (x,), (v,))
    assert hv.shape == x.shape and hv.dtype == x.dtype
    np.testing.assert_allclose(hv, (got.reshape(x.size, x.size) @ v.ravel()).reshape(x.shape),
                               rtol=1e-12, atol=1e-12)


def test_the_batched_pass_of_a_same_rank_function_calls_no_batching_helper():
    x = RNG.uniform(-1, 1, 9)
    H = s2sad.hessian(rosenbrock)
    H(x)
    source = "\n".join(g.source for spec, g in _built(H).items() if spec.signature is not None)
    assert "_rt.lift" not in source and "_rt.vunbroadcast" not in source
    assert "_rt.vbroadcast_like" not in source


def test_hvp_does_not_compute_the_gradient_itself():
    x, v = RNG.uniform(-1, 1, 9), RNG.normal(size=9)
    s2sad.hvp(rosenbrock, (x,), (v,))
    grad = api._grad_of(rosenbrock)
    sources = [g.source for (spec, _), g in api._MEMO[grad].items() if spec.only == 1]
    assert sources and all("return dbx" in s and "(bx, dbx)" not in s for s in sources)


def _built(transformed):
    return {spec: g for (spec, _), g in api._MEMO[transformed._fn].items()}
