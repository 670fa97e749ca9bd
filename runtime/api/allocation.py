"""How an Engine allocates instances: on demand, or from pre-reserved pools.

``Config.allocation_strategy`` takes one of the two strategies, as in wasmtime:

* ``InstanceAllocationStrategy.on_demand()`` (the default): every instance gets
  freshly built native state and every linear memory its own mmap reservation,
  all freed when its Store goes away.
* ``InstanceAllocationStrategy.pooling(PoolingAllocationConfig)``: instance
  slots, memory slots and table slots are reserved per Engine (the memory pool is
  one address-space reservation, made on first use) and reused across Stores.  A
  slot returns to its pool when its Store is closed (``Store.close()``, the end of
  a ``with Store(...)`` block) or collected; it is wiped before its next tenant.
  Modules that could never fit are refused by ``Module(...)``; running out of
  slots raises ``PoolConcurrencyLimitError``.

``PoolingAllocationConfig`` carries wasmtime's knobs under wasmtime's names and
defaults.  The one number that cannot mean the same thing in both runtimes is
``max_core_instance_size``: here an instance's size is the bytes of native state
built for it (see ``runtime.api.template.InstanceTemplate.size``): its VMContext,
its function/table/global/segment pointer arrays, one FuncRef per defined
function, its global cells, table and memory definitions and element-segment
items.  Module bytes shared by every instance (code, data segments, signature
ids) do not count.
"""
from __future__ import annotations

from typing import Any

from ..syntax.types import MAX_PAGES, WASM_PAGE_SIZE

_U32_MAX = 0xFFFF_FFFF
#: a wasm32 linear memory never exceeds 4 GiB, so neither may a pool slot
_MAX_MEMORY_BYTES = MAX_PAGES * WASM_PAGE_SIZE
_SIZE_MAX = (1 << 64) - 1

#: knob -> (wasmtime's default, largest accepted value)
_KNOBS: dict[str, tuple[int, int]] = {
    "total_core_instances": (1000, _U32_MAX),
    "total_memories": (1000, _U32_MAX),
    "total_tables": (1000, _U32_MAX),
    "max_memory_size": (_MAX_MEMORY_BYTES, _MAX_MEMORY_BYTES),
    "max_memories_per_module": (1, _U32_MAX),
    "max_tables_per_module": (1, _U32_MAX),
    "table_elements": (20_000, _U32_MAX),
    "max_core_instance_size": (1 << 20, _SIZE_MAX),
    "max_unused_warm_slots": (100, _U32_MAX),
    "linear_memory_keep_resident": (0, _SIZE_MAX),
}


def _knob(name: str, doc: str) -> property:
    default, limit = _KNOBS[name]

    def get(self: "PoolingAllocationConfig") -> int:
        return self._values[name]

    def set(self: "PoolingAllocationConfig", value: int) -> None:
        if type(value) is not int:
            raise TypeError(f"PoolingAllocationConfig.{name} expects an int, got {type(value).__name__}")
        if not 0 <= value <= limit:
            raise ValueError(f"PoolingAllocationConfig.{name} must be between 0 and {limit}, got {value}")
        self._values[name] = value

    return property(get, set, doc=f"{doc} (default {default}).")


class PoolingAllocationConfig:
    """The limits of a pooling allocator; every attribute is validated when set."""

    def __init__(self, **knobs: int) -> None:
        self._values = {name: default for name, (default, _) in _KNOBS.items()}
        for name, value in knobs.items():
            if name not in _KNOBS:
                raise TypeError(f"PoolingAllocationConfig has no setting {name!r}")
            setattr(self, name, value)

    total_core_instances = _knob("total_core_instances", "Instances alive at once, across all stores")
    total_memories = _knob("total_memories", "Linear memories alive at once, across all stores")
    total_tables = _knob("total_tables", "Tables alive at once, across all stores")
    max_memory_size = _knob(
        "max_memory_size", "Bytes each pooled memory may reach; its slot reserves that much address space")
    max_memories_per_module = _knob("max_memories_per_module", "Memories a module may define")
    max_tables_per_module = _knob("max_tables_per_module", "Tables a module may define")
    table_elements = _knob("table_elements", "Elements each pooled table may hold")
    max_core_instance_size = _knob(
        "max_core_instance_size", "Bytes of native instance state a module may need (see module doc)")
    max_unused_warm_slots = _knob(
        "max_unused_warm_slots", "Free slots that keep their last module's state for a quick reuse")
    linear_memory_keep_resident = _knob(
        "linear_memory_keep_resident",
        "Bytes at the start of a freed memory slot zeroed in place instead of returned to the OS")

    def _snapshot(self) -> dict[str, int]:
        return dict(self._values)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, PoolingAllocationConfig) and other._values == self._values

    def __repr__(self) -> str:
        return "PoolingAllocationConfig(" + ", ".join(f"{k}={v}" for k, v in self._values.items()) + ")"


class InstanceAllocationStrategy:
    """``on_demand()`` or ``pooling(config)``; immutable once made (pooling copies its config)."""

    __slots__ = ("_kind", "_limits")

    def __init__(self, kind: str, limits: dict[str, int] | None) -> None:
        self._kind = kind
        self._limits = limits

    @classmethod
    def on_demand(cls) -> "InstanceAllocationStrategy":
        return cls("on_demand", None)

    @classmethod
    def pooling(cls, config: PoolingAllocationConfig | None = None) -> "InstanceAllocationStrategy":
        if config is None:
            config = PoolingAllocationConfig()
        if not isinstance(config, PoolingAllocationConfig):
            raise TypeError(f"expected a PoolingAllocationConfig, got {type(config).__name__}")
        return cls("pooling", config._snapshot())

    @property
    def kind(self) -> str:
        """``"on_demand"`` or ``"pooling"``."""
        return self._kind

    @property
    def config(self) -> PoolingAllocationConfig | None:
        """A copy of the pooling limits (None for on-demand)."""
        if self._limits is None:
            return None
        return PoolingAllocationConfig(**self._limits)

    def __eq__(self, other: Any) -> bool:
        return (isinstance(other, InstanceAllocationStrategy) and other._kind == self._kind
                and other._limits == self._limits)

    def __hash__(self) -> int:
        return hash((self._kind, tuple(sorted((self._limits or {}).items()))))

    def __repr__(self) -> str:
        if self._limits is None:
            return "InstanceAllocationStrategy.on_demand()"
        return f"InstanceAllocationStrategy.pooling({self.config!r})"
