"""Assembling report.json from inputs: runs, spec conformance, campaigns, findings, coverage.

The same function builds a report from one fresh run and merges many
(earlier reports and raw results alike): everything is first brought to the
report's per-file / per-campaign shape, then the sections are recomputed
from those parts, so a merged report is exactly the report of the union.
"""
from __future__ import annotations

import socket
import time
from pathlib import Path
from typing import Any

from . import codecov
from .campaigns import aggregate_findings, artifact_index_roots, entries_from_summaries, merge_campaigns
from .conformance import build_section, files_from_results
from .environment import environment
from .findings import Triage, index_artifacts
from .inputs import Inputs
from .schema import FORMAT, VERSION, check_report


class ReportError(Exception):
    """The inputs do not make a valid report."""


def now_iso() -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%S%z")


def local_run(source: str) -> dict[str, Any]:
    """A run record for results produced on this machine without one (see ``inputs``)."""
    stamp = now_iso()
    return {"id": f"local-{time.strftime('%Y%m%dT%H%M%S')}-{socket.gethostname()}", "source": source,
            "started": None, "finished": stamp, "environment": environment()}


def build_report(inputs: Inputs, *, baseline: dict[str, int] | None = None, baseline_source: str = "",
                 triage: Triage | None = None, artifact_dirs: list[Path] | None = None) -> dict[str, Any]:
    """The report (schema ``fuzzrt-report`` v1) of everything in ``inputs``."""
    inputs.attribute_orphans(local_run("results given to fuzzrt report"))
    runs: dict[str, dict[str, Any]] = {}
    spec_files: list[dict[str, Any]] = []
    campaigns: list[dict[str, Any]] = []
    earlier_findings: list[dict[str, Any]] = []
    coverage_files: list[dict[str, dict[str, Any]]] = []

    for report in inputs.reports:
        runs.update((run["id"], run) for run in report["runs"])
        if report["spec"] is not None:
            spec_files += report["spec"]["files"]
        campaigns += report["campaigns"]
        earlier_findings += report["findings"]
        if report["code_coverage"] is not None:
            coverage_files.append(report["code_coverage"]["files"])
    runs.update((run["id"], run) for run in inputs.runs)
    try:
        for run_id, results in inputs.spec_results:
            spec_files += files_from_results(run_id, results)
        fresh = entries_from_summaries(inputs.campaigns)
    except ValueError as exc:
        raise ReportError(str(exc)) from None
    campaigns = merge_campaigns(campaigns + fresh)
    coverage_files += [data["code_coverage"]["files"] for _, data in inputs.campaigns
                       if isinstance(data.get("code_coverage"), dict) and "files" in data["code_coverage"]]

    artifacts = index_artifacts(artifact_index_roots(campaigns, artifact_dirs or []))
    combined = codecov.union(coverage_files) if coverage_files else None
    report = {
        "format": FORMAT,
        "version": VERSION,
        "generated": now_iso(),
        "runs": list(runs.values()),
        "spec": build_section(spec_files, baseline, baseline_source),
        "campaigns": campaigns,
        "findings": aggregate_findings(campaigns, artifacts, earlier_findings, triage or Triage.load()),
        "code_coverage": None if combined is None else {**codecov.summarize(combined), "files": combined},
    }
    errors = check_report(report)
    if errors:
        raise ReportError("the report does not match its schema: " + "; ".join(errors[:5]))
    return report
