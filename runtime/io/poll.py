"""poll: block until at least one of a list of pollables is ready.

The pollables are *taken* out of the table for the duration (exclusive access:
nothing else can use or delete them meanwhile) and restored on every exit path,
so a poll that fails — bad handle, KeyboardInterrupt in the wait — leaves the
table exactly as it found it.  Waiting is done by the OS: a selector over the
pollables' file descriptors with a timeout equal to the nearest clock deadline
(a plain sleep when there are no descriptors), never a busy loop.
"""
from __future__ import annotations

import selectors
import time

from ..errors import Trap, WrongType
from ..resources import Resource, ResourceTable
from .pollable import Pollable

#: longest single OS wait, in seconds: a far deadline (a guest may ask for u64::MAX ns) is
#: reached by re-waiting, since the OS refuses timeouts that overflow its time types
MAX_WAIT = 86_400.0


def poll(table: ResourceTable, handles: list[Resource[Pollable]]) -> list[int]:
    """Indices (ascending) into ``handles`` of the pollables that are ready; at least one.

    A rep listed several times is taken once and reported at each of its
    indices.  An empty list traps ("empty poll list"); a bad handle raises the
    table's error (NotPresent, WrongType, Taken) and changes nothing.  If none
    is ready and none can ever wake the wait (no deadline, no descriptor), the
    poll would hang forever, so it traps instead.
    """
    if not handles:
        raise Trap("empty poll list")
    taken: dict[int, tuple[Resource[Pollable], Pollable]] = {}
    try:
        for handle in handles:
            if handle.rep in taken:
                _check_same_entry(table, handle)
                continue
            value = table.take(handle)
            taken[handle.rep] = (handle, value)
            if not isinstance(value, Pollable):
                raise WrongType(f"resource {handle.rep} ({table.type_of(handle.rep).__qualname__}) "
                                f"is not a Pollable", handle.rep, handle.type)
        pollables = {rep: value for rep, (_, value) in taken.items()}
        return _wait(table, [pollables[h.rep] for h in handles], list(pollables.values()))
    finally:
        for handle, value in taken.values():
            table.restore(handle, value)


def _check_same_entry(table: ResourceTable, handle: Resource[Pollable]) -> None:
    """A repeated rep was taken already; its handle's type must still match the entry."""
    actual = table.type_of(handle.rep)
    if not issubclass(actual, handle.type):
        raise WrongType(f"resource {handle.rep} ({handle.type.__qualname__}) is a "
                        f"{actual.__qualname__}, not a {handle.type.__qualname__}",
                        handle.rep, handle.type)


def _wait(table: ResourceTable, by_index: list[Pollable], unique: list[Pollable]) -> list[int]:
    while True:
        ready = {id(p) for p in unique if p.ready(table)}
        if ready:
            return [i for i, p in enumerate(by_index) if id(p) in ready]
        deadlines = [d for p in unique if (d := p.deadline_ns(table)) is not None]
        fds: dict[int, int] = {}
        for p in unique:
            if (key := p.wait_fd(table)) is not None:
                fds[key[0]] = fds.get(key[0], 0) | key[1]
        timeout = None
        if deadlines:
            timeout = min(max(min(deadlines) - time.monotonic_ns(), 0) / 1e9, MAX_WAIT)
        if fds:
            _select(fds, timeout)
        elif timeout is not None:
            time.sleep(timeout)
        else:
            raise Trap("poll would block forever: no pollable has a deadline or a descriptor")


def _select(fds: dict[int, int], timeout: float | None) -> None:
    """Sleep until one of ``fds`` is ready or ``timeout`` passes."""
    with selectors.DefaultSelector() as selector:
        try:
            for fd, events in fds.items():
                selector.register(fd, events)
        except (OSError, ValueError):
            return  # a descriptor the OS cannot wait on is ready by definition: re-check now
        selector.select(timeout)
