"""Shim modules, so host imports see exact float and v128 bits on both engines.

Both Python APIs hand f32 values to host code as Python floats, i.e. C
doubles, and the f32 -> double conversion quiets signalling NaNs; results go
back through the reverse conversion.  wasmtime-py cannot pass a v128 to or
from host code at all.  A shim is a tiny wasm module that imports a host
function whose floats are replaced by same-width integers and whose v128s by
two i64 halves (low first), and exports a function of the original type that
converts its arguments, calls the import and converts the results back.
``reinterpret`` and lane moves are bit-exact in wasm, so the value the fuzzed
module passes is the value the host records.

The bytes depend only on the signature, so each engine's compiled-code cache
turns all but the first shim per signature into a cache hit.
"""
from __future__ import annotations

from functools import lru_cache

from runtime.syntax.types import F32, F64, V128, FuncSig

from .host import int_sig

SHIM_IMPORT = ("host", "f")
SHIM_EXPORT = "f"

_LOCAL_GET, _LOCAL_SET, _CALL, _END = 0x20, 0x21, 0x10, 0x0B
_TO_INT = {F32: 0xBC, F64: 0xBD}      # i32.reinterpret_f32, i64.reinterpret_f64
_FROM_INT = {F32: 0xBE, F64: 0xBF}    # f32.reinterpret_i32, f64.reinterpret_i64
_V128_ZERO = b"\xfd\x0c" + bytes(16)  # v128.const 0
_EXTRACT_I64 = b"\xfd\x1d"             # i64x2.extract_lane (lane byte follows)
_REPLACE_I64 = b"\xfd\x1e"             # i64x2.replace_lane (lane byte follows)


def _uleb(n: int) -> bytes:
    out = bytearray()
    while True:
        byte = n & 0x7F
        n >>= 7
        if n:
            out.append(byte | 0x80)
        else:
            out.append(byte)
            return bytes(out)


def _vec(items: list[bytes]) -> bytes:
    return _uleb(len(items)) + b"".join(items)


def _name(s: str) -> bytes:
    raw = s.encode()
    return _uleb(len(raw)) + raw


def _section(sid: int, payload: bytes) -> bytes:
    return bytes([sid]) + _uleb(len(payload)) + payload


def _functype(sig: FuncSig) -> bytes:
    return b"\x60" + _vec([bytes([t]) for t in sig.params]) + _vec([bytes([t]) for t in sig.results])


@lru_cache(maxsize=256)
def shim_module(sig: FuncSig) -> bytes:
    """The shim for an import of type ``sig`` (which should contain a float or v128 type)."""
    inner = int_sig(sig)
    nparams = len(sig.params)
    body = bytearray()
    for i, t in enumerate(sig.params):
        if t == V128:
            for lane in (0, 1):
                body += bytes([_LOCAL_GET]) + _uleb(i) + _EXTRACT_I64 + bytes([lane])
            continue
        body += bytes([_LOCAL_GET]) + _uleb(i)
        if t in _TO_INT:
            body.append(_TO_INT[t])
    body += bytes([_CALL, 0])
    locals_decl: list[bytes] = []
    if any(t in _FROM_INT or t == V128 for t in sig.results):
        locals_decl = [b"\x01" + bytes([t]) for t in inner.results]
        for k in reversed(range(len(inner.results))):
            body += bytes([_LOCAL_SET]) + _uleb(nparams + k)
        k = nparams
        for t in sig.results:
            if t == V128:
                body += _V128_ZERO
                for lane in (0, 1):
                    body += bytes([_LOCAL_GET]) + _uleb(k + lane) + _REPLACE_I64 + bytes([lane])
                k += 2
                continue
            body += bytes([_LOCAL_GET]) + _uleb(k)
            if t in _FROM_INT:
                body.append(_FROM_INT[t])
            k += 1
    body.append(_END)
    code = _vec(locals_decl) + bytes(body)
    module, field = SHIM_IMPORT
    return b"".join((
        b"\0asm\x01\0\0\0",
        _section(1, _vec([_functype(inner), _functype(sig)])),
        _section(2, _vec([_name(module) + _name(field) + b"\x00\x00"])),
        _section(3, _vec([b"\x01"])),
        _section(7, _vec([_name(SHIM_EXPORT) + b"\x00\x01"])),
        _section(10, _vec([_uleb(len(code)) + code])),
    ))


# --- v128 globals ----------------------------------------------------------------------

#: the export of ``v128_global_module``
GLOBAL_EXPORT = "g"


@lru_cache(maxsize=2)
def v128_global_module(mutable: bool) -> bytes:
    """A module exporting one v128 global (zero): what a v128 global import is given, since
    wasmtime-py cannot create one from Python."""
    init = _V128_ZERO + bytes([_END])
    glob = bytes([V128, 1 if mutable else 0]) + init
    return b"".join((
        b"\0asm\x01\0\0\0",
        _section(6, _vec([glob])),
        _section(7, _vec([_name(GLOBAL_EXPORT) + b"\x03\x00"])),
    ))
