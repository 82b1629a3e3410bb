/*
 * node_dump.h — everything a model node holds (type, position, flags,
 * strings, sizes, attributes), one line per node indented by depth, for
 * tests that compare two ways of making the same tree (fast paths against
 * the general ones).  Shared by the reader tests and the fuzz targets.
 */
#ifndef QUIRE_TEST_NODE_DUMP_H
#define QUIRE_TEST_NODE_DUMP_H

#include "internal.h"

static inline void test_node_dump(quire_buf *b, const quire_node *n, int depth)
{
    quire__buf_printf(b, "%*s%s %u:%u f%x", depth * 2, "", quire_node_type_name(n->type),
                      n->line, n->column, n->flags);
    const char *const strs[] = {n->name, n->literal, n->url, n->title, n->info};
    for (size_t i = 0; i < sizeof strs / sizeof *strs; i++)
        quire__buf_printf(b, " %zu[%s]", i, strs[i] ? strs[i] : "-");
    quire__buf_printf(b, " l%d w%d h%d a%d e%d", n->level, n->width, n->height, (int)n->align,
                      (int)n->embed_kind);
    for (const quire_attr *a = n->attrs; a; a = a->next)
        quire__buf_printf(b, " @%s=[%s]", a->name, a->value);
    quire__buf_putc(b, '\n');
    for (const quire_node *c = n->first_child; c; c = c->next)
        test_node_dump(b, c, depth + 1);
}

#endif
