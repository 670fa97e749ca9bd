"""Pollables: things ``poll`` can wait for, stored in a ResourceTable.

A pollable answers two questions.  ``ready(table)``: is it ready now (never
blocks)?  And how could the OS wake us when it becomes ready: a monotonic
``deadline_ns`` (clocks) and/or a ``wait_fd`` to hand to ``selectors`` (pipes,
sockets, ttys).  ``poll`` uses the second to sleep instead of spinning.  The
table is passed in so a pollable can consult the resource it watches.

A pollable is normally pushed as a *child* of the resource it watches
(``table.push_child(FdReadable(fd), stream)``), so the stream cannot be deleted
while the pollable exists.

Readiness of a file descriptor is an OS question, asked with a zero-timeout
select.  Descriptors the OS cannot wait on — regular files and directories
(always ready, as in POSIX), or a closed fd — report ready: the I/O that
follows is what reports their outcome, so poll must not hide it.
"""
from __future__ import annotations

import selectors
import time
from abc import ABC, abstractmethod
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ..resources import ResourceTable


class Pollable(ABC):
    """Something poll can wait for; subclasses define ``ready`` and how to wait."""

    @abstractmethod
    def ready(self, table: ResourceTable) -> bool:
        """True if ready now; must not block."""

    def deadline_ns(self, table: ResourceTable) -> int | None:
        """``time.monotonic_ns()`` value at which this becomes ready by itself, if any."""
        return None

    def wait_fd(self, table: ResourceTable) -> tuple[int, int] | None:
        """``(fd, selectors.EVENT_READ or EVENT_WRITE)`` whose readiness wakes this, if any."""
        return None


class AlwaysReady(Pollable):
    """Ready at once: for resources that never block (e.g. a closed or in-memory stream)."""

    def ready(self, table: ResourceTable) -> bool:
        return True

    def __repr__(self) -> str:
        return "AlwaysReady()"


class ClockPollable(Pollable):
    """Ready once the monotonic clock reaches ``deadline_ns`` (absolute, ``time.monotonic_ns``)."""

    def __init__(self, deadline_ns: int):
        self.deadline = deadline_ns

    @classmethod
    def after(cls, delay_ns: int) -> ClockPollable:
        """Ready ``delay_ns`` nanoseconds from now (a relative timeout)."""
        return cls(time.monotonic_ns() + max(delay_ns, 0))

    @classmethod
    def at_realtime(cls, realtime_ns: int) -> ClockPollable:
        """Ready when the wall clock (``time.time_ns``) reaches ``realtime_ns``.

        Converted once to a monotonic deadline, so later wall-clock jumps do not
        move it (a sleep should last its length, not follow NTP).
        """
        return cls(time.monotonic_ns() + max(realtime_ns - time.time_ns(), 0))

    def ready(self, table: ResourceTable) -> bool:
        return time.monotonic_ns() >= self.deadline

    def deadline_ns(self, table: ResourceTable) -> int | None:
        return self.deadline

    def __repr__(self) -> str:
        return f"ClockPollable({self.deadline})"


class _FdPollable(Pollable):
    """Ready when the OS says ``fd`` is ready for ``EVENT``."""

    EVENT = 0

    def __init__(self, fd: int):
        self.fd = fd

    def ready(self, table: ResourceTable) -> bool:
        try:
            with selectors.DefaultSelector() as selector:
                selector.register(self.fd, self.EVENT)
                return bool(selector.select(0))
        except (OSError, ValueError):
            return True  # not waitable (regular file, directory, closed fd): see module docstring

    def wait_fd(self, table: ResourceTable) -> tuple[int, int] | None:
        return self.fd, self.EVENT

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.fd})"


class FdReadable(_FdPollable):
    """Ready when reading ``fd`` would not block (data, end of file, or an error)."""

    EVENT = selectors.EVENT_READ


class FdWritable(_FdPollable):
    """Ready when writing ``fd`` would not block."""

    EVENT = selectors.EVENT_WRITE
