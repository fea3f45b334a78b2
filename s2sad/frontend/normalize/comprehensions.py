"""Comprehensions and generator expressions, lowered to the loops reverse mode handles.

``[f(x) for x in xs if x > 0]`` becomes a list built by appending in a loop::

    _items1 = []
    for _i2 in range(len(xs)):
        x = xs[_i2]
        _t3 = x > 0
        if _t3:
            _t4 = f(x)
            _items1 = _rt.append(_items1, _t4)

A generator expression is the list of its items (``sum(v * v for v in xs)`` sums that
list); a set or dict comprehension builds its items the same way, then the set or dict.
Comprehension variables are local to the comprehension: a name the function also
binds elsewhere gets a fresh one. A mixin of ``Lowerer``.
"""

from __future__ import annotations

import libcst as cst

from ... import ir


class ComprehensionLowering:
    def expr_ListComp(self, node: cst.ListComp) -> ir.Expr:
        return self.collect(node.for_in, [node.elt])[0]

    expr_GeneratorExp = expr_ListComp

    def expr_SetComp(self, node: cst.SetComp) -> ir.Expr:
        (items,) = self.collect(node.for_in, [node.elt])
        return ir.Call("_rt.set_from", (items,))

    def expr_DictComp(self, node: cst.DictComp) -> ir.Expr:
        keys, values = self.collect(node.for_in, [node.key, node.value])
        return ir.Call("_rt.dict_from", (keys, values))

    def collect(self, comp: cst.CompFor, elements) -> list[ir.Name]:
        """One list per element expression, appended to in the loops of ``comp``."""
        lists = [self.fresh("_items") for _ in elements]
        for acc in lists:
            self.emit(ir.Assign(acc, ir.Call("list", ()), self.line))

        def innermost() -> None:
            for acc, el in zip(lists, elements):
                item = self.to_atom(self.expr(el))
                self.assign(acc, ir.Call("_rt.append", (ir.Name(acc), item)))

        self.generate(comp, innermost)
        return [ir.Name(acc) for acc in lists]

    def generate(self, comp: cst.CompFor, innermost) -> None:
        if comp.asynchronous is not None:
            raise self.error(comp, "`async for` is not supported by s2sad")
        saved = dict(self.renames)
        try:
            for name in _target_names(comp.target):  # the comprehension's own variables
                clash = name in self.plain_locals or name in saved or name in self.static
                self.renames[name] = self.fresh(f"_{name}") if clash else name
                self.locals.add(self.renames[name])
            start, stop, step, bind = self.iteration_space(comp.iter, comp.target)
            index = self.fresh("_i") if bind else self.renames[comp.target.value]
            outer, self.out = self.out, []
            if bind:
                bind(ir.Name(index))
            self.filtered(list(comp.ifs), comp.inner_for_in, innermost)
            body, self.out = tuple(self.out), outer
            self.emit(ir.For(index, start, stop, step, body, self.line))
        finally:
            self.renames = saved

    def filtered(self, ifs: list[cst.CompIf], inner: cst.CompFor | None, innermost) -> None:
        if not ifs:
            if inner is not None:
                self.generate(inner, innermost)
            else:
                innermost()
            return
        test = self.to_atom(self.expr(ifs[0].test))
        outer, self.out = self.out, []
        self.filtered(ifs[1:], inner, innermost)
        body, self.out = tuple(self.out), outer
        self.emit(ir.If(test, body, (), self.line))


def _target_names(target) -> list[str]:
    if isinstance(target, cst.Name):
        return [target.value]
    if isinstance(target, (cst.Tuple, cst.List)):
        return [n for el in target.elements for n in _target_names(el.value)]
    return []
