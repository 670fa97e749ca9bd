"""WasiConfig: what a WASI program sees (argv, environment, stdio, preopened directories).

Shaped like wasmtime-py's ``WasiConfig``: ``argv``/``env``/``stdin_file``/
``stdout_file``/``stderr_file`` are assignable, ``inherit_*`` methods share the
host process's, and ``preopen_dir`` grants a directory.  Files and directories
are opened when configured (as wasmtime does), so a bad path fails here with a
``WasmError`` rather than later inside the guest.
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from typing import BinaryIO, Iterable, Sequence

from ..errors import WasmError
from .fds import DirPerms, FilePerms


@dataclass
class Preopen:
    host_fd: int
    guest_path: str
    dir_perms: DirPerms
    file_perms: FilePerms


def _encode(value: object, what: str) -> str:
    if isinstance(value, bytes):
        return value.decode("utf-8", "surrogateescape")
    if isinstance(value, os.PathLike):
        return os.fspath(value) if isinstance(os.fspath(value), str) else _encode(os.fspath(value), what)
    if not isinstance(value, str):
        raise TypeError(f"{what} must be str, bytes or a path, got {type(value).__name__}")
    return value


class WasiConfig:
    """Configuration of one WASI context; consumed by ``Store.set_wasi``."""

    def __init__(self) -> None:
        self._argv: list[str] = []
        self._env: list[tuple[str, str]] = []
        self._stdin: BinaryIO | None = None
        self._stdout: BinaryIO | None = None
        self._stderr: BinaryIO | None = None
        self._inherit_stdin = self._inherit_stdout = self._inherit_stderr = False
        self._preopens: list[Preopen] = []

    # -- arguments and environment ------------------------------------------------------
    @property
    def argv(self) -> list[str]:
        return list(self._argv)

    @argv.setter
    def argv(self, argv: Sequence[str]) -> None:
        self._argv = [_encode(a, "argv entries") for a in argv]

    def inherit_argv(self) -> None:
        import sys
        self._argv = list(sys.argv)

    @property
    def env(self) -> list[tuple[str, str]]:
        return list(self._env)

    @env.setter
    def env(self, pairs: Iterable[Iterable[str]]) -> None:
        env = []
        for pair in pairs:
            name, value = pair
            env.append((_encode(name, "env names"), _encode(value, "env values")))
        self._env = env

    def inherit_env(self) -> None:
        self._env = list(os.environ.items())

    # -- stdio ----------------------------------------------------------------------------
    @property
    def stdin_file(self) -> None:
        raise AttributeError("stdin_file is write-only")

    @stdin_file.setter
    def stdin_file(self, path: str | bytes | os.PathLike) -> None:
        try:
            self._stdin = open(path, "rb", buffering=0)
        except OSError as exc:
            raise WasmError(f"failed to set stdin file {path!r}: {exc.strerror}") from None
        self._inherit_stdin = False

    def inherit_stdin(self) -> None:
        self._stdin, self._inherit_stdin = None, True

    @property
    def stdout_file(self) -> None:
        raise AttributeError("stdout_file is write-only")

    @stdout_file.setter
    def stdout_file(self, path: str | bytes | os.PathLike) -> None:
        self._stdout = self._open_output(path, "stdout")
        self._inherit_stdout = False

    def inherit_stdout(self) -> None:
        self._stdout, self._inherit_stdout = None, True

    @property
    def stderr_file(self) -> None:
        raise AttributeError("stderr_file is write-only")

    @stderr_file.setter
    def stderr_file(self, path: str | bytes | os.PathLike) -> None:
        self._stderr = self._open_output(path, "stderr")
        self._inherit_stderr = False

    def inherit_stderr(self) -> None:
        self._stderr, self._inherit_stderr = None, True

    @staticmethod
    def _open_output(path: str | bytes | os.PathLike, what: str) -> BinaryIO:
        try:
            return open(path, "wb", buffering=0)
        except OSError as exc:
            raise WasmError(f"failed to set {what} file {path!r}: {exc.strerror}") from None

    # -- directories ----------------------------------------------------------------------
    def preopen_dir(self, path: str | os.PathLike, guest_path: str,
                    dir_perms: DirPerms | bool = DirPerms.READ_WRITE,
                    file_perms: FilePerms | None = None) -> None:
        """Grant the guest ``path`` as ``guest_path``.

        The third argument is wasmtime-py's: either ``fs_mutable`` (a bool, as
        in wasmtime-py 50: False makes the directory and its files read-only)
        or ``DirPerms`` followed by ``FilePerms`` (older wasmtime-py).
        """
        if isinstance(dir_perms, bool):
            dperms = DirPerms.READ_WRITE if dir_perms else DirPerms.READ_ONLY
            fperms = FilePerms.READ_WRITE if dir_perms else FilePerms.READ_ONLY
        else:
            dperms = DirPerms(dir_perms)
            fperms = FilePerms(file_perms) if file_perms is not None else FilePerms.READ_WRITE
        guest = _encode(guest_path, "guest_path")
        try:
            fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
        except OSError as exc:
            raise WasmError(f"failed to add preopen dir {path!r}: {exc.strerror}") from None
        self._preopens.append(Preopen(fd, guest, dperms, fperms))

    def __del__(self) -> None:
        for pre in getattr(self, "_preopens", ()):
            try:
                os.close(pre.host_fd)
            except OSError:
                pass
