"""Decoders for the contents of each known section (ids 1..12).

Each decoder reads one section's payload with the shared ``Reader`` and adds
what it finds to the module; the caller (``module.py``) owns ordering, sizes and
the checks that span sections.  Nothing here judges validity (index bounds,
types of constant expressions...): that is the validator's job.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from ..errors import DecodeError
from ..syntax.ast import Data, Elem, Export, Expr, Func, Global, Import, Module, SegmentMode
from ..syntax.opcodes import OP
from ..syntax.types import FUNCREF, ExternKind, FuncSig, GlobalSig, MemorySig, TableSig
from .instructions import decode_expr
from .reader import Reader, type_byte_error

FUNC_CODE_MISMATCH = "function and code section have inconsistent lengths"
DATA_COUNT_MISMATCH = "data count and data section have inconsistent lengths"
TOO_MANY_LOCALS = "too many locals"
SECTION_SIZE_MISMATCH = "section size mismatch"

_REF_FUNC = OP["ref.func"]
_MAX_LOCALS = 0xFFFF_FFFF
_EXTERN_KINDS = tuple(ExternKind)


@dataclass(slots=True)
class DecodeState:
    """What the module decoder learns along the way for its cross-section checks."""

    module: Module = field(default_factory=Module)
    #: number of bodies in the code section (0 without one); checked against
    #: the function section only at the end, as the spec's errors expect
    code_count: int = 0
    data_seen: bool = False
    #: offset of the first memory.init / data.drop anywhere, -1 if none
    data_ref: int = -1


def const_expr(r: Reader, st: DecodeState) -> Expr:
    """A constant expression, returned without its final ``end``."""
    instrs, _, r.pos, data_ref = decode_expr(r.data, r.pos)
    if st.data_ref < 0:
        st.data_ref = data_ref
    instrs.pop()
    return instrs


def _global_sig(r: Reader) -> GlobalSig:
    t = r.valtype()
    pos = r.pos
    mut = r.u8()
    if mut > 1:
        raise DecodeError(f"malformed mutability 0x{mut:02x}", pos)
    return GlobalSig(t, mut == 1)


def _types(r: Reader, st: DecodeState) -> None:
    types = st.module.types
    for _ in range(r.length()):
        pos = r.pos
        form = r.u8()
        if form != 0x60:
            raise type_byte_error(form, "malformed function type", pos)
        params = r.valtypes()
        types.append(FuncSig(params, r.valtypes()))


def _imports(r: Reader, st: DecodeState) -> None:
    imports = st.module.imports
    for _ in range(r.length()):
        module_name = r.name()
        name = r.name()
        pos = r.pos
        kind = r.u8()
        desc: int | TableSig | MemorySig | GlobalSig
        if kind == ExternKind.FUNC:
            desc = r.u32()
        elif kind == ExternKind.TABLE:
            desc = TableSig(r.reftype(), r.limits())
        elif kind == ExternKind.MEMORY:
            desc = MemorySig(r.limits())
        elif kind == ExternKind.GLOBAL:
            desc = _global_sig(r)
        else:
            raise DecodeError(f"malformed import kind 0x{kind:02x}", pos)
        imports.append(Import(module_name, name, _EXTERN_KINDS[kind], desc))


def _functions(r: Reader, st: DecodeState) -> None:
    funcs = st.module.funcs
    for _ in range(r.length()):
        funcs.append(Func(r.u32()))


def _tables(r: Reader, st: DecodeState) -> None:
    tables = st.module.tables
    for _ in range(r.length()):
        tables.append(TableSig(r.reftype(), r.limits()))


def _memories(r: Reader, st: DecodeState) -> None:
    mems = st.module.mems
    for _ in range(r.length()):
        mems.append(MemorySig(r.limits()))


def _globals(r: Reader, st: DecodeState) -> None:
    globals_ = st.module.globals
    for _ in range(r.length()):
        pos = r.pos
        sig = _global_sig(r)
        globals_.append(Global(sig, const_expr(r, st), pos))


def _exports(r: Reader, st: DecodeState) -> None:
    exports = st.module.exports
    for _ in range(r.length()):
        name = r.name()
        pos = r.pos
        kind = r.u8()
        if kind > ExternKind.GLOBAL:
            raise DecodeError(f"malformed export kind 0x{kind:02x}", pos)
        exports.append(Export(name, _EXTERN_KINDS[kind], r.u32()))


def _start(r: Reader, st: DecodeState) -> None:
    st.module.start = r.u32()


def _elem_kind(r: Reader) -> int:
    pos = r.pos
    kind = r.u8()
    if kind != 0x00:
        raise DecodeError(f"malformed element kind 0x{kind:02x}", pos)
    return FUNCREF


def _elem(r: Reader, st: DecodeState) -> Elem:
    """One element segment; the flags' three bits say passive/declarative, explicit table, expressions."""
    pos = r.pos
    flags = r.u32()
    if flags > 7:
        raise DecodeError(f"malformed elements segment kind {flags}", pos)
    table = 0
    offset_expr: Expr | None = None
    if flags & 1:
        mode = SegmentMode.DECLARATIVE if flags & 2 else SegmentMode.PASSIVE
    else:
        mode = SegmentMode.ACTIVE
        if flags & 2:
            table = r.u32()
        offset_expr = const_expr(r, st)
    uses_exprs = bool(flags & 4)
    if flags & 3:
        elem_type = r.reftype() if uses_exprs else _elem_kind(r)
    else:
        elem_type = FUNCREF
    if uses_exprs:
        init = [const_expr(r, st) for _ in range(r.length())]
    else:
        init = [[(_REF_FUNC, r.u32())] for _ in range(r.length())]
    return Elem(mode, elem_type, init, table, offset_expr, pos)


def _elems(r: Reader, st: DecodeState) -> None:
    elems = st.module.elems
    for _ in range(r.length()):
        elems.append(_elem(r, st))


def _locals(r: Reader) -> list[tuple[int, int]]:
    """Run-length local declarations, kept compressed: a count may be 2**32-1."""
    decls = []
    total = 0
    for _ in range(r.length()):
        pos = r.pos
        count = r.u32()
        total += count
        if total > _MAX_LOCALS:
            raise DecodeError(f"{TOO_MANY_LOCALS}: {total}", pos)
        decls.append((count, r.valtype()))
    return decls


def _code(r: Reader, st: DecodeState) -> None:
    funcs = st.module.funcs
    st.code_count = count = r.length()
    data = r.data
    for i in range(count):
        # Bodies beyond the declared functions are still decoded (into a Func
        # nobody keeps) so that later errors win, as in the reference decoder.
        func = funcs[i] if i < len(funcs) else Func(-1)
        func.offset = r.pos
        size = r.length()
        end = r.pos + size
        func.locals = _locals(r)
        func.body, func.offsets, r.pos, data_ref = decode_expr(data, r.pos)
        if r.pos != end:
            raise DecodeError(f"{SECTION_SIZE_MISMATCH}: function body ends at 0x{r.pos:x}, "
                              f"its size says 0x{end:x}", r.pos)
        if st.data_ref < 0:
            st.data_ref = data_ref


def _data(r: Reader, st: DecodeState) -> Data:
    pos = r.pos
    flags = r.u32()
    if flags > 2:
        raise DecodeError(f"malformed data segment kind {flags}", pos)
    if flags == 1:
        return Data(SegmentMode.PASSIVE, r.byte_vec(), offset=pos)
    memory = r.u32() if flags == 2 else 0
    offset_expr = const_expr(r, st)
    return Data(SegmentMode.ACTIVE, r.byte_vec(), memory, offset_expr, pos)


def _datas(r: Reader, st: DecodeState) -> None:
    module = st.module
    pos = r.pos
    count = r.length()
    if module.data_count is not None and count != module.data_count:
        raise DecodeError(f"{DATA_COUNT_MISMATCH}: data count {module.data_count}, "
                          f"{count} segments", pos)
    st.data_seen = True
    datas = module.datas
    for _ in range(count):
        datas.append(_data(r, st))


def _data_count(r: Reader, st: DecodeState) -> None:
    st.module.data_count = r.u32()


#: section id -> decoder of its payload
DECODERS: dict[int, Callable[[Reader, DecodeState], None]] = {
    1: _types,
    2: _imports,
    3: _functions,
    4: _tables,
    5: _memories,
    6: _globals,
    7: _exports,
    8: _start,
    9: _elems,
    10: _code,
    11: _datas,
    12: _data_count,
}
