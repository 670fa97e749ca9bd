"""Differential tests of the JIT's numeric lowering against wasmtime.

Every op of ``opcodes.NUMERIC`` is lowered into one LLVM function of a single
module, JIT-compiled and run on a grid of edge operands; the same op runs in
wasmtime through a one-instruction wasm function.  The module is built several
ways, because LLVM's optimiser is where undefined behaviour and NaN-unsafe
rewrites bite: unoptimised, optimised, for a baseline x86-64 CPU (library
calls instead of SSE4.1/AVX-512 instructions), with all operands constant (the
constant folder) and with an identity constant opposite a run-time operand
(algebraic rewrites).  Values cross both boundaries as raw bits in integers so
NaN payloads are compared exactly.
"""
from __future__ import annotations

import ctypes
import random
import struct

import llvmlite.binding as llvm
import pytest
import wasmtime
from llvmlite import ir

from runtime.errors import TrapCode, WasmError
from runtime.jit import fastir
from runtime.jit.numeric import LLVM_TYPES, emit_numeric
from runtime.syntax.opcodes import NAMES, NUMERIC, OP
from runtime.syntax.types import F32, F64, I32, I64, valtype_name

BITS = {I32: 32, I64: 64, F32: 32, F64: 64}
MASK = {t: (1 << n) - 1 for t, n in BITS.items()}
FLOATS = (F32, F64)
I64_T = ir.IntType(64)


# --- operand grids -----------------------------------------------------------

def f32_bits(x: float) -> int:
    return struct.unpack("<I", struct.pack("<f", x))[0]


def f64_bits(x: float) -> int:
    return struct.unpack("<Q", struct.pack("<d", x))[0]


def below(bits: int) -> int:
    """The float next toward zero from a nonzero float given as bits."""
    return bits - 1


_rng = random.Random(0x5EED)

I32_BINARY = [
    0, 1, 2, 3, 7, 31, 32, 33, 63, 64, 0x7F, 0x80, 0xFF, 0x8000, 0xFFFF,
    0x7FFF_FFFF, 0x8000_0000, 0x8000_0001, 0xFFFF_FFFF, 0xFFFF_FFFE, 0xFFFF_FFE0,
    0x1234_5678, 0xDEAD_BEEF, 0x5555_5555,
]
I64_BINARY = [
    0, 1, 2, 3, 31, 32, 63, 64, 65, 0x80, 0xFFFF, 0x7FFF_FFFF, 0x8000_0000, 0xFFFF_FFFF,
    0x1_0000_0000, 0x7FFF_FFFF_FFFF_FFFF, 0x8000_0000_0000_0000, 0x8000_0000_0000_0001,
    0xFFFF_FFFF_FFFF_FFFF, 0xFFFF_FFFF_FFFF_FFFE, 0xFFFF_FFFF_8000_0000,
    0x1234_5678_9ABC_DEF0, 0xDEAD_BEEF_CAFE_BABE,
]
# Integers whose conversion to float rounds in interesting ways: exact ties,
# just-above-tie values (where rounding through f64 first goes wrong for f32),
# and the extremes.
I64_CONVERT = [
    (1 << 24) + 1, (1 << 24) + 3, (1 << 53) + 1, (1 << 53) + 3, (1 << 62) + (1 << 38) + 1,
    (1 << 63) + (1 << 39) + 1, (1 << 63) + (1 << 39), (1 << 63) + (1 << 40) + (1 << 39),
    (1 << 63) + (1 << 10) + 1, (1 << 63) + (1 << 11) + (1 << 10), 0xFFFF_FF80_0000_0000,
    0xFFFF_FF7F_FFFF_FFFF, 0xFFFF_FFFF_FFFF_FC00, 0xFFFF_FFFF_FFFF_FBFF, 0x7FFF_FFBF_FFFF_FFFF,
    0x7FFF_FFFF_FFFF_FDFF, -(1 << 63) + 1 & MASK[I64], 0x0020_0000_2000_0001,
]
I32_CONVERT = [(1 << 24) + 1, (1 << 24) + 3, 0x7FFF_FFC0, 0x7FFF_FFBF, 0xFFFF_FF80, 0x8000_0081]

F32_BINARY = [f32_bits(x) for x in (
    0.0, -0.0, 1.0, -1.0, 0.5, -0.5, 1.5, -1.5, 2.5, -2.5, 3.0, float("inf"), float("-inf"),
    3.4028234663852886e38, -3.4028234663852886e38, 1.1754943508222875e-38)] + [
    0x0000_0001, 0x8000_0001, 0x007F_FFFF,        # subnormals
    0x7FC0_0000, 0xFFC0_0000,                     # canonical NaNs
    0x7FC1_2345, 0xFFE0_0001,                     # quiet NaNs with payloads
    0x7F81_2345, 0xFF80_0001,                     # signalling NaNs
    f32_bits(2.0 ** 31), f32_bits(2.0 ** 63),
]
F64_BINARY = [f64_bits(x) for x in (
    0.0, -0.0, 1.0, -1.0, 0.5, -0.5, 1.5, -1.5, 2.5, -2.5, 3.0, float("inf"), float("-inf"),
    1.7976931348623157e308, -1.7976931348623157e308, 2.2250738585072014e-308)] + [
    0x0000_0000_0000_0001, 0x8000_0000_0000_0001, 0x000F_FFFF_FFFF_FFFF,
    0x7FF8_0000_0000_0000, 0xFFF8_0000_0000_0000,
    0x7FF8_1234_5678_9ABC, 0xFFFC_0000_0000_0001,
    0x7FF0_1234_5678_9ABC, 0xFFF0_0000_0000_0001,
    f64_bits(2.0 ** 31), f64_bits(2.0 ** 63),
]


def _float_edges(to_bits, mantissa_bits: int) -> list[int]:
    """Values at and around every trapping-truncation bound, plus rounding cases."""
    out = []
    for p in (31, 32, 63, 64):
        for sign in (1.0, -1.0):
            b = to_bits(sign * 2.0 ** p)
            out += [b, below(b), b + 1]
    tie = 2.0 ** (mantissa_bits - 1) + 0.5         # exact, and a tie for nearest
    out += [below(to_bits(-1.0)), to_bits(tie), to_bits(tie + 1.0), to_bits(-tie)]
    out += [to_bits(x) for x in (0.49999997, 0.5000001, 4.5, -4.5, 5.5, 1e10, -1e10, 3.14159)]
    return out


F32_UNARY = F32_BINARY + _float_edges(f32_bits, 23) + [
    f32_bits(-2147483904.0), f32_bits(4294967040.0), 0x3F80_0001, 0x4B80_0001,
] + [_rng.getrandbits(32) for _ in range(24)]
F64_UNARY = F64_BINARY + _float_edges(f64_bits, 52) + [
    f64_bits(-2147483649.0), below(f64_bits(-2147483649.0)), f64_bits(-2147483649.0) + 1,
    f64_bits(-4294967297.0), f64_bits(4294967295.5), f64_bits(-9223372036854777856.0),
    f64_bits(1.0000000596046448), f64_bits(3.4028235677973366e38), f64_bits(1e-310),
    f64_bits(1.401298464324817e-45), f64_bits(7.006492321624085e-46),
] + [_rng.getrandbits(64) for _ in range(24)]
I32_UNARY = I32_BINARY + I32_CONVERT + [_rng.getrandbits(32) for _ in range(24)]
I64_UNARY = I64_BINARY + I64_CONVERT + [_rng.getrandbits(64) for _ in range(24)]

BINARY_GRID = {I32: I32_BINARY, I64: I64_BINARY, F32: F32_BINARY, F64: F64_BINARY}
UNARY_GRID = {I32: I32_UNARY, I64: I64_UNARY, F32: F32_UNARY, F64: F64_UNARY}


def operands(op: int) -> list[tuple[int, ...]]:
    params = NUMERIC[op][0]
    if len(params) == 1:
        return [(x,) for x in UNARY_GRID[params[0]]]
    grid = BINARY_GRID[params[0]]
    return [(x, y) for x in grid for y in grid]


# --- the native side ---------------------------------------------------------

def _from_raw(b: ir.IRBuilder, raw: ir.Value, t: int) -> ir.Value:
    if t == I64:
        return raw
    if t == F64:
        return b.bitcast(raw, LLVM_TYPES[F64])
    narrow = b.trunc(raw, LLVM_TYPES[I32])
    return narrow if t == I32 else b.bitcast(narrow, LLVM_TYPES[F32])


def _constant(bits: int, t: int) -> ir.Constant:
    """An exact constant of type ``t``; floats go through a bitcast because
    llvmlite's float constants pass through a Python float, which quiets
    signalling NaNs."""
    carrier = ir.IntType(BITS[t])
    value = ir.Constant(carrier, bits)
    return value.bitcast(LLVM_TYPES[t]) if t in FLOATS else value


def _to_raw(b: ir.IRBuilder, value: ir.Value, t: int) -> ir.Value:
    if t == I64:
        return value
    if t == F64:
        return b.bitcast(value, I64_T)
    if t == F32:
        value = b.bitcast(value, LLVM_TYPES[I32])
    return b.zext(value, I64_T)


#: Smaller grids for the constant-folding build: there every case is a block of its own.
FOLD_BINARY_GRID = {
    I32: [0, 1, 0xFFFF_FFFF, 0x8000_0000, 0x7FFF_FFFF, 31, 32, 33, 0x80, 0xFFFF_FFE0],
    I64: [0, 1, MASK[I64], 1 << 63, (1 << 63) - 1, 63, 64, 65, 0x80, 0xFFFF_FFFF],
    F32: [0x0, 0x8000_0000, f32_bits(1.0), f32_bits(-1.5), f32_bits(float("inf")),
          f32_bits(float("-inf")), 0x7FC0_0000, 0x7F81_2345, 0xFFE0_0001, 0x0000_0001],
    F64: [0x0, 1 << 63, f64_bits(1.0), f64_bits(-1.5), f64_bits(float("inf")),
          f64_bits(float("-inf")), 0x7FF8 << 48, 0x7FF0_1234_5678_9ABC, 0xFFFC_0000_0000_0001, 1],
}
#: Constants the optimiser's algebraic identities key on (x*1, x-0, x/-1, min(x,inf)...),
#: placed opposite a run-time operand.
IDENTITY_CONSTANTS = {
    F32: [f32_bits(x) for x in (0.0, -0.0, 1.0, -1.0, 2.0, float("inf"), float("-inf"))] + [0x7FC0_0000],
    F64: [f64_bits(x) for x in (0.0, -0.0, 1.0, -1.0, 2.0, float("inf"), float("-inf"))] + [0x7FF8 << 48],
}

#: Where each operand of a compiled case comes from: an int is a constant
#: built into the code, None the next run-time argument.
Template = tuple[int | None, ...]


def templates(op: int, mode: str) -> list[Template]:
    """The cases compiled for ``op``: "runtime" takes every operand at run
    time, "folded" makes them all constants (so LLVM's constant folder sees
    them), "mixed" puts an identity constant opposite a run-time operand of a
    binary float op (so the optimiser's algebraic rewrites see them)."""
    params = NUMERIC[op][0]
    if mode == "runtime":
        return [(None,) * len(params)]
    if mode == "folded":
        if len(params) == 1:
            return operands(op)
        grid = FOLD_BINARY_GRID[params[0]]
        return [(x, y) for x in grid for y in grid]
    if len(params) == 2 and params[0] in FLOATS:
        consts = IDENTITY_CONSTANTS[params[0]]
        return [(None, c) for c in consts] + [(c, None) for c in consts]
    return []


class _OpFunction:
    """``i32 op_N(i64 case, i64 a, i64 b, ptr out)`` runs template number ``case``
    with run-time operands ``a``, ``b``: returns 0 and stores the raw result
    bits, or returns the trap code + 1."""

    def __init__(self, module: ir.Module, op: int, cases: list[Template]):
        self.op = op
        fnty = ir.FunctionType(ir.IntType(32), [I64_T, I64_T, I64_T, ir.PointerType()])
        self.fn = fastir.Function(module, fnty, f"op_{op}")
        self.b = fastir.IRBuilder(self.fn.append_basic_block("entry"), self.fn)
        params = NUMERIC[op][0]
        out_of_cases = self.fn.append_basic_block("no_case")
        switch = self.b.switch(self.fn.args[0], out_of_cases)
        for index, template in enumerate(cases):
            block = self.fn.append_basic_block(f"case_{index}")
            switch.add_case(ir.Constant(I64_T, index), block)
            self.b.position_at_end(block)
            runtime = iter(self.fn.args[1:3])
            self._lower([_from_raw(self.b, next(runtime), t) if x is None else _constant(x, t)
                         for x, t in zip(template, params)])
        self.b.position_at_end(out_of_cases)
        self.b.unreachable()

    def _trap(self, cond: ir.Value, code: TrapCode) -> None:
        trapped = self.fn.append_basic_block("trap")
        cont = self.fn.append_basic_block("cont")
        self.b.cbranch(cond, trapped, cont)
        with self.b.goto_block(trapped):
            self.b.ret(ir.Constant(ir.IntType(32), code.value + 1))
        self.b.position_at_end(cont)

    def _lower(self, args: list[ir.Value]) -> None:
        result_type = NUMERIC[self.op][1][0]
        result = emit_numeric(self.b, self.op, args, self._trap)
        assert result.type == LLVM_TYPES[result_type], NAMES[self.op]
        self.b.store(_to_raw(self.b, result, result_type), self.fn.args[3])
        self.b.ret(ir.Constant(ir.IntType(32), 0))


def jit(module: ir.Module, opt_level: int, generic_cpu: bool = False) -> llvm.ExecutionEngine:
    """Verify, optimise and JIT ``module``, as the runtime's backend does."""
    llvm.initialize_native_target()
    llvm.initialize_native_asmprinter()
    cpu, features = ("x86-64", "") if generic_cpu else (llvm.get_host_cpu_name(),
                                                        llvm.get_host_cpu_features().flatten())
    # A fresh TargetMachine per engine: the engine takes ownership of it.
    tm = llvm.Target.from_default_triple().create_target_machine(
        cpu=cpu, features=features, opt=opt_level, codemodel="jitdefault")
    parsed = llvm.parse_assembly(str(module))
    parsed.verify()
    if opt_level:
        pb = llvm.create_pass_builder(tm, llvm.create_pipeline_tuning_options(speed_level=opt_level))
        pb.getModulePassManager().run(parsed, pb)
    engine = llvm.create_mcjit_compiler(parsed, tm)
    engine.finalize_object()
    return engine


_FN_TYPE = ctypes.CFUNCTYPE(ctypes.c_int32, ctypes.c_uint64, ctypes.c_uint64, ctypes.c_uint64,
                            ctypes.POINTER(ctypes.c_uint64))


class Native:
    """Every op JIT-compiled into one module, with the cases of ``templates(op, mode)``.

    Results are ("ok", raw result bits) or ("trap", TrapCode name).
    """

    def __init__(self, opt_level: int, mode: str = "runtime", generic_cpu: bool = False):
        self.mode = mode
        self.cases = {op: templates(op, mode) for op in NUMERIC}
        self.cases = {op: cases for op, cases in self.cases.items() if cases}
        module = fastir.Module("numeric_test")
        for op, cases in self.cases.items():
            _OpFunction(module, op, cases)
        self.engine = jit(module, opt_level, generic_cpu)
        self.fns = {op: _FN_TYPE(self.engine.get_function_address(f"op_{op}")) for op in self.cases}
        self.case_index = {op: {t: i for i, t in enumerate(cases)} for op, cases in self.cases.items()}
        self.out = ctypes.c_uint64()

    def call(self, op: int, case: int, runtime: tuple[int, ...]) -> tuple[str, object]:
        a, b = (*runtime, 0, 0)[:2]
        code = self.fns[op](case, a, b, ctypes.byref(self.out))
        if code:
            return "trap", TrapCode(code - 1).name
        return "ok", self.out.value & MASK[NUMERIC[op][1][0]]

    def run(self, op: int, args: tuple[int, ...]) -> tuple[str, object]:
        """``op`` on ``args``, in a "runtime" or "folded" build."""
        if self.mode == "folded":
            return self.call(op, self.case_index[op][args], ())
        return self.call(op, 0, args)


# --- the reference side ------------------------------------------------------

def _carrier(t: int) -> str:
    """The integer type that carries a value's bits across the wasmtime API."""
    return "i64" if BITS[t] == 64 else "i32"


def _wat_func(op: int) -> str:
    params, results = NUMERIC[op]
    body = []
    for i, t in enumerate(params):
        body.append(f"local.get {i}")
        if t in FLOATS:
            body.append(f"{valtype_name(t)}.reinterpret_{_carrier(t)}")
    body.append(NAMES[op])
    if results[0] in FLOATS:
        body.append(f"{_carrier(results[0])}.reinterpret_{valtype_name(results[0])}")
    sig = " ".join(_carrier(t) for t in params)
    return (f'(func (export "op_{op}") (param {sig}) (result {_carrier(results[0])})\n  '
            + "\n  ".join(body) + ")")


class Reference:
    """wasmtime running every op, with float operands and results carried as integer bits."""

    def __init__(self):
        engine = wasmtime.Engine()
        self.store = wasmtime.Store(engine)
        wat = "(module\n" + "\n".join(_wat_func(op) for op in NUMERIC) + ")"
        instance = wasmtime.Instance(self.store, wasmtime.Module(engine, wasmtime.wat2wasm(wat)), [])
        exports = instance.exports(self.store)
        self.fns = {op: exports[f"op_{op}"] for op in NUMERIC}

    def run(self, op: int, args: tuple[int, ...]) -> tuple[str, object]:
        params, results = NUMERIC[op]
        signed = []
        for x, t in zip(args, params):
            width = BITS[t]
            signed.append(x - (1 << width) if x >> (width - 1) else x)
        try:
            value = self.fns[op](self.store, *signed)
        except wasmtime.Trap as trap:
            return "trap", trap.trap_code.name
        return "ok", value & MASK[results[0]]


# --- comparing ---------------------------------------------------------------

def is_nan(bits: int, t: int) -> bool:
    if t == F32:
        return bits & 0x7F80_0000 == 0x7F80_0000 and bits & 0x007F_FFFF != 0
    return bits & 0x7FF0_0000_0000_0000 == 0x7FF0_0000_0000_0000 and bits & 0x000F_FFFF_FFFF_FFFF != 0


def is_canonical_nan(bits: int, t: int) -> bool:
    return bits & 0x7FFF_FFFF == 0x7FC0_0000 if t == F32 else bits & MASK[I64] >> 1 == 0x7FF8 << 48


def is_arithmetic_nan(bits: int, t: int) -> bool:
    quiet = 1 << 22 if t == F32 else 1 << 51
    return is_nan(bits, t) and bool(bits & quiet)


#: Wasm defines these bit-exactly even on NaNs: they only move or flip sign bits.
BITWISE = {OP[n] for n in (
    "f32.abs", "f32.neg", "f32.copysign", "f64.abs", "f64.neg", "f64.copysign",
    "f32.reinterpret_i32", "f64.reinterpret_i64")}


def check_nan_rule(op: int, args: tuple[int, ...], bits: int) -> str | None:
    """The spec's rule for a NaN result of arithmetic: canonical if every NaN
    input is canonical, otherwise at least an arithmetic (quiet) NaN."""
    params, results = NUMERIC[op]
    t = results[0]
    nan_inputs = [(x, pt) for x, pt in zip(args, params) if pt in FLOATS and is_nan(x, pt)]
    if all(is_canonical_nan(x, pt) for x, pt in nan_inputs):
        return None if is_canonical_nan(bits, t) else "NaN result must be canonical"
    return None if is_arithmetic_nan(bits, t) else "NaN result must be arithmetic"


def mismatch(op: int, args: tuple[int, ...], got: tuple[str, object], want: tuple[str, object]) -> str | None:
    result_type = NUMERIC[op][1][0]
    if want[0] == "ok" and got[0] == "ok" and result_type in FLOATS and op not in BITWISE \
            and is_nan(want[1], result_type):
        if not is_nan(got[1], result_type):
            return "expected a NaN"
        return check_nan_rule(op, args, got[1])
    return None if got == want else f"expected {want}"


def _fmt(value: object) -> str:
    return hex(value) if isinstance(value, int) else str(value)


@pytest.fixture(scope="module")
def reference() -> Reference:
    return Reference()


@pytest.fixture(scope="module", params=[(0, "runtime", False), (2, "runtime", False),
                                        (2, "runtime", True), (2, "folded", False)],
                ids=["O0", "O2", "O2-generic-cpu", "O2-folded"])
def native(request) -> Native:
    return Native(*request.param)


_reference_cache: dict[tuple[int, tuple[int, ...]], tuple[str, object]] = {}


def reference_run(reference: Reference, op: int, args: tuple[int, ...]) -> tuple[str, object]:
    key = (op, args)
    if key not in _reference_cache:
        _reference_cache[key] = reference.run(op, args)
    return _reference_cache[key]


def _describe(op: int, args: tuple[int, ...], got: tuple[str, object], problem: str) -> str:
    return f"{NAMES[op]}({', '.join(map(hex, args))}) = {got[0]} {_fmt(got[1])}: {problem}"


def _report(failures: list[str]) -> str:
    return f"{len(failures)} mismatches, first ones:\n" + "\n".join(failures[:10])


@pytest.mark.parametrize("op", sorted(NUMERIC), ids=lambda op: NAMES[op])
def test_matches_wasmtime(op: int, native: Native, reference: Reference) -> None:
    failures = []
    for args in native.cases[op] if native.mode == "folded" else operands(op):
        got = native.run(op, args)
        problem = mismatch(op, args, got, reference_run(reference, op, args))
        if problem:
            failures.append(_describe(op, args, got, problem))
    assert not failures, _report(failures)


@pytest.fixture(scope="module")
def native_mixed() -> Native:
    return Native(2, "mixed")


FLOAT_BINARY = sorted(op for op, (params, _) in NUMERIC.items() if len(params) == 2 and params[0] in FLOATS)


@pytest.mark.parametrize("op", FLOAT_BINARY, ids=lambda op: NAMES[op])
def test_identity_constants_do_not_fold_away_nan_quieting(op: int, native_mixed: Native,
                                                          reference: Reference) -> None:
    """``x * 1.0``, ``x - 0.0``, ``x / -1.0``... must still quiet a signalling
    NaN ``x`` after optimisation (the spec's float_exprs.wast checks this)."""
    failures = []
    for case, template in enumerate(native_mixed.cases[op]):
        for x in UNARY_GRID[NUMERIC[op][0][0]]:
            args = tuple(x if c is None else c for c in template)
            got = native_mixed.call(op, case, (x,))
            problem = mismatch(op, args, got, reference_run(reference, op, args))
            if problem:
                failures.append(_describe(op, args, got, problem))
    assert not failures, _report(failures)


def test_promote_then_demote_is_not_folded_to_identity() -> None:
    """demote(promote(x)) is x except that a signalling NaN comes out quiet."""
    module = fastir.Module()
    i32 = LLVM_TYPES[I32]
    fn = fastir.Function(module, ir.FunctionType(i32, [i32]), "f")
    b = fastir.IRBuilder(fn.append_basic_block(), fn)
    no_trap = lambda cond, code: None  # noqa: E731 - neither op traps
    wide = emit_numeric(b, OP["f64.promote_f32"], [b.bitcast(fn.args[0], LLVM_TYPES[F32])], no_trap)
    b.ret(b.bitcast(emit_numeric(b, OP["f32.demote_f64"], [wide], no_trap), i32))
    engine = jit(module, 2)
    f = ctypes.CFUNCTYPE(ctypes.c_uint32, ctypes.c_uint32)(engine.get_function_address("f"))
    for x in F32_UNARY:
        if not is_nan(x, F32):
            assert f(x) == x, hex(x)
        elif is_canonical_nan(x, F32):
            assert is_canonical_nan(f(x), F32), hex(x)
        else:
            assert is_arithmetic_nan(f(x), F32), hex(x)


# --- independent spot checks -------------------------------------------------

def _round_to_f32_bits(n: int) -> int:
    """Round a non-negative integer to the nearest f32 (ties to even), exactly."""
    if n == 0:
        return 0
    shift = max(n.bit_length() - 24, 0)
    q, r = n >> shift, n & ((1 << shift) - 1)
    half = 1 << shift >> 1
    if shift and (r > half or r == half and q & 1):
        q += 1
    return f32_bits(float(q << shift))


@pytest.fixture(scope="module")
def native_o2() -> Native:
    return Native(2)


def _random_convert_inputs(count: int) -> list[int]:
    rng = random.Random(1234)
    out = []
    for _ in range(count):
        width = rng.randrange(1, 65)
        n = rng.getrandbits(width) | 1 << (width - 1)
        # Often force a pattern right at a rounding boundary below the 24th/53rd bit.
        if width > 25 and rng.random() < 0.5:
            cut = width - rng.choice((24, 53)) if width > 53 else width - 24
            if cut > 0:
                n = (n >> cut << cut) | (rng.choice((0, 1, 2)) << (cut - 1)) | rng.choice((0, 1))
        out.append(n & MASK[I64])
    return out


def test_unsigned_i64_to_float_rounds_once(native_o2: Native) -> None:
    """u64 -> f32/f64 must round the exact integer, not an intermediate f64."""
    for n in _random_convert_inputs(3000) + I64_CONVERT:
        assert native_o2.run(OP["f64.convert_i64_u"], (n,)) == ("ok", f64_bits(float(n))), hex(n)
        assert native_o2.run(OP["f32.convert_i64_u"], (n,)) == ("ok", _round_to_f32_bits(n)), hex(n)
        signed = n - (1 << 64) if n >> 63 else n
        f32_signed = (0x8000_0000 if signed < 0 else 0) | _round_to_f32_bits(abs(signed))
        assert native_o2.run(OP["f32.convert_i64_s"], (n,)) == ("ok", f32_signed), hex(n)
        assert native_o2.run(OP["f64.convert_i64_s"], (n,)) == ("ok", f64_bits(float(signed))), hex(n)


@pytest.mark.parametrize("name, arg, expected", [
    ("i32.trunc_f32_s", f32_bits(-2147483648.0), ("ok", 0x8000_0000)),
    ("i32.trunc_f32_s", f32_bits(2147483648.0), ("trap", "INTEGER_OVERFLOW")),
    ("i32.trunc_f32_s", f32_bits(-2147483904.0), ("trap", "INTEGER_OVERFLOW")),
    ("i32.trunc_f64_s", below(f64_bits(-2147483649.0)), ("ok", 0x8000_0000)),
    ("i32.trunc_f64_s", f64_bits(-2147483649.0), ("trap", "INTEGER_OVERFLOW")),
    ("i32.trunc_f64_s", below(f64_bits(2147483648.0)), ("ok", 0x7FFF_FFFF)),
    ("i32.trunc_f64_u", below(f64_bits(-1.0)), ("ok", 0)),
    ("i32.trunc_f64_u", f64_bits(-1.0), ("trap", "INTEGER_OVERFLOW")),
    ("i32.trunc_f64_u", below(f64_bits(4294967296.0)), ("ok", 0xFFFF_FFFF)),
    ("i32.trunc_f32_u", f32_bits(4294967296.0), ("trap", "INTEGER_OVERFLOW")),
    ("i64.trunc_f64_s", f64_bits(-9223372036854775808.0), ("ok", 0x8000_0000_0000_0000)),
    ("i64.trunc_f64_s", f64_bits(9223372036854775808.0), ("trap", "INTEGER_OVERFLOW")),
    ("i64.trunc_f32_u", f32_bits(18446742974197923840.0), ("ok", 0xFFFF_FF00_0000_0000)),
    ("i64.trunc_f64_u", f64_bits(18446744073709551616.0), ("trap", "INTEGER_OVERFLOW")),
    ("i64.trunc_f32_s", 0x7FC0_0000, ("trap", "BAD_CONVERSION_TO_INTEGER")),
    ("i64.trunc_sat_f64_u", f64_bits(-5.0), ("ok", 0)),
    ("i32.trunc_sat_f32_s", 0xFFC0_0000, ("ok", 0)),
    ("i32.trunc_sat_f64_s", f64_bits(-1e300), ("ok", 0x8000_0000)),
])
def test_truncation_bounds(native_o2: Native, name: str, arg: int, expected: tuple[str, object]) -> None:
    assert native_o2.run(OP[name], (arg,)) == expected


@pytest.mark.parametrize("width", [32, 64])
def test_rem_s_of_int_min_by_minus_one_is_zero(native_o2: Native, width: int) -> None:
    minus_one = (1 << width) - 1
    int_min = 1 << (width - 1)
    assert native_o2.run(OP[f"i{width}.rem_s"], (int_min, minus_one)) == ("ok", 0)
    assert native_o2.run(OP[f"i{width}.div_s"], (int_min, minus_one)) == ("trap", "INTEGER_OVERFLOW")
    assert native_o2.run(OP[f"i{width}.div_s"], (int_min, 0)) == ("trap", "INTEGER_DIVISION_BY_ZERO")


def test_intrinsics_declared_once_per_module() -> None:
    module = fastir.Module()
    fn = fastir.Function(module, ir.FunctionType(LLVM_TYPES[I32], [LLVM_TYPES[I32]] * 2), "f")
    b = fastir.IRBuilder(fn.append_basic_block(), fn)
    x, y = fn.args
    r = emit_numeric(b, OP["i32.rotl"], [x, y], lambda cond, code: None)
    r = emit_numeric(b, OP["i32.rotl"], [r, y], lambda cond, code: None)
    r = emit_numeric(b, OP["i32.clz"], [r], lambda cond, code: None)
    b.ret(emit_numeric(b, OP["i32.clz"], [r], lambda cond, code: None))
    text = str(module)
    assert text.count('declare i32 @llvm.fshl.i32(') == 1
    assert text.count('declare i32 @llvm.ctlz.i32(') == 1
    llvm.parse_assembly(text).verify()


def test_non_numeric_op_is_an_internal_error() -> None:
    module = fastir.Module()
    fn = fastir.Function(module, ir.FunctionType(ir.VoidType(), []), "f")
    b = fastir.IRBuilder(fn.append_basic_block(), fn)
    with pytest.raises(WasmError, match="call"):
        emit_numeric(b, OP["call"], [], lambda cond, code: None)
