/*
 * quire/value.h — a generic metadata tree (the whole front matter, JSON-LD,
 * the `extra` of a document).  Mapping / sequence / scalar / null, the shape
 * YAML and JSON share, so that nothing a reader saw is lost.
 *
 * Ownership: values live in a document's arena; they are never freed one by
 * one.  Mapping entries keep their source order; duplicate keys are kept.
 */
#ifndef QUIRE_VALUE_H
#define QUIRE_VALUE_H

#include "arena.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum quire_value_type {
    QUIRE_VALUE_NULL = 0,
    QUIRE_VALUE_BOOL,     /* str is "true" or "false" */
    QUIRE_VALUE_NUMBER,   /* str holds the number as written (JSON grammar) */
    QUIRE_VALUE_STRING,   /* str holds the text, UTF-8 */
    QUIRE_VALUE_SEQUENCE, /* children in order */
    QUIRE_VALUE_MAPPING   /* children in order, each with a key */
} quire_value_type;

typedef struct quire_value quire_value;
struct quire_value {
    quire_value_type type;
    const char *key;      /* set on children of a mapping, else NULL */
    const char *str;      /* BOOL, NUMBER, STRING; NULL otherwise */
    size_t len;           /* byte length of str */
    quire_value *first, *last; /* children of SEQUENCE and MAPPING */
    quire_value *next;    /* next sibling */
    size_t count;         /* number of children */
    uint32_t line, column; /* 1-based source position, 0 when unknown */
};

/** A new value of the given type in the arena; NULL when out of memory. */
QUIRE_API quire_value *quire_value_new(quire_arena *arena, quire_value_type type);
/** A new scalar of the given type whose text is a copy of str[0..len). */
QUIRE_API quire_value *quire_value_new_scalar(quire_arena *arena, quire_value_type type,
                                              const char *str, size_t len);
/** Append child to a SEQUENCE or MAPPING (key may be NULL for sequences;
 *  the key is copied into the arena). */
QUIRE_API void quire_value_append(quire_arena *arena, quire_value *parent,
                                  const char *key, quire_value *child);
/** First child of a mapping with this key (exact, case-sensitive), or NULL. */
QUIRE_API const quire_value *quire_value_get(const quire_value *map, const char *key);
/** Follow a dotted path of mapping keys ("link.href"); NULL if any step is missing. */
QUIRE_API const quire_value *quire_value_path(const quire_value *map, const char *path);
/** Text of a scalar (STRING, NUMBER, BOOL), or NULL for null/collections. */
QUIRE_API const char *quire_value_str(const quire_value *v);
/** Deep copy of v into another arena. */
QUIRE_API quire_value *quire_value_clone(quire_arena *arena, const quire_value *v);

#ifdef __cplusplus
}
#endif
#endif /* QUIRE_VALUE_H */
