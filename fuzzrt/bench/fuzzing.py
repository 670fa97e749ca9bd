"""Differential-fuzzing speed (category ``fuzz``): executions per second of a real campaign.

Runs ``fuzzrt fuzz differential`` -- one Atheris job, fixed seed, a fresh
working directory so every bench run starts from the same seed corpus -- for a
fixed time, and reads its JSON summary and the job's own stats file.  Two
rates are reported, both for one core: ``campaign`` divides executions by the
campaign's wall time (what a user sees, process start-up included), ``job`` by
the time the fuzzing process itself ran (the steady rate).  Each execution
generates a module and runs it on both engines, so there is no wasmtime column:
the figure is the harness's.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

from .registry import BenchContext, Workload, register
from .results import ERROR, SUBJECT, Result

TARGET = "differential"
SEED = 1
_REPO_ROOT = Path(__file__).resolve().parents[2]
#: how long the campaign may overrun its budget (start-up, libFuzzer's final stats) before it is killed
_OVERRUN_S = 180.0


def _job_rate(stats_root: Path) -> float | None:
    execs, seconds = 0, 0.0
    for path in stats_root.glob("*/job-*.json"):
        try:
            job = json.loads(path.read_text())
            execs += int(job["execs"])
            seconds += float(job["updated"]) - float(job["started"])
        except (OSError, ValueError, KeyError, TypeError):
            continue
    return execs / seconds if seconds > 0 else None


class DifferentialFuzzing(Workload):
    name = "fuzz_differential"
    category = "fuzz"
    description = f"`fuzzrt fuzz {TARGET}` on one core: execs/s (both engines per exec)"

    def run(self, ctx: BenchContext) -> Result:
        seconds = max(ctx.fuzz_seconds if not ctx.quick else min(ctx.fuzz_seconds, 5.0), 1.0)
        result = self.new_result(int(seconds))
        ctx.scratch.mkdir(parents=True, exist_ok=True)
        work = Path(tempfile.mkdtemp(prefix="bench-fuzz-", dir=ctx.scratch))
        summary_path = work / "summary.json"
        env = dict(os.environ)
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(_REPO_ROOT), env.get("PYTHONPATH")]))
        cmd = [sys.executable, "-m", "fuzzrt", "fuzz", TARGET, "--time", f"{seconds:g}", "--jobs", "1",
               "--seed", str(SEED), "--work-dir", str(work / "work"), "--artifacts", str(work / "artifacts"),
               "--json", str(summary_path)]
        try:
            proc = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=seconds + _OVERRUN_S)
        except subprocess.TimeoutExpired:
            result.status = ERROR
            result.error = f"the campaign did not finish within {seconds + _OVERRUN_S:g} s"
            return result
        if not summary_path.exists():
            result.status = ERROR
            result.error = f"`fuzzrt fuzz` exited with status {proc.returncode}: {proc.stderr.strip()[-400:]}"
            return result
        summary = json.loads(summary_path.read_text())
        result.metric("campaign_execs", "execs/s", higher_is_better=True).values = {
            SUBJECT: float(summary["execs_per_sec"])}
        job = _job_rate(work / "work" / TARGET / "stats")
        if job is not None:
            result.metric("job_execs", "execs/s", higher_is_better=True).values = {SUBJECT: job}
        result.extra = {key: summary.get(key) for key in (
            "seconds", "execs", "findings", "unique_findings", "inconclusive", "conclusive_pct",
            "inconclusive_reasons", "coverage", "worker_restarts", "job_restarts")}
        result.outputs = {SUBJECT: f"{summary['execs']} execs, {summary['findings']} findings"}
        failures = summary.get("job_failures") or []
        if failures:
            tail = str(failures[-1].get("tail", "")).strip().splitlines()[-3:]
            result.notes.append(f"{len(failures)} fuzzing job failure(s); last log lines: {' / '.join(tail)}")
        return result


register(DifferentialFuzzing())
