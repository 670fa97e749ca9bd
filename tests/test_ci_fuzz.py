"""ci/fuzz.sh exit codes: 1 on a planted finding, 0 when nothing can be found, 2 on setup errors.

The planted engine (ci/plant/sitecustomize.py, FUZZ_PLANT=bug|clean) makes
both outcomes certain whatever the state of the real runtime.  The budget is
short here to keep the suite fast; the same holds with the 2-minute budget of
the acceptance check (``FUZZ_SECONDS=120 FUZZ_PLANT=bug ci/fuzz.sh``).
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SCRIPT = REPO / "ci" / "fuzz.sh"


def _start(tmp: Path, **env: str) -> subprocess.Popen[bytes]:
    full = {**os.environ, "PYTHON": sys.executable, "FUZZ_CACHE": str(tmp / "cache"), "FUZZ_OUT": str(tmp / "out"),
            "FUZZ_TARGETS": "validate", "FUZZ_SECONDS": "10", "FUZZ_COVERAGE": "0", **env}
    full.pop("PYTHONPATH", None)
    return subprocess.Popen(["bash", str(SCRIPT)], env=full, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)


@pytest.fixture(scope="module")
def runs(tmp_path_factory) -> dict[str, tuple[int, str, Path]]:
    """Both runs at once (each is mostly waiting on its campaign): name -> (exit, output, dir)."""
    dirs = {name: tmp_path_factory.mktemp(name) for name in ("bug", "clean")}
    procs = {name: _start(d, FUZZ_PLANT=name) for name, d in dirs.items()}
    out = {}
    for name, proc in procs.items():
        stdout, _ = proc.communicate(timeout=600)
        out[name] = (proc.returncode, stdout.decode("utf-8", "replace"), dirs[name])
    return out


def test_planted_finding_fails_with_artifacts_and_report(runs, tmp_path: Path):
    status, output, base = runs["bug"]
    assert status == 1, output[-3000:]
    artifacts = [p for p in (base / "out" / "artifacts").iterdir() if (p / "artifact.json").is_file()]
    signatures = {json.loads((p / "artifact.json").read_text())["signature"] for p in artifacts}
    assert signatures and all("PlantedBug" in s for s in signatures), signatures
    report = json.loads((base / "out" / "report" / "report.json").read_text())
    assert {f["signature"] for f in report["findings"]} == signatures
    assert all(f["status"] == "new" and f["repro"] for f in report["findings"])
    assert report["campaigns"][0]["execs"] > 0 and report["campaigns"][0]["timeline"]
    assert "new or regressed" in (base / "out" / "report" / "report.md").read_text()
    assert (base / "cache" / "corpus" / "validate").is_dir()
    assert list((base / "out" / "logs" / "validate").iterdir())
    # once the finding is in the known list, the same results pass
    known = tmp_path / "known.txt"
    known.write_text("\n".join(sorted(signatures)) + "\n")
    proc = subprocess.run([sys.executable, "-m", "fuzzrt", "report", "--from", str(base / "out" / "report"),
                           "--known", str(known), "--fail-on-new", "--out", str(tmp_path / "r")],
                          capture_output=True, text=True, timeout=120, check=False)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_no_finding_passes_and_saves_the_corpus(runs):
    status, output, base = runs["clean"]
    assert status == 0, output[-3000:]
    report = json.loads((base / "out" / "report" / "report.json").read_text())
    assert report["findings"] == [] and report["campaigns"][0]["execs"] > 0
    assert not [p for p in (base / "out" / "artifacts").iterdir() if (p / "artifact.json").is_file()]
    assert (base / "cache" / "corpus" / "validate").is_dir()
    assert "no new findings" in output


@pytest.mark.parametrize("env", [{"FUZZ_PLANT": "sometimes"}, {"FUZZ_TARGETS": "no-such-target"}])
def test_setup_errors_exit_2(tmp_path: Path, env):
    proc = _start(tmp_path, **env)
    stdout, _ = proc.communicate(timeout=300)
    assert proc.returncode == 2, stdout.decode(errors="replace")[-2000:]
