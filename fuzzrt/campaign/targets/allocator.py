"""The ``allocator`` target: random pooling configs and op sequences over several stores, judged by a model.

Each case is a ``PoolingAllocationConfig``, 1-3 modules and ops (open a
store, set its limits, compile, instantiate, call, grow, write, close or drop
a store).  ``fuzzrt.oracles.pool_model`` predicts the exact outcome of every
allocator decision: which module ``Module(...)`` refuses and with which
message, when an instantiation runs into the store's limits or a full pool,
how far a memory may grow, and the pools' live counts after every step
(checked against ``engine._allocator.live_counts()``).

What an instance computes is not the model's business: every instance has a
mirror in wasmtime (an on-demand store whose ``memory_size`` and
``table_elements`` limits stand for the pool's, so growth from inside wasm
stops at the same place), which gives the outcome of start functions, segment
traps and calls.  After every instantiation, the instance's exported memories
must equal the mirror's byte for byte and its tables must hold null exactly
where the mirror's do: that is the check that a reused slot never shows its
previous tenant.  A call that runs out of stack or fuel on either side leaves
the pair incomparable (as in the differential oracle), so later content
checks of that instance are skipped; allocator checks never are.
"""
from __future__ import annotations

import gc
import hashlib
from dataclasses import dataclass, field
from typing import Any

import wasmtime

import runtime as rt
from fuzzrt.engines.outcome import INCONCLUSIVE_KINDS, OK as STATUS_OK
from fuzzrt.engines.plan import ExecPlan
from fuzzrt.engines.runtime_adapter import RuntimeEngine
from fuzzrt.engines.valtypes import sig_of
from fuzzrt.engines.wasmtime_adapter import WasmtimeEngine
from fuzzrt.generators import pool_ops
from fuzzrt.generators.case import Generated
from fuzzrt.generators.unstructured import Unstructured
from fuzzrt.oracles.pool_model import CLOSED, ModuleFacts, PoolModel, key_message
from fuzzrt.oracles.values import same_value
from runtime.api.template import InstanceTemplate
from runtime.binary import decode_module
from runtime.syntax.types import F32, F64, I32, I64, V128

from .sequence import OK, Check, Op, Result, SequenceSession, SequenceTarget

#: fuel for a mirror store: wasm-smith modules bound their own loops, this only must not run out
_MIRROR_FUEL = 1 << 40
_MASKS = {I32: 0xFFFF_FFFF, F32: 0xFFFF_FFFF, I64: (1 << 64) - 1, F64: (1 << 64) - 1}
SKIP = Result("skip")
_RUNTIME = RuntimeEngine()
_REFERENCE: WasmtimeEngine | None = None


def reference() -> WasmtimeEngine:
    """The process's wasmtime adapter (it caches engines and compiled modules)."""
    global _REFERENCE
    if _REFERENCE is None:
        _REFERENCE = WasmtimeEngine()
    return _REFERENCE


def facts_of(wasm: bytes) -> ModuleFacts:
    """The model's view of a module, read from its binary (without compiling it)."""
    ast = decode_module(wasm)
    size = InstanceTemplate(lambda sig: 1, ast).size
    return ModuleFacts(tuple((m.limits.min, m.limits.max) for m in ast.mems),
                       tuple((t.limits.min, t.limits.max) for t in ast.tables), size)


def result_of(exc: BaseException) -> Result:
    """A documented runtime error as a result: its class, and the part of its message the model predicts."""
    if isinstance(exc, rt.Trap):
        return Result("Trap", exc.trap_code.name if exc.trap_code is not None else exc.message)
    return Result(type(exc).__name__, key_message(str(exc)))


def _null(ref: Any) -> bool:
    """Whether a wasmtime table element is null (wasmtime-py hands a null funcref out as a ``Val``)."""
    return ref is None or (isinstance(ref, wasmtime.Val) and ref.value is None)


def snapshot(memories: list[memoryview], tables: list[list[bool]]) -> Result:
    """Contents as one comparable value: each memory's length and digest, each table's null map."""
    return Result("ok", ([(len(m), hashlib.sha256(m).hexdigest()) for m in memories], tables))


@dataclass(slots=True)
class Pair:
    """One instance and its wasmtime mirror."""

    store: int
    module: int
    exports: dict[str, Any]
    mirror: dict[str, Any]
    memory: str | None                          # the first exported memory
    declared_max: int | None
    funcs: dict[str, Any] = field(default_factory=dict)    # exported function -> its FuncSig
    comparable: bool = True


class AllocatorSession(SequenceSession):
    def __init__(self, case: Generated):
        knobs = case.config["pooling"]
        self.model = PoolModel(knobs)
        config = rt.Config()
        config.allocation_strategy = rt.InstanceAllocationStrategy.pooling(rt.PoolingAllocationConfig(**knobs))
        self.engine = rt.Engine(config)
        self.wasms = [bytes.fromhex(h) for h in case.config["modules"]]
        self.facts = [facts_of(w) for w in self.wasms]
        self.modules: dict[int, rt.Module] = {}
        self.stores: list[rt.Store | None] = []
        self.mirrors: list[wasmtime.Store] = []
        self.pairs: list[Pair] = []

    # -- ops --------------------------------------------------------------------------
    def step(self, op: Op) -> list[Check]:
        name = op["op"]
        checks = getattr(self, f"_{name}")(op)
        if name in ("open", "limits", "compile", "call", "write"):
            return checks
        live = self.engine._allocator.live_counts()
        return checks + [Check("live_counts", Result("ok", tuple(self.model.live)), Result("ok", live))]

    def _open(self, op: Op) -> list[Check]:
        s = self.model.open()
        self.stores.append(rt.Store(self.engine))
        mirror = reference().session(ExecPlan())
        mirror.set_fuel(_MIRROR_FUEL)
        self.mirrors.append(mirror)
        self._limit_mirror(s)
        return []

    def _limit_mirror(self, s: int) -> None:
        self.mirrors[s].set_limits(memory_size=self.model.mirror_memory_size(s),
                                   table_elements=self.model.mirror_table_elements(s))

    def _store(self, op: Op) -> int | None:
        """The store an op names, unless it was dropped (then nothing can refer to it any more)."""
        if not self.stores:
            return None
        s = op["s"] % len(self.stores)
        return s if self.stores[s] is not None else None

    def _limits(self, op: Op) -> list[Check]:
        s = self._store(op)
        if s is None:
            return []
        args = [op[k] for k in ("memory_size", "table_elements", "instances", "tables", "memories")]
        expected = self.model.set_limits(s, *args)
        actual = self._run(lambda store: store.set_limits(*args), s)
        if expected == OK:
            self._limit_mirror(s)
        return [Check("limits", expected, actual)]

    def _run(self, action: Any, s: int) -> Result:
        """``action(store)`` on store ``s``, as a result."""
        try:
            action(self.stores[s])
        except rt.WasmError as exc:
            return result_of(exc)
        return OK

    def _compile(self, op: Op) -> list[Check]:
        m = op["m"] % len(self.wasms)
        expected = self.model.compile(self.facts[m])
        try:
            self.modules[m] = rt.Module(self.engine, self.wasms[m])
            actual = OK
        except rt.WasmError as exc:
            self.modules.pop(m, None)
            actual = result_of(exc)
        return [Check("compile", expected, actual)]

    def _instantiate(self, op: Op) -> list[Check]:
        s, m = self._store(op), op["m"] % len(self.wasms)
        if s is None or m not in self.modules:
            return []
        expected = self.model.instantiate(s, self.facts[m])
        mirror_instance = None
        if expected == OK:   # the allocation succeeds: what initialisation does is the mirror's to say
            ref = reference()
            try:
                mirror_instance = ref.instantiate(self.mirrors[s], ref.compile(self.mirrors[s], self.wasms[m]), [])
            except wasmtime.Trap as exc:
                expected = Result("Trap", exc.trap_code.name if exc.trap_code is not None else exc.message)
            except wasmtime.WasmtimeError as exc:   # the mirror disagrees with the model: show both
                expected = Result("mirror-error", str(exc))
        store = self.stores[s]
        try:
            instance = rt.Instance(store, self.modules[m], [])
            actual = OK
        except (rt.WasmError, rt.Trap) as exc:
            return [Check("instantiate", expected, result_of(exc))]
        checks = [Check("instantiate", expected, actual)]
        if mirror_instance is not None:
            pair = self._pair(s, m, instance.exports(store), mirror_instance.exports(self.mirrors[s]))
            checks.append(Check("image", self._mirror_contents(pair), self._contents(pair)))
        return checks

    def _pair(self, s: int, m: int, exports: Any, mirror: Any) -> Pair:
        names = list(exports)
        memories = [n for n in names if isinstance(exports[n], rt.Memory)]
        memory = memories[0] if memories else None
        declared = self.facts[m].memories[0][1] if memory is not None and self.facts[m].memories else None
        store = self.stores[s]
        pair = Pair(s, m, dict(exports), {n: mirror[n] for n in names}, memory, declared,
                    {n: sig_of(exports[n].type(store)) for n in names if isinstance(exports[n], rt.Func)})
        self.pairs.append(pair)
        return pair

    def _contents(self, pair: Pair) -> Result:
        store = self.stores[pair.store]
        items = pair.exports.values()
        return snapshot([_RUNTIME.memory_view(store, x) for x in items if isinstance(x, rt.Memory)],
                        [[x.get(store, i) is None for i in range(x.size(store))]
                         for x in items if isinstance(x, rt.Table)])

    def _mirror_contents(self, pair: Pair) -> Result:
        mirror = self.mirrors[pair.store]
        items = pair.mirror.values()
        return snapshot([reference().memory_view(mirror, x) for x in items if isinstance(x, wasmtime.Memory)],
                        [[_null(x.get(mirror, i)) for i in range(x.size(mirror))]
                         for x in items if isinstance(x, wasmtime.Table)])

    def _pick(self, op: Op) -> Pair | None:
        """The instance an op names, unless its store was dropped (nothing refers to it any more)."""
        if not self.pairs:
            return None
        pair = self.pairs[op["i"] % len(self.pairs)]
        return pair if self.stores[pair.store] is not None else None

    def _call(self, op: Op) -> list[Check]:
        pair = self._pick(op)
        if pair is None or not pair.funcs or not pair.comparable:
            return []
        name = list(pair.funcs)[op["f"] % len(pair.funcs)]
        sig, s = pair.funcs[name], pair.store
        if V128 in sig.params or V128 in sig.results:
            return []
        args = [(op["args"][i % len(op["args"])] if op["args"] else 0) & _MASKS.get(t, 0)
                for i, t in enumerate(sig.params)]
        store = self.stores[s]
        if self.model.stores[s].closed:
            return [Check("call", CLOSED, self._run(lambda st: _RUNTIME.call(st, pair.exports[name], sig, args), s))]
        expected = self._outcome(reference(), self.mirrors[s], pair.mirror[name], sig, args)
        actual = self._outcome(_RUNTIME, store, pair.exports[name], sig, args)
        if expected.kind in INCONCLUSIVE_KINDS or actual.kind in INCONCLUSIVE_KINDS:
            pair.comparable = False
            return []
        if expected.kind == actual.kind == STATUS_OK and len(expected.value) == len(actual.value) and all(
                same_value(t, a, b, True) for t, a, b in zip(sig.results, expected.value, actual.value)):
            actual = expected
        checks = [Check("call", expected, actual)]
        if pair.memory is not None:
            checks.append(Check("call_memory", self._mirror_contents(pair), self._contents(pair)))
        return checks

    @staticmethod
    def _outcome(adapter: Any, session: Any, func: Any, sig: Any, args: list[int]) -> Result:
        try:
            return Result(STATUS_OK, adapter.call(session, func, sig, args))
        except Exception as exc:
            status = adapter.classify(exc)
            if status is None:
                raise
            return Result(status.kind, status.code or status.error)

    def _grow(self, op: Op) -> list[Check]:
        pair = self._pick(op)
        if pair is None or pair.memory is None or not pair.comparable:
            return []
        s, delta, memory = pair.store, op["delta"], pair.exports[pair.memory]
        closed = self.model.stores[s].closed
        pages = 0 if closed else pair.mirror[pair.memory].size(self.mirrors[s])
        expected = self.model.grow(s, pair.declared_max, pages, delta)
        try:
            actual = Result("ok", memory.grow(self.stores[s], delta))
        except rt.WasmError as exc:
            actual = result_of(exc) if closed else Result(type(exc).__name__)
        if expected.kind == "ok" and actual.kind == "ok":
            pair.mirror[pair.memory].grow(self.mirrors[s], delta)
        return [Check("grow", expected, actual)]

    def _write(self, op: Op) -> list[Check]:
        pair = self._pick(op)
        if pair is None or pair.memory is None or not pair.comparable:
            return []
        s, offset, data = pair.store, op["offset"], bytes.fromhex(op["data"])
        if self.model.stores[s].closed:
            expected = CLOSED
        else:
            size = pair.mirror[pair.memory].data_len(self.mirrors[s])
            expected = Result("ok", len(data)) if offset + len(data) <= size else Result("IndexError")
        try:
            actual = Result("ok", pair.exports[pair.memory].write(self.stores[s], data, offset))
        except rt.WasmError as exc:
            actual = result_of(exc)
        except IndexError:
            actual = Result("IndexError")
        if actual.kind == "ok" and expected.kind == "ok":
            pair.mirror[pair.memory].write(self.mirrors[s], data, offset)
        return [Check("write", expected, actual)]

    def _close(self, op: Op) -> list[Check]:
        s = self._store(op)
        if s is None:
            return []
        expected = self.model.close(s)
        return [Check("close", expected, self._run(lambda store: store.close(), s))]

    def _drop(self, op: Op) -> list[Check]:
        """Forget a store without closing it: the collector's finalizer must return its slots."""
        s = self._store(op)
        if s is None:
            return []
        expected = self.model.close(s)
        self.stores[s] = None
        for pair in self.pairs:
            if pair.store == s:
                pair.exports = {}
        gc.collect()
        return [Check("drop", expected, OK)]

    def finish(self) -> list[Check]:
        for s in range(len(self.stores)):
            self.model.close(s)
        self.close()
        live = self.engine._allocator.live_counts()
        return [Check("close_all", Result("ok", (0, 0, 0)), Result("ok", live))]

    def close(self) -> None:
        for store in self.stores:
            if store is not None:
                store.close()


class AllocatorTarget(SequenceTarget):
    name = "allocator"
    description = ("random pooling configs, wasm-smith and probe modules, instantiate/call/grow/write/close "
                   "over several stores: errors exactly where the pool model predicts, fresh images on reuse")
    max_ops = 40

    def generate_ops(self, u: Unstructured) -> tuple[list[Op], dict[str, Any]]:
        return pool_ops.draw_case(u, self.max_ops)

    def open(self, case: Generated) -> SequenceSession:
        return AllocatorSession(case)


TARGET = AllocatorTarget()
