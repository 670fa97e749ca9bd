/* The binary-trees allocation benchmark: many short-lived trees built with malloc and
 * freed node by node, plus one long-lived tree.  Stresses malloc/free (dlmalloc in
 * wasi-libc), pointer chasing and recursion.  Size: maximum depth. */
#include "bench.h"

struct node { struct node *l, *r; };

static struct node *make(int d) {
    struct node *n = malloc(sizeof *n);
    if (!n) abort();
    if (d > 0) { n->l = make(d - 1); n->r = make(d - 1); } else { n->l = n->r = NULL; }
    return n;
}

static long check(const struct node *n) { return 1 + (n->l ? check(n->l) + check(n->r) : 0); }

static void release(struct node *n) {
    if (n->l) { release(n->l); release(n->r); }
    free(n);
}

int main(int argc, char **argv) {
    long max_depth = bench_size(argc, argv, 15);
    if (max_depth < 4) max_depth = 4;
    uint64_t acc = 0;
    struct node *stretch = make((int)max_depth + 1);
    acc += (uint64_t)check(stretch);
    release(stretch);
    struct node *longlived = make((int)max_depth);
    for (long d = 4; d <= max_depth; d += 2) {
        long iterations = 1L << (max_depth - d + 4), sum = 0;
        for (long i = 0; i < iterations; i++) { struct node *t = make((int)d); sum += check(t); release(t); }
        acc = acc * 1000003 + (uint64_t)sum;
    }
    acc = acc * 31 + (uint64_t)check(longlived);
    release(longlived);
    bench_report("binary_trees", max_depth, acc);
    return 0;
}
