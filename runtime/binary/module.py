"""The module frame: header, the section sequence, and the checks that span sections."""
from __future__ import annotations

from ..errors import DecodeError
from ..syntax.ast import Module
from .reader import UNEXPECTED_END, UNEXPECTED_END_SECTION, Reader, length_at
from .sections import (
    DATA_COUNT_MISMATCH,
    DECODERS,
    FUNC_CODE_MISMATCH,
    SECTION_SIZE_MISMATCH,
    DecodeState,
)

MAGIC = b"\x00asm"
VERSION = b"\x01\x00\x00\x00"

CUSTOM = 0
DATA_COUNT = 12
#: Where each non-custom section must come: the data count section (12) sits
#: between the element (9) and code (10) sections.
_RANK = {sid: sid for sid in range(1, 10)} | {DATA_COUNT: 10, 10: 11, 11: 12}


def _as_bytes(data: bytes | bytearray | memoryview) -> bytes:
    """Indexing ``bytes`` is the fastest read CPython has; copy other buffers once."""
    if isinstance(data, bytes):
        return data
    if isinstance(data, (bytearray, memoryview)):
        return bytes(data)
    raise TypeError(f"decode_module expects bytes, bytearray or memoryview, not {type(data).__name__}")


def _check_header(data: bytes) -> None:
    if len(data) < 4:
        raise DecodeError(UNEXPECTED_END, len(data))
    if data[:4] != MAGIC:
        raise DecodeError("magic header not detected", 0)
    if len(data) < 8:
        raise DecodeError(UNEXPECTED_END, len(data))
    if data[4:8] != VERSION:
        raise DecodeError(f"unknown binary version {data[4:8].hex()}", 4)


def _section_size(data: bytes, pos: int) -> tuple[int, int]:
    try:
        return length_at(data, pos)
    except IndexError:
        raise DecodeError(UNEXPECTED_END, len(data)) from None


def _custom(r: Reader, end: int, module: Module) -> None:
    """A custom section is skipped, but its name must be well-formed UTF-8."""
    name = r.name()
    if r.pos > end:
        raise DecodeError(f"{UNEXPECTED_END_SECTION}: custom section name overruns the section",
                          end)
    if end > len(r.data):
        raise DecodeError(UNEXPECTED_END_SECTION, len(r.data))
    module.customs.append((name, r.raw(end - r.pos)))


def _check_totals(st: DecodeState, end: int) -> None:
    """Consistency checks that can only be made once every section has been seen."""
    module = st.module
    if len(module.funcs) != st.code_count:
        raise DecodeError(f"{FUNC_CODE_MISMATCH}: {len(module.funcs)} functions, "
                          f"{st.code_count} bodies", end)
    if module.data_count and not st.data_seen:
        raise DecodeError(f"{DATA_COUNT_MISMATCH}: data count {module.data_count}, "
                          "no data section", end)
    if st.data_ref >= 0 and module.data_count is None:
        raise DecodeError("data count section required", st.data_ref)


def decode_module(data: bytes | bytearray | memoryview) -> Module:
    """Decode a binary module; malformed input raises ``DecodeError`` and nothing else."""
    data = _as_bytes(data)
    _check_header(data)
    st = DecodeState()
    r = Reader(data, 8)
    n = len(data)
    last_rank = 0
    while r.pos < n:
        id_pos = r.pos
        sid = data[id_pos]
        rank = _RANK.get(sid)
        if rank is None and sid != CUSTOM:
            raise DecodeError(f"malformed section id {sid}", id_pos)
        size, r.pos = _section_size(data, id_pos + 1)
        end = r.pos + size
        if rank is None:
            _custom(r, end, st.module)
            continue
        if rank <= last_rank:
            raise DecodeError(f"unexpected content after last section (section id {sid})", id_pos)
        last_rank = rank
        DECODERS[sid](r, st)
        if r.pos != end:
            raise DecodeError(f"{SECTION_SIZE_MISMATCH}: section {sid} ends at 0x{r.pos:x}, "
                              f"its size says 0x{end:x}", r.pos)
    _check_totals(st, n)
    return st.module
