"""Instance allocators: where an instance's native state, memories and tables come from.

An Engine owns one allocator, chosen by ``Config.allocation_strategy``:

* ``OnDemandAllocator`` builds fresh state for every instance and gives every
  memory its own reservation.
* ``PoolingAllocator`` takes instance, memory and table slots from fixed pools
  (``runtime.vm.pools``) shared by every store of the engine, and refuses what
  does not fit: modules at ``Module(...)`` (``validate_module``), instantiations
  beyond a pool's size with ``PoolConcurrencyLimitError``.

Each store holds what it got in a ``StoreResources`` and gives it all back at
once: when closed (``release``) or when collected (``release_later``, which may
run inside the garbage collector on any thread, so for a pool it only queues the
resources; the pool drains that queue under its lock before every allocation).
A store lives in a reference cycle with its instances, so collection happens at
the next cyclic GC pass rather than at ``del``; a pool that finds itself
exhausted therefore runs one full collection and retries before refusing, and an
unreachable store never holds a slot against a new one.

``StoreResources`` also carries the store's limits and counts, which implement
``Store.set_limits`` with wasmtime's semantics and wording for both allocators.
"""
from __future__ import annotations

import collections
import gc
import threading
from typing import Any, Callable, Hashable, Sequence

from ..errors import PoolConcurrencyLimitError, ResourceLimitError
from ..syntax.types import WASM_PAGE_SIZE
from . import callbacks
from .memory import LinearMemory
from .pools import MemoryImage, MemoryPool, SlotAllocator, TablePool
from .table import TableStorage

#: wasmtime's default per-store limit on instances, memories and tables
DEFAULT_COUNT_LIMIT = 10_000

#: (min pages, declared max pages or None, initial image or None, pool affinity key) of each
#: memory a module defines
MemoryPlans = Sequence[tuple[int, int | None, MemoryImage | None, Hashable]]
#: (element type, min, declared max or None, pool affinity key) of each table a module defines
TablePlans = Sequence[tuple[int, int, int | None, Hashable]]


class StoreResources:
    """Everything one store holds from its allocator, with its limits and counts.

    The limits are ``Store.set_limits``' (each call replaces all five):
    ``memory_size`` (bytes per memory) and ``table_elements`` (per table) are
    read whenever a memory or table of the store is created or grown, so
    memories and tables hold this object as their ``limits``; the instance,
    memory and table counts cap how many the store's instances may define.
    """

    __slots__ = ("allocator", "memory_size", "table_elements", "max_instances", "max_memories",
                 "max_tables", "n_instances", "n_memories", "n_tables", "instances", "memories",
                 "tables", "vmctxs", "released")

    def __init__(self, allocator: "Allocator") -> None:
        self.allocator = allocator
        self.memory_size = self.table_elements = None
        self.max_instances = self.max_memories = self.max_tables = DEFAULT_COUNT_LIMIT
        self.n_instances = self.n_memories = self.n_tables = 0
        self.instances: list[tuple[int, Hashable]] = []               # pooled instance slots
        self.memories: list[tuple[LinearMemory, Any, Hashable]] = []  # (memory, pool slot, key)
        self.tables: list[tuple[TableStorage, Any, Hashable]] = []
        self.vmctxs: list[int] = []          # registered with runtime.vm.callbacks
        self.released = False

    def set_limits(self, memory_size: int | None = None, table_elements: int | None = None,
                   instances: int | None = None, tables: int | None = None,
                   memories: int | None = None) -> None:
        self.memory_size = memory_size
        self.table_elements = table_elements
        self.max_instances = DEFAULT_COUNT_LIMIT if instances is None else instances
        self.max_tables = DEFAULT_COUNT_LIMIT if tables is None else tables
        self.max_memories = DEFAULT_COUNT_LIMIT if memories is None else memories

    def count_instance(self, memories: int, tables: int) -> None:
        """Count a new instance defining ``memories`` and ``tables`` against the limits.

        wasmtime's ``bump_resource_counts``: the instance is counted first and
        stays counted when a later check (or the instantiation) fails.
        """
        n = self.n_instances + 1
        if n > self.max_instances:
            raise ResourceLimitError(f"resource limit exceeded: instance count too high at {n}")
        self.n_instances = n
        n = self.n_memories + memories
        if n > self.max_memories:
            raise ResourceLimitError(f"resource limit exceeded: memory count too high at {n}")
        self.n_memories = n
        n = self.n_tables + tables
        if n > self.max_tables:
            raise ResourceLimitError(f"resource limit exceeded: table count too high at {n}")
        self.n_tables = n

    def register(self, vmctx_addr: int, instance: Any) -> None:
        """Let generated code's helpers find ``instance`` by its VMContext until release."""
        callbacks.register_instance(vmctx_addr, instance)
        self.vmctxs.append(vmctx_addr)

    def host_memory(self, min_pages: int, max_pages: int | None) -> LinearMemory:
        """A memory made by the host (``Memory(store, ty)``): always on demand, as in wasmtime."""
        mem = LinearMemory(min_pages, max_pages, limits=self)
        self.memories.append((mem, None, None))
        return mem

    def host_table(self, elem_type: int, min_size: int, max_size: int | None, init: int) -> TableStorage:
        table = TableStorage(elem_type, min_size, max_size, init, limits=self)
        self.tables.append((table, None, None))
        return table

    def release(self) -> None:
        """Give everything back now (``Store.close``)."""
        self.allocator.release(self)

    def release_later(self) -> None:
        """Give everything back soon; safe from a finalizer on any thread."""
        self.allocator.release_later(self)

    def detach_unpooled(self) -> None:
        """Unregister the instances; detach (and unmap) the memories and tables not in a pool."""
        for addr in self.vmctxs:
            callbacks.unregister_instance(addr)
        self.vmctxs.clear()
        for mem, slot, _ in self.memories:
            if slot is None:
                mem.detach()
        for table, slot, _ in self.tables:
            if slot is None:
                table.detach()


class OnDemandAllocator:
    """Fresh state for every instance; memories reserve their own address space."""

    kind = "on_demand"

    def validate_module(self, memories: MemoryPlans, tables: TablePlans, n_imported_memories: int,
                        n_imported_tables: int, size: int,
                        breakdown: Sequence[tuple[str, int]]) -> None:
        """Every valid module can be instantiated on demand."""

    def instantiate(self, res: StoreResources, key: Hashable, build: Callable[[], Any],
                    memories: MemoryPlans, tables: TablePlans) -> tuple[Any, list[LinearMemory], list[TableStorage]]:
        mems: list[LinearMemory] = []
        tabs: list[TableStorage] = []
        try:
            for lo, hi, _, _ in memories:
                mems.append(LinearMemory(lo, hi, limits=res))
            for elem, lo, hi, _ in tables:
                tabs.append(TableStorage(elem, lo, hi, 0, limits=res))
        except BaseException:
            for mem in mems:
                mem.detach()
            raise
        res.memories.extend((m, None, None) for m in mems)
        res.tables.extend((t, None, None) for t in tabs)
        return build(), mems, tabs

    def release(self, res: StoreResources) -> None:
        if not res.released:
            res.released = True
            res.detach_unpooled()
            res.memories.clear()
            res.tables.clear()

    release_later = release


class PoolingAllocator:
    """Instances, memories and tables from fixed pools shared by all stores of an engine."""

    kind = "pooling"

    def __init__(self, limits: dict[str, int]):
        warm = limits["max_unused_warm_slots"]
        self.max_memories_per_module = limits["max_memories_per_module"]
        self.max_tables_per_module = limits["max_tables_per_module"]
        self.max_core_instance_size = limits["max_core_instance_size"]
        self.instances = SlotAllocator(limits["total_core_instances"], warm, self._cool_instance)
        self.memories = MemoryPool(limits["total_memories"], limits["max_memory_size"],
                                   limits["linear_memory_keep_resident"], warm)
        self.tables = TablePool(limits["total_tables"], limits["table_elements"], warm)
        self._payloads: dict[int, Any] = {}
        self._lock = threading.Lock()
        self._holder: int | None = None      # thread inside the lock, to queue re-entrant releases
        self._pending: collections.deque[StoreResources] = collections.deque()

    # -- Module(...) -----------------------------------------------------------------
    def validate_module(self, memories: MemoryPlans, tables: TablePlans, n_imported_memories: int,
                        n_imported_tables: int, size: int,
                        breakdown: Sequence[tuple[str, int]]) -> None:
        """Refuse a module that could never be instantiated from these pools (wasmtime's wording)."""
        if len(memories) > self.max_memories_per_module:
            raise ResourceLimitError(_caused(
                "module memory does not fit in pooling allocator requirements",
                f"defined memories count of {len(memories)} exceeds the per-instance limit of "
                f"{self.max_memories_per_module}"))
        for i, (lo, _, _, _) in enumerate(memories):
            if lo * WASM_PAGE_SIZE > self.memories.limit_bytes:
                raise ResourceLimitError(_caused(
                    "module memory does not fit in pooling allocator requirements",
                    f"memory index {n_imported_memories + i} is unsupported in this pooling "
                    f"allocator configuration",
                    f"memory has a minimum byte size of {lo * WASM_PAGE_SIZE} which exceeds the "
                    f"limit of {self.memories.limit_bytes:#x} bytes"))
        if len(tables) > self.max_tables_per_module:
            raise ResourceLimitError(_caused(
                "module table does not fit in pooling allocator requirements",
                f"defined tables count of {len(tables)} exceeds the per-instance limit of "
                f"{self.max_tables_per_module}"))
        for i, (_, lo, _, _) in enumerate(tables):
            if lo > self.tables.table_elements:
                raise ResourceLimitError(_caused(
                    "module table does not fit in pooling allocator requirements",
                    f"table index {n_imported_tables + i} has a minimum element size of {lo} "
                    f"which exceeds the limit of {self.tables.table_elements}"))
        if size > self.max_core_instance_size:
            lines = "".join(f" * {100 * part / size:.2f}% - {part} bytes - {name}\n"
                            for name, part in breakdown if part > size // 20)
            raise ResourceLimitError(_caused(
                "module instance size does not fit in pooling allocator requirements",
                f"instance allocation for this module requires {size} bytes which exceeds the "
                f"configured maximum of {self.max_core_instance_size} bytes; breakdown of "
                f"allocation requirement:\n\n{lines}"))

    # -- instantiation -----------------------------------------------------------------
    def instantiate(self, res: StoreResources, key: Hashable, build: Callable[[], Any],
                    memories: MemoryPlans, tables: TablePlans) -> tuple[Any, list[LinearMemory], list[TableStorage]]:
        """An instance slot (with its prebuilt state when warm for ``key``), memories and tables.

        Takes them in wasmtime's order (instance, memories, tables) and gives
        back whatever it took when a later one fails.
        """
        with self._lock:
            self._holder = threading.get_ident()
            try:
                if self._pending:
                    self._drain()
                got = self.instances.alloc(key)
                if got is None:
                    got = self._retry(self.instances.alloc, key, self.instances.capacity, "core instances")
                index, warm = got
                mems: list[LinearMemory] = []
                tabs: list[TableStorage] = []
                try:
                    payload = self._payloads.get(index) if warm else None
                    if payload is None:
                        payload = self._payloads[index] = build()
                    for lo, hi, image, mkey in memories:
                        slot = self.memories.acquire(mkey)
                        if slot is None:
                            slot = self._retry(self.memories.acquire, mkey, self.memories.index.capacity,
                                               "memory stripe 0")
                        try:
                            mem = LinearMemory(lo, hi, self.memories.max_pages, res, slot, image)
                        except BaseException:
                            self.memories.release(slot, mkey)
                            raise
                        mems.append(mem)
                        res.memories.append((mem, slot, mkey))
                    for elem, lo, hi, tkey in tables:
                        slot = self.tables.acquire(tkey)
                        if slot is None:
                            slot = self._retry(self.tables.acquire, tkey, self.tables.index.capacity, "tables")
                        try:
                            tab = TableStorage(elem, lo, hi, 0, limits=res, slot=slot)
                        except BaseException:
                            self.tables.release(slot, 0, tkey)
                            raise
                        tabs.append(tab)
                        res.tables.append((tab, slot, tkey))
                except BaseException:
                    for _ in mems:
                        mem, slot, mkey = res.memories.pop()
                        mem.detach()
                        self.memories.release(slot, mkey)
                    for _ in tabs:
                        tab, slot, tkey = res.tables.pop()
                        used = tab.size
                        tab.detach()
                        self.tables.release(slot, used, tkey)
                    self.instances.free(index, key)
                    raise
            finally:
                self._holder = None
        res.instances.append((index, key))
        return payload, mems, tabs

    def _retry(self, alloc: Callable[[Hashable], Any], key: Hashable, capacity: int, what: str) -> Any:
        """``alloc(key)`` again after collecting unreachable stores, or PoolConcurrencyLimitError."""
        gc.collect()
        self._drain()
        got = alloc(key)
        if got is None:
            raise PoolConcurrencyLimitError(capacity, what)
        return got

    # -- release -----------------------------------------------------------------------
    def release(self, res: StoreResources) -> None:
        if self._holder == threading.get_ident():   # re-entered from a finalizer inside the lock
            self._pending.append(res)
            return
        with self._lock:
            self._holder = threading.get_ident()
            try:
                self._free(res)
                if self._pending:
                    self._drain()
            finally:
                self._holder = None

    def release_later(self, res: StoreResources) -> None:
        self._pending.append(res)

    def _drain(self) -> None:
        pending = self._pending
        while pending:
            self._free(pending.popleft())

    def _free(self, res: StoreResources) -> None:
        if res.released:
            return
        res.released = True
        for addr in res.vmctxs:
            callbacks.unregister_instance(addr)
        for mem, slot, key in res.memories:
            mem.detach()
            if slot is not None:
                self.memories.release(slot, key)
        for tab, slot, key in res.tables:
            used = tab.size
            tab.detach()
            if slot is not None:
                self.tables.release(slot, used, key)
        for index, key in res.instances:
            self.instances.free(index, key)
        res.vmctxs.clear()
        res.memories.clear()
        res.tables.clear()
        res.instances.clear()

    def _cool_instance(self, index: int) -> None:
        self._payloads.pop(index, None)

    # -- introspection (tests, fuzz oracles) --------------------------------------------
    def live_counts(self) -> tuple[int, int, int]:
        """Instances, memories and tables currently taken from the pools."""
        with self._lock:
            self._drain()
            return self.instances.live, self.memories.index.live, self.tables.index.live


Allocator = OnDemandAllocator | PoolingAllocator


def _caused(context: str, *causes: str) -> str:
    """An error chain in anyhow's layout, which is how wasmtime prints these errors."""
    if len(causes) == 1:
        body = f"    {causes[0]}"
    else:
        body = "\n".join(f"    {i}: {c}" for i, c in enumerate(causes))
    return f"{context}\n\nCaused by:\n{body}".rstrip()


def make_allocator(pooling_limits: dict[str, int] | None) -> Allocator:
    """A pooling allocator with these limits, or an on-demand one when there are none."""
    if pooling_limits is None:
        return OnDemandAllocator()
    return PoolingAllocator(pooling_limits)
