"""Tests of runtime.validate: each rule and its error wording, then the spec testsuite.

Most tests hand-build ``Module`` objects so they exercise the validator alone;
the testsuite and differential tests go through ``runtime.binary.decode_module``
and are skipped (with the reason) when the decoder or the testsuite is missing.
"""
from __future__ import annotations

import json
import random
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from runtime.errors import DecodeError, ValidationError
from runtime.features import Features
from runtime.syntax.ast import Data, Elem, Export, Func, Global, Import, Module, SegmentMode
from runtime.syntax.opcodes import FC, FD, OP
from runtime.syntax.types import (
    BLOCK_EMPTY, EXTERNREF, F32, F64, FUNCREF, I32, I64, V128, ExternKind, FuncSig, GlobalSig,
    Limits, MemorySig, TableSig,
)
from runtime.validate import limits, validate_module

TESTSUITE = Path(__file__).resolve().parents[2] / "shared" / "testsuite" / "wasm-2.0"
WASM_TOOLS = shutil.which("wasm-tools") or str(Path(sys.executable).parent / "wasm-tools")

try:
    from runtime.binary import decode_module
except ImportError:  # the decoder is built by another engineer; only the end-to-end tests need it
    decode_module = None

needs_decoder = pytest.mark.skipif(decode_module is None, reason="runtime.binary.decode_module "
                                   "is not available yet")
needs_wasm_tools = pytest.mark.skipif(not Path(WASM_TOOLS).exists(),
                                      reason="the wasm-tools binary is not installed")

# -- helpers -----------------------------------------------------------------

NO_FEATURES = Features(mutable_global=False, sign_extension=False, saturating_float_to_int=False,
                       multi_value=False, bulk_memory=False, reference_types=False, simd=False)


def i(name: str, imm=None) -> tuple:
    """One instruction by name."""
    return (OP[name], imm)


def fn(params=(), results=(), code=(), locals_=(), **module_fields) -> Module:
    """A module with one function of type params -> results and body ``code`` + end.

    Instruction offsets are 100, 101, ... so tests can check which one failed.
    """
    body = [*code, i("end")]
    module = Module(**module_fields)
    module.types.append(FuncSig(tuple(params), tuple(results)))
    module.funcs.append(Func(len(module.types) - 1, list(locals_), body,
                             list(range(100, 100 + len(body))), offset=90))
    return module


def invalid(module: Module, reason: str, features: Features = Features()) -> ValidationError:
    """Assert that validation fails with a reason starting with the testsuite wording."""
    with pytest.raises(ValidationError) as info:
        validate_module(module, features)
    assert info.value.reason.startswith(reason), info.value.reason
    return info.value


def valid(module: Module, features: Features = Features()) -> None:
    validate_module(module, features)


def c32(v: int = 0) -> tuple:
    return i("i32.const", v)


def g_import(t: int, mutable: bool = False, name: str = "g") -> Import:
    return Import("env", name, ExternKind.GLOBAL, GlobalSig(t, mutable))


# -- operand stack and numeric instructions -----------------------------------

def test_numeric_ok_and_result_type():
    valid(fn((I32, I32), (I32,), [i("local.get", 0), i("local.get", 1), i("i32.add")]))
    valid(fn((), (I32,), [i("f64.const", 0), i("f64.const", 0), i("f64.lt")]))


def test_numeric_operand_mismatch_points_at_the_instruction():
    err = invalid(fn((), (I32,), [c32(), i("i64.const", 0), i("i32.add")]), "type mismatch")
    assert err.offset == 102
    assert "expected i32, found i64" in err.reason


def test_operand_underflow():
    err = invalid(fn((), (I32,), [c32(), i("i32.add")]), "type mismatch")
    assert "nothing on stack" in err.reason


def test_block_cannot_pop_outer_operands():
    invalid(fn((), (I32,), [c32(), i("block", -1), i("i32.eqz"), i("end")]), "type mismatch")


def test_function_results_checked_at_end():
    invalid(fn((), (I32,), []), "type mismatch")
    invalid(fn((), (), [c32()]), "type mismatch")
    invalid(fn((), (I64,), [c32()]), "type mismatch")


def test_drop_needs_an_operand():
    invalid(fn((), (), [i("drop")]), "type mismatch")
    valid(fn((), (), [c32(), i("drop")]))


# -- unreachable polymorphism -----------------------------------------------

def test_unreachable_makes_stack_polymorphic():
    valid(fn((), (I32,), [i("unreachable"), i("i32.add")]))
    valid(fn((), (I32,), [i("unreachable"), i("select")]))
    valid(fn((), (F64,), [i("f64.const", 0), i("return"), i("f64.neg")]))
    valid(fn((), (I32, I64), [i("unreachable"), i("br", 0)]))


def test_unreachable_still_checks_known_operands():
    assert invalid(fn((), (I32,), [i("unreachable"), i("i64.const", 0), i("i32.add")]),
                   "type mismatch").offset == 102
    invalid(fn((), (I32,), [i("unreachable"), i("i64.const", 0)]), "type mismatch")


def test_unknown_value_left_on_stack_is_an_error():
    err = invalid(fn((), (), [i("unreachable"), i("select")]), "type mismatch")
    assert err.offset == 102 and "values remaining" in err.reason


def test_polymorphism_ends_with_the_frame():
    assert invalid(fn((), (), [i("block", BLOCK_EMPTY), i("unreachable"), i("end"), i("i32.eqz"),
                               i("drop")]), "type mismatch").offset == 103


def test_else_resets_reachability():
    code = [c32(), i("if", -1), i("unreachable"), i("else"), i("i32.add"), i("end")]
    assert invalid(fn((), (I32,), code), "type mismatch").offset == 104


# -- blocks, multi-value ----------------------------------------------------

def test_block_results_and_params_by_type_index():
    module = fn((), (I32,), [c32(1), c32(2), i("block", 1), i("i32.add"), i("end")])
    module.types.append(FuncSig((I32, I32), (I32,)))
    valid(module)


def test_block_param_type_mismatch():
    module = fn((), (I32,), [c32(1), i("i64.const", 2), i("block", 1), i("i32.add"), i("end")])
    module.types.append(FuncSig((I32, I32), (I32,)))
    invalid(module, "type mismatch")


def test_block_type_unknown_type_index():
    invalid(fn((), (), [i("block", 7), i("end")]), "unknown type")


def test_multi_value_results_through_blocks_and_br():
    module = fn((), (I32, I64), [i("block", 1), c32(), i("i64.const", 0), i("br", 0), i("end")])
    module.types.append(FuncSig((), (I32, I64)))
    valid(module)


def test_loop_label_carries_params():
    # br to a loop passes the loop's parameters, not its results
    module = fn((), (I64,), [c32(), i("loop", 1), i("drop"), c32(1), i("br", 0), i("end")])
    module.types.append(FuncSig((I32,), (I64,)))
    valid(module)
    module = fn((), (I64,), [c32(), i("loop", 1), i("drop"), i("i64.const", 1), i("br", 0),
                             i("end")])
    module.types.append(FuncSig((I32,), (I64,)))
    invalid(module, "type mismatch")


def test_if_without_else_needs_params_equal_results():
    err = invalid(fn((), (I32,), [c32(), i("if", -1), c32(), i("end")]), "type mismatch")
    assert err.offset == 103 and "without `else`" in err.reason
    module = fn((), (I32,), [c32(5), c32(1), i("if", 1), i("i32.eqz"), i("end")])
    module.types.append(FuncSig((I32,), (I32,)))
    valid(module)


def test_if_needs_i32_condition():
    invalid(fn((), (), [i("i64.const", 0), i("if", BLOCK_EMPTY), i("end")]), "type mismatch")


def test_if_else_both_arms_checked():
    valid(fn((), (I32,), [c32(), i("if", -1), c32(), i("else"), c32(), i("end")]))
    invalid(fn((), (I32,), [c32(), i("if", -1), c32(), i("else"), i("i64.const", 0),
                            i("end")]), "type mismatch")


def test_else_outside_if():
    invalid(fn((), (), [i("block", BLOCK_EMPTY), i("else"), i("end")]), "else found outside")


def test_body_structure():
    module = fn((), (), [])
    module.funcs[0].body = [i("nop")]
    invalid(module, "function body must end with `end`")
    invalid(fn((), (), [i("end"), i("nop")]), "operators remaining after end of function")
    invalid(fn((), (), [i("block", BLOCK_EMPTY)]), "control frames remain")


# -- branches ---------------------------------------------------------------

def test_br_unknown_label():
    invalid(fn((), (), [i("br", 1)]), "unknown label")
    invalid(fn((), (), [c32(), i("br_if", 1)]), "unknown label")
    invalid(fn((), (), [c32(), i("br_table", ((0, 3), 0))]), "unknown label")
    invalid(fn((), (), [c32(), i("br_table", ((), 1))]), "unknown label")


def test_br_if_passes_values_through():
    valid(fn((), (I32,), [c32(1), c32(0), i("br_if", 0)]))
    invalid(fn((), (I32,), [i("i64.const", 1), c32(0), i("br_if", 0)]), "type mismatch")
    invalid(fn((), (), [i("i64.const", 0), i("br_if", 0)]), "type mismatch")


def test_br_table_arity_must_agree():
    code = [i("block", -1), c32(), c32(), i("br_table", ((0, 1), 0)), i("end"), i("drop")]
    err = invalid(fn((), (), code), "type mismatch")
    assert "different number of types" in err.reason


def test_br_table_types_must_match_every_target():
    code = [i("block", -2), c32(), c32(), i("br_table", ((0,), 1)), i("end"), i("drop")]
    invalid(fn((), (I32,), code), "type mismatch")


def test_br_table_in_unreachable_code_with_different_label_types():
    # unknown operands satisfy both an i64 and an i32 label
    code = [i("block", -2), i("unreachable"), i("br_table", ((0,), 1)), i("end"), i("drop"),
            c32()]
    valid(fn((), (I32,), code))
    # ... but a known i32 operand does not fit the i64 label
    code = [i("block", -2), i("unreachable"), c32(), c32(), i("br_table", ((0,), 1)), i("end"),
            i("drop"), c32()]
    invalid(fn((), (I32,), code), "type mismatch")


def test_br_table_selector_must_be_i32():
    invalid(fn((), (), [i("i64.const", 0), i("br_table", ((), 0))]), "type mismatch")


def test_return_checks_function_results():
    valid(fn((), (I32,), [i("block", BLOCK_EMPTY), c32(), i("return"), i("end"), c32()]))
    invalid(fn((), (I32,), [i("f32.const", 0), i("return")]), "type mismatch")


# -- calls ------------------------------------------------------------------

def test_call():
    module = fn((), (I64,), [c32(), i("call", 1)])
    module.types.append(FuncSig((I32,), (I64,)))
    module.funcs.append(Func(1, [], [i("unreachable"), i("end")]))
    valid(module)
    invalid(fn((), (), [i("call", 5)]), "unknown function")


def test_call_imported_function_index_space():
    module = fn((), (), [i("f32.const", 0), i("call", 0)],
                imports=[Import("env", "f", ExternKind.FUNC, 0)])
    module.types.insert(0, FuncSig((F32,), ()))
    module.funcs[0].type_idx = 1
    valid(module)


def test_call_indirect():
    tables = [TableSig(FUNCREF, Limits(1))]
    valid(fn((), (), [c32(), i("call_indirect", (0, 0))], tables=tables))
    invalid(fn((), (), [c32(), i("call_indirect", (0, 0))]), "unknown table")
    invalid(fn((), (), [c32(), i("call_indirect", (3, 0))], tables=tables), "unknown type")
    invalid(fn((), (), [i("call_indirect", (0, 0))], tables=tables), "type mismatch")
    invalid(fn((), (), [c32(), i("call_indirect", (0, 0))],
               tables=[TableSig(EXTERNREF, Limits(1))]), "type mismatch")


# -- parametric -------------------------------------------------------------

def test_untyped_select():
    valid(fn((), (F64,), [i("f64.const", 0), i("f64.const", 1), c32(), i("select")]))
    err = invalid(fn((), (), [i("f64.const", 0), i("f32.const", 1), c32(), i("select"),
                              i("drop")]), "type mismatch")
    assert err.offset == 103
    invalid(fn((), (FUNCREF,), [i("ref.null", FUNCREF), i("ref.null", FUNCREF), c32(),
                                i("select")]), "type mismatch")
    # an unknown operand does not make a reference acceptable
    invalid(fn((FUNCREF,), (FUNCREF,), [i("unreachable"), i("local.get", 0), c32(),
                                        i("select")]), "type mismatch")


def test_typed_select():
    valid(fn((), (FUNCREF,), [i("ref.null", FUNCREF), i("ref.null", FUNCREF), c32(),
                              i("select_t", (FUNCREF,))]))
    invalid(fn((), (I32,), [c32(), c32(), c32(), i("select_t", (I64,))]), "type mismatch")
    invalid(fn((), (), [c32(), c32(), c32(), i("select_t", ())]), "invalid result arity")
    invalid(fn((), (I32, I32), [c32(), c32(), c32(), c32(), c32(), i("select_t", (I32, I32))]),
            "invalid result arity")


# -- variables --------------------------------------------------------------

def test_locals():
    valid(fn((I32,), (F64,), [i("local.get", 1), i("local.tee", 1), i("local.set", 2),
                              i("local.get", 1)], locals_=[(2, F64)]))
    invalid(fn((I32,), (), [i("local.get", 1), i("drop")]), "unknown local")
    invalid(fn((I32,), (), [c32(), i("local.set", 3)]), "unknown local")
    invalid(fn((I32,), (I32,), [c32(), i("local.tee", 9)]), "unknown local")
    invalid(fn((I32,), (), [i("f32.const", 0), i("local.set", 0)]), "type mismatch")
    invalid(fn((), (F32,), [i("i64.const", 0), i("local.tee", 0)], locals_=[(1, F32)]),
            "type mismatch")


def test_globals():
    globals_ = [Global(GlobalSig(I64, True), [i("i64.const", 0)]),
                Global(GlobalSig(I32, False), [c32()])]
    valid(fn((), (I64,), [i("global.get", 0), i("global.set", 0), i("global.get", 0)],
             globals=globals_))
    invalid(fn((), (), [i("global.get", 2), i("drop")], globals=globals_), "unknown global")
    invalid(fn((), (), [c32(), i("global.set", 2)], globals=globals_), "unknown global")
    invalid(fn((), (), [c32(), i("global.set", 1)], globals=globals_), "global is immutable")
    invalid(fn((), (), [c32(), i("global.set", 0)], globals=globals_), "type mismatch")
    invalid(fn((), (), [c32(), i("global.set", 0)], imports=[g_import(I32)]),
            "global is immutable")


# -- memory -----------------------------------------------------------------

MEM = [MemorySig(Limits(1))]


def test_loads_and_stores():
    valid(fn((), (I64,), [c32(), i("i64.load", (3, 0))], mems=MEM))
    valid(fn((), (), [c32(), i("f32.const", 0), i("f32.store", (2, 8))], mems=MEM))
    invalid(fn((), (I64,), [c32(), i("i64.load", (3, 0))]), "unknown memory")
    invalid(fn((), (), [c32(), c32(), i("i32.store8", (0, 0))]), "unknown memory")
    invalid(fn((), (), [c32(), i("i64.const", 0), i("i32.store", (2, 0))], mems=MEM),
            "type mismatch")
    invalid(fn((), (), [i("i64.const", 0), i("i32.load", (2, 0)), i("drop")], mems=MEM),
            "type mismatch")


def test_alignment():
    err = invalid(fn((), (I64,), [c32(), i("i64.load32_u", (3, 0))], mems=MEM),
                  "alignment must not be larger than natural")
    assert err.offset == 101
    valid(fn((), (I64,), [c32(), i("i64.load32_u", (2, 0))], mems=MEM))
    invalid(fn((), (), [c32(), c32(), i("i32.store16", (2, 0))], mems=MEM),
            "alignment must not be larger than natural")


def test_memory_instructions_need_memory():
    invalid(fn((), (I32,), [i("memory.size")]), "unknown memory")
    invalid(fn((), (I32,), [c32(), i("memory.grow")]), "unknown memory")
    invalid(fn((), (), [c32(), c32(), c32(), i("memory.fill")]), "unknown memory")
    invalid(fn((), (), [c32(), c32(), c32(), i("memory.copy")]), "unknown memory")
    valid(fn((), (I32,), [c32(), i("memory.grow"), i("memory.size"), i("i32.add")], mems=MEM))
    invalid(fn((), (), [c32(), c32(), i("i64.const", 0), i("memory.fill")], mems=MEM),
            "type mismatch")


def test_memory_init_and_data_drop():
    datas = [Data(SegmentMode.PASSIVE, b"ab")]
    valid(fn((), (), [c32(), c32(), c32(), i("memory.init", 0), i("data.drop", 0)],
             mems=MEM, datas=datas, data_count=1))
    invalid(fn((), (), [i("data.drop", 0)], datas=datas), "data count section required")
    invalid(fn((), (), [i("data.drop", 1)], datas=datas, data_count=1), "unknown data segment")
    invalid(fn((), (), [c32(), c32(), c32(), i("memory.init", 0)], datas=datas, data_count=1),
            "unknown memory")
    invalid(fn((), (), [c32(), c32(), c32(), i("memory.init", 4)], mems=MEM, datas=datas,
               data_count=1), "unknown data segment")


# -- references and tables ----------------------------------------------------

def test_ref_func_must_be_declared():
    invalid(fn((), (), [i("ref.func", 0), i("drop")]), "undeclared function reference")
    invalid(fn((), (), [i("ref.func", 3), i("drop")]), "unknown function")
    # the start function does not declare a reference
    invalid(fn((), (), [i("ref.func", 0), i("drop")], start=0), "undeclared function reference")


@pytest.mark.parametrize("declare", ["export", "elem", "declarative", "global"])
def test_ref_func_declared_by(declare):
    fields = {
        "export": {"exports": [Export("f", ExternKind.FUNC, 0)]},
        "elem": {"tables": [TableSig(FUNCREF, Limits(1))],
                 "elems": [Elem(SegmentMode.ACTIVE, FUNCREF, [[i("ref.func", 0)]], 0, [c32()])]},
        "declarative": {"elems": [Elem(SegmentMode.DECLARATIVE, FUNCREF, [[i("ref.func", 0)]])]},
        "global": {"globals": [Global(GlobalSig(FUNCREF, False), [i("ref.func", 0)])]},
    }[declare]
    valid(fn((), (), [i("ref.func", 0), i("drop")], **fields))


def test_ref_null_and_is_null():
    valid(fn((), (I32,), [i("ref.null", EXTERNREF), i("ref.is_null")]))
    invalid(fn((), (I32,), [c32(), i("ref.is_null")]), "type mismatch")
    valid(fn((), (I32,), [i("unreachable"), i("ref.is_null")]))
    invalid(fn((), (FUNCREF,), [i("ref.null", EXTERNREF)]), "type mismatch")


def test_table_instructions():
    tables = [TableSig(FUNCREF, Limits(1)), TableSig(EXTERNREF, Limits(1))]
    valid(fn((EXTERNREF,), (I32,), [
        c32(), i("table.get", 0), i("drop"),
        c32(), i("local.get", 0), i("table.set", 1),
        i("local.get", 0), c32(), i("table.grow", 1), i("drop"),
        c32(), i("local.get", 0), c32(), i("table.fill", 1),
        i("table.size", 0)], tables=tables))
    invalid(fn((), (), [c32(), i("table.get", 2), i("drop")], tables=tables), "unknown table")
    invalid(fn((), (I32,), [i("table.size", 5)], tables=tables), "unknown table")
    invalid(fn((), (), [c32(), i("ref.null", FUNCREF), i("table.set", 1)], tables=tables),
            "type mismatch")
    invalid(fn((), (I32,), [i("ref.null", FUNCREF), c32(), i("table.grow", 1)], tables=tables),
            "type mismatch")
    invalid(fn((), (), [c32(), i("ref.null", EXTERNREF), c32(), i("table.fill", 0)],
               tables=tables), "type mismatch")


def test_table_copy_and_init():
    tables = [TableSig(FUNCREF, Limits(1)), TableSig(EXTERNREF, Limits(1))]
    elems = [Elem(SegmentMode.PASSIVE, FUNCREF, [[i("ref.null", FUNCREF)]]),
             Elem(SegmentMode.PASSIVE, EXTERNREF, [])]
    three = [c32(), c32(), c32()]
    valid(fn((), (), [*three, i("table.copy", (1, 1)), *three, i("table.init", (0, 0)),
                      i("elem.drop", 1)], tables=tables, elems=elems))
    invalid(fn((), (), [*three, i("table.copy", (0, 1))], tables=tables), "type mismatch")
    invalid(fn((), (), [*three, i("table.copy", (0, 2))], tables=tables), "unknown table")
    invalid(fn((), (), [*three, i("table.init", (1, 0))], tables=tables, elems=elems),
            "type mismatch")
    invalid(fn((), (), [*three, i("table.init", (2, 0))], tables=tables, elems=elems),
            "unknown elem segment")
    invalid(fn((), (), [i("elem.drop", 2)], elems=elems), "unknown elem segment")


# -- module level -------------------------------------------------------------

def test_constant_expressions():
    def g(t, *init, imports=()):
        return Module(globals=[Global(GlobalSig(t, False), list(init), offset=7)],
                      imports=list(imports))
    valid(g(I32, c32(1)))
    valid(g(F64, i("global.get", 0), imports=[g_import(F64)]))
    valid(g(FUNCREF, i("ref.null", FUNCREF)))
    err = invalid(g(I32, c32(1), c32(2), i("i32.add")), "constant expression required")
    assert err.offset == 7
    invalid(g(I32, i("nop")), "constant expression required")
    invalid(g(I32, i("global.get", 0), imports=[g_import(I32, mutable=True)]),
            "constant expression required")
    invalid(g(I32), "type mismatch")
    invalid(g(I32, c32(), c32()), "type mismatch")
    invalid(g(I32, i("i64.const", 0)), "type mismatch")
    invalid(g(I32, i("global.get", 1), imports=[g_import(I32)]), "unknown global")
    invalid(g(I32, i("ref.func", 0)), "unknown function")


def test_global_get_of_defined_global_is_not_constant_in_wasm2():
    module = Module(globals=[Global(GlobalSig(I32, False), [c32()]),
                             Global(GlobalSig(I32, False), [i("global.get", 0)])])
    invalid(module, "unknown global")


def test_memory_limits():
    invalid(Module(mems=[MemorySig(Limits(0)), MemorySig(Limits(0))]), "multiple memories")
    invalid(Module(mems=[MemorySig(Limits(0))],
                   imports=[Import("e", "m", ExternKind.MEMORY, MemorySig(Limits(0)))]),
            "multiple memories")
    invalid(Module(mems=[MemorySig(Limits(2, 1))]),
            "size minimum must not be greater than maximum")
    invalid(Module(mems=[MemorySig(Limits(65537))]),
            "memory size must be at most 65536 pages (4GiB)")
    invalid(Module(mems=[MemorySig(Limits(0, 0x1_0000_0000))]),
            "memory size must be at most 65536 pages (4GiB)")
    valid(Module(mems=[MemorySig(Limits(65536, 65536))]))


def test_table_limits():
    valid(Module(tables=[TableSig(FUNCREF, Limits(0, 0xFFFF_FFFF))]))
    invalid(Module(tables=[TableSig(FUNCREF, Limits(0xFFFF_FFFF, 0))]),
            "size minimum must not be greater than maximum")
    # huge minimums validate (as in wasmparser); allocation refuses them at instantiation
    valid(Module(tables=[TableSig(FUNCREF, Limits(0xFFFF_FFFF))]))


def test_exports():
    module = fn((), (), [], exports=[Export("a", ExternKind.FUNC, 0),
                                     Export("a", ExternKind.FUNC, 0)])
    invalid(module, "duplicate export name")
    invalid(fn((), (), [], exports=[Export("a", ExternKind.FUNC, 1)]), "unknown function")
    invalid(Module(exports=[Export("t", ExternKind.TABLE, 0)]), "unknown table")
    invalid(Module(exports=[Export("m", ExternKind.MEMORY, 0)]), "unknown memory")
    invalid(Module(exports=[Export("g", ExternKind.GLOBAL, 0)]), "unknown global")


def test_start_function():
    valid(fn((), (), [], start=0))
    invalid(fn((I32,), (), [], start=0), "start function")
    invalid(fn((), (I32,), [c32()], start=0), "start function")
    invalid(fn((), (), [], start=1), "unknown function")


def test_imports_and_function_types():
    invalid(Module(imports=[Import("e", "f", ExternKind.FUNC, 0)]), "unknown type")
    module = fn((), (), [])
    module.funcs[0].type_idx = 4
    invalid(module, "unknown type")


def test_elem_segments():
    table = [TableSig(FUNCREF, Limits(1))]
    def seg(**kw):
        return Elem(**{"mode": SegmentMode.ACTIVE, "elem_type": FUNCREF, "init": [],
                       "table": 0, "offset_expr": [c32()], **kw})
    valid(Module(tables=table, elems=[seg(init=[[i("ref.null", FUNCREF)]])]))
    invalid(Module(elems=[seg()]), "unknown table")
    invalid(Module(tables=table, elems=[seg(offset_expr=[i("i64.const", 0)])]), "type mismatch")
    invalid(Module(tables=table, elems=[seg(offset_expr=[c32(), i("i32.eqz")])]),
            "constant expression required")
    invalid(Module(tables=table, elems=[seg(elem_type=EXTERNREF)]), "type mismatch")
    invalid(Module(tables=table, elems=[seg(init=[[i("ref.null", EXTERNREF)]])]),
            "type mismatch")
    invalid(Module(tables=table, elems=[seg(init=[[i("ref.func", 0)]])]), "unknown function")


def test_data_segments():
    def seg(**kw):
        return Data(**{"mode": SegmentMode.ACTIVE, "init": b"x", "offset_expr": [c32()], **kw})
    valid(Module(mems=MEM, datas=[seg()]))
    invalid(Module(datas=[seg()]), "unknown memory")
    invalid(Module(mems=MEM, datas=[seg(memory=1)]), "unknown memory")
    invalid(Module(mems=MEM, datas=[seg(offset_expr=[i("f32.const", 0)])]), "type mismatch")
    invalid(Module(mems=MEM, datas=[seg(offset_expr=[c32(), c32(), i("i32.add")])]),
            "constant expression required")
    invalid(Module(mems=MEM, datas=[seg()], data_count=2),
            "data count and data section have inconsistent lengths")


# -- feature flags ------------------------------------------------------------

def test_mvp_module_with_every_feature_off():
    valid(fn((I32,), (I32,), [i("local.get", 0), c32(1), i("i32.add")]), NO_FEATURES)


SIMD_ON = Features(simd=True)


# (module, features that reject it, reason, features that accept it or None)
@pytest.mark.parametrize("module, features, reason, enabled", [
    (fn((V128,), ()), Features(), "SIMD support is not enabled", SIMD_ON),
    (fn((), (), locals_=[(1, V128)]), Features(), "SIMD support is not enabled", SIMD_ON),
    (fn((), (), [(FD | 12, b"\0" * 16), i("drop")]), Features(), "SIMD support is not enabled",
     None),
    (fn((), (I32, I32), [c32(), c32()]), Features(multi_value=False), "func type returns",
     Features()),
    (fn((), (), [c32(), i("block", 0), i("drop"), i("end")], types=[FuncSig((I32,), ())]),
     Features(multi_value=False), "blocks, loops, and ifs", Features()),
    # even a [] -> [] type index: MVP block types cannot name the type section
    (fn((), (), [i("loop", 0), i("end")]), Features(multi_value=False), "blocks, loops, and ifs",
     Features()),
    (fn((EXTERNREF,), ()), Features(reference_types=False), "reference types support",
     Features()),
    (fn((), (I32,), [i("table.size", 0)], tables=[TableSig(FUNCREF, Limits(0))]),
     Features(reference_types=False), "reference types support", Features()),
    (fn((), (), [i("ref.null", FUNCREF), i("drop")]), Features(reference_types=False),
     "reference types support", Features()),
    (fn((), (), [c32(), c32(), c32(), i("select_t", (I32,)), i("drop")]),
     Features(reference_types=False), "reference types support", Features()),
    (Module(tables=[TableSig(FUNCREF, Limits(0))] * 2), Features(reference_types=False),
     "multiple tables", Features()),
    (Module(tables=[TableSig(EXTERNREF, Limits(0))]), Features(reference_types=False),
     "reference types support", Features()),
    (Module(elems=[Elem(SegmentMode.DECLARATIVE, FUNCREF, [])]),
     Features(bulk_memory=False), "bulk memory support", Features(reference_types=False)),
    (fn((), (), [c32(), c32(), c32(), i("memory.fill")], mems=MEM),
     Features(bulk_memory=False), "bulk memory support", Features()),
    (Module(mems=MEM, datas=[Data(SegmentMode.PASSIVE, b"")]), Features(bulk_memory=False),
     "bulk memory support", Features()),
    (Module(elems=[Elem(SegmentMode.PASSIVE, FUNCREF, [])]), Features(bulk_memory=False),
     "bulk memory support", Features()),
    (Module(tables=[TableSig(FUNCREF, Limits(1))],
            elems=[Elem(SegmentMode.ACTIVE, FUNCREF, [[i("ref.null", FUNCREF)]], 0, [c32()])]),
     Features(bulk_memory=False), "bulk memory support", Features()),
    (Module(tables=[TableSig(FUNCREF, Limits(1))],
            elems=[Elem(SegmentMode.ACTIVE, FUNCREF, [[i("ref.null", FUNCREF)]], 0, [c32()])]),
     Features(reference_types=False), "reference types support", Features()),
    (Module(data_count=0), Features(bulk_memory=False), "bulk memory support", Features()),
    (fn((), (I32,), [c32(), i("i32.extend8_s")]), Features(sign_extension=False),
     "sign extension operations support", Features()),
    (fn((), (I32,), [i("f32.const", 0), (FC | 0, None)]),
     Features(saturating_float_to_int=False), "saturating float to int", Features()),
    (Module(imports=[g_import(I32, mutable=True)]), Features(mutable_global=False),
     "mutable global support", Features()),
    (Module(globals=[Global(GlobalSig(I32, True), [c32()])],
            exports=[Export("g", ExternKind.GLOBAL, 0)]), Features(mutable_global=False),
     "mutable global support", Features()),
])
def test_disabled_feature(module, features, reason, enabled):
    invalid(module, reason, features)
    if enabled is not None:
        valid(module, enabled)


def test_v128_allowed_with_simd():
    valid(fn((V128,), (V128,), [i("local.get", 0)]), Features(simd=True))
    valid(fn((V128,), (V128,), [i("local.get", 0), i("local.get", 0), c32(), i("select")]),
          Features(simd=True))


# -- implementation limits ----------------------------------------------------

def test_too_many_locals_counts_params():
    valid(fn((I32,), (), locals_=[(limits.MAX_FUNCTION_LOCALS - 1, I64)]))
    invalid(fn((I32,), (), locals_=[(limits.MAX_FUNCTION_LOCALS, I64)]), "too many locals")
    # a count of 2**32-1 is refused without materialising the locals
    invalid(fn((), (), locals_=[(0xFFFF_FFFF, I32), (0xFFFF_FFFF, I32)]), "too many locals")


def test_function_type_size_limits():
    valid(Module(types=[FuncSig((I32,) * limits.MAX_FUNCTION_PARAMS, ())]))
    invalid(Module(types=[FuncSig((I32,) * (limits.MAX_FUNCTION_PARAMS + 1), ())]),
            "function params size is out of bounds")
    invalid(Module(types=[FuncSig((), (I32,) * (limits.MAX_FUNCTION_RETURNS + 1))]),
            "function returns size is out of bounds")


@pytest.mark.parametrize("field, limit, item, what", [
    ("types", "MAX_TYPES", FuncSig((), ()), "types"),
    ("funcs", "MAX_FUNCTIONS", Func(0), "functions"),
    ("globals", "MAX_GLOBALS", Global(GlobalSig(I32, False), [c32()]), "globals"),
    ("datas", "MAX_DATA_SEGMENTS", Data(SegmentMode.PASSIVE, b""), "data segments"),
    ("elems", "MAX_ELEMENT_SEGMENTS", Elem(SegmentMode.PASSIVE, FUNCREF, []), "element segments"),
    ("exports", "MAX_EXPORTS", Export("x", ExternKind.FUNC, 0), "exports"),
    ("imports", "MAX_IMPORTS", g_import(I32), "imports"),
])
def test_section_count_limits(monkeypatch, field, limit, item, what):
    monkeypatch.setattr(limits, limit, 3)
    invalid(Module(**{field: [item] * 4}), f"{what} count of 4 exceeds limit of 3")


def test_long_names_are_rejected():
    name = "é" * (limits.MAX_STRING_SIZE // 2 + 1)  # two UTF-8 bytes each
    invalid(fn((), (), [], exports=[Export(name, ExternKind.FUNC, 0)]), "export 0 name of")


# -- end to end: the spec testsuite and wasm-tools ------------------------------

def _wast_files() -> list[Path]:
    if not TESTSUITE.is_dir():
        return []
    return sorted(p for p in TESTSUITE.glob("*.wast") if not p.name.startswith("simd"))


def _wast_to_json(wast: Path, out: Path) -> dict:
    subprocess.run([WASM_TOOLS, "json-from-wast", str(wast), "-o", str(out / "out.json"),
                    "--wasm-dir", str(out)], check=True, capture_output=True)
    return json.loads((out / "out.json").read_text())


#: testsuite files whose commands hold no valid or invalid binary module
_NO_BINARY_MODULES = {"obsolete-keywords", "utf8-custom-section-id", "utf8-import-field",
                      "utf8-import-module", "utf8-invalid-encoding"}


def test_testsuite_is_present():
    if not TESTSUITE.is_dir():
        pytest.skip(f"spec testsuite not found at {TESTSUITE}")
    assert len(_wast_files()) == 90


@needs_decoder
@needs_wasm_tools
@pytest.mark.parametrize("wast", _wast_files(), ids=lambda p: p.stem)
def test_spec_testsuite(wast, tmp_path):
    """assert_invalid modules fail with the expected reason; other binary modules validate."""
    checked = 0
    for cmd in _wast_to_json(wast, tmp_path)["commands"]:
        kind = cmd["type"]
        if cmd.get("module_type") != "binary" or kind not in (
                "module", "assert_invalid", "assert_unlinkable", "assert_uninstantiable"):
            continue
        where = f"{wast.name}:{cmd['line']}"
        module = decode_module((tmp_path / cmd["filename"]).read_bytes())
        try:
            validate_module(module)
        except ValidationError as e:
            assert kind == "assert_invalid", f"{where}: valid module rejected: {e}"
            assert e.reason.startswith(cmd["text"]), f"{where}: {e.reason!r} is not {cmd['text']!r}"
        else:
            assert kind != "assert_invalid", f"{where}: invalid module accepted ({cmd['text']})"
        checked += 1
    assert checked or wast.stem in _NO_BINARY_MODULES, f"{wast.name}: nothing checked"


def _wat(text: str) -> bytes:
    return subprocess.run([WASM_TOOLS, "parse", "-"], input=text.encode(), check=True,
                          capture_output=True).stdout


@needs_decoder
@needs_wasm_tools
def test_offsets_match_wasm_tools():
    """The reported offset is the offending instruction's, as wasmparser reports it."""
    wasm = _wat("(module (memory 1) (func (result i32) i32.const 0 i64.load align=16 "
                "drop i32.const 1))")
    ref = subprocess.run([WASM_TOOLS, "validate", "-"], input=wasm, capture_output=True)
    ref_offset = int(re.search(r"at offset 0x([0-9a-f]+)", ref.stderr.decode()).group(1), 16)
    with pytest.raises(ValidationError) as info:
        validate_module(decode_module(wasm))
    assert info.value.offset == ref_offset


_SMITH = [WASM_TOOLS, "smith", "-t", "--simd-enabled", "false", "--gc-enabled", "false",
          "--exceptions-enabled", "false", "--tail-call-enabled", "false",
          "--threads-enabled", "false", "--memory64-enabled", "false",
          "--custom-page-sizes-enabled", "false", "--wide-arithmetic-enabled", "false",
          "--extended-const-enabled", "false", "--relaxed-simd-enabled", "false",
          "--compact-imports-enabled", "false", "--max-memories", "1"]


def _mutate(lines: list[str], rng: random.Random) -> list[str]:
    """Delete, duplicate or swap a line, or change a value type: mostly invalid modules."""
    lines = list(lines)
    k = rng.randrange(len(lines))
    choice = rng.randrange(4)
    if choice == 0:
        del lines[k]
    elif choice == 1:
        lines.insert(rng.randrange(len(lines)), lines[k])
    elif choice == 2:
        j = rng.randrange(len(lines))
        lines[k], lines[j] = lines[j], lines[k]
    else:
        lines[k] = re.sub(r"\b(i32|i64|f32|f64)\b", lambda _: rng.choice(["i32", "i64", "f64"]),
                          lines[k], count=1)
    return lines


@needs_decoder
@needs_wasm_tools
@pytest.mark.parametrize("seed", range(15))
def test_agrees_with_wasmparser_on_mutated_modules(seed):
    """Differential check: our verdict equals `wasm-tools validate --features wasm2`."""
    rng = random.Random(seed)
    smith = subprocess.run(_SMITH, input=rng.randbytes(1500), capture_output=True)
    if smith.returncode:
        pytest.skip("wasm-smith rejected this seed")
    lines = smith.stdout.decode().splitlines()
    parsed = subprocess.run([WASM_TOOLS, "parse", "-"], capture_output=True,
                            input="\n".join(_mutate(lines, rng) if seed % 5 else lines).encode())
    if parsed.returncode:
        pytest.skip("the mutation broke the text syntax")
    wasm = parsed.stdout
    ref = subprocess.run([WASM_TOOLS, "validate", "--features", "wasm2,-simd,-multi-memory", "-"],
                         input=wasm, capture_output=True)
    try:
        module = decode_module(wasm)
    except DecodeError:
        assert ref.returncode != 0
        return
    try:
        validate_module(module)
        ours = None
    except ValidationError as e:
        ours = e
    assert (ours is None) == (ref.returncode == 0), (ours, ref.stderr.decode())
