"""Control flow as users write it: the corpus of issue 3.

Branches on data and on constants, loops of every kind, while loops with
data-dependent conditions, break/continue/return anywhere, augmented and subscript
assignment, calls (across modules, with defaults and keywords, functions passed as
arguments, bound methods), recursion and pytrees. ``CORPUS`` gives each function
several inputs, together covering every branch, away from the places where the
function has a kink or a jump.
"""

import math

import numpy as np

from . import case, helpers_mod, rng
from .helpers_mod import rk4_integrate, soft_clip

GRAVITY = 9.81
USE_PENALTY = True
PENALTY_WEIGHT = 0.25

# --------------------------------------------------------------------------- branches


def relu_branch(x):
    if x > 0.0:
        y = x * x + 1.0
    else:
        y = -0.5 * x + 1.0
    return y * y


def three_way(x):
    if x < -1.0:
        return x ** 3
    elif x < 1.0:
        return math.sin(x) * 2.0
    else:
        return math.exp(-x) + x


def branch_on_array_sum(x):
    if np.sum(x) > 0.0:
        z = np.sum(np.tanh(x) ** 2)
    else:
        z = np.sum(x ** 3)
    return z * np.mean(x)


def branch_on_mode(x, mode):
    if mode == "l2":
        return np.sum(x ** 2)
    elif mode == "smooth":
        return np.sum(np.sqrt(x ** 2 + 0.1))
    return np.sum(np.cos(x))


def branch_on_global_flag(x):
    loss = np.sum(np.sin(x))
    if USE_PENALTY:
        loss = loss + PENALTY_WEIGHT * np.sum(x ** 4)
    return loss


def cond_expr(x):
    y = x ** 2 if x > 1.0 else math.sin(x)
    z = y if y > 0.5 else -y
    return z * x


def cond_expr_array(x):
    scale = 2.0 if np.max(x) > 1.0 else 0.5
    return scale * np.sum(x ** 2) + (np.sum(x) if x[0] > 0.0 else -np.sum(x ** 3))


def and_or_not(x, y):
    if x > 0.0 and y > 0.0:
        return x * y
    elif x > 0.0 or not (y > -1.0):
        return x ** 2 + y ** 3
    else:
        return math.exp(x + y)


def chained_comparison(x):
    if 0.0 < x < 1.0:
        return x ** 3
    return 2.0 * x + math.cos(x)


def if_on_shape(X):
    if X.shape[0] > X.shape[1]:
        return np.sum((X.T @ X) ** 2)
    else:
        return np.sum(np.tanh(X @ X.T))


def branch_defines_different_vars(x):
    if x > 0.0:
        a = x * 2.0
        b = math.exp(x)
    else:
        a = x ** 2
        b = 1.0
    return a * b


def branch_only_dependency(x, y):
    """The output depends on y only through a branch: its gradient in y is zero."""
    if np.sum(y) > 0.0:
        return np.sum(x ** 2)
    return np.sum(np.sin(x))


# --------------------------------------------------------------------------- for loops


def for_range_len(x):
    s = 0.0
    for i in range(len(x)):
        s = s + (i + 1) * x[i] ** 2
    return s


def for_range_step(x):
    s = 0.0
    for i in range(1, len(x) - 1, 2):
        s = s + x[i - 1] * x[i + 1] - x[i] ** 3
    return s


def for_rows(X, w):
    s = 0.0
    for row in X:
        s = s + np.tanh(row @ w)
    return s


def for_list_of_arrays(params, x):
    s = 0.0
    for p in params:
        s = s + np.sum((p * x) ** 2)
    return s


def zip_loop(x, y):
    s = 0.0
    for a, b in zip(x, y):
        s = s + a * b + a ** 2 * b
    return s


def enumerate_loop(x):
    s = 0.0
    for i, v in enumerate(x):
        s = s + (i + 1.0) * np.sin(v)
    return s


def enumerate_rows(X):
    total = 0.0
    for i, row in enumerate(X):
        total = total + np.sum(row ** 2) * (i + 1)
    return total


def nested_loops(A):
    n, m = A.shape
    s = 0.0
    for i in range(n):
        for j in range(m):
            s = s + A[i, j] * A[(i + 1) % n, j] * (j + 1)
    return s


def nested_loops_triangular(x):
    s = 0.0
    for i in range(len(x)):
        for j in range(i):
            s = s + x[i] * x[j] ** 2
    return s


def steps_from_argument(x, n_steps):
    y = x
    for _ in range(n_steps):
        y = y - 0.1 * np.tanh(y) * y
    return np.sum(y)


def loop_over_layers(params, X):
    h = X
    for W, b in [params["layer1"], params["layer2"]]:
        h = np.tanh(h @ W + b)
    return np.sum(h ** 2)


def rnn(Wh, Wx, X):
    h = np.zeros(Wh.shape[0])
    for x_t in X:
        h = np.tanh(Wh @ h + Wx @ x_t)
    return np.sum(h ** 2)


def swap_unpack_loop(x, y):
    a, b = x, y
    for _ in range(4):
        a, b = b, a * 0.5 + b * np.tanh(a)
    return np.sum(a * b)


def cumulative_product_aug(x):
    p = 1.0
    for v in x:
        p *= v
        p += 0.1
    return p


def min_tracking(x):
    best = x[0]
    idx = 0
    for i in range(1, len(x)):
        if x[i] < best:
            best = x[i]
            idx = i
    return best * (idx + 1) + 0.01 * np.sum(x ** 2)


def if_elif_continue_in_loop(x):
    s = 0.0
    for i, v in enumerate(x):
        if v > 1.0:
            s = s + v ** 2
        elif v < -1.0:
            continue
        else:
            s = s - np.sin(v) * i
    return s


def unrolled_optimization(A, b):
    w = np.zeros(len(b))
    r = A @ w - b
    for k in range(8):
        r = A @ w - b
        if np.linalg.norm(r) < 0.5:
            break
        w = w - 0.2 * (A.T @ r)
    return np.sum(w ** 2) + np.sum(r ** 2)


# --------------------------------------------------------------------------- while loops


def newton_sqrt(a):
    x = a if a > 1.0 else 1.0
    k = 0
    while abs(x * x - a) > 1e-13 * a and k < 60:
        x = 0.5 * (x + a / x)
        k += 1
    return x


def newton_cubic(c):
    """The real root of x**3 + x = c; Newton with a break on a tiny step."""
    x = c
    k = 0
    while k < 100:
        step = (x ** 3 + x - c) / (3.0 * x ** 2 + 1.0)
        x = x - step
        k += 1
        if abs(step) < 1e-15:
            break
    return x


def fixed_point(x, a):
    y = 0.0
    diff = 1.0
    while diff > 1e-14:
        y_new = a * math.cos(y) + x
        diff = abs(y_new - y)
        y = y_new
    return y


def power_iteration(A):
    v = np.ones(A.shape[0]) / math.sqrt(A.shape[0])
    lam = 0.0
    delta = 1.0
    while delta > 1e-14:
        w = A @ v
        new_lam = v @ w
        v = w / np.linalg.norm(w)
        delta = abs(new_lam - lam)
        lam = new_lam
    return lam


def while_counter(x):
    i = 0
    s = 0.0
    while i < len(x):
        s = s * 0.9 + x[i] ** 2
        i += 1
    return s


def while_data_growth(x, scale):
    s = scale
    n = 0
    while s < 10.0:
        s = s * x
        n += 1
    return s + n


def while_true_break_continue(x):
    i = -1
    s = 0.0
    while True:
        i += 1
        if i >= len(x):
            break
        if x[i] < 0.0:
            continue
        s = s + np.sqrt(x[i]) * (i + 1)
    return s


# --------------------------------------------------------------------------- early exits


def break_loop(x, thresh):
    s = 0.0
    for i in range(len(x)):
        if s > thresh:
            break
        s = s + x[i] ** 2
    return s * x[0]


def continue_loop(x):
    s = 0.0
    for v in x:
        if v < 0.0:
            continue
        s = s + v ** 3
    return s + 0.1 * np.sum(x)


def early_exit_search(x, target):
    running = 0.0
    for i in range(len(x)):
        running = running + x[i] ** 2
        if running > target:
            return running * (i + 1)
    return -running


def return_in_branches(x):
    if x[0] > 0.0:
        if x[1] > 0.0:
            return np.sum(x ** 2)
        return np.sum(np.sin(x))
    else:
        return np.prod(x)


def return_in_nested_loop(A, t):
    for i in range(A.shape[0]):
        for j in range(A.shape[1]):
            if A[i, j] > t:
                return A[i, j] * (i + 1) + np.sum(A[i] ** 2)
    return np.sum(A ** 2)


# --------------------------------------------------------------------------- assignment


def augassign_all_ops(x, y):
    a = x + 0.0
    a += y
    a -= 0.5 * x
    a *= x
    a /= 2.0 + y
    a **= 2
    b = x + 3.0
    b %= 2.5
    c = x * 4.0
    c //= 1.0
    M = np.outer(x, x) + np.eye(len(x))
    M @= M
    s = y
    s += 1.0
    s *= y
    s -= y ** 3
    s /= 3.0
    s **= 2
    return np.sum(a) + np.sum(b ** 2) + np.sum(c * x) + 0.01 * np.sum(M) + s


def subscript_assign_build(x):
    out = np.zeros_like(x)
    for i in range(len(x)):
        out[i] = x[i] ** 2 + (out[i - 1] if i > 0 else 0.0)
    return np.sum(out * np.arange(1.0, len(x) + 1.0))


def recurrence_in_place(x):
    out = np.zeros(len(x))
    out[0] = x[0]
    for i in range(1, len(x)):
        out[i] = 0.5 * out[i - 1] + np.sin(x[i]) * out[i - 1] + x[i]
    return np.sum(out ** 2)


def overwrite_then_read(x):
    a = x.copy()
    a[1] = a[1] * a[2]
    a[2] = a[1] + a[0] ** 2
    a[0] = np.sin(a[2])
    return np.sum(a ** 2)


def row_update(A, v):
    B = A.copy()
    B[0, :] += v
    for i in range(B.shape[0]):
        B[i, :] += v * (i + 1.0)
        B[i, :] = B[i, :] * B[i, :]
    return np.sum(B) + np.sum(B[:, 0] * A[:, 1])


def diagonal_update(A):
    M = A.copy()
    for i in range(M.shape[0]):
        M[i, i] = M[i, i] ** 2 + 1.0
    return np.sum(M @ M)


def mask_assign(x):
    y = x.copy()
    y[y < 0.0] = 0.0
    z = x.copy()
    mask = z > 0.5
    z[mask] = z[mask] ** 2
    return np.sum(y * x) + np.sum(z ** 2)


def mask_assign_loop(x):
    y = x.copy()
    for k in range(3):
        mask = y > 1.0
        y[mask] = y[mask] * 0.5 + 0.1 * k
        y = y * 1.2
    return np.sum(y ** 2)


def tuple_and_dict_building(x):
    pair = (np.sum(x), np.max(x))
    d = {"a": x ** 2, "b": np.sin(x)}
    return pair[0] * pair[1] + np.sum(d["a"] * d["b"])


# --------------------------------------------------------------------------- calls


def helper_defaults_keywords(x):
    a = helpers_mod.scaled_square(x, 2.0)
    b = helpers_mod.scaled_square(x, offset=1.0, scale=0.5)
    c = 0.0
    for v in x:
        c = c + soft_clip(v) + soft_clip(v, hi=0.5) + helpers_mod.soft_clip(v, lo=-0.2, hi=2.0)
    return np.sum(a + b) + c


def polynomial_loop_helper(x, coeffs):
    return np.sum(helpers_mod.horner(x, coeffs) ** 2)


def oscillator_rhs(y, theta):
    pos = y[0:1]
    vel = y[1:2]
    return np.concatenate([vel, -theta[0] * pos - theta[1] * vel + 0.1 * np.sin(pos)])


def rk4_ode(y0, theta):
    y = rk4_integrate(oscillator_rhs, y0, theta, dt=0.05, steps=20)
    return np.sum(y ** 2)


def integrate_decay(y0, theta):
    y = rk4_integrate(helpers_mod.decay_rhs, y0, theta, 0.1, 10)
    return np.sum(y * np.arange(1.0, len(y0) + 1.0))


def apply_twice(fn, x):
    return fn(fn(x))


def functions_as_arguments(x):
    return np.sum(apply_twice(np.tanh, x)) + np.sum(apply_twice(helpers_mod.softplus, x))


class Model:
    def __init__(self, W, scale, alpha):
        self.W = W
        self.scale = scale
        self.alpha = alpha

    def penalty(self, x):
        return self.alpha * np.sum(x ** 2)

    def loss(self, x):
        h = np.tanh(self.W @ x) * self.scale
        if np.sum(h) > 0.0:
            h = h * 2.0
        return np.sum(h ** 2) + self.penalty(x)


MODEL = Model(rng(300).standard_normal((3, 4)), 1.5, 0.1)


def bouncing_ball(h0, v0, restitution):
    h = h0
    v = v0
    dt = 0.01
    for _ in range(60):
        v = v - GRAVITY * dt
        h = h + v * dt
        if h < 0.0:
            h = -h * restitution
            v = -v * restitution
    return h + 0.1 * v


def piecewise_friction(x0, v0, mu):
    x = x0
    v = v0
    for _ in range(40):
        if v > 0.05:
            a = -mu * GRAVITY - 0.1 * v
        elif v < -0.05:
            a = mu * GRAVITY - 0.1 * v
        else:
            a = -x
        v = v + a * 0.02
        x = x + v * 0.02
    return x ** 2 + v


# --------------------------------------------------------------------------- recursion


def power(x, n):
    if n == 0:
        return 1.0
    return x * power(x, n - 1)


def fast_power(x, n):
    if n == 0:
        return 1.0 + 0.0 * x
    half = fast_power(x, n // 2)
    if n % 2 == 0:
        return half * half
    return half * half * x


def fast_power_sum(x, n):
    return np.sum(fast_power(x, n))


def recursive_tree_sum(x):
    if len(x) == 1:
        return x[0] ** 2
    mid = len(x) // 2
    return 1.1 * recursive_tree_sum(x[:mid]) + recursive_tree_sum(x[mid:])


def fib_recursion(x, n):
    if n <= 1:
        return x * (n + 1.0)
    return fib_recursion(x, n - 1) + 0.5 * fib_recursion(x, n - 2) * x


def cross_module_recursion(x, n):
    return helpers_mod.factorial_like(x, n)


# --------------------------------------------------------------------------- pytrees, aux


def params_dict_unpack(params, X, use_l2):
    W1, b1 = params["layer1"]
    W2, b2 = params["layer2"]
    h = np.tanh(X @ W1 + b1)
    out = h @ W2 + b2
    if use_l2:
        return np.sum(out ** 2)
    return np.sum(np.abs(out))


def loss_with_aux(w, X, y):
    """has_aux: (value, aux dict)."""
    pred = X @ w
    err = pred - y
    loss = np.mean(err ** 2)
    worst = 0.0
    for e in err:
        if abs(e) > worst:
            worst = abs(e)
    return loss, {"pred": pred, "n": len(y), "worst": worst}


# --------------------------------------------------------------------------- inputs


def _v(seed, n=5, lo=None, hi=None):
    r = rng(seed)
    return r.standard_normal(n) if lo is None else r.uniform(lo, hi, n)


def _m(seed, shape):
    return rng(seed).standard_normal(shape)


def _layers(seed):
    r = rng(seed)
    return {"layer1": (0.5 * r.standard_normal((3, 4)), 0.1 * r.standard_normal(4)),
            "layer2": (0.5 * r.standard_normal((4, 2)), 0.1 * r.standard_normal(2))}


def _sym(seed, n=3):
    r = rng(seed)
    B = r.standard_normal((n, n))
    return np.diag([3.0, 1.0, 0.3]) + 0.1 * (B + B.T)


def _ins(*tuples):
    return lambda: [tuple(t) for t in tuples]


CORPUS = [
    case(relu_branch, _ins((1.3,), (-0.7,))),
    case(three_way, _ins((-1.8,), (0.3,), (2.2,))),
    case(branch_on_array_sum, lambda: [(np.abs(_v(1)),), (-np.abs(_v(2)),)]),
    case(branch_on_mode, lambda: [(_v(3), "l2"), (_v(3), "smooth"), (_v(3), "cos")]),
    case(branch_on_global_flag, lambda: [(_v(4),)]),
    case(cond_expr, _ins((1.5,), (0.3,), (-0.4,))),
    case(cond_expr_array, lambda: [(np.array([0.5, 1.4, -0.3]),), (np.array([-0.5, 0.4, 0.3]),),
                                   (np.array([0.2, 0.1, 0.9]),)]),
    case(and_or_not, _ins((0.5, 0.7), (0.5, -0.3), (-0.5, -1.5), (-0.5, 0.4)), argnums=(0, 1)),
    case(chained_comparison, _ins((0.5,), (1.5,), (-0.5,))),
    case(if_on_shape, lambda: [(_m(5, (4, 3)),), (_m(6, (2, 5)),)]),
    case(branch_defines_different_vars, _ins((0.5,), (-0.8,))),
    case(branch_only_dependency, lambda: [(_v(7), np.abs(_v(8))), (_v(7), -np.abs(_v(8)))],
         argnums=(0, 1)),
    case(for_range_len, lambda: [(_v(9),), (_v(10, 3),)]),
    case(for_range_step, lambda: [(_v(11, 7),), (_v(12, 4),)]),
    case(for_rows, lambda: [(_m(13, (4, 3)), _v(14, 3))], argnums=(0, 1)),
    case(for_list_of_arrays, lambda: [([_v(15, 3), _v(16, 3), _v(17, 3)], _v(18, 3))],
         argnums=(0, 1)),
    case(zip_loop, lambda: [(_v(19, 4), _v(20, 4))], argnums=(0, 1)),
    case(enumerate_loop, lambda: [(_v(21),)]),
    case(enumerate_rows, lambda: [(_m(22, (3, 4)),)]),
    case(nested_loops, lambda: [(_m(23, (3, 4)),)]),
    case(nested_loops_triangular, lambda: [(_v(24),)]),
    case(steps_from_argument, lambda: [(_v(25, 4), 0), (_v(25, 4), 5)]),
    case(loop_over_layers, lambda: [(_layers(26), _m(27, (5, 3)))]),
    case(rnn, lambda: [(0.5 * _m(28, (3, 3)), 0.5 * _m(29, (3, 2)), _m(30, (5, 2)))],
         argnums=(0, 1, 2)),
    case(swap_unpack_loop, lambda: [(_v(31, 3), _v(32, 3))], argnums=(0, 1)),
    case(cumulative_product_aug, lambda: [(_v(33, 5, 0.5, 1.5),)]),
    case(min_tracking, lambda: [(np.array([0.4, -0.3, 1.2, -0.9, 0.1]),),
                                (np.array([-1.5, 0.3, 0.2, 0.7]),)]),
    case(if_elif_continue_in_loop, lambda: [(np.array([1.5, -1.6, 0.3, 2.2, -0.4]),)]),
    case(unrolled_optimization, lambda: [(np.eye(3) + 0.2 * _m(34, (3, 3)), _v(35, 3)),
                                         (np.eye(3) + 0.2 * _m(36, (3, 3)), 0.3 * _v(37, 3))],
         argnums=(0, 1)),
    case(newton_sqrt, _ins((2.0,), (9.5,), (0.3,))),
    case(newton_cubic, _ins((0.5,), (3.0,), (-2.0,))),
    case(fixed_point, _ins((0.3, 0.5), (-1.0, 0.7)), argnums=(0, 1)),
    case(power_iteration, lambda: [(_sym(38),)]),
    case(while_counter, lambda: [(_v(39),)]),
    case(while_data_growth, _ins((1.7, 1.0), (3.1, 0.5), (1.2, 12.0)), argnums=(0, 1)),
    case(while_true_break_continue, lambda: [(np.array([0.5, -0.2, 1.3, 2.0, -1.0]),)]),
    case(break_loop, lambda: [(np.array([1.0, 0.8, -1.2, 0.5, 0.7]), 1.2),
                              (np.array([1.0, 0.8, -1.2, 0.5, 0.7]), 100.0)]),
    case(continue_loop, lambda: [(np.array([0.5, -0.3, 1.1, -2.0, 0.8]),)]),
    case(early_exit_search, lambda: [(np.array([0.5, 0.9, 1.2, 0.3]), 1.5),
                                     (np.array([0.5, 0.9, 1.2, 0.3]), 10.0)]),
    case(return_in_branches, lambda: [(np.array([0.5, 0.7, -0.2]),), (np.array([0.5, -0.7, 0.2]),),
                                      (np.array([-0.5, 0.7, 1.2]),)]),
    case(return_in_nested_loop, lambda: [(np.array([[0.1, -0.4, 0.2], [0.3, 1.4, -0.2]]), 1.0),
                                         (np.array([[0.1, -0.4, 0.2], [0.3, 0.4, -0.2]]), 1.0)]),
    case(augassign_all_ops, lambda: [(np.array([0.3, -0.45, 0.8, 1.1]), 0.7)], argnums=(0, 1)),
    case(subscript_assign_build, lambda: [(_v(40),)]),
    case(recurrence_in_place, lambda: [(_v(41),)]),
    case(overwrite_then_read, lambda: [(_v(42, 4),)]),
    case(row_update, lambda: [(_m(43, (3, 4)), _v(44, 4))], argnums=(0, 1)),
    case(diagonal_update, lambda: [(_m(45, (3, 3)),)]),
    case(mask_assign, lambda: [(np.array([0.9, -0.4, 0.2, 1.3, -1.1, 0.6]),)]),
    case(mask_assign_loop, lambda: [(np.array([0.3, 0.95, 1.35, 2.2, -0.5]),)]),
    case(tuple_and_dict_building, lambda: [(np.array([0.3, 1.2, -0.5, 0.7]),)]),
    case(helper_defaults_keywords, lambda: [(np.array([-1.6, -0.6, 0.1, 0.8, 1.7, 2.6]),)]),
    case(polynomial_loop_helper, lambda: [(_v(46, 4), [0.5, -1.0, 2.0, 0.3])]),
    case(rk4_ode, lambda: [(np.array([1.0, 0.0]), np.array([2.0, 0.3])),
                           (np.array([-0.5, 0.8]), np.array([1.0, 0.1]))], argnums=(0, 1)),
    case(integrate_decay, lambda: [(_v(47, 3), 0.8)], argnums=(0, 1)),
    case(functions_as_arguments, lambda: [(_v(48, 4),)]),
    case(MODEL.loss, lambda: [(_v(49, 4),), (-_v(49, 4),)]),
    case(bouncing_ball, _ins((1.0, 0.0, 0.8), (5.0, 2.0, 0.8)), argnums=(0, 1, 2)),
    case(piecewise_friction, _ins((0.0, 1.0, 0.3), (0.5, -1.2, 0.2), (0.2, 0.01, 0.3)),
         argnums=(0, 1, 2)),
    case(power, _ins((1.3, 0), (1.3, 1), (0.7, 5))),
    case(fast_power_sum, lambda: [(_v(50, 3), 5), (_v(50, 3), 8)]),
    case(recursive_tree_sum, lambda: [(_v(51, 5),), (_v(52, 1),)]),
    case(fib_recursion, _ins((0.9, 1), (0.9, 5))),
    case(cross_module_recursion, _ins((0.7, 0), (0.7, 4))),
    case(params_dict_unpack, lambda: [(_layers(53), _m(54, (4, 3)), True),
                                      (_layers(53), _m(54, (4, 3)), False)]),
]
