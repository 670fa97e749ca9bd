"""TEST ONLY: makes fuzzing campaigns deterministic for testing ``ci/fuzz.sh`` (planted finding / clean run).

Python imports ``sitecustomize`` at start-up from ``sys.path``, so this file
acts only in processes that have ``ci/plant`` on ``PYTHONPATH`` *and*
``FUZZRT_PLANT`` set; ``ci/fuzz.sh`` arranges both only when it is run with
``FUZZ_PLANT=clean|bug``.  Nothing else ever puts this directory on the path.

It swaps the engine under test (``fuzzrt.engines.executor.default_engines``)
when that module is first imported, in every process of a campaign:

* ``FUZZRT_PLANT=clean``: the engine under test is wasmtime itself, so both
  sides of every comparison agree and a campaign cannot find anything (the
  real runtime may have real bugs; this makes "no finding" certain);
* ``FUZZRT_PLANT=bug``: the same engine, except that compiling or validating
  any module whose binary has an odd length raises ``PlantedBug``, which the
  no-panic oracle reports; every target hits it within its first inputs.
"""
from __future__ import annotations

import importlib.abc
import importlib.machinery
import os
import sys
from types import ModuleType
from typing import Any

_MODE = os.environ.get("FUZZRT_PLANT", "")
_HOOKED = "fuzzrt.engines.executor"


class PlantedBug(Exception):
    """The planted bug: not one of the runtime's documented errors, so it is a finding."""


def _plant(executor: ModuleType) -> None:
    from fuzzrt.engines.wasmtime_adapter import WasmtimeEngine

    class PlantedEngine(WasmtimeEngine):
        name = "runtime"

        def compile(self, session: Any, wasm: bytes) -> Any:
            self._planted(wasm)
            return super().compile(session, wasm)

        def validate(self, session: Any, wasm: bytes) -> None:
            self._planted(wasm)
            super().validate(session, wasm)

        @staticmethod
        def _planted(wasm: bytes) -> None:
            if _MODE == "bug" and len(wasm) % 2:
                raise PlantedBug(f"planted bug: refusing a {len(wasm)}-byte module")

    pair: list[tuple[Any, Any]] = []

    def default_engines() -> tuple[Any, Any]:
        if not pair:
            pair.append((WasmtimeEngine(), PlantedEngine()))
        return pair[0]

    executor.default_engines = default_engines


class _PatchingLoader(importlib.abc.Loader):
    def __init__(self, loader: importlib.abc.Loader):
        self._loader = loader

    def create_module(self, spec: importlib.machinery.ModuleSpec) -> ModuleType | None:
        return self._loader.create_module(spec)

    def exec_module(self, module: ModuleType) -> None:
        self._loader.exec_module(module)
        _plant(module)


class _Finder(importlib.abc.MetaPathFinder):
    def find_spec(self, name: str, path: Any, target: Any = None) -> importlib.machinery.ModuleSpec | None:
        if name != _HOOKED:
            return None
        for finder in sys.meta_path:
            if finder is self or not hasattr(finder, "find_spec"):
                continue
            spec = finder.find_spec(name, path, target)
            if spec is not None and spec.loader is not None:
                spec.loader = _PatchingLoader(spec.loader)
                return spec
        return None


if _MODE in ("clean", "bug"):
    sys.meta_path.insert(0, _Finder())
