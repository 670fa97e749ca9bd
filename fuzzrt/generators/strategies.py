"""Hypothesis strategies for valid modules, and the same generator driven by fuzzer bytes.

* ``modules(features)``: a ``SearchStrategy[Generated]`` for ``@given``;
  failing cases shrink toward fewer functions, fewer instructions and
  simpler operands (see ``choices``/``bodies``).
* ``from_bytes(strategy, data)``: draw one example of any strategy from raw
  bytes, outside ``@given`` (for Atheris/libFuzzer, where ``.example()`` is
  not allowed).  It goes through Hypothesis' public ``fuzz_one_input``
  entry point; the bytes are zero-padded, and zero bytes always mean
  "simplest choice", so every input yields a case.
* ``generate(u, features)``: the same module generator read directly from an
  ``Unstructured``, without the Hypothesis engine: several times faster, and
  the right choice for a libFuzzer campaign that wants throughput.

Generated modules carry ``calls`` (exports ``f0..`` with edge-biased
arguments). Every result of an operator whose NaN bits the spec leaves open
is canonicalised (``canonical_nans``: NaN bits must match exactly): a NaN's
bits can flow into integers through reinterpretation, v128 lanes or memory,
where the oracle could not tell an allowed NaN difference from a bug.
"""
from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache
from typing import TypeVar

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from runtime.features import Features

from .builder import BuiltModule, Sizes, build_module
from .case import Generated
from .choices import HypothesisChooser, UnstructuredChooser
from .encode import encode_module
from .unstructured import Unstructured

T = TypeVar("T")

#: zero bytes appended to a fuzzer input for ``from_bytes``: enough for generation to wind down
PAD_BYTES = 1 << 16


def _to_case(built: BuiltModule, driver: str) -> Generated:
    config = dict(built.config, driver=driver)
    return Generated(wasm=encode_module(built.module), generator="hypothesis", config=config,
                     canonical_nans=True, calls=built.calls)


@st.composite
def _built_modules(draw, features: Features, sizes: Sizes) -> BuiltModule:
    return build_module(HypothesisChooser(draw), features, sizes)


def built_modules(features: Features = Features(), sizes: Sizes = Sizes()) -> st.SearchStrategy[BuiltModule]:
    """Strategy of ``BuiltModule`` (the AST, before encoding): for tests that inspect or edit the module."""
    return _built_modules(features, sizes)


def modules(features: Features = Features(), sizes: Sizes = Sizes()) -> st.SearchStrategy[Generated]:
    """Strategy of valid modules (as ``Generated``, with calls) restricted to ``features`` and ``sizes``."""
    return _built_modules(features, sizes).map(lambda built: _to_case(built, "hypothesis"))


def from_bytes(strategy: st.SearchStrategy[T], data: bytes) -> T | None:
    """One example of ``strategy`` determined by ``data`` (None only if the padded input still ran out)."""
    return _capturer(strategy)(bytes(data) + bytes(PAD_BYTES))


@lru_cache(maxsize=32)
def _capturer(strategy: st.SearchStrategy[T]) -> Callable[[bytes], T | None]:
    """A ``fuzz_one_input`` driver (Hypothesis' public fuzzing entry point) that returns the drawn example."""
    drawn: list[T] = []

    @settings(database=None, suppress_health_check=list(HealthCheck), deadline=None)
    @given(strategy)
    def capture(example: T) -> None:
        drawn.append(example)

    def run(data: bytes) -> T | None:
        drawn.clear()
        capture.hypothesis.fuzz_one_input(data)
        return drawn[0] if drawn else None

    return run


def generate(u: Unstructured, features: Features = Features(), sizes: Sizes = Sizes()) -> Generated:
    """A module (with calls) read directly from fuzzer bytes, without the Hypothesis engine."""
    return _to_case(build_module(UnstructuredChooser(u), features, sizes), "bytes")
