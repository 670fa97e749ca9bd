"""Instantiation: resolving imports, attaching native state, running segments and start.

Follows the Wasm 2.0 instantiation order: check imports, allocate, evaluate
globals, then for each active element segment and then each active data segment
copy it in (a segment out of bounds traps, leaving earlier ones applied, exactly
as the spec says), and finally run the start function.

The native state comes from the engine's allocator (``runtime.vm.allocator``):
an ``InstanceImage`` built from the Module's ``InstanceTemplate`` (fresh, or a
pooled slot's image of the same module), memories and tables.  Func, Global and
the export map are made on first use: generated code only needs addresses, and
most instances never hand most of their functions to Python.
"""
from __future__ import annotations

import ctypes
from collections.abc import Mapping
from typing import Any, Iterator, Sequence

from ..errors import LinkError, Trap, TrapCode, WasmError
from ..jit import abi
from ..syntax import types as T
from ..syntax.ast import Import
from ..syntax.types import ExternKind
from ..vm.memory import LinearMemory
from ..vm.table import TableStorage
from .externs import Global, Memory, Table
from .func import Func
from .module import Module
from .store import Store
from .template import K_CONST, K_FUNC, K_GLOBAL, InstanceImage, InstanceTemplate

_FUNC, _TABLE, _MEMORY, _GLOBAL = ExternKind.FUNC, ExternKind.TABLE, ExternKind.MEMORY, ExternKind.GLOBAL
_FUNCREF_BYTES = abi.FUNCREF_SLOTS * 8


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
    if kind == _FUNC:
        ok = isinstance(ext, Func) and ext._sig == module._ast.types[imp.desc]
        want = f"function of type {module._ast.types[imp.desc]}"
    elif kind == _GLOBAL:
        ok = isinstance(ext, Global) and ext._sig == imp.desc
        want = "global of type " + (("mut " if imp.desc.mutable else "") +
                                    T.valtype_name(imp.desc.valtype))
    elif kind == _MEMORY:
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
        store._check_open()
        if module._engine is not store.engine:
            raise WasmError("the Module was compiled for another Engine than the Store's")
        t: InstanceTemplate = module._template
        if len(imports) != len(t.imports):
            raise LinkError(f"expected {len(t.imports)} imports, got {len(imports)}")
        for imp, ext in zip(t.imports, imports):
            _check_import(store, module, imp, ext)
        res = store._resources
        res.count_instance(len(t.memory_plans), len(t.table_plans))
        image, memories, tables = res.allocator.instantiate(
            res, t, t.new_image, t.memory_plans, t.table_plans)
        self.store = store
        self._module = module
        self._template = t
        self._attach(image, imports, memories, tables)
        store._instances.append(self)
        self._init_segments()
        if t.start is not None:
            self.func(t.start)(store)

    # -- allocation ------------------------------------------------------------------
    def _attach(self, image: InstanceImage, imports: Sequence[Any], memories: list[LinearMemory],
                tables: list[TableStorage]) -> None:
        t = self._template
        if imports:
            funcs: list[Func | None] = []
            globals_: list[Global | None] = []
            mems: list[LinearMemory] = []
            tabs: list[TableStorage] = []
            for kind, ext in zip(t.import_kinds, imports):
                if kind == _FUNC:
                    funcs.append(ext)
                elif kind == _MEMORY:
                    mems.append(ext._mem)
                elif kind == _TABLE:
                    tabs.append(ext._tab)
                else:
                    globals_.append(ext)
            memories = mems + memories
            tables = tabs + tables
            imported_refs = [f._ref_addr for f in funcs]
            imported_cells = [g._cell_addr for g in globals_]
            funcs.extend([None] * t.n_defined_funcs)
            globals_.extend([None] * len(t.global_sigs))
        else:
            funcs = [None] * t.n_funcs
            globals_ = [None] * t.n_globals
            imported_refs = imported_cells = []
        self.funcs = funcs
        self.globals = globals_
        self.memories = memories
        self.tables = tables
        self._image = image
        self.vmctx = image.vmctx
        self.vmctx_addr = image.vmctx_addr
        self._exports_map: InstanceExports | None = None
        image.attach(t, self.store._ctx_addr, memories[0].memdef_addr if memories else 0,
                     imported_refs, [tab.tabdef_addr for tab in tables] if tables else [],
                     imported_cells)
        self.store._resources.register(image.vmctx_addr, self)
        for word, kind, value in t.global_patches:
            raw = self._plan_word(kind, value)   # a cell is two words: a v128 fills both
            image.cells[word], image.cells[word + 1] = raw & 0xFFFF_FFFF_FFFF_FFFF, raw >> 64
        for pos, kind, value in t.elem_import_items:
            image.elem_items[pos] = self._plan_word(kind, value)

    def func(self, index: int) -> Func:
        """The Func of function ``index``, made on first use for defined functions."""
        f = self.funcs[index]
        if f is None:
            t = self._template
            d = index - t.n_imported_funcs
            f = self.funcs[index] = Func._wasm(self.store, t.func_sigs[index], self._image.func_ref(d),
                                               t.entry_addrs[d])
        return f

    def _global(self, index: int) -> Global:
        g = self.globals[index]
        if g is None:
            t = self._template
            d = index - t.n_imported_globals
            g = self.globals[index] = Global._wrap(self.store, t.global_sigs[d], self._image.cell(d))
        return g

    def _func_at_ref(self, ref: int) -> Func | None:
        """The Func whose FuncRef is at address ``ref``, if it is one of this instance's."""
        offset = ref - self._image.funcrefs_addr
        if 0 <= offset < _FUNCREF_BYTES * self._template.n_defined_funcs and not offset % _FUNCREF_BYTES:
            return self.func(self._template.n_imported_funcs + offset // _FUNCREF_BYTES)
        return None

    def _ref_addr(self, index: int) -> int:
        n_imported = self._template.n_imported_funcs
        if index < n_imported:
            return self.funcs[index]._ref_addr
        return self._image.funcrefs_addr + _FUNCREF_BYTES * (index - n_imported)

    @property
    def _exports(self) -> InstanceExports:
        exports = self._exports_map
        if exports is None:
            names, items = [], []
            for name, kind, index in self._template.exports:
                names.append(name)
                items.append(self._export_item(kind, index))
            exports = self._exports_map = InstanceExports(names, items)
        return exports

    def _export_item(self, kind: ExternKind, index: int) -> Any:
        if kind == _FUNC:
            return self.func(index)
        if kind == _GLOBAL:
            return self._global(index)
        if kind == _MEMORY:
            return Memory._wrap(self.store, self.memories[index])
        return Table._wrap(self.store, self.tables[index])

    def _plan_word(self, kind: int, value: Any) -> int:
        """Evaluate a constant-expression plan (see ``runtime.api.template.const_plan``)."""
        if kind == K_CONST:
            return value
        if kind == K_FUNC:
            return self._ref_addr(value)
        if kind == K_GLOBAL:
            return self.globals[value]._raw_word()
        raise WasmError(value)

    # -- segments ----------------------------------------------------------------------
    def _init_segments(self) -> None:
        t, image = self._template, self._image
        elems_arr = image.elems_arr
        for init in t.elem_inits:
            if init is None:
                continue
            i, table_index, offset, first, n = init
            if offset is not None:
                table = self.tables[table_index]
                start = self._plan_word(*offset) & 0xFFFF_FFFF
                if start + n > table.size:
                    raise Trap("out of bounds table access", TrapCode.TABLE_OUT_OF_BOUNDS)
                if n:
                    ctypes.memmove(table.address_of(start), image.elem_items_addr + 8 * first, 8 * n)
            elems_arr[2 * i + 1] = 0
        datas_arr = image.datas_arr
        if self.memories and self.memories[0].image is not None:   # the pool mapped them in
            for i, *_ in t.active_datas:
                datas_arr[2 * i + 1] = 0
            return
        for i, memory, offset, src, n in t.active_datas:
            mem = self.memories[memory]
            start = self._plan_word(*offset) & 0xFFFF_FFFF
            if start + n > mem.size_bytes:
                raise Trap.from_code(TrapCode.MEMORY_OUT_OF_BOUNDS)
            if n:
                ctypes.memmove(mem.base + start, src, n)
            datas_arr[2 * i + 1] = 0

    # -- helpers called from generated code (via runtime.vm.callbacks) -----------------
    def memory_grow(self, index: int, delta: int) -> int:
        return self.memories[index].grow(delta)

    def table_grow(self, index: int, init: int, delta: int) -> int:
        return self.tables[index].grow(delta, init)

    # -- wasmtime-py API -------------------------------------------------------------
    def exports(self, store: Store) -> InstanceExports:
        if store is not self.store:
            raise WasmError("this Instance belongs to another Store")
        store._check_open()
        return self._exports
