"""What a report run measures: runtime/ coverage of child processes, and campaign time series."""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from fuzzrt.report import codecov
from fuzzrt.report.timeline import LogCoverage, TimelineSampler, aggregate


def test_line_ranges_round_trip():
    assert codecov.encode_lines({1, 2, 3, 7, 9, 10}) == "1-3,7,9-10"
    assert codecov.encode_lines(set()) == ""
    assert codecov.decode_lines("1-3,7,9-10") == {1, 2, 3, 7, 9, 10}
    for bad in ("3-1", "0", "x", "1-"):
        with pytest.raises(ValueError):
            codecov.decode_lines(bad)


def test_packages_and_union():
    files = {"runtime/errors.py": {"statements": 4, "executed": "1-2"},
             "runtime/jit/a.py": {"statements": 10, "executed": ""},
             "runtime/jit/sub/b.py": {"statements": 6, "executed": "1-6"}}
    summary = codecov.summarize(files)
    assert summary["packages"] == {"runtime": {"statements": 4, "covered": 2, "percent": 50.0},
                                   "runtime/jit": {"statements": 16, "covered": 6, "percent": 37.5}}
    assert summary["total"] == {"statements": 20, "covered": 8, "percent": 40.0}
    merged = codecov.union([files, {"runtime/errors.py": {"statements": 4, "executed": "2-4"}}])
    assert merged["runtime/errors.py"] == {"statements": 4, "executed": "1-4"}


def _child(code: str, env: dict[str, str]) -> subprocess.Popen[bytes]:
    return subprocess.Popen([sys.executable, "-c", code], env={**os.environ, **env}, stdout=subprocess.PIPE)


@pytest.mark.skipif(not codecov.available(), reason="coverage.py is not installed")
def test_child_processes_are_measured_even_when_they_end_abruptly(tmp_path: Path):
    """Campaign jobs end with os._exit and are stopped with SIGTERM; both must keep their data."""
    env = codecov.environment_for(tmp_path)
    exits = _child("import os, runtime.syntax.types; os._exit(0)", env)
    assert exits.wait(timeout=120) == 0
    terminated = _child("import sys, time, runtime.binary; print('ready', flush=True); time.sleep(60)", env)
    assert terminated.stdout.readline() == b"ready\n"
    terminated.send_signal(signal.SIGTERM)
    terminated.wait(timeout=60)
    terminated.stdout.close()
    exits.stdout.close()
    assert len(list(tmp_path.glob(".coverage.*"))) == 2
    measured = codecov.measure(tmp_path)
    assert measured is not None
    assert measured["packages"]["runtime/syntax"]["covered"] > 0
    assert measured["files"]["runtime/binary/__init__.py"]["executed"]
    # every module of the package is listed, executed or not
    assert len(measured["files"]) > 30 and measured["total"]["statements"] > 1000
    assert measured["total"]["covered"] < measured["total"]["statements"]
    assert codecov.measure(tmp_path / "nothing-here") is None


def _write_job(stats_dir: Path, pid: int, **counts) -> None:
    stats_dir.mkdir(parents=True, exist_ok=True)
    (stats_dir / f"job-{pid}.json").write_text(json.dumps({"pid": pid, **counts}))


def test_log_coverage_reads_only_whole_lines(tmp_path: Path):
    log = tmp_path / "job-0.log"
    log.write_bytes(b"#2 NEW cov: 10 ft: 3\n#5 NEW cov: 12")
    cov = LogCoverage(tmp_path)
    assert cov.read() == 10                      # "cov: 12" may still be growing: "cov: 125"
    with open(log, "ab") as f:
        f.write(b"5 ft: 9\n")
    (tmp_path / "job-1.log").write_bytes(b"#9 pulse cov: 90 ft: 1\n")
    assert cov.read() == 125


def test_sampler_sums_jobs_and_thins_long_series(tmp_path: Path):
    stats, logs = tmp_path / "stats", tmp_path / "logs"
    _write_job(stats, 1, execs=10, findings=2, inconclusive=1, signatures={"a": 2})
    _write_job(stats, 2, execs=5, findings=1, inconclusive=0, signatures={"a": 1, "b": 1})
    assert aggregate(stats, 0) == {"execs": 15, "findings": 3, "inconclusive": 1, "unique_findings": 2,
                                   "coverage": 0}
    seen = []
    sampler = TimelineSampler(stats, logs, interval=3600, max_points=6, on_sample=seen.append)
    sampler.start()
    for _ in range(7):
        sampler.sample()
    series = sampler.stop()
    assert len(series) <= 6 and series[0]["t"] == 0.0 and series[-1]["execs"] == 15
    assert sampler.interval == 7200          # thinned once: the interval doubled
    assert [s["t"] for s in series] == sorted(s["t"] for s in series)
    assert len(seen) == 8


def test_sampler_thread_samples_while_running(tmp_path: Path):
    stats = tmp_path / "stats"
    sampler = TimelineSampler(stats, tmp_path / "logs", interval=0.05)
    sampler.start()
    _write_job(stats, 1, execs=3)
    time.sleep(0.4)
    series = sampler.stop()
    assert len(series) >= 4 and series[-1]["execs"] == 3
