"""Compiles a validated module into native code: one LLVM module per wasm module.

Defined functions are internal LLVM functions (so LLVM may inline and specialise
calls between them); their addresses leave through one exported constant array,
``__wasm_funcs``, which the instance uses to build its FuncRefs.  The entry
trampolines through which Python calls them are not part of a module: they
depend on the signature alone and are shared by the whole process (see
``trampoline_table``).
"""
from __future__ import annotations

import ctypes
from dataclasses import dataclass

from llvmlite import ir

from . import fastir

from ..syntax import types as T
from ..syntax.ast import Module
from .backend import NativeCode, emit_object, load_object
from .cache import CodeCache
from .function import CodegenOptions, FunctionCompiler
from .llvmtypes import wasm_fn_type

FUNCS_SYMBOL = "__wasm_funcs"


@dataclass
class CompiledModule:
    """Native code of one module; holds the machine code alive."""

    native: NativeCode
    #: native address of each *defined* function (index = function index - imports)
    func_addresses: list[int]


class ModuleCompiler:
    """Builds the LLVM IR of a module: one LLVM module, compiled in one piece.

    One piece because llvmlite serialises every call into LLVM behind one
    process-wide lock: splitting a large module across threads (tried) compiled
    no faster, and calls between the parts could no longer be inlined.
    """

    def __init__(self, module: Module, opts: CodegenOptions):
        self.module = module
        self.opts = opts
        self.func_type_idx = module.func_type_indices()
        self.num_imported_funcs = len(self.func_type_idx) - len(module.funcs)
        self.global_types = [g.valtype for g in module.global_sigs()]
        self.has_memory = bool(module.memory_sigs())
        self._fn_types: dict[T.FuncSig, ir.FunctionType] = {}
        self.functions: dict[int, fastir.Function] = {}

    def func_sig(self, func_index: int) -> T.FuncSig:
        return self.module.types[self.func_type_idx[func_index]]

    def fn_type(self, sig: T.FuncSig) -> ir.FunctionType:
        ft = self._fn_types.get(sig)
        if ft is None:
            ft = self._fn_types[sig] = wasm_fn_type(sig)
        return ft

    def build(self) -> str:
        """Emit the LLVM IR of the module: its functions and the ``__wasm_funcs`` table."""
        main = fastir.Module("wasm")
        for i in range(len(self.module.funcs)):
            idx = self.num_imported_funcs + i
            fn = fastir.Function(main, self.fn_type(self.func_sig(idx)), f"f{idx}")
            fn.linkage = "internal"
            self.functions[idx] = fn
        for i, func in enumerate(self.module.funcs):
            idx = self.num_imported_funcs + i
            FunctionCompiler(self, idx, func, self.functions[idx]).compile()
        refs = ", ".join(f"ptr {fn.get_reference()}" for fn in self.functions.values())
        main.add_global(f"@{FUNCS_SYMBOL} = constant [{len(self.module.funcs)} x ptr] [{refs}]")
        return str(main)


#: the first bytes of every object file the backend emits (ELF); a cache entry without them is
#: not one we wrote, and is compiled again rather than handed to the linker
_OBJECT_MAGIC = b"\x7fELF"


def compile_module(module: Module, opts: CodegenOptions, opt_level: int,
                   wasm: bytes | None = None, cache: CodeCache | None = None) -> CompiledModule:
    """Compile ``module``; with a ``cache`` (and its ``wasm`` bytes) reuse or store the object code."""
    key = cache.key(wasm, (opts, opt_level)) if cache is not None and wasm is not None else None
    obj = cache.get(key) if key is not None else None
    if obj is None or not obj.startswith(_OBJECT_MAGIC):
        obj = emit_object(ModuleCompiler(module, opts).build(), opt_level)
        if key is not None:
            cache.put(key, obj)
    native = load_object(obj, [FUNCS_SYMBOL])
    n = len(module.funcs)
    funcs = list((ctypes.c_uint64 * n).from_address(native.address(FUNCS_SYMBOL))) if n else []
    return CompiledModule(native, funcs)


__all__ = ["CompiledModule", "compile_module", "CodegenOptions"]
