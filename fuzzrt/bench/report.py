"""Turning results into the text table, the geomeans and the acceptance check.

Sections follow categories in the order their workloads ran; each section
shows the metrics its workloads reported (fuzzrt, wasmtime, ratio for each),
then a geomean row of the ratios over the workloads whose engines agreed.
The pywasm comparison, the issue's acceptance targets and any notes follow.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

from .measure import geomean
from .results import OK, REFERENCE, SUBJECT, Result

#: column order of the metrics within a section; metrics not listed follow in report order
METRIC_ORDER = ("exec", "compile", "instantiate", "first_instantiate", "peak_mem", "run_mem", "call",
                "warm_compile", "compile_throughput", "campaign_execs", "job_execs")
#: metrics the table leaves to the JSON (too many columns otherwise)
JSON_ONLY = {(category, metric) for category in ("program", "kernel")
             for metric in ("run_mem", "compile_throughput", "first_instantiate")}
LABELS = {"exec": "exec", "compile": "compile", "instantiate": "instantiate",
          "first_instantiate": "1st instantiate", "peak_mem": "peak mem",
          "run_mem": "run mem", "call": "per call", "warm_compile": "warm compile",
          "compile_throughput": "MB/s cold", "campaign_execs": "campaign", "job_execs": "job"}


def format_value(value: float | None, unit: str) -> str:
    if value is None:
        return "-"
    if unit == "s":
        if value < 1e-3:
            return f"{value * 1e6:.1f}us"
        if value < 1.0:
            return f"{value * 1e3:.1f}ms"
        return f"{value:.2f}s"
    if unit == "bytes":
        return f"{value / 2**20:.1f}MiB"
    if unit == "us":
        return f"{value:.2f}us"
    if unit == "MB/s":
        return f"{value:.3f}MB/s"
    if unit == "execs/s":
        return f"{value:.1f}/s"
    return f"{value:.3g}{unit}"


def format_ratio(ratio: float | None) -> str:
    return "-" if ratio is None else f"{ratio:.2f}x"


def categories(results: list[Result]) -> list[str]:
    seen: list[str] = []
    for r in results:
        if r.category not in seen:
            seen.append(r.category)
    return seen


def section_metrics(results: list[Result], category: str) -> list[str]:
    names: list[str] = []
    for r in results:
        for name in r.metrics:
            if r.category == category and name not in names and (category, name) not in JSON_ONLY:
                names.append(name)
    order = {name: i for i, name in enumerate(METRIC_ORDER)}
    return sorted(names, key=lambda n: order.get(n, len(order)))


def geomeans(results: list[Result]) -> dict[str, dict[str, float | None]]:
    """Per category and metric: the geomean of fuzzrt/wasmtime ratios over agreeing workloads."""
    out: dict[str, dict[str, float | None]] = {}
    for category in categories(results):
        ok = [r for r in results if r.category == category and r.status == OK]
        names = {name for r in ok for name in r.metrics}
        ratios = {name: geomean([r.metrics[name].ratio for r in ok if name in r.metrics]) for name in names}
        out[category] = {name: value for name, value in sorted(ratios.items()) if value is not None}
    return out


def pywasm_geomean(results: list[Result]) -> float | None:
    return geomean([r.pywasm.speedup for r in results
                    if r.pywasm is not None and r.pywasm.agrees is not False])


def _grid(rows: list[list[str]]) -> list[str]:
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    return ["  ".join(cell.ljust(w) if i == 0 else cell.rjust(w) for i, (cell, w) in enumerate(zip(row, widths)))
            for row in rows]


def _section(results: list[Result], category: str, means: dict[str, float | None]) -> list[str]:
    rows_of = [r for r in results if r.category == category]
    metrics = section_metrics(results, category)
    # a metric only the runtime reports (e.g. fuzzing speed) gets no wasmtime and ratio columns
    compared = {name: any(REFERENCE in r.metrics[name].values for r in rows_of if name in r.metrics)
                for name in metrics}
    header = ["workload", "size"]
    for name in metrics:
        label = LABELS.get(name, name)
        header += [f"{label} {SUBJECT}", REFERENCE, "ratio"] if compared[name] else [f"{label} {SUBJECT}"]
    header.append("check")
    rows = [header]
    for r in rows_of:
        row = [r.name, "-" if r.size is None else str(r.size)]
        for name in metrics:
            m = r.metrics.get(name)
            width = 3 if compared[name] else 1
            if m is None:
                row += ["-"] * width
                continue
            row.append(format_value(m.values.get(SUBJECT), m.unit))
            if compared[name]:
                row += [format_value(m.values.get(REFERENCE), m.unit),
                        format_ratio(m.ratio) if r.status == OK else "-"]
        row.append(r.status)
        rows.append(row)
    if any(means.get(name) is not None for name in metrics):
        row = ["geomean", ""]
        for name in metrics:
            row += ["", "", format_ratio(means.get(name))] if compared[name] else [""]
        rows.append(row + [""])
    return [f"== {category} =="] + _grid(rows)


def _pywasm_section(results: list[Result]) -> list[str]:
    compared = [r for r in results if r.pywasm is not None]
    if not compared:
        return []
    rows = [["workload", "size", "pywasm", SUBJECT, REFERENCE, f"{SUBJECT} speedup", "check"]]
    for r in compared:
        p = r.pywasm
        assert p is not None
        speedup = p.speedup
        shown = "-" if speedup is None else f"{'>=' if p.timed_out else ''}{speedup:,.0f}x"
        pyw = f">{p.timeout_s:g}s" if p.timed_out else format_value(p.seconds, "s")
        check = p.error or ("ok" if p.agrees else "timeout" if p.timed_out else "mismatch")
        rows.append([r.name, str(p.size), pyw, format_value(p.engine_seconds.get(SUBJECT), "s"),
                     format_value(p.engine_seconds.get(REFERENCE), "s"), shown, check])
    mean = pywasm_geomean(results)
    rows.append(["geomean", "", "", "", "", "-" if mean is None else f"{mean:,.0f}x", ""])
    return ["== pywasm (small sizes, execution only) =="] + _grid(rows)


@dataclass(frozen=True)
class Target:
    """One acceptance criterion of the performance issue."""

    label: str
    limit: float
    at_most: bool
    value: Callable[[list[Result], dict[str, dict[str, float | None]]], float | None]

    def check(self, results: list[Result], means: dict[str, dict[str, float | None]]) -> dict[str, Any]:
        value = self.value(results, means)
        met = None if value is None else (value <= self.limit if self.at_most else value >= self.limit)
        return {"target": self.label, "value": value, "limit": self.limit,
                "at_most": self.at_most, "met": met}


def _metric_of(name: str, metric: str, engine: str = SUBJECT) -> Callable[..., float | None]:
    def get(results: list[Result], means: dict) -> float | None:
        for r in results:
            if r.name == name and r.status == OK and metric in r.metrics:
                return r.metrics[metric].values.get(engine)
        return None
    return get


def _warm_over_cold(results: list[Result], means: dict) -> float | None:
    for r in results:
        if r.name == "compile_throughput" and r.status == OK:
            return r.extra.get("warm_over_cold", {}).get(SUBJECT)
    return None


TARGETS: tuple[Target, ...] = (
    Target("program exec geomean (x wasmtime)", 1.2, True, lambda rs, m: m.get("program", {}).get("exec")),
    Target("program compile geomean (x wasmtime)", 3.0, True, lambda rs, m: m.get("program", {}).get("compile")),
    Target("warm / cold compile (fuzzrt)", 0.2, True, _warm_over_cold),
    Target("Python->wasm call (us)", 1.0, True, _metric_of("py_to_wasm", "call")),
    Target("differential fuzzing (execs/s, job)", 100.0, False,
           _metric_of("fuzz_differential", "job_execs")),
    Target("speedup over pywasm (geomean)", 1000.0, False, lambda rs, m: pywasm_geomean(rs)),
)


def check_targets(results: list[Result], means: dict[str, dict[str, float | None]]) -> list[dict[str, Any]]:
    return [t.check(results, means) for t in TARGETS]


def render(results: list[Result], means: dict[str, dict[str, float | None]],
           targets: list[dict[str, Any]]) -> list[str]:
    lines = [f"ratio = {SUBJECT} / {REFERENCE} (for MB/s and execs/s: {REFERENCE} / {SUBJECT}); "
             f"below 1.00x {SUBJECT} is better.  Medians."]
    for category in categories(results):
        lines += [""] + _section(results, category, means.get(category, {}))
    pyw = _pywasm_section(results)
    if pyw:
        lines += [""] + pyw
    measured = [t for t in targets if t["value"] is not None]
    if measured:
        lines += ["", "== targets =="]
        for t in measured:
            verdict = "met" if t["met"] else "NOT met"
            sign = "<=" if t["at_most"] else ">="
            lines.append(f"{t['target']:<40} {t['value']:>12.3f}  (target {sign} {t['limit']:g})  {verdict}")
    notes = [(r.name, n) for r in results for n in r.notes] + \
            [(r.name, f"ERROR: {r.error}") for r in results if r.error]
    if notes:
        lines += ["", "== notes =="] + [f"{name}: {note}" for name, note in notes]
    return lines
