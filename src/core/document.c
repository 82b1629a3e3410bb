/*
 * document.c — documents, collections and the site.
 */
#include "internal.h"

#include <stdlib.h>
#include <string.h>

quire_document *quire_document_new(void)
{
    quire_document *d = calloc(1, sizeof *d);
    if (!d)
        return NULL;
    d->arena = quire_arena_new();
    if (!d->arena) {
        free(d);
        return NULL;
    }
    return d;
}

void quire_document_free(quire_document *d)
{
    if (!d)
        return;
    quire_arena_free(d->arena);
    free(d);
}

void quire_document_add_author(quire_document *d, const char *name, const char *url,
                               const char *email)
{
    if (!name && !url && !email)
        return;
    quire_author *a = quire_arena_alloc(d->arena, (d->n_authors + 1) * sizeof *a);
    if (!a)
        return;
    if (d->n_authors)
        memcpy(a, d->authors, d->n_authors * sizeof *a);
    a[d->n_authors].name = quire_arena_strdup(d->arena, name);
    a[d->n_authors].url = quire_arena_strdup(d->arena, url);
    a[d->n_authors].email = quire_arena_strdup(d->arena, email);
    d->authors = a;
    d->n_authors++;
}

void quire_strlist_add(quire_arena *arena, quire_strlist *l, const char *s)
{
    if (!s || !*s)
        return;
    for (size_t i = 0; i < l->count; i++)
        if (strcmp(l->items[i], s) == 0)
            return;
    if (l->count == l->cap) {
        /* The old array stays in the arena: cheap, and lists are short. */
        size_t cap = l->cap ? l->cap * 2 : 4;
        const char **items = quire_arena_alloc(arena, cap * sizeof *items);
        if (!items)
            return;
        if (l->count)
            memcpy(items, l->items, l->count * sizeof *items);
        l->items = items;
        l->cap = cap;
    }
    l->items[l->count] = quire_arena_strdup(arena, s);
    if (l->items[l->count])
        l->count++;
}

/* ------------------------------------------------------------------ site */

static void site_defaults(quire_site *s)
{
    s->title = "Untitled";
    s->language = "en";
}

quire_collection *quire_collection_new(void)
{
    quire_collection *c = calloc(1, sizeof *c);
    if (!c)
        return NULL;
    c->site.arena = quire_arena_new();
    if (!c->site.arena) {
        free(c);
        return NULL;
    }
    site_defaults(&c->site);
    return c;
}

void quire_collection_free(quire_collection *c)
{
    if (!c)
        return;
    for (size_t i = 0; i < c->count; i++)
        quire_document_free(c->docs[i]);
    free(c->docs);
    quire_arena_free(c->site.arena);
    free(c);
}

int quire_collection_add(quire_collection *c, quire_document *doc)
{
    if (c->count == c->cap) {
        size_t cap = c->cap ? c->cap * 2 : 64;
        quire_document **p = realloc(c->docs, cap * sizeof *p);
        if (!p)
            return QUIRE_ERR_NOMEM;
        c->docs = p;
        c->cap = cap;
    }
    c->docs[c->count++] = doc;
    return QUIRE_OK;
}

quire_document *quire_collection_take(quire_collection *c, size_t i)
{
    if (i >= c->count)
        return NULL;
    quire_document *d = c->docs[i];
    memmove(c->docs + i, c->docs + i + 1, (c->count - i - 1) * sizeof *c->docs);
    c->count--;
    return d;
}

quire_date quire_collection_newest(const quire_collection *c)
{
    quire_date best = {0};
    for (size_t i = 0; i < c->count; i++) {
        const quire_document *d = c->docs[i];
        if (quire_date_compare(&d->published, &best) > 0)
            best = d->published;
        if (quire_date_compare(&d->modified, &best) > 0)
            best = d->modified;
    }
    return best;
}

void quire_site_set_base_url(quire_site *s, const char *url)
{
    if (!url || !*url) {
        s->base_url = NULL;
        return;
    }
    size_t n = strlen(url);
    s->base_url = url[n - 1] == '/' ? quire_arena_strdup(s->arena, url)
                                    : quire_arena_printf(s->arena, "%s/", url);
}
