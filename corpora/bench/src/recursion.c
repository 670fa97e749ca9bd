/* Deep and wide recursion: fib (two calls per frame), Takeuchi's tak (three nested calls)
 * and Ackermann (deep chains of non-tail calls).  Calls, returns and the stack-limit check
 * dominate.  Size: n for fib(n); tak and Ackermann scale with it. */
#include "bench.h"

__attribute__((noinline)) static uint32_t fib(uint32_t n) { return n < 2 ? n : fib(n - 1) + fib(n - 2); }

__attribute__((noinline)) static int tak(int x, int y, int z) {
    return y < x ? tak(tak(x - 1, y, z), tak(y - 1, z, x), tak(z - 1, x, y)) : z;
}

__attribute__((noinline)) static uint32_t ack(uint32_t m, uint32_t n) {
    if (m == 0) return n + 1;
    if (n == 0) return ack(m - 1, 1);
    return ack(m - 1, ack(m, n - 1));
}

int main(int argc, char **argv) {
    long n = bench_size(argc, argv, 38);
    uint64_t acc = fib((uint32_t)n);
    int t = (int)(n / 2);
    acc = acc * 1000003 + (uint64_t)tak(t, t * 2 / 3, t / 3);
    for (uint32_t k = 1; k <= (uint32_t)n * 2; k++) acc = acc * 31 + ack(2, k);
    acc = acc * 31 + ack(3, (uint32_t)n / 5);
    bench_report("recursion", n, acc);
    return 0;
}
