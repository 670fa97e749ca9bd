"""The fuzzing CLI end to end: targets, short campaigns on each engine, JSON summaries, usage errors."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from fuzzrt.campaign.registry import all_targets

SUMMARY_KEYS = {"execs", "execs_per_sec", "conclusive", "inconclusive", "findings", "unique_findings", "seconds"}


def fuzzrt(*args: str, timeout: float = 300) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "fuzzrt", *args], capture_output=True, text=True,
                          timeout=timeout)


def campaign(tmp_path: Path, target: str, *args: str) -> dict:
    summary = tmp_path / "summary.json"
    proc = fuzzrt("fuzz", target, "--work-dir", str(tmp_path / "work"), "--artifacts", str(tmp_path / "artifacts"),
                  "--json", str(summary), *args)
    assert proc.returncode == 0, proc.stderr[-3000:]
    data = json.loads(summary.read_text())
    assert SUMMARY_KEYS <= data.keys()
    assert data["conclusive"] + data["inconclusive"] == data["execs"]
    assert data["unique_findings"] <= data["findings"]
    assert f"[{target}]" in proc.stderr     # the status line
    return data


def test_targets_lists_every_target_on_one_line():
    proc = fuzzrt("targets")
    assert proc.returncode == 0
    lines = proc.stdout.strip().splitlines()
    assert [line.split()[0] for line in lines] == list(all_targets())
    assert {"differential", "validate", "instantiate"} <= set(all_targets())


def test_differential_smoke(tmp_path):
    data = campaign(tmp_path, "differential", "--runs", "30", "--seed", "1")
    assert data["execs"] == 30 and data["coverage"] > 0
    assert (tmp_path / "work" / "differential" / "corpus").is_dir()


def test_validate_smoke_counts_every_run(tmp_path):
    data = campaign(tmp_path, "validate", "--runs", "60", "--seed", "2")
    assert data["execs"] == 60


def test_hypothesis_engine(tmp_path):
    data = campaign(tmp_path, "instantiate", "--engine", "hypothesis", "--runs", "8", "--seed", "3")
    assert data["execs"] == 8 and data["coverage_kind"] == "behaviours" and data["coverage"] > 0


@pytest.mark.parametrize("args", [("fuzz", "no-such-target", "--runs", "1"), ("fuzz", "validate", "--jobs", "0")])
def test_usage_errors(args):
    assert fuzzrt(*args).returncode == 2


def test_shrink_refuses_to_overwrite(tmp_path):
    out = tmp_path / "exists"
    out.mkdir()
    proc = fuzzrt("shrink", str(tmp_path), "-o", str(out))
    assert proc.returncode == 2 and "never overwritten" in proc.stderr
