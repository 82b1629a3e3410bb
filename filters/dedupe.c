/*
 * dedupe.c — filter "dedupe": one document per id and per URL.
 *
 * The first document (in collection order: run `sort` before to choose
 * which one wins) is kept; each later one with the same id, the same url,
 * or — with by=external_url — the same external_url is dropped with a
 * warning naming both files.  Duplicate ids or URLs break feeds (readers
 * show one item, or the same item again and again), which is why id and url
 * are always checked; `by` only adds keys.
 *
 * Options:
 *   by=id|url|external_url   keys to compare ('|'-separated; id and url are
 *                            always among them)
 * Comparison is exact, byte for byte; documents without a key (NULL or "")
 * never collide on it.
 */
#include "internal.h"

#include <stdlib.h>
#include <string.h>

#define DEDUPE_NAME "dedupe"

enum { DEDUPE_ID, DEDUPE_URL, DEDUPE_EXTERNAL, DEDUPE_NKEYS };
static const char *const dedupe_key_names[DEDUPE_NKEYS] = {"id", "url", "external_url"};

typedef struct dedupe_priv {
    bool use[DEDUPE_NKEYS];
} dedupe_priv;

/* An open-addressing set of (key kind, string) -> first document. */
typedef struct dedupe_slot {
    const char *s;   /* NULL: empty slot */
    const quire_document *doc;
    uint64_t hash;
    int kind;
} dedupe_slot;

typedef struct dedupe_set {
    dedupe_slot *slots;
    size_t mask;
} dedupe_set;

static const char *dedupe_key(const quire_document *d, int kind)
{
    const char *s = kind == DEDUPE_ID ? d->id : kind == DEDUPE_URL ? d->url : d->external_url;
    return s && *s ? s : NULL;
}

/* The slot holding (kind, s), or the empty slot where it would go. */
static dedupe_slot *dedupe_find(dedupe_set *set, int kind, const char *s, uint64_t h)
{
    for (size_t i = (size_t)h & set->mask;; i = (i + 1) & set->mask) {
        dedupe_slot *sl = &set->slots[i];
        if (!sl->s || (sl->hash == h && sl->kind == kind && strcmp(sl->s, s) == 0))
            return sl;
    }
}

static int dedupe_init(quire_filter_ctx *ctx)
{
    static const char *const known[] = {"by", NULL};
    dedupe_priv *p = ctx->priv;
    int rc = quire__filter_check_options(ctx, known);
    if (rc)
        return rc;
    p->use[DEDUPE_ID] = p->use[DEDUPE_URL] = true;
    const char *by = quire_filter_opt(ctx, "by", "");
    while (*by) {
        size_t n = strcspn(by, "|");
        size_t b = 0, e = n;
        while (b < e && by[b] == ' ')
            b++;
        while (e > b && by[e - 1] == ' ')
            e--;
        int k = -1;
        for (int i = 0; i < DEDUPE_NKEYS; i++)
            if (e - b == strlen(dedupe_key_names[i]) &&
                memcmp(by + b, dedupe_key_names[i], e - b) == 0)
                k = i;
        if (k < 0 && e > b) {
            quire_diag_add(ctx->diags, QUIRE_SEV_ERROR, DEDUPE_NAME, NULL, 0, 0,
                           "by=: unknown key '%.*s' (expected id, url or external_url)",
                           (int)(e - b), by + b);
            return QUIRE_ERR_USAGE;
        }
        if (k >= 0)
            p->use[k] = true;
        by += n + (by[n] == '|');
    }
    return QUIRE_OK;
}

static int dedupe_run(quire_filter_ctx *ctx, quire_collection *c)
{
    const dedupe_priv *p = ctx->priv;
    size_t cap = 16;
    /* Load factor under 1/2: at most DEDUPE_NKEYS entries per document. */
    while (cap < c->count * DEDUPE_NKEYS * 2 && cap < SIZE_MAX / 4)
        cap *= 2;
    dedupe_set set = {calloc(cap, sizeof(dedupe_slot)), cap - 1};
    if (!set.slots)
        return QUIRE_ERR_NOMEM;

    /* Compact in place, as select does: linear, order kept. */
    size_t w = 0;
    for (size_t i = 0; i < c->count; i++) {
        quire_document *d = c->docs[i];
        dedupe_slot *hit[DEDUPE_NKEYS] = {NULL};
        uint64_t hash[DEDUPE_NKEYS] = {0};
        int dup = -1;
        for (int k = 0; k < DEDUPE_NKEYS; k++) {
            const char *s = dedupe_key(d, k);
            if (!p->use[k] || !s)
                continue;
            hash[k] = quire__fnv1a64(s, strlen(s), (uint64_t)k);
            hit[k] = dedupe_find(&set, k, s, hash[k]);
            if (hit[k]->s && dup < 0)
                dup = k;
        }
        if (dup >= 0) {
            const quire_document *first = hit[dup]->doc;
            quire_diag_add(ctx->diags, QUIRE_SEV_WARNING, DEDUPE_NAME, d->source_path, 0, 0,
                           "dropped: same %s as %s ('%s')", dedupe_key_names[dup],
                           first->source_path ? first->source_path : "an earlier document",
                           hit[dup]->s);
            quire_document_free(d);
            continue;
        }
        /* Kept: its keys now claim their slots (the strings live as long as
         * the document, which stays in the collection).  Looked up again:
         * two keys of one document may have found the same empty slot. */
        for (int k = 0; k < DEDUPE_NKEYS; k++) {
            if (!hit[k])
                continue;
            dedupe_slot *sl = dedupe_find(&set, k, dedupe_key(d, k), hash[k]);
            sl->s = dedupe_key(d, k);
            sl->doc = d;
            sl->hash = hash[k];
            sl->kind = k;
        }
        c->docs[w++] = d;
    }
    c->count = w;
    free(set.slots);
    return QUIRE_OK;
}

const quire_filter quire_filter_dedupe = {
    .version = QUIRE_COMPONENT_VERSION,
    .name = DEDUPE_NAME,
    .description = "keep the first document per id and URL (by=external_url adds that key)",
    .scope = QUIRE_FILTER_COLLECTION,
    .priv_size = sizeof(dedupe_priv),
    .init = dedupe_init,
    .run_collection = dedupe_run,
};
