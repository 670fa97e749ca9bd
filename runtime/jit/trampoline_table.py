"""Compiled trampolines by signature, one table per kind for the whole process.

A trampoline depends on its signature and nothing else (the callee, its
instance and the store all arrive through the FuncRef or host context it is
given), so every engine and every module can share one.  Compiling them once
per process instead of into every module matters to fuzzing, where modules are
small and numerous: an entry trampoline for each type of a module's functions
was a quarter of the LLVM time of a typical fuzz case (7.5 -> 5.8 ms per
module), while 600 fuzz cases had only 162 distinct signatures among them.

Missing signatures are compiled in one batch (one LLVM run) at the light opt
level: a trampoline is a handful of loads and stores around one call.  Entries
are never evicted, so the addresses handed out stay valid for the life of the
process; the table grows with the number of distinct signatures seen.
"""
from __future__ import annotations

import threading
from collections.abc import Callable, Iterable

from ..syntax.types import FuncSig
from . import fastir
from .backend import NativeCode, emit_object, load_object
from .trampolines import build_entry_trampoline, build_host_trampoline

#: opt level trampolines are compiled at (the light pipeline, fast instruction selection)
TRAMPOLINE_OPT_LEVEL = 1


class TrampolineTable:
    """The native address of the trampoline of each signature, compiled on first need."""

    def __init__(self, prefix: str, build: Callable[[fastir.Module, str, FuncSig], object]):
        self._prefix = prefix
        self._build = build
        self._lock = threading.Lock()
        #: signature -> (the object keeping the code alive, address)
        self._entries: dict[FuncSig, tuple[NativeCode, int]] = {}

    def __len__(self) -> int:
        return len(self._entries)

    def address(self, sig: FuncSig) -> int:
        entry = self._entries.get(sig)
        if entry is None:
            self.prepare((sig,))
            entry = self._entries[sig]
        return entry[1]

    def addresses(self, sigs: Iterable[FuncSig]) -> list[int]:
        """The addresses of ``sigs``, compiling the missing ones together first."""
        sigs = list(sigs)
        self.prepare(sigs)
        return [self._entries[s][1] for s in sigs]

    def prepare(self, sigs: Iterable[FuncSig]) -> None:
        """Compile the trampolines of every signature in ``sigs`` not compiled yet, in one batch."""
        with self._lock:
            missing = list(dict.fromkeys(s for s in sigs if s not in self._entries))
            if not missing:
                return
            mod = fastir.Module(self._prefix)
            names = [f"{self._prefix}{len(self._entries) + i}" for i in range(len(missing))]
            for name, sig in zip(names, missing):
                self._build(mod, name, sig)
            native = load_object(emit_object(str(mod), TRAMPOLINE_OPT_LEVEL), names)
            for sig, name in zip(missing, names):
                self._entries[sig] = (native, native.address(name))


#: Python -> wasm: ``i32 (FuncRef*, u64* buffer)`` per signature (see ``trampolines``)
ENTRY = TrampolineTable("entry", build_entry_trampoline)
#: wasm -> Python: the wasm ABI of the signature, calling the store's host callback
HOST = TrampolineTable("host", build_host_trampoline)
