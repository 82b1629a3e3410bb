/*
 * render_text.c — the model as plain text (JSON Feed content_text, summaries).
 * Blocks are separated by blank lines, list items start with "- " or "N. ",
 * links keep their text only.  Iterative, like the HTML renderer.
 */
#include "internal.h"

#include <string.h>

static void ensure_blank_line(quire_buf *b)
{
    if (!b->len)
        return;
    while (b->len && (b->data[b->len - 1] == ' '))
        b->data[--b->len] = '\0';
    if (!b->len) /* only spaces so far: nothing to separate from */
        return;
    if (b->data[b->len - 1] != '\n')
        quire__buf_putc(b, '\n');
    if (b->len < 2 || b->data[b->len - 2] != '\n')
        quire__buf_putc(b, '\n');
}

static void ensure_newline(quire_buf *b)
{
    if (b->len && b->data[b->len - 1] != '\n')
        quire__buf_putc(b, '\n');
}

static void put_clean(quire_buf *b, const char *s)
{
    if (!s)
        return;
    const unsigned char *p = (const unsigned char *)s;
    size_t n = strlen(s), i = 0, run = 0;
    while (i < n) {
        if (p[i] >= 0x20 && p[i] < 0x80) { i++; continue; }
        quire__buf_put(b, s + run, i - run);
        uint32_t cp;
        size_t k = p[i] < 0x80 ? 1 : quire__utf8_decode(p + i, n - i, &cp);
        if (p[i] < 0x80) {
            if (p[i] == '\t' || p[i] == '\n')
                quire__buf_putc(b, (char)p[i]);
        } else if (!k) {
            quire__utf8_put(b, 0xFFFD);
            k = 1;
        } else if (quire__xml_char_ok(cp)) {
            quire__buf_put(b, s + i, k);
        }
        i += k;
        run = i;
    }
    quire__buf_put(b, s + run, i - run);
}

void quire__render_text(quire_buf *out, const quire_node *root)
{
    quire_iter it;
    quire_node *n;
    quire_event ev;
    size_t start = out->len;
    const quire_node *last_item = NULL;
    int last_number = 0;
    quire_iter_init(&it, (quire_node *)root);
    while ((ev = quire_iter_next(&it, &n)) != QUIRE_EVENT_DONE) {
        if (ev == QUIRE_EVENT_EXIT) {
            switch (n->type) {
            case QUIRE_NODE_PARAGRAPH:
            case QUIRE_NODE_HEADING:
            case QUIRE_NODE_TABLE:
            case QUIRE_NODE_BLOCKQUOTE:
            case QUIRE_NODE_FIGURE:
                ensure_blank_line(out);
                break;
            case QUIRE_NODE_TABLE_ROW:
            case QUIRE_NODE_ITEM:
                ensure_newline(out);
                break;
            case QUIRE_NODE_TABLE_CELL:
                if (n->next)
                    quire__buf_puts(out, " | ");
                break;
            case QUIRE_NODE_HTML_BLOCK:
                ensure_newline(out);
                break;
            default:
                break;
            }
            continue;
        }
        switch (n->type) {
        case QUIRE_NODE_TEXT:
        case QUIRE_NODE_CODE:
            put_clean(out, n->literal);
            break;
        case QUIRE_NODE_CODE_BLOCK:
            ensure_blank_line(out);
            put_clean(out, n->literal);
            ensure_blank_line(out);
            break;
        case QUIRE_NODE_SOFTBREAK:
            quire__buf_putc(out, ' ');
            break;
        case QUIRE_NODE_LINEBREAK:
            quire__buf_putc(out, '\n');
            break;
        case QUIRE_NODE_IMAGE:
            if (n->literal && *n->literal) {
                quire__buf_putc(out, '[');
                put_clean(out, n->literal);
                quire__buf_putc(out, ']');
            }
            break;
        case QUIRE_NODE_EMBED:
            put_clean(out, n->title && *n->title ? n->title : n->url);
            quire_iter_skip_children(&it);
            break;
        case QUIRE_NODE_ITEM: {
            ensure_newline(out);
            const quire_node *list = n->parent;
            if (list && (list->flags & QUIRE_NODE_FLAG_ORDERED)) {
                /* Items arrive in order: remember the last number per list
                 * instead of counting siblings (quadratic on huge lists). */
                int k;
                if (n->prev && n->prev == last_item)
                    k = last_number + 1;
                else {
                    k = list->level > 0 ? list->level : 1;
                    for (const quire_node *p = n->prev; p; p = p->prev)
                        k++;
                }
                last_item = n;
                last_number = k;
                quire__buf_printf(out, "%d. ", k);
            } else {
                quire__buf_puts(out, "- ");
            }
            break;
        }
        case QUIRE_NODE_THEMATIC_BREAK:
            ensure_blank_line(out);
            quire__buf_puts(out, "* * *");
            ensure_blank_line(out);
            break;
        case QUIRE_NODE_HTML_BLOCK:
        case QUIRE_NODE_HTML_INLINE:
            /* script and style text is never content */
            if (n->name && (!strcmp(n->name, "script") || !strcmp(n->name, "style")))
                quire_iter_skip_children(&it);
            break;
        default:
            break;
        }
    }
    /* No trailing whitespace: text feeds compare byte for byte. */
    while (out->len > start && (out->data[out->len - 1] == '\n' || out->data[out->len - 1] == ' '))
        out->data[--out->len] = '\0';
}
