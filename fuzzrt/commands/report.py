"""``fuzzrt report``: conformance and fuzzing report (report.html, report.json, report.md).

Without ``--from`` it runs the spec testsuite and a short campaign per fuzz
target first (see ``fuzzrt.report.session``); with ``--from`` it builds the
report from earlier results and reports, merging them.  Exit status: 0; 1 if
the report shows a spec file that did not run to the end or fell below the
baseline, or (with ``--fail-on-new``) a new or regressed finding; 2 if the
inputs cannot be used.
"""
from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import Any

from fuzzrt.spec.suite import repo_root

DEFAULT_OUT = Path("out/report")
DEFAULT_BASELINE = repo_root() / "tests" / "spec_baseline.json"
USAGE_ERROR = 2


def add_session_options(parser: argparse.ArgumentParser, fuzz_seconds: float) -> None:
    """Options of a run that produces a report (shared with ``fuzzrt main``)."""
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, metavar="DIR",
                        help=f"where report.html/.json/.md go (default {DEFAULT_OUT}); results in DIR/results")
    parser.add_argument("--time", type=float, default=fuzz_seconds, metavar="S",
                        help=f"total fuzzing time, split evenly over the targets (default {fuzz_seconds:.0f})")
    parser.add_argument("--targets", metavar="A,B", help="fuzz only these targets (default: all, `fuzzrt targets`)")
    parser.add_argument("--jobs", type=int, default=1, metavar="N", help="fuzzing processes per campaign (default 1)")
    parser.add_argument("--spec-jobs", type=int, default=os.cpu_count() or 1, metavar="N",
                        help="spec worker processes (default: CPU count)")
    parser.add_argument("--seed", type=int, metavar="N", help="fuzzing seed")
    parser.add_argument("--no-spec", dest="spec", action="store_false", help="skip the spec run")
    parser.add_argument("--no-fuzz", dest="fuzz", action="store_false", help="skip the campaigns")
    parser.add_argument("--no-coverage", dest="coverage", action="store_false",
                        help="do not measure runtime/ coverage (campaigns run faster)")
    parser.add_argument("--engine", choices=("atheris", "hypothesis"), default="atheris",
                        help="campaign input generation (default atheris)")
    parser.add_argument("--work-dir", type=Path, default=Path("out/fuzz"), metavar="DIR",
                        help="campaign corpora, logs and stats (default out/fuzz)")
    parser.add_argument("--corpus-root", type=Path, metavar="DIR",
                        help="per-target corpora DIR/<target> (default: WORK_DIR/<target>/corpus)")
    add_report_options(parser)


def add_report_options(parser: argparse.ArgumentParser) -> None:
    """Options of building the report itself."""
    parser.add_argument("--artifacts", type=Path, default=Path("out/fuzz/artifacts"), metavar="DIR",
                        help="where findings are saved and looked up (default out/fuzz/artifacts)")
    parser.add_argument("--baseline", type=Path, metavar="FILE",
                        help="spec baseline to compare with (default tests/spec_baseline.json)")
    parser.add_argument("--known", type=Path, metavar="FILE",
                        help="known findings, one signature per line (default ci/known-findings.txt)")


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "report", help="spec conformance + fuzzing report (HTML, JSON, Markdown)",
        description="Write report.html, report.json and report.md: spec conformance per file and assertion type "
                    "against the baseline, fuzz campaigns with charts, findings, runtime/ coverage, environment. "
                    "Without --from, runs the spec testsuite and a short campaign per target first.")
    add_session_options(parser, fuzz_seconds=120.0)
    parser.add_argument("--from", dest="sources", nargs="+", type=Path, metavar="RESULTS",
                        help="build from these instead of running: report.json files or their directories, "
                             "results directories, `fuzzrt spec --json` and `fuzzrt fuzz --json` files (merged)")
    parser.add_argument("--fail-on-new", action="store_true",
                        help="exit 1 if a finding is new (not in the known list) or a fixed one came back")
    parser.add_argument("--schema", action="store_true", help="print the report.json JSON Schema and exit")
    parser.set_defaults(handler=run)


def session_options(args: argparse.Namespace) -> Any:
    from fuzzrt.report.session import SessionOptions

    return SessionOptions(
        results_dir=args.out / "results", spec=args.spec, spec_jobs=args.spec_jobs, fuzz=args.fuzz,
        targets=[t for t in args.targets.split(",") if t] if args.targets else None,
        fuzz_seconds=args.time, jobs=args.jobs, coverage=args.coverage, engine=args.engine, seed=args.seed,
        work_dir=args.work_dir, artifacts=args.artifacts, corpus_root=args.corpus_root)


def build_and_write(args: argparse.Namespace, sources: list[Path], fail_on_new: bool) -> int:
    """Build the report from ``sources``, write it to ``args.out``, print where; the exit status."""
    from fuzzrt.report.build import ReportError, build_report
    from fuzzrt.report.findings import FAILING, KNOWN_FILE, Triage, TriageError
    from fuzzrt.report.inputs import InputError, load
    from fuzzrt.report.writer import write_report
    from fuzzrt.spec import BaselineError, load_baseline

    baseline_path = args.baseline or (DEFAULT_BASELINE if DEFAULT_BASELINE.is_file() else None)
    try:
        inputs = load(sources)
        baseline = load_baseline(baseline_path) if baseline_path else None
        triage = Triage.load(known_file=args.known or KNOWN_FILE)
        report = build_report(inputs, baseline=baseline, baseline_source=str(baseline_path or ""),
                              triage=triage, artifact_dirs=[args.artifacts])
    except (InputError, BaselineError, TriageError, ReportError) as exc:
        print(f"fuzzrt report: {exc}", file=sys.stderr)
        return USAGE_ERROR
    paths = write_report(report, args.out)
    failing = [f for f in report["findings"] if f["status"] in FAILING]
    spec = report["spec"]
    spec_bad = spec is not None and (bool(spec["problems"]) or bool(spec["baseline"] and spec["baseline"]["below"]))
    print(f"report: {paths['html']}  (data {paths['json'].name}, summary {paths['md'].name})")
    if spec is not None and spec["pass_rate"] is not None:
        print(f"  spec: {100 * spec['pass_rate']:.2f}% of executed assertions passed"
              + (f"; below baseline: {', '.join(spec['baseline']['below'])}" if spec_bad and spec["baseline"]
                 and spec["baseline"]["below"] else "")
              + (f"; did not finish: {', '.join(spec['problems'])}" if spec["problems"] else ""))
    if report["campaigns"]:
        print(f"  fuzzing: {len(report['campaigns'])} campaigns, {sum(c['execs'] for c in report['campaigns'])} "
              f"execs, {len(report['findings'])} unique findings ({len(failing)} new or regressed)")
    for finding in failing:
        print(f"  {finding['status']}: {finding['signature']}\n    {finding['repro'] or 'no artifact at hand'}")
    return 1 if spec_bad or (fail_on_new and failing) else 0


def run(args: argparse.Namespace) -> int:
    if args.schema:
        from fuzzrt.report.schema import schema_text

        sys.stdout.write(schema_text())
        return 0
    if args.sources:
        return build_and_write(args, args.sources, args.fail_on_new)
    from fuzzrt.report.session import SessionError, run_session

    try:
        result = run_session(session_options(args))
    except SessionError as exc:
        print(f"fuzzrt report: {exc}", file=sys.stderr)
        return USAGE_ERROR
    status = build_and_write(args, [result.session_file], args.fail_on_new)
    return 130 if result.interrupted else status
