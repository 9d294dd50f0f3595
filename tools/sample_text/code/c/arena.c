/*
 * arena.c - a bump-pointer arena allocator.
 *
 * Allocations are carved out of large blocks and released all at once with
 * arena_reset() or arena_destroy(). Ideal for per-request or per-parse data.
 */
#include <stdalign.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define ARENA_DEFAULT_BLOCK (64 * 1024)

struct block {
    struct block *next;
    size_t size;
    size_t used;
    alignas(max_align_t) unsigned char data[];
};

typedef struct {
    struct block *head;
    size_t block_size;
} arena_t;

void arena_init(arena_t *a, size_t block_size)
{
    a->head = NULL;
    a->block_size = block_size ? block_size : ARENA_DEFAULT_BLOCK;
}

static struct block *new_block(size_t size, struct block *next)
{
    struct block *b = malloc(sizeof(struct block) + size);
    if (!b)
        return NULL;
    b->next = next;
    b->size = size;
    b->used = 0;
    return b;
}

void *arena_alloc_aligned(arena_t *a, size_t size, size_t align)
{
    struct block *b = a->head;
    if (b) {
        uintptr_t base = (uintptr_t)b->data;
        uintptr_t p = (base + b->used + align - 1) & ~(uintptr_t)(align - 1);
        if (p + size <= base + b->size) {
            b->used = p + size - base;
            return (void *)p;
        }
    }
    /* Oversized requests get a dedicated block. */
    size_t want = size + align > a->block_size ? size + align : a->block_size;
    b = new_block(want, a->head);
    if (!b)
        return NULL;
    a->head = b;
    uintptr_t p = ((uintptr_t)b->data + align - 1) & ~(uintptr_t)(align - 1);
    b->used = p + size - (uintptr_t)b->data;
    return (void *)p;
}

void *arena_alloc(arena_t *a, size_t size)
{
    return arena_alloc_aligned(a, size, alignof(max_align_t));
}

char *arena_strdup(arena_t *a, const char *s)
{
    size_t n = strlen(s) + 1;
    char *dst = arena_alloc_aligned(a, n, 1);
    return dst ? memcpy(dst, s, n) : NULL;
}

/* Frees all but the most recent block and rewinds it. */
void arena_reset(arena_t *a)
{
    if (!a->head)
        return;
    struct block *b = a->head->next;
    while (b) {
        struct block *next = b->next;
        free(b);
        b = next;
    }
    a->head->next = NULL;
    a->head->used = 0;
}

void arena_destroy(arena_t *a)
{
    arena_reset(a);
    free(a->head);
    a->head = NULL;
}
