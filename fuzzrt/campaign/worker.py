"""The worker process: runs jobs on both engines, so a crashing input kills only it.

Started by ``Supervisor`` as ``python -m fuzzrt.campaign.worker PROGRESS_FILE``.
It reads ``Job`` messages on stdin and answers on stdout (see ``protocol``);
anything else the process prints goes to stderr, which the supervisor keeps in
a file.  ``faulthandler`` dumps the Python stack on a fatal signal, and on
SIGUSR1 (the supervisor's "you are past the deadline"), so crashes and hangs
come with the frame they happened in.  It ignores SIGINT: the supervisor owns
shutdown, and a Ctrl-C in the terminal must not look like a crash.
"""
from __future__ import annotations

import faulthandler
import os
import signal
import sys
import traceback

from . import protocol
from .progress import ProgressBoard

#: a worker whose resident memory exceeds this retires after its current job
RSS_LIMIT_BYTES = 2 * 1024 ** 3


def _rss_bytes() -> int:
    try:
        with open("/proc/self/statm") as f:
            return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        return 0


def main(argv: list[str]) -> int:
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    faulthandler.enable(file=sys.stderr, all_threads=True)
    faulthandler.register(signal.SIGUSR1, file=sys.stderr, all_threads=True)
    board = ProgressBoard(argv[1])
    inp, out = sys.stdin.buffer, sys.stdout.buffer
    sys.stdout = sys.stderr      # stray prints must not corrupt the protocol

    from fuzzrt.engines.executor import default_engines, execute
    engines = default_engines()
    board.set("idle")
    protocol.write_message(out, protocol.READY, os.getpid())
    while True:
        message = protocol.read_message(inp)
        if message is None:
            return 0
        _, job = message
        try:
            result = execute(job, engines, board.set,
                             lambda ref: protocol.write_message(out, protocol.REFERENCE, ref))
        except Exception:
            protocol.write_message(out, protocol.ERROR, traceback.format_exc())
            board.set("idle")
            continue
        board.set("idle")
        retiring = _rss_bytes() > RSS_LIMIT_BYTES
        protocol.write_message(out, protocol.RETIRING if retiring else protocol.DONE, result)
        if retiring:
            return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
