"""Shared harness of the WASI tests: one module importing every preview1 function.

``Session`` instantiates that module under either engine (``runtime`` or
``wasmtime``: their APIs have the same shape) with a fresh sandbox directory,
calls imports one by one and reports each outcome as a comparable value:
``("ok", errno_or_None)``, ``("exit", code)`` or ``("trap",)``.  Conformance
tests run the same script of calls on both engines and compare outcomes, guest
memory and the sandbox's files.
"""
from __future__ import annotations

import shutil
import tempfile
from pathlib import Path
from typing import Any, Callable

import wasmtime

import runtime as rt
from fuzzrt.campaign.targets import wasi_syscalls
from runtime.wasi.abi import MODULE, SIGNATURES, WIDE_KINDS

ENGINES = {"runtime": rt, "wasmtime": wasmtime}


def all_imports_wat(pages: int = 1) -> str:
    """A module that re-exports every preview1 import under its own name."""
    lines = ["(module"]
    for name, (kinds, has_result) in SIGNATURES.items():
        params = " ".join("i64" if k in WIDE_KINDS else "i32" for k in kinds)
        result = "(result i32)" if has_result else ""
        lines.append(f'  (import "{MODULE}" "{name}" (func ${name} (param {params}) {result}))')
    lines.append(f'  (memory (export "memory") {pages})')
    for name, (kinds, has_result) in SIGNATURES.items():
        params = " ".join("i64" if k in WIDE_KINDS else "i32" for k in kinds)
        result = "(result i32)" if has_result else ""
        gets = " ".join(f"local.get {i}" for i in range(len(kinds)))
        lines.append(f'  (func (export "{name}") (param {params}) {result} {gets} call ${name})')
    lines.append(")")
    return "\n".join(lines)


_WAT_CACHE: dict[int, str] = {}


def populate(root: Path) -> None:
    """The starting contents of every sandbox: the wasi-syscalls target's tree plus an empty file."""
    wasi_syscalls.populate(root)
    (root / "empty").write_bytes(b"")


#: files, directories and symlinks under a root with their contents (no times)
snapshot = wasi_syscalls.tree


class Session:
    """One instance of the all-imports module under one engine, with its own sandbox."""

    def __init__(self, engine: str, *, fs_mutable: bool = True, pages: int = 1,
                 argv: list[str] | None = None, env: list[tuple[str, str]] | None = None,
                 stdin: bytes | None = None, setup: Callable[[Path], None] | None = None,
                 second_preopen: bool = False):
        mod = ENGINES[engine]
        self.mod = mod
        self.tmp = Path(tempfile.mkdtemp(prefix=f"wasi-{engine}-"))
        self.root = self.tmp / "sandbox"
        self.root.mkdir()
        (self.tmp / "outside").write_bytes(b"secret")
        populate(self.root)
        if setup is not None:
            setup(self.root)
        cfg = mod.WasiConfig()
        cfg.argv = argv if argv is not None else ["prog", "arg one", "ü"]
        cfg.env = env if env is not None else [("A", "1"), ("EMPTY", ""), ("UTF", "é=x")]
        cfg.stdout_file = str(self.tmp / "stdout")
        cfg.stderr_file = str(self.tmp / "stderr")
        if stdin is not None:
            (self.tmp / "stdin").write_bytes(stdin)
            cfg.stdin_file = str(self.tmp / "stdin")
        cfg.preopen_dir(str(self.root), "/sandbox", fs_mutable)
        if second_preopen:
            (self.tmp / "second").mkdir()
            cfg.preopen_dir(str(self.tmp / "second"), "second", fs_mutable)
        self.engine = mod.Engine()
        self.store = mod.Store(self.engine)
        self.store.set_wasi(cfg)
        linker = mod.Linker(self.engine)
        linker.define_wasi()
        wat = _WAT_CACHE.get(pages) or _WAT_CACHE.setdefault(pages, all_imports_wat(pages))
        self.instance = linker.instantiate(self.store, mod.Module(self.engine, wat))
        self.exports = self.instance.exports(self.store)
        self.memory = self.exports["memory"]

    def close(self) -> None:
        shutil.rmtree(self.tmp, ignore_errors=True)

    def call(self, name: str, *args: int) -> tuple:
        try:
            return ("ok", self.exports[name](self.store, *args))
        except (wasmtime.ExitTrap, rt.ExitTrap) as exc:
            return ("exit", exc.code)
        except (wasmtime.Trap, wasmtime.WasmtimeError, rt.Trap):
            return ("trap",)

    def write(self, addr: int, data: bytes) -> None:
        self.memory.write(self.store, data, addr)

    def read(self, addr: int, n: int) -> bytes:
        return bytes(self.memory.read(self.store, addr, addr + n))

    def u32(self, addr: int) -> int:
        return int.from_bytes(self.read(addr, 4), "little")

    def u64(self, addr: int) -> int:
        return int.from_bytes(self.read(addr, 8), "little")

    def stdout(self) -> bytes:
        return (self.tmp / "stdout").read_bytes()

    def files(self) -> dict[str, Any]:
        return snapshot(self.root)
