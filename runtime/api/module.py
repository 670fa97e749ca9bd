"""Module: decoded, validated and compiled wasm, ready to instantiate in any Store of its Engine."""
from __future__ import annotations

from os import PathLike

from ..binary import decode_module
from ..syntax.types import ExternKind
from ..validate import validate_module
from ..wat import wat2wasm
from .engine import Engine
from .template import InstanceTemplate
from .types import ExportType, FuncType, GlobalType, ImportType, MemoryType, TableType


def _as_binary(wasm: bytes | bytearray | str) -> bytes:
    if isinstance(wasm, str):
        return wat2wasm(wasm)
    if isinstance(wasm, (bytes, bytearray, memoryview)):
        data = bytes(wasm)
        return data if data[:4] == b"\0asm" else wat2wasm(data)
    raise TypeError(f"expected bytes or WAT text, got {type(wasm).__name__}")


def _extern_type(module, kind: ExternKind, desc):
    if kind == ExternKind.FUNC:
        return FuncType._from_sig(module.types[desc])
    if kind == ExternKind.GLOBAL:
        return GlobalType._from_sig(desc)
    if kind == ExternKind.MEMORY:
        return MemoryType._from_sig(desc)
    return TableType._from_sig(desc)


class Module:
    def __init__(self, engine: Engine, wasm: bytes | bytearray | str):
        if not isinstance(engine, Engine):
            raise TypeError("expected an Engine")
        binary = _as_binary(wasm)
        ast = decode_module(binary)
        validate_module(ast, engine._features)
        template = InstanceTemplate(engine._sig_id, ast)
        engine._allocator.validate_module(
            template.memory_plans, template.table_plans, template.n_imported_memories,
            template.n_imported_tables, template.size, template.size_breakdown)
        self._engine = engine
        self._ast = ast
        self._compiled = engine._compile(binary, ast)
        template.link(self._compiled.func_addresses)
        self._template = template

    @classmethod
    def validate(cls, engine: Engine, wasm: bytes | bytearray) -> None:
        """Raise DecodeError/ValidationError unless the *binary* ``wasm`` is valid for ``engine``.

        Like wasmtime's, this takes the binary format only (no WAT fallback):
        it is what the validation-agreement fuzzer feeds raw bytes to.
        """
        if not isinstance(engine, Engine):
            raise TypeError("expected an Engine")
        if not isinstance(wasm, (bytes, bytearray, memoryview)):
            raise TypeError(f"expected bytes, got {type(wasm).__name__}")
        validate_module(decode_module(wasm), engine._features)

    @classmethod
    def from_file(cls, engine: Engine, path: str | bytes | PathLike) -> "Module":
        with open(path, "rb") as f:
            return cls(engine, f.read())

    @property
    def imports(self) -> list[ImportType]:
        ast = self._ast
        return [ImportType(i.module, i.name, _extern_type(ast, i.kind, i.desc)) for i in ast.imports]

    @property
    def exports(self) -> list[ExportType]:
        ast = self._ast
        descs = {
            ExternKind.FUNC: ast.func_type_indices(),
            ExternKind.TABLE: ast.table_sigs(),
            ExternKind.MEMORY: ast.memory_sigs(),
            ExternKind.GLOBAL: ast.global_sigs(),
        }
        return [ExportType(e.name, _extern_type(ast, e.kind, descs[e.kind][e.index]))
                for e in ast.exports]
