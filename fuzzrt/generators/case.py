"""What every generator hands to the harness: one test case.

A case is the module binary plus everything needed to explain and regenerate
it: which generator made it, with which knobs, and (optionally) which exports
to call with which arguments.  Arguments travel as ``(valtype, raw bits)``
pairs, never as Python floats, because a float round-trip through Python or
wasmtime-py can quiet a signalling NaN and the differential oracle must be
bit-exact.  ``to_dict``/``from_dict`` give the JSON form artifacts store.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from runtime.syntax.types import EXTERNREF, F32, F64, FUNCREF, I32, I64, V128, VALTYPE_NAMES

#: generator names a case may carry
#: ("ops": an operation sequence of an API target, in ``config["ops"]``; its ``wasm`` may be empty)
GENERATOR_NAMES = ("smith", "hypothesis", "single-op", "raw", "mutate", "ops")

_BIT_WIDTH = {I32: 32, F32: 32, I64: 64, F64: 64, V128: 128, FUNCREF: 64, EXTERNREF: 64}


@dataclass(frozen=True, slots=True)
class Call:
    """One call of an exported function.

    ``args`` are ``(valtype code, raw unsigned bits)``: an i32 of -1 is
    ``(I32, 0xFFFFFFFF)``, an f32 NaN keeps its payload as bits.  Reference
    arguments are always null and carry bits 0 (the harness cannot name a
    function reference of the other engine's store).
    """

    export: str
    args: list[tuple[int, int]] = field(default_factory=list)

    def __post_init__(self) -> None:
        for i, arg in enumerate(self.args):
            if not (isinstance(arg, tuple) and len(arg) == 2):
                raise ValueError(f"Call {self.export!r}: argument {i} is not a (valtype, bits) pair: {arg!r}")
            valtype, bits = arg
            width = _BIT_WIDTH.get(valtype)
            if width is None:
                raise ValueError(f"Call {self.export!r}: argument {i} has unsupported valtype 0x{valtype:02x}")
            if not 0 <= bits < (1 << width):
                raise ValueError(f"Call {self.export!r}: argument {i} bits {bits:#x} do not fit {width} bits")

    def to_dict(self) -> dict[str, Any]:
        return {"export": self.export, "args": [[VALTYPE_NAMES[t], b] for t, b in self.args]}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Call:
        by_name = {name: code for code, name in VALTYPE_NAMES.items()}
        try:
            args = [(by_name[name], int(bits)) for name, bits in data["args"]]
            return cls(str(data["export"]), args)
        except (KeyError, TypeError, ValueError) as exc:
            raise ValueError(f"malformed call record {data!r}: {exc}") from None


@dataclass(slots=True)
class Generated:
    """A generated test case.

    * ``wasm``: the module binary.
    * ``generator``: one of ``GENERATOR_NAMES``.
    * ``config``: JSON-serialisable knobs that, with the raw fuzzer input,
      regenerate exactly this case (and explain it in an artifact).
    * ``canonical_nans``: the module canonicalises every NaN it produces, so
      NaN bits must match exactly; otherwise any two NaNs compare equal.
    * ``calls``: the calls to make in order, or None to let the harness call
      every exported function with arguments of its own choosing.
    """

    wasm: bytes
    generator: str
    config: dict[str, Any] = field(default_factory=dict)
    canonical_nans: bool = False
    calls: list[Call] | None = None

    def __post_init__(self) -> None:
        if self.generator not in GENERATOR_NAMES:
            raise ValueError(f"unknown generator {self.generator!r}; expected one of {GENERATOR_NAMES}")

    def to_dict(self) -> dict[str, Any]:
        """JSON form (the module as hex, so one file holds the whole case)."""
        return {
            "generator": self.generator,
            "config": self.config,
            "canonical_nans": self.canonical_nans,
            "calls": None if self.calls is None else [c.to_dict() for c in self.calls],
            "wasm": self.wasm.hex(),
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Generated:
        try:
            calls = data.get("calls")
            return cls(
                wasm=bytes.fromhex(data["wasm"]),
                generator=str(data["generator"]),
                config=dict(data.get("config") or {}),
                canonical_nans=bool(data.get("canonical_nans", False)),
                calls=None if calls is None else [Call.from_dict(c) for c in calls],
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise ValueError(f"malformed generated-case record: {exc}") from None
