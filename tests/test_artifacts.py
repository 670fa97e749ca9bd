"""Artifacts: atomic never-overwriting saves, duplicate counting, load round trip, repro and shrink.

The finding used throughout comes from a deliberately wrong runtime adapter
(``FlipRuntime``): it reproduces with that adapter and is "fixed" with the
real engines, which exercises both repro outcomes without needing a real bug.
"""
from __future__ import annotations

import json
import subprocess
import sys

import pytest
from test_differential_props import flipping_context

import runtime as rt
from fuzzrt.artifacts import Artifact, ArtifactError, ArtifactStore, count_hits, write_artifact
from fuzzrt.campaign.context import TargetContext
from fuzzrt.campaign.execution import Execution
from fuzzrt.campaign.registry import get_target
from fuzzrt.campaign.replay import DIFFERENT, FIXED, REPRODUCES, replay_artifact, repro_status
from fuzzrt.campaign.runner import artifact_of
from fuzzrt.campaign.shrink import shrink_artifact, shrink_bytes
from fuzzrt.engines import ExecPlan
from fuzzrt.generators.case import Call, Generated
from runtime.syntax.types import I32

WAT = """(module
  (memory (export "mem") 1)
  (global (export "g") (mut i32) (i32.const 7))
  (func $unused (export "unused") (param i32) (result i32) (i32.mul (local.get 0) (i32.const 3)))
  (func (export "answer") (param i32) (result i32)
    (global.set 0 (local.get 0))
    (i32.store (i32.const 16) (local.get 0))
    (i32.add (local.get 0) (i32.const 40))))"""


@pytest.fixture()
def finding() -> Execution:
    case = Generated(rt.wat2wasm(WAT), "hypothesis", {"note": "test"}, True,
                     [Call("answer", [(I32, 2)]), Call("unused", [(I32, 5)])])
    execution = Execution("differential", b"\x01raw fuzzer input", case=case, plan=ExecPlan(runtime_opt_level=0))
    with flipping_context() as ctx:
        get_target("differential").replay(execution, ctx)
    assert execution.signature == "differential/differential/result/i32"
    return execution


def test_save_writes_a_complete_directory_and_counts_duplicates(tmp_path, finding):
    store = ArtifactStore(tmp_path)
    first = store.save(artifact_of(finding))
    assert first.new and first.hits == 1
    names = {p.name for p in first.path.iterdir()}
    assert {"artifact.json", "module.wasm", "module.wat", "input.bin", "hits"} <= names
    assert "(func" in (first.path / "module.wat").read_text()
    stamp = (first.path / "artifact.json").stat().st_mtime_ns
    again = store.save(artifact_of(finding))
    assert not again.new and again.path == first.path and again.hits == 2 == count_hits(first.path)
    assert (first.path / "artifact.json").stat().st_mtime_ns == stamp     # never rewritten
    assert store.artifacts() == [first.path]
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".tmp")]


def test_write_artifact_refuses_an_existing_directory(tmp_path, finding):
    dest = tmp_path / "a"
    write_artifact(artifact_of(finding), dest)
    with pytest.raises(FileExistsError):
        write_artifact(artifact_of(finding), dest)
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".tmp")]


def test_load_round_trips_everything(tmp_path, finding):
    saved = ArtifactStore(tmp_path).save(artifact_of(finding))
    loaded = Artifact.load(saved.path / "artifact.json")
    assert loaded.signature == finding.signature
    assert loaded.case.wasm == finding.case.wasm and loaded.case.calls == finding.case.calls
    assert loaded.plan == finding.plan and loaded.raw_input == finding.raw_input
    assert loaded.runtime.to_json() == finding.runtime.to_json()
    assert loaded.reference.to_json() == finding.reference.to_json()
    assert loaded.versions["git_commit"] and loaded.versions["wasmtime"]
    data = json.loads((saved.path / "artifact.json").read_text())
    assert data["case"]["calls"][0] == {"export": "answer", "args": [["i32", 2]]}


def test_unreadable_artifacts_raise_artifact_error(tmp_path):
    with pytest.raises(ArtifactError):
        Artifact.load(tmp_path)
    (tmp_path / "artifact.json").write_text("{}")
    (tmp_path / "module.wasm").write_bytes(b"")
    with pytest.raises(ArtifactError):
        Artifact.load(tmp_path)


def test_memory_bytes_are_kept_when_captured(tmp_path, finding):
    plan = ExecPlan(capture_memory=True)
    execution = Execution("differential", b"", case=finding.case, plan=plan)
    with flipping_context() as ctx:
        get_target("differential").replay(execution, ctx)
    path = ArtifactStore(tmp_path).save(artifact_of(execution)).path
    files = sorted(p.name for p in (path / "memory").iterdir())
    assert "runtime-0_mem.bin" in files and "wasmtime-0_mem.bin" in files
    assert (path / "memory" / "runtime-0_mem.bin").read_bytes()[16:20] == (2).to_bytes(4, "little")


def test_repro_reproduces_with_the_wrong_adapter_and_is_fixed_with_the_real_one(tmp_path, finding):
    artifact = Artifact.load(ArtifactStore(tmp_path).save(artifact_of(finding)).path)
    with flipping_context() as ctx:
        assert repro_status(artifact, replay_artifact(artifact, ctx)) == REPRODUCES
    with TargetContext(isolated=False) as ctx:
        assert repro_status(artifact, replay_artifact(artifact, ctx)) == FIXED
    other = Execution("differential", b"", case=finding.case, plan=finding.plan)
    other.verdict.findings.append(finding.finding.__class__("differential", "trap", "x", ""))
    assert repro_status(artifact, other) == DIFFERENT


def test_repro_command_exit_statuses(tmp_path, finding):
    path = ArtifactStore(tmp_path).save(artifact_of(finding)).path
    proc = subprocess.run([sys.executable, "-m", "fuzzrt", "repro", str(path)], capture_output=True, text=True)
    assert proc.returncode == FIXED, proc.stdout + proc.stderr
    assert "FIXED" in proc.stdout and "runtime" in proc.stdout and "wasmtime" in proc.stdout
    proc = subprocess.run([sys.executable, "-m", "fuzzrt", "repro", str(tmp_path / "missing")],
                          capture_output=True, text=True)
    assert proc.returncode == 3


def test_shrink_keeps_the_signature_and_writes_a_new_smaller_artifact(tmp_path, finding):
    artifact = Artifact.load(ArtifactStore(tmp_path).save(artifact_of(finding)).path)
    with TargetContext(isolated=False, engines=flipping_context().engines) as ctx:
        shrunk = shrink_artifact(artifact, None, ctx, attempts=200)
    assert shrunk.path == artifact.path.with_name(artifact.path.name + "-shrunk")
    assert len(shrunk.case.wasm) < len(artifact.case.wasm)
    assert shrunk.signature == artifact.signature
    reloaded = Artifact.load(shrunk.path)
    assert reloaded.case.config["shrunk_from"] == str(artifact.path)
    with flipping_context() as ctx:
        assert repro_status(reloaded, replay_artifact(reloaded, ctx)) == REPRODUCES
    assert Artifact.load(artifact.path).case.wasm == artifact.case.wasm     # the original is untouched


def test_bytewise_shrinking_is_delta_debugging():
    data = bytes(range(100))
    assert shrink_bytes(data, lambda b: 42 in b and 7 in b, 1000) == bytes([7, 42])

