"""One interface for "make a choice", backed by Hypothesis or by raw fuzzer bytes.

The module builder (``builder``/``bodies``) is written once against
``Chooser`` and runs under either backend:

* ``HypothesisChooser`` draws through Hypothesis strategies, so a failing
  case shrinks: every choice shrinks toward its *simplest* answer (the low
  end of a range, the first element of a sequence, False for ``flag``), and
  the builder orders its options so that "simplest" means "smaller module"
  (stop adding instructions, a constant instead of a sub-expression).
  ``span`` groups the choices of one statement/expression so the shrinker can
  delete it as a unit.
* ``UnstructuredChooser`` reads an ``Unstructured``: no Hypothesis engine in
  the loop, for the speed a libFuzzer campaign wants.  Exhausted data gives
  the simplest answers too, so generation winds down when the bytes run out.
"""
from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from typing import Protocol, TypeVar

from hypothesis import strategies as st

from .args import arg_value, values
from .unstructured import Unstructured

T = TypeVar("T")

#: resolution of ``flag`` probabilities
_FLAG_STEPS = 64


class Chooser(Protocol):
    def integer(self, lo: int, hi: int) -> int:
        """An int in [lo, hi]; simplest is lo."""

    def choice(self, seq: Sequence[T]) -> T:
        """An element of a non-empty sequence; simplest is the first."""

    def flag(self, p: float) -> bool:
        """True with probability about ``p``; simplest is False."""

    def value(self, valtype: int) -> int:
        """Edge-biased raw bits of a value of ``valtype``; simplest is 0."""

    def span(self, fn: Callable[[Chooser], T]) -> T:
        """Run ``fn`` with the choices it makes grouped as one unit (for deletion when shrinking)."""


def _flag_threshold(p: float) -> int:
    """Draws at or above this (of ``_FLAG_STEPS``) mean True, so the simplest draw 0 means False."""
    return _FLAG_STEPS - max(1, min(_FLAG_STEPS - 1, round(p * _FLAG_STEPS)))


class HypothesisChooser:
    """Choices drawn through Hypothesis (inside ``@st.composite``)."""

    __slots__ = ("_draw",)

    _integers: dict[tuple[int, int], st.SearchStrategy[int]] = {}
    _values: dict[int, st.SearchStrategy[tuple[int, int]]] = {}

    def __init__(self, draw: Callable[[st.SearchStrategy[T]], T]) -> None:
        self._draw = draw

    def _ints(self, lo: int, hi: int) -> st.SearchStrategy[int]:
        key = (lo, hi)
        strategy = self._integers.get(key)
        if strategy is None:
            strategy = self._integers[key] = st.integers(lo, hi)
        return strategy

    def integer(self, lo: int, hi: int) -> int:
        if lo == hi:
            return lo
        return self._draw(self._ints(lo, hi))

    def choice(self, seq: Sequence[T]) -> T:
        if len(seq) == 1:
            return seq[0]
        return seq[self._draw(self._ints(0, len(seq) - 1))]

    def flag(self, p: float) -> bool:
        return self._draw(self._ints(0, _FLAG_STEPS - 1)) >= _flag_threshold(p)

    def value(self, valtype: int) -> int:
        strategy = self._values.get(valtype)
        if strategy is None:
            strategy = self._values[valtype] = values(valtype)
        return self._draw(strategy)[1]

    def span(self, fn: Callable[[Chooser], T]) -> T:
        _PENDING.stack.append(fn)
        return self._draw(_SPAN)


class _Pending(threading.local):
    """Span bodies waiting to be run by ``_SPAN`` (one stack per thread; spans nest)."""

    def __init__(self) -> None:
        self.stack: list[Callable[[Chooser], object]] = []


_PENDING = _Pending()


@st.composite
def _run_pending(draw: Callable) -> object:
    return _PENDING.stack.pop()(HypothesisChooser(draw))


#: One strategy object for every span: building a fresh composite per span
#: would make Hypothesis validate a new strategy each time, which dominated
#: generation time.  The function to run is handed over through ``_PENDING``.
_SPAN = _run_pending()


class UnstructuredChooser:
    """Choices read from fuzzer bytes."""

    __slots__ = ("_u",)

    def __init__(self, u: Unstructured) -> None:
        self._u = u

    def integer(self, lo: int, hi: int) -> int:
        return self._u.int_in_range(lo, hi)

    def choice(self, seq: Sequence[T]) -> T:
        return self._u.choose(seq)

    def flag(self, p: float) -> bool:
        return self._u.int_in_range(0, _FLAG_STEPS - 1) >= _flag_threshold(p)

    def value(self, valtype: int) -> int:
        return arg_value(self._u, valtype)[1]

    def span(self, fn: Callable[[Chooser], T]) -> T:
        return fn(self)
