"""In-place updates through second names, views and arguments (issue 9).

Each function is right against central differences only if every update is seen by
every name that shares the updated memory. ``x`` is a float64 vector of length 4 with
distinct entries (``INPUT``); functions that update their argument are differentiated
on a copy by the test (central differences must not see the update either).
"""

import numpy as np

INPUT = np.array([0.7, -1.3, 2.1, 0.4])


def second_name(x):
    y = x * 1.0
    z = y  # a second name for the same array
    z[0] = y[1] * 3.0
    return np.sum(y * y)


def slice_view_imul(x):
    y = x * 1.0
    v = y[1:]  # a view
    v *= 2.0
    return np.sum(y * y)


def transpose_view(x):
    y = np.reshape(x * 1.0, (2, 2))
    t = y.T
    t[0, 1] = y[0, 0] * 3.0  # y[1, 0]
    return np.sum(y * y * np.arange(1.0, 5.0).reshape(2, 2))


def reshape_view(x):
    y = x * 1.0
    m = y.reshape(2, 2)
    m[1] *= 3.0
    return np.sum(y ** 3)


def ravel_view(x):
    y = np.reshape(x * 2.0, (2, 2))
    r = y.ravel()
    r[0] = r[3] * r[1]
    return np.sum(y * y)


def ravel_copy(x):
    y = np.reshape(x * 2.0, (2, 2)).T  # not contiguous: ravel copies, y is unchanged
    r = y.ravel()
    r[0] = 10.0
    return np.sum(y * y) + np.sum(r * x)


def flatten_copy(x):
    y = x * 1.0
    f = y.flatten()  # always a copy
    f[1] = 5.0
    return np.sum(y * f)


def full_slice_view(x):
    y = x * 1.0
    v = y[:]
    v[1] = v[2] * v[3]
    return np.sum(np.sin(y))


def base_update_seen_by_view(x):
    y = x * 1.0
    w = y[1:]
    a = np.sum(w * w)
    y[1] = y[0] * 4.0
    return a + np.sum(w ** 3)


def argument_updated(x):
    x[0] = x[1] * 2.0
    return np.sum(x * x)


def argument_imul(x):
    x *= 3.0
    return np.sum(np.sin(x))


def argument_second_name(x):
    y = x
    y[2] = 0.5 * x[3]
    return np.sum(x * x * x)


def copyto(x):
    y = np.zeros(4)
    np.copyto(y, x * 2.0)
    y[0] = 1.0
    return np.sum(y * x)


def out_argument(x):
    y = np.empty(4)
    np.multiply(x, x, out=y)
    return np.sum(np.sin(y))


def fill_through_view(x):
    y = x * 1.0
    v = y[:2]
    v.fill(1.5)
    return np.sum(y * x)


def sort_in_place(x):
    y = x * 1.0
    y.sort()
    return y[0] + 3.0 * y[3] + 2.0 * y[1]


def row_views_in_loop(x):
    a = np.outer(x, x)
    for i in range(4):
        row = a[i]
        row *= x[i]
    return np.sum(a * a)


def nested_subscript_store(x):
    a = np.zeros((4, 4))
    for i in range(4):
        for j in range(4):
            a[i][j] = x[i] * x[j] + j
    return np.sum(a * a)


def overlapping_views(x):
    y = x * 1.0
    a = y[:3]
    b = y[1:]
    a += b
    return np.sum(y * y)


def reversed_view(x):
    y = x * 1.0
    r = y[::-1]
    r[0] = r[1] * 2.0
    return np.sum(y * np.arange(1.0, 5.0))


def flip_view(x):
    y = x * 1.0
    r = np.flip(y)
    r *= np.arange(1.0, 5.0)
    return np.sum(y * y)


def view_of_view(x):
    y = x * 1.0
    v = y[1:]
    w = v[1:]
    w[0] = 9.0 * x[0]
    return np.sum(y * y * y)


def list_element(x):
    rows = [x * 1.0, x * 2.0]
    r = rows[0]
    r[0] = 7.0 * x[1]
    return np.sum(rows[0] ** 2) + np.sum(rows[1])


def swapaxes_view(x):
    y = np.reshape(x * 1.0, (2, 2, 1))
    s = np.swapaxes(y, 0, 1)
    s[0, 1, 0] = s[1, 0, 0] ** 2
    return np.sum(y * y)


def alias_in_while_loop(x):
    y = x * 1.0
    z = y
    k = 0
    while k < 3:
        z *= 1.5 + x[0]
        k += 1
    return np.sum(y * y)


def index_array_copy(x):
    y = x * 1.0
    v = y[[0, 2]]  # an index array copies
    v[0] = 100.0
    return np.sum(y * y) + np.sum(v * x[:2])


def _zero_first(a):
    a[0] = 0.0
    return np.sum(a * a)


def helper_updates_a_temporary(x):
    return _zero_first(x * 2.0) + np.sum(x)


def sibling_view_refreshed(x):
    y = x * 1.0
    a = y[:2]
    b = y[1:]
    a[1] = a[0] * 5.0  # y[1], which b[0] reads
    return np.sum(b * b) + np.sum(a)


CORPUS = [second_name, slice_view_imul, transpose_view, reshape_view, ravel_view, ravel_copy,
          flatten_copy, full_slice_view, base_update_seen_by_view, argument_updated,
          argument_imul, argument_second_name, copyto, out_argument, fill_through_view,
          sort_in_place, row_views_in_loop, nested_subscript_store, overlapping_views,
          reversed_view, flip_view, view_of_view, list_element, swapaxes_view,
          alias_in_while_loop, index_array_copy, helper_updates_a_temporary,
          sibling_view_refreshed]


# --------------------------------------------------------------------------- refused


def _first_half(a):
    return a[:2]


def view_from_helper(x):
    y = x * 1.0
    h = _first_half(y)  # a view made by user code: s2sad cannot tell how it relates to y
    h[0] = 5.0
    return np.sum(y * y)


def helper_updates_live_argument(x):
    y = x * 1.0
    s = _zero_first(y)
    return s + np.sum(y)


def real_part_view(x):
    y = x * 1.0
    r = np.real(y)
    r[0] = 2.0
    return np.sum(y * y)


def einsum_view(x):
    y = np.reshape(x * 1.0, (2, 2))
    t = np.einsum("ij->ji", y)  # NumPy returns a view of y here
    t[0, 1] = 5.0
    return np.sum(y * y)


def fill_diagonal(x):
    a = np.outer(x, x)
    np.fill_diagonal(a, 0.0)
    return np.sum(a)


def ufunc_at(x):
    y = x * 1.0
    np.add.at(y, [0, 0], 1.0)
    return np.sum(y * y)


def partition_method(x):
    y = x * 1.0
    y.partition(2)
    return np.sum(y[:2])


# (function, error message fragment)
REFUSED = [
    (view_from_helper, "cannot tell how one is derived from the other"),
    (helper_updates_live_argument, "`_zero_first` updates its argument `a` in place"),
    (real_part_view, "has no way to write it back"),
    (einsum_view, "cannot tell how one is derived from the other"),
    (fill_diagonal, "`np.fill_diagonal` updates its argument in place"),
    (ufunc_at, "updates its argument in place"),
    (partition_method, "`.partition()` updates the array in place"),
]


# --------------------------------------------------------------------------- literals


def list_literals_to_ufuncs(x):
    """A list literal given to an elementwise NumPy function is an array, not a list that
    ``+`` would concatenate (``np.add`` prints as ``+``)."""
    return np.sum(np.log([x, x + 1.0])) + np.sum(np.add([x, 1.0], [2.0, x]) ** 2) + np.sum(
        np.arctan2([x, 2.0 * x], (1.5, x)))
