"""``fuzzrt bench``: the suite's JSON report, engine agreement, and the measuring machinery.

Benchmarks are not timed tests: nothing here asserts a speed.  What is checked
is that the suite runs end to end (``--quick`` on a few workloads), that the
report has the documented shape, that both engines (and pywasm) computed the
same checksums, and that the pieces the numbers rest on -- alternation, peak
memory, ratios, mismatch detection, pywasm's timeout -- do what they claim.
"""
from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest

import runtime
from fuzzrt.bench import measure, registry
from fuzzrt.bench.bigmodule import generate_wat
from fuzzrt.bench.compiled import ENGINES, Session
from fuzzrt.bench.kernels import FIB
from fuzzrt.bench.micro import KernelSession, KernelWorkload
from fuzzrt.bench.programs import BENCH_DIR, PROGRAMS
from fuzzrt.bench.pywasm_peer import pywasm_available, run_pywasm
from fuzzrt.bench.report import render
from fuzzrt.bench.results import MISMATCH, OK, Metric, Result

ROOT = Path(__file__).resolve().parent.parent
SELECTED = ["interp", "fib", "py_to_wasm", "wasm_to_host"]


@pytest.fixture(scope="module")
def quick_report(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict, str]:
    out = tmp_path_factory.mktemp("bench") / "report.json"
    proc = subprocess.run(
        [sys.executable, "-m", "fuzzrt", "bench", "--quick", "--reps", "2", "--json", str(out),
         "--only", *SELECTED],
        capture_output=True, text=True, cwd=ROOT, timeout=600,
        env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert proc.returncode == 0, proc.stderr[-2000:]
    return json.loads(out.read_text()), proc.stdout


def test_report_schema(quick_report: tuple[dict, str]) -> None:
    report, _ = quick_report
    assert report["schema"] == 1
    assert {"started", "duration_s", "machine", "versions", "options", "memory_method", "workloads",
            "geomeans", "pywasm_geomean_speedup", "targets"} <= set(report)
    assert report["options"]["quick"] is True and report["options"]["reps"] == 2
    assert len(report["machine"]["loadavg_before"]) == 3
    assert [w["name"] for w in report["workloads"]] == SELECTED
    for w in report["workloads"]:
        assert {"name", "category", "description", "size", "status", "metrics", "outputs", "pywasm",
                "notes", "error", "extra"} <= set(w)
        for metric in w["metrics"].values():
            assert {"unit", "higher_is_better", "values", "ratio", "samples"} <= set(metric)
            for engine, value in metric["values"].items():
                assert value >= 0 if metric["unit"] == "bytes" else value > 0   # memory deltas may be 0
                assert len(metric["samples"][engine]) >= 1
            if {"fuzzrt", "wasmtime"} <= set(metric["values"]):
                ours, theirs = metric["values"]["fuzzrt"], metric["values"]["wasmtime"]
                if ours > 0 and theirs > 0:
                    expected = theirs / ours if metric["higher_is_better"] else ours / theirs
                    assert metric["ratio"] == pytest.approx(expected)
                else:
                    assert metric["ratio"] is None
    assert set(report["geomeans"]) == {"program", "kernel", "call"}
    assert {t["target"] for t in report["targets"]} >= {"program exec geomean (x wasmtime)"}


def test_engines_agree_on_checksums(quick_report: tuple[dict, str]) -> None:
    report, _ = quick_report
    by_name = {w["name"]: w for w in report["workloads"]}
    for w in report["workloads"]:
        assert w["status"] == OK, w
        assert w["outputs"]["fuzzrt"] == w["outputs"]["wasmtime"]
    interp = by_name["interp"]
    assert interp["size"] == 4
    assert interp["outputs"]["fuzzrt"].startswith("interp n=4 checksum=")
    assert set(interp["metrics"]) >= {"exec", "compile", "instantiate", "peak_mem", "run_mem"}
    assert by_name["fib"]["outputs"]["fuzzrt"] == "610"                 # fib(15)
    assert by_name["py_to_wasm"]["outputs"]["fuzzrt"] == "id(12345)=12345"
    assert by_name["wasm_to_host"]["outputs"]["wasmtime"] == "loop returned 2000, host saw 2000 calls"


@pytest.mark.skipif(not pywasm_available(), reason="pywasm (dev extra) not installed")
def test_pywasm_agrees_on_small_sizes(quick_report: tuple[dict, str]) -> None:
    report, table = quick_report
    for name in ("interp", "fib"):
        p = next(w for w in report["workloads"] if w["name"] == name)["pywasm"]
        assert p["error"] is None and not p["timed_out"]
        assert p["agrees"] is True
        assert p["speedup"] == pytest.approx(p["seconds"] / p["engine_seconds"]["fuzzrt"])
    assert "== pywasm" in table and "== targets ==" in table


def test_every_program_is_built_and_registered() -> None:
    sources = {p.stem for p in (BENCH_DIR / "src").glob("*.c")}
    assert sources == {p.stem for p in (BENCH_DIR / "bin").glob("*.wasm")}
    assert sources == {p.name for p in PROGRAMS}
    names = {w.name for w in registry.all_workloads()}
    assert sources <= names and {"fib", "loop", "matmul", "simd_dot", "py_to_wasm", "wasm_to_host",
                                 "compile_throughput", "fuzz_differential"} <= names


def test_select_by_name_and_category() -> None:
    assert [w.name for w in registry.select(["kernel"])][:3] == ["fib", "loop", "matmul"]
    assert {w.category for w in registry.select(["program"])} == {"program"}
    assert [w.name for w in registry.select(["qsort", "py_to_wasm"])] == ["qsort", "py_to_wasm"]
    with pytest.raises(ValueError, match="nosuch"):
        registry.select(["nosuch"])


def test_cli_rejects_unknown_workload() -> None:
    proc = subprocess.run([sys.executable, "-m", "fuzzrt", "bench", "--only", "nosuch"],
                          capture_output=True, text=True, cwd=ROOT, timeout=120,
                          env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert proc.returncode == 2 and "unknown workload" in proc.stderr


def test_rounds_alternate_and_respect_budget() -> None:
    orders = list(measure.rounds(["a", "b"], reps=4, budget_s=60))
    assert orders == [["a", "b"], ["b", "a"], ["a", "b"], ["b", "a"]]
    start = time.perf_counter()
    taken = 0
    for _ in measure.rounds(["a", "b"], reps=100, budget_s=0.05, min_reps=2):
        taken += 1
        time.sleep(0.03)
    assert 2 <= taken < 100 and time.perf_counter() - start < 5


@pytest.mark.skipif(not measure.peak_rss_supported(), reason="needs a resettable VmHWM (Linux)")
def test_peak_rss_sees_a_touched_allocation() -> None:
    with measure.PeakRss() as big:
        block = b"\x01" * (64 << 20)
        del block
    with measure.PeakRss() as small:
        pass
    assert big.delta is not None and big.delta >= 60 << 20
    assert small.delta is not None and small.delta < 16 << 20


def test_ratio_direction() -> None:
    cost = Metric("s", values={"fuzzrt": 2.0, "wasmtime": 1.0})
    rate = Metric("MB/s", values={"fuzzrt": 2.0, "wasmtime": 1.0}, higher_is_better=True)
    assert cost.ratio == 2.0 and rate.ratio == 0.5
    assert Metric("s", values={"fuzzrt": 1.0}).ratio is None


class _EngineNamedSession(Session):
    """Reports which engine ran it: two engines can never agree."""

    def __init__(self, inner: KernelSession, label: str):
        self.inner, self.label = inner, label

    def instantiate(self) -> None:
        self.inner.instantiate()

    def run(self) -> None:
        self.inner.run()

    def output(self) -> str:
        return f"{self.label}:{self.inner.output()}"


class _DisagreeingKernel(KernelWorkload):
    def session(self, api, engine, module, size, ctx):  # type: ignore[no-untyped-def]
        return _EngineNamedSession(KernelSession(api, engine, module, size), api.__name__)


def test_disagreeing_engines_are_reported_not_ranked(tmp_path: Path) -> None:
    ctx = registry.BenchContext(reps=1, quick=True, pywasm_timeout_s=0, scratch=tmp_path)
    result = _DisagreeingKernel(FIB).run(ctx)
    assert result.status == MISMATCH
    assert result.outputs["fuzzrt"] != result.outputs["wasmtime"]
    row = next(line for line in render([result], {}, []) if line.startswith("fib "))
    assert row.rstrip().endswith(MISMATCH)
    assert not re.search(r"\d\.\d\dx", row)     # no ratio is shown for outputs that disagree


@pytest.mark.skipif(not pywasm_available(), reason="pywasm (dev extra) not installed")
def test_pywasm_timeout_is_reported(tmp_path: Path) -> None:
    path = tmp_path / "fib.wasm"
    path.write_bytes(runtime.wat2wasm(FIB.wat))
    run = run_pywasm({"wasm": str(path), "mode": "invoke", "export": "run", "args": [40]}, 0.3)
    assert run.timed_out and run.seconds is None and run.error is None


def test_big_module_is_deterministic_and_valid() -> None:
    assert generate_wat(5, seed=3) == generate_wat(5, seed=3)
    assert generate_wat(5, seed=3) != generate_wat(5, seed=4)
    wasm = runtime.wat2wasm(generate_wat(5))
    results = set()
    for api in ENGINES.values():
        engine = api.Engine()
        store = api.Store(engine)
        run = api.Instance(store, api.Module(engine, wasm), []).exports(store)["run"]
        results.add(tuple(run(store, x) for x in (0, 1, 7)))
    assert len(results) == 1
