/*
 * node.c — the body tree: construction, linking, attributes, iteration.
 */
#include "internal.h"

#include <string.h>

static const char *const node_type_names[QUIRE_NODE_TYPE_COUNT] = {
    [QUIRE_NODE_NONE] = "none",
    [QUIRE_NODE_ROOT] = "root",
    [QUIRE_NODE_PARAGRAPH] = "paragraph",
    [QUIRE_NODE_HEADING] = "heading",
    [QUIRE_NODE_BLOCKQUOTE] = "blockquote",
    [QUIRE_NODE_LIST] = "list",
    [QUIRE_NODE_ITEM] = "item",
    [QUIRE_NODE_CODE_BLOCK] = "code_block",
    [QUIRE_NODE_THEMATIC_BREAK] = "thematic_break",
    [QUIRE_NODE_TABLE] = "table",
    [QUIRE_NODE_TABLE_ROW] = "table_row",
    [QUIRE_NODE_TABLE_CELL] = "table_cell",
    [QUIRE_NODE_FIGURE] = "figure",
    [QUIRE_NODE_CAPTION] = "caption",
    [QUIRE_NODE_EMBED] = "embed",
    [QUIRE_NODE_FOOTNOTE_DEF] = "footnote_def",
    [QUIRE_NODE_MORE] = "more",
    [QUIRE_NODE_HTML_BLOCK] = "html_block",
    [QUIRE_NODE_TEXT] = "text",
    [QUIRE_NODE_SOFTBREAK] = "softbreak",
    [QUIRE_NODE_LINEBREAK] = "linebreak",
    [QUIRE_NODE_CODE] = "code",
    [QUIRE_NODE_EMPH] = "emph",
    [QUIRE_NODE_STRONG] = "strong",
    [QUIRE_NODE_STRIKETHROUGH] = "strikethrough",
    [QUIRE_NODE_LINK] = "link",
    [QUIRE_NODE_IMAGE] = "image",
    [QUIRE_NODE_FOOTNOTE_REF] = "footnote_ref",
    [QUIRE_NODE_HTML_INLINE] = "html_inline",
};

const char *quire_node_type_name(quire_node_type type)
{
    if ((unsigned)type >= QUIRE_NODE_TYPE_COUNT)
        return "none";
    return node_type_names[type];
}

quire_node_type quire_node_type_from_name(const char *name)
{
    if (!name)
        return QUIRE_NODE_NONE;
    for (int t = 1; t < QUIRE_NODE_TYPE_COUNT; t++)
        if (strcmp(node_type_names[t], name) == 0)
            return (quire_node_type)t;
    return QUIRE_NODE_NONE;
}

bool quire_node_is_block(const quire_node *n)
{
    return quire__node_is_block(n);
}

#undef quire_node_is_leaf
bool quire_node_is_leaf(const quire_node *n)
{
    return quire__node_is_leaf(n);
}

quire_node *quire_node_new(quire_arena *arena, quire_node_type type, uint32_t line,
                           uint32_t column)
{
    quire_node *n = quire_arena_alloc(arena, sizeof *n);
    if (n) {
        n->type = type;
        n->line = line;
        n->column = column;
    }
    return n;
}

/* The node and its text in one arena allocation (the text right after the
 * node): text nodes are most of a body's nodes, and one bump instead of
 * two is a third of their cost. */
quire_node *quire_node_new_text(quire_arena *arena, const char *s, size_t len,
                                uint32_t line, uint32_t column)
{
    return s ? quire__node_new_text(arena, s, len, line, column) : NULL;
}

void quire_node_unlink(quire_node *n)
{
    if (!n)
        return;
    if (n->prev)
        n->prev->next = n->next;
    else if (n->parent)
        n->parent->first_child = n->next;
    if (n->next)
        n->next->prev = n->prev;
    else if (n->parent)
        n->parent->last_child = n->prev;
    n->parent = n->prev = n->next = NULL;
}

void quire_node_append(quire_node *parent, quire_node *child)
{
    if (!parent || !child)
        return;
    quire_node_unlink(child);
    quire__node_append_new(parent, child);
}

void quire_node_prepend(quire_node *parent, quire_node *child)
{
    if (!parent || !child)
        return;
    quire_node_unlink(child);
    child->parent = parent;
    child->next = parent->first_child;
    if (parent->first_child)
        parent->first_child->prev = child;
    else
        parent->last_child = child;
    parent->first_child = child;
}

void quire_node_insert_before(quire_node *sib, quire_node *n)
{
    if (!sib || !n || !sib->parent)
        return;
    quire_node_unlink(n);
    n->parent = sib->parent;
    n->next = sib;
    n->prev = sib->prev;
    if (sib->prev)
        sib->prev->next = n;
    else
        sib->parent->first_child = n;
    sib->prev = n;
}

void quire_node_insert_after(quire_node *sib, quire_node *n)
{
    if (!sib || !n || !sib->parent)
        return;
    if (sib->next)
        quire_node_insert_before(sib->next, n);
    else
        quire_node_append(sib->parent, n);
}

void quire_node_unwrap(quire_node *n)
{
    if (!n || !n->parent)
        return;
    while (n->first_child)
        quire_node_insert_before(n, n->first_child);
    quire_node_unlink(n);
}

const char *quire_node_attr(const quire_node *n, const char *name)
{
    for (const quire_attr *a = n ? n->attrs : NULL; a; a = a->next)
        if (strcmp(a->name, name) == 0)
            return a->value;
    return NULL;
}

void quire_node_set_attr(quire_arena *arena, quire_node *n, const char *name, const char *value)
{
    quire_attr **pp = &n->attrs;
    for (; *pp; pp = &(*pp)->next) {
        if (strcmp((*pp)->name, name) == 0) {
            (*pp)->value = quire_arena_strdup(arena, value ? value : "");
            return;
        }
    }
    quire_attr *a = quire_arena_alloc(arena, sizeof *a);
    if (!a)
        return;
    a->name = quire_arena_strdup(arena, name);
    a->value = quire_arena_strdup(arena, value ? value : "");
    *pp = a;
}

void quire_node_remove_attr(quire_node *n, const char *name)
{
    for (quire_attr **pp = &n->attrs; *pp; pp = &(*pp)->next) {
        if (strcmp((*pp)->name, name) == 0) {
            *pp = (*pp)->next;
            return;
        }
    }
}

void quire_iter_init(quire_iter *it, quire_node *root)
{
    it->root = root;
    it->cur = NULL;
    it->ev = QUIRE_EVENT_DONE;
    it->skip = false;
}

#undef quire_iter_next
quire_event quire_iter_next(quire_iter *it, quire_node **out)
{
    return quire__iter_next(it, out);
}

void quire_iter_skip_children(quire_iter *it)
{
    if (it->cur && it->ev == QUIRE_EVENT_ENTER && !quire__node_is_leaf(it->cur))
        it->skip = true;
}

static void plain_text_walk(quire_buf *b, const quire_node *root)
{
    quire_iter it;
    quire_node *n;
    quire_event ev;
    quire_iter_init(&it, (quire_node *)root);
    while ((ev = quire_iter_next(&it, &n)) != QUIRE_EVENT_DONE) {
        if (ev != QUIRE_EVENT_ENTER)
            continue;
        switch (n->type) {
        case QUIRE_NODE_TEXT:
        case QUIRE_NODE_CODE:
        case QUIRE_NODE_CODE_BLOCK:
        case QUIRE_NODE_IMAGE:
            quire__buf_puts(b, n->literal);
            break;
        case QUIRE_NODE_SOFTBREAK:
        case QUIRE_NODE_LINEBREAK:
            quire__buf_putc(b, ' ');
            break;
        default:
            if (quire_node_is_block(n) && n != root && b->len && b->data[b->len - 1] != ' ')
                quire__buf_putc(b, ' ');
            break;
        }
    }
}

char *quire_node_plain_text(quire_arena *arena, const quire_node *node)
{
    quire_buf b;
    quire__buf_init(&b);
    if (node)
        plain_text_walk(&b, node);
    /* trim the trailing space a closing block may leave */
    while (b.len && b.data[b.len - 1] == ' ')
        b.data[--b.len] = '\0';
    char *s = quire_arena_strndup(arena, quire__buf_cstr(&b), b.len);
    quire__buf_free(&b);
    return s;
}
