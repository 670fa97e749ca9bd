"""Workloads that compile a module, instantiate it and run it: the C programs and the kernels.

Both engines are driven through the same wasmtime-shaped calls (the runtime
mirrors wasmtime-py), in two phases:

1. lifecycle rounds: a fresh ``Engine`` (so no in-memory code reuse, and the
   runtime's on-disk cache off), ``Module`` compiled from the binary (timed),
   then one instantiation (timed as ``first_instantiate``: work an engine
   defers from compilation to first use shows up there) and run; the peak RSS
   delta of the whole sequence is the workload's ``peak_mem``.
2. execution rounds: the module from phase 1, a fresh store and instance each
   round; instantiation and the run are timed separately, and the peak RSS
   delta of instantiate + run is ``run_mem``.

Every run's output (a checksum line or the exported function's result) must be
identical across engines and rounds; otherwise the result is a ``mismatch`` and
its ratios are not trusted.  Workloads with a small size also run under pywasm
(see ``pywasm_peer``) and the JIT engines at that same size.
"""
from __future__ import annotations

import abc
from pathlib import Path
from types import ModuleType
from typing import Any

import wasmtime

import runtime

from .measure import PeakRss, Samples, rounds, timed
from .pywasm_peer import run_pywasm
from .registry import BenchContext, Workload
from .results import MISMATCH, SUBJECT, PywasmComparison, Result

ENGINES: dict[str, ModuleType] = {"fuzzrt": runtime, "wasmtime": wasmtime}

#: execution rounds always take at least this many samples (when --reps allows)
MIN_EXEC_REPS = 3


class Session(abc.ABC):
    """One instance of a workload's module under one engine: instantiate, run once, report."""

    @abc.abstractmethod
    def instantiate(self) -> None:
        """Create the instance and look up what ``run`` calls (timed as instantiation)."""

    @abc.abstractmethod
    def run(self) -> None:
        """Execute the workload once (timed as execution)."""

    @abc.abstractmethod
    def output(self) -> str:
        """What the run produced, comparable across engines (a checksum line, a result)."""

    def close(self) -> None:
        """Release what the session holds outside Python objects (files)."""


class CompiledWorkload(Workload):
    category = "program"

    @abc.abstractmethod
    def wasm(self, ctx: BenchContext) -> bytes:
        """The module binary both engines compile."""

    @abc.abstractmethod
    def size(self, ctx: BenchContext) -> int:
        """The problem size for this run (``--quick`` picks a tiny one)."""

    @abc.abstractmethod
    def session(self, api: ModuleType, engine: Any, module: Any, size: int, ctx: BenchContext) -> Session:
        """A not-yet-instantiated session of ``module`` at ``size``."""

    def small_size(self) -> int | None:
        """The size pywasm runs (None: too big for an interpreter at any size that means something)."""
        return None

    @abc.abstractmethod
    def pywasm_job(self, size: int, ctx: BenchContext) -> dict[str, Any]:
        """The job description ``pywasm_worker`` runs (see there)."""

    # -- measurement ------------------------------------------------------------------
    def _once(self, api: ModuleType, engine: Any, module: Any, size: int,
              ctx: BenchContext) -> tuple[float, float, str]:
        session = self.session(api, engine, module, size, ctx)
        try:
            inst_s, _ = timed(session.instantiate)
            exec_s, _ = timed(session.run)
            return inst_s, exec_s, session.output()
        finally:
            session.close()

    def run(self, ctx: BenchContext) -> Result:
        size = self.size(ctx)
        result = self.new_result(size)
        wasm = self.wasm(ctx)
        compile_s, peak_mem, first_inst = Samples(), Samples(), Samples()
        inst_s, exec_s, run_mem = Samples(), Samples(), Samples()
        outputs: dict[str, set[str]] = {name: set() for name in ENGINES}
        compiled: dict[str, tuple[Any, Any]] = {}

        for order in rounds(list(ENGINES), ctx.reps, ctx.budget_s):
            for name in order:
                api = ENGINES[name]
                with PeakRss() as mem:
                    engine = api.Engine()
                    secs, module = timed(lambda: api.Module(engine, wasm))
                    i_s, _, out = self._once(api, engine, module, size, ctx)
                compile_s.add(name, secs)
                first_inst.add(name, i_s)
                peak_mem.add(name, mem.delta)
                outputs[name].add(out)
                compiled[name] = (engine, module)

        for order in rounds(list(ENGINES), ctx.reps, ctx.budget_s, min(MIN_EXEC_REPS, ctx.reps)):
            for name in order:
                with PeakRss() as mem:
                    i_s, e_s, out = self._once(ENGINES[name], *compiled[name], size, ctx)
                inst_s.add(name, i_s)
                exec_s.add(name, e_s)
                run_mem.add(name, mem.delta)
                outputs[name].add(out)

        for key, samples, unit in (("exec", exec_s, "s"), ("compile", compile_s, "s"),
                                   ("instantiate", inst_s, "s"), ("first_instantiate", first_inst, "s"),
                                   ("peak_mem", peak_mem, "bytes"),
                                   ("run_mem", run_mem, "bytes")):
            metric = result.metric(key, unit)
            metric.samples = samples.values
            metric.values = samples.medians()
        throughput_mb_s(result, len(wasm))
        result.outputs = {name: " | ".join(sorted(outs)) for name, outs in outputs.items()}
        if len(set().union(*outputs.values())) != 1:
            result.status = MISMATCH
            result.notes.append("engines (or repetitions) disagree on the output: timings not comparable")

        small = self.small_size()
        if small is not None and ctx.pywasm_timeout_s > 0:
            result.pywasm = self._compare_pywasm(small, compiled, ctx)
        return result

    def _compare_pywasm(self, size: int, compiled: dict[str, tuple[Any, Any]],
                        ctx: BenchContext) -> PywasmComparison:
        ctx.progress(f"  pywasm at size {size} (timeout {ctx.pywasm_timeout_s:g} s)")
        run = run_pywasm(self.pywasm_job(size, ctx), ctx.pywasm_timeout_s)
        exec_s = Samples()
        outputs: dict[str, str] = {}
        for order in rounds(list(ENGINES), ctx.reps, ctx.budget_s, min(MIN_EXEC_REPS, ctx.reps)):
            for name in order:
                _, e_s, outputs[name] = self._once(ENGINES[name], *compiled[name], size, ctx)
                exec_s.add(name, e_s)
        agrees = run.output == outputs[SUBJECT] if run.output is not None else None
        return PywasmComparison(size=size, seconds=run.seconds, engine_seconds=exec_s.medians(),
                                timed_out=run.timed_out, timeout_s=ctx.pywasm_timeout_s, agrees=agrees,
                                error=run.error)


def throughput_mb_s(result: Result, wasm_bytes: int) -> None:
    """Add ``compile_throughput`` (MB of wasm per second) derived from the ``compile`` metric."""
    seconds = result.metrics["compile"]
    metric = result.metric("compile_throughput", "MB/s", higher_is_better=True)
    metric.samples = {name: [wasm_bytes / 1e6 / s for s in samples if s > 0]
                      for name, samples in seconds.samples.items()}
    metric.values = {name: wasm_bytes / 1e6 / s for name, s in seconds.values.items() if s > 0}


def scratch_file(ctx: BenchContext, name: str) -> Path:
    """A path under the run's scratch directory (created on demand)."""
    ctx.scratch.mkdir(parents=True, exist_ok=True)
    return ctx.scratch / name
