"""``fuzzrt repro ARTIFACT``: re-run a finding on both engines and show them side by side.

Exit status: 1 if the finding still reproduces (same signature), 0 if it is
fixed (the engines agree now), 2 if a *different* finding shows up instead,
3 if the artifact cannot be read.
"""
from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "repro", help="re-run a saved finding; exit 1 if it still reproduces, 0 if fixed",
        description="Re-run an artifact's case on the runtime and wasmtime and print a side-by-side diff. "
                    "Exit 1: still reproduces; 0: fixed; 2: a different finding; 3: unreadable artifact.")
    parser.add_argument("artifact", type=Path, help="artifact directory (or its artifact.json)")
    parser.add_argument("--deadline", type=float, default=20.0, metavar="S", help="per-input time limit")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from fuzzrt.artifacts import Artifact, ArtifactError
    from fuzzrt.campaign.context import TargetContext
    from fuzzrt.campaign.replay import FIXED, REPRODUCES, replay_artifact, repro_status
    from fuzzrt.campaign.report import render_execution

    try:
        artifact = Artifact.load(args.artifact)
    except ArtifactError as exc:
        print(f"fuzzrt repro: {exc}")
        return 3
    versions = artifact.versions
    print(f"artifact:  {artifact.path}")
    print(f"signature: {artifact.signature}")
    print(f"target:    {artifact.target}   generator: {artifact.case.generator}   "
          f"canonical NaNs: {artifact.case.canonical_nans}   module: {len(artifact.case.wasm)} bytes")
    print(f"plan:      {artifact.plan.to_json()}")
    print(f"recorded:  runtime {versions.get('runtime')} at {versions.get('git_commit')} "
          f"(wasmtime {versions.get('wasmtime')}), {artifact.created}")
    with TargetContext(isolated=True, deadline=args.deadline) as ctx:
        execution = replay_artifact(artifact, ctx)
    print()
    print(render_execution(execution))
    status = repro_status(artifact, execution)
    print()
    if status == REPRODUCES:
        print("REPRODUCES: the same finding shows up again")
    elif status == FIXED:
        print("FIXED: the finding no longer reproduces")
    else:
        print(f"DIFFERENT: the original finding is gone but another shows up ({execution.signature})")
    return status
