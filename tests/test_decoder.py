"""The binary decoder: LEB128 rules, every section and segment form, instruction
immediates, error wording and offsets, the spec testsuite's binary modules, and
random mutations that must only ever produce ``DecodeError``."""
from __future__ import annotations

import random
import struct
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from runtime.binary import decode_module
from runtime.binary.reader import Reader, leb_s32, leb_s33, leb_s64, leb_u32, leb_u64
from runtime.errors import DecodeError, WatError
from runtime.syntax.ast import SegmentMode
from runtime.syntax.opcodes import FC, OP
from runtime.syntax.types import (
    BLOCK_EMPTY,
    EXTERNREF,
    F32,
    F64,
    FUNCREF,
    I32,
    I64,
    ExternKind,
    FuncSig,
    GlobalSig,
    Limits,
    MemorySig,
    TableSig,
)
from runtime.wat import wat2wasm

HEADER = b"\x00asm\x01\x00\x00\x00"


# -- tiny assembler ---------------------------------------------------------

def uleb(n: int) -> bytes:
    out = bytearray()
    while True:
        b = n & 0x7F
        n >>= 7
        if n:
            out.append(b | 0x80)
        else:
            out.append(b)
            return bytes(out)


def sleb(n: int) -> bytes:
    out = bytearray()
    while True:
        b = n & 0x7F
        n >>= 7
        if (n == 0 and not b & 0x40) or (n == -1 and b & 0x40):
            out.append(b)
            return bytes(out)
        out.append(b | 0x80)


def vec(items: list[bytes]) -> bytes:
    return uleb(len(items)) + b"".join(items)


def name(s: str) -> bytes:
    raw = s.encode()
    return uleb(len(raw)) + raw


def section(sid: int, payload: bytes) -> bytes:
    return bytes([sid]) + uleb(len(payload)) + payload


def module(*sections: bytes) -> bytes:
    return HEADER + b"".join(sections)


TYPE_VOID = section(1, vec([b"\x60\x00\x00"]))


def func_module(code: bytes, local_decls: bytes = b"\x00", extra: tuple[bytes, ...] = ()) -> bytes:
    """One `[] -> []` function with body ``code`` (which must include its final end)."""
    body = local_decls + code
    return module(TYPE_VOID, section(3, vec([b"\x00"])), *extra,
                  section(10, vec([uleb(len(body)) + body])))


def body_offset(code: bytes, local_decls: bytes = b"\x00") -> int:
    """Offset of the first instruction of ``func_module(code)``'s body in the module."""
    data = func_module(code, local_decls)
    return len(data) - len(code)


def decode_error(data: bytes) -> DecodeError:
    with pytest.raises(DecodeError) as info:
        decode_module(data)
    return info.value


def body_of(code: bytes, **kw) -> list:
    return decode_module(func_module(code, **kw)).funcs[0].body


END = b"\x0b"


# -- LEB128 -----------------------------------------------------------------

LEB_VALUES = [
    (leb_u32, "00", 0),
    (leb_u32, "7f", 127),
    (leb_u32, "8001", 128),
    (leb_u32, "8000", 0),  # over-long but within 5 bytes: allowed
    (leb_u32, "8080808000", 0),
    (leb_u32, "ffffffff0f", 0xFFFF_FFFF),
    (leb_s32, "7f", -1),
    (leb_s32, "40", -64),
    (leb_s32, "3f", 63),
    (leb_s32, "ff7f", -1),
    (leb_s32, "ffffffff07", 2**31 - 1),
    (leb_s32, "8080808078", -(2**31)),
    (leb_s32, "ffffffff7f", -1),
    (leb_s33, "ffffffff0f", 2**32 - 1),
    (leb_s33, "8080808070", -(2**32)),
    (leb_s64, "ffffffffffffffffff00", 2**63 - 1),
    (leb_s64, "8080808080808080807f", -(2**63)),
    (leb_u64, "ffffffffffffffffff01", 2**64 - 1),
]


@pytest.mark.parametrize("fn,hexbytes,value", LEB_VALUES)
def test_leb_values(fn, hexbytes, value):
    data = bytes.fromhex(hexbytes) + b"\xaa"
    assert fn(data, 0) == (value, len(data) - 1)


LEB_ERRORS = [
    # (reader, bytes, reason, offset of the offending byte)
    (leb_u32, "ffffffff1f", "integer too large", 4),
    (leb_u32, "8080808010", "integer too large", 4),
    (leb_u32, "808080808000", "integer representation too long", 5),
    (leb_u32, "ffffffff8f00", "integer representation too long", 5),
    (leb_s32, "ffffffff0f", "integer too large", 4),
    (leb_s32, "8080808070", "integer too large", 4),
    (leb_s32, "808080801f", "integer too large", 4),
    (leb_s32, "ffffffff4f", "integer too large", 4),
    (leb_s32, "ffffffffff7f", "integer representation too long", 5),
    (leb_s33, "ffffffff1f", "integer too large", 4),
    (leb_s33, "8080808060", "integer too large", 4),
    (leb_s33, "808080808000", "integer representation too long", 5),
    (leb_s64, "ffffffffffffffffff01", "integer too large", 9),
    (leb_s64, "8080808080808080807e", "integer too large", 9),
    (leb_s64, "808080808080808080808000", "integer representation too long", 10),
    (leb_u64, "ffffffffffffffffff02", "integer too large", 9),
    (leb_u64, "8080808080808080808000", "integer representation too long", 10),
]


@pytest.mark.parametrize("fn,hexbytes,reason,offset", LEB_ERRORS)
def test_leb_errors(fn, hexbytes, reason, offset):
    with pytest.raises(DecodeError) as info:
        fn(bytes.fromhex(hexbytes), 0)
    assert info.value.reason == reason
    assert info.value.offset == offset


@pytest.mark.parametrize("method,data", [
    ("u32", b"\x80\x80"), ("u32", b"\xff\xff\xff\xff"), ("length", b""), ("u8", b""),
    ("name", b"\x03ab"), ("byte_vec", b"\x02a"), ("valtype", b""), ("valtypes", b"\x02\x7f"),
    ("reftype", b""), ("limits", b"\x01\x00"),
])
def test_reader_end_of_input_is_a_decode_error(method, data):
    with pytest.raises(DecodeError) as info:
        getattr(Reader(data, 0), method)()
    assert info.value.reason == "unexpected end of section or function"
    assert info.value.offset == len(data)


def test_reader_roundtrips_assembler_values():
    rng = random.Random(7)
    for _ in range(2000):
        u = rng.getrandbits(32)
        s = rng.randrange(-(2**63), 2**63)
        assert leb_u32(uleb(u), 0)[0] == u
        assert leb_s64(sleb(s), 0)[0] == s
        s32 = rng.randrange(-(2**31), 2**31)
        assert leb_s32(sleb(s32), 0)[0] == s32


# -- header and section framing ----------------------------------------------

@pytest.mark.parametrize("data,reason", [
    (b"", "unexpected end"),
    (b"\x00as", "unexpected end"),
    (b"asm\x00\x01\x00\x00\x00", "magic header not detected"),
    (b"\x00asm", "unexpected end"),
    (b"\x00asm\x01\x00\x00", "unexpected end"),
    (b"\x00asm\x02\x00\x00\x00", "unknown binary version"),
])
def test_header(data, reason):
    assert decode_error(data).reason.startswith(reason)


def test_empty_module():
    m = decode_module(HEADER)
    assert m.types == [] and m.funcs == [] and m.start is None and m.data_count is None


def test_accepts_bytearray_and_memoryview():
    data = func_module(END)
    assert decode_module(bytearray(data)).funcs[0].body == [(OP["end"], None)]
    assert decode_module(memoryview(data)).funcs[0].body == [(OP["end"], None)]


def test_malformed_section_id_offset():
    err = decode_error(module(TYPE_VOID, b"\x0d\x00"))
    assert err.reason.startswith("malformed section id")
    assert err.offset == len(HEADER) + len(TYPE_VOID)


@pytest.mark.parametrize("order", [(1, 1), (3, 1), (10, 12), (11, 10), (12, 9), (6, 5)])
def test_sections_out_of_order_or_repeated(order):
    empty = {8: uleb(0), 12: uleb(0)}
    data = module(*(section(s, empty.get(s, vec([]))) for s in order))
    err = decode_error(data)
    assert err.reason.startswith("unexpected content after last section")
    assert err.offset == len(HEADER) + 3  # the second section's id byte


def test_section_size_mismatch():
    err = decode_error(module(bytes([1, 5]) + vec([b"\x60\x00\x00"]) + b"\x00"))
    assert err.reason.startswith("section size mismatch")
    assert err.offset == len(HEADER) + 2 + 4


def test_section_longer_than_input_is_length_out_of_bounds():
    err = decode_error(module(b"\x01\x10\x00"))
    assert err.reason.startswith("length out of bounds")
    assert err.offset == len(HEADER) + 1


def test_huge_lengths_fail_fast_without_allocating():
    huge = uleb(0xFFFF_FFFF)
    cases = [
        module(b"\x00" + huge),                              # section size
        module(b"\x01\x05" + huge),                          # vector count
        module(section(0, huge + b"x")),                     # name length
        module(section(11, b"\x01\x01" + huge)),             # data bytes
        func_module(b"\x0e" + huge + b"\x00\x0b"),          # br_table labels
    ]
    for data in cases:
        assert decode_error(data).reason.startswith("length out of bounds")


def test_custom_sections_anywhere_and_kept():
    data = module(section(0, name("first") + b"\x01\x02"), TYPE_VOID,
                  section(0, name("second")), section(3, vec([])), section(0, name("\u00e9")))
    m = decode_module(data)
    assert m.customs == [("first", b"\x01\x02"), ("second", b""), ("\u00e9", b"")]


def test_custom_section_name_must_fit_and_be_utf8():
    assert decode_error(module(section(0, b""))).reason.startswith("unexpected end")
    assert decode_error(module(b"\x00\x01\x05abcde")).reason.startswith("unexpected end")
    err = decode_error(module(section(0, b"\x02\xc0\x80")))
    assert err.reason == "malformed UTF-8 encoding"
    assert err.offset == len(HEADER) + 2


@pytest.mark.parametrize("raw", [b"\xed\xa0\x80", b"\xf4\x90\x80\x80", b"\xe0\x80\x80", b"\xff", b"\xc2"])
def test_import_names_reject_malformed_utf8(raw):
    imp = uleb(len(raw)) + raw + name("f") + b"\x00\x00"
    assert decode_error(module(TYPE_VOID, section(2, vec([imp])))).reason == "malformed UTF-8 encoding"


# -- module sections ---------------------------------------------------------

def test_type_section():
    ty = section(1, vec([b"\x60" + vec([b"\x7f", b"\x7e"]) + vec([b"\x7d"]),
                         b"\x60" + vec([b"\x70", b"\x6f", b"\x7c"]) + vec([])]))
    m = decode_module(module(ty))
    assert m.types == [FuncSig((I32, I64), (F32,)), FuncSig((FUNCREF, EXTERNREF, F64), ())]


@pytest.mark.parametrize("form,reason", [(b"\x61", "malformed function type"),
                                          (b"\xe0\x7f", "integer representation too long")])
def test_type_form(form, reason):
    assert decode_error(module(section(1, vec([form + b"\x00\x00"])))).reason.startswith(reason)


@pytest.mark.parametrize("vt", [b"\x40", b"\x00", b"\x7a"])
def test_malformed_value_type(vt):
    err = decode_error(module(section(1, vec([b"\x60" + vec([vt]) + vec([])]))))
    assert err.reason.startswith("malformed value type")
    assert err.offset == len(HEADER) + 5


def test_import_section_all_kinds():
    imports = [
        name("m") + name("f") + b"\x00" + uleb(0),
        name("m") + name("t") + b"\x01\x70\x01" + uleb(1) + uleb(10),
        name("m") + name("mem") + b"\x02\x00" + uleb(2),
        name("m") + name("g") + b"\x03\x7e\x01",
    ]
    m = decode_module(module(TYPE_VOID, section(2, vec(imports))))
    assert [(i.module, i.name, i.kind) for i in m.imports] == [
        ("m", "f", ExternKind.FUNC), ("m", "t", ExternKind.TABLE),
        ("m", "mem", ExternKind.MEMORY), ("m", "g", ExternKind.GLOBAL)]
    assert [i.desc for i in m.imports] == [
        0, TableSig(FUNCREF, Limits(1, 10)), MemorySig(Limits(2)), GlobalSig(I64, True)]


@pytest.mark.parametrize("kind", [b"\x04", b"\x05", b"\x80"])
def test_malformed_import_kind(kind):
    imp = name("m") + name("f") + kind + b"\x00"
    err = decode_error(module(section(2, vec([imp]))))
    assert err.reason.startswith("malformed import kind")
    assert err.offset == len(HEADER) + 2 + 1 + 4


def test_functions_tables_memories_globals_exports_start():
    data = module(
        TYPE_VOID,
        section(3, vec([uleb(0), uleb(0)])),
        section(4, vec([b"\x70\x00" + uleb(3), b"\x6f\x01" + uleb(0) + uleb(0xFFFF_FFFF)])),
        section(5, vec([b"\x01" + uleb(1) + uleb(65536)])),
        section(6, vec([b"\x7f\x00\x41" + sleb(-7) + END, b"\x6f\x01\xd0\x6f" + END])),
        section(7, vec([name("run") + b"\x00\x01", name("mem") + b"\x02\x00",
                        name("tab") + b"\x01\x01", name("g") + b"\x03\x01"])),
        section(8, uleb(1)),
        section(10, vec([b"\x02\x00\x0b", b"\x02\x00\x0b"])),
    )
    m = decode_module(data)
    assert [f.type_idx for f in m.funcs] == [0, 0]
    assert m.tables == [TableSig(FUNCREF, Limits(3)), TableSig(EXTERNREF, Limits(0, 0xFFFF_FFFF))]
    assert m.mems == [MemorySig(Limits(1, 65536))]
    assert [g.sig for g in m.globals] == [GlobalSig(I32, False), GlobalSig(EXTERNREF, True)]
    assert [g.init for g in m.globals] == [[(OP["i32.const"], -7)], [(OP["ref.null"], EXTERNREF)]]
    assert [(e.name, e.kind, e.index) for e in m.exports] == [
        ("run", ExternKind.FUNC, 1), ("mem", ExternKind.MEMORY, 0),
        ("tab", ExternKind.TABLE, 1), ("g", ExternKind.GLOBAL, 1)]
    assert m.start == 1


def test_malformed_export_kind():
    err = decode_error(module(section(7, vec([name("x") + b"\x04\x00"]))))
    assert err.reason.startswith("malformed export kind")


@pytest.mark.parametrize("mut", [b"\x02", b"\xff"])
def test_malformed_mutability(mut):
    err = decode_error(module(section(6, vec([b"\x7f" + mut + b"\x41\x00\x0b"]))))
    assert err.reason.startswith("malformed mutability")
    assert err.offset == len(HEADER) + 4


@pytest.mark.parametrize("limits,reason", [
    (b"\x02\x00", "integer too large"),
    (b"\x08\x00", "integer too large"),
    (b"\x81\x00\x00\x00", "integer representation too long"),
])
def test_limits_flags(limits, reason):
    assert decode_error(module(section(5, vec([limits])))).reason.startswith(reason)
    assert decode_error(module(section(4, vec([b"\x70" + limits])))).reason.startswith(reason)


def test_table_reference_type():
    err = decode_error(module(section(4, vec([b"\x7f\x00\x00"]))))
    assert err.reason.startswith("malformed reference type")


# -- element and data segments -------------------------------------------------

I32_CONST_1 = b"\x41\x01\x0b"
REF_FUNC = OP["ref.func"]


def _elem_module(*segments: bytes) -> bytes:
    return module(TYPE_VOID, section(3, vec([b"\x00", b"\x00"])), section(9, vec(list(segments))),
                  section(10, vec([b"\x02\x00\x0b", b"\x02\x00\x0b"])))


FUNC_ITEMS = [[(REF_FUNC, 0)], [(REF_FUNC, 1)]]
EXPR_ITEMS = [[(REF_FUNC, 1)], [(OP["ref.null"], FUNCREF)]]
EXPRS = vec([b"\xd2\x01\x0b", b"\xd0\x70\x0b"])
OFFSET = [(OP["i32.const"], 1)]

ELEM_FORMS = [
    (b"\x00" + I32_CONST_1 + vec([b"\x00", b"\x01"]),
     (SegmentMode.ACTIVE, FUNCREF, FUNC_ITEMS, 0, OFFSET)),
    (b"\x01\x00" + vec([b"\x00", b"\x01"]),
     (SegmentMode.PASSIVE, FUNCREF, FUNC_ITEMS, 0, None)),
    (b"\x02\x03" + I32_CONST_1 + b"\x00" + vec([b"\x00", b"\x01"]),
     (SegmentMode.ACTIVE, FUNCREF, FUNC_ITEMS, 3, OFFSET)),
    (b"\x03\x00" + vec([b"\x00", b"\x01"]),
     (SegmentMode.DECLARATIVE, FUNCREF, FUNC_ITEMS, 0, None)),
    (b"\x04" + I32_CONST_1 + EXPRS,
     (SegmentMode.ACTIVE, FUNCREF, EXPR_ITEMS, 0, OFFSET)),
    (b"\x05\x6f" + vec([b"\xd0\x6f\x0b"]),
     (SegmentMode.PASSIVE, EXTERNREF, [[(OP["ref.null"], EXTERNREF)]], 0, None)),
    (b"\x06\x02" + I32_CONST_1 + b"\x70" + EXPRS,
     (SegmentMode.ACTIVE, FUNCREF, EXPR_ITEMS, 2, OFFSET)),
    (b"\x07\x70" + EXPRS,
     (SegmentMode.DECLARATIVE, FUNCREF, EXPR_ITEMS, 0, None)),
]


@pytest.mark.parametrize("flags", range(8))
def test_element_segment_forms(flags):
    segment, expected = ELEM_FORMS[flags]
    assert segment[0] == flags
    m = decode_module(_elem_module(segment))
    (e,) = m.elems
    assert (e.mode, e.elem_type, e.init, e.table, e.offset_expr) == expected
    assert e.offset == len(_elem_module(segment)) - len(segment) - 9


def test_all_element_forms_in_one_section():
    m = decode_module(_elem_module(*(seg for seg, _ in ELEM_FORMS)))
    assert [e.mode for e in m.elems] == [exp[0] for _, exp in ELEM_FORMS]


@pytest.mark.parametrize("segment,reason", [
    (b"\x01\x01" + vec([b"\x00"]), "malformed element kind"),
    (b"\x02\x00" + I32_CONST_1 + b"\x70" + vec([b"\x00"]), "malformed element kind"),
    (b"\x05\x7f" + vec([b"\xd2\x00\x0b"]), "malformed reference type"),
    (b"\x08" + I32_CONST_1 + vec([]), "malformed elements segment kind"),
    (b"\x05\x70" + vec([b"\xf3\x00\x0b"]), "illegal opcode"),
])
def test_element_segment_errors(segment, reason):
    assert decode_error(_elem_module(segment)).reason.startswith(reason)


def test_data_segment_forms():
    segs = [b"\x00" + I32_CONST_1 + name("ab"), b"\x01" + name("c"), b"\x02\x01" + I32_CONST_1 + name("")]
    m = decode_module(module(section(5, vec([b"\x00\x01"])), section(12, uleb(3)), section(11, vec(segs))))
    assert m.data_count == 3
    assert [(d.mode, d.init, d.memory, d.offset_expr) for d in m.datas] == [
        (SegmentMode.ACTIVE, b"ab", 0, OFFSET),
        (SegmentMode.PASSIVE, b"c", 0, None),
        (SegmentMode.ACTIVE, b"", 1, OFFSET),
    ]


def test_data_segment_errors():
    assert decode_error(module(section(11, vec([b"\x03" + name("")])))).reason.startswith(
        "malformed data segment kind")
    # the byte string runs past the end of the module
    assert decode_error(module(section(11, vec([b"\x01\x04abc"])))).reason.startswith(
        "unexpected end")


@pytest.mark.parametrize("count,segments", [(3, 2), (1, 2), (1, None), (0, 1)])
def test_data_count_mismatch(count, segments):
    parts = [section(12, uleb(count))]
    if segments is not None:
        parts.append(section(11, vec([b"\x01" + name("")] * segments)))
    assert decode_error(module(*parts)).reason.startswith(
        "data count and data section have inconsistent lengths")


def test_data_count_zero_without_data_section_is_fine():
    assert decode_module(module(section(12, uleb(0)))).data_count == 0


@pytest.mark.parametrize("code", [b"\x41\x00\x41\x00\x41\x00\xfc\x08\x00\x00", b"\xfc\x09\x00"])
def test_data_count_required(code):
    data = func_module(code + END, extra=(section(5, vec([b"\x00\x01"])),))
    data += section(11, vec([b"\x01" + name("x")]))
    err = decode_error(data)
    assert err.reason == "data count section required"
    assert err.offset == data.index(code + END) + code.index(b"\xfc")
    with_count = func_module(code + END, extra=(section(5, vec([b"\x00\x01"])), section(12, uleb(1))))
    assert decode_module(with_count + section(11, vec([b"\x01" + name("x")]))).data_count == 1


# -- code section ---------------------------------------------------------------

def test_function_and_code_counts_must_match():
    two_funcs = section(3, vec([b"\x00", b"\x00"]))
    cases = [
        module(TYPE_VOID, two_funcs),
        module(section(10, vec([b"\x02\x00\x0b"]))),
        module(TYPE_VOID, two_funcs, section(10, vec([b"\x02\x00\x0b"]))),
        module(TYPE_VOID, section(3, vec([b"\x00"])), section(10, vec([b"\x02\x00\x0b"] * 2))),
    ]
    for data in cases:
        assert decode_error(data).reason.startswith(
            "function and code section have inconsistent lengths")


def test_locals_run_length_and_limits():
    m = decode_module(func_module(END, local_decls=vec([uleb(2) + b"\x7f", uleb(0xFFFF_FFFD) + b"\x7c"])))
    assert m.funcs[0].locals == [(2, I32), (0xFFFF_FFFD, F64)]
    too_many = vec([uleb(0xFFFF_FFFF) + b"\x7f", uleb(2) + b"\x7e"])
    assert decode_error(func_module(END, local_decls=too_many)).reason.startswith("too many locals")
    four_big = vec([uleb(0x4000_0000) + t for t in (b"\x7f", b"\x7e", b"\x7d", b"\x7c")])
    assert decode_error(func_module(END, local_decls=four_big)).reason.startswith("too many locals")
    assert decode_error(func_module(END, local_decls=vec([b"\x01\x40"]))).reason.startswith(
        "malformed value type")


def test_body_offsets_and_function_offset():
    code = b"\x41\x05\x20\x00\x1a\x0b"
    data = func_module(code)
    f = decode_module(data).funcs[0]
    start = len(data) - len(code)
    assert f.offsets == [start, start + 2, start + 4, start + 5]
    assert f.offset == start - 2  # the body size byte, then the locals count
    assert data[f.offset] == len(code) + 1


def test_body_size_must_match():
    # the function's final end comes after the byte size says the body is over
    data = module(TYPE_VOID, section(3, vec([b"\x00"])), section(10, b"\x01\x02\x00\x01\x0b"))
    assert decode_error(data).reason.startswith("section size mismatch")
    # bytes left over after the final end
    data = module(TYPE_VOID, section(3, vec([b"\x00"])), section(10, b"\x01\x03\x00\x0b\x01"))
    assert decode_error(data).reason.startswith("section size mismatch")


def test_missing_end():
    assert decode_error(func_module(b"\x41\x01\x1a")).reason.startswith("unexpected end")
    assert decode_error(func_module(b"\x02\x40\x0b")).reason.startswith("unexpected end")


@pytest.mark.parametrize("code", [b"\x05\x0b", b"\x02\x40\x05\x0b\x0b",
                                  b"\x41\x00\x04\x40\x05\x05\x0b\x0b"])
def test_else_outside_if(code):
    err = decode_error(func_module(code))
    assert err.reason.startswith("END opcode expected")
    assert err.offset == body_offset(code) + code.rindex(b"\x05")


def test_deep_nesting_does_not_recurse():
    depth = 100_000
    body = body_of(b"\x02\x40" * depth + END * (depth + 1))
    assert len(body) == 2 * depth + 1


# -- instructions -----------------------------------------------------------------

def test_control_immediates():
    code = (b"\x02\x40" b"\x03\x7f" b"\x04\x7e" b"\x05" b"\x0b" b"\x0b" b"\x0b"
            b"\x02\x05\x0b" b"\x02\x80\x01\x0b" b"\x02\x6f\x0b"
            b"\x0c\x01\x0d\x80\x01\x0e" + vec([b"\x00", b"\x02"]) + b"\x01"
            b"\x10\x07\x11\x03\x02\x1b\x1c" + vec([b"\x7f", b"\x6f"]) + b"\x0f" + END)
    assert body_of(code) == [
        (OP["block"], BLOCK_EMPTY), (OP["loop"], -1), (OP["if"], -2), (OP["else"], None),
        (OP["end"], None), (OP["end"], None), (OP["end"], None),
        (OP["block"], 5), (OP["end"], None), (OP["block"], 128), (OP["end"], None),
        (OP["block"], -17), (OP["end"], None),
        (OP["br"], 1), (OP["br_if"], 128), (OP["br_table"], ((0, 2), 1)),
        (OP["call"], 7), (OP["call_indirect"], (3, 2)), (OP["select"], None),
        (OP["select_t"], (I32, EXTERNREF)), (OP["return"], None), (OP["end"], None),
    ]


@pytest.mark.parametrize("bt", [b"\x41", b"\x7a", b"\xff\x7f", b"\xc0\x7f"])
def test_malformed_block_type(bt):
    err = decode_error(func_module(b"\x02" + bt + END + END))
    assert err.reason.startswith("malformed block type")
    assert err.offset == body_offset(b"\x02" + bt + END + END) + 1


def test_variable_table_and_reference_immediates():
    code = (b"\x20\x00\x21\x01\x22\x02\x23\x03\x24\x04\x25\x05\x26\x06"
            b"\xd0\x70\xd0\x6f\xd1\xd2\x09"
            b"\xfc\x0c\x01\x02\xfc\x0d\x03\xfc\x0e\x04\x05\xfc\x0f\x06\xfc\x10\x07\xfc\x11\x08" + END)
    assert body_of(code) == [
        (OP["local.get"], 0), (OP["local.set"], 1), (OP["local.tee"], 2),
        (OP["global.get"], 3), (OP["global.set"], 4), (OP["table.get"], 5), (OP["table.set"], 6),
        (OP["ref.null"], FUNCREF), (OP["ref.null"], EXTERNREF), (OP["ref.is_null"], None),
        (OP["ref.func"], 9),
        (OP["table.init"], (1, 2)), (OP["elem.drop"], 3), (OP["table.copy"], (4, 5)),
        (OP["table.grow"], 6), (OP["table.size"], 7), (OP["table.fill"], 8), (OP["end"], None),
    ]


def test_numeric_immediates():
    nan_payload = 0x7FC0_0001
    code = (b"\x41" + sleb(-(2**31)) + b"\x42" + sleb(2**63 - 1) + b"\x42\x40"
            + b"\x43" + struct.pack("<I", nan_payload) + b"\x44" + struct.pack("<Q", 0xFFF8_0000_0000_0001)
            + b"\x6a\xc4\xfc\x00\xfc\x07" + END)
    assert body_of(code) == [
        (OP["i32.const"], -(2**31)), (OP["i64.const"], 2**63 - 1), (OP["i64.const"], -64),
        (OP["f32.const"], nan_payload), (OP["f64.const"], 0xFFF8_0000_0000_0001),
        (OP["i32.add"], None), (OP["i64.extend32_s"], None),
        (OP["i32.trunc_sat_f32_s"], None), (OP["i64.trunc_sat_f64_u"], None), (OP["end"], None),
    ]


@pytest.mark.parametrize("code", [b"\x43\x00\x00", b"\x44" + b"\x00" * 7])
def test_truncated_float_constant(code):
    # the module ends inside the constant's fixed-width bytes
    err = decode_error(func_module(code))
    assert err.reason.startswith("unexpected end")
    assert err.offset == len(func_module(code))


def test_memory_immediates():
    code = (b"\x28\x02\x10\x37\x03" + uleb(0xFFFF_FFFF) + b"\x2c\x1f\x00"
            b"\x3f\x00\x40\x00\xfc\x08\x05\x00\xfc\x09\x06\xfc\x0a\x00\x00\xfc\x0b\x00" + END)
    data = func_module(code, extra=(section(12, uleb(0)),))
    assert decode_module(data).funcs[0].body == [
        (OP["i32.load"], (2, 16)), (OP["i64.store"], (3, 0xFFFF_FFFF)), (OP["i32.load8_s"], (31, 0)),
        (OP["memory.size"], None), (OP["memory.grow"], None), (OP["memory.init"], 5),
        (OP["data.drop"], 6), (OP["memory.copy"], None), (OP["memory.fill"], None), (OP["end"], None),
    ]


@pytest.mark.parametrize("code,at", [
    (b"\x3f\x01", 1), (b"\x40\x80\x00", 1), (b"\xfc\x0b\x01", 2), (b"\xfc\x0a\x00\x01", 3),
    (b"\xfc\x0a\x01\x00", 2), (b"\xfc\x08\x00\x01", 3),
])
def test_zero_byte_expected(code, at):
    data = func_module(code + END)
    err = decode_error(data)
    assert err.reason == "zero byte expected"
    assert err.offset == body_offset(code + END) + at


@pytest.mark.parametrize("align", [b"\x20", b"\x21", b"\x3f", b"\x40", b"\x80\x01"])
def test_malformed_memop_flags(align):
    err = decode_error(func_module(b"\x41\x00\x28" + align + b"\x00\x1a" + END))
    assert err.reason.startswith("malformed memop flags")


@pytest.mark.parametrize("code,text", [
    (b"\x06", "0x06"), (b"\x27", "0x27"), (b"\xc5", "0xc5"), (b"\xff", "0xff"),
    (b"\xfc\x12", "0xfc 18"), (b"\xfc\x80\x01", "0xfc 128"),
])
def test_illegal_opcode(code, text):
    err = decode_error(func_module(code + END))
    assert err.reason.startswith("illegal opcode") and text in err.reason
    assert err.offset == body_offset(code + END)


def test_prefixed_subopcode_leb_rules():
    err = decode_error(func_module(b"\xfc\x87\x80\x80\x80\x80\x00" + END))
    assert err.reason == "integer representation too long"


def test_simd_unknown_subopcode_and_truncated_immediate():
    err = decode_error(func_module(b"\x41\x00\xfd\x9a\x01" + END))   # 0xfd 0x9a: reserved
    assert err.reason == "illegal opcode 0xfd 154"
    assert err.offset == body_offset(b"\x41\x00\xfd\x9a\x01" + END) + 2
    err = decode_error(func_module(b"\xfd\x0c" + b"\x00" * 15))        # v128.const needs 16 bytes
    assert err.reason == "unexpected end of section or function"


def test_every_opcode_in_the_table_decodes():
    """Every instruction the shared table knows has a decoding (dummy immediates)."""
    from runtime.syntax.opcodes import IMM, Imm

    imm_bytes = {
        Imm.NONE: b"", Imm.LABEL: b"\x00", Imm.FUNC: b"\x00", Imm.LOCAL: b"\x00",
        Imm.GLOBAL: b"\x00", Imm.TABLE: b"\x00", Imm.ELEM: b"\x00", Imm.DATA: b"\x00",
        Imm.BR_TABLE: b"\x00\x00", Imm.CALL_INDIRECT: b"\x00\x00", Imm.TABLE_COPY: b"\x00\x00",
        Imm.TABLE_INIT: b"\x00\x00", Imm.MEMARG: b"\x00\x00", Imm.MEM: b"\x00",
        Imm.MEM_COPY: b"\x00\x00", Imm.I32: b"\x00", Imm.I64: b"\x00", Imm.F32: b"\x00" * 4,
        Imm.F64: b"\x00" * 8, Imm.SELECT_T: b"\x01\x7f", Imm.REFTYPE: b"\x70", Imm.BLOCK: b"\x40",
        Imm.V128: b"\x00" * 16, Imm.SHUFFLE: b"\x00" * 16, Imm.LANE: b"\x00",
        Imm.MEMARG_LANE: b"\x00\x00\x00",
    }
    for op, imm in IMM.items():
        if op in (OP["end"], OP["else"]):
            continue
        if op & 0x20000:
            opcode = bytes([0xFD]) + uleb(op & 0xFFFF)
        else:
            opcode = bytes([0xFC]) + uleb(op & 0xFFFF) if op & FC else bytes([op])
        extra = b"\x00" if op == OP["memory.init"] else b""
        closer = END if imm == Imm.BLOCK else b""
        code = opcode + imm_bytes[imm] + extra + closer + END
        body = decode_module(func_module(code, extra=(section(12, uleb(0)),))).funcs[0].body
        assert body[0][0] == op, f"0x{op:x}"


# -- WAT-assembled modules ---------------------------------------------------------

RICH_WAT = """
(module
  (type $t (func (param i32 i64) (result f32)))
  (import "env" "f" (func $imp (type $t)))
  (import "env" "mem" (memory 1 2))
  (import "env" "tab" (table 2 funcref))
  (import "env" "g" (global $gi (mut f64)))
  (table $t2 3 10 externref)
  (global $g (mut i32) (i32.const 42))
  (global f64 (f64.const 1.5))
  (export "run" (func $run))
  (export "g" (global $g))
  (start $start)
  (elem (i32.const 0) $run $start)
  (elem func $run)
  (elem declare func $start)
  (elem (table $t2) (i32.const 1) externref (ref.null extern))
  (data (i32.const 8) "hello")
  (data "passive")
  (func $start)
  (func $run (param i32) (result i32) (local i64 i64 f32)
    (block $b (result i32)
      (loop $l
        (br_if $l (i32.eqz (local.get 0)))
        (br_table $b $l $b (i32.const 7) (local.get 0))
        (drop)
      )
      (if (result i32) (local.get 0)
        (then (i32.load offset=4 align=2 (i32.const 0)))
        (else (call_indirect (type $t) (i32.const 1) (i64.const -1) (i32.const 0)) (drop) (i32.const 3)))
    )
    (memory.init 1 (i32.const 0) (i32.const 0) (i32.const 0))
    (data.drop 1)
    (table.copy $t2 $t2 (i32.const 0) (i32.const 0) (i32.const 0))
    (select (result i32) (i32.const 1) (i32.const 2) (i32.const 3))
    drop
  )
)
"""


@pytest.fixture(scope="module")
def rich_module() -> bytes:
    try:
        return wat2wasm(RICH_WAT)
    except WatError as e:
        pytest.skip(f"wasm-tools unavailable: {e}")


def test_rich_wat_module(rich_module):
    m = decode_module(rich_module)
    assert [i.kind for i in m.imports] == [ExternKind.FUNC, ExternKind.MEMORY, ExternKind.TABLE,
                                           ExternKind.GLOBAL]
    assert m.tables == [TableSig(EXTERNREF, Limits(3, 10))]
    assert m.globals[0].init == [(OP["i32.const"], 42)]
    assert m.globals[1].init == [(OP["f64.const"], struct.unpack("<Q", struct.pack("<d", 1.5))[0])]
    assert m.start == 1
    assert [e.mode for e in m.elems] == [SegmentMode.ACTIVE, SegmentMode.PASSIVE,
                                        SegmentMode.DECLARATIVE, SegmentMode.ACTIVE]
    assert m.elems[0].init == [[(REF_FUNC, 2)], [(REF_FUNC, 1)]]
    assert m.elems[3].table == 1 and m.elems[3].elem_type == EXTERNREF
    assert [(d.mode, d.init) for d in m.datas] == [(SegmentMode.ACTIVE, b"hello"),
                                                   (SegmentMode.PASSIVE, b"passive")]
    assert m.data_count == 2
    run = m.funcs[1]
    assert run.locals == [(2, I64), (1, F32)]
    assert (OP["i32.load"], (1, 4)) in run.body
    assert (OP["br_table"], ((1, 0), 1)) in run.body
    assert (OP["table.copy"], (1, 1)) in run.body
    assert run.body[-1] == (OP["end"], None)
    assert len(run.offsets) == len(run.body)
    assert all(a < b for a, b in zip(run.offsets, run.offsets[1:]))


# -- the spec testsuite --------------------------------------------------------------

def _spec_modules(testsuite_dir: Path) -> tuple[list[tuple[str, bytes, str]], list[tuple[str, bytes]]]:
    from fuzzrt.spec.convert import ConversionError, convert

    wasts = [p for p in sorted(testsuite_dir.glob("*.wast")) if not p.name.startswith("simd")]
    try:
        with ThreadPoolExecutor(max_workers=2) as pool:
            scripts = list(pool.map(convert, wasts))
    except ConversionError as e:
        pytest.skip(f"cannot convert the testsuite: {e}")
    malformed, wellformed = [], []
    for script in scripts:
        for cmd in script.commands:
            fname = cmd.get("filename", "")
            if cmd.get("module_type", "binary") != "binary" or not fname.endswith(".wasm"):
                continue
            where = f"{script.source.name}:{cmd['line']}"
            data = script.module_path(cmd).read_bytes()
            if cmd["type"] == "assert_malformed":
                malformed.append((where, data, cmd["text"]))
            elif cmd["type"] in ("module", "assert_invalid", "assert_unlinkable",
                                 "assert_uninstantiable", "assert_trap", "assert_exhaustion"):
                wellformed.append((where, data))
    return malformed, wellformed


@pytest.fixture(scope="module")
def spec_modules(testsuite_dir):
    wasts = [p for p in testsuite_dir.glob("*.wast") if not p.name.startswith("simd")]
    if len(wasts) != 90:
        pytest.skip(f"expected the 90 non-SIMD wasm-2.0 .wast files in {testsuite_dir}, found {len(wasts)}")
    return _spec_modules(testsuite_dir)


def test_spec_malformed_binaries_are_rejected_with_spec_wording(spec_modules):
    malformed, _ = spec_modules
    assert len(malformed) > 700
    wrong = []
    for where, data, text in malformed:
        try:
            decode_module(data)
            wrong.append(f"{where}: accepted, expected {text!r}")
        except DecodeError as e:
            if not e.reason.startswith(text):
                wrong.append(f"{where}: {e.reason!r}, expected {text!r}")
    assert not wrong, "\n".join(wrong[:20])


def test_spec_wellformed_binaries_decode(spec_modules):
    _, wellformed = spec_modules
    assert len(wellformed) > 2500
    wrong = []
    for where, data in wellformed:
        try:
            decode_module(data)
        except DecodeError as e:
            wrong.append(f"{where}: {e}")
    assert not wrong, "\n".join(wrong[:20])


# -- robustness ------------------------------------------------------------------------

def _mutate(rng: random.Random, data: bytes) -> bytes:
    buf = bytearray(data)
    for _ in range(rng.randint(1, 4)):
        choice = rng.random()
        pos = rng.randrange(len(buf)) if buf else 0
        if choice < 0.4 and buf:
            buf[pos] = rng.randrange(256)
        elif choice < 0.55 and buf:
            buf[pos] = rng.choice((0x00, 0x7F, 0x80, 0xFF, 0x0B, 0x05, 0x40))
        elif choice < 0.7:
            buf.insert(pos, rng.randrange(256))
        elif choice < 0.8 and buf:
            del buf[pos]
        elif choice < 0.9:
            del buf[rng.randrange(len(buf) + 1):]
        else:
            n = rng.randint(1, 8)
            buf[pos:pos] = buf[pos:pos + n]
    return bytes(buf)


def test_random_mutations_only_raise_decode_error(rich_module):
    seeds = [
        rich_module,
        _elem_module(*(seg for seg, _ in ELEM_FORMS)),
        func_module(b"\x02\x40\x41\x01\x04\x7f\x41\x02\x05\x41\x03\x0b\x1a\x0b" + END,
                    local_decls=vec([b"\x02\x7f"])),
    ]
    rng = random.Random(20240521)
    outcomes = {"ok": 0, "error": 0}
    for _ in range(4000):
        data = _mutate(rng, rng.choice(seeds))
        try:
            decode_module(data)
            outcomes["ok"] += 1
        except DecodeError:
            outcomes["error"] += 1
    assert outcomes["error"] > 1000 and outcomes["ok"] > 50
