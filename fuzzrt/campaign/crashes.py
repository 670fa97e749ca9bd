"""Crashes and hangs of in-process targets: adopted as artifacts, replayed in a child process.

In-process targets (``validate`` and the op-sequence targets) run the runtime
inside the Atheris process, so that libFuzzer sees its coverage.  When an input
kills that process (a fault in JIT code, an LLVM abort) or holds it past
libFuzzer's ``-timeout``, the job ends and libFuzzer leaves only the raw input
as ``crash-*``/``timeout-*``/``oom-*``.  ``adopt`` turns each such file into a
fuzzrt artifact: the case is regenerated from the raw input (generation is
deterministic and runs none of the code under test), the finding is a
no-panic process failure.  Replaying that artifact in-process would take
``repro`` or ``shrink`` down with it, so ``replay_in_child`` runs it in a
child process and reports how the child ended.
"""
from __future__ import annotations

import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

from fuzzrt.artifacts import Artifact, ArtifactStore, SaveResult
from fuzzrt.artifacts.store import write_artifact
from fuzzrt.generators.case import Generated
from fuzzrt.oracles.nopanic import ProcessFailure, check_process

from .execution import Execution
from .registry import Target
from .supervisor import top_frame_of_dump

#: libFuzzer artifact prefixes -> (failure kind, the "signal" recorded for it)
LIBFUZZER_FILES = {"crash": ("crash", "deadly-signal"), "oom": ("crash", "out-of-memory"),
                   "timeout": ("hang", "")}
#: the stage recorded for a failure inside the fuzzing process itself
IN_PROCESS_STAGE = "runtime:in-process"
_CHILD_TIMEOUT_MARGIN = 10.0
_RSS_LINE = re.compile(r"libFuzzer: out-of-memory")


def in_process_failure(artifact: Artifact) -> bool:
    """Whether ``artifact`` records the fuzzing process itself dying or hanging (replay it in a child)."""
    return artifact.failure is not None and artifact.failure.stage == IN_PROCESS_STAGE


def failure_of(kind: str, signal: str, log_text: str) -> ProcessFailure:
    """A failure of the fuzzing process; a hang keeps no frame, so its signature does not depend on
    where the deadline happened to strike."""
    frame = top_frame_of_dump(log_text) if kind == "crash" else ""
    return ProcessFailure(kind, IN_PROCESS_STAGE, signal, frame, log_text[-8000:])


def adopt(target: Target, libfuzzer_dir: Path, store: ArtifactStore, seen: set[str],
          log_text: str = "") -> list[tuple[str, SaveResult]]:
    """Save an artifact for every libFuzzer crash/timeout/oom file in ``libfuzzer_dir`` not in ``seen``;
    (signature, how it was saved) for each."""
    from .runner import artifact_of

    results = []
    for path in sorted(Path(libfuzzer_dir).iterdir()) if Path(libfuzzer_dir).is_dir() else []:
        prefix = path.name.split("-", 1)[0]
        if prefix not in LIBFUZZER_FILES or path.name in seen or not path.is_file():
            continue
        seen.add(path.name)
        execution = target.prepare(path.read_bytes())
        if execution.case is None:   # the generator gave up on these bytes: nothing to replay
            continue
        execution.failure = failure_of(*LIBFUZZER_FILES[prefix], log_text)
        execution.verdict = check_process(execution.failure)
        artifact = artifact_of(execution)
        results.append((artifact.signature, store.save(artifact)))
    return results


def replay_in_child(artifact: Artifact, case: Generated, deadline: float) -> ProcessFailure | None:
    """Replay ``case`` under ``artifact``'s target and plan in a child process; how it failed, or None."""
    with tempfile.TemporaryDirectory(prefix="fuzzrt-replay-") as tmp:
        copy = Artifact(artifact.target, artifact.finding, case, artifact.plan, artifact.raw_input,
                        versions=artifact.versions, created=artifact.created)
        path = write_artifact(copy, Path(tmp) / "case")
        try:
            proc = subprocess.run([sys.executable, "-m", "fuzzrt.campaign.crashes", str(path), str(deadline)],
                                  capture_output=True, timeout=deadline + _CHILD_TIMEOUT_MARGIN, check=False)
        except subprocess.TimeoutExpired as exc:
            text = (exc.stderr or b"").decode("utf-8", "replace")
            return failure_of("hang", "", text)
    text = proc.stderr.decode("utf-8", "replace")
    if proc.returncode == 0:
        return None
    if _RSS_LINE.search(text):
        return failure_of("crash", "out-of-memory", text)
    return failure_of("crash", "deadly-signal", text)


def failed_execution(artifact: Artifact, case: Generated, failure: ProcessFailure) -> Execution:
    """The execution a child replay that died or hung stands for."""
    execution = Execution(artifact.target, artifact.raw_input, case=case, plan=artifact.plan)
    execution.failure = failure
    execution.verdict = check_process(failure)
    return execution


def _child(argv: list[str]) -> int:
    """Entry of the replay child: run the artifact's case in this process; dying is the answer."""
    import faulthandler

    from .context import TargetContext
    from .registry import get_target

    faulthandler.enable(file=sys.stderr, all_threads=True)
    artifact = Artifact.load(argv[1])
    execution = Execution(artifact.target, artifact.raw_input, case=artifact.case, plan=artifact.plan)
    with TargetContext(isolated=True, deadline=float(argv[2])) as ctx:
        get_target(artifact.target).replay(execution, ctx)
    sys.stderr.flush()
    os._exit(0)


if __name__ == "__main__":
    sys.exit(_child(sys.argv))
