/*
 * select.c — filter "select": keep the documents that match, drop the rest.
 *
 * Options (lists use '|' because ',' already separates options):
 *   tags=a|b                keep documents with any of these tags
 *   categories=a|b          keep documents with any of these categories
 *   exclude-tags=a|b        drop documents with any of these tags
 *   exclude-categories=a|b  drop documents with any of these categories
 *   from=DATE, to=DATE      keep documents published in [from, to]
 *   drafts=false|true       keep drafts (default false: drafts are dropped)
 *
 * Every given option must hold (tags and categories together means both).
 * Tags and categories compare case-insensitively: ASCII, Latin-1, Latin
 * Extended-A, Greek and Cyrillic letters are folded without the C locale
 * (whose tolower() depends on the process's locale).
 *
 * Dates: a bound written as a date alone ("2024-05-01") is compared with
 * the calendar day of `published` as written in the document, so `to` takes
 * in the whole day whatever the document's zone.  A bound with a time is
 * compared as an instant.  Undated documents are dropped when from or to is
 * given: they cannot be shown to be in the range.
 */
#include "internal.h"

#include <stdlib.h>
#include <string.h>

#define SEL_NAME "select"

typedef struct sel_list {
    char *buf;            /* malloc'd copy of the option, split in place */
    const char **items;   /* malloc'd, into buf */
    size_t count;
} sel_list;

typedef struct sel_priv {
    sel_list tags, categories, ex_tags, ex_categories;
    quire_date from, to;
    bool drafts;
} sel_priv;

static uint32_t sel_fold(uint32_t c)
{
    if (c < 0x80)
        return c >= 'A' && c <= 'Z' ? c + 32 : c;
    if (c >= 0xC0 && c <= 0xDE && c != 0xD7)
        return c + 32;
    if (c == 0x178)
        return 0xFF;
    /* Latin Extended-A: upper/lower pairs, even-odd then odd-even. */
    if ((c >= 0x100 && c <= 0x137) || (c >= 0x14A && c <= 0x177))
        return c | 1;
    if ((c >= 0x139 && c <= 0x148) || (c >= 0x179 && c <= 0x17E))
        return (c & 1) ? c + 1 : c;
    if (c >= 0x391 && c <= 0x3AB && c != 0x3A2)
        return c + 32;
    if (c >= 0x410 && c <= 0x42F)
        return c + 32;
    if (c >= 0x400 && c <= 0x40F)
        return c + 80;
    return c;
}

/* Next folded code point of *s; bytes that are not valid UTF-8 compare as
 * themselves (offset past the Unicode range so they never equal a letter). */
static uint32_t sel_next(const unsigned char **s)
{
    uint32_t cp;
    /* a sequence is at most 4 bytes: no need to measure the whole rest */
    size_t k = quire__utf8_decode(*s, strnlen((const char *)*s, 4), &cp);
    if (!k) {
        cp = 0x110000u + **s;
        k = 1;
    }
    *s += k;
    return sel_fold(cp);
}

static bool sel_eq(const char *a, const char *b)
{
    const unsigned char *x = (const unsigned char *)a, *y = (const unsigned char *)b;
    while (*x && *y)
        if (sel_next(&x) != sel_next(&y))
            return false;
    return !*x && !*y;
}

/* True when some entry of the document's list is in the option's list. */
static bool sel_any(const quire_strlist *have, const sel_list *want)
{
    for (size_t i = 0; i < have->count; i++)
        for (size_t j = 0; j < want->count; j++)
            if (sel_eq(have->items[i], want->items[j]))
                return true;
    return false;
}

static void sel_list_free(sel_list *l)
{
    free(l->buf);
    free(l->items);
    memset(l, 0, sizeof *l);
}

static bool sel_space(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

/* Split "a | b|c" into trimmed, non-empty items. */
static int sel_list_parse(quire_filter_ctx *ctx, const char *key, sel_list *l)
{
    const char *v = quire_filter_opt(ctx, key, NULL);
    if (!v)
        return QUIRE_OK;
    size_t n = strlen(v), parts = 1;
    for (size_t i = 0; i < n; i++)
        parts += v[i] == '|';
    l->buf = malloc(n + 1);
    l->items = malloc(parts * sizeof *l->items);
    if (!l->buf || !l->items) {
        sel_list_free(l);
        return QUIRE_ERR_NOMEM;
    }
    memcpy(l->buf, v, n + 1);
    for (char *p = l->buf;;) {
        char *bar = strchr(p, '|');
        if (bar)
            *bar = '\0';
        while (sel_space(*p))
            p++;
        char *e = p + strlen(p);
        while (e > p && sel_space(e[-1]))
            *--e = '\0';
        if (*p)
            l->items[l->count++] = p;
        if (!bar)
            break;
        p = bar + 1;
    }
    if (!l->count) {
        quire_diag_add(ctx->diags, QUIRE_SEV_ERROR, SEL_NAME, NULL, 0, 0,
                       "%s= needs at least one name (separate several with '|')", key);
        sel_list_free(l);
        return QUIRE_ERR_USAGE;
    }
    return QUIRE_OK;
}

static int sel_date_parse(quire_filter_ctx *ctx, const char *key, quire_date *out)
{
    const char *v = quire_filter_opt(ctx, key, NULL);
    if (!v)
        return QUIRE_OK;
    if (!quire_date_parse(out, v) || !out->set) {
        quire_diag_add(ctx->diags, QUIRE_SEV_ERROR, SEL_NAME, NULL, 0, 0,
                       "%s=%s: not a date (expected YYYY-MM-DD or RFC 3339)", key, v);
        return QUIRE_ERR_USAGE;
    }
    return QUIRE_OK;
}

/* -1, 0, 1: the document's calendar day against a date-only bound. */
static int sel_cmp_day(const quire_date *doc, const quire_date *bound)
{
    long x = (long)doc->year * 10000 + doc->month * 100 + doc->day;
    long y = (long)bound->year * 10000 + bound->month * 100 + bound->day;
    return (x > y) - (x < y);
}

static void sel_uninit(quire_filter_ctx *ctx)
{
    sel_priv *p = ctx->priv;
    if (!p)
        return;
    sel_list_free(&p->tags);
    sel_list_free(&p->categories);
    sel_list_free(&p->ex_tags);
    sel_list_free(&p->ex_categories);
}

static int sel_init(quire_filter_ctx *ctx)
{
    static const char *const known[] = {"tags", "categories", "exclude-tags",
                                        "exclude-categories", "from", "to", "drafts", NULL};
    sel_priv *p = ctx->priv;
    int rc = quire__filter_check_options(ctx, known);
    if (!rc) rc = sel_list_parse(ctx, "tags", &p->tags);
    if (!rc) rc = sel_list_parse(ctx, "categories", &p->categories);
    if (!rc) rc = sel_list_parse(ctx, "exclude-tags", &p->ex_tags);
    if (!rc) rc = sel_list_parse(ctx, "exclude-categories", &p->ex_categories);
    if (!rc) rc = sel_date_parse(ctx, "from", &p->from);
    if (!rc) rc = sel_date_parse(ctx, "to", &p->to);
    if (!rc) rc = quire__filter_opt_bool(ctx, "drafts", false, &p->drafts);
    /* An empty range is a mistake worth reporting; only bounds of the same
     * kind (two days, or two instants) can be compared without a zone. */
    if (!rc && p->from.set && p->to.set && p->from.has_time == p->to.has_time &&
        (p->from.has_time ? quire_date_compare(&p->from, &p->to)
                          : sel_cmp_day(&p->from, &p->to)) > 0) {
        quire_diag_add(ctx->diags, QUIRE_SEV_ERROR, SEL_NAME, NULL, 0, 0,
                       "from= is after to=: nothing could be selected");
        rc = QUIRE_ERR_USAGE;
    }
    /* The chain may not call uninit after a failed init: free here. */
    if (rc)
        sel_uninit(ctx);
    return rc;
}

static int sel_cmp_bound(const quire_date *doc, const quire_date *bound)
{
    return bound->has_time ? quire_date_compare(doc, bound) : sel_cmp_day(doc, bound);
}

static bool sel_keep(const sel_priv *p, const quire_document *d)
{
    if (d->draft && !p->drafts)
        return false;
    if (p->tags.count && !sel_any(&d->tags, &p->tags))
        return false;
    if (p->categories.count && !sel_any(&d->categories, &p->categories))
        return false;
    if (p->ex_tags.count && sel_any(&d->tags, &p->ex_tags))
        return false;
    if (p->ex_categories.count && sel_any(&d->categories, &p->ex_categories))
        return false;
    if (p->from.set || p->to.set) {
        if (!d->published.set)
            return false;
        if (p->from.set && sel_cmp_bound(&d->published, &p->from) < 0)
            return false;
        if (p->to.set && sel_cmp_bound(&d->published, &p->to) > 0)
            return false;
    }
    return true;
}

static int sel_run(quire_filter_ctx *ctx, quire_collection *c)
{
    const sel_priv *p = ctx->priv;
    /* Compact in place, keeping order: one pass, where taking documents out
     * one by one (quire_collection_take) would shift the array each time. */
    size_t w = 0;
    for (size_t i = 0; i < c->count; i++) {
        if (sel_keep(p, c->docs[i]))
            c->docs[w++] = c->docs[i];
        else
            quire_document_free(c->docs[i]);
    }
    c->count = w;
    return QUIRE_OK;
}

const quire_filter quire_filter_select = {
    .version = QUIRE_COMPONENT_VERSION,
    .name = SEL_NAME,
    .description = "keep documents by tag, category, date range; drafts out unless drafts=true",
    .scope = QUIRE_FILTER_COLLECTION,
    .priv_size = sizeof(sel_priv),
    .init = sel_init,
    .run_collection = sel_run,
    .uninit = sel_uninit,
};
