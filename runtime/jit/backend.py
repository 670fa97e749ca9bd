"""LLVM through llvmlite: turning IR text into native code we can call.

LLVM's global context is not thread-safe, so all parsing, optimisation and code
generation is serialised by one process-wide lock; running the generated code
needs no lock.  Each compiled unit gets its own MCJIT ExecutionEngine (and its own
TargetMachine, which the engine takes ownership of), so dropping the last Python
reference to a unit frees its machine code.
"""
from __future__ import annotations

import functools
import threading

import llvmlite.binding as llvm

from ..errors import WasmError

_lock = threading.Lock()
_initialized = False


def _init() -> None:
    global _initialized
    if not _initialized:
        llvm.initialize_native_target()
        llvm.initialize_native_asmprinter()
        _initialized = True


@functools.lru_cache(maxsize=1)
def _host_cpu() -> tuple[str, str]:
    """Host CPU name and feature string (asking LLVM each compile costs time)."""
    return llvm.get_host_cpu_name(), llvm.get_host_cpu_features().flatten()


class NativeCode:
    """Machine code for one LLVM module; keeps it alive while referenced."""

    __slots__ = ("_engine", "_addresses")

    def __init__(self, engine: llvm.ExecutionEngine, names: list[str]):
        self._engine = engine
        self._addresses = {name: engine.get_function_address(name) for name in names}

    def address(self, name: str) -> int:
        return self._addresses[name]

    def global_address(self, name: str) -> int:
        return self._engine.get_global_value_address(name)


def _light_pipeline(mod: llvm.ModuleRef, tm: llvm.TargetMachine) -> None:
    """SSA construction and local clean-up only: most of the speed for a fraction of O2's time."""
    pb = llvm.create_pass_builder(tm, llvm.create_pipeline_tuning_options(speed_level=1))
    fpm = llvm.create_new_function_pass_manager()
    fpm.add_sroa_pass()
    fpm.add_instruction_combine_pass()
    fpm.add_simplify_cfg_pass()
    for fn in mod.functions:
        if not fn.is_declaration:
            fpm.run(fn, pb)


def compile_ir(ir_text: str, exported: list[str], opt_level: int) -> NativeCode:
    """Optimise and JIT-compile ``ir_text``; return the addresses of ``exported``.

    Optimisation levels: 0 = none (fast instruction selection); 1 = the light
    pipeline with fast instruction selection, for when compile time dominates
    (fuzzing); 2 and 3 = LLVM's O2/O3 pipelines and full code generation.
    """
    with _lock:
        _init()
        target = llvm.Target.from_default_triple()
        tm = target.create_target_machine(
            cpu=_host_cpu()[0],
            features=_host_cpu()[1],
            opt=opt_level if opt_level >= 2 else 0,
            codemodel="jitdefault",
        )
        try:
            mod = llvm.parse_assembly(ir_text)
            mod.verify()
        except RuntimeError as exc:  # an internal JIT bug, not the guest's fault
            raise WasmError(f"internal JIT error: generated IR is invalid: {exc}") from None
        if opt_level == 1:
            _light_pipeline(mod, tm)
        elif opt_level >= 2:
            pto = llvm.create_pipeline_tuning_options(speed_level=min(opt_level, 3))
            pb = llvm.create_pass_builder(tm, pto)
            pb.getModulePassManager().run(mod, pb)
        engine = llvm.create_mcjit_compiler(mod, tm)
        engine.finalize_object()
        return NativeCode(engine, exported)
