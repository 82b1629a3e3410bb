/*
 * markdown.c — reader "markdown": YAML front matter + GitHub Flavored
 * Markdown (cmark-gfm), raw HTML included.
 *
 * How the body becomes model nodes.  cmark-gfm parses it into its tree; a
 * walk over that tree (md_build) hands html_to_model.c what cmark-gfm's
 * HTML renderer would have written for each node — tag, attributes,
 * position — and the one element-to-node mapping shared with the html
 * reader makes the nodes, so Markdown and HTML input still give the same
 * nodes.  Nothing is rendered to text and parsed back (that cost 2.4x
 * cmark's own time).  Only raw HTML (HTML_BLOCK, HTML_INLINE) goes through
 * libxml2: cmark hands it over in fragments (`<i>`, Markdown text, `</i>`),
 * and a block may open an element a later block closes, so all fragments
 * of a document go to one push parser that also knows the open Markdown
 * elements when it needs to; its recovery rules decide as before.  See
 * html_to_model.c ("incremental use") and docs/reader-markdown.md.
 *
 * The walk mirrors cmark-gfm 0.29's html.c and extension renderers: tight
 * list paragraphs write no <p>, task items an <input> and a space, footnote
 * references <sup><a>, definitions a <section><ol><li> with a back-link in
 * their last paragraph, tables <thead>/<tbody>; and the newlines the
 * renderer puts between block tags are tracked (md_cr/md_lf), because
 * where raw HTML left an inline element open they are soft breaks.
 */
#include "frontmatter.h"
#include "html_to_model.h"

#include <cmark-gfm-core-extensions.h>
#include <cmark-gfm.h>
#include <dlfcn.h>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define MD_COMPONENT "markdown"

/* tagfilter is left out on purpose: it would turn <iframe> into text, and
 * what survives is the sanitize and embeds filters' decision. */
static const char *const md_extensions[] = {"table", "strikethrough", "autolink", "tasklist"};

static pthread_once_t md_once = PTHREAD_ONCE_INIT;
static cmark_syntax_extension *md_tasklist_ext; /* set once in md_init, read-only after */
static void md_href_init(void);

/*
 * cmark-gfm and threads.  Its inline parser finds the characters that start
 * an extension's inline ('~', '|', ':', 'w') in one process-wide table,
 * which cmark_parser_finish fills when it starts parsing inlines and
 * clears when it is done (cmark_manage_extensions_special_characters).
 * With two documents finishing at once, one clears the table while the
 * other parses, and "~~d~~" stays text, "www.x.org" is no link
 * (test_threads saw it).  So that function is defined here too: cmark's
 * own calls to it go through the PLT and land here, and this one only
 * fills the table when the first parse starts and clears it when the last
 * one ends (every parser in this process attaches the same extensions, so
 * the table is what each parse would have set).  md_init checks that the
 * calls do arrive here; if they do not (a cmark-gfm linked with
 * -Bsymbolic, or statically), cmark_parser_finish runs under a mutex.
 */
static pthread_mutex_t md_special_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_mutex_t md_finish_lock = PTHREAD_MUTEX_INITIALIZER;
static size_t md_special_users;
static void (*md_special_real)(cmark_parser *, int);
static atomic_int md_special_seen;
static bool md_serialize_finish;

__attribute__((visibility("default"))) void
cmark_manage_extensions_special_characters(cmark_parser *parser, int add);

void cmark_manage_extensions_special_characters(cmark_parser *parser, int add)
{
    atomic_store(&md_special_seen, 1);
    pthread_mutex_lock(&md_special_lock);
    if (!md_special_real)
        *(void **)&md_special_real =
            dlsym(RTLD_NEXT, "cmark_manage_extensions_special_characters");
    if (add) {
        if (md_special_users++ == 0 && md_special_real)
            md_special_real(parser, 1);
    } else if (md_special_users && --md_special_users == 0 && md_special_real) {
        md_special_real(parser, 0);
    }
    pthread_mutex_unlock(&md_special_lock);
}

static cmark_parser *md_parser_new(int opts, cmark_mem *mem)
{
    cmark_parser *parser = mem ? cmark_parser_new_with_mem(opts, mem) : cmark_parser_new(opts);
    if (!parser)
        return NULL;
    for (size_t i = 0; i < sizeof md_extensions / sizeof *md_extensions; i++) {
        cmark_syntax_extension *ext = cmark_find_syntax_extension(md_extensions[i]);
        if (ext)
            cmark_parser_attach_syntax_extension(parser, ext);
    }
    return parser;
}

static cmark_node *md_parser_finish(cmark_parser *parser)
{
    if (!md_serialize_finish)
        return cmark_parser_finish(parser);
    pthread_mutex_lock(&md_finish_lock);
    cmark_node *root = cmark_parser_finish(parser);
    pthread_mutex_unlock(&md_finish_lock);
    return root;
}

static void md_init(void)
{
    /* The extension registry is global in cmark-gfm: fill it once. */
    cmark_gfm_core_extensions_ensure_registered();
    md_href_init();
    md_tasklist_ext = cmark_find_syntax_extension("tasklist");
    /* Do cmark's calls reach the counting version above? */
    cmark_parser *p = md_parser_new(0, NULL);
    if (p) {
        cmark_parser_feed(p, "~~x~~\n", 6);
        cmark_node *root = cmark_parser_finish(p);
        if (root)
            cmark_node_free(root);
        cmark_parser_free(p);
    }
    md_serialize_finish = !atomic_load(&md_special_seen) || !md_special_real;
}

/* ------------------------------------------------------------ front matter */

typedef struct md_split {
    bool has_fm;
    const char *yaml;      /* between the delimiters */
    size_t yaml_len;
    const char *body;
    size_t body_len;
    uint32_t body_offset;  /* lines before the body */
} md_split;

/* Length of a delimiter line ("---" or "..." plus blanks, then \n, \r\n or
 * end of input) at p, 0 when p does not start one. */
static size_t md_delim_line(const char *p, const char *end, bool closing)
{
    if (end - p < 3)
        return 0;
    if (memcmp(p, "---", 3) != 0 && !(closing && memcmp(p, "...", 3) == 0))
        return 0;
    const char *q = p + 3;
    while (q < end && (*q == ' ' || *q == '\t'))
        q++;
    if (q < end && *q == '\r')
        q++;
    if (q < end && *q != '\n')
        return 0;
    return (size_t)(q - p) + (q < end ? 1 : 0);
}

/* The start of the first line after the one at `line` that begins with
 * '-' or '.' (a closing delimiter can only be such a line), or `end`;
 * *lines grows by the newlines passed.  Front matter is dozens of lines
 * and only its last starts so (YAML lists are mostly indented): sixteen
 * bytes at a time, newlines counted in byte lanes (at most 255 blocks
 * between two sums). */
static const char *md_next_dash_line(const char *line, const char *end, size_t *lines)
{
    const char *p = line;
    size_t n = 0;
#if defined(__SSE2__)
    const __m128i lf = _mm_set1_epi8('\n'), dash = _mm_set1_epi8('-'),
                  dot = _mm_set1_epi8('.'), zero = _mm_setzero_si128();
    __m128i acc = zero; /* per byte lane: newlines seen, negated */
    unsigned blocks = 0;
    while (end - p >= 17) {
        __m128i v = _mm_loadu_si128((const __m128i *)(const void *)p);
        __m128i w = _mm_loadu_si128((const __m128i *)(const void *)(p + 1));
        __m128i nl = _mm_cmpeq_epi8(v, lf);
        unsigned hit = (unsigned)_mm_movemask_epi8(
            _mm_and_si128(nl, _mm_or_si128(_mm_cmpeq_epi8(w, dash), _mm_cmpeq_epi8(w, dot))));
        if (hit) {
            /* this block's newlines up to the hit, one by one */
            unsigned k = (unsigned)__builtin_ctz(hit);
            for (unsigned i = 0; i <= k; i++)
                n += p[i] == '\n';
            p += k + 1;
            break;
        }
        acc = _mm_sub_epi8(acc, nl);
        p += 16;
        if (++blocks == 255) {
            __m128i sums = _mm_sad_epu8(acc, zero);
            n += (size_t)_mm_cvtsi128_si32(sums) + (size_t)_mm_extract_epi16(sums, 4);
            acc = zero;
            blocks = 0;
        }
    }
    if (blocks) {
        __m128i sums = _mm_sad_epu8(acc, zero);
        n += (size_t)_mm_cvtsi128_si32(sums) + (size_t)_mm_extract_epi16(sums, 4);
    }
    if (p > line && p[-1] == '\n' && (p == end || *p == '-' || *p == '.')) {
        *lines += n;
        return p;
    }
#endif
    for (;;) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        if (!nl) {
            *lines += n + 1; /* the last line, without a newline */
            return end;
        }
        n++;
        p = nl + 1;
        if (p == end || *p == '-' || *p == '.') {
            *lines += n;
            return p;
        }
    }
}

static int md_split_front_matter(md_split *out, const quire_read_ctx *ctx, const char *data,
                                 size_t len)
{
    const char *p = data, *end = data + len;
    if (len >= 3 && memcmp(p, "\xEF\xBB\xBF", 3) == 0)
        p += 3;
    *out = (md_split){false, NULL, 0, p, (size_t)(end - p), 0};
    size_t open = md_delim_line(p, end, false);
    if (!open || (p + open == end && p[open - 1] != '\n'))
        return QUIRE_OK; /* a lone "---" is a thematic break, not front matter */
    const char *yaml = p + open, *line = yaml;
    size_t yaml_lines = 0; /* each ends with a newline: the loop found it */
    while (line < end) {
        size_t close = md_delim_line(line, end, true);
        if (close) {
            out->has_fm = true;
            out->yaml = yaml;
            out->yaml_len = (size_t)(line - yaml);
            out->body = line + close;
            out->body_len = (size_t)(end - out->body);
            /* the two delimiter lines and those between; a closing line
             * without a newline ends the input, and the body is its
             * (empty) next line all the same */
            out->body_offset = (uint32_t)(yaml_lines + 2);
            return QUIRE_OK;
        }
        line = md_next_dash_line(line, end, &yaml_lines);
    }
    quire_diag_add(ctx->diags, QUIRE_SEV_ERROR, MD_COMPONENT, ctx->path, 1, 1,
                   "front matter opened with '---' on line 1 is never closed "
                   "(expected a line '---' or '...')");
    return QUIRE_ERR_PARSE;
}

/* ------------------------------------------------------------------- body */

/* The extensions' node types: exported by libcmark-gfm-extensions, not
 * declared in its public header. */
CMARK_GFM_EXTENSIONS_EXPORT extern cmark_node_type CMARK_NODE_TABLE, CMARK_NODE_TABLE_ROW,
    CMARK_NODE_TABLE_CELL, CMARK_NODE_STRIKETHROUGH;

/* The walk reads each node's type, links and literal once or twice: through
 * the public getters that is a call into the library each time, and
 * cmark_node_get_literal copies a literal still in the input into a fresh
 * NUL-terminated block (a calloc, a memcpy, then our strlen) although the
 * node knows its length.  libcmark-gfm-dev installs the node's layout
 * (cmark-gfm/node.h); the library's soname carries its full version, so
 * a build against the header of that same version reads the fields of
 * the library it runs with.  Any other version (or -DQUIRE_MD_GETTERS_ONLY,
 * to test this path): the getters. */
#if defined(__has_include) && !defined(QUIRE_MD_GETTERS_ONLY)
#if __has_include(<cmark-gfm/node.h>) && CMARK_GFM_VERSION == ((0 << 24) | (29 << 16) | (0 << 8) | 6)
#define MD_NODE_FIELDS 1
#endif
#endif

#ifdef MD_NODE_FIELDS
#include <cmark-gfm/node.h>

static inline cmark_node_type md_type(cmark_node *n) { return (cmark_node_type)n->type; }
static inline cmark_node *md_first_child(cmark_node *n) { return n->first_child; }
static inline cmark_node *md_next(cmark_node *n) { return n->next; }
static inline cmark_node *md_parent(cmark_node *n) { return n->parent; }
static inline int md_start_line(cmark_node *n) { return n->start_line; }
static inline int md_start_column(cmark_node *n) { return n->start_column; }

/* The literal of a text, code, code block or raw HTML node, and its
 * length (cmark-gfm's literals hold no NUL: it reads one as U+FFFD). */
static inline const char *md_literal(cmark_node *n, size_t *len)
{
    const cmark_chunk *c = md_type(n) == CMARK_NODE_CODE_BLOCK ? &n->as.code.literal
                                                                : &n->as.literal;
    *len = c->len > 0 ? (size_t)c->len : 0;
    return (const char *)c->data;
}
#else
static inline cmark_node_type md_type(cmark_node *n) { return cmark_node_get_type(n); }
static inline cmark_node *md_first_child(cmark_node *n) { return cmark_node_first_child(n); }
static inline cmark_node *md_next(cmark_node *n) { return cmark_node_next(n); }
static inline cmark_node *md_parent(cmark_node *n) { return cmark_node_parent(n); }
static inline int md_start_line(cmark_node *n) { return cmark_node_get_start_line(n); }
static inline int md_start_column(cmark_node *n) { return cmark_node_get_start_column(n); }

static inline const char *md_literal(cmark_node *n, size_t *len)
{
    const char *s = cmark_node_get_literal(n);
    *len = s ? strlen(s) : 0;
    return s;
}
#endif

/* What a walk over cmark's tree keeps.  Every container node entered
 * pushes one md_open (the tokens of what it opened), popped on exit. */
typedef struct md_open {
    uint32_t a, b;
} md_open;

typedef struct md_walk {
    quire__h2m *h;
    uint32_t line_offset;
    md_open *open;
    size_t nopen, cap;
    quire_buf s1, s2;          /* attribute values being built */
    uint32_t fn_section, fn_list; /* the footnotes <section><ol>, once opened */
    bool fn_backref_done;      /* the current definition has its back-link */
    uint32_t tbody;            /* <tbody> of the current table, once opened */
    bool nl;                   /* the rendering would end with a newline (or be empty) */
    bool oom;
} md_walk;

static bool md_push(md_walk *w, uint32_t a, uint32_t b)
{
    if (w->nopen == w->cap) {
        size_t cap = w->cap ? w->cap * 2 : 64;
        md_open *p = realloc(w->open, cap * sizeof *p);
        if (!p) {
            w->oom = true;
            return false;
        }
        w->open = p;
        w->cap = cap;
    }
    w->open[w->nopen++] = (md_open){a, b};
    return true;
}

static uint32_t md_line(const md_walk *w, cmark_node *n)
{
    int l = md_start_line(n);
    return l > 0 ? (uint32_t)l + w->line_offset : 0;
}

static uint32_t md_col(cmark_node *n)
{
    int c = md_start_column(n);
    return c > 0 ? (uint32_t)c : 1;
}

/* The newlines cmark-gfm's renderer puts around block tags (its
 * cmark_html_render_cr, and the "\n" after end tags), tracked so that the
 * same text reaches the converter where it matters. */
static void md_lf(md_walk *w)
{
    quire__h2m_md_newline(w->h);
    w->nl = true;
}

static void md_cr(md_walk *w)
{
    if (!w->nl)
        md_lf(w);
}

static uint32_t md_start_at(md_walk *w, quire__h2m_tag tag, const char **atts, cmark_node *n)
{
    return quire__h2m_md_start(w->h, tag, atts, n ? md_line(w, n) : 0, n ? md_col(n) : 0);
}

static void md_text_n(md_walk *w, const char *s, size_t n)
{
    if (n) {
        quire__h2m_md_text(w->h, s, n);
        w->nl = s[n - 1] == '\n';
    }
}

static void md_text(md_walk *w, const char *s)
{
    md_text_n(w, s, s ? strlen(s) : 0);
}

/* A node's literal as text (see md_literal). */
static void md_text_literal(md_walk *w, cmark_node *n)
{
    size_t len;
    const char *s = md_literal(n, &len);
    md_text_n(w, s, len);
}

/* A void element (br, hr, img, input): opened and closed at once. */
static void md_void(md_walk *w, quire__h2m_tag tag, const char **atts, cmark_node *n)
{
    quire__h2m_md_end(w->h, md_start_at(w, tag, atts, n));
}

/* The bytes cmark-gfm's houdini_escape_href leaves as they are; filled
 * once in md_init (one table lookup a byte instead of a strchr). */
static bool md_href_safe[256];

static void md_href_init(void)
{
    for (unsigned c = 0; c < 256; c++)
        md_href_safe[c] = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                          (c >= '0' && c <= '9') || (c && strchr("-_.+!*(),%#@?=;:/$~&'", (int)c));
}

/* The URL as cmark-gfm writes it into href/src (houdini_escape_href), as
 * the HTML parser would read it back: bytes outside the safe set become
 * %XX; '&' and '\'' stay (they were only entity-escaped).  Runs of safe
 * bytes are copied at once. */
static const char *md_href(quire_buf *b, const char *url)
{
    static const char hex[] = "0123456789ABCDEF";
    quire__buf_reset(b);
    const unsigned char *p = (const unsigned char *)(url ? url : "");
    for (;;) {
        const unsigned char *run = p;
        while (md_href_safe[*p]) /* false for the NUL */
            p++;
        quire__buf_put(b, run, (size_t)(p - run));
        if (!*p)
            break;
        const char esc[3] = {'%', hex[*p >> 4], hex[*p & 15]};
        quire__buf_put(b, esc, 3);
        p++;
    }
    return quire__buf_cstr(b);
}

/* An image's alt text as cmark-gfm renders it: the literal text of the
 * descendants, breaks as spaces.  Iterative, in document order. */
static const char *md_alt(quire_buf *b, cmark_node *img)
{
    quire__buf_reset(b);
    cmark_node *n = md_first_child(img);
    while (n) {
        switch (md_type(n)) {
        case CMARK_NODE_TEXT:
        case CMARK_NODE_CODE:
        case CMARK_NODE_HTML_INLINE: {
            size_t len;
            const char *lit = md_literal(n, &len);
            quire__buf_put(b, lit, len);
            break;
        }
        case CMARK_NODE_SOFTBREAK:
        case CMARK_NODE_LINEBREAK:
            quire__buf_putc(b, ' ');
            break;
        default:
            break;
        }
        if (md_first_child(n)) {
            n = md_first_child(n);
            continue;
        }
        while (n != img && !md_next(n))
            n = md_parent(n);
        n = n == img ? NULL : md_next(n);
    }
    return quire__buf_cstr(b);
}

static bool md_is_tight_para(cmark_node *para)
{
    cmark_node *parent = md_parent(para), *gp = parent ? md_parent(parent) : NULL;
    return gp && md_type(gp) == CMARK_NODE_LIST && cmark_node_get_list_tight(gp);
}

static void md_backref(md_walk *w)
{
    static const char *const atts[] = {"class", "footnote-backref", "data-footnote-backref", "",
                                       NULL};
    if (w->fn_backref_done)
        return;
    w->fn_backref_done = true;
    uint32_t a = quire__h2m_md_start(w->h, QUIRE__H2M_A, (const char **)atts, 0, 0);
    md_text(w, "\xE2\x86\xA9"); /* the arrow: dropped, unless a raw <code> is open */
    quire__h2m_md_end(w->h, a);
}

/* The label of a footnote definition, or of the definition a reference
 * points to.  cmark-gfm's API has no getter for it (the literal of a
 * reference is its number), but its renderer writes it into an id or
 * href: render the node alone and read it back.  Footnotes are rare. */
static const char *md_fn_label(quire_buf *b, cmark_node *n, const char *prefix)
{
    quire__buf_reset(b);
    char *html = cmark_render_html(n, CMARK_OPT_UNSAFE, NULL);
    const char *p = html ? strstr(html, prefix) : NULL;
    if (p) {
        p += strlen(prefix);
        quire__buf_put(b, p, strcspn(p, "\""));
    }
    /* html is in the tree's allocator, the arena of md_body: not freed here */
    return p && b->len ? quire__buf_cstr(b) : NULL;
}

/* ENTER of a container: open what cmark-gfm's renderer would write.
 * False when its children are not to be walked (nor its EXIT seen). */
static bool md_enter(md_walk *w, cmark_node *n, cmark_node_type t)
{
    uint32_t a = 0, b = 0;
    const char *atts[9] = {NULL};
    switch (t) {
    case CMARK_NODE_BLOCK_QUOTE:
        md_cr(w);
        a = md_start_at(w, QUIRE__H2M_BLOCKQUOTE, NULL, n);
        md_lf(w);
        break;
    case CMARK_NODE_LIST:
        md_cr(w);
        if (cmark_node_get_list_type(n) == CMARK_BULLET_LIST) {
            a = md_start_at(w, QUIRE__H2M_UL, NULL, n);
        } else {
            char start[24];
            int sn = cmark_node_get_list_start(n);
            if (sn != 1) {
                snprintf(start, sizeof start, "%d", sn);
                atts[0] = "start";
                atts[1] = start;
            }
            a = md_start_at(w, QUIRE__H2M_OL, atts, n);
        }
        md_lf(w);
        break;
    case CMARK_NODE_ITEM:
        md_cr(w);
        a = md_start_at(w, QUIRE__H2M_LI, NULL, n);
        w->nl = false;
        if (md_tasklist_ext && cmark_node_get_syntax_extension(n) == md_tasklist_ext) {
            atts[0] = "type", atts[1] = "checkbox";
            if (cmark_gfm_extensions_get_tasklist_item_checked(n))
                atts[2] = "checked", atts[3] = "";
            md_void(w, QUIRE__H2M_INPUT, atts, NULL);
            md_text(w, " ");
        }
        break;
    case CMARK_NODE_HEADING: {
        int level = cmark_node_get_heading_level(n);
        md_cr(w);
        w->nl = false;
        quire__h2m_tag tag = level >= 2 && level <= 6 ? (quire__h2m_tag)(QUIRE__H2M_H1 + level - 1)
                                                      : QUIRE__H2M_H1;
        a = md_start_at(w, tag, NULL, n);
        break;
    }
    case CMARK_NODE_PARAGRAPH:
        if (!md_is_tight_para(n)) {
            md_cr(w);
            w->nl = false;
            a = md_start_at(w, QUIRE__H2M_P, NULL, n);
        }
        break;
    case CMARK_NODE_EMPH:
        w->nl = false;
        a = md_start_at(w, QUIRE__H2M_EM, NULL, NULL);
        break;
    case CMARK_NODE_STRONG:
        w->nl = false;
        a = md_start_at(w, QUIRE__H2M_STRONG, NULL, NULL);
        break;
    case CMARK_NODE_LINK: {
        const char *title = cmark_node_get_title(n);
        w->nl = false;
        atts[0] = "href";
        atts[1] = md_href(&w->s1, cmark_node_get_url(n));
        if (title && *title)
            atts[2] = "title", atts[3] = title;
        a = md_start_at(w, QUIRE__H2M_A, atts, NULL);
        break;
    }
    case CMARK_NODE_IMAGE: {
        const char *title = cmark_node_get_title(n);
        w->nl = false;
        atts[0] = "src";
        atts[1] = md_href(&w->s1, cmark_node_get_url(n));
        atts[2] = "alt";
        atts[3] = md_alt(&w->s2, n);
        if (title && *title)
            atts[4] = "title", atts[5] = title;
        md_void(w, QUIRE__H2M_IMG, atts, NULL);
        /* The alt text is all there is of the children: the walk skips
         * them and the image's EXIT, so nothing is pushed for it. */
        return false;
    }
    case CMARK_NODE_FOOTNOTE_DEFINITION: {
        static const char *const sec[] = {"class", "footnotes", "data-footnotes", "", NULL};
        if (!w->fn_section) {
            w->fn_section = md_start_at(w, QUIRE__H2M_SECTION, (const char **)sec, NULL);
            md_lf(w);
            w->fn_list = md_start_at(w, QUIRE__H2M_OL, NULL, NULL);
            md_lf(w);
        }
        const char *label = md_fn_label(&w->s1, n, "<li id=\"fn-");
        if (label) {
            quire__buf_reset(&w->s2);
            quire__buf_puts(&w->s2, "fn-");
            quire__buf_puts(&w->s2, label);
            atts[0] = "id";
            atts[1] = quire__buf_cstr(&w->s2);
        }
        w->fn_backref_done = false;
        a = md_start_at(w, QUIRE__H2M_LI, atts, NULL);
        md_lf(w);
        break;
    }
    default:
        if (t == CMARK_NODE_TABLE) {
            w->tbody = 0;
            md_cr(w);
            a = md_start_at(w, QUIRE__H2M_TABLE, NULL, n);
            w->nl = false;
        } else if (t == CMARK_NODE_TABLE_ROW) {
            md_cr(w);
            if (cmark_gfm_extensions_get_table_row_is_header(n)) {
                a = md_start_at(w, QUIRE__H2M_THEAD, NULL, NULL);
                md_lf(w);
            } else if (!w->tbody) {
                w->tbody = md_start_at(w, QUIRE__H2M_TBODY, NULL, NULL);
                if (!w->tbody)
                    w->tbody = UINT32_MAX; /* tried: never again in this table */
                md_lf(w);
            }
            b = md_start_at(w, QUIRE__H2M_TR, NULL, n);
            w->nl = false;
        } else if (t == CMARK_NODE_TABLE_CELL) {
            cmark_node *row = cmark_node_parent(n), *table = cmark_node_parent(row);
            bool head = cmark_gfm_extensions_get_table_row_is_header(row);
            uint8_t *al = table ? cmark_gfm_extensions_get_table_alignments(table) : NULL;
            uint16_t ncols = table ? cmark_gfm_extensions_get_table_columns(table) : 0;
            size_t i = 0;
            for (cmark_node *c = cmark_node_previous(n); c; c = cmark_node_previous(c))
                i++;
            if (al && i < ncols) {
                atts[0] = "align";
                atts[1] = al[i] == 'l' ? "left" : al[i] == 'c' ? "center" : al[i] == 'r' ? "right" : NULL;
                if (!atts[1])
                    atts[0] = NULL;
            }
            md_cr(w);
            a = md_start_at(w, head ? QUIRE__H2M_TH : QUIRE__H2M_TD, atts, n);
            w->nl = false;
        } else if (t == CMARK_NODE_STRIKETHROUGH) {
            w->nl = false;
            a = md_start_at(w, QUIRE__H2M_DEL, NULL, NULL);
        }
        break;
    }
    md_push(w, a, b);
    return true;
}

static void md_exit(md_walk *w, cmark_node *n, cmark_node_type t)
{
    if (!w->nopen)
        return;
    md_open o = w->open[--w->nopen];
    switch (t) {
    case CMARK_NODE_BLOCK_QUOTE:
        md_cr(w);
        quire__h2m_md_end(w->h, o.a);
        md_lf(w);
        return;
    case CMARK_NODE_LIST:
    case CMARK_NODE_ITEM:
    case CMARK_NODE_HEADING:
        quire__h2m_md_end(w->h, o.a);
        md_lf(w);
        return;
    case CMARK_NODE_PARAGRAPH:
        if (!o.a)
            return; /* tight: nothing was written */
        cmark_node *parent = md_parent(n);
        if (parent && md_type(parent) == CMARK_NODE_FOOTNOTE_DEFINITION && !md_next(n)) {
            md_text(w, " ");
            md_backref(w);
        }
        quire__h2m_md_end(w->h, o.a);
        md_lf(w);
        return;
    case CMARK_NODE_FOOTNOTE_DEFINITION:
        if (!w->fn_backref_done) {
            md_backref(w);
            md_lf(w);
        }
        quire__h2m_md_end(w->h, o.a);
        md_lf(w);
        return;
    default:
        break;
    }
    if (t == CMARK_NODE_TABLE) {
        if (w->tbody) {
            md_cr(w);
            if (w->tbody != UINT32_MAX)
                quire__h2m_md_end(w->h, w->tbody);
            md_lf(w);
        }
        w->tbody = 0;
        md_cr(w);
        quire__h2m_md_end(w->h, o.a);
        md_lf(w);
    } else if (t == CMARK_NODE_TABLE_ROW) {
        md_cr(w);
        quire__h2m_md_end(w->h, o.b);
        w->nl = false;
        if (o.a) {
            md_cr(w);
            quire__h2m_md_end(w->h, o.a);
            w->nl = false;
        }
    } else if (t == CMARK_NODE_TABLE_CELL) {
        quire__h2m_md_end(w->h, o.a);
        md_lf(w);
    } else {
        quire__h2m_md_end(w->h, o.b);
        quire__h2m_md_end(w->h, o.a);
    }
}

/* A leaf (ENTER only). */
static void md_leaf(md_walk *w, cmark_node *n, cmark_node_type t)
{
    const char *atts[5] = {NULL};
    switch (t) {
    case CMARK_NODE_TEXT:
        md_text_literal(w, n);
        break;
    case CMARK_NODE_SOFTBREAK:
        md_text(w, "\n");
        break;
    case CMARK_NODE_LINEBREAK:
        md_void(w, QUIRE__H2M_BR, NULL, NULL);
        md_text(w, "\n");
        break;
    case CMARK_NODE_CODE: {
        uint32_t tok = md_start_at(w, QUIRE__H2M_CODE, NULL, NULL);
        md_text_literal(w, n);
        quire__h2m_md_end(w->h, tok);
        w->nl = false;
        break;
    }
    case CMARK_NODE_CODE_BLOCK: {
        const char *info = cmark_node_get_fence_info(n);
        md_cr(w);
        uint32_t pre = md_start_at(w, QUIRE__H2M_PRE, NULL, n);
        if (info && *info) {
            quire_buf *cls = &w->s1;
            quire__buf_reset(cls);
            quire__buf_puts(cls, "language-");
            size_t k = 0;
            while (info[k] && !strchr(" \t\n\v\f\r", info[k]))
                k++;
            quire__buf_put(cls, info, k);
            atts[0] = "class";
            atts[1] = quire__buf_cstr(cls);
        }
        uint32_t code = md_start_at(w, QUIRE__H2M_CODE, atts, NULL);
        md_text_literal(w, n);
        quire__h2m_md_end(w->h, code);
        quire__h2m_md_end(w->h, pre);
        md_lf(w);
        break;
    }
    case CMARK_NODE_THEMATIC_BREAK:
        md_cr(w);
        md_void(w, QUIRE__H2M_HR, NULL, n);
        md_lf(w);
        break;
    case CMARK_NODE_HTML_BLOCK:
    case CMARK_NODE_HTML_INLINE: {
        size_t len;
        const char *lit = md_literal(n, &len);
        bool block = t == CMARK_NODE_HTML_BLOCK;
        if (block)
            md_cr(w);
        if (len) {
            quire__h2m_raw(w->h, lit, len, md_line(w, n), md_col(n), block);
            w->nl = lit[len - 1] == '\n';
        }
        if (block)
            md_cr(w);
        break;
    }
    case CMARK_NODE_FOOTNOTE_REFERENCE: {
        static const char *const sup[] = {"class", "footnote-ref", NULL};
        const char *label = md_fn_label(&w->s1, n, "<a href=\"#fn-");
        if (!label)
            break;
        quire__buf_reset(&w->s2);
        quire__buf_puts(&w->s2, "#fn-");
        quire__buf_puts(&w->s2, label);
        atts[0] = "href";
        atts[1] = quire__buf_cstr(&w->s2);
        atts[2] = "data-footnote-ref";
        atts[3] = "";
        w->nl = false;
        uint32_t s = md_start_at(w, QUIRE__H2M_SUP, (const char **)sup, NULL);
        uint32_t a = md_start_at(w, QUIRE__H2M_A, atts, NULL);
        md_text(w, cmark_node_get_literal(n)); /* the number, as for the arrow */
        quire__h2m_md_end(w->h, a);
        quire__h2m_md_end(w->h, s);
        w->nl = false;
        break;
    }
    default:
        break;
    }
}

/* What cmark's iterator calls a leaf: entered, never exited. */
static bool md_is_leaf(cmark_node_type t)
{
    switch (t) {
    case CMARK_NODE_TEXT:
    case CMARK_NODE_SOFTBREAK:
    case CMARK_NODE_LINEBREAK:
    case CMARK_NODE_CODE:
    case CMARK_NODE_CODE_BLOCK:
    case CMARK_NODE_THEMATIC_BREAK:
    case CMARK_NODE_HTML_BLOCK:
    case CMARK_NODE_HTML_INLINE:
        return true;
    default:
        return false;
    }
}

/* ENTER of a node: true when it is to be exited after its children. */
static bool md_visit(md_walk *w, cmark_node *n, cmark_node_type t)
{
    if (md_is_leaf(t)) {
        md_leaf(w, n, t);
        return false;
    }
    if (t == CMARK_NODE_FOOTNOTE_REFERENCE) {
        md_leaf(w, n, t); /* a leaf to us, but it gets an EXIT */
        md_push(w, 0, 0);
        return true;
    }
    return md_enter(w, n, t);
}

/* The events cmark_iter would give, below the root, in the same order:
 * followed through the nodes' links (no iterator: its event machinery
 * cost more than the walk itself), iteratively, whatever the depth. */
static void md_walk_tree(md_walk *w, cmark_node *root)
{
    cmark_node *n = md_first_child(root);
    while (n && !w->oom) {
        cmark_node_type t = md_type(n);
        if (md_visit(w, n, t)) {
            cmark_node *child = md_first_child(n);
            if (child) {
                n = child;
                continue;
            }
            md_exit(w, n, t);
        }
        /* on to the next sibling, exiting the parents that have none */
        cmark_node *next;
        while (!(next = md_next(n))) {
            n = md_parent(n);
            if (!n || n == root || w->oom)
                return;
            md_exit(w, n, md_type(n));
        }
        n = next;
    }
}

/* Walk cmark's tree into model nodes (see the top of this file). */
static int md_build(quire_document *doc, cmark_node *root, uint32_t line_offset,
                    const quire_read_ctx *ctx)
{
    md_walk w;
    memset(&w, 0, sizeof w);
    w.line_offset = line_offset;
    w.nl = true;
    quire__buf_init(&w.s1);
    quire__buf_init(&w.s2);
    int rc = quire__h2m_new(&w.h, doc, doc->body, ctx, MD_COMPONENT);
    if (rc == QUIRE_OK) {
        md_walk_tree(&w, root);
        if (w.fn_section) {
            quire__h2m_md_end(w.h, w.fn_list);
            md_lf(&w);
            quire__h2m_md_end(w.h, w.fn_section);
            md_lf(&w);
        }
        rc = w.oom ? QUIRE_ERR_NOMEM : quire__h2m_finish(w.h);
    }
    quire__h2m_free(w.h);
    free(w.open);
    quire__buf_free(&w.s1);
    quire__buf_free(&w.s2);
    return rc;
}

/* ------------------------------------------------------- cmark's memory
 *
 * cmark-gfm mallocs every node, every literal and every buffer, and frees
 * them one by one: about a sixth of the read went to malloc and free.  It
 * takes an allocator (cmark_mem), but one without a context pointer, and
 * its own arena allocator is one global: not for several threads.  So this
 * one is a bump allocator found through a thread-local pointer, set for
 * the duration of one md_body on that thread.  Nothing is freed one by
 * one; the parser and the tree are dropped with the arena, never walked.
 * Like cmark's own allocator, it aborts when memory runs out (cmark does
 * not check).
 */
#define MD_MEM_CHUNK (64u * 1024u)
#define MD_MEM_BIG (16u * 1024u)

typedef struct md_mem_chunk {
    struct md_mem_chunk *prev;
    size_t used;
    size_t zeroed; /* data[used..zeroed) is zero: nothing wrote there since */
    _Alignas(16) unsigned char data[];
} md_mem_chunk;

/* calloc zeroes ahead in runs of about this size (see md_mem_calloc). */
#define MD_MEM_ZERO_AHEAD 1024u

/* Every allocation has this header: its size, and for big ones (malloc'd
 * alone) the index in `bigs`. */
typedef struct md_mem_hdr {
    size_t size;
    size_t big; /* 0: in a chunk; else index + 1 */
} md_mem_hdr;

typedef struct md_mem {
    md_mem_chunk *chunk;
    void **bigs;
    size_t nbigs, bigs_cap;
    unsigned char *last; /* the latest small allocation (it can grow in place) */
} md_mem;

/* initial-exec: the library is built position-independent, so the default
 * model would look the variable up as if through __tls_get_addr (a call:
 * md_mem_calloc then saved registers on every one of cmark's callocs),
 * although the executable gets it at a fixed offset in the end. */
static _Thread_local md_mem *md_mem_cur __attribute__((tls_model("initial-exec")));

static _Noreturn void md_mem_oom(void)
{
    fputs("quire: out of memory in the Markdown parser\n", stderr);
    abort();
}

static void *md_mem_alloc(size_t size)
{
    md_mem *m = md_mem_cur;
    size_t need = (sizeof(md_mem_hdr) + size + 15) & ~(size_t)15;
    if (need < size)
        md_mem_oom();
    md_mem_hdr *h;
    if (need > MD_MEM_BIG) {
        if (m->nbigs == m->bigs_cap) {
            size_t cap = m->bigs_cap ? m->bigs_cap * 2 : 16;
            void **p = realloc(m->bigs, cap * sizeof *p);
            if (!p)
                md_mem_oom();
            m->bigs = p;
            m->bigs_cap = cap;
        }
        h = malloc(need);
        if (!h)
            md_mem_oom();
        m->bigs[m->nbigs++] = h;
        h->big = m->nbigs;
    } else {
        if (!m->chunk || MD_MEM_CHUNK - m->chunk->used < need) {
            md_mem_chunk *c = malloc(sizeof *c + MD_MEM_CHUNK);
            if (!c)
                md_mem_oom();
            c->prev = m->chunk;
            c->used = 0;
            c->zeroed = 0;
            m->chunk = c;
        }
        h = (md_mem_hdr *)(m->chunk->data + m->chunk->used);
        m->chunk->used += need;
        h->big = 0;
        m->last = (unsigned char *)h;
    }
    h->size = size;
    return h + 1;
}

/* Everything calloc does that its fast path below does not. */
static __attribute__((noinline)) void *md_mem_calloc_slow(size_t n, size_t size)
{
    if (size && n > SIZE_MAX / size)
        md_mem_oom();
    void *p = md_mem_alloc(n * size);
    md_mem_hdr *h = (md_mem_hdr *)p - 1;
    md_mem_chunk *c = md_mem_cur->chunk;
    if (h->big) {
        memset(p, 0, n * size);
        return p;
    }
    /* In a chunk, bytes at or above the bump pointer were never handed
     * out (a block grown in place by md_mem_realloc moved the pointer
     * past what it wrote), so what was zeroed there still is: zero only
     * up from `zeroed`, and a run ahead, so that most of cmark's many
     * small callocs (nodes, buffers) need no memset. */
    size_t start = (size_t)((unsigned char *)p - c->data), end = c->used;
    if (end > c->zeroed) {
        size_t from = start > c->zeroed ? start : c->zeroed;
        size_t to = MD_MEM_CHUNK - end > MD_MEM_ZERO_AHEAD ? end + MD_MEM_ZERO_AHEAD : MD_MEM_CHUNK;
        memset(c->data + from, 0, to - from);
        c->zeroed = to;
    }
    return p;
}

/* cmark callocs about 430 times a document (nodes, buffers): the common
 * case, a small block that fits in what the current chunk has zeroed
 * already, is a bump and two stores, in a function small enough to need
 * no saved registers.  It gives what md_mem_calloc_slow would. */
static void *md_mem_calloc(size_t n, size_t size)
{
    md_mem *m = md_mem_cur;
    md_mem_chunk *c = m->chunk;
    /* n, size < 2^16 keep the product and the rounding far from overflow;
     * used + need then cannot wrap either (both stay under 2^33).  (used
     * passes zeroed when a block grown in place was not zeroed.) */
    size_t bytes = n * size;
    size_t need = (sizeof(md_mem_hdr) + bytes + 15) & ~(size_t)15;
    if (__builtin_expect((n | size) < 65536 && c && need <= MD_MEM_BIG &&
                             c->zeroed >= c->used + need,
                         1)) {
        md_mem_hdr *h = (md_mem_hdr *)(c->data + c->used);
        c->used += need;
        h->size = bytes;
        h->big = 0;
        m->last = (unsigned char *)h;
        return h + 1;
    }
    return md_mem_calloc_slow(n, size);
}

static void *md_mem_realloc(void *p, size_t size)
{
    if (!p)
        return md_mem_alloc(size);
    md_mem *m = md_mem_cur;
    md_mem_hdr *h = (md_mem_hdr *)p - 1;
    if (size <= h->size) {
        return p;
    }
    if (h->big) {
        size_t i = h->big - 1;
        md_mem_hdr *nh = realloc(h, sizeof *nh + size);
        if (!nh)
            md_mem_oom();
        nh->size = size;
        m->bigs[i] = nh;
        return nh + 1;
    }
    size_t need = (sizeof(md_mem_hdr) + size + 15) & ~(size_t)15;
    if ((unsigned char *)h == m->last && need <= MD_MEM_BIG &&
        (size_t)((unsigned char *)h - m->chunk->data) + need <= MD_MEM_CHUNK) {
        /* the latest allocation grows where it is */
        m->chunk->used = (size_t)((unsigned char *)h - m->chunk->data) + need;
        h->size = size;
        return p;
    }
    void *q = md_mem_alloc(size);
    memcpy(q, p, h->size);
    return q;
}

static void md_mem_free(void *p)
{
    (void)p; /* all at once, in md_mem_release */
}

static cmark_mem md_mem_allocator = {md_mem_calloc, md_mem_realloc, md_mem_free};

static void md_mem_release(md_mem *m)
{
    for (md_mem_chunk *c = m->chunk; c;) {
        md_mem_chunk *prev = c->prev;
        free(c);
        c = prev;
    }
    for (size_t i = 0; i < m->nbigs; i++)
        free(m->bigs[i]);
    free(m->bigs);
}

static int md_body(quire_document *doc, const char *body, size_t len, uint32_t line_offset,
                   const quire_read_ctx *ctx)
{
    pthread_once(&md_once, md_init);
    const int opts = CMARK_OPT_UNSAFE | CMARK_OPT_SOURCEPOS | CMARK_OPT_FOOTNOTES;
    md_mem mem = {0};
    md_mem_cur = &mem;
    cmark_parser *parser = md_parser_new(opts, &md_mem_allocator);
    if (!parser) {
        md_mem_cur = NULL;
        md_mem_release(&mem);
        return QUIRE_ERR_NOMEM;
    }
    cmark_parser_feed(parser, body, len);
    cmark_node *root = md_parser_finish(parser);
    int rc = root ? md_build(doc, root, line_offset, ctx) : QUIRE_ERR_NOMEM;
    /* no cmark_node_free / cmark_parser_free: their memory is all in `mem` */
    md_mem_cur = NULL;
    md_mem_release(&mem);
    return rc;
}

/* ------------------------------------------------------------------ reader */

static const char *md_value_kind(const quire_value *v)
{
    switch (v->type) {
    case QUIRE_VALUE_SEQUENCE: return "a list";
    case QUIRE_VALUE_STRING: return "a string";
    case QUIRE_VALUE_NUMBER: return "a number";
    case QUIRE_VALUE_BOOL: return "a boolean";
    default: return "something else";
    }
}

static int md_read_utf8(const quire_read_ctx *ctx, const char *data, size_t len,
                        quire_collection *into)
{
    md_split sp;
    int rc = md_split_front_matter(&sp, ctx, data, len);
    if (rc != QUIRE_OK)
        return rc;
    quire_document *doc = quire_document_new();
    if (!doc)
        return QUIRE_ERR_NOMEM;

    /* BODY_ONLY (the build's second pass): the metadata was read in the
     * first pass; parsing it again would cost time and repeat warnings. */
    bool want_meta = !(ctx->flags & QUIRE_READ_BODY_ONLY);
    bool want_extra = want_meta || (ctx->flags & QUIRE_READ_EXTRA);
    if (sp.has_fm && want_extra) {
        quire_value *meta = NULL;
        /* the YAML starts on line 2: one line (the opening ---) before it */
        rc = quire__yaml_parse(&meta, doc->arena, sp.yaml, sp.yaml_len, 1, ctx, MD_COMPONENT);
        if (rc != QUIRE_OK)
            goto fail;
        if (meta && meta->type != QUIRE_VALUE_MAPPING) {
            quire_diag_add(ctx->diags, QUIRE_SEV_ERROR, MD_COMPONENT, ctx->path, meta->line,
                           meta->column, "front matter must be a mapping of keys, not %s",
                           md_value_kind(meta));
            rc = QUIRE_ERR_PARSE;
            goto fail;
        }
        doc->extra = meta ? meta : quire_value_new(doc->arena, QUIRE_VALUE_MAPPING);
    }

    doc->format = MD_COMPONENT;
    doc->source_path = quire_arena_strdup(doc->arena, ctx->path ? ctx->path : "-");
    doc->body_line = sp.body_offset + 1;
    doc->body = quire_node_new(doc->arena, QUIRE_NODE_ROOT, doc->body_line, 1);
    if (!doc->body || !doc->source_path) {
        rc = QUIRE_ERR_NOMEM;
        goto fail;
    }
    if (want_meta)
        quire__fm_apply(doc, doc->extra, ctx, MD_COMPONENT);
    /* HEADER_ONLY (the first pass) skips the body when the metadata is
     * complete without it: the title is the one field a body can supply. */
    if ((ctx->flags & QUIRE_READ_HEADER_ONLY) && doc->title && *doc->title)
        doc->body_deferred = true;
    else
        rc = md_body(doc, sp.body, sp.body_len, sp.body_offset, ctx);
    if (rc != QUIRE_OK)
        goto fail;
    if (want_meta)
        quire__doc_identity(doc, ctx);
    rc = quire_collection_add(into, doc);
    if (rc != QUIRE_OK)
        goto fail;
    return QUIRE_OK;

fail:
    quire_document_free(doc);
    return rc;
}

/* ------------------------------------------------------------------- probe */

static bool md_ext_is(const char *path, const char *ext)
{
    const char *dot = path ? strrchr(path, '.') : NULL;
    return dot && !strchr(dot, '/') && strcasecmp(dot + 1, ext) == 0;
}

/* A front matter line: `key:` with a plain or quoted key. */
static bool md_is_key_line(const char *p, const char *end)
{
    const char *q = p;
    if (q < end && (*q == '"' || *q == '\'')) {
        char quote = *q++;
        const char *k = q;
        while (q < end && *q != quote && *q != '\n')
            q++;
        if (q == k || q >= end || *q != quote)
            return false;
        q++;
    } else {
        const char *k = q;
        while (q < end && *q != ':' && *q != '\n' && *q != ' ' && *q != '#')
            q++;
        if (q == k)
            return false;
    }
    while (q < end && *q == ' ')
        q++;
    return q < end && *q == ':';
}

/* Markdown-ish line starts: headings, lists, quotes, fences, links. */
/* Latin-1 files, stray bytes, NUL: decoded once here with a warning
 * (src/core/encoding.c), so that the front matter parser and cmark only ever
 * see UTF-8 and nothing is dropped silently. */
static int md_read(const quire_read_ctx *ctx, const char *data, size_t len,
                   quire_collection *into)
{
    char *clean = NULL;
    size_t clean_len = 0;
    int rc = quire__text_to_utf8(ctx, MD_COMPONENT, data, len, &clean, &clean_len);
    if (rc != QUIRE_OK)
        return rc;
    rc = clean ? md_read_utf8(ctx, clean, clean_len, into) : md_read_utf8(ctx, data, len, into);
    free(clean);
    return rc;
}

static int md_markdown_signals(const char *p, const char *end)
{
    int score = 0;
    for (const char *line = p; line < end && score < 4;) {
        const char *nl = memchr(line, '\n', (size_t)(end - line));
        const char *le = nl ? nl : end;
        size_t n = (size_t)(le - line);
        if ((n > 2 && line[0] == '#' && (line[1] == ' ' || line[1] == '#')) ||
            (n > 2 && (line[0] == '-' || line[0] == '*' || line[0] == '>') && line[1] == ' ') ||
            (n >= 3 && memcmp(line, "```", 3) == 0))
            score++;
        const char *br = memchr(line, ']', n);
        if (br && br + 1 < le && br[1] == '(')
            score++;
        line = nl ? nl + 1 : end;
    }
    return score;
}

static int md_probe(const char *path, const char *data, size_t len)
{
    const char *p = data, *end = data + len;
    if (len >= 3 && memcmp(p, "\xEF\xBB\xBF", 3) == 0)
        p += 3;
    size_t open = md_delim_line(p, end, false);
    if (open && p + open < end) {
        const char *line = p + open;
        while (line < end && (*line == '\n' || *line == '\r' || *line == '#')) {
            const char *nl = memchr(line, '\n', (size_t)(end - line));
            line = nl ? nl + 1 : end; /* skip blank and comment lines */
        }
        if (md_is_key_line(line, end))
            return 85;
    }
    if (md_ext_is(path, "md") || md_ext_is(path, "markdown"))
        return 60;
    int signals = md_markdown_signals(p, end);
    if (md_ext_is(path, "txt"))
        return signals ? 40 : 25;
    return signals >= 2 ? 30 : 0;
}

const quire_reader quire_reader_markdown = {
    .version = QUIRE_COMPONENT_VERSION,
    .name = "markdown",
    .long_name = "Markdown with YAML front matter (GFM)",
    .extensions = "md,markdown,txt",
    .mime_type = "text/markdown",
    .probe = md_probe,
    .read = md_read,
};
