"""The per-input loop body every fuzzing engine shares: execute, count, save findings.

Atheris' ``TestOneInput`` calls ``submit_input``: the in-process part runs
now, the job goes to a ``WorkerPool`` and is judged when its answer arrives
(while the next inputs are being generated).  The Hypothesis job and tests
use the synchronous ``run_input``/``run_case``.  Findings never raise: they
become artifacts, so a campaign keeps going after the first bug and reports
how often each one was hit.
"""
from __future__ import annotations

from typing import cast

from fuzzrt.artifacts import Artifact, ArtifactStore, SaveResult
from fuzzrt.engines.plan import ExecPlan
from fuzzrt.generators.case import Generated

from .context import TargetContext
from .execution import FINDING, Execution
from .pool import WorkerPool
from .registry import Target, WorkerTarget
from .stats import Stats
from .supervisor import WorkerAnswer


def artifact_of(execution: Execution) -> Artifact:
    finding = execution.finding
    assert finding is not None and execution.case is not None
    return Artifact(
        target=execution.target, finding=finding, case=execution.case, plan=execution.plan,
        raw_input=execution.raw_input, findings=list(execution.verdict.findings),
        reference=execution.reference, runtime=execution.runtime, failure=execution.failure,
        panic=execution.panic if execution.panic is not None else (
            execution.runtime.panic if execution.runtime is not None else None),
    )


def _has_memory_bytes(execution: Execution) -> bool:
    return any(o is not None and o.memory_bytes() for o in (execution.runtime, execution.reference))


class CampaignRunner:
    def __init__(self, target: Target, ctx: TargetContext, store: ArtifactStore, stats: Stats,
                 pool: WorkerPool | None = None):
        self.target = target
        self.ctx = ctx
        self.store = store
        self.stats = stats
        self.pool = pool

    # -- synchronous ----------------------------------------------------------------------
    def run_input(self, data: bytes) -> Execution:
        """One fuzzer input through the target, judged before returning."""
        return self._finish(self.target.execute(data, self.ctx))

    def run_case(self, case: Generated, plan: ExecPlan) -> Execution:
        """One ready-made case (e.g. from a Hypothesis strategy) through the target's oracles."""
        execution = Execution(self.target.name, b"", case=case, plan=plan)
        self.target.replay(execution, self.ctx)
        return self._finish(execution)

    # -- pipelined ------------------------------------------------------------------------
    def submit_input(self, data: bytes) -> None:
        """Start one fuzzer input; its job joins the pool."""
        self.submit(self.target.prepare(data))

    def submit_case(self, case: Generated, plan: ExecPlan) -> None:
        """Start one ready-made case; its job joins the pool."""
        self.submit(Execution(self.target.name, b"", case=case, plan=plan))

    def submit(self, execution: Execution) -> None:
        """Run the in-process part now; the job joins the pool (judging answers that had to be awaited)."""
        job = self.target.start(execution, self.ctx) if execution.case is not None else None
        if job is None or self.pool is None:
            if job is not None:
                self._answer(execution, self.ctx.run(job))
            else:
                self._finish(execution)
            return
        for earlier, answer in self.pool.submit(job, execution):
            self._answer(earlier, answer)
        for earlier, answer in self.pool.collect():
            self._answer(earlier, answer)

    def drain(self) -> None:
        """Judge every execution still in the pool."""
        if self.pool is not None:
            for execution, answer in self.pool.drain():
                self._answer(execution, answer)

    def _answer(self, execution: Execution, answer: WorkerAnswer) -> None:
        cast(WorkerTarget, self.target).finish(execution, answer, self.ctx)
        self._finish(execution)

    # -- bookkeeping ----------------------------------------------------------------------
    def _finish(self, execution: Execution) -> Execution:
        self.stats.record(execution)
        self.stats.worker_restarts = self.ctx.worker_restarts + (self.pool.restarts if self.pool else 0)
        if execution.status == FINDING:
            self.save(execution)
        self.stats.flush()
        return execution

    def save(self, execution: Execution) -> SaveResult:
        artifact = artifact_of(execution)
        if (not self.store.known(artifact) and artifact.finding.kind == "memory"
                and not _has_memory_bytes(execution) and execution.case is not None):
            execution = self._with_memory(execution)
            artifact = artifact_of(execution)
        result = self.store.save(artifact)
        if result.new:
            self.stats.new_findings += 1
        return result

    def _with_memory(self, execution: Execution) -> Execution:
        """The same case re-run with memories captured, if it still shows the same finding."""
        again = Execution(execution.target, execution.raw_input, case=execution.case,
                          plan=execution.plan.with_capture(), args_seed=execution.args_seed)
        self.target.replay(again, self.ctx)
        return again if again.signature == execution.signature else execution
