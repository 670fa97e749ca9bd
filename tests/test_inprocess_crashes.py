"""An input that kills the fuzzing process itself still becomes an artifact that ``repro`` replays.

In-process targets leave only libFuzzer's raw ``crash-*``/``timeout-*`` file
when an input takes the process down.  The campaign adopts such files as
artifacts; ``repro`` replays them in a child process, so it reports the crash
instead of dying of it.  The crash here is real: a ``sitecustomize`` on the
child's path makes ``Module.validate`` abort the process on a marked binary.
"""
from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from fuzzrt.artifacts import Artifact, ArtifactStore
from fuzzrt.campaign.context import TargetContext
from fuzzrt.campaign.crashes import adopt
from fuzzrt.campaign.registry import get_target
from fuzzrt.campaign.replay import FIXED, REPRODUCES, replay_artifact, repro_status

MARK = b"CRASH-ME"
#: a validate input read verbatim (first byte < 0x80): a module header followed by the marker
INPUT = b"\x00" + b"\0asm\x01\0\0\0" + b"\x00\x09\x08" + MARK


@pytest.fixture
def crashing_validate(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Child processes abort inside ``Module.validate`` on binaries holding ``MARK``."""
    hook = tmp_path / "hook"
    hook.mkdir()
    (hook / "sitecustomize.py").write_text(textwrap.dedent(f"""
        import os
        import runtime.api.module as module
        _validate = module.Module.validate.__func__
        def validate(cls, engine, wasm):
            if {MARK!r} in bytes(wasm):
                os.abort()
            return _validate(cls, engine, wasm)
        module.Module.validate = classmethod(validate)
    """))
    monkeypatch.setenv("PYTHONPATH", f"{hook}:{Path(__file__).resolve().parents[1]}")


def _adopted(tmp_path: Path) -> Artifact:
    libfuzzer = tmp_path / "libfuzzer"
    libfuzzer.mkdir()
    (libfuzzer / "crash-0123abcd").write_bytes(INPUT)
    (libfuzzer / "slow-unit-0123abcd").write_bytes(INPUT)   # not a finding
    seen: set[str] = set()
    results = adopt(get_target("validate"), libfuzzer, ArtifactStore(tmp_path / "artifacts"), seen,
                    "==1== ERROR: libFuzzer: deadly signal\n")
    assert [sig for sig, _ in results] == ["validate/no-panic/crash/deadly-signal@runtime:in-process"]
    assert seen == {"crash-0123abcd"}
    assert adopt(get_target("validate"), libfuzzer, ArtifactStore(tmp_path / "artifacts"), seen) == []
    return Artifact.load(results[0][1].path)


def test_adopted_crash_reproduces_in_a_child(tmp_path: Path, crashing_validate: None):
    artifact = _adopted(tmp_path)
    assert artifact.raw_input == INPUT and MARK in artifact.case.wasm
    with TargetContext(isolated=True, deadline=20.0) as ctx:
        execution = replay_artifact(artifact, ctx)      # this process survives the abort
    assert repro_status(artifact, execution) == REPRODUCES
    assert execution.failure is not None and execution.failure.kind == "crash"


def test_adopted_crash_is_fixed_when_the_child_survives(tmp_path: Path):
    artifact = _adopted(tmp_path)
    with TargetContext(isolated=True, deadline=20.0) as ctx:
        execution = replay_artifact(artifact, ctx)
    assert repro_status(artifact, execution) == FIXED


def test_campaign_adopts_the_input_that_killed_its_job(tmp_path: Path, crashing_validate: None):
    """``fuzzrt fuzz``: the job dies on a corpus input; the summary and the artifact store show it."""
    import json
    import subprocess
    import sys

    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "killer").write_bytes(INPUT)
    earlier = tmp_path / "work" / "validate" / "libfuzzer" / "crash-of-an-earlier-campaign"
    earlier.parent.mkdir(parents=True)
    earlier.write_bytes(b"\x01")
    summary_path = tmp_path / "summary.json"
    subprocess.run([sys.executable, "-m", "fuzzrt", "fuzz", "validate", "--time", "8", "--corpus", str(corpus),
                    "--artifacts", str(tmp_path / "artifacts"), "--work-dir", str(tmp_path / "work"),
                    "--json", str(summary_path)], check=True, capture_output=True, timeout=120)
    summary = json.loads(summary_path.read_text())
    signature = "validate/no-panic/crash/deadly-signal@runtime:in-process"
    assert summary["signatures"].get(signature) == 1 and summary["new_findings"] >= 1
    [saved] = [Artifact.load(p) for p in summary["new_artifacts"]]
    assert saved.signature == signature and saved.raw_input == INPUT
    # the summary names this campaign's libFuzzer files only
    [raw] = summary["libfuzzer_artifacts"]
    assert Path(raw).name.startswith("crash-") and Path(raw).read_bytes() == INPUT
