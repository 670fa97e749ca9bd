"""Instance allocation strategies: on demand and pooling (issue 5, parts 1 and 4).

What must hold: a pooled slot never shows a tenant anything of the previous
one; running out of slots raises ``PoolConcurrencyLimitError`` exactly when the
pool is full, and closing or dropping a store frees its slots; modules that can
never fit are refused at ``Module(...)`` with wasmtime's words (checked against
the wasmtime package where its C API exposes pooling); memories stop growing at
``max_memory_size``; a closed store refuses every use.
"""
from __future__ import annotations

import gc
import threading

import pytest

import runtime as rt
from runtime.errors import ResourceLimitError

PAGE = 65536


def pooled(**knobs: int) -> rt.Engine:
    config = rt.Config()
    config.allocation_strategy = rt.InstanceAllocationStrategy.pooling(rt.PoolingAllocationConfig(**knobs))
    return rt.Engine(config)


SMALL = dict(total_core_instances=4, total_memories=4, total_tables=4, max_memory_size=8 * PAGE)


def live(engine: rt.Engine) -> tuple[int, int, int]:
    return engine._allocator.live_counts()


# -- configuration ------------------------------------------------------------------------
def test_pooling_config_has_wasmtimes_defaults() -> None:
    cfg = rt.PoolingAllocationConfig()
    assert (cfg.total_core_instances, cfg.total_memories, cfg.total_tables) == (1000, 1000, 1000)
    assert cfg.max_memory_size == 1 << 32
    assert (cfg.max_memories_per_module, cfg.max_tables_per_module) == (1, 1)
    assert cfg.table_elements == 20_000
    assert cfg.max_core_instance_size == 1 << 20
    assert cfg.max_unused_warm_slots == 100
    assert cfg.linear_memory_keep_resident == 0


@pytest.mark.parametrize("name, value, error, text", [
    ("total_memories", -1, ValueError, "got -1"),
    ("total_memories", 1 << 32, ValueError, f"got {1 << 32}"),
    ("max_memory_size", (1 << 32) + 1, ValueError, f"got {(1 << 32) + 1}"),
    ("table_elements", "10", TypeError, "got str"),
    ("max_unused_warm_slots", True, TypeError, "got bool"),
    ("linear_memory_keep_resident", 1.5, TypeError, "got float"),
])
def test_pooling_config_validates_each_knob(name: str, value: object, error: type, text: str) -> None:
    cfg = rt.PoolingAllocationConfig()
    with pytest.raises(error, match=text):
        setattr(cfg, name, value)
    with pytest.raises(error, match=text):
        rt.PoolingAllocationConfig(**{name: value})


def test_strategy_is_a_snapshot_and_config_checks_its_type() -> None:
    cfg = rt.PoolingAllocationConfig(total_memories=3)
    strategy = rt.InstanceAllocationStrategy.pooling(cfg)
    cfg.total_memories = 9
    assert strategy.config.total_memories == 3 and strategy.kind == "pooling"
    assert rt.Config().allocation_strategy == rt.InstanceAllocationStrategy.on_demand()
    with pytest.raises(TypeError, match="InstanceAllocationStrategy"):
        rt.Config().allocation_strategy = cfg
    with pytest.raises(TypeError, match="no setting 'total_stacks'"):
        rt.PoolingAllocationConfig(total_stacks=1)


# -- Module(...) refuses what cannot fit ----------------------------------------------------
MEMORY_TOO_BIG = ("module memory does not fit in pooling allocator requirements\n\nCaused by:\n"
                  "    0: memory index 0 is unsupported in this pooling allocator configuration\n"
                  "    1: memory has a minimum byte size of 327680 which exceeds the limit of 0x40000 bytes")
MEMORIES_COUNT = ("module memory does not fit in pooling allocator requirements\n\nCaused by:\n"
                  "    defined memories count of 1 exceeds the per-instance limit of 0")
TABLES_COUNT = ("module table does not fit in pooling allocator requirements\n\nCaused by:\n"
                "    defined tables count of 2 exceeds the per-instance limit of 1")
TABLE_TOO_BIG = ("module table does not fit in pooling allocator requirements\n\nCaused by:\n"
                 "    table index 1 has a minimum element size of 11 which exceeds the limit of 10")

MODULE_LIMIT_CASES = [
    (dict(max_memory_size=4 * PAGE), "(module (memory 5))", MEMORY_TOO_BIG),
    (dict(max_memories_per_module=0), "(module (memory 0))", MEMORIES_COUNT),
    (dict(), "(module (table 1 funcref) (table 1 funcref))", TABLES_COUNT),
    (dict(max_tables_per_module=2, table_elements=10), "(module (table 1 funcref) (table 11 funcref))",
     TABLE_TOO_BIG),
]


@pytest.mark.parametrize("knobs, wat, message", MODULE_LIMIT_CASES)
def test_module_that_cannot_fit_is_refused_with_wasmtimes_words(knobs: dict, wat: str, message: str) -> None:
    with pytest.raises(ResourceLimitError) as info:
        rt.Module(pooled(**knobs), wat)
    assert str(info.value) == message
    rt.Module(rt.Engine(), wat)            # on demand, the same module is fine


def _wasmtime_pooled(**knobs: int):
    """A wasmtime Engine with the pooling allocator, through its C API (wasmtime-py has no wrapper)."""
    wasmtime = pytest.importorskip("wasmtime")
    ffi = getattr(wasmtime, "_bindings", None)
    if ffi is None or not hasattr(ffi, "wasmtime_pooling_allocation_strategy_set"):
        pytest.skip("this wasmtime package does not expose the pooling allocator")
    config = wasmtime.Config()
    pooling = ffi.wasmtime_pooling_allocation_config_new()
    for name, value in knobs.items():
        getattr(ffi, f"wasmtime_pooling_allocation_config_{name}_set")(pooling, value)
    ffi.wasmtime_pooling_allocation_strategy_set(config.ptr(), pooling)
    ffi.wasmtime_pooling_allocation_config_delete(pooling)
    return wasmtime, wasmtime.Engine(config)


@pytest.mark.parametrize("knobs, wat, message", MODULE_LIMIT_CASES)
def test_module_limit_messages_match_wasmtime(knobs: dict, wat: str, message: str) -> None:
    wasmtime, engine = _wasmtime_pooled(**knobs)
    with pytest.raises(wasmtime.WasmtimeError) as info:
        wasmtime.Module(engine, wat)
    assert str(info.value).rstrip() == message


def test_instance_size_limit_reports_the_breakdown() -> None:
    wat = "(module " + "(global i64 (i64.const 0))" * 100 + " (func))"
    module = rt.Module(rt.Engine(), wat)
    size, parts = module._template.size, dict(module._template.size_breakdown)
    assert parts["defined globals"] == 100 * 24 and size == sum(parts.values())
    with pytest.raises(ResourceLimitError) as info:
        rt.Module(pooled(max_core_instance_size=size - 1), wat)
    share = 100 * 2400 / size
    assert str(info.value) == (
        "module instance size does not fit in pooling allocator requirements\n\nCaused by:\n"
        f"    instance allocation for this module requires {size} bytes which exceeds the configured "
        f"maximum of {size - 1} bytes; breakdown of allocation requirement:\n\n"
        f" * {share:.2f}% - 2400 bytes - defined globals")
    rt.Module(pooled(max_core_instance_size=size), wat)


# -- slots are exhausted exactly, and come back ---------------------------------------------
def test_exhausted_instance_pool() -> None:
    engine = pooled(**dict(SMALL, total_core_instances=2))
    module = rt.Module(engine, "(module)")
    stores = [rt.Store(engine) for _ in range(3)]
    rt.Instance(stores[0], module, [])
    rt.Instance(stores[1], module, [])
    with pytest.raises(rt.PoolConcurrencyLimitError) as info:
        rt.Instance(stores[2], module, [])
    assert str(info.value) == "maximum concurrent limit of 2 for core instances reached"
    assert isinstance(info.value, rt.WasmError) and info.value.limit == 2
    stores[0].close()
    rt.Instance(stores[2], module, [])
    assert live(engine) == (2, 0, 0)


def test_exhausted_memory_and_table_pools_give_back_the_instance_slot() -> None:
    engine = pooled(**dict(SMALL, total_memories=1, total_tables=1))
    with_memory = rt.Module(engine, "(module (memory 1))")
    with_table = rt.Module(engine, "(module (table 1 funcref))")
    keep = rt.Store(engine)
    rt.Instance(keep, with_memory, [])
    rt.Instance(keep, with_table, [])
    other = rt.Store(engine)
    with pytest.raises(rt.PoolConcurrencyLimitError, match="^maximum concurrent limit of 1 for memory stripe 0 reached$"):
        rt.Instance(other, with_memory, [])
    with pytest.raises(rt.PoolConcurrencyLimitError, match="^maximum concurrent limit of 1 for tables reached$"):
        rt.Instance(other, with_table, [])
    assert live(engine) == (2, 1, 1)
    keep.close()
    assert live(engine) == (0, 0, 0)
    rt.Instance(other, with_memory, [])
    rt.Instance(other, with_table, [])


def test_exhaustion_messages_match_wasmtime() -> None:
    wasmtime, engine = _wasmtime_pooled(total_core_instances=1, total_memories=1, total_tables=1)
    keep = wasmtime.Store(engine)
    wasmtime.Instance(keep, wasmtime.Module(engine, "(module (memory 1) (table 1 funcref))"), [])
    with pytest.raises(wasmtime.WasmtimeError) as info:
        wasmtime.Instance(wasmtime.Store(engine), wasmtime.Module(engine, "(module)"), [])
    ours = pooled(**dict(SMALL, total_core_instances=1))
    keep_ours = rt.Store(ours)      # kept alive: an unreachable store would be collected and freed
    rt.Instance(keep_ours, rt.Module(ours, "(module)"), [])
    with pytest.raises(rt.PoolConcurrencyLimitError) as mine:
        rt.Instance(rt.Store(ours), rt.Module(ours, "(module)"), [])
    assert str(mine.value) == str(info.value).rstrip()


def test_context_manager_and_garbage_collection_free_slots() -> None:
    engine = pooled(**dict(SMALL, total_core_instances=1, total_memories=1))
    module = rt.Module(engine, "(module (memory 1))")
    for _ in range(3):
        with rt.Store(engine) as store:
            rt.Instance(store, module, [])
        assert live(engine) == (0, 0, 0)
    for _ in range(3):   # dropped without close: the store/instance cycle is collected on demand
        store = rt.Store(engine)
        rt.Instance(store, module, [])
        del store
    gc.collect()
    assert live(engine) == (0, 0, 0)


def test_trapping_instantiation_keeps_its_slots_until_the_store_closes() -> None:
    engine = pooled(**dict(SMALL, total_core_instances=1))
    store = rt.Store(engine)
    with pytest.raises(rt.Trap):
        rt.Instance(store, rt.Module(engine, "(module (memory 1) (func unreachable) (start 0))"), [])
    assert live(engine) == (1, 1, 0)
    store.close()
    assert live(engine) == (0, 0, 0)


# -- a reused slot is wiped ---------------------------------------------------------------
TENANT_ONE = """
(module
  (memory (export "mem") 2 8)
  (global (export "g") (mut i32) (i32.const 7))
  (table (export "t") 4 funcref)
  (func $one (result i32) i32.const 1)
  (elem (i32.const 0) $one)
  (func (export "scribble") (param $pages i32)
    (drop (memory.grow (local.get $pages)))
    (memory.fill (i32.const 0) (i32.const 0xAB) (i32.mul (memory.size) (i32.const 65536)))
    (global.set 0 (i32.const 99))
    (table.set (i32.const 3) (ref.func $one)))
  (data (i32.const 16) "tenant-one"))
"""
SMALLER = """
(module
  (memory (export "mem") 1)
  (data (i32.const 100) "two")
  (func (export "load") (param i32) (result i32) (i32.load8_u (local.get 0))))
"""
LARGER = '(module (memory (export "mem") 4) (table (export "t") 2 funcref))'


def _expect(size: int, data: dict[int, bytes]) -> bytes:
    image = bytearray(size)
    for offset, chunk in data.items():
        image[offset:offset + len(chunk)] = chunk
    return bytes(image)


@pytest.mark.parametrize("keep_resident", [0, PAGE, 3 * PAGE])
@pytest.mark.parametrize("warm", [0, 10])
def test_reused_slot_never_shows_the_previous_tenant(keep_resident: int, warm: int) -> None:
    engine = pooled(total_core_instances=1, total_memories=1, total_tables=1, max_memory_size=8 * PAGE,
                    linear_memory_keep_resident=keep_resident, max_unused_warm_slots=warm)
    one, smaller, larger = (rt.Module(engine, w) for w in (TENANT_ONE, SMALLER, LARGER))

    def tenant_one_writes_everything() -> None:
        with rt.Store(engine) as store:
            ex = rt.Instance(store, one, []).exports(store)
            assert ex["mem"].read(store) == _expect(2 * PAGE, {16: b"tenant-one"})
            assert ex["g"].value(store) == 7 and ex["t"].get(store, 3) is None
            ex["scribble"](store, 5)
            assert ex["mem"].size(store) == 7
            assert ex["mem"].read(store) == b"\xab" * 7 * PAGE

    tenant_one_writes_everything()
    with rt.Store(engine) as store:          # a smaller memory: its own size, zeros, its own data
        ex = rt.Instance(store, smaller, []).exports(store)
        mem = ex["mem"]
        assert mem.size(store) == 1
        assert mem._mem._slot.accessible == PAGE      # the slot's accessible part shrank back too
        assert mem.read(store) == _expect(PAGE, {100: b"two"})
        with pytest.raises(rt.Trap, match="out of bounds memory access"):
            ex["load"](store, PAGE)
        assert mem.grow(store, 7) == 1
        assert mem.read(store) == _expect(8 * PAGE, {100: b"two"})

    tenant_one_writes_everything()
    with rt.Store(engine) as store:          # a larger memory and a table: zeros and nulls
        ex = rt.Instance(store, larger, []).exports(store)
        assert ex["mem"].size(store) == 4
        assert ex["mem"].read(store) == bytes(4 * PAGE)
        assert [ex["t"].get(store, i) for i in range(2)] == [None, None]

    tenant_one_writes_everything()
    with rt.Store(engine) as store:          # the same module again: exactly its initial state
        ex = rt.Instance(store, one, []).exports(store)
        assert ex["mem"].size(store) == 2
        assert ex["mem"].read(store) == _expect(2 * PAGE, {16: b"tenant-one"})
        assert ex["g"].value(store) == 7
        assert ex["t"].get(store, 0) is not None and ex["t"].get(store, 3) is None
        assert ex["t"].get(store, 0)(store) == 1


def test_segments_that_read_imports_are_evaluated_per_tenant() -> None:
    engine = pooled(**SMALL)
    module = rt.Module(engine, """
      (module
        (import "host" "f" (func $f (result i32)))
        (import "host" "base" (global $base i32))
        (memory (export "mem") 1)
        (table 1 funcref)
        (elem (i32.const 0) $f)
        (data (global.get $base) "here")
        (type $t (func (result i32)))
        (func (export "call") (result i32) (call_indirect (type $t) (i32.const 0))))""")
    ty = rt.FuncType([], [rt.ValType.i32()])
    for answer, base in ((11, 8), (22, 300), (11, 8)):
        with rt.Store(engine) as store:
            imports = [rt.Func(store, ty, lambda a=answer: a),
                       rt.Global(store, rt.GlobalType(rt.ValType.i32(), False), base)]
            ex = rt.Instance(store, module, imports).exports(store)
            assert ex["call"](store) == answer
            assert ex["mem"].read(store) == _expect(PAGE, {base: b"here"})


def test_functions_reached_only_through_tables_get_func_objects() -> None:
    for engine in (rt.Engine(), pooled(**SMALL)):
        module = rt.Module(engine, """
          (module (table (export "t") 2 funcref)
            (func $hidden (result i32) i32.const 42)
            (elem (i32.const 1) $hidden))""")
        with rt.Store(engine) as store:
            table = rt.Instance(store, module, []).exports(store)["t"]
            hidden = table.get(store, 1)
            assert isinstance(hidden, rt.Func) and hidden(store) == 42
            assert table.get(store, 1) is hidden


# -- growth stops at max_memory_size --------------------------------------------------------
def test_growth_stops_at_max_memory_size() -> None:
    engine = pooled(**dict(SMALL, max_memory_size=4 * PAGE))
    module = rt.Module(engine, """
      (module (memory (export "mem") 1 100)
        (func (export "grow") (param i32) (result i32) (memory.grow (local.get 0))))""")
    with rt.Store(engine) as store:
        ex = rt.Instance(store, module, []).exports(store)
        assert ex["grow"](store, 4) == -1
        assert ex["grow"](store, 3) == 1
        assert ex["grow"](store, 1) == -1
        assert ex["grow"](store, 0) == 4
        with pytest.raises(rt.WasmError, match="failed to grow memory"):
            ex["mem"].grow(store, 1)
        assert ex["mem"].size(store) == 4
        assert ex["mem"].type(store).limits.max == 100


# -- closed stores --------------------------------------------------------------------------
@pytest.mark.parametrize("strategy", ["on_demand", "pooling"])
def test_closed_store_refuses_every_use(strategy: str) -> None:
    engine = rt.Engine() if strategy == "on_demand" else pooled(**SMALL)
    module = rt.Module(engine, """
      (module (memory (export "mem") 1) (table (export "t") 1 funcref)
        (global (export "g") (mut i32) (i32.const 1)) (func (export "f")))""")
    store = rt.Store(engine)
    instance = rt.Instance(store, module, [])
    ex = instance.exports(store)
    mem, table, glob, func = ex["mem"], ex["t"], ex["g"], ex["f"]
    store.close()
    store.close()                                    # twice is fine
    closed = "this Store has been closed"
    for use in (lambda: func(store), lambda: mem.read(store), lambda: mem.write(store, b"x"),
                lambda: mem.grow(store, 1), lambda: mem.size(store), lambda: table.get(store, 0),
                lambda: glob.value(store), lambda: glob.set_value(store, 2),
                lambda: instance.exports(store), lambda: rt.Instance(store, module, []),
                lambda: store.set_limits(memory_size=1), lambda: store.set_fuel(1),
                lambda: store.data(), lambda: rt.Memory(store, rt.MemoryType(rt.Limits(1, None))),
                lambda: rt.Global(store, rt.GlobalType(rt.ValType.i32(), True), 1),
                lambda: rt.Func(store, rt.FuncType([], []), lambda: None)):
        with pytest.raises(rt.WasmError, match=closed):
            use()
    assert mem._mem.size_bytes == 0                  # detached: nothing left to reach


def test_store_cannot_close_while_running_wasm() -> None:
    engine = rt.Engine()
    module = rt.Module(engine, '(module (import "h" "f" (func $f)) (func (export "run") (call $f)))')
    store = rt.Store(engine)
    seen = []

    def host() -> None:
        with pytest.raises(rt.WasmError, match="while it is running wasm"):
            store.close()
        seen.append(True)

    run = rt.Instance(store, module, [rt.Func(store, rt.FuncType([], []), host)]).exports(store)["run"]
    run(store)
    assert seen == [True]
    store.close()


# -- threads --------------------------------------------------------------------------------
def test_two_threads_share_one_pooled_engine() -> None:
    engine = pooled(**dict(SMALL, total_core_instances=2, total_memories=2))
    module = rt.Module(engine, """
      (module (memory (export "mem") 1)
        (global $n (mut i32) (i32.const 0))
        (func (export "bump") (result i32)
          (global.set $n (i32.add (global.get $n) (i32.const 1))) (global.get $n))
        (func (export "poke") (param i32) (i32.store8 (local.get 0) (i32.const 255)))
        (data (i32.const 0) "\\01\\02\\03"))""")
    errors: list[BaseException] = []

    def worker(offset: int) -> None:
        try:
            for _ in range(150):
                with rt.Store(engine) as store:
                    ex = rt.Instance(store, module, []).exports(store)
                    assert ex["mem"].read(store, 0, 8) == b"\x01\x02\x03" + bytes(5)
                    assert [ex["bump"](store) for _ in range(3)] == [1, 2, 3]
                    ex["poke"](store, offset)
        except BaseException as exc:  # noqa: BLE001 - reported by the main thread
            errors.append(exc)

    threads = [threading.Thread(target=worker, args=(k,)) for k in (1, 5)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert live(engine) == (0, 0, 0)


def test_stores_instantiated_through_a_linker_are_collected() -> None:
    engine = pooled(**dict(SMALL, total_core_instances=2))
    linker = rt.Linker(engine)
    linker.define_func("host", "f", rt.FuncType([], []), lambda: None)
    module = rt.Module(engine, '(module (import "host" "f" (func)) (memory 1))')
    for _ in range(6):       # more than the pool holds: each dropped store must come back
        store = rt.Store(engine)
        linker.instantiate(store, module)
        del store
    gc.collect()
    assert live(engine) == (0, 0, 0)


@pytest.mark.parametrize("strategy", ["on_demand", "pooling"])
def test_data_is_not_in_place_when_an_element_segment_traps_first(strategy: str) -> None:
    # the memory image replaces copying only when no segment can trap before the data segments
    engine = rt.Engine() if strategy == "on_demand" else pooled(**SMALL)
    module = rt.Module(engine, """
      (module
        (import "env" "t" (table 1 funcref))
        (memory 1)
        (func $peek (result i32) (i32.load8_u (i32.const 0)))
        (elem (i32.const 0) $peek)
        (elem (i32.const 5) $peek)
        (data (i32.const 0) "\\2a"))""")
    with rt.Store(engine) as store:
        table = rt.Table(store, rt.TableType(rt.ValType.funcref(), rt.Limits(1, None)), None)
        with pytest.raises(rt.Trap, match="out of bounds table access"):
            rt.Instance(store, module, [table])
        assert table.get(store, 0)(store) == 0


def test_pooled_tables_stop_growing_at_table_elements() -> None:
    engine = pooled(**dict(SMALL, table_elements=8))
    module = rt.Module(engine, '(module (table (export "t") 2 funcref))')
    with rt.Store(engine) as store:
        table = rt.Instance(store, module, []).exports(store)["t"]
        assert table.grow(store, 6, None) == 2
        with pytest.raises(rt.WasmError, match="failed to grow table"):
            table.grow(store, 1, None)
        assert table.size(store) == 8


def test_without_memfd_the_data_is_copied_in(monkeypatch: pytest.MonkeyPatch) -> None:
    def no_memfd(*args: object) -> int:
        raise OSError(38, "memfd_create unavailable")

    monkeypatch.setattr("runtime.vm.pools.os.memfd_create", no_memfd)
    engine = pooled(**SMALL)
    module = rt.Module(engine, '(module (memory (export "mem") 1) (data (i32.const 9) "copied"))')
    for _ in range(2):
        with rt.Store(engine) as store:
            instance = rt.Instance(store, module, [])
            assert instance.memories[0].image is None
            assert instance.exports(store)["mem"].read(store, 0, 16) == _expect(16, {9: b"copied"})
