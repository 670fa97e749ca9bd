"""Instantiation work done once per Module (``InstanceTemplate``) and once per slot (``InstanceImage``).

Building an instance's native state in Python, value by value, costs more than
the rest of instantiation together.  So a Module prepares, once, everything that
does not depend on the Store or the imports: its FuncRef words, signature ids,
global initial values, data-segment buffers, element items and the byte images
of its segment tables.  An ``InstanceImage`` is the set of native arrays one
instance runs on (VMContext, FuncRefs, pointer arrays, global cells, segment
tables); building one is a handful of bulk copies.  Attaching an image to a new
tenant (``InstanceImage.attach``) rewrites only what varies: the store pointer,
imports, memory and table definitions, and it restores globals and dropped
segments from the template.  The pooling allocator keeps an image per instance
slot, so re-instantiating the same module there skips building entirely.

The template also defines the instance *size* that
``PoolingAllocationConfig.max_core_instance_size`` bounds: the bytes of an
image plus the module's memory and table definitions (see ``size_breakdown``).
"""
from __future__ import annotations

import ctypes
import itertools
from array import array
from typing import Any, Sequence

from ..jit import abi, trampoline_table
from ..syntax import opcodes as O
from ..syntax.ast import Module as AstModule
from ..syntax.ast import SegmentMode
from ..syntax.types import ExternKind, FuncSig, GlobalSig
from ..vm import callbacks
from ..vm.pools import MemoryImage

_OP = O.OP
_WORD = 8
_serials = itertools.count()

#: constant-expression plans: (kind, value)
K_CONST = 0      # value: the 64-bit word
K_FUNC = 1       # value: function index (ref.func)
K_GLOBAL = 2     # value: imported global index (global.get)
K_UNSUPPORTED = 3  # value: the error message, raised if the expression is ever evaluated

_CONST_MASKS = {_OP["i32.const"]: 0xFFFF_FFFF, _OP["i64.const"]: 0xFFFF_FFFF_FFFF_FFFF,
                _OP["f32.const"]: 0xFFFF_FFFF, _OP["f64.const"]: 0xFFFF_FFFF_FFFF_FFFF,
                _OP["v128.const"]: (1 << 128) - 1}


def const_plan(expr: list) -> tuple[int, Any]:
    """How to evaluate a validated constant expression (a single instruction in Wasm 2.0)."""
    if len(expr) != 1:
        return K_UNSUPPORTED, f"unsupported constant expression of {len(expr)} instructions"
    op, imm = expr[0]
    mask = _CONST_MASKS.get(op)
    if mask is not None:
        return K_CONST, imm & mask
    if op == _OP["ref.null"]:
        return K_CONST, 0
    if op == _OP["ref.func"]:
        return K_FUNC, imm
    if op == _OP["global.get"]:
        return K_GLOBAL, imm
    return K_UNSUPPORTED, f"unsupported instruction {O.op_name(op)} in a constant expression"


def new_words(n: int, init: bytes = b"") -> ctypes.Array:
    """A zeroed array of ``max(n, 1)`` 64-bit words, starting with the bytes ``init``."""
    arr = (ctypes.c_uint64 * max(n, 1))()
    if init:
        ctypes.memmove(arr, init, len(init))
    return arr


class InstanceTemplate:
    """Everything about instantiating one Module that is the same for every instance."""

    def __init__(self, sig_id: Any, module: AstModule):
        types = module.types
        self.imports = module.imports
        self.import_kinds = [imp.kind for imp in module.imports]
        counts = {kind: self.import_kinds.count(kind) for kind in ExternKind}
        nfi = self.n_imported_funcs = counts[ExternKind.FUNC]
        self.n_imported_tables = counts[ExternKind.TABLE]
        self.n_imported_memories = counts[ExternKind.MEMORY]
        ngi = self.n_imported_globals = counts[ExternKind.GLOBAL]

        self.sig_ids = [sig_id(s) for s in types]
        self.sig_arr = new_words(len(self.sig_ids), array("Q", self.sig_ids).tobytes())
        self.type_idx = module.func_type_indices()
        self.func_sigs: list[FuncSig] = [types[t] for t in self.type_idx]
        self.n_funcs = len(self.type_idx)
        self.n_defined_funcs = len(module.funcs)
        self.entry_addrs: list[int] = []
        self.funcref_words = array("Q")

        self.table_plans = [(t.elem, t.limits.min, t.limits.max) for t in module.tables]
        self.n_tables = self.n_imported_tables + len(module.tables)

        self.global_sigs: list[GlobalSig] = [g.sig for g in module.globals]
        self.n_globals = ngi + len(module.globals)
        cells = array("Q", bytes(16 * len(module.globals)))
        self.global_patches: list[tuple[int, int, Any]] = []      # (cell word, kind, value)
        for i, g in enumerate(module.globals):
            kind, value = const_plan(g.init)
            if kind == K_CONST:
                cells[2 * i], cells[2 * i + 1] = value & 0xFFFF_FFFF_FFFF_FFFF, value >> 64  # v128: 2 words
            else:
                self.global_patches.append((2 * i, kind, value))
        self.cells_bytes = cells.tobytes()

        self.data_bufs = [ctypes.create_string_buffer(bytes(d.init), max(len(d.init), 1))
                          for d in module.datas]
        datas = array("Q")
        for buf, d in zip(self.data_bufs, module.datas):
            datas.extend((ctypes.addressof(buf), len(d.init)))
        self.n_datas = len(module.datas)
        self.datas_bytes = datas.tobytes()
        #: (segment index, memory index, offset plan, source address, length)
        self.active_datas = [(i, d.memory, const_plan(d.offset_expr), ctypes.addressof(buf), len(d.init))
                             for i, (d, buf) in enumerate(zip(module.datas, self.data_bufs))
                             if d.mode == SegmentMode.ACTIVE]

        items = array("Q")
        self.elem_starts: list[int] = []
        self.elem_lens: list[int] = []
        self.elem_func_items: list[tuple[int, int]] = []           # (item, defined func index)
        self.elem_import_items: list[tuple[int, int, Any]] = []    # (item, kind, value)
        for seg in module.elems:
            self.elem_starts.append(len(items))
            self.elem_lens.append(len(seg.init))
            for expr in seg.init:
                kind, value = const_plan(expr)
                pos = len(items)
                items.append(value if kind == K_CONST else 0)
                if kind == K_FUNC and value >= nfi:
                    self.elem_func_items.append((pos, value - nfi))
                elif kind != K_CONST:
                    self.elem_import_items.append((pos, kind, value))
        self.n_elems = len(module.elems)
        self.n_elem_items = len(items)
        self.elem_items_bytes = items.tobytes()
        #: (segment index, table index, offset plan, first item, count); None for passive
        self.elem_inits = [None if seg.mode == SegmentMode.PASSIVE else
                           (i, seg.table, const_plan(seg.offset_expr) if seg.mode == SegmentMode.ACTIVE
                            else None, self.elem_starts[i], len(seg.init))
                           for i, seg in enumerate(module.elems)]

        image = self._memory_image(module)
        serial = next(_serials)      # pool slots keep affinity per (module, index) under these keys
        self.memory_plans = [(m.limits.min, m.limits.max, image if i == 0 else None, (serial, i))
                             for i, m in enumerate(module.mems)]
        self.table_plans = [(elem, lo, hi, (serial, i))
                            for i, (elem, lo, hi) in enumerate(self.table_plans)]

        self.exports = [(e.name, e.kind, e.index) for e in module.exports]
        self.start = module.start
        self.size_breakdown = self._breakdown()
        self.size = sum(part for _, part in self.size_breakdown)

    def _memory_image(self, module: AstModule) -> MemoryImage | None:
        """The data segments as an image of memory 0, when that cannot change what wasm sees.

        Mapping the image replaces copying the segments in, which is only the
        same if instantiation cannot stop before the data segments are copied:
        memory 0 is defined here, every active data segment lands at a constant
        offset inside its initial size, and every active element segment at a
        constant offset inside a table defined here (tables start at their
        minimum size), so no segment can trap.
        """
        if self.n_imported_memories or not module.mems or not self.active_datas:
            return None
        initial = module.mems[0].limits.min * 65536
        segments = []
        for _, memory, (kind, offset), src, n in self.active_datas:
            if memory != 0 or kind != K_CONST or offset + n > initial:
                return None
            if n:
                segments.append((offset, ctypes.string_at(src, n)))
        for init in self.elem_inits:
            if init is None or init[2] is None:
                continue
            _, table, (kind, offset), _, n = init
            if kind != K_CONST or table < self.n_imported_tables or \
                    offset + n > self.table_plans[table - self.n_imported_tables][1]:
                return None
        if not segments:
            return None
        return MemoryImage(segments, max(offset + len(data) for offset, data in segments))

    def link(self, func_addresses: Sequence[int]) -> None:
        """Add the compiled code: each defined function's address, and its signature's entry trampoline."""
        defined_types = self.type_idx[self.n_imported_funcs:]
        self.entry_addrs = trampoline_table.ENTRY.addresses(self.func_sigs[self.n_imported_funcs:])
        words = array("Q")
        for addr, t in zip(func_addresses, defined_types):
            words.extend((addr, 0, self.sig_ids[t]))
        self.funcref_words = words

    def _breakdown(self) -> list[tuple[str, int]]:
        """Bytes of native state per instance, by what they are for."""
        w = _WORD
        return [
            ("instance state management", abi.VMCTX_SLOTS * w),
            ("module functions", abi.FUNCREF_SLOTS * w * self.n_defined_funcs + w * self.n_funcs),
            ("defined globals", 2 * w * len(self.global_sigs) + w * self.n_globals),
            ("defined tables", abi.TABDEF_SLOTS * w * len(self.table_plans) + w * self.n_tables),
            ("owned memories", abi.MEMDEF_SLOTS * w * len(self.memory_plans)),
            ("data segments", 2 * w * self.n_datas),
            ("element segments", 2 * w * self.n_elems + w * self.n_elem_items),
        ]

    def new_image(self) -> "InstanceImage":
        return InstanceImage(self)


class InstanceImage:
    """The native arrays one instance runs on; reusable by later instances of the same module."""

    __slots__ = ("vmctx", "vmctx_addr", "funcrefs", "funcrefs_addr", "funcs_arr", "tables_arr",
                 "globals_arr", "cells", "cells_addr", "datas_arr", "elem_items", "elem_items_addr",
                 "elems_arr", "elems_bytes")

    def __init__(self, t: InstanceTemplate):
        self.vmctx = vm = new_words(abi.VMCTX_SLOTS)
        va = self.vmctx_addr = ctypes.addressof(vm)

        nd = t.n_defined_funcs
        refs = array("Q", t.funcref_words)
        if nd:
            refs[1::3] = array("Q", [va]) * nd
        self.funcrefs = new_words(len(refs), refs.tobytes())
        fr = self.funcrefs_addr = ctypes.addressof(self.funcrefs)
        self.funcs_arr = new_words(t.n_funcs)
        if nd:
            defined = array("Q", range(fr, fr + abi.FUNCREF_SLOTS * _WORD * nd, abi.FUNCREF_SLOTS * _WORD))
            ctypes.memmove(ctypes.addressof(self.funcs_arr) + _WORD * t.n_imported_funcs,
                           defined.tobytes(), _WORD * nd)

        self.tables_arr = new_words(t.n_tables)
        self.cells = new_words(2 * len(t.global_sigs))
        cells = self.cells_addr = ctypes.addressof(self.cells)
        self.globals_arr = new_words(t.n_globals)
        if t.global_sigs:
            defined = array("Q", range(cells, cells + 16 * len(t.global_sigs), 16))
            ctypes.memmove(ctypes.addressof(self.globals_arr) + _WORD * t.n_imported_globals,
                           defined.tobytes(), _WORD * len(t.global_sigs))

        self.datas_arr = new_words(2 * t.n_datas)
        self.elem_items = new_words(t.n_elem_items, t.elem_items_bytes)
        items = self.elem_items_addr = ctypes.addressof(self.elem_items)
        for pos, index in t.elem_func_items:
            self.elem_items[pos] = fr + abi.FUNCREF_SLOTS * _WORD * index
        segs = array("Q")
        for start, n in zip(t.elem_starts, t.elem_lens):
            segs.extend((items + _WORD * start, n))
        self.elems_bytes = segs.tobytes()
        self.elems_arr = new_words(2 * t.n_elems)

        vm[abi.VM_TABLES] = ctypes.addressof(self.tables_arr)
        vm[abi.VM_GLOBALS] = ctypes.addressof(self.globals_arr)
        vm[abi.VM_FUNCS] = ctypes.addressof(self.funcs_arr)
        vm[abi.VM_SIG_IDS] = ctypes.addressof(t.sig_arr)
        vm[abi.VM_DATAS] = ctypes.addressof(self.datas_arr)
        vm[abi.VM_ELEMS] = ctypes.addressof(self.elems_arr)
        vm[abi.VM_HELPERS] = callbacks.HELPERS_ADDR

    def attach(self, t: InstanceTemplate, store_ctx: int, memdef: int, func_refs: list[int],
               tabdefs: list[int], global_cells: list[int]) -> None:
        """Point the image at a new tenant and restore the module's initial state.

        ``func_refs`` and ``global_cells`` are the imported functions' FuncRefs
        and globals' cells; ``tabdefs`` covers every table (imported first).
        Globals get their constant initial values and every segment its length
        back; initialisers that read imports are the caller's to patch.
        """
        vm = self.vmctx
        vm[abi.VM_STORE] = store_ctx
        vm[abi.VM_MEMORY] = memdef
        if func_refs:
            self.funcs_arr[:len(func_refs)] = func_refs
        if tabdefs:
            self.tables_arr[:len(tabdefs)] = tabdefs
        if global_cells:
            self.globals_arr[:len(global_cells)] = global_cells
        if t.cells_bytes:
            ctypes.memmove(self.cells_addr, t.cells_bytes, len(t.cells_bytes))
        if t.datas_bytes:
            ctypes.memmove(self.datas_arr, t.datas_bytes, len(t.datas_bytes))
        if self.elems_bytes:
            ctypes.memmove(self.elems_arr, self.elems_bytes, len(self.elems_bytes))

    def func_ref(self, defined_index: int) -> ctypes.Array:
        """A view of the FuncRef of a defined function (what its Func object points at)."""
        return (ctypes.c_uint64 * abi.FUNCREF_SLOTS).from_buffer(
            self.funcrefs, abi.FUNCREF_SLOTS * _WORD * defined_index)

    def cell(self, defined_index: int) -> ctypes.Array:
        """A view of a defined global's cell."""
        return (ctypes.c_uint64 * 2).from_buffer(self.cells, 16 * defined_index)
