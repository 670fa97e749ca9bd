"""Engine: configuration plus everything shared by the stores that use it.

It owns the compiled-code cache (a module compiled once serves every Store), the
engine-wide signature ids that make ``call_indirect`` type checks work across
modules, the epoch counter that epoch interruption reads, and the instance
allocator chosen by ``Config.allocation_strategy`` (whose pools, when pooling,
all its stores share).  Trampolines are not per engine: they depend on the
signature alone and are shared by the process (``jit.trampoline_table``).
All of it is thread-safe, so an Engine can be shared between threads.
"""
from __future__ import annotations

import ctypes
import hashlib
import threading
from collections import OrderedDict

from ..jit.cache import CodeCache, default_cache_dir
from ..jit.compiler import CompiledModule, compile_module
from ..jit.function import CodegenOptions
from ..syntax.ast import Module as AstModule
from ..syntax.types import FuncSig
from ..vm.allocator import make_allocator
from .config import Config

#: compiled modules kept for reuse; a Module object keeps its own code alive anyway
_CODE_CACHE_ENTRIES = 256


class Engine:
    def __init__(self, config: Config | None = None):
        if config is None:
            config = Config()
        if not isinstance(config, Config):
            raise TypeError("expected a Config")
        config._consume()
        self.config = config
        self._features = config.features
        self._codegen = CodegenOptions(fuel=config.consume_fuel, epoch=config.epoch_interruption)
        self._opt_level = config.opt_level
        self._max_stack = config.max_wasm_stack
        self._lock = threading.Lock()
        self._epoch = (ctypes.c_uint64 * 1)()
        self._sig_ids: dict[FuncSig, int] = {}
        self._code: OrderedDict[bytes, CompiledModule] = OrderedDict()
        strategy = config.allocation_strategy
        #: where instances, memories and tables come from (see runtime.vm.allocator)
        self._allocator = make_allocator(strategy._limits if strategy.kind == "pooling" else None)
        cache = config.cache
        self._disk_cache = (CodeCache(default_cache_dir() if cache is True else cache)
                            if cache else None)

    def increment_epoch(self) -> None:
        with self._lock:
            self._epoch[0] += 1

    @property
    def _epoch_addr(self) -> int:
        return ctypes.addressof(self._epoch)

    def _current_epoch(self) -> int:
        return self._epoch[0]

    def _sig_id(self, sig: FuncSig) -> int:
        sid = self._sig_ids.get(sig)
        if sid is None:
            with self._lock:
                sid = self._sig_ids.setdefault(sig, len(self._sig_ids) + 1)
        return sid

    def _compile(self, wasm: bytes, module: AstModule) -> CompiledModule:
        key = hashlib.sha256(wasm).digest()
        with self._lock:
            code = self._code.get(key)
            if code is not None:
                self._code.move_to_end(key)
                return code
        code = compile_module(module, self._codegen, self._opt_level, wasm, self._disk_cache)
        with self._lock:
            self._code[key] = code
            while len(self._code) > _CODE_CACHE_ENTRIES:
                self._code.popitem(last=False)
        return code
