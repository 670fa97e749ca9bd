"""Host functions, Caller, exceptions crossing wasm frames, and the Linker."""
from __future__ import annotations

import pytest
import wasmtime

import runtime as rt

I32 = rt.ValType.i32()


def _setup(wat: str, imports_fn):
    engine = rt.Engine()
    store = rt.Store(engine, data={"log": []})
    module = rt.Module(engine, wat)
    inst = rt.Instance(store, module, imports_fn(store))
    return store, inst.exports(store)


def test_host_function_receives_args_and_returns() -> None:
    seen = []

    def add(a: int, b: int) -> int:
        seen.append((a, b))
        return a + b

    wat = """(module (import "h" "add" (func $add (param i32 i32) (result i32)))
      (func (export "run") (param i32) (result i32)
        (call $add (local.get 0) (i32.const -5))))"""
    store, ex = _setup(wat, lambda s: [rt.Func(s, rt.FuncType([I32, I32], [I32]), add)])
    assert ex["run"](store, 10) == 5
    assert seen == [(10, -5)]


def test_host_exception_unwinds_wasm_and_is_reraised_unchanged() -> None:
    class Boom(Exception):
        pass

    err = Boom("from host")

    def fail() -> None:
        raise err

    wat = """(module (import "h" "fail" (func $f))
      (global $g (export "g") (mut i32) (i32.const 0))
      (func (export "run") (call $f) (global.set $g (i32.const 1))))"""
    store, ex = _setup(wat, lambda s: [rt.Func(s, rt.FuncType([], []), fail)])
    with pytest.raises(Boom) as info:
        ex["run"](store)
    assert info.value is err
    assert ex["g"].value(store) == 0  # the wasm after the call never ran


def test_host_wrong_result_type_is_a_type_error() -> None:
    wat = """(module (import "h" "f" (func $f (result i32)))
      (func (export "run") (result i32) (call $f)))"""
    store, ex = _setup(wat, lambda s: [rt.Func(s, rt.FuncType([], [I32]), lambda: "nope")])
    with pytest.raises(TypeError):
        ex["run"](store)


def test_caller_reads_memory_of_calling_instance() -> None:
    got = []

    def log(caller: rt.Caller, ptr: int, n: int) -> None:
        mem = caller.get("memory")
        got.append(bytes(mem.read(caller, ptr, ptr + n)))  # a Caller is store-like
        caller.data()["log"].append(n)

    wat = """(module (import "h" "log" (func $log (param i32 i32)))
      (memory (export "memory") 1) (data (i32.const 8) "hello")
      (func (export "run") (call $log (i32.const 8) (i32.const 5))))"""
    engine = rt.Engine()
    store = rt.Store(engine, data={"log": []})
    f = rt.Func(store, rt.FuncType([I32, I32], []), log, access_caller=True)
    inst = rt.Instance(store, rt.Module(engine, wat), [f])
    inst.exports(store)["run"](store)
    assert got == [b"hello"]
    assert store.data()["log"] == [5]


def test_reentrant_wasm_host_wasm_and_inner_trap_propagates() -> None:
    wat = """(module (import "h" "cb" (func $cb (param i32) (result i32)))
      (func $inner (export "inner") (param i32) (result i32)
        (if (result i32) (i32.eqz (local.get 0)) (then unreachable) (else (local.get 0))))
      (func (export "outer") (param i32) (result i32) (call $cb (local.get 0))))"""
    engine = rt.Engine()
    store = rt.Store(engine)
    holder = {}

    def cb(x: int) -> int:
        return holder["inner"](store, x) * 2

    f = rt.Func(store, rt.FuncType([I32], [I32]), cb)
    ex = rt.Instance(store, rt.Module(engine, wat), [f]).exports(store)
    holder["inner"] = ex["inner"]
    assert ex["outer"](store, 21) == 42
    with pytest.raises(rt.Trap) as info:
        ex["outer"](store, 0)
    assert info.value.trap_code == rt.TrapCode.UNREACHABLE
    assert ex["outer"](store, 1) == 2  # the store is usable after a nested trap


def test_linker_define_func_and_instance() -> None:
    engine = rt.Engine()
    store = rt.Store(engine)
    linker = rt.Linker(engine)
    linker.define_func("env", "twice", rt.FuncType([I32], [I32]), lambda x: 2 * x)
    lib = linker.instantiate(store, rt.Module(engine, """(module
        (import "env" "twice" (func $t (param i32) (result i32)))
        (func (export "quad") (param i32) (result i32) (call $t (call $t (local.get 0)))))"""))
    linker.define_instance(store, "lib", lib)
    main = linker.instantiate(store, rt.Module(engine, """(module
        (import "lib" "quad" (func $q (param i32) (result i32)))
        (func (export "run") (result i32) (call $q (i32.const 3))))"""))
    assert main.exports(store)["run"](store) == 12
    with pytest.raises(rt.LinkError):
        linker.instantiate(store, rt.Module(engine, '(module (import "x" "y" (func)))'))
    with pytest.raises(rt.LinkError):
        linker.define_func("env", "twice", rt.FuncType([], []), lambda: None)
    linker.allow_shadowing = True
    linker.define_func("env", "twice", rt.FuncType([], []), lambda: None)


def test_incompatible_import_is_link_error() -> None:
    engine = rt.Engine()
    store = rt.Store(engine)
    module = rt.Module(engine, '(module (import "h" "f" (func (param i64))))')
    with pytest.raises(rt.LinkError):
        rt.Instance(store, module, [rt.Func(store, rt.FuncType([I32], []), lambda x: None)])
    with pytest.raises(rt.LinkError):
        rt.Instance(store, module, [])


def test_wrong_python_argument_types_raise_type_error() -> None:
    engine = rt.Engine()
    store = rt.Store(engine)
    f = rt.Instance(store, rt.Module(engine, """(module
        (func (export "f") (param i32 f64) (result f64) (local.get 1)))"""), []).exports(store)["f"]
    with pytest.raises(TypeError):
        f(store, "1", 2.0)
    with pytest.raises(TypeError):
        f(store, 1)
    with pytest.raises(TypeError):
        f(store, 1, 2.0, 3)
    assert f(store, 1, 2.5) == 2.5


def test_nan_payload_survives_call_vals_both_ways() -> None:
    engine = rt.Engine()
    store = rt.Store(engine)
    ex = rt.Instance(store, rt.Module(engine, """(module
        (func (export "id32") (param f32) (result f32) (local.get 0))
        (func (export "id64") (param f64) (result f64) (local.get 0)))"""), []).exports(store)
    for bits in (0x7FA00001, 0xFFC00000, 0x7F800001, 0x80000000):
        [r] = ex["id32"].call_vals(store, [rt.Val.f32_bits(bits)])
        assert r.bits == bits
    for bits in (0x7FF0000000000001, 0xFFF8000000000123, 0x8000000000000000):
        [r] = ex["id64"].call_vals(store, [rt.Val.f64_bits(bits)])
        assert r.bits == bits


def test_huge_table_validates_but_instantiation_is_a_resource_error() -> None:
    engine = rt.Engine()
    module = rt.Module(engine, "(module (table 4000000000 funcref))")
    with pytest.raises(rt.ResourceLimitError):
        rt.Instance(rt.Store(engine), module, [])


@pytest.mark.parametrize("api", [rt, wasmtime], ids=["runtime", "wasmtime"])
def test_a_func_reentered_through_a_host_function_keeps_each_calls_values(api) -> None:
    """f calls a host function that calls f again, five deep, with two arguments and two results:
    each level must see its own arguments and return its own results (the runtime reuses one word
    buffer per Func across nested calls)."""
    wat = """(module (import "h" "again" (func $again (param i32 i64) (result i64 i32)))
      (func (export "f") (param i32 i64) (result i64 i32) (local $r i64) (local $d i32)
        (if (result i64 i32) (i32.eqz (local.get 0))
          (then (local.get 1) (i32.const 0))
          (else
            (call $again (i32.sub (local.get 0) (i32.const 1)) (i64.mul (local.get 1) (i64.const -3)))
            (local.set $d) (local.set $r)
            (i64.add (local.get $r) (local.get 1)) (i32.add (local.get $d) (local.get 0))))))"""
    engine = api.Engine()
    store = api.Store(engine)
    ty = api.FuncType([api.ValType.i32(), api.ValType.i64()], [api.ValType.i64(), api.ValType.i32()])
    exports: dict = {}
    again = api.Func(store, ty, lambda n, x: exports["f"](store, n, x))
    exports["f"] = api.Instance(store, api.Module(engine, wat), [again]).exports(store)["f"]

    def model(n: int, x: int) -> list[int]:
        if n == 0:
            return [x, 0]
        r, d = model(n - 1, -3 * x)
        return [r + x, d + n]
    assert list(exports["f"](store, 5, 7)) == model(5, 7) == [7 - 21 + 63 - 189 + 567 - 1701, 15]


def test_a_bad_argument_is_reported_before_the_closed_store() -> None:
    """The API contract the api-calls model checks (fuzzrt/oracles/api_model.py): arguments are
    type-checked first, then the store; the fast call path must keep that order (found by api-calls)."""
    engine = rt.Engine()
    store = rt.Store(engine)
    f = rt.Instance(store, rt.Module(engine, '(module (func (export "f") (param i32)))'), []).exports(store)["f"]
    store.close()
    with pytest.raises(TypeError):
        f(store, "not an i32")
    with pytest.raises(rt.WasmError, match="this Store has been closed"):
        f(store, 1)
