"""What one engine did with one test case, in a form two engines can be compared in.

Everything is plain data (ints, strings, tuples) so an ``Outcome`` pickles
cheaply across the worker pipe and serialises to JSON for artifacts.  Values
are raw unsigned bit patterns, never Python floats: a float round trip can
quiet a signalling NaN and the differential oracle must be bit-exact.
References are reduced to what both engines can name: 0 for null, 1 for a
non-null reference.  Memories are kept as (length, digest) so a snapshot after
every call stays cheap; the full bytes are captured only when an artifact
needs them (``ExecPlan.capture_memory``).
"""
from __future__ import annotations

from dataclasses import dataclass, field, fields
from typing import Any, TypeVar

from runtime.syntax.types import VALTYPE_NAMES

#: value type name -> code, for reading JSON back
_VALTYPE_CODES = {name: code for code, name in VALTYPE_NAMES.items()}

#: how a stage or a call ended
OK = "ok"
TRAP = "trap"                       # a wasm trap, with its code
HOST_TRAP = "host-trap"             # a host function trapped on purpose
EXHAUSTED = "exhausted"             # out of fuel
STACK_OVERFLOW = "stack-overflow"   # wasm call stack exhausted
REJECTED = "rejected"               # a documented error (decode, validation, link...)
RESOURCE = "resource"               # a resource limit (memory reservation, table size...)
PANIC = "panic"                     # an exception the API does not document: a bug
SKIPPED = "skipped"                 # the call names no exported function of that type
NOT_RUN = "not-run"                 # an earlier inconclusive event stopped the case

#: host calls per call kept in an outcome's JSON (artifacts): the rest are only counted
JSON_HOST_CALLS = 100

#: results that make the rest of the case incomparable between engines
INCONCLUSIVE_KINDS = frozenset({EXHAUSTED, STACK_OVERFLOW, RESOURCE})

Value = tuple[int, int]
"""(valtype code, raw unsigned bits); references are 0 (null) or 1 (non-null)."""


_Frozen = TypeVar("_Frozen")


def _plain_pickle(cls: type[_Frozen]) -> type[_Frozen]:
    """Pickle a frozen slots dataclass as a plain tuple of its fields.

    The state functions ``dataclass`` gives such a class look up ``fields()``
    for every object pickled or unpickled, and both outcomes of every fuzz
    execution cross the worker pipe (~120 of these objects): with the names read
    once here, pickling an answer takes 161 us instead of 222 and unpickling it
    102 us instead of 180 (differential corpus, median answer ~5 KB).
    """
    names = tuple(f.name for f in fields(cls))
    setter = object.__setattr__

    def __getstate__(self: Any) -> tuple[Any, ...]:
        return tuple([getattr(self, name) for name in names])

    def __setstate__(self: Any, state: tuple[Any, ...]) -> None:
        for name, value in zip(names, state):
            setter(self, name, value)

    cls.__getstate__ = __getstate__  # type: ignore[attr-defined]
    cls.__setstate__ = __setstate__  # type: ignore[attr-defined]
    return cls


def _values_to_json(values: tuple[Value, ...]) -> list[list[Any]]:
    return [[VALTYPE_NAMES[t], b] for t, b in values]


def _values_from_json(data: list[list[Any]]) -> tuple[Value, ...]:
    return tuple((_VALTYPE_CODES[t], int(b)) for t, b in data)


@_plain_pickle
@dataclass(frozen=True, slots=True)
class Status:
    """How a stage (compile, instantiate) ended: ``kind`` is OK or one of the failure kinds."""

    kind: str
    error: str = ""      # exception class, e.g. "ValidationError", "Trap"
    code: str = ""       # trap code name (TrapCode member), when a trap
    message: str = ""

    @property
    def ok(self) -> bool:
        return self.kind == OK

    def describe(self) -> str:
        if self.ok:
            return "ok"
        detail = self.code or self.error
        return f"{self.kind}({detail}): {self.message}" if detail else f"{self.kind}: {self.message}"

    def to_json(self) -> dict[str, Any]:
        return {"kind": self.kind, "error": self.error, "code": self.code, "message": self.message}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Status:
        return cls(str(data["kind"]), str(data.get("error", "")), str(data.get("code", "")),
                   str(data.get("message", "")))


STATUS_OK = Status(OK)


@_plain_pickle
@dataclass(frozen=True, slots=True)
class MemoryState:
    name: str
    length: int
    digest: str                     # blake2b-128 of the bytes, hex
    data: bytes | None = None       # the bytes themselves, only when captured

    def to_json(self) -> dict[str, Any]:
        """The bytes themselves go to their own artifact file, not into JSON."""
        return {"name": self.name, "length": self.length, "digest": self.digest}


@_plain_pickle
@dataclass(frozen=True, slots=True)
class Snapshot:
    """Observable instance state: exported globals, memories and table sizes, in export order."""

    globals: tuple[tuple[str, int, int], ...] = ()     # (export, valtype, bits)
    memories: tuple[MemoryState, ...] = ()
    tables: tuple[tuple[str, int], ...] = ()           # (export, size)

    def to_json(self) -> dict[str, Any]:
        return {
            "globals": [[n, VALTYPE_NAMES[t], b] for n, t, b in self.globals],
            "memories": [m.to_json() for m in self.memories],
            "tables": [[n, s] for n, s in self.tables],
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Snapshot:
        return cls(
            tuple((str(n), _VALTYPE_CODES[t], int(b)) for n, t, b in data.get("globals", [])),
            tuple(MemoryState(str(m["name"]), int(m["length"]), str(m["digest"]))
                  for m in data.get("memories", [])),
            tuple((str(n), int(s)) for n, s in data.get("tables", [])),
        )


@_plain_pickle
@dataclass(frozen=True, slots=True)
class HostCall:
    """One call a wasm module made to a host import: which import, with which argument bits."""

    module: str
    name: str
    args: tuple[Value, ...]

    def to_json(self) -> dict[str, Any]:
        return {"module": self.module, "name": self.name, "args": _values_to_json(self.args)}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> HostCall:
        return cls(str(data["module"]), str(data["name"]), _values_from_json(data["args"]))


@_plain_pickle
@dataclass(frozen=True, slots=True)
class CallOutcome:
    """One exported-function call: how it ended, its results, host calls and the state after it."""

    export: str
    args: tuple[Value, ...]
    status: Status
    results: tuple[Value, ...] = ()
    host_calls: tuple[HostCall, ...] = ()
    state: Snapshot | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "export": self.export,
            "args": _values_to_json(self.args),
            "status": self.status.to_json(),
            "results": _values_to_json(self.results),
            "host_calls": [h.to_json() for h in self.host_calls[:JSON_HOST_CALLS]],
            "host_calls_total": len(self.host_calls),
            "state": None if self.state is None else self.state.to_json(),
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> CallOutcome:
        state = data.get("state")
        return cls(
            str(data["export"]), _values_from_json(data["args"]), Status.from_json(data["status"]),
            _values_from_json(data.get("results", [])),
            tuple(HostCall.from_json(h) for h in data.get("host_calls", [])),
            None if state is None else Snapshot.from_json(state),
        )


@_plain_pickle
@dataclass(frozen=True, slots=True)
class Panic:
    """An undocumented exception: its type, message and where in the runtime it came from."""

    stage: str                  # "compile", "instantiate", "call <export>", "validate"
    exc_type: str
    message: str
    top_frame: str              # innermost frame inside runtime/ ("file.py:function"), or ""
    traceback: str

    def to_json(self) -> dict[str, Any]:
        return {"stage": self.stage, "exc_type": self.exc_type, "message": self.message,
                "top_frame": self.top_frame, "traceback": self.traceback}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Panic:
        return cls(str(data["stage"]), str(data["exc_type"]), str(data["message"]),
                   str(data.get("top_frame", "")), str(data.get("traceback", "")))


@dataclass(slots=True)
class Outcome:
    """Everything one engine did with one case."""

    engine: str
    compile: Status = STATUS_OK
    instantiate: Status | None = None
    init_state: Snapshot | None = None
    init_host_calls: tuple[HostCall, ...] = ()
    calls: list[CallOutcome] = field(default_factory=list)
    panic: Panic | None = None
    seconds: float = 0.0

    def stopped_early(self) -> CallOutcome | None:
        """The first call that made the rest of the case incomparable, if any."""
        for call in self.calls:
            if call.status.kind in INCONCLUSIVE_KINDS:
                return call
        return None

    def memory_bytes(self) -> dict[str, bytes]:
        """Captured memory bytes, keyed "<call index>:<export>" ("init:<export>" after instantiation)."""
        out: dict[str, bytes] = {}
        if self.init_state is not None:
            for m in self.init_state.memories:
                if m.data is not None:
                    out[f"init:{m.name}"] = m.data
        for i, call in enumerate(self.calls):
            if call.state is not None:
                for m in call.state.memories:
                    if m.data is not None:
                        out[f"{i}:{m.name}"] = m.data
        return out

    def to_json(self) -> dict[str, Any]:
        return {
            "engine": self.engine,
            "compile": self.compile.to_json(),
            "instantiate": None if self.instantiate is None else self.instantiate.to_json(),
            "init_state": None if self.init_state is None else self.init_state.to_json(),
            "init_host_calls": [h.to_json() for h in self.init_host_calls[:JSON_HOST_CALLS]],
            "init_host_calls_total": len(self.init_host_calls),
            "calls": [c.to_json() for c in self.calls],
            "panic": None if self.panic is None else self.panic.to_json(),
            "seconds": round(self.seconds, 6),
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Outcome:
        inst = data.get("instantiate")
        init = data.get("init_state")
        panic = data.get("panic")
        return cls(
            engine=str(data["engine"]),
            compile=Status.from_json(data["compile"]),
            instantiate=None if inst is None else Status.from_json(inst),
            init_state=None if init is None else Snapshot.from_json(init),
            init_host_calls=tuple(HostCall.from_json(h) for h in data.get("init_host_calls", [])),
            calls=[CallOutcome.from_json(c) for c in data.get("calls", [])],
            panic=None if panic is None else Panic.from_json(panic),
            seconds=float(data.get("seconds", 0.0)),
        )
