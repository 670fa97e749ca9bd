"""Plain-text rendering of a :class:`SuiteReport` for the terminal."""
from __future__ import annotations

from .results import FileResult, SuiteReport, Tally


def _status(result: FileResult) -> str:
    if result.status in ("crashed", "timeout", "error"):
        where = f" at line {result.last_line}" if result.last_line is not None else ""
        return f"{result.status.upper()}{where}: {result.detail}"
    return result.status


def _rate(tally: Tally) -> str:
    rate = tally.pass_rate()
    return "-" if rate is None else f"{rate:.2%}"


def file_table(report: SuiteReport) -> str:
    """One row per file: counts, time and status (problems spelled out)."""
    width = max([len(result.name) for result in report.files] + [4])
    lines = [f"{'file':<{width}}  {'pass':>6} {'fail':>6} {'skip':>6} {'text':>6} {'secs':>7}  status"]
    for result in report.files:
        total = result.total()
        lines.append(
            f"{result.name:<{width}}  {total.passed:>6} {total.failed:>6} {total.skipped:>6} {total.text:>6}"
            f" {result.seconds:>7.1f}  {_status(result)}"
        )
    return "\n".join(lines)


def command_table(report: SuiteReport) -> str:
    """Totals per command type, then the overall line."""
    totals = report.totals_by_command()
    width = max([len(command) for command in totals] + [len("total")])
    lines = [f"{'command':<{width}}  {'pass':>7} {'fail':>7} {'skip':>7} {'text':>7}  rate"]
    rows = list(totals.items()) + [("total", report.total())]
    for command, tally in rows:
        counts = f"{tally.passed:>7} {tally.failed:>7} {tally.skipped:>7} {tally.text:>7}"
        lines.append(f"{command:<{width}}  {counts}  {_rate(tally)}")
    for command, classes in report.error_classes().items():
        spread = ", ".join(f"{name} {count}" for name, count in classes.items())
        lines.append(f"{command} rejected with: {spread}")
    return "\n".join(lines)


def summary(report: SuiteReport) -> str:
    """The one-paragraph verdict: pass rate and every file that did not run cleanly."""
    total = report.total()
    executed = total.passed + total.failed
    lines = [
        f"pass rate: {_rate(total)} ({total.passed} of {executed} executed commands passed; "
        f"{total.text} text-format cases and {total.skipped} skipped commands not run) "
        f"over {len(report.files)} files"
    ]
    for result in report.problems():
        lines.append(f"  {result.name}: {_status(result)}")
    return "\n".join(lines)


def failure_sample(report: SuiteReport, limit: int) -> str:
    """The first ``limit`` failures, one per line."""
    failures = report.failures()
    lines = [f"{f.file}:{f.line}: {f.command}: {f.reason}" for f in failures[:limit]]
    if len(failures) > limit:
        lines.append(f"... and {len(failures) - limit} more (see --json)")
    return "\n".join(lines)
