"""Spec-test values: turning the JSON of ``wasm-tools json-from-wast`` into
engine arguments, and deciding whether an engine result matches an expectation.

Numbers are compared as raw bit patterns, never as Python floats: the spec
tests check NaN payloads and the sign of zero, which float equality cannot see.
Results are first reduced to an engine-independent :class:`Observed` so the
matching rules can be tested without any engine.
"""
from __future__ import annotations

import struct
from dataclasses import dataclass
from typing import Any

#: width masks of the numeric types, keyed by the type name used in the JSON
MASKS = {"i32": (1 << 32) - 1, "i64": (1 << 64) - 1, "f32": (1 << 32) - 1, "f64": (1 << 64) - 1}

#: the quiet-NaN bit of each float type; with the exponent all ones it is the
#: canonical NaN (``nan:canonical`` also allows the sign bit)
CANONICAL_NAN = {"f32": 0x7FC0_0000, "f64": 0x7FF8_0000_0000_0000}
SIGN_BIT = {"f32": 1 << 31, "f64": 1 << 63}

REF_TYPES = ("funcref", "externref")

#: lane width in bits of each ``lane_type`` a v128 value may be written in
LANE_BITS = {"i8": 8, "i16": 16, "i32": 32, "i64": 64, "f32": 32, "f64": 64}
V128_MASK = (1 << 128) - 1


class UnsupportedValue(Exception):
    """The JSON names a value this runner cannot express (e.g. a v128 with an unknown lane type)."""


@dataclass(frozen=True, slots=True)
class Observed:
    """One value produced by the engine: numbers as unsigned bits, refs as the
    Python object the engine handed back (``None`` for a null reference)."""

    type: str
    value: Any

    def describe(self) -> str:
        """Human-readable form for failure messages (hex bits for floats)."""
        if self.type in ("f32", "f64"):
            digits = 8 if self.type == "f32" else 16
            return f"{self.type}:0x{self.value:0{digits}x}"
        if self.type in ("i32", "i64"):
            return f"{self.type}:{self.value}"
        if self.type == "v128":
            return f"v128:0x{self.value:032x}"
        if self.value is None:
            return f"{self.type}:null"
        if isinstance(self.value, HostRef):
            return f"{self.type}:{self.value!r}"
        return f"{self.type}:<{type(self.value).__name__}>"


class HostRef:
    """The host object that stands for ``ref.extern N``; one per N and per
    script, so the runner can check that the engine returns *the same* object."""

    __slots__ = ("number",)

    def __init__(self, number: int):
        self.number = number

    def __repr__(self) -> str:
        return f"HostRef({self.number})"


class HostRefs:
    """The ``ref.extern N`` objects of one script, created on first use."""

    def __init__(self) -> None:
        self._refs: dict[int, HostRef] = {}

    def get(self, number: int) -> HostRef:
        ref = self._refs.get(number)
        if ref is None:
            ref = self._refs[number] = HostRef(number)
        return ref


def to_signed(bits: int, width: int) -> int:
    """Two's-complement reading of an unsigned ``width``-bit pattern."""
    return bits - (1 << width) if bits >> (width - 1) else bits


def _text(spec: dict) -> str:
    """The ``value`` string of a numeric JSON value; anything else is a malformed script."""
    value = spec.get("value")
    if not isinstance(value, str):
        raise UnsupportedValue(f"{spec.get('type')} value {value!r} is not a string")
    return value


def _lanes(spec: dict) -> tuple[str, int, list[str]]:
    """(lane type, lane width, lane texts) of a JSON v128 value, checked for shape."""
    lane_type = spec.get("lane_type")
    values = spec.get("value")
    width = LANE_BITS.get(lane_type) if isinstance(lane_type, str) else None
    if width is None:
        raise UnsupportedValue(f"v128 lane type {lane_type!r} is not supported")
    if not isinstance(values, list) or len(values) != 128 // width or not all(isinstance(v, str) for v in values):
        raise UnsupportedValue(f"v128 value {values!r} is not {128 // width} {lane_type} lanes")
    return lane_type, width, values


def v128_bits(spec: dict) -> int:
    """The 128-bit pattern of a JSON v128 value (lanes little-endian, lane 0 lowest).

    Integer lanes may be written signed or unsigned; float lanes are their IEEE
    bits.  NaN patterns are only meaningful in expectations (see ``mismatch``).
    """
    _, width, values = _lanes(spec)
    mask = (1 << width) - 1
    bits = 0
    for i, text in enumerate(values):
        try:
            lane = int(text)
        except ValueError:
            raise UnsupportedValue(f"v128 lane {text!r} is not a number") from None
        bits |= (lane & mask) << (i * width)
    return bits


def to_val(api: Any, spec: dict, refs: HostRefs) -> Any:
    """Build the engine ``Val`` for one JSON argument ``{"type", "value"}``."""
    kind = spec.get("type")
    if kind == "i32":
        return api.Val.i32(to_signed(int(_text(spec)), 32))
    if kind == "i64":
        return api.Val.i64(to_signed(int(_text(spec)), 64))
    if kind == "f32":
        return api.Val.f32_bits(int(_text(spec)))
    if kind == "f64":
        return api.Val.f64_bits(int(_text(spec)))
    if kind == "v128":
        return api.Val.v128(v128_bits(spec))
    value = spec.get("value")
    if kind == "externref":
        return api.Val.externref(None if value == "null" else refs.get(int(_text(spec))))
    if kind == "funcref" and value == "null":
        return api.Val.funcref(None)
    raise UnsupportedValue(f"argument of type {kind!r} (value {value!r}) is not supported")


def observe_val(val: Any) -> Observed:
    """Reduce an engine ``Val`` (from ``call_vals``) to an :class:`Observed`."""
    kind = str(val.type)
    if kind in ("i32", "i64"):
        return Observed(kind, val.value & MASKS[kind])
    if kind in ("f32", "f64", "v128"):
        return Observed(kind, val.bits)
    return Observed(kind, val.value)


def observe_python(kind: str, value: Any) -> Observed:
    """Reduce a plain Python value of wasm type ``kind`` (as ``Global.value``
    returns it) to an :class:`Observed`; floats are re-encoded at their width."""
    if kind in ("i32", "i64"):
        return Observed(kind, value & MASKS[kind])
    if kind == "f32":
        return Observed(kind, struct.unpack("<I", struct.pack("<f", value))[0])
    if kind == "f64":
        return Observed(kind, struct.unpack("<Q", struct.pack("<d", value))[0])
    if kind == "v128":
        return Observed(kind, value & V128_MASK)
    return Observed(kind, value)


def _match_float(kind: str, expected: str, bits: int) -> bool:
    magnitude = bits & ~SIGN_BIT[kind]
    if expected == "nan:canonical":
        return magnitude == CANONICAL_NAN[kind]
    if expected == "nan:arithmetic":
        return magnitude & CANONICAL_NAN[kind] == CANONICAL_NAN[kind]
    return bits == int(expected)


def _v128_mismatch(expected: dict, bits: int) -> str | None:
    """Lane-by-lane check of a v128 result: integer lanes exactly (either
    signedness), float lanes bit-exactly or against their own NaN pattern."""
    lane_type, width, values = _lanes(expected)
    mask = (1 << width) - 1
    got = [(bits >> (i * width)) & mask for i in range(len(values))]
    bad = []
    for i, (want, lane) in enumerate(zip(values, got)):
        if lane_type in CANONICAL_NAN:
            ok = _match_float(lane_type, want, lane)
        else:
            ok = lane == int(want) & mask
        if not ok:
            bad.append(i)
    if not bad:
        return None
    shown = " ".join(str(to_signed(lane, width)) if lane_type[0] == "i" else f"0x{lane:0{width // 4}x}"
                     for lane in got)
    return (f"expected v128 {lane_type} lanes [{' '.join(values)}], got [{shown}] "
            f"(lanes {', '.join(map(str, bad))} differ)")


def mismatch(expected: dict, observed: Observed, refs: HostRefs) -> str | None:
    """Why ``observed`` does not satisfy the JSON expectation, or None if it does.

    ``nan:canonical`` accepts only the canonical NaN (either sign);
    ``nan:arithmetic`` any NaN with the quiet bit set; other floats must match
    bit for bit.  A v128 is matched lane by lane in the expectation's lane
    type, so its float lanes follow the same NaN rules.  ``ref.extern N`` must be the very host object passed in as N;
    a funcref expectation without a value (``ref.func``) accepts any non-null
    function.
    """
    kind = expected.get("type")
    value = expected.get("value")
    if kind not in MASKS and kind not in REF_TYPES and kind != "v128":
        raise UnsupportedValue(f"expected value of type {kind!r} is not supported")
    if observed.type != kind:
        return f"expected type {kind}, got {observed.describe()}"
    if kind == "v128":
        return _v128_mismatch(expected, observed.value)
    if kind in ("i32", "i64"):
        ok = observed.value == int(_text(expected)) & MASKS[kind]
    elif kind in ("f32", "f64"):
        ok = _match_float(kind, _text(expected), observed.value)
    elif value == "null":
        ok = observed.value is None
    elif value is None or kind == "funcref":
        ok = observed.value is not None
    else:
        ok = observed.value is refs.get(int(_text(expected)))
    if ok:
        return None
    return f"expected {kind}:{value}, got {observed.describe()}"
