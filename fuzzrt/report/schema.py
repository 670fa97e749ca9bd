"""The report.json schema (version 1): the one definition code, tests and docs are checked against.

``docs/report.schema.json`` is this dictionary written out
(``fuzzrt report --schema``) and ``docs/report-schema.md`` explains it; a
test keeps the three in step.  Compatibility rule: a consumer reading
``version`` 1 can rely on every required field below; additions that old
readers can ignore keep the version, anything else bumps it.
"""
from __future__ import annotations

import json
from typing import Any

from .validation import validate

FORMAT = "fuzzrt-report"
VERSION = 1

#: how a finding relates to what is already known (see ``fuzzrt.report.findings``)
FINDING_STATUSES = ("new", "known", "regression")


def _obj(properties: dict[str, Any], required: list[str] | None = None, extra: Any = False) -> dict[str, Any]:
    return {"type": "object", "properties": properties,
            "required": list(properties) if required is None else required, "additionalProperties": extra}


_INT = {"type": "integer", "minimum": 0}
_NUM = {"type": "number", "minimum": 0}
_STR = {"type": "string"}
_OPT_STR = {"type": ["string", "null"]}
_COUNTS = {"type": "object", "additionalProperties": _INT}
_PERCENT = {"type": ["number", "null"], "minimum": 0, "maximum": 100}


def _nullable(name: str) -> dict[str, Any]:
    return {"anyOf": [{"type": "null"}, {"$ref": f"#/$defs/{name}"}]}


_DEFS: dict[str, Any] = {
    "tally": _obj({"passed": _INT, "failed": _INT, "text": _INT, "skipped": _INT}),
    "environment": _obj({
        "fuzzrt": _STR,
        "git_commit": _OPT_STR,
        "git_dirty": {"type": ["boolean", "null"]},
        "python": _STR,
        "python_implementation": _STR,
        "platform": _STR,
        "cpus": _INT,
        "wasmtime": _OPT_STR,
        "llvmlite": _OPT_STR,
        "llvm": _OPT_STR,
        "wasm_tools": _OPT_STR,
        "atheris": _OPT_STR,
        "hypothesis": _OPT_STR,
        "coverage": _OPT_STR,
    }),
    "run": _obj({
        "id": _STR,
        "source": _STR,
        "started": _OPT_STR,
        "finished": _OPT_STR,
        "environment": _nullable("environment"),
    }),
    "spec_failure": _obj({"line": {"type": ["integer", "null"]}, "command": _STR, "reason": _STR}),
    "spec_file": _obj({
        "name": _STR,
        "run": _STR,
        "status": {"enum": ["ok", "skipped", "error", "crashed", "timeout"]},
        "detail": _STR,
        "seconds": _NUM,
        "passed": _INT, "failed": _INT, "text": _INT, "skipped": _INT,
        "by_command": {"type": "object", "additionalProperties": {"$ref": "#/$defs/tally"}},
        "baseline": {"type": ["integer", "null"], "minimum": 0},
        "delta": {"type": ["integer", "null"]},
        "failures": {"type": "array", "items": {"$ref": "#/$defs/spec_failure"}},
    }),
    "baseline": _obj({
        "source": _STR,
        "passed": _INT,
        "baseline": _INT,
        "delta": {"type": "integer"},
        "below": {"type": "array", "items": _STR},
        "above": {"type": "array", "items": _STR},
        "unrecorded": {"type": "array", "items": _STR},
    }),
    "spec": _obj({
        "runs": {"type": "array", "items": _STR},
        "files": {"type": "array", "items": {"$ref": "#/$defs/spec_file"}},
        "by_command": {"type": "object", "additionalProperties": {"$ref": "#/$defs/tally"}},
        "total": {"$ref": "#/$defs/tally"},
        "pass_rate": {"type": ["number", "null"], "minimum": 0, "maximum": 1},
        "problems": {"type": "object", "additionalProperties": _STR},
        "baseline": _nullable("baseline"),
    }),
    "sample": _obj({"t": _NUM, "execs": _INT, "coverage": _INT, "findings": _INT, "unique_findings": _INT,
                    "inconclusive": _INT}),
    "coverage_total": _obj({"statements": _INT, "covered": _INT, "percent": _PERCENT}),
    "coverage_summary": _obj({
        "packages": {"type": "object", "additionalProperties": {"$ref": "#/$defs/coverage_total"}},
        "total": {"$ref": "#/$defs/coverage_total"},
    }),
    "coverage_file": _obj({"statements": _INT, "executed": _STR}),
    "code_coverage": _obj({
        "packages": {"type": "object", "additionalProperties": {"$ref": "#/$defs/coverage_total"}},
        "total": {"$ref": "#/$defs/coverage_total"},
        "files": {"type": "object", "additionalProperties": {"$ref": "#/$defs/coverage_file"}},
    }),
    "campaign": _obj({
        "id": _STR,
        "run": _STR,
        "target": _STR,
        "engine": _STR,
        "jobs": _INT,
        "seconds": _NUM,
        "execs": _INT,
        "execs_per_sec": _NUM,
        "conclusive": _INT,
        "inconclusive": _INT,
        "conclusive_pct": _PERCENT,
        "inconclusive_reasons": _COUNTS,
        "findings": _INT,
        "unique_findings": _INT,
        "signatures": _COUNTS,
        "coverage": _INT,
        "coverage_kind": _STR,
        "timeline": {"type": "array", "items": {"$ref": "#/$defs/sample"}},
        "code_coverage": _nullable("coverage_summary"),
        "corpus": _OPT_STR,
        "artifacts": _OPT_STR,
        "job_failures": _INT,
    }),
    "finding": _obj({
        "signature": _STR,
        "target": _STR,
        "oracle": _STR,
        "kind": _STR,
        "status": {"enum": list(FINDING_STATUSES)},
        "hits": _INT,
        "message": _STR,
        "artifact": _OPT_STR,
        "repro": _OPT_STR,
        "campaigns": {"type": "array", "items": _STR},
    }),
}

SCHEMA: dict[str, Any] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "$id": "https://fuzzrt.invalid/report.schema.json",
    "title": "fuzzrt report",
    "description": "Spec conformance, fuzzing campaigns, findings and runtime/ code coverage of one or more runs.",
    "type": "object",
    "properties": {
        "format": {"const": FORMAT},
        "version": {"const": VERSION},
        "generated": _STR,
        "runs": {"type": "array", "items": {"$ref": "#/$defs/run"}},
        "spec": _nullable("spec"),
        "campaigns": {"type": "array", "items": {"$ref": "#/$defs/campaign"}},
        "findings": {"type": "array", "items": {"$ref": "#/$defs/finding"}},
        "code_coverage": _nullable("code_coverage"),
    },
    "required": ["format", "version", "generated", "runs", "spec", "campaigns", "findings", "code_coverage"],
    "additionalProperties": False,
    "$defs": _DEFS,
}

def schema_text() -> str:
    """The schema as the committed ``docs/report.schema.json`` holds it."""
    return json.dumps(SCHEMA, indent=1, sort_keys=True) + "\n"


def check_report(report: Any) -> list[str]:
    """Every problem of ``report`` against the schema (empty when it conforms)."""
    return validate(report, SCHEMA)
