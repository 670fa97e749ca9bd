"""What a target runs cases with: a supervised worker (or in-process engines) and in-process checks.

``isolated=True`` (campaigns, repro, shrink) executes every case in a
``Supervisor`` worker so a crash or hang is a finding, not the end of the
run.  ``isolated=False`` runs both engines in this process: faster to start,
used by tests and by anything that injects its own engine adapters.
"""
from __future__ import annotations

from fuzzrt.engines.base import EngineAdapter
from fuzzrt.engines.driver import panic_of
from fuzzrt.engines.executor import Job, default_engines, execute
from fuzzrt.engines.outcome import PANIC, STATUS_OK, Panic, Status
from fuzzrt.engines.plan import ExecPlan
from fuzzrt.oracles.nopanic import ProcessFailure

from .deadline import DeadlineExceeded, cpu_deadline
from .supervisor import DEFAULT_DEADLINE, Supervisor, WorkerAnswer

_IN_PROCESS_PLAN = ExecPlan()


class TargetContext:
    def __init__(self, isolated: bool = True, deadline: float = DEFAULT_DEADLINE,
                 engines: tuple[EngineAdapter, EngineAdapter] | None = None):
        self.isolated = isolated
        self.deadline = deadline
        self._engines = engines
        self._supervisor: Supervisor | None = None

    @property
    def engines(self) -> tuple[EngineAdapter, EngineAdapter]:
        """(reference, runtime) adapters for in-process work."""
        if self._engines is None:
            self._engines = default_engines()
        return self._engines

    @property
    def worker_restarts(self) -> int:
        return self._supervisor.restarts if self._supervisor is not None else 0

    def run(self, job: Job) -> WorkerAnswer:
        """Both engines' outcomes for ``job`` (or how the worker failed)."""
        if not self.isolated:
            return WorkerAnswer(result=execute(job, self.engines))
        if self._supervisor is None:
            self._supervisor = Supervisor(self.deadline)
        return self._supervisor.run(job)

    def validate(self, adapter: EngineAdapter, wasm: bytes, plan: ExecPlan = _IN_PROCESS_PLAN
                 ) -> tuple[Status, Panic | None, ProcessFailure | None]:
        """``Module.validate`` on one engine, in this process, under a CPU-time deadline.

        Returns the status, plus the panic (an undocumented exception) or the
        hang (deadline exceeded) if that is how it ended.
        """
        try:
            with cpu_deadline(self.deadline):
                adapter.validate(adapter.session(plan), wasm)
            return STATUS_OK, None, None
        except DeadlineExceeded as exc:
            panic = panic_of("validate", exc)
            hang = ProcessFailure("hang", f"{adapter.name}:validate", "", panic.top_frame, panic.traceback)
            return Status(PANIC, "DeadlineExceeded"), None, hang
        except Exception as exc:
            status = adapter.classify(exc)
            if status is not None:
                return status, None, None
            return Status(PANIC, type(exc).__name__, "", str(exc)[:2000]), panic_of("validate", exc), None

    def close(self) -> None:
        if self._supervisor is not None:
            self._supervisor.close()
            self._supervisor = None

    def __enter__(self) -> TargetContext:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

