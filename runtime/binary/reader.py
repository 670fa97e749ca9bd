"""Byte-level primitives of the binary format: LEB128 integers, names, types, limits.

Two layers, for speed:

* module-level ``leb_*`` / ``valtype_at`` functions take ``(data, pos)`` and return
  ``(value, new_pos)``.  The instruction decoder calls them only on its slow paths
  (multi-byte LEBs), after inlining the one-byte case.  Reading past the end of
  ``data`` surfaces as the ``IndexError`` of ``bytes`` indexing: that keeps bounds
  checks out of the hot loops.  Every caller inside this package turns it into a
  ``DecodeError`` (offset = end of input) before it can escape; nothing else in a
  ``try`` region that catches it indexes anything but ``data`` or a 256-entry table.
* ``Reader`` wraps them with a cursor for the section decoders, where clarity beats
  the cost of a method call.

The LEB rules are the spec's exactly (and the reference interpreter's order of
checks): an N-bit integer takes at most ceil(N/7) bytes, else "integer
representation too long"; the unused bits of the last byte must be zero
(unsigned) or copies of the sign bit (signed), else "integer too large".

Error wording follows the official testsuite, because the spec's test runners
match the expected message as a prefix of ours.
"""
from __future__ import annotations

from ..errors import DecodeError
from ..syntax.types import REF_TYPES, VALUE_TYPES, Limits

UNEXPECTED_END = "unexpected end"
#: Running out of bytes inside a section or function body (a prefix-match of the above).
UNEXPECTED_END_SECTION = "unexpected end of section or function"
LENGTH_OUT_OF_BOUNDS = "length out of bounds"
TOO_LONG = "integer representation too long"
TOO_LARGE = "integer too large"
MALFORMED_UTF8 = "malformed UTF-8 encoding"
MALFORMED_VALTYPE = "malformed value type"
MALFORMED_REFTYPE = "malformed reference type"


def _unsigned(data: bytes, pos: int, bits: int) -> tuple[int, int]:
    """Read an unsigned LEB128 of at most ``bits`` bits starting at ``pos``."""
    last = (bits - 1) // 7  # index of the last byte the encoding may use
    last_bits = bits - 7 * last  # value bits that byte may carry
    result = 0
    shift = 0
    for i in range(last + 1):
        b = data[pos]
        if i == last and (b & 0x7F) >> last_bits:
            raise DecodeError(TOO_LARGE, pos)
        result |= (b & 0x7F) << shift
        pos += 1
        if b < 0x80:
            return result, pos
        shift += 7
    raise DecodeError(TOO_LONG, pos)


def _signed(data: bytes, pos: int, bits: int) -> tuple[int, int]:
    """Read a signed LEB128 of at most ``bits`` bits starting at ``pos``."""
    last = (bits - 1) // 7
    last_bits = bits - 7 * last
    # bits of the last byte from the sign bit upwards: all clear or all set
    sign_mask = (0x7F << (last_bits - 1)) & 0x7F
    result = 0
    shift = 0
    for i in range(last + 1):
        b = data[pos]
        if i == last:
            high = b & sign_mask
            if high and high != sign_mask:
                raise DecodeError(TOO_LARGE, pos)
        result |= (b & 0x7F) << shift
        pos += 1
        shift += 7
        if b < 0x80:
            if b & 0x40:
                result -= 1 << shift
            return result, pos
    raise DecodeError(TOO_LONG, pos)


def leb_u32(data: bytes, pos: int) -> tuple[int, int]:
    b = data[pos]
    if b < 0x80:
        return b, pos + 1
    return _unsigned(data, pos, 32)


def leb_u64(data: bytes, pos: int) -> tuple[int, int]:
    b = data[pos]
    if b < 0x80:
        return b, pos + 1
    return _unsigned(data, pos, 64)


def leb_s32(data: bytes, pos: int) -> tuple[int, int]:
    b = data[pos]
    if b < 0x80:
        return (b - 0x80 if b & 0x40 else b), pos + 1
    return _signed(data, pos, 32)


def leb_s33(data: bytes, pos: int) -> tuple[int, int]:
    b = data[pos]
    if b < 0x80:
        return (b - 0x80 if b & 0x40 else b), pos + 1
    return _signed(data, pos, 33)


def leb_s64(data: bytes, pos: int) -> tuple[int, int]:
    b = data[pos]
    if b < 0x80:
        return (b - 0x80 if b & 0x40 else b), pos + 1
    return _signed(data, pos, 64)


def type_byte_error(b: int, reason: str, pos: int) -> DecodeError:
    """The error for a bad one-byte type code.

    The spec encodes these codes as 7-bit signed LEBs, so a byte with the
    continuation bit set is an over-long integer rather than an unknown code.
    """
    if b & 0x80:
        return DecodeError(TOO_LONG, pos + 1)
    return DecodeError(f"{reason} 0x{b:02x}", pos)


def valtype_at(data: bytes, pos: int) -> tuple[int, int]:
    b = data[pos]
    if b in VALUE_TYPES:
        return b, pos + 1
    raise type_byte_error(b, MALFORMED_VALTYPE, pos)


def reftype_at(data: bytes, pos: int) -> tuple[int, int]:
    b = data[pos]
    if b in REF_TYPES:
        return b, pos + 1
    raise type_byte_error(b, MALFORMED_REFTYPE, pos)


def length_at(data: bytes, pos: int) -> tuple[int, int]:
    """A vector or byte-string length (u32), which cannot exceed the bytes left.

    As in the reference interpreter the bound counts from the length field
    itself; items are at least one byte, so this stops absurd counts before
    any loop or allocation.
    """
    n, after = leb_u32(data, pos)
    if n > len(data) - pos:
        raise DecodeError(f"{LENGTH_OUT_OF_BOUNDS}: {n} > {len(data) - pos}", pos)
    return n, after


class Reader:
    """A cursor over a whole module, for the section decoders.

    Sections are not cut into sub-buffers: like the reference interpreter, the
    decoders read on through the module and the caller compares where they
    stopped with the declared size.  That gives the spec's error for each kind
    of damage (e.g. a vector count that overruns its section reports what it
    ran into, not a generic end of section).
    """

    __slots__ = ("data", "pos")

    def __init__(self, data: bytes, pos: int = 0):
        self.data = data
        self.pos = pos

    def eof(self) -> DecodeError:
        return DecodeError(UNEXPECTED_END_SECTION, len(self.data))

    def u8(self) -> int:
        try:
            b = self.data[self.pos]
        except IndexError:
            raise self.eof() from None
        self.pos += 1
        return b

    def u32(self) -> int:
        try:
            v, self.pos = leb_u32(self.data, self.pos)
        except IndexError:
            raise self.eof() from None
        return v

    def length(self) -> int:
        """A vector count or byte length, bounded by the bytes that remain."""
        try:
            n, self.pos = length_at(self.data, self.pos)
        except IndexError:
            raise self.eof() from None
        return n

    def raw(self, n: int) -> bytes:
        end = self.pos + n
        if end > len(self.data):
            raise self.eof()
        b = self.data[self.pos:end]
        self.pos = end
        return b

    def byte_vec(self) -> bytes:
        return self.raw(self.length())

    def name(self) -> str:
        start = self.pos
        raw = self.raw(self.length())
        try:
            return raw.decode("utf-8")
        except UnicodeDecodeError as e:
            raise DecodeError(MALFORMED_UTF8, start) from e

    def valtype(self) -> int:
        try:
            t, self.pos = valtype_at(self.data, self.pos)
        except IndexError:
            raise self.eof() from None
        return t

    def valtypes(self) -> tuple[int, ...]:
        return tuple([self.valtype() for _ in range(self.length())])

    def reftype(self) -> int:
        try:
            t, self.pos = reftype_at(self.data, self.pos)
        except IndexError:
            raise self.eof() from None
        return t

    def limits(self) -> Limits:
        """Limits: a flag (read as the spec's 1-bit LEB) then min and optional max."""
        pos = self.pos
        flag = self.u8()
        if flag & 0x7F > 1:
            raise DecodeError(f"{TOO_LARGE}: limits flag 0x{flag:02x}", pos)
        if flag & 0x80:
            raise DecodeError(TOO_LONG, pos + 1)
        lo = self.u32()
        return Limits(lo, self.u32() if flag else None)
