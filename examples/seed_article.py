"""The derivative tasks of the (Japanese) article on torch.func.grad_and_value that
s2sad grew from, done with s2sad and done right.

The article computes the gradient and value of ``square`` with an auxiliary output,
maps ``square`` over a vector, differentiates a function with a data-dependent
branch element by element, and takes a Hessian, a Jacobian-vector product and a
derivative by hand. Several of its snippets call those APIs in ways that do not
work; where it does, a comment below says what the right call is. Each result is
printed and checked against its closed form.

    python examples/seed_article.py
"""

import os
import sys

import numpy as np

import s2sad

# Every computation here is tiny (the article's 100-point grid at most), so the small
# run used by the tests is the same as the full one.
SMALL = os.environ.get("S2SAD_EXAMPLES_SMALL") == "1"


def square(x):
    return x * x


def square_with_aux(x):
    """square, also returning an auxiliary output (anything; not differentiated)."""
    return x * x, {"input": x}


def square_if_even(x):
    """The article's function with a branch on the data: x*x for even x, x otherwise."""
    if x % 2 == 0:
        return x * x
    else:
        return x


def sum_of_squares_if_even(xs):
    """square_if_even over xs as a scan: the carry sums the outputs, and the ys -- the
    auxiliary output the article wanted -- say which elements were even."""

    def step(total, x):
        return total + square_if_even(x), x % 2 == 0

    total, is_even = s2sad.scan(step, 0.0, xs)
    return total, is_even


def main() -> int:
    checks = []  # (what, got, expected)

    def show(what, got, expected):
        if isinstance(got, tuple) or np.ndim(got) == 0:
            text = str(tuple(float(v) for v in got) if isinstance(got, tuple) else float(got))
        else:
            text = np.array2string(got, precision=4, threshold=8)
        print(f"{what:<42} {text}")
        checks.append((what, got, expected))

    x = 2.0

    # 1. grad_and_value with has_aux.
    #    The article writes `grad_and_value, aux = torch.func.grad_and_value(square, has_aux=True)`:
    #    grad_and_value transforms a function, so the result must be CALLED on x; and
    #    has_aux=True means the function itself returns (value, aux). The transformed
    #    function then returns (grad, (value, aux)) -- torch.func's order.
    g, (value, aux) = s2sad.grad_and_value(square_with_aux, has_aux=True)(x)
    print("1. grad_and_value(square_with_aux, has_aux=True)(2.0)")
    show("   grad", g, 4.0)
    show("   value", value, 4.0)
    print(f"{'   aux':<42} {aux}")
    checks.append(("   aux['input']", aux["input"], x))
    (value2, _), g2 = s2sad.value_and_grad(square_with_aux, has_aux=True)(x)  # JAX's order
    checks.append(("   value_and_grad, JAX order", (value2, g2), (4.0, 4.0)))

    # 2. vmap of square over a grid, and the gradient of the sum.
    #    The article calls torch.autograd.grad(y, x) on the vector y = vmap(square)(x):
    #    a gradient needs a scalar output (and x would need requires_grad). The gradient
    #    of sum(vmap(square)(x)) is what it meant; here it equals the per-element
    #    derivatives vmap(grad(square))(x), since element i only touches output i.
    grid = np.linspace(0.0, 10.0, 100)

    def sum_of_squares(xs):
        return np.sum(s2sad.vmap(square)(xs))

    print("\n2. vmap(square) over np.linspace(0, 10, 100)")
    show("   vmap(square)(grid)", s2sad.vmap(square)(grid), grid**2)
    show("   grad(sum(vmap(square)(.)))(grid)", s2sad.grad(sum_of_squares)(grid), 2.0 * grid)
    show("   vmap(grad(square))(grid)", s2sad.vmap(s2sad.grad(square))(grid), 2.0 * grid)

    # 3. A branch on the data, element by element.
    #    The article calls torch.func.scan(square_if_even, x, has_aux=True): torch.func
    #    has no scan, and a scan's body takes (carry, x) and returns (carry, y), with an
    #    initial carry. It also uses an integer tensor: integers have no derivative
    #    (s2sad raises TypeError), so the inputs are floats. And torch.func.vmap refuses
    #    `if` on a batched value; s2sad's vmap runs each arm where some element takes it
    #    and selects per element.
    xs = np.array([1.0, 2.0, 3.0, 4.0])
    per_element_grad = s2sad.vmap(s2sad.grad(square_if_even))
    print("\n3. square_if_even on [1, 2, 3, 4]")
    show("   vmap(square_if_even)(xs)", s2sad.vmap(square_if_even)(xs), [1.0, 4.0, 3.0, 16.0])
    show("   vmap(grad(square_if_even))(xs)", per_element_grad(xs), [1.0, 4.0, 1.0, 8.0])
    # the same through a scan, with the aux the article describes: which elements are even
    g_scan, is_even = s2sad.grad(sum_of_squares_if_even, has_aux=True)(xs)
    show("   grad of the scan's total", g_scan, [1.0, 4.0, 1.0, 8.0])
    show("   aux: is each element even", is_even, [False, True, False, True])

    # 4. Hessian: of a function of one number, a 1x1 "matrix" -- the second derivative.
    print("\n4. hessian and jvp of square at 2.0")
    show("   hessian(square)(2.0)", s2sad.hessian(square)(x), 2.0)

    #    Jacobian-vector product. The article writes torch.func.jvp(square, x, v):
    #    primals and tangents are TUPLES, one entry per argument.
    out, tangent_out = s2sad.jvp(square, (x,), (1.0,))
    show("   jvp(square, (2.0,), (1.0,))", (out, tangent_out), (4.0, 4.0))

    # 5. The same derivatives by hand (the article's "manual differentiation"), and its
    #    autograd / JAX snippets, which are grad(square)(2.0).
    dy_dx = 2 * x
    print("\n5. by hand")
    show("   dy/dx = 2 x", dy_dx, 4.0)
    show("   grad(square)(2.0)", s2sad.grad(square)(x), dy_dx)
    show("   grad(grad(square))(2.0)", s2sad.grad(s2sad.grad(square))(x), 2.0)

    # 6. The article's calls, and what s2sad says about them.
    print("\n6. the article's calls")
    for what, call in [
        ("   jvp(square, 2.0, 1.0)", lambda: s2sad.jvp(square, x, 1.0)),
        ("   grad(square)(2)  (an integer)", lambda: s2sad.grad(square)(2)),
        ("   grad(square)(grid)  (a vector output)", lambda: s2sad.grad(square)(grid)),
    ]:
        try:
            call()
            print(f"{what}: no error")
            checks.append((what, 0.0, 1.0))  # an error was expected: counts as a mismatch
        except (TypeError, ValueError) as error:
            print(f"{what}: {type(error).__name__}: {error}")

    # What s2sad wrote for the per-element gradient of the branch: both arms run where
    # some lane takes them, and _rt.vselect picks per lane.
    print("\n--- s2sad.source(vmap(grad(square_if_even))) " + "-" * 30)
    print(s2sad.source(per_element_grad))
    print("-" * 76)

    failed = [what.strip() for what, got, expected in checks
              if not np.allclose(np.asarray(got, dtype=float), np.asarray(expected, dtype=float),
                                 rtol=1e-12, atol=1e-12)]
    for what in failed:
        print(f"mismatch: {what}")
    verdict = "" if not failed else "  -- UNEXPECTED"
    print(f"{len(checks) - len(failed)}/{len(checks)} results of the article match their "
          f"closed forms{verdict}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
