"""The derivative functions of a function with user rules (``s2sad.custom_vjp``/``custom_jvp``).

The transforms ask for the derivative of a callee by name: reverse mode for
``callee_fwd``/``callee_bwd`` (``ReverseProgram.split``), forward mode for
``callee_jvp`` (``ForwardProgram.jvp``). For a callee with user rules these are built
from the rules instead of from its body (``ir.Function.custom``):

* ``custom_vjp`` in reverse mode: the user's ``fwd`` already has the protocol
  ``fwd(*args) -> (out, residuals)``; ``callee_bwd(res, g)`` calls the user's ``bwd`` and
  keeps the cotangents of the differentiated positions.
* ``custom_jvp`` in forward mode: ``callee_jvp(*args, *tangents)`` is
  ``rule(args, tangents)``, zeros for the positions not differentiated.
* ``custom_jvp`` in reverse mode: the rule is linear in the tangents, so the vjp is its
  transpose: reverse mode of ``callee_lin(*args, *tangents) = rule(args, tangents)[1]``
  with respect to the tangents (at zero tangents: a linear map's cotangent does not
  depend on where it is taken).

A ``custom_vjp`` function in forward mode, and every function under vmap, is derived
from its own body, as without rules (JAX refuses the former).
"""

from __future__ import annotations

from .. import ir
from ..codegen.naming import Names
from .common import index_of


def vjp_pair(prog, callee: str, mask: tuple[int, ...]) -> tuple[str, str] | None:
    """``(fwd, bwd)`` names for a callee with user rules (built once), or None."""
    fn = prog.program.functions[callee]
    if not fn.custom:
        return None
    suffix = "" if len(mask) == len(fn.params) else "_" + "_".join(fn.params[i] for i in mask)
    if fn.custom[0] == "vjp":
        _, fwd, bwd = fn.custom
        name = prog.module_names.exact(f"{callee}_bwd{suffix}")
        names = Names(set(fn.params))
        res, g, cts, out = (names.temp(n) for n in ("_res", "_g", "_cts", "_ct"))
        picked = []
        body: list[ir.Stmt] = [ir.Assign(cts, ir.UserCall(bwd, (ir.Name(res), ir.Name(g))))]
        for i in mask:  # the user's bwd gives one cotangent per argument
            c = names.temp()
            body.append(ir.Assign(c, ir.Subscript(ir.Name(cts), index_of(i))))
            picked.append(ir.Name(c))
        body += [ir.Assign(out, ir.Call("tuple", tuple(picked))), ir.Return(ir.Name(out))]
        prog.functions[name] = _function(fn, name, (res, g), body,
                                         f"the cotangents of {fn.name} by its custom vjp")
        return fwd, name
    return _transposed_jvp(prog, fn, mask, suffix)


def jvp_function(prog, callee: str, mask: tuple[int, ...], name: str) -> bool:
    """Build ``name`` as ``rule(args, tangents)`` for a ``custom_jvp`` callee; False if it
    has no jvp rule."""
    fn = prog.program.functions[callee]
    if not fn.custom or fn.custom[0] != "jvp":
        return False
    names = Names(set(fn.params))
    tparams = tuple(names.temp(f"d{fn.params[i]}") for i in mask)
    body, pair = _rule_call(fn, mask, tparams, names)
    body.append(ir.Return(ir.Name(pair)))
    prog.functions[name] = _function(fn, name, fn.params + tparams, body,
                                     f"jvp of {fn.name} by its custom rule")
    return True


def _rule_call(fn: ir.Function, mask, tparams, names: Names) -> tuple[list[ir.Stmt], str]:
    """``pair = rule((x, y), (dx, 0))``: zeros where a position has no tangent."""
    rule = fn.custom[1]
    body: list[ir.Stmt] = []
    tangents = []
    given = dict(zip(mask, tparams))
    for i, p in enumerate(fn.params):
        if i in given:
            tangents.append(ir.Name(given[i]))
        else:
            z = names.temp("_zero")
            body.append(ir.Assign(z, ir.Call("_rt.zeros_like", (ir.Name(p),))))
            tangents.append(ir.Name(z))
    prim, tans, pair = names.temp("_primals"), names.temp("_tangents"), names.temp("_pair")
    body += [ir.Assign(prim, ir.Call("tuple", tuple(ir.Name(p) for p in fn.params))),
             ir.Assign(tans, ir.Call("tuple", tuple(tangents))),
             ir.Assign(pair, ir.UserCall(rule, (ir.Name(prim), ir.Name(tans))))]
    return body, pair


def _transposed_jvp(prog, fn: ir.Function, mask, suffix: str) -> tuple[str, str]:
    """Reverse mode of a ``custom_jvp`` callee: its rule's tangent map, transposed."""
    names = Names(set(fn.params))
    tparams = tuple(names.temp(f"d{fn.params[i]}") for i in mask)
    lin_name = prog.module_names.exact(f"{fn.name}_lin{suffix}")
    body, pair = _rule_call(fn, mask, tparams, names)
    tout = names.temp("_tout")
    body += [ir.Assign(tout, ir.Subscript(ir.Name(pair), index_of(1))), ir.Return(ir.Name(tout))]
    lin = _function(fn, lin_name, fn.params + tparams, body, None)
    n = len(fn.params)
    lin_fwd, lin_bwd = prog.split(lin_name, tuple(range(n, n + len(mask))), lin)

    fwd_name = prog.module_names.exact(f"{fn.name}_fwd{suffix}")
    out, lres, packed = names.temp("_out"), names.temp("_lin"), names.temp("_pair")
    zeros = [names.temp("_zero") for _ in mask]
    fwd_body: list[ir.Stmt] = [ir.Assign(out, ir.UserCall(fn.name, tuple(map(ir.Name, fn.params))))]
    fwd_body += [ir.Assign(z, ir.Call("_rt.zeros_like", (ir.Name(fn.params[i]),)))
                 for z, i in zip(zeros, mask)]
    args = tuple(map(ir.Name, fn.params + tuple(zeros)))
    fwd_body += [ir.Assign(lres, ir.UserCall(lin_fwd, args)),  # (tangent out, residuals)
                 ir.Assign(packed, ir.Subscript(ir.Name(lres), index_of(1)))]
    res = names.temp("_res")
    fwd_body += [ir.Assign(res, ir.Call("tuple", (ir.Name(out), ir.Name(packed)))),
                 ir.Return(ir.Name(res))]
    prog.functions[fwd_name] = _function(fn, fwd_name, fn.params, fwd_body,
                                         f"{fn.name} and what its transposed jvp rule reads")
    bwd_name = prog.module_names.exact(f"{fn.name}_bwd{suffix}")
    r, g, cts = names.temp("_r"), names.temp("_g"), names.temp("_cts")
    bwd_body = [ir.Assign(cts, ir.UserCall(lin_bwd, (ir.Name(r), ir.Name(g)))),
                ir.Return(ir.Name(cts))]
    prog.functions[bwd_name] = _function(fn, bwd_name, (r, g), bwd_body,
                                         f"the cotangents of {fn.name}: its jvp rule transposed")
    return fwd_name, bwd_name


def _function(fn: ir.Function, name: str, params, body, doc) -> ir.Function:
    return ir.Function(name, tuple(params), tuple(body), (), fn.filename, fn.source_lines,
                       fn.first_line, doc)
