/* 64-bit integer math: Miller-Rabin primality (64-bit mulmod, div/rem), Collatz chains,
 * binary GCD (ctz), popcount/clz and 64-bit rotates.  Size: numbers tested. */
#include "bench.h"

static uint64_t mulmod(uint64_t a, uint64_t b, uint64_t m) { return a * b % m; }  /* operands < 2^32 */

static uint64_t powmod(uint64_t b, uint64_t e, uint64_t m) {
    uint64_t r = 1;
    b %= m;
    while (e) { if (e & 1) r = mulmod(r, b, m); b = mulmod(b, b, m); e >>= 1; }
    return r;
}

static int is_prime(uint64_t n) {
    if (n < 2) return 0;
    static const uint64_t small[] = {2, 3, 5, 7, 11, 13, 17, 19, 23, 29, 31, 37};
    for (int i = 0; i < 12; i++) { if (n % small[i] == 0) return n == small[i]; }
    uint64_t d = n - 1; int s = 0;
    while ((d & 1) == 0) { d >>= 1; s++; }
    static const uint64_t bases[] = {2, 7, 61};   /* deterministic below 4,759,123,141 */
    for (int i = 0; i < 3; i++) {
        uint64_t x = powmod(bases[i], d, n);
        if (x == 1 || x == n - 1) continue;
        int composite = 1;
        for (int r = 1; r < s; r++) { x = mulmod(x, x, n); if (x == n - 1) { composite = 0; break; } }
        if (composite) return 0;
    }
    return 1;
}

static uint64_t collatz(uint64_t n) {
    uint64_t steps = 0;
    while (n != 1) { n = (n & 1) ? 3 * n + 1 : n >> 1; steps++; }
    return steps;
}

static uint64_t gcd(uint64_t a, uint64_t b) {
    if (!a) return b;
    if (!b) return a;
    int k = __builtin_ctzll(a | b);
    a >>= __builtin_ctzll(a);
    do { b >>= __builtin_ctzll(b); if (a > b) { uint64_t t = a; a = b; b = t; } b -= a; } while (b);
    return a << k;
}

int main(int argc, char **argv) {
    long n = bench_size(argc, argv, 400000);
    uint64_t base = 0xF0000001ull, primes = 0, acc = 0, st = 99;
    for (long i = 0; i < n; i++) {
        uint64_t v = base + 2 * (uint64_t)i;
        if (is_prime(v)) { primes++; acc += v; }
        acc ^= collatz((uint64_t)i + 1) << (i & 31);
        uint64_t r = bench_mix(&st);
        acc += gcd(r >> 3, (r << 7) | 1) + (uint64_t)__builtin_popcountll(r) + (uint64_t)__builtin_clzll(r | 1);
        acc = (acc << 13 | acc >> 51) + (uint64_t)((int64_t)r / (int64_t)((i | 1) * 3));
    }
    bench_report("int64", n, acc ^ (primes << 48));
    return 0;
}
