"""The ``poll`` target: random pollable sets through ``runtime.io.poll``, and guest ``poll_oneoff`` calls.

Host side: a ResourceTable holding streams and pollables of every kind
(``fuzzrt.oracles.poll_model.KINDS``: clocks past, zero, short and far; a
pipe's two ends; a file; always/never ready), then random pushes, takes,
restores, deletes, pipe writes and drains, and polls of random handle lists
(empty, duplicated, stale, taken, retyped, non-pollable).  ``PollModel``
predicts the exact error or ready indices; a poll that must wait is woken by
what the model says it waits for (the short clocks' shared deadline, or a
pipe write from a timer thread) and must return within a bound, using little
CPU (no busy loop).  Polls the model says would sleep forever (far clocks
only) are not run.  After every step the table must equal the model: a poll
that failed or returned leaves nothing taken.

Guest side: a module whose exported ``poll`` calls the ``poll_oneoff`` import
with random subscription bytes (clock ids, flags, zero and far timeouts,
fd_read/fd_write on stdio files, the preopen and bad fds, unknown tags), a
random count (0, the real count, huge) and pointers in, near the end of and
past memory, run on the runtime and on wasmtime with identical WASI setups:
errno or trap must agree exactly; on success the runtime must report exactly
the subscriptions that are ready (all but far timeouts), and every event
wasmtime writes must be among the runtime's, byte for byte.  (A known,
deliberate deviation: of several subscriptions ready at once, wasmtime 50
reports a subset that depends on its async scheduling — e.g. a zero-timeout
clock next to a ready fd_read yields only the fd_read event — while the
runtime reports them all, as POSIX poll does.)  Subscriptions are drawn so both engines
answer without waiting: a far timeout only ever comes after a subscription
that is ready at once.
"""
from __future__ import annotations

import os
import shutil
import struct
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import wasmtime

import runtime as rt
from fuzzrt.generators.case import Generated
from fuzzrt.generators.unstructured import Unstructured
from fuzzrt.oracles.poll_model import KINDS, WAIT_FOREVER, WAIT_PIPE, WAIT_SHORT, NeverReady, PollModel, Stream
from runtime.io import AlwaysReady, ClockPollable, FdReadable, FdWritable, Pollable, poll

from .resource_table import ResourceTableSession, attempt, handle_spec
from .sequence import Check, Op, Result, SequenceSession, SequenceTarget

VIEW_TYPES: dict[str, type] = {"Pollable": Pollable, "Stream": Stream, "object": object,
                               "ClockPollable": ClockPollable, "AlwaysReady": AlwaysReady}
VIEWS = (None, None, None, None, *VIEW_TYPES)
HOST_OPS = ("pollable", "pollable", "pollable", "stream", "take", "restore", "delete", "pipe_write",
            "pipe_drain", "poll", "poll", "poll", "poll", "guest")
MS = 1_000_000
#: how long after a session opens its short clocks fire, and the pipe timer's delay
SHORT_NS, PIPE_DELAY = 15 * MS, 0.005
#: a waiting poll must return within its wait plus this (seconds), using at most MAX_CPU seconds of CPU
SLACK, MAX_CPU = 2.0, 0.25

# -- guest side ------------------------------------------------------------------------------
PAGE = 65536
SUB_SIZE, EVENT_SIZE = 48, 32
GUEST_WAT = """(module
  (import "wasi_snapshot_preview1" "poll_oneoff" (func $poll (param i32 i32 i32 i32) (result i32)))
  (memory (export "memory") 1)
  (func (export "poll") (param i32 i32 i32 i32) (result i32)
    local.get 0 local.get 1 local.get 2 local.get 3 call $poll))"""
#: where subscriptions / events / the event count go: in memory, straddling its end, past it
PLACES = {"subs": (1024, PAGE - 40, PAGE + 16, 0xFFFF_FFF0), "events": (16384, PAGE - 20, PAGE, 0xFFFF_FFFF),
          "nevents": (8, PAGE - 2, PAGE + 4)}
GUEST_FDS = (0, 1, 2, 3, 3, 4, 9, 0x7FFF_FFFF, 0xFFFF_FFFF)
FAR = 0xFFFF_FFFF_FFFF_FFFF


def guest_sub(u: Unstructured, ready: bool) -> dict[str, Any]:
    """A subscription record; ``ready``: one that both engines answer at once."""
    sub: dict[str, Any] = {"userdata": u.int_in_range(0, 7)}
    choice = u.int_in_range(0, 9)
    if choice < 4:
        sub.update(tag=0, clock=u.choose((0, 1, 1, 2, 3, 7)), flags=u.choose((0, 0, 1, 2, 0xFFFF)),
                   precision=u.choose((0, 1, FAR)), timeout=0 if ready or u.ratio(2, 3) else FAR)
        if ready:
            sub.update(clock=1, flags=u.choose((0, 1)))
    elif choice < 9:
        sub.update(tag=u.choose((1, 2)), fd=u.choose(GUEST_FDS))
        if ready:
            sub.update(tag=1, fd=0)
    else:
        sub.update(tag=u.int_in_range(3, 255), fd=u.choose(GUEST_FDS))
        if ready:
            sub.update(tag=0, clock=1, flags=0, precision=0, timeout=0)
    return sub


def guest_op(u: Unstructured) -> Op:
    subs = [guest_sub(u, i == 0) for i in range(u.int_in_range(1, 5))]
    count = u.choose(("all", "all", "all", 0, 0x10000, 0xFFFF_FFFF))
    return {"op": "guest", "subs": subs, "nsubs": count,
            "at": [u.choose(range(len(PLACES[k]))) if u.ratio(1, 4) else 0 for k in PLACES]}


def encode_sub(sub: dict[str, Any]) -> bytes:
    record = bytearray(SUB_SIZE)
    struct.pack_into("<QB", record, 0, sub["userdata"], sub["tag"])
    if sub["tag"] == 0:
        struct.pack_into("<I4xQQH", record, 16, sub["clock"], sub["timeout"], sub["precision"], sub["flags"])
    else:
        struct.pack_into("<I", record, 16, sub["fd"])
    return bytes(record)


class GuestPoller:
    """The poll module under one engine (``rt`` or ``wasmtime``: same API shape), with stdio files."""

    def __init__(self, mod: Any, tmp: Path):
        self.mod = mod
        self.tmp = tmp
        self.engine = mod.Engine()
        self.module = mod.Module(self.engine, GUEST_WAT)

    def run(self, op: Op) -> Result:
        mod = self.mod
        root = self.tmp / mod.__name__
        if root.exists():
            shutil.rmtree(root)
        (root / "dir").mkdir(parents=True)
        (root / "stdin").write_bytes(b"input")
        cfg = mod.WasiConfig()
        cfg.stdin_file = str(root / "stdin")
        cfg.stdout_file = str(root / "stdout")
        cfg.stderr_file = str(root / "stderr")
        cfg.preopen_dir(str(root / "dir"), "/dir")
        store = mod.Store(self.engine)
        store.set_wasi(cfg)
        linker = mod.Linker(self.engine)
        linker.define_wasi()
        exports = linker.instantiate(store, self.module).exports(store)
        memory = exports["memory"]
        subs_at, events_at, nevents_at = (PLACES[k][i] for k, i in zip(PLACES, op["at"]))
        data = b"".join(encode_sub(s) for s in op["subs"])
        if subs_at + len(data) <= PAGE:
            memory.write(store, data, subs_at)
        count = len(op["subs"]) if op["nsubs"] == "all" else op["nsubs"]
        try:
            errno = exports["poll"](store, subs_at, events_at, count, nevents_at)
        except (rt.ExitTrap, wasmtime.ExitTrap) as exc:
            return Result("exit", exc.code)
        except (rt.Trap, wasmtime.Trap, wasmtime.WasmtimeError):
            return Result("trap")
        if errno != 0:
            return Result(f"errno:{errno}")
        n = int.from_bytes(memory.read(store, nevents_at, nevents_at + 4), "little")
        raw = bytes(memory.read(store, events_at, events_at + EVENT_SIZE * min(n, 8)))
        events = sorted(raw[i:i + EVENT_SIZE].hex() for i in range(0, len(raw), EVENT_SIZE))
        return Result("ok", (n, events))


# -- host side -------------------------------------------------------------------------------
class PollSession(ResourceTableSession):
    """A ResourceTable of streams and pollables with its ``PollModel`` (take/restore/delete as resource-table)."""

    model: PollModel

    def __init__(self, capacity: int):
        super().__init__(capacity, PollModel(capacity, VIEW_TYPES))
        self.short_deadline = time.monotonic_ns() + SHORT_NS
        self.tmp = Path(tempfile.mkdtemp(prefix="fuzzrt-poll-"))
        self.reader, self.writer = os.pipe()
        os.set_blocking(self.reader, False)
        self.file = os.open(self.tmp / "file", os.O_RDWR | os.O_CREAT)
        self.guests: list[GuestPoller] = []

    def close(self) -> None:
        for fd in (self.reader, self.writer, self.file):
            os.close(fd)
        shutil.rmtree(self.tmp, ignore_errors=True)

    def _make(self, kind: str) -> Pollable:
        now = time.monotonic_ns()
        made: dict[str, Any] = {
            "clock_past": lambda: ClockPollable(now - MS), "clock_zero": lambda: ClockPollable.after(0),
            "clock_short": lambda: ClockPollable(self.short_deadline),
            "clock_far": lambda: ClockPollable(now + 3600 * 10**9),
            "pipe_read": lambda: FdReadable(self.reader), "pipe_write": lambda: FdWritable(self.writer),
            "file_read": lambda: FdReadable(self.file), "always": AlwaysReady, "never": NeverReady,
        }
        return made[kind]()

    # -- ops ------------------------------------------------------------------------------
    def _stream(self, op: Op) -> list[Check]:
        m = self.model
        m.counter += 1
        value = Stream(m.counter)
        expected = Result("Full") if len(m.entries) >= m.capacity else Result("ok", m.next_rep())
        actual = attempt(self.table.push, value, convert=lambda r: r.rep)
        if expected.kind == "ok":
            m.add(value, Stream, None)
        return [Check("stream", expected, actual)]

    def _pollable(self, op: Op) -> list[Check]:
        m = self.model
        value = self._make(op["kind"])
        m.counter += 1
        value.n = m.counter  # type: ignore[attr-defined]
        parent = self._handle(op["parent"]) if "parent" in op else None
        error = m.lookup_error(parent.rep, parent.type) if parent is not None else None
        error = error or ("Full" if len(m.entries) >= m.capacity else None)
        expected = Result(error) if error else Result("ok", m.next_rep())
        if parent is None:
            actual = attempt(self.table.push, value, type=Pollable, convert=lambda r: r.rep)
        else:
            actual = attempt(self.table.push_child, value, parent, type=Pollable, convert=lambda r: r.rep)
        if error is None:
            m.kinds[m.add(value, Pollable, None if parent is None else parent.rep)] = op["kind"]
        return [Check("pollable", expected, actual)]

    def _delete(self, op: Op) -> list[Check]:
        checks = super()._delete(op)
        self.model.kinds = {rep: kind for rep, kind in self.model.kinds.items() if rep in self.model.entries}
        return checks

    def _pipe_write(self, op: Op) -> list[Check]:
        os.write(self.writer, b"x")
        self.model.pipe_has_data = True
        return []

    def _pipe_drain(self, op: Op) -> list[Check]:
        try:
            while os.read(self.reader, 4096):
                pass
        except BlockingIOError:
            pass
        self.model.pipe_has_data = False
        return []

    def _poll(self, op: Op) -> list[Check]:
        handles = [self._handle(spec) for spec in op["handles"]]
        prediction = self.model.predict([(h.rep, h.type) for h in handles])
        if prediction.wait == WAIT_FOREVER:
            return []          # far clocks only: would sleep an hour, by design
        if "clock_short" in (self.model.kinds.get(h.rep) for h in handles) and not self.model.short_due:
            if prediction.wait is None:
                self._sleep_until_short()            # no race with the deadline: it has passed
                prediction = self.model.predict([(h.rep, h.type) for h in handles])
        expected = Result(prediction.error) if prediction.error else Result("ok", list(prediction.ready))
        timer = threading.Timer(PIPE_DELAY, os.write, (self.writer, b"w")) if prediction.wait == WAIT_PIPE \
            else None
        wall, cpu = time.monotonic(), time.process_time()
        if timer is not None:
            timer.start()
        try:
            actual = attempt(poll, self.table, handles, convert=list)
        except rt.Trap:
            actual = Result("Trap")
        finally:
            if timer is not None:
                timer.join()
        wall, cpu = time.monotonic() - wall, time.process_time() - cpu
        if prediction.wait == WAIT_SHORT:
            self.model.short_due = True
        if prediction.wait == WAIT_PIPE:
            self.model.pipe_has_data = True
        bound = SLACK + (SHORT_NS / 1e9 if prediction.wait == WAIT_SHORT else PIPE_DELAY)
        timing = Result("ok", "bounded" if wall <= bound and cpu <= MAX_CPU else f"{wall:.3f}s/{cpu:.3f}cpu")
        return [Check("poll", expected, actual), Check("poll-time", Result("ok", "bounded"), timing)]

    def _sleep_until_short(self) -> None:
        delay = self.short_deadline - time.monotonic_ns()
        if delay > 0:
            time.sleep(delay / 1e9 + 0.001)
        self.model.short_due = True

    def _guest(self, op: Op) -> list[Check]:
        if not self.guests:
            self.guests = [GuestPoller(rt, self.tmp), GuestPoller(wasmtime, self.tmp)]
        runtime, reference = (g.run(op) for g in self.guests)
        checks = [Check("poll_oneoff", Result(reference.kind), Result(runtime.kind))]
        if runtime.kind == reference.kind == "ok":
            ready = sum(1 for sub in op["subs"] if sub["tag"] != 0 or sub["timeout"] == 0)
            (count, events), (_, reference_events) = runtime.value, reference.value
            checks.append(Check("poll_oneoff-count", Result("ok", ready), Result("ok", count)))
            missing = sorted(set(reference_events) - set(events))
            checks.append(Check("poll_oneoff-events", Result("ok", []), Result("ok", missing)))
        return checks


def host_op(u: Unstructured) -> Op:
    name = u.choose(HOST_OPS)
    if name == "pollable":
        op: Op = {"op": name, "kind": u.choose(KINDS)}
        if u.ratio(2, 3):
            op["parent"] = handle_spec(u, VIEWS)
        return op
    if name in ("take", "delete"):
        return {"op": name, "handle": handle_spec(u, VIEWS)}
    if name == "restore":
        return {"op": name, "handle": handle_spec(u, VIEWS), "value": u.choose(("own", "own", "own", "A"))}
    if name == "poll":
        specs: list[dict[str, Any]] = []
        for _ in range(u.int_in_range(0, 5)):
            specs.append(u.choose(specs) if specs and u.ratio(1, 5) else handle_spec(u, VIEWS))
        return {"op": name, "handles": specs}
    if name == "guest":
        return guest_op(u)
    return {"op": name}


class PollTarget(SequenceTarget):
    name = "poll"
    description = ("random pollable sets (clocks, pipes, files, duplicates, deleted/taken/retyped handles, "
                   "empty) through runtime.io.poll against a readiness model, and guest poll_oneoff calls "
                   "with random subscription bytes compared with wasmtime")
    max_ops = 24

    def generate_ops(self, u: Unstructured) -> tuple[list[Op], dict[str, Any]]:
        capacity = u.int_in_range(2, 12)
        ops = [host_op(u) for _ in range(u.arbitrary_len(self.max_ops))]
        return ops, {"capacity": capacity}

    def open(self, case: Generated) -> SequenceSession:
        return PollSession(int(case.config.get("capacity", 8)))


TARGET = PollTarget()
