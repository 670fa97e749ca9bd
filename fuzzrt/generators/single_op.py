"""One module per numeric (and, with SIMD, per immediate-free SIMD) instruction, called with edge operands.

Each case is ``(func (export "op") (param p...) (result r) local.get 0 ...
op)``: the instruction sees exactly the operands the harness passes, with no
constant folding or surrounding code to hide a bad lowering.  ``all_cases``
walks every instruction of ``runtime.syntax.opcodes.NUMERIC`` (and of
``SIMD`` without immediates, when the features enable it) with a fixed
table of edge operands (unary: every edge value of the type; binary: all
pairs of a core edge set); ``generate`` picks one instruction and arguments
from fuzzer bytes.

``canonical_nans`` is True for instructions whose NaN results are
bit-deterministic in the spec (integer ops, comparisons, ``abs``/``neg``/
``copysign``, reinterpretations, conversions from integers), so the oracle
compares those bits exactly; float arithmetic may return any NaN, so there
two NaNs compare equal.
"""
from __future__ import annotations

from collections.abc import Iterator
from functools import lru_cache
from itertools import product

from runtime.features import Features
from runtime.syntax.ast import Export, Func, Module
from runtime.syntax.opcodes import IMM, NAMES, NUMERIC, OP, SIMD, Imm
from runtime.syntax.types import F32, F64, I32, I64, V128, ExternKind, FuncSig

from .args import EDGES, arg_value, f32_bits, f64_bits
from .bodies import NAN_NONDETERMINISTIC_OPS, SAT_OPS, SIGN_EXT_OPS
from .case import Call, Generated
from .encode import encode_module
from .unstructured import Unstructured

EXPORT = "op"

#: operands for binary instructions: every pair of these (a wider net for unary ones: all of EDGES)
CORE_EDGES: dict[int, tuple[int, ...]] = {
    I32: tuple(v & 0xFFFF_FFFF for v in (0, 1, -1, -2**31, 2**31 - 1, 2, 31, 32, 33, 0x8000, -2)),
    I64: tuple(v & 0xFFFF_FFFF_FFFF_FFFF for v in (0, 1, -1, -2**63, 2**63 - 1, 2, 63, 64, 65, 0xFFFF_FFFF, -2)),
    F32: (0x0000_0000, 0x8000_0000, 0x7F80_0000, 0xFF80_0000, 0x7FC0_0000, 0xFFC0_0000, 0x7FA0_0000,
          0x7FC0_0001, 0x0000_0001, 0x7F7F_FFFF, f32_bits(1.0), f32_bits(-1.0), f32_bits(0.5), f32_bits(-2.5)),
    F64: (0x0, 0x8000_0000_0000_0000, 0x7FF0_0000_0000_0000, 0xFFF0_0000_0000_0000, 0x7FF8_0000_0000_0000,
          0xFFF8_0000_0000_0000, 0x7FF4_0000_0000_0000, 0x7FF8_0000_0000_0001, 0x1, 0x7FEF_FFFF_FFFF_FFFF,
          f64_bits(1.0), f64_bits(-1.0), f64_bits(0.5), f64_bits(-2.5)),
    # each lane of each shape at an edge somewhere: lane minimums/maximums, NaNs, infinities, -0
    V128: (0, (1 << 128) - 1, 0x80808080_80808080_80808080_80808080, 0x7FFF8000_7FFF8000_7FFF8000_7FFF8000,
           0x7FFFFFFF_80000000_FFFFFFFF_00000001, 0x80000000_00000000_7FFFFFFF_FFFFFFFF,
           0x7FC00000_FF800000_7FA00000_80000000, 0x3F800000_BFC00000_4F000000_CF000001,
           0x7FF80000_00000001_FFF00000_00000000, 0x41E00000_00000000_C1E00000_00200000,
           0x0F0E0D0C_0B0A0908_07060504_03020100, 0x00FF7F80_10201F11_81FE0201_40C0FF00),
}
_MAX_FUZZ_CALLS = 8


@lru_cache(maxsize=None)
def supported_ops(features: Features = Features()) -> tuple[int, ...]:
    """Every numeric opcode the features allow (SIMD ones without immediates too), in opcode order."""
    numeric = [op for op in NUMERIC
               if (features.sign_extension or op not in SIGN_EXT_OPS)
               and (features.saturating_float_to_int or op not in SAT_OPS)]
    simd = [op for op in SIMD if IMM[op] == Imm.NONE] if features.simd else []
    return tuple(sorted(numeric + simd))


def _sig(op: int) -> tuple[tuple[int, ...], tuple[int, ...]]:
    return NUMERIC[op] if op in NUMERIC else SIMD[op]


@lru_cache(maxsize=None)
def module_for(op: int) -> bytes:
    """The binary of the one-instruction module for ``op``."""
    params, results = _sig(op)
    body = [(OP["local.get"], i) for i in range(len(params))] + [(op, None), (OP["end"], None)]
    module = Module(types=[FuncSig(params, results)], funcs=[Func(0, [], body)],
                    exports=[Export(EXPORT, ExternKind.FUNC, 0)])
    return encode_module(module)


def edge_calls(op: int) -> list[Call]:
    """The fixed edge-operand calls for ``op``."""
    params, _ = _sig(op)
    pools = [EDGES[p] if len(params) == 1 else CORE_EDGES[p] for p in params]
    return [Call(EXPORT, list(zip(params, combo))) for combo in product(*pools)]


def _case(op: int, calls: list[Call], driver: str) -> Generated:
    return Generated(wasm=module_for(op), generator="single-op",
                     config={"op": NAMES[op], "opcode": op, "driver": driver},
                     canonical_nans=op not in NAN_NONDETERMINISTIC_OPS, calls=calls)


def all_cases(features: Features = Features()) -> Iterator[Generated]:
    """One case per supported numeric instruction, with every edge-operand call."""
    for op in supported_ops(features):
        yield _case(op, edge_calls(op), "edges")


def generate(u: Unstructured, features: Features = Features()) -> Generated:
    """One instruction and 1..8 edge-biased argument tuples, chosen by the fuzzer bytes."""
    op = u.choose(supported_ops(features))
    params, _ = _sig(op)
    calls = [Call(EXPORT, [arg_value(u, p) for p in params]) for _ in range(u.int_in_range(1, _MAX_FUZZ_CALLS))]
    return _case(op, calls, "bytes")
