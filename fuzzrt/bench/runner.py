"""``fuzzrt bench``: run the selected workloads, print the table, write the JSON.

Everything runs in this one process except pywasm and the fuzzing campaign
(each a child process, see their modules), so the runtime and wasmtime are
measured under the same conditions, alternating.  A workload that fails is
reported as an error row and the suite carries on: one broken benchmark must
not hide the numbers of the others.

The JSON (``--json FILE``) holds everything the table shows plus every sample,
the machine's load average before and after (benchmarks on a shared machine
are only comparable with that context) and the package versions.
"""
from __future__ import annotations

import json
import os
import platform
import sys
import tempfile
import time
import traceback
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any, Callable, Sequence

from .measure import peak_rss_supported
from .registry import BenchContext, Workload, select
from .report import check_targets, geomeans, pywasm_geomean, render
from .results import ERROR, Result

SCHEMA_VERSION = 1

MEMORY_METHOD = ("peak RSS delta: VmHWM reset through /proc/self/clear_refs before the section, "
                 "minus VmRSS at that moment, after gc.collect() and malloc_trim(0); "
                 "peak_mem covers Engine+compile+instantiate+run, run_mem instantiate+run")


def _versions() -> dict[str, str]:
    out = {}
    for package in ("fuzzrt", "wasmtime", "llvmlite", "pywasm"):
        try:
            out[package] = version(package)
        except PackageNotFoundError:
            out[package] = "not installed"
    return out


def _loadavg() -> list[float] | None:
    try:
        return list(os.getloadavg())
    except OSError:
        return None


def _run_one(workload: Workload, ctx: BenchContext) -> Result:
    try:
        return workload.run(ctx)
    except Exception as exc:   # reported as an error row; the other workloads still run
        result = workload.new_result()
        result.status = ERROR
        frames = traceback.extract_tb(exc.__traceback__)
        where = f" (at {Path(frames[-1].filename).name}:{frames[-1].lineno})" if frames else ""
        result.error = f"{type(exc).__name__}: {exc}{where}"
        return result


def run_bench(reps: int = 5, quick: bool = False, only: Sequence[str] | None = None,
              json_path: str | os.PathLike | None = None, budget_s: float = 6.0,
              pywasm_timeout_s: float = 30.0, fuzz_seconds: float = 20.0,
              out: Callable[[str], None] = print,
              progress: Callable[[str], None] | None = None) -> dict[str, Any]:
    """Run the suite and return the report (the JSON document); see ``fuzzrt bench --help``."""
    if reps < 1:
        raise ValueError(f"reps must be at least 1, got {reps}")
    workloads = select(only)
    if progress is None:
        def progress(line: str) -> None:
            print(line, file=sys.stderr, flush=True)
    started = time.time()
    load_before = _loadavg()
    results: list[Result] = []
    with tempfile.TemporaryDirectory(prefix="fuzzrt-bench-") as scratch:
        ctx = BenchContext(reps=reps, quick=quick, budget_s=budget_s, pywasm_timeout_s=pywasm_timeout_s,
                           fuzz_seconds=fuzz_seconds, scratch=Path(scratch), progress=progress)
        for i, workload in enumerate(workloads, 1):
            progress(f"[{i}/{len(workloads)}] {workload.category} {workload.name}")
            t0 = time.perf_counter()
            result = _run_one(workload, ctx)
            progress(f"  {result.status} in {time.perf_counter() - t0:.1f} s"
                     + (f": {result.error}" if result.error else ""))
            results.append(result)
    means = geomeans(results)
    targets = check_targets(results, means)
    for line in render(results, means, targets):
        out(line)
    load_after = _loadavg()
    report = {
        "schema": SCHEMA_VERSION,
        "started": time.strftime("%Y-%m-%dT%H:%M:%S%z", time.localtime(started)),
        "duration_s": round(time.time() - started, 3),
        "machine": {"cpus": os.cpu_count(), "platform": platform.platform(),
                    "python": platform.python_version(), "loadavg_before": load_before,
                    "loadavg_after": load_after},
        "versions": _versions(),
        "options": {"reps": reps, "quick": quick, "only": list(only or []), "budget_s": budget_s,
                    "pywasm_timeout_s": pywasm_timeout_s, "fuzz_seconds": fuzz_seconds},
        "memory_method": MEMORY_METHOD if peak_rss_supported() else "unavailable on this platform",
        "workloads": [r.to_json() for r in results],
        "geomeans": means,
        "pywasm_geomean_speedup": pywasm_geomean(results),
        "targets": targets,
    }
    out(f"load average {load_before} before, {load_after} after; {report['duration_s']:.0f} s in all")
    if json_path:
        Path(json_path).write_text(json.dumps(report, indent=2) + "\n")
    return report
