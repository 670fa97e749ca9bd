"""ResourceTable: the store's table of host resources, addressed by u32 handles.

Why a table: a guest only ever holds integers.  Every host object it can name
(a WASI file descriptor, a stream, a pollable) lives here, and a guest integer
becomes a reference only by going through a typed lookup, which can fail in
exactly one typed way per misuse.  No operation can panic, and a failed
operation changes nothing.

Handles and reps
----------------
``Resource(rep, type)`` is a typed handle.  ``rep`` is the u32 the guest holds;
``type`` is what the holder expects the entry to be.  The entry matches when its
type is ``type`` or a subclass of it, so ``Resource(fd, FileDescriptor)``
reaches a ``File`` or a ``Directory`` entry, and ``Resource(rep, object)``
reaches any entry (``type_of(rep)`` tells which it is).

A rep encodes a slot and that slot's generation::

    rep = slot | generation << 20        slot in [0, 2**20), generation in [0, 2**11)

so every rep fits in 31 bits: it is a valid u32 *and* a non-negative C ``int``
(wasi-libc treats a negative fd as an error).  Each time a slot is freed its
generation goes up, so a stale handle to a reused slot carries the old
generation and gets ``NotPresent`` instead of silently reaching the newcomer.
A slot whose generation is exhausted is retired (never reused) rather than
wrapped, so a stale rep can never become valid again.

Allocation is deterministic: a new entry takes the lowest free slot, and a slot
used for the first time has generation 0, so ``rep == slot``.  A fresh table
therefore hands out reps 0, 1, 2, ... in push order — WASI pushes stdin,
stdout, stderr first (reps 0, 1, 2), then its preopened directories (3, 4, ...).

Entry states
------------
An entry is live from ``push`` until ``delete``; ``max_capacity`` counts live
entries.  ``take`` moves the value out (for exclusive use, e.g. while polling)
and leaves the entry live but *taken*: ``get``/``take``/``delete``/``renumber``
of it raise ``Taken`` until ``restore`` puts a value of the entry's type back.
Being taken only concerns the value: a taken entry still counts, still accepts
children and still lists them.

Children (``push_child``) hold their parent alive: a parent cannot be deleted
(``HasChildren``) while it has any, so a child — a pollable of a stream, say —
never outlives what it watches.

The table is not thread-safe; it belongs to one Store, which is used by one
thread at a time.
"""
from __future__ import annotations

import heapq
from dataclasses import dataclass
from typing import Any, Generic, Iterator, TypeVar

from ..errors import Full, HasChildren, NotPresent, NotTaken, Taken, WrongType

T = TypeVar("T")

SLOT_BITS = 20
#: slots per table: a rep's low 20 bits
MAX_SLOTS = 1 << SLOT_BITS
#: generations per slot: bits 20..30 of a rep (bit 31 stays clear)
MAX_GENERATION = (1 << 11) - 1
_SLOT_MASK = MAX_SLOTS - 1
_REP_LIMIT = 1 << 31


@dataclass(frozen=True, slots=True)
class Resource(Generic[T]):
    """A typed handle: the guest's ``rep`` plus the type its holder expects."""

    rep: int
    type: type[T]

    def __post_init__(self) -> None:
        if not isinstance(self.rep, int):
            raise TypeError(f"Resource rep must be an int, got {self.rep!r}")
        if not isinstance(self.type, type):
            raise TypeError(f"Resource type must be a class, got {self.type!r}")

    def __repr__(self) -> str:
        return f"Resource({self.rep}, {self.type.__qualname__})"


def _name(rep: int, ty: type) -> str:
    return f"resource {rep} ({ty.__qualname__})"


class _Entry:
    """A live slot: its value (None while taken), fixed type, and family links."""

    __slots__ = ("value", "type", "taken", "parent", "children")

    def __init__(self, value: Any, ty: type, parent: int | None):
        self.value = value
        self.type = ty
        self.taken = False
        self.parent = parent                 # parent's slot, or None
        self.children: set[int] = set()      # children's slots


class ResourceTable:
    """Typed, generation-checked storage of host objects; see the module docstring."""

    def __init__(self, max_capacity: int = 1_000_000):
        if not isinstance(max_capacity, int) or not 0 <= max_capacity <= MAX_SLOTS:
            raise ValueError(f"max_capacity must be an int in 0..{MAX_SLOTS}, got {max_capacity!r}")
        self.max_capacity = max_capacity
        self._slots: list[_Entry | None] = []
        self._generations: list[int] = []
        self._free: list[int] = []           # min-heap of reusable slots
        self._live = 0

    # -- queries ---------------------------------------------------------------------
    def __len__(self) -> int:
        return self._live

    def len(self) -> int:
        """Number of live entries, taken ones included."""
        return self._live

    def type_of(self, rep: int) -> type:
        """The type of the live entry at ``rep`` (taken or not), for dispatch on kind."""
        return self._lookup(Resource(rep, object))[1].type

    def get(self, res: Resource[T]) -> T:
        """The value of ``res``; the entry stays in place."""
        slot, entry = self._lookup(res)
        self._check_not_taken(res, entry)
        return entry.value

    def iter_children(self, res: Resource[Any]) -> Iterator[Resource[Any]]:
        """Handles (typed with each child's own type) to the children of ``res``.

        A snapshot, in slot order: the table may be changed while iterating.
        Works on a taken parent too, since it does not touch the parent's value.
        """
        _, entry = self._lookup(res)
        children = [self._resource(slot, self._slots[slot].type) for slot in sorted(entry.children)]
        return iter(children)

    # -- adding ----------------------------------------------------------------------
    def push(self, obj: T, *, type: type | None = None) -> Resource[T]:
        """Add ``obj`` as a new entry of ``type`` (default: its class); return its handle."""
        ty = self._entry_type(obj, type)
        slot = self._allocate()
        self._slots[slot] = _Entry(obj, ty, None)
        return self._resource(slot, ty)

    def push_child(self, obj: T, parent: Resource[Any], *, type: type | None = None) -> Resource[T]:
        """Add ``obj`` as a child of ``parent``, which then cannot be deleted before it."""
        ty = self._entry_type(obj, type)
        parent_slot, parent_entry = self._lookup(parent)
        slot = self._allocate()
        self._slots[slot] = _Entry(obj, ty, parent_slot)
        parent_entry.children.add(slot)
        return self._resource(slot, ty)

    # -- removing and moving -----------------------------------------------------------
    def delete(self, res: Resource[T]) -> T:
        """Remove the entry and return its value; its rep is stale from now on."""
        slot, entry = self._lookup(res)
        self._check_not_taken(res, entry)
        self._check_childless(res, entry)
        self._unlink(slot, entry)
        self._release(slot)
        return entry.value

    def take(self, res: Resource[T]) -> T:
        """Move the value out for exclusive use; the entry stays live but taken."""
        _, entry = self._lookup(res)
        self._check_not_taken(res, entry)
        value, entry.value, entry.taken = entry.value, None, True
        return value

    def restore(self, res: Resource[T], obj: T) -> None:
        """Put a value of the entry's type back into a taken entry."""
        _, entry = self._lookup(res)
        if not entry.taken:
            raise NotTaken(f"{_name(res.rep, entry.type)} is not taken: nothing to restore",
                           res.rep, entry.type)
        if not isinstance(obj, entry.type):
            raise WrongType(f"cannot restore a {obj.__class__.__qualname__} into "
                            f"{_name(res.rep, entry.type)}", res.rep, entry.type)
        entry.value, entry.taken = obj, False

    def renumber(self, src: Resource[Any], dst: Resource[Any]) -> Any:
        """Move the entry at ``src`` to ``dst``'s rep, displacing ``dst``; return ``dst``'s old value.

        This is WASI ``fd_renumber``: afterwards ``dst.rep`` names what ``src``
        named (with ``src``'s type, parent and children), and ``src.rep`` is
        stale.  Both must be live and not taken, and ``dst`` must have no
        children (they would lose their parent).  Renumbering an entry onto
        itself moves nothing and returns None.
        """
        src_slot, src_entry = self._lookup(src)
        dst_slot, dst_entry = self._lookup(dst)
        self._check_not_taken(src, src_entry)
        self._check_not_taken(dst, dst_entry)
        if src_slot == dst_slot:
            return None
        self._check_childless(dst, dst_entry)
        self._unlink(dst_slot, dst_entry)
        self._unlink(src_slot, src_entry)
        self._slots[dst_slot] = src_entry
        if src_entry.parent is not None:
            self._slots[src_entry.parent].children.add(dst_slot)
        for child in src_entry.children:
            self._slots[child].parent = dst_slot
        self._release(src_slot)
        return dst_entry.value

    # -- internals -------------------------------------------------------------------
    def _lookup(self, res: Resource[Any]) -> tuple[int, _Entry]:
        """Slot and entry of a live ``res`` whose type matches, else NotPresent/WrongType."""
        rep = res.rep
        slot = rep & _SLOT_MASK
        entry = self._slots[slot] if 0 <= rep < _REP_LIMIT and slot < len(self._slots) else None
        if entry is None or self._generations[slot] != rep >> SLOT_BITS:
            raise NotPresent(f"{_name(rep, res.type)} is not present in the table", rep, res.type)
        if not issubclass(entry.type, res.type):
            raise WrongType(f"{_name(rep, res.type)} is a {entry.type.__qualname__}, "
                            f"not a {res.type.__qualname__}", rep, res.type)
        return slot, entry

    @staticmethod
    def _check_not_taken(res: Resource[Any], entry: _Entry) -> None:
        if entry.taken:
            raise Taken(f"{_name(res.rep, entry.type)} is taken and not yet restored",
                        res.rep, entry.type)

    @staticmethod
    def _check_childless(res: Resource[Any], entry: _Entry) -> None:
        if entry.children:
            raise HasChildren(f"{_name(res.rep, entry.type)} still has {len(entry.children)} "
                              f"child resource(s)", res.rep, entry.type)

    @staticmethod
    def _entry_type(obj: Any, ty: type | None) -> type:
        if ty is None:
            return obj.__class__
        if not isinstance(ty, type):
            raise TypeError(f"resource type must be a class, got {ty!r}")
        if not isinstance(obj, ty):
            raise WrongType(f"cannot push a {obj.__class__.__qualname__} as a {ty.__qualname__}",
                            None, ty)
        return ty

    def _resource(self, slot: int, ty: type) -> Resource[Any]:
        return Resource(slot | self._generations[slot] << SLOT_BITS, ty)

    def _allocate(self) -> int:
        """Reserve the lowest free slot (or a new one) and count it live; Full if none."""
        if self._live >= self.max_capacity:
            raise Full(f"resource table is full: {self._live} live entries, "
                       f"max_capacity {self.max_capacity}")
        if self._free:
            slot = heapq.heappop(self._free)
        elif len(self._slots) < MAX_SLOTS:
            slot = len(self._slots)
            self._slots.append(None)
            self._generations.append(0)
        else:
            raise Full(f"resource table has no free slot: all {MAX_SLOTS} slots are live or "
                       f"retired after {MAX_GENERATION + 1} generations")
        self._live += 1
        return slot

    def _unlink(self, slot: int, entry: _Entry) -> None:
        """Drop ``slot`` from its parent's children."""
        if entry.parent is not None:
            self._slots[entry.parent].children.discard(slot)

    def _release(self, slot: int) -> None:
        """Free a slot: bump its generation so old reps go stale; retire it when exhausted."""
        self._slots[slot] = None
        self._live -= 1
        if self._generations[slot] < MAX_GENERATION:
            self._generations[slot] += 1
            heapq.heappush(self._free, slot)
