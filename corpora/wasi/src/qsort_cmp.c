/* qsort and bsearch with several comparators (function pointers through the table). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct person { char name[16]; int age; double score; };

static int by_int(const void *a, const void *b) { int x = *(const int *)a, y = *(const int *)b; return (x > y) - (x < y); }
static int by_int_desc(const void *a, const void *b) { return by_int(b, a); }
static int by_str(const void *a, const void *b) { return strcmp(*(const char *const *)a, *(const char *const *)b); }
static int by_age_then_name(const void *a, const void *b) {
    const struct person *p = a, *q = b;
    if (p->age != q->age) return p->age - q->age;
    return strcmp(p->name, q->name);
}
static int by_score(const void *a, const void *b) {
    double x = ((const struct person *)a)->score, y = ((const struct person *)b)->score;
    return (x > y) - (x < y);
}

int main(void) {
    int nums[1000];
    unsigned s = 7;
    for (int i = 0; i < 1000; i++) { s = s * 69069u + 1; nums[i] = (int)(s % 10007) - 5000; }
    qsort(nums, 1000, sizeof *nums, by_int);
    printf("min=%d max=%d median=%d\n", nums[0], nums[999], nums[500]);
    int key = nums[123];
    int *hit = bsearch(&key, nums, 1000, sizeof *nums, by_int);
    printf("bsearch found=%d\n", hit != NULL && *hit == key);
    qsort(nums, 1000, sizeof *nums, by_int_desc);
    printf("desc first=%d last=%d\n", nums[0], nums[999]);

    const char *words[] = {"pear", "apple", "fig", "banana", "cherry", "date", "elderberry", "grape"};
    qsort(words, 8, sizeof *words, by_str);
    for (int i = 0; i < 8; i++) printf("%s%c", words[i], i == 7 ? '\n' : ' ');

    struct person people[] = {{"zoe", 30, 1.5}, {"adam", 25, 9.25}, {"eve", 30, 4.0},
                              {"bob", 25, 7.75}, {"carl", 41, 0.5}, {"dana", 19, 8.0}};
    size_t n = sizeof people / sizeof *people;
    qsort(people, n, sizeof *people, by_age_then_name);
    for (size_t i = 0; i < n; i++) printf("%s:%d ", people[i].name, people[i].age);
    printf("\n");
    qsort(people, n, sizeof *people, by_score);
    for (size_t i = 0; i < n; i++) printf("%s:%.2f ", people[i].name, people[i].score);
    printf("\n");
    return 0;
}
