"""The ``wasi-syscalls`` target: generated modules call WASI imports with hostile arguments, on both engines.

Each case is a list of calls (any preview1 import but ``poll_oneoff``, which
the ``poll`` target covers with subscriptions that cannot sleep) with
arguments drawn from edge values: fds that exist, were closed or never
existed; pointers inside, straddling the end of and past memory; huge
lengths; valid and invalid enum/flag values; paths (written to memory
before the call) with ``..``, absolute parts, NULs and symlinks pointing
inside, outside, nowhere and in loops.  ``module_of`` turns the list into a
module that imports the functions used and exports one function per call
(the call with its arguments as constants), so the guest itself makes every
call.

The session runs that module on the runtime and on wasmtime, each with its
own copy of the same sandbox tree, and compares per call: the errno, or a
trap, or a proc_exit code, exactly (invalid enum/flag arguments trap on both,
as wasmtime 50 does); the first trap or exit ends the guest.  An exception other than a trap escaping the runtime is
a panic finding.  At the end, nothing next to either sandbox may have changed,
and both sandboxes must hold the same tree.
"""
from __future__ import annotations

import shutil
import tempfile
from pathlib import Path
from typing import Any

import wasmtime

import runtime as rt
from fuzzrt.generators.case import Generated
from fuzzrt.generators.unstructured import Unstructured
from runtime.wasi.abi import ENUMS, FLAGS, MODULE, SIGNATURES, WIDE_KINDS

from .sequence import Check, Op, Result, SequenceSession, SequenceTarget

FUNCTIONS = tuple(sorted(name for name in SIGNATURES if name != "poll_oneoff"))
#: name -> indices of (path pointer, path length) argument pairs
PATH_ARGS = {"path_create_directory": (1,), "path_filestat_get": (2,), "path_filestat_set_times": (2,),
             "path_link": (2, 5), "path_open": (2,), "path_readlink": (1,), "path_remove_directory": (1,),
             "path_rename": (1, 4), "path_symlink": (0, 3), "path_unlink_file": (1,)}
PATHS = ("f.txt", "sub", "sub/inner.txt", "..", "../outside", "/", "/etc", "", ".", "link_to_sub/",
         "escape_abs", "escape_up/x", "escape_up", "loop_a", "dangling", "new", "new/", "sub/deeper/../../f.txt",
         "x" * 300, "link_to_f/", "sub//deeper", "sub/../..", "link_to_sub/../../outside", "sub/new")
PATH_AT = (1024, 1536)
#: bytes a path slot spans; the rest of it is filled with "x", so a length past the path reads no NUL.
#: Paths hold no NUL at all: where wasmtime checks one, relative to its other path errors, differs from
#: operation to operation (and between the two paths of rename/link) in ways not modelled here; the
#: unit tests pin the single-path orders.
PATH_ROOM = 500
IOVECS_AT, DATA_AT = 512, 4096
PAGE = 65536
FDS = (0, 1, 2, 3, 3, 3, 4, 5, 6, 7, 9, 64, 0x7FFF_FFFF, 0xFFFF_FFFF)
POINTERS = (0, 16, 64, IOVECS_AT, PATH_AT[0], PATH_AT[1], DATA_AT, PAGE - 8, PAGE - 1, PAGE, PAGE + 4,
            0x7FFF_FFFF, 0xFFFF_FFF0, 0xFFFF_FFFF)
LENGTHS = (0, 1, 2, 3, 8, 16, 300, 4096, PAGE, 0x7FFF_FFFF, 0xFFFF_FFFF)
WIDE = (0, 1, 5, 11, 4096, 1 << 32, (1 << 63) - 1, 1 << 63, (1 << 64) - 1, (1 << 64) - 5)


def arg(u: Unstructured, kind: str) -> int:
    """One argument (as unsigned bits of its wasm type) of a parameter of ``kind``."""
    if kind in ENUMS or kind in FLAGS:
        bits, extent = ENUMS.get(kind) or FLAGS[kind]
        if u.ratio(5, 6):
            return u.int_in_range(0, extent - 1) if kind in ENUMS else u.int_in_range(0, extent) & extent
        return u.choose((extent, extent + 1, 1 << (bits - 1), (1 << bits) - 1))
    if kind in WIDE_KINDS:
        return u.choose(WIDE)
    return u.choose((FDS, POINTERS, LENGTHS))[u.int_in_range(0, 255) % 11]


def generate_call(u: Unstructured) -> Op:
    name = u.choose(FUNCTIONS)
    if name == "proc_exit" and not u.ratio(1, 8):
        name = "fd_write"
    kinds, _ = SIGNATURES[name]
    args = [arg(u, kind) for kind in kinds]
    if kinds and kinds[0] == "u32" and name.startswith(("fd_", "path_", "sock_")) and u.ratio(3, 4):
        args[0] = u.choose(FDS)
    paths = [u.choose(PATHS) for _ in PATH_AT]
    for slot, at, path in zip(PATH_ARGS.get(name, ()), PATH_AT, paths):
        if u.ratio(4, 5):
            args[slot], args[slot + 1] = at, len(path.encode())
    iovecs = [[u.choose((DATA_AT, DATA_AT + 100, PAGE - 4, PAGE + 8)), u.choose((0, 5, 16, 300, 0xFFFF_FFFF))]
              for _ in range(2)]
    return {"op": name, "args": args, "paths": paths, "iovecs": iovecs}


def module_wat(ops: list[Op]) -> str:
    """Imports of the functions ``ops`` call, and export ``c<i>`` making call ``i`` with constant arguments."""
    used = sorted({op["op"] for op in ops})
    lines = ["(module"]
    for name in used:
        kinds, has_result = SIGNATURES[name]
        params = " ".join("i64" if k in WIDE_KINDS else "i32" for k in kinds)
        lines.append(f'  (import "{MODULE}" "{name}" (func ${name} (param {params}){" (result i32)" * has_result}))')
    lines.append('  (memory (export "memory") 1)')
    for i, op in enumerate(ops):
        kinds, has_result = SIGNATURES[op["op"]]
        consts = " ".join(f"({'i64' if k in WIDE_KINDS else 'i32'}.const {a})" for k, a in zip(kinds, op["args"]))
        tail = "" if has_result else " (i32.const 0)"
        lines.append(f'  (func (export "c{i}") (result i32) (call ${op["op"]} {consts}){tail})')
    return "\n".join(lines + [")"])


def populate(root: Path) -> None:
    """The sandbox tree: files, directories, and symlinks inside, outside, dangling and looping."""
    (root / "f.txt").write_bytes(b"hello world")
    (root / "sub" / "deeper").mkdir(parents=True)
    (root / "sub" / "inner.txt").write_bytes(b"inner")
    for name, target in (("link_to_f", "f.txt"), ("link_to_sub", "sub"), ("dangling", "nowhere"),
                         ("escape_abs", "/etc"), ("escape_up", "../outside"), ("loop_a", "loop_b"),
                         ("loop_b", "loop_a")):
        (root / name).symlink_to(target)


def tree(root: Path, skip: tuple[str, ...] = ()) -> dict[str, Any]:
    """Every entry under ``root`` (not following symlinks) with its kind and content, times excluded."""
    out: dict[str, Any] = {}
    for path in sorted(root.rglob("*")):
        rel = str(path.relative_to(root))
        if rel.split("/")[0] in skip:
            continue
        if path.is_symlink():
            out[rel] = ("link", str(path.readlink()))
        elif path.is_dir():
            out[rel] = ("dir",)
        else:
            out[rel] = ("file", path.read_bytes())
    return out


class Sandbox:
    """The case's module instantiated under one engine (``rt`` or ``wasmtime``) over a fresh sandbox."""

    def __init__(self, mod: Any, wasm: bytes):
        self.mod = mod
        self.tmp = Path(tempfile.mkdtemp(prefix=f"fuzzrt-wasi-{mod.__name__}-"))
        self.root = self.tmp / "sandbox"
        self.root.mkdir()
        (self.tmp / "outside").write_bytes(b"secret")
        (self.tmp / "stdin").write_bytes(b"")
        populate(self.root)
        self.outside = tree(self.tmp, ("sandbox", "stdout", "stderr"))
        cfg = mod.WasiConfig()
        cfg.argv = ["prog", "arg"]
        cfg.env = [("A", "1")]
        cfg.stdin_file = str(self.tmp / "stdin")
        cfg.stdout_file = str(self.tmp / "stdout")
        cfg.stderr_file = str(self.tmp / "stderr")
        cfg.preopen_dir(str(self.root), "/sandbox")
        engine = mod.Engine()
        self.store = mod.Store(engine)
        self.store.set_wasi(cfg)
        linker = mod.Linker(engine)
        linker.define_wasi()
        self.exports = linker.instantiate(self.store, mod.Module(engine, wasm)).exports(self.store)
        self.memory = self.exports["memory"]

    def call(self, index: int, op: Op) -> Result:
        """Call ``c<index>`` on memory holding only this op's inputs.

        Memory is filled with "x" first: earlier calls wrote engine-specific
        bytes (timestamps, inode numbers, random bytes) that this call's
        pointers could otherwise read as iovecs or paths, and "x" rather than
        zeros keeps stray NULs out of paths (see ``PATH_ROOM``).
        """
        self.memory.write(self.store, b"x" * PAGE, 0)
        for at, path in zip(PATH_AT, op["paths"]):
            self.memory.write(self.store, path.encode()[:PATH_ROOM].ljust(PATH_ROOM, b"x"), at)
        for i, (ptr, length) in enumerate(op["iovecs"]):
            self.memory.write(self.store, ptr.to_bytes(4, "little") + length.to_bytes(4, "little"), IOVECS_AT + 8 * i)
        try:
            return Result(f"errno:{self.exports[f'c{index}'](self.store)}")
        except (rt.ExitTrap, wasmtime.ExitTrap) as exc:
            return Result(f"exit:{exc.code}")
        except (rt.Trap, wasmtime.Trap, wasmtime.WasmtimeError):
            return Result("trap")

    def close(self) -> None:
        shutil.rmtree(self.tmp, ignore_errors=True)


class WasiSession(SequenceSession):
    def __init__(self, wasm: bytes):
        self.runtime = self.reference = None
        self.runtime = Sandbox(rt, wasm)
        self.reference = Sandbox(wasmtime, wasm)
        self.index = 0
        self.ended = False

    def step(self, op: Op) -> list[Check]:
        """One call on both engines; after a trap or exit that both agreed on, the guest is over.

        (wasmtime answers later WASI calls of an instance that trapped inside
        a host call with NOMEM, so comparing past that point is meaningless.)
        """
        index, self.index = self.index, self.index + 1
        if self.ended:
            return []
        expected = self.reference.call(index, op)
        actual = self.runtime.call(index, op)
        self.ended = not expected.kind.startswith("errno:")
        return [Check(op["op"], expected, actual)]

    def finish(self) -> list[Check]:
        checks = []
        for name, box in (("runtime", self.runtime), ("wasmtime", self.reference)):
            now = tree(box.tmp, ("sandbox", "stdout", "stderr"))
            checks.append(Check(f"outside-{name}", Result("ok", box.outside), Result("ok", now)))
        checks.append(Check("sandbox", Result("ok", tree(self.reference.root)), Result("ok", tree(self.runtime.root))))
        return checks

    def close(self) -> None:
        for box in (self.runtime, self.reference):
            if box is not None:
                box.close()


class WasiSyscallsTarget(SequenceTarget):
    name = "wasi-syscalls"
    description = ("generated modules call every WASI import with hostile arguments (pointers past memory, "
                   "huge lengths, bad fds/flags, escaping paths and symlinks) on both engines: same errno or "
                   "trap, never a host exception, nothing outside the preopen changes")
    max_ops = 24

    def generate_ops(self, u: Unstructured) -> tuple[list[Op], dict[str, Any]]:
        return [generate_call(u) for _ in range(u.int_in_range(1, self.max_ops))], {}

    def module_of(self, config: dict[str, Any]) -> bytes:
        return wasmtime.wat2wasm(module_wat(config["ops"]))

    def open(self, case: Generated) -> SequenceSession:
        return WasiSession(case.wasm)


TARGET = WasiSyscallsTarget()
