/* hashmap.c - string-keyed hash map using open addressing and linear probing. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    char *key;      /* NULL for empty or deleted slots */
    void *value;
    int tombstone;  /* slot was deleted; keep probing past it */
} entry_t;

typedef struct {
    entry_t *entries;
    size_t capacity;
    size_t count;   /* live entries + tombstones */
} hashmap_t;

static uint64_t fnv1a(const char *s)
{
    uint64_t h = 1469598103934665603ULL;
    while (*s) {
        h ^= (unsigned char)*s++;
        h *= 1099511628211ULL;
    }
    return h;
}

hashmap_t *hashmap_new(size_t capacity)
{
    size_t cap = 8;
    hashmap_t *m = malloc(sizeof(*m));
    if (!m)
        return NULL;
    while (cap < capacity)  /* capacity must be a power of two */
        cap <<= 1;
    if (!(m->entries = calloc(cap, sizeof(entry_t)))) {
        free(m);
        return NULL;
    }
    m->capacity = cap;
    m->count = 0;
    return m;
}

static entry_t *find_slot(entry_t *entries, size_t cap, const char *key)
{
    size_t i = fnv1a(key) & (cap - 1);
    entry_t *tomb = NULL;
    for (;;) {
        entry_t *e = &entries[i];
        if (e->key == NULL) {
            if (!e->tombstone)
                return tomb ? tomb : e;
            if (!tomb)
                tomb = e;
        } else if (strcmp(e->key, key) == 0) {
            return e;
        }
        i = (i + 1) & (cap - 1);
    }
}

static int grow(hashmap_t *m)
{
    size_t newcap = m->capacity * 2;
    entry_t *fresh = calloc(newcap, sizeof(entry_t));
    if (!fresh) return -1;
    m->count = 0;
    for (size_t i = 0; i < m->capacity; i++) {
        entry_t *e = &m->entries[i];
        if (e->key) {
            *find_slot(fresh, newcap, e->key) = *e;
            m->count++;
        }
    }
    free(m->entries);
    m->entries = fresh;
    m->capacity = newcap;
    return 0;
}

int hashmap_set(hashmap_t *m, const char *key, void *value)
{
    if ((m->count + 1) * 4 > m->capacity * 3 && grow(m) != 0)
        return -1;
    entry_t *e = find_slot(m->entries, m->capacity, key);
    if (e->key == NULL) {
        if (!(e->key = strdup(key)))
            return -1;
        if (!e->tombstone)
            m->count++;
        e->tombstone = 0;
    }
    e->value = value;
    return 0;
}

void *hashmap_get(const hashmap_t *m, const char *key)
{
    entry_t *e = find_slot(m->entries, m->capacity, key);
    return e->key ? e->value : NULL;
}

int hashmap_delete(hashmap_t *m, const char *key)
{
    entry_t *e = find_slot(m->entries, m->capacity, key);
    if (!e->key) return 0;
    free(e->key);
    *e = (entry_t){.key = NULL, .value = NULL, .tombstone = 1};
    return 1;
}

void hashmap_free(hashmap_t *m)
{
    for (size_t i = 0; i < m->capacity; i++)
        free(m->entries[i].key);
    free(m->entries);
    free(m);
}
