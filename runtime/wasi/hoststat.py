"""Host file metadata as wasmtime reads it: ``statx`` with the birth time.

wasmtime fills preview1 ``ctim`` with the file's *creation* time (Rust's
``Metadata::created``, i.e. statx ``btime``) and 0 where the filesystem has
none, not with POSIX ``st_ctime``.  Python's ``os.stat`` has no birth time on
Linux, so this calls glibc's ``statx`` through ctypes, falling back to
``os.stat`` (ctim 0) when it is unavailable.
"""
from __future__ import annotations

import ctypes
import os
import stat as _stat
from dataclasses import dataclass

from . import abi

_AT_SYMLINK_NOFOLLOW = 0x100
_AT_EMPTY_PATH = 0x1000
_STATX_BASIC_STATS = 0x7FF
_STATX_BTIME = 0x800


class _Timestamp(ctypes.Structure):
    _fields_ = [("tv_sec", ctypes.c_int64), ("tv_nsec", ctypes.c_uint32), ("_pad", ctypes.c_int32)]


class _Statx(ctypes.Structure):
    _fields_ = [
        ("stx_mask", ctypes.c_uint32), ("stx_blksize", ctypes.c_uint32),
        ("stx_attributes", ctypes.c_uint64), ("stx_nlink", ctypes.c_uint32),
        ("stx_uid", ctypes.c_uint32), ("stx_gid", ctypes.c_uint32), ("stx_mode", ctypes.c_uint16),
        ("_pad1", ctypes.c_uint16), ("stx_ino", ctypes.c_uint64), ("stx_size", ctypes.c_uint64),
        ("stx_blocks", ctypes.c_uint64), ("stx_attributes_mask", ctypes.c_uint64),
        ("stx_atime", _Timestamp), ("stx_btime", _Timestamp), ("stx_ctime", _Timestamp),
        ("stx_mtime", _Timestamp), ("stx_rdev_major", ctypes.c_uint32),
        ("stx_rdev_minor", ctypes.c_uint32), ("stx_dev_major", ctypes.c_uint32),
        ("stx_dev_minor", ctypes.c_uint32), ("_spare", ctypes.c_uint64 * 14),
    ]


_libc = ctypes.CDLL(None, use_errno=True)
_statx = getattr(_libc, "statx", None)
if _statx is not None:
    _statx.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_uint,
                       ctypes.POINTER(_Statx)]
    _statx.restype = ctypes.c_int


@dataclass(frozen=True)
class HostStat:
    dev: int
    ino: int
    mode: int
    nlink: int
    size: int
    atim: int
    mtim: int
    btim: int

    @property
    def filetype(self) -> int:
        return filetype_of(self.mode)


def filetype_of(mode: int) -> int:
    """The preview1 filetype of a host ``st_mode`` (FIFOs and sockets are 'unknown', as in wasmtime)."""
    if _stat.S_ISDIR(mode):
        return abi.FILETYPE_DIRECTORY
    if _stat.S_ISLNK(mode):
        return abi.FILETYPE_SYMBOLIC_LINK
    if _stat.S_ISBLK(mode):
        return abi.FILETYPE_BLOCK_DEVICE
    if _stat.S_ISCHR(mode):
        return abi.FILETYPE_CHARACTER_DEVICE
    if _stat.S_ISREG(mode):
        return abi.FILETYPE_REGULAR_FILE
    return abi.FILETYPE_UNKNOWN


def _ns(ts: _Timestamp) -> int:
    return max(ts.tv_sec, 0) * 1_000_000_000 + ts.tv_nsec


def stat_at(dirfd: int, name: str, follow: bool = False) -> HostStat:
    """Metadata of ``name`` under ``dirfd`` (``""`` for ``dirfd`` itself); raises ``OSError``."""
    if _statx is not None:
        buf = _Statx()
        flags = (0 if follow else _AT_SYMLINK_NOFOLLOW) | (_AT_EMPTY_PATH if name == "" else 0)
        if _statx(dirfd, os.fsencode(name), flags, _STATX_BASIC_STATS | _STATX_BTIME,
                  ctypes.byref(buf)) != 0:
            err = ctypes.get_errno()
            raise OSError(err, os.strerror(err), name)
        dev = os.makedev(buf.stx_dev_major, buf.stx_dev_minor)
        btim = _ns(buf.stx_btime) if buf.stx_mask & _STATX_BTIME else 0
        return HostStat(dev, buf.stx_ino, buf.stx_mode, buf.stx_nlink, buf.stx_size,
                        _ns(buf.stx_atime), _ns(buf.stx_mtime), btim)
    st = os.stat(name, dir_fd=dirfd, follow_symlinks=follow) if name else os.fstat(dirfd)
    return HostStat(st.st_dev, st.st_ino, st.st_mode, st.st_nlink, st.st_size,
                    max(st.st_atime_ns, 0), max(st.st_mtime_ns, 0), 0)
