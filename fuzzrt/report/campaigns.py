"""The fuzzing sections: one entry per campaign, and the findings across all of them.

A campaign entry is the campaign's summary (``fuzzrt fuzz --json``) in the
report's stable shape, with its time series and ``runtime/`` coverage when
the run recorded them.  Findings are deduplicated by signature across
campaigns and runs (hits add up), triaged (new / known / regression) and
linked to their artifact with the command that reproduces it.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any

from .findings import ArtifactInfo, Triage, repro_command, split_signature

SAMPLE_KEYS = ("t", "execs", "coverage", "findings", "unique_findings", "inconclusive")


class CampaignInputError(ValueError):
    """A campaign summary lacks a field the report needs, or has one of the wrong type."""


def _num(data: dict[str, Any], key: str, default: float | None = None) -> float:
    value = data.get(key, default)
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0:
        raise CampaignInputError(f"campaign {data.get('target')!r}: {key!r} must be a non-negative number")
    return value


def _counts(data: dict[str, Any], key: str) -> dict[str, int]:
    value = data.get(key) or {}
    if not isinstance(value, dict) or not all(isinstance(v, int) and v >= 0 for v in value.values()):
        raise CampaignInputError(f"campaign {data.get('target')!r}: {key!r} must map names to counts")
    return {str(k): int(v) for k, v in sorted(value.items())}


def _timeline(data: dict[str, Any]) -> list[dict[str, Any]]:
    samples = data.get("timeline") or []
    if not isinstance(samples, list):
        raise CampaignInputError(f"campaign {data.get('target')!r}: 'timeline' must be a list")
    out = []
    for sample in samples:
        if not isinstance(sample, dict):
            raise CampaignInputError(f"campaign {data.get('target')!r}: a timeline sample is not an object")
        out.append({key: (round(float(_num(sample, key, 0)), 2) if key == "t" else int(_num(sample, key, 0)))
                    for key in SAMPLE_KEYS})
    return out


def campaign_entry(run_id: str, data: dict[str, Any], ordinal: int = 0) -> dict[str, Any]:
    """A report campaign from a summary; ``ordinal`` tells apart campaigns of one target in one run."""
    target = data["target"]
    execs = int(_num(data, "execs"))
    seconds = float(_num(data, "seconds", 0.0))
    inconclusive = int(_num(data, "inconclusive", 0))
    code = data.get("code_coverage")
    if code is not None and not (isinstance(code, dict) and "packages" in code and "total" in code):
        raise CampaignInputError(f"campaign {target!r}: 'code_coverage' is not a coverage summary")
    return {
        "id": f"{run_id}/{target}" + (f"#{ordinal}" if ordinal else ""),
        "run": run_id,
        "target": target,
        "engine": str(data.get("engine", "atheris")),
        "jobs": int(_num(data, "jobs", 1)),
        "seconds": round(seconds, 3),
        "execs": execs,
        "execs_per_sec": round(execs / seconds, 2) if seconds > 0 else 0.0,
        "conclusive": int(_num(data, "conclusive", 0)),
        "inconclusive": inconclusive,
        "conclusive_pct": round(100.0 * (execs - inconclusive) / execs, 2) if execs else None,
        "inconclusive_reasons": _counts(data, "inconclusive_reasons"),
        "findings": int(_num(data, "findings", 0)),
        "unique_findings": len(_counts(data, "signatures")),
        "signatures": _counts(data, "signatures"),
        "coverage": int(_num(data, "coverage", 0)),
        "coverage_kind": str(data.get("coverage_kind", "libfuzzer-edges")),
        "timeline": _timeline(data),
        "code_coverage": None if code is None else {"packages": code["packages"], "total": code["total"]},
        "corpus": str(data["corpus"]) if data.get("corpus") else None,
        "artifacts": str(data["artifacts"]) if data.get("artifacts") else None,
        "job_failures": len(data.get("job_failures") or []) if isinstance(data.get("job_failures"), list)
        else int(_num(data, "job_failures", 0)),
    }


def entries_from_summaries(summaries: list[tuple[str, dict[str, Any]]]) -> list[dict[str, Any]]:
    """Campaign entries for (run id, summary) pairs, numbering repeats of a target within a run."""
    seen: dict[tuple[str, str], int] = {}
    out = []
    for run_id, data in summaries:
        key = (run_id, str(data.get("target")))
        ordinal = seen.get(key, -1) + 1
        seen[key] = ordinal
        out.append(campaign_entry(run_id, data, ordinal))
    return out


def merge_campaigns(entries: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """One entry per campaign id (a later one replaces an earlier one), in first-seen order."""
    by_id: dict[str, dict[str, Any]] = {}
    for entry in entries:
        by_id[entry["id"]] = entry
    return list(by_id.values())


def aggregate_findings(campaigns: list[dict[str, Any]], artifacts: dict[str, ArtifactInfo],
                       earlier: list[dict[str, Any]], triage: Triage) -> list[dict[str, Any]]:
    """Unique findings over ``campaigns``: hits summed, triaged, linked to artifacts.

    ``earlier`` are findings of merged reports: they supply the artifact and
    message of a signature whose artifact directory is not at hand here.
    """
    previous = {f["signature"]: f for f in earlier}
    found: dict[str, dict[str, Any]] = {}
    for campaign in campaigns:
        for signature, hits in campaign["signatures"].items():
            entry = found.get(signature)
            if entry is None:
                target, oracle, kind = split_signature(signature)
                entry = found[signature] = {"signature": signature, "target": target or campaign["target"],
                                            "oracle": oracle, "kind": kind, "status": triage.status(signature),
                                            "hits": 0, "message": "", "artifact": None, "repro": None,
                                            "campaigns": []}
            entry["hits"] += hits
            entry["campaigns"].append(campaign["id"])
    for signature, entry in found.items():
        info = artifacts.get(signature)
        if info is not None:
            entry["artifact"] = str(info.path)
            entry["repro"] = repro_command(info.path)
            entry["message"] = info.message
        elif signature in previous:
            old = previous[signature]
            entry.update(artifact=old["artifact"], repro=old["repro"], message=old["message"])
    order = {"regression": 0, "new": 1, "known": 2}
    return sorted(found.values(), key=lambda f: (order[f["status"]], f["target"], -f["hits"], f["signature"]))


def artifact_index_roots(campaigns: list[dict[str, Any]], extra: list[Path]) -> list[Path]:
    """Where to look for artifacts: the directories given, then each campaign's artifact directory."""
    roots = [Path(p) for p in extra]
    roots += [Path(c["artifacts"]) for c in campaigns if c["artifacts"]]
    return list(dict.fromkeys(roots))
