"""What a function-body generator may refer to: the module's functions, globals, tables, memory, segments.

``ModuleContext`` is filled by ``builder`` before any body is generated and
read by ``bodies``.  It also owns the type section, so a body can ask for a
multi-value block type or a ``call_indirect`` type and get an index.

Termination (documented here because both sides rely on it): every module
has two internal mutable i32 globals, *loop fuel* and *call fuel*.  A branch
back to a ``loop`` label is only taken while loop fuel is positive (and
decrements it); a function entered with no call fuel left returns zeros at
once (and otherwise decrements it).  The exported wrappers reset both before
calling the real function, so every call the harness makes starts with the
same budget, runs a bounded number of iterations and a bounded call depth,
and ends on its own: no engine fuel, no infinite loop, no stack exhaustion.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from runtime.features import Features
from runtime.syntax.ast import Data, Elem
from runtime.syntax.types import EXTERNREF, F32, F64, FUNCREF, I32, I64, V128, FuncSig, GlobalSig, TableSig

NUM_TYPES = (I32, I64, F32, F64)
VEC_TYPES = (V128,)
REF_TYPES = (FUNCREF, EXTERNREF)

#: loop back-edges one exported call may take in total
LOOP_FUEL = 1000
#: function entries one exported call may make in total (bounds recursion depth well below any stack limit)
CALL_FUEL = 200


@dataclass(slots=True)
class ModuleContext:
    features: Features
    #: the type section (deduplicated)
    types: list[FuncSig] = field(default_factory=list)
    #: signature of each generated (internal) function, by function index
    func_sigs: list[FuncSig] = field(default_factory=list)
    #: user globals by index (the two fuel globals come after them)
    globals: list[GlobalSig] = field(default_factory=list)
    loop_fuel_global: int = 0
    call_fuel_global: int = 0
    tables: list[TableSig] = field(default_factory=list)
    #: (min pages, max pages) of memory 0, or None
    memory: tuple[int, int] | None = None
    #: the data and element segments (bulk operations aim their offsets/lengths at passive ones)
    datas: list[Data] = field(default_factory=list)
    elems: list[Elem] = field(default_factory=list)
    #: funcref table -> index of the element segment that fills it from slot 0 (see ``builder``)
    filled_tables: dict[int, int] = field(default_factory=dict)
    #: (table, slot) -> the signature the first ``call_indirect`` through that slot expects
    slot_requests: dict[tuple[int, int], FuncSig] = field(default_factory=dict)

    def type_index(self, sig: FuncSig) -> int:
        try:
            return self.types.index(sig)
        except ValueError:
            self.types.append(sig)
            return len(self.types) - 1

    def valtypes(self) -> tuple[int, ...]:
        """Value types a generated function may use, i32 first (the simplest)."""
        vec = VEC_TYPES if self.features.simd else ()
        if self.features.reference_types:
            return NUM_TYPES + vec + REF_TYPES
        return NUM_TYPES + vec

    def tables_of(self, elem: int) -> list[int]:
        return [i for i, t in enumerate(self.tables) if t.elem == elem]
