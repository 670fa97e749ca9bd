"""Oracles: decide whether an execution found a bug, agreed, or could not conclude.

One module each: ``differential`` (results, traps, state), ``imports`` (host
call sequences), ``validation`` (acceptance agreement, with a feature-exact
tie-breaker), ``nopanic`` (undocumented exceptions, crashes, hangs).
``verdict`` holds the shared ``Finding``/``Verdict`` types and ``values`` the
bit-exact (NaN-aware) comparisons.
"""
from .verdict import Finding, Verdict, normalize_message

ORACLE_PRIORITY = ("no-panic", "validation", "imports", "differential")


def primary(findings: list[Finding]) -> Finding:
    """The finding that names an execution: the earliest divergence, a panic or crash before all.

    Later differences are usually consequences of the first one, and a host
    call precedes the result of the call that made it.
    """
    def key(f: Finding) -> tuple[int, int, int]:
        rank = ORACLE_PRIORITY.index(f.oracle) if f.oracle in ORACLE_PRIORITY else len(ORACLE_PRIORITY)
        panic_first = 0 if f.oracle == "no-panic" else 1
        return panic_first, -1 if f.call_index is None else f.call_index, rank

    return min(findings, key=key)


__all__ = ["Finding", "ORACLE_PRIORITY", "Verdict", "normalize_message", "primary"]
