"""Registering the preview1 imports: argument decoding and the errno boundary.

Each import becomes a host ``Func`` (with ``access_caller``) that:

1. decodes its arguments as wasmtime's wiggle does: plain u32/u64 values are
   bit-cast; enum and flags arguments must fit their representation and name
   a defined case/bits, else the call *traps* (wasmtime 50 traps on these
   rather than returning EINVAL);
2. finds the calling instance's exported ``memory`` (trap if missing) and the
   store's ``WasiCtx`` (trap if ``Store.set_wasi`` was never called);
3. runs the implementation and turns ``WasiErrno`` into the returned errno.
   A ``ResourceTableError`` (an internal inconsistency, never a guest error)
   becomes a trap, as in wasmtime.  Nothing else is caught: the no-panic
   tests prove nothing else can escape.
"""
from __future__ import annotations

from typing import Any, Callable

from ..api.externs import Memory
from ..api.types import FuncType, ValType
from ..errors import ResourceTableError, Trap
from . import abi
from .errno import WasiErrno
from .memory import GuestMemory

_M32 = (1 << 32) - 1
_M64 = (1 << 64) - 1


def _decoder(kind: str) -> Callable[[int], int]:
    """Raw wasm argument -> the value the implementation receives (or a trap)."""
    if kind == abi.U32:
        return lambda v: v & _M32
    if kind == abi.U64:
        return lambda v: v & _M64
    if kind == abi.S64:
        return lambda v: v
    if kind in abi.ENUMS:
        bits, cases = abi.ENUMS[kind]
        name = kind.capitalize()

        def enum(v: int) -> int:
            if not 0 <= v < (1 << bits):
                raise Trap(f"invalid enum value {name}: int conversion error for {v}")
            if v >= cases:
                raise Trap(f"invalid enum value {name}: {v}")
            return v
        return enum
    bits, mask = abi.FLAGS[kind]
    name = kind.capitalize()

    def flags(v: int) -> int:
        if not 0 <= v < (1 << bits):
            raise Trap(f"invalid flag value {name}: int conversion error for {v}")
        if v & ~mask:
            raise Trap(f"invalid flag value {name}: {v:#x}")
        return v
    return flags


def _host_func(name: str, kinds: tuple[str, ...], has_result: bool) -> Callable[..., Any]:
    decoders = tuple(_decoder(k) for k in kinds)

    def call(caller: Any, *raw: int) -> int | None:
        args = [d(v) for d, v in zip(decoders, raw)]
        ctx = getattr(caller._store, "_wasi", None)
        if ctx is None:
            raise Trap(f"{abi.MODULE}::{name} called in a store without WASI (Store.set_wasi)")
        memory = caller.get("memory")
        if not isinstance(memory, Memory):
            raise Trap("missing required memory export")
        impl = getattr(ctx.preview1, name)
        try:
            impl(GuestMemory(memory._mem), *args)
        except WasiErrno as err:
            return int(err.errno)
        except ResourceTableError as exc:
            raise Trap(f"{abi.MODULE}::{name}: {exc}") from None
        return 0 if has_result else None

    call.__name__ = name
    call.__qualname__ = f"wasi.{name}"
    return call


def func_type(kinds: tuple[str, ...], has_result: bool) -> FuncType:
    params = [ValType.i64() if k in abi.WIDE_KINDS else ValType.i32() for k in kinds]
    return FuncType(params, [ValType.i32()] if has_result else [])


def define_wasi(linker: Any) -> None:
    """Define every ``wasi_snapshot_preview1`` import in ``linker``."""
    for name, (kinds, has_result) in abi.SIGNATURES.items():
        linker.define_func(abi.MODULE, name, func_type(kinds, has_result),
                           _host_func(name, kinds, has_result), access_caller=True)
