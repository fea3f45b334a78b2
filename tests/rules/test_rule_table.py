"""Every registered primitive, checked from a table by calling its rule templates directly.

Forward: the tangent contribution of each differentiable argument against central
differences (float64). Reverse: <g, J v> == <J^T g, v> against the forward rule.
float32 inputs give float32 results close to the float64 ones.
"""

from __future__ import annotations

import inspect

import numpy as np
import pytest

from s2sad import runtime as rt
from s2sad.rules import registry

rng = np.random.default_rng(7)


def pos(*shape):
    return rng.uniform(0.5, 2.0, size=shape)


def unit(*shape):
    return rng.uniform(-0.8, 0.8, size=shape)


def gen(*shape):
    return rng.normal(size=shape)


def spd(n):
    a = rng.normal(size=(n, n))
    return a @ a.T + n * np.eye(n)


UNARY_DOMAIN = {
    "np.sin": gen, "np.cos": gen, "np.tan": unit, "np.arcsin": unit, "np.arccos": unit,
    "np.arctan": gen, "np.sinh": gen, "np.cosh": gen, "np.tanh": gen, "np.arcsinh": gen,
    "np.arccosh": lambda *s: 1.5 + pos(*s), "np.arctanh": unit, "np.exp": gen, "np.exp2": gen,
    "np.expm1": gen, "np.log": pos, "np.log2": pos, "np.log10": pos, "np.log1p": pos,
    "np.sqrt": pos, "np.cbrt": pos, "np.square": gen, "np.reciprocal": pos,
    "np.absolute": lambda *s: pos(*s) * np.sign(gen(*s)),
}
SHAPES = [(), (4,), (3, 4)]
BINARY_SHAPES = [((), ()), ((4,), (4,)), ((3, 4), (4,)), ((3, 1), (1, 4)), ((), (3, 4))]
BINARY_DOMAIN = {
    "mul": (gen, gen), "truediv": (gen, pos), "pow": (pos, lambda *s: 1.0 + unit(*s)),
    "mod": (pos, lambda *s: 3.0 + unit(*s)), "np.multiply": (gen, gen),
    "np.divide": (gen, pos), "np.power": (pos, lambda *s: 1.0 + unit(*s)),
    "np.arctan2": (gen, pos), "np.hypot": (pos, pos), "np.logaddexp": (gen, gen),
    "np.maximum": (gen, gen), "np.minimum": (gen, gen),
    "np.remainder": (pos, lambda *s: 3.0 + unit(*s)), "np.fmod": (pos, lambda *s: 3.0 + unit(*s)),
    "add": (gen, gen), "sub": (gen, gen), "np.add": (gen, gen), "np.subtract": (gen, gen),
}

# GENERAL rules: name -> list of (args, kwargs) cases (the differentiable args are floats)
GENERAL = {
    "neg": [((gen(3),), {})], "pos": [((gen(3),), {})], "np.negative": [((gen(3),), {})],
    "float": [((np.float64(0.7),), {})],
    "matmul": [((gen(3, 4), gen(4, 2)), {}), ((gen(4), gen(4, 2)), {}), ((gen(3, 4), gen(4)), {}),
               ((gen(4), gen(4)), {})],
    "np.matmul": [((gen(3, 4), gen(4, 2)), {})],
    "np.dot": [((gen(3, 4), gen(4)), {}), ((gen(4), gen(4)), {})],
    "np.inner": [((gen(4), gen(4)), {})],
    "np.outer": [((gen(3), gen(4)), {})],
    "getitem": [((gen(5), np.s_[1:4]), {}), ((gen(5), np.s_[[0, 2, 2]]), {}),
                ((gen(3, 4), np.s_[:, 1]), {}), ((gen(3, 4), np.s_[1, None, ::2]), {})],
    "np.sum": [((gen(3, 4),), {}), ((gen(3, 4),), {"axis": 1}), ((gen(3, 4),),
                                                                    {"axis": 0, "keepdims": True})],
    "np.mean": [((gen(3, 4),), {}), ((gen(3, 4),), {"axis": 1})],
    "np.var": [((gen(3, 4),), {}), ((gen(3, 4),), {"axis": 0, "ddof": 1})],
    "np.std": [((gen(3, 4),), {}), ((gen(3, 4),), {"axis": 1})],
    "np.prod": [((pos(3, 4),), {}), ((pos(3, 4),), {"axis": 1})],
    "np.max": [((gen(3, 4),), {}), ((gen(3, 4),), {"axis": 1})],
    "np.min": [((gen(3, 4),), {}), ((gen(3, 4),), {"axis": 0, "keepdims": True})],
    "np.cumsum": [((gen(5),), {}), ((gen(3, 4),), {"axis": 1})],
    "np.linalg.norm": [((gen(5),), {}), ((gen(3, 4),), {}), ((gen(3, 4),), {"axis": 1})],
    "np.transpose": [((gen(3, 4),), {}), ((gen(2, 3, 4),), {"axes": (1, 2, 0)})],
    "np.linalg.solve": [((spd(3), gen(3)), {}), ((spd(3), gen(3, 2)), {})],
    "np.linalg.inv": [((spd(3),), {})],
    "np.linalg.det": [((spd(3),), {})],
    "np.trace": [((gen(3, 3),), {})],
    "np.reshape": [((gen(3, 4), (4, 3)), {})],
    "np.ravel": [((gen(3, 4),), {})],
    "np.squeeze": [((gen(3, 1),), {})],
    "np.expand_dims": [((gen(3),), {"axis": 0})],
    "np.copy": [((gen(3),), {})],
    "np.broadcast_to": [((gen(4), (3, 4)), {})],
    "np.concatenate": [(([gen(2, 3), gen(1, 3)],), {}), (([gen(2, 3), gen(2, 1)],), {"axis": 1})],
    "np.stack": [(([gen(3), gen(3)],), {}), (([gen(3), gen(3)],), {"axis": 1})],
    "np.hstack": [(([gen(2, 3), gen(2, 1)],), {})],
    "np.vstack": [(([gen(2, 3), gen(1, 3)],), {})],
    "np.tile": [((gen(3), (2, 2)), {})],
    "np.asarray": [(([1.5, -0.5],), {})],
    "np.array": [(([1.5, -0.5],), {})],
    "np.real": [((gen(3),), {})],
    "np.clip": [((gen(6), -0.5, 0.5), {})],
    "np.where": [((gen(3, 4) > 0, gen(3, 4), gen(4)), {})],
    "np.einsum": [(("ij,jk->ik", gen(2, 3), gen(3, 4)), {}), (("i,i", gen(3), gen(3)), {}),
                  (("bi,bij->bj", gen(2, 3), gen(2, 3, 4)), {})],
    "np.linalg.slogdet": [((spd(3),), {})],
}
# ``_rt.*`` helpers (rules of generated code) are exercised through the Hessian tests.


def _float(x):
    return isinstance(x, float) or (isinstance(x, np.ndarray) and x.dtype.kind == "f") or (
        isinstance(x, list) and all(_float(np.asarray(v)) for v in x))


def _perturb(value, direction, eps):
    if isinstance(value, list):
        return [v + eps * d for v, d in zip(value, direction)]
    return value + eps * direction


def _rand_like(value):
    if isinstance(value, list):
        return [gen(*np.shape(v)) for v in value]
    return gen(*np.shape(value))


def _dot(a, b):
    if isinstance(a, (list, tuple)):
        return sum(_dot(x, y) for x, y in zip(a, b))
    return float(np.sum(np.asarray(a) * np.asarray(b)))


def _call(template, bound, **extra):
    names = inspect.signature(template).parameters
    env = {**bound, **extra}
    return template(**{n: env[n] for n in names})


def _contributions(rule, bound, p, out):
    """(jvp(t) function, vjp(g) function) for parameter p."""
    if rule.kind == registry.ELEMENTWISE:
        partial = _call(rule.partials[p], bound, out=out)
        return (lambda t: t * partial,
                lambda g: rt.unbroadcast(g * partial, bound[p]))
    if isinstance(bound[p], tuple):  # *operands
        raise AssertionError("use the operand form")
    return (lambda t: _call(rule.jvps[p], bound, t=t, out=out),
            lambda g: _call(rule.vjps[p], bound, g=g, out=out))


def _cases():
    for rule in registry.all_rules():
        if rule.kind in (registry.NONDIFF, registry.STRUCTURAL) or rule.name.startswith("_rt."):
            continue
        if rule.kind == registry.ELEMENTWISE and len(rule.diff) == 1:
            for shape in SHAPES:
                yield pytest.param(rule.name, ((UNARY_DOMAIN.get(rule.name, gen)(*shape),), {}),
                                   id=f"{rule.name}{shape}")
        elif rule.kind == registry.ELEMENTWISE or rule.name in BINARY_DOMAIN:
            da, db = BINARY_DOMAIN[rule.name]
            for sa, sb in BINARY_SHAPES:
                yield pytest.param(rule.name, ((da(*sa), db(*sb)), {}), id=f"{rule.name}{sa}{sb}")
        else:
            for k, case in enumerate(GENERAL[rule.name]):
                yield pytest.param(rule.name, case, id=f"{rule.name}-{k}")


def _primal(rule, args, kwargs):
    if rule.name == "getitem":
        return args[0][args[1]]
    fn = rule.obj
    if fn is None:
        raise AssertionError(rule.name)
    return fn(*args, **kwargs)


@pytest.mark.parametrize("name, case", list(_cases()))
def test_forward_matches_differences_and_reverse_is_its_transpose(name, case):
    rule = registry.lookup(name)
    args, kwargs = case
    bound = rule.bind(args, kwargs)
    out = _primal(rule, args, kwargs)
    for p in rule.diff:
        value = bound[p]
        positions = range(len(value)) if isinstance(value, tuple) else [None]
        for i in positions:
            x = value[i] if i is not None else value
            if not _float(x):
                continue
            v = _rand_like(x)

            # the differentiable arguments are passed positionally in the table
            where = list(rule.signature.parameters).index(p) + (i or 0)

            def f(eps):
                a = list(args)
                a[where] = _perturb(x, v, eps)
                return _primal(rule, tuple(a), kwargs)

            eps = 1e-6
            fd = _sub(f(eps), f(-eps), 2 * eps)
            if i is not None:
                b = {**bound, p: value, "i": i}
                jvp = lambda t: _call(rule.jvps[p], b, t=t, out=out)
                vjp = lambda g: _call(rule.vjps[p], b, g=g, out=out)
            else:
                jvp, vjp = _contributions(rule, bound, p, out)
            tangent = jvp(v)
            _assert_close(tangent, fd, f"{name}: jvp of {p}")
            g = _rand_like(out) if not isinstance(out, tuple) else tuple(
                gen(*np.shape(o)) for o in out)
            lhs = _dot(g, tangent)
            rhs = _dot(vjp(g), v)
            assert lhs == pytest.approx(rhs, rel=1e-7, abs=1e-9), f"{name}: vjp of {p}"


def _sub(a, b, h):
    if isinstance(a, tuple):
        return tuple(_sub(x, y, h) for x, y in zip(a, b))
    return (np.asarray(a, float) - np.asarray(b, float)) / h


def _assert_close(a, b, what):
    if isinstance(b, tuple):
        for x, y in zip(a, b):
            _assert_close(x, y, what)
        return
    np.testing.assert_allclose(np.broadcast_to(np.asarray(a, float), np.shape(b)), b,
                               rtol=2e-5, atol=2e-6, err_msg=what)


@pytest.mark.parametrize("name", ["np.sin", "np.exp", "np.tanh", "mul", "np.sum", "matmul",
                                  "np.linalg.norm"])
def test_float32_in_float32_out(name):
    rule = registry.lookup(name)
    x32 = np.linspace(0.3, 1.1, 6, dtype=np.float32).reshape(2, 3)
    y32 = np.linspace(0.5, 1.5, 6, dtype=np.float32).reshape(3, 2)
    args = (x32, x32) if name == "mul" else (x32, y32) if name == "matmul" else (x32,)
    bound = rule.bind(args, {})
    out = _primal(rule, args, {})
    p = rule.diff[0]
    jvp, vjp = _contributions(rule, bound, p, out)
    t32 = np.ones_like(x32)
    g32 = np.ones_like(np.asarray(out))
    assert np.asarray(jvp(t32)).dtype == np.float32
    assert np.asarray(vjp(g32)).dtype == np.float32
    jvp64, _ = _contributions(rule, {k: (np.asarray(v, np.float64) if isinstance(v, np.ndarray)
                                         else v) for k, v in bound.items()}, p,
                              np.asarray(out, np.float64))
    np.testing.assert_allclose(jvp(t32), jvp64(t32.astype(np.float64)), rtol=1e-5)


def test_every_differentiable_rule_is_in_the_table():
    for rule in registry.all_rules():
        if rule.kind in (registry.NONDIFF, registry.STRUCTURAL) or rule.name.startswith("_rt."):
            continue
        listed = (rule.kind == registry.ELEMENTWISE or rule.name in BINARY_DOMAIN
                  or rule.name in GENERAL)
        assert listed, f"{rule.name} has no entry in the rule table"


def test_every_rule_has_both_directions():
    for rule in registry.all_rules():
        for p in rule.diff:
            if rule.kind == registry.GENERAL:
                assert p in rule.jvps and p in rule.vjps, rule.name
            elif rule.kind == registry.ELEMENTWISE:
                assert p in rule.partials, rule.name


def test_a_function_without_a_rule_is_named():
    with pytest.raises(Exception, match="np.fft.fft has no derivative rule"):
        registry.lookup("np.fft.fft")



@pytest.mark.parametrize("obj, name", [(np.add, "add"), (np.subtract, "sub"),
                                       (np.multiply, "mul"), (np.divide, "truediv"),
                                       (np.power, "pow"), (np.matmul, "matmul"),
                                       (np.negative, "neg"), (abs, "np.absolute")])
def test_numpy_spellings_of_operators_share_one_rule(obj, name):
    assert registry.rule_for_object(obj).name == name
