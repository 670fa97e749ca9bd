"""Op lists of the ``api-calls`` target: random sequences of public API calls, as wasmtime's api_calls.

Every op names the objects it uses by kind and a raw index (taken modulo the
objects of that kind when it runs), so any op list is meaningful, shrunk ones
included.  Objects are used with their own store most of the time (``own``),
otherwise with whatever store the op names: that is how cross-store use and
use after ``Store.close()`` come up.  Values (table elements, globals, call
arguments) are drawn from the right type mostly, and sometimes from a wrong
one (a string, an int where a reference is due).
"""
from __future__ import annotations

from typing import Any

from .unstructured import Unstructured

#: op -> relative weight
_OPS = (("engine", 1), ("store", 3), ("close", 1), ("module", 4), ("instance", 6), ("export", 8),
        ("func_new", 2), ("memory_new", 1), ("table_new", 1), ("global_new", 2), ("call", 8),
        ("mem_read", 3), ("mem_write", 3), ("mem_grow", 2), ("mem_size", 1), ("tab_get", 3),
        ("tab_set", 3), ("tab_grow", 2), ("tab_size", 1), ("glob_get", 2), ("glob_set", 3),
        ("linker", 1), ("shadow", 1), ("define", 3), ("define_func", 2), ("define_instance", 2),
        ("linker_get", 2), ("linker_instantiate", 4))
_WEIGHTED = tuple(name for name, weight in _OPS for _ in range(weight))
#: names a linker op may define or look up ("env" ones are what the importer module needs)
LINK_NAMES = (("env", "f"), ("env", "g"), ("env", "mem"), ("env", "tab"), ("m0", "add"), ("x", "y"))
EXTERN_KINDS = ("func", "memory", "table", "global")
#: the object indices each op draws (e engine, s store, m module, i instance, x extern, l linker;
#: ``own``: use the object with its own store); ops on one extern use ``_EXTERN_USE``
_OBJECTS = {"engine": (), "store": ("e",), "close": ("s",), "module": ("e",), "instance": ("s", "m"),
            "export": ("i", "own", "s"), "func_new": ("s",), "memory_new": ("s",), "table_new": ("s",),
            "global_new": ("s",), "linker": ("e",), "shadow": ("l",), "define": ("l", "x"),
            "define_func": ("l",), "define_instance": ("l", "i", "own", "s"), "linker_get": ("l", "s"),
            "linker_instantiate": ("l", "s", "m")}
_EXTERN_USE = ("x", "own", "s")
#: call argument shapes: the right ones, one too few/many, a wrong type first
CALL_MODES = ("right", "right", "right", "arity", "type")


def draw_value(u: Unstructured) -> list[Any]:
    """A value to store or pass: a reference to a Func handle, null, or a (possibly ill-typed) constant."""
    shape = u.choose(("func", "none", "int", "str", "float", "func"))
    if shape == "func":
        return [shape, u.u8()]
    if shape == "int":
        return [shape, u.choose((0, 1, 7, -1, 1 << 31, -(1 << 40)))]
    if shape == "str":
        return [shape, u.choose(("a", "b"))]
    if shape == "float":
        return [shape, u.choose((0.5, -2.0, 1e10))]
    return [shape]


def draw_op(u: Unstructured) -> dict[str, Any]:
    name = u.choose(_WEIGHTED)
    op: dict[str, Any] = {"op": name}
    # which objects the op uses: raw indices, and whether an object goes with its own store
    for key in _OBJECTS.get(name, _EXTERN_USE):
        op[key] = u.ratio(5, 6) if key == "own" else u.u8()
    if name == "module":
        op["k"] = u.u8()
    elif name == "instance":
        op["imports"] = [[u.choose(EXTERN_KINDS), u.u8()] for _ in range(u.choose((4, 4, 4, 0, 3, 5)))]
    elif name == "export":
        op["name"] = u.u8()
    elif name == "func_new":
        op["k"] = u.u8()
    elif name == "memory_new":
        lo = u.int_in_range(0, 2)
        op["min"], op["max"] = lo, (None if u.ratio(1, 2) else lo + u.int_in_range(0, 2))
    elif name == "table_new":
        lo = u.int_in_range(0, 3)
        op.update(elem=u.choose(("funcref", "externref")), min=lo,
                  max=None if u.ratio(1, 2) else lo + u.int_in_range(0, 3), value=draw_value(u))
    elif name == "global_new":
        op.update(valtype=u.choose(("i32", "i64", "f64")), mutable=u.boolean(), value=draw_value(u))
    elif name == "call":
        op.update(mode=u.choose(CALL_MODES), args=[u.choose((0, 1, 3, 4, 65535, 65536, -1, 1 << 31))
                                                   for _ in range(3)])
    elif name == "mem_read":
        op.update(start=u.choose((0, 2, 65530, 65536, -4, None)), stop=u.choose((4, 16, 65540, None, -1)))
    elif name == "mem_write":
        op.update(start=u.choose((0, 1, 65532, 65535, 65536, 131070, -2, None)),
                  data=u.bytes(u.int_in_range(0, 8)).hex())
    elif name == "mem_grow":
        op["delta"] = u.choose((0, 1, 2, -1, 70000))
    elif name in ("tab_get", "tab_set"):
        op.update(idx=u.choose((0, 1, 2, 3, 9, -1, "0")), value=draw_value(u))
    elif name == "tab_grow":
        op.update(amount=u.choose((0, 1, 3, -1, 20_000_000)), value=draw_value(u))
    elif name == "glob_set":
        op["value"] = draw_value(u)
    elif name == "shadow":
        op["on"] = u.boolean()
    elif name == "define":
        op.update(key=u.u8(), kind=u.choose(EXTERN_KINDS))
    elif name == "define_func":
        op.update(key=u.u8(), k=u.u8())
    elif name == "linker_get":
        op["key"] = u.u8()
    elif name == "define_instance":
        op["name"] = u.choose(("env", "m0", "x"))
    return op


def draw_case(u: Unstructured, max_ops: int) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """(ops, knobs): an engine, two stores and the fixed modules first, so most ops have objects to use."""
    ops: list[dict[str, Any]] = [{"op": "engine"}, {"op": "store", "e": 0}, {"op": "store", "e": 0},
                                 {"op": "module", "e": 0, "k": 0}, {"op": "module", "e": 0, "k": 1}]
    while len(ops) < max_ops and not u.is_empty():
        ops.append(draw_op(u))
    return ops, {}
