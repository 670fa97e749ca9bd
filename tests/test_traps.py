"""One small module per TrapCode: the runtime must trap with wasmtime's code, and survive."""
from __future__ import annotations

import pytest
import wasmtime

import runtime as rt

TABLE_PRELUDE = """
  (type $v (func))
  (type $i (func (param i32) (result i32)))
  (table 3 funcref)
  (elem (i32.const 0) $nop)
  (func $nop)
"""

CASES = {
    "STACK_OVERFLOW": "(module (func $f (export \"run\") (call $f)))",
    "STACK_OVERFLOW_WITH_ARGS": """(module
        (func $f (param i64 f64) (result i64)
          (i64.add (call $f (i64.add (local.get 0) (i64.const 1)) (local.get 1)) (i64.const 1)))
        (func (export "run") (drop (call $f (i64.const 0) (f64.const 1)))))""",
    "MEMORY_OUT_OF_BOUNDS": """(module (memory 1)
        (func (export "run") (result i32) (i32.load (i32.const 65533))))""",
    "MEMORY_OUT_OF_BOUNDS_NEAR_4GIB": """(module (memory 1)
        (func (export "run") (result i64) (i64.load offset=0xffffffff (i32.const 0xffffffff))))""",
    "MEMORY_OUT_OF_BOUNDS_STORE": """(module (memory 0)
        (func (export "run") (i32.store8 (i32.const 0) (i32.const 1))))""",
    "MEMORY_OUT_OF_BOUNDS_FILL": """(module (memory 1)
        (func (export "run") (memory.fill (i32.const 65535) (i32.const 0) (i32.const 2))))""",
    "TABLE_OUT_OF_BOUNDS": f"""(module {TABLE_PRELUDE}
        (func (export "run") (call_indirect (type $v) (i32.const 3))))""",
    "TABLE_OUT_OF_BOUNDS_GET": f"""(module {TABLE_PRELUDE}
        (func (export "run") (result funcref) (table.get (i32.const -1))))""",
    "INDIRECT_CALL_TO_NULL": f"""(module {TABLE_PRELUDE}
        (func (export "run") (call_indirect (type $v) (i32.const 1))))""",
    "BAD_SIGNATURE": f"""(module {TABLE_PRELUDE}
        (func (export "run") (result i32) (call_indirect (type $i) (i32.const 5) (i32.const 0))))""",
    "INTEGER_OVERFLOW": """(module (func (export "run") (result i32)
        (i32.div_s (i32.const 0x80000000) (i32.const -1))))""",
    "INTEGER_OVERFLOW_TRUNC": """(module (func (export "run") (result i64)
        (i64.trunc_f64_u (f64.const -1.0))))""",
    "INTEGER_DIVISION_BY_ZERO": """(module (func (export "run") (result i64)
        (i64.rem_u (i64.const 7) (i64.const 0))))""",
    "BAD_CONVERSION_TO_INTEGER": """(module (func (export "run") (result i32)
        (i32.trunc_f32_s (f32.const nan))))""",
    "UNREACHABLE": "(module (func (export \"run\") unreachable))",
}


def _code_name(case: str) -> str:
    for name in rt.TrapCode.__members__:
        if case.startswith(name):
            return name
    raise AssertionError(case)


def _run_wasmtime(wat: str, config: wasmtime.Config | None = None, prepare=None):
    engine = wasmtime.Engine(config) if config else wasmtime.Engine()
    store = wasmtime.Store(engine)
    if prepare:
        prepare(store)
    inst = wasmtime.Instance(store, wasmtime.Module(engine, wat), [])
    with pytest.raises(wasmtime.Trap) as info:
        inst.exports(store)["run"](store)
    return info.value.trap_code


def _run_runtime(wat: str, config: rt.Config | None = None, prepare=None):
    engine = rt.Engine(config) if config else rt.Engine()
    store = rt.Store(engine)
    if prepare:
        prepare(store)
    inst = rt.Instance(store, rt.Module(engine, wat), [])
    with pytest.raises(rt.Trap) as info:
        inst.exports(store)["run"](store)
    return info.value


@pytest.mark.parametrize("case", sorted(CASES))
def test_trap_code_matches_wasmtime(case: str) -> None:
    wat = CASES[case]
    expected = _run_wasmtime(wat)
    trap = _run_runtime(wat)
    assert trap.trap_code.name == expected.name == _code_name(case)
    assert trap.message == trap.trap_code.message


def _loop_module() -> str:
    return "(module (func (export \"run\") (loop $l (br $l))))"


def test_out_of_fuel_matches_wasmtime() -> None:
    wcfg = wasmtime.Config()
    wcfg.consume_fuel = True
    expected = _run_wasmtime(_loop_module(), wcfg, lambda s: s.set_fuel(10_000))
    cfg = rt.Config()
    cfg.consume_fuel = True
    trap = _run_runtime(_loop_module(), cfg, lambda s: s.set_fuel(10_000))
    assert trap.trap_code.name == expected.name == "OUT_OF_FUEL"


def test_interrupt_matches_wasmtime() -> None:
    wcfg = wasmtime.Config()
    wcfg.epoch_interruption = True
    expected = _run_wasmtime(_loop_module(), wcfg, lambda s: s.set_epoch_deadline(0))
    cfg = rt.Config()
    cfg.epoch_interruption = True
    trap = _run_runtime(_loop_module(), cfg, lambda s: s.set_epoch_deadline(0))
    assert trap.trap_code.name == expected.name == "INTERRUPT"


def test_process_survives_many_traps_and_keeps_working() -> None:
    engine = rt.Engine()
    store = rt.Store(engine)
    inst = rt.Instance(store, rt.Module(engine, CASES["STACK_OVERFLOW"]), [])
    for _ in range(50):
        with pytest.raises(rt.Trap):
            inst.exports(store)["run"](store)
    ok = rt.Instance(store, rt.Module(engine, "(module (func (export \"f\") (result i32) i32.const 7))"), [])
    assert ok.exports(store)["f"](store) == 7


def test_deep_but_bounded_recursion_succeeds() -> None:
    wat = """(module (func $d (export "run") (param i32) (result i32)
        (if (result i32) (i32.eqz (local.get 0)) (then (i32.const 0))
          (else (i32.add (i32.const 1) (call $d (i32.sub (local.get 0) (i32.const 1))))))))"""
    engine = rt.Engine()
    store = rt.Store(engine)
    f = rt.Instance(store, rt.Module(engine, wat), []).exports(store)["run"]
    assert f(store, 5000) == 5000
