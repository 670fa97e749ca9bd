"""Where a worker is, readable after it died: a small shared file both processes map.

The worker writes its current stage ("runtime:call 3 f") before every step;
when it crashes or hangs, the supervisor reads the last stage written, which
tells which engine and which step the input killed without any message having
to cross the (now dead) pipe.
"""
from __future__ import annotations

import mmap
import os

SIZE = 256


class ProgressBoard:
    def __init__(self, path: str, create: bool = False):
        flags = os.O_RDWR | (os.O_CREAT if create else 0)
        fd = os.open(path, flags, 0o600)
        try:
            if create:
                os.ftruncate(fd, SIZE)
            self._map = mmap.mmap(fd, SIZE)
        finally:
            os.close(fd)
        self.path = path

    def set(self, stage: str) -> None:
        data = stage.encode("utf-8", "replace")[:SIZE - 1]
        self._map[:len(data) + 1] = data + b"\0"

    def get(self) -> str:
        raw = self._map[:SIZE]
        return raw.split(b"\0", 1)[0].decode("utf-8", "replace")

    def close(self) -> None:
        self._map.close()
