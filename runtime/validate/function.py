"""Validation of one function body: the spec appendix's algorithm, tuned for CPython.

The validator runs on every module the fuzzer produces, so the per-instruction
loop is one function: the operand stack is a plain list of value-type ints, the
current control frame and its stack height live in local variables, and every
instruction is dispatched by one dict lookup.  The common case (operands have
exactly the expected types) is decided by comparing a stack slice with the
signature list; only when that fails do we call ``_pop_vals``, the slow path
that implements unreachable polymorphism (a value popped from below the height
of an unreachable frame is ``UNKNOWN`` and matches any type) and builds the
error message.
"""
from __future__ import annotations

from ..errors import ValidationError
from ..syntax.ast import Func
from ..syntax.opcodes import OP, SIMD, SIMD_LANES, SIMD_MEM
from ..syntax.types import EXTERNREF, F32, F64, FUNCREF, I32, I64, V128, valtype_name
from .context import ModuleContext, check_valtype
from .limits import MAX_FUNCTION_LOCALS, MAX_FUNCTION_SIZE
from .optable import (
    K_BLOCK, K_BR, K_BR_IF, K_BR_TABLE, K_CALL, K_CALL_INDIRECT, K_DATA_DROP, K_DROP,
    K_ELEM_DROP, K_ELSE, K_END, K_GLOBAL_GET, K_GLOBAL_SET, K_IF, K_LOCAL_GET,
    K_LOCAL_SET, K_LOCAL_TEE, K_LOOP, K_MEMORY_INIT, K_REF_FUNC, K_REF_IS_NULL,
    K_REF_NULL, K_RETURN, K_SELECT, K_SELECT_T, K_SIMD_LANE, K_TABLE_COPY, K_TABLE_FILL,
    K_TABLE_GET, K_TABLE_GROW, K_TABLE_SET, K_TABLE_SIZE,
    K_UNREACHABLE, NO_MEM, disabled_reason,
)

#: The type of a value popped from below an unreachable frame: matches anything.
#: Falsy and distinct from every value type, so ``if t`` means "t is known".
UNKNOWN = 0

_BLOCK, _LOOP, _IF, _ELSE, _END = OP["block"], OP["loop"], OP["if"], OP["else"], OP["end"]

_I32_ONLY = [I32]
_I32_X3 = [I32, I32, I32]
#: Operand types untyped ``select`` accepts (spec: is_num / is_vec, Unknown included).
_SELECT_NUM = frozenset((I32, I64, F32, F64, UNKNOWN))
_SELECT_VEC = frozenset((V128, UNKNOWN))


class _Frame:
    """A control frame: the construct, its signature and the stack height at entry."""

    __slots__ = ("kind", "start", "end", "height", "unreachable", "labels")

    def __init__(self, kind: int, start: list, end: list, height: int, labels: list):
        self.kind = kind
        self.start = start
        self.end = end
        self.height = height
        self.unreachable = False
        #: the types a branch to this frame carries (params for loops, results otherwise)
        self.labels = labels


def _at(func: Func, i: int) -> int:
    """Byte offset of instruction ``i`` (the body's own offset if offsets are missing)."""
    offsets = func.offsets
    return offsets[i] if 0 <= i < len(offsets) else func.offset


def _fail(reason: str, func: Func, i: int) -> ValidationError:
    return ValidationError(reason, _at(func, i))


def _pop_vals(vals: list, frame: _Frame, types: list, func: Func, i: int) -> list:
    """Pop ``types`` (last one first) from the operand stack; return what was popped.

    This is the slow path: it honours unreachable polymorphism and explains a mismatch.
    """
    height = frame.height
    popped = []
    for expect in reversed(types):
        if len(vals) == height:
            if not frame.unreachable:
                raise _fail(
                    f"type mismatch: expected {valtype_name(expect)} but nothing on stack", func, i)
            actual = UNKNOWN
        else:
            actual = vals.pop()
            if actual != expect and actual and expect:
                raise _fail(f"type mismatch: expected {valtype_name(expect)}, "
                            f"found {valtype_name(actual)}", func, i)
        popped.append(actual)
    popped.reverse()
    return popped


def _pop_any(vals: list, frame: _Frame, func: Func, i: int) -> int:
    """Pop one operand of any type (UNKNOWN below an unreachable frame)."""
    if len(vals) > frame.height:
        return vals.pop()
    if not frame.unreachable:
        raise _fail("type mismatch: expected a value but nothing on stack", func, i)
    return UNKNOWN


def _close_frame(vals: list, frame: _Frame, func: Func, i: int) -> None:
    """Slow path of ``end``/``else``: exactly the frame's results must be on the stack."""
    _pop_vals(vals, frame, frame.end, func, i)
    if len(vals) != frame.height:
        raise _fail("type mismatch: values remaining on stack at end of block", func, i)


def _locals(ctx: ModuleContext, func: Func, params: list) -> list:
    """Types of all locals (parameters first), after the implementation limit check."""
    total = len(params)
    for count, _ in func.locals:
        total += count
    if total > MAX_FUNCTION_LOCALS:
        raise ValidationError(
            f"too many locals: {total} locals exceed the maximum of {MAX_FUNCTION_LOCALS}",
            func.offset)
    types = list(params)
    for count, t in func.locals:
        check_valtype(t, ctx.features, func.offset)
        types += [t] * count
    return types


def validate_function(ctx: ModuleContext, func_index: int, func: Func) -> None:
    """Validate the body of ``func`` (index ``func_index`` in the function index space)."""
    params, results = ctx.func_sigs[func_index]
    locals_ = _locals(ctx, func, params)
    body = func.body
    n = len(body)
    if n > MAX_FUNCTION_SIZE:
        raise ValidationError(
            f"function body too large: {n} instructions exceed the limit of "
            f"{MAX_FUNCTION_SIZE} bytes", func.offset)
    if not n or body[-1][0] != _END:
        raise ValidationError("function body must end with `end`", func.offset)

    simple_get = ctx.ops.simple.get
    kind_get = ctx.ops.kinds.get
    nlocals = len(locals_)
    globals_ = ctx.globals
    nglobals = len(globals_)
    func_sigs = ctx.func_sigs
    nfuncs = len(func_sigs)
    has_mem = ctx.num_mems > 0
    bt_get = ctx.block_sigs.get

    vals: list[int] = []
    frame = _Frame(_BLOCK, [], results, 0, results)
    ctrls = [frame]
    height = 0
    i = -1
    for op, imm in body:
        i += 1
        ent = simple_get(op)
        if ent is not None:
            p, r, mem = ent
            if mem != NO_MEM:
                if not has_mem:
                    raise _fail("unknown memory 0", func, i)
                if mem >= 0 and imm[0] > mem:
                    raise _fail("alignment must not be larger than natural", func, i)
            np_ = len(p)
            if np_ == 0:
                if r:
                    vals.append(r)
            elif np_ == 1:
                if len(vals) > height and vals[-1] == p[0]:
                    if r:
                        vals[-1] = r
                    else:
                        vals.pop()
                else:
                    _pop_vals(vals, frame, p, func, i)
                    if r:
                        vals.append(r)
            else:
                if len(vals) - np_ >= height and vals[-np_:] == p:
                    del vals[-np_:]
                else:
                    _pop_vals(vals, frame, p, func, i)
                if r:
                    vals.append(r)
            continue

        k = kind_get(op)
        if k is None:
            raise _fail(disabled_reason(op, ctx.features), func, i)

        if k == K_LOCAL_GET:
            if imm >= nlocals:
                raise _fail(f"unknown local {imm}", func, i)
            vals.append(locals_[imm])

        elif k == K_LOCAL_SET:
            if imm >= nlocals:
                raise _fail(f"unknown local {imm}", func, i)
            t = locals_[imm]
            if len(vals) > height and vals[-1] == t:
                vals.pop()
            else:
                _pop_vals(vals, frame, [t], func, i)

        elif k == K_END:
            ends = frame.end
            if len(vals) == height + len(ends) and (not ends or vals[height:] == ends):
                del vals[height:]
            else:
                _close_frame(vals, frame, func, i)
            if frame.kind == _IF and frame.start != ends:
                raise _fail("type mismatch: `if` without `else` must produce its parameters "
                            "unchanged", func, i)
            ctrls.pop()
            if not ctrls:
                if i != n - 1:
                    raise _fail("operators remaining after end of function", func, i + 1)
                return
            frame = ctrls[-1]
            height = frame.height
            vals += ends

        elif k == K_BR_IF:
            if imm >= len(ctrls):
                raise _fail(f"unknown label {imm}", func, i)
            if len(vals) > height and vals[-1] == I32:
                vals.pop()
            else:
                _pop_vals(vals, frame, _I32_ONLY, func, i)
            labels = ctrls[-1 - imm].labels
            nl = len(labels)
            if nl and not (len(vals) - nl >= height and vals[-nl:] == labels):
                _pop_vals(vals, frame, labels, func, i)
                vals += labels

        elif k == K_BLOCK or k == K_LOOP or k == K_IF:
            if k == K_IF:
                if len(vals) > height and vals[-1] == I32:
                    vals.pop()
                else:
                    _pop_vals(vals, frame, _I32_ONLY, func, i)
            sig = bt_get(imm) or ctx.resolve_blocktype(imm, _at(func, i))
            bp, br = sig
            np_ = len(bp)
            if np_ and not (len(vals) - np_ >= height and vals[-np_:] == bp):
                _pop_vals(vals, frame, bp, func, i)
                vals += bp
            height = len(vals) - np_
            frame = _Frame(op, bp, br, height, bp if k == K_LOOP else br)
            ctrls.append(frame)

        elif k == K_CALL:
            if imm >= nfuncs:
                raise _fail(f"unknown function {imm}", func, i)
            p, r = func_sigs[imm]
            np_ = len(p)
            if np_:
                if len(vals) - np_ >= height and vals[-np_:] == p:
                    del vals[-np_:]
                else:
                    _pop_vals(vals, frame, p, func, i)
            vals += r

        elif k == K_LOCAL_TEE:
            if imm >= nlocals:
                raise _fail(f"unknown local {imm}", func, i)
            t = locals_[imm]
            if not (len(vals) > height and vals[-1] == t):
                _pop_vals(vals, frame, [t], func, i)
                vals.append(t)

        elif k == K_BR or k == K_RETURN:
            if k == K_BR:
                if imm >= len(ctrls):
                    raise _fail(f"unknown label {imm}", func, i)
                labels = ctrls[-1 - imm].labels
            else:
                labels = results
            nl = len(labels)
            if nl and not (len(vals) - nl >= height and vals[-nl:] == labels):
                _pop_vals(vals, frame, labels, func, i)
            del vals[height:]
            frame.unreachable = True

        elif k == K_GLOBAL_GET:
            if imm >= nglobals:
                raise _fail(f"unknown global {imm}", func, i)
            vals.append(globals_[imm][0])

        elif k == K_DROP:
            _pop_any(vals, frame, func, i)

        elif k == K_ELSE:
            if frame.kind != _IF:
                raise _fail("else found outside of an `if` block", func, i)
            ends = frame.end
            if len(vals) == height + len(ends) and (not ends or vals[height:] == ends):
                del vals[height:]
            else:
                _close_frame(vals, frame, func, i)
            frame.kind = _ELSE
            frame.unreachable = False
            vals += frame.start

        elif k == K_SELECT:
            if len(vals) > height and vals[-1] == I32:
                vals.pop()
            else:
                _pop_vals(vals, frame, _I32_ONLY, func, i)
            t1 = _pop_any(vals, frame, func, i)
            t2 = _pop_any(vals, frame, func, i)
            if not ((t1 in _SELECT_NUM and t2 in _SELECT_NUM)
                    or (t1 in _SELECT_VEC and t2 in _SELECT_VEC)):
                raise _fail("type mismatch: select without a type annotation needs numeric or "
                            f"vector operands, found {valtype_name(t2)} and {valtype_name(t1)}",
                            func, i)
            if t1 != t2 and t1 and t2:
                raise _fail(f"type mismatch: select operands {valtype_name(t2)} and "
                            f"{valtype_name(t1)} differ", func, i)
            vals.append(t1 or t2)

        elif k == K_GLOBAL_SET:
            if imm >= nglobals:
                raise _fail(f"unknown global {imm}", func, i)
            t, mutable = globals_[imm]
            if not mutable:
                raise _fail(f"global is immutable: cannot set global {imm}", func, i)
            if len(vals) > height and vals[-1] == t:
                vals.pop()
            else:
                _pop_vals(vals, frame, [t], func, i)

        elif k == K_BR_TABLE:
            targets, default = imm
            if len(vals) > height and vals[-1] == I32:
                vals.pop()
            else:
                _pop_vals(vals, frame, _I32_ONLY, func, i)
            nc = len(ctrls)
            if default >= nc:
                raise _fail(f"unknown label {default}", func, i)
            dlabels = ctrls[-1 - default].labels
            arity = len(dlabels)
            for depth in targets:
                if depth >= nc:
                    raise _fail(f"unknown label {depth}", func, i)
                labels = ctrls[-1 - depth].labels
                if len(labels) != arity:
                    raise _fail("type mismatch: br_table target labels have different number "
                                "of types", func, i)
                if arity and not (len(vals) - arity >= height and vals[-arity:] == labels):
                    vals += _pop_vals(vals, frame, labels, func, i)
            if arity and not (len(vals) - arity >= height and vals[-arity:] == dlabels):
                _pop_vals(vals, frame, dlabels, func, i)
            del vals[height:]
            frame.unreachable = True

        elif k == K_CALL_INDIRECT:
            type_idx, table = imm
            if table >= len(ctx.table_elems):
                raise _fail(f"unknown table {table}", func, i)
            if ctx.table_elems[table] != FUNCREF:
                raise _fail(f"type mismatch: call_indirect needs a funcref table, table {table} "
                            f"holds {valtype_name(ctx.table_elems[table])}", func, i)
            if type_idx >= len(ctx.type_sigs):
                raise _fail(f"unknown type {type_idx}", func, i)
            p, r = ctx.type_sigs[type_idx]
            _pop_vals(vals, frame, p + _I32_ONLY, func, i)
            vals += r

        elif k == K_UNREACHABLE:
            del vals[height:]
            frame.unreachable = True

        elif k == K_SELECT_T:
            if len(imm) != 1:
                raise _fail(f"invalid result arity: typed select must have exactly one type, "
                            f"got {len(imm)}", func, i)
            t = imm[0]
            check_valtype(t, ctx.features, _at(func, i))
            _pop_vals(vals, frame, [t, t, I32], func, i)
            vals.append(t)

        elif k == K_REF_NULL:
            if imm != FUNCREF and imm != EXTERNREF:
                raise _fail(f"type mismatch: ref.null needs a reference type, got "
                            f"{valtype_name(imm)}", func, i)
            vals.append(imm)

        elif k == K_REF_IS_NULL:
            t = _pop_any(vals, frame, func, i)
            if t and t != FUNCREF and t != EXTERNREF:
                raise _fail(f"type mismatch: ref.is_null needs a reference, found "
                            f"{valtype_name(t)}", func, i)
            vals.append(I32)

        elif k == K_REF_FUNC:
            if imm >= nfuncs:
                raise _fail(f"unknown function {imm}", func, i)
            if imm not in ctx.refs:
                raise _fail(f"undeclared function reference: function {imm} is not declared "
                            "in an element segment, export or global initializer", func, i)
            vals.append(FUNCREF)

        elif k == K_MEMORY_INIT or k == K_DATA_DROP:
            if ctx.data_count is None:
                raise _fail("data count section required", func, i)
            if k == K_MEMORY_INIT and not has_mem:
                raise _fail("unknown memory 0", func, i)
            if imm >= ctx.data_count:
                raise _fail(f"unknown data segment {imm}", func, i)
            if k == K_MEMORY_INIT:
                _pop_vals(vals, frame, _I32_X3, func, i)

        elif k == K_ELEM_DROP:
            if imm >= len(ctx.elem_types):
                raise _fail(f"unknown elem segment {imm}", func, i)

        elif k == K_SIMD_LANE:
            _simd_lane_op(op, imm, has_mem, vals, frame, func, i)

        else:
            _table_op(ctx, k, imm, vals, frame, func, i)

    raise _fail("control frames remain at end of function: END opcode expected", func, n - 1)


def _simd_lane_op(op: int, imm, has_mem: bool, vals: list, frame: _Frame, func: Func,
                  i: int) -> None:
    """SIMD instructions with lane immediates: extract/replace_lane, shuffle, lane loads/stores."""
    lanes = SIMD_LANES[op]
    size = SIMD_MEM.get(op)
    if size is not None:  # v128.loadN_lane / storeN_lane: (align, offset, lane)
        if not has_mem:
            raise _fail("unknown memory 0", func, i)
        if 1 << imm[0] > size:
            raise _fail("alignment must not be larger than natural", func, i)
        indices = (imm[2],)
    elif isinstance(imm, tuple):  # i8x16.shuffle
        indices = imm
    else:
        indices = (imm,)
    for lane in indices:
        if lane >= lanes:
            raise _fail(f"invalid lane index: {lane} is not below {lanes}", func, i)
    params, results = SIMD[op]
    _pop_vals(vals, frame, list(params), func, i)
    vals += results


def _table_elem(ctx: ModuleContext, table: int, func: Func, i: int) -> int:
    if table >= len(ctx.table_elems):
        raise _fail(f"unknown table {table}", func, i)
    return ctx.table_elems[table]


def _table_op(ctx: ModuleContext, k: int, imm, vals: list, frame: _Frame, func: Func,
              i: int) -> None:
    """The table instructions: rare enough in real code to live outside the hot loop."""
    if k == K_TABLE_GET:
        t = _table_elem(ctx, imm, func, i)
        _pop_vals(vals, frame, _I32_ONLY, func, i)
        vals.append(t)
    elif k == K_TABLE_SET:
        t = _table_elem(ctx, imm, func, i)
        _pop_vals(vals, frame, [I32, t], func, i)
    elif k == K_TABLE_SIZE:
        _table_elem(ctx, imm, func, i)
        vals.append(I32)
    elif k == K_TABLE_GROW:
        t = _table_elem(ctx, imm, func, i)
        _pop_vals(vals, frame, [t, I32], func, i)
        vals.append(I32)
    elif k == K_TABLE_FILL:
        t = _table_elem(ctx, imm, func, i)
        _pop_vals(vals, frame, [I32, t, I32], func, i)
    elif k == K_TABLE_COPY:
        dst, src = imm
        t_dst = _table_elem(ctx, dst, func, i)
        t_src = _table_elem(ctx, src, func, i)
        if t_dst != t_src:
            raise _fail(f"type mismatch: table.copy from a {valtype_name(t_src)} table to a "
                        f"{valtype_name(t_dst)} table", func, i)
        _pop_vals(vals, frame, _I32_X3, func, i)
    else:  # K_TABLE_INIT: every other kind is handled in the body loop
        seg, table = imm
        t = _table_elem(ctx, table, func, i)
        if seg >= len(ctx.elem_types):
            raise _fail(f"unknown elem segment {seg}", func, i)
        if ctx.elem_types[seg] != t:
            raise _fail(f"type mismatch: table.init of a {valtype_name(ctx.elem_types[seg])} "
                        f"segment into a {valtype_name(t)} table", func, i)
        _pop_vals(vals, frame, _I32_X3, func, i)
