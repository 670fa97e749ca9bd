"""The Python callbacks generated code calls: host functions and the slow-path helpers.

Each callback is one process-wide ctypes function; the generated code passes an
id (host functions) or its VMContext (helpers), looked up here in registries of
weak references, so a dead store's entries simply stop resolving.

No exception may cross back into native code (ctypes would print and swallow
it), so every callback catches everything, parks the exception on the store, and
returns a trap status; the call that entered wasm re-raises it unchanged.
"""
from __future__ import annotations

import ctypes
import itertools
import weakref
from typing import Any, Callable

from ..jit import abi

HOST_CALLBACK_TYPE = ctypes.CFUNCTYPE(ctypes.c_int32, ctypes.c_uint64, ctypes.c_void_p)
_MEMORY_GROW_TYPE = ctypes.CFUNCTYPE(ctypes.c_int64, ctypes.c_void_p, ctypes.c_int64, ctypes.c_int64)
_TABLE_GROW_TYPE = ctypes.CFUNCTYPE(ctypes.c_int64, ctypes.c_void_p, ctypes.c_int64,
                                    ctypes.c_uint64, ctypes.c_int64)

#: host id -> function taking the word buffer address and returning a status
_host_entries: dict[int, Callable[[int], int]] = {}
_host_ids = itertools.count(1)
#: VMContext address -> weak reference to the instance state (anything with
#: ``memories``/``tables``/``store``); plain weakrefs because registering happens on
#: every instantiation, and the instance's store unregisters it when released
_instances: dict[int, "weakref.ref[Any]"] = {}


def register_host(entry: Callable[[int], int]) -> int:
    hid = next(_host_ids)
    _host_entries[hid] = entry
    return hid


def unregister_host(hid: int) -> None:
    _host_entries.pop(hid, None)


def register_instance(vmctx_addr: int, instance: Any) -> None:
    _instances[vmctx_addr] = weakref.ref(instance)


def unregister_instance(vmctx_addr: int) -> None:
    _instances.pop(vmctx_addr, None)


def instance_at(vmctx_addr: int) -> Any:
    ref = _instances.get(vmctx_addr)
    return ref() if ref is not None else None


@HOST_CALLBACK_TYPE
def _host_callback(host_id: int, buf: int) -> int:
    entry = _host_entries.get(host_id)
    if entry is None:  # its store is gone; the caller reports a host trap with no exception
        return abi.TRAP_HOST
    return entry(buf)


def _park(inst: Any, exc: BaseException) -> int:
    """Keep ``exc`` for the Python caller and flag the call as trapped; return -1."""
    inst.store._pending = exc
    inst.store._ctx[abi.SC_TRAP] = abi.TRAP_HOST
    return -1


@_MEMORY_GROW_TYPE
def _memory_grow(vmctx: int, index: int, delta: int) -> int:
    inst = _instances[vmctx]()
    try:
        return inst.memory_grow(index, delta)
    except BaseException as exc:  # noqa: BLE001 - must not unwind into native code
        return _park(inst, exc)


@_TABLE_GROW_TYPE
def _table_grow(vmctx: int, index: int, init: int, delta: int) -> int:
    inst = _instances[vmctx]()
    try:
        return inst.table_grow(index, init, delta)
    except BaseException as exc:  # noqa: BLE001 - must not unwind into native code
        return _park(inst, exc)


HOST_CALLBACK_ADDR = ctypes.cast(_host_callback, ctypes.c_void_p).value
HELPERS = (ctypes.c_uint64 * abi.HELPER_SLOTS)()
HELPERS[abi.HELPER_MEMORY_GROW] = ctypes.cast(_memory_grow, ctypes.c_void_p).value
HELPERS[abi.HELPER_TABLE_GROW] = ctypes.cast(_table_grow, ctypes.c_void_p).value
HELPERS_ADDR = ctypes.addressof(HELPERS)
