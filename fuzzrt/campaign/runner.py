"""The per-input loop body every fuzzing engine shares: execute, count, save findings.

Atheris' ``TestOneInput`` and the Hypothesis job both call ``run_input`` (or
``run_case``); findings never raise, they become artifacts, so a campaign
keeps going after the first bug and reports how often each one was hit.
"""
from __future__ import annotations

import time

from fuzzrt.artifacts import Artifact, ArtifactStore, SaveResult
from fuzzrt.engines.plan import ExecPlan
from fuzzrt.generators.case import Generated

from .context import TargetContext
from .execution import FINDING, Execution
from .registry import Target
from .stats import Stats


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
    def __init__(self, target: Target, ctx: TargetContext, store: ArtifactStore, stats: Stats):
        self.target = target
        self.ctx = ctx
        self.store = store
        self.stats = stats

    def run_input(self, data: bytes) -> Execution:
        """One fuzzer input through the target; a finding is saved (or counted as a duplicate)."""
        start = time.perf_counter()
        return self._finish(self.target.execute(data, self.ctx), start)

    def run_case(self, case: Generated, plan: ExecPlan) -> Execution:
        """One ready-made case (e.g. from a Hypothesis strategy) through the target's oracles."""
        start = time.perf_counter()
        execution = Execution(self.target.name, b"", case=case, plan=plan)
        self.target.replay(execution, self.ctx)
        return self._finish(execution, start)

    def _finish(self, execution: Execution, start: float) -> Execution:
        self.stats.record(execution, time.perf_counter() - start)
        self.stats.worker_restarts = self.ctx.worker_restarts
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
