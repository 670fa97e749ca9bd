"""Core type syntax shared by every phase (decoder, validator, JIT, API).

Value types are plain ints equal to their binary encoding: the hot paths of the
validator and the JIT compare them millions of times, and an int compare is the
cheapest thing Python has.  The public API wraps them in `runtime.ValType`.
"""
from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum

I32 = 0x7F
I64 = 0x7E
F32 = 0x7D
F64 = 0x7C
V128 = 0x7B
FUNCREF = 0x70
EXTERNREF = 0x6F

NUM_TYPES = frozenset((I32, I64, F32, F64))
REF_TYPES = frozenset((FUNCREF, EXTERNREF))
VALUE_TYPES = frozenset((I32, I64, F32, F64, V128, FUNCREF, EXTERNREF))

VALTYPE_NAMES = {
    I32: "i32", I64: "i64", F32: "f32", F64: "f64", V128: "v128",
    FUNCREF: "funcref", EXTERNREF: "externref",
}

#: Block types are kept as the decoded s33: negative values are the one-byte
#: encodings (empty or a single value type), non-negative values index the
#: type section.  This keeps "unknown type" a validation error, not a decode one.
BLOCK_EMPTY = -64
_BLOCK_VALTYPE = {-1: I32, -2: I64, -3: F32, -4: F64, -5: V128, -16: FUNCREF, -17: EXTERNREF}


def blocktype_valtype(bt: int) -> int | None:
    """Value type of a one-type block type, or None (empty, or a type index)."""
    return _BLOCK_VALTYPE.get(bt)


def is_inline_blocktype(bt: int) -> bool:
    return bt == BLOCK_EMPTY or bt in _BLOCK_VALTYPE


def valtype_name(t: int) -> str:
    return VALTYPE_NAMES.get(t, f"<0x{t:02x}>")


def is_reftype(t: int) -> bool:
    return t == FUNCREF or t == EXTERNREF


class ExternKind(IntEnum):
    FUNC = 0
    TABLE = 1
    MEMORY = 2
    GLOBAL = 3


@dataclass(frozen=True, slots=True)
class FuncSig:
    """A function signature: (params) -> (results), value types as ints."""

    params: tuple[int, ...]
    results: tuple[int, ...]

    def __str__(self) -> str:
        p = " ".join(valtype_name(t) for t in self.params)
        r = " ".join(valtype_name(t) for t in self.results)
        return f"[{p}] -> [{r}]"


@dataclass(frozen=True, slots=True)
class Limits:
    min: int
    max: int | None = None


@dataclass(frozen=True, slots=True)
class TableSig:
    elem: int
    limits: Limits


@dataclass(frozen=True, slots=True)
class MemorySig:
    limits: Limits


@dataclass(frozen=True, slots=True)
class GlobalSig:
    valtype: int
    mutable: bool


WASM_PAGE_SIZE = 65536
MAX_PAGES = 65536          # 4 GiB, the 32-bit memory limit
MAX_TABLE_SIZE = 0xFFFF_FFFF
