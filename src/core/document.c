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

/*
 * Cloning a body runs once per output flavor per document, so it is done in
 * bulk: one pass measures the subtree (nodes, attributes, string bytes), one
 * arena allocation holds all of it, a second pass fills it in.  The copy
 * owns every byte it points to (it lives in its own arena, and the source
 * may be freed first), as a node-by-node copy would; only the allocations
 * are fewer.  Arena memory is zero-filled, so fields not set stay 0.
 */
typedef struct clone_size {
    size_t nodes, attrs, bytes;
} clone_size;

static inline void clone_measure_s(clone_size *z, const char *s)
{
    if (s)
        z->bytes += strlen(s) + 1;
}

/* The next node of a pre-order walk of root's subtree after n, or NULL. */
static inline const quire_node *clone_walk_next(const quire_node *root, const quire_node *n)
{
    if (n->first_child && !quire_node_is_leaf(n))
        return n->first_child;
    while (n != root && !n->next)
        n = n->parent;
    return n == root ? NULL : n->next;
}

/* A copy of s at *pool (advanced past its NUL), or NULL for NULL. */
static inline const char *clone_put_s(char **pool, const char *s)
{
    if (!s)
        return NULL;
    char *p = *pool;
    *pool = stpcpy(p, s) + 1;
    return p;
}

quire_node *quire_node_clone(quire_arena *a, const quire_node *root)
{
    if (!root)
        return NULL;
    /* The walk follows the same links as quire_iter (children only of
     * non-leaf nodes), so the copy has exactly the nodes a walk sees. */
    clone_size z = {0, 0, 0};
    for (const quire_node *n = root; n; n = clone_walk_next(root, n)) {
        z.nodes++;
        clone_measure_s(&z, n->literal);
        clone_measure_s(&z, n->url);
        clone_measure_s(&z, n->title);
        clone_measure_s(&z, n->info);
        clone_measure_s(&z, n->name);
        for (const quire_attr *at = n->attrs; at; at = at->next) {
            z.attrs++;
            clone_measure_s(&z, at->name);
            clone_measure_s(&z, at->value);
        }
    }
    if (z.nodes > SIZE_MAX / 2 / sizeof(quire_node) ||
        z.attrs > SIZE_MAX / 4 / sizeof(quire_attr) || z.bytes > SIZE_MAX / 4)
        return NULL;
    size_t node_bytes = z.nodes * sizeof(quire_node), attr_bytes = z.attrs * sizeof(quire_attr);
    unsigned char *block = quire_arena_alloc(a, node_bytes + attr_bytes + z.bytes);
    if (!block)
        return NULL;
    quire_node *nodes = (quire_node *)block;
    quire_attr *attrs = (quire_attr *)(block + node_bytes);
    char *pool = (char *)(block + node_bytes + attr_bytes);

    /* The same walk again, copying; cparent is the copy of the source
     * node's parent, climbed along with the source. */
    quire_node *cparent = NULL;
    size_t i = 0, j = 0;
    const quire_node *n = root;
    for (;;) {
        quire_node *c = &nodes[i++];
        c->type = n->type;
        c->flags = n->flags;
        c->line = n->line;
        c->column = n->column;
        c->literal = clone_put_s(&pool, n->literal);
        c->url = clone_put_s(&pool, n->url);
        c->title = clone_put_s(&pool, n->title);
        c->info = clone_put_s(&pool, n->info);
        c->name = clone_put_s(&pool, n->name);
        c->level = n->level;
        c->width = n->width;
        c->height = n->height;
        c->align = n->align;
        c->embed_kind = n->embed_kind;
        quire_attr **tail = &c->attrs;
        for (const quire_attr *at = n->attrs; at; at = at->next) {
            quire_attr *na = &attrs[j++];
            na->name = clone_put_s(&pool, at->name);
            na->value = clone_put_s(&pool, at->value);
            *tail = na;
            tail = &na->next;
        }
        if (cparent) {
            /* append: the copy is new, so there is nothing to unlink */
            c->parent = cparent;
            c->prev = cparent->last_child;
            if (cparent->last_child)
                cparent->last_child->next = c;
            else
                cparent->first_child = c;
            cparent->last_child = c;
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
    return nodes;
}

/*
 * The metadata tree, copied the same way (measure, one allocation, fill):
 * what quire_value_clone makes, value for value, in a fraction of the
 * calls.  Scalars keep their length (a JSON string may hold a NUL); keys
 * are C strings, as quire_value_append copies them.  Recursive over depth
 * like quire_value_clone: the readers bound it (quire_limits.max_depth).
 */
static bool value_is_scalar(quire_value_type t)
{
    return t == QUIRE_VALUE_BOOL || t == QUIRE_VALUE_NUMBER || t == QUIRE_VALUE_STRING;
}

static void value_measure(clone_size *z, const quire_value *v)
{
    z->nodes++;
    if (value_is_scalar(v->type))
        z->bytes += (v->str ? v->len : 0) + 1;
    for (const quire_value *k = v->first; k; k = k->next) {
        if (v->type == QUIRE_VALUE_MAPPING)
            z->bytes += (k->key ? strlen(k->key) : 0) + 1;
        value_measure(z, k);
    }
}

static quire_value *value_fill(quire_value **vals, char **pool, const quire_value *v)
{
    quire_value *c = (*vals)++;
    c->type = v->type;
    if (value_is_scalar(v->type)) {
        size_t len = v->str ? v->len : 0;
        if (len)
            memcpy(*pool, v->str, len);
        c->str = *pool;
        c->len = len;
        *pool += len + 1; /* the NUL is there: arena memory is zero-filled */
    }
    c->line = v->line;
    c->column = v->column;
    for (const quire_value *k = v->first; k; k = k->next) {
        quire_value *d = value_fill(vals, pool, k);
        if (v->type == QUIRE_VALUE_MAPPING)
            d->key = clone_put_s(pool, k->key ? k->key : "");
        if (c->last)
            c->last->next = d;
        else
            c->first = d;
        c->last = d;
        c->count++;
    }
    return c;
}

static quire_value *value_clone(quire_arena *a, const quire_value *v)
{
    if (!v)
        return NULL;
    clone_size z = {0, 0, 0};
    value_measure(&z, v);
    if (z.nodes > SIZE_MAX / 2 / sizeof(quire_value) || z.bytes > SIZE_MAX / 4)
        return NULL;
    size_t value_bytes = z.nodes * sizeof(quire_value);
    unsigned char *block = quire_arena_alloc(a, value_bytes + z.bytes);
    if (!block)
        return NULL;
    quire_value *vals = (quire_value *)block;
    char *pool = (char *)(block + value_bytes);
    return value_fill(&vals, &pool, v);
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
    d->extra = value_clone(a, src->extra);
    d->body = src->body ? quire_node_clone(a, src->body) : NULL;
    if (src->body && !d->body) {
        quire_document_free(d);
        return NULL;
    }
    return d;
}
