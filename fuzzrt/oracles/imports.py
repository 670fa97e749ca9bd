"""The imports oracle: both engines make the same host calls, in the same order, with the same arguments.

wasmtime's own differential target does not look at this; it catches a
miscompiled argument or a call made (or skipped) on one side even when the
results happen to agree.  Host-call arguments follow the NaN rule of
``values`` (a NaN computed by the module may carry any payload unless NaNs
are canonicalised).  The walk stops where the differential oracle's does.
"""
from __future__ import annotations

from fuzzrt.engines.outcome import HostCall, Outcome
from runtime.syntax.types import valtype_name

from .common import both_instantiated, comparable_calls, same_status
from .values import same_value
from .verdict import Finding, Verdict

ORACLE = "imports"


def _compare(ref: tuple[HostCall, ...], rt: tuple[HostCall, ...], canonical_nans: bool, where: str,
             index: int | None) -> Finding | None:
    for k, (a, b) in enumerate(zip(ref, rt)):
        if (a.module, a.name) != (b.module, b.name):
            return Finding(ORACLE, "import", "order",
                           f"{where}: host call {k} is {b.module}::{b.name} in the runtime, "
                           f"{a.module}::{a.name} in wasmtime", index)
        for j, ((t, x), (_, y)) in enumerate(zip(a.args, b.args)):
            if not same_value(t, x, y, canonical_nans):
                return Finding(ORACLE, "argument", valtype_name(t),
                               f"{where}: host call {k} ({a.module}::{a.name}) argument {j} is {y:#x} in "
                               f"the runtime, {x:#x} in wasmtime", index)
    if len(ref) != len(rt):
        return Finding(ORACLE, "count", "calls",
                       f"{where}: {len(rt)} host calls in the runtime, {len(ref)} in wasmtime", index)
    return None


def check(reference: Outcome, runtime: Outcome, canonical_nans: bool) -> Verdict:
    """Compare the host-call logs of two outcomes of the same case."""
    if runtime.panic is not None or reference.panic is not None:
        return Verdict()
    if reference.instantiate is None or runtime.instantiate is None:
        return Verdict()
    if same_status(reference.instantiate, runtime.instantiate):
        found = _compare(reference.init_host_calls, runtime.init_host_calls, canonical_nans,
                         "during instantiation", None)
        if found is not None:
            return Verdict([found])
    if not both_instantiated(reference, runtime):
        return Verdict()
    walk = comparable_calls(reference, runtime)
    for i, a, b in walk.pairs:
        found = _compare(a.host_calls, b.host_calls, canonical_nans, f"call {i} ({a.export})", i)
        if found is not None:
            return Verdict([found])
    return Verdict(inconclusive=walk.inconclusive)
