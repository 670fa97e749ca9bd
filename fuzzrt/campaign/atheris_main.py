"""The body of every Atheris entry script (``targets/<name>.py``): libFuzzer drives, we judge.

libFuzzer owns the command line (corpus directories, ``-runs``,
``-max_total_time``, ``-artifact_prefix``, ``-fork``/``-jobs``...).
``TestOneInput`` hands each input to the target through a ``CampaignRunner``
and never raises for a finding: findings become artifacts and the campaign
goes on.  Execution happens in a supervised worker process, so an input that
crashes the runtime is recorded, not fatal.

Settings from the environment (set by ``fuzzrt fuzz``; all optional):

* ``FUZZRT_ARTIFACTS``: artifact directory (default: the ``-artifact_prefix``
  directory, else ``out/fuzz/artifacts``);
* ``FUZZRT_STATS_DIR``: where this process writes its stats file;
* ``FUZZRT_MAX_RUNS`` / ``FUZZRT_MAX_SECONDS``: a budget this process enforces
  itself, so its final stats are written before it exits;
* ``FUZZRT_DEADLINE``: seconds one input may take in the worker;
* ``FUZZRT_WORKERS``: worker processes executing cases in parallel (default:
  the CPU count), while libFuzzer goes on generating.
"""
from __future__ import annotations

import os
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from fuzzrt.artifacts import ArtifactStore

from .context import TargetContext
from .pool import WorkerPool, default_size
from .registry import get_target
from .runner import CampaignRunner
from .stats import Stats, job_stats_path
from .supervisor import DEFAULT_DEADLINE

DEFAULT_ARTIFACTS = Path("out/fuzz/artifacts")


@dataclass(frozen=True, slots=True)
class JobSettings:
    artifacts: Path
    stats_dir: Path | None
    max_runs: int
    max_seconds: float
    deadline: float
    workers: int

    @classmethod
    def from_env(cls, argv: list[str]) -> JobSettings:
        env = os.environ
        artifacts = env.get("FUZZRT_ARTIFACTS")
        if not artifacts:
            prefix = next((a.split("=", 1)[1] for a in argv if a.startswith("-artifact_prefix=")), "")
            artifacts = os.path.dirname(prefix) if prefix else str(DEFAULT_ARTIFACTS)
        stats_dir = env.get("FUZZRT_STATS_DIR")
        return cls(Path(artifacts), Path(stats_dir) if stats_dir else None,
                   int(env.get("FUZZRT_MAX_RUNS", "0") or 0), float(env.get("FUZZRT_MAX_SECONDS", "0") or 0),
                   float(env.get("FUZZRT_DEADLINE", "0") or 0) or DEFAULT_DEADLINE,
                   int(env.get("FUZZRT_WORKERS", "0") or 0) or default_size())


def fuzz(target_name: str, argv: list[str]) -> None:
    """Run libFuzzer on target ``target_name`` with ``argv``; does not return."""
    import atheris

    target = get_target(target_name)
    settings = JobSettings.from_env(argv)
    ctx = TargetContext(isolated=True, deadline=settings.deadline)
    stats = Stats(path=job_stats_path(settings.stats_dir) if settings.stats_dir else None)
    pool = WorkerPool(settings.workers, settings.deadline)
    runner = CampaignRunner(target, ctx, ArtifactStore(settings.artifacts), stats, pool)
    start = time.monotonic()
    submitted = 0

    def finish() -> None:
        runner.drain()
        stats.finished = True
        stats.flush(force=True)
        pool.close()
        ctx.close()
        sys.stderr.write(f"fuzzrt: {target_name}: {stats.execs} execs, {stats.findings} findings "
                         f"({stats.new_findings} new), {stats.inconclusive} inconclusive\n")
        sys.stderr.flush()
        os._exit(0)

    def test_one_input(data: bytes) -> None:
        nonlocal submitted
        runner.submit_input(data)
        submitted += 1
        if (settings.max_runs and submitted >= settings.max_runs) or (
                settings.max_seconds and time.monotonic() - start >= settings.max_seconds):
            finish()

    atheris.Setup(argv, test_one_input)
    atheris.Fuzz()
