"""The wasi_snapshot_preview1 ABI: function signatures, enum/flag domains, struct layouts.

Everything here is data taken from the preview1 witx, kept in one place so the
import table (``linker.py``), the argument decoder and the tests all agree.
Struct offsets are the witx C layout (natural alignment); every field is
written separately, as wasmtime's wiggle bindings do, so a struct's padding
bytes are never touched and a misaligned field traps after the fields before it
were stored.
"""
from __future__ import annotations

from typing import Final

#: module name of every import
MODULE: Final = "wasi_snapshot_preview1"

# -- value kinds of parameters ---------------------------------------------------------
#: ``u32``/``s32``-sized plain value (fd, size, pointer)
U32: Final = "u32"
#: ``u64`` plain value (filesize, timestamp), passed as wasm i64 and bit-cast
U64: Final = "u64"
#: ``s64`` (filedelta)
S64: Final = "s64"

#: name -> (parameter kinds, returns an errno).  A kind is U32/U64/S64 or the
#: name of an enum/flags type in ``ENUMS``/``FLAGS`` (decoded, and checked, before the call).
SIGNATURES: Final[dict[str, tuple[tuple[str, ...], bool]]] = {
    "args_get": ((U32, U32), True),
    "args_sizes_get": ((U32, U32), True),
    "environ_get": ((U32, U32), True),
    "environ_sizes_get": ((U32, U32), True),
    "clock_res_get": (("clockid", U32), True),
    "clock_time_get": (("clockid", U64, U32), True),
    "fd_advise": ((U32, U64, U64, "advice"), True),
    "fd_allocate": ((U32, U64, U64), True),
    "fd_close": ((U32,), True),
    "fd_datasync": ((U32,), True),
    "fd_fdstat_get": ((U32, U32), True),
    "fd_fdstat_set_flags": ((U32, "fdflags"), True),
    "fd_fdstat_set_rights": ((U32, "rights", "rights"), True),
    "fd_filestat_get": ((U32, U32), True),
    "fd_filestat_set_size": ((U32, U64), True),
    "fd_filestat_set_times": ((U32, U64, U64, "fstflags"), True),
    "fd_pread": ((U32, U32, U32, U64, U32), True),
    "fd_prestat_get": ((U32, U32), True),
    "fd_prestat_dir_name": ((U32, U32, U32), True),
    "fd_pwrite": ((U32, U32, U32, U64, U32), True),
    "fd_read": ((U32, U32, U32, U32), True),
    "fd_readdir": ((U32, U32, U32, U64, U32), True),
    "fd_renumber": ((U32, U32), True),
    "fd_seek": ((U32, S64, "whence", U32), True),
    "fd_sync": ((U32,), True),
    "fd_tell": ((U32, U32), True),
    "fd_write": ((U32, U32, U32, U32), True),
    "path_create_directory": ((U32, U32, U32), True),
    "path_filestat_get": ((U32, "lookupflags", U32, U32, U32), True),
    "path_filestat_set_times": ((U32, "lookupflags", U32, U32, U64, U64, "fstflags"), True),
    "path_link": ((U32, "lookupflags", U32, U32, U32, U32, U32), True),
    "path_open": ((U32, "lookupflags", U32, U32, "oflags", "rights", "rights", "fdflags", U32),
                  True),
    "path_readlink": ((U32, U32, U32, U32, U32, U32), True),
    "path_remove_directory": ((U32, U32, U32), True),
    "path_rename": ((U32, U32, U32, U32, U32, U32), True),
    "path_symlink": ((U32, U32, U32, U32, U32), True),
    "path_unlink_file": ((U32, U32, U32), True),
    "poll_oneoff": ((U32, U32, U32, U32), True),
    "proc_exit": ((U32,), False),
    "proc_raise": (("signal",), True),
    "sched_yield": ((), True),
    "random_get": ((U32, U32), True),
    "sock_accept": ((U32, "fdflags", U32), True),
    "sock_recv": ((U32, U32, U32, "riflags", U32, U32), True),
    "sock_send": ((U32, U32, U32, "siflags", U32), True),
    "sock_shutdown": ((U32, "sdflags"), True),
}

#: parameters whose wasm type is i64 (the rest are i32)
WIDE_KINDS: Final = frozenset({U64, S64, "rights"})

#: enum name -> (bit width of its representation, number of cases)
ENUMS: Final[dict[str, tuple[int, int]]] = {
    "clockid": (32, 4),
    "whence": (8, 3),
    "advice": (8, 6),
    "signal": (8, 31),
    "eventtype": (8, 3),
}

#: flags name -> (bit width of its representation, mask of the defined bits)
FLAGS: Final[dict[str, tuple[int, int]]] = {
    "fdflags": (16, 0x1F),
    "oflags": (16, 0xF),
    "lookupflags": (32, 0x1),
    "fstflags": (16, 0xF),
    "rights": (64, (1 << 30) - 1),
    "riflags": (16, 0x3),
    "siflags": (16, 0xFFFF),     # no bits defined, none rejected (as wasmtime)
    "sdflags": (8, 0x3),
    "subclockflags": (16, 0x1),
}

# -- enum and flag values ------------------------------------------------------------
CLOCK_REALTIME, CLOCK_MONOTONIC, CLOCK_PROCESS_CPUTIME, CLOCK_THREAD_CPUTIME = range(4)
WHENCE_SET, WHENCE_CUR, WHENCE_END = range(3)
EVENTTYPE_CLOCK, EVENTTYPE_FD_READ, EVENTTYPE_FD_WRITE = range(3)

FILETYPE_UNKNOWN = 0
FILETYPE_BLOCK_DEVICE = 1
FILETYPE_CHARACTER_DEVICE = 2
FILETYPE_DIRECTORY = 3
FILETYPE_REGULAR_FILE = 4
FILETYPE_SOCKET_DGRAM = 5
FILETYPE_SOCKET_STREAM = 6
FILETYPE_SYMBOLIC_LINK = 7

FDFLAGS_APPEND = 0x1
FDFLAGS_DSYNC = 0x2
FDFLAGS_NONBLOCK = 0x4
FDFLAGS_RSYNC = 0x8
FDFLAGS_SYNC = 0x10

OFLAGS_CREAT = 0x1
OFLAGS_DIRECTORY = 0x2
OFLAGS_EXCL = 0x4
OFLAGS_TRUNC = 0x8

LOOKUP_SYMLINK_FOLLOW = 0x1

FSTFLAGS_ATIM = 0x1
FSTFLAGS_ATIM_NOW = 0x2
FSTFLAGS_MTIM = 0x4
FSTFLAGS_MTIM_NOW = 0x8

SUBCLOCK_ABSTIME = 0x1
EVENTRW_HANGUP = 0x1

RIGHT_FD_DATASYNC = 1 << 0
RIGHT_FD_READ = 1 << 1
RIGHT_FD_SEEK = 1 << 2
RIGHT_FD_FDSTAT_SET_FLAGS = 1 << 3
RIGHT_FD_SYNC = 1 << 4
RIGHT_FD_TELL = 1 << 5
RIGHT_FD_WRITE = 1 << 6
RIGHT_FD_ADVISE = 1 << 7
RIGHT_FD_ALLOCATE = 1 << 8
RIGHT_PATH_CREATE_DIRECTORY = 1 << 9
RIGHT_PATH_CREATE_FILE = 1 << 10
RIGHT_PATH_LINK_SOURCE = 1 << 11
RIGHT_PATH_LINK_TARGET = 1 << 12
RIGHT_PATH_OPEN = 1 << 13
RIGHT_FD_READDIR = 1 << 14
RIGHT_PATH_READLINK = 1 << 15
RIGHT_PATH_RENAME_SOURCE = 1 << 16
RIGHT_PATH_RENAME_TARGET = 1 << 17
RIGHT_PATH_FILESTAT_GET = 1 << 18
RIGHT_PATH_FILESTAT_SET_SIZE = 1 << 19
RIGHT_PATH_FILESTAT_SET_TIMES = 1 << 20
RIGHT_FD_FILESTAT_GET = 1 << 21
RIGHT_FD_FILESTAT_SET_SIZE = 1 << 22
RIGHT_FD_FILESTAT_SET_TIMES = 1 << 23
RIGHT_PATH_SYMLINK = 1 << 24
RIGHT_PATH_REMOVE_DIRECTORY = 1 << 25
RIGHT_PATH_UNLINK_FILE = 1 << 26
RIGHT_POLL_FD_READWRITE = 1 << 27
RIGHT_SOCK_SHUTDOWN = 1 << 28
RIGHT_SOCK_ACCEPT = 1 << 29
RIGHTS_ALL = (1 << 30) - 1

# -- struct layouts: (offset, size) of each field ------------------------------------
IOVEC_SIZE = 8            # buf: u32 @0, buf_len: u32 @4
FDSTAT_SIZE = 24          # filetype u8 @0, flags u16 @2, rights_base u64 @8, inheriting u64 @16
FILESTAT_SIZE = 64        # dev @0, ino @8, filetype u8 @16, nlink @24, size @32, atim @40, mtim @48, ctim @56
DIRENT_SIZE = 24          # d_next u64 @0, d_ino u64 @8, d_namlen u32 @16, d_type u8 @20
PRESTAT_SIZE = 8          # tag u8 @0, pr_name_len u32 @4
SUBSCRIPTION_SIZE = 48    # userdata u64 @0, tag u8 @8, union @16
EVENT_SIZE = 32           # userdata u64 @0, error u16 @8, type u8 @10, nbytes u64 @16, flags u16 @24
