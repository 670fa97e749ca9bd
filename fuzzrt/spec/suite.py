"""A spec run: which ``.wast`` files, each executed in an isolated worker.

The engine is named by module (``api``, default ``runtime``) rather than passed
as an object, because it is imported inside each worker process.
"""
from __future__ import annotations

import importlib
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .convert import ConversionError, convert
from .diagnostics import summarize_exception
from .pool import Outcome, run_isolated
from .results import FileResult, SuiteReport
from .script import ScriptRunner

#: the engine a run drives: a module (or ``module:attribute``) implementing the runtime API
DEFAULT_API = "runtime"
TESTSUITE_ENV = "FUZZRT_TESTSUITE"
DEFAULT_TIMEOUT = 600.0


def repo_root() -> Path:
    """The checkout this package lives in (``pip install -e`` keeps it there)."""
    return Path(__file__).resolve().parents[2]


def default_testsuite() -> Path:
    """``$FUZZRT_TESTSUITE``, else ``shared/testsuite/wasm-2.0`` beside the checkout."""
    override = os.environ.get(TESTSUITE_ENV)
    if override:
        return Path(override)
    return repo_root().parent / "shared" / "testsuite" / "wasm-2.0"


def discover(paths: Sequence[Path]) -> list[Path]:
    """The ``.wast`` files named by ``paths``: files as given, directories expanded (sorted)."""
    found: list[Path] = []
    for path in paths:
        if path.is_dir():
            found.extend(sorted(path.glob("*.wast")))
        else:
            found.append(path)
    return found


def load_api(name: str) -> Any:
    """The engine named ``MODULE`` or ``MODULE:ATTRIBUTE`` (an object exposing the API)."""
    module_name, _, attribute = name.partition(":")
    module = importlib.import_module(module_name)
    return getattr(module, attribute) if attribute else module


@dataclass(frozen=True)
class Job:
    """What a worker needs to run one file (picklable)."""

    wast: str
    api: str


def run_job(job: Job, mark: Callable[[int], None]) -> FileResult:
    """Worker body: convert one file and run it.

    Everything that can go wrong short of a crash ends up inside the result.
    """
    path = Path(job.wast)
    result = FileResult(path.name)
    try:
        script = convert(path)
    except ConversionError as exc:
        result.status, result.detail = "error", str(exc)
        return result
    try:
        api = load_api(job.api)
        runner = ScriptRunner(api, script, result, mark)
    except Exception as exc:  # the engine cannot even start: the whole file is unrunnable
        result.status, result.detail = "error", f"engine setup failed: {summarize_exception(exc)}"
        return result
    runner.run()
    return result


def _file_result(job: Job, outcome: Outcome[FileResult]) -> FileResult:
    result = outcome.value or FileResult(Path(job.wast).name)
    if outcome.status != "ok":
        result.status = outcome.status
        result.detail = outcome.detail
        result.last_line = outcome.progress
    result.seconds = outcome.seconds
    return result


def run_suite(
    files: Sequence[Path],
    *,
    api: str = DEFAULT_API,
    jobs: int | None = None,
    timeout: float = DEFAULT_TIMEOUT,
    on_file: Callable[[FileResult], None] | None = None,
) -> SuiteReport:
    """Run ``files`` against the engine module ``api``, ``jobs`` files at a time
    (default: one per CPU), each in its own process limited to ``timeout`` s."""
    work = [Job(str(path), api) for path in files]
    results: list[FileResult | None] = [None] * len(work)

    def done(outcome: Outcome[FileResult]) -> None:
        result = results[outcome.index] = _file_result(work[outcome.index], outcome)
        if on_file is not None:
            on_file(result)

    run_isolated(
        run_job,
        work,
        jobs=jobs or os.cpu_count() or 1,
        timeout=timeout,
        on_done=done,
        preload=(api.partition(":")[0], __name__),
    )
    return SuiteReport([result for result in results if result is not None])
