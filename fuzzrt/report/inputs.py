"""Reading what a report is built from: results of runs, and earlier reports to merge.

``fuzzrt report --from`` accepts, in any mix:

* a ``report.json`` (or a directory holding one): merged whole;
* a results directory written by a run of ``fuzzrt report``/``fuzzrt main``
  (``session.json`` naming its spec results and campaign files);
* a spec results file (``fuzzrt spec --json``);
* a campaign summary (``fuzzrt fuzz --json``), or a directory of them.

Files without a recorded run (the last two, given on their own) are
attributed to one run on the machine building the report.  Anything else is
refused with an ``InputError`` naming the file, never half-read.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .schema import FORMAT, VERSION, check_report

SESSION_FORMAT = "fuzzrt-session"
SESSION_FILE = "session.json"
REPORT_FILE = "report.json"


class InputError(Exception):
    """A results file or report cannot be used."""


@dataclass(slots=True)
class Inputs:
    """Everything read, in the order given (later inputs win where two describe the same thing)."""

    runs: list[dict[str, Any]] = field(default_factory=list)
    #: (run id, spec results as ``fuzzrt spec --json`` writes them)
    spec_results: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    #: (run id, campaign summary as ``fuzzrt fuzz --json`` writes it, plus timeline/code_coverage)
    campaigns: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    reports: list[dict[str, Any]] = field(default_factory=list)
    #: results that came without a run; ``attribute_orphans`` gives them one
    orphan_spec: list[dict[str, Any]] = field(default_factory=list)
    orphan_campaigns: list[dict[str, Any]] = field(default_factory=list)

    def attribute_orphans(self, run: dict[str, Any]) -> None:
        """Give results without a recorded run to ``run`` (the machine building the report)."""
        if not (self.orphan_spec or self.orphan_campaigns):
            return
        self.runs.append(run)
        self.spec_results += [(run["id"], data) for data in self.orphan_spec]
        self.campaigns += [(run["id"], data) for data in self.orphan_campaigns]
        self.orphan_spec.clear()
        self.orphan_campaigns.clear()


def read_json(path: Path) -> Any:
    try:
        return json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise InputError(f"cannot read {path}: {exc}") from None


def kind_of(data: Any) -> str | None:
    """"report", "session", "spec" or "campaign" for a parsed results file; None if it is none of them."""
    if not isinstance(data, dict):
        return None
    if data.get("format") == FORMAT:
        return "report"
    if data.get("format") == SESSION_FORMAT:
        return "session"
    if isinstance(data.get("files"), dict) and isinstance(data.get("total"), dict):
        return "spec"
    if isinstance(data.get("target"), str) and isinstance(data.get("execs"), int):
        return "campaign"
    return None


def _add_report(inputs: Inputs, data: dict[str, Any], path: Path) -> None:
    if data.get("version") != VERSION:
        raise InputError(f"{path}: report version {data.get('version')!r} is not {VERSION}")
    errors = check_report(data)
    if errors:
        raise InputError(f"{path}: not a valid report: " + "; ".join(errors[:5]))
    inputs.reports.append(data)


def _add_session(inputs: Inputs, data: dict[str, Any], path: Path) -> None:
    run = data.get("run")
    if not isinstance(run, dict) or not isinstance(run.get("id"), str):
        raise InputError(f"{path}: session without a run id")
    base = Path(path).parent
    inputs.runs.append(run)
    if data.get("spec"):
        spec = read_json(base / data["spec"])
        if kind_of(spec) != "spec":
            raise InputError(f"{base / data['spec']}: not spec results")
        inputs.spec_results.append((run["id"], spec))
    for name in data.get("campaigns", []):
        campaign = read_json(base / name)
        if kind_of(campaign) != "campaign":
            raise InputError(f"{base / name}: not a campaign summary")
        inputs.campaigns.append((run["id"], campaign))


def _add_file(inputs: Inputs, path: Path) -> None:
    data = read_json(path)
    kind = kind_of(data)
    if kind == "report":
        _add_report(inputs, data, path)
    elif kind == "session":
        _add_session(inputs, data, path)
    elif kind == "spec":
        inputs.orphan_spec.append(data)
    elif kind == "campaign":
        inputs.orphan_campaigns.append(data)
    else:
        raise InputError(f"{path}: not a report, spec results or campaign summary")


def load(paths: list[Path]) -> Inputs:
    """Read every path (see the module docstring for what each may be)."""
    inputs = Inputs()
    for path in paths:
        path = Path(path)
        if path.is_dir():
            if (path / REPORT_FILE).is_file():
                _add_file(inputs, path / REPORT_FILE)
            elif (path / SESSION_FILE).is_file():
                _add_file(inputs, path / SESSION_FILE)
            else:
                found = sorted(path.glob("*.json"))
                if not found:
                    raise InputError(f"{path}: no report.json, session.json or results files in it")
                for item in found:
                    _add_file(inputs, item)
        elif path.is_file():
            _add_file(inputs, path)
        else:
            raise InputError(f"{path}: no such file or directory")
    return inputs
