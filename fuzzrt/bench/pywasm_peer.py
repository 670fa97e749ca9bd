"""pywasm, the pure-Python peer: run a job in a child process (see ``pywasm_worker``).

The child enforces the timeout on the invocation itself; this side adds a
generous allowance for interpreter start-up and pywasm's module parsing, and
kills the child if even that passes.  pywasm being absent is reported as an
error on the comparison, not a failure of the suite: it is a dev dependency.
"""
from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

#: start-up plus module parsing, on top of the job's own timeout
_STARTUP_ALLOWANCE_S = 120.0
_REPO_ROOT = Path(__file__).resolve().parents[2]


@dataclass
class PywasmRun:
    seconds: float | None
    output: str | None
    timed_out: bool
    error: str | None


def pywasm_available() -> bool:
    return importlib.util.find_spec("pywasm") is not None


def run_pywasm(job: dict[str, Any], timeout_s: float) -> PywasmRun:
    if not pywasm_available():
        return PywasmRun(None, None, False, "pywasm is not installed (pip install -e '.[dev]')")
    job = dict(job, timeout=timeout_s)
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(_REPO_ROOT), env.get("PYTHONPATH")]))
    try:
        proc = subprocess.run([sys.executable, "-m", "fuzzrt.bench.pywasm_worker", json.dumps(job)],
                              capture_output=True, text=True, env=env,
                              timeout=timeout_s + _STARTUP_ALLOWANCE_S)
    except subprocess.TimeoutExpired:
        return PywasmRun(None, None, True, None)
    try:
        answer = json.loads(proc.stdout.strip().splitlines()[-1])
    except (IndexError, json.JSONDecodeError):
        return PywasmRun(None, None, False,
                         f"pywasm worker exited with status {proc.returncode}: {proc.stderr.strip()[-300:]}")
    return PywasmRun(answer.get("seconds"), answer.get("output"), bool(answer.get("timed_out")),
                     answer.get("error"))
