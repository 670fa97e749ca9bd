/* File I/O in the preopened directory: write, append, seek, read back, readdir, rename, unlink, mkdir. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static int cmp(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

static void list(const char *dir) {
    DIR *d = opendir(dir);
    if (!d) { printf("opendir %s failed: %s\n", dir, strerror(errno)); return; }
    char *names[64];
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d)) && n < 64)
        names[n++] = strdup(e->d_name);
    closedir(d);
    qsort(names, n, sizeof *names, cmp);
    printf("%s:", dir);
    for (int i = 0; i < n; i++) { printf(" %s", names[i]); free(names[i]); }
    printf("\n");
}

int main(void) {
    FILE *f = fopen("data/notes.txt", "w");
    if (!f) { printf("fopen failed: %s\n", strerror(errno)); return 1; }
    for (int i = 0; i < 100; i++) fprintf(f, "line %03d\n", i);
    fclose(f);

    f = fopen("data/notes.txt", "a");
    fputs("appended\n", f);
    fclose(f);

    f = fopen("data/notes.txt", "r");
    fseek(f, 0, SEEK_END);
    long size = ftell(f);
    fseek(f, 9 * 50, SEEK_SET);
    char line[32];
    fgets(line, sizeof line, f);
    printf("size=%ld line50=%s", size, line);
    int lines = 0;
    rewind(f);
    while (fgets(line, sizeof line, f)) lines++;
    printf("lines=%d\n", lines);
    fclose(f);

    int fd = open("data/raw.bin", O_CREAT | O_RDWR | O_TRUNC, 0644);
    unsigned char bytes[256];
    for (int i = 0; i < 256; i++) bytes[i] = (unsigned char)i;
    printf("write=%zd\n", write(fd, bytes, sizeof bytes));
    printf("pread=%zd ", pread(fd, bytes, 16, 240));
    printf("first=%d last=%d\n", bytes[0], bytes[15]);
    printf("lseek=%lld\n", (long long)lseek(fd, -6, SEEK_END));
    close(fd);

    printf("mkdir=%d\n", mkdir("data/sub", 0755));
    printf("mkdir again=%d errno=%s\n", mkdir("data/sub", 0755), strerror(errno));
    printf("rename=%d\n", rename("data/raw.bin", "data/sub/moved.bin"));
    struct stat st;
    printf("stat=%d size=%lld isreg=%d\n", stat("data/sub/moved.bin", &st), (long long)st.st_size, S_ISREG(st.st_mode));
    printf("stat missing=%d errno=%s\n", stat("data/raw.bin", &st), strerror(errno));
    f = fopen("data/tmp.txt", "w"); fputs("temporary", f); fclose(f);
    printf("unlink=%d\n", unlink("data/tmp.txt"));
    list("data");
    list("data/sub");
    printf("open outside=%d errno=%s\n", open("../etc/passwd", O_RDONLY), strerror(errno));
    printf("open absolute=%d errno=%s\n", open("/etc/passwd", O_RDONLY), strerror(errno));
    return 0;
}
