/*
 * test_md_fast.c — the Markdown reader's own shortcuts against the paths
 * they stand for:
 *   - Markdown elements' kinds given by their tag number (html_to_model.c,
 *     h2m_md_tags) against the tag table looked up by name
 *     (QUIRE__H2M_NO_FAST_MD), on random Markdown with raw HTML mixed in,
 *     with the raw-HTML fast paths on and off, and tag by tag;
 *   - the table-driven href/src escaping (markdown.c, md_href) against
 *     houdini_escape_href's rule written out byte by byte, on links and
 *     images to URLs of every byte;
 *   - the body's first line, counted while the front matter's end is
 *     sought, against the lines before it;
 *   - the bump allocator's calloc fast path (markdown.c, md_mem_calloc)
 *     against cmark-gfm's own allocator: long documents must give the
 *     model the text cmark-gfm finds when it allocates for itself;
 *   - the walk over cmark-gfm's tree (markdown.c, md_build) against what
 *     the walk with cmark_iter gave: every kind of node, nesting past the
 *     depth limit and random documents, each model dump's hash against
 *     md_walk.expected (written by that walk; QUIRE_MD_WALK_WRITE=1
 *     rewrites it, after a change meant to alter the model).
 * The first compares everything a node holds, positions included.
 */
#include "rd_test.h"
#include "../node_dump.h"
#include "../../src/readers/html_to_model.h"

#include <cmark-gfm-core-extensions.h>
#include <cmark-gfm.h>

/* ------------------------------------------------------------ helpers */

static uint64_t mf_rng = 0x2545F4914F6CDD1Dull;

static unsigned mf_rand(unsigned n)
{
    mf_rng ^= mf_rng << 13;
    mf_rng ^= mf_rng >> 7;
    mf_rng ^= mf_rng << 17;
    return (unsigned)(mf_rng % n);
}

#define MF_PICK(v) (v)[mf_rand((unsigned)(sizeof(v) / sizeof *(v)))]

/* The whole model of a Markdown text, diagnostics included (caller frees). */
static char *mf_dump(const char *text, size_t len, unsigned no_fast)
{
    quire_diag_list diags;
    quire_diag_list_init(&diags);
    quire_read_ctx ctx = rd_ctx("fast.md", &diags);
    quire_collection *c = quire_collection_new();
    quire__h2m_no_fast = no_fast;
    int rc = quire_reader_find("markdown")->read(&ctx, text, len, c);
    quire__h2m_no_fast = 0;
    quire_buf b;
    quire__buf_init(&b);
    quire__buf_printf(&b, "rc %d\n", rc);
    for (size_t i = 0; i < c->count; i++)
        if (c->docs[i]->body)
            test_node_dump(&b, c->docs[i]->body, 0);
    for (size_t i = 0; i < diags.count; i++)
        quire__buf_printf(&b, "diag %u:%u %s\n", diags.items[i].line, diags.items[i].column,
                          diags.items[i].message);
    quire_collection_free(c);
    quire_diag_list_free(&diags);
    return quire__buf_detach(&b, NULL);
}

/* ------------------------------------------------- random Markdown + HTML */

/* Plain Markdown only: no raw HTML, footnotes or invalid bytes. */
static bool mf_plain;

static void mf_inline(quire_buf *b, int depth)
{
    static const char *const words[] = {
        "word", "caf\xC3\xA9", "\xE7\x8C\xAB", "a_b", "x*y", "1.", "&amp;", "&copy;", "&#65;",
        "\\*", "`", "~", "|", "www.example.org", "https://x.org/a?b=1&c=2", "a@b.org",
        "<b>", "</b>", "<i>", "</i>", "<span class=\"c\">", "</span>", "<br>", "<img src=x>",
        "<a href=\"#\">", "</a>", "<code>", "</code>", "<script>", "</script>", "<!-- c -->",
        "<div>", "</div>", "</p>", "<p>", "<u>", "</u>", "<sup>", "</sup>", "<style>",
        "</em>", "<strong>", "[^1]", "[^n]", "\xFF", "\x01",
    };
    int n = 1 + (int)mf_rand(6);
    for (int i = 0; i < n; i++) {
        if (i)
            quire__buf_putc(b, mf_rand(12) ? ' ' : '\n');
        unsigned k = depth < 3 ? mf_rand(14) : 13;
        switch (k) {
        case 0:
            quire__buf_puts(b, "*");
            mf_inline(b, depth + 1);
            quire__buf_puts(b, "*");
            break;
        case 1:
            quire__buf_puts(b, "**");
            mf_inline(b, depth + 1);
            quire__buf_puts(b, "**");
            break;
        case 2:
            quire__buf_puts(b, "~~");
            mf_inline(b, depth + 1);
            quire__buf_puts(b, "~~");
            break;
        case 3:
            quire__buf_puts(b, "`co de`");
            break;
        case 4:
            quire__buf_puts(b, "[");
            mf_inline(b, depth + 1);
            quire__buf_printf(b, "](%s%s)", MF_PICK(((const char *const[]){
                                                "https://x.org/a b", "<sp ace>", "/p?q=1&r=%20",
                                                "caf\xC3\xA9", "#frag", ""})),
                              mf_rand(3) ? "" : " \"a title\"");
            break;
        case 5:
            quire__buf_puts(b, "![alt *e* `c`");
            quire__buf_puts(b, mf_rand(2) ? "](i.png)" : "](<i m.png> 't')");
            break;
        case 6:
            quire__buf_puts(b, "  \n"); /* hard break */
            break;
        default: {
            const char *w = MF_PICK(words);
            if (mf_plain && (strchr(w, '<') || strchr(w, '^') || (unsigned char)w[0] >= 0xF0 ||
                             w[0] == '\x01' || w[0] == '\xFF'))
                w = "plain";
            quire__buf_puts(b, w);
            break;
        }
        }
    }
}

static void mf_raw_block(quire_buf *b)
{
    static const char *const blocks[] = {
        "<div class=\"note\">\n<p>raw <b>bold</b></p>\n</div>\n",
        "<div>\n\n*md inside*\n\n</div>\n",
        "<details><summary>s</summary>\n\nbody\n\n</details>\n",
        "<table><tr><td>c</td></tr></table>\n",
        "<iframe src=\"https://www.youtube.com/embed/x\"></iframe>\n",
        "<figure><img src=\"a.png\"><figcaption>cap</figcaption></figure>\n",
        "<ul>\n<li>raw item\n",
        "</ul>\n",
        "<section>\n",
        "</section>\n",
        "<pre>\nraw pre\n</pre>\n",
        "<script>var a = '<b>';</script>\n",
        "<!-- more -->\n",
        "<p>open para\n",
        "</div>\n",
        "<blockquote>\n",
        "</blockquote>\n",
        "<style>p{}</style>\n",
        "<textarea>\n",
        "<hr>\n",
    };
    quire__buf_puts(b, MF_PICK(blocks));
}

static void mf_block(quire_buf *b, int depth, const char *indent)
{
    unsigned k = depth < 3 ? mf_rand(14) : 8 + mf_rand(6);
    switch (k) {
    case 0:
    case 1: {
        const char *mark = MF_PICK(((const char *const[]){"- ", "* ", "1. ", "3) ", "- [ ] ", "- [x] "}));
        int items = 1 + (int)mf_rand(3);
        bool loose = mf_rand(3) == 0;
        for (int i = 0; i < items; i++) {
            quire__buf_printf(b, "%s%s", indent, mark);
            mf_inline(b, 1);
            quire__buf_putc(b, '\n');
            if (mf_rand(3) == 0) {
                char sub[64];
                snprintf(sub, sizeof sub, "%s   ", indent);
                quire__buf_putc(b, '\n');
                quire__buf_puts(b, sub);
                mf_block(b, depth + 1, sub);
            }
            if (loose)
                quire__buf_putc(b, '\n');
        }
        break;
    }
    case 2: {
        char sub[64];
        snprintf(sub, sizeof sub, "%s> ", indent);
        quire__buf_puts(b, "> ");
        mf_block(b, depth + 1, sub);
        break;
    }
    case 3:
        quire__buf_printf(b, "%s ", MF_PICK(((const char *const[]){"#", "##", "###", "######"})));
        mf_inline(b, 2);
        quire__buf_putc(b, '\n');
        break;
    case 4:
        quire__buf_printf(b, "```%s\ncode <b>\n%s  more\n%s```\n",
                          MF_PICK(((const char *const[]){"", "c", "py extra", "x\ty"})), indent,
                          indent);
        break;
    case 5:
        quire__buf_printf(b, "| a | b |\n%s|:-|-:|\n%s| ", indent, indent);
        mf_inline(b, 2);
        quire__buf_printf(b, " | x |\n%s| y |\n", indent);
        break;
    case 6:
        if (mf_plain) {
            quire__buf_puts(b, "plain\n");
            break;
        }
        quire__buf_puts(b, "[^1]: a note ");
        mf_inline(b, 2);
        quire__buf_putc(b, '\n');
        break;
    case 7:
        quire__buf_puts(b, "---\n");
        break;
    case 8:
    case 9:
        if (!mf_plain) {
            mf_raw_block(b);
            break;
        }
        /* fall through */
    default:
        mf_inline(b, 0);
        quire__buf_putc(b, '\n');
        break;
    }
}

static char *mf_doc(size_t *len)
{
    quire_buf b;
    quire__buf_init(&b);
    if (!mf_plain && mf_rand(4) == 0)
        quire__buf_puts(&b, "---\ntitle: T\n---\n");
    int blocks = 1 + (int)mf_rand(8);
    for (int i = 0; i < blocks; i++) {
        mf_block(&b, 0, "");
        if (mf_rand(3))
            quire__buf_putc(&b, '\n');
    }
    *len = b.len;
    return quire__buf_detach(&b, NULL);
}

/* The kinds that come with the tag numbers give what the table gives, with
 * the raw-HTML fast paths on and off (they change which events reach it). */
static void test_md_kinds(void)
{
    static const unsigned raw_modes[] = {0, QUIRE__H2M_NO_FAST_INLINE | QUIRE__H2M_NO_FAST_BLOCK};
    int fails = 0;
    for (int iter = 0; iter < 6000 && fails < 5; iter++) {
        size_t len;
        char *md = mf_doc(&len);
        for (size_t m = 0; m < sizeof raw_modes / sizeof *raw_modes; m++) {
            char *fast = mf_dump(md, len, raw_modes[m]);
            char *slow = mf_dump(md, len, raw_modes[m] | QUIRE__H2M_NO_FAST_MD);
            if (strcmp(fast, slow) != 0 && fails++ < 5)
                fprintf(stderr, "md kinds: fast and slow differ on:\n%s\n--- fast:\n%s--- slow:\n%s",
                        md, fast, slow);
            CHECK(strcmp(fast, slow) == 0);
            free(fast);
            free(slow);
        }
        free(md);
    }
}

/* Every Markdown tag the walk passes by number (quire__h2m_tag): its
 * name is cmark-gfm's, a document using it gives the model it gave when
 * the walk passed names, and the kind that comes with the number is the
 * one the tag table finds for the name (QUIRE__H2M_NO_FAST_MD), as are
 * the attributes left over when the number says all are taken into
 * fields (the by-name path copies what is left). */
static void test_md_tags_each(void)
{
    static const struct {
        const char *name, *md, *want;
    } tags[QUIRE__H2M_TAG_COUNT] = {
        [QUIRE__H2M_P] = {"p", "para\n", "(root (paragraph \"para\"))"},
        [QUIRE__H2M_H1] = {"h1", "# a\n", "(root (heading:1 \"a\"))"},
        [QUIRE__H2M_H2] = {"h2", "## a\n", "(root (heading:2 \"a\"))"},
        [QUIRE__H2M_H3] = {"h3", "### a\n", "(root (heading:3 \"a\"))"},
        [QUIRE__H2M_H4] = {"h4", "#### a\n", "(root (heading:4 \"a\"))"},
        [QUIRE__H2M_H5] = {"h5", "##### a\n", "(root (heading:5 \"a\"))"},
        [QUIRE__H2M_H6] = {"h6", "###### a\n", "(root (heading:6 \"a\"))"},
        [QUIRE__H2M_BLOCKQUOTE] = {"blockquote", "> q\n", "(root (blockquote (paragraph \"q\")))"},
        [QUIRE__H2M_UL] = {"ul", "- a\n- b\n",
            "(root (list (item (paragraph \"a\")) (item (paragraph \"b\"))))"},
        [QUIRE__H2M_OL] = {"ol", "3. a\n\n   b\n",
            "(root (list (item (paragraph \"a\") (paragraph \"b\"))))"},
        [QUIRE__H2M_LI] = {"li", "1. a\n", "(root (list (item (paragraph \"a\"))))"},
        [QUIRE__H2M_PRE] = {"pre", "```c\nx\n```\n", "(root code_block[c]=\"x\n\")"},
        [QUIRE__H2M_CODE] = {"code", "a `c` b\n", "(root (paragraph \"a \" code=\"c\" \" b\"))"},
        [QUIRE__H2M_HR] = {"hr", "***\n", "(root thematic_break)"},
        [QUIRE__H2M_BR] = {"br", "a  \nb\n", "(root (paragraph \"a\" linebreak \"b\"))"},
        [QUIRE__H2M_TABLE] = {"table", "| a |\n|---|\n",
            "(root (table (table_row (table_cell:th \"a\"))))"},
        [QUIRE__H2M_THEAD] = {"thead", "| a | b |\n|:-|-:|\n",
            "(root (table (table_row (table_cell:th \"a\") (table_cell:th \"b\"))))"},
        [QUIRE__H2M_TBODY] = {"tbody", "| a |\n|---|\n| b |\n| c |\n",
            "(root (table (table_row (table_cell:th \"a\")) (table_row (table_cell \"b\")) "
            "(table_row (table_cell \"c\"))))"},
        [QUIRE__H2M_TR] = {"tr", "| a |\n|---|\n| b |\n",
            "(root (table (table_row (table_cell:th \"a\")) (table_row (table_cell \"b\"))))"},
        [QUIRE__H2M_TH] = {"th", "| a | b | c |\n|:-|:-:|--:|\n",
            "(root (table (table_row (table_cell:th \"a\") (table_cell:th \"b\") "
            "(table_cell:th \"c\"))))"},
        [QUIRE__H2M_TD] = {"td", "| a | b |\n|:-|---|\n| c | d |\n",
            "(root (table (table_row (table_cell:th \"a\") (table_cell:th \"b\")) (table_row "
            "(table_cell \"c\") (table_cell \"d\"))))"},
        [QUIRE__H2M_EM] = {"em", "*e* _f_\n", "(root (paragraph (emph \"e\") \" \" (emph \"f\")))"},
        [QUIRE__H2M_STRONG] = {"strong", "**s**\n", "(root (paragraph (strong \"s\")))"},
        [QUIRE__H2M_DEL] = {"del", "~~d~~\n", "(root (paragraph (strikethrough \"d\")))"},
        [QUIRE__H2M_A] = {"a", "[l](u \"t\") [m](<v w>)\n",
            "(root (paragraph (link<u> \"l\") \" \" (link<v%20w> \"m\")))"},
        [QUIRE__H2M_IMG] = {"img", "![i *j*](s.png \"t\")\n",
            "(root (paragraph image<s.png>=\"i j\"))"},
        [QUIRE__H2M_INPUT] = {"input", "- [x] t\n- [ ] u\n",
            "(root (list (item (paragraph \"t\")) (item (paragraph \"u\"))))"},
        [QUIRE__H2M_SECTION] = {"section", "x[^1]\n\n[^1]: n\n",
            "(root (paragraph \"x\" footnote_ref[1]) (footnote_def[1] (paragraph \"n\")))"},
        [QUIRE__H2M_SUP] = {"sup", "x[^a] y[^a]\n\n[^a]: n *e*\n",
            "(root (paragraph \"x\" footnote_ref[a] \" y\" footnote_ref[a]) (footnote_def[a] "
            "(paragraph \"n \" (emph \"e\"))))"},
    };
    for (int t = 0; t < QUIRE__H2M_TAG_COUNT; t++) {
        CHECK(tags[t].name != NULL); /* every tag has its case */
        if (!tags[t].name)
            continue;
        CHECK_STR(quire__h2m_tag_name((quire__h2m_tag)t), tags[t].name);
        quire_diag_list diags;
        quire_diag_list_init(&diags);
        quire_read_ctx ctx = rd_ctx("tag.md", &diags);
        quire_collection *col;
        quire_document *doc;
        rd_read("markdown", &ctx, tags[t].md, &col, &doc);
        char *got = doc && doc->body ? rd_dump(doc->body) : strdup("(none)");
        CHECK_STR(got, tags[t].want);
        free(got);
        quire_collection_free(col);
        quire_diag_list_free(&diags);
        char *fast = mf_dump(tags[t].md, strlen(tags[t].md), 0);
        char *slow = mf_dump(tags[t].md, strlen(tags[t].md), QUIRE__H2M_NO_FAST_MD);
        if (strcmp(fast, slow) != 0)
            fprintf(stderr, "md tag %s: by number and by name differ:\n--- number:\n%s--- name:\n%s",
                    tags[t].name, fast, slow);
        CHECK(strcmp(fast, slow) == 0);
        free(fast);
        free(slow);
    }
    CHECK(quire__h2m_tag_name(QUIRE__H2M_TAG_COUNT) == NULL);
}

/* ------------------------------------------------------------- md_href */

/* houdini_escape_href's rule, byte by byte (what md_href did before its
 * table): the safe set stays, everything else becomes %XX. */
static void mf_href_ref(quire_buf *b, const char *url)
{
    static const char hex[] = "0123456789ABCDEF";
    quire__buf_reset(b);
    for (const unsigned char *p = (const unsigned char *)url; *p; p++) {
        unsigned char c = *p;
        bool safe = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    strchr("-_.+!*(),%#@?=;:/$~&'", c);
        if (safe) {
            quire__buf_putc(b, (char)c);
        } else {
            quire__buf_putc(b, '%');
            quire__buf_putc(b, hex[c >> 4]);
            quire__buf_putc(b, hex[c & 15]);
        }
    }
    quire__buf_cstr(b);
}

/* The URL cmark-gfm gives the first link or image of md (NULL: none). */
static char *mf_cmark_url(const char *md)
{
    cmark_node *root = cmark_parse_document(md, strlen(md), CMARK_OPT_UNSAFE);
    char *url = NULL;
    cmark_iter *it = cmark_iter_new(root);
    cmark_event_type ev;
    while (!url && (ev = cmark_iter_next(it)) != CMARK_EVENT_DONE) {
        cmark_node *n = cmark_iter_get_node(it);
        cmark_node_type t = cmark_node_get_type(n);
        if (ev == CMARK_EVENT_ENTER && (t == CMARK_NODE_LINK || t == CMARK_NODE_IMAGE))
            url = strdup(cmark_node_get_url(n) ? cmark_node_get_url(n) : "");
    }
    cmark_iter_free(it);
    cmark_node_free(root);
    return url;
}

static const quire_node *mf_find_url(const quire_node *n)
{
    if (n->type == QUIRE_NODE_LINK || n->type == QUIRE_NODE_IMAGE)
        return n;
    for (const quire_node *c = n->first_child; c; c = c->next) {
        const quire_node *f = mf_find_url(c);
        if (f)
            return f;
    }
    return NULL;
}

/* Every byte 0x01..0xFF (as valid UTF-8 where it must be) at every place
 * of URLs up to 40 bytes, in links and images. */
static void test_href_every_byte(void)
{
    quire_buf want, md;
    quire__buf_init(&want);
    quire__buf_init(&md);
    int fails = 0;
    for (unsigned c = 1; c < 256 && fails < 5; c++) {
        char ins[8];
        if (c < 0x80)
            snprintf(ins, sizeof ins, "%c", (char)c);
        else /* U+0080..U+00FF: the bytes C2/C3 and 80..BF both appear */
            snprintf(ins, sizeof ins, "%c%c", (char)(0xC0 | (c >> 6)), (char)(0x80 | (c & 0x3F)));
        if (c == '\n' || c == '\r' || c == '<' || c == '>' || c == '\\')
            continue; /* they end or change the destination <...> */
        if ((c < 0x20 && c != '\t') || c == 0x7F)
            continue; /* the reader replaces them before cmark sees them */
        for (size_t len = 0; len <= 40; len += 1 + len / 8) {
            for (size_t at = 0; at <= len; at += 1 + len / 5) {
                for (int img = 0; img < 2; img++) {
                    quire__buf_reset(&md);
                    quire__buf_puts(&md, img ? "![i](<" : "[l](<");
                    for (size_t i = 0; i < len; i++) {
                        if (i == at)
                            quire__buf_puts(&md, ins);
                        quire__buf_putc(&md, (char)("az09-/~ &?="[i % 11]));
                    }
                    if (at == len)
                        quire__buf_puts(&md, ins);
                    quire__buf_puts(&md, ">)\n");
                    const char *text = quire__buf_cstr(&md);
                    char *url = mf_cmark_url(text);
                    if (!url)
                        continue; /* not a link after all (a control byte) */
                    mf_href_ref(&want, url);
                    quire_diag_list diags;
                    quire_diag_list_init(&diags);
                    quire_read_ctx ctx = rd_ctx("href.md", &diags);
                    quire_collection *col;
                    quire_document *doc;
                    rd_read("markdown", &ctx, text, &col, &doc);
                    const quire_node *n = doc && doc->body ? mf_find_url(doc->body) : NULL;
                    const char *got = n ? n->url : NULL;
                    if (!got || strcmp(got, want.data ? want.data : "") != 0) {
                        if (fails++ < 5)
                            fprintf(stderr, "href of %s: got [%s], want [%s]\n", text,
                                    got ? got : "(none)", want.data ? want.data : "");
                    }
                    free(url);
                    quire_collection_free(col);
                    quire_diag_list_free(&diags);
                }
            }
        }
    }
    CHECK_INT(fails, 0);
    quire__buf_free(&want);
    quire__buf_free(&md);
}

/* ------------------------------------------------------- md_mem_calloc */

/* The literals of TEXT, CODE, CODE_BLOCK (and IMAGE: its alt text) in
 * document order, blanks left out (the model trims and splits them). */
static void mf_put_dense(quire_buf *b, const char *s)
{
    for (; s && *s; s++)
        if (*s != ' ' && *s != '\n' && *s != '\t' && *s != '\r')
            quire__buf_putc(b, *s);
}

static void mf_model_text(quire_buf *b, const quire_node *n)
{
    if (n->type == QUIRE_NODE_TEXT || n->type == QUIRE_NODE_CODE ||
        n->type == QUIRE_NODE_CODE_BLOCK || n->type == QUIRE_NODE_IMAGE)
        mf_put_dense(b, n->literal);
    for (const quire_node *c = n->first_child; c; c = c->next)
        mf_model_text(b, c);
}

/* The same, from a tree cmark-gfm builds with its own allocator. */
static void mf_cmark_text(quire_buf *b, const char *md, size_t len)
{
    cmark_gfm_core_extensions_ensure_registered();
    cmark_parser *p = cmark_parser_new(CMARK_OPT_UNSAFE | CMARK_OPT_FOOTNOTES);
    static const char *const exts[] = {"table", "strikethrough", "autolink", "tasklist"};
    for (size_t i = 0; i < sizeof exts / sizeof *exts; i++)
        cmark_parser_attach_syntax_extension(p, cmark_find_syntax_extension(exts[i]));
    cmark_parser_feed(p, md, len);
    cmark_node *root = cmark_parser_finish(p);
    cmark_iter *it = cmark_iter_new(root);
    cmark_event_type ev;
    while ((ev = cmark_iter_next(it)) != CMARK_EVENT_DONE) {
        cmark_node *n = cmark_iter_get_node(it);
        cmark_node_type t = cmark_node_get_type(n);
        if (ev == CMARK_EVENT_ENTER &&
            (t == CMARK_NODE_TEXT || t == CMARK_NODE_CODE || t == CMARK_NODE_CODE_BLOCK))
            mf_put_dense(b, cmark_node_get_literal(n));
    }
    cmark_iter_free(it);
    cmark_node_free(root);
    cmark_parser_free(p);
}

/* Long plain documents (many 64 KiB chunks and zeroed runs, literals big
 * enough to be allocated alone) read through the reader, whose cmark
 * parse uses the bump allocator: the model holds the text cmark-gfm
 * finds with its own allocator, in the same order. */
static void test_bump_allocator(void)
{
    mf_plain = true;
    for (int iter = 0; iter < 24; iter++) {
        quire_buf b;
        quire__buf_init(&b);
        quire__buf_puts(&b, "Start.\n\n"); /* a first "---" would open front matter */
        while (b.len < (size_t)(2000 + iter * 9000)) {
            size_t len;
            char *d = mf_doc(&len);
            quire__buf_puts(&b, d); /* (plain: no front matter) */
            quire__buf_puts(&b, "\n\n");
            if (iter % 4 == 3) /* a paragraph bigger than MD_MEM_BIG */
                for (int k = 0; k < 4000; k++)
                    quire__buf_puts(&b, k % 13 == 12 ? "word\n" : "word ");
            free(d);
        }
        quire__buf_puts(&b, "\n");
        quire_diag_list diags;
        quire_diag_list_init(&diags);
        quire_read_ctx ctx = rd_ctx("long.md", &diags);
        quire_collection *col;
        quire_document *doc;
        rd_read("markdown", &ctx, quire__buf_cstr(&b), &col, &doc);
        quire_buf got, want;
        quire__buf_init(&got);
        quire__buf_init(&want);
        if (doc && doc->body)
            mf_model_text(&got, doc->body);
        mf_cmark_text(&want, b.data, b.len);
        const char *g = quire__buf_cstr(&got), *w = quire__buf_cstr(&want);
        if (strcmp(g, w) != 0) {
            size_t d = 0;
            while (g[d] && g[d] == w[d])
                d++;
            fprintf(stderr, "bump allocator: model text differs at %zu:\n got  %.80s\n want %.80s\n",
                    d, g + d, w + d);
        }
        CHECK(strcmp(g, w) == 0);
        CHECK(w[0] != '\0');
        quire__buf_free(&got);
        quire__buf_free(&want);
        quire_collection_free(col);
        quire_diag_list_free(&diags);
        quire__buf_free(&b);
    }
    mf_plain = false;
}

/* ------------------------------------------------- front matter lines */

/* The body's first line, counted while the closing delimiter is sought
 * (md_split_front_matter), is the line after the closing one: checked for
 * every number of YAML lines up to 6 (blank ones too), every closing form,
 * LF and CRLF, with and without a BOM and a body. */
static void test_body_line(void)
{
    static const char *const closings[] = {"---", "...", "---  ", "...\t"};
    int bad = 0;
    for (int bom = 0; bom < 2; bom++)
        for (int crlf = 0; crlf < 2; crlf++)
            for (int k = 0; k <= 6; k++)
                for (size_t c = 0; c < sizeof closings / sizeof *closings; c++)
                    for (int body = 0; body < 3; body++) {
                        const char *nl = crlf ? "\r\n" : "\n";
                        quire_buf b;
                        quire__buf_init(&b);
                        if (bom)
                            quire__buf_puts(&b, "\xEF\xBB\xBF");
                        quire__buf_printf(&b, "---%s", nl);
                        for (int i = 0; i < k; i++) {
                            if (i % 3 != 2) /* every third line blank */
                                quire__buf_printf(&b, "k%d: v", i);
                            quire__buf_puts(&b, nl);
                        }
                        quire__buf_puts(&b, closings[c]);
                        if (body)
                            quire__buf_printf(&b, "%s%sHello%s", nl, body == 2 ? nl : "", nl);
                        quire_diag_list diags;
                        quire_diag_list_init(&diags);
                        quire_read_ctx ctx = rd_ctx("fm.md", &diags);
                        quire_collection *col;
                        quire_document *doc;
                        rd_read("markdown", &ctx, quire__buf_cstr(&b), &col, &doc);
                        uint32_t want = (uint32_t)k + 3;
                        const quire_node *para = doc && doc->body ? doc->body->first_child : NULL;
                        uint32_t want_para = want + (body == 2);
                        if (!doc || doc->body_line != want ||
                            (body && (!para || para->line != want_para))) {
                            if (bad++ < 5)
                                fprintf(stderr, "body line of [%s]: %u (para %u), want %u (%u)\n",
                                        b.data, doc ? doc->body_line : 0, para ? para->line : 0,
                                        want, want_para);
                        }
                        quire_collection_free(col);
                        quire_diag_list_free(&diags);
                        quire__buf_free(&b);
                    }
    CHECK_INT(bad, 0);
}


/* ------------------------------------------------------ walk vs saved */

/* FNV-1a: a dump's fingerprint, so the expected file stays small. */
static uint64_t mw_hash(const char *s)
{
    uint64_t h = 0xcbf29ce484222325ull;
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 0x100000001b3ull;
    return h;
}

/* Every kind of node cmark-gfm and the extensions make, and the corners
 * of the walk: empty input, leaves at the ends, images (children
 * skipped), footnotes, task items, table cells with and without
 * alignment, raw HTML that stays open across Markdown. */
static const char *const mw_cases[] = {
    "",
    "\n\n",
    "---\ntitle: T\n---\n",
    "plain text",
    "# h1\n## h2\n### h3\n#### h4\n##### h5\n###### h6\n\nSetext\n===\n\nTwo\n---\n",
    "para *em* **strong** ***both*** `code` ~~del~~ ~single~\nsoft\nbreak  \nhard\\\nhard2",
    "> quote\n>\n> > nested *quote*\n\n> lazy\ncontinued",
    "- a\n- b\n  - c\n    - d\n\n1. one\n2. two\n\n7) seven\n8) eight\n\n0. zero\n",
    "- loose\n\n- list\n\n  second para\n",
    "- [ ] open\n- [x] done\n- [X] Done *em*\n  - [ ] nested task\n",
    "```\nfenced\n```\n\n```c  extra words\nint x;\n```\n\n~~~\ntilde\n~~~\n\n    indented\n    code\n",
    "```\x09tab-info\nx\n```\n",
    "***\n---\n___\n",
    "| a | b | c | d |\n|:--|:-:|--:|---|\n| 1 | *2* | `3` | 4 |\n| x |\n",
    "| h |\n|---|\n",
    "a | b\n--|--\n1 | 2\n\n| t2 |\n|:-:|\n| c |\n",
    "www.example.com and https://x.org/p?q=1&r=2 and a@b.org and http://x.org/(p)",
    "[link](https://x.org \"title\") [empty]() [ref][r] <https://auto.org> <a@b.org>\n\n[r]: /url 'T'\n",
    "![img *alt* `c` [l](u)](i.png \"t\") ![](e.png) ![a\nb  \nc](x.png)",
    "[![img](i.png)](l.html)",
    "text[^1] and[^note] and[^1] again.\n\n[^1]: First.\n[^note]: Second *para*.\n\n    more\n",
    "[^a]: only a definition\n",
    "ref[^x]\n\n[^x]:\n    ```\n    code\n    ```\n",
    "<div class=\"d\">\nraw <b>block</b>\n</div>\n\n*after*\n",
    "inline <span class=\"x\">raw</span> and <b>open\n\npara</b> <!-- c --> <br/>",
    "<ul>\n<li>raw\n\n- md item\n\n</ul>\n",
    "<table>\n<tr><td>\n\n**md cell**\n\n</td></tr></table>\n",
    "<script>if (a < b) {}</script>\n\n<style>p {}</style>\n\n<pre>\n  pre\n</pre>\n",
    "<i>open\n\n# heading\n\n- item\n\n</i>",
    "&amp; &copy; &#65; &#x1F600; &bogus; \\* \\_",
    "caf\xC3\xA9 \xE7\x8C\xAB \xFF\xFE invalid \x01 ctl\r\nCRLF\rCR",
    "a\0b nul",
    "line1\n\n\n\nline2\n",
    "    \n\t\n",
    "- \n-\n1.\n",
    "> - a\n>   > b\n> 1. c\n>    ```\n>    x\n>    ```\n",
    "**bold [link *em `code`*](u)**",
    "<!-- comment block -->\n\n<?pi x?>\n\n<!DOCTYPE html>\n\n<![CDATA[ x ]]>\n",
    "Term\n: not a definition list\n\n+ plus\n+ list\n",
    "| a |\n|---|\n| <b>raw</b> in cell | extra |\n",
};

/* "pre" and "post" n times, with "mid" between. */
static char *mw_nest(const char *pre, const char *mid, const char *post, int n, size_t *len)
{
    quire_buf b;
    quire__buf_init(&b);
    for (int i = 0; i < n; i++)
        quire__buf_puts(&b, pre);
    quire__buf_puts(&b, mid);
    for (int i = 0; i < n; i++)
        quire__buf_puts(&b, post);
    *len = b.len;
    return quire__buf_detach(&b, NULL);
}

/* Indented lists, n levels: each level two spaces deeper. */
static char *mw_deep_list(int n, const char *mark, size_t *len)
{
    quire_buf b;
    quire__buf_init(&b);
    for (int i = 0; i < n; i++) {
        for (int k = 0; k < i * (int)strlen(mark); k++)
            quire__buf_putc(&b, ' ');
        quire__buf_printf(&b, "%sl%d\n", mark, i);
    }
    *len = b.len;
    return quire__buf_detach(&b, NULL);
}

/* Check (or write, to `out`) one case's fingerprint against `expected`,
 * the file's lines in order; *line moves on. */
static void mw_case(const char *name, const char *md, size_t len, FILE *out, char **expected,
                    size_t *line)
{
    char *dump = mf_dump(md, len, 0);
    char got[128];
    snprintf(got, sizeof got, "%s %016llx", name, (unsigned long long)mw_hash(dump));
    if (out) {
        fprintf(out, "%s\n", got);
    } else {
        const char *want = expected[*line] ? expected[*line] : "(end of file)";
        if (strcmp(got, want) != 0) {
            fprintf(stderr, "md walk: %s: model differs from the saved one (%s); input:\n%.*s\n"
                    "--- model:\n%.4000s\n", name, want, (int)(len < 2000 ? len : 2000), md, dump);
            rd_failures++;
        }
        if (expected[*line])
            (*line)++;
    }
    free(dump);
}

static char **mw_read_lines(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    size_t n = 0, cap = 64;
    char **lines = calloc(cap, sizeof *lines);
    char buf[256];
    while (lines && fgets(buf, sizeof buf, f)) {
        buf[strcspn(buf, "\n")] = '\0';
        if (n + 1 == cap) {
            char **p = realloc(lines, cap * 2 * sizeof *p);
            if (!p)
                break;
            lines = p;
            cap *= 2;
        }
        lines[n++] = strdup(buf);
        lines[n] = NULL;
    }
    fclose(f);
    return lines;
}

static void test_walk_saved(void)
{
    const char *path = MD_WALK_EXPECTED;
    bool write = getenv("QUIRE_MD_WALK_WRITE") != NULL;
    FILE *out = write ? fopen(path, "wb") : NULL;
    char **expected = write ? NULL : mw_read_lines(path);
    if (write ? !out : !expected) {
        fprintf(stderr, "md walk: cannot %s %s\n", write ? "write" : "read", path);
        rd_failures++;
        return;
    }
    size_t line = 0;
    char name[64];
    for (size_t i = 0; i < sizeof mw_cases / sizeof *mw_cases; i++) {
        snprintf(name, sizeof name, "case-%zu", i);
        size_t len = strlen(mw_cases[i]);
        if (i == 31) /* the one with a NUL byte: "a", NUL, "b nul" */
            len = 2 + strlen(mw_cases[i] + 2);
        mw_case(name, mw_cases[i], len, out, expected, &line);
    }
    /* nesting up to, at and past the model's depth limit */
    static const int depths[] = {1, 5, 30, 120, 255, 256, 300, 600};
    static const char *const nests[][3] = {
        {"> ", "q *e* <b>raw", "\n"},
        {"<div>\n\n", "*md*\n\n", "</div>\n\n"},
        {"<span>", "t", "</span>"},
        {"*a ", "x", " b*"},
        {"[", "l", "](u)"},
    };
    for (size_t d = 0; d < sizeof depths / sizeof *depths; d++) {
        size_t len;
        for (size_t k = 0; k < sizeof nests / sizeof *nests; k++) {
            char *md = mw_nest(nests[k][0], nests[k][1], nests[k][2], depths[d], &len);
            snprintf(name, sizeof name, "nest-%zu-%d", k, depths[d]);
            mw_case(name, md, len, out, expected, &line);
            free(md);
        }
        static const char *const marks[] = {"- ", "1. ", "- [x] "};
        for (size_t k = 0; k < sizeof marks / sizeof *marks; k++) {
            char *md = mw_deep_list(depths[d], marks[k], &len);
            snprintf(name, sizeof name, "list-%zu-%d", k, depths[d]);
            mw_case(name, md, len, out, expected, &line);
            free(md);
        }
    }
    /* random documents, raw HTML and footnotes included */
    mf_rng = 0x9E3779B97F4A7C15ull;
    for (int i = 0; i < 600; i++) {
        size_t len;
        char *md = mf_doc(&len);
        snprintf(name, sizeof name, "random-%d", i);
        mw_case(name, md, len, out, expected, &line);
        free(md);
    }
    if (out) {
        fclose(out);
    } else {
        if (expected[line]) {
            fprintf(stderr, "md walk: %s has more cases than the test\n", path);
            rd_failures++;
        }
        for (size_t i = 0; expected[i]; i++)
            free(expected[i]);
        free(expected);
    }
}

int main(void)
{
    test_walk_saved();
    test_body_line();
    test_md_kinds();
    test_md_tags_each();
    test_href_every_byte();
    test_bump_allocator();
    if (rd_failures)
        fprintf(stderr, "%d check(s) failed\n", rd_failures);
    return rd_failures ? 1 : 0;
}
