"""Oracles on hand-made outcomes: what counts as a finding, what as inconclusive, what as agreement."""
from __future__ import annotations

from dataclasses import replace

import pytest

import runtime as rt
from fuzzrt.engines.outcome import (EXHAUSTED, HOST_TRAP, NOT_RUN, OK, PANIC, REJECTED, STACK_OVERFLOW,
                                    STATUS_OK, TRAP, CallOutcome, HostCall, MemoryState, Outcome, Panic,
                                    Snapshot, Status)
from fuzzrt.oracles import differential, imports, nopanic, primary, validation
from fuzzrt.oracles import verdict as V
from fuzzrt.oracles.nopanic import ProcessFailure
from fuzzrt.oracles.values import first_memory_difference, is_nan, same_value
from fuzzrt.oracles.verdict import Finding, normalize_message
from runtime.syntax.types import F32, F64, I32

WASM = rt.wat2wasm('(module (func (export "f") (result i32) i32.const 1))')
QNAN32, SNAN32, OTHER_NAN32 = 0x7FC0_0000, 0x7FA0_0000, 0xFFC0_0001


def call(status: Status = STATUS_OK, results=((I32, 1),), state: Snapshot | None = Snapshot(), host=()):
    return CallOutcome("f", (), status, tuple(results) if status.kind == OK else (), tuple(host), state)


def outcome(engine: str, calls=(), init_state: Snapshot | None = Snapshot(), **kw) -> Outcome:
    return Outcome(engine, kw.pop("compile", STATUS_OK), kw.pop("instantiate", STATUS_OK), init_state,
                   kw.pop("init_host_calls", ()), list(calls), kw.pop("panic", None))


def diff(ref_calls, rt_calls, canonical=True, **kw):
    return differential.check(WASM, outcome("wasmtime", ref_calls, **kw), outcome("runtime", rt_calls, **kw),
                              canonical)


# -- values -----------------------------------------------------------------------------
def test_nan_rule():
    assert is_nan(F32, SNAN32) and is_nan(F32, OTHER_NAN32) and not is_nan(F32, 0x7F80_0000)
    assert is_nan(F64, 0x7FF0_0000_0000_0001) and not is_nan(I32, QNAN32)
    assert same_value(F32, QNAN32, OTHER_NAN32, canonical_nans=False)
    assert not same_value(F32, QNAN32, OTHER_NAN32, canonical_nans=True)
    assert not same_value(I32, QNAN32, OTHER_NAN32, canonical_nans=False)
    assert not same_value(F32, QNAN32, 0x7F80_0000, canonical_nans=False)


def test_memory_differences_inside_nan_windows_are_tolerated_unless_canonical():
    a = bytearray(64)
    b = bytearray(64)
    a[10:14] = QNAN32.to_bytes(4, "little")
    b[10:14] = OTHER_NAN32.to_bytes(4, "little")
    assert first_memory_difference(bytes(a), bytes(b), canonical_nans=False) is None
    assert first_memory_difference(bytes(a), bytes(b), canonical_nans=True) == 10
    b[40] = 1
    assert first_memory_difference(bytes(a), bytes(b), canonical_nans=False) == 40
    assert first_memory_difference(b"\0" * 4, b"\0" * 8, canonical_nans=False) == 4


# -- differential -------------------------------------------------------------------------
def test_agreement_is_no_finding():
    verdict = diff([call()], [call()])
    assert not verdict.findings and verdict.inconclusive is None


def test_result_bits_trap_codes_and_status_kinds_are_compared():
    found = diff([call(results=((I32, 1),))], [call(results=((I32, 3),))]).findings
    assert [(f.kind, f.detail, f.call_index) for f in found] == [("result", "i32", 0)]
    trap = Status(TRAP, "Trap", "UNREACHABLE")
    found = diff([call(trap)], [call(Status(TRAP, "Trap", "INTEGER_OVERFLOW"))]).findings
    assert found[0].detail == "trap:INTEGER_OVERFLOW!=trap:UNREACHABLE"
    found = diff([call(trap)], [call()]).findings
    assert found[0].kind == "trap" and found[0].detail == "ok!=trap:UNREACHABLE"
    assert not diff([call(Status(HOST_TRAP))], [call(Status(HOST_TRAP))]).findings


def test_scalar_nans_equal_unless_canonical():
    ref, run = call(results=((F32, QNAN32),)), call(results=((F32, OTHER_NAN32),))
    assert not diff([ref], [run], canonical=False).findings
    assert diff([ref], [run], canonical=True).findings[0].detail == "f32"


def test_only_the_first_divergence_is_reported():
    found = diff([call(results=((I32, 1),)), call(results=((I32, 1),))],
                 [call(results=((I32, 2),)), call(results=((I32, 2),))]).findings
    assert len(found) == 1 and found[0].call_index == 0


@pytest.mark.parametrize("kind, reason", [(EXHAUSTED, V.FUEL), (STACK_OVERFLOW, V.STACK), ("resource", V.RESOURCE)])
def test_fuel_stack_and_resource_limits_make_the_rest_inconclusive(kind, reason):
    verdict = diff([call(Status(kind)), call(results=((I32, 1),))],
                   [call(), call(results=((I32, 9),))])
    assert verdict.inconclusive == reason and not verdict.findings
    # a divergence before the inconclusive call is still a finding
    verdict = diff([call(results=((I32, 1),)), call(Status(kind))], [call(results=((I32, 2),)), call()])
    assert verdict.findings and verdict.findings[0].call_index == 0


def test_state_after_calls_is_compared():
    g1 = Snapshot(globals=(("g", F64, 1),))
    g2 = Snapshot(globals=(("g", F64, 2),))
    assert diff([call(state=g1)], [call(state=g2)]).findings[0].kind == "global"
    t1, t2 = Snapshot(tables=(("t", 1),)), Snapshot(tables=(("t", 2),))
    assert diff([call(state=t1)], [call(state=t2)]).findings[0].kind == "table"
    m1 = Snapshot(memories=(MemoryState("m", 65536, "aa"),))
    m2 = Snapshot(memories=(MemoryState("m", 131072, "bb"),))
    assert diff([call(state=m1)], [call(state=m2)]).findings[0].detail == "size"
    assert diff([], [], init_state=m1).findings == []


def test_memory_digests_differing_without_bytes_ask_for_a_capture_when_nans_are_free():
    m1 = Snapshot(memories=(MemoryState("m", 4, "aa"),))
    m2 = Snapshot(memories=(MemoryState("m", 4, "bb"),))
    assert diff([call(state=m1)], [call(state=m2)], canonical=True).findings[0].detail == "bytes"
    verdict = diff([call(state=m1)], [call(state=m2)], canonical=False)
    assert verdict.needs_memory and not verdict.findings
    nan_a = Snapshot(memories=(MemoryState("m", 4, "aa", QNAN32.to_bytes(4, "little")),))
    nan_b = Snapshot(memories=(MemoryState("m", 4, "bb", OTHER_NAN32.to_bytes(4, "little")),))
    verdict = diff([call(state=nan_a)], [call(state=nan_b)], canonical=False)
    assert not verdict.findings and not verdict.needs_memory


def test_instantiation_and_compile_disagreements():
    found = diff([], [], instantiate=Status(TRAP, "Trap", "MEMORY_OUT_OF_BOUNDS")).findings
    assert found == []  # both trapped alike
    ref = outcome("wasmtime", instantiate=Status(TRAP, "Trap", "MEMORY_OUT_OF_BOUNDS"))
    run = outcome("runtime", instantiate=STATUS_OK)
    found = differential.check(WASM, ref, run, True).findings
    assert found[0].kind == "instantiate" and found[0].detail == "ok!=trap:MEMORY_OUT_OF_BOUNDS"
    ref = outcome("wasmtime")
    run = outcome("runtime", compile=Status(REJECTED, "ValidationError", "", "type mismatch (at offset 0x1f)"))
    found = differential.check(WASM, ref, run, True).findings
    assert found[0].kind == "compile" and found[0].detail == "rejects-valid:type mismatch (at offset N)"


def test_a_runtime_panic_is_left_to_the_no_panic_oracle_and_a_reference_panic_is_inconclusive():
    p = Panic("call f", "IndexError", "list index out of range", "runtime/jit/function.py:emit", "")
    run = outcome("runtime", [call(Status(PANIC))], panic=p)
    assert not differential.check(WASM, outcome("wasmtime", [call()]), run, True).findings
    ref = outcome("wasmtime", [call()], panic=p)
    assert differential.check(WASM, ref, outcome("runtime", [call()]), True).inconclusive == V.REFERENCE_ERROR


# -- imports ------------------------------------------------------------------------------
def test_host_call_sequences_must_match():
    h = HostCall("host", "log_f32", ((F32, SNAN32),))
    same = imports.check(outcome("wasmtime", [call(host=[h])]), outcome("runtime", [call(host=[h])]), True)
    assert not same.findings
    other = replace(h, args=((F32, QNAN32),))
    found = imports.check(outcome("wasmtime", [call(host=[h])]), outcome("runtime", [call(host=[other])]), True)
    assert found.findings[0].kind == "argument" and found.findings[0].detail == "f32"
    tolerant = imports.check(outcome("wasmtime", [call(host=[h])]), outcome("runtime", [call(host=[other])]),
                             False)
    assert not tolerant.findings
    found = imports.check(outcome("wasmtime", [call(host=[h, h])]), outcome("runtime", [call(host=[h])]), True)
    assert found.findings[0].kind == "count"
    found = imports.check(outcome("wasmtime", init_host_calls=(h,)), outcome("runtime"), True)
    assert found.findings[0].message.startswith("during instantiation")


# -- validation ---------------------------------------------------------------------------
def test_validation_agreement_and_the_feature_gap_tie_breaker():
    ok, no = STATUS_OK, Status(REJECTED, "ValidationError", "", "constant expression required")
    assert not validation.check(WASM, ok, ok).findings
    extended_const = rt.wat2wasm("(module (global i32 (i32.add (i32.const 1) (i32.const 2))))")
    assert validation.check(extended_const, no, ok).inconclusive == V.FEATURE_GAP
    found = validation.check(WASM, no, ok).findings
    assert found[0].kind == "agreement" and found[0].detail.startswith("rejects-valid:")
    found = validation.check(b"\0asm\x01\0\0\0\x01", ok, Status(REJECTED, "WasmtimeError", "", "unexpected end")
                             ).findings
    assert found[0].detail == "accepts-invalid:unexpected end"


def test_messages_are_normalised_for_signatures():
    assert normalize_message("failed\n\nCaused by:\n    type mismatch at 0x1f, 12 values") == \
        "type mismatch at N, N values"


# -- no-panic -------------------------------------------------------------------------------
def test_panics_crashes_and_hangs_are_findings_with_stable_details():
    p = Panic("call f3", "IndexError", "boom", "runtime/jit/function.py:_emit", "")
    assert nopanic.check_panic(p).findings[0].detail == "IndexError@call@runtime/jit/function.py:_emit"
    assert not nopanic.check_panic(None).findings
    crash = ProcessFailure("crash", "runtime:call 3 f", "SIGSEGV", "", "")
    assert nopanic.check_process(crash).findings[0].detail == "SIGSEGV@runtime:call"
    hang = ProcessFailure("hang", "runtime:compile", "", "runtime/jit/x.py:loop", "")
    assert nopanic.check_process(hang).findings[0].detail == "runtime:compile@runtime/jit/x.py:loop"


def test_the_primary_finding_is_the_earliest():
    later = Finding("differential", "result", "i32", "", 3)
    earlier = Finding("imports", "argument", "i32", "", 1)
    panic = Finding("no-panic", "panic", "x", "", None)
    assert primary([later, earlier]) is earlier
    assert primary([later, panic, earlier]) is panic
    assert primary([Finding("differential", "instantiate", "x", "", None), later]).kind == "instantiate"


def test_not_run_calls_end_the_walk():
    verdict = diff([call(), call(Status(NOT_RUN))], [call(), call(results=((I32, 7),))])
    assert not verdict.findings
