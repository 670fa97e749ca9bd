"""Several supervised workers, so one fuzzing process keeps every core busy.

libFuzzer hands inputs over one at a time, but only the cheap part of an
input (generation, the runtime's in-process validation) must happen inside
``TestOneInput`` for coverage feedback; running it on both engines happens in
a worker and can overlap with the next inputs.  ``WorkerPool`` keeps up to
``size`` jobs in flight: ``submit`` returns at once while a worker is free,
otherwise it first waits for one to answer.  Answers come back tagged with
whatever the caller passed, in completion order.
"""
from __future__ import annotations

import os
import select
import time
from typing import Any

from fuzzrt.engines.executor import Job

from .supervisor import DEFAULT_DEADLINE, Supervisor, WorkerAnswer


def default_size(jobs: int = 1) -> int:
    """Workers per fuzzing process: the CPUs shared among ``jobs`` processes (at least one)."""
    return max(1, (os.cpu_count() or 1) // max(jobs, 1))


class WorkerPool:
    def __init__(self, size: int = 1, deadline: float = DEFAULT_DEADLINE):
        if size < 1:
            raise ValueError("a worker pool needs at least one worker")
        self.workers = [Supervisor(deadline) for _ in range(size)]
        self._tags: dict[int, Any] = {}

    @property
    def restarts(self) -> int:
        return sum(w.restarts for w in self.workers)

    @property
    def in_flight(self) -> int:
        return sum(w.busy for w in self.workers)

    def submit(self, job: Job, tag: Any) -> list[tuple[Any, WorkerAnswer]]:
        """Start ``job``; returns the answers that had to be collected to free a worker (maybe none)."""
        done = self.collect(block=all(w.busy for w in self.workers))
        worker = next(w for w in self.workers if not w.busy)
        self._tags[id(worker)] = tag
        worker.start(job)
        return done

    def collect(self, block: bool = False) -> list[tuple[Any, WorkerAnswer]]:
        """Answers available now; with ``block``, wait until at least one job answers."""
        done: list[tuple[Any, WorkerAnswer]] = []
        while True:
            busy = [w for w in self.workers if w.busy]
            for worker in busy:
                answer = worker.poll(0.0)
                if answer is not None:
                    done.append((self._tags.pop(id(worker)), answer))
            if done or not block or not busy:
                return done
            fds = [fd for fd in (w.fileno() for w in busy if w.busy) if fd is not None]
            if fds:
                select.select(fds, [], [], 0.5)
            else:
                time.sleep(0.01)

    def drain(self) -> list[tuple[Any, WorkerAnswer]]:
        """Wait for every job in flight."""
        done: list[tuple[Any, WorkerAnswer]] = []
        while self.in_flight:
            done += self.collect(block=True)
        return done

    def close(self) -> None:
        for worker in self.workers:
            worker.close()
