/*
 * quire/arena.h — a bump allocator.  Every node, string and array of one
 * document comes from that document's arena; freeing the arena frees them
 * all at once, so nothing inside a document is freed individually.
 *
 * Not thread-safe: one arena is used by one thread at a time.
 */
#ifndef QUIRE_ARENA_H
#define QUIRE_ARENA_H

#include "common.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct quire_arena quire_arena;

/** A new, empty arena; NULL when out of memory.  Free with quire_arena_free(). */
QUIRE_API quire_arena *quire_arena_new(void);
/** Frees the arena and everything allocated from it.  NULL is a no-op. */
QUIRE_API void quire_arena_free(quire_arena *arena);

/** size bytes aligned for any type, zero-filled; NULL when out of memory. */
QUIRE_API void *quire_arena_alloc(quire_arena *arena, size_t size);
/** A NUL-terminated copy of s (NULL gives NULL). */
QUIRE_API char *quire_arena_strdup(quire_arena *arena, const char *s);
/** A NUL-terminated copy of the first len bytes of s. */
QUIRE_API char *quire_arena_strndup(quire_arena *arena, const char *s, size_t len);
/** printf into the arena. */
QUIRE_API char *quire_arena_printf(quire_arena *arena, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;
/** Total bytes handed out (for limits and statistics). */
QUIRE_API size_t quire_arena_used(const quire_arena *arena);

#ifdef __cplusplus
}
#endif
#endif /* QUIRE_ARENA_H */
