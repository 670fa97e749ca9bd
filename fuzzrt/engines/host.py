"""The host side of a test case: imports both engines get, with identical behaviour.

A fuzzed module may import functions (and, from raw or mutated inputs, globals,
memories and tables).  Both engines must see the same host: every function
import records its calls (the imports oracle compares the sequences) and
returns results that are a pure function of the import's name and argument
bits, so a divergence in what wasm passes out shows up in what comes back in.
It may also trap on purpose (``ExecPlan.host_trap_modulus``) to exercise trap
propagation through host frames.

Host callables only ever see integers: float parameters and results are
reinterpreted as same-width integers by a shim module (``shim.py``) because
both Python APIs round-trip f32 values through C doubles, which quiets
signalling NaNs; a v128 crosses as two i64 halves (low first), since
wasmtime-py cannot pass v128 values at all.  The log records values with
their declared types (a v128 as its 128-bit pattern).
"""
from __future__ import annotations

import hashlib
import struct
from collections.abc import Callable
from typing import Any

from fuzzrt.generators.args import EDGES
from runtime.syntax.types import EXTERNREF, F32, F64, FUNCREF, I32, I64, V128, FuncSig

from .outcome import HostCall

_INT_OF = {F32: I32, F64: I64}
_WIDTH = {I32: 32, I64: 64}


#: host calls one exported call (or instantiation) may make; the next one traps on both engines.  A
#: loop around a host import would otherwise run until fuel ran out, which costs the runtime's Python
#: host-call path seconds and fills the log with hundreds of thousands of entries.
MAX_HOST_CALLS = 2000


class HostTrap(Exception):
    """Raised by a host import to make the wasm call trap; both engines propagate it unchanged."""


def _int_types(types: tuple[int, ...]) -> tuple[int, ...]:
    out: list[int] = []
    for t in types:
        out += (I64, I64) if t == V128 else (_INT_OF.get(t, t),)
    return tuple(out)


def int_sig(sig: FuncSig) -> FuncSig:
    """``sig`` with every float replaced by the integer of the same width, every v128 by two i64s."""
    return FuncSig(_int_types(sig.params), _int_types(sig.results))


def needs_shim(sig: FuncSig) -> bool:
    """Whether a host import of type ``sig`` has values the host must not see directly."""
    return any(t in _INT_OF or t == V128 for t in sig.params + sig.results)


def _to_bits(t: int, value: Any) -> int:
    """Argument bits of an int-typed host parameter (references: 0 null, 1 non-null)."""
    if t == I32:
        return value & 0xFFFF_FFFF
    if t == I64:
        return value & 0xFFFF_FFFF_FFFF_FFFF
    return 0 if value is None else 1


def _signed(bits: int, width: int) -> int:
    return bits - (1 << width) if bits >> (width - 1) else bits


class HostLog:
    """The host calls made so far, in order; the driver cuts it into per-call slices."""

    def __init__(self) -> None:
        self.calls: list[HostCall] = []
        self._mark = 0

    def budget_spent(self) -> bool:
        """Whether the current slice (since the last ``take``) holds ``MAX_HOST_CALLS`` calls."""
        return len(self.calls) - self._mark >= MAX_HOST_CALLS

    def take(self) -> tuple[HostCall, ...]:
        """The calls made since the last ``take``."""
        out = tuple(self.calls[self._mark:])
        self._mark = len(self.calls)
        return out


def _declared(types: tuple[int, ...], bits: tuple[int, ...]) -> tuple[tuple[int, int], ...]:
    """Values of the declared ``types`` from the int-typed ``bits`` (two i64 halves per v128)."""
    out = []
    it = iter(bits)
    for t in types:
        out.append((t, next(it) | next(it) << 64 if t == V128 else next(it)))
    return tuple(out)


def host_function(log: HostLog, module: str, name: str, sig: FuncSig, orig: FuncSig,
                  trap_modulus: int) -> Callable[..., Any]:
    """The Python callable behind one function import, whose (int-only) type is ``sig``.

    ``orig`` is the import's declared type: arguments are recorded with their
    declared types (an f32 passed through the shim is recorded as an f32's
    bits, a v128 as its 128 bits) and results are drawn for the declared types.
    """
    params = sig.params
    key = f"{module}\0{name}".encode()

    def call(*args: Any) -> Any:
        if log.budget_spent():
            raise HostTrap(f"host call budget of {MAX_HOST_CALLS} calls spent")
        bits = tuple(_to_bits(t, a) for t, a in zip(params, args))
        log.calls.append(HostCall(module, name, _declared(orig.params, bits)))
        digest = hashlib.blake2b(key + struct.pack(f"<{len(bits)}Q", *bits), digest_size=16).digest()
        if trap_modulus and int.from_bytes(digest[:4], "little") % trap_modulus == 0:
            raise HostTrap(f"host import {module}::{name} trapped on purpose")
        out: list[Any] = []
        for i, t in enumerate(orig.results):
            out += _result(t, digest, i)
        if not out:
            return None
        return out[0] if len(out) == 1 else out

    return call


def _result(declared: int, digest: bytes, index: int) -> list[Any]:
    """Result ``index`` as the host returns it: an edge value of the declared type or random
    bits, chosen by the digest; a float as its int bits, a v128 as two signed i64 halves."""
    if declared in (FUNCREF, EXTERNREF):
        return [None]
    pick = digest[index % len(digest)]
    edges = EDGES[declared]
    width = _WIDTH[_INT_OF.get(declared, declared)] if declared != V128 else 128
    if pick % 4:
        bits = edges[(pick >> 2) % len(edges)]
    elif width == 128:
        bits = int.from_bytes(digest, "little")
    else:
        word = digest[(index * 8) % 8:(index * 8) % 8 + 8]
        bits = int.from_bytes(word, "little") & ((1 << width) - 1)
    if width == 128:
        return [_signed(bits & 0xFFFF_FFFF_FFFF_FFFF, 64), _signed(bits >> 64, 64)]
    return [_signed(bits, width)]
