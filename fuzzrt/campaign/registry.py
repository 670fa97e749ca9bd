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

from fuzzrt.engines.plan import ExecPlan
from fuzzrt.generators.case import Generated
from fuzzrt.generators.smith import GeneratorError
from fuzzrt.oracles import verdict as V

from .context import TargetContext
from .execution import Execution

TARGET_MODULES: tuple[str, ...] = (
    "fuzzrt.campaign.targets.differential",
    "fuzzrt.campaign.targets.validate",
    "fuzzrt.campaign.targets.instantiate",
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

    def execute(self, data: bytes, ctx: TargetContext) -> Execution:
        execution = Execution(self.name, bytes(data))
        start = time.perf_counter()
        try:
            execution.case, execution.plan, execution.args_seed = self.generate(execution.raw_input)
        except GeneratorError:
            execution.verdict = V.Verdict(inconclusive=V.GENERATOR)
            return execution
        finally:
            execution.generate_seconds = time.perf_counter() - start
        self.replay(execution, ctx)
        return execution

    def hypothesis_cases(self) -> SearchStrategy[tuple[Generated, ExecPlan]]:
        """Cases for ``--engine hypothesis``: Python-built valid modules with their calls, any plan."""
        from fuzzrt.generators.strategies import modules

        from .hypothesis_main import plans
        return st.tuples(modules(), plans())

    def script(self) -> Path:
        """The Atheris entry point for this target."""
        return SCRIPTS_DIR / f"{self.name.replace('-', '_')}.py"


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
