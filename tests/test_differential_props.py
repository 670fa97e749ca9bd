"""Property tests: generated modules agree on both engines, and a wrong engine is caught.

The Hypothesis strategy builds valid modules (with calls) in Python; each one
runs on the runtime and on wasmtime through the real adapters, in-process,
and the differential and imports oracles must find nothing.  The same
pipeline with a deliberately wrong runtime adapter (it flips the low bit of
every i32/i64 result) must report a result finding, which is what shows the
oracle is actually looking.  Example counts follow the ``ci`` profile when
``CI`` is set (see conftest.py).
"""
from __future__ import annotations

from hypothesis import HealthCheck, given, settings

import runtime as rt
from fuzzrt.campaign.context import TargetContext
from fuzzrt.campaign.execution import CONCLUSIVE, FINDING, Execution
from fuzzrt.campaign.registry import get_target
from fuzzrt.engines import ExecPlan, default_engines
from fuzzrt.engines.runtime_adapter import RuntimeEngine
from fuzzrt.generators.case import Call, Generated
from fuzzrt.generators.strategies import modules
from runtime.syntax.types import I32, I64, FuncSig

PROPS = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])


class FlipRuntime(RuntimeEngine):
    """The runtime adapter, wrong on purpose: integer results come back with their low bit flipped."""

    name = "runtime"

    def call(self, session, func, sig: FuncSig, args: list[int]) -> tuple[int, ...]:
        results = super().call(session, func, sig, args)
        return tuple(b ^ 1 if t in (I32, I64) else b for t, b in zip(sig.results, results))


def flipping_context() -> TargetContext:
    return TargetContext(isolated=False, engines=(default_engines()[0], FlipRuntime()))


def run(case: Generated, ctx: TargetContext, plan: ExecPlan = ExecPlan()) -> Execution:
    execution = Execution("differential", b"", case=case, plan=plan)
    get_target("differential").replay(execution, ctx)
    return execution


@PROPS
@given(modules())
def test_generated_modules_agree_on_both_engines(case):
    with TargetContext(isolated=False) as ctx:
        execution = run(case, ctx)
    assert execution.status != FINDING, execution.verdict.findings


@PROPS
@given(modules())
def test_a_bit_flipping_adapter_is_caught_whenever_an_integer_comes_back(case):
    with flipping_context() as ctx:
        execution = run(case, ctx)
    rt_calls = execution.reference.calls if execution.reference else []
    returned_int = any(c.status.ok and any(t in (I32, I64) for t, _ in c.results) for c in rt_calls)
    if returned_int and execution.verdict.inconclusive is None:
        assert execution.status == FINDING
        assert execution.finding.oracle == "differential" and execution.finding.kind == "result"


def test_the_wrong_adapter_is_caught_on_a_fixed_module():
    wasm = rt.wat2wasm('(module (func (export "add") (param i32 i32) (result i32) '
                       '(i32.add (local.get 0) (local.get 1))))')
    case = Generated(wasm, "hypothesis", calls=[Call("add", [(I32, 2), (I32, 3)])], canonical_nans=True)
    with TargetContext(isolated=False) as ctx:
        assert run(case, ctx).status == CONCLUSIVE
    with flipping_context() as ctx:
        execution = run(case, ctx)
    assert execution.signature == "differential/differential/result/i32"
    assert "0x4 in the runtime, 0x5 in wasmtime" in execution.finding.message
