"""The ``instantiate`` target: compile and instantiate on both engines, no calls.

Instantiation is where segments are bounds-checked and applied in order,
imports are type-checked, globals are initialised and the start function
runs, all before any export is called.  This target concentrates on it:
wasm-smith modules (half of them importing host functions, so the start
function's host calls are compared too), compared on acceptance, the way
instantiation ends (trap code, link error) and the exported state right after.
"""
from __future__ import annotations

from hypothesis.strategies import SearchStrategy

from fuzzrt.engines.plan import FEATURES, ExecPlan, draw_plan
from fuzzrt.generators import smith
from fuzzrt.generators.case import Generated
from fuzzrt.generators.unstructured import Unstructured

from .pair import PairTarget, replace_calls


class InstantiateTarget(PairTarget):
    name = "instantiate"
    description = ("wasm-smith modules compiled and instantiated on both engines: segments, start "
                   "function, imports, initial globals/memories/tables and host calls compared")

    def generate(self, data: bytes) -> tuple[Generated, ExecPlan, bytes]:
        u = Unstructured(data)
        plan = draw_plan(u)
        case = smith.generate(u, FEATURES, imports=u.ratio(1, 2))
        return replace_calls(case, []), plan, b""

    def hypothesis_cases(self) -> SearchStrategy[tuple[Generated, ExecPlan]]:
        return super().hypothesis_cases().map(lambda cp: (replace_calls(cp[0], []), cp[1]))


TARGET = InstantiateTarget()
