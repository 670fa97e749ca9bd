"""Integer-lane SIMD instructions as LLVM vector IR.

Every lowering here is total on all inputs, matching Wasm lane for lane; the
places where LLVM and Wasm disagree are guarded explicitly:

* shift counts: Wasm takes the scalar count modulo the lane width, LLVM makes
  a count of the lane width or more poison, so the count is masked first;
* ``abs`` of the minimum value: Wasm wraps (``abs(-128) == -128``), so
  ``llvm.abs`` is called with ``is_int_min_poison = false``;
* ``avgr_u``, ``q15mulr_sat_s``, ``dot`` and the extending multiplies work in
  wider lanes so no intermediate overflows (the one wrap Wasm wants, the dot
  product of two ``-32768`` pairs giving ``INT32_MIN``, is an ordinary
  wrapping add in 32 bits);
* narrowing saturates with signed min/max before truncating, since Wasm
  treats the inputs as signed for both the ``_s`` and ``_u`` forms.

Handlers take ``(builder, args)`` with args as i128 values in push order and
return the i128 (or i32 for tests) result.  ``HANDLERS`` maps every integer
op of ``opcodes.SIMD`` to one, built from the instruction names at import.
"""
from __future__ import annotations

from functools import partial
from typing import Callable

from llvmlite import ir

from ..syntax.opcodes import NAMES, SIMD
from .fastir import IRBuilder, Value
from .llvmtypes import I1, I32
from .vectors import (
    NARROWER, SHAPES, WIDER, bool_i32, call, mask_to_lanes, shuffle, splat, splat_const, v128,
    vec,
)

Handler = Callable[[IRBuilder, list[Value]], Value]

_ICMP = {"eq": ("==", False), "ne": ("!=", False),
         "lt_s": ("<", True), "lt_u": ("<", False), "gt_s": (">", True), "gt_u": (">", False),
         "le_s": ("<=", True), "le_u": ("<=", False), "ge_s": (">=", True), "ge_u": (">=", False)}
_BINOPS = {"add": IRBuilder.add, "sub": IRBuilder.sub, "mul": IRBuilder.mul}
_INTRINSIC_BINOPS = {
    "add_sat_s": "llvm.sadd.sat", "add_sat_u": "llvm.uadd.sat",
    "sub_sat_s": "llvm.ssub.sat", "sub_sat_u": "llvm.usub.sat",
    "min_s": "llvm.smin", "min_u": "llvm.umin", "max_s": "llvm.smax", "max_u": "llvm.umax",
}
_SHIFTS = {"shl": IRBuilder.shl, "shr_s": IRBuilder.ashr, "shr_u": IRBuilder.lshr}


def _halves(shape: str) -> tuple[list[int], list[int]]:
    n = SHAPES[shape].count
    return list(range(n // 2)), list(range(n // 2, n))


def _extend(b: IRBuilder, x: Value, signed: bool, ty: ir.VectorType) -> Value:
    return b.sext(x, ty) if signed else b.zext(x, ty)


def _half(b: IRBuilder, v: Value, src: str, high: bool, signed: bool) -> Value:
    """Lanes of the low or high half of ``v`` (shape ``src``), extended to the wider shape."""
    low_idx, high_idx = _halves(src)
    part = shuffle(b, vec(b, v, src), None, high_idx if high else low_idx)
    return _extend(b, part, signed, SHAPES[WIDER[src]])


# --- handlers ------------------------------------------------------------------

def _icmp(shape: str, pred: str, signed: bool, b: IRBuilder, args: list[Value]) -> Value:
    x, y = (vec(b, a, shape) for a in args)
    flags = (b.icmp_signed if signed else b.icmp_unsigned)(pred, x, y)
    return v128(b, mask_to_lanes(b, flags, SHAPES[shape]))


def _binop(shape: str, method, b: IRBuilder, args: list[Value]) -> Value:
    x, y = (vec(b, a, shape) for a in args)
    return v128(b, method(b, x, y))


def _intrinsic_binop(shape: str, name: str, b: IRBuilder, args: list[Value]) -> Value:
    ty = SHAPES[shape]
    x, y = (vec(b, a, shape) for a in args)
    return v128(b, call(b, name, ty, [x, y]))


def _neg(shape: str, b: IRBuilder, args: list[Value]) -> Value:
    x = vec(b, args[0], shape)
    return v128(b, b.sub(ir.Constant(x.type, None), x))


def _abs(shape: str, b: IRBuilder, args: list[Value]) -> Value:
    ty = SHAPES[shape]
    return v128(b, call(b, "llvm.abs", ty, [vec(b, args[0], shape), ir.Constant(I1, 0)]))


def _popcnt(shape: str, b: IRBuilder, args: list[Value]) -> Value:
    ty = SHAPES[shape]
    return v128(b, call(b, "llvm.ctpop", ty, [vec(b, args[0], shape)]))


def _shift(shape: str, method, b: IRBuilder, args: list[Value]) -> Value:
    ty = SHAPES[shape]
    bits = ty.element.width
    count = b.and_(args[1], ir.Constant(I32, bits - 1))
    if bits < 32:
        count = b.trunc(count, ty.element)
    elif bits > 32:
        count = b.zext(count, ty.element)
    return v128(b, method(b, vec(b, args[0], shape), splat(b, count, ty)))


def _all_true(shape: str, b: IRBuilder, args: list[Value]) -> Value:
    x = vec(b, args[0], shape)
    nonzero = b.icmp_unsigned("!=", x, ir.Constant(x.type, None))
    return bool_i32(b, call(b, "llvm.vector.reduce.and", I1, [nonzero], (nonzero.type,)))


def _bitmask(shape: str, b: IRBuilder, args: list[Value]) -> Value:
    x = vec(b, args[0], shape)
    negative = b.icmp_signed("<", x, ir.Constant(x.type, None))
    return b.zext(b.bitcast(negative, ir.IntType(x.type.count)), I32)


def _avgr_u(shape: str, b: IRBuilder, args: list[Value]) -> Value:
    ty = SHAPES[shape]
    wide = ir.VectorType(ir.IntType(2 * ty.element.width), ty.count)
    x, y = (b.zext(vec(b, a, shape), wide) for a in args)
    total = b.add(b.add(x, y), splat_const(wide, 1))
    return v128(b, b.trunc(b.lshr(total, splat_const(wide, 1)), ty))


def _narrow(shape: str, signed: bool, b: IRBuilder, args: list[Value]) -> Value:
    src = WIDER[shape]
    wide, narrow = SHAPES[src], SHAPES[shape]
    bits = narrow.element.width
    lo, hi = (-(1 << (bits - 1)), (1 << (bits - 1)) - 1) if signed else (0, (1 << bits) - 1)
    parts = []
    for a in args:
        x = call(b, "llvm.smax", wide, [vec(b, a, src), splat_const(wide, lo)])
        x = call(b, "llvm.smin", wide, [x, splat_const(wide, hi)])
        parts.append(b.trunc(x, ir.VectorType(narrow.element, wide.count)))
    return v128(b, shuffle(b, parts[0], parts[1], list(range(narrow.count))))


def _extend_half(shape: str, high: bool, signed: bool, b: IRBuilder, args: list[Value]) -> Value:
    return v128(b, _half(b, args[0], NARROWER[shape], high, signed))


def _extadd_pairwise(shape: str, signed: bool, b: IRBuilder, args: list[Value]) -> Value:
    src = NARROWER[shape]
    x = vec(b, args[0], src)
    n = SHAPES[shape].count
    even = _extend(b, shuffle(b, x, None, list(range(0, 2 * n, 2))), signed, SHAPES[shape])
    odd = _extend(b, shuffle(b, x, None, list(range(1, 2 * n, 2))), signed, SHAPES[shape])
    return v128(b, b.add(even, odd))


def _extmul(shape: str, high: bool, signed: bool, b: IRBuilder, args: list[Value]) -> Value:
    src = NARROWER[shape]
    x, y = (_half(b, a, src, high, signed) for a in args)
    return v128(b, b.mul(x, y))


def _q15mulr_sat_s(shape: str, b: IRBuilder, args: list[Value]) -> Value:
    # (x*y + 2^14) >> 15 in 32-bit lanes.  The result is at least -32768
    # (-32768 * 32767 rounds to it), and exceeds 32767 only for
    # -32768 * -32768, which saturates: one smin suffices.
    ty = SHAPES[shape]
    wide = ir.VectorType(I32, ty.count)
    x, y = (b.sext(vec(b, a, shape), wide) for a in args)
    r = b.ashr(b.add(b.mul(x, y), splat_const(wide, 1 << 14)), splat_const(wide, 15))
    r = call(b, "llvm.smin", wide, [r, splat_const(wide, 0x7FFF)])
    return v128(b, b.trunc(r, ty))


def _dot_s(shape: str, b: IRBuilder, args: list[Value]) -> Value:
    src = NARROWER[shape]
    n = SHAPES[shape].count
    wide = ir.VectorType(SHAPES[shape].element, 2 * n)
    x, y = (b.sext(vec(b, a, src), wide) for a in args)
    products = b.mul(x, y)
    even = shuffle(b, products, None, list(range(0, 2 * n, 2)))
    odd = shuffle(b, products, None, list(range(1, 2 * n, 2)))
    return v128(b, b.add(even, odd))


# --- the table -------------------------------------------------------------------

def _handler(shape: str, mnemonic: str) -> Handler | None:
    """The lowering of ``<shape>.<mnemonic>``, or None if it is not an integer-lane op."""
    if mnemonic in _ICMP:
        return partial(_icmp, shape, *_ICMP[mnemonic])
    if mnemonic in _BINOPS:
        return partial(_binop, shape, _BINOPS[mnemonic])
    if mnemonic in _INTRINSIC_BINOPS:
        return partial(_intrinsic_binop, shape, _INTRINSIC_BINOPS[mnemonic])
    if mnemonic in _SHIFTS:
        return partial(_shift, shape, _SHIFTS[mnemonic])
    simple = {"neg": _neg, "abs": _abs, "popcnt": _popcnt, "all_true": _all_true,
              "bitmask": _bitmask, "avgr_u": _avgr_u, "q15mulr_sat_s": _q15mulr_sat_s}
    if mnemonic in simple:
        return partial(simple[mnemonic], shape)
    signed = mnemonic.endswith("_s")
    if mnemonic.startswith("narrow_"):
        return partial(_narrow, shape, signed)
    if mnemonic.startswith("extend_"):
        return partial(_extend_half, shape, mnemonic.startswith("extend_high"), signed)
    if mnemonic.startswith("extadd_pairwise_"):
        return partial(_extadd_pairwise, shape, signed)
    if mnemonic.startswith("extmul_"):
        return partial(_extmul, shape, mnemonic.startswith("extmul_high"), signed)
    if mnemonic.startswith("dot_"):
        return partial(_dot_s, shape)
    return None


def _build() -> dict[int, Handler]:
    handlers = {}
    for op in SIMD:
        shape, _, mnemonic = NAMES[op].partition(".")
        if shape in WIDER or shape == "i64x2":
            handler = _handler(shape, mnemonic)
            if handler is not None:
                handlers[op] = handler
    return handlers


HANDLERS: dict[int, Handler] = _build()

__all__ = ["HANDLERS"]
