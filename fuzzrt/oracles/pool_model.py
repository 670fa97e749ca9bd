"""A model of a pooling instance allocator and of store limits: what each allocator op must do.

The ``allocator`` target replays ops on a pooled ``runtime.Engine`` and asks
this model for the exact outcome of each one.  The model knows wasmtime's
pooling semantics (not the runtime's code):

* ``Module(...)`` refuses a module that could never fit, checking in order:
  defined memories per module, each memory's minimum byte size against
  ``max_memory_size`` rounded up to host pages, defined tables per module,
  each table's minimum against ``table_elements``, the instance size against
  ``max_core_instance_size``, in wasmtime's wording;
* instantiation first counts the instance against the store's limits (the
  counts stay bumped when a later check fails, as wasmtime's
  ``bump_resource_counts`` leaves them), then takes an instance slot, each
  memory slot and each table slot in that order, giving back everything it
  took when one fails; a slot pool fails with ``PoolConcurrencyLimitError``
  exactly when all its slots are live;
* a pooled memory may grow to ``max_memory_size`` rounded up to host pages,
  floored to wasm pages (the slot's size), to its declared maximum and to the
  store's ``memory_size``; growing by 0 always succeeds;
* closing (or dropping and collecting) a store returns every slot it held,
  including those of an instantiation that trapped in its start function or
  segments.

What instances compute (call results, the initial memory image including a
start function's writes) is not modelled here: the target mirrors every
instance in wasmtime for that.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from runtime.syntax.types import MAX_PAGES, WASM_PAGE_SIZE

from ..campaign.targets.sequence import OK, Result

#: the host page size wasmtime rounds ``max_memory_size`` to
HOST_PAGE = 4096
CLOSED = Result("WasmError", "this Store has been closed")


def round_up(n: int, to: int) -> int:
    return -(-n // to) * to


@dataclass(frozen=True, slots=True)
class ModuleFacts:
    """What the allocator needs to know of a module: its defined memories and tables, its size."""

    memories: tuple[tuple[int, int | None], ...]      # (min pages, declared max)
    tables: tuple[tuple[int, int | None], ...]        # (min elements, declared max)
    size: int                                         # bytes of native instance state


@dataclass(slots=True)
class StoreModel:
    memory_size: int | None = None
    table_elements: int | None = None
    max_instances: int = 10_000
    max_memories: int = 10_000
    max_tables: int = 10_000
    n_instances: int = 0
    n_memories: int = 0
    n_tables: int = 0
    held: list[int] = field(default_factory=lambda: [0, 0, 0])   # pool slots: instances, memories, tables
    closed: bool = False


def _caused(context: str, *causes: str) -> str:
    """anyhow's layout of an error chain, which is how wasmtime prints these errors."""
    if len(causes) == 1:
        return f"{context}\n\nCaused by:\n    {causes[0]}"
    return f"{context}\n\nCaused by:\n" + "\n".join(f"    {i}: {c}" for i, c in enumerate(causes))


def key_message(message: str) -> str:
    """The part of an error message the model predicts (the size breakdown's percentages are not)."""
    return message.split("; breakdown of allocation requirement")[0]


class PoolModel:
    """The pools' live counts and every store's limits and counts."""

    def __init__(self, knobs: dict[str, int]):
        self.knobs = dict(knobs)
        self.limit_bytes = round_up(knobs["max_memory_size"], HOST_PAGE)
        #: pages a pooled memory may reach: the slot is ``limit_bytes`` long
        self.max_pages = min(self.limit_bytes // WASM_PAGE_SIZE, MAX_PAGES)
        self.live = [0, 0, 0]
        self.stores: list[StoreModel] = []

    # -- Module(...) ----------------------------------------------------------------
    def compile(self, facts: ModuleFacts) -> Result:
        k = self.knobs
        mem_ctx = "module memory does not fit in pooling allocator requirements"
        tab_ctx = "module table does not fit in pooling allocator requirements"
        if len(facts.memories) > k["max_memories_per_module"]:
            return _refused(_caused(mem_ctx, f"defined memories count of {len(facts.memories)} exceeds the "
                                             f"per-instance limit of {k['max_memories_per_module']}"))
        for i, (lo, _) in enumerate(facts.memories):
            if lo * WASM_PAGE_SIZE > self.limit_bytes:
                return _refused(_caused(
                    mem_ctx, f"memory index {i} is unsupported in this pooling allocator configuration",
                    f"memory has a minimum byte size of {lo * WASM_PAGE_SIZE} which exceeds the limit of "
                    f"{self.limit_bytes:#x} bytes"))
        if len(facts.tables) > k["max_tables_per_module"]:
            return _refused(_caused(tab_ctx, f"defined tables count of {len(facts.tables)} exceeds the "
                                             f"per-instance limit of {k['max_tables_per_module']}"))
        for i, (lo, _) in enumerate(facts.tables):
            if lo > k["table_elements"]:
                return _refused(_caused(tab_ctx, f"table index {i} has a minimum element size of {lo} which "
                                                 f"exceeds the limit of {k['table_elements']}"))
        if facts.size > k["max_core_instance_size"]:
            return _refused(_caused(
                "module instance size does not fit in pooling allocator requirements",
                f"instance allocation for this module requires {facts.size} bytes which exceeds the "
                f"configured maximum of {k['max_core_instance_size']} bytes"))
        return OK

    # -- stores -----------------------------------------------------------------------
    def open(self) -> int:
        self.stores.append(StoreModel())
        return len(self.stores) - 1

    def set_limits(self, s: int, memory_size: int | None, table_elements: int | None,
                   instances: int | None, tables: int | None, memories: int | None) -> Result:
        store = self.stores[s]
        if store.closed:
            return CLOSED
        store.memory_size, store.table_elements = memory_size, table_elements
        store.max_instances = 10_000 if instances is None else instances
        store.max_tables = 10_000 if tables is None else tables
        store.max_memories = 10_000 if memories is None else memories
        return OK

    def close(self, s: int) -> Result:
        """Closing returns the store's slots; closing twice is harmless."""
        store = self.stores[s]
        if not store.closed:
            store.closed = True
            self.live = [live - held for live, held in zip(self.live, store.held)]
            store.held = [0, 0, 0]
        return OK

    # -- instantiation ----------------------------------------------------------------
    def instantiate(self, s: int, facts: ModuleFacts) -> Result:
        """The allocation outcome (OK: the instance got its slots, and holds them from now on)."""
        store = self.stores[s]
        if store.closed:
            return CLOSED
        n_mem, n_tab = len(facts.memories), len(facts.tables)
        for count, add, limit, what in (("n_instances", 1, store.max_instances, "instance"),
                                        ("n_memories", n_mem, store.max_memories, "memory"),
                                        ("n_tables", n_tab, store.max_tables, "table")):
            n = getattr(store, count) + add
            if n > limit:
                return Result("ResourceLimitError", f"resource limit exceeded: {what} count too high at {n}")
            setattr(store, count, n)
        k = self.knobs
        if self.live[0] >= k["total_core_instances"]:
            return _exhausted(k["total_core_instances"], "core instances")
        for i, (lo, _) in enumerate(facts.memories):      # slot, then the store's limit, memory by memory
            if self.live[1] + i >= k["total_memories"]:
                return _exhausted(k["total_memories"], "memory stripe 0")
            if store.memory_size is not None and lo * WASM_PAGE_SIZE > store.memory_size:
                return Result("ResourceLimitError", f"memory minimum size of {lo} pages exceeds memory limits")
        for i, (lo, _) in enumerate(facts.tables):
            if self.live[2] + i >= k["total_tables"]:
                return _exhausted(k["total_tables"], "tables")
            if store.table_elements is not None and lo > store.table_elements:
                return Result("ResourceLimitError", f"table minimum size of {lo} elements exceeds table limits")
        taken = (1, n_mem, n_tab)
        self.live = [a + b for a, b in zip(self.live, taken)]
        store.held = [a + b for a, b in zip(store.held, taken)]
        return OK

    # -- memories ----------------------------------------------------------------------
    def grow_limit(self, s: int, declared_max: int | None) -> int:
        """Pages a pooled memory of store ``s`` with this declared maximum may reach now."""
        limit = min(MAX_PAGES if declared_max is None else declared_max, self.max_pages)
        memory_size = self.stores[s].memory_size
        if memory_size is not None:
            limit = min(limit, memory_size // WASM_PAGE_SIZE)
        return limit

    def grow(self, s: int, declared_max: int | None, pages: int, delta: int) -> Result:
        """``Memory.grow`` from the host: the old size, or WasmError when past a limit."""
        if self.stores[s].closed:
            return CLOSED
        if delta and pages + delta > self.grow_limit(s, declared_max):
            return Result("WasmError")
        return Result("ok", pages)

    def mirror_memory_size(self, s: int) -> int:
        """The store ``memory_size`` limit that makes an on-demand wasmtime grow like this pool."""
        memory_size = self.stores[s].memory_size
        pool = self.max_pages * WASM_PAGE_SIZE
        return pool if memory_size is None else min(memory_size, pool)

    def mirror_table_elements(self, s: int) -> int:
        table_elements = self.stores[s].table_elements
        pool = self.knobs["table_elements"]
        return pool if table_elements is None else min(table_elements, pool)


def _refused(message: str) -> Result:
    return Result("ResourceLimitError", message)


def _exhausted(limit: int, kind: str) -> Result:
    return Result("PoolConcurrencyLimitError", f"maximum concurrent limit of {limit} for {kind} reached")
