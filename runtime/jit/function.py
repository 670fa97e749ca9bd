"""Compiles one validated wasm function body to an LLVM function.

The body is translated in one pass over the flat instruction list, keeping the
wasm operand stack as a Python list of LLVM values and the control stack as a
list of ``_Frame``.  Block results, loop parameters and locals live in allocas;
LLVM's mem2reg/SROA turn them into SSA values, which keeps this translator
simple without costing speed.

Safety does not rest on LLVM: every memory and table access is bounds-checked,
every operation LLVM leaves undefined is guarded (see ``numeric``), the prologue
compares the frame address with the store's stack limit (so recursion traps as
STACK_OVERFLOW), and functions carry "disable-tail-calls" so LLVM cannot turn
unbounded recursion into a loop that never reaches that check.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from llvmlite import ir

from ..errors import TrapCode
from ..syntax import opcodes as O
from ..syntax import types as T
from ..syntax.ast import Func
from . import abi
from .llvmtypes import I1, I8, I32, I64, LLTYPE, PTR, intrinsic, pack_results, unpack_results, zero
from .numeric import emit_numeric
from .simd import emit_simd
from .fastir import IRBuilder, const
from .trampolines import Callee

OP = O.OP
_LOAD, _STORE, _NUMERIC, _FD = O.LOAD, O.STORE, O.NUMERIC, O.FD

#: operators that cost no fuel, as in wasmtime
_FREE_OPS = frozenset(OP[n] for n in (
    "nop", "drop", "block", "loop", "unreachable", "return", "else", "end"))

# opcodes used in the dispatch loop, bound once
(_BLOCK, _LOOP, _IF, _ELSE, _END, _BR, _BR_IF, _BR_TABLE, _RETURN, _CALL,
 _CALL_INDIRECT, _UNREACHABLE, _NOP, _DROP, _SELECT, _SELECT_T, _LOCAL_GET,
 _LOCAL_SET, _LOCAL_TEE, _GLOBAL_GET, _GLOBAL_SET) = (OP[n] for n in (
    "block", "loop", "if", "else", "end", "br", "br_if", "br_table", "return", "call",
    "call_indirect", "unreachable", "nop", "drop", "select", "select_t", "local.get",
    "local.set", "local.tee", "global.get", "global.set"))
_CONSTS = {OP["i32.const"]: I32, OP["i64.const"]: I64}
_FCONSTS = {OP["f32.const"]: (I32, LLTYPE[T.F32]), OP["f64.const"]: (I64, LLTYPE[T.F64])}


@dataclass
class _Frame:
    kind: int                      # _BLOCK, _LOOP, _IF, or -1 for the function body
    params: tuple[int, ...]
    results: tuple[int, ...]
    height: int                    # operand stack height below the params
    label: ir.Block | None         # branch target (loop header, or end block)
    label_slots: list = field(default_factory=list)   # where branch values go
    result_slots: list = field(default_factory=list)
    end: ir.Block | None = None
    else_block: ir.Block | None = None
    param_values: list = field(default_factory=list)  # an if's params, for its else arm
    unreachable: bool = False

    @property
    def label_types(self) -> tuple[int, ...]:
        return self.params if self.kind == _LOOP else self.results


@dataclass(frozen=True)
class CodegenOptions:
    fuel: bool = False
    epoch: bool = False


class FunctionCompiler:
    """Translates one function; ``ctx`` is the owning ``ModuleCompiler``."""

    def __init__(self, ctx, func_index: int, func: Func, fn: ir.Function):
        self.ctx = ctx
        self.func = func
        self.fn = fn
        self.sig = ctx.func_sig(func_index)
        self.opts: CodegenOptions = ctx.opts
        self.vmctx = fn.args[0]
        self._trap_blocks: dict[int, ir.Block] = {}
        self._entry_values: dict = {}
        self._fuel_pending = 0

    # -- small emitters -------------------------------------------------------
    def _slot(self, base: ir.Value, index: int, ty=I64, name: str = "") -> ir.Value:
        """Load 64-bit slot ``index`` of the array at ``base``."""
        ptr = self.b.gep(base, [const(I64, index)], source_etype=I64) if index else base
        return self.b.load(ptr, typ=ty, name=name)

    def _slot_ptr(self, base: ir.Value, index) -> ir.Value:
        if isinstance(index, int):
            index = const(I64, index)
        return self.b.gep(base, [index], source_etype=I64)

    def _entry(self, key, make):
        """A value computed once in the entry block (vmctx data never moves)."""
        v = self._entry_values.get(key)
        if v is None:
            saved, self.b = self.b, self._eb
            try:
                v = make()
            finally:
                self.b = saved
            self._entry_values[key] = v
        return v

    def _vm(self, slot: int) -> ir.Value:
        return self._entry(("vm", slot), lambda: self._slot(self.vmctx, slot, PTR))

    def _trap_block(self, code: int) -> ir.Block:
        blk = self._trap_blocks.get(code)
        if blk is None:
            blk = self.fn.append_basic_block(f"trap{code}")
            saved = self.b.block
            self.b.position_at_end(blk)
            if code != 0:  # code 0: a callee already stored its trap; just unwind
                self.b.store(const(I64, code), self.store_ctx)
            self._ret_zero()
            self.b.position_at_end(saved)
            self._trap_blocks[code] = blk
        return blk

    def _ret_zero(self) -> None:
        rt = self.fn.function_type.return_type
        if isinstance(rt, ir.VoidType):
            self.b.ret_void()
        else:
            self.b.ret(zero(rt))

    def trap_if(self, cond: ir.Value, code: TrapCode) -> None:
        """Branch to a trap when ``cond``; continue in a fresh block otherwise."""
        cont = self.fn.append_basic_block()
        br = self.b.cbranch(cond, self._trap_block(abi.native_trap(code)), cont)
        br.set_weights([1, 1 << 20])
        self.b.position_at_end(cont)

    def _check_callee_trap(self) -> None:
        t = self.b.load(self.store_ctx, typ=I64)
        cont = self.fn.append_basic_block()
        br = self.b.cbranch(self.b.icmp_unsigned("!=", t, const(I64, 0)),
                            self._trap_block(0), cont)
        br.set_weights([1, 1 << 20])
        self.b.position_at_end(cont)

    # -- fuel and interruption ----------------------------------------------
    def _flush_fuel(self) -> None:
        if not self.opts.fuel or self._fuel_pending == 0:
            return
        ptr = self._entry(("sc", abi.SC_FUEL), lambda: self._slot_ptr(self.store_ctx, abi.SC_FUEL))
        left = self.b.sub(self.b.load(ptr, typ=I64), const(I64, self._fuel_pending))
        self.b.store(left, ptr)
        self._fuel_pending = 0
        self.trap_if(self.b.icmp_signed("<", left, const(I64, 0)), TrapCode.OUT_OF_FUEL)

    def _check_epoch(self) -> None:
        if not self.opts.epoch:
            return
        epoch_ptr = self._entry(("epoch",), lambda: self._slot(self.store_ctx, abi.SC_EPOCH_PTR, PTR))
        now = self.b.load_atomic(epoch_ptr, "monotonic", 8, typ=I64)
        deadline = self._slot(self.store_ctx, abi.SC_EPOCH_DEADLINE)
        self.trap_if(self.b.icmp_unsigned(">=", now, deadline), TrapCode.INTERRUPT)

    # -- memory ---------------------------------------------------------------
    def _reload_memory(self) -> None:
        if self.mem_base is None:
            return
        memdef = self._vm(abi.VM_MEMORY)
        self.b.store(self._slot(memdef, abi.MEM_BASE, PTR), self.mem_base)
        self.b.store(self._slot(memdef, abi.MEM_SIZE), self.mem_size)

    def _mem_addr(self, addr32: ir.Value, offset: int, size: int) -> ir.Value:
        """Bounds-checked native address for an access of ``size`` bytes."""
        ea = self.b.zext(addr32, I64)
        end = self.b.add(ea, const(I64, offset + size))
        limit = self.b.load(self.mem_size, typ=I64)
        self.trap_if(self.b.icmp_unsigned(">", end, limit), TrapCode.MEMORY_OUT_OF_BOUNDS)
        if offset:
            ea = self.b.add(ea, const(I64, offset))
        base = self.b.load(self.mem_base, typ=PTR)
        return self.b.gep(base, [ea], source_etype=I8)

    def _range_check(self, start: ir.Value, n: ir.Value, limit: ir.Value, code: TrapCode) -> None:
        """Trap unless start + n <= limit (all i64, start/n zero-extended from u32)."""
        self.trap_if(self.b.icmp_unsigned(">", self.b.add(start, n), limit), code)

    def _memcpy(self, name: str, dst: ir.Value, src_or_val: ir.Value, n: ir.Value) -> None:
        mod = self.fn.module
        if name == "memset":
            f = intrinsic(mod, "llvm.memset.p0.i64", ir.VoidType(), [PTR, I8, I64, I1])
        else:
            f = intrinsic(mod, f"llvm.{name}.p0.p0.i64", ir.VoidType(), [PTR, PTR, I64, I1])
        self.b.call(f, [dst, src_or_val, n, const(I1, 0)])

    # -- tables ---------------------------------------------------------------
    def _tabdef(self, t: int) -> ir.Value:
        return self._entry(("tab", t), lambda: self._slot(self._vm(abi.VM_TABLES), t, PTR))

    def _table_elem_ptr(self, t: int, idx32: ir.Value) -> ir.Value:
        tab = self._tabdef(t)
        i = self.b.zext(idx32, I64)
        size = self._slot(tab, abi.TAB_SIZE)
        self.trap_if(self.b.icmp_unsigned(">=", i, size), TrapCode.TABLE_OUT_OF_BOUNDS)
        return self._slot_ptr(self._slot(tab, abi.TAB_ELEMS, PTR), i)

    def _seg(self, vm_slot: int, idx: int) -> tuple[ir.Value, ir.Value]:
        """(data pointer, pointer to length) of a passive data/elem segment."""
        segs = self._vm(vm_slot)
        return (self._slot(segs, 2 * idx, PTR), self._slot_ptr(segs, 2 * idx + 1))

    # -- calls ----------------------------------------------------------------
    def _call_through(self, fr_ptr: ir.Value, sig: T.FuncSig) -> None:
        """Call the function a FuncRef* points at."""
        code = self._slot(fr_ptr, abi.FR_CODE, PTR)
        ctx = self._slot(fr_ptr, abi.FR_VMCTX, PTR)
        n = len(sig.params)
        args = self.stack[len(self.stack) - n:] if n else []
        del self.stack[len(self.stack) - n:]
        fnty = self.ctx.fn_type(sig)
        caller = self._entry(("sc", abi.SC_CALLER), lambda: self._slot_ptr(self.store_ctx, abi.SC_CALLER))
        self.b.store(self.b.ptrtoint(self.vmctx, I64), caller)
        r = self.b.call(Callee(code, fnty), [ctx] + args)
        self._check_callee_trap()
        self._reload_memory()
        self._push_results(r, sig.results)

    def _push_results(self, r: ir.Value, results: tuple[int, ...]) -> None:
        if len(results) == 1:
            self.stack.append(r)
        elif len(results) > 1:
            self.stack.extend(unpack_results(self.b, r, results))

    def _ret(self, values: list) -> None:
        self._flush_fuel()
        rt = self.fn.function_type.return_type
        if isinstance(rt, ir.VoidType):
            self.b.ret_void()
        elif len(values) == 1:
            self.b.ret(values[0])
        else:
            self.b.ret(pack_results(self.b, values, self.sig.results))

    # -- control --------------------------------------------------------------
    def _slots(self, types: tuple[int, ...]) -> list:
        return [self._eb.alloca(LLTYPE[t]) for t in types]

    def _branch(self, depth: int) -> None:
        """Jump to the label ``depth`` frames out, passing its values from the stack top."""
        frame = self.frames[-1 - depth]
        n = len(frame.label_types)
        values = self.stack[len(self.stack) - n:] if n else []
        if frame.kind == -1:
            self._ret(values)
            return
        for v, slot in zip(values, frame.label_slots):
            self.b.store(v, slot)
        self.b.branch(frame.label)

    def _block_type(self, bt: int) -> tuple[tuple[int, ...], tuple[int, ...]]:
        if bt == T.BLOCK_EMPTY:
            return (), ()
        vt = T.blocktype_valtype(bt)
        if vt is not None:
            return (), (vt,)
        sig = self.ctx.module.types[bt]
        return sig.params, sig.results

    def _push_frame(self, kind: int, bt: int) -> _Frame:
        params, results = self._block_type(bt)
        height = len(self.stack) - len(params)
        end = self.fn.append_basic_block("end")
        result_slots = self._slots(results)
        frame = _Frame(kind, params, results, height, end, result_slots, result_slots, end)
        if kind == _LOOP:
            header = self.fn.append_basic_block("loop")
            frame.label = header
            frame.label_slots = self._slots(params)
            for v, slot in zip(self.stack[height:], frame.label_slots):
                self.b.store(v, slot)
            del self.stack[height:]
            self.b.branch(header)
            self.b.position_at_end(header)
            for slot, t in zip(frame.label_slots, params):
                self.stack.append(self.b.load(slot, typ=LLTYPE[t]))
            self._check_epoch()
        self.frames.append(frame)
        return frame

    def _end_frame(self, frame: _Frame) -> None:
        """Fall through to the frame's end and continue there with its results."""
        if not frame.unreachable:
            n = len(frame.results)
            for v, slot in zip(self.stack[len(self.stack) - n:], frame.result_slots):
                self.b.store(v, slot)
            self.b.branch(frame.end)
        if frame.else_block is not None:  # an if without else: params pass through
            self.b.position_at_end(frame.else_block)
            for v, slot in zip(frame.param_values, frame.result_slots):
                self.b.store(v, slot)
            self.b.branch(frame.end)
        del self.stack[frame.height:]
        self.b.position_at_end(frame.end)
        for slot, t in zip(frame.result_slots, frame.results):
            self.stack.append(self.b.load(slot, typ=LLTYPE[t]))

    # -- the translation --------------------------------------------------------
    def compile(self) -> None:
        fn = self.fn
        fn.attributes.extend(("nounwind", '"disable-tail-calls"="true"'))
        entry = fn.append_basic_block("entry")
        body = fn.append_basic_block("body")
        self.b = b = IRBuilder(entry, fn)
        self.store_ctx = b.load(self.vmctx, typ=PTR, name="store")
        self._entry_term = b.branch(body)
        self._eb = IRBuilder(entry, fn)
        self._eb.position_before(self._entry_term)
        b.position_at_end(body)

        # locals: params first, then declared locals zero-initialised
        self.locals = []
        self.local_types = list(self.sig.params)
        for count, t in self.func.locals:
            self.local_types.extend([t] * count)
        eb = self._eb
        for i, t in enumerate(self.local_types):
            slot = eb.alloca(LLTYPE[t])
            eb.store(fn.args[i + 1] if i < len(self.sig.params) else zero(LLTYPE[t]), slot)
            self.locals.append(slot)
        self.mem_base = self.mem_size = None
        if self.ctx.has_memory:
            self.mem_base = eb.alloca(PTR, name="membase")
            self.mem_size = eb.alloca(I64, name="memsize")

        # prologue: stack limit, memory cache, interruption
        fa = b.call(intrinsic(fn.module, "llvm.frameaddress.p0", PTR, [I32]), [const(I32, 0)])
        limit = self._slot(self.store_ctx, abi.SC_STACK_LIMIT)
        self.trap_if(b.icmp_unsigned("<", b.ptrtoint(fa, I64), limit), TrapCode.STACK_OVERFLOW)
        self._reload_memory()
        self._check_epoch()

        self.stack: list = []
        self.frames: list[_Frame] = [_Frame(-1, (), self.sig.results, 0, None)]
        self._translate()

    def _translate(self) -> None:  # noqa: C901 - one dispatch loop, by design
        b = self.b
        stack = self.stack
        frames = self.frames
        fuel = self.opts.fuel
        skip = 0  # nesting depth of blocks inside dead code
        for op, imm in self.func.body:
            frame = frames[-1]
            if frame.unreachable:
                if op == _BLOCK or op == _LOOP or op == _IF:
                    skip += 1
                    continue
                if op == _END and skip:
                    skip -= 1
                    continue
                if skip or (op != _END and op != _ELSE):
                    continue
            if fuel and op not in _FREE_OPS:
                self._fuel_pending += 1

            if op in _NUMERIC:
                n = len(_NUMERIC[op][0])
                args = stack[len(stack) - n:]
                del stack[len(stack) - n:]
                stack.append(emit_numeric(b, op, args, self.trap_if))
            elif op == _LOCAL_GET:
                stack.append(b.load(self.locals[imm], typ=LLTYPE[self.local_types[imm]]))
            elif op == _LOCAL_SET:
                b.store(stack.pop(), self.locals[imm])
            elif op == _LOCAL_TEE:
                b.store(stack[-1], self.locals[imm])
            elif op in _CONSTS:
                stack.append(const(_CONSTS[op], imm))
            elif op in _FCONSTS:
                ity, fty = _FCONSTS[op]
                stack.append(b.bitcast(const(ity, imm), fty))
            elif op in _LOAD:
                self._load(op, imm)
            elif op in _STORE:
                self._store(op, imm)
            elif op == _BLOCK or op == _LOOP:
                self._flush_fuel()
                self._push_frame(op, imm)
            elif op == _IF:
                self._flush_fuel()
                cond = stack.pop()
                frame = self._push_frame(_IF, imm)
                then = self.fn.append_basic_block("then")
                frame.else_block = self.fn.append_basic_block("else")
                frame.param_values = stack[frame.height:]
                b.cbranch(b.icmp_unsigned("!=", cond, const(I32, 0)), then, frame.else_block)
                b.position_at_end(then)
            elif op == _ELSE:
                self._flush_fuel()
                if not frame.unreachable:
                    n = len(frame.results)
                    for v, slot in zip(stack[len(stack) - n:], frame.result_slots):
                        b.store(v, slot)
                    b.branch(frame.end)
                del stack[frame.height:]
                stack.extend(frame.param_values)
                b.position_at_end(frame.else_block)
                frame.else_block = None
                frame.unreachable = False
            elif op == _END:
                self._flush_fuel()
                frames.pop()
                if frame.kind == -1:
                    if not frame.unreachable:
                        n = len(frame.results)
                        self._ret(stack[len(stack) - n:] if n else [])
                    return
                self._end_frame(frame)
            elif op == _BR:
                self._flush_fuel()
                self._branch(imm)
                frame.unreachable = True
            elif op == _BR_IF:
                self._flush_fuel()
                cond = stack.pop()
                taken = self.fn.append_basic_block("br_if")
                cont = self.fn.append_basic_block()
                b.cbranch(b.icmp_unsigned("!=", cond, const(I32, 0)), taken, cont)
                b.position_at_end(taken)
                self._branch(imm)
                b.position_at_end(cont)
            elif op == _BR_TABLE:
                self._flush_fuel()
                self._br_table(*imm)
                frame.unreachable = True
            elif op == _RETURN:
                n = len(self.sig.results)
                self._ret(stack[len(stack) - n:] if n else [])
                frame.unreachable = True
            elif op == _UNREACHABLE:
                self._flush_fuel()
                b.branch(self._trap_block(abi.native_trap(TrapCode.UNREACHABLE)))
                frame.unreachable = True
            elif op == _CALL:
                self._flush_fuel()
                self._call_func(imm)
            elif op == _CALL_INDIRECT:
                self._flush_fuel()
                self._call_indirect(*imm)
            elif op == _DROP:
                stack.pop()
            elif op == _SELECT or op == _SELECT_T:
                c = stack.pop()
                v2 = stack.pop()
                v1 = stack.pop()
                stack.append(b.select(b.icmp_unsigned("!=", c, const(I32, 0)), v1, v2))
            elif op == _GLOBAL_GET:
                t = self.ctx.global_types[imm]
                stack.append(b.load(self._global_cell(imm), typ=LLTYPE[t], align=8))
            elif op == _GLOBAL_SET:  # cells are 8-byte aligned words (two for a v128)
                b.store(stack.pop(), self._global_cell(imm), align=8)
            elif op == _NOP:
                pass
            elif op & _FD:
                emit_simd(self, op, imm)
            else:
                self._misc(op, imm)

    # -- instruction families ---------------------------------------------------
    def _load(self, op: int, imm) -> None:
        t, size = _LOAD[op]
        ptr = self._mem_addr(self.stack.pop(), imm[1], size)
        lt = LLTYPE[t]
        if not isinstance(lt, ir.IntType) or size * 8 == lt.width:
            self.stack.append(self.b.load(ptr, typ=lt, align=1))
            return
        narrow = self.b.load(ptr, typ=ir.IntType(size * 8), align=1)
        signed = O.NAMES[op].endswith("_s")
        self.stack.append(self.b.sext(narrow, lt) if signed else self.b.zext(narrow, lt))

    def _store(self, op: int, imm) -> None:
        t, size = _STORE[op]
        v = self.stack.pop()
        ptr = self._mem_addr(self.stack.pop(), imm[1], size)
        lt = LLTYPE[t]
        if isinstance(lt, ir.IntType) and size * 8 != lt.width:
            v = self.b.trunc(v, ir.IntType(size * 8))
        self.b.store(v, ptr, align=1)

    def _global_cell(self, g: int) -> ir.Value:
        return self._entry(("glob", g), lambda: self._slot(self._vm(abi.VM_GLOBALS), g, PTR))

    def _call_func(self, f: int) -> None:
        sig = self.ctx.func_sig(f)
        if f >= self.ctx.num_imported_funcs:
            n = len(sig.params)
            args = self.stack[len(self.stack) - n:] if n else []
            del self.stack[len(self.stack) - n:]
            r = self.b.call(self.ctx.functions[f], [self.vmctx] + args)
            self._check_callee_trap()
            self._reload_memory()
            self._push_results(r, sig.results)
        else:
            fr = self._entry(("fr", f), lambda: self._slot(self._vm(abi.VM_FUNCS), f, PTR))
            self._call_through(fr, sig)

    def _call_indirect(self, type_idx: int, table: int) -> None:
        b = self.b
        elem_ptr = self._table_elem_ptr(table, self.stack.pop())
        word = b.load(elem_ptr, typ=I64)
        self.trap_if(b.icmp_unsigned("==", word, const(I64, 0)), TrapCode.INDIRECT_CALL_TO_NULL)
        fr = b.inttoptr(word, PTR)
        expected = self._entry(("sig", type_idx),
                               lambda: self._slot(self._vm(abi.VM_SIG_IDS), type_idx))
        actual = self._slot(fr, abi.FR_SIG)
        self.trap_if(b.icmp_unsigned("!=", actual, expected), TrapCode.BAD_SIGNATURE)
        self._call_through(fr, self.ctx.module.types[type_idx])

    def _br_table(self, labels: tuple[int, ...], default: int) -> None:
        b = self.b
        idx = self.stack.pop()
        targets: dict[int, ir.Block] = {}

        def target(depth: int) -> ir.Block:
            blk = targets.get(depth)
            if blk is None:
                blk = targets[depth] = self.fn.append_basic_block(f"brt{depth}")
            return blk

        sw = b.switch(idx, target(default))
        for i, depth in enumerate(labels):
            if depth != default:
                sw.add_case(const(I32, i), target(depth))
        for depth, blk in targets.items():
            b.position_at_end(blk)
            self._branch(depth)

    def _misc(self, op: int, imm) -> None:  # noqa: C901 - reference, table and bulk ops
        b, stack, name = self.b, self.stack, O.NAMES[op]
        c64 = lambda n: const(I64, n)  # noqa: E731
        if name == "ref.null":
            stack.append(c64(0))
        elif name == "ref.is_null":
            stack.append(b.zext(b.icmp_unsigned("==", stack.pop(), c64(0)), I32))
        elif name == "ref.func":
            fr = self._entry(("fr", imm), lambda: self._slot(self._vm(abi.VM_FUNCS), imm, PTR))
            stack.append(b.ptrtoint(fr, I64))
        elif name == "memory.size":
            size = b.load(self.mem_size, typ=I64)
            stack.append(b.trunc(b.lshr(size, c64(16)), I32))
        elif name == "memory.grow":
            self._flush_fuel()
            delta = b.zext(stack.pop(), I64)
            r = self._helper(abi.HELPER_MEMORY_GROW, [const(I64, 0), delta])
            self._reload_memory()
            stack.append(b.trunc(r, I32))
        elif name == "memory.fill":
            n, val, d = (b.zext(stack.pop(), I64), stack.pop(), b.zext(stack.pop(), I64))
            self._range_check(d, n, b.load(self.mem_size, typ=I64), TrapCode.MEMORY_OUT_OF_BOUNDS)
            base = b.load(self.mem_base, typ=PTR)
            self._memcpy("memset", b.gep(base, [d], source_etype=I8), b.trunc(val, I8), n)
        elif name == "memory.copy":
            n, s, d = (b.zext(stack.pop(), I64) for _ in range(3))
            size = b.load(self.mem_size, typ=I64)
            self._range_check(s, n, size, TrapCode.MEMORY_OUT_OF_BOUNDS)
            self._range_check(d, n, size, TrapCode.MEMORY_OUT_OF_BOUNDS)
            base = b.load(self.mem_base, typ=PTR)
            self._memcpy("memmove", b.gep(base, [d], source_etype=I8),
                         b.gep(base, [s], source_etype=I8), n)
        elif name == "memory.init":
            n, s, d = (b.zext(stack.pop(), I64) for _ in range(3))
            data, len_ptr = self._seg(abi.VM_DATAS, imm)
            self._range_check(s, n, b.load(len_ptr, typ=I64), TrapCode.MEMORY_OUT_OF_BOUNDS)
            self._range_check(d, n, b.load(self.mem_size, typ=I64), TrapCode.MEMORY_OUT_OF_BOUNDS)
            base = b.load(self.mem_base, typ=PTR)
            self._memcpy("memcpy", b.gep(base, [d], source_etype=I8),
                         b.gep(data, [s], source_etype=I8), n)
        elif name == "data.drop":
            b.store(c64(0), self._seg(abi.VM_DATAS, imm)[1])
        elif name == "elem.drop":
            b.store(c64(0), self._seg(abi.VM_ELEMS, imm)[1])
        elif name == "table.get":
            stack.append(b.load(self._table_elem_ptr(imm, stack.pop()), typ=I64))
        elif name == "table.set":
            v = stack.pop()
            b.store(v, self._table_elem_ptr(imm, stack.pop()))
        elif name == "table.size":
            stack.append(b.trunc(self._slot(self._tabdef(imm), abi.TAB_SIZE), I32))
        elif name == "table.grow":
            self._flush_fuel()
            delta = b.zext(stack.pop(), I64)
            init = stack.pop()
            r = self._helper(abi.HELPER_TABLE_GROW, [const(I64, imm), init, delta])
            stack.append(b.trunc(r, I32))
        elif name == "table.fill":
            self._table_fill(imm)
        elif name == "table.copy":
            dst_t, src_t = imm
            n, s, d = (b.zext(stack.pop(), I64) for _ in range(3))
            src, dst = self._tabdef(src_t), self._tabdef(dst_t)
            self._range_check(s, n, self._slot(src, abi.TAB_SIZE), TrapCode.TABLE_OUT_OF_BOUNDS)
            self._range_check(d, n, self._slot(dst, abi.TAB_SIZE), TrapCode.TABLE_OUT_OF_BOUNDS)
            self._memcpy("memmove", self._slot_ptr(self._slot(dst, abi.TAB_ELEMS, PTR), d),
                         self._slot_ptr(self._slot(src, abi.TAB_ELEMS, PTR), s), b.shl(n, c64(3)))
        elif name == "table.init":
            seg, t = imm
            n, s, d = (b.zext(stack.pop(), I64) for _ in range(3))
            items, len_ptr = self._seg(abi.VM_ELEMS, seg)
            tab = self._tabdef(t)
            self._range_check(s, n, b.load(len_ptr, typ=I64), TrapCode.TABLE_OUT_OF_BOUNDS)
            self._range_check(d, n, self._slot(tab, abi.TAB_SIZE), TrapCode.TABLE_OUT_OF_BOUNDS)
            self._memcpy("memcpy", self._slot_ptr(self._slot(tab, abi.TAB_ELEMS, PTR), d),
                         self._slot_ptr(items, s), b.shl(n, c64(3)))
        else:  # the validator admits nothing else; reaching here is a JIT bug
            raise AssertionError(f"JIT has no lowering for {name}")

    def _helper(self, index: int, args: list) -> ir.Value:
        """Call a runtime helper (a Python callback) and unwind if it trapped."""
        helpers = self._vm(abi.VM_HELPERS)
        fnty = ir.FunctionType(I64, [PTR] + [I64] * len(args))
        fptr = self._slot(helpers, index, PTR)
        r = self.b.call(Callee(fptr, fnty), [self.vmctx] + args)
        self._check_callee_trap()
        return r

    def _table_fill(self, t: int) -> None:
        b = self.b
        n = b.zext(self.stack.pop(), I64)
        val = self.stack.pop()
        i = b.zext(self.stack.pop(), I64)
        tab = self._tabdef(t)
        self._range_check(i, n, self._slot(tab, abi.TAB_SIZE), TrapCode.TABLE_OUT_OF_BOUNDS)
        elems = self._slot(tab, abi.TAB_ELEMS, PTR)
        end = b.add(i, n)
        pre = b.block
        head = self.fn.append_basic_block("fill")
        loop = self.fn.append_basic_block("fill.body")
        done = self.fn.append_basic_block("fill.done")
        b.branch(head)
        b.position_at_end(head)
        k = b.phi(I64)
        k.add_incoming(i, pre)
        b.cbranch(b.icmp_unsigned("<", k, end), loop, done)
        b.position_at_end(loop)
        b.store(val, self._slot_ptr(elems, k))
        k.add_incoming(b.add(k, const(I64, 1)), loop)
        b.branch(head)
        b.position_at_end(done)
