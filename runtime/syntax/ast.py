"""The decoded module: what the decoder produces and every later phase reads.

Instructions are ``(op, imm)`` tuples (see ``opcodes``).  A function body is a
flat list of them, ending with its final ``end``; each body keeps a parallel list
of byte offsets so the validator and JIT can point at the instruction that failed.
Constant expressions (global initialisers, segment offsets, element items) are
instruction lists too, without the final ``end``.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum

from .types import ExternKind, FuncSig, GlobalSig, MemorySig, TableSig

Instr = tuple  # (op: int, imm)
Expr = list  # list[Instr]


@dataclass(slots=True)
class Import:
    module: str
    name: str
    kind: ExternKind
    #: FUNC: type index (int); TABLE: TableSig; MEMORY: MemorySig; GLOBAL: GlobalSig
    desc: int | TableSig | MemorySig | GlobalSig


@dataclass(slots=True)
class Export:
    name: str
    kind: ExternKind
    index: int


@dataclass(slots=True)
class Func:
    """A defined function: its type index and, once the code section is read, its body."""

    type_idx: int
    #: run-length local declarations as in the binary: [(count, valtype), ...]
    locals: list[tuple[int, int]] = field(default_factory=list)
    body: list = field(default_factory=list)
    #: byte offset (in the module) of each instruction in ``body``
    offsets: list[int] = field(default_factory=list)
    #: byte offset of the body's size field, for errors about the whole function
    offset: int = 0


@dataclass(slots=True)
class Global:
    sig: GlobalSig
    init: Expr
    offset: int = 0


class SegmentMode(Enum):
    ACTIVE = "active"
    PASSIVE = "passive"
    DECLARATIVE = "declarative"


@dataclass(slots=True)
class Elem:
    """An element segment, all eight binary forms normalised to expressions.

    Function-index forms become ``[("ref.func" op, idx)]`` expressions so the
    later phases see a single shape.
    """

    mode: SegmentMode
    elem_type: int
    init: list  # list[Expr]
    table: int = 0
    offset_expr: Expr | None = None
    offset: int = 0


@dataclass(slots=True)
class Data:
    mode: SegmentMode
    init: bytes
    memory: int = 0
    offset_expr: Expr | None = None
    offset: int = 0


@dataclass(slots=True)
class Module:
    types: list[FuncSig] = field(default_factory=list)
    imports: list[Import] = field(default_factory=list)
    funcs: list[Func] = field(default_factory=list)
    tables: list[TableSig] = field(default_factory=list)
    mems: list[MemorySig] = field(default_factory=list)
    globals: list[Global] = field(default_factory=list)
    exports: list[Export] = field(default_factory=list)
    start: int | None = None
    elems: list[Elem] = field(default_factory=list)
    datas: list[Data] = field(default_factory=list)
    data_count: int | None = None
    customs: list[tuple[str, bytes]] = field(default_factory=list)

    # -- index spaces: imports come first in each ----------------------------
    def imported(self, kind: ExternKind) -> list[Import]:
        return [i for i in self.imports if i.kind == kind]

    def func_type_indices(self) -> list[int]:
        """Type index of every function in the function index space."""
        return [i.desc for i in self.imports if i.kind == ExternKind.FUNC] + [
            f.type_idx for f in self.funcs
        ]

    def table_sigs(self) -> list[TableSig]:
        return [i.desc for i in self.imports if i.kind == ExternKind.TABLE] + list(self.tables)

    def memory_sigs(self) -> list[MemorySig]:
        return [i.desc for i in self.imports if i.kind == ExternKind.MEMORY] + list(self.mems)

    def global_sigs(self) -> list[GlobalSig]:
        return [i.desc for i in self.imports if i.kind == ExternKind.GLOBAL] + [
            g.sig for g in self.globals
        ]
