"""Re-running a stored artifact's case through its target's oracles (``repro``, ``shrink``)."""
from __future__ import annotations

from fuzzrt.artifacts import Artifact
from fuzzrt.generators.case import Generated

from .context import TargetContext
from .crashes import failed_execution, in_process_failure, replay_in_child
from .execution import Execution
from .registry import get_target

#: ``fuzzrt repro`` exit statuses
FIXED = 0
REPRODUCES = 1
DIFFERENT = 2


def replay_artifact(artifact: Artifact, ctx: TargetContext, wasm: bytes | None = None,
                    case: Generated | None = None) -> Execution:
    """The artifact's case (optionally with another module binary, or another case) through its target."""
    target = get_target(artifact.target)
    case = case if case is not None else artifact.case
    if wasm is not None:
        case = Generated(wasm, case.generator, dict(case.config), case.canonical_nans,
                         None if case.calls is None else list(case.calls))
    if in_process_failure(artifact):
        # the fuzzing process itself died or hung on this case: replaying here could do the same to us
        failure = replay_in_child(artifact, case, ctx.deadline)
        if failure is not None:
            return failed_execution(artifact, case, failure)
    execution = Execution(target.name, artifact.raw_input, case=case, plan=artifact.plan)
    target.replay(execution, ctx)
    return execution


def repro_status(artifact: Artifact, execution: Execution) -> int:
    """REPRODUCES if the same signature shows up again, FIXED if nothing does, DIFFERENT otherwise."""
    if execution.signature == artifact.signature:
        return REPRODUCES
    if any(f.signature(artifact.target) == artifact.signature for f in execution.verdict.findings):
        return REPRODUCES
    return FIXED if not execution.verdict.findings else DIFFERENT
