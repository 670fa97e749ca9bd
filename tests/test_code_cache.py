"""The on-disk code cache: warm compiles skip code generation and behave identically."""
from __future__ import annotations

import pytest

import runtime as rt
from runtime.jit import compiler

WAT = """(module
  (func $fac (export "fac") (param i64) (result i64)
    (if (result i64) (i64.eqz (local.get 0)) (then (i64.const 1))
      (else (i64.mul (local.get 0) (call $fac (i64.sub (local.get 0) (i64.const 1)))))))
  (func (export "div") (param i32 i32) (result i32) (i32.div_u (local.get 0) (local.get 1))))"""


def _engine(cache_dir, **opts) -> rt.Engine:
    cfg = rt.Config()
    cfg.cache = str(cache_dir)
    for k, v in opts.items():
        setattr(cfg, k, v)
    return rt.Engine(cfg)


def _run(engine: rt.Engine) -> tuple:
    store = rt.Store(engine)
    ex = rt.Instance(store, rt.Module(engine, WAT), []).exports(store)
    with pytest.raises(rt.Trap) as info:
        ex["div"](store, 1, 0)
    return ex["fac"](store, 20), info.value.trap_code


def test_warm_compile_skips_codegen_and_runs_the_same(tmp_path, monkeypatch) -> None:
    cold = _run(_engine(tmp_path))
    assert list(tmp_path.rglob("*.o")), "the cold compile stored an object"

    def no_codegen(*args, **kwargs):
        raise AssertionError("a warm compile must not generate code")

    monkeypatch.setattr(compiler, "emit_object", no_codegen)
    assert _run(_engine(tmp_path)) == cold == (2432902008176640000,
                                               rt.TrapCode.INTEGER_DIVISION_BY_ZERO)


def test_an_entry_that_is_not_an_object_file_is_compiled_again(tmp_path) -> None:
    """A damaged or foreign entry never reaches the linker: it is recompiled and replaced."""
    cold = _run(_engine(tmp_path))
    [entry] = list(tmp_path.rglob("*.o"))
    entry.write_bytes(b"not an object file")
    assert _run(_engine(tmp_path)) == cold
    assert entry.read_bytes().startswith(b"\x7fELF")


def test_options_that_change_code_change_the_key(tmp_path) -> None:
    for opts in ({}, {"consume_fuel": True}, {"epoch_interruption": True}, {"opt_level": 1},
                 {"opt_level": 1}):
        rt.Module(_engine(tmp_path, **opts), WAT)
    assert len(list(tmp_path.rglob("*.o"))) == 4


def test_unwritable_cache_dir_only_costs_caching(tmp_path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    assert _run(_engine(blocker))[0] == 2432902008176640000


def test_direct_and_indirect_calls_work_cold_and_from_the_cache(tmp_path) -> None:
    """Defined functions are internal to their LLVM module: only the ``__wasm_funcs`` table gives
    tables (call_indirect) their addresses, and that must hold for code loaded from the cache too."""
    wat = """(module
      (type $t (func (param i64) (result i64)))
      (table 2 funcref) (elem (i32.const 0) $even $odd)
      (func $even (param i64) (result i64)
        (if (result i64) (i64.eqz (local.get 0)) (then (i64.const 1))
          (else (call $odd (i64.sub (local.get 0) (i64.const 1))))))
      (func $odd (param i64) (result i64)
        (if (result i64) (i64.eqz (local.get 0)) (then (i64.const 0))
          (else (call_indirect (type $t) (i64.sub (local.get 0) (i64.const 1)) (i32.const 0)))))
      (func (export "run") (param i64) (result i64) (call $even (local.get 0))))"""
    for _ in range(2):  # cold, then warm from the cache entry
        cfg = rt.Config()
        cfg.cache = str(tmp_path)
        engine = rt.Engine(cfg)
        store = rt.Store(engine)
        run = rt.Instance(store, rt.Module(engine, wat), []).exports(store)["run"]
        assert [run(store, n) for n in (0, 1, 10, 11)] == [1, 0, 1, 0]
