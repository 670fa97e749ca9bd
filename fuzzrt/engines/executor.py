"""Run one case on both engines: the reference first, then the runtime, same calls, same plan.

The reference runs first so that, when a case leaves its calls to the harness,
the exports wasmtime sees decide them (a runtime that misreads a signature
must not also choose the calls that would expose it); the runtime then runs
exactly those calls.  If wasmtime rejects the module the runtime resolves the
calls itself from the same argument bytes.
"""
from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from fuzzrt.generators.args import calls_for
from fuzzrt.generators.case import Call
from fuzzrt.generators.unstructured import Unstructured

from .base import EngineAdapter
from .driver import CallResolver, Progress, run_case
from .outcome import Outcome
from .plan import ExecPlan


@dataclass(slots=True)
class Job:
    """One case to execute: module, calls (None: harness's choice from ``args_seed``), plan."""

    wasm: bytes
    calls: list[Call] | None
    plan: ExecPlan = field(default_factory=ExecPlan)
    args_seed: bytes = b""


@dataclass(slots=True)
class PairResult:
    reference: Outcome
    runtime: Outcome

    @property
    def calls(self) -> list[Call]:
        """The concrete calls the case was run with (as recorded in the outcomes)."""
        source = self.reference if self.reference.calls else self.runtime
        return [Call(c.export, list(c.args)) for c in source.calls]


def resolver(seed: bytes) -> CallResolver:
    """Calls of every exported function, arguments drawn from ``seed`` (deterministic)."""

    def resolve(funcs: list[tuple[str, Sequence[int]]]) -> list[Call]:
        return calls_for(Unstructured(seed), funcs)

    return resolve


_DEFAULT: list[tuple[EngineAdapter, EngineAdapter]] = []


def default_engines() -> tuple[EngineAdapter, EngineAdapter]:
    """(reference, runtime) adapters, created once per process (they cache configured engines)."""
    if not _DEFAULT:
        from .runtime_adapter import RuntimeEngine
        from .wasmtime_adapter import WasmtimeEngine
        _DEFAULT.append((WasmtimeEngine(), RuntimeEngine()))
    return _DEFAULT[0]


def execute(job: Job, engines: tuple[EngineAdapter, EngineAdapter] | None = None,
            progress: Progress | None = None,
            on_reference: Callable[[Outcome], None] | None = None) -> PairResult:
    """Both outcomes of ``job``; ``on_reference`` sees wasmtime's before the runtime starts."""
    reference, candidate = engines or default_engines()
    resolve = resolver(job.args_seed)
    mark = progress or (lambda stage: None)
    ref = run_case(reference, job.wasm, job.calls, job.plan, resolve,
                   lambda stage: mark(f"{reference.name}:{stage}"))
    if on_reference is not None:
        on_reference(ref)
    calls = job.calls
    if calls is None and ref.compile.ok:
        calls = [Call(c.export, list(c.args)) for c in ref.calls]
    rt = run_case(candidate, job.wasm, calls, job.plan, resolve,
                  lambda stage: mark(f"{candidate.name}:{stage}"))
    return PairResult(ref, rt)
