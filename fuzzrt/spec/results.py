"""What a spec run found: per-command tallies, failures, per-file status.

These are plain data so they cross the worker-process boundary (pickle) and
serialise to the ``--json`` report unchanged.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

#: a file ran to the end ("ok"), was not run ("skipped": kept in the report
#: format, though every file, SIMD included, now runs), could not be run ("error": conversion or import failed), or took its worker down
STATUSES = ("ok", "skipped", "error", "crashed", "timeout")
#: statuses that make a run fail whatever the pass counts
PROBLEM_STATUSES = frozenset({"error", "crashed", "timeout"})
#: what a single command can come to
OUTCOMES = ("passed", "failed", "text", "skipped")


@dataclass
class Tally:
    """Counts of one command type.  ``text`` counts text-format
    assert_malformed/assert_invalid cases, which test a text parser, not us."""

    passed: int = 0
    failed: int = 0
    text: int = 0
    skipped: int = 0

    def add(self, other: Tally) -> None:
        self.passed += other.passed
        self.failed += other.failed
        self.text += other.text
        self.skipped += other.skipped

    def pass_rate(self) -> float | None:
        """Passed over executed (passed + failed); None when nothing executed."""
        executed = self.passed + self.failed
        return self.passed / executed if executed else None


@dataclass(frozen=True)
class Failure:
    file: str
    line: int
    command: str
    reason: str


@dataclass
class FileResult:
    """Everything about one ``.wast`` file."""

    name: str
    status: str = "ok"
    detail: str = ""
    tallies: dict[str, Tally] = field(default_factory=dict)
    #: per command type, which WasmError class rejected the module, and how often
    error_classes: dict[str, dict[str, int]] = field(default_factory=dict)
    failures: list[Failure] = field(default_factory=list)
    seconds: float = 0.0
    #: line of the command in progress when the worker crashed or timed out
    last_line: int | None = None

    def count(self, command: str, outcome: str) -> None:
        tally = self.tallies.setdefault(command, Tally())
        setattr(tally, outcome, getattr(tally, outcome) + 1)

    def fail(self, command: str, line: int, reason: str) -> None:
        self.count(command, "failed")
        self.failures.append(Failure(self.name, line, command, reason))

    def note_error_class(self, command: str, error: BaseException) -> None:
        classes = self.error_classes.setdefault(command, {})
        name = type(error).__name__
        classes[name] = classes.get(name, 0) + 1

    def total(self) -> Tally:
        total = Tally()
        for tally in self.tallies.values():
            total.add(tally)
        return total


@dataclass
class SuiteReport:
    """All files of a run, in the order they were requested."""

    files: list[FileResult]

    def totals_by_command(self) -> dict[str, Tally]:
        totals: dict[str, Tally] = {}
        for result in self.files:
            for command, tally in result.tallies.items():
                totals.setdefault(command, Tally()).add(tally)
        return dict(sorted(totals.items()))

    def total(self) -> Tally:
        total = Tally()
        for tally in self.totals_by_command().values():
            total.add(tally)
        return total

    def error_classes(self) -> dict[str, dict[str, int]]:
        """Per command type, how many rejections each WasmError class accounted for."""
        merged: dict[str, dict[str, int]] = {}
        for result in self.files:
            for command, classes in result.error_classes.items():
                into = merged.setdefault(command, {})
                for name, count in classes.items():
                    into[name] = into.get(name, 0) + count
        return {command: dict(sorted(classes.items())) for command, classes in sorted(merged.items())}

    def problems(self) -> list[FileResult]:
        """Files that crashed, timed out or could not be run."""
        return [result for result in self.files if result.status in PROBLEM_STATUSES]

    def failures(self) -> list[Failure]:
        return [failure for result in self.files for failure in result.failures]

    def to_json(self) -> dict[str, Any]:
        total = self.total()
        return {
            "files": {
                result.name: {
                    "status": result.status,
                    "detail": result.detail,
                    "seconds": round(result.seconds, 3),
                    "last_line": result.last_line,
                    **asdict(result.total()),
                    "by_command": {command: asdict(tally) for command, tally in sorted(result.tallies.items())},
                    "error_classes": result.error_classes,
                }
                for result in self.files
            },
            "totals": {command: asdict(tally) for command, tally in self.totals_by_command().items()},
            "total": asdict(total),
            "pass_rate": total.pass_rate(),
            "error_classes": self.error_classes(),
            "problems": {result.name: result.status for result in self.problems()},
            "failures": [asdict(failure) for failure in self.failures()],
        }
