"""Executes the commands of one converted spec script against an engine.

The engine is any module implementing the runtime's public API (``runtime``
by default), passed in as ``api``: the runner names nothing engine-specific.
Every command ends up counted exactly once as passed, failed or text; no
exception escapes :meth:`ScriptRunner.run` -- an engine that raises something
other than its own ``WasmError``/``Trap`` has a bug, and that is recorded as a
failure of that command with where it came from.
"""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .convert import Script
from .diagnostics import summarize_exception
from .results import FileResult
from .spectest import define_spectest
from .traps import trap_code_name
from .values import HostRefs, Observed, UnsupportedValue, mismatch, observe_python, observe_val, to_val


class CommandFailed(Exception):
    """The engine did not do what the command asserts; the message says what it did."""


def describe_trap(trap: Any) -> str:
    code = trap.trap_code.name if trap.trap_code is not None else "no trap code"
    return f"{code} ({trap})"


def _describe_results(results: list[Observed] | None) -> str:
    if results is None:
        return "instantiated"
    return "returned [" + ", ".join(result.describe() for result in results) + "]"


class ScriptRunner:
    """One store, one linker (with ``spectest``) and the instances of one script.

    A script's modules share one store, as in the reference interpreter:
    ``register`` makes one module's memories, tables and functions importable
    by the next, and a trap must leave the store usable for later commands.
    """

    def __init__(self, api: Any, script: Script, result: FileResult, mark: Callable[[int], None] | None = None):
        self._api = api
        self._script = script
        self._result = result
        self._mark = mark
        self._engine = api.Engine()
        self._store = api.Store(self._engine)
        self._linker = api.Linker(self._engine)
        self._linker.allow_shadowing = True
        define_spectest(api, self._store, self._linker)
        self._current: Any = None
        self._named: dict[str, Any] = {}
        self._refs = HostRefs()
        self._handlers: dict[str, Callable[[dict], str]] = {
            "module": self._module,
            "register": self._register,
            "action": self._action,
            "assert_return": self._assert_return,
            "assert_trap": self._assert_trap,
            "assert_exhaustion": self._assert_trap,
            "assert_uninstantiable": self._assert_trap,
            "assert_invalid": self._assert_rejected,
            "assert_malformed": self._assert_rejected,
            "assert_unlinkable": self._assert_unlinkable,
        }

    def run(self) -> None:
        """Run every command in order, recording each outcome in the FileResult."""
        for command in self._script.commands:
            kind = command.get("type", "?")
            line = command.get("line", 0)
            if self._mark is not None:
                self._mark(line)
            try:
                handler = self._handlers.get(kind)
                if handler is None:
                    raise CommandFailed(f"unsupported command type {kind!r}")
                outcome = handler(command)
            except CommandFailed as exc:
                self._result.fail(kind, line, str(exc))
            except UnsupportedValue as exc:
                self._result.fail(kind, line, f"unsupported: {exc}")
            except self._api.Trap as exc:
                self._result.fail(kind, line, f"unexpected trap: {describe_trap(exc)}")
            except self._api.WasmError as exc:
                self._result.fail(kind, line, f"unexpected {type(exc).__name__}: {exc}")
            except Exception as exc:  # an engine bug, reported as this command's failure
                self._result.fail(kind, line, f"internal error: {summarize_exception(exc)}")
            else:
                self._result.count(kind, outcome)

    # -- helpers -------------------------------------------------------------

    def _compile(self, command: dict) -> Any:
        path = self._script.module_path(command)
        source: bytes | str = path.read_text(encoding="utf-8") if path.suffix == ".wat" else path.read_bytes()
        return self._api.Module(self._engine, source)

    def _instantiate(self, module: Any) -> Any:
        return self._linker.instantiate(self._store, module)

    def _instance(self, name: str | None) -> Any:
        if name is None:
            if self._current is None:
                raise CommandFailed("no current module (the last module command failed)")
            return self._current
        if name not in self._named:
            raise CommandFailed(f"no module named {name}")
        return self._named[name]

    def _perform(self, action: dict) -> list[Observed]:
        instance = self._instance(action.get("module"))
        field = action["field"]
        export = instance.exports(self._store).get(field)
        if export is None:
            raise CommandFailed(f"no export named {field!r}")
        if action["type"] == "invoke":
            args = [to_val(self._api, arg, self._refs) for arg in action.get("args", [])]
            return [observe_val(val) for val in export.call_vals(self._store, args)]
        if action["type"] == "get":
            kind = str(export.type(self._store).content)
            return [observe_python(kind, export.value(self._store))]
        raise CommandFailed(f"unsupported action type {action['type']!r}")

    # -- commands ------------------------------------------------------------

    def _module(self, command: dict) -> str:
        self._current = None
        instance = self._instantiate(self._compile(command))
        self._current = instance
        if "name" in command:
            self._named[command["name"]] = instance
        return "passed"

    def _register(self, command: dict) -> str:
        instance = self._instance(command.get("name"))
        self._linker.define_instance(self._store, command["as"], instance)
        return "passed"

    def _action(self, command: dict) -> str:
        self._perform(command["action"])
        return "passed"

    def _assert_return(self, command: dict) -> str:
        observed = self._perform(command["action"])
        expected = command.get("expected", [])
        if len(observed) != len(expected):
            raise CommandFailed(f"expected {len(expected)} results, {_describe_results(observed)}")
        for index, (want, got) in enumerate(zip(expected, observed, strict=True)):
            why = mismatch(want, got, self._refs)
            if why is not None:
                raise CommandFailed(f"result {index}: {why}")
        return "passed"

    def _assert_trap(self, command: dict) -> str:
        """assert_trap on an action or a module, assert_exhaustion, assert_uninstantiable:
        passes iff execution traps with the TrapCode the spec text stands for."""
        text = command.get("text", "")
        want = trap_code_name(text)
        if want is None:
            raise CommandFailed(f"unknown trap text {text!r}")
        results: list[Observed] | None = None
        try:
            if "action" in command:
                results = self._perform(command["action"])
            else:
                self._instantiate(self._compile(command))
        except self._api.Trap as exc:
            got = exc.trap_code.name if exc.trap_code is not None else None
            if got == want:
                return "passed"
            raise CommandFailed(f"trapped with {describe_trap(exc)}, expected {want} ({text!r})") from None
        raise CommandFailed(f"{_describe_results(results)} instead of trapping with {want} ({text!r})")

    def _assert_rejected(self, command: dict) -> str:
        """assert_invalid / assert_malformed: compiling must raise a WasmError
        (which one is the runtime's call, so it is recorded, not judged).  Text
        modules test a text parser and are only counted."""
        if command.get("module_type") == "text":
            return "text"
        try:
            self._compile(command)
        except self._api.WasmError as exc:
            self._result.note_error_class(command["type"], exc)
            return "passed"
        raise CommandFailed(f"module compiled; expected it rejected: {command.get('text', '')!r}")

    def _assert_unlinkable(self, command: dict) -> str:
        module = self._compile(command)
        try:
            self._instantiate(module)
        except self._api.LinkError as exc:
            self._result.note_error_class(command["type"], exc)
            return "passed"
        raise CommandFailed(f"module instantiated; expected a LinkError: {command.get('text', '')!r}")
