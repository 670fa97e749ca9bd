"""The validation context C of the spec, precomputed once per module.

Function bodies are validated against this context; it holds the index spaces
in the flattest form the body validator can use (signatures as lists so an
operand-stack slice compares with ``==``), plus the block-type cache.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from ..errors import ValidationError
from ..features import Features
from ..syntax.types import (
    BLOCK_EMPTY, EXTERNREF, F32, F64, FUNCREF, I32, I64, V128, blocktype_valtype,
)
from .optable import (
    MSG_MULTI_VALUE_BLOCK, MSG_REFERENCE_TYPES, MSG_SIMD, OpTables, op_tables,
)

#: A resolved signature: (params, results), both lists of value types.
Sig = tuple

_NUMERIC_TYPES = frozenset((I32, I64, F32, F64))


def check_valtype(t: int, features: Features, offset: int | None) -> None:
    """Reject a value type that does not exist or whose proposal is switched off."""
    if t in _NUMERIC_TYPES:
        return
    if t == V128:
        if not features.simd:
            raise ValidationError(MSG_SIMD, offset)
        return
    if t == FUNCREF or t == EXTERNREF:
        if not features.reference_types:
            raise ValidationError(MSG_REFERENCE_TYPES, offset)
        return
    raise ValidationError(f"invalid value type {t!r}", offset)


@dataclass(slots=True)
class ModuleContext:
    features: Features
    #: signature of each type-section entry
    type_sigs: list[Sig]
    #: signature of each function in the function index space
    func_sigs: list[Sig]
    #: element type of each table in the table index space
    table_elems: list[int]
    num_mems: int
    #: (value type, mutable) of each global in the global index space
    globals: list[tuple[int, bool]]
    #: element type of each element segment
    elem_types: list[int]
    data_count: int | None
    #: C.refs: functions that may be named by ``ref.func`` inside a body
    refs: set[int]
    ops: OpTables = field(init=False)
    #: block type (s33) -> resolved signature; filled lazily
    block_sigs: dict[int, Sig] = field(init=False)

    def __post_init__(self) -> None:
        self.ops = op_tables(self.features)
        self.block_sigs = {BLOCK_EMPTY: ([], [])}

    def resolve_blocktype(self, bt: int, offset: int | None) -> Sig:
        """Signature of block type ``bt``, checked against types and features, then cached."""
        t = blocktype_valtype(bt)
        if t is not None:
            check_valtype(t, self.features, offset)
            sig: Sig = ([], [t])
        elif bt < 0:
            raise ValidationError(f"invalid block type {bt}", offset)
        else:
            if bt >= len(self.type_sigs):
                raise ValidationError(f"unknown type {bt}", offset)
            # Before multi-value a block type could not name the type section at
            # all, so even a [] -> [] type index is refused (as wasmparser does).
            if not self.features.multi_value:
                raise ValidationError(MSG_MULTI_VALUE_BLOCK, offset)
            sig = self.type_sigs[bt]
        self.block_sigs[bt] = sig
        return sig
