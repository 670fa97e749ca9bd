"""The differential oracle: same acceptance, same traps, same results, same state after every call.

Stages are compared in order and the first divergence is the finding (later
ones are usually its consequences): compile acceptance, instantiation
(success, trap code, or rejection), the state right after instantiation, then
per call the way it ended (trap codes included), its results bit for bit and
the exported globals, memories and table sizes after it.  Results, globals and
memories follow the NaN rule of ``values``.  Panics are the no-panic oracle's
business and a panicking runtime is not compared here.
"""
from __future__ import annotations

from fuzzrt.engines.outcome import OK, PANIC, SKIPPED, Outcome, Snapshot
from runtime.syntax.types import valtype_name

from . import verdict as V
from .common import both_instantiated, comparable_calls, describe, inconclusive_reason, same_status
from .validation import disagreement
from .values import first_memory_difference, same_value
from .verdict import Finding, Verdict

ORACLE = "differential"


def _state_finding(ref: Snapshot | None, rt: Snapshot | None, canonical_nans: bool, where: str,
                   index: int | None, verdict: Verdict) -> Finding | None:
    """The first difference between two snapshots; sets ``verdict.needs_memory`` when bytes are missing."""
    if ref is None or rt is None:
        return None
    if [(n, t) for n, t, _ in ref.globals] != [(n, t) for n, t, _ in rt.globals]:
        return Finding(ORACLE, "exports", "globals", f"{where}: exported globals differ in name or type", index)
    for (name, t, a), (_, _, b) in zip(ref.globals, rt.globals):
        if not same_value(t, a, b, canonical_nans):
            return Finding(ORACLE, "global", valtype_name(t),
                           f"{where}: global {name!r} is {b:#x} in the runtime, {a:#x} in wasmtime", index)
    if [m.name for m in ref.memories] != [m.name for m in rt.memories]:
        return Finding(ORACLE, "exports", "memories", f"{where}: exported memories differ", index)
    for a, b in zip(ref.memories, rt.memories):
        if a.length != b.length:
            return Finding(ORACLE, "memory", "size",
                           f"{where}: memory {a.name!r} has {b.length} bytes in the runtime, "
                           f"{a.length} in wasmtime", index)
        if a.digest == b.digest:
            continue
        if a.data is None or b.data is None:
            if canonical_nans:
                return Finding(ORACLE, "memory", "bytes", f"{where}: memory {a.name!r} contents differ", index)
            verdict.needs_memory = True
            return None
        pos = first_memory_difference(a.data, b.data, canonical_nans)
        if pos is not None:
            return Finding(ORACLE, "memory", "bytes",
                           f"{where}: memory {a.name!r} differs first at offset {pos:#x}: runtime "
                           f"{b.data[pos:pos + 8].hex()} vs wasmtime {a.data[pos:pos + 8].hex()}", index)
    for (name, a), (_, b) in zip(ref.tables, rt.tables):
        if a != b:
            return Finding(ORACLE, "table", "size",
                           f"{where}: table {name!r} has {b} elements in the runtime, {a} in wasmtime", index)
    if [n for n, _ in ref.tables] != [n for n, _ in rt.tables]:
        return Finding(ORACLE, "exports", "tables", f"{where}: exported tables differ", index)
    return None


def check(wasm: bytes, reference: Outcome, runtime: Outcome, canonical_nans: bool, simd: bool = False) -> Verdict:
    """Compare two outcomes of the same case (reference = wasmtime)."""
    if runtime.panic is not None:
        return Verdict()
    if reference.panic is not None:
        return Verdict(inconclusive=V.REFERENCE_ERROR)
    reason = inconclusive_reason(reference.compile, runtime.compile)
    if reason is not None:
        return Verdict(inconclusive=reason)
    if reference.compile.ok != runtime.compile.ok:
        return disagreement(wasm, runtime.compile, reference.compile, ORACLE, "compile", simd)
    if not reference.compile.ok:
        return Verdict()
    reason = inconclusive_reason(reference.instantiate, runtime.instantiate)
    if reason is not None:
        return Verdict(inconclusive=reason)
    if reference.instantiate is None or runtime.instantiate is None:
        return Verdict()
    if not same_status(reference.instantiate, runtime.instantiate):
        a, b = describe(reference.instantiate), describe(runtime.instantiate)
        return Verdict([Finding(ORACLE, "instantiate", f"{b}!={a}",
                                f"instantiation: runtime {runtime.instantiate.describe()}, "
                                f"wasmtime {reference.instantiate.describe()}")])
    if not both_instantiated(reference, runtime):
        return Verdict()
    verdict = Verdict()
    found = _state_finding(reference.init_state, runtime.init_state, canonical_nans, "after instantiation",
                           None, verdict)
    if found is not None or verdict.needs_memory:
        verdict.findings += [found] if found else []
        return verdict
    walk = comparable_calls(reference, runtime)
    for i, a, b in walk.pairs:
        where = f"call {i} ({a.export})"
        if b.status.kind == PANIC:
            return verdict
        if a.status.kind == SKIPPED or b.status.kind == SKIPPED:
            if a.status.kind != b.status.kind:
                verdict.findings.append(Finding(ORACLE, "exports", "function-type",
                                                f"{where}: skipped by one engine only (export missing or "
                                                f"typed differently)", i))
                return verdict
            continue
        if not same_status(a.status, b.status):
            verdict.findings.append(Finding(ORACLE, "trap", f"{describe(b.status)}!={describe(a.status)}",
                                            f"{where}: runtime {b.status.describe()}, "
                                            f"wasmtime {a.status.describe()}", i))
            return verdict
        if a.status.kind == OK:
            if [t for t, _ in a.results] != [t for t, _ in b.results]:
                verdict.findings.append(Finding(ORACLE, "result", "types", f"{where}: result types differ", i))
                return verdict
            for k, ((t, x), (_, y)) in enumerate(zip(a.results, b.results)):
                if not same_value(t, x, y, canonical_nans):
                    verdict.findings.append(Finding(ORACLE, "result", valtype_name(t),
                                                    f"{where}: result {k} is {y:#x} in the runtime, "
                                                    f"{x:#x} in wasmtime", i))
                    return verdict
        found = _state_finding(a.state, b.state, canonical_nans, f"after {where}", i, verdict)
        if found is not None or verdict.needs_memory:
            verdict.findings += [found] if found else []
            return verdict
    verdict.inconclusive = walk.inconclusive
    return verdict
