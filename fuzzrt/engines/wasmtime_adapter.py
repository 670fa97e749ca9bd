"""The reference engine: the ``wasmtime`` package, held to the runtime's feature set.

Every proposal the runtime lacks is switched off (multi-memory, memory64, tail
calls, GC, threads, relaxed SIMD, function references, exceptions, wide
arithmetic, custom page sizes, stack switching, compact imports; SIMD until
the plan enables it).  wasmtime 50 has no switch for extended-const, so a
module using it is valid here and not in the runtime; the validation oracle
settles such disagreements with ``wasm-tools validate`` (see
``oracles.validation``).

wasmtime-py converts f32 values to Python floats, which quiets signalling
NaNs, and has no v128 at all, so calls and global reads go through wasmtime's C
API directly (``wasmtime._ffi``, the bindings the package itself uses):
arguments are written into and results read out of ``wasmtime_val_t`` unions as
integers, a v128 as its 16 bytes.
"""
from __future__ import annotations

import atexit
import ctypes
import hashlib
from collections import OrderedDict
from typing import Any

import wasmtime
from wasmtime import _ffi as ffi
from wasmtime._func import enter_wasm

from runtime.syntax.types import EXTERNREF, F32, F64, FUNCREF, I32, I64, V128, FuncSig

from .base import FUNC, GLOBAL, MEMORY, TABLE, EngineAdapter, ExternDesc
from .outcome import EXHAUSTED, REJECTED, RESOURCE, STACK_OVERFLOW, TRAP, Status
from .plan import ExecPlan
from .valtypes import code_of

_DISABLED = (
    "wasm_multi_memory", "wasm_memory64", "wasm_tail_call", "wasm_gc", "wasm_threads",
    "wasm_relaxed_simd", "wasm_function_references", "wasm_exceptions", "wasm_wide_arithmetic",
    "wasm_custom_page_sizes", "wasm_stack_switching", "wasm_component_model",
    "shared_memory", "parallel_compilation",
)
_KIND = {I32: ffi.WASMTIME_I32.value, I64: ffi.WASMTIME_I64.value, F32: ffi.WASMTIME_F32.value,
         F64: ffi.WASMTIME_F64.value, V128: ffi.WASMTIME_V128.value, FUNCREF: ffi.WASMTIME_FUNCREF.value,
         EXTERNREF: ffi.WASMTIME_EXTERNREF.value}
_VALTYPES = {I32: wasmtime.ValType.i32(), I64: wasmtime.ValType.i64(), F32: wasmtime.ValType.f32(),
             F64: wasmtime.ValType.f64(), FUNCREF: wasmtime.ValType.funcref(),
             EXTERNREF: wasmtime.ValType.externref()}
_ZERO = {I32: 0, I64: 0, F32: 0.0, F64: 0.0, FUNCREF: None, EXTERNREF: None}
_M32 = 0xFFFF_FFFF
_M64 = 0xFFFF_FFFF_FFFF_FFFF
_M128 = (1 << 128) - 1
#: phrases of wasmtime errors that are resource limits, not rejections of the module
_RESOURCE_PHRASES = ("limit", "out of memory", "failed to allocate", "reservation", "cannot allocate",
                     "too large", "exceeds", "insufficient")
_EMPTY = memoryview(b"")
_MODULE_CACHE_ENTRIES = 64
#: wasmtime's C API aborts the process when asked the kind of a v128 ValType
#: (``wasm_valtype_kind``, which ``str(ValType)`` calls), so v128 is recognised by
#: comparing with this v128 type instead (lives as long as the process)
_V128_TYPE = ffi.wasmtime_wasm_valtype_v128()


def _signed(bits: int, width: int) -> int:
    return bits - (1 << width) if bits >> (width - 1) else bits


def _read(store: wasmtime.Store, t: int, raw: Any) -> int:
    """Bits of a ``wasmtime_val_t`` of type ``t``; unroots references."""
    if t == I32 or t == F32:
        return raw.of.i32 & _M32
    if t == I64 or t == F64:
        return raw.of.i64 & _M64
    if t == V128:  # the C API's 16 bytes, little-endian like the lanes
        return int.from_bytes(bytes(raw.of.v128), "little")
    nonnull = (raw.of.funcref.store_id if t == FUNCREF else raw.of.externref.store_id) != 0
    ffi.wasmtime_val_unroot(ctypes.byref(raw))
    return int(nonnull)


def _code(valtype: wasmtime.ValType) -> int:
    if ffi.wasmtime_wasm_valtype_equal(valtype.ptr(), _V128_TYPE):
        return V128
    return code_of(valtype)


def _sig(functype: wasmtime.FuncType) -> FuncSig:
    return FuncSig(tuple(_code(t) for t in functype.params), tuple(_code(t) for t in functype.results))


def describe(ext: Any) -> dict[str, Any]:
    """Fields of an ``ExternDesc`` for one wasmtime extern type."""
    if isinstance(ext, wasmtime.FuncType):
        return {"kind": FUNC, "sig": _sig(ext)}
    if isinstance(ext, wasmtime.GlobalType):
        return {"kind": GLOBAL, "valtype": _code(ext.content), "mutable": ext.mutable}
    if isinstance(ext, wasmtime.MemoryType):
        return {"kind": MEMORY, "minimum": ext.limits.min, "maximum": ext.limits.max}
    if isinstance(ext, wasmtime.TableType):
        return {"kind": TABLE, "valtype": code_of(ext.element), "minimum": ext.limits.min,
                "maximum": ext.limits.max}
    raise ValueError(f"unsupported extern type {ext!r}")


def reference_config(opt_level: str = "speed", simd: bool = False) -> wasmtime.Config:
    """A wasmtime Config with exactly the runtime's proposals, fuel on, compilation on this thread."""
    config = wasmtime.Config()
    for name in _DISABLED:
        setattr(config, name, False)
    config.wasm_simd = simd
    config.consume_fuel = True
    config.cranelift_opt_level = opt_level
    # fuzz modules are small: a thread pool per compile costs more than it saves, and the
    # campaign already keeps every core busy with workers
    config.parallel_compilation = False
    # explicit bounds checks instead of signal handlers: same semantics, 4x cheaper traps
    config.signals_based_traps = False
    # post-2.0 binary encodings the runtime does not decode (no wasmtime-py property for them)
    ffi.wasmtime_config_wasm_compact_imports_set(config.ptr(), False)
    ffi.wasmtime_config_wasm_branch_hinting_set(config.ptr(), False)
    return config


class WasmtimeEngine(EngineAdapter):
    name = "wasmtime"

    def __init__(self) -> None:
        self._engines: dict[tuple[str, bool], wasmtime.Engine] = {}
        # Compiled modules by (engine, bytes): like the runtime's per-engine code cache, so shims and
        # replayed corpus inputs compile once.  Function types are cached too (each costs a millisecond).
        self._modules: OrderedDict[tuple[int, bytes], wasmtime.Module] = OrderedDict()
        self._functypes: dict[tuple[int, FuncSig], wasmtime.FuncType] = {}
        # free everything while wasmtime's bindings still exist (not during interpreter teardown)
        atexit.register(self._functypes.clear)
        atexit.register(self._modules.clear)
        atexit.register(self._engines.clear)

    def engine(self, plan: ExecPlan) -> wasmtime.Engine:
        key = (plan.wasmtime_opt_level, plan.simd)
        engine = self._engines.get(key)
        if engine is None:
            engine = self._engines[key] = wasmtime.Engine(reference_config(*key))
        return engine

    def session(self, plan: ExecPlan) -> wasmtime.Store:
        store = wasmtime.Store(self.engine(plan))
        store.set_limits(table_elements=plan.table_elements)
        return store

    def compile(self, session: wasmtime.Store, wasm: bytes) -> wasmtime.Module:
        key = (id(session.engine), hashlib.sha256(wasm).digest())    # engines are never freed: ids unique
        module = self._modules.get(key)
        if module is not None:
            self._modules.move_to_end(key)
            return module
        if wasm[:4] != b"\0asm":
            # wasmtime.Module would parse non-binary bytes as WAT text; the harness compares binaries only
            wasmtime.Module.validate(session.engine, wasm)
        module = self._modules[key] = wasmtime.Module(session.engine, wasm)
        while len(self._modules) > _MODULE_CACHE_ENTRIES:
            self._modules.popitem(last=False)
        return module

    def validate(self, session: wasmtime.Store, wasm: bytes) -> None:
        wasmtime.Module.validate(session.engine, wasm)

    def imports(self, module: wasmtime.Module) -> list[ExternDesc]:
        return [ExternDesc(name=i.name or "", module=i.module, **describe(i.type)) for i in module.imports]

    def exports(self, module: wasmtime.Module) -> list[ExternDesc]:
        return [ExternDesc(name=e.name, **describe(e.type)) for e in module.exports]

    def host_func(self, session: wasmtime.Store, sig: FuncSig, fn: Any) -> wasmtime.Func:
        key = (id(session.engine), sig)     # engines live as long as the adapter: ids stay unique
        ty = self._functypes.get(key)
        if ty is None:
            ty = self._functypes[key] = wasmtime.FuncType([_VALTYPES[t] for t in sig.params],
                                                          [_VALTYPES[t] for t in sig.results])
        return wasmtime.Func(session, ty, fn)

    def new_global(self, session: wasmtime.Store, valtype: int, mutable: bool) -> wasmtime.Global:
        return wasmtime.Global(session, wasmtime.GlobalType(_VALTYPES[valtype], mutable), _ZERO[valtype])

    def new_memory(self, session: wasmtime.Store, minimum: int, maximum: int | None) -> wasmtime.Memory:
        return wasmtime.Memory(session, wasmtime.MemoryType(wasmtime.Limits(minimum, maximum)))

    def new_table(self, session: wasmtime.Store, elem: int, minimum: int, maximum: int | None) -> wasmtime.Table:
        ty = wasmtime.TableType(_VALTYPES[elem], wasmtime.Limits(minimum, maximum))
        return wasmtime.Table(session, ty, None)

    def instantiate(self, session: wasmtime.Store, module: wasmtime.Module, imports: list[Any]) -> wasmtime.Instance:
        return wasmtime.Instance(session, module, imports)

    def export(self, session: wasmtime.Store, instance: wasmtime.Instance, name: str) -> Any:
        return instance.exports(session)[name]

    def set_fuel(self, session: wasmtime.Store, fuel: int) -> None:
        session.set_fuel(fuel)

    def call(self, session: wasmtime.Store, func: wasmtime.Func, sig: FuncSig, args: list[int]) -> tuple[int, ...]:
        nparams, nresults = len(sig.params), len(sig.results)
        params = (ffi.wasmtime_val_t * max(nparams, 1))()
        for i, (t, bits) in enumerate(zip(sig.params, args)):
            slot = params[i]
            slot.kind = _KIND[t]
            if t == I32 or t == F32:
                slot.of.i32 = _signed(bits & _M32, 32)
            elif t == I64 or t == F64:
                slot.of.i64 = _signed(bits & _M64, 64)
            elif t == V128:
                slot.of.v128[:] = (bits & _M128).to_bytes(16, "little")
            # reference arguments are null: the zeroed union is the null reference
        results = (ffi.wasmtime_val_t * max(nresults, 1))()
        with enter_wasm(session) as trap:
            error = ffi.wasmtime_func_call(session._context(), ctypes.byref(func._func), params, nparams,
                                           results, nresults, trap)
            if error:
                raise wasmtime.WasmtimeError._from_ptr(error)
        return tuple(_read(session, t, results[i]) for i, t in enumerate(sig.results))

    def global_bits(self, session: wasmtime.Store, glob: wasmtime.Global, valtype: int) -> int:
        raw = ffi.wasmtime_val_t()
        ffi.wasmtime_global_get(session._context(), ctypes.byref(glob._global), ctypes.byref(raw))
        return _read(session, valtype, raw)

    def memory_view(self, session: wasmtime.Store, memory: wasmtime.Memory) -> memoryview:
        size = memory.data_len(session)
        if not size:
            return _EMPTY
        addr = ctypes.cast(memory.data_ptr(session), ctypes.c_void_p).value
        return memoryview((ctypes.c_ubyte * size).from_address(addr)).cast("B")

    def table_size(self, session: wasmtime.Store, table: wasmtime.Table) -> int:
        return table.size(session)

    def classify(self, exc: BaseException) -> Status | None:
        if isinstance(exc, wasmtime.Trap):
            code = exc.trap_code
            if code == wasmtime.TrapCode.OUT_OF_FUEL:
                return Status(EXHAUSTED, "Trap", code.name, exc.message)
            if code == wasmtime.TrapCode.STACK_OVERFLOW:
                return Status(STACK_OVERFLOW, "Trap", code.name, exc.message)
            return Status(TRAP, "Trap", code.name if code is not None else "", exc.message)
        if isinstance(exc, wasmtime.WasmtimeError):
            message = str(exc)
            lowered = message.lower()
            kind = RESOURCE if any(p in lowered for p in _RESOURCE_PHRASES) else REJECTED
            return Status(kind, type(exc).__name__, "", message[:2000])
        return None
