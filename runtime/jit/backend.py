"""LLVM through llvmlite: turning IR text into native code we can call.

Compilation produces a relocatable object file (optimise, then ``emit_object``);
loading links that object into one process-wide ORC LLJIT as its own library.
Splitting the two is what makes the on-disk code cache (``cache.py``) possible:
a cache hit skips IR generation, optimisation and code generation and only
links the stored object, which takes well under a millisecond.

LLVM's global context is not thread-safe, so parsing, optimisation, code
generation and linking are serialised by one process-wide lock; running the
generated code needs no lock.  Each loaded object is owned by the Python object
returned for it: when the last reference goes, LLJIT frees its machine code.
"""
from __future__ import annotations

import functools
import itertools
import threading

import llvmlite.binding as llvm

from ..errors import WasmError

_lock = threading.Lock()
_initialized = False
_lljit = None
_library_ids = itertools.count()


def _init() -> None:
    global _initialized
    if not _initialized:
        llvm.initialize_native_target()
        llvm.initialize_native_asmprinter()
        _initialized = True


@functools.lru_cache(maxsize=1)
def host_cpu() -> tuple[str, str]:
    """Host CPU name and feature string (asking LLVM on every compile costs time)."""
    _init()
    return llvm.get_host_cpu_name(), llvm.get_host_cpu_features().flatten()


def _target_machine(opt: int) -> llvm.TargetMachine:
    cpu, features = host_cpu()
    return llvm.Target.from_default_triple().create_target_machine(
        cpu=cpu, features=features, opt=opt, codemodel="jitdefault", reloc="pic")


class NativeCode:
    """Machine code of one loaded object; keeps it alive while referenced."""

    __slots__ = ("_tracker", "_addresses")

    def __init__(self, tracker, names: list[str]):
        self._tracker = tracker
        self._addresses = {name: tracker[name] for name in names}

    def address(self, name: str) -> int:
        return self._addresses[name]


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


def emit_object(ir_text: str, opt_level: int) -> bytes:
    """Optimise ``ir_text`` and generate a relocatable object file.

    Optimisation levels: 0 = none (fast instruction selection); 1 = the light
    pipeline with fast instruction selection, for when compile time dominates
    (fuzzing); 2 and 3 = LLVM's O2/O3 pipelines and full code generation.
    """
    with _lock:
        _init()
        tm = _target_machine(opt_level if opt_level >= 2 else 0)
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
        return tm.emit_object(mod)


def load_object(obj: bytes, exported: list[str]) -> NativeCode:
    """Link an object file into the process and return the addresses of ``exported``."""
    global _lljit
    with _lock:
        _init()
        if _lljit is None:
            _lljit = llvm.create_lljit_compiler(_target_machine(2))
        builder = llvm.JITLibraryBuilder().add_object_img(obj).add_current_process()
        for name in exported:
            builder.export_symbol(name)
        try:
            tracker = builder.link(_lljit, f"wasm{next(_library_ids)}")
        except RuntimeError as exc:
            raise WasmError(f"internal JIT error: linking generated code failed: {exc}") from None
        return NativeCode(tracker, exported)


def compile_ir(ir_text: str, exported: list[str], opt_level: int) -> NativeCode:
    """Optimise, generate and load ``ir_text`` in one step (no caching)."""
    return load_object(emit_object(ir_text, opt_level), exported)
