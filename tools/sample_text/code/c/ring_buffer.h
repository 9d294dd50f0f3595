/*
 * ring_buffer.h - single-producer/single-consumer byte ring buffer.
 *
 * Capacity must be a power of two. Head and tail are free-running
 * counters, so the buffer can hold exactly `capacity` bytes.
 */
#ifndef RING_BUFFER_H
#define RING_BUFFER_H

#include <stdatomic.h>
#include <stddef.h>
#include <string.h>

typedef struct {
    unsigned char *data;
    size_t mask;
    atomic_size_t head; /* written by producer */
    atomic_size_t tail; /* written by consumer */
} ring_buffer;

static inline int rb_init(ring_buffer *rb, unsigned char *storage, size_t capacity)
{
    if (capacity == 0 || (capacity & (capacity - 1)) != 0)
        return -1;
    rb->data = storage;
    rb->mask = capacity - 1;
    atomic_init(&rb->head, 0);
    atomic_init(&rb->tail, 0);
    return 0;
}

static inline size_t rb_used(ring_buffer *rb)
{
    return atomic_load_explicit(&rb->head, memory_order_acquire) -
           atomic_load_explicit(&rb->tail, memory_order_acquire);
}

static inline size_t rb_free(ring_buffer *rb)
{
    return rb->mask + 1 - rb_used(rb);
}

/* Writes up to len bytes; returns the number actually written. */
static inline size_t rb_write(ring_buffer *rb, const void *src, size_t len)
{
    size_t head = atomic_load_explicit(&rb->head, memory_order_relaxed);
    size_t avail = rb_free(rb);
    if (len > avail)
        len = avail;
    size_t off = head & rb->mask;
    size_t first = rb->mask + 1 - off;
    if (first > len)
        first = len;
    memcpy(rb->data + off, src, first);
    memcpy(rb->data, (const unsigned char *)src + first, len - first);
    atomic_store_explicit(&rb->head, head + len, memory_order_release);
    return len;
}

/* Reads up to len bytes; returns the number actually read. */
static inline size_t rb_read(ring_buffer *rb, void *dst, size_t len)
{
    size_t tail = atomic_load_explicit(&rb->tail, memory_order_relaxed);
    size_t used = rb_used(rb);
    if (len > used)
        len = used;
    size_t off = tail & rb->mask;
    size_t first = rb->mask + 1 - off;
    if (first > len)
        first = len;
    memcpy(dst, rb->data + off, first);
    memcpy((unsigned char *)dst + first, rb->data, len - first);
    atomic_store_explicit(&rb->tail, tail + len, memory_order_release);
    return len;
}

#endif /* RING_BUFFER_H */
