"""Samples a running campaign over time: execs, coverage and findings, for the report's charts.

The campaign's job processes each rewrite a small stats file about once a
second (``fuzzrt.campaign.stats``) and libFuzzer prints ``cov: N`` in each
job's log; a background thread reads both at a fixed interval, so the time
series costs the jobs nothing and needs no channel from them.  Long runs are
thinned (every other point dropped, interval doubled) to keep at most
``max_points`` samples.
"""
from __future__ import annotations

import re
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from fuzzrt.campaign.stats import read_all

_COV = re.compile(rb"cov: (\d+)")
DEFAULT_INTERVAL = 1.0
MAX_POINTS = 240


class LogCoverage:
    """The last ``cov:`` figure of every job log in a directory, read incrementally."""

    def __init__(self, logs_dir: Path):
        self.logs_dir = Path(logs_dir)
        self._offsets: dict[Path, int] = {}
        self._last: dict[Path, int] = {}

    def read(self) -> int:
        """The best coverage any job reported so far (jobs share one corpus, so take the maximum)."""
        if self.logs_dir.is_dir():
            for log in self.logs_dir.glob("job-*.log"):
                try:
                    with open(log, "rb") as f:
                        f.seek(self._offsets.get(log, 0))
                        chunk = f.read()
                except OSError:
                    continue
                # only whole lines: a number cut in half would read as a smaller one
                whole = chunk[:chunk.rfind(b"\n") + 1]
                self._offsets[log] = self._offsets.get(log, 0) + len(whole)
                found = _COV.findall(whole)
                if found:
                    self._last[log] = int(found[-1])
        return max(self._last.values(), default=0)


def aggregate(stats_dir: Path, coverage: int) -> dict[str, int]:
    """One sample's counters: the sum over every job's stats file (restarted jobs included)."""
    jobs = read_all(stats_dir)
    signatures: set[str] = set()
    totals = {"execs": 0, "findings": 0, "inconclusive": 0}
    features = 0
    for job in jobs:
        for key in totals:
            totals[key] += int(job.get(key, 0))
        signatures.update(job.get("signatures", {}))
        features = max(features, int(job.get("features", 0)))
    return {**totals, "unique_findings": len(signatures), "coverage": coverage or features}


class TimelineSampler:
    """Samples ``stats_dir``/``logs_dir`` every ``interval`` seconds on a daemon thread."""

    def __init__(self, stats_dir: Path, logs_dir: Path, interval: float = DEFAULT_INTERVAL,
                 max_points: int = MAX_POINTS, on_sample: Callable[[dict[str, Any]], None] | None = None):
        self.stats_dir = Path(stats_dir)
        self.coverage = LogCoverage(logs_dir)
        self.interval = interval
        self.max_points = max(max_points, 4)
        self.on_sample = on_sample
        self.samples: list[dict[str, Any]] = []
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._start = 0.0

    def sample(self) -> dict[str, Any]:
        """Take one sample now and append it (thinning the series if it grew too long)."""
        point = {"t": round(time.monotonic() - self._start, 2), **aggregate(self.stats_dir, self.coverage.read())}
        self.samples.append(point)
        if len(self.samples) > self.max_points:
            self.samples = self.samples[:-1:2] + [self.samples[-1]]
            self.interval *= 2
        if self.on_sample is not None:
            self.on_sample(point)
        return point

    def _loop(self) -> None:
        while not self._stop.wait(self.interval):
            self.sample()

    def start(self) -> None:
        self._start = time.monotonic()
        self.samples = [{"t": 0.0, "execs": 0, "coverage": 0, "findings": 0, "unique_findings": 0,
                         "inconclusive": 0}]
        self._thread = threading.Thread(target=self._loop, name="fuzzrt-timeline", daemon=True)
        self._thread.start()

    def stop(self) -> list[dict[str, Any]]:
        """Stop sampling, take a final sample, and return the series."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
        self.sample()
        return self.samples
