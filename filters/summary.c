/*
 * summary.c — filter "summary": fill a missing summary from the body.
 *
 * The source, in order of preference:
 *   1. the text before the first MORE node (<!--more-->), when there is any;
 *   2. else the first paragraph that has text (one holding only an image
 *      without alt text says nothing), outside footnotes.
 * The text is plain (TEXT, CODE, image alt; never markup), whitespace runs
 * become one space, and a text longer than length= bytes is cut at the last
 * space within the limit, then "…" is appended (so the result is at most
 * length + 3 bytes).  A single word longer than the limit is cut at a
 * character boundary, never inside a UTF-8 sequence.
 *
 * Options:
 *   length=N     bytes of text to keep (default 300, at least 1)
 *   force=true   recompute even when the document has a summary
 */
#include "internal.h"

#include <string.h>

#define SUMMARY_NAME "summary"
#define SUMMARY_ELLIPSIS "\xe2\x80\xa6" /* … */

typedef struct summary_priv {
    size_t length;
    bool force;
} summary_priv;

/* Elements whose text is never prose. */
static bool summary_skip_element(const quire_node *n)
{
    static const char *const names[] = {"script", "style", "template", "noscript", NULL};
    if (!n->name)
        return false;
    for (size_t i = 0; names[i]; i++)
        if (strcmp(n->name, names[i]) == 0)
            return true;
    return false;
}

/*
 * Append the plain text of root's subtree to b, blocks separated by spaces.
 * With stop_at_more, stop at the first MORE node and return true when one was
 * met.  Footnote definitions are not part of the running text: skipped.
 */
static bool summary_text(quire_buf *b, quire_node *root, bool stop_at_more)
{
    quire_iter it;
    quire_node *n;
    quire_event ev;
    quire_iter_init(&it, root);
    while ((ev = quire_iter_next(&it, &n)) != QUIRE_EVENT_DONE) {
        if (ev != QUIRE_EVENT_ENTER) {
            if (quire_node_is_block(n))
                quire__buf_putc(b, ' ');
            continue;
        }
        switch (n->type) {
        case QUIRE_NODE_MORE:
            if (stop_at_more)
                return true;
            break;
        case QUIRE_NODE_FOOTNOTE_DEF:
            quire_iter_skip_children(&it);
            break;
        case QUIRE_NODE_HTML_BLOCK:
        case QUIRE_NODE_HTML_INLINE:
            if (summary_skip_element(n))
                quire_iter_skip_children(&it);
            break;
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
            break;
        }
        if (quire_node_is_block(n) && quire_node_is_leaf(n))
            quire__buf_putc(b, ' '); /* a leaf block gets no EXIT event */
    }
    return false;
}

static bool summary_space(unsigned char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

/* Collapse whitespace runs to one space and trim, in place. */
static void summary_collapse(quire_buf *b)
{
    size_t w = 0;
    bool pending = false;
    for (size_t i = 0; i < b->len; i++) {
        unsigned char c = (unsigned char)b->data[i];
        if (summary_space(c)) {
            pending = w > 0;
            continue;
        }
        if (pending)
            b->data[w++] = ' ';
        pending = false;
        b->data[w++] = (char)c;
    }
    b->len = w;
    if (b->data)
        b->data[w] = '\0';
}

/* The first paragraph with text, outside footnote definitions. */
static bool summary_first_paragraph(quire_buf *b, quire_node *body)
{
    quire_iter it;
    quire_node *n;
    quire_event ev;
    quire_iter_init(&it, body);
    while ((ev = quire_iter_next(&it, &n)) != QUIRE_EVENT_DONE) {
        if (ev != QUIRE_EVENT_ENTER)
            continue;
        if (n->type == QUIRE_NODE_FOOTNOTE_DEF ||
            ((n->type == QUIRE_NODE_HTML_BLOCK || n->type == QUIRE_NODE_HTML_INLINE) &&
             summary_skip_element(n))) {
            quire_iter_skip_children(&it);
            continue;
        }
        if (n->type != QUIRE_NODE_PARAGRAPH)
            continue;
        quire__buf_reset(b);
        summary_text(b, n, false);
        summary_collapse(b);
        if (b->len)
            return true;
        quire_iter_skip_children(&it);
    }
    return false;
}

/* Where to cut text[0..len) so that at most max bytes remain: after the last
 * whole word that fits, or at a character boundary when none does. */
static size_t summary_cut(const char *text, size_t len, size_t max)
{
    size_t end = 0;
    /* text[max] == ' ' means text[0..max) ends with a whole word. */
    for (size_t i = max < len ? max : len; i > 0; i--) {
        if (text[i] == ' ') {
            end = i;
            break;
        }
    }
    /* No comma or dash right before the ellipsis: "word,…" reads badly. */
    while (end > 0 && strchr(" ,;:-", text[end - 1]))
        end--;
    if (end == 0) {
        end = max;
        while (end > 0 && ((unsigned char)text[end] & 0xC0) == 0x80)
            end--;
    }
    return end;
}

static int summary_init(quire_filter_ctx *ctx)
{
    static const char *const known[] = {"length", "force", NULL};
    summary_priv *p = ctx->priv;
    int rc = quire__filter_check_options(ctx, known);
    if (!rc)
        rc = quire__filter_opt_size(ctx, "length", 300, &p->length);
    if (!rc && p->length == 0) {
        quire_diag_add(ctx->diags, QUIRE_SEV_ERROR, SUMMARY_NAME, NULL, 0, 0,
                       "length= must be at least 1");
        rc = QUIRE_ERR_USAGE;
    }
    if (!rc)
        rc = quire__filter_opt_bool(ctx, "force", false, &p->force);
    return rc;
}

static int summary_run(quire_filter_ctx *ctx, quire_document *doc)
{
    const summary_priv *p = ctx->priv;
    if ((doc->summary && *doc->summary && !p->force) || !doc->body)
        return QUIRE_OK;
    quire_buf b;
    quire__buf_init(&b);
    bool found = summary_text(&b, doc->body, true);
    summary_collapse(&b);
    if (!found || !b.len)
        found = summary_first_paragraph(&b, doc->body);
    int rc = QUIRE_OK;
    if (b.oom) {
        rc = QUIRE_ERR_NOMEM;
    } else if (found && b.len) {
        bool cut = b.len > p->length;
        size_t end = cut ? summary_cut(b.data, b.len, p->length) : b.len;
        size_t extra = cut ? sizeof SUMMARY_ELLIPSIS - 1 : 0;
        char *s = quire_arena_alloc(doc->arena, end + extra + 1);
        if (s) {
            memcpy(s, b.data, end);
            memcpy(s + end, SUMMARY_ELLIPSIS, extra);
            s[end + extra] = '\0';
            doc->summary = s;
        } else {
            rc = QUIRE_ERR_NOMEM;
        }
    }
    quire__buf_free(&b);
    return rc;
}

const quire_filter quire_filter_summary = {
    .version = QUIRE_COMPONENT_VERSION,
    .name = SUMMARY_NAME,
    .description = "fill a missing summary from <!--more--> or the first paragraph, cut at a word",
    .scope = QUIRE_FILTER_DOCUMENT,
    .priv_size = sizeof(summary_priv),
    .init = summary_init,
    .run_document = summary_run,
};
