"""``fuzzrt fuzz TARGET``: run a fuzzing campaign with a live status line and a JSON summary."""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "fuzz",
        help="fuzz the runtime against wasmtime (see `fuzzrt targets`)",
        description="Run a fuzzing campaign: Atheris/libFuzzer (or Hypothesis) jobs executing the target, "
                    "findings saved as artifacts, a live status line, a JSON summary.",
    )
    parser.add_argument("target", help="fuzz target (`fuzzrt targets` lists them)")
    parser.add_argument("--time", type=float, metavar="S", help="stop after S seconds")
    parser.add_argument("--runs", type=int, metavar="N", help="stop after N executions (over all jobs)")
    parser.add_argument("--jobs", type=int, default=1, metavar="N", help="parallel fuzzing processes (default 1)")
    parser.add_argument("--workers", type=int, metavar="K",
                        help="worker processes per job executing cases in parallel while the job generates "
                             "(default: CPU count / jobs)")
    parser.add_argument("--seed", type=int, metavar="N", help="random seed (job i uses N+i)")
    parser.add_argument("--corpus", type=Path, metavar="DIR",
                        help="working corpus (default out/fuzz/TARGET/corpus; seeds come from corpora/TARGET)")
    parser.add_argument("--artifacts", type=Path, default=Path("out/fuzz/artifacts"), metavar="DIR",
                        help="where findings are saved (default out/fuzz/artifacts)")
    parser.add_argument("--json", type=Path, metavar="FILE", help="write the campaign summary as JSON")
    parser.add_argument("--engine", choices=("atheris", "hypothesis"), default="atheris",
                        help="input generation: coverage-guided libFuzzer via Atheris (default), or "
                             "Hypothesis strategies for long property-fuzzing runs")
    parser.add_argument("--deadline", type=float, default=20.0, metavar="S",
                        help="per-input time limit; an input running longer is a hang finding (default 20)")
    parser.add_argument("--max-len", type=int, default=4096, metavar="BYTES",
                        help="largest input libFuzzer generates (default 4096)")
    parser.add_argument("--work-dir", type=Path, default=Path("out/fuzz"), metavar="DIR",
                        help="corpus, logs and stats live under DIR/TARGET (default out/fuzz)")
    parser.add_argument("libfuzzer_args", nargs="*", metavar="-FLAG=VALUE",
                        help="extra libFuzzer flags, after `--` (Atheris engine only)")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from fuzzrt.campaign.manager import Campaign, CampaignOptions, write_summary

    options = CampaignOptions(
        target=args.target, seconds=args.time, runs=args.runs, jobs=args.jobs, seed=args.seed,
        corpus=args.corpus, artifacts=args.artifacts, engine=args.engine, deadline=args.deadline,
        max_len=args.max_len, workers=args.workers, work_dir=args.work_dir, extra_args=list(args.libfuzzer_args),
    )
    try:
        campaign = Campaign(options)
    except (KeyError, ValueError) as exc:
        print(f"fuzzrt fuzz: {exc.args[0] if exc.args else exc}", file=sys.stderr)
        return 2
    summary = campaign.run()
    if args.json:
        write_summary(summary, args.json)
    for path in summary["new_artifacts"]:
        print(f"new finding: {path}", file=sys.stderr)
    if summary["job_failures"]:
        print(json.dumps(summary["job_failures"][-1], indent=1), file=sys.stderr)
    return 130 if summary["interrupted"] else 0
