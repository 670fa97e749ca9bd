"""poll over table-held pollables: real clocks, real pipes, and a table left intact on failure."""
from __future__ import annotations

import os
import signal
import threading
import time
from collections.abc import Iterator

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

import runtime as rt
from runtime.io import AlwaysReady, ClockPollable, FdReadable, FdWritable, Pollable, poll
from runtime.resources import Resource, ResourceTable

MS = 1_000_000


class Stream:
    """Stands in for the resource a pollable watches."""


class NeverReady(Pollable):
    """Not ready, and gives the OS nothing to wait on."""

    def ready(self, table: ResourceTable) -> bool:
        return False


class Exploding(Pollable):
    def ready(self, table: ResourceTable) -> bool:
        raise RuntimeError("pollable failed")


@pytest.fixture
def pipe() -> Iterator[tuple[int, int]]:
    r, w = os.pipe()
    yield r, w
    for fd in (r, w):
        try:
            os.close(fd)
        except OSError:
            pass


def snapshot(table: ResourceTable, handles: list[Resource]) -> list[tuple]:
    """Everything observable about ``handles``: present, type, value or taken."""
    state = []
    for res in handles:
        try:
            state.append((res.rep, table.type_of(res.rep), table.get(Resource(res.rep, object))))
        except rt.ResourceTableError as err:
            state.append((res.rep, type(err)))
    return [len(table), *state]


def timed_poll(table: ResourceTable, handles: list[Resource]) -> tuple[list[int], float, float]:
    """poll, returning (ready indices, wall seconds, CPU seconds)."""
    wall, cpu = time.monotonic(), time.process_time()
    ready = poll(table, handles)
    return ready, time.monotonic() - wall, time.process_time() - cpu


def test_empty_list_traps() -> None:
    with pytest.raises(rt.Trap, match="empty poll list"):
        poll(ResourceTable(), [])


def test_clock_deadline_waits_its_length_without_spinning() -> None:
    table = ResourceTable()
    clock = table.push_child(ClockPollable.after(50 * MS), table.push(Stream()))
    ready, wall, cpu = timed_poll(table, [clock])
    assert ready == [0]
    assert 0.045 <= wall < 0.5
    assert cpu < 0.025                           # slept in the OS, not a busy loop
    assert isinstance(table.get(clock), ClockPollable)     # restored, not taken


def test_nearest_deadline_wins_and_past_deadlines_are_immediate() -> None:
    table = ResourceTable()
    late = table.push(ClockPollable.after(2_000 * MS))
    soon = table.push(ClockPollable(time.monotonic_ns() + 30 * MS))
    ready, wall, _ = timed_poll(table, [late, soon])
    assert ready == [1] and 0.025 <= wall < 1.0
    past = table.push(ClockPollable.after(-5 * MS))
    wall_clock = table.push(ClockPollable.at_realtime(time.time_ns() - MS))
    ready, wall, _ = timed_poll(table, [late, past, wall_clock])
    assert ready == [1, 2] and wall < 0.1


def test_pipe_not_readable_until_written_writable_at_once(pipe: tuple[int, int]) -> None:
    r, w = pipe
    table = ResourceTable()
    stream = table.push(Stream())
    readable = table.push_child(FdReadable(r), stream)
    writable = table.push_child(FdWritable(w), stream)
    timeout = table.push(ClockPollable.after(50 * MS))
    ready, wall, _ = timed_poll(table, [readable, timeout])
    assert ready == [1] and wall >= 0.045
    assert poll(table, [readable, writable]) == [1]
    os.write(w, b"x")
    assert poll(table, [readable, writable]) == [0, 1]


def test_poll_sleeps_on_the_pipe_until_another_thread_writes(pipe: tuple[int, int]) -> None:
    r, w = pipe
    table = ResourceTable()
    readable = table.push(FdReadable(r))
    writer = threading.Timer(0.05, os.write, (w, b"x"))
    writer.start()
    try:
        ready, wall, cpu = timed_poll(table, [readable, table.push(ClockPollable.after(5_000 * MS))])
    finally:
        writer.join()
    assert ready == [0]
    assert 0.045 <= wall < 2.0 and cpu < 0.025


def test_eof_and_closed_descriptors_are_ready(pipe: tuple[int, int], tmp_path) -> None:
    r, w = pipe
    table = ResourceTable()
    os.close(w)                                   # end of file: reading would not block
    eof = table.push(FdReadable(r))
    with open(tmp_path / "f", "w+b") as regular:  # regular files are always ready
        reg_read = table.push(FdReadable(regular.fileno()))
        reg_write = table.push(FdWritable(regular.fileno()))
        assert poll(table, [eof, reg_read, reg_write]) == [0, 1, 2]
    dead_fd = os.dup(r)
    os.close(dead_fd)
    closed = table.push(FdReadable(dead_fd))      # closed: the read that follows says EBADF
    assert poll(table, [closed]) == [0]


def test_duplicates_are_taken_once_and_reported_at_each_index() -> None:
    table = ResourceTable()
    now = table.push(AlwaysReady())
    later = table.push(ClockPollable.after(1_000 * MS))
    assert poll(table, [now, later, now, Resource(now.rep, Pollable)]) == [0, 2, 3]
    assert isinstance(table.get(now), AlwaysReady) and isinstance(table.get(later), ClockPollable)


def test_bad_handles_raise_the_table_error_and_change_nothing() -> None:
    table = ResourceTable()
    parent = table.push(Stream())
    good = table.push_child(AlwaysReady(), parent)
    clock = table.push(ClockPollable.after(0))
    stale = table.push(AlwaysReady())
    table.delete(stale)
    held = table.push(AlwaysReady())
    held_value = table.take(held)
    everything = [parent, good, clock, stale, held]
    before = snapshot(table, everything)
    cases = [
        ([good, clock, stale], rt.NotPresent),
        ([good, Resource(1 << 31, Pollable)], rt.NotPresent),
        ([good, clock, Resource(clock.rep, AlwaysReady)], rt.WrongType),   # duplicate, wrong type
        ([good, Resource(parent.rep, Pollable)], rt.WrongType),
        ([clock, Resource(parent.rep, object)], rt.WrongType),              # not a Pollable
        ([good, clock, held], rt.Taken),
    ]
    for handles, error in cases:
        with pytest.raises(error) as info:
            poll(table, handles)
        assert type(info.value) is error
        assert snapshot(table, everything) == before
    table.restore(held, held_value)
    assert poll(table, [good, clock, held]) == [0, 1, 2]


def test_failures_while_waiting_restore_every_pollable() -> None:
    table = ResourceTable()
    clock = table.push(ClockPollable.after(1_000 * MS))
    never = table.push(NeverReady())
    with pytest.raises(rt.Trap, match="block forever"):
        poll(table, [never])
    boom = table.push(Exploding())
    with pytest.raises(RuntimeError, match="pollable failed"):
        poll(table, [clock, boom])
    for res in (clock, never, boom):
        table.get(res)                            # none left taken


class Interrupted(Exception):
    pass


def test_far_deadlines_wait_and_an_interrupted_wait_restores_the_table(
        pipe: tuple[int, int]) -> None:
    """A u64::MAX-ns timeout must neither overflow the OS wait nor leave anything taken."""
    r, w = pipe
    table = ResourceTable()
    forever = table.push(ClockPollable.after(2**64 - 1))
    readable = table.push(FdReadable(r))
    writer = threading.Timer(0.03, os.write, (w, b"x"))
    writer.start()
    try:
        assert poll(table, [forever, readable]) == [1]
    finally:
        writer.join()

    def interrupt(signum: int, frame: object) -> None:
        raise Interrupted

    previous = signal.signal(signal.SIGALRM, interrupt)
    signal.setitimer(signal.ITIMER_REAL, 0.03)
    try:
        with pytest.raises(Interrupted):
            poll(table, [forever])                # sleep path, no descriptors
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
    assert isinstance(table.get(forever), ClockPollable)


def test_a_pollable_keeps_what_it_watches_alive(pipe: tuple[int, int]) -> None:
    table = ResourceTable()
    stream = table.push(Stream())
    pollable = table.push_child(FdReadable(pipe[0]), stream)
    with pytest.raises(rt.HasChildren):
        table.delete(stream)
    assert list(table.iter_children(stream)) == [pollable]
    table.delete(pollable)
    table.delete(stream)
    assert len(table) == 0


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 3), st.sampled_from(["ready", "clock", "missing"])),
                min_size=1, max_size=8))
def test_poll_reports_exactly_the_ready_indices(picks: list[tuple[int, str]]) -> None:
    """Random lists (with duplicates and bad handles): either all ready indices or a clean error."""
    assume(any(kind != "clock" for _, kind in picks))   # all-clock would wait 10 s: see timer tests
    table = ResourceTable()
    kinds = {"ready": AlwaysReady, "clock": lambda: ClockPollable.after(10_000 * MS)}
    pool: dict[tuple[int, str], Resource] = {}
    for key in picks:
        if key not in pool and key[1] != "missing":
            pool[key] = table.push(kinds[key[1]]())
    missing = table.push(AlwaysReady())
    table.delete(missing)
    handles = [pool.get(key, missing) for key in picks]
    before = snapshot(table, handles)
    if any(kind == "missing" for _, kind in picks):
        with pytest.raises(rt.NotPresent):
            poll(table, handles)
    else:
        assert poll(table, handles) == [i for i, (_, kind) in enumerate(picks) if kind == "ready"]
    assert snapshot(table, handles) == before
