"""Linear memories: a fixed reservation of address space, grown in place.

An on-demand memory reserves its whole maximum (4 GiB when the module sets none)
as inaccessible address space and makes it readable/writable page by page as it
grows.  A pooled memory does the same inside a slot of its allocator's pool
(``runtime.vm.pools``).  Either way the base address never moves and growing
never copies; the untouched reservation costs no RAM.  Generated code still
bounds-checks every access against the current size, so nothing relies on faults.

Growth also answers to the store's limits (``Store.set_limits``), read at each
grow so that lowering a limit takes effect at once, as in wasmtime.
"""
from __future__ import annotations

import ctypes
import mmap
import weakref
from typing import Any

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
_MAP_FIXED = 0x10
_MAP_FAILED = ctypes.c_void_p(-1).value
_PROT_NONE = 0
_MADV_DONTNEED = 4
PAGE_SIZE = mmap.PAGESIZE


def reserve(nbytes: int, what: str = "a linear memory") -> int:
    """Reserve ``nbytes`` of inaccessible address space; return its base."""
    addr = _libc.mmap(None, nbytes, _PROT_NONE,
                      mmap.MAP_PRIVATE | mmap.MAP_ANONYMOUS | _MAP_NORESERVE, -1, 0)
    if addr is None or addr == _MAP_FAILED:
        raise ResourceLimitError(
            f"failed to reserve {nbytes} bytes of address space for {what} "
            f"(errno {ctypes.get_errno()})")
    return addr


def commit(addr: int, nbytes: int) -> bool:
    """Make reserved pages readable and writable (they read as zero until written)."""
    if nbytes == 0:
        return True
    return _libc.mprotect(addr, nbytes, mmap.PROT_READ | mmap.PROT_WRITE) == 0


def decommit(addr: int, nbytes: int) -> None:
    """Make pages inaccessible again (their contents must already have been discarded)."""
    if nbytes:
        _libc.mprotect(addr, nbytes, _PROT_NONE)


def map_fixed(addr: int, nbytes: int, fd: int) -> bool:
    """Map file ``fd`` copy-on-write, readable and writable, exactly at ``addr``."""
    got = _libc.mmap(addr, nbytes, mmap.PROT_READ | mmap.PROT_WRITE,
                     mmap.MAP_PRIVATE | _MAP_FIXED, fd, 0)
    return got == addr


def map_anonymous(addr: int, nbytes: int) -> bool:
    """Replace ``[addr, addr + nbytes)`` by fresh zero pages, readable and writable."""
    got = _libc.mmap(addr, nbytes, mmap.PROT_READ | mmap.PROT_WRITE,
                     mmap.MAP_PRIVATE | mmap.MAP_ANONYMOUS | _MAP_FIXED | _MAP_NORESERVE, -1, 0)
    return got == addr


def release(addr: int, nbytes: int) -> None:
    _libc.munmap(addr, nbytes)


def discard(addr: int, nbytes: int) -> None:
    """Give pages back to the OS; private anonymous pages read as zero afterwards."""
    if nbytes:
        _libc.madvise(addr, nbytes, _MADV_DONTNEED)


class LinearMemory:
    """A wasm linear memory and its ``MemoryDef`` (the view generated code reads).

    ``limits`` is the owning store's ``StoreResources`` (its limits; None: none).  ``slot``
    is a pool slot (``runtime.vm.pools.MemorySlot``) to live in instead of a
    reservation of its own; the pool then owns the address space and the
    ``MemoryDef``, and may map the module's ``image`` (its data segments) there:
    ``self.image`` says whether it did, i.e. whether the data is in place already.
    """

    def __init__(self, min_pages: int, max_pages: int | None, limit_pages: int = MAX_PAGES,
                 limits: Any = None, slot: Any = None, image: Any = None):
        if min_pages > limit_pages:
            raise ResourceLimitError(
                f"memory minimum of {min_pages} pages exceeds the limit of {limit_pages} pages")
        if limits is not None and limits.memory_size is not None and \
                min_pages * WASM_PAGE_SIZE > limits.memory_size:
            raise ResourceLimitError(f"memory minimum size of {min_pages} pages exceeds memory limits")
        self.max_pages = min(max_pages if max_pages is not None else MAX_PAGES, limit_pages)
        self.declared_max = max_pages
        self.limits = limits
        self._slot = slot
        self.image = None
        if slot is None:
            reserved = max(self.max_pages * WASM_PAGE_SIZE, PAGE_SIZE)
            self.base = reserve(reserved)
            self._unmap = weakref.finalize(self, release, self.base, reserved)
            self.memdef = (ctypes.c_uint64 * abi.MEMDEF_SLOTS)()
            self.memdef[abi.MEM_BASE] = self.base
            if not commit(self.base, min_pages * WASM_PAGE_SIZE):
                self._unmap()
                raise ResourceLimitError(f"failed to allocate a memory of {min_pages} pages")
        else:
            self.base = slot.base
            self.memdef = slot.memdef
            if not slot.fit(min_pages * WASM_PAGE_SIZE, image):
                raise ResourceLimitError(f"failed to allocate a memory of {min_pages} pages")
            self.image = slot.image
        self.pages = min_pages
        self.memdef[abi.MEM_SIZE] = min_pages * WASM_PAGE_SIZE
        self.memdef[abi.MEM_MAX_PAGES] = self.max_pages

    @property
    def memdef_addr(self) -> int:
        return ctypes.addressof(self.memdef)

    @property
    def size_bytes(self) -> int:
        return self.pages * WASM_PAGE_SIZE

    def grow(self, delta: int) -> int:
        """Grow by ``delta`` pages; return the old size in pages, or -1 (wasm semantics).

        Growing by 0 always succeeds, even past a lowered store limit, as in wasmtime.
        """
        old = self.pages
        if delta == 0:
            return old
        new = old + delta
        if delta < 0 or new > self.max_pages:
            return -1
        limits = self.limits
        if limits is not None and limits.memory_size is not None and \
                new * WASM_PAGE_SIZE > limits.memory_size:
            return -1
        slot = self._slot
        if slot is None:
            ok = commit(self.base + old * WASM_PAGE_SIZE, delta * WASM_PAGE_SIZE)
        else:
            ok = slot.reach(new * WASM_PAGE_SIZE)
        if not ok:
            return -1
        self.pages = new
        self.memdef[abi.MEM_SIZE] = new * WASM_PAGE_SIZE
        return old

    def detach(self) -> None:
        """Cut the memory off its storage because its store is gone: size 0, no growth.

        An on-demand memory unmaps its reservation now; a pooled one leaves its
        slot to the pool, which wipes it before the next tenant.  Anything still
        holding this object sees an empty memory rather than someone else's bytes.
        """
        self.pages = 0
        self.max_pages = 0
        if self._slot is None:
            self.memdef[abi.MEM_SIZE] = 0
            self.memdef[abi.MEM_MAX_PAGES] = 0
            self._unmap()
        self._slot = None

    def read(self, start: int, stop: int) -> bytes:
        return ctypes.string_at(self.base + start, stop - start)

    def write(self, start: int, data: bytes) -> None:
        ctypes.memmove(self.base + start, data, len(data))
