"""Linear memories: one mmap reservation each, grown in place.

The whole maximum (4 GiB when the module sets none) is reserved up front as
inaccessible address space and made readable/writable page by page as the memory
grows.  The base address therefore never moves, and growing never copies; the
untouched reservation costs no RAM.  Generated code still bounds-checks every
access against the current size, so nothing relies on faults.
"""
from __future__ import annotations

import ctypes
import mmap
import weakref

from ..errors import ResourceLimitError
from ..jit import abi
from ..syntax.types import MAX_PAGES, WASM_PAGE_SIZE

_libc = ctypes.CDLL(None, use_errno=True)
_libc.mmap.restype = ctypes.c_void_p
_libc.mmap.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int, ctypes.c_int,
                       ctypes.c_int, ctypes.c_long]
_libc.mprotect.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int]
_libc.munmap.argtypes = [ctypes.c_void_p, ctypes.c_size_t]
_libc.madvise.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int]

_MAP_NORESERVE = getattr(mmap, "MAP_NORESERVE", 0x4000)
_MAP_FAILED = ctypes.c_void_p(-1).value
_PROT_NONE = 0
_MADV_DONTNEED = 4


def reserve(nbytes: int) -> int:
    """Reserve ``nbytes`` of inaccessible address space; return its base."""
    addr = _libc.mmap(None, nbytes, _PROT_NONE,
                      mmap.MAP_PRIVATE | mmap.MAP_ANONYMOUS | _MAP_NORESERVE, -1, 0)
    if addr is None or addr == _MAP_FAILED:
        raise ResourceLimitError(
            f"failed to reserve {nbytes} bytes of address space for a linear memory "
            f"(errno {ctypes.get_errno()})")
    return addr


def commit(addr: int, nbytes: int) -> bool:
    if nbytes == 0:
        return True
    return _libc.mprotect(addr, nbytes, mmap.PROT_READ | mmap.PROT_WRITE) == 0


def release(addr: int, nbytes: int) -> None:
    _libc.munmap(addr, nbytes)


def discard(addr: int, nbytes: int) -> None:
    """Give pages back to the OS; they read as zero afterwards."""
    if nbytes:
        _libc.madvise(addr, nbytes, _MADV_DONTNEED)


class LinearMemory:
    """A wasm linear memory and its ``MemoryDef`` (the view generated code reads)."""

    def __init__(self, min_pages: int, max_pages: int | None, limit_pages: int = MAX_PAGES):
        if min_pages > limit_pages:
            raise ResourceLimitError(
                f"memory minimum of {min_pages} pages exceeds the limit of {limit_pages} pages")
        self.max_pages = min(max_pages if max_pages is not None else MAX_PAGES, limit_pages)
        self.declared_max = max_pages
        self._reserved = max(self.max_pages * WASM_PAGE_SIZE, mmap.PAGESIZE)
        self.base = reserve(self._reserved)
        weakref.finalize(self, release, self.base, self._reserved)
        self.pages = 0
        self.memdef = (ctypes.c_uint64 * abi.MEMDEF_SLOTS)()
        self.memdef[abi.MEM_BASE] = self.base
        self.memdef[abi.MEM_MAX_PAGES] = self.max_pages
        if self.grow(min_pages) < 0:
            raise ResourceLimitError(f"failed to allocate a memory of {min_pages} pages")

    @property
    def memdef_addr(self) -> int:
        return ctypes.addressof(self.memdef)

    @property
    def size_bytes(self) -> int:
        return self.pages * WASM_PAGE_SIZE

    def grow(self, delta: int) -> int:
        """Grow by ``delta`` pages; return the old size in pages, or -1 (wasm semantics)."""
        old = self.pages
        if delta < 0 or old + delta > self.max_pages:
            return -1
        if not commit(self.base + old * WASM_PAGE_SIZE, delta * WASM_PAGE_SIZE):
            return -1
        self.pages = old + delta
        self.memdef[abi.MEM_SIZE] = self.pages * WASM_PAGE_SIZE
        return old

    def read(self, start: int, stop: int) -> bytes:
        return ctypes.string_at(self.base + start, stop - start)

    def write(self, start: int, data: bytes) -> None:
        ctypes.memmove(self.base + start, data, len(data))
