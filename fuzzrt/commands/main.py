"""``fuzzrt main``: the project's main job.

A short demo of the runtime (compile WAT, call an export, catch a trap), then
the spec conformance run over the default testsuite, with its JSON report
under ``out/`` and the committed baseline checked when there is one.
"""
from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from fuzzrt.commands.spec import add_run_options, conformance
from fuzzrt.spec import default_testsuite
from fuzzrt.spec.diagnostics import summarize_exception
from fuzzrt.spec.script import describe_trap
from fuzzrt.spec.suite import repo_root

DEMO_WAT = """
(module
  (func (export "div") (param i32 i32) (result i32)
    local.get 0
    local.get 1
    i32.div_s)
  (func $fac (export "fac") (param i64) (result i64)
    local.get 0
    i64.eqz
    if (result i64)
      i64.const 1
    else
      local.get 0
      local.get 0
      i64.const 1
      i64.sub
      call $fac
      i64.mul
    end))
"""


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "main",
        help="the main job: runtime demo, then the spec conformance run",
        description="Demo the runtime, then run the spec testsuite (results in out/spec-results.json).",
    )
    add_run_options(parser)
    parser.set_defaults(
        handler=handle,
        json=repo_root() / "out" / "spec-results.json",
        baseline=_committed_baseline(),
    )


def _committed_baseline() -> Path | None:
    path = repo_root() / "tests" / "spec_baseline.json"
    return path if path.is_file() else None


def demo() -> None:
    """Compile a small WAT module with the runtime, call it, and catch a trap."""
    import runtime as rt

    engine = rt.Engine()
    store = rt.Store(engine)
    module = rt.Module(engine, DEMO_WAT)
    exports = rt.Instance(store, module, []).exports(store)
    print(f"demo ({__file__}):")
    print(f"  fac(20)   = {exports['fac'](store, 20)}")
    print(f"  div(7, 2) = {exports['div'](store, 7, 2)}")
    try:
        exports["div"](store, 1, 0)
    except rt.Trap as trap:
        print(f"  div(1, 0) trapped: {describe_trap(trap)}")
    else:
        raise AssertionError("div(1, 0) returned instead of trapping")


def handle(args: argparse.Namespace) -> int:
    try:
        demo()
        demo_status = 0
    except Exception as exc:  # the demo is the runtime's smoke test; report and go on to the spec run
        print(f"demo failed: {summarize_exception(exc)}")
        demo_status = 1
    print()
    return max(demo_status, conformance(args, [default_testsuite()]))
