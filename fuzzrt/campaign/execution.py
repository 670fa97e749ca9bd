"""One execution of a target on one input: the case, what both engines did, and the verdict."""
from __future__ import annotations

from dataclasses import dataclass, field

from fuzzrt.engines.outcome import Outcome, Panic
from fuzzrt.engines.plan import ExecPlan
from fuzzrt.generators.case import Generated
from fuzzrt.oracles import Finding, Verdict, primary
from fuzzrt.oracles.nopanic import ProcessFailure

FINDING = "finding"
INCONCLUSIVE = "inconclusive"
CONCLUSIVE = "conclusive"


@dataclass(slots=True)
class Execution:
    target: str
    raw_input: bytes
    case: Generated | None = None          # None: the generator could not make a case
    plan: ExecPlan = field(default_factory=ExecPlan)
    args_seed: bytes = b""
    reference: Outcome | None = None
    runtime: Outcome | None = None
    failure: ProcessFailure | None = None  # the worker crashed or hung
    panic: Panic | None = None             # an in-process runtime call raised an undocumented exception
    verdict: Verdict = field(default_factory=Verdict)
    generate_seconds: float = 0.0          # time the generator took (in this process)

    @property
    def status(self) -> str:
        if self.verdict.findings:
            return FINDING
        return INCONCLUSIVE if self.verdict.inconclusive else CONCLUSIVE

    @property
    def finding(self) -> Finding | None:
        return primary(self.verdict.findings) if self.verdict.findings else None

    @property
    def signature(self) -> str | None:
        found = self.finding
        return None if found is None else found.signature(self.target)
