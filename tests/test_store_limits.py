"""``Store.set_limits`` (issue 5, part 2): wasmtime-py's semantics and wording, for both allocators.

Every scenario runs under the on-demand and the pooling allocator; the message
scenarios also run on the wasmtime package, and the two must print the same.
"""
from __future__ import annotations

from typing import Any

import pytest

import runtime as rt
from runtime.errors import ResourceLimitError

PAGE = 65536

GROWER = """
(module
  (memory (export "mem") 1)
  (table (export "t") 1 funcref)
  (func (export "grow") (param i32) (result i32) (memory.grow (local.get 0)))
  (func (export "tgrow") (param i32) (result i32) (table.grow (ref.null func) (local.get 0))))
"""


def _engine(api: Any, strategy: str) -> Any:
    if api is rt and strategy == "pooling":
        config = rt.Config()
        config.allocation_strategy = rt.InstanceAllocationStrategy.pooling(
            rt.PoolingAllocationConfig(total_core_instances=20, total_memories=20, total_tables=20,
                                       max_memory_size=64 * PAGE))
        return rt.Engine(config)
    return api.Engine()


@pytest.fixture(params=["on_demand", "pooling"])
def engine(request: pytest.FixtureRequest) -> rt.Engine:
    return _engine(rt, request.param)


def test_memory_size_limits_creation_and_growth(engine: rt.Engine) -> None:
    store = rt.Store(engine)
    store.set_limits(memory_size=2 * PAGE)
    with pytest.raises(ResourceLimitError) as info:
        rt.Instance(store, rt.Module(engine, "(module (memory 3))"), [])
    assert str(info.value) == "memory minimum size of 3 pages exceeds memory limits"
    ex = rt.Instance(store, rt.Module(engine, GROWER), []).exports(store)
    assert ex["grow"](store, 2) == -1
    assert ex["grow"](store, 1) == 1
    assert ex["grow"](store, 0) == 2
    with pytest.raises(rt.WasmError, match="failed to grow memory"):
        ex["mem"].grow(store, 1)
    store.set_limits(memory_size=PAGE)          # lowered below the current size
    assert ex["grow"](store, 0) == 2             # growing by nothing still succeeds
    assert ex["grow"](store, 1) == -1
    store.set_limits()                           # unset again
    assert ex["grow"](store, 1) == 2


def test_table_elements_limits_creation_and_growth(engine: rt.Engine) -> None:
    store = rt.Store(engine)
    store.set_limits(table_elements=5)
    with pytest.raises(ResourceLimitError) as info:
        rt.Instance(store, rt.Module(engine, "(module (table 6 funcref))"), [])
    assert str(info.value) == "table minimum size of 6 elements exceeds table limits"
    ex = rt.Instance(store, rt.Module(engine, GROWER), []).exports(store)
    assert ex["tgrow"](store, 5) == -1
    assert ex["tgrow"](store, 4) == 1
    assert ex["tgrow"](store, 0) == 5
    with pytest.raises(rt.WasmError, match="failed to grow table"):
        ex["t"].grow(store, 1, None)


def test_host_made_memories_and_tables_obey_the_size_limits(engine: rt.Engine) -> None:
    store = rt.Store(engine)
    store.set_limits(memory_size=2 * PAGE, table_elements=5, memories=0, tables=0)
    with pytest.raises(ResourceLimitError, match="^memory minimum size of 3 pages exceeds memory limits$"):
        rt.Memory(store, rt.MemoryType(rt.Limits(3, None)))
    with pytest.raises(ResourceLimitError, match="^table minimum size of 6 elements exceeds table limits$"):
        rt.Table(store, rt.TableType(rt.ValType.funcref(), rt.Limits(6, None)), None)
    mem = rt.Memory(store, rt.MemoryType(rt.Limits(1, None)))   # not counted against memories=0
    rt.Table(store, rt.TableType(rt.ValType.funcref(), rt.Limits(1, None)), None)
    with pytest.raises(rt.WasmError):
        mem.grow(store, 2)
    assert mem.grow(store, 1) == 1


def _count_scenario(api: Any, strategy: str) -> list[str]:
    """Instance/memory/table counts, including what a failed instantiation leaves counted."""
    engine = _engine(api, strategy)
    store = api.Store(engine)
    store.set_limits(instances=2, memories=1, tables=1)
    outcomes = []
    for wat in ("(module (memory 1))", "(module (memory 0))", "(module (table 0 funcref))",
                "(module)", "(module)"):
        try:
            api.Instance(store, api.Module(engine, wat), [])
            outcomes.append("ok")
        except Exception as exc:  # noqa: BLE001 - the message is what is compared
            outcomes.append(f"{type(exc).__name__ != 'Trap'}: {str(exc).rstrip()}")
    fresh = api.Store(engine)
    fresh.set_limits(instances=1)
    fresh.set_limits(memories=5)              # each call replaces all limits: instances back to default
    api.Instance(fresh, api.Module(engine, "(module)"), [])
    api.Instance(fresh, api.Module(engine, "(module)"), [])
    zero = api.Store(engine)
    zero.set_limits(tables=0)
    try:
        api.Instance(zero, api.Module(engine, "(module (table 1 funcref) (table 1 funcref))"), [])
    except Exception as exc:  # noqa: BLE001
        outcomes.append(str(exc).rstrip())
    return outcomes


EXPECTED_COUNTS = [
    "ok",
    "True: resource limit exceeded: memory count too high at 2",
    "True: resource limit exceeded: instance count too high at 3",
    "True: resource limit exceeded: instance count too high at 3",
    "True: resource limit exceeded: instance count too high at 3",
    "resource limit exceeded: table count too high at 2",
]


@pytest.mark.parametrize("strategy", ["on_demand", "pooling"])
def test_count_limits_with_wasmtimes_words(strategy: str) -> None:
    outcomes = _count_scenario(rt, strategy)
    # the pooling engine refuses two tables per module at Module(); that is its own message
    if strategy == "pooling":
        assert outcomes[:-1] == EXPECTED_COUNTS[:-1]
        assert outcomes[-1].startswith("module table does not fit in pooling allocator requirements")
    else:
        assert outcomes == EXPECTED_COUNTS


def test_count_and_size_messages_match_wasmtime() -> None:
    wasmtime = pytest.importorskip("wasmtime")
    assert _count_scenario(wasmtime, "on_demand") == _count_scenario(rt, "on_demand")

    def sizes(api: Any) -> list[str]:
        engine = api.Engine()
        out = []
        for limits, wat in (({"memory_size": 2 * PAGE}, "(module (memory 3))"),
                            ({"table_elements": 5}, "(module (table 6 funcref))")):
            store = api.Store(engine)
            store.set_limits(**limits)
            with pytest.raises(Exception) as info:
                api.Instance(store, api.Module(engine, wat), [])
            out.append(str(info.value).rstrip())
        store = api.Store(engine)
        store.set_limits(memory_size=2 * PAGE, table_elements=5)
        ex = api.Instance(store, api.Module(engine, GROWER), []).exports(store)
        out.append(repr([ex["grow"](store, 2), ex["grow"](store, 1), ex["tgrow"](store, 5),
                         ex["tgrow"](store, 4)]))
        return out

    assert sizes(rt) == sizes(wasmtime)


def test_default_instance_limit_is_ten_thousand() -> None:
    engine = rt.Engine()
    module = rt.Module(engine, "(module)")
    store = rt.Store(engine)
    for _ in range(10_000):
        rt.Instance(store, module, [])
    with pytest.raises(ResourceLimitError, match="^resource limit exceeded: instance count too high at 10001$"):
        rt.Instance(store, module, [])


@pytest.mark.parametrize("bad, error", [(1.5, TypeError), ("1", TypeError), (True, TypeError)])
def test_set_limits_checks_types(bad: object, error: type) -> None:
    store = rt.Store(rt.Engine())
    with pytest.raises(error, match="memory_size"):
        store.set_limits(memory_size=bad)


def test_negative_limits_mean_unset_as_in_wasmtime_py() -> None:
    engine = rt.Engine()
    store = rt.Store(engine)
    store.set_limits(memory_size=-1, instances=-1)
    ex = rt.Instance(store, rt.Module(engine, GROWER), []).exports(store)
    assert ex["grow"](store, 100) == 1
