"""The ``allocator`` fuzz target: its pool model under Hypothesis, its oracle catching bugs, its artifacts."""
from __future__ import annotations

import random
import subprocess
import sys
from functools import lru_cache
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, rule

import runtime as rt
from fuzzrt.artifacts import write_artifact
from fuzzrt.campaign.context import TargetContext
from fuzzrt.campaign.execution import CONCLUSIVE, FINDING, Execution
from fuzzrt.campaign.runner import artifact_of
from fuzzrt.campaign.targets.allocator import TARGET, AllocatorSession
from fuzzrt.generators import pool_ops
from fuzzrt.generators.unstructured import Unstructured
from fuzzrt.oracles.pool_model import ModuleFacts, PoolModel
from runtime.vm import pools

ROOT = Path(__file__).resolve().parents[1]
PAGE = 65536

#: modules the state machine instantiates: data segments and a table, two memory sizes, no memory
PROBES = (
    '(module (memory (export "mem") 1 3) (table (export "tab") 2 funcref) (elem (i32.const 1) $size)'
    ' (data (i32.const 8) "\\2a\\2b\\2c") (data (i32.const 65530) "\\01\\02")'
    ' (func (export "grow") (param i32) (result i32) local.get 0 memory.grow)'
    ' (func $size (export "size") (result i32) memory.size)'
    ' (func (export "store8") (param i32 i32) local.get 0 local.get 1 i32.store8))',
    '(module (memory (export "mem") 2) (data (i32.const 70000) "\\ff")'
    ' (func (export "grow") (param i32) (result i32) local.get 0 memory.grow))',
    '(module (table (export "t") 3 5 funcref) (func (export "f") (result i32) i32.const 7))',
)


@lru_cache(maxsize=1)
def probe_modules() -> tuple[str, ...]:
    return tuple(rt.wat2wasm(wat).hex() for wat in PROBES)


def knobs(**overrides: int) -> dict[str, int]:
    base = dict(total_core_instances=2, total_memories=2, total_tables=2, max_memories_per_module=1,
                max_tables_per_module=1, max_unused_warm_slots=1, max_memory_size=3 * PAGE,
                table_elements=10, max_core_instance_size=1 << 20, linear_memory_keep_resident=0)
    return dict(base, **overrides)


def replay(ops: list[dict[str, Any]], pooling: dict[str, int], modules: tuple[str, ...]) -> Execution:
    execution = Execution(TARGET.name, b"raw", case=TARGET.case_of(ops, {"pooling": pooling,
                                                                        "modules": list(modules)}))
    TARGET.replay(execution, TargetContext(isolated=False))
    return execution


# -- the model, driven by Hypothesis through the target's own session -----------------------
POOLING = st.fixed_dictionaries({
    "total_core_instances": st.integers(1, 3), "total_memories": st.integers(0, 3),
    "total_tables": st.integers(0, 3), "max_memories_per_module": st.sampled_from((1, 1, 0)),
    "max_tables_per_module": st.sampled_from((1, 1, 0)), "max_unused_warm_slots": st.integers(0, 2),
    "max_memory_size": st.sampled_from((3 * PAGE, 2 * PAGE - 1, 2 * PAGE + 4096, PAGE, 8 * PAGE)),
    "table_elements": st.sampled_from((10, 2, 1000)),
    "max_core_instance_size": st.sampled_from((1 << 20, 1 << 20, 200)),
    "linear_memory_keep_resident": st.sampled_from((0, 4096, PAGE))})
INDEX = st.integers(0, 7)


class AllocatorMachine(RuleBasedStateMachine):
    """Random pooling configs and op sequences through the target's session: every check must pass."""

    @initialize(pooling=POOLING)
    def open_session(self, pooling: dict[str, int]) -> None:
        modules = probe_modules()
        self.session = AllocatorSession(TARGET.case_of([], {"pooling": pooling, "modules": list(modules)}))
        for m in range(len(modules)):
            self.apply({"op": "compile", "m": m})
        self.apply({"op": "open"})

    def apply(self, op: dict[str, Any]) -> None:
        for check in self.session.step(op):
            assert check.passed, check.finding(0).message

    @rule()
    def open(self) -> None:
        self.apply({"op": "open"})

    @rule(s=INDEX, m=INDEX)
    def instantiate(self, s: int, m: int) -> None:
        self.apply({"op": "instantiate", "s": s, "m": m})

    @rule(s=INDEX, drop=st.booleans())
    def close(self, s: int, drop: bool) -> None:
        self.apply({"op": "drop" if drop else "close", "s": s})

    @rule(s=INDEX, memory_size=st.sampled_from((None, PAGE, 2 * PAGE)), instances=st.sampled_from((None, 1, 2)))
    def limits(self, s: int, memory_size: int | None, instances: int | None) -> None:
        self.apply({"op": "limits", "s": s, "memory_size": memory_size, "table_elements": None,
                    "instances": instances, "tables": None, "memories": None})

    @rule(i=INDEX, offset=st.sampled_from((0, 8, 65534, 65536, 131071)), data=st.binary(min_size=1, max_size=4))
    def write(self, i: int, offset: int, data: bytes) -> None:
        self.apply({"op": "write", "i": i, "offset": offset, "data": data.hex()})

    @rule(i=INDEX, delta=st.sampled_from((0, 1, 2, 5)))
    def grow(self, i: int, delta: int) -> None:
        self.apply({"op": "grow", "i": i, "delta": delta})

    @rule(i=INDEX, f=INDEX, args=st.lists(st.integers(0, 70000), min_size=4, max_size=4))
    def call(self, i: int, f: int, args: list[int]) -> None:
        self.apply({"op": "call", "i": i, "f": f, "args": args})

    def teardown(self) -> None:
        session = getattr(self, "session", None)
        if session is not None:
            for check in session.finish():
                assert check.passed, check.finding(0).message


AllocatorMachine.TestCase.settings = settings(max_examples=80, stateful_step_count=40, deadline=None,
                                              suppress_health_check=[HealthCheck.too_slow])
TestAllocatorMachine = AllocatorMachine.TestCase


# -- the model's rules on their own --------------------------------------------------------
def test_model_counts_store_limits_before_the_pools_and_keeps_them_bumped() -> None:
    model = PoolModel(knobs(total_core_instances=1))
    s = model.open()
    facts = ModuleFacts(((1, None),), (), 64)
    model.set_limits(s, None, None, None, None, 0)
    refused = model.instantiate(s, facts)
    assert refused.kind == "ResourceLimitError" and refused.value.endswith("memory count too high at 1")
    assert model.stores[s].n_instances == 1 and model.live == [0, 0, 0]
    model.set_limits(s, None, None, None, None, None)
    assert model.instantiate(s, facts).kind == "ok" and model.live == [1, 1, 0]
    assert model.instantiate(s, facts).value == "maximum concurrent limit of 1 for core instances reached"
    model.close(s)
    assert model.live == [0, 0, 0]


def test_model_rounds_max_memory_size_up_to_host_pages() -> None:
    model = PoolModel(knobs(max_memory_size=2 * PAGE - 1))
    assert model.limit_bytes == 2 * PAGE and model.max_pages == 2
    assert model.compile(ModuleFacts(((2, None),), (), 64)).kind == "ok"
    refused = model.compile(ModuleFacts(((3, None),), (), 64))
    assert "minimum byte size of 196608 which exceeds the limit of 0x20000 bytes" in refused.value


def test_generated_cases_reach_every_op_and_exhaust_pools() -> None:
    seen: set[str] = set()
    for seed in range(40):
        ops, config = pool_ops.draw_case(Unstructured(random.Random(seed).randbytes(600)), 40)
        seen.update(op["op"] for op in ops)
        assert 1 <= len(config["modules"]) <= 3 and config["pooling"]["total_core_instances"] <= 4
    assert seen == {"open", "limits", "instantiate", "call", "grow", "write", "close", "drop", "compile"}


# -- runtime fixes found by the target --------------------------------------------------------
def test_max_memory_size_off_a_page_multiple_still_holds_the_pages_it_rounds_up_to() -> None:
    """Found by the allocator target: Module(...) accepted a 2-page memory against 2*64KiB-1 bytes
    (rounded up to host pages, as wasmtime does), then instantiation refused it (pages were floored)."""
    config = rt.Config()
    config.allocation_strategy = rt.InstanceAllocationStrategy.pooling(
        rt.PoolingAllocationConfig(**knobs(max_memory_size=2 * PAGE - 1)))
    engine = rt.Engine(config)
    module = rt.Module(engine, '(module (memory (export "mem") 1))')
    with rt.Store(engine) as store:
        mem = rt.Instance(store, module, []).exports(store)["mem"]
        assert mem.grow(store, 1) == 1
        with pytest.raises(rt.WasmError):
            mem.grow(store, 1)


# -- the oracle catches a broken allocator --------------------------------------------------
REUSE = [{"op": "compile", "m": 0}, {"op": "open"}, {"op": "instantiate", "s": 0, "m": 0},
         {"op": "write", "i": 0, "offset": 8, "data": "ffff"}, {"op": "close", "s": 0}, {"op": "open"},
         {"op": "instantiate", "s": 1, "m": 0}]


def test_reused_slot_is_clean_with_the_real_pools() -> None:
    execution = replay(REUSE, knobs(total_core_instances=1, total_memories=1, total_tables=1), probe_modules())
    assert execution.status == CONCLUSIVE, execution.verdict


def test_oracle_catches_a_slot_that_is_not_wiped(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(pools.MemorySlot, "wipe", lambda self, keep_resident: None)
    execution = replay(REUSE, knobs(total_core_instances=1, total_memories=1, total_tables=1), probe_modules())
    assert execution.status == FINDING
    assert execution.finding is not None and execution.finding.detail == "image:ok:value"
    assert execution.finding.call_index == 6


def test_oracle_catches_a_slot_that_is_never_returned(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(pools.SlotAllocator, "free", lambda self, index, key: None)
    execution = replay(REUSE, knobs(), probe_modules())
    assert execution.status == FINDING
    assert execution.finding is not None and execution.finding.detail == "live_counts:ok:value"
    assert execution.finding.call_index == 4


def test_saved_artifact_replays_with_fuzzrt_repro(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setattr(pools.MemorySlot, "wipe", lambda self, keep_resident: None)
    execution = replay(REUSE, knobs(total_core_instances=1, total_memories=1, total_tables=1), probe_modules())
    assert execution.status == FINDING
    write_artifact(artifact_of(execution), tmp_path / "art")
    fixed = subprocess.run([sys.executable, "-m", "fuzzrt", "repro", str(tmp_path / "art")], cwd=ROOT,
                           capture_output=True, text=True, timeout=300)
    assert fixed.returncode == 0, fixed.stdout + fixed.stderr    # the real pools wipe their slots
    assert "FIXED" in fixed.stdout and "ops (7):" in fixed.stdout
