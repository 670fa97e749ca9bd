"""Inputs for the validation-agreement oracle: mutated wasm-smith modules and raw bytes.

A validator is only tested by what it *rejects* if it sees invalid modules
close to valid ones.  Two sources:

* ``mutate(u)``: a wasm-smith module (swarm config and all, from the front of
  ``u``), then either ``wasm-tools mutate`` with a seed from ``u`` (structural
  edits that keep the module well-formed; they may bring in types or
  instructions of proposals the runtime lacks, e.g. a ``v128`` in a new
  function type, which both engines must then reject) or a few byte-level
  edits at positions drawn from ``u`` (bit flips, LEB-significant bytes,
  insertions, deletions), which reach the decoder's malformed-input paths.
* ``raw(u)``: the remaining bytes, usually behind a valid header, so the
  decoder gets past the magic and version into section parsing.

Neither case has ``calls``: the oracle compares accept/reject only.
"""
from __future__ import annotations

import subprocess

from runtime.errors import WatError
from runtime.features import Features
from runtime.wat import find_wasm_tools

from . import smith
from .case import Generated
from .smith import GeneratorError
from .unstructured import Unstructured

WASM_HEADER = b"\0asm\x01\0\0\0"
#: byte values that are interesting in the binary format (LEB continuation, type codes, end, prefixes)
_SPECIAL_BYTES = (0x00, 0x01, 0x7F, 0x80, 0xFF, 0x40, 0x60, 0x70, 0x6F, 0x0B, 0xFC, 0xFD, 0x41, 0x20)
_MAX_BYTE_EDITS = 4
#: wasm-tools mutate's own fuel: how many candidate mutations it may try before giving up
_MUTATE_FUEL = 1000


def mutate(u: Unstructured, features: Features = Features()) -> Generated:
    """A wasm-smith module from ``u``, then mutated once as ``u`` decides."""
    base = smith.generate(u, features)
    config = {"smith": base.config}
    if u.ratio(1, 2):
        seed = u.u64()
        wasm, status = run_mutate(base.wasm, seed)
        config.update(mode="wasm-mutate", seed=seed, mutate_status=status)
    else:
        wasm, edits = byte_edits(u, base.wasm)
        config.update(mode="bytes", edits=edits)
    return Generated(wasm=wasm, generator="mutate", config=config, canonical_nans=False, calls=None)


def run_mutate(wasm: bytes, seed: int) -> tuple[bytes, str]:
    """``wasm-tools mutate --seed``: (mutated module, "ok"), or (the input, why not) when it declines."""
    try:
        exe = find_wasm_tools()
    except WatError as exc:
        raise GeneratorError(str(exc)) from None
    try:
        proc = subprocess.run([exe, "mutate", "--seed", str(seed), "--fuel", str(_MUTATE_FUEL)],
                              input=wasm, capture_output=True, timeout=smith.TIMEOUT_SECONDS, check=False)
    except subprocess.TimeoutExpired:
        raise GeneratorError(f"wasm-tools mutate did not finish within {smith.TIMEOUT_SECONDS:g} s") from None
    except OSError as exc:
        raise GeneratorError(f"could not run {exe} mutate: {exc}") from None
    if proc.returncode == 0 and proc.stdout.startswith(b"\0asm"):
        return proc.stdout, "ok"
    # exit statuses 2-5: it could not parse, find a mutation, or ran out of fuel: keep the module as is
    if 2 <= proc.returncode <= 5:
        return wasm, f"declined (exit status {proc.returncode})"
    message = proc.stderr.decode("utf-8", "replace").strip().splitlines()
    raise GeneratorError(f"wasm-tools mutate failed with exit status {proc.returncode}: "
                         f"{message[0] if message else 'no message'}")


def byte_edits(u: Unstructured, wasm: bytes) -> tuple[bytes, list[list[int | str]]]:
    """1..4 byte-level edits past the header; returns the result and the edits as ``[kind, position, byte]``."""
    data = bytearray(wasm)
    edits: list[list[int | str]] = []
    for _ in range(u.int_in_range(1, _MAX_BYTE_EDITS)):
        kind = u.choose(("flip", "set", "insert", "delete"))
        if len(data) <= len(WASM_HEADER) and kind != "insert":
            kind = "insert"
        pos = u.int_in_range(len(WASM_HEADER), max(len(WASM_HEADER), len(data) - (kind != "insert")))
        if kind == "flip":
            byte = data[pos] ^ (1 << u.int_in_range(0, 7))
            data[pos] = byte
        elif kind == "set":
            byte = u.choose(_SPECIAL_BYTES)
            data[pos] = byte
        elif kind == "insert":
            byte = u.choose(_SPECIAL_BYTES)
            data.insert(pos, byte)
        else:
            byte = data[pos]
            del data[pos]
        edits.append([kind, pos, byte])
    return bytes(data), edits


def raw(u: Unstructured) -> Generated:
    """The rest of ``u`` as a module binary, behind a valid header seven times in eight."""
    with_header = u.ratio(7, 8)
    body = u.take_rest()
    wasm = WASM_HEADER + body if with_header else body
    return Generated(wasm=wasm, generator="raw", config={"header": with_header, "length": len(wasm)},
                     canonical_nans=False, calls=None)
