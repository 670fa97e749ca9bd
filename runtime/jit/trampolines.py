"""The two boundaries between Python and wasm code, as generated functions.

*Entry trampolines* (Python -> wasm), one per signature, have the single C type
``i32 (FuncRef*, u64* buffer)``: arguments are read from the buffer as raw
64-bit words (two for a v128, see ``abi.word_offsets``), results are written
back to it the same way, and the trap code is returned.
A raw word buffer keeps every bit of a NaN payload intact (Python floats would
quiet signalling NaNs) and lets one ctypes prototype call every function.
The outermost entry also arms the stack limit: frame address minus
``max_wasm_stack``; nested entries (wasm -> host -> wasm) keep the outer limit,
so the whole wasm stack of one call tree is bounded.

*Host trampolines* (wasm -> Python) have the wasm ABI of their signature, spill
the arguments to a word buffer and call the store's Python callback with the
host function's id; a non-zero status becomes the trap code of the call.
"""
from __future__ import annotations

from llvmlite import ir

from .fastir import Callable_, Function, IRBuilder, Module, Value

from ..syntax.types import V128, FuncSig
from . import abi
from .llvmtypes import (I32, I64, I128, PTR, from_word, intrinsic, pack_results, to_word, unpack_results,
                         wasm_fn_type, zero)


def _gep(b: IRBuilder, base: Value, i: int) -> Value:
    return b.gep(base, [ir.Constant(I64, i)], source_etype=I64) if i else base


def _load_value(b: IRBuilder, buf: Value, offset: int, t: int) -> Value:
    """The value of type ``t`` at word ``offset`` of a buffer (see ``abi.word_offsets``)."""
    if t == V128:  # two words, low first: the i128 itself, stored little-endian
        return b.load(_gep(b, buf, offset), typ=I128, align=8)
    return from_word(b, b.load(_gep(b, buf, offset), typ=I64), t)


def _store_value(b: IRBuilder, buf: Value, offset: int, v: Value, t: int) -> None:
    if t == V128:
        b.store(v, _gep(b, buf, offset), align=8)
    else:
        b.store(to_word(b, v, t), _gep(b, buf, offset))


def Callee(ptr: Value, fnty: ir.FunctionType) -> Callable_:
    """A function pointer value paired with the function type to call it with."""
    return Callable_(fnty, ptr.get_reference())


def build_entry_trampoline(module: Module, name: str, sig: FuncSig) -> Function:
    fn = Function(module, ir.FunctionType(I32, [PTR, PTR]), name)
    fn.attributes.append("nounwind")
    funcref, buf = fn.args
    entry = fn.append_basic_block("entry")
    b = IRBuilder(entry, fn)
    code = b.load(_gep(b, funcref, abi.FR_CODE), typ=PTR)
    vmctx = b.load(_gep(b, funcref, abi.FR_VMCTX), typ=PTR)
    store = b.load(vmctx, typ=PTR)
    limit_ptr = _gep(b, store, abi.SC_STACK_LIMIT)
    outer = b.icmp_unsigned("==", b.load(limit_ptr, typ=I64), ir.Constant(I64, 0))
    with b.if_then(outer):
        fa = b.call(intrinsic(module, "llvm.frameaddress.p0", PTR, [I32]), [ir.Constant(I32, 0)])
        max_stack = b.load(_gep(b, store, abi.SC_MAX_STACK), typ=I64)
        b.store(b.sub(b.ptrtoint(fa, I64), max_stack), limit_ptr)
    offsets, _ = abi.word_offsets(sig.params)
    args = [_load_value(b, buf, o, t) for o, t in zip(offsets, sig.params)]
    r = b.call(Callee(code, wasm_fn_type(sig)), [vmctx] + args)
    trap = b.load(store, typ=I64)
    ok = b.icmp_unsigned("==", trap, ir.Constant(I64, 0))
    with b.if_then(ok):
        if len(sig.results) == 1:
            _store_value(b, buf, 0, r, sig.results[0])
        else:
            offsets, _ = abi.word_offsets(sig.results)
            for o, t, v in zip(offsets, sig.results, unpack_results(b, r, sig.results)):
                _store_value(b, buf, o, v, t)
    b.store(ir.Constant(I64, 0), store)
    with b.if_then(outer):
        b.store(ir.Constant(I64, 0), limit_ptr)
    b.ret(b.trunc(trap, I32))
    return fn


def build_host_trampoline(module: Module, name: str, sig: FuncSig) -> Function:
    fn = Function(module, wasm_fn_type(sig), name)
    fn.attributes.append("nounwind")
    hostctx = fn.args[0]
    b = IRBuilder(fn.append_basic_block("entry"), fn)
    param_offsets, param_words = abi.word_offsets(sig.params)
    result_offsets, result_words = abi.word_offsets(sig.results)
    buf = b.alloca(I64, size=ir.Constant(I32, max(param_words, result_words, 1)))
    for i, (o, t) in enumerate(zip(param_offsets, sig.params)):
        _store_value(b, buf, o, fn.args[i + 1], t)
    store = b.load(hostctx, typ=PTR)
    callback = b.load(_gep(b, hostctx, abi.HOST_CALLBACK), typ=PTR)
    host_id = b.load(_gep(b, hostctx, abi.HOST_ID), typ=I64)
    status = b.call(Callee(callback, ir.FunctionType(I32, [I64, PTR])), [host_id, buf])
    failed = b.icmp_unsigned("!=", status, ir.Constant(I32, 0))
    rt = fn.function_type.return_type
    with b.if_then(failed, likely=False):
        b.store(b.zext(status, I64), store)
        if isinstance(rt, ir.VoidType):
            b.ret_void()
        else:
            b.ret(zero(rt))
    results = [_load_value(b, buf, o, t) for o, t in zip(result_offsets, sig.results)]
    if not results:
        b.ret_void()
    elif len(results) == 1:
        b.ret(results[0])
    else:
        b.ret(pack_results(b, results, sig.results))
    return fn
