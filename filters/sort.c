/*
 * sort.c — filter "sort": order the documents of a collection.
 *
 * Options:
 *   by=date|title|path|weight   the primary key (default date)
 *   order=desc|asc              default desc for date, asc for the others
 *
 * The order is total, so the same input always gives the same output
 * whatever the order the readers produced:
 *   1. the primary key, in `order`; documents without it (no date, no
 *      title, no weight) always come after those with it, in both orders,
 *      because a feed wants its dated items first either way;
 *   2. then title, source path, id — always ascending, so ties read the same
 *      in both orders;
 *   3. then the position before sorting, which makes the sort stable.
 *
 * by=date uses `published`, or `modified` when a document has no published
 * date.  by=weight reads `weight` from the front matter (Hugo's convention):
 * a number, smaller first in asc.  Titles compare ASCII-case-insensitively,
 * then bytewise, so "apple" and "Apple" still have a fixed order.
 */
#include "internal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define SORT_NAME "sort"

typedef enum sort_key { SORT_DATE, SORT_TITLE, SORT_PATH, SORT_WEIGHT } sort_key;

typedef struct sort_priv {
    sort_key by;
    bool desc;
} sort_priv;

/* One entry per document, keys computed once instead of in each compare. */
typedef struct sort_item {
    quire_document *doc;
    size_t index;
    const quire_date *date; /* NULL when undated */
    double weight;
    bool has_weight;
    /* qsort has no user pointer in C11 and a static would make concurrent
     * sorts race: each item carries the settings, a few bytes per document. */
    sort_key by;
    bool desc;
} sort_item;

static int sort_cmp_nullable(const char *a, const char *b, bool fold)
{
    bool ha = a && *a, hb = b && *b;
    if (!ha || !hb)
        return (int)hb - (int)ha; /* missing after present */
    if (fold) {
        const unsigned char *x = (const unsigned char *)a, *y = (const unsigned char *)b;
        for (; *x && *y; x++, y++) {
            int cx = *x >= 'A' && *x <= 'Z' ? *x + 32 : *x;
            int cy = *y >= 'A' && *y <= 'Z' ? *y + 32 : *y;
            if (cx != cy)
                return cx < cy ? -1 : 1;
        }
        if (*x || *y)
            return *x ? 1 : -1;
    }
    int c = strcmp(a, b);
    return (c > 0) - (c < 0);
}

/* The tie-breakers: title, source path, id, original position. */
static int sort_cmp_ties(const sort_item *a, const sort_item *b)
{
    int c;
    if ((c = sort_cmp_nullable(a->doc->title, b->doc->title, true)))
        return c;
    if ((c = sort_cmp_nullable(a->doc->source_path, b->doc->source_path, false)))
        return c;
    if ((c = sort_cmp_nullable(a->doc->id, b->doc->id, false)))
        return c;
    return a->index < b->index ? -1 : a->index > b->index;
}

/* Primary key only, ascending; 0 when equal.  *one_missing is set when just
 * one side lacks the key: that result must not be flipped by order=desc. */
static int sort_cmp_primary(sort_key by, const sort_item *a, const sort_item *b,
                            bool *one_missing)
{
    bool ha, hb;
    int c = 0;
    switch (by) {
    case SORT_DATE:
        ha = a->date != NULL;
        hb = b->date != NULL;
        if (ha && hb)
            c = quire_date_compare(a->date, b->date);
        break;
    case SORT_WEIGHT:
        ha = a->has_weight;
        hb = b->has_weight;
        if (ha && hb)
            c = (a->weight > b->weight) - (a->weight < b->weight);
        break;
    case SORT_TITLE:
    case SORT_PATH:
    default: {
        const char *x = by == SORT_TITLE ? a->doc->title : a->doc->source_path;
        const char *y = by == SORT_TITLE ? b->doc->title : b->doc->source_path;
        ha = x && *x;
        hb = y && *y;
        if (ha && hb)
            c = sort_cmp_nullable(x, y, by == SORT_TITLE);
        break;
    }
    }
    *one_missing = ha != hb;
    if (ha != hb)
        return ha ? -1 : 1;
    return c;
}

static int sort_cmp(const void *pa, const void *pb)
{
    const sort_item *a = pa, *b = pb;
    bool one_missing;
    int c = sort_cmp_primary(a->by, a, b, &one_missing);
    if (c && a->desc && !one_missing)
        c = -c;
    return c ? c : sort_cmp_ties(a, b);
}

static bool sort_weight(const quire_document *d, double *out)
{
    const char *s = quire_value_str(quire_value_get(d->extra, "weight"));
    if (!s || !*s)
        return false;
    char *end;
    double w = strtod(s, &end);
    if (*end || isnan(w))
        return false;
    *out = w;
    return true;
}

static int sort_init(quire_filter_ctx *ctx)
{
    static const char *const known[] = {"by", "order", NULL};
    sort_priv *p = ctx->priv;
    int rc = quire__filter_check_options(ctx, known);
    if (rc)
        return rc;
    const char *by = quire_filter_opt(ctx, "by", "date");
    if (strcmp(by, "date") == 0) p->by = SORT_DATE;
    else if (strcmp(by, "title") == 0) p->by = SORT_TITLE;
    else if (strcmp(by, "path") == 0) p->by = SORT_PATH;
    else if (strcmp(by, "weight") == 0) p->by = SORT_WEIGHT;
    else {
        quire_diag_add(ctx->diags, QUIRE_SEV_ERROR, SORT_NAME, NULL, 0, 0,
                       "by=%s: expected date, title, path or weight", by);
        return QUIRE_ERR_USAGE;
    }
    const char *order = quire_filter_opt(ctx, "order", p->by == SORT_DATE ? "desc" : "asc");
    if (strcmp(order, "desc") == 0)
        p->desc = true;
    else if (strcmp(order, "asc") == 0)
        p->desc = false;
    else {
        quire_diag_add(ctx->diags, QUIRE_SEV_ERROR, SORT_NAME, NULL, 0, 0,
                       "order=%s: expected asc or desc", order);
        return QUIRE_ERR_USAGE;
    }
    return QUIRE_OK;
}

static int sort_run(quire_filter_ctx *ctx, quire_collection *c)
{
    const sort_priv *p = ctx->priv;
    if (c->count < 2)
        return QUIRE_OK;
    sort_item *items = calloc(c->count, sizeof *items);
    if (!items)
        return QUIRE_ERR_NOMEM;
    for (size_t i = 0; i < c->count; i++) {
        quire_document *d = c->docs[i];
        items[i].doc = d;
        items[i].index = i;
        items[i].date = d->published.set ? &d->published
                      : d->modified.set ? &d->modified : NULL;
        items[i].has_weight = sort_weight(d, &items[i].weight);
        items[i].by = p->by;
        items[i].desc = p->desc;
    }
    qsort(items, c->count, sizeof *items, sort_cmp);
    for (size_t i = 0; i < c->count; i++)
        c->docs[i] = items[i].doc;
    free(items);
    return QUIRE_OK;
}

const quire_filter quire_filter_sort = {
    .version = QUIRE_COMPONENT_VERSION,
    .name = SORT_NAME,
    .description = "order documents by date, title, path or weight (stable, total)",
    .scope = QUIRE_FILTER_COLLECTION,
    .priv_size = sizeof(sort_priv),
    .init = sort_init,
    .run_collection = sort_run,
};
