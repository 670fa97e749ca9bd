"""Argument values for exported-function calls, biased toward the edges.

Bugs in numeric lowering live at the edges: division by zero and
``INT_MIN / -1``, shift counts at and past the bit width, float-to-int
truncation just inside and outside the representable range, NaN payloads
(quiet and signalling), signed zeros, infinities and subnormals.  Random bits
almost never hit those, so both the byte-driven ``arg_value`` and the
Hypothesis ``values`` draw from an edge table most of the time.

Values are ``(valtype, raw unsigned bits)`` (see ``case.Call``); reference
arguments are always null (bits 0).
"""
from __future__ import annotations

import struct
from collections.abc import Sequence

from hypothesis import strategies as st

from runtime.syntax.types import EXTERNREF, F32, F64, FUNCREF, I32, I64, V128

from .case import Call
from .unstructured import Unstructured


def f32_bits(x: float) -> int:
    """IEEE single bits of a Python float (rounded to nearest)."""
    return struct.unpack("<I", struct.pack("<f", x))[0]


def f64_bits(x: float) -> int:
    return struct.unpack("<Q", struct.pack("<d", x))[0]


def _ints(width: int, signed_values: Sequence[int]) -> tuple[int, ...]:
    mask = (1 << width) - 1
    return tuple(dict.fromkeys(v & mask for v in signed_values))


_I32_EDGES = _ints(32, [
    0, 1, -1, -2**31, 2**31 - 1, 2, -2, 7, 8, 15, 16, 31, 32, 33, 63, 64,
    0x7F, 0x80, 0xFF, 0x100, 0x7FFF, 0x8000, 0xFFFF, 0x10000, 0xFFFF_FFF8, 0xFFFF_FFFC,
    65535, 65536, 65536 - 4, 65536 - 8, 10 * 65536 - 1, 10 * 65536, -2**31 + 1, 0x5555_5555, 0xAAAA_AAAA,
])
_I64_EDGES = _ints(64, [
    0, 1, -1, -2**63, 2**63 - 1, 2, -2, 31, 32, 63, 64, 65, 127, 128, 0xFF,
    0x7FFF_FFFF, 0x8000_0000, 0xFFFF_FFFF, 0x1_0000_0000, -2**31, -2**31 - 1, -2**63 + 1,
    0x5555_5555_5555_5555, 0xAAAA_AAAA_AAAA_AAAA, 2**53, 2**53 + 1, 2**24 + 1,
])

_F32_SPECIAL = [
    0x0000_0000, 0x8000_0000,              # +0, -0
    0x7F80_0000, 0xFF80_0000,              # +inf, -inf
    0x7FC0_0000, 0xFFC0_0000,              # canonical NaNs
    0x7FC0_0001, 0x7FFF_FFFF, 0xFFFF_FFFF,  # quiet NaNs with payloads
    0x7F80_0001, 0x7FA0_0000, 0xFF80_0001,  # signalling NaNs
    0x0000_0001, 0x8000_0001, 0x007F_FFFF,  # subnormals
    0x0080_0000, 0x7F7F_FFFF, 0xFF7F_FFFF,  # min normal, +-max finite
]
_F32_EDGES = tuple(dict.fromkeys(_F32_SPECIAL + [f32_bits(x) for x in (
    1.0, -1.0, 0.5, -0.5, 1.5, -1.5, 2.5, -2.5, 0.49999997, -0.99999994, 3.0,
    2.0**31, -2.0**31, 2.0**31 - 128, 2.0**32, 2.0**32 - 256, 2.0**63, -2.0**63, 2.0**64,
    2.0**24 + 2, 1e10, -1e10,
)]))

_F64_SPECIAL = [
    0x0000_0000_0000_0000, 0x8000_0000_0000_0000,
    0x7FF0_0000_0000_0000, 0xFFF0_0000_0000_0000,
    0x7FF8_0000_0000_0000, 0xFFF8_0000_0000_0000,
    0x7FF8_0000_0000_0001, 0x7FFF_FFFF_FFFF_FFFF, 0xFFFF_FFFF_FFFF_FFFF,
    0x7FF0_0000_0000_0001, 0x7FF4_0000_0000_0000, 0xFFF0_0000_0000_0001,
    0x0000_0000_0000_0001, 0x8000_0000_0000_0001, 0x000F_FFFF_FFFF_FFFF,
    0x0010_0000_0000_0000, 0x7FEF_FFFF_FFFF_FFFF, 0xFFEF_FFFF_FFFF_FFFF,
]
_F64_EDGES = tuple(dict.fromkeys(_F64_SPECIAL + [f64_bits(x) for x in (
    1.0, -1.0, 0.5, -0.5, 1.5, -1.5, 2.5, -2.5, 0.49999999999999994, -0.9999999999999999, 3.0,
    2.0**31, -2.0**31, 2.0**31 - 0.5, -2.0**31 - 0.5, -2.0**31 - 1, 2.0**32, 2.0**32 - 0.5,
    2.0**63, -2.0**63, 2.0**63 - 1024, 2.0**64, 2.0**64 - 2048, 2.0**53 + 2, 1e300, -1e300,
    1.401298464324817e-45, 3.4028234663852886e38, 3.4028235677973366e38,
)]))



def _splat(bits: int, width: int) -> int:
    return sum(bits << (i * width) for i in range(128 // width))


def _lanes(values: Sequence[int], width: int) -> int:
    return sum(v << (i * width) for i, v in enumerate(values))


# v128 edges: every lane the same edge (so whatever shape an instruction reads the
# lanes as, it sees edges of some shape), and mixes of special lanes.
_V128_EDGES = tuple(dict.fromkeys(
    [0, (1 << 128) - 1]
    + [_splat(v, 8) for v in (0x01, 0x7F, 0x80, 0x81, 0xFE, 0x10, 0x0F)]
    + [_splat(v, 16) for v in (0x7FFF, 0x8000, 0x00FF, 0xFF00, 0x4000)]
    + [_splat(v, 32) for v in [*_I32_EDGES[:10], *_F32_SPECIAL]]
    + [_splat(v, 64) for v in [*_I64_EDGES[:8], *_F64_SPECIAL[:12]]]
    + [_lanes([0x7FC0_0000, 0x8000_0000, 0x7F80_0001, f32_bits(2.5)], 32),
       _lanes([f32_bits(-1.5), 0x7FFF_FFFF, 0x0000_0001, f32_bits(2.0**31)], 32),
       _lanes([0x7FF4_0000_0000_0000, 0x8000_0000_0000_0000], 64),
       _lanes([f64_bits(-2.0**31 - 1), 0xFFF8_0000_0000_0000], 64),
       _lanes(list(range(16)), 8), _lanes(list(range(15, -1, -1)), 8),
       _lanes([0, 16, 31, 32, 255, 128, 15, 17, 1, 2, 3, 4, 5, 6, 7, 8], 8)]))

#: per value type, edge values as raw bits; the first is the "simplest" (zero)
EDGES: dict[int, tuple[int, ...]] = {
    I32: _I32_EDGES, I64: _I64_EDGES, F32: _F32_EDGES, F64: _F64_EDGES, V128: _V128_EDGES,
    FUNCREF: (0,), EXTERNREF: (0,),
}
_WIDTH = {I32: 32, I64: 64, F32: 32, F64: 64, V128: 128}


def arg_value(u: Unstructured, valtype: int) -> tuple[int, int]:
    """One argument of ``valtype`` as ``(valtype, bits)``.

    Three draws in four come from the edge table, the rest are small signed
    integers or uniformly random bits.  Exhausted data gives the first edge
    (zero), so short inputs make simple calls.
    """
    edges = EDGES.get(valtype)
    if edges is None:
        raise ValueError(f"arg_value: unsupported value type 0x{valtype:02x}")
    width = _WIDTH.get(valtype)
    if width is None:  # references: always null
        return valtype, 0
    kind = u.int_in_range(0, 7)
    if kind < 6:
        return valtype, u.choose(edges)
    if kind == 6:
        small = u.int_in_range(-16, 16)
        if valtype == F32:
            return valtype, f32_bits(float(small))
        if valtype == F64:
            return valtype, f64_bits(float(small))
        return valtype, small & ((1 << width) - 1)
    if width == 128:
        return valtype, u.u64() | u.u64() << 64
    return valtype, u.u32() if width == 32 else u.u64()


def arg_values(u: Unstructured, params: Sequence[int]) -> list[tuple[int, int]]:
    return [arg_value(u, t) for t in params]


def calls_for(u: Unstructured, funcs: Sequence[tuple[str, Sequence[int]]],
              max_calls_per_export: int = 3) -> list[Call]:
    """Calls of exported functions, each export 1..``max_calls_per_export`` times.

    ``funcs`` is ``[(export name, param types), ...]`` in the order the harness
    wants them called; the result is deterministic in ``u``.
    """
    calls: list[Call] = []
    for name, params in funcs:
        for _ in range(u.int_in_range(1, max(1, max_calls_per_export))):
            calls.append(Call(name, arg_values(u, params)))
    return calls


def values(valtype: int) -> st.SearchStrategy[tuple[int, int]]:
    """Hypothesis strategy of ``(valtype, bits)``: edge values first (they shrink to zero), then any bits."""
    edges = EDGES.get(valtype)
    if edges is None:
        raise ValueError(f"values: unsupported value type 0x{valtype:02x}")
    width = _WIDTH.get(valtype)
    if width is None:
        return st.just((valtype, 0))
    bits = st.one_of(st.sampled_from(edges), st.integers(0, (1 << width) - 1))
    return bits.map(lambda b: (valtype, b))
