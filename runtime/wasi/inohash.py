"""The inode numbers wasmtime shows guests: SipHash-1-3 (zero keys) of (dev, ino).

wasmtime does not expose host inode numbers: preview1 ``ino`` fields carry
``DefaultHasher::new()`` of the host ``st_dev`` then ``st_ino`` (each fed as a
little-endian u64).  Computing the same hash lets guests that compare inode
numbers, and our differential tests, see identical values under both engines.
"""
from __future__ import annotations

import struct

_M64 = (1 << 64) - 1


def _rotl(x: int, b: int) -> int:
    return ((x << b) | (x >> (64 - b))) & _M64


def _round(v0: int, v1: int, v2: int, v3: int) -> tuple[int, int, int, int]:
    v0 = (v0 + v1) & _M64
    v1 = _rotl(v1, 13) ^ v0
    v0 = _rotl(v0, 32)
    v2 = (v2 + v3) & _M64
    v3 = _rotl(v3, 16) ^ v2
    v0 = (v0 + v3) & _M64
    v3 = _rotl(v3, 21) ^ v0
    v2 = (v2 + v1) & _M64
    v1 = _rotl(v1, 17) ^ v2
    v2 = _rotl(v2, 32)
    return v0, v1, v2, v3


def siphash13(data: bytes, k0: int = 0, k1: int = 0) -> int:
    """SipHash-1-3 of ``data`` (one compression round, three finalization rounds)."""
    v0 = k0 ^ 0x736F6D6570736575
    v1 = k1 ^ 0x646F72616E646F6D
    v2 = k0 ^ 0x6C7967656E657261
    v3 = k1 ^ 0x7465646279746573
    n = len(data)
    end = n - n % 8
    for i in range(0, end, 8):
        m = struct.unpack_from("<Q", data, i)[0]
        v3 ^= m
        v0, v1, v2, v3 = _round(v0, v1, v2, v3)
        v0 ^= m
    tail = data[end:] + bytes(7 - n % 8) + bytes([n & 0xFF])
    b = struct.unpack("<Q", tail)[0]
    v3 ^= b
    v0, v1, v2, v3 = _round(v0, v1, v2, v3)
    v0 ^= b
    v2 ^= 0xFF
    for _ in range(3):
        v0, v1, v2, v3 = _round(v0, v1, v2, v3)
    return v0 ^ v1 ^ v2 ^ v3


def guest_ino(dev: int, ino: int) -> int:
    """The ``ino`` a guest sees for the host file identified by (``st_dev``, ``st_ino``)."""
    return siphash13(struct.pack("<QQ", dev & _M64, ino & _M64))
