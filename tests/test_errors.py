"""Errors are part of the interface: every bad input of issues 2-4, its type and message."""

import inspect
import re
from pathlib import Path

import numpy as np
import pytest

import errors_cases as ec
import s2sad
from s2sad import DifferentiationError, UnsupportedSyntaxError

CASES_FILE = Path(ec.__file__).resolve()
PACKAGE_DIR = str(Path(s2sad.__file__).resolve().parent)
LINES = CASES_FILE.read_text().splitlines()

# functions besides the entry whose markers are also acceptable places for the error
EXTRA: dict = {}


def _markers(fns) -> list[tuple[int, int]]:
    """(line, 0-based column) of every ``# ERR: token`` marker inside ``fns``."""
    places = []
    for fn in fns:
        src, first = inspect.getsourcelines(fn)
        for k in range(len(src)):
            lineno = first + k
            text = LINES[lineno - 1]
            for part in text.split("# ERR: ")[1:]:
                token = part.split("  #")[0].strip()
                code = text.split("#")[0]
                col = code.find(token)
                assert col >= 0, f"marker {token!r} not found on line {lineno}"
                places.append((lineno, col))
    assert places, f"no markers in {fns}"
    return places


def _build_and_call(transform, fn, args):
    """Build the transform and run it: the error may come from either step."""
    g = transform(fn)
    return g(*args)


def _check_location(err: UnsupportedSyntaxError, places: list[tuple[int, int]]) -> None:
    msg = str(err)
    m = re.search(r"errors_cases\.py:(\d+):(\d+)", msg)
    assert m, f"no errors_cases.py:<line>:<col> in message:\n{msg}"
    line, col = int(m.group(1)), int(m.group(2))
    matching = [(ln, c) for ln, c in places if ln == line and col in (c, c + 1)]
    assert matching, f"points at {line}:{col}, expected one of {places} (1- or 0-based column)\n{msg}"
    _, expected_col = matching[0]
    source_line = LINES[line - 1]
    stripped = source_line.strip()
    msg_lines = msg.splitlines()
    shown = [i for i, text in enumerate(msg_lines) if text.rstrip().endswith(stripped)]
    assert shown, f"the offending line {stripped!r} is not in the message:\n{msg}"
    i = shown[-1]
    assert i + 1 < len(msg_lines) and "^" in msg_lines[i + 1], f"no caret under the line:\n{msg}"
    start_in_msg = msg_lines[i].index(stripped)
    indent = len(source_line) - len(source_line.lstrip())
    assert msg_lines[i + 1].index("^") == start_in_msg + expected_col - indent, (
        f"caret not under column {expected_col}:\n{msg}")
    # the user's location, not a traceback from inside the compiler
    assert "Traceback" not in msg
    assert PACKAGE_DIR not in msg


@pytest.mark.parametrize("name", sorted(ec.UNSUPPORTED))
@pytest.mark.parametrize("transform", [s2sad.grad, s2sad.value_and_grad],
                         ids=["grad", "value_and_grad"])
def test_unsupported_syntax_is_reported_at_the_users_line(name, transform):
    fn, args = ec.UNSUPPORTED[name]
    with pytest.raises(UnsupportedSyntaxError) as info:
        _build_and_call(transform, fn, args)
    assert isinstance(info.value, DifferentiationError)
    _check_location(info.value, _markers([fn] + EXTRA.get(name, [])))


@pytest.mark.parametrize("name", ["try", "yield_value"])
def test_unsupported_syntax_through_the_decorator_and_forward_mode(name):
    fn, args = ec.UNSUPPORTED[name]
    places = _markers([fn])
    with pytest.raises(UnsupportedSyntaxError) as info:
        s2sad.differentiate(fn).grad(*args)
    _check_location(info.value, places)
    with pytest.raises(UnsupportedSyntaxError) as info:  # building the source is enough
        s2sad.differentiate(fn).source("grad")
    _check_location(info.value, places)
    with pytest.raises(UnsupportedSyntaxError) as info:
        s2sad.jvp(fn, args, tuple(np.ones_like(a) for a in args))
    _check_location(info.value, places)


def test_unsupported_syntax_error_is_a_differentiation_error():
    assert issubclass(UnsupportedSyntaxError, DifferentiationError)
    assert issubclass(DifferentiationError, Exception)


# --------------------------------------------------------------------------- argnums dtype


def _sq(x, y=1.0):
    return np.sum(x ** 2) * y


@pytest.mark.parametrize("bad", [3, True, np.arange(3), np.array([True, False]),
                                 np.int32(2), (np.ones(2), np.arange(2)), {"a": 1}],
                         ids=["int", "bool", "int-array", "bool-array", "np-int", "tuple-leaf",
                              "dict-leaf"])
@pytest.mark.parametrize("transform", [s2sad.grad, s2sad.value_and_grad, s2sad.grad_and_value])
def test_integer_or_bool_argument_in_argnums_is_a_type_error(bad, transform):
    with pytest.raises(TypeError):
        transform(_sq)(bad)
    with pytest.raises(TypeError):
        transform(_sq, argnums=1)(np.ones(2), bad)


def test_integer_argument_outside_argnums_is_fine():
    np.testing.assert_allclose(s2sad.grad(_sq)(np.array([1.0, 2.0]), 3), [6.0, 12.0])


# --------------------------------------------------------------------------- non-scalar output


@pytest.mark.parametrize("fn, x, shape", [
    (ec.vector_output, np.ones(3), (3,)),
    (ec.matrix_output, np.ones(2), (2, 2)),
], ids=["vector", "matrix"])
@pytest.mark.parametrize("transform", [s2sad.grad, s2sad.value_and_grad, s2sad.grad_and_value])
def test_grad_of_non_scalar_output_is_a_value_error(fn, x, shape, transform):
    with pytest.raises(ValueError) as info:
        transform(fn)(x)
    msg = str(info.value)
    assert str(shape) in msg, msg
    assert "jacrev" in msg or "vjp" in msg, msg


def test_decorator_grad_of_non_scalar_output():
    with pytest.raises(ValueError, match=r"jacrev|vjp"):
        s2sad.differentiate(ec.vector_output).grad(np.ones(4))


# --------------------------------------------------------------------------- no source


NO_SOURCE = re.compile(r"not available|unavailable|cannot (be )?(read|found|get|find)|"
                       r"could not (be )?(read|found|get|find)|no source", re.I)


def _check_no_source(err, name=None):
    msg = str(err)
    assert "source" in msg.lower(), msg
    assert NO_SOURCE.search(msg), msg
    if name:
        assert name in msg, msg


@pytest.mark.parametrize("fn, arg, name", [
    (ec.exec_built, np.ones(3), "exec_built"),
    (np.sin, 1.0, None),
    (len, np.ones(3), None),
], ids=["exec", "np.sin", "len"])
def test_function_without_source(fn, arg, name):
    with pytest.raises(DifferentiationError) as info:
        _build_and_call(s2sad.grad, fn, (arg,))
    _check_no_source(info.value, name)


def test_callee_without_source():
    with pytest.raises(DifferentiationError) as info:
        _build_and_call(s2sad.grad, ec.calls_exec_built, (np.ones(3),))
    _check_no_source(info.value, "exec_built")


# --------------------------------------------------------------------------- no rule


@pytest.mark.parametrize("fn", [ec.uses_no_rule, ec.uses_no_rule_in_helper], ids=["direct", "in-helper"])
@pytest.mark.parametrize("transform", [s2sad.grad, s2sad.value_and_grad])
def test_numpy_function_without_rule(fn, transform):
    with pytest.raises(DifferentiationError) as info:
        _build_and_call(transform, fn, (np.array([1.0, 2.0, 0.5, -1.0]),))
    msg = str(info.value)
    assert "np.fft.hfft" in msg and "no derivative rule" in msg, msg


def test_numpy_function_without_rule_in_forward_mode():
    with pytest.raises(DifferentiationError) as info:
        s2sad.jvp(ec.uses_no_rule, (np.ones(4),), (np.ones(4),))
    msg = str(info.value)
    assert "np.fft.hfft" in msg and "no derivative rule" in msg, msg


# --------------------------------------------------------------------------- jvp tangents


def _tree_fn(t):
    return np.sum(t["a"] ** 2) + np.sum(np.sin(t["b"]))


def test_jvp_tangent_shape_mismatch_names_the_leaf():
    primals = ({"a": np.ones(3), "b": np.ones((2, 2))},)
    tangents = ({"a": np.ones(3), "b": np.ones(4)},)
    with pytest.raises(ValueError) as info:
        s2sad.jvp(_tree_fn, primals, tangents)
    msg = str(info.value)
    assert "'b'" in msg or '"b"' in msg, msg
    assert "(4,)" in msg and "(2, 2)" in msg, msg


def test_jvp_tangent_structure_mismatch():
    primals = ({"a": np.ones(3), "b": np.ones((2, 2))},)
    with pytest.raises(ValueError) as info:
        s2sad.jvp(_tree_fn, primals, ({"a": np.ones(3)},))
    assert "b" in str(info.value)
    with pytest.raises(ValueError):
        s2sad.jvp(_sq, (np.ones(3),), (np.ones(2),))
    with pytest.raises(ValueError):
        s2sad.jvp(_sq, (np.ones(3), 1.0), (np.ones(3),))


def test_hvp_tangent_shape_mismatch():
    with pytest.raises(ValueError):
        s2sad.hvp(_sq, (np.ones(3),), (np.ones(4),))


def test_library_function_without_rule_is_named_not_read():
    """SciPy's code is library code: never read as the user's; the error names the call."""
    special = pytest.importorskip("scipy.special")

    def uses_struve(x):
        return np.sum(special.struve(1.0, x))

    with pytest.raises(DifferentiationError) as info:
        s2sad.grad(uses_struve)(np.array([0.5, 1.5]))
    msg = str(info.value)
    assert "special.struve" in msg and "no derivative rule" in msg, msg


def test_function_passed_inside_a_container_to_the_differentiated_function():
    """A function value must be known when the code is generated: one passed as an argument
    gets code of its own (tests/test_python_coverage_more.py), one inside a container is
    runtime data, refused at the line that calls it."""

    def apply_first(x, acts):
        return np.sum(acts[0](x))

    with pytest.raises(UnsupportedSyntaxError) as info:
        s2sad.grad(apply_first)(np.array([0.5, 1.0]), [np.tanh])
    assert "acts[0]" in str(info.value) and "compile time" in str(info.value)


# --------------------------------------------------------------------------- has_aux output


def _square(x):
    return x * x


def _three(x):
    return np.sum(x * x), 1.0, 2.0


def _pair_on_one_path(x):
    if np.sum(x) > 0:
        return np.sum(x * x), "positive"
    return np.sum(x)


_AUX_CALLS = {  # each runs ``fn`` differentiated with has_aux=True at ``x``
    "grad": lambda fn, x: s2sad.grad(fn, has_aux=True)(x),
    "value_and_grad": lambda fn, x: s2sad.value_and_grad(fn, has_aux=True)(x),
    "grad_and_value": lambda fn, x: s2sad.grad_and_value(fn, has_aux=True)(x),
    "vjp": lambda fn, x: s2sad.vjp(fn, x, has_aux=True),
    "jvp": lambda fn, x: s2sad.jvp(fn, (x,), (x,), has_aux=True),
    "jacfwd": lambda fn, x: s2sad.jacfwd(fn, has_aux=True)(x),
    "jacrev": lambda fn, x: s2sad.jacrev(fn, has_aux=True)(x),
    **{f"decorator.{m}": (lambda m: lambda fn, x: getattr(
        s2sad.differentiate(fn, has_aux=True), m)(*((x,), (x,)) if m == "jvp" else (x,)))(m)
       for m in ("grad", "value_and_grad", "grad_and_value", "vjp", "jvp", "jacfwd", "jacrev")},
}
_NOT_A_PAIR = "must return a pair (output, aux) when differentiated with has_aux=True"


@pytest.mark.parametrize("call", sorted(_AUX_CALLS))
def test_has_aux_output_that_is_not_a_pair_is_a_type_error_naming_the_function(call):
    """JAX's rule: with has_aux=True the function returns (output, aux); anything else is
    a TypeError naming the function and what it returned, checked before the generated
    code splits the pair (never "'float' object is not subscriptable" from inside it)."""
    x = 2.0 if call.split(".")[-1] not in ("jacfwd", "jacrev") else np.array([2.0])
    got = "a float (4.0)" if isinstance(x, float) else "an array of shape (1,) and dtype float64"
    with pytest.raises(TypeError) as info:
        _AUX_CALLS[call](_square, x)
    assert str(info.value) == f"_square (test_errors.py:{_line(_square)}) {_NOT_A_PAIR}, " \
                              f"but it returned {got}"
    with pytest.raises(TypeError) as info:  # a tuple of the wrong length
        _AUX_CALLS[call](_three, np.array([1.0, 2.0]))
    assert str(info.value) == f"_three (test_errors.py:{_line(_three)}) {_NOT_A_PAIR}, " \
                              f"but it returned a tuple of 3 items"


def _line(fn) -> int:
    return fn.__code__.co_firstlineno


def test_has_aux_pair_checked_on_every_path_and_only_where_not_built():
    """A pair built by the return statement is split as it is (no check in the code); one
    returned on some paths only is checked each run: a numpy scalar on the other path."""
    x = np.array([1.0, 2.0])
    g, aux = s2sad.grad(_pair_on_one_path, has_aux=True)(x)
    np.testing.assert_allclose(g, 2.0 * x, rtol=1e-15)
    assert aux == "positive"
    with pytest.raises(TypeError, match=re.escape(f"{_NOT_A_PAIR}, but it returned a "
                                                  f"numpy.float64 (-3.0)")):
        s2sad.grad(_pair_on_one_path, has_aux=True)(-x)
    assert s2sad.source(s2sad.grad(_pair_on_one_path, has_aux=True)).count(
        "_rt.check_aux(") == 1
    assert "_rt.check_aux" not in s2sad.source(s2sad.grad(ec.pair_output, has_aux=True))


def test_has_aux_output_checked_under_vmap_too():
    """vmap(grad(f, has_aux=True)): a pair of batched values passes; a batched scalar
    output is described by its first lane."""
    X = np.array([[1.0, 2.0], [3.0, -1.0]])
    g, aux = s2sad.vmap(s2sad.grad(ec.pair_output, has_aux=True))(X)
    np.testing.assert_allclose(g, 2.0 * X, rtol=1e-15)
    np.testing.assert_allclose(aux, X ** 2, rtol=1e-15)
    with pytest.raises(TypeError, match=re.escape(f"{_NOT_A_PAIR}, but it returned a "
                                                  f"numpy.float64 (5.0)")):
        s2sad.vmap(s2sad.grad(_sum_squares, has_aux=True))(X)


def _sum_squares(x):
    r = np.sum(x * x)
    return r
