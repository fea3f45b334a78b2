"""The AD libraries ``tools/bench_peers.py`` compares s2sad with, each used in its own style.

A peer turns a workload (a NumPy function and what to take of it: a gradient, a Hessian
or a Hessian-vector product) into a callable on the peer's own argument types:

* ``s2sad``: ``s2sad.grad`` / ``hessian`` / ``hvp`` of the NumPy function itself;
* ``s2sad.numba``: the same with ``jit="numba"`` (the generated code compiled by numba; the
  first call, numba compiling, is reported apart; a module numba cannot compile runs
  plain and is reported with the warning's reason);
* ``autograd``: the same function with ``np`` bound to ``autograd.numpy``;
* ``jax`` (eager) and ``jax.jit``: the function with ``np`` bound to ``jax.numpy``,
  float64 (``jax_enable_x64``), arrays placed on the device once, outside the timing;
* ``torch.func``: the function with ``np`` bound to torch ops (``torch_numpy``), float64
  CPU tensors;
* ``tangent``: ``tangent.grad`` of the NumPy function's source.

A peer that is not installed is ``None`` with a note; one that cannot express a
workload raises ``Unsupported``.
"""

from __future__ import annotations

import statistics
import timeit
import types
from dataclasses import dataclass, field
from typing import Callable

import _timing as T
import numpy as np

QUICK = T.QUICK  # bench_peers.main sets it from its own arguments too

PEER_NAMES = ("s2sad", "s2sad.numba", "autograd", "jax", "jax.jit", "torch.func", "tangent")


class Unsupported(Exception):
    """The peer has no way to express this workload (e.g. a transform it lacks)."""


def median_times(fns: dict[str, Callable[[], object]], *, repeat: int | None = None,
                 min_time: float | None = None) -> dict[str, float | BaseException]:
    """Seconds per call of each ``fns[name]()``: the median of ``repeat`` runs of a loop long
    enough to last ``min_time`` (``timeit.Timer``, garbage collection off while timing).
    The runs are interleaved, one of each callable in turn, so that a change in the load
    of a shared machine falls on all of them alike. A callable that raises gets its
    exception instead of a time."""
    repeat = repeat or (3 if QUICK else 7)
    min_time = min_time or (0.02 if QUICK else 0.2)
    out: dict = {}
    loops = {}
    for name, fn in fns.items():
        try:
            fn()  # warm up
            timer, number = timeit.Timer(fn), 1
            while (elapsed := timer.timeit(number)) < min_time and number < 1 << 24:
                number *= 10 if elapsed < min_time / 10 else 2
            loops[name] = timer, number
        except Exception as e:  # noqa: BLE001 - reported by the caller
            out[name] = e
    samples: dict[str, list] = {name: [] for name in loops}
    for _ in range(repeat):
        for name, (timer, number) in list(loops.items()):
            try:
                samples[name].append(timer.timeit(number) / number)
            except Exception as e:  # noqa: BLE001
                out[name] = e
                del loops[name]
    out.update({name: statistics.median(samples[name]) for name in loops})
    return {name: out[name] for name in fns}


@dataclass
class Workload:
    """``kind`` is "grad" (of ``f`` w.r.t. ``argnums``), "hessian" (of ``f`` w.r.t. its
    first argument) or "hvp" (``args = (x, v)``: the Hessian of ``f`` at ``x`` times ``v``).
    ``hand(*args)`` is the hand-written NumPy answer every peer is checked against."""

    name: str
    kind: str
    f: Callable
    hand: Callable
    args: tuple
    argnums: int | tuple = 0
    rtol: float = 1e-6
    atol: float = 1e-9

    @property
    def primal_args(self) -> tuple:
        return self.args if self.kind == "grad" else self.args[:1]


@dataclass
class Peer:
    name: str
    version: str
    build: Callable[[Workload], Callable]  # workload -> callable(*converted args)
    convert: Callable[[tuple], tuple] = lambda args: args
    jit: bool = False  # the first call compiles: timed apart
    notes: list = field(default_factory=list)


def _version(dist: str) -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(dist)
    except PackageNotFoundError:
        return "?"


def _rebound(f: Callable, module) -> Callable:
    from bench import with_numpy

    return with_numpy(f, module)


def _transforms(w: Workload, grad, hessian, hvp) -> Callable:
    """The callable of ``w.kind`` from a peer's three transforms."""
    if w.kind == "grad":
        return grad(w.argnums)
    if w.kind == "hessian":
        if hessian is None:
            raise Unsupported("no hessian transform")
        return hessian()
    if hvp is None:
        raise Unsupported("no hvp (forward-over-reverse) transform")
    return hvp()


# --------------------------------------------------------------------------- the peers


def s2sad_peer() -> Peer:
    import s2sad

    def build(w: Workload):
        return _transforms(w, lambda nums: s2sad.grad(w.f, argnums=nums),
                           lambda: s2sad.hessian(w.f),
                           lambda: lambda x, v: s2sad.hvp(w.f, (x,), (v,)))

    return Peer("s2sad", s2sad.__version__, build)


def s2sad_numba_peer() -> Peer:
    """``jit="numba"``; ``bench_peers.prepare`` reports a fallback to the plain module
    (``JitFallbackWarning``) as unsupported, with its reason, rather than timing it."""
    import numba

    import s2sad

    def build(w: Workload):
        return _transforms(w, lambda nums: s2sad.grad(w.f, argnums=nums, jit="numba"),
                           lambda: s2sad.hessian(w.f, jit="numba"),
                           lambda: lambda x, v: s2sad.hvp(w.f, (x,), (v,), jit="numba"))

    return Peer("s2sad.numba", f"{s2sad.__version__} (numba {numba.__version__})", build,
                jit=True)


def autograd_peer() -> Peer:
    import autograd
    import autograd.numpy as anp

    def build(w: Workload):
        f = _rebound(w.f, anp)
        return _transforms(w, lambda nums: autograd.grad(f, nums),
                           lambda: autograd.hessian(f),
                           lambda: autograd.hessian_vector_product(f))

    return Peer("autograd", _version("autograd"), build)


def _jax_peer(jit: bool) -> Peer:
    import jax
    import jax.numpy as jnp

    jax.config.update("jax_enable_x64", True)

    def build(w: Workload):
        f = _rebound(w.f, jnp)
        fn = _transforms(w, lambda nums: jax.grad(f, argnums=nums), lambda: jax.hessian(f),
                         lambda: lambda x, v: jax.jvp(jax.grad(f), (x,), (v,))[1])
        if jit:
            fn = jax.jit(fn)
        return lambda *a: jax.block_until_ready(fn(*a))

    def convert(args):  # arrays on the device once; Python floats stay Python floats
        return tuple(jnp.asarray(a) if isinstance(a, np.ndarray) else a for a in args)

    return Peer("jax.jit" if jit else "jax", _version("jax"), build, convert, jit=jit)


def torch_numpy(torch):
    """The NumPy names the workloads call, as torch ops (``np.sum(a, axis=1, keepdims=True)``
    is ``torch.sum(a, dim=1, keepdim=True)``, ``np.max`` is ``torch.amax``): each workload
    runs as the torch program one would write by hand, op for op, from its one NumPy source."""

    def sum_(a, axis=None, keepdims=False):
        return torch.sum(a) if axis is None else torch.sum(a, dim=axis, keepdim=keepdims)

    def max_(a, axis, keepdims=False):
        return torch.amax(a, dim=axis, keepdim=keepdims)

    def logaddexp(a, b):  # np.logaddexp(0.0, z): torch wants tensors on both sides
        return torch.logaddexp(torch.as_tensor(a, dtype=b.dtype), b)

    return types.SimpleNamespace(sum=sum_, max=max_, logaddexp=logaddexp, mean=torch.mean,
                                 tanh=torch.tanh, exp=torch.exp, log=torch.log,
                                 where=torch.where)


def torch_peer() -> Peer:
    import torch
    import torch.func as tf

    tnp = torch_numpy(torch)

    def build(w: Workload):
        f = _rebound(w.f, tnp)
        return _transforms(w, lambda nums: tf.grad(f, argnums=nums), lambda: tf.hessian(f),
                           lambda: lambda x, v: tf.jvp(tf.grad(f), (x,), (v,))[1])

    def convert(args):
        return tuple(torch.from_numpy(a) if isinstance(a, np.ndarray)
                     else torch.tensor(a, dtype=torch.float64) for a in args)

    return Peer("torch.func", torch.__version__, build, convert,
                notes=[f"torch threads: {torch.get_num_threads()}"])


def tangent_peer() -> Peer:
    import tangent

    def build(w: Workload):
        if w.kind != "grad":
            raise Unsupported(f"no {w.kind} transform")
        nums = w.argnums if isinstance(w.argnums, tuple) else (w.argnums,)
        return tangent.grad(w.f, wrt=nums)

    return Peer("tangent", _version("tangent-ad"), build)


LOADERS = {"s2sad": s2sad_peer, "s2sad.numba": s2sad_numba_peer, "autograd": autograd_peer,
           "jax": lambda: _jax_peer(False), "jax.jit": lambda: _jax_peer(True),
           "torch.func": torch_peer, "tangent": tangent_peer}


def load_peers(names) -> tuple[list[Peer], dict[str, str]]:
    """The installed peers among ``names``, and a note for each one that is not."""
    peers, missing = [], {}
    for name in names:
        try:
            peers.append(LOADERS[name]())
        except ImportError as e:
            missing[name] = f"not installed ({e})"
    return peers, missing
