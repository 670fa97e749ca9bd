"""A large, deterministic, compiler-realistic module for measuring compile throughput.

Every function has the same signature ``(i32, i64, f64) -> i64`` and a body
drawn from a seeded generator: a counted loop mixing i64 arithmetic with
linear-memory loads and stores, f64 arithmetic and conversions, an
``if``/``else``, a ``br_table`` switch and calls to earlier functions (direct
and through the table).  All functions sit in the table, so no engine can drop
unreachable ones and compile less than the others.  The same ``(functions,
seed)`` always gives the same module, so MB/s figures compare across runs.
"""
from __future__ import annotations

import random

_I64_BINOPS = ("i64.add", "i64.sub", "i64.mul", "i64.xor", "i64.or", "i64.and", "i64.rotl", "i64.shr_u")
_F64_BINOPS = ("f64.add", "f64.sub", "f64.mul", "f64.min", "f64.max")


def _function(rng: random.Random, index: int) -> str:
    k1, k2, k3 = (rng.randrange(1, 1 << 31) for _ in range(3))
    op1, op2, op3 = (rng.choice(_I64_BINOPS) for _ in range(3))
    fop = rng.choice(_F64_BINOPS)
    offset = rng.randrange(0, 4096, 8)
    lines = [
        f"  (func $f{index} (type $sig) (param $a i32) (param $b i64) (param $c f64) (result i64)",
        "    (local $i i32) (local $acc i64) (local $f f64)",
        f"    (local.set $acc (i64.add (local.get $b) (i64.const {k1})))",
        "    (local.set $f (local.get $c))",
        "    (block $done",
        "      (loop $top",
        f"        (br_if $done (i32.ge_u (local.get $i) (i32.and (local.get $a) (i32.const {rng.randrange(3, 32)}))))",
        f"        (local.set $acc ({op1} (i64.mul (local.get $acc) (i64.const {k2}))",
        "          (i64.extend_i32_u (local.get $i))))",
        f"        (i64.store offset={offset} (i32.and (i32.shl (local.get $i) (i32.const 3)) (i32.const 1023))",
        f"          ({op2} (local.get $acc) (i64.load offset={offset} (i32.const {rng.randrange(0, 1024, 8)}))))",
        f"        (local.set $f ({fop} (f64.mul (local.get $f) (f64.const {rng.random():.6f}))",
        "          (f64.convert_i64_s (i64.shr_s (local.get $acc) (i64.const 40)))))",
        "        (if (i64.eqz (i64.and (local.get $acc) (i64.const 3)))",
        f"          (then (local.set $acc ({op3} (local.get $acc) (i64.const {k3}))))",
        "          (else (local.set $acc (i64.sub (local.get $acc) (i64.extend_i32_s (local.get $a))))))",
        "        (local.set $i (i32.add (local.get $i) (i32.const 1)))",
        "        (br $top)))",
        "    (block $b2 (block $b1 (block $b0",
        "      (br_table $b0 $b1 $b2 (i32.wrap_i64 (i64.and (local.get $acc) (i64.const 3)))))",
        "      (local.set $acc (i64.add (local.get $acc) (i64.const 17))))",
        "      (local.set $acc (i64.rotl (local.get $acc) (i64.const 9))))",
    ]
    if index > 0:
        callee = rng.randrange(index)
        lines.append(f"    (if (i32.lt_u (local.get $a) (i32.const {rng.randrange(2, 6)}))")
        lines.append(f"      (then (local.set $acc (i64.add (local.get $acc) (call $f{callee} "
                     "(i32.add (local.get $a) (i32.const 9)) (local.get $acc) (local.get $f))))))")
        slot = rng.randrange(index)
        lines.append("    (if (i32.eq (local.get $a) (i32.const 1))")
        lines.append("      (then (local.set $acc (i64.xor (local.get $acc) (call_indirect (type $sig) "
                     f"(i32.const 40) (local.get $acc) (local.get $f) (i32.const {slot}))))))")
    lines.append("    (i64.add (local.get $acc) (i64.trunc_sat_f64_s (local.get $f))))")
    return "\n".join(lines)


def generate_wat(functions: int, seed: int = 0) -> str:
    """WAT text of a module with ``functions`` generated functions (see the module docstring)."""
    if functions < 1:
        raise ValueError(f"a module needs at least one function, got {functions}")
    rng = random.Random(seed)
    parts = ["(module",
             "  (type $sig (func (param i32 i64 f64) (result i64)))",
             '  (memory (export "memory") 1)',
             f"  (table {functions} funcref)",
             "  (elem (i32.const 0) func " + " ".join(f"$f{i}" for i in range(functions)) + ")"]
    parts.extend(_function(rng, i) for i in range(functions))
    parts.append(f'  (func (export "run") (param i32) (result i64)'
                 f" (call $f{functions - 1} (local.get 0) (i64.const 1) (f64.const 0.5)))")
    parts.append(")")
    return "\n".join(parts)
