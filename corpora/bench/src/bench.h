/* Shared by the benchmark programs: the size argument and the one-line checksum report.
 *
 * Every program takes its problem size as argv[1] (default: the size that runs
 * a fraction of a second under wasmtime), so `fuzzrt bench --quick` and the
 * tests can run the same binaries tiny.  Each prints exactly one line,
 * "NAME n=SIZE checksum=HEX", which the bench driver compares across engines.
 */
#ifndef BENCH_H
#define BENCH_H
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

static inline long bench_size(int argc, char **argv, long fallback) {
    if (argc < 2) return fallback;
    long n = strtol(argv[1], NULL, 10);
    return n > 0 ? n : fallback;
}

static inline void bench_report(const char *name, long n, uint64_t checksum) {
    printf("%s n=%ld checksum=%016llx\n", name, n, (unsigned long long)checksum);
}

/* splitmix64: a deterministic input generator with good bit mixing. */
static inline uint64_t bench_mix(uint64_t *state) {
    uint64_t z = (*state += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}
#endif
