"""The spec conformance section: per file and per assertion type, failures, change against the baseline.

Results from several runs merge file by file (a later run's result for a
file replaces an earlier one), so a report can combine, say, a core run and
a SIMD run, or refresh a few files.  Totals are always recomputed from the
files, never trusted from an input.
"""
from __future__ import annotations

from typing import Any

OUTCOMES = ("passed", "failed", "text", "skipped")
STATUSES = ("ok", "skipped", "error", "crashed", "timeout")
PROBLEMS = frozenset({"error", "crashed", "timeout"})


class SpecInputError(ValueError):
    """Spec results are not in the shape ``fuzzrt spec --json`` writes."""


def _tally(data: Any, where: str) -> dict[str, int]:
    if not isinstance(data, dict):
        raise SpecInputError(f"{where}: expected an object of counts")
    try:
        return {key: int(data.get(key, 0)) for key in OUTCOMES}
    except (TypeError, ValueError):
        raise SpecInputError(f"{where}: counts must be integers") from None


def files_from_results(run_id: str, results: dict[str, Any]) -> list[dict[str, Any]]:
    """The per-file entries (report shape, baseline not yet applied) of one ``fuzzrt spec --json`` file."""
    failures: dict[str, list[dict[str, Any]]] = {}
    for failure in results.get("failures", []):
        if not isinstance(failure, dict) or "file" not in failure:
            raise SpecInputError("spec results: a failure without its file")
        failures.setdefault(str(failure["file"]), []).append({
            "line": failure.get("line") if isinstance(failure.get("line"), int) else None,
            "command": str(failure.get("command", "")),
            "reason": str(failure.get("reason", "")),
        })
    out = []
    for name, entry in results["files"].items():
        if not isinstance(entry, dict):
            raise SpecInputError(f"spec results: file {name!r} is not an object")
        status = entry.get("status", "ok")
        if status not in STATUSES:
            raise SpecInputError(f"spec results: file {name!r} has unknown status {status!r}")
        by_command = entry.get("by_command", {})
        if not isinstance(by_command, dict):
            raise SpecInputError(f"spec results: file {name!r}: by_command is not an object")
        out.append({
            "name": name,
            "run": run_id,
            "status": status,
            "detail": str(entry.get("detail") or ""),
            "seconds": max(float(entry.get("seconds") or 0.0), 0.0),
            **_tally(entry, f"file {name!r}"),
            "by_command": {cmd: _tally(t, f"file {name!r} command {cmd!r}") for cmd, t in sorted(by_command.items())},
            "baseline": None,
            "delta": None,
            "failures": failures.get(name, []),
        })
    return out


def build_section(files_in_order: list[dict[str, Any]], baseline: dict[str, int] | None,
                  baseline_source: str) -> dict[str, Any] | None:
    """The ``spec`` section from file entries (later entries for a name replace earlier ones)."""
    if not files_in_order:
        return None
    by_name: dict[str, dict[str, Any]] = {}
    for entry in files_in_order:
        by_name.pop(entry["name"], None)
        by_name[entry["name"]] = {**entry, "baseline": None, "delta": None}
    files = sorted(by_name.values(), key=lambda e: e["name"])
    by_command: dict[str, dict[str, int]] = {}
    total = dict.fromkeys(OUTCOMES, 0)
    for entry in files:
        for cmd, tally in entry["by_command"].items():
            into = by_command.setdefault(cmd, dict.fromkeys(OUTCOMES, 0))
            for key in OUTCOMES:
                into[key] += tally[key]
        for key in OUTCOMES:
            total[key] += entry[key]
    executed = total["passed"] + total["failed"]
    section = {
        "runs": list(dict.fromkeys(entry["run"] for entry in files)),
        "files": files,
        "by_command": dict(sorted(by_command.items())),
        "total": total,
        "pass_rate": round(total["passed"] / executed, 6) if executed else None,
        "problems": {e["name"]: e["status"] for e in files if e["status"] in PROBLEMS},
        "baseline": None,
    }
    if baseline is not None:
        section["baseline"] = _apply_baseline(files, baseline, baseline_source)
    return section


def _apply_baseline(files: list[dict[str, Any]], baseline: dict[str, int], source: str) -> dict[str, Any]:
    """Set each file's baseline and delta; the section-level comparison over the files that ran."""
    below, above, unrecorded = [], [], []
    passed = recorded = 0
    for entry in files:
        floor = baseline.get(entry["name"])
        entry["baseline"] = floor
        if floor is None:
            if entry["status"] != "skipped":
                unrecorded.append(entry["name"])
            continue
        entry["delta"] = entry["passed"] - floor
        passed += entry["passed"]
        recorded += floor
        if entry["delta"] < 0:
            below.append(entry["name"])
        elif entry["delta"] > 0:
            above.append(entry["name"])
    return {"source": source, "passed": passed, "baseline": recorded, "delta": passed - recorded,
            "below": below, "above": above, "unrecorded": unrecorded}
