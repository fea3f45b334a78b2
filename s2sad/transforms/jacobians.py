"""Jacobians as generated code: ``jacfwd`` by forward mode, ``jacrev`` by reverse mode.

Each comes in two forms, the same numbers either way:

* the *vector* form, for calls: one batched pass computes the whole Jacobian.
  ``jacfwd`` runs the generated ``jvp`` once with every basis tangent on a
  leading axis; ``jacrev`` runs the forward sweep once and the generated
  backward function once with every basis cotangent on a leading axis::

      def f_jacfwd(x):
          _seed1 = _rt.basis_stack(x)                  # (x.size,) + x.shape
          _k1 = _rt.batch_size(_seed1)
          _call1 = f_jvp_batched(_k1, x, _seed1)       # (out, J e_k for every k)
          return _rt.jacobian_from_batched_columns(_call1[1], _call1[0], x)

* the *loop* form, when the Jacobian is differentiated again (``jacfwd(jacrev(f))``)
  or cannot run batched (control flow on a batched value): one pass per basis
  vector, a loop in generated code made of primitives that have rules.
"""

from __future__ import annotations

from .. import ir
from ..codegen.naming import Names
from .batching import ALL, BatchProgram, NotBatchable
from .common import index_of, split_aux
from .forward import ForwardProgram
from .reverse import ReverseProgram


class _Entry:
    """The body of a Jacobian entry function under construction."""

    def __init__(self, taken: set[str]):
        self.names = Names(taken)
        self.body: list[ir.Stmt] = []

    def let(self, base: str, value: ir.Expr) -> ir.Name:
        name = self.names.temp(base)
        self.body.append(ir.Assign(name, value))
        return ir.Name(name)

    def item(self, base: str, tup: ir.Name, i: int) -> ir.Name:
        return self.let(base, ir.Subscript(tup, index_of(i)))

    def basis_loop(self, of: ir.Name, call, picks: dict, base: str) -> dict:
        """``for e in basis(of): r = call(e); lists[key].append(r[picks[key]])``: the loop
        form's one pass per basis vector; returns the list of each key."""
        basis = self.let("_basis", ir.Call("_rt.basis", (of,)))
        n = self.let("_n", ir.Call("len", (basis,)))
        lists = {key: self.let(f"_{base}s", ir.Call("list", ())) for key in picks}
        k = self.names.temp("_k")
        outer, self.body = self.body, []
        e = self.let("_e", ir.Subscript(basis, ir.Index((ir.Name(k),))))
        result = self.let("_call", call(e))
        for key, pos in picks.items():
            grown = self.let("_t", ir.Call("_rt.append", (lists[key], self.item(
                f"_{base}", result, pos))))
            self.body.append(ir.Assign(lists[key].id, grown))
        loop, self.body = self.body, outer
        self.body.append(ir.For(k, ir.Const(0), n, ir.Const(1), tuple(loop)))
        return lists

    def finish(self, fn: ir.Function, name: str, spec, jacs: list[ir.Name], aux,
               doc: str) -> ir.Function:
        result = jacs[0]
        if isinstance(spec.argnums, tuple):
            result = self.let("_jacs", ir.Call("tuple", tuple(jacs)))
        if aux is not None:
            result = self.let("_result", ir.Call("tuple", (result, aux)))
        self.body.append(ir.Return(result))
        return ir.replace(fn, name=name, body=tuple(self.body), docstring=doc)


def _argnums(spec) -> tuple[int, ...]:
    return spec.argnums if isinstance(spec.argnums, tuple) else (spec.argnums,)


def _split(program: ir.Program, spec):
    fn = program.entry_function()
    if spec.has_aux:
        return split_aux(fn)
    return fn, None


def emit_jacfwd(program: ir.Program, spec, entry_name: str) -> list[ir.Function]:
    fn, aux_name = _split(program, spec)
    fp = ForwardProgram(program, reserved={entry_name})
    # one jvp per argument differentiated: tangents of the others are zero, never computed
    jvps = {i: fp.jvp(program.entry, (i,), fn, aux=aux_name) for i in _argnums(spec)}
    if spec.vector:
        try:
            return _jacfwd_vector(program, fp, fn, jvps, spec, entry_name)
        except NotBatchable:
            pass
    return _jacfwd_loop(program, fp, fn, jvps, spec, entry_name)


def _jacfwd_vector(program, fp, fn, jvps, spec, entry_name) -> list[ir.Function]:
    bp = BatchProgram(ir.Program(program.entry, {**program.functions, **fp.functions}),
                      reserved=set(fp.functions) | {entry_name})
    e = _Entry(set(fn.params) | set(fp.functions) | set(program.functions) | {entry_name})
    params = tuple(ir.Name(p) for p in fn.params)
    jacs, aux = [], None
    for i in _argnums(spec):
        batched, result = bp.batched(jvps[i], (False,) * len(params) + (True,))
        result = result or (False, False)  # all unbatched: the Jacobian is zero
        if not (isinstance(result, tuple) and result[0] is False
                and result[1] in (True, False, ALL)):
            raise NotBatchable("the output is not an array")
        seed = e.let("_seed", ir.Call("_rt.basis_stack", (params[i],)))
        k = e.let("_k", ir.Call("_rt.batch_size", (seed,)))
        call = e.let("_call", ir.UserCall(batched, (k,) + params + (seed,)))
        out, cols = e.item("_out", call, 0), e.item("_cols", call, 1)
        if spec.has_aux and aux is None:
            aux = e.item("_aux", call, 2)
        jacs.append(e.let("_jac", ir.Call("_rt.jacobian_from_batched_columns",
                                          (cols, out, params[i]))))
    entry = e.finish(fn, entry_name, spec, jacs, aux, (
        f"jacfwd of {fn.name}: every basis tangent of "
        f"{', '.join(fn.params[i] for i in _argnums(spec))} in one batched forward pass"))
    return [entry] + list(fp.functions.values()) + list(bp.functions.values())


def _jacfwd_loop(program, fp, fn, jvps, spec, entry_name) -> list[ir.Function]:
    """``J = [jvp(f, e_k) for each basis tangent e_k]`` as generated code."""
    e = _Entry(set(fn.params) | set(fp.functions) | set(program.functions) | {entry_name})
    params = tuple(ir.Name(p) for p in fn.params)
    # the primal output gives the Jacobian its shape, even when x is empty (no pass at all)
    out = e.let("_value", ir.UserCall(program.entry, params))
    aux = None
    if spec.has_aux:
        out, aux = e.item("_out", out, 0), e.item("_aux", out, 1)
    jacs = []
    for i in _argnums(spec):
        cols = e.basis_loop(params[i], lambda col, i=i: ir.UserCall(jvps[i], params + (col,)),
                            {i: 1}, "col")[i]
        jacs.append(e.let("_jac", ir.Call("_rt.jacobian_from_columns", (cols, out, params[i]))))
    entry = e.finish(fn, entry_name, spec, jacs, aux, (
        f"jacfwd of {fn.name}: one forward pass per basis tangent of "
        f"{', '.join(fn.params[i] for i in _argnums(spec))}"))
    return [entry] + list(fp.functions.values())


def emit_jacrev(program: ir.Program, spec, entry_name: str) -> list[ir.Function]:
    fn, aux_name = _split(program, spec)
    nums = _argnums(spec)
    mask = tuple(sorted(set(nums)))
    rp = ReverseProgram(program, reserved={entry_name})
    fwd, bwd = rp.split(program.entry, mask, fn, aux_name)
    e = _Entry(set(fn.params) | set(rp.functions) | set(program.functions) | {entry_name})
    params = tuple(ir.Name(p) for p in fn.params)
    pair = e.let("_pair", ir.UserCall(fwd, params))
    out, res = e.item("_out", pair, 0), e.item("_res", pair, 1)
    aux = e.item("_aux", pair, 2) if spec.has_aux else None
    prefix = list(e.body)
    doc = f"jacrev of {fn.name} with respect to {', '.join(fn.params[i] for i in nums)}: {{}}"
    if spec.vector:
        try:
            bp = BatchProgram(ir.Program(bwd, {**program.functions, **rp.functions}),
                              reserved=set(rp.functions) | {entry_name})
            batched, result = bp.batched(bwd, (False, True))
            result = result or (False,) * len(mask)
            if not (isinstance(result, tuple) and all(r in (True, False, ALL) for r in result)):
                raise NotBatchable("a cotangent is not an array")
            seed = e.let("_seed", ir.Call("_rt.basis_stack", (out,)))
            k = e.let("_k", ir.Call("_rt.batch_size", (seed,)))
            cts = e.let("_cts", ir.UserCall(batched, (k, res, seed)))
            jacs = [e.let("_jac", ir.Call("_rt.jacobian_from_batched_rows", (
                e.item("_rows", cts, mask.index(i)), out, params[i]))) for i in nums]
            entry = e.finish(fn, entry_name, spec, jacs, aux, doc.format(
                "one forward sweep, then every basis cotangent in one batched backward pass"))
            return [entry] + list(rp.functions.values()) + list(bp.functions.values())
        except NotBatchable:
            e.body = prefix
    rows = e.basis_loop(out, lambda ct: ir.UserCall(bwd, (res, ct)),
                        {i: pos for pos, i in enumerate(mask)}, "row")
    jacs = [e.let("_jac", ir.Call("_rt.jacobian_from_rows", (rows[i], out, params[i])))
            for i in nums]
    entry = e.finish(fn, entry_name, spec, jacs, aux, doc.format(
        "one backward pass per basis cotangent of the output"))
    return [entry] + list(rp.functions.values())
