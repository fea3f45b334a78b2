"""Rules of Python's operators and builtins (``+ - * / ** @ %``, ``abs``, ``min``...).

Names are the canonical names the front end gives syntax: ``x + y`` is
``add``, ``x[i]`` is ``getitem``; the printer turns them back into syntax.
"""

import builtins
import operator

import numpy as np

from s2sad import runtime as _rt

from .registry import alias, batching, defrule, elementwise, nondiff


@defrule(operator.add, name="add", diff="x y", tags="linear")
class add:
    def signature(x, y): ...

    def jvp_x(t, x, y, out):
        return _rt.broadcast_like(t, out)

    def jvp_y(t, x, y, out):
        return _rt.broadcast_like(t, out)

    def vjp_x(g, x, y):
        return _rt.unbroadcast(g, x)

    def vjp_y(g, x, y):
        return _rt.unbroadcast(g, y)


@defrule(operator.sub, name="sub", diff="x y", tags="linear")
class sub:
    def signature(x, y): ...

    def jvp_x(t, x, y, out):
        return _rt.broadcast_like(t, out)

    def jvp_y(t, x, y, out):
        return _rt.broadcast_like(-t, out)

    def vjp_x(g, x, y):
        return _rt.unbroadcast(g, x)

    def vjp_y(g, x, y):
        return -_rt.unbroadcast(g, y)


@elementwise(operator.mul, name="mul")
class mul:
    def x(x, y, out):
        return y

    def y(x, y, out):
        return x


@elementwise(operator.truediv, name="truediv", tags="singular")
class truediv:
    # d(x/y)/dx = 1/y; d(x/y)/dy = -out/y
    def x(x, y, out):
        return 1.0 / y

    def y(x, y, out):
        return -out / y


@elementwise(operator.pow, name="pow", tags="singular")
class pow_:
    # d x**y / dx = y x**(y-1);  d x**y / dy = x**y log x
    def x(x, y, out):
        # the base is x, read as 1 at x = y = 0 only (x**0 = 1 is constant there; 0 * 0**-1
        # would be NaN, or a ZeroDivisionError on Python floats): see ``_rt.pow_base``
        return y * _rt.pow_base(x, y) ** (y - 1)

    def y(x, y, out):
        return out * np.log(np.where(np.equal(x, 0), 1.0, x))  # 0 where x == 0 (as JAX)


@elementwise(_rt.pow_base, name="_rt.pow_base")
class pow_base:
    # x, read as 1 at the single point x = y = 0: the identity in x, constant in y
    def signature(x, y): ...

    def x(x, y, out):
        return np.ones_like(out)


@elementwise(operator.mod, name="mod")
class mod:
    # as JAX: d(x % y)/dx = 1, d(x % y)/dy = -floor(x / y)
    def x(x, y, out):
        return np.ones_like(out)

    def y(x, y, out):
        return -np.floor(x / y)


@defrule(operator.neg, name="neg", diff="x", tags="linear")
class neg:
    def signature(x): ...

    def jvp_x(t, x):
        return -t

    def vjp_x(g, x):
        return -g


@defrule(operator.pos, name="pos", diff="x", tags="linear")
class pos:
    def signature(x): ...

    def jvp_x(t, x):
        return t

    def vjp_x(g, x):
        return g


@defrule(operator.matmul, name="matmul", diff="x y", tags="linear")
class matmul:
    def signature(x, y): ...

    def jvp_x(t, x, y):
        return t @ y

    def jvp_y(t, x, y):
        return x @ t

    def vjp_x(g, x, y):
        return _rt.matmul_vjp_x(g, x, y)

    def vjp_y(g, x, y):
        return _rt.matmul_vjp_y(g, x, y)


@defrule(operator.getitem, name="getitem", diff="x", tags="linear")
class getitem:
    def signature(x, idx): ...

    def jvp_x(t, x, idx):
        return t[idx]

    def vjp_x(g, x, idx):
        return _rt.getitem_vjp(g, x, idx)


@defrule(builtins.float, name="float", diff="x", tags="linear")
class float_:
    def signature(x): ...

    def jvp_x(t, x):
        return t

    def vjp_x(g, x):
        return g


# NumPy's spellings of the operators are the operators (same values on arrays and floats)
for _np, _op in [(np.add, operator.add), (np.subtract, operator.sub),
                 (np.multiply, operator.mul), (np.divide, operator.truediv),
                 (np.negative, operator.neg), (np.positive, operator.pos),
                 (np.matmul, operator.matmul), (np.power, operator.pow)]:
    alias(_np, _op)
alias(builtins.abs, np.abs)  # printed as np.absolute


@elementwise(builtins.max, name="max")
class max_:
    # max(a, b) of two numbers; a tie splits the derivative evenly (as JAX)
    def a(a, b, out):
        return _rt.greater_weight(a, b, out)

    def b(a, b, out):
        return _rt.greater_weight(b, a, out)


@elementwise(builtins.min, name="min")
class min_:
    def a(a, b, out):
        return _rt.greater_weight(b, a, out)

    def b(a, b, out):
        return _rt.greater_weight(a, b, out)


for _op, _name in [(operator.lt, "lt"), (operator.le, "le"), (operator.gt, "gt"),
                   (operator.ge, "ge"), (operator.eq, "eq"), (operator.ne, "ne"),
                   (operator.not_, "not_"), (builtins.len, "len"), (operator.floordiv, "floordiv"),
                   (operator.and_, "bitand"), (operator.or_, "bitor"), (operator.xor, "xor"),
                   (operator.invert, "invert"), (operator.is_, "is_"),
                   (operator.is_not, "is_not"), (builtins.int, "int"),
                   (builtins.bool, "bool"), (builtins.round, "round")]:
    nondiff(_op, name=_name)

# ``a and b`` / ``a or b`` on conditions (the lowered loop tests); values flow through If
nondiff(None, name="and_")
nondiff(None, name="or_")

# Facts about values, text and effects: no derivative flows through them. (Exceptions are
# built only to be raised; ``str.format`` is what an f-string becomes.)
for _f in (builtins.isinstance, builtins.issubclass, builtins.hasattr, builtins.callable,
           builtins.type, builtins.id, builtins.repr, builtins.str, builtins.format,
           builtins.print, builtins.slice):
    nondiff(_f, name=_f.__name__)
nondiff(str.format, name="str.format")
for _name, _cls in sorted(vars(builtins).items()):
    if isinstance(_cls, type) and issubclass(_cls, BaseException):
        nondiff(_cls, name=_name)


# --------------------------------------------------------------------------- batching
batching("elementwise", "add", "sub", "neg", "pos", "eq", "ne", "lt", "le", "gt", "ge",
         "floordiv", "bitand", "bitor", "xor", "invert")
batching(None, "max", "min")  # builtin max/min compare whole values: one call per lane
batching("matmul", "matmul")
# Python's ``and``/``or``/``not`` on conditions (flags of break/return): lane by lane
batching("elementwise", "and_", helper="np.logical_and")
batching("elementwise", "or_", helper="np.logical_or")
batching("elementwise", "not_", helper="np.logical_not")
batching("statuses", "len", params=("none",), helper="_rt.vlen")  # a lane's length
