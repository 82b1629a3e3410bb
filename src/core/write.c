/*
 * write.c — driving writers.  A session is one writer instance: its private
 * state and context, begun once, given documents one at a time in order,
 * ended and closed.  Sessions let the build stream every document through
 * every output without holding the collection; quire_write() is the simple
 * form for a collection in memory.
 */
#include "internal.h"

#include <stdlib.h>
#include <string.h>

struct quire_write_session {
    quire_writer_ctx ctx;
    quire_arena *arena;
    int rc;
};

int quire__write_open(quire_write_session **out, const quire_site *site, const quire_writer *w,
                      quire_sink *sink, const quire_write_opts *opts, size_t count,
                      quire_diag_list *diags)
{
    static const quire_write_opts no_opts = {0};
    *out = NULL;
    if (!opts)
        opts = &no_opts;
    if (!w->begin || !w->write_document || !w->end) {
        quire_diag_add(diags, QUIRE_SEV_ERROR, w->name, NULL, 0, 0,
                       "the %s writer is not available in this build", w->name);
        return QUIRE_ERR_UNSUPPORTED;
    }
    quire_write_session *s = calloc(1, sizeof *s);
    if (!s || !(s->arena = quire_arena_new())) {
        free(s);
        return QUIRE_ERR_NOMEM;
    }
    s->ctx = (quire_writer_ctx){
        .writer = w,
        .site = site,
        .options = opts->options,
        .diags = diags,
        .out = sink,
        .outdir = opts->outdir,
        .self_path = opts->self_path ? opts->self_path : w->extension,
        .title_suffix = opts->title_suffix,
        .updated = opts->updated,
        .count = count,
        .fetch_remote = opts->fetch_remote,
        .feeds = opts->feeds,
        .tag_feeds = opts->tag_feeds,
    };
    if (site->base_url && s->ctx.self_path)
        s->ctx.self_url = quire_arena_printf(s->arena, "%s%s", site->base_url, s->ctx.self_path);
    if (w->priv_size && !(s->ctx.priv = calloc(1, w->priv_size))) {
        quire_arena_free(s->arena);
        free(s);
        return QUIRE_ERR_NOMEM;
    }
    s->rc = w->begin(&s->ctx);
    *out = s;
    return s->rc;
}

int quire__write_doc(quire_write_session *s, const quire_document *doc)
{
    if (s->rc == QUIRE_OK)
        s->rc = s->ctx.writer->write_document(&s->ctx, doc);
    return s->rc;
}

void quire__write_prepare(quire_write_session *s, const quire_document *doc,
                          quire_diag_list *diags, void **out)
{
    *out = NULL;
    /* Not s->rc: the main thread writes it meanwhile.  After an error the
     * result is simply released unused. */
    if (!s->ctx.writer->prepare)
        return;
    void *p = NULL;
    if (s->ctx.writer->prepare(&s->ctx, doc, diags, &p) == QUIRE_OK)
        *out = p;
}

void quire__write_release(quire_write_session *s, void *prepared)
{
    if (prepared && s->ctx.writer->release)
        s->ctx.writer->release(prepared);
}

int quire__write_doc_prepared(quire_write_session *s, const quire_document *doc, void *prepared)
{
    if (s->rc == QUIRE_OK) {
        s->ctx.prepared = prepared;
        s->rc = s->ctx.writer->write_document(&s->ctx, doc);
        s->ctx.prepared = NULL;
    }
    return s->rc;
}

void quire__write_set_diags(quire_write_session *s, quire_diag_list *diags)
{
    if (s)
        s->ctx.diags = diags;
}

int quire__write_close(quire_write_session *s, bool ok)
{
    if (!s)
        return QUIRE_OK;
    if (s->rc == QUIRE_OK && ok)
        s->rc = s->ctx.writer->end(&s->ctx);
    else if (s->rc == QUIRE_OK)
        s->rc = QUIRE_ERR_USAGE; /* abandoned: the caller knows why */
    if (s->ctx.writer->close)
        s->ctx.writer->close(&s->ctx);
    int rc = s->rc;
    free(s->ctx.priv);
    quire_arena_free(s->arena);
    free(s);
    return rc;
}

int quire_write(const quire_collection *c, const quire_writer *w, quire_sink *out,
                const quire_write_opts *opts, quire_diag_list *diags)
{
    quire_write_opts o = opts ? *opts : (quire_write_opts){0};
    if (!o.updated.set)
        o.updated = quire__build_date(c);
    quire_write_session *s;
    int rc = quire__write_open(&s, &c->site, w, out, &o, c->count, diags);
    for (size_t i = 0; rc == QUIRE_OK && i < c->count; i++)
        rc = quire__write_doc(s, c->docs[i]);
    int rc2 = quire__write_close(s, rc == QUIRE_OK);
    return rc != QUIRE_OK ? rc : rc2;
}
