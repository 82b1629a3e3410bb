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

/* ------------------------------------------------------------------ clone */

static const char *dup_s(quire_arena *a, const char *s)
{
    return s ? quire_arena_strdup(a, s) : NULL;
}

/* Copy one node's own fields (not its links) into arena a. */
static quire_node *clone_node_fields(quire_arena *a, const quire_node *n)
{
    quire_node *c = quire_node_new(a, n->type, n->line, n->column);
    if (!c)
        return NULL;
    c->flags = n->flags;
    c->literal = dup_s(a, n->literal);
    c->url = dup_s(a, n->url);
    c->title = dup_s(a, n->title);
    c->info = dup_s(a, n->info);
    c->name = dup_s(a, n->name);
    c->level = n->level;
    c->width = n->width;
    c->height = n->height;
    c->align = n->align;
    c->embed_kind = n->embed_kind;
    quire_attr **tail = &c->attrs;
    for (const quire_attr *at = n->attrs; at; at = at->next) {
        quire_attr *na = quire_arena_alloc(a, sizeof *na);
        if (!na)
            return NULL;
        na->name = dup_s(a, at->name);
        na->value = dup_s(a, at->value);
        *tail = na;
        tail = &na->next;
    }
    return c;
}

quire_node *quire_node_clone(quire_arena *a, const quire_node *root)
{
    if (!root)
        return NULL;
    /* Iterative: walk the source, mirroring ENTER/EXIT onto the copy. */
    quire_iter it;
    quire_node *n, *copy_root = NULL, *cur = NULL;
    quire_event ev;
    quire_iter_init(&it, (quire_node *)root);
    while ((ev = quire_iter_next(&it, &n)) != QUIRE_EVENT_DONE) {
        if (ev == QUIRE_EVENT_EXIT) {
            if (cur && n != root)
                cur = cur->parent;
            continue;
        }
        quire_node *c = clone_node_fields(a, n);
        if (!c)
            return NULL;
        if (!copy_root) {
            copy_root = c;
            cur = c;
            continue;
        }
        quire_node_append(cur, c);
        if (!quire_node_is_leaf(n))
            cur = c;
    }
    return copy_root;
}

static void clone_strlist(quire_arena *a, quire_strlist *dst, const quire_strlist *src)
{
    memset(dst, 0, sizeof *dst);
    for (size_t i = 0; i < src->count; i++)
        quire_strlist_add(a, dst, src->items[i]);
}

quire_document *quire_document_clone(const quire_document *src)
{
    quire_document *d = quire_document_new();
    if (!d)
        return NULL;
    quire_arena *a = d->arena;
    quire_arena *keep = d->arena;
    *d = *src; /* scalars; every pointer is replaced below */
    d->arena = keep;
    d->id = dup_s(a, src->id);
    d->slug = dup_s(a, src->slug);
    d->source_path = dup_s(a, src->source_path);
    d->format = dup_s(a, src->format);
    d->title = dup_s(a, src->title);
    d->subtitle = dup_s(a, src->subtitle);
    d->summary = dup_s(a, src->summary);
    d->language = dup_s(a, src->language);
    d->url = dup_s(a, src->url);
    d->external_url = dup_s(a, src->external_url);
    d->authors = NULL;
    d->n_authors = 0;
    for (size_t i = 0; i < src->n_authors; i++) {
        quire_document_add_author(d, src->authors[i].name, src->authors[i].url,
                                  src->authors[i].email);
        if (d->n_authors)
            d->authors[d->n_authors - 1].avatar = dup_s(a, src->authors[i].avatar);
    }
    clone_strlist(a, &d->tags, &src->tags);
    clone_strlist(a, &d->categories, &src->categories);
    d->image.src = dup_s(a, src->image.src);
    d->image.alt = dup_s(a, src->image.alt);
    d->extra = quire_value_clone(a, src->extra);
    d->body = src->body ? quire_node_clone(a, src->body) : NULL;
    if (src->body && !d->body) {
        quire_document_free(d);
        return NULL;
    }
    return d;
}
