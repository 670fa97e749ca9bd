"""report.md: the report as GitHub-flavoured Markdown, for CI job summaries and PR comments.

Shorter than the HTML page (no charts, failures capped): it has to fit a job
summary and be read in a PR thread; the full data is in report.json.
"""
from __future__ import annotations

from typing import Any

MAX_FAILURES = 25


def _cell(text: Any) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def _table(headers: list[str], rows: list[list[Any]]) -> list[str]:
    lines = ["| " + " | ".join(headers) + " |", "|" + "|".join("---" for _ in headers) + "|"]
    lines += ["| " + " | ".join(_cell(c) for c in row) + " |" for row in rows]
    return lines + [""]


def _pct(value: float | None) -> str:
    return "–" if value is None else f"{value:.2f}%"


def _spec(spec: dict[str, Any] | None) -> list[str]:
    if spec is None:
        return ["## Spec conformance", "", "_No spec run in this report._", ""]
    total = spec["total"]
    rate = spec["pass_rate"]
    lines = ["## Spec conformance", "",
             f"**{'–' if rate is None else f'{100 * rate:.2f}%'}** of executed assertions passed "
             f"({total['passed']:,} of {total['passed'] + total['failed']:,}) over {len(spec['files'])} files; "
             f"{total['text']:,} text-format cases and {total['skipped']:,} skipped commands not run.", ""]
    baseline = spec["baseline"]
    if baseline is not None:
        below = ", ".join(f"`{n}`" for n in baseline["below"]) or "none"
        lines += [f"Baseline `{baseline['source']}`: {baseline['passed']:,} passed vs. {baseline['baseline']:,} "
                  f"recorded ({baseline['delta']:+,}); below it: {below}.", ""]
    if spec["problems"]:
        lines += ["Did not run to the end: " + ", ".join(f"`{n}` ({s})" for n, s in spec["problems"].items()), ""]
    lines += _table(["assertion type", "passed", "failed", "text", "skipped"],
                    [[cmd, t["passed"], t["failed"], t["text"], t["skipped"]] for cmd, t in spec["by_command"].items()])
    failures = [(f["name"], x) for f in spec["files"] for x in f["failures"]]
    if failures:
        lines += [f"<details><summary>{len(failures)} failures</summary>", ""]
        lines += _table(["file", "line", "command", "reason"],
                        [[name, x["line"], x["command"], x["reason"][:200]] for name, x in failures[:MAX_FAILURES]])
        if len(failures) > MAX_FAILURES:
            lines += [f"… and {len(failures) - MAX_FAILURES} more in report.json.", ""]
        lines += ["</details>", ""]
    return lines


def _campaigns(campaigns: list[dict[str, Any]]) -> list[str]:
    lines = ["## Fuzzing campaigns", ""]
    if not campaigns:
        return lines + ["_No fuzzing campaign in this report._", ""]
    return lines + _table(
        ["target", "engine", "jobs", "seconds", "execs", "execs/s", "conclusive", "findings", "unique",
         "edges", "runtime/ lines"],
        [[c["target"], c["engine"], c["jobs"], f"{c['seconds']:.0f}", f"{c['execs']:,}", f"{c['execs_per_sec']:.1f}",
          _pct(c["conclusive_pct"]), c["findings"], c["unique_findings"], c["coverage"],
          _pct(c["code_coverage"]["total"]["percent"]) if c["code_coverage"] else "–"] for c in campaigns])


def _findings(findings: list[dict[str, Any]]) -> list[str]:
    lines = ["## Findings", ""]
    if not findings:
        return lines + ["No findings.", ""]
    failing = sum(1 for f in findings if f["status"] in ("new", "regression"))
    lines += [f"{len(findings)} unique; **{failing} new or regressed**.", ""]
    return lines + _table(["status", "signature", "hits", "reproduce"], [
        [f"**{f['status']}**" if f["status"] != "known" else f["status"], f"`{f['signature']}`", f["hits"],
         f"`{f['repro']}`" if f["repro"] else "–"] for f in findings])


def _coverage(cov: dict[str, Any] | None) -> list[str]:
    lines = ["## Runtime code coverage", ""]
    if cov is None:
        return lines + ["_Not measured._", ""]
    rows = [[name, p["statements"], p["covered"], _pct(p["percent"])] for name, p in cov["packages"].items()]
    rows.append(["**total**", cov["total"]["statements"], cov["total"]["covered"],
                 f"**{_pct(cov['total']['percent'])}**"])
    return lines + _table(["package", "statements", "covered", "percent"], rows)


def _environment(runs: list[dict[str, Any]]) -> list[str]:
    lines = ["## Environment", ""]
    rows = []
    for run in runs:
        env = run["environment"] or {}
        rows.append([f"`{run['id']}`", env.get("fuzzrt", "–"), (env.get("git_commit") or "–")[:12],
                     env.get("wasmtime", "–"), f"{env.get('llvmlite', '–')} / LLVM {env.get('llvm', '–')}",
                     env.get("python", "–"), env.get("platform", "–")])
    return lines + _table(["run", "fuzzrt", "commit", "wasmtime", "llvmlite", "python", "platform"], rows)


def render_markdown(report: dict[str, Any]) -> str:
    """The Markdown summary of ``report``."""
    lines = ["# fuzzrt report", "", f"_generated {report['generated']}; full data in report.json, "
             "charts in report.html_", ""]
    lines += _spec(report["spec"])
    lines += _campaigns(report["campaigns"])
    lines += _findings(report["findings"])
    lines += _coverage(report["code_coverage"])
    lines += _environment(report["runs"])
    return "\n".join(lines)
