"""A CPU-time deadline for in-process work, turning a Python-level hang into an exception.

In-process steps (the runtime's decoder and validator, run in the fuzzing
process itself so libFuzzer sees their coverage) cannot be killed from
outside without killing the campaign.  ``cpu_deadline`` arms ITIMER_VIRTUAL
(user CPU time, SIGVTALRM), which neither libFuzzer (SIGALRM) nor Atheris
uses; when it fires inside the guarded block, ``DeadlineExceeded`` is raised
where the code was spinning, so the finding comes with that frame.  It is a
BaseException so that ``except Exception`` in the code under test cannot
swallow it.  Only the main thread receives signals; elsewhere it is a no-op.
"""
from __future__ import annotations

import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType


class DeadlineExceeded(BaseException):
    """The guarded block used more CPU time than allowed."""


def _fire(signum: int, frame: FrameType | None) -> None:
    raise DeadlineExceeded("CPU-time deadline exceeded")


@contextmanager
def cpu_deadline(seconds: float) -> Iterator[None]:
    if threading.current_thread() is not threading.main_thread() or seconds <= 0:
        yield
        return
    previous = signal.signal(signal.SIGVTALRM, _fire)
    signal.setitimer(signal.ITIMER_VIRTUAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_VIRTUAL, 0)
        signal.signal(signal.SIGVTALRM, previous)
