"""Which WebAssembly proposals are switched on, as one immutable value.

The validator consults it (a disabled proposal's instructions are invalid) and
the compiled-code cache keys on it, so it is frozen and hashable.
"""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Features:
    mutable_global: bool = True
    sign_extension: bool = True
    saturating_float_to_int: bool = True
    multi_value: bool = True
    bulk_memory: bool = True
    reference_types: bool = True
    simd: bool = False
