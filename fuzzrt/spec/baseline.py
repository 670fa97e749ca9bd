"""Per-file pass counts a run must not fall below.

The baseline is a JSON file ``{"passed": {"address.wast": 255, ...}}``,
written from a real run (``fuzzrt spec --write-baseline FILE``) and checked by
CI and the test suite, so a change that breaks spec tests shows up by name.
"""
from __future__ import annotations

import json
from pathlib import Path

from .results import SuiteReport

BASELINE_COMMENT = "per-file spec assertions passed; a run below these counts fails (fuzzrt spec --write-baseline)"


class BaselineError(Exception):
    """The baseline file is missing or not in the expected shape."""


def load_baseline(path: Path) -> dict[str, int]:
    """The ``file name -> passed`` map stored at ``path``."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise BaselineError(f"cannot read baseline {path}: {exc}") from exc
    passed = data.get("passed") if isinstance(data, dict) else None
    if not isinstance(passed, dict) or not all(isinstance(n, int) for n in passed.values()):
        raise BaselineError(f"baseline {path} has no 'passed' map of file -> count")
    return passed


def regressions(report: SuiteReport, baseline: dict[str, int]) -> list[str]:
    """One message per file of ``report`` that passed fewer assertions than its baseline."""
    found = []
    for result in report.files:
        floor = baseline.get(result.name)
        passed = result.total().passed
        if floor is not None and passed < floor:
            found.append(f"{result.name}: {passed} passed, baseline {floor}")
    return found


def write_baseline(path: Path, report: SuiteReport) -> list[str]:
    """Record the pass counts of the files that ran to completion in ``report``,
    keeping existing entries for the others; returns the names written."""
    try:
        passed = load_baseline(path)
    except BaselineError:
        passed = {}
    written = []
    for result in report.files:
        if result.status == "ok":
            passed[result.name] = result.total().passed
            written.append(result.name)
    data = {"comment": BASELINE_COMMENT, "passed": dict(sorted(passed.items()))}
    path.write_text(json.dumps(data, indent=1) + "\n", encoding="utf-8")
    return written
