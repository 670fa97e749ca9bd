"""Compute kernels for ``fuzzrt bench``, as WAT text both engines assemble the same way.

Each kernel exports ``run`` taking one i64 size parameter and returning an i64
checksum, so one driver runs them all and can check both engines agree before
trusting a timing.  ``arg`` is the default size; ``quick_arg`` the one for
``fuzzrt bench --quick`` (default: ``arg``) and ``small_arg`` the one pywasm runs
(default: none, the kernel is not run under pywasm).
"""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Kernel:
    name: str
    description: str
    wat: str
    arg: int
    quick_arg: int | None = None
    small_arg: int | None = None


FIB = Kernel("fib", "recursive fib(27): calls and returns", """
(module
  (func $fib (param i64) (result i64)
    (if (result i64) (i64.lt_u (local.get 0) (i64.const 2))
      (then (local.get 0))
      (else (i64.add (call $fib (i64.sub (local.get 0) (i64.const 1)))
                     (call $fib (i64.sub (local.get 0) (i64.const 2)))))))
  (func (export "run") (param i64) (result i64) (call $fib (local.get 0))))
""", 27, quick_arg=15, small_arg=15)

LOOP = Kernel("loop", "integer loop, 20M iterations of mix arithmetic", """
(module
  (func (export "run") (param $n i64) (result i64)
    (local $i i64) (local $acc i64)
    (block $done
      (loop $top
        (br_if $done (i64.ge_u (local.get $i) (local.get $n)))
        (local.set $acc (i64.add (i64.mul (local.get $acc) (i64.const 6364136223846793005))
                                 (i64.xor (local.get $i) (i64.shr_u (local.get $acc) (i64.const 29)))))
        (local.set $i (i64.add (local.get $i) (i64.const 1)))
        (br $top)))
    (local.get $acc)))
""", 20_000_000, quick_arg=20_000, small_arg=20_000)

MATMUL = Kernel("matmul", "f64 matrix multiply, 120x120, in linear memory", """
(module
  (memory 8)
  (func $idx (param $m i32) (param $r i32) (param $c i32) (param $n i32) (result i32)
    (i32.add (local.get $m)
      (i32.shl (i32.add (i32.mul (local.get $r) (local.get $n)) (local.get $c)) (i32.const 3))))
  (func (export "run") (param $n64 i64) (result i64)
    (local $n i32) (local $i i32) (local $j i32) (local $k i32) (local $acc f64)
    (local $a i32) (local $b i32) (local $c i32)
    (local.set $n (i32.wrap_i64 (local.get $n64)))
    (local.set $b (i32.mul (i32.mul (local.get $n) (local.get $n)) (i32.const 8)))
    (local.set $c (i32.mul (local.get $b) (i32.const 2)))
    ;; fill A and B
    (local.set $i (i32.const 0))
    (block $f (loop $fl
      (br_if $f (i32.ge_u (local.get $i) (i32.mul (local.get $n) (local.get $n))))
      (f64.store (i32.shl (local.get $i) (i32.const 3))
                 (f64.convert_i32_u (i32.rem_u (local.get $i) (i32.const 17))))
      (f64.store (i32.add (local.get $b) (i32.shl (local.get $i) (i32.const 3)))
                 (f64.convert_i32_u (i32.rem_u (local.get $i) (i32.const 13))))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br $fl)))
    (local.set $i (i32.const 0))
    (block $bi (loop $li
      (br_if $bi (i32.ge_u (local.get $i) (local.get $n)))
      (local.set $j (i32.const 0))
      (block $bj (loop $lj
        (br_if $bj (i32.ge_u (local.get $j) (local.get $n)))
        (local.set $acc (f64.const 0))
        (local.set $k (i32.const 0))
        (block $bk (loop $lk
          (br_if $bk (i32.ge_u (local.get $k) (local.get $n)))
          (local.set $acc (f64.add (local.get $acc)
            (f64.mul (f64.load (call $idx (i32.const 0) (local.get $i) (local.get $k) (local.get $n)))
                     (f64.load (call $idx (local.get $b) (local.get $k) (local.get $j) (local.get $n))))))
          (local.set $k (i32.add (local.get $k) (i32.const 1)))
          (br $lk)))
        (f64.store (call $idx (local.get $c) (local.get $i) (local.get $j) (local.get $n)) (local.get $acc))
        (local.set $j (i32.add (local.get $j) (i32.const 1)))
        (br $lj)))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br $li)))
    (i64.trunc_f64_u (f64.load (call $idx (local.get $c) (i32.const 7) (i32.const 5) (local.get $n))))))
""", 120, quick_arg=10, small_arg=10)

DOT = Kernel("simd_dot", "f32x4 dot product of two 8192-float vectors, 20k times (v128 loads, mul, add)", """
(module
  (memory 1)
  (func (export "run") (param $reps i64) (result i64)
    (local $i i32) (local $r i64) (local $acc v128) (local $acc2 v128) (local $total f64)
    ;; a[k] = (k mod 7) - 3 at 0, b[k] = (k mod 5) / 2 at 32768: exact in f32, so every
    ;; lane's partial sums are exact and both engines must agree bit for bit
    (block $f (loop $fill
      (br_if $f (i32.ge_u (local.get $i) (i32.const 8192)))
      (f32.store (i32.shl (local.get $i) (i32.const 2))
                 (f32.convert_i32_s (i32.sub (i32.rem_u (local.get $i) (i32.const 7)) (i32.const 3))))
      (f32.store offset=32768 (i32.shl (local.get $i) (i32.const 2))
                 (f32.div (f32.convert_i32_u (i32.rem_u (local.get $i) (i32.const 5))) (f32.const 2)))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br $fill)))
    (block $done (loop $rep
      (br_if $done (i64.ge_u (local.get $r) (local.get $reps)))
      (local.set $acc (v128.const f32x4 0 0 0 0))
      (local.set $acc2 (v128.const f32x4 0 0 0 0))
      (local.set $i (i32.const 0))
      ;; two accumulators, as a vectorising compiler would emit: the adds do not wait on each other
      (loop $dot
        (local.set $acc (f32x4.add (local.get $acc)
          (f32x4.mul (v128.load (local.get $i)) (v128.load offset=32768 (local.get $i)))))
        (local.set $acc2 (f32x4.add (local.get $acc2)
          (f32x4.mul (v128.load offset=16 (local.get $i)) (v128.load offset=32784 (local.get $i)))))
        (br_if $dot (i32.lt_u (local.tee $i (i32.add (local.get $i) (i32.const 32))) (i32.const 32768))))
      (local.set $acc (f32x4.add (local.get $acc) (local.get $acc2)))
      (local.set $total (f64.add (local.get $total) (f64.promote_f32
        (f32.add (f32.add (f32x4.extract_lane 0 (local.get $acc)) (f32x4.extract_lane 1 (local.get $acc)))
                 (f32.add (f32x4.extract_lane 2 (local.get $acc)) (f32x4.extract_lane 3 (local.get $acc)))))))
      (local.set $r (i64.add (local.get $r) (i64.const 1)))
      (br $rep)))
    (i64.trunc_sat_f64_s (local.get $total))))
""", 20_000, quick_arg=20)

CALL_WAT = """
(module (func (export "id") (param i32) (result i32) (local.get 0)))
"""

KERNELS = [FIB, LOOP, MATMUL, DOT]
