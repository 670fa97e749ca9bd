"""Module compile throughput (category ``throughput``): MB/s of wasm, cold and warm.

The module is ``bigmodule.generate_wat(functions)``.  Both engines compile it
with their on-disk code cache pointed at a fresh, empty directory (cold: a full
compile, plus writing the cache entry), then again with a new Engine on the
same directory (warm: a cache hit).  For the runtime the cache is
``Config.cache = DIR``; for wasmtime a cache configuration file naming DIR.
Every compiled module -- cold or warm, either engine -- must compute the same
results for a handful of inputs, so a cache that returns the wrong code cannot
look fast.
"""
from __future__ import annotations

import shutil
import tempfile
from pathlib import Path
from types import ModuleType
from typing import Any

import runtime

from .bigmodule import generate_wat
from .compiled import ENGINES, throughput_mb_s
from .measure import Samples, rounds, timed
from .registry import BenchContext, Workload, register
from .results import MISMATCH, Result, value_output

_INPUTS = (0, 1, 3, 7, 30)


def _engine(api: ModuleType, cache_dir: Path) -> Any:
    config = api.Config()
    if api is runtime:
        config.cache = str(cache_dir)
    else:
        toml = cache_dir / "wasmtime-cache.toml"
        if not toml.exists():
            toml.write_text(f'[cache]\ndirectory = "{cache_dir / "wasmtime"}"\n')
        config.cache = str(toml)
    return api.Engine(config)


def _outputs(api: ModuleType, engine: Any, module: Any) -> str:
    store = api.Store(engine)
    run = api.Instance(store, module, []).exports(store)["run"]
    return value_output([run(store, x) for x in _INPUTS])


class CompileThroughput(Workload):
    name = "compile_throughput"
    category = "throughput"
    description = "compile a large generated module: MB/s cold, and a warm on-disk cache hit"

    def __init__(self, functions: int = 256, quick_functions: int = 8):
        self.functions = functions
        self.quick_functions = quick_functions

    def run(self, ctx: BenchContext) -> Result:
        functions = self.quick_functions if ctx.quick else self.functions
        wasm = runtime.wat2wasm(generate_wat(functions))
        result = self.new_result(functions)
        result.extra = {"module_bytes": len(wasm), "functions": functions}
        cold, warm = Samples(), Samples()
        outputs: dict[str, set[str]] = {name: set() for name in ENGINES}
        for order in rounds(list(ENGINES), ctx.reps, ctx.budget_s):
            for name in order:
                api = ENGINES[name]
                cache_dir = Path(tempfile.mkdtemp(prefix=f"bench-cache-{name}-", dir=ctx.scratch))
                try:
                    engine = _engine(api, cache_dir)
                    secs, module = timed(lambda: api.Module(engine, wasm))
                    cold.add(name, secs)
                    outputs[name].add(_outputs(api, engine, module))
                    for _ in range(3):   # warm hits are cheap: take a few per cold compile
                        engine = _engine(api, cache_dir)
                        secs, module = timed(lambda: api.Module(engine, wasm))
                        warm.add(name, secs)
                    outputs[name].add(_outputs(api, engine, module))
                finally:
                    shutil.rmtree(cache_dir, ignore_errors=True)
        for key, samples in (("compile", cold), ("warm_compile", warm)):
            metric = result.metric(key, "s")
            metric.samples = samples.values
            metric.values = samples.medians()
        cold_s, warm_s = result.metrics["compile"].values, result.metrics["warm_compile"].values
        throughput_mb_s(result, len(wasm))
        result.extra["warm_over_cold"] = {name: warm_s[name] / cold_s[name]
                                          for name in cold_s if name in warm_s and cold_s[name] > 0}
        result.outputs = {name: " | ".join(sorted(outs)) for name, outs in outputs.items()}
        if len(set().union(*outputs.values())) != 1:
            result.status = MISMATCH
            result.notes.append("cold and warm compiles, or the engines, compute different results")
        return result


register(CompileThroughput())
