"""Every fixed finding stays fixed: each artifact under corpora/regressions/ must replay clean.

Each directory there is an artifact (as ``fuzzrt fuzz`` saved it, usually
shrunk) of a bug that was fixed; replaying it on both engines must no longer
show its signature, nor any other finding.  Replays run in a supervised
worker, so a regression that crashes the runtime fails its test instead of
killing the test session.
"""
from __future__ import annotations

from pathlib import Path

import pytest

from fuzzrt.artifacts import Artifact
from fuzzrt.campaign.context import TargetContext
from fuzzrt.campaign.replay import FIXED, replay_artifact, repro_status
from fuzzrt.campaign.report import render_execution

REGRESSIONS = Path(__file__).resolve().parents[1] / "corpora" / "regressions"
CASES = sorted(p for p in REGRESSIONS.iterdir() if (p / "artifact.json").is_file()) if REGRESSIONS.is_dir() else []


@pytest.fixture(scope="module")
def ctx():
    with TargetContext(isolated=True) as context:
        yield context


@pytest.mark.parametrize("path", CASES, ids=[p.name for p in CASES])
def test_fixed_finding_stays_fixed(path: Path, ctx: TargetContext):
    artifact = Artifact.load(path)
    execution = replay_artifact(artifact, ctx)
    assert repro_status(artifact, execution) == FIXED, f"{artifact.signature}\n{render_execution(execution)}"
