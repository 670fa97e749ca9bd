"""The engine-adapter protocol: the few primitive operations the case driver needs.

Each adapter (the runtime, wasmtime) implements these on top of its engine's
public API; ``driver.run_case`` sequences them identically for both engines
(compile, provide imports, instantiate, call, snapshot), so a difference in
outcomes comes from the engines, never from two differently written drivers.
Values cross this interface as raw bits (see ``outcome.Value``).
"""
from __future__ import annotations

import abc
from dataclasses import dataclass
from typing import Any

from runtime.syntax.types import FuncSig

from .outcome import Status
from .plan import ExecPlan

FUNC, GLOBAL, MEMORY, TABLE = "func", "global", "memory", "table"


@dataclass(frozen=True, slots=True)
class ExternDesc:
    """An import or export as both engines describe it."""

    kind: str                       # FUNC, GLOBAL, MEMORY or TABLE
    name: str
    module: str = ""                # imports only
    sig: FuncSig | None = None      # FUNC
    valtype: int = 0                # GLOBAL content type, TABLE element type
    mutable: bool = False           # GLOBAL
    minimum: int = 0                # MEMORY pages / TABLE elements
    maximum: int | None = None


class EngineAdapter(abc.ABC):
    """One engine behind a uniform, bits-only interface.

    ``session`` objects are adapter-specific (an engine plus a fresh store);
    module, instance and extern handles are the engine's own objects.
    """

    name: str

    @abc.abstractmethod
    def session(self, plan: ExecPlan) -> Any:
        """A fresh store (on a cached engine configured per ``plan``)."""

    @abc.abstractmethod
    def compile(self, session: Any, wasm: bytes) -> Any: ...

    @abc.abstractmethod
    def validate(self, session: Any, wasm: bytes) -> None:
        """Raise the engine's error unless ``wasm`` (binary only) is valid."""

    @abc.abstractmethod
    def imports(self, module: Any) -> list[ExternDesc]: ...

    @abc.abstractmethod
    def exports(self, module: Any) -> list[ExternDesc]: ...

    @abc.abstractmethod
    def host_func(self, session: Any, sig: FuncSig, fn: Any) -> Any:
        """A host function of type ``sig`` (integer and reference types only) calling ``fn``."""

    @abc.abstractmethod
    def new_global(self, session: Any, valtype: int, mutable: bool) -> Any:
        """A global holding zero (or null)."""

    @abc.abstractmethod
    def new_memory(self, session: Any, minimum: int, maximum: int | None) -> Any: ...

    @abc.abstractmethod
    def new_table(self, session: Any, elem: int, minimum: int, maximum: int | None) -> Any: ...

    @abc.abstractmethod
    def instantiate(self, session: Any, module: Any, imports: list[Any]) -> Any: ...

    @abc.abstractmethod
    def export(self, session: Any, instance: Any, name: str) -> Any: ...

    @abc.abstractmethod
    def set_fuel(self, session: Any, fuel: int) -> None: ...

    @abc.abstractmethod
    def call(self, session: Any, func: Any, sig: FuncSig, args: list[int]) -> tuple[int, ...]:
        """Call ``func`` with argument bits; result bits (references: 0 null, 1 non-null)."""

    @abc.abstractmethod
    def global_bits(self, session: Any, glob: Any, valtype: int) -> int: ...

    @abc.abstractmethod
    def memory_view(self, session: Any, memory: Any) -> memoryview:
        """The memory's current bytes, without copying where the engine allows it."""

    @abc.abstractmethod
    def table_size(self, session: Any, table: Any) -> int: ...

    @abc.abstractmethod
    def classify(self, exc: BaseException) -> Status | None:
        """The status a documented error or trap stands for; None for an undocumented exception."""
