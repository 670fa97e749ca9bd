"""The ``api-calls`` target: random sequences of public API calls, each judged by ``ApiModel``.

Like wasmtime's ``api_calls`` fuzz target, ops create engines, stores,
modules (a few fixed modules whose behaviour the model knows), instances,
host functions, memories, tables, globals and linkers, and use them: calls
with right and wrong arguments, reads/writes/grows at and past bounds,
element and global updates with right and wrong values, cross-store use,
use after ``Store.close()``.  Unlike it, the oracle is exact: the model says
which value or documented error (class and key message) every call gives.

Every object exists twice, as a model record and as the runtime object; the
session pairs them (``_twin``/``_model_of``) so that a runtime result naming
an object (a Func read from a table, an export, a linker item) is compared by
identity with the object the model expects.
"""
from __future__ import annotations

from functools import lru_cache
from typing import Any, Callable

import runtime as rt
from fuzzrt.generators import api_ops
from fuzzrt.generators.case import Generated
from fuzzrt.generators.unstructured import Unstructured
from fuzzrt.oracles import api_model as M
from runtime.wat import wat2wasm

from .sequence import OK, Check, Op, Result, SequenceSession, SequenceTarget

_VALTYPES = {"i32": rt.ValType.i32, "i64": rt.ValType.i64, "f64": rt.ValType.f64,
             "funcref": rt.ValType.funcref, "externref": rt.ValType.externref}
#: the errors the API documents (anything else escaping a call is a panic)
_DOCUMENTED = (rt.WasmError, rt.Trap, TypeError, IndexError, KeyError, ValueError)
_KINDS = {"func": M.MFunc, "memory": M.MMemory, "table": M.MTable, "global": M.MGlobal}


#: engines one case may use (more "engine" ops are skipped)
MAX_ENGINES = 3


@lru_cache(maxsize=MAX_ENGINES)
def shared_engine(index: int) -> rt.Engine:
    """The process's ``index``-th engine (default config)."""
    return rt.Engine()


@lru_cache(maxsize=None)
def module_bytes(index: int) -> bytes:
    """A fixed module's binary (assembled once per process)."""
    source = M.MODULES[index].source
    return source if isinstance(source, bytes) else wat2wasm(source)


def func_type(params: tuple[str, ...], results: tuple[str, ...]) -> rt.FuncType:
    return rt.FuncType([_VALTYPES[t]() for t in params], [_VALTYPES[t]() for t in results])


def host_callable(kind: M.HostKind) -> Callable[..., Any]:
    """The Python function behind a host Func of ``kind`` (what ``HostKind.func`` models)."""
    if kind.name == "inc":
        return lambda x: x + 1
    return lambda: None


def _message(expected: Result, exc: BaseException) -> Result:
    """A raised error as a result; its message counts only when the model predicts one (a key part)."""
    if isinstance(exc, rt.Trap):
        return Result("Trap", exc.trap_code.name if exc.trap_code is not None else exc.message)
    kind = type(exc).__name__
    text = str(exc)
    if kind == expected.kind and (expected.value is None or expected.value in text):
        return expected
    return Result(kind, text)


class ApiSession(SequenceSession):
    def __init__(self, case: Generated):
        self.model = M.ApiModel()
        self.objs: dict[type, list[Any]] = {}
        self._twin: dict[int, Any] = {}        # id(model object) -> runtime object
        self._model_of: dict[int, Any] = {}    # id(runtime object) -> model object
        self._keep: list[Any] = []              # both sides alive, so ids stay unique

    # -- objects ----------------------------------------------------------------------
    def register(self, mobj: Any, robj: Any) -> None:
        self.objs.setdefault(type(mobj), []).append(mobj)
        self._twin[id(mobj)] = robj
        self._model_of[id(robj)] = mobj
        self._keep += (mobj, robj)

    def pick(self, kind: type, raw: int) -> Any:
        objs = self.objs.get(kind)
        return objs[raw % len(objs)] if objs else None

    def twin(self, mobj: Any) -> Any:
        return self._twin[id(mobj)]

    def store_for(self, op: Op, obj: Any) -> M.MStore:
        """The store an op uses ``obj`` with: its own, or (sometimes) whichever store the op names."""
        return obj.store if op["own"] else self.pick(M.MStore, op["s"])

    def value(self, spec: list[Any]) -> tuple[Any, Any]:
        """(model value, runtime value) of a drawn value."""
        shape = spec[0]
        if shape == "func":
            func = self.pick(M.MFunc, spec[1])
            return (func, self.twin(func)) if func is not None else (None, None)
        if shape == "none":
            return None, None
        return spec[1], spec[1]

    def to_model(self, expected: Any, value: Any) -> Any:
        """A runtime result in model terms; an object seen for the first time pairs with the one expected."""
        if isinstance(value, (list, tuple)):
            return type(value)(self.to_model(None, v) for v in value)
        if isinstance(value, (rt.Func, rt.Memory, rt.Table, rt.Global, rt.Instance)):
            known = self._model_of.get(id(value))
            if known is not None:
                return known
            if expected is not None and id(expected) not in self._twin and \
                    isinstance(expected, (M.MFunc, M.MMemory, M.MTable, M.MGlobal)):
                self.register(expected, value)
                return expected
            return f"unknown {type(value).__name__}"
        if isinstance(value, bytearray):
            return bytes(value)
        return value

    def compare(self, what: str, expected: Result, action: Callable[[], Any],
                value: bool = True) -> tuple[Check, Any]:
        """Run ``action`` on the runtime; the check against ``expected`` and the raw value it returned.

        ``value=False`` (constructors): only success counts, the new object is paired afterwards.
        """
        try:
            raw = action()
        except _DOCUMENTED as exc:
            return Check(what, expected, _message(expected, exc)), None
        actual = Result("ok", self.to_model(expected.value, raw)) if value else OK
        return Check(what, expected, actual), raw

    def run(self, what: str, expected: Result, action: Callable[[], Any]) -> list[Check]:
        return [self.compare(what, expected, action)[0]]

    def create(self, what: str, predicted: tuple[Result, Any], action: Callable[[], Any]) -> list[Check]:
        """A constructor: on success on both sides, the new objects are paired."""
        expected, mobj = predicted
        check, robj = self.compare(what, expected, action, value=False)
        if check.passed and expected == OK and mobj is not None:
            self.register(mobj, robj)
        return [check]

    # -- ops --------------------------------------------------------------------------
    def step(self, op: Op) -> list[Check]:
        if op["op"] in EXTERN_OPS:
            return self._extern_use(op)
        return getattr(self, f"_{op['op']}")(op)

    def _engine(self, op: Op) -> list[Check]:
        """The session's next engine: one of the process's, so each fixed module compiles once per process.

        An engine has no state any op can observe, so reusing one across cases
        changes no outcome; making new ones would compile (and keep) the same
        code again for every case.
        """
        n = len(self.objs.get(M.MEngine, []))
        if n < MAX_ENGINES:
            self.register(M.MEngine(), shared_engine(n))
        return []

    def _of_engine(self, op: Op, model: type, runtime: Callable[[rt.Engine], Any]) -> list[Check]:
        """A Store or Linker of the engine the op names (made without a check: nothing can refuse it)."""
        engine = self.pick(M.MEngine, op["e"])
        if engine is not None:
            self.register(model(engine), runtime(self.twin(engine)))
        return []

    def _store(self, op: Op) -> list[Check]:
        return self._of_engine(op, M.MStore, rt.Store)

    def _close(self, op: Op) -> list[Check]:
        store = self.pick(M.MStore, op["s"])
        if store is None:
            return []
        return self.run("close", self.model.close(store), self.twin(store).close)

    def _module(self, op: Op) -> list[Check]:
        engine = self.pick(M.MEngine, op["e"])
        if engine is None:
            return []
        index = op["k"] % len(M.MODULES)
        spec = M.MODULES[index]
        expected = Result(spec.compile_error) if spec.compile_error else OK
        mobj = M.MModule(engine, spec) if spec.compile_error is None else None
        return self.create("module", (expected, mobj), lambda: rt.Module(self.twin(engine), module_bytes(index)))

    def _imports(self, op: Op, n: int) -> tuple[list[Any], list[Any]] | None:
        mods, rts = [], []
        for kind, raw in op["imports"][:n]:
            ext = self.pick(_KINDS[kind], raw)
            if ext is None:
                return None
            mods.append(ext)
            rts.append(self.twin(ext))
        return mods, rts

    def _instance(self, op: Op) -> list[Check]:
        store, module = self.pick(M.MStore, op["s"]), self.pick(M.MModule, op["m"])
        got = self._imports(op, len(op["imports"]))
        if store is None or module is None or got is None:
            return []
        mods, rts = got
        return self.create("instance", self.model.instantiate(store, module, mods),
                           lambda: rt.Instance(self.twin(store), self.twin(module), rts))

    def _export(self, op: Op) -> list[Check]:
        inst = self.pick(M.MInstance, op["i"])
        if inst is None:
            return []
        store = self.store_for(op, inst)
        names = list(inst.exports) + ["nope"]
        name = names[op["name"] % len(names)]
        expected = self.model.export(inst, store, name)
        check, robj = self.compare("export", expected, lambda: self.twin(inst).exports(self.twin(store))[name])
        if check.passed and robj is not None and id(robj) not in self._model_of:
            self.register(expected.value, robj)
        return [check]

    def _func_new(self, op: Op) -> list[Check]:
        store = self.pick(M.MStore, op["s"])
        if store is None:
            return []
        kind = M.HOST_KINDS[op["k"] % len(M.HOST_KINDS)]
        return self.create("func_new", self.model.func_new(store, kind), lambda: rt.Func(
            self.twin(store), func_type(kind.params, kind.results), host_callable(kind)))

    def _memory_new(self, op: Op) -> list[Check]:
        store = self.pick(M.MStore, op["s"])
        if store is None:
            return []
        ty = rt.MemoryType(rt.Limits(op["min"], op["max"]))
        return self.create("memory_new", self.model.memory_new(store, op["min"], op["max"]),
                           lambda: rt.Memory(self.twin(store), ty))

    def _table_new(self, op: Op) -> list[Check]:
        store = self.pick(M.MStore, op["s"])
        if store is None:
            return []
        mval, rval = self.value(op["value"])
        ty = rt.TableType(_VALTYPES[op["elem"]](), rt.Limits(op["min"], op["max"]))
        return self.create("table_new", self.model.table_new(store, op["elem"], op["min"], op["max"], mval),
                           lambda: rt.Table(self.twin(store), ty, rval))

    def _global_new(self, op: Op) -> list[Check]:
        store = self.pick(M.MStore, op["s"])
        if store is None:
            return []
        mval, rval = self.value(op["value"])
        ty = rt.GlobalType(_VALTYPES[op["valtype"]](), op["mutable"])
        return self.create("global_new", self.model.global_new(store, op["valtype"], op["mutable"], mval),
                           lambda: rt.Global(self.twin(store), ty, rval))

    def _call(self, op: Op) -> list[Check]:
        func = self.pick(M.MFunc, op["x"])
        if func is None:
            return []
        store = self.store_for(op, func)
        args: list[Any] = [op["args"][i % 3] if t in ("i32", "i64") else
                           float(op["args"][i % 3]) if t == "f64" else "ref" for i, t in enumerate(func.params)]
        if op["mode"] == "arity":
            args = args[:-1] if args else [0]
        elif op["mode"] == "type" and args:
            args[0] = "x" if func.params[0] != "externref" else None
        return self.run("call", self.model.call(func, store, args), lambda: self.twin(func)(self.twin(store), *args))

    def _extern_use(self, op: Op) -> list[Check]:
        """An op on one memory, table or global (``EXTERN_OPS``): the model's outcome against the runtime's."""
        kind, predict, act = EXTERN_OPS[op["op"]]
        obj = self.pick(kind, op["x"])
        if obj is None:
            return []
        store = self.store_for(op, obj)
        mval, rval = self.value(op["value"]) if "value" in op else (None, None)
        robj, rstore = self.twin(obj), self.twin(store)
        return self.run(op["op"], predict(self.model, obj, store, mval, op), lambda: act(robj, rstore, rval, op))

    # -- linkers ----------------------------------------------------------------------
    def _linker(self, op: Op) -> list[Check]:
        return self._of_engine(op, M.MLinker, rt.Linker)

    def _shadow(self, op: Op) -> list[Check]:
        linker = self.pick(M.MLinker, op["l"])
        if linker is None:
            return []
        linker.shadowing = op["on"]
        self.twin(linker).allow_shadowing = op["on"]
        return []

    def _define(self, op: Op) -> list[Check]:
        linker, ext = self.pick(M.MLinker, op["l"]), self.pick(_KINDS[op["kind"]], op["x"])
        if linker is None or ext is None:
            return []
        key = api_ops.LINK_NAMES[op["key"] % len(api_ops.LINK_NAMES)]
        return self.run("define", self.model.define(linker, key, ext),
                        lambda: self.twin(linker).define(self.twin(ext.store), *key, self.twin(ext)))

    def _define_func(self, op: Op) -> list[Check]:
        linker = self.pick(M.MLinker, op["l"])
        if linker is None:
            return []
        key = api_ops.LINK_NAMES[op["key"] % len(api_ops.LINK_NAMES)]
        kind = M.HOST_KINDS[op["k"] % len(M.HOST_KINDS)]
        return self.run("define_func", self.model.define(linker, key, M.HostDef(kind)), lambda: self.twin(
            linker).define_func(*key, func_type(kind.params, kind.results), host_callable(kind)))

    def _define_instance(self, op: Op) -> list[Check]:
        linker, inst = self.pick(M.MLinker, op["l"]), self.pick(M.MInstance, op["i"])
        if linker is None or inst is None:
            return []
        store = self.store_for(op, inst)
        return self.run("define_instance", self.model.define_instance(linker, store, op["name"], inst),
                        lambda: self.twin(linker).define_instance(self.twin(store), op["name"], self.twin(inst)))

    def _linker_get(self, op: Op) -> list[Check]:
        linker, store = self.pick(M.MLinker, op["l"]), self.pick(M.MStore, op["s"])
        if linker is None or store is None:
            return []
        key = api_ops.LINK_NAMES[op["key"] % len(api_ops.LINK_NAMES)]
        expected = self.model.linker_get(linker, store, key)
        check, robj = self.compare("linker_get", expected, lambda: self.twin(linker).get(self.twin(store), *key))
        if check.passed and robj is not None and id(robj) not in self._model_of:
            self.register(expected.value, robj)
        return [check]

    def _linker_instantiate(self, op: Op) -> list[Check]:
        linker, store = self.pick(M.MLinker, op["l"]), self.pick(M.MStore, op["s"])
        module = self.pick(M.MModule, op["m"])
        if linker is None or store is None or module is None:
            return []
        return self.create("linker_instantiate", self.model.linker_instantiate(linker, store, module),
                           lambda: self.twin(linker).instantiate(self.twin(store), self.twin(module)))


#: op -> (the kind of object it uses, the model's prediction, the runtime call), for ops on one extern;
#: both get (object, store, value drawn for the op or None, op)
EXTERN_OPS: dict[str, tuple[type, Callable[..., Result], Callable[..., Any]]] = {
    "mem_read": (M.MMemory, lambda m, mem, s, v, op: m.memory_read(mem, s, op["start"], op["stop"]),
                 lambda mem, s, v, op: mem.read(s, op["start"], op["stop"])),
    "mem_write": (M.MMemory, lambda m, mem, s, v, op: m.memory_write(mem, s, bytes.fromhex(op["data"]), op["start"]),
                  lambda mem, s, v, op: mem.write(s, bytes.fromhex(op["data"]), op["start"])),
    "mem_grow": (M.MMemory, lambda m, mem, s, v, op: m.memory_grow(mem, s, op["delta"]),
                 lambda mem, s, v, op: mem.grow(s, op["delta"])),
    "mem_size": (M.MMemory, lambda m, mem, s, v, op: m.memory_size(mem, s),
                 lambda mem, s, v, op: (mem.size(s), mem.data_len(s))),
    "tab_get": (M.MTable, lambda m, tab, s, v, op: m.table_get(tab, s, op["idx"]),
                lambda tab, s, v, op: tab.get(s, op["idx"])),
    "tab_set": (M.MTable, lambda m, tab, s, v, op: m.table_set(tab, s, op["idx"], v),
                lambda tab, s, v, op: tab.set(s, op["idx"], v)),
    "tab_grow": (M.MTable, lambda m, tab, s, v, op: m.table_grow(tab, s, op["amount"], v),
                 lambda tab, s, v, op: tab.grow(s, op["amount"], v)),
    "tab_size": (M.MTable, lambda m, tab, s, v, op: m.table_size(tab, s), lambda tab, s, v, op: tab.size(s)),
    "glob_get": (M.MGlobal, lambda m, g, s, v, op: m.global_get(g, s), lambda g, s, v, op: g.value(s)),
    "glob_set": (M.MGlobal, lambda m, g, s, v, op: m.global_set(g, s, v), lambda g, s, v, op: g.set_value(s, v)),
}


class ApiCallsTarget(SequenceTarget):
    name = "api-calls"
    description = ("random sequences of public API calls (engines, stores, modules, instances, funcs, memories, "
                   "tables, globals, linkers; cross-store use, use after close) against an exact API model")
    max_ops = 64

    def generate_ops(self, u: Unstructured) -> tuple[list[Op], dict[str, Any]]:
        return api_ops.draw_case(u, self.max_ops)

    def open(self, case: Generated) -> SequenceSession:
        return ApiSession(case)


TARGET = ApiCallsTarget()
