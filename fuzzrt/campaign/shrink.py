"""Minimising an artifact while keeping its signature.

A module wasm-tools can parse is shrunk by ``wasm-tools shrink``, whose
predicate is "replaying the candidate gives the same signature".  Its
predicate is a program it runs per candidate; starting Python with both
engines for each of hundreds of candidates would dominate, so the predicate
is a tiny client that asks this process (over a Unix socket) and this process
replays the candidate in its supervised worker.  Binaries wasm-tools cannot
parse (malformed inputs of the validate target) are shrunk bytewise by delta
debugging with the same predicate.  Operation-sequence cases (generator
``ops``, see ``fuzzrt.campaign.targets.sequence``) are shrunk by delta
debugging their op list instead, the target rebuilding any module for each
candidate list.
"""
from __future__ import annotations

import os
import shlex
import socket
import subprocess
import sys
import tempfile
import threading
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, TypeVar

from fuzzrt.artifacts import Artifact, write_artifact
from runtime.errors import WatError
from runtime.wat import find_wasm_tools

from .context import TargetContext
from .execution import Execution
from .registry import get_target
from .replay import replay_artifact
from .runner import artifact_of

Predicate = Callable[[bytes], bool]
S = TypeVar("S", bytes, list[Any])

_CLIENT = ("import socket,sys\n"
           "s=socket.socket(socket.AF_UNIX)\n"
           "s.connect(sys.argv[1])\n"
           "s.sendall(sys.argv[2].encode()+b'\\n')\n"
           "sys.exit(0 if s.recv(1)==b'1' else 1)\n")


class ShrinkError(Exception):
    """The artifact does not reproduce, or no smaller artifact could be written."""


def _serve(server: socket.socket, predicate: Predicate, stop: threading.Event) -> None:
    """Answer predicate queries ("path\\n" -> b"1"/b"0") one at a time until ``stop``."""
    server.settimeout(0.2)
    while not stop.is_set():
        try:
            conn, _ = server.accept()
        except socket.timeout:
            continue
        with conn:
            data = b""
            while not data.endswith(b"\n"):
                chunk = conn.recv(4096)
                if not chunk:
                    break
                data += chunk
            try:
                ok = predicate(Path(data.decode().strip()).read_bytes())
            except OSError:
                ok = False
            conn.sendall(b"1" if ok else b"0")


def shrink_with_wasm_tools(wasm: bytes, predicate: Predicate, attempts: int) -> bytes | None:
    """``wasm-tools shrink`` of ``wasm`` under ``predicate``; None if wasm-tools cannot work on it."""
    try:
        exe = find_wasm_tools()
    except WatError:
        return None
    with tempfile.TemporaryDirectory(prefix="fuzzrt-shrink-") as tmp:
        sock_path = os.path.join(tmp, "predicate.sock")
        script = os.path.join(tmp, "predicate.sh")
        client = os.path.join(tmp, "client.py")
        Path(client).write_text(_CLIENT)
        Path(script).write_text(f"#!/bin/sh\nexec {shlex.quote(sys.executable)} -S {shlex.quote(client)} "
                                f"{shlex.quote(sock_path)} \"$1\"\n")
        os.chmod(script, 0o755)
        src, dst = os.path.join(tmp, "input.wasm"), os.path.join(tmp, "output.wasm")
        Path(src).write_bytes(wasm)
        server = socket.socket(socket.AF_UNIX)
        server.bind(sock_path)
        server.listen(4)
        stop = threading.Event()
        thread = threading.Thread(target=_serve, args=(server, predicate, stop), daemon=True)
        thread.start()
        try:
            proc = subprocess.run([exe, "shrink", "--attempts", str(attempts), script, src, "-o", dst],
                                  capture_output=True, check=False)
        finally:
            stop.set()
            thread.join()
            server.close()
        if proc.returncode != 0 or not os.path.exists(dst):
            return None
        return Path(dst).read_bytes()


def shrink_bytes(data: S, predicate: Callable[[S], bool], attempts: int) -> S:
    """Delta debugging over bytes (or an op list): drop ever smaller chunks while ``predicate`` holds."""
    best = data
    chunk = max(len(best) // 2, 1)
    tries = 0
    while chunk >= 1 and tries < attempts:
        start, removed = 0, False
        while start < len(best) and tries < attempts:
            candidate = best[:start] + best[start + chunk:]
            tries += 1
            if candidate != best and predicate(candidate):
                best, removed = candidate, True
            else:
                start += chunk
        if not removed:
            chunk //= 2
    return best


def free_path(path: Path) -> Path:
    """``path``, or ``path-2``, ``path-3``... whichever does not exist yet."""
    if not path.exists():
        return path
    n = 2
    while path.with_name(f"{path.name}-{n}").exists():
        n += 1
    return path.with_name(f"{path.name}-{n}")


def shrink_artifact(artifact: Artifact, out: Path | None, ctx: TargetContext, attempts: int = 1000,
                    log: Callable[[str], None] = lambda text: None) -> Artifact:
    """A smaller artifact with ``artifact``'s signature, written to ``out`` (default: beside it)."""
    signature = artifact.signature
    first = replay_artifact(artifact, ctx)
    if first.signature != signature:
        raise ShrinkError(f"the artifact does not reproduce (got {first.signature or 'no finding'}, "
                          f"expected {signature})")
    queries = [0]

    def predicate(candidate: bytes) -> bool:
        queries[0] += 1
        return replay_artifact(artifact, ctx, candidate).signature == signature

    if artifact.case.generator == "ops":
        final, original = _shrink_ops(artifact, ctx, attempts, log)
    else:
        log(f"shrinking {len(artifact.case.wasm)} bytes ({signature})")
        smaller = shrink_with_wasm_tools(artifact.case.wasm, predicate, attempts)
        if smaller is None:
            log("wasm-tools shrink cannot parse this module; shrinking bytewise")
            smaller = shrink_bytes(artifact.case.wasm, predicate, attempts)
        final = replay_artifact(artifact, ctx, smaller)
        original = len(artifact.case.wasm)
        log(f"shrunk to {len(smaller)} bytes in {queries[0]} replays")
    if final.signature != signature:
        raise ShrinkError("the shrunk case no longer reproduces; the finding is flaky")
    result = artifact_of(final)
    result.case.config = dict(result.case.config, shrunk_from=str(artifact.path or ""),
                              original_size=original)
    default = (artifact.path or Path("artifact")).with_name(f"{(artifact.path or Path('artifact')).name}-shrunk")
    dest = out if out is not None else free_path(default)
    write_artifact(result, dest)
    return result


def _shrink_ops(artifact: Artifact, ctx: TargetContext, attempts: int,
                log: Callable[[str], None]) -> tuple[Execution, int]:
    """Delta debugging of an op-sequence case's op list; (final replay, ops at first)."""
    target = get_target(artifact.target)
    with_ops = getattr(target, "with_ops", None)
    if with_ops is None:
        raise ShrinkError(f"target {artifact.target} cannot rebuild a case from an op list")
    ops: Sequence[Any] = artifact.case.config.get("ops") or []

    def holds(candidate: list[Any]) -> bool:
        return replay_artifact(artifact, ctx, case=with_ops(artifact.case, candidate)).signature \
            == artifact.signature

    log(f"shrinking {len(ops)} ops ({artifact.signature})")
    smaller = shrink_bytes(list(ops), holds, attempts)
    log(f"shrunk to {len(smaller)} ops")
    return replay_artifact(artifact, ctx, case=with_ops(artifact.case, smaller)), len(ops)
