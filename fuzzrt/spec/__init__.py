"""Runs the official WebAssembly spec testsuite (``.wast`` scripts) against the runtime.

Each script is converted by ``wasm-tools json-from-wast`` and executed in its
own worker process (a JIT crash or hang costs one file, not the run); results
are tallied per command type and can be held to a per-file baseline.
"""
from .baseline import BaselineError, load_baseline, regressions, write_baseline
from .results import Failure, FileResult, SuiteReport, Tally
from .suite import DEFAULT_API, default_testsuite, discover, run_suite

__all__ = [
    "BaselineError",
    "DEFAULT_API",
    "Failure",
    "FileResult",
    "SuiteReport",
    "Tally",
    "default_testsuite",
    "discover",
    "load_baseline",
    "regressions",
    "run_suite",
    "write_baseline",
]
