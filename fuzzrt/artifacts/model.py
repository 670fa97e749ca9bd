"""An artifact: everything needed to understand and reproduce one finding, as plain files.

On disk an artifact is a directory:

* ``artifact.json``: signature, target, findings, generator and its config,
  the calls with their argument bits, the plan, both engines' outcomes, the
  worker failure or panic if any, versions, creation time;
* ``module.wasm`` and ``module.wat`` (``wasm-tools print``; absent when the
  binary cannot be printed, e.g. a malformed input to the validate target);
* ``input.bin``: the raw fuzzer input that produced the case;
* ``memory/<engine>-<call>-<export>.bin``: memory bytes, when they differed;
* ``hits``: one line per later execution that hit the same signature.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from fuzzrt.engines.outcome import Outcome, Panic
from fuzzrt.engines.plan import ExecPlan
from fuzzrt.generators.case import Generated
from fuzzrt.oracles.nopanic import ProcessFailure
from fuzzrt.oracles.verdict import Finding

FORMAT = 1
JSON_NAME = "artifact.json"
WASM_NAME = "module.wasm"
WAT_NAME = "module.wat"
INPUT_NAME = "input.bin"
HITS_NAME = "hits"
MEMORY_DIR = "memory"


class ArtifactError(Exception):
    """An artifact directory is missing, incomplete or malformed."""


@dataclass(slots=True)
class Artifact:
    target: str
    finding: Finding
    case: Generated
    plan: ExecPlan
    raw_input: bytes = b""
    findings: list[Finding] = field(default_factory=list)
    reference: Outcome | None = None
    runtime: Outcome | None = None
    failure: ProcessFailure | None = None
    panic: Panic | None = None
    versions: dict[str, Any] = field(default_factory=dict)
    created: str = ""
    #: where it was loaded from (not serialised)
    path: Path | None = None

    @property
    def signature(self) -> str:
        return self.finding.signature(self.target)

    def to_json(self) -> dict[str, Any]:
        case = self.case.to_dict()
        case.pop("wasm")
        return {
            "format": FORMAT,
            "signature": self.signature,
            "target": self.target,
            "finding": self.finding.to_json(),
            "findings": [f.to_json() for f in self.findings],
            "case": case,
            "plan": self.plan.to_json(),
            "outcomes": {
                "runtime": None if self.runtime is None else self.runtime.to_json(),
                "wasmtime": None if self.reference is None else self.reference.to_json(),
            },
            "failure": None if self.failure is None else self.failure.to_json(),
            "panic": None if self.panic is None else self.panic.to_json(),
            "versions": self.versions,
            "created": self.created,
        }

    @classmethod
    def load(cls, path: str | Path) -> Artifact:
        """Read an artifact directory (or its ``artifact.json``)."""
        root = Path(path)
        if root.is_file():
            root = root.parent
        try:
            data = json.loads((root / JSON_NAME).read_text())
            wasm = (root / WASM_NAME).read_bytes()
            raw = (root / INPUT_NAME).read_bytes() if (root / INPUT_NAME).exists() else b""
        except (OSError, ValueError) as exc:
            raise ArtifactError(f"cannot read the artifact at {root}: {exc}") from None
        if data.get("format") != FORMAT:
            raise ArtifactError(f"{root}: unsupported artifact format {data.get('format')!r}")
        try:
            case_data = dict(data["case"], wasm=wasm.hex())
            outcomes = data.get("outcomes") or {}
            return cls(
                target=str(data["target"]),
                finding=Finding.from_json(data["finding"]),
                case=Generated.from_dict(case_data),
                plan=ExecPlan.from_json(data.get("plan") or {}),
                raw_input=raw,
                findings=[Finding.from_json(f) for f in data.get("findings", [])],
                reference=Outcome.from_json(outcomes["wasmtime"]) if outcomes.get("wasmtime") else None,
                runtime=Outcome.from_json(outcomes["runtime"]) if outcomes.get("runtime") else None,
                failure=ProcessFailure.from_json(data["failure"]) if data.get("failure") else None,
                panic=Panic.from_json(data["panic"]) if data.get("panic") else None,
                versions=dict(data.get("versions") or {}),
                created=str(data.get("created", "")),
                path=root,
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise ArtifactError(f"{root}: malformed artifact: {exc}") from None
