"""A lean LLVM IR text emitter with the shape of ``llvmlite.ir.IRBuilder``.

llvmlite's IR objects cost about 25 us per instruction to build and print — a
34 KB C program spent a second there before LLVM saw a line.  This module writes
the text directly: each instruction is one formatted string, each value a tiny
object holding its type and its name.  The method names and call shapes are
llvmlite's (``add``, ``icmp_unsigned``, ``load(ptr, typ=)``, ``gep(...,
source_etype=)``, ``cbranch(...).set_weights``, ``if_then``...), so lowering
code reads the same, and llvmlite's *types* and constants are used as they are:
anything with ``.type`` and ``get_reference()`` is a valid operand.
"""
from __future__ import annotations

import contextlib
from typing import Iterator

from llvmlite import ir

_VOID = ir.VoidType()
_I1 = ir.IntType(1)
_META = ir.MetaDataType()


class Value:
    """An SSA value (or argument, global, constant): its type and how to refer to it."""

    __slots__ = ("type", "_ref")

    def __init__(self, type: ir.Type, ref: str):
        self.type = type
        self._ref = ref

    def get_reference(self) -> str:
        return self._ref

    def __str__(self) -> str:
        return f"{self.type} {self._ref}"


def const(ty: ir.IntType, value: int) -> Value:
    """An integer constant (the hot case; other constants may use ``ir.Constant``)."""
    return Value(ty, str(value))


def metadata_string(text: str) -> Value:
    return Value(_META, f'!"{text}"')


def _ops(values) -> str:
    return ", ".join(f"{v.type} {v.get_reference()}" for v in values)


class Callable_(Value):
    """A function value: declared, defined, or a pointer paired with its type."""

    __slots__ = ("function_type",)

    def __init__(self, fnty: ir.FunctionType, ref: str):
        super().__init__(ir.PointerType(), ref)
        self.function_type = fnty


class _Lazy:
    """An instruction whose text is only known later (phi incomings, switch cases, weights)."""

    __slots__ = ("render",)

    def __init__(self, render):
        self.render = render

    def __str__(self) -> str:
        return self.render()


class Block:
    __slots__ = ("name", "lines", "terminated")

    def __init__(self, name: str):
        self.name = name
        self.lines: list = []
        self.terminated = False


class _Branch:
    """What ``cbranch`` returns, so callers can attach branch weights as with llvmlite."""

    __slots__ = ("_block", "_index", "_text")

    def __init__(self, block: Block, index: int, text: str):
        self._block, self._index, self._text = block, index, text

    def set_weights(self, weights: list[int]) -> None:
        self._block.lines[self._index] = (
            f"{self._text}, !prof !{{!\"branch_weights\", {', '.join(f'i32 {w}' for w in weights)}}}")


class _Phi(Value):
    __slots__ = ("_incoming",)

    def __init__(self, ty: ir.Type, ref: str):
        super().__init__(ty, ref)
        self._incoming: list[tuple[object, Block]] = []

    def add_incoming(self, value, block: Block) -> None:
        self._incoming.append((value, block))

    def _render(self) -> str:
        inc = ", ".join(f"[{v.get_reference()}, %{b.name}]" for v, b in self._incoming)
        return f"  {self._ref} = phi {self.type} {inc}"


class _Switch:
    __slots__ = ("_head", "_cases")

    def __init__(self, head: str):
        self._head = head
        self._cases: list[str] = []

    def add_case(self, value, block: Block) -> None:
        self._cases.append(f"{value.type} {value.get_reference()}, label %{block.name}")

    def _render(self) -> str:
        return f"{self._head} [{' '.join(self._cases)}]"


class Function(Callable_):
    __slots__ = ("module", "name", "args", "blocks", "attributes", "linkage", "_next")

    def __init__(self, module: "Module", fnty: ir.FunctionType, name: str):
        super().__init__(fnty, f"@{name}")
        self.module = module
        self.name = name
        self.args = [Value(t, f"%a{i}") for i, t in enumerate(fnty.args)]
        self.blocks: list[Block] = []
        self.attributes: list[str] = []
        self.linkage = ""
        self._next = 0
        module._functions.append(self)

    def fresh(self) -> str:
        self._next += 1
        return f"%t{self._next}"

    def append_basic_block(self, name: str = "") -> Block:
        self._next += 1
        blk = Block(f"{name or 'b'}{self._next}")
        self.blocks.append(blk)
        return blk

    def render(self) -> str:
        ft = self.function_type
        params = ", ".join(f"{t} %a{i}" for i, t in enumerate(ft.args))
        link = f"{self.linkage} " if self.linkage else ""
        attrs = (" " + " ".join(self.attributes)) if self.attributes else ""
        out = [f"define {link}{ft.return_type} @{self.name}({params}){attrs} {{"]
        for blk in self.blocks:
            out.append(f"{blk.name}:")
            out.extend(map(str, blk.lines))
        out.append("}")
        return "\n".join(out)


class Module:
    """Functions, declarations and globals, rendered as one LLVM module."""

    def __init__(self, name: str = "wasm"):
        self.name = name
        self._functions: list[Function] = []
        self._declared: dict[str, Callable_] = {}
        self._globals: list[str] = []

    def declare(self, name: str, fnty: ir.FunctionType) -> Callable_:
        """An external function or intrinsic, declared once."""
        fn = self._declared.get(name)
        if fn is None:
            fn = self._declared[name] = Callable_(fnty, f"@{name}")
        return fn

    def declare_intrinsic(self, intrinsic: str, tys=(), fnty: ir.FunctionType | None = None) -> Callable_:
        """As llvmlite's: the name gets one overload suffix per type (one for ctlz/cttz/fma)."""
        suffixes = [tys[0].intrinsic_name] if intrinsic in ("llvm.cttz", "llvm.ctlz", "llvm.fma") \
            else [t.intrinsic_name for t in tys]
        if fnty is None:
            fnty = ir.FunctionType(tys[0], list(tys))
        return self.declare(".".join([intrinsic] + suffixes), fnty)

    def add_global(self, text: str) -> None:
        self._globals.append(text)

    def __str__(self) -> str:
        out = list(self._globals)
        for name, fn in self._declared.items():
            ft = fn.function_type
            out.append(f"declare {ft.return_type} @{name}({', '.join(str(t) for t in ft.args)})")
        out.extend(f.render() for f in self._functions)
        return "\n".join(out) + "\n"


class IRBuilder:
    """Appends instructions to a block; llvmlite's method names and signatures."""

    __slots__ = ("function", "block", "_lines", "_index")

    def __init__(self, block: Block | None = None, function: Function | None = None):
        self.function = function
        self.block = None
        self._lines: list = []
        self._index: int | None = None
        if block is not None:
            self.position_at_end(block)

    @property
    def module(self) -> Module:
        return self.function.module

    # -- positioning -----------------------------------------------------------
    def position_at_end(self, block: Block) -> None:
        self.block = block
        self._lines = block.lines
        self._index = None

    def position_before(self, term: "_Terminator") -> None:
        """Insert before ``term`` (a terminator returned by this builder) from now on."""
        self.block = term.block
        self._lines = term.block.lines
        self._index = term.block.lines.index(term.text)

    def _emit(self, line) -> int:
        if self._index is None:
            self._lines.append(line)
            return len(self._lines) - 1
        self._lines.insert(self._index, line)
        self._index += 1
        return self._index - 1

    def _value(self, ty: ir.Type, rhs: str) -> Value:
        ref = self.function.fresh()
        self._emit(f"  {ref} = {rhs}")
        return Value(ty, ref)

    def _terminate(self, text: str) -> "_Terminator":
        self._emit(text)
        self.block.terminated = True
        return _Terminator(self.block, text)

    # -- arithmetic, comparisons, casts ----------------------------------------
    def _binop(self, op: str, a, b, flags: str = "") -> Value:
        return self._value(a.type, f"{op}{flags} {a.type} {a.get_reference()}, {b.get_reference()}")

    def add(self, a, b, name=""): return self._binop("add", a, b)
    def sub(self, a, b, name=""): return self._binop("sub", a, b)
    def mul(self, a, b, name=""): return self._binop("mul", a, b)
    def sdiv(self, a, b, name=""): return self._binop("sdiv", a, b)
    def udiv(self, a, b, name=""): return self._binop("udiv", a, b)
    def srem(self, a, b, name=""): return self._binop("srem", a, b)
    def urem(self, a, b, name=""): return self._binop("urem", a, b)
    def shl(self, a, b, name=""): return self._binop("shl", a, b)
    def lshr(self, a, b, name=""): return self._binop("lshr", a, b)
    def ashr(self, a, b, name=""): return self._binop("ashr", a, b)
    def and_(self, a, b, name=""): return self._binop("and", a, b)
    def or_(self, a, b, name=""): return self._binop("or", a, b)
    def xor(self, a, b, name=""): return self._binop("xor", a, b)
    def fadd(self, a, b, name=""): return self._binop("fadd", a, b)
    def fsub(self, a, b, name=""): return self._binop("fsub", a, b)
    def fmul(self, a, b, name=""): return self._binop("fmul", a, b)
    def fdiv(self, a, b, name=""): return self._binop("fdiv", a, b)

    def fneg(self, a, name=""):
        return self._value(a.type, f"fneg {a.type} {a.get_reference()}")

    def not_(self, a, name=""):
        return self._value(a.type, f"xor {a.type} {a.get_reference()}, -1")

    _ICMP_S = {"==": "eq", "!=": "ne", "<": "slt", "<=": "sle", ">": "sgt", ">=": "sge"}
    _ICMP_U = {"==": "eq", "!=": "ne", "<": "ult", "<=": "ule", ">": "ugt", ">=": "uge"}
    _FCMP_O = {"==": "oeq", "!=": "one", "<": "olt", "<=": "ole", ">": "ogt", ">=": "oge",
               "ord": "ord", "uno": "uno"}
    _FCMP_U = {"==": "ueq", "!=": "une", "<": "ult", "<=": "ule", ">": "ugt", ">=": "uge",
               "ord": "ord", "uno": "uno"}

    def _cmp(self, kind: str, pred: str, a, b) -> Value:
        ty = _I1 if not isinstance(a.type, ir.VectorType) else ir.VectorType(_I1, a.type.count)
        return self._value(ty, f"{kind} {pred} {a.type} {a.get_reference()}, {b.get_reference()}")

    def icmp_signed(self, op, a, b, name=""): return self._cmp("icmp", self._ICMP_S[op], a, b)
    def icmp_unsigned(self, op, a, b, name=""): return self._cmp("icmp", self._ICMP_U[op], a, b)
    def fcmp_ordered(self, op, a, b, name="", flags=()): return self._cmp("fcmp", self._FCMP_O[op], a, b)
    def fcmp_unordered(self, op, a, b, name="", flags=()): return self._cmp("fcmp", self._FCMP_U[op], a, b)

    def _cast(self, op: str, v, ty: ir.Type) -> Value:
        return self._value(ty, f"{op} {v.type} {v.get_reference()} to {ty}")

    def trunc(self, v, ty, name=""): return self._cast("trunc", v, ty)
    def zext(self, v, ty, name=""): return self._cast("zext", v, ty)
    def sext(self, v, ty, name=""): return self._cast("sext", v, ty)
    def fptrunc(self, v, ty, name=""): return self._cast("fptrunc", v, ty)
    def fpext(self, v, ty, name=""): return self._cast("fpext", v, ty)
    def fptosi(self, v, ty, name=""): return self._cast("fptosi", v, ty)
    def fptoui(self, v, ty, name=""): return self._cast("fptoui", v, ty)
    def sitofp(self, v, ty, name=""): return self._cast("sitofp", v, ty)
    def uitofp(self, v, ty, name=""): return self._cast("uitofp", v, ty)
    def bitcast(self, v, ty, name=""): return self._cast("bitcast", v, ty)
    def ptrtoint(self, v, ty, name=""): return self._cast("ptrtoint", v, ty)
    def inttoptr(self, v, ty, name=""): return self._cast("inttoptr", v, ty)

    def select(self, cond, a, b, name="", flags=()):
        return self._value(a.type, f"select {cond.type} {cond.get_reference()}, "
                                   f"{a.type} {a.get_reference()}, {b.type} {b.get_reference()}")

    # -- aggregates and vectors --------------------------------------------------
    def extract_value(self, agg, idx: int, name=""):
        return self._value(agg.type.elements[idx],
                           f"extractvalue {agg.type} {agg.get_reference()}, {idx}")

    def insert_value(self, agg, value, idx: int, name=""):
        return self._value(agg.type, f"insertvalue {agg.type} {agg.get_reference()}, "
                                     f"{value.type} {value.get_reference()}, {idx}")

    def extract_element(self, vec, idx, name=""):
        return self._value(vec.type.element, f"extractelement {vec.type} {vec.get_reference()}, "
                                             f"{idx.type} {idx.get_reference()}")

    def insert_element(self, vec, value, idx, name=""):
        return self._value(vec.type, f"insertelement {vec.type} {vec.get_reference()}, "
                                     f"{value.type} {value.get_reference()}, "
                                     f"{idx.type} {idx.get_reference()}")

    def shuffle_vector(self, a, b, mask, name=""):
        ty = ir.VectorType(a.type.element, mask.type.count)
        return self._value(ty, f"shufflevector {a.type} {a.get_reference()}, "
                               f"{b.type} {b.get_reference()}, {mask.type} {mask.get_reference()}")

    # -- memory ----------------------------------------------------------------------
    def alloca(self, ty, size=None, name=""):
        n = f", {size.type} {size.get_reference()}" if size is not None else ""
        return self._value(ir.PointerType(), f"alloca {ty}{n}")

    def load(self, ptr, name="", align=None, typ=None):
        a = f", align {align}" if align else ""
        return self._value(typ, f"load {typ}, ptr {ptr.get_reference()}{a}")

    def load_atomic(self, ptr, ordering, align, name="", typ=None):
        return self._value(typ, f"load atomic {typ}, ptr {ptr.get_reference()} {ordering}, align {align}")

    def store(self, value, ptr, align=None):
        a = f", align {align}" if align else ""
        self._emit(f"  store {value.type} {value.get_reference()}, ptr {ptr.get_reference()}{a}")

    def gep(self, ptr, indices, inbounds=False, name="", source_etype=None):
        idx = ", ".join(f"{i.type} {i.get_reference()}" for i in indices)
        ib = "inbounds " if inbounds else ""
        return self._value(ir.PointerType(), f"getelementptr {ib}{source_etype}, ptr {ptr.get_reference()}, {idx}")

    # -- calls -----------------------------------------------------------------------
    def call(self, fn, args, name="", cconv=None, tail=False, fastmath=(), attrs=(), arg_attrs=None):
        ft = fn.function_type
        text = f"call {ft.return_type} {fn.get_reference()}({_ops(args)})"
        if isinstance(ft.return_type, ir.VoidType):
            self._emit(f"  {text}")
            return Value(_VOID, "")
        return self._value(ft.return_type, text)

    # -- control -----------------------------------------------------------------------
    def branch(self, target: Block) -> "_Terminator":
        return self._terminate(f"  br label %{target.name}")

    def cbranch(self, cond, then: Block, other: Block) -> _Branch:
        text = f"  br i1 {cond.get_reference()}, label %{then.name}, label %{other.name}"
        index = self._emit(text)
        self.block.terminated = True
        return _Branch(self.block, index, text)

    def switch(self, value, default: Block) -> _Switch:
        sw = _Switch(f"  switch {value.type} {value.get_reference()}, label %{default.name} ")
        self._emit(_Lazy(sw._render))
        self.block.terminated = True
        return sw

    def ret(self, value) -> "_Terminator":
        return self._terminate(f"  ret {value.type} {value.get_reference()}")

    def ret_void(self) -> "_Terminator":
        return self._terminate("  ret void")

    def unreachable(self) -> "_Terminator":
        return self._terminate("  unreachable")

    def phi(self, ty, name="") -> _Phi:
        phi = _Phi(ty, self.function.fresh())
        self._emit(_Lazy(phi._render))
        return phi

    @contextlib.contextmanager
    def goto_block(self, block: Block) -> Iterator[None]:
        """Emit into ``block`` for the duration, then return to the current position."""
        saved = (self.block, self._lines, self._index)
        self.position_at_end(block)
        yield
        self.block, self._lines, self._index = saved

    @contextlib.contextmanager
    def if_then(self, cond, likely: bool | None = None) -> Iterator[None]:
        then = self.function.append_basic_block("then")
        after = self.function.append_basic_block("endif")
        br = self.cbranch(cond, then, after)
        if likely is not None:
            br.set_weights([99, 1] if likely else [1, 99])
        self.position_at_end(then)
        yield
        if not self.block.terminated:
            self.branch(after)
        self.position_at_end(after)


class _Terminator:
    __slots__ = ("block", "text")

    def __init__(self, block: Block, text: str):
        self.block = block
        self.text = text
