"""``fuzzrt shrink ARTIFACT [-o OUT]``: minimise a finding's module, keeping its signature."""
from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "shrink", help="minimise a saved finding (same signature) into a new artifact",
        description="Shrink an artifact's module with `wasm-tools shrink` (bytewise delta debugging for "
                    "binaries it cannot parse), replaying each candidate; write a new artifact.")
    parser.add_argument("artifact", type=Path, help="artifact directory (or its artifact.json)")
    parser.add_argument("-o", "--output", type=Path, metavar="OUT",
                        help="directory of the new artifact (default: ARTIFACT-shrunk beside it)")
    parser.add_argument("--attempts", type=int, default=1000, metavar="N",
                        help="shrink attempts before giving up on further progress (default 1000)")
    parser.add_argument("--deadline", type=float, default=20.0, metavar="S", help="per-input time limit")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from fuzzrt.artifacts import Artifact, ArtifactError
    from fuzzrt.campaign.context import TargetContext
    from fuzzrt.campaign.shrink import ShrinkError, shrink_artifact

    if args.output is not None and args.output.exists():
        print(f"fuzzrt shrink: {args.output} already exists (artifacts are never overwritten)", file=sys.stderr)
        return 2
    try:
        artifact = Artifact.load(args.artifact)
    except ArtifactError as exc:
        print(f"fuzzrt shrink: {exc}", file=sys.stderr)
        return 3
    with TargetContext(isolated=True, deadline=args.deadline) as ctx:
        try:
            result = shrink_artifact(artifact, args.output, ctx, args.attempts,
                                     log=lambda text: print(text, file=sys.stderr))
        except ShrinkError as exc:
            print(f"fuzzrt shrink: {exc}", file=sys.stderr)
            return 1
    if artifact.case.generator == "ops":
        size = f"{len(artifact.case.config.get('ops') or [])} -> {len(result.case.config.get('ops') or [])} ops"
    else:
        size = f"{len(artifact.case.wasm)} -> {len(result.case.wasm)} bytes"
    print(f"{result.path}  ({size}, {result.signature})")
    return 0
