"""What the fuzz tests share: hypothesis settings for CI and a folder for programs."""

from __future__ import annotations

import os
import textwrap

import pytest
from hypothesis import HealthCheck, Phase, settings

from . import oracle

# derandomized (CI is deterministic), no deadline (every example generates code), no
# shrinking unless S2SAD_FUZZ_SHRINK=1 asks (shrinking regenerates code hundreds of times)
CI = settings(deadline=None, derandomize=True, database=None,
              phases=(Phase.explicit, Phase.generate) + (
                  (Phase.shrink,) if os.environ.get("S2SAD_FUZZ_SHRINK") == "1" else ()),
              suppress_health_check=list(HealthCheck))


def fuzz_folder(tmp_path_factory):
    """(A module fixture's body) where programs are written, with a fresh s2sad cache."""
    mp = pytest.MonkeyPatch()
    mp.setenv("S2SAD_CACHE_DIR", str(tmp_path_factory.mktemp("s2sad-cache")))
    yield tmp_path_factory.mktemp("fuzz")
    mp.undo()


def module_from(folder, name: str, text: str):
    """Import the (indented) source ``text`` as module ``name`` from a file in ``folder``."""
    return oracle.load(textwrap.dedent(text), folder, name)


def assert_fine(outcome: oracle.Outcome, text: str) -> None:
    assert outcome.status in ("agreed", "refused", "skipped", "known"), (
        f"{outcome.status}: {outcome.bucket}\n{outcome.detail}\n\n{text}")
