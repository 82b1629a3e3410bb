/*
 * html_to_model.c — HTML to model nodes, through libxml2's HTML parser.
 *
 * Why SAX and not a DOM: the parser's events are turned into quire_nodes
 * directly, so there is no intermediate xmlDoc to allocate, walk and free,
 * and the open elements are simply the chain of `cur` parents — no
 * recursion anywhere, whatever the nesting depth of the input.  libxml2
 * does the HTML error recovery (implied end tags, unclosed elements, stray
 * end tags) and always hands over balanced start/end events.
 *
 * What needs to look at children (tight lists, inline runs to wrap in
 * paragraphs, embeds to lift out of paragraphs, whitespace between blocks)
 * is done when an element closes, on that element's children only: linear.
 *
 * The same handlers also take events that do not come from libxml2: the
 * markdown reader's walk over cmark-gfm's tree (see "incremental use" at
 * the end of this file), and the raw HTML that needs no parser — single
 * inline tags (h2m_fast_inline) and balanced blocks of known tags
 * (h2m_fast_block), which make the very calls libxml2's events would
 * make; whatever they are not sure about goes to libxml2, decided before
 * a node is made (tests/readers and the markdown fuzz target compare both).
 */
#include "html_to_model.h"

#include <libxml/HTMLparser.h>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif
#include <limits.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define H2M_DEFAULT_MAX_DEPTH 200

/* A LIST got an item with a real <p>: not tight.  Private to this file,
 * cleared before the list is handed back. */
#define H2M_FLAG_LOOSE (1u << 30)

/* What a start event did, so that its end event can undo it. */
enum {
    H2M_F_NONE = 0,   /* nothing open (transparent, dropped, or a leaf) */
    H2M_F_PUSH,       /* a node was opened and is `cur` */
    H2M_F_SKIP,       /* a dropped subtree (head, footnote back-links) */
    H2M_F_COLLECT,    /* CODE or CODE_BLOCK opened, collecting its text */
    H2M_F_THEAD,      /* transparent <thead>: rows inside are header rows */
    H2M_F_FOOTNOTES,  /* transparent <section class="footnotes"> */
    H2M_F_FNREF,      /* transparent <sup class="footnote-ref"> */
};

/* One open element.  `name` is set for elements a Markdown walk opened
 * (quire__h2m_md_start), so that the HTML parser can be told about them
 * later; `serial` grows with every push, so it increases up the stack. */
typedef struct h2m_frame {
    unsigned char kind;   /* H2M_F_* */
    const char *name;     /* Markdown elements: the tag cmark-gfm would write */
    uint32_t serial;
} h2m_frame;

/* A Markdown element the walk opened: its end comes through
 * quire__h2m_md_end even when libxml2 has closed it already. */
typedef struct h2m_md {
    uint32_t serial;
    const char *name;
} h2m_md;

typedef struct h2m {
    quire_document *doc;
    quire_arena *arena;
    const quire_read_ctx *ctx;
    const char *component;
    unsigned flags;
    htmlParserCtxtPtr pctx;
    const char *html;
    size_t len;
    uint32_t line_offset;

    quire_node *root, *cur;
    size_t depth, max_depth;
    bool depth_warned;

    h2m_frame *frames;     /* one per open element */
    size_t nframes, frames_cap;
    uint32_t serial;       /* of the last frame pushed */
    size_t skip;           /* > 0: inside a dropped subtree */
    size_t thead, footnotes, fnref;
    quire_node *collect;   /* CODE/CODE_BLOCK whose text goes to `lit` */
    quire_buf text;        /* characters not yet made into nodes */
    /* Markdown text (quire__h2m_md_text) not copied into `text` yet: most
     * text runs are one piece, made into a node straight from the walk's
     * string.  When set, `text` is empty: the run begins here. */
    const char *pend_text;
    size_t pend_len;
    quire_buf lit;
    bool ltrim_next;       /* drop leading blanks of the next text (after a task box) */
    bool after_backref;    /* blanks between footnote back-links are noise */

    /* Rendered-HTML position of scan_off, advanced monotonically so that
     * the whole input is scanned once. */
    size_t scan_off, last_off;
    uint32_t scan_line, scan_col;
    /* Raw-HTML position mapping: rendered line map_rline is source line
     * map_line, columns shifted by map_col - 1. */
    bool raw_map;
    uint32_t map_rline, map_line, map_col;

    /* Incremental use (quire__h2m_*): the next element comes from a
     * Markdown walk at this position (md_line 0: the parent's). */
    bool md_mode;
    uint32_t md_line, md_col;
    /* A skeleton start tag handed to the push parser: its start event
     * gets these attributes and position instead of the (empty) parsed ones. */
    const char *pend_name;
    const xmlChar **pend_atts;
    uint32_t pend_line, pend_col, pend_serial;
    bool pend_done;
    int replay;            /* > 0: start events re-announce open elements */
    h2m_md *mds;           /* Markdown elements opened and not yet ended, in order */
    size_t nmds, mds_cap;
    quire_buf log;         /* everything handed to the push parser */
    size_t log_base;       /* where in log the current parser started */
    size_t clamp_off;      /* where the fragment's end marker starts (SIZE_MAX: none) */
    bool push_dead;
    /* The name of the element being started outlives the document (a
     * table's string): nodes take it without a copy. */
    bool name_kept;
    /* Each attribute of the element being started is one its node takes
     * into a field (a Markdown link's href and title...): none is left for
     * h2m_copy_attrs to copy. */
    bool atts_taken;
    /* The block fast path gives each start tag its place itself. */
    bool fixed_pos;
    uint32_t fixed_line, fixed_col;
    /* ... and reads a block once (h2m_block_scan), recording what it holds. */
    struct h2m_fb_op *fb_ops;
    size_t fb_nops, fb_cap;
    const char **fb_atts;
    size_t fb_natts, fb_atts_cap;
    quire_buf fb_str;

    bool oom;
} h2m;

/* ------------------------------------------------------------------ helpers */

unsigned quire__h2m_no_fast;

static pthread_once_t h2m_once = PTHREAD_ONCE_INIT;

static void h2m_build_tag_index(void);
static void h2m_build_block_tables(void);

static void h2m_init_libxml(void)
{
    xmlInitParser();
    h2m_build_tag_index();
    h2m_build_block_tables();
}

static bool h2m_is_space(unsigned char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f';
}

static bool h2m_all_space(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!h2m_is_space((unsigned char)s[i]))
            return false;
    return true;
}

/* Names are compared first by their first byte, inline: an element's
 * attributes are looked up by several names, most of which it lacks. */
static inline bool h2m_name_is(const char *a, const char *name)
{
    return a[0] == name[0] && strcmp(a, name) == 0;
}

static inline const char *h2m_att(const xmlChar **atts, const char *name)
{
    for (size_t i = 0; atts && atts[i]; i += 2)
        if (h2m_name_is((const char *)atts[i], name))
            return atts[i + 1] ? (const char *)atts[i + 1] : "";
    return NULL;
}

/* True when the space-separated class list holds `cls`. */
static bool h2m_has_class(const char *list, const char *cls)
{
    size_t n = strlen(cls);
    for (const char *p = list; p && *p;) {
        while (h2m_is_space((unsigned char)*p))
            p++;
        const char *e = p;
        while (*e && !h2m_is_space((unsigned char)*e))
            e++;
        if ((size_t)(e - p) == n && memcmp(p, cls, n) == 0)
            return true;
        p = e;
    }
    return false;
}

static int h2m_int_attr(const char *s)
{
    long v = 0;
    if (!s)
        return 0;
    while (h2m_is_space((unsigned char)*s))
        s++;
    for (; *s >= '0' && *s <= '9'; s++) {
        v = v * 10 + (*s - '0');
        if (v > 1000000)
            return 0; /* nonsense, not a size */
    }
    /* "640", "640px" are sizes; "50%" is not */
    while (h2m_is_space((unsigned char)*s))
        s++;
    if (*s && strcmp(s, "px") != 0)
        return 0;
    return (int)v;
}

static bool h2m_push_frame(h2m *st, unsigned char f)
{
    if (st->nframes == st->frames_cap) {
        size_t cap = st->frames_cap ? st->frames_cap * 2 : 64;
        h2m_frame *p = realloc(st->frames, cap * sizeof *p);
        if (!p) {
            st->oom = true;
            return false;
        }
        st->frames = p;
        st->frames_cap = cap;
    }
    st->frames[st->nframes++] = (h2m_frame){f, NULL, ++st->serial};
    return true;
}

/* Byte offset in st->html of the parser's current position. */
static size_t h2m_parser_offset(const h2m *st)
{
    const xmlParserInputPtr in = st->pctx ? st->pctx->input : NULL;
    if (!in || !in->cur || !in->base)
        return st->last_off;
    size_t off = st->log_base + (size_t)in->consumed + (size_t)(in->cur - in->base);
    if (off > st->len)
        off = st->len;
    if (off >= st->clamp_off && st->clamp_off > 0)
        off = st->clamp_off - 1; /* never a position inside the end marker */
    if (off < st->last_off)
        off = st->last_off;
    return off;
}

/* Move (*line, *col) over s[from, to): a newline starts the next line at
 * column 1; columns count characters, not UTF-8 bytes (continuation bytes,
 * 10xxxxxx, do not count).  Eight bytes at a time: raw HTML between two
 * tags is mostly text, and this runs over all of it. */
/* How many bytes of x have their high bit set, x having no other bits:
 * one multiply, where __builtin_popcountll is a libgcc call on a build
 * without -mpopcnt. */
static inline uint32_t h2m_count_high(uint64_t x)
{
    return (uint32_t)(((x >> 7) * QUIRE__ONES64) >> 56);
}

static void h2m_advance_pos(const unsigned char *s, size_t from, size_t to, uint32_t *line,
                            uint32_t *col)
{
    size_t i = from;
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    for (; to - i >= 8; i += 8) {
        uint64_t w = quire__load64(s + i);
        /* exact per byte: the low seven bits plus 0x7F never carry out */
        uint64_t x = w ^ ('\n' * QUIRE__ONES64);
        uint64_t nl = ~(((x & ~QUIRE__HIGH64) + ~QUIRE__HIGH64) | x) & QUIRE__HIGH64;
        if (!nl && !(w & QUIRE__HIGH64)) {
            *col += 8; /* ASCII, no newline: the common word */
            continue;
        }
        uint64_t cont = w & ~(w << 1) & QUIRE__HIGH64;
        if (nl) {
            /* the last newline in the word: count from just after it */
            unsigned last = (63u - (unsigned)__builtin_clzll(nl)) >> 3;
            uint64_t after = last == 7 ? 0 : cont >> (8 * (last + 1));
            *line += h2m_count_high(nl);
            *col = 1 + (7 - last) - h2m_count_high(after);
        } else {
            *col += 8 - h2m_count_high(cont);
        }
    }
#endif
    for (; i < to; i++) {
        if (s[i] == '\n') {
            ++*line;
            *col = 1;
        } else if ((s[i] & 0xC0) != 0x80) {
            ++*col;
        }
    }
}

/* Advance the line/column tracker to `off` (never backwards). */
static void h2m_scan_to(h2m *st, size_t off)
{
    if (off > st->scan_off) {
        h2m_advance_pos((const unsigned char *)st->html, st->scan_off, off, &st->scan_line,
                        &st->scan_col);
        st->scan_off = off;
    }
}

/* Source position of the element whose start tag was just parsed. */
static void h2m_element_pos(h2m *st, const xmlChar **atts, uint32_t *line, uint32_t *col)
{
    if (st->fixed_pos) {
        *line = st->fixed_line;
        *col = st->fixed_col;
        return;
    }
    if (st->md_mode) {
        /* Markdown: block elements have cmark's position (and end any raw
         * HTML mapping, as data-sourcepos did); inline ones the parent's. */
        if (st->md_line) {
            *line = st->md_line;
            *col = st->md_col;
            st->raw_map = false;
        } else {
            *line = st->cur->line;
            *col = st->cur->column;
        }
        return;
    }
    size_t off = h2m_parser_offset(st);
    if (st->flags & QUIRE__H2M_CMARK) {
        const char *sp = h2m_att(atts, "data-sourcepos");
        unsigned long l, c;
        char *end;
        if (sp && (l = strtoul(sp, &end, 10)) > 0 && *end == ':' &&
            (c = strtoul(end + 1, NULL, 10)) > 0) {
            *line = (uint32_t)l + st->line_offset;
            *col = (uint32_t)c;
            /* Markdown again: raw HTML positions no longer apply. */
            st->raw_map = false;
            st->last_off = off;
            return;
        }
    }
    if (!st->raw_map) {
        *line = st->cur->line;
        *col = st->cur->column;
        st->last_off = off;
        return;
    }
    /* The tag began at the last '<' since the previous event.  (A '<'
     * inside an attribute value can fool this; it only costs precision.) */
    size_t lt = off;
    while (lt > st->last_off && st->html[lt] != '<')
        lt--;
    if (lt < st->scan_off)
        lt = st->scan_off;
    h2m_scan_to(st, lt);
    st->last_off = off;
    uint32_t rl = st->scan_line < st->map_rline ? st->map_rline : st->scan_line;
    *line = st->map_line + (rl - st->map_rline);
    *col = st->scan_col + st->map_col - 1;
}

/* quire_node_new, inline: the converter makes every node of a body, and
 * the call into node.c cost a third of a node's making. */
static inline quire_node *h2m_new(h2m *st, quire_node_type type, uint32_t line, uint32_t col)
{
    quire_node *n = quire__arena_alloc(st->arena, sizeof *n);
    if (!n) {
        st->oom = true;
        return NULL;
    }
    n->type = type;
    n->line = line;
    n->column = col;
    return n;
}

/* A text node (quire__node_new_text); without memory the conversion stops. */
static inline quire_node *h2m_new_text(h2m *st, const char *s, size_t len, uint32_t line,
                                       uint32_t col)
{
    quire_node *n = quire__node_new_text(st->arena, s, len, line, col);
    if (!n)
        st->oom = true;
    return n;
}

/* Append attribute (name, value) at *tail without a duplicate check:
 * libxml2 already drops repeated attributes, and a check would make a tag
 * with many attributes quadratic. */
static quire_attr **h2m_add_attr(h2m *st, quire_attr **tail, const char *name, const char *value)
{
    quire_attr *a = quire_arena_alloc(st->arena, sizeof *a);
    if (!a) {
        st->oom = true;
        return tail;
    }
    a->name = quire_arena_strdup(st->arena, name);
    a->value = quire_arena_strdup(st->arena, value ? value : "");
    if (!a->name || !a->value) {
        st->oom = true;
        return tail;
    }
    *tail = a;
    return &a->next;
}

/* Copy the attributes not already turned into fields (`used`, a
 * NULL-terminated list). */
static void h2m_copy_attrs(h2m *st, quire_node *n, const xmlChar **atts,
                           const char *const *used)
{
    if (!atts || !atts[0])
        return; /* most elements, all of Markdown's but links, images, cells */
    quire_attr **tail = &n->attrs;
    while (*tail)
        tail = &(*tail)->next;
    for (size_t i = 0; atts[i]; i += 2) {
        const char *name = (const char *)atts[i];
        bool skip = (st->flags & QUIRE__H2M_CMARK) && h2m_name_is(name, "data-sourcepos");
        for (size_t u = 0; !skip && used && used[u]; u++)
            skip = h2m_name_is(name, used[u]);
        if (!skip)
            tail = h2m_add_attr(st, tail, name, (const char *)atts[i + 1]);
    }
}

static const char *h2m_strdup(h2m *st, const char *s)
{
    if (!s)
        return NULL;
    char *d = quire_arena_strdup(st->arena, s);
    if (!d)
        st->oom = true;
    return d;
}

/* The element's name for its node: a copy, unless it is kept anyway. */
static const char *h2m_node_name(h2m *st, const char *name)
{
    return st->name_kept ? name : h2m_strdup(st, name);
}

/* ------------------------------------------------------------ node context */

static bool h2m_is_raw_text_name(const char *name)
{
    return strcmp(name, "script") == 0 || strcmp(name, "style") == 0 ||
           strcmp(name, "textarea") == 0 || strcmp(name, "xmp") == 0 ||
           strcmp(name, "plaintext") == 0;
}

/* (Asked at every flush: the type test stays inline.) */
static inline bool h2m_is_raw_text(const quire_node *n)
{
    return (n->type == QUIRE_NODE_HTML_BLOCK || n->type == QUIRE_NODE_HTML_INLINE) &&
           n->name && h2m_is_raw_text_name(n->name);
}

/* Children of these are inline content: newlines are soft breaks. */
static bool h2m_is_inline_ctx(const quire_node *n)
{
    switch (n->type) {
    case QUIRE_NODE_PARAGRAPH:
    case QUIRE_NODE_HEADING:
    case QUIRE_NODE_TABLE_CELL:
    case QUIRE_NODE_CAPTION:
    case QUIRE_NODE_EMPH:
    case QUIRE_NODE_STRONG:
    case QUIRE_NODE_STRIKETHROUGH:
    case QUIRE_NODE_LINK:
        return true;
    case QUIRE_NODE_HTML_INLINE:
        return !h2m_is_raw_text(n);
    default:
        return false;
    }
}

/* Children of these are blocks: inline runs get wrapped in paragraphs. */
static bool h2m_wraps_inlines(const quire_node *n)
{
    switch (n->type) {
    case QUIRE_NODE_ROOT:
    case QUIRE_NODE_BLOCKQUOTE:
    case QUIRE_NODE_ITEM:
    case QUIRE_NODE_FOOTNOTE_DEF:
        return true;
    default:
        return false;
    }
}

/* Containers where text between children is formatting only. */
static bool h2m_drops_blank_text(const quire_node *n)
{
    switch (n->type) {
    case QUIRE_NODE_LIST:
    case QUIRE_NODE_TABLE:
    case QUIRE_NODE_TABLE_ROW:
        return true;
    default:
        return false;
    }
}

/* ------------------------------------------------------------------- text */

/* Append s[0..n) to parent as TEXT, turning newlines into SOFTBREAKs when
 * `breaks` (cmark renders a soft break as "\n"). */
static void h2m_emit_text(h2m *st, quire_node *parent, const char *s, size_t n, bool breaks)
{
    uint32_t line = parent->line, col = parent->column;
    if (!breaks) {
        quire_node *t = h2m_new_text(st, s, n, line, col);
        if (t)
            quire__node_append_new(parent, t);
        return;
    }
    /* cmark writes a hard break as "<br />\n": that newline is not a soft
     * break of its own. */
    if (n && s[0] == '\n' && parent->last_child &&
        parent->last_child->type == QUIRE_NODE_LINEBREAK) {
        s++;
        n--;
    }
    size_t i = 0;
    while (i < n) {
        const char *nl = memchr(s + i, '\n', n - i);
        size_t end = nl ? (size_t)(nl - s) : n;
        size_t seg = end - i;
        if (seg && s[i + seg - 1] == '\r')
            seg--;
        if (seg) {
            quire_node *t = h2m_new_text(st, s + i, seg, line, col);
            if (!t)
                return;
            quire__node_append_new(parent, t);
        }
        if (!nl)
            break;
        quire_node *b = h2m_new(st, QUIRE_NODE_SOFTBREAK, line, col);
        if (!b)
            return;
        quire__node_append_new(parent, b);
        i = end + 1;
    }
}

/* Inside <script> or <style>, libxml2 takes the end marker of a raw
 * fragment (quire__h2m_raw) for script text: take it out again. */
static void h2m_strip_marks(quire_buf *b)
{
    static const char mark[] = "<!---->";
    size_t k = sizeof mark - 1, o = 0;
    for (size_t i = 0; i < b->len;) {
        if (b->len - i >= k && memcmp(b->data + i, mark, k) == 0) {
            i += k;
            continue;
        }
        b->data[o++] = b->data[i++];
    }
    b->len = o;
}

/* Copy the pending Markdown text into `text`, before more is added to the
 * run or the run is changed in place. */
static void h2m_take_pending(h2m *st)
{
    if (st->pend_len) {
        quire__buf_put(&st->text, st->pend_text, st->pend_len);
        st->pend_len = 0;
    }
}

static void h2m_flush_run(h2m *st)
{
    const char *s;
    size_t n;
    bool strip = st->log.len && h2m_is_raw_text(st->cur);
    if (st->pend_len && !strip) {
        s = st->pend_text;
        n = st->pend_len;
        st->pend_len = 0;
    } else {
        h2m_take_pending(st);
        if (!st->text.len)
            return;
        if (strip)
            h2m_strip_marks(&st->text);
        s = st->text.data;
        n = st->text.len;
        st->text.len = 0; /* (what follows only reads s) */
        if (!n)
            return;
    }
    quire_node *cur = st->cur;
    if (st->ltrim_next) {
        while (n && h2m_is_space((unsigned char)*s))
            s++, n--;
        if (n)
            st->ltrim_next = false;
    }
    if (n && !(h2m_drops_blank_text(cur) && h2m_all_space(s, n)) &&
        !(st->after_backref && h2m_all_space(s, n)))
        h2m_emit_text(st, cur, s, n, !h2m_is_raw_text(cur) && h2m_is_inline_ctx(cur));
}

/* Make the text waiting since the last element into nodes.  Asked before
 * and after every element, and most often there is none: that test is
 * inline. */
static inline void h2m_flush(h2m *st)
{
    if (st->pend_len || st->text.len)
        h2m_flush_run(st);
}

/* ------------------------------------------------------------- finalizing */

static bool h2m_is_blank_inline(const quire_node *n)
{
    if (n->type == QUIRE_NODE_SOFTBREAK)
        return true;
    return n->type == QUIRE_NODE_TEXT && h2m_all_space(n->literal, strlen(n->literal));
}

/* Whether h2m_emit_text(.., breaks) of s[0..n), the end of text node c's
 * literal (len bytes), would make one text node of all of it: no newline
 * (a soft break), no CR before the end (dropped), nothing cut off at the
 * end (the literal's own NUL ends s).  Then c itself can be moved. */
static bool h2m_text_keeps(const quire_node *c, const char *s, size_t n, size_t len)
{
    return n && s + n == c->literal + len && s[n - 1] != '\r' && !memchr(s, '\n', n);
}

/* Move the inline run [first, stop) of `container` into a new paragraph
 * inserted where the run was; blank edges are dropped, newlines inside
 * become soft breaks.  A run of blanks only just disappears. */
static void h2m_wrap_run(h2m *st, quire_node *first, quire_node *stop)
{
    while (first != stop && h2m_is_blank_inline(first)) {
        quire_node *next = first->next;
        quire_node_unlink(first);
        first = next;
    }
    if (first == stop)
        return;
    quire_node *last = stop ? stop->prev : first->parent->last_child;
    while (last != first && h2m_is_blank_inline(last)) {
        quire_node *prev = last->prev;
        quire_node_unlink(last);
        last = prev;
    }
    quire_node *p = h2m_new(st, QUIRE_NODE_PARAGRAPH, first->line, first->column);
    if (!p)
        return;
    quire_node_insert_before(first, p);
    quire_node *end = last->next;
    for (quire_node *c = first; c != end;) {
        quire_node *next = c->next;
        if (c->type == QUIRE_NODE_TEXT) {
            const char *s = c->literal;
            size_t len = strlen(s), n = len;
            if (c == first)
                while (n && h2m_is_space((unsigned char)*s))
                    s++, n--;
            if (c == last)
                while (n && h2m_is_space((unsigned char)s[n - 1]))
                    n--;
            quire_node_unlink(c);
            if (h2m_text_keeps(c, s, n, len)) {
                /* what h2m_emit_text would make: this node, moved */
                c->literal = s;
                c->line = p->line;
                c->column = p->column;
                quire__node_append_new(p, c);
            } else {
                h2m_emit_text(st, p, s, n, true);
            }
        } else {
            quire_node_append(p, c);
        }
        c = next;
    }
}

/* quire_node_is_block, inline (n is never NULL here). */
static inline bool h2m_is_block(const quire_node *n)
{
    return n->type >= QUIRE_NODE_ROOT && n->type <= QUIRE_NODE_HTML_BLOCK;
}

/* Wrap every inline run among container's children in a paragraph. */
static void h2m_wrap_inlines(h2m *st, quire_node *container)
{
    quire_node *c = container->first_child;
    while (c) {
        if (h2m_is_block(c)) {
            c = c->next;
            continue;
        }
        quire_node *stop = c;
        while (stop && !h2m_is_block(stop))
            stop = stop->next;
        h2m_wrap_run(st, c, stop);
        c = stop;
    }
}

/* Generic block containers (div, figure...): blank text at the edges or
 * next to a block child is only layout. */
static void h2m_trim_blank_children(quire_node *container)
{
    quire_node *c = container->first_child;
    while (c) {
        quire_node *next = c->next;
        if (c->type == QUIRE_NODE_TEXT && h2m_all_space(c->literal, strlen(c->literal)) &&
            (!c->prev || !next || quire_node_is_block(c->prev) || quire_node_is_block(next)))
            quire_node_unlink(c);
        c = next;
    }
}

/* An embed is a block: a paragraph holding one is split around it, so that
 * the embed (later a figure) never sits inside a <p>. */
static void h2m_lift_embeds(h2m *st, quire_node *para)
{
    bool any = false;
    for (quire_node *c = para->first_child; c && !any; c = c->next)
        any = c->type == QUIRE_NODE_EMBED;
    if (!any)
        return;
    quire_node *piece = NULL, *first = NULL;
    while (para->first_child) {
        quire_node *c = para->first_child;
        if (c->type == QUIRE_NODE_EMBED) {
            quire_node_insert_before(para, c);
            if (!first)
                first = c;
            piece = NULL;
            continue;
        }
        if (!piece) {
            piece = h2m_new(st, QUIRE_NODE_PARAGRAPH, para->line, para->column);
            if (!piece)
                return;
            piece->attrs = para->attrs; /* id/class stay with the text */
            quire_node_insert_before(para, piece);
            if (!first)
                first = piece;
        }
        quire_node_append(piece, c);
    }
    /* Blank edges of the pieces go; a piece left empty goes too. */
    for (quire_node *c = first; c && c != para;) {
        quire_node *next = c->next;
        if (c->type == QUIRE_NODE_PARAGRAPH) {
            while (c->last_child && h2m_is_blank_inline(c->last_child))
                quire_node_unlink(c->last_child);
            while (c->first_child && h2m_is_blank_inline(c->first_child))
                quire_node_unlink(c->first_child);
            if (!c->first_child)
                quire_node_unlink(c);
        }
        c = next;
    }
    quire_node_unlink(para);
}

static void h2m_finalize(h2m *st, quire_node *n)
{
    switch (n->type) {
    case QUIRE_NODE_ITEM:
        if (n->parent && n->parent->type == QUIRE_NODE_LIST)
            for (quire_node *c = n->first_child; c; c = c->next)
                if (c->type == QUIRE_NODE_PARAGRAPH)
                    n->parent->flags |= H2M_FLAG_LOOSE;
        h2m_wrap_inlines(st, n);
        break;
    case QUIRE_NODE_LIST:
        if (n->flags & H2M_FLAG_LOOSE)
            n->flags &= ~H2M_FLAG_LOOSE;
        else
            n->flags |= QUIRE_NODE_FLAG_TIGHT;
        break;
    case QUIRE_NODE_PARAGRAPH:
        h2m_lift_embeds(st, n);
        break;
    case QUIRE_NODE_HTML_BLOCK:
    case QUIRE_NODE_FIGURE:
    case QUIRE_NODE_EMBED:
        if (!h2m_is_raw_text(n))
            h2m_trim_blank_children(n);
        break;
    default:
        if (h2m_wraps_inlines(n))
            h2m_wrap_inlines(st, n);
        break;
    }
}

/* ------------------------------------------------------------ open / close */

/* Open a container node as child of cur.  Beyond max_depth the element is
 * not made at all and its content flows into cur (flattened): the walk
 * stays iterative and the model stays shallow enough for every writer. */
static quire_node *h2m_open(h2m *st, quire_node_type type, const xmlChar **atts,
                            const char *const *used, unsigned char frame)
{
    uint32_t line, col;
    h2m_element_pos(st, atts, &line, &col);
    if (st->depth >= st->max_depth) {
        if (!st->depth_warned) {
            quire_diag_add(st->ctx->diags, QUIRE_SEV_WARNING, st->component, st->ctx->path,
                           line, col,
                           "elements nested deeper than %zu levels: the deeper ones are "
                           "flattened into their ancestor",
                           st->max_depth);
            st->depth_warned = true;
        }
        h2m_push_frame(st, H2M_F_NONE);
        return NULL;
    }
    quire_node *n = h2m_new(st, type, line, col);
    if (!n || !h2m_push_frame(st, frame)) {
        st->oom = true;
        return NULL;
    }
    if (!st->atts_taken)
        h2m_copy_attrs(st, n, atts, used);
    quire__node_append_new(st->cur, n);
    st->cur = n;
    st->depth++;
    return n;
}

/* A leaf node: appended to cur, never opened. */
static quire_node *h2m_leaf(h2m *st, quire_node_type type, const xmlChar **atts,
                            const char *const *used)
{
    uint32_t line, col;
    h2m_element_pos(st, atts, &line, &col);
    quire_node *n = h2m_new(st, type, line, col);
    if (!n)
        return NULL;
    if (!st->atts_taken)
        h2m_copy_attrs(st, n, atts, used);
    quire__node_append_new(st->cur, n);
    return n;
}

static void h2m_close(h2m *st)
{
    quire_node *n = st->cur;
    if (n == st->root || !n->parent)
        return;
    st->cur = n->parent;
    st->depth--;
    h2m_finalize(st, n);
}

/* ------------------------------------------------------------ element kinds */

typedef enum h2m_kind {
    K_GENERIC = 0, K_BLOCK_GENERIC, K_TRANSPARENT, K_SKIP, K_THEAD, K_P, K_H,
    K_BLOCKQUOTE, K_UL, K_OL, K_LI, K_PRE, K_CODE, K_HR, K_TABLE, K_TR, K_CELL,
    K_FIGURE, K_CAPTION, K_EMBED, K_EM, K_STRONG, K_DEL, K_A, K_IMG, K_BR,
    K_INPUT, K_SECTION, K_SUP, K_SOURCE
} h2m_kind;

typedef struct h2m_tag {
    const char *name;
    h2m_kind kind;
} h2m_tag;

/* Sorted by name for bsearch. */
static const h2m_tag h2m_tags[] = {
    {"a", K_A},
    {"address", K_BLOCK_GENERIC},
    {"article", K_BLOCK_GENERIC},
    {"aside", K_BLOCK_GENERIC},
    {"audio", K_EMBED},
    {"b", K_STRONG},
    {"blockquote", K_BLOCKQUOTE},
    {"body", K_TRANSPARENT},
    {"br", K_BR},
    {"canvas", K_BLOCK_GENERIC},
    {"caption", K_CAPTION},
    {"center", K_BLOCK_GENERIC},
    {"code", K_CODE},
    {"colgroup", K_BLOCK_GENERIC},
    {"dd", K_BLOCK_GENERIC},
    {"del", K_DEL},
    {"details", K_BLOCK_GENERIC},
    {"dialog", K_BLOCK_GENERIC},
    {"dir", K_BLOCK_GENERIC},
    {"div", K_BLOCK_GENERIC},
    {"dl", K_BLOCK_GENERIC},
    {"dt", K_BLOCK_GENERIC},
    {"em", K_EM},
    {"embed", K_EMBED},
    {"fieldset", K_BLOCK_GENERIC},
    {"figcaption", K_CAPTION},
    {"figure", K_FIGURE},
    {"footer", K_BLOCK_GENERIC},
    {"form", K_BLOCK_GENERIC},
    {"h1", K_H},
    {"h2", K_H},
    {"h3", K_H},
    {"h4", K_H},
    {"h5", K_H},
    {"h6", K_H},
    {"head", K_SKIP},
    {"header", K_BLOCK_GENERIC},
    {"hgroup", K_BLOCK_GENERIC},
    {"hr", K_HR},
    {"html", K_TRANSPARENT},
    {"i", K_EM},
    {"iframe", K_EMBED},
    {"img", K_IMG},
    {"input", K_INPUT},
    {"legend", K_BLOCK_GENERIC},
    {"li", K_LI},
    {"main", K_BLOCK_GENERIC},
    {"menu", K_BLOCK_GENERIC},
    {"nav", K_BLOCK_GENERIC},
    {"noscript", K_BLOCK_GENERIC},
    {"object", K_EMBED},
    {"ol", K_OL},
    {"p", K_P},
    {"pre", K_PRE},
    {"s", K_DEL},
    {"script", K_BLOCK_GENERIC},
    {"section", K_SECTION},
    {"source", K_SOURCE},
    {"strike", K_DEL},
    {"strong", K_STRONG},
    {"style", K_BLOCK_GENERIC},
    {"summary", K_BLOCK_GENERIC},
    {"sup", K_SUP},
    {"table", K_TABLE},
    {"tbody", K_TRANSPARENT},
    {"td", K_CELL},
    {"template", K_BLOCK_GENERIC},
    {"tfoot", K_TRANSPARENT},
    {"th", K_CELL},
    {"thead", K_THEAD},
    {"tr", K_TR},
    {"ul", K_UL},
    {"video", K_EMBED},
};

/*
 * Every element, from Markdown or raw HTML, is looked up here; a bsearch
 * costs about seven strcmp calls a time.  An open-addressed hash of the
 * table (built once, with libxml2's initialisation) finds a name with one.
 * Slots hold the entry's index plus one, 0 for empty.
 */
#define H2M_TAG_SLOTS 256
static unsigned char h2m_tag_slots[H2M_TAG_SLOTS];

static unsigned h2m_tag_hash(const char *name)
{
    unsigned h = 0;
    for (const unsigned char *p = (const unsigned char *)name; *p; p++)
        h = h * 31u + *p;
    return h & (H2M_TAG_SLOTS - 1);
}

static void h2m_build_tag_index(void)
{
    _Static_assert(sizeof h2m_tags / sizeof *h2m_tags < H2M_TAG_SLOTS / 2,
                   "the tag hash needs free slots");
    for (size_t i = 0; i < sizeof h2m_tags / sizeof *h2m_tags; i++) {
        unsigned h = h2m_tag_hash(h2m_tags[i].name);
        while (h2m_tag_slots[h])
            h = (h + 1) & (H2M_TAG_SLOTS - 1);
        h2m_tag_slots[h] = (unsigned char)(i + 1);
    }
}

/* The table's entry for this name (an exact, case-sensitive match), or NULL. */
static const h2m_tag *h2m_tag_find(const char *name)
{
    for (unsigned h = h2m_tag_hash(name); h2m_tag_slots[h]; h = (h + 1) & (H2M_TAG_SLOTS - 1)) {
        const h2m_tag *t = &h2m_tags[h2m_tag_slots[h] - 1];
        if (strcmp(t->name, name) == 0)
            return t;
    }
    return NULL;
}

static h2m_kind h2m_kind_of(const char *name)
{
    const h2m_tag *t = h2m_tag_find(name);
    return t ? t->kind : K_GENERIC;
}

const char *quire__embed_provider(quire_arena *arena, const char *url)
{
    if (!url)
        return NULL;
    const char *h = strstr(url, "//");
    if (!h)
        return NULL;
    h += 2;
    size_t n = strcspn(h, "/:?#");
    const char *at = memchr(h, '@', n); /* userinfo */
    if (at) {
        n -= (size_t)(at + 1 - h);
        h = at + 1;
    }
    if (!n)
        return NULL;
    char host[256];
    if (n >= sizeof host)
        n = sizeof host - 1;
    for (size_t i = 0; i < n; i++)
        host[i] = (char)((h[i] >= 'A' && h[i] <= 'Z') ? h[i] + 32 : h[i]);
    host[n] = '\0';
    /* Compare the registrable part: "www.youtube.com", "m.youtube.com"... */
    static const struct { const char *domain, *name; } known[] = {
        {"youtube.com", "YouTube"},
        {"youtube-nocookie.com", "YouTube"},
        {"youtu.be", "YouTube"},
        {"vimeo.com", "Vimeo"},
    };
    for (size_t i = 0; i < sizeof known / sizeof *known; i++) {
        size_t dl = strlen(known[i].domain);
        if (n == dl ? strcmp(host, known[i].domain) == 0
                    : n > dl && host[n - dl - 1] == '.' &&
                          strcmp(host + n - dl, known[i].domain) == 0)
            return known[i].name;
    }
    return quire_arena_strdup(arena, host);
}

static quire_align h2m_align(const char *align, const char *style)
{
    const char *v = align;
    if (!v && style) {
        const char *p = strstr(style, "text-align");
        if (p) {
            p += strlen("text-align");
            while (h2m_is_space((unsigned char)*p) || *p == ':')
                p++;
            v = p;
        }
    }
    if (!v)
        return QUIRE_ALIGN_NONE;
    if (strncasecmp(v, "left", 4) == 0)
        return QUIRE_ALIGN_LEFT;
    if (strncasecmp(v, "center", 6) == 0)
        return QUIRE_ALIGN_CENTER;
    if (strncasecmp(v, "right", 5) == 0)
        return QUIRE_ALIGN_RIGHT;
    return QUIRE_ALIGN_NONE;
}

/* Elements without a node of their own: HTML_BLOCK among blocks when the
 * element is block-level, HTML_INLINE otherwise. */
static void h2m_generic(h2m *st, const char *name, const xmlChar **atts, bool blockish)
{
    bool block = blockish && !h2m_is_inline_ctx(st->cur) &&
                 st->cur->type != QUIRE_NODE_HTML_INLINE;
    st->atts_taken = false; /* (a generic node keeps all of them) */
    quire_node *n = h2m_open(st, block ? QUIRE_NODE_HTML_BLOCK : QUIRE_NODE_HTML_INLINE,
                             atts, NULL, H2M_F_PUSH);
    if (n)
        n->name = h2m_node_name(st, name);
}

/* Text inside <pre>/<code> goes to the literal, markup inside is dropped. */
static void h2m_start_collecting(h2m *st, const char *name, const xmlChar **atts)
{
    if (strcmp(name, "br") == 0)
        quire__buf_putc(&st->lit, '\n');
    if (strcmp(name, "code") == 0 && st->collect->type == QUIRE_NODE_CODE_BLOCK &&
        !st->collect->info) {
        const char *cls = h2m_att(atts, "class");
        for (const char *p = cls; p && *p;) {
            while (h2m_is_space((unsigned char)*p))
                p++;
            size_t n = strcspn(p, " \t\n\r\f");
            if (n > 9 && strncmp(p, "language-", 9) == 0) {
                st->collect->info = quire_arena_strndup(st->arena, p + 9, n - 9);
                break;
            }
            p += n;
        }
    }
    h2m_push_frame(st, H2M_F_NONE);
}

/* A start tag of this kind, outside dropped and collected content. */
static void h2m_start_kind(h2m *st, const char *name, const xmlChar **atts, h2m_kind kind)
{
    bool backref = kind == K_A && (h2m_att(atts, "data-footnote-backref") ||
                                   h2m_has_class(h2m_att(atts, "class"), "footnote-backref"));
    if (backref) {
        /* cmark writes "note text <a backref>": the blank before the
         * back-link belongs to the link, which renderers regenerate. */
        h2m_take_pending(st);
        while (st->text.len && h2m_is_space((unsigned char)st->text.data[st->text.len - 1]))
            st->text.len--;
    }
    h2m_flush(st);
    st->ltrim_next = false;
    if (!backref)
        st->after_backref = false;

    static const char *const used_a[] = {"href", "title", NULL};
    static const char *const used_img[] = {"src", "alt", "title", "width", "height", NULL};
    static const char *const used_embed[] = {"src", "data", "title", "width", "height", NULL};
    static const char *const used_cell[] = {"align", NULL};
    static const char *const used_ol[] = {"start", NULL};
    static const char *const used_fn[] = {"id", NULL};
    quire_node *n;

    switch (kind) {
    case K_TRANSPARENT:
        h2m_push_frame(st, H2M_F_NONE);
        return;
    case K_SKIP:
        st->skip++;
        h2m_push_frame(st, H2M_F_SKIP);
        return;
    case K_THEAD:
        st->thead++;
        h2m_push_frame(st, H2M_F_THEAD);
        return;
    case K_P:
        h2m_open(st, QUIRE_NODE_PARAGRAPH, atts, NULL, H2M_F_PUSH);
        return;
    case K_H:
        if ((n = h2m_open(st, QUIRE_NODE_HEADING, atts, NULL, H2M_F_PUSH)))
            n->level = name[1] - '0';
        return;
    case K_BLOCKQUOTE:
        h2m_open(st, QUIRE_NODE_BLOCKQUOTE, atts, NULL, H2M_F_PUSH);
        return;
    case K_UL:
        h2m_open(st, QUIRE_NODE_LIST, atts, NULL, H2M_F_PUSH);
        return;
    case K_OL:
        if ((n = h2m_open(st, QUIRE_NODE_LIST, atts, used_ol, H2M_F_PUSH))) {
            const char *start = h2m_att(atts, "start");
            n->flags |= QUIRE_NODE_FLAG_ORDERED;
            n->level = start ? atoi(start) : 1;
        }
        return;
    case K_LI: {
        const char *id = h2m_att(atts, "id");
        if (st->footnotes && id && strncmp(id, "fn-", 3) == 0 && id[3]) {
            if ((n = h2m_open(st, QUIRE_NODE_FOOTNOTE_DEF, atts, used_fn, H2M_F_PUSH)))
                n->info = h2m_strdup(st, id + 3);
            return;
        }
        h2m_open(st, QUIRE_NODE_ITEM, atts, NULL, H2M_F_PUSH);
        return;
    }
    case K_PRE:
        if ((n = h2m_open(st, QUIRE_NODE_CODE_BLOCK, atts, NULL, H2M_F_COLLECT))) {
            st->collect = n;
            quire__buf_reset(&st->lit);
        }
        return;
    case K_CODE:
        if ((n = h2m_open(st, QUIRE_NODE_CODE, atts, NULL, H2M_F_COLLECT))) {
            st->collect = n;
            quire__buf_reset(&st->lit);
        }
        return;
    case K_HR:
        h2m_leaf(st, QUIRE_NODE_THEMATIC_BREAK, atts, NULL);
        h2m_push_frame(st, H2M_F_NONE);
        return;
    case K_BR:
        h2m_leaf(st, QUIRE_NODE_LINEBREAK, atts, NULL);
        h2m_push_frame(st, H2M_F_NONE);
        return;
    case K_TABLE:
        h2m_open(st, QUIRE_NODE_TABLE, atts, NULL, H2M_F_PUSH);
        return;
    case K_TR:
        if ((n = h2m_open(st, QUIRE_NODE_TABLE_ROW, atts, NULL, H2M_F_PUSH)) && st->thead)
            n->flags |= QUIRE_NODE_FLAG_HEADER;
        return;
    case K_CELL:
        if ((n = h2m_open(st, QUIRE_NODE_TABLE_CELL, atts, used_cell, H2M_F_PUSH))) {
            n->align = h2m_align(h2m_att(atts, "align"), h2m_att(atts, "style"));
            if (name[1] == 'h')
                n->name = "th"; /* a header cell outside <thead> */
        }
        return;
    case K_FIGURE:
        h2m_open(st, QUIRE_NODE_FIGURE, atts, NULL, H2M_F_PUSH);
        return;
    case K_CAPTION:
        h2m_open(st, QUIRE_NODE_CAPTION, atts, NULL, H2M_F_PUSH);
        return;
    case K_EMBED:
        if ((n = h2m_open(st, QUIRE_NODE_EMBED, atts, used_embed, H2M_F_PUSH))) {
            const char *src = h2m_att(atts, name[0] == 'o' ? "data" : "src");
            n->url = h2m_strdup(st, src);
            n->title = h2m_strdup(st, h2m_att(atts, "title"));
            n->width = h2m_int_attr(h2m_att(atts, "width"));
            n->height = h2m_int_attr(h2m_att(atts, "height"));
            n->embed_kind = name[0] == 'v'   ? QUIRE_EMBED_VIDEO
                            : name[0] == 'a' ? QUIRE_EMBED_AUDIO
                            : name[0] == 'i' ? QUIRE_EMBED_IFRAME
                                             : QUIRE_EMBED_OBJECT;
            n->info = quire__embed_provider(st->arena, n->url);
            n->name = h2m_node_name(st, name); /* "video", "iframe": the source element */
        }
        return;
    case K_SOURCE:
        /* <video><source src>: the first source is the embed's URL. */
        if (st->cur->type == QUIRE_NODE_EMBED && !st->cur->url) {
            st->cur->url = h2m_strdup(st, h2m_att(atts, "src"));
            st->cur->info = quire__embed_provider(st->arena, st->cur->url);
        }
        h2m_generic(st, name, atts, false);
        return;
    case K_EM:
        h2m_open(st, QUIRE_NODE_EMPH, atts, NULL, H2M_F_PUSH);
        return;
    case K_STRONG:
        h2m_open(st, QUIRE_NODE_STRONG, atts, NULL, H2M_F_PUSH);
        return;
    case K_DEL:
        h2m_open(st, QUIRE_NODE_STRIKETHROUGH, atts, NULL, H2M_F_PUSH);
        return;
    case K_A: {
        const char *href = h2m_att(atts, "href");
        if (backref) {
            st->after_backref = true;
            st->skip++;
            h2m_push_frame(st, H2M_F_SKIP);
            return;
        }
        if (href && strncmp(href, "#fn-", 4) == 0 && href[4] &&
            (st->fnref || h2m_att(atts, "data-footnote-ref"))) {
            if ((n = h2m_leaf(st, QUIRE_NODE_FOOTNOTE_REF, NULL, NULL)))
                n->info = h2m_strdup(st, href + 4);
            h2m_push_frame(st, H2M_F_SKIP); /* the number is regenerated */
            st->skip++;
            return;
        }
        if (!href) {
            h2m_generic(st, name, atts, false);
            return;
        }
        if ((n = h2m_open(st, QUIRE_NODE_LINK, atts, used_a, H2M_F_PUSH))) {
            n->url = h2m_strdup(st, href);
            n->title = h2m_strdup(st, h2m_att(atts, "title"));
        }
        return;
    }
    case K_IMG:
        if ((n = h2m_leaf(st, QUIRE_NODE_IMAGE, atts, used_img))) {
            n->url = h2m_strdup(st, h2m_att(atts, "src"));
            n->literal = h2m_strdup(st, h2m_att(atts, "alt"));
            n->title = h2m_strdup(st, h2m_att(atts, "title"));
            n->width = h2m_int_attr(h2m_att(atts, "width"));
            n->height = h2m_int_attr(h2m_att(atts, "height"));
        }
        h2m_push_frame(st, H2M_F_NONE);
        return;
    case K_INPUT: {
        /* cmark's task list box: the first thing in an item (or in the
         * item's first paragraph when the list is loose). */
        const char *type = h2m_att(atts, "type");
        quire_node *item = st->cur;
        if (item->type == QUIRE_NODE_PARAGRAPH && item->parent &&
            item->parent->type == QUIRE_NODE_ITEM && item->parent->first_child == item)
            item = item->parent;
        bool empty = true;
        for (quire_node *c = st->cur->first_child; c && empty; c = c->next)
            empty = h2m_is_blank_inline(c);
        if (type && strcasecmp(type, "checkbox") == 0 && item->type == QUIRE_NODE_ITEM &&
            empty && !(item->flags & QUIRE_NODE_FLAG_TASK)) {
            item->flags |= QUIRE_NODE_FLAG_TASK;
            if (h2m_att(atts, "checked"))
                item->flags |= QUIRE_NODE_FLAG_CHECKED;
            st->ltrim_next = true;
            h2m_push_frame(st, H2M_F_NONE);
            return;
        }
        h2m_generic(st, name, atts, false);
        return;
    }
    case K_SECTION:
        if (h2m_has_class(h2m_att(atts, "class"), "footnotes") ||
            h2m_att(atts, "data-footnotes")) {
            st->footnotes++;
            h2m_push_frame(st, H2M_F_FOOTNOTES);
            return;
        }
        h2m_generic(st, name, atts, true);
        return;
    case K_SUP:
        if (h2m_has_class(h2m_att(atts, "class"), "footnote-ref")) {
            st->fnref++;
            h2m_push_frame(st, H2M_F_FNREF);
            return;
        }
        h2m_generic(st, name, atts, false);
        return;
    case K_BLOCK_GENERIC:
        h2m_generic(st, name, atts, true);
        return;
    case K_GENERIC:
        h2m_generic(st, name, atts, false);
        return;
    }
}

/* The <ol> right inside a footnotes section is only a wrapper. */
static bool h2m_is_footnote_list(h2m *st, const char *name)
{
    return st->footnotes && st->nframes &&
           st->frames[st->nframes - 1].kind == H2M_F_FOOTNOTES && strcmp(name, "ol") == 0;
}

/* A start tag whose kind is known (h2m_kind_of(name)); `kept`: name is a
 * table's string (see name_kept). */
static void h2m_start_as(h2m *st, const char *name, const xmlChar **atts, h2m_kind kind,
                         bool kept)
{
    if (!st->skip && !st->collect && h2m_is_footnote_list(st, name)) {
        h2m_flush(st);
        h2m_push_frame(st, H2M_F_NONE);
        return;
    }
    if (st->oom)
        return;
    if (st->skip) {
        st->skip++;
        h2m_push_frame(st, H2M_F_SKIP);
        return;
    }
    if (st->collect) {
        h2m_start_collecting(st, name, atts);
        return;
    }
    st->name_kept = kept;
    h2m_start_kind(st, name, atts, kind);
    st->name_kept = false;
}

static void h2m_start_event(void *ud, const xmlChar *name, const xmlChar **atts)
{
    h2m_start_as(ud, (const char *)name, atts, h2m_kind_of((const char *)name), false);
}

static void h2m_end(void *ud, const xmlChar *name)
{
    h2m *st = ud;
    (void)name;
    if (st->oom || !st->nframes)
        return;
    unsigned char f = st->frames[--st->nframes].kind;
    switch (f) {
    case H2M_F_SKIP:
        st->skip--;
        return;
    case H2M_F_NONE:
        if (!st->skip && !st->collect)
            h2m_flush(st);
        return;
    case H2M_F_THEAD:
        h2m_flush(st);
        st->thead--;
        return;
    case H2M_F_FOOTNOTES:
        h2m_flush(st);
        st->footnotes--;
        return;
    case H2M_F_FNREF:
        h2m_flush(st);
        st->fnref--;
        return;
    case H2M_F_COLLECT: {
        quire_node *n = st->collect;
        if (n) {
            n->literal = quire_arena_strndup(st->arena, quire__buf_cstr(&st->lit), st->lit.len);
            if (!n->literal)
                st->oom = true;
            quire__buf_reset(&st->lit);
            st->collect = NULL;
        }
        h2m_close(st);
        return;
    }
    case H2M_F_PUSH:
        h2m_flush(st);
        h2m_close(st);
        return;
    }
}

static void h2m_characters(void *ud, const xmlChar *s, int n)
{
    h2m *st = ud;
    if (st->oom || st->skip || n <= 0)
        return;
    h2m_take_pending(st);
    quire__buf_put(st->collect ? &st->lit : &st->text, s, (size_t)n);
}

static void h2m_comment(void *ud, const xmlChar *xs)
{
    h2m *st = ud;
    const char *s = (const char *)xs;
    if (st->oom || st->skip || st->collect)
        return;
    while (h2m_is_space((unsigned char)*s))
        s++;
    size_t n = strlen(s);
    while (n && h2m_is_space((unsigned char)s[n - 1]))
        n--;
    if ((st->flags & QUIRE__H2M_CMARK) &&
        strncmp(s, QUIRE__H2M_POS_MARK, strlen(QUIRE__H2M_POS_MARK)) == 0) {
        /* The raw HTML block that follows, on the next rendered line,
         * starts at this source line and column. */
        unsigned long l = 0, c = 0;
        char *end;
        l = strtoul(s + strlen(QUIRE__H2M_POS_MARK), &end, 10);
        if (*end == ':')
            c = strtoul(end + 1, NULL, 10);
        if (l && c) {
            /* Restart the line count here instead of scanning everything
             * before: in Markdown only raw HTML needs scanning at all.
             * The block begins on the line after the marker. */
            size_t off = h2m_parser_offset(st);
            if (off > st->scan_off) {
                st->scan_off = off;
                st->scan_line = 1;
                st->scan_col = 1;
            }
            st->last_off = off;
            st->raw_map = true;
            st->map_rline = st->scan_line + 1;
            st->map_line = (uint32_t)l + st->line_offset;
            st->map_col = (uint32_t)c;
        }
        return;
    }
    if (n == 4 && strncasecmp(s, "more", 4) == 0) {
        h2m_flush(st);
        h2m_leaf(st, QUIRE_NODE_MORE, NULL, NULL);
    }
    /* Other comments carry nothing a reader of the output needs. */
}

int quire__html_to_model(quire_document *doc, quire_node *parent, const char *html,
                         size_t len, uint32_t line_offset, unsigned flags,
                         const quire_read_ctx *ctx, const char *component)
{
    if (len > INT_MAX) {
        quire_diag_add(ctx->diags, QUIRE_SEV_ERROR, component, ctx->path, 0, 0,
                       "HTML of %zu bytes is more than the HTML parser can take", len);
        return QUIRE_ERR_LIMIT;
    }
    pthread_once(&h2m_once, h2m_init_libxml);

    h2m st = {0};
    st.doc = doc;
    st.arena = doc->arena;
    st.ctx = ctx;
    st.component = component;
    st.flags = flags;
    st.html = html;
    st.len = len;
    st.line_offset = line_offset;
    st.root = st.cur = parent;
    st.max_depth = ctx->limits.max_depth ? ctx->limits.max_depth : H2M_DEFAULT_MAX_DEPTH;
    st.scan_line = st.scan_col = 1;
    st.clamp_off = SIZE_MAX;
    quire__buf_init(&st.text);
    quire__buf_init(&st.lit);
    if (!(flags & QUIRE__H2M_CMARK)) {
        st.raw_map = true;
        st.map_rline = 1;
        st.map_line = 1 + line_offset;
        st.map_col = 1;
    }

    int rc = QUIRE_OK;
    htmlParserCtxtPtr pctx = htmlNewParserCtxt();
    if (!pctx) {
        rc = QUIRE_ERR_NOMEM;
        goto done;
    }
    xmlSAXHandler sax;
    memset(&sax, 0, sizeof sax);
    sax.startElement = h2m_start_event;
    sax.endElement = h2m_end;
    sax.characters = h2m_characters;
    sax.ignorableWhitespace = h2m_characters; /* we judge blanks ourselves */
    sax.cdataBlock = h2m_characters;          /* script and style content */
    sax.comment = h2m_comment;
    /* No entity, DTD or external-subset handlers: nothing is ever loaded. */
    *pctx->sax = sax;
    pctx->userData = &st;
    st.pctx = pctx;

    /* Explicit UTF-8 so that a <meta charset> in the content cannot switch
     * the decoding; invalid bytes pass through for fix-encoding to judge. */
    htmlCtxtReadMemory(pctx, len ? html : "", (int)len, NULL, "UTF-8",
                       HTML_PARSE_NONET | HTML_PARSE_NOERROR | HTML_PARSE_NOWARNING |
                           HTML_PARSE_NOIMPLIED | HTML_PARSE_NODEFDTD);
    st.pctx = NULL;
    if (pctx->myDoc)
        xmlFreeDoc(pctx->myDoc);
    htmlFreeParserCtxt(pctx);

    if (!st.oom) {
        h2m_flush(&st);
        /* libxml2 closes what it opened; this is only a safety net. */
        while (st.cur != st.root && st.cur->parent)
            h2m_close(&st);
        h2m_finalize(&st, parent);
    }
    if (st.oom)
        rc = QUIRE_ERR_NOMEM;
done:
    free(st.frames);
    quire__buf_free(&st.text);
    quire__buf_free(&st.lit);
    return rc;
}

/* ===================================================== incremental use
 *
 * The markdown reader walks cmark-gfm's tree and hands over, in document
 * order, what cmark's HTML renderer would have written: Markdown elements
 * as (name, attributes, position) through quire__h2m_md_start/end, their
 * text through quire__h2m_md_text, and raw HTML fragments as they are.
 * The same handlers as above turn all of it into nodes, so Markdown and
 * HTML still share one element-to-node mapping.
 *
 * Raw HTML goes through one libxml2 *push* parser per document, so that an
 * element opened by one fragment can be closed by a later one, and
 * libxml2's own recovery (implied end tags, misnesting, stray end tags)
 * still decides.  libxml2 must then see the elements the raw HTML sits in:
 * before a fragment, the open Markdown elements it has not seen yet are
 * announced to it as bare start tags ("replay"; their events are
 * swallowed, the nodes exist already).  While libxml2 knows every open
 * element, Markdown starts and ends are handed to it as bare tags too, and
 * its events, which may close raw elements first or ignore a misplaced end
 * tag, drive the tree, exactly as when it parsed the whole rendering.
 * When it knows none (the common case: no raw HTML open), Markdown goes
 * straight to the handlers and libxml2 costs nothing.
 */

struct quire__h2m {
    h2m st;
};

/* A name that outlives the parser: the tag table's copy, or one in the arena. */
static const char *h2m_intern(h2m *st, const char *name)
{
    const h2m_tag *t = h2m_tag_find(name);
    return t ? t->name : h2m_strdup(st, name);
}

static void h2m_push_start(void *ud, const xmlChar *name, const xmlChar **atts)
{
    h2m *st = ud;
    if (st->replay)
        return; /* an element that is open already */
    size_t before = st->nframes;
    if (st->pend_name && !st->pend_done && strcmp((const char *)name, st->pend_name) == 0) {
        st->pend_done = true;
        st->md_mode = true;
        st->md_line = st->pend_line;
        st->md_col = st->pend_col;
        h2m_start_event(st, name, st->pend_atts);
        st->md_mode = false;
        if (st->nframes > before) {
            st->frames[st->nframes - 1].name = st->pend_name;
            st->pend_serial = st->frames[st->nframes - 1].serial;
        }
        return;
    }
    h2m_start_event(st, name, atts);
    if (st->nframes > before)
        st->frames[st->nframes - 1].name = h2m_intern(st, (const char *)name);
}

static void h2m_push_end(void *ud, const xmlChar *name)
{
    h2m *st = ud;
    if (st->replay || st->pctx->nameNr <= 1)
        return; /* the <html> wrapper (see h2m_ensure_parser) has no frame */
    h2m_end(ud, name);
}

/* How many of the open elements libxml2 knows (its own, less the wrapper). */
static size_t h2m_known(const h2m *st)
{
    return st->pctx && st->pctx->nameNr > 1 ? (size_t)st->pctx->nameNr - 1 : 0;
}

static void h2m_drop_parser(h2m *st)
{
    if (st->pctx->myDoc)
        xmlFreeDoc(st->pctx->myDoc);
    htmlFreeParserCtxt(st->pctx);
    st->pctx = NULL;
}

static void h2m_feed(h2m *st, const char *s, size_t n)
{
    if (!st->pctx || st->oom)
        return;
    if (n > INT_MAX || st->log.len - st->log_base > (size_t)INT_MAX - n) {
        st->push_dead = true; /* more than libxml2 can count */
        h2m_drop_parser(st);
        return;
    }
    quire__buf_put(&st->log, s, n);
    st->html = st->log.data;
    st->len = st->log.len;
    htmlParseChunk(st->pctx, s, (int)n, 0);
    /* A stray </html> or </body> closed the wrapper too, or a fatal error
     * stopped libxml2: everything is closed (as it was after such a tag
     * when libxml2 parsed the whole rendering); the next fragment gets a
     * new parser. */
    if (st->pctx->instate == XML_PARSER_EOF || st->pctx->disableSAX || st->pctx->nameNr < 1)
        h2m_drop_parser(st);
}

static bool h2m_ensure_parser(h2m *st)
{
    if (st->pctx || st->push_dead)
        return !st->push_dead;
    xmlSAXHandler sax;
    memset(&sax, 0, sizeof sax);
    sax.startElement = h2m_push_start;
    sax.endElement = h2m_push_end;
    sax.characters = h2m_characters;
    sax.ignorableWhitespace = h2m_characters;
    sax.cdataBlock = h2m_characters;
    sax.comment = h2m_comment;
    st->pctx = htmlCreatePushParserCtxt(&sax, st, NULL, 0, NULL, XML_CHAR_ENCODING_UTF8);
    if (!st->pctx) {
        st->oom = true;
        st->push_dead = true;
        return false;
    }
    htmlCtxtUseOptions(st->pctx, HTML_PARSE_NONET | HTML_PARSE_NOERROR | HTML_PARSE_NOWARNING |
                                     HTML_PARSE_NOIMPLIED | HTML_PARSE_NODEFDTD);
    /* The push parser takes a document whose root element has closed as
     * finished.  An <html> wrapper that nothing closes keeps it going; to
     * libxml2, content inside <html> is like content at the top (text gets
     * the same implied <p>), and the handlers never see the wrapper. */
    st->log_base = st->log.len;
    st->replay++;
    h2m_feed(st, "<html>", 6);
    st->replay--;
    return st->pctx != NULL;
}

/* Tell libxml2 about the open elements it has not seen (Markdown ones,
 * opened while it knew nothing), as bare start tags. */
static void h2m_replay(h2m *st)
{
    size_t known = h2m_known(st);
    if (known >= st->nframes)
        return;
    quire_buf b;
    quire__buf_init(&b);
    for (size_t i = known; i < st->nframes; i++) {
        const char *name = st->frames[i].name ? st->frames[i].name : "span";
        quire__buf_putc(&b, '<');
        quire__buf_puts(&b, name);
        quire__buf_putc(&b, '>');
    }
    st->replay++;
    h2m_feed(st, b.data, b.len);
    st->replay--;
    quire__buf_free(&b);
}

int quire__h2m_new(quire__h2m **out, quire_document *doc, quire_node *parent,
                   const quire_read_ctx *ctx, const char *component)
{
    pthread_once(&h2m_once, h2m_init_libxml);
    quire__h2m *h = calloc(1, sizeof *h);
    *out = h;
    if (!h)
        return QUIRE_ERR_NOMEM;
    h2m *st = &h->st;
    st->doc = doc;
    st->arena = doc->arena;
    st->ctx = ctx;
    st->component = component;
    st->root = st->cur = parent;
    st->max_depth = ctx->limits.max_depth ? ctx->limits.max_depth : H2M_DEFAULT_MAX_DEPTH;
    st->scan_line = st->scan_col = 1;
    st->clamp_off = SIZE_MAX;
    st->html = "";
    quire__buf_init(&st->text);
    quire__buf_init(&st->lit);
    quire__buf_init(&st->log);
    quire__buf_init(&st->fb_str);
    return QUIRE_OK;
}

/* Index of the open frame with this serial, or nframes when it is closed. */
static size_t h2m_frame_index(const h2m *st, uint32_t serial)
{
    size_t lo = 0, hi = st->nframes;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (st->frames[mid].serial < serial)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < st->nframes && st->frames[lo].serial == serial ? lo : st->nframes;
}

static uint32_t h2m_md_opened(h2m *st, const char *name, uint32_t serial)
{
    if (!serial)
        return 0;
    if (st->nmds == st->mds_cap) {
        size_t cap = st->mds_cap ? st->mds_cap * 2 : 64;
        h2m_md *p = realloc(st->mds, cap * sizeof *p);
        if (!p) {
            st->oom = true;
            return 0;
        }
        st->mds = p;
        st->mds_cap = cap;
    }
    st->mds[st->nmds++] = (h2m_md){serial, name};
    return serial;
}

/* The Markdown elements' names and kinds, by quire__h2m_tag: what
 * h2m_kind_of finds for the name (tests/readers compare both); `taken`:
 * every attribute the walk gives the element is one its node takes into
 * a field (see atts_taken; the by-name path copies them as raw HTML's). */
static const struct {
    const char *name;
    unsigned char len, kind;
    bool taken;
} h2m_md_tags[QUIRE__H2M_TAG_COUNT] = {
    [QUIRE__H2M_P] = {"p", 1, K_P},
    [QUIRE__H2M_H1] = {"h1", 2, K_H},
    [QUIRE__H2M_H2] = {"h2", 2, K_H},
    [QUIRE__H2M_H3] = {"h3", 2, K_H},
    [QUIRE__H2M_H4] = {"h4", 2, K_H},
    [QUIRE__H2M_H5] = {"h5", 2, K_H},
    [QUIRE__H2M_H6] = {"h6", 2, K_H},
    [QUIRE__H2M_BLOCKQUOTE] = {"blockquote", 10, K_BLOCKQUOTE},
    [QUIRE__H2M_UL] = {"ul", 2, K_UL},
    [QUIRE__H2M_OL] = {"ol", 2, K_OL, true},
    [QUIRE__H2M_LI] = {"li", 2, K_LI},
    [QUIRE__H2M_PRE] = {"pre", 3, K_PRE},
    [QUIRE__H2M_CODE] = {"code", 4, K_CODE},
    [QUIRE__H2M_HR] = {"hr", 2, K_HR},
    [QUIRE__H2M_BR] = {"br", 2, K_BR},
    [QUIRE__H2M_TABLE] = {"table", 5, K_TABLE},
    [QUIRE__H2M_THEAD] = {"thead", 5, K_THEAD},
    [QUIRE__H2M_TBODY] = {"tbody", 5, K_TRANSPARENT},
    [QUIRE__H2M_TR] = {"tr", 2, K_TR},
    [QUIRE__H2M_TH] = {"th", 2, K_CELL, true},
    [QUIRE__H2M_TD] = {"td", 2, K_CELL, true},
    [QUIRE__H2M_EM] = {"em", 2, K_EM},
    [QUIRE__H2M_STRONG] = {"strong", 6, K_STRONG},
    [QUIRE__H2M_DEL] = {"del", 3, K_DEL},
    [QUIRE__H2M_A] = {"a", 1, K_A, true},
    [QUIRE__H2M_IMG] = {"img", 3, K_IMG, true},
    [QUIRE__H2M_INPUT] = {"input", 5, K_INPUT},
    [QUIRE__H2M_SECTION] = {"section", 7, K_SECTION},
    [QUIRE__H2M_SUP] = {"sup", 3, K_SUP},
};

const char *quire__h2m_tag_name(quire__h2m_tag tag)
{
    return (unsigned)tag < QUIRE__H2M_TAG_COUNT ? h2m_md_tags[tag].name : NULL;
}

/* h2m_start_event for a Markdown element: its kind comes with its tag
 * (QUIRE__H2M_NO_FAST_MD: from the table by name, as for raw HTML). */
static void h2m_md_start_event(h2m *st, quire__h2m_tag tag, const char **atts)
{
    const char *name = h2m_md_tags[tag].name;
    if ((quire__h2m_no_fast & QUIRE__H2M_NO_FAST_MD) || st->oom || st->skip || st->collect ||
        h2m_is_footnote_list(st, name))
        h2m_start_event(st, (const xmlChar *)name, (const xmlChar **)atts);
    else {
        st->name_kept = true;
        st->atts_taken = h2m_md_tags[tag].taken;
        h2m_start_kind(st, name, (const xmlChar **)atts, (h2m_kind)h2m_md_tags[tag].kind);
        st->name_kept = st->atts_taken = false;
    }
}

uint32_t quire__h2m_md_start(quire__h2m *h, quire__h2m_tag tag, const char **atts,
                             uint32_t line, uint32_t col)
{
    h2m *st = &h->st;
    if (st->oom || (unsigned)tag >= QUIRE__H2M_TAG_COUNT)
        return 0;
    const char *name = h2m_md_tags[tag].name;
    size_t known = h2m_known(st);
    if (known && known == st->nframes) {
        /* libxml2 knows every open element: let it place this one. */
        char tag_text[16];
        size_t n = h2m_md_tags[tag].len;
        tag_text[0] = '<';
        memcpy(tag_text + 1, name, n);
        tag_text[n + 1] = '>';
        st->pend_name = name;
        st->pend_atts = (const xmlChar **)atts;
        st->pend_line = line;
        st->pend_col = col;
        st->pend_done = false;
        st->pend_serial = 0;
        h2m_feed(st, tag_text, n + 2);
        st->pend_name = NULL;
        return h2m_md_opened(st, name, st->pend_serial);
    }
    size_t before = st->nframes;
    st->md_mode = true;
    st->md_line = line;
    st->md_col = col;
    h2m_md_start_event(st, tag, atts);
    st->md_mode = false;
    if (st->nframes == before)
        return 0;
    st->frames[st->nframes - 1].name = name;
    return h2m_md_opened(st, name, st->frames[st->nframes - 1].serial);
}

void quire__h2m_md_end(quire__h2m *h, uint32_t token)
{
    h2m *st = &h->st;
    if (st->oom || !token || !st->nmds || st->mds[st->nmds - 1].serial != token)
        return;
    const char *name = st->mds[--st->nmds].name;
    /* Mostly the element is the innermost one: no search then. */
    size_t i = st->nframes && st->frames[st->nframes - 1].serial == token
                   ? st->nframes - 1
                   : h2m_frame_index(st, token);
    size_t known = h2m_known(st);
    if (i < st->nframes && i >= known) {
        /* libxml2 never saw it: nothing raw is open above it */
        while (st->nframes > i && !st->oom)
            h2m_end(st, NULL);
        return;
    }
    /* libxml2 knows it, or closed it already (a raw tag implied its end):
     * the end tag goes to libxml2 as it did in the whole rendering, where a
     * stray one may still close a raw element of the same name. */
    if (!known)
        return;
    char tag[20];
    size_t n = strlen(name);
    if (n + 4 > sizeof tag)
        return;
    memcpy(tag, "</", 2);
    memcpy(tag + 2, name, n);
    tag[n + 2] = '>';
    h2m_feed(st, tag, n + 3);
}

void quire__h2m_md_newline(quire__h2m *h)
{
    h2m *st = &h->st;
    /* Among blocks the newline would only be trimmed away again.  Else it
     * is text like the walk's (mostly a run of its own, kept uncopied). */
    if (!st->oom && !st->skip && !h2m_wraps_inlines(st->cur))
        quire__h2m_md_text(h, "\n", 1);
}

void quire__h2m_md_text(quire__h2m *h, const char *s, size_t n)
{
    h2m *st = &h->st;
    if (!n)
        return;
    /* Raw end tags closed everything (a stray </ul>...): libxml2 put text
     * found at the top into an implied <p>; so it still does. */
    if (!st->nframes && st->pctx && !h2m_all_space(s, n))
        h2m_feed(st, "<p>", 3);
    if (n > INT_MAX)
        n = INT_MAX; /* (as libxml2's characters events count) */
    if (!st->text.len && !st->pend_len && !st->oom && !st->skip && !st->collect) {
        st->pend_text = s; /* the run's first piece: kept, not copied */
        st->pend_len = n;
        return;
    }
    h2m_characters(st, (const xmlChar *)s, (int)n);
}

/* Inline elements whose start tag, in libxml2, only ever closes what
 * htmlAutoCloseTag says it does. */
static const char *const h2m_fast_names[] = {
    "a", "abbr", "b", "bdi", "bdo", "big", "br", "cite", "code", "del", "dfn", "em", "i",
    "img", "ins", "kbd", "mark", "q", "s", "samp", "small", "span", "strike", "strong",
    "sub", "sup", "time", "tt", "u", "var", "wbr",
};

#define H2M_FAST_N (sizeof h2m_fast_names / sizeof *h2m_fast_names)

/* What each of those names is, found once with libxml2's initialisation
 * (h2m_build_fast_tables) instead of for every tag: its kind
 * (h2m_kind_of), its place in the block tag list below (-1: none),
 * whether libxml2 takes it as void; and a hash index of the names, like
 * the tag table's (slots: index + 1). */
static unsigned char h2m_fast_kind[H2M_FAST_N];
static signed char h2m_fast_block_idx[H2M_FAST_N];
static bool h2m_fast_void[H2M_FAST_N];
static unsigned char h2m_fast_slots[256];

/* Index of name in h2m_fast_names, or -1. */
static int h2m_fast_index(const char *name)
{
    for (unsigned h = h2m_tag_hash(name); h2m_fast_slots[h]; h = (h + 1) & 255u) {
        size_t i = h2m_fast_slots[h] - 1u;
        if (strcmp(h2m_fast_names[i], name) == 0)
            return (int)i;
    }
    return -1;
}

/* The bytes that keep a tag off the inline fast path: controls other than
 * tab and newline, NUL, and every byte >= 0x80. */
static bool h2m_fast_bad_byte[256];

/* libxml2's answers for an inline tag `name` (see the block fast path
 * below, whose tables they share): whether it is void, and whether it
 * opening closes `top` (a different name; n: name's place in the block
 * list, or -1). */
static bool h2m_inline_void(const char *name);
static bool h2m_inline_closes(const char *top, int n, const char *name);

/* [A-Za-z0-9_:.-], a byte of a tag or attribute name: a table filled with
 * the others (h2m_build_fast_tables), as the raw fast paths ask it of
 * every byte of every name. */
static bool h2m_name_chars[256];

static inline bool h2m_name_char(unsigned char c)
{
    return h2m_name_chars[c];
}

/*
 * Whether every '&' in the attribute value [v, e) is one that libxml2 keeps
 * as it is: a name ([A-Za-z_:] then [A-Za-z0-9_:.-]) not followed by ';'.
 * htmlParseEntityRef only looks a name up when ';' follows it; without one
 * it hands the name back and htmlParseHTMLAttribute writes '&' and the
 * name unchanged.  (Query strings, "?a=1&utm_source=x", are the common
 * case.)  Character references, named references with ';' and a bare '&'
 * are libxml2's to decode.
 */
static bool h2m_fast_amps(const char *v, const char *e)
{
    for (const char *a = memchr(v, '&', (size_t)(e - v)); a;
         a = memchr(a, '&', (size_t)(e - a))) {
        a++;
        if (a >= e || !((*a >= 'a' && *a <= 'z') || (*a >= 'A' && *a <= 'Z') || *a == '_' ||
                        *a == ':'))
            return false;
        while (a < e && h2m_name_char((unsigned char)*a))
            a++;
        if (a < e && *a == ';')
            return false;
    }
    return true;
}

/*
 * One inline tag that needs no parser: `<name attr="v"...>` or `</name>` of
 * a simple inline element, ASCII, no references (see h2m_fast_amps), quoted values,
 * no repeated attribute, while libxml2 does not hold the open elements.
 * Handled exactly as libxml2 would: the start tag closes nothing (asked of
 * libxml2's own table), the end tag closes the element on top.  Anything
 * else returns false and goes through libxml2.  The element is named in
 * its frame, so a later fragment can still tell libxml2 about it.
 */
static bool h2m_fast_inline(h2m *st, const char *html, size_t len)
{
    size_t known = h2m_known(st);
    if ((quire__h2m_no_fast & QUIRE__H2M_NO_FAST_INLINE) || (known && known == st->nframes) || !st->nframes || len < 3 ||
        len > 1024 ||
        html[0] != '<' || html[len - 1] != '>')
        return false;
    /* As for blocks: only where libxml2 holds nothing half-read (after an
     * unclosed <style> or a broken tag, the parser is mid-construct and
     * must see this tag itself). */
    if (st->pctx) {
        const xmlParserInputPtr in = st->pctx->input;
        if (st->pctx->instate != XML_PARSER_CONTENT || !in || in->cur != in->end)
            return false;
    }
    for (size_t i = 0; i < len; i++)
        if (h2m_fast_bad_byte[(unsigned char)html[i]])
            return false; /* ('&' is judged in attribute values, the only place it passes) */
    char name[16];
    size_t p = 1, n = 0;
    bool end = html[1] == '/';
    if (end)
        p++;
    while (p < len && h2m_name_char((unsigned char)html[p]) && n < sizeof name - 1) {
        char c = html[p++];
        name[n++] = (char)(c >= 'A' && c <= 'Z' ? c + 32 : c);
    }
    name[n] = '\0';
    if (!n || !(name[0] >= 'a' && name[0] <= 'z') || h2m_name_char((unsigned char)html[p]))
        return false;
    int fi = h2m_fast_index(name);
    if (fi < 0)
        return false;
    const char *known_name = h2m_fast_names[fi];
    const char *top = st->frames[st->nframes - 1].name;
    if (end) {
        while (p < len - 1 && h2m_is_space((unsigned char)html[p]))
            p++;
        if (p != len - 1 || !top || strcmp(top, name) != 0 || st->nframes - 1 < known)
            return false;
        h2m_end(st, NULL);
        return true;
    }
    /* the start tag would close the element on top: libxml2 decides */
    if (!top || strcmp(top, name) == 0 || h2m_inline_closes(top, h2m_fast_block_idx[fi], name))
        return false;

    /* attributes, copied NUL-terminated into one buffer */
    char buf[1100];
    const char *atts[2 * 16 + 1];
    size_t na = 0, b = 0;
    bool self_close = false;
    for (;;) {
        while (p < len && h2m_is_space((unsigned char)html[p]))
            p++;
        if (p >= len - 1) {
            break;
        }
        if (html[p] == '/' && p == len - 2) {
            self_close = true;
            break;
        }
        size_t a0 = p;
        while (p < len && h2m_name_char((unsigned char)html[p]))
            p++;
        if (p == a0 || na == 16 || !((html[a0] >= 'a' && html[a0] <= 'z') ||
                                     (html[a0] >= 'A' && html[a0] <= 'Z') || html[a0] == '_'))
            return false;
        const char *aname = buf + b;
        for (size_t k = a0; k < p; k++)
            buf[b++] = (char)(html[k] >= 'A' && html[k] <= 'Z' ? html[k] + 32 : html[k]);
        buf[b++] = '\0';
        for (size_t k = 0; k < na; k++)
            if (strcmp(atts[2 * k], aname) == 0)
                return false; /* libxml2 keeps the first: let it */
        const char *aval = "";
        size_t q = p;
        while (q < len && h2m_is_space((unsigned char)html[q]))
            q++;
        if (q < len && html[q] == '=') {
            q++;
            while (q < len && h2m_is_space((unsigned char)html[q]))
                q++;
            if (q >= len || (html[q] != '"' && html[q] != '\''))
                return false;
            char quote = html[q++];
            const char *e = memchr(html + q, quote, len - q);
            if (!e)
                return false;
            if (memchr(html + q, '\n', (size_t)(e - (html + q))) ||
                memchr(html + q, '\t', (size_t)(e - (html + q))) ||
                !h2m_fast_amps(html + q, e))
                return false;
            aval = buf + b;
            memcpy(buf + b, html + q, (size_t)(e - (html + q)));
            b += (size_t)(e - (html + q));
            buf[b++] = '\0';
            p = (size_t)(e - html) + 1;
            if (p < len - 1 && !h2m_is_space((unsigned char)html[p]) && html[p] != '/')
                return false;
        }
        atts[2 * na] = aname;
        atts[2 * na + 1] = aval;
        na++;
    }
    atts[2 * na] = NULL;
    size_t before = st->nframes;
    st->raw_map = false;
    h2m_start_as(st, known_name, na ? (const xmlChar **)atts : NULL,
                 (h2m_kind)h2m_fast_kind[fi], true);
    if (st->nframes > before) {
        st->frames[st->nframes - 1].name = known_name;
        if (self_close || h2m_fast_void[fi])
            h2m_end(st, NULL);
    }
    return true;
}

/* ------------------------------------------------------ block fast path */

/* Tags a raw HTML block may use without libxml2; sorted for bsearch.
 * None is parsed specially by libxml2 (raw text, <pre>'s first newline,
 * head or body placement, forms); whether a start tag closes the element
 * on top is still asked of libxml2's own table, and void elements are the
 * ones its table calls empty. */
static const char *const h2m_block_names[] = {
    "a", "abbr", "article", "aside", "b", "blockquote", "br", "caption", "cite", "code",
    "dd", "del", "details", "dfn", "div", "dl", "dt", "em", "figcaption", "figure", "footer",
    "h1", "h2", "h3", "h4", "h5", "h6", "header", "hr", "i", "iframe", "img", "ins", "kbd",
    "li", "main", "mark", "nav", "ol", "p", "q", "s", "samp", "section", "small", "span",
    "strong", "sub", "summary", "sup", "table", "tbody", "td", "tfoot", "th", "thead",
    "time", "tr", "tt", "u", "ul", "var", "wbr",
};

/* Elements that, to libxml2, never close one of their own name when they
 * open inside it (htmlAutoCloseTag does not answer for equal names). */
static bool h2m_block_nests(const char *name)
{
    static const char *const nest[] = {"b", "blockquote", "div", "em", "i", "section", "span",
                                       "strong"};
    for (size_t i = 0; i < sizeof nest / sizeof *nest; i++)
        if (strcmp(name, nest[i]) == 0)
            return true;
    return false;
}

/* Whether libxml2, with `top` the current element, would close it when
 * `name` opens. */
static bool h2m_block_closes(const char *top, const char *name)
{
    if (strcmp(top, name) == 0)
        return !h2m_block_nests(name);
    xmlNode fake;
    memset(&fake, 0, sizeof fake);
    fake.type = XML_ELEMENT_NODE;
    fake.name = (const xmlChar *)name;
    return htmlAutoCloseTag(NULL, (const xmlChar *)top, &fake) != 0;
}

#define H2M_BLOCK_N (sizeof h2m_block_names / sizeof *h2m_block_names)

/* libxml2's answers for the names above: which are void (asked once, with
 * libxml2's initialisation), and whether n opening closes t (t ==
 * H2M_BLOCK_N: the <html> wrapper), asked the first time a raw fragment
 * needs it (0: not asked yet, else 1 + the answer).  Asking all 4,000
 * pairs up front cost 1.5 M instructions a build, as much as a hundred
 * documents' raw HTML; a pair asked by two threads at once gets the same
 * answer twice. */
static bool h2m_block_void[H2M_BLOCK_N];
static unsigned char h2m_block_kind[H2M_BLOCK_N]; /* h2m_kind_of of each name */
static void h2m_build_block_index(void);
static _Atomic unsigned char h2m_block_closes_memo[H2M_BLOCK_N + 1][H2M_BLOCK_N];

static void h2m_build_fast_tables(void);

static void h2m_build_block_tables(void)
{
    for (size_t n = 0; n < H2M_BLOCK_N; n++) {
        const htmlElemDesc *desc = htmlTagLookup((const xmlChar *)h2m_block_names[n]);
        h2m_block_void[n] = desc && desc->empty;
        h2m_block_kind[n] = (unsigned char)h2m_kind_of(h2m_block_names[n]);
    }
    h2m_build_block_index();
    h2m_build_fast_tables(); /* (asks the block tables) */
}

/* h2m_block_closes for the names at these indexes, remembered. */
static bool h2m_block_closes_at(size_t t, size_t n)
{
    unsigned char v = atomic_load_explicit(&h2m_block_closes_memo[t][n], memory_order_relaxed);
    if (!v) {
        v = (unsigned char)(1 + h2m_block_closes(t < H2M_BLOCK_N ? h2m_block_names[t] : "html",
                                                 h2m_block_names[n]));
        atomic_store_explicit(&h2m_block_closes_memo[t][n], v, memory_order_relaxed);
    }
    return v == 2;
}

/* Index of name in h2m_block_names ("html": H2M_BLOCK_N), or -1.  Asked
 * for every tag of a raw fragment and for the element on top: hashed like
 * the tag table (slots: index + 1), one strcmp rather than a bsearch's
 * seven.  Filled with the tables above. */
static unsigned char h2m_block_slots[H2M_TAG_SLOTS];

static void h2m_build_block_index(void)
{
    _Static_assert(H2M_BLOCK_N + 1 < H2M_TAG_SLOTS / 2, "the block hash needs free slots");
    for (size_t i = 0; i <= H2M_BLOCK_N; i++) {
        unsigned h = h2m_tag_hash(i < H2M_BLOCK_N ? h2m_block_names[i] : "html");
        while (h2m_block_slots[h])
            h = (h + 1) & (H2M_TAG_SLOTS - 1);
        h2m_block_slots[h] = (unsigned char)(i + 1);
    }
}

static int h2m_block_index(const char *name)
{
    for (unsigned h = h2m_tag_hash(name); h2m_block_slots[h]; h = (h + 1) & (H2M_TAG_SLOTS - 1)) {
        size_t i = h2m_block_slots[h] - 1u;
        if (strcmp(i < H2M_BLOCK_N ? h2m_block_names[i] : "html", name) == 0)
            return (int)i;
    }
    return -1;
}

/* Void to libxml2 (its table's "empty"): <wbr>, unknown to HTML 4, is not. */
static bool h2m_inline_void(const char *name)
{
    int n = h2m_block_index(name);
    if (n >= 0 && n < (int)H2M_BLOCK_N)
        return h2m_block_void[n];
    const htmlElemDesc *desc = htmlTagLookup((const xmlChar *)name);
    return desc && desc->empty;
}

static bool h2m_inline_closes(const char *top, int n, const char *name)
{
    int t = h2m_block_index(top);
    if (t >= 0 && n >= 0 && n < (int)H2M_BLOCK_N)
        return h2m_block_closes_at((size_t)t, (size_t)n);
    xmlNode fake;
    memset(&fake, 0, sizeof fake);
    fake.type = XML_ELEMENT_NODE;
    fake.name = (const xmlChar *)name;
    return htmlAutoCloseTag(NULL, (const xmlChar *)top, &fake) != 0;
}

static void h2m_build_fast_tables(void)
{
    _Static_assert(H2M_FAST_N < 256 / 2, "the fast-name hash needs free slots");
    for (size_t i = 0; i < H2M_FAST_N; i++) {
        const char *name = h2m_fast_names[i];
        unsigned h = h2m_tag_hash(name);
        while (h2m_fast_slots[h])
            h = (h + 1) & 255u;
        h2m_fast_slots[h] = (unsigned char)(i + 1);
        h2m_fast_kind[i] = (unsigned char)h2m_kind_of(name);
        h2m_fast_block_idx[i] = (signed char)h2m_block_index(name);
        h2m_fast_void[i] = h2m_inline_void(name);
    }
    for (unsigned c = 0; c < 256; c++) {
        h2m_fast_bad_byte[c] = c >= 0x80 || (c < 0x20 && c != '\t' && c != '\n');
        h2m_name_chars[c] = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                            (c >= '0' && c <= '9') || c == '-' || c == '_' || c == ':' ||
                            c == '.';
    }
}

/* Whether the character at p[0] (>= 0x80) is one libxml2 passes on
 * unchanged: valid UTF-8 (else it would switch to Latin-1), not
 * U+FFFE/U+FFFF (which it drops); its length, or 0. */
static size_t h2m_block_utf8(const unsigned char *p, size_t n)
{
    uint32_t cp;
    size_t k = quire__utf8_decode_fast(p, n, &cp);
    return cp == 0xFFFE || cp == 0xFFFF ? 0 : k;
}

/* Index of the first byte from i on that plain text cannot take as it is:
 * '<', '>', '&', a control (tab and newline too) or a byte >= 0x80. */
static size_t h2m_block_plain(const unsigned char *p, size_t i, size_t n)
{
#if defined(__SSE2__)
    /* As signed bytes, the controls and the bytes >= 0x80 compare below
     * 0x20; '<' (0x3C) and '>' (0x3E) both become '>' with bit 1 set. */
    const __m128i sp = _mm_set1_epi8(0x20), amp = _mm_set1_epi8('&'),
                  bit1 = _mm_set1_epi8(2), gt = _mm_set1_epi8('>');
    while (n - i >= 16) {
        __m128i v = _mm_loadu_si128((const __m128i *)(const void *)(p + i));
        __m128i m = _mm_or_si128(_mm_cmplt_epi8(v, sp), _mm_cmpeq_epi8(v, amp));
        m = _mm_or_si128(m, _mm_cmpeq_epi8(_mm_or_si128(v, bit1), gt));
        unsigned mask = (unsigned)_mm_movemask_epi8(m);
        if (mask)
            return i + (size_t)__builtin_ctz(mask);
        i += 16;
    }
#endif
    while (i < n && p[i] >= 0x20 && p[i] < 0x80 && p[i] != '<' && p[i] != '>' && p[i] != '&')
        i++;
    return i;
}

/* Whether an attribute value holds only what libxml2 copies as it is and
 * h2m_fast_inline also takes: no control (newline and tab included), no
 * '<' or '>', valid UTF-8 ('&' is h2m_fast_amps's to judge). */
static bool h2m_block_value_ok(const char *v, size_t n)
{
    const unsigned char *p = (const unsigned char *)v;
    for (size_t i = h2m_block_plain(p, 0, n); i < n; i = h2m_block_plain(p, i, n)) {
        if (p[i] == '&') {
            i++;
        } else if (p[i] >= 0x80) {
            size_t k = h2m_block_utf8(p + i, n - i);
            if (!k)
                return false;
            i += k;
        } else {
            return false;
        }
    }
    return true;
}

static bool h2m_block_space(char c)
{
    return c == ' ' || c == '\t' || c == '\n';
}

/*
 * The reference at html[*p] ('&'): `&name;` that libxml2's table knows or
 * `&#N;` / `&#xH;` of a character it keeps, decoded into out (UTF-8, 4
 * bytes at most); false for anything else (libxml2's recovery decides).
 */
static bool h2m_block_ref(const char *html, size_t len, size_t *p, char *out, size_t *outn)
{
    size_t i = *p + 1;
    uint32_t cp = 0;
    if (i < len && html[i] == '#') {
        i++;
        bool hex = i < len && (html[i] == 'x' || html[i] == 'X');
        if (hex)
            i++;
        size_t d0 = i;
        while (i < len && i - d0 < 7) {
            char c = html[i];
            int v = c >= '0' && c <= '9' ? c - '0'
                    : hex && c >= 'a' && c <= 'f' ? c - 'a' + 10
                    : hex && c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
            if (v < 0)
                break;
            cp = cp * (hex ? 16 : 10) + (uint32_t)v;
            i++;
        }
        if (i == d0 || i >= len || html[i] != ';')
            return false;
        if (!((cp >= 0x20 && cp < 0xD800) || (cp >= 0xE000 && cp <= 0xFFFD) ||
              (cp >= 0x10000 && cp <= 0x10FFFF)))
            return false;
    } else {
        char name[32];
        size_t n = 0;
        if (i >= len || !((html[i] >= 'a' && html[i] <= 'z') || (html[i] >= 'A' && html[i] <= 'Z')))
            return false;
        while (i < len && n < sizeof name - 1 &&
               ((html[i] >= 'a' && html[i] <= 'z') || (html[i] >= 'A' && html[i] <= 'Z') ||
                (html[i] >= '0' && html[i] <= '9')))
            name[n++] = html[i++];
        name[n] = '\0';
        if (i >= len || html[i] != ';')
            return false;
        const htmlEntityDesc *e = htmlEntityLookup((const xmlChar *)name);
        if (!e)
            return false;
        cp = e->value;
        if (cp < 0x20 && cp != '\t' && cp != '\n')
            return false;
    }
    size_t n;
    if (cp < 0x80) {
        out[0] = (char)cp;
        n = 1;
    } else if (cp < 0x800) {
        out[0] = (char)(0xC0 | (cp >> 6));
        out[1] = (char)(0x80 | (cp & 0x3F));
        n = 2;
    } else if (cp < 0x10000) {
        out[0] = (char)(0xE0 | (cp >> 12));
        out[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
        out[2] = (char)(0x80 | (cp & 0x3F));
        n = 3;
    } else {
        out[0] = (char)(0xF0 | (cp >> 18));
        out[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
        out[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
        out[3] = (char)(0x80 | (cp & 0x3F));
        n = 4;
    }
    *outn = n;
    *p = i + 1;
    return true;
}

#define H2M_FB_DEPTH 32
#define H2M_FB_ATTS 16
#define H2M_FB_BUF 2048

/* A start tag's attributes as h2m_fast_inline takes them (lower-case
 * names, quoted values without newline, tab, '<', '>' or references),
 * from html[*p] to its '>'; names and values copied NUL-terminated into
 * buf (*used bytes).  False when libxml2 must read the tag. */
static bool h2m_block_attrs(const char *html, size_t len, size_t *pp, char *buf, size_t *used,
                            const char **atts, size_t *nap, bool *self_close)
{
    size_t p = *pp, na = 0, b = 0;
    *self_close = false;
    for (;;) {
        while (p < len && h2m_block_space(html[p]))
            p++;
        if (p >= len)
            return false;
        if (html[p] == '>')
            break;
        if (html[p] == '/') {
            if (p + 1 >= len || html[p + 1] != '>')
                return false;
            *self_close = true;
            p++;
            break;
        }
        size_t a0 = p;
        while (p < len && h2m_name_char((unsigned char)html[p]))
            p++;
        if (p == a0 || na == H2M_FB_ATTS || p - a0 > 64 ||
            !((html[a0] >= 'a' && html[a0] <= 'z') || (html[a0] >= 'A' && html[a0] <= 'Z') ||
              html[a0] == '_'))
            return false;
        if (b + (p - a0) + 1 > H2M_FB_BUF)
            return false;
        const char *aname = buf + b;
        for (size_t k = a0; k < p; k++)
            buf[b++] = (char)(html[k] >= 'A' && html[k] <= 'Z' ? html[k] + 32 : html[k]);
        buf[b++] = '\0';
        for (size_t k = 0; k < na; k++)
            if (strcmp(atts[2 * k], aname) == 0)
                return false; /* libxml2 keeps the first: let it */
        const char *aval = "";
        size_t q = p;
        while (q < len && h2m_block_space(html[q]))
            q++;
        if (q < len && html[q] == '=') {
            q++;
            while (q < len && h2m_block_space(html[q]))
                q++;
            if (q >= len || (html[q] != '"' && html[q] != '\''))
                return false;
            char quote = html[q++];
            const char *v = html + q;
            const char *e = memchr(v, quote, len - q);
            if (!e)
                return false;
            size_t vn = (size_t)(e - v);
            if (!h2m_block_value_ok(v, vn) || !h2m_fast_amps(v, e) || b + vn + 1 > H2M_FB_BUF)
                return false;
            aval = buf + b;
            memcpy(buf + b, v, vn);
            b += vn;
            buf[b++] = '\0';
            p = (size_t)(e - html) + 1;
            if (p < len && !h2m_block_space(html[p]) && html[p] != '/' && html[p] != '>')
                return false;
        } else if (q < len && html[q] != '>' && html[q] != '/' && !h2m_name_char((unsigned char)html[q])) {
            return false;
        }
        atts[2 * na] = aname;
        atts[2 * na + 1] = aval;
        na++;
    }
    atts[2 * na] = NULL;
    *nap = na;
    *used = b;
    *pp = p + 1; /* past '>' */
    return true;
}

/* What h2m_block_scan found, in order, for h2m_block_replay to make. */
enum { H2M_FB_TEXT, H2M_FB_REF, H2M_FB_START, H2M_FB_END };

typedef struct h2m_fb_op {
    unsigned char type;  /* H2M_FB_* */
    unsigned char n;     /* REF: bytes in ref; START: attributes */
    unsigned char idx;   /* START: index in h2m_block_names */
    bool close;          /* START: void or self-closed, ends at once */
    uint32_t off;        /* TEXT: html[off, off + len); START: its '<' */
    uint32_t len;        /* START: its attributes' first entry in fb_atts */
    char ref[4];         /* REF: the character, UTF-8 */
} h2m_fb_op;

_Static_assert(H2M_BLOCK_N < 256 && H2M_FB_ATTS < 256, "h2m_fb_op's fields must hold them");

/* Append an op (false: out of memory). */
static bool h2m_fb_add(h2m *st, h2m_fb_op op)
{
    if (st->fb_nops == st->fb_cap) {
        size_t cap = st->fb_cap ? st->fb_cap * 2 : 64;
        h2m_fb_op *p = realloc(st->fb_ops, cap * sizeof *p);
        if (!p) {
            st->oom = true;
            return false;
        }
        st->fb_ops = p;
        st->fb_cap = cap;
    }
    st->fb_ops[st->fb_nops++] = op;
    return true;
}

/* Room for n more attribute pointers (false: out of memory). */
static bool h2m_fb_atts_room(h2m *st, size_t n)
{
    if (st->fb_natts + n <= st->fb_atts_cap)
        return true;
    size_t cap = st->fb_atts_cap ? st->fb_atts_cap : 64;
    while (cap < st->fb_natts + n)
        cap *= 2;
    const char **p = realloc(st->fb_atts, cap * sizeof *p);
    if (!p) {
        st->oom = true;
        return false;
    }
    st->fb_atts = p;
    st->fb_atts_cap = cap;
    return true;
}

/*
 * The first of h2m_fast_block's two steps: whether the raw HTML block is
 * simple enough, read once; what it holds is recorded in st->fb_ops (its
 * attributes' strings in fb_str, their pointers in fb_atts), so that
 * h2m_block_replay makes the nodes without reading it again.  `top` is
 * the element libxml2 would have on top before the block.
 */
static bool h2m_block_scan(h2m *st, const char *html, size_t len, const char *top,
                           int top_idx)
{
    int open[H2M_FB_DEPTH];
    size_t depth = 0;
    st->fb_nops = st->fb_natts = 0;
    /* Attribute names and values, NUL-terminated, take at most twice the
     * bytes they are written with (a name of n >= 1 bytes, a value and its
     * two quotes): reserved once, the pointers into it stay valid. */
    st->fb_str.len = 0;
    if (!quire__buf_reserve(&st->fb_str, 2 * len + 1)) {
        st->oom = true;
        return false;
    }
    size_t i = 0;
    while (i < len) {
        char c = html[i];
        if (c != '<') {
            /* text up to the next tag */
            const unsigned char *u = (const unsigned char *)html;
            size_t t0 = i;
            for (;;) {
                i = h2m_block_plain(u, i, len);
                if (i >= len || u[i] == '<')
                    break;
                unsigned char ch = u[i];
                if (ch == '\t' || ch == '\n') {
                    i++;
                } else if (ch >= 0x80) {
                    size_t k = h2m_block_utf8(u + i, len - i);
                    if (!k)
                        return false;
                    i += k;
                } else if (ch == '&') {
                    if (!depth && !st->nframes)
                        return false; /* libxml2 would open a <p> */
                    if (i > t0 && !h2m_fb_add(st, (h2m_fb_op){.type = H2M_FB_TEXT,
                                                               .off = (uint32_t)t0,
                                                               .len = (uint32_t)(i - t0)}))
                        return false;
                    h2m_fb_op ref = {.type = H2M_FB_REF};
                    size_t on;
                    if (!h2m_block_ref(html, len, &i, ref.ref, &on))
                        return false;
                    ref.n = (unsigned char)on;
                    if (!h2m_fb_add(st, ref))
                        return false;
                    t0 = i;
                } else {
                    return false; /* '>' or a control */
                }
            }
            /* Text right under libxml2's <html> wrapper gets an implied <p>
             * unless it is blank. */
            if (!depth && !st->nframes && !h2m_all_space(html + t0, i - t0))
                return false;
            if (i > t0 && !h2m_fb_add(st, (h2m_fb_op){.type = H2M_FB_TEXT, .off = (uint32_t)t0,
                                                       .len = (uint32_t)(i - t0)}))
                return false;
            continue;
        }
        size_t lt = i;
        size_t p = i + 1;
        bool end = p < len && html[p] == '/';
        if (end)
            p++;
        char name[16];
        size_t n = 0;
        if (p >= len || !((html[p] >= 'a' && html[p] <= 'z') || (html[p] >= 'A' && html[p] <= 'Z')))
            return false; /* a comment, a stray '<', ... */
        while (p < len && h2m_name_char((unsigned char)html[p])) {
            if (n == sizeof name - 1)
                return false;
            char ch = html[p++];
            name[n++] = (char)(ch >= 'A' && ch <= 'Z' ? ch + 32 : ch);
        }
        name[n] = '\0';
        if (end) {
            /* only the end tag of the element on top (its name is known) */
            while (p < len && h2m_block_space(html[p]))
                p++;
            if (p >= len || html[p] != '>' || !depth ||
                strcmp(h2m_block_names[open[depth - 1]], name) != 0)
                return false;
            depth--;
            if (!h2m_fb_add(st, (h2m_fb_op){.type = H2M_FB_END}))
                return false;
            i = p + 1;
            continue;
        }
        int idx = h2m_block_index(name);
        if (idx < 0 || idx == (int)H2M_BLOCK_N)
            return false; /* not a block tag ("html" included) */
        bool is_void = h2m_block_void[idx];
        if (p < len && !h2m_block_space(html[p]) && html[p] != '>' && html[p] != '/')
            return false;
        int cur_top = depth ? open[depth - 1] : top_idx;
        if (cur_top >= 0 ? h2m_block_closes_at((size_t)cur_top, (size_t)idx)
                        : h2m_block_closes(top, h2m_block_names[idx]))
            return false;
        if (!h2m_fb_atts_room(st, 2 * H2M_FB_ATTS + 1))
            return false;
        const char **atts = st->fb_atts + st->fb_natts;
        char *buf = st->fb_str.data + st->fb_str.len;
        size_t na = 0, used;
        bool self_close;
        if (!h2m_block_attrs(html, len, &p, buf, &used, atts, &na, &self_close))
            return false;
        st->fb_str.len += used;
        h2m_fb_op op = {.type = H2M_FB_START, .n = (unsigned char)na, .idx = (unsigned char)idx,
                        .close = self_close || is_void, .off = (uint32_t)lt,
                        .len = (uint32_t)st->fb_natts};
        if (na)
            st->fb_natts += 2 * na + 1;
        i = p;
        if (!op.close) {
            if (depth == H2M_FB_DEPTH || st->nframes + depth >= st->max_depth)
                return false;
            open[depth++] = idx;
        }
        if (!h2m_fb_add(st, op))
            return false;
    }
    return depth == 0;
}

/*
 * The second step: the nodes of what h2m_block_scan recorded, through the
 * same handlers and with the same positions as libxml2's events would
 * make them (line:col: where the block starts in the source).
 */
static void h2m_block_replay(h2m *st, const char *html, uint32_t line, uint32_t col)
{
    /* line/column tracking of the '<' of each start tag */
    size_t scan = 0;
    uint32_t sline = 1, scol = 1;
    for (size_t k = 0; k < st->fb_nops && !st->oom; k++) {
        const h2m_fb_op *op = &st->fb_ops[k];
        switch (op->type) {
        case H2M_FB_TEXT:
            h2m_characters(st, (const xmlChar *)html + op->off, (int)op->len);
            break;
        case H2M_FB_REF:
            h2m_characters(st, (const xmlChar *)op->ref, op->n);
            break;
        case H2M_FB_END:
            h2m_end(st, NULL);
            break;
        case H2M_FB_START: {
            if (op->off > scan) {
                h2m_advance_pos((const unsigned char *)html, scan, op->off, &sline, &scol);
                scan = op->off;
            }
            size_t before = st->nframes;
            const char *name = h2m_block_names[op->idx];
            st->fixed_pos = true;
            st->fixed_line = line + sline - 1;
            st->fixed_col = scol + col - 1;
            h2m_start_as(st, name, op->n ? (const xmlChar **)st->fb_atts + op->len : NULL,
                         (h2m_kind)h2m_block_kind[op->idx], true);
            st->fixed_pos = false;
            if (st->nframes > before) {
                st->frames[st->nframes - 1].name = name;
                if (op->close)
                    h2m_end(st, NULL);
            }
            break;
        }
        }
    }
}

/*
 * A raw HTML block made of the tags above, balanced within itself, with
 * quoted attributes, references libxml2 surely decodes the same way, and
 * nothing else (no comment, stray '<' or '>', CR, invalid UTF-8): its
 * nodes are made here, exactly as libxml2's events would make them, and
 * libxml2 is not asked at all.  Everything it opens it also closes, so the
 * open elements libxml2 knows of are the same after it.  It only runs
 * where libxml2 holds nothing half-read.
 */
static bool h2m_fast_block(h2m *st, const char *html, size_t len, uint32_t line, uint32_t col)
{
    if ((quire__h2m_no_fast & QUIRE__H2M_NO_FAST_BLOCK) || len < 3 || len > 65536 || html[0] != '<' || st->skip ||
        st->collect)
        return false;
    if (st->pctx) {
        const xmlParserInputPtr in = st->pctx->input;
        if (st->pctx->instate != XML_PARSER_CONTENT || !in || in->cur != in->end ||
            h2m_known(st) > st->nframes)
            return false;
    }
    const char *top = "html";
    if (st->nframes) {
        top = st->frames[st->nframes - 1].name;
        if (!top || strcmp(top, "html") == 0 || strcmp(top, "head") == 0 ||
            strcmp(top, "body") == 0)
            return false;
        for (size_t k = 0; k < st->nframes; k++) {
            const char *nm = st->frames[k].name;
            if (!nm || strcmp(nm, "script") == 0 || strcmp(nm, "style") == 0 ||
                strcmp(nm, "textarea") == 0 || strcmp(nm, "title") == 0 ||
                strcmp(nm, "xmp") == 0 || strcmp(nm, "plaintext") == 0 ||
                strcmp(nm, "iframe") == 0 || strcmp(nm, "noscript") == 0)
                return false;
        }
    }
    if (!h2m_block_scan(st, html, len, top, h2m_block_index(top)))
        return false;
    st->raw_map = false;
    h2m_block_replay(st, html, line, col);
    return true;
}

void quire__h2m_raw(quire__h2m *h, const char *html, size_t len, uint32_t line, uint32_t col,
                    bool block)
{
    h2m *st = &h->st;
    if (st->oom || !len)
        return;
    if (block ? h2m_fast_block(st, html, len, line, col) : h2m_fast_inline(st, html, len))
        return;
    if (!h2m_ensure_parser(st))
        return;
    h2m_replay(st);
    if (block) {
        /* Elements inside get their own place in the source: the line
         * count restarts where the fragment starts. */
        st->raw_map = true;
        st->scan_off = st->last_off = st->log.len;
        st->scan_line = st->scan_col = 1;
        st->map_rline = 1;
        st->map_line = line;
        st->map_col = col;
    } else {
        st->raw_map = false;
    }
    h2m_feed(st, html, len);
    /* Text at the end of a fragment waits in libxml2 for a '<': a comment
     * (which the handlers ignore) hands it over before anything else. */
    if (html[len - 1] != '>') {
        st->clamp_off = st->log.len;
        h2m_feed(st, "<!---->", 7);
        st->clamp_off = SIZE_MAX;
    }
    st->raw_map = false;
}

int quire__h2m_finish(quire__h2m *h)
{
    h2m *st = &h->st;
    if (st->pctx) {
        if (!st->push_dead && !st->oom)
            htmlParseChunk(st->pctx, NULL, 0, 1);
        h2m_drop_parser(st);
    }
    if (!st->oom) {
        h2m_flush(st);
        while (st->cur != st->root && st->cur->parent)
            h2m_close(st);
        h2m_finalize(st, st->root);
    }
    return st->oom ? QUIRE_ERR_NOMEM : QUIRE_OK;
}

void quire__h2m_free(quire__h2m *h)
{
    if (!h)
        return;
    if (h->st.pctx)
        h2m_drop_parser(&h->st);
    free(h->st.frames);
    free(h->st.mds);
    quire__buf_free(&h->st.text);
    quire__buf_free(&h->st.lit);
    quire__buf_free(&h->st.log);
    free(h->st.fb_ops);
    free(h->st.fb_atts);
    quire__buf_free(&h->st.fb_str);
    free(h);
}
