"""The C programs in corpora/bench (wasm32-wasi builds) as bench workloads.

Each program takes its size as argv[1] and prints one checksum line (see
corpora/bench/src/bench.h).  Each run gets a fresh WASI context whose stdout
goes to a scratch file; instantiation covers ``Linker.instantiate`` and the
``_start`` lookup, execution covers ``_start`` (wasi-libc start-up, ``main``,
exit), which is what ``wasmtime run`` would spend on the program.
"""
from __future__ import annotations

import itertools
import os
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

from .compiled import CompiledWorkload, Session, scratch_file
from .registry import BenchContext, register
from .results import program_output

BENCH_DIR = Path(__file__).resolve().parents[2] / "corpora" / "bench"
BIN_DIR = BENCH_DIR / "bin"

_counter = itertools.count()


@dataclass(frozen=True)
class Program:
    name: str
    description: str
    size: int            # default: a fraction of a second under wasmtime
    quick_size: int      # --quick and the tests
    small_size: int | None = None   # pywasm (None: skipped)


PROGRAMS: tuple[Program, ...] = (
    Program("hash", "FNV-1a, xxh64-style and murmur3 hashes over a 16 KiB buffer", 6400, 1, 1),
    Program("sha256", "SHA-256 of a 4 KiB message, chained", 6400, 1, 1),
    Program("int64", "64-bit math: Miller-Rabin, Collatz, binary GCD, div/rem", 400_000, 40, 40),
    Program("nbody", "n-body simulation in f64 (sqrt, division)", 3_000_000, 40, 40),
    Program("mandel_f32", "f32 Mandelbrot plus a 5-tap f32 blur", 1400, 8, 8),
    Program("recursion", "fib, tak and Ackermann: deep and wide call trees", 38, 10, 10),
    Program("binary_trees", "malloc/free of many short-lived binary trees", 15, 4, 4),
    Program("hashmap", "chained hash map with malloc'd nodes and string keys", 80_000, 16, 16),
    Program("qsort", "libc qsort with comparator callbacks (call_indirect)", 80_000, 40, 40),
    Program("interp", "bytecode interpreter: switch dispatch loop", 250_000, 4, 4),
    Program("memcopy", "memcpy/memmove/memset of MiB blocks (memory.copy/fill) and a word loop",
            64, 1, None),
)


class WasiSession(Session):
    def __init__(self, api: ModuleType, engine: Any, module: Any, argv: list[str], stdout: Path):
        self.api = api
        self.module = module
        self.stdout = stdout
        self.exit_code = 0
        cfg = api.WasiConfig()
        cfg.argv = argv
        cfg.stdout_file = str(stdout)
        cfg.stderr_file = os.devnull
        self.store = api.Store(engine)
        self.store.set_wasi(cfg)
        self.linker = api.Linker(engine)
        self.linker.define_wasi()

    def instantiate(self) -> None:
        instance = self.linker.instantiate(self.store, self.module)
        self.start = instance.exports(self.store)["_start"]

    def run(self) -> None:
        try:
            self.start(self.store)
        except self.api.ExitTrap as exc:
            self.exit_code = exc.code

    def output(self) -> str:
        return program_output(self.stdout.read_bytes(), self.exit_code)

    def close(self) -> None:
        self.stdout.unlink(missing_ok=True)


class ProgramWorkload(CompiledWorkload):
    category = "program"

    def __init__(self, program: Program):
        self.program = program
        self.name = program.name
        self.description = program.description

    @property
    def path(self) -> Path:
        return BIN_DIR / f"{self.program.name}.wasm"

    def wasm(self, ctx: BenchContext) -> bytes:
        return self.path.read_bytes()

    def size(self, ctx: BenchContext) -> int:
        return self.program.quick_size if ctx.quick else self.program.size

    def small_size(self) -> int | None:
        return self.program.small_size

    def argv(self, size: int) -> list[str]:
        return [self.program.name, str(size)]

    def session(self, api: ModuleType, engine: Any, module: Any, size: int, ctx: BenchContext) -> Session:
        stdout = scratch_file(ctx, f"{self.program.name}-{os.getpid()}-{next(_counter)}.out")
        return WasiSession(api, engine, module, self.argv(size), stdout)

    def pywasm_job(self, size: int, ctx: BenchContext) -> dict[str, Any]:
        return {"wasm": str(self.path), "mode": "wasi", "argv": self.argv(size)}


for _program in PROGRAMS:
    register(ProgramWorkload(_program))
