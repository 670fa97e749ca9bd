"""The ``fuzzrt`` command line: one subcommand per module of :mod:`fuzzrt.commands`."""
from __future__ import annotations

import argparse
import importlib
from collections.abc import Sequence

from fuzzrt.commands import COMMAND_MODULES


def build_parser() -> argparse.ArgumentParser:
    """The parser with every registered subcommand (each sets ``handler``)."""
    parser = argparse.ArgumentParser(
        prog="fuzzrt",
        description="WebAssembly runtime JIT-compiled through llvmlite: conformance, fuzzing, benchmarks.",
    )
    subcommands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name in COMMAND_MODULES:
        importlib.import_module(name).register(subcommands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Parse ``argv`` and run the chosen subcommand; returns the exit status."""
    args = build_parser().parse_args(argv)
    return args.handler(args)
