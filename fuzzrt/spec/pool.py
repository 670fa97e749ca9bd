"""Run a function over items, each in its own worker process, with a timeout.

The JIT under test can segfault or spin forever; a thread or a shared process
pool would take the whole run down with it (``ProcessPoolExecutor`` breaks for
every pending job once one worker dies).  A fresh process per item costs a few
milliseconds under ``forkserver`` and turns a crash or hang into a result for
that one item.  Workers report progress (e.g. the line being executed) through
shared memory, so even a crashed item says where it died.
"""
from __future__ import annotations

import importlib
import multiprocessing
import signal
import time
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from multiprocessing import connection
from typing import Any, Generic, TypeVar

from .diagnostics import summarize_exception

T = TypeVar("T")
R = TypeVar("R")

#: seconds a worker that already reported may take to exit before it is killed
EXIT_GRACE = 10.0
#: "no progress reported yet"
NO_PROGRESS = -1


@dataclass
class Outcome(Generic[R]):
    """How one item went: ``ok`` (``value`` is the result), ``error`` (the
    function raised), ``crashed`` (the process died) or ``timeout``."""

    index: int
    status: str
    value: R | None
    detail: str
    progress: int | None
    seconds: float


@dataclass
class _Running:
    index: int
    process: Any
    conn: Any
    progress: Any
    started: float


def _child_main(target: Callable[[Any, Callable[[int], None]], Any], item: Any, conn: Any, progress: Any) -> None:
    def mark(value: int) -> None:
        progress.value = value

    try:
        message = (True, target(item, mark))
    except BaseException as exc:  # reported to the parent as this item's error
        message = (False, summarize_exception(exc))
    conn.send(message)
    conn.close()


def describe_exit(exitcode: int | None) -> str:
    """"killed by SIGSEGV" / "exit code 3" for a worker's exit status."""
    if exitcode is None:
        return "still running"
    if exitcode < 0:
        try:
            return f"killed by {signal.Signals(-exitcode).name}"
        except ValueError:
            return f"killed by signal {-exitcode}"
    return f"exit code {exitcode}"


def _importable(modules: Sequence[str]) -> list[str]:
    """The modules that import cleanly here.  A forkserver whose preload raises
    anything but ImportError dies, and every later start with it; a module that
    is broken is better left to fail inside each worker, where it is reported."""
    usable = []
    for name in modules:
        try:
            importlib.import_module(name)
        except Exception:  # deliberately not preloaded; the workers report it
            continue
        usable.append(name)
    return usable


def _context(preload: Sequence[str]) -> Any:
    if "forkserver" in multiprocessing.get_all_start_methods():
        ctx = multiprocessing.get_context("forkserver")
        ctx.set_forkserver_preload(_importable(preload))
        return ctx
    return multiprocessing.get_context("spawn")


def run_isolated(
    target: Callable[[T, Callable[[int], None]], R],
    items: Sequence[T],
    *,
    jobs: int,
    timeout: float,
    on_done: Callable[[Outcome[R]], None] | None = None,
    preload: Sequence[str] = (),
) -> list[Outcome[R]]:
    """Call ``target(item, mark)`` for every item in a separate process, at most
    ``jobs`` at a time, killing any that runs longer than ``timeout`` seconds.

    ``target`` must be a module-level function (it is pickled by reference);
    ``mark(n)`` records progress that survives a crash.  ``preload`` names
    modules the forkserver imports once, so workers start warm.  Outcomes come
    back in item order; ``on_done`` sees each as soon as it is known.
    """
    ctx = _context(preload)
    pending = deque(enumerate(items))
    running: dict[int, _Running] = {}
    outcomes: list[Outcome[R] | None] = [None] * len(items)
    try:
        while pending or running:
            while pending and len(running) < max(1, jobs):
                index, item = pending.popleft()
                running[index] = _start(ctx, target, index, item)
            deadline = min(job.started for job in running.values()) + timeout
            waitables = [job.conn for job in running.values()] + [job.process.sentinel for job in running.values()]
            ready = set(connection.wait(waitables, timeout=max(0.0, deadline - time.monotonic())))
            for index, job in list(running.items()):
                if job.conn in ready or job.process.sentinel in ready:
                    outcome = _collect(job)
                elif time.monotonic() - job.started >= timeout:
                    outcome = _time_out(job, timeout)
                else:
                    continue
                del running[index]
                outcomes[index] = outcome
                if on_done is not None:
                    on_done(outcome)
    finally:
        for job in running.values():
            job.process.kill()
            job.process.join()
            job.conn.close()
    return [outcome for outcome in outcomes if outcome is not None]


def _start(ctx: Any, target: Callable, index: int, item: Any) -> _Running:
    reader, writer = ctx.Pipe(duplex=False)
    progress = ctx.Value("q", NO_PROGRESS, lock=False)
    process = ctx.Process(target=_child_main, args=(target, item, writer, progress), daemon=True)
    process.start()
    writer.close()  # only the child holds the write end now, so its death reads as EOF
    return _Running(index, process, reader, progress, time.monotonic())


def _progress(job: _Running) -> int | None:
    return None if job.progress.value == NO_PROGRESS else job.progress.value


def _collect(job: _Running) -> Outcome:
    try:
        message: tuple[bool, Any] | None = job.conn.recv()
    except (EOFError, OSError):
        message = None
    job.conn.close()
    job.process.join(EXIT_GRACE)
    if job.process.is_alive():
        job.process.kill()
        job.process.join()
    seconds = time.monotonic() - job.started
    exit_text = describe_exit(job.process.exitcode)
    if message is None:
        return Outcome(job.index, "crashed", None, exit_text, _progress(job), seconds)
    reported, payload = message
    if not reported:
        return Outcome(job.index, "error", None, payload, _progress(job), seconds)
    if job.process.exitcode != 0:
        # the result is real, but the worker died on the way out: still a crash
        return Outcome(job.index, "crashed", payload, f"{exit_text} after reporting", None, seconds)
    return Outcome(job.index, "ok", payload, "", None, seconds)


def _time_out(job: _Running, timeout: float) -> Outcome:
    job.process.kill()
    job.process.join()
    job.conn.close()
    detail = f"no result after {timeout:g}s"
    return Outcome(job.index, "timeout", None, detail, _progress(job), time.monotonic() - job.started)
