"""``fuzzrt bench``: the benchmark suite, the runtime against wasmtime (and pywasm) in one run."""
from __future__ import annotations

import argparse
import sys
from typing import Any


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "bench",
        help="benchmark the runtime against wasmtime (and pywasm), side by side",
        description="Run the benchmark suite: C programs (wasm32-wasi), micro-kernels, call costs, "
                    "compile throughput and differential-fuzzing speed.  For each workload: compile, "
                    "instantiate and execution time and peak memory under the runtime and wasmtime, "
                    "alternating, medians and ratios; pywasm on the small sizes.  Prints a table; "
                    "--json writes every number.",
    )
    parser.add_argument("--quick", action="store_true",
                        help="tiny sizes and a short fuzzing run (CI smoke test; timings mean little)")
    parser.add_argument("--only", nargs="+", metavar="NAME",
                        help="run only these workloads or categories (see --list)")
    parser.add_argument("--reps", type=int, default=5, metavar="N",
                        help="repetitions per measurement, medians taken (default 5; a measurement "
                             "stops early once it has used --budget seconds)")
    parser.add_argument("--budget", type=float, default=6.0, metavar="S",
                        help="time budget per measurement phase before repetitions stop (default 6)")
    parser.add_argument("--pywasm-timeout", type=float, default=30.0, metavar="S",
                        help="per-workload pywasm time limit; 0 skips pywasm (default 30)")
    parser.add_argument("--fuzz-seconds", type=float, default=20.0, metavar="S",
                        help="length of the differential fuzzing run (default 20; 5 with --quick)")
    parser.add_argument("--json", metavar="FILE", help="also write the full report as JSON")
    parser.add_argument("--list", action="store_true", help="list the workloads and exit")
    parser.set_defaults(handler=handle)


def handle(args: argparse.Namespace) -> int:
    from fuzzrt.bench import run_bench
    from fuzzrt.bench.registry import all_workloads, select

    if args.list:
        for w in all_workloads():
            print(f"{w.category:<11} {w.name:<20} {w.description}")
        return 0
    if args.reps < 1:
        print("fuzzrt bench: --reps must be at least 1", file=sys.stderr)
        return 2
    try:
        select(args.only)
    except ValueError as exc:
        print(f"fuzzrt bench: {exc}", file=sys.stderr)
        return 2
    run_bench(reps=args.reps, quick=args.quick, only=args.only, json_path=args.json,
              budget_s=args.budget, pywasm_timeout_s=args.pywasm_timeout, fuzz_seconds=args.fuzz_seconds)
    return 0
