"""The ``resource-table`` target: random operation sequences on a ResourceTable, judged by its model.

Each case is a small table (capacity 0-8, so "at and over capacity" is
common) and up to ``max_ops`` operations — push, push_child, get, take,
restore, delete, iter_children, renumber — on handles that are live, stale,
retyped (foreign or base-class views) or made up.  ``ResourceModel`` predicts
every result exactly (rep, value, children, or the one error class), and after
every step the whole table must equal the model.
"""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fuzzrt.generators.case import Generated
from fuzzrt.generators.unstructured import Unstructured
from fuzzrt.oracles.resource_model import MADE_UP_REPS, SLOT_MASK, TYPES, ResourceModel, tag, table_state
from fuzzrt.oracles.resource_model import attempt as model_attempt
from runtime.resources import Resource, ResourceTable

from .sequence import OK, Check, Op, Result, SequenceSession, SequenceTarget

MAX_CAPACITY = 8
OPS = ("push", "push_child", "get", "take", "restore", "delete", "iter_children", "renumber")
KIND_NAMES = ("A", "B", "C")
VIEWS = (None, None, None, None, "Base", "object", "A", "B", "C")


def handle_spec(u: Unstructured, views: tuple[str | None, ...] = VIEWS) -> dict[str, Any]:
    """A handle as JSON: mostly live entries, then issued (maybe stale) ones, then made-up reps."""
    source = u.int_in_range(0, 19)
    if source < 12:
        spec: dict[str, Any] = {"live": u.int_in_range(0, 255)}
    elif source < 17:
        spec = {"issued": u.int_in_range(0, 255)}
    elif source < 19:
        spec = {"rep": u.choose(MADE_UP_REPS)}
    else:
        spec = {"rep": u.u32() | (u.int_in_range(0, 3) << 32)}
    view = u.choose(views)
    if view is not None:
        spec["view"] = view
    return spec


def generate_op(u: Unstructured) -> Op:
    name = u.choose(OPS)
    if name == "push":
        op: Op = {"op": name, "kind": u.choose(KIND_NAMES)}
        as_type = u.choose((None, None, None, "Base", "object", "A", "C"))
        if as_type is not None:
            op["as"] = as_type
        return op
    if name == "push_child":
        return {"op": name, "kind": u.choose(KIND_NAMES), "parent": handle_spec(u)}
    if name == "restore":
        return {"op": name, "handle": handle_spec(u), "value": u.choose(("own", "own", "A", "B", "C"))}
    if name == "renumber":
        return {"op": name, "src": handle_spec(u), "dst": handle_spec(u)}
    return {"op": name, "handle": handle_spec(u)}


def attempt(fn: Callable[..., Any], *args: Any, convert: Callable[[Any], Any] = tag, **kwargs: Any) -> Result:
    """A table operation's outcome as a ``Result``."""
    return Result(*model_attempt(fn, *args, convert=convert, **kwargs))


class ResourceTableSession(SequenceSession):
    """A ResourceTable and its model, stepped together."""

    def __init__(self, capacity: int, model: ResourceModel | None = None):
        self.table = ResourceTable(max_capacity=capacity)
        self.model = ResourceModel(capacity) if model is None else model

    def step(self, op: Op) -> list[Check]:
        """The op's own checks (method ``_<op>``), then the whole table against the model."""
        checks = getattr(self, f"_{op['op']}")(op)
        actual = attempt(table_state, self.table, sorted(self.model.entries), convert=lambda s: s)
        return [*checks, Check("state", Result("ok", self.model.state()), actual)]

    def _handle(self, spec: dict[str, Any]) -> Resource[Any]:
        return Resource(*self.model.resolve(spec))

    # -- ops ------------------------------------------------------------------------------
    def _push(self, op: Op) -> list[Check]:
        m = self.model
        value = m.new_value(op["kind"])
        ty = TYPES[op["as"]] if "as" in op else type(value)
        if not isinstance(value, ty):
            expected = Result("WrongType")
        elif len(m.entries) >= m.capacity:
            expected = Result("Full")
        else:
            expected = Result("ok", m.next_rep())
        kwargs = {"type": ty} if "as" in op else {}
        actual = attempt(self.table.push, value, convert=lambda r: r.rep, **kwargs)
        if expected.kind == "ok":
            m.add(value, ty, None)
        return [Check("push", expected, actual)]

    def _push_child(self, op: Op) -> list[Check]:
        m = self.model
        value = m.new_value(op["kind"])
        parent = self._handle(op["parent"])
        error = m.lookup_error(parent.rep, parent.type) or ("Full" if len(m.entries) >= m.capacity else None)
        expected = Result(error) if error else Result("ok", m.next_rep())
        actual = attempt(self.table.push_child, value, parent, convert=lambda r: r.rep)
        if error is None:
            m.add(value, type(value), parent.rep)
        return [Check("push_child", expected, actual)]

    def _get(self, op: Op) -> list[Check]:
        res = self._handle(op["handle"])
        error = self.model.usable_error(res.rep, res.type)
        expected = Result(error) if error else Result("ok", tag(self.model.entries[res.rep].value))
        return [Check("get", expected, attempt(self.table.get, res))]

    def _take(self, op: Op) -> list[Check]:
        res = self._handle(op["handle"])
        error = self.model.usable_error(res.rep, res.type)
        expected = Result(error) if error else Result("ok", tag(self.model.entries[res.rep].value))
        actual = attempt(self.table.take, res)
        if error is None:
            self.model.entries[res.rep].taken = True
        return [Check("take", expected, actual)]

    def _restore(self, op: Op) -> list[Check]:
        m = self.model
        res = self._handle(op["handle"])
        entry = m.entries.get(res.rep)
        own = op["value"] == "own" and entry is not None
        value = entry.value if own else m.new_value("A" if op["value"] == "own" else op["value"])
        error = m.lookup_error(res.rep, res.type)
        if error is None and not entry.taken:
            error = "NotTaken"
        if error is None and not isinstance(value, entry.type):
            error = "WrongType"
        actual = attempt(self.table.restore, res, value)
        if error is None:
            entry.value, entry.taken = value, False
        return [Check("restore", Result(error) if error else OK, actual)]

    def _delete(self, op: Op) -> list[Check]:
        m = self.model
        res = self._handle(op["handle"])
        error = m.usable_error(res.rep, res.type)
        if error is None and m.entries[res.rep].children:
            error = "HasChildren"
        expected = Result(error) if error else Result("ok", tag(m.entries[res.rep].value))
        actual = attempt(self.table.delete, res)
        if error is None:
            m.free(res.rep)
        return [Check("delete", expected, actual)]

    def _iter_children(self, op: Op) -> list[Check]:
        m = self.model
        res = self._handle(op["handle"])
        error = m.lookup_error(res.rep, res.type)
        if error:
            expected = Result(error)
        else:
            children = sorted(m.entries[res.rep].children, key=lambda r: r & SLOT_MASK)
            expected = Result("ok", [(c, m.entries[c].type.__name__) for c in children])
        actual = attempt(self.table.iter_children, res, convert=lambda it: [(c.rep, c.type.__name__) for c in it])
        return [Check("iter_children", expected, actual)]

    def _renumber(self, op: Op) -> list[Check]:
        m = self.model
        src, dst = self._handle(op["src"]), self._handle(op["dst"])
        error = m.lookup_error(src.rep, src.type) or m.lookup_error(dst.rep, dst.type)
        if error is None and (m.entries[src.rep].taken or m.entries[dst.rep].taken):
            error = "Taken"
        if error is None and src.rep != dst.rep and m.entries[dst.rep].children:
            error = "HasChildren"
        if error is not None:
            expected = Result(error)
        else:
            expected = Result("ok", None if src.rep == dst.rep else tag(m.entries[dst.rep].value))
        actual = attempt(self.table.renumber, src, dst)
        if error is None and src.rep != dst.rep:
            self._move(src.rep, dst.rep)
        return [Check("renumber", expected, actual)]

    def _move(self, src: int, dst: int) -> None:
        """The model's fd_renumber: ``dst`` now names what ``src`` named; ``src`` is stale."""
        m = self.model
        moved, old = m.entries[src], m.entries[dst]
        if old.parent is not None:
            m.entries[old.parent].children.discard(dst)
        m.free(src)
        m.entries[dst] = moved
        if moved.parent is not None:
            m.entries[moved.parent].children.add(dst)
        for child in moved.children:
            m.entries[child].parent = dst


class ResourceTableTarget(SequenceTarget):
    name = "resource-table"
    description = ("random push/push_child/get/take/restore/delete/iter_children/renumber sequences on a "
                   "ResourceTable (live, stale, retyped and made-up handles, at and over capacity) "
                   "against an exact model")

    def generate_ops(self, u: Unstructured) -> tuple[list[Op], dict[str, Any]]:
        capacity = u.int_in_range(0, MAX_CAPACITY)
        ops = [generate_op(u) for _ in range(u.arbitrary_len(self.max_ops))]
        return ops, {"capacity": capacity}

    def open(self, case: Generated) -> SequenceSession:
        return ResourceTableSession(int(case.config.get("capacity", MAX_CAPACITY)))


TARGET = ResourceTableTarget()
