/*
 * ftest.c — see ftest.h.
 */
#include "ftest.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int ft_failures;
int ft_checks;

/* Options as the chain gives them: a MAPPING of string scalars. */
static quire_value *ft_opts(quire_arena *a, const char *spec)
{
    if (!spec)
        return NULL;
    quire_value *map = quire_value_new(a, QUIRE_VALUE_MAPPING);
    const char *p = spec;
    while (*p) {
        size_t n = strcspn(p, ",");
        const char *eq = memchr(p, '=', n);
        char *key = quire_arena_strndup(a, p, eq ? (size_t)(eq - p) : n);
        const char *val = eq ? eq + 1 : "";
        size_t vlen = eq ? (size_t)(p + n - val) : 0;
        quire_value_append(a, map, key, quire_value_new_scalar(a, QUIRE_VALUE_STRING, val, vlen));
        p += n + (p[n] == ',');
    }
    return map;
}

typedef struct ft_ctx {
    quire_arena *arena;
    quire_filter_ctx ctx;
    quire_diag_list own;
} ft_ctx;

static const quire_filter *ft_open(ft_ctx *t, const char *name, const char *spec,
                                   const quire_site *site, quire_diag_list *diags, int *rc)
{
    const quire_filter *f = quire_filter_find(name);
    memset(t, 0, sizeof *t);
    quire_diag_list_init(&t->own);
    if (!f) {
        fprintf(stderr, "no filter named %s\n", name);
        *rc = QUIRE_ERR_NOTFOUND;
        return NULL;
    }
    t->arena = quire_arena_new();
    t->ctx.filter = f;
    t->ctx.priv = f->priv_size ? calloc(1, f->priv_size) : NULL;
    t->ctx.site = site;
    t->ctx.options = ft_opts(t->arena, spec);
    t->ctx.diags = diags ? diags : &t->own;
    *rc = f->init ? f->init(&t->ctx) : QUIRE_OK;
    return f;
}

static void ft_close(ft_ctx *t, const quire_filter *f)
{
    if (f && f->uninit)
        f->uninit(&t->ctx);
    for (size_t i = 0; i < t->own.count; i++)
        fprintf(stderr, "  diag: %s: %s\n", quire_severity_name(t->own.items[i].severity),
                t->own.items[i].message);
    quire_diag_list_free(&t->own);
    free(t->ctx.priv);
    quire_arena_free(t->arena);
}

int ft_run_doc(const char *name, const char *spec, const quire_site *site,
               quire_document *doc, quire_diag_list *diags)
{
    ft_ctx t;
    int rc;
    const quire_filter *f = ft_open(&t, name, spec, site, diags, &rc);
    if (f && rc == QUIRE_OK) {
        if (f->scope != QUIRE_FILTER_DOCUMENT || !f->run_document) {
            fprintf(stderr, "%s is not a document filter\n", name);
            rc = QUIRE_ERR_UNSUPPORTED;
        } else {
            rc = f->run_document(&t.ctx, doc);
        }
    }
    ft_close(&t, f);
    return rc;
}

int ft_run_coll(const char *name, const char *spec, quire_collection *c,
                quire_diag_list *diags)
{
    ft_ctx t;
    int rc;
    const quire_filter *f = ft_open(&t, name, spec, &c->site, diags, &rc);
    if (f && rc == QUIRE_OK) {
        if (f->scope != QUIRE_FILTER_COLLECTION || !f->run_collection) {
            fprintf(stderr, "%s is not a collection filter\n", name);
            rc = QUIRE_ERR_UNSUPPORTED;
        } else {
            rc = f->run_collection(&t.ctx, c);
        }
    }
    ft_close(&t, f);
    return rc;
}

int ft_init(const char *name, const char *spec, quire_diag_list *diags)
{
    ft_ctx t;
    int rc;
    const quire_filter *f = ft_open(&t, name, spec, NULL, diags, &rc);
    ft_close(&t, f);
    return rc;
}

quire_document *ft_doc(const char *title, const char *path, const char *id)
{
    quire_document *d = quire_document_new();
    if (!d)
        abort();
    d->title = quire_arena_strdup(d->arena, title);
    d->source_path = quire_arena_strdup(d->arena, path);
    d->id = quire_arena_strdup(d->arena, id);
    d->body = quire_node_new(d->arena, QUIRE_NODE_ROOT, 1, 1);
    return d;
}

quire_node *ft_para(quire_document *doc, quire_node *parent, const char *text)
{
    quire_node *p = quire_node_new(doc->arena, QUIRE_NODE_PARAGRAPH, 1, 1);
    quire_node_append(p, quire_node_new_text(doc->arena, text, strlen(text), 1, 1));
    quire_node_append(parent ? parent : doc->body, p);
    return p;
}

/* Show bytes so that a failing mojibake case is readable. */
static void ft_print(const char *s)
{
    if (!s) {
        fputs("(null)", stderr);
        return;
    }
    fputc('"', stderr);
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (*p < 0x20 || *p == 0x7f || *p == '"' || *p == '\\')
            fprintf(stderr, "\\x%02x", *p);
        else
            fputc(*p, stderr);
    }
    fputc('"', stderr);
}

void ft_check(bool ok, const char *file, int line, const char *what)
{
    ft_checks++;
    if (!ok) {
        ft_failures++;
        fprintf(stderr, "%s:%d: check failed: %s\n", file, line, what);
    }
}

void ft_check_str(const char *got, const char *want, const char *file, int line,
                  const char *what)
{
    ft_checks++;
    bool ok = (!got && !want) || (got && want && strcmp(got, want) == 0);
    if (!ok) {
        ft_failures++;
        fprintf(stderr, "%s:%d: %s\n   got: ", file, line, what);
        ft_print(got);
        fputs("\n  want: ", stderr);
        ft_print(want);
        fputc('\n', stderr);
    }
}

void ft_check_long(long got, long want, const char *file, int line, const char *what)
{
    ft_checks++;
    if (got != want) {
        ft_failures++;
        fprintf(stderr, "%s:%d: %s: got %ld, want %ld\n", file, line, what, got, want);
    }
}

int ft_done(const char *prog)
{
    fprintf(stderr, "%s: %d checks, %d failed\n", prog, ft_checks, ft_failures);
    return ft_failures ? 1 : 0;
}
