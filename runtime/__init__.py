"""fuzzrt's WebAssembly runtime: wasm 2.0 decoded, validated and JIT-compiled through LLVM.

The API mirrors the ``wasmtime`` Python package (store passed first), so code
written for one drives the other.
"""
from .api.allocation import InstanceAllocationStrategy, PoolingAllocationConfig
from .api.config import Config
from .api.engine import Engine
from .api.externs import Global, Memory, Table
from .api.func import Caller, Func
from .api.instance import Instance, InstanceExports
from .api.linker import Linker
from .api.module import Module
from .api.store import Store
from .api.types import (ExportType, FuncType, GlobalType, ImportType, Limits, MemoryType,
                        TableType, ValType)
from .api.values import Val
from .errors import (DecodeError, ExitTrap, Full, HasChildren, LinkError, NotPresent, NotTaken,
                     PoolConcurrencyLimitError, ResourceLimitError, ResourceTableError,
                     StoreInUseError, Taken, Trap, TrapCode, ValidationError, WasmError, WatError,
                     WrongType)
from .io import Pollable, poll
from .resources import Resource, ResourceTable
from .wasi import DirPerms, FilePerms, WasiConfig
from .wat import wat2wasm

__all__ = [
    "Caller", "Config", "DecodeError", "Engine", "ExitTrap", "ExportType", "Full", "Func",
    "FuncType", "Global", "GlobalType", "HasChildren", "ImportType", "Instance", "InstanceExports",
    "Limits", "LinkError", "Memory", "MemoryType", "Module", "NotPresent", "NotTaken", "Pollable",
    "Resource", "ResourceLimitError", "ResourceTable", "ResourceTableError", "Store",
    "StoreInUseError", "Table", "TableType", "Taken", "Trap", "TrapCode", "Val", "ValType",
    "ValidationError", "WasiConfig", "WasmError", "WatError", "WrongType", "poll", "wat2wasm",
    "DirPerms", "FilePerms", "InstanceAllocationStrategy", "PoolingAllocationConfig",
    "PoolConcurrencyLimitError",
]
