"""Engine adapters: bit-exact values, identical host imports, trap classification, snapshots.

Each test runs the same module through both adapters (the runtime and
wasmtime) via the shared driver, so what is checked is the harness'
guarantee: equal engines give equal outcomes, down to NaN payload bits.
"""
from __future__ import annotations

import pytest

import runtime as rt
from fuzzrt.engines import ExecPlan, default_engines
from fuzzrt.engines.driver import run_case
from fuzzrt.engines.executor import Job, execute, resolver
from fuzzrt.engines.host import MAX_HOST_CALLS, int_sig
from fuzzrt.engines.outcome import (EXHAUSTED, HOST_TRAP, OK, REJECTED, SKIPPED, STACK_OVERFLOW, TRAP,
                                    Outcome)
from fuzzrt.engines.shim import shim_module
from fuzzrt.generators.case import Call
from fuzzrt.oracles.validation import exact_features_accept
from runtime.syntax.types import EXTERNREF, F32, F64, FUNCREF, I32, I64, FuncSig

F32_SNAN = 0x7FA0_0001
F64_SNAN = 0x7FF4_0000_0000_0001


@pytest.fixture(scope="module")
def engines():
    return default_engines()


def both(engines, wat: str, calls, plan: ExecPlan = ExecPlan()) -> tuple[Outcome, Outcome]:
    wasm = rt.wat2wasm(wat)
    return tuple(run_case(e, wasm, calls, plan) for e in engines)


def test_signalling_nan_arguments_and_results_are_bit_exact(engines):
    wat = """(module
      (func (export "f32") (param f32) (result f32) local.get 0)
      (func (export "f64") (param f64) (result f64) local.get 0))"""
    calls = [Call("f32", [(F32, F32_SNAN)]), Call("f64", [(F64, F64_SNAN)])]
    for out in both(engines, wat, calls):
        assert [c.results for c in out.calls] == [((F32, F32_SNAN),), ((F64, F64_SNAN),)], out.engine


def test_globals_are_read_as_exact_bits(engines):
    wat = """(module
      (global (export "gf") (mut f32) (f32.const nan:0x200001))
      (global (export "gi") (mut i64) (i64.const -1))
      (global (export "gr") funcref (ref.func $f))
      (func $f (export "set") (param f32) (global.set 0 (local.get 0))))"""
    for out in both(engines, wat, [Call("set", [(F32, F32_SNAN)])]):
        assert out.init_state.globals == (("gf", F32, 0x7FA0_0001), ("gi", I64, 2**64 - 1), ("gr", FUNCREF, 1))
        assert out.calls[0].state.globals[0] == ("gf", F32, F32_SNAN), out.engine


def test_multi_value_and_reference_results(engines):
    wat = """(module
      (func (export "m") (param i32 i64) (result i64 i32 externref funcref)
        local.get 1 local.get 0 ref.null extern ref.null func))"""
    calls = [Call("m", [(I32, 0xFFFF_FFFF), (I64, 5)])]
    for out in both(engines, wat, calls):
        assert out.calls[0].results == ((I64, 5), (I32, 0xFFFF_FFFF), (EXTERNREF, 0), (FUNCREF, 0))


@pytest.mark.parametrize("body, kind, code", [
    ("unreachable", TRAP, "UNREACHABLE"),
    ("(drop (i32.div_u (i32.const 1) (i32.const 0)))", TRAP, "INTEGER_DIVISION_BY_ZERO"),
    ("(loop (br 0))", EXHAUSTED, "OUT_OF_FUEL"),
    ("(call $run)", STACK_OVERFLOW, "STACK_OVERFLOW"),
])
def test_traps_are_classified_alike(engines, body, kind, code):
    wat = f'(module (func $run (export "run") {body}))'
    for out in both(engines, wat, [Call("run")], ExecPlan(fuel=100_000)):
        assert (out.calls[0].status.kind, out.calls[0].status.code) == (kind, code), out.engine


def test_rejected_module_and_calls_after_an_inconclusive_call(engines):
    for out in both(engines, "(module (func (result i32)))", None):
        assert out.compile.kind == REJECTED and not out.calls
    wat = '(module (func (export "spin") (loop (br 0))) (func (export "one") (result i32) i32.const 1))'
    for out in both(engines, wat, [Call("spin"), Call("one")], ExecPlan(fuel=10_000)):
        assert [c.status.kind for c in out.calls] == [EXHAUSTED, "not-run"]


def test_missing_or_mistyped_export_is_skipped(engines):
    wat = '(module (func (export "f") (param i32)))'
    for out in both(engines, wat, [Call("nope"), Call("f", [(I64, 1)]), Call("f", [(I32, 1)])]):
        assert [c.status.kind for c in out.calls] == [SKIPPED, SKIPPED, OK]


def test_shim_modules_are_valid_for_every_float_shape():
    for sig in (FuncSig((F32,), ()), FuncSig((I32, I64, F32, F64), (I64,)), FuncSig((F64,), (F64, F32, I32)),
                FuncSig((), (F32,))):
        assert exact_features_accept(shim_module(sig)), sig
    assert int_sig(FuncSig((F32, F64, I32), (F64,))) == FuncSig((I32, I64, I32), (I64,))


def test_host_imports_see_exact_bits_and_behave_identically(engines):
    wat = """(module
      (import "host" "mix" (func $mix (param i32 i64 f32 f64) (result f32)))
      (import "host" "log" (func $log (param f32)))
      (func (export "go") (param f32) (result f32)
        (call $log (local.get 0))
        (call $mix (i32.const -1) (i64.const 7) (local.get 0) (f64.const -0))))"""
    calls = [Call("go", [(F32, F32_SNAN)]), Call("go", [(F32, 0)])]
    ref, run = both(engines, wat, calls)
    assert ref.calls == run.calls
    logged = [h for c in ref.calls for h in c.host_calls]
    assert [h.name for h in logged] == ["log", "mix", "log", "mix"]
    assert logged[0].args == ((F32, F32_SNAN),)
    assert logged[1].args == ((I32, 0xFFFF_FFFF), (I64, 7), (F32, F32_SNAN), (F64, 1 << 63))


def test_host_traps_on_purpose_on_both_engines(engines):
    wat = '(module (import "host" "f" (func $f (param i32))) (func (export "go") (param i32) (call $f (local.get 0))))'
    calls = [Call("go", [(I32, n)]) for n in range(12)]
    ref, run = both(engines, wat, calls, ExecPlan(host_trap_modulus=2))
    kinds = [c.status.kind for c in ref.calls]
    assert HOST_TRAP in kinds and OK in kinds
    assert kinds == [c.status.kind for c in run.calls]


def test_imported_memories_tables_and_globals_are_provided(engines):
    wat = """(module
      (import "env" "mem" (memory 1 2))
      (import "env" "tab" (table 3 funcref))
      (import "env" "g" (global (mut f64)))
      (export "mem" (memory 0)) (export "tab" (table 0)) (export "g" (global 0))
      (func (export "grow") (result i32) (memory.grow (i32.const 1))))"""
    for out in both(engines, wat, [Call("grow"), Call("grow")]):
        assert out.instantiate.ok, out.instantiate
        assert [c.results for c in out.calls] == [((I32, 1),), ((I32, 0xFFFF_FFFF),)]
        assert out.calls[0].state.memories[0].length == 2 * 65536
        assert out.init_state.tables == (("tab", 3),)


def test_memory_snapshots_digest_and_capture(engines):
    wat = '(module (memory (export "m") 1) (func (export "w") (i32.store (i32.const 8) (i32.const 0x01020304))))'
    ref, run = both(engines, wat, [Call("w")])
    assert ref.calls[0].state.memories == run.calls[0].state.memories
    assert ref.init_state.memories[0].digest != ref.calls[0].state.memories[0].digest
    assert ref.calls[0].state.memories[0].data is None
    captured = run_case(engines[1], rt.wat2wasm(wat), [Call("w")], ExecPlan(capture_memory=True))
    data = captured.calls[0].state.memories[0].data
    assert data is not None and data[8:12] == bytes([4, 3, 2, 1])
    assert "0:m" in captured.memory_bytes()


def test_memory_digests_follow_every_change_and_only_changes(engines):
    """Digests are reused while a memory's bytes stay the same (``MemoryDigests``): a write, a
    call that writes nothing, a write that restores the first bytes, and a grow must give new,
    same, first, and new digests."""
    wat = """(module (memory (export "m") 1)
      (func (export "set") (param i32) (i32.store (i32.const 8) (local.get 0)))
      (func (export "grow") (drop (memory.grow (i32.const 1))))
      (func (export "nothing")))"""
    calls = [Call("set", [(I32, 7)]), Call("nothing"), Call("set", [(I32, 0)]), Call("grow")]
    for out in both(engines, wat, calls, ExecPlan(capture_memory=True)):
        states = [out.init_state] + [c.state for c in out.calls]
        m = [s.memories[0].digest for s in states]
        assert m[1] != m[0] and m[2] == m[1] and m[3] == m[0] and m[4] not in m[:4]
        assert states[1].memories[0].data[8:12] == bytes([7, 0, 0, 0])
        assert states[3].memories[0].data == states[0].memories[0].data
        assert states[4].memories[0].length == 2 * 65536


def test_harness_chosen_calls_come_from_wasmtime_and_are_replayed(engines):
    wat = '(module (func (export "a") (param i32) (result i32) local.get 0) (func (export "b") (param f64)))'
    result = execute(Job(rt.wat2wasm(wat), None, ExecPlan(), bytes(range(64))), engines)
    assert {c.export for c in result.calls} == {"a", "b"}
    assert [c.args for c in result.runtime.calls] == [c.args for c in result.reference.calls]
    again = resolver(bytes(range(64)))([("a", (I32,)), ("b", (F64,))])
    assert again == result.calls


@pytest.mark.parametrize("wat", [
    "(module (memory 1) (memory 1))",                                   # multi-memory
    "(module (memory i64 1))",                                          # memory64
    "(module (func $f (return_call $f)))",                              # tail calls
    "(module (func (drop (i32x4.splat (i32.const 0)))))",               # SIMD (not yet)
])
def test_reference_is_held_to_the_runtimes_features(engines, wat):
    ref, run = both(engines, wat, None)
    assert ref.compile.kind == REJECTED and run.compile.kind == REJECTED


def test_a_host_call_loop_is_cut_off_identically(engines):
    wat = """(module (import "host" "nothing" (func $n))
      (func (export "spin") (loop (call $n) (br 0))))"""
    ref, run = both(engines, wat, [Call("spin")])
    assert ref.calls[0].status.kind == run.calls[0].status.kind == HOST_TRAP
    assert len(ref.calls[0].host_calls) == len(run.calls[0].host_calls) == MAX_HOST_CALLS


def test_table_growth_is_limited_alike(engines):
    """Both stores carry the plan's table limit: without it wasmtime tried to build a 4-billion-element
    table (the worker hung until its deadline) while the runtime refused at its own ceiling."""
    wat = """(module (table 0 externref)
      (func (export "grow") (param i32) (result i32) (table.grow 0 (ref.null extern) (local.get 0))))"""
    limit = ExecPlan().table_elements
    calls = [Call("grow", [(I32, n)]) for n in (limit + 1, 1000, limit - 999)]
    for out in both(engines, wat, calls):
        assert [c.results for c in out.calls] == [((I32, 2**32 - 1),), ((I32, 0),), ((I32, 2**32 - 1),)], out.engine


def test_outcomes_cross_the_worker_pipe_unchanged(engines):
    """Outcomes pickle field by field (``outcome._plain_pickle``): every kind of record a case
    produces -- statuses, host calls, snapshots with captured memory, a panic -- comes back equal."""
    import pickle

    from fuzzrt.campaign import protocol
    from fuzzrt.engines.outcome import Panic

    wat = """(module (import "host" "i32_to_i32" (func $h (param i32) (result i32)))
      (memory (export "m") 1) (global (export "g") (mut i64) (i64.const -5)) (table (export "t") 2 funcref)
      (func (export "f") (param i32) (result i32) (i32.store (i32.const 0) (call $h (local.get 0))) (i32.const 1))
      (func (export "trap") unreachable))"""
    outs = both(engines, wat, [Call("f", [(I32, 3)]), Call("trap")], ExecPlan(capture_memory=True))
    for out in outs:
        out.panic = Panic("call f", "KeyError", "x", "runtime/api/func.py:call", "Traceback ...")
        tag, back = protocol.decode(protocol.encode(protocol.DONE, out)[protocol.HEADER_SIZE:])
        assert tag == protocol.DONE and back == out
        assert back.calls[0].host_calls and back.calls[1].status.kind == TRAP
        assert back.calls[0].state.memories[0].data == out.calls[0].state.memories[0].data
        assert pickle.loads(pickle.dumps(back.calls[0].status)) == out.calls[0].status
