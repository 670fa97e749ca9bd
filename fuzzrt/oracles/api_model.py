"""A model of the runtime's public API: what each call of the ``api-calls`` target must return or raise.

The model keeps its own copy of every object's state (memory bytes, table
elements, global values, which store owns what, which stores are closed,
linker definitions) and of what the fixed modules of
``fuzzrt.generators.api_ops`` compute, so each call has one exact outcome:
a value, or a documented error as its class plus the key part of its message.
The rules are the API's documented ones (wasmtime-py's, where the runtime
follows it):

* an object used with a Store that does not own it raises ``WasmError``
  ("belongs to another Store"), and anything used through a closed Store
  raises ``WasmError("this Store has been closed")``: every object belongs to
  its store, host functions included;
* a call with the wrong number of arguments, or an argument of the wrong
  Python type, raises ``TypeError``; a wasm trap raises ``Trap`` with its code;
* memory and table indices out of range raise ``IndexError``; growth past the
  maximum raises ``WasmError`` from the host API and gives -1 inside wasm;
  setting an immutable global raises ``WasmError``;
* instantiation checks, in order: the store is open, the module comes from the
  store's engine, the import count, then each import's store and type
  (``LinkError`` for a type mismatch); a start function's trap is a ``Trap``;
* a Linker refuses a second definition of a name (``LinkError``) unless
  shadowing is allowed, and instantiating through it names the first undefined
  import.

Objects are plain model records; the target pairs each with its runtime twin.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable

from ..campaign.targets.sequence import OK, Result

PAGE = 65536
MAX_PAGES = 65536
MAX_TABLE = 10_000_000
CLOSED = Result("WasmError", "this Store has been closed")
I32_MASK = 0xFFFF_FFFF


def signed32(value: int) -> int:
    value &= I32_MASK
    return value - (1 << 32) if value >> 31 else value


@dataclass(eq=False)
class MEngine:
    pass


@dataclass(eq=False)
class MStore:
    engine: MEngine
    closed: bool = False


@dataclass(eq=False)
class MModule:
    engine: MEngine
    spec: Any                       # api_ops.ModuleSpec


@dataclass(eq=False)
class MFunc:
    store: MStore
    params: tuple[str, ...]
    results: tuple[str, ...]
    body: Callable[[list[Any]], Result]    # the arguments (converted) -> outcome


@dataclass(eq=False)
class MMemory:
    store: MStore
    data: bytearray
    maximum: int | None

    @property
    def pages(self) -> int:
        return len(self.data) // PAGE

    def grow(self, delta: int) -> int:
        old = self.pages
        if old + delta > (MAX_PAGES if self.maximum is None else self.maximum):
            return -1
        self.data.extend(bytes(delta * PAGE))
        return old


@dataclass(eq=False)
class MTable:
    store: MStore
    elem: str                        # "funcref" | "externref"
    elems: list[Any]
    maximum: int | None

    def grow(self, amount: int, init: Any) -> int:
        old = len(self.elems)
        if old + amount > (MAX_TABLE if self.maximum is None else min(self.maximum, MAX_TABLE)):
            return -1
        self.elems.extend([init] * amount)
        return old


@dataclass(eq=False)
class MGlobal:
    store: MStore
    valtype: str
    mutable: bool
    value: Any


@dataclass(eq=False)
class MInstance:
    store: MStore
    module: MModule
    exports: dict[str, Any]


@dataclass(eq=False)
class MLinker:
    engine: MEngine
    shadowing: bool = False
    defs: dict[tuple[str, str], Any] = field(default_factory=dict)   # extern, or a host FuncKind
    #: (store id, key) -> (the host definition, the Func made from it for that store)
    made: dict[tuple[int, tuple[str, str]], tuple[Any, MFunc]] = field(default_factory=dict)


Extern = MFunc | MMemory | MTable | MGlobal
_NAMES = {MFunc: "Func", MMemory: "Memory", MTable: "Table", MGlobal: "Global", MInstance: "Instance"}


def convert(valtype: str, value: Any, store: MStore) -> Any:
    """A Python argument as a value of ``valtype`` (the model's form), or raise ``TypeError``/``_Refused``."""
    if valtype in ("i32", "i64"):
        if type(value) is not int:
            raise TypeError
        return signed32(value) if valtype == "i32" else value
    if valtype == "f64":
        if type(value) is not float:
            raise TypeError
        return value
    if valtype == "funcref":
        if value is None:
            return None
        if not isinstance(value, MFunc):
            raise TypeError
        if value.store is not store:
            raise _Refused(Result("WasmError", "a Func from another Store cannot be used here"))
        return value
    return value                        # externref: any object


class _Refused(Exception):
    """A documented error the model predicts, raised to end a model step early."""

    def __init__(self, result: Result):
        super().__init__(result.kind)
        self.result = result


def outcome(step: Callable[[], Result]) -> Result:
    """Run a model step; a predicted error ends it."""
    try:
        return step()
    except _Refused as refused:
        return refused.result
    except TypeError:
        return Result("TypeError")
    except KeyError:
        return Result("KeyError")
    except IndexError:
        return Result("IndexError")
    except ValueError:
        return Result("ValueError")


def check(obj: Any, store: MStore) -> None:
    """``store`` must own ``obj`` and be open (the extern API's first check)."""
    if obj.store is not store:
        raise _Refused(Result("WasmError", f"this {_NAMES[type(obj)]} belongs to another Store"))
    if store.closed:
        raise _Refused(CLOSED)


def _index(size: int, idx: Any) -> int:
    """A table index: an int (else TypeError) inside the table (else IndexError)."""
    if type(idx) is not int:
        raise TypeError
    if not 0 <= idx < size:
        raise IndexError
    return idx


class ApiModel:
    """The predicted outcome of each API call; each method mutates the model as the call would."""

    # -- calls -------------------------------------------------------------------------
    def call(self, func: MFunc, store: MStore, args: list[Any]) -> Result:
        def step() -> Result:
            if func.store is not store:
                raise _Refused(Result("WasmError", "this Func belongs to another Store"))
            if len(args) != len(func.params):
                raise TypeError
            values = [convert(t, a, store) for t, a in zip(func.params, args)]
            if store.closed:
                raise _Refused(CLOSED)
            return func.body(values)
        return outcome(step)

    @staticmethod
    def func_new(store: MStore, kind: "HostKind") -> tuple[Result, MFunc | None]:
        if store.closed:
            return CLOSED, None
        return OK, kind.func(store)

    # -- memories ----------------------------------------------------------------------
    @staticmethod
    def _use(obj: Any, store: MStore, body: Callable[[], Result]) -> Result:
        """``body`` after the extern API's store checks; a predicted error ends it."""
        def step() -> Result:
            check(obj, store)
            return body()
        return outcome(step)

    @classmethod
    def _grow(cls, obj: Any, store: MStore, amount: int, grow: Callable[[], int], what: str) -> Result:
        """``Memory.grow``/``Table.grow``: a negative amount is a ValueError, growth past the maximum a WasmError."""
        def body() -> Result:
            if amount < 0:
                raise ValueError
            old = grow()
            if old < 0:
                raise _Refused(Result("WasmError", f"failed to grow {what}"))
            return Result("ok", old)
        return cls._use(obj, store, body)

    def memory_new(self, store: MStore, minimum: int, maximum: int | None) -> tuple[Result, MMemory | None]:
        if store.closed:
            return CLOSED, None
        return OK, MMemory(store, bytearray(minimum * PAGE), maximum)

    def memory_read(self, mem: MMemory, store: MStore, start: int | None, stop: int | None) -> Result:
        return self._use(mem, store, lambda: Result("ok", bytes(mem.data[start:stop])))

    def memory_write(self, mem: MMemory, store: MStore, data: bytes, start: int | None) -> Result:
        def body() -> Result:
            size = len(mem.data)
            begin = slice(start, None).indices(size)[0]
            if begin + len(data) > size or (begin >= size and data):
                raise IndexError
            mem.data[begin:begin + len(data)] = data
            return Result("ok", len(data))
        return self._use(mem, store, body)

    def memory_grow(self, mem: MMemory, store: MStore, delta: int) -> Result:
        return self._grow(mem, store, delta, lambda: mem.grow(delta), "memory")

    def memory_size(self, mem: MMemory, store: MStore) -> Result:
        return self._use(mem, store, lambda: Result("ok", (mem.pages, len(mem.data))))

    # -- tables ------------------------------------------------------------------------
    def table_new(self, store: MStore, elem: str, minimum: int, maximum: int | None,
                  init: Any) -> tuple[Result, MTable | None]:
        try:
            value = convert(elem, init, store)
        except _Refused as refused:
            return refused.result, None
        except TypeError:
            return Result("TypeError"), None
        if store.closed:
            return CLOSED, None
        return OK, MTable(store, elem, [value] * minimum, maximum)

    def table_get(self, tab: MTable, store: MStore, idx: Any) -> Result:
        return self._use(tab, store, lambda: Result("ok", tab.elems[_index(len(tab.elems), idx)]))

    def table_set(self, tab: MTable, store: MStore, idx: Any, value: Any) -> Result:
        def body() -> Result:
            i = _index(len(tab.elems), idx)
            tab.elems[i] = convert(tab.elem, value, store)
            return OK
        return self._use(tab, store, body)

    def table_grow(self, tab: MTable, store: MStore, amount: int, init: Any) -> Result:
        return self._grow(tab, store, amount, lambda: tab.grow(amount, convert(tab.elem, init, store)), "table")

    def table_size(self, tab: MTable, store: MStore) -> Result:
        return self._use(tab, store, lambda: Result("ok", len(tab.elems)))

    # -- globals -----------------------------------------------------------------------
    def global_new(self, store: MStore, valtype: str, mutable: bool, value: Any) -> tuple[Result, MGlobal | None]:
        if store.closed:
            return CLOSED, None
        try:
            return OK, MGlobal(store, valtype, mutable, convert(valtype, value, store))
        except TypeError:
            return Result("TypeError"), None

    def global_get(self, glob: MGlobal, store: MStore) -> Result:
        return self._use(glob, store, lambda: Result("ok", glob.value))

    def global_set(self, glob: MGlobal, store: MStore, value: Any) -> Result:
        def body() -> Result:
            if not glob.mutable:
                raise _Refused(Result("WasmError", "cannot set the value of an immutable global"))
            glob.value = convert(glob.valtype, value, store)
            return OK
        return self._use(glob, store, body)

    # -- instances ---------------------------------------------------------------------
    def instantiate(self, store: MStore, module: MModule, imports: list[Any]) -> tuple[Result, MInstance | None]:
        """``Instance(store, module, imports)``: its outcome and, when it succeeds, the instance."""
        if store.closed:
            return CLOSED, None
        if module.engine is not store.engine:
            return Result("WasmError", "the Module was compiled for another Engine than the Store's"), None
        spec = module.spec
        if len(imports) != len(spec.imports):
            return Result("LinkError", f"expected {len(spec.imports)} imports, got {len(imports)}"), None
        for (mod, name, want), ext in zip(spec.imports, imports):
            if isinstance(ext, (MFunc, MMemory, MTable, MGlobal)) and ext.store is not store:
                return Result("WasmError", f"import `{mod}::{name}` comes from another Store"), None
            if not want.matches(ext):
                return Result("LinkError", f"incompatible import type for `{mod}::{name}`"), None
        trap = spec.start_trap
        if trap is not None:
            return Result("Trap", trap), None
        instance = MInstance(store, module, {})
        instance.exports = spec.instantiate(store, imports)
        return OK, instance

    def export(self, instance: MInstance, store: MStore, name: str) -> Result:
        def step() -> Result:
            if instance.store is not store:
                raise _Refused(Result("WasmError", "this Instance belongs to another Store"))
            if store.closed:
                raise _Refused(CLOSED)
            return Result("ok", instance.exports[name])
        return outcome(step)

    # -- linkers -----------------------------------------------------------------------
    def _insert(self, linker: MLinker, key: tuple[str, str], item: Any) -> None:
        if key in linker.defs and not linker.shadowing:
            raise _Refused(Result("LinkError", f"import of `{key[0]}::{key[1]}` defined twice"))
        linker.defs[key] = item

    def define(self, linker: MLinker, key: tuple[str, str], item: Any) -> Result:
        return outcome(lambda: self._insert(linker, key, item) or OK)

    def define_instance(self, linker: MLinker, store: MStore, name: str, instance: MInstance) -> Result:
        def step() -> Result:
            if instance.store is not store:
                raise _Refused(Result("WasmError", "this Instance belongs to another Store"))
            if store.closed:
                raise _Refused(CLOSED)
            for export, item in instance.exports.items():
                self._insert(linker, (name, export), item)
            return OK
        return outcome(step)

    @staticmethod
    def resolve(linker: MLinker, store: MStore, key: tuple[str, str]) -> Any:
        """A definition as an extern of ``store``: a host definition makes one Func per store.

        The Func is made again after the definition is shadowed, and a closed
        store can make none (it forgot the ones it had).
        """
        item = linker.defs[key]
        if not isinstance(item, HostDef):
            return item
        if store.closed:
            raise _Refused(CLOSED)
        made = linker.made.get((id(store), key))
        if made is None or made[0] is not item:
            made = linker.made[(id(store), key)] = (item, item.kind.func(store))
        return made[1]

    def linker_get(self, linker: MLinker, store: MStore, key: tuple[str, str]) -> Result:
        def step() -> Result:
            if key not in linker.defs:
                raise _Refused(Result("LinkError", f"no item named `{key[0]}::{key[1]}` in the linker"))
            return Result("ok", self.resolve(linker, store, key))
        return outcome(step)

    def linker_instantiate(self, linker: MLinker, store: MStore, module: MModule) -> tuple[Result, MInstance | None]:
        for mod, name, _ in module.spec.imports:
            if (mod, name) not in linker.defs:
                return Result("LinkError", f"unknown import: `{mod}::{name}` has not been defined"), None
        try:
            items = [self.resolve(linker, store, (mod, name)) for mod, name, _ in module.spec.imports]
        except _Refused as refused:
            return refused.result, None
        return self.instantiate(store, module, items)

    @staticmethod
    def close(store: MStore) -> Result:
        """Closing twice is harmless."""
        store.closed = True
        return OK


# -- what the host functions and the fixed modules do ----------------------------------
@dataclass(frozen=True)
class HostKind:
    """A host function the target can make: its type and what it computes."""

    name: str
    params: tuple[str, ...]
    results: tuple[str, ...]

    def func(self, store: MStore) -> MFunc:
        if self.name == "inc":
            return MFunc(store, self.params, self.results, lambda v: Result("ok", signed32(v[0] + 1)))
        return MFunc(store, self.params, self.results, lambda v: Result("ok", None))


HOST_KINDS = (HostKind("inc", ("i32",), ("i32",)), HostKind("nop", (), ()))


@dataclass(eq=False)
class HostDef:
    """One ``Linker.define_func``: each definition is its own object (shadowing makes a new one)."""

    kind: HostKind


@dataclass(frozen=True)
class ImportWant:
    """What an import accepts: an extern of this kind and type, at least this big."""

    kind: type
    valtype: str = ""
    minimum: int = 0

    def matches(self, ext: Any) -> bool:
        if not isinstance(ext, self.kind):
            return False
        if isinstance(ext, MFunc):
            return ext.params == ("i32",) and ext.results == ("i32",)
        if isinstance(ext, MGlobal):
            return ext.valtype == self.valtype and ext.mutable
        if isinstance(ext, MMemory):
            return ext.pages >= self.minimum
        return ext.elem == self.valtype and len(ext.elems) >= self.minimum


def _memory_load(mem: MMemory, width: int) -> Callable[[list[Any]], Result]:
    def load(v: list[Any]) -> Result:
        addr = v[0] & I32_MASK
        if addr + width > len(mem.data):
            return TRAP_OOB
        return Result("ok", int.from_bytes(mem.data[addr:addr + width], "little", signed=width == 4))
    return load


TRAP_OOB = Result("Trap", "MEMORY_OUT_OF_BOUNDS")


def _basic(store: MStore, imports: list[Any]) -> dict[str, Any]:
    mem = MMemory(store, bytearray(PAGE), 3)
    mem.data[0:4] = b"\x01\x02\x03\x04"
    add = MFunc(store, ("i32", "i32"), ("i32",), lambda v: Result("ok", signed32(v[0] + v[1])))
    return {
        "mem": mem,
        "tab": MTable(store, "funcref", [add, None], 10),
        "g_mut": MGlobal(store, "i32", True, 7),
        "g_imm": MGlobal(store, "i64", False, 42),
        "add": add,
        "load": MFunc(store, ("i32",), ("i32",), _memory_load(mem, 4)),
        "trap": MFunc(store, (), (), lambda v: Result("Trap", "UNREACHABLE")),
        "grow": MFunc(store, ("i32",), ("i32",), lambda v: Result("ok", signed32(mem.grow(v[0] & I32_MASK)))),
    }


def _importer(store: MStore, imports: list[Any]) -> dict[str, Any]:
    f, g, mem, _ = imports
    return {
        "call_f": MFunc(store, ("i32",), ("i32",), lambda v: f.body(v)),
        "get_g": MFunc(store, (), ("i32",), lambda v: Result("ok", g.value)),
        "peek": MFunc(store, ("i32",), ("i32",), _memory_load(mem, 1)),
    }


def _externs(store: MStore, imports: list[Any]) -> dict[str, Any]:
    return {"xt": MTable(store, "externref", [None, None], 4),
            "id": MFunc(store, ("externref",), ("externref",), lambda v: Result("ok", v[0]))}


@dataclass(frozen=True)
class ModuleSpec:
    """A fixed module: its text (or bytes), what ``Module(...)`` says, its imports, what an instance holds."""

    name: str
    source: str | bytes
    compile_error: str | None = None
    imports: tuple[tuple[str, str, ImportWant], ...] = ()
    start_trap: str | None = None
    make: Callable[[MStore, list[Any]], dict[str, Any]] | None = None

    def instantiate(self, store: MStore, imports: list[Any]) -> dict[str, Any]:
        return self.make(store, imports) if self.make is not None else {}


MODULES = (
    ModuleSpec("basic", """(module
  (memory (export "mem") 1 3)
  (table (export "tab") 2 10 funcref)
  (global (export "g_mut") (mut i32) (i32.const 7))
  (global (export "g_imm") i64 (i64.const 42))
  (func $add (export "add") (param i32 i32) (result i32) local.get 0 local.get 1 i32.add)
  (func (export "load") (param i32) (result i32) local.get 0 i32.load)
  (func (export "trap") unreachable)
  (func (export "grow") (param i32) (result i32) local.get 0 memory.grow)
  (elem (i32.const 0) $add)
  (data (i32.const 0) "\\01\\02\\03\\04"))""", make=_basic),
    ModuleSpec("importer", """(module
  (import "env" "f" (func $f (param i32) (result i32)))
  (import "env" "g" (global $g (mut i32)))
  (import "env" "mem" (memory 1))
  (import "env" "tab" (table 1 funcref))
  (func (export "call_f") (param i32) (result i32) local.get 0 call $f)
  (func (export "get_g") (result i32) global.get $g)
  (func (export "peek") (param i32) (result i32) local.get 0 i32.load8_u))""",
               imports=(("env", "f", ImportWant(MFunc)), ("env", "g", ImportWant(MGlobal, "i32")),
                        ("env", "mem", ImportWant(MMemory, minimum=1)),
                        ("env", "tab", ImportWant(MTable, "funcref", 1))), make=_importer),
    ModuleSpec("start-trap", "(module (func $s unreachable) (start $s))", start_trap="UNREACHABLE"),
    ModuleSpec("externs", """(module
  (table (export "xt") 2 4 externref)
  (func (export "id") (param externref) (result externref) local.get 0))""", make=_externs),
    ModuleSpec("truncated", b"\0asm\x01\0\0\0\x01", compile_error="DecodeError"),
    ModuleSpec("invalid", bytes.fromhex("0061736d01000000010501600001" "7f030201000a040102000b"),
               compile_error="ValidationError"),
)
