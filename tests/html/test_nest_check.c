/* test_nest_check.c — the html writer's nesting repair skips its three
 * passes when a cheaper walk finds nothing they would change
 * (quire__html_nest_clean).  Over many random bodies, mostly well formed
 * and some hostile (blocks in phrasing, links in links, stray rows, items,
 * captions, sources, void elements with children, deep nesting), the
 * repair with the check must give the same tree as the passes alone, and
 * a body found clean must come out of the passes unchanged. */
#include "check.h"
#include "html_internal.h"
#include "../node_dump.h"

static uint32_t rng = 0x9e3779b9u;

static uint32_t next(void)
{
    rng ^= rng << 13, rng ^= rng >> 17, rng ^= rng << 5;
    return rng;
}

/* The element names the repair knows, some it does not, and none. */
static const char *const raw_names[] = {
    "a", "abbr", "address", "article", "aside", "b", "bdi", "bdo", "blockquote", "br",
    "caption", "cite", "code", "col", "colgroup", "data", "dd", "del", "details", "dfn",
    "dialog", "div", "dl", "dt", "em", "fieldset", "figcaption", "figure", "footer", "form",
    "h1", "h2", "h3", "h4", "h5", "h6", "header", "hgroup", "hr", "i", "img", "ins", "kbd",
    "label", "legend", "li", "main", "mark", "menu", "nav", "ol", "p", "picture", "pre", "q",
    "rp", "rt", "ruby", "s", "samp", "section", "small", "source", "span", "strong", "sub",
    "summary", "sup", "table", "tbody", "td", "tfoot", "th", "thead", "time", "tr", "track",
    "u", "ul", "var", "wbr", "iframe", "video", "salmon", "x", NULL,
};

static quire_node *make(quire_arena *a, quire_node *parent, quire_node_type type, const char *name)
{
    quire_node *n = quire_node_new(a, type, next() % 50 + 1, next() % 80 + 1);
    if (!n)
        return NULL;
    n->name = name;
    if (type == QUIRE_NODE_TEXT)
        n->literal = next() % 4 ? "words" : " \n\t";
    if (type == QUIRE_NODE_CODE || type == QUIRE_NODE_CODE_BLOCK)
        n->literal = "x < y";
    if (type == QUIRE_NODE_LINK || type == QUIRE_NODE_IMAGE || type == QUIRE_NODE_EMBED)
        n->url = "https://example.com/v";
    if (type == QUIRE_NODE_HEADING)
        n->level = 2;
    if (type == QUIRE_NODE_LIST && next() % 2)
        n->flags |= QUIRE_NODE_FLAG_TIGHT;
    if (type == QUIRE_NODE_TABLE_ROW && next() % 3 == 0)
        n->flags |= QUIRE_NODE_FLAG_HEADER;
    if (next() % 5 == 0) {
        quire_node_set_attr(a, n, "id", "i");
        quire_node_set_attr(a, n, "href", "h");
    }
    quire_node_append(parent, n);
    return n;
}

static quire_node *make_raw(quire_arena *a, quire_node *parent, bool block)
{
    size_t count = sizeof raw_names / sizeof *raw_names;
    return make(a, parent, block ? QUIRE_NODE_HTML_BLOCK : QUIRE_NODE_HTML_INLINE,
                raw_names[next() % count]);
}

static void inlines(quire_arena *a, quire_node *parent, int depth, unsigned hostile);

/* Any node at all, under any parent: what a hostile HTML body or a filter
 * could make. */
static void anything(quire_arena *a, quire_node *parent, int depth, unsigned hostile)
{
    quire_node_type type = (quire_node_type)(next() % (QUIRE_NODE_TYPE_COUNT - 2) + 2);
    if (type == QUIRE_NODE_MORE)
        type = QUIRE_NODE_TEXT;
    quire_node *n = type == QUIRE_NODE_HTML_BLOCK || type == QUIRE_NODE_HTML_INLINE
                        ? make_raw(a, parent, type == QUIRE_NODE_HTML_BLOCK)
                        : make(a, parent, type, NULL);
    if (n && depth > 0)
        for (uint32_t k = next() % 4; k; k--)
            anything(a, n, depth - 1, hostile);
}

/* Phrasing content as Markdown makes it, with a hostile node now and then
 * (one in `hostile`). */
static void inlines(quire_arena *a, quire_node *parent, int depth, unsigned hostile)
{
    for (uint32_t k = next() % 5 + 1; k; k--) {
        if (hostile && next() % hostile == 0) {
            anything(a, parent, depth, hostile);
            continue;
        }
        static const quire_node_type leaves[] = {QUIRE_NODE_TEXT, QUIRE_NODE_SOFTBREAK,
                                                 QUIRE_NODE_LINEBREAK, QUIRE_NODE_CODE,
                                                 QUIRE_NODE_IMAGE, QUIRE_NODE_FOOTNOTE_REF};
        static const quire_node_type spans[] = {QUIRE_NODE_EMPH, QUIRE_NODE_STRONG,
                                                QUIRE_NODE_STRIKETHROUGH, QUIRE_NODE_LINK};
        uint32_t r = next() % 10;
        if (depth <= 0 || r < 5) {
            make(a, parent, leaves[next() % 6], NULL);
        } else if (r < 8) {
            /* no link inside a link, as Markdown makes them */
            quire_node_type t = spans[next() % 4];
            for (const quire_node *p = parent; p && t == QUIRE_NODE_LINK; p = p->parent)
                if (p->type == QUIRE_NODE_LINK)
                    t = QUIRE_NODE_EMPH;
            quire_node *n = make(a, parent, t, NULL);
            if (n)
                inlines(a, n, depth - 1, hostile);
        } else {
            static const char *const ok[] = {"i", "b", "span", "code", "abbr", "sub", "x"};
            quire_node *n = make(a, parent, QUIRE_NODE_HTML_INLINE, ok[next() % 7]);
            if (n)
                inlines(a, n, depth - 1, hostile);
        }
    }
}

/* Flow content as Markdown (and block HTML) makes it. */
static void blocks(quire_arena *a, quire_node *parent, int depth, unsigned hostile)
{
    for (uint32_t k = next() % 5 + 1; k; k--) {
        if (hostile && next() % hostile == 0) {
            anything(a, parent, depth, hostile);
            continue;
        }
        quire_node *n;
        switch (depth <= 0 ? next() % 3 : next() % 12) {
        case 0:
            if ((n = make(a, parent, QUIRE_NODE_PARAGRAPH, NULL)))
                inlines(a, n, depth, hostile);
            break;
        case 1:
            if ((n = make(a, parent, QUIRE_NODE_HEADING, NULL)))
                inlines(a, n, depth, hostile);
            break;
        case 2:
            make(a, parent, next() % 2 ? QUIRE_NODE_CODE_BLOCK : QUIRE_NODE_THEMATIC_BREAK, NULL);
            break;
        case 3:
            if ((n = make(a, parent, QUIRE_NODE_BLOCKQUOTE, NULL)))
                blocks(a, n, depth - 1, hostile);
            break;
        case 4:
            if ((n = make(a, parent, QUIRE_NODE_LIST, NULL)))
                for (uint32_t i = next() % 3 + 1; i; i--) {
                    quire_node *item = make(a, n, QUIRE_NODE_ITEM, NULL);
                    if (item)
                        blocks(a, item, depth - 1, hostile);
                }
            break;
        case 5:
            if ((n = make(a, parent, QUIRE_NODE_TABLE, NULL)))
                for (uint32_t i = next() % 3 + 1; i; i--) {
                    quire_node *row = make(a, n, QUIRE_NODE_TABLE_ROW, NULL);
                    for (uint32_t j = next() % 3 + 1; row && j; j--) {
                        quire_node *cell = make(a, row, QUIRE_NODE_TABLE_CELL, NULL);
                        if (cell)
                            inlines(a, cell, depth - 1, hostile);
                    }
                }
            break;
        case 6:
            if ((n = make(a, parent, QUIRE_NODE_FIGURE, NULL))) {
                bool first = next() % 2;
                quire_node *cap = first ? make(a, n, QUIRE_NODE_CAPTION, NULL) : NULL;
                make(a, n, QUIRE_NODE_IMAGE, NULL);
                if (!first)
                    cap = make(a, n, QUIRE_NODE_CAPTION, NULL);
                if (cap)
                    inlines(a, cap, depth - 1, hostile);
            }
            break;
        case 7:
            if ((n = make(a, parent, QUIRE_NODE_FOOTNOTE_DEF, NULL)))
                blocks(a, n, depth - 1, hostile);
            break;
        case 8:
            make(a, parent, QUIRE_NODE_EMBED, NULL);
            break;
        case 9: {
            static const char *const ok[] = {"div", "section", "aside", "p", "salmon"};
            const char *name = ok[next() % 5];
            if ((n = make(a, parent, QUIRE_NODE_HTML_BLOCK, name))) {
                if (name[0] == 'p')
                    inlines(a, n, depth - 1, hostile);
                else
                    blocks(a, n, depth - 1, hostile);
            }
            break;
        }
        default:
            if ((n = make(a, parent, QUIRE_NODE_PARAGRAPH, NULL)))
                inlines(a, n, depth, hostile);
            break;
        }
    }
}

static char *dump(const quire_node *n)
{
    quire_buf b;
    quire__buf_init(&b);
    test_node_dump(&b, n, 0);
    char *s = strdup(quire__buf_cstr(&b));
    quire__buf_free(&b);
    return s;
}

/* Whether two strings are the same (both may be NULL). */
static bool same_str(const char *x, const char *y)
{
    return x == y || (x && y && strcmp(x, y) == 0);
}

/* Whether two trees hold the same (what test_node_dump prints), without
 * printing them: most bodies pass. */
static bool same_tree(const quire_node *x, const quire_node *y)
{
    if (x->type != y->type || x->flags != y->flags || x->line != y->line ||
        x->column != y->column || !same_str(x->name, y->name) ||
        !same_str(x->literal, y->literal) || !same_str(x->url, y->url) ||
        !same_str(x->title, y->title) || !same_str(x->info, y->info) || x->level != y->level ||
        x->width != y->width || x->height != y->height || x->align != y->align ||
        x->embed_kind != y->embed_kind)
        return false;
    const quire_attr *ax = x->attrs, *ay = y->attrs;
    for (; ax && ay; ax = ax->next, ay = ay->next)
        if (!same_str(ax->name, ay->name) || !same_str(ax->value, ay->value))
            return false;
    if (ax || ay)
        return false;
    const quire_node *cx = x->first_child, *cy = y->first_child;
    for (; cx && cy; cx = cx->next, cy = cy->next)
        if (!same_tree(cx, cy))
            return false;
    return !cx && !cy;
}

static size_t n_clean, n_dirty;

/* The check against the passes on one body. */
static void compare(quire_arena *a, const quire_node *body)
{
    /* the copies leave out leaves' children, which nothing renders */
    quire_node *orig = quire__node_clone_shared(a, body);
    quire_node *fast = quire__node_clone_shared(a, body);
    quire_node *slow = quire__node_clone_shared(a, body);
    CHECK(orig && fast && slow);
    if (!orig || !fast || !slow)
        return;
    bool clean = quire__html_nest_clean(orig);
    CHECK(quire__html_fix_nesting(a, fast) == QUIRE_OK);
    CHECK(quire__html_nest_passes(a, slow) == QUIRE_OK);
    clean ? n_clean++ : n_dirty++;
    /* clean: the passes change nothing */
    if (same_tree(fast, slow) && (!clean || same_tree(slow, orig)))
        return;
    char *before = dump(orig), *f = dump(fast), *s = dump(slow);
    CHECK_STR(f, s);
    if (clean)
        CHECK_STR(s, before);
    free(before);
    free(f);
    free(s);
}

static void random_bodies(void)
{
    for (int i = 0; i < 6000; i++) {
        quire_arena *a = quire_arena_new();
        quire_node *body = quire_node_new(a, QUIRE_NODE_ROOT, 1, 1);
        /* half well formed, the others with one hostile node in 40 to 3 */
        static const unsigned hostile[] = {0, 0, 0, 0, 40, 12, 6, 3};
        blocks(a, body, (int)(next() % 6), hostile[next() % 8]);
        compare(a, body);
        quire_arena_free(a);
    }
    fprintf(stderr, "random bodies: %zu clean, %zu not\n", n_clean, n_dirty);
    /* both answers must have been tried many times */
    CHECK(n_clean > 1000);
    CHECK(n_dirty > 1000);
}

/* Every node kind: each typed one, and each raw name as a block and as
 * an inline element. */
typedef struct node_kind {
    quire_node_type type;
    const char *name;
} node_kind;

static size_t kinds(node_kind *out)
{
    size_t n = 0;
    for (int t = QUIRE_NODE_PARAGRAPH; t < QUIRE_NODE_TYPE_COUNT; t++)
        if (t != QUIRE_NODE_HTML_BLOCK && t != QUIRE_NODE_HTML_INLINE && t != QUIRE_NODE_MORE)
            out[n++] = (node_kind){(quire_node_type)t, NULL};
    for (size_t i = 0; raw_names[i]; i++) {
        out[n++] = (node_kind){QUIRE_NODE_HTML_BLOCK, raw_names[i]};
        out[n++] = (node_kind){QUIRE_NODE_HTML_INLINE, raw_names[i]};
    }
    return n;
}

/* Every pair of kinds as parent and child, and as two siblings, under the
 * root and under a paragraph; then random chains of three with a
 * sibling: each question the check asks, alone. */
static void small_bodies(void)
{
    node_kind k[256];
    size_t nk = kinds(k);
    for (size_t i = 0; i < nk; i++) {
        for (size_t j = 0; j < nk; j++) {
            for (int shape = 0; shape < 3; shape++) {
                quire_arena *a = quire_arena_new();
                quire_node *body = quire_node_new(a, QUIRE_NODE_ROOT, 1, 1);
                quire_node *top = shape == 2 ? make(a, body, QUIRE_NODE_PARAGRAPH, NULL) : body;
                quire_node *x = make(a, top, k[i].type, k[i].name);
                if (x)
                    make(a, shape == 1 ? top : x, k[j].type, k[j].name);
                compare(a, body);
                quire_arena_free(a);
            }
        }
    }
    for (int r = 0; r < 40000; r++) {
        quire_arena *a = quire_arena_new();
        quire_node *body = quire_node_new(a, QUIRE_NODE_ROOT, 1, 1);
        quire_node *n = body;
        for (int d = 0; d < 3 && n; d++) {
            const node_kind *c = &k[next() % nk];
            if (next() % 3 == 0)
                make(a, n, c->type, c->name);
            const node_kind *e = &k[next() % nk];
            n = make(a, n, e->type, e->name);
        }
        compare(a, body);
        quire_arena_free(a);
    }
}

/* Nesting around the check's depth limit, clean and not: a chain of
 * blockquotes (flow) or emphasis (phrasing) with a paragraph, a div or a
 * link inside a link at the bottom. */
static void deep_bodies(void)
{
    static const int depths[] = {1, 2, 60, 126, 127, 128, 129, 130, 500, 5000};
    for (size_t d = 0; d < sizeof depths / sizeof *depths; d++) {
        for (int kind = 0; kind < 4; kind++) {
            quire_arena *a = quire_arena_new();
            quire_node *body = quire_node_new(a, QUIRE_NODE_ROOT, 1, 1);
            quire_node *n = body;
            if (kind >= 2)
                n = make(a, n, QUIRE_NODE_PARAGRAPH, NULL);
            for (int i = 0; i < depths[d] && n; i++)
                n = make(a, n, kind < 2 ? QUIRE_NODE_BLOCKQUOTE
                                 : kind == 3 && i == 0 ? QUIRE_NODE_LINK : QUIRE_NODE_EMPH,
                         NULL);
            if (n && kind == 1)
                make(a, make(a, n, QUIRE_NODE_PARAGRAPH, NULL), QUIRE_NODE_TEXT, NULL);
            if (n && kind == 2)
                make(a, n, QUIRE_NODE_TEXT, NULL);
            if (n && kind == 3)
                make(a, n, QUIRE_NODE_LINK, NULL);
            if (n && kind == 0)
                make(a, n, QUIRE_NODE_HTML_BLOCK, "div");
            size_t clean_before = n_clean;
            compare(a, body);
            /* the shallow clean ones are found clean; past the limit
             * the check gives up */
            if (depths[d] < 120 && kind != 3)
                CHECK(n_clean == clean_before + 1);
            if (depths[d] > 130)
                CHECK(n_clean == clean_before);
            quire_arena_free(a);
        }
    }
}

int main(void)
{
    random_bodies();
    small_bodies();
    deep_bodies();
    return CHECK_DONE();
}
