"""Cases of the ``allocator`` target: a pooling configuration, a few modules, and ops over several stores.

The configuration is drawn small on purpose (1-4 instances, 0-4 memories and
tables, memories of a few pages, sometimes a ``max_memory_size`` that is not a
multiple of the page size) so that exhaustion, refusal at ``Module(...)`` and
slot reuse all happen within a few dozen ops.  Modules are wasm-smith modules
(always terminating, NaNs canonicalised, so a wasmtime mirror of each instance
computes exactly what the runtime must) or *probe* modules: a memory with data
segments and a table, plus exports that grow, size, load and store, so that
growth from inside wasm meets the same limits as growth from the host.

Ops name stores, modules and instances by creation index; the session takes
them modulo what exists, so a shrunk op list stays meaningful.
"""
from __future__ import annotations

from typing import Any

from runtime.errors import WatError
from runtime.features import Features
from runtime.syntax.types import WASM_PAGE_SIZE
from runtime.wat import wat2wasm

from .smith import GeneratorError, draw_config, run_smith, smith_args
from .unstructured import Unstructured

#: knob -> choices (the others are drawn separately)
_COUNTS = {"total_core_instances": (1, 4, 2, 3), "total_memories": (0, 1, 2, 3, 4, 2),
           "total_tables": (0, 1, 2, 3, 4, 2), "max_memories_per_module": (0, 1, 1, 1, 2),
           "max_tables_per_module": (0, 1, 2, 3, 3), "max_unused_warm_slots": (0, 1, 2, 4)}
_TABLE_ELEMENTS = (0, 1, 10, 100, 1000, 20_000)
_INSTANCE_SIZES = (1 << 20, 1 << 20, 128, 256, 1024)
_KEEP_RESIDENT = (0, 4096, WASM_PAGE_SIZE, 1 << 20)
#: how far off a page multiple ``max_memory_size`` may be (a host page, one byte under)
_SIZE_OFFSETS = (0, 0, 1, 4096, -1, -1)
#: store limits a ``limits`` op may set (None: unset)
_MEMORY_LIMITS = (None, 0, WASM_PAGE_SIZE, 2 * WASM_PAGE_SIZE, 3 * WASM_PAGE_SIZE + 1, 8 * WASM_PAGE_SIZE)
_ELEMENT_LIMITS = (None, 0, 5, 50, 1000)
_COUNT_LIMITS = (None, 0, 1, 2, 3)
#: op -> relative weight
_OPS = (("open", 3), ("limits", 2), ("instantiate", 10), ("call", 5), ("grow", 5), ("write", 3),
        ("close", 2), ("drop", 1), ("compile", 1))
_SMITH_SEED_BYTES = (16, 512)


def draw_pooling(u: Unstructured) -> dict[str, int]:
    """PoolingAllocationConfig knobs, small enough that the pools run out."""
    knobs = {name: u.choose(choices) for name, choices in _COUNTS.items()}
    pages = u.int_in_range(0, 6)
    offset = u.choose(_SIZE_OFFSETS)
    knobs["max_memory_size"] = max(pages * WASM_PAGE_SIZE + offset, 0)
    knobs["table_elements"] = u.choose(_TABLE_ELEMENTS)
    knobs["max_core_instance_size"] = u.choose(_INSTANCE_SIZES)
    knobs["linear_memory_keep_resident"] = u.choose(_KEEP_RESIDENT)
    return knobs


def smith_module(u: Unstructured) -> bytes:
    """A wasm-smith module that always terminates and canonicalises NaNs, from a slice of ``u``."""
    config = draw_config(u, Features())
    config.update(ensure_termination=True, fuel=config["fuel"] or 100, canonicalize_nans=True,
                  max_memories=min(config["max_memories"], 1))
    seed = u.bytes(u.int_in_range(*_SMITH_SEED_BYTES))
    wasm, _ = run_smith(seed, smith_args(config))
    return wasm


def probe_wat(u: Unstructured) -> str:
    """A module with a memory (data segments in it) and a table, and exports that touch both."""
    lo = u.int_in_range(0, 4)
    hi = None if u.ratio(1, 4) else lo + u.int_in_range(0, 6)
    parts = [f"(memory (export \"mem\") {lo}{'' if hi is None else f' {hi}'})"]
    for _ in range(u.int_in_range(0, 3) if lo else 0):
        offset = u.int_in_range(0, lo * WASM_PAGE_SIZE - 1)
        data = u.bytes(u.int_in_range(1, 16))
        escaped = "".join(f"\\{b:02x}" for b in data)
        parts.append(f"(data (i32.const {offset}) \"{escaped}\")")
    if u.ratio(1, 2):
        tlo = u.choose((0, 1, 4, 12, 200))
        thi = None if u.ratio(1, 2) else tlo + u.int_in_range(0, 8)
        parts.append(f"(table (export \"tab\") {tlo}{'' if thi is None else f' {thi}'} funcref)")
        if tlo:
            parts.append(f"(elem (i32.const {u.int_in_range(0, tlo - 1)}) func $size)")
    parts += [
        "(func (export \"grow\") (param i32) (result i32) local.get 0 memory.grow)",
        "(func $size (export \"size\") (result i32) memory.size)",
        "(func (export \"load8\") (param i32) (result i32) local.get 0 i32.load8_u)",
        "(func (export \"store8\") (param i32 i32) local.get 0 local.get 1 i32.store8)",
    ]
    return "(module\n  " + "\n  ".join(parts) + ")"


def draw_modules(u: Unstructured) -> list[bytes]:
    """1-3 modules, each wasm-smith's or a probe."""
    modules = []
    for _ in range(u.int_in_range(1, 3)):
        if u.ratio(1, 2):
            modules.append(smith_module(u))
        else:
            try:
                modules.append(wat2wasm(probe_wat(u)))
            except WatError as exc:   # wasm-tools missing or broken: skip the input
                raise GeneratorError(f"cannot assemble a probe module: {exc}") from None
    return modules


def draw_op(u: Unstructured) -> dict[str, Any]:
    """One op; indices are raw and taken modulo what exists when it runs."""
    names = [name for name, weight in _OPS for _ in range(weight)]
    op = u.choose(names)
    if op == "open":
        return {"op": op}
    if op == "limits":
        return {"op": op, "s": u.u8(), "memory_size": u.choose(_MEMORY_LIMITS),
                "table_elements": u.choose(_ELEMENT_LIMITS), "instances": u.choose(_COUNT_LIMITS),
                "tables": u.choose(_COUNT_LIMITS), "memories": u.choose(_COUNT_LIMITS)}
    if op == "instantiate":
        return {"op": op, "s": u.u8(), "m": u.u8()}
    if op == "call":
        return {"op": op, "i": u.u8(), "f": u.u8(), "args": [u.u32() if u.ratio(1, 2) else u.u8()
                                                           for _ in range(4)]}
    if op == "grow":
        return {"op": op, "i": u.u8(), "delta": u.choose((0, 1, 1, 2, 3, 7, 65536))}
    if op == "write":
        near = u.int_in_range(0, 4) * WASM_PAGE_SIZE + u.int_in_range(-48, 16)   # around a page's end
        return {"op": op, "i": u.u8(), "offset": max(near, 0) if u.ratio(1, 2) else u.u16(),
                "data": u.bytes(u.int_in_range(1, 32)).hex()}
    if op == "compile":
        return {"op": op, "m": u.u8()}
    return {"op": op, "s": u.u8()}


def draw_case(u: Unstructured, max_ops: int) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """(ops, knobs): compile every module and open a store, then random ops."""
    pooling = draw_pooling(u)
    modules = draw_modules(u)
    ops: list[dict[str, Any]] = [{"op": "compile", "m": i} for i in range(len(modules))]
    ops.append({"op": "open"})
    while len(ops) < max_ops and not u.is_empty():
        ops.append(draw_op(u))
    return ops, {"pooling": pooling, "modules": [m.hex() for m in modules]}
