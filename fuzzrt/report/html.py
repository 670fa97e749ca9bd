"""report.html: the whole report as one self-contained page (inline CSS and SVG, no scripts).

It is read from CI artifacts and attachments, offline: nothing is fetched,
long lists fold into ``<details>``, and links to artifacts are relative to
the page so they keep working when the report directory and the artifacts
are downloaded together.
"""
from __future__ import annotations

import os
from html import escape
from pathlib import Path
from typing import Any

from .svg import PALETTE, line_chart, percent_bars, stacked_bars

CSS = """
:root { --fg: #1a202c; --muted: #5a6475; --line: #d8dee8; --bg: #ffffff; --panel: #f6f8fb;
        --ok: #2f855a; --bad: #c53030; --warn: #b7791f; }
* { box-sizing: border-box; }
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--fg);
       background: var(--bg); margin: 0 auto; max-width: 1180px; padding: 24px; }
h1 { font-size: 24px; margin: 0 0 4px; } h2 { font-size: 19px; margin: 32px 0 8px;
     border-bottom: 1px solid var(--line); padding-bottom: 4px; } h3 { font-size: 15px; margin: 18px 0 6px; }
.muted { color: var(--muted); }
.cards { display: flex; flex-wrap: wrap; gap: 12px; margin: 16px 0; }
.card { background: var(--panel); border: 1px solid var(--line); border-radius: 6px; padding: 10px 14px;
        min-width: 160px; }
.card .value { font-size: 22px; font-weight: 600; } .card .label { color: var(--muted); font-size: 12px; }
table { border-collapse: collapse; margin: 6px 0 12px; font-size: 13px; }
th, td { border-bottom: 1px solid var(--line); padding: 3px 10px 3px 0; text-align: left; vertical-align: top; }
th { font-weight: 600; } td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
code { font: 12px ui-monospace, SFMono-Regular, Menlo, monospace; background: var(--panel);
       padding: 1px 4px; border-radius: 3px; word-break: break-all; }
.badge { display: inline-block; padding: 0 6px; border-radius: 3px; font-size: 12px; font-weight: 600;
         color: #fff; }
.badge.new, .badge.regression, .badge.bad { background: var(--bad); } .badge.known { background: var(--warn); }
.badge.ok { background: var(--ok); } .badge.skipped { background: var(--muted); }
.pos { color: var(--ok); } .neg { color: var(--bad); }
.charts { display: flex; flex-wrap: wrap; gap: 10px; }
svg.chart { background: var(--panel); border: 1px solid var(--line); border-radius: 4px; }
svg .chart-title { font-size: 12px; font-weight: 600; fill: var(--fg); }
svg .tick, svg .axis-label { font-size: 10px; fill: var(--muted); } svg .empty { font-size: 11px; fill: var(--muted); }
svg .grid { stroke: var(--line); stroke-width: 1; } svg .axis { stroke: var(--muted); stroke-width: 1; }
svg .track { fill: #e7ebf1; }
details { margin: 6px 0; } summary { cursor: pointer; color: var(--muted); }
"""

_SPEC_COLORS = {"passed": "#2f855a", "failed": "#c53030", "text": "#a0aec0", "skipped": "#cbd5e0"}


def _num(value: Any) -> str:
    if value is None:
        return "–"
    if isinstance(value, float):
        return f"{value:,.2f}"
    return f"{value:,}"


def _pct(value: float | None) -> str:
    return "–" if value is None else f"{value:.2f}%"


def _delta(value: int | None) -> str:
    if value is None or value == 0:
        return "" if value is None else "±0"
    cls = "pos" if value > 0 else "neg"
    return f'<span class="{cls}">{value:+,}</span>'


def _table(headers: list[str], rows: list[list[str]], numeric: set[int] = frozenset()) -> str:
    head = "".join(f'<th class="num">{escape(h)}</th>' if i in numeric else f"<th>{escape(h)}</th>"
                   for i, h in enumerate(headers))
    body = "".join("<tr>" + "".join(f'<td class="num">{c}</td>' if i in numeric else f"<td>{c}</td>"
                                    for i, c in enumerate(row)) + "</tr>" for row in rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _card(value: str, label: str) -> str:
    return f'<div class="card"><div class="value">{value}</div><div class="label">{escape(label)}</div></div>'


def _link(path: str | None, out_dir: Path, label: str) -> str:
    if not path:
        return '<span class="muted">not at hand</span>'
    href = os.path.relpath(Path(path).resolve(), Path(out_dir).resolve())
    return f'<a href="{escape(Path(href).as_posix())}/artifact.json">{escape(label)}</a>'


# -- sections ---------------------------------------------------------------------------------
def _summary(report: dict[str, Any]) -> str:
    cards = []
    spec = report["spec"]
    if spec is not None:
        rate = spec["pass_rate"]
        cards.append(_card("–" if rate is None else f"{100 * rate:.2f}%", "spec assertions passed"))
        if spec["baseline"] is not None:
            cards.append(_card(_delta(spec["baseline"]["delta"]), "passed vs. baseline"))
    campaigns = report["campaigns"]
    if campaigns:
        cards.append(_card(_num(sum(c["execs"] for c in campaigns)), f"executions in {len(campaigns)} campaigns"))
    statuses = [f["status"] for f in report["findings"]]
    cards.append(_card(str(len(statuses)), "unique findings"))
    failing = sum(1 for s in statuses if s in ("new", "regression"))
    if failing:
        cards.append(_card(f'<span class="neg">{failing}</span>', "new or regressed"))
    cov = report["code_coverage"]
    if cov is not None:
        cards.append(_card(_pct(cov["total"]["percent"]), "runtime/ lines covered by fuzzing"))
    return '<div class="cards">' + "".join(cards) + "</div>"


def _spec(spec: dict[str, Any] | None) -> str:
    if spec is None:
        return "<h2 id=\"spec\">Spec conformance</h2><p class=\"muted\">No spec run in this report.</p>"
    parts = ['<h2 id="spec">Spec conformance</h2>']
    total = spec["total"]
    parts.append(f"<p>{_num(total['passed'])} of {_num(total['passed'] + total['failed'])} executed assertions "
                 f"passed over {len(spec['files'])} files; {_num(total['text'])} text-format cases and "
                 f"{_num(total['skipped'])} skipped commands not run.</p>")
    baseline = spec["baseline"]
    if baseline is not None:
        below = ", ".join(escape(n) for n in baseline["below"]) or "none"
        parts.append(f"<p>Against the baseline <code>{escape(baseline['source'])}</code>: "
                     f"{_num(baseline['passed'])} passed vs. {_num(baseline['baseline'])} recorded "
                     f"({_delta(baseline['delta'])}); files below it: {below}; "
                     f"above it: {len(baseline['above'])}; not in it: {len(baseline['unrecorded'])}.</p>")
    if spec["problems"]:
        parts.append("<p class=\"neg\">Files that did not run to the end: " + ", ".join(
            f"{escape(n)} ({escape(s)})" for n, s in spec["problems"].items()) + "</p>")
    rows = [(cmd, [(k, t[k]) for k in _SPEC_COLORS]) for cmd, t in spec["by_command"].items()]
    parts.append(stacked_bars(rows, _SPEC_COLORS, title="assertions per type"))
    parts.append("<h3>Per assertion type</h3>")
    parts.append(_table(["type", "passed", "failed", "text", "skipped", "pass rate"], [
        [escape(cmd), _num(t["passed"]), _num(t["failed"]), _num(t["text"]), _num(t["skipped"]),
         _pct(100 * t["passed"] / (t["passed"] + t["failed"]) if t["passed"] + t["failed"] else None)]
        for cmd, t in spec["by_command"].items()], numeric={1, 2, 3, 4, 5}))
    file_rows = []
    for f in spec["files"]:
        badge = f["status"] if f["status"] in ("ok", "skipped") else "bad"
        status = f'<span class="badge {badge}">{escape(f["status"])}</span>'
        file_rows.append([escape(f["name"]), status, _num(f["passed"]),
                          _num(f["failed"]), _num(f["text"]), _num(f["skipped"]), _num(f["baseline"]),
                          _delta(f["delta"]), f"{f['seconds']:.1f}"])
    parts.append(f"<details><summary>Per file ({len(spec['files'])} files)</summary>")
    parts.append(_table(["file", "status", "passed", "failed", "text", "skipped", "baseline", "Δ", "s"], file_rows,
                        numeric={2, 3, 4, 5, 6, 7, 8}))
    parts.append("</details>")
    failures = [(f["name"], x) for f in spec["files"] for x in f["failures"]]
    if failures:
        parts.append(f"<details open><summary>{len(failures)} failures</summary>")
        parts.append(_table(["file", "line", "command", "reason"], [
            [escape(name), _num(x["line"]), escape(x["command"]), escape(x["reason"])] for name, x in failures]))
        parts.append("</details>")
    else:
        parts.append("<p>No failing assertions.</p>")
    return "".join(parts)


def _campaigns(report: dict[str, Any]) -> str:
    campaigns = report["campaigns"]
    parts = ['<h2 id="fuzzing">Fuzzing campaigns</h2>']
    if not campaigns:
        return parts[0] + '<p class="muted">No fuzzing campaign in this report.</p>'
    rows = [[escape(c["target"]), escape(c["engine"]), _num(c["jobs"]), f"{c['seconds']:.0f}", _num(c["execs"]),
             f"{c['execs_per_sec']:.1f}", _pct(c["conclusive_pct"]), _num(c["inconclusive"]), _num(c["findings"]),
             _num(c["unique_findings"]), _num(c["coverage"]),
             _pct(c["code_coverage"]["total"]["percent"]) if c["code_coverage"] else "–",
             f'<span class="muted">{escape(c["run"])}</span>'] for c in campaigns]
    parts.append(_table(["target", "engine", "jobs", "s", "execs", "execs/s", "conclusive", "inconclusive",
                         "findings", "unique", "edges", "runtime/ lines", "run"], rows,
                        numeric=set(range(2, 12))))
    for i, c in enumerate(campaigns):
        color = PALETTE[i % len(PALETTE)]
        parts.append(f'<h3 id="campaign-{i}">{escape(c["target"])} <span class="muted">({escape(c["id"])})</span></h3>')
        timeline = c["timeline"]
        parts.append('<div class="charts">')
        parts.append(line_chart([(s["t"], s["execs"]) for s in timeline], title="executions", color=color))
        parts.append(line_chart([(s["t"], s["coverage"]) for s in timeline],
                                title=f"coverage ({c['coverage_kind']})", color=color))
        parts.append(line_chart([(s["t"], s["unique_findings"]) for s in timeline], title="unique findings",
                                step=True, color=color))
        parts.append("</div>")
        if c["inconclusive_reasons"]:
            parts.append("<p class=\"muted\">inconclusive: " + ", ".join(
                f"{escape(k)} {_num(v)}" for k, v in c["inconclusive_reasons"].items()) + "</p>")
        if c["job_failures"]:
            parts.append(f'<p class="neg">{c["job_failures"]} job(s) exited early and were restarted.</p>')
        if c["corpus"]:
            parts.append(f'<p class="muted">corpus <code>{escape(c["corpus"])}</code></p>')
    return "".join(parts)


def _findings(report: dict[str, Any], out_dir: Path) -> str:
    findings = report["findings"]
    parts = ['<h2 id="findings">Findings</h2>']
    if not findings:
        return parts[0] + "<p>No findings.</p>"
    parts.append('<p class="muted">Unique signatures over every campaign. <b>new</b>: not in the known list; '
                 "<b>regression</b>: a fixed finding (corpora/regressions) is back; <b>known</b>: listed in the "
                 "known-findings file.</p>")
    rows = []
    for f in findings:
        repro = f"<code>{escape(f['repro'])}</code>" if f["repro"] else '<span class="muted">–</span>'
        rows.append([f'<span class="badge {f["status"]}">{f["status"]}</span>', escape(f["target"]),
                     f"<code>{escape(f['signature'])}</code><br>{escape(f['message'])}", _num(f["hits"]),
                     _link(f["artifact"], out_dir, "artifact"), repro])
    parts.append(_table(["status", "target", "signature", "hits", "artifact", "reproduce"], rows, numeric={3}))
    return "".join(parts)


def _coverage(report: dict[str, Any]) -> str:
    cov = report["code_coverage"]
    parts = ['<h2 id="coverage">Runtime code coverage</h2>']
    if cov is None:
        return parts[0] + '<p class="muted">Not measured (campaigns ran without coverage.py).</p>'
    parts.append(f"<p>Lines of <code>runtime/</code> executed by any campaign: {_num(cov['total']['covered'])} of "
                 f"{_num(cov['total']['statements'])} ({_pct(cov['total']['percent'])}). A worker killed by a "
                 "crash or a hang loses its data, so these are lower bounds.</p>")
    parts.append(percent_bars([(name, p["percent"]) for name, p in cov["packages"].items()],
                              title="lines covered per package, all campaigns"))
    measured = [c for c in report["campaigns"] if c["code_coverage"]]
    headers = ["package", "statements", "all campaigns"] + [c["target"] for c in measured]
    rows = []
    for name, p in cov["packages"].items():
        rows.append([escape(name), _num(p["statements"]), _pct(p["percent"])] + [
            _pct(c["code_coverage"]["packages"].get(name, {}).get("percent")) for c in measured])
    rows.append(["<b>total</b>", _num(cov["total"]["statements"]), f"<b>{_pct(cov['total']['percent'])}</b>"] + [
        _pct(c["code_coverage"]["total"]["percent"]) for c in measured])
    parts.append(_table(headers, rows, numeric=set(range(1, len(headers)))))
    return "".join(parts)


def _environment(report: dict[str, Any]) -> str:
    parts = ['<h2 id="environment">Environment</h2>']
    keys = ["fuzzrt", "git_commit", "git_dirty", "python", "platform", "cpus", "wasmtime", "llvmlite", "llvm",
            "wasm_tools", "atheris", "hypothesis", "coverage"]
    runs = report["runs"]
    rows = [[escape(key)] + [escape(str(r["environment"].get(key))) if r["environment"] else "–" for r in runs]
            for key in keys]
    rows.insert(0, ["finished"] + [escape(str(r["finished"] or "–")) for r in runs])
    rows.insert(1, ["source"] + [escape(r["source"]) for r in runs])
    parts.append(_table(["run"] + [r["id"] for r in runs], rows))
    return "".join(parts)


def render_html(report: dict[str, Any], out_dir: Path) -> str:
    """The page for ``report``, with artifact links relative to ``out_dir`` (where it will be written)."""
    return "".join([
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">",
        "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">",
        "<title>fuzzrt report</title><style>", CSS, "</style></head><body>",
        "<h1>fuzzrt report</h1>",
        f"<p class=\"muted\">generated {escape(report['generated'])} · schema {escape(report['format'])} "
        f"v{report['version']} · {len(report['runs'])} run(s) · "
        "<a href=\"#spec\">spec</a> · <a href=\"#fuzzing\">fuzzing</a> · <a href=\"#findings\">findings</a> · "
        "<a href=\"#coverage\">coverage</a> · <a href=\"#environment\">environment</a></p>",
        _summary(report), _spec(report["spec"]), _campaigns(report), _findings(report, out_dir),
        _coverage(report), _environment(report),
        "</body></html>\n",
    ])
