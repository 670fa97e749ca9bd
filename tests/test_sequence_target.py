"""The op-sequence target base: generation, step-by-step judging, panics, hangs, artifacts, shrinking.

A toy target (a counter with a bug switch) exercises the base without any
runtime subsystem, so each path of ``SequenceTarget.replay`` is pinned down.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings

from fuzzrt.artifacts import Artifact, write_artifact
from fuzzrt.campaign import registry
from fuzzrt.campaign.context import TargetContext
from fuzzrt.campaign.execution import CONCLUSIVE, FINDING, Execution
from fuzzrt.campaign.replay import REPRODUCES, replay_artifact, repro_status
from fuzzrt.campaign.report import render_execution
from fuzzrt.campaign.runner import artifact_of
from fuzzrt.campaign.shrink import shrink_artifact
from fuzzrt.campaign.targets.sequence import OK, Check, Result, SequenceSession, SequenceTarget
from fuzzrt.engines.plan import ExecPlan
from fuzzrt.generators.case import Generated
from fuzzrt.generators.unstructured import Unstructured


class Counter:
    """The "runtime": adds, refuses to go negative; ``bug`` makes add(3) add 4."""

    bug = False

    def __init__(self) -> None:
        self.value = 0

    def add(self, n: int) -> int:
        if self.value + n < 0:
            raise ValueError("negative")
        self.value += n + (1 if self.bug and n == 3 else 0)
        return self.value


class CounterSession(SequenceSession):
    def __init__(self) -> None:
        self.counter = Counter()
        self.model = 0
        self.closed = False

    def step(self, op: dict[str, Any]) -> list[Check]:
        if op["op"] == "spin":
            while True:
                pass
        if op["op"] == "explode":
            raise KeyError("boom")
        n = op["n"]
        expected = Result("ValueError") if self.model + n < 0 else Result("ok", self.model + n)
        try:
            actual = Result("ok", self.counter.add(n))
        except ValueError:
            actual = Result("ValueError")
        if expected.kind == "ok":
            self.model += n
        return [Check("add", expected, actual)]

    def close(self) -> None:
        self.closed = True


class CounterTarget(SequenceTarget):
    name = "toy-counter"
    description = "a counter against its model"
    sessions: list[CounterSession] = []

    def generate_ops(self, u: Unstructured) -> tuple[list[dict[str, Any]], dict[str, Any]]:
        ops = [{"op": "add", "n": u.int_in_range(-3, 3)} for _ in range(u.arbitrary_len(self.max_ops))]
        return ops, {"knob": 1}

    def open(self, case: Generated) -> SequenceSession:
        session = CounterSession()
        self.sessions.append(session)
        return session


TOY = CounterTarget()


@pytest.fixture
def toy(monkeypatch: pytest.MonkeyPatch) -> CounterTarget:
    registry.all_targets()
    monkeypatch.setitem(registry._LOADED, TOY.name, TOY)
    monkeypatch.setattr(Counter, "bug", False)
    return TOY


def run(ops: list[dict[str, Any]], deadline: float = 5.0) -> Execution:
    execution = Execution(TOY.name, b"", case=TOY.case_of(ops, {"knob": 1}))
    TOY.replay(execution, TargetContext(isolated=False, deadline=deadline))
    return execution


def test_generate_stores_ops_and_knobs_in_an_ops_case(toy: CounterTarget) -> None:
    case, _, _ = toy.generate(bytes(range(1, 40)))
    assert case.generator == "ops" and case.wasm == b"" and case.config["knob"] == 1
    assert case.config["ops"] and all(op["op"] == "add" for op in case.config["ops"])
    assert Generated.from_dict(case.to_dict()) == case
    assert toy.generate(bytes(range(1, 40)))[0] == case


def test_agreeing_run_is_conclusive_and_closes_the_session(toy: CounterTarget) -> None:
    execution = run([{"op": "add", "n": 2}, {"op": "add", "n": -5}, {"op": "add", "n": 3}])
    assert execution.status == CONCLUSIVE
    assert toy.sessions[-1].closed


def test_divergence_is_a_finding_at_its_op_with_a_stable_detail(toy: CounterTarget,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(Counter, "bug", True)
    execution = run([{"op": "add", "n": 1}, {"op": "add", "n": 3}, {"op": "add", "n": 3}])
    assert execution.status == FINDING
    finding = execution.finding
    assert finding is not None and finding.call_index == 1
    assert finding.detail == "add:ok:value" and "ok 4" in finding.message and "ok 5" in finding.message
    assert Check("get", OK, Result("Taken")).finding(0).detail == "get:ok->Taken"


def test_escaping_exception_is_a_panic_and_spinning_is_a_hang(toy: CounterTarget) -> None:
    panic = run([{"op": "add", "n": 1}, {"op": "explode"}])
    assert panic.finding is not None and panic.finding.kind == "panic"
    assert panic.finding.detail.startswith("KeyError@explode")
    hang = run([{"op": "spin"}], deadline=0.2)
    assert hang.finding is not None and hang.finding.kind == "hang"
    assert hang.finding.detail.startswith("runtime:spin")
    assert toy.sessions[-1].closed


def test_artifact_round_trip_repro_report_and_shrink(toy: CounterTarget, tmp_path: Path,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(Counter, "bug", True)
    ops = [{"op": "add", "n": n} for n in (1, 2, -1, 0, 2, 3, 1, -2)]
    execution = run(ops)
    artifact = artifact_of(execution)
    write_artifact(artifact, tmp_path / "a")
    loaded = Artifact.load(tmp_path / "a")
    assert loaded.case == execution.case and loaded.case.wasm == b""
    ctx = TargetContext(isolated=False)
    again = replay_artifact(loaded, ctx)
    assert repro_status(loaded, again) == REPRODUCES
    text = render_execution(again)
    assert "ops (8):" in text and "5 add(n=3)   <<" in text
    shrunk = shrink_artifact(loaded, tmp_path / "small", ctx)
    assert shrunk.case.config["ops"] == [{"op": "add", "n": 3}]
    assert shrunk.case.config["knob"] == 1 and shrunk.signature == loaded.signature
    assert Artifact.load(tmp_path / "small").case.config["original_size"] == 8


@settings(max_examples=20, deadline=None)
@given(TOY.hypothesis_cases())
def test_hypothesis_cases_come_from_the_op_generator(case_and_plan: tuple[Generated, ExecPlan]) -> None:
    case, _ = case_and_plan
    assert case.generator == "ops" and all(-3 <= op["n"] <= 3 for op in case.config["ops"])
