"""Store: the owner of all run-time state (instances, memories, tables, globals, host data).

Everything created in a store lives as long as the store (as in wasmtime): the
store holds strong references, generated code holds raw addresses.  A store may
move between threads, but only one thread may be inside it at a time; a second
thread entering raises ``StoreInUseError`` instead of corrupting the shared
``StoreCtx`` (trap slot, stack limit, fuel).

A store's memories, tables and (with a pooling allocator) instance slots go back
to the engine's allocator when the store is closed: ``store.close()``, the end of
a ``with Store(engine) as store:`` block, or garbage collection.  A store and its
instances refer to each other, so an unreferenced store is freed by the next
cyclic collection rather than at once; close stores to release their memory at
a known point (a pool that runs out collects once before refusing, so
unreachable stores never hold slots).  Any use of a closed store, or of
anything that belongs to it, raises ``WasmError``.
"""
from __future__ import annotations

import ctypes
import threading
from threading import get_ident
from typing import Any

from ..errors import StoreInUseError, Trap, WasmError
from ..jit import abi
from ..syntax import types as T
from ..vm.allocator import StoreResources
from .engine import Engine
from .values import Val, from_raw, to_raw, val_from_raw


class Store:
    def __init__(self, engine: Engine, data: Any = None):
        if not isinstance(engine, Engine):
            raise TypeError("expected an Engine")
        self.engine = engine
        self._data = data
        self._ctx = (ctypes.c_uint64 * abi.STORECTX_SLOTS)()
        self._ctx[abi.SC_EPOCH_PTR] = engine._epoch_addr
        self._ctx[abi.SC_MAX_STACK] = engine._max_stack
        self._ctx[abi.SC_EPOCH_DEADLINE] = engine._current_epoch()
        self._ctx_addr = ctypes.addressof(self._ctx)
        self._externs: list[Any] = []
        self._funcs_by_ref: dict[int, Any] = {}
        self._owned: list[Any] = []          # keeps instances, memories, tables, globals alive
        self._pending: BaseException | None = None
        self._guard = threading.Lock()
        self._owner: int | None = None
        self._wasi: Any = None               # a runtime.wasi.WasiCtx once set_wasi is called
        self._instances: list[Any] = []
        self._linker_funcs: dict[Any, dict] = {}   # Linker -> its host Funcs made for this store
        self._resources = StoreResources(engine._allocator)
        self._closed = False

    # -- wasmtime-py API ---------------------------------------------------------
    def data(self) -> Any:
        self._check_open()
        return self._data

    def set_wasi(self, wasi: Any) -> None:
        """Give this store a WASI context built from ``wasi`` (a ``WasiConfig``), as wasmtime-py does."""
        self._check_open()
        from ..wasi import WasiConfig, WasiCtx
        if not isinstance(wasi, WasiConfig):
            raise TypeError(f"expected a WasiConfig, got {type(wasi).__name__}")
        self._wasi = WasiCtx(wasi)

    def set_fuel(self, fuel: int) -> None:
        self._check_open()
        if not self.engine._codegen.fuel:
            raise WasmError("fuel is not configured in this store (set Config.consume_fuel)")
        if not isinstance(fuel, int) or fuel < 0:
            raise ValueError(f"fuel must be a non-negative int, got {fuel!r}")
        self._ctx[abi.SC_FUEL] = min(fuel, (1 << 63) - 1)

    def get_fuel(self) -> int:
        self._check_open()
        if not self.engine._codegen.fuel:
            raise WasmError("fuel is not configured in this store (set Config.consume_fuel)")
        left = ctypes.c_int64(self._ctx[abi.SC_FUEL]).value
        return max(left, 0)

    def set_epoch_deadline(self, ticks_after_current: int) -> None:
        self._check_open()
        if not isinstance(ticks_after_current, int) or ticks_after_current < 0:
            raise ValueError(f"ticks must be a non-negative int, got {ticks_after_current!r}")
        self._ctx[abi.SC_EPOCH_DEADLINE] = min(
            self.engine._current_epoch() + ticks_after_current, (1 << 64) - 1)

    def set_limits(self, memory_size: int | None = None, table_elements: int | None = None,
                   instances: int | None = None, tables: int | None = None,
                   memories: int | None = None) -> None:
        """Limit this store's resources, as wasmtime-py's ``Store.set_limits``.

        ``memory_size``: bytes any one memory may reach; ``table_elements``:
        elements any one table may reach (creating past them fails, growing past
        them returns -1 / raises from ``Memory.grow``/``Table.grow``);
        ``instances``, ``tables``, ``memories``: how many the store's instances
        may define in total (default 10000 each).  None (or a negative number,
        wasmtime-py's spelling) leaves a limit unset; each call replaces all
        five, as in wasmtime.
        """
        self._check_open()
        values = []
        for name, value in (("memory_size", memory_size), ("table_elements", table_elements),
                            ("instances", instances), ("tables", tables), ("memories", memories)):
            if value is not None and (type(value) is not int):
                raise TypeError(f"Store.set_limits: {name} must be an int or None, got {type(value).__name__}")
            values.append(None if value is None or value < 0 else value)
        self._resources.set_limits(*values)

    def close(self) -> None:
        """Release everything this store holds now; afterwards any use of it raises ``WasmError``.

        Closing twice is harmless; closing while wasm runs in the store is refused.
        """
        if self._closed:
            return
        if not self._guard.acquire(False):
            raise WasmError("cannot close a Store while it is running wasm")
        try:
            self._closed = True
            self._resources.release()
        finally:
            self._guard.release()
        self._instances.clear()
        self._owned.clear()
        self._funcs_by_ref.clear()
        self._externs.clear()
        self._linker_funcs.clear()
        self._wasi = None
        self._data = None

    def __enter__(self) -> "Store":
        return self

    def __exit__(self, *exc_info: Any) -> None:
        self.close()

    def __del__(self) -> None:
        # Runs inside the garbage collector, on any thread: only hand the resources back.
        res = getattr(self, "_resources", None)
        if res is not None and not self._closed:
            res.release_later()

    def _check_open(self) -> None:
        if self._closed:
            raise WasmError("this Store has been closed")

    # -- resources for host-made externs ---------------------------------------------
    def _host_memory(self, min_pages: int, max_pages: int | None) -> Any:
        self._check_open()
        return self._resources.host_memory(min_pages, max_pages)

    def _host_table(self, elem_type: int, min_size: int, max_size: int | None, init: int) -> Any:
        self._check_open()
        return self._resources.host_table(elem_type, min_size, max_size, init)

    # -- entering wasm -------------------------------------------------------------
    def _enter(self) -> bool:
        """Claim the store for this thread; True for the outermost claim, which ``_leave`` undoes.

        Only the outermost call of a thread takes the guard; a nested one (wasm
        -> host -> wasm) finds it held by its own thread.  Another thread is
        refused, not queued: a Store is not shared, and waiting on a guest that
        never returns would hang the caller.
        """
        if self._guard.acquire(False):
            if self._closed:
                self._guard.release()
                raise WasmError("this Store has been closed")
            self._owner = get_ident()
            return True
        if self._owner != get_ident():
            raise StoreInUseError(
                "this Store is already running wasm on another thread; "
                "a Store may be used by one thread at a time")
        return False

    def _leave(self, outer: bool) -> None:
        if outer:
            self._owner = None
            self._guard.release()

    def _trap(self, code: int) -> BaseException:
        """The exception for a non-zero trap status returned by an entry trampoline."""
        if code == abi.TRAP_HOST:
            exc, self._pending = self._pending, None
            return exc if exc is not None else Trap("host function failed")
        tc = abi.trap_from_native(code)
        return Trap.from_code(tc) if tc is not None else Trap(f"unknown trap status {code}")

    # -- values crossing the boundary ------------------------------------------------
    def _to_word(self, t: int, v: Any) -> int:
        if t == T.FUNCREF:
            if isinstance(v, Val):
                if v._kind != T.FUNCREF:
                    raise TypeError(f"expected a funcref value, got {v!r}")
                v = v._raw
            if v is None:
                return 0
            ref = getattr(v, "_ref_addr", None)
            if ref is None:
                raise TypeError(f"expected a Func or None for a funcref, got {type(v).__name__}")
            if v._store is not self:
                raise WasmError("a Func from another Store cannot be used here")
            return ref
        if t == T.EXTERNREF:
            if isinstance(v, Val):
                if v._kind != T.EXTERNREF:
                    raise TypeError(f"expected an externref value, got {v!r}")
                v = v._raw
            if v is None:
                return 0
            self._externs.append(v)
            return len(self._externs)
        return to_raw(t, v)

    def _from_word(self, t: int, w: int) -> Any:
        if t == T.FUNCREF:
            if not w:
                return None
            f = self._funcs_by_ref.get(w)
            return f if f is not None else self._func_at_ref(w)
        if t == T.EXTERNREF:
            return self._externs[w - 1] if w else None
        return from_raw(t, w)

    def _func_at_ref(self, ref: int) -> Any:
        """The Func of a wasm function no Func was made for yet (instances make them lazily)."""
        for inst in self._instances:
            f = inst._func_at_ref(ref)
            if f is not None:
                return f
        return None

    def _val_from_word(self, t: int, w: int) -> Val:
        if t == T.FUNCREF:
            return Val.funcref(self._from_word(t, w))
        if t == T.EXTERNREF:
            return Val.externref(self._from_word(t, w))
        return val_from_raw(t, w)
