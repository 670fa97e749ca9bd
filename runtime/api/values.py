"""WebAssembly values (``Val``) and the raw bit-pattern conversions used at the JIT boundary.

A ``Val`` keeps numbers as their *unsigned bit pattern* (``_raw``): i32 in
0..2**32-1, i64 in 0..2**64-1, f32/f64 as their IEEE bits, v128 as a 128-bit
int.  Floats are never stored as Python floats because widening an f32 to a C
double quiets signalling NaNs; keeping bits makes ``Val.f32_bits(b).bits == b``
hold for every ``b``, which the differential fuzzer relies on.  Python floats
and signed ints are produced only when someone asks for ``.value``.

References keep the Python object itself (a ``Func``, any host object, or
None); turning them into native pointers needs a store, so the module-level
``to_raw``/``from_raw`` helpers deal with numeric and v128 types only.

Plain Python arguments are accepted exactly as wasmtime-py accepts them: ints
(including bools) for i32/i64, floats for f32/f64, and nothing else.
"""
from __future__ import annotations

import math
import struct
from typing import Any, Callable

from ..errors import WasmError
from ..syntax.types import EXTERNREF, F32, F64, FUNCREF, I32, I64, V128, valtype_name
from .types import ValType

_M32 = 0xFFFF_FFFF
_M64 = 0xFFFF_FFFF_FFFF_FFFF
_M128 = (1 << 128) - 1
_S32 = 0x8000_0000
_S64 = 0x8000_0000_0000_0000
_F32_POS_INF = 0x7F80_0000
_F32_NEG_INF = 0xFF80_0000

# Bound methods of precompiled structs: the conversions below are on the hot
# Python->wasm call path, so they avoid attribute lookups and format parsing.
_pack_f32 = struct.Struct("<f").pack
_unpack_f32 = struct.Struct("<f").unpack
_pack_f64 = struct.Struct("<d").pack
_unpack_f64 = struct.Struct("<d").unpack
_pack_u32 = struct.Struct("<I").pack
_unpack_u32 = struct.Struct("<I").unpack
_pack_u64 = struct.Struct("<Q").pack
_unpack_u64 = struct.Struct("<Q").unpack


def f32_to_bits(x: float) -> int:
    """IEEE single bits of ``x`` rounded to f32, as a C cast rounds it (overflow gives +-inf)."""
    try:
        return _unpack_u32(_pack_f32(x))[0]
    except OverflowError:
        # struct refuses finite doubles beyond the f32 range; C (and wasmtime) round them to infinity.
        return _F32_POS_INF if x > 0 else _F32_NEG_INF


def f64_to_bits(x: float) -> int:
    """IEEE double bits of ``x``."""
    return _unpack_u64(_pack_f64(x))[0]


def bits_to_f32(bits: int) -> float:
    """The f32 with IEEE bits ``bits`` (masked to 32) as a Python float (sNaNs come back quieted)."""
    return _unpack_f32(_pack_u32(bits & _M32))[0]


def bits_to_f64(bits: int) -> float:
    """The f64 with IEEE bits ``bits`` (masked to 64) as a Python float."""
    return _unpack_f64(_pack_u64(bits & _M64))[0]


def _describe(value: Any) -> str:
    try:
        text = repr(value)
    except Exception:  # a broken __repr__, or an int too long to print, must not mask the TypeError
        text = object.__repr__(value)
    if len(text) > 60:
        text = text[:57] + "..."
    return f"{text} ({type(value).__name__})"


def _to_raw_slow(code: int, value: Any) -> int:
    """``to_raw`` for everything but an exact int/float: Vals, bools, int/float subclasses, errors."""
    if isinstance(value, Val):
        if value._kind != code:
            raise TypeError(f"wrong type of `Val` provided: expected {valtype_name(code)}, got {value.type}")
        if code == FUNCREF or code == EXTERNREF:
            raise TypeError(f"{valtype_name(code)} values are converted by the store, not by to_raw")
        return value._raw
    if code == I32 or code == I64 or code == V128:
        if isinstance(value, int):
            return value & (_M32 if code == I32 else _M64 if code == I64 else _M128)
    elif code == F32 or code == F64:
        if isinstance(value, float):
            return f32_to_bits(value) if code == F32 else f64_to_bits(value)
    elif code == FUNCREF or code == EXTERNREF:
        raise TypeError(f"{valtype_name(code)} values are converted by the store, not by to_raw")
    else:
        raise TypeError(f"{code!r} is not a value type code")
    raise TypeError(f"don't know how to convert {_describe(value)} to {valtype_name(code)}")


def to_raw(code: int, value: Any) -> int:
    """The unsigned bit pattern of ``value`` as a wasm value of type ``code`` (numeric and v128 only).

    ``value`` is a ``Val`` of that type, an int for i32/i64/v128 (wrapped to
    the width) or a float for f32/f64; anything else is a TypeError, as in
    wasmtime-py.
    """
    cls = value.__class__
    if cls is int:
        if code == I32:
            return value & _M32
        if code == I64:
            return value & _M64
    elif cls is float:
        if code == F64:
            return _unpack_u64(_pack_f64(value))[0]
        if code == F32:
            return f32_to_bits(value)
    return _to_raw_slow(code, value)


def from_raw(code: int, raw: int) -> Any:
    """The Python value of a raw bit pattern: signed int for i32/i64, float for f32/f64, int for v128.

    ``raw`` may be signed or unsigned (it is masked to the type's width first),
    so results read back from ctypes' signed slots convert correctly.
    """
    if code == I32:
        return ((raw & _M32) ^ _S32) - _S32
    if code == I64:
        return ((raw & _M64) ^ _S64) - _S64
    if code == F64:
        return _unpack_f64(_pack_u64(raw & _M64))[0]
    if code == F32:
        return _unpack_f32(_pack_u32(raw & _M32))[0]
    if code == V128:
        return raw & _M128
    raise TypeError(f"from_raw converts numeric and v128 values only, not {valtype_name(code)}")


_MASKS = {I32: _M32, I64: _M64, F32: _M32, F64: _M64, V128: _M128}


def val_from_raw(code: int, raw: int) -> Val:
    """A ``Val`` of type ``code`` holding the bit pattern ``raw`` (masked to the width), bit-exact."""
    mask = _MASKS.get(code)
    if mask is None:
        raise TypeError(f"val_from_raw converts numeric and v128 values only, not {valtype_name(code)}")
    return _make(code, raw & mask)


def _encode_i32(value: Any) -> int:
    if value.__class__ is int:
        return value & _M32
    return _to_raw_slow(I32, value)


def _encode_i64(value: Any) -> int:
    if value.__class__ is int:
        return value & _M64
    return _to_raw_slow(I64, value)


def _encode_f32(value: Any) -> int:
    if value.__class__ is float:
        return f32_to_bits(value)
    return _to_raw_slow(F32, value)


def _encode_f64(value: Any) -> int:
    if value.__class__ is float:
        return _unpack_u64(_pack_f64(value))[0]
    return _to_raw_slow(F64, value)


def _encode_v128(value: Any) -> int:
    if value.__class__ is int:
        return value & _M128
    return _to_raw_slow(V128, value)


def _decode_i32(raw: int) -> int:
    return ((raw & _M32) ^ _S32) - _S32


def _decode_i64(raw: int) -> int:
    return ((raw & _M64) ^ _S64) - _S64


def _decode_v128(raw: int) -> int:
    return raw & _M128


_ENCODERS: dict[int, Callable[[Any], int]] = {
    I32: _encode_i32, I64: _encode_i64, F32: _encode_f32, F64: _encode_f64, V128: _encode_v128,
}
_DECODERS: dict[int, Callable[[int], Any]] = {
    I32: _decode_i32, I64: _decode_i64, F32: bits_to_f32, F64: bits_to_f64, V128: _decode_v128,
}


def raw_encoder(code: int) -> Callable[[Any], int]:
    """``to_raw`` specialised to one type, so a call path can pick its converters once per signature."""
    enc = _ENCODERS.get(code)
    if enc is None:
        raise TypeError(f"raw_encoder handles numeric and v128 types only, not {valtype_name(code)}")
    return enc


def raw_decoder(code: int) -> Callable[[int], Any]:
    """``from_raw`` specialised to one type (see ``raw_encoder``)."""
    dec = _DECODERS.get(code)
    if dec is None:
        raise TypeError(f"raw_decoder handles numeric and v128 types only, not {valtype_name(code)}")
    return dec


def _require_int(value: Any, ctor: str) -> None:
    if not isinstance(value, int):
        raise TypeError(f"Val.{ctor} expects an int, got {_describe(value)}")


def _require_float(value: Any, ctor: str) -> None:
    if not isinstance(value, float):
        raise TypeError(f"Val.{ctor} expects a float, got {_describe(value)}")


class Val:
    """A WebAssembly value: a type plus either a bit pattern (numbers, v128) or an object (references).

    Build one with the classmethods (``Val.i32(-1)``, ``Val.f32_bits(0x7fa00000)``,
    ``Val.funcref(f)``...) or generically with ``Val(ValType, value)``.
    """

    __slots__ = ("_kind", "_raw")
    _kind: int
    _raw: Any

    def __init__(self, type: ValType, value: Any):
        if not isinstance(type, ValType):
            raise TypeError(f"Val type must be a ValType, got {type.__class__.__name__}")
        code = type._code
        if code == FUNCREF or code == EXTERNREF:
            if isinstance(value, Val):
                if value._kind != code:
                    raise TypeError(f"wrong type of `Val` provided: expected {type}, got {value.type}")
                value = value._raw
            self._raw = value
        else:
            self._raw = to_raw(code, value)
        self._kind = code

    # -- constructors -------------------------------------------------------------
    @classmethod
    def i32(cls, val: int) -> Val:
        """An i32; any int is accepted and wrapped to 32 bits (``Val.i32(0xFFFFFFFF).value == -1``)."""
        _require_int(val, "i32")
        return _make(I32, val & _M32)

    @classmethod
    def i64(cls, val: int) -> Val:
        """An i64; any int is accepted and wrapped to 64 bits."""
        _require_int(val, "i64")
        return _make(I64, val & _M64)

    @classmethod
    def f32(cls, val: float) -> Val:
        """An f32 rounded from a Python float (use ``f32_bits`` for exact NaN payloads)."""
        _require_float(val, "f32")
        return _make(F32, f32_to_bits(val))

    @classmethod
    def f64(cls, val: float) -> Val:
        _require_float(val, "f64")
        return _make(F64, f64_to_bits(val))

    @classmethod
    def f32_bits(cls, bits: int) -> Val:
        """An f32 given by its IEEE bits (masked to 32), signalling NaNs included."""
        _require_int(bits, "f32_bits")
        return _make(F32, bits & _M32)

    @classmethod
    def f64_bits(cls, bits: int) -> Val:
        """An f64 given by its IEEE bits (masked to 64)."""
        _require_int(bits, "f64_bits")
        return _make(F64, bits & _M64)

    @classmethod
    def v128(cls, val: int) -> Val:
        """A v128 given as an int (masked to 128 bits; lane 0 is the least significant)."""
        _require_int(val, "v128")
        return _make(V128, val & _M128)

    @classmethod
    def funcref(cls, f: Any) -> Val:
        """A funcref to ``f`` (a ``Func``) or the null funcref for None; the store checks ``f`` on use."""
        return _make(FUNCREF, f)

    @classmethod
    def externref(cls, extern: Any) -> Val:
        """An externref to any Python object, or the null externref for None."""
        return _make(EXTERNREF, extern)

    @classmethod
    def ref_null(cls, ty: ValType) -> Val:
        """The null reference of a reference type; WasmError for a non-reference type, as in wasmtime-py."""
        if not isinstance(ty, ValType):
            raise TypeError(f"Val.ref_null expects a ValType, got {ty.__class__.__name__}")
        if ty._code != FUNCREF and ty._code != EXTERNREF:
            raise WasmError(f"Invalid reference type for `ref_null`: {ty}")
        return _make(ty._code, None)

    # -- accessors ----------------------------------------------------------------
    @property
    def type(self) -> ValType:
        return ValType._from_code(self._kind)

    @property
    def value(self) -> Any:
        """The Python value: signed int (i32/i64), float (f32/f64), int (v128), object or None (refs)."""
        kind = self._kind
        if kind == FUNCREF or kind == EXTERNREF:
            return self._raw
        return _DECODERS[kind](self._raw)

    @property
    def bits(self) -> int:
        """The unsigned bit pattern of a numeric or v128 value (exact IEEE bits for floats)."""
        kind = self._kind
        if kind == FUNCREF or kind == EXTERNREF:
            raise TypeError(f"a {valtype_name(kind)} value has no bit pattern")
        return self._raw

    def as_i32(self) -> int | None:
        return _decode_i32(self._raw) if self._kind == I32 else None

    def as_i64(self) -> int | None:
        return _decode_i64(self._raw) if self._kind == I64 else None

    def as_f32(self) -> float | None:
        return bits_to_f32(self._raw) if self._kind == F32 else None

    def as_f64(self) -> float | None:
        return bits_to_f64(self._raw) if self._kind == F64 else None

    def as_v128(self) -> int | None:
        return self._raw if self._kind == V128 else None

    def as_externref(self) -> Any:
        return self._raw if self._kind == EXTERNREF else None

    def as_funcref(self) -> Any:
        return self._raw if self._kind == FUNCREF else None

    # -- comparison ---------------------------------------------------------------
    def __eq__(self, other: Any) -> bool:
        """Vals compare by type and bit pattern (so a NaN equals the same NaN, and 0.0 != -0.0);
        any other object is compared with ``.value``, as in wasmtime-py."""
        if isinstance(other, Val):
            if self._kind != other._kind:
                return False
            return self._raw is other._raw or self._raw == other._raw
        return self.value == other

    # Equal Vals must hash equally, and Val == plain value ties the hash to the value's
    # hash, which for NaN floats is per-object: Vals are unhashable, as in wasmtime-py.
    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        kind, raw = self._kind, self._raw
        if kind == I32 or kind == I64:
            return f"Val.{valtype_name(kind)}({self.value})"
        if kind == F32:
            value = bits_to_f32(raw)
            if math.isnan(value) or f32_to_bits(value) != raw:
                return f"Val.f32_bits(0x{raw:08x})"
            return f"Val.f32({_float_literal(value)})"
        if kind == F64:
            value = bits_to_f64(raw)
            if math.isnan(value):
                return f"Val.f64_bits(0x{raw:016x})"
            return f"Val.f64({_float_literal(value)})"
        if kind == V128:
            return f"Val.v128(0x{raw:032x})"
        return f"Val.{valtype_name(kind)}({raw!r})"


def _float_literal(value: float) -> str:
    """A Python expression for a non-NaN float: ``repr`` except for the infinities, which have no literal."""
    return f"float('{value!r}')" if math.isinf(value) else repr(value)


_new_val = object.__new__


def _make(kind: int, raw: Any) -> Val:
    """A Val from an already-normalised kind and raw value (no checks: callers have done them)."""
    v = _new_val(Val)
    v._kind = kind
    v._raw = raw
    return v
