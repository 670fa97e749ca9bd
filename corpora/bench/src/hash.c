/* Non-cryptographic hashing over a 16 KiB buffer: FNV-1a (byte loop, 64-bit multiply),
 * an xxh64-style lane hash (rotates, 64-bit multiplies, unaligned 8-byte loads) and a
 * murmur3-style 32-bit hash.  Size: passes over the buffer. */
#include <string.h>
#include "bench.h"

#define BUF (16 * 1024)
static unsigned char buf[BUF];

static uint64_t fnv1a(const unsigned char *p, size_t n, uint64_t h) {
    for (size_t i = 0; i < n; i++) { h ^= p[i]; h *= 0x100000001B3ull; }
    return h;
}

static inline uint64_t rotl64(uint64_t x, int r) { return (x << r) | (x >> (64 - r)); }
static inline uint64_t load64(const unsigned char *p) { uint64_t v; memcpy(&v, p, 8); return v; }
static inline uint32_t load32(const unsigned char *p) { uint32_t v; memcpy(&v, p, 4); return v; }

#define P1 0x9E3779B185EBCA87ull
#define P2 0xC2B2AE3D27D4EB4Full
#define P3 0x165667B19E3779F9ull
#define P4 0x85EBCA77C2B2AE63ull

static uint64_t lanes(const unsigned char *p, size_t n, uint64_t seed) {
    uint64_t a = seed + P1 + P2, b = seed + P2, c = seed, d = seed - P1;
    size_t i = 0;
    for (; i + 32 <= n; i += 32) {
        a = rotl64(a + load64(p + i) * P2, 31) * P1;
        b = rotl64(b + load64(p + i + 8) * P2, 31) * P1;
        c = rotl64(c + load64(p + i + 16) * P2, 31) * P1;
        d = rotl64(d + load64(p + i + 24) * P2, 31) * P1;
    }
    uint64_t h = rotl64(a, 1) + rotl64(b, 7) + rotl64(c, 12) + rotl64(d, 18) + n;
    for (; i < n; i++) h = rotl64(h ^ (p[i] * P3), 11) * P1;
    h ^= h >> 33; h *= P2; h ^= h >> 29; h *= P3; h ^= h >> 32;
    return h;
}

static uint32_t murmur32(const unsigned char *p, size_t n, uint32_t h) {
    for (size_t i = 0; i + 4 <= n; i += 4) {
        uint32_t k = load32(p + i) * 0xcc9e2d51u;
        k = (k << 15) | (k >> 17);
        h ^= k * 0x1b873593u;
        h = ((h << 13) | (h >> 19)) * 5 + 0xe6546b64u;
    }
    h ^= (uint32_t)n; h ^= h >> 16; h *= 0x85ebca6bu; h ^= h >> 13; h *= 0xc2b2ae35u; h ^= h >> 16;
    return h;
}

int main(int argc, char **argv) {
    long passes = bench_size(argc, argv, 6400);
    uint64_t s = 42;
    for (size_t i = 0; i < BUF; i += 8) { uint64_t v = bench_mix(&s); memcpy(buf + i, &v, 8); }
    uint64_t acc = 0;
    for (long r = 0; r < passes; r++) {
        size_t off = (size_t)(r * 7) % 64, n = BUF - off;
        acc ^= fnv1a(buf + off, n, 0xCBF29CE484222325ull + (uint64_t)r);
        acc = rotl64(acc, 5) + lanes(buf + off, n, acc);
        acc += murmur32(buf + off, n, (uint32_t)acc);
        buf[r % BUF] ^= (unsigned char)acc;
    }
    bench_report("hash", passes, acc);
    return 0;
}
