"""WASI preview1 (``wasi_snapshot_preview1``) for the runtime, shaped like wasmtime-py's.

``WasiConfig`` describes what the program sees; ``Store.set_wasi(config)``
builds its context (descriptors in a ``ResourceTable``); ``Linker.define_wasi()``
adds the imports.  ``proc_exit`` raises ``ExitTrap`` carrying the exit code.
"""
from .config import WasiConfig
from .ctx import WasiCtx
from .errno import Errno
from .fds import DirPerms, FilePerms

__all__ = ["DirPerms", "Errno", "FilePerms", "WasiConfig", "WasiCtx"]
