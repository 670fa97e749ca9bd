"""The whole spec testsuite (SIMD included) against the runtime, one test per
``.wast`` file (so pytest-xdist spreads the files over its workers).

Each file runs in its own worker process through the runner; a file fails if
it crashes, hangs or errors, or passes fewer assertions than recorded in
``tests/spec_baseline.json`` (refresh it with
``python3 -m fuzzrt spec --write-baseline tests/spec_baseline.json``).
"""
from __future__ import annotations

from pathlib import Path

import pytest

from fuzzrt.spec import default_testsuite, discover, load_baseline, run_suite

BASELINE = Path(__file__).with_name("spec_baseline.json")
#: generous: a file normally takes seconds, but a loaded 2-core CI box is slow
TIMEOUT = 900.0
#: how many of a regressed file's failures the assertion message quotes
QUOTED_FAILURES = 5


def _suite_files() -> list[Path]:
    root = default_testsuite()
    return discover([root]) if root.is_dir() else []


FILES = _suite_files()


@pytest.fixture(scope="module")
def baseline() -> dict[str, int]:
    if not BASELINE.is_file():
        pytest.skip("no baseline yet")
    return load_baseline(BASELINE)


@pytest.mark.skipif(not FILES, reason=f"spec testsuite not found at {default_testsuite()} (set $FUZZRT_TESTSUITE)")
@pytest.mark.parametrize("wast", FILES, ids=[path.name for path in FILES])
def test_spec_file(wast: Path, baseline: dict[str, int]) -> None:
    [result] = run_suite([wast], jobs=1, timeout=TIMEOUT).files
    where = f" at line {result.last_line}" if result.last_line is not None else ""
    assert result.status == "ok", f"{result.name}: {result.status}{where}: {result.detail}"
    floor = baseline.get(result.name)
    assert floor is not None, f"{result.name} is not in {BASELINE.name}: rerun with --write-baseline"
    passed = result.total().passed
    quoted = "\n".join(f"  line {f.line}: {f.command}: {f.reason}" for f in result.failures[:QUOTED_FAILURES])
    assert passed >= floor, f"{result.name}: {passed} passed, below the baseline of {floor}; first failures:\n{quoted}"
