"""The ``spectest`` host module every spec script may import from.

Its contents are fixed by the spec interpreter: print functions of several
signatures, four immutable globals holding 666 / 666.6, a 10..20 funcref table
and a 1..2 page memory.  The print functions do nothing: what they print is not
part of any assertion, and silence keeps the report readable.
"""
from __future__ import annotations

from typing import Any

SPECTEST = "spectest"


def _ignore(*_args: Any) -> None:
    """Body of the spectest print functions (output is not asserted on)."""


def define_spectest(api: Any, store: Any, linker: Any) -> None:
    """Define every ``spectest`` export in ``linker``, owned by ``store``."""
    i32, i64, f32, f64 = api.ValType.i32(), api.ValType.i64(), api.ValType.f32(), api.ValType.f64()
    prints = {
        "print": [],
        "print_i32": [i32],
        "print_i64": [i64],
        "print_f32": [f32],
        "print_f64": [f64],
        "print_i32_f32": [i32, f32],
        "print_f64_f64": [f64, f64],
    }
    for name, params in prints.items():
        linker.define(store, SPECTEST, name, api.Func(store, api.FuncType(params, []), _ignore))
    constants = {
        "global_i32": (i32, api.Val.i32(666)),
        "global_i64": (i64, api.Val.i64(666)),
        "global_f32": (f32, api.Val.f32(666.6)),
        "global_f64": (f64, api.Val.f64(666.6)),
    }
    for name, (valtype, value) in constants.items():
        linker.define(store, SPECTEST, name, api.Global(store, api.GlobalType(valtype, False), value))
    table_type = api.TableType(api.ValType.funcref(), api.Limits(10, 20))
    linker.define(store, SPECTEST, "table", api.Table(store, table_type, api.Val.funcref(None)))
    linker.define(store, SPECTEST, "memory", api.Memory(store, api.MemoryType(api.Limits(1, 2))))
