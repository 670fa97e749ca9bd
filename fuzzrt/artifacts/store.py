"""Saving artifacts: atomically, never overwriting, one directory per signature, duplicates counted.

The directory name is derived from the signature, so "is this new?" is one
``exists`` check and concurrent campaign jobs sharing a directory cannot both
save the same bug: each builds its artifact in a private temporary directory
and renames it into place; ``rename`` onto an existing directory fails, and
the loser counts a hit instead.  A hit is one appended line in ``hits``
(appends of a short line are atomic), so the count survives restarts and is
shared across jobs.
"""
from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from runtime.errors import WatError
from runtime.wat import find_wasm_tools

from .model import HITS_NAME, INPUT_NAME, JSON_NAME, MEMORY_DIR, WASM_NAME, WAT_NAME, Artifact
from .versions import versions

_UNSAFE = re.compile(r"[^A-Za-z0-9_.-]+")


@dataclass(frozen=True, slots=True)
class SaveResult:
    path: Path
    new: bool
    hits: int          # executions that hit this signature, this one included


def directory_name(artifact: Artifact) -> str:
    """``<target>-<oracle>-<kind>-<hash of the signature>``: readable, and unique per signature."""
    f = artifact.finding
    digest = hashlib.sha256(artifact.signature.encode()).hexdigest()[:12]
    return _UNSAFE.sub("_", f"{artifact.target}-{f.oracle}-{f.kind}-{digest}")


def wasm_to_wat(wasm: bytes) -> str | None:
    """``wasm-tools print`` of ``wasm``, or None when it cannot be printed."""
    try:
        proc = subprocess.run([find_wasm_tools(), "print", "-"], input=wasm, capture_output=True,
                              timeout=60, check=False)
    except (WatError, OSError, subprocess.TimeoutExpired):
        return None
    return proc.stdout.decode("utf-8", "replace") if proc.returncode == 0 else None


def _memory_files(artifact: Artifact) -> dict[str, bytes]:
    files: dict[str, bytes] = {}
    for outcome in (artifact.runtime, artifact.reference):
        if outcome is None:
            continue
        for key, data in outcome.memory_bytes().items():
            files[_UNSAFE.sub("_", f"{outcome.engine}-{key}") + ".bin"] = data
    return files


def write_artifact(artifact: Artifact, dest: Path) -> Path:
    """Write ``artifact`` as directory ``dest``, atomically; ``FileExistsError`` if ``dest`` exists."""
    dest = Path(dest)
    dest.parent.mkdir(parents=True, exist_ok=True)
    if not artifact.versions:
        artifact.versions = versions()
    if not artifact.created:
        artifact.created = time.strftime("%Y-%m-%dT%H:%M:%S%z")
    tmp = Path(tempfile.mkdtemp(prefix=".tmp-", dir=dest.parent))
    try:
        (tmp / WASM_NAME).write_bytes(artifact.case.wasm)
        (tmp / INPUT_NAME).write_bytes(artifact.raw_input)
        wat = wasm_to_wat(artifact.case.wasm)
        if wat is not None:
            (tmp / WAT_NAME).write_text(wat)
        memories = _memory_files(artifact)
        if memories:
            (tmp / MEMORY_DIR).mkdir()
            for name, data in memories.items():
                (tmp / MEMORY_DIR / name).write_bytes(data)
        (tmp / JSON_NAME).write_text(json.dumps(artifact.to_json(), indent=1) + "\n")
        (tmp / HITS_NAME).write_text(f"{artifact.created} {hashlib.sha256(artifact.raw_input).hexdigest()}\n")
        os.chmod(tmp, 0o755)
        try:
            os.rename(tmp, dest)
        except OSError as exc:
            if dest.exists():
                raise FileExistsError(f"{dest} already exists") from exc
            raise
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    artifact.path = dest
    return dest


def count_hits(path: Path) -> int:
    try:
        with open(Path(path) / HITS_NAME, "rb") as f:
            return sum(1 for _ in f)
    except OSError:
        return 0


class ArtifactStore:
    """A directory of artifacts, one per signature."""

    def __init__(self, root: str | Path):
        self.root = Path(root)

    def path_for(self, artifact: Artifact) -> Path:
        return self.root / directory_name(artifact)

    def save(self, artifact: Artifact) -> SaveResult:
        """Save a new signature, or count a hit on the existing one (which is never touched otherwise)."""
        dest = self.path_for(artifact)
        if not dest.exists():
            try:
                write_artifact(artifact, dest)
                return SaveResult(dest, True, 1)
            except FileExistsError:
                pass
        stamp = time.strftime("%Y-%m-%dT%H:%M:%S%z")
        line = f"{stamp} {hashlib.sha256(artifact.raw_input).hexdigest()}\n".encode()
        fd = os.open(dest / HITS_NAME, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        try:
            os.write(fd, line)
        finally:
            os.close(fd)
        return SaveResult(dest, False, count_hits(dest))

    def known(self, artifact: Artifact) -> bool:
        return self.path_for(artifact).exists()

    def artifacts(self) -> list[Path]:
        """Every saved artifact directory."""
        if not self.root.is_dir():
            return []
        return sorted(p for p in self.root.iterdir() if p.is_dir() and (p / JSON_NAME).exists())
