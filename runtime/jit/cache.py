"""On-disk cache of compiled code, keyed by everything that determines it.

Like wasmtime's cache: the key hashes the module bytes, the code-generation
options, the optimisation level, the host CPU (the code uses its features), the
llvmlite/LLVM version, and the source of this JIT itself — so changing the
compiler invalidates every entry without anyone remembering to bump a version.
Entries are object files written atomically (temp file + rename): a reader sees
a whole entry or none, and concurrent writers of the same key are harmless.
"""
from __future__ import annotations

import hashlib
import os
import tempfile
from pathlib import Path

import llvmlite

from .backend import host_cpu

_JIT_DIR = Path(__file__).resolve().parent


def _jit_fingerprint() -> bytes:
    h = hashlib.sha256()
    for path in sorted(_JIT_DIR.glob("*.py")):
        h.update(path.name.encode())
        h.update(path.read_bytes())
    return h.digest()


_FINGERPRINT: bytes | None = None


def default_cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "fuzzrt" / "code"


class CodeCache:
    def __init__(self, directory: str | os.PathLike):
        self.directory = Path(directory)

    def key(self, wasm: bytes, options: tuple) -> str:
        global _FINGERPRINT
        if _FINGERPRINT is None:
            _FINGERPRINT = _jit_fingerprint()
        h = hashlib.sha256()
        for part in (_FINGERPRINT, llvmlite.__version__.encode(), repr(host_cpu()).encode(),
                     repr(options).encode(), hashlib.sha256(wasm).digest()):
            h.update(len(part).to_bytes(8, "little"))
            h.update(part)
        return h.hexdigest()

    def _path(self, key: str) -> Path:
        return self.directory / key[:2] / f"{key}.o"

    def get(self, key: str) -> bytes | None:
        try:
            return self._path(key).read_bytes()
        except OSError:
            return None

    def put(self, key: str, obj: bytes) -> None:
        """Store ``obj``; a failure to write (read-only dir, full disk) only costs the caching."""
        path = self._path(key)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
            try:
                with os.fdopen(fd, "wb") as f:
                    f.write(obj)
                os.replace(tmp, path)
            except BaseException:
                os.unlink(tmp)
                raise
        except OSError:
            pass
