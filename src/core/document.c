/*
 * document.c — documents, collections and the site.
 */
#include "internal.h"

#include <stdlib.h>
#include <string.h>

/* A new document owning arena a (made here when NULL; freed here on failure). */
static quire_document *document_new_in(quire_arena *a)
{
    quire_document *d = calloc(1, sizeof *d);
    if (!d) {
        quire_arena_free(a);
        return NULL;
    }
    d->arena = a ? a : quire_arena_new();
    if (!d->arena) {
        free(d);
        return NULL;
    }
    return d;
}


quire_document *quire_document_new(void)
{
    return document_new_in(NULL);
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

/*
 * Cloning a body runs once per output flavor per document, so it is a
 * single direct walk: no iterator, no unlink-before-append, each node and
 * string taken from the arena's fast path.  The copy owns every byte it
 * points to (it lives in its own arena, and the source may be freed first).
 * Arena memory is zero-filled, so fields not set stay 0.  (One allocation
 * for a whole measured subtree was tried: zeroing it in one piece cost more
 * than the allocations it saved.)
 */
static inline const char *clone_s(quire_arena *a, const char *s, bool share, bool *oom)
{
    if (!s || share)
        return s;
    const char *c = quire_arena_strndup(a, s, strlen(s));
    if (!c)
        *oom = true;
    return c;
}

/* A copy of n's own fields (not its links), or NULL when out of memory.
 * share: the copy points at n's strings instead of copying them. */
static quire_node *clone_one(quire_arena *a, const quire_node *n, bool share)
{
    /* A shared copy sets every field below: no zeroing first. */
    quire_node *c = share ? quire__arena_alloc_raw(a, sizeof *c) : quire_arena_alloc(a, sizeof *c);
    if (!c)
        return NULL;
    bool oom = false;
    if (share) {
        /* Every field at once (a flavor copy per output, ~250 nodes a
         * document): the strings stay n's, the links are set by the caller
         * and the attribute list is the copy's own (c->attrs is replaced
         * below when n has one). */
        *c = *n;
        c->parent = c->first_child = c->last_child = c->prev = c->next = NULL;
    } else {
        c->type = n->type;
        c->flags = n->flags;
        c->line = n->line;
        c->column = n->column;
        c->literal = clone_s(a, n->literal, share, &oom);
        c->url = clone_s(a, n->url, share, &oom);
        c->title = clone_s(a, n->title, share, &oom);
        c->info = clone_s(a, n->info, share, &oom);
        c->name = clone_s(a, n->name, share, &oom);
        c->level = n->level;
        c->width = n->width;
        c->height = n->height;
        c->align = n->align;
        c->embed_kind = n->embed_kind;
    }
    quire_attr **tail = &c->attrs;
    for (const quire_attr *at = n->attrs; at; at = at->next) {
        quire_attr *na = quire_arena_alloc(a, sizeof *na);
        if (!na)
            return NULL;
        na->name = clone_s(a, at->name, share, &oom);
        na->value = clone_s(a, at->value, share, &oom);
        *tail = na;
        tail = &na->next;
    }
    return oom ? NULL : c;
}

static quire_node *node_clone(quire_arena *a, const quire_node *root, bool share)
{
    if (!root)
        return NULL;
    /* Pre-order over the links quire_iter follows (children only of
     * non-leaf nodes), so the copy has exactly the nodes a walk sees;
     * cparent is the copy of the source node's parent, climbed along with
     * the source.  Iterative: any depth. */
    quire_node *copy_root = NULL, *cparent = NULL;
    const quire_node *n = root;
    for (;;) {
        quire_node *c = clone_one(a, n, share);
        if (!c)
            return NULL;
        if (!cparent) {
            copy_root = c;
        } else {
            quire__node_append_new(cparent, c); /* the copy is new: nothing to unlink */
        }
        if (n->first_child && !quire_node_is_leaf(n)) {
            cparent = c;
            n = n->first_child;
            continue;
        }
        while (n != root && !n->next) {
            n = n->parent;
            cparent = cparent->parent;
        }
        if (n == root)
            break;
        n = n->next;
    }
    return copy_root;
}

quire_node *quire_node_clone(quire_arena *a, const quire_node *root)
{
    return node_clone(a, root, false);
}

quire_node *quire__node_clone_shared(quire_arena *a, const quire_node *root)
{
    return node_clone(a, root, true);
}

/*
 * The metadata tree, copied value for value as quire_value_clone does, with
 * fewer calls: scalars keep their length (a JSON string may hold a NUL);
 * keys are C strings, as quire_value_append copies them, set on children of
 * a mapping only.  Recursive over depth like quire_value_clone: the readers
 * bound it (quire_limits.max_depth).
 */
static quire_value *value_clone(quire_arena *a, const quire_value *v, bool share)
{
    if (!v)
        return NULL;
    quire_value *c = quire_arena_alloc(a, sizeof *c);
    if (!c)
        return NULL;
    c->type = v->type;
    if (v->type == QUIRE_VALUE_BOOL || v->type == QUIRE_VALUE_NUMBER ||
        v->type == QUIRE_VALUE_STRING) {
        size_t len = v->str ? v->len : 0;
        c->str = share && v->str ? v->str : quire_arena_strndup(a, v->str ? v->str : "", len);
        c->len = len;
        if (!c->str)
            return NULL;
    }
    c->line = v->line;
    c->column = v->column;
    for (const quire_value *k = v->first; k; k = k->next) {
        quire_value *d = value_clone(a, k, share);
        if (!d)
            continue; /* out of memory: dropped, as quire_value_append drops NULL */
        if (v->type == QUIRE_VALUE_MAPPING)
            d->key = share && k->key ? k->key : quire_arena_strdup(a, k->key ? k->key : "");
        if (c->last)
            c->last->next = d;
        else
            c->first = d;
        c->last = d;
        c->count++;
    }
    return c;
}

static void clone_strlist(quire_arena *a, quire_strlist *dst, const quire_strlist *src)
{
    memset(dst, 0, sizeof *dst);
    for (size_t i = 0; i < src->count; i++)
        quire_strlist_add(a, dst, src->items[i]);
}

static inline const char *doc_s(quire_arena *a, const char *s, bool share)
{
    return share ? s : dup_s(a, s);
}

/* The copy's authors: those quire_document_add_author would take. */
static bool author_kept(const quire_author *au)
{
    return au->name || au->url || au->email;
}

bool quire__document_clone_is_faithful(const quire_document *src)
{
    for (size_t i = 0; i < src->n_authors; i++)
        if (!author_kept(&src->authors[i]))
            return false;
    return true;
}

static quire_document *document_clone(const quire_document *src, bool share, quire_arena *arena)
{
    quire_document *d = document_new_in(arena);
    if (!d)
        return NULL;
    quire_arena *a = d->arena;
    quire_arena *keep = d->arena;
    *d = *src; /* scalars; every pointer is replaced below */
    d->arena = keep;
    d->id = doc_s(a, src->id, share);
    d->slug = doc_s(a, src->slug, share);
    d->source_path = doc_s(a, src->source_path, share);
    d->format = doc_s(a, src->format, share);
    d->title = doc_s(a, src->title, share);
    d->subtitle = doc_s(a, src->subtitle, share);
    d->summary = doc_s(a, src->summary, share);
    d->language = doc_s(a, src->language, share);
    d->url = doc_s(a, src->url, share);
    d->external_url = doc_s(a, src->external_url, share);
    d->authors = NULL;
    d->n_authors = 0;
    if (share && src->n_authors) {
        /* the array is the copy's own: filters replace its fields */
        d->authors = quire_arena_alloc(a, src->n_authors * sizeof *d->authors);
        for (size_t i = 0; d->authors && i < src->n_authors; i++) {
            const quire_author *au = &src->authors[i];
            if (author_kept(au))
                d->authors[d->n_authors++] = *au;
        }
    }
    for (size_t i = 0; !share && i < src->n_authors; i++) {
        quire_document_add_author(d, src->authors[i].name, src->authors[i].url,
                                  src->authors[i].email);
        if (d->n_authors)
            d->authors[d->n_authors - 1].avatar = dup_s(a, src->authors[i].avatar);
    }
    if (share) {
        /* own arrays (a filter may drop or add items), shared strings */
        const quire_strlist *from[] = {&src->tags, &src->categories};
        quire_strlist *to[] = {&d->tags, &d->categories};
        for (int k = 0; k < 2; k++) {
            memset(to[k], 0, sizeof *to[k]);
            if (!from[k]->count)
                continue;
            to[k]->items = quire_arena_alloc(a, from[k]->count * sizeof *to[k]->items);
            if (to[k]->items) {
                memcpy(to[k]->items, from[k]->items, from[k]->count * sizeof *to[k]->items);
                to[k]->count = to[k]->cap = from[k]->count;
            }
        }
    } else {
        clone_strlist(a, &d->tags, &src->tags);
        clone_strlist(a, &d->categories, &src->categories);
    }
    d->image.src = doc_s(a, src->image.src, share);
    d->image.alt = doc_s(a, src->image.alt, share);
    /* A flavor copy reads the front matter tree but never changes it (the
     * flavor chains are the writers' default filters: sanitize, embeds,
     * absolute-urls, none of which touches extra), so it shares the tree. */
    d->extra = share ? src->extra : value_clone(a, src->extra, share);
    d->body = src->body ? node_clone(a, src->body, share) : NULL;
    if (src->body && !d->body) {
        quire_document_free(d);
        return NULL;
    }
    return d;
}

quire_document *quire_document_clone(const quire_document *src)
{
    return document_clone(src, false, NULL);
}

quire_document *quire__document_clone_into(const quire_document *src, quire_arena *a)
{
    return a ? document_clone(src, false, a) : NULL;
}

quire_document *quire__document_clone_shared(const quire_document *src)
{
    return document_clone(src, true, NULL);
}
