"""Trampolines are compiled once per signature for the whole process and shared by every module and engine."""
from __future__ import annotations

import struct

import runtime as rt
from runtime.jit import trampoline_table
from runtime.syntax.types import F64, I32, I64, V128, FuncSig

# a signature no other test uses, so the first compile below is the one that adds it
_WAT = """(module
  (func (export "mix") (param i64 f64 i32 i32 i64 f64 i32) (result f64 i64 i32)
    local.get 1 local.get 4 local.get 6)
  (func (export "again") (param i64 f64 i32 i32 i64 f64 i32) (result f64 i64 i32)
    local.get 5 local.get 0 local.get 2)
  (func (export "v") (param v128 i32 i32 i32 i32 i32 i32 i32) (result v128) local.get 0))"""
_MIX = FuncSig((I64, F64, I32, I32, I64, F64, I32), (F64, I64, I32))
_V = FuncSig((V128, I32, I32, I32, I32, I32, I32, I32), (V128,))
_SNAN = struct.unpack("<d", struct.pack("<Q", 0x7FF4_0000_0000_0001))[0]


def _engine(opt_level: int) -> rt.Engine:
    config = rt.Config()
    config.opt_level = opt_level
    return rt.Engine(config)


def test_modules_on_different_engines_share_one_entry_trampoline_per_signature():
    first = rt.Module(_engine(0), _WAT)
    known = len(trampoline_table.ENTRY)
    address = trampoline_table.ENTRY.address(_MIX)
    second = rt.Module(_engine(2), _WAT)
    assert len(trampoline_table.ENTRY) == known
    assert trampoline_table.ENTRY.address(_MIX) == address
    assert address != trampoline_table.ENTRY.address(_V)
    for module in (first, second):
        assert module._template.entry_addrs == [address, address, trampoline_table.ENTRY.address(_V)]
        store = rt.Store(module._engine)
        exports = rt.Instance(store, module, []).exports(store)
        assert exports["mix"](store, 1, 2.5, 3, 4, 5, 6.5, 7) == [2.5, 5, 7]
        assert exports["again"](store, -1, 0.0, -3, 4, 5, -6.5, 7) == [-6.5, -1, -3]
        bits = exports["mix"].call_vals(store, [rt.Val.i64(0), rt.Val.f64(_SNAN)] + [rt.Val.i32(0)] * 2
                                        + [rt.Val.i64(0), rt.Val.f64(0.0), rt.Val.i32(0)])[0]
        assert struct.pack("<d", bits.value) == struct.pack("<Q", 0x7FF4_0000_0000_0001)


def test_host_trampolines_are_shared_by_engines():
    sig = FuncSig((I32, I64), (I64,))
    ty = rt.FuncType([rt.ValType.i32(), rt.ValType.i64()], [rt.ValType.i64()])
    wat = """(module (import "h" "f" (func $f (param i32 i64) (result i64)))
      (func (export "g") (param i32 i64) (result i64) (call $f (local.get 0) (local.get 1))))"""
    results, sizes = [], []
    for opt_level in (1, 2):
        store = rt.Store(_engine(opt_level))
        host = rt.Func(store, ty, lambda a, b: a * 1000 + b)
        instance = rt.Instance(store, rt.Module(store.engine, wat), [host])
        results.append(instance.exports(store)["g"](store, 7, -2))
        assert host._ref[0] == trampoline_table.HOST.address(sig)
        sizes.append(len(trampoline_table.HOST))
    assert results == [6998, 6998]
    assert sizes[1] == sizes[0]
