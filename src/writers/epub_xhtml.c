/*
 * epub_xhtml.c — one document of the model as one XHTML chapter, built in the
 * chapter's own small tree (epub_dom.c, which writes the bytes libxml2's
 * serializer wrote before it), so the file is well-formed whatever the input:
 * every name comes from an allowlist, every text and attribute value is
 * escaped by the serializer after illegal XML characters are removed.
 *
 * Validity beyond well-formedness is enforced while building, with the
 * content model of the parent in hand (a stack of frames, never recursion):
 *   - a block element where only phrasing content may go becomes a span;
 *     a paragraph holding blocks becomes a div (no <div> inside <p>);
 *   - li, dt/dd, tr, td/th, table sections and captions outside their parent
 *     become div/span; stray content inside ul/ol/dl/table/tr gets the
 *     missing li/dd/tr/td wrapper;
 *   - attributes by allowlist per element (no on*, no style, no obsolete
 *     presentational attributes), boolean attributes valued;
 *   - ids sanitized, prefixed per chapter and deduplicated, so they are unique
 *     in the whole book; #fragment links to ids that do not exist are unlinked;
 *   - javascript:, data:, file: and unknown-scheme links are unlinked; links
 *     to other documents become placeholders resolved at the end;
 *   - script, style, forms, iframes, objects and SVG are dropped; unknown
 *     elements are unwrapped (their content kept); nesting deeper than
 *     EPUB_MAX_DEPTH is flattened.
 */
#include "epub_internal.h"

#include <ctype.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <libxml/xmlsave.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

/* ------------------------------------------------------------------ element table */

typedef enum epub_mode {
    M_FLOW = 0, M_PHRASE, M_LIST, M_DL, M_TABLE, M_TSECT, M_TR, M_TRANSPARENT
} epub_mode;

enum {
    E_BLOCK = 1 << 0,       /* flow content only: never inside phrasing */
    E_VOID = 1 << 1,
    E_NEEDS_LIST = 1 << 2,  /* li */
    E_NEEDS_DL = 1 << 3,    /* dt, dd */
    E_NEEDS_TABLE = 1 << 4, /* caption, thead, tbody */
    E_NEEDS_TSECT = 1 << 5, /* tr */
    E_NEEDS_TR = 1 << 6,    /* td, th */
    E_NEEDS_FIG = 1 << 7,   /* figcaption */
    E_DROP = 1 << 8,        /* drop with everything inside */
    E_UNWRAP = 1 << 9       /* drop the element, keep its content */
};

typedef struct epub_elem {
    const char *name;
    const char *out;        /* output name (aliases of obsolete elements) */
    unsigned flags;
    epub_mode content;
    const char *attrs;      /* element-specific attributes, space-separated */
} epub_elem;

#define PH(n) {n, n, 0, M_PHRASE, ""}
#define BL(n, m) {n, n, E_BLOCK, m, ""}
#define AL(n, o, f, m) {n, o, f, m, ""}
#define DROP(n) {n, NULL, E_DROP, M_FLOW, ""}
#define UNWRAP(n) {n, NULL, E_UNWRAP, M_FLOW, ""}

/* Sorted by name (bsearch). */
static const epub_elem epub_elems[] = {
    {"a", "a", 0, M_TRANSPARENT, "href"},
    PH("abbr"),
    AL("acronym", "abbr", 0, M_PHRASE),
    AL("address", "div", E_BLOCK, M_FLOW),
    DROP("applet"),
    DROP("area"),
    BL("article", M_FLOW),
    BL("aside", M_FLOW),
    UNWRAP("audio"),
    PH("b"),
    DROP("base"),
    PH("bdi"),
    PH("bdo"),
    AL("big", "span", 0, M_PHRASE),
    AL("blink", "span", 0, M_PHRASE),
    BL("blockquote", M_FLOW),
    UNWRAP("body"),
    {"br", "br", E_VOID, M_PHRASE, ""},
    DROP("button"),
    DROP("canvas"),
    {"caption", "caption", E_BLOCK | E_NEEDS_TABLE, M_FLOW, ""},
    AL("center", "div", E_BLOCK, M_FLOW),
    PH("cite"),
    PH("code"),
    DROP("col"),
    DROP("colgroup"),
    AL("data", "span", 0, M_PHRASE),
    DROP("datalist"),
    {"dd", "dd", E_BLOCK | E_NEEDS_DL, M_FLOW, ""},
    {"del", "del", 0, M_TRANSPARENT, ""},
    AL("details", "div", E_BLOCK, M_FLOW),
    PH("dfn"),
    AL("dialog", "div", E_BLOCK, M_FLOW),
    AL("dir", "ul", E_BLOCK, M_LIST),
    BL("div", M_FLOW),
    BL("dl", M_DL),
    {"dt", "dt", E_BLOCK | E_NEEDS_DL, M_PHRASE, ""},
    PH("em"),
    DROP("embed"),
    AL("fieldset", "div", E_BLOCK, M_FLOW),
    {"figcaption", "figcaption", E_BLOCK | E_NEEDS_FIG, M_FLOW, ""},
    BL("figure", M_FLOW),
    AL("font", "span", 0, M_PHRASE),
    AL("footer", "div", E_BLOCK, M_FLOW),
    UNWRAP("form"),
    DROP("frame"),
    DROP("frameset"),
    BL("h1", M_PHRASE),
    BL("h2", M_PHRASE),
    BL("h3", M_PHRASE),
    BL("h4", M_PHRASE),
    BL("h5", M_PHRASE),
    BL("h6", M_PHRASE),
    DROP("head"),
    AL("header", "div", E_BLOCK, M_FLOW),
    AL("hgroup", "div", E_BLOCK, M_FLOW),
    {"hr", "hr", E_BLOCK | E_VOID, M_FLOW, ""},
    UNWRAP("html"),
    PH("i"),
    DROP("iframe"),
    {"img", "img", E_VOID, M_PHRASE, ""},
    DROP("input"),
    {"ins", "ins", 0, M_TRANSPARENT, ""},
    PH("kbd"),
    DROP("keygen"),
    AL("label", "span", 0, M_PHRASE),
    AL("legend", "div", E_BLOCK, M_PHRASE),
    {"li", "li", E_BLOCK | E_NEEDS_LIST, M_FLOW, "value"},
    DROP("link"),
    AL("listing", "pre", E_BLOCK, M_PHRASE),
    AL("main", "div", E_BLOCK, M_FLOW),
    UNWRAP("map"),
    PH("mark"),
    AL("marquee", "span", 0, M_PHRASE),
    UNWRAP("math"),
    AL("menu", "ul", E_BLOCK, M_LIST),
    DROP("meta"),
    DROP("meter"),
    AL("nav", "div", E_BLOCK, M_FLOW),
    AL("nobr", "span", 0, M_PHRASE),
    DROP("noembed"),
    DROP("noframes"),
    UNWRAP("noscript"),
    DROP("object"),
    {"ol", "ol", E_BLOCK, M_LIST, "start reversed type"},
    DROP("optgroup"),
    DROP("option"),
    DROP("output"),
    BL("p", M_PHRASE),
    DROP("param"),
    UNWRAP("picture"),
    AL("plaintext", "pre", E_BLOCK, M_PHRASE),
    BL("pre", M_PHRASE),
    DROP("progress"),
    PH("q"),
    UNWRAP("rb"),
    DROP("rp"),
    UNWRAP("rt"),
    UNWRAP("rtc"),
    UNWRAP("ruby"),
    PH("s"),
    PH("samp"),
    DROP("script"),
    BL("section", M_FLOW),
    DROP("select"),
    DROP("slot"),
    PH("small"),
    DROP("source"),
    PH("span"),
    AL("strike", "s", 0, M_PHRASE),
    PH("strong"),
    DROP("style"),
    PH("sub"),
    AL("summary", "div", E_BLOCK, M_PHRASE),
    PH("sup"),
    DROP("svg"),
    BL("table", M_TABLE),
    {"tbody", "tbody", E_BLOCK | E_NEEDS_TABLE, M_TSECT, ""},
    {"td", "td", E_BLOCK | E_NEEDS_TR, M_FLOW, "colspan rowspan"},
    DROP("template"),
    DROP("textarea"),
    {"tfoot", "tbody", E_BLOCK | E_NEEDS_TABLE, M_TSECT, ""},
    {"th", "th", E_BLOCK | E_NEEDS_TR, M_FLOW, "colspan rowspan scope"},
    {"thead", "thead", E_BLOCK | E_NEEDS_TABLE, M_TSECT, ""},
    AL("time", "span", 0, M_PHRASE),
    DROP("title"),
    {"tr", "tr", E_BLOCK | E_NEEDS_TSECT, M_TR, ""},
    DROP("track"),
    AL("tt", "code", 0, M_PHRASE),
    PH("u"),
    {"ul", "ul", E_BLOCK, M_LIST, ""},
    PH("var"),
    UNWRAP("video"),
    {"wbr", "wbr", E_VOID, M_PHRASE, ""},
    AL("xmp", "pre", E_BLOCK, M_PHRASE),
};

/* Lookup by hash: the writer asks for an element several times per node
 * (placing, fitting, content model, attributes), and a bsearch of strcmp()s
 * was a tenth of its time.  The table is built once (threads: pthread_once). */
#define EPUB_ELEM_SLOTS 512
#define EPUB_NELEMS (sizeof epub_elems / sizeof epub_elems[0])
static uint8_t epub_elem_slot[EPUB_ELEM_SLOTS]; /* index + 1, 0 empty */
/* The entry element i is written as (e->out's own entry; NULL for those
 * dropped or unwrapped): fitting and the content model work on entries. */
static const epub_elem *epub_elem_out[EPUB_NELEMS];
/* The name of element i as the tree holds it: NUL-padded to EPUB_NAME_PAD
 * bytes, which the serializer copies at once (epub_dom.c), and its length. */
static char epub_elem_pad[EPUB_NELEMS][EPUB_NAME_PAD];
static uint8_t epub_elem_len[EPUB_NELEMS];
static pthread_once_t epub_elem_once = PTHREAD_ONCE_INIT;

/* The elements the writer itself names, found once: epub_open and the rest
 * take the entry rather than a name to look up (a lookup per node was a
 * tenth of the conversion), and compare entries by address. */
static struct {
    const epub_elem *a, *aside, *blockquote, *body, *br, *caption, *code, *dd, *div, *dt, *em,
        *figcaption, *figure, *head, *header, *hr, *html, *img, *li, *link, *meta, *ol, *p, *pre,
        *s, *section, *span, *strong, *sup, *table, *tbody, *td, *tfoot, *th, *thead, *time,
        *title, *tr, *ul;
    const epub_elem *h[7]; /* h[1] to h[6] */
} epub_k;
#define EL(x) (epub_k.x)

static unsigned epub_elem_hash(const char *s, size_t n)
{
    unsigned h = 2166136261u;
    for (size_t i = 0; i < n; i++)
        h = (h ^ (unsigned char)s[i]) * 16777619u;
    return h ^ (h >> 15);
}

/* The entry named low[0..n) (lowercase, low[n] the NUL), or NULL. */
static const epub_elem *epub_elem_lookup(const char *low, size_t n)
{
    for (unsigned k = epub_elem_hash(low, n) % EPUB_ELEM_SLOTS; epub_elem_slot[k];
         k = (k + 1) % EPUB_ELEM_SLOTS) {
        /* names are a few bytes: compared in place (low[n] is the NUL) */
        const epub_elem *e = &epub_elems[epub_elem_slot[k] - 1];
        size_t i = 0;
        while (i < n && e->name[i] == low[i])
            i++;
        if (i == n && !e->name[n])
            return e;
    }
    return NULL;
}

/* An entry every caller relies on: the table is the writer's own. */
static const epub_elem *epub_elem_must(const char *name)
{
    const epub_elem *e = epub_elem_lookup(name, strlen(name));
    if (!e)
        abort();
    return e;
}

static void epub_elem_init(void)
{
    _Static_assert(EPUB_NELEMS < 255 && EPUB_NELEMS * 2 < EPUB_ELEM_SLOTS, "table size");
    for (size_t i = 0; i < EPUB_NELEMS; i++) {
        const char *nm = epub_elems[i].name;
        size_t len = strlen(nm);
        unsigned k = epub_elem_hash(nm, len) % EPUB_ELEM_SLOTS;
        while (epub_elem_slot[k])
            k = (k + 1) % EPUB_ELEM_SLOTS;
        epub_elem_slot[k] = (uint8_t)(i + 1);
        if (len >= EPUB_NAME_PAD)
            abort(); /* the table's own names: short */
        memcpy(epub_elem_pad[i], nm, len); /* the rest stays zero */
        epub_elem_len[i] = (uint8_t)len;
    }
    for (size_t i = 0; i < EPUB_NELEMS; i++) {
        const char *o = epub_elems[i].out;
        /* an output name is an entry written under that same name */
        epub_elem_out[i] = o ? epub_elem_must(o) : NULL;
        if (o && strcmp(epub_elem_out[i]->out, o) != 0)
            abort();
    }
#define EPUB_K(x) epub_k.x = epub_elem_must(#x)
    EPUB_K(a); EPUB_K(aside); EPUB_K(blockquote); EPUB_K(body); EPUB_K(br); EPUB_K(caption);
    EPUB_K(code); EPUB_K(dd); EPUB_K(div); EPUB_K(dt); EPUB_K(em); EPUB_K(figcaption);
    EPUB_K(figure); EPUB_K(head); EPUB_K(header); EPUB_K(hr); EPUB_K(html); EPUB_K(img);
    EPUB_K(li); EPUB_K(link); EPUB_K(meta); EPUB_K(ol); EPUB_K(p); EPUB_K(pre); EPUB_K(s);
    EPUB_K(section); EPUB_K(span); EPUB_K(strong); EPUB_K(sup); EPUB_K(table); EPUB_K(tbody);
    EPUB_K(td); EPUB_K(tfoot); EPUB_K(th); EPUB_K(thead); EPUB_K(time); EPUB_K(title); EPUB_K(tr);
    EPUB_K(ul);
#undef EPUB_K
    static const char *const hn[7] = {NULL, "h1", "h2", "h3", "h4", "h5", "h6"};
    for (int l = 1; l <= 6; l++)
        epub_k.h[l] = epub_elem_must(hn[l]);
}

/* A new element named as entry e (its padded name), appended to parent. */
static epub_node *epub_dom_el(epub_node *parent, const epub_elem *e)
{
    size_t i = (size_t)(e - epub_elems);
    return quire__epub_dom_el_padded(parent, epub_elem_pad[i], epub_elem_len[i]);
}

/* Element n renamed as entry e. */
static void epub_rename(epub_node *n, const epub_elem *e)
{
    size_t i = (size_t)(e - epub_elems);
    n->name = epub_elem_pad[i];
    n->name_len = epub_elem_len[i];
    n->name_padded = true;
}

/* What element i is written as (see epub_elem_out). */
static const epub_elem *epub_out_of(const epub_elem *e)
{
    return epub_elem_out[e - epub_elems];
}

static const epub_elem *epub_elem_find(const char *name)
{
    if (!name)
        return NULL;
    char low[16];
    size_t n = 0;
    for (; name[n]; n++) {
        if (n + 1 >= sizeof low)
            return NULL;
        unsigned char c = (unsigned char)name[n];
        low[n] = (char)(c >= 'A' && c <= 'Z' ? c + 32 : c);
    }
    low[n] = '\0';
    pthread_once(&epub_elem_once, epub_elem_init);
    return epub_elem_lookup(low, n);
}

/* ------------------------------------------------------------------ conversion state */

typedef struct epub_frame {
    epub_node *el;          /* where children go */
    epub_mode mode;
    bool in_a, is_figure;
    unsigned depth;         /* output nesting depth of el */
    epub_node *tbody;       /* TABLE: the open tbody for loose rows */
    bool has_body;          /* TABLE: a tbody or body row was placed */
    bool has_thead;
} epub_frame;

typedef struct epub_frag {
    epub_node *a;
    char *frag;
} epub_frag;

typedef struct epub_conv {
    const epub_state *st;   /* read only: chapters are converted on any thread */
    epub_prep *out;         /* what the chapter needs from the book, for later */
    quire_diag_list *diags;
    const quire_document *doc;
    quire_arena *arena;     /* scratch for this chapter */
    const char *prefix;     /* of ids: EPUB_ID_MARK, "c<N>-" once the chapter is placed */
    quire_hmap used_ids;
    epub_frag *frags;
    size_t n_frags, cap_frags;
    epub_frame *stack;
    size_t depth, cap;
    const char *src_dir;    /* folder of the source file ("" for the cwd) */
    const char *base;       /* absolute URL of the document, or NULL */
    const char *site_prefix;/* "scheme://host/" of the document or site, or NULL */
    bool has_xref;
    /* A dropped subtree is walked but ignored until its EXIT, rather than
     * skipped with quire_iter_skip_children(), whose skipped node gets no
     * EXIT event: frames stay balanced either way. */
    const quire_node *skip;
    int err;
} epub_conv;

/* ------------------------------------------------------------------ small helpers */

/* Bytes that stand for themselves in XML text: printable ASCII (and DEL),
 * tab, LF, CR. */
#define EPUB_R16(v) v, v, v, v, v, v, v, v, v, v, v, v, v, v, v, v
static const uint8_t epub_plain[256] = {
    0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 0, 0, 1, 0, 0, /* 0x00: tab, LF, CR */
    EPUB_R16(0),                                   /* 0x10 */
    EPUB_R16(1), EPUB_R16(1), EPUB_R16(1),         /* 0x20 to 0x7f */
    EPUB_R16(1), EPUB_R16(1), EPUB_R16(1),
    /* 0x80 to 0xff: UTF-8, decoded */
};
#undef EPUB_R16

/* s[0..n) holds only characters XML allows (so it needs no cleaning).
 * Called for every text node and attribute value, most of them a few
 * words: long runs of printable ASCII are skipped sixteen bytes at a time
 * (SSE2), the rest goes byte by byte through a table (short texts, tails,
 * line breaks), and two-byte UTF-8 (U+0080 to U+07FF, all allowed) is
 * taken in place; only longer sequences are decoded.  test_epub_clean.c
 * holds it to a plain decoding loop. */
bool quire__epub_is_clean_n(const char *s, size_t n)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t i = 0;
    while (i < n) {
#ifdef __SSE2__
        /* as signed bytes, those with the high bit set are below 0x20 too */
        while (n - i >= 16) {
            __m128i v = _mm_loadu_si128((const __m128i *)(const void *)(p + i));
            if (_mm_movemask_epi8(_mm_cmplt_epi8(v, _mm_set1_epi8(0x20))))
                break;
            i += 16;
        }
#else
        /* eight at a time: no byte with the high bit set, none below 0x20 */
        while (n - i >= 8) {
            uint64_t w;
            memcpy(&w, p + i, 8);
            if ((w | ((w - 0x2020202020202020u) & ~w)) & 0x8080808080808080u)
                break;
            i += 8;
        }
#endif
        /* at most sixteen bytes this way before the blocks are tried again */
        size_t stop = n - i > 16 ? i + 16 : n;
        while (i < stop && epub_plain[p[i]])
            i++;
        if (i == stop)
            continue;
        unsigned c = p[i];
        if (c < 0x80)
            return false; /* a control character XML forbids */
        if (c >= 0xC2 && c <= 0xDF && n - i >= 2 && (p[i + 1] & 0xC0) == 0x80) {
            i += 2;
            continue;
        }
        uint32_t cp;
        size_t k = quire__utf8_decode(p + i, n - i, &cp);
        if (!k || !quire__xml_char_ok(cp))
            return false;
        i += k;
    }
    return true;
}

static bool epub_is_clean(const char *s)
{
    return quire__epub_is_clean_n(s, strlen(s));
}

static bool epub_name_is(const char *name, const char *want)
{
    return name && strcmp(name, want) == 0;
}

/* Text into the chapter tree, checked for characters XML forbids (and
 * cleaned) when written, in the pass that escapes it: most text is never
 * scanned twice.  ref: text lives as long as the tree (no copy needed). */
static void epub_put_text(epub_node *parent, const char *text, bool ref)
{
    if (!text)
        return;
    size_t n = strlen(text);
    if (ref)
        quire__epub_dom_text_ref(parent, text, n);
    else
        quire__epub_dom_text(parent, text, n);
}

static void epub_add_text(epub_node *parent, const char *text)
{
    epub_put_text(parent, text, false);
}

/* value: the document's string (or the arena's), which outlives the tree */
static void epub_set_attr(epub_node *el, const char *name, const char *value)
{
    size_t n = strlen(value);
    if (quire__epub_is_clean_n(value, n)) {
        quire__epub_dom_set_ref(el, name, value, n);
        return;
    }
    const char *c = quire__xml_clean(el->arena, value); /* in the arena */
    if (c)
        quire__epub_dom_set_ref(el, name, c, strlen(c));
    else
        quire__epub_dom_set(el, name, NULL);
}

static epub_node *epub_el(epub_node *parent, const epub_elem *e, const char *text)
{
    epub_node *el = epub_dom_el(parent, e);
    if (el && text)
        epub_add_text(el, text);
    return el;
}

/* ------------------------------------------------------------------ ids */

char *quire__epub_id_sanitize(const char *s, size_t n)
{
    quire_buf b;
    quire__buf_init(&b);
    static const char hex[] = "0123456789abcdef";
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
            c == '-') {
            quire__buf_putc(&b, (char)c);
        } else { /* injective: '_' itself is escaped too */
            quire__buf_putc(&b, '_');
            quire__buf_putc(&b, hex[c >> 4]);
            quire__buf_putc(&b, hex[c & 15]);
        }
        if (b.len > 200) /* absurd ids: cut, dedup keeps them unique */
            break;
    }
    return quire__buf_detach(&b, NULL);
}

/* Give el a book-unique id made from raw. */
static void epub_set_id(epub_conv *cv, epub_node *el, const char *raw)
{
    if (!raw || !*raw)
        return;
    char *s = quire__epub_id_sanitize(raw, strlen(raw));
    if (!s)
        return;
    quire_buf b;
    quire__buf_init(&b);
    quire__buf_puts(&b, s);
    uint64_t h = quire__hash_str(s, 3);
    if (!quire__hmap_get(&cv->used_ids, h, NULL)) {
        /* the first of a name is what #fragment links reach */
        epub_prep *p = cv->out;
        if (p->n_ids == p->cap_ids) {
            size_t cap = p->cap_ids ? p->cap_ids * 2 : 16;
            char **v = realloc(p->ids, cap * sizeof *v);
            if (!v) {
                cv->err = QUIRE_ERR_NOMEM;
                quire__buf_free(&b);
                free(s);
                return;
            }
            p->ids = v;
            p->cap_ids = cap;
        }
        if (!(p->ids[p->n_ids] = strdup(s))) {
            cv->err = QUIRE_ERR_NOMEM;
            quire__buf_free(&b);
            free(s);
            return;
        }
        p->n_ids++;
    }
    cv->out->has_ids = true;
    for (unsigned k = 2; quire__hmap_get(&cv->used_ids, h, NULL); k++) {
        quire__buf_reset(&b);
        quire__buf_printf(&b, "%s-%u", s, k);
        h = quire__hash_str(quire__buf_cstr(&b), 3);
    }
    quire__hmap_put(&cv->used_ids, h, 1, false);
    char *id = quire__arena_cat3(cv->arena, cv->prefix, quire__buf_cstr(&b), NULL);
    if (id)
        quire__epub_dom_set_raw(el, "id", id, strlen(id)); /* sanitized: [A-Za-z0-9_-] */
    else
        quire__epub_dom_set(el, "id", NULL);
    quire__buf_free(&b);
    free(s);
}

/* ------------------------------------------------------------------ URLs */

/* What quire__epub_url_encode does with a byte: 0 encode it, 1 keep it, 2 look
 * closer ('%' kept before two hex digits, '#' kept the first time).  A table
 * rather than a test and a switch per byte. */
static const uint8_t epub_url_byte[256] = {
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 1, 0, 2, 1, 2, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 1, 0, 1,
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 1, 0, 1,
    0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 1, 0,
    /* 0x80 to 0xff: 0 */
};

#ifdef __SSE2__
/* A mask of the bytes of p[0..16) quire__epub_url_encode must look at: a
 * superset of those it does not keep as they are (epub_url_byte 0 or 2),
 * with '~' among them (it is kept: the table decides).  Seven compares
 * where there are thirteen such bytes, as some come in pairs one bit apart. */
static inline unsigned epub_url_mask(const unsigned char *p)
{
    __m128i v = _mm_loadu_si128((const __m128i *)(const void *)p);
    /* as signed bytes, those with the high bit set are below 0x21 too */
    __m128i m = _mm_or_si128(_mm_cmplt_epi8(v, _mm_set1_epi8(0x21)),    /* controls, space */
                             _mm_cmpgt_epi8(v, _mm_set1_epi8(0x7A)));   /* { | } ~ DEL */
    m = _mm_or_si128(m, _mm_cmpeq_epi8(_mm_or_si128(v, _mm_set1_epi8(1)),
                                       _mm_set1_epi8('#')));            /* " # */
    m = _mm_or_si128(m, _mm_cmpeq_epi8(v, _mm_set1_epi8('%')));
    m = _mm_or_si128(m, _mm_cmpeq_epi8(_mm_or_si128(v, _mm_set1_epi8(2)),
                                       _mm_set1_epi8('>')));            /* < > */
    m = _mm_or_si128(m, _mm_cmpeq_epi8(_mm_or_si128(v, _mm_set1_epi8(2)),
                                       _mm_set1_epi8('^')));            /* \ ^ */
    m = _mm_or_si128(m, _mm_cmpeq_epi8(v, _mm_set1_epi8('`')));
    return (unsigned)_mm_movemask_epi8(m);
}
#endif

/* How many bytes from p on (of left) are kept as they are, counted up to
 * the first one quire__epub_url_encode must look at (some it looks at are
 * kept after all).  u[0..n) is the whole URL: its last sixteen bytes are
 * read again for a tail shorter than that. */
static size_t epub_url_run(const unsigned char *u, size_t n, const unsigned char *p, size_t left)
{
#ifdef __SSE2__
    if (left >= 16) {
        unsigned mask = epub_url_mask(p);
        return mask ? (size_t)__builtin_ctz(mask) : 16;
    }
    if (n >= 16) {
        unsigned mask = epub_url_mask(u + n - 16) >> (16 - left);
        return mask ? (size_t)__builtin_ctz(mask) : left;
    }
#else
    (void)u;
    (void)n;
#endif
    size_t k = 0;
    while (k < left && epub_url_byte[p[k]] == 1)
        k++;
    return k;
}

/* quire__epub_url_encode of u[0..n), its length in *len_out (when not NULL).
 * Links are most of a chapter's attribute bytes and nearly all of them are
 * kept as they are: runs are copied whole (sixteen bytes at a time where
 * SSE2 is), only the bytes that need a look go through the table. */
static char *epub_url_encode_n(quire_arena *a, const char *u, size_t n, size_t *len_out)
{
    /* written straight into the arena: at worst every byte becomes %XX */
    char *r = quire__arena_alloc_raw(a, 3 * n + 1), *o = r;
    if (!r)
        return NULL;
    static const char hex[] = "0123456789ABCDEF";
    bool hash = false;
    const unsigned char *p = (const unsigned char *)u, *end = p + n;
    while (p < end) {
        size_t run = epub_url_run((const unsigned char *)u, n, p, (size_t)(end - p));
        memcpy(o, p, run);
        o += run;
        p += run;
        if (p == end)
            break;
        unsigned char c = *p;
        unsigned k = epub_url_byte[c];
        if (k == 2) {
            if (c == '%') {
                k = isxdigit(p[1]) && isxdigit(p[2]);
            } else { /* '#' */
                k = !hash;
                hash = true;
            }
        }
        if (k) {
            *o++ = (char)c;
        } else {
            *o++ = '%';
            *o++ = hex[c >> 4];
            *o++ = hex[c & 15];
        }
        p++;
    }
    *o = '\0';
    if (len_out)
        *len_out = (size_t)(o - r);
    return r;
}

/* Percent-encode what is not allowed in a URL (space, controls, non-ASCII,
 * quotes...), keep valid %XX, encode a second '#'. */
char *quire__epub_url_encode(quire_arena *a, const char *u)
{
    return epub_url_encode_n(a, u, strlen(u), NULL);
}

static const char *epub_scheme(quire_arena *a, const char *u)
{
    if (!quire__url_has_scheme(u))
        return NULL;
    size_t n = strcspn(u, ":");
    char *s = quire_arena_strndup(a, u, n);
    for (char *p = s; *p; p++)
        *p = (char)tolower((unsigned char)*p);
    return s;
}

static void epub_add_xref(epub_conv *cv, epub_node *a, uint64_t kp, uint64_t ku,
                          const char *frag, const char *fallback)
{
    epub_prep *p = cv->out;
    if (p->n_xrefs == p->cap_xrefs) {
        size_t cap = p->cap_xrefs ? p->cap_xrefs * 2 : 16;
        epub_xref *x = realloc(p->xrefs, cap * sizeof *x);
        if (!x) {
            cv->err = QUIRE_ERR_NOMEM;
            return;
        }
        p->xrefs = x;
        p->cap_xrefs = cap;
    }
    epub_xref *x = &p->xrefs[p->n_xrefs];
    x->key_path = kp;
    x->key_url = ku;
    x->fragment = frag && *frag ? quire__epub_id_sanitize(frag, strlen(frag)) : NULL;
    x->fallback = fallback ? strdup(fallback) : NULL;
    /* numbered within the chapter: the book's numbering is not known here */
    char ph[40];
    snprintf(ph, sizeof ph, "quire-xref:%zu", p->n_xrefs);
    quire__epub_dom_set(a, "href", ph);
    p->n_xrefs++;
    cv->has_xref = true;
}

/* raw trimmed as quire__url_trim trims it, *n its length: raw itself when
 * there is nothing to trim (nearly every link: no copy), else a copy in ar. */
static const char *epub_url_trim(quire_arena *ar, const char *raw, size_t *n)
{
    *n = 0;
    if (!raw)
        return NULL;
    size_t j = strcspn(raw, "\t\n\r");
    if (!raw[j] && j && (unsigned char)raw[0] > 0x20 && (unsigned char)raw[j - 1] > 0x20) {
        *n = j;
        return raw;
    }
    const char *u = quire__url_trim(ar, raw);
    if (u)
        *n = strlen(u);
    return u;
}

/* What epub_link_href does with a URL by its scheme (quire__url_has_scheme's,
 * compared without case). */
typedef enum epub_link_kind {
    EPUB_LINK_RELATIVE, /* no scheme */
    EPUB_LINK_WEB,      /* http, https */
    EPUB_LINK_KEEP,     /* mailto, tel, ftp: kept as they are */
    EPUB_LINK_DROP      /* javascript:, data:, file: and the rest */
} epub_link_kind;

/* The kind of u by its scheme, whose length goes to *len: what epub_scheme
 * and strcmp()s found, without a lowercase copy in the arena per link. */
static epub_link_kind epub_link_scheme(const char *u, size_t *len)
{
    if (!isalpha((unsigned char)u[0]))
        return EPUB_LINK_RELATIVE;
    size_t i = 1;
    while (isalnum((unsigned char)u[i]) || u[i] == '+' || u[i] == '-' || u[i] == '.')
        i++;
    if (u[i] != ':')
        return EPUB_LINK_RELATIVE;
    *len = i;
    char low[8];
    if (i >= sizeof low)
        return EPUB_LINK_DROP;
    for (size_t k = 0; k < i; k++)
        low[k] = (char)tolower((unsigned char)u[k]);
    low[i] = '\0';
    if (strcmp(low, "http") == 0 || strcmp(low, "https") == 0)
        return EPUB_LINK_WEB;
    if (strcmp(low, "mailto") == 0 || strcmp(low, "tel") == 0 || strcmp(low, "ftp") == 0)
        return EPUB_LINK_KEEP;
    return EPUB_LINK_DROP;
}

/* href set to the encoded u[0..n) (u[n] the NUL), in the arena: not copied again. */
static void epub_set_href(quire_arena *ar, epub_node *a, const char *u, size_t n)
{
    size_t len = 0;
    char *enc = epub_url_encode_n(ar, u, n, &len);
    if (enc)
        quire__epub_dom_set_ref(a, "href", enc, len);
    else
        quire__epub_dom_set(a, "href", NULL);
}

/* Set (or not) the href of a link element. */
static void epub_link_href(epub_conv *cv, epub_node *a, const char *raw)
{
    quire_arena *ar = cv->arena;
    size_t n;
    const char *u = epub_url_trim(ar, raw, &n);
    if (!u || !*u)
        return;
    if (u[0] == '#') {
        if (!u[1])
            return;
        if (cv->n_frags == cv->cap_frags) {
            size_t cap = cv->cap_frags ? cv->cap_frags * 2 : 16;
            epub_frag *f = realloc(cv->frags, cap * sizeof *f);
            if (!f)
                return;
            cv->frags = f;
            cv->cap_frags = cap;
        }
        char *dec = quire__pct_decode(u + 1, n - 1);
        cv->frags[cv->n_frags].a = a;
        cv->frags[cv->n_frags].frag = dec ? quire__epub_id_sanitize(dec, strlen(dec)) : NULL;
        free(dec);
        if (cv->frags[cv->n_frags].frag)
            cv->n_frags++;
        return;
    }
    if (u[0] == '/' && u[1] == '/') {
        if (!(u = quire__arena_cat3(ar, "https:", u, NULL)))
            return;
        n += 6;
    }
    size_t sn = 0;
    epub_link_kind kind = epub_link_scheme(u, &sn);
    if (kind != EPUB_LINK_RELATIVE) {
        if (kind == EPUB_LINK_WEB) {
            /* the origin (quire__url_origin's "scheme://host/", lowercase)
             * compared in place rather than made */
            const char *host = u + sn + 1;
            if (host[0] != '/' || host[1] != '/')
                return; /* "http:foo" or no host: not a URL readers can follow */
            host += 2;
            size_t hn = strcspn(host, "/?#");
            if (!hn)
                return;
            size_t on = (size_t)(host - u) + hn; /* the origin without its '/' */
            const char *sp = cv->site_prefix;
            bool same = sp && strncasecmp(u, sp, on) == 0 && sp[on] == '/' && !sp[on + 1];
            if (same) {
                char *enc = epub_url_encode_n(ar, u, n, NULL);
                const char *hash = strchr(u, '#');
                char *frag = hash ? quire__pct_decode(hash + 1, strlen(hash + 1)) : NULL;
                epub_add_xref(cv, a, 0, quire__xref_key_hash(u), frag, enc);
                free(frag);
            } else {
                epub_set_href(ar, a, u, n);
            }
        } else if (kind == EPUB_LINK_KEEP) {
            epub_set_href(ar, a, u, n);
        }
        /* javascript:, data:, file:, vbscript: and the rest: unlinked */
        return;
    }
    /* relative: another document of the collection, or a page on the site */
    const char *hash = strchr(u, '#');
    char *frag = hash ? quire__pct_decode(hash + 1, strlen(hash + 1)) : NULL;
    uint64_t kp = quire__xref_path_hash(cv->src_dir, u);
    char *abs = cv->base ? quire__url_resolve(ar, cv->base, u) : NULL;
    const char *fallback =
        abs && quire__url_origin(ar, abs) ? quire__epub_url_encode(ar, abs) : NULL;
    uint64_t ku = fallback ? quire__xref_key_hash(abs) : 0;
    if (kp || ku)
        epub_add_xref(cv, a, kp, ku, frag, fallback);
    free(frag);
}

/* ------------------------------------------------------------------ frames */

static epub_frame *epub_top(epub_conv *cv)
{
    return &cv->stack[cv->depth - 1];
}

static bool epub_push(epub_conv *cv, epub_frame f)
{
    if (cv->depth == cv->cap) {
        size_t cap = cv->cap ? cv->cap * 2 : 64;
        epub_frame *s = realloc(cv->stack, cap * sizeof *s);
        if (!s) {
            cv->err = QUIRE_ERR_NOMEM;
            return false;
        }
        cv->stack = s;
        cv->cap = cap;
    }
    cv->stack[cv->depth++] = f;
    return true;
}

static bool epub_ws_only(const char *s)
{
    for (; s && *s; s++)
        if (*s != ' ' && *s != '\t' && *s != '\n' && *s != '\r')
            return false;
    return true;
}

static epub_node *epub_new(epub_conv *cv, epub_node *parent, const epub_elem *e)
{
    epub_node *el = epub_dom_el(parent, e);
    if (!el)
        cv->err = QUIRE_ERR_NOMEM;
    return el;
}

/* Children go where they are in flow, phrasing and transparent content:
 * nearly every child, placed without a call (epub_place). */
static inline bool epub_mode_plain(epub_mode m)
{
    return m == M_FLOW || m == M_PHRASE || m == M_TRANSPARENT;
}

/*
 * Where a child `want` (NULL: text or phrasing) goes under frame f, a
 * structural parent (ul, dl, table, tr): it gets the wrapper the child
 * lacks.  Returns the parent and sets *mode_out to its mode; NULL when the
 * child is dropped (white space between rows).
 */
static epub_node *epub_place_struct(epub_conv *cv, epub_frame *f, const epub_elem *want, bool ws,
                                    epub_mode *mode_out, bool header_row)
{
    *mode_out = f->mode;
    switch (f->mode) {
    case M_LIST:
        if (want == EL(li))
            return f->el;
        if (ws)
            return NULL;
        *mode_out = M_FLOW;
        return epub_new(cv, f->el, EL(li));
    case M_DL: {
        if (want == EL(dt))
            return f->el;
        if (ws && !want)
            return NULL;
        /* a dd needs a dt before it: groups are dt+ dd+ */
        bool has_dt = false;
        for (epub_node *c = f->el->children; c && !has_dt; c = c->next)
            has_dt = c->type == XML_ELEMENT_NODE && epub_name_is(c->name, "dt");
        if (!has_dt)
            epub_new(cv, f->el, EL(dt));
        if (want == EL(dd))
            return f->el;
        *mode_out = M_FLOW;
        return epub_new(cv, f->el, EL(dd));
    }
    case M_TABLE: {
        if (want == EL(caption) && !f->el->children)
            return f->el;
        if (want == EL(thead) || want == EL(tbody) || want == EL(tfoot)) {
            f->tbody = NULL; /* rows after an explicit section start a new tbody */
            return f->el;
        }
        if (ws)
            return NULL;
        if (want == EL(tr) && header_row && !f->has_body) {
            if (!f->tbody || !epub_name_is(f->tbody->name, "thead"))
                f->tbody = epub_new(cv, f->el, EL(thead));
            f->has_thead = true;
            *mode_out = M_TSECT;
            return f->tbody;
        }
        if (!f->tbody || epub_name_is(f->tbody->name, "thead"))
            f->tbody = epub_new(cv, f->el, EL(tbody));
        f->has_body = true;
        if (!f->tbody)
            return NULL;
        if (want == EL(tr)) {
            *mode_out = M_TSECT;
            return f->tbody;
        }
        epub_node *tr = epub_new(cv, f->tbody, EL(tr));
        *mode_out = M_FLOW;
        return tr ? epub_new(cv, tr, EL(td)) : NULL;
    }
    case M_TSECT: {
        if (want == EL(tr))
            return f->el;
        if (ws)
            return NULL;
        epub_node *tr = epub_new(cv, f->el, EL(tr));
        *mode_out = M_FLOW;
        return tr ? epub_new(cv, tr, EL(td)) : NULL;
    }
    case M_TR:
        if (want == EL(td) || want == EL(th))
            return f->el;
        if (ws)
            return NULL;
        *mode_out = M_FLOW;
        return epub_new(cv, f->el, EL(td));
    default:
        return f->el;
    }
}

/* Where a child `want` goes under the current frame (see epub_place_struct). */
static inline epub_node *epub_place(epub_conv *cv, const epub_elem *want, bool ws,
                                    epub_mode *mode_out, bool header_row)
{
    epub_frame *f = epub_top(cv);
    if (epub_mode_plain(f->mode)) {
        *mode_out = f->mode == M_TRANSPARENT ? M_FLOW : f->mode;
        return f->el;
    }
    return epub_place_struct(cv, f, want, ws, mode_out, header_row);
}

/* What an element is written as where it goes, in mode under frame f (its
 * in_a and is_figure), NULL: drop it. */
static const epub_elem *epub_fit(const epub_elem *e, epub_mode mode, const epub_frame *f,
                                 const char *parent_name)
{
    const epub_elem *out = epub_out_of(e);
    unsigned fl = e->flags;
    bool ok = true;
    if (fl & E_NEEDS_LIST)
        ok = parent_name && (!strcmp(parent_name, "ul") || !strcmp(parent_name, "ol"));
    else if (fl & E_NEEDS_DL)
        ok = parent_name && !strcmp(parent_name, "dl");
    else if (fl & E_NEEDS_TABLE)
        ok = parent_name && !strcmp(parent_name, "table");
    else if (fl & E_NEEDS_TSECT)
        ok = parent_name && (!strcmp(parent_name, "tbody") || !strcmp(parent_name, "thead"));
    else if (fl & E_NEEDS_TR)
        ok = parent_name && !strcmp(parent_name, "tr");
    else if (fl & E_NEEDS_FIG)
        ok = f->is_figure;
    if (!ok)
        out = mode == M_PHRASE ? EL(span) : EL(div);
    if (mode == M_PHRASE && (fl & E_BLOCK)) {
        if (fl & E_VOID)
            return NULL; /* hr inside a paragraph */
        out = EL(span);
    }
    if (f->in_a && out == EL(a))
        out = EL(span);
    return out;
}

/* The content model inside an element written as o, placed in mode here. */
static epub_mode epub_content_mode(const epub_elem *o, epub_mode here)
{
    if (here == M_FLOW && o == EL(span))
        return M_PHRASE;
    if (o == EL(div) || o == EL(li) || o == EL(td))
        return M_FLOW;
    return o->content == M_TRANSPARENT ? (here == M_PHRASE ? M_PHRASE : M_FLOW) : o->content;
}

/*
 * Open an output element for a model node and push its frame.  `e` is the
 * wanted element (an entry written under its own name: EL(x) or
 * epub_out_of()); what is created may be another (span/div) when the content
 * model says so.  Returns the element, or NULL when nothing was created (the
 * frame then forwards children to the parent).
 */
static epub_node *epub_open(epub_conv *cv, const epub_elem *e, bool header_row)
{
    epub_frame *f = epub_top(cv);
    if (f->mode == M_TABLE && e == EL(thead) && (f->has_body || f->has_thead))
        e = EL(tbody); /* a second head, or one after the body: table order matters */
    epub_mode mode;
    epub_node *parent = epub_place(cv, e, false, &mode, header_row);
    f = epub_top(cv);
    if (f->mode == M_TABLE && parent == f->el) {
        if (e == EL(thead))
            f->has_thead = true;
        else if (e == EL(tbody) || e == EL(tfoot))
            f->has_body = true;
    }
    /* what a child's frame takes from its parent's: the rest is set below */
    epub_frame nf = {.in_a = f->in_a, .depth = f->depth};
    if (!parent || f->depth >= EPUB_MAX_DEPTH) {
        nf.el = parent ? parent : f->el;
        nf.mode = parent ? mode : f->mode;
        epub_push(cv, nf);
        return NULL;
    }
    const epub_elem *out = epub_fit(e, mode, f, (const char *)parent->name);
    if (!out) {
        nf.el = parent;
        nf.mode = mode;
        epub_push(cv, nf);
        return NULL;
    }
    epub_node *el = epub_new(cv, parent, out);
    if (!el)
        return NULL;
    nf.el = el;
    nf.depth = f->depth + 1;
    nf.mode = epub_content_mode(out, mode);
    nf.in_a = f->in_a || out == EL(a);
    nf.is_figure = out == EL(figure);
    epub_push(cv, nf);
    return el;
}

static void epub_text(epub_conv *cv, const char *s)
{
    if (!s || !*s)
        return;
    /* white space matters only between rows and items: not scanned for
     * where text goes as it is */
    epub_frame *f = epub_top(cv);
    epub_node *parent = f->el;
    if (!epub_mode_plain(f->mode)) {
        epub_mode mode;
        if (!(parent = epub_place_struct(cv, f, NULL, epub_ws_only(s), &mode, false)))
            return;
    }
    /* s: the document's text, the arena's or a literal, all outliving the tree */
    epub_put_text(parent, s, true);
}

/* A leaf element (br, hr, img: written under its own name): placed, fitted,
 * not pushed. */
static epub_node *epub_leaf(epub_conv *cv, const epub_elem *e)
{
    epub_mode mode;
    epub_node *parent = epub_place(cv, e, false, &mode, false);
    if (!parent)
        return NULL;
    const epub_elem *out = epub_fit(e, mode, epub_top(cv), (const char *)parent->name);
    if (out != e)
        return NULL;
    return epub_new(cv, parent, out);
}

/* ------------------------------------------------------------------ attributes */

static bool epub_is_int(const char *v, long lo, long hi)
{
    if (!v || !*v || strlen(v) > 9)
        return false;
    char *end;
    long n = strtol(v, &end, 10);
    return !*end && n >= lo && n <= hi;
}

static bool epub_word_in(const char *list, const char *w)
{
    size_t n = strlen(w);
    for (const char *p = list; *p;) {
        size_t k = strcspn(p, " ");
        if (k == n && strncmp(p, w, n) == 0)
            return true;
        p += k;
        while (*p == ' ')
            p++;
    }
    return false;
}

static void epub_put_class(epub_conv *cv, epub_node *el, const char *v)
{
    quire_buf b;
    quire__buf_init(&b);
    for (const char *p = v; *p;) {
        size_t k = strcspn(p, " \t\n\r\f");
        bool ok = k > 0;
        for (size_t i = 0; i < k && ok; i++)
            ok = isalnum((unsigned char)p[i]) || p[i] == '-' || p[i] == '_';
        if (ok) {
            if (b.len)
                quire__buf_putc(&b, ' ');
            quire__buf_put(&b, p, k);
        }
        p += k;
        while (*p && strchr(" \t\n\r\f", *p))
            p++;
    }
    if (b.len) {
        /* letters, digits, - and _ between spaces: nothing to escape */
        char *c = quire_arena_strndup(el->arena, b.data, b.len);
        if (c)
            quire__epub_dom_set_raw(el, "class", c, b.len);
        else
            quire__epub_dom_set(el, "class", NULL);
    }
    quire__buf_free(&b);
    (void)cv;
}

/* Copy the allowed attributes of n onto el (whose name is out). */
static void epub_attrs(epub_conv *cv, epub_node *el, const quire_node *n, const char *out)
{
    if (!n->attrs)
        return; /* most nodes: no lookup for nothing */
    const epub_elem *e = epub_elem_find(out);
    const char *specific = e ? e->attrs : "";
    for (const quire_attr *a = n->attrs; a; a = a->next) {
        const char *k = a->name, *v = a->value ? a->value : "";
        if (!k)
            continue;
        if (strcmp(k, "id") == 0) {
            epub_set_id(cv, el, v);
        } else if (strcmp(k, "class") == 0) {
            epub_put_class(cv, el, v);
        } else if (strcmp(k, "title") == 0) {
            if (*v)
                epub_set_attr(el, "title", v);
        } else if (strcmp(k, "dir") == 0) {
            if (!strcmp(v, "ltr") || !strcmp(v, "rtl") || !strcmp(v, "auto"))
                quire__epub_dom_set(el, "dir", v);
        } else if (strcmp(k, "lang") == 0 || strcmp(k, "xml:lang") == 0) {
            char *l = quire__epub_lang(v);
            if (l) {
                quire__epub_dom_set(el, "lang", l);
                quire__epub_dom_set(el, "xml:lang", l);
            }
            free(l);
        } else if (!epub_word_in(specific, k) || strcmp(k, "href") == 0) {
            continue; /* href is handled by the caller */
        } else if (!strcmp(k, "start") || !strcmp(k, "value")) {
            if (epub_is_int(v, -99999999, 99999999))
                quire__epub_dom_set(el, k, v);
        } else if (!strcmp(k, "colspan") || !strcmp(k, "rowspan")) {
            if (epub_is_int(v, 1, 1000))
                quire__epub_dom_set(el, k, v);
        } else if (!strcmp(k, "scope")) {
            if (!strcmp(v, "row") || !strcmp(v, "col") || !strcmp(v, "rowgroup") ||
                !strcmp(v, "colgroup"))
                quire__epub_dom_set(el, k, v);
        } else if (!strcmp(k, "reversed")) {
            quire__epub_dom_set(el, k, "reversed"); /* boolean: valued */
        } else if (!strcmp(k, "type")) {
            if (strlen(v) == 1 && strchr("1aAiI", v[0]))
                quire__epub_dom_set(el, k, v);
        }
    }
}

/* ------------------------------------------------------------------ images */

static void epub_diag(epub_conv *cv, const quire_node *n, const char *fmt, const char *a,
                      const char *b)
{
    quire_diag_add(cv->diags, QUIRE_SEV_WARNING, "epub", cv->doc->source_path,
                   n ? n->line : 0, n ? n->column : 0, fmt, a, b);
}

/* Image bytes (malloc'd, taken over) the chapter uses: the index in
 * cv->out->media, or -1 with *why.  They join the book later, in order
 * (quire__epub_chapter_add), so that media are numbered the same whatever
 * order chapters are converted in. */
static long epub_pend_media(epub_conv *cv, unsigned char *data, size_t len, const char **why)
{
    epub_pending_media m;
    if (!quire__epub_media_probe(data, len, &m, why)) {
        free(data);
        return -1;
    }
    epub_prep *p = cv->out;
    for (size_t i = 0; i < p->n_media; i++)
        if (p->media[i].h1 == m.h1 && p->media[i].h2 == m.h2 && p->media[i].len == len) {
            free(data);
            return (long)i;
        }
    if (p->n_media == p->cap_media) {
        size_t cap = p->cap_media ? p->cap_media * 2 : 4;
        epub_pending_media *v = realloc(p->media, cap * sizeof *v);
        if (!v) {
            free(data);
            *why = "out of memory";
            return -1;
        }
        p->media = v;
        p->cap_media = cap;
    }
    m.data = data;
    p->media[p->n_media] = m;
    return (long)p->n_media++;
}

/* The index in cv->out->media of an image source, or -1 (with a warning when
 * the image was meant to be there). */
static long epub_image_media(epub_conv *cv, const char *src, const quire_node *n, bool *remote)
{
    quire_arena *ar = cv->arena;
    const char *why = NULL;
    *remote = false;
    char *u = quire__url_trim(ar, src);
    if (!u || !*u)
        return -1;
    if (u[0] == '/' && u[1] == '/')
        u = quire_arena_printf(ar, "https:%s", u);
    const char *sch = epub_scheme(ar, u);
    if (sch) {
        if (strcmp(sch, "http") != 0 && strcmp(sch, "https") != 0) {
            epub_diag(cv, n, "image %s: %s; using its alt text", sch, "unsupported URL scheme");
            return -1;
        }
        *remote = true;
#ifdef QUIRE_HAVE_CURL
        if (cv->st->fetch_remote) {
            unsigned char *data = NULL;
            size_t len = 0;
            if (quire__epub_fetch(cv->st->fetch_cache, u, &data, &len, &why) == QUIRE_OK) {
                long idx = epub_pend_media(cv, data, len, &why);
                if (idx >= 0)
                    return idx;
            }
            epub_diag(cv, n, "remote image %s: %s; linking to it instead", u, why ? why : "?");
        }
#endif
        return -1;
    }
    /* relative to the document's own file, then to the site's folder */
    const char *full = NULL;
    char *data = NULL;
    size_t len = 0;
    long idx = -1;
    if (quire__media_read_local(ar, u, cv->src_dir, cv->st->ctx->site->config_dir,
                                EPUB_MAX_IMAGE, &data, &len, &full, &why) == QUIRE_OK) {
        idx = epub_pend_media(cv, (unsigned char *)data, len, &why);
    }
    if (idx < 0)
        epub_diag(cv, n, "image %s: %s; using its alt text", full, why ? why : "?");
    return idx;
}

/* An image where the frame is: an <img> of a local copy, a link for a remote
 * one, the alt text otherwise. */
static void epub_image(epub_conv *cv, const quire_node *n, const char *src, const char *alt,
                       const char *title, int width, int height)
{
    bool remote;
    long idx = epub_image_media(cv, src, n, &remote);
    if (!alt)
        alt = "";
    if (idx < 0) {
        if (remote) {
            epub_node *a = epub_open(cv, EL(a), false);
            if (a) {
                char *enc = quire__epub_url_encode(cv->arena, quire__url_trim(cv->arena, src));
                if (enc[0] == '/')
                    enc = quire_arena_printf(cv->arena, "https:%s", enc);
                quire__epub_dom_set(a, "href", enc);
                QUIRE_EPUB_SET_LIT(a, "class", "remote-image");
            }
            epub_text(cv, epub_ws_only(alt) ? "Image" : alt);
            cv->depth--;
        } else {
            epub_text(cv, alt);
        }
        return;
    }
    epub_node *img = epub_leaf(cv, EL(img));
    if (!img)
        return;
    quire__epub_dom_set(img, "src", cv->out->media[idx].href);
    epub_set_attr(img, "alt", alt);
    if (title && *title)
        epub_set_attr(img, "title", title);
    char num[16];
    if (width > 0 && width < 100000) {
        snprintf(num, sizeof num, "%d", width);
        quire__epub_dom_set(img, "width", num);
    }
    if (height > 0 && height < 100000) {
        snprintf(num, sizeof num, "%d", height);
        quire__epub_dom_set(img, "height", num);
    }
    cv->out->n_images++;
    if (!epub_ws_only(alt))
        cv->out->n_images_alt++;
}

/* ------------------------------------------------------------------ embeds */

static void epub_embed(epub_conv *cv, const quire_node *n)
{
    /* The embeds filter normally replaced these; a remote frame never goes
     * into the book, a figure with a link does. */
    epub_node *fig = epub_open(cv, EL(figure), false);
    if (fig)
        QUIRE_EPUB_SET_LIT(fig, "class", "embed");
    epub_node *p = epub_open(cv, EL(p), false);
    (void)p;
    const char *label = n->title && *n->title ? n->title : NULL;
    epub_node *a = epub_open(cv, EL(a), false);
    if (a && n->url)
        epub_link_href(cv, a, n->url);
    if (label) {
        epub_text(cv, label);
    } else {
        char *t = quire_arena_printf(cv->arena, "%s %s", n->info ? n->info : "Embedded",
                                     n->embed_kind == QUIRE_EMBED_AUDIO ? "audio" : "video");
        epub_text(cv, t);
    }
    cv->depth -= 3;
}

/* ------------------------------------------------------------------ the walk */

static bool epub_node_blocky(const quire_node *c)
{
    if (c->type == QUIRE_NODE_HTML_INLINE || c->type == QUIRE_NODE_HTML_BLOCK) {
        const epub_elem *e = epub_elem_find(c->name);
        return e && (e->flags & E_BLOCK);
    }
    return quire__node_is_block(c) || c->type == QUIRE_NODE_EMBED;
}

static bool epub_has_block_child(const quire_node *n)
{
    for (const quire_node *c = n->first_child; c; c = c->next)
        if (epub_node_blocky(c))
            return true;
    return false;
}

static bool epub_in_tight_list(const quire_node *n)
{
    const quire_node *item = n->parent;
    return item && item->type == QUIRE_NODE_ITEM && item->parent &&
           item->parent->type == QUIRE_NODE_LIST && (item->parent->flags & QUIRE_NODE_FLAG_TIGHT);
}

/* Forward children to the current parent without an element of their own. */
static void epub_passthrough(epub_conv *cv)
{
    epub_frame nf = *epub_top(cv);
    epub_push(cv, nf);
}

static void epub_enter(epub_conv *cv, quire_node *n)
{
    epub_node *el;
    switch (n->type) {
    case QUIRE_NODE_ROOT:
    case QUIRE_NODE_NONE:
    case QUIRE_NODE_TYPE_COUNT:
        epub_passthrough(cv);
        break;
    case QUIRE_NODE_MORE:
        break;
    case QUIRE_NODE_PARAGRAPH:
        if (epub_in_tight_list(n) && !epub_has_block_child(n)) {
            epub_passthrough(cv);
            break;
        }
        el = epub_open(cv, epub_has_block_child(n) ? EL(div) : EL(p), false);
        if (el)
            epub_attrs(cv, el, n, (const char *)el->name);
        break;
    case QUIRE_NODE_HEADING: {
        el = epub_open(cv, EL(h)[n->level < 1 ? 1 : n->level > 6 ? 6 : n->level], false);
        if (el)
            epub_attrs(cv, el, n, (const char *)el->name);
        break;
    }
    case QUIRE_NODE_BLOCKQUOTE:
        el = epub_open(cv, EL(blockquote), false);
        if (el)
            epub_attrs(cv, el, n, (const char *)el->name);
        break;
    case QUIRE_NODE_LIST: {
        bool ordered = n->flags & QUIRE_NODE_FLAG_ORDERED;
        el = epub_open(cv, ordered ? EL(ol) : EL(ul), false);
        if (el) {
            epub_attrs(cv, el, n, (const char *)el->name);
            if (ordered && n->level != 1 && n->level > -99999999 && n->level < 99999999 &&
                epub_name_is(el->name, "ol")) {
                char num[16];
                snprintf(num, sizeof num, "%d", n->level);
                quire__epub_dom_set(el, "start", num);
            }
        }
        break;
    }
    case QUIRE_NODE_ITEM:
        el = epub_open(cv, EL(li), false);
        if (el)
            epub_attrs(cv, el, n, (const char *)el->name);
        if (n->flags & QUIRE_NODE_FLAG_TASK)
            epub_text(cv, (n->flags & QUIRE_NODE_FLAG_CHECKED) ? "\xE2\x98\x91 " : "\xE2\x98\x90 ");
        break;
    case QUIRE_NODE_CODE_BLOCK: {
        el = epub_open(cv, EL(pre), false);
        epub_node *code = epub_open(cv, EL(code), false);
        if (code && n->info && *n->info) {
            char *cls = quire_arena_printf(cv->arena, "language-%s", n->info);
            epub_put_class(cv, code, cls);
        }
        epub_text(cv, n->literal);
        cv->depth -= 2;
        (void)el;
        break;
    }
    case QUIRE_NODE_THEMATIC_BREAK:
        epub_leaf(cv, EL(hr));
        break;
    case QUIRE_NODE_TABLE:
        el = epub_open(cv, EL(table), false);
        if (el)
            epub_attrs(cv, el, n, "table");
        break;
    case QUIRE_NODE_TABLE_ROW:
        el = epub_open(cv, EL(tr), (n->flags & QUIRE_NODE_FLAG_HEADER) != 0);
        break;
    case QUIRE_NODE_TABLE_CELL: {
        bool hdr = n->parent && (n->parent->flags & QUIRE_NODE_FLAG_HEADER);
        el = epub_open(cv, hdr ? EL(th) : EL(td), false);
        if (el) {
            epub_attrs(cv, el, n, (const char *)el->name);
            static const char *const styles[] = {NULL, "text-align: left",
                                                 "text-align: center", "text-align: right"};
            if (n->align > QUIRE_ALIGN_NONE && n->align <= QUIRE_ALIGN_RIGHT)
                quire__epub_dom_set_raw(el, "style", styles[n->align], strlen(styles[n->align]));
        }
        break;
    }
    case QUIRE_NODE_FIGURE:
        el = epub_open(cv, EL(figure), false);
        if (el)
            epub_attrs(cv, el, n, "figure");
        break;
    case QUIRE_NODE_CAPTION:
        el = epub_open(cv, EL(figcaption), false);
        break;
    case QUIRE_NODE_EMBED:
        epub_embed(cv, n);
        epub_passthrough(cv);
        cv->skip = n;
        break;
    case QUIRE_NODE_FOOTNOTE_DEF:
        el = epub_open(cv, EL(aside), false);
        if (el && epub_name_is(el->name, "aside")) {
            QUIRE_EPUB_SET_LIT(el, "epub:type", "footnote");
            QUIRE_EPUB_SET_LIT(el, "class", "footnote");
            epub_set_id(cv, el, quire_arena_printf(cv->arena, "fn-%s", n->info ? n->info : ""));
        }
        break;
    case QUIRE_NODE_FOOTNOTE_REF: {
        epub_node *sup = epub_open(cv, EL(sup), false);
        (void)sup;
        epub_node *a = epub_open(cv, EL(a), false);
        if (a && epub_name_is(a->name, "a")) {
            QUIRE_EPUB_SET_LIT(a, "epub:type", "noteref");
            epub_set_id(cv, a, quire_arena_printf(cv->arena, "fnref-%s", n->info ? n->info : ""));
            epub_link_href(cv, a, quire_arena_printf(cv->arena, "#fn-%s", n->info ? n->info : ""));
        }
        epub_text(cv, n->info);
        cv->depth -= 2;
        break;
    }
    case QUIRE_NODE_HTML_BLOCK:
    case QUIRE_NODE_HTML_INLINE: {
        const epub_elem *e = epub_elem_find(n->name);
        if (!e || (e->flags & E_UNWRAP)) {
            epub_passthrough(cv);
            break;
        }
        if (e->flags & E_DROP) {
            epub_passthrough(cv);
            cv->skip = n;
            break;
        }
        if (e == EL(img)) {
            epub_image(cv, n, quire_node_attr(n, "src"), quire_node_attr(n, "alt"),
                       quire_node_attr(n, "title"), atoi(quire_node_attr(n, "width") ? quire_node_attr(n, "width") : "0"),
                       atoi(quire_node_attr(n, "height") ? quire_node_attr(n, "height") : "0"));
            epub_passthrough(cv);
            cv->skip = n;
            break;
        }
        if (e->flags & E_VOID) {
            epub_leaf(cv, epub_out_of(e));
            epub_passthrough(cv);
            cv->skip = n;
            break;
        }
        const epub_elem *want = epub_out_of(e);
        if (want == EL(p) && epub_has_block_child(n))
            want = EL(div);
        el = epub_open(cv, want, false);
        if (el) {
            epub_attrs(cv, el, n, (const char *)el->name);
            if (epub_name_is(el->name, "a"))
                epub_link_href(cv, el, quire_node_attr(n, "href"));
        }
        break;
    }
    case QUIRE_NODE_TEXT:
        epub_text(cv, n->literal);
        break;
    case QUIRE_NODE_SOFTBREAK:
        epub_text(cv, "\n");
        break;
    case QUIRE_NODE_LINEBREAK:
        epub_leaf(cv, EL(br));
        break;
    case QUIRE_NODE_CODE:
        el = epub_open(cv, EL(code), false);
        epub_text(cv, n->literal);
        cv->depth--;
        (void)el;
        break;
    case QUIRE_NODE_EMPH:
        el = epub_open(cv, EL(em), false);
        break;
    case QUIRE_NODE_STRONG:
        el = epub_open(cv, EL(strong), false);
        break;
    case QUIRE_NODE_STRIKETHROUGH:
        el = epub_open(cv, EL(s), false);
        break;
    case QUIRE_NODE_LINK:
        el = epub_open(cv, EL(a), false);
        if (el) {
            epub_attrs(cv, el, n, (const char *)el->name);
            if (epub_name_is(el->name, "a"))
                epub_link_href(cv, el, n->url);
            if (n->title && *n->title)
                epub_set_attr(el, "title", n->title);
        }
        break;
    case QUIRE_NODE_IMAGE:
        epub_image(cv, n, n->url, n->literal, n->title, n->width, n->height);
        break;
    }
}

/* figcaption must be the first or last child of its figure, and only one. */
static void epub_fix_figure(epub_node *fig)
{
    epub_node *first = NULL, *last = NULL;
    for (epub_node *c = fig->children; c; c = c->next) {
        if (c->type == XML_TEXT_NODE && epub_ws_only(quire__epub_dom_text_of(c)))
            continue;
        if (!first)
            first = c;
        last = c;
    }
    bool seen = false;
    for (epub_node *c = fig->children; c; c = c->next) {
        if (c->type != XML_ELEMENT_NODE || !epub_name_is(c->name, "figcaption"))
            continue;
        if (seen || (c != first && c != last))
            epub_rename(c, EL(div));
        else
            seen = true;
    }
}

/* What closing frame f (a figure, a definition list) fixes. */
static void epub_exit_fix(epub_conv *cv, epub_frame *f)
{
    if (f->is_figure && f->el)
        epub_fix_figure(f->el);
    if (f->mode == M_DL && f->el && f->el->last &&
        epub_name_is(f->el->last->name, "dt") && f->el != f[-1].el)
        epub_new(cv, f->el, EL(dd)); /* a trailing dt needs its dd */
}

/* A frame closed: at every container's end, inline; the fixes are rare. */
static inline void epub_exit(epub_conv *cv)
{
    if (cv->depth <= 1)
        return;
    epub_frame *f = epub_top(cv);
    if (f->is_figure || f->mode == M_DL)
        epub_exit_fix(cv, f);
    cv->depth--;
}

/* ------------------------------------------------------------------ the chapter */

/* "YYYY-MM-DD" of d (year 1 to 9999) into out (16 bytes), NUL-terminated,
 * as snprintf's "%04d-%02u-%02u" wrote it, which was a tenth of the header. */
static size_t epub_ymd(char *out, const quire_date *d)
{
    size_t n = quire__fmt_uint(out, (uint64_t)d->year, 4);
    out[n++] = '-';
    n += quire__fmt_uint(out + n, d->month, 2);
    out[n++] = '-';
    n += quire__fmt_uint(out + n, d->day, 2);
    return n;
}

static void epub_header(epub_conv *cv, epub_node *section, const char *title)
{
    const quire_document *doc = cv->doc;
    epub_node *hdr = epub_el(section, EL(header), NULL);
    QUIRE_EPUB_SET_LIT(hdr, "class", "chapter-header");
    epub_el(hdr, EL(h)[1], title);
    if (doc->subtitle && !epub_ws_only(doc->subtitle))
        QUIRE_EPUB_SET_LIT(epub_el(hdr, EL(p), doc->subtitle), "class", "subtitle");
    if (doc->n_authors) {
        quire_buf b;
        quire__buf_init(&b);
        for (size_t i = 0; i < doc->n_authors; i++) {
            const char *nm = doc->authors[i].name;
            if (!nm || epub_ws_only(nm))
                continue;
            if (b.len)
                quire__buf_puts(&b, ", ");
            quire__buf_puts(&b, nm);
        }
        if (b.len)
            QUIRE_EPUB_SET_LIT(epub_el(hdr, EL(p), quire__buf_cstr(&b)), "class", "byline");
        quire__buf_free(&b);
    }
    const quire_date *d = &doc->published;
    if (d->set && d->year >= 1 && d->year <= 9999) {
        char iso[16], dt[40];
        epub_ymd(iso, d);
        if (d->has_time)
            quire_date_rfc3339(d, dt);
        else
            memcpy(dt, iso, sizeof iso);
        epub_node *p = epub_el(hdr, EL(p), NULL);
        QUIRE_EPUB_SET_LIT(p, "class", "dateline");
        epub_node *t = epub_el(p, EL(time), iso);
        quire__epub_dom_set(t, "datetime", dt);
    }
    if (doc->summary && !epub_ws_only(doc->summary))
        QUIRE_EPUB_SET_LIT(epub_el(hdr, EL(p), doc->summary), "class", "description");
    if (doc->tags.count) {
        epub_node *ul = NULL;
        for (size_t i = 0; i < doc->tags.count; i++) {
            if (!doc->tags.items[i] || epub_ws_only(doc->tags.items[i]))
                continue;
            if (!ul) {
                ul = epub_el(hdr, EL(ul), NULL);
                QUIRE_EPUB_SET_LIT(ul, "class", "tags");
            }
            epub_el(ul, EL(li), doc->tags.items[i]);
        }
    }
    if (doc->external_url) {
        char *origin = quire__url_origin(cv->arena, doc->external_url);
        if (origin) {
            char *u =
                quire__epub_url_encode(cv->arena, quire__url_trim(cv->arena, doc->external_url));
            epub_node *p = epub_el(hdr, EL(p), "Source: ");
            QUIRE_EPUB_SET_LIT(p, "class", "source");
            /* the host names the source; the full address is the link */
            const char *host = strstr(origin, "://") + 3;
            char *hn = quire_arena_strndup(cv->arena, host, strlen(host) - 1);
            epub_node *a = epub_el(p, EL(a), hn);
            quire__epub_dom_set(a, "href", u);
        }
    }
}

static char *epub_collapse_ws(const char *s)
{
    quire_buf b;
    quire__buf_init(&b);
    bool sp = false;
    for (; s && *s; s++) {
        if (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\r') {
            sp = b.len > 0;
            continue;
        }
        if (sp)
            quire__buf_putc(&b, ' ');
        sp = false;
        quire__buf_putc(&b, *s);
    }
    return quire__buf_detach(&b, NULL);
}

/* The chapter's html element with head (title, stylesheet) and an empty
 * body (*body_out), as quire__epub_xhtml_new makes for the package. */
static epub_node *epub_xhtml_new(quire_arena *a, const char *lang, const char *title,
                                 epub_node **body_out)
{
    epub_node *html = quire__epub_dom_new_padded(a, epub_elem_pad[EL(html) - epub_elems],
                                                 epub_elem_len[EL(html) - epub_elems]);
    if (!html)
        return NULL;
    QUIRE_EPUB_SET_LIT(html, "xmlns", EPUB_XHTML_NS);
    QUIRE_EPUB_SET_LIT(html, "xmlns:epub", EPUB_OPS_NS);
    quire__epub_dom_set(html, "lang", lang);
    quire__epub_dom_set(html, "xml:lang", lang);
    epub_node *head = epub_el(html, EL(head), NULL);
    epub_node *meta = head ? epub_el(head, EL(meta), NULL) : NULL;
    if (meta)
        QUIRE_EPUB_SET_LIT(meta, "charset", "UTF-8");
    if (head)
        epub_el(head, EL(title), title && *title ? title : "Untitled");
    epub_node *link = head ? epub_el(head, EL(link), NULL) : NULL;
    if (link) {
        QUIRE_EPUB_SET_LIT(link, "rel", "stylesheet");
        QUIRE_EPUB_SET_LIT(link, "type", "text/css");
        QUIRE_EPUB_SET_LIT(link, "href", "style.css");
    }
    *body_out = epub_el(html, EL(body), NULL);
    return html;
}

static char *epub_chapter_title(quire_arena *a, const quire_document *doc)
{
    const char *cands[3] = {doc->title, doc->slug, doc->source_path};
    for (size_t i = 0; i < 3; i++) {
        if (!cands[i])
            continue;
        char *t = epub_collapse_ws(quire__xml_clean(a, cands[i]));
        if (t && *t)
            return t;
        free(t);
    }
    return strdup("Untitled");
}

void quire__epub_prep_free(epub_prep *p)
{
    if (!p)
        return;
    free(p->title);
    free(p->bytes);
    for (size_t i = 0; i < p->n_media; i++)
        free(p->media[i].data);
    free(p->media);
    for (size_t i = 0; i < p->n_ids; i++)
        free(p->ids[i]);
    free(p->ids);
    for (size_t i = 0; i < p->n_xrefs; i++) {
        free(p->xrefs[i].fragment);
        free(p->xrefs[i].fallback);
    }
    free(p->xrefs);
    free(p);
}

int quire__epub_chapter_prepare(const epub_state *st, const quire_document *doc,
                                quire_diag_list *diags, epub_prep **out)
{
    int rc = QUIRE_OK;
    epub_conv cv;
    memset(&cv, 0, sizeof cv);
    *out = NULL;
    pthread_once(&epub_elem_once, epub_elem_init); /* EL() from here on */
    cv.st = st;
    cv.diags = diags;
    cv.doc = doc;
    static const char mark[2] = {EPUB_ID_MARK, 0};
    cv.prefix = mark;
    cv.out = calloc(1, sizeof *cv.out);
    if (!cv.out || !(cv.arena = quire_arena_new())) {
        free(cv.out);
        return QUIRE_ERR_NOMEM;
    }

    /* where relative things resolve */
    const char *sp = doc->source_path && strcmp(doc->source_path, "-") != 0 ? doc->source_path : "";
    const char *slash = strrchr(sp, '/');
    cv.src_dir = slash ? quire_arena_strndup(cv.arena, sp, (size_t)(slash - sp)) : "";
    if (slash && slash == sp)
        cv.src_dir = "/";
    const char *site_base = st->ctx->site->base_url;
    if (doc->url && quire__url_origin(cv.arena, doc->url))
        cv.base = doc->url;
    else if (doc->url && site_base)
        cv.base = quire__url_resolve(cv.arena, site_base, doc->url);
    cv.site_prefix = cv.base ? quire__url_origin(cv.arena, cv.base) : NULL;
    if (!cv.site_prefix && site_base)
        cv.site_prefix = quire__url_origin(cv.arena, site_base);
    cv.out->target_path = quire__xref_source_hash(doc->source_path);
    cv.out->target_url = cv.base ? quire__xref_key_hash(cv.base) : 0;

    char *lang = doc->language ? quire__epub_lang(doc->language) : NULL;
    char *title = epub_chapter_title(cv.arena, doc);
    epub_node *body = NULL;
    epub_node *d = title ? epub_xhtml_new(cv.arena, lang ? lang : st->language, title, &body)
                         : NULL;
    if (!d || !body) {
        rc = QUIRE_ERR_NOMEM;
        goto done;
    }
    epub_node *section = epub_el(body, EL(section), NULL);
    QUIRE_EPUB_SET_LIT(section, "epub:type", "chapter");
    QUIRE_EPUB_SET_LIT(section, "class", "chapter");
    epub_header(&cv, section, title);

    epub_frame root = {.el = section, .mode = M_FLOW, .depth = 4};
    epub_push(&cv, root);

    /* the featured image, when it is a local file (or fetched) */
    if (doc->image.src && *doc->image.src) {
        bool remote;
        long idx;
        const char *s = doc->image.src;
        if (quire__url_has_scheme(s) && !st->fetch_remote)
            idx = -1;
        else
            idx = epub_image_media(&cv, s, NULL, &remote);
        if (idx >= 0) {
            epub_node *fig = epub_el(section, EL(figure), NULL);
            QUIRE_EPUB_SET_LIT(fig, "class", "featured");
            epub_node *img = epub_el(fig, EL(img), NULL);
            quire__epub_dom_set(img, "src", cv.out->media[idx].href);
            const char *alt = doc->image.alt ? doc->image.alt : "";
            epub_set_attr(img, "alt", alt);
            cv.out->n_images++;
            if (!epub_ws_only(alt))
                cv.out->n_images_alt++;
        }
    }

    if (doc->body) {
        quire_iter it;
        quire_node *n;
        quire_event ev;
        quire_iter_init(&it, doc->body);
        while (!cv.err && (ev = quire_iter_next(&it, &n)) != QUIRE_EVENT_DONE) {
            if (cv.skip) {
                if (ev == QUIRE_EVENT_EXIT && n == cv.skip) {
                    cv.skip = NULL;
                    epub_exit(&cv);
                }
                continue;
            }
            if (ev == QUIRE_EVENT_ENTER) {
                size_t before = cv.depth;
                epub_enter(&cv, n);
                /* every container pushes exactly one frame; leaves none */
                if (!quire_node_is_leaf(n) && cv.depth == before && !cv.err)
                    epub_passthrough(&cv);
            } else {
                epub_exit(&cv);
            }
        }
    }
    if (cv.err) {
        rc = cv.err;
        goto done;
    }

    /* #fragment links: to the (first) element with that id, or no link */
    for (size_t i = 0; i < cv.n_frags; i++) {
        epub_frag *f = &cv.frags[i];
        if (quire__hmap_get(&cv.used_ids, quire__hash_str(f->frag, 3), NULL)) {
            char *h = quire__arena_cat3(cv.arena, "#", cv.prefix, f->frag);
            if (h)
                quire__epub_dom_set_raw(f->a, "href", h, strlen(h)); /* an id */
            else
                quire__epub_dom_set(f->a, "href", NULL);
        } else {
            quire__epub_dom_unset(f->a, "href");
            quire__epub_dom_unset(f->a, "epub:type");
        }
    }

    quire_buf xb;
    quire__buf_init(&xb);
    /* most chapters fit: no doubling from the default size on the way */
    quire__buf_reserve(&xb, 8192);
    if ((rc = quire__epub_dom_write(d, &xb))) {
        quire__buf_free(&xb);
        goto done;
    }
    size_t len = 0;
    char *bytes = quire__buf_detach(&xb, &len);
    epub_prep *p = cv.out;
    if (!p->has_ids && !cv.has_xref) {
        /* Final bytes: compress them here, on the worker thread, so that the
         * end of the build only copies them into the book. */
        unsigned char *z = NULL;
        size_t zlen = 0;
        int method = quire__epub_deflate(bytes, len, &z, &zlen);
        if (method < 0) {
            free(bytes);
            rc = QUIRE_ERR_NOMEM;
            goto done;
        }
        p->packed = true;
        p->method = (uint16_t)method;
        p->crc = quire__epub_crc32(bytes, len);
        p->usize = len;
        free(bytes);
        p->bytes = (char *)z;
        p->len = zlen;
    } else {
        p->bytes = bytes;
        p->len = len;
    }
    p->title = title;
    title = NULL;
    *out = p;
    cv.out = NULL;

done:
    if (rc == QUIRE_ERR_NOMEM || rc == QUIRE_ERR_IO)
        quire_diag_add(diags, QUIRE_SEV_ERROR, "epub", doc->source_path, 0, 0,
                       "cannot write the chapter: %s", quire_strerror(rc));
    quire__epub_prep_free(cv.out);
    free(title);
    free(lang);
    for (size_t i = 0; i < cv.n_frags; i++)
        free(cv.frags[i].frag);
    free(cv.frags);
    free(cv.stack);
    quire__hmap_free(&cv.used_ids);
    quire_arena_free(cv.arena);
    return rc;
}

/* Copy in to out with every EPUB_ID_MARK replaced by prefix. */
static int epub_put_prefix(const char *in, size_t len, const char *prefix, quire_buf *out)
{
    const char *end = in + len;
    while (in < end) {
        const char *m = memchr(in, EPUB_ID_MARK, (size_t)(end - in));
        if (!m) {
            quire__buf_put(out, in, (size_t)(end - in));
            break;
        }
        quire__buf_put(out, in, (size_t)(m - in));
        quire__buf_puts(out, prefix);
        in = m + 1;
    }
    return out->oom ? QUIRE_ERR_NOMEM : QUIRE_OK;
}

int quire__epub_chapter_add(epub_state *st, const quire_document *doc, epub_prep *p)
{
    int rc = QUIRE_OK;
    uint32_t chapter = (uint32_t)st->n_chapters;
    if (st->n_chapters == st->cap_chapters) {
        size_t cap = st->cap_chapters ? st->cap_chapters * 2 : 64;
        epub_chapter *c = realloc(st->chapters, cap * sizeof *c);
        if (!c) {
            rc = QUIRE_ERR_NOMEM;
            goto done;
        }
        st->chapters = c;
        st->cap_chapters = cap;
    }
    /* images: into the book once each, in order of first use */
    for (size_t i = 0; i < p->n_media; i++) {
        const char *why = NULL;
        if (quire__epub_media_add_probed(st, &p->media[i], &why) < 0) {
            rc = QUIRE_ERR_IO;
            goto done;
        }
    }
    st->n_images += p->n_images;
    st->n_images_alt += p->n_images_alt;
    if (p->target_path)
        quire__hmap_put(&st->targets, p->target_path ^ 0x1, chapter, false);
    if (p->target_url)
        quire__hmap_put(&st->targets, p->target_url ^ 0x2, chapter, false);
    for (size_t i = 0; i < p->n_ids; i++)
        quire__hmap_put(&st->ids, quire__hash_str(p->ids[i], 1000 + chapter), 1, false);

    size_t xref_base = st->n_xrefs;
    if (p->n_xrefs) {
        if (st->n_xrefs + p->n_xrefs > st->cap_xrefs) {
            size_t cap = st->cap_xrefs ? st->cap_xrefs : 64;
            while (cap < st->n_xrefs + p->n_xrefs)
                cap *= 2;
            epub_xref *x = realloc(st->xrefs, cap * sizeof *x);
            if (!x) {
                rc = QUIRE_ERR_NOMEM;
                goto done;
            }
            st->xrefs = x;
            st->cap_xrefs = cap;
        }
        /* taken over: the strings now belong to st */
        memcpy(st->xrefs + st->n_xrefs, p->xrefs, p->n_xrefs * sizeof *p->xrefs);
        st->n_xrefs += p->n_xrefs;
    }

    uint64_t off = 0;
    if (p->has_ids) {
        quire_buf b;
        quire__buf_init(&b);
        char prefix[24];
        snprintf(prefix, sizeof prefix, "c%u-", chapter + 1);
        rc = epub_put_prefix(p->bytes, p->len, prefix, &b);
        if (!rc)
            rc = quire__epub_spool(st, b.data, b.len, &off);
        p->len = b.len;
        quire__buf_free(&b);
    } else {
        rc = quire__epub_spool(st, p->bytes, p->len, &off);
    }
    epub_chapter *ch = &st->chapters[st->n_chapters];
    memset(ch, 0, sizeof *ch);
    ch->xref_base = xref_base;
    ch->n_xrefs = p->n_xrefs;
    p->n_xrefs = 0; /* st owns them now, whatever happens next */
    if (rc)
        goto done;
    ch->title = p->title;
    p->title = NULL;
    ch->spool_off = off;
    ch->spool_len = p->len;
    ch->date = doc->published;
    ch->has_xref = ch->n_xrefs > 0;
    ch->packed = p->packed;
    ch->method = p->method;
    ch->crc = p->crc;
    ch->usize = p->usize;
    st->n_chapters++;

done:
    if (rc == QUIRE_ERR_NOMEM || rc == QUIRE_ERR_IO)
        quire_diag_add(st->ctx->diags, QUIRE_SEV_ERROR, "epub", doc->source_path, 0, 0,
                       "cannot write the chapter: %s", quire_strerror(rc));
    return rc;
}

/* ---- libxml2 helpers for the package documents (epub_package.c) ---- */

static void epub_xml_add_text(xmlNodePtr parent, const char *text)
{
    if (!text)
        return;
    if (epub_is_clean(text)) {
        xmlAddChild(parent, xmlNewDocText(parent->doc, BAD_CAST text));
        return;
    }
    quire_arena *a = quire_arena_new();
    if (!a)
        return;
    xmlAddChild(parent, xmlNewDocText(parent->doc, BAD_CAST quire__xml_clean(a, text)));
    quire_arena_free(a);
}

xmlNodePtr quire__epub_el(xmlNodePtr parent, const char *name, const char *text)
{
    xmlNodePtr el = xmlNewDocNode(parent->doc, parent->ns, BAD_CAST name, NULL);
    if (!el)
        return NULL;
    xmlAddChild(parent, el);
    if (text)
        epub_xml_add_text(el, text);
    return el;
}

static bool epub_is_void_name(const xmlChar *name)
{
    static const char *const voids[] = {"br", "hr", "img", "wbr", "meta", "link", NULL};
    for (size_t i = 0; voids[i]; i++)
        if (xmlStrEqual(name, BAD_CAST voids[i]))
            return true;
    return false;
}

void quire__epub_fix_empty(xmlNodePtr root)
{
    /* iterative pre-order walk: the tree may be deep */
    xmlNodePtr n = root;
    while (n) {
        if (n->type == XML_ELEMENT_NODE && !n->children && !epub_is_void_name(n->name) &&
            (!n->ns || xmlStrEqual(n->ns->href, BAD_CAST EPUB_XHTML_NS)))
            xmlAddChild(n, xmlNewDocText(n->doc, BAD_CAST ""));
        if (n->type == XML_ELEMENT_NODE && n->children) {
            n = n->children;
            continue;
        }
        while (n && n != root && !n->next)
            n = n->parent;
        if (!n || n == root)
            break;
        n = n->next;
    }
}

typedef struct epub_io {
    quire_buf *buf;
} epub_io;

static int epub_io_write(void *ctx, const char *data, int len)
{
    quire__buf_put(((epub_io *)ctx)->buf, data, (size_t)len);
    return ((epub_io *)ctx)->buf->oom ? -1 : len;
}

static int epub_io_close(void *ctx)
{
    (void)ctx;
    return 0;
}

int quire__epub_xml_dump(xmlDocPtr d, char **out, size_t *len_out)
{
    quire_buf b;
    quire__buf_init(&b);
    epub_io io = {&b};
    xmlSaveCtxtPtr s = xmlSaveToIO(epub_io_write, epub_io_close, &io, "UTF-8", 0);
    if (!s)
        return QUIRE_ERR_NOMEM;
    long rc = xmlSaveDoc(s, d);
    xmlSaveClose(s);
    if (rc < 0 || b.oom) {
        quire__buf_free(&b);
        return QUIRE_ERR_NOMEM;
    }
    *out = quire__buf_detach(&b, len_out);
    return QUIRE_OK;
}

xmlDocPtr quire__epub_xhtml_new(const char *lang, const char *title, xmlNodePtr *body_out)
{
    xmlDocPtr d = xmlNewDoc(BAD_CAST "1.0");
    if (!d)
        return NULL;
    xmlCreateIntSubset(d, BAD_CAST "html", NULL, NULL);
    xmlNodePtr html = xmlNewDocNode(d, NULL, BAD_CAST "html", NULL);
    xmlDocSetRootElement(d, html);
    xmlNsPtr ns = xmlNewNs(html, BAD_CAST EPUB_XHTML_NS, NULL);
    xmlSetNs(html, ns);
    xmlNewNs(html, BAD_CAST EPUB_OPS_NS, BAD_CAST "epub");
    xmlSetProp(html, BAD_CAST "lang", BAD_CAST lang);
    xmlNodeSetLang(html, BAD_CAST lang);
    xmlNodePtr head = quire__epub_el(html, "head", NULL);
    xmlNodePtr meta = quire__epub_el(head, "meta", NULL);
    xmlSetProp(meta, BAD_CAST "charset", BAD_CAST "UTF-8");
    quire__epub_el(head, "title", title && *title ? title : "Untitled");
    xmlNodePtr link = quire__epub_el(head, "link", NULL);
    xmlSetProp(link, BAD_CAST "rel", BAD_CAST "stylesheet");
    xmlSetProp(link, BAD_CAST "type", BAD_CAST "text/css");
    xmlSetProp(link, BAD_CAST "href", BAD_CAST "style.css");
    *body_out = quire__epub_el(html, "body", NULL);
    return d;
}

