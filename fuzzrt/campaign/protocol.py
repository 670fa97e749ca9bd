"""Framing between a supervisor and its worker: length-prefixed pickles over pipes.

Both ends are the same program on the same machine, so pickle is safe and the
cheapest way to move an ``Outcome``.  Messages are ``(tag, payload)`` tuples.
"""
from __future__ import annotations

import pickle
import struct
from typing import IO, Any

_HEADER = struct.Struct("<I")
HEADER_SIZE = _HEADER.size

READY = "ready"          # worker -> supervisor: imports done, ready for jobs
JOB = "job"              # supervisor -> worker: a Job
REFERENCE = "reference"  # worker -> supervisor: wasmtime's outcome, before the runtime runs
DONE = "done"            # worker -> supervisor: the PairResult
ERROR = "error"          # worker -> supervisor: the harness itself failed (traceback text)
RETIRING = "retiring"    # worker -> supervisor: the worker exits after this job (memory use)


def encode(tag: str, payload: Any = None) -> bytes:
    body = pickle.dumps((tag, payload), protocol=pickle.HIGHEST_PROTOCOL)
    return _HEADER.pack(len(body)) + body


def body_size(header: bytes) -> int:
    return _HEADER.unpack(header)[0]


def decode(body: bytes) -> tuple[str, Any]:
    tag, payload = pickle.loads(body)
    return tag, payload


def write_message(stream: IO[bytes], tag: str, payload: Any = None) -> None:
    stream.write(encode(tag, payload))
    stream.flush()


def read_message(stream: IO[bytes]) -> tuple[str, Any] | None:
    """The next message, or None at end of stream."""
    header = stream.read(HEADER_SIZE)
    if len(header) < HEADER_SIZE:
        return None
    size = body_size(header)
    body = stream.read(size)
    if len(body) < size:
        return None
    return decode(body)
