"""Specialization across a module's functions (transforms/specialize_calls.py): callees,
their split forward/backward functions and checkpointed segments get the kinds their
callers pass; the numbers stay those of the generic code for every kind of argument."""

import numpy as np
import pytest

import fd
import s2sad
from s2sad.api import _generated
from s2sad.pipeline import Spec
from s2sad.transforms.specialize import signature_of


def _source(fn, argnums, *args):
    spec = Spec("grad", argnums, signature=tuple(map(signature_of, args)))
    return _generated(fn, spec).source


def _cell(h, a):
    return np.tanh(a * h) + 0.5 * h


def helper_in_loop(a, h):
    for _ in range(4):
        h = _cell(h, a)
    return np.sum(h * h)


def segmented(a, h0):
    def step(h, _):
        return h + 0.1 * np.tanh(a * h) - 0.05 * h, None
    h, _ = s2sad.scan(step, h0, None, length=9, checkpoint=4)
    return np.sum(h * h)


def _function(src: str, prefix: str) -> str:
    start = src.index(f"def {prefix}")
    end = src.find("\ndef ", start + 1)
    return src[start:end if end > 0 else None]


@pytest.mark.parametrize("fn", [helper_in_loop, segmented])
@pytest.mark.parametrize("a, h", [
    (0.7, 0.3),                                    # Python floats
    (np.array(0.7), np.array([0.1, -0.4, 0.9])),   # a 0-d array against a vector
    (np.array([0.5, 0.7, 0.9]), np.array([0.1, -0.4, 0.9])),
    (np.array([[0.5], [0.7]]), np.array([[0.1, 0.2, 0.3], [0.4, 0.5, 0.6]])),  # (2, 1) x (2, 3)
    (np.array([0.5, 0.7], np.float32), np.array([0.1, -0.4], np.float32)),
])
def test_every_kind_gets_the_generic_numbers(fn, a, h):
    grad = s2sad.grad(fn, argnums=(0, 1))
    got = grad(a, h)
    generic = grad.entry(a, h)
    for g, want in zip(got, generic):
        np.testing.assert_allclose(g, want, rtol=1e-6 if np.asarray(h).dtype == np.float32
                                   else 1e-13)
    want = fd.numerical_grad(fn, (fd.to_float64(a), fd.to_float64(h)), (0, 1))
    fd.assert_tree_allclose(got, want, rtol=1e-4, atol=1e-6, check_dtype=False)


def test_split_callee_of_same_shapes_loses_its_shape_helpers():
    a, h = np.array([0.5, 0.7, 0.9]), np.array([0.1, -0.4, 0.9])
    src = _source(helper_in_loop, (0, 1), a, h)
    assert "_rt.unbroadcast" in s2sad.grad(helper_in_loop, argnums=(0, 1)).source
    for part in ("_cell_fwd", "_cell_bwd"):
        assert "_rt.unbroadcast" not in _function(src, part), part


def test_checkpointed_segment_tapes_only_what_its_adjoint_reads():
    a, h = np.array([0.5, 0.7, 0.9]), np.array([0.1, -0.4, 0.9])
    src = _source(segmented, (0, 1), a, h)
    fwd = _function(src, "_scan_segment_fwd")
    bwd = _function(src, "_scan_segment_bwd")
    assert "_rt.unbroadcast" not in bwd
    # per step: the tanh (its derivative 1 - tanh^2) and the carry (a's cotangent reads it)
    assert fwd.count("_tape.append(") == 2
    assert bwd.count("_tape.pop()") == 2


def test_a_broadcast_callee_keeps_its_reduction():
    """Called with (2, 1) and (2, 3): the cotangent of ``a`` is summed over axis 1."""
    a, h = np.array([[0.5], [0.7]]), np.ones((2, 3)) * 0.2
    src = _source(helper_in_loop, (0, 1), a, h)
    assert "_rt.unbroadcast" in _function(src, "_cell_bwd")
    assert signature_of(a) != signature_of(h)
