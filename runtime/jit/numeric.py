"""Lowering of Wasm's numeric instructions to LLVM IR.

Wasm defines a result for every numeric instruction on every input (or a
trap); LLVM leaves many of the same operations undefined or poison (division by
zero, ``INT_MIN / -1``, shifts by the bit width or more, ``fptosi`` out of
range).  Each lowering below therefore guards exactly those inputs: it traps
where Wasm traps and otherwise only hands LLVM operands on which the LLVM
operation is defined and means the same thing.

Float arithmetic has a subtler gap.  Wasm requires a NaN produced by
arithmetic to be quiet, even when an operand is a signalling NaN, but LLVM's
plain float instructions may treat every NaN as quiet, so its optimiser
rewrites ``x * 1.0``, ``x - 0.0``, ``x / -1.0``, ``fptrunc (fpext x)`` and the
like to ``x`` or ``fneg x`` and lets a signalling NaN through (the spec's
float_exprs tests check exactly this).  Arithmetic that can produce a NaN
from a NaN therefore uses the constrained intrinsics with
``fpexcept.maytrap``: LLVM then keeps the signalling-NaN behaviour and skips
those folds, while still emitting the same machine instructions.  Rounding is
always ``round.tonearest``, the only mode Wasm has.

The per-opcode work is looked up once, at import, from the shared opcode table:
``_HANDLERS`` maps every op of ``opcodes.NUMERIC`` to a function
``(builder, args, trap) -> value``, built from small tables of LLVM
instructions, predicates and intrinsics keyed by the instruction's mnemonic.
"""
from __future__ import annotations

from functools import partial
from typing import Callable, Protocol

from llvmlite import ir

from .fastir import IRBuilder, Value, metadata_string

from ..errors import TrapCode, WasmError
from ..syntax.opcodes import NAMES, NUMERIC, op_name
from ..syntax.types import F32, F64, I32, I64


class TrapEmitter(Protocol):
    """Emits "if ``cond`` (an i1) then trap with ``code``".

    On return the builder must be positioned in the block where execution
    continues when ``cond`` is false, so the lowering can go on emitting there
    and rely on ``cond`` being false.
    """

    def __call__(self, cond: Value, code: TrapCode) -> None: ...


#: LLVM type of each Wasm number type.
LLVM_TYPES: dict[int, ir.Type] = {
    I32: ir.IntType(32),
    I64: ir.IntType(64),
    F32: ir.FloatType(),
    F64: ir.DoubleType(),
}

_BITS = {I32: 32, I64: 64, F32: 32, F64: 64}
#: Significand precision (including the implicit bit) of each float type.
_PRECISION = {F32: 24, F64: 53}
_I1 = ir.IntType(1)

Handler = Callable[[IRBuilder, list[Value], TrapEmitter], Value]


def emit_numeric(b: IRBuilder, op: int, args: list[Value], trap: TrapEmitter) -> Value:
    """Emit the Wasm numeric instruction ``op`` on ``args`` (in push order); return its result.

    May emit conditional traps through ``trap``, after which ``b`` is left in
    the non-trapping continuation block.
    """
    handler = _HANDLERS.get(op)
    if handler is None:
        raise WasmError(f"internal JIT error: {op_name(op)} is not a numeric instruction")
    return handler(b, args, trap)


# --- helpers ---------------------------------------------------------------

def _intrinsic(b: IRBuilder, name: str, ret: ir.Type, params: list[ir.Type],
               overloads: tuple[ir.Type, ...]) -> ir.Function:
    """The declaration of an overloaded intrinsic, created once per module.

    ``declare_intrinsic`` names it ``name.<overload suffixes>`` and returns the
    existing declaration when the module already has one.
    """
    return b.module.declare_intrinsic(name, overloads, ir.FunctionType(ret, params))


#: Constrained intrinsics that take a rounding-mode operand (the others only
#: take the exception behaviour).
_TAKES_ROUNDING = frozenset(("fadd", "fsub", "fmul", "fdiv", "sqrt", "fptrunc"))


def _strict(b: IRBuilder, name: str, ret: ir.Type, operands: list[Value],
            overloads: tuple[ir.Type, ...]) -> Value:
    """Call ``llvm.experimental.constrained.<name>`` (see the module docstring for why)."""
    module = b.module
    meta = [metadata_string("round.tonearest")] if name in _TAKES_ROUNDING else []
    meta.append(metadata_string("fpexcept.maytrap"))
    fnty = ir.FunctionType(ret, [v.type for v in operands] + [ir.MetaDataType()] * len(meta))
    fn = module.declare_intrinsic("llvm.experimental.constrained." + name, overloads, fnty)
    return b.call(fn, [*operands, *meta])


def _to_i32(b: IRBuilder, flag: Value) -> Value:
    """Wasm booleans are i32 0/1."""
    return b.zext(flag, LLVM_TYPES[I32])


# Operations on one type take (*table data, t, b, args, trap); conversions take
# (*table data, src, dst, b, args, trap).  The tables at the bottom bind the data.

# --- integer operations ----------------------------------------------------

def _eqz(t: int, b: IRBuilder, args: list[Value], trap: TrapEmitter) -> Value:
    return _to_i32(b, b.icmp_unsigned("==", args[0], ir.Constant(LLVM_TYPES[t], 0)))


def _icmp(pred: str, signed: bool, t: int, b: IRBuilder, args: list[Value],
          trap: TrapEmitter) -> Value:
    cmp = b.icmp_signed if signed else b.icmp_unsigned
    return _to_i32(b, cmp(pred, args[0], args[1]))


def _binary(method: Callable[..., Value], t: int, b: IRBuilder, args: list[Value],
            trap: TrapEmitter) -> Value:
    return method(b, args[0], args[1])


def _shift(method: Callable[..., Value], t: int, b: IRBuilder, args: list[Value],
           trap: TrapEmitter) -> Value:
    # Wasm takes the count modulo the width; LLVM makes counts >= width poison.
    count = b.and_(args[1], ir.Constant(LLVM_TYPES[t], _BITS[t] - 1))
    return method(b, args[0], count)


def _rotate(name: str, t: int, b: IRBuilder, args: list[Value], trap: TrapEmitter) -> Value:
    # A funnel shift of a value with itself is a rotate; fshl/fshr take the
    # count modulo the width, exactly as Wasm does.
    ty = LLVM_TYPES[t]
    fn = _intrinsic(b, name, ty, [ty, ty, ty], (ty,))
    return b.call(fn, [args[0], args[0], args[1]])


def _count_zeros(name: str, t: int, b: IRBuilder, args: list[Value], trap: TrapEmitter) -> Value:
    # is_zero_poison = false: clz(0) and ctz(0) are the bit width in Wasm.
    ty = LLVM_TYPES[t]
    fn = _intrinsic(b, name, ty, [ty, _I1], (ty,))
    return b.call(fn, [args[0], ir.Constant(_I1, 0)])


def _unary_intrinsic(name: str, t: int, b: IRBuilder, args: list[Value],
                     trap: TrapEmitter) -> Value:
    ty = LLVM_TYPES[t]
    return b.call(_intrinsic(b, name, ty, [ty], (ty,)), [args[0]])


def _binary_intrinsic(name: str, t: int, b: IRBuilder, args: list[Value],
                      trap: TrapEmitter) -> Value:
    ty = LLVM_TYPES[t]
    return b.call(_intrinsic(b, name, ty, [ty, ty], (ty,)), [args[0], args[1]])


def _div_u(rem: bool, t: int, b: IRBuilder, args: list[Value], trap: TrapEmitter) -> Value:
    x, y = args
    trap(b.icmp_unsigned("==", y, ir.Constant(LLVM_TYPES[t], 0)), TrapCode.INTEGER_DIVISION_BY_ZERO)
    return b.urem(x, y) if rem else b.udiv(x, y)


def _div_s(t: int, b: IRBuilder, args: list[Value], trap: TrapEmitter) -> Value:
    ty = LLVM_TYPES[t]
    x, y = args
    trap(b.icmp_unsigned("==", y, ir.Constant(ty, 0)), TrapCode.INTEGER_DIVISION_BY_ZERO)
    overflow = b.and_(b.icmp_unsigned("==", x, ir.Constant(ty, -(1 << (_BITS[t] - 1)))),
                      b.icmp_unsigned("==", y, ir.Constant(ty, -1)))
    trap(overflow, TrapCode.INTEGER_OVERFLOW)
    return b.sdiv(x, y)


def _rem_s(t: int, b: IRBuilder, args: list[Value], trap: TrapEmitter) -> Value:
    ty = LLVM_TYPES[t]
    x, y = args
    trap(b.icmp_unsigned("==", y, ir.Constant(ty, 0)), TrapCode.INTEGER_DIVISION_BY_ZERO)
    # INT_MIN % -1 is 0 in Wasm but overflows in LLVM (UB; #DE from x86 idiv).
    # x % -1 and x % 1 are both 0 for every x, so dividing by 1 instead is exact.
    minus_one = b.icmp_unsigned("==", y, ir.Constant(ty, -1))
    return b.srem(x, b.select(minus_one, ir.Constant(ty, 1), y))


def _extend_s(bits: int, t: int, b: IRBuilder, args: list[Value], trap: TrapEmitter) -> Value:
    return b.sext(b.trunc(args[0], ir.IntType(bits)), LLVM_TYPES[t])


# --- float operations ------------------------------------------------------

def _fcmp(ordered: bool, pred: str, t: int, b: IRBuilder, args: list[Value],
          trap: TrapEmitter) -> Value:
    cmp = b.fcmp_ordered if ordered else b.fcmp_unordered
    return _to_i32(b, cmp(pred, args[0], args[1]))


def _float_arith(name: str, t: int, b: IRBuilder, args: list[Value], trap: TrapEmitter) -> Value:
    ty = LLVM_TYPES[t]
    return _strict(b, name, ty, args, (ty,))


def _min_max(name: str, t: int, b: IRBuilder, args: list[Value], trap: TrapEmitter) -> Value:
    # llvm.minimum/maximum (unlike minnum/maxnum) propagate NaN and order -0
    # below +0, as Wasm's min/max do, but x86 code for them hands a signalling
    # NaN operand back unchanged, where Wasm requires a quiet one.  So NaN
    # operands take another path: adding the operands yields a NaN operand
    # quieted and keeps canonical NaNs canonical.  (The x86 backend cannot
    # select the constrained minimum/maximum, so the plain intrinsic it is; it
    # only ever sees non-NaN operands here.)
    x, y = args
    either_nan = b.fcmp_unordered("uno", x, y)
    quieted = _float_arith("fadd", t, b, args, trap)
    return b.select(either_nan, quieted, _binary_intrinsic(name, t, b, args, trap))


def _fneg(t: int, b: IRBuilder, args: list[Value], trap: TrapEmitter) -> Value:
    # fneg only flips the sign bit in LLVM (unlike fsub -0.0, x), as Wasm requires.
    return b.fneg(args[0])


# --- conversions -----------------------------------------------------------

def _float_convert(name: str, src: int, dst: int, b: IRBuilder, args: list[Value],
                   trap: TrapEmitter) -> Value:
    return _strict(b, name, LLVM_TYPES[dst], args, (LLVM_TYPES[dst], LLVM_TYPES[src]))


def _cast(method: Callable[..., Value], src: int, dst: int, b: IRBuilder, args: list[Value],
          trap: TrapEmitter) -> Value:
    return method(b, args[0], LLVM_TYPES[dst])


def _representable(n: int, src: int) -> bool:
    """Whether the integer ``n`` (well inside the exponent range) is a value of float type ``src``."""
    m = abs(n)
    while m and not m & 1:
        m >>= 1
    return m.bit_length() <= _PRECISION[src]


def _trunc_bounds(src: int, dst: int, signed: bool) -> tuple[str, float, float]:
    """The range of floats a trapping truncation ``src`` -> ``dst`` accepts.

    Returns ``(lo_pred, lo, hi)``: x is in range iff ``x lo_pred lo`` and
    ``x < hi``.  Truncation goes toward zero, so the integer range [m, M]
    accepts m-1 < x < M+1.  M+1 is a power of two, always exact; m-1 is exact
    in some formats (-2^31-1 in f64) but not in others (in f32, or -2^63-1 in
    f64), and there the first float above m-1 is m itself, so the test becomes
    ``x >= m``.  Unsigned ranges are -1 < x < 2^N.
    """
    bits = _BITS[dst]
    if not signed:
        return ">", -1.0, float(1 << bits)
    low = -(1 << (bits - 1))
    hi = float(1 << (bits - 1))
    if _representable(low - 1, src):
        return ">", float(low - 1), hi
    return ">=", float(low), hi


_NEGATED_PRED = {">": "<=", ">=": "<"}


def _trunc(signed: bool, src: int, dst: int, b: IRBuilder, args: list[Value],
           trap: TrapEmitter) -> Value:
    x = args[0]
    fty = LLVM_TYPES[src]
    trap(b.fcmp_unordered("uno", x, x), TrapCode.BAD_CONVERSION_TO_INTEGER)
    lo_pred, lo, hi = _trunc_bounds(src, dst, signed)
    out_of_range = b.or_(b.fcmp_ordered(_NEGATED_PRED[lo_pred], x, ir.Constant(fty, lo)),
                         b.fcmp_ordered(">=", x, ir.Constant(fty, hi)))
    trap(out_of_range, TrapCode.INTEGER_OVERFLOW)
    # Only reached with x in range, where fptosi/fptoui are defined.
    return (b.fptosi if signed else b.fptoui)(x, LLVM_TYPES[dst])


def _trunc_sat(signed: bool, src: int, dst: int, b: IRBuilder, args: list[Value],
               trap: TrapEmitter) -> Value:
    # The saturating intrinsics map NaN to 0 and clamp, exactly Wasm's trunc_sat.
    ity, fty = LLVM_TYPES[dst], LLVM_TYPES[src]
    name = "llvm.fptosi.sat" if signed else "llvm.fptoui.sat"
    return b.call(_intrinsic(b, name, ity, [fty], (ity, fty)), [args[0]])


# --- the tables ------------------------------------------------------------

_SameTypeOp = Callable[[int, IRBuilder, list[Value], TrapEmitter], Value]
_ConversionOp = Callable[[int, int, IRBuilder, list[Value], TrapEmitter], Value]

#: Operations whose operands are integers of the instruction's own type, by mnemonic.
_INT_OPS: dict[str, _SameTypeOp] = {
    "eqz": _eqz,
    "eq": partial(_icmp, "==", False), "ne": partial(_icmp, "!=", False),
    "lt_s": partial(_icmp, "<", True), "lt_u": partial(_icmp, "<", False),
    "gt_s": partial(_icmp, ">", True), "gt_u": partial(_icmp, ">", False),
    "le_s": partial(_icmp, "<=", True), "le_u": partial(_icmp, "<=", False),
    "ge_s": partial(_icmp, ">=", True), "ge_u": partial(_icmp, ">=", False),
    "clz": partial(_count_zeros, "llvm.ctlz"), "ctz": partial(_count_zeros, "llvm.cttz"),
    "popcnt": partial(_unary_intrinsic, "llvm.ctpop"),
    "add": partial(_binary, IRBuilder.add), "sub": partial(_binary, IRBuilder.sub),
    "mul": partial(_binary, IRBuilder.mul),
    "and": partial(_binary, IRBuilder.and_), "or": partial(_binary, IRBuilder.or_),
    "xor": partial(_binary, IRBuilder.xor),
    "div_s": _div_s, "div_u": partial(_div_u, False),
    "rem_s": _rem_s, "rem_u": partial(_div_u, True),
    "shl": partial(_shift, IRBuilder.shl), "shr_s": partial(_shift, IRBuilder.ashr),
    "shr_u": partial(_shift, IRBuilder.lshr),
    "rotl": partial(_rotate, "llvm.fshl"), "rotr": partial(_rotate, "llvm.fshr"),
    "extend8_s": partial(_extend_s, 8), "extend16_s": partial(_extend_s, 16),
    "extend32_s": partial(_extend_s, 32),
}

#: Operations whose operands are floats of the instruction's own type, by mnemonic.
#: f.ne is true when either side is NaN (unordered); the other comparisons are
#: false then (ordered).  fabs/copysign/fneg touch only the sign bit in LLVM,
#: so NaN payloads survive as Wasm requires.
_FLOAT_OPS: dict[str, _SameTypeOp] = {
    "eq": partial(_fcmp, True, "=="), "ne": partial(_fcmp, False, "!="),
    "lt": partial(_fcmp, True, "<"), "gt": partial(_fcmp, True, ">"),
    "le": partial(_fcmp, True, "<="), "ge": partial(_fcmp, True, ">="),
    "abs": partial(_unary_intrinsic, "llvm.fabs"), "neg": _fneg,
    "ceil": partial(_float_arith, "ceil"), "floor": partial(_float_arith, "floor"),
    "trunc": partial(_float_arith, "trunc"), "nearest": partial(_float_arith, "roundeven"),
    "sqrt": partial(_float_arith, "sqrt"),
    "add": partial(_float_arith, "fadd"), "sub": partial(_float_arith, "fsub"),
    "mul": partial(_float_arith, "fmul"), "div": partial(_float_arith, "fdiv"),
    "min": partial(_min_max, "llvm.minimum"), "max": partial(_min_max, "llvm.maximum"),
    "copysign": partial(_binary_intrinsic, "llvm.copysign"),
}

#: Conversions by mnemonic with the source type cut out ("trunc_f32_s" -> "trunc_s").
_CONVERSIONS: dict[str, _ConversionOp] = {
    "wrap": partial(_cast, IRBuilder.trunc),
    "extend_s": partial(_cast, IRBuilder.sext), "extend_u": partial(_cast, IRBuilder.zext),
    "convert_s": partial(_cast, IRBuilder.sitofp), "convert_u": partial(_cast, IRBuilder.uitofp),
    "demote": partial(_float_convert, "fptrunc"), "promote": partial(_float_convert, "fpext"),
    "reinterpret": partial(_cast, IRBuilder.bitcast),
    "trunc_s": partial(_trunc, True), "trunc_u": partial(_trunc, False),
    "trunc_sat_s": partial(_trunc_sat, True), "trunc_sat_u": partial(_trunc_sat, False),
}

_SOURCE_TYPES = ("_i32", "_i64", "_f32", "_f64")


def _conversion_name(mnemonic: str) -> str:
    """``"trunc_sat_f32_s"`` -> ``"trunc_sat_s"``, ``"promote_f32"`` -> ``"promote"``."""
    for source in _SOURCE_TYPES:
        head, found, tail = mnemonic.partition(source)
        if found:
            return head + tail
    return mnemonic


def _build_handlers() -> dict[int, Handler]:
    handlers: dict[int, Handler] = {}
    for op, (params, results) in NUMERIC.items():
        mnemonic = NAMES[op].split(".", 1)[1]
        src, dst = params[0], results[0]
        same_type = _INT_OPS if src in (I32, I64) else _FLOAT_OPS
        if mnemonic in same_type:
            handlers[op] = partial(same_type[mnemonic], src)
        else:
            handlers[op] = partial(_CONVERSIONS[_conversion_name(mnemonic)], src, dst)
    return handlers


_HANDLERS: dict[int, Handler] = _build_handlers()
