"""The ``differential`` target: generated modules run on both engines, compared after every call.

Each input first draws the engine plan (opt levels, host trap rule), then a
generator: mostly wasm-smith under a swarm configuration (sometimes with host
imports, which brings in the imports oracle), sometimes the Python
stack-machine generator that covers instruction mixes wasm-smith rarely
produces, sometimes a single numeric instruction with edge operands.  The
bytes the generator leaves over choose call arguments.
"""
from __future__ import annotations

from fuzzrt.engines.plan import FEATURES, ExecPlan, draw_plan
from fuzzrt.generators import single_op, smith, strategies
from fuzzrt.generators.case import Generated
from fuzzrt.generators.unstructured import Unstructured

from .pair import PairTarget


class DifferentialTarget(PairTarget):
    name = "differential"
    description = ("wasm-smith and Python-generated modules on the runtime and wasmtime: results, traps, "
                   "globals, memories, tables and host calls compared after every call")

    def generate(self, data: bytes) -> tuple[Generated, ExecPlan, bytes]:
        u = Unstructured(data)
        plan = draw_plan(u)
        pick = u.int_in_range(0, 7)
        if pick < 5:
            case = smith.generate(u, FEATURES, imports=u.ratio(1, 3))
        elif pick < 7:
            case = strategies.generate(u, FEATURES)
        else:
            case = single_op.generate(u, FEATURES)
        return case, plan, u.take_rest()


TARGET = DifferentialTarget()
