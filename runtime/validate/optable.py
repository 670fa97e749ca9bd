"""Instruction tables for the function-body validator, one set per feature set.

The body validator dispatches every instruction with a single dict lookup.  A
proposal that is switched off simply has its instructions missing from the
tables, so feature gating costs nothing on the hot path: a missing instruction
falls through to ``disabled_reason``, which says which proposal it needs.
Tables are built once per distinct ``Features`` value (it is frozen and
hashable) and cached.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from ..features import Features
from ..syntax.opcodes import FC, FD, LOAD, NUMERIC, OP, SIMD, SIMD_LANES, SIMD_MEM, STORE, op_name
from ..syntax.types import F32, F64, I32, I64

#: ``SimpleOp.mem`` values that are not an alignment bound.
NO_MEM = -2   # the instruction does not touch memory
MEM_ONLY = -1  # needs memory 0 but has no memarg (memory.size, memory.fill...)

# Kinds of the instructions whose typing is not a fixed [params] -> [result].
# Numbered in rough order of frequency: the body validator tests them in a
# chain in that order.
(
    K_LOCAL_GET, K_LOCAL_SET, K_END, K_BR_IF, K_BLOCK, K_CALL, K_LOCAL_TEE,
    K_BR, K_LOOP, K_GLOBAL_GET, K_IF, K_DROP, K_ELSE, K_RETURN, K_SELECT,
    K_GLOBAL_SET, K_BR_TABLE, K_CALL_INDIRECT, K_UNREACHABLE, K_SELECT_T,
    K_REF_NULL, K_REF_IS_NULL, K_REF_FUNC, K_TABLE_GET, K_TABLE_SET,
    K_TABLE_SIZE, K_TABLE_GROW, K_TABLE_FILL, K_TABLE_COPY, K_TABLE_INIT,
    K_ELEM_DROP, K_MEMORY_INIT, K_DATA_DROP, K_SIMD_LANE,
) = range(34)

_KIND_OF = {
    "local.get": K_LOCAL_GET, "local.set": K_LOCAL_SET, "end": K_END,
    "br_if": K_BR_IF, "block": K_BLOCK, "call": K_CALL, "local.tee": K_LOCAL_TEE,
    "br": K_BR, "loop": K_LOOP, "global.get": K_GLOBAL_GET, "if": K_IF,
    "drop": K_DROP, "else": K_ELSE, "return": K_RETURN, "select": K_SELECT,
    "global.set": K_GLOBAL_SET, "br_table": K_BR_TABLE,
    "call_indirect": K_CALL_INDIRECT, "unreachable": K_UNREACHABLE,
    "select_t": K_SELECT_T, "ref.null": K_REF_NULL, "ref.is_null": K_REF_IS_NULL,
    "ref.func": K_REF_FUNC, "table.get": K_TABLE_GET, "table.set": K_TABLE_SET,
    "table.size": K_TABLE_SIZE, "table.grow": K_TABLE_GROW,
    "table.fill": K_TABLE_FILL, "table.copy": K_TABLE_COPY,
    "table.init": K_TABLE_INIT, "elem.drop": K_ELEM_DROP,
    "memory.init": K_MEMORY_INIT, "data.drop": K_DATA_DROP,
}

#: (params as a list, single result or 0 for none, NO_MEM / MEM_ONLY / max alignment)
SimpleOp = tuple

_SIGN_EXTENSION = frozenset(OP[n] for n in (
    "i32.extend8_s", "i32.extend16_s", "i64.extend8_s", "i64.extend16_s", "i64.extend32_s"))
_SATURATING = frozenset(FC | k for k in range(8))
_BULK = frozenset(OP[n] for n in (
    "memory.init", "data.drop", "memory.copy", "memory.fill",
    "table.init", "elem.drop", "table.copy"))
_REFERENCE_TYPES = frozenset(OP[n] for n in (
    "select_t", "ref.null", "ref.is_null", "ref.func", "table.get", "table.set",
    "table.size", "table.grow", "table.fill"))

MSG_SIMD = "SIMD support is not enabled"
MSG_REFERENCE_TYPES = "reference types support is not enabled"
MSG_BULK = "bulk memory support is not enabled"
MSG_SIGN_EXTENSION = "sign extension operations support is not enabled"
MSG_SATURATING = "saturating float to int conversions support is not enabled"
MSG_MULTI_VALUE_FUNC = (
    "func type returns multiple values but the multi-value feature is not enabled")
MSG_MULTI_VALUE_BLOCK = (
    "blocks, loops, and ifs may only produce a resulttype when multi-value is not enabled")
MSG_MUTABLE_GLOBAL = "mutable global support is not enabled"


@dataclass(frozen=True, slots=True)
class OpTables:
    #: op -> SimpleOp, for instructions typed by a fixed signature
    simple: dict[int, SimpleOp]
    #: op -> K_* kind, for every other enabled instruction
    kinds: dict[int, int]


def _log2(n: int) -> int:
    return n.bit_length() - 1


def _feature_gate(op: int, features: Features) -> str | None:
    """The reason ``op`` is unavailable under ``features``, or None if it is enabled."""
    if op & FD:
        return MSG_SIMD if not features.simd else None
    if op in _SIGN_EXTENSION and not features.sign_extension:
        return MSG_SIGN_EXTENSION
    if op in _SATURATING and not features.saturating_float_to_int:
        return MSG_SATURATING
    if op in _BULK and not features.bulk_memory:
        return MSG_BULK
    if op in _REFERENCE_TYPES and not features.reference_types:
        return MSG_REFERENCE_TYPES
    return None


@lru_cache(maxsize=None)
def op_tables(features: Features) -> OpTables:
    """The dispatch tables holding exactly the instructions ``features`` enables."""
    simple: dict[int, SimpleOp] = {}
    for op, (params, results) in NUMERIC.items():
        simple[op] = (list(params), results[0] if results else 0, NO_MEM)
    for name, t in (("i32.const", I32), ("i64.const", I64), ("f32.const", F32), ("f64.const", F64)):
        simple[OP[name]] = ([], t, NO_MEM)
    simple[OP["nop"]] = ([], 0, NO_MEM)
    for op, (t, size) in LOAD.items():
        simple[op] = ([I32], t, _log2(size))
    for op, (t, size) in STORE.items():
        simple[op] = ([I32, t], 0, _log2(size))
    simple[OP["memory.size"]] = ([], I32, MEM_ONLY)
    simple[OP["memory.grow"]] = ([I32], I32, MEM_ONLY)
    simple[OP["memory.copy"]] = ([I32, I32, I32], 0, MEM_ONLY)
    simple[OP["memory.fill"]] = ([I32, I32, I32], 0, MEM_ONLY)

    kinds = {OP[name]: kind for name, kind in _KIND_OF.items()}
    for op, (params, results) in SIMD.items():
        if op in SIMD_LANES:  # typed like the others, but the lane immediate needs a check
            kinds[op] = K_SIMD_LANE
            continue
        size = SIMD_MEM.get(op)
        simple[op] = (list(params), results[0] if results else 0, _log2(size) if size else NO_MEM)
    simple = {op: e for op, e in simple.items() if _feature_gate(op, features) is None}
    kinds = {op: k for op, k in kinds.items() if _feature_gate(op, features) is None}
    return OpTables(simple, kinds)


def disabled_reason(op: int, features: Features) -> str:
    """Why an instruction missing from ``op_tables(features)`` is invalid."""
    reason = _feature_gate(op, features)
    if reason is not None:
        return reason
    if op & FD:
        return f"unsupported SIMD instruction {op_name(op)}"
    return f"illegal opcode {op_name(op)}"
