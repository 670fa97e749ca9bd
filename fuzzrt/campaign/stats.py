"""Campaign counters, per job process, written to a small JSON file the manager aggregates.

Each fuzzing process (an Atheris job, a libFuzzer fork child, a Hypothesis
job) owns one file ``<stats dir>/job-<pid>.json`` and rewrites it atomically
at most every ``FLUSH_INTERVAL`` seconds and when it finishes, so the manager
can show a live status line without any process talking to another.
"""
from __future__ import annotations

import json
import os
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from fuzzrt.oracles.common import describe

from .execution import CONCLUSIVE, FINDING, INCONCLUSIVE, Execution

FLUSH_INTERVAL = 1.0


def behaviours(execution: Execution) -> set[str]:
    """Distinct observable events of an execution: stage outcomes, call outcomes, result types.

    Their number is the coverage figure of engines without coverage feedback (Hypothesis).
    """
    events = {f"status:{execution.status}"}
    outcome = execution.runtime
    if outcome is None:
        return events
    events.add(f"compile:{describe(outcome.compile)}")
    if outcome.instantiate is not None:
        events.add(f"instantiate:{describe(outcome.instantiate)}")
    for call in outcome.calls:
        events.add(f"call:{describe(call.status)}:" + ",".join(str(t) for t, _ in call.results))
        events.update(f"host:{h.name}" for h in call.host_calls)
    return events


@dataclass(slots=True)
class Stats:
    path: Path | None = None
    started: float = field(default_factory=time.time)
    execs: int = 0
    conclusive: int = 0
    inconclusive: int = 0
    findings: int = 0
    new_findings: int = 0
    reasons: Counter = field(default_factory=Counter)       # inconclusive reason -> count
    signatures: Counter = field(default_factory=Counter)    # finding signature -> hits
    features: set = field(default_factory=set)              # distinct behaviours (Hypothesis jobs)
    worker_restarts: int = 0
    #: seconds spent, summed over executions: generating, and in each engine
    seconds: Counter = field(default_factory=Counter)
    finished: bool = False
    _flushed: float = 0.0

    def record(self, execution: Execution) -> None:
        self.execs += 1
        self.features |= behaviours(execution)
        self.seconds["generate"] += execution.generate_seconds
        for name, outcome in (("runtime", execution.runtime), ("wasmtime", execution.reference)):
            if outcome is not None:
                self.seconds[name] += outcome.seconds
        status = execution.status
        if status == FINDING:
            self.findings += 1
            sig = execution.signature
            if sig is not None:
                self.signatures[sig] += 1
        elif status == INCONCLUSIVE:
            self.inconclusive += 1
            self.reasons[execution.verdict.inconclusive or "unknown"] += 1
        elif status == CONCLUSIVE:
            self.conclusive += 1

    def to_json(self) -> dict[str, Any]:
        return {
            "pid": os.getpid(),
            "started": self.started,
            "updated": time.time(),
            "execs": self.execs,
            "conclusive": self.conclusive,
            "inconclusive": self.inconclusive,
            "findings": self.findings,
            "new_findings": self.new_findings,
            "inconclusive_reasons": dict(self.reasons),
            "signatures": dict(self.signatures),
            "features": len(self.features),
            "worker_restarts": self.worker_restarts,
            "seconds": {k: round(v, 3) for k, v in self.seconds.items()},
            "finished": self.finished,
        }

    def flush(self, force: bool = False) -> None:
        """Rewrite the stats file (atomically), at most every ``FLUSH_INTERVAL`` unless ``force``."""
        now = time.monotonic()
        if self.path is None or (not force and now - self._flushed < FLUSH_INTERVAL):
            return
        self._flushed = now
        tmp = self.path.with_name(f".{self.path.name}.tmp")
        tmp.write_text(json.dumps(self.to_json()))
        os.replace(tmp, self.path)


def job_stats_path(stats_dir: str | Path) -> Path:
    directory = Path(stats_dir)
    directory.mkdir(parents=True, exist_ok=True)
    return directory / f"job-{os.getpid()}.json"


def read_all(stats_dir: str | Path) -> list[dict[str, Any]]:
    """Every job's last written stats in ``stats_dir``."""
    out = []
    directory = Path(stats_dir)
    if not directory.is_dir():
        return out
    for path in sorted(directory.glob("job-*.json")):
        try:
            out.append(json.loads(path.read_text()))
        except (OSError, ValueError):
            continue
    return out
