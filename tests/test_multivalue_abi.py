"""Multi-value results keep every bit of a signalling NaN, at every opt level, like wasmtime.

Found by the differential fuzzer: a function returning three f64s lost the
signalling bit of the third one, because x86-64 returns only two floats in SSE
registers and LLVM returned the third through the x87 stack, whose loads quiet
NaNs.  Float fields of multi-value results now travel as integers; these tests
pin that down for results, wasm-to-wasm calls, ``call_indirect`` and host
functions, against wasmtime's bits.
"""
from __future__ import annotations

import itertools

import pytest

import runtime as rt
from fuzzrt.engines import ExecPlan, default_engines
from fuzzrt.engines.driver import run_case
from fuzzrt.engines.outcome import OK
from fuzzrt.generators.case import Call

F32_SNAN = "-nan:0x1"      # bits 0xff800001
F64_SNAN = "-nan:0x1"      # bits 0xfff0000000000001
SHAPES = [("f64", "f64", "f64"), ("f32", "f32", "f32"), ("i32", "f64", "f32", "f64", "f32"),
          ("f32", "f64", "i64", "f64", "f64", "f32", "f64")]


def _consts(shape: tuple[str, ...]) -> str:
    values = {"i32": "i32.const -7", "i64": "i64.const -9"}
    return " ".join(values.get(t, f"{t}.const {F64_SNAN if t == 'f64' else F32_SNAN}") for t in shape)


def _module(shape: tuple[str, ...]) -> str:
    results = " ".join(shape)
    return f"""(module
      (type $t (func (result {results})))
      (table 1 funcref) (elem (i32.const 0) $direct)
      (func $direct (export "direct") (result {results}) {_consts(shape)})
      (func (export "call") (result {results}) call $direct)
      (func (export "indirect") (result {results}) i32.const 0 call_indirect (type $t)))"""


@pytest.mark.parametrize("shape,opt", list(itertools.product(SHAPES, (0, 1, 2))),
                         ids=lambda v: "-".join(v) if isinstance(v, tuple) else f"O{v}")
def test_results_are_bit_exact_against_wasmtime(shape, opt):
    reference, runtime = default_engines()
    wasm = rt.wat2wasm(_module(shape))
    calls = [Call("direct"), Call("call"), Call("indirect")]
    plan = ExecPlan(runtime_opt_level=opt)
    ref, out = run_case(reference, wasm, calls, plan), run_case(runtime, wasm, calls, plan)
    for r, o in zip(ref.calls, out.calls):
        assert r.status.kind == o.status.kind == OK
        assert o.results == r.results, f"{o.export}: {o.results} != wasmtime {r.results}"


def test_host_function_results_are_bit_exact():
    """A host function returning three floats hands them to wasm unchanged."""
    engine = rt.Engine()
    store = rt.Store(engine)
    ty = rt.FuncType([], [rt.ValType.f64()] * 3)
    host = rt.Func(store, ty, lambda: (rt.Val.f64_bits(0xFFF0_0000_0000_0001),
                                       rt.Val.f64_bits(0x7FF0_0000_0000_0002),
                                       rt.Val.f64_bits(0xFFF0_0000_0000_0003)))
    module = rt.Module(engine, """(module
      (import "" "h" (func $h (result f64 f64 f64)))
      (func (export "f") (result i64 i64 i64)
        (local f64 f64)
        call $h local.set 1 local.set 0 i64.reinterpret_f64
        local.get 0 i64.reinterpret_f64 local.get 1 i64.reinterpret_f64))""")
    instance = rt.Instance(store, module, [host])
    bits = [v.bits for v in instance.exports(store)["f"].call_vals(store, [])]
    assert bits == [0xFFF0_0000_0000_0001, 0x7FF0_0000_0000_0002, 0xFFF0_0000_0000_0003]
