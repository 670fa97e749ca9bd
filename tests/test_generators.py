"""The fuzzing generators: every output validates in wasmtime held to the runtime's
feature set, generation is deterministic in its input, short inputs never raise,
the Hypothesis strategy shrinks, the single-op cases cover every numeric
instruction, and the encoder round-trips through the runtime's decoder."""
from __future__ import annotations

import dataclasses
import json
import random
import struct
import subprocess

import pytest
import wasmtime
from hypothesis import HealthCheck, find, given, settings
from hypothesis import strategies as st

from fuzzrt.generators import mutate, regenerate, single_op, smith, strategies
from fuzzrt.generators.args import EDGES, arg_value, calls_for, values
from fuzzrt.generators.bodies import NAN_NONDETERMINISTIC_OPS, SAT_OPS, SIGN_EXT_OPS
from fuzzrt.generators.builder import Sizes, build_module
from fuzzrt.generators.case import Call, Generated
from fuzzrt.generators.choices import UnstructuredChooser
from fuzzrt.generators.context import CALL_FUEL, LOOP_FUEL
from fuzzrt.generators.encode import encode_module, sleb, uleb
from fuzzrt.generators.unstructured import Unstructured
from runtime.binary import decode_module
from runtime.errors import WasmError
from runtime.features import Features
from runtime.syntax.opcodes import NUMERIC, OP
from runtime.syntax.types import EXTERNREF, F32, F64, FUNCREF, I32, I64, V128
from runtime.validate.module import validate_module
from runtime.wat import find_wasm_tools

GEN_SETTINGS = settings(max_examples=25, deadline=None, derandomize=True, database=None,
                        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
_WASM2_OFF = ("wasm_simd", "wasm_relaxed_simd", "wasm_multi_memory", "wasm_memory64", "wasm_tail_call",
              "wasm_gc", "wasm_threads", "wasm_function_references", "wasm_exceptions",
              "wasm_custom_page_sizes", "wasm_wide_arithmetic", "wasm_stack_switching")


def wasm2_engine(**overrides: bool) -> wasmtime.Engine:
    """wasmtime held to WebAssembly 2.0 without SIMD (reference types must stay on: wasmtime needs them)."""
    config = wasmtime.Config()
    for name in _WASM2_OFF:
        setattr(config, name, False)
    for name, value in overrides.items():
        setattr(config, name, value)
    return wasmtime.Engine(config)


ENGINE = wasm2_engine()


def assert_valid(wasm: bytes, engine: wasmtime.Engine = ENGINE) -> None:
    try:
        wasmtime.Module.validate(engine, wasm)
    except wasmtime.WasmtimeError as exc:  # pragma: no cover - the message is the diagnosis
        text = subprocess.run([find_wasm_tools(), "print"], input=wasm, capture_output=True).stdout.decode()
        pytest.fail(f"generated module is invalid: {exc}\n{text[:4000]}")


def random_inputs(seed: int, n: int, max_len: int = 3000) -> list[bytes]:
    rng = random.Random(seed)
    return [rng.randbytes(rng.randrange(max_len)) for _ in range(n)]


def py_arg(t: int, bits: int):
    """A Call argument as wasmtime-py wants it (floats through struct, so only NaN payloads may change)."""
    if t == I32:
        return bits - (1 << 32) if bits >= 1 << 31 else bits
    if t == I64:
        return bits - (1 << 64) if bits >= 1 << 63 else bits
    if t == F32:
        return struct.unpack("<f", struct.pack("<I", bits))[0]
    if t == F64:
        return struct.unpack("<d", struct.pack("<Q", bits))[0]
    return None


# -- Unstructured --------------------------------------------------------------------------

@given(st.binary(max_size=40))
def test_unstructured_never_raises_and_is_deterministic(data):
    def draw(u: Unstructured) -> list:
        return [u.u8(), u.u16(), u.u32(), u.u64(), u.int_in_range(-5, 5), u.int_in_range(0, 2**70),
                u.choose("abc"), u.ratio(1, 3), u.boolean(), u.arbitrary_len(9), u.bytes(3),
                u.remaining(), u.is_empty(), u.take_rest()]

    first, second = draw(Unstructured(data)), draw(Unstructured(data))
    assert first == second
    assert -5 <= first[4] <= 5 and 0 <= first[5] <= 2**70 and first[6] in "abc" and len(first[10]) == 3


def test_unstructured_exhausted_gives_lowest_choices():
    u = Unstructured(b"")
    assert (u.u32(), u.int_in_range(7, 9), u.choose("xyz"), u.bytes(2)) == (0, 7, "x", b"\0\0")
    assert u.ratio(1, 8) and not u.boolean() and u.is_empty()
    u = Unstructured(b"\x05")
    assert u.bytes(3) == b"\x05\0\0" and u.consumed == 1


def test_unstructured_consumes_only_what_the_range_needs():
    u = Unstructured(bytes([3, 200, 1, 2]))
    assert u.int_in_range(4, 4) == 4 and u.consumed == 0
    assert u.int_in_range(0, 9) == 3 and u.consumed == 1
    assert u.int_in_range(0, 1000) == (200 * 256 + 1) % 1001 and u.consumed == 3


def test_unstructured_rejects_programming_errors():
    u = Unstructured(b"abc")
    for call in (lambda: u.int_in_range(2, 1), lambda: u.choose([]), lambda: u.ratio(3, 2), lambda: u.bytes(-1)):
        with pytest.raises(ValueError):
            call()


# -- cases and arguments -----------------------------------------------------------------------

def test_case_round_trips_through_json():
    case = Generated(b"\0asm\x01\0\0\0", "smith", {"k": [1, 2]}, True,
                     [Call("f", [(I32, 0xFFFF_FFFF), (F64, 0x7FF0_0000_0000_0001), (FUNCREF, 0)])])
    assert Generated.from_dict(json.loads(json.dumps(case.to_dict()))) == case
    assert Generated.from_dict(dict(case.to_dict(), calls=None)).calls is None


@pytest.mark.parametrize("bad", [
    lambda: Call("f", [(I32, 1 << 32)]),
    lambda: Call("f", [(0x7B, 1 << 128)]),   # a v128 argument has 128 bits
    lambda: Call("f", [(0x40, 0)]),
    lambda: Call("f", [(I32,)]),
    lambda: Generated(b"", "nope"),
    lambda: Generated.from_dict({"generator": "raw", "wasm": "zz"}),
    lambda: Call.from_dict({"export": "f", "args": [["i33", 0]]}),
])
def test_case_rejects_malformed_values(bad):
    with pytest.raises(ValueError):
        bad()


def test_edge_tables_fit_their_types_and_hold_the_classic_edges():
    widths = {I32: 32, I64: 64, F32: 32, F64: 64, V128: 128, FUNCREF: 64, EXTERNREF: 64}
    for t, edges in EDGES.items():
        assert edges[0] == 0 and all(0 <= e < 1 << widths[t] for e in edges)
    assert {0x8000_0000, 0x7FFF_FFFF, 0xFFFF_FFFF} <= set(EDGES[I32])
    assert {0x7F80_0001, 0x7FC0_0000, 0x8000_0000, 0x7F80_0000, 0x0000_0001} <= set(EDGES[F32])
    assert {0x7FF0_0000_0000_0001, 0x8000_0000_0000_0000, 0x000F_FFFF_FFFF_FFFF} <= set(EDGES[F64])


@given(st.binary(max_size=64), st.sampled_from([I32, I64, F32, F64, V128, FUNCREF, EXTERNREF]))
def test_arg_value_stays_in_range(data, t):
    vt, bits = arg_value(Unstructured(data), t)
    assert vt == t and 0 <= bits < 1 << (32 if t in (I32, F32) else 128 if t == V128 else 64)
    if t in (FUNCREF, EXTERNREF):
        assert bits == 0


@given(st.sampled_from([I32, I64, F32, F64, V128]).flatmap(values))
def test_values_strategy_stays_in_range(value):
    t, bits = value
    assert 0 <= bits < 1 << (32 if t in (I32, F32) else 128 if t == V128 else 64)


def test_calls_for_matches_parameter_types():
    calls = calls_for(Unstructured(bytes(range(256))), [("a", [I32, F64]), ("b", [])])
    assert {c.export for c in calls} == {"a", "b"}
    assert all([t for t, _ in c.args] == ([I32, F64] if c.export == "a" else []) for c in calls)


# -- encoder -------------------------------------------------------------------------------

def test_leb_encodings():
    assert uleb(0) == b"\0" and uleb(624485) == bytes([0xE5, 0x8E, 0x26])
    assert sleb(-1) == b"\x7f" and sleb(-64) == b"\x40" and sleb(64) == b"\xc0\x00" and sleb(-123456) == bytes(
        [0xC0, 0xBB, 0x78])


def _strip_offsets(module):
    for seq in (module.funcs, module.globals, module.elems, module.datas):
        for item in seq:
            item.offset = 0
    for f in module.funcs:
        f.offsets = []
    module.customs = []
    return module


@pytest.mark.parametrize("name", ["br_table", "bulk", "call_indirect", "elem", "data", "select", "ref_func",
                                  "table_init", "memory_copy", "global", "float_literals", "imports"])
def test_encoder_round_trips_spec_modules(testsuite_dir, tmp_path, name):
    subprocess.run([find_wasm_tools(), "json-from-wast", str(testsuite_dir / f"{name}.wast"),
                    "-o", str(tmp_path / "out.json"), "--wasm-dir", str(tmp_path)], check=True, capture_output=True)
    checked = 0
    for path in sorted(tmp_path.glob("*.wasm")):
        try:
            module = decode_module(path.read_bytes())
            validate_module(module)
        except WasmError:
            continue  # assert_invalid / assert_malformed modules
        again = decode_module(encode_module(module))
        assert _strip_offsets(again) == _strip_offsets(module), path.name
        checked += 1
    assert checked


# -- wasm-smith ----------------------------------------------------------------------------

@pytest.mark.parametrize("imports", [False, True])
def test_smith_modules_validate_and_stay_within_limits(imports):
    host = {(m, n): sig for m, n, sig in smith.HOST_IMPORTS}
    for data in random_inputs(1 if imports else 2, 12, 6000):
        case = smith.generate(Unstructured(data), imports=imports)
        assert case.generator == "smith" and case.calls is None
        assert case.canonical_nans and case.config["canonicalize_nans"]
        assert_valid(case.wasm)
        module = wasmtime.Module(ENGINE, case.wasm)
        for imp in module.imports:
            assert imports and isinstance(imp.type, wasmtime.FuncType)
            sig = host[(imp.module, imp.name)]
            assert len(imp.type.params) == len(sig.params) and len(imp.type.results) == len(sig.results)
        for exp in module.exports:
            if isinstance(exp.type, wasmtime.MemoryType):
                assert exp.type.limits.max is not None and exp.type.limits.max <= smith.MAX_MEMORY_PAGES
            if isinstance(exp.type, wasmtime.TableType):
                assert exp.type.limits.min <= smith.MAX_TABLE_ELEMENTS


def test_smith_is_deterministic_and_leaves_argument_bytes():
    data = random_inputs(3, 1, 4000)[0] + b"x" * 800
    u1, u2 = Unstructured(data), Unstructured(data)
    first, second = smith.generate(u1), smith.generate(u2)
    assert first == second and first.config["smith_status"] == "ok"
    after_config = first.config["seed_bytes"] + u1.remaining()
    assert u1.remaining() == min(after_config // smith.ARG_RESERVE_DIVISOR, smith.ARG_RESERVE_MAX) > 0


def test_smith_on_empty_input_makes_a_valid_module():
    case = smith.generate(Unstructured(b""))
    assert_valid(case.wasm)


def test_smith_flags_hold_the_runtime_feature_set():
    config = smith.draw_config(Unstructured(random_inputs(4, 1)[0]), Features())
    args = smith.smith_args(config)
    pairs = {flag: value for flag, value in zip(args, args[1:] + [""]) if flag.startswith("--")
             and not value.startswith("--")}
    for name in ("simd", "memory64", "tail-call", "gc", "threads", "exceptions", "relaxed-simd",
                 "custom-page-sizes", "wide-arithmetic", "extended-const"):
        assert pairs[f"--{name}-enabled"] == "false"
    assert pairs["--max-imports"] == "0" and pairs["--export-everything"] == "true"
    assert pairs["--memory-max-size-required"] == "true"
    assert int(pairs["--max-memory32-bytes"]) <= smith.MAX_MEMORY_PAGES * 65536
    assert int(pairs["--max-table-elements"]) <= smith.MAX_TABLE_ELEMENTS
    simd = smith.smith_args(smith.draw_config(Unstructured(b""), Features(simd=True)))
    assert simd[simd.index("--simd-enabled") + 1] == "true"
    no_bulk = smith.draw_config(Unstructured(b"\xff" * 64), Features(bulk_memory=False))
    assert no_bulk["proposals"]["bulk-memory"] is False


# -- the Python module generator --------------------------------------------------------------

_WASMTIME_TYPES = {I32: wasmtime.ValType.i32(), I64: wasmtime.ValType.i64(), F32: wasmtime.ValType.f32(),
                   F64: wasmtime.ValType.f64(), FUNCREF: wasmtime.ValType.funcref(),
                   EXTERNREF: wasmtime.ValType.externref()}


def _check_calls(case: Generated) -> None:
    exports = {e.name: e.type for e in wasmtime.Module(ENGINE, case.wasm).exports}
    assert case.calls
    for call in case.calls:
        assert list(exports[call.export].params) == [_WASMTIME_TYPES[t] for t, _ in call.args]


@GEN_SETTINGS
@given(strategies.modules())
def test_hypothesis_modules_validate(case):
    assert case.generator == "hypothesis"
    assert_valid(case.wasm)
    _check_calls(case)


def test_byte_driven_modules_validate_and_are_deterministic():
    for data in random_inputs(5, 40):
        case = strategies.generate(Unstructured(data))
        assert case == strategies.generate(Unstructured(data))
        assert case.canonical_nans   # always: NaN bits can reach integers, where no NaN rule applies
        assert_valid(case.wasm)
        _check_calls(case)
    assert_valid(strategies.generate(Unstructured(b"")).wasm)


def test_from_bytes_is_deterministic_and_total():
    strategy = strategies.modules()
    for data in [b"", b"\xff" * 7, *random_inputs(6, 4)]:
        case = strategies.from_bytes(strategy, data)
        assert case is not None and case == strategies.from_bytes(strategy, data)
        assert_valid(case.wasm)


@pytest.mark.parametrize("off", ["bulk_memory", "multi_value", "reference_types", "sign_extension",
                                 "saturating_float_to_int", "mutable_global"])
def test_modules_respect_disabled_features(off):
    features = dataclasses.replace(Features(), **{off: False})
    engine = wasm2_engine(**{"wasm_bulk_memory": False} if off == "bulk_memory" else
                          {"wasm_multi_value": False} if off == "multi_value" else {})
    forbidden = {"sign_extension": SIGN_EXT_OPS, "saturating_float_to_int": SAT_OPS}.get(off, frozenset())
    for data in random_inputs(7, 25):
        case = strategies.generate(Unstructured(data), features)
        assert_valid(case.wasm, engine)
        module = decode_module(case.wasm)
        validate_module(module, features)
        assert not {op for f in module.funcs for op, _ in f.body} & forbidden
        if off == "reference_types":
            assert all(g.sig.valtype not in (FUNCREF, EXTERNREF) for g in module.globals)
        if off == "mutable_global":
            assert all(not module.globals[e.index].sig.mutable for e in module.exports if e.kind == 3)


def test_calls_terminate_without_engine_fuel_or_deep_stacks():
    """Loop and call fuel globals bound every call: wasmtime never runs out of a generous fuel budget."""
    config = wasmtime.Config()
    config.consume_fuel = True
    engine = wasmtime.Engine(config)
    for data in random_inputs(8, 30):
        case = strategies.generate(Unstructured(data))
        store = wasmtime.Store(engine)
        try:
            instance = wasmtime.Instance(store, wasmtime.Module(engine, case.wasm), [])
        except wasmtime.Trap:
            continue
        for call in case.calls:
            store.set_fuel(50_000_000)
            try:
                instance.exports(store)[call.export](store, *[py_arg(t, b) for t, b in call.args])
            except wasmtime.Trap as trap:
                assert trap.trap_code not in (wasmtime.TrapCode.OUT_OF_FUEL, wasmtime.TrapCode.STACK_OVERFLOW)


def test_module_layout_and_nan_canonicalisation():
    for data in random_inputs(9, 30):
        built = build_module(UnstructuredChooser(Unstructured(data)), Features())
        module, n = built.module, built.config["funcs"]
        assert [e.name for e in module.exports if e.kind == 0] == [f"f{i}" for i in range(n)]
        assert len(module.funcs) == 2 * n
        fuel = module.globals[-2:]
        assert [g.init for g in fuel] == [[(OP["i32.const"], LOOP_FUEL)], [(OP["i32.const"], CALL_FUEL)]]
        for func in module.funcs[:n]:
            body = func.body
            for i, (op, _) in enumerate(body):
                if op in NAN_NONDETERMINISTIC_OPS:
                    assert [o for o, _ in body[i + 1:i + 7]] == [
                        OP["local.tee"], OP["f32.const"] if body[i + 2][0] == OP["f32.const"] else OP["f64.const"],
                        OP["local.get"], OP["local.get"], body[i + 5][0], OP["select"]]
                    assert body[i + 5][0] in (OP["f32.eq"], OP["f64.eq"])


def test_nan_scratch_locals_are_read_only_by_the_canonicalisation():
    """The local a NaN canonicalisation tees the raw result into still holds that raw value
    afterwards; if the body could read it, engine-dependent NaN bits would reach results of a
    module that claims canonical NaNs (two false differential findings came from this)."""
    get_set_tee = (OP["local.get"], OP["local.set"], OP["local.tee"])
    seen = 0
    for data in random_inputs(11, 150):
        built = build_module(UnstructuredChooser(Unstructured(data)), Features(simd=True))
        for func in built.module.funcs:
            body = func.body
            starts = [i for i, (op, _) in enumerate(body) if op in NAN_NONDETERMINISTIC_OPS]
            scratch = {body[i + 1][1] for i in starts}
            allowed = {i + k for i in starts for k in (1, 3, 4)}
            for j, (op, imm) in enumerate(body):
                if op in get_set_tee and imm in scratch:
                    seen += 1
                    assert j in allowed, (j, body[max(0, j - 3):j + 3])
    assert seen > 100


def test_strategy_shrinks_a_planted_failure_to_a_small_module():
    """"No module contains i32.div_s" fails; Hypothesis must shrink the counterexample to one tiny function.

    Smaller sizes than the defaults keep the shrink affordable in CI; the
    structure that makes shrinking work is the same.
    """
    div = OP["i32.div_s"]
    found = find(strategies.built_modules(sizes=Sizes(3, 30, 60)),
                 lambda b: any(op == div for f in b.module.funcs for op, _ in f.body),
                 settings=settings(database=None, max_examples=1000, deadline=None, derandomize=True,
                                   report_multiple_bugs=False, suppress_health_check=list(HealthCheck)))
    assert found.config["funcs"] == 1 and not found.module.tables and len(found.calls) == 1
    prologue = 10  # the call-fuel check every function starts with
    # Hypothesis bounds shrinking by wall time, so on a loaded machine it may stop a few
    # steps short of its best; from up to 60 instructions, under 27 still shows it works.
    assert len(found.module.funcs[0].body) <= prologue + 16, found.module.funcs[0].body


# -- single-instruction modules ------------------------------------------------------------------

def test_single_op_covers_every_numeric_instruction():
    cases = list(single_op.all_cases())
    assert {c.config["opcode"] for c in cases} == set(NUMERIC)
    store = wasmtime.Store(ENGINE)
    for case in cases:
        op = case.config["opcode"]
        params, _ = NUMERIC[op]
        assert case.canonical_nans == (op not in NAN_NONDETERMINISTIC_OPS)
        assert all([t for t, _ in call.args] == list(params) for call in case.calls)
        assert len(case.calls) == (len(EDGES[params[0]]) if len(params) == 1 else
                                   len(single_op.CORE_EDGES[params[0]]) ** 2)
        instance = wasmtime.Instance(store, wasmtime.Module(ENGINE, case.wasm), [])
        func = instance.exports(store)[single_op.EXPORT]
        call = case.calls[0]
        try:
            func(store, *[py_arg(t, b) for t, b in call.args])
        except wasmtime.Trap:
            pass  # e.g. division by zero: the edges are meant to reach traps


def test_single_op_respects_features_and_is_deterministic():
    ops = single_op.supported_ops(Features(sign_extension=False, saturating_float_to_int=False))
    assert not set(ops) & (SIGN_EXT_OPS | SAT_OPS)
    for data in [b"", *random_inputs(10, 10, 100)]:
        case = single_op.generate(Unstructured(data))
        assert case == single_op.generate(Unstructured(data)) and 1 <= len(case.calls) <= 8
        assert_valid(case.wasm)


# -- mutation and raw bytes ------------------------------------------------------------------------

def test_mutate_and_raw_are_deterministic_and_total():
    modes = set()
    for data in [b"", *random_inputs(11, 16)]:
        case = mutate.mutate(Unstructured(data))
        assert case == mutate.mutate(Unstructured(data)) and case.generator == "mutate" and case.calls is None
        assert case.wasm[:8] == mutate.WASM_HEADER  # edits never touch the header
        modes.add(case.config["mode"])
        if case.config["mode"] == "bytes":
            assert case.config["edits"]
    assert modes == {"wasm-mutate", "bytes"}
    raw = mutate.raw(Unstructured(b"\x00\x01\x02"))
    assert raw.generator == "raw" and raw.wasm.endswith(b"\x01\x02")
    assert mutate.raw(Unstructured(b"")).wasm in (b"", mutate.WASM_HEADER)


def test_byte_edits_change_the_module_and_report_them():
    base = smith.generate(Unstructured(random_inputs(12, 1)[0])).wasm
    edited, edits = mutate.byte_edits(Unstructured(bytes(range(40))), base)
    assert edits and edited != base and all(pos >= 8 for _, pos, _ in edits)


@pytest.mark.parametrize("name", ["smith", "hypothesis", "single-op", "mutate", "raw"])
def test_regenerate_rebuilds_the_same_case(name):
    data = random_inputs(13, 1, 2000)[0]
    case = regenerate(name, data)
    assert case.generator == name and regenerate(name, data) == case
    with pytest.raises(ValueError):
        regenerate("nope", data)
