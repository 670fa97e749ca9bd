"""Differential test of the C programs in corpora/wasi: the runtime against wasmtime.

Each program runs under both engines with the same argv, environment, stdin
and a fresh preopened directory holding the same files.  stdout, stderr, the
files left in the directory, the exit code and (for traps) the trap code must
be identical.  The programs print only deterministic facts (e.g. "random
bytes differ: yes"), so outputs compare byte for byte.  The modules are the
committed builds in corpora/wasi/bin (see corpora/wasi/build.sh).
"""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
import wasmtime

import runtime as rt
from wasi_support import snapshot

ROOT = Path(__file__).resolve().parent.parent
BIN = ROOT / "corpora" / "wasi" / "bin"
SRC = ROOT / "corpora" / "wasi" / "src"

RUNS = [
    ("hello_stdio", ["one", "two words", "ünï"], {}, None),
    ("malloc_structs", [], {}, None),
    ("qsort_cmp", [], {}, None),
    ("file_io", [], {}, None),
    ("clocks_random", [], {"GREETING": "hello"}, None),
    ("clocks_random", [], {}, None),
    ("exit_code", ["0"], {}, None),
    ("exit_code", ["3"], {}, None),
    ("exit_code", ["125", "return"], {}, None),
    ("exit_code", ["7", "return"], {}, None),
    ("stdin_echo", [], {}, b"the quick brown fox\njumps over\n\n the lazy dog"),
    ("stdin_echo", [], {}, b""),
] + [("traps", [kind], {}, None)
     for kind in ("none", "unreachable", "oob", "divzero", "overflow", "stack", "indirect", "abort")]


_COMPILED: dict[tuple[str, str], tuple] = {}


def _compiled(engine: str, name: str) -> tuple:
    """(engine, module) compiled once per program: JIT compilation dominates these tests."""
    key = (engine, name)
    if key not in _COMPILED:
        mod = rt if engine == "runtime" else wasmtime
        eng = mod.Engine()
        _COMPILED[key] = (eng, mod.Module(eng, (BIN / f"{name}.wasm").read_bytes()))
    return _COMPILED[key]


def run_program(engine: str, name: str, argv: list[str], env: dict[str, str],
                stdin: bytes | None) -> dict:
    mod = rt if engine == "runtime" else wasmtime
    tmp = Path(tempfile.mkdtemp(prefix=f"wasi-prog-{engine}-"))
    try:
        work = tmp / "work"
        (work / "data").mkdir(parents=True)
        (work / "data" / "seed.txt").write_text("seed\n")
        cfg = mod.WasiConfig()
        cfg.argv = [name, *argv]
        cfg.env = list(env.items())
        cfg.stdout_file = str(tmp / "stdout")
        cfg.stderr_file = str(tmp / "stderr")
        if stdin is not None:
            (tmp / "stdin").write_bytes(stdin)
            cfg.stdin_file = str(tmp / "stdin")
        cfg.preopen_dir(str(work), ".")
        eng, module = _compiled(engine, name)
        store = mod.Store(eng)
        store.set_wasi(cfg)
        linker = mod.Linker(eng)
        linker.define_wasi()
        instance = linker.instantiate(store, module)
        outcome: tuple
        try:
            instance.exports(store)["_start"](store)
            outcome = ("exit", 0)
        except (rt.ExitTrap, wasmtime.ExitTrap) as exc:
            outcome = ("exit", exc.code)
        except (rt.Trap, wasmtime.Trap) as exc:
            code = exc.trap_code
            outcome = ("trap", code.name if code is not None else None)
        del instance, store, cfg
        return {"outcome": outcome, "stdout": (tmp / "stdout").read_bytes(),
                "stderr": (tmp / "stderr").read_bytes(), "files": snapshot(work)}
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


@pytest.mark.parametrize("name,argv,env,stdin", RUNS,
                         ids=[f"{r[0]}-{'-'.join(r[1]) or 'noargs'}-{i}" for i, r in enumerate(RUNS)])
def test_program_matches_wasmtime(name: str, argv: list[str], env: dict, stdin: bytes | None) -> None:
    ours = run_program("runtime", name, argv, env, stdin)
    theirs = run_program("wasmtime", name, argv, env, stdin)
    assert ours["outcome"] == theirs["outcome"]
    assert ours["stdout"] == theirs["stdout"]
    assert ours["stderr"] == theirs["stderr"]
    assert ours["files"] == theirs["files"]


def test_programs_produce_what_they_claim() -> None:
    """Guard against both engines agreeing on a broken run: spot-check real content."""
    io = run_program("runtime", "file_io", [], {}, None)
    assert io["outcome"] == ("exit", 0)
    assert b"lines=101" in io["stdout"] and b"data/sub: . .. moved.bin" in io["stdout"]
    assert io["files"]["data/sub/moved.bin"] == ("file", bytes(range(256)))
    assert b"open outside=-1 errno=Operation not permitted" in io["stdout"]
    clocks = run_program("runtime", "clocks_random", [], {"GREETING": "hi"}, None)
    assert b"random bytes differ: yes" in clocks["stdout"]
    assert b"slept_at_least_20ms=yes" in clocks["stdout"] and b"GREETING=hi" in clocks["stdout"]
    assert run_program("runtime", "exit_code", ["9"], {}, None)["outcome"] == ("exit", 9)
    assert run_program("runtime", "traps", ["divzero"], {}, None)["outcome"] == \
        ("trap", "INTEGER_DIVISION_BY_ZERO")


def test_every_source_has_a_committed_build_and_a_run() -> None:
    sources = {p.stem for p in SRC.glob("*.c")}
    assert sources == {p.stem for p in BIN.glob("*.wasm")}
    assert sources == {r[0] for r in RUNS}


@pytest.mark.parametrize("argv,status,stdout,stderr", [
    (["exit_code", "5"], 5, b"exiting with 5\n", b""),
    (["traps", "divzero"], 134, b"about to trap: divzero\n",
     b"Error: wasm trap: integer divide by zero (INTEGER_DIVISION_BY_ZERO)\n"),
    (["hello_stdio"], 0, None, b"this goes to stderr\n"),
])
def test_fuzzrt_run_cli(argv: list[str], status: int, stdout: bytes | None, stderr: bytes) -> None:
    """``fuzzrt run`` passes the exit status through and reports traps with exit status 134."""
    proc = subprocess.run([sys.executable, "-m", "fuzzrt", "run", str(BIN / f"{argv[0]}.wasm"),
                           *argv[1:]], capture_output=True, cwd=ROOT, timeout=120,
                          env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert proc.returncode == status
    if stdout is not None:
        assert proc.stdout == stdout
    assert proc.stderr == stderr


def test_fuzzrt_run_dir_env_and_invoke(tmp_path: Path) -> None:
    (tmp_path / "data").mkdir()
    proc = subprocess.run([sys.executable, "-m", "fuzzrt", "run", "--dir", f"{tmp_path}::.",
                           str(BIN / "file_io.wasm")], capture_output=True, cwd=ROOT, timeout=120,
                          env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert proc.returncode == 0, proc.stderr
    assert (tmp_path / "data" / "sub" / "moved.bin").read_bytes() == bytes(range(256))
    proc = subprocess.run([sys.executable, "-m", "fuzzrt", "run", "--env", "GREETING=yo",
                           str(BIN / "clocks_random.wasm")], capture_output=True, cwd=ROOT,
                          timeout=120, env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert b"GREETING=yo" in proc.stdout
    wat = tmp_path / "add.wat"
    wat.write_text('(module (func (export "add") (param i32 i32) (result i32) '
                   'local.get 0 local.get 1 i32.add))')
    proc = subprocess.run([sys.executable, "-m", "fuzzrt", "run", "--invoke", "add", str(wat),
                           "40", "2"], capture_output=True, cwd=ROOT, timeout=120,
                          env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert (proc.returncode, proc.stdout) == (0, b"42\n")
    loop = tmp_path / "loop.wat"
    loop.write_text('(module (func (export "_start") (loop br 0)))')
    proc = subprocess.run([sys.executable, "-m", "fuzzrt", "run", "--fuel", "1000", str(loop)],
                          capture_output=True, cwd=ROOT, timeout=120,
                          env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert proc.returncode == 134 and b"OUT_OF_FUEL" in proc.stderr
