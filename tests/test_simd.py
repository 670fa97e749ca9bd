"""SIMD (v128) end to end: every 0xFD instruction against wasmtime, plus the API.

wasmtime-py cannot pass a v128 across its API, so the differential modules
keep v128 values inside wasm: each exported function takes every v128 operand
as two i64 halves (assembled with ``i64x2.replace_lane``), applies one
instruction, and returns a v128 result as two i64 halves (float scalars cross
as their bits).  Both engines run the same module on grids of edge lanes
chosen per shape (lane minimums and maximums, sign bits, float specials, NaNs
with payloads, rounding ties, conversion bounds) and must agree bit for bit —
except that where Wasm lets a NaN result be any arithmetic NaN, both sides
only have to produce one.  Memory instructions are also run at the edges of
memory so traps and partial effects are compared too.

The API half checks what wasmtime-py cannot: v128 params and results through
``call_vals``/``Val.v128`` and plain ints, host functions with v128 in their
signature, and v128 globals (defined, imported, exported, mutable).
"""
from __future__ import annotations

import random
import re
import struct
from functools import lru_cache

import pytest
import wasmtime

import runtime as rt
from runtime.binary import decode_module
from runtime.errors import ValidationError
from runtime.features import Features
from runtime.syntax.opcodes import FD, IMM, NAMES, SIMD, SIMD_LANES, SIMD_MEM, Imm
from runtime.syntax.types import F32, F64, I32, I64, V128
from runtime.validate import validate_module
from runtime.wat import wat2wasm

M64 = (1 << 64) - 1
M128 = (1 << 128) - 1
LANE_BITS = {"i8x16": 8, "i16x8": 16, "i32x4": 32, "i64x2": 64, "f32x4": 32, "f64x2": 64}


def f32(x: float) -> int:
    return struct.unpack("<I", struct.pack("<f", x))[0]


def f64(x: float) -> int:
    return struct.unpack("<Q", struct.pack("<d", x))[0]


def pack(lanes: list[int], bits: int) -> int:
    mask = (1 << bits) - 1
    return sum((lane & mask) << (i * bits) for i, lane in enumerate(lanes))


def unpack(v: int, bits: int) -> list[int]:
    return [(v >> (i * bits)) & ((1 << bits) - 1) for i in range(128 // bits)]


# --- edge lanes per shape -----------------------------------------------------------

_EDGES = {
    "i8x16": [0, 1, 2, 0x7F, 0x80, 0x81, 0xFF, 0xFE, 0x40, 0x3F, 0xC0, 0x55, 15, 16, 17, 31, 32],
    "i16x8": [0, 1, 0x7FFF, 0x8000, 0x8001, 0xFFFF, 0xFFFE, 0x00FF, 0x0100, 0x4000, 0xC000, 0x7F80],
    "i32x4": [0, 1, 0x7FFF_FFFF, 0x8000_0000, 0x8000_0001, 0xFFFF_FFFF, 0x0000_FFFF, 0x0001_0000,
              0xFFFF_8000, 0x4000_0000, 0x1234_5678, 0x0000_7FFF],
    "i64x2": [0, 1, (1 << 63) - 1, 1 << 63, (1 << 63) + 1, M64, 0xFFFF_FFFF, 1 << 32,
              0xFFFF_FFFF_8000_0000, 0x1234_5678_9ABC_DEF0],
    "f32x4": [f32(x) for x in (0.0, -0.0, 1.0, -1.0, 0.5, -0.5, 1.5, 2.5, -2.5, 3.4028234663852886e38,
                               float("inf"), float("-inf"), 2147483648.0, -2147483648.0,
                               2147483520.0, 4294967296.0, 4294967040.0, -0.99, 1e-40)]
    + [0x7FC0_0000, 0xFFC0_0000, 0x7FA0_0001, 0xFFA0_0001, 0x7FC0_1234, 0x0000_0001, 0x8000_0001],
    "f64x2": [f64(x) for x in (0.0, -0.0, 1.0, -1.0, 0.5, -0.5, 1.5, 2.5, -2.5, 1.7976931348623157e308,
                               float("inf"), float("-inf"), 2147483647.0, 2147483648.0, -2147483648.0,
                               -2147483649.0, 4294967295.0, 4294967296.0, 3.4028235677973366e38,
                               1.401298464324817e-45, 0.999999999)]
    + [0x7FF8_0000_0000_0000, 0xFFF8_0000_0000_0000, 0x7FF4_0000_0000_0001,
       0xFFF4_0000_0000_0001, 0x7FF8_0000_0000_1234, 1],
}

_SCALARS = {
    I32: [0, 1, 7, 8, 15, 16, 17, 31, 32, 33, 63, 64, 65, 127, 128, 255, 256, 0x7FFF, 0x8000,
          0xFFFF, 0x7FFF_FFFF, 0x8000_0000, 0xFFFF_FFFF, 0x1234_5678],
    I64: [0, 1, 63, 64, (1 << 63) - 1, 1 << 63, M64, 0x1234_5678_9ABC_DEF0],
    F32: [0x0000_0000, 0x8000_0000, f32(1.5), 0x7F80_0000, 0x7FC0_0000, 0x7FA0_0001, 0xFFC0_1234],
    F64: [0, 1 << 63, f64(-2.5), 0x7FF0_0000_0000_0000, 0x7FF8_0000_0000_0000, 0x7FF4_0000_0000_0001],
}


@lru_cache(maxsize=None)
def vectors(shape: str) -> tuple[int, ...]:
    """Vectors whose lanes are edge values of ``shape`` in varied combinations, plus a few patterns."""
    rng = random.Random(f"simd-{shape}")
    bits = LANE_BITS[shape]
    edges = _EDGES[shape]
    n = 128 // bits
    out = [0, M128, pack(edges[:n], bits), pack(edges[-n:], bits)]
    out += [pack([rng.choice(edges) for _ in range(n)], bits) for _ in range(9)]
    out += [rng.getrandbits(128) for _ in range(2)]
    return tuple(out)


def input_shape(name: str) -> str:
    """The shape whose edge values exercise ``name``: the source shape for conversions."""
    shape, _, mnemonic = name.partition(".")
    for candidate in LANE_BITS:
        if candidate in mnemonic:
            return candidate
    if shape == "v128":
        return "i8x16"
    return shape


def nan_lenient_bits(name: str) -> int | None:
    """Lane width of a float result where Wasm allows any arithmetic NaN, or None (exact)."""
    shape, _, mnemonic = name.partition(".")
    arithmetic = ("add", "sub", "mul", "div", "sqrt", "min", "max", "ceil", "floor", "trunc",
                  "nearest", "demote_f64x2_zero", "promote_low_f32x4")
    if shape in ("f32x4", "f64x2") and mnemonic in arithmetic:
        return LANE_BITS[shape]
    return None


# --- the differential module ------------------------------------------------------------

_WASM_PARAM = {V128: "i64 i64", I32: "i32", I64: "i64", F32: "i32", F64: "i64"}
_WASM_RESULT = {V128: "i64 i64", I32: "i32", I64: "i64", F32: "i32", F64: "i64"}


def _operand(t: int, k: int) -> tuple[str, int]:
    """WAT for operand of type ``t`` built from params starting at ``k``; the next param index."""
    if t == V128:
        return (f"(i64x2.replace_lane 1 (i64x2.replace_lane 0 (v128.const i64x2 0 0) "
                f"(local.get {k})) (local.get {k + 1}))", k + 2)
    if t == F32:
        return f"(f32.reinterpret_i32 (local.get {k}))", k + 1
    if t == F64:
        return f"(f64.reinterpret_i64 (local.get {k}))", k + 1
    return f"(local.get {k})", k + 1


def _export(fname: str, instr: str, params: tuple[int, ...], results: tuple[int, ...],
            extra_operands: tuple[str, ...] = ()) -> str:
    """An exported function applying ``instr`` to operands assembled from its i64/i32 params."""
    k, ops = 0, list(extra_operands)
    for t in params[len(extra_operands):]:
        text, k = _operand(t, k)
        ops.append(text)
    wasm_params = " ".join(_WASM_PARAM[t] for t in params[len(extra_operands):])
    wasm_results = " ".join(_WASM_RESULT[t] for t in results)
    applied = f"({instr} {' '.join(ops)})"
    if not results:
        body = applied
    elif results[0] == V128:
        body = (f"(local.set $r {applied}) (i64x2.extract_lane 0 (local.get $r)) "
                f"(i64x2.extract_lane 1 (local.get $r))")
    elif results[0] == F32:
        body = f"(i32.reinterpret_f32 {applied})"
    elif results[0] == F64:
        body = f"(i64.reinterpret_f64 {applied})"
    else:
        body = applied
    return (f'(func (export "{fname}") (param {wasm_params}) (result {wasm_results}) '
            f"(local $r v128) {body})")


def _params(ts: tuple[int, ...]) -> str:
    return " ".join(_WASM_PARAM[t] for t in ts)


SHUFFLES = [tuple(range(16)), tuple(range(15, -1, -1)), tuple(range(16, 32)),
            (0, 16, 1, 17, 2, 18, 3, 19, 4, 20, 5, 21, 6, 22, 7, 23), (31,) * 16,
            tuple(random.Random(6).randrange(32) for _ in range(16))]
CONSTS = [0, M128, 1 << 127, 0x0123_4567_89AB_CDEF_FEDC_BA98_7654_3210, 1]


def _lane_cases() -> list[tuple[str, str, tuple[int, ...], tuple[int, ...]]]:
    """(export name, instruction text, params, results) for every instruction with a lane immediate."""
    cases = []
    for op in sorted(SIMD_LANES):
        name = NAMES[op]
        params, results = SIMD[op]
        if op in SIMD_MEM:
            continue
        if IMM[op] == Imm.SHUFFLE:
            for i, mask in enumerate(SHUFFLES):
                cases.append((f"{name}#{i}", f"{name} {' '.join(map(str, mask))}", params, results))
            continue
        for lane in range(SIMD_LANES[op]):
            cases.append((f"{name}#{lane}", f"{name} {lane}", params, results))
    return cases


def plain_ops() -> list[int]:
    """SIMD instructions without immediates or memory: every one gets the full operand grid."""
    return [op for op in sorted(SIMD) if IMM[op] == Imm.NONE]


@lru_cache(maxsize=None)
def differential_wat() -> str:
    funcs = [_export(NAMES[op], NAMES[op], *SIMD[op]) for op in plain_ops()]
    funcs += [_export(fname, instr, params, results) for fname, instr, params, results in _lane_cases()]
    for i, bits in enumerate(CONSTS):
        lanes = " ".join(str(x) for x in unpack(bits, 32))
        funcs.append(f'(func (export "v128.const#{i}") (result i64 i64) (local $r v128) '
                     f"(local.set $r (v128.const i32x4 {lanes})) "
                     f"(i64x2.extract_lane 0 (local.get $r)) (i64x2.extract_lane 1 (local.get $r)))")
    return "(module\n" + "\n".join(funcs) + "\n)"


class Pair:
    """The same wasm instantiated in wasmtime and in the runtime; calls return results or trap names."""

    def __init__(self, wat: str):
        wasm = wat2wasm(wat)
        self.wt_store = wasmtime.Store(wasmtime.Engine())
        self.wt = wasmtime.Instance(self.wt_store, wasmtime.Module(self.wt_store.engine, wasm), [])
        self.rt_store = rt.Store(rt.Engine())
        self.rt = rt.Instance(self.rt_store, rt.Module(self.rt_store.engine, wasm), [])
        self.wt_exports = self.wt.exports(self.wt_store)
        self.rt_exports = self.rt.exports(self.rt_store)

    @staticmethod
    def _norm(out) -> list[int]:
        if out is None:
            return []
        return [x & M64 for x in (out if isinstance(out, list) else [out])]

    def call(self, name: str, args: list[int]) -> tuple:
        try:
            want = ("ok", self._norm(self.wt_exports[name](self.wt_store, *args)))
        except wasmtime.Trap as trap:
            want = ("trap", trap.trap_code.name)
        try:
            got = ("ok", self._norm(self.rt_exports[name](self.rt_store, *args)))
        except rt.Trap as trap:
            got = ("trap", trap.trap_code.name)
        return want, got


@pytest.fixture(scope="module")
def pair() -> Pair:
    return Pair(differential_wat())


def _signed(v: int, bits: int) -> int:
    return v - (1 << bits) if v >> (bits - 1) else v


def _args(params: tuple[int, ...], values: tuple[int, ...]) -> list[int]:
    """Call arguments: v128 as two signed i64 halves, scalars as signed ints of their width."""
    args = []
    for t, v in zip(params, values):
        if t == V128:
            args += [_signed(v & M64, 64), _signed(v >> 64, 64)]
        else:
            args.append(_signed(v, 32 if t in (I32, F32) else 64))
    return args


def _grid(name: str, params: tuple[int, ...]) -> list[tuple[int, ...]]:
    vecs = vectors(input_shape(name))
    kinds = tuple(params)
    if kinds == (V128,):
        return [(a,) for a in vecs]
    if kinds == (V128, V128):
        return [(a, b) for a in vecs for b in vecs]
    if kinds == (V128, V128, V128):
        rng = random.Random(name)
        masks = vectors("i8x16") + vectors("i32x4")
        return [(rng.choice(vecs), rng.choice(vecs), m) for m in masks]
    if len(kinds) == 1:
        return [(s,) for s in _SCALARS[kinds[0]]]
    scalar = kinds[1]
    return [(a, s) for a in vecs for s in _SCALARS[scalar]]


#: lane width -> (exponent mask, significand mask, quiet bit)
_FLOAT_FIELDS = {32: (0x7F80_0000, 0x007F_FFFF, 0x0040_0000),
                 64: (0x7FF0_0000_0000_0000, 0x000F_FFFF_FFFF_FFFF, 0x0008_0000_0000_0000)}


def _is_nan(lane: int, bits: int) -> bool:
    exponent, significand, _ = _FLOAT_FIELDS[bits]
    return lane & exponent == exponent and bool(lane & significand)


def _agree(name: str, want: tuple, got: tuple) -> bool:
    """Same outcome bit for bit, except that NaN lanes of float arithmetic may differ
    (Wasm lets them be any arithmetic NaN) as long as ours is an arithmetic one."""
    if want == got:
        return True
    lenient = nan_lenient_bits(name)
    if lenient is None or want[0] != "ok" or got[0] != "ok":
        return False
    quiet = _FLOAT_FIELDS[lenient][2]
    w = want[1][0] | want[1][1] << 64
    g = got[1][0] | got[1][1] << 64
    for wl, gl in zip(unpack(w, lenient), unpack(g, lenient)):
        if wl != gl and not (_is_nan(wl, lenient) and _is_nan(gl, lenient) and gl & quiet):
            return False
    return True


def _check(pair: Pair, fname: str, name: str, params: tuple[int, ...]) -> None:
    bad = []
    for values in _grid(name, params):
        want, got = pair.call(fname, _args(params, values))
        if not _agree(name, want, got):
            bad.append(f"{fname}{tuple(hex(v) for v in values)}: wasmtime {want}, runtime {got}")
    assert not bad, f"{len(bad)} mismatches, first:\n" + "\n".join(bad[:8])


@pytest.mark.parametrize("op", plain_ops(), ids=[NAMES[op] for op in plain_ops()])
def test_instruction_matches_wasmtime(pair: Pair, op: int) -> None:
    _check(pair, NAMES[op], NAMES[op], SIMD[op][0])


LANE_CASES = _lane_cases()


@pytest.mark.parametrize("case", LANE_CASES, ids=[c[0] for c in LANE_CASES])
def test_lane_instruction_matches_wasmtime(pair: Pair, case) -> None:
    fname, instr, params, _ = case
    _check(pair, fname, instr.split()[0], params)


def test_v128_const_bits(pair: Pair) -> None:
    for i, bits in enumerate(CONSTS):
        want, got = pair.call(f"v128.const#{i}", [])
        assert want == got == ("ok", [bits & M64, bits >> 64])


def test_every_simd_instruction_is_covered() -> None:
    covered = {NAMES[op] for op in plain_ops()} | {c[1].split()[0] for c in LANE_CASES}
    covered |= {NAMES[op] for op in SIMD_MEM} | {"v128.const"}
    assert covered == {NAMES[op] for op in SIMD}
    assert len(SIMD) == 236


# --- memory instructions ----------------------------------------------------------------

PAGE = 65536
MEMORY_ADDRS = [0, 1, 7, 100, PAGE - 17, PAGE - 16, PAGE - 9, PAGE - 8, PAGE - 5, PAGE - 4, PAGE - 3,
                PAGE - 2, PAGE - 1, PAGE, 0x7FFF_FFFF, 0xFFFF_FFF0, 0xFFFF_FFFF]
OFFSETS = [0, 5, 0xFFFF_FFFF]


#: the memory image every memory test starts from: every byte value, at both ends of the page
MEMORY_IMAGE = bytes((i * 37 + 11) & 0xFF for i in range(PAGE))


def _memory_wat() -> str:
    funcs = []
    for op in sorted(SIMD_MEM):
        name = NAMES[op]
        params, results = SIMD[op]
        lanes = range(SIMD_LANES[op]) if op in SIMD_LANES else [None]
        for offset in OFFSETS:
            for lane in lanes:
                if lane is not None and lane not in (0, SIMD_LANES[op] - 1):
                    continue
                suffix = "" if lane is None else f" {lane}"
                fname = f"{name}@{offset}#{lane}"
                instr = f"{name} offset={offset}{suffix}"
                funcs.append(_export(fname, instr, params, results))
    return '(module (memory (export "mem") 1)\n' + "\n".join(funcs) + "\n)"


@pytest.fixture(scope="module")
def memory_pair() -> Pair:
    return Pair(_memory_wat())


@pytest.mark.parametrize("op", sorted(SIMD_MEM), ids=[NAMES[op] for op in sorted(SIMD_MEM)])
def test_memory_instruction_matches_wasmtime(memory_pair: Pair, op: int) -> None:
    name = NAMES[op]
    params, results = SIMD[op]
    vec = 0x0F1E_2D3C_4B5A_6978_8796_A5B4_C3D2_E1F0
    wt_mem = memory_pair.wt_exports["mem"]
    rt_mem = memory_pair.rt_exports["mem"]
    wt_mem.write(memory_pair.wt_store, MEMORY_IMAGE, 0)
    rt_mem.write(memory_pair.rt_store, MEMORY_IMAGE, 0)
    fnames = [n for n in _memory_export_names() if n.startswith(name + "@")]
    assert fnames
    bad = []
    for fname in fnames:
        for addr in MEMORY_ADDRS:
            values = (addr, vec) if len(params) == 2 else (addr,)
            want, got = memory_pair.call(fname, _args(params, values))
            if want != got:
                bad.append(f"{fname}(0x{addr:x}): wasmtime {want}, runtime {got}")
    wt_bytes = bytes(wt_mem.read(memory_pair.wt_store, 0, PAGE))
    rt_bytes = rt_mem.read(memory_pair.rt_store, 0, PAGE)
    assert not bad, "\n".join(bad[:8])
    assert wt_bytes == rt_bytes, "memory contents differ after the stores"
    assert (wt_bytes != MEMORY_IMAGE) == (not results), "stores change memory, loads do not"


@lru_cache(maxsize=None)
def _memory_export_names() -> tuple[str, ...]:
    return tuple(re.findall(r'\(func \(export "([^"]+)"\)', _memory_wat()))


# --- optimiser-facing cases -------------------------------------------------------------

def test_nan_results_are_quiet_even_after_folding() -> None:
    """x * 1.0, x - 0.0 and demote(promote(x)) must quiet a signalling NaN lane (no folding away)."""
    wat = """(module
      (func (export "mul1") (param i64 i64) (result i64 i64) (local $r v128)
        (local.set $r (f32x4.mul (i64x2.replace_lane 1 (i64x2.replace_lane 0 (v128.const i64x2 0 0)
          (local.get 0)) (local.get 1)) (v128.const f32x4 1 1 1 1)))
        (i64x2.extract_lane 0 (local.get $r)) (i64x2.extract_lane 1 (local.get $r)))
      (func (export "sub0") (param i64 i64) (result i64 i64) (local $r v128)
        (local.set $r (f64x2.sub (i64x2.replace_lane 1 (i64x2.replace_lane 0 (v128.const i64x2 0 0)
          (local.get 0)) (local.get 1)) (v128.const f64x2 0 0)))
        (i64x2.extract_lane 0 (local.get $r)) (i64x2.extract_lane 1 (local.get $r)))
      (func (export "roundtrip") (param i64 i64) (result i64 i64) (local $r v128)
        (local.set $r (f32x4.demote_f64x2_zero (f64x2.promote_low_f32x4
          (i64x2.replace_lane 1 (i64x2.replace_lane 0 (v128.const i64x2 0 0) (local.get 0)) (local.get 1)))))
        (i64x2.extract_lane 0 (local.get $r)) (i64x2.extract_lane 1 (local.get $r))))"""
    store = rt.Store(rt.Engine())
    exports = rt.Instance(store, rt.Module(store.engine, wat), []).exports(store)
    snan32 = 0x7FA0_0001
    lo, hi = exports["mul1"](store, _signed(snan32 | snan32 << 32, 64), 0)
    assert unpack(lo & M64, 32)[:2] == [0x7FE0_0001, 0x7FE0_0001]
    lo, _ = exports["sub0"](store, 0x7FF4_0000_0000_0001, 0)
    assert lo & M64 == 0x7FFC_0000_0000_0001
    lo, hi = exports["roundtrip"](store, _signed(snan32 | snan32 << 32, 64), 0)
    assert unpack(lo & M64, 32)[:2] == [0x7FE0_0001, 0x7FE0_0001] and hi == 0


@pytest.mark.parametrize("level", [0, 1, 3])
def test_other_optimisation_levels_agree(level: int) -> None:
    """A sample of lowerings compiled unoptimised and with O3 give wasmtime's answers too."""
    ops = ["i8x16.swizzle", "i16x8.q15mulr_sat_s", "f32x4.min", "f64x2.max", "f32x4.nearest",
           "i32x4.trunc_sat_f64x2_u_zero", "i8x16.narrow_i16x8_u", "i64x2.shr_s", "i8x16.bitmask",
           "i32x4.dot_i16x8_s", "f32x4.pmin", "i8x16.popcnt", "v128.bitselect"]
    by_name = {NAMES[op]: op for op in SIMD}
    wat = "(module\n" + "\n".join(_export(n, n, *SIMD[by_name[n]]) for n in ops) + "\n)"
    wasm = wat2wasm(wat)
    cfg = rt.Config()
    cfg.opt_level = level
    store = rt.Store(rt.Engine(cfg))
    ours = rt.Instance(store, rt.Module(store.engine, wasm), []).exports(store)
    reference = Pair(wat)
    for name in ops:
        params = SIMD[by_name[name]][0]
        for values in _grid(name, params)[:120]:
            args = _args(params, values)
            want, _ = reference.call(name, args)
            got = ("ok", Pair._norm(ours[name](store, *args)))
            assert _agree(name, want, got), f"O{level} {name}{tuple(hex(v) for v in values)}: {want} vs {got}"


def _constant_operand(t: int, v: int) -> str:
    if t == V128:
        return f"(v128.const i64x2 {_signed(v & M64, 64)} {_signed(v >> 64, 64)})"
    if t == F32:
        return f"(f32.reinterpret_i32 (i32.const {_signed(v, 32)}))"
    if t == F64:
        return f"(f64.reinterpret_i64 (i64.const {_signed(v, 64)}))"
    return f"({'i32' if t == I32 else 'i64'}.const {_signed(v, 32 if t == I32 else 64)})"


@lru_cache(maxsize=None)
def _folding_cases() -> tuple[tuple[str, str, tuple[int, ...]], ...]:
    """(export, op name, operand values) with every operand a constant, a few per instruction."""
    cases = []
    for op in plain_ops():
        name = NAMES[op]
        grid = _grid(name, SIMD[op][0])
        step = max(1, len(grid) // 5)
        for k, values in enumerate(grid[2::step][:5]):
            cases.append((f"{name}#{k}", name, values))
    return tuple(cases)


def test_constant_folding_agrees() -> None:
    """With constant operands LLVM folds the lowering at compile time: where a guard is missing
    (poison, out-of-range lanes, NaN-unsafe rewrites) the folded answer drifts from wasmtime's."""
    by_name = {NAMES[op]: op for op in SIMD}
    funcs = []
    for fname, name, values in _folding_cases():
        params, results = SIMD[by_name[name]]
        operands = tuple(_constant_operand(t, v) for t, v in zip(params, values))
        funcs.append(_export(fname, name, params, results, operands))
    pair = Pair("(module\n" + "\n".join(funcs) + "\n)")
    bad = []
    for fname, name, values in _folding_cases():
        want, got = pair.call(fname, [])
        if not _agree(name, want, got):
            bad.append(f"{fname}{tuple(hex(v) for v in values)}: wasmtime {want}, runtime {got}")
    assert not bad, f"{len(bad)} mismatches, first:\n" + "\n".join(bad[:8])


# --- decoding and validation ---------------------------------------------------------------

def test_opcodes_match_an_independent_assembler() -> None:
    """wasm-tools assembles every SIMD mnemonic to the opcode and immediates our table decodes."""
    body = []
    for op in sorted(SIMD):
        name, imm = NAMES[op], IMM[op]
        if imm == Imm.MEMARG:
            body.append(f"{name} offset=3 align=2")
        elif imm == Imm.MEMARG_LANE:
            body.append(f"{name} offset=3 align=2 1")
        elif imm == Imm.LANE:
            body.append(f"{name} 1")
        elif imm == Imm.SHUFFLE:
            body.append(f"{name} " + " ".join(str(31 - i) for i in range(16)))
        elif imm == Imm.V128:
            body.append(f"{name} i32x4 1 2 3 -1")
        else:
            body.append(name)
    wat = "(module (memory 1) (func " + "\n".join(body) + "))"
    decoded = decode_module(wat2wasm(wat)).funcs[0].body[:-1]
    assert [op for op, _ in decoded] == sorted(SIMD)
    for op, imm in decoded:
        kind = IMM[op]
        if kind == Imm.MEMARG:
            assert imm == (1, 3)
        elif kind == Imm.MEMARG_LANE:
            assert imm == (1, 3, 1)
        elif kind == Imm.LANE:
            assert imm == 1
        elif kind == Imm.SHUFFLE:
            assert imm == tuple(31 - i for i in range(16))
        elif kind == Imm.V128:
            assert imm == pack([1, 2, 3, -1], 32)


def _validate(wat: str, features: Features = Features(simd=True)) -> None:
    validate_module(decode_module(wat2wasm(wat)), features)


@pytest.mark.parametrize("body,reason", [
    ("(drop (i8x16.extract_lane_s 16 (v128.const i64x2 0 0)))", "invalid lane index"),
    ("(drop (i64x2.replace_lane 2 (v128.const i64x2 0 0) (i64.const 0)))", "invalid lane index"),
    ("(drop (v128.load32_lane 4 (i32.const 0) (v128.const i64x2 0 0)))", "invalid lane index"),
    ("(drop (v128.load16_lane align=4 0 (i32.const 0) (v128.const i64x2 0 0)))",
     "alignment must not be larger than natural"),
    ("(drop (v128.load align=32 (i32.const 0)))", "alignment must not be larger than natural"),
    ("(drop (v128.load64_splat align=16 (i32.const 0)))", "alignment must not be larger than natural"),
    ("(drop (i8x16.add (v128.const i64x2 0 0) (i32.const 0)))", "type mismatch"),
])
def test_invalid_simd_is_rejected(body: str, reason: str) -> None:
    with pytest.raises(ValidationError, match=reason):
        _validate(f"(module (memory 1) (func {body}))")


def test_shuffle_lane_bound_is_32() -> None:
    module = decode_module(wat2wasm("(module (func (drop (i8x16.shuffle 0 1 2 3 4 5 6 7 8 9 10 11 12 13 "
                                    "14 31 (v128.const i64x2 0 0) (v128.const i64x2 0 0)))))"))
    validate_module(module, Features(simd=True))
    op, lanes = module.funcs[0].body[2]
    module.funcs[0].body[2] = (op, lanes[:-1] + (32,))
    with pytest.raises(ValidationError, match="invalid lane index: 32 is not below 32"):
        validate_module(module, Features(simd=True))


def test_simd_needs_the_feature() -> None:
    with pytest.raises(ValidationError, match="SIMD support is not enabled"):
        _validate("(module (func (drop (v128.const i64x2 0 0))))", Features(simd=False))
    with pytest.raises(ValidationError, match="SIMD support is not enabled"):
        _validate("(module (global v128 (v128.const i64x2 0 0)))", Features(simd=False))
    cfg = rt.Config()
    cfg.wasm_simd = False
    with pytest.raises(rt.WasmError, match="SIMD support is not enabled"):
        rt.Module(rt.Engine(cfg), "(module (func (param v128)))")
    assert rt.Config().wasm_simd is True


# --- the API --------------------------------------------------------------------------------

API_WAT = """(module
  (import "host" "xor" (func $xor (param v128 i32 v128) (result v128 i32)))
  (import "host" "g" (global $imported v128))
  (global $counter (export "counter") (mut v128) (v128.const i32x4 1 2 3 4))
  (global (export "copied") v128 (global.get $imported))
  (global (export "const") v128 (v128.const i64x2 -1 0x0123456789abcdef))
  (func (export "id") (param v128) (result v128) (local.get 0))
  (func (export "mix") (param i32 v128 f64 v128) (result v128 i32 v128 f64)
    (local.get 3) (local.get 0) (local.get 1) (local.get 2))
  (func (export "bump") (result v128)
    (global.set $counter (i32x4.add (global.get $counter) (v128.const i32x4 1 1 1 1)))
    (global.get $counter))
  (func (export "via_host") (param v128 v128) (result v128 i32)
    (call $xor (local.get 0) (i32.const 7) (local.get 1))))"""


@pytest.fixture
def api_instance():
    store = rt.Store(rt.Engine())
    v128 = rt.ValType.v128()
    seen = []

    def xor(a: int, n: int, b: int) -> list:
        seen.append((a, n, b))
        return [a ^ b, n + 1]

    host = rt.Func(store, rt.FuncType([v128, rt.ValType.i32(), v128], [v128, rt.ValType.i32()]), xor)
    g = rt.Global(store, rt.GlobalType(v128, False), rt.Val.v128(M128 - 5))
    inst = rt.Instance(store, rt.Module(store.engine, API_WAT), [host, g])
    return store, inst.exports(store), seen


def test_v128_params_and_results_through_call_vals(api_instance) -> None:
    store, exports, _ = api_instance
    big = 0x8000_0000_0000_0001_FFFF_FFFF_FFFF_FFFE
    [out] = exports["id"].call_vals(store, [rt.Val.v128(big)])
    assert out == rt.Val.v128(big) and out.bits == big and out.type == rt.ValType.v128()
    assert exports["id"](store, big) == big
    assert exports["id"](store, -1) == M128            # plain ints wrap to 128 bits
    nan = rt.Val.f64_bits(0x7FF4_0000_0000_0001)
    res = exports["mix"].call_vals(store, [rt.Val.i32(-3), rt.Val.v128(M128), nan, rt.Val.v128(5)])
    assert [v.bits for v in res] == [5, 0xFFFF_FFFD, M128, 0x7FF4_0000_0000_0001]
    assert exports["mix"](store, 9, 1 << 127, 0.5, 3) == [3, 9, 1 << 127, 0.5]
    with pytest.raises(TypeError):
        exports["id"].call_vals(store, [rt.Val.i64(1)])


def test_host_functions_take_and_return_v128(api_instance) -> None:
    store, exports, seen = api_instance
    a, b = 0x1111_2222_3333_4444_5555_6666_7777_8888, 1 << 100
    assert exports["via_host"](store, a, b) == [a ^ b, 8]
    assert seen == [(a, 7, b)]


def test_v128_globals(api_instance) -> None:
    store, exports, _ = api_instance
    counter = exports["counter"]
    assert counter.type(store).content == rt.ValType.v128()
    assert counter.value(store) == pack([1, 2, 3, 4], 32)
    assert exports["bump"](store) == pack([2, 3, 4, 5], 32)
    counter.set_value(store, rt.Val.v128(M128))
    assert exports["bump"](store) == 0
    assert counter.value_val(store) == rt.Val.v128(0)
    assert exports["copied"].value(store) == M128 - 5
    assert exports["const"].value(store) == pack([-1, 0x0123456789ABCDEF], 64)
    with pytest.raises(TypeError):
        counter.set_value(store, rt.Val.i64(0))


def test_v128_vals() -> None:
    v = rt.Val.v128(-1)
    assert v.bits == v.value == M128 and v.as_v128() == M128 and v.as_i64() is None
    assert repr(rt.Val.v128(1)) == "Val.v128(0x00000000000000000000000000000001)"
    assert rt.Val(rt.ValType.v128(), 1 << 130 | 7).bits == 7
    with pytest.raises(TypeError):
        rt.Val.v128(1.0)


def test_v128_const_bytes_are_not_code() -> None:
    """A v128.const whose bytes look like opcodes (0x0b end, 0xfd) decodes as one instruction."""
    wat = ('(module (func (export "c") (result v128) '
           "(v128.const i8x16 0x0b 0xfd 0x0b 0 0 0 0 0 0 0 0 0 0 0 0 0x0b)))")
    body = decode_module(wat2wasm(wat)).funcs[0].body
    assert [op for op, _ in body] == [FD | 0x0C, 0x0B]
    store = rt.Store(rt.Engine())
    c = rt.Instance(store, rt.Module(store.engine, wat), []).exports(store)["c"]
    assert c(store) == 0x0B << 120 | 0x0B_FD_0B


# --- the fuzzing harness ----------------------------------------------------------------------

HARNESS_WAT = """(module
  (import "host" "h" (func $h (param v128 f32) (result v128 i32)))
  (import "env" "g" (global $g v128))
  (import "env" "mg" (global $mg (mut v128)))
  (global $eg (export "eg") (mut v128) (v128.const i32x4 1 2 3 4))
  (memory (export "mem") 1)
  (func (export "add") (param v128 v128) (result v128) (f32x4.add (local.get 0) (local.get 1)))
  (func (export "callh") (param v128) (result v128 i32) (call $h (local.get 0) (f32.const 1.5)))
  (func (export "store") (param v128 i32) (v128.store (local.get 1) (local.get 0)) (global.set $eg (local.get 0)))
  (func (export "globals") (result v128) (i8x16.add (global.get $g) (global.get $mg)))
  (func (export "scalar") (param i32) (result i32) (local.get 0)))"""


def test_harness_keeps_v128_inside_wasm_and_compares_it_bit_for_bit() -> None:
    """v128 arguments and results passed as bits on both engines (wasmtime's through its C API),
    shimmed host imports, v128 global imports and exports."""
    from fuzzrt.engines.executor import Job, execute
    from fuzzrt.engines.plan import ExecPlan
    from fuzzrt.generators.case import Call
    from fuzzrt.oracles import differential, imports

    a = pack([f32(1.5), 0x7FA0_0001, f32(-0.0), f32(2.0)], 32)
    calls = [Call("add", [(V128, a), (V128, a)]), Call("callh", [(V128, M128 - 8)]),
             Call("store", [(V128, a), (I32, 100)]), Call("store", [(V128, a), (I32, PAGE - 8)]),
             Call("globals", []), Call("scalar", [(I32, 7)])]
    wasm = wat2wasm(HARNESS_WAT)
    result = execute(Job(wasm, calls, ExecPlan(simd=True)))
    ref, ours = result.reference, result.runtime
    assert ref.panic is None and ours.panic is None and ours.instantiate.ok
    assert [c.status.kind for c in ours.calls] == ["ok", "ok", "ok", "trap", "ok", "ok"]
    for want, got in zip(ref.calls, ours.calls):
        assert [t for t, _ in got.results] == [t for t, _ in want.results]
    added = ours.calls[0].results[0]
    assert added[0] == V128 and unpack(added[1], 32)[0] == f32(3.0) and unpack(added[1], 32)[3] == f32(4.0)
    [host_call] = ours.calls[1].host_calls
    assert host_call.args == ((V128, M128 - 8), (F32, f32(1.5)))
    assert dict((n, v) for n, _, v in ours.calls[2].state.globals)["eg"] == a
    assert ref.calls[2].state.globals == ours.calls[2].state.globals   # a signalling-NaN lane, exact
    assert ref.calls[1].results == ours.calls[1].results
    verdict = differential.check(wasm, ref, ours, False, True)
    verdict.merge(imports.check(ref, ours, False))
    assert not verdict.findings and verdict.inconclusive is None


def test_v128_results_compare_with_nan_lanes_allowed_to_differ() -> None:
    from fuzzrt.oracles.values import same_value

    quiet_a = pack([0x7FC0_0000, f32(1.0), 0, 0], 32)
    quiet_b = pack([0xFFC0_1234, f32(1.0), 0, 0], 32)
    assert same_value(V128, quiet_a, quiet_b, canonical_nans=False)
    assert not same_value(V128, quiet_a, quiet_b, canonical_nans=True)
    assert not same_value(V128, quiet_a, quiet_a ^ (1 << 40), canonical_nans=False)   # lane 1 differs
    f64_nans = (pack([0x7FF8_0000_0000_0000, 5], 64), pack([0x7FF8_0000_0000_0001, 5], 64))
    assert same_value(V128, *f64_nans, canonical_nans=False)


def test_hypothesis_generator_emits_valid_simd_code() -> None:
    from fuzzrt.generators import strategies
    from fuzzrt.generators.unstructured import Unstructured

    features = Features(simd=True)
    rng = random.Random(7)
    seen: set[int] = set()
    for _ in range(60):
        data = bytes(rng.getrandbits(8) for _ in range(rng.choice((300, 3000))))
        module = decode_module(strategies.generate(Unstructured(data), features).wasm)
        validate_module(module, features)
        seen |= {op for f in module.funcs for op, _ in f.body if op & FD}
    assert len(seen) > 100   # operators, lane ops, shuffles, loads and stores
    assert {NAMES[op] for op in seen} >= {"v128.const", "i8x16.shuffle", "v128.load", "v128.store"}
    plain = strategies.generate(Unstructured(bytes(rng.getrandbits(8) for _ in range(3000))), Features())
    assert not any(op & FD for f in decode_module(plain.wasm).funcs for op, _ in f.body)


def test_single_op_simd_cases_agree_with_wasmtime() -> None:
    from fuzzrt.engines.executor import Job, execute
    from fuzzrt.engines.plan import ExecPlan
    from fuzzrt.generators import single_op
    from fuzzrt.oracles import differential

    features = Features(simd=True)
    ops = [op for op in single_op.supported_ops(features) if op & FD]
    assert len(ops) == len(plain_ops())
    for op in ops[::17]:
        [case] = [c for c in single_op.all_cases(features) if c.config["opcode"] == op]
        calls = case.calls[:40]
        result = execute(Job(case.wasm, calls, ExecPlan(simd=True)))
        verdict = differential.check(case.wasm, result.reference, result.runtime, case.canonical_nans, True)
        assert not verdict.findings, (NAMES[op], verdict.findings)
        assert all(c.status.kind == "ok" for c in result.runtime.calls)
