"""``Config``: the settings an ``Engine`` compiles and runs with.

Properties are named as in wasmtime-py so harness code can configure both
runtimes the same way; unlike wasmtime-py's setter-only properties, ours can be
read back.  Proposals this runtime does not implement accept ``False`` (so a
configuration written for wasmtime that switches them off still works) and
refuse ``True`` with a ``WasmError`` rather than silently compiling something
else.  An ``Engine`` consumes its Config, as in wasmtime: afterwards the Config
is frozen, because the engine's compiled-code cache is keyed on it.
"""
from __future__ import annotations

from dataclasses import fields
from typing import Any

from ..errors import WasmError
from ..features import Features
from .allocation import InstanceAllocationStrategy

#: wasmtime's default limit on the stack wasm code may use
DEFAULT_MAX_WASM_STACK = 512 * 1024
#: proposals a new Config enables: all of WebAssembly 2.0, fixed-width SIMD included, as in wasmtime
DEFAULT_FEATURES = Features(simd=True)

#: wasmtime-py's cranelift_opt_level names, mapped onto our LLVM optimisation levels
_CRANELIFT_OPT_LEVELS = {"none": 0, "speed": 2, "speed_and_size": 3}
_OPT_LEVEL_NAMES = {0: "none", 1: "speed", 2: "speed", 3: "speed_and_size"}


def _require_bool(name: str, value: Any) -> None:
    if type(value) is not bool:
        raise TypeError(f"Config.{name} expects a bool, got {type(value).__name__}")


def _feature_property(field: str, doc: str) -> property:
    """A read/write property backed by one ``Features`` flag."""

    def get(self: Config) -> bool:
        return self._features[field]

    def set(self: Config, enable: bool) -> None:
        self._check_mutable()
        _require_bool(f"wasm_{field}", enable)
        self._features[field] = enable

    return property(get, set, doc=doc)


def _unsupported_property(name: str, proposal: str) -> property:
    """A property for a proposal this runtime lacks: reads False, accepts False, refuses True."""

    def get(self: Config) -> bool:
        return False

    def set(self: Config, enable: bool) -> None:
        self._check_mutable()
        _require_bool(name, enable)
        if enable:
            raise WasmError(f"the {proposal} proposal is not supported by this runtime")

    return property(get, set, doc=f"The {proposal} proposal: not supported, always False.")


class Config:
    """Engine settings: proposals, fuel, epoch interruption, stack limit, optimisation level, cache,
    instance allocation strategy."""

    def __init__(self) -> None:
        self._consumed = False
        self._consume_fuel = False
        self._epoch_interruption = False
        self._max_wasm_stack = DEFAULT_MAX_WASM_STACK
        self._opt_level = 2
        self._cache: bool | str = False
        self._allocation_strategy = InstanceAllocationStrategy.on_demand()
        self._features: dict[str, bool] = {f.name: getattr(DEFAULT_FEATURES, f.name) for f in fields(Features)}

    def _check_mutable(self) -> None:
        if self._consumed:
            raise WasmError("this Config has been used to create an Engine and can no longer be changed")

    def _consume(self) -> None:
        """Called by ``Engine``: freezes the Config; a Config serves one Engine, as in wasmtime."""
        if self._consumed:
            raise WasmError("this Config was already used to create an Engine; create a new Config per Engine")
        self._consumed = True

    # -- execution limits -------------------------------------------------------
    @property
    def consume_fuel(self) -> bool:
        """Whether wasm code consumes fuel and traps with OUT_OF_FUEL when it runs out."""
        return self._consume_fuel

    @consume_fuel.setter
    def consume_fuel(self, enable: bool) -> None:
        self._check_mutable()
        _require_bool("consume_fuel", enable)
        self._consume_fuel = enable

    @property
    def epoch_interruption(self) -> bool:
        """Whether wasm code checks the engine epoch and traps with INTERRUPT past its deadline."""
        return self._epoch_interruption

    @epoch_interruption.setter
    def epoch_interruption(self, enable: bool) -> None:
        self._check_mutable()
        _require_bool("epoch_interruption", enable)
        self._epoch_interruption = enable

    @property
    def max_wasm_stack(self) -> int:
        """Bytes of native stack wasm code may use before trapping with STACK_OVERFLOW."""
        return self._max_wasm_stack

    @max_wasm_stack.setter
    def max_wasm_stack(self, size: int) -> None:
        self._check_mutable()
        if type(size) is not int:
            raise TypeError(f"Config.max_wasm_stack expects an int, got {type(size).__name__}")
        if size <= 0:
            raise ValueError(f"Config.max_wasm_stack must be positive, got {size}")
        self._max_wasm_stack = size

    # -- code generation --------------------------------------------------------
    @property
    def opt_level(self) -> int:
        """LLVM optimisation level, 0..3 (default 2)."""
        return self._opt_level

    @opt_level.setter
    def opt_level(self, level: int) -> None:
        self._check_mutable()
        if type(level) is not int:
            raise TypeError(f"Config.opt_level expects an int, got {type(level).__name__}")
        if not 0 <= level <= 3:
            raise ValueError(f"Config.opt_level must be between 0 and 3, got {level}")
        self._opt_level = level

    @property
    def cranelift_opt_level(self) -> str:
        """wasmtime-py's spelling of ``opt_level``: "none" (0), "speed" (2) or "speed_and_size" (3)."""
        return _OPT_LEVEL_NAMES[self._opt_level]

    @cranelift_opt_level.setter
    def cranelift_opt_level(self, name: str) -> None:
        self._check_mutable()
        if not isinstance(name, str):
            raise TypeError(f"Config.cranelift_opt_level expects a str, got {type(name).__name__}")
        level = _CRANELIFT_OPT_LEVELS.get(name)
        if level is None:
            raise WasmError(f"unknown opt level: {name!r} (expected one of {', '.join(_CRANELIFT_OPT_LEVELS)})")
        self._opt_level = level

    @property
    def cache(self) -> bool | str:
        """On-disk compiled-code cache: False (off), True (default location) or a directory path."""
        return self._cache

    @cache.setter
    def cache(self, enabled: bool | str) -> None:
        self._check_mutable()
        if isinstance(enabled, str):
            if not enabled:
                raise ValueError("Config.cache path must not be empty")
        elif type(enabled) is not bool:
            raise TypeError(f"Config.cache expects a bool or a str path, got {type(enabled).__name__}")
        self._cache = enabled

    # -- instance allocation ------------------------------------------------------
    @property
    def allocation_strategy(self) -> InstanceAllocationStrategy:
        """``InstanceAllocationStrategy.on_demand()`` (default) or ``.pooling(PoolingAllocationConfig)``."""
        return self._allocation_strategy

    @allocation_strategy.setter
    def allocation_strategy(self, strategy: InstanceAllocationStrategy) -> None:
        self._check_mutable()
        if not isinstance(strategy, InstanceAllocationStrategy):
            raise TypeError(f"Config.allocation_strategy expects an InstanceAllocationStrategy, "
                            f"got {type(strategy).__name__}")
        self._allocation_strategy = strategy

    # -- proposals ----------------------------------------------------------------
    wasm_mutable_global = _feature_property("mutable_global", "Import and export of mutable globals.")
    wasm_sign_extension = _feature_property("sign_extension", "The sign-extension operators proposal.")
    wasm_saturating_float_to_int = _feature_property(
        "saturating_float_to_int", "The non-trapping float-to-int conversions proposal."
    )
    wasm_multi_value = _feature_property("multi_value", "The multi-value proposal.")
    wasm_bulk_memory = _feature_property("bulk_memory", "The bulk memory operations proposal.")
    wasm_reference_types = _feature_property("reference_types", "The reference types proposal.")
    wasm_simd = _feature_property("simd", "The fixed-width 128-bit SIMD proposal.")

    wasm_threads = _unsupported_property("wasm_threads", "threads")
    wasm_tail_call = _unsupported_property("wasm_tail_call", "tail call")
    wasm_multi_memory = _unsupported_property("wasm_multi_memory", "multi-memory")
    wasm_memory64 = _unsupported_property("wasm_memory64", "memory64")
    wasm_relaxed_simd = _unsupported_property("wasm_relaxed_simd", "relaxed SIMD")
    wasm_gc = _unsupported_property("wasm_gc", "garbage collection")
    wasm_function_references = _unsupported_property("wasm_function_references", "typed function references")
    wasm_exceptions = _unsupported_property("wasm_exceptions", "exception handling")
    wasm_wide_arithmetic = _unsupported_property("wasm_wide_arithmetic", "wide arithmetic")
    wasm_custom_page_sizes = _unsupported_property("wasm_custom_page_sizes", "custom page sizes")
    wasm_stack_switching = _unsupported_property("wasm_stack_switching", "stack switching")
    wasm_component_model = _unsupported_property("wasm_component_model", "component model")

    # -- derived ------------------------------------------------------------------
    @property
    def features(self) -> Features:
        """The enabled proposals, as the validator and JIT consume them."""
        return Features(**self._features)

    def _cache_key(self) -> tuple[Any, ...]:
        """Everything that changes the code the JIT generates, for keying compiled-code caches."""
        return (self.features, self._consume_fuel, self._epoch_interruption, self._opt_level, self._max_wasm_stack)

    def __repr__(self) -> str:
        enabled = ", ".join(name for name, on in self._features.items() if on)
        return (
            f"Config(consume_fuel={self._consume_fuel}, epoch_interruption={self._epoch_interruption}, "
            f"max_wasm_stack={self._max_wasm_stack}, opt_level={self._opt_level}, cache={self._cache!r}, "
            f"allocation_strategy={self._allocation_strategy!r}, features=[{enabled}])"
        )
