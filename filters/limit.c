/*
 * limit.c — filter "limit": keep a window of the collection.
 *
 * Options:
 *   n=N        keep at most N documents (absent: no upper bound; 0 keeps none)
 *   offset=K   skip the first K documents first (default 0)
 *
 * Run it after `sort`: it keeps documents in the order it finds them.
 */
#include "internal.h"

#define LIMIT_NAME "limit"

typedef struct limit_priv {
    bool has_n;
    size_t n, offset;
} limit_priv;

static int limit_init(quire_filter_ctx *ctx)
{
    static const char *const known[] = {"n", "offset", NULL};
    limit_priv *p = ctx->priv;
    int rc = quire__filter_check_options(ctx, known);
    if (!rc)
        rc = quire__filter_opt_size(ctx, "offset", 0, &p->offset);
    if (!rc)
        rc = quire__filter_opt_size(ctx, "n", SIZE_MAX, &p->n);
    p->has_n = p->n != SIZE_MAX;
    return rc;
}

static int limit_run(quire_filter_ctx *ctx, quire_collection *c)
{
    const limit_priv *p = ctx->priv;
    size_t start = p->offset < c->count ? p->offset : c->count;
    size_t end = p->has_n && p->n < c->count - start ? start + p->n : c->count;
    /* The tail first: taking the last document moves nothing, and the head
     * removals below then only shift the documents that stay. */
    while (c->count > end)
        quire_document_free(quire_collection_take(c, c->count - 1));
    for (size_t i = 0; i < start; i++)
        quire_document_free(quire_collection_take(c, 0));
    return QUIRE_OK;
}

const quire_filter quire_filter_limit = {
    .version = QUIRE_COMPONENT_VERSION,
    .name = LIMIT_NAME,
    .description = "keep N documents (n=N), after skipping some (offset=K)",
    .scope = QUIRE_FILTER_COLLECTION,
    .priv_size = sizeof(limit_priv),
    .init = limit_init,
    .run_collection = limit_run,
};
