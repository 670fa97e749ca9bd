"""How to run a case: the engine knobs both engines share, drawn from the fuzzer's bytes.

The knobs are part of the test case, not of the harness: optimisation levels
change which code the runtime's JIT generates (opt level 0 and 1 use LLVM's
fast instruction selection, 2 the full pipeline), so the fuzzer chooses them
per input and an artifact records them for ``repro``.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, fields, replace
from typing import Any

from fuzzrt.generators.unstructured import Unstructured
from runtime.features import Features
from runtime.vm.table import MAX_TABLE_ELEMENTS

#: The proposals fuzzed cases use, in the generators and on both engines: WebAssembly 2.0 with
#: fixed-width SIMD, the runtime's and wasmtime's default.  The one switch for SIMD fuzzing.
FEATURES = Features(simd=True)

#: fuel per exported call (and for instantiation), the same on both engines.  Generous: a
#: terminating smith module runs far less; what exhausts it is a loop that never ends.
DEFAULT_FUEL = 2_000_000

#: the store limit on table elements, set on both engines.  It is the runtime's own ceiling;
#: wasmtime has none by default, so a ``table.grow`` by 4 billion made it try to build a table
#: of 32 GiB and the worker hung until its deadline (16 times in a 10-minute campaign).  With
#: the same limit both engines answer -1, as the spec allows.
DEFAULT_TABLE_ELEMENTS = MAX_TABLE_ELEMENTS

#: the runtime's opt levels, weighted toward the fast-compiling ones: most inputs are tiny and
#: LLVM's O2 pipeline costs 3-4x the compile time of levels 0/1 on them, so one case in eight
#: keeps the optimiser under test without letting it set the campaign's pace
_RUNTIME_OPT_LEVELS = (0, 0, 1, 1, 1, 1, 1, 2)
_WASMTIME_OPT_LEVELS = ("none", "speed")


@dataclass(frozen=True, slots=True)
class ExecPlan:
    """Engine settings, store limits and host behaviour for one case (identical on both engines)."""

    runtime_opt_level: int = 1
    wasmtime_opt_level: str = "speed"
    fuel: int = DEFAULT_FUEL
    table_elements: int = DEFAULT_TABLE_ELEMENTS
    #: a host import traps when the hash of its arguments is divisible by this (0: never)
    host_trap_modulus: int = 0
    #: keep the bytes of exported memories in every snapshot (artifacts, NaN-tolerant diffs)
    capture_memory: bool = False
    simd: bool = False

    def with_capture(self) -> ExecPlan:
        return replace(self, capture_memory=True)

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> ExecPlan:
        known = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in data.items() if k in known})


def draw_plan(u: Unstructured) -> ExecPlan:
    """A plan from the front of ``u`` (two bytes); exhausted data gives opt level 0 on both."""
    return ExecPlan(
        runtime_opt_level=u.choose(_RUNTIME_OPT_LEVELS),
        wasmtime_opt_level=u.choose(_WASMTIME_OPT_LEVELS),
        host_trap_modulus=0 if u.ratio(3, 4) else u.choose((2, 3, 7, 31)),
        simd=FEATURES.simd,
    )
