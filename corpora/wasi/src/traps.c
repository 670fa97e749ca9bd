/* Deliberate traps, chosen by argv[1]: unreachable, out-of-bounds load, division by zero,
   integer overflow, stack overflow, indirect call through a bad table index. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static volatile int zero = 0;
static int recurse(volatile int n) { volatile char pad[256]; pad[0] = (char)n; return recurse(n + 1) + pad[0]; }
typedef int (*fn)(int);
static int twice(int x) { return 2 * x; }

int main(int argc, char **argv) {
    const char *what = argc > 1 ? argv[1] : "none";
    printf("about to trap: %s\n", what);
    fflush(stdout);
    if (!strcmp(what, "unreachable")) __builtin_trap();
    if (!strcmp(what, "oob")) { volatile int *p = (int *)0xFFFFFFF0u; return *p; }
    if (!strcmp(what, "divzero")) return 10 / zero;
    if (!strcmp(what, "overflow")) { volatile int m = -2147483647 - 1, d = -1 + zero; return m / d; }
    if (!strcmp(what, "stack")) return recurse(0);
    if (!strcmp(what, "indirect")) { fn table[1] = {twice}; volatile unsigned i = 1000000u + zero; return table[0](1) + ((fn)(unsigned long)i)(1); }
    if (!strcmp(what, "abort")) abort();
    printf("no trap\n");
    return 0;
}
