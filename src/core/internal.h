/*
 * src/core/internal.h — helpers shared across the library's own files.  Not
 * installed; names are quire__ (two underscores) by convention.
 */
#ifndef QUIRE_INTERNAL_H
#define QUIRE_INTERNAL_H

#include "quire/quire.h"
#include <stdarg.h>
#include <string.h>

/* ---- growable byte buffer (malloc'd; quire__buf_free releases) ---- */
typedef struct quire_buf {
    char *data;   /* NUL-terminated when len > 0 or after quire__buf_cstr */
    size_t len, cap;
    bool oom;     /* sticky: a failed allocation; later appends are ignored */
} quire_buf;

void quire__buf_init(quire_buf *b);
void quire__buf_free(quire_buf *b);
void quire__buf_reset(quire_buf *b);
void quire__buf_put_slow(quire_buf *b, const void *s, size_t n);
/* The renderers and serializers call these per byte or per short run:
 * inline the common case (room left), call out only to grow. */
static inline void quire__buf_put(quire_buf *b, const void *s, size_t n)
{
    if (n && b->len + n < b->cap) {
        __builtin_memcpy(b->data + b->len, s, n);
        b->len += n;
        b->data[b->len] = '\0';
    } else if (n) {
        quire__buf_put_slow(b, s, n);
    }
}
static inline void quire__buf_putc(quire_buf *b, char c)
{
    if (b->len + 1 < b->cap) {
        b->data[b->len++] = c;
        b->data[b->len] = '\0';
    } else {
        quire__buf_put_slow(b, &c, 1);
    }
}
/* Inline too, so the length of a literal is known at compile time. */
static inline void quire__buf_puts(quire_buf *b, const char *s)
{
    if (s)
        quire__buf_put(b, s, strlen(s));
}
void quire__buf_printf(quire_buf *b, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;
void quire__buf_vprintf(quire_buf *b, const char *fmt, va_list ap);
/** Room for n more bytes (and the NUL) without growing again; false (and
 * oom set) when out of memory.  For a serializer that knows its usual size. */
bool quire__buf_reserve(quire_buf *b, size_t n);
/** Always NUL-terminated, never NULL (returns "" on an empty buffer). */
const char *quire__buf_cstr(quire_buf *b);
/** Give the bytes away (malloc'd, NUL-terminated); the buffer is reset. */
char *quire__buf_detach(quire_buf *b, size_t *len_out);
/** quire__buf_detach, the block shrunk to its bytes first when more than
 *  4 KiB of it is unused (bytes that live on, as in a queued job). */
char *quire__buf_detach_fit(quire_buf *b, size_t *len_out);

/** Escape for HTML/XML text (&, <, >) or attribute values (also "). */
void quire__buf_put_escaped(quire_buf *b, const char *s, size_t n, bool attr);
/** v in decimal, at least min_width digits (zero-padded), NUL-terminated
 *  into out (24 bytes hold any 64-bit value with min_width <= 22); returns
 *  the length.  For names and numbers made per document or per entry,
 *  where snprintf's format parsing was a measurable share. */
size_t quire__fmt_uint(char *out, uint64_t v, int min_width);

/* ---- UTF-8 ---- */
/** Length of the valid UTF-8 sequence at s (1..4), 0 if invalid (overlong,
 *  surrogate, > U+10FFFF, truncated).  *cp gets the code point. */
size_t quire__utf8_decode(const unsigned char *s, size_t n, uint32_t *cp);
bool quire__utf8_valid(const char *s, size_t n);
/* quire__utf8_decode with the two- and three-byte sequences (Latin, Greek,
 * Cyrillic, CJK, punctuation: nearly all non-ASCII text) checked inline,
 * for loops over text; the same decisions, p[0] >= 0x80. */
static inline size_t quire__utf8_decode_fast(const unsigned char *p, size_t n, uint32_t *cp)
{
    unsigned char c = p[0];
    if (c >= 0xC2 && c <= 0xDF && n >= 2 && (p[1] & 0xC0) == 0x80) {
        *cp = ((uint32_t)(c & 0x1F) << 6) | (p[1] & 0x3F);
        return 2;
    }
    if (c >= 0xE0 && c <= 0xEF && n >= 3 && (p[1] & 0xC0) == 0x80 && (p[2] & 0xC0) == 0x80 &&
        (c != 0xE0 || p[1] >= 0xA0) && (c != 0xED || p[1] <= 0x9F)) {
        *cp = ((uint32_t)(c & 0x0F) << 12) | ((uint32_t)(p[1] & 0x3F) << 6) | (p[2] & 0x3F);
        return 3;
    }
    return quire__utf8_decode(p, n, cp);
}

/* Eight bytes from p, in any alignment (memcpy compiles to one load). */
static inline uint64_t quire__load64(const unsigned char *p)
{
    uint64_t w;
    memcpy(&w, p, sizeof w);
    return w;
}

#define QUIRE__ONES64 UINT64_C(0x0101010101010101)
#define QUIRE__HIGH64 UINT64_C(0x8080808080808080)

/* True when the eight bytes of w are all in 0x20..0x7F or '\n': plain text
 * lines, the fast path of the UTF-8 and mojibake checks.  Exact per byte:
 * with no top bit set anywhere, b + 0x60 and (b ^ '\n') + 0x7F never carry
 * into the next byte. */
static inline bool quire__word_is_text(uint64_t w)
{
    if (w & QUIRE__HIGH64)
        return false;
    uint64_t printable = (w + 0x60 * QUIRE__ONES64) & QUIRE__HIGH64; /* b >= 0x20 */
    uint64_t e = w ^ (0x0A * QUIRE__ONES64);
    uint64_t newline = ~((e + 0x7F * QUIRE__ONES64) | e) & QUIRE__HIGH64; /* b == '\n' */
    return (printable | newline) == QUIRE__HIGH64;
}
#if defined(__SSE2__)
#include <emmintrin.h>
/* Bytes equal to one of & " < > among the 16 of v, for the HTML and XML
 * escapers: two compares, not four, as those come in pairs one bit apart
 * (& 0x26 and " 0x22 differ in bit 2 alone, > 0x3E and < 0x3C in bit 1),
 * and no other byte ORs into 0x26 with bit 2 or into 0x3E with bit 1. */
static inline __m128i quire__sse_amp_quot_lt_gt(__m128i v)
{
    return _mm_or_si128(_mm_cmpeq_epi8(_mm_or_si128(v, _mm_set1_epi8(4)), _mm_set1_epi8('&')),
                        _mm_cmpeq_epi8(_mm_or_si128(v, _mm_set1_epi8(2)), _mm_set1_epi8('>')));
}

/* For the escapers' scans of 4 to 15 bytes p[i..n) (half the texts and
 * values of a page are that short), without a byte loop and without
 * reading outside them: the first and last 8 bytes (4 below 8) side by
 * side in one register, *w set to 8 or 4.  The halves overlap. */
static inline __m128i quire__sse_load_short(const unsigned char *p, size_t i, size_t n, unsigned *w)
{
    if (n - i >= 8) {
        uint64_t a, b;
        memcpy(&a, p + i, 8);
        memcpy(&b, p + n - 8, 8);
        *w = 8;
        return _mm_set_epi64x((long long)b, (long long)a);
    }
    uint32_t a, b;
    memcpy(&a, p + i, 4);
    memcpy(&b, p + n - 4, 4);
    *w = 4;
    return _mm_set_epi32(0, 0, (int)b, (int)a);
}

/* The first byte of p[i..n) that mask (a movemask of what
 * quire__sse_load_short loaded, w its width) marks, or n: bytes in both
 * halves were clean in the first, so the second half's first mark is the
 * text's. */
static inline size_t quire__sse_short_first(unsigned mask, size_t i, size_t n, unsigned w)
{
    unsigned half = (1u << w) - 1;
    if (mask & half)
        return i + (size_t)__builtin_ctz(mask & half);
    mask = (mask >> w) & half;
    return mask ? n - w + (size_t)__builtin_ctz(mask) : n;
}
#endif

/** Append cp as UTF-8. */
void quire__utf8_put(quire_buf *b, uint32_t cp);
/** True for characters allowed in XML 1.0 documents. */
static inline bool quire__xml_char_ok(uint32_t c)
{
    return c == 0x9 || c == 0xA || c == 0xD || (c >= 0x20 && c <= 0xD7FF) ||
           (c >= 0xE000 && c <= 0xFFFD) || (c >= 0x10000 && c <= 0x10FFFF);
}
/** A copy of s in the arena made safe for XML: invalid UTF-8 becomes U+FFFD,
 *  characters illegal in XML 1.0 are dropped.  Returns s itself when already
 *  clean (no copy). */
const char *quire__xml_clean(quire_arena *arena, const char *s);

/** True when s[0..n) is a number in JSON's grammar (RFC 8259 §6). */
bool quire__json_number(const char *s, size_t n);

/* ---- arena fast path ----
 * Nodes, values and strings are taken from arenas millions of times per
 * build, so the bump itself is inline inside the library (the public
 * functions call the same code; the macros below make the library's own
 * calls use it).  The layout is arena.c's, shown here only for that. */
#define QUIRE__ARENA_ALIGN 16u

typedef struct quire__arena_block {
    struct quire__arena_block *prev;
    size_t size, used;
    size_t zeroed; /* data[used..zeroed) is known to be zero; used <= zeroed <= size */
    _Alignas(16) unsigned char data[];
} quire__arena_block;

struct quire_arena {
    quire__arena_block *head;
    size_t next_size;
    size_t total;
    struct quire__slab *slab; /* holds the first block, or NULL (quire__arena_new_on) */
};

/* A slab: one malloc'd run of memory that the first blocks of many small,
 * long-lived arenas are carved from, freed when the last of them is.  The
 * build keeps every document's metadata from pass 1 to pass 2; as blocks
 * of their own, thousands of odd-sized chunks sat between the per-document
 * allocations of both passes, and glibc's malloc slowed with the heap's
 * fragmentation (its share of CPU doubled from 10,000 documents to
 * 100,000).  Carving: callers serialize it (one slab, one lock); releasing
 * is atomic, from any thread. */
typedef struct quire__slab quire__slab;
/* A slab of size bytes, with one reference (its maker's); NULL when out of memory. */
quire__slab *quire__slab_new(size_t size);
/* Drop a reference; the last one frees the slab.  NULL is a no-op. */
void quire__slab_release(quire__slab *s);
/* Memory for an arena block of first_block bytes from s, with a reference
 * on s that quire__arena_new_on takes over; NULL when s lacks room. */
void *quire__slab_carve(quire__slab *s, size_t first_block);
/* An arena whose first block is mem (from quire__slab_carve on s, for
 * first_block bytes); it releases s when freed.  NULL when out of memory,
 * the reference released. */
quire_arena *quire__arena_new_on(quire__slab *s, void *mem, size_t first_block);
/* quire_arena_new whose first block is first_block bytes (then doubling):
 * for an arena known to take tens of KB, in one block instead of four. */
quire_arena *quire__arena_new_sized(size_t first_block);

/* Zeroing ahead, a new block, or a block of its own for a big request
 * (arena.c); need is the size rounded up, checked for overflow.  zero:
 * the memory must read as zero (quire_arena_alloc); false for
 * quire__arena_alloc_raw. */
void *quire__arena_alloc_slow(quire_arena *a, size_t need, bool zero);

/* *need: size rounded up to the arena's alignment.  False when a is NULL
 * or the size overflows. */
static inline bool quire__arena_need(const quire_arena *a, size_t size, size_t *need)
{
    *need = (size + QUIRE__ARENA_ALIGN - 1) & ~(size_t)(QUIRE__ARENA_ALIGN - 1);
    return a && *need >= size && *need <= SIZE_MAX / 2;
}

static inline void *quire__arena_alloc(quire_arena *a, size_t size)
{
    size_t need;
    if (!quire__arena_need(a, size, &need))
        return NULL;
    quire__arena_block *b = a->head;
    if (b && b->zeroed - b->used >= need) {
        /* room that is already zero */
        unsigned char *p = b->data + b->used;
        b->used += need;
        a->total += need;
        return p;
    }
    return quire__arena_alloc_slow(a, need, true);
}

/* quire__arena_alloc without the zeroing, for memory the caller writes
 * whole at once (a copied string, a cloned node).  Of a 1,000-document
 * build's 121 MB of arena memory, every byte was zeroed ahead and then
 * mostly overwritten: node clones and strings went through memset first.
 * The block's zeroed mark moves up past what this takes, so what
 * quire__arena_alloc returns later is still zero. */
static inline void *quire__arena_alloc_raw(quire_arena *a, size_t size)
{
    size_t need;
    if (!quire__arena_need(a, size, &need))
        return NULL;
    quire__arena_block *b = a->head;
    if (b && b->size - b->used >= need) {
        unsigned char *p = b->data + b->used;
        b->used += need;
        if (b->zeroed < b->used)
            b->zeroed = b->used;
        a->total += need;
        return p;
    }
    return quire__arena_alloc_slow(a, need, false);
}

static inline char *quire__arena_strndup(quire_arena *a, const char *s, size_t len)
{
    if (!s || !a || len == SIZE_MAX)
        return NULL;
    char *p = quire__arena_alloc_raw(a, len + 1);
    if (p) {
        memcpy(p, s, len);
        p[len] = '\0';
    }
    return p;
}

/* x, y and z (NULL: "") joined in the arena: quire_arena_printf("%s%s%s")
 * without vsnprintf, which costs ~700 instructions a call; used where
 * paths and keys are made per document. */
static inline char *quire__arena_cat3(quire_arena *a, const char *x, const char *y, const char *z)
{
    size_t nx = x ? strlen(x) : 0, ny = y ? strlen(y) : 0, nz = z ? strlen(z) : 0;
    char *p = quire__arena_alloc(a, nx + ny + nz + 1);
    if (p) {
        memcpy(p, x ? x : "", nx);
        memcpy(p + nx, y ? y : "", ny);
        memcpy(p + nx + ny, z ? z : "", nz); /* the terminating NUL is there already */
    }
    return p;
}

#define quire_arena_alloc(a, size) quire__arena_alloc((a), (size))

/* A text node holding a copy of s[0..len), or NULL without memory: what
 * quire_node_new_text makes, inline for the readers' hot loops. */
static inline quire_node *quire__node_new_text(quire_arena *a, const char *s, size_t len,
                                               uint32_t line, uint32_t column)
{
    if (len > SIZE_MAX - sizeof(quire_node) - 1)
        return NULL;
    quire_node *n = quire__arena_alloc(a, sizeof *n + len + 1);
    if (!n)
        return NULL;
    n->type = QUIRE_NODE_TEXT;
    n->line = line;
    n->column = column;
    char *text = (char *)(n + 1);
    memcpy(text, s, len); /* the arena zeroed the terminating NUL */
    n->literal = text;
    return n;
}

/* quire_node_append for a node linked nowhere yet: nothing to unlink. */
static inline void quire__node_append_new(quire_node *parent, quire_node *child)
{
    child->parent = parent;
    child->prev = parent->last_child;
    if (parent->last_child)
        parent->last_child->next = child;
    else
        parent->first_child = child;
    parent->last_child = child;
}
#define quire_arena_strndup(a, s, len) quire__arena_strndup((a), (s), (len))

/* ---- tree walks ----
 * Every writer, filter and renderer is a walk, ten or so per document, so
 * inside the library the step and the leaf test are inline (the public
 * quire_iter_next and quire_node_is_leaf call these; the macros below make
 * every walk in the library use them). */

/* The leaf types as a bit set: a mask test is cheaper than a switch. */
#define QUIRE__NODE_LEAF_MASK                                                                 \
    ((1u << QUIRE_NODE_TEXT) | (1u << QUIRE_NODE_SOFTBREAK) | (1u << QUIRE_NODE_LINEBREAK) | \
     (1u << QUIRE_NODE_CODE) | (1u << QUIRE_NODE_IMAGE) | (1u << QUIRE_NODE_CODE_BLOCK) |     \
     (1u << QUIRE_NODE_THEMATIC_BREAK) | (1u << QUIRE_NODE_MORE) |                            \
     (1u << QUIRE_NODE_FOOTNOTE_REF))
_Static_assert(QUIRE_NODE_TYPE_COUNT <= 32, "node types must fit QUIRE__NODE_LEAF_MASK");

static inline bool quire__node_is_leaf(const quire_node *n)
{
    return (unsigned)n->type < 32 && ((QUIRE__NODE_LEAF_MASK >> (unsigned)n->type) & 1u);
}

/* quire_node_is_block, inline for the writers' per-child checks. */
static inline bool quire__node_is_block(const quire_node *n)
{
    return n && n->type >= QUIRE_NODE_ROOT && n->type <= QUIRE_NODE_HTML_BLOCK;
}

static inline quire_event quire__iter_next(quire_iter *it, quire_node **out)
{
    quire_node *cur = it->cur;
    if (!cur) {
        if (!it->root || it->ev != QUIRE_EVENT_DONE)
            return *out = NULL, QUIRE_EVENT_DONE;
        it->cur = it->root;
        it->ev = QUIRE_EVENT_ENTER;
        *out = it->cur;
        return it->ev;
    }
    if (it->skip) {
        it->skip = false;
        it->ev = QUIRE_EVENT_EXIT;
        *out = cur;
        return it->ev;
    }
    if (it->ev == QUIRE_EVENT_ENTER && !quire__node_is_leaf(cur)) {
        if (cur->first_child) {
            it->cur = cur->first_child;
            it->ev = QUIRE_EVENT_ENTER;
        } else {
            it->ev = QUIRE_EVENT_EXIT;
        }
        *out = it->cur;
        return it->ev;
    }
    /* Done with cur (a leaf entered, or a container exited). */
    if (cur == it->root) {
        it->cur = NULL;
        it->ev = QUIRE_EVENT_EXIT; /* marks the walk as finished */
        it->root = NULL;
        *out = NULL;
        return QUIRE_EVENT_DONE;
    }
    if (cur->next) {
        it->cur = cur->next;
        it->ev = QUIRE_EVENT_ENTER;
    } else {
        it->cur = cur->parent;
        it->ev = QUIRE_EVENT_EXIT;
    }
    *out = it->cur;
    return it->ev;
}

#define quire_iter_next(it, out) quire__iter_next((it), (out))
#define quire_node_is_leaf(n) quire__node_is_leaf(n)

/** The node after n in a walk of root's tree in the order quire_iter
 *  enters nodes (root first; no children of leaf nodes), or NULL after the
 *  last: for walks that need no EXIT events, at half the steps.  Decided
 *  from n as it is when asked, so a walk may change n in place but not
 *  move nodes. */
static inline const quire_node *quire__node_next(const quire_node *root, const quire_node *n)
{
    if (n->first_child && !quire__node_is_leaf(n))
        return n->first_child;
    while (n != root && !n->next)
        n = n->parent;
    return n == root ? NULL : n->next;
}

/** quire_document_clone without copying strings: the copy has its own
 *  nodes, attribute lists and arrays (filters may change them) but points
 *  at src's strings, which nothing writes into, and at src's front matter
 *  tree (extra), which the flavor chains it serves only read.  So it must
 *  be freed before src and before every arena src's strings live in. */
quire_document *quire__document_clone_shared(const quire_document *src);
/** quire_document_clone into arena a, which the copy owns from then on
 *  (freed here when out of memory). */
quire_document *quire__document_clone_into(const quire_document *src, quire_arena *a);
/** Whether a writer given src itself sees just what it would see in
 *  quire__document_clone_shared(src): false when the copy would leave
 *  something out (an author with no name, url or email). */
bool quire__document_clone_is_faithful(const quire_document *src);
/** quire_node_clone the same way: own nodes and attribute lists, root's
 *  strings (so it must not outlive them). */
quire_node *quire__node_clone_shared(quire_arena *a, const quire_node *root);

/* ---- hashing, slugs, URLs ---- */
uint64_t quire__fnv1a64(const void *data, size_t n, uint64_t seed);
/** A lower-case ASCII slug ([a-z0-9-], no leading/trailing '-'), at most 80
 *  bytes; "" when nothing is left. */
char *quire__slugify(quire_arena *arena, const char *s);
/** The folder name of a tag or category (tags/<slug>/): its slug, or a
 *  stable hashed name when the slug is empty.  Feeds and pages agree on it. */
const char *quire__taxonomy_slug(quire_arena *arena, const char *name);
/** True when s starts with a URL scheme ("https:", "mailto:"). */
bool quire__url_has_scheme(const char *s);
/** Resolve ref against an absolute base (RFC 3986 §5.2, simplified). */
char *quire__url_resolve(quire_arena *arena, const char *base, const char *ref);

/* ---- srcset (src/core/srcset.c) ---- */
typedef struct quire_srcset_item {
    const char *url, *desc;     /* into the parsed string, not terminated */
    size_t url_len, desc_len;   /* desc_len 0: no descriptor */
} quire_srcset_item;
/** The next candidate of a srcset value from *cursor (advanced); false at
 *  the end.  Parsed as the HTML standard does. */
bool quire__srcset_next(const char **cursor, quire_srcset_item *out);
/** Append a candidate to a srcset being built in b (", " between). */
void quire__srcset_put(quire_buf *b, const char *url, size_t url_len, const char *desc,
                       size_t desc_len);

/* ---- unique, safe slugs (src/core/slugs.c) ---- */
/** A set of strings (copied; freed with the set). */
typedef struct quire_slugset quire_slugset;
quire_slugset *quire__slugset_new(void);
void quire__slugset_free(quire_slugset *s);
bool quire__slugset_has(const quire_slugset *s, const char *slug);
int quire__slugset_add(quire_slugset *s, const char *slug);
/** True for one path segment of [a-z0-9._-], not starting with '.'. */
bool quire__slug_is_safe(const char *slug);
/** slug made safe (slugified; "doc-<hash of fallback_seed>" when nothing is
 *  left) and unique in set (slug-2, slug-3...), added to set; allocated in
 *  a.  NULL when out of memory. */
const char *quire__slug_claim(quire_slugset *set, quire_arena *a, const char *slug,
                              const char *fallback_seed);
/** Make every document's slug safe and unique in collection order, with a
 *  warning for each renamed document; the names of the build's own outputs
 *  (feed.json, index.html, style.css, tags...) are never given out. */
int quire__slugs_unique(quire_collection *c, quire_diag_list *diags);

/* ---- rendering the model (src/core/render_html.c, render_text.c) ---- */
typedef struct quire_render_opts {
    bool xhtml;              /* void elements as <br/>, boolean attrs valued */
    const char *id_prefix;   /* prepended to every id and #fragment link, or NULL */
    bool keep_embeds;        /* EMBED as <iframe>; else a link */
    bool escape_quotes;      /* " and ' in text as &quot; &#39;: feed checkers scan
                                content_html for href="..." and would take a code
                                sample about HTML for a relative link */
} quire_render_opts;
/** The body (or any subtree) as an HTML fragment.  Escapes everything. */
void quire__render_html(quire_buf *out, const quire_node *root, const quire_render_opts *opts);
/** Plain text: paragraphs separated by blank lines, lists with "- ". */
void quire__render_text(quire_buf *out, const quire_node *root);

/* ---- filter options (src/core/registry.c) ---- */
/** Check ctx->options against a NULL-terminated list of known keys: every
 *  unknown key, and every value that is not a scalar, is reported as an
 *  error naming the filter.  QUIRE_OK or QUIRE_ERR_USAGE. */
int quire__filter_check_options(const quire_filter_ctx *ctx, const char *const *known);
/** A boolean option ("true/false", "yes/no", "on/off", "1/0"); def when the
 *  key is absent.  A bad value is reported: QUIRE_ERR_USAGE. */
int quire__filter_opt_bool(const quire_filter_ctx *ctx, const char *key, bool def,
                           bool *out);
/** A non-negative decimal integer option; def when absent.  A bad value
 *  (sign, garbage, overflow) is reported: QUIRE_ERR_USAGE. */
int quire__filter_opt_size(const quire_filter_ctx *ctx, const char *key, size_t def,
                           size_t *out);

/* ---- reading ---- */
/** quire_read_buffer with the path relative to the source folder, which
 *  fallback ids are derived from (NULL: path). */
int quire__read_buffer_ex(quire_collection *c, const quire_reader *reader, const char *path,
                          const char *id_path, const char *data, size_t len,
                          const quire_limits *limits, quire_diag_list *diags);

/** The reading core: optional probe, limits, flags (QUIRE_READ_*), failed
 *  reads leave nothing behind; source_index set on each new document. */
int quire__read_into(quire_collection *c, const quire_reader *reader, const char *path,
                     const char *id_path, const char *data, size_t len,
                     const quire_limits *limits, unsigned flags, const quire_value *field_map,
                     quire_diag_list *diags);

typedef struct quire__source_file {
    char *path;             /* owned */
    const char *id_path;    /* into path: below the folder given, or the base name */
    bool explicit_file;     /* named on the command line (not found in a folder) */
} quire__source_file;
typedef struct quire__file_list {
    quire__source_file *items;
    size_t count, cap;
} quire__file_list;
/** Every file to read: folders walked recursively in byte order of path
 *  names.  Returns the number of paths that could not be used, or < 0. */
int quire__list_files(const char *const *paths, size_t n, quire__file_list *out,
                      quire_diag_list *diags);
void quire__file_list_free(quire__file_list *l);
/** Read files on `jobs` threads; documents and diagnostics are appended in
 *  file order.  Returns the number of files that failed, or < 0. */
int quire__read_files(quire_collection *c, const quire__file_list *files,
                      const quire_reader *force, const quire_limits *limits, unsigned flags,
                      int jobs, quire_diag_list *diags);
/** Read meta's file again for its body (QUIRE_READ_BODY_ONLY): *out is a new
 *  document whose body is the one meta deferred.  Thread-safe. */
int quire__read_body(const quire_document *meta, const quire_limits *limits,
                     const quire_value *field_map, unsigned flags, quire_diag_list *diags,
                     quire_document **out);

/** Initialize every filter of the chain now (single-threaded), so that
 *  quire_chain_run_document can then run on several threads at once. */
int quire__chain_prepare(const quire_chain *ch, const quire_site *site, quire_diag_list *diags);
/** Whether quire_chain_run_document(ch, site, doc) could change doc or
 *  report anything: false only when every document filter of the chain
 *  has a `changes` predicate and each says no (see quire_filter.changes).
 *  Read-only, thread-safe once the chain is prepared. */
bool quire__chain_changes(const quire_chain *ch, const quire_site *site, const quire_document *doc);

/* ---- parallel work (src/core/parallel.c) ---- */
/** Make item i (runs on a worker thread; must not touch shared mutable state). */
typedef void *(*quire__produce_fn)(void *ctx, size_t i);
/** Use item i (runs on the calling thread, for i = 0, 1, 2... in order). */
typedef int (*quire__consume_fn)(void *ctx, size_t i, void *item);
/** Free an item after its consume (runs on the thread that produced it,
 *  in any order, concurrently with produce and consume; item may be NULL). */
typedef void (*quire__release_fn)(void *ctx, void *item);
/** Produce items 0..n-1 on `jobs` threads, consume them in order; at most
 *  jobs * window_per_job items are in flight (produced or being produced,
 *  not yet taken by the consumer), plus the one being consumed.  With
 *  `release`, consume only uses an item and release frees it, on the
 *  thread that made it (each thread has its own malloc heap: a free into
 *  another's takes its lock); without, consume owns the item.  Items
 *  consumed but not released yet are at most two windows (+2) per thread,
 *  far fewer in practice.  Returns the first consume error. */
int quire__run_ordered(size_t n, int jobs, size_t window_per_job, quire__produce_fn produce,
                       quire__consume_fn consume, quire__release_fn release, void *ctx);
/** Number of online processors (1..64). */
int quire__default_jobs(void);

/* ---- a background queue (src/core/bgq.c) ---- */
/** A job: run on the queue's thread, or on a thread waiting in
 *  quire__bgq_wait or at the budget; run frees the job.  Jobs start in
 *  push order, and jobs of one key (a file) one at a time, so they never
 *  overtake each other; jobs of different keys may run at once.  cost
 *  counts against the queue's budget until run returns. */
typedef struct quire__bgq_job {
    struct quire__bgq_job *next;
    size_t cost;
    const void *key;
    void (*run)(struct quire__bgq_job *job);
} quire__bgq_job;
typedef struct quire__bgq quire__bgq;
/** Start the queue's thread.  budget: what queued jobs may cost in all
 *  before quire__bgq_push waits. */
int quire__bgq_start(quire__bgq **out, size_t budget);
/** Queue job.  Any thread.  While the budget is spent, the caller runs
 *  queued jobs itself (or waits when it may not). */
void quire__bgq_push(quire__bgq *q, quire__bgq_job *job);
/** Run queued jobs beside the queue's thread until none is left or
 *  running: every job pushed so far has then run. */
void quire__bgq_wait(quire__bgq *q);
/** Run what is queued, end the thread, free q.  NULL is a no-op. */
void quire__bgq_stop(quire__bgq *q);

/* ---- shared bytes for sinks (src/core/io.c) ---- */
/* Immutable bytes that several sinks may write without copying them: a
 * feed item written into every feed set of its document, a page or a
 * model.json document made on a worker.  A background file sink (see
 * quire_outdir_background) keeps a reference until its thread has written
 * them; any other sink copies them, as quire_sink_write does.
 * Ownership: quire__bytes_adopt takes data (malloc'd) only when it
 * succeeds (on NULL the caller still owns data); the caller holds one
 * reference, dropped with quire__bytes_unref (NULL is a no-op), and may
 * drop it right after quire__sink_write_bytes.  The bytes must not change
 * once made: other threads read them. */
typedef struct quire__bytes quire__bytes;
quire__bytes *quire__bytes_adopt(char *data, size_t len);
quire__bytes *quire__bytes_copy(const void *data, size_t len);
const char *quire__bytes_data(const quire__bytes *b, size_t *len);
void quire__bytes_unref(quire__bytes *b);
/** quire_sink_write of b's bytes, without a copy where the sink can wait. */
int quire__sink_write_bytes(quire_sink *s, quire__bytes *b);

/* ---- writer sessions (src/core/write.c) ---- */
typedef struct quire_write_session quire_write_session;
/** Start a writer: private state, context, begin().  count = documents to come. */
int quire__write_open(quire_write_session **out, const quire_site *site, const quire_writer *w,
                      quire_sink *sink, const quire_write_opts *opts, size_t count,
                      quire_diag_list *diags);
int quire__write_doc(quire_write_session *s, const quire_document *doc);
/** Run the writer's prepare() for doc (any thread; see component.h).
 *  *out is NULL when the writer has none or it failed. */
void quire__write_prepare(quire_write_session *s, const quire_document *doc,
                          quire_diag_list *diags, void **out);
/** write_document with what quire__write_prepare made (may be NULL).  The
 *  caller releases the prepared result after, whatever happens
 *  (quire__write_release, on any thread). */
int quire__write_doc_prepared(quire_write_session *s, const quire_document *doc, void *prepared);
/** Feed content rendered once per document across every feed set and
 *  format it is written to (src/writers/feed_common.c): the build brackets
 *  one document's feed writes with these (same thread). */
void quire__feed_memo_begin(void);
void quire__feed_memo_end(void);
/** Release a prepared result that will not be written (an earlier error). */
void quire__write_release(quire_write_session *s, void *prepared);
/** end() when everything went well (ok && no earlier error), then close() and
 *  free.  Does not commit the sink.  Returns the session's first error. */
int quire__write_close(quire_write_session *s, bool ok);
/** Where the session's writer reports from now on (the caller's list, owned
 *  by the caller): lets sessions end on threads of their own, each into its
 *  own list, merged in a fixed order after. */
void quire__write_set_diags(quire_write_session *s, quire_diag_list *diags);
/** Text input made clean UTF-8 before a reader parses it (encoding.c): a
 *  file with no UTF-8 at all is decoded as Windows-1252, invalid sequences,
 *  NUL and XML-forbidden controls become U+FFFD; one warning per kind at
 *  the first bad byte.  *out is NULL when data is clean already, else a
 *  malloc'd NUL-terminated copy (caller frees). */
int quire__text_to_utf8(const quire_read_ctx *ctx, const char *component, const char *data,
                        size_t len, char **out, size_t *out_len);

/* ---- time ---- */
/** SOURCE_DATE_EPOCH if set and valid, else the collection's newest date,
 *  else the Unix epoch.  Never the clock. */
quire_date quire__build_date(const quire_collection *c);

#endif /* QUIRE_INTERNAL_H */
