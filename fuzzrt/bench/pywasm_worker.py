"""Run one workload under pywasm, in its own process: ``python -m fuzzrt.bench.pywasm_worker JOB``.

pywasm is a pure-Python interpreter; a workload that is small for a JIT can
take it minutes, and Python code cannot be interrupted from another thread.
So each pywasm run is a child process that times only the invocation (module
parsing and instantiation are excluded, as compilation is for the JITs),
stops itself with an interval timer at the job's timeout, and prints one JSON
object: ``{"seconds", "output", "timed_out", "error"}``.

JOB is a JSON object: ``{"wasm": PATH, "timeout": SECONDS}`` plus either
``"mode": "wasi", "argv": [...]`` (run ``_start`` with WASI preview1, stdout
captured) or ``"mode": "invoke", "export": NAME, "args": [...]``.
"""
from __future__ import annotations

import io
import json
import signal
import sys
import time
from typing import Any

from .results import program_output, value_output


class _Timeout(BaseException):
    """Raised by the interval timer; a BaseException so the interpreter's own handlers let it through."""


def _on_alarm(signum: int, frame: object) -> None:
    raise _Timeout


def run_job(job: dict[str, Any]) -> dict[str, Any]:
    import pywasm

    runtime = pywasm.core.Runtime()
    wasi = None
    if job["mode"] == "wasi":
        wasi = pywasm.wasi.Preview1([str(a) for a in job["argv"]], {}, {})
        for fd in range(3):
            wasi.fd[fd].pipe = io.BytesIO()
        wasi.bind(runtime)
    with open(job["wasm"], "rb") as f:
        instance = runtime.instance(pywasm.core.ModuleDesc.from_reader(f))
    signal.signal(signal.SIGALRM, _on_alarm)
    signal.setitimer(signal.ITIMER_REAL, float(job["timeout"]))
    t0 = time.perf_counter()
    try:
        if wasi is not None:
            code = wasi.main(runtime, instance)
            seconds = time.perf_counter() - t0
            output = program_output(wasi.fd[1].pipe.getvalue(), int(code))
        else:
            values = runtime.invocate(instance, job["export"], list(job["args"]))
            seconds = time.perf_counter() - t0
            output = value_output(values)
    except _Timeout:
        return {"seconds": None, "output": None, "timed_out": True, "error": None}
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
    return {"seconds": seconds, "output": output, "timed_out": False, "error": None}


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print("usage: python -m fuzzrt.bench.pywasm_worker JOB_JSON", file=sys.stderr)
        return 2
    try:
        answer = run_job(json.loads(argv[0]))
    except Exception as exc:   # any pywasm failure is a result to report, not a crash of the suite
        answer = {"seconds": None, "output": None, "timed_out": False,
                  "error": f"{type(exc).__name__}: {exc}"[:500]}
    print(json.dumps(answer))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
