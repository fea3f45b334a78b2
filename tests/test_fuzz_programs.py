"""Program fuzzing (issue 9): random programs of the supported subset, checked end to end.

Each program (``tests/fuzz/programs.py``) must build or be refused with an s2sad error;
built, its reverse mode must agree with forward mode (``jacfwd``, ``jvp``) and with
central differences where the function is smooth at the sample, its Hessian with
``jacfwd(grad)``, and its emitted source must be the same bytes every time, also in
other processes with other hash seeds. The examples are derandomized so CI is
deterministic; ``tools/fuzz.py programs -n 1000`` is the long run. Set
``S2SAD_FUZZ_SHRINK=1`` to let hypothesis shrink a failure (slow: every example
generates code).
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import numpy as np
import pytest

import s2sad

hypothesis = pytest.importorskip("hypothesis")
from hypothesis import given, settings  # noqa: E402

from fuzz import oracle  # noqa: E402
from fuzz.fixtures import CI, assert_fine, fuzz_folder, module_from  # noqa: E402
from fuzz.programs import programs, random_program  # noqa: E402
from fd import numerical_grad  # noqa: E402


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    yield from fuzz_folder(tmp_path_factory)


@settings(CI, max_examples=25)
@given(program=programs(most=12))
def test_reverse_forward_and_differences_agree(program, folder):
    assert_fine(oracle.check_program(program, folder, hessian=False), program.describe())


@settings(CI, max_examples=5)
@given(program=programs(most=6))
def test_hessian_is_forward_over_reverse(program, folder):
    assert_fine(oracle.check_program(program, folder, hessian=True), program.describe())


def test_generated_programs_run_plainly(folder):
    """The generator's promise: every program runs and returns a finite scalar."""
    for seed in range(60):
        program = random_program(seed)
        f = oracle.load(program.source, folder).f
        assert oracle._plain(f, program.args) == oracle._plain(f, program.args)


def test_most_programs_build(folder):
    """The generator writes what s2sad reads: refusals stay the exception."""
    refused = 0
    for seed in range(20):
        try:
            oracle.emit_source(oracle.load(random_program(seed).source, folder).f)
        except s2sad.DifferentiationError:
            refused += 1
    assert refused <= 5


def test_emission_is_the_same_in_other_processes(folder):
    """Same programs, two processes, two PYTHONHASHSEEDs: the same bytes (grad and jvp)."""
    paths = []
    for seed in range(5):
        f = oracle.load(random_program(seed).source, folder).f
        paths.append(Path(f.__code__.co_filename))
    here = oracle.emitted_sources(paths, folder)
    assert here.count("=====") == 2 * len(paths) and re.search(r"^def ", here, re.M)
    other = "1" if os.environ.get("PYTHONHASHSEED") == "4242" else "4242"
    assert oracle.sources_in_subprocess(paths, folder, other) == here


# --------------------------------------------------------------------------- known bugs


def test_forward_join_of_a_short_circuit_in_a_loop(folder):
    """The tangent forward mode zero-fills at the ``if`` join of a short-circuit ``and``
    (``zeros_like`` of a primal bound only when ``t > 0``) is read by nothing: dead code
    goes, in the module a call runs and in the generic one enclosing transforms read."""
    m = module_from(folder, "short_circuit", SHORT_CIRCUIT)
    x = np.array([0.6, -0.2, 0.4])
    H = s2sad.hessian(m.f)
    np.testing.assert_allclose(H(x, -0.25), np.diag(6.0 * x))
    np.testing.assert_allclose(H.composable_entry(x, -0.25), np.diag(6.0 * x))


SHORT_CIRCUIT = """\
import numpy as np


def f(x, t):
    w = 0
    while w < 1 and (t > 0.0 and x[0] < 0.3):
        w += 1
    return np.sum(x ** 3)
"""


SHORT_CIRCUIT_IN_A_LOOP = """\
import numpy as np


def f(x):
    y = x[0]
    for e in x:
        if e > 0.0 and e < 0.3:
            y = y * e
        y = np.sin(y)
    return y


def reassigned(x):
    y = x[0]
    for e in x:
        c = e > 0.0
        if c:
            c = e < 0.3
        if c:
            y = y * e
        y = np.sin(y)
    return y
"""


@pytest.mark.parametrize("name", ["f", "reassigned"])
@pytest.mark.parametrize("x", [[0.5, 0.6, 0.2], [-0.5, 0.5, 0.2]])
def test_reverse_of_a_condition_reassigned_in_its_arm(folder, name, x):
    fn = getattr(module_from(folder, "short_circuit_loop", SHORT_CIRCUIT_IN_A_LOOP), name)
    x = np.array(x)
    np.testing.assert_allclose(s2sad.grad(fn)(x), numerical_grad(fn, (x,), 0), atol=1e-7)


def test_hessian_through_np_array_of_an_array(folder):
    m = module_from(folder, "array_of_array", """
        import numpy as np

        def f(x):
            a = np.array(x[::-1])
            return np.sum(a[1:] ** 3)
    """)
    x = np.array([0.7, -0.6, 0.1])
    np.testing.assert_allclose(s2sad.hessian(m.f)(x), np.diag([6 * x[0], 6 * x[1], 0.0]))


def test_jacfwd_of_a_variable_made_active_in_a_loop(folder):
    m = module_from(folder, "active_in_loop", """
        import numpy as np

        def f(x, t):
            a = np.ones(3) * t
            while a[1] > 5.0:
                a = x * 1.0
            return np.sum(a)
    """)
    np.testing.assert_allclose(s2sad.jacfwd(m.f)(np.array([0.7, -0.6, 0.1]), 0.3), np.zeros(3))


def test_an_early_return_of_a_sum_does_not_alias(folder):
    m = module_from(folder, "return_alias", """
        import numpy as np

        def f(x):
            a = x * 1.0
            for i in range(3):
                if np.sum(a) > 0.1:
                    return sum(e for e in a)
                a[:2] = a[1:] * 2.0
            return 0.0
    """)
    x = np.array([0.7, -0.6, 0.1])
    np.testing.assert_allclose(s2sad.grad(m.f)(x), [1.0, 1.0, 1.0])


def test_jacfwd_of_an_argument_overwritten_in_a_loop(folder):
    m = module_from(folder, "overwritten_in_loop", """
        def f(x, t):
            for i in range(2):
                t = x[0] * 2.0
            return t
    """)
    assert s2sad.jacfwd(m.f, argnums=1)(np.array([0.7, -0.6, 0.1]), 0.3) == 0.0


def test_reverse_of_a_chained_comparison_in_a_loop(folder):
    m = module_from(folder, "chained_in_loop", """
        import numpy as np

        def f(x, t):
            t = np.cos(t)
            for i in range(2):
                s = 3.0 * np.std(x)
                c = -0.5 < s < 0.7
            return t * x[2]
    """)
    x = np.array([0.96, 0.14, 0.28])
    gx, gt = s2sad.grad(m.f, argnums=(0, 1))(x, 0.7)
    np.testing.assert_allclose(gx, [0.0, 0.0, np.cos(0.7)])
    assert gt == pytest.approx(-np.sin(0.7) * 0.28)
