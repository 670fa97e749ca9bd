"""Test-case generators for the fuzzing harness, one module each.

* ``unstructured``: fuzzer bytes -> deterministic choices (never raises on exhaustion).
* ``case``: ``Generated`` / ``Call``, the shape every generator returns.
* ``args``: edge-biased call arguments (bytes and Hypothesis).
* ``smith``: wasm-smith modules under a swarm configuration drawn from the bytes.
* ``strategies``: the Python stack-machine module generator as a Hypothesis
  strategy (``modules``), from raw bytes through Hypothesis (``from_bytes``)
  or directly (``generate``); built from ``choices``, ``context``,
  ``bodies``, ``builder`` and ``encode`` (AST -> binary).
* ``single_op``: one module per numeric instruction, with edge operands.
* ``mutate``: mutated wasm-smith modules and raw bytes for validation agreement.

``regenerate`` maps a generator name and the raw input back to the case, so an
artifact that stores both can be rebuilt exactly.
"""
from __future__ import annotations

from runtime.features import Features

from .case import Generated
from .unstructured import Unstructured


def regenerate(generator: str, data: bytes, features: Features = Features(), *,
               imports: bool = False) -> Generated:
    """The case a byte-driven generator makes from ``data`` (``imports`` applies to smith only).

    "hypothesis" means the byte-driven ``strategies.generate`` (config
    ``driver == "bytes"``); a case drawn by Hypothesis itself is replayed from
    its stored module and calls instead.
    """
    u = Unstructured(data)
    if generator == "smith":
        from . import smith
        return smith.generate(u, features, imports=imports)
    if generator == "hypothesis":
        from . import strategies
        return strategies.generate(u, features)
    if generator == "single-op":
        from . import single_op
        return single_op.generate(u, features)
    if generator == "mutate":
        from . import mutate
        return mutate.mutate(u, features)
    if generator == "raw":
        from . import mutate
        return mutate.raw(u)
    raise ValueError(f"unknown generator {generator!r}")
