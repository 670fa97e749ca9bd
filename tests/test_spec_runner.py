"""Unit tests of the spec-testsuite runner (fuzzrt.spec), independent of the runtime.

The runner is driven here by ``FakeApi``, a tiny pure-Python stand-in for the
runtime API whose behaviour is keyed on export names found in the module bytes,
so every outcome (pass, mismatch, trap, crash, hang) can be provoked on purpose.
"""
from __future__ import annotations

import ctypes
import json
import struct
import sys
import time
from enum import Enum
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from fuzzrt import cli
from fuzzrt.spec import convert as convert_module
from fuzzrt.spec import load_baseline, regressions, run_suite, write_baseline
from fuzzrt.spec.baseline import BaselineError
from fuzzrt.spec.convert import ConversionError, convert
from fuzzrt.spec.pool import run_isolated
from fuzzrt.spec.results import FileResult, SuiteReport
from fuzzrt.spec.script import ScriptRunner
from fuzzrt.spec.suite import discover
from fuzzrt.spec.traps import trap_code_name
from fuzzrt.spec.values import HostRefs, Observed, UnsupportedValue, mismatch, observe_python, observe_val, to_val

FAKE_API = f"{__name__}:FakeApi"
MAGIC_V1 = b"\0asm\x01\0\0\0"


# --- a fake engine ------------------------------------------------------------


class FakeTrapCode(Enum):
    INTEGER_DIVISION_BY_ZERO = 7
    UNREACHABLE = 9


class FakeVal:
    """Numbers as unsigned bits (so NaN payloads survive), refs as objects."""

    def __init__(self, kind: str, payload):
        self.kind, self.payload = kind, payload

    @classmethod
    def i32(cls, v):
        return cls("i32", v & 0xFFFF_FFFF)

    @classmethod
    def i64(cls, v):
        return cls("i64", v & 0xFFFF_FFFF_FFFF_FFFF)

    @classmethod
    def f32(cls, x):
        return cls("f32", struct.unpack("<I", struct.pack("<f", x))[0])

    @classmethod
    def f64(cls, x):
        return cls("f64", struct.unpack("<Q", struct.pack("<d", x))[0])

    @classmethod
    def f32_bits(cls, bits):
        return cls("f32", bits)

    @classmethod
    def f64_bits(cls, bits):
        return cls("f64", bits)

    @classmethod
    def v128(cls, bits):
        return cls("v128", bits)

    @classmethod
    def externref(cls, obj):
        return cls("externref", obj)

    @classmethod
    def funcref(cls, func):
        return cls("funcref", func)

    @property
    def type(self):
        return self.kind

    @property
    def bits(self):
        return self.payload

    @property
    def value(self):
        if self.kind in ("i32", "i64"):
            width = 32 if self.kind == "i32" else 64
            return self.payload - (1 << width) if self.payload >> (width - 1) else self.payload
        return self.payload


class FakeGlobal:
    def __init__(self, kind: str, value):
        self.kind, self._value = kind, value

    def type(self, store):
        return type("GlobalType", (), {"content": self.kind})()

    def value(self, store):
        return self._value


def _trap(code: FakeTrapCode):
    raise FakeApi.Trap(code.name.lower(), code)


def _engine_bug():
    raise KeyError("engine internals")


#: exports of every fake module, chosen by their names appearing in the module bytes
FAKE_EXPORTS = {
    "answer": lambda: [FakeVal.i32(42)],
    "minus_one": lambda: [FakeVal.i32(-1)],
    "neg_zero": lambda: [FakeVal.f32_bits(0x8000_0000)],
    "canon_nan": lambda: [FakeVal.f32_bits(0x7FC0_0000)],
    "echo": lambda *args: list(args),
    "divide": lambda: _trap(FakeTrapCode.INTEGER_DIVISION_BY_ZERO),
    "broken": _engine_bug,
}


class FakeFunc:
    def __init__(self, body):
        self._body = body

    def call_vals(self, store, vals):
        return self._body(*vals)


class FakeInstance:
    def __init__(self, data: bytes):
        self._exports = {name: FakeFunc(body) for name, body in FAKE_EXPORTS.items() if name.encode() in data}
        if b"counter" in data:
            self._exports["counter"] = FakeGlobal("i64", -5)

    def exports(self, store):
        return self._exports


class FakeLinker:
    def __init__(self, engine):
        self.allow_shadowing = False
        self.defined: dict = {}

    def define(self, store, module, name, extern):
        self.defined[module, name] = extern

    def define_instance(self, store, name, instance):
        self.defined[name] = instance

    def instantiate(self, store, module):
        if b"nope" in module:
            raise FakeApi.LinkError("unknown import spectest::nope")
        return FakeInstance(module)


def _compile(engine, data):
    if not isinstance(data, bytes) or not data.startswith(MAGIC_V1):
        raise FakeApi.DecodeError("magic header not detected")
    if b"segfault" in data:
        ctypes.string_at(0)
    if b"hang" in data:
        time.sleep(3600)
    if b"explode" in data:
        raise ZeroDivisionError("fake engine bug")
    return data


class FakeApi:
    """The subset of the runtime API the runner uses."""

    class WasmError(Exception):
        pass

    class DecodeError(WasmError):
        pass

    class LinkError(WasmError):
        pass

    class Trap(Exception):
        def __init__(self, message, trap_code):
            super().__init__(message)
            self.trap_code = trap_code

    class ValType:
        i32, i64, f32, f64 = (staticmethod(lambda k=k: k) for k in ("i32", "i64", "f32", "f64"))
        funcref, externref = staticmethod(lambda: "funcref"), staticmethod(lambda: "externref")

    Val = FakeVal
    TrapCode = FakeTrapCode
    Engine = Store = FuncType = GlobalType = TableType = MemoryType = Limits = staticmethod(lambda *args: args)
    Func = Global = Table = Memory = staticmethod(lambda store, *args: args)
    Linker = FakeLinker
    Module = staticmethod(_compile)


# --- helpers --------------------------------------------------------------------

ANSWER_MODULE = '(module (func (export "answer") (result i32) i32.const 42))'


def write_wast(directory: Path, name: str, text: str) -> Path:
    path = directory / name
    path.write_text(text)
    return path


def run_in_process(path: Path) -> FileResult:
    result = FileResult(path.name)
    ScriptRunner(FakeApi, convert(path), result).run()
    return result


def tallies(result: FileResult) -> dict[str, tuple[int, int, int]]:
    return {command: (t.passed, t.failed, t.text) for command, t in result.tallies.items()}


# --- values ---------------------------------------------------------------------


def f32(value: str) -> dict:
    return {"type": "f32", "value": value}


@pytest.mark.parametrize(
    "bits, canonical, arithmetic",
    [
        (0x7FC0_0000, True, True),
        (0xFFC0_0000, True, True),  # sign is free
        (0x7FC0_0001, False, True),  # payload beyond the quiet bit
        (0xFFFF_FFFF, False, True),
        (0x7FA0_0000, False, False),  # signalling NaN
        (0x7F80_0000, False, False),  # infinity
        (0x3F80_0000, False, False),  # 1.0
    ],
)
def test_nan_patterns_f32(bits, canonical, arithmetic):
    refs = HostRefs()
    assert (mismatch(f32("nan:canonical"), Observed("f32", bits), refs) is None) is canonical
    assert (mismatch(f32("nan:arithmetic"), Observed("f32", bits), refs) is None) is arithmetic


def test_nan_patterns_f64():
    refs = HostRefs()
    canonical = {"type": "f64", "value": "nan:canonical"}
    arithmetic = {"type": "f64", "value": "nan:arithmetic"}
    assert mismatch(canonical, Observed("f64", 0xFFF8_0000_0000_0000), refs) is None
    assert mismatch(canonical, Observed("f64", 0x7FF8_0000_0000_0001), refs) is not None
    assert mismatch(arithmetic, Observed("f64", 0x7FF8_0000_0000_0001), refs) is None
    assert mismatch(arithmetic, Observed("f64", 0x7FF4_0000_0000_0000), refs) is not None
    # an f32 canonical NaN pattern is not an f64 NaN
    assert mismatch(arithmetic, Observed("f64", 0x7FC0_0000), refs) is not None


@given(st.integers(0, (1 << 22) - 1), st.booleans())
def test_quiet_nans_are_arithmetic_and_only_the_bare_one_canonical(payload, negative):
    bits = 0x7FC0_0000 | payload | (0x8000_0000 if negative else 0)
    refs = HostRefs()
    assert mismatch(f32("nan:arithmetic"), Observed("f32", bits), refs) is None
    assert (mismatch(f32("nan:canonical"), Observed("f32", bits), refs) is None) == (payload == 0)


@given(st.integers(0, (1 << 32) - 1), st.integers(0, (1 << 32) - 1))
def test_floats_compare_bit_exactly(expected, observed):
    verdict = mismatch(f32(str(expected)), Observed("f32", observed), HostRefs())
    assert (verdict is None) == (expected == observed)


def test_zero_signs_differ_and_message_shows_bits():
    why = mismatch(f32("0"), Observed("f32", 0x8000_0000), HostRefs())
    assert why == "expected f32:0, got f32:0x80000000"


def test_integers_match_by_unsigned_value_and_type():
    refs = HostRefs()
    minus_one = observe_val(FakeVal.i32(-1))
    assert minus_one == Observed("i32", 0xFFFF_FFFF)
    assert mismatch({"type": "i32", "value": "4294967295"}, minus_one, refs) is None
    assert mismatch({"type": "i32", "value": "4294967294"}, minus_one, refs) is not None
    assert "expected type i64" in mismatch({"type": "i64", "value": "4294967295"}, minus_one, refs)


def test_extern_refs_match_by_identity():
    refs = HostRefs()
    seven = refs.get(7)
    assert refs.get(7) is seven
    assert mismatch({"type": "externref", "value": "7"}, Observed("externref", seven), refs) is None
    assert mismatch({"type": "externref", "value": "8"}, Observed("externref", seven), refs) is not None
    assert mismatch({"type": "externref", "value": "7"}, Observed("externref", HostRefs().get(7)), refs)
    assert mismatch({"type": "externref", "value": "null"}, Observed("externref", None), refs) is None
    assert mismatch({"type": "externref", "value": "null"}, Observed("externref", seven), refs) is not None


def test_funcref_null_and_any_function():
    refs = HostRefs()
    func = object()
    assert mismatch({"type": "funcref", "value": "null"}, Observed("funcref", None), refs) is None
    assert mismatch({"type": "funcref", "value": "null"}, Observed("funcref", func), refs) is not None
    assert mismatch({"type": "funcref"}, Observed("funcref", func), refs) is None
    assert mismatch({"type": "funcref"}, Observed("funcref", None), refs) is not None


def test_arguments_become_bit_exact_vals():
    refs = HostRefs()
    assert to_val(FakeApi, {"type": "i32", "value": "4294967295"}, refs).value == -1
    assert to_val(FakeApi, {"type": "i64", "value": str(1 << 63)}, refs).value == -(1 << 63)
    assert to_val(FakeApi, f32("2141192192"), refs).bits == 2141192192  # a signalling NaN, kept
    assert to_val(FakeApi, {"type": "externref", "value": "3"}, refs).value is refs.get(3)
    assert to_val(FakeApi, {"type": "funcref", "value": "null"}, refs).value is None
    lanes = to_val(FakeApi, {"type": "v128", "lane_type": "i16", "value": ["-1", "2", "65535"] + ["0"] * 5}, refs)
    assert lanes.bits == 0xFFFF_0002_FFFF
    with pytest.raises(UnsupportedValue, match="lane type"):
        to_val(FakeApi, {"type": "v128", "lane_type": "i4", "value": ["0"] * 32}, refs)
    with pytest.raises(UnsupportedValue, match="4 i32 lanes"):
        to_val(FakeApi, {"type": "v128", "lane_type": "i32", "value": ["0", "0", "0"]}, refs)
    with pytest.raises(UnsupportedValue, match="not a string"):
        to_val(FakeApi, {"type": "i32"}, refs)


def test_v128_results_match_lane_by_lane_with_nan_patterns_per_lane():
    refs = HostRefs()
    f32x4 = {"type": "v128", "lane_type": "f32", "value": ["nan:canonical", "nan:arithmetic", "1065353216", "0"]}
    lanes = [0xFFC0_0000, 0x7FA0_0001 | 0x0040_0000, 0x3F80_0000, 0]
    bits = sum(lane << (32 * i) for i, lane in enumerate(lanes))
    assert mismatch(f32x4, Observed("v128", bits), refs) is None
    signalling = bits & ~(0x0040_0000 << 32)              # lane 1 loses its quiet bit
    assert "lanes 1 differ" in mismatch(f32x4, Observed("v128", signalling), refs)
    not_canonical = bits | 1                               # lane 0 gets a payload
    assert "lanes 0 differ" in mismatch(f32x4, Observed("v128", not_canonical), refs)
    i8x16 = {"type": "v128", "lane_type": "i8", "value": ["-1", "255"] + ["0"] * 14}
    assert mismatch(i8x16, Observed("v128", 0xFFFF), refs) is None
    assert mismatch(i8x16, Observed("v128", 0xFF), refs).endswith("(lanes 1 differ)")
    assert mismatch(i8x16, Observed("i32", 0), refs) == "expected type v128, got i32:0"


def test_python_values_of_globals_are_reencoded_at_their_width():
    assert observe_python("f32", 666.6) == Observed("f32", struct.unpack("<I", struct.pack("<f", 666.6))[0])
    assert observe_python("f64", -0.0) == Observed("f64", 1 << 63)
    assert observe_python("i64", -5) == Observed("i64", (1 << 64) - 5)


# --- traps ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "text, code",
    [
        ("integer divide by zero", "INTEGER_DIVISION_BY_ZERO"),
        ("integer overflow", "INTEGER_OVERFLOW"),
        ("invalid conversion to integer", "BAD_CONVERSION_TO_INTEGER"),
        ("out of bounds memory access", "MEMORY_OUT_OF_BOUNDS"),
        ("out of bounds table access", "TABLE_OUT_OF_BOUNDS"),
        ("undefined element", "TABLE_OUT_OF_BOUNDS"),
        ("uninitialized element", "INDIRECT_CALL_TO_NULL"),
        ("uninitialized element 2", "INDIRECT_CALL_TO_NULL"),
        ("indirect call type mismatch", "BAD_SIGNATURE"),
        ("unreachable", "UNREACHABLE"),
        ("call stack exhausted", "STACK_OVERFLOW"),
        ("something else", None),
    ],
)
def test_trap_texts_map_to_codes(text, code):
    assert trap_code_name(text) == code


def test_every_trap_text_of_the_testsuite_is_mapped(testsuite_dir):
    kinds = {"assert_trap", "assert_exhaustion", "assert_uninstantiable"}
    texts = {
        command["text"]
        for path in discover([testsuite_dir])
        for command in convert(path).commands
        if command["type"] in kinds
    }
    assert texts, "no trap assertions found"
    assert {text for text in texts if trap_code_name(text) is None} == set()


# --- executing scripts ----------------------------------------------------------

ACCOUNTING_WAST = r"""
(module $M
  (func (export "answer") (result i32) i32.const 42)
  (func (export "minus_one") (result i32) i32.const -1)
  (func (export "neg_zero") (result f32) f32.const -0)
  (func (export "canon_nan") (result f32) f32.const nan)
  (func (export "echo") (param externref f64) (result externref f64) local.get 0 local.get 1)
  (func (export "divide") (result i32) i32.const 1 i32.const 0 i32.div_s)
  (func (export "broken"))
  (global (export "counter") i64 (i64.const -5)))
(register "m" $M)
(assert_return (invoke "answer") (i32.const 42))
(assert_return (invoke "answer") (i32.const 43))
(assert_return (invoke "minus_one") (i32.const 0xffffffff))
(assert_return (invoke "neg_zero") (f32.const -0))
(assert_return (invoke "neg_zero") (f32.const 0))
(assert_return (invoke "canon_nan") (f32.const nan:canonical))
(assert_return (invoke "echo" (ref.extern 7) (f64.const nan:0x4)) (ref.extern 7) (f64.const nan:0x4))
(assert_return (invoke "echo" (ref.extern 7) (f64.const 1)) (ref.extern 8) (f64.const 1))
(assert_return (get "counter") (i64.const -5))
(assert_trap (invoke "divide") "integer divide by zero")
(assert_trap (invoke "divide") "integer overflow")
(assert_trap (invoke "answer") "unreachable")
(assert_return (invoke "broken"))
(assert_malformed (module quote "(module") "unexpected token")
(assert_malformed (module binary "\00asm\02\00\00\00") "unknown binary version")
(assert_invalid (module (func (result i32))) "type mismatch")
(assert_unlinkable (module (import "spectest" "nope" (func))) "unknown import")
(module (func (export "explode")))
(assert_return (invoke "answer") (i32.const 42))
"""


def test_every_command_is_counted_once_with_its_outcome(tmp_path):
    result = run_in_process(write_wast(tmp_path, "accounting.wast", ACCOUNTING_WAST))
    assert tallies(result) == {
        "module": (1, 1, 0),
        "register": (1, 0, 0),
        "assert_return": (6, 5, 0),
        "assert_trap": (1, 2, 0),
        "assert_malformed": (1, 0, 1),
        "assert_invalid": (0, 1, 0),
        "assert_unlinkable": (1, 0, 0),
    }
    assert result.error_classes == {"assert_malformed": {"DecodeError": 1}, "assert_unlinkable": {"LinkError": 1}}
    twice = SuiteReport([result, result]).error_classes()
    assert twice == {"assert_malformed": {"DecodeError": 2}, "assert_unlinkable": {"LinkError": 2}}
    reasons = {failure.line: failure.reason for failure in result.failures}
    assert reasons[13] == "result 0: expected i32:43, got i32:42"
    assert reasons[16] == "result 0: expected f32:0, got f32:0x80000000"
    assert reasons[19].startswith("result 0: expected externref:8, got externref:HostRef(7)")
    assert reasons[22].startswith("trapped with INTEGER_DIVISION_BY_ZERO")
    assert reasons[23].startswith("returned [i32:42] instead of trapping with UNREACHABLE")
    assert reasons[24].startswith("internal error: KeyError: 'engine internals' [at ") and __file__ in reasons[24]
    assert reasons[27].startswith("module compiled; expected it rejected")
    assert reasons[29].startswith("internal error: ZeroDivisionError: fake engine bug")
    assert reasons[30] == "no current module (the last module command failed)"


def test_text_modules_are_counted_apart_not_compiled(tmp_path):
    wast = '(assert_malformed (module quote "(func") "unexpected")\n(assert_invalid (module quote "x") "x")\n'
    script = convert(write_wast(tmp_path, "text.wast", wast))
    assert {command.get("module_type") for command in script.commands} == {"text"}
    result = FileResult("text.wast")
    ScriptRunner(FakeApi, script, result).run()
    assert result.total().text == 2 and result.total().passed == result.total().failed == 0


def test_unknown_trap_text_is_a_failure_not_a_pass(tmp_path):
    wast = ANSWER_MODULE + '\n(assert_trap (invoke "answer") "no such trap")\n'
    result = run_in_process(write_wast(tmp_path, "unknown.wast", wast))
    assert [failure.reason for failure in result.failures] == ["unknown trap text 'no such trap'"]


# --- conversion -----------------------------------------------------------------


def test_conversions_are_cached_by_content(tmp_path, monkeypatch):
    wast = write_wast(tmp_path, "cached.wast", ANSWER_MODULE)
    first = convert(wast, tmp_path / "cache")

    def no_subprocess(*args, **kwargs):
        raise AssertionError("converted twice")

    monkeypatch.setattr(convert_module.subprocess, "run", no_subprocess)
    again = convert(wast, tmp_path / "cache")
    assert again.directory == first.directory and again.commands == first.commands
    wast.write_text(ANSWER_MODULE + "\n" + ANSWER_MODULE)
    with pytest.raises(AssertionError, match="converted twice"):
        convert(wast, tmp_path / "cache")


def test_unparsable_wast_is_a_conversion_error(tmp_path):
    with pytest.raises(ConversionError, match="json-from-wast broken.wast failed"):
        convert(write_wast(tmp_path, "broken.wast", "(module"), tmp_path / "cache")


# --- isolation ------------------------------------------------------------------


def _raising_target(item, mark):
    mark(5)
    raise ValueError(f"bad item {item}")


def test_a_raising_worker_is_an_error_with_its_summary():
    [outcome] = run_isolated(_raising_target, ["x"], jobs=1, timeout=60)
    assert outcome.status == "error" and "ValueError: bad item x" in outcome.detail


@pytest.fixture
def importable_tests(monkeypatch):
    """Workers import FakeApi from this module by name: make sure they can find it."""
    monkeypatch.syspath_prepend(str(Path(__file__).parent))
    assert sys.modules.get(__name__) is not None


def test_crash_and_hang_cost_one_file_each_and_the_run_goes_on(tmp_path, importable_tests):
    good = write_wast(tmp_path, "good.wast", ANSWER_MODULE + '\n(assert_return (invoke "answer") (i32.const 42))\n')
    segv = write_wast(tmp_path, "segv.wast", ANSWER_MODULE + '\n(module (func (export "segfault")))\n')
    hang = write_wast(tmp_path, "hang.wast", '(module (func (export "hang")))\n')
    seen = []
    report = run_suite([segv, hang, good], api=FAKE_API, jobs=2, timeout=10, on_file=lambda r: seen.append(r.name))
    by_name = {result.name: result for result in report.files}
    assert [result.name for result in report.files] == ["segv.wast", "hang.wast", "good.wast"]
    assert sorted(seen) == ["good.wast", "hang.wast", "segv.wast"]
    assert (by_name["segv.wast"].status, by_name["segv.wast"].last_line) == ("crashed", 2)
    assert "SIGSEGV" in by_name["segv.wast"].detail
    assert (by_name["hang.wast"].status, by_name["hang.wast"].last_line) == ("timeout", 1)
    assert by_name["good.wast"].status == "ok" and by_name["good.wast"].total().passed == 2
    assert {result.name for result in report.problems()} == {"segv.wast", "hang.wast"}


def test_simd_files_run_like_the_others(tmp_path, importable_tests):
    simd = write_wast(tmp_path, "simd_demo.wast", ANSWER_MODULE + '\n(assert_return (invoke "answer") (i32.const 1))\n')
    [result] = run_suite([simd], api=FAKE_API, jobs=1).files
    assert (result.status, result.total().passed, result.total().failed, result.total().skipped) == ("ok", 1, 1, 0)


def test_unimportable_engine_is_an_error_per_file(tmp_path):
    good = write_wast(tmp_path, "good.wast", ANSWER_MODULE)
    [result] = run_suite([good], api="no_such_engine_module", jobs=1).files
    assert result.status == "error" and "ModuleNotFoundError" in result.detail


# --- baseline and CLI -------------------------------------------------------------


def _report(**passed: int) -> SuiteReport:
    files = []
    for name, count in passed.items():
        result = FileResult(f"{name}.wast")
        for _ in range(count):
            result.count("assert_return", "passed")
        files.append(result)
    return SuiteReport(files)


def test_baseline_roundtrip_and_regressions(tmp_path):
    path = tmp_path / "baseline.json"
    assert write_baseline(path, _report(a=3, b=5)) == ["a.wast", "b.wast"]
    crashed = _report(b=0)
    crashed.files[0].status = "crashed"
    assert write_baseline(path, crashed) == []  # a crashed file keeps its recorded count
    assert load_baseline(path) == {"a.wast": 3, "b.wast": 5}
    assert regressions(_report(a=3, b=4, c=1), load_baseline(path)) == ["b.wast: 4 passed, baseline 5"]
    path.write_text('{"passed": {"a.wast": "many"}}')
    with pytest.raises(BaselineError):
        load_baseline(path)


def test_cli_spec_json_baseline_and_exit_status(tmp_path, importable_tests, capsys):
    good = write_wast(tmp_path, "good.wast", ANSWER_MODULE + '\n(assert_return (invoke "answer") (i32.const 7))\n')
    out, baseline = tmp_path / "out" / "spec.json", tmp_path / "baseline.json"
    args = ["spec", str(good), "--api", FAKE_API, "--jobs", "1"]
    assert cli.main([*args, "--json", str(out), "--write-baseline", str(baseline)]) == 0
    data = json.loads(out.read_text())
    assert data["files"]["good.wast"]["passed"] == 1 and data["total"]["failed"] == 1
    assert data["failures"] == [
        {"file": "good.wast", "line": 2, "command": "assert_return", "reason": "result 0: expected i32:7, got i32:42"}
    ]
    assert load_baseline(baseline) == {"good.wast": 1}
    assert data["error_classes"] == {}
    printed = capsys.readouterr().out
    assert "pass rate: 50.00%" in printed and "good.wast:2: assert_return" in printed

    baseline.write_text(json.dumps({"passed": {"good.wast": 2}}))
    assert cli.main([*args, "--baseline", str(baseline)]) == 1
    assert "below baseline: good.wast: 1 passed, baseline 2" in capsys.readouterr().out

    segv = write_wast(tmp_path, "segv.wast", '(module (func (export "segfault")))\n')
    assert cli.main(["spec", str(segv), "--api", FAKE_API]) == 1
    assert cli.main(["spec", str(tmp_path / "missing.wast")]) == 2
