/* Reads stdin to the end: counts bytes, lines and words, echoes it upper-cased. */
#include <ctype.h>
#include <stdio.h>

int main(void) {
    int c, bytes = 0, lines = 0, words = 0, in_word = 0;
    while ((c = getchar()) != EOF) {
        bytes++;
        if (c == '\n') lines++;
        if (isspace(c)) in_word = 0;
        else if (!in_word) { in_word = 1; words++; }
        putchar(toupper(c));
    }
    printf("\nbytes=%d lines=%d words=%d\n", bytes, lines, words);
    return 0;
}
