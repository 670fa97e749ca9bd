"""The no-panic oracle: the runtime may refuse (``WasmError``) or trap (``Trap``), nothing else.

Three ways to fail it, each a finding:
* an undocumented exception escaped the runtime's API (a ``Panic`` in an
  outcome, or raised in-process by ``Module.validate``); signature detail:
  exception type, stage and the innermost runtime frame;
* the worker process died (a signal: JIT code fault, LLVM abort...); detail:
  the signal and the stage the worker had reached;
* an input ran past its deadline (a hang); detail: the stage.
"""
from __future__ import annotations

from dataclasses import dataclass

from fuzzrt.engines.outcome import Panic

from .verdict import Finding, Verdict

ORACLE = "no-panic"


@dataclass(frozen=True, slots=True)
class ProcessFailure:
    """A supervised worker that died or hung on an input."""

    kind: str            # "crash" or "hang"
    stage: str           # the last stage the worker reported, e.g. "runtime:call 3 f"
    signal: str          # e.g. "SIGSEGV", "exit 1", or "" for a hang
    top_frame: str       # innermost runtime frame of the Python traceback dump, if any
    stderr: str          # tail of the worker's stderr

    def to_json(self) -> dict[str, str]:
        return {"kind": self.kind, "stage": self.stage, "signal": self.signal, "top_frame": self.top_frame,
                "stderr": self.stderr}

    @classmethod
    def from_json(cls, data: dict[str, str]) -> ProcessFailure:
        return cls(str(data["kind"]), str(data.get("stage", "")), str(data.get("signal", "")),
                   str(data.get("top_frame", "")), str(data.get("stderr", "")))


def stage_class(stage: str) -> str:
    """A stage without its per-case parts: "runtime:call 3 f" -> "runtime:call"."""
    engine, _, rest = stage.partition(":")
    word = rest.split(" ", 1)[0] if rest else ""
    return f"{engine}:{word}" if word else engine


def check_panic(panic: Panic | None) -> Verdict:
    if panic is None:
        return Verdict()
    where = panic.top_frame or "outside-runtime"
    stage = panic.stage.split(" ", 1)[0]
    return Verdict([Finding(ORACLE, "panic", f"{panic.exc_type}@{stage}@{where}",
                            f"{panic.exc_type} escaped the runtime during {panic.stage}: {panic.message}")])


def check_process(failure: ProcessFailure | None) -> Verdict:
    if failure is None:
        return Verdict()
    stage = stage_class(failure.stage)
    if failure.kind == "hang":
        detail = f"{stage}@{failure.top_frame}" if failure.top_frame else stage
        return Verdict([Finding(ORACLE, "hang", detail, f"no answer within the deadline (at {failure.stage})")])
    detail = f"{failure.signal}@{stage}"
    return Verdict([Finding(ORACLE, "crash", detail,
                            f"the worker process died ({failure.signal}) at {failure.stage}")])
