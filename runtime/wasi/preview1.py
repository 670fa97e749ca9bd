"""The wasi_snapshot_preview1 functions, over a ``WasiCtx`` and a checked ``GuestMemory``.

Each public method is one import, taking the decoded arguments (see
``linker.py``) and either returning normally (errno 0, results already stored
in guest memory) or raising ``WasiErrno`` (an errno for the guest) or ``Trap``.

Behaviour follows wasmtime's preview1 adapter call for call — which descriptor
kinds each function accepts, the order of its checks, the fields it stores —
because the guest-visible answers are what the differential tests compare.
Notable wasmtime conventions kept here: reads and writes use only the first
non-empty iovec; file positions are tracked by us (``pread``/``pwrite`` at the
position), so appends are ``RWF_APPEND`` writes; ``d_ino``/``ino`` are hashes of
(dev, ino) and ``dev`` is 1; ``ctim`` is the file's birth time.
"""
from __future__ import annotations

import ctypes
import os
import time
from typing import TYPE_CHECKING

from ..errors import ExitTrap, Trap
from ..io.poll import poll
from ..io.pollable import AlwaysReady, FdReadable, Pollable
from ..resources import Resource
from . import abi
from .errno import Errno, WasiErrno, raise_os
from .fds import (MODE_READ, MODE_WRITE, Descriptor, DirPerms, Directory, File, FilePerms,
                  InputStream, OutputStream)
from .hoststat import HostStat, stat_at
from .inohash import guest_ino
from .memory import GuestMemory, out_of_bounds
from .paths import resolve

if TYPE_CHECKING:
    from .ctx import WasiCtx

_U32 = 1 << 32
_U64 = 1 << 64
#: most subscriptions one poll_oneoff accepts; wasmtime answers NOMEM past it before reading memory
MAX_SUBSCRIPTIONS = 1 << 21
_I64_MAX = (1 << 63) - 1
#: wasmtime refuses iovec arrays longer than this with ENOMEM before looking at them
MAX_IOVECS = 0x1000000
#: ... and a first non-empty buffer longer than this (its read/write buffer limit), also before the fd
MAX_IOVEC_LEN = 0x7FFFFF8
#: a sleep or poll deadline is re-checked at least this often (OS timeouts have limits)
_MAX_WAIT_NS = 86_400 * 1_000_000_000

_libc = ctypes.CDLL(None, use_errno=True)
_UTIME_NOW = (1 << 30) - 1
_UTIME_OMIT = (1 << 30) - 2
_AT_SYMLINK_NOFOLLOW = 0x100


class _Timespec(ctypes.Structure):
    _fields_ = [("tv_sec", ctypes.c_long), ("tv_nsec", ctypes.c_long)]


_libc.utimensat.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.POINTER(_Timespec), ctypes.c_int]
_libc.futimens.argtypes = [ctypes.c_int, ctypes.POINTER(_Timespec)]
_libc.posix_fadvise.argtypes = [ctypes.c_int, ctypes.c_int64, ctypes.c_int64, ctypes.c_int]

#: preview1 advice -> POSIX_FADV_*
_ADVICE = {0: 0, 1: 2, 2: 1, 3: 3, 4: 4, 5: 5}

_PREOPEN_RIGHTS = (
    abi.RIGHT_PATH_CREATE_DIRECTORY | abi.RIGHT_PATH_CREATE_FILE | abi.RIGHT_PATH_LINK_SOURCE
    | abi.RIGHT_PATH_LINK_TARGET | abi.RIGHT_PATH_OPEN | abi.RIGHT_FD_READDIR
    | abi.RIGHT_PATH_READLINK | abi.RIGHT_PATH_RENAME_SOURCE | abi.RIGHT_PATH_RENAME_TARGET
    | abi.RIGHT_PATH_SYMLINK | abi.RIGHT_PATH_REMOVE_DIRECTORY | abi.RIGHT_PATH_UNLINK_FILE
    | abi.RIGHT_PATH_FILESTAT_GET | abi.RIGHT_PATH_FILESTAT_SET_TIMES | abi.RIGHT_FD_FILESTAT_GET
    | abi.RIGHT_FD_FILESTAT_SET_TIMES)
_PREOPEN_INHERITING = (
    _PREOPEN_RIGHTS | abi.RIGHT_FD_DATASYNC | abi.RIGHT_FD_READ | abi.RIGHT_FD_SEEK
    | abi.RIGHT_FD_FDSTAT_SET_FLAGS | abi.RIGHT_FD_SYNC | abi.RIGHT_FD_TELL | abi.RIGHT_FD_WRITE
    | abi.RIGHT_FD_ADVISE | abi.RIGHT_FD_ALLOCATE | abi.RIGHT_FD_FILESTAT_GET
    | abi.RIGHT_FD_FILESTAT_SET_SIZE | abi.RIGHT_FD_FILESTAT_SET_TIMES
    | abi.RIGHT_POLL_FD_READWRITE)


def _perm(what: str) -> WasiErrno:
    return WasiErrno(Errno.PERM, f"{what} not permitted by the preopen's permissions")


def _timespec(set_: bool, ts: int, now: bool) -> tuple[int, int]:
    """A ``utimensat`` (sec, nsec) for one preview1 timestamp and its two flags."""
    if set_ and now:
        raise WasiErrno(Errno.INVAL, "a timestamp cannot be both set and 'now'")
    if set_:
        return ts // 1_000_000_000, ts % 1_000_000_000
    return (0, _UTIME_NOW) if now else (0, _UTIME_OMIT)


def _set_times(fd: int, name: bytes | None, atim: tuple[int, int], mtim: tuple[int, int]) -> None:
    """Set times of ``fd`` itself (``name`` None) or of ``name`` under ``fd``, never following a symlink."""
    times = (_Timespec * 2)(_Timespec(*atim), _Timespec(*mtim))
    if atim[1] == _UTIME_OMIT and mtim[1] == _UTIME_OMIT:
        return
    status = (_libc.futimens(fd, times) if name is None
              else _libc.utimensat(fd, name, times, _AT_SYMLINK_NOFOLLOW))
    if status != 0:
        err = ctypes.get_errno()
        raise raise_os(OSError(err, os.strerror(err)))


class GuestClock(Pollable):
    """A clock subscription: ready at a monotonic instant; wakes poll at least daily."""

    def __init__(self, deadline: int):
        self.deadline = deadline

    def ready(self, table: object) -> bool:
        return time.monotonic_ns() >= self.deadline

    def deadline_ns(self, table: object) -> int | None:
        return min(self.deadline, time.monotonic_ns() + _MAX_WAIT_NS)


def _sleep_ns(ns: int) -> None:
    deadline = time.monotonic_ns() + ns
    while (left := deadline - time.monotonic_ns()) > 0:
        time.sleep(min(left, _MAX_WAIT_NS) / 1e9)


class Preview1:
    """The import implementations for one ``WasiCtx``."""

    def __init__(self, ctx: WasiCtx):
        self.ctx = ctx
        self.fds = ctx.fds

    # -- descriptor lookups, with wasmtime's errno for each wrong kind --------------------
    def _desc(self, fd: int) -> Descriptor:
        return self.fds.get(fd)

    def _file(self, fd: int) -> File:
        desc = self.fds.get(fd)
        if not isinstance(desc, File):
            raise WasiErrno(Errno.BADF, f"fd {fd} is not a file")
        return desc

    def _dir(self, fd: int) -> Directory:
        desc = self.fds.get(fd)
        if not isinstance(desc, Directory):
            raise WasiErrno(Errno.BADF, f"fd {fd} is not a directory")
        return desc

    def _file_or_dir(self, fd: int) -> File | Directory:
        desc = self.fds.get(fd)
        if not isinstance(desc, (File, Directory)):
            raise WasiErrno(Errno.BADF, f"fd {fd} is a stdio stream")
        return desc

    def _seekable(self, fd: int) -> File:
        desc = self.fds.get(fd)
        if isinstance(desc, File):
            return desc
        if isinstance(desc, (InputStream, OutputStream)):
            raise WasiErrno(Errno.SPIPE, f"fd {fd} is a stream")
        raise WasiErrno(Errno.BADF, f"fd {fd} is not a file")

    @staticmethod
    def _first_iovec(mem: GuestMemory, iovs: int, count: int) -> tuple[int, int]:
        """The first non-empty (buf, len) of an iovec array, or (0, 0) if all are empty."""
        if count > MAX_IOVECS:
            raise WasiErrno(Errno.NOMEM, f"{count} iovecs")
        for i in range(count):
            at = iovs + i * abi.IOVEC_SIZE
            if at + abi.IOVEC_SIZE > _U32:
                raise out_of_bounds(at, abi.IOVEC_SIZE)
            buf, length = mem.u32(at), mem.u32(at + 4)
            if length > MAX_IOVEC_LEN:
                raise WasiErrno(Errno.NOMEM, f"an iovec of {length} bytes")
            if length:
                return buf, length
        return 0, 0

    # -- args, environment, clocks, random ---------------------------------------------
    @staticmethod
    def _write_strings(mem: GuestMemory, ptrs: int, buf: int, items: list[bytes]) -> None:
        for item in items:
            mem.set_u32(ptrs, buf)
            ptrs += 4
            if buf + len(item) + 1 > _U32:
                raise out_of_bounds(buf, len(item) + 1)
            mem.write_bytes(buf, item)
            mem.set_u8(buf + len(item), 0)
            buf += len(item) + 1

    def args_get(self, mem: GuestMemory, argv: int, argv_buf: int) -> None:
        self._write_strings(mem, argv, argv_buf, self.ctx.argv)

    def args_sizes_get(self, mem: GuestMemory, argc_ptr: int, size_ptr: int) -> None:
        # wiggle stores a function's results last to first
        mem.set_u32(size_ptr, sum(len(a) + 1 for a in self.ctx.argv))
        mem.set_u32(argc_ptr, len(self.ctx.argv))

    def _environ(self) -> list[bytes]:
        return [k + b"=" + v for k, v in self.ctx.env]

    def environ_get(self, mem: GuestMemory, environ: int, environ_buf: int) -> None:
        self._write_strings(mem, environ, environ_buf, self._environ())

    def environ_sizes_get(self, mem: GuestMemory, count_ptr: int, size_ptr: int) -> None:
        env = self._environ()
        mem.set_u32(size_ptr, sum(len(e) + 1 for e in env))
        mem.set_u32(count_ptr, len(env))

    def clock_res_get(self, mem: GuestMemory, clock: int, res_ptr: int) -> None:
        if clock in (abi.CLOCK_PROCESS_CPUTIME, abi.CLOCK_THREAD_CPUTIME):
            raise WasiErrno(Errno.BADF, "CPU-time clocks are not supported")
        mem.set_u64(res_ptr, 1)

    def clock_time_get(self, mem: GuestMemory, clock: int, precision: int, time_ptr: int) -> None:
        if clock == abi.CLOCK_REALTIME:
            now = time.time_ns()
        elif clock == abi.CLOCK_MONOTONIC:
            now = self.ctx.monotonic_now()
        else:
            raise WasiErrno(Errno.BADF, "CPU-time clocks are not supported")
        mem.set_u64(time_ptr, now)

    def random_get(self, mem: GuestMemory, buf: int, length: int) -> None:
        if length:
            mem.check(buf, length)      # before drawing: never allocate for a bad region
            mem.write_bytes(buf, os.urandom(length))

    # -- fd_* ---------------------------------------------------------------------------
    def fd_advise(self, mem: GuestMemory, fd: int, offset: int, length: int, advice: int) -> None:
        f = self._file(fd)
        signed = [v - _U64 if v > _I64_MAX else v for v in (offset, length)]
        err = _libc.posix_fadvise(f.fd, signed[0], signed[1], _ADVICE[advice])
        if err:
            raise raise_os(OSError(err, os.strerror(err)))

    def fd_allocate(self, mem: GuestMemory, fd: int, offset: int, length: int) -> None:
        self._file(fd)
        raise WasiErrno(Errno.NOTSUP, "fd_allocate is not supported")

    def fd_close(self, mem: GuestMemory, fd: int) -> None:
        self.fds.close(fd)

    def fd_datasync(self, mem: GuestMemory, fd: int) -> None:
        f = self._file(fd)
        try:
            os.fdatasync(f.fd)
        except OSError as exc:
            raise raise_os(exc) from None

    def fd_sync(self, mem: GuestMemory, fd: int) -> None:
        f = self._file(fd)
        try:
            os.fsync(f.fd)
        except OSError as exc:
            raise raise_os(exc) from None

    def fd_fdstat_get(self, mem: GuestMemory, fd: int, ptr: int) -> None:
        desc = self._desc(fd)
        flags = 0
        if isinstance(desc, (InputStream, OutputStream)):
            filetype = abi.FILETYPE_CHARACTER_DEVICE if desc.isatty else abi.FILETYPE_UNKNOWN
            base = inheriting = (abi.RIGHT_FD_READ if isinstance(desc, InputStream)
                                 else abi.RIGHT_FD_WRITE)
        elif isinstance(desc, Directory) and desc.preopen_path is not None:
            filetype, base, inheriting = abi.FILETYPE_DIRECTORY, _PREOPEN_RIGHTS, _PREOPEN_INHERITING
        else:
            if isinstance(desc, Directory):
                filetype = abi.FILETYPE_DIRECTORY
                readable, writable = bool(desc.mode & MODE_READ), False
            else:
                assert isinstance(desc, File)
                filetype = self._fstat(desc.fd).filetype
                readable, writable = bool(desc.mode & MODE_READ), bool(desc.mode & MODE_WRITE)
                flags = (abi.FDFLAGS_APPEND if desc.append else 0) | \
                    (abi.FDFLAGS_NONBLOCK if desc.nonblock else 0)
            base = abi.RIGHTS_ALL
            if filetype == abi.FILETYPE_DIRECTORY:
                base &= ~(abi.RIGHT_FD_SEEK | abi.RIGHT_FD_FILESTAT_SET_SIZE
                          | abi.RIGHT_PATH_FILESTAT_SET_SIZE)
            if not readable:
                base &= ~(abi.RIGHT_FD_READ | abi.RIGHT_FD_READDIR)
            if not writable:
                base &= ~abi.RIGHT_FD_WRITE
            inheriting = base
        mem.set_u8(ptr, filetype)
        mem.set_u16(ptr + 2, flags)
        mem.set_u64(ptr + 8, base)
        mem.set_u64(ptr + 16, inheriting)

    def fd_fdstat_set_flags(self, mem: GuestMemory, fd: int, flags: int) -> None:
        f = self._file(fd)
        if flags & (abi.FDFLAGS_DSYNC | abi.FDFLAGS_SYNC | abi.FDFLAGS_RSYNC):
            raise WasiErrno(Errno.INVAL, "only APPEND and NONBLOCK can be changed")
        f.append = bool(flags & abi.FDFLAGS_APPEND)
        f.nonblock = bool(flags & abi.FDFLAGS_NONBLOCK)

    def fd_fdstat_set_rights(self, mem: GuestMemory, fd: int, base: int, inheriting: int) -> None:
        self._file_or_dir(fd)
        raise WasiErrno(Errno.NOTSUP, "rights cannot be changed (preview1 rights are not enforced)")

    @staticmethod
    def _fstat(fd: int) -> HostStat:
        try:
            return stat_at(fd, "")
        except OSError as exc:
            raise raise_os(exc) from None

    @staticmethod
    def _write_filestat(mem: GuestMemory, ptr: int, st: HostStat | None, filetype: int) -> None:
        if st is None:
            values = (0, 0, 0, 0, 0, 0, 0)
        else:
            values = (1, guest_ino(st.dev, st.ino), st.nlink, st.size, st.atim, st.mtim, st.btim)
        mem.set_u64(ptr, values[0])
        mem.set_u64(ptr + 8, values[1])
        mem.set_u8(ptr + 16, filetype)
        for i, v in enumerate(values[2:]):
            mem.set_u64(ptr + 24 + 8 * i, v)

    def fd_filestat_get(self, mem: GuestMemory, fd: int, ptr: int) -> None:
        desc = self._desc(fd)
        if isinstance(desc, (InputStream, OutputStream)):
            ft = abi.FILETYPE_CHARACTER_DEVICE if desc.isatty else abi.FILETYPE_UNKNOWN
            self._write_filestat(mem, ptr, None, ft)
            return
        assert isinstance(desc, (File, Directory))
        st = self._fstat(desc.fd)
        self._write_filestat(mem, ptr, st, st.filetype)

    def fd_filestat_set_size(self, mem: GuestMemory, fd: int, size: int) -> None:
        f = self._file(fd)
        if not f.perms & FilePerms.WRITE:
            raise _perm("resizing a file")
        if size > _I64_MAX:
            raise WasiErrno(Errno.INVAL, f"size {size} is too large")
        try:
            os.ftruncate(f.fd, size)
        except OSError as exc:
            raise raise_os(exc) from None

    def fd_filestat_set_times(self, mem: GuestMemory, fd: int, atim: int, mtim: int,
                              fst: int) -> None:
        a = _timespec(bool(fst & abi.FSTFLAGS_ATIM), atim, bool(fst & abi.FSTFLAGS_ATIM_NOW))
        m = _timespec(bool(fst & abi.FSTFLAGS_MTIM), mtim, bool(fst & abi.FSTFLAGS_MTIM_NOW))
        desc = self._file_or_dir(fd)
        if isinstance(desc, File) and not desc.perms & FilePerms.WRITE:
            raise _perm("changing a file's times")
        if isinstance(desc, Directory) and not desc.perms & DirPerms.MUTATE:
            raise _perm("changing a directory's times")
        _set_times(desc.fd, None, a, m)

    def fd_read(self, mem: GuestMemory, fd: int, iovs: int, iovs_len: int, nread_ptr: int) -> None:
        buf, length = self._first_iovec(mem, iovs, iovs_len)
        desc = self._desc(fd)
        if isinstance(desc, File):
            view = mem.buffer(buf, length)
            n = self._pread(desc, view, desc.position)
            desc.position += n
        elif isinstance(desc, InputStream):
            data = self._stdin_read(desc, length)
            mem.write_bytes(buf, data)
            n = len(data)
        else:
            raise WasiErrno(Errno.BADF, f"fd {fd} is not readable")
        mem.set_u32(nread_ptr, n)

    @staticmethod
    def _stdin_read(desc: InputStream, length: int) -> bytes:
        try:
            return desc.read(length)
        except OSError as exc:
            raise raise_os(exc) from None

    @staticmethod
    def _pread(f: File, view: memoryview, offset: int) -> int:
        if offset > _I64_MAX:
            raise WasiErrno(Errno.INVAL, f"offset {offset} is too large")
        if not len(view):
            return 0
        try:
            return os.preadv(f.fd, [view], offset)
        except OSError as exc:
            raise raise_os(exc) from None

    def fd_pread(self, mem: GuestMemory, fd: int, iovs: int, iovs_len: int, offset: int,
                 nread_ptr: int) -> None:
        buf, length = self._first_iovec(mem, iovs, iovs_len)
        desc = self._desc(fd)
        if isinstance(desc, InputStream):
            raise WasiErrno(Errno.SPIPE, "stdin cannot be read at an offset")
        if not isinstance(desc, File):
            raise WasiErrno(Errno.BADF, f"fd {fd} is not a file")
        if not desc.perms & FilePerms.READ:
            raise WasiErrno(Errno.BADF, "file is not readable")
        n = self._pread(desc, mem.buffer(buf, length), offset)
        mem.set_u32(nread_ptr, n)

    def _write(self, mem: GuestMemory, fd: int, iovs: int, iovs_len: int,
               offset: int | None) -> int:
        buf, length = self._first_iovec(mem, iovs, iovs_len)
        desc = self._desc(fd)
        if isinstance(desc, File):
            data = mem.read_bytes(buf, length)
            try:
                if desc.append:
                    n = os.pwritev(desc.fd, [data], 0, os.RWF_APPEND) if data else 0
                else:
                    pos = desc.position if offset is None else offset
                    if pos > _I64_MAX:
                        raise WasiErrno(Errno.INVAL, f"offset {pos} is too large")
                    n = os.pwrite(desc.fd, data, pos) if data else 0
            except OSError as exc:
                raise raise_os(exc) from None
            if offset is None:
                desc.position = self._fstat(desc.fd).size if desc.append else desc.position + n
            return n
        if isinstance(desc, OutputStream):
            if offset is not None:
                raise WasiErrno(Errno.SPIPE, "stdout/stderr cannot be written at an offset")
            data = mem.read_bytes(buf, length)
            try:
                return desc.write(data)
            except OSError as exc:
                raise raise_os(exc) from None
        raise WasiErrno(Errno.BADF, f"fd {fd} is not writable")

    def fd_write(self, mem: GuestMemory, fd: int, iovs: int, iovs_len: int,
                 nwritten_ptr: int) -> None:
        mem.set_u32(nwritten_ptr, self._write(mem, fd, iovs, iovs_len, None))

    def fd_pwrite(self, mem: GuestMemory, fd: int, iovs: int, iovs_len: int, offset: int,
                  nwritten_ptr: int) -> None:
        mem.set_u32(nwritten_ptr, self._write(mem, fd, iovs, iovs_len, offset))

    def fd_prestat_get(self, mem: GuestMemory, fd: int, ptr: int) -> None:
        desc = self._desc(fd)
        if not isinstance(desc, Directory) or desc.preopen_path is None:
            raise WasiErrno(Errno.BADF, f"fd {fd} is not a preopened directory")
        mem.set_u8(ptr, 0)
        mem.set_u32(ptr + 4, len(desc.preopen_path.encode()))

    def fd_prestat_dir_name(self, mem: GuestMemory, fd: int, path: int, path_len: int) -> None:
        desc = self._desc(fd)
        if not isinstance(desc, Directory) or desc.preopen_path is None:
            raise WasiErrno(Errno.NOTDIR, f"fd {fd} is not a preopened directory")
        name = desc.preopen_path.encode()
        if len(name) > path_len:
            raise WasiErrno(Errno.NAMETOOLONG, f"preopen name needs {len(name)} bytes")
        mem.write_bytes(path, name)

    def fd_renumber(self, mem: GuestMemory, fd: int, to: int) -> None:
        self.fds.renumber(fd, to)

    def fd_seek(self, mem: GuestMemory, fd: int, offset: int, whence: int, newoffset_ptr: int) -> None:
        f = self._seekable(fd)
        if whence == abi.WHENCE_SET:
            pos = offset
        elif whence == abi.WHENCE_CUR:
            pos = f.position + offset
        else:
            pos = self._fstat(f.fd).size + offset
        if not 0 <= pos < _U64:
            raise WasiErrno(Errno.INVAL, f"seek to {pos}")
        f.position = pos
        mem.set_u64(newoffset_ptr, pos)

    def fd_tell(self, mem: GuestMemory, fd: int, ptr: int) -> None:
        mem.set_u64(ptr, self._seekable(fd).position)

    def fd_readdir(self, mem: GuestMemory, fd: int, buf: int, buf_len: int, cookie: int,
                   bufused_ptr: int) -> None:
        d = self._dir(fd)
        if not d.perms & DirPerms.READ:
            raise _perm("listing a directory")
        entries = self._list(d)
        dir_ino = guest_ino(*(lambda s: (s.dev, s.ino))(self._fstat(d.fd)))
        head = [(dir_ino, abi.FILETYPE_DIRECTORY, b"."), (dir_ino, abi.FILETYPE_DIRECTORY, b"..")]
        cap = buf_len
        at = buf
        for index, (ino, ftype, name) in enumerate(head + entries):
            if index < cookie:
                continue
            header = (index + 1).to_bytes(8, "little") + ino.to_bytes(8, "little") + \
                len(name).to_bytes(4, "little") + bytes([ftype, 0, 0, 0])
            chunk = header[:cap]
            mem.write_bytes(at, chunk)
            at, cap = at + len(chunk), cap - len(chunk)
            if cap == 0:
                break
            chunk = name[:cap]
            mem.write_bytes(at, chunk)
            at, cap = at + len(chunk), cap - len(chunk)
            if cap == 0:
                break
        mem.set_u32(bufused_ptr, buf_len - cap)

    def _list(self, d: Directory) -> list[tuple[int, int, bytes]]:
        """(ino hash, filetype, name) of each entry, in the OS's order, as wasmtime lists them."""
        out = []
        try:
            fd = os.open(".", os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC, dir_fd=d.fd)
            try:
                with os.scandir(fd) as it:
                    names = [entry.name for entry in it]
            finally:
                os.close(fd)
            for name in names:
                try:
                    raw = name.encode("utf-8")
                except UnicodeEncodeError:
                    raise WasiErrno(Errno.ILSEQ, "directory entry name is not UTF-8") from None
                st = stat_at(d.fd, name)
                out.append((guest_ino(st.dev, st.ino), st.filetype, raw))
        except OSError as exc:
            raise raise_os(exc) from None
        return out

    # -- path_* -------------------------------------------------------------------------
    def path_create_directory(self, mem: GuestMemory, fd: int, path: int, path_len: int) -> None:
        d = self._dir(fd)
        p = mem.read_str(path, path_len)
        if not d.perms & DirPerms.MUTATE:
            raise _perm("creating a directory")
        with resolve(d.fd, p, follow=False, trailing=True) as (parent, name):
            _os_call(os.mkdir, name, 0o777, dir_fd=parent)

    def path_filestat_get(self, mem: GuestMemory, fd: int, flags: int, path: int, path_len: int,
                          ptr: int) -> None:
        d = self._dir(fd)
        p = mem.read_str(path, path_len)
        if not d.perms & DirPerms.READ:
            raise _perm("reading metadata")
        with resolve(d.fd, p, follow=bool(flags & abi.LOOKUP_SYMLINK_FOLLOW), nul_first=True) as (parent, name):
            st = _os_call(stat_at, parent, name)
        self._write_filestat(mem, ptr, st, st.filetype)

    def path_filestat_set_times(self, mem: GuestMemory, fd: int, flags: int, path: int,
                                path_len: int, atim: int, mtim: int, fst: int) -> None:
        a = _timespec(bool(fst & abi.FSTFLAGS_ATIM), atim, bool(fst & abi.FSTFLAGS_ATIM_NOW))
        m = _timespec(bool(fst & abi.FSTFLAGS_MTIM), mtim, bool(fst & abi.FSTFLAGS_MTIM_NOW))
        d = self._dir(fd)
        p = mem.read_str(path, path_len)
        if not d.perms & DirPerms.MUTATE:
            raise _perm("changing times")
        follow = bool(flags & abi.LOOKUP_SYMLINK_FOLLOW)
        with resolve(d.fd, p, follow=follow, nul_first=follow) as (parent, name):
            if follow and not fst & (abi.FSTFLAGS_ATIM | abi.FSTFLAGS_ATIM_NOW | abi.FSTFLAGS_MTIM
                                     | abi.FSTFLAGS_MTIM_NOW):
                # nothing to set: Linux would succeed even for a missing file; wasmtime's follow is ENOENT
                _os_call(os.stat, name, dir_fd=parent, follow_symlinks=False)
            _set_times(parent, os.fsencode(name), a, m)

    def path_link(self, mem: GuestMemory, old_fd: int, old_flags: int, old_path: int,
                  old_len: int, new_fd: int, new_path: int, new_len: int) -> None:
        src, dst = self._dir(old_fd), self._dir(new_fd)
        sp, dp = mem.read_str(old_path, old_len), mem.read_str(new_path, new_len)
        if not src.perms & DirPerms.MUTATE or not dst.perms & DirPerms.MUTATE:
            raise _perm("linking")
        if old_flags & abi.LOOKUP_SYMLINK_FOLLOW:
            raise WasiErrno(Errno.INVAL, "path_link cannot follow symlinks")
        if (src.perms, src.file_perms) != (dst.perms, dst.file_perms):
            raise _perm("linking across preopens with different permissions")
        with resolve(src.fd, sp, follow=False) as (sdir, sname), \
                resolve(dst.fd, dp, follow=False) as (ddir, dname):
            _os_call(os.link, sname, dname, src_dir_fd=sdir, dst_dir_fd=ddir,
                     follow_symlinks=False)

    def path_open(self, mem: GuestMemory, fd: int, dirflags: int, path: int, path_len: int,
                  oflags: int, rights: int, inheriting: int, fdflags: int, fd_ptr: int) -> None:
        p = mem.read_str(path, path_len)
        want_read = bool(rights & abi.RIGHT_FD_READ)
        want_write = bool(rights & abi.RIGHT_FD_WRITE)
        desc = self._desc(fd)
        if isinstance(desc, File):
            raise WasiErrno(Errno.NOTDIR, f"fd {fd} is a file")
        if not isinstance(desc, Directory):
            raise WasiErrno(Errno.BADF, f"fd {fd} is not a directory")
        d = desc
        creat, trunc = bool(oflags & abi.OFLAGS_CREAT), bool(oflags & abi.OFLAGS_TRUNC)
        excl, directory = bool(oflags & abi.OFLAGS_EXCL), bool(oflags & abi.OFLAGS_DIRECTORY)
        if not d.perms & DirPerms.READ:
            raise _perm("opening")
        if not d.perms & DirPerms.MUTATE and (creat or trunc or want_write):
            raise _perm("creating, truncating or writing")
        flags = os.O_NOFOLLOW | os.O_CLOEXEC
        mode = 0
        if creat:
            flags |= os.O_CREAT | (os.O_EXCL if excl else 0)
            mode |= MODE_WRITE
        if trunc:
            flags |= os.O_TRUNC
            mode |= MODE_WRITE
        if want_read:
            mode |= MODE_READ
        if want_write:
            mode |= MODE_WRITE
        else:
            mode |= MODE_READ
        if fdflags & (abi.FDFLAGS_SYNC | abi.FDFLAGS_DSYNC | abi.FDFLAGS_RSYNC):
            raise WasiErrno(Errno.NOTSUP, "synchronous I/O flags are not supported")
        if directory and (creat or excl or trunc):
            raise WasiErrno(Errno.INVAL, "O_DIRECTORY with O_CREAT, O_EXCL or O_TRUNC")
        if not d.perms & DirPerms.MUTATE and creat:
            raise _perm("creating")
        if not d.file_perms & FilePerms.WRITE and mode & MODE_WRITE:
            raise _perm("opening for writing")
        wr = creat or trunc or want_write
        flags |= (os.O_RDWR if mode & MODE_READ else os.O_WRONLY) if wr else os.O_RDONLY
        with resolve(d.fd, p, follow=bool(dirflags & abi.LOOKUP_SYMLINK_FOLLOW), nul_first=True) as (parent, name):
            hfd = _os_call(os.open, name, flags, 0o666, dir_fd=parent)
        try:
            is_dir = self._fstat(hfd).filetype == abi.FILETYPE_DIRECTORY
            if not is_dir and directory:
                raise WasiErrno(Errno.NOTDIR, f"{p!r} is not a directory")
        except BaseException:
            os.close(hfd)
            raise
        new: Descriptor
        if is_dir:
            new = Directory(hfd, d.perms, d.file_perms, mode, None)
        else:
            new = File(hfd, d.file_perms, mode, bool(fdflags & abi.FDFLAGS_APPEND),
                       bool(fdflags & abi.FDFLAGS_NONBLOCK))
        try:
            num = self.fds.push(new)
        except BaseException:
            new.close()
            raise
        mem.set_u32(fd_ptr, num)

    def path_readlink(self, mem: GuestMemory, fd: int, path: int, path_len: int, buf: int,
                      buf_len: int, bufused_ptr: int) -> None:
        d = self._dir(fd)
        p = mem.read_str(path, path_len)
        if not d.perms & DirPerms.READ:
            raise _perm("reading a link")
        with resolve(d.fd, p, follow=False) as (parent, name):
            target = _os_call(os.readlink, os.fsencode(name), dir_fd=parent)
        if target.startswith(b"/"):
            raise WasiErrno(Errno.PERM, "the link points outside the sandbox (absolute target)")
        try:
            target.decode("utf-8")
        except UnicodeDecodeError:
            raise WasiErrno(Errno.ILSEQ, "link target is not UTF-8") from None
        target = target[:buf_len]
        mem.write_bytes(buf, target)
        mem.set_u32(bufused_ptr, len(target))

    def path_remove_directory(self, mem: GuestMemory, fd: int, path: int, path_len: int) -> None:
        d = self._dir(fd)
        p = mem.read_str(path, path_len)
        if not d.perms & DirPerms.MUTATE:
            raise _perm("removing a directory")
        with resolve(d.fd, p, follow=False) as (parent, name):
            _os_call(os.rmdir, name, dir_fd=parent)

    def path_rename(self, mem: GuestMemory, fd: int, old_path: int, old_len: int, new_fd: int,
                    new_path: int, new_len: int) -> None:
        src, dst = self._dir(fd), self._dir(new_fd)
        sp, dp = mem.read_str(old_path, old_len), mem.read_str(new_path, new_len)
        if not src.perms & DirPerms.MUTATE or not dst.perms & DirPerms.MUTATE:
            raise _perm("renaming")
        if (src.perms, src.file_perms) != (dst.perms, dst.file_perms):
            raise _perm("renaming across preopens with different permissions")
        with resolve(src.fd, sp, follow=False, trailing=True) as (sdir, sname), \
                resolve(dst.fd, dp, follow=False, trailing=True) as (ddir, dname):
            _os_call(os.rename, sname, dname, src_dir_fd=sdir, dst_dir_fd=ddir)

    def path_symlink(self, mem: GuestMemory, old_path: int, old_len: int, fd: int, new_path: int,
                     new_len: int) -> None:
        d = self._dir(fd)
        target = mem.read_str(old_path, old_len)
        p = mem.read_str(new_path, new_len)
        if not d.perms & DirPerms.MUTATE:
            raise _perm("creating a symlink")
        if target.startswith("/"):
            raise WasiErrno(Errno.PERM, "absolute symlink targets would lead outside the sandbox")
        with resolve(d.fd, p, follow=False) as (parent, name):
            if "\0" in target:             # after the walk to the new link, as wasmtime
                raise WasiErrno(Errno.INVAL, "link target contains a NUL byte")
            _os_call(os.symlink, target, name, dir_fd=parent)

    def path_unlink_file(self, mem: GuestMemory, fd: int, path: int, path_len: int) -> None:
        d = self._dir(fd)
        p = mem.read_str(path, path_len, limited=False)
        if not d.perms & DirPerms.MUTATE:
            raise _perm("unlinking")
        with resolve(d.fd, p, follow=False) as (parent, name):
            _os_call(os.unlink, name, dir_fd=parent)

    # -- poll, process, scheduling, sockets --------------------------------------------
    def _read_sub(self, mem: GuestMemory, at: int) -> tuple:
        """(userdata, tag, fields) of the subscription at ``at``; bad tags, clock ids or flags are EINVAL."""
        userdata = mem.u64(at)
        tag = mem.u8(at + 8)
        if tag > abi.EVENTTYPE_FD_WRITE:
            raise WasiErrno(Errno.INVAL, f"invalid subscription type {tag}")
        if tag == abi.EVENTTYPE_CLOCK:
            clock = mem.u32(at + 16)
            if clock > abi.CLOCK_THREAD_CPUTIME:
                raise WasiErrno(Errno.INVAL, f"invalid clock id {clock}")
            timeout, flags = mem.u64(at + 24), None
            mem.u64(at + 32)
            flags = mem.u16(at + 40)
            if flags & ~abi.SUBCLOCK_ABSTIME:
                raise WasiErrno(Errno.INVAL, f"invalid subscription clock flags {flags:#x}")
            return userdata, tag, (clock, timeout, flags)
        return userdata, tag, (mem.u32(at + 16),)

    @staticmethod
    def _write_event(mem: GuestMemory, at: int, userdata: int, etype: int, nbytes: int,
                     flags: int) -> None:
        mem.set_u64(at, userdata)
        mem.set_u16(at + 8, 0)
        mem.set_u8(at + 10, etype)
        mem.set_u64(at + 16, nbytes)
        mem.set_u16(at + 24, flags)

    def poll_oneoff(self, mem: GuestMemory, subs: int, events: int, nsubs: int,
                    nevents_ptr: int) -> None:
        if nsubs == 0:
            raise WasiErrno(Errno.INVAL, "poll_oneoff with no subscriptions would block forever")
        if nsubs > MAX_SUBSCRIPTIONS:
            raise WasiErrno(Errno.NOMEM, f"poll_oneoff of {nsubs} subscriptions (at most {MAX_SUBSCRIPTIONS})")
        if nsubs == 1:
            userdata, tag, fields = self._read_sub(mem, subs)
            if tag == abi.EVENTTYPE_CLOCK and not fields[2] & abi.SUBCLOCK_ABSTIME:
                _sleep_ns(fields[1])
                self._write_event(mem, events, userdata, abi.EVENTTYPE_CLOCK, 0, 0)
                mem.set_u32(nevents_ptr, 1)
                return
        table = self.ctx.table
        made: list[Resource[Pollable]] = []
        try:
            for i in range(nsubs):
                at = subs + i * abi.SUBSCRIPTION_SIZE
                if at + abi.SUBSCRIPTION_SIZE > _U32:
                    raise out_of_bounds(at, abi.SUBSCRIPTION_SIZE)
                made.append(self._subscribe(mem, at))
            ready = set(poll(table, made))
        finally:
            for res in made:
                table.delete(res)
        count = 0
        for i in sorted(ready):
            at = subs + i * abi.SUBSCRIPTION_SIZE
            out = events + count * abi.EVENT_SIZE
            if out + abi.EVENT_SIZE > _U32:
                raise out_of_bounds(out, abi.EVENT_SIZE)
            userdata, tag, fields = self._read_sub(mem, at)
            if tag == abi.EVENTTYPE_CLOCK:
                self._write_event(mem, out, userdata, tag, 0, 0)
            elif tag == abi.EVENTTYPE_FD_READ:
                desc = self._desc(fields[0])
                flags = 0
                if isinstance(desc, File):
                    if self._fstat(desc.fd).size <= desc.position:
                        flags = abi.EVENTRW_HANGUP
                elif not isinstance(desc, InputStream):
                    raise WasiErrno(Errno.BADF, f"fd {fields[0]} is not readable")
                self._write_event(mem, out, userdata, tag, 1, flags)
            else:
                desc = self._desc(fields[0])
                if not isinstance(desc, (File, OutputStream)):
                    raise WasiErrno(Errno.BADF, f"fd {fields[0]} is not writable")
                self._write_event(mem, out, userdata, tag, 1, 0)
            count += 1
        mem.set_u32(nevents_ptr, count)

    def _subscribe(self, mem: GuestMemory, at: int) -> Resource[Pollable]:
        """A pollable in the table for the subscription at ``at``."""
        table = self.ctx.table
        _, tag, fields = self._read_sub(mem, at)
        if tag == abi.EVENTTYPE_CLOCK:
            clock, timeout, flags = fields
            absolute = bool(flags & abi.SUBCLOCK_ABSTIME)
            now = time.monotonic_ns()
            if clock == abi.CLOCK_MONOTONIC:
                deadline = (self.ctx.monotonic_epoch + timeout) if absolute else now + timeout
            elif clock == abi.CLOCK_REALTIME and not absolute:
                deadline = now + timeout
            elif clock == abi.CLOCK_REALTIME:
                wall = time.time_ns()
                # wasmtime turns a future wall-clock deadline into a (wrapped) huge delay
                deadline = now + ((wall - timeout) % _U64 if wall < timeout else 0)
            else:
                raise WasiErrno(Errno.INVAL, "CPU-time clocks cannot be waited on")
            return table.push(GuestClock(deadline), type=Pollable)
        fd = fields[0]
        res = self.fds.resource(fd)
        desc = table.get(res)
        pollable: Pollable
        if tag == abi.EVENTTYPE_FD_READ:
            if isinstance(desc, InputStream):
                pollable = FdReadable(desc.fd) if desc.fd is not None and desc.isatty else AlwaysReady()
            elif isinstance(desc, File):
                if not desc.perms & FilePerms.READ:
                    raise WasiErrno(Errno.BADF, f"fd {fd} is not readable")
                pollable = AlwaysReady()
            else:
                raise WasiErrno(Errno.BADF, f"fd {fd} cannot be polled for reading")
        else:
            if isinstance(desc, OutputStream):
                pollable = AlwaysReady()
            elif isinstance(desc, File):
                if not desc.perms & FilePerms.WRITE:
                    raise WasiErrno(Errno.BADF, f"fd {fd} is not writable")
                pollable = AlwaysReady()
            else:
                raise WasiErrno(Errno.BADF, f"fd {fd} cannot be polled for writing")
        return table.push_child(pollable, res, type=Pollable)

    def proc_exit(self, mem: GuestMemory, code: int) -> None:
        if code >= 126:
            raise Trap("exit with invalid exit status outside of [0..126)")
        raise ExitTrap(code)

    def proc_raise(self, mem: GuestMemory, signal: int) -> None:
        raise WasiErrno(Errno.NOTSUP, "proc_raise is not supported")

    def sched_yield(self, mem: GuestMemory) -> None:
        os.sched_yield()

    def _not_a_socket(self, fd: int) -> None:
        self._desc(fd)
        raise WasiErrno(Errno.NOTSOCK, f"fd {fd} is not a socket")

    def sock_accept(self, mem: GuestMemory, fd: int, flags: int, fd_ptr: int) -> None:
        self._not_a_socket(fd)

    def sock_recv(self, mem: GuestMemory, fd: int, ri_data: int, ri_len: int, ri_flags: int,
                  ro_datalen_ptr: int, ro_flags_ptr: int) -> None:
        self._not_a_socket(fd)

    def sock_send(self, mem: GuestMemory, fd: int, si_data: int, si_len: int, si_flags: int,
                  so_datalen_ptr: int) -> None:
        self._not_a_socket(fd)

    def sock_shutdown(self, mem: GuestMemory, fd: int, how: int) -> None:
        self._not_a_socket(fd)


def _os_call(fn, *args, **kwargs):
    """Run a host file-system call, turning its ``OSError`` into the guest's errno."""
    try:
        return fn(*args, **kwargs)
    except OSError as exc:
        raise raise_os(exc) from None
