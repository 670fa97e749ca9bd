"""Running a case on both engines and judging it: the base of the differential and instantiate targets."""
from __future__ import annotations

from dataclasses import replace

from fuzzrt.engines.executor import Job
from fuzzrt.generators.case import Call, Generated
from fuzzrt.oracles import differential, imports, nopanic
from fuzzrt.oracles import verdict as V
from fuzzrt.oracles.nopanic import ProcessFailure
from fuzzrt.oracles.verdict import Verdict

from ..context import TargetContext
from ..execution import Execution
from ..registry import WorkerTarget
from ..supervisor import WorkerAnswer


def replace_calls(case: Generated, calls: list[Call]) -> Generated:
    """``case`` with its harness-chosen calls made concrete (so a replay needs no argument bytes)."""
    return Generated(case.wasm, case.generator, dict(case.config), case.canonical_nans, list(calls))


def _judge(execution: Execution) -> Verdict:
    ref, rt, case = execution.reference, execution.runtime, execution.case
    assert ref is not None and rt is not None and case is not None
    verdict = nopanic.check_panic(rt.panic)
    verdict.merge(differential.check(case.wasm, ref, rt, case.canonical_nans, execution.plan.simd))
    verdict.merge(imports.check(ref, rt, case.canonical_nans))
    op = case.config.get("op") if case.generator == "single-op" else None
    if op:
        # one instruction per module: the instruction is the best dedup key there is
        verdict.findings = [replace(f, detail=f"{f.detail}@{op}") for f in verdict.findings]
    return verdict


def _failed(execution: Execution, failure: ProcessFailure) -> Verdict:
    """The verdict on a worker that crashed or hung: a finding if the runtime was running.

    When wasmtime was running, it is the reference's problem; when neither
    engine was (the worker was idle, or sending its answer), the harness'.
    """
    execution.failure = failure
    if failure.stage.startswith("wasmtime"):
        return Verdict(inconclusive=V.REFERENCE_ERROR)
    if not failure.stage.startswith("runtime"):
        return Verdict(inconclusive=V.HARNESS)
    return nopanic.check_process(failure)


class PairTarget(WorkerTarget):
    """Cases executed on both engines in a worker, judged by the no-panic, differential and imports oracles."""

    def start(self, execution: Execution, ctx: TargetContext) -> Job | None:
        """The runtime's validator runs here first, in this process: it is cheap, and it is what
        gives a coverage-guided fuzzer feedback from the runtime's decoder and validator (the
        worker's coverage is invisible to it).  A panic or hang there is judged right away.
        """
        case = execution.case
        assert case is not None
        _, panic, hang = ctx.validate(ctx.engines[1], case.wasm, execution.plan)
        execution.panic = panic
        execution.verdict = nopanic.check_panic(panic)
        if hang is not None:
            execution.verdict.merge(_failed(execution, hang))
            return None
        return Job(case.wasm, case.calls, execution.plan, execution.args_seed)

    def finish(self, execution: Execution, answer: WorkerAnswer, ctx: TargetContext) -> None:
        """Judge both outcomes.  A verdict that needs memory bytes (the NaN-tolerant comparison)
        is settled by running the case again with memories captured; the execution then
        carries the capturing plan."""
        case = execution.case
        assert case is not None
        if answer.result is None:
            assert answer.failure is not None
            execution.reference = answer.reference
            execution.verdict.merge(_failed(execution, answer.failure))
            return
        execution.reference, execution.runtime = answer.result.reference, answer.result.runtime
        if case.calls is None:
            execution.case = replace_calls(case, answer.result.calls)
        judged = _judge(execution)
        if judged.needs_memory:
            judged = self._judge_with_memory(execution, ctx)
        execution.verdict.merge(judged)

    @staticmethod
    def _judge_with_memory(execution: Execution, ctx: TargetContext) -> Verdict:
        case = execution.case
        assert case is not None
        plan = execution.plan.with_capture()
        answer = ctx.run(Job(case.wasm, case.calls, plan, execution.args_seed))
        if answer.result is None:
            assert answer.failure is not None
            return _failed(execution, answer.failure)
        execution.plan = plan
        execution.reference, execution.runtime = answer.result.reference, answer.result.runtime
        return _judge(execution)
