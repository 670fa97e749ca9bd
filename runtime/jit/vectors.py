"""LLVM vector vocabulary shared by the SIMD lowering modules.

A v128 lives as an ``i128`` everywhere the translator keeps values (operand
stack, locals, globals, block slots, call arguments): one storage type means
``select``, ``local.get`` and calls need no knowledge of lane shapes.  Each
SIMD instruction bitcasts its operands to the vector type of its shape, works
on lanes, and bitcasts the result back; LLVM folds the round trips away, so
values stay in vector registers across instructions.

Lane order is little-endian, as in Wasm: lane 0 of ``<16 x i8>`` is the least
significant byte of the i128 (x86's layout, and the only one LLVM's bitcast
gives on a little-endian target).
"""
from __future__ import annotations

from llvmlite import ir

from .fastir import IRBuilder, Value, metadata_string
from .llvmtypes import F32, F64, I8, I16, I32, I64, I128, intrinsic

#: LLVM vector type of each SIMD shape
SHAPES: dict[str, ir.VectorType] = {
    "i8x16": ir.VectorType(I8, 16),
    "i16x8": ir.VectorType(I16, 8),
    "i32x4": ir.VectorType(I32, 4),
    "i64x2": ir.VectorType(I64, 2),
    "f32x4": ir.VectorType(F32, 4),
    "f64x2": ir.VectorType(F64, 2),
}

#: the shape whose lanes are twice as wide (half as many), for extends and narrows
WIDER = {"i8x16": "i16x8", "i16x8": "i32x4", "i32x4": "i64x2"}
NARROWER = {wide: narrow for narrow, wide in WIDER.items()}


def vec(b: IRBuilder, v: Value, shape: str) -> Value:
    """View the i128 ``v`` as lanes of ``shape``."""
    return b.bitcast(v, SHAPES[shape])


def v128(b: IRBuilder, v: Value) -> Value:
    """Back to the i128 storage type."""
    return b.bitcast(v, I128)


def splat_const(ty: ir.VectorType, value: int | float) -> ir.Constant:
    """A constant vector of ``ty`` with ``value`` in every lane."""
    return ir.Constant(ty, [ir.Constant(ty.element, value)] * ty.count)


def shuffle(b: IRBuilder, x: Value, y: Value | None, indices: list[int]) -> Value:
    """``shufflevector`` with a constant mask; ``y`` None means "only lanes of ``x``"."""
    if y is None:
        y = ir.Constant(x.type, None)
    mask = ir.Constant(ir.VectorType(I32, len(indices)), [ir.Constant(I32, i) for i in indices])
    return b.shuffle_vector(x, y, mask)


def splat(b: IRBuilder, scalar: Value, ty: ir.VectorType) -> Value:
    """A vector of ``ty`` with ``scalar`` in every lane (insert + broadcast shuffle)."""
    one = b.insert_element(ir.Constant(ty, None), scalar, ir.Constant(I32, 0))
    return shuffle(b, one, None, [0] * ty.count)


def type_suffix(ty: ir.Type) -> str:
    """The overload suffix LLVM uses in intrinsic names: ``v4f32``, ``v16i8``, ``i32``..."""
    if isinstance(ty, ir.VectorType):
        return f"v{ty.count}{type_suffix(ty.element)}"
    if isinstance(ty, ir.IntType):
        return f"i{ty.width}"
    if isinstance(ty, ir.FloatType):
        return "f32"
    if isinstance(ty, ir.DoubleType):
        return "f64"
    raise TypeError(f"no intrinsic suffix for {ty}")


def call(b: IRBuilder, name: str, ret: ir.Type, args: list[Value],
         overloads: tuple[ir.Type, ...] | None = None) -> Value:
    """Call the overloaded intrinsic ``name`` (suffixes from ``overloads``, default the return type)."""
    types = (ret,) if overloads is None else overloads
    full = ".".join([name] + [type_suffix(t) for t in types])
    return b.call(intrinsic(b.module, full, ret, [a.type for a in args]), args)


#: constrained intrinsics that take a rounding-mode operand
_TAKES_ROUNDING = frozenset(("fadd", "fsub", "fmul", "fdiv", "sqrt", "fptrunc"))


def strict(b: IRBuilder, name: str, ret: ir.Type, args: list[Value],
           overloads: tuple[ir.Type, ...] | None = None) -> Value:
    """``llvm.experimental.constrained.<name>``: keeps LLVM from folding away NaN quieting.

    The same reason as for scalars (see ``numeric``): plain ``fmul x, 1.0``
    may be folded to ``x`` and let a signalling NaN lane through, where Wasm
    requires an arithmetic (quiet) NaN.
    """
    meta = [metadata_string("round.tonearest")] if name in _TAKES_ROUNDING else []
    meta.append(metadata_string("fpexcept.maytrap"))
    types = (ret,) if overloads is None else overloads
    full = ".".join(["llvm.experimental.constrained." + name] + [type_suffix(t) for t in types])
    fnty = ir.FunctionType(ret, [a.type for a in args] + [ir.MetaDataType()] * len(meta))
    return b.call(b.module.declare(full, fnty), [*args, *meta])


def mask_to_lanes(b: IRBuilder, flags: Value, ty: ir.VectorType) -> Value:
    """A ``<N x i1>`` comparison result as Wasm's all-ones / all-zeros integer lanes."""
    return b.sext(flags, ty)


def bool_i32(b: IRBuilder, flag: Value) -> Value:
    """An i1 as Wasm's i32 boolean (0 or 1)."""
    return b.zext(flag, I32)
