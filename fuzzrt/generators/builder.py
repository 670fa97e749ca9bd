"""Whole valid modules from a ``Chooser``: signatures, memory, tables, globals, segments, bodies, exports, calls.

Layout of every generated module (the harness and tests may rely on it):

* functions ``0..n-1`` are the generated ones; functions ``n..2n-1`` are
  their exported wrappers ``"f0".."f{n-1}"`` (same signature), which reset
  the fuel globals and call the real function (see ``context``);
* memory 0 (if any) is exported as ``"mem"``, always with a maximum of at most
  ``MAX_MEMORY_PAGES`` pages; table ``i`` as ``"t{i}"`` (at most
  ``MAX_TABLE_ELEMENTS``, always with a maximum); user global ``i`` as ``"g{i}"``;
  the two fuel globals come last and are not exported;
* a declarative element segment lists every generated function, so bodies may
  use ``ref.func`` on any of them (with reference types and bulk memory only).

Choices are ordered so the simplest answers give the smallest module: one
function, no memory, no tables, no globals, no segments, no start function.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from runtime.features import Features
from runtime.syntax.ast import Data, Elem, Export, Func, Global, Module, SegmentMode
from runtime.syntax.opcodes import OP
from runtime.syntax.types import FUNCREF, I32, ExternKind, FuncSig, GlobalSig, Limits, MemorySig, TableSig

from .bodies import BodyBuilder, const_instr, fuel_reset_code
from .case import Call
from .choices import Chooser
from .context import CALL_FUEL, LOOP_FUEL, NUM_TYPES, REF_TYPES, ModuleContext

MAX_FUNCS = 5
MAX_PARAMS = 4
MAX_LOCALS = 4
MAX_MEMORY_PAGES = 10
MAX_TABLE_ELEMENTS = 1000
#: instructions one function body may get, and the whole module
MAX_FUNC_BUDGET = 80
MAX_MODULE_BUDGET = 240
MAX_CALLS = 6


@dataclass(slots=True)
class BuiltModule:
    module: Module
    calls: list[Call]
    canonical_nans: bool
    config: dict[str, Any]


def build_module(c: Chooser, features: Features = Features()) -> BuiltModule:
    """Draw one valid module (and the calls to make on it) from ``c``."""
    canonical = not c.flag(0.15)
    ctx = ModuleContext(features=features, canonicalize_nans=canonical)
    valtypes = ctx.valtypes()

    nfuncs = c.integer(1, MAX_FUNCS)
    max_results = 3 if features.multi_value else 1
    for _ in range(nfuncs):
        params = tuple(c.choice(valtypes) for _ in range(c.integer(0, MAX_PARAMS)))
        results = tuple(c.choice(valtypes) for _ in range(c.integer(0, max_results)))
        ctx.func_sigs.append(FuncSig(params, results))
    for sig in ctx.func_sigs:
        ctx.type_index(sig)

    module = Module()
    if c.flag(0.8):
        lo = 0 if c.flag(0.05) else c.choice((1, 2))
        hi = c.integer(lo, MAX_MEMORY_PAGES)
        ctx.memory = (lo, hi)
        module.mems.append(MemorySig(Limits(lo, hi)))

    ntables = c.integer(0, 3 if features.reference_types else 1)
    for i in range(ntables):
        elem = c.choice(REF_TYPES) if i and features.reference_types else FUNCREF
        lo = 0 if c.flag(0.05) else c.choice((4, 1, 8, 12))
        ctx.tables.append(TableSig(elem, Limits(lo, min(MAX_TABLE_ELEMENTS, lo + c.integer(0, 24)))))
    module.tables = list(ctx.tables)

    for _ in range(c.integer(0, 4)):
        t = c.choice(valtypes)
        sig = GlobalSig(t, c.flag(0.6))
        ctx.globals.append(sig)
        module.globals.append(Global(sig, [_const_init(c, t, nfuncs)]))
    ctx.loop_fuel_global = len(ctx.globals)
    ctx.call_fuel_global = len(ctx.globals) + 1
    for fuel in (LOOP_FUEL, CALL_FUEL):
        module.globals.append(Global(GlobalSig(I32, True), [(OP["i32.const"], fuel)]))

    if ctx.memory is not None:
        module.datas = _data_segments(c, ctx)
        ctx.datas = module.datas
        if features.bulk_memory and module.datas:
            module.data_count = len(module.datas)
    module.elems = _elem_segments(c, ctx, nfuncs)
    ctx.elems = list(module.elems)
    ctx.table_funcs = _initial_table_funcs(ctx, module.elems)
    if features.reference_types and features.bulk_memory:
        module.elems.append(Elem(SegmentMode.DECLARATIVE, FUNCREF,
                                 [[(OP["ref.func"], f)] for f in range(nfuncs)]))

    remaining = MAX_MODULE_BUDGET
    for sig in ctx.func_sigs:
        local_types = [c.choice(valtypes) for _ in range(c.integer(0, MAX_LOCALS))]
        budget = min(remaining, c.integer(0, MAX_FUNC_BUDGET))
        func = BodyBuilder(ctx, c, sig, local_types, budget).build()
        remaining -= len(func.body)
        module.funcs.append(func)
    for f, sig in enumerate(ctx.func_sigs):
        body = fuel_reset_code(ctx) + [(OP["local.get"], i) for i in range(len(sig.params))]
        body += [(OP["call"], f), (OP["end"], None)]
        module.funcs.append(Func(ctx.type_index(sig), [], body))

    starts = [f for f, sig in enumerate(ctx.func_sigs) if not sig.params and not sig.results]
    if starts and c.flag(0.1):
        module.start = c.choice(starts)

    module.exports = [Export(f"f{f}", ExternKind.FUNC, nfuncs + f) for f in range(nfuncs)]
    if ctx.memory is not None:
        module.exports.append(Export("mem", ExternKind.MEMORY, 0))
    module.exports += [Export(f"t{i}", ExternKind.TABLE, i) for i in range(len(ctx.tables))]
    module.exports += [Export(f"g{i}", ExternKind.GLOBAL, i) for i, g in enumerate(ctx.globals)
                       if features.mutable_global or not g.mutable]
    module.types = list(ctx.types)

    calls = []
    for _ in range(c.integer(1, MAX_CALLS)):
        f = c.integer(0, nfuncs - 1)
        calls.append(Call(f"f{f}", [(t, c.value(t)) for t in ctx.func_sigs[f].params]))

    config = {
        "features": asdict(features),
        "canonicalize_nans": canonical,
        "funcs": nfuncs,
        "instructions": sum(len(f.body) for f in module.funcs[:nfuncs]),
        "memory": list(ctx.memory) if ctx.memory else None,
        "tables": len(ctx.tables),
        "globals": len(ctx.globals),
        "data_segments": len(module.datas),
        "elem_segments": len(ctx.elems),
        "start": module.start,
        "loop_fuel": LOOP_FUEL,
        "call_fuel": CALL_FUEL,
    }
    return BuiltModule(module, calls, canonical, config)


def _const_init(c: Chooser, t: int, nfuncs: int) -> tuple:
    if t in NUM_TYPES:
        return const_instr(t, c.value(t))
    if t == FUNCREF and c.flag(0.5):
        return (OP["ref.func"], c.integer(0, nfuncs - 1))
    return (OP["ref.null"], t)


def _data_segments(c: Chooser, ctx: ModuleContext) -> list[Data]:
    """Active segments (mostly in bounds, sometimes just past the end) and, with bulk memory, passive ones."""
    mem_bytes = ctx.memory[0] * 65536
    out = []
    for _ in range(c.integer(0, 3)):
        passive = ctx.features.bulk_memory and c.flag(0.4)
        init = bytes(c.integer(0, 255) for _ in range(c.integer(0, 8 if passive or mem_bytes else 0)))
        if passive:
            out.append(Data(SegmentMode.PASSIVE, init))
            continue
        room = mem_bytes - len(init)
        if c.flag(0.03):  # just past the end: instantiation traps
            offset = room + 1
        else:
            offset = c.choice([o for o in (0, 1, 16, 1024) if o < room] + [room])
        out.append(Data(SegmentMode.ACTIVE, init, 0, [(OP["i32.const"], _s32(offset))]))
    return out


def _elem_segments(c: Chooser, ctx: ModuleContext, nfuncs: int) -> list[Elem]:
    """Element segments: active on a table (offset mostly in bounds), passive and declarative ones.

    Expression items (``ref.null``, hence externref segments) are only used
    with both reference types and bulk memory, the combination every
    validator accepts them under.
    """
    refs, bulk = ctx.features.reference_types, ctx.features.bulk_memory
    exprs = refs and bulk
    out = []
    # usually fill funcref tables from 0, so call_indirect finds functions more often than nulls
    for table, sig in enumerate(ctx.tables):
        if sig.elem == FUNCREF and sig.limits.min and c.flag(0.7):
            items = [[(OP["ref.func"], c.integer(0, nfuncs - 1))] for _ in range(sig.limits.min)]
            out.append(Elem(SegmentMode.ACTIVE, FUNCREF, items, table, [(OP["i32.const"], 0)]))
    for _ in range(c.integer(0, 3)):
        modes = ([SegmentMode.ACTIVE] if ctx.tables else []) + ([SegmentMode.PASSIVE] if bulk else [])
        modes += [SegmentMode.DECLARATIVE] if exprs else []
        if not modes:
            break
        mode = c.choice(modes)
        table = c.integer(0, len(ctx.tables) - 1) if mode == SegmentMode.ACTIVE else 0
        if mode == SegmentMode.ACTIVE:
            elem = ctx.tables[table].elem
        else:
            elem = c.choice(REF_TYPES) if exprs else FUNCREF
        if elem != FUNCREF and not exprs:
            continue
        items = []
        room = ctx.tables[table].limits.min if mode == SegmentMode.ACTIVE else 5
        for _ in range(c.integer(0, min(5, room))):
            if elem == FUNCREF and (not exprs or not c.flag(0.2)):
                items.append([(OP["ref.func"], c.integer(0, nfuncs - 1))])
            else:
                items.append([(OP["ref.null"], elem)])
        offset_expr = None
        if mode == SegmentMode.ACTIVE:
            size = ctx.tables[table].limits.min
            offset = c.integer(0, max(0, size - len(items)))
            if c.flag(0.03):  # just past the end: instantiation traps
                offset = size - len(items) + 1
            offset_expr = [(OP["i32.const"], _s32(offset))]
        out.append(Elem(mode, elem, items, table, offset_expr))
    return out


def _initial_table_funcs(ctx: ModuleContext, elems: list[Elem]) -> dict[int, list[int | None]]:
    """What each funcref table holds after the active segments are applied (in-bounds ones only)."""
    slots: dict[int, list[int | None]] = {
        i: [None] * t.limits.min for i, t in enumerate(ctx.tables) if t.elem == FUNCREF
    }
    for seg in elems:
        if seg.mode != SegmentMode.ACTIVE or seg.table not in slots:
            continue
        table = slots[seg.table]
        offset = seg.offset_expr[0][1] & 0xFFFF_FFFF
        if offset + len(seg.init) > len(table):
            break  # instantiation traps here; later segments are never applied
        for i, expr in enumerate(seg.init):
            op, imm = expr[0]
            table[offset + i] = imm if op == OP["ref.func"] else None
    return slots


def _s32(v: int) -> int:
    v &= 0xFFFF_FFFF
    return v - (1 << 32) if v >= 1 << 31 else v
