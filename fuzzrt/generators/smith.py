"""wasm-smith modules from fuzzer bytes, with a swarm configuration.

``wasm-tools smith`` turns a byte string into a valid module.  Before handing
it the bytes, ``generate`` draws a *swarm* configuration from the front of the
same input (as wasmtime's ``SwarmConfig`` does): which proposals and
instruction classes are on, how many functions/instructions/globals/segments,
whether termination is enforced.  Swarm testing
finds more bugs than one fixed "everything on" configuration because each run
concentrates on a few features, and because the knobs come from the input, a
fuzzer can learn them like any other choice.

Everything is held to what the runtime implements (wasm 2.0 without SIMD
unless ``features.simd``): multi-memory, memory64, tail calls, GC, threads,
exceptions, extended-const, wide arithmetic and custom page sizes are always
off.  Memories are at most ``MAX_MEMORY_PAGES`` with a declared maximum and
tables at most ``MAX_TABLE_ELEMENTS`` elements, so both engines stay within
cheap resource limits and compile quickly.

The last ``1/ARG_RESERVE_DIVISOR`` of the input (at most ``ARG_RESERVE_MAX``
bytes) is left unconsumed in the ``Unstructured`` for the harness to draw call
arguments from (``args.calls_for``), since wasm-smith itself reads its whole
stdin.
"""
from __future__ import annotations

import atexit
import os
import subprocess
import tempfile
from dataclasses import asdict
from functools import lru_cache
from typing import Any

from runtime.errors import WatError
from runtime.features import Features
from runtime.syntax.types import F32, F64, I32, I64, FuncSig, valtype_name
from runtime.wat import find_wasm_tools, wat2wasm

from .case import Generated
from .unstructured import Unstructured

#: wall-clock limit for one wasm-smith run; generation normally takes ~5 ms
TIMEOUT_SECONDS = 20.0
MAX_MEMORY_PAGES = 10
MAX_TABLE_ELEMENTS = 1000
ARG_RESERVE_DIVISOR = 8
ARG_RESERVE_MAX = 256
#: the empty module: what a seed wasm-smith cannot use becomes (exit status 2)
EMPTY_MODULE = b"\0asm\x01\0\0\0"

#: Function imports a module may use when ``imports=True`` (module "host").
#: The harness provides them (recording every call); their results must be a
#: deterministic function of the arguments so both engines see the same values.
HOST_IMPORTS: tuple[tuple[str, str, FuncSig], ...] = (
    ("host", "log_i32", FuncSig((I32,), ())),
    ("host", "log_i64", FuncSig((I64,), ())),
    ("host", "log_f32", FuncSig((F32,), ())),
    ("host", "log_f64", FuncSig((F64,), ())),
    ("host", "i32_to_i32", FuncSig((I32,), (I32,))),
    ("host", "i64_i32_to_i64", FuncSig((I64, I32), (I64,))),
    ("host", "f64_to_f64", FuncSig((F64,), (F64,))),
    ("host", "mix", FuncSig((I32, I64, F32, F64), (I64,))),
    ("host", "nothing", FuncSig((), ())),
    ("host", "pair", FuncSig((I32, I32), (I32, I64))),
)

#: proposals the runtime never implements (wasm-tools flag names)
_ALWAYS_OFF = (
    "memory64", "tail-call", "gc", "exceptions", "threads", "shared-everything-threads",
    "relaxed-simd", "custom-page-sizes", "wide-arithmetic", "extended-const",
    "custom-descriptors", "compact-imports",
)
#: wasm 2.0 proposals the swarm may switch off, with the Features field each depends on
_SWARM_PROPOSALS = (
    ("bulk-memory", "bulk_memory"),
    ("reference-types", "reference_types"),
    ("multi-value", "multi_value"),
    ("saturating-float-to-int", "saturating_float_to_int"),
    ("sign-extension-ops", "sign_extension"),
)
#: instruction classes of ``--allowed-instructions`` (float-free variants chosen when floats are off)
_INSTRUCTION_KINDS = ("numeric", "reference", "parametric", "variable", "table", "memory", "control")
_FUEL_CHOICES = (10, 100, 500, 1000)
_INSTRUCTION_CHOICES = (5, 20, 50, 100, 200, 400)


class GeneratorError(Exception):
    """A generator's external tool failed (missing, crashed, timed out): skip the input, not a finding."""


def draw_config(u: Unstructured, features: Features = Features(), *, imports: bool = False) -> dict[str, Any]:
    """The swarm configuration, drawn from the front of ``u``.

    Exhausted data gives the "lowest" choices: every optional proposal on,
    small sizes, NaN canonicalisation and termination on.
    """
    proposals = {
        flag: getattr(features, field) and u.ratio(7, 8) for flag, field in _SWARM_PROPOSALS
    }
    allow_floats = u.ratio(7, 8)
    kinds = [k for k in _INSTRUCTION_KINDS if u.ratio(5, 6)]
    if features.simd and u.ratio(1, 2):
        kinds.append("vector")
    if not allow_floats:
        kinds = [k + "_non_float" if k in ("numeric", "memory", "vector") else k for k in kinds]
    ensure_termination = u.ratio(7, 8)
    # imported functions count against max_funcs; without the headroom wasm-smith rejects many seeds
    max_funcs = u.int_in_range(1, 20) + (len(HOST_IMPORTS) if imports else 0)
    max_types = u.int_in_range(1, 20)
    config: dict[str, Any] = {
        "proposals": proposals,
        "simd": features.simd,
        "allow_floats": allow_floats,
        "allowed_instructions": kinds or ["control"],
        # always: a NaN's engine-dependent bits can reach integer values (reinterpret, v128 lane
        # ops, memory) where no NaN rule excuses them, so cross-engine comparison needs canonical
        # NaNs, as in wasmtime's own differential fuzzing
        "canonicalize_nans": True,
        "ensure_termination": ensure_termination,
        "fuel": u.choose(_FUEL_CHOICES) if ensure_termination else None,
        "disallow_traps": u.ratio(1, 4),
        "max_funcs": max_funcs,
        # without a minimum, wasm-smith's "one more?" coin flips leave most modules function-less
        "min_funcs": u.int_in_range(1, max(1, max_funcs // 2)),
        "max_instructions": u.choose(_INSTRUCTION_CHOICES),
        "max_types": max_types,
        "min_types": u.int_in_range(1, min(3, max_types)),
        "max_globals": u.int_in_range(0, 10),
        "max_memories": u.int_in_range(0, 1),
        "max_tables": u.int_in_range(0, 3) if proposals["reference-types"] else u.int_in_range(0, 1),
        "max_memory_pages": u.int_in_range(1, MAX_MEMORY_PAGES),
        "max_table_elements": u.choose((10, 100, MAX_TABLE_ELEMENTS)),
        "max_data_segments": u.int_in_range(0, 8),
        "max_element_segments": u.int_in_range(0, 8),
        "max_elements": u.int_in_range(0, 20),
        "min_uleb_size": 1 if u.ratio(7, 8) else u.int_in_range(2, 5),
        "generate_custom_sections": u.ratio(1, 8),
        "allow_start_export": u.ratio(3, 4),
        "imports": imports,
    }
    return config


def smith_args(config: dict[str, Any]) -> list[str]:
    """The ``wasm-tools smith`` command-line options a configuration stands for."""

    def flag(name: str, value: bool) -> list[str]:
        return [f"--{name}", "true" if value else "false"]

    args: list[str] = []
    for name in _ALWAYS_OFF:
        args += flag(f"{name}-enabled", False)
    for name, on in config["proposals"].items():
        args += flag(f"{name}-enabled", on)
    args += flag("simd-enabled", config["simd"])
    args += flag("allow-floats", config["allow_floats"])
    args += ["--allowed-instructions", ",".join(config["allowed_instructions"])]
    args += flag("canonicalize-nans", config["canonicalize_nans"])
    if config["ensure_termination"]:
        args += ["--ensure-termination", "--fuel", str(config["fuel"])]
    args += flag("disallow-traps", config["disallow_traps"])
    args += flag("export-everything", True)
    args += flag("memory-max-size-required", True)
    args += flag("generate-custom-sections", config["generate_custom_sections"])
    args += flag("allow-start-export", config["allow_start_export"])
    args += [
        "--max-funcs", str(config["max_funcs"]),
        "--min-funcs", str(config["min_funcs"]),
        "--min-types", str(config["min_types"]),
        "--max-instructions", str(config["max_instructions"]),
        "--max-types", str(config["max_types"]),
        "--max-globals", str(config["max_globals"]),
        "--max-memories", str(config["max_memories"]),
        "--max-tables", str(config["max_tables"]),
        "--max-memory32-bytes", str(config["max_memory_pages"] * 65536),
        "--max-table-elements", str(config["max_table_elements"]),
        "--max-data-segments", str(config["max_data_segments"]),
        "--max-element-segments", str(config["max_element_segments"]),
        "--max-elements", str(config["max_elements"]),
        "--min-uleb-size", str(config["min_uleb_size"]),
    ]
    if config["imports"]:
        args += ["--available-imports", _host_imports_file(), "--max-imports", str(len(HOST_IMPORTS))]
    else:
        args += ["--max-imports", "0"]
    return args


def generate(u: Unstructured, features: Features = Features(), *, imports: bool = False) -> Generated:
    """A wasm-smith module from ``u``: swarm config from the front, wasm-smith on the rest.

    ``imports=True`` lets the module import (some of) ``HOST_IMPORTS`` and
    nothing else.  A seed wasm-smith rejects (its exit status 2) yields the
    empty module, so the mapping from bytes to cases stays total; a tool
    failure raises ``GeneratorError``.  ``calls`` is None: the harness calls
    every export, drawing arguments from what is left in ``u``.
    """
    config = draw_config(u, features, imports=imports)
    reserve = min(u.remaining() // ARG_RESERVE_DIVISOR, ARG_RESERVE_MAX)
    seed = u.bytes(u.remaining() - reserve)
    config["seed_bytes"] = len(seed)
    config["features"] = asdict(features)
    try:
        args = smith_args(config)
    except WatError as exc:
        raise GeneratorError(f"cannot build the host-imports menu: {exc}") from None
    wasm, status = run_smith(seed, args)
    config["smith_status"] = status
    return Generated(wasm=wasm, generator="smith", config=config,
                     canonical_nans=config["canonicalize_nans"], calls=None)


def run_smith(seed: bytes, args: list[str]) -> tuple[bytes, str]:
    """Run wasm-smith on ``seed``: (module, "ok") or (empty module, "rejected-seed")."""
    try:
        exe = find_wasm_tools()
    except WatError as exc:
        raise GeneratorError(str(exc)) from None
    try:
        proc = subprocess.run([exe, "smith", *args], input=seed, capture_output=True,
                              timeout=TIMEOUT_SECONDS, check=False)
    except subprocess.TimeoutExpired:
        raise GeneratorError(f"wasm-tools smith did not finish within {TIMEOUT_SECONDS:g} s "
                             f"on a {len(seed)}-byte seed") from None
    except OSError as exc:
        raise GeneratorError(f"could not run {exe} smith: {exc}") from None
    if proc.returncode == 2:
        return EMPTY_MODULE, "rejected-seed"
    if proc.returncode != 0 or not proc.stdout.startswith(b"\0asm"):
        message = proc.stderr.decode("utf-8", "replace").strip().splitlines()
        raise GeneratorError(f"wasm-tools smith failed with exit status {proc.returncode}: "
                             f"{message[0] if message else 'no message'}")
    return proc.stdout, "ok"


def host_imports_wat() -> str:
    """A module that only imports ``HOST_IMPORTS``: wasm-smith's menu of allowed imports."""
    lines = ["(module"]
    for module, name, sig in HOST_IMPORTS:
        params = " ".join(valtype_name(t) for t in sig.params)
        results = " ".join(valtype_name(t) for t in sig.results)
        lines.append(f'  (import "{module}" "{name}" (func (param {params}) (result {results})))')
    lines.append(")")
    return "\n".join(lines)


@lru_cache(maxsize=1)
def _host_imports_file() -> str:
    """Path of the host-imports module, written once per process and removed at exit."""
    fd, path = tempfile.mkstemp(prefix="fuzzrt-host-imports-", suffix=".wasm")
    with os.fdopen(fd, "wb") as f:
        f.write(wat2wasm(host_imports_wat()))
    atexit.register(_remove_quietly, path)
    return path


def _remove_quietly(path: str) -> None:
    try:
        os.unlink(path)
    except OSError:
        pass
