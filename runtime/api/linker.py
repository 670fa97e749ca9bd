"""Linker: names for externs, and instantiation by name, as in wasmtime-py."""
from __future__ import annotations

from typing import Any, Callable

from ..errors import LinkError
from ..jit import trampoline_table
from .externs import Global, Memory, Table
from .func import Func
from .instance import Instance
from .module import Module
from .store import Store
from .engine import Engine
from .types import FuncType

_EXTERNS = (Func, Memory, Table, Global)


class Linker:
    def __init__(self, engine: Engine):
        if not isinstance(engine, Engine):
            raise TypeError("expected an Engine")
        self.engine = engine
        self._allow_shadowing = False
        #: (module, name) -> an extern, or a host function definition made per store
        self._defs: dict[tuple[str, str], Any] = {}

    @property
    def allow_shadowing(self) -> bool:
        return self._allow_shadowing

    @allow_shadowing.setter
    def allow_shadowing(self, allow: bool) -> None:
        self._allow_shadowing = bool(allow)

    def _insert(self, module: str, name: str, item: Any) -> None:
        if not isinstance(module, str) or not isinstance(name, str):
            raise TypeError("module and name must be str")
        key = (module, name)
        if key in self._defs and not self._allow_shadowing:
            raise LinkError(f"import of `{module}::{name}` defined twice")
        self._defs[key] = item

    def define(self, store: Store, module: str, name: str, item: Any) -> None:
        if not isinstance(item, _EXTERNS):
            raise TypeError(f"expected a Func, Memory, Table or Global, got {type(item).__name__}")
        self._insert(module, name, item)

    def define_func(self, module: str, name: str, ty: FuncType, func: Callable[..., Any],
                    access_caller: bool = False) -> None:
        if not isinstance(ty, FuncType):
            raise TypeError("expected a FuncType")
        if not callable(func):
            raise TypeError("expected a callable")
        self._insert(module, name, (ty, func, access_caller))

    def define_wasi(self) -> None:
        """Define every ``wasi_snapshot_preview1`` import; each uses the calling store's WASI context."""
        from ..wasi.linker import define_wasi
        define_wasi(self)

    def define_instance(self, store: Store, name: str, instance: Instance) -> None:
        if not isinstance(instance, Instance):
            raise TypeError("expected an Instance")
        for export_name, item in instance.exports(store).items():
            self._insert(name, export_name, item)

    def get(self, store: Store, module: str, name: str) -> Any:
        item = self._defs.get((module, name))
        if item is None:
            raise LinkError(f"no item named `{module}::{name}` in the linker")
        return self._resolve(store, (module, name), item)

    def _resolve(self, store: Store, key: tuple[str, str], item: Any) -> Any:
        if not isinstance(item, tuple):
            return item
        # kept by the store, not here: a Func refers to its store, so a cache keyed
        # weakly by store in the linker would keep every store alive as long as the linker
        per_store = store._linker_funcs.setdefault(self, {})
        made = per_store.get(key)
        if made is None or made[0] is not item:
            ty, func, access_caller = item
            made = per_store[key] = (item, Func(store, ty, func, access_caller))
        return made[1]

    def instantiate(self, store: Store, module: Module) -> Instance:
        if not isinstance(store, Store):
            raise TypeError("expected a Store")
        if not isinstance(module, Module):
            raise TypeError("expected a Module")
        items = []
        for imp in module._ast.imports:
            key = (imp.module, imp.name)
            item = self._defs.get(key)
            if item is None:
                raise LinkError(f"unknown import: `{imp.module}::{imp.name}` has not been defined")
            items.append((key, item))
        trampoline_table.HOST.prepare(item[0]._sig for _, item in items if isinstance(item, tuple))
        return Instance(store, module, [self._resolve(store, key, item) for key, item in items])
