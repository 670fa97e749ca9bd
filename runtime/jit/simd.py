"""Lowering of the 0xFD (SIMD) instructions: the one entry point the translator calls.

``emit_simd`` handles every instruction of ``opcodes.SIMD``: lane arithmetic
comes from ``simd_int`` and ``simd_float``; this module adds what needs the
function compiler or immediates — memory accesses (always bounds-checked
through the translator's ``_mem_addr``, which traps out of bounds), constants,
shuffles, lane extraction/replacement, splats and the bitwise ops.

Two places where LLVM and Wasm differ are handled here:

* ``i8x16.swizzle``: an index of 16 or more selects 0 in Wasm, while an
  out-of-range ``extractelement`` is poison in LLVM.  The lowering indexes
  with ``idx & 15`` (always in range) and then zeroes the lanes whose index
  was out of range; x86 selects this to ``pshufb`` plus a blend.
* ``i8x16.shuffle`` indexes the 32 bytes of both operands, exactly LLVM's
  ``shufflevector`` mask semantics; the validator has bounded them to < 32.
"""
from __future__ import annotations

from functools import partial
from typing import Any, Callable, Protocol

from llvmlite import ir

from ..syntax.opcodes import NAMES, SIMD, SIMD_MEM
from .fastir import IRBuilder, Value
from .llvmtypes import I32, I64, I128
from .simd_float import HANDLERS as _FLOAT
from .simd_int import HANDLERS as _INT
from .vectors import SHAPES, bool_i32, splat, splat_const, v128, vec

#: lane shape of the N-bit integer lanes memory instructions move
_INT_SHAPE = {8: "i8x16", 16: "i16x8", 32: "i32x4", 64: "i64x2"}
_ALL_ONES = ir.Constant(SHAPES["i64x2"], [ir.Constant(I64, -1)] * 2)


class SimdTarget(Protocol):
    """What the lowering needs from the function translator."""

    b: IRBuilder
    stack: list

    def _mem_addr(self, addr32: Value, offset: int, size: int) -> Value:
        """Bounds-checked native address of a ``size``-byte access (traps when out of bounds)."""


Plain = Callable[[IRBuilder, list[Value]], Value]
WithImm = Callable[[IRBuilder, list[Value], Any], Value]
Memory = Callable[[SimdTarget, Any], None]


def emit_simd(target: SimdTarget, op: int, imm: Any) -> None:
    """Translate the SIMD instruction ``(op, imm)`` on ``target``'s operand stack."""
    stack = target.stack
    plain = _PLAIN.get(op)
    if plain is not None or op in _WITH_IMM:
        n = _ARITY[op]
        args = stack[len(stack) - n:] if n else []
        del stack[len(stack) - n:]
        if plain is not None:
            stack.append(plain(target.b, args))
        else:
            stack.append(_WITH_IMM[op](target.b, args, imm))
        return
    _MEMORY[op](target, imm)


# --- bitwise ---------------------------------------------------------------------

def _bits(b: IRBuilder, v: Value) -> Value:
    # <2 x i64> keeps bitwise ops in vector registers; on i128 LLVM would split them into GPR pairs.
    return vec(b, v, "i64x2")


def _not(b: IRBuilder, args: list[Value]) -> Value:
    return v128(b, b.xor(_bits(b, args[0]), _ALL_ONES))


def _bitwise(method, b: IRBuilder, args: list[Value]) -> Value:
    return v128(b, method(b, _bits(b, args[0]), _bits(b, args[1])))


def _andnot(b: IRBuilder, args: list[Value]) -> Value:
    return v128(b, b.and_(_bits(b, args[0]), b.xor(_bits(b, args[1]), _ALL_ONES)))


def _bitselect(b: IRBuilder, args: list[Value]) -> Value:
    x, y, c = (_bits(b, a) for a in args)
    return v128(b, b.or_(b.and_(x, c), b.and_(y, b.xor(c, _ALL_ONES))))


def _any_true(b: IRBuilder, args: list[Value]) -> Value:
    return bool_i32(b, b.icmp_unsigned("!=", args[0], ir.Constant(I128, 0)))


# --- lanes, splats, shuffles ----------------------------------------------------------

def _lane_scalar(b: IRBuilder, x: Value, shape: str) -> Value:
    """An i32 operand narrowed to an i8/i16 lane; other lane types are already the operand's."""
    elem = SHAPES[shape].element
    if isinstance(elem, ir.IntType) and elem.width < 32:
        return b.trunc(x, elem)
    return x


def _splat(shape: str, b: IRBuilder, args: list[Value]) -> Value:
    return v128(b, splat(b, _lane_scalar(b, args[0], shape), SHAPES[shape]))


def _extract(shape: str, extend: str, b: IRBuilder, args: list[Value], lane: int) -> Value:
    x = b.extract_element(vec(b, args[0], shape), ir.Constant(I32, lane))
    if extend == "s":
        return b.sext(x, I32)
    if extend == "u":
        return b.zext(x, I32)
    return x


def _replace(shape: str, b: IRBuilder, args: list[Value], lane: int) -> Value:
    x = _lane_scalar(b, args[1], shape)
    return v128(b, b.insert_element(vec(b, args[0], shape), x, ir.Constant(I32, lane)))


def _const(b: IRBuilder, args: list[Value], bits: int) -> Value:
    # LLVM reads an integer literal as signed: give the two's-complement value.
    return ir.Constant(I128, bits - (1 << 128) if bits >> 127 else bits)


def _shuffle(b: IRBuilder, args: list[Value], lanes: tuple[int, ...]) -> Value:
    x, y = (vec(b, a, "i8x16") for a in args)
    mask = ir.Constant(ir.VectorType(I32, 16), [ir.Constant(I32, i) for i in lanes])
    return v128(b, b.shuffle_vector(x, y, mask))


def _swizzle(b: IRBuilder, args: list[Value]) -> Value:
    x, idx = (vec(b, a, "i8x16") for a in args)
    ty = x.type
    masked = b.and_(idx, splat_const(ty, 15))
    picked = ir.Constant(ty, None)
    for i in range(16):
        lane = ir.Constant(I32, i)
        picked = b.insert_element(picked, b.extract_element(x, b.extract_element(masked, lane)), lane)
    in_range = b.icmp_unsigned("<", idx, splat_const(ty, 16))
    return v128(b, b.select(in_range, picked, ir.Constant(ty, None)))


# --- memory ----------------------------------------------------------------------

def _addr(target: SimdTarget, imm: tuple, size: int) -> Value:
    return target._mem_addr(target.stack.pop(), imm[1], size)


def _load(target: SimdTarget, imm: tuple) -> None:
    target.stack.append(target.b.load(_addr(target, imm, 16), typ=I128, align=1))


def _store(target: SimdTarget, imm: tuple) -> None:
    v = target.stack.pop()
    target.b.store(v, _addr(target, imm, 16), align=1)


def _load_extend(bits: int, signed: bool, target: SimdTarget, imm: tuple) -> None:
    """v128.load8x8_s and friends: 64 bits of narrow lanes, each extended to twice its width."""
    b = target.b
    n = 64 // bits
    narrow = b.load(_addr(target, imm, 8), typ=ir.VectorType(ir.IntType(bits), n), align=1)
    wide = ir.VectorType(ir.IntType(2 * bits), n)
    target.stack.append(v128(b, b.sext(narrow, wide) if signed else b.zext(narrow, wide)))


def _load_splat(bits: int, target: SimdTarget, imm: tuple) -> None:
    b = target.b
    x = b.load(_addr(target, imm, bits // 8), typ=ir.IntType(bits), align=1)
    target.stack.append(v128(b, splat(b, x, SHAPES[_INT_SHAPE[bits]])))


def _load_zero(bits: int, target: SimdTarget, imm: tuple) -> None:
    b = target.b
    x = b.load(_addr(target, imm, bits // 8), typ=ir.IntType(bits), align=1)
    target.stack.append(b.zext(x, I128))


def _load_lane(bits: int, target: SimdTarget, imm: tuple) -> None:
    b = target.b
    v = target.stack.pop()
    x = b.load(_addr(target, imm, bits // 8), typ=ir.IntType(bits), align=1)
    lanes = vec(b, v, _INT_SHAPE[bits])
    target.stack.append(v128(b, b.insert_element(lanes, x, ir.Constant(I32, imm[2]))))


def _store_lane(bits: int, target: SimdTarget, imm: tuple) -> None:
    b = target.b
    v = target.stack.pop()
    x = b.extract_element(vec(b, v, _INT_SHAPE[bits]), ir.Constant(I32, imm[2]))
    b.store(x, _addr(target, imm, bits // 8), align=1)


# --- the tables --------------------------------------------------------------------

def _memory_handler(name: str) -> Memory:
    """The lowering of a SIMD memory instruction, from its name (``v128.load16_lane``...)."""
    mnemonic = name.partition(".")[2]
    if mnemonic == "load":
        return _load
    if mnemonic == "store":
        return _store
    head, _, kind = mnemonic.partition("_")      # "load8", "splat" / "load64", "lane" ...
    if kind == "splat":
        return partial(_load_splat, int(head[4:]))
    if kind == "zero":
        return partial(_load_zero, int(head[4:]))
    if kind == "lane":
        if head.startswith("load"):
            return partial(_load_lane, int(head[4:]))
        return partial(_store_lane, int(head[5:]))
    bits = int(head[4:head.index("x")])          # load8x8, load16x4, load32x2
    return partial(_load_extend, bits, kind == "s")


def _bitwise_table() -> dict[str, Plain]:
    return {"v128.not": _not, "v128.andnot": _andnot, "v128.bitselect": _bitselect,
            "v128.any_true": _any_true, "i8x16.swizzle": _swizzle,
            "v128.and": partial(_bitwise, IRBuilder.and_),
            "v128.or": partial(_bitwise, IRBuilder.or_),
            "v128.xor": partial(_bitwise, IRBuilder.xor)}


def _build() -> tuple[dict[int, Plain], dict[int, WithImm], dict[int, Memory], dict[int, int]]:
    plain: dict[int, Plain] = {**_INT, **_FLOAT}
    with_imm: dict[int, WithImm] = {}
    memory: dict[int, Memory] = {}
    bitwise = _bitwise_table()
    for op in SIMD:
        if op in plain:
            continue
        name = NAMES[op]
        shape, _, mnemonic = name.partition(".")
        if op in SIMD_MEM:
            memory[op] = _memory_handler(name)
        elif name in bitwise:
            plain[op] = bitwise[name]
        elif mnemonic == "splat":
            plain[op] = partial(_splat, shape)
        elif mnemonic.startswith("extract_lane"):
            with_imm[op] = partial(_extract, shape, mnemonic[len("extract_lane_"):])
        elif mnemonic == "replace_lane":
            with_imm[op] = partial(_replace, shape)
        elif name == "v128.const":
            with_imm[op] = _const
        elif name == "i8x16.shuffle":
            with_imm[op] = _shuffle
        else:  # every SIMD instruction must have a lowering: fail at import, not at run time
            raise AssertionError(f"no SIMD lowering for {name}")
    arity = {op: len(SIMD[op][0]) for op in SIMD}
    return plain, with_imm, memory, arity


_PLAIN, _WITH_IMM, _MEMORY, _ARITY = _build()

__all__ = ["emit_simd", "SimdTarget"]
