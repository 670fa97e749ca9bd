"""Float-reinterpreting shim modules, so host imports see exact float bits on both engines.

Both Python APIs hand f32 values to host code as Python floats, i.e. C
doubles, and the f32 -> double conversion quiets signalling NaNs; results go
back through the reverse conversion.  A shim is a tiny wasm module that
imports a host function whose floats are replaced by same-width integers and
exports a function of the original type that reinterprets its arguments,
calls the import and reinterprets the results.  ``reinterpret`` is bit-exact
in wasm, so the value the fuzzed module passes is the value the host records.

The bytes depend only on the signature, so each engine's compiled-code cache
turns all but the first shim per signature into a cache hit.
"""
from __future__ import annotations

from functools import lru_cache

from runtime.syntax.types import F32, F64, FuncSig

from .host import int_sig

SHIM_IMPORT = ("host", "f")
SHIM_EXPORT = "f"

_LOCAL_GET, _LOCAL_SET, _CALL, _END = 0x20, 0x21, 0x10, 0x0B
_TO_INT = {F32: 0xBC, F64: 0xBD}      # i32.reinterpret_f32, i64.reinterpret_f64
_FROM_INT = {F32: 0xBE, F64: 0xBF}    # f32.reinterpret_i32, f64.reinterpret_i64


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
    """The shim for an import of type ``sig`` (which should contain a float type)."""
    inner = int_sig(sig)
    nparams = len(sig.params)
    body = bytearray()
    for i, t in enumerate(sig.params):
        body += bytes([_LOCAL_GET]) + _uleb(i)
        if t in _TO_INT:
            body.append(_TO_INT[t])
    body += bytes([_CALL, 0])
    locals_decl: list[bytes] = []
    if any(t in _FROM_INT for t in sig.results):
        locals_decl = [b"\x01" + bytes([t]) for t in inner.results]
        for k in reversed(range(len(sig.results))):
            body += bytes([_LOCAL_SET]) + _uleb(nparams + k)
        for k, t in enumerate(sig.results):
            body += bytes([_LOCAL_GET]) + _uleb(nparams + k)
            if t in _FROM_INT:
                body.append(_FROM_INT[t])
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
