"""What a workload reports: metrics per engine, whether the engines agreed, the pywasm comparison.

Every metric carries its unit and which direction is better, so the table and
the geomeans never guess.  ``ratio`` is always "how many times worse the
runtime is than wasmtime" (runtime / wasmtime for costs, wasmtime / runtime for
rates such as MB/s): 1.0 is parity, below 1.0 the runtime wins, and geomeans of
ratios from different metrics read the same way.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

#: the engine a ratio is about, and the one it is measured against
SUBJECT = "fuzzrt"
REFERENCE = "wasmtime"

OK = "ok"
MISMATCH = "mismatch"     # the engines produced different results: timings are not comparable
ERROR = "error"           # the workload could not run (its message says why)
STATUSES = (OK, MISMATCH, ERROR)


@dataclass
class Metric:
    unit: str
    values: dict[str, float] = field(default_factory=dict)
    samples: dict[str, list[float]] = field(default_factory=dict)
    higher_is_better: bool = False

    @property
    def ratio(self) -> float | None:
        ours, theirs = self.values.get(SUBJECT), self.values.get(REFERENCE)
        if ours is None or theirs is None or ours <= 0 or theirs <= 0:
            return None
        return theirs / ours if self.higher_is_better else ours / theirs

    def to_json(self) -> dict[str, Any]:
        return {"unit": self.unit, "higher_is_better": self.higher_is_better, "values": self.values,
                "ratio": self.ratio, "samples": self.samples}


@dataclass
class PywasmComparison:
    """pywasm against the JIT engines at one (small) size: execution time only."""

    size: int
    seconds: float | None               # pywasm's execution time; None if it timed out or failed
    engine_seconds: dict[str, float]    # the JIT engines at the same size (medians)
    timed_out: bool = False
    timeout_s: float | None = None
    agrees: bool | None = None          # pywasm's output equals the runtime's (None: no output)
    error: str | None = None

    @property
    def speedup(self) -> float | None:
        """How many times faster the runtime is than pywasm (a lower bound after a timeout)."""
        ours = self.engine_seconds.get(SUBJECT)
        if not ours or ours <= 0:
            return None
        if self.seconds is not None:
            return self.seconds / ours
        if self.timed_out and self.timeout_s is not None:
            return self.timeout_s / ours
        return None

    def to_json(self) -> dict[str, Any]:
        return {"size": self.size, "seconds": self.seconds, "engine_seconds": self.engine_seconds,
                "timed_out": self.timed_out, "timeout_s": self.timeout_s, "agrees": self.agrees,
                "error": self.error, "speedup": self.speedup,
                "speedup_is_lower_bound": self.timed_out}


@dataclass
class Result:
    name: str
    category: str
    description: str
    size: int | None = None
    status: str = OK
    metrics: dict[str, Metric] = field(default_factory=dict)
    outputs: dict[str, str] = field(default_factory=dict)     # engine -> result / checksum line
    pywasm: PywasmComparison | None = None
    notes: list[str] = field(default_factory=list)
    error: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)    # workload-specific figures, JSON-ready

    def metric(self, name: str, unit: str, higher_is_better: bool = False) -> Metric:
        """The named metric, created empty on first use."""
        m = self.metrics.get(name)
        if m is None:
            m = self.metrics[name] = Metric(unit, higher_is_better=higher_is_better)
        return m

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name, "category": self.category, "description": self.description,
            "size": self.size, "status": self.status,
            "metrics": {k: m.to_json() for k, m in self.metrics.items()},
            "outputs": self.outputs,
            "pywasm": self.pywasm.to_json() if self.pywasm is not None else None,
            "notes": self.notes, "error": self.error, "extra": self.extra,
        }


def program_output(stdout: bytes, exit_code: int) -> str:
    """A WASI program's comparable output: its stdout, plus the exit code when it is not 0."""
    text = stdout.decode("utf-8", "replace").strip()
    return text if exit_code == 0 else f"{text} [exit {exit_code}]"


def value_output(values: object) -> str:
    """A function result, comparable across engines: integers as unsigned 64-bit, lists joined."""
    items = values if isinstance(values, (list, tuple)) else [values]
    return ",".join(str(v & 0xFFFF_FFFF_FFFF_FFFF) if isinstance(v, int) else repr(v) for v in items)
