/* printf/stdio: formatting of every common conversion, stdout and stderr, argv. */
#include <stdio.h>
#include <string.h>

int main(int argc, char **argv) {
    printf("argc=%d\n", argc);
    for (int i = 0; i < argc; i++)
        printf("argv[%d]=\"%s\" (%zu bytes)\n", i, argv[i], strlen(argv[i]));
    printf("ints: %d %i %u %x %X %o %ld %lld\n", -42, 7, 3000000000u, 0xbeef, 0xBEEF, 8, -1L, 1LL << 40);
    printf("floats: %.3f %e %g %10.2f|%-10.2f|\n", 3.14159, 6.02e23, 0.0001, 2.5, -2.5);
    printf("strings: [%s] [%10s] [%-10s] [%.3s] %c%c\n", "abc", "right", "left", "truncate", 'o', 'k');
    char buf[64];
    int n = snprintf(buf, sizeof buf, "%08.3f/%+d/%#x", 3.5, 5, 255);
    printf("snprintf -> %d \"%s\"\n", n, buf);
    fprintf(stderr, "this goes to stderr\n");
    for (int i = 0; i < 2000; i++)
        putchar('a' + i % 26);
    putchar('\n');
    fflush(stdout);
    return 0;
}
