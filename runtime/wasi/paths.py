"""Sandboxed path resolution: walk a guest path beneath a directory fd, one component at a time.

A guest path is only ever interpreted relative to an open directory, by our
own walk: each component is opened with ``O_NOFOLLOW`` relative to the fd of
the one before (openat-style), symlinks are read with ``readlinkat`` and
spliced into the walk, and ``..`` pops our own stack of directory fds instead
of asking the OS for a parent.  So nothing — ``..`` past the root, an absolute
path, an absolute or climbing symlink, a directory renamed mid-walk — can reach
a directory that is not beneath the starting one.  Escapes are ``EPERM``, as
cap-std (wasmtime's sandbox) reports them; more than 40 symlink expansions is
``ELOOP``.

``resolve`` returns the directory holding the final component (an ``O_PATH``
fd) and that component's name, for the caller's ``*at`` system call, which
then never follows a symlink on its own.
"""
from __future__ import annotations

import errno
import os
import stat
from contextlib import contextmanager
from typing import Iterator

from .errno import Errno, WasiErrno, raise_os

MAX_SYMLINK_EXPANSIONS = 40
_DIR_FLAGS = os.O_PATH | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC


def _escape(path: str) -> WasiErrno:
    return WasiErrno(Errno.PERM, f"path {path!r} leads outside the preopened directory")


class Walk:
    """The state of one resolution: a stack of directory fds (the first is borrowed)."""

    def __init__(self, base_fd: int, path: str):
        self.path = path
        self.stack = [base_fd]
        self.expansions = 0

    @property
    def fd(self) -> int:
        return self.stack[-1]

    def up(self) -> None:
        if len(self.stack) == 1:
            raise _escape(self.path)
        os.close(self.stack.pop())

    def down(self, name: str) -> None:
        try:
            self.stack.append(os.open(name, _DIR_FLAGS, dir_fd=self.fd))
        except OSError as exc:
            # a symlink or non-directory swapped in after we looked: O_NOFOLLOW stops it
            raise raise_os(exc) from None

    def expand(self, name: str) -> list[str]:
        """The components of the symlink ``name`` in the current directory."""
        self.expansions += 1
        if self.expansions > MAX_SYMLINK_EXPANSIONS:
            raise WasiErrno(Errno.LOOP, f"too many symlinks resolving {self.path!r}")
        try:
            target = os.readlink(name, dir_fd=self.fd)
        except OSError as exc:
            raise raise_os(exc) from None
        if target.startswith("/"):
            raise _escape(self.path)
        if target == "":
            raise WasiErrno(Errno.NOENT, f"empty symlink in {self.path!r}")
        parts = target.split("/")
        if target.endswith("/"):
            parts[-1] = "."
        return parts

    def close(self) -> None:
        for fd in self.stack[1:]:
            os.close(fd)
        del self.stack[1:]


def _kind(dirfd: int, name: str, final: bool = False) -> int | None:
    """st_mode of ``name`` (not following symlinks), or None if it does not exist.

    A ``final`` name too long to stat is left to the operation on it, which
    may fail first for another reason (an empty symlink target is ENOENT).
    """
    try:
        return os.stat(name, dir_fd=dirfd, follow_symlinks=False).st_mode
    except FileNotFoundError:
        return None
    except OSError as exc:
        if final and exc.errno == errno.ENAMETOOLONG:
            return None
        raise raise_os(exc) from None


def _split(path: str) -> list[str]:
    parts = path.split("/")
    if path.endswith("/"):
        parts[-1] = "."   # "dir/" names the directory itself: it must resolve as one
    return parts


@contextmanager
def resolve(base_fd: int, path: str, follow: bool,
            trailing: bool = False, nul_first: bool = False) -> Iterator[tuple[int, str]]:
    """Yield ``(dirfd, name)`` for ``path`` beneath ``base_fd``; ``name`` is ``"."`` for a directory itself.

    ``follow`` says whether a symlink in the *final* position is followed (it
    always is elsewhere).  Raises ``WasiErrno`` for escapes (EPERM), empty
    paths (ENOENT), NUL bytes (EINVAL), symlink loops (ELOOP) and any OS error
    met on the way.

    With ``trailing``, a trailing slash is kept on the yielded name instead
    of being walked into (for mkdir and rename, whose system calls give a
    trailing slash its POSIX meaning without following a final symlink).

    A NUL byte is EINVAL when the walk reaches its component (so "new/\0" is
    ENOENT and "/\0" EPERM, as in wasmtime), or before anything else with
    ``nul_first``, as wasmtime's path_open, path_filestat_get and following
    path_filestat_set_times do.
    """
    if path == "":
        raise WasiErrno(Errno.NOENT, "empty path")
    if nul_first and "\0" in path:
        raise WasiErrno(Errno.INVAL, "path contains a NUL byte")
    if path.startswith("/"):
        raise _escape(path)
    slash = ""
    if trailing and path.endswith("/") and path.rstrip("/"):
        path, slash = path.rstrip("/"), "/"
    walk = Walk(base_fd, path)
    try:
        pending = _split(path)
        pending.reverse()          # a stack: pending[-1] is the next component
        final = "."
        while pending:
            comp = pending.pop()
            if "\0" in comp:
                raise WasiErrno(Errno.INVAL, f"{comp!r} contains a NUL byte")
            if comp in ("", "."):
                continue
            if comp == "..":
                walk.up()
                continue
            last = all(c in ("", ".") for c in pending)
            mode = _kind(walk.fd, comp, final=last)
            if mode is not None and stat.S_ISLNK(mode) and (follow or not last or _dir_required(pending)):
                expanded = walk.expand(comp)
                expanded.reverse()
                pending.extend(expanded)
                continue
            if last and not _dir_required(pending):
                final = comp
                break
            if mode is None:
                raise WasiErrno(Errno.NOENT, f"{comp!r} does not exist in {path!r}")
            if not stat.S_ISDIR(mode):
                raise WasiErrno(Errno.NOTDIR, f"{comp!r} is not a directory in {path!r}")
            walk.down(comp)
        yield walk.fd, final + slash if final != "." else final
    finally:
        walk.close()


def _dir_required(pending: list[str]) -> bool:
    """True if the remaining components (all ``.``/empty) came from a trailing slash."""
    return bool(pending) and all(c in ("", ".") for c in pending)
