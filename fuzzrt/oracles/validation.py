"""Validation agreement: the runtime accepts a binary iff wasmtime does.

wasmtime 50 cannot switch extended-const off, so it accepts a few modules the
runtime (wasm 2.0) rightly rejects.  When the engines disagree, ``wasm-tools
validate`` with exactly the runtime's proposals breaks the tie: if it sides
with the runtime, the disagreement is wasmtime's extra feature, counted as
inconclusive ("feature-gap") rather than reported.  The tie-breaker runs only
on disagreement, so it costs nothing on the common path.
"""
from __future__ import annotations

import subprocess

from fuzzrt.engines.outcome import Status
from runtime.errors import WatError
from runtime.wat import find_wasm_tools

from . import verdict as V
from .verdict import Finding, Verdict

ORACLE = "validation"
#: wasm-tools feature set equal to the runtime's (wasm 2.0; SIMD switched by the plan)
_FEATURES = {False: "wasm2,-simd", True: "wasm2"}


def exact_features_accept(wasm: bytes, simd: bool = False) -> bool | None:
    """Whether ``wasm-tools validate`` with the runtime's proposals accepts ``wasm`` (None: could not run)."""
    try:
        exe = find_wasm_tools()
        proc = subprocess.run([exe, "validate", f"--features={_FEATURES[simd]}", "-"], input=wasm,
                              capture_output=True, timeout=60, check=False)
    except (WatError, OSError, subprocess.TimeoutExpired):
        return None
    return proc.returncode == 0


def disagreement(wasm: bytes, runtime: Status, reference: Status, oracle: str, kind: str,
                 simd: bool = False) -> Verdict:
    """The verdict on ``wasm`` given whether each engine accepted it (compile or validate status).

    Only acceptance is compared: the engines word their errors differently.
    """
    if runtime.ok == reference.ok:
        return Verdict()
    third = exact_features_accept(wasm, simd)
    if third is not None and third == runtime.ok:
        return Verdict(inconclusive=V.FEATURE_GAP)
    if runtime.ok:
        detail = "accepts-invalid:" + V.normalize_message(reference.message)
        message = f"the runtime accepts a module wasmtime rejects: {reference.message}"
    else:
        detail = "rejects-valid:" + V.normalize_message(runtime.message)
        message = f"the runtime rejects a module wasmtime accepts: {runtime.message}"
    return Verdict([Finding(oracle, kind, detail, message)])


def check(wasm: bytes, runtime: Status, reference: Status, simd: bool = False) -> Verdict:
    """Validation agreement between ``Module.validate`` on both engines."""
    return disagreement(wasm, runtime, reference, ORACLE, "agreement", simd)
