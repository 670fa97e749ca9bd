"""Tables: a growable array of 64-bit reference words and its ``TableDef``."""
from __future__ import annotations

import ctypes

from ..errors import ResourceLimitError
from ..jit import abi

#: Implementation limit on table elements (as wasmtime's default): growing past it fails.
MAX_TABLE_ELEMENTS = 10_000_000


class TableStorage:
    def __init__(self, elem_type: int, min_size: int, max_size: int | None, init: int = 0,
                 limit: int = MAX_TABLE_ELEMENTS):
        self.elem_type = elem_type
        self.declared_max = max_size
        self.max_size = min(max_size if max_size is not None else limit, limit)
        if min_size > self.max_size:  # before allocating: a u32 minimum could ask for 32 GiB
            raise ResourceLimitError(
                f"table minimum of {min_size} elements exceeds the limit of {self.max_size}")
        self.tabdef = (ctypes.c_uint64 * abi.TABDEF_SLOTS)()
        self.tabdef[abi.TAB_MAX] = self.max_size
        self._elems = (ctypes.c_uint64 * max(min_size, 1))()
        self.size = 0
        self._publish()
        self.grow(min_size, init)

    @property
    def tabdef_addr(self) -> int:
        return ctypes.addressof(self.tabdef)

    def _publish(self) -> None:
        self.tabdef[abi.TAB_ELEMS] = ctypes.addressof(self._elems)
        self.tabdef[abi.TAB_SIZE] = self.size

    def grow(self, delta: int, init: int) -> int:
        """Grow by ``delta`` elements set to ``init``; return the old size or -1."""
        old = self.size
        new = old + delta
        if delta < 0 or new > self.max_size:
            return -1
        if new > len(self._elems):
            bigger = (ctypes.c_uint64 * max(new, 2 * len(self._elems)))()
            ctypes.memmove(bigger, self._elems, old * 8)
            self._elems = bigger
        for i in range(old, new):
            self._elems[i] = init
        self.size = new
        self._publish()
        return old

    def get(self, i: int) -> int:
        return self._elems[i]

    def set(self, i: int, word: int) -> None:
        self._elems[i] = word

    def address_of(self, i: int) -> int:
        return ctypes.addressof(self._elems) + 8 * i
