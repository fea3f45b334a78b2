"""Rule templates are code the compiler reads and inlines: check what they may contain.

- straight-line code the front end lowers (assignments and one ``return``);
- calls only to primitives that have rules themselves (``np.*``, ``_rt.*``, builtins),
  so generated code can be differentiated again;
- parameters that the transforms can bind: the rule's own, plus ``t``/``g``/``out``/``i``.
"""

from __future__ import annotations

import ast
import builtins
import inspect
import textwrap

import numpy as np
import pytest

from s2sad import runtime as rt
from s2sad.rules import registry
from s2sad.runtime import helpers


def _templates():
    for rule in (r for r in registry.all_rules() if "user" not in r.tags):  # s2sad's own
        for kind, table in (("partial", rule.partials), ("jvp", rule.jvps), ("vjp", rule.vjps)):
            for p, fn in table.items():
                yield pytest.param(rule, kind, fn, id=f"{rule.name}-{kind}-{p}")


TEMPLATES = list(_templates())


def _tree(fn) -> ast.Module:
    """The template's body (its decorators left out)."""
    fdef = ast.parse(textwrap.dedent(inspect.getsource(fn))).body[0]
    return ast.Module(body=fdef.body, type_ignores=[])


def _dotted(node) -> list[str] | None:
    parts = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if isinstance(node, ast.Name):
        return [node.id] + parts[::-1]
    return None


def _calls(fn):
    for node in ast.walk(_tree(fn)):
        if isinstance(node, ast.Call):
            yield node.func


@pytest.mark.parametrize("rule, kind, fn", TEMPLATES)
def test_runtime_helpers_called_by_templates_have_rules(rule, kind, fn):
    for node in ast.walk(_tree(fn)):
        chain = _dotted(node) if isinstance(node, ast.Attribute) else None
        if chain and chain[0] == "_rt":
            assert hasattr(rt, chain[1]), f"{rule.name}: _rt.{chain[1]} does not exist"
            assert registry.find(f"_rt.{chain[1]}") is not None, \
                f"{rule.name} {kind}: _rt.{chain[1]} has no rule in rules/runtime.py"


@pytest.mark.parametrize("rule, kind, fn", TEMPLATES)
def test_numpy_functions_and_builtins_called_by_templates_have_rules(rule, kind, fn):
    params = set(inspect.signature(fn).parameters)
    for func in _calls(fn):
        chain = _dotted(func)
        assert chain is not None, f"{rule.name} {kind}: call of an expression"
        if chain[0] == "np":
            obj = np
            for part in chain[1:]:
                obj = getattr(obj, part)
            assert registry.rule_for_object(obj) is not None, \
                f"{rule.name} {kind}: {'.'.join(chain)} has no rule"
        elif chain[0] != "_rt":
            assert len(chain) == 1 and chain[0] not in params, \
                f"{rule.name} {kind}: calls {'.'.join(chain)}"
            assert registry.rule_for_object(getattr(builtins, chain[0])) is not None, \
                f"{rule.name} {kind}: builtin {chain[0]} has no rule"


@pytest.mark.parametrize("rule, kind, fn", TEMPLATES)
def test_templates_name_only_parameters_the_transforms_bind(rule, kind, fn):
    params = set(inspect.signature(fn).parameters)
    own = set(rule.signature.parameters)
    extra = {"partial": {"out"}, "jvp": {"t", "out", "i"}, "vjp": {"g", "out", "i"}}[kind]
    assert params <= own | extra, f"{rule.name} {kind}: unknown {sorted(params - own - extra)}"
    if "i" in params and "i" not in own:  # the operand's position, bound for *operands only
        assert any(p.kind == p.VAR_POSITIONAL for p in rule.signature.parameters.values())


@pytest.mark.parametrize("rule, kind, fn", TEMPLATES)
def test_templates_are_straight_line_code_the_compiler_inlines(rule, kind, fn):
    from s2sad.transforms.templates import lowered

    lowered(fn)  # raises DifferentiationError otherwise


def test_every_runtime_helper_has_a_rule():
    names = list(helpers.__all__) + ["unbroadcast", "broadcast_like", "zeros_like", "tree_add"]
    missing = [n for n in names if registry.find(f"_rt.{n}") is None]
    assert not missing, f"runtime helpers without a rule: {missing}"
    for n in names:
        assert registry.find(f"_rt.{n}").obj is getattr(rt, n)
