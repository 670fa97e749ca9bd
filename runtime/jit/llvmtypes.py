"""LLVM types for wasm values, and the per-module intrinsic cache."""
from __future__ import annotations

from llvmlite import ir

from ..syntax import types as T

I1 = ir.IntType(1)
I8 = ir.IntType(8)
I16 = ir.IntType(16)
I32 = ir.IntType(32)
I64 = ir.IntType(64)
I128 = ir.IntType(128)
F32 = ir.FloatType()
F64 = ir.DoubleType()
PTR = ir.PointerType()
VOID = ir.VoidType()

#: wasm value type -> LLVM type.  References are 64-bit words: a FuncRef* for
#: funcref, a store-local handle for externref; 0 is null for both.
LLTYPE = {
    T.I32: I32, T.I64: I64, T.F32: F32, T.F64: F64, T.V128: I128,
    T.FUNCREF: I64, T.EXTERNREF: I64,
}


#: The LLVM type of a value inside a multi-value result struct: floats travel as integers of
#: their width.  x86-64 returns at most two floats in SSE registers; LLVM returns a third one in
#: the x87 register stack, and loading a signalling NaN there quiets it, changing the value's bits.
#: Integers never take that path (past the integer return registers LLVM returns in memory).
RESULT_FIELD = {**LLTYPE, T.F32: I32, T.F64: I64}


def return_type(results: tuple[int, ...]) -> ir.Type:
    if not results:
        return VOID
    if len(results) == 1:
        return LLTYPE[results[0]]
    return ir.LiteralStructType([RESULT_FIELD[t] for t in results])


def pack_results(b, values: list, results: tuple[int, ...]):
    """The return value of a function returning ``values`` (two or more, see ``RESULT_FIELD``)."""
    agg = ir.Constant(return_type(results), ir.Undefined)
    for i, (v, t) in enumerate(zip(values, results)):
        field = RESULT_FIELD[t]
        agg = b.insert_value(agg, v if field is LLTYPE[t] else b.bitcast(v, field), i)
    return agg


def unpack_results(b, agg, results: tuple[int, ...]) -> list:
    """The values in a multi-value return ``agg``, with their wasm types' LLVM types again."""
    out = []
    for i, t in enumerate(results):
        v = b.extract_value(agg, i)
        out.append(v if RESULT_FIELD[t] is LLTYPE[t] else b.bitcast(v, LLTYPE[t]))
    return out


def wasm_fn_type(sig: T.FuncSig) -> ir.FunctionType:
    """Every wasm-ABI function takes its callee context first, then its params."""
    return ir.FunctionType(return_type(sig.results), [PTR] + [LLTYPE[t] for t in sig.params])


def zero(ty: ir.Type) -> ir.Constant:
    return ir.Constant(ty, None)


def to_word(b, v, t: int):
    """A wasm value as the 64-bit word it occupies in an argument/result buffer."""
    if t == T.I32:
        return b.zext(v, I64)
    if t == T.F32:
        return b.zext(b.bitcast(v, I32), I64)
    if t == T.F64:
        return b.bitcast(v, I64)
    return v


def from_word(b, w, t: int):
    if t == T.I32:
        return b.trunc(w, I32)
    if t == T.F32:
        return b.bitcast(b.trunc(w, I32), F32)
    if t == T.F64:
        return b.bitcast(w, F64)
    return w


def intrinsic(module, name: str, ret: ir.Type, args: list[ir.Type]):
    """Declare (once per module) an LLVM intrinsic or external function by its full name."""
    return module.declare(name, ir.FunctionType(ret, args))
