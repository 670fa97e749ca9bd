"""Float-lane SIMD instructions and the float<->int lane conversions as LLVM vector IR.

The scalar rules of ``numeric`` carry over lane by lane:

* arithmetic that can turn a NaN operand into a NaN result (add, sub, mul,
  div, sqrt, the roundings, demote, promote) uses LLVM's constrained
  intrinsics, so the optimiser cannot fold ``x * 1.0`` or
  ``fptrunc (fpext x)`` to ``x`` and hand a signalling NaN lane back, where
  Wasm requires an arithmetic NaN;
* ``min``/``max`` propagate NaN and order -0 below +0.  ``llvm.minimum`` /
  ``llvm.maximum`` do both, but x86 code for them may return a signalling NaN
  operand unquieted, so NaN lanes take the sum of the operands instead (a
  quieted operand NaN, canonical NaNs staying canonical) — LLVM's
  ``minnum``/``maxnum`` and x86 ``minps`` would be wrong outright (they
  return the non-NaN operand, or the second one);
* ``pmin``/``pmax`` are *not* min/max: they are defined as ``b < a ? b : a``
  and ``a < b ? b : a`` and return an operand bit for bit, NaN included, so
  they are exactly an ordered compare and a select;
* comparisons are ordered except ``ne`` (true when either lane is NaN);
* ``trunc_sat`` maps to ``llvm.fptosi.sat``/``fptoui.sat``, whose NaN -> 0 and
  clamping are Wasm's; ``fptosi`` itself would be poison out of range.

Handlers take ``(builder, args)`` (i128 values in push order) and return the
i128 result; ``HANDLERS`` maps each float op of ``opcodes.SIMD`` to one.
"""
from __future__ import annotations

from functools import partial
from typing import Callable

from llvmlite import ir

from ..syntax.opcodes import NAMES, SIMD
from .fastir import IRBuilder, Value
from .llvmtypes import F32, I32
from .vectors import SHAPES, call, mask_to_lanes, shuffle, strict, v128, vec

Handler = Callable[[IRBuilder, list[Value]], Value]

#: mnemonic -> (ordered?, predicate)
_FCMP = {"eq": (True, "=="), "ne": (False, "!="), "lt": (True, "<"), "gt": (True, ">"),
         "le": (True, "<="), "ge": (True, ">=")}
_STRICT_BINARY = {"add": "fadd", "sub": "fsub", "mul": "fmul", "div": "fdiv"}
_STRICT_UNARY = {"sqrt": "sqrt", "ceil": "ceil", "floor": "floor", "trunc": "trunc",
                 "nearest": "roundeven"}
_INT_LANES = {"f32x4": "i32x4", "f64x2": "i64x2"}


def _fcmp(shape: str, ordered: bool, pred: str, b: IRBuilder, args: list[Value]) -> Value:
    x, y = (vec(b, a, shape) for a in args)
    flags = (b.fcmp_ordered if ordered else b.fcmp_unordered)(pred, x, y)
    return v128(b, mask_to_lanes(b, flags, SHAPES[_INT_LANES[shape]]))


def _strict_binary(shape: str, name: str, b: IRBuilder, args: list[Value]) -> Value:
    x, y = (vec(b, a, shape) for a in args)
    return v128(b, strict(b, name, SHAPES[shape], [x, y]))


def _strict_unary(shape: str, name: str, b: IRBuilder, args: list[Value]) -> Value:
    return v128(b, strict(b, name, SHAPES[shape], [vec(b, args[0], shape)]))


def _abs(shape: str, b: IRBuilder, args: list[Value]) -> Value:
    # fabs and fneg only touch sign bits, so NaN payloads survive as Wasm requires.
    return v128(b, call(b, "llvm.fabs", SHAPES[shape], [vec(b, args[0], shape)]))


def _neg(shape: str, b: IRBuilder, args: list[Value]) -> Value:
    return v128(b, b.fneg(vec(b, args[0], shape)))


def _min_max(shape: str, name: str, b: IRBuilder, args: list[Value]) -> Value:
    ty = SHAPES[shape]
    x, y = (vec(b, a, shape) for a in args)
    either_nan = b.fcmp_unordered("uno", x, y)
    quieted = strict(b, "fadd", ty, [x, y])
    return v128(b, b.select(either_nan, quieted, call(b, name, ty, [x, y])))


def _pmin_pmax(shape: str, is_max: bool, b: IRBuilder, args: list[Value]) -> Value:
    x, y = (vec(b, a, shape) for a in args)
    take_y = b.fcmp_ordered("<", x, y) if is_max else b.fcmp_ordered("<", y, x)
    return v128(b, b.select(take_y, y, x))


def _demote_zero(shape: str, b: IRBuilder, args: list[Value]) -> Value:
    pair = ir.VectorType(F32, 2)
    narrow = strict(b, "fptrunc", pair, [vec(b, args[0], "f64x2")], (pair, SHAPES["f64x2"]))
    return v128(b, shuffle(b, narrow, ir.Constant(pair, None), [0, 1, 2, 3]))


def _promote_low(shape: str, b: IRBuilder, args: list[Value]) -> Value:
    low = shuffle(b, vec(b, args[0], "f32x4"), None, [0, 1])
    return v128(b, strict(b, "fpext", SHAPES["f64x2"], [low], (SHAPES["f64x2"], low.type)))


def _convert(shape: str, signed: bool, low: bool, b: IRBuilder, args: list[Value]) -> Value:
    # Integer -> float rounds to nearest-even in LLVM as in Wasm, and cannot make a NaN.
    src = vec(b, args[0], "i32x4")
    if low:
        src = shuffle(b, src, None, [0, 1])
    dst = SHAPES[shape]
    return v128(b, (b.sitofp if signed else b.uitofp)(src, dst))


def _trunc_sat(src_shape: str, signed: bool, zero: bool, b: IRBuilder, args: list[Value]) -> Value:
    src = SHAPES[src_shape]
    ity = ir.VectorType(I32, src.count)
    name = "llvm.fptosi.sat" if signed else "llvm.fptoui.sat"
    r = call(b, name, ity, [vec(b, args[0], src_shape)], (ity, src))
    if zero:
        r = shuffle(b, r, ir.Constant(ity, None), [0, 1, 2, 3])
    return v128(b, r)


def _handler(shape: str, mnemonic: str) -> Handler | None:
    """The lowering of ``<shape>.<mnemonic>``, or None if it is not a float-lane op."""
    if shape == "i32x4":
        if not mnemonic.startswith("trunc_sat_"):
            return None
        _, _, src, sign, *zero = mnemonic.split("_")  # trunc_sat_f64x2_s_zero
        return partial(_trunc_sat, src, sign == "s", bool(zero))
    if mnemonic in _FCMP:
        return partial(_fcmp, shape, *_FCMP[mnemonic])
    if mnemonic in _STRICT_BINARY:
        return partial(_strict_binary, shape, _STRICT_BINARY[mnemonic])
    if mnemonic in _STRICT_UNARY:
        return partial(_strict_unary, shape, _STRICT_UNARY[mnemonic])
    if mnemonic in ("min", "max"):
        return partial(_min_max, shape, "llvm.minimum" if mnemonic == "min" else "llvm.maximum")
    if mnemonic in ("pmin", "pmax"):
        return partial(_pmin_pmax, shape, mnemonic == "pmax")
    if mnemonic.startswith("convert_"):
        return partial(_convert, shape, mnemonic.endswith("_s"), mnemonic.startswith("convert_low"))
    simple = {"abs": _abs, "neg": _neg, "demote_f64x2_zero": _demote_zero,
              "promote_low_f32x4": _promote_low}
    if mnemonic in simple:
        return partial(simple[mnemonic], shape)
    return None


def _build() -> dict[int, Handler]:
    handlers = {}
    for op in SIMD:
        shape, _, mnemonic = NAMES[op].partition(".")
        if shape in ("f32x4", "f64x2", "i32x4"):
            handler = _handler(shape, mnemonic)
            if handler is not None:
                handlers[op] = handler
    return handlers


HANDLERS: dict[int, Handler] = _build()

__all__ = ["HANDLERS"]
