"""Boundary-crossing costs (category ``call``): Python -> wasm and wasm -> host, per call.

``py_to_wasm``: a Python loop calling an exported identity function, the cost
every embedder and the fuzzing harness pay per call.  ``wasm_to_host``: a wasm
loop calling an imported Python function that does nothing, the cost WASI and
any host API pay per call.  Both report median microseconds per call (the loop
overhead is included, and is the same few nanoseconds for both engines).
Before timing, each engine must return the argument unchanged and make exactly
as many host calls as asked, so an engine that skips work cannot look fast.
"""
from __future__ import annotations

import abc
import time
from types import ModuleType
from typing import Any, Callable

from .compiled import ENGINES
from .kernels import CALL_WAT
from .measure import Samples, rounds
from .registry import BenchContext, Workload, register
from .results import MISMATCH, Result

HOST_LOOP_WAT = """
(module
  (import "env" "noop" (func $noop (param i32)))
  (func (export "run") (param $n i32) (result i32)
    (local $i i32)
    (block $done
      (loop $top
        (br_if $done (i32.ge_u (local.get $i) (local.get $n)))
        (call $noop (local.get $i))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $top)))
    (local.get $i)))
"""


def _host_instance(api: ModuleType, engine: Any, module: Any, fn: Callable[[int], None]) -> tuple[Any, Any]:
    store = api.Store(engine)
    i32 = api.ValType.i32()
    host = api.Func(store, api.FuncType([i32], []), fn)
    run = api.Instance(store, module, [host]).exports(store)["run"]
    return store, run


class CallWorkload(Workload):
    category = "call"
    wat: str

    def __init__(self, name: str, description: str, calls: int, quick_calls: int):
        self.name = name
        self.description = description
        self.calls = calls
        self.quick_calls = quick_calls

    @abc.abstractmethod
    def prepare(self, api: ModuleType, calls: int) -> tuple[Callable[[], object], str]:
        """(a function making ``calls`` calls, a check string that must match across engines)."""

    def run(self, ctx: BenchContext) -> Result:
        calls = self.quick_calls if ctx.quick else self.calls
        result = self.new_result(calls)
        prepared = {name: self.prepare(api, calls) for name, api in ENGINES.items()}
        samples = Samples()
        for order in rounds(list(ENGINES), ctx.reps, ctx.budget_s, min(3, ctx.reps)):
            for name in order:
                loop = prepared[name][0]
                t0 = time.perf_counter()
                loop()
                samples.add(name, (time.perf_counter() - t0) / calls * 1e6)
        metric = result.metric("call", "us")
        metric.samples = samples.values
        metric.values = samples.medians()
        result.outputs = {name: check for name, (_, check) in prepared.items()}
        if len(set(result.outputs.values())) != 1:
            result.status = MISMATCH
        return result


class PyToWasm(CallWorkload):
    wat = CALL_WAT

    def prepare(self, api: ModuleType, calls: int) -> tuple[Callable[[], object], str]:
        engine = api.Engine()
        store = api.Store(engine)
        fn = api.Instance(store, api.Module(engine, self.wat), []).exports(store)["id"]
        check = f"id(12345)={fn(store, 12345)}"

        def loop() -> None:
            for i in range(calls):
                fn(store, i)
        return loop, check


class WasmToHost(CallWorkload):
    wat = HOST_LOOP_WAT

    def prepare(self, api: ModuleType, calls: int) -> tuple[Callable[[], object], str]:
        engine = api.Engine()
        module = api.Module(engine, self.wat)
        counted = [0]

        def count(_: int) -> None:
            counted[0] += 1
        store, run = _host_instance(api, engine, module, count)
        returned = run(store, calls)
        check = f"loop returned {returned}, host saw {counted[0]} calls"
        store, run = _host_instance(api, engine, module, lambda _: None)
        return (lambda: run(store, calls)), check


register(PyToWasm("py_to_wasm", "Python -> wasm call of an exported i32 identity function", 20_000, 2_000))
register(WasmToHost("wasm_to_host", "wasm loop calling an imported no-op Python function", 200_000, 2_000))
