"""Readable side-by-side views of two engines' outcomes, for ``fuzzrt repro``."""
from __future__ import annotations

import struct

from fuzzrt.engines.outcome import OK, CallOutcome, Outcome, Snapshot
from fuzzrt.oracles.common import describe
from runtime.syntax.types import F32, F64, I32, I64, valtype_name

from .execution import Execution

_WIDTH = 44


def format_value(valtype: int, bits: int) -> str:
    """``i32:0xffffffff(-1)``, ``f32:0x7fc00000(nan)``, ``funcref:non-null``..."""
    name = valtype_name(valtype)
    if valtype == I32:
        return f"{name}:{bits:#x}({bits - (1 << 32) if bits >> 31 else bits})"
    if valtype == I64:
        return f"{name}:{bits:#x}({bits - (1 << 64) if bits >> 63 else bits})"
    if valtype == F32:
        return f"{name}:{bits:#010x}({struct.unpack('<f', struct.pack('<I', bits))[0]!r})"
    if valtype == F64:
        return f"{name}:{bits:#018x}({struct.unpack('<d', struct.pack('<Q', bits))[0]!r})"
    return f"{name}:{'non-null' if bits else 'null'}"


def _call_text(call: CallOutcome | None) -> str:
    if call is None:
        return "-"
    text = describe(call.status)
    if call.status.kind == OK and call.results:
        text += " -> " + ", ".join(format_value(t, b) for t, b in call.results)
    return text


def _state_rows(label: str, ref: Snapshot | None, rt: Snapshot | None) -> list[tuple[str, str, str]]:
    rows: list[tuple[str, str, str]] = []
    refs = {**_state_items(ref)}
    rts = {**_state_items(rt)}
    for key in list(dict.fromkeys([*rts, *refs])):
        rows.append((f"{label}{key}", rts.get(key, "-"), refs.get(key, "-")))
    return rows


def _state_items(state: Snapshot | None) -> dict[str, str]:
    if state is None:
        return {}
    items = {f"global {n}": format_value(t, b) for n, t, b in state.globals}
    items.update({f"memory {m.name}": f"{m.length} bytes, {m.digest[:12]}" for m in state.memories})
    items.update({f"table {n}": f"{s} elements" for n, s in state.tables})
    return items


def _line(label: str, left: str, right: str) -> str:
    mark = "" if left == right else "   <<"
    return f"{label[:34]:<34} {left[:_WIDTH]:<{_WIDTH}} | {right[:_WIDTH]}{mark}"


def side_by_side(runtime: Outcome | None, reference: Outcome | None) -> str:
    """A table of both outcomes, stage by stage and call by call; differing rows end in ``<<``."""
    rows: list[tuple[str, str, str]] = []
    if runtime is None and reference is None:
        return "(no outcomes)"
    rt = runtime or Outcome("runtime")
    ref = reference or Outcome("wasmtime")
    rows.append(("compile", describe(rt.compile), describe(ref.compile)))
    rows.append(("instantiate", describe(rt.instantiate) if rt.instantiate else "-",
                 describe(ref.instantiate) if ref.instantiate else "-"))
    rows.append(("  host calls", str(len(rt.init_host_calls)), str(len(ref.init_host_calls))))
    rows += _state_rows("  ", ref.init_state, rt.init_state)
    for i in range(max(len(rt.calls), len(ref.calls))):
        a = rt.calls[i] if i < len(rt.calls) else None
        b = ref.calls[i] if i < len(ref.calls) else None
        call = a or b
        assert call is not None
        args = ", ".join(format_value(t, v) for t, v in call.args)
        rows.append((f"call {i} {call.export}({args})", _call_text(a), _call_text(b)))
        if (a and a.host_calls) or (b and b.host_calls):
            rows.append(("  host calls", _host_text(a), _host_text(b)))
        rows += _state_rows("  ", b.state if b else None, a.state if a else None)
    header = f"{'':<34} {'runtime':<{_WIDTH}} | wasmtime"
    return "\n".join([header] + [_line(*row) for row in rows])


def _host_text(call: CallOutcome | None) -> str:
    if call is None:
        return "-"
    return "; ".join(f"{h.name}({', '.join(format_value(t, b) for t, b in h.args)})" for h in call.host_calls) \
        or "none"


def render_execution(execution: Execution) -> str:
    """The verdict, any crash/panic details, and the side-by-side table."""
    parts = []
    if execution.verdict.findings:
        for f in execution.verdict.findings:
            parts.append(f"finding: {f.signature(execution.target)}\n  {f.message}")
    elif execution.verdict.inconclusive:
        parts.append(f"inconclusive: {execution.verdict.inconclusive}")
    else:
        parts.append("no finding: both engines agree")
    if execution.failure is not None:
        f = execution.failure
        parts.append(f"worker {f.kind} at {f.stage} {f.signal}".rstrip() +
                     (f" (innermost runtime frame {f.top_frame})" if f.top_frame else "") +
                     ("\n--- worker stderr (tail) ---\n" + f.stderr[-3000:] if f.stderr else ""))
    panic = execution.panic or (execution.runtime.panic if execution.runtime else None)
    if panic is not None:
        parts.append(f"panic during {panic.stage}: {panic.exc_type}: {panic.message}\n{panic.traceback}")
    if execution.runtime is not None or execution.reference is not None:
        parts.append(side_by_side(execution.runtime, execution.reference))
    if execution.case is not None and execution.case.generator == "ops":
        parts.append(render_ops(execution))
    return "\n\n".join(parts)


def render_ops(execution: Execution) -> str:
    """An op-sequence case's ops, one a line, the one a finding points at marked ``<<``."""
    assert execution.case is not None
    ops = execution.case.config.get("ops") or []
    marked = execution.finding.call_index if execution.finding is not None else None
    lines = [f"ops ({len(ops)}):"]
    for i, op in enumerate(ops):
        fields = ", ".join(f"{k}={v!r}" for k, v in op.items() if k != "op")
        lines.append(f"  {i:>3} {op.get('op', '?')}({fields})" + ("   <<" if i == marked else ""))
    return "\n".join(lines)
