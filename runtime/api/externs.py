"""Memory, Table and Global: handles onto store-owned storage, as in wasmtime-py.

A handle made by ``Memory(store, ty)`` and one returned by an instance's exports
are the same kind of object: both point at the storage the generated code uses
(``LinearMemory``, ``TableStorage``, a global's 64-bit cell).
"""
from __future__ import annotations

import ctypes
from typing import Any

from ..errors import WasmError
from ..syntax import types as T
from ..syntax.types import GlobalSig
from ..vm.memory import LinearMemory
from ..vm.table import TableStorage
from .store import Store
from .types import GlobalType, Limits, MemoryType, TableType
from .values import Val


def _check(obj: Any, store: Any) -> None:
    """``store`` (a Store, or a Caller standing for one) must own ``obj``, and be open."""
    if store is not obj._store and getattr(store, "_store", None) is not obj._store:
        if not isinstance(store, Store):
            raise TypeError("expected a Store as the first argument")
        raise WasmError(f"this {type(obj).__name__} belongs to another Store")
    if obj._store._closed:
        raise WasmError("this Store has been closed")


class Memory:
    def __init__(self, store: Store, ty: MemoryType):
        if not isinstance(store, Store):
            raise TypeError("expected a Store")
        if not isinstance(ty, MemoryType):
            raise TypeError("expected a MemoryType")
        lim = ty.limits
        self._init(store, store._host_memory(lim.min, lim.max))

    def _init(self, store: Store, mem: LinearMemory) -> None:
        self._store = store
        self._mem = mem
        store._owned.append(mem)

    @classmethod
    def _wrap(cls, store: Store, mem: LinearMemory) -> "Memory":
        m = cls.__new__(cls)
        m._init(store, mem)
        return m

    def type(self, store: Store) -> MemoryType:
        _check(self, store)
        return MemoryType(Limits(self._mem.pages, self._mem.declared_max))

    def size(self, store: Store) -> int:
        _check(self, store)
        return self._mem.pages

    def data_len(self, store: Store) -> int:
        _check(self, store)
        return self._mem.size_bytes

    def data_ptr(self, store: Store) -> "ctypes._Pointer[ctypes.c_ubyte]":
        _check(self, store)
        return ctypes.cast(self._mem.base, ctypes.POINTER(ctypes.c_ubyte))

    def grow(self, store: Store, delta: int) -> int:
        _check(self, store)
        if not isinstance(delta, int) or delta < 0:
            raise ValueError(f"delta must be a non-negative int, got {delta!r}")
        old = self._mem.grow(delta)
        if old < 0:
            raise WasmError(f"failed to grow memory by {delta} pages "
                            f"(size {self._mem.pages}, maximum {self._mem.max_pages})")
        return old

    def read(self, store: Store, start: int | None = 0, stop: int | None = None) -> bytearray:
        _check(self, store)
        start, stop, _ = slice(start, stop).indices(self._mem.size_bytes)
        if stop <= start:
            return bytearray()
        return bytearray(self._mem.read(start, stop))

    def write(self, store: Store, value: bytes | bytearray, start: int | None = None) -> int:
        _check(self, store)
        size = self._mem.size_bytes
        start = slice(start, None).indices(size)[0]
        data = bytes(value)
        if start + len(data) > size or (start >= size and data):
            raise IndexError(f"write of {len(data)} bytes at {start} is out of bounds "
                             f"of a memory of {size} bytes")
        self._mem.write(start, data)
        return len(data)


class Table:
    def __init__(self, store: Store, ty: TableType, init: Any):
        if not isinstance(store, Store):
            raise TypeError("expected a Store")
        if not isinstance(ty, TableType):
            raise TypeError("expected a TableType")
        elem = ty.element._code
        lim = ty.limits
        storage = store._host_table(elem, lim.min, lim.max, store._to_word(elem, init))
        self._init(store, storage)

    def _init(self, store: Store, storage: TableStorage) -> None:
        self._store = store
        self._tab = storage
        store._owned.append(storage)

    @classmethod
    def _wrap(cls, store: Store, storage: TableStorage) -> "Table":
        t = cls.__new__(cls)
        t._init(store, storage)
        return t

    def type(self, store: Store) -> TableType:
        _check(self, store)
        from .types import ValType
        return TableType(ValType._from_code(self._tab.elem_type),
                         Limits(self._tab.size, self._tab.declared_max))

    def size(self, store: Store) -> int:
        _check(self, store)
        return self._tab.size

    def grow(self, store: Store, amt: int, init: Any) -> int:
        _check(self, store)
        if not isinstance(amt, int) or amt < 0:
            raise ValueError(f"amount must be a non-negative int, got {amt!r}")
        old = self._tab.grow(amt, self._store._to_word(self._tab.elem_type, init))
        if old < 0:
            raise WasmError(f"failed to grow table by {amt} elements "
                            f"(size {self._tab.size}, maximum {self._tab.max_size})")
        return old

    def _index(self, idx: int) -> int:
        if not isinstance(idx, int):
            raise TypeError(f"table index must be an int, got {type(idx).__name__}")
        if not 0 <= idx < self._tab.size:
            raise IndexError(f"table index {idx} out of bounds for a table of {self._tab.size}")
        return idx

    def get(self, store: Store, idx: int) -> Any:
        _check(self, store)
        return self._store._from_word(self._tab.elem_type, self._tab.get(self._index(idx)))

    def set(self, store: Store, idx: int, val: Any) -> None:
        _check(self, store)
        self._tab.set(self._index(idx), self._store._to_word(self._tab.elem_type, val))


class Global:
    def __init__(self, store: Store, ty: GlobalType, val: Any):
        if not isinstance(store, Store):
            raise TypeError("expected a Store")
        if not isinstance(ty, GlobalType):
            raise TypeError("expected a GlobalType")
        store._check_open()
        sig = ty._sig
        if isinstance(val, Val) and val._kind != sig.valtype:
            raise TypeError(f"global of type {T.valtype_name(sig.valtype)} cannot hold {val!r}")
        cell = (ctypes.c_uint64 * 2)()
        self._init(store, sig, cell)
        self._set_raw(store._to_word(sig.valtype, val))

    def _init(self, store: Store, sig: GlobalSig, cell: ctypes.Array) -> None:
        self._store = store
        self._sig = sig
        self._cell = cell
        store._owned.append(cell)

    @classmethod
    def _wrap(cls, store: Store, sig: GlobalSig, cell: ctypes.Array) -> "Global":
        g = cls.__new__(cls)
        g._init(store, sig, cell)
        return g

    @property
    def _cell_addr(self) -> int:
        return ctypes.addressof(self._cell)

    def type(self, store: Store) -> GlobalType:
        _check(self, store)
        return GlobalType._from_sig(self._sig)

    def value(self, store: Store) -> Any:
        _check(self, store)
        return self._store._from_word(self._sig.valtype, self._raw_word())

    def _raw_word(self) -> int:
        """The cell's value as one int: a v128 spans both words of the cell (low first)."""
        t = self._sig.valtype
        w = self._cell[0]
        if t == T.V128:
            return w | self._cell[1] << 64
        return w & 0xFFFF_FFFF if t in (T.I32, T.F32) else w

    def _set_raw(self, raw: int) -> None:
        self._cell[0] = raw & 0xFFFF_FFFF_FFFF_FFFF
        self._cell[1] = raw >> 64

    def value_val(self, store: Store) -> Val:
        """The value as a ``Val`` (float bits exact)."""
        _check(self, store)
        return self._store._val_from_word(self._sig.valtype, self._raw_word())

    def set_value(self, store: Store, val: Any) -> None:
        _check(self, store)
        if not self._sig.mutable:
            raise WasmError("cannot set the value of an immutable global")
        if isinstance(val, Val) and val._kind != self._sig.valtype:
            raise TypeError(f"global of type {T.valtype_name(self._sig.valtype)} cannot hold {val!r}")
        self._set_raw(self._store._to_word(self._sig.valtype, val))
