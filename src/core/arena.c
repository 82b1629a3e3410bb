/*
 * arena.c — bump allocator.  Blocks grow geometrically; a request larger than
 * a block gets a block of its own, so one huge string does not waste space.
 */
#include "internal.h"

#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ARENA_MIN_BLOCK 4096u
#define ARENA_MAX_BLOCK (1u << 20)

/* Zero-filling: blocks are zeroed ahead of the bump pointer in runs of
 * about this many bytes, so that an allocation on the fast path is already
 * zero (no memset call per allocation) while the bytes zeroed stay about
 * the bytes used (calloc of whole blocks zeroed up to 1 MiB an arena never
 * filled: more than the per-call memsets it replaced).  Small enough that
 * glibc's memset stays on its vector loop rather than `rep stosb`. */
#define ARENA_ZERO_AHEAD 1024u

typedef quire__arena_block arena_block;

/* malloc and the fields set, not calloc: glibc's calloc never takes from
 * the thread's cache of freed chunks and goes through the bins instead
 * (~200-700 instructions against ~50), and arenas are made and freed
 * several times per document. */
quire_arena *quire__arena_new_sized(size_t first_block)
{
    quire_arena *a = malloc(sizeof *a);
    if (a)
        *a = (quire_arena){.next_size = first_block < ARENA_MIN_BLOCK ? ARENA_MIN_BLOCK
                                        : first_block > ARENA_MAX_BLOCK ? ARENA_MAX_BLOCK
                                                                        : first_block};
    return a;
}

quire_arena *quire_arena_new(void)
{
    return quire__arena_new_sized(ARENA_MIN_BLOCK);
}

struct quire__slab {
    _Atomic size_t refs;
    size_t size, used;
    _Alignas(16) unsigned char data[];
};

quire__slab *quire__slab_new(size_t size)
{
    quire__slab *s = malloc(sizeof *s + size);
    if (s) {
        atomic_init(&s->refs, 1);
        s->size = size;
        s->used = 0;
    }
    return s;
}

void quire__slab_release(quire__slab *s)
{
    if (s && atomic_fetch_sub_explicit(&s->refs, 1, memory_order_acq_rel) == 1)
        free(s);
}

void *quire__slab_carve(quire__slab *s, size_t first_block)
{
    size_t need = (sizeof(arena_block) + first_block + QUIRE__ARENA_ALIGN - 1) &
                  ~(size_t)(QUIRE__ARENA_ALIGN - 1);
    if (!s || need < first_block || s->size - s->used < need)
        return NULL;
    void *p = s->data + s->used;
    s->used += need;
    atomic_fetch_add_explicit(&s->refs, 1, memory_order_relaxed);
    return p;
}

quire_arena *quire__arena_new_on(quire__slab *s, void *mem, size_t first_block)
{
    quire_arena *a = calloc(1, sizeof *a);
    if (!a) {
        quire__slab_release(s);
        return NULL;
    }
    arena_block *b = mem;
    b->size = first_block;
    b->used = 0;
    b->zeroed = 0;
    b->prev = NULL;
    a->head = b;
    a->slab = s;
    a->next_size = ARENA_MIN_BLOCK;
    return a;
}

static bool in_slab(const quire__slab *s, const arena_block *b)
{
    const unsigned char *p = (const unsigned char *)b;
    return s && p >= s->data && p < s->data + s->size;
}

void quire_arena_free(quire_arena *a)
{
    if (!a)
        return;
    arena_block *b = a->head;
    while (b) {
        arena_block *prev = b->prev;
        if (!in_slab(a->slab, b))
            free(b);
        b = prev;
    }
    quire__slab_release(a->slab);
    free(a);
}

static arena_block *arena_block_new(size_t size)
{
    arena_block *b = malloc(sizeof *b + size);
    if (b) {
        b->size = size;
        b->used = 0;
        b->zeroed = 0;
        b->prev = NULL;
    }
    return b;
}

/* Take need bytes at the end of b (room checked), zeroing ahead when
 * zero is asked for; else only the zeroed mark moves past them. */
static void *arena_block_take(arena_block *b, size_t need, bool zero)
{
    if (!zero) {
        unsigned char *p = b->data + b->used;
        b->used += need;
        if (b->zeroed < b->used)
            b->zeroed = b->used;
        return p;
    }
    if (b->zeroed - b->used < need) {
        size_t z = b->used + need;
        z = b->size - z > ARENA_ZERO_AHEAD ? z + ARENA_ZERO_AHEAD : b->size;
        memset(b->data + b->zeroed, 0, z - b->zeroed);
        b->zeroed = z;
    }
    unsigned char *p = b->data + b->used;
    b->used += need;
    return p;
}

/* The rest of quire_arena_alloc: zeroing ahead in the current block, a new
 * block, or a block of its own for a big request.  need is size rounded
 * up, already checked for overflow. */
void *quire__arena_alloc_slow(quire_arena *a, size_t need, bool zero)
{
    arena_block *b = a->head;
    unsigned char *p;
    if (b && b->size - b->used >= need) {
        p = arena_block_take(b, need, zero);
    } else if (need > a->next_size / 2) {
        /* A big request gets a block of its own, slipped in behind the
         * current one, so the space left in the current block is not lost. */
        arena_block *nb = arena_block_new(need);
        if (!nb)
            return NULL;
        if (b) {
            nb->prev = b->prev;
            b->prev = nb;
        } else {
            a->head = nb;
        }
        p = arena_block_take(nb, need, zero);
    } else {
        arena_block *nb = arena_block_new(a->next_size);
        if (!nb)
            return NULL;
        nb->prev = b;
        a->head = nb;
        if (a->next_size < ARENA_MAX_BLOCK)
            a->next_size *= 2;
        p = arena_block_take(nb, need, zero);
    }
    a->total += need;
    return p;
}

#undef quire_arena_alloc
#undef quire_arena_strndup
#undef quire_arena_strdup

void *quire_arena_alloc(quire_arena *a, size_t size)
{
    return quire__arena_alloc(a, size);
}

char *quire_arena_strndup(quire_arena *a, const char *s, size_t len)
{
    return quire__arena_strndup(a, s, len);
}

char *quire_arena_strdup(quire_arena *a, const char *s)
{
    return s ? quire__arena_strndup(a, s, strlen(s)) : NULL;
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
