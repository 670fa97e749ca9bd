"""Tables: a growable array of 64-bit reference words and its ``TableDef``.

An on-demand table owns a ctypes array and reallocates it to grow (generated
code reads the element pointer from the ``TableDef`` on every access, so it may
move).  A pooled table lives in a fixed slot of its allocator's table pool
(``runtime.vm.pools``) sized for ``table_elements``, and never moves.  Either
way, elements at or past the current size are zero, which is what lets growth
by null skip writing.  Growth also answers to the store's limits.
"""
from __future__ import annotations

import ctypes
from array import array
from typing import Any

from ..errors import ResourceLimitError
from ..jit import abi

#: Implementation limit on table elements (as wasmtime's default): growing past it fails.
MAX_TABLE_ELEMENTS = 10_000_000


class TableStorage:
    """``limits`` is the owning store's ``StoreResources`` (its limits; None: unlimited); ``slot`` a pool slot."""

    def __init__(self, elem_type: int, min_size: int, max_size: int | None, init: int = 0,
                 limit: int = MAX_TABLE_ELEMENTS, limits: Any = None, slot: Any = None):
        self.elem_type = elem_type
        self.declared_max = max_size
        if slot is not None:
            limit = min(limit, slot.capacity)
        self.max_size = min(max_size if max_size is not None else limit, limit)
        if min_size > self.max_size:  # before allocating: a u32 minimum could ask for 32 GiB
            raise ResourceLimitError(
                f"table minimum of {min_size} elements exceeds the limit of {self.max_size}")
        if limits is not None and limits.table_elements is not None and \
                min_size > limits.table_elements:
            raise ResourceLimitError(f"table minimum size of {min_size} elements exceeds table limits")
        self.limits = limits
        self._slot = slot
        if slot is None:
            self.tabdef = (ctypes.c_uint64 * abi.TABDEF_SLOTS)()
            self._elems = (ctypes.c_uint64 * max(min_size, 1))()
        else:
            self.tabdef = slot.tabdef
            self._elems = slot.elems
        self.tabdef[abi.TAB_MAX] = self.max_size
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
        """Grow by ``delta`` elements set to ``init``; return the old size or -1.

        Growing by 0 always succeeds, even past a lowered store limit, as in wasmtime.
        """
        old = self.size
        if delta == 0:
            return old
        new = old + delta
        if delta < 0 or new > self.max_size:
            return -1
        limits = self.limits
        if limits is not None and limits.table_elements is not None and new > limits.table_elements:
            return -1
        if new > len(self._elems):
            bigger = (ctypes.c_uint64 * max(new, 2 * len(self._elems)))()
            ctypes.memmove(bigger, self._elems, old * 8)
            self._elems = bigger
        if init:
            fill = array("Q", [init]) * delta
            ctypes.memmove(ctypes.addressof(self._elems) + 8 * old, fill.buffer_info()[0], 8 * delta)
        self.size = new
        self._publish()
        return old

    def detach(self) -> None:
        """Cut the table off its storage because its store is gone: size 0, no growth.

        A pooled table's slot goes back to the pool, which nulls it before reuse.
        """
        self.size = 0
        self.max_size = 0
        if self._slot is None:
            self._publish()
        self._slot = None

    def get(self, i: int) -> int:
        return self._elems[i]

    def set(self, i: int, word: int) -> None:
        self._elems[i] = word

    def address_of(self, i: int) -> int:
        return ctypes.addressof(self._elems) + 8 * i
