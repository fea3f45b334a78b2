"""The runtime helpers on CuPy arrays: what CuPy-backed generated code imports as ``_rt``.

    from s2sad.runtime import cupy_runtime as _rt

Invariant: the same helpers as ``s2sad.runtime``, from the same files, with ``xp`` bound
to CuPy. Nothing is written twice: importing this module loads the runtime package's own
sources again as the private package ``s2sad._on_cupy.runtime`` (the same depth below
``s2sad``, so relative imports such as ``from .. import runtime`` find the CuPy twin),
each file's text passed
through ``cupy_table.to_cupy`` (``import numpy as xp`` -> ``import cupy as xp``, and the
few calls the table renames, e.g. ``xp.add.at`` -> ``cupyx.scatter_add``). Exception
classes stay those of the NumPy runtime, so ``except _rt.Unbatchable`` in the library
catches what the CuPy helpers raise. Importing this module imports CuPy.
"""

from __future__ import annotations

import importlib.abc
import importlib.util
import pathlib
import sys

from . import cupy_table

_HERE = pathlib.Path(__file__).resolve().parent
_NUMPY_PACKAGE = __name__.rpartition(".")[0]  # s2sad.runtime
_ROOT = _NUMPY_PACKAGE.rpartition(".")[0] + "._on_cupy"  # s2sad._on_cupy: an empty package
_PACKAGE = _ROOT + ".runtime"


class _CupyLoader(importlib.abc.SourceLoader):
    """Loads one runtime file with its text rewritten for CuPy (no bytecode cache)."""

    def __init__(self, fullname: str, path: pathlib.Path):
        self._fullname, self._path = fullname, path

    def get_filename(self, fullname: str) -> str:
        return str(self._path)

    def get_data(self, path: str) -> bytes:
        text = pathlib.Path(path).read_text(encoding="utf-8")
        return cupy_table.to_cupy(text, "xp", "xp").encode("utf-8")

    def exec_module(self, module) -> None:
        super().exec_module(module)
        _share_exceptions(module, self._fullname)


def _share_exceptions(module, fullname: str) -> None:
    """Rebind the module's exception classes to the NumPy runtime's (helpers read their
    globals when they run, so they raise the shared classes)."""
    numpy_twin = sys.modules.get(_NUMPY_PACKAGE + fullname[len(_PACKAGE):])
    if numpy_twin is None:
        return
    for name, value in list(vars(module).items()):
        twin = getattr(numpy_twin, name, None)
        if (isinstance(value, type) and issubclass(value, BaseException)
                and isinstance(twin, type) and twin.__qualname__ == value.__qualname__):
            setattr(module, name, twin)


class _EmptyPackage(importlib.abc.Loader):
    """``s2sad._on_cupy``: a package with nothing in it but the CuPy runtime."""

    def create_module(self, spec):
        return None

    def exec_module(self, module) -> None:
        pass


class _CupyFinder(importlib.abc.MetaPathFinder):
    """Finds ``s2sad._on_cupy``, ``s2sad._on_cupy.runtime`` and its submodules, nothing else."""

    def find_spec(self, fullname, path=None, target=None):
        if fullname == _ROOT:
            return importlib.util.spec_from_loader(fullname, _EmptyPackage(), is_package=True)
        if fullname == _PACKAGE:
            file, package = _HERE / "__init__.py", True
        elif fullname.startswith(_PACKAGE + ".") and fullname.count(".") == _PACKAGE.count(".") + 1:
            file, package = _HERE / (fullname.rpartition(".")[2] + ".py"), False
        else:
            return None
        if not file.is_file():
            return None
        return importlib.util.spec_from_file_location(
            fullname, file, loader=_CupyLoader(fullname, file),
            submodule_search_locations=[] if package else None)


def _load():
    import importlib

    from .. import runtime  # noqa: F401  (the NumPy twins of the exception classes)

    if not any(isinstance(f, _CupyFinder) for f in sys.meta_path):
        sys.meta_path.insert(0, _CupyFinder())
    return importlib.import_module(_PACKAGE)


globals().update({k: v for k, v in vars(_load()).items()
                  if not (k.startswith("__") and k.endswith("__"))})
