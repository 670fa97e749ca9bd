"""A run that produces report inputs: the spec run and a short campaign per fuzz target.

This is what ``fuzzrt report`` (without ``--from``), ``fuzzrt main`` and
``ci/fuzz.sh`` execute.  Results land in a results directory as plain JSON
(``session.json`` naming ``spec.json`` and one ``campaign-<target>.json`` per
target), so a report can be rebuilt or merged later without re-running
anything.  Campaigns are the harness's own (``fuzzrt.campaign.manager``),
observed from outside: a sampler thread records their time series and, when
coverage.py is installed, every process they start measures ``runtime/``.
"""
from __future__ import annotations

import io
import json
import os
import shutil
import socket
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from tqdm import tqdm

from . import codecov
from .environment import environment
from .inputs import SESSION_FILE, SESSION_FORMAT
from .timeline import TimelineSampler

SPEC_FILE = "spec.json"
COVERAGE_DIR = "coverage"
#: a campaign shorter than this spends most of its time starting up
MIN_CAMPAIGN_SECONDS = 10.0


class SessionError(Exception):
    """The run cannot start: an unknown target, no testsuite."""


@dataclass(slots=True)
class SessionOptions:
    results_dir: Path
    spec: bool = True                                          # the default testsuite ($FUZZRT_TESTSUITE)
    spec_jobs: int = os.cpu_count() or 1
    fuzz: bool = True
    targets: list[str] | None = None                           # None: every registered target
    fuzz_seconds: float = 90.0                                 # total, split evenly over the targets
    jobs: int = 1
    coverage: bool = True
    engine: str = "atheris"
    seed: int | None = None
    work_dir: Path = Path("out/fuzz")
    artifacts: Path = Path("out/fuzz/artifacts")
    corpus_root: Path | None = None                            # per-target corpus DIR/<target>


@dataclass(slots=True)
class SessionResult:
    session_file: Path
    interrupted: bool = False


def _now() -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%S%z")


def _write_json(path: Path, data: Any) -> None:
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(json.dumps(data, indent=1) + "\n", encoding="utf-8")
    os.replace(tmp, path)


@contextmanager
def _environ(extra: dict[str, str]) -> Iterator[None]:
    """``os.environ`` with ``extra`` set, for the child processes started meanwhile."""
    saved = {key: os.environ.get(key) for key in extra}
    os.environ.update(extra)
    try:
        yield
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def _clear_previous(results_dir: Path) -> None:
    """Remove a previous session's files (only those: the directory may hold other things)."""
    for name in (SESSION_FILE, SPEC_FILE):
        (results_dir / name).unlink(missing_ok=True)
    for path in results_dir.glob("campaign-*.json"):
        path.unlink()
    shutil.rmtree(results_dir / COVERAGE_DIR, ignore_errors=True)


def resolve_targets(names: list[str] | None) -> list[str]:
    """The targets to fuzz, checked against the registry (``SessionError`` names the unknown one)."""
    from fuzzrt.campaign.registry import all_targets

    known = list(all_targets())
    if names is None:
        return known
    unknown = [name for name in names if name not in known]
    if unknown:
        raise SessionError(f"unknown target(s) {', '.join(unknown)}; known targets: {', '.join(known)}")
    return list(names)


# -- the spec run ----------------------------------------------------------------------------
def run_spec(options: SessionOptions, out: IO[str]) -> dict[str, Any]:
    """Run the testsuite with a progress bar; the results as ``fuzzrt spec --json`` writes them."""
    from fuzzrt.spec import DEFAULT_API, default_testsuite, discover, run_suite
    from fuzzrt.spec.report import summary
    from fuzzrt.spec.suite import DEFAULT_TIMEOUT

    testsuite = default_testsuite()
    if not testsuite.exists():
        raise SessionError(f"spec testsuite not found: {testsuite} (set $FUZZRT_TESTSUITE?)")
    files = discover([testsuite])
    if not files:
        raise SessionError(f"no .wast files in {testsuite}")
    with tqdm(total=len(files), unit="file", desc="spec", dynamic_ncols=True, file=sys.stderr) as bar:

        def on_file(result: Any) -> None:
            bar.set_postfix_str(result.name, refresh=False)
            bar.update(1)

        report = run_suite(files, api=DEFAULT_API, jobs=options.spec_jobs,
                           timeout=DEFAULT_TIMEOUT, on_file=on_file)
    print(summary(report), file=out)
    return {"api": DEFAULT_API, **report.to_json(), "regressions": []}


# -- campaigns ---------------------------------------------------------------------------------
def run_campaign(target: str, seconds: float, options: SessionOptions, results_dir: Path,
                 out: IO[str]) -> dict[str, Any]:
    """One campaign of ``target`` for ``seconds``: its summary plus ``timeline``/``code_coverage``."""
    from fuzzrt.campaign.manager import Campaign, CampaignOptions

    campaign = Campaign(CampaignOptions(
        target=target, seconds=seconds, jobs=options.jobs, seed=options.seed, artifacts=options.artifacts,
        corpus=options.corpus_root / target if options.corpus_root else None, engine=options.engine,
        work_dir=options.work_dir), out=io.StringIO())
    coverage_dir = results_dir / COVERAGE_DIR / target
    measured = options.coverage and codecov.available()
    extra = codecov.environment_for(coverage_dir) if measured else {}
    bar = tqdm(total=round(seconds), unit="s", desc=target, dynamic_ncols=True, file=sys.stderr,
               bar_format="{desc}: {percentage:3.0f}%|{bar}| {n:.0f}/{total:.0f}s {postfix}")

    def on_sample(point: dict[str, Any]) -> None:
        bar.n = min(point["t"], bar.total)
        bar.set_postfix_str(f"execs {point['execs']} cov {point['coverage']} "
                            f"unique findings {point['unique_findings']}")

    started = _now()
    sampler = TimelineSampler(campaign.stats_dir, campaign.logs_dir, on_sample=on_sample)
    with _environ(extra):
        sampler.start()
        try:
            summary = campaign.run()
        finally:
            timeline = sampler.stop()
            bar.close()
    summary.update(started=started, timeline=timeline, code_coverage=None)
    for failure in summary.get("job_failures", []):
        print(f"  {target}: job {failure.get('job')} exited with status {failure.get('exit')}; "
              f"log {failure.get('log')}", file=out)
    if measured:
        with tqdm(total=1, desc=f"{target} coverage", unit="step", file=sys.stderr, leave=False) as cov_bar:
            summary["code_coverage"] = codecov.measure(coverage_dir)
            cov_bar.update(1)
    lines = summary["code_coverage"]["total"]["percent"] if summary["code_coverage"] else None
    print(f"  {target}: {summary['execs']} execs in {summary['seconds']:.0f}s "
          f"({summary['execs_per_sec']:.1f}/s), {summary['conclusive_pct']:.1f}% conclusive, "
          f"{summary['unique_findings']} unique findings ({summary['new_findings']} new artifacts)"
          + (f", runtime/ lines {lines:.1f}%" if lines is not None else ""), file=out)
    return summary


def run_session(options: SessionOptions, out: IO[str] = sys.stdout) -> SessionResult:
    """Run what ``options`` asks for and write the results directory (see the module docstring)."""
    targets = resolve_targets(options.targets) if options.fuzz else []
    results_dir = Path(options.results_dir)
    results_dir.mkdir(parents=True, exist_ok=True)
    _clear_previous(results_dir)
    run = {"id": f"{time.strftime('%Y%m%dT%H%M%S')}-{socket.gethostname()}-{os.getpid()}",
           "source": " ".join(["fuzzrt", *sys.argv[1:]]) if sys.argv else "fuzzrt",
           "started": _now(), "finished": None, "environment": environment()}
    session: dict[str, Any] = {"format": SESSION_FORMAT, "run": run, "spec": None, "campaigns": []}
    result = SessionResult(results_dir / SESSION_FILE)
    try:
        if options.spec:
            print("spec testsuite:", file=out)
            _write_json(results_dir / SPEC_FILE, run_spec(options, out))
            session["spec"] = SPEC_FILE
        if targets:
            seconds = max(options.fuzz_seconds / len(targets), MIN_CAMPAIGN_SECONDS)
            print(f"fuzzing {len(targets)} targets, {seconds:.0f}s each, {options.jobs} job(s)"
                  + (", measuring runtime/ coverage" if options.coverage and codecov.available() else ""),
                  file=out)
            for target in targets:
                summary = run_campaign(target, seconds, options, results_dir, out)
                name = f"campaign-{target}.json"
                _write_json(results_dir / name, summary)
                session["campaigns"].append(name)
                if summary.get("interrupted"):
                    result.interrupted = True
                    break
    except KeyboardInterrupt:
        result.interrupted = True
    finally:
        run["finished"] = _now()
        _write_json(results_dir / SESSION_FILE, session)
    return result
