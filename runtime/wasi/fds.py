"""The host objects behind guest file descriptors, and the fd-number table.

Each open descriptor (stdio stream, file, directory) is an object living in the
store's ``ResourceTable``; ``FdTable`` maps the guest's fd numbers to their
``Resource`` handles.  Numbers are handed out the way wasmtime does — the
highest previously freed number first, else one past the highest in use — so
guests see the same fd values under both engines.  (The ResourceTable's own
reps carry generations and are not what a guest should see as an fd.)
"""
from __future__ import annotations

import os
import sys
from bisect import insort
from enum import IntFlag
from typing import Any, BinaryIO

from ..resources import Resource, ResourceTable
from .errno import Errno, WasiErrno


class DirPerms(IntFlag):
    """What a guest may do with a preopened directory (wasmtime-py's ``DirPerms``)."""

    READ = 1
    MUTATE = 2
    READ_ONLY = 1
    READ_WRITE = 3


class FilePerms(IntFlag):
    """What a guest may do with files opened under a preopen (wasmtime-py's ``FilePerms``)."""

    READ = 1
    WRITE = 2
    READ_ONLY = 1
    READ_WRITE = 3


#: how a file or directory was opened (``OpenMode`` in wasmtime)
MODE_READ = 1
MODE_WRITE = 2


class Descriptor:
    """Base of everything an fd can name."""

    def close(self) -> None:
        """Release host resources; called once, when the last fd naming it goes away."""


class InputStream(Descriptor):
    """fd 0: reads from a host fd, or is closed (reads return end of file)."""

    def __init__(self, fd: int | None, isatty: bool):
        self.fd = fd
        self.isatty = isatty

    def read(self, size: int) -> bytes:
        if self.fd is None or size == 0:
            return b""
        return os.read(self.fd, size)


class OutputStream(Descriptor):
    """fd 1/2: writes everything to a host fd, or discards it."""

    def __init__(self, fd: int | None, isatty: bool, flush: Any = None):
        self.fd = fd
        self.isatty = isatty
        self._flush = flush  # the Python-level stream sharing ``fd``, flushed first to keep order

    def write(self, data: bytes) -> int:
        if self.fd is not None:
            if self._flush is not None:
                self._flush.flush()
            view = memoryview(data)
            while view:
                view = view[os.write(self.fd, view):]
        return len(data)


class File(Descriptor):
    """A regular (or other non-directory) file; the guest's position is tracked here."""

    def __init__(self, fd: int, perms: FilePerms, mode: int, append: bool, nonblock: bool):
        self.fd = fd
        self.perms = perms
        self.mode = mode
        self.position = 0
        self.append = append
        self.nonblock = nonblock

    def close(self) -> None:
        os.close(self.fd)


class Directory(Descriptor):
    """An open directory: a preopen (``preopen_path`` set) or one opened by ``path_open``."""

    def __init__(self, fd: int, perms: DirPerms, file_perms: FilePerms, mode: int,
                 preopen_path: str | None):
        self.fd = fd
        self.perms = perms
        self.file_perms = file_perms
        self.mode = mode
        self.preopen_path = preopen_path

    def close(self) -> None:
        os.close(self.fd)


def host_stream(file: BinaryIO | None) -> int | None:
    return file.fileno() if file is not None else None


def isatty(fd: int | None) -> bool:
    try:
        return fd is not None and os.isatty(fd)
    except OSError:
        return False


class FdTable:
    """Guest fd numbers -> ``Resource`` handles of descriptors in a ``ResourceTable``."""

    def __init__(self, table: ResourceTable):
        self.table = table
        self._used: dict[int, Resource[Descriptor]] = {}
        self._free: list[int] = []   # sorted; the highest is reused first

    def push(self, desc: Descriptor) -> int:
        if self._free:
            fd = self._free.pop()
        elif self._used:
            fd = max(self._used) + 1
            if fd > 0xFFFFFFFF:
                raise WasiErrno(Errno.LOOP, "no file descriptor number left")
        else:
            fd = 0
        self._used[fd] = self.table.push(desc, type=Descriptor)
        return fd

    def get(self, fd: int) -> Descriptor:
        res = self._used.get(fd)
        if res is None:
            raise WasiErrno(Errno.BADF, f"fd {fd} is not open")
        return self.table.get(res)

    def resource(self, fd: int) -> Resource[Descriptor]:
        res = self._used.get(fd)
        if res is None:
            raise WasiErrno(Errno.BADF, f"fd {fd} is not open")
        return res

    def close(self, fd: int) -> None:
        res = self.resource(fd)
        desc = self.table.delete(res)
        del self._used[fd]
        insort(self._free, fd)
        desc.close()

    def renumber(self, src: int, dst: int) -> None:
        """wasmtime's ``fd_renumber``: both must be open; ``dst`` is closed and replaced by ``src``."""
        src_res, dst_res = self.resource(src), self.resource(dst)
        if src == dst:
            return
        displaced = self.table.delete(dst_res)
        self._used[dst] = src_res
        del self._used[src]
        insort(self._free, src)
        displaced.close()

    def close_all(self) -> None:
        for fd in sorted(self._used):
            self.close(fd)


def stdio_flush_target(fd: int) -> Any:
    """The Python stream writing to host ``fd`` (1 or 2), flushed before WASI writes to it."""
    return {1: sys.stdout, 2: sys.stderr}.get(fd)
