"""``fuzzrt bench``: the runtime and wasmtime side by side, in one process, one run.

Both engines are driven through the same wasmtime-shaped calls (that is the
point of the runtime mirroring wasmtime-py), repetitions alternate between them
so drift on a busy machine hits both alike, and every timing reported is a
median.  A kernel whose checksums differ between engines is reported as such
rather than timed into a meaningless ratio.
"""
from __future__ import annotations

import json
import statistics
import time
from dataclasses import asdict, dataclass, field
from types import ModuleType
from typing import Callable

import wasmtime

import runtime

from .kernels import CALL_WAT, KERNELS, Kernel

ENGINES: dict[str, ModuleType] = {"fuzzrt": runtime, "wasmtime": wasmtime}


@dataclass
class Row:
    name: str
    description: str
    seconds: dict[str, float] = field(default_factory=dict)
    compile_seconds: dict[str, float] = field(default_factory=dict)
    agree: bool = True

    @property
    def ratio(self) -> float:
        return self.seconds["fuzzrt"] / self.seconds["wasmtime"]


def _timed(fn: Callable[[], object]) -> tuple[float, object]:
    t0 = time.perf_counter()
    result = fn()
    return time.perf_counter() - t0, result


def _instantiate(api: ModuleType, wat: str):
    engine = api.Engine()
    compile_s, module = _timed(lambda: api.Module(engine, wat))
    store = api.Store(engine)
    exports = api.Instance(store, module, []).exports(store)
    return compile_s, store, exports


def bench_kernel(kernel: Kernel, reps: int) -> Row:
    row = Row(kernel.name, kernel.description)
    setups = {}
    for name, api in ENGINES.items():
        compile_s, store, exports = _instantiate(api, kernel.wat)
        row.compile_seconds[name] = compile_s
        setups[name] = (store, exports["run"])
    samples: dict[str, list[float]] = {name: [] for name in ENGINES}
    checksums: dict[str, object] = {}
    for _ in range(reps):
        for name, (store, run) in setups.items():
            secs, checksums[name] = _timed(lambda: run(store, kernel.arg))
            samples[name].append(secs)
    row.seconds = {name: statistics.median(s) for name, s in samples.items()}
    row.agree = len(set(checksums.values())) == 1
    return row


def bench_call(calls: int, reps: int) -> dict[str, float]:
    """Median cost of one Python -> wasm call of an identity function, in microseconds."""
    setups = {name: _instantiate(api, CALL_WAT)[1:] for name, api in ENGINES.items()}
    samples: dict[str, list[float]] = {name: [] for name in ENGINES}
    for _ in range(reps):
        for name, (store, exports) in setups.items():
            f = exports["id"]
            t0 = time.perf_counter()
            for i in range(calls):
                f(store, i)
            samples[name].append((time.perf_counter() - t0) / calls * 1e6)
    return {name: statistics.median(s) for name, s in samples.items()}


def run_bench(reps: int = 5, calls: int = 100_000, json_path: str | None = None,
              out: Callable[[str], None] = print) -> dict:
    rows = [bench_kernel(k, reps) for k in KERNELS]
    call_us = bench_call(calls, reps)
    out(f"{'kernel':<10} {'fuzzrt ms':>10} {'wasmtime ms':>12} {'ratio':>7}  "
        f"{'compile fuzzrt':>14} {'compile wt':>11}")
    for r in rows:
        ratio = f"{r.ratio:6.2f}x" if r.agree else "DIFFERS"
        out(f"{r.name:<10} {r.seconds['fuzzrt'] * 1e3:>10.2f} {r.seconds['wasmtime'] * 1e3:>12.2f} "
            f"{ratio:>7}  {r.compile_seconds['fuzzrt'] * 1e3:>11.1f} ms "
            f"{r.compile_seconds['wasmtime'] * 1e3:>8.1f} ms")
    geo = statistics.geometric_mean([r.ratio for r in rows if r.agree]) if rows else float("nan")
    out(f"{'geomean':<10} {'':>10} {'':>12} {geo:6.2f}x")
    out(f"Python->wasm call: fuzzrt {call_us['fuzzrt']:.2f} us, wasmtime {call_us['wasmtime']:.2f} us "
        f"({call_us['fuzzrt'] / call_us['wasmtime']:.2f}x)")
    report = {
        "kernels": [dict(asdict(r), ratio=r.ratio) for r in rows],
        "geomean_ratio": geo,
        "call_us": call_us,
        "reps": reps,
        "versions": {"fuzzrt": _version(), "wasmtime": getattr(wasmtime, "__version__", "?")},
    }
    if json_path:
        with open(json_path, "w") as f:
            json.dump(report, f, indent=2)
    return report


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version
    try:
        return version("fuzzrt")
    except PackageNotFoundError:
        return "unknown"
