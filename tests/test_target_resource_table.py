"""The ``resource-table`` fuzz target: its model under Hypothesis, its oracle catching a bug, its artifacts.

The state machine draws the same JSON ops the Atheris target generates and
steps the same ``ResourceTableSession`` (table + ``ResourceModel``), so the
model is exercised by both and duplicated by neither.
"""
from __future__ import annotations

import subprocess
import sys
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule

from fuzzrt.artifacts import write_artifact
from fuzzrt.campaign.context import TargetContext
from fuzzrt.campaign.execution import CONCLUSIVE, FINDING, Execution
from fuzzrt.campaign.runner import artifact_of
from fuzzrt.campaign.targets.resource_table import (KIND_NAMES, MAX_CAPACITY, OPS, TARGET, VIEWS,
                                                    ResourceTableSession, generate_op)
from fuzzrt.generators.unstructured import Unstructured
from fuzzrt.oracles.resource_model import MADE_UP_REPS
from runtime.resources import table as table_module

ROOT = Path(__file__).resolve().parents[1]

specs = st.one_of(
    st.fixed_dictionaries({"live": st.integers(0, 255)}),
    st.fixed_dictionaries({"issued": st.integers(0, 255)}),
    st.fixed_dictionaries({"rep": st.sampled_from(MADE_UP_REPS) | st.integers(-5, 1 << 33)}),
).flatmap(lambda spec: st.sampled_from(VIEWS).map(lambda v: spec if v is None else dict(spec, view=v)))
kinds = st.sampled_from(KIND_NAMES)


class ResourceTableTargetMachine(RuleBasedStateMachine):
    @initialize(capacity=st.integers(0, MAX_CAPACITY))
    def setup(self, capacity: int) -> None:
        self.session = ResourceTableSession(capacity)
        self.outcomes: Counter[str] = Counter()

    def run(self, op: dict[str, Any]) -> None:
        checks = self.session.step(op)
        failed = [c for c in checks if not c.passed]
        assert not failed, failed[0].finding(0).message
        self.outcomes[checks[0].actual.kind] += 1

    @rule(kind=kinds, as_type=st.sampled_from([None, "Base", "object", "A", "C"]))
    def push(self, kind: str, as_type: str | None) -> None:
        self.run({"op": "push", "kind": kind} if as_type is None else {"op": "push", "kind": kind, "as": as_type})

    @rule(kind=kinds, parent=specs)
    def push_child(self, kind: str, parent: dict[str, Any]) -> None:
        self.run({"op": "push_child", "kind": kind, "parent": parent})

    @rule(name=st.sampled_from(["get", "take", "delete", "iter_children"]), handle=specs)
    def access(self, name: str, handle: dict[str, Any]) -> None:
        self.run({"op": name, "handle": handle})

    @rule(handle=specs, value=st.sampled_from(["own", "own", "A", "B", "C"]))
    def restore(self, handle: dict[str, Any], value: str) -> None:
        self.run({"op": "restore", "handle": handle, "value": value})

    @rule(src=specs, dst=specs)
    def renumber(self, src: dict[str, Any], dst: dict[str, Any]) -> None:
        self.run({"op": "renumber", "src": src, "dst": dst})

    @invariant()
    def live_count_matches(self) -> None:
        assert len(self.session.table) == len(self.session.model.entries) <= self.session.model.capacity


TestResourceTableTarget = ResourceTableTargetMachine.TestCase
TestResourceTableTarget.settings = settings(max_examples=60, stateful_step_count=40, deadline=None)


def test_generated_ops_cover_every_operation_and_outcome() -> None:
    ops, errors = Counter(), Counter()
    ctx = TargetContext(isolated=False)
    for seed in range(300):
        data = bytes((seed * 131 + i * 71) % 256 for i in range(600))
        execution = TARGET.execute(data, ctx)
        assert execution.status == CONCLUSIVE, execution.finding
        session = ResourceTableSession(execution.case.config["capacity"])
        for op in execution.case.config["ops"]:
            ops[op["op"]] += 1
            errors[session.step(op)[0].actual.kind] += 1
    assert set(ops) == set(OPS)
    assert {"ok", "NotPresent", "WrongType", "Taken", "NotTaken", "HasChildren", "Full"} <= set(errors)
    assert generate_op(Unstructured(b""))["op"] == OPS[0]


def broken_release(self: Any, slot: int) -> None:
    """A table that forgets to bump the generation: stale handles reach the newcomer."""
    self._slots[slot] = None
    self._live -= 1
    self._free.append(slot)


def test_oracle_catches_a_broken_generation_bump(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(table_module.ResourceTable, "_release", broken_release)
    ops = [{"op": "push", "kind": "A"}, {"op": "delete", "handle": {"live": 0}},
           {"op": "push", "kind": "B"}, {"op": "get", "handle": {"issued": 0}}]
    execution = Execution(TARGET.name, b"", case=TARGET.case_of(ops, {"capacity": 4}))
    TARGET.replay(execution, TargetContext(isolated=False))
    assert execution.status == FINDING
    assert execution.finding is not None and execution.finding.call_index == 2
    assert execution.finding.detail == "push:ok:value"


def test_saved_artifact_replays_with_fuzzrt_repro(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setattr(table_module.ResourceTable, "_release", broken_release)
    ops = [{"op": "push", "kind": "A"}, {"op": "delete", "handle": {"live": 0}}, {"op": "push", "kind": "A"}]
    execution = Execution(TARGET.name, b"raw", case=TARGET.case_of(ops, {"capacity": 2}))
    TARGET.replay(execution, TargetContext(isolated=False))
    write_artifact(artifact_of(execution), tmp_path / "art")
    fixed = subprocess.run([sys.executable, "-m", "fuzzrt", "repro", str(tmp_path / "art")], cwd=ROOT,
                           capture_output=True, text=True, timeout=120)
    assert fixed.returncode == 0, fixed.stdout + fixed.stderr    # the real table has no such bug
    assert "FIXED" in fixed.stdout and "ops (3):" in fixed.stdout
