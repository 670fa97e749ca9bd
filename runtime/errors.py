"""Every error the runtime raises on purpose.

``WasmError`` is the base of all of them except ``Trap``: as in wasmtime-py, a
trap is what *running* wasm produces and is not a ``WasmError``.  Callers (the
fuzzing oracles first of all) can therefore tell "the runtime refused this, on
purpose" (``WasmError``/``Trap``) from "the runtime fell over" (anything else).
"""
from __future__ import annotations

from enum import Enum


class WasmError(Exception):
    """Base class of every runtime error (decode, validation, link, limits, misuse)."""


class DecodeError(WasmError):
    """Malformed binary: the bytes are not a Wasm module.  Carries the byte offset."""

    def __init__(self, reason: str, offset: int):
        super().__init__(f"{reason} (at offset 0x{offset:x})")
        self.reason = reason
        self.offset = offset


class ValidationError(WasmError):
    """A well-formed module that fails validation.  Carries the byte offset."""

    def __init__(self, reason: str, offset: int | None = None):
        where = f" (at offset 0x{offset:x})" if offset is not None else ""
        super().__init__(f"{reason}{where}")
        self.reason = reason
        self.offset = offset


class WatError(WasmError):
    """WAT text that `wasm-tools parse` rejected."""


class LinkError(WasmError):
    """An import could not be satisfied (unknown import, incompatible type)."""


class ResourceLimitError(WasmError):
    """A configured or implementation limit was exceeded (memory, table, instances...)."""


class PoolConcurrencyLimitError(ResourceLimitError):
    """A pooling allocator has no free slot: ``limit`` of ``kind`` are in use at once.

    ``kind`` is the pool as wasmtime names it in this message: "core instances",
    "memory stripe 0" (wasmtime stripes its memory pool; ours is one stripe) or "tables".
    """

    def __init__(self, limit: int, kind: str):
        super().__init__(f"maximum concurrent limit of {limit} for {kind} reached")
        self.limit = limit
        self.kind = kind


class StoreInUseError(WasmError):
    """A Store was entered from a second thread while another thread was running in it."""


class TrapCode(Enum):
    """Why wasm execution trapped; member names follow wasmtime-py's ``TrapCode``."""

    STACK_OVERFLOW = 0
    MEMORY_OUT_OF_BOUNDS = 1
    HEAP_MISALIGNED = 2
    TABLE_OUT_OF_BOUNDS = 3
    INDIRECT_CALL_TO_NULL = 4
    BAD_SIGNATURE = 5
    INTEGER_OVERFLOW = 6
    INTEGER_DIVISION_BY_ZERO = 7
    BAD_CONVERSION_TO_INTEGER = 8
    UNREACHABLE = 9
    INTERRUPT = 10
    OUT_OF_FUEL = 11
    NULL_REFERENCE = 13

    @property
    def message(self) -> str:
        return TRAP_MESSAGES[self]


#: wasmtime's wording for each trap, so messages line up in differential diffs
TRAP_MESSAGES = {
    TrapCode.STACK_OVERFLOW: "call stack exhausted",
    TrapCode.MEMORY_OUT_OF_BOUNDS: "out of bounds memory access",
    TrapCode.HEAP_MISALIGNED: "unaligned atomic",
    TrapCode.TABLE_OUT_OF_BOUNDS: "undefined element: out of bounds table access",
    TrapCode.INDIRECT_CALL_TO_NULL: "uninitialized element",
    TrapCode.BAD_SIGNATURE: "indirect call type mismatch",
    TrapCode.INTEGER_OVERFLOW: "integer overflow",
    TrapCode.INTEGER_DIVISION_BY_ZERO: "integer divide by zero",
    TrapCode.BAD_CONVERSION_TO_INTEGER: "invalid conversion to integer",
    TrapCode.UNREACHABLE: "wasm `unreachable` instruction executed",
    TrapCode.INTERRUPT: "interrupt",
    TrapCode.OUT_OF_FUEL: "all fuel consumed by WebAssembly",
    TrapCode.NULL_REFERENCE: "null reference",
}


class Trap(Exception):
    """Wasm execution stopped on a trap.  ``trap_code`` is None for host-raised traps."""

    def __init__(self, message: str, trap_code: TrapCode | None = None):
        super().__init__(message)
        self.message = message
        self.trap_code = trap_code

    @classmethod
    def from_code(cls, code: TrapCode) -> "Trap":
        return cls(code.message, code)

    def __str__(self) -> str:
        return self.message


class ExitTrap(Trap):
    """WASI ``proc_exit``: the program asked to exit with ``code``."""

    def __init__(self, code: int):
        super().__init__(f"Exited with i32 exit status {code}")
        self.code = code


class ResourceTableError(WasmError):
    """A ResourceTable refused an operation; the table is unchanged.

    ``rep`` and ``type`` name the handle involved (None for table-wide errors
    such as ``Full``), so a WASI layer can map each subclass to an errno.
    """

    def __init__(self, message: str, rep: int | None = None, type: type | None = None):
        super().__init__(message)
        self.rep = rep
        self.type = type


class NotPresent(ResourceTableError):
    """No live entry has this rep: never issued, deleted, or a stale generation."""


class WrongType(ResourceTableError):
    """The entry (or a value offered for it) is not of the handle's type."""


class HasChildren(ResourceTableError):
    """The entry still has children, which would be orphaned by removing it."""


class Full(ResourceTableError):
    """The table holds ``max_capacity`` live entries (or has no slot left)."""


class Taken(ResourceTableError):
    """The entry's value is taken out; it must be restored before it can be used again."""


class NotTaken(ResourceTableError):
    """``restore`` of an entry whose value was not taken."""
