"""Functions s2sad must refuse, defined in a real file so their source can be read.

A comment ``# ERR: <token>`` marks where the error may point: the line it is on, at
the column where ``<token>`` starts in that line. A function may mark more than one
acceptable place (``global`` statement or the write it allows, a loop or the
generator it iterates).
"""

import math

import numpy as np

COUNTER = 0.0


def uses_try(x):
    try:  # ERR: try
        y = np.log(x)
    except ValueError:
        y = x
    return np.sum(y)


def uses_yield_value(x):
    total = yield np.sum(x ** 2)  # ERR: yield
    return total


async def uses_async(x):  # ERR: async
    return np.sum(x ** 2)


def uses_global_write(x):
    global COUNTER  # ERR: global
    COUNTER = COUNTER + 1.0  # ERR: COUNTER
    return np.sum(x) * COUNTER


def make_nonlocal_writer():
    total = 1.0

    def nonlocal_writer(x):
        nonlocal total  # ERR: nonlocal
        total = total + 1.0  # ERR: total
        return np.sum(x) * total

    return nonlocal_writer


uses_nonlocal_write = make_nonlocal_writer()


def uses_del(x):
    y = x * 2.0
    z = y + 1.0
    del y  # ERR: del
    return np.sum(z)


def rebinds_a_function(x, flag):
    act = lambda v: v * 2.0  # noqa: E731  # ERR: act
    if flag:
        act = lambda v: v * 3.0  # noqa: E731  # ERR: act
    return np.sum(act(x))


def uses_star_params(*xs):  # ERR: def  # ERR: *xs
    return np.sum(xs[0] ** 2)


def uses_class_def(x):
    class Local:  # ERR: class
        scale = 2.0

    return np.sum(x) * Local.scale


def uses_import(x):
    import math as m  # ERR: import

    return m.sin(np.sum(x))


# Each entry: name -> (function, arguments). The tests read the markers from this file.
UNSUPPORTED = {
    "try": (uses_try, (np.array([1.0, 2.0]),)),
    "yield_value": (uses_yield_value, (np.array([1.0, 2.0]),)),
    "async": (uses_async, (np.array([1.0, 2.0]),)),
    "global": (uses_global_write, (np.array([1.0, 2.0]),)),
    "nonlocal": (uses_nonlocal_write, (np.array([1.0, 2.0]),)),
    "del": (uses_del, (np.array([1.0, 2.0]),)),
    "rebound_function": (rebinds_a_function, (np.array([1.0, 2.0]), True)),
    "star_params": (uses_star_params, (np.array([1.0, 2.0]),)),
    "class": (uses_class_def, (np.array([1.0, 2.0]),)),
    "import": (uses_import, (np.array([1.0, 2.0]),)),
}


# --------------------------------------------------------------------------- no rule, no source


def uses_no_rule(x):
    return np.sum(np.fft.hfft(x) ** 2)


def uses_no_rule_in_helper(x):
    return 2.0 * uses_no_rule(x) + np.sum(x)


_ns = {"np": np}
exec("def exec_built(x):\n    return np.sum(x ** 2)\n", _ns)
exec_built = _ns["exec_built"]


def calls_exec_built(x):
    return exec_built(x) + math.pi


def vector_output(x):
    return np.sin(x)


def matrix_output(x):
    return np.outer(x, x)


def pair_output(x):
    return np.sum(x * x), x * x
