/* Sorting through libc's qsort with comparator callbacks (call_indirect through the
 * table): integers both ways, multi-key records (int, double, string), and strings by
 * strcmp.  Size: elements per array. */
#include <string.h>
#include "bench.h"

struct rec { int group; double score; char name[12]; };

static int by_int(const void *a, const void *b) { int x = *(const int *)a, y = *(const int *)b; return (x > y) - (x < y); }
static int by_int_desc(const void *a, const void *b) { return by_int(b, a); }
static int by_rec(const void *a, const void *b) {
    const struct rec *p = a, *q = b;
    if (p->group != q->group) return p->group - q->group;
    if (p->score != q->score) return p->score < q->score ? -1 : 1;
    return strcmp(p->name, q->name);
}
static int by_str(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

int main(int argc, char **argv) {
    long n = bench_size(argc, argv, 80000);
    int *ints = malloc(sizeof(int) * (size_t)n);
    struct rec *recs = malloc(sizeof(struct rec) * (size_t)n);
    char **strs = malloc(sizeof(char *) * (size_t)n), *pool = malloc((size_t)n * 12);
    if (!ints || !recs || !strs || !pool) return 1;
    uint64_t st = 11, acc = 0;
    for (long i = 0; i < n; i++) {
        uint64_t r = bench_mix(&st);
        ints[i] = (int)(r % 1000003) - 500000;
        recs[i].group = (int)(r >> 40) % 64;
        recs[i].score = (double)((r >> 8) % 10007) / 7.0;
        snprintf(recs[i].name, sizeof recs[i].name, "r%lx", (unsigned long)(r >> 44));
        strs[i] = pool + i * 12;
        snprintf(strs[i], 12, "%lx", (unsigned long)(r & 0xFFFFFFF));
    }
    qsort(ints, (size_t)n, sizeof *ints, by_int);
    for (long i = 1; i < n; i++) if (ints[i - 1] > ints[i]) { printf("not sorted\n"); return 1; }
    acc = (uint64_t)ints[0] * 31 + (uint64_t)ints[n / 2];
    qsort(ints, (size_t)n, sizeof *ints, by_int_desc);
    acc = acc * 31 + (uint64_t)ints[n / 3];
    qsort(recs, (size_t)n, sizeof *recs, by_rec);
    for (long i = 0; i < n; i += 97) acc = acc * 31 + (uint64_t)recs[i].group + (uint64_t)(recs[i].score * 7) + (uint64_t)recs[i].name[1];
    qsort(strs, (size_t)n, sizeof *strs, by_str);
    for (long i = 0; i < n; i += 101) acc = acc * 31 + (uint64_t)strs[i][0] + (uint64_t)strs[i][2];
    bench_report("qsort", n, acc);
    free(ints); free(recs); free(strs); free(pool);
    return 0;
}
