"""``fuzzrt spec``: run spec ``.wast`` scripts, print the tables, check a baseline."""
from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path
from typing import Any

from tqdm import tqdm

from fuzzrt.spec import (
    BaselineError,
    SuiteReport,
    default_testsuite,
    discover,
    load_baseline,
    regressions,
    run_suite,
    write_baseline,
)
from fuzzrt.spec.report import command_table, failure_sample, file_table, summary
from fuzzrt.spec.suite import DEFAULT_API, DEFAULT_TIMEOUT, TESTSUITE_ENV

#: exit status when there was nothing to run (bad paths, unreadable baseline)
USAGE_ERROR = 2


def add_run_options(parser: argparse.ArgumentParser) -> None:
    """Options shared by every command that performs a spec run."""
    parser.add_argument("--json", type=Path, metavar="FILE", help="write totals and every failure as JSON")
    parser.add_argument(
        "--jobs", type=int, default=os.cpu_count() or 1, metavar="N", help="worker processes (default: CPU count)"
    )
    parser.add_argument(
        "--timeout", type=float, default=DEFAULT_TIMEOUT, metavar="SECONDS", help="per-file time limit of a worker"
    )
    parser.add_argument("--baseline", type=Path, metavar="FILE", help="fail if a file passes fewer than recorded here")
    parser.add_argument("--write-baseline", type=Path, metavar="FILE", help="record this run's per-file pass counts")
    parser.add_argument(
        "--api", default=DEFAULT_API, metavar="MODULE", help="engine: MODULE[:ATTR] implementing the runtime API"
    )
    parser.add_argument("--show-failures", type=int, default=10, metavar="N", help="print the first N failures")


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "spec",
        help="run the WebAssembly spec testsuite against the runtime",
        description="Run .wast spec scripts, each in its own worker process; report per file and per command.",
    )
    parser.add_argument(
        "wast",
        nargs="*",
        type=Path,
        help=f"files or directories of .wast scripts (default: ${TESTSUITE_ENV}, else ../shared/testsuite/wasm-2.0)",
    )
    add_run_options(parser)
    parser.set_defaults(handler=handle)


def handle(args: argparse.Namespace) -> int:
    return conformance(args, args.wast or [default_testsuite()])


def conformance(args: argparse.Namespace, paths: list[Path]) -> int:
    """Run the scripts under ``paths`` with the options in ``args``; print the
    report; 1 if a file crashed/timed out/errored or fell below the baseline."""
    missing = [path for path in paths if not path.exists()]
    if missing:
        print(f"fuzzrt spec: not found: {', '.join(map(str, missing))} (set ${TESTSUITE_ENV}?)", file=sys.stderr)
        return USAGE_ERROR
    files = discover(paths)
    if not files:
        print(f"fuzzrt spec: no .wast files in {', '.join(map(str, paths))}", file=sys.stderr)
        return USAGE_ERROR
    try:
        baseline = load_baseline(args.baseline) if args.baseline else None
    except BaselineError as exc:
        print(f"fuzzrt spec: {exc}", file=sys.stderr)
        return USAGE_ERROR

    report = _run_with_progress(args, files)
    print(file_table(report))
    print()
    print(command_table(report))
    print()
    print(summary(report))
    if args.show_failures and report.failures():
        print()
        print(failure_sample(report, args.show_failures))

    regressed = regressions(report, baseline) if baseline is not None else []
    for message in regressed:
        print(f"below baseline: {message}")
    if args.json:
        _write_json(args.json, report, args.api, regressed)
        print(f"results written to {args.json}")
    if args.write_baseline:
        written = write_baseline(args.write_baseline, report)
        print(f"baseline {args.write_baseline}: recorded {len(written)} of {len(report.files)} files")
    return 1 if report.problems() or regressed else 0


def _run_with_progress(args: argparse.Namespace, files: list[Path]) -> SuiteReport:
    with tqdm(total=len(files), unit="file", desc="spec", dynamic_ncols=True) as bar:

        def on_file(result: Any) -> None:
            bar.set_postfix_str(result.name, refresh=False)
            bar.update(1)

        return run_suite(
            files, api=args.api, jobs=args.jobs, timeout=args.timeout, on_file=on_file
        )


def _write_json(path: Path, report: SuiteReport, api: str, regressed: list[str]) -> None:
    data = {"api": api, **report.to_json(), "regressions": regressed}
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, indent=1) + "\n", encoding="utf-8")
