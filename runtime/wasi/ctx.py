"""WasiCtx: the per-store state of a WASI program, built from a ``WasiConfig``.

It owns the ResourceTable holding every open descriptor, the fd numbering on
top of it, argv/environment, and the epoch of the monotonic clock (wasmtime's
monotonic clock counts from the context's creation).  stdin, stdout and stderr
are fds 0-2, the preopened directories 3, 4, ... in configuration order.

Every host descriptor the context holds (its dups of the preopens, files and
directories the guest opened) is closed when the context goes away: a store
closed or dropped must not leak them (the poll fuzz target, creating stores
by the thousand, ran out of file descriptors before this).
"""
from __future__ import annotations

import os
import time
import weakref

from ..resources import ResourceTable
from .config import WasiConfig
from .preview1 import Preview1
from .fds import (MODE_READ, Directory, FdTable, InputStream, OutputStream, host_stream, isatty,
                  stdio_flush_target)


class WasiCtx:
    """The state of one WASI program; ``preview1`` holds its import implementations."""

    def __init__(self, config: WasiConfig, table: ResourceTable | None = None):
        self.argv = [a.encode("utf-8", "surrogateescape") for a in config._argv]
        self.env = [(k.encode("utf-8", "surrogateescape"), v.encode("utf-8", "surrogateescape"))
                    for k, v in config._env]
        self.table = table if table is not None else ResourceTable()
        self.fds = FdTable(self.table)
        self.monotonic_epoch = time.monotonic_ns()
        self._owned = [f for f in (config._stdin, config._stdout, config._stderr) if f is not None]

        stdin_fd = 0 if config._inherit_stdin else host_stream(config._stdin)
        self.fds.push(InputStream(stdin_fd, isatty(stdin_fd)))
        for inherit, file, host_fd in ((config._inherit_stdout, config._stdout, 1),
                                       (config._inherit_stderr, config._stderr, 2)):
            fd = host_fd if inherit else host_stream(file)
            flush = stdio_flush_target(host_fd) if inherit else None
            self.fds.push(OutputStream(fd, isatty(fd), flush))
        for pre in config._preopens:
            fd = os.dup(pre.host_fd)
            self.fds.push(Directory(fd, pre.dir_perms, pre.file_perms, MODE_READ, pre.guest_path))
        self.preview1 = Preview1(self)
        # a finalizer holding the fd table, not the context (which Preview1 refers back to)
        self._release = weakref.finalize(self, self.fds.close_all)

    def close(self) -> None:
        """Close every descriptor now (idempotent; otherwise done when the context is collected)."""
        self._release()

    def monotonic_now(self) -> int:
        return time.monotonic_ns() - self.monotonic_epoch
