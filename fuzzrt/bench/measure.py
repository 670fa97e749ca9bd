"""Measuring primitives for ``fuzzrt bench``: timers, alternating repetitions, peak memory.

Timing: ``time.perf_counter`` around the one operation being measured (a
compile, an instantiation, a call), never around set-up, so a slow Python-side
harness does not leak into an engine's number.

Repetitions alternate between engines (A B, then B A, ...): on a machine shared
with other jobs, load drifts, and reversing the order every round spreads the
drift over both engines instead of penalising whichever runs second.  A
measurement stops after ``reps`` rounds, or earlier once it has used its time
budget (but never before ``min_reps``), so a workload whose compile takes
seconds does not multiply the suite's wall time by the repetition count.

Peak memory: the process's peak resident set size (``VmHWM`` in
``/proc/self/status``), reset right before the measured section by writing
``5`` to ``/proc/self/clear_refs`` (Linux >= 4.0), minus the resident size at
that moment.  This sees every allocation the engine makes -- Python objects,
LLVM's or Cranelift's heap, mmapped linear memories and code -- that is
resident at the section's peak.  Before the reset the garbage collector runs
and glibc's ``malloc_trim`` returns free heap pages to the system, so memory
freed by an earlier measurement is not silently reused (which would hide it).
Linear memory that is reserved but never touched is not resident and is not
counted, for either engine.  Where the reset is unavailable the delta is
reported as ``None`` rather than as a number that would mean something else.
"""
from __future__ import annotations

import ctypes
import ctypes.util
import gc
import math
import statistics
import time
from dataclasses import dataclass, field
from typing import Callable, Iterator, Sequence, TypeVar

T = TypeVar("T")

_STATUS = "/proc/self/status"
_CLEAR_REFS = "/proc/self/clear_refs"
_RESET_PEAK_RSS = "5"


def timed(fn: Callable[[], T]) -> tuple[float, T]:
    """(seconds, result) of one call of ``fn``."""
    t0 = time.perf_counter()
    result = fn()
    return time.perf_counter() - t0, result


def median(values: Sequence[float]) -> float | None:
    return statistics.median(values) if values else None


def geomean(values: Sequence[float | None]) -> float | None:
    """Geometric mean of the positive values, ``None`` when there are none."""
    usable = [v for v in values if v is not None and v > 0 and math.isfinite(v)]
    return statistics.geometric_mean(usable) if usable else None


def rounds(engines: Sequence[str], reps: int, budget_s: float, min_reps: int = 1) -> Iterator[list[str]]:
    """Engine orders for each round: alternating direction, stopping on reps or budget.

    The budget is checked between rounds, so a round is never cut in half and
    every engine always has the same number of samples.
    """
    start = time.perf_counter()
    order = list(engines)
    for i in range(max(reps, 1)):
        if i >= max(min_reps, 1) and time.perf_counter() - start > budget_s:
            return
        yield order if i % 2 == 0 else order[::-1]


@dataclass
class Samples:
    """Per-engine samples of one quantity, and their medians."""

    values: dict[str, list[float]] = field(default_factory=dict)

    def add(self, engine: str, value: float | None) -> None:
        if value is not None:
            self.values.setdefault(engine, []).append(value)

    def medians(self) -> dict[str, float]:
        return {engine: statistics.median(v) for engine, v in self.values.items() if v}


class _Libc:
    """glibc's ``malloc_trim``, if this process has it."""

    def __init__(self) -> None:
        self.trim: Callable[[int], int] | None = None
        name = ctypes.util.find_library("c")
        if name is None:
            return
        try:
            trim = ctypes.CDLL(name).malloc_trim
        except (OSError, AttributeError):
            return
        trim.argtypes = [ctypes.c_size_t]
        trim.restype = ctypes.c_int
        self.trim = trim


_LIBC = _Libc()


def _status_kib(field_name: str) -> int | None:
    try:
        with open(_STATUS) as f:
            for line in f:
                if line.startswith(field_name + ":"):
                    return int(line.split()[1])
    except (OSError, ValueError, IndexError):
        return None
    return None


def _reset_peak() -> bool:
    try:
        with open(_CLEAR_REFS, "w") as f:
            f.write(_RESET_PEAK_RSS)
        return True
    except OSError:
        return False


def peak_rss_supported() -> bool:
    """Whether peak-RSS deltas can be measured here (Linux with a resettable VmHWM)."""
    return _status_kib("VmHWM") is not None and _reset_peak()


class PeakRss:
    """Context manager: ``.delta`` is the peak resident bytes added inside the block.

    ``None`` when the platform cannot reset the peak (see the module docstring).
    """

    def __init__(self) -> None:
        self.delta: int | None = None
        self._base: int | None = None

    def __enter__(self) -> "PeakRss":
        gc.collect()
        if _LIBC.trim is not None:
            _LIBC.trim(0)
        if _reset_peak():
            self._base = _status_kib("VmRSS")
        return self

    def __exit__(self, *exc: object) -> None:
        peak = _status_kib("VmHWM")
        if self._base is not None and peak is not None:
            self.delta = max(peak - self._base, 0) * 1024
