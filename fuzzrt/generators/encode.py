"""``runtime.syntax.ast.Module`` -> wasm binary.

The Python-built generators (Hypothesis strategy, single-instruction modules)
construct the same AST the decoder produces and serialise it here, instead of
printing WAT and shelling out to ``wasm-tools parse``: encoding in-process
costs microseconds, a subprocess milliseconds.  Decoding the output with
``runtime.binary.decode_module`` gives back an equal AST (the tests check the
round trip), which makes the AST the shrinkable, inspectable form of a case.

Element segments use the most compact binary form that expresses them, so a
module without reference-types features only ever gets form 0.
"""
from __future__ import annotations

import struct
from collections.abc import Iterable

from runtime.syntax.ast import Data, Elem, Export, Func, Global, Import, Module, SegmentMode
from runtime.syntax.opcodes import FC, FD, IMM, OP, Imm
from runtime.syntax.types import FUNCREF, ExternKind, FuncSig, GlobalSig, Limits, MemorySig, TableSig

_END = 0x0B
_REF_FUNC = OP["ref.func"]
_MEMORY_INIT = OP["memory.init"]


def uleb(n: int) -> bytes:
    if n < 0:
        raise ValueError(f"uleb: negative value {n}")
    out = bytearray()
    while True:
        byte = n & 0x7F
        n >>= 7
        if n:
            out.append(byte | 0x80)
        else:
            out.append(byte)
            return bytes(out)


def sleb(n: int) -> bytes:
    out = bytearray()
    while True:
        byte = n & 0x7F
        n >>= 7
        done = (n == 0 and not byte & 0x40) or (n == -1 and byte & 0x40)
        out.append(byte if done else byte | 0x80)
        if done:
            return bytes(out)


def name(s: str) -> bytes:
    raw = s.encode("utf-8")
    return uleb(len(raw)) + raw


def vec(items: Iterable[bytes]) -> bytes:
    items = list(items)
    return uleb(len(items)) + b"".join(items)


def instr(op: int, imm: object = None) -> bytes:
    """One instruction ``(op, imm)`` in the binary format (see ``opcodes`` for the imm shapes)."""
    if op & FD:
        head = b"\xfd" + uleb(op & 0xFFFF)
    elif op & FC:
        head = b"\xfc" + uleb(op & 0xFFFF)
    else:
        head = bytes((op,))
    kind = IMM.get(op)
    if kind is None:
        raise ValueError(f"encode: unknown opcode {op:#x}")
    if op == _MEMORY_INIT:  # the only DATA-immediate instruction with a trailing memory index
        return head + uleb(imm) + b"\x00"
    return head + _immediate(kind, imm)


def _immediate(kind: str, imm) -> bytes:
    if kind == Imm.NONE:
        return b""
    if kind == Imm.BLOCK:
        return sleb(imm)
    if kind in (Imm.LABEL, Imm.FUNC, Imm.LOCAL, Imm.GLOBAL, Imm.TABLE, Imm.ELEM, Imm.DATA):
        return uleb(imm)
    if kind == Imm.BR_TABLE:
        depths, default = imm
        return vec(uleb(d) for d in depths) + uleb(default)
    if kind in (Imm.CALL_INDIRECT, Imm.TABLE_COPY, Imm.TABLE_INIT):
        a, b = imm
        return uleb(a) + uleb(b)
    if kind == Imm.MEMARG:
        align, offset = imm
        return uleb(align) + uleb(offset)
    if kind == Imm.MEM:
        return b"\x00"
    if kind == Imm.MEM_COPY:
        return b"\x00\x00"
    if kind in (Imm.I32, Imm.I64):
        return sleb(imm)
    if kind == Imm.F32:
        return struct.pack("<I", imm)
    if kind == Imm.F64:
        return struct.pack("<Q", imm)
    if kind == Imm.SELECT_T:
        return vec(bytes((t,)) for t in imm)
    if kind == Imm.REFTYPE:
        return bytes((imm,))
    if kind == Imm.V128:
        return imm.to_bytes(16, "little")
    if kind == Imm.LANE:
        return bytes((imm,))
    if kind == Imm.SHUFFLE:
        return bytes(imm)
    if kind == Imm.MEMARG_LANE:
        align, offset, lane = imm
        return uleb(align) + uleb(offset) + bytes((lane,))
    raise ValueError(f"encode: unknown immediate kind {kind!r}")


def instrs(body: Iterable[tuple]) -> bytes:
    return b"".join([instr(op, imm) for op, imm in body])


def const_expr(expr: Iterable[tuple]) -> bytes:
    return instrs(expr) + bytes((_END,))


def _limits(lim: Limits) -> bytes:
    if lim.max is None:
        return b"\x00" + uleb(lim.min)
    return b"\x01" + uleb(lim.min) + uleb(lim.max)


def _functype(sig: FuncSig) -> bytes:
    return b"\x60" + vec(bytes((t,)) for t in sig.params) + vec(bytes((t,)) for t in sig.results)


def _table(sig: TableSig) -> bytes:
    return bytes((sig.elem,)) + _limits(sig.limits)


def _memory(sig: MemorySig) -> bytes:
    return _limits(sig.limits)


def _globaltype(sig: GlobalSig) -> bytes:
    return bytes((sig.valtype, 1 if sig.mutable else 0))


def _import(imp: Import) -> bytes:
    head = name(imp.module) + name(imp.name) + bytes((int(imp.kind),))
    if imp.kind == ExternKind.FUNC:
        return head + uleb(imp.desc)
    if imp.kind == ExternKind.TABLE:
        return head + _table(imp.desc)
    if imp.kind == ExternKind.MEMORY:
        return head + _memory(imp.desc)
    return head + _globaltype(imp.desc)


def _global(g: Global) -> bytes:
    return _globaltype(g.sig) + const_expr(g.init)


def _export(e: Export) -> bytes:
    return name(e.name) + bytes((int(e.kind),)) + uleb(e.index)


def _func_indices(init: list) -> list[int] | None:
    """The function indices of a segment whose items are all ``ref.func``, else None."""
    out = []
    for expr in init:
        if len(expr) != 1 or expr[0][0] != _REF_FUNC:
            return None
        out.append(expr[0][1])
    return out


def _elem(seg: Elem) -> bytes:
    funcs = _func_indices(seg.init) if seg.elem_type == FUNCREF else None
    if funcs is not None:
        items = vec(uleb(f) for f in funcs)
        if seg.mode == SegmentMode.ACTIVE:
            if seg.table == 0:
                return uleb(0) + const_expr(seg.offset_expr) + items
            return uleb(2) + uleb(seg.table) + const_expr(seg.offset_expr) + b"\x00" + items
        flag = 1 if seg.mode == SegmentMode.PASSIVE else 3
        return uleb(flag) + b"\x00" + items
    exprs = vec(const_expr(e) for e in seg.init)
    if seg.mode == SegmentMode.ACTIVE:
        if seg.table == 0 and seg.elem_type == FUNCREF:
            return uleb(4) + const_expr(seg.offset_expr) + exprs
        return uleb(6) + uleb(seg.table) + const_expr(seg.offset_expr) + bytes((seg.elem_type,)) + exprs
    flag = 5 if seg.mode == SegmentMode.PASSIVE else 7
    return uleb(flag) + bytes((seg.elem_type,)) + exprs


def _data(seg: Data) -> bytes:
    payload = uleb(len(seg.init)) + seg.init
    if seg.mode == SegmentMode.PASSIVE:
        return uleb(1) + payload
    if seg.memory == 0:
        return uleb(0) + const_expr(seg.offset_expr) + payload
    return uleb(2) + uleb(seg.memory) + const_expr(seg.offset_expr) + payload


def _code(f: Func) -> bytes:
    body = vec(uleb(n) + bytes((t,)) for n, t in f.locals) + instrs(f.body)
    return uleb(len(body)) + body


def _section(sid: int, payload: bytes) -> bytes:
    return bytes((sid,)) + uleb(len(payload)) + payload


def encode_module(m: Module) -> bytes:
    """The binary of ``m``; function bodies must end with their ``end`` (as decoded ones do)."""
    out = bytearray(b"\0asm\x01\0\0\0")
    if m.types:
        out += _section(1, vec(_functype(t) for t in m.types))
    if m.imports:
        out += _section(2, vec(_import(i) for i in m.imports))
    if m.funcs:
        out += _section(3, vec(uleb(f.type_idx) for f in m.funcs))
    if m.tables:
        out += _section(4, vec(_table(t) for t in m.tables))
    if m.mems:
        out += _section(5, vec(_memory(s) for s in m.mems))
    if m.globals:
        out += _section(6, vec(_global(g) for g in m.globals))
    if m.exports:
        out += _section(7, vec(_export(e) for e in m.exports))
    if m.start is not None:
        out += _section(8, uleb(m.start))
    if m.elems:
        out += _section(9, vec(_elem(e) for e in m.elems))
    if m.data_count is not None:
        out += _section(12, uleb(m.data_count))
    if m.funcs:
        out += _section(10, vec(_code(f) for f in m.funcs))
    if m.datas:
        out += _section(11, vec(_data(d) for d in m.datas))
    for cname, payload in m.customs:
        out += _section(0, name(cname) + payload)
    return bytes(out)
