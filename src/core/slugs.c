/*
 * slugs.c — every document's slug names a folder of the output (HTML
 * pages, EPUB chapter files), so after the filter chain the build makes each
 * slug safe (one path segment of [a-z0-9._-], never "." or "..") and unique
 * in collection order: a repeated slug becomes slug-2, slug-3..., with a
 * warning on the renamed document's file.  Names the outputs themselves use
 * at the top of the output folder (feed.json, index.html, tags...) are
 * taken from the start.
 */
#include "internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct quire_slugset {
    char **slots;     /* open addressing; each string malloc'd */
    size_t cap, count;
};

quire_slugset *quire__slugset_new(void)
{
    quire_slugset *s = calloc(1, sizeof *s);
    if (s && !(s->slots = calloc(s->cap = 64, sizeof *s->slots))) {
        free(s);
        return NULL;
    }
    return s;
}

void quire__slugset_free(quire_slugset *s)
{
    if (!s)
        return;
    for (size_t i = 0; i < s->cap; i++)
        free(s->slots[i]);
    free(s->slots);
    free(s);
}

static size_t slug_find(const quire_slugset *s, const char *slug)
{
    size_t i = (size_t)quire__fnv1a64(slug, strlen(slug), 0) & (s->cap - 1);
    while (s->slots[i] && strcmp(s->slots[i], slug) != 0)
        i = (i + 1) & (s->cap - 1);
    return i;
}

bool quire__slugset_has(const quire_slugset *s, const char *slug)
{
    return s->slots[slug_find(s, slug)] != NULL;
}

int quire__slugset_add(quire_slugset *s, const char *slug)
{
    if ((s->count + 1) * 2 > s->cap) {
        quire_slugset bigger = {calloc(s->cap * 2, sizeof(char *)), s->cap * 2, s->count};
        if (!bigger.slots)
            return QUIRE_ERR_NOMEM;
        for (size_t i = 0; i < s->cap; i++)
            if (s->slots[i])
                bigger.slots[slug_find(&bigger, s->slots[i])] = s->slots[i];
        free(s->slots);
        *s = bigger;
    }
    size_t i = slug_find(s, slug);
    if (s->slots[i])
        return QUIRE_OK;
    if (!(s->slots[i] = strdup(slug)))
        return QUIRE_ERR_NOMEM;
    s->count++;
    return QUIRE_OK;
}

bool quire__slug_is_safe(const char *slug)
{
    if (!slug || !*slug || slug[0] == '.' || strlen(slug) > 200)
        return false;
    for (const char *p = slug; *p; p++)
        if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '-' || *p == '_' ||
              *p == '.'))
            return false;
    return quire_path_is_safe(slug);
}

const char *quire__slug_claim(quire_slugset *set, quire_arena *a, const char *slug,
                              const char *fallback_seed)
{
    const char *base = slug;
    if (!quire__slug_is_safe(base)) {
        base = quire__slugify(a, slug ? slug : "");
        if (!base || !*base) {
            const char *seed = fallback_seed ? fallback_seed : "";
            base = quire_arena_printf(a, "doc-%016llx",
                                      (unsigned long long)quire__fnv1a64(seed, strlen(seed), 0));
        }
    }
    const char *out = base;
    for (unsigned k = 2; out && quire__slugset_has(set, out); k++)
        out = quire_arena_printf(a, "%s-%u", base, k);
    /* Always a copy in the caller's arena: the slug passed in may belong to
     * a document that is freed long before the caller is done with it. */
    if (out == slug)
        out = quire_arena_strdup(a, slug);
    if (!out || quire__slugset_add(set, out) != QUIRE_OK)
        return NULL;
    return out;
}

/* Top-level names of the build's own outputs: a document there would
 * overwrite them or be overwritten. */
static int slug_reserve(quire_slugset *set)
{
    static const char *const extra[] = {"style.css", "tags", "categories", NULL};
    void *it = NULL;
    const quire_writer *w;
    int rc = QUIRE_OK;
    while (rc == QUIRE_OK && (w = quire_writer_next(&it)))
        if (w->extension)
            rc = quire__slugset_add(set, w->extension);
    for (size_t i = 0; rc == QUIRE_OK && extra[i]; i++)
        rc = quire__slugset_add(set, extra[i]);
    return rc;
}

int quire__slugs_unique(quire_collection *c, quire_diag_list *diags)
{
    quire_slugset *set = quire__slugset_new();
    if (!set || slug_reserve(set) != QUIRE_OK) {
        quire__slugset_free(set);
        return QUIRE_ERR_NOMEM;
    }
    int rc = QUIRE_OK;
    for (size_t i = 0; i < c->count && rc == QUIRE_OK; i++) {
        quire_document *d = c->docs[i];
        const char *seed = d->id ? d->id : d->source_path;
        const char *old = d->slug;
        const char *slug = quire__slug_claim(set, d->arena, old && *old ? old : d->title, seed);
        if (!slug) {
            rc = QUIRE_ERR_NOMEM;
            break;
        }
        /* Point at the slug (or title) the name came from, else the top. */
        const quire_value *v = quire_value_get(d->extra, "slug");
        if (!v)
            v = quire_value_get(d->extra, "title");
        if (old && *old && strcmp(old, slug) != 0)
            quire_diag_add(diags, QUIRE_SEV_WARNING, "slugs", d->source_path, v ? v->line : 1,
                           v ? v->column : 1,
                           "slug '%s' %s: this document is written as '%s'", old,
                           quire__slug_is_safe(old) ? "is already taken" : "is not a safe path segment",
                           slug);
        d->slug = slug;
    }
    quire__slugset_free(set);
    return rc;
}
