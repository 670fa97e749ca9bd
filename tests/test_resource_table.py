"""ResourceTable: a Hypothesis state machine against a plain dict model, plus targeted cases.

(The value classes and the model's entry record are those of the resource-table fuzz target,
``fuzzrt.oracles.resource_model``.)

The model predicts, for every operation, either the exact result (including
the rep a push hands out: lowest free slot, generation = times that slot was
freed) or the exact error class; after each step the whole table is compared
with the model.  Handles are drawn from everything ever issued (stale ones
included), retyped at random (exact, base class, object, a foreign class), and
from made-up reps (negative, over 31 bits, wrong generation).
"""
from __future__ import annotations

import pytest
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, precondition, rule

import runtime as rt
from fuzzrt.oracles.resource_model import KINDS, A, B, Base, C, Entry
from runtime.resources import MAX_GENERATION, Resource, ResourceTable
from runtime.resources import table as table_module

SLOT_MASK = (1 << 20) - 1
CAPACITY = 6
VIEW_TYPES = [None, None, None, Base, object, A, B, C]  # None: keep the issued type

#: which live entries a rule may draw a handle from (falling back to all live ones)
POOLS = {
    "live": lambda e: True,
    "taken": lambda e: e.taken,
    "child": lambda e: e.parent is not None,
    "parent": lambda e: bool(e.children),
}
MOSTLY_LIVE = st.sampled_from(["live", "live", "any"])


class ResourceTableMachine(RuleBasedStateMachine):
    @initialize(prefill=st.lists(st.tuples(st.sampled_from(sorted(KINDS)), st.integers(-1, 10)),
                                 max_size=CAPACITY))
    def setup(self, prefill: list[tuple[str, int]]) -> None:
        """Start from a table of up to CAPACITY entries; parent -1 means a root entry."""
        self.table = ResourceTable(max_capacity=CAPACITY)
        self.model: dict[int, Entry] = {}
        self.generations: dict[int, int] = {}   # slot -> times freed
        self.counter = 0
        self.handles: list[Resource] = [
            Resource(0, A), Resource(3, object), Resource(-1, A), Resource(1 << 31, object),
            Resource((1 << 32) + 2, B), Resource(2 | 5 << 20, A), Resource(SLOT_MASK, C),
        ]
        for kind, parent in prefill:
            value = self.value(kind)
            if parent < 0 or not self.model:
                self.add(self.table.push(value), value, value.__class__, None)
            else:
                parent_rep = sorted(self.model)[parent % len(self.model)]
                res = self.table.push_child(value, Resource(parent_rep, object))
                self.add(res, value, value.__class__, parent_rep)

    # -- helpers ----------------------------------------------------------------------
    def value(self, kind: str) -> object:
        self.counter += 1
        return KINDS[kind](self.counter)

    def handle(self, i: int, view: type | None, pool: str = "any") -> Resource:
        """Handle number ``i`` of a pool: live entries (all, taken, children, parents) or any seen."""
        if pool == "any" or not self.model:
            res = self.handles[i % len(self.handles)]
        else:
            reps = sorted(rep for rep, e in self.model.items() if POOLS[pool](e)) or sorted(self.model)
            rep = reps[i % len(reps)]
            res = Resource(rep, self.model[rep].type)
        return res if view is None else Resource(res.rep, view)

    def lookup_error(self, res: Resource) -> type | None:
        entry = self.model.get(res.rep)
        if entry is None:
            return rt.NotPresent
        if not issubclass(entry.type, res.type):
            return rt.WrongType
        return None

    def expect(self, error: type | None, op, *args, **kwargs):
        """Run ``op``; it must raise exactly ``error`` (naming the rep) or succeed."""
        if error is None:
            return op(*args, **kwargs)
        with pytest.raises(rt.ResourceTableError) as info:
            op(*args, **kwargs)
        assert type(info.value) is error, f"expected {error.__name__}, got {info.value!r}"
        return None

    def predicted_rep(self) -> int:
        live = {rep & SLOT_MASK for rep in self.model}
        slot = min(set(range(len(self.generations) + 1)) - live)
        return slot | self.generations.get(slot, 0) << 20

    def add(self, res: Resource, value: object, ty: type, parent: int | None) -> None:
        assert res.rep == self.predicted_rep()
        assert res.type is ty
        self.generations.setdefault(res.rep & SLOT_MASK, 0)
        self.model[res.rep] = Entry(value, ty, parent)
        if parent is not None:
            self.model[parent].children.add(res.rep)
        self.handles.append(res)

    def free(self, rep: int) -> None:
        del self.model[rep]
        self.generations[rep & SLOT_MASK] += 1

    # -- rules ------------------------------------------------------------------------
    @rule(kind=st.sampled_from(sorted(KINDS)), as_type=st.sampled_from([None, Base, object, A, C]))
    def push(self, kind: str, as_type: type | None) -> None:
        value = self.value(kind)
        ty = value.__class__ if as_type is None else as_type
        if not isinstance(value, ty):
            error = rt.WrongType
        elif len(self.model) >= CAPACITY:
            error = rt.Full
        else:
            error = None
        kwargs = {} if as_type is None else {"type": as_type}
        res = self.expect(error, self.table.push, value, **kwargs)
        if error is None:
            self.add(res, value, ty, None)

    @rule(kind=st.sampled_from(sorted(KINDS)), i=st.integers(0, 10**6),
          view=st.sampled_from(VIEW_TYPES), pool=MOSTLY_LIVE)
    def push_child(self, kind: str, i: int, view: type | None, pool: str) -> None:
        value = self.value(kind)
        parent = self.handle(i, view, pool)
        error = self.lookup_error(parent) or (rt.Full if len(self.model) >= CAPACITY else None)
        res = self.expect(error, self.table.push_child, value, parent)
        if error is None:
            self.add(res, value, value.__class__, parent.rep)

    @rule(i=st.integers(0, 10**6), view=st.sampled_from(VIEW_TYPES), pool=MOSTLY_LIVE)
    def get(self, i: int, view: type | None, pool: str) -> None:
        res = self.handle(i, view, pool)
        error = self.lookup_error(res) or (rt.Taken if self.model[res.rep].taken else None)
        value = self.expect(error, self.table.get, res)
        if error is None:
            assert value is self.model[res.rep].value

    @rule(i=st.integers(0, 10**6), view=st.sampled_from(VIEW_TYPES), pool=MOSTLY_LIVE)
    def take(self, i: int, view: type | None, pool: str) -> None:
        res = self.handle(i, view, pool)
        error = self.lookup_error(res) or (rt.Taken if self.model[res.rep].taken else None)
        value = self.expect(error, self.table.take, res)
        if error is None:
            entry = self.model[res.rep]
            assert value is entry.value
            entry.taken = True

    @rule(i=st.integers(0, 10**6), view=st.sampled_from(VIEW_TYPES),
          kind=st.sampled_from(["own", "A", "B", "C"]),
          pool=st.sampled_from(["taken", "taken", "live", "any"]))
    def restore(self, i: int, view: type | None, kind: str, pool: str) -> None:
        res = self.handle(i, view, pool)
        entry = self.model.get(res.rep)
        value = entry.value if kind == "own" and entry is not None else self.value(
            "A" if kind == "own" else kind)
        error = self.lookup_error(res)
        if error is None and not entry.taken:
            error = rt.NotTaken
        if error is None and not isinstance(value, entry.type):
            error = rt.WrongType
        self.expect(error, self.table.restore, res, value)
        if error is None:
            entry.value, entry.taken = value, False

    @rule(i=st.integers(0, 10**6), view=st.sampled_from(VIEW_TYPES), pool=MOSTLY_LIVE)
    def delete(self, i: int, view: type | None, pool: str) -> None:
        res = self.handle(i, view, pool)
        error = self.lookup_error(res)
        entry = self.model.get(res.rep)
        if error is None and entry.taken:
            error = rt.Taken
        if error is None and entry.children:
            error = rt.HasChildren
        value = self.expect(error, self.table.delete, res)
        if error is None:
            assert value is entry.value
            if entry.parent is not None:
                self.model[entry.parent].children.discard(res.rep)
            self.free(res.rep)

    @rule(i=st.integers(0, 10**6), j=st.integers(0, 10**6), view=st.sampled_from(VIEW_TYPES),
          same=st.booleans(), pool=st.sampled_from(["live", "child", "parent", "any"]))
    def renumber(self, i: int, j: int, view: type | None, same: bool, pool: str) -> None:
        src = self.handle(i, view, pool)
        dst = src if same else self.handle(j, None, "live" if pool != "any" else pool)
        error = self.lookup_error(src) or self.lookup_error(dst)
        if error is None and (self.model[src.rep].taken or self.model[dst.rep].taken):
            error = rt.Taken
        if error is None and src.rep != dst.rep and self.model[dst.rep].children:
            error = rt.HasChildren
        displaced = self.expect(error, self.table.renumber, src, dst)
        if error is not None:
            return
        if src.rep == dst.rep:
            assert displaced is None
            return
        moved, old = self.model[src.rep], self.model[dst.rep]
        assert displaced is old.value
        for family, member in ((old.parent, dst.rep), (moved.parent, src.rep)):
            if family is not None:
                self.model[family].children.discard(member)
        self.free(src.rep)
        self.model[dst.rep] = moved
        if moved.parent is not None:
            self.model[moved.parent].children.add(dst.rep)
        for child in moved.children:
            self.model[child].parent = dst.rep

    @precondition(lambda self: self.model)
    @rule(i=st.integers(0, 10**6))
    def take_and_restore_parent_with_children(self, i: int) -> None:
        """Taking a parent is allowed, and its children still list and block its deletion."""
        rep = sorted(self.model)[i % len(self.model)]
        entry = self.model[rep]
        if entry.taken or not entry.children:
            return
        res = Resource(rep, entry.type)
        value = self.table.take(res)
        assert {r.rep for r in self.table.iter_children(res)} == entry.children
        self.expect(rt.Taken, self.table.delete, res)
        self.table.restore(res, value)
        self.expect(rt.HasChildren, self.table.delete, res)

    # -- invariants --------------------------------------------------------------------
    @invariant()
    def table_matches_model(self) -> None:
        assert len(self.table) == self.table.len() == len(self.model)
        for rep, entry in self.model.items():
            res = Resource(rep, object)
            assert self.table.type_of(rep) is entry.type
            if entry.taken:
                self.expect(rt.Taken, self.table.get, res)
            else:
                assert self.table.get(res) is entry.value
            children = list(self.table.iter_children(res))
            assert [c.rep for c in children] == sorted(entry.children, key=lambda r: r & SLOT_MASK)
            assert all(c.type is self.model[c.rep].type for c in children)
            if entry.parent is not None:
                assert rep in self.model[entry.parent].children

    @invariant()
    def dead_handles_are_not_present(self) -> None:
        for res in self.handles:
            if res.rep not in self.model:
                self.expect(rt.NotPresent, self.table.get, res)
                self.expect(rt.NotPresent, self.table.type_of, res.rep)


TestResourceTableMachine = ResourceTableMachine.TestCase
TestResourceTableMachine.settings = settings(max_examples=100, stateful_step_count=50,
                                             deadline=None)


# -- targeted cases ----------------------------------------------------------------------
def test_errors_are_exported_typed_wasm_errors() -> None:
    for cls in (rt.NotPresent, rt.WrongType, rt.HasChildren, rt.Full, rt.Taken, rt.NotTaken):
        assert issubclass(cls, rt.ResourceTableError)
    assert issubclass(rt.ResourceTableError, rt.WasmError)
    assert rt.Resource is Resource and rt.ResourceTable is ResourceTable


def test_first_reps_are_deterministic_for_stdio_and_preopens() -> None:
    table = ResourceTable()
    reps = [table.push(A(n)).rep for n in range(5)]
    assert reps == [0, 1, 2, 3, 4]


def test_lowest_free_slot_is_reused_with_a_new_generation() -> None:
    table = ResourceTable()
    handles = [table.push(A(n)) for n in range(4)]
    table.delete(handles[2])
    table.delete(handles[1])
    first, second = table.push(B(7)), table.push(B(8))
    assert (first.rep, second.rep) == (1 | 1 << 20, 2 | 1 << 20)
    with pytest.raises(rt.NotPresent, match=r"resource 1 \(A\)"):
        table.get(handles[1])
    assert table.get(first).n == 7


def test_exhausted_generation_retires_the_slot() -> None:
    table = ResourceTable(max_capacity=1)
    seen = set()
    for _ in range(MAX_GENERATION + 1):
        res = table.push(A(0))
        seen.add(res.rep)
        table.delete(res)
    assert seen == {g << 20 for g in range(MAX_GENERATION + 1)}
    assert max(seen) < 1 << 31
    assert table.push(A(1)).rep == 1            # slot 0 is never reused again
    with pytest.raises(rt.NotPresent):
        table.get(Resource(MAX_GENERATION << 20, A))


def test_full_when_every_slot_is_retired(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(table_module, "MAX_SLOTS", 1)
    monkeypatch.setattr(table_module, "MAX_GENERATION", 1)
    table = ResourceTable(max_capacity=1)
    table.delete(table.push(A(0)))
    table.delete(table.push(A(1)))
    with pytest.raises(rt.Full, match="no free slot"):
        table.push(A(2))
    assert len(table) == 0


def test_capacity_counts_taken_entries() -> None:
    table = ResourceTable(max_capacity=2)
    first = table.push(A(0))
    table.push(A(1))
    table.take(first)
    with pytest.raises(rt.Full, match="max_capacity 2"):
        table.push(A(2))
    with pytest.raises(rt.Full):
        table.push_child(A(3), first)
    assert len(table) == 2 and list(table.iter_children(first)) == []


def test_types_match_by_subclass_and_type_of_tells_the_kind() -> None:
    table = ResourceTable()
    res = table.push(A(1))
    assert table.get(Resource(res.rep, Base)).n == 1
    assert table.get(Resource(res.rep, object)).n == 1
    assert table.type_of(res.rep) is A
    with pytest.raises(rt.WrongType, match=r"resource 0 \(B\) is a A, not a B") as info:
        table.get(Resource(res.rep, B))
    assert (info.value.rep, info.value.type) == (0, B)


def test_push_with_explicit_type() -> None:
    table = ResourceTable()
    res = table.push(A(1), type=Base)
    assert res.type is Base and table.type_of(res.rep) is Base
    table.take(res)
    table.restore(res, B(2))                    # any Base fits a Base entry
    with pytest.raises(rt.WrongType, match="cannot push a C as a Base"):
        table.push(C(1), type=Base)
    assert len(table) == 1


def test_restore_rules_and_messages() -> None:
    table = ResourceTable()
    res = table.push(A(1))
    with pytest.raises(rt.NotTaken, match=r"resource 0 \(A\) is not taken"):
        table.restore(res, A(2))
    value = table.take(res)
    for op in (table.get, table.take, table.delete):
        with pytest.raises(rt.Taken, match=r"resource 0 \(A\) is taken"):
            op(res)
    with pytest.raises(rt.WrongType, match=r"cannot restore a B into resource 0 \(A\)"):
        table.restore(res, B(2))
    table.restore(res, value)
    assert table.get(res) is value


def test_children_block_deletion_and_follow_renumber() -> None:
    table = ResourceTable()
    stdin, stdout, parent = table.push(A(0)), table.push(A(1)), table.push(A(2))
    child = table.push_child(B(3), parent)
    with pytest.raises(rt.HasChildren, match=r"resource 2 \(A\) still has 1 child"):
        table.delete(parent)
    with pytest.raises(rt.HasChildren):
        table.renumber(stdin, parent)           # would orphan the child
    displaced = table.renumber(parent, stdout)
    assert displaced.n == 1
    assert table.get(Resource(stdout.rep, A)).n == 2
    assert [c.rep for c in table.iter_children(stdout)] == [child.rep]
    with pytest.raises(rt.NotPresent):
        table.get(parent)
    table.delete(child)
    assert table.delete(stdout).n == 2
    assert table.renumber(stdin, stdin) is None
    assert len(table) == 1


def test_made_up_handles_are_not_present() -> None:
    table = ResourceTable()
    table.push(A(0))
    for rep in (-1, 1, 1 << 20, 1 << 31, (1 << 32) + 0, 10**30):
        with pytest.raises(rt.NotPresent):
            table.get(Resource(rep, A))


def test_bad_construction_is_refused() -> None:
    for bad in (-1, (1 << 20) + 1, 1.5):
        with pytest.raises(ValueError):
            ResourceTable(max_capacity=bad)
    with pytest.raises(TypeError):
        Resource("3", A)
    with pytest.raises(TypeError):
        Resource(3, A(0))
    assert Resource(3, A) == Resource(3, A) and hash(Resource(3, A)) == hash(Resource(3, A))
    assert Resource(3, A) != Resource(3, B)
