"""Walking two outcomes side by side, up to the point where they stop being comparable."""
from __future__ import annotations

from dataclasses import dataclass

from fuzzrt.engines.outcome import (EXHAUSTED, NOT_RUN, RESOURCE, STACK_OVERFLOW, TRAP, CallOutcome, Outcome,
                                    Status)

from . import verdict as V

_INCONCLUSIVE_REASON = {EXHAUSTED: V.FUEL, STACK_OVERFLOW: V.STACK, RESOURCE: V.RESOURCE}


def describe(status: Status) -> str:
    """A short, stable name for how a stage ended: "ok", "trap:INTEGER_OVERFLOW", "rejected"..."""
    if status.kind == TRAP:
        return f"trap:{status.code or 'host'}"
    return status.kind


def same_status(a: Status, b: Status) -> bool:
    """Equal kinds, and equal trap codes for traps (messages may differ between engines)."""
    if a.kind != b.kind:
        return False
    return a.kind != TRAP or a.code == b.code


def inconclusive_reason(*statuses: Status | None) -> str | None:
    """The reason one of ``statuses`` makes a comparison impossible (fuel, stack, resource), or None."""
    for status in statuses:
        if status is not None and status.kind in _INCONCLUSIVE_REASON:
            return _INCONCLUSIVE_REASON[status.kind]
    return None


@dataclass(slots=True)
class CallPairs:
    """The call pairs both engines ran comparably, and why the walk stopped early (if it did)."""

    pairs: list[tuple[int, CallOutcome, CallOutcome]]
    inconclusive: str | None


def comparable_calls(reference: Outcome, runtime: Outcome) -> CallPairs:
    """Pairs of calls up to (including) the first one neither engine ran inconclusively.

    A call inconclusive on either side (out of fuel, stack exhausted, resource
    limit) ends the walk: the two stores may differ from then on for reasons
    the spec allows.
    """
    pairs: list[tuple[int, CallOutcome, CallOutcome]] = []
    for i, (a, b) in enumerate(zip(reference.calls, runtime.calls)):
        reason = inconclusive_reason(a.status, b.status)
        if reason is not None:
            return CallPairs(pairs, reason)
        if a.status.kind == NOT_RUN or b.status.kind == NOT_RUN:
            break
        pairs.append((i, a, b))
    return CallPairs(pairs, None)


def both_instantiated(reference: Outcome, runtime: Outcome) -> bool:
    return (reference.instantiate is not None and runtime.instantiate is not None
            and reference.instantiate.ok and runtime.instantiate.ok)
