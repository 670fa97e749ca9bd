"""A property-fuzzing job driven by Hypothesis instead of libFuzzer (``fuzzrt fuzz --engine hypothesis``).

Run as ``python -m fuzzrt.campaign.hypothesis_main TARGET [--seed N]`` with the
same environment as an Atheris job (see ``atheris_main``).  Each example is a
case from the target's ``hypothesis_cases`` strategy (Python-built valid
modules with their calls) and a plan; it goes through the same runner,
oracles and artifact store.  Hypothesis has no coverage feedback here, so the
status line's coverage figure is the number of distinct behaviours seen
(stage and call outcomes, trap codes, result types).
"""
from __future__ import annotations

import argparse
import random
import sys
import time

from hypothesis import HealthCheck, Phase, given, seed, settings
from hypothesis import strategies as st

from fuzzrt.artifacts import ArtifactStore
from fuzzrt.engines.plan import FEATURES, ExecPlan

from .atheris_main import JobSettings
from .context import TargetContext
from .pool import WorkerPool
from .registry import get_target
from .runner import CampaignRunner
from .stats import Stats, job_stats_path

_UNBOUNDED = 10 ** 9


class _BudgetSpent(BaseException):
    """Ends the Hypothesis run when the job's budget is spent (not a test failure)."""


def plans() -> st.SearchStrategy[ExecPlan]:
    return st.builds(ExecPlan, runtime_opt_level=st.sampled_from((0, 1, 2)),
                     wasmtime_opt_level=st.sampled_from(("none", "speed")),
                     host_trap_modulus=st.sampled_from((0, 0, 0, 2, 7)), simd=st.just(FEATURES.simd))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m fuzzrt.campaign.hypothesis_main")
    parser.add_argument("target")
    parser.add_argument("--seed", type=int, default=None)
    args = parser.parse_args(argv)
    target = get_target(args.target)
    job = JobSettings.from_env([])
    stats = Stats(path=job_stats_path(job.stats_dir) if job.stats_dir else None)
    start = time.monotonic()
    submitted = 0
    pool = WorkerPool(job.workers, job.deadline)
    with TargetContext(isolated=True, deadline=job.deadline) as ctx:
        runner = CampaignRunner(target, ctx, ArtifactStore(job.artifacts), stats, pool)

        @seed(args.seed if args.seed is not None else random.getrandbits(64))
        @settings(max_examples=_UNBOUNDED, deadline=None, database=None, phases=[Phase.generate],
                  suppress_health_check=list(HealthCheck))
        @given(target.hypothesis_cases())
        def run(case_and_plan: tuple) -> None:
            nonlocal submitted
            runner.submit_case(*case_and_plan)
            submitted += 1
            if (job.max_runs and submitted >= job.max_runs) or (
                    job.max_seconds and time.monotonic() - start >= job.max_seconds):
                raise _BudgetSpent()

        try:
            run()
        except _BudgetSpent:
            pass
        runner.drain()
    pool.close()
    stats.finished = True
    stats.flush(force=True)
    sys.stderr.write(f"fuzzrt: {target.name} (hypothesis): {stats.execs} execs, {stats.findings} findings "
                     f"({stats.new_findings} new), {stats.inconclusive} inconclusive\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
