/*
 * epub_test.h — helpers for the EPUB tests: build documents in C (no reader
 * needed), write a collection to memory or a file, small assertions.
 * Header-only; every function is static.
 */
#ifndef QUIRE_EPUB_TEST_H
#define QUIRE_EPUB_TEST_H

#include "quire/quire.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

__attribute__((unused)) static int t_failures __attribute__((unused));

#define CHECK(cond)                                                                  \
    do {                                                                             \
        if (!(cond)) {                                                               \
            fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond); \
            t_failures++;                                                            \
        }                                                                            \
    } while (0)

/* A new child of parent (or detached when parent is NULL). */
__attribute__((unused)) static quire_node *tn(quire_document *d, quire_node *parent, quire_node_type type)
{
    quire_node *n = quire_node_new(d->arena, type, 1, 1);
    if (parent)
        quire_node_append(parent, n);
    return n;
}

__attribute__((unused)) static quire_node *tt(quire_document *d, quire_node *parent, const char *text)
{
    quire_node *n = quire_node_new_text(d->arena, text, strlen(text), 1, 1);
    quire_node_append(parent, n);
    return n;
}

/* A generic HTML element with attributes given as name, value pairs ending in NULL. */
__attribute__((unused)) static quire_node *th(quire_document *d, quire_node *parent, bool block, const char *name, ...)
{
    quire_node *n = tn(d, parent, block ? QUIRE_NODE_HTML_BLOCK : QUIRE_NODE_HTML_INLINE);
    n->name = quire_arena_strdup(d->arena, name);
    va_list ap;
    va_start(ap, name);
    const char *k;
    while ((k = va_arg(ap, const char *))) {
        const char *v = va_arg(ap, const char *);
        quire_node_set_attr(d->arena, n, k, v);
    }
    va_end(ap);
    return n;
}

__attribute__((unused)) static quire_node *tpara(quire_document *d, quire_node *parent, const char *text)
{
    quire_node *p = tn(d, parent, QUIRE_NODE_PARAGRAPH);
    tt(d, p, text);
    return p;
}

__attribute__((unused)) static quire_node *tlink(quire_document *d, quire_node *parent, const char *url, const char *text)
{
    quire_node *a = tn(d, parent, QUIRE_NODE_LINK);
    a->url = quire_arena_strdup(d->arena, url);
    tt(d, a, text);
    return a;
}

__attribute__((unused)) static quire_node *timage(quire_document *d, quire_node *parent, const char *src, const char *alt)
{
    quire_node *i = tn(d, parent, QUIRE_NODE_IMAGE);
    i->url = quire_arena_strdup(d->arena, src);
    i->literal = alt ? quire_arena_strdup(d->arena, alt) : NULL;
    return i;
}

__attribute__((unused)) static quire_node *theading(quire_document *d, quire_node *parent, int level, const char *text)
{
    quire_node *h = tn(d, parent, QUIRE_NODE_HEADING);
    h->level = level;
    tt(d, h, text);
    return h;
}

__attribute__((unused)) static quire_document *tdoc(const char *id, const char *title, const char *source_path)
{
    quire_document *d = quire_document_new();
    d->id = quire_arena_strdup(d->arena, id);
    d->title = title ? quire_arena_strdup(d->arena, title) : NULL;
    d->slug = quire_arena_strdup(d->arena, id);
    d->source_path = quire_arena_strdup(d->arena, source_path);
    d->format = "test";
    d->body = tn(d, NULL, QUIRE_NODE_ROOT);
    return d;
}

/* Run the writer's default filters (embeds) then the writer into memory. */
__attribute__((unused)) static int twrite(quire_collection *c, char **data, size_t *len, quire_diag_list *diags)
{
    const quire_filter *emb = quire_filter_find("embeds");
    for (size_t i = 0; emb && emb->run_document && i < c->count; i++) {
        quire_filter_ctx fctx = {.filter = emb, .site = &c->site, .diags = diags};
        emb->run_document(&fctx, c->docs[i]);
    }
    quire_sink *s = NULL;
    quire_sink_open_memory(&s);
    int rc = quire_write(c, quire_writer_find("epub"), s, NULL, diags);
    if (rc != QUIRE_OK) {
        quire_sink_abort(s);
        return rc;
    }
    return quire_sink_commit_memory(s, data, len);
}

__attribute__((unused)) static int twrite_file(quire_collection *c, const char *path, quire_diag_list *diags)
{
    char *data = NULL;
    size_t len = 0;
    int rc = twrite(c, &data, &len, diags);
    if (rc != QUIRE_OK)
        return rc;
    FILE *f = fopen(path, "wb");
    if (!f || fwrite(data, 1, len, f) != len) {
        free(data);
        if (f)
            fclose(f);
        return QUIRE_ERR_IO;
    }
    free(data);
    return fclose(f) == 0 ? QUIRE_OK : QUIRE_ERR_IO;
}

__attribute__((unused)) static void tprint_diags(const quire_diag_list *l)
{
    for (size_t i = 0; i < l->count; i++)
        fprintf(stderr, "%s:%u:%u: %s: [%s] %s\n", l->items[i].file ? l->items[i].file : "-",
                l->items[i].line, l->items[i].column, quire_severity_name(l->items[i].severity),
                l->items[i].component, l->items[i].message);
}

#endif
