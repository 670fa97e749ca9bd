"""The WAT micro-kernels of ``kernels.KERNELS`` as bench workloads (category ``kernel``).

Every kernel in ``KERNELS`` is registered, so adding a kernel there is all it
takes to benchmark it.  The text is assembled once with ``wasm-tools`` and both
engines compile the same binary, so parsing WAT is never part of a compile
time.  Execution is one call of the exported ``run(size) -> i64``.
"""
from __future__ import annotations

from functools import cached_property
from types import ModuleType
from typing import Any

import runtime

from .compiled import CompiledWorkload, Session, scratch_file
from .kernels import KERNELS, Kernel
from .registry import BenchContext, register
from .results import value_output


class KernelSession(Session):
    def __init__(self, api: ModuleType, engine: Any, module: Any, arg: int):
        self.api = api
        self.module = module
        self.arg = arg
        self.store = api.Store(engine)
        self.result: object = None

    def instantiate(self) -> None:
        instance = self.api.Instance(self.store, self.module, [])
        self.fn = instance.exports(self.store)["run"]

    def run(self) -> None:
        self.result = self.fn(self.store, self.arg)

    def output(self) -> str:
        return value_output(self.result)


class KernelWorkload(CompiledWorkload):
    category = "kernel"

    def __init__(self, kernel: Kernel):
        self.kernel = kernel
        self.name = kernel.name
        self.description = kernel.description

    @cached_property
    def binary(self) -> bytes:
        return runtime.wat2wasm(self.kernel.wat)

    def wasm(self, ctx: BenchContext) -> bytes:
        return self.binary

    def size(self, ctx: BenchContext) -> int:
        if ctx.quick and self.kernel.quick_arg is not None:
            return self.kernel.quick_arg
        return self.kernel.arg

    def small_size(self) -> int | None:
        return self.kernel.small_arg

    def session(self, api: ModuleType, engine: Any, module: Any, size: int, ctx: BenchContext) -> Session:
        return KernelSession(api, engine, module, size)

    def pywasm_job(self, size: int, ctx: BenchContext) -> dict[str, Any]:
        path = scratch_file(ctx, f"kernel-{self.kernel.name}.wasm")
        path.write_bytes(self.binary)
        return {"wasm": str(path), "mode": "invoke", "export": "run", "args": [size]}


for _kernel in KERNELS:
    register(KernelWorkload(_kernel))
