"""Func and Caller: calling into wasm, and wasm calling into Python.

Every Func, wasm-defined or host, is a native ``FuncRef`` (code, context,
signature id), so wasm code calls both the same way and tables can hold either.
From Python, a call packs the arguments into a buffer of 64-bit words and goes
through the entry trampoline of the function's signature (see
``runtime.jit.trampolines``); results come back the same way, bit for bit.
"""
from __future__ import annotations

import ctypes
import weakref
from typing import Any, Callable, Sequence

from ..errors import WasmError
from ..jit import abi, trampoline_table
from ..syntax import types as T
from ..syntax.types import FuncSig
from ..vm import callbacks
from .store import Store
from .types import FuncType
from .values import Val, raw_decoder, raw_encoder

_ENTRY_TYPE = ctypes.CFUNCTYPE(ctypes.c_int32, ctypes.c_void_p, ctypes.c_void_p)
_entry_fns: dict[int, Any] = {}


def _entry_fn(addr: int):
    fn = _entry_fns.get(addr)
    if fn is None:
        fn = _entry_fns[addr] = _ENTRY_TYPE(addr)
    return fn


def _decode(decs: tuple, buf: Any) -> Any:
    """The Python value(s) of a call's results: None, one value, or a list, as wasmtime-py returns them."""
    if len(decs) == 1:
        return decs[0](buf[0])
    if not decs:
        return None
    return [d(buf[i]) for i, d in enumerate(decs)]


class Caller:
    """What a host function declared with ``access_caller=True`` receives first."""

    def __init__(self, store: Store, vmctx_addr: int):
        self._store = store
        self._vmctx = vmctx_addr
        self._valid = True

    def data(self) -> Any:
        return self._store.data()

    def get(self, name: str) -> Any:
        """An export of the calling instance, or None (also when called from Python)."""
        if not self._valid:
            raise WasmError("a Caller cannot be used after its host call returned")
        inst = callbacks.instance_at(self._vmctx) if self._vmctx else None
        return inst._exports.get(name) if inst is not None else None

    def _invalidate(self) -> None:
        self._valid = False


class Func:
    _store: Store
    _sig: FuncSig

    def __init__(self, store: Store, ty: FuncType, func: Callable[..., Any],
                 access_caller: bool = False):
        if not isinstance(store, Store):
            raise TypeError("expected a Store")
        if not isinstance(ty, FuncType):
            raise TypeError("expected a FuncType")
        if not callable(func):
            raise TypeError("expected a callable")
        store._check_open()
        sig = ty._sig
        self._store = store
        self._sig = sig
        self._host = func
        entry = _make_host_entry(weakref.ref(store), sig, func, access_caller)
        hid = callbacks.register_host(entry)
        weakref.finalize(self, callbacks.unregister_host, hid)
        self._hostctx = (ctypes.c_uint64 * abi.HOSTCTX_SLOTS)(
            store._ctx_addr, callbacks.HOST_CALLBACK_ADDR, hid)
        self._ref = (ctypes.c_uint64 * abi.FUNCREF_SLOTS)(
            trampoline_table.HOST.address(sig), ctypes.addressof(self._hostctx),
            store.engine._sig_id(sig))
        self._ref_addr = ctypes.addressof(self._ref)
        self._entry = None
        self._plan = None
        self._host_entry = entry
        store._funcs_by_ref[self._ref_addr] = self
        store._owned.append(self)

    @classmethod
    def _wasm(cls, store: Store, sig: FuncSig, ref: ctypes.Array, entry_addr: int) -> "Func":
        """The Func of a wasm function whose FuncRef words ``ref`` its instance already holds."""
        f = cls.__new__(cls)
        f._store = store
        f._sig = sig
        f._host = None
        f._ref = ref
        f._ref_addr = ctypes.addressof(f._ref)
        f._entry = _entry_fn(entry_addr)
        f._plan = None
        store._funcs_by_ref[f._ref_addr] = f
        return f

    def type(self, store: Store) -> FuncType:
        self._check_store(store)
        return FuncType._from_sig(self._sig)

    def _check_store(self, store: Any) -> Store:
        """The Store behind ``store`` (a Store or a Caller), which must own this Func."""
        if store is self._store:
            return store
        if isinstance(store, Caller):
            store = store._store
            if store is self._store:
                return store
        if not isinstance(store, Store):
            raise TypeError("expected a Store as the first argument")
        raise WasmError("this Func belongs to another Store")

    def _make_plan(self) -> tuple:
        """Per-signature converters and buffer type, chosen once: the call path only indexes."""
        store, sig = self._store, self._sig

        def enc(t: int):
            return raw_encoder(t) if t not in T.REF_TYPES else (lambda v: store._to_word(t, v))

        def dec(t: int):
            return raw_decoder(t) if t not in T.REF_TYPES else (lambda w: store._from_word(t, w))

        wide = _WideLayout(sig) if T.V128 in sig.params or T.V128 in sig.results else None
        words = max(len(sig.params), len(sig.results), 1) if wide is None else wide.words
        buf_type = ctypes.c_uint64 * words
        # the buffer of the direct path (see __call__); wide values and host functions take a fresh
        # buffer per call instead (``_invoke``)
        direct = buf_type() if wide is None and self._entry is not None else None
        plan = (buf_type, tuple(enc(t) for t in sig.params), tuple(dec(t) for t in sig.results), wide,
                direct, ctypes.addressof(direct) if direct is not None else 0)
        self._plan = plan
        return plan

    def _invoke(self, store: Store, words: list[int]) -> ctypes.Array:
        """Run the function on a fresh word buffer; return the buffer holding the results.

        The path of host functions, v128 signatures and ``call_vals``; plain
        wasm calls take the direct path in ``__call__``.
        """
        buf = (self._plan or self._make_plan())[0](*words)
        entry = self._entry
        if entry is None:  # a host function called from Python: same path as from wasm
            if store._closed:   # wasm calls check this when they claim the store; a host call must too
                raise WasmError("this Store has been closed")
            status = self._host_entry(ctypes.addressof(buf))
        else:
            outer = store._enter()
            try:
                status = entry(self._ref_addr, buf)
            finally:
                store._leave(outer)
        if status:
            raise store._trap(status)
        return buf

    def __call__(self, store: Store, *params: Any) -> Any:
        """Call with Python values; None, one value, or a list, as wasmtime-py does.

        A wasm function with no v128 in its type reuses one word buffer, passed
        by address (a fresh ctypes array and its conversion cost a third of a
        call).  Reuse is safe: the entry trampoline reads every argument before
        the function runs and writes results only when it returns, so a nested
        call of the same Func (through a host function) finishes with the
        buffer before the outer one writes its results; and the buffer is
        filled and read only while this thread holds the store, so another
        thread is refused before it can touch it.
        """
        if store is not self._store:
            store = self._check_store(store)
        _, encs, decs, wide, buf, addr = self._plan or self._make_plan()
        if len(params) != len(encs):
            raise TypeError(f"expected {len(encs)} arguments for a function of type "
                            f"{self._sig}, got {len(params)}")
        if buf is None:
            words = [e(v) for e, v in zip(encs, params)]
            if wide is None:
                return _decode(decs, self._invoke(store, words))
            return _decode(decs, wide.results(self._invoke(store, wide.params(words))))
        if store._closed:   # the contract: a bad argument is reported before the closed store
            for e, v in zip(encs, params):
                e(v)
        outer = store._enter()
        try:
            i = 0
            for e in encs:
                buf[i] = e(params[i])
                i += 1
            status = self._entry(self._ref_addr, addr)
            if status:
                raise store._trap(status)
            if len(decs) == 1:
                return decs[0](buf[0])
            return _decode(decs, buf)
        finally:
            if outer:   # store._leave(outer), inlined on this path
                store._owner = None
                store._guard.release()

    def call_vals(self, store: Store, vals: Sequence[Val]) -> list[Val]:
        """Call with ``Val``s and get ``Val``s back: float bits (NaN payloads) survive exactly."""
        store = self._check_store(store)
        sig = self._sig
        if len(vals) != len(sig.params):
            raise TypeError(f"expected {len(sig.params)} arguments for a function of type "
                            f"{sig}, got {len(vals)}")
        words = []
        for t, v in zip(sig.params, vals):
            if not isinstance(v, Val):
                raise TypeError(f"call_vals takes Val arguments, got {type(v).__name__}")
            if v._kind != t:
                raise TypeError(f"argument of type {T.valtype_name(v._kind)} where "
                                f"{T.valtype_name(t)} is expected")
            words.append(store._to_word(t, v))
        wide = (self._plan or self._make_plan())[3]
        if wide is None:
            buf = self._invoke(store, words)
        else:
            buf = wide.results(self._invoke(store, wide.params(words)))
        return [store._val_from_word(t, buf[i]) for i, t in enumerate(sig.results)]


_M64 = 0xFFFF_FFFF_FFFF_FFFF


class _WideLayout:
    """Buffer positions for a signature with v128 values, which take two words each.

    Signatures without v128 (nearly all) have one word per value, so their
    call path indexes the buffer directly; only these go through here.
    Raw values are the per-value bit patterns the encoders produce (a v128 as
    its 128-bit int); the buffer holds a v128 as its low word, then its high.
    """

    __slots__ = ("param_types", "result_types", "param_offsets", "result_offsets", "words")

    def __init__(self, sig: FuncSig):
        self.param_types, self.result_types = sig.params, sig.results
        self.param_offsets, param_words = abi.word_offsets(sig.params)
        self.result_offsets, result_words = abi.word_offsets(sig.results)
        self.words = max(param_words, result_words, 1)

    @staticmethod
    def _flatten(types: tuple[int, ...], raws: Sequence[int]) -> list[int]:
        words: list[int] = []
        for t, raw in zip(types, raws):
            if t == T.V128:
                words += (raw & _M64, raw >> 64)
            else:
                words.append(raw)
        return words

    @staticmethod
    def _gather(types: tuple[int, ...], offsets: list[int], buf: Any) -> list[int]:
        return [buf[o] | buf[o + 1] << 64 if t == T.V128 else buf[o] for t, o in zip(types, offsets)]

    def params(self, raws: Sequence[int]) -> list[int]:
        """Argument words from the raw argument values."""
        return self._flatten(self.param_types, raws)

    def results(self, buf: Any) -> list[int]:
        """The raw result values in a result buffer."""
        return self._gather(self.result_types, self.result_offsets, buf)

    def host_args(self, buf: Any) -> list[int]:
        """The raw argument values a host trampoline spilled to ``buf``."""
        return self._gather(self.param_types, self.param_offsets, buf)

    def host_results(self, buf: Any, raws: Sequence[int]) -> None:
        """Write a host function's raw results to ``buf`` for its trampoline."""
        for i, w in enumerate(self._flatten(self.result_types, raws)):
            buf[i] = w


def _make_host_entry(store_ref: "weakref.ref[Store]", sig: FuncSig, func: Callable[..., Any],
                     access_caller: bool) -> Callable[[int], int]:
    """The function the native host callback runs for one host Func."""
    params, results = sig.params, sig.results
    wide = _WideLayout(sig) if T.V128 in params or T.V128 in results else None
    nwords = max(len(params), len(results), 1) if wide is None else wide.words

    def entry(buf_addr: int) -> int:
        store = store_ref()
        if store is None:
            return abi.TRAP_HOST
        caller = None
        try:
            words = (ctypes.c_uint64 * nwords).from_address(buf_addr)
            raw_args = words if wide is None else wide.host_args(words)
            args = [store._from_word(t, raw_args[i]) for i, t in enumerate(params)]
            if access_caller:
                caller = Caller(store, store._ctx[abi.SC_CALLER])
                args.insert(0, caller)
            out = func(*args)
            if len(results) == 0:
                if out is not None:
                    raise TypeError(f"host function of type {sig} returned {out!r}, expected None")
            elif wide is not None:
                values = out if len(results) > 1 else (out,)
                if not isinstance(values, (list, tuple)) or len(values) != len(results):
                    raise TypeError(f"host function of type {sig} must return "
                                    f"{len(results)} values, got {out!r}")
                wide.host_results(words, [store._to_word(t, v) for t, v in zip(results, values)])
            elif len(results) == 1:
                words[0] = store._to_word(results[0], out)
            else:
                if not isinstance(out, (list, tuple)) or len(out) != len(results):
                    raise TypeError(f"host function of type {sig} must return "
                                    f"{len(results)} values, got {out!r}")
                for i, (t, v) in enumerate(zip(results, out)):
                    words[i] = store._to_word(t, v)
            return 0
        except BaseException as exc:  # noqa: BLE001 - re-raised by the Python caller
            store._pending = exc
            return abi.TRAP_HOST
        finally:
            if caller is not None:
                caller._invalidate()

    return entry
