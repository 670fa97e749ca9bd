"""What an oracle concludes about one execution: findings, or why it could not conclude.

A ``Finding`` carries the pieces of its dedup signature: ``oracle``, ``kind``
and ``detail`` (a trap pair, a value type, a runtime frame...).  ``detail``
must be stable across inputs that hit the same bug and free of addresses,
offsets and values, or every hit of one bug would look new.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

#: inconclusive reasons
FUEL = "fuel"
STACK = "stack"
RESOURCE = "resource"
FEATURE_GAP = "feature-gap"
REFERENCE_ERROR = "reference-error"
GENERATOR = "generator"
HARNESS = "harness"


@dataclass(frozen=True, slots=True)
class Finding:
    oracle: str
    kind: str
    detail: str
    message: str
    call_index: int | None = None

    def signature(self, target: str) -> str:
        """``target/oracle/kind/detail``: equal for every hit of the same bug (as far as we can tell)."""
        return f"{target}/{self.oracle}/{self.kind}/{self.detail}"

    def to_json(self) -> dict[str, Any]:
        return {"oracle": self.oracle, "kind": self.kind, "detail": self.detail, "message": self.message,
                "call_index": self.call_index}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Finding:
        index = data.get("call_index")
        return cls(str(data["oracle"]), str(data["kind"]), str(data["detail"]), str(data.get("message", "")),
                   None if index is None else int(index))


@dataclass(slots=True)
class Verdict:
    """An oracle's answer: ``findings`` (bugs), else ``inconclusive`` (a reason) or neither (agreement)."""

    findings: list[Finding] = field(default_factory=list)
    inconclusive: str | None = None
    #: the comparison needs the bytes of the memories (re-run with ``ExecPlan.capture_memory``)
    needs_memory: bool = False

    def merge(self, other: Verdict) -> Verdict:
        self.findings.extend(other.findings)
        self.inconclusive = self.inconclusive or other.inconclusive
        self.needs_memory = self.needs_memory or other.needs_memory
        return self


_HEX = re.compile(r"0x[0-9a-fA-F]+")
_NUM = re.compile(r"\d+")
_SPACE = re.compile(r"\s+")


def normalize_message(message: str, limit: int = 80) -> str:
    """An error message without numbers, offsets or line breaks, for use in a signature."""
    first = message.strip().splitlines()[-1] if message.strip() else ""
    text = _NUM.sub("N", _HEX.sub("N", first))
    text = _SPACE.sub(" ", text).replace("/", "|").strip()
    return text[:limit]
