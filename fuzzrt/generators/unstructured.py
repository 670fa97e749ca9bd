"""Fuzzer bytes -> a deterministic stream of choices.

A coverage-guided fuzzer mutates bytes; a generator needs choices ("how many
functions?", "which type?").  ``Unstructured`` sits between the two, in the
manner of Rust's ``arbitrary::Unstructured``: every choice consumes a few bytes
from the front, so a small mutation of the input changes a few choices rather
than the whole test case.

Running out of data is not an error.  Every read past the end yields zero
bits, so integers come out as their lowest value, ``choose`` picks the first
element and ``ratio`` answers as its lowest draw would.  Hence *every* byte
string, the empty one included, maps to exactly one test case, and generators
built on this class terminate: once the data is gone, every "more?" question
gets the same answer.
"""
from __future__ import annotations

from collections.abc import Sequence
from typing import TypeVar

T = TypeVar("T")

_U32_MAX = 0xFFFF_FFFF
_U64_MAX = 0xFFFF_FFFF_FFFF_FFFF


class Unstructured:
    """A cursor over fuzzer bytes that hands out choices and never raises on exhaustion."""

    __slots__ = ("_data", "_pos")

    def __init__(self, data: bytes | bytearray | memoryview) -> None:
        self._data = bytes(data)
        self._pos = 0

    # -- state ---------------------------------------------------------------
    def remaining(self) -> int:
        """Bytes not yet consumed."""
        return len(self._data) - self._pos

    def is_empty(self) -> bool:
        return self._pos >= len(self._data)

    @property
    def consumed(self) -> int:
        """Bytes consumed so far (how far into the input the choices reached)."""
        return self._pos

    # -- raw reads -----------------------------------------------------------
    def bytes(self, n: int) -> bytes:
        """Exactly ``n`` bytes: the next ``n`` of the input, zero-padded past its end."""
        if n < 0:
            raise ValueError(f"Unstructured.bytes: negative length {n}")
        chunk = self._data[self._pos:self._pos + n]
        self._pos += len(chunk)
        if len(chunk) < n:
            chunk += bytes(n - len(chunk))
        return chunk

    def take_rest(self) -> bytes:
        """Every byte not yet consumed (possibly none); the cursor moves to the end."""
        rest = self._data[self._pos:]
        self._pos = len(self._data)
        return rest

    def _uint(self, nbytes: int) -> int:
        return int.from_bytes(self.bytes(nbytes), "little")

    def u8(self) -> int:
        return self._uint(1)

    def u16(self) -> int:
        return self._uint(2)

    def u32(self) -> int:
        return self._uint(4)

    def u64(self) -> int:
        return self._uint(8)

    # -- choices -------------------------------------------------------------
    def int_in_range(self, lo: int, hi: int) -> int:
        """An int in ``[lo, hi]`` (both inclusive).

        Consumes only as many bytes as the width of the range needs (none for
        a single-value range), so narrow choices stay cheap and local.  With
        the data exhausted the answer is ``lo``.
        """
        if lo > hi:
            raise ValueError(f"Unstructured.int_in_range: empty range [{lo}, {hi}]")
        width = hi - lo
        if width == 0:
            return lo
        value = 0
        span = 0
        # read big-endian bytes until they can express every offset in the range
        while span < width and not self.is_empty():
            value = (value << 8) | self._data[self._pos]
            self._pos += 1
            span = (span << 8) | 0xFF
        return lo + value % (width + 1)

    def choose(self, seq: Sequence[T]) -> T:
        """One element of a non-empty sequence (the first one when the data is exhausted)."""
        if not seq:
            raise ValueError("Unstructured.choose: cannot choose from an empty sequence")
        return seq[self.int_in_range(0, len(seq) - 1)]

    def ratio(self, numerator: int, denominator: int) -> bool:
        """True with probability ``numerator / denominator`` over uniformly random bytes.

        Like ``arbitrary``'s ``ratio``: a draw ``x`` in ``[1, denominator]`` and
        ``x <= numerator``; exhausted data draws 1, so the answer is then True
        whenever ``numerator >= 1``.
        """
        if denominator <= 0 or not 0 <= numerator <= denominator:
            raise ValueError(f"Unstructured.ratio: invalid ratio {numerator}/{denominator}")
        return self.int_in_range(1, denominator) <= numerator

    def boolean(self) -> bool:
        """A fair coin from the low bit of one byte (False when exhausted)."""
        return bool(self.u8() & 1)

    def arbitrary_len(self, max_len: int) -> int:
        """A collection length in ``[0, max_len]`` (0 when exhausted, so generation winds down)."""
        return self.int_in_range(0, max_len)
