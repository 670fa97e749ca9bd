/* Exit codes: the status given as argv[1] (exit(), or returned from main with "return"). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int main(int argc, char **argv) {
    int code = argc > 1 ? atoi(argv[1]) : 0;
    printf("exiting with %d\n", code);
    fflush(stdout);
    if (argc > 2 && strcmp(argv[2], "return") == 0)
        return code;
    exit(code);
}
