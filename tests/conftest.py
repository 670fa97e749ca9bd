"""Fixtures shared by the whole test suite.

* ``testsuite_dir``: the official spec testsuite (skips the test if absent).
* Hypothesis profile ``ci`` (bounded, derandomised, no deadline: shared CI
  machines are slow and flaky timing must not fail a build), selected when the
  ``CI`` environment variable is set.
"""
from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import settings

from fuzzrt.spec import default_testsuite

settings.register_profile("ci", max_examples=50, deadline=None, derandomize=True, print_blob=True)
if os.environ.get("CI"):
    settings.load_profile("ci")


@pytest.fixture(scope="session")
def testsuite_dir() -> Path:
    """The wasm-2.0 spec testsuite ($FUZZRT_TESTSUITE or ../shared beside the checkout)."""
    path = default_testsuite()
    if not path.is_dir():
        pytest.skip(f"spec testsuite not found at {path} (set $FUZZRT_TESTSUITE)")
    return path
