"""The fuzz targets: what each one generates and which oracles judge it.

A target turns fuzzer bytes into a case (``generate``) and runs the case
through its oracles (``replay``).  Keeping the two apart is what makes
artifacts replayable: ``repro`` and ``shrink`` call ``replay`` on the stored
case, never regenerate it.  Adding a target means adding a module that
defines ``TARGET`` and naming it in ``TARGET_MODULES`` (plus a thin Atheris
script under ``targets/``); modules are imported on first use so
``fuzzrt targets`` stays fast.
"""
from __future__ import annotations

import abc
import importlib
import time
from pathlib import Path

from hypothesis import strategies as st
from hypothesis.strategies import SearchStrategy

from fuzzrt.engines.executor import Job
from fuzzrt.engines.plan import ExecPlan
from fuzzrt.generators.case import Generated
from fuzzrt.generators.smith import GeneratorError
from fuzzrt.oracles import verdict as V

from .context import TargetContext
from .execution import Execution
from .supervisor import WorkerAnswer

TARGET_MODULES: tuple[str, ...] = (
    "fuzzrt.campaign.targets.differential",
    "fuzzrt.campaign.targets.validate",
    "fuzzrt.campaign.targets.instantiate",
    "fuzzrt.campaign.targets.resource_table",
    "fuzzrt.campaign.targets.poll",
    "fuzzrt.campaign.targets.wasi_syscalls",
    "fuzzrt.campaign.targets.allocator",
    "fuzzrt.campaign.targets.api_calls",
)

#: the Atheris entry scripts, one per target (``targets/<name>.py``)
SCRIPTS_DIR = Path(__file__).resolve().parents[2] / "targets"


class Target(abc.ABC):
    name: str
    description: str

    @abc.abstractmethod
    def generate(self, data: bytes) -> tuple[Generated, ExecPlan, bytes]:
        """(case, plan, argument bytes) for one fuzzer input; ``GeneratorError`` to skip it."""

    @abc.abstractmethod
    def replay(self, execution: Execution, ctx: TargetContext) -> None:
        """Run ``execution.case`` under ``execution.plan``; fill in outcomes and the verdict."""

    def start(self, execution: Execution, ctx: TargetContext) -> Job | None:
        """The part of ``replay`` that must run in this process; returns the job left for a worker.

        By default everything happens here and there is no job.  ``WorkerTarget``
        returns its job, so a campaign can run several in parallel and hand
        each answer back to ``WorkerTarget.finish``.
        """
        self.replay(execution, ctx)
        return None

    def prepare(self, data: bytes) -> Execution:
        """An execution holding the case ``data`` generates (without one if the generator gave up)."""
        execution = Execution(self.name, bytes(data))
        start = time.perf_counter()
        try:
            execution.case, execution.plan, execution.args_seed = self.generate(execution.raw_input)
        except GeneratorError:
            execution.verdict = V.Verdict(inconclusive=V.GENERATOR)
        finally:
            execution.generate_seconds = time.perf_counter() - start
        return execution

    def execute(self, data: bytes, ctx: TargetContext) -> Execution:
        """Generate from ``data`` and replay, all before returning."""
        execution = self.prepare(data)
        if execution.case is not None:
            self.replay(execution, ctx)
        return execution

    def hypothesis_cases(self) -> SearchStrategy[tuple[Generated, ExecPlan]]:
        """Cases for ``--engine hypothesis``: Python-built valid modules with their calls, any plan."""
        from fuzzrt.engines.plan import FEATURES
        from fuzzrt.generators.strategies import modules

        from .hypothesis_main import plans
        return st.tuples(modules(FEATURES), plans())

    def script(self) -> Path:
        """The Atheris entry point for this target."""
        return SCRIPTS_DIR / f"{self.name.replace('-', '_')}.py"


class WorkerTarget(Target):
    """A target whose cases run on both engines in a supervised worker."""

    @abc.abstractmethod
    def start(self, execution: Execution, ctx: TargetContext) -> Job | None:
        """In-process checks, then the job for a worker (None if the checks already decided)."""

    @abc.abstractmethod
    def finish(self, execution: Execution, answer: WorkerAnswer, ctx: TargetContext) -> None:
        """Judge the worker's answer to the job ``start`` returned."""

    def replay(self, execution: Execution, ctx: TargetContext) -> None:
        job = self.start(execution, ctx)
        if job is not None:
            self.finish(execution, ctx.run(job), ctx)


_LOADED: dict[str, Target] = {}


def all_targets() -> dict[str, Target]:
    """Every registered target by name, in registration order."""
    if not _LOADED:
        for module_name in TARGET_MODULES:
            target = importlib.import_module(module_name).TARGET
            _LOADED[target.name] = target
    return dict(_LOADED)


def get_target(name: str) -> Target:
    targets = all_targets()
    try:
        return targets[name]
    except KeyError:
        raise KeyError(f"unknown target {name!r}; known targets: {', '.join(targets)}") from None
