"""Generated code never refers to another section through a 32-bit offset.

llvmlite's LLJIT links objects with RuntimeDyld, which maps each section on
its own; a 32-bit PC-relative relocation from code to a constant pool or to
another function can then be out of range, and LLVM aborts the process while
linking (the differential fuzzer hit this with the small code model after some
thousand modules in one worker).  Whether it happens depends on where the
memory manager places sections, so the test looks at the cause instead: the
relocations in the object files the JIT emits, at every opt level.
"""
from __future__ import annotations

import struct

import pytest

import runtime as rt
from runtime.binary.module import decode_module
from runtime.jit.backend import emit_object
from runtime.jit.compiler import ModuleCompiler
from runtime.jit.function import CodegenOptions

#: x86-64 relocation types that hold a 32-bit value (PC32, PLT32, GOTPCREL, 32, 32S, GOTPCRELX, REX_GOTPCRELX)
REL32 = {2: "R_X86_64_PC32", 4: "R_X86_64_PLT32", 9: "R_X86_64_GOTPCREL", 10: "R_X86_64_32",
         11: "R_X86_64_32S", 41: "R_X86_64_GOTPCRELX", 42: "R_X86_64_REX_GOTPCRELX"}
SHT_RELA = 4

# float constants (constant pools), calls, call_indirect, a table, memory, globals, multi-value, SIMD
WAT = """(module
  (type $t (func (param f64) (result f64)))
  (table 2 funcref) (elem (i32.const 0) $half $sq)
  (memory 1) (global $g (mut f64) (f64.const 1.5))
  (func $half (type $t) local.get 0 f64.const 0.5 f64.mul)
  (func $sq (type $t) local.get 0 local.get 0 f64.mul)
  (func (export "f") (param f64 i32) (result f64 f32 v128)
    local.get 0 call $half local.get 1 call_indirect (type $t) global.get $g f64.add
    f32.const 3.25 f32.sqrt
    v128.const f32x4 1.5 2.5 3.5 4.5 i32.const 0 v128.load f32x4.mul))"""


def _rela_types(obj: bytes) -> dict[str, set[int]]:
    """Relocation types per relocation section of a 64-bit little-endian ELF object."""
    shoff, = struct.unpack_from("<Q", obj, 0x28)
    shentsize, shnum, shstrndx = struct.unpack_from("<HHH", obj, 0x3A)
    headers = [struct.unpack_from("<IIQQQQIIQQ", obj, shoff + i * shentsize) for i in range(shnum)]
    names_off = headers[shstrndx][4]

    def name(h) -> str:
        start = names_off + h[0]
        return obj[start:obj.index(b"\0", start)].decode()

    out: dict[str, set[int]] = {}
    for h in headers:
        if h[1] == SHT_RELA:
            offset, size, entsize = h[4], h[5], h[9]
            out[name(h)] = {struct.unpack_from("<Q", obj, offset + k + 8)[0] & 0xFFFFFFFF
                            for k in range(0, size, entsize)}
    return out


@pytest.mark.parametrize("opt", [0, 1, 2, 3])
def test_code_refers_to_other_sections_with_64_bit_relocations(opt: int):
    module = decode_module(rt.wat2wasm(WAT))
    text = ModuleCompiler(module, CodegenOptions(fuel=True)).build()
    relocations = _rela_types(emit_object(text, opt))
    code = {sec: types for sec, types in relocations.items() if sec.startswith((".rela.text", ".rela.ltext"))}
    assert code, f"no code relocations to check: {sorted(relocations)}"
    narrow = {sec: sorted(REL32[t] for t in types if t in REL32) for sec, types in code.items()}
    assert not any(narrow.values()), f"32-bit relocations in code: {narrow}"
