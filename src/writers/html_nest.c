/*
 * html_nest.c — the body made valid HTML5 where the allowlist keeps markup
 * that breaks the content model: a div inside a span or a p, a p inside a
 * p, stray list items, rows outside tables, figcaptions outside figures,
 * links inside links, source elements outside picture/video/audio.
 *
 * The same rules as the EPUB writer's repair (epub_xhtml.c), applied to the
 * model instead of a libxml2 tree, because the html writer renders the
 * model: a paragraph holding blocks becomes a div when its own parent
 * takes flow content; any other block where only phrasing may go becomes a
 * span; stray content of lists, definition lists, tables and rows gets the
 * wrapper it lacks; list items, terms, rows and cells outside their parent
 * become divs.  Nothing is dropped but the source and track elements that
 * have no media to belong to, and white space between rows.
 *
 * Two walks, both with quire_iter (no recursion): the first only collects
 * nodes to wrap (the tree must not move under the iterator) and wraps them
 * afterwards; the second renames in place with a stack of contexts.
 */
#include "html_internal.h"

#include <stdlib.h>
#include <string.h>

/* Elements that are flow content only: never inside phrasing content. */
static const char *const nest_blocks[] = {
    "address", "article", "aside", "blockquote", "caption", "dd", "details", "dialog", "div",
    "dl", "dt", "fieldset", "figcaption", "figure", "footer", "form", "h1", "h2", "h3", "h4",
    "h5", "h6", "header", "hgroup", "hr", "li", "main", "menu", "nav", "ol", "p", "pre",
    "section", "table", "tbody", "td", "tfoot", "th", "thead", "tr", "ul", NULL};
/* Elements whose children may only be phrasing content. */
static const char *const nest_phrasing_parents[] = {
    "abbr", "b", "bdi", "bdo", "cite", "code", "data", "dfn", "em", "h1", "h2", "h3", "h4",
    "h5", "h6", "i", "kbd", "label", "legend", "mark", "p", "pre", "q", "rp", "rt", "ruby", "s",
    "samp", "small", "span", "strong", "sub", "summary", "sup", "time", "u", "var", NULL};
/* Content model of the parent: a, ins, del. */
static const char *const nest_transparent[] = {"a", "del", "ins", NULL};

static bool nest_in(const char *const *list, const char *name)
{
    for (size_t i = 0; name && list[i]; i++)
        if (strcmp(list[i], name) == 0)
            return true;
    return false;
}

static bool nest_tight_para(const quire_node *n)
{
    const quire_node *item = n->parent;
    return n->type == QUIRE_NODE_PARAGRAPH && item && item->type == QUIRE_NODE_ITEM &&
           item->parent && item->parent->type == QUIRE_NODE_LIST &&
           (item->parent->flags & QUIRE_NODE_FLAG_TIGHT);
}

/* The element the renderer writes for n, or NULL for none (text, root,
 * the paragraphs of a tight list). */
static const char *nest_name(const quire_node *n)
{
    switch (n->type) {
    case QUIRE_NODE_PARAGRAPH: return nest_tight_para(n) ? NULL : "p";
    case QUIRE_NODE_HEADING: return "h2"; /* any level: same rules */
    case QUIRE_NODE_BLOCKQUOTE: return "blockquote";
    case QUIRE_NODE_LIST: return "ul";
    case QUIRE_NODE_ITEM: return "li";
    case QUIRE_NODE_CODE_BLOCK: return "pre";
    case QUIRE_NODE_THEMATIC_BREAK: return "hr";
    case QUIRE_NODE_TABLE: return "table";
    case QUIRE_NODE_TABLE_ROW: return "tr";
    case QUIRE_NODE_TABLE_CELL: return "td";
    case QUIRE_NODE_FIGURE: return "figure";
    case QUIRE_NODE_CAPTION: return "figcaption";
    case QUIRE_NODE_FOOTNOTE_DEF: return "div";
    case QUIRE_NODE_EMPH: return "em";
    case QUIRE_NODE_STRONG: return "strong";
    case QUIRE_NODE_STRIKETHROUGH: return "del";
    case QUIRE_NODE_LINK: return "a";
    case QUIRE_NODE_CODE: return "code";
    case QUIRE_NODE_FOOTNOTE_REF: return "sup";
    case QUIRE_NODE_IMAGE: return "img";
    case QUIRE_NODE_HTML_BLOCK:
    case QUIRE_NODE_HTML_INLINE: return n->name;
    default: return NULL;
    }
}

static bool nest_is(const quire_node *n, const char *name)
{
    const char *e = n ? nest_name(n) : NULL;
    return e && strcmp(e, name) == 0;
}

static bool nest_blank_text(const quire_node *n)
{
    if (n->type == QUIRE_NODE_SOFTBREAK)
        return true;
    if (n->type != QUIRE_NODE_TEXT)
        return false;
    for (const char *p = n->literal; p && *p; p++)
        if (*p != ' ' && *p != '\t' && *p != '\n' && *p != '\r')
            return false;
    return true;
}

/* n becomes the generic element `name`, children kept; the attributes of
 * its old element go, the global ones stay (sanitize kept nothing else). */
static void nest_rename(quire_node *n, const char *name, bool block)
{
    if (n->type == QUIRE_NODE_CODE_BLOCK || n->type == QUIRE_NODE_CODE) {
        n->type = QUIRE_NODE_CODE; /* its text is its literal */
        return;
    }
    if (n->type == QUIRE_NODE_THEMATIC_BREAK) {
        n->type = QUIRE_NODE_LINEBREAK;
        return;
    }
    static const char *const global[] = {"id", "class", "title", "lang", "dir", NULL};
    quire_attr **link = &n->attrs;
    while (*link) {
        if (nest_in(global, (*link)->name))
            link = &(*link)->next;
        else
            *link = (*link)->next;
    }
    n->type = block ? QUIRE_NODE_HTML_BLOCK : QUIRE_NODE_HTML_INLINE;
    n->name = name;
    n->url = NULL;
    n->flags = 0;
}

/* ------------------------------------------------------------------ structure */

typedef struct nest_fix {
    quire_node *node;
    const char *wrapper;   /* wrap in this element; NULL: remove the node */
} nest_fix;

/* What a child of parent needs: a wrapper name, "" to be removed, NULL
 * nothing. */
static const char *nest_child_fix(const quire_node *parent, const quire_node *n)
{
    const char *p = nest_name(parent), *c = nest_name(n);
    if (!p)
        return NULL;
    if (!strcmp(p, "ul") || !strcmp(p, "ol") || !strcmp(p, "menu"))
        return nest_is(n, "li") ? NULL : nest_blank_text(n) ? "" : "li";
    if (!strcmp(p, "dl")) {
        if (nest_is(n, "dt") || nest_is(n, "dd") || nest_is(n, "div"))
            return NULL;
        if (nest_blank_text(n))
            return "";
        /* a group starts with a term: stray content before any is one */
        for (const quire_node *s = n->prev; s; s = s->prev)
            if (nest_is(s, "dt") || nest_is(s, "dd"))
                return "dd";
        return "dt";
    }
    if (!strcmp(p, "table"))
        return nest_is(n, "tr") ? NULL : nest_blank_text(n) ? "" : "tr";
    if (!strcmp(p, "tr"))
        return nest_is(n, "td") || nest_is(n, "th") ? NULL : nest_blank_text(n) ? "" : "td";
    (void)c;
    return NULL;
}

static bool nest_push(nest_fix **v, size_t *n, size_t *cap, nest_fix f)
{
    if (*n == *cap) {
        size_t c = *cap ? *cap * 2 : 16;
        nest_fix *p = realloc(*v, c * sizeof *p);
        if (!p)
            return false;
        *v = p;
        *cap = c;
    }
    (*v)[(*n)++] = f;
    return true;
}

static int nest_structure(quire_arena *a, quire_node *body)
{
    nest_fix *fixes = NULL;
    size_t count = 0, cap = 0;
    quire_iter it;
    quire_node *n;
    quire_event ev;
    quire_iter_init(&it, body);
    while ((ev = quire_iter_next(&it, &n)) != QUIRE_EVENT_DONE) {
        if (ev != QUIRE_EVENT_ENTER || !n->parent)
            continue;
        const char *name = nest_name(n), *pname = nest_name(n->parent);
        /* elements outside the parent they need become divs or spans first */
        if (!name)
            ;
        else if (!strcmp(name, "li") && !(pname && (!strcmp(pname, "ul") ||
                                                     !strcmp(pname, "ol") ||
                                                     !strcmp(pname, "menu"))))
            nest_rename(n, "div", true);
        else if ((!strcmp(name, "dt") || !strcmp(name, "dd")) &&
                 !(pname && (!strcmp(pname, "dl") || !strcmp(pname, "div"))))
            nest_rename(n, "div", true);
        else if (!strcmp(name, "tr") && !(pname && !strcmp(pname, "table")))
            nest_rename(n, "div", true);
        else if ((!strcmp(name, "td") || !strcmp(name, "th")) && !(pname && !strcmp(pname, "tr")))
            nest_rename(n, "div", true);
        else if (!strcmp(name, "thead") || !strcmp(name, "tbody") || !strcmp(name, "tfoot") ||
                 !strcmp(name, "caption") || !strcmp(name, "col") || !strcmp(name, "colgroup"))
            /* tables are typed nodes: the renderer writes their sections */
            nest_rename(n, "div", true);
        else if ((!strcmp(name, "rt") || !strcmp(name, "rp")) && !(pname && !strcmp(pname, "ruby")))
            nest_rename(n, "span", false);
        else if (!strcmp(name, "figcaption") &&
                 !(pname && !strcmp(pname, "figure") && (!n->prev || !n->next) &&
                   !(n->prev && nest_is(n->parent->first_child, "figcaption"))))
            nest_rename(n, "div", true); /* one, first or last in a figure */
        /* a dl must end its groups with a description; a picture must
         * hold an img: otherwise they are only containers */
        if (name && (!strcmp(name, "dl") || !strcmp(name, "picture"))) {
            const quire_node *last = NULL, *img = NULL;
            for (const quire_node *c = n->first_child; c; c = c->next) {
                if (nest_is(c, "dt") || nest_is(c, "dd"))
                    last = c;
                if (nest_is(c, "img"))
                    img = c;
            }
            if (!strcmp(name, "dl") && (!last || nest_is(last, "dt")))
                nest_rename(n, "div", true);
            if (!strcmp(name, "picture") && !img)
                nest_rename(n, "span", false);
        }
        name = nest_name(n);
        const char *w = nest_child_fix(n->parent, n);
        bool ok = true;
        if (w)
            ok = nest_push(&fixes, &count, &cap, (nest_fix){n, *w ? w : NULL});
        else if (name && (!strcmp(name, "source") || !strcmp(name, "track")) &&
                 !(pname && !strcmp(pname, "picture") && !strcmp(name, "source")) &&
                 n->parent->type != QUIRE_NODE_EMBED)
            ok = nest_push(&fixes, &count, &cap, (nest_fix){n, NULL}); /* no media to belong to */
        if (!ok) {
            free(fixes);
            return QUIRE_ERR_NOMEM;
        }
    }
    for (size_t i = 0; i < count; i++) {
        quire_node *t = fixes[i].node;
        if (!fixes[i].wrapper) {
            quire_node_unlink(t);
            continue;
        }
        /* stray rows and cells become typed: the renderer writes them */
        quire_node_type type = !strcmp(fixes[i].wrapper, "tr")   ? QUIRE_NODE_TABLE_ROW
                               : !strcmp(fixes[i].wrapper, "td") ? QUIRE_NODE_TABLE_CELL
                                                                 : QUIRE_NODE_HTML_BLOCK;
        quire_node *w = quire_node_new(a, type, t->line, t->column);
        if (!w) {
            free(fixes);
            return QUIRE_ERR_NOMEM;
        }
        if (type == QUIRE_NODE_HTML_BLOCK)
            w->name = fixes[i].wrapper;
        if (type == QUIRE_NODE_TABLE_ROW && t->prev && (t->prev->flags & QUIRE_NODE_FLAG_HEADER))
            w->flags |= QUIRE_NODE_FLAG_HEADER;
        quire_node_insert_before(t, w);
        quire_node_unlink(t);
        quire_node_append(w, t);
        /* a stray row inside a table gets a cell around its content too */
        if (type == QUIRE_NODE_TABLE_ROW && !nest_is(t, "td") && !nest_is(t, "th")) {
            quire_node *cell = quire_node_new(a, QUIRE_NODE_TABLE_CELL, t->line, t->column);
            if (!cell) {
                free(fixes);
                return QUIRE_ERR_NOMEM;
            }
            quire_node_unlink(t);
            quire_node_append(w, cell);
            quire_node_append(cell, t);
        }
    }
    free(fixes);
    return QUIRE_OK;
}

/* ------------------------------------------------------------------ content */

typedef struct nest_ctx {
    quire_node *node;
    bool flow;    /* flow content allowed here (else phrasing only) */
    bool in_a;    /* inside a link: no other link */
} nest_ctx;

static int nest_content(quire_node *body)
{
    size_t depth = 0, cap = 64;
    nest_ctx *stack = malloc(cap * sizeof *stack);
    if (!stack)
        return QUIRE_ERR_NOMEM;
    stack[depth++] = (nest_ctx){body, true, false};
    quire_iter it;
    quire_node *n;
    quire_event ev;
    quire_iter_init(&it, body);
    (void)quire_iter_next(&it, &n); /* the root itself */
    while ((ev = quire_iter_next(&it, &n)) != QUIRE_EVENT_DONE) {
        if (ev == QUIRE_EVENT_EXIT) {
            if (depth > 1 && stack[depth - 1].node == n)
                depth--;
            continue;
        }
        nest_ctx *top = &stack[depth - 1];
        const char *name = nest_name(n);
        if (name && !top->flow && nest_in(nest_blocks, name)) {
            /* a paragraph holding blocks becomes a div where its parent
             * takes flow content (the EPUB writer's rule) */
            quire_node *par = top->node;
            if (depth >= 2 && stack[depth - 2].flow && nest_is(par, "p")) {
                nest_rename(par, "div", true);
                top->flow = true;
            } else {
                nest_rename(n, "span", false);
                name = "span";
            }
        }
        if (name && !strcmp(name, "a") && top->in_a) {
            nest_rename(n, "span", false); /* no link inside a link */
            name = "span";
        }
        if (quire_node_is_leaf(n))
            continue;
        nest_ctx c = {n, top->flow, top->in_a};
        if (name && nest_in(nest_phrasing_parents, name))
            c.flow = false;
        else if (name && !nest_in(nest_transparent, name))
            c.flow = true; /* div, li, td, blockquote, figure... */
        if (name && !strcmp(name, "a"))
            c.in_a = true;
        if (depth == cap) {
            nest_ctx *s = realloc(stack, (cap *= 2) * sizeof *s);
            if (!s) {
                free(stack);
                return QUIRE_ERR_NOMEM;
            }
            stack = s;
        }
        stack[depth++] = c;
    }
    free(stack);
    return QUIRE_OK;
}

/* A void element never renders its children, and a parser that does not
 * know one as void ("<source>" to older libxml2) nests what follows inside
 * it: those children move out, after it. */
static int nest_hoist_void(quire_node *body)
{
    static const char *const voids[] = {"source", "track", "wbr", "col", "br", "hr", "img", NULL};
    quire_node **list = NULL;
    size_t count = 0, cap = 0;
    quire_iter it;
    quire_node *n;
    quire_event ev;
    quire_iter_init(&it, body);
    while ((ev = quire_iter_next(&it, &n)) != QUIRE_EVENT_DONE) {
        if (ev != QUIRE_EVENT_ENTER || !n->first_child || !nest_in(voids, nest_name(n)) ||
            (n->type != QUIRE_NODE_HTML_BLOCK && n->type != QUIRE_NODE_HTML_INLINE))
            continue;
        if (count == cap) {
            size_t c = cap ? cap * 2 : 16;
            quire_node **l = realloc(list, c * sizeof *l);
            if (!l) {
                free(list);
                return QUIRE_ERR_NOMEM;
            }
            list = l;
            cap = c;
        }
        list[count++] = n;
    }
    /* innermost first, so a nested void's children end up in order */
    for (size_t i = count; i-- > 0;) {
        quire_node *v = list[i];
        while (v->last_child) {
            quire_node *c = v->last_child;
            quire_node_unlink(c);
            quire_node_insert_after(v, c);
        }
    }
    free(list);
    return QUIRE_OK;
}

int quire__html_fix_nesting(quire_arena *a, quire_node *body)
{
    if (!body)
        return QUIRE_OK;
    int rc = nest_hoist_void(body);
    if (rc == QUIRE_OK)
        rc = nest_structure(a, body);
    return rc == QUIRE_OK ? nest_content(body) : rc;
}
