"""``fuzzrt main``: the project's main job.

A short demo of the runtime (compile WAT, call an export, catch a trap), then
the spec conformance run over the default testsuite and a short fuzzing
campaign per target (with ``runtime/`` coverage), and finally the report:
``out/report/report.html`` (charts, offline), ``report.json`` and
``report.md``, checked against the committed spec baseline.  Built-in
defaults keep it to a few minutes on two cores; ``fuzzrt report`` is the
same run with every knob.
"""
from __future__ import annotations

import argparse
from typing import Any

from fuzzrt.commands.report import add_session_options, build_and_write, session_options
from fuzzrt.spec.diagnostics import summarize_exception
from fuzzrt.spec.script import describe_trap

#: total fuzzing time of the main job, split over the targets
MAIN_FUZZ_SECONDS = 90.0

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
        help="the main job: runtime demo, spec run, short fuzzing campaigns, report",
        description="Demo the runtime, run the spec testsuite and a short campaign per fuzz target, and write "
                    "the report (out/report/report.html, report.json, report.md).",
    )
    add_session_options(parser, fuzz_seconds=MAIN_FUZZ_SECONDS)
    parser.set_defaults(handler=handle)


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
    from fuzzrt.report.session import SessionError, run_session

    try:
        demo()
        demo_status = 0
    except Exception as exc:  # the demo is the runtime's smoke test; report and go on
        print(f"demo failed: {summarize_exception(exc)}")
        demo_status = 1
    print()
    try:
        result = run_session(session_options(args))
    except SessionError as exc:
        print(f"fuzzrt main: {exc}")
        return 2
    print()
    status = build_and_write(args, [result.session_file], fail_on_new=False)
    return 130 if result.interrupted else max(demo_status, status)
