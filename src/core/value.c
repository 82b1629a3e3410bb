/*
 * value.c — the generic metadata tree.
 */
#include "internal.h"

#include <string.h>

quire_value *quire_value_new(quire_arena *arena, quire_value_type type)
{
    quire_value *v = quire_arena_alloc(arena, sizeof *v);
    if (v)
        v->type = type;
    return v;
}

quire_value *quire_value_new_scalar(quire_arena *arena, quire_value_type type,
                                    const char *str, size_t len)
{
    quire_value *v = quire_value_new(arena, type);
    if (!v)
        return NULL;
    if (type == QUIRE_VALUE_BOOL || type == QUIRE_VALUE_NUMBER || type == QUIRE_VALUE_STRING) {
        v->str = quire_arena_strndup(arena, str ? str : "", str ? len : 0);
        v->len = str ? len : 0;
        if (!v->str)
            return NULL;
    }
    return v;
}

void quire_value_append(quire_arena *arena, quire_value *parent, const char *key,
                        quire_value *child)
{
    if (!parent || !child)
        return;
    if (parent->type == QUIRE_VALUE_MAPPING)
        child->key = quire_arena_strdup(arena, key ? key : "");
    child->next = NULL;
    if (parent->last)
        parent->last->next = child;
    else
        parent->first = child;
    parent->last = child;
    parent->count++;
}

/* Templates and the front matter look keys up by name millions of times in
 * a build, mostly in mappings where the key is absent or comes late: the
 * first byte settles almost every mismatch without a call to strcmp. */
const quire_value *quire_value_get(const quire_value *map, const char *key)
{
    if (!map || map->type != QUIRE_VALUE_MAPPING || !key)
        return NULL;
    const char k0 = key[0];
    for (const quire_value *c = map->first; c; c = c->next)
        if (c->key && c->key[0] == k0 && (k0 == '\0' || strcmp(c->key + 1, key + 1) == 0))
            return c;
    return NULL;
}

const quire_value *quire_value_path(const quire_value *map, const char *path)
{
    char seg[256];
    const quire_value *v = map;
    while (v && path && *path) {
        const char *dot = strchr(path, '.');
        size_t n = dot ? (size_t)(dot - path) : strlen(path);
        if (n >= sizeof seg)
            return NULL;
        memcpy(seg, path, n);
        seg[n] = '\0';
        v = quire_value_get(v, seg);
        path = dot ? dot + 1 : NULL;
    }
    return v;
}

const char *quire_value_str(const quire_value *v)
{
    if (!v)
        return NULL;
    switch (v->type) {
    case QUIRE_VALUE_BOOL:
    case QUIRE_VALUE_NUMBER:
    case QUIRE_VALUE_STRING:
        return v->str;
    default:
        return NULL;
    }
}

quire_value *quire_value_clone(quire_arena *arena, const quire_value *v)
{
    if (!v)
        return NULL;
    quire_value *c = quire_value_new_scalar(arena, v->type, v->str, v->len);
    if (!c)
        return NULL;
    c->line = v->line;
    c->column = v->column;
    for (const quire_value *k = v->first; k; k = k->next)
        quire_value_append(arena, c, k->key, quire_value_clone(arena, k));
    return c;
}
