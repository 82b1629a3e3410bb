/*
 * write.c — driving one writer over a collection: allocate its private
 * state, begin, one write_document per document in order, end, close.
 */
#include "internal.h"

#include <stdlib.h>
#include <string.h>

int quire_write(const quire_collection *c, const quire_writer *w, quire_sink *out,
                const quire_write_opts *opts, quire_diag_list *diags)
{
    static const quire_write_opts no_opts = {0};
    if (!opts)
        opts = &no_opts;
    if (!w->begin || !w->write_document || !w->end) {
        quire_diag_add(diags, QUIRE_SEV_ERROR, w->name, NULL, 0, 0,
                       "the %s writer is not available in this build", w->name);
        return QUIRE_ERR_UNSUPPORTED;
    }
    quire_writer_ctx ctx = {
        .writer = w,
        .site = &c->site,
        .options = opts->options,
        .diags = diags,
        .out = out,
        .outdir = opts->outdir,
        .self_path = opts->self_path ? opts->self_path : w->extension,
        .title_suffix = opts->title_suffix,
        .updated = opts->updated.set ? opts->updated : quire__build_date(c),
        .count = c->count,
        .fetch_remote = opts->fetch_remote,
    };
    quire_arena *tmp = quire_arena_new();
    if (!tmp)
        return QUIRE_ERR_NOMEM;
    if (c->site.base_url && ctx.self_path)
        ctx.self_url = quire_arena_printf(tmp, "%s%s", c->site.base_url, ctx.self_path);
    if (w->priv_size && !(ctx.priv = calloc(1, w->priv_size))) {
        quire_arena_free(tmp);
        return QUIRE_ERR_NOMEM;
    }
    int rc = w->begin(&ctx);
    for (size_t i = 0; rc == QUIRE_OK && i < c->count; i++)
        rc = w->write_document(&ctx, c->docs[i]);
    if (rc == QUIRE_OK)
        rc = w->end(&ctx);
    if (w->close)
        w->close(&ctx);
    free(ctx.priv);
    quire_arena_free(tmp);
    return rc;
}
