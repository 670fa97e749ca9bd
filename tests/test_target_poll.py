"""The ``poll`` fuzz target: its model under Hypothesis, its oracle catching bugs, its artifacts, a fix.

The state machine steps the target's own ``PollSession`` (table + ``PollModel``)
with the same JSON ops the Atheris target generates.
"""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, rule

from fuzzrt.artifacts import write_artifact
from fuzzrt.campaign.context import TargetContext
from fuzzrt.campaign.execution import CONCLUSIVE, FINDING, Execution
from fuzzrt.campaign.runner import artifact_of
from fuzzrt.campaign.targets.poll import TARGET, VIEWS, PollSession, guest_op
from fuzzrt.generators.unstructured import Unstructured
from fuzzrt.oracles.poll_model import KINDS
from runtime.io import poll as real_poll
from runtime.wasi.preview1 import MAX_SUBSCRIPTIONS

ROOT = Path(__file__).resolve().parents[1]

specs = st.one_of(
    st.fixed_dictionaries({"live": st.integers(0, 255)}),
    st.fixed_dictionaries({"issued": st.integers(0, 255)}),
    st.fixed_dictionaries({"rep": st.integers(-2, 1 << 32)}),
).flatmap(lambda spec: st.sampled_from(VIEWS).map(lambda v: spec if v is None else dict(spec, view=v)))


class PollTargetMachine(RuleBasedStateMachine):
    @initialize(capacity=st.integers(2, 10))
    def setup(self, capacity: int) -> None:
        self.session = PollSession(capacity)

    def teardown(self) -> None:
        self.session.close()

    def run(self, op: dict[str, Any]) -> None:
        failed = [c for c in self.session.step(op) if not c.passed]
        assert not failed, failed[0].finding(0).message

    @rule(kind=st.sampled_from(KINDS), parent=st.none() | specs)
    def pollable(self, kind: str, parent: dict[str, Any] | None) -> None:
        self.run({"op": "pollable", "kind": kind} if parent is None else
                 {"op": "pollable", "kind": kind, "parent": parent})

    @rule(name=st.sampled_from(["stream", "pipe_write", "pipe_drain"]))
    def simple(self, name: str) -> None:
        self.run({"op": name})

    @rule(name=st.sampled_from(["take", "delete"]), handle=specs)
    def access(self, name: str, handle: dict[str, Any]) -> None:
        self.run({"op": name, "handle": handle})

    @rule(handle=specs, value=st.sampled_from(["own", "own", "A"]))
    def restore(self, handle: dict[str, Any], value: str) -> None:
        self.run({"op": "restore", "handle": handle, "value": value})

    @rule(handles=st.lists(specs, max_size=5), duplicate=st.booleans())
    def poll(self, handles: list[dict[str, Any]], duplicate: bool) -> None:
        self.run({"op": "poll", "handles": handles + handles[:1] if duplicate else handles})

    @rule(data=st.binary(min_size=8, max_size=64))
    def guest(self, data: bytes) -> None:
        self.run(guest_op(Unstructured(data)))


TestPollTarget = PollTargetMachine.TestCase
TestPollTarget.settings = settings(max_examples=25, stateful_step_count=20, deadline=None)


def run_ops(ops: list[dict[str, Any]], capacity: int = 8) -> Execution:
    execution = Execution(TARGET.name, b"", case=TARGET.case_of(ops, {"capacity": capacity}))
    TARGET.replay(execution, TargetContext(isolated=False))
    return execution


WAITING = [{"op": "pollable", "kind": "clock_short"}, {"op": "pollable", "kind": "never"},
           {"op": "pollable", "kind": "pipe_read"},
           {"op": "poll", "handles": [{"live": 1}, {"live": 0}, {"live": 2}, {"live": 0}]},
           {"op": "poll", "handles": [{"live": 2}, {"live": 1}]},
           {"op": "poll", "handles": [{"live": 1}]},
           {"op": "take", "handle": {"live": 0}},
           {"op": "poll", "handles": [{"live": 1}, {"live": 0}]},
           {"op": "poll", "handles": [{"live": 1}, {"live": 1, "view": "Stream"}]},
           {"op": "poll", "handles": []}]


def test_waits_errors_and_traps_match_the_model() -> None:
    """Short-clock wait, pipe wake-up by a timer, never-ready trap, taken/retyped handles, empty list."""
    assert run_ops(WAITING).status == CONCLUSIVE


def test_oracle_catches_a_poll_that_leaves_entries_taken(monkeypatch: pytest.MonkeyPatch) -> None:
    def leaky(table: Any, handles: list[Any]) -> list[int]:
        ready = real_poll(table, handles)
        table.take(handles[0])
        return ready

    monkeypatch.setattr("fuzzrt.campaign.targets.poll.poll", leaky)
    execution = run_ops([{"op": "pollable", "kind": "always"}, {"op": "poll", "handles": [{"live": 0}]}])
    assert execution.status == FINDING and execution.finding is not None
    assert execution.finding.detail == "state:ok:value" and execution.finding.call_index == 1


def test_poll_oneoff_refuses_huge_counts_with_nomem_like_wasmtime() -> None:
    """Regression: the runtime trapped on nsubscriptions > 2**21 (reading past memory); wasmtime says NOMEM."""
    sub = {"userdata": 1, "tag": 0, "clock": 1, "flags": 0, "precision": 0, "timeout": 0}
    for count, place in ((MAX_SUBSCRIPTIONS + 1, 0), (0xFFFF_FFFF, 3)):
        execution = run_ops([{"op": "guest", "subs": [sub], "nsubs": count, "at": [place, 0, 0]}])
        assert execution.status == CONCLUSIVE, execution.finding
    session = PollSession(4)
    try:
        check = session.step({"op": "guest", "subs": [sub], "nsubs": 0xFFFF_FFFF, "at": [0, 0, 0]})[0]
    finally:
        session.close()
    assert check.actual.kind == "errno:48"


def test_saved_artifact_replays_with_fuzzrt_repro(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setattr("fuzzrt.campaign.targets.poll.poll", lambda table, handles: [0])
    ops = [{"op": "pollable", "kind": "always"}, {"op": "pollable", "kind": "always"},
           {"op": "poll", "handles": [{"live": 0}, {"live": 1}]}]
    execution = run_ops(ops)
    assert execution.status == FINDING
    write_artifact(artifact_of(execution), tmp_path / "art")
    fixed = subprocess.run([sys.executable, "-m", "fuzzrt", "repro", str(tmp_path / "art")], cwd=ROOT,
                           capture_output=True, text=True, timeout=120)
    assert fixed.returncode == 0 and "FIXED" in fixed.stdout, fixed.stdout + fixed.stderr
