/*
 * rd_test.h — tiny helpers shared by the reader tests: checks that count
 * failures, reading a buffer with a named reader, and a compact dump of a
 * node tree to compare against expected strings.
 */
#ifndef RD_TEST_H
#define RD_TEST_H

#include "internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int rd_failures;

#define CHECK(cond)                                                                   \
    do {                                                                              \
        if (!(cond)) {                                                                \
            fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond); \
            rd_failures++;                                                            \
        }                                                                             \
    } while (0)

#define CHECK_STR(got, want)                                                            \
    do {                                                                                \
        const char *g_ = (got), *w_ = (want);                                           \
        if (!g_ || !w_ ? g_ != w_ : strcmp(g_, w_) != 0) {                              \
            fprintf(stderr, "%s:%d: %s\n  got:  %s\n  want: %s\n", __FILE__, __LINE__, \
                    #got, g_ ? g_ : "(null)", w_ ? w_ : "(null)");                      \
            rd_failures++;                                                              \
        }                                                                               \
    } while (0)

#define CHECK_INT(got, want)                                                              \
    do {                                                                                  \
        long long g_ = (long long)(got), w_ = (long long)(want);                          \
        if (g_ != w_) {                                                                   \
            fprintf(stderr, "%s:%d: %s: got %lld, want %lld\n", __FILE__, __LINE__, #got, \
                    g_, w_);                                                              \
            rd_failures++;                                                                \
        }                                                                                 \
    } while (0)

static inline quire_read_ctx rd_ctx(const char *path, quire_diag_list *diags)
{
    quire_read_ctx ctx;
    memset(&ctx, 0, sizeof ctx);
    ctx.path = path;
    ctx.diags = diags;
    return ctx;
}

/* Read data with the reader `name`; *doc_out gets the one document (or
 * NULL).  The collection is the caller's to free. */
static inline int rd_read(const char *name, const quire_read_ctx *ctx, const char *data,
                          quire_collection **c_out, quire_document **doc_out)
{
    const quire_reader *r = quire_reader_find(name);
    quire_collection *c = quire_collection_new();
    int rc = r->read(ctx, data, strlen(data), c);
    *c_out = c;
    *doc_out = c->count ? c->docs[c->count - 1] : NULL;
    return rc;
}

static inline bool rd_has_diag(const quire_diag_list *l, quire_severity sev, uint32_t line,
                               uint32_t col, const char *needle)
{
    for (size_t i = 0; i < l->count; i++) {
        const quire_diag *d = &l->items[i];
        if (d->severity == sev && (!line || d->line == line) && (!col || d->column == col) &&
            (!needle || strstr(d->message, needle)))
            return true;
    }
    return false;
}

static inline void rd_print_diags(const quire_diag_list *l)
{
    for (size_t i = 0; i < l->count; i++)
        fprintf(stderr, "  diag: %s:%u:%u: %s: %s\n", l->items[i].file ? l->items[i].file : "",
                l->items[i].line, l->items[i].column, quire_severity_name(l->items[i].severity),
                l->items[i].message);
}

/* (type[:detail] children...) with TEXT as "text", iteratively. */
static inline char *rd_dump(const quire_node *root)
{
    quire_buf b;
    quire__buf_init(&b);
    quire_iter it;
    quire_node *n;
    quire_event ev;
    quire_iter_init(&it, (quire_node *)root);
    while ((ev = quire_iter_next(&it, &n)) != QUIRE_EVENT_DONE) {
        if (ev == QUIRE_EVENT_EXIT) {
            quire__buf_putc(&b, ')');
            continue;
        }
        if (b.len && b.data[b.len - 1] != '(')
            quire__buf_putc(&b, ' ');
        if (n->type == QUIRE_NODE_TEXT) {
            quire__buf_printf(&b, "\"%s\"", n->literal);
            continue;
        }
        bool leaf = quire_node_is_leaf(n);
        if (!leaf)
            quire__buf_putc(&b, '(');
        quire__buf_puts(&b, quire_node_type_name(n->type));
        if (n->name)
            quire__buf_printf(&b, ":%s", n->name);
        if (n->type == QUIRE_NODE_HEADING)
            quire__buf_printf(&b, ":%d", n->level);
        if (n->info)
            quire__buf_printf(&b, "[%s]", n->info);
        if (n->url)
            quire__buf_printf(&b, "<%s>", n->url);
        if (n->literal)
            quire__buf_printf(&b, "=\"%s\"", n->literal);
        for (const quire_attr *a = n->attrs; a; a = a->next)
            quire__buf_printf(&b, " @%s=%s", a->name, a->value);
    }
    return quire__buf_detach(&b, NULL);
}



#ifndef RD_TEST_FIND
#define RD_TEST_FIND
/* The nth (0-based) node of a type in document order, or NULL. */
static inline quire_node *rd_find(quire_node *root, quire_node_type type, int nth)
{
    quire_iter it;
    quire_node *n;
    quire_event ev;
    quire_iter_init(&it, root);
    while ((ev = quire_iter_next(&it, &n)) != QUIRE_EVENT_DONE)
        if (ev == QUIRE_EVENT_ENTER && n->type == type && nth-- == 0)
            return n;
    return NULL;
}

static inline int rd_count(quire_node *root, quire_node_type type)
{
    int count = 0;
    while (rd_find(root, type, count))
        count++;
    return count;
}

static inline size_t rd_children(const quire_node *n)
{
    size_t k = 0;
    for (const quire_node *c = n ? n->first_child : NULL; c; c = c->next)
        k++;
    return k;
}
#endif /* RD_TEST_FIND */

#endif /* RD_TEST_H */
