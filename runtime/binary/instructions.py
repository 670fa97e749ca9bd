"""Instruction sequences: function bodies and constant expressions.

This is the decoder's hot loop (the fuzzer decodes thousands of modules a
minute), so it is written for CPython: one function, locals for everything,
an if-chain ordered by how common each immediate kind is, one-byte LEBs inlined
and shared ``(op, None)`` tuples for instructions without immediates.

The loop reads through ``data`` until the ``end`` that closes the outermost
frame; the caller checks that this is where the body's declared size says it
ends.  It tracks block nesting (and that ``else`` only follows an ``if``'s
then-arm) because the binary grammar is structured: a misplaced ``else`` or a
missing ``end`` is malformed, not merely invalid.
"""
from __future__ import annotations

import struct

from ..errors import DecodeError
from ..syntax.opcodes import FC, FD, IMM, OP, Imm
from ..syntax.types import is_inline_blocktype
from .reader import (
    UNEXPECTED_END_SECTION,
    leb_s32,
    leb_s33,
    leb_s64,
    leb_u32,
    length_at,
    reftype_at,
    valtype_at,
)

END_EXPECTED = "END opcode expected"
ILLEGAL_OPCODE = "illegal opcode"
ZERO_BYTE = "zero byte expected"
MALFORMED_MEMOP = "malformed memop flags"
MALFORMED_BLOCKTYPE = "malformed block type"

# Internal immediate kinds, small ints so the dispatch is int compares.
_K_ILLEGAL = 0
_K_NONE = 1
_K_IDX = 2          # one u32: label, func, local, global, table, elem, data.drop
_K_I32 = 3
_K_MEMARG = 4
_K_END = 5
_K_BLOCK = 6
_K_I64 = 7
_K_F32 = 8
_K_F64 = 9
_K_BR_TABLE = 10
_K_ELSE = 11
_K_CALL_INDIRECT = 12
_K_FC = 13
_K_SELECT_T = 14
_K_REFTYPE = 15
_K_MEM = 16         # memory.size / memory.grow / memory.fill: one reserved zero byte
_K_FD = 17
_K_IDX2 = 18        # two u32s: table.copy, table.init
_K_MEM_COPY = 19
_K_MEM_INIT = 20

_IMM_KIND = {
    Imm.NONE: _K_NONE,
    Imm.BLOCK: _K_BLOCK,
    Imm.LABEL: _K_IDX,
    Imm.BR_TABLE: _K_BR_TABLE,
    Imm.FUNC: _K_IDX,
    Imm.CALL_INDIRECT: _K_CALL_INDIRECT,
    Imm.LOCAL: _K_IDX,
    Imm.GLOBAL: _K_IDX,
    Imm.TABLE: _K_IDX,
    Imm.TABLE_COPY: _K_IDX2,
    Imm.TABLE_INIT: _K_IDX2,
    Imm.ELEM: _K_IDX,
    Imm.DATA: _K_IDX,
    Imm.MEMARG: _K_MEMARG,
    Imm.MEM: _K_MEM,
    Imm.MEM_COPY: _K_MEM_COPY,
    Imm.I32: _K_I32,
    Imm.I64: _K_I64,
    Imm.F32: _K_F32,
    Imm.F64: _K_F64,
    Imm.SELECT_T: _K_SELECT_T,
    Imm.REFTYPE: _K_REFTYPE,
}

_OP_END = OP["end"]
_OP_ELSE = OP["else"]
_OP_IF = OP["if"]
_MEMORY_INIT = OP["memory.init"]
_DATA_DROP = OP["data.drop"]


def _build_tables() -> tuple[list[int], list[tuple], dict[int, int], dict[int, tuple]]:
    """Derive the dispatch tables from the shared opcode table, so they cannot drift."""
    kinds = [_K_ILLEGAL] * 256
    simple: list[tuple] = [()] * 256
    fc_kinds: dict[int, int] = {}
    fc_simple: dict[int, tuple] = {}
    for op, imm in IMM.items():
        if op & FD:
            continue  # the SIMD family is decode_simd's
        kind = _IMM_KIND[imm]
        if op == _MEMORY_INIT:
            kind = _K_MEM_INIT
        if op & FC:
            fc_kinds[op & 0xFFFF] = kind
            fc_simple[op & 0xFFFF] = (op, None)
        elif op < 0x100:
            kinds[op] = kind
            simple[op] = (op, None)
    kinds[_OP_END] = _K_END
    kinds[_OP_ELSE] = _K_ELSE
    kinds[0xFC] = _K_FC
    kinds[0xFD] = _K_FD
    return kinds, simple, fc_kinds, fc_simple


_KIND, _SIMPLE, _FC_KIND, _FC_SIMPLE = _build_tables()

# Frame states on the nesting stack.
_FRAME_BLOCK = 0   # function, block or loop: closed by `end`
_FRAME_THEN = 1    # `if` before its `else`
_FRAME_ELSE = 2    # `if` after its `else`

#: the one-byte block types (empty or one value type) as their s33 values
_INLINE_BLOCKTYPES = frozenset(bt for bt in range(-64, 0) if is_inline_blocktype(bt))

_u32_bits = struct.Struct("<I").unpack_from
_u64_bits = struct.Struct("<Q").unpack_from


def _build_simd_kinds() -> dict[int, int]:
    """Sub-opcode -> immediate kind of every 0xFD instruction."""
    kinds = {}
    for op, imm in IMM.items():
        if op & FD:
            kinds[op & 0xFFFF] = _SIMD_IMM_KIND[imm]
    return kinds


_S_NONE = 0
_S_MEMARG = 1
_S_LANE = 2
_S_MEMARG_LANE = 3
_S_V128 = 4
_S_SHUFFLE = 5
_SIMD_IMM_KIND = {Imm.NONE: _S_NONE, Imm.MEMARG: _S_MEMARG, Imm.LANE: _S_LANE,
                  Imm.MEMARG_LANE: _S_MEMARG_LANE, Imm.V128: _S_V128, Imm.SHUFFLE: _S_SHUFFLE}
_SIMD_KIND = _build_simd_kinds()
_SIMD_SIMPLE = {sub: (FD | sub, None) for sub, k in _SIMD_KIND.items() if k == _S_NONE}


def decode_simd(data: bytes, pos: int, start: int) -> tuple[tuple, int]:
    """Decode the 0xFD-prefixed instruction whose sub-opcode starts at ``pos``.

    Returns ``(instr, new_pos)``; ``start`` is the offset of the 0xFD byte.
    Lane indices are single bytes and are range-checked by the validator (an
    out-of-range lane is invalid, not malformed).  Running off the end raises
    IndexError, which ``decode_expr`` turns into its DecodeError.
    """
    sub, pos = leb_u32(data, pos)
    k = _SIMD_KIND.get(sub)
    if k == _S_NONE:
        return _SIMD_SIMPLE[sub], pos
    op = FD | sub
    if k == _S_MEMARG or k == _S_MEMARG_LANE:
        align, pos = _memarg_align(data, pos)
        offset, pos = leb_u32(data, pos)
        if k == _S_MEMARG:
            return (op, (align, offset)), pos
        return (op, (align, offset, data[pos])), pos + 1
    if k == _S_LANE:
        return (op, data[pos]), pos + 1
    if k == _S_V128 or k == _S_SHUFFLE:
        end = pos + 16
        if end > len(data):
            raise IndexError
        raw = data[pos:end]
        return (op, int.from_bytes(raw, "little") if k == _S_V128 else tuple(raw)), end
    raise DecodeError(f"{ILLEGAL_OPCODE} 0xfd {sub}", start)


def _illegal(op: int, start: int) -> DecodeError:
    return DecodeError(f"{ILLEGAL_OPCODE} 0x{op:02x}", start)


def _memarg_align(data: bytes, pos: int) -> tuple[int, int]:
    """The alignment exponent of a memarg: 2**32 or more cannot be a Wasm 2.0 alignment."""
    align, after = leb_u32(data, pos)
    if align >= 32:
        raise DecodeError(f"{MALFORMED_MEMOP}: alignment exponent {align}", pos)
    return align, after


def _blocktype(data: bytes, pos: int) -> tuple[int, int]:
    """A block type as the s33 the contract keeps: negative only for the inline forms."""
    bt, after = leb_s33(data, pos)
    if bt < 0 and (after - pos > 1 or not is_inline_blocktype(bt)):
        raise DecodeError(f"{MALFORMED_BLOCKTYPE} {bt}", pos)
    return bt, after


def _zero(data: bytes, pos: int) -> int:
    if data[pos]:
        raise DecodeError(ZERO_BYTE, pos)
    return pos + 1


def decode_expr(data: bytes, pos: int) -> tuple[list, list[int], int, int]:
    """Decode instructions from ``pos`` through the ``end`` closing the outermost frame.

    Returns ``(instrs, offsets, new_pos, data_ref)``: the instructions including
    that final ``end``, the module offset of each, the position after it, and
    the offset of the first ``memory.init``/``data.drop`` (-1 if none), which
    need a data count section.
    """
    body: list = []
    offsets: list[int] = []
    append = body.append
    mark = offsets.append
    kinds = _KIND
    simple = _SIMPLE
    inline_bt = _INLINE_BLOCKTYPES
    frames = [_FRAME_BLOCK]
    data_ref = -1
    try:
        while True:
            start = pos
            b = data[pos]
            pos += 1
            k = kinds[b]
            mark(start)
            if k == _K_NONE:
                append(simple[b])
            elif k == _K_IDX:
                x = data[pos]
                if x < 0x80:
                    pos += 1
                else:
                    x, pos = leb_u32(data, pos)
                append((b, x))
            elif k == _K_I32:
                x = data[pos]
                if x < 0x40:
                    pos += 1
                elif x < 0x80:
                    x -= 0x80
                    pos += 1
                else:
                    x, pos = leb_s32(data, pos)
                append((b, x))
            elif k == _K_MEMARG:
                a = data[pos]
                if a < 0x20:
                    pos += 1
                else:
                    a, pos = _memarg_align(data, pos)
                x = data[pos]
                if x < 0x80:
                    pos += 1
                else:
                    x, pos = leb_u32(data, pos)
                append((b, (a, x)))
            elif k == _K_END:
                append(simple[b])
                frames.pop()
                if not frames:
                    return body, offsets, pos, data_ref
            elif k == _K_BLOCK:
                x = data[pos]
                if x < 0x40:
                    pos += 1
                elif x < 0x80 and x - 0x80 in inline_bt:
                    x -= 0x80
                    pos += 1
                else:
                    x, pos = _blocktype(data, pos)
                append((b, x))
                frames.append(_FRAME_THEN if b == _OP_IF else _FRAME_BLOCK)
            elif k == _K_I64:
                x = data[pos]
                if x < 0x40:
                    pos += 1
                elif x < 0x80:
                    x -= 0x80
                    pos += 1
                else:
                    x, pos = leb_s64(data, pos)
                append((b, x))
            elif k == _K_F32:
                if pos + 4 > len(data):
                    raise IndexError
                append((b, _u32_bits(data, pos)[0]))
                pos += 4
            elif k == _K_F64:
                if pos + 8 > len(data):
                    raise IndexError
                append((b, _u64_bits(data, pos)[0]))
                pos += 8
            elif k == _K_BR_TABLE:
                n, pos = length_at(data, pos)
                depths = []
                for _ in range(n):
                    x = data[pos]
                    if x < 0x80:
                        pos += 1
                    else:
                        x, pos = leb_u32(data, pos)
                    depths.append(x)
                x, pos = leb_u32(data, pos)
                append((b, (tuple(depths), x)))
            elif k == _K_ELSE:
                if frames[-1] != _FRAME_THEN:
                    raise DecodeError(f"{END_EXPECTED}: else outside an if", start)
                frames[-1] = _FRAME_ELSE
                append(simple[b])
            elif k == _K_CALL_INDIRECT:
                x, pos = leb_u32(data, pos)
                t, pos = leb_u32(data, pos)
                append((b, (x, t)))
            elif k == _K_FC:
                sub, pos = leb_u32(data, pos)
                k = _FC_KIND.get(sub, _K_ILLEGAL)
                op = FC | sub
                if k == _K_NONE:
                    append(_FC_SIMPLE[sub])
                elif k == _K_IDX:
                    x, pos = leb_u32(data, pos)
                    if op == _DATA_DROP and data_ref < 0:
                        data_ref = start
                    append((op, x))
                elif k == _K_IDX2:
                    x, pos = leb_u32(data, pos)
                    t, pos = leb_u32(data, pos)
                    append((op, (x, t)))
                elif k == _K_MEM_INIT:
                    x, pos = leb_u32(data, pos)
                    pos = _zero(data, pos)
                    if data_ref < 0:
                        data_ref = start
                    append((op, x))
                elif k == _K_MEM:
                    pos = _zero(data, pos)
                    append(_FC_SIMPLE[sub])
                elif k == _K_MEM_COPY:
                    pos = _zero(data, _zero(data, pos))
                    append(_FC_SIMPLE[sub])
                else:
                    raise DecodeError(f"{ILLEGAL_OPCODE} 0xfc {sub}", start)
            elif k == _K_SELECT_T:
                n, pos = length_at(data, pos)
                types = []
                for _ in range(n):
                    t, pos = valtype_at(data, pos)
                    types.append(t)
                append((b, tuple(types)))
            elif k == _K_REFTYPE:
                t, pos = reftype_at(data, pos)
                append((b, t))
            elif k == _K_MEM:
                if data[pos]:
                    raise DecodeError(ZERO_BYTE, pos)
                pos += 1
                append(simple[b])
            elif k == _K_FD:
                instr, pos = decode_simd(data, pos, start)
                append(instr)
            else:
                raise _illegal(b, start)
    except IndexError:
        raise DecodeError(UNEXPECTED_END_SECTION, len(data)) from None
