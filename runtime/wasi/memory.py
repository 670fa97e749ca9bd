"""Bounds- and alignment-checked access to the calling instance's linear memory.

WASI functions receive raw guest pointers.  Every access here checks the whole
region against the memory's *current* size (memory can grow between calls) and
the natural alignment of the value, and traps exactly where wasmtime's wiggle
layer does: an out-of-bounds region traps with ``MEMORY_OUT_OF_BOUNDS``, a
misaligned scalar traps (no trap code), an empty byte range never traps.
Structs are written field by field by the callers, so padding is never touched.
"""
from __future__ import annotations

import ctypes

from ..errors import Trap, TrapCode
from ..vm.memory import LinearMemory
from .errno import Errno, WasiErrno

#: longest guest string (path) wasmtime reads; longer is ENOMEM
MAX_STR_LEN = 0x8000000

_U32 = 1 << 32


def out_of_bounds(start: int, length: int) -> Trap:
    return Trap(f"out of bounds memory access: pointer out of bounds: "
                f"Region {{ start: {start}, len: {length} }}", TrapCode.MEMORY_OUT_OF_BOUNDS)


def misaligned(start: int, length: int, align: int) -> Trap:
    return Trap(f"pointer not aligned to {align}: Region {{ start: {start}, len: {length} }}")


class GuestMemory:
    """A checked view of one linear memory for the duration of one host call."""

    __slots__ = ("_mem",)

    def __init__(self, mem: LinearMemory):
        self._mem = mem

    def check(self, ptr: int, length: int, align: int = 1) -> int:
        """The host address of ``[ptr, ptr+length)``, or a trap if it is not valid guest memory."""
        if ptr % align:
            raise misaligned(ptr, length, align)
        if ptr + length > self._mem.size_bytes or ptr + length > _U32:
            raise out_of_bounds(ptr, length)
        return self._mem.base + ptr

    # -- byte ranges ------------------------------------------------------------------
    def read_bytes(self, ptr: int, length: int) -> bytes:
        if length == 0:
            return b""
        return ctypes.string_at(self.check(ptr, length), length)

    def write_bytes(self, ptr: int, data: bytes) -> None:
        if data:
            ctypes.memmove(self.check(ptr, len(data)), data, len(data))

    def buffer(self, ptr: int, length: int) -> memoryview:
        """A writable view of guest memory (for reads straight into it); empty never traps."""
        if length == 0:
            return memoryview(bytearray())
        addr = self.check(ptr, length)
        return memoryview((ctypes.c_char * length).from_address(addr)).cast("B")

    def read_str(self, ptr: int, length: int, limited: bool = True) -> str:
        """A guest string: bytes checked like any region, invalid UTF-8 is ``EILSEQ``.

        Longer than ``MAX_STR_LEN`` is ``ENOMEM`` before the bounds check (unless
        not ``limited``: wasmtime's path_unlink_file alone skips that check), and
        even an empty string must start inside memory (or at its end), as in wasmtime.
        """
        if limited and length > MAX_STR_LEN:
            raise WasiErrno(Errno.NOMEM, f"a {length}-byte string")
        self.check(ptr, length)
        data = self.read_bytes(ptr, length)
        try:
            return data.decode("utf-8")
        except UnicodeDecodeError:
            raise WasiErrno(Errno.ILSEQ, "path is not valid UTF-8") from None

    # -- scalars ----------------------------------------------------------------------
    def u8(self, ptr: int) -> int:
        return ctypes.c_uint8.from_address(self.check(ptr, 1)).value

    def u16(self, ptr: int) -> int:
        return ctypes.c_uint16.from_address(self.check(ptr, 2, 2)).value

    def u32(self, ptr: int) -> int:
        return ctypes.c_uint32.from_address(self.check(ptr, 4, 4)).value

    def u64(self, ptr: int) -> int:
        return ctypes.c_uint64.from_address(self.check(ptr, 8, 8)).value

    def set_u8(self, ptr: int, value: int) -> None:
        ctypes.c_uint8.from_address(self.check(ptr, 1)).value = value

    def set_u16(self, ptr: int, value: int) -> None:
        ctypes.c_uint16.from_address(self.check(ptr, 2, 2)).value = value

    def set_u32(self, ptr: int, value: int) -> None:
        ctypes.c_uint32.from_address(self.check(ptr, 4, 4)).value = value

    def set_u64(self, ptr: int, value: int) -> None:
        ctypes.c_uint64.from_address(self.check(ptr, 8, 8)).value = value
