"""Run one case on one engine: compile, provide imports, instantiate, call, snapshot.

The same sequence for every engine, written once.  After instantiation and
after every call it snapshots the exported globals, memories and tables.
Both adapters pass v128 arguments and results as bits.  Host imports get a
shim and v128 global imports a one-global module on both engines (see
``shim``); outcomes record each v128 as its 128 bits.  A call
that runs out of fuel, overflows the stack or hits a resource limit makes the
rest of the case incomparable (the two engines count fuel and size frames
differently), so the remaining calls are recorded as not run; so are the
calls after an undocumented exception, since the store may be broken.
"""
from __future__ import annotations

import hashlib
import os
import traceback
from collections.abc import Callable, Sequence
from time import perf_counter
from typing import Any

import runtime
from fuzzrt.generators.case import Call
from runtime.syntax.types import V128, FuncSig

from .base import FUNC, GLOBAL, MEMORY, TABLE, EngineAdapter, ExternDesc
from .host import HostLog, HostTrap, host_function, int_sig, needs_shim
from .outcome import (HOST_TRAP, INCONCLUSIVE_KINDS, NOT_RUN, OK, PANIC, SKIPPED, STATUS_OK,
                      CallOutcome, MemoryState, Outcome, Panic, Snapshot, Status)
from .plan import ExecPlan
from .shim import GLOBAL_EXPORT, SHIM_EXPORT, shim_module, v128_global_module

CallResolver = Callable[[list[tuple[str, Sequence[int]]]], list[Call]]
"""Chooses the calls when a case leaves them to the harness: [(export, param types)] -> calls."""

Progress = Callable[[str], None]

_RUNTIME_DIR = os.path.dirname(os.path.abspath(runtime.__file__))
_ROOT_DIR = os.path.dirname(_RUNTIME_DIR)


def top_runtime_frame(tb: Any) -> str:
    """The innermost traceback frame inside the runtime package, as "runtime/x.py:function"."""
    best = ""
    for frame in traceback.extract_tb(tb):
        path = os.path.abspath(frame.filename)
        if path.startswith(_RUNTIME_DIR + os.sep):
            best = f"{os.path.relpath(path, _ROOT_DIR)}:{frame.name}"
    return best


def panic_of(stage: str, exc: BaseException) -> Panic:
    text = "".join(traceback.format_exception(type(exc), exc, exc.__traceback__))
    return Panic(stage, type(exc).__name__, str(exc)[:2000], top_runtime_frame(exc.__traceback__),
                 text[-8000:])


def _status(adapter: EngineAdapter, exc: Exception, stage: str, out: Outcome) -> Status:
    if isinstance(exc, HostTrap):
        return Status(HOST_TRAP, "HostTrap", "", str(exc))
    status = adapter.classify(exc)
    if status is not None:
        return status
    out.panic = panic_of(stage, exc)
    return Status(PANIC, type(exc).__name__, "", str(exc)[:2000])


class MemoryDigests:
    """Digests of one run's memories, recomputed only when the bytes changed.

    A snapshot follows instantiation and every call, and most calls leave
    memory alone: copying a memory and comparing it with the previous copy
    costs a tenth of hashing it again (54 us against 650 us for 640 KiB), and
    hashing was the largest cost of a snapshot on both engines.
    """

    __slots__ = ("_last",)

    def __init__(self) -> None:
        self._last: dict[str, tuple[bytes, str]] = {}

    def state(self, name: str, view: memoryview, capture: bool) -> MemoryState:
        data = bytes(view)
        last = self._last.get(name)
        if last is not None and last[0] == data:
            digest = last[1]
        else:
            digest = hashlib.blake2b(data, digest_size=16).hexdigest()
            self._last[name] = (data, digest)
        return MemoryState(name, len(data), digest, data if capture else None)


def snapshot(adapter: EngineAdapter, session: Any, handles: list[tuple[ExternDesc, Any]],
             capture: bool, digests: MemoryDigests) -> Snapshot:
    globs, mems, tabs = [], [], []
    for desc, handle in handles:
        if desc.kind == GLOBAL:
            globs.append((desc.name, desc.valtype, adapter.global_bits(session, handle, desc.valtype)))
        elif desc.kind == MEMORY:
            mems.append(digests.state(desc.name, adapter.memory_view(session, handle), capture))
        elif desc.kind == TABLE:
            tabs.append((desc.name, adapter.table_size(session, handle)))
    return Snapshot(tuple(globs), tuple(mems), tuple(tabs))


def _provide(adapter: EngineAdapter, session: Any, imp: ExternDesc, log: HostLog, plan: ExecPlan) -> Any:
    """The extern given to one import: a recording host function, or a fresh global/memory/table."""
    if imp.kind == FUNC:
        sig = imp.sig
        assert sig is not None
        if not needs_shim(sig):
            return adapter.host_func(session, sig, host_function(log, imp.module, imp.name, sig, sig,
                                                                 plan.host_trap_modulus))
        inner = int_sig(sig)
        host = adapter.host_func(session, inner, host_function(log, imp.module, imp.name, inner, sig,
                                                               plan.host_trap_modulus))
        shim = adapter.instantiate(session, adapter.compile(session, shim_module(sig)), [host])
        return adapter.export(session, shim, SHIM_EXPORT)
    if imp.kind == GLOBAL:
        if imp.valtype == V128:
            holder = adapter.instantiate(session, adapter.compile(session, v128_global_module(imp.mutable)), [])
            return adapter.export(session, holder, GLOBAL_EXPORT)
        return adapter.new_global(session, imp.valtype, imp.mutable)
    if imp.kind == MEMORY:
        return adapter.new_memory(session, imp.minimum, imp.maximum)
    return adapter.new_table(session, imp.valtype, imp.minimum, imp.maximum)


def _not_run(calls: Sequence[Call], kind: str = NOT_RUN) -> list[CallOutcome]:
    return [CallOutcome(c.export, tuple(c.args), Status(kind)) for c in calls]


def run_case(adapter: EngineAdapter, wasm: bytes, calls: Sequence[Call] | None, plan: ExecPlan,
             resolve: CallResolver | None = None, progress: Progress | None = None) -> Outcome:
    """Everything ``adapter``'s engine does with ``wasm`` and ``calls`` under ``plan``.

    ``calls=None`` asks ``resolve`` for the calls, given the module's exported
    functions.  Every planned call appears in ``Outcome.calls``, run or not,
    so the calls an outcome was made with can always be read back from it.
    Only undocumented exceptions of the *adapter's* engine end up as panics;
    BaseExceptions (interrupts, deadlines) propagate.
    """
    out = Outcome(adapter.name)
    start = perf_counter()
    mark = progress or (lambda stage: None)
    try:
        session = adapter.session(plan)
        mark("compile")
        try:
            module = adapter.compile(session, wasm)
            imports = adapter.imports(module)
            exports = adapter.exports(module)
        except Exception as exc:
            out.compile = _status(adapter, exc, "compile", out)
            return out
        if calls is None:
            funcs = [(e.name, e.sig.params) for e in exports if e.kind == FUNC and e.sig is not None]
            calls = resolve(funcs) if resolve is not None else [Call(n, []) for n, p in funcs if not p]
        log = HostLog()
        mark("instantiate")
        try:
            externs = [_provide(adapter, session, imp, log, plan) for imp in imports]
            adapter.set_fuel(session, plan.fuel)
            instance = adapter.instantiate(session, module, externs)
            handles = [(e, adapter.export(session, instance, e.name)) for e in exports]
        except Exception as exc:
            out.instantiate = _status(adapter, exc, "instantiate", out)
            out.init_host_calls = log.take()
            out.calls = _not_run(calls)
            return out
        out.instantiate = STATUS_OK
        out.init_host_calls = log.take()
        digests = MemoryDigests()
        out.init_state = snapshot(adapter, session, handles, plan.capture_memory, digests)
        funcs_by_name = {d.name: h for d, h in handles if d.kind == FUNC}
        sigs = {e.name: e.sig for e in exports if e.kind == FUNC}
        for i, call in enumerate(calls):
            sig = sigs.get(call.export)
            if sig is None or tuple(t for t, _ in call.args) != sig.params:
                out.calls.append(CallOutcome(call.export, tuple(call.args), Status(SKIPPED)))
                continue
            mark(f"call {i} {call.export}")
            out.calls.append(_run_call(adapter, session, funcs_by_name[call.export], sig, call,
                                       log, handles, plan, out, digests))
            if out.calls[-1].status.kind in INCONCLUSIVE_KINDS or out.calls[-1].status.kind == PANIC:
                out.calls.extend(_not_run(calls[i + 1:]))
                break
        return out
    finally:
        out.seconds = perf_counter() - start


def _run_call(adapter: EngineAdapter, session: Any, func: Any, sig: FuncSig, call: Call, log: HostLog,
              handles: list[tuple[ExternDesc, Any]], plan: ExecPlan, out: Outcome,
              digests: MemoryDigests) -> CallOutcome:
    results: tuple[int, ...] = ()
    try:
        adapter.set_fuel(session, plan.fuel)
        results = adapter.call(session, func, sig, [b for _, b in call.args])
        status = STATUS_OK
    except Exception as exc:
        status = _status(adapter, exc, f"call {call.export}", out)
    host_calls = log.take()
    state = None if status.kind == PANIC else snapshot(adapter, session, handles, plan.capture_memory, digests)
    values = tuple(zip(sig.results, results)) if status.kind == OK else ()
    return CallOutcome(call.export, tuple(call.args), status, values, host_calls, state)
