"""Instantiation: resolving imports, building the VMContext, running segments and start.

Follows the Wasm 2.0 instantiation order: check imports, allocate, evaluate
globals, then for each active element segment and then each active data segment
copy it in (a segment out of bounds traps, leaving earlier ones applied, exactly
as the spec says), and finally run the start function.
"""
from __future__ import annotations

import ctypes
from collections.abc import Mapping
from typing import Any, Iterator, Sequence

from ..errors import LinkError, Trap, TrapCode, WasmError
from ..jit import abi
from ..syntax import opcodes as O
from ..syntax import types as T
from ..syntax.ast import Import, SegmentMode
from ..syntax.types import ExternKind
from ..vm import callbacks
from ..vm.memory import LinearMemory
from ..vm.table import TableStorage
from .externs import Global, Memory, Table
from .func import Func
from .module import Module
from .store import Store

_OP = O.OP
_MASK = {T.I32: 0xFFFF_FFFF, T.I64: 0xFFFF_FFFF_FFFF_FFFF}


def _words(values: Sequence[int]) -> ctypes.Array:
    return (ctypes.c_uint64 * max(len(values), 1))(*values)


class InstanceExports(Mapping):
    def __init__(self, names: list[str], items: list[Any]):
        self._items = dict(zip(names, items))
        self._by_index = items

    def __getitem__(self, name: str) -> Any:
        return self._items[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self._items)

    def __len__(self) -> int:
        return len(self._items)

    @property
    def by_index(self) -> Sequence[Any]:
        return self._by_index


def _limits_match(cur_min: int, cur_max: int | None, want_min: int, want_max: int | None) -> bool:
    if cur_min < want_min:
        return False
    if want_max is None:
        return True
    return cur_max is not None and cur_max <= want_max


def _check_import(store: Store, module: Module, imp: Import, ext: Any) -> None:
    where = f"`{imp.module}::{imp.name}`"
    kind = imp.kind
    if getattr(ext, "_store", store) is not store:
        raise WasmError(f"import {where} comes from another Store")
    if kind == ExternKind.FUNC:
        ok = isinstance(ext, Func) and ext._sig == module._ast.types[imp.desc]
        want = f"function of type {module._ast.types[imp.desc]}"
    elif kind == ExternKind.GLOBAL:
        ok = isinstance(ext, Global) and ext._sig == imp.desc
        want = "global of type " + (("mut " if imp.desc.mutable else "") +
                                    T.valtype_name(imp.desc.valtype))
    elif kind == ExternKind.MEMORY:
        lim = imp.desc.limits
        ok = isinstance(ext, Memory) and _limits_match(ext._mem.pages, ext._mem.declared_max,
                                                        lim.min, lim.max)
        want = f"memory with limits {lim.min}..{lim.max}"
    else:
        lim = imp.desc.limits
        ok = (isinstance(ext, Table) and ext._tab.elem_type == imp.desc.elem and
              _limits_match(ext._tab.size, ext._tab.declared_max, lim.min, lim.max))
        want = f"{T.valtype_name(imp.desc.elem)} table with limits {lim.min}..{lim.max}"
    if not ok:
        raise LinkError(f"incompatible import type for {where}: expected a {want}, "
                        f"got {type(ext).__name__}")


class Instance:
    """An instantiated module; also the run-time state the helpers reach by VMContext."""

    def __init__(self, store: Store, module: Module, imports: Sequence[Any]):
        if not isinstance(store, Store):
            raise TypeError("expected a Store")
        if not isinstance(module, Module):
            raise TypeError("expected a Module")
        if module._engine is not store.engine:
            raise WasmError("the Module was compiled for another Engine than the Store's")
        ast = module._ast
        if len(imports) != len(ast.imports):
            raise LinkError(f"expected {len(ast.imports)} imports, got {len(imports)}")
        for imp, ext in zip(ast.imports, imports):
            _check_import(store, module, imp, ext)
        self.store = store
        self._module = module
        store._owned.append(self)
        self._build(imports)
        self._init_segments()
        if ast.start is not None:
            self.funcs[ast.start](store)

    # -- allocation ------------------------------------------------------------------
    def _build(self, imports: Sequence[Any]) -> None:
        store, module = self.store, self._module
        ast, code, engine = module._ast, module._compiled, store.engine
        self.vmctx = (ctypes.c_uint64 * abi.VMCTX_SLOTS)()
        self.vmctx_addr = ctypes.addressof(self.vmctx)
        callbacks.register_instance(self.vmctx_addr, self)

        self.funcs: list[Func] = []
        self.memories: list[LinearMemory] = []
        self.tables: list[TableStorage] = []
        self.globals: list[Global] = []
        for imp, ext in zip(ast.imports, imports):
            if imp.kind == ExternKind.FUNC:
                self.funcs.append(ext)
            elif imp.kind == ExternKind.MEMORY:
                self.memories.append(ext._mem)
            elif imp.kind == ExternKind.TABLE:
                self.tables.append(ext._tab)
            else:
                self.globals.append(ext)

        type_idx = ast.func_type_indices()
        n_imported = len(self.funcs)
        for i, addr in enumerate(code.func_addresses):
            ti = type_idx[n_imported + i]
            self.funcs.append(Func._wasm(store, ast.types[ti], addr, self.vmctx_addr,
                                         code.trampolines[ti]))
        for msig in ast.mems:
            self.memories.append(LinearMemory(msig.limits.min, msig.limits.max))
        for tsig in ast.tables:
            self.tables.append(TableStorage(tsig.elem, tsig.limits.min, tsig.limits.max))
        for g in ast.globals:
            cell = (ctypes.c_uint64 * 2)()
            cell[0] = self._eval_const(g.init)
            self.globals.append(Global._wrap(store, g.sig, cell))

        self._funcs_arr = _words([f._ref_addr for f in self.funcs])
        self._tables_arr = _words([t.tabdef_addr for t in self.tables])
        self._globals_arr = _words([g._cell_addr for g in self.globals])
        self._sig_arr = _words([engine._sig_id(s) for s in ast.types])
        self._data_bufs = [ctypes.create_string_buffer(bytes(d.init), max(len(d.init), 1))
                           for d in ast.datas]
        self._datas_arr = _words([w for buf, d in zip(self._data_bufs, ast.datas)
                                  for w in (ctypes.addressof(buf), len(d.init))])
        self._elem_bufs = [_words([self._eval_const(e) for e in seg.init]) for seg in ast.elems]
        self._elems_arr = _words([w for buf, seg in zip(self._elem_bufs, ast.elems)
                                  for w in (ctypes.addressof(buf), len(seg.init))])
        vm = self.vmctx
        vm[abi.VM_STORE] = store._ctx_addr
        vm[abi.VM_MEMORY] = self.memories[0].memdef_addr if self.memories else 0
        vm[abi.VM_TABLES] = ctypes.addressof(self._tables_arr)
        vm[abi.VM_GLOBALS] = ctypes.addressof(self._globals_arr)
        vm[abi.VM_FUNCS] = ctypes.addressof(self._funcs_arr)
        vm[abi.VM_SIG_IDS] = ctypes.addressof(self._sig_arr)
        vm[abi.VM_DATAS] = ctypes.addressof(self._datas_arr)
        vm[abi.VM_ELEMS] = ctypes.addressof(self._elems_arr)
        vm[abi.VM_HELPERS] = callbacks.HELPERS_ADDR

        names, items = [], []
        for exp in ast.exports:
            names.append(exp.name)
            items.append(self._export_item(exp.kind, exp.index))
        self._exports = InstanceExports(names, items)

    def _export_item(self, kind: ExternKind, index: int) -> Any:
        if kind == ExternKind.FUNC:
            return self.funcs[index]
        if kind == ExternKind.GLOBAL:
            return self.globals[index]
        if kind == ExternKind.MEMORY:
            return Memory._wrap(self.store, self.memories[index])
        return Table._wrap(self.store, self.tables[index])

    def _eval_const(self, expr: list) -> int:
        """Evaluate a validated constant expression to its 64-bit word."""
        stack: list[int] = []
        for op, imm in expr:
            if op == _OP["i32.const"]:
                stack.append(imm & 0xFFFF_FFFF)
            elif op == _OP["i64.const"]:
                stack.append(imm & 0xFFFF_FFFF_FFFF_FFFF)
            elif op == _OP["f32.const"] or op == _OP["f64.const"]:
                stack.append(imm)
            elif op == _OP["ref.null"]:
                stack.append(0)
            elif op == _OP["ref.func"]:
                stack.append(self.funcs[imm]._ref_addr)
            elif op == _OP["global.get"]:
                stack.append(self.globals[imm]._raw_word())
            else:
                raise WasmError(f"unsupported instruction {O.op_name(op)} in a constant expression")
        return stack[-1]

    # -- segments ----------------------------------------------------------------------
    def _init_segments(self) -> None:
        ast = self._module._ast
        for i, seg in enumerate(ast.elems):
            if seg.mode == SegmentMode.ACTIVE:
                table = self.tables[seg.table]
                start = self._eval_const(seg.offset_expr) & 0xFFFF_FFFF
                n = len(seg.init)
                if start + n > table.size:
                    raise Trap("out of bounds table access", TrapCode.TABLE_OUT_OF_BOUNDS)
                buf = self._elem_bufs[i]
                for k in range(n):
                    table.set(start + k, buf[k])
            if seg.mode != SegmentMode.PASSIVE:
                self._elems_arr[2 * i + 1] = 0
        for i, seg in enumerate(ast.datas):
            if seg.mode == SegmentMode.ACTIVE:
                mem = self.memories[seg.memory]
                start = self._eval_const(seg.offset_expr) & 0xFFFF_FFFF
                if start + len(seg.init) > mem.size_bytes:
                    raise Trap.from_code(TrapCode.MEMORY_OUT_OF_BOUNDS)
                mem.write(start, bytes(seg.init))
                self._datas_arr[2 * i + 1] = 0

    # -- helpers called from generated code (via runtime.vm.callbacks) -----------------
    def memory_grow(self, index: int, delta: int) -> int:
        return self.memories[index].grow(delta)

    def table_grow(self, index: int, init: int, delta: int) -> int:
        return self.tables[index].grow(delta, init)

    # -- wasmtime-py API -------------------------------------------------------------
    def exports(self, store: Store) -> InstanceExports:
        if store is not self.store:
            raise WasmError("this Instance belongs to another Store")
        return self._exports
