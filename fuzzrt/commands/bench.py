"""``fuzzrt bench``: compute kernels and the Python->wasm call, fuzzrt vs wasmtime in one run."""
from __future__ import annotations

import argparse
from typing import Any


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "bench",
        help="benchmark the runtime against wasmtime, side by side",
        description="Time compute kernels (fib, loop, matmul) and the Python->wasm call under the "
                    "runtime and wasmtime in one run; print medians and ratios.",
    )
    parser.add_argument("--reps", type=int, default=5, help="repetitions per kernel (median taken)")
    parser.add_argument("--calls", type=int, default=100_000, help="calls per call-cost sample")
    parser.add_argument("--json", metavar="FILE", help="also write the numbers as JSON")
    parser.set_defaults(handler=handle)


def handle(args: argparse.Namespace) -> int:
    from fuzzrt.bench import run_bench

    run_bench(reps=args.reps, calls=args.calls, json_path=args.json)
    return 0
