"""The pooling allocator's slot pools: indices with affinity, memory slots, table slots.

``SlotAllocator`` hands out slot indices.  A freed slot stays *warm* for the key
of its last tenant (a module, or a module's memory or table), so the next
instance of the same module gets it back with its state ready; at most
``max_warm`` free slots stay warm, the least recently freed going *cold* first.
A request takes, in order: a warm slot for its key, a cold or never-used slot,
the least recently freed warm slot of another key; and fails only when every
slot is in use, so the concurrency limit is exact.

``MemoryPool`` keeps every memory slot inside one address-space reservation,
made on first use, each slot ``max_memory_size`` bytes (rounded to OS pages).
A slot's accessible prefix is readable/writable; on release it is wiped (the
first ``keep_resident`` bytes by memset, the rest by ``MADV_DONTNEED``, which
makes private anonymous pages read as zero) so the next tenant never sees a byte
of the last one, and on reuse the accessible prefix is set to exactly the new
tenant's size with ``mprotect``.  ``TablePool`` does the same for tables of
``table_elements`` 64-bit words.
"""
from __future__ import annotations

import ctypes
import os
import weakref
from collections import OrderedDict
from typing import Callable, Hashable

from ..errors import ResourceLimitError
from ..jit import abi
from .memory import PAGE_SIZE, commit, decommit, discard, map_anonymous, map_fixed, release, reserve

#: tables whose used prefix is at most this many bytes are zeroed by memset, larger ones by madvise
_TABLE_MEMSET_BYTES = 4 * PAGE_SIZE


def round_up(n: int, to: int) -> int:
    return -(-n // to) * to


class SlotAllocator:
    """Slot indices ``0..capacity-1``; free slots remember the key of their last tenant."""

    def __init__(self, capacity: int, max_warm: int, on_cold: Callable[[int], None]):
        self.capacity = capacity
        self.max_warm = max_warm
        self.live = 0
        self._on_cold = on_cold
        self._fresh = 0                                  # indices >= this were never used
        self._cold: list[int] = []
        self._warm: dict[Hashable, list[int]] = {}
        self._lru: OrderedDict[int, Hashable] = OrderedDict()   # warm free index -> key, oldest first

    def alloc(self, key: Hashable) -> tuple[int, bool] | None:
        """A free index and whether it is warm for ``key``; None when all are in use."""
        warm = self._warm.get(key)
        if warm:
            index = warm.pop()
            if not warm:
                del self._warm[key]
            del self._lru[index]
            self.live += 1
            return index, True
        if self._cold:
            index = self._cold.pop()
        elif self._fresh < self.capacity:
            index = self._fresh
            self._fresh += 1
        elif self._lru:
            index, other = self._lru.popitem(last=False)
            self._unwarm(index, other)
        else:
            return None
        self.live += 1
        return index, False

    def free(self, index: int, key: Hashable) -> None:
        """Return ``index``; it stays warm for ``key`` unless that exceeds ``max_warm``."""
        self.live -= 1
        if self.max_warm == 0:
            self._cold.append(index)
            self._on_cold(index)
            return
        warm = self._warm.get(key)
        if warm is None:
            self._warm[key] = [index]
        else:
            warm.append(index)
        self._lru[index] = key
        while len(self._lru) > self.max_warm:
            oldest, other = self._lru.popitem(last=False)
            self._unwarm(oldest, other)
            self._cold.append(oldest)
            self._on_cold(oldest)

    def _unwarm(self, index: int, key: Hashable) -> None:
        lst = self._warm[key]
        lst.remove(index)
        if not lst:
            del self._warm[key]


class MemoryImage:
    """A module's initial memory contents, as a file the pool maps copy-on-write.

    Mapped ``MAP_PRIVATE`` at the start of a slot, it is what an instance of the
    module finds in memory without a byte being copied; writes stay private to
    the slot, and ``MADV_DONTNEED`` drops them, bringing the image back.  The
    file (a memfd) is made on first use, so an on-demand engine never makes one.
    """

    def __init__(self, segments: list[tuple[int, bytes]], size: int):
        self.segments = segments
        self.size = round_up(size, PAGE_SIZE)
        self._fd = -1

    def _file(self) -> int:
        if self._fd < 0:
            fd = os.memfd_create("fuzzrt-memory-image", os.MFD_CLOEXEC)
            try:
                os.ftruncate(fd, self.size)
                for offset, data in self.segments:   # in order: later segments overwrite
                    os.pwrite(fd, data, offset)
            except BaseException:
                os.close(fd)
                raise
            self._fd = fd
            self.segments = []                         # the file has them now
            weakref.finalize(self, os.close, fd)
        return self._fd

    def map_at(self, base: int) -> bool:
        """Map the image over ``[base, base + size)``, which must be accessible; False on failure."""
        try:
            fd = self._file()
        except OSError:
            return False
        return map_fixed(base, self.size, fd)


class MemorySlot:
    """One memory slot: its base, its ``MemoryDef``, how much is accessible, its mapped image."""

    __slots__ = ("index", "base", "memdef", "accessible", "image", "region")

    def __init__(self, index: int, base: int, region: _Region):
        self.index = index
        self.base = base
        self.region = region
        self.memdef = (ctypes.c_uint64 * abi.MEMDEF_SLOTS)()
        self.memdef[abi.MEM_BASE] = base
        self.accessible = 0
        self.image: MemoryImage | None = None

    def fit(self, nbytes: int, image: MemoryImage | None = None) -> bool:
        """Make exactly the first ``nbytes`` accessible, holding ``image`` (or zeros) for a new tenant.

        The slot is wiped already; only a change of image costs a remap.
        """
        if self.image is not None and self.image is not image:
            self._drop_image()
        if nbytes > self.accessible:
            if not self.reach(nbytes):
                return False
        elif nbytes < self.accessible:
            decommit(self.base + nbytes, self.accessible - nbytes)
            self.accessible = nbytes
        if image is not None and self.image is None and image.size <= nbytes:
            if image.map_at(self.base):
                self.image = image
            elif not map_anonymous(self.base, image.size):   # the range must stay usable zeros
                return False
        return True

    def reach(self, nbytes: int) -> bool:
        """Make the first ``nbytes`` accessible (growth); False if the OS refuses."""
        if nbytes > self.accessible:
            if not commit(self.base + self.accessible, nbytes - self.accessible):
                return False
            self.accessible = nbytes
        return True

    def wipe(self, keep_resident: int) -> None:
        """Reset to the image (or zeros): memset the resident prefix, discard the rest.

        Discarding the image's pages drops the tenant's private copies, so they
        read as the image again; beyond it, memory reads as zero.
        """
        acc = self.accessible
        lo = self.image.size if self.image is not None else 0
        keep = min(max(keep_resident, lo), acc)
        if keep <= lo:
            discard(self.base, acc)
        else:
            discard(self.base, lo)
            ctypes.memset(self.base + lo, 0, keep - lo)
            discard(self.base + keep, acc - keep)
        self.memdef[abi.MEM_SIZE] = 0

    def cool(self) -> None:
        """Return every page to the OS and make the slot inaccessible (it is wiped already)."""
        if self.image is not None:
            self._drop_image()
        discard(self.base, self.accessible)
        decommit(self.base, self.accessible)
        self.accessible = 0

    def _drop_image(self) -> None:
        """Replace the image mapping by zero pages, as accessible as before."""
        image = self.image
        self.image = None
        if not map_anonymous(self.base, image.size):
            raise ResourceLimitError(f"failed to unmap a memory image from pool slot {self.index}")


class _Region:
    """One lazily made address-space reservation split into equal slots.

    Unmapped when the last reference goes: its pool's, or a slot's (every slot,
    and so every memory or table living in one, keeps its region).
    """

    def __init__(self, count: int, slot_bytes: int, what: str):
        self.count = count
        self.slot_bytes = slot_bytes
        self.what = what
        self.base = 0

    def slot_base(self, index: int) -> int:
        if not self.base:
            size = self.count * self.slot_bytes
            self.base = reserve(size, self.what)
            weakref.finalize(self, release, self.base, size)
        return self.base + index * self.slot_bytes


class MemoryPool:
    def __init__(self, count: int, max_memory_size: int, keep_resident: int, max_warm: int):
        #: wasmtime's limit as it reports it: the byte size rounded up to host pages; a slot is that
        #: long, so a memory may reach every whole wasm page inside it (a module ``Module(...)``
        #: accepted against ``limit_bytes`` must then also instantiate)
        self.limit_bytes = round_up(max_memory_size, PAGE_SIZE)
        self.max_pages = self.limit_bytes // 65536
        self.keep_resident = round_up(keep_resident, PAGE_SIZE)
        self._region = _Region(count, max(round_up(self.max_pages * 65536, PAGE_SIZE), PAGE_SIZE),
                               f"a pool of {count} linear memories")
        self._slots: dict[int, MemorySlot] = {}
        self.index = SlotAllocator(count, max_warm, self._cool)

    def acquire(self, key: Hashable) -> MemorySlot | None:
        got = self.index.alloc(key)
        if got is None:
            return None
        index = got[0]
        slot = self._slots.get(index)
        if slot is None:
            try:
                base = self._region.slot_base(index)
            except BaseException:
                self.index.free(index, None)
                raise
            slot = self._slots[index] = MemorySlot(index, base, self._region)
        return slot

    def release(self, slot: MemorySlot, key: Hashable) -> None:
        slot.wipe(self.keep_resident)
        self.index.free(slot.index, key)

    def _cool(self, index: int) -> None:
        slot = self._slots.get(index)
        if slot is not None:
            slot.cool()



class TableSlot:
    """One table slot: ``capacity`` words at a fixed address, and its ``TableDef``."""

    __slots__ = ("index", "addr", "capacity", "elems", "tabdef", "region")

    def __init__(self, index: int, addr: int, capacity: int, region: _Region):
        self.index = index
        self.region = region
        self.addr = addr
        self.capacity = capacity
        self.elems = (ctypes.c_uint64 * max(capacity, 1)).from_address(addr)
        self.tabdef = (ctypes.c_uint64 * abi.TABDEF_SLOTS)()

    def wipe(self, used: int) -> None:
        """Null the first ``used`` elements (everything past them is null already)."""
        nbytes = 8 * used
        if nbytes <= _TABLE_MEMSET_BYTES:
            ctypes.memset(self.addr, 0, nbytes)
        else:
            discard(self.addr, round_up(nbytes, PAGE_SIZE))
        self.tabdef[abi.TAB_SIZE] = 0


class TablePool:
    def __init__(self, count: int, table_elements: int, max_warm: int):
        self.table_elements = table_elements
        self._slot_bytes = max(round_up(8 * table_elements, PAGE_SIZE), PAGE_SIZE)
        self._region = _Region(count, self._slot_bytes, f"a pool of {count} tables")
        self._slots: dict[int, TableSlot] = {}
        self.index = SlotAllocator(count, max_warm, self._cool)

    def acquire(self, key: Hashable) -> TableSlot | None:
        got = self.index.alloc(key)
        if got is None:
            return None
        index = got[0]
        slot = self._slots.get(index)
        if slot is None:
            try:
                addr = self._region.slot_base(index)
                if not commit(addr, self._slot_bytes):
                    raise ResourceLimitError(f"failed to commit {self._slot_bytes} bytes for table slot {index}")
            except BaseException:
                self.index.free(index, None)
                raise
            slot = self._slots[index] = TableSlot(index, addr, self.table_elements, self._region)
        return slot

    def release(self, slot: TableSlot, used: int, key: Hashable) -> None:
        slot.wipe(used)
        self.index.free(slot.index, key)

    def _cool(self, index: int) -> None:
        slot = self._slots.get(index)
        if slot is not None:
            discard(slot.addr, self._slot_bytes)


