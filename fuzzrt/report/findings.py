"""Which findings are news: triage against the known list and the fixed (regression) artifacts.

A campaign's finding is

* ``regression`` if its signature is one of a fixed bug (an artifact under
  ``corpora/regressions/``): something that was fixed broke again;
* ``known`` if it is listed in the known-findings file (one signature per
  line, ``#`` comments; ``ci/known-findings.txt`` by default): a bug that is
  reported and not fixed yet, which must not fail every nightly run;
* ``new`` otherwise.

CI fails on ``new`` and ``regression`` findings.  Signatures are matched
exactly; they are the harness's dedup keys (``target/oracle/kind/detail``).
"""
from __future__ import annotations

import json
import shlex
from dataclasses import dataclass
from pathlib import Path

from .environment import REPO

KNOWN_FILE = REPO / "ci" / "known-findings.txt"
REGRESSIONS_DIR = REPO / "corpora" / "regressions"
ARTIFACT_JSON = "artifact.json"
#: statuses that make ``fuzzrt report --fail-on-new`` (and so ci/fuzz.sh) fail
FAILING = frozenset({"new", "regression"})


class TriageError(Exception):
    """The known-findings file cannot be read."""


def load_known(path: Path) -> set[str]:
    """Signatures listed in ``path``; an absent file lists none."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except FileNotFoundError:
        return set()
    except (OSError, UnicodeDecodeError) as exc:
        raise TriageError(f"cannot read the known-findings file {path}: {exc}") from None
    return {line.strip() for line in text.splitlines() if line.strip() and not line.lstrip().startswith("#")}


@dataclass(frozen=True, slots=True)
class ArtifactInfo:
    """What the report shows of a saved artifact."""

    path: Path
    signature: str
    message: str


def read_artifact(directory: Path) -> ArtifactInfo | None:
    """The signature and message of the artifact in ``directory``; None if it is not one."""
    try:
        data = json.loads((Path(directory) / ARTIFACT_JSON).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(data, dict) or not isinstance(data.get("signature"), str):
        return None
    finding = data.get("finding")
    message = finding.get("message", "") if isinstance(finding, dict) else ""
    return ArtifactInfo(Path(directory), data["signature"], str(message))


def index_artifacts(roots: list[Path]) -> dict[str, ArtifactInfo]:
    """Signature -> artifact, over every artifact directory directly under ``roots`` (first root wins)."""
    index: dict[str, ArtifactInfo] = {}
    for root in roots:
        if not Path(root).is_dir():
            continue
        for directory in sorted(Path(root).iterdir()):
            info = read_artifact(directory) if directory.is_dir() else None
            if info is not None:
                index.setdefault(info.signature, info)
    return index


def repro_command(artifact: Path) -> str:
    """The command that re-runs a finding (exit 1 while it reproduces)."""
    return f"python3 -m fuzzrt repro {shlex.quote(str(artifact))}"


def split_signature(signature: str) -> tuple[str, str, str]:
    """(target, oracle, kind) of ``target/oracle/kind/detail``; missing parts are empty."""
    parts = signature.split("/", 3)
    parts += [""] * (3 - len(parts))
    return parts[0], parts[1], parts[2]


class Triage:
    """Classifies signatures as new, known or regression (see the module docstring)."""

    def __init__(self, known: set[str], regressions: set[str]):
        self.known = known
        self.regressions = regressions

    @classmethod
    def load(cls, known_file: Path | None = KNOWN_FILE, regressions_dir: Path | None = REGRESSIONS_DIR) -> Triage:
        known = load_known(known_file) if known_file is not None else set()
        regressions = set(index_artifacts([regressions_dir])) if regressions_dir is not None else set()
        return cls(known, regressions)

    def status(self, signature: str) -> str:
        if signature in self.regressions:
            return "regression"
        return "known" if signature in self.known else "new"
