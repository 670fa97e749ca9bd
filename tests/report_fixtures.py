"""Synthetic inputs for the report tests: spec results, campaign summaries and artifacts in the
exact shapes `fuzzrt spec --json`, `fuzzrt fuzz --json` and the artifact store write."""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any


def tally(passed: int = 0, failed: int = 0, text: int = 0, skipped: int = 0) -> dict[str, int]:
    return {"passed": passed, "failed": failed, "text": text, "skipped": skipped}


def spec_results(files: dict[str, dict[str, dict[str, int]]], failures: list[dict[str, Any]] | None = None,
                 status: dict[str, str] | None = None) -> dict[str, Any]:
    """``files``: name -> command -> tally, as ``fuzzrt spec --json`` would report them."""
    out_files = {}
    totals: dict[str, dict[str, int]] = {}
    for name, commands in files.items():
        file_total = tally()
        for cmd, t in commands.items():
            for key in file_total:
                file_total[key] += t[key]
            into = totals.setdefault(cmd, tally())
            for key in into:
                into[key] += t[key]
        out_files[name] = {"status": (status or {}).get(name, "ok"), "detail": "", "seconds": 0.5,
                           "last_line": None, **file_total, "by_command": commands, "error_classes": {}}
    total = tally()
    for t in totals.values():
        for key in total:
            total[key] += t[key]
    return {"api": "runtime", "files": out_files, "totals": totals, "total": total,
            "pass_rate": None, "error_classes": {}, "problems": {}, "failures": failures or [], "regressions": []}


def campaign_summary(target: str, signatures: dict[str, int] | None = None, artifacts: Path | None = None,
                     execs: int = 1000, seconds: float = 20.0, **extra: Any) -> dict[str, Any]:
    signatures = signatures or {}
    return {"target": target, "engine": "atheris", "jobs": 1, "seconds": seconds, "execs": execs,
            "execs_per_sec": round(execs / seconds, 2), "conclusive": execs - 10, "inconclusive": 10,
            "conclusive_pct": 99.0, "inconclusive_reasons": {"stack-exhausted": 10},
            "findings": sum(signatures.values()), "unique_findings": len(signatures), "new_findings": 0,
            "signatures": signatures, "coverage": 500, "coverage_kind": "libfuzzer-edges",
            "worker_restarts": 0, "job_restarts": 0, "interrupted": False, "corpus": f"out/fuzz/{target}/corpus",
            "artifacts": str(artifacts) if artifacts else None, "new_artifacts": [], "job_failures": [],
            "libfuzzer_artifacts": [], "logs": "out/fuzz/logs", **extra}


def write_artifact(root: Path, name: str, signature: str, message: str = "engines disagree") -> Path:
    directory = root / name
    directory.mkdir(parents=True)
    oracle, kind, detail = signature.split("/", 3)[1:]
    (directory / "artifact.json").write_text(json.dumps({
        "format": 1, "signature": signature, "target": signature.split("/")[0],
        "finding": {"oracle": oracle, "kind": kind, "detail": detail, "message": message, "call_index": None}}))
    (directory / "module.wasm").write_bytes(b"\0asm\1\0\0\0")
    return directory


def write_json(path: Path, data: Any) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data))
    return path
