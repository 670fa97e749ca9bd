/* Memory-heavy copying over 2 x 8 MiB buffers: memcpy of large blocks, overlapping memmove
 * in both directions and memset (built with bulk memory, so these are memory.copy and
 * memory.fill), plus a hand-written word loop that transforms while copying.
 * Size: rounds. */
// cflags: -mbulk-memory
#include <string.h>
#include "bench.h"

#define MB (1024 * 1024)
#define LEN (8 * MB)

static uint64_t sample(const unsigned char *p, size_t n, uint64_t h) {
    for (size_t i = 0; i < n; i += 4093) { h ^= p[i]; h *= 0x100000001B3ull; }
    return h;
}

int main(int argc, char **argv) {
    long rounds = bench_size(argc, argv, 64);
    unsigned char *a = malloc(LEN), *b = malloc(LEN);
    if (!a || !b) return 1;
    uint64_t st = 3;
    for (size_t i = 0; i < LEN; i += 8) { uint64_t v = bench_mix(&st); memcpy(a + i, &v, 8); }
    memset(b, 0, LEN);
    uint64_t h = 0xCBF29CE484222325ull;
    for (long r = 0; r < rounds; r++) {
        size_t off = (size_t)(r * 4099) % 65536;
        memcpy(b + off, a, LEN - 65536);
        memmove(b + 4096 + off, b + off, LEN / 2);           /* overlapping, forward */
        memmove(b, b + 12345 + off, LEN / 2);                /* overlapping, backward */
        memset(b + LEN / 2 + off, (int)r, MB);
        uint64_t *w = (uint64_t *)a;
        const uint64_t *v = (const uint64_t *)b;
        uint64_t key = 0x9E3779B97F4A7C15ull * (uint64_t)(r + 1);
        for (size_t i = r & 1; i < LEN / 8; i += 2) w[i] = v[(i + (size_t)r) % (LEN / 8)] ^ key;
        h = sample(a, LEN, sample(b, LEN, h));
    }
    bench_report("memcopy", rounds, h);
    free(a); free(b);
    return 0;
}
