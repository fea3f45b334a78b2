"""Every registered primitive, checked from a table by calling its rule templates directly.

For each differentiable argument (each operand of ``*operands``):

- forward: the tangent of the output against central differences (float64), with the
  output's exact shape;
- reverse: ``<g, J v> == <J^T g, v>`` against the forward rule, with the argument's shape;
- float32 in, float32 out, close to the float64 result.

Templates are called as the transforms call them: an ELEMENTWISE rule gives
``t * partial`` and ``unbroadcast(g * partial, x)``; a GENERAL rule's templates get their
parameters by name from ``rule.bind(args, kwargs)`` plus ``t``, ``g``, ``out`` (and ``i``).
"""

from __future__ import annotations

import inspect

import numpy as np
import pytest
from rule_cases import (BINARY, BINARY_SHAPES, CASES, NOT_DTYPE_PRESERVING, SCALAR_BINARY,
                        SHAPES, UNARY, gen)

from s2sad import runtime as rt
from s2sad.rules import registry

EPS = 1e-6

# --------------------------------------------------------------------------- pytrees
# Containers are tuples (namedtuples included), lists and dicts; a leaf is differentiable
# when it is a Python float or a floating or complex NumPy array/scalar. Complex values pair
# as JAX pairs them (the FFT rules): <g, v> = Re sum(g v), no conjugation.


def is_float(x) -> bool:
    if isinstance(x, (bool, int, str)) or x is None:
        return False
    if isinstance(x, float):
        return True
    return isinstance(x, (np.ndarray, np.generic)) and x.dtype.kind in "fc"


def tree_map(fn, *trees):
    first = trees[0]
    if isinstance(first, (tuple, list)):
        items = [tree_map(fn, *parts) for parts in zip(*trees)]
        return type(first)(*items) if hasattr(first, "_fields") else type(first)(items)
    if isinstance(first, dict):
        return {k: tree_map(fn, *(t[k] for t in trees)) for k in first}
    return fn(*trees)


def leaves(tree) -> list:
    if isinstance(tree, (tuple, list)):
        return [x for v in tree for x in leaves(v)]
    if isinstance(tree, dict):
        return [x for v in tree.values() for x in leaves(v)]
    return [tree]


def float_leaves(tree) -> list:
    return [x for x in leaves(tree) if is_float(x)]


def rand_like(tree):
    def one(x):
        if not is_float(x):
            return None
        if isinstance(x, float) and not isinstance(x, np.generic):
            return float(gen())
        if np.iscomplexobj(x):
            return gen(*np.shape(x)) + 1j * gen(*np.shape(x))
        return gen(*np.shape(x))
    return tree_map(one, tree)


def perturb(tree, direction, eps):
    return tree_map(lambda x, d: x + eps * d if d is not None else x, tree, direction)


def tree_dot(a, b) -> float:
    total = 0.0
    for x, y in zip(leaves(a), leaves(b)):
        if x is not None and y is not None:
            total += float(np.real(np.sum(np.asarray(x) * np.asarray(y))))
    return total


def cast(tree, dtype):
    def one(x):
        if isinstance(x, np.ndarray) and x.dtype.kind == "f":
            return x.astype(dtype)
        if isinstance(x, np.floating):
            return dtype(x)
        return x
    return tree_map(one, tree)


# --------------------------------------------------------------------------- calling rules


def call_primal(rule, bound):
    """Call the primitive with the bound arguments: positional up to the last one that has
    no default (ufuncs take no keywords), by keyword after (rule signatures leave out
    NumPy's ``dtype``/``out`` parameters, so later positions differ)."""
    params = list(rule.signature.parameters.values())
    required = [k for k, par in enumerate(params) if par.default is par.empty
                and par.kind == par.POSITIONAL_OR_KEYWORD]
    npos = max(required, default=-1) + 1
    args, kwargs = [], {}
    for k, par in enumerate(params):
        value = bound[par.name]
        if par.kind == par.VAR_POSITIONAL:
            args.extend(value)
        elif k < npos and par.kind == par.POSITIONAL_OR_KEYWORD:
            args.append(value)
        else:
            kwargs[par.name] = value
    return rule.obj(*args, **kwargs)


def call_template(template, env):
    names = inspect.signature(template).parameters
    return template(**{n: env[n] for n in names})


def arguments(rule):
    """(param, position) of every differentiable argument; position for ``*operands``."""
    out = []
    for p in rule.diff:
        if rule.signature.parameters[p].kind == inspect.Parameter.VAR_POSITIONAL:
            out.append((p, "*"))
        else:
            out.append((p, None))
    return out


def get_arg(bound, p, i):
    return bound[p][i] if i is not None else bound[p]


def set_arg(bound, p, i, value):
    new = dict(bound)
    if i is None:
        new[p] = value
    else:
        items = list(bound[p])
        items[i] = value
        new[p] = tuple(items)
    return new


def jvp_vjp(rule, bound, p, i, out):
    """The forward and reverse contribution of argument ``p`` (operand ``i``)."""
    env = {**bound, "out": out}
    if rule.kind == registry.ELEMENTWISE:
        partial = call_template(rule.partials[p], env)
        return (lambda t: t * partial), (lambda g: rt.unbroadcast(g * partial, bound[p]))
    if i is not None:
        env["i"] = i
    return (lambda t: call_template(rule.jvps[p], {**env, "t": t}),
            lambda g: call_template(rule.vjps[p], {**env, "g": g}))


# --------------------------------------------------------------------------- the cases


def table_cases(rule):
    """The (args, kwargs) the rule is checked at, from the table."""
    if rule.name in UNARY:
        return [((UNARY[rule.name](*s),), {}) for s in SHAPES]
    if rule.name in BINARY:
        da, db = BINARY[rule.name]
        return [((da(*sa), db(*sb)), {}) for sa, sb in BINARY_SHAPES]
    if rule.name in SCALAR_BINARY:
        da, db = SCALAR_BINARY[rule.name]
        return [((float(da()), float(db())), {}), ((da(), db()), {}),
                ((np.float64(da()), float(db())), {})]
    return CASES.get(rule.name, [])


def checked_rules():
    """s2sad's own rules (not those a test registered with ``s2sad.defrule``)."""
    return [r for r in registry.all_rules() if r.kind in (registry.ELEMENTWISE, registry.GENERAL)
            and "user" not in r.tags]


def _params():
    for rule in checked_rules():
        for k, case in enumerate(table_cases(rule)):
            for p, i in arguments(rule):
                positions = range(len(rule.bind(*case)[p])) if i == "*" else [None]
                for j in positions:
                    where = p if j is None else f"{p}[{j}]"
                    yield pytest.param(rule.name, case, p, j, id=f"{rule.name}-{k}-{where}")


PARAMS = list(_params())


def _unsupported(name, bound, p) -> str | None:
    """What the clear error says where a derivative is refused, or None: third derivatives
    through einsum with three or more operands, and of the spectral matrix norms."""
    if (name in ("_rt.einsum_jvp_dops", "_rt.einsum_vjp_dops", "_rt.einsum_vjp_all")
            and p == "operands" and len(bound["operands"]) > 2):
        return "more than two operands"
    if name == "_rt.spectral_hvp" and p == "x" and bound["ord"] in (2, -2, "nuc") and (
            np.ndim(bound["x"]) == 2 or bound["axis"] is not None):
        return "third derivatives"
    return None


def _assert_close(actual, expected, what, rtol, atol_scale):
    assert len(leaves(actual)) == len(leaves(expected)), f"{what}: structure"
    for a, e in zip(leaves(actual), leaves(expected)):
        if e is None:
            continue
        scale = max(1.0, float(np.max(np.abs(e), initial=0.0)))
        np.testing.assert_allclose(np.asarray(a), np.asarray(e), rtol=rtol,
                                   atol=atol_scale * scale, err_msg=what)


def _assert_shapes(tree, like, what):
    got = [np.shape(x) for x in leaves(tree)]
    want = [np.shape(x) for x in leaves(like)]
    assert got == want, f"{what}: shapes {got} != {want}"


@pytest.mark.parametrize("name, case, p, i", PARAMS)
def test_forward_matches_differences_and_reverse_is_its_transpose(name, case, p, i):
    rule = registry.lookup(name)
    bound = rule.bind(*case)
    x = get_arg(bound, p, i)
    if not float_leaves(x):
        pytest.skip("not a floating argument in this case")
    out = call_primal(rule, bound)
    jvp, vjp = jvp_vjp(rule, bound, p, i, out)
    v = rand_like(x)
    refused = _unsupported(name, bound, p)
    if refused:
        with pytest.raises(NotImplementedError, match=refused):
            jvp(v)
        with pytest.raises(NotImplementedError, match=refused):
            vjp(rand_like(out))
        return

    fd = tree_map(lambda a, b: (np.asarray(a) - np.asarray(b)) / (2 * EPS)
                  if is_float(a) else np.zeros(np.shape(a)),
                  call_primal(rule, set_arg(bound, p, i, perturb(x, v, EPS))),
                  call_primal(rule, set_arg(bound, p, i, perturb(x, v, -EPS))))
    tangent = jvp(v)
    _assert_shapes(tangent, out, f"{name}: tangent of {p}")
    _assert_close(tangent, fd, f"{name}: jvp of {p} vs central differences", 2e-5, 2e-6)

    g = rand_like(out)
    cot = vjp(g)
    _assert_shapes(cot, x, f"{name}: cotangent of {p}")
    lhs, rhs = tree_dot(g, tangent), tree_dot(cot, v)
    assert lhs == pytest.approx(rhs, rel=1e-9, abs=1e-9), f"{name}: vjp of {p} is not the " \
                                                          f"transpose of its jvp"


@pytest.mark.parametrize("name, case, p, i", PARAMS)
def test_float32_in_float32_out(name, case, p, i):
    rule = registry.lookup(name)
    bound32 = cast(rule.bind(*case), np.float32)
    x32 = get_arg(bound32, p, i)
    if _unsupported(name, bound32, p):
        pytest.skip("not supported (checked above)")
    if not any(isinstance(a, (np.ndarray, np.generic)) for a in float_leaves(x32)):
        pytest.skip("no floating array argument in this case")
    out32 = call_primal(rule, bound32)
    jvp32, vjp32 = jvp_vjp(rule, bound32, p, i, out32)
    t32 = cast(rand_like(x32), np.float32)
    g32 = cast(rand_like(out32), np.float32)
    tangent, cot = jvp32(t32), vjp32(g32)

    # float32 stays float32 unless the primitive itself promotes (np.dot(x32, 2.5) is float64)
    promotes = any(np.asarray(o).dtype != np.float32 for o in float_leaves(out32))
    if name not in NOT_DTYPE_PRESERVING and not promotes:
        for what, tree in (("tangent", tangent), ("cotangent", cot)):
            for leaf in leaves(tree):
                if isinstance(leaf, (np.ndarray, np.generic)) and leaf.dtype.kind == "f":
                    assert leaf.dtype == np.float32, f"{name}: {what} of {p} is {leaf.dtype}"

    bound64 = cast(bound32, np.float64)
    out64 = call_primal(rule, bound64)
    jvp64, vjp64 = jvp_vjp(rule, bound64, p, i, out64)
    _assert_close(tangent, jvp64(cast(t32, np.float64)), f"{name}: float32 jvp", 2e-3, 2e-4)
    _assert_close(cot, vjp64(cast(g32, np.float64)), f"{name}: float32 vjp", 2e-3, 2e-4)


# --------------------------------------------------------------------------- coverage of the table


def test_every_rule_with_a_derivative_is_in_the_table():
    missing = [r.name for r in checked_rules() if not table_cases(r)]
    assert not missing, f"rules without an entry in tests/rules/rule_cases.py: {missing}"


def test_every_table_entry_is_a_registered_rule():
    names = {r.name for r in checked_rules()}
    stale = sorted(set(UNARY) | set(BINARY) | set(SCALAR_BINARY) | set(CASES))
    stale = [n for n in stale if n not in names]
    assert not stale, f"table entries without a rule: {stale}"


def test_every_differentiable_argument_is_exercised():
    for rule in checked_rules():
        seen = set()
        for case in table_cases(rule):
            bound = rule.bind(*case)
            for p, i in arguments(rule):
                values = bound[p] if i == "*" else [bound[p]]
                if any(float_leaves(v) for v in values):
                    seen.add(p)
        assert seen == set(rule.diff), f"{rule.name}: no floating case for " \
                                       f"{sorted(set(rule.diff) - seen)}"


def test_every_rule_has_both_directions():
    for rule in registry.all_rules():
        for p in rule.diff:
            if rule.kind == registry.GENERAL:
                assert p in rule.jvps and p in rule.vjps, rule.name
            elif rule.kind == registry.ELEMENTWISE:
                assert p in rule.partials, rule.name


def test_a_function_without_a_rule_is_named():
    with pytest.raises(Exception, match="np.fft.hfft has no derivative rule"):
        registry.lookup("np.fft.hfft")


@pytest.mark.parametrize("obj, name", [(np.add, "add"), (np.subtract, "sub"),
                                       (np.multiply, "mul"), (np.divide, "truediv"),
                                       (np.power, "pow"), (np.matmul, "matmul"),
                                       (np.negative, "neg"), (np.positive, "pos"),
                                       (abs, "np.absolute")])
def test_numpy_spellings_of_operators_share_one_rule(obj, name):
    assert registry.rule_for_object(obj).name == name
