"""The engine under test: fuzzrt's runtime, through its public wasmtime-shaped API.

Calls go through ``Func.call_vals`` and globals through ``Global.value_val``,
which carry exact bits (the runtime never turns an f32 into a Python float on
that path).  Engines are cached per (opt level, SIMD) so their compiled-code
caches serve repeated modules (shims, corpus replays); every case gets a fresh
Store.  Fuel is always on: a case may not terminate.
"""
from __future__ import annotations

import ctypes
from typing import Any

import runtime as rt
from runtime.syntax.types import EXTERNREF, F32, F64, FUNCREF, I32, I64, V128, FuncSig

from .base import FUNC, GLOBAL, MEMORY, TABLE, EngineAdapter, ExternDesc
from .outcome import EXHAUSTED, REJECTED, RESOURCE, STACK_OVERFLOW, TRAP, Status
from .plan import ExecPlan
from .valtypes import code_of, sig_of

_EMPTY = memoryview(b"")
_VALTYPES = {I32: rt.ValType.i32(), I64: rt.ValType.i64(), F32: rt.ValType.f32(), F64: rt.ValType.f64(),
             FUNCREF: rt.ValType.funcref(), EXTERNREF: rt.ValType.externref()}


def _val(t: int, bits: int) -> rt.Val:
    if t == I32:
        return rt.Val.i32(bits)
    if t == I64:
        return rt.Val.i64(bits)
    if t == F32:
        return rt.Val.f32_bits(bits)
    if t == F64:
        return rt.Val.f64_bits(bits)
    if t == V128:
        return rt.Val.v128(bits)
    if t == FUNCREF:
        return rt.Val.funcref(None)
    if t == EXTERNREF:
        return rt.Val.externref(None)
    raise ValueError(f"unsupported argument type 0x{t:02x}")


def _bits(v: rt.Val) -> int:
    if v.type.is_ref:
        return 0 if v.value is None else 1
    return v.bits


def describe(ext: Any) -> dict[str, Any]:
    """Fields of an ``ExternDesc`` for one runtime extern type."""
    if isinstance(ext, rt.FuncType):
        return {"kind": FUNC, "sig": sig_of(ext)}
    if isinstance(ext, rt.GlobalType):
        return {"kind": GLOBAL, "valtype": code_of(ext.content), "mutable": ext.mutable}
    if isinstance(ext, rt.MemoryType):
        return {"kind": MEMORY, "minimum": ext.limits.min, "maximum": ext.limits.max}
    return {"kind": TABLE, "valtype": code_of(ext.element), "minimum": ext.limits.min,
            "maximum": ext.limits.max}


class RuntimeEngine(EngineAdapter):
    name = "runtime"

    def __init__(self) -> None:
        self._engines: dict[tuple[int, bool], rt.Engine] = {}

    def _engine(self, plan: ExecPlan) -> rt.Engine:
        key = (plan.runtime_opt_level, plan.simd)
        engine = self._engines.get(key)
        if engine is None:
            config = rt.Config()
            config.consume_fuel = True
            config.opt_level = plan.runtime_opt_level
            config.wasm_simd = plan.simd
            engine = self._engines[key] = rt.Engine(config)
        return engine

    def session(self, plan: ExecPlan) -> rt.Store:
        store = rt.Store(self._engine(plan))
        store.set_limits(table_elements=plan.table_elements)
        return store

    def compile(self, session: rt.Store, wasm: bytes) -> rt.Module:
        if wasm[:4] != b"\0asm":
            # rt.Module would read non-binary bytes as WAT text; the harness compares binaries only
            rt.Module.validate(session.engine, wasm)
        return rt.Module(session.engine, wasm)

    def validate(self, session: rt.Store, wasm: bytes) -> None:
        rt.Module.validate(session.engine, wasm)

    def imports(self, module: rt.Module) -> list[ExternDesc]:
        return [ExternDesc(name=i.name, module=i.module, **describe(i.type)) for i in module.imports]

    def exports(self, module: rt.Module) -> list[ExternDesc]:
        return [ExternDesc(name=e.name, **describe(e.type)) for e in module.exports]

    def host_func(self, session: rt.Store, sig: FuncSig, fn: Any) -> rt.Func:
        ty = rt.FuncType([_VALTYPES[t] for t in sig.params],
                         [_VALTYPES[t] for t in sig.results])
        return rt.Func(session, ty, fn)

    def new_global(self, session: rt.Store, valtype: int, mutable: bool) -> rt.Global:
        return rt.Global(session, rt.GlobalType(_VALTYPES[valtype], mutable), _val(valtype, 0))

    def new_memory(self, session: rt.Store, minimum: int, maximum: int | None) -> rt.Memory:
        return rt.Memory(session, rt.MemoryType(rt.Limits(minimum, maximum)))

    def new_table(self, session: rt.Store, elem: int, minimum: int, maximum: int | None) -> rt.Table:
        return rt.Table(session, rt.TableType(_VALTYPES[elem], rt.Limits(minimum, maximum)), None)

    def instantiate(self, session: rt.Store, module: rt.Module, imports: list[Any]) -> rt.Instance:
        return rt.Instance(session, module, imports)

    def export(self, session: rt.Store, instance: rt.Instance, name: str) -> Any:
        return instance.exports(session)[name]

    def set_fuel(self, session: rt.Store, fuel: int) -> None:
        session.set_fuel(fuel)

    def call(self, session: rt.Store, func: rt.Func, sig: FuncSig, args: list[int]) -> tuple[int, ...]:
        vals = func.call_vals(session, [_val(t, b) for t, b in zip(sig.params, args)])
        return tuple(_bits(v) for v in vals)

    def global_bits(self, session: rt.Store, glob: rt.Global, valtype: int) -> int:
        return _bits(glob.value_val(session))

    def memory_view(self, session: rt.Store, memory: rt.Memory) -> memoryview:
        size = memory.data_len(session)
        if not size:
            return _EMPTY
        addr = ctypes.cast(memory.data_ptr(session), ctypes.c_void_p).value
        return memoryview((ctypes.c_ubyte * size).from_address(addr)).cast("B")

    def table_size(self, session: rt.Store, table: rt.Table) -> int:
        return table.size(session)

    def classify(self, exc: BaseException) -> Status | None:
        if isinstance(exc, rt.Trap):
            code = exc.trap_code
            if code == rt.TrapCode.OUT_OF_FUEL:
                return Status(EXHAUSTED, "Trap", code.name, exc.message)
            if code == rt.TrapCode.STACK_OVERFLOW:
                return Status(STACK_OVERFLOW, "Trap", code.name, exc.message)
            return Status(TRAP, "Trap", code.name if code is not None else "", exc.message)
        if isinstance(exc, rt.ResourceLimitError):
            return Status(RESOURCE, type(exc).__name__, "", str(exc))
        if isinstance(exc, rt.WasmError):
            return Status(REJECTED, type(exc).__name__, "", str(exc))
        return None
