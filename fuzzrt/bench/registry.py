"""The workloads ``fuzzrt bench`` runs: a registry by name and category.

A workload is an object with a ``name``, a ``category`` and a ``run(ctx)``
returning a ``Result``.  Workload modules register theirs at import time
(``register(...)``); adding a benchmark means adding a module that does so
and naming it in ``WORKLOAD_MODULES``.  Modules load on first use, so
``fuzzrt bench --list`` and argument errors stay fast.  ``--only`` accepts
workload names and category names alike.
"""
from __future__ import annotations

import abc
import importlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Sequence

from .results import Result

#: modules whose import registers workloads, in display order
WORKLOAD_MODULES: tuple[str, ...] = (
    "fuzzrt.bench.programs",
    "fuzzrt.bench.micro",
    "fuzzrt.bench.calls",
    "fuzzrt.bench.throughput",
    "fuzzrt.bench.pooling",
    "fuzzrt.bench.fuzzing",
)


@dataclass
class BenchContext:
    """Options every workload reads, plus where to put scratch files and progress lines."""

    reps: int = 5
    quick: bool = False
    budget_s: float = 6.0              # per measurement phase; see measure.rounds
    pywasm_timeout_s: float = 30.0     # 0 disables the pywasm comparison
    fuzz_seconds: float = 20.0
    scratch: Path = field(default_factory=Path)
    progress: Callable[[str], None] = lambda line: None


class Workload(abc.ABC):
    name: str
    category: str
    description: str

    @abc.abstractmethod
    def run(self, ctx: BenchContext) -> Result:
        """Measure this workload under every engine it applies to."""

    def new_result(self, size: int | None = None) -> Result:
        return Result(self.name, self.category, self.description, size=size)


_WORKLOADS: dict[str, Workload] = {}
_loaded = False


def register(workload: Workload) -> Workload:
    """Add a workload; names must be unique and must not shadow a category."""
    if workload.name in _WORKLOADS:
        raise ValueError(f"duplicate bench workload name {workload.name!r}")
    _WORKLOADS[workload.name] = workload
    return workload


def all_workloads() -> list[Workload]:
    """Every registered workload, modules in ``WORKLOAD_MODULES`` order."""
    global _loaded
    if not _loaded:
        for module in WORKLOAD_MODULES:
            importlib.import_module(module)
        _loaded = True
        names = set(_WORKLOADS)
        clash = names & {w.category for w in _WORKLOADS.values()}
        if clash:
            raise ValueError(f"bench workload names shadow categories: {sorted(clash)}")
    return list(_WORKLOADS.values())


def select(only: Sequence[str] | None) -> list[Workload]:
    """The workloads named (or in the categories named) by ``only``; all of them when empty."""
    workloads = all_workloads()
    if not only:
        return workloads
    known = {w.name for w in workloads} | {w.category for w in workloads}
    unknown = [n for n in only if n not in known]
    if unknown:
        raise ValueError(f"unknown workload or category {', '.join(map(repr, unknown))}; "
                         f"known: {', '.join(sorted(known))}")
    wanted = set(only)
    return [w for w in workloads if w.name in wanted or w.category in wanted]
