/*
 * test_body.c — the Markdown body: GFM extensions, raw HTML parsed into
 * nodes, embeds, positions, hostile nesting, invalid UTF-8, and the probe.
 */
#include "rd_test.h"
#include "../node_dump.h"
#include "../../src/readers/html_to_model.h"

#include <pthread.h>
#include <time.h>

typedef struct rd_body {
    quire_diag_list diags;
    quire_read_ctx ctx;
    quire_collection *c;
    quire_document *doc;
    quire_node *body;
    int rc;
} rd_body;

static void rb_open(rd_body *r, const char *text)
{
    quire_diag_list_init(&r->diags);
    r->ctx = rd_ctx("body.md", &r->diags);
    r->rc = rd_read("markdown", &r->ctx, text, &r->c, &r->doc);
    r->body = r->doc ? r->doc->body : NULL;
}

static void rb_close(rd_body *r)
{
    quire_collection_free(r->c);
    quire_diag_list_free(&r->diags);
}

/* The dump of a Markdown snippet's body (caller frees). */
static char *rb_dump(const char *text)
{
    rd_body r;
    rb_open(&r, text);
    char *s = r.body ? rd_dump(r.body) : strdup("(no document)");
    rb_close(&r);
    return s;
}

#define CHECK_DUMP(text, want)      \
    do {                            \
        char *d_ = rb_dump(text);   \
        CHECK_STR(d_, want);        \
        free(d_);                   \
    } while (0)

/* No TEXT anywhere may still hold markup, and the parser's implied
 * wrappers must not appear. */
static bool rb_no_raw_html(quire_node *root)
{
    quire_iter it;
    quire_node *n;
    quire_event ev;
    quire_iter_init(&it, root);
    while ((ev = quire_iter_next(&it, &n)) != QUIRE_EVENT_DONE) {
        if (ev != QUIRE_EVENT_ENTER)
            continue;
        if (n->type == QUIRE_NODE_TEXT && n->parent->name == NULL &&
            (strstr(n->literal, "<i") || strstr(n->literal, "</") || strstr(n->literal, "<div")))
            return false;
        if (n->name && (strcmp(n->name, "html") == 0 || strcmp(n->name, "body") == 0))
            return false;
    }
    return true;
}

static void test_gfm(void)
{
    const char *md =
        "# Hi *there*\n"                       /* 1 */
        "\n"
        "| a | b | c |\n"                      /* 3 */
        "|:--|--:|:-:|\n"
        "| ~~x~~ | www.example.com | `c` |\n"  /* 5 */
        "\n"
        "- [ ] todo\n"                         /* 7 */
        "- [x] done\n"
        "\n"
        "Note[^1] and <https://auto.example/x> and ~y~.\n" /* 10 */
        "\n"
        "1. one\n"                             /* 12 */
        "\n"
        "   more\n"
        "2. two\n"
        "\n"
        "```c\n"                               /* 17 */
        "int x;\n"
        "```\n"
        "\n"
        "***\n"                                /* 21 */
        "\n"
        "[^1]: The note.\n";                   /* 23 */
    rd_body r;
    rb_open(&r, md);
    CHECK_INT(r.rc, QUIRE_OK);
    if (!r.body) {
        rb_close(&r);
        return;
    }
    quire_node *h = rd_find(r.body, QUIRE_NODE_HEADING, 0);
    CHECK(h && h->level == 1 && h->line == 1 && h->column == 1);
    CHECK(rd_find(r.body, QUIRE_NODE_EMPH, 0) != NULL);

    quire_node *t = rd_find(r.body, QUIRE_NODE_TABLE, 0);
    CHECK(t && t->line == 3);
    CHECK_INT(rd_children(t), 2);
    quire_node *row0 = rd_find(r.body, QUIRE_NODE_TABLE_ROW, 0);
    quire_node *row1 = rd_find(r.body, QUIRE_NODE_TABLE_ROW, 1);
    CHECK(row0 && (row0->flags & QUIRE_NODE_FLAG_HEADER));
    CHECK(row1 && !(row1->flags & QUIRE_NODE_FLAG_HEADER) && row1->line == 5);
    CHECK_INT(rd_children(row1), 3);
    quire_node *c0 = rd_find(r.body, QUIRE_NODE_TABLE_CELL, 3);
    CHECK(c0 && c0->align == QUIRE_ALIGN_LEFT && c0->column == 2);
    CHECK(c0 && c0->first_child && c0->first_child->type == QUIRE_NODE_STRIKETHROUGH);
    CHECK(rd_find(r.body, QUIRE_NODE_TABLE_CELL, 1)->align == QUIRE_ALIGN_RIGHT);
    CHECK(rd_find(r.body, QUIRE_NODE_TABLE_CELL, 2)->align == QUIRE_ALIGN_CENTER);
    quire_node *auto1 = rd_find(r.body, QUIRE_NODE_LINK, 0);
    CHECK(auto1 && strcmp(auto1->url, "http://www.example.com") == 0);
    quire_node *code = rd_find(r.body, QUIRE_NODE_CODE, 0);
    CHECK(code && strcmp(code->literal, "c") == 0);

    quire_node *list = rd_find(r.body, QUIRE_NODE_LIST, 0);
    CHECK(list && (list->flags & QUIRE_NODE_FLAG_TIGHT) && !(list->flags & QUIRE_NODE_FLAG_ORDERED));
    quire_node *i0 = rd_find(r.body, QUIRE_NODE_ITEM, 0), *i1 = rd_find(r.body, QUIRE_NODE_ITEM, 1);
    CHECK(i0 && (i0->flags & QUIRE_NODE_FLAG_TASK) && !(i0->flags & QUIRE_NODE_FLAG_CHECKED));
    CHECK(i1 && (i1->flags & QUIRE_NODE_FLAG_TASK) && (i1->flags & QUIRE_NODE_FLAG_CHECKED));
    CHECK(i0 && i0->line == 7 && i1 && i1->line == 8);
    if (i0) {
        char *d = rd_dump(i0);
        CHECK_STR(d, "(item (paragraph \"todo\"))");
        free(d);
    }

    quire_node *ref = rd_find(r.body, QUIRE_NODE_FOOTNOTE_REF, 0);
    CHECK(ref && ref->info && strcmp(ref->info, "1") == 0);
    quire_node *autolink = rd_find(r.body, QUIRE_NODE_LINK, 1);
    CHECK(autolink && strcmp(autolink->url, "https://auto.example/x") == 0);
    CHECK(rd_count(r.body, QUIRE_NODE_STRIKETHROUGH) == 2);

    quire_node *ol = rd_find(r.body, QUIRE_NODE_LIST, 1);
    CHECK(ol && (ol->flags & QUIRE_NODE_FLAG_ORDERED) && !(ol->flags & QUIRE_NODE_FLAG_TIGHT));
    CHECK(ol && ol->level == 1 && ol->line == 12);

    quire_node *cb = rd_find(r.body, QUIRE_NODE_CODE_BLOCK, 0);
    CHECK(cb && cb->info && strcmp(cb->info, "c") == 0 && strcmp(cb->literal, "int x;\n") == 0);
    CHECK(cb && cb->line == 17);
    quire_node *hr = rd_find(r.body, QUIRE_NODE_THEMATIC_BREAK, 0);
    CHECK(hr && hr->line == 21);

    quire_node *def = rd_find(r.body, QUIRE_NODE_FOOTNOTE_DEF, 0);
    CHECK(def && def->info && strcmp(def->info, "1") == 0 && def->parent == r.body);
    if (def) {
        char *d = rd_dump(def);
        CHECK_STR(d, "(footnote_def[1] (paragraph \"The note.\"))");
        free(d);
    }
    CHECK(rb_no_raw_html(r.body));
    CHECK_INT(r.diags.count, 0);
    rb_close(&r);

    /* Named footnotes referenced twice; the back-links are not content. */
    CHECK_DUMP("A[^n] b[^n].\n\n[^n]: Named.\n",
               "(root (paragraph \"A\" footnote_ref[n] \" b\" footnote_ref[n] \".\") "
               "(footnote_def[n] (paragraph \"Named.\")))");
    /* Loose task list: the box is before the paragraph. */
    CHECK_DUMP("- [x] a\n\n- [ ] b\n",
               "(root (list (item (paragraph \"a\")) (item (paragraph \"b\"))))");
    CHECK_DUMP("a\nb  \nc\n",
               "(root (paragraph \"a\" softbreak \"b\" linebreak \"c\"))");
    CHECK_DUMP("![alt *x*](/i.png \"T\") [l](/u \"LT\")\n",
               "(root (paragraph image</i.png>=\"alt x\" \" \" (link</u> \"l\")))");
}

static void test_raw_html(void)
{
    /* Inline HTML in fragments around Markdown. */
    CHECK_DUMP("a <span class=\"x\">b *c*</span> <i>d</i>\n",
               "(root (paragraph \"a \" (html_inline:span @class=x \"b \" (emph \"c\")) \" \" "
               "(emph \"d\")))");
    /* A block opened in one HTML block and closed in another. */
    CHECK_DUMP("<div class=\"note\">\n\nSome *markdown*.\n\n</div>\n",
               "(root (html_block:div @class=note (paragraph \"Some \" (emph \"markdown\") "
               "\".\")))");
    /* Entities are decoded; comments dropped except <!--more-->. */
    CHECK_DUMP("<p>a&nbsp;b &amp; &lt;c&gt; &#x263A;</p>\n\n<!-- note -->\n\n<!--more-->\n\nz\n",
               "(root (paragraph \"a\xC2\xA0" "b & <c> \xE2\x98\xBA\") more (paragraph \"z\"))");
    /* script and style stay (the sanitize filter decides), with raw text. */
    CHECK_DUMP("<script>if (a < b && c) x();</script>\n",
               "(root (html_block:script \"if (a < b && c) x();\"))");
    /* Boolean attributes get "", attribute names lower-case. */
    CHECK_DUMP("<details OPEN><summary>S</summary>\n\nbody\n\n</details>\n",
               "(root (html_block:details @open= (html_block:summary \"S\") "
               "(paragraph \"body\")))");
    /* Generic inline element with attributes, <b>/<strong>, <s>/<del>. */
    CHECK_DUMP("x <abbr title=\"T\">A</abbr> <b>b</b><strong>s</strong><s>d</s><del>e</del>\n",
               "(root (paragraph \"x \" (html_inline:abbr @title=T \"A\") \" \" (strong \"b\") "
               "(strong \"s\") (strikethrough \"d\") (strikethrough \"e\")))");
    /* Raw HTML table with thead, figure with caption, pre without code. */
    CHECK_DUMP("<table><thead><tr><th align=\"center\">H</th></tr></thead>"
               "<tbody><tr><td style=\"text-align: right\">D</td></tr></tbody></table>\n",
               "(root (table (table_row (table_cell:th \"H\")) (table_row (table_cell @style=text-align: right \"D\"))))");
    CHECK_DUMP("<figure><img src=\"f.png\" alt=\"F\" width=\"640\" height=\"480px\">"
               "<figcaption>Cap</figcaption></figure>\n",
               "(root (figure image<f.png>=\"F\" (caption \"Cap\")))");
    CHECK_DUMP("<pre class=\"x\"><b>bold</b> code\n</pre>\n",
               "(root code_block=\"bold code\n\" @class=x)");
    CHECK_DUMP("<ul><li>one</li><li><p>two</p></li></ul>\n",
               "(root (list (item (paragraph \"one\")) (item (paragraph \"two\"))))");

    rd_body r;
    rb_open(&r, "<img src=\"f.png\" width=\"640\" height=\"480px\">\n");
    quire_node *img = r.body ? rd_find(r.body, QUIRE_NODE_IMAGE, 0) : NULL;
    CHECK(img && img->width == 640 && img->height == 480);
    rb_close(&r);

    rb_open(&r, "<ul><li>x</li></ul>\n\n<ol start=\"7\"><li><p>a</p></li></ol>\n");
    quire_node *ul = r.body ? rd_find(r.body, QUIRE_NODE_LIST, 0) : NULL;
    quire_node *ol = r.body ? rd_find(r.body, QUIRE_NODE_LIST, 1) : NULL;
    CHECK(ul && (ul->flags & QUIRE_NODE_FLAG_TIGHT));
    CHECK(ol && !(ol->flags & QUIRE_NODE_FLAG_TIGHT) && ol->level == 7 &&
          (ol->flags & QUIRE_NODE_FLAG_ORDERED));
    rb_close(&r);
}

static void test_embeds(void)
{
    const char *md =
        "Text before.\n"
        "\n"
        "<iframe src=\"https://www.youtube-nocookie.com/embed/x\" title=\"V\" width=\"560\" "
        "allowfullscreen></iframe>\n"
        "\n"
        "See <iframe src=\"https://player.vimeo.com/video/1\"></iframe> here.\n"
        "\n"
        "<iframe src=\"https://youtu.be/abc\"></iframe>\n"
        "\n"
        "<video controls><source src=\"https://cdn.example.org/v.mp4\" type=\"video/mp4\"></video>\n"
        "\n"
        "<audio src=\"a.mp3\"></audio>\n"
        "\n"
        "<object data=\"https://Media.Example.NET:8080/o.swf\"></object>\n";
    rd_body r;
    rb_open(&r, md);
    CHECK_INT(r.rc, QUIRE_OK);
    if (!r.body) {
        rb_close(&r);
        return;
    }
    CHECK_INT(rd_count(r.body, QUIRE_NODE_EMBED), 6);
    quire_node *e0 = rd_find(r.body, QUIRE_NODE_EMBED, 0);
    CHECK(e0 && e0->parent == r.body && strcmp(e0->info, "YouTube") == 0 &&
          e0->embed_kind == QUIRE_EMBED_IFRAME && e0->width == 560 &&
          strcmp(e0->title, "V") == 0 && quire_node_attr(e0, "allowfullscreen") &&
          strcmp(quire_node_attr(e0, "allowfullscreen"), "") == 0);
    CHECK(e0 && e0->line == 3 && e0->column == 1);
    /* An embed inside a paragraph is lifted out, splitting it. */
    quire_node *e1 = rd_find(r.body, QUIRE_NODE_EMBED, 1);
    CHECK(e1 && e1->parent == r.body && strcmp(e1->info, "Vimeo") == 0);
    CHECK(e1 && e1->prev && e1->prev->type == QUIRE_NODE_PARAGRAPH && e1->next &&
          e1->next->type == QUIRE_NODE_PARAGRAPH);
    quire_node *e2 = rd_find(r.body, QUIRE_NODE_EMBED, 2);
    CHECK(e2 && strcmp(e2->info, "YouTube") == 0);
    quire_node *e3 = rd_find(r.body, QUIRE_NODE_EMBED, 3);
    CHECK(e3 && e3->embed_kind == QUIRE_EMBED_VIDEO && e3->url &&
          strcmp(e3->url, "https://cdn.example.org/v.mp4") == 0 &&
          strcmp(e3->info, "cdn.example.org") == 0);
    quire_node *e4 = rd_find(r.body, QUIRE_NODE_EMBED, 4);
    CHECK(e4 && e4->embed_kind == QUIRE_EMBED_AUDIO && e4->info == NULL);
    quire_node *e5 = rd_find(r.body, QUIRE_NODE_EMBED, 5);
    CHECK(e5 && e5->embed_kind == QUIRE_EMBED_OBJECT && e5->info &&
          strcmp(e5->info, "media.example.net") == 0);
    for (quire_node *p = r.body->first_child; p; p = p->next)
        CHECK(p->type != QUIRE_NODE_PARAGRAPH || rd_find(p, QUIRE_NODE_EMBED, 0) == NULL);
    rb_close(&r);
}

static void test_positions(void)
{
    rd_body r;
    rb_open(&r,
            "---\n"             /* 1 */
            "title: P\n"        /* 2 */
            "---\n"             /* 3 */
            "# H\n"             /* 4 */
            "\n"
            "para\n"            /* 6 */
            "\n"
            "<div>\n"           /* 8 */
            "  <p>in raw</p>\n" /* 9 */
            "</div>\n"
            "\n"
            "> quote\n"         /* 12 */
            "\n"
            "- a\n"             /* 14 */
            "\n"
            "  <section id=\"s\"><em>x</em></section>\n"); /* 16 */
    CHECK_INT(r.rc, QUIRE_OK);
    if (r.body) {
        CHECK_INT(r.doc->body_line, 4);
        quire_node *n = rd_find(r.body, QUIRE_NODE_HEADING, 0);
        CHECK(n && n->line == 4 && n->column == 1);
        n = rd_find(r.body, QUIRE_NODE_PARAGRAPH, 0);
        CHECK(n && n->line == 6);
        n = rd_find(r.body, QUIRE_NODE_HTML_BLOCK, 0);
        CHECK(n && n->line == 8 && n->column == 1);
        n = rd_find(r.body, QUIRE_NODE_PARAGRAPH, 1);
        CHECK(n && n->line == 9 && n->column == 3);
        n = rd_find(r.body, QUIRE_NODE_BLOCKQUOTE, 0);
        CHECK(n && n->line == 12);
        n = rd_find(r.body, QUIRE_NODE_HTML_BLOCK, 1);
        CHECK(n && n->name && strcmp(n->name, "section") == 0 && n->line == 16 &&
              n->column == 3);
        /* every node has a position */
        quire_iter it;
        quire_node *k;
        quire_event ev;
        quire_iter_init(&it, r.body);
        while ((ev = quire_iter_next(&it, &k)) != QUIRE_EVENT_DONE)
            if (ev == QUIRE_EVENT_ENTER && (k->line == 0 || k->column == 0)) {
                fprintf(stderr, "node %s without a position\n", quire_node_type_name(k->type));
                rd_failures++;
            }
    }
    rb_close(&r);
}

/* Containers on the deepest path, root included.  The bound the tests
 * allow is root + max_depth + 1: inline text flattened into the last
 * blockquote still gets wrapped in a paragraph. */
static size_t rb_max_depth(quire_node *root)
{
    size_t depth = 0, max = 0;
    quire_iter it;
    quire_node *n;
    quire_event ev;
    quire_iter_init(&it, root);
    while ((ev = quire_iter_next(&it, &n)) != QUIRE_EVENT_DONE) {
        if (quire_node_is_leaf(n))
            continue;
        if (ev == QUIRE_EVENT_ENTER && ++depth > max)
            max = depth;
        if (ev == QUIRE_EVENT_EXIT)
            depth--;
    }
    return max;
}

static void test_deep(void)
{
    const size_t N = 100000;
    quire_buf b;
    quire__buf_init(&b);
    for (size_t i = 0; i < N; i++)
        quire__buf_putc(&b, '>');
    quire__buf_puts(&b, " deep\n");
    rd_body r;
    clock_t t0 = clock();
    rb_open(&r, quire__buf_cstr(&b));
    CHECK_INT(r.rc, QUIRE_OK);
    CHECK(r.body && rb_max_depth(r.body) <= 514);
    CHECK(r.body && rd_find(r.body, QUIRE_NODE_TEXT, 0) &&
          strcmp(rd_find(r.body, QUIRE_NODE_TEXT, 0)->literal, "deep") == 0);
    CHECK(rd_has_diag(&r.diags, QUIRE_SEV_WARNING, 1, 0, "nested deeper"));
    rb_close(&r);

    quire__buf_reset(&b);
    for (size_t i = 0; i < N; i++)
        quire__buf_puts(&b, "<div>");
    quire__buf_puts(&b, "x");
    for (size_t i = 0; i < N; i++)
        quire__buf_puts(&b, "</div>");
    quire__buf_putc(&b, '\n');
    rb_open(&r, quire__buf_cstr(&b));
    CHECK_INT(r.rc, QUIRE_OK);
    CHECK(r.body && rb_max_depth(r.body) <= 514);
    CHECK(rd_has_diag(&r.diags, QUIRE_SEV_WARNING, 0, 0, "nested deeper"));
    rb_close(&r);

    /* Unclosed elements, 100,000 of them. */
    quire__buf_reset(&b);
    for (size_t i = 0; i < N; i++)
        quire__buf_puts(&b, "<span><em>");
    quire__buf_putc(&b, '\n');
    rb_open(&r, quire__buf_cstr(&b));
    CHECK_INT(r.rc, QUIRE_OK);
    CHECK(r.body && rb_max_depth(r.body) <= 514);
    rb_close(&r);

    /* A smaller limit from the context. */
    quire__buf_reset(&b);
    for (size_t i = 0; i < 50; i++)
        quire__buf_puts(&b, "> ");
    quire__buf_puts(&b, "x\n");
    quire_diag_list_init(&r.diags);
    r.ctx = rd_ctx("lim.md", &r.diags);
    r.ctx.limits.max_depth = 10;
    r.rc = rd_read("markdown", &r.ctx, quire__buf_cstr(&b), &r.c, &r.doc);
    CHECK(r.doc && rb_max_depth(r.doc->body) <= 12);
    rb_close(&r);
    double secs = (double)(clock() - t0) / CLOCKS_PER_SEC;
    CHECK(secs < 20.0);
    quire__buf_free(&b);
}

static void test_bad_utf8(void)
{
    rd_body r;
    rb_open(&r, "caf\xE9 \xFF\xFE <b>\xC3</b> \xF0\x9F\n\n<p title=\"\xE9\">x\xC0\xAF</p>\n");
    CHECK_INT(r.rc, QUIRE_OK);
    CHECK(r.body && rd_find(r.body, QUIRE_NODE_STRONG, 0));
    /* Broken UTF-8 (an overlong \xC0\xAF shows it is meant as UTF-8): each
     * bad byte becomes U+FFFD in the reader, with one warning at the first
     * (src/core/encoding.c), so nothing vanishes without a word. */
    quire_node *t = r.body ? rd_find(r.body, QUIRE_NODE_TEXT, 0) : NULL;
    CHECK(t && !memcmp(t->literal, "caf\xEF\xBF\xBD", 6));
    CHECK(rd_has_diag(&r.diags, QUIRE_SEV_WARNING, 1, 4, "invalid UTF-8"));
    rb_close(&r);

    rb_open(&r, "a\0b"); /* NUL ends the C string here; must not crash */
    CHECK_INT(r.rc, QUIRE_OK);
    rb_close(&r);
}

/* The clean-text check reads eight bytes at a time: a bad byte or a
 * forbidden control at any column of a long line, and after a newline, is
 * found, replaced and reported at its own line:column; clean non-ASCII text
 * is left alone with no warning. */
static void test_bad_bytes_any_offset(void)
{
    static const struct { const char *bad, *warn; } kinds[] = {
        {"\xFF", "Windows-1252"}, /* no UTF-8 at all: a legacy file, read as cp1252 */
        {"\xC3\xA9\xC3", "invalid UTF-8"},
        {"\xED\xA0\x80", "invalid UTF-8"},
        {"\x01", "control character"},
        {"\x0B", "control character"},
    };
    char text[256];
    for (size_t k = 0; k < sizeof kinds / sizeof *kinds; k++) {
        for (size_t at = 0; at < 20; at++) {
            /* line 1: 30 letters; line 2: `at` letters, the bad bytes, more */
            size_t n = 0;
            memset(text, 'x', 30);
            n = 30;
            text[n++] = '\n';
            memset(text + n, 'y', at);
            n += at;
            size_t bl = strlen(kinds[k].bad);
            memcpy(text + n, kinds[k].bad, bl);
            n += bl;
            memcpy(text + n, " tail of the line\n", 19);
            rd_body r;
            rb_open(&r, text);
            CHECK_INT(r.rc, QUIRE_OK);
            CHECK(rd_has_diag(&r.diags, QUIRE_SEV_WARNING, 2,
                              (uint32_t)at + 1 + (kinds[k].bad[0] == '\xC3' ? 2 : 0),
                              kinds[k].warn));
            CHECK(r.diags.count == 1);
            char *dump = rd_dump(r.body);
            CHECK(dump && strstr(dump, kinds[k].bad[0] == '\xFF' ? "\xC3\xBF" : "\xEF\xBF\xBD"));
            free(dump);
            rb_close(&r);
        }
    }
    const char *clean = "Malm\xC3\xB6, \xE6\x9D\xB1\xE4\xBA\xAC and \xF0\x9F\x98\x82\t"
                        "in a long enough line of clean text\r\nand more\n";
    rd_body r;
    rb_open(&r, clean);
    CHECK_INT(r.rc, QUIRE_OK);
    CHECK(r.diags.count == 0);
    char *dump = rd_dump(r.body);
    CHECK(dump && !strstr(dump, "\xEF\xBF\xBD") && strstr(dump, "\xF0\x9F\x98\x82"));
    free(dump);
    rb_close(&r);
}

/* The converter as the html reader uses it: positions from the text
 * itself, <head> skipped, data-sourcepos an ordinary attribute. */
static void test_html_mode(void)
{
    const char *page = "<!DOCTYPE html>\n"                       /* 1 */
                       "<html><head><title>T</title>\n"          /* 2 */
                       "<meta charset=\"iso-8859-1\"></head>\n" /* 3 */
                       "<body>\n"                                 /* 4 */
                       "<h2 id=\"x\">Head</h2>\n"               /* 5 */
                       "  <p data-sourcepos=\"9:9-9:9\">caf\xC3\xA9 <a href=\"/l\">l</a></p>\n" /* 6 */
                       "Loose <b>text</b>\n"                     /* 7 */
                       "</body></html>\n";
    quire_document *doc = quire_document_new();
    quire_diag_list d;
    quire_diag_list_init(&d);
    quire_read_ctx ctx = rd_ctx("page.html", &d);
    doc->body = quire_node_new(doc->arena, QUIRE_NODE_ROOT, 1, 1);
    int rc = quire__html_to_model(doc, doc->body, page, strlen(page), 10, 0, &ctx, "html");
    CHECK_INT(rc, QUIRE_OK);
    char *dump = rd_dump(doc->body);
    CHECK_STR(dump, "(root (heading:2 @id=x \"Head\") (paragraph @data-sourcepos=9:9-9:9 "
                    "\"caf\xC3\xA9 \" (link</l> \"l\")) (paragraph \"Loose \" (strong \"text\")))");
    free(dump);
    quire_node *h = rd_find(doc->body, QUIRE_NODE_HEADING, 0);
    CHECK(h && h->line == 15 && h->column == 1);
    quire_node *p = rd_find(doc->body, QUIRE_NODE_PARAGRAPH, 0);
    CHECK(p && p->line == 16 && p->column == 3);
    quire_node *a = rd_find(doc->body, QUIRE_NODE_LINK, 0);
    CHECK(a && a->line == 16 && a->column == 36); /* columns count characters */
    quire_document_free(doc);
    quire_diag_list_free(&d);

    quire_arena *ar = quire_arena_new();
    CHECK_STR(quire__embed_provider(ar, "https://m.youtube.com/watch?v=1"), "YouTube");
    CHECK_STR(quire__embed_provider(ar, "//www.youtube-nocookie.com/embed/1"), "YouTube");
    CHECK_STR(quire__embed_provider(ar, "https://notyoutube.com/x"), "notyoutube.com");
    CHECK_STR(quire__embed_provider(ar, "https://user@Vimeo.com:443/1"), "Vimeo");
    CHECK(quire__embed_provider(ar, "/local/video.mp4") == NULL);
    quire_arena_free(ar);
}

/* Raw HTML fragments and Markdown around them: what libxml2 made of the
 * whole rendering is what the walk over cmark's tree makes (expected
 * dumps taken from the rendering-and-reparse reader). */
static void test_raw_across_markdown(void)
{
    CHECK_DUMP("<div class=\"box\">\n\nInside *md* para.\n\n</div>\n\nAfter.\n",
               "(root (html_block:div @class=box (paragraph \"Inside \" (emph \"md\") \" para.\")) (paragraph \"After.\"))");
    CHECK_DUMP("a <i>b *c* d</i> e <a href=\"http://x.org/?a=1&amp;b=2\" title=\"T\">l</a> <span>unclosed\n\nnext para\n",
               "(root (paragraph \"a \" (emph \"b \" (emph \"c\") \" d\") \" e \" (link<http://x.org/?a=1&b=2> \"l\") \" \" (html_inline:span \"unclosed\")) (paragraph \"next para\"))");
    CHECK_DUMP("- one <li> raw\n- two\n\ntext\n",
               "(root (list (item (paragraph \"one\")) (item (paragraph \"raw\")) (item (paragraph \"two\"))) (paragraph \"text\"))");
    CHECK_DUMP("- [ ] task </ul> tail\n- b\n",
               "(root (list (item (paragraph \"task\"))) (paragraph \" tail\" softbreak) (item (paragraph \"b\")))");
    CHECK_DUMP("x <b>bold <em>both</b> after</em> y\n",
               "(root (paragraph \"x \" (strong \"bold \" (emph \"both\")) \" after y\"))");
    CHECK_DUMP("<p class=\"lead\">Raw <a href=\"u\">a</a>\ncontinues</p>\n\n> quote <br> x\n",
               "(root (paragraph @class=lead \"Raw \" (link<u> \"a\") softbreak \"continues\") (blockquote (paragraph \"quote \" linebreak \" x\")))");
    CHECK_DUMP("Foot[^n] and <code>raw\n\n[^n]: The *note*.\n",
               "(root (paragraph \"Foot\" footnote_ref[n] \" and \" code=\"raw\") (footnote_def[n] (paragraph \"The \" (emph \"note\") \".\")))");
    CHECK_DUMP("| a | <i>b |\n|---|---|\n| <b>c | d |\n",
               "(root (table (table_row (table_cell:th \"a\") (table_cell:th (emph \"b\"))) (table_row (table_cell (strong \"c\")) (table_cell \"d\"))))");
    CHECK_DUMP("<details>\n<summary>S</summary>\n\n- item *x*\n\n</details>\n",
               "(root (html_block:details (html_block:summary \"S\") (list (item (paragraph \"item \" (emph \"x\"))))))");
    CHECK_DUMP("a <img src=\"i.png\" alt=\"A\" width=\"10\"> <br/> <i/> b\n",
               "(root (paragraph \"a \" image<i.png>=\"A\" \" \" linebreak \" \" (emph) \" b\"))");
}

/* Text runs: one piece is made into a node straight from the walk's
 * string (html_to_model.c, pend_text); a run of several pieces, a piece
 * after a newline of the walk, a run trimmed in place (before a footnote
 * back-link) or stripped of end markers (inside an unclosed raw <script>)
 * is copied first.  Each must give the text as it was written. */
static void test_text_runs(void)
{
    /* one piece, several (cmark splits at '*' and entities), pieces around elements */
    CHECK_DUMP("one\n", "(root (paragraph \"one\"))");
    CHECK_DUMP("a\\*b &amp; c\n", "(root (paragraph \"a*b & c\"))");
    CHECK_DUMP("*e*tail `c`\n", "(root (paragraph (emph \"e\") \"tail \" code=\"c\"))");
    /* a tight item: its text then the walk's newline, wrapped later */
    CHECK_DUMP("- one\n- a\\*b\n  lazy\n",
               "(root (list (item (paragraph \"one\")) (item (paragraph \"a*b\" softbreak \"lazy\"))))");
    /* the blank before a back-link goes, alone or at a run's end */
    CHECK_DUMP("x[^1]\n\n[^1]: *note*\n",
               "(root (paragraph \"x\" footnote_ref[1]) (footnote_def[1] (paragraph (emph \"note\"))))");
    CHECK_DUMP("x[^1]\n\n[^1]: note\n",
               "(root (paragraph \"x\" footnote_ref[1]) (footnote_def[1] (paragraph \"note\")))");
    CHECK_DUMP("x[^1]\n\n[^1]: a\\*b\n",
               "(root (paragraph \"x\" footnote_ref[1]) (footnote_def[1] (paragraph \"a*b\")))");
    /* after a task box the blanks at the start go, however many pieces */
    CHECK_DUMP("- [ ] task\n- [x] \\*b\n",
               "(root (list (item (paragraph \"task\")) (item (paragraph \"*b\"))))");
    /* Markdown text inside an unclosed raw <script>: end markers taken out */
    CHECK_DUMP("a <script>s\n\nb \\<!----> c\n\nd \\<!---->\n",
               "(root (paragraph \"a \" (html_inline:script \"s\")) (paragraph \"b <!----> c\") "
               "(paragraph \"d <!---->\"))");
    CHECK_DUMP("a <script>s *e\\<!---->* t\\<!---->\n",
               "(root (paragraph \"a \" (html_inline:script \"s e t<em>\")))");
    /* a hard break: the newline after it is not a soft break */
    CHECK_DUMP("a  \nb\\\nc\n", "(root (paragraph \"a\" linebreak \"b\" linebreak \"c\"))");
}

/* Inline runs among blocks (tight list items, raw blocks) are wrapped in
 * paragraphs when their container closes: a text node whose text stays
 * whole (no newline, nothing cut at its end) is moved, the others are
 * made again (html_to_model.c, h2m_wrap_run).  Both give the text, the
 * soft breaks and the paragraph's position. */
static void test_wrap_runs(void)
{
    CHECK_DUMP("- one\n- two *e* three\n",
               "(root (list (item (paragraph \"one\")) (item (paragraph \"two \" (emph \"e\") \" three\"))))");
    CHECK_DUMP("- a\n  b\n- c  \n  d\n",
               "(root (list (item (paragraph \"a\" softbreak \"b\")) (item (paragraph \"c\" linebreak \"d\"))))");
    CHECK_DUMP("- [ ] task text\n- [x]    spaced\n",
               "(root (list (item (paragraph \"task text\")) (item (paragraph \"spaced\"))))");
    CHECK_DUMP("<ul><li>  lead only</li><li>trail only  </li><li>  both  </li><li>   </li></ul>\n",
               "(root (list (item (paragraph \"lead only\")) (item (paragraph \"trail only\")) "
               "(item (paragraph \"both\")) (item)))");
    CHECK_DUMP("<ul><li>a\nb</li><li>x <b>y</b> z</li></ul>\n",
               "(root (list (item (paragraph \"a\" softbreak \"b\")) (item (paragraph \"x \" (strong \"y\") \" z\"))))");
    /* a CR at a text's end, not the run's, is dropped (libxml2 decodes &#13;) */
    CHECK_DUMP("<ul><li>x&#13;<b>b</b></li></ul>\n", "(root (list (item (paragraph \"x\" (strong \"b\")))))");
    CHECK_DUMP("<blockquote>text <b>b</b> more</blockquote>\n",
               "(root (blockquote (paragraph \"text \" (strong \"b\") \" more\")))");
    CHECK_DUMP("<div>\n\n- item one\n\n</div>\n", "(root (html_block:div (list (item (paragraph \"item one\")))))");
    /* the moved node takes the paragraph's place, the first inline's */
    rd_body r;
    rb_open(&r, "<ul><li><b>x</b> tail</li></ul>\n");
    quire_node *para = r.body ? rd_find(r.body, QUIRE_NODE_PARAGRAPH, 0) : NULL;
    quire_node *text = r.body ? rd_find(r.body, QUIRE_NODE_TEXT, 1) : NULL;
    CHECK(para && text && text->parent == para);
    CHECK_STR(text ? text->literal : NULL, " tail");
    CHECK_INT(para ? para->column : 0, 9);
    CHECK_INT(text ? text->line : 0, para ? para->line : 1000);
    CHECK_INT(text ? text->column : 0, para ? para->column : 1000);
    rb_close(&r);
}

/* Several threads read at once (the parallel build): each has its own
 * cmark arena and converter state, and gets what one thread alone gets. */
static const char *const rb_mt_text =
    "---\ntitle: T\ntags: [a, b]\n---\n# H *e*\n\n<div>\n\n- [x] t <i>i</i>\n\n</div>\n\n"
    "| a | b |\n|---|:-:|\n| `c` | ~~d~~ |\n\nx[^1] <span>y\n\n[^1]: n\n";

typedef struct rb_mt {
    const char *want;
    int bad;
} rb_mt;

static void *rb_mt_run(void *arg)
{
    rb_mt *m = arg;
    for (int i = 0; i < 50; i++) {
        char *d = rb_dump(rb_mt_text);
        if (strcmp(d, m->want) != 0) {
            if (!m->bad)
                fprintf(stderr, "thread got:\n%s\nwant:\n%s\n", d, m->want);
            m->bad++;
        }
        free(d);
    }
    return NULL;
}

static void test_threads(void)
{
    char *want = rb_dump(rb_mt_text);
    pthread_t t[4];
    rb_mt m[4];
    for (int i = 0; i < 4; i++) {
        m[i] = (rb_mt){want, 0};
        CHECK(pthread_create(&t[i], NULL, rb_mt_run, &m[i]) == 0);
    }
    for (int i = 0; i < 4; i++) {
        pthread_join(t[i], NULL);
        CHECK_INT(m[i].bad, 0);
    }
    free(want);
}

static void test_probe(void)
{
    int score = 0;
    const char *fm = "---\ntitle: x\n---\nbody\n";
    const quire_reader *r = quire_reader_probe("a.txt", fm, strlen(fm), &score);
    CHECK(r && strcmp(r->name, "markdown") == 0 && score >= 80);
    r = quire_reader_probe("a.html", fm, strlen(fm), &score);
    CHECK(r && strcmp(r->name, "markdown") == 0 && score >= 80);
    const quire_reader *md = quire_reader_find("markdown");
    CHECK_INT(md->probe("x.md", "hello", 5), 60);
    CHECK_INT(md->probe("x.MARKDOWN", "hello", 5), 60);
    CHECK_INT(md->probe("x.txt", "# Title\n\n- item\n", 17), 40);
    CHECK(md->probe("x.dat", "plain words", 11) == 0);
    CHECK(md->probe("x.txt", "\xEF\xBB\xBF---\r\nkey: v\r\n---\r\n", 23) >= 80);
    CHECK(md->probe("x.txt", "---\n\n# comment\n'quoted key': v\n", 31) >= 80);
    CHECK(md->probe("x.yaml", "----\n", 5) == 0);
}

/* Differential: an inline tag in a Markdown paragraph may take the
 * converter's own fast path; inside a raw <p> block the same tag always goes
 * through libxml2.  Both must give the same model for every attribute value,
 * those the fast path takes and those it hands on. */
static void test_fast_path_vs_libxml2(void)
{
    static const char *const vals[] = {
        "", "plain", "https://x.org/p?ref=a&utm_source=b", "a&b", "a&b=1&c=2", "&amp;",
        "&amp", "&amp;x", "&AMP;", "&foo;", "&foo", "&#38;", "&#x26;", "&#38", "& b", "&=",
        "&;", "&", "x&", "&&", "&a&b", "a&b;c", "&_x", "&:x", "&a.b-c:d_e", "&a.b;", "&lt",
        "&lt;", "&lt;b&gt;", "&a1", "&1a", "&-a", "&.a", "&nbsp;", "&nbsp", "&copy2",
        "&notit;", "&notin", "q&quot;q", "<b>", "a'b", "a > b", "a=b", "sp ace", "&a b",
        "&a/b", "&a?b", "&a#b", "&a%20", "caf\xC3\xA9&x", "\xC3\xA9", "a\xFF" "b", "&x\xC3\xA9",
    };
    static const char *const forms[][2] = {
        {"x <a href=\"%s\">l</a> y\n", "<p>x <a href=\"%s\">l</a> y</p>\n"},
        {"x <a href='%s' title=\"t&x\">l</a> y\n", "<p>x <a href='%s' title=\"t&x\">l</a> y</p>\n"},
        {"x <span class=\"%s\">s</span> y\n", "<p>x <span class=\"%s\">s</span> y</p>\n"},
        {"x <img src=\"%s\" alt=\"a&b\"> y\n", "<p>x <img src=\"%s\" alt=\"a&b\"> y</p>\n"},
        {"x <i data-a=\"%s\" data-b=\"&q\">i</i> y\n",
         "<p>x <i data-a=\"%s\" data-b=\"&q\">i</i> y</p>\n"},
    };
    for (size_t f = 0; f < sizeof forms / sizeof *forms; f++) {
        for (size_t i = 0; i < sizeof vals / sizeof *vals; i++) {
            if (strchr(vals[i], forms[f][0][strstr(forms[f][0], "%s") - forms[f][0] - 1]))
                continue; /* the value would end its own quotes */
            char md[256], raw[256];
            snprintf(md, sizeof md, forms[f][0], vals[i]);
            snprintf(raw, sizeof raw, forms[f][1], vals[i]);
            char *a = rb_dump(md), *b = rb_dump(raw);
            if (strcmp(a, b) != 0)
                fprintf(stderr, "fast path and libxml2 differ on %s", md);
            CHECK_STR(a, b);
            free(a);
            free(b);
        }
    }
}

/* ------------------------------------------- block fast path vs libxml2 */

/* Everything a node holds, positions included. */
static char *rb_full_dump(const char *text)
{
    rd_body r;
    rb_open(&r, text);
    quire_buf b;
    quire__buf_init(&b);
    if (r.body)
        test_node_dump(&b, r.body, 0);
    else
        quire__buf_puts(&b, "(no document)");
    rb_close(&r);
    return quire__buf_detach(&b, NULL);
}

static uint64_t rb_rng = 0x9E3779B97F4A7C15ull;

static unsigned rb_rand(unsigned n)
{
    rb_rng ^= rb_rng << 13;
    rb_rng ^= rb_rng >> 7;
    rb_rng ^= rb_rng << 17;
    return (unsigned)(rb_rng % n);
}

static const char *rb_pick(const char *const *v, size_t n)
{
    return v[rb_rand((unsigned)n)];
}
#define RB_PICK(v) rb_pick(v, sizeof v / sizeof *v)

/* Clean blocks (only what the fast path takes, mostly) or any. */
static bool rb_clean;

static void rb_gen_text(quire_buf *b)
{
    static const char *const bits[] = {
        "word", " ", "\n", "caf\xC3\xA9", "\xE7\x8C\xAB", "\xF0\x9F\x98\x80", "&amp;", "&lt;",
        "&gt;", "&quot;", "&nbsp;", "&copy;", "&eacute;", "&apos;", "&#169;", "&#x1F600;",
        "&#150;", "&#0;", "&#xD800;", "&#65", "&amp", "&bogus;", "& ", "a < b", "a > b", "<",
        "\t", "  x  ", "&#X41;", "&#1114112;", "&frac12;", "\xC2\x85", "\x7F", "\r\n", "*em*",
        "<!-- c -->", "<?pi?>", "<![CDATA[x]]>", "]]>", "\xEF\xBF\xBF", "\xFF",
    };
    int n = 1 + (int)rb_rand(4);
    for (int i = 0; i < n; i++) {
        /* mostly plain words: the fast path must see whole blocks */
        const char *s = rb_rand(8) ? (rb_rand(3) ? "text" : " ") : RB_PICK(bits);
        if (rb_clean && s[0] != 'w' && s[0] != '\n' && s[0] != 'c' && s[1] != 'a' &&
            strcmp(s, "&nbsp;") != 0 && strcmp(s, "&#169;") != 0 && strcmp(s, "&#x1F600;") != 0 &&
            strcmp(s, "&#150;") != 0 && strcmp(s, "&eacute;") != 0)
            s = "\xE7\x8C\xAB";
        quire__buf_puts(b, s);
    }
}

static void rb_gen_attrs(quire_buf *b)
{
    static const char *const names[] = {"class", "href", "src", "title", "id", "STYLE",
                                        "data-x", "width", "allowfullscreen", "_u", "a:b",
                                        "align", "alt", "1x", "-x"};
    static const char *const vals[] = {
        "v", "", "a b", "https://x.org/?a=1&b=2", "&amp;", "a&b;", "&#38;", "caf\xC3\xA9",
        "x>y", "x<y", "l1\nl2", "t\tt", "center", "640", "video-container", "footnotes",
        "https://www.youtube.com/embed/abc", "text-align: center;", "it's", "say \"hi\"",
    };
    int n = (int)rb_rand(4);
    for (int i = 0; i < n; i++) {
        const char *nm = RB_PICK(names);
        const char *sp = rb_rand(6) ? " " : RB_PICK(((const char *const[]){"\n", "\t", "  "}));
        quire__buf_puts(b, sp);
        quire__buf_puts(b, nm);
        switch (rb_clean ? 3 + rb_rand(7) : rb_rand(10)) {
        case 0:
            break; /* no value */
        case 1:
            quire__buf_printf(b, "=%s", rb_rand(2) ? "bare" : "a&b");
            break;
        case 2:
            quire__buf_printf(b, " = '%s'", RB_PICK(vals));
            break;
        case 3:
            quire__buf_printf(b, "='%s'", RB_PICK(vals));
            break;
        default:
            quire__buf_printf(b, "=\"%s\"", RB_PICK(vals));
            break;
        }
        if (!rb_clean && !rb_rand(20))
            quire__buf_puts(b, "\"x\""); /* junk after a value */
    }
}

static void rb_gen_element(quire_buf *b, int depth)
{
    static const char *const tags[] = {
        "p", "div", "span", "a", "i", "b", "em", "strong", "iframe", "figure", "figcaption",
        "details", "summary", "table", "tr", "td", "th", "thead", "tbody", "ul", "ol", "li",
        "blockquote", "section", "h2", "code", "small", "sup", "dl", "dt", "dd", "P", "DIV",
        "Span", "pre", "script", "style", "textarea", "foo", "video", "center", "q", "caption",
        "hr", "br", "img", "wbr", "input", "source", "html", "body", "head", "title", "select",
    };
    const char *t = (depth == 0 && rb_rand(3)) || (rb_clean && rb_rand(4)) ? RB_PICK(((const char *const[]){
                                                   "p", "div", "figure", "details", "table",
                                                   "iframe", "blockquote", "ul"}))
                                             : RB_PICK(tags);
    quire__buf_printf(b, "<%s", t);
    rb_gen_attrs(b);
    if (!rb_rand(12)) {
        quire__buf_puts(b, rb_rand(2) ? "/>" : " />");
        return;
    }
    quire__buf_puts(b, rb_rand(15) ? ">" : "\n>");
    int kids = depth < 4 ? (int)rb_rand(4) : 0;
    for (int k = 0; k < kids; k++) {
        if (rb_rand(2))
            rb_gen_element(b, depth + 1);
        else
            rb_gen_text(b);
        if (!rb_rand(4))
            quire__buf_putc(b, '\n');
    }
    switch (rb_clean ? 9 : rb_rand(25)) {
    case 0:
        return; /* unclosed */
    case 1:
        quire__buf_puts(b, "</x>");
        break;
    case 2:
        quire__buf_printf(b, "</%s >", t);
        return;
    case 3:
        quire__buf_puts(b, "</p>");
        break;
    default:
        break;
    }
    /* end tags in the case written, or upper-case */
    if (rb_rand(10))
        quire__buf_printf(b, "</%s>", t);
    else {
        quire__buf_puts(b, "</");
        for (const char *c = t; *c; c++)
            quire__buf_putc(b, (char)(*c >= 'a' && *c <= 'z' ? *c - 32 : *c));
        quire__buf_putc(b, '>');
    }
}

/* Many generated raw HTML blocks, at the top, in a quote, in a list, after
 * a paragraph: the model (positions too) must not depend on whether the
 * block fast path took a block or libxml2 read it. */
static void test_block_fast_path_vs_libxml2(void)
{
    static const char *const frames[] = {
        "%s\n", "Intro *para*.\n\n%s\n\nAfter.\n", "> %s\n", "- item\n\n  %s\n",
        "%s\n%s\n", "<p>open\n\n%s\n\nmore</p>\n", "# H\n\n%s\ntrailing text\n",
        "<div>\n\n%s\n\n</div>\n", "1. one\n2. %s\n", "<!-- c -->\n\n%s\n",
    };
    int fails = 0;
    for (int iter = 0; iter < 12000 && fails < 5; iter++) {
        rb_clean = iter % 2;
        quire_buf blk;
        quire__buf_init(&blk);
        int parts = 1 + (int)rb_rand(3);
        for (int k = 0; k < parts; k++) {
            rb_gen_element(&blk, 0);
            if (rb_rand(2))
                quire__buf_putc(&blk, '\n');
            if (!rb_rand(6))
                rb_gen_text(&blk);
        }
        const char *blkstr = quire__buf_cstr(&blk);
        const char *fr = frames[rb_rand(sizeof frames / sizeof *frames)];
        size_t cap = strlen(fr) + 2 * blk.len + 1;
        char *md = malloc(cap);
        snprintf(md, cap, fr, blkstr, blkstr);
        /* (the inline fast path stays off on both sides: see the report in
         * test_fast_path_vs_libxml2 for what it covers) */
        quire__h2m_no_fast = QUIRE__H2M_NO_FAST_INLINE;
        char *a = rb_full_dump(md);
        quire__h2m_no_fast = QUIRE__H2M_NO_FAST_INLINE | QUIRE__H2M_NO_FAST_BLOCK;
        char *b = rb_full_dump(md);
        quire__h2m_no_fast = 0;
        if (strcmp(a, b) != 0) {
            fails++;
            size_t d = 0, ls = 0;
            while (a[d] && a[d] == b[d])
                if (a[d++] == '\n')
                    ls = d;
            fprintf(stderr, "block fast path and libxml2 differ on:\n%s\n--- fast:\n%.300s\n--- libxml2:\n%.300s\n",
                    md, a + ls, b + ls);
        }
        CHECK(strcmp(a, b) == 0);
        free(a);
        free(b);
        free(md);
        quire__buf_free(&blk);
    }
}

/* The raw-HTML fast paths ask libxml2 once whether a tag opening closes
 * the element on top, and remember the answer by the two names' places in
 * the block tag list (found through a hash): every pair of tags, inline
 * inside inline (in each Markdown element a raw tag can open in) and
 * block inside block, gives libxml2's own model.  A pair looked up at the
 * wrong place, or an answer kept for the wrong pair, shows here. */
static void rb_fast_pair(const char *md, int *fails)
{
    quire__h2m_no_fast = 0;
    char *a = rb_full_dump(md);
    quire__h2m_no_fast = QUIRE__H2M_NO_FAST_INLINE | QUIRE__H2M_NO_FAST_BLOCK;
    char *b = rb_full_dump(md);
    quire__h2m_no_fast = 0;
    if (strcmp(a, b) != 0 && (*fails)++ < 5)
        fprintf(stderr, "fast paths and libxml2 differ on:\n%s\n--- fast:\n%s\n--- libxml2:\n%s\n",
                md, a, b);
    CHECK(strcmp(a, b) == 0);
    free(a);
    free(b);
}

/* A raw block of nested tags where the model is close to its depth limit
 * (200): the block fast path reads the block once and makes all of it, as
 * libxml2 does (its second pass over the block used to count the open
 * elements twice and stop half-way, dropping the inner ones). */
static void test_block_fast_path_near_depth_limit(void)
{
    int fails = 0;
    for (int quotes = 180; quotes <= 202; quotes++) {
        for (int nest = 1; nest <= 12; nest += 5) {
            quire_buf md;
            quire__buf_init(&md);
            for (int i = 0; i < quotes; i++)
                quire__buf_puts(&md, "> ");
            for (int i = 0; i < nest; i++)
                quire__buf_puts(&md, "<div class=\"d\">");
            quire__buf_puts(&md, "x &amp; <b>y</b>");
            for (int i = 0; i < nest; i++)
                quire__buf_puts(&md, "</div>");
            quire__buf_puts(&md, "\n");
            rb_fast_pair(quire__buf_cstr(&md), &fails);
            quire__buf_free(&md);
        }
    }
}

/* Every byte in a raw inline tag (an attribute value, between attributes,
 * in the name) and in a raw block's tag: the fast paths take the tag only
 * when they read it as libxml2 does (controls, CR and bytes >= 0x80 are
 * libxml2's; the reader may have replaced some before cmark-gfm). */
static void test_fast_paths_every_byte(void)
{
    static const char *const forms[] = {
        "a <span title=\"x%sy\">b</span> c\n",
        "a <span%stitle=\"v\">b</span> c\n",
        "a <b%s>b</b> c\n",
        "a <i title='%s'/> c\n",
        "<div title=\"x%sy\">\n<span>b</span>\n</div>\n",
        "<div>\n<span%sclass=\"c\">b</span>\n</div>\n",
    };
    int fails = 0;
    char md[128], ins[8];
    for (unsigned c = 1; c < 256; c++) {
        for (int utf8 = 0; utf8 < (c >= 0x80 ? 2 : 1); utf8++) {
            if (utf8) /* U+0080..U+00FF, valid UTF-8 */
                snprintf(ins, sizeof ins, "%c%c", (char)(0xC0 | (c >> 6)), (char)(0x80 | (c & 0x3F)));
            else
                snprintf(ins, sizeof ins, "%c", (char)c);
            for (size_t f = 0; f < sizeof forms / sizeof *forms; f++) {
                snprintf(md, sizeof md, forms[f], ins);
                rb_fast_pair(md, &fails);
            }
        }
    }
}

static void test_fast_paths_every_tag_pair(void)
{
    static const char *const inl[] = {
        "a", "abbr", "b", "bdi", "bdo", "big", "br", "cite", "code", "del", "dfn", "em", "i",
        "img", "ins", "kbd", "mark", "q", "s", "samp", "small", "span", "strike", "strong",
        "sub", "sup", "time", "tt", "u", "var", "wbr", "font", "x-y",
    };
    static const char *const ctx[] = {
        "%s\n", "*e %s*\n", "**s %s**\n", "[l %s](u)\n", "~~d %s~~\n", "## %s\n",
        "| h |\n|---|\n| %s |\n", "- %s\n", "> %s\n",
    };
    static const char *const blk[] = {
        "a", "abbr", "article", "aside", "b", "blockquote", "br", "caption", "cite", "code",
        "dd", "del", "details", "dfn", "div", "dl", "dt", "em", "figcaption", "figure", "footer",
        "h1", "h2", "h3", "h4", "h5", "h6", "header", "hr", "i", "iframe", "img", "ins", "kbd",
        "li", "main", "mark", "nav", "ol", "p", "q", "s", "samp", "section", "small", "span",
        "strong", "sub", "summary", "sup", "table", "tbody", "td", "tfoot", "th", "thead",
        "time", "tr", "tt", "u", "ul", "var", "wbr", "html", "font",
    };
    int fails = 0;
    char md[256], inner[128];
    for (size_t o = 0; o < sizeof inl / sizeof *inl; o++)
        for (size_t n = 0; n < sizeof inl / sizeof *inl; n++) {
            snprintf(inner, sizeof inner, "<%s title=\"t\">a <%s class=\"c\">b</%s> c</%s> d",
                     inl[o], inl[n], inl[n], inl[o]);
            for (size_t c = 0; c < sizeof ctx / sizeof *ctx; c++) {
                snprintf(md, sizeof md, ctx[c], inner);
                rb_fast_pair(md, &fails);
            }
        }
    for (size_t o = 0; o < sizeof blk / sizeof *blk; o++)
        for (size_t n = 0; n < sizeof blk / sizeof *blk; n++) {
            snprintf(md, sizeof md, "<div>\n<%s>x<%s>y</%s>z</%s>\n</div>\n", blk[o], blk[n],
                     blk[n], blk[o]);
            rb_fast_pair(md, &fails);
            snprintf(md, sizeof md, "<%s><%s>y</%s></%s>\n\npara\n", blk[o], blk[n], blk[n],
                     blk[o]);
            rb_fast_pair(md, &fails);
        }
}

/* The inline fast path gives libxml2's model after constructs libxml2
 * may hold half-read (unclosed <style>, <textarea>, <title>, a broken tag,
 * an open comment).  Known difference, not covered here: a GFM autolink
 * inside a raw <a> left open nests in it on the fast path, while libxml2
 * closes the <a> first. */
static void test_inline_fast_path_after_open_construct(void)
{
    static const char *const docs[] = {
        "<style>\n\nText with <b>bold</b> and <i>it</i>.\n",
        "<source src=x\n\nText with <b>bold</b>.\n",
        "Para <span title=\"a\nb\">x</span> then <b>bold</b> and <em>e</em>.\n",
        "<!-- open comment\n\nText <b>bold</b>.\n",
        "<textarea>\n\nText <i>it</i>.\n",
        "Text <style> more <b>bold</b> end.\n",
        "Text <textarea> more <i>it</i> end.\n\nNext <b>b</b>.\n",
        "A <source src=\"x\"> then <b>bold</b>.\n",
        "A <title> x <b>y</b> z\n",
    };
    for (size_t i = 0; i < sizeof docs / sizeof *docs; i++) {
        quire__h2m_no_fast = 0;
        char *a = rb_full_dump(docs[i]);
        quire__h2m_no_fast = QUIRE__H2M_NO_FAST_INLINE | QUIRE__H2M_NO_FAST_BLOCK;
        char *b = rb_full_dump(docs[i]);
        quire__h2m_no_fast = 0;
        if (strcmp(a, b) != 0)
            fprintf(stderr, "inline fast path and libxml2 differ on:\n%s\n--- fast:\n%s\n--- libxml2:\n%s\n",
                    docs[i], a, b);
        CHECK(strcmp(a, b) == 0);
        free(a);
        free(b);
    }
}

/* Raw HTML positions count lines, and columns in characters, eight bytes
 * at a time: the start tag after random text of ASCII, 2-, 3- and 4-byte
 * characters and newlines (at every offset of the words) is placed where a
 * byte-by-byte count says, on the block fast path and through libxml2. */
static void test_raw_positions_after_text(void)
{
    static const char *const pieces[] = {"a", "bc", " ", "\xC3\xA9", "\xE7\x8C\xAB",
                                         "\xF0\x9F\x98\x80", "\nx"};
    unsigned seed = 2024;
    char doc[1024];
    int bad = 0;
    for (int iter = 0; iter < 4000; iter++) {
        size_t len = (size_t)snprintf(doc, sizeof doc, "---\ntitle: P\n---\n<div>\nz");
        size_t t0 = len - 1;
        seed = seed * 1103515245u + 12345u;
        unsigned n = (seed >> 16) % 40;
        for (unsigned k = 0; k < n; k++) {
            seed = seed * 1103515245u + 12345u;
            const char *pc = pieces[(seed >> 16) % (sizeof pieces / sizeof *pieces)];
            /* (a newline comes with a letter: a blank line would end the
             * HTML block) */
            len += (size_t)snprintf(doc + len, sizeof doc - len, "%s", pc);
        }
        uint32_t want_line = 5, want_col = 1;
        for (size_t i = t0; i < len; i++) {
            if (doc[i] == '\n') {
                want_line++;
                want_col = 1;
            } else if (((unsigned char)doc[i] & 0xC0) != 0x80) {
                want_col++;
            }
        }
        snprintf(doc + len, sizeof doc - len, "<p>x</p>\n</div>\n");
        for (int side = 0; side < 2; side++) {
            quire__h2m_no_fast = side ? QUIRE__H2M_NO_FAST_INLINE | QUIRE__H2M_NO_FAST_BLOCK : 0;
            rd_body r;
            rb_open(&r, doc);
            quire_node *p = r.body ? rd_find(r.body, QUIRE_NODE_PARAGRAPH, 0) : NULL;
            if ((!p || p->line != want_line || p->column != want_col) && bad++ < 5)
                fprintf(stderr, "raw position (%s): want %u:%u, got %u:%u in:\n%s\n",
                        side ? "libxml2" : "fast", want_line, want_col, p ? p->line : 0,
                        p ? p->column : 0, doc);
            rb_close(&r);
        }
        quire__h2m_no_fast = 0;
    }
    CHECK_INT(bad, 0);
}

/* quire__text_to_utf8 leaves a text alone (no copy) exactly when it is
 * valid UTF-8 without NUL or controls but TAB, LF, CR: checked with each
 * kind of character at every offset of texts of every length up to 80, so
 * that its 16- and 8-byte scans are seen at each alignment and tail. */
static void test_text_to_utf8_every_offset(void)
{
    static const char *const ins[] = {
        "\xC3\xA9", "\xE7\x8C\xAB", "\xF0\x9F\x98\x80", "\x00", "\x01", "\x1F", "\t", "\r",
        "\n", "\x7F", "\x80", "\xC3", "\xED\xA0\x80", "\xC0\xAF", "\xF4\x90\x80\x80",
        "\xE7\x8C", "\xFF", "\x0B", " ", "\xEF\xBF\xBF", "\xC2\x85",
    };
    static const size_t ins_len[] = {2, 3, 4, 1, 1, 1, 1, 1, 1, 1, 1, 1, 3, 2, 4, 2, 1, 1, 1, 3, 2};
    quire_diag_list d;
    quire_diag_list_init(&d);
    quire_read_ctx ctx = rd_ctx("t.md", &d);
    ctx.flags |= QUIRE_READ_BODY_ONLY;
    int bad = 0;
    for (size_t len = 0; len <= 80; len++) {
        for (size_t o = 0; o <= len; o++) {
            for (size_t k = 0; k < sizeof ins / sizeof *ins; k++) {
                size_t n = len + ins_len[k];
                char *buf = malloc(n ? n : 1);
                for (size_t i = 0; i < len; i++)
                    buf[i] = i % 17 == 16 ? '\n' : (char)('a' + i % 26);
                memmove(buf + o + ins_len[k], buf + o, len - o);
                memcpy(buf + o, ins[k], ins_len[k]);
                bool clean = quire__utf8_valid(buf, n);
                for (size_t i = 0; i < n; i++) {
                    unsigned char c = (unsigned char)buf[i];
                    if (c < 0x20 && c != '\t' && c != '\n' && c != '\r')
                        clean = false;
                }
                char *out = NULL;
                size_t out_len = 0;
                int rc = quire__text_to_utf8(&ctx, "markdown", buf, n, &out, &out_len);
                if (rc != QUIRE_OK || (out == NULL) != clean) {
                    if (bad++ < 5)
                        fprintf(stderr, "text_to_utf8: length %zu, insert %zu at %zu: %s\n", len,
                                k, o, out ? "copied" : "left alone");
                }
                free(out);
                free(buf);
            }
        }
    }
    CHECK_INT(bad, 0);
    quire_diag_list_free(&d);
}

/* The sixteen-byte scan of quire__text_to_utf8 judges every marked
 * character of a block in place: random texts of clustered multi-byte
 * characters with, now and then, a bad sequence or control next to them or
 * across a block's end; left alone exactly when the reference says clean. */
static void test_text_to_utf8_clusters(void)
{
    static const char *const pieces[] = {
        "abcdefghijklmno", "xy", " ", "\n", "\t", "\r", "\xc3\xa9", "\xc5\x81", "\xe2\x80\x94",
        "\xe6\x9d\xb1", "\xf0\x9f\x98\x80", "\xef\xbf\xbf", "\xc2\x85", "\x7f",
        "\x01", "\x0b", "\x80", "\xc3", "\xe2\x82", "\xed\xa0\x80", "\xc0\xaf", "\xf4\x90\x80\x80",
        "\xff", "\xf0\x9f\x98",
    };
    enum { NP = sizeof pieces / sizeof *pieces, NCLEAN = 14 };
    quire_diag_list d;
    quire_diag_list_init(&d);
    quire_read_ctx ctx = rd_ctx("t.md", &d);
    ctx.flags |= QUIRE_READ_BODY_ONLY;
    unsigned seed = 99;
    char buf[2048];
    int bad = 0;
    for (int iter = 0; iter < 100000; iter++) {
        seed = seed * 1103515245u + 12345u;
        size_t n = 0;
        unsigned count = (seed >> 16) % 96;
        bool mostly_clean = (seed >> 8) % 3 != 0;
        for (unsigned k = 0; k < count; k++) {
            seed = seed * 1103515245u + 12345u;
            unsigned r = (seed >> 16) % NP;
            if (mostly_clean && r >= NCLEAN && (seed >> 4) % 16)
                r %= NCLEAN;
            size_t pl = strlen(pieces[r]);
            memcpy(buf + n, pieces[r], pl);
            n += pl;
        }
        bool clean = quire__utf8_valid(buf, n);
        for (size_t i = 0; i < n; i++) {
            unsigned char c = (unsigned char)buf[i];
            if (c < 0x20 && c != '\t' && c != '\n' && c != '\r')
                clean = false;
        }
        char *out = NULL;
        size_t out_len = 0;
        int rc = quire__text_to_utf8(&ctx, "markdown", buf, n, &out, &out_len);
        if ((rc != QUIRE_OK || (out == NULL) != clean) && bad++ < 5)
            fprintf(stderr, "text_to_utf8 clusters: iteration %d: %s\n", iter,
                    out ? "copied" : "left alone");
        free(out);
    }
    CHECK_INT(bad, 0);
    quire_diag_list_free(&d);
}

int main(void)
{
    test_gfm();
    test_raw_html();
    test_embeds();
    test_positions();
    test_raw_positions_after_text();
    test_raw_across_markdown();
    test_text_runs();
    test_wrap_runs();
    test_fast_path_vs_libxml2();
    test_block_fast_path_vs_libxml2();
    test_inline_fast_path_after_open_construct();
    test_fast_paths_every_tag_pair();
    test_block_fast_path_near_depth_limit();
    test_fast_paths_every_byte();
    test_text_to_utf8_every_offset();
    test_text_to_utf8_clusters();
    test_threads();
    test_deep();
    test_bad_utf8();
    test_bad_bytes_any_offset();
    test_html_mode();
    test_probe();
    if (rd_failures)
        fprintf(stderr, "%d check(s) failed\n", rd_failures);
    return rd_failures ? 1 : 0;
}
