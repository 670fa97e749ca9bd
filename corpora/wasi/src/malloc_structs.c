/* malloc-heavy structures: a binary search tree, a hash table and a growing vector. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct node { int key; struct node *left, *right; };

static struct node *insert(struct node *t, int key) {
    if (!t) {
        t = malloc(sizeof *t);
        t->key = key; t->left = t->right = NULL;
        return t;
    }
    if (key < t->key) t->left = insert(t->left, key);
    else if (key > t->key) t->right = insert(t->right, key);
    return t;
}
static int height(struct node *t) {
    if (!t) return 0;
    int l = height(t->left), r = height(t->right);
    return 1 + (l > r ? l : r);
}
static long sum(struct node *t) { return t ? t->key + sum(t->left) + sum(t->right) : 0; }
static void release(struct node *t) { if (t) { release(t->left); release(t->right); free(t); } }

struct entry { char *name; int count; struct entry *next; };

static unsigned hash(const char *s) { unsigned h = 2166136261u; while (*s) h = (h ^ (unsigned char)*s++) * 16777619u; return h; }

int main(void) {
    struct node *tree = NULL;
    unsigned x = 12345;
    for (int i = 0; i < 20000; i++) {
        x = x * 1103515245u + 12345u;
        tree = insert(tree, (int)(x >> 8) % 100000);
    }
    printf("tree: height=%d sum=%ld\n", height(tree), sum(tree));
    release(tree);

    struct entry *table[257] = {0};
    const char *words[] = {"alpha", "beta", "gamma", "delta", "epsilon", "alpha", "beta", "alpha"};
    for (int round = 0; round < 1000; round++) {
        for (size_t i = 0; i < sizeof words / sizeof *words; i++) {
            char name[32];
            snprintf(name, sizeof name, "%s%d", words[i], round % 10);
            unsigned b = hash(name) % 257;
            struct entry *e = table[b];
            while (e && strcmp(e->name, name)) e = e->next;
            if (!e) {
                e = calloc(1, sizeof *e);
                e->name = strdup(name);
                e->next = table[b];
                table[b] = e;
            }
            e->count++;
        }
    }
    int distinct = 0, total = 0;
    for (int b = 0; b < 257; b++)
        for (struct entry *e = table[b], *n; e; e = n) {
            n = e->next; distinct++; total += e->count; free(e->name); free(e);
        }
    printf("hash: distinct=%d total=%d\n", distinct, total);

    size_t cap = 1, len = 0;
    double *v = malloc(cap * sizeof *v);
    for (int i = 0; i < 100000; i++) {
        if (len == cap) { cap *= 2; v = realloc(v, cap * sizeof *v); }
        v[len++] = i * 0.5;
    }
    double acc = 0;
    for (size_t i = 0; i < len; i++) acc += v[i];
    printf("vector: len=%zu cap=%zu sum=%.1f\n", len, cap, acc);
    free(v);
    return 0;
}
