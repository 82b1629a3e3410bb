/*
 * registry.c — the static tables of built-in components (FFmpeg's
 * allformats.c shape).  Nothing here is mutable, so lookups need no lock.
 * To add a component: define its const struct in its own file and list it
 * here.
 */
#include "internal.h"

#include <string.h>
#include <strings.h>
#include <stdlib.h>
#include <stdio.h>
#include <errno.h>

extern const quire_reader quire_reader_markdown;
extern const quire_reader quire_reader_html;
extern const quire_reader quire_reader_model;

extern const quire_writer quire_writer_jsonfeed;
extern const quire_writer quire_writer_rss;
extern const quire_writer quire_writer_atom;
extern const quire_writer quire_writer_epub;
extern const quire_writer quire_writer_html;
extern const quire_writer quire_writer_model;

extern const quire_filter quire_filter_fix_encoding;
extern const quire_filter quire_filter_sanitize;
extern const quire_filter quire_filter_embeds;
extern const quire_filter quire_filter_absolute_urls;
extern const quire_filter quire_filter_summary;
extern const quire_filter quire_filter_select;
extern const quire_filter quire_filter_sort;
extern const quire_filter quire_filter_limit;
extern const quire_filter quire_filter_dedupe;

static const quire_reader *const readers[] = {
    &quire_reader_markdown,
    &quire_reader_html,
    &quire_reader_model,
    NULL,
};

/* Order here is the order of `quire build` outputs. */
static const quire_writer *const writers[] = {
    &quire_writer_jsonfeed,
    &quire_writer_rss,
    &quire_writer_atom,
    &quire_writer_epub,
    &quire_writer_html,
    &quire_writer_model,
    NULL,
};

static const quire_filter *const filters[] = {
    &quire_filter_fix_encoding,
    &quire_filter_sanitize,
    &quire_filter_embeds,
    &quire_filter_absolute_urls,
    &quire_filter_summary,
    &quire_filter_select,
    &quire_filter_sort,
    &quire_filter_limit,
    &quire_filter_dedupe,
    NULL,
};

#define DEFINE_ITER(kind, table)                                       \
    const quire_##kind *quire_##kind##_next(void **it)                 \
    {                                                                  \
        uintptr_t i = (uintptr_t)*it;                                  \
        const quire_##kind *c = table[i];                              \
        if (c)                                                         \
            *it = (void *)(i + 1);                                     \
        return c;                                                      \
    }                                                                  \
    const quire_##kind *quire_##kind##_find(const char *name)          \
    {                                                                  \
        for (size_t i = 0; name && table[i]; i++)                      \
            if (strcmp(table[i]->name, name) == 0)                     \
                return table[i];                                       \
        return NULL;                                                   \
    }

DEFINE_ITER(reader, readers)
DEFINE_ITER(writer, writers)
DEFINE_ITER(filter, filters)

/* True when path ends in one of the comma-separated extensions. */
static bool has_extension(const char *path, const char *exts)
{
    const char *dot = path ? strrchr(path, '.') : NULL;
    if (!dot || strchr(dot, '/') || !exts)
        return false;
    dot++;
    size_t n = strlen(dot);
    for (const char *e = exts; *e;) {
        const char *comma = strchr(e, ',');
        size_t len = comma ? (size_t)(comma - e) : strlen(e);
        if (len == n && strncasecmp(e, dot, n) == 0)
            return true;
        e += len + (comma ? 1 : 0);
    }
    return false;
}

const quire_reader *quire_reader_probe(const char *path, const char *data, size_t len,
                                       int *score_out)
{
    const quire_reader *best = NULL;
    int best_score = 0;
    for (size_t i = 0; readers[i]; i++) {
        const quire_reader *r = readers[i];
        int score = r->probe ? r->probe(path, data, len) : 0;
        if (score < 50 && has_extension(path, r->extensions))
            score = 50;
        if (score > best_score) {
            best = r;
            best_score = score;
        }
    }
    if (score_out)
        *score_out = best_score;
    return best;
}

const char *quire_filter_opt(const quire_filter_ctx *ctx, const char *key, const char *def)
{
    const char *v = quire_value_str(quire_value_get(ctx->options, key));
    return v ? v : def;
}

long quire_filter_opt_long(const quire_filter_ctx *ctx, const char *key, long def)
{
    const char *v = quire_filter_opt(ctx, key, NULL);
    if (!v || !*v)
        return def;
    char *end;
    long n = strtol(v, &end, 10);
    return *end ? def : n;
}

/* ------------------------------------------------- option checks for filters */

static const char *filter_name(const quire_filter_ctx *ctx)
{
    return ctx->filter && ctx->filter->name ? ctx->filter->name : "filter";
}

int quire__filter_check_options(const quire_filter_ctx *ctx, const char *const *known)
{
    const quire_value *opts = ctx->options;
    if (!opts)
        return QUIRE_OK;
    if (opts->type != QUIRE_VALUE_MAPPING) {
        quire_diag_add(ctx->diags, QUIRE_SEV_ERROR, filter_name(ctx), NULL, opts->line,
                       opts->column, "options must be a mapping of key=value");
        return QUIRE_ERR_USAGE;
    }
    int rc = QUIRE_OK;
    for (const quire_value *o = opts->first; o; o = o->next) {
        bool ok = false;
        for (size_t i = 0; known && known[i]; i++)
            if (o->key && strcmp(o->key, known[i]) == 0)
                ok = true;
        if (!ok) {
            /* List the known keys: the user most likely misspelled one. */
            char list[256] = "";
            size_t n = 0;
            for (size_t i = 0; known && known[i] && n < sizeof list; i++) {
                int w = snprintf(list + n, sizeof list - n, "%s%s", i ? ", " : "", known[i]);
                if (w < 0)
                    break;
                n += (size_t)w;
            }
            quire_diag_add(ctx->diags, QUIRE_SEV_ERROR, filter_name(ctx), NULL, o->line,
                           o->column, "unknown option '%s' (known: %s)",
                           o->key ? o->key : "", *list ? list : "none");
            rc = QUIRE_ERR_USAGE;
        } else if (!quire_value_str(o) && o->type != QUIRE_VALUE_NULL) {
            quire_diag_add(ctx->diags, QUIRE_SEV_ERROR, filter_name(ctx), NULL, o->line,
                           o->column, "option '%s' must be a single value", o->key);
            rc = QUIRE_ERR_USAGE;
        }
    }
    return rc;
}

int quire__filter_opt_bool(const quire_filter_ctx *ctx, const char *key, bool def, bool *out)
{
    const char *v = quire_filter_opt(ctx, key, NULL);
    *out = def;
    if (!v)
        return QUIRE_OK;
    static const char *const yes[] = {"true", "yes", "on", "1"};
    static const char *const no[] = {"false", "no", "off", "0"};
    for (size_t i = 0; i < sizeof yes / sizeof *yes; i++) {
        if (strcasecmp(v, yes[i]) == 0)
            return *out = true, QUIRE_OK;
        if (strcasecmp(v, no[i]) == 0)
            return *out = false, QUIRE_OK;
    }
    quire_diag_add(ctx->diags, QUIRE_SEV_ERROR, filter_name(ctx), NULL, 0, 0,
                   "option '%s': '%s' is not a boolean (true or false)", key, v);
    return QUIRE_ERR_USAGE;
}

int quire__filter_opt_size(const quire_filter_ctx *ctx, const char *key, size_t def,
                           size_t *out)
{
    const char *v = quire_filter_opt(ctx, key, NULL);
    *out = def;
    if (!v)
        return QUIRE_OK;
    /* strtoull accepts "-1" and leading blanks; a count must be plain digits. */
    bool digits = *v != '\0';
    for (const char *p = v; *p; p++)
        if (*p < '0' || *p > '9')
            digits = false;
    errno = 0;
    unsigned long long n = digits ? strtoull(v, NULL, 10) : 0;
    if (!digits || errno == ERANGE || n > SIZE_MAX) {
        quire_diag_add(ctx->diags, QUIRE_SEV_ERROR, filter_name(ctx), NULL, 0, 0,
                       "option '%s': '%s' is not a non-negative integer", key, v);
        return QUIRE_ERR_USAGE;
    }
    *out = (size_t)n;
    return QUIRE_OK;
}
