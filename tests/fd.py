"""Independent oracles for the end-to-end tests: central finite differences in float64.

Everything here works on pytrees: nested tuples, lists and dicts whose leaves are
NumPy arrays, NumPy scalars or Python floats. Leaves of any floating dtype are
perturbed in float64 (a float32 argument is promoted for the oracle), so the
reference never carries float32 round-off.

    numerical_grad(f, args, argnums)        # same structure as args[argnums]
    numerical_jacobian(f, args, argnums)    # leaf shape: out.shape + leaf.shape
    numerical_hessian(f, args, argnum)      # in.shape + in.shape (array/float argument)
    numerical_jvp(f, primals, tangents)     # directional derivative of every primal at once
    assert_tree_allclose(actual, expected)  # structure, shapes, dtypes, then values
    assert_tree_like(tree, like)            # structure, shapes and dtypes only

None of this imports s2sad.
"""

from __future__ import annotations

import numpy as np

EPS = 1e-6  # relative step for first derivatives: truncation ~eps^2, round-off ~1e-16/eps
EPS2 = 1e-4  # step for second differences: truncation ~eps^2, round-off ~1e-16/eps^2


# --------------------------------------------------------------------------- pytrees


def is_leaf(x) -> bool:
    return not isinstance(x, (tuple, list, dict))


def tree_leaves(tree) -> list:
    """Leaves in a fixed order (tuples/lists by position, dicts in insertion order)."""
    if isinstance(tree, (tuple, list)):
        return [leaf for v in tree for leaf in tree_leaves(v)]
    if isinstance(tree, dict):
        return [leaf for v in tree.values() for leaf in tree_leaves(v)]
    return [tree]


def tree_paths(tree, path: str = "") -> list[str]:
    if isinstance(tree, (tuple, list)):
        return [p for i, v in enumerate(tree) for p in tree_paths(v, f"{path}[{i}]")]
    if isinstance(tree, dict):
        return [p for k, v in tree.items() for p in tree_paths(v, f"{path}[{k!r}]")]
    return [path or "<root>"]


def tree_unflatten_like(like, leaves: list):
    """Rebuild ``like``'s structure from ``leaves`` (consumed in ``tree_leaves`` order)."""
    it = iter(leaves)

    def build(node):
        if isinstance(node, (tuple, list)):
            return type(node)(build(v) for v in node)
        if isinstance(node, dict):
            return {k: build(v) for k, v in node.items()}
        return next(it)

    out = build(like)
    rest = list(it)
    assert not rest, f"{len(rest)} leaves left over"
    return out


def tree_map(fn, *trees):
    leaves = [tree_leaves(t) for t in trees]
    return tree_unflatten_like(trees[0], [fn(*xs) for xs in zip(*leaves)])


def is_float_leaf(x) -> bool:
    if isinstance(x, bool):
        return False
    if isinstance(x, float):
        return True
    return isinstance(x, (np.ndarray, np.generic)) and np.asarray(x).dtype.kind == "f"


def to_float64(tree):
    """Float leaves promoted to float64 (Python floats stay Python floats)."""
    def conv(x):
        if isinstance(x, (np.ndarray, np.generic)) and np.asarray(x).dtype.kind == "f":
            return np.asarray(x, dtype=np.float64).copy() if isinstance(x, np.ndarray) \
                else np.float64(x)
        return x
    return tree_map(conv, tree)


def tree_vdot(a, b) -> float:
    """The Euclidean inner product of two pytrees of the same structure."""
    la, lb = tree_leaves(a), tree_leaves(b)
    assert len(la) == len(lb), (len(la), len(lb))
    return float(sum(np.sum(np.asarray(x, np.float64) * np.asarray(y, np.float64))
                     for x, y in zip(la, lb)))


def random_like(tree, rng, scale: float = 1.0):
    """A random pytree with the structure, shapes and dtypes of ``tree``."""
    def draw(x):
        if isinstance(x, float):
            return float(scale * rng.standard_normal())
        a = np.asarray(x)
        return (scale * rng.standard_normal(a.shape)).astype(a.dtype)
    return tree_map(draw, tree)


def zeros_like_tree(tree):
    return tree_map(lambda x: 0.0 if isinstance(x, float) else np.zeros_like(x), tree)


# --------------------------------------------------------------------------- perturbation


def _step(value: float, eps: float) -> float:
    """A relative step, exactly representable in the perturbed value's neighbourhood."""
    h = eps * max(1.0, abs(value))
    tmp = value + h
    return tmp - value


def _perturbed(leaf, k: int, delta: float):
    """``leaf`` with its k-th entry moved by delta (a fresh object; the input is untouched)."""
    if isinstance(leaf, float) or (isinstance(leaf, np.generic) and not isinstance(leaf, np.ndarray)):
        return type(leaf)(leaf + delta) if isinstance(leaf, float) else leaf + delta
    a = np.array(leaf, dtype=np.float64, copy=True)
    a.reshape(-1)[k] += delta
    return a


def _leaf_value(leaf, k: int) -> float:
    if isinstance(leaf, (float, np.generic)):
        return float(leaf)
    return float(np.asarray(leaf).reshape(-1)[k])


def _with_leaf(args: tuple, argnum: int, leaf_index: int, new_leaf) -> tuple:
    leaves = tree_leaves(args[argnum])
    leaves = list(leaves)
    leaves[leaf_index] = new_leaf
    new_arg = tree_unflatten_like(args[argnum], leaves)
    return args[:argnum] + (new_arg,) + args[argnum + 1:]


def _call(f, args):
    out = f(*args)
    return np.asarray(out, dtype=np.float64)


def _argnums_tuple(argnums):
    return (argnums,) if isinstance(argnums, int) else tuple(argnums)


def _jacobian_one(f, args: tuple, argnum: int, eps: float):
    """Leaf-wise Jacobians of f w.r.t. args[argnum]: each of shape out.shape + leaf.shape."""
    out_shape = np.shape(_call(f, args))
    leaves = tree_leaves(args[argnum])
    jacs = []
    for li, leaf in enumerate(leaves):
        assert is_float_leaf(leaf), f"cannot perturb non-float leaf {leaf!r}"
        size = int(np.size(leaf))
        cols = []
        for k in range(size):
            x = _leaf_value(leaf, k)
            h = _step(x, eps)
            plus = _call(f, _with_leaf(args, argnum, li, _perturbed(leaf, k, h)))
            minus = _call(f, _with_leaf(args, argnum, li, _perturbed(leaf, k, -h)))
            cols.append((plus - minus) / (2.0 * h))
        jac = np.stack(cols, axis=-1) if cols else np.zeros(out_shape + (0,))
        jacs.append(jac.reshape(out_shape + np.shape(leaf)))
    return jacs


# --------------------------------------------------------------------------- oracles


def numerical_grad(f, args, argnums=0, eps: float = EPS):
    """Central-difference gradient of scalar ``f(*args)``; structure of ``args[argnums]``.

    A Python-float leaf gives a Python float; every array leaf gives a float64 array of
    its shape. ``argnums`` as a tuple gives a tuple of gradients.
    """
    args = to_float64(tuple(args))
    out = _call(f, args)
    assert out.shape == (), f"numerical_grad needs a scalar output, got shape {out.shape}"
    grads = []
    for i in _argnums_tuple(argnums):
        jacs = _jacobian_one(f, args, i, eps)
        leaves = [float(j) if isinstance(leaf, float) else np.asarray(j, np.float64)
                  for j, leaf in zip(jacs, tree_leaves(args[i]))]
        grads.append(tree_unflatten_like(args[i], leaves))
    return grads[0] if isinstance(argnums, int) else tuple(grads)


def numerical_jacobian(f, args, argnums=0, eps: float = EPS):
    """Central-difference Jacobian: structure of ``args[argnums]``, leaves out.shape + leaf.shape."""
    args = to_float64(tuple(args))
    jacs = []
    for i in _argnums_tuple(argnums):
        leaf_jacs = _jacobian_one(f, args, i, eps)
        jacs.append(tree_unflatten_like(args[i], leaf_jacs))
    return jacs[0] if isinstance(argnums, int) else tuple(jacs)


def numerical_jvp(f, primals, tangents, eps: float = EPS):
    """(f(p + h t) - f(p - h t)) / 2h, all primals moved at once along their tangents."""
    primals = to_float64(tuple(primals))
    tangents = to_float64(tuple(tangents))
    scale = max([1.0] + [float(np.max(np.abs(x))) for x in tree_leaves(primals) if np.size(x)])
    tscale = max([1e-300] + [float(np.max(np.abs(t))) for t in tree_leaves(tangents) if np.size(t)])
    h = eps * scale / tscale
    move = lambda s: tree_map(  # noqa: E731
        lambda p, t: float(p + s * t) if isinstance(p, float) else np.asarray(p) + s * np.asarray(t),
        primals, tangents)
    return (_call(f, move(h)) - _call(f, move(-h))) / (2.0 * h)


def numerical_hessian(f, args, argnum: int = 0, grad_fn=None, eps: float = EPS2):
    """The Hessian of scalar ``f`` w.r.t. one array/float argument: in.shape + in.shape.

    With ``grad_fn`` (an analytic gradient with f's signature), central differences of the
    gradient; otherwise central differences of central differences of ``f``.
    """
    args = to_float64(tuple(args))
    x = args[argnum]
    shape = np.shape(x)
    flat = np.asarray(x, np.float64).reshape(-1)
    n = flat.size

    def at(vec):
        v = float(vec[0]) if isinstance(x, float) else vec.reshape(shape).copy()
        return args[:argnum] + (v,) + args[argnum + 1:]

    hs = np.array([eps * max(1.0, abs(v)) for v in flat])
    H = np.zeros((n, n))
    if grad_fn is not None:
        for j in range(n):
            e = np.zeros(n)
            e[j] = hs[j]
            gp = np.asarray(grad_fn(*at(flat + e)), np.float64).reshape(-1)
            gm = np.asarray(grad_fn(*at(flat - e)), np.float64).reshape(-1)
            H[:, j] = (gp - gm) / (2 * hs[j])
        H = 0.5 * (H + H.T)
    else:
        fval = lambda vec: float(_call(f, at(vec)))  # noqa: E731
        for i in range(n):
            for j in range(i, n):
                ei = np.zeros(n)
                ej = np.zeros(n)
                ei[i] = hs[i]
                ej[j] = hs[j]
                val = (fval(flat + ei + ej) - fval(flat + ei - ej)
                       - fval(flat - ei + ej) + fval(flat - ei - ej)) / (4 * hs[i] * hs[j])
                H[i, j] = H[j, i] = val
    return H.reshape(shape + shape)


# --------------------------------------------------------------------------- assertions


def _describe(x) -> str:
    if isinstance(x, (tuple, list, dict)):
        return f"{type(x).__name__} of {len(x)}"
    return f"{type(x).__name__} shape={np.shape(x)} dtype={_dtype(x)}"


def _dtype(x):
    if isinstance(x, bool):
        return np.dtype(bool)
    if isinstance(x, float):
        return np.dtype(np.float64)
    return np.asarray(x).dtype


def _check_structure(actual, expected, path: str, check_dtype: bool) -> None:
    if isinstance(expected, (tuple, list)):
        assert type(actual) is type(expected), (
            f"{path or '<root>'}: expected a {type(expected).__name__}, got {_describe(actual)}")
        assert len(actual) == len(expected), (
            f"{path or '<root>'}: expected length {len(expected)}, got {len(actual)}")
        for i, (a, e) in enumerate(zip(actual, expected)):
            _check_structure(a, e, f"{path}[{i}]", check_dtype)
        return
    if isinstance(expected, dict):
        assert isinstance(actual, dict), (
            f"{path or '<root>'}: expected a dict, got {_describe(actual)}")
        assert list(actual.keys()) == list(expected.keys()) or set(actual) == set(expected), (
            f"{path or '<root>'}: keys {sorted(map(repr, actual))} != {sorted(map(repr, expected))}")
        for k in expected:
            _check_structure(actual[k], expected[k], f"{path}[{k!r}]", check_dtype)
        return
    assert not isinstance(actual, (tuple, list, dict)), (
        f"{path or '<root>'}: expected a leaf, got {_describe(actual)}")
    if isinstance(expected, float) and not isinstance(expected, np.generic):
        # the gradient of a Python float is a Python float (np.float64 also is one)
        assert isinstance(actual, float) or (
            isinstance(actual, np.ndarray) and actual.shape == () and not check_dtype), (
            f"{path or '<root>'}: expected a Python float, got {_describe(actual)}")
        return
    assert np.shape(actual) == np.shape(expected), (
        f"{path or '<root>'}: shape {np.shape(actual)} != expected {np.shape(expected)}")
    if check_dtype:
        assert _dtype(actual) == _dtype(expected), (
            f"{path or '<root>'}: dtype {_dtype(actual)} != expected {_dtype(expected)}")


def assert_tree_like(tree, like, path: str = "") -> None:
    """``tree`` has the structure, shapes and dtypes of ``like`` (values not compared)."""
    _check_structure(tree, like, path, check_dtype=True)


def assert_tree_allclose(actual, expected, rtol: float = 1e-6, atol: float = 1e-8,
                         check_dtype: bool = True, err_msg: str = "") -> None:
    """Structure (container types, lengths, dict keys), shapes, dtypes, then values.

    Values are compared leaf by leaf with ``|a - e| <= atol + rtol * |e|``.
    """
    _check_structure(actual, expected, "", check_dtype)
    for path, a, e in zip(tree_paths(expected), tree_leaves(actual), tree_leaves(expected)):
        a64 = np.asarray(a, dtype=np.float64)
        e64 = np.asarray(e, dtype=np.float64)
        np.testing.assert_allclose(a64, e64, rtol=rtol, atol=atol,
                                   err_msg=f"leaf {path} {err_msg}".strip())
