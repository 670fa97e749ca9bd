"""The native ABI shared by generated code and the Python side of the runtime.

Everything the JIT-compiled code touches at run time is a flat array of 64-bit
slots allocated by Python (ctypes), so the layout is described here once, as
slot indices, and both sides use these names.

Per store, a ``StoreCtx``::

    [0] trap code of the current call (0 = running / returned normally)
    [1] remaining fuel (signed)
    [2] address of the engine's epoch counter (u64)
    [3] epoch deadline
    [4] stack limit: lowest frame address wasm may use (0 = not inside wasm)
    [5] max wasm stack in bytes (copied from the Config)
    [6] VMContext* of the last wasm caller of a host function (for ``Caller``)

Per instance, a ``VMContext``::

    [0] StoreCtx*
    [1] MemoryDef* of memory 0 (or 0)
    [2] TableDef*[]   one per table in the table index space
    [3] u64*[]        one global cell pointer per global index
    [4] FuncRef*[]    one per function index (imports first)
    [5] u64[]         engine-wide signature id per type index
    [6] SegDef[]      data segments: (ptr, len) pairs
    [7] SegDef[]      element segments: (u64* items, len) pairs
    [8] helper function pointers (see HELPER_*)

A ``MemoryDef`` is ``[base, size_in_bytes, max_pages]``; a ``TableDef`` is
``[elements*, size, max]``.  A ``FuncRef`` — what a funcref value points at, and
what tables hold — is ``[code, vmctx, sig_id]``: wasm calls go through it, so a
host function is just a FuncRef whose code is a host trampoline and whose
"vmctx" is a ``HostCtx`` ``[StoreCtx*, callback, host_id]``.  Slot 0 of every
callee context is the StoreCtx, which is how traps reach the caller.

Traps do not unwind: the trapping function stores its code into the StoreCtx and
returns; every call site checks the code and returns at once, up to the entry
trampoline which hands the code to Python.  No longjmp crosses Python frames.
"""
from __future__ import annotations

from ..errors import TrapCode
from ..syntax.types import V128

# StoreCtx slots
SC_TRAP = 0
SC_FUEL = 1
SC_EPOCH_PTR = 2
SC_EPOCH_DEADLINE = 3
SC_STACK_LIMIT = 4
SC_MAX_STACK = 5
SC_CALLER = 6
STORECTX_SLOTS = 7

# VMContext slots
VM_STORE = 0
VM_MEMORY = 1
VM_TABLES = 2
VM_GLOBALS = 3
VM_FUNCS = 4
VM_SIG_IDS = 5
VM_DATAS = 6
VM_ELEMS = 7
VM_HELPERS = 8
VMCTX_SLOTS = 9

# MemoryDef / TableDef slots
MEM_BASE = 0
MEM_SIZE = 1
MEM_MAX_PAGES = 2
MEMDEF_SLOTS = 3

TAB_ELEMS = 0
TAB_SIZE = 1
TAB_MAX = 2
TABDEF_SLOTS = 3

# FuncRef / HostCtx slots
FR_CODE = 0
FR_VMCTX = 1
FR_SIG = 2
FUNCREF_SLOTS = 3

HOST_STORE = 0
HOST_CALLBACK = 1
HOST_ID = 2
HOSTCTX_SLOTS = 3

# Helper table: Python callbacks the generated code calls for the rare, slow paths.
#   memory_grow(vmctx, mem_index, delta_pages) -> old pages or -1      (i64)
#   table_grow(vmctx, table_index, init, delta) -> old size or -1      (i64)
HELPER_MEMORY_GROW = 0
HELPER_TABLE_GROW = 1
HELPER_SLOTS = 2

# Argument/result buffers (entry and host trampolines): each value takes one
# 64-bit word, a v128 two (its low 64 bits first, so the 16 bytes are the
# value in little-endian order), packed in signature order.

def value_words(t: int) -> int:
    """Words a value of type ``t`` occupies in an argument/result buffer."""
    return 2 if t == V128 else 1


def word_offsets(types: tuple[int, ...] | list[int]) -> tuple[list[int], int]:
    """The word offset of each value of ``types`` in a buffer, and the words they take in all."""
    offsets = []
    n = 0
    for t in types:
        offsets.append(n)
        n += 2 if t == V128 else 1
    return offsets, n


# Native trap codes: 0 is "no trap"; a TrapCode's native code is its value + 1.
TRAP_NONE = 0
#: A host function raised; the exception waits in the Store to be re-raised.
TRAP_HOST = 255


def native_trap(code: TrapCode) -> int:
    return code.value + 1


_BY_NATIVE = {code.value + 1: code for code in TrapCode}


def trap_from_native(n: int) -> TrapCode | None:
    return _BY_NATIVE.get(n)
