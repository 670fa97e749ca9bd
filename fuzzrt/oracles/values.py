"""Comparing values and memories bit for bit, with the spec's one allowance: NaN payloads.

Wasm arithmetic that produces a NaN may produce any arithmetic NaN, so unless
the module canonicalises NaNs (``Generated.canonical_nans``), two NaNs of the
same width compare equal.  Everything else compares exactly.  For memories the
allowance applies to every differing byte that lies inside a 4- or 8-byte
window holding a NaN in both memories (a float stored by the module); a v128
value gets the same rule over its 16 bytes, since its lanes may be floats of
either width.
"""
from __future__ import annotations

from runtime.syntax.types import F32, F64, V128

_F32_EXP = 0x7F80_0000
_F32_FRAC = 0x007F_FFFF
_F64_EXP = 0x7FF0_0000_0000_0000
_F64_FRAC = 0x000F_FFFF_FFFF_FFFF


def is_nan(valtype: int, bits: int) -> bool:
    if valtype == F32:
        return bits & _F32_EXP == _F32_EXP and bits & _F32_FRAC != 0
    if valtype == F64:
        return bits & _F64_EXP == _F64_EXP and bits & _F64_FRAC != 0
    return False


def same_value(valtype: int, a: int, b: int, canonical_nans: bool) -> bool:
    if a == b:
        return True
    if canonical_nans:
        return False
    if valtype == V128:
        return first_memory_difference(a.to_bytes(16, "little"), b.to_bytes(16, "little"), False) is None
    return is_nan(valtype, a) and is_nan(valtype, b)


def _nan_window(a: bytes, b: bytes, pos: int) -> bool:
    """Whether byte ``pos`` lies in a 4/8-byte window that is a NaN in both ``a`` and ``b``."""
    for width, valtype in ((4, F32), (8, F64)):
        for start in range(max(0, pos - width + 1), min(pos, len(a) - width) + 1):
            wa = int.from_bytes(a[start:start + width], "little")
            wb = int.from_bytes(b[start:start + width], "little")
            if is_nan(valtype, wa) and is_nan(valtype, wb):
                return True
    return False


def first_memory_difference(a: bytes, b: bytes, canonical_nans: bool, chunk: int = 256) -> int | None:
    """Offset of the first difference not explained by NaN payloads, or None if none."""
    if len(a) != len(b):
        return min(len(a), len(b))
    for base in range(0, len(a), chunk):
        if a[base:base + chunk] == b[base:base + chunk]:
            continue
        for pos in range(base, min(base + chunk, len(a))):
            if a[pos] != b[pos] and (canonical_nans or not _nan_window(a, b, pos)):
                return pos
    return None
