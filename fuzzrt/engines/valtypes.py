"""Value-type names shared by both engines' Python APIs, mapped to ``runtime.syntax.types`` codes.

``str(ValType)`` is "i32", "f64", "funcref"... in wasmtime-py and in the
runtime alike (except that wasmtime-py calls externref "anyref"), so adapters
translate types through their names and never reach into either API's
internals for it.
"""
from __future__ import annotations

from typing import Any

from runtime.syntax.types import EXTERNREF, F32, F64, FUNCREF, I32, I64, V128, VALTYPE_NAMES, FuncSig

CODES = {name: code for code, name in VALTYPE_NAMES.items()}
#: wasmtime-py prints externref by its wasm-c-api kind name (WASM_ANYREF, the same value as WASM_EXTERNREF)
CODES["anyref"] = EXTERNREF
INT_TYPES = frozenset((I32, I64))
FLOAT_TYPES = frozenset((F32, F64))
REF_TYPES = frozenset((FUNCREF, EXTERNREF))
ALL = (I32, I64, F32, F64, V128, FUNCREF, EXTERNREF)


def code_of(valtype: Any) -> int:
    """The type code of an API ``ValType`` (either engine's)."""
    name = str(valtype)
    code = CODES.get(name)
    if code is None:
        raise ValueError(f"unsupported value type {name!r}")
    return code


def sig_of(functype: Any) -> FuncSig:
    """The ``FuncSig`` of an API ``FuncType`` (either engine's)."""
    return FuncSig(tuple(code_of(t) for t in functype.params), tuple(code_of(t) for t in functype.results))
