"""A model of ``runtime.resources.ResourceTable`` that predicts every operation's exact outcome.

Why a model rather than an allow-list of errors: the table's contract is
deterministic (a push takes the lowest free slot, whose generation is the
number of times it was freed; each misuse fails in exactly one typed way and
changes nothing), so for any operation on any handle the model can name the
one right answer: the rep, the value, or the error class.  The
``resource-table`` fuzz target and its Hypothesis state machine both drive
the table through ``ResourceModel`` and compare.

Handles in ops are JSON (``handle_spec``): a live entry (``{"live": i}``), any
handle ever issued, stale ones included (``{"issued": i}``), or a made-up rep
(``{"rep": n}``: negative, over 31 bits, wrong generation...), each optionally
viewed as another type (``"view"``: exact, base class, ``object``, a sibling
or an unrelated class), so every lookup error is reachable.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import runtime as rt
from runtime.resources import Resource, ResourceTable

SLOT_BITS = 20
SLOT_MASK = (1 << SLOT_BITS) - 1


class Base:
    """The common base of the A/B values (a view that reaches both)."""

    def __init__(self, n: int):
        self.n = n

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.n})"


class A(Base):
    pass


class B(Base):
    pass


class C:
    """Unrelated to Base: a foreign type for every A/B entry."""

    def __init__(self, n: int):
        self.n = n

    def __repr__(self) -> str:
        return f"C({self.n})"


KINDS: dict[str, type] = {"A": A, "B": B, "C": C}
#: the types a handle may be viewed as, by name
TYPES: dict[str, type] = {"A": A, "B": B, "C": C, "Base": Base, "object": object}
#: made-up reps: negative, stdin-like, past 31 bits, over 32 bits, a future generation, the last slot
MADE_UP_REPS = (-1, 0, 3, 1 << 31, (1 << 32) + 2, 2 | 5 << SLOT_BITS, SLOT_MASK)


@dataclass
class Entry:
    value: Any
    type: type
    parent: int | None = None
    children: set[int] = field(default_factory=set)
    taken: bool = False


#: one entry as the model and the table are compared: (rep, type name, taken, value tag, children reps)
EntryState = tuple[int, str, bool, "str | None", list[int]]


def tag(value: Any) -> str | None:
    """A value as the model compares it: its class and serial number ``n`` (identity without addresses)."""
    return None if value is None else f"{type(value).__name__}{value.n}"


def attempt(fn: Callable[..., Any], *args: Any, convert: Callable[[Any], Any] = tag,
            **kwargs: Any) -> tuple[str, Any]:
    """Run a table operation: ("ok", its converted result), or (its ResourceTableError class name, None)."""
    try:
        return "ok", convert(fn(*args, **kwargs))
    except rt.ResourceTableError as err:
        return type(err).__name__, None


def table_state(table: ResourceTable, reps: list[int]) -> tuple[int, list[EntryState]]:
    """The runtime table as ``ResourceModel.state`` describes itself: live count, then the given reps."""
    out = []
    for rep in reps:
        handle = Resource(rep, object)
        kind, value = attempt(table.get, handle)
        out.append((rep, table.type_of(rep).__name__, kind == "Taken", value,
                    [c.rep for c in table.iter_children(handle)]))
    return len(table), out


class ResourceModel:
    """What a ``ResourceTable(max_capacity)`` must contain and answer after each operation."""

    def __init__(self, capacity: int, types: dict[str, type] | None = None):
        self.capacity = capacity
        self.types = TYPES if types is None else types
        self.entries: dict[int, Entry] = {}
        self.generations: dict[int, int] = {}     # slot -> times freed
        self.issued: list[tuple[int, type]] = []  # every handle ever handed out
        self.counter = 0

    # -- handles ------------------------------------------------------------------------
    def resolve(self, spec: dict[str, Any]) -> tuple[int, type]:
        """(rep, type) a handle spec names in the current state."""
        if "live" in spec and self.entries:
            rep = sorted(self.entries)[spec["live"] % len(self.entries)]
            rep_type = self.entries[rep].type
        elif "issued" in spec and self.issued:
            rep, rep_type = self.issued[spec["issued"] % len(self.issued)]
        else:
            rep, rep_type = int(spec.get("rep", MADE_UP_REPS[0])), A
        view = spec.get("view")
        return rep, (self.types[view] if view else rep_type)

    def lookup_error(self, rep: int, ty: type) -> str | None:
        entry = self.entries.get(rep)
        if entry is None:
            return "NotPresent"
        if not issubclass(entry.type, ty):
            return "WrongType"
        return None

    def usable_error(self, rep: int, ty: type) -> str | None:
        """The error of get/take/delete-style access: lookup, then taken."""
        return self.lookup_error(rep, ty) or ("Taken" if self.entries[rep].taken else None)

    # -- values -------------------------------------------------------------------------
    def new_value(self, kind: str) -> Any:
        self.counter += 1
        return KINDS[kind](self.counter)

    def next_rep(self) -> int:
        """The rep the next push must hand out: lowest free slot, tagged with its generation."""
        live = {rep & SLOT_MASK for rep in self.entries}
        slot = min(set(range(len(self.generations) + 1)) - live)
        return slot | self.generations.get(slot, 0) << SLOT_BITS

    def add(self, value: Any, ty: type, parent: int | None) -> int:
        rep = self.next_rep()
        self.generations.setdefault(rep & SLOT_MASK, 0)
        self.entries[rep] = Entry(value, ty, parent)
        if parent is not None:
            self.entries[parent].children.add(rep)
        self.issued.append((rep, ty))
        return rep

    def free(self, rep: int) -> None:
        entry = self.entries.pop(rep)
        if entry.parent is not None:
            self.entries[entry.parent].children.discard(rep)
        self.generations[rep & SLOT_MASK] += 1

    # -- state ----------------------------------------------------------------------------
    def state(self) -> tuple[int, list[EntryState]]:
        """Live count, then every live entry (children in slot order), as ``table_state`` reads the table."""
        return len(self.entries), [(rep, e.type.__name__, e.taken, None if e.taken else tag(e.value),
                                    sorted(e.children, key=lambda r: r & SLOT_MASK))
                                   for rep, e in sorted(self.entries.items())]
