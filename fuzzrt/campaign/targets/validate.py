"""The ``validate`` target: the runtime accepts a binary iff wasmtime does, and never panics on it.

Pure decoding and validation, so it runs entirely in the fuzzing process
(libFuzzer sees the coverage of the runtime's decoder and validator) under a
CPU-time deadline.  The first input byte picks the input's shape: below 0x80
the rest of the input *is* the binary (seeded with real modules, libFuzzer's
own mutations explore the format around them); then, by range, the rest
behind a valid header, a mutated wasm-smith module (``wasm-tools mutate`` or
byte edits), or a valid wasm-smith module.
"""
from __future__ import annotations

from fuzzrt.engines.outcome import PANIC
from fuzzrt.engines.plan import ExecPlan
from fuzzrt.generators import mutate, smith
from fuzzrt.generators.case import Generated
from fuzzrt.generators.unstructured import Unstructured
from fuzzrt.oracles import nopanic, validation
from fuzzrt.oracles import verdict as V
from fuzzrt.oracles.verdict import Verdict

from ..context import TargetContext
from ..execution import Execution
from ..registry import Target

#: first-byte ranges: [0, RAW) verbatim, [RAW, HEADER) header + bytes, [HEADER, MUTATED) mutated smith, rest smith
RAW, HEADER, MUTATED = 0x80, 0xA0, 0xE0


class ValidateTarget(Target):
    name = "validate"
    description = ("raw, mutated and wasm-smith binaries through Module.validate on both engines: "
                   "acceptance must agree, the runtime must never panic or hang")

    def generate(self, data: bytes) -> tuple[Generated, ExecPlan, bytes]:
        u = Unstructured(data)
        shape = u.u8()
        if shape < RAW:
            case = Generated(u.take_rest(), "raw", {"verbatim": True})
        elif shape < HEADER:
            case = mutate.raw(u)
        elif shape < MUTATED:
            case = mutate.mutate(u)
        else:
            case = smith.generate(u)
        return case, ExecPlan(), b""

    def replay(self, execution: Execution, ctx: TargetContext) -> None:
        case = execution.case
        assert case is not None
        reference, runtime = ctx.engines
        rt_status, panic, hang = ctx.validate(runtime, case.wasm, execution.plan)
        execution.panic = panic
        if panic is not None or hang is not None:
            execution.failure = hang
            execution.verdict = nopanic.check_panic(panic).merge(nopanic.check_process(hang))
            return
        ref_status, _, _ = ctx.validate(reference, case.wasm, execution.plan)
        if ref_status.kind == PANIC:
            execution.verdict = Verdict(inconclusive=V.REFERENCE_ERROR)
            return
        execution.verdict = validation.check(case.wasm, rt_status, ref_status, execution.plan.simd)


TARGET = ValidateTarget()
