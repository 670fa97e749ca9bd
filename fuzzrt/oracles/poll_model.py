"""A model of ``runtime.io.poll`` over a ResourceTable: which call fails how, and which indices are ready.

Why it can be exact: every pollable the ``poll`` target creates is either
ready at once (past or zero clocks, files, a pipe's write end, a pipe's read
end holding data, ``AlwaysReady``) or ready at a time the model knows (the
"short" clocks all share one deadline, so they become ready together), or
never (far clocks, ``NeverReady``, an empty pipe's read end until the session
writes to it).  ``PollModel.predict`` therefore names the one right outcome:
the error the first bad handle raises (poll takes its handles in order, so the
first misuse wins; a repeated rep is checked for its type only), the trap of
an empty list or of a set nothing can ever wake, or the ready indices — and,
when nothing is ready yet, what the poll has to wait for.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from runtime.io import Pollable

from .resource_model import ResourceModel

#: pollable kinds, by how they become ready
READY_KINDS = ("clock_past", "clock_zero", "pipe_write", "file_read", "always")
KINDS = READY_KINDS + ("clock_short", "clock_far", "pipe_read", "never")
#: what a poll with nothing ready waits for
WAIT_SHORT, WAIT_PIPE, WAIT_FOREVER = "short-clock", "pipe", "forever"


class Stream:
    """A resource pollables watch (their parent in the table)."""

    def __init__(self, n: int):
        self.n = n


class NeverReady(Pollable):
    """Never ready and gives the OS nothing to wait on: alone, poll must trap rather than hang."""

    def ready(self, table: Any) -> bool:
        return False


@dataclass(frozen=True, slots=True)
class Prediction:
    """``error`` (a table error class or ``"Trap"``), else ``ready`` indices, and what had to be awaited."""

    error: str | None = None
    ready: tuple[int, ...] = ()
    wait: str | None = None


class PollModel(ResourceModel):
    """The table model plus each pollable's kind and the readiness state of the shared pipe and clocks."""

    def __init__(self, capacity: int, types: dict[str, type]):
        super().__init__(capacity, types)
        self.kinds: dict[int, str] = {}     # rep -> pollable kind (pollables only)
        self.pipe_has_data = False
        self.short_due = False

    def is_ready(self, kind: str) -> bool:
        if kind in READY_KINDS:
            return True
        if kind == "clock_short":
            return self.short_due
        return kind == "pipe_read" and self.pipe_has_data

    def predict(self, handles: list[tuple[int, type]]) -> Prediction:
        if not handles:
            return Prediction("Trap")
        seen: set[int] = set()
        for rep, ty in handles:
            if rep in seen:
                if not issubclass(self.entries[rep].type, ty):
                    return Prediction("WrongType")
                continue
            error = self.usable_error(rep, ty)
            if error is None and not isinstance(self.entries[rep].value, Pollable):
                error = "WrongType"
            if error is not None:
                return Prediction(error)
            seen.add(rep)
        kinds = [self.kinds[rep] for rep, _ in handles]
        ready = tuple(i for i, kind in enumerate(kinds) if self.is_ready(kind))
        if ready:
            return Prediction(ready=ready)
        for wait, kind in ((WAIT_SHORT, "clock_short"), (WAIT_PIPE, "pipe_read"), (WAIT_FOREVER, "clock_far")):
            if kind in kinds:
                return Prediction(ready=tuple(i for i, k in enumerate(kinds) if k == kind), wait=wait)
        return Prediction("Trap")
