"""Compiles a validated module into native code: one LLVM module per wasm module.

Defined functions are internal LLVM functions (so LLVM may inline and specialise
calls between them); their addresses leave through one exported constant array,
``__wasm_funcs``, which the instance uses to build its FuncRefs.  Each type of
the module also gets an entry trampoline, so Python can call any function of
that signature — including one from another module found in a table.
"""
from __future__ import annotations

import ctypes
from dataclasses import dataclass

from llvmlite import ir

from . import fastir

from ..syntax import types as T
from ..syntax.ast import Module
from .backend import NativeCode, compile_ir, emit_object, load_object
from .cache import CodeCache
from .function import CodegenOptions, FunctionCompiler
from .llvmtypes import PTR, wasm_fn_type
from .trampolines import build_entry_trampoline, build_host_trampoline

FUNCS_SYMBOL = "__wasm_funcs"


@dataclass
class CompiledModule:
    """Native code of one module; holds the machine code alive."""

    native: NativeCode
    #: native address of each *defined* function (index = function index - imports)
    func_addresses: list[int]
    #: entry trampoline address per type index
    trampolines: list[int]


class ModuleCompiler:
    def __init__(self, module: Module, opts: CodegenOptions):
        self.module = module
        self.opts = opts
        self.func_type_idx = module.func_type_indices()
        self.num_imported_funcs = len(self.func_type_idx) - len(module.funcs)
        self.global_types = [g.valtype for g in module.global_sigs()]
        self.has_memory = bool(module.memory_sigs())
        self.ir = fastir.Module("wasm")
        self._fn_types: dict[T.FuncSig, ir.FunctionType] = {}
        self.functions: dict[int, ir.Function] = {}

    def func_sig(self, func_index: int) -> T.FuncSig:
        return self.module.types[self.func_type_idx[func_index]]

    def fn_type(self, sig: T.FuncSig) -> ir.FunctionType:
        ft = self._fn_types.get(sig)
        if ft is None:
            ft = self._fn_types[sig] = wasm_fn_type(sig)
        return ft

    def build(self) -> tuple[str, list[str]]:
        """Emit the whole LLVM module; return its text and the exported symbols."""
        for i in range(len(self.module.funcs)):
            idx = self.num_imported_funcs + i
            fn = fastir.Function(self.ir, self.fn_type(self.func_sig(idx)), f"f{idx}")
            fn.linkage = "internal"
            self.functions[idx] = fn
        for i, func in enumerate(self.module.funcs):
            idx = self.num_imported_funcs + i
            FunctionCompiler(self, idx, func, self.functions[idx]).compile()
        names = []
        for ti, sig in enumerate(self.module.types):
            name = f"entry{ti}"
            build_entry_trampoline(self.ir, name, sig)
            names.append(name)
        refs = ", ".join(f"ptr @f{self.num_imported_funcs + i}" for i in range(len(self.module.funcs)))
        self.ir.add_global(f"@{FUNCS_SYMBOL} = constant [{len(self.module.funcs)} x ptr] [{refs}]")
        return str(self.ir), names


def compile_module(module: Module, opts: CodegenOptions, opt_level: int,
                   wasm: bytes | None = None, cache: CodeCache | None = None) -> CompiledModule:
    """Compile ``module``; with a ``cache`` (and its ``wasm`` bytes) reuse or store the object code."""
    names = [f"entry{ti}" for ti in range(len(module.types))]
    exported = names + [FUNCS_SYMBOL]
    key = cache.key(wasm, (opts, opt_level)) if cache is not None and wasm is not None else None
    obj = cache.get(key) if key is not None else None
    if obj is None:
        text, built = ModuleCompiler(module, opts).build()
        assert built == names
        obj = emit_object(text, opt_level)
        if key is not None:
            cache.put(key, obj)
    native = load_object(obj, exported)
    n = len(module.funcs)
    funcs = list((ctypes.c_uint64 * n).from_address(native.address(FUNCS_SYMBOL))) if n else []
    return CompiledModule(native, funcs, [native.address(nm) for nm in names])


def compile_host_trampoline(sig: T.FuncSig) -> tuple[NativeCode, int]:
    """A host trampoline for ``sig`` (cached per engine by the caller)."""
    mod = fastir.Module("host")
    build_host_trampoline(mod, "host", sig)
    native = compile_ir(str(mod), ["host"], 1)
    return native, native.address("host")


__all__ = ["CompiledModule", "compile_module", "compile_host_trampoline", "CodegenOptions"]
