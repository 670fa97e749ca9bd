/* Clocks, nanosleep (poll_oneoff), random bytes and getenv: prints only facts that are deterministic. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/random.h>

static long long ns(clockid_t c) { struct timespec t; clock_gettime(c, &t); return t.tv_sec * 1000000000LL + t.tv_nsec; }

int main(void) {
    long long t0 = ns(CLOCK_MONOTONIC);
    struct timespec req = {0, 20 * 1000 * 1000};
    int r = nanosleep(&req, NULL);
    long long t1 = ns(CLOCK_MONOTONIC);
    printf("nanosleep=%d slept_at_least_20ms=%s\n", r, t1 - t0 >= 20000000 ? "yes" : "no");
    usleep(5000);
    printf("monotonic increases: %s\n", ns(CLOCK_MONOTONIC) > t1 ? "yes" : "no");
    long long wall = ns(CLOCK_REALTIME);
    printf("realtime after 2020: %s\n", wall > 1577836800LL * 1000000000LL ? "yes" : "no");
    time_t now = time(NULL);
    printf("time() agrees: %s\n", now >= wall / 1000000000LL - 1 ? "yes" : "no");
    struct timespec res;
    printf("clock_getres=%d\n", clock_getres(CLOCK_MONOTONIC, &res));

    unsigned char a[32], b[32];
    getentropy(a, sizeof a);
    getentropy(b, sizeof b);
    int zeros = 0;
    for (int i = 0; i < 32; i++) zeros += a[i] == 0 && b[i] == 0;
    printf("random bytes differ: %s\n", memcmp(a, b, sizeof a) ? "yes" : "no");
    printf("random not all zero: %s\n", zeros < 32 ? "yes" : "no");
    srand(1);
    printf("rand(1) sequence: %d %d %d\n", rand() % 1000, rand() % 1000, rand() % 1000);

    const char *greeting = getenv("GREETING");
    printf("GREETING=%s\n", greeting ? greeting : "(unset)");
    printf("MISSING=%s\n", getenv("MISSING") ? "set" : "(unset)");
    return 0;
}
