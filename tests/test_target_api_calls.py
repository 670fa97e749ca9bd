"""The ``api-calls`` fuzz target: its API model under Hypothesis and against wasmtime-py, its oracle, its artifacts."""
from __future__ import annotations

import random
import subprocess
import sys
from pathlib import Path
from typing import Any, Callable

import pytest
import wasmtime
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, rule

import runtime as rt
from fuzzrt.artifacts import write_artifact
from fuzzrt.campaign.context import TargetContext
from fuzzrt.campaign.execution import CONCLUSIVE, FINDING, Execution
from fuzzrt.campaign.runner import artifact_of
from fuzzrt.campaign.targets.api_calls import TARGET, ApiSession
from fuzzrt.campaign.targets.sequence import Result
from fuzzrt.generators import api_ops
from fuzzrt.generators.unstructured import Unstructured
from fuzzrt.oracles import api_model as M
from runtime.api import externs

ROOT = Path(__file__).resolve().parents[1]
SETUP = api_ops.draw_case(Unstructured(b""), 5)[0]


def replay(ops: list[dict[str, Any]]) -> Execution:
    execution = Execution(TARGET.name, b"raw", case=TARGET.case_of(ops, {}))
    TARGET.replay(execution, TargetContext(isolated=False))
    return execution


# -- the model, driven by Hypothesis through the target's own session -----------------------
class ApiMachine(RuleBasedStateMachine):
    """Random API ops (the target's generator, fed by Hypothesis): every check of every step must pass."""

    @initialize()
    def open_session(self) -> None:
        self.session = ApiSession(TARGET.case_of([], {}))
        for op in SETUP:
            self.apply(op)

    def apply(self, op: dict[str, Any]) -> None:
        for check in self.session.step(op):
            assert check.passed, check.finding(0).message

    @rule(op=st.binary(min_size=2, max_size=16).map(lambda b: api_ops.draw_op(Unstructured(b))))
    def step(self, op: dict[str, Any]) -> None:
        self.apply(op)

    @rule(s=st.integers(0, 255), k=st.integers(0, 1), mode=st.sampled_from(api_ops.CALL_MODES))
    def call_after_close(self, s: int, k: int, mode: str) -> None:
        self.apply({"op": "func_new", "s": s, "k": k})
        last = len(self.session.objs.get(M.MFunc, [])) - 1
        self.apply({"op": "close", "s": s})
        self.apply({"op": "call", "x": last, "own": True, "s": s, "mode": mode, "args": [1, 2, 3]})

    @rule(k=st.integers(0, 5), i=st.integers(0, 255), name=st.integers(0, 20))
    def instantiate_and_export(self, k: int, i: int, name: int) -> None:
        self.apply({"op": "module", "e": 0, "k": k})
        self.apply({"op": "instance", "s": 0, "m": 255, "imports": [["func", i], ["global", i], ["memory", i],
                                                                      ["table", i]][:4 if k == 1 else 0]})
        self.apply({"op": "export", "i": 255, "own": True, "s": 0, "name": name})


ApiMachine.TestCase.settings = settings(max_examples=60, stateful_step_count=40, deadline=None,
                                        suppress_health_check=[HealthCheck.too_slow])
TestApiMachine = ApiMachine.TestCase


def test_generated_ops_cover_every_op() -> None:
    seen = set()
    for seed in range(60):
        ops, _ = api_ops.draw_case(Unstructured(random.Random(seed).randbytes(900)), 64)
        seen.update(op["op"] for op in ops)
    assert seen == {name for name, _ in api_ops._OPS}


# -- the model against wasmtime-py, where wasmtime-py documents the same behaviour ------------
def _wasmtime_outcome(action: Callable[[], Any]) -> Result:
    try:
        return Result("ok", action())
    except wasmtime.Trap:
        return Result("Trap")
    except wasmtime.WasmtimeError as exc:
        return Result("error", str(exc))
    except (TypeError, IndexError) as exc:
        return Result(type(exc).__name__)


def _scenarios() -> list[tuple[str, Result, Result]]:
    """(name, the model's outcome, wasmtime-py's outcome) of the same call on equal objects."""
    model, engine = M.ApiModel(), wasmtime.Engine()
    mstore, store = M.MStore(M.MEngine()), wasmtime.Store(engine)
    inc = M.HOST_KINDS[0].func(mstore)
    winc = wasmtime.Func(store, wasmtime.FuncType([wasmtime.ValType.i32()], [wasmtime.ValType.i32()]),
                         lambda x: x + 1)
    _, mmem = model.memory_new(mstore, 1, 2)
    wmem = wasmtime.Memory(store, wasmtime.MemoryType(wasmtime.Limits(1, 2)))
    _, mglob = model.global_new(mstore, "i64", False, 1)
    wglob = wasmtime.Global(store, wasmtime.GlobalType(wasmtime.ValType.i64(), False), 1)
    _, mtab = model.table_new(mstore, "funcref", 1, 2, None)
    wtab = wasmtime.Table(store, wasmtime.TableType(wasmtime.ValType.funcref(), wasmtime.Limits(1, 2)), None)
    mlinker, linker = M.MLinker(mstore.engine), wasmtime.Linker(engine)
    model.define(mlinker, ("env", "f"), inc)
    linker.define(store, "env", "f", winc)
    importer = M.MModule(mstore.engine, M.MODULES[1])
    wimporter = wasmtime.Module(engine, M.MODULES[1].source)
    start = wasmtime.Module(engine, M.MODULES[2].source)
    return [
        ("call", model.call(inc, mstore, [2 ** 31 - 1]), _wasmtime_outcome(lambda: winc(store, 2 ** 31 - 1))),
        ("call wrong type", model.call(inc, mstore, ["x"]), _wasmtime_outcome(lambda: winc(store, "x"))),
        ("write past the end", model.memory_write(mmem, mstore, b"ab", 65535),
         _wasmtime_outcome(lambda: wmem.write(store, b"ab", 65535))),
        ("read across the end", model.memory_read(mmem, mstore, 65530, 65540),
         _wasmtime_outcome(lambda: bytes(wmem.read(store, 65530, 65540)))),
        ("grow past the maximum", model.memory_grow(mmem, mstore, 5), _wasmtime_outcome(lambda: wmem.grow(store, 5))),
        ("grow", model.memory_grow(mmem, mstore, 1), _wasmtime_outcome(lambda: wmem.grow(store, 1))),
        ("set an immutable global", model.global_set(mglob, mstore, 2),
         _wasmtime_outcome(lambda: wglob.set_value(store, 2))),
        ("int into a funcref table", model.table_set(mtab, mstore, 0, 5),
         _wasmtime_outcome(lambda: wtab.set(store, 0, 5))),
        ("table grow past the maximum", model.table_grow(mtab, mstore, 5, None),
         _wasmtime_outcome(lambda: wtab.grow(store, 5, None))),
        ("define twice", model.define(mlinker, ("env", "f"), inc),
         _wasmtime_outcome(lambda: linker.define(store, "env", "f", winc))),
        ("missing import", model.linker_instantiate(mlinker, mstore, importer)[0],
         _wasmtime_outcome(lambda: linker.instantiate(store, wimporter))),
        ("wrong import type", model.instantiate(mstore, importer, [mmem, mglob, mmem, mtab])[0],
         _wasmtime_outcome(lambda: wasmtime.Instance(store, wimporter, [wmem, wglob, wmem, wtab]))),
        ("start traps", model.instantiate(mstore, M.MModule(mstore.engine, M.MODULES[2]), [])[0],
         _wasmtime_outcome(lambda: wasmtime.Instance(store, start, []))),
    ]


#: errors the runtime words its own way (wasmtime-py: "immutable global cannot be set")
OWN_WORDING = {"set an immutable global"}


@pytest.mark.parametrize("name,expected,reference", _scenarios(), ids=lambda v: v if isinstance(v, str) else "")
def test_model_agrees_with_wasmtime_py(name: str, expected: Result, reference: Result) -> None:
    if expected.kind == "ok":
        assert reference == expected
    elif expected.kind in ("TypeError", "IndexError", "Trap"):
        assert reference.kind == expected.kind
    else:   # wasmtime-py raises WasmtimeError where the runtime raises WasmError/LinkError subclasses
        assert reference.kind == "error", reference
        if name not in OWN_WORDING:
            assert expected.value in reference.value


def test_model_expects_cross_store_and_closed_store_errors() -> None:
    model = M.ApiModel()
    engine = M.MEngine()
    a, b = M.MStore(engine), M.MStore(engine)
    func = M.HOST_KINDS[0].func(a)
    assert model.call(func, b, [1]) == Result("WasmError", "this Func belongs to another Store")
    assert model.call(func, a, [1]) == Result("ok", 2)
    model.close(a)
    assert model.call(func, a, [1]) == M.CLOSED
    assert model.call(func, a, []) == Result("TypeError")    # arity is checked before the store is entered


# -- runtime fix found by the target ----------------------------------------------------------
def test_host_func_of_a_closed_store_refuses_to_run() -> None:
    """Found by the api-calls target: a host Func called from Python ran after its Store was closed."""
    store = rt.Store(rt.Engine())
    calls = []
    func = rt.Func(store, rt.FuncType([rt.ValType.i32()], [rt.ValType.i32()]), lambda x: calls.append(x) or x)
    assert func(store, 3) == 3
    store.close()
    with pytest.raises(rt.WasmError, match="closed"):
        func(store, 4)
    assert calls == [3]


# -- the oracle catches a broken API ----------------------------------------------------------
IMMUTABLE_SET = SETUP + [{"op": "instance", "s": 0, "m": 0, "imports": []},
                         {"op": "export", "i": 0, "own": True, "s": 0, "name": 3},
                         {"op": "glob_set", "x": 0, "own": True, "s": 0, "value": ["int", 5]},
                         {"op": "glob_get", "x": 0, "own": True, "s": 0}]


def _set_ignoring_mutability(self: Any, store: Any, val: Any) -> None:
    self._set_raw(self._store._to_word(self._sig.valtype, val))


def test_immutable_global_stays_immutable_with_the_real_runtime() -> None:
    execution = replay(IMMUTABLE_SET)
    assert execution.status == CONCLUSIVE, execution.verdict


def test_oracle_catches_an_immutable_global_that_can_be_set(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(externs.Global, "set_value", _set_ignoring_mutability)
    execution = replay(IMMUTABLE_SET)
    assert execution.status == FINDING
    assert execution.finding is not None and execution.finding.detail == "glob_set:WasmError->ok"
    assert execution.finding.call_index == len(SETUP) + 2


def test_saved_artifact_replays_with_fuzzrt_repro(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setattr(externs.Global, "set_value", _set_ignoring_mutability)
    execution = replay(IMMUTABLE_SET)
    assert execution.status == FINDING
    write_artifact(artifact_of(execution), tmp_path / "art")
    fixed = subprocess.run([sys.executable, "-m", "fuzzrt", "repro", str(tmp_path / "art")], cwd=ROOT,
                           capture_output=True, text=True, timeout=300)
    assert fixed.returncode == 0, fixed.stdout + fixed.stderr    # the real Global refuses the set
    assert "FIXED" in fixed.stdout and f"ops ({len(IMMUTABLE_SET)}):" in fixed.stdout
