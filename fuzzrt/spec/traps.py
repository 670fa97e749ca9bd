"""The spec tests name traps by message text; the runtime reports a TrapCode.

An ``assert_trap`` passes only when the code matches, so this table is the
whole definition of "the right trap".  Texts are matched by prefix because the
suite sometimes appends detail (``"uninitialized element 2"``).
"""
from __future__ import annotations

#: (spec message prefix, TrapCode member name); names, not members, so the
#: table does not depend on which engine implements the API
SPEC_TRAP_CODES: tuple[tuple[str, str], ...] = (
    ("out of bounds memory access", "MEMORY_OUT_OF_BOUNDS"),
    ("out of bounds table access", "TABLE_OUT_OF_BOUNDS"),
    ("undefined element", "TABLE_OUT_OF_BOUNDS"),
    ("uninitialized element", "INDIRECT_CALL_TO_NULL"),
    ("indirect call type mismatch", "BAD_SIGNATURE"),
    ("integer divide by zero", "INTEGER_DIVISION_BY_ZERO"),
    ("integer overflow", "INTEGER_OVERFLOW"),
    ("invalid conversion to integer", "BAD_CONVERSION_TO_INTEGER"),
    ("unreachable", "UNREACHABLE"),
    ("call stack exhausted", "STACK_OVERFLOW"),
)


def trap_code_name(text: str) -> str | None:
    """The TrapCode member name the spec message ``text`` stands for, or None."""
    for prefix, name in SPEC_TRAP_CODES:
        if text.startswith(prefix):
            return name
    return None
