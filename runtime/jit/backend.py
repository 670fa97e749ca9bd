"""LLVM through llvmlite: turning IR text into native code we can call.

Compilation produces a relocatable object file (optimise, then ``emit_object``);
loading links that object into one process-wide ORC LLJIT as its own library.
Splitting the two is what makes the on-disk code cache (``cache.py``) possible:
a cache hit skips IR generation, optimisation and code generation and only
links the stored object, which takes well under a millisecond.

Every compilation parses into an LLVM context of its own, so compilations on
different threads never share LLVM state; they still take turns, because
llvmlite holds one process-wide lock around every call into LLVM.  Linking
into the shared LLJIT also takes this module's lock.  Running generated code
needs neither.  Each loaded object is owned by the Python object returned for
it: when the last reference goes, LLJIT frees its machine code.
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


_per_thread = threading.local()

#: The large code model ("jitdefault"): every reference to another section is a 64-bit address.
#: llvmlite's LLJIT links objects with RuntimeDyld, whose memory manager maps each section on its
#: own; with the small model a 32-bit PC-relative reference from code to a constant pool can end up
#: out of range, and this LLVM build aborts the process on it (found by the differential fuzzer in
#: ``RuntimeDyldELF::resolveX86_64Relocation``).  The price: callees are called through a register,
#: and LLVM's fast instruction selector falls back to the slower one on functions with calls.
CODE_MODEL = "jitdefault"


def _target_machine(opt: int) -> llvm.TargetMachine:
    """This thread's target machine for ``opt`` (creating one costs ~1 ms; they are not shared
    between threads because a TargetMachine is not safe for concurrent code generation)."""
    machines = getattr(_per_thread, "machines", None)
    if machines is None:
        machines = _per_thread.machines = {}
    tm = machines.get(opt)
    if tm is None:
        cpu, features = host_cpu()
        tm = machines[opt] = llvm.Target.from_default_triple().create_target_machine(
            cpu=cpu, features=features, opt=opt, codemodel=CODE_MODEL, reloc="pic")
    return tm


class NativeCode:
    """Machine code of one loaded object; keeps it alive while referenced."""

    __slots__ = ("_tracker", "_addresses")

    def __init__(self, tracker, names: list[str]):
        self._tracker = tracker
        self._addresses = {name: tracker[name] for name in names}

    def address(self, name: str) -> int:
        return self._addresses[name]


def _light_pipeline(tm: llvm.TargetMachine):
    """A pass builder and this thread's function pass manager for opt level 1: SSA construction
    and local clean-up only, most of the speed for a fraction of O2's time.

    The pass manager is built once per thread and reused: it already runs its
    passes on one function after another, and these three keep nothing from one
    function to the next, so a module more changes nothing (building one per
    compilation leaked ~3 KB of LLVM memory each time).  The pass builder is
    new each time: one kept alive gathers state from every run, and compiling
    got slower with each module compiled.  O2/O3 pipelines cannot be reused at
    all: a default module pipeline is used up by its run.
    """
    fpm = getattr(_per_thread, "light_fpm", None)
    if fpm is None:
        fpm = _per_thread.light_fpm = llvm.create_new_function_pass_manager()
        fpm.add_sroa_pass()
        fpm.add_instruction_combine_pass()
        fpm.add_simplify_cfg_pass()
    return llvm.create_pass_builder(tm, llvm.create_pipeline_tuning_options(speed_level=1)), fpm


def emit_object(ir_text: str, opt_level: int) -> bytes:
    """Optimise ``ir_text`` and generate a relocatable object file.

    Each call works in an LLVM context of its own, so it may be called from any
    thread (llvmlite runs one LLVM call at a time process-wide).

    Optimisation levels: 0 = none (fast instruction selection); 1 = the light
    pipeline with fast instruction selection, for when compile time dominates
    (fuzzing); 2 and 3 = LLVM's O2/O3 pipelines and full code generation.
    """
    with _lock:
        _init()
    tm = _target_machine(opt_level if opt_level >= 2 else 0)
    ctx = llvm.create_context()  # held until the object is emitted
    try:
        mod = llvm.parse_assembly(ir_text, context=ctx)
        mod.verify()
    except RuntimeError as exc:  # an internal JIT bug, not the guest's fault
        raise WasmError(f"internal JIT error: generated IR is invalid: {exc}") from None
    if opt_level == 1:
        pb, fpm = _light_pipeline(tm)
        for fn in mod.functions:
            if not fn.is_declaration:
                fpm.run(fn, pb)
    elif opt_level >= 2:
        pto = llvm.create_pipeline_tuning_options(speed_level=min(opt_level, 3))
        pb = llvm.create_pass_builder(tm, pto)
        pb.getModulePassManager().run(mod, pb)
    obj = tm.emit_object(mod)
    del mod, ctx
    return obj


def load_object(obj: bytes, exported: list[str]) -> NativeCode:
    """Link an object file into the process as a library of its own; return the addresses of ``exported``."""
    global _lljit
    with _lock:
        _init()
        if _lljit is None:  # the LLJIT owns the machine it is given: a fresh one
            cpu, features = host_cpu()
            _lljit = llvm.create_lljit_compiler(llvm.Target.from_default_triple().create_target_machine(
                cpu=cpu, features=features, opt=2, codemodel=CODE_MODEL, reloc="pic"))
        builder = llvm.JITLibraryBuilder().add_current_process().add_object_img(obj)
        for name in exported:
            builder.export_symbol(name)
        try:
            tracker = builder.link(_lljit, f"wasm{next(_library_ids)}")
        except RuntimeError as exc:
            raise WasmError(f"internal JIT error: linking generated code failed: {exc}") from None
        return NativeCode(tracker, exported)
