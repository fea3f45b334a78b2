"""Front-end fuzzing (issue 9): arbitrary Python, valid or not, never crashes the compiler.

Sources come from ``tests/fuzz/fragments.py``: statements s2sad reads and statements it
refuses, nested at random. For every source that compiles and whose ``f(x)`` runs
plainly, ``grad`` and ``jvp`` either work or raise ``s2sad.DifferentiationError`` /
``UnsupportedSyntaxError`` (at a line of the user's file), a ``SyntaxError`` located in
the user's file, or the documented error of ``grad`` of a non-scalar -- never an
exception from inside the compiler. ``tools/fuzz.py frontend -n 1000`` is the long run.
"""

from __future__ import annotations

import numpy as np
import pytest

import s2sad

hypothesis = pytest.importorskip("hypothesis")
from hypothesis import given, settings  # noqa: E402

from fuzz import oracle  # noqa: E402
from fuzz.fixtures import CI, assert_fine, fuzz_folder, module_from  # noqa: E402
from fuzz.fragments import SAMPLE, random_source, sources  # noqa: E402


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    yield from fuzz_folder(tmp_path_factory)


@settings(CI, max_examples=60)
@given(source=sources())
def test_front_end_raises_only_s2sad_errors(source, folder):
    assert_fine(oracle.check_frontend(source, folder, SAMPLE), source)


def test_the_grammar_reaches_the_compiler(folder):
    """Enough sources compile and run plainly for the fuzzer to test something."""
    statuses = [oracle.check_frontend(random_source(seed), folder, SAMPLE).status
                for seed in range(40)]
    assert statuses.count("skipped") <= 32
    assert statuses.count("refused") >= 2


def test_refusals_point_at_the_users_line(folder):
    """An ``UnsupportedSyntaxError`` names the program's file and its line and column."""
    source = "import numpy as np\n\n\ndef f(x):\n    y = np.sum(x)\n    try:\n" \
             "        y = y * 2\n    except Exception:\n        pass\n    return y\n"
    outcome = oracle.check_frontend(source, folder, SAMPLE)
    assert outcome.status == "refused" and "`try` is not supported" in outcome.detail
    assert ".py:6:5:" in outcome.detail


def test_grad_of_a_tuple_output_says_scalar(folder):
    m = module_from(folder, "tuple_output", """
        import numpy as np

        def f(x):
            return np.sum(x), x
    """)
    with pytest.raises(ValueError, match="grad requires a scalar output"):
        s2sad.grad(m.f)(SAMPLE)


def test_a_lambda_given_to_a_library_function(folder):
    m = module_from(folder, "lambda_to_map", """
        import numpy as np

        def f(x):
            n = len(list(map(lambda v: v * 2, x)))
            return np.sum(x) * n
    """)
    try:
        np.testing.assert_allclose(s2sad.grad(m.f)(SAMPLE), 3.0 * np.ones(3))
    except s2sad.DifferentiationError:
        pass  # a refusal at the line is fine too


def test_lambdas_that_share_a_line(folder):
    """Found probing the front end: ``f, g = lambda x: ..., lambda x: ...`` was refused as
    'several lambdas there' (the code's RESUME instruction claims column 0)."""
    m = module_from(folder, "lambdas_on_a_line", """
        import numpy as np

        f3, f4 = lambda x: np.sum(x * 2), lambda x: np.sum(x * 3)
        g1, g2 = (lambda x: (x[0]) * 2.0), (lambda x: (x[0]) * 3.0)
    """)
    np.testing.assert_allclose(s2sad.grad(m.f3)(SAMPLE), [2.0, 2.0, 2.0])
    np.testing.assert_allclose(s2sad.grad(m.f4)(SAMPLE), [3.0, 3.0, 3.0])
    np.testing.assert_allclose(s2sad.grad(m.g2)(SAMPLE), [3.0, 0.0, 0.0])


@pytest.mark.xfail(strict=True, raises=(IndexError, ValueError), reason=(
    "`+` of two Python lists (acc = acc + [y]) is lowered as the array `add`: its reverse "
    "rule unbroadcasts the list's cotangent to each operand's shape instead of splitting it "
    "by their lengths, and fails (`cannot reshape array of size 1 into shape (0,)` for an "
    "empty list, `tuple index out of range`, ...); list concatenation needs a rule of its "
    "own (rules/operators.py, or lower it as appends)"))
def test_grad_through_list_concatenation(folder):
    m = module_from(folder, "list_concat", """
        def f(x):
            acc = [x[0]]
            acc = acc + [x[1] * 2.0]
            return acc[0] * acc[1]
    """)
    np.testing.assert_allclose(s2sad.grad(m.f)(SAMPLE), [2 * SAMPLE[1], 2 * SAMPLE[0], 0.0])
