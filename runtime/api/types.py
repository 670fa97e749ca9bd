"""Public type objects: value, function, global, table, memory, import and export types.

These mirror the names and shapes of wasmtime-py's ``_types`` module so code
written against one runtime reads the same against the other.  Each object is
an immutable wrapper over the int-coded signature from ``runtime.syntax.types``
(reachable as ``._sig``, rebuilt with ``._from_sig``): the decoder, validator
and JIT keep working on plain ints and tuples, and only the API boundary pays
for the wrapper.  Because they are immutable they are hashable and compare by
signature, which is what the linker needs to match imports.
"""
from __future__ import annotations

from typing import Any, Iterable, Union

from ..errors import WasmError
from ..syntax import types as st

_U32_MAX = 0xFFFF_FFFF


class ValType:
    """A WebAssembly value type (``i32``, ``f64``, ``funcref``, ...).

    There is exactly one instance per type, so ``ValType.i32() is
    ValType.i32()``; comparison and hashing go by the binary type code kept in
    ``._code`` (the int from ``runtime.syntax.types``).
    """

    __slots__ = ("_code",)
    _code: int

    def __init__(self) -> None:
        raise WasmError("ValType cannot be constructed directly: use ValType.i32(), ValType.funcref(), ...")

    @classmethod
    def i32(cls) -> ValType:
        return _VALTYPES[st.I32]

    @classmethod
    def i64(cls) -> ValType:
        return _VALTYPES[st.I64]

    @classmethod
    def f32(cls) -> ValType:
        return _VALTYPES[st.F32]

    @classmethod
    def f64(cls) -> ValType:
        return _VALTYPES[st.F64]

    @classmethod
    def v128(cls) -> ValType:
        return _VALTYPES[st.V128]

    @classmethod
    def funcref(cls) -> ValType:
        return _VALTYPES[st.FUNCREF]

    @classmethod
    def externref(cls) -> ValType:
        return _VALTYPES[st.EXTERNREF]

    @classmethod
    def _from_code(cls, code: int) -> ValType:
        """The ValType for a binary type code; ValueError for a code that is not a value type."""
        if type(code) is not int:
            raise TypeError(f"a value type code is an int, got {type(code).__name__}")
        vt = _VALTYPES.get(code)
        if vt is None:
            raise ValueError(f"0x{code:x} is not a value type code")
        return vt

    @property
    def is_ref(self) -> bool:
        """True for ``funcref`` and ``externref``."""
        return st.is_reftype(self._code)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, ValType):
            return self._code == other._code
        return NotImplemented

    def __hash__(self) -> int:
        return hash(self._code)

    def __str__(self) -> str:
        return st.VALTYPE_NAMES[self._code]

    __repr__ = __str__

    def __reduce__(self) -> tuple[Any, tuple[int]]:
        # Unpickling goes back through the singleton table, keeping `is` identity.
        return (ValType._from_code, (self._code,))


def _make_valtype(code: int) -> ValType:
    vt = object.__new__(ValType)
    vt._code = code
    return vt


_VALTYPES: dict[int, ValType] = {code: _make_valtype(code) for code in st.VALTYPE_NAMES}


def _require(value: Any, cls: type, what: str) -> None:
    if not isinstance(value, cls):
        raise TypeError(f"{what} must be a {cls.__name__}, got {type(value).__name__}")


def _require_bool(value: Any, what: str) -> None:
    if type(value) is not bool:
        raise TypeError(f"{what} must be a bool, got {type(value).__name__}")


def _valtype_codes(items: Iterable[ValType], what: str) -> tuple[int, ...]:
    if isinstance(items, (str, bytes)):
        raise TypeError(f"FuncType {what} must be a list of ValType, got {type(items).__name__}")
    try:
        seq = tuple(items)
    except TypeError:
        raise TypeError(f"FuncType {what} must be a list of ValType, got {type(items).__name__}") from None
    for i, vt in enumerate(seq):
        if not isinstance(vt, ValType):
            raise TypeError(f"FuncType {what}[{i}] must be a ValType, got {type(vt).__name__}")
    return tuple(vt._code for vt in seq)


class FuncType:
    """A function signature: ``FuncType([ValType.i32()], [ValType.i64()])``."""

    __slots__ = ("_sig",)
    _sig: st.FuncSig

    def __init__(self, params: Iterable[ValType], results: Iterable[ValType]):
        self._sig = st.FuncSig(_valtype_codes(params, "params"), _valtype_codes(results, "results"))

    @classmethod
    def _from_sig(cls, sig: st.FuncSig) -> FuncType:
        ft = object.__new__(cls)
        ft._sig = sig
        return ft

    @property
    def params(self) -> list[ValType]:
        return [_VALTYPES[c] for c in self._sig.params]

    @property
    def results(self) -> list[ValType]:
        return [_VALTYPES[c] for c in self._sig.results]

    def __eq__(self, other: object) -> bool:
        if isinstance(other, FuncType):
            return self._sig == other._sig
        return NotImplemented

    def __hash__(self) -> int:
        return hash(self._sig)

    def __repr__(self) -> str:
        return f"FuncType({self.params!r}, {self.results!r})"


def _check_bound(value: Any, what: str) -> int:
    if type(value) is not int:
        raise TypeError(f"{what} must be an int, got {type(value).__name__}")
    if value < 0:
        raise ValueError(f"{what} {value} is negative")
    if value > _U32_MAX:
        raise ValueError(f"{what} {value} exceeds the 32-bit limit {_U32_MAX}")
    return value


class Limits:
    """Size limits of a table (elements) or memory (pages): ``min`` and optional ``max``."""

    __slots__ = ("_min", "_max")

    def __init__(self, min: int, max: int | None = None):
        self._min = _check_bound(min, "Limits minimum")
        self._max = None if max is None else _check_bound(max, "Limits maximum")
        if self._max is not None and self._min > self._max:
            raise ValueError(f"Limits minimum {min} exceeds maximum {max}")

    @property
    def min(self) -> int:
        return self._min

    @property
    def max(self) -> int | None:
        return self._max

    @property
    def _sig(self) -> st.Limits:
        return st.Limits(self._min, self._max)

    @classmethod
    def _from_sig(cls, sig: st.Limits) -> Limits:
        lim = object.__new__(cls)
        lim._min = sig.min
        lim._max = sig.max
        return lim

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Limits):
            return self._min == other._min and self._max == other._max
        return NotImplemented

    def __hash__(self) -> int:
        return hash((self._min, self._max))

    def __repr__(self) -> str:
        return f"Limits({self._min}, {self._max})"


class GlobalType:
    """The type of a global: its content ValType and whether it is mutable."""

    __slots__ = ("_sig",)
    _sig: st.GlobalSig

    def __init__(self, content: ValType, mutable: bool):
        _require(content, ValType, "GlobalType content")
        _require_bool(mutable, "GlobalType mutable")
        self._sig = st.GlobalSig(content._code, mutable)

    @classmethod
    def _from_sig(cls, sig: st.GlobalSig) -> GlobalType:
        gt = object.__new__(cls)
        gt._sig = sig
        return gt

    @property
    def content(self) -> ValType:
        return _VALTYPES[self._sig.valtype]

    @property
    def mutable(self) -> bool:
        return self._sig.mutable

    def __eq__(self, other: object) -> bool:
        if isinstance(other, GlobalType):
            return self._sig == other._sig
        return NotImplemented

    def __hash__(self) -> int:
        return hash(self._sig)

    def __repr__(self) -> str:
        return f"GlobalType({self.content!r}, {self.mutable})"


class TableType:
    """The type of a table: a reference element type and size limits in elements."""

    __slots__ = ("_sig",)
    _sig: st.TableSig

    def __init__(self, element: ValType, limits: Limits):
        _require(element, ValType, "TableType element")
        _require(limits, Limits, "TableType limits")
        if not st.is_reftype(element._code):
            raise ValueError(f"table element type must be funcref or externref, got {element}")
        self._sig = st.TableSig(element._code, limits._sig)

    @classmethod
    def _from_sig(cls, sig: st.TableSig) -> TableType:
        tt = object.__new__(cls)
        tt._sig = sig
        return tt

    @property
    def element(self) -> ValType:
        return _VALTYPES[self._sig.elem]

    @property
    def limits(self) -> Limits:
        return Limits._from_sig(self._sig.limits)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, TableType):
            return self._sig == other._sig
        return NotImplemented

    def __hash__(self) -> int:
        return hash(self._sig)

    def __repr__(self) -> str:
        return f"TableType({self.element!r}, {self.limits!r})"


def _check_pages(value: int | None, what: str) -> None:
    if value is not None and value > st.MAX_PAGES:
        raise ValueError(f"memory {what} {value} pages exceeds the limit of {st.MAX_PAGES} pages (4 GiB)")


class MemoryType:
    """The type of a linear memory: size limits in 64 KiB pages.

    The signature follows wasmtime-py's; memory64, shared memories and custom
    page sizes are proposals this runtime does not implement, so only their
    default values are accepted.
    """

    __slots__ = ("_sig",)
    _sig: st.MemorySig

    def __init__(self, limits: Limits, is_64: bool = False, shared: bool = False, page_size_log2: int = 16):
        _require(limits, Limits, "MemoryType limits")
        _require_bool(is_64, "MemoryType is_64")
        _require_bool(shared, "MemoryType shared")
        if type(page_size_log2) is not int:
            raise TypeError(f"MemoryType page_size_log2 must be an int, got {type(page_size_log2).__name__}")
        if is_64:
            raise WasmError("the memory64 proposal is not supported by this runtime")
        if shared:
            raise WasmError("shared memories (the threads proposal) are not supported by this runtime")
        if page_size_log2 != 16:
            raise WasmError(
                f"page_size_log2 {page_size_log2}: the custom-page-sizes proposal is not supported by this runtime"
            )
        _check_pages(limits.min, "minimum")
        _check_pages(limits.max, "maximum")
        self._sig = st.MemorySig(limits._sig)

    @classmethod
    def _from_sig(cls, sig: st.MemorySig) -> MemoryType:
        mt = object.__new__(cls)
        mt._sig = sig
        return mt

    @property
    def limits(self) -> Limits:
        return Limits._from_sig(self._sig.limits)

    @property
    def is_64(self) -> bool:
        return False

    @property
    def is_shared(self) -> bool:
        return False

    @property
    def page_size(self) -> int:
        return st.WASM_PAGE_SIZE

    @property
    def page_size_log2(self) -> int:
        return 16

    def __eq__(self, other: object) -> bool:
        if isinstance(other, MemoryType):
            return self._sig == other._sig
        return NotImplemented

    def __hash__(self) -> int:
        return hash(self._sig)

    def __repr__(self) -> str:
        return f"MemoryType({self.limits!r})"


ExternType = Union[FuncType, TableType, MemoryType, GlobalType]
_EXTERN_TYPES = (FuncType, TableType, MemoryType, GlobalType)


def _require_extern_type(value: Any, what: str) -> None:
    if not isinstance(value, _EXTERN_TYPES):
        raise TypeError(
            f"{what} must be a FuncType, TableType, MemoryType or GlobalType, got {type(value).__name__}"
        )


class ImportType:
    """One import of a module: where it comes from (``module``, ``name``) and its ``type``."""

    __slots__ = ("_module", "_name", "_type")

    def __init__(self, module: str, name: str, type: ExternType):
        _require(module, str, "ImportType module")
        _require(name, str, "ImportType name")
        _require_extern_type(type, "ImportType type")
        self._module = module
        self._name = name
        self._type = type

    @property
    def module(self) -> str:
        return self._module

    @property
    def name(self) -> str:
        return self._name

    @property
    def type(self) -> ExternType:
        return self._type

    def __eq__(self, other: object) -> bool:
        if isinstance(other, ImportType):
            return (self._module, self._name, self._type) == (other._module, other._name, other._type)
        return NotImplemented

    def __hash__(self) -> int:
        return hash((self._module, self._name, self._type))

    def __repr__(self) -> str:
        return f"ImportType({self._module!r}, {self._name!r}, {self._type!r})"


class ExportType:
    """One export of a module: its ``name`` and ``type``."""

    __slots__ = ("_name", "_type")

    def __init__(self, name: str, type: ExternType):
        _require(name, str, "ExportType name")
        _require_extern_type(type, "ExportType type")
        self._name = name
        self._type = type

    @property
    def name(self) -> str:
        return self._name

    @property
    def type(self) -> ExternType:
        return self._type

    def __eq__(self, other: object) -> bool:
        if isinstance(other, ExportType):
            return (self._name, self._type) == (other._name, other._type)
        return NotImplemented

    def __hash__(self) -> int:
        return hash((self._name, self._type))

    def __repr__(self) -> str:
        return f"ExportType({self._name!r}, {self._type!r})"
