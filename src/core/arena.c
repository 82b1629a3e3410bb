/*
 * arena.c — bump allocator.  Blocks grow geometrically; a request larger than
 * a block gets a block of its own, so one huge string does not waste space.
 */
#include "internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ARENA_MIN_BLOCK 4096u
#define ARENA_MAX_BLOCK (1u << 20)
#define ARENA_ALIGN 16u

typedef struct arena_block {
    struct arena_block *prev;
    size_t size, used;
    _Alignas(16) unsigned char data[];
} arena_block;

struct quire_arena {
    arena_block *head;
    size_t next_size;
    size_t total;
};

quire_arena *quire_arena_new(void)
{
    quire_arena *a = calloc(1, sizeof *a);
    if (a)
        a->next_size = ARENA_MIN_BLOCK;
    return a;
}

void quire_arena_free(quire_arena *a)
{
    if (!a)
        return;
    arena_block *b = a->head;
    while (b) {
        arena_block *prev = b->prev;
        free(b);
        b = prev;
    }
    free(a);
}

/* Blocks come zero-filled from calloc (for big blocks, fresh pages from
 * the kernel, zero for free), and the arena never hands memory out twice:
 * so every allocation is already zero, and the fast path need not memset. */
static arena_block *arena_block_new(size_t size)
{
    arena_block *b = calloc(1, sizeof *b + size);
    if (b)
        b->size = size;
    return b;
}

/* The rest of quire_arena_alloc: a new block, or a block of its own for a
 * big request.  need is size rounded up, already checked for overflow. */
static void *arena_alloc_slow(quire_arena *a, size_t need)
{
    arena_block *b = a->head;
    unsigned char *p;
    if (need > a->next_size / 2) {
        /* A big request gets a block of its own, slipped in behind the
         * current one, so the space left in the current block is not lost. */
        arena_block *nb = arena_block_new(need);
        if (!nb)
            return NULL;
        nb->used = need;
        if (b) {
            nb->prev = b->prev;
            b->prev = nb;
        } else {
            a->head = nb;
        }
        p = nb->data;
    } else {
        arena_block *nb = arena_block_new(a->next_size);
        if (!nb)
            return NULL;
        nb->prev = b;
        a->head = nb;
        if (a->next_size < ARENA_MAX_BLOCK)
            a->next_size *= 2;
        p = nb->data;
        nb->used = need;
    }
    a->total += need;
    return p;
}

/* The fast path (called millions of times per build): room in the current
 * block.  Zero-filled already (see arena_block_new). */
static inline void *arena_take(quire_arena *a, size_t size)
{
    size_t need = (size + ARENA_ALIGN - 1) & ~(size_t)(ARENA_ALIGN - 1);
    if (need < size || need > SIZE_MAX / 2)
        return NULL; /* overflow */
    arena_block *b = a->head;
    if (b && b->size - b->used >= need) {
        unsigned char *p = b->data + b->used;
        b->used += need;
        a->total += need;
        return p;
    }
    return arena_alloc_slow(a, need);
}

void *quire_arena_alloc(quire_arena *a, size_t size)
{
    return a ? arena_take(a, size) : NULL;
}

char *quire_arena_strndup(quire_arena *a, const char *s, size_t len)
{
    if (!s || !a || len == SIZE_MAX)
        return NULL;
    char *p = arena_take(a, len + 1);
    if (!p)
        return NULL;
    memcpy(p, s, len); /* the terminating NUL is there already */
    return p;
}

char *quire_arena_strdup(quire_arena *a, const char *s)
{
    return s ? quire_arena_strndup(a, s, strlen(s)) : NULL;
}

char *quire_arena_printf(quire_arena *a, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char small[256];
    int n = vsnprintf(small, sizeof small, fmt, ap);
    va_end(ap);
    if (n < 0)
        return NULL;
    char *p = quire_arena_alloc(a, (size_t)n + 1);
    if (!p)
        return NULL;
    if ((size_t)n < sizeof small) {
        memcpy(p, small, (size_t)n + 1);
    } else {
        va_start(ap, fmt);
        vsnprintf(p, (size_t)n + 1, fmt, ap);
        va_end(ap);
    }
    return p;
}

size_t quire_arena_used(const quire_arena *a)
{
    return a ? a->total : 0;
}
