"""The wasmtime-py-shaped WASI API: WasiConfig, Store.set_wasi, Linker.define_wasi, ExitTrap."""
from __future__ import annotations

import os
import struct
from pathlib import Path

import pytest
import wasmtime

import runtime as rt
from runtime.wasi.abi import SIGNATURES
from runtime.wasi.inohash import guest_ino, siphash13
from runtime.wasi.preview1 import Preview1
from wasi_support import Session, all_imports_wat


def test_every_import_is_implemented() -> None:
    assert len(SIGNATURES) == 46
    assert all(callable(getattr(Preview1, name, None)) for name in SIGNATURES)


def test_siphash13_known_vector() -> None:
    # Rust: DefaultHasher::new() over nothing, then over write_u64(0) twice
    assert siphash13(b"") == 0xD1FBA762150C532C
    assert guest_ino(0, 0) == siphash13(bytes(16))


def test_inode_hash_matches_wasmtime_on_the_same_directory(tmp_path: Path) -> None:
    values = []
    for mod in (rt, wasmtime):
        cfg = mod.WasiConfig()
        cfg.preopen_dir(str(tmp_path), "/d")
        eng = mod.Engine()
        store = mod.Store(eng)
        store.set_wasi(cfg)
        linker = mod.Linker(eng)
        linker.define_wasi()
        inst = linker.instantiate(store, mod.Module(eng, all_imports_wat()))
        assert inst.exports(store)["fd_filestat_get"](store, 3, 64) == 0
        mem = inst.exports(store)["memory"]
        values.append(struct.unpack("<QQ", bytes(mem.read(store, 64, 80))))
    assert values[0] == values[1]
    st = os.stat(tmp_path)
    assert values[0] == (1, guest_ino(st.st_dev, st.st_ino))


def test_config_errors(tmp_path: Path) -> None:
    cfg = rt.WasiConfig()
    with pytest.raises(rt.WasmError):
        cfg.preopen_dir(str(tmp_path / "missing"), "x")
    with pytest.raises(rt.WasmError):
        cfg.stdin_file = str(tmp_path / "missing")
    with pytest.raises(rt.WasmError):
        cfg.stdout_file = str(tmp_path / "no" / "such" / "dir")
    with pytest.raises(TypeError):
        rt.Store(rt.Engine()).set_wasi(object())
    cfg.argv = ["a", b"b"]
    cfg.env = [("K", "V")]
    assert cfg.argv == ["a", "b"] and cfg.env == [("K", "V")]
    cfg.preopen_dir(str(tmp_path), "ro", rt.DirPerms.READ_ONLY, rt.FilePerms.READ_ONLY)


WAT_NO_MEMORY = """(module
  (import "wasi_snapshot_preview1" "sched_yield" (func $y (result i32)))
  (func (export "y") (result i32) call $y))"""


def test_missing_memory_and_missing_context_trap() -> None:
    eng = rt.Engine()
    linker = rt.Linker(eng)
    linker.define_wasi()
    module = rt.Module(eng, WAT_NO_MEMORY)
    store = rt.Store(eng)
    inst = linker.instantiate(store, module)
    with pytest.raises(rt.Trap, match="set_wasi"):
        inst.exports(store)["y"](store)
    store = rt.Store(eng)
    store.set_wasi(rt.WasiConfig())
    inst = linker.instantiate(store, module)
    with pytest.raises(rt.Trap, match="memory export"):
        inst.exports(store)["y"](store)


def test_proc_exit_raises_exit_trap_with_code() -> None:
    s = Session("runtime")
    try:
        with pytest.raises(rt.ExitTrap) as info:
            s.exports["proc_exit"](s.store, 17)
        assert info.value.code == 17 and isinstance(info.value, rt.Trap)
    finally:
        s.close()


def test_out_of_bounds_pointer_traps_with_memory_code() -> None:
    s = Session("runtime")
    try:
        with pytest.raises(rt.Trap) as info:
            s.exports["args_sizes_get"](s.store, 65536, 0)
        assert info.value.trap_code == rt.TrapCode.MEMORY_OUT_OF_BOUNDS
    finally:
        s.close()


def test_descriptors_live_in_the_resource_table() -> None:
    s = Session("runtime")
    try:
        table = s.store._wasi.table
        before = table.len()
        s.write(1024, b"f.txt")
        assert s.call("path_open", 3, 0, 1024, 5, 0, 2, 0, 0, 64) == ("ok", 0)
        assert table.len() == before + 1
        assert s.call("fd_close", s.u32(64)) == ("ok", 0)
        assert table.len() == before
    finally:
        s.close()


def test_poll_waits_for_a_real_timer() -> None:
    import time
    s = Session("runtime")
    try:
        for i, timeout in enumerate((30_000_000, 80_000_000)):
            s.write(2048 + 48 * i, struct.pack("<QB7xIIQQH6x", i + 1, 0, 1, 0, timeout, 0, 0))
        start = time.monotonic()
        assert s.call("poll_oneoff", 2048, 4096, 2, 64) == ("ok", 0)
        elapsed = time.monotonic() - start
        assert s.u32(64) == 1 and s.u64(4096) == 1          # only the 30 ms timer fired
        assert 0.025 <= elapsed < 0.075
    finally:
        s.close()
