"""fuzzrt's WebAssembly runtime: wasm 2.0 decoded, validated and JIT-compiled through LLVM.

The API mirrors the ``wasmtime`` Python package (store passed first), so code
written for one drives the other.
"""
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
from .errors import (DecodeError, ExitTrap, LinkError, ResourceLimitError, StoreInUseError, Trap,
                     TrapCode, ValidationError, WasmError, WatError)
from .wat import wat2wasm

__all__ = [
    "Caller", "Config", "DecodeError", "Engine", "ExitTrap", "ExportType", "Func", "FuncType",
    "Global", "GlobalType", "ImportType", "Instance", "InstanceExports", "Limits", "LinkError",
    "Memory", "MemoryType", "Module", "ResourceLimitError", "Store", "StoreInUseError", "Table",
    "TableType", "Trap", "TrapCode", "Val", "ValType", "ValidationError", "WasmError", "WatError",
    "wat2wasm",
]
