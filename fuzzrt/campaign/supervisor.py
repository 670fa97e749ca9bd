"""A persistent worker process fed jobs over a pipe, restarted when it dies, with a deadline per job.

The worker imports both engines once and then runs job after job, so the
per-input cost is the execution itself plus a pipe round trip.  When an input
crashes the worker (a fault in JIT code, an LLVM abort) or holds it past the
deadline, the supervisor records *where* (the stage from the shared progress
board, the Python stack faulthandler dumped to the worker's stderr) and
starts a fresh worker for the next job.  The campaign never dies with it.
"""
from __future__ import annotations

import os
import re
import select
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass

from fuzzrt.engines.executor import Job, PairResult
from fuzzrt.engines.outcome import Outcome
from fuzzrt.oracles.nopanic import ProcessFailure

from . import protocol
from .progress import ProgressBoard

DEFAULT_DEADLINE = 20.0
STARTUP_DEADLINE = 120.0
_FRAME = re.compile(r'File "([^"]+)", line \d+ in (\S+)')
_STDERR_TAIL = 8000


class HarnessError(Exception):
    """The harness itself failed inside the worker (not the runtime): a bug to fix in fuzzrt."""


@dataclass(slots=True)
class WorkerAnswer:
    """What came back for one job: the result, or how the worker failed (with wasmtime's outcome if known)."""

    result: PairResult | None = None
    reference: Outcome | None = None
    failure: ProcessFailure | None = None


@dataclass(slots=True)
class _Pending:
    """The job a worker is running: where its stderr started, its deadline, the answer so far."""

    stderr_mark: int
    deadline: float
    answer: WorkerAnswer
    finished: bool = False


def top_frame_of_dump(text: str) -> str:
    """The innermost runtime frame in a faulthandler dump ("most recent call first")."""
    for path, func in _FRAME.findall(text):
        norm = path.replace(os.sep, "/")
        if "/runtime/" in norm:
            return "runtime/" + norm.rsplit("/runtime/", 1)[1] + ":" + func
    return ""


class Supervisor:
    """Runs jobs in a worker process; see the module docstring."""

    def __init__(self, deadline: float = DEFAULT_DEADLINE):
        self.deadline = deadline
        self.restarts = 0
        self._dir = tempfile.mkdtemp(prefix="fuzzrt-worker-")
        self._board = ProgressBoard(os.path.join(self._dir, "progress"), create=True)
        self._stderr_path = os.path.join(self._dir, "stderr")
        self._proc: subprocess.Popen[bytes] | None = None
        self._buf = b""
        self._pending: _Pending | None = None

    # -- process management ------------------------------------------------------
    def _start(self) -> subprocess.Popen[bytes]:
        stderr = open(self._stderr_path, "ab")
        try:
            proc = subprocess.Popen(
                [sys.executable, "-m", "fuzzrt.campaign.worker", self._board.path],
                stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=stderr,
                start_new_session=True, close_fds=True)
        finally:
            stderr.close()
        self._proc, self._buf = proc, b""
        message = self._read(proc, time.monotonic() + STARTUP_DEADLINE)
        if message is None or message[0] != protocol.READY:
            self._kill()
            raise HarnessError(f"the worker did not start: {self._stderr_tail(0)}")
        return proc

    def _kill(self) -> None:
        proc, self._proc = self._proc, None
        if proc is None:
            return
        if proc.poll() is None:
            proc.kill()
        proc.wait()
        for stream in (proc.stdin, proc.stdout):
            if stream is not None:
                stream.close()

    def close(self) -> None:
        """Stop the worker (it exits on end of input) and remove the scratch files."""
        proc, self._proc = self._proc, None
        if proc is not None:
            try:
                if proc.stdin is not None:
                    proc.stdin.close()
                proc.wait(timeout=5)
            except (OSError, subprocess.TimeoutExpired):
                proc.kill()
                proc.wait()
            if proc.stdout is not None:
                proc.stdout.close()
        self._board.close()
        for name in ("progress", "stderr"):
            try:
                os.unlink(os.path.join(self._dir, name))
            except OSError:
                pass
        try:
            os.rmdir(self._dir)
        except OSError:
            pass

    def __enter__(self) -> Supervisor:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- I/O ------------------------------------------------------------------------
    def _read(self, proc: subprocess.Popen[bytes], deadline: float) -> tuple[str, object] | None | bool:
        """The next message; None at end of stream; False when ``deadline`` passed first."""
        assert proc.stdout is not None
        fd = proc.stdout.fileno()
        need = protocol.HEADER_SIZE
        while True:
            if len(self._buf) >= protocol.HEADER_SIZE:
                need = protocol.HEADER_SIZE + protocol.body_size(self._buf[:protocol.HEADER_SIZE])
                if len(self._buf) >= need:
                    body, self._buf = self._buf[protocol.HEADER_SIZE:need], self._buf[need:]
                    return protocol.decode(body)
            # past the deadline, still take what has already arrived
            ready, _, _ = select.select([fd], [], [], max(deadline - time.monotonic(), 0.0))
            if not ready:
                return False
            chunk = os.read(fd, max(65536, need - len(self._buf)))
            if not chunk:
                return None
            self._buf += chunk

    def _stderr_size(self) -> int:
        try:
            return os.path.getsize(self._stderr_path)
        except OSError:
            return 0

    def _stderr_tail(self, since: int) -> str:
        try:
            with open(self._stderr_path, "rb") as f:
                f.seek(max(since, self._stderr_size() - _STDERR_TAIL))
                return f.read().decode("utf-8", "replace")
        except OSError:
            return ""

    # -- running jobs -----------------------------------------------------------------
    @property
    def busy(self) -> bool:
        """Whether a job was started and its answer not yet collected."""
        return self._pending is not None

    def fileno(self) -> int | None:
        """The descriptor an answer arrives on (for ``select`` over several supervisors), if running."""
        proc = self._proc
        return proc.stdout.fileno() if proc is not None and proc.stdout is not None else None

    def start(self, job: Job) -> None:
        """Hand ``job`` to the worker (starting one if needed) without waiting for the answer."""
        if self._pending is not None:
            raise HarnessError("a job is already running in this worker")
        proc = self._proc if self._proc is not None and self._proc.poll() is None else self._start()
        self._pending = _Pending(self._stderr_size(), time.monotonic() + self.deadline, WorkerAnswer())
        self._board.set("queued")
        assert proc.stdin is not None
        try:
            proc.stdin.write(protocol.encode(protocol.JOB, job))
            proc.stdin.flush()
        except (BrokenPipeError, OSError):
            self._pending.answer.failure = self._failure("crash", proc, self._pending.stderr_mark)
            self._pending.finished = True

    def poll(self, timeout: float = 0.0) -> WorkerAnswer | None:
        """The answer to the started job if it arrives within ``timeout`` seconds, else None.

        A crash, or the job's deadline passing, is an answer (with ``failure``
        set).  Raises ``HarnessError`` only when the harness code itself
        failed in the worker.
        """
        pending = self._pending
        if pending is None:
            raise HarnessError("no job is running in this worker")
        proc = self._proc
        while not pending.finished:
            assert proc is not None
            wait_until = min(pending.deadline, time.monotonic() + timeout)
            message = self._read(proc, wait_until)
            if message is False:
                if time.monotonic() < pending.deadline:
                    return None
                pending.answer.failure = self._failure("hang", proc, pending.stderr_mark)
                break
            if message is None:
                pending.answer.failure = self._failure("crash", proc, pending.stderr_mark)
                break
            tag, payload = message
            if tag == protocol.REFERENCE:
                pending.answer.reference = payload
            elif tag in (protocol.DONE, protocol.RETIRING):
                pending.answer.result = payload
                if tag == protocol.RETIRING:
                    self._kill()
                break
            elif tag == protocol.ERROR:
                self._pending = None
                raise HarnessError(str(payload))
        self._pending = None
        return pending.answer

    def run(self, job: Job) -> WorkerAnswer:
        """Run ``job`` and wait for its answer; a crash or hang is an answer with ``failure`` set."""
        self.start(job)
        answer = self.poll(self.deadline + 1.0)
        while answer is None:
            answer = self.poll(self.deadline + 1.0)
        return answer

    def _failure(self, kind: str, proc: subprocess.Popen[bytes], stderr_mark: int) -> ProcessFailure:
        stage = self._board.get()
        if kind == "hang" and proc.poll() is None:
            try:
                os.kill(proc.pid, signal.SIGUSR1)   # faulthandler: dump every thread's stack
            except OSError:
                pass
            time.sleep(0.3)
        self._kill()
        self.restarts += 1
        code = proc.returncode
        if kind == "hang":
            how = ""
        elif code is not None and code < 0:
            try:
                how = signal.Signals(-code).name
            except ValueError:
                how = f"signal {-code}"
        else:
            how = f"exit {code}"
        tail = self._stderr_tail(stderr_mark)
        return ProcessFailure(kind, stage, how, top_frame_of_dump(tail), tail[-_STDERR_TAIL:])
