"""Module-level validation: everything outside function bodies, then the bodies.

Checks run section by section in binary order, so when a module has several
faults the one reported is the one a reader of the binary would meet first.
Reasons start with the spec testsuite's wording (what ``assert_invalid``
expects) and may continue with details after a colon or a space; harnesses
should match them by prefix, as the reference interpreter's runner does.
"""
from __future__ import annotations

from ..errors import ValidationError
from ..features import Features
from ..syntax.ast import Elem, Expr, Module, SegmentMode
from ..syntax.opcodes import FD, OP, op_name
from ..syntax.types import (
    EXTERNREF, F32, F64, FUNCREF, I32, I64, V128, ExternKind, FuncSig, Limits, MemorySig, TableSig,
    valtype_name,
)
from . import limits as L
from .context import ModuleContext, Sig, check_valtype
from .function import validate_function
from .optable import (
    MSG_BULK, MSG_MULTI_VALUE_FUNC, MSG_MUTABLE_GLOBAL, MSG_REFERENCE_TYPES, MSG_SIMD,
)

_DEFAULT_FEATURES = Features()

_REF_FUNC = OP["ref.func"]
_REF_NULL = OP["ref.null"]
_GLOBAL_GET = OP["global.get"]
_CONST_TYPES = {OP["i32.const"]: I32, OP["i64.const"]: I64,
                OP["f32.const"]: F32, OP["f64.const"]: F64}
_V128_CONST = OP["v128.const"]


def validate_module(module: Module, features: Features = _DEFAULT_FEATURES) -> None:
    """Check ``module`` against the WebAssembly 2.0 validation rules and ``features``.

    Returns None if the module is valid; raises ``ValidationError`` (reason in
    the spec testsuite's wording, byte offset where the AST records one)
    otherwise.  Also enforces wasmparser's implementation limits (see
    ``limits``) so that oversized fuzz inputs are refused cheaply.
    """
    _check_counts(module)
    type_sigs = [_check_functype(sig, i, features) for i, sig in enumerate(module.types)]
    ntypes = len(type_sigs)

    func_sigs: list[Sig] = []
    table_elems: list[int] = []
    num_mems = 0
    globals_: list[tuple[int, bool]] = []
    for idx, imp in enumerate(module.imports):
        _check_name(imp.module, f"import {idx} module name")
        _check_name(imp.name, f"import {idx} field name")
        desc = imp.desc
        if imp.kind == ExternKind.FUNC:
            if desc >= ntypes:
                raise ValidationError(f"unknown type {desc}: imported function {idx}")
            func_sigs.append(type_sigs[desc])
        elif imp.kind == ExternKind.TABLE:
            _check_table(desc, features, f"imported table {idx}")
            table_elems.append(desc.elem)
        elif imp.kind == ExternKind.MEMORY:
            _check_memory(desc, f"imported memory {idx}")
            num_mems += 1
        else:
            check_valtype(desc.valtype, features, None)
            if desc.mutable and not features.mutable_global:
                raise ValidationError(f"{MSG_MUTABLE_GLOBAL}: imported global {idx}")
            globals_.append((desc.valtype, desc.mutable))
    imported_globals = list(globals_)
    num_imported_funcs = len(func_sigs)

    for func in module.funcs:
        if func.type_idx >= ntypes:
            raise ValidationError(f"unknown type {func.type_idx}", func.offset)
        func_sigs.append(type_sigs[func.type_idx])
    nfuncs = len(func_sigs)

    for idx, table in enumerate(module.tables, start=len(table_elems)):
        _check_table(table, features, f"table {idx}")
        table_elems.append(table.elem)
    if len(table_elems) > 1 and not features.reference_types:
        raise ValidationError(f"multiple tables: {len(table_elems)} tables need the "
                              "reference types proposal")

    for idx, mem in enumerate(module.mems, start=num_mems):
        _check_memory(mem, f"memory {idx}")
    num_mems += len(module.mems)
    if num_mems > 1:
        raise ValidationError(f"multiple memories: {num_mems} memories defined or imported")

    for g in module.globals:
        check_valtype(g.sig.valtype, features, g.offset)
        _check_const_expr(g.init, g.sig.valtype, nfuncs, imported_globals, features, g.offset)
        globals_.append((g.sig.valtype, g.sig.mutable))

    _check_exports(module, features, nfuncs, len(table_elems), num_mems, globals_)

    if module.start is not None:
        start = module.start
        if start >= nfuncs:
            raise ValidationError(f"unknown function {start}: start function")
        params, results = func_sigs[start]
        if params or results:
            raise ValidationError(f"start function must have type [] -> [], function {start} "
                                  f"has {FuncSig(tuple(params), tuple(results))}")

    for seg in module.elems:
        _check_elem(seg, features, table_elems, nfuncs, imported_globals)

    for idx, seg in enumerate(module.datas):
        if seg.mode == SegmentMode.ACTIVE:
            if seg.memory >= num_mems:
                raise ValidationError(f"unknown memory {seg.memory}: data segment {idx}",
                                      seg.offset)
            _check_const_expr(seg.offset_expr, I32, nfuncs, imported_globals, features,
                              seg.offset)
        elif seg.mode == SegmentMode.PASSIVE:
            if not features.bulk_memory:
                raise ValidationError(f"{MSG_BULK}: passive data segment {idx}", seg.offset)
        else:
            raise ValidationError(f"data segment {idx} cannot be declarative", seg.offset)
    if module.data_count is not None:
        if not features.bulk_memory:
            raise ValidationError(f"{MSG_BULK}: data count section")
        if module.data_count != len(module.datas):
            raise ValidationError(
                f"data count and data section have inconsistent lengths: data count "
                f"{module.data_count}, {len(module.datas)} data segments")

    ctx = ModuleContext(
        features=features, type_sigs=type_sigs, func_sigs=func_sigs, table_elems=table_elems,
        num_mems=num_mems, globals=globals_, elem_types=[seg.elem_type for seg in module.elems],
        data_count=module.data_count, refs=_declared_refs(module))
    for idx, func in enumerate(module.funcs, start=num_imported_funcs):
        validate_function(ctx, idx, func)


def _check_counts(module: Module) -> None:
    """wasmparser's per-section count limits, checked before any per-item work."""
    nfuncs = len(module.funcs) + sum(1 for i in module.imports if i.kind == ExternKind.FUNC)
    ntables = len(module.tables) + sum(1 for i in module.imports if i.kind == ExternKind.TABLE)
    nglobals = len(module.globals) + sum(
        1 for i in module.imports if i.kind == ExternKind.GLOBAL)
    for what, count, limit in (
        ("types", len(module.types), L.MAX_TYPES),
        ("imports", len(module.imports), L.MAX_IMPORTS),
        ("functions", nfuncs, L.MAX_FUNCTIONS),
        ("tables", ntables, L.MAX_TABLES),
        ("globals", nglobals, L.MAX_GLOBALS),
        ("exports", len(module.exports), L.MAX_EXPORTS),
        ("element segments", len(module.elems), L.MAX_ELEMENT_SEGMENTS),
        ("data segments", len(module.datas), L.MAX_DATA_SEGMENTS),
    ):
        if count > limit:
            raise ValidationError(f"{what} count of {count} exceeds limit of {limit}")


def _check_functype(sig: FuncSig, idx: int, features: Features) -> Sig:
    """Validate type-section entry ``idx``; return it in the validator's list form."""
    if len(sig.params) > L.MAX_FUNCTION_PARAMS:
        raise ValidationError(f"function params size is out of bounds: type {idx} has "
                              f"{len(sig.params)} params, limit {L.MAX_FUNCTION_PARAMS}")
    if len(sig.results) > L.MAX_FUNCTION_RETURNS:
        raise ValidationError(f"function returns size is out of bounds: type {idx} has "
                              f"{len(sig.results)} results, limit {L.MAX_FUNCTION_RETURNS}")
    for t in sig.params:
        check_valtype(t, features, None)
    for t in sig.results:
        check_valtype(t, features, None)
    if len(sig.results) > 1 and not features.multi_value:
        raise ValidationError(f"{MSG_MULTI_VALUE_FUNC}: type {idx}")
    return (list(sig.params), list(sig.results))


def _check_name(name: str, what: str) -> None:
    # A str of n code points encodes to at most 4n UTF-8 bytes: encode only when it could matter.
    if len(name) > L.MAX_STRING_SIZE // 4:
        size = len(name.encode("utf-8", "surrogatepass"))
        if size > L.MAX_STRING_SIZE:
            raise ValidationError(
                f"{what} of {size} bytes exceeds the limit of {L.MAX_STRING_SIZE} bytes")


def _check_limits(lim: Limits, bound: int, too_big: str, what: str) -> None:
    """The spec's limits rule: min and max within ``bound``, then min <= max."""
    if lim.min > bound or (lim.max is not None and lim.max > bound):
        raise ValidationError(f"{too_big}: {what}")
    if lim.max is not None and lim.min > lim.max:
        raise ValidationError(f"size minimum must not be greater than maximum: {what} has "
                              f"minimum {lim.min} and maximum {lim.max}")


def _check_table(sig: TableSig, features: Features, what: str) -> None:
    if sig.elem != FUNCREF and sig.elem != EXTERNREF:
        raise ValidationError(f"invalid table element type {sig.elem!r}: {what}")
    if sig.elem == EXTERNREF and not features.reference_types:
        raise ValidationError(f"{MSG_REFERENCE_TYPES}: externref {what}")
    _check_limits(sig.limits, L.MAX_TABLE_LIMIT, "table size must be at most 2^32-1", what)


def _check_memory(sig: MemorySig, what: str) -> None:
    _check_limits(sig.limits, L.MAX_MEMORY_PAGES,
                  "memory size must be at most 65536 pages (4GiB)", what)


def _check_const_expr(expr: Expr | None, expected: int, nfuncs: int,
                      imported_globals: list[tuple[int, bool]], features: Features,
                      offset: int) -> None:
    """A Wasm 2.0 constant expression producing exactly one ``expected`` value.

    Only t.const, ref.null, ref.func and global.get of an *imported immutable*
    global are constant; defined globals are not yet in scope ("unknown global").
    """
    if expr is None:
        raise ValidationError("constant expression required: missing initializer", offset)
    stack: list[int] = []
    for op, imm in expr:
        t = _CONST_TYPES.get(op)
        if t is not None:
            stack.append(t)
        elif op == _GLOBAL_GET:
            if imm >= len(imported_globals):
                raise ValidationError(f"unknown global {imm}", offset)
            t, mutable = imported_globals[imm]
            if mutable:
                raise ValidationError(
                    f"constant expression required: global.get of mutable global {imm}", offset)
            stack.append(t)
        elif op == _REF_NULL:
            if imm != FUNCREF and imm != EXTERNREF:
                raise ValidationError(f"type mismatch: ref.null of non-reference type "
                                      f"{valtype_name(imm)}", offset)
            stack.append(imm)
        elif op == _REF_FUNC:
            if imm >= nfuncs:
                raise ValidationError(f"unknown function {imm}", offset)
            stack.append(FUNCREF)
        elif op & FD and not features.simd:
            raise ValidationError(MSG_SIMD, offset)
        elif op == _V128_CONST:
            stack.append(V128)
        else:
            raise ValidationError(
                f"constant expression required: {op_name(op)} is not a constant instruction",
                offset)
    if stack != [expected]:
        found = " ".join(valtype_name(t) for t in stack)
        raise ValidationError(f"type mismatch: constant expression produces [{found}], "
                              f"expected [{valtype_name(expected)}]", offset)


def _check_exports(module: Module, features: Features, nfuncs: int, ntables: int,
                   num_mems: int, globals_: list[tuple[int, bool]]) -> None:
    seen: set[str] = set()
    for idx, exp in enumerate(module.exports):
        _check_name(exp.name, f"export {idx} name")
        if exp.name in seen:
            raise ValidationError(f"duplicate export name {exp.name!r}")
        seen.add(exp.name)
        kind = exp.kind
        if kind == ExternKind.FUNC:
            if exp.index >= nfuncs:
                raise ValidationError(f"unknown function {exp.index}: export {exp.name!r}")
        elif kind == ExternKind.TABLE:
            if exp.index >= ntables:
                raise ValidationError(f"unknown table {exp.index}: export {exp.name!r}")
        elif kind == ExternKind.MEMORY:
            if exp.index >= num_mems:
                raise ValidationError(f"unknown memory {exp.index}: export {exp.name!r}")
        else:
            if exp.index >= len(globals_):
                raise ValidationError(f"unknown global {exp.index}: export {exp.name!r}")
            if globals_[exp.index][1] and not features.mutable_global:
                raise ValidationError(f"{MSG_MUTABLE_GLOBAL}: export {exp.name!r}")


def _check_elem(seg: Elem, features: Features, table_elems: list[int], nfuncs: int,
                imported_globals: list[tuple[int, bool]]) -> None:
    et = seg.elem_type
    if et != FUNCREF and et != EXTERNREF:
        raise ValidationError(f"invalid element type {et!r}", seg.offset)
    if et == EXTERNREF and not features.reference_types:
        raise ValidationError(f"{MSG_REFERENCE_TYPES}: externref element segment", seg.offset)
    if seg.mode == SegmentMode.ACTIVE:
        if seg.table >= len(table_elems):
            raise ValidationError(f"unknown table {seg.table}", seg.offset)
        _check_const_expr(seg.offset_expr, I32, nfuncs, imported_globals, features, seg.offset)
        if table_elems[seg.table] != et:
            raise ValidationError(
                f"type mismatch: {valtype_name(et)} element segment for a "
                f"{valtype_name(table_elems[seg.table])} table {seg.table}", seg.offset)
    elif not features.bulk_memory:
        # wasmparser accepts declarative segments under bulk memory alone, as we do
        raise ValidationError(f"{MSG_BULK}: {seg.mode.value} element segment", seg.offset)
    for item in seg.init:
        # A lone ref.func may come from the MVP encoding (a vector of function
        # indices); anything else is an expression, which the bulk memory
        # encoding introduced and only reference types can fill.
        if not (len(item) == 1 and item[0][0] == _REF_FUNC):
            if not features.bulk_memory:
                raise ValidationError(f"{MSG_BULK}: element segment expressions", seg.offset)
            if not features.reference_types:
                raise ValidationError(f"{MSG_REFERENCE_TYPES}: element segment expressions",
                                      seg.offset)
        _check_const_expr(item, et, nfuncs, imported_globals, features, seg.offset)


def _declared_refs(module: Module) -> set[int]:
    """C.refs: functions referenced outside function bodies and the start section."""
    refs = {e.index for e in module.exports if e.kind == ExternKind.FUNC}
    exprs: list[Expr] = [g.init for g in module.globals]
    for seg in module.elems:
        exprs.extend(seg.init)
        if seg.offset_expr is not None:
            exprs.append(seg.offset_expr)
    exprs.extend(d.offset_expr for d in module.datas if d.offset_expr is not None)
    for expr in exprs:
        for op, imm in expr:
            if op == _REF_FUNC:
                refs.add(imm)
    return refs
