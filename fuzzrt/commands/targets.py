"""``fuzzrt targets``: list the fuzz targets, one line each."""
from __future__ import annotations

import argparse
from typing import Any


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser("targets", help="list the fuzz targets",
                                   description="List the fuzz targets `fuzzrt fuzz` accepts, one line each.")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from fuzzrt.campaign.registry import all_targets

    targets = all_targets()
    width = max(len(name) for name in targets)
    for name, target in targets.items():
        print(f"{name:<{width}}  {target.description}")
    return 0
