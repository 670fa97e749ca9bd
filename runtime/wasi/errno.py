"""Preview1 error numbers and the mapping from host ``OSError``s.

``Errno`` is the witx ``errno`` enum.  ``WasiErrno`` is how an implementation
function reports one: the import wrapper catches it and returns its number to
the guest, so an errno never escapes to the embedder as an exception.

``from_os_error`` maps host errors the way wasmtime does (its
``from_raw_os_error`` table): errnos it knows keep their meaning, anything else
becomes ``EIO``.  Matching that table matters because guests branch on errno
and the fuzzing harness diffs our answers against wasmtime's.
"""
from __future__ import annotations

import errno as _os
from enum import IntEnum


class Errno(IntEnum):
    SUCCESS = 0
    TOOBIG = 1
    ACCES = 2
    ADDRINUSE = 3
    ADDRNOTAVAIL = 4
    AFNOSUPPORT = 5
    AGAIN = 6
    ALREADY = 7
    BADF = 8
    BADMSG = 9
    BUSY = 10
    CANCELED = 11
    CHILD = 12
    CONNABORTED = 13
    CONNREFUSED = 14
    CONNRESET = 15
    DEADLK = 16
    DESTADDRREQ = 17
    DOM = 18
    DQUOT = 19
    EXIST = 20
    FAULT = 21
    FBIG = 22
    HOSTUNREACH = 23
    IDRM = 24
    ILSEQ = 25
    INPROGRESS = 26
    INTR = 27
    INVAL = 28
    IO = 29
    ISCONN = 30
    ISDIR = 31
    LOOP = 32
    MFILE = 33
    MLINK = 34
    MSGSIZE = 35
    MULTIHOP = 36
    NAMETOOLONG = 37
    NETDOWN = 38
    NETRESET = 39
    NETUNREACH = 40
    NFILE = 41
    NOBUFS = 42
    NODEV = 43
    NOENT = 44
    NOEXEC = 45
    NOLCK = 46
    NOLINK = 47
    NOMEM = 48
    NOMSG = 49
    NOPROTOOPT = 50
    NOSPC = 51
    NOSYS = 52
    NOTCONN = 53
    NOTDIR = 54
    NOTEMPTY = 55
    NOTRECOVERABLE = 56
    NOTSOCK = 57
    NOTSUP = 58
    NOTTY = 59
    NXIO = 60
    OVERFLOW = 61
    OWNERDEAD = 62
    PERM = 63
    PIPE = 64
    PROTO = 65
    PROTONOSUPPORT = 66
    PROTOTYPE = 67
    RANGE = 68
    ROFS = 69
    SPIPE = 70
    SRCH = 71
    STALE = 72
    TIMEDOUT = 73
    TXTBSY = 74
    XDEV = 75
    NOTCAPABLE = 76


class WasiErrno(Exception):
    """Raised inside a WASI implementation to return ``errno`` to the guest."""

    def __init__(self, errno: Errno, detail: str = ""):
        super().__init__(f"{errno.name}{': ' + detail if detail else ''}")
        self.errno = errno


_HOST_TO_WASI: dict[int, Errno] = {
    _os.EPIPE: Errno.PIPE,
    _os.EPERM: Errno.PERM,
    _os.ENOENT: Errno.NOENT,
    _os.ENOMEM: Errno.NOMEM,
    _os.EIO: Errno.IO,
    _os.EBADF: Errno.BADF,
    _os.EBUSY: Errno.BUSY,
    _os.EACCES: Errno.ACCES,
    _os.ENOTDIR: Errno.NOTDIR,
    _os.EISDIR: Errno.ISDIR,
    _os.EINVAL: Errno.INVAL,
    _os.EEXIST: Errno.EXIST,
    _os.EFBIG: Errno.FBIG,
    _os.ENOSPC: Errno.NOSPC,
    _os.ESPIPE: Errno.SPIPE,
    _os.EMLINK: Errno.MLINK,
    _os.ENAMETOOLONG: Errno.NAMETOOLONG,
    _os.ENOTEMPTY: Errno.NOTEMPTY,
    _os.ELOOP: Errno.LOOP,
    _os.EOVERFLOW: Errno.OVERFLOW,
    _os.EILSEQ: Errno.ILSEQ,
    _os.ENOTSUP: Errno.NOTSUP,
    _os.EOPNOTSUPP: Errno.NOTSUP,
    _os.EALREADY: Errno.ALREADY,
    _os.EINPROGRESS: Errno.INPROGRESS,
    _os.EINTR: Errno.INTR,
}


def from_os_error(exc: OSError) -> Errno:
    """The preview1 errno wasmtime reports for a host ``OSError`` (``EIO`` when unmapped)."""
    return _HOST_TO_WASI.get(exc.errno or 0, Errno.IO)


def raise_os(exc: OSError) -> "WasiErrno":
    """A ``WasiErrno`` for ``exc``, keeping the host message for debugging."""
    return WasiErrno(from_os_error(exc), str(exc))
