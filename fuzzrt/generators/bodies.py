"""Typed generation of valid function bodies.

The generator is a stack machine that always knows the types on the operand
stack, so every body it emits validates.  It works at two levels:

* *Expressions*: ``value(t)`` emits code that pushes exactly one ``t``: a
  constant, a local/global, a numeric operator over sub-expressions, a load,
  ``select``, a call (extra results spilled to locals), ``call_indirect``,
  a ``block``/``loop``/``if`` with a (possibly multi-value, type-indexed)
  block type, ``memory.size/grow``, ``table.get/size/grow``, ``ref.*``.
* *Block bodies*: a sequence of steps over a modelled stack (``Frame.stack``):
  push a value, apply an operator to what is on top, or run a statement
  (stores, ``local/global.set``, bulk memory and table operations, branches
  ``br``/``br_if``/``br_table``/``return``, nested blocks).  At the end the
  stack is *fixed up* to the block's result types: values are converted
  (``i32.wrap_i64``, ``ref.is_null``...) or dropped, and missing results are
  generated, so computed values flow into results instead of being thrown away.

With SIMD, ``v128`` is a value type like the numbers: constants, locals,
globals, every SIMD operator (lane and shuffle immediates drawn here), v128
loads (plain, extending, splat, zero, lane) and stores (plain and lane).

Termination does not depend on engine fuel (see ``context``): branches back
to a ``loop`` are guarded by the loop-fuel global, function entry by the
call-fuel global.  Traps stay possible and deterministic (division by zero,
out-of-bounds accesses, ``call_indirect`` signature mismatches, ``unreachable``).

Shrinking: every choice's simplest answer is the small one (stop the block,
emit a constant, use the first option), and each step is one ``span``.
"""
from __future__ import annotations

from collections.abc import Callable

from runtime.syntax.ast import Func, SegmentMode
from runtime.syntax.opcodes import FC, IMM, LOADS, NAMES, NUMERIC, OP, SIMD, SIMD_LANES, SIMD_MEM, STORES, Imm
from runtime.syntax.types import BLOCK_EMPTY, EXTERNREF, F32, F64, FUNCREF, I32, I64, V128, FuncSig

from .choices import Chooser
from .context import CALL_FUEL, LOOP_FUEL, NUM_TYPES, REF_TYPES, VEC_TYPES, ModuleContext

MAX_EXPR_DEPTH = 5
#: control frames, the function's own included
MAX_BLOCK_DEPTH = 5
#: probability of one more step in the function's top-level body / in a nested block
CONTINUE_TOP = 0.85
CONTINUE_NESTED = 0.6
#: probability that a memory/table operand is an edge value (likely out of bounds)
EDGE_P = 0.05

SIGN_EXT_OPS = frozenset(OP[n] for n in ("i32.extend8_s", "i32.extend16_s", "i64.extend8_s",
                                           "i64.extend16_s", "i64.extend32_s"))
SAT_OPS = frozenset(FC | i for i in range(8))
_FLOAT_ARITHMETIC = ("add", "sub", "mul", "div", "sqrt", "min", "max", "ceil", "floor", "trunc", "nearest")
#: float-producing operators whose NaN results are not bit-deterministic (the others only move bits)
NAN_NONDETERMINISTIC_OPS = frozenset(
    OP[f"{t}.{n}"] for t in ("f32", "f64", "f32x4", "f64x2") for n in _FLOAT_ARITHMETIC
) | {OP["f32.demote_f64"], OP["f64.promote_f32"], OP["f32x4.demote_f64x2_zero"], OP["f64x2.promote_low_f32x4"]}
#: what ``canonicalize`` works on: the result type, or the lane shape of a v128 result
_NAN_KIND = {op: NAMES[op].split(".")[0] if NAMES[op].startswith(("f32x4", "f64x2")) else None
             for op in NAN_NONDETERMINISTIC_OPS}
_CANONICAL_NAN = {F32: 0x7FC0_0000, F64: 0x7FF8_0000_0000_0000,
                  "f32x4": 0x7FC0_0000_7FC0_0000_7FC0_0000_7FC0_0000,
                  "f64x2": 0x7FF8_0000_0000_0000_7FF8_0000_0000_0000}
_CONST = {I32: OP["i32.const"], I64: OP["i64.const"], F32: OP["f32.const"], F64: OP["f64.const"],
          V128: OP["v128.const"]}
_EQ = {F32: OP["f32.eq"], F64: OP["f64.eq"], "f32x4": OP["f32x4.eq"], "f64x2": OP["f64x2.eq"]}
#: one-operator conversions used when fixing a stack up to a block's result types
_CONVERSIONS: dict[tuple[int, int], tuple[str, ...]] = {
    (I32, I64): ("i64.extend_i32_s", "i64.extend_i32_u"),
    (I64, I32): ("i32.wrap_i64", "i64.eqz"),
    (F32, I32): ("i32.reinterpret_f32", "i32.trunc_sat_f32_s"),
    (F64, I32): ("i32.trunc_sat_f64_u", "i32.trunc_f64_s"),
    (F32, I64): ("i64.trunc_sat_f32_s",),
    (F64, I64): ("i64.reinterpret_f64", "i64.trunc_sat_f64_u"),
    (I32, F32): ("f32.reinterpret_i32", "f32.convert_i32_s"),
    (I64, F32): ("f32.convert_i64_u",),
    (I32, F64): ("f64.convert_i32_s",),
    (I64, F64): ("f64.reinterpret_i64", "f64.convert_i64_s"),
    (F32, F64): ("f64.promote_f32",),
    (F64, F32): ("f32.demote_f64",),
    (V128, I32): ("v128.any_true", "i32x4.extract_lane", "i8x16.bitmask", "i16x8.extract_lane_s"),
    (V128, I64): ("i64x2.extract_lane",),
    (V128, F32): ("f32x4.extract_lane",),
    (V128, F64): ("f64x2.extract_lane",),
    (I32, V128): ("i32x4.splat", "i8x16.splat"),
    (I64, V128): ("i64x2.splat",),
    (F32, V128): ("f32x4.splat",),
    (F64, V128): ("f64x2.splat",),
}
_LOADS_BY_TYPE: dict[int, list[tuple[int, int]]] = {}
for _op, _name, _t, _size in LOADS:
    _LOADS_BY_TYPE.setdefault(_t, []).append((_op, _size))
_STORE_LIST = [(op, t, size) for op, _name, t, size in STORES]
#: SIMD memory instructions: v128 loads ([i32] -> [v128]), lane loads, stores and lane stores
_SIMD_LOADS = [(op, SIMD_MEM[op]) for op, (params, _) in SIMD.items() if op in SIMD_MEM and params == (I32,)]
_SIMD_LANE_LOADS = [(op, SIMD_MEM[op]) for op, (params, results) in SIMD.items()
                    if op in SIMD_MEM and params == (I32, V128) and results]
_SIMD_STORES = [(op, V128, SIMD_MEM[op]) for op, (params, results) in SIMD.items()
                if op in SIMD_MEM and not results]
_ALIGN_LOG2 = {1: 0, 2: 1, 4: 2, 8: 3, 16: 4}
_SMALL_LENGTHS = (0, 1, 2, 7, 16, 100, 65536)


class Frame:
    """A control frame being generated: its kind, block type, and the modelled stack inside it."""

    __slots__ = ("kind", "params", "results", "stack", "closed")

    def __init__(self, kind: str, params: tuple[int, ...], results: tuple[int, ...]) -> None:
        self.kind = kind
        self.params = params
        self.results = results
        self.stack: list[int] = list(params)
        #: an unconditional branch was emitted: further steps would be dead code
        self.closed = False

    def label_types(self) -> tuple[int, ...]:
        return self.params if self.kind == "loop" else self.results


def _allowed_ops(ctx: ModuleContext) -> list[tuple[int, tuple[int, ...], int]]:
    """(op, params, result) of every numeric operator (SIMD ones too) the module's features allow."""
    out = []
    for op, (params, results) in NUMERIC.items():
        if op in SIGN_EXT_OPS and not ctx.features.sign_extension:
            continue
        if op in SAT_OPS and not ctx.features.saturating_float_to_int:
            continue
        out.append((op, params, results[0]))
    if ctx.features.simd:
        out += [(op, params, results[0]) for op, (params, results) in SIMD.items()
                if op not in SIMD_MEM and params]   # v128.const is a leaf, not an operator
    return out


class BodyBuilder:
    """Generates one function body (and its locals) from a ``Chooser``."""

    def __init__(self, ctx: ModuleContext, c: Chooser, sig: FuncSig, local_types: list[int], budget: int) -> None:
        self.ctx = ctx
        self.c = c
        self.sig = sig
        #: the locals the body may read and write: the parameters and the declared locals
        self.locals: list[int] = list(sig.params) + list(local_types)
        #: types of the harness's own locals, numbered after ``locals`` (see ``scratch``)
        self._scratch_types: list[int] = []
        self.code: list[tuple] = []
        self.frames: list[Frame] = []
        self.budget = budget
        self.depth = 0
        self._scratch: dict[tuple[int, str], int] = {}
        self._ops = _allowed_ops(ctx)
        self._ops_by_result: dict[int, list[tuple[int, tuple[int, ...]]]] = {}
        for op, params, result in self._ops:
            self._ops_by_result.setdefault(result, []).append((op, params))
        refs = ctx.features.reference_types
        vec = VEC_TYPES if ctx.features.simd else ()
        self._value_types = (I32, I64, F32, F64, I32) + vec + ((FUNCREF, EXTERNREF) if refs else ())
        self._stores = _STORE_LIST + (_SIMD_STORES if ctx.features.simd else [])

    # -- driver ----------------------------------------------------------------
    def build(self) -> Func:
        self._prologue()
        frame = Frame("func", (), self.sig.results)
        self.frames.append(frame)
        self.body(frame)
        self.frames.pop()
        self.code.append((OP["end"], None))
        declared = self.locals[len(self.sig.params):] + self._scratch_types
        locals_rle: list[tuple[int, int]] = []
        for t in declared:
            if locals_rle and locals_rle[-1][1] == t:
                locals_rle[-1] = (locals_rle[-1][0] + 1, t)
            else:
                locals_rle.append((1, t))
        return Func(self.ctx.type_index(self.sig), locals_rle, self.code)

    def _prologue(self) -> None:
        """Return zeros when the call fuel is spent, else spend one unit (not counted in the budget)."""
        cf = self.ctx.call_fuel_global
        code = self.code
        code += [(OP["global.get"], cf), (OP["i32.eqz"], None), (OP["if"], BLOCK_EMPTY)]
        for t in self.sig.results:
            code.append(self._zero(t))
        code += [(OP["return"], None), (OP["end"], None)]
        code += [(OP["global.get"], cf), (OP["i32.const"], 1), (OP["i32.sub"], None), (OP["global.set"], cf)]

    def emit(self, op: int, imm: object = None) -> None:
        self.code.append((op, imm))
        self.budget -= 1

    def _in_span(self, fn: Callable[[], None]) -> None:
        """Run ``fn`` as one shrinkable unit (its choices made through the span's chooser)."""
        def run(c: Chooser) -> None:
            saved, self.c = self.c, c
            try:
                fn()
            finally:
                self.c = saved
        self.c.span(run)

    # -- block bodies ------------------------------------------------------------
    def body(self, frame: Frame) -> None:
        p = CONTINUE_TOP if frame.kind == "func" else CONTINUE_NESTED
        while self.budget > 0 and not frame.closed and self.c.flag(p):
            self._in_span(lambda: self.step(frame))
        self.fixup(frame)

    def step(self, frame: Frame) -> None:
        kind = self.c.integer(0, 3)
        if kind == 0:
            t = self.c.choice(self._value_types)
            self.value(t)
            frame.stack.append(t)
        elif kind == 3 and frame.stack:
            self.stack_op(frame)
        else:
            self.statement(frame)

    def stack_op(self, frame: Frame) -> None:
        """Consume the top of the modelled stack: an operator, a drop or a local.set/tee."""
        stack = frame.stack
        top = stack[-1]
        options: list[Callable[[], None]] = [lambda: self._drop_top(frame)]
        for op, params, result in self._ops:
            n = len(params)
            if n <= len(stack) and tuple(stack[-n:]) == params:
                options.append(lambda op=op, n=n, result=result: self._apply_on_stack(frame, op, n, result))
        for idx, t in enumerate(self.locals):
            if t == top:
                options.append(lambda idx=idx: self._set_local_from_stack(frame, idx))
        self.c.choice(options)()

    def _drop_top(self, frame: Frame) -> None:
        self.emit(OP["drop"])
        frame.stack.pop()

    def _apply_on_stack(self, frame: Frame, op: int, n: int, result: int) -> None:
        del frame.stack[-n:]
        self.apply(op, result)
        frame.stack.append(result)

    def _set_local_from_stack(self, frame: Frame, idx: int) -> None:
        if self.c.flag(0.5):
            self.emit(OP["local.tee"], idx)
        else:
            self.emit(OP["local.set"], idx)
            frame.stack.pop()

    def fixup(self, frame: Frame) -> None:
        """Bring the modelled stack to exactly the frame's result types."""
        stack, target = frame.stack, frame.results
        while True:
            n = len(stack)
            if n <= len(target) and tuple(stack) == target[:n]:
                break
            if n <= len(target) and tuple(stack[:-1]) == target[:n - 1]:
                conversion = self._conversion(stack[-1], target[n - 1])
                if conversion is not None:
                    self.apply(conversion, target[n - 1])
                    stack[-1] = target[n - 1]
                    continue
            self.emit(OP["drop"])
            stack.pop()
        for t in target[len(stack):]:
            self.value(t)
            stack.append(t)

    def _conversion(self, src: int, dst: int) -> int | None:
        if src in (FUNCREF, EXTERNREF):
            return OP["ref.is_null"] if dst == I32 else None
        names = _CONVERSIONS.get((src, dst), ())
        allowed = [OP[n] for n in names
                   if self.ctx.features.saturating_float_to_int or "trunc_sat" not in n]
        return self.c.choice(allowed) if allowed else None

    # -- operators -----------------------------------------------------------------
    def apply(self, op: int, result: int) -> None:
        self.emit(op, self.lane_immediate(op))
        if op in NAN_NONDETERMINISTIC_OPS:
            self.canonicalize(result, _NAN_KIND[op] or result)

    def lane_immediate(self, op: int) -> object:
        """The immediate of an operator: a lane index, 16 shuffle lanes, or None."""
        kind = IMM[op]
        if kind == Imm.LANE:
            return self.c.integer(0, SIMD_LANES[op] - 1)
        if kind == Imm.SHUFFLE:
            return tuple(self.c.integer(0, 31) for _ in range(16))
        return None

    def canonicalize(self, t: int, kind: int | str) -> None:
        """x -> (x == x ? x : canonical NaN), so NaN bits are the same on every engine.

        ``kind`` is the float type, or for a v128 the lane shape: each lane is
        kept where it equals itself and replaced by the canonical NaN elsewhere.
        """
        s = self.scratch(t, "nan")
        self.emit(OP["local.tee"], s)
        self.emit(_CONST[t], _CANONICAL_NAN[kind])
        self.emit(OP["local.get"], s)
        self.emit(OP["local.get"], s)
        self.emit(_EQ[kind])
        self.emit(OP["v128.bitselect"] if t == V128 else OP["select"])

    def scratch(self, t: int, role: str) -> int:
        """A local for the generator's own sequences, one per type and role.

        Never offered to the body as an ordinary local: the NaN scratch keeps
        the raw, uncanonicalised value after ``canonicalize``, and a
        ``local.get`` of it would carry engine-dependent NaN bits into the
        results (the differential target reported two false findings that way).
        """
        key = (t, role)
        idx = self._scratch.get(key)
        if idx is None:
            idx = self._scratch[key] = len(self.locals) + len(self._scratch_types)
            self._scratch_types.append(t)
        return idx

    # -- expressions -----------------------------------------------------------------
    def value(self, t: int) -> None:
        """Emit code that pushes exactly one value of type ``t``."""
        if self.budget <= 0 or self.depth >= MAX_EXPR_DEPTH:
            self.leaf(t)
            return
        self.depth += 1
        try:
            self._in_span(lambda: self.c.choice(self._value_options(t))(t))
        finally:
            self.depth -= 1

    def _value_options(self, t: int) -> list[Callable[[int], None]]:
        ctx = self.ctx
        options: list[Callable[[int], None]] = [self.leaf]
        if t in NUM_TYPES or t == V128:
            options += [self.v_op] * 4
            if ctx.memory is not None:
                options.append(self.v_load)
                if t == V128:
                    options.append(self.v_load_lane)
        if t in self.locals:
            options.append(self.v_local_tee)
        options.append(self.v_select)
        if any(t in sig.results for sig in ctx.func_sigs):
            options += [self.v_call, self.v_call_indirect] if ctx.tables_of(FUNCREF) else [self.v_call]
        if len(self.frames) < MAX_BLOCK_DEPTH:
            options += [self.v_block, self.v_if, self.v_loop]
        refs = ctx.features.reference_types
        if t == I32:
            if ctx.memory is not None:
                options += [self.v_memory_size, self.v_memory_grow]
            if refs:
                options.append(self.v_ref_is_null)
                if ctx.tables:
                    options += [self.v_table_size, self.v_table_grow]
        if t == FUNCREF and ctx.features.bulk_memory:  # ref.func needs the declarative segment
            options.append(self.v_ref_func)
        if t in (FUNCREF, EXTERNREF) and ctx.tables_of(t):
            options.append(self.v_table_get)
        return options

    def _zero(self, t: int) -> tuple:
        if t in _CONST:
            return (_CONST[t], 0)
        return (OP["ref.null"], t)

    def leaf(self, t: int) -> None:
        """A constant, or a local or global of type ``t`` (the simplest is the constant)."""
        sources = [None] + [("local", i) for i, lt in enumerate(self.locals) if lt == t]
        sources += [("global", i) for i, g in enumerate(self.ctx.globals) if g.valtype == t]
        src = self.c.choice(sources) if self.c.flag(0.4) else None
        if src is not None:
            self.emit(OP[f"{src[0]}.get"], src[1])
        elif t in _CONST:
            self.emit(*const_instr(t, self.c.value(t)))
        else:
            self.emit(OP["ref.null"], t)

    def v_op(self, t: int) -> None:
        op, params = self.c.choice(self._ops_by_result[t])
        for p in params:
            self.value(p)
        self.apply(op, t)

    def v_local_tee(self, t: int) -> None:
        idx = self.c.choice([i for i, lt in enumerate(self.locals) if lt == t])
        self.value(t)
        self.emit(OP["local.tee"], idx)

    def v_select(self, t: int) -> None:
        self.value(t)
        self.value(t)
        self.value(I32)
        typed = t in REF_TYPES or (self.ctx.features.reference_types and self.c.flag(0.3))
        if typed:
            self.emit(OP["select_t"], (t,))
        else:
            self.emit(OP["select"])

    def v_load(self, t: int) -> None:
        op, size = self.c.choice(_LOADS_BY_TYPE[t] if t != V128 else _SIMD_LOADS)
        self.address(size)
        self.emit(op, self.memarg(size))

    def v_load_lane(self, t: int) -> None:
        op, size = self.c.choice(_SIMD_LANE_LOADS)
        self.address(size)
        self.value(V128)
        self.emit(op, (*self.memarg(size), self.c.integer(0, SIMD_LANES[op] - 1)))

    def v_call(self, t: int) -> None:
        f = self.c.choice([i for i, sig in enumerate(self.ctx.func_sigs) if t in sig.results])
        sig = self.ctx.func_sigs[f]
        for p in sig.params:
            self.value(p)
        self.emit(OP["call"], f)
        self.keep_one(sig.results, t)

    def v_call_indirect(self, t: int) -> None:
        sig = self._call_indirect(lambda s: t in s.results)
        self.keep_one(sig.results, t)

    def _call_indirect(self, wanted: Callable[[FuncSig], bool]) -> FuncSig:
        """call_indirect of a signature accepted by ``wanted`` (among the functions so far); returns it.

        Usually through a slot of a table the builder fills: the slot is
        recorded with the signature, and the builder puts a function of that
        signature there (the first request for a slot wins; the body may also
        change the table before the call).  At an edge, any slot of any
        funcref table, so null slots and signature mismatches are exercised too.
        """
        ctx = self.ctx
        sig = self.c.choice([s for s in ctx.func_sigs if wanted(s)])
        for p in sig.params:
            self.value(p)
        if ctx.filled_tables and not self.edge():
            table = self.c.choice(sorted(ctx.filled_tables))
            slot = self.c.integer(0, ctx.tables[table].limits.min - 1)
            ctx.slot_requests.setdefault((table, slot), sig)
            self.emit(OP["i32.const"], slot)
        else:
            table = self.c.choice(ctx.tables_of(FUNCREF))
            self.table_index(table)
        self.emit(OP["call_indirect"], (ctx.type_index(sig), table))
        return sig

    def keep_one(self, results: tuple[int, ...], t: int) -> None:
        """Reduce a call's results on the stack to the last one of type ``t``."""
        pos = len(results) - 1 - results[::-1].index(t)
        for _ in range(len(results) - 1 - pos):
            self.emit(OP["drop"])
        if pos:
            keep = self.scratch(t, "keep")
            self.emit(OP["local.set"], keep)
            for _ in range(pos):
                self.emit(OP["drop"])
            self.emit(OP["local.get"], keep)

    def v_block(self, t: int) -> None:
        self.structured("block", (t,))

    def v_loop(self, t: int) -> None:
        self.structured("loop", (t,))

    def v_if(self, t: int) -> None:
        self.structured("if", (t,))

    def structured(self, kind: str, results: tuple[int, ...]) -> tuple[int, ...]:
        """A block/loop/if whose results start with ``results``; extra results are dropped again.

        With multi-value, the block type may be a type index with parameters
        (generated before the block) and extra results.
        """
        params: tuple[int, ...] = ()
        extra: tuple[int, ...] = ()
        if self.ctx.features.multi_value and self.c.flag(0.3):
            params = tuple(self.c.choice(self._value_types) for _ in range(self.c.integer(0, 2)))
            extra = tuple(self.c.choice(self._value_types) for _ in range(self.c.integer(0, 1)))
        full = results + extra
        if params or len(full) > 1:
            bt = self.ctx.type_index(FuncSig(params, full))
        else:
            bt = full[0] - 0x80 if full else BLOCK_EMPTY
        for p in params:
            self.value(p)
        if kind == "if":
            self.value(I32)
        self.emit(OP[kind], bt)
        self._block_body(kind, params, full)
        if kind == "if" and (params != full or self.c.flag(0.7)):
            self.emit(OP["else"])
            self._block_body(kind, params, full)
        self.emit(OP["end"])
        for _ in extra:
            self.emit(OP["drop"])
        return results

    def _block_body(self, kind: str, params: tuple[int, ...], results: tuple[int, ...]) -> None:
        frame = Frame(kind, params, results)
        self.frames.append(frame)
        saved_depth, self.depth = self.depth, 0
        try:
            self.body(frame)
        finally:
            self.depth = saved_depth
            self.frames.pop()

    def v_memory_size(self, t: int) -> None:
        self.emit(OP["memory.size"])

    def v_memory_grow(self, t: int) -> None:
        self.small_count((0, 1, 2, 11))
        self.emit(OP["memory.grow"])

    def v_ref_is_null(self, t: int) -> None:
        self.value(self.c.choice((FUNCREF, EXTERNREF)))
        self.emit(OP["ref.is_null"])

    def v_table_size(self, t: int) -> None:
        self.emit(OP["table.size"], self.c.integer(0, len(self.ctx.tables) - 1))

    def v_table_grow(self, t: int) -> None:
        table = self.c.integer(0, len(self.ctx.tables) - 1)
        self.value(self.ctx.tables[table].elem)
        self.small_count((0, 1, 3, 1000))
        self.emit(OP["table.grow"], table)

    def v_ref_func(self, t: int) -> None:
        self.emit(OP["ref.func"], self.c.integer(0, len(self.ctx.func_sigs) - 1))

    def v_table_get(self, t: int) -> None:
        table = self.c.choice(self.ctx.tables_of(t))
        self.table_index(table)
        self.emit(OP["table.get"], table)

    # -- operands at the edges -----------------------------------------------------------
    # Each memory/table operand is at an edge (likely out of bounds) with probability EDGE_P only:
    # a call stops at its first trap, so edges everywhere would leave the rest of the body unexecuted.

    def edge(self) -> bool:
        return self.c.flag(EDGE_P)

    def small_count(self, choices: tuple[int, ...]) -> None:
        """An i32 count/delta: a small constant, at an edge the last (largest) choice or any expression."""
        if not self.edge():
            self.emit(OP["i32.const"], self.c.choice(choices[:-1]))
        elif self.c.flag(0.5):
            self.emit(OP["i32.const"], choices[-1])
        else:
            self.value(I32)

    def count(self, n: int) -> None:
        """The element/byte count ``n`` of a bulk operation, or at an edge one more (usually out of bounds)."""
        self.emit(OP["i32.const"], n + 1 if self.edge() else n)

    def address(self, size: int) -> None:
        """An i32 address: low, computed and masked into range, or at an edge (the end of memory, anything)."""
        mem_bytes = self.ctx.memory[0] * 65536 if self.ctx.memory else 0
        if self.edge():
            if self.c.flag(0.5):
                addr = (mem_bytes - size + self.c.integer(-2, 2)) & 0xFFFF_FFFF
                self.emit(OP["i32.const"], addr - (1 << 32) if addr >= 1 << 31 else addr)
            else:
                self.value(I32)
        elif self.c.flag(0.3):
            self.value(I32)
            self.emit(OP["i32.const"], self.c.choice((0xFF, 0x3FF, 0xFFF8)))
            self.emit(OP["i32.and"])
        else:
            self.emit(OP["i32.const"], self.c.choice((0, 1, 4, 8, 100, 1024)))

    def memarg(self, size: int) -> tuple[int, int]:
        """Alignment up to natural; offset small, or at an edge (end of memory, 2**31, 2**32-1)."""
        mem_bytes = self.ctx.memory[0] * 65536 if self.ctx.memory else 0
        natural = _ALIGN_LOG2[size]
        align = natural - self.c.integer(0, natural)
        if self.edge():
            offset = self.c.choice((65535, 65536, max(0, mem_bytes - size), mem_bytes, 0x7FFF_FFFF, 0xFFFF_FFFF))
        else:
            offset = self.c.choice((0, 1, 3, 8, 255, 4096))
        return align, offset

    def table_index(self, table: int, span: int = 1) -> None:
        """An element index with ``span`` elements in bounds after it, or at an edge (the size, anything)."""
        size = self.ctx.tables[table].limits.min
        if size >= span and not self.edge():
            self.emit(OP["i32.const"], self.c.integer(0, size - span))
        elif self.c.flag(0.5):
            self.emit(OP["i32.const"], size)
        else:
            self.value(I32)

    # -- statements -----------------------------------------------------------------------
    def statement(self, frame: Frame) -> None:
        self.c.choice(self._statement_options())(frame)

    def _statement_options(self) -> list[Callable[[Frame], None]]:
        ctx = self.ctx
        bulk, refs = ctx.features.bulk_memory, ctx.features.reference_types
        options: list[Callable[[Frame], None]] = [self.s_nop, self.s_local_set, self.s_drop, self.s_call]
        if any(g.mutable for g in ctx.globals):
            options.append(self.s_global_set)
        if ctx.memory is not None:
            options += [self.s_store, self.s_store]
            if bulk:
                options += [self.s_memory_fill, self.s_memory_copy]
                if ctx.datas:
                    options += [self.s_memory_init, self.s_data_drop]
        if ctx.tables_of(FUNCREF):
            options.append(self.s_call_indirect)
        if refs and ctx.tables:
            options += [self.s_table_set, self.s_table_fill]
        if bulk and ctx.tables:
            options.append(self.s_table_copy)
            if ctx.elems:
                options += [self.s_table_init, self.s_elem_drop]
        if len(self.frames) < MAX_BLOCK_DEPTH:
            options += [self.s_block, self.s_block]
        options += [self.s_br, self.s_br_if, self.s_br_if, self.s_br_table, self.s_return, self.s_unreachable]
        return options

    def s_nop(self, frame: Frame) -> None:
        self.emit(OP["nop"])

    def s_local_set(self, frame: Frame) -> None:
        if not self.locals:
            self.emit(OP["nop"])
            return
        idx = self.c.integer(0, len(self.locals) - 1)
        self.value(self.locals[idx])
        self.emit(OP["local.set"], idx)

    def s_global_set(self, frame: Frame) -> None:
        idx = self.c.choice([i for i, g in enumerate(self.ctx.globals) if g.mutable])
        self.value(self.ctx.globals[idx].valtype)
        self.emit(OP["global.set"], idx)

    def s_drop(self, frame: Frame) -> None:
        self.value(self.c.choice(self._value_types))
        self.emit(OP["drop"])

    def s_call(self, frame: Frame) -> None:
        f = self.c.integer(0, len(self.ctx.func_sigs) - 1)
        sig = self.ctx.func_sigs[f]
        for p in sig.params:
            self.value(p)
        self.emit(OP["call"], f)
        frame.stack.extend(sig.results)

    def s_call_indirect(self, frame: Frame) -> None:
        frame.stack.extend(self._call_indirect(lambda s: True).results)

    def s_store(self, frame: Frame) -> None:
        op, t, size = self.c.choice(self._stores)
        self.address(size)
        self.value(t)
        memarg = self.memarg(size)
        self.emit(op, (*memarg, self.c.integer(0, SIMD_LANES[op] - 1)) if op in SIMD_LANES else memarg)

    def s_memory_fill(self, frame: Frame) -> None:
        self.address(1)
        self.value(I32)
        self.small_count(_SMALL_LENGTHS)
        self.emit(OP["memory.fill"])

    def s_memory_copy(self, frame: Frame) -> None:
        self.address(1)
        self.address(1)
        self.small_count(_SMALL_LENGTHS)
        self.emit(OP["memory.copy"])

    def s_memory_init(self, frame: Frame) -> None:
        """memory.init, mostly within a segment that is still there (passive: active ones are dropped)."""
        seg = self._segment(self.ctx.datas)
        length = len(self.ctx.datas[seg].init) if self.ctx.datas[seg].mode == SegmentMode.PASSIVE else 0
        n = self.c.integer(0, length)
        self.address(1)
        self.emit(OP["i32.const"], self.c.integer(0, length - n))
        self.count(n)
        self.emit(OP["memory.init"], seg)

    def _segment(self, segments: list) -> int:
        """A segment index, usually of a passive segment (the only kind bulk operations can read)."""
        passive = [i for i, seg in enumerate(segments) if seg.mode == SegmentMode.PASSIVE]
        if passive and not self.edge():
            return self.c.choice(passive)
        return self.c.integer(0, len(segments) - 1)

    def s_data_drop(self, frame: Frame) -> None:
        self.emit(OP["data.drop"], self.c.integer(0, len(self.ctx.datas) - 1))

    def s_table_set(self, frame: Frame) -> None:
        table = self.c.integer(0, len(self.ctx.tables) - 1)
        self.table_index(table)
        self.value(self.ctx.tables[table].elem)
        self.emit(OP["table.set"], table)

    def s_table_fill(self, frame: Frame) -> None:
        table = self.c.integer(0, len(self.ctx.tables) - 1)
        n = self.c.integer(0, min(3, self.ctx.tables[table].limits.min))
        self.table_index(table, n)
        self.value(self.ctx.tables[table].elem)
        self.count(n)
        self.emit(OP["table.fill"], table)

    def s_table_copy(self, frame: Frame) -> None:
        dst = self.c.integer(0, len(self.ctx.tables) - 1)
        elem = self.ctx.tables[dst].elem
        src = self.c.choice(self.ctx.tables_of(elem))
        n = self.c.integer(0, min(3, self.ctx.tables[dst].limits.min, self.ctx.tables[src].limits.min))
        self.table_index(dst, n)
        self.table_index(src, n)
        self.count(n)
        self.emit(OP["table.copy"], (dst, src))

    def s_table_init(self, frame: Frame) -> None:
        """table.init, mostly from a passive segment of the table's type and within both."""
        table = self.c.integer(0, len(self.ctx.tables) - 1)
        elem = self.ctx.tables[table].elem
        matching = [seg for seg in self.ctx.elems if seg.elem_type == elem]
        if not matching:
            self.emit(OP["nop"])
            return
        seg = self.ctx.elems.index(matching[self._segment(matching)])
        segment = self.ctx.elems[seg]
        length = len(segment.init) if segment.mode == SegmentMode.PASSIVE else 0
        n = self.c.integer(0, min(length, self.ctx.tables[table].limits.min))
        self.table_index(table, n)
        self.emit(OP["i32.const"], self.c.integer(0, length - n))
        self.count(n)
        self.emit(OP["table.init"], (seg, table))

    def s_elem_drop(self, frame: Frame) -> None:
        self.emit(OP["elem.drop"], self.c.integer(0, len(self.ctx.elems) - 1))

    def s_block(self, frame: Frame) -> None:
        """A nested block/loop/if as a statement; its results join the modelled stack."""
        kind = self.c.choice(("block", "loop", "if"))
        results = tuple(self.c.choice(self._value_types) for _ in range(self.c.integer(0, 1)))
        frame.stack.extend(self.structured(kind, results))

    # -- branches ---------------------------------------------------------------------------
    def _target(self) -> int:
        """Index (into ``self.frames``) of a branch target, innermost first when simplest."""
        return len(self.frames) - 1 - self.c.integer(0, len(self.frames) - 1)

    def _depth_of(self, index: int) -> int:
        return len(self.frames) - 1 - index

    def s_br(self, frame: Frame) -> None:
        target = self._target()
        if self.frames[target].kind == "loop":
            self.loop_branch(target, conditional=False)
            return
        for t in self.frames[target].label_types():
            self.value(t)
        self.emit(OP["br"], self._depth_of(target))
        frame.closed = True

    def s_br_if(self, frame: Frame) -> None:
        target = self._target()
        if self.frames[target].kind == "loop":
            self.loop_branch(target, conditional=True)
            return
        types = self.frames[target].label_types()
        for t in types:
            self.value(t)
        self.value(I32)
        self.emit(OP["br_if"], self._depth_of(target))
        frame.stack.extend(types)

    def s_br_table(self, frame: Frame) -> None:
        """br_table over forward (non-loop) labels that share the default target's types."""
        default = self._target()
        if self.frames[default].kind == "loop":
            self.loop_branch(default, conditional=False)
            return
        types = self.frames[default].label_types()
        same = [i for i, f in enumerate(self.frames) if f.kind != "loop" and f.label_types() == types]
        targets = [self.c.choice(same) for _ in range(self.c.integer(0, 4))]
        for t in types:
            self.value(t)
        if self.c.flag(0.3):
            self.value(I32)
        else:
            self.emit(OP["i32.const"], self.c.integer(0, len(targets) + 1))
        self.emit(OP["br_table"], (tuple(self._depth_of(i) for i in targets), self._depth_of(default)))
        frame.closed = True

    def loop_branch(self, target: int, *, conditional: bool) -> None:
        """Branch back to a loop only while loop fuel lasts (spending one unit): loops always end."""
        lf = self.ctx.loop_fuel_global
        opened = 0
        if conditional:
            self.value(I32)
            self.emit(OP["if"], BLOCK_EMPTY)
            self.frames.append(Frame("if", (), ()))
            opened += 1
        self.emit(OP["global.get"], lf)
        self.emit(OP["if"], BLOCK_EMPTY)
        self.frames.append(Frame("if", (), ()))
        opened += 1
        self.emit(OP["global.get"], lf)
        self.emit(OP["i32.const"], 1)
        self.emit(OP["i32.sub"])
        self.emit(OP["global.set"], lf)
        for t in self.frames[target].params:
            self.value(t)
        self.emit(OP["br"], self._depth_of(target))
        for _ in range(opened):
            self.frames.pop()
            self.emit(OP["end"])

    def s_return(self, frame: Frame) -> None:
        for t in self.sig.results:
            self.value(t)
        self.emit(OP["return"])
        frame.closed = True

    def s_unreachable(self, frame: Frame) -> None:
        # rare on purpose: a trap ends the call, which hides everything after it
        if self.c.flag(0.05):
            self.emit(OP["unreachable"])
            frame.closed = True
        else:
            self.emit(OP["nop"])


def const_instr(t: int, bits: int) -> tuple:
    """The ``*.const`` instruction for raw ``bits`` (integer immediates are signed in the AST,
    a v128's are its unsigned 128 bits)."""
    if t == I32 and bits >= 1 << 31:
        bits -= 1 << 32
    elif t == I64 and bits >= 1 << 63:
        bits -= 1 << 64
    return (_CONST[t], bits)


def fuel_reset_code(ctx: ModuleContext) -> list[tuple]:
    """The wrapper prologue that gives an exported call its full loop and call fuel."""
    return [
        (OP["i32.const"], LOOP_FUEL), (OP["global.set"], ctx.loop_fuel_global),
        (OP["i32.const"], CALL_FUEL), (OP["global.set"], ctx.call_fuel_global),
    ]
