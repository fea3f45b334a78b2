"""Shared test setup: ``tests/`` on the import path (``fd``, ``corpus``, ``errors_cases``)
and a seeded random generator.

The s2sad disk cache is left as the environment sets it (``S2SAD_CACHE_DIR``,
``S2SAD_NO_CACHE``): generated code is keyed by content, so a warm cache only makes a
second run faster. Set ``S2SAD_TEST_PRIVATE_CACHE=1`` to give the session a fresh,
private cache folder instead.
"""

import os
import sys
from pathlib import Path

import numpy as np
import pytest

TESTS = Path(__file__).resolve().parent
if str(TESTS) not in sys.path:
    sys.path.insert(0, str(TESTS))


@pytest.fixture(scope="session", autouse=True)
def _private_cache_on_request(tmp_path_factory):
    if os.environ.get("S2SAD_TEST_PRIVATE_CACHE") != "1":
        yield
        return
    mp = pytest.MonkeyPatch()
    mp.setenv("S2SAD_CACHE_DIR", str(tmp_path_factory.mktemp("s2sad-cache")))
    yield
    mp.undo()


@pytest.fixture
def rng():
    return np.random.default_rng(20240611)
