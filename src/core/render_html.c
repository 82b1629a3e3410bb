/*
 * render_html.c — the model as an HTML fragment (content_html of feeds, the
 * body of HTML pages).  A walk over quire_iter events, never recursion, so a
 * 100,000-deep tree cannot overflow the stack.
 *
 * Safety by construction: every text and attribute value is escaped here,
 * invalid UTF-8 becomes U+FFFD and characters illegal in XML 1.0 are dropped,
 * so whatever a filter left in the model, the output is well-formed.  What
 * elements survive is the `sanitize` filter's business, not the renderer's.
 */
#include "internal.h"

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include <string.h>

/* First size of an empty output buffer: above most bodies' HTML (6 KB on
 * average in the bench corpus, 10 KB for 9 in 10). */
#define RENDER_FIRST_CAP (16u * 1024u)

typedef struct render_state {
    quire_buf *out;
    const quire_render_opts *opts;
} render_state;

/* Bytes text copies as they are, by a table rather than five compares a
 * byte: printable ASCII and DEL but & < > ", and ' only when quotes are not
 * escaped (bit 1: quotes kept; bit 2: quotes escaped). */
static const unsigned char text_plain[256] = {
    [' '] = 3, ['!'] = 3, ['#'] = 3, ['$'] = 3, ['%'] = 3, ['\''] = 1, ['('] = 3, [')'] = 3,
    ['*'] = 3, ['+'] = 3, [','] = 3, ['-'] = 3, ['.'] = 3, ['/'] = 3, ['0'] = 3, ['1'] = 3,
    ['2'] = 3, ['3'] = 3, ['4'] = 3, ['5'] = 3, ['6'] = 3, ['7'] = 3, ['8'] = 3, ['9'] = 3,
    [':'] = 3, [';'] = 3, ['='] = 3, ['?'] = 3, ['@'] = 3, ['['] = 3, ['\\'] = 3, [']'] = 3,
    ['^'] = 3, ['_'] = 3, ['`'] = 3, ['{'] = 3, ['|'] = 3, ['}'] = 3, ['~'] = 3, [0x7f] = 3,
    ['A'] = 3, ['B'] = 3, ['C'] = 3, ['D'] = 3, ['E'] = 3, ['F'] = 3, ['G'] = 3, ['H'] = 3,
    ['I'] = 3, ['J'] = 3, ['K'] = 3, ['L'] = 3, ['M'] = 3, ['N'] = 3, ['O'] = 3, ['P'] = 3,
    ['Q'] = 3, ['R'] = 3, ['S'] = 3, ['T'] = 3, ['U'] = 3, ['V'] = 3, ['W'] = 3, ['X'] = 3,
    ['Y'] = 3, ['Z'] = 3, ['a'] = 3, ['b'] = 3, ['c'] = 3, ['d'] = 3, ['e'] = 3, ['f'] = 3,
    ['g'] = 3, ['h'] = 3, ['i'] = 3, ['j'] = 3, ['k'] = 3, ['l'] = 3, ['m'] = 3, ['n'] = 3,
    ['o'] = 3, ['p'] = 3, ['q'] = 3, ['r'] = 3, ['s'] = 3, ['t'] = 3, ['u'] = 3, ['v'] = 3,
    ['w'] = 3, ['x'] = 3, ['y'] = 3, ['z'] = 3,
};

#if defined(__SSE2__)
/* Bit k set: byte k of the 16 at p is not copied as it is (text_plain
 * with bit `bit`).  As signed bytes, both the controls (< 0x20) and the
 * bytes >= 0x80 (negative) compare below 0x20; DEL (0x7F) does not, as in
 * the table.  ' is special only with bit 2 (quotes escaped). */
static inline unsigned text_special_bits(__m128i v, unsigned char bit)
{
    __m128i m = _mm_or_si128(_mm_cmplt_epi8(v, _mm_set1_epi8(0x20)),
                             quire__sse_amp_quot_lt_gt(v));
    if (bit == 2)
        m = _mm_or_si128(m, _mm_cmpeq_epi8(v, _mm_set1_epi8('\'')));
    return (unsigned)_mm_movemask_epi8(m);
}

static inline unsigned text_special_mask(const unsigned char *p, unsigned char bit)
{
    return text_special_bits(_mm_loadu_si128((const __m128i *)(const void *)p), bit);
}
#endif

/* Index of the first byte of p[i..n) that put_text_q does not copy as it
 * is (text_plain with bit `bit`), or n. */
static inline size_t text_plain_run(const unsigned char *p, size_t i, size_t n, unsigned char bit)
{
#if defined(__SSE2__)
    for (; n - i >= 16; i += 16) {
        unsigned mask = text_special_mask(p + i, bit);
        if (mask)
            return i + (size_t)__builtin_ctz(mask);
    }
    if (i < n && n >= 16) {
        /* the last 1-15 bytes: one look at the final 16, which overlap
         * bytes already checked (shifted out of the mask), rather than a
         * byte at a time */
        unsigned mask = text_special_mask(p + n - 16, bit) >> (16 - (n - i));
        return mask ? i + (size_t)__builtin_ctz(mask) : n;
    }
    if (n - i >= 4) { /* 4-15 bytes in all: two loads, no byte loop */
        unsigned w;
        unsigned mask = text_special_bits(quire__sse_load_short(p, i, n, &w), bit);
        return quire__sse_short_first(mask, i, n, w);
    }
#endif
    while (i < n && (text_plain[p[i]] & bit))
        i++;
    return i;
}

/* Escaped, XML-clean text.  Runs of bytes that need nothing (valid UTF-8
 * included) are copied in one go.  quotes: also escape " and ' (attributes
 * always escape "). */
static void put_text_q(quire_buf *b, const char *s, bool attr, bool quotes)
{
    if (!s)
        return;
    const unsigned char *p = (const unsigned char *)s;
    const unsigned char bit = quotes ? 2 : 1;
    size_t n = strlen(s), run = 0, i = 0;
    for (;;) {
        i = text_plain_run(p, i, n, bit);
        if (i == n)
            break;
        unsigned char c = p[i];
        if (c >= 0x80) {
            uint32_t cp;
            size_t k = quire__utf8_decode_fast(p + i, n - i, &cp);
            if (k && quire__xml_char_ok(cp)) {
                /* Valid text stays in the run: one copy for a whole line
                 * of CJK, not one per character. */
                i += k;
                continue;
            }
            quire__buf_put(b, s + run, i - run);
            if (!k) {
                quire__utf8_put(b, 0xFFFD);
                i++;
            } else {
                i += k; /* a character XML forbids: dropped */
            }
            run = i;
            continue;
        }
        quire__buf_put(b, s + run, i - run);
        if (c == '&') quire__buf_put(b, "&amp;", 5);
        else if (c == '<') quire__buf_put(b, "&lt;", 4);
        else if (c == '>') quire__buf_put(b, "&gt;", 4);
        else if (c == '"') {
            if (attr || quotes)
                quire__buf_put(b, "&quot;", 6);
            else
                quire__buf_putc(b, '"');
        } else if (c == '\'') quire__buf_put(b, "&#39;", 5);
        else if (c == '\t' || c == '\n' || c == '\r')
            /* TAB, LF, CR are fine in text; attributes get a space.  Other
             * C0 controls are dropped. */
            quire__buf_putc(b, attr ? ' ' : (char)c);
        run = ++i;
    }
    quire__buf_put(b, s + run, n - run);
}

static void put_text(quire_buf *b, const char *s, bool attr)
{
    put_text_q(b, s, attr, false);
}

/* Text content of the document (not markup): quotes escaped on request. */
static void put_content(render_state *st, const char *s)
{
    put_text_q(st->out, s, false, st->opts->escape_quotes);
}

/* Attribute names come from parsed HTML: refuse anything that would not be
 * a well-formed XML name rather than trying to escape it.  Returns the
 * name's length (0: refused), so the check also measures it for the copy. */
static size_t xml_name_len(const char *n, bool colon_ok)
{
    if (!n || !((*n >= 'a' && *n <= 'z') || (*n >= 'A' && *n <= 'Z') || *n == '_'))
        return 0;
    const char *p = n;
    for (; *p; p++) {
        char c = *p;
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '-' || c == '_' || c == '.' || (c == ':' && colon_ok)))
            return 0;
    }
    return (size_t)(p - n);
}

/* An attribute's value and closing quote, after ` name="`. */
static void put_attr_value(render_state *st, const char *name, const char *value)
{
    quire_buf *b = st->out;
    /* Only an id prefix (EPUB chapters, pages) rewrites ids and fragment
     * links: without one, no name needs comparing. */
    const char *prefix = st->opts->id_prefix;
    bool is_frag = prefix && value[0] == '#' && strcmp(name, "href") == 0;
    if (prefix && (is_frag || strcmp(name, "id") == 0)) {
        if (is_frag)
            quire__buf_putc(b, '#');
        put_text(b, prefix, true);
        put_text(b, value + (is_frag ? 1 : 0), true);
    } else {
        put_text(b, value, true);
    }
    quire__buf_putc(b, '"');
}

static void put_attr(render_state *st, const char *name, const char *value)
{
    size_t name_len = value ? xml_name_len(name, true) : 0;
    if (!name_len)
        return;
    quire_buf *b = st->out;
    quire__buf_putc(b, ' ');
    quire__buf_put(b, name, name_len);
    quire__buf_put(b, "=\"", 2);
    put_attr_value(st, name, value);
}

/* put_attr for a name the renderer writes itself (a literal, so valid):
 * no check, and ` name="` in one copy of a length known at compile time. */
#define ATTR(st, name, value) put_attr_lit((st), name, " " name "=\"", sizeof " " name "=\"" - 1, (value))

static void put_attr_lit(render_state *st, const char *name, const char *lead, size_t lead_len,
                         const char *value)
{
    if (!value)
        return;
    quire__buf_put(st->out, lead, lead_len);
    put_attr_value(st, name, value);
}

/* Attributes a typed node already writes itself are not written twice. */
static void put_extra_attrs(render_state *st, const quire_node *n, const char *const *skip)
{
    for (const quire_attr *a = n->attrs; a; a = a->next) {
        bool skipped = false;
        for (size_t i = 0; skip && skip[i]; i++)
            if (strcmp(a->name, skip[i]) == 0)
                skipped = true;
        if (!skipped)
            put_attr(st, a->name, a->value);
    }
}

/* A tag name as the arguments (name, length) of open_tag and close_tag: the
 * names are mostly literals, whose length is then known at compile time
 * instead of measured at every tag. */
#define TAG(t) t, (sizeof t - 1)

static void open_tag(render_state *st, const char *tag, size_t len, const quire_node *n,
                     const char *const *skip)
{
    quire__buf_putc(st->out, '<');
    quire__buf_put(st->out, tag, len);
    if (n)
        put_extra_attrs(st, n, skip);
}

static void end_open(render_state *st, bool is_void)
{
    quire__buf_puts(st->out, is_void && st->opts->xhtml ? " />" : ">");
}

static void close_tag(render_state *st, const char *tag, size_t len)
{
    quire__buf_put(st->out, "</", 2);
    quire__buf_put(st->out, tag, len);
    quire__buf_putc(st->out, '>');
}

/* The tags of typed nodes, whose names are literals: "<t>" and "</t>"
 * in one copy each, of a length known at compile time.  A start tag takes
 * the node's own attributes (but those in skip) when it has any. */
#define OPEN(st, t, n, skip) open_lit((st), "<" t ">", sizeof "<" t ">" - 1, (n), (skip))
#define CLOSE(st, t) quire__buf_put((st)->out, "</" t ">", sizeof "</" t ">" - 1)
#define CLOSE_NL(st, t) quire__buf_put((st)->out, "</" t ">\n", sizeof "</" t ">\n" - 1)

static inline void open_lit(render_state *st, const char *lit, size_t len, const quire_node *n,
                            const char *const *skip)
{
    if (!n->attrs) {
        quire__buf_put(st->out, lit, len);
        return;
    }
    quire__buf_put(st->out, lit, len - 1);
    put_extra_attrs(st, n, skip);
    quire__buf_putc(st->out, '>');
}

static bool is_void_element(const char *name)
{
    static const char *const voids[] = {"area", "base", "br", "col", "embed", "hr", "img",
                                        "input", "link", "meta", "param", "source", "track",
                                        "wbr", NULL};
    /* Asked up to three times per HTML node, which is mostly not void: the
     * first byte rules out most names without a call. */
    for (size_t i = 0; voids[i]; i++)
        if (name[0] == voids[i][0] && strcmp(name, voids[i]) == 0)
            return true;
    return false;
}

/* The length of an element name fit to write (an XML name without a
 * namespace prefix), 0 when it is not. */
static size_t element_name_len(const char *n)
{
    return xml_name_len(n, false);
}

static bool in_tight_list(const quire_node *n)
{
    const quire_node *item = n->parent;
    return item && item->type == QUIRE_NODE_ITEM && item->parent &&
           item->parent->type == QUIRE_NODE_LIST &&
           (item->parent->flags & QUIRE_NODE_FLAG_TIGHT);
}

/* A cell's alignment as its style attribute, written as it is: a literal
 * with nothing to escape. */
static const char *align_style(quire_align a)
{
    switch (a) {
    case QUIRE_ALIGN_LEFT: return " style=\"text-align: left\"";
    case QUIRE_ALIGN_CENTER: return " style=\"text-align: center\"";
    case QUIRE_ALIGN_RIGHT: return " style=\"text-align: right\"";
    default: return NULL;
    }
}

static void render_embed(render_state *st, const quire_node *n)
{
    quire_buf *b = st->out;
    if (st->opts->keep_embeds && n->url) {
        const char *tag = n->embed_kind == QUIRE_EMBED_VIDEO   ? "video"
                          : n->embed_kind == QUIRE_EMBED_AUDIO ? "audio"
                                                               : "iframe";
        static const char *const skip[] = {"src", "title", NULL};
        open_tag(st, tag, strlen(tag), n, skip);
        ATTR(st, "src", n->url);
        if (n->title)
            ATTR(st, "title", n->title);
        end_open(st, false);
        close_tag(st, tag, strlen(tag));
        quire__buf_putc(b, '\n');
        return;
    }
    /* Without live embeds: a paragraph with a plain link keeps the content
     * reachable in every reader. */
    quire__buf_puts(b, "<p class=\"embed\"><a");
    ATTR(st, "href", n->url ? n->url : "");
    quire__buf_putc(b, '>');
    const char *label = n->title && *n->title ? n->title : NULL;
    if (label)
        put_text(b, label, false);
    else if (n->info)
        put_text(b, n->info, false), quire__buf_puts(b, " video");
    else
        put_text(b, n->url ? n->url : "embedded content", false);
    quire__buf_puts(b, "</a>");
    if (label && n->info) {
        quire__buf_puts(b, " (");
        put_text(b, n->info, false);
        quire__buf_putc(b, ')');
    }
    quire__buf_puts(b, "</p>\n");
}

/* A heading's tags by level (1-6): "<hN>" and "</hN>\n". */
static const char heading_open[6][5] = {"<h1>", "<h2>", "<h3>", "<h4>", "<h5>", "<h6>"};
static const char heading_close[6][7] = {"</h1>\n", "</h2>\n", "</h3>\n",
                                         "</h4>\n", "</h5>\n", "</h6>\n"};

static int heading_level(const quire_node *n)
{
    return n->level < 1 ? 1 : n->level > 6 ? 6 : n->level;
}

static void enter(render_state *st, const quire_node *n)
{
    quire_buf *b = st->out;
    size_t name_len;
    switch (n->type) {
    case QUIRE_NODE_ROOT:
    case QUIRE_NODE_MORE:
        break;
    case QUIRE_NODE_PARAGRAPH:
        if (!in_tight_list(n))
            OPEN(st, "p", n, NULL);
        break;
    case QUIRE_NODE_HEADING:
        open_lit(st, heading_open[heading_level(n) - 1], 4, n, NULL);
        break;
    case QUIRE_NODE_BLOCKQUOTE:
        OPEN(st, "blockquote", n, NULL);
        quire__buf_putc(b, '\n');
        break;
    case QUIRE_NODE_LIST: {
        bool ordered = n->flags & QUIRE_NODE_FLAG_ORDERED;
        static const char *const skip[] = {"start", NULL};
        if (ordered && n->level > 1) {
            open_tag(st, TAG("ol"), n, skip);
            quire__buf_printf(b, " start=\"%d\">\n", n->level);
        } else if (ordered) {
            OPEN(st, "ol", n, skip);
            quire__buf_putc(b, '\n');
        } else {
            OPEN(st, "ul", n, skip);
            quire__buf_putc(b, '\n');
        }
        break;
    }
    case QUIRE_NODE_ITEM:
        OPEN(st, "li", n, NULL);
        if (n->flags & QUIRE_NODE_FLAG_TASK)
            quire__buf_puts(b, (n->flags & QUIRE_NODE_FLAG_CHECKED) ? "\xE2\x98\x91 " : "\xE2\x98\x90 ");
        break;
    case QUIRE_NODE_CODE_BLOCK:
        OPEN(st, "pre", n, NULL);
        quire__buf_puts(b, "<code");
        if (n->info && *n->info) {
            quire__buf_puts(b, " class=\"language-");
            put_text(b, n->info, true);
            quire__buf_putc(b, '"');
        }
        quire__buf_putc(b, '>');
        put_content(st, n->literal);
        quire__buf_puts(b, "</code></pre>\n");
        break;
    case QUIRE_NODE_THEMATIC_BREAK:
        open_tag(st, TAG("hr"), n, NULL);
        end_open(st, true);
        quire__buf_putc(b, '\n');
        break;
    case QUIRE_NODE_TABLE:
        OPEN(st, "table", n, NULL);
        quire__buf_putc(b, '\n');
        break;
    case QUIRE_NODE_TABLE_ROW: {
        bool hdr = n->flags & QUIRE_NODE_FLAG_HEADER;
        bool prev_hdr = n->prev && (n->prev->flags & QUIRE_NODE_FLAG_HEADER);
        if (!n->prev || hdr != prev_hdr)
            quire__buf_puts(b, hdr ? "<thead>\n" : "<tbody>\n");
        OPEN(st, "tr", n, NULL);
        break;
    }
    case QUIRE_NODE_TABLE_CELL: {
        bool hdr = n->parent && (n->parent->flags & QUIRE_NODE_FLAG_HEADER);
        const char *style = align_style(n->align);
        static const char *const skip[] = {"style", "align", NULL};
        quire__buf_put(b, hdr ? "<th" : "<td", 3);
        put_extra_attrs(st, n, style ? skip : NULL);
        if (style)
            quire__buf_puts(b, style);
        quire__buf_putc(b, '>');
        break;
    }
    case QUIRE_NODE_FIGURE:
        OPEN(st, "figure", n, NULL);
        break;
    case QUIRE_NODE_CAPTION:
        OPEN(st, "figcaption", n, NULL);
        break;
    case QUIRE_NODE_EMBED:
        render_embed(st, n);
        break;
    case QUIRE_NODE_FOOTNOTE_DEF:
        quire__buf_puts(b, "<div class=\"footnote\"");
        {
            quire_buf id;
            quire__buf_init(&id);
            quire__buf_printf(&id, "fn-%s", n->info ? n->info : "");
            ATTR(st, "id", quire__buf_cstr(&id));
            quire__buf_free(&id);
        }
        quire__buf_puts(b, ">\n");
        break;
    case QUIRE_NODE_FOOTNOTE_REF: {
        quire_buf id;
        quire__buf_init(&id);
        quire__buf_puts(b, "<sup class=\"footnote-ref\"><a");
        quire__buf_printf(&id, "#fn-%s", n->info ? n->info : "");
        ATTR(st, "href", quire__buf_cstr(&id));
        quire__buf_reset(&id);
        quire__buf_printf(&id, "fnref-%s", n->info ? n->info : "");
        ATTR(st, "id", quire__buf_cstr(&id));
        quire__buf_putc(b, '>');
        put_text(b, n->info, false);
        quire__buf_puts(b, "</a></sup>");
        quire__buf_free(&id);
        break;
    }
    case QUIRE_NODE_HTML_BLOCK:
    case QUIRE_NODE_HTML_INLINE:
        if ((name_len = element_name_len(n->name))) {
            open_tag(st, n->name, name_len, n, NULL);
            end_open(st, is_void_element(n->name));
        }
        break;
    case QUIRE_NODE_TEXT:
        put_content(st, n->literal);
        break;
    case QUIRE_NODE_SOFTBREAK:
        quire__buf_putc(b, '\n');
        break;
    case QUIRE_NODE_LINEBREAK:
        quire__buf_puts(b, st->opts->xhtml ? "<br />\n" : "<br>\n");
        break;
    case QUIRE_NODE_CODE:
        OPEN(st, "code", n, NULL);
        put_content(st, n->literal);
        CLOSE(st, "code");
        break;
    case QUIRE_NODE_EMPH:
        OPEN(st, "em", n, NULL);
        break;
    case QUIRE_NODE_STRONG:
        OPEN(st, "strong", n, NULL);
        break;
    case QUIRE_NODE_STRIKETHROUGH:
        OPEN(st, "del", n, NULL);
        break;
    case QUIRE_NODE_LINK: {
        static const char *const skip[] = {"href", "title", NULL};
        open_tag(st, TAG("a"), n, skip);
        ATTR(st, "href", n->url ? n->url : "");
        if (n->title && *n->title)
            ATTR(st, "title", n->title);
        quire__buf_putc(b, '>');
        break;
    }
    case QUIRE_NODE_IMAGE: {
        static const char *const skip[] = {"src", "alt", "title", "width", "height", NULL};
        open_tag(st, TAG("img"), n, skip);
        ATTR(st, "src", n->url ? n->url : "");
        ATTR(st, "alt", n->literal ? n->literal : "");
        if (n->title && *n->title)
            ATTR(st, "title", n->title);
        if (n->width > 0)
            quire__buf_printf(b, " width=\"%d\"", n->width);
        if (n->height > 0)
            quire__buf_printf(b, " height=\"%d\"", n->height);
        end_open(st, true);
        break;
    }
    default:
        break;
    }
}

static void leave(render_state *st, const quire_node *n)
{
    quire_buf *b = st->out;
    size_t name_len;
    switch (n->type) {
    case QUIRE_NODE_PARAGRAPH:
        if (!in_tight_list(n))
            CLOSE_NL(st, "p");
        else
            quire__buf_putc(b, '\n');
        break;
    case QUIRE_NODE_HEADING:
        quire__buf_put(b, heading_close[heading_level(n) - 1], 6);
        break;
    case QUIRE_NODE_BLOCKQUOTE: CLOSE_NL(st, "blockquote"); break;
    case QUIRE_NODE_LIST:
        if (n->flags & QUIRE_NODE_FLAG_ORDERED)
            CLOSE_NL(st, "ol");
        else
            CLOSE_NL(st, "ul");
        break;
    case QUIRE_NODE_ITEM:
        /* a tight item's last paragraph already ended with a newline */
        if (b->len && b->data[b->len - 1] == '\n')
            b->data[--b->len] = '\0';
        CLOSE_NL(st, "li");
        break;
    case QUIRE_NODE_TABLE: CLOSE_NL(st, "table"); break;
    case QUIRE_NODE_TABLE_ROW: {
        CLOSE_NL(st, "tr");
        bool hdr = n->flags & QUIRE_NODE_FLAG_HEADER;
        bool next_hdr = n->next && (n->next->flags & QUIRE_NODE_FLAG_HEADER);
        if (!n->next || hdr != next_hdr)
            quire__buf_puts(b, hdr ? "</thead>\n" : "</tbody>\n");
        break;
    }
    case QUIRE_NODE_TABLE_CELL:
        if (n->parent && (n->parent->flags & QUIRE_NODE_FLAG_HEADER))
            CLOSE(st, "th");
        else
            CLOSE(st, "td");
        break;
    case QUIRE_NODE_FIGURE: CLOSE_NL(st, "figure"); break;
    case QUIRE_NODE_CAPTION: CLOSE(st, "figcaption"); break;
    case QUIRE_NODE_FOOTNOTE_DEF: quire__buf_puts(b, "</div>\n"); break;
    case QUIRE_NODE_HTML_BLOCK:
    case QUIRE_NODE_HTML_INLINE:
        if ((name_len = element_name_len(n->name)) && !is_void_element(n->name))
            close_tag(st, n->name, name_len);
        if (n->type == QUIRE_NODE_HTML_BLOCK)
            quire__buf_putc(b, '\n');
        break;
    case QUIRE_NODE_EMPH: CLOSE(st, "em"); break;
    case QUIRE_NODE_STRONG: CLOSE(st, "strong"); break;
    case QUIRE_NODE_STRIKETHROUGH: CLOSE(st, "del"); break;
    case QUIRE_NODE_LINK: CLOSE(st, "a"); break;
    default: break;
    }
}

/* Whether n's children are rendered: not a leaf's, a void element's or an
 * embed's. */
static bool renders_children(const quire_node *n)
{
    if (!n->first_child || quire__node_is_leaf(n) || n->type == QUIRE_NODE_EMBED)
        return false;
    return !((n->type == QUIRE_NODE_HTML_BLOCK || n->type == QUIRE_NODE_HTML_INLINE) && n->name &&
             is_void_element(n->name));
}

void quire__render_html(quire_buf *out, const quire_node *root, const quire_render_opts *opts)
{
    static const quire_render_opts defaults = {0};
    render_state st = {out, opts ? opts : &defaults};
    /* A body's HTML is mostly several KB: into a new buffer, start there
     * rather than double from 256 bytes (five reallocs and their copies). */
    if (!out->cap)
        quire__buf_reserve(out, RENDER_FIRST_CAP);
    if (!root)
        return;
    /* The walk quire_iter makes (each node entered, each container left
     * after its children, leaves never), written out as a loop over the
     * links: the iterator's state machine cost ~20 instructions an event,
     * two events a container, for every node of every page and feed item.
     * Iterative: any depth. */
    const quire_node *n = root;
    for (;;) {
        enter(&st, n);
        if (renders_children(n)) {
            n = n->first_child;
            continue;
        }
        if (!quire__node_is_leaf(n))
            leave(&st, n);
        while (n != root && !n->next) {
            n = n->parent;
            leave(&st, n);
        }
        if (n == root)
            return;
        n = n->next;
    }
}
