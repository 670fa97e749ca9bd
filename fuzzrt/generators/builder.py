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
Every item (a table, a global, a segment, a function, a call) is one
``span`` preceded by a "one more?" flag, so the shrinker can replace an item
by its simplest form or delete it without disturbing the choices after it.

With ``Features.simd`` on, ``v128`` is one more value type (params, results,
locals, globals) and bodies use every SIMD instruction (see ``bodies``).
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import Any

from runtime.features import Features
from runtime.syntax.ast import Data, Elem, Export, Func, Global, Module, SegmentMode
from runtime.syntax.opcodes import OP
from runtime.syntax.types import FUNCREF, I32, ExternKind, FuncSig, GlobalSig, Limits, MemorySig, TableSig

from .bodies import BodyBuilder, const_instr, fuel_reset_code
from .case import Call
from .choices import Chooser
from .context import CALL_FUEL, LOOP_FUEL, NUM_TYPES, REF_TYPES, VEC_TYPES, ModuleContext

MAX_PARAMS = 4
MAX_LOCALS = 4
MAX_MEMORY_PAGES = 10
MAX_TABLE_ELEMENTS = 1000
MAX_CALLS = 6


@dataclass(frozen=True, slots=True)
class Sizes:
    """How big a module may get: generated functions, instructions per body and per module.

    The defaults keep compilation cheap for a differential campaign; property
    tests that shrink a lot may want smaller ones (shrinking cost grows with size).
    """

    max_funcs: int = 5
    max_func_instructions: int = 80
    max_module_instructions: int = 240


@dataclass(slots=True)
class BuiltModule:
    module: Module
    calls: list[Call]
    config: dict[str, Any]


#: placeholder function index in element items, resolved once the functions exist
_UNRESOLVED = -1


def build_module(c: Chooser, features: Features = Features(), sizes: Sizes = Sizes()) -> BuiltModule:
    """Draw one valid module (and the calls to make on it) from ``c``."""
    return _ModuleBuilder(c, features, sizes).build()


def _repeat(c: Chooser, max_items: int, p: float, item: Callable[[Chooser], None]) -> None:
    """Up to ``max_items`` items, each a span behind a "one more?" flag (simplest: none)."""
    for _ in range(max_items):
        if not c.flag(p):
            return
        c.span(item)


class _ModuleBuilder:
    """Order of choices: module-level entities, then each function as one unit
    (signature, locals, body), then what refers to functions by index (element
    items, ``ref.func`` initialisers, start, calls).  A body only calls
    functions defined before it (or itself) directly, and indices into the
    function space are resolved once the count is known, so deleting a
    function's span leaves a valid module.
    """

    def __init__(self, c: Chooser, features: Features, sizes: Sizes) -> None:
        self.c = c
        self.features = features
        self.sizes = sizes
        self.ctx = ModuleContext(features=features)
        self.valtypes = self.ctx.valtypes()
        self.module = Module()
        self.ref_func_globals: list[int] = []
        self.remaining = sizes.max_module_instructions
        self.calls: list[Call] = []

    def build(self) -> BuiltModule:
        c, ctx, module, features = self.c, self.ctx, self.module, self.features
        c.span(self.memory)
        _repeat(c, 3 if features.reference_types else 1, 0.5, self.table)
        module.tables = list(ctx.tables)
        _repeat(c, 4, 0.4, self.global_)
        ctx.loop_fuel_global = len(ctx.globals)
        ctx.call_fuel_global = len(ctx.globals) + 1
        for fuel in (LOOP_FUEL, CALL_FUEL):
            module.globals.append(Global(GlobalSig(I32, True), [(OP["i32.const"], fuel)]))
        if ctx.memory is not None:
            _repeat(c, 3, 0.4, self.data_segment)
            if features.bulk_memory and module.datas:
                module.data_count = len(module.datas)
        ctx.datas = module.datas
        for table in range(len(ctx.tables)):
            c.span(lambda c, table=table: self.fill_segment(c, table))
        _repeat(c, 3, 0.4, self.elem_segment)
        ctx.elems = list(module.elems)

        c.span(self.function)
        _repeat(c, self.sizes.max_funcs - 1, 0.5, self.function)
        nfuncs = len(ctx.func_sigs)
        c.span(self.resolve_function_refs)
        for f, sig in enumerate(ctx.func_sigs):
            body = fuel_reset_code(ctx) + [(OP["local.get"], i) for i in range(len(sig.params))]
            body += [(OP["call"], f), (OP["end"], None)]
            module.funcs.append(Func(ctx.type_index(sig), [], body))
        starts = [f for f, sig in enumerate(ctx.func_sigs) if not sig.params and not sig.results]
        if starts and c.flag(0.1):
            module.start = c.choice(starts)
        self.exports()
        module.types = list(ctx.types)

        c.span(self.call)
        _repeat(c, MAX_CALLS - 1, 0.6, self.call)
        config = {
            "features": asdict(features),
            "sizes": asdict(self.sizes),
            "canonicalize_nans": True,
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
        return BuiltModule(module, self.calls, config)

    # -- module-level items ----------------------------------------------------------
    def memory(self, c: Chooser) -> None:
        if c.flag(0.8):
            lo = 0 if c.flag(0.05) else c.choice((1, 2))
            hi = c.integer(lo, MAX_MEMORY_PAGES)
            self.ctx.memory = (lo, hi)
            self.module.mems.append(MemorySig(Limits(lo, hi)))

    def table(self, c: Chooser) -> None:
        refs = self.features.reference_types
        elem = c.choice(REF_TYPES) if self.ctx.tables and refs else FUNCREF
        lo = 0 if c.flag(0.05) else c.choice((4, 1, 8, 12))
        self.ctx.tables.append(TableSig(elem, Limits(lo, min(MAX_TABLE_ELEMENTS, lo + c.integer(0, 24)))))

    def global_(self, c: Chooser) -> None:
        t = c.choice(self.valtypes)
        sig = GlobalSig(t, c.flag(0.6))
        if t in NUM_TYPES or t in VEC_TYPES:
            init = const_instr(t, c.value(t))
        else:
            init = (OP["ref.null"], t)
            if t == FUNCREF and c.flag(0.5):
                self.ref_func_globals.append(len(self.module.globals))
        self.ctx.globals.append(sig)
        self.module.globals.append(Global(sig, [init]))

    def data_segment(self, c: Chooser) -> None:
        """Active (mostly in bounds, rarely just past the end) or, with bulk memory, passive."""
        mem_bytes = self.ctx.memory[0] * 65536
        passive = self.features.bulk_memory and c.flag(0.4)
        init = bytes(c.integer(0, 255) for _ in range(c.integer(0, 8 if passive or mem_bytes else 0)))
        if passive:
            self.module.datas.append(Data(SegmentMode.PASSIVE, init))
            return
        room = mem_bytes - len(init)
        if c.flag(0.03):  # just past the end: instantiation traps
            offset = room + 1
        else:
            offset = c.choice([o for o in (0, 1, 16, 1024) if o < room] + [room])
        self.module.datas.append(Data(SegmentMode.ACTIVE, init, 0, [(OP["i32.const"], _s32(offset))]))

    def fill_segment(self, c: Chooser, table: int) -> None:
        """Usually fill a funcref table from slot 0, so ``call_indirect`` mostly finds functions.

        The items are resolved after the bodies: a slot a ``call_indirect``
        asked for (``ctx.slot_requests``) gets a function of the signature it
        expects.
        """
        sig = self.ctx.tables[table]
        if sig.elem == FUNCREF and sig.limits.min and c.flag(0.7):
            self.ctx.filled_tables[table] = len(self.module.elems)
            items = [[(OP["ref.func"], _UNRESOLVED)] for _ in range(sig.limits.min)]
            self.module.elems.append(Elem(SegmentMode.ACTIVE, FUNCREF, items, table, [(OP["i32.const"], 0)]))

    def elem_segment(self, c: Chooser) -> None:
        """Active on a table (offset mostly in bounds), passive or declarative.

        Expression items (``ref.null``, hence externref segments) are only
        used with both reference types and bulk memory, the combination every
        validator accepts them under.
        """
        ctx = self.ctx
        refs, bulk = self.features.reference_types, self.features.bulk_memory
        exprs = refs and bulk
        modes = ([SegmentMode.ACTIVE] if ctx.tables else []) + ([SegmentMode.PASSIVE] if bulk else [])
        modes += [SegmentMode.DECLARATIVE] if exprs else []
        if not modes:
            return
        mode = c.choice(modes)
        table = c.integer(0, len(ctx.tables) - 1) if mode == SegmentMode.ACTIVE else 0
        if mode == SegmentMode.ACTIVE:
            elem = ctx.tables[table].elem
        else:
            elem = c.choice(REF_TYPES) if exprs else FUNCREF
        if elem != FUNCREF and not exprs:
            return
        items = []
        room = ctx.tables[table].limits.min if mode == SegmentMode.ACTIVE else 5
        for _ in range(c.integer(0, min(5, room))):
            if elem == FUNCREF and (not exprs or not c.flag(0.2)):
                items.append([(OP["ref.func"], _UNRESOLVED)])
            else:
                items.append([(OP["ref.null"], elem)])
        offset_expr = None
        if mode == SegmentMode.ACTIVE:
            size = ctx.tables[table].limits.min
            offset = c.integer(0, max(0, size - len(items)))
            if c.flag(0.03):  # just past the end: instantiation traps
                offset = size - len(items) + 1
            offset_expr = [(OP["i32.const"], _s32(offset))]
        self.module.elems.append(Elem(mode, elem, items, table, offset_expr))

    # -- functions ------------------------------------------------------------------------
    def function(self, c: Chooser) -> None:
        results_max = 3 if self.features.multi_value else 1
        sig = FuncSig(tuple(c.choice(self.valtypes) for _ in range(c.integer(0, MAX_PARAMS))),
                      tuple(c.choice(self.valtypes) for _ in range(c.integer(0, results_max))))
        self.ctx.func_sigs.append(sig)
        local_types = [c.choice(self.valtypes) for _ in range(c.integer(0, MAX_LOCALS))]
        budget = min(self.remaining, c.integer(0, self.sizes.max_func_instructions))
        func = BodyBuilder(self.ctx, c, sig, local_types, budget).build()
        self.remaining -= len(func.body)
        self.module.funcs.append(func)

    def resolve_function_refs(self, c: Chooser) -> None:
        """Fill in function indices chosen before the functions existed; add the declarative segment."""
        ctx, module = self.ctx, self.module
        nfuncs = len(ctx.func_sigs)
        fills = {seg: table for table, seg in ctx.filled_tables.items()}
        for i, seg in enumerate(module.elems):
            table = fills.get(i)
            wanted = {slot: sig for (t, slot), sig in ctx.slot_requests.items() if t == table}
            for slot, item in enumerate(seg.init):
                if item[0] == (OP["ref.func"], _UNRESOLVED):
                    sig = wanted.get(slot)
                    f = ctx.func_sigs.index(sig) if sig is not None else c.integer(0, nfuncs - 1)
                    item[0] = (OP["ref.func"], f)
        for g in self.ref_func_globals:
            module.globals[g].init = [(OP["ref.func"], c.integer(0, nfuncs - 1))]
        if self.features.reference_types and self.features.bulk_memory:
            module.elems.append(Elem(SegmentMode.DECLARATIVE, FUNCREF,
                                     [[(OP["ref.func"], f)] for f in range(nfuncs)]))

    def exports(self) -> None:
        ctx, module = self.ctx, self.module
        nfuncs = len(ctx.func_sigs)
        module.exports = [Export(f"f{f}", ExternKind.FUNC, nfuncs + f) for f in range(nfuncs)]
        if ctx.memory is not None:
            module.exports.append(Export("mem", ExternKind.MEMORY, 0))
        module.exports += [Export(f"t{i}", ExternKind.TABLE, i) for i in range(len(ctx.tables))]
        module.exports += [Export(f"g{i}", ExternKind.GLOBAL, i) for i, g in enumerate(ctx.globals)
                           if self.features.mutable_global or not g.mutable]

    def call(self, c: Chooser) -> None:
        f = c.integer(0, len(self.ctx.func_sigs) - 1)
        self.calls.append(Call(f"f{f}", [(t, c.value(t)) for t in self.ctx.func_sigs[f].params]))


def _s32(v: int) -> int:
    v &= 0xFFFF_FFFF
    return v - (1 << 32) if v >= 1 << 31 else v
