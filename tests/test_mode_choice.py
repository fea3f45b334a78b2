"""Mode choice for gradients (issue 10, transforms/mode.py): ``grad`` of a few scalar floats
through loops is emitted in forward mode (a tangent per input, no tape), said so in the
entry's docstring, and gives reverse mode's numbers; anything else stays reverse mode."""

import sys
from pathlib import Path

import numpy as np
import pytest

import fd
import s2sad
from corpus import specialize as cases
from s2sad.pipeline import Spec, _build

FORWARD_1 = ": forward mode (1 scalar input, loops; no tape)."

# the workloads of tools/bench_scalar_loops.py, which the choice is for: RK4 over 500 steps
# (d/dk), a piecewise map with ``if x > 1.0`` and with ``np.where``, and their hand-written
# reverse passes
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tools"))
try:
    from bench_scalar_loops import (piecewise, piecewise_grad_hand, piecewise_where,
                                    piecewise_where_grad_hand, rk4, rk4_grad_hand)
finally:
    del sys.path[0]


def decay(x, rate):
    t = 0.0
    while t < 1.0:
        x = x - 0.1 * rate * np.sin(x)
        t = t + 0.125
    return x * rate


def with_aux(x, k):
    n = 0
    for _ in range(5):
        x = x * np.cos(k * x)
        n = n + 1
    return x + k, {"steps": n, "last": x}


def step(x, k):
    """A callee live in both channels of ``through_callee`` (its fused jvp)."""
    for _ in range(3):
        x = x + 0.1 * np.tanh(k * x)
    return x


def through_callee(x, k, scale=2.0):
    y = x
    for _ in range(3):
        y = step(y, k) * scale
    return y * k + step(x, 1.5)


def vector_out(x):
    y = x
    for _ in range(3):
        y = y * 1.5
    return np.array([y, 2.0 * y])


def no_loop(x):
    return np.sin(x) * x * x


def over_array(w):
    s = 0.0
    for i in range(3):
        s = s + np.sum(np.tanh(w * i))
    return s


def _doc(transformed, *args) -> str:
    """The docstring of the entry a direct call with ``args`` runs."""
    return transformed.specialized_entry(args, {}).__doc__


def _close(a, b, rtol=1e-12):
    np.testing.assert_allclose(a, b, rtol=rtol, atol=1e-14)


# --------------------------------------------------------------------------- the choice


@pytest.mark.parametrize("fn, hand, arg", [
    (rk4, rk4_grad_hand, 2.0), (piecewise, piecewise_grad_hand, 0.65),
    (piecewise, piecewise_grad_hand, 1.2), (piecewise_where, piecewise_where_grad_hand, 0.65)])
def test_scalar_loops_are_forward_mode_with_reverse_numbers(fn, hand, arg):
    g = s2sad.grad(fn)
    assert _doc(g, arg) == f"grad of {fn.__name__} with respect to {'k' if fn is rk4 else 'x'}" \
                           f"{FORWARD_1}"
    got = g(arg)
    assert type(got) is float
    _close(got, g.entry(arg))  # the generic entry: reverse mode
    _close(got, hand(arg))
    if fn is rk4:  # 200 steps of the piecewise map: a difference quotient crosses branches
        _close(got, fd.numerical_grad(fn, (arg,)), rtol=1e-6)


@pytest.mark.parametrize("arg", [0.65, 1.2])
def test_a_short_piecewise_loop_matches_finite_differences(arg):
    g = s2sad.grad(cases.piecewise)
    assert _doc(g, arg).endswith(FORWARD_1)
    _close(g(arg), fd.numerical_grad(cases.piecewise, (arg,)), rtol=1e-6)


def test_forward_code_has_no_tape():
    src = _build(rk4, Spec("grad", signature=("float",)), cached=False)[0].source
    assert "_tape" not in src and "_rt.pop" not in src
    assert "dk = 1.0" in src
    assert "_rt.seed" not in src  # a Python float output: the check folds away


def test_while_loop_and_argnums_tuple():
    g = s2sad.grad(decay, argnums=(0, 1))
    assert _doc(g, 0.7, 1.3) == ("grad of decay with respect to x, rate: forward mode "
                                 "(2 scalar inputs, loops; no tape).")
    got = g(0.7, 1.3)
    assert isinstance(got, tuple) and len(got) == 2
    _close(got, g.entry(0.7, 1.3))
    _close(got, fd.numerical_grad(decay, (0.7, 1.3), (0, 1)), rtol=1e-6)


def test_value_and_grad_orders_and_has_aux():
    args = (0.8, 1.1)
    ref_g = fd.numerical_grad(lambda x, k: with_aux(x, k)[0], args, (0, 1))
    value = with_aux(*args)[0]
    for transform in (s2sad.value_and_grad, s2sad.grad_and_value, s2sad.grad):
        t = transform(with_aux, argnums=(0, 1), has_aux=True)
        assert "forward mode (2 scalar inputs" in _doc(t, *args)
        out = t(*args)
        ref = t.entry(*args)
        if transform is s2sad.value_and_grad:
            (v, aux), g = out
        elif transform is s2sad.grad_and_value:
            g, (v, aux) = out
        else:
            (g, aux), v = out, value
        _close(v, value)
        assert aux["steps"] == 5
        _close(aux["last"], ref[0][1]["last"] if transform is s2sad.value_and_grad
               else ref[1]["last"] if transform is s2sad.grad else ref[1][1]["last"])
        _close(g, ref_g, rtol=1e-6)
    v, g = s2sad.value_and_grad(rk4)(2.0)
    _close(v, rk4(2.0))
    _close(g, s2sad.grad(rk4).entry(2.0))


def split_branches(x, t):
    """A value bound in one branch and read in another under the same test: each channel's
    tangent of ``z`` is joined (zero-filled) only where ``z`` is bound."""
    y = x
    for i in range(4):
        if t > 0.0 and i > 0:
            z = y * x * t
        if t > 0.0 and i > 0:
            y = y + z
        y = np.sin(y)
    return y


@pytest.mark.parametrize("t", [0.8, -0.8])
def test_branch_joins_per_channel(t):
    g = s2sad.grad(split_branches, argnums=(0, 1))
    assert "forward mode (2 scalar inputs" in _doc(g, 0.7, t)
    _close(g(0.7, t), g.entry(0.7, t))
    _close(g(0.7, t), fd.numerical_grad(split_branches, (0.7, t), (0, 1)), rtol=1e-6)


def test_a_callee_live_in_several_channels_is_one_fused_call():
    g = s2sad.grad(through_callee, argnums=(0, 1))
    src = _build(through_callee, Spec("grad", (0, 1), signature=("float", "float")),
                 cached=False)[0].source
    assert "def step_jvp2(" in src  # one call carries both tangents
    got = g(0.4, 0.9)
    _close(got, g.entry(0.4, 0.9))
    _close(got, fd.numerical_grad(through_callee, (0.4, 0.9), (0, 1)), rtol=1e-6)
    _close(s2sad.grad(through_callee, argnums=1)(0.4, 0.9), got[1])


def test_numpy_scalars_and_zero_d_arrays():
    g = s2sad.grad(piecewise)
    for x in (np.float64(0.65), np.array(0.65)):
        assert _doc(g, x).endswith(FORWARD_1)
        got = g(x)
        assert type(got) is type(x) and np.shape(got) == ()
        _close(got, g.entry(0.65))


def test_emission_is_deterministic():
    spec = Spec("value_and_grad", (0, 1), signature=("float", "float"))
    assert _build(through_callee, spec, cached=False)[0].source == \
        _build(through_callee, spec, cached=False)[0].source


# --------------------------------------------------------------------------- reverse mode stays


@pytest.mark.parametrize("fn, arg", [(no_loop, 0.7), (over_array, np.array([0.1, 0.2]))])
def test_no_loop_or_an_array_input_stays_reverse(fn, arg):
    g = s2sad.grad(fn)
    assert _doc(g, arg) == f"grad of {fn.__name__} with respect to {fn.__code__.co_varnames[0]}."
    _close(g(arg), fd.numerical_grad(fn, (arg,)), rtol=1e-6)


def piecewise_scaled(x, a):
    s = 0.0
    for _ in range(50):
        if x > 1.0:
            x = 0.5 * x * x * a
        else:
            x = x + 0.3
        s = s + x
    return s


def test_several_inputs_take_the_mode_estimated_cheaper():
    # RK4 in k and x0: two channels through 30 statements a step cost more than one
    # reverse sweep; the piecewise map's reverse sweep is mostly tape and loop
    g = s2sad.grad(rk4, argnums=(0, 1))
    assert _doc(g, 2.0, 1.0) == "grad of rk4 with respect to k, x0."
    g = s2sad.grad(piecewise_scaled, argnums=(0, 1))
    assert _doc(g, 0.65, 1.0).endswith("forward mode (2 scalar inputs, loops; no tape).")
    _close(g(0.65, 1.0), g.entry(0.65, 1.0))


def euler_rhs(x, v, k, c):
    return v, -k * x - c * v


def euler_fit(k, c, x0, obs):
    x, v = x0, 0.0
    err = 0.0
    for i in range(len(obs)):
        dx, dv = euler_rhs(x, v, k, c)
        x, v = x + 0.05 * dx, v + 0.05 * dv
        err = err + (x - obs[i]) ** 2
    return err


def test_the_estimate_prices_callees_as_they_run():
    """Three float inputs through a callee: its reverse half (``euler_rhs_fwd``/``_bwd``)
    runs specialized, so it is priced specialized; priced generic (helpers on tuples),
    reverse mode looked cheaper and ran 6x slower than forward mode."""
    obs = np.sin(np.arange(60) * 0.05)
    g = s2sad.grad(euler_fit, argnums=(0, 1, 2))
    assert "forward mode (3 scalar inputs" in _doc(g, 2.0, 0.3, 1.0, obs)
    _close(g(2.0, 0.3, 1.0, obs), g.entry(2.0, 0.3, 1.0, obs))
    _close(g(2.0, 0.3, 1.0, obs), fd.numerical_grad(euler_fit, (2.0, 0.3, 1.0, obs),
                                                    (0, 1, 2)), rtol=1e-6)


def test_too_many_scalars_stay_reverse():
    def many(a, b, c, d, e):
        for _ in range(2):
            a = a * b + c * d - e
        return a

    args = (0.1, 0.2, 0.3, 0.4, 0.5)
    g = s2sad.grad(many, argnums=(0, 1, 2, 3, 4))
    assert _doc(g, *args) == "grad of many with respect to a, b, c, d, e."
    _close(g(*args), fd.numerical_grad(many, args, (0, 1, 2, 3, 4)), rtol=1e-6)


# --------------------------------------------------------------------------- errors


def test_array_output_raises_reverse_modes_value_error():
    g = s2sad.grad(vector_out)
    assert _doc(g, 0.5).endswith(FORWARD_1)
    with pytest.raises(ValueError) as reverse:
        g.entry(0.5)
    with pytest.raises(ValueError) as forward:
        g(0.5)
    assert str(forward.value) == str(reverse.value)
    assert "shape (2,)" in str(forward.value) and "jacrev" in str(forward.value)


def test_integer_argument_is_a_type_error():
    with pytest.raises(TypeError, match="floating point"):
        s2sad.grad(rk4)(2)
    with pytest.raises(TypeError, match="floating point"):
        s2sad.grad(decay, argnums=(0, 1))(0.5, 1)


# --------------------------------------------------------------------------- composition


def test_composed_transforms_read_the_reverse_entry():
    k = 2.0
    h_ref = fd.numerical_grad(lambda k: fd.numerical_grad(rk4, (k,), eps=1e-4), (k,), eps=1e-4)
    dd = s2sad.grad(s2sad.grad(rk4))(k)
    _close(dd, h_ref, rtol=1e-4)
    _close(s2sad.hessian(rk4)(k), dd, rtol=1e-10)
    _close(s2sad.jacfwd(s2sad.grad(rk4))(k), dd, rtol=1e-10)
    for transformed in (s2sad.grad(rk4), s2sad.grad(piecewise)):
        assert "forward mode" not in transformed.source  # the generic entry: reverse mode


@pytest.mark.skipif(not hasattr(s2sad, "vmap"), reason="no public vmap yet")
def test_vmap_of_grad_reads_the_reverse_entry():
    ks = np.array([1.5, 2.0, 2.5])
    _close(s2sad.vmap(s2sad.grad(rk4))(ks), [s2sad.grad(rk4)(float(x)) for x in ks])


def test_what_forward_mode_cannot_differentiate_falls_back_to_reverse(monkeypatch):
    from s2sad.errors import DifferentiationError
    from s2sad.transforms import mode

    def refuse(*args):
        raise DifferentiationError("no tangent rule")

    monkeypatch.setattr(mode, "emit_forward_gradient", refuse)
    generated = _build(piecewise, Spec("grad", signature=("float",)), cached=False)[0]
    assert generated.entry.__doc__ == "grad of piecewise with respect to x."
    assert generated.entry(0.65) == s2sad.grad(piecewise).entry(0.65)


def test_the_estimate_counts_loop_trips_copies_and_tape():
    from s2sad import ir
    from s2sad.transforms import cost

    step = (ir.Assign("y", ir.Call("mul", (ir.Name("x"), ir.Name("k")))),
            ir.Assign("x", ir.Name("y")))
    loop = ir.For("i", ir.Const(0), ir.Name("n"), ir.Const(1), step)
    fn = ir.Function("f", ("x", "k", "n"), (loop, ir.Return(ir.Name("x"))))
    assert cost.estimate(fn, {}) == cost.TRIPS * (cost.TRIP + 1 + cost.COPY)
    taped = ir.replace(fn, body=(ir.replace(loop, body=step + (ir.ExprStmt(
        ir.Call("_rt.append", (ir.Name("t"), ir.Name("x")))),)), ir.Return(ir.Name("x"))))
    assert cost.estimate(taped, {}) == cost.estimate(fn, {}) + cost.TRIPS * cost.TAPE
