"""``fuzzrt run MODULE.wasm [ARGS...]``: run a WASI program on the runtime, like ``wasmtime run``.

Options follow wasmtime's CLI: ``--dir HOST[::GUEST]`` preopens a directory
(GUEST defaults to HOST), ``--env K=V`` sets a variable, ``--fuel N`` bounds
execution, ``--invoke NAME`` calls an export other than ``_start``.  stdin,
stdout and stderr are the process's own; argv[0] is the module's path.

Exit status, as with wasmtime on Unix: the program's own (``proc_exit`` or
``_start`` returning: 0); a trap prints ``Error: wasm trap: MESSAGE (CODE)``
to stderr and exits 134 (128 + SIGABRT, wasmtime's convention); a module that
cannot be loaded, linked or given its directories exits 1.  With ``--invoke``
the function's results are printed one per line.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any, Sequence

#: exit status of a trapped program (wasmtime run exits with 128 + SIGABRT on Unix)
TRAP_STATUS = 134
#: exit status when the module cannot be run at all
ERROR_STATUS = 1


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "run", help="run a WASI program (wasm module) on the runtime, like `wasmtime run`",
        description="Run MODULE.wasm's _start (or --invoke NAME) with WASI preview1.")
    parser.add_argument("module", type=Path, help="the .wasm (or .wat) module")
    parser.add_argument("args", nargs=argparse.REMAINDER, help="arguments for the program")
    parser.add_argument("--dir", action="append", default=[], metavar="HOST[::GUEST]",
                        help="preopen HOST as GUEST (default: the same path); repeatable")
    parser.add_argument("--env", action="append", default=[], metavar="K=V",
                        help="set an environment variable; repeatable")
    parser.add_argument("--fuel", type=int, default=None, metavar="N",
                        help="trap with 'all fuel consumed' after N units of fuel")
    parser.add_argument("--invoke", default=None, metavar="NAME",
                        help="call this export instead of _start (arguments become its parameters)")
    parser.set_defaults(handler=handle)


def parse_dir(spec: str) -> tuple[str, str]:
    host, sep, guest = spec.partition("::")
    return host, guest if sep else host


def parse_env(spec: str) -> tuple[str, str]:
    name, sep, value = spec.partition("=")
    if not sep or not name:
        raise ValueError(f"--env expects K=V, got {spec!r}")
    return name, value


def run(module_path: Path, args: Sequence[str], dirs: Sequence[str] = (), env: Sequence[str] = (),
        fuel: int | None = None, invoke: str | None = None) -> int:
    """Run the program and return the process exit status (see the module docstring)."""
    import runtime as rt

    try:
        config = rt.Config()
        if fuel is not None:
            config.consume_fuel = True
        engine = rt.Engine(config)
        data = module_path.read_bytes()
        module = rt.Module(engine, data)
        wasi = rt.WasiConfig()
        wasi.argv = [str(module_path), *args]
        wasi.env = [parse_env(e) for e in env]
        wasi.inherit_stdin()
        wasi.inherit_stdout()
        wasi.inherit_stderr()
        for spec in dirs:
            host, guest = parse_dir(spec)
            wasi.preopen_dir(host, guest)
        store = rt.Store(engine)
        store.set_wasi(wasi)
        if fuel is not None:
            store.set_fuel(fuel)
        linker = rt.Linker(engine)
        linker.define_wasi()
        instance = linker.instantiate(store, module)
        name = invoke or "_start"
        func = instance.exports(store).get(name)
        if not isinstance(func, rt.Func):
            raise rt.WasmError(f"module has no exported function `{name}`")
    except (rt.WasmError, OSError, ValueError, TypeError) as exc:
        print(f"Error: {exc}", file=sys.stderr)
        return ERROR_STATUS
    except rt.Trap as trap:       # a trap during instantiation (start function, segments)
        return _report_trap(trap)
    try:
        params = [_param(t, a) for t, a in zip(func.type(store).params, args)] if invoke else []
        results = func(store, *params)
    except rt.ExitTrap as exit_:
        sys.stdout.flush()
        return exit_.code
    except rt.Trap as trap:
        return _report_trap(trap)
    except (ValueError, TypeError) as exc:
        print(f"Error: {exc}", file=sys.stderr)
        return ERROR_STATUS
    if invoke and results is not None:
        for value in results if isinstance(results, list) else [results]:
            print(value)
    sys.stdout.flush()
    return 0


def _param(ty: Any, text: str) -> Any:
    kind = str(ty)
    return float(text) if kind in ("f32", "f64") else int(text, 0)


def _report_trap(trap: Any) -> int:
    sys.stdout.flush()
    code = trap.trap_code.name if trap.trap_code is not None else "HOST"
    print(f"Error: wasm trap: {trap.message} ({code})", file=sys.stderr)
    return TRAP_STATUS


def handle(args: argparse.Namespace) -> int:
    return run(args.module, args.args, args.dir, args.env, args.fuel, args.invoke)
