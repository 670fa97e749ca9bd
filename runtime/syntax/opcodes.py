"""The instruction set as data: one table that the decoder, validator and JIT share.

An instruction is a tuple ``(op, imm)``.  ``op`` is the opcode as an int; the
prefixed families are folded into one int space so a dict lookup dispatches
them all: ``0xFC xx`` becomes ``0x10000 | xx`` and ``0xFD xx`` (SIMD) becomes
``0x20000 | xx``.  ``imm`` depends on the immediate kind (see ``Imm``):

=============  ==========================================================
kind           imm
=============  ==========================================================
NONE           None
BLOCK          block type as the decoded s33 (see ``types.BLOCK_EMPTY``)
LABEL          relative depth
BR_TABLE       (tuple of depths, default depth)
FUNC           function index
CALL_INDIRECT  (type index, table index)
LOCAL/GLOBAL   index
TABLE          table index
TABLE_COPY     (dst table, src table)
TABLE_INIT     (elem index, table index)
ELEM           elem segment index
DATA           data segment index (memory.init also reads a zero byte)
MEMARG         (align exponent, offset)
MEM            None (the reserved zero byte / memory index 0 is checked when decoding)
MEM_COPY       None (two reserved zero bytes)
I32/I64        the signed value
F32/F64        the raw IEEE bits as an unsigned int (NaN payloads survive)
SELECT_T       tuple of value types
REFTYPE        reference type
V128           the 16 immediate bytes as an unsigned 128-bit int (little-endian: lane 0 lowest)
LANE           lane index (one byte; the validator checks it against the shape)
SHUFFLE        tuple of the 16 lane indices of ``i8x16.shuffle``
MEMARG_LANE    (align exponent, offset, lane index)
=============  ==========================================================

``NUMERIC`` gives the stack signature of every instruction whose typing is a
fixed ``[params] -> [results]``; the validator checks those generically and the
JIT dispatches them by name.  The SIMD family has its own tables: ``SIMD``
(every 0xFD instruction's stack signature: all of them are fixed),
``SIMD_MEM`` (bytes accessed by the memory instructions, which bounds their
alignment) and ``SIMD_LANES`` (the bound of a lane-index immediate).
"""
from __future__ import annotations

from .types import F32, F64, I32, I64, V128

FC = 0x10000
FD = 0x20000


class Imm:
    NONE = "none"
    BLOCK = "block"
    LABEL = "label"
    BR_TABLE = "br_table"
    FUNC = "func"
    CALL_INDIRECT = "call_indirect"
    LOCAL = "local"
    GLOBAL = "global"
    TABLE = "table"
    TABLE_COPY = "table_copy"
    TABLE_INIT = "table_init"
    ELEM = "elem"
    DATA = "data"
    MEMARG = "memarg"
    MEM = "mem"
    MEM_COPY = "mem_copy"
    I32 = "i32"
    I64 = "i64"
    F32 = "f32"
    F64 = "f64"
    SELECT_T = "select_t"
    REFTYPE = "reftype"
    V128 = "v128"
    LANE = "lane"
    SHUFFLE = "shuffle"
    MEMARG_LANE = "memarg_lane"


# (opcode, name, immediate kind)
_CONTROL_AND_VARIABLE = [
    (0x00, "unreachable", Imm.NONE),
    (0x01, "nop", Imm.NONE),
    (0x02, "block", Imm.BLOCK),
    (0x03, "loop", Imm.BLOCK),
    (0x04, "if", Imm.BLOCK),
    (0x05, "else", Imm.NONE),
    (0x0B, "end", Imm.NONE),
    (0x0C, "br", Imm.LABEL),
    (0x0D, "br_if", Imm.LABEL),
    (0x0E, "br_table", Imm.BR_TABLE),
    (0x0F, "return", Imm.NONE),
    (0x10, "call", Imm.FUNC),
    (0x11, "call_indirect", Imm.CALL_INDIRECT),
    (0x1A, "drop", Imm.NONE),
    (0x1B, "select", Imm.NONE),
    (0x1C, "select_t", Imm.SELECT_T),
    (0x20, "local.get", Imm.LOCAL),
    (0x21, "local.set", Imm.LOCAL),
    (0x22, "local.tee", Imm.LOCAL),
    (0x23, "global.get", Imm.GLOBAL),
    (0x24, "global.set", Imm.GLOBAL),
    (0x25, "table.get", Imm.TABLE),
    (0x26, "table.set", Imm.TABLE),
    (0x3F, "memory.size", Imm.MEM),
    (0x40, "memory.grow", Imm.MEM),
    (0x41, "i32.const", Imm.I32),
    (0x42, "i64.const", Imm.I64),
    (0x43, "f32.const", Imm.F32),
    (0x44, "f64.const", Imm.F64),
    (0xD0, "ref.null", Imm.REFTYPE),
    (0xD1, "ref.is_null", Imm.NONE),
    (0xD2, "ref.func", Imm.FUNC),
    (FC | 8, "memory.init", Imm.DATA),
    (FC | 9, "data.drop", Imm.DATA),
    (FC | 10, "memory.copy", Imm.MEM_COPY),
    (FC | 11, "memory.fill", Imm.MEM),
    (FC | 12, "table.init", Imm.TABLE_INIT),
    (FC | 13, "elem.drop", Imm.ELEM),
    (FC | 14, "table.copy", Imm.TABLE_COPY),
    (FC | 15, "table.grow", Imm.TABLE),
    (FC | 16, "table.size", Imm.TABLE),
    (FC | 17, "table.fill", Imm.TABLE),
]

# Loads and stores: (opcode, name, value type, access bytes, natural align exponent)
LOADS = [
    (0x28, "i32.load", I32, 4), (0x29, "i64.load", I64, 8),
    (0x2A, "f32.load", F32, 4), (0x2B, "f64.load", F64, 8),
    (0x2C, "i32.load8_s", I32, 1), (0x2D, "i32.load8_u", I32, 1),
    (0x2E, "i32.load16_s", I32, 2), (0x2F, "i32.load16_u", I32, 2),
    (0x30, "i64.load8_s", I64, 1), (0x31, "i64.load8_u", I64, 1),
    (0x32, "i64.load16_s", I64, 2), (0x33, "i64.load16_u", I64, 2),
    (0x34, "i64.load32_s", I64, 4), (0x35, "i64.load32_u", I64, 4),
]
STORES = [
    (0x36, "i32.store", I32, 4), (0x37, "i64.store", I64, 8),
    (0x38, "f32.store", F32, 4), (0x39, "f64.store", F64, 8),
    (0x3A, "i32.store8", I32, 1), (0x3B, "i32.store16", I32, 2),
    (0x3C, "i64.store8", I64, 1), (0x3D, "i64.store16", I64, 2),
    (0x3E, "i64.store32", I64, 4),
]


def _un(t, r=None):
    return ((t,), (r if r is not None else t,))


def _bin(t, r=None):
    return ((t, t), (r if r is not None else t,))


_i32u, _i32b, _i32c = _un(I32), _bin(I32), _bin(I32, I32)
_i64u, _i64b, _i64c = _un(I64), _bin(I64), _bin(I64, I32)
_f32u, _f32b, _f32c = _un(F32), _bin(F32), _bin(F32, I32)
_f64u, _f64b, _f64c = _un(F64), _bin(F64), _bin(F64, I32)

# (opcode, name, (params, results))
NUMERIC_TABLE = [
    (0x45, "i32.eqz", _un(I32, I32)),
    (0x46, "i32.eq", _i32c), (0x47, "i32.ne", _i32c), (0x48, "i32.lt_s", _i32c),
    (0x49, "i32.lt_u", _i32c), (0x4A, "i32.gt_s", _i32c), (0x4B, "i32.gt_u", _i32c),
    (0x4C, "i32.le_s", _i32c), (0x4D, "i32.le_u", _i32c), (0x4E, "i32.ge_s", _i32c),
    (0x4F, "i32.ge_u", _i32c),
    (0x50, "i64.eqz", _un(I64, I32)),
    (0x51, "i64.eq", _i64c), (0x52, "i64.ne", _i64c), (0x53, "i64.lt_s", _i64c),
    (0x54, "i64.lt_u", _i64c), (0x55, "i64.gt_s", _i64c), (0x56, "i64.gt_u", _i64c),
    (0x57, "i64.le_s", _i64c), (0x58, "i64.le_u", _i64c), (0x59, "i64.ge_s", _i64c),
    (0x5A, "i64.ge_u", _i64c),
    (0x5B, "f32.eq", _f32c), (0x5C, "f32.ne", _f32c), (0x5D, "f32.lt", _f32c),
    (0x5E, "f32.gt", _f32c), (0x5F, "f32.le", _f32c), (0x60, "f32.ge", _f32c),
    (0x61, "f64.eq", _f64c), (0x62, "f64.ne", _f64c), (0x63, "f64.lt", _f64c),
    (0x64, "f64.gt", _f64c), (0x65, "f64.le", _f64c), (0x66, "f64.ge", _f64c),
    (0x67, "i32.clz", _i32u), (0x68, "i32.ctz", _i32u), (0x69, "i32.popcnt", _i32u),
    (0x6A, "i32.add", _i32b), (0x6B, "i32.sub", _i32b), (0x6C, "i32.mul", _i32b),
    (0x6D, "i32.div_s", _i32b), (0x6E, "i32.div_u", _i32b), (0x6F, "i32.rem_s", _i32b),
    (0x70, "i32.rem_u", _i32b), (0x71, "i32.and", _i32b), (0x72, "i32.or", _i32b),
    (0x73, "i32.xor", _i32b), (0x74, "i32.shl", _i32b), (0x75, "i32.shr_s", _i32b),
    (0x76, "i32.shr_u", _i32b), (0x77, "i32.rotl", _i32b), (0x78, "i32.rotr", _i32b),
    (0x79, "i64.clz", _i64u), (0x7A, "i64.ctz", _i64u), (0x7B, "i64.popcnt", _i64u),
    (0x7C, "i64.add", _i64b), (0x7D, "i64.sub", _i64b), (0x7E, "i64.mul", _i64b),
    (0x7F, "i64.div_s", _i64b), (0x80, "i64.div_u", _i64b), (0x81, "i64.rem_s", _i64b),
    (0x82, "i64.rem_u", _i64b), (0x83, "i64.and", _i64b), (0x84, "i64.or", _i64b),
    (0x85, "i64.xor", _i64b), (0x86, "i64.shl", _i64b), (0x87, "i64.shr_s", _i64b),
    (0x88, "i64.shr_u", _i64b), (0x89, "i64.rotl", _i64b), (0x8A, "i64.rotr", _i64b),
    (0x8B, "f32.abs", _f32u), (0x8C, "f32.neg", _f32u), (0x8D, "f32.ceil", _f32u),
    (0x8E, "f32.floor", _f32u), (0x8F, "f32.trunc", _f32u), (0x90, "f32.nearest", _f32u),
    (0x91, "f32.sqrt", _f32u), (0x92, "f32.add", _f32b), (0x93, "f32.sub", _f32b),
    (0x94, "f32.mul", _f32b), (0x95, "f32.div", _f32b), (0x96, "f32.min", _f32b),
    (0x97, "f32.max", _f32b), (0x98, "f32.copysign", _f32b),
    (0x99, "f64.abs", _f64u), (0x9A, "f64.neg", _f64u), (0x9B, "f64.ceil", _f64u),
    (0x9C, "f64.floor", _f64u), (0x9D, "f64.trunc", _f64u), (0x9E, "f64.nearest", _f64u),
    (0x9F, "f64.sqrt", _f64u), (0xA0, "f64.add", _f64b), (0xA1, "f64.sub", _f64b),
    (0xA2, "f64.mul", _f64b), (0xA3, "f64.div", _f64b), (0xA4, "f64.min", _f64b),
    (0xA5, "f64.max", _f64b), (0xA6, "f64.copysign", _f64b),
    (0xA7, "i32.wrap_i64", _un(I64, I32)),
    (0xA8, "i32.trunc_f32_s", _un(F32, I32)), (0xA9, "i32.trunc_f32_u", _un(F32, I32)),
    (0xAA, "i32.trunc_f64_s", _un(F64, I32)), (0xAB, "i32.trunc_f64_u", _un(F64, I32)),
    (0xAC, "i64.extend_i32_s", _un(I32, I64)), (0xAD, "i64.extend_i32_u", _un(I32, I64)),
    (0xAE, "i64.trunc_f32_s", _un(F32, I64)), (0xAF, "i64.trunc_f32_u", _un(F32, I64)),
    (0xB0, "i64.trunc_f64_s", _un(F64, I64)), (0xB1, "i64.trunc_f64_u", _un(F64, I64)),
    (0xB2, "f32.convert_i32_s", _un(I32, F32)), (0xB3, "f32.convert_i32_u", _un(I32, F32)),
    (0xB4, "f32.convert_i64_s", _un(I64, F32)), (0xB5, "f32.convert_i64_u", _un(I64, F32)),
    (0xB6, "f32.demote_f64", _un(F64, F32)),
    (0xB7, "f64.convert_i32_s", _un(I32, F64)), (0xB8, "f64.convert_i32_u", _un(I32, F64)),
    (0xB9, "f64.convert_i64_s", _un(I64, F64)), (0xBA, "f64.convert_i64_u", _un(I64, F64)),
    (0xBB, "f64.promote_f32", _un(F32, F64)),
    (0xBC, "i32.reinterpret_f32", _un(F32, I32)), (0xBD, "i64.reinterpret_f64", _un(F64, I64)),
    (0xBE, "f32.reinterpret_i32", _un(I32, F32)), (0xBF, "f64.reinterpret_i64", _un(I64, F64)),
    (0xC0, "i32.extend8_s", _i32u), (0xC1, "i32.extend16_s", _i32u),
    (0xC2, "i64.extend8_s", _i64u), (0xC3, "i64.extend16_s", _i64u),
    (0xC4, "i64.extend32_s", _i64u),
    (FC | 0, "i32.trunc_sat_f32_s", _un(F32, I32)), (FC | 1, "i32.trunc_sat_f32_u", _un(F32, I32)),
    (FC | 2, "i32.trunc_sat_f64_s", _un(F64, I32)), (FC | 3, "i32.trunc_sat_f64_u", _un(F64, I32)),
    (FC | 4, "i64.trunc_sat_f32_s", _un(F32, I64)), (FC | 5, "i64.trunc_sat_f32_u", _un(F32, I64)),
    (FC | 6, "i64.trunc_sat_f64_s", _un(F64, I64)), (FC | 7, "i64.trunc_sat_f64_u", _un(F64, I64)),
]


# --- SIMD (0xFD prefix) --------------------------------------------------------
_V = V128
_vu, _vb, _vt = ((_V,), (_V,)), ((_V, _V), (_V,)), ((_V, _V, _V), (_V,))
_vtest = ((_V,), (I32,))
_vshift = ((_V, I32), (_V,))
_vload = ((I32,), (_V,))

#: (sub-opcode, name, immediate kind, (params, results), bytes accessed or 0)
SIMD_TABLE = [
    (0x00, "v128.load", Imm.MEMARG, _vload, 16),
    (0x01, "v128.load8x8_s", Imm.MEMARG, _vload, 8),
    (0x02, "v128.load8x8_u", Imm.MEMARG, _vload, 8),
    (0x03, "v128.load16x4_s", Imm.MEMARG, _vload, 8),
    (0x04, "v128.load16x4_u", Imm.MEMARG, _vload, 8),
    (0x05, "v128.load32x2_s", Imm.MEMARG, _vload, 8),
    (0x06, "v128.load32x2_u", Imm.MEMARG, _vload, 8),
    (0x07, "v128.load8_splat", Imm.MEMARG, _vload, 1),
    (0x08, "v128.load16_splat", Imm.MEMARG, _vload, 2),
    (0x09, "v128.load32_splat", Imm.MEMARG, _vload, 4),
    (0x0A, "v128.load64_splat", Imm.MEMARG, _vload, 8),
    (0x0B, "v128.store", Imm.MEMARG, ((I32, _V), ()), 16),
    (0x0C, "v128.const", Imm.V128, ((), (_V,)), 0),
    (0x0D, "i8x16.shuffle", Imm.SHUFFLE, _vb, 0),
    (0x0E, "i8x16.swizzle", Imm.NONE, _vb, 0),
    (0x0F, "i8x16.splat", Imm.NONE, ((I32,), (_V,)), 0),
    (0x10, "i16x8.splat", Imm.NONE, ((I32,), (_V,)), 0),
    (0x11, "i32x4.splat", Imm.NONE, ((I32,), (_V,)), 0),
    (0x12, "i64x2.splat", Imm.NONE, ((I64,), (_V,)), 0),
    (0x13, "f32x4.splat", Imm.NONE, ((F32,), (_V,)), 0),
    (0x14, "f64x2.splat", Imm.NONE, ((F64,), (_V,)), 0),
    (0x15, "i8x16.extract_lane_s", Imm.LANE, ((_V,), (I32,)), 0),
    (0x16, "i8x16.extract_lane_u", Imm.LANE, ((_V,), (I32,)), 0),
    (0x17, "i8x16.replace_lane", Imm.LANE, ((_V, I32), (_V,)), 0),
    (0x18, "i16x8.extract_lane_s", Imm.LANE, ((_V,), (I32,)), 0),
    (0x19, "i16x8.extract_lane_u", Imm.LANE, ((_V,), (I32,)), 0),
    (0x1A, "i16x8.replace_lane", Imm.LANE, ((_V, I32), (_V,)), 0),
    (0x1B, "i32x4.extract_lane", Imm.LANE, ((_V,), (I32,)), 0),
    (0x1C, "i32x4.replace_lane", Imm.LANE, ((_V, I32), (_V,)), 0),
    (0x1D, "i64x2.extract_lane", Imm.LANE, ((_V,), (I64,)), 0),
    (0x1E, "i64x2.replace_lane", Imm.LANE, ((_V, I64), (_V,)), 0),
    (0x1F, "f32x4.extract_lane", Imm.LANE, ((_V,), (F32,)), 0),
    (0x20, "f32x4.replace_lane", Imm.LANE, ((_V, F32), (_V,)), 0),
    (0x21, "f64x2.extract_lane", Imm.LANE, ((_V,), (F64,)), 0),
    (0x22, "f64x2.replace_lane", Imm.LANE, ((_V, F64), (_V,)), 0),
    (0x4D, "v128.not", Imm.NONE, _vu, 0),
    (0x4E, "v128.and", Imm.NONE, _vb, 0),
    (0x4F, "v128.andnot", Imm.NONE, _vb, 0),
    (0x50, "v128.or", Imm.NONE, _vb, 0),
    (0x51, "v128.xor", Imm.NONE, _vb, 0),
    (0x52, "v128.bitselect", Imm.NONE, _vt, 0),
    (0x53, "v128.any_true", Imm.NONE, _vtest, 0),
    (0x54, "v128.load8_lane", Imm.MEMARG_LANE, ((I32, _V), (_V,)), 1),
    (0x55, "v128.load16_lane", Imm.MEMARG_LANE, ((I32, _V), (_V,)), 2),
    (0x56, "v128.load32_lane", Imm.MEMARG_LANE, ((I32, _V), (_V,)), 4),
    (0x57, "v128.load64_lane", Imm.MEMARG_LANE, ((I32, _V), (_V,)), 8),
    (0x58, "v128.store8_lane", Imm.MEMARG_LANE, ((I32, _V), ()), 1),
    (0x59, "v128.store16_lane", Imm.MEMARG_LANE, ((I32, _V), ()), 2),
    (0x5A, "v128.store32_lane", Imm.MEMARG_LANE, ((I32, _V), ()), 4),
    (0x5B, "v128.store64_lane", Imm.MEMARG_LANE, ((I32, _V), ()), 8),
    (0x5C, "v128.load32_zero", Imm.MEMARG, _vload, 4),
    (0x5D, "v128.load64_zero", Imm.MEMARG, _vload, 8),
]


def _simd_plain(names: str, sig: tuple) -> list[tuple]:
    """Table rows for instructions without immediates: ``names`` is "0xNN name 0xNN name ..."."""
    words = names.split()
    return [(int(words[i], 16), words[i + 1], Imm.NONE, sig, 0) for i in range(0, len(words), 2)]


SIMD_TABLE += _simd_plain("""
    0x23 i8x16.eq 0x24 i8x16.ne 0x25 i8x16.lt_s 0x26 i8x16.lt_u 0x27 i8x16.gt_s 0x28 i8x16.gt_u
    0x29 i8x16.le_s 0x2A i8x16.le_u 0x2B i8x16.ge_s 0x2C i8x16.ge_u
    0x2D i16x8.eq 0x2E i16x8.ne 0x2F i16x8.lt_s 0x30 i16x8.lt_u 0x31 i16x8.gt_s 0x32 i16x8.gt_u
    0x33 i16x8.le_s 0x34 i16x8.le_u 0x35 i16x8.ge_s 0x36 i16x8.ge_u
    0x37 i32x4.eq 0x38 i32x4.ne 0x39 i32x4.lt_s 0x3A i32x4.lt_u 0x3B i32x4.gt_s 0x3C i32x4.gt_u
    0x3D i32x4.le_s 0x3E i32x4.le_u 0x3F i32x4.ge_s 0x40 i32x4.ge_u
    0x41 f32x4.eq 0x42 f32x4.ne 0x43 f32x4.lt 0x44 f32x4.gt 0x45 f32x4.le 0x46 f32x4.ge
    0x47 f64x2.eq 0x48 f64x2.ne 0x49 f64x2.lt 0x4A f64x2.gt 0x4B f64x2.le 0x4C f64x2.ge
    0x65 i8x16.narrow_i16x8_s 0x66 i8x16.narrow_i16x8_u
    0x6E i8x16.add 0x6F i8x16.add_sat_s 0x70 i8x16.add_sat_u
    0x71 i8x16.sub 0x72 i8x16.sub_sat_s 0x73 i8x16.sub_sat_u
    0x76 i8x16.min_s 0x77 i8x16.min_u 0x78 i8x16.max_s 0x79 i8x16.max_u 0x7B i8x16.avgr_u
    0x82 i16x8.q15mulr_sat_s 0x85 i16x8.narrow_i32x4_s 0x86 i16x8.narrow_i32x4_u
    0x8E i16x8.add 0x8F i16x8.add_sat_s 0x90 i16x8.add_sat_u
    0x91 i16x8.sub 0x92 i16x8.sub_sat_s 0x93 i16x8.sub_sat_u 0x95 i16x8.mul
    0x96 i16x8.min_s 0x97 i16x8.min_u 0x98 i16x8.max_s 0x99 i16x8.max_u 0x9B i16x8.avgr_u
    0x9C i16x8.extmul_low_i8x16_s 0x9D i16x8.extmul_high_i8x16_s
    0x9E i16x8.extmul_low_i8x16_u 0x9F i16x8.extmul_high_i8x16_u
    0xAE i32x4.add 0xB1 i32x4.sub 0xB5 i32x4.mul
    0xB6 i32x4.min_s 0xB7 i32x4.min_u 0xB8 i32x4.max_s 0xB9 i32x4.max_u 0xBA i32x4.dot_i16x8_s
    0xBC i32x4.extmul_low_i16x8_s 0xBD i32x4.extmul_high_i16x8_s
    0xBE i32x4.extmul_low_i16x8_u 0xBF i32x4.extmul_high_i16x8_u
    0xCE i64x2.add 0xD1 i64x2.sub 0xD5 i64x2.mul
    0xD6 i64x2.eq 0xD7 i64x2.ne 0xD8 i64x2.lt_s 0xD9 i64x2.gt_s 0xDA i64x2.le_s 0xDB i64x2.ge_s
    0xDC i64x2.extmul_low_i32x4_s 0xDD i64x2.extmul_high_i32x4_s
    0xDE i64x2.extmul_low_i32x4_u 0xDF i64x2.extmul_high_i32x4_u
    0xE4 f32x4.add 0xE5 f32x4.sub 0xE6 f32x4.mul 0xE7 f32x4.div
    0xE8 f32x4.min 0xE9 f32x4.max 0xEA f32x4.pmin 0xEB f32x4.pmax
    0xF0 f64x2.add 0xF1 f64x2.sub 0xF2 f64x2.mul 0xF3 f64x2.div
    0xF4 f64x2.min 0xF5 f64x2.max 0xF6 f64x2.pmin 0xF7 f64x2.pmax
""", _vb)
SIMD_TABLE += _simd_plain("""
    0x5E f32x4.demote_f64x2_zero 0x5F f64x2.promote_low_f32x4
    0x60 i8x16.abs 0x61 i8x16.neg 0x62 i8x16.popcnt
    0x67 f32x4.ceil 0x68 f32x4.floor 0x69 f32x4.trunc 0x6A f32x4.nearest
    0x74 f64x2.ceil 0x75 f64x2.floor 0x7A f64x2.trunc 0x94 f64x2.nearest
    0x7C i16x8.extadd_pairwise_i8x16_s 0x7D i16x8.extadd_pairwise_i8x16_u
    0x7E i32x4.extadd_pairwise_i16x8_s 0x7F i32x4.extadd_pairwise_i16x8_u
    0x80 i16x8.abs 0x81 i16x8.neg
    0x87 i16x8.extend_low_i8x16_s 0x88 i16x8.extend_high_i8x16_s
    0x89 i16x8.extend_low_i8x16_u 0x8A i16x8.extend_high_i8x16_u
    0xA0 i32x4.abs 0xA1 i32x4.neg
    0xA7 i32x4.extend_low_i16x8_s 0xA8 i32x4.extend_high_i16x8_s
    0xA9 i32x4.extend_low_i16x8_u 0xAA i32x4.extend_high_i16x8_u
    0xC0 i64x2.abs 0xC1 i64x2.neg
    0xC7 i64x2.extend_low_i32x4_s 0xC8 i64x2.extend_high_i32x4_s
    0xC9 i64x2.extend_low_i32x4_u 0xCA i64x2.extend_high_i32x4_u
    0xE0 f32x4.abs 0xE1 f32x4.neg 0xE3 f32x4.sqrt 0xEC f64x2.abs 0xED f64x2.neg 0xEF f64x2.sqrt
    0xF8 i32x4.trunc_sat_f32x4_s 0xF9 i32x4.trunc_sat_f32x4_u
    0xFA f32x4.convert_i32x4_s 0xFB f32x4.convert_i32x4_u
    0xFC i32x4.trunc_sat_f64x2_s_zero 0xFD i32x4.trunc_sat_f64x2_u_zero
    0xFE f64x2.convert_low_i32x4_s 0xFF f64x2.convert_low_i32x4_u
""", _vu)
SIMD_TABLE += _simd_plain("""
    0x63 i8x16.all_true 0x64 i8x16.bitmask 0x83 i16x8.all_true 0x84 i16x8.bitmask
    0xA3 i32x4.all_true 0xA4 i32x4.bitmask 0xC3 i64x2.all_true 0xC4 i64x2.bitmask
""", _vtest)
SIMD_TABLE += _simd_plain("""
    0x6B i8x16.shl 0x6C i8x16.shr_s 0x6D i8x16.shr_u 0x8B i16x8.shl 0x8C i16x8.shr_s 0x8D i16x8.shr_u
    0xAB i32x4.shl 0xAC i32x4.shr_s 0xAD i32x4.shr_u 0xCB i64x2.shl 0xCC i64x2.shr_s 0xCD i64x2.shr_u
""", _vshift)

#: lanes of each shape, by the prefix of an instruction name
SHAPE_LANES = {"i8x16": 16, "i16x8": 8, "i32x4": 4, "i64x2": 2, "f32x4": 4, "f64x2": 2}

#: op -> name, for every known instruction
NAMES: dict[int, str] = {}
#: op -> immediate kind
IMM: dict[int, str] = {}
#: op -> (params, results) for instructions with a fixed stack type
NUMERIC: dict[int, tuple[tuple[int, ...], tuple[int, ...]]] = {}
#: op -> (value type, access size in bytes)
LOAD: dict[int, tuple[int, int]] = {}
STORE: dict[int, tuple[int, int]] = {}
#: SIMD op -> (params, results); every 0xFD instruction has a fixed stack type
SIMD: dict[int, tuple[tuple[int, ...], tuple[int, ...]]] = {}
#: SIMD memory op -> bytes accessed (its natural alignment)
SIMD_MEM: dict[int, int] = {}
#: SIMD op with a lane immediate -> number of lanes it may name (32 for shuffle's two inputs)
SIMD_LANES: dict[int, int] = {}

for _op, _name, _imm in _CONTROL_AND_VARIABLE:
    NAMES[_op], IMM[_op] = _name, _imm
for _op, _name, _t, _size in LOADS:
    NAMES[_op], IMM[_op], LOAD[_op] = _name, Imm.MEMARG, (_t, _size)
for _op, _name, _t, _size in STORES:
    NAMES[_op], IMM[_op], STORE[_op] = _name, Imm.MEMARG, (_t, _size)
for _op, _name, _sig in NUMERIC_TABLE:
    NAMES[_op], IMM[_op], NUMERIC[_op] = _name, Imm.NONE, _sig
for _sub, _name, _imm, _sig, _size in SIMD_TABLE:
    _op = FD | _sub
    NAMES[_op], IMM[_op], SIMD[_op] = _name, _imm, _sig
    if _size:
        SIMD_MEM[_op] = _size
    if _imm == Imm.SHUFFLE:
        SIMD_LANES[_op] = 32
    elif _imm in (Imm.LANE, Imm.MEMARG_LANE):
        SIMD_LANES[_op] = 16 // _size if _size else SHAPE_LANES[_name.split(".")[0]]

#: name -> op, so code can say ``OP["i32.add"]`` instead of a magic number
OP: dict[str, int] = {name: op for op, name in NAMES.items()}


def op_name(op: int) -> str:
    """Human-readable name for error messages, also for unknown opcodes."""
    name = NAMES.get(op)
    if name is not None:
        return name
    if op & FD:
        return f"<0xfd {op & 0xFFFF}>"
    if op & FC:
        return f"<0xfc {op & 0xFFFF}>"
    return f"<0x{op:02x}>"
