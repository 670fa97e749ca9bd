/* A chained hash map with malloc'd nodes and string keys: inserts that grow and rehash the
 * table, lookups that hit and miss, deletions, and a final sweep.  malloc/free, strcmp,
 * snprintf and pointer chasing.  Size: distinct keys. */
#include <string.h>
#include "bench.h"

struct entry { struct entry *next; uint64_t hash; long value; char key[24]; };
struct map { struct entry **slots; size_t cap, len; };

static uint64_t hash_str(const char *s) {
    uint64_t h = 0xCBF29CE484222325ull;
    while (*s) { h ^= (unsigned char)*s++; h *= 0x100000001B3ull; }
    return h;
}

static void grow(struct map *m) {
    size_t cap = m->cap ? m->cap * 2 : 16;
    struct entry **slots = calloc(cap, sizeof *slots);
    if (!slots) abort();
    for (size_t i = 0; i < m->cap; i++) {
        for (struct entry *e = m->slots[i], *next; e; e = next) {
            next = e->next;
            e->next = slots[e->hash & (cap - 1)];
            slots[e->hash & (cap - 1)] = e;
        }
    }
    free(m->slots);
    m->slots = slots; m->cap = cap;
}

static struct entry *find(const struct map *m, const char *key, uint64_t h) {
    if (!m->cap) return NULL;
    for (struct entry *e = m->slots[h & (m->cap - 1)]; e; e = e->next)
        if (e->hash == h && strcmp(e->key, key) == 0) return e;
    return NULL;
}

static void put(struct map *m, const char *key, long value) {
    uint64_t h = hash_str(key);
    struct entry *e = find(m, key, h);
    if (e) { e->value += value; return; }
    if (m->len + 1 > m->cap * 3 / 4) grow(m);
    e = malloc(sizeof *e);
    if (!e) abort();
    strncpy(e->key, key, sizeof e->key - 1); e->key[sizeof e->key - 1] = 0;
    e->hash = h; e->value = value;
    e->next = m->slots[h & (m->cap - 1)];
    m->slots[h & (m->cap - 1)] = e;
    m->len++;
}

static int del(struct map *m, const char *key) {
    uint64_t h = hash_str(key);
    if (!m->cap) return 0;
    for (struct entry **p = &m->slots[h & (m->cap - 1)]; *p; p = &(*p)->next) {
        if ((*p)->hash == h && strcmp((*p)->key, key) == 0) {
            struct entry *dead = *p; *p = dead->next; free(dead); m->len--; return 1;
        }
    }
    return 0;
}

int main(int argc, char **argv) {
    long n = bench_size(argc, argv, 80000);
    struct map m = {0};
    char key[24];
    uint64_t st = 5, acc = 0;
    for (long i = 0; i < n * 2; i++) {
        snprintf(key, sizeof key, "k%llu", (unsigned long long)(bench_mix(&st) % (uint64_t)n));
        put(&m, key, i);
    }
    for (long i = 0; i < n * 2; i++) {
        snprintf(key, sizeof key, "k%ld", i);
        struct entry *e = find(&m, key, hash_str(key));
        acc = acc * 31 + (e ? (uint64_t)e->value : 7);
    }
    long removed = 0;
    for (long i = 0; i < n; i += 3) { snprintf(key, sizeof key, "k%ld", i); removed += del(&m, key); }
    for (size_t i = 0; i < m.cap; i++)
        for (struct entry *e = m.slots[i], *next; e; e = next) { next = e->next; acc += (uint64_t)e->value * e->hash; free(e); }
    free(m.slots);
    bench_report("hashmap", n, acc ^ ((uint64_t)m.len << 32) ^ (uint64_t)removed);
    return 0;
}
