"""The shared base of operation-sequence targets: random API call sequences judged step by step by a model.

Why a separate base: the module-centred targets compare two engines' outcomes
for one binary; the API targets (resource-table, poll, wasi-syscalls,
allocator, api-calls) instead drive a stateful host API through a list of
operations, and a *model* predicts the exact outcome of each one (a value, or
a typed error).  Everything but the operations and the model is the same for
all of them, and lives here:

* ``generate``: fuzzer bytes -> ``Unstructured`` -> ``generate_ops`` -> a case
  ``Generated(wasm, "ops", {"ops": [...], ...knobs})``.  The op list is plain
  JSON stored in the case, so ``repro`` and ``shrink`` replay the *stored*
  operations, never regenerate them.  ``wasm`` is empty unless the target
  derives a module from its ops (``module_of``).
* ``replay``: runs the ops in this process (libFuzzer sees the runtime's
  coverage) under a CPU-time deadline.  A ``SequenceSession`` executes each op
  on the runtime and returns ``Check``s (model's expectation vs. what
  happened); the first divergence becomes a finding and ends the run (later
  steps would only repeat it).  An exception escaping a step is a panic
  finding (the session catches the runtime's documented errors itself, because
  the model says which one is due); exceeding the deadline is a hang finding.
* ``with_ops``: the same case with another op list, which is what
  ``fuzzrt shrink`` delta-debugs (see ``fuzzrt.campaign.shrink``).

A hard crash of the runtime (a signal in JIT code) kills the fuzzing process;
libFuzzer then saves the raw input as ``crash-*``, the campaign restarts the
job (``fuzzrt.campaign.manager``) and adopts the file as an artifact, with the
op list regenerated from it (generation is deterministic); ``repro`` replays
such an artifact in a child process (``fuzzrt.campaign.crashes``).

Finding details are ``<op>:<expected kind>-><actual kind>`` (or
``<op>:<kind>:value`` when only the value differs): op names and error
classes, never handles or addresses, so every hit of one bug dedups.
"""
from __future__ import annotations

import abc
import time
from dataclasses import dataclass
from typing import Any

from hypothesis import strategies as st
from hypothesis.strategies import SearchStrategy

from fuzzrt.engines.driver import panic_of
from fuzzrt.engines.plan import ExecPlan
from fuzzrt.generators.case import Generated
from fuzzrt.generators.unstructured import Unstructured
from fuzzrt.oracles import nopanic
from fuzzrt.oracles.nopanic import ProcessFailure
from fuzzrt.oracles.verdict import Finding, Verdict

from ..context import TargetContext
from ..deadline import DeadlineExceeded, cpu_deadline
from ..execution import Execution
from ..registry import Target

#: the generator name of every op-sequence case
GENERATOR = "ops"
#: the oracle name of model divergences
ORACLE = "model"

Op = dict[str, Any]


@dataclass(frozen=True, slots=True)
class Result:
    """What one step did, or what the model says it must do.

    ``kind`` is ``"ok"``, an error class name (``"NotPresent"``), ``"errno:BADF"``,
    ``"trap"``...: it goes into the finding's signature.  ``value`` is compared
    exactly but kept out of the signature (reps, byte counts, ready indices).
    """

    kind: str
    value: Any = None

    def __str__(self) -> str:
        return self.kind if self.value is None else f"{self.kind} {self.value!r}"


OK = Result("ok")


@dataclass(frozen=True, slots=True)
class Check:
    """One comparison of a step: ``what`` (usually the op name) expected vs. actual."""

    what: str
    expected: Result
    actual: Result

    @property
    def passed(self) -> bool:
        return self.expected == self.actual

    def finding(self, index: int) -> Finding:
        if self.expected.kind != self.actual.kind:
            detail = f"{self.what}:{self.expected.kind}->{self.actual.kind}"
        else:
            detail = f"{self.what}:{self.expected.kind}:value"
        return Finding(ORACLE, "mismatch", detail,
                       f"op {index} ({self.what}): the model expects {self.expected}, the runtime gave "
                       f"{self.actual}", index)


class SequenceSession(abc.ABC):
    """One replay of a case: the runtime objects under test plus the model's state."""

    @abc.abstractmethod
    def step(self, op: Op) -> list[Check]:
        """Run one op on the runtime; the checks of its outcome (and of any state it touched)."""

    def finish(self) -> list[Check]:
        """Checks after the last op (e.g. that nothing outside a sandbox changed)."""
        return []

    def close(self) -> None:
        """Release what the session holds (files, directories); must not raise."""


class SequenceTarget(Target):
    """A target whose cases are op lists replayed in this process against a model."""

    #: upper bound on the ops one input generates
    max_ops = 48

    @abc.abstractmethod
    def generate_ops(self, u: Unstructured) -> tuple[list[Op], dict[str, Any]]:
        """(ops, knobs) from fuzzer choices; knobs (JSON) are whatever the session needs besides the ops."""

    @abc.abstractmethod
    def open(self, case: Generated) -> SequenceSession:
        """A fresh session for ``case`` (its ``config`` holds the ops and knobs)."""

    def module_of(self, config: dict[str, Any]) -> bytes:
        """The module a case's ops run in, if the target derives one (default: none)."""
        return b""

    # -- cases ------------------------------------------------------------------------
    def case_of(self, ops: list[Op], knobs: dict[str, Any]) -> Generated:
        config = dict(knobs, ops=ops)
        return Generated(self.module_of(config), GENERATOR, config)

    def with_ops(self, case: Generated, ops: list[Op]) -> Generated:
        """``case`` with another op list (and the module rebuilt for it): what shrinking tries."""
        knobs = {k: v for k, v in case.config.items() if k != "ops"}
        return self.case_of(ops, knobs)

    def generate(self, data: bytes) -> tuple[Generated, ExecPlan, bytes]:
        ops, knobs = self.generate_ops(Unstructured(data))
        return self.case_of(ops, knobs), ExecPlan(), b""

    def hypothesis_cases(self) -> SearchStrategy[tuple[Generated, ExecPlan]]:
        """Random bytes through ``generate``: the op generator already covers the space."""
        return st.binary(max_size=2048).map(lambda data: self.generate(data)[:2])

    # -- replay -----------------------------------------------------------------------
    def replay(self, execution: Execution, ctx: TargetContext) -> None:
        case = execution.case
        assert case is not None
        ops: list[Op] = list(case.config.get("ops") or [])
        session: SequenceSession | None = None
        index, name = -1, "open"
        started = time.monotonic()
        try:
            with cpu_deadline(ctx.deadline):
                session = self.open(case)
                for index, op in enumerate(ops):
                    name = str(op.get("op", "?"))
                    if self._judge(execution, session.step(op), index):
                        return
                    if time.monotonic() - started > ctx.deadline:
                        raise DeadlineExceeded(f"op {index} ({name}) ran past the {ctx.deadline}s deadline")
                index, name = len(ops), "finish"
                self._judge(execution, session.finish(), index)
        except DeadlineExceeded as exc:
            panic = panic_of(f"{name} #{index}", exc)
            execution.failure = ProcessFailure("hang", f"runtime:{name}", "", panic.top_frame, panic.traceback)
            execution.verdict = nopanic.check_process(execution.failure)
        except Exception as exc:
            execution.panic = panic_of(f"{name} #{index}", exc)
            execution.verdict = nopanic.check_panic(execution.panic)
        finally:
            if session is not None:
                session.close()

    @staticmethod
    def _judge(execution: Execution, checks: list[Check], index: int) -> bool:
        """Record the first failed check as the verdict; True if there was one."""
        for check in checks:
            if not check.passed:
                execution.verdict = Verdict([check.finding(index)])
                return True
        return False
